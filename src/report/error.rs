//! The report's error type: every variant names the file (and, where it applies, the field
//! or value) and says what would be valid.

use std::path::PathBuf;

/// What can go wrong while reading a study database or writing its report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The study directory has no `mlplab.db`.
    #[error(
        "no study database at {path}: expected the results store written by `mlplab run`/`reproduce`"
    )]
    NoDatabase { path: PathBuf },

    /// SQLite refused to open or query the database.
    #[error("cannot read the study database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The database was written by a newer mlplab.
    #[error(
        "{path} has schema_version {found}, newer than the {supported} this mlplab reads: upgrade mlplab to report on it"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// `meta.schema_version` is missing or not an integer.
    #[error("{path}: meta.schema_version is {value:?}; expected an integer such as \"1\"")]
    BadSchemaVersion {
        path: PathBuf,
        value: Option<String>,
    },

    /// The database holds no runs at all.
    #[error("no runs in {path}: the study has not been run yet (nothing to report)")]
    NoRuns { path: PathBuf },

    /// Writing a report file or creating the figures folder failed.
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A figure could not be drawn or encoded.
    #[error("cannot draw figure {path}: {message}")]
    Plot { path: PathBuf, message: String },
}

impl ReportError {
    pub(crate) fn sqlite(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> Self + '_ {
        move |source| ReportError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
