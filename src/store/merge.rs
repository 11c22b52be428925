//! `mlplab merge`: combining shard databases into one.

use std::path::Path;

use rusqlite::{OptionalExtension, params};

use super::{Result, SCHEMA_VERSION, Status, Store, StoreError, sqlite};

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Runs new to the output.
    pub added: usize,
    /// Runs whose copy in the input had got further (e.g. `done` over `pending`) and replaced
    /// the output's.
    pub replaced: usize,
    /// Runs the output already had as far or further.
    pub kept: usize,
}

const CHILD_TABLES: [&str; 3] = ["epochs", "layer_norms", "batches"];

impl Store {
    /// Copies every run of the database at `input` into this one. Runs are matched by
    /// `run_key`; of two copies the one that got further wins (done > diverged > failed >
    /// interrupted > running > pending), and a tie keeps this database's. A new run keeps
    /// its id when that id is free here, so shards of one sweep (which all plan the whole
    /// grid in the same order) merge to the ids of a serial run. One transaction per input.
    pub fn merge_from(&mut self, input: &Path) -> Result<MergeSummary> {
        if !input.is_file() {
            return Err(StoreError::Missing {
                path: input.display().to_string(),
            });
        }
        if std::fs::canonicalize(input).ok() == std::fs::canonicalize(&self.path).ok() {
            return Err(StoreError::NotAStore {
                path: input.display().to_string(),
                reason: "it is the output database itself".into(),
            });
        }
        // Opening it checks that it is an mlplab database of a schema we read.
        drop(Store::open(input)?);
        let path = self.path.clone();
        let ierr = |e: rusqlite::Error| sqlite(input, e);
        self.conn
            .execute("ATTACH DATABASE ?1 AS src", [input.to_string_lossy()])
            .map_err(ierr)?;
        let result = self.merge_attached(input);
        let detach = self.conn.execute("DETACH DATABASE src", []);
        let summary = result?;
        detach.map_err(|e| sqlite(&path, e))?;
        Ok(summary)
    }

    fn merge_attached(&mut self, input: &Path) -> Result<MergeSummary> {
        let ierr = |e: rusqlite::Error| sqlite(input, e);
        let version: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM src.meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(ierr)?;
        if let Some(v) = version.and_then(|v| v.parse::<i64>().ok())
            && v > SCHEMA_VERSION
        {
            return Err(StoreError::NewerSchema {
                path: input.display().to_string(),
                found: v,
                supported: SCHEMA_VERSION,
                version: env!("CARGO_PKG_VERSION"),
            });
        }
        let columns = |table: &str| -> Result<Vec<String>> {
            let ours = self.column_names("main", table)?;
            let theirs = self.column_names("src", table)?;
            Ok(ours.into_iter().filter(|c| theirs.contains(c)).collect())
        };
        let run_cols: Vec<String> = columns("runs")?.into_iter().filter(|c| c != "id").collect();
        let mut child_cols = Vec::new();
        for t in CHILD_TABLES {
            let cols: Vec<String> = columns(t)?.into_iter().filter(|c| c != "run_id").collect();
            child_cols.push((t, cols.join(", ")));
        }
        let run_list = run_cols.join(", ");
        let src_runs: Vec<(i64, String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, run_key, status FROM src.runs ORDER BY id")
                .map_err(ierr)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(ierr)?
                .collect::<rusqlite::Result<_>>()
                .map_err(ierr)?
        };
        let tx = self.conn.transaction().map_err(ierr)?;
        let mut summary = MergeSummary::default();
        for (src_id, key, src_status) in src_runs {
            let src_rank = src_status.parse::<Status>().map_or(0, Status::rank);
            let ours: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, status FROM main.runs WHERE run_key = ?1",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(ierr)?;
            let target = match ours {
                Some((id, status)) => {
                    if src_rank <= status.parse::<Status>().map_or(0, Status::rank) {
                        summary.kept += 1;
                        continue;
                    }
                    for t in CHILD_TABLES {
                        tx.execute(&format!("DELETE FROM main.{t} WHERE run_id = ?1"), [id])
                            .map_err(ierr)?;
                    }
                    tx.execute("DELETE FROM main.runs WHERE id = ?1", [id])
                        .map_err(ierr)?;
                    summary.replaced += 1;
                    id
                }
                None => {
                    let taken: bool = tx
                        .query_row(
                            "SELECT count(*) FROM main.runs WHERE id = ?1",
                            [src_id],
                            |r| r.get::<_, i64>(0),
                        )
                        .map_err(ierr)?
                        > 0;
                    summary.added += 1;
                    if taken {
                        tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM main.runs", [], |r| {
                            r.get(0)
                        })
                        .map_err(ierr)?
                    } else {
                        src_id
                    }
                }
            };
            tx.execute(
                &format!(
                    "INSERT INTO main.runs (id, {run_list}) SELECT ?1, {run_list} FROM src.runs \
                     WHERE id = ?2"
                ),
                params![target, src_id],
            )
            .map_err(ierr)?;
            for (t, cols) in &child_cols {
                tx.execute(
                    &format!(
                        "INSERT INTO main.{t} (run_id, {cols}) SELECT ?1, {cols} FROM src.{t} \
                         WHERE run_id = ?2"
                    ),
                    params![target, src_id],
                )
                .map_err(ierr)?;
            }
        }
        tx.commit().map_err(ierr)?;
        Ok(summary)
    }

    fn column_names(&self, schema: &str, table: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(&format!("PRAGMA {schema}.table_info({table})"))
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get::<_, String>(1))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}
