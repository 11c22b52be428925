//! The results store: one SQLite database per study directory (`<study-dir>/mlplab.db`),
//! with the schema in `schema.sql`. The store owns that schema: nothing else in mlplab
//! writes or reads the database.
//!
//! | file | what |
//! |---|---|
//! | `schema.rs` | file names, schema version, [`Status`], one row type per table |
//! | `cell.rs` | a run's cell (its configuration less seed and threads) from the stored config |
//! | `writer.rs` | [`Store`]: planning, starting, recording, finishing runs |
//! | `check.rs` | the integrity check ([`StudyReader::check`]) and resetting unsound runs |
//! | `lock.rs` | the study lock: one writer per database |
//! | `open.rs` | what a file is (checked before writing), read-only opening, `quick_check` |
//! | `migrate.rs` | opening for writing: schema check, migration of older schemas |
//! | `journal.rs` | the journal mode: WAL on local disks, rollback journal on network filesystems |
//! | `reader.rs` | [`StudyReader`]: the one reader (report, `runs`, `merge`, `export`, `train`) |
//! | `export.rs` | any table to CSV or JSON |
//! | `merge.rs` | combining shard databases |
//! | `lbfgs.rs` | the `lbfgs_iterations` table: [`IterationRow`], its writer and reader |
//! | `checkpoint.rs` | trained weights as safetensors (not the database) |

mod cell;
mod check;
pub mod checkpoint;
mod error;
mod export;
mod journal;
mod lbfgs;
mod lock;
mod merge;
mod migrate;
mod open;
mod reader;
mod schema;
mod writer;

pub use cell::{NOT_IN_CELL, cell_key_of_json, cell_settings};
pub use check::Problem;
pub use error::{Result, StoreError};
pub use export::{Format, RUN_SETTINGS, RUN_SETTINGS_SQL};
pub use journal::{JOURNAL_ENV, Journal};
pub use lbfgs::IterationRow;
pub use lock::LockWait;
pub(crate) use lock::utc_now;
pub use merge::MergeSummary;
pub use reader::StudyReader;
pub use schema::{
    BatchRow, CalibrationRow, DB_FILE, EpochRow, LayerNormRow, MemorizationRow, RunRow, SCHEMA,
    SCHEMA_VERSION, SHARD_DB_PATTERN, SparsityRow, Status, StoredRun, StoredStudy, is_db_file,
    lock_file_of, shard_db_file,
};
pub use writer::{EpochExtras, Planned, Store};

#[cfg(test)]
mod tests;
