//! mlplab as a shell citizen: a closed pipe ends a command quietly with exit 0, Ctrl-C exits
//! 130, every error is said once, and names a user mistypes get a "did you mean".

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

mod common;
use common::cli::{mlplab, ok, text, wait_for};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-shell-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const BLOBS: &str = "blobs:n=300,test=0,features=5,classes=3,seed=4";

/// A 3-epoch `train` study, made once: `runs`, `export` and `report` read it.
fn study() -> &'static Path {
    static STUDY: OnceLock<PathBuf> = OnceLock::new();
    STUDY.get_or_init(|| {
        let out = dir("study").join("train");
        ok(train(&out).output().unwrap());
        out
    })
}

fn train(out: &Path) -> Command {
    mlplab(&[
        "train",
        "--dataset",
        BLOBS,
        "--split",
        "full:100",
        "--hidden",
        "8",
        "--epochs",
        "3",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ])
}

/// `cmd` run with its standard output's reader gone before it writes: the exit status and
/// standard error.
fn into_closed_pipe(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing our end makes every write of the child fail with EPIPE (Rust ignores SIGPIPE).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_printing_command_quietly_with_success() {
    let s = study().to_str().unwrap();
    let grid = dir("pipe").join("grid.toml");
    std::fs::write(
        &grid,
        format!(
            "name = \"pipe\"\n[data]\ndataset = \"{BLOBS}\"\nsplit = {{ kind = \"full\", \
             cv_size = 100 }}\n[network]\nhidden = [[4], [8]]\n[optimizer]\nkind = [\"sgd\", \
             \"adam\"]\n"
        ),
    )
    .unwrap();
    let g = grid.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["runs", s, "--config"],
        vec!["runs", s],
        vec!["export", s, "-t", "batches"],
        vec!["export", s, "-t", "batches", "-f", "json"],
        vec!["sweep", g, "--dry-run"],
        vec!["data", "list"],
    ];
    for args in commands {
        let (code, stderr) = into_closed_pipe(mlplab(&args));
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // `train` prints after training: the run is recorded, the closed pipe is not an error.
    let out = dir("pipe").join("train");
    let (code, stderr) = into_closed_pipe(train(&out));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(out.join("mlplab.db").is_file());
}

#[test]
fn a_full_pipe_reader_still_gets_everything() {
    let t = ok(
        mlplab(&["export", study().to_str().unwrap(), "-t", "epochs"])
            .output()
            .unwrap(),
    );
    assert_eq!(t.lines().filter(|l| l.starts_with("1,")).count(), 4, "{t}");
}

/// Enough work that Ctrl-C lands in the middle of the first rung.
const TUNE: &str = r#"
name = "shell-tune"
[data]
dataset = "blobs:n=3000,test=0,features=5,classes=3,seed=4"
split = { kind = "full", cv_size = 1000 }
[network]
hidden = [64, 64]
[train]
loss = "cce"
batch_size = 16
epochs = 30
[optimizer]
kind = ["sgd", "adam"]
"#;

#[test]
fn ctrl_c_stops_a_tune_with_130() {
    let d = dir("tune");
    let file = d.join("tune.toml");
    std::fs::write(&file, TUNE).unwrap();
    let out = d.join("study");
    let child = mlplab(&[
        "tune",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seeds",
        "1",
        "--candidates",
        "3",
        "-j",
        "2",
        "-q",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_for(&out.join("mlplab.db"), "SELECT count(*) FROM epochs", 3);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(130), "{t}");
    assert!(t.contains("SIGINT"), "{t}");
    assert!(t.contains("rerun the same command to resume"), "{t}");
}

/// The error lines of a command that must fail with exit 1.
fn error_of(args: &[&str]) -> String {
    let out = mlplab(args)
        .env("MLPLAB_OFFLINE", "1")
        .env("MLPLAB_CACHE", dir("no-cache"))
        .env_remove("MLPLAB_DATA")
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {t}");
    t
}

#[test]
fn a_missing_dataset_is_said_once() {
    let out = dir("missing").join("study");
    let t = error_of(&[
        "train",
        "--dataset",
        "cifar10",
        "--epochs",
        "1",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(t.matches("error:").count(), 1, "{t}");
    assert_eq!(t.matches("cifar10 not found").count(), 1, "{t}");
    assert_eq!(t.matches("To get it").count(), 1, "{t}");
    assert!(!t.contains("dataset cifar10: dataset cifar10"), "{t}");
}

#[test]
fn report_on_a_wrong_directory_names_commands_that_exist() {
    let t = error_of(&["report", dir("empty").to_str().unwrap()]);
    assert!(t.contains("no study database at"), "{t}");
    assert!(!t.contains("`mlplab run`"), "{t}");
    // Every command the message names is one `mlplab --help` lists.
    let help = ok(mlplab(&["--help"]).output().unwrap());
    for command in ["train", "sweep", "tune", "reproduce"] {
        assert!(
            t.contains(&format!("`{command}`")) || t.contains(&format!("`mlplab {command}`")),
            "{t}"
        );
        assert!(help.contains(&format!("  {command} ")), "{help}");
    }
}

#[test]
fn a_mistyped_name_gets_a_did_you_mean() {
    let out = dir("typo").join("study");
    let o = out.to_str().unwrap();
    let s = study().to_str().unwrap();
    for (args, want) in [
        (
            vec!["train", "--dataset", "mnits", "--out", o, "-q"],
            "unknown dataset \"mnits\" (did you mean \"mnist\"?)",
        ),
        (
            vec!["train", "--dataset", "spirls:n=50", "--out", o, "-q"],
            "(did you mean \"spirals:n=50\"?)",
        ),
        (
            vec!["data", "verify", "fashion-mnits"],
            "(did you mean \"fashion-mnist\"?)",
        ),
        (
            vec!["sweep", "paper-mnsit", "--dry-run"],
            "no preset of that name (did you mean \"paper-mnist\"?)",
        ),
        (
            vec!["export", s, "-t", "epoch"],
            "unknown table \"epoch\" (did you mean \"epochs\"?)",
        ),
    ] {
        let t = error_of(&args);
        assert!(t.contains(want), "{args:?}: {t}");
    }
    // Nothing near: no suggestion, the valid names only.
    let t = error_of(&["export", s, "-t", "zzzzzz"]);
    assert!(!t.contains("did you mean") && t.contains("valid: "), "{t}");
    // Sub-commands: clap's own suggestion, exit 2.
    let out = mlplab(&["swep"]).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("'sweep'"), "{t}");
}

#[test]
fn version_names_the_crate_version_and_the_commit_with_its_dirty_flag() {
    let t = ok(mlplab(&["--version"]).output().unwrap());
    assert_eq!(t.trim(), format!("mlplab {}", mlplab::VERSION));
    let version = env!("CARGO_PKG_VERSION");
    assert!(t.starts_with(&format!("mlplab {version} (commit ")), "{t}");
    let commit = mlplab::GIT_COMMIT;
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(
        commit == "unknown" || (hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    // Where git can say, the flag is the tree's: a change to what the binary is built from.
    let root = env!("CARGO_MANIFEST_DIR");
    let status = Command::new("git")
        .args(["-C", root, "status", "--porcelain", "--"])
        .args([
            "src",
            "assets",
            "experiments",
            "scripts",
            "build.rs",
            "Cargo.toml",
            "Cargo.lock",
        ])
        .output();
    match status {
        Ok(s) if s.status.success() && commit != "unknown" => {
            assert_eq!(commit.ends_with("-dirty"), !s.stdout.is_empty(), "{commit}");
        }
        _ => {
            assert!(
                !common::in_ci(),
                "CI is set but git cannot read {root}: the dirty-flag check may not skip"
            );
            eprintln!("skipped the dirty-flag check: git cannot read {root}");
        }
    }
    // And each run records it.
    let runs = mlplab::store::StudyReader::open(&study().join("mlplab.db"))
        .unwrap()
        .runs()
        .unwrap();
    assert_eq!(runs[0].git_commit.as_deref(), Some(commit));
}

#[test]
fn reproduce_ends_by_naming_report_html_and_how_to_open_it() {
    let study = dir("reproduce").join("study");
    let t = ok(mlplab(&[
        "reproduce",
        "--datasets",
        "mnist",
        "--epochs",
        "1",
        "--seeds",
        "1",
        "--set",
        "network.hidden=[8]",
        "--set",
        "data.split={kind=\"study\",train_offset=0,train_size=300,cv_offset=300,cv_size=200}",
        "-j",
        "2",
        "-q",
        "--offline",
        "--out",
        study.to_str().unwrap(),
    ])
    .output()
    .unwrap());
    let last = t
        .lines()
        .rfind(|l| l.starts_with("report: "))
        .unwrap_or_default();
    let html = study.join("report.html");
    assert!(last.contains(&format!("report: {}", html.display())), "{t}");
    assert!(last.contains("xdg-open") && last.contains("browser"), "{t}");
    assert!(html.is_file());
}

const SUBCOMMANDS: &[&str] = &[
    "bench",
    "data",
    "report",
    "train",
    "sweep",
    "reproduce",
    "tune",
    "runs",
    "merge",
    "export",
    "completions",
    "man",
];

#[test]
fn completions_name_every_subcommand_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok(mlplab(&["completions", shell]).output().unwrap());
        for command in SUBCOMMANDS {
            assert!(script.contains(command), "{shell}: no {command}");
        }
        assert!(script.contains("dry-run"), "{shell}: sweep's flags");
    }
    let out = mlplab(&["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("bash"), "{}", text(&out));
}

#[test]
fn man_prints_a_page_naming_every_subcommand_and_writes_one_per_command() {
    let page = ok(mlplab(&["man"]).output().unwrap());
    assert!(page.contains(".TH mlplab 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for command in SUBCOMMANDS {
        assert!(
            page.contains(&format!("mlplab\\-{command}(1)")),
            "no {command}: {page}"
        );
    }
    let d = dir("man");
    ok(mlplab(&["man", "--dir", d.to_str().unwrap()])
        .output()
        .unwrap());
    for command in SUBCOMMANDS {
        let page = std::fs::read_to_string(d.join(format!("mlplab-{command}.1"))).unwrap();
        assert!(page.contains(".SH NAME"), "{command}: {page}");
    }
    let sweep = std::fs::read_to_string(d.join("mlplab-sweep.1")).unwrap();
    assert!(sweep.contains("dry\\-run"), "{sweep}");
    let (code, stderr) = into_closed_pipe(mlplab(&["man"]));
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = into_closed_pipe(mlplab(&["completions", "bash"]));
    assert_eq!(code, Some(0), "{stderr}");
}

/// 4 runs (2 configurations × 2 seeds) of 5 epochs.
const LOGGED: &str = r#"
name = "logged"
[data]
dataset = "blobs:n=600,test=0,features=5,classes=3,seed=4"
split = { kind = "full", cv_size = 200 }
[network]
hidden = [[4], [16]]
[train]
epochs = 5
seed = [1, 2]
"#;

#[test]
fn line_mode_prints_each_runs_epochs_with_the_eta_and_a_closing_best() {
    let d = dir("lines");
    let file = d.join("logged.toml");
    std::fs::write(&file, LOGGED).unwrap();
    let study = d.join("study");
    let out = mlplab(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        study.to_str().unwrap(),
        "-j",
        "2",
        "--progress",
        "lines",
        "--log-every",
        "2",
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(" epoch ")).collect();
    // Every 2nd epoch and the last: 2, 4, 5, for each of the 4 runs.
    assert_eq!(lines.len(), 12, "{stderr}");
    for id in 1..=4 {
        for epoch in [2, 4, 5] {
            let head = format!("#{id} epoch {epoch}/5: train cost ");
            let line = lines.iter().find(|l| l.starts_with(&head));
            let line = line.unwrap_or_else(|| panic!("no {head:?}: {stderr}"));
            let fields: Vec<&str> = line.split(" | ").collect();
            assert_eq!(fields.len(), 4, "{line}");
            assert!(
                fields[0].contains(" acc 0.") || fields[0].contains(" acc 1."),
                "{line}"
            );
            assert!(
                fields[1].starts_with("cv cost ") && fields[1].contains(" acc "),
                "{line}"
            );
            assert!(fields[2].ends_with(" s"), "{line}");
            assert!(
                fields[3].starts_with("sweep ") && fields[3].contains("/20 epochs, ETA "),
                "{line}"
            );
        }
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with(&format!("#{id} epoch 1/5"))),
            "{stderr}"
        );
    }
    // The last epoch line of the sweep has done every epoch.
    assert!(stderr.contains("sweep 20/20 epochs, ETA 0s"), "{stderr}");
    // The closing summary names the best configuration by its mean over the two seeds.
    let reader = mlplab::store::StudyReader::open(&study.join("mlplab.db")).unwrap();
    let runs = reader.runs().unwrap();
    let mut cells: Vec<(String, Vec<i64>, f64)> = Vec::new();
    for r in &runs {
        let acc = reader.last_epoch(r.id).unwrap().unwrap().cv_acc.unwrap();
        match cells.iter_mut().find(|c| c.0 == r.cell_key) {
            Some(c) => {
                c.1.push(r.id);
                c.2 += acc / 2.0;
            }
            None => cells.push((r.cell_key.clone(), vec![r.id], acc / 2.0)),
        }
    }
    let best = cells
        .iter()
        .fold(&cells[0], |b, c| if c.2 > b.2 { c } else { b });
    let want = format!(
        "best by mean CV accuracy: {:.4} over 2 seeds (runs {}, {}): ",
        best.2, best.1[0], best.1[1]
    );
    assert!(stdout.contains(&want), "{want}\n{stdout}");
    // Another experiment into the same database: its best is among its own runs only.
    let other = d.join("other.toml");
    let text = LOGGED
        .replace("name = \"logged\"", "name = \"other\"")
        .replace("hidden = [[4], [16]]", "hidden = [[2], [3]]");
    std::fs::write(&other, text).unwrap();
    let out = ok(mlplab(&[
        "sweep",
        other.to_str().unwrap(),
        "--out",
        study.to_str().unwrap(),
        "-q",
    ])
    .output()
    .unwrap());
    let line = out
        .lines()
        .find(|l| l.starts_with("best by mean CV accuracy: "))
        .unwrap_or_else(|| panic!("{out}"));
    let runs = line
        .split("(runs ")
        .nth(1)
        .and_then(|r| r.split(')').next());
    let ids: Vec<i64> = runs
        .unwrap_or_else(|| panic!("{line}"))
        .split(", ")
        .map(|i| i.parse().unwrap())
        .collect();
    assert!(ids.len() == 2 && ids.iter().all(|&i| i > 4), "{line}");
}

#[test]
fn train_prints_each_epoch_line_as_the_epoch_ends() {
    let out = dir("live").join("train");
    let mut child = mlplab(&["train"])
        .args(common::cli::LONG_TRAIN)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("#1 epoch 1/200: ") {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(n > 0, "train ended without an epoch line");
    }
    assert!(
        line.contains("cv cost ") && line.contains("sweep 1/200 epochs, ETA "),
        "{line}"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "the epoch line came after the run: make it longer"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_sweep_whose_output_and_log_are_both_closed_still_records_every_run() {
    let d = dir("both");
    let file = d.join("logged.toml");
    std::fs::write(&file, LOGGED).unwrap();
    let study = d.join("study");
    // As `mlplab sweep … 2>&1 | head -0`: nobody reads standard output or standard error.
    let mut child = mlplab(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        study.to_str().unwrap(),
        "--progress",
        "lines",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let runs = mlplab::store::StudyReader::open(&study.join("mlplab.db"))
        .unwrap()
        .runs()
        .unwrap();
    assert_eq!(runs.len(), 4);
    assert!(
        runs.iter().all(|r| r.status == mlplab::store::Status::Done),
        "{runs:?}"
    );
}

#[test]
fn the_study_records_its_command_line_and_machine_and_the_report_shows_them() {
    let meta = mlplab::store::StudyReader::open(&study().join("mlplab.db"))
        .unwrap()
        .meta()
        .unwrap();
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no meta.{k} in {meta:?}"))
    };
    let command = get("command");
    assert!(
        command.starts_with(&format!("mlplab train --dataset {BLOBS} --split full:100")),
        "{command}"
    );
    assert!(get("machine").contains("logical cores"));
    // Generated data has no published digests, so none is claimed.
    assert!(!meta.iter().any(|(k, _)| k.contains("sha256")), "{meta:?}");
    ok(mlplab(&["report", "--no-figures"])
        .arg(study())
        .output()
        .unwrap());
    let md = std::fs::read_to_string(study().join("report.md")).unwrap();
    let row = |name: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no provenance row {name}:\n{md}"))
            .to_string()
    };
    assert!(
        row("command line").contains(&command),
        "{}",
        row("command line")
    );
    assert!(row("machine of the runs").contains("logical cores"));
}
