//! A sweep in four steps: check the outputs, select the runs of this shard that still need
//! to run (loading and checking their data), plan the grid into the store, execute the
//! selected runs `jobs` at a time, and summarize.

use std::path::PathBuf;
use std::time::Instant;

use super::execute::{self, Job};
use super::output::check_outputs;
use super::pool::execute_all;
use super::{DataCache, Progress, RunnerError, SweepOptions, SweepSummary};
use crate::experiment::Experiment;
use crate::store::{LockWait, Status, Store};

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
    check_outputs(exp, opts)?;
    let db = opts.db_path();
    let wait = if opts.wait {
        LockWait::Wait
    } else {
        LockWait::Refuse
    };
    let mut store = Store::open_with(&db, wait, &mut |holder| {
        eprintln!(
            "{}: waiting for the study lock, held by {holder}",
            db.display()
        );
    })?;
    if let Some(holder) = store.took_over() {
        eprintln!(
            "{}: took over the study lock left by {holder}, no longer running",
            db.display()
        );
    }
    for p in store.reset_unsound()? {
        eprintln!(
            "{}: {}; reset to pending, it runs again",
            db.display(),
            p.message
        );
    }
    let (mut todo, in_shard, skipped_diverged) = select(exp, opts, cache, &store)?;
    plan(&mut store, exp, &mut todo)?;
    let skipped = in_shard - todo.len();
    if let Some(command) = opts.command.as_deref()
        && !todo.is_empty()
    {
        store.record_meta("command", command)?;
        store.record_meta("machine", &super::machine())?;
    }
    let epochs = todo.iter().map(|j| j.run.train.epochs).sum();
    let progress = Progress::new(opts.progress, todo.len(), epochs, opts.log_every);
    if skipped > 0 {
        progress.message(&format!(
            "{}: {skipped} of {in_shard} runs already finished, {} to run",
            db.display(),
            todo.len()
        ));
    }
    let executed = execute_all(&todo, store, &progress, opts);
    progress.finish();
    let counts = Counts {
        planned: exp.runs.len(),
        in_shard,
        skipped,
        skipped_diverged,
        todo: todo.len(),
    };
    Ok(summarize(db, counts, executed?, started))
}

/// Whether this invocation executes grid run `g` whose stored status is `status`.
fn will_run(opts: &SweepOptions, g: usize, status: Option<Status>) -> bool {
    opts.shard.contains(g) && (opts.force || !status.is_some_and(Status::is_final))
}

/// The runs of this shard that still need to run, each with its data loaded and checked
/// against it (before the plan is written), how many runs the shard has, and how many of
/// its skipped runs had diverged. A job's `id` is its grid index until [`plan`] replaces it
/// by the store's id.
fn select(
    exp: &Experiment,
    opts: &SweepOptions,
    cache: &DataCache,
    store: &Store,
) -> Result<(Vec<Job>, usize, usize), RunnerError> {
    let keys: Vec<String> = exp.runs.iter().map(|r| r.key()).collect();
    let known = store.statuses(&keys)?;
    let mut todo = Vec::new();
    let mut in_shard = 0;
    let mut skipped_diverged = 0;
    for (g, (run, status)) in exp.runs.iter().zip(&known).enumerate() {
        if !opts.shard.contains(g) {
            continue;
        }
        in_shard += 1;
        if !will_run(opts, g, *status) {
            skipped_diverged += usize::from(*status == Some(Status::Diverged));
            continue;
        }
        let data = cache.get(&run.data, &opts.load)?;
        execute::check(run, &data)?;
        todo.push(Job {
            id: g as i64,
            run: run.clone(),
            data: Some(data),
        });
    }
    Ok((todo, in_shard, skipped_diverged))
}

/// Writes the whole grid into the store (ids in grid order) and gives each job its id.
fn plan(store: &mut Store, exp: &Experiment, todo: &mut [Job]) -> Result<(), RunnerError> {
    let planned = store.plan(&exp.name, &exp.runs)?;
    for job in todo {
        job.id = planned[job.id as usize].id;
    }
    Ok(())
}

/// How many runs the sweep saw, by stage.
struct Counts {
    planned: usize,
    in_shard: usize,
    skipped: usize,
    skipped_diverged: usize,
    todo: usize,
}

/// The summary of a sweep from its counts and the `(id, status)` of the runs it executed.
fn summarize(
    db: PathBuf,
    counts: Counts,
    mut executed: Vec<(i64, Status)>,
    started: Instant,
) -> SweepSummary {
    executed.sort_by_key(|(id, _)| *id);
    SweepSummary {
        db,
        planned: counts.planned,
        in_shard: counts.in_shard,
        skipped: counts.skipped,
        skipped_diverged: counts.skipped_diverged,
        not_started: counts.todo - executed.len(),
        executed,
        seconds: started.elapsed().as_secs_f64(),
    }
}
