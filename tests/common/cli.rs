//! Running the `mlplab` binary from integration tests, and watching a study it writes.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use mlplab::store::StudyReader;

/// The binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_mlplab");

/// The arguments after `train` of a run long enough to be stopped or watched mid-way: 200
/// epochs of 63 mini-batches on 1,000 synthetic points (add `--out DIR`).
pub const LONG_TRAIN: &[&str] = &[
    "--dataset",
    "blobs:n=3000,test=0,features=5,classes=3,seed=4",
    "--split",
    "full:1000",
    "--hidden",
    "64,64",
    "--batch-size",
    "16",
    "--epochs",
    "200",
];

/// `mlplab ARGS`, with the environment variables that would pick a shard removed.
pub fn mlplab(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("MLPLAB_SHARD_INDEX")
        .env_remove("MLPLAB_SHARD_COUNT");
    c
}

/// Standard output then standard error, as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The output of a command that must have succeeded (its text is the panic message if not).
pub fn ok(out: Output) -> String {
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    t
}

/// The count `sql` gives in the database at `db`, 0 while it cannot be read. Read-only: a
/// sweep being watched holds the study lock.
pub fn count(db: &Path, sql: &str) -> i64 {
    StudyReader::open(db)
        .ok()
        .and_then(|s| s.connection().query_row(sql, [], |r| r.get(0)).ok())
        .unwrap_or(0)
}

/// Waits until `sql` counts at least `n` in the database at `db`; panics after 60 s.
pub fn wait_for(db: &Path, sql: &str, n: i64) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if count(db, sql) >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no progress in {}", db.display());
}
