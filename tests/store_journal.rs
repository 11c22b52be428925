//! A study on a network filesystem: `MLPLAB_JOURNAL=delete` writes with SQLite's rollback
//! journal (no `-wal`/`-shm` files, which network filesystems cannot share), an unknown mode
//! is refused by name, and `mlplab merge` refuses a shard that is still being written.

use std::path::{Path, PathBuf};

use mlplab::store::Store;

mod common;
use common::cli::{mlplab, ok, text};

/// 2 runs of 1 epoch.
const TINY: &str = r#"
name = "tiny"
[data]
dataset = "blobs:n=120,test=0,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 40 }
[network]
hidden = [5]
[train]
loss = "cce"
batch_size = 16
epochs = 1
[optimizer]
kind = ["sgd", "adam"]
lr = { sgd = 0.2, adam = 0.01 }
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-journal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The journal mode recorded in the database file (WAL is persistent; rollback is `delete`).
fn journal_mode(db: &Path) -> String {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

fn sweep(file: &Path, out: &Path, journal: &str) -> std::process::Output {
    mlplab(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ])
    .env("MLPLAB_JOURNAL", journal)
    .output()
    .unwrap()
}

#[test]
fn the_journal_mode_follows_mlplab_journal() {
    let d = dir("mode");
    let file = d.join("tiny.toml");
    std::fs::write(&file, TINY).unwrap();
    let rollback = d.join("rollback");
    ok(sweep(&file, &rollback, "delete"));
    assert_eq!(journal_mode(&rollback.join("mlplab.db")), "delete");
    let wal = d.join("wal");
    ok(sweep(&file, &wal, "wal"));
    assert_eq!(journal_mode(&wal.join("mlplab.db")), "wal");
    // A WAL study moved to a network filesystem is switched over on its next write.
    ok(sweep(&file, &wal, "delete"));
    assert_eq!(journal_mode(&wal.join("mlplab.db")), "delete");
    for side in ["mlplab.db-wal", "mlplab.db-shm", "mlplab.db-journal"] {
        assert!(!rollback.join(side).exists(), "{side} left behind");
    }
    let bad = sweep(&file, &d.join("bad"), "truncate");
    assert!(!bad.status.success());
    let t = text(&bad);
    assert!(
        t.contains("MLPLAB_JOURNAL=\"truncate\"") && t.contains("auto, wal or delete"),
        "{t}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn merge_refuses_a_shard_still_being_written() {
    let d = dir("merge");
    let file = d.join("tiny.toml");
    std::fs::write(&file, TINY).unwrap();
    let study = d.join("study");
    for i in 0..2 {
        ok(mlplab(&[
            "sweep",
            file.to_str().unwrap(),
            "--out",
            study.to_str().unwrap(),
            "-q",
            "--shard",
            &format!("{i}/2"),
        ])
        .output()
        .unwrap());
    }
    let shard = study.join("mlplab.shard-1-of-2.db");
    let out = d.join("merged.db");
    let merge = |inputs: &[&Path]| {
        let mut args = vec!["merge", out.to_str().unwrap()];
        args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
        mlplab(&args).output().unwrap()
    };
    // A writer holds the shard (as its sweep does while it runs).
    let writer = Store::open(&shard).unwrap();
    let refused = merge(&[&study]);
    assert!(!refused.status.success());
    let t = text(&refused);
    assert!(
        t.contains("still being written")
            && t.contains("mlplab.shard-1-of-2.db")
            && t.contains(&format!("PID {}", std::process::id())),
        "{t}"
    );
    drop(writer);
    // A rollback journal left beside it: a writer stopped mid-transaction.
    let journal = study.join("mlplab.shard-1-of-2.db-journal");
    std::fs::write(&journal, b"not empty").unwrap();
    let t = text(&merge(&[&shard]));
    assert!(
        t.contains("rollback journal") && t.contains("-journal"),
        "{t}"
    );
    std::fs::remove_file(&journal).unwrap();
    let t = ok(merge(&[&study]));
    assert!(t.contains("2 runs, 2 done"), "{t}");
    std::fs::remove_dir_all(&d).unwrap();
}
