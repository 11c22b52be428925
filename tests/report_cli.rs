//! `mlplab report DIR` end to end: prints the verdicts and where it wrote; a bad DIR exits
//! non-zero with a message naming the file.

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
