//! [`StudyReader`]: the one reader of a study database, used by the report, `mlplab runs`,
//! `merge`, `export` and `train`'s summary.
//!
//! Opens read-only and never changes the file. A database of an older schema is read as it
//! is (schema 1 has no `runs.cell_key`: it is computed from `config_json`). A NULL where the
//! schema requires a value, an unknown status or a config that is not JSON is an error naming
//! the run and the column. Metrics (costs, accuracies, norms, times) are "maybe a number":
//! NULL (which is how SQLite stores NaN) or a value that is not a number reads as `None`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

use super::cell::cell_key_of_json;
use super::error::{Result, StoreError, sqlite};
use super::migrate::{column_names, has_column};
use super::open::{Found, identify_open, open_read_only};
use super::schema::{
    BatchRow, CalibrationRow, EpochRow, LATER_TABLES, LayerNormRow, MemorizationRow, RunRow,
    SparsityRow, StoredRun, StoredStudy, columns,
};
use super::writer::parse_status;

/// A study database opened for reading.
///
/// ```
/// # fn main() -> Result<(), mlplab::store::StoreError> {
/// # let dir = std::env::temp_dir().join(format!("mlplab-reader-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let db = dir.join(mlplab::store::DB_FILE);
/// # drop(mlplab::store::Store::open(&db)?);
/// use mlplab::store::StudyReader;
/// let reader = StudyReader::open(&db)?;
/// for run in reader.study()?.runs {
///     println!("{} {} {} epochs", run.run.id, run.run.status, run.epochs.len());
/// }
/// # Ok(()) }
/// ```
pub struct StudyReader {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    version: i64,
    has_cell_key: bool,
    /// Which of [`LATER_TABLES`] the database has (an older one reads as having no rows).
    has_later: [bool; LATER_TABLES.len()],
}

impl StudyReader {
    /// Opens the database at `path` read-only. Errors: no file, not an mlplab database, a
    /// missing or non-numeric `meta.schema_version`, or a newer schema.
    pub fn open(path: &Path) -> Result<StudyReader> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let conn = open_read_only(path)?;
        let version = match identify_open(&conn, path)? {
            Found::Store(version) => version,
            Found::Empty => {
                return Err(StoreError::NotAStore {
                    path: path.display().to_string(),
                    reason: "it is empty (no tables); expected an mlplab results database \
                             written by `mlplab sweep`"
                        .into(),
                });
            }
        };
        let has_cell_key = has_column(&conn, "main", "runs", "cell_key")?;
        let mut has_later = [false; LATER_TABLES.len()];
        for (has, table) in has_later.iter_mut().zip(LATER_TABLES) {
            *has = !column_names(&conn, "main", table)?.is_empty();
        }
        Ok(StudyReader {
            conn,
            path: path.to_path_buf(),
            version,
            has_cell_key,
            has_later,
        })
    }

    /// The read-only connection, for queries this module does not offer.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its `meta.schema_version` (≤ [`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
    pub fn schema_version(&self) -> i64 {
        self.version
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite(&self.path, e)
    }

    /// `meta` as (key, value) pairs, by key.
    pub fn meta(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM meta ORDER BY key",
                columns::META.join(", ")
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Every run, by id.
    pub fn runs(&self) -> Result<Vec<RunRow>> {
        let cols: Vec<&str> = columns::RUNS
            .iter()
            .map(|&c| match c {
                "cell_key" if !self.has_cell_key => "NULL AS cell_key",
                c => c,
            })
            .collect();
        let sql = format!("SELECT {} FROM runs ORDER BY id", cols.join(", "));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            out.push(self.run_row(r)?);
        }
        Ok(out)
    }

    /// The epochs of run `id`, in order.
    pub fn epochs(&self, id: i64) -> Result<Vec<EpochRow>> {
        self.children(&columns::EPOCHS, "epochs", "epoch", Some(id), epoch_row)
            .map(|v| v.into_iter().map(|(_, row)| row).collect())
    }

    /// The last recorded epoch of run `id`, if any.
    pub fn last_epoch(&self, id: i64) -> Result<Option<EpochRow>> {
        Ok(self.epochs(id)?.pop())
    }

    /// The layer norms of run `id`, by (epoch, layer).
    pub fn layer_norms(&self, id: i64) -> Result<Vec<LayerNormRow>> {
        let cols = &columns::LAYER_NORMS;
        self.children(cols, "layer_norms", "epoch, layer", Some(id), norm_row)
            .map(|v| v.into_iter().map(|(_, row)| row).collect())
    }

    /// The mini-batch rows of run `id`, by step.
    pub fn batches(&self, id: i64) -> Result<Vec<BatchRow>> {
        self.children(&columns::BATCHES, "batches", "step", Some(id), batch_row)
            .map(|v| v.into_iter().map(|(_, row)| row).collect())
    }

    /// The per-layer sparsity of run `id`, by (epoch, layer); empty when the database is
    /// older than the table.
    pub fn sparsity(&self, id: i64) -> Result<Vec<SparsityRow>> {
        self.later_children(0, Some(id), sparsity_row)
            .map(|v| v.into_iter().map(|(_, row)| row).collect())
    }

    /// The memorization rows of run `id`, by epoch: empty unless its labels were corrupted.
    pub fn memorization(&self, id: i64) -> Result<Vec<MemorizationRow>> {
        self.later_children(1, Some(id), memorization_row)
            .map(|v| v.into_iter().map(|(_, row)| row).collect())
    }

    /// Rows of the `i`-th of [`LATER_TABLES`], none when the database lacks it.
    fn later_children<T>(
        &self,
        i: usize,
        run: Option<i64>,
        decode: fn(&Fields) -> Result<T>,
    ) -> Result<Vec<(i64, T)>> {
        if !self.has_later[i] {
            return Ok(Vec::new());
        }
        match LATER_TABLES[i] {
            "layer_sparsity" => {
                let cols = &columns::LAYER_SPARSITY;
                self.children(cols, "layer_sparsity", "epoch, layer", run, decode)
            }
            _ => self.children(&columns::MEMORIZATION, "memorization", "epoch", run, decode),
        }
    }

    /// The calibration rows of every run, as (run id, row), by run, split and predictive.
    /// Empty for a database written before the table existed (it is created when a store is
    /// opened for writing).
    pub fn calibration(&self) -> Result<Vec<(i64, CalibrationRow)>> {
        if !self.tables()?.iter().any(|t| t == "calibration") {
            return Ok(Vec::new());
        }
        let cols = &columns::CALIBRATION;
        self.children(
            cols,
            "calibration",
            "split, predictive",
            None,
            calibration_row,
        )
    }

    /// Everything: `meta` and every run with its epochs, layer norms and batches (one query
    /// per table).
    pub fn study(&self) -> Result<StoredStudy> {
        let mut runs: Vec<StoredRun> = self
            .runs()?
            .into_iter()
            .map(|run| StoredRun {
                run,
                epochs: Vec::new(),
                layer_norms: Vec::new(),
                batches: Vec::new(),
                sparsity: Vec::new(),
                memorization: Vec::new(),
            })
            .collect();
        let index: HashMap<i64, usize> = runs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.run.id, i))
            .collect();
        let at = |id: i64| index.get(&id).copied();
        let epochs = self.children(&columns::EPOCHS, "epochs", "epoch", None, epoch_row)?;
        for (id, row) in epochs {
            if let Some(i) = at(id) {
                runs[i].epochs.push(row);
            }
        }
        let cols = &columns::LAYER_NORMS;
        for (id, row) in self.children(cols, "layer_norms", "epoch, layer", None, norm_row)? {
            if let Some(i) = at(id) {
                runs[i].layer_norms.push(row);
            }
        }
        for (id, row) in self.children(&columns::BATCHES, "batches", "step", None, batch_row)? {
            if let Some(i) = at(id) {
                runs[i].batches.push(row);
            }
        }
        for (id, row) in self.later_children(0, None, sparsity_row)? {
            if let Some(i) = at(id) {
                runs[i].sparsity.push(row);
            }
        }
        for (id, row) in self.later_children(1, None, memorization_row)? {
            if let Some(i) = at(id) {
                runs[i].memorization.push(row);
            }
        }
        Ok(StoredStudy {
            meta: self.meta()?,
            runs,
        })
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

    /// Rows of a child table (`run_id` first in `cols`), of one run or of all, ordered by
    /// run and `order`, each decoded by `decode` and paired with its run id.
    fn children<T>(
        &self,
        cols: &[&str],
        table: &'static str,
        order: &str,
        run: Option<i64>,
        decode: fn(&Fields) -> Result<T>,
    ) -> Result<Vec<(i64, T)>> {
        let filter = run.map_or(String::new(), |id| format!(" WHERE run_id = {id}"));
        let sql = format!(
            "SELECT {} FROM {table}{filter} ORDER BY run_id, {order}",
            cols.join(", ")
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let mut f = Fields::new(r, cols, table, &self.path);
            let id = f.int("run_id")?;
            f.run = id.to_string();
            out.push((id, decode(&f)?));
        }
        Ok(out)
    }

    fn run_row(&self, r: &Row) -> Result<RunRow> {
        let mut f = Fields::new(r, &columns::RUNS, "runs", &self.path);
        let id = f.int("id")?;
        f.run = id.to_string();
        let key = f.text("run_key")?;
        f.run = format!("{id} (key {})", key.chars().take(12).collect::<String>());
        let config_json = f.text("config_json")?;
        let cell_key = match f.opt_text("cell_key")? {
            Some(k) => k,
            None if !self.has_cell_key => {
                cell_key_of_json(&config_json).map_err(|e| f.bad("config_json", e))?
            }
            None => return Err(f.bad("cell_key", "is NULL; expected the run's cell key")),
        };
        Ok(RunRow {
            status: parse_status(&self.path, id, &key, &f.text("status")?)?,
            id,
            key,
            cell_key,
            study: f.text("study")?,
            config_json,
            dataset: f.text("dataset")?,
            data_source: f.opt_text("data_source")?,
            split: f.text("split")?,
            architecture: f.text("architecture")?,
            loss: f.text("loss")?,
            init: f.text("init")?,
            optimizer: f.text("optimizer")?,
            lr: f.real("lr")?,
            bias_correction: f.int("bias_correction")? != 0,
            l2: f.real("l2")?,
            l1: f.real("l1")?,
            batch_size: f.int("batch_size")?,
            epochs: f.int("epochs")?,
            seed: f.int("seed")?,
            threads: f.int("threads")?,
            error: f.opt_text("error")?,
            started_at: f.opt_text("started_at")?,
            finished_at: f.opt_text("finished_at")?,
            wall_seconds: f.metric("wall_seconds")?,
            mlplab_version: f.text("mlplab_version")?,
            git_commit: f.opt_text("git_commit")?,
        })
    }
}

fn epoch_row(f: &Fields) -> Result<EpochRow> {
    Ok(EpochRow {
        epoch: f.int("epoch")?,
        step: f.int("step")?,
        train_cost: f.metric("train_cost")?,
        cv_cost: f.metric("cv_cost")?,
        train_acc: f.metric("train_acc")?,
        cv_acc: f.metric("cv_acc")?,
        test_cost: f.metric("test_cost")?,
        test_acc: f.metric("test_acc")?,
        seconds: f.real("seconds")?,
    })
}

fn norm_row(f: &Fields) -> Result<LayerNormRow> {
    Ok(LayerNormRow {
        epoch: f.int("epoch")?,
        layer: f.int("layer")?,
        grad_norm: f.metric("grad_norm")?,
        weight_norm: f.metric("weight_norm")?,
    })
}

fn sparsity_row(f: &Fields) -> Result<SparsityRow> {
    Ok(SparsityRow {
        epoch: f.int("epoch")?,
        layer: f.int("layer")?,
        small: f.metric("small")?,
        zero: f.metric("zero")?,
    })
}

fn memorization_row(f: &Fields) -> Result<MemorizationRow> {
    Ok(MemorizationRow {
        epoch: f.int("epoch")?,
        clean_acc: f.metric("clean_acc")?,
        noisy_fit: f.metric("noisy_fit")?,
        noisy_true: f.metric("noisy_true")?,
    })
}

fn calibration_row(f: &Fields) -> Result<CalibrationRow> {
    Ok(CalibrationRow {
        split: f.text("split")?,
        predictive: f.text("predictive")?,
        samples: f.int("samples")?,
        n: f.int("n")?,
        accuracy: f.metric("accuracy")?,
        nll: f.metric("nll")?,
        brier: f.metric("brier")?,
        ece: f.metric("ece")?,
        mce: f.metric("mce")?,
        entropy: f.metric("entropy")?,
    })
}

fn batch_row(f: &Fields) -> Result<BatchRow> {
    Ok(BatchRow {
        step: f.int("step")?,
        epoch: f.int("epoch")?,
        cost: f.metric("cost")?,
        accuracy: f.metric("accuracy")?,
    })
}

/// One row's values by column name, with the run and table for messages.
struct Fields<'r> {
    row: &'r Row<'r>,
    cols: &'r [&'r str],
    table: &'static str,
    path: &'r Path,
    run: String,
}

impl<'r> Fields<'r> {
    fn new(row: &'r Row<'r>, cols: &'r [&'r str], table: &'static str, path: &'r Path) -> Self {
        Fields {
            row,
            cols,
            table,
            path,
            run: "?".to_string(),
        }
    }

    fn bad(&self, column: &str, problem: impl Into<String>) -> StoreError {
        StoreError::BadValue {
            path: self.path.display().to_string(),
            run: self.run.clone(),
            table: self.table,
            column: column.to_string(),
            problem: problem.into(),
        }
    }

    fn value(&self, column: &str) -> Result<ValueRef<'_>> {
        let idx = self.cols.iter().position(|c| *c == column);
        let idx = idx.ok_or_else(|| self.bad(column, "is not selected (a bug in mlplab)"))?;
        self.row.get_ref(idx).map_err(|e| sqlite(self.path, e))
    }

    /// A value the schema requires: NULL is an error.
    fn required(&self, column: &str, what: &str) -> Result<ValueRef<'_>> {
        match self.value(column)? {
            ValueRef::Null => Err(self.bad(column, format!("is NULL; expected {what}"))),
            v => Ok(v),
        }
    }

    fn text(&self, column: &str) -> Result<String> {
        match self.required(column, "text")? {
            ValueRef::Text(t) => Ok(String::from_utf8_lossy(t).into_owned()),
            other => Err(self.bad(column, format!("holds {}; expected text", kind(other)))),
        }
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        match self.value(column)? {
            ValueRef::Null => Ok(None),
            _ => self.text(column).map(Some),
        }
    }

    fn int(&self, column: &str) -> Result<i64> {
        match self.required(column, "an integer")? {
            ValueRef::Integer(i) => Ok(i),
            ValueRef::Real(x) if x.fract() == 0.0 && x.abs() < 9e15 => Ok(x as i64),
            other => Err(self.bad(
                column,
                format!("holds {}; expected an integer", kind(other)),
            )),
        }
    }

    fn real(&self, column: &str) -> Result<f64> {
        match self.required(column, "a number")? {
            ValueRef::Real(x) => Ok(x),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(self.bad(column, format!("holds {}; expected a number", kind(other)))),
        }
    }

    /// A metric: NULL (NaN), text that is not a number, or a blob reads as `None`.
    fn metric(&self, column: &str) -> Result<Option<f64>> {
        Ok(match self.value(column)? {
            ValueRef::Real(x) => Some(x),
            ValueRef::Integer(i) => Some(i as f64),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            ValueRef::Null | ValueRef::Blob(_) => None,
        })
    }
}

fn kind(v: ValueRef) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => format!("the integer {i}"),
        ValueRef::Real(x) => format!("the number {x}"),
        ValueRef::Text(t) => format!("the text {:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("a {}-byte blob", b.len()),
    }
}
