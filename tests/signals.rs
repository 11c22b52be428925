//! The built binary under SIGTERM and SIGINT: a clean stop (running runs `interrupted`,
//! finished runs intact, exit 143 / 130) that a rerun resumes to bitwise the uninterrupted
//! result; a second signal exits at once and leaves a database that reads and resumes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use mlplab::store::{Status, StudyReader};

mod common;
use common::cli::{mlplab, ok, text, wait_for};

/// 8 runs of a few hundred mini-batches each: a few seconds of work on 2 jobs.
const GRID: &str = r#"
name = "signals"
[data]
dataset = "blobs:n=3000,test=0,features=5,classes=3,seed=4"
split = { kind = "full", cv_size = 1000 }
[network]
hidden = [64, 64]
init = ["he", "glorot"]
[train]
loss = "cce"
batch_size = 16
epochs = 15
[optimizer]
kind = ["sgd", "momentum", "rmsprop", "adam"]
lr = { sgd = 0.05, momentum = 0.05, rmsprop = 0.003, adam = 0.003 }
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-signals-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sweep(file: &Path, study: &Path) -> Command {
    mlplab(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        study.to_str().unwrap(),
        "-j",
        "2",
        "-q",
    ])
}

fn kill(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} failed");
}

/// Every run's status, config and every recorded number (as bits), by id.
type Fingerprint = Vec<(i64, Status, String, Vec<u64>)>;

fn fingerprint(db: &Path) -> Fingerprint {
    let s = StudyReader::open(db).unwrap();
    let bits = |v: Option<f64>| v.unwrap_or(f64::NAN).to_bits();
    s.runs()
        .unwrap()
        .into_iter()
        .map(|r| {
            let mut out = Vec::new();
            for e in s.epochs(r.id).unwrap() {
                out.extend([e.epoch as u64, e.step as u64]);
                out.extend([e.train_cost, e.cv_cost, e.train_acc, e.cv_acc].map(bits));
            }
            for n in s.layer_norms(r.id).unwrap() {
                out.extend([n.epoch as u64, n.layer as u64]);
                out.extend([n.grad_norm, n.weight_norm].map(bits));
            }
            for b in s.batches(r.id).unwrap() {
                out.extend([b.step as u64, b.epoch as u64]);
                out.extend([b.cost, b.accuracy].map(bits));
            }
            (r.id, r.status, r.config_json, out)
        })
        .collect()
}

/// The grid file and the uninterrupted sweep's fingerprint, made once for all tests.
fn reference() -> &'static (PathBuf, Fingerprint) {
    static REFERENCE: OnceLock<(PathBuf, Fingerprint)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let d = dir("reference");
        let file = d.join("grid.toml");
        std::fs::write(&file, GRID).unwrap();
        ok(sweep(&file, &d.join("study")).output().unwrap());
        let fp = fingerprint(&d.join("study").join("mlplab.db"));
        assert_eq!(fp.len(), 8);
        assert!(fp.iter().all(|r| r.1 == Status::Done), "{fp:?}");
        (file, fp)
    })
}

/// One signal in the middle of a sweep: the clean stop, its exit code, and the resume.
fn clean_stop(signal: &str, name: &str, code: i32) {
    let (file, want) = reference();
    let study = dir(name).join("study");
    let db = study.join("mlplab.db");
    let child = sweep(file, &study)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&db, "SELECT count(*) FROM epochs", 3);
    kill(signal, &child);
    let out = child.wait_with_output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(code), "{t}");
    assert!(t.contains("rerun the same command to resume"), "{t}");
    let got = fingerprint(&db);
    assert_eq!(got.len(), 8);
    assert!(
        got.iter().all(|r| r.1 != Status::Running),
        "no run may stay running after a clean stop: {got:?}"
    );
    let interrupted: Vec<_> = got.iter().filter(|r| r.1 == Status::Interrupted).collect();
    assert!(!interrupted.is_empty(), "{got:?}");
    assert!(
        interrupted.iter().all(|r| !r.3.is_empty()),
        "an interrupted run keeps its rows"
    );
    assert!(
        got.iter().any(|r| r.1 != Status::Done),
        "the sweep finished before the signal: make the grid larger"
    );
    // Finished runs are intact: bitwise the uninterrupted sweep's.
    for run in got.iter().filter(|r| r.1 == Status::Done) {
        let same = want.iter().find(|w| w.0 == run.0);
        assert_eq!(same, Some(run), "run {} changed", run.0);
    }
    let again = ok(sweep(file, &study).output().unwrap());
    assert!(again.contains("0 failed, 0 interrupted"), "{again}");
    assert_eq!(&fingerprint(&db), want, "the resumed sweep differs");
}

#[test]
fn sigterm_stops_cleanly_exits_143_and_a_rerun_resumes_bitwise() {
    clean_stop("-TERM", "term", 143);
}

#[test]
fn sigint_stops_cleanly_exits_130_and_a_rerun_resumes_bitwise() {
    clean_stop("-INT", "int", 130);
}

/// One run whose single mini-batch per epoch takes a good second: a stop requested during
/// it waits for it, so a second signal arrives while the first is still being honoured.
const SLOW: &str = r#"
name = "slow"
[data]
dataset = "blobs:n=2000,test=0,features=2000,classes=3,seed=1"
split = { kind = "full", cv_size = 200 }
[network]
hidden = [1024, 1024]
[train]
loss = "cce"
batch_size = 1800
epochs = 2
"#;

#[test]
fn a_second_signal_exits_at_once_and_the_database_stays_consistent() {
    let d = dir("double");
    let file = d.join("slow.toml");
    std::fs::write(&file, SLOW).unwrap();
    let study = d.join("study");
    let db = study.join("mlplab.db");
    let mut child = sweep(&file, &study)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Epoch 0 (before training) recorded: the first mini-batch is being computed.
    wait_for(&db, "SELECT count(*) FROM epochs", 1);
    kill("-TERM", &child);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("SIGTERM: stopping") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no stop message: {seen}"
        );
        seen.push_str(&line);
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sweep stopped before the second signal: make its mini-batch larger"
    );
    kill("-INT", &child);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    // The second signal's code, at once: the run was not given time to end `interrupted`.
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("SIGINT: exiting now"), "{rest}");
    let runs = StudyReader::open(&db).unwrap().runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].status,
        Status::Running,
        "exited at once, mid-run: {runs:?}"
    );
    // The database reads, and a rerun restarts the run and completes it.
    let listed = ok(mlplab(&["runs", study.to_str().unwrap()]).output().unwrap());
    assert!(listed.contains("running"), "{listed}");
    let again = ok(sweep(&file, &study).output().unwrap());
    assert!(again.contains("1 done"), "{again}");
    let runs = StudyReader::open(&db).unwrap().runs().unwrap();
    assert_eq!(runs[0].status, Status::Done);
    assert_eq!(
        StudyReader::open(&db)
            .unwrap()
            .epochs(runs[0].id)
            .unwrap()
            .len(),
        3
    );
}

/// `args` started, SIGTERM once its database at `db` has 3 epochs: exit 143, no run left
/// `running`, at least one `interrupted`.
fn terminated(args: &[&str], db: &Path) -> String {
    let child = mlplab(args)
        .env("MLPLAB_OFFLINE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(db, "SELECT count(*) FROM epochs", 3);
    kill("-TERM", &child);
    let out = child.wait_with_output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(143), "{t}");
    let runs = StudyReader::open(db).unwrap().runs().unwrap();
    assert!(runs.iter().all(|r| r.status != Status::Running), "{runs:?}");
    assert!(
        runs.iter().any(|r| r.status == Status::Interrupted),
        "{runs:?}"
    );
    t
}

#[test]
fn train_and_reproduce_stop_on_sigterm_with_143() {
    let d = dir("commands");
    let train = d.join("train");
    let args: Vec<&str> = ["train"]
        .iter()
        .chain(common::cli::LONG_TRAIN)
        .chain(&["--out", train.to_str().unwrap(), "-q"])
        .copied()
        .collect();
    terminated(&args, &train.join("mlplab.db"));
    let study = d.join("reproduce");
    let t = terminated(
        &[
            "reproduce",
            "--datasets",
            "mnist",
            "--epochs",
            "20",
            "--set",
            "network.hidden=[32]",
            "--set",
            "data.split={kind=\"study\",train_offset=0,train_size=2000,cv_offset=2000,cv_size=500}",
            "-j",
            "2",
            "-q",
            "--out",
            study.to_str().unwrap(),
        ],
        &study.join("mlplab.db"),
    );
    assert!(
        !study.join("report.md").exists(),
        "no report after a stop: {t}"
    );
}
