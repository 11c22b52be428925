//! The process's exit codes, in one place (documented in docs/runner.md, "Exit codes").
//!
//! A sub-command that ran to its end but whose runs did not all finish well returns
//! [`Finished`] as its error; `main` prints its message and exits with its code. Every other
//! error exits with [`ERROR`].

use std::fmt;

/// Every run done (or nothing to do).
pub const SUCCESS: u8 = 0;
/// An error before or outside the runs: a bad setting, an unreadable file, a held lock, ….
pub const ERROR: u8 = 1;
/// The command line itself is wrong (clap's own code).
pub const USAGE: u8 = 2;
/// At least one run diverged; none failed.
pub const DIVERGED: u8 = 3;
/// At least one run failed.
pub const FAILED: u8 = 4;
/// Stopped by SIGINT (Ctrl-C): 128 + 2.
pub const SIGINT: u8 = 130;
/// Stopped by SIGTERM (Slurm, Kubernetes, `kill`): 128 + 15.
pub const SIGTERM: u8 = 143;

/// A command that ran but whose outcome is not "every run done": its message and exit code.
#[derive(Debug)]
pub struct Finished {
    /// One of the codes above.
    pub code: u8,
    /// What happened, for the user (printed after `error: `).
    pub message: String,
}

impl Finished {
    /// The outcome of runs that ended `diverged`/`failed`: [`FAILED`] when any failed,
    /// [`DIVERGED`] when some diverged and none failed, `None` when neither.
    pub fn from_counts(diverged: usize, failed: usize, message: impl Into<String>) -> Option<Self> {
        let code = if failed > 0 {
            FAILED
        } else if diverged > 0 {
            DIVERGED
        } else {
            return None;
        };
        Some(Finished {
            code,
            message: message.into(),
        })
    }
}

impl fmt::Display for Finished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Finished {}

/// The exit code for an error returned by a sub-command.
pub fn code_of(err: &anyhow::Error) -> u8 {
    err.downcast_ref::<Finished>().map_or(ERROR, |f| f.code)
}

/// The error and its causes, `: `-separated, each said once: many of the library's errors
/// already include their cause in their own message (`{path}: {source}`), and printing the
/// chain as well would repeat it.
pub fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("dataset {name}: {source}")]
    struct Outer {
        name: String,
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let inner = std::io::Error::other("no label column");
        let err = anyhow::Error::new(Outer {
            name: "csv:a.csv".into(),
            source: inner,
        })
        .context("--dataset");
        assert_eq!(
            message(&err),
            "--dataset: dataset csv:a.csv: no label column"
        );
        let plain = anyhow::anyhow!("disk full").context("writing out.db");
        assert_eq!(message(&plain), "writing out.db: disk full");
    }

    #[test]
    fn failed_outranks_diverged() {
        assert_eq!(
            Finished::from_counts(2, 1, "x").map(|f| f.code),
            Some(FAILED)
        );
        assert_eq!(
            Finished::from_counts(2, 0, "x").map(|f| f.code),
            Some(DIVERGED)
        );
        assert!(Finished::from_counts(0, 0, "x").is_none());
    }

    #[test]
    fn a_finished_error_keeps_its_code_through_anyhow() {
        let e = anyhow::Error::new(Finished {
            code: SIGTERM,
            message: "stopped".into(),
        });
        assert_eq!(code_of(&e), SIGTERM);
        assert_eq!(code_of(&anyhow::anyhow!("other")), ERROR);
    }
}
