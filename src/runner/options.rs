//! How to execute a sweep ([`SweepOptions`]) and where its results go.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::{ProgressMode, Shard};
use crate::data::LoadOptions;
use crate::store::DB_FILE;

/// Where `--save-weights` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WeightsTarget {
    /// One file (a sweep of one run, as `mlplab train` makes).
    File(PathBuf),
    /// A folder: `run-<id>.safetensors` per finished run.
    Dir(PathBuf),
}

/// How to execute a sweep. Defaults: `studies/experiment`, one job per core, the whole
/// sweep, progress chosen by the terminal, default data options.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The study directory (created if needed).
    pub out: PathBuf,
    /// The database; default `<out>/mlplab.db`, or `<out>/mlplab.shard-I-of-N.db` for a shard.
    pub db: Option<PathBuf>,
    /// Runs executed at once.
    pub jobs: usize,
    /// Hand the cores of finished runs to the runs still going (`--jobs auto`): while fewer
    /// runs remain than `jobs`, each running run uses `jobs ÷ running` threads (at least its
    /// `train.threads`), changing between steps. The results do not change: a run gives the
    /// same bits on any number of threads.
    pub rebalance: bool,
    /// The slice of the grid to run.
    pub shard: Shard,
    /// Redo runs that are already `done` or `diverged`.
    pub force: bool,
    /// Display.
    pub progress: ProgressMode,
    /// In `Lines` mode, a run's epoch line every this many epochs (and at its last); 1
    /// prints every epoch.
    pub log_every: usize,
    /// Where data is looked for (split, standardization and test come from each run).
    pub load: LoadOptions,
    /// Save the trained weights.
    pub save_weights: Option<WeightsTarget>,
    /// Set to stop: running runs end as `interrupted`, no new run starts.
    pub stop: Arc<AtomicBool>,
    /// Wait for the study lock when another process holds it (instead of refusing).
    pub wait: bool,
    /// The command line that asked for the sweep, recorded as `meta.command` (with
    /// `meta.machine`) when the sweep runs anything; `None` records neither.
    pub command: Option<String>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            out: PathBuf::from("studies/experiment"),
            db: None,
            jobs: default_jobs(),
            rebalance: false,
            shard: Shard::ALL,
            force: false,
            progress: ProgressMode::Auto,
            log_every: 1,
            load: LoadOptions::default(),
            save_weights: None,
            stop: Arc::new(AtomicBool::new(false)),
            wait: false,
            command: None,
        }
    }
}

/// One job per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The default study directory of an experiment: `studies/<name>`.
///
/// ```
/// assert_eq!(mlplab::runner::default_out("paper"), std::path::Path::new("studies/paper"));
/// ```
pub fn default_out(name: &str) -> PathBuf {
    Path::new("studies").join(name)
}

impl SweepOptions {
    /// The database file these options write.
    pub fn db_path(&self) -> PathBuf {
        match &self.db {
            Some(db) => db.clone(),
            None if self.shard.is_all() => self.out.join(DB_FILE),
            None => self.out.join(crate::store::shard_db_file(
                self.shard.index,
                self.shard.count,
            )),
        }
    }
}
