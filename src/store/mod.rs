//! The results store: one SQLite database per study directory (`<study-dir>/mlplab.db`),
//! with the schema in `schema.sql`.
//!
//! Every write that belongs together is one transaction (a run's plan, an epoch with its
//! mini-batches and layer norms, a status change), and the database runs in WAL mode, so a
//! kill at any moment leaves it consistent: a run is `done` only once all its rows are in.

pub mod checkpoint;
mod export;
mod merge;

pub use export::Format;
pub use merge::MergeSummary;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::experiment::RunConfig;
use crate::train::BatchRecord;

/// The schema this build writes and reads.
pub const SCHEMA: &str = include_str!("schema.sql");

/// Version of [`SCHEMA`]; a database with a larger `meta.schema_version` is refused.
pub const SCHEMA_VERSION: i64 = 1;

/// File name of the database inside a study directory.
pub const DB_FILE: &str = "mlplab.db";

/// What can go wrong with the store. Every message names the database file.
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
        /// [`SCHEMA_VERSION`].
        supported: i64,
        /// This mlplab's version.
        version: &'static str,
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

/// Where a run stands. `done` and `diverged` are final: a rerun of the sweep skips them and
/// redoes every other run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Planned, not started.
    Pending,
    /// Started and not finished (or killed while running).
    Running,
    /// Finished every epoch.
    Done,
    /// The cost became NaN or infinite; the rows up to that step are kept.
    Diverged,
    /// Stopped by an error; the message is in `runs.error`.
    Failed,
    /// Stopped by Ctrl-C; the rows up to that point are kept.
    Interrupted,
}

impl Status {
    /// The name stored in `runs.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Done => "done",
            Status::Diverged => "diverged",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
        }
    }

    /// True for `done` and `diverged`: the run will not be redone.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Diverged)
    }

    /// How far the run got, for choosing between two copies when merging.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Status::Pending => 0,
            Status::Running => 1,
            Status::Interrupted => 2,
            Status::Failed => 3,
            Status::Diverged => 4,
            Status::Done => 5,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "pending" => Status::Pending,
            "running" => Status::Running,
            "done" => Status::Done,
            "diverged" => Status::Diverged,
            "failed" => Status::Failed,
            "interrupted" => Status::Interrupted,
            other => {
                return Err(format!(
                    "unknown status {other:?}; valid: pending, running, done, diverged, failed, \
                     interrupted"
                ));
            }
        })
    }
}

/// A run as planned: its id (assigned in grid order when first planned) and its status.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// `runs.id`.
    pub id: i64,
    /// `runs.run_key`.
    pub key: String,
    /// Status at planning time.
    pub status: Status,
}

/// One evaluated epoch, as the `epochs` and `layer_norms` tables hold it.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRow {
    /// 0 = before training.
    pub epoch: i64,
    /// Steps so far.
    pub step: i64,
    /// J on the training split.
    pub train_cost: f64,
    /// J on the CV split.
    pub cv_cost: f64,
    /// Accuracy on the training split.
    pub train_acc: f64,
    /// Accuracy on the CV split.
    pub cv_acc: f64,
    /// J on the test split, when evaluated.
    pub test_cost: Option<f64>,
    /// Accuracy on the test split, when evaluated.
    pub test_acc: Option<f64>,
    /// Seconds since the run started.
    pub seconds: f64,
    /// Per layer, mean ‖dW‖_F over the epoch (empty for epoch 0).
    pub grad_norms: Vec<f64>,
    /// Per layer ‖W‖_F at the end of the epoch.
    pub weight_norms: Vec<f64>,
}

/// One row of the `batches` table: (step, epoch, cost, accuracy).
pub type BatchRow = (i64, i64, f64, Option<f64>);

/// One row of [`Store::runs`]: what `mlplab runs` lists.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// `runs.id`.
    pub id: i64,
    /// Experiment name.
    pub study: String,
    /// Status.
    pub status: String,
    /// Dataset.
    pub dataset: String,
    /// Optimizer.
    pub optimizer: String,
    /// Learning rate.
    pub lr: f64,
    /// Initialization.
    pub init: String,
    /// λ.
    pub l2: f64,
    /// Loss.
    pub loss: String,
    /// Configured epochs.
    pub epochs: i64,
    /// Last epoch recorded, if any.
    pub last_epoch: Option<i64>,
    /// CV accuracy at the last epoch recorded.
    pub cv_acc: Option<f64>,
    /// CV cost at the last epoch recorded.
    pub cv_cost: Option<f64>,
    /// Wall time.
    pub wall_seconds: Option<f64>,
    /// Error message.
    pub error: Option<String>,
    /// The run's canonical config JSON.
    pub config_json: String,
}

/// An open results database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the database at `path`, creating it (and the schema) if needed. Refuses a
    /// database from a newer schema and a file that is not an mlplab database.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.init()?;
        Ok(store)
    }

    /// Opens an existing database (for reading, exporting, merging into); never creates one.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        Self::open(path)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for queries this module does not offer.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite(&self.path, e)
    }

    fn init(&self) -> Result<()> {
        let not_a_store = |e: rusqlite::Error| StoreError::NotAStore {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        };
        self.conn
            .busy_timeout(Duration::from_secs(30))
            .map_err(|e| self.err(e))?;
        // journal_mode returns a row; query it rather than execute.
        let _mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(not_a_store)?;
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| self.err(e))?;
        let has_meta: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(not_a_store)?
            > 0;
        if has_meta {
            let found: Option<String> = self
                .conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(found) = found {
                let found: i64 = found.trim().parse().map_err(|_| StoreError::NotAStore {
                    path: self.path.display().to_string(),
                    reason: format!("meta.schema_version = {found:?} is not a number"),
                })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: self.path.display().to_string(),
                        found,
                        supported: SCHEMA_VERSION,
                        version: env!("CARGO_PKG_VERSION"),
                    });
                }
            }
        }
        self.conn.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1), \
                 ('created_by', ?2)",
                params![
                    SCHEMA_VERSION.to_string(),
                    format!("mlplab {}", env!("CARGO_PKG_VERSION"))
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The status of each run key, if the store has it (reads only).
    pub fn statuses(&self, keys: &[String]) -> Result<Vec<Option<Status>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status FROM runs WHERE run_key = ?1")
            .map_err(|e| self.err(e))?;
        keys.iter()
            .map(|k| {
                let s: Option<String> = stmt
                    .query_row([k], |r| r.get(0))
                    .optional()
                    .map_err(|e| self.err(e))?;
                Ok(s.map(|s| s.parse().unwrap_or(Status::Pending)))
            })
            .collect()
    }

    /// Records the runs of a sweep, in order, in one transaction: a run already in the store
    /// (same key) keeps its id and status; a new one is added as `pending` with the next id, so
    /// ids follow grid order however the runs later execute. Returns one entry per run.
    pub fn plan(&mut self, study: &str, runs: &[RunConfig]) -> Result<Vec<Planned>> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        let mut planned = Vec::with_capacity(runs.len());
        {
            let mut find = tx
                .prepare_cached("SELECT id, status FROM runs WHERE run_key = ?1")
                .map_err(|e| sqlite(&path, e))?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO runs (run_key, study, config_json, dataset, split, architecture, \
                     loss, init, optimizer, lr, bias_correction, l2, l1, batch_size, epochs, \
                     seed, threads, status, mlplab_version, git_commit) VALUES (?1, ?2, ?3, ?4, \
                     ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 'pending', ?18, \
                     ?19)",
                )
                .map_err(|e| sqlite(&path, e))?;
            for run in runs {
                let key = run.key();
                let found: Option<(i64, String)> = find
                    .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(|e| sqlite(&path, e))?;
                let (id, status) = match found {
                    Some((id, status)) => (id, status.parse().unwrap_or(Status::Pending)),
                    None => {
                        let t = &run.train;
                        insert
                            .execute(params![
                                key,
                                study,
                                run.canonical_json(),
                                run.data.dataset,
                                crate::experiment::split_label(&run.data.split),
                                run.describe_architecture(),
                                t.loss.to_string(),
                                run.network.init.to_string(),
                                t.optimizer.kind.to_string(),
                                t.optimizer.lr,
                                t.optimizer.bias_correction,
                                t.regularization.l2,
                                t.regularization.l1,
                                t.batch_size as i64,
                                t.epochs as i64,
                                t.seed as i64,
                                t.threads as i64,
                                env!("CARGO_PKG_VERSION"),
                                crate::GIT_COMMIT,
                            ])
                            .map_err(|e| sqlite(&path, e))?;
                        (tx.last_insert_rowid(), Status::Pending)
                    }
                };
                planned.push(Planned { id, key, status });
            }
        }
        tx.commit().map_err(|e| sqlite(&path, e))?;
        Ok(planned)
    }

    /// Starts (or restarts) run `id`: deletes any rows a previous attempt left, then marks it
    /// `running` with the facts known once its data is loaded. One transaction.
    pub fn start(
        &mut self,
        id: i64,
        config_json: &str,
        threads: usize,
        data_source: &str,
        architecture: &str,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        for table in ["batches", "layer_norms", "epochs"] {
            tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])
                .map_err(|e| sqlite(&path, e))?;
        }
        tx.execute(
            "UPDATE runs SET status = 'running', error = NULL, config_json = ?2, threads = ?3, \
             data_source = ?4, architecture = ?5, mlplab_version = ?6, git_commit = ?7, \
             started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), finished_at = NULL, \
             wall_seconds = NULL WHERE id = ?1",
            params![
                id,
                config_json,
                threads as i64,
                data_source,
                architecture,
                env!("CARGO_PKG_VERSION"),
                crate::GIT_COMMIT
            ],
        )
        .map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Writes mini-batch rows for run `id` in one transaction.
    pub fn record_batches(&mut self, id: i64, batches: &[BatchRecord]) -> Result<()> {
        if batches.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        insert_batches(&tx, id, batches).map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Writes one epoch of run `id`: the mini-batches since the last epoch, the epoch's
    /// metrics and its layer norms, in one transaction.
    pub fn record_epoch(&mut self, id: i64, row: &EpochRow, batches: &[BatchRecord]) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        insert_batches(&tx, id, batches).map_err(|e| sqlite(&path, e))?;
        {
            let mut epoch = tx
                .prepare_cached(
                    "INSERT INTO epochs (run_id, epoch, step, train_cost, cv_cost, train_acc, \
                     cv_acc, test_cost, test_acc, seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                     ?8, ?9, ?10)",
                )
                .map_err(|e| sqlite(&path, e))?;
            epoch
                .execute(params![
                    id,
                    row.epoch,
                    row.step,
                    row.train_cost,
                    row.cv_cost,
                    row.train_acc,
                    row.cv_acc,
                    row.test_cost,
                    row.test_acc,
                    row.seconds
                ])
                .map_err(|e| sqlite(&path, e))?;
            let mut norms = tx
                .prepare_cached(
                    "INSERT INTO layer_norms (run_id, epoch, layer, grad_norm, weight_norm) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| sqlite(&path, e))?;
            for (l, w) in row.weight_norms.iter().enumerate() {
                norms
                    .execute(params![
                        id,
                        row.epoch,
                        l as i64 + 1,
                        row.grad_norms.get(l),
                        w
                    ])
                    .map_err(|e| sqlite(&path, e))?;
            }
        }
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Ends run `id` with `status` (and a message for anything but `done`).
    pub fn finish(
        &mut self,
        id: i64,
        status: Status,
        error: Option<&str>,
        wall: f64,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET status = ?2, error = ?3, wall_seconds = ?4, \
                 finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
                params![id, status.as_str(), error, wall],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every run with its last recorded epoch, by id.
    pub fn runs(&self) -> Result<Vec<RunRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.study, r.status, r.dataset, r.optimizer, r.lr, r.init, r.l2, \
                 r.loss, r.epochs, e.epoch, e.cv_acc, e.cv_cost, r.wall_seconds, r.error, \
                 r.config_json FROM runs r LEFT JOIN epochs e ON e.run_id = r.id AND e.epoch = \
                 (SELECT max(epoch) FROM epochs WHERE run_id = r.id) ORDER BY r.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    study: r.get(1)?,
                    status: r.get(2)?,
                    dataset: r.get(3)?,
                    optimizer: r.get(4)?,
                    lr: r.get(5)?,
                    init: r.get(6)?,
                    l2: r.get(7)?,
                    loss: r.get(8)?,
                    epochs: r.get(9)?,
                    last_epoch: r.get(10)?,
                    cv_acc: r.get(11)?,
                    cv_cost: r.get(12)?,
                    wall_seconds: r.get(13)?,
                    error: r.get(14)?,
                    config_json: r.get(15)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// The epochs of run `id`, in order, with their layer norms.
    pub fn epochs(&self, id: i64) -> Result<Vec<EpochRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT epoch, step, train_cost, cv_cost, train_acc, cv_acc, test_cost, \
                 test_acc, seconds FROM epochs WHERE run_id = ?1 ORDER BY epoch",
            )
            .map_err(|e| self.err(e))?;
        let mut rows: Vec<EpochRow> = stmt
            .query_map([id], |r| {
                Ok(EpochRow {
                    epoch: r.get(0)?,
                    step: r.get(1)?,
                    train_cost: r.get::<_, Option<f64>>(2)?.unwrap_or(f64::NAN),
                    cv_cost: r.get::<_, Option<f64>>(3)?.unwrap_or(f64::NAN),
                    train_acc: r.get::<_, Option<f64>>(4)?.unwrap_or(f64::NAN),
                    cv_acc: r.get::<_, Option<f64>>(5)?.unwrap_or(f64::NAN),
                    test_cost: r.get(6)?,
                    test_acc: r.get(7)?,
                    seconds: r.get::<_, Option<f64>>(8)?.unwrap_or(f64::NAN),
                    grad_norms: Vec::new(),
                    weight_norms: Vec::new(),
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        let mut norms = self
            .conn
            .prepare(
                "SELECT epoch, grad_norm, weight_norm FROM layer_norms WHERE run_id = ?1 ORDER \
                 BY epoch, layer",
            )
            .map_err(|e| self.err(e))?;
        let all = norms
            .query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<f64>>(1)?,
                    r.get::<_, Option<f64>>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        for row in &mut rows {
            for (_, g, w) in all.iter().filter(|(e, _, _)| *e == row.epoch) {
                if let Some(g) = g {
                    row.grad_norms.push(*g);
                }
                row.weight_norms.push(w.unwrap_or(f64::NAN));
            }
        }
        Ok(rows)
    }

    /// The mini-batch rows of run `id`: (step, epoch, cost, accuracy).
    pub fn batches(&self, id: i64) -> Result<Vec<BatchRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT step, epoch, cost, accuracy FROM batches WHERE run_id = ?1 ORDER BY step",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Names of the tables in the database.
    pub fn tables(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 ORDER BY name",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

fn insert_batches(
    tx: &rusqlite::Transaction,
    id: i64,
    batches: &[BatchRecord],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO batches (run_id, step, epoch, cost, accuracy) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for b in batches {
        stmt.execute(params![
            id,
            b.step as i64,
            b.epoch as i64,
            b.cost,
            b.accuracy
        ])?;
    }
    Ok(())
}

pub(crate) fn sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        source: e,
    }
}

#[cfg(test)]
mod tests;
