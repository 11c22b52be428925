//! The study lock: one writer per database.
//!
//! Every writer ([`Store::open`](super::Store::open)) takes an exclusive OS file lock on the
//! lock file beside the database ([`lock_file_of`](super::lock_file_of), e.g.
//! `mlplab.db.lock`) and holds it as long as the [`Store`](super::Store) lives. The file holds
//! a one-line JSON record of the holder (PID, host, start time, command); it is emptied when
//! the store closes and stays in place (deleting a lock file races with the next taker).
//!
//! The operating system releases the lock when its process dies, so a record left by a killed
//! process is stale: the lock is free and the next writer takes it over. Readers
//! ([`StudyReader`](super::StudyReader)) never take it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::error::{Result, StoreError};
use super::schema::lock_file_of;

/// Whether to wait for a lock another process holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockWait {
    /// Refuse at once, naming the holder.
    Refuse,
    /// Block until the lock is free.
    Wait,
}

/// A held study lock; released (and its record emptied) when dropped.
#[derive(Debug)]
pub(crate) struct StudyLock {
    file: File,
    /// The record of the process whose stale lock this one took over, if any.
    pub(crate) took_over: Option<String>,
}

impl Drop for StudyLock {
    fn drop(&mut self) {
        // Best effort: an empty record says nobody holds the lock; the OS unlocks on close.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn io_err(lock: &Path, e: std::io::Error) -> StoreError {
    StoreError::Lock {
        path: lock.display().to_string(),
        message: e.to_string(),
    }
}

/// Takes the lock of the database at `db`. With [`LockWait::Refuse`] a lock held by another
/// process (or another `Store` of this one) is an error naming the holder; with
/// [`LockWait::Wait`] `on_wait` is called once with the holder's description and the call
/// blocks until the lock is free.
pub(crate) fn acquire(
    db: &Path,
    wait: LockWait,
    on_wait: &mut dyn FnMut(&str),
) -> Result<StudyLock> {
    let lock: PathBuf = lock_file_of(db);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(|e| io_err(&lock, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = describe(&read_record(&mut file));
            match wait {
                LockWait::Refuse => {
                    return Err(StoreError::Locked {
                        path: db.display().to_string(),
                        lock: lock.display().to_string(),
                        holder,
                    });
                }
                LockWait::Wait => {
                    on_wait(&holder);
                    file.lock().map_err(|e| io_err(&lock, e))?;
                }
            }
        }
        Err(TryLockError::Error(e)) => return Err(io_err(&lock, e)),
    }
    let stale = read_record(&mut file);
    let took_over = (!stale.trim().is_empty()).then(|| describe(&stale));
    file.set_len(0).map_err(|e| io_err(&lock, e))?;
    file.rewind().map_err(|e| io_err(&lock, e))?;
    file.write_all(record().as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| io_err(&lock, e))?;
    Ok(StudyLock { file, took_over })
}

/// For a merge of the database at `db`: takes its lock (read-only, so that no writer starts
/// while the merge reads it) and returns it, or refuses with [`StoreError::StillWriting`]
/// naming the holder. A database without a lock file was never written by an mlplab store,
/// so there is nothing to hold (and nothing is created beside a merge input).
pub(crate) fn hold_for_merge(db: &Path) -> Result<Option<File>> {
    let lock = lock_file_of(db);
    let still = |why: String| StoreError::StillWriting {
        path: db.display().to_string(),
        why,
    };
    let mut file = match File::open(&lock) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&lock, e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Err(still(format!(
            "{} holds its lock {}; merge after that sweep has ended",
            describe(&read_record(&mut file)),
            lock.display()
        ))),
        Err(TryLockError::Error(e)) => Err(io_err(&lock, e)),
    }
}

fn read_record(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    // A record that cannot be read (or is not UTF-8) is described as unknown.
    let _ = file.take(4096).read_to_string(&mut text);
    text
}

/// This process as a one-line JSON record.
fn record() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let command: Vec<String> = std::env::args().collect();
    let record = serde_json::json!({
        "pid": std::process::id(),
        "host": host,
        "started": utc_now(),
        "command": command.join(" "),
    });
    format!("{record}\n")
}

/// A holder record as words: `PID 123 on host h, since 2026-01-01T00:00:00Z (mlplab sweep …)`.
pub(crate) fn describe(record: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(record.trim()) else {
        return if record.trim().is_empty() {
            "a process that has not written its record yet".to_string()
        } else {
            format!("an unreadable holder record {:?}", record.trim())
        };
    };
    let field = |k: &str| match &v[k] {
        serde_json::Value::Null => "unknown".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    format!(
        "PID {} on host {}, since {} ({})",
        field("pid"),
        field("host"),
        field("started"),
        field("command")
    )
}

/// The current time, RFC 3339 UTC to the second.
pub(crate) fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_refuses_naming_the_holder_and_a_released_one_is_taken() {
        let dir = std::env::temp_dir().join(format!("mlplab-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("mlplab.db");
        let first = acquire(&db, LockWait::Refuse, &mut |_| {}).unwrap();
        assert_eq!(first.took_over, None);
        let err = acquire(&db, LockWait::Refuse, &mut |_| {})
            .unwrap_err()
            .to_string();
        let pid = format!("PID {}", std::process::id());
        assert!(err.contains(&pid) && err.contains("--wait"), "{err}");
        assert!(err.contains("mlplab.db.lock"), "{err}");
        drop(first);
        assert_eq!(std::fs::read_to_string(lock_file_of(&db)).unwrap(), "");
        drop(acquire(&db, LockWait::Refuse, &mut |_| {}).unwrap());
        // A record without a holder (a killed process) is taken over.
        std::fs::write(lock_file_of(&db), "{\"pid\": 999999999, \"host\": \"h\"}\n").unwrap();
        let taken = acquire(&db, LockWait::Refuse, &mut |_| {}).unwrap();
        assert!(
            taken
                .took_over
                .as_deref()
                .unwrap()
                .contains("PID 999999999 on host h")
        );
    }

    #[test]
    fn wait_blocks_until_the_holder_lets_go() {
        let dir = std::env::temp_dir().join(format!("mlplab-lock-wait-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("mlplab.db");
        let first = acquire(&db, LockWait::Refuse, &mut |_| {}).unwrap();
        let db2 = db.clone();
        let waiter = std::thread::spawn(move || {
            let mut told = Vec::new();
            let lock = acquire(&db2, LockWait::Wait, &mut |h| told.push(h.to_string()));
            (lock.map(|_| ()), told)
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!waiter.is_finished());
        drop(first);
        let (got, told) = waiter.join().unwrap();
        got.unwrap();
        assert_eq!(told.len(), 1);
        assert!(
            told[0].contains(&format!("PID {}", std::process::id())),
            "{told:?}"
        );
    }

    #[test]
    fn utc_now_is_rfc3339() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
