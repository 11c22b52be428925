//! `mlplab merge`: combining shard databases into one.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, params};

use super::error::{Result, StoreError, sqlite};
use super::migrate::column_names;
use super::open::read_only_uri;
use super::reader::StudyReader;
use super::schema::{RunRow, Status};
use super::writer::{Store, parse_status};

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

/// The tables whose rows belong to a run. `lbfgs_iterations` may be absent from an input
/// written before L-BFGS: nothing of it is copied then (its shared columns are none).
const CHILD_TABLES: [&str; 4] = ["epochs", "layer_norms", "batches", "lbfgs_iterations"];

/// A run of the input, as its reader read it (a schema-1 input's cell key is computed).
struct SrcRun {
    id: i64,
    key: String,
    cell_key: String,
    status: Status,
}

/// The columns both databases have, per table: what a merge copies.
struct Shared {
    /// `runs` less `id` and `cell_key` (written from [`SrcRun`]), comma-separated.
    runs: String,
    /// Each child table with its columns less `run_id`, comma-separated.
    children: Vec<(&'static str, String)>,
}

impl Store {
    /// Copies every run of the database at `input` into this one. Runs are matched by
    /// `run_key`; of two copies the one that got further wins (done > diverged > failed >
    /// interrupted > running > pending), and a tie keeps this database's. A new run keeps
    /// its id when that id is free here, so shards of one sweep (which all plan the whole
    /// grid in the same order) merge to the ids of a serial run. One transaction per input.
    /// An input of an older schema is read as it is (its cell keys are computed from its
    /// configs). An input whose started runs trained with other thread counts than this
    /// database's is refused, naming both files and the counts.
    pub fn merge_from(&mut self, input: &Path) -> Result<MergeSummary> {
        if std::fs::canonicalize(input).ok() == std::fs::canonicalize(&self.path).ok() {
            return Err(StoreError::NotAStore {
                path: input.display().to_string(),
                reason: "it is the output database itself".into(),
            });
        }
        // A shard still being written is refused; the lock held keeps a writer from starting.
        let _held = super::lock::hold_for_merge(input)?;
        let mut journal = input.as_os_str().to_os_string();
        journal.push("-journal");
        let journal = std::path::PathBuf::from(journal);
        if std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::StillWriting {
                path: input.display().to_string(),
                why: format!(
                    "its rollback journal {} is there, so a writer stopped mid-transaction; \
                     open it for writing once (e.g. rerun its `mlplab sweep`) so that SQLite \
                     rolls the transaction back, then merge",
                    journal.display()
                ),
            });
        }
        // Opening it checks that it is an mlplab database of a schema we read; its runs are
        // read through the reader, so an unknown status is refused before anything is copied.
        let src_rows = StudyReader::open(input)?.runs()?;
        self.check_threads(input, &src_rows)?;
        let src_runs: Vec<SrcRun> = src_rows
            .into_iter()
            .map(|r| SrcRun {
                id: r.id,
                key: r.key,
                cell_key: r.cell_key,
                status: r.status,
            })
            .collect();
        let path = self.path.clone();
        // Attached read-only: a merge never writes to its inputs.
        let uri = read_only_uri(input)?;
        self.conn
            .execute("ATTACH DATABASE ?1 AS src", [uri])
            .map_err(|e| sqlite(input, e))?;
        let result = self.merge_attached(input, &src_runs);
        let detach = self.conn.execute("DETACH DATABASE src", []);
        let summary = result?;
        detach.map_err(|e| sqlite(&path, e))?;
        Ok(summary)
    }

    /// Refuses an input whose started runs trained with other thread counts than this
    /// database's started runs: their results differ in the low bits under one run key.
    fn check_threads(&self, input: &Path, src: &[RunRow]) -> Result<()> {
        let theirs: BTreeSet<i64> = src
            .iter()
            .filter(|r| r.status != Status::Pending)
            .map(|r| r.threads)
            .collect();
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT threads FROM main.runs WHERE status != 'pending'")
            .map_err(|e| self.err(e))?;
        let ours: BTreeSet<i64> = stmt
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(|e| self.err(e))?;
        if theirs.is_empty() || ours.is_empty() || theirs == ours {
            return Ok(());
        }
        let words = |set: &BTreeSet<i64>| {
            set.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" and ")
        };
        Err(StoreError::MixedThreads {
            input: input.display().to_string(),
            output: self.path.display().to_string(),
            theirs: words(&theirs),
            ours: words(&ours),
        })
    }

    fn shared_columns(&self) -> Result<Shared> {
        let shared = |table: &str, skip: &[&str]| -> Result<String> {
            let theirs = column_names(&self.conn, "src", table)?;
            let ours = column_names(&self.conn, "main", table)?;
            Ok(ours
                .into_iter()
                .filter(|c| !skip.contains(&c.as_str()) && theirs.contains(c))
                .collect::<Vec<_>>()
                .join(", "))
        };
        Ok(Shared {
            runs: shared("runs", &["id", "cell_key"])?,
            children: CHILD_TABLES
                .iter()
                .map(|&t| Ok((t, shared(t, &["run_id"])?)))
                .collect::<Result<_>>()?,
        })
    }

    fn merge_attached(&mut self, input: &Path, src_runs: &[SrcRun]) -> Result<MergeSummary> {
        let shared = self.shared_columns()?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(input, e))?;
        let mut summary = MergeSummary::default();
        for run in src_runs {
            let Some(target) = target_id(&tx, &path, run, &mut summary)? else {
                continue;
            };
            copy_run(&tx, &shared, target, run).map_err(|e| sqlite(input, e))?;
        }
        // The provenance a sweep records (its command line, machine and data digests): the
        // output keeps what it has, and takes what it lacks from the first input with it.
        tx.execute(
            "INSERT OR IGNORE INTO main.meta (key, value) SELECT key, value FROM src.meta \
             WHERE key IN ('command', 'machine') OR key LIKE 'data.%.sha256'",
            [],
        )
        .map_err(|e| sqlite(input, e))?;
        tx.commit().map_err(|e| sqlite(input, e))?;
        Ok(summary)
    }
}

/// Where the input's run `src_id` goes: `None` when the output keeps its own copy; else the
/// id it gets (the output's copy, deleted first, or a free id). Counts the outcome.
fn target_id(
    tx: &Transaction,
    path: &Path,
    run: &SrcRun,
    summary: &mut MergeSummary,
) -> Result<Option<i64>> {
    let (src_id, key, status) = (run.id, run.key.as_str(), run.status);
    let err = |e| sqlite(path, e);
    let ours: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, status FROM main.runs WHERE run_key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(err)?;
    if let Some((id, our_status)) = ours {
        if status.rank() <= parse_status(path, id, key, &our_status)?.rank() {
            summary.kept += 1;
            return Ok(None);
        }
        for t in CHILD_TABLES {
            tx.execute(&format!("DELETE FROM main.{t} WHERE run_id = ?1"), [id])
                .map_err(err)?;
        }
        tx.execute("DELETE FROM main.runs WHERE id = ?1", [id])
            .map_err(err)?;
        summary.replaced += 1;
        return Ok(Some(id));
    }
    summary.added += 1;
    let taken: i64 = tx
        .query_row(
            "SELECT count(*) FROM main.runs WHERE id = ?1",
            [src_id],
            |r| r.get(0),
        )
        .map_err(err)?;
    if taken == 0 {
        return Ok(Some(src_id));
    }
    tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM main.runs", [], |r| {
        r.get(0)
    })
    .map(Some)
    .map_err(err)
}

/// Copies the input's `run` and its rows to id `target` of the output.
fn copy_run(tx: &Transaction, shared: &Shared, target: i64, run: &SrcRun) -> rusqlite::Result<()> {
    let (cols, src_id) = (&shared.runs, run.id);
    tx.execute(
        &format!(
            "INSERT INTO main.runs (id, cell_key, {cols}) SELECT ?1, ?3, {cols} FROM src.runs \
             WHERE id = ?2"
        ),
        params![target, src_id, run.cell_key],
    )?;
    for (t, cols) in shared.children.iter().filter(|(_, cols)| !cols.is_empty()) {
        tx.execute(
            &format!(
                "INSERT INTO main.{t} (run_id, {cols}) SELECT ?1, {cols} FROM src.{t} \
                 WHERE run_id = ?2"
            ),
            params![target, src_id],
        )?;
    }
    Ok(())
}
