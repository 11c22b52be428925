//! What a sweep did ([`SweepSummary`]).

use std::path::PathBuf;

use crate::store::Status;

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
