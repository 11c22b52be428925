//! The integrity check: SQLite's `quick_check`, and every finished run against its plan.
//!
//! A `done` run must have the epoch rows 0..=E, E being `train.epochs` of its stored config
//! (and the `runs.epochs` column), and the mini-batch rows 1..=S, S being the step of its last
//! epoch. A `diverged` run must have its epochs contiguous from 0 and its mini-batches
//! contiguous from 1, at least up to its last epoch's step. Other statuses are redone by the
//! next sweep anyway and are not checked.

use super::error::Result;
use super::open::quick_check;
use super::reader::StudyReader;
use super::schema::{BatchRow, EpochRow, RunRow, Status};
use super::writer::Store;

/// One problem the check found.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The run, or `None` for the file itself (`quick_check`).
    pub run: Option<i64>,
    /// Its status, when a run.
    pub status: Option<Status>,
    /// What is wrong, naming the run.
    pub message: String,
}

/// Numbers missing from `lo..=hi` in `found` (sorted), as `"3, 4, 7"` (at most 8 shown).
fn missing(lo: i64, hi: i64, found: &[i64]) -> Option<String> {
    let gone: Vec<i64> = (lo..=hi.max(lo - 1))
        .filter(|n| found.binary_search(n).is_err())
        .take(9)
        .collect();
    if gone.is_empty() {
        return None;
    }
    let mut shown: Vec<String> = gone.iter().take(8).map(i64::to_string).collect();
    if gone.len() > 8 {
        shown.push("…".into());
    }
    Some(shown.join(", "))
}

/// `train.epochs` of a stored config.
fn planned_epochs(config_json: &str) -> std::result::Result<i64, String> {
    let v: serde_json::Value =
        serde_json::from_str(config_json).map_err(|e| format!("config_json is not JSON ({e})"))?;
    v.get("train")
        .and_then(|t| t.get("epochs"))
        .and_then(serde_json::Value::as_i64)
        .filter(|e| *e >= 0)
        .ok_or_else(|| "config_json has no train.epochs (a count ≥ 0)".to_string())
}

/// The problems of one run with its rows (empty when sound or not final).
pub(crate) fn run_problems(run: &RunRow, epochs: &[EpochRow], batches: &[BatchRow]) -> Vec<String> {
    let mut out = Vec::new();
    if !run.status.is_final() {
        return out;
    }
    let planned = match planned_epochs(&run.config_json) {
        Ok(e) => e,
        Err(e) => {
            out.push(e);
            return out;
        }
    };
    if run.epochs != planned {
        out.push(format!(
            "runs.epochs is {} but its config plans {planned} epochs",
            run.epochs
        ));
    }
    let mut epoch_nums: Vec<i64> = epochs.iter().map(|e| e.epoch).collect();
    epoch_nums.sort_unstable();
    let mut steps: Vec<i64> = batches.iter().map(|b| b.step).collect();
    steps.sort_unstable();
    let last = epochs.iter().max_by_key(|e| e.epoch);
    let last_step = last.map_or(0, |e| e.step);
    let top = if run.status == Status::Done {
        planned
    } else {
        epoch_nums.last().copied().unwrap_or(-1)
    };
    if let Some(gone) = missing(0, top, &epoch_nums) {
        out.push(format!(
            "lacks the epoch rows {gone} (expected 0..={top}, found {})",
            epoch_nums.len()
        ));
    }
    if let Some(&e) = epoch_nums.iter().find(|&&e| e < 0 || e > planned) {
        out.push(format!("has an epoch row {e} outside 0..={planned}"));
    }
    let top_step = if run.status == Status::Done {
        last_step
    } else {
        steps.last().copied().unwrap_or(0).max(last_step)
    };
    if let Some(gone) = missing(1, top_step, &steps) {
        out.push(format!(
            "lacks the mini-batch rows of steps {gone} (expected 1..={top_step}, found {})",
            steps.len()
        ));
    }
    if run.status == Status::Done
        && let Some(&s) = steps.iter().find(|&&s| s < 1 || s > last_step)
    {
        out.push(format!(
            "has a mini-batch row of step {s} outside 1..={last_step} (its last epoch's step)"
        ));
    }
    out
}

impl StudyReader {
    /// The integrity check: SQLite's `quick_check`, then every `done` and `diverged` run
    /// against its plan (see the module). Empty when the database is sound. A row the reader
    /// cannot read is an error, not a problem.
    pub fn check(&self) -> Result<Vec<Problem>> {
        let mut out: Vec<Problem> = quick_check(&self.conn, &self.path)?
            .into_iter()
            .map(|m| Problem {
                run: None,
                status: None,
                message: format!("{}: quick_check: {m}", self.path.display()),
            })
            .collect();
        if !out.is_empty() {
            return Ok(out);
        }
        for s in self.study()?.runs {
            for m in run_problems(&s.run, &s.epochs, &s.batches) {
                out.push(Problem {
                    run: Some(s.run.id),
                    status: Some(s.run.status),
                    message: format!("run {} ({}): {m}", s.run.id, s.run.status),
                });
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Resets every `done` or `diverged` run that fails the integrity check: its rows are
    /// deleted and it is `pending` again, so the next sweep redoes it. One transaction.
    /// Returns the problems of the runs reset (one or more per run).
    pub fn reset_unsound(&mut self) -> Result<Vec<Problem>> {
        let problems: Vec<Problem> = StudyReader::open(&self.path)?
            .check()?
            .into_iter()
            .filter(|p| p.run.is_some())
            .collect();
        if problems.is_empty() {
            return Ok(problems);
        }
        let path = self.path.clone();
        let err = |e| super::error::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut ids: Vec<i64> = problems.iter().filter_map(|p| p.run).collect();
        ids.dedup();
        for id in ids {
            for table in ["batches", "layer_norms", "epochs", "calibration"] {
                tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])
                    .map_err(err)?;
            }
            tx.execute(
                "UPDATE runs SET status = 'pending', error = NULL, started_at = NULL, \
                 finished_at = NULL, wall_seconds = NULL WHERE id = ?1",
                [id],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(problems)
    }
}
