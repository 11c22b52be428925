//! `mlplab report DIR` end to end: prints the verdicts and where it wrote; a bad DIR exits
//! non-zero with a message naming the file.

#[path = "report_common/mod.rs"]
mod common;

use std::process::Command;

use common::*;

#[test]
fn cli_writes_report_and_prints_verdicts() {
    let dir = study_dir("cli");
    let conn = create_db(&dir, "1");
    insert(
        &conn,
        &Spec::new("mnist", "he", "adam", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    drop(conn);
    let out = Command::new(env!("CARGO_BIN_EXE_mlplab"))
        .args(["report", "--no-figures"])
        .arg(&dir)
        .output()
        .expect("run mlplab");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("claim 6:"), "{stdout}");
    assert!(stdout.contains("best CV accuracy"), "{stdout}");
    assert!(dir.join("report.html").is_file());
}

#[test]
fn cli_reports_a_missing_database() {
    let dir = study_dir("cli-missing");
    let out = Command::new(env!("CARGO_BIN_EXE_mlplab"))
        .arg("report")
        .arg(&dir)
        .output()
        .expect("run mlplab");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mlplab.db"), "{stderr}");
}

/// A sweep that scores the test set after the last epoch: the report's tables carry the test
/// accuracy beside the CV one, and its headline quotes the CV-selected configuration's test
/// accuracy.
#[test]
fn the_report_shows_the_test_accuracy_of_a_final_test_evaluation() {
    let dir = study_dir("cli-test-final");
    let file = dir.join("e.toml");
    std::fs::write(
        &file,
        r#"
name = "final-test"
[data]
dataset = "blobs:n=300,test=150,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
evaluate_test = "final"
[network]
hidden = [8]
[train]
loss = "cce"
batch_size = 20
epochs = 2
seed = [1, 2]
[optimizer]
kind = ["sgd", "adam"]
lr = { sgd = 0.05, adam = 0.01 }
"#,
    )
    .unwrap();
    let mlplab = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mlplab"))
            .args(args)
            .output()
            .expect("run mlplab");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    let study = dir.join("s");
    let (f, s) = (file.to_str().unwrap(), study.to_str().unwrap());
    mlplab(&["sweep", f, "-q", "--out", s]);
    let printed = mlplab(&["report", "--no-figures", s]);
    assert!(printed.contains("its test accuracy"), "{printed}");
    let md = std::fs::read_to_string(study.join("report.md")).unwrap();
    assert!(md.contains("| test acc | test acc 95 % CI |"), "{md}");
    assert!(md.contains("Its test accuracy: "), "{md}");
    assert!(md.contains("scored once after the last epoch"), "{md}");
}

#[test]
fn export_all_writes_every_table_and_the_run_settings() {
    let dir = study_dir("cli-export");
    let conn = create_db(&dir, "1");
    insert(
        &conn,
        &Spec::new("mnist", "he", "adam", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    drop(conn);
    let out_dir = dir.join("export");
    let out = Command::new(env!("CARGO_BIN_EXE_mlplab"))
        .arg("export")
        .arg(&dir)
        .args(["--format", "json", "--all"])
        .arg(&out_dir)
        .output()
        .expect("run mlplab");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for t in [
        "runs",
        "epochs",
        "layer_norms",
        "batches",
        "meta",
        "run_settings",
    ] {
        assert!(out_dir.join(format!("{t}.json")).is_file(), "{t}.json");
    }
    let runs = std::fs::read_to_string(out_dir.join("runs.json")).expect("runs.json");
    assert!(runs.contains("\"l2\":0.0,"), "λ as a float");
    let v: serde_json::Value = serde_json::from_str(&runs).expect("JSON");
    assert_eq!(v[0]["config_json"]["network"]["init"], "he");
    let settings = std::fs::read_to_string(out_dir.join("run_settings.json")).expect("settings");
    let s: serde_json::Value = serde_json::from_str(&settings).expect("JSON");
    assert_eq!(s[0]["hidden"], "128,128,128,128");
    assert_eq!(s[0]["hidden_layers"], 4);
    assert_eq!(s[0]["optimizer"], "adam");
    assert!(
        settings.find("\"run_id\"") < settings.find("\"hidden\""),
        "columns in query order"
    );
}
