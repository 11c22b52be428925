//! What can go wrong with the results store. Every message names the database file, and a
//! bad row also names the run and the column.

use std::path::Path;

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
    #[error("unknown table {name:?}; valid: {valid}")]
    UnknownTable {
        /// The name given.
        name: String,
        /// The tables there are.
        valid: String,
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
