//! SIGINT (Ctrl-C) and SIGTERM (`kill`, Slurm's time limit and preemption, Kubernetes'
//! eviction): the first asks the command to stop cleanly, a second exits at once.
//!
//! A thread waits for the signals (`signal_hook::iterator`), so the messages below are
//! printed outside the signal handler. The first signal sets the stop flag that `train`,
//! `sweep` and `reproduce` pass to the runner (running runs end `interrupted` at their next
//! mini-batch, no new run starts) and is remembered: [`received`] names it and the command
//! then exits with its code (130 for SIGINT, 143 for SIGTERM, `exit.rs`). A second signal
//! (of either kind) exits at once with its own code; the database stays consistent (every
//! write is a transaction, WAL mode) and a rerun restarts the runs that were running.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

use super::exit;

/// The signal number of the first signal received, 0 before any.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The stop flag, made once per process (signals are the process's).
static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// A signal that stops a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Int,
    /// `kill`, Slurm, Kubernetes.
    Term,
}

impl Signal {
    fn of(number: i32) -> Option<Signal> {
        match number {
            SIGINT => Some(Signal::Int),
            SIGTERM => Some(Signal::Term),
            _ => None,
        }
    }

    /// The exit code of a command stopped by this signal: 128 + its number.
    pub fn code(self) -> u8 {
        match self {
            Signal::Int => exit::SIGINT,
            Signal::Term => exit::SIGTERM,
        }
    }

    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
}

/// The first SIGINT or SIGTERM this process received, if any.
pub fn received() -> Option<Signal> {
    Signal::of(RECEIVED.load(Ordering::SeqCst))
}

/// Handles SIGINT and SIGTERM from now on (once per process; later calls return the same
/// flag) and returns the flag the first of them sets. When the handlers cannot be installed
/// it says so on stderr and returns a flag nothing sets: the signals then kill the process
/// as they would without mlplab (the database stays consistent; runs stay `running`).
pub fn stop_flag() -> Arc<AtomicBool> {
    STOP.get_or_init(|| {
        let stop = Arc::new(AtomicBool::new(false));
        match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
            Ok(mut signals) => {
                let flag = stop.clone();
                std::thread::spawn(move || {
                    for number in signals.forever() {
                        on_signal(number, &flag);
                    }
                });
            }
            Err(e) => eprintln!(
                "warning: cannot handle SIGINT and SIGTERM ({e}): a signal kills mlplab at \
                 once, leaving its running runs `running` (a rerun restarts them)"
            ),
        }
        stop
    })
    .clone()
}

/// The first signal: remember it, stop. A second: exit now with its code.
fn on_signal(number: i32, stop: &AtomicBool) {
    let Some(signal) = Signal::of(number) else {
        return;
    };
    if RECEIVED
        .compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        eprintln!(
            "\n{}: exiting now (the database stays consistent; rerun the same command to \
             resume)",
            signal.name()
        );
        std::process::exit(i32::from(signal.code()));
    }
    stop.store(true, Ordering::SeqCst);
    eprintln!(
        "\n{}: stopping: running runs end as 'interrupted'; rerun the same command to resume \
         (a second Ctrl-C or SIGTERM exits at once)",
        signal.name()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_has_its_code() {
        assert_eq!(Signal::of(SIGINT).map(Signal::code), Some(130));
        assert_eq!(Signal::of(SIGTERM).map(Signal::code), Some(143));
        assert_eq!(Signal::of(0), None);
        assert_eq!(Signal::Term.name(), "SIGTERM");
    }
}
