//! Opening a database for writing: the pragmas, the schema-version check, the schema, and the
//! migration of an older schema.
//!
//! Schema 1 → 2 adds `runs.cell_key`, filled from each run's stored `config_json`
//! ([`cell_key_of_json`]), in one transaction.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::cell::cell_key_of_json;
use super::error::{Result, StoreError, sqlite};
use super::journal::{JOURNAL_ENV, Journal};
use super::schema::{SCHEMA, SCHEMA_VERSION};

/// Prepares `conn` (the database at `path`) for writing: the journal mode ([`Journal`]),
/// foreign keys, the schema, the `meta` rows, and the migration of an older schema. Refuses a newer schema and a file that
/// is not an mlplab database.
pub(crate) fn prepare(conn: &mut Connection, path: &Path) -> Result<()> {
    let err = |e| sqlite(path, e);
    let not_a_store = |e: rusqlite::Error| StoreError::NotAStore {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
    // journal_mode returns a row (the mode now in force); query it rather than execute.
    let journal = Journal::from_env()?.resolve(path);
    let mode: String = conn
        .query_row(
            &format!("PRAGMA journal_mode = {}", journal.pragma()),
            [],
            |r| r.get(0),
        )
        .map_err(not_a_store)?;
    if journal == Journal::Delete && mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Config(format!(
            "{}: cannot leave WAL mode for the rollback journal ({JOURNAL_ENV}=delete, or a \
             network filesystem): another process has the database open; close it (a report, \
             sqlite3) and retry",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(err)?;
    let has_meta = table_exists(conn, "meta").map_err(not_a_store)?;
    let found = if has_meta {
        stored_version(conn, path)?
    } else {
        None
    };
    if let Some(found) = found
        && found > SCHEMA_VERSION
    {
        return Err(StoreError::NewerSchema {
            path: path.display().to_string(),
            found,
            supported: SCHEMA_VERSION,
            version: env!("CARGO_PKG_VERSION"),
        });
    }
    if table_exists(conn, "runs").map_err(err)? && !has_column(conn, "main", "runs", "cell_key")? {
        add_cell_keys(conn, path)?;
    }
    conn.execute_batch(SCHEMA).map_err(err)?;
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1), \
         ('created_by', ?2)",
        params![
            SCHEMA_VERSION.to_string(),
            format!("mlplab {}", env!("CARGO_PKG_VERSION"))
        ],
    )
    .map_err(err)?;
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )
    .map_err(err)?;
    Ok(())
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// `meta.schema_version` as a number; `None` when the row is missing (a database being
/// created); an error when it is not a number.
fn stored_version(conn: &Connection, path: &Path) -> Result<Option<i64>> {
    let found: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| sqlite(path, e))?;
    found
        .map(|v| {
            v.trim().parse().map_err(|_| StoreError::BadSchemaVersion {
                path: path.display().to_string(),
                value: Some(v.clone()),
            })
        })
        .transpose()
}

/// Whether `table` of the attached database `schema` (`main`, `src`) has `column`.
pub(crate) fn has_column(
    conn: &Connection,
    schema: &str,
    table: &str,
    column: &str,
) -> Result<bool> {
    Ok(column_names(conn, schema, table)?
        .iter()
        .any(|c| c == column))
}

/// The column names of `schema.table`.
pub(crate) fn column_names(conn: &Connection, schema: &str, table: &str) -> Result<Vec<String>> {
    let path = conn.path().unwrap_or_default().to_string();
    let err = |e| sqlite(Path::new(&path), e);
    let mut stmt = conn
        .prepare(&format!("PRAGMA {schema}.table_info({table})"))
        .map_err(err)?;
    stmt.query_map([], |r| r.get::<_, String>(1))
        .map_err(err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(err)
}

/// Schema 1 → 2: adds `runs.cell_key` and fills it from `config_json`, in one transaction.
fn add_cell_keys(conn: &mut Connection, path: &Path) -> Result<()> {
    let err = |e| sqlite(path, e);
    let tx = conn.transaction().map_err(err)?;
    tx.execute("ALTER TABLE runs ADD COLUMN cell_key TEXT", [])
        .map_err(err)?;
    fill_cell_keys(&tx, path)?;
    tx.commit().map_err(err)
}

/// Fills every NULL `runs.cell_key` from the run's `config_json` (after the migration). A
/// config that is not JSON is an error naming the run.
fn fill_cell_keys(conn: &Connection, path: &Path) -> Result<()> {
    let err = |e| sqlite(path, e);
    let todo: Vec<(i64, String)> = {
        let mut stmt = conn
            .prepare("SELECT id, config_json FROM runs WHERE cell_key IS NULL ORDER BY id")
            .map_err(err)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?
    };
    let mut update = conn
        .prepare("UPDATE runs SET cell_key = ?2 WHERE id = ?1")
        .map_err(err)?;
    for (id, json) in todo {
        let key = cell_key_of_json(&json).map_err(|e| StoreError::BadValue {
            path: path.display().to_string(),
            run: id.to_string(),
            table: "runs",
            column: "config_json".into(),
            problem: format!("is not JSON ({e}), so its cell key cannot be computed"),
        })?;
        update.execute(params![id, key]).map_err(err)?;
    }
    Ok(())
}
