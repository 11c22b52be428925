//! What can go wrong with the results store. Every message names the database file, and a
//! bad row also names the run and the column.

use std::path::Path;

use crate::experiment::did_you_mean;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// The database.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database was written by a newer mlplab.
    #[error(
        "{path}: schema version {found} was written by a newer mlplab; this one ({version}) \
         reads versions up to {supported}: upgrade mlplab, or use another study directory"
    )]
    NewerSchema {
        /// The database.
        path: String,
        /// Its `meta.schema_version`.
        found: i64,
        /// [`SCHEMA_VERSION`](super::SCHEMA_VERSION).
        supported: i64,
        /// This mlplab's version.
        version: &'static str,
    },
    /// `meta.schema_version` is missing or not an integer.
    #[error(
        "{path}: meta.schema_version is {value:?}; expected an integer such as \"{}\"",
        super::SCHEMA_VERSION
    )]
    BadSchemaVersion {
        /// The database.
        path: String,
        /// The value found, if any.
        value: Option<String>,
    },
    /// The file exists but is not an mlplab database.
    #[error("{path}: not an mlplab results database ({reason})")]
    NotAStore {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// There is no database where one was expected.
    #[error("{path}: no results database here; run `mlplab sweep FILE --out DIR` first")]
    Missing {
        /// Where it was looked for.
        path: String,
    },
    /// A row holds a value the schema does not allow: a NULL where a value is required, an
    /// unknown status, a config that is not JSON.
    #[error("{path}: run {run}: {table}.{column} {problem}")]
    BadValue {
        /// The database.
        path: String,
        /// The run: `id` (and `key` where known).
        run: String,
        /// The table.
        table: &'static str,
        /// The column.
        column: String,
        /// What is wrong and what would be valid.
        problem: String,
    },
    /// A table name that is not in the database.
    #[error(
        "unknown table {name:?}{}; valid: {valid}",
        did_you_mean(name, valid.split(", ")).map_or(String::new(), |t| format!(" (did you mean {t:?}?)"))
    )]
    UnknownTable {
        /// The name given.
        name: String,
        /// The tables there are.
        valid: String,
    },
    /// Another process holds the study lock.
    #[error(
        "{path}: another mlplab is writing this study: {holder} holds the lock {lock}; wait \
         for it to finish, or rerun with --wait to start when it does"
    )]
    Locked {
        /// The database.
        path: String,
        /// The lock file.
        lock: String,
        /// Who holds it (PID, host, start time, command).
        holder: String,
    },
    /// The lock file cannot be created, read or locked.
    #[error("{path}: cannot take the study lock: {message}")]
    Lock {
        /// The lock file.
        path: String,
        /// What failed.
        message: String,
    },
    /// The file cannot be opened for reading as it is.
    #[error("{path}: cannot be read: {reason}")]
    Unreadable {
        /// The database.
        path: String,
        /// Why, and what to do.
        reason: String,
    },
    /// `PRAGMA quick_check` found the file damaged.
    #[error(
        "{path}: the database is damaged (SQLite's quick_check: {problems}); it is not repaired: \
         restore it from a copy, or recover what is readable with `sqlite3 {path} .recover`"
    )]
    Damaged {
        /// The database.
        path: String,
        /// What quick_check reported.
        problems: String,
    },
    /// Shards trained with different thread counts (whose results differ in their low bits).
    #[error(
        "{input}: its runs trained with {theirs} threads, those of {output} with {ours}; results \
         of different thread counts differ in their low bits, so they are not merged under one \
         run key: rerun the shard with --threads {ours}"
    )]
    MixedThreads {
        /// The input database.
        input: String,
        /// The output database.
        output: String,
        /// The input's thread counts.
        theirs: String,
        /// The output's thread counts.
        ours: String,
    },
    /// A setting (an environment variable) has a value that is not valid; the message names
    /// it and the valid values.
    #[error("{0}")]
    Config(String),
    /// A merge input that a process is still writing, or that a writer left mid-transaction.
    #[error("{path}: refusing to merge a database that is still being written: {why}")]
    StillWriting {
        /// The input database.
        path: String,
        /// Who holds it, or which file shows it, and what to do.
        why: String,
    },
    /// Writing an export failed.
    #[error("writing the export failed: {0}")]
    Write(String),
}

/// `Result` with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;

/// A SQLite error on the database at `path`.
pub(crate) fn sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        source: e,
    }
}
