//! The results store as the built binary uses it: one writer per study (the lock), a lock left
//! by a killed process taken over, foreign files refused and left byte-for-byte as they were,
//! read-only databases read, `runs --check`, and a resumed sweep redoing runs that fail it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mlplab::store::{Status, StudyReader, lock_file_of};

mod common;
use common::cli::{count, mlplab, ok, text, wait_for};

/// Small and quick: 4 runs of 2 epochs.
const SMALL: &str = r#"
name = "small"
[data]
dataset = "blobs:n=120,test=0,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 40 }
[network]
hidden = [5]
[train]
loss = "cce"
batch_size = 16
epochs = 2
seed = [1, 2]
[optimizer]
kind = ["sgd", "adam"]
lr = { sgd = 0.2, adam = 0.01 }
"#;

/// Slow enough to be caught mid-run (a few seconds on one job).
const SLOW: &str = r#"
name = "slow"
[data]
dataset = "blobs:n=3000,test=0,features=5,classes=3,seed=4"
split = { kind = "full", cv_size = 1000 }
[network]
hidden = [64, 64]
[train]
loss = "cce"
batch_size = 16
epochs = 6
seed = [1, 2, 3, 4, 5, 6]
[optimizer]
kind = "sgd"
lr = 0.02
"#;

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("store-lock")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn experiment(d: &Path, grid: &str) -> String {
    let file = d.join("grid.toml");
    std::fs::write(&file, grid).unwrap();
    file.to_str().unwrap().to_string()
}

fn sweep(file: &str, out: &Path) -> Command {
    mlplab(&[
        "sweep",
        file,
        "--out",
        out.to_str().unwrap(),
        "-j",
        "1",
        "-q",
    ])
}

/// Every done run has all its epochs and mini-batches (the store's integrity check).
fn assert_sound(db: &Path) {
    let problems = StudyReader::open(db).unwrap().check().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_second_sweep_on_a_study_refuses_and_the_first_loses_nothing() {
    let d = dir("two-sweeps");
    let file = experiment(&d, SLOW);
    let study = d.join("study");
    let db = study.join("mlplab.db");
    let first = sweep(&file, &study)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&db, "SELECT count(*) FROM epochs", 2);
    let second = sweep(&file, &study).output().unwrap();
    let msg = text(&second);
    assert_eq!(second.status.code(), Some(1), "{msg}");
    assert!(msg.contains(&format!("PID {}", first.id())), "{msg}");
    assert!(
        msg.contains("--wait") && msg.contains("mlplab.db.lock"),
        "{msg}"
    );
    let still_running = count(&db, "SELECT count(*) FROM runs WHERE status = 'done'") < 6;
    let out = first.wait_with_output().unwrap();
    ok(out);
    assert!(
        still_running,
        "the first sweep finished too soon: make SLOW slower"
    );
    let runs = StudyReader::open(&db).unwrap().runs().unwrap();
    assert!(runs.iter().all(|r| r.status == Status::Done), "{runs:?}");
    assert_sound(&db);
    // Nobody holds it now: the record is empty.
    assert_eq!(std::fs::read_to_string(lock_file_of(&db)).unwrap(), "");
}

#[test]
fn wait_blocks_until_the_first_sweep_is_done() {
    let d = dir("wait");
    let file = experiment(&d, SLOW);
    let study = d.join("study");
    let db = study.join("mlplab.db");
    let first = sweep(&file, &study)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&db, "SELECT count(*) FROM epochs", 2);
    let mut args = vec!["sweep", &file, "--out", study.to_str().unwrap(), "-j", "1"];
    args.extend(["-q", "--wait"]);
    let second = mlplab(&args).output().unwrap();
    let first_out = first.wait_with_output().unwrap();
    ok(first_out);
    let msg = ok(second);
    assert_eq!(
        msg.matches("waiting for the study lock").count(),
        1,
        "{msg}"
    );
    assert!(
        msg.contains("PID ") && msg.contains("6 already finished"),
        "{msg}"
    );
    assert_sound(&db);
}

#[test]
fn a_lock_left_by_a_killed_sweep_is_taken_over_and_the_sweep_resumes() {
    let d = dir("killed");
    let file = experiment(&d, SLOW);
    let study = d.join("study");
    let db = study.join("mlplab.db");
    let mut child = sweep(&file, &study)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&db, "SELECT count(*) FROM runs WHERE status = 'done'", 1);
    child.kill().unwrap(); // SIGKILL: the lock's record stays behind
    child.wait().unwrap();
    let record = std::fs::read_to_string(lock_file_of(&db)).unwrap();
    assert!(
        record.contains(&format!("\"pid\":{}", child.id())),
        "{record}"
    );
    let done = count(&db, "SELECT count(*) FROM runs WHERE status = 'done'");
    assert!(
        done < 6,
        "the sweep finished before the kill: make SLOW slower"
    );
    let msg = ok(sweep(&file, &study).output().unwrap());
    assert!(msg.contains(&format!("{done} already finished")), "{msg}");
    let took = format!("took over the study lock left by PID {}", child.id());
    assert!(msg.contains(&took), "{msg}");
    let runs = StudyReader::open(&db).unwrap().runs().unwrap();
    assert!(runs.iter().all(|r| r.status == Status::Done), "{runs:?}");
    assert_sound(&db);
}

/// A study directory with a finished sweep of SMALL.
fn small_study(name: &str) -> (PathBuf, String, PathBuf) {
    let d = dir(name);
    let file = experiment(&d, SMALL);
    let study = d.join("study");
    ok(sweep(&file, &study).output().unwrap());
    (d, file, study)
}

#[test]
fn foreign_files_are_refused_and_left_as_they_were() {
    let (d, file, study) = small_study("foreign");
    let foreign_db = d.join("other.db");
    {
        let c = rusqlite::Connection::open(&foreign_db).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let meta_only = d.join("meta-only.db");
    {
        let c = rusqlite::Connection::open(&meta_only).unwrap();
        c.execute_batch("CREATE TABLE meta (key, value); INSERT INTO meta VALUES ('k', 'v');")
            .unwrap();
    }
    let text_file = d.join("notes.db");
    std::fs::write(&text_file, "these are my notes, not a database\n").unwrap();
    // A directory whose mlplab.db is someone else's file.
    let foreign_dir = d.join("foreign-dir");
    std::fs::create_dir_all(&foreign_dir).unwrap();
    std::fs::copy(&foreign_db, foreign_dir.join("mlplab.db")).unwrap();
    let scratch = d.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let scratch = scratch.to_str().unwrap();
    let good = study.join("mlplab.db");
    let good_s = good.to_str().unwrap();
    for bad in [
        &foreign_db,
        &meta_only,
        &text_file,
        &foreign_dir.join("mlplab.db"),
    ] {
        let before = std::fs::read(bad).unwrap();
        let listing = |p: &Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(p.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let files_before = listing(bad);
        let b = bad.to_str().unwrap();
        let dir_of = bad.parent().unwrap().to_str().unwrap();
        let mut commands: Vec<Vec<&str>> = vec![
            vec!["runs", b],
            vec!["runs", b, "--check"],
            vec!["export", b],
            vec!["merge", b, good_s],
            vec!["merge", good_s, b],
            vec!["sweep", &file, "--db", b, "--out", scratch, "-q"],
        ];
        if bad.file_name().is_some_and(|n| n == "mlplab.db") {
            commands.push(vec!["report", dir_of]);
            commands.push(vec!["sweep", &file, "--out", dir_of, "-q"]);
        }
        for args in commands {
            let out = mlplab(&args).output().unwrap();
            let msg = text(&out);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {msg}");
            assert!(msg.contains(b), "{args:?} does not name the file: {msg}");
            assert!(
                msg.contains("not an mlplab results database") && msg.contains("expected"),
                "{args:?}: {msg}"
            );
            assert_eq!(std::fs::read(bad).unwrap(), before, "{args:?} changed {b}");
            assert_eq!(listing(bad), files_before, "{args:?} left files beside {b}");
        }
    }
    assert_sound(&good);
}

/// Runs `f` with the database at `db` chmod 0444 and its directory 0555, restoring both
/// afterwards (also when `f` panics).
fn read_only<T>(db: &Path, f: impl FnOnce() -> T) -> T {
    use std::os::unix::fs::PermissionsExt;
    struct Restore<'a>(&'a Path);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let dir = self.0.parent().unwrap();
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
            let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o644));
        }
    }
    let _restore = Restore(db);
    std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(db.parent().unwrap(), std::fs::Permissions::from_mode(0o555)).unwrap();
    f()
}

#[test]
fn a_read_only_database_in_a_read_only_directory_is_read() {
    let (d, _file, study) = small_study("read-only");
    let db = study.join("mlplab.db");
    let before = std::fs::read(&db).unwrap();
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let merged = out.join("merged.db");
    let s = study.to_str().unwrap();
    let (runs, check, export, merge) = read_only(&db, || {
        (
            mlplab(&["runs", s]).output().unwrap(),
            mlplab(&["runs", s, "--check"]).output().unwrap(),
            mlplab(&["export", s, "-t", "epochs"]).output().unwrap(),
            mlplab(&["merge", merged.to_str().unwrap(), db.to_str().unwrap()])
                .output()
                .unwrap(),
        )
    });
    assert!(ok(runs).contains("4 runs: 4 done"));
    assert!(ok(check).contains("no problems found"));
    assert_eq!(ok(export).lines().count(), 1 + 4 * 3);
    ok(merge);
    assert_eq!(count(&merged, "SELECT count(*) FROM epochs"), 12);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // The report reads through the same reader; writing its files into the read-only
    // directory may fail (unless run as root), reading the database may not.
    let report = read_only(&db, || {
        mlplab(&["report", s, "--no-figures"]).output().unwrap()
    });
    let msg = text(&report);
    assert!(!msg.contains("readonly database"), "{msg}");
    assert!(
        report.status.success() || msg.contains("report.md"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn check_finds_missing_rows_and_a_resumed_sweep_redoes_those_runs() {
    let (_d, file, study) = small_study("check");
    let db = study.join("mlplab.db");
    let s = study.to_str().unwrap();
    assert!(ok(mlplab(&["runs", s, "--check"]).output().unwrap()).contains("no problems"));
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "DELETE FROM epochs WHERE run_id = 2 AND epoch = 2;
             DELETE FROM batches WHERE run_id = 3 AND step = 4;",
        )
        .unwrap();
    }
    let out = mlplab(&["runs", s, "--check"]).output().unwrap();
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("run 2 (done): lacks the epoch rows 2"),
        "{msg}"
    );
    assert!(
        msg.contains("run 3 (done): lacks the mini-batch rows of steps 4"),
        "{msg}"
    );
    assert!(!msg.contains("run 1 ") && !msg.contains("run 4 "), "{msg}");
    let msg = ok(sweep(&file, &study).output().unwrap());
    assert!(
        msg.contains("run 2 (done)") && msg.contains("reset to pending"),
        "{msg}"
    );
    assert!(msg.contains("run 3 (done)"), "{msg}");
    assert!(msg.contains("2 already finished; ran 2: 2 done"), "{msg}");
    assert_sound(&db);
}

#[test]
fn a_damaged_database_is_an_error_naming_the_file() {
    let (_d, file, study) = small_study("damaged");
    let db = study.join("mlplab.db");
    // Overwrite the middle of page 3 onward with garbage (the header stays valid).
    let mut bytes = std::fs::read(&db).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    assert!(bytes.len() > 4 * page, "database too small to damage");
    for b in &mut bytes[2 * page + 8..3 * page] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let d = db.to_str().unwrap();
    let check = mlplab(&["runs", study.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    let msg = text(&check);
    assert_eq!(check.status.code(), Some(1), "{msg}");
    assert!(msg.contains(d), "{msg}");
    let resume = sweep(&file, &study).output().unwrap();
    let msg = text(&resume);
    assert_eq!(resume.status.code(), Some(1), "{msg}");
    assert!(msg.contains(d) && msg.contains("damaged"), "{msg}");
}
