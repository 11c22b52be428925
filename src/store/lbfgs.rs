//! The `lbfgs_iterations` table: one row per accepted L-BFGS / OWL-QN iteration, written by
//! [`Store::record_iterations`] and read by [`StudyReader::lbfgs_iterations`]. A database
//! written before L-BFGS has no such table: it reads as no rows.

use rusqlite::{Transaction, params};

use super::error::{Result, StoreError, sqlite};
use super::reader::StudyReader;
use super::writer::Store;
use crate::train::IterationRecord;

/// The table's name.
pub(crate) const TABLE: &str = "lbfgs_iterations";

/// Its columns, in the order `schema.sql` declares and the reader selects them.
pub(crate) const COLUMNS: [&str; 11] = [
    "run_id",
    "iteration",
    "cost",
    "grad_norm",
    "step",
    "search_evals",
    "evals",
    "passes",
    "skipped_pairs",
    "restarts",
    "zero_fractions",
];

/// One row of `lbfgs_iterations` (see `schema.sql`).
#[derive(Clone, Debug, PartialEq)]
pub struct IterationRow {
    /// The run.
    pub run_id: i64,
    /// 1-based over the run.
    pub iteration: i64,
    /// J at the new point (NULL when not finite).
    pub cost: Option<f64>,
    /// ‖∇J‖₂ there (OWL-QN: the pseudo-gradient's).
    pub grad_norm: Option<f64>,
    /// The accepted step length.
    pub step: Option<f64>,
    /// Evaluations of this iteration's line search(es).
    pub search_evals: i64,
    /// Evaluations since the start.
    pub evals: i64,
    /// Data passes since the start.
    pub passes: f64,
    /// Curvature pairs refused so far.
    pub skipped_pairs: i64,
    /// Iterations so far that cleared the memory.
    pub restarts: i64,
    /// OWL-QN only: per layer, the fraction of weights exactly 0 (empty otherwise).
    pub zero_fractions: Vec<f64>,
}

impl Store {
    /// Writes the iterations `rows` of run `id` in one transaction.
    pub fn record_iterations(&mut self, id: i64, rows: &[IterationRecord]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let path = self.path().to_path_buf();
        let err = |e| sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        insert(&tx, id, rows).map_err(err)?;
        tx.commit().map_err(err)
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn insert(tx: &Transaction, id: i64, rows: &[IterationRecord]) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO {TABLE} (run_id, iteration, cost, grad_norm, step, search_evals, \
         evals, passes, skipped_pairs, restarts, zero_fractions) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?;
    for r in rows {
        let zeros = (!r.zero_fractions.is_empty()).then(|| {
            let parts: Vec<String> = r.zero_fractions.iter().map(|f| format!("{f}")).collect();
            format!("[{}]", parts.join(","))
        });
        stmt.execute(params![
            id,
            r.iteration as i64,
            finite(r.cost),
            finite(r.grad_norm),
            finite(r.step),
            r.search_evals as i64,
            r.evals as i64,
            r.passes,
            r.skipped_pairs as i64,
            r.restarts as i64,
            zeros
        ])?;
    }
    Ok(())
}

impl StudyReader {
    /// The L-BFGS iterations of run `id` (or of every run with `None`), by run and iteration;
    /// none in a database without the table. A malformed `zero_fractions` is an error naming
    /// the run and the iteration.
    pub fn lbfgs_iterations(&self, id: Option<i64>) -> Result<Vec<IterationRow>> {
        if !self.tables()?.iter().any(|t| t == TABLE) {
            return Ok(Vec::new());
        }
        let filter = id.map_or(String::new(), |id| format!(" WHERE run_id = {id}"));
        let sql = format!(
            "SELECT {} FROM {TABLE}{filter} ORDER BY run_id, iteration",
            COLUMNS.join(", ")
        );
        let conn = self.connection();
        let mut stmt = conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    IterationRow {
                        run_id: r.get(0)?,
                        iteration: r.get(1)?,
                        cost: r.get(2)?,
                        grad_norm: r.get(3)?,
                        step: r.get(4)?,
                        search_evals: r.get(5)?,
                        evals: r.get(6)?,
                        passes: r.get(7)?,
                        skipped_pairs: r.get(8)?,
                        restarts: r.get(9)?,
                        zero_fractions: Vec::new(),
                    },
                    r.get::<_, Option<String>>(10)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(mut row, zeros)| {
                if let Some(text) = zeros {
                    row.zero_fractions =
                        serde_json::from_str(&text).map_err(|e| StoreError::BadValue {
                            path: self.path().display().to_string(),
                            run: row.run_id.to_string(),
                            table: TABLE,
                            column: format!("zero_fractions (iteration {})", row.iteration),
                            problem: format!("{text:?} is not a JSON list of numbers: {e}"),
                        })?;
                }
                Ok(row)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Experiment;
    use crate::store::DB_FILE;

    fn record(i: usize, zeros: Vec<f64>) -> IterationRecord {
        IterationRecord {
            iteration: i,
            cost: 1.0 / i as f64,
            grad_norm: if i == 2 { f64::NAN } else { 0.5 },
            step: 1.0,
            search_evals: 1,
            evals: i + 1,
            passes: (i + 1) as f64 * 0.25,
            skipped_pairs: 0,
            restarts: usize::from(i > 1),
            zero_fractions: zeros,
        }
    }

    #[test]
    fn iterations_round_trip_merge_and_are_cleared_on_restart() {
        let dir = std::env::temp_dir().join(format!("mlplab-lbfgs-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let runs = Experiment::from_toml("[optimizer]\nkind = \"lbfgs\"\n", "t")
            .unwrap()
            .runs;
        let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
        s.plan("t", &runs).unwrap();
        s.start(1, "{}", 1, "x", "a").unwrap();
        s.record_iterations(1, &[record(1, vec![0.25, 0.0]), record(2, vec![])])
            .unwrap();
        let back = StudyReader::open(s.path())
            .unwrap()
            .lbfgs_iterations(Some(1))
            .unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].zero_fractions, [0.25, 0.0]);
        assert_eq!((back[0].evals, back[0].passes), (2, 0.5));
        assert_eq!(back[1].grad_norm, None); // NaN is stored as NULL
        assert!(back[1].zero_fractions.is_empty());
        let db = s.path().to_path_buf();
        drop(s);
        // merged into another database with the run
        let mut out = Store::open(&dir.join("out.db")).unwrap();
        out.merge_from(&db).unwrap();
        let merged = StudyReader::open(out.path())
            .unwrap()
            .lbfgs_iterations(None)
            .unwrap();
        assert_eq!(merged, back);
        // a restarted run starts with no rows
        let mut s = Store::open(&db).unwrap();
        s.start(1, "{}", 1, "x", "a").unwrap();
        drop(s);
        let back = StudyReader::open(&db)
            .unwrap()
            .lbfgs_iterations(None)
            .unwrap();
        assert!(back.is_empty());
        // a database without the table reads as no rows
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("DROP TABLE lbfgs_iterations", []).unwrap();
        drop(conn);
        let old = StudyReader::open(&db).unwrap();
        assert!(old.lbfgs_iterations(None).unwrap().is_empty());
        drop(old);
        // and an older shard without it still merges
        let mut out2 = Store::open(&dir.join("out2.db")).unwrap();
        out2.merge_from(&db).unwrap();
        assert_eq!(
            StudyReader::open(out2.path())
                .unwrap()
                .runs()
                .unwrap()
                .len(),
            1
        );
    }
}
