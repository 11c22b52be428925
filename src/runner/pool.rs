//! Executing a sweep's runs `jobs` at a time: a fixed set of scoped threads takes the next
//! run from a shared counter until the list is done, a stop is requested, or the store
//! fails (then every thread stops after its current run and the error is returned).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::execute::{self, Cores, Ctx, Job};
use super::{Progress, RunnerError, SweepOptions};
use crate::store::{Status, Store};

/// Locks, ignoring poisoning (a panicked run must not lose the others' results).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Executes `todo` with `opts.jobs` threads, writing to `store`. Returns `(id, status)` of
/// every run that was executed, in the order they finished; runs not started because of a
/// stop are absent. `Err` when the store could not be written.
pub(crate) fn execute_all(
    todo: &[Job],
    store: Store,
    progress: &Progress,
    opts: &SweepOptions,
) -> Result<Vec<(i64, Status)>, RunnerError> {
    let store = Mutex::new(store);
    let abort = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let fatal: Mutex<Option<RunnerError>> = Mutex::new(None);
    let jobs = opts.jobs.min(todo.len()).max(1);
    let cores = Cores::new(crate::train::cores());
    let ctx = Ctx {
        store: &store,
        progress,
        stop: &opts.stop,
        abort: &abort,
        save: opts.save_weights.as_ref(),
        cores: opts.rebalance.then_some(&cores),
    };
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    if opts.stop.load(Ordering::SeqCst) || abort.load(Ordering::SeqCst) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = todo.get(i) else { break };
                    match execute::run_catching(job, &ctx) {
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
    if let Some(e) = lock(&fatal).take() {
        return Err(e);
    }
    Ok(std::mem::take(&mut *lock(&results)))
}
