//! Executing experiments: planning a sweep into the store, loading each dataset once,
//! running `jobs` runs at a time, slices for job arrays, progress, and Ctrl-C. The runner
//! knows nothing of reports (`study/` puts the two together).
//!
//! A sweep is resumable and safe to kill: runs are planned (ids in grid order) before any
//! trains; `done` and `diverged` runs are skipped on a rerun and every other run is
//! restarted from scratch (its partial rows deleted first); each epoch is written in one
//! transaction. Every run is deterministic given its config and runs on its own thread(s),
//! so results do not depend on `jobs` or on the order runs finish.
//!
//! | file | what |
//! |---|---|
//! | `sweep.rs` | [`sweep()`]: check outputs → select this shard's runs → plan → execute → summarize |
//! | `options.rs` | [`SweepOptions`], [`WeightsTarget`], defaults, the database path |
//! | `output.rs` | output directories created and checked before anything trains |
//! | `pool.rs` | `jobs` threads taking runs from a shared counter |
//! | `execute.rs` | one run: network, training, recording, final status |
//! | `data.rs` | loading each dataset once per sweep ([`DataCache`]) |
//! | `shard.rs` | `--shard I/N` slices ([`Shard`], [`ShardSpec`]) |
//! | `progress.rs` | progress lines and bars |
//! | `summary.rs` | [`SweepSummary`] |
//! | `error.rs` | [`RunnerError`] |

mod data;
mod error;
mod execute;
mod machine;
mod options;
mod output;
mod pool;
mod progress;
mod shard;
mod summary;
mod sweep;

pub use data::{DataCache, load_dataset};
pub use error::RunnerError;
pub use machine::machine;
pub use options::{SweepOptions, WeightsTarget, default_jobs, default_out};
pub use output::ensure_writable_dir;
pub(crate) use pool::lock;
pub use progress::{LINE_EVERY, Progress, ProgressMode, SweepEta, epoch_line};
pub use shard::{SHARD_RECORD_FILE, Shard, ShardSpec, check_shard_record, read_shard_record};
pub use summary::{BestCell, SweepSummary, best_cell};
pub use sweep::sweep;

#[cfg(test)]
mod tests;
