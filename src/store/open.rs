//! Opening a file: what it is, checked read-only before anything writes to it, and the
//! read-only connection every reader uses.
//!
//! A file is an mlplab results database when it is SQLite, has the tables `meta`, `runs`,
//! `epochs`, `layer_norms` and `batches`, a numeric `meta.schema_version` no newer than
//! [`SCHEMA_VERSION`], a `meta.created_by` (if any) naming mlplab, and the columns of `runs`
//! this build reads. Anything else is refused, naming the file and what was expected, before
//! a byte of it is written.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::error::{Result, StoreError, sqlite};
use super::migrate::column_names;
use super::schema::{SCHEMA_VERSION, columns};

/// The tables of a results database.
pub(crate) const TABLES: [&str; 5] = ["meta", "runs", "epochs", "layer_norms", "batches"];
// `lbfgs_iterations` is not required: a database written before L-BFGS lacks it; the writer
// creates it on opening (schema.sql) and the reader reads no rows where it is absent.

const EXPECTED: &str = "expected an mlplab results database: SQLite with the tables meta, runs, \
                        epochs, layer_norms, batches and a meta.schema_version";

/// What a file is.
pub(crate) enum Found {
    /// No file, an empty file, or a SQLite database without tables: a store can be created.
    Empty,
    /// An mlplab results database of this schema version (≤ [`SCHEMA_VERSION`]).
    Store(i64),
}

fn not_a_store(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::NotAStore {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// What the file at `path` is, found without writing to it.
pub(crate) fn identify(path: &Path) -> Result<Found> {
    if !path.exists() {
        return Ok(Found::Empty);
    }
    if !path.is_file() {
        return Err(not_a_store(path, format!("it is not a file; {EXPECTED}")));
    }
    let mut header = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut header))
        .map_err(|e| not_a_store(path, format!("it cannot be read: {e}")))?;
    if header.is_empty() {
        return Ok(Found::Empty);
    }
    if header != b"SQLite format 3\0" {
        return Err(not_a_store(
            path,
            format!(
                "it is not a SQLite file: it does not start with \"SQLite format 3\"; {EXPECTED}"
            ),
        ));
    }
    let conn = open_read_only(path)?;
    identify_open(&conn, path)
}

/// [`identify`] on an open connection.
pub(crate) fn identify_open(conn: &Connection, path: &Path) -> Result<Found> {
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .map_err(|e| not_a_store(path, format!("{e}; {EXPECTED}")))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(|e| not_a_store(path, format!("{e}; {EXPECTED}")))?
    };
    if tables.is_empty() {
        return Ok(Found::Empty);
    }
    let missing: Vec<&str> = TABLES
        .into_iter()
        .filter(|t| !tables.iter().any(|have| have == t))
        .collect();
    if !missing.is_empty() {
        return Err(not_a_store(
            path,
            format!(
                "it has the tables {} and lacks {}; {EXPECTED}",
                tables.join(", "),
                missing.join(", ")
            ),
        ));
    }
    let version = schema_version(conn, path)?;
    let created_by: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'created_by'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| not_a_store(path, format!("meta.created_by: {e}; {EXPECTED}")))?;
    if let Some(by) = created_by
        && !by.starts_with("mlplab")
    {
        return Err(not_a_store(
            path,
            format!("meta.created_by is {by:?}; expected \"mlplab <version>\""),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.display().to_string(),
            found: version,
            supported: SCHEMA_VERSION,
            version: env!("CARGO_PKG_VERSION"),
        });
    }
    let have = column_names(conn, "main", "runs")?;
    let lacking: Vec<&str> = columns::RUNS
        .into_iter()
        .filter(|c| *c != "cell_key" && !have.iter().any(|h| h == c))
        .collect();
    if !lacking.is_empty() {
        return Err(not_a_store(
            path,
            format!(
                "its runs table lacks the columns {}; {EXPECTED}",
                lacking.join(", ")
            ),
        ));
    }
    Ok(Found::Store(version))
}

/// `meta.schema_version` as a number; a missing or non-numeric value is an error.
fn schema_version(conn: &Connection, path: &Path) -> Result<i64> {
    let value: Option<String> = conn
        .query_row(
            "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| not_a_store(path, format!("meta: {e}; {EXPECTED}")))?;
    value
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| StoreError::BadSchemaVersion {
            path: path.display().to_string(),
            value,
        })
}

/// Opens `path` read-only; never writes to it. A database in WAL mode needs its `-shm` file:
/// when that cannot be created (a read-only directory) and there is no pending `-wal`
/// content, the file is opened as immutable (nothing can write it there either).
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    read_only(path).map(|(conn, _)| conn)
}

/// The `file:` URI [`open_read_only`] opened `path` by (for `ATTACH`).
pub(crate) fn read_only_uri(path: &Path) -> Result<String> {
    read_only(path).map(|(_, uri)| uri)
}

fn read_only(path: &Path) -> Result<(Connection, String)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let uri = format!("file:{}?mode=ro", uri_path(path));
    let conn = Connection::open_with_flags(&uri, flags).map_err(|e| sqlite(path, e))?;
    let probe = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    match probe {
        Ok(_) => Ok((conn, uri)),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::ReadOnly | ErrorCode::CannotOpen) =>
        {
            drop(conn);
            open_immutable(path)
        }
        Err(rusqlite::Error::SqliteFailure(e, msg)) if e.code == ErrorCode::NotADatabase => {
            Err(not_a_store(
                path,
                format!(
                    "{}; {EXPECTED}",
                    msg.unwrap_or_else(|| "file is not a database".into())
                ),
            ))
        }
        Err(e) => Err(sqlite(path, e)),
    }
}

/// Opens `path` as an immutable database (`?immutable=1`): for a file SQLite cannot open
/// read-only the usual way because its directory is read-only. Refused when its `-wal` file
/// holds writes the immutable view would not see.
pub(crate) fn open_immutable(path: &Path) -> Result<(Connection, String)> {
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    let wal = std::path::PathBuf::from(wal);
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(StoreError::Unreadable {
            path: path.display().to_string(),
            reason: format!(
                "its directory is read-only and {} holds writes not yet in the database file; \
                 open it once where it can be written (any mlplab command, by its owner), or copy \
                 the study directory",
                wal.display()
            ),
        });
    }
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(&uri, flags).map_err(|e| sqlite(path, e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| sqlite(path, e))?;
    Ok((conn, uri))
}

/// `path` percent-encoded for a `file:` URI.
fn uri_path(path: &Path) -> String {
    let raw = path.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SQLite's `PRAGMA quick_check`: the problems it reports (empty when the file is sound).
pub(crate) fn quick_check(conn: &Connection, path: &Path) -> Result<Vec<String>> {
    let damaged = |e: rusqlite::Error| StoreError::Damaged {
        path: path.display().to_string(),
        problems: e.to_string(),
    };
    let mut stmt = conn.prepare("PRAGMA quick_check").map_err(damaged)?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
        .map_err(damaged)?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_opening_reads_the_file_and_refuses_pending_wal_writes() {
        let dir = std::env::temp_dir().join(format!("mlplab-immutable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (7);",
            )
            .unwrap();
        // The writer is open: its rows are in x.db-wal, which an immutable view would miss.
        let e = open_immutable(&path).err().unwrap().to_string();
        assert!(e.contains("x.db-wal") && e.contains("read-only"), "{e}");
        drop(writer);
        let (conn, uri) = open_immutable(&path).unwrap();
        assert!(uri.ends_with("x.db?immutable=1"), "{uri}");
        let x: i64 = conn.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(x, 7);
    }

    #[test]
    fn uri_path_escapes_what_a_uri_reserves() {
        assert_eq!(
            uri_path(Path::new("/a b/c?d#e%.db")),
            "/a%20b/c%3Fd%23e%25.db"
        );
    }
}
