//! Executing experiments: planning a sweep into the store, loading each dataset once,
//! running `jobs` runs at a time, slices for job arrays, progress, and Ctrl-C.
//!
//! A sweep is resumable and safe to kill: runs are planned (ids in grid order) before any
//! trains; `done` and `diverged` runs are skipped on a rerun and every other run is
//! restarted from scratch (its partial rows deleted first); each epoch is written in one
//! transaction. Every run is deterministic given its config and runs on its own thread(s),
//! so results do not depend on `jobs` or on the order runs finish.

mod data;
mod execute;
mod progress;
mod shard;

pub use data::{DataCache, load_dataset};
pub use progress::{LINE_EVERY, Progress, ProgressMode};
pub use shard::{Shard, ShardSpec};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::data::{DataError, LoadOptions};
use crate::experiment::{Experiment, ExperimentError};
use crate::store::checkpoint::CheckpointError;
use crate::store::{DB_FILE, Status, Store, StoreError};

/// Why a sweep could not run. Everything here is detected before training starts, except a
/// failure to write the database mid-sweep.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The experiment is invalid.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// The results store failed or is unusable.
    #[error(transparent)]
    Store(Box<StoreError>),
    /// A dataset could not be loaded.
    #[error("dataset {dataset}: {source}")]
    Data {
        /// The name.
        dataset: String,
        /// Why.
        source: Box<DataError>,
    },
    /// The study directory (or weights directory) cannot be created or written.
    #[error("output directory {dir}: {message}")]
    Output {
        /// The directory.
        dir: String,
        /// What failed.
        message: String,
    },
    /// A checkpoint is unusable.
    #[error(transparent)]
    Checkpoint(Box<CheckpointError>),
    /// A run's settings do not fit its data, or options conflict.
    #[error("{0}")]
    Invalid(String),
}

impl From<StoreError> for RunnerError {
    fn from(e: StoreError) -> Self {
        RunnerError::Store(Box::new(e))
    }
}

impl From<CheckpointError> for RunnerError {
    fn from(e: CheckpointError) -> Self {
        RunnerError::Checkpoint(Box::new(e))
    }
}

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
    /// The slice of the grid to run.
    pub shard: Shard,
    /// Redo runs that are already `done` or `diverged`.
    pub force: bool,
    /// Display.
    pub progress: ProgressMode,
    /// Where data is looked for (split, standardization and test come from each run).
    pub load: LoadOptions,
    /// Save the trained weights.
    pub save_weights: Option<WeightsTarget>,
    /// Set to stop: running runs end as `interrupted`, no new run starts.
    pub stop: Arc<AtomicBool>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            out: PathBuf::from("studies/experiment"),
            db: None,
            jobs: default_jobs(),
            shard: Shard::ALL,
            force: false,
            progress: ProgressMode::Auto,
            load: LoadOptions::default(),
            save_weights: None,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// One job per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The default study directory of an experiment: `studies/<name>`.
pub fn default_out(name: &str) -> PathBuf {
    Path::new("studies").join(name)
}

impl SweepOptions {
    /// The database file these options write.
    pub fn db_path(&self) -> PathBuf {
        match &self.db {
            Some(db) => db.clone(),
            None if self.shard.is_all() => self.out.join(DB_FILE),
            None => self.out.join(format!(
                "mlplab.shard-{}-of-{}.db",
                self.shard.index, self.shard.count
            )),
        }
    }
}

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

/// Creates `dir` and checks that files can be written in it.
pub fn ensure_writable_dir(dir: &Path) -> Result<(), RunnerError> {
    let fail = |message: String| RunnerError::Output {
        dir: dir.display().to_string(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it: {e}")))?;
    let probe = dir.join(format!(".mlplab-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| fail(format!("cannot write in it: {e}")))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Runs the slice `opts.shard` of `exp` into the study database, `opts.jobs` runs at a time.
///
/// Before anything trains: the output directory is created and checked, the database opened
/// (a newer schema is refused), the whole grid planned, every dataset the slice needs loaded
/// (once, shared by all runs through `cache`), and every run's settings checked against its
/// data (input width, initial weights). Then runs execute; a run that fails or diverges is
/// recorded as such and the others go on.
pub fn sweep(
    exp: &Experiment,
    opts: &SweepOptions,
    cache: &DataCache,
) -> Result<SweepSummary, RunnerError> {
    let started = Instant::now();
    if opts.jobs == 0 {
        return Err(RunnerError::Invalid("--jobs 0: must be ≥ 1".into()));
    }
    ensure_writable_dir(&opts.out)?;
    if let Some(parent) = opts
        .db
        .as_ref()
        .and_then(|d| d.parent())
        .filter(|p| !p.as_os_str().is_empty())
    {
        ensure_writable_dir(parent)?;
    }
    match &opts.save_weights {
        Some(WeightsTarget::Dir(d)) => ensure_writable_dir(d)?,
        Some(WeightsTarget::File(f)) => {
            if exp.runs.len() != 1 {
                return Err(RunnerError::Invalid(format!(
                    "--save-weights {}: a file holds one run's weights but the experiment has {} \
                     runs; give a directory to `mlplab sweep --save-weights`",
                    f.display(),
                    exp.runs.len()
                )));
            }
            if let Some(parent) = f.parent().filter(|p| !p.as_os_str().is_empty()) {
                ensure_writable_dir(parent)?;
            }
        }
        None => {}
    }
    let db = opts.db_path();
    let mut store = Store::open(&db)?;
    let keys: Vec<String> = exp.runs.iter().map(|r| r.key()).collect();
    let known = store.statuses(&keys)?;
    let mut todo = Vec::new();
    let mut in_shard = 0;
    for (g, (run, status)) in exp.runs.iter().zip(&known).enumerate() {
        if !opts.shard.contains(g) {
            continue;
        }
        in_shard += 1;
        if status.is_some_and(Status::is_final) && !opts.force {
            continue;
        }
        // Load every dataset the slice needs, once, and check each run against its data,
        // before the plan is written.
        let data = cache.get(&run.data, &opts.load)?;
        execute::check(run, &data)?;
        todo.push(execute::Job {
            id: g as i64,
            run: run.clone(),
            data: Some(data),
        });
    }
    let skipped = in_shard - todo.len();
    let planned = store.plan(&exp.name, &exp.runs)?;
    for job in &mut todo {
        job.id = planned[job.id as usize].id;
    }
    let progress = Progress::new(opts.progress, todo.len());
    if skipped > 0 {
        progress.message(&format!(
            "{}: {skipped} of {in_shard} runs already finished, {} to run",
            db.display(),
            todo.len()
        ));
    }
    let store = Mutex::new(store);
    let abort = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let fatal: Mutex<Option<RunnerError>> = Mutex::new(None);
    let ctx = execute::Ctx {
        store: &store,
        progress: &progress,
        stop: &opts.stop,
        abort: &abort,
        save: opts.save_weights.as_ref(),
    };
    let jobs = opts.jobs.min(todo.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    if opts.stop.load(Ordering::SeqCst) || abort.load(Ordering::SeqCst) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = todo.get(i) else { break };
                    match execute::run(job, &ctx) {
                        Ok(status) => lock(&results).push((job.id, status)),
                        Err(e) => {
                            abort.store(true, Ordering::SeqCst);
                            lock(&fatal).get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    if let Some(e) = lock(&fatal).take() {
        return Err(e);
    }
    let mut executed = std::mem::take(&mut *lock(&results));
    executed.sort_by_key(|(id, _)| *id);
    Ok(SweepSummary {
        db,
        planned: exp.runs.len(),
        in_shard,
        skipped,
        not_started: todo.len() - executed.len(),
        executed,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Locks, ignoring poisoning (a panicked run must not lose the others' results).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests;
