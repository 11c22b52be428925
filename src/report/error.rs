//! The report's error type: every variant names the file (and, where it applies, the field
//! or value) and says what would be valid.

use std::path::PathBuf;

/// What can go wrong while reading a study database or writing its report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The study directory has no `mlplab.db`.
    #[error(
        "no study database at {path}: give the directory that `mlplab train`, `sweep`, `tune` \
         or `reproduce` wrote (their --out, under studies/ by default), or its mlplab.db"
    )]
    NoDatabase {
        /// The path looked for.
        path: PathBuf,
    },

    /// SQLite refused to open or query the database.
    #[error("cannot read the study database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// The database was written by a newer mlplab.
    #[error(
        "{path} has schema_version {found}, newer than the {supported} this mlplab reads: upgrade mlplab to report on it"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its `meta.schema_version`.
        found: i64,
        /// The newest version this build reads.
        supported: i64,
    },

    /// `meta.schema_version` is missing or not an integer.
    #[error("{path}: meta.schema_version is {value:?}; expected an integer such as \"2\"")]
    BadSchemaVersion {
        /// The database file.
        path: PathBuf,
        /// The value found, if any.
        value: Option<String>,
    },

    /// The store refused a row (a NULL where a value is required, an unknown status, a config
    /// that is not JSON) or the file; the message names the run and the column.
    #[error(transparent)]
    Store(crate::store::StoreError),

    /// The database holds no runs at all.
    #[error("no runs in {path}: the study has not been run yet (nothing to report)")]
    NoRuns {
        /// The database file.
        path: PathBuf,
    },

    /// Writing a report file or creating the figures folder failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A figure could not be drawn or encoded.
    #[error("cannot draw figure {path}: {message}")]
    Plot {
        /// The figure file.
        path: PathBuf,
        /// What the drawing library said.
        message: String,
    },
}

impl ReportError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
