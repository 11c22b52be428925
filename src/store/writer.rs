//! [`Store`]: the one writer of a study database.
//!
//! Every write that belongs together is one transaction (a run's plan, an epoch with its
//! mini-batches and layer norms, a status change), journaled (WAL on a local disk, the
//! rollback journal on a network filesystem: `journal.rs`), so a kill at any moment leaves it
//! consistent: a run is `done` only once all its rows are in.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::error::{Result, StoreError, sqlite};
use super::lock::{self, LockWait, StudyLock};
use super::migrate;
use super::open::{identify, quick_check};
use super::schema::{EpochRow, LayerNormRow, Status};
use crate::experiment::RunConfig;
use crate::train::BatchRecord;

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

/// An open results database, for writing. Reading is [`StudyReader`](super::StudyReader)'s.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    /// Declared after `conn`, so the connection closes before the lock is released.
    lock: StudyLock,
}

impl Store {
    /// Opens the database at `path` for writing, creating it (and the schema) if needed and
    /// migrating an older schema. Takes the study lock ([`lock_file_of`](super::lock_file_of))
    /// and refuses when another process holds it, naming the holder. Before anything is
    /// written the file is checked: a file that is not an mlplab database, or one from a newer
    /// schema, is refused and left as it is; a damaged one (SQLite's `quick_check`) is refused.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, LockWait::Refuse, &mut |_| {})
    }

    /// [`Store::open`], waiting for the lock with [`LockWait::Wait`]: `on_wait` is told the
    /// holder once, and the call blocks until the lock is free.
    pub fn open_with(path: &Path, wait: LockWait, on_wait: &mut dyn FnMut(&str)) -> Result<Store> {
        identify(path)?;
        let lock = lock::acquire(path, wait, on_wait)?;
        let mut conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        migrate::prepare(&mut conn, path)?;
        // A row that breaks a constraint (a CHECK, a NOT NULL) is the reader's to name, by
        // run and column; anything else quick_check finds is damage.
        let problems: Vec<String> = quick_check(&conn, path)?
            .into_iter()
            .filter(|p| {
                !p.starts_with("CHECK constraint failed") && !p.starts_with("NULL value in")
            })
            .collect();
        if !problems.is_empty() {
            return Err(StoreError::Damaged {
                path: path.display().to_string(),
                problems: problems.join("; "),
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            lock,
        })
    }

    /// The holder record of a stale lock (left by a process that died) this store took over.
    pub fn took_over(&self) -> Option<&str> {
        self.lock.took_over.as_deref()
    }

    /// Opens an existing database (to write into it); never creates one.
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

    pub(crate) fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite(&self.path, e)
    }

    /// The status of each run key, if the store has it (reads only). An unknown status in
    /// the database is an error naming the run.
    pub fn statuses(&self, keys: &[String]) -> Result<Vec<Option<Status>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, status FROM runs WHERE run_key = ?1")
            .map_err(|e| self.err(e))?;
        keys.iter()
            .map(|k| {
                let found: Option<(i64, String)> = stmt
                    .query_row([k], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(|e| self.err(e))?;
                found
                    .map(|(id, s)| parse_status(&self.path, id, k, &s))
                    .transpose()
            })
            .collect()
    }

    /// Records the runs of a sweep, in order, in one transaction: a run already in the store
    /// (same key) keeps its id and status; a new one is added as `pending` with the next id, so
    /// ids follow grid order however the runs later execute. Returns one entry per run.
    pub fn plan(&mut self, study: &str, runs: &[RunConfig]) -> Result<Vec<Planned>> {
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let planned = runs
            .iter()
            .map(|run| plan_one(&tx, &path, study, run))
            .collect::<Result<Vec<_>>>()?;
        tx.commit().map_err(err)?;
        Ok(planned)
    }

    /// Sets `meta.key` to `value` (replacing an earlier value): the study-level facts the
    /// report's provenance shows (`command`, `machine`, `data.NAME.sha256`).
    pub fn record_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(|e| sqlite(&self.path, e))?;
        Ok(())
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
        let err = |e| sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        for table in ["batches", "layer_norms", "epochs", super::lbfgs::TABLE] {
            tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])
                .map_err(err)?;
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
        .map_err(err)?;
        tx.commit().map_err(err)
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
    /// metrics (a `None` metric is stored as NULL: not evaluated) and its layer norms, in one
    /// transaction.
    pub fn record_epoch(
        &mut self,
        id: i64,
        row: &EpochRow,
        norms: &[LayerNormRow],
        batches: &[BatchRecord],
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        insert_batches(&tx, id, batches).map_err(err)?;
        insert_epoch(&tx, id, row, norms).map_err(err)?;
        tx.commit().map_err(err)
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
}

/// An unknown `runs.status` is an error naming the run, never a default.
pub(crate) fn parse_status(path: &Path, id: i64, key: &str, status: &str) -> Result<Status> {
    status.parse().map_err(|problem| StoreError::BadValue {
        path: path.display().to_string(),
        run: format!("{id} (key {key})"),
        table: "runs",
        column: "status".into(),
        problem,
    })
}

/// Finds `run` by key (keeping its id and status) or inserts it as `pending`.
fn plan_one(tx: &Transaction, path: &Path, study: &str, run: &RunConfig) -> Result<Planned> {
    let err = |e| sqlite(path, e);
    let key = run.key();
    let found: Option<(i64, String)> = tx
        .prepare_cached("SELECT id, status FROM runs WHERE run_key = ?1")
        .map_err(err)?
        .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(err)?;
    if let Some((id, status)) = found {
        let status = parse_status(path, id, &key, &status)?;
        return Ok(Planned { id, key, status });
    }
    let t = &run.train;
    tx.prepare_cached(
        "INSERT INTO runs (run_key, study, config_json, dataset, split, architecture, loss, init, \
         optimizer, lr, bias_correction, l2, l1, batch_size, epochs, seed, threads, status, \
         mlplab_version, git_commit, cell_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
         ?11, ?12, ?13, ?14, ?15, ?16, ?17, 'pending', ?18, ?19, ?20)",
    )
    .map_err(err)?
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
        run.cell_key(),
    ])
    .map_err(err)?;
    Ok(Planned {
        id: tx.last_insert_rowid(),
        key,
        status: Status::Pending,
    })
}

fn insert_epoch(
    tx: &Transaction,
    id: i64,
    row: &EpochRow,
    norms: &[LayerNormRow],
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO epochs (run_id, epoch, step, train_cost, cv_cost, train_acc, cv_acc, \
         test_cost, test_acc, seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
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
    ])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO layer_norms (run_id, epoch, layer, grad_norm, weight_norm) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for n in norms {
        stmt.execute(params![id, n.epoch, n.layer, n.grad_norm, n.weight_norm])?;
    }
    Ok(())
}

fn insert_batches(tx: &Transaction, id: i64, batches: &[BatchRecord]) -> rusqlite::Result<()> {
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
