//! What a sweep did ([`SweepSummary`]).

use std::path::PathBuf;

use crate::store::{Status, StoreError, StudyReader};

/// What a sweep did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSummary {
    /// The database written.
    pub db: PathBuf,
    /// Runs in the whole grid.
    pub planned: usize,
    /// Runs in this shard.
    pub in_shard: usize,
    /// Runs of this shard skipped because they were already finished.
    pub skipped: usize,
    /// Of the skipped runs, those that had diverged (in an earlier invocation).
    pub skipped_diverged: usize,
    /// `(id, status)` of every run executed now, by id.
    pub executed: Vec<(i64, Status)>,
    /// Runs planned but not started because the sweep was stopped.
    pub not_started: usize,
    /// Seconds.
    pub seconds: f64,
}

impl SweepSummary {
    /// Runs executed now that ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.executed.iter().filter(|(_, s)| *s == status).count()
    }

    /// True when the sweep was stopped before it finished.
    pub fn interrupted(&self) -> bool {
        self.not_started > 0 || self.count(Status::Interrupted) > 0
    }
}

/// The configuration with the best mean final CV accuracy over its seeds, among the `done`
/// runs of a study database: what a sweep's closing summary names.
#[derive(Clone, Debug, PartialEq)]
pub struct BestCell {
    /// Mean over the cell's `done` runs of the CV accuracy at their last epoch.
    pub mean_cv_acc: f64,
    /// Those runs' ids, ascending.
    pub runs: Vec<i64>,
    /// The configuration, without its seed: `mnist 784-128xrelu-10xsoftmax sgd lr=0.1 he l2=0 cce`.
    pub label: String,
}

/// The [`BestCell`] of study `study` (an experiment's name: a database may hold several, as
/// `reproduce`'s does) in the database at `db`: its `done` runs grouped by cell (runs that
/// differ only in their seed), each cell's mean final CV accuracy, the highest (the first
/// cell on a tie). `None` when no `done` run has a CV accuracy.
pub fn best_cell(db: &std::path::Path, study: &str) -> Result<Option<BestCell>, StoreError> {
    let reader = StudyReader::open(db)?;
    // (cell, sum, runs, label), in the order cells first appear.
    let mut cells: Vec<(String, f64, Vec<i64>, String)> = Vec::new();
    for run in reader
        .runs()?
        .into_iter()
        .filter(|r| r.status == Status::Done && r.study == study)
    {
        let Some(acc) = reader.last_epoch(run.id)?.and_then(|e| e.cv_acc) else {
            continue;
        };
        if acc.is_nan() {
            continue;
        }
        // A database from before cell keys: each run its own cell.
        let cell = if run.cell_key.is_empty() {
            run.key.clone()
        } else {
            run.cell_key.clone()
        };
        match cells.iter_mut().find(|c| c.0 == cell) {
            Some(c) => {
                c.1 += acc;
                c.2.push(run.id);
            }
            None => {
                let label = format!(
                    "{} {} {} lr={} {} l2={} {}",
                    run.dataset,
                    run.architecture,
                    run.optimizer,
                    run.lr,
                    run.init,
                    run.l2,
                    run.loss
                );
                cells.push((cell, acc, vec![run.id], label));
            }
        }
    }
    let mut best: Option<BestCell> = None;
    for (_, sum, runs, label) in cells {
        let mean = sum / runs.len() as f64;
        if best.as_ref().is_none_or(|b| mean > b.mean_cv_acc) {
            best = Some(BestCell {
                mean_cv_acc: mean,
                runs,
                label,
            });
        }
    }
    Ok(best)
}
