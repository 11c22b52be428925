//! Reading a study database (`<study_dir>/mlplab.db`, schema in `src/store/schema.sql`).
//!
//! The report reads only the explicit columns of that schema; `runs.config_json` is never
//! parsed. Every metric is read as "maybe a number": NULLs (SQLite stores NaN as NULL) and
//! non-finite values become `None`, so no database content can make the report panic.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, Row};

use super::ReportError;

/// The newest `meta.schema_version` this report understands.
pub const SUPPORTED_SCHEMA_VERSION: i64 = 1;

/// File name of the results store inside a study directory.
pub const DB_FILE: &str = "mlplab.db";

/// The state of a run, from `runs.status`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunStatus {
    /// Finished all epochs.
    Done,
    /// Stopped on a non-finite cost.
    Diverged,
    /// Stopped on an error.
    Failed,
    /// Started, not finished (or interrupted).
    Running,
    /// Not started.
    Pending,
    /// A status this version does not know; shown verbatim.
    Other(String),
}

impl RunStatus {
    fn parse(s: &str) -> Self {
        match s {
            "done" => Self::Done,
            "diverged" => Self::Diverged,
            "failed" => Self::Failed,
            "running" => Self::Running,
            "pending" => Self::Pending,
            other => Self::Other(other.to_string()),
        }
    }

    /// The word used in tables.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Done => "done",
            Self::Diverged => "diverged",
            Self::Failed => "failed",
            Self::Running => "running",
            Self::Pending => "pending",
            Self::Other(s) => s,
        }
    }
}

/// One row of `epochs`: the network evaluated after `epoch` epochs (0 = before training).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    /// Epoch number (0 = before training; for batches the 1-based epoch of the step).
    pub epoch: i64,
    /// Mini-batch steps taken (for batches: this step, 1-based).
    pub step: i64,
    /// Full cost J (loss + penalty) on the training split.
    pub train_cost: Option<f64>,
    /// Full cost J on the cross-validation split.
    pub cv_cost: Option<f64>,
    /// Accuracy on the training split.
    pub train_acc: Option<f64>,
    /// Accuracy on the cross-validation split.
    pub cv_acc: Option<f64>,
}

impl EpochRow {
    /// Generalization gap, train accuracy − CV accuracy.
    pub fn gap(&self) -> Option<f64> {
        Some(self.train_acc? - self.cv_acc?)
    }
}

/// One row of `layer_norms`.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNormRow {
    /// Epoch number (0 = before training; for batches the 1-based epoch of the step).
    pub epoch: i64,
    /// Layer, 1..L (1 = the layer fed by the input).
    pub layer: i64,
    /// Mean over the epoch's steps of `‖dW[l]‖_F`.
    pub grad_norm: Option<f64>,
    /// `‖W[l]‖_F` at the end of the epoch.
    pub weight_norm: Option<f64>,
}

/// One row of `batches`: cost and accuracy of a mini-batch before its update.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// Mini-batch steps taken (for batches: this step, 1-based).
    pub step: i64,
    /// Epoch number (0 = before training; for batches the 1-based epoch of the step).
    pub epoch: i64,
    /// Cost J of the mini-batch before its update.
    pub cost: Option<f64>,
    /// Fraction of the mini-batch classified correctly.
    pub accuracy: Option<f64>,
}

/// A run with its curves, as stored.
#[derive(Debug, Clone)]
pub struct Run {
    /// `runs.id`.
    pub id: i64,
    /// Experiment name, e.g. `paper-mnist`.
    pub study: String,
    /// Dataset name, e.g. `mnist`, `cifar10-jpeg`.
    pub dataset: String,
    /// e.g. `784-128lrelu(0.1)x4-10softmax`.
    pub architecture: String,
    /// `mse`, `bce` or `cce`.
    pub loss: String,
    /// `uniform`, `he`, `glorot`, ….
    pub init: String,
    /// `sgd`, `momentum`, `rmsprop`, `adam`, ….
    pub optimizer: String,
    /// Learning rate (NaN if the database had none).
    pub lr: f64,
    /// Bias correction of Momentum/RMSProp (SPEC §5).
    pub bias_correction: bool,
    /// λ of the L2 penalty (NaN if the database had none).
    pub l2: f64,
    /// λ1 of the L1 penalty.
    pub l1: f64,
    /// Mini-batch size.
    pub batch_size: i64,
    /// Planned number of epochs.
    pub epochs_planned: i64,
    /// Random seed.
    pub seed: i64,
    /// `runs.status`.
    pub status: RunStatus,
    /// Message for `diverged` / `failed`.
    pub error: Option<String>,
    /// Wall time of the run.
    pub wall_seconds: Option<f64>,
    /// Sorted by epoch.
    pub epochs: Vec<EpochRow>,
    /// Sorted by (epoch, layer).
    pub layer_norms: Vec<LayerNormRow>,
    /// Sorted by step.
    pub batches: Vec<BatchRow>,
}

impl Run {
    /// The last evaluated epoch, if any.
    pub fn last_epoch(&self) -> Option<&EpochRow> {
        self.epochs.last()
    }

    /// The epoch row for `epoch`, if recorded.
    pub fn at_epoch(&self, epoch: i64) -> Option<&EpochRow> {
        self.epochs.iter().find(|e| e.epoch == epoch)
    }

    /// Number of classes, read from the output width at the end of `architecture`
    /// (e.g. `784-128lrelu(0.1)x4-10softmax` → 10); `None` when it cannot be read.
    pub fn classes(&self) -> Option<u32> {
        let last = self.architecture.rsplit('-').next()?;
        let digits: String = last.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok().filter(|&k| k >= 2)
    }
}

/// Everything the report needs from one study database.
#[derive(Debug, Clone)]
pub struct Study {
    /// The database file that was read.
    pub db_path: PathBuf,
    /// `meta` as key/value pairs, sorted by key.
    pub meta: Vec<(String, String)>,
    /// Every run, by id.
    pub runs: Vec<Run>,
}

/// Opens `<study_dir>/mlplab.db` read-only, checks its schema version and loads every run.
///
/// Errors: no database file, unreadable SQLite, a missing or newer `schema_version`, or a
/// database with no runs ("no runs in `<path>`").
pub fn load_study(study_dir: &Path) -> Result<Study, ReportError> {
    let db_path = study_dir.join(DB_FILE);
    if !db_path.is_file() {
        return Err(ReportError::NoDatabase { path: db_path });
    }
    let conn = Connection::open_with_flags(
        &db_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(ReportError::sqlite(&db_path))?;
    let meta = read_meta(&conn, &db_path)?;
    check_schema_version(&meta, &db_path)?;
    let mut runs = read_runs(&conn, &db_path)?;
    if runs.is_empty() {
        return Err(ReportError::NoRuns { path: db_path });
    }
    attach_curves(&conn, &db_path, &mut runs)?;
    Ok(Study {
        db_path,
        meta,
        runs,
    })
}

fn read_meta(conn: &Connection, db_path: &Path) -> Result<Vec<(String, String)>, ReportError> {
    let mut stmt = conn
        .prepare("SELECT key, value FROM meta ORDER BY key")
        .map_err(ReportError::sqlite(db_path))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            ))
        })
        .map_err(ReportError::sqlite(db_path))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(ReportError::sqlite(db_path))
}

fn check_schema_version(meta: &[(String, String)], db_path: &Path) -> Result<(), ReportError> {
    let value = meta
        .iter()
        .find(|(k, _)| k == "schema_version")
        .map(|(_, v)| v.clone());
    let found: i64 = value
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ReportError::BadSchemaVersion {
            path: db_path.to_path_buf(),
            value: value.clone(),
        })?;
    if found > SUPPORTED_SCHEMA_VERSION {
        return Err(ReportError::NewerSchema {
            path: db_path.to_path_buf(),
            found,
            supported: SUPPORTED_SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// A REAL column read as a finite number or nothing (also accepts integers and numeric text).
fn real(row: &Row, idx: usize) -> rusqlite::Result<Option<f64>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(idx)? {
        ValueRef::Real(v) => Some(v),
        ValueRef::Integer(v) => Some(v as f64),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
    .filter(|v: &f64| v.is_finite()))
}

fn int(row: &Row, idx: usize) -> rusqlite::Result<i64> {
    Ok(real(row, idx)?.map(|v| v as i64).unwrap_or(0))
}

fn text(row: &Row, idx: usize) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(idx)? {
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(v) => v.to_string(),
        ValueRef::Real(v) => v.to_string(),
        ValueRef::Null | ValueRef::Blob(_) => String::new(),
    })
}

fn read_runs(conn: &Connection, db_path: &Path) -> Result<Vec<Run>, ReportError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, study, dataset, architecture, loss, init, optimizer, lr, bias_correction,
                    l2, l1, batch_size, epochs, seed, status, error, wall_seconds
             FROM runs ORDER BY id",
        )
        .map_err(ReportError::sqlite(db_path))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Run {
                id: int(r, 0)?,
                study: text(r, 1)?,
                dataset: text(r, 2)?,
                architecture: text(r, 3)?,
                loss: text(r, 4)?,
                init: text(r, 5)?,
                optimizer: text(r, 6)?,
                lr: real(r, 7)?.unwrap_or(f64::NAN),
                bias_correction: int(r, 8)? != 0,
                l2: real(r, 9)?.unwrap_or(f64::NAN),
                l1: real(r, 10)?.unwrap_or(0.0),
                batch_size: int(r, 11)?,
                epochs_planned: int(r, 12)?,
                seed: int(r, 13)?,
                status: RunStatus::parse(&text(r, 14)?),
                error: r.get::<_, Option<String>>(15).unwrap_or(None),
                wall_seconds: real(r, 16)?,
                epochs: Vec::new(),
                layer_norms: Vec::new(),
                batches: Vec::new(),
            })
        })
        .map_err(ReportError::sqlite(db_path))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(ReportError::sqlite(db_path))
}

/// Loads the epochs, layer_norms and batches rows and hands them to their runs.
fn attach_curves(conn: &Connection, db_path: &Path, runs: &mut [Run]) -> Result<(), ReportError> {
    attach(
        conn,
        db_path,
        runs,
        "SELECT run_id, epoch, step, train_cost, cv_cost, train_acc, cv_acc
         FROM epochs ORDER BY run_id, epoch",
        |r| {
            Ok(EpochRow {
                epoch: int(r, 1)?,
                step: int(r, 2)?,
                train_cost: real(r, 3)?,
                cv_cost: real(r, 4)?,
                train_acc: real(r, 5)?,
                cv_acc: real(r, 6)?,
            })
        },
        |run, row| run.epochs.push(row),
    )?;
    attach(
        conn,
        db_path,
        runs,
        "SELECT run_id, epoch, layer, grad_norm, weight_norm
         FROM layer_norms ORDER BY run_id, epoch, layer",
        |r| {
            Ok(LayerNormRow {
                epoch: int(r, 1)?,
                layer: int(r, 2)?,
                grad_norm: real(r, 3)?,
                weight_norm: real(r, 4)?,
            })
        },
        |run, row| run.layer_norms.push(row),
    )?;
    attach(
        conn,
        db_path,
        runs,
        "SELECT run_id, step, epoch, cost, accuracy FROM batches ORDER BY run_id, step",
        |r| {
            Ok(BatchRow {
                step: int(r, 1)?,
                epoch: int(r, 2)?,
                cost: real(r, 3)?,
                accuracy: real(r, 4)?,
            })
        },
        |run, row| run.batches.push(row),
    )
}

/// Runs `sql` (whose first column is `run_id`), decodes each row with `decode` and gives it
/// to its run with `push`; rows of runs not in `runs` are skipped.
fn attach<T>(
    conn: &Connection,
    db_path: &Path,
    runs: &mut [Run],
    sql: &str,
    decode: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>,
    push: impl Fn(&mut Run, T),
) -> Result<(), ReportError> {
    let index: std::collections::HashMap<i64, usize> =
        runs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let err = ReportError::sqlite;
    let mut stmt = conn.prepare(sql).map_err(err(db_path))?;
    let mut rows = stmt.query([]).map_err(err(db_path))?;
    while let Some(r) = rows.next().map_err(err(db_path))? {
        let run_id = int(r, 0).map_err(err(db_path))?;
        let row = decode(r).map_err(err(db_path))?;
        if let Some(&i) = index.get(&run_id) {
            push(&mut runs[i], row);
        }
    }
    Ok(())
}
