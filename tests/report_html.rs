//! report.html rendered in headless Chromium: every figure decodes and the tables are
//! there. Skips (with a message) when `/usr/bin/chromium` is absent; `.ci/run` installs the
//! Debian packages `chromium` and `chromium-driver`.

#[path = "report_common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use mlplab::report::{ReportOptions, write_report};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Reads `name="N"` from the dumped `<body …>` tag.
fn body_attr(dom: &str, name: &str) -> Option<usize> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let key = format!("{name}=\"");
    let start = body.find(&key)? + key.len();
    let rest = &body[start..];
    rest[..rest.find('"')?].parse().ok()
}

fn dump_dom(html: &Path, profile: &Path) -> String {
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn html_renders_in_chromium_with_every_figure() {
    let dir = study_dir("html-chromium");
    let conn = create_db(&dir, "1");
    paper_grid(&conn, "fashion-mnist", 2, 8);
    drop(conn);
    let s = write_report(&dir, &ReportOptions::default()).expect("report");
    let html = std::fs::read_to_string(&s.html).expect("html");

    // Self-contained: nothing is fetched from anywhere.
    for needle in ["src=\"http", "href=\"http", "src=\"figures/", "<link"] {
        assert!(
            !html.contains(needle),
            "report.html must not reference {needle}"
        );
    }
    let n_png = s
        .figures
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
        .count();
    assert_eq!(html.matches("data:image/png;base64,").count(), n_png);

    if !Path::new(CHROMIUM).exists() {
        // CI installs Chromium (and sets `CI` and this), so there the check can never be skipped.
        let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"));
        assert!(
            std::env::var_os("MLPLAB_REQUIRE_CHROMIUM").is_none() && !ci,
            "CI or MLPLAB_REQUIRE_CHROMIUM is set but {CHROMIUM} is missing: this check may not skip"
        );
        println!(
            "SKIPPED: {CHROMIUM} not found; install the Debian packages chromium and chromium-driver to run this check"
        );
        return;
    }
    let html_abs = s.html.canonicalize().expect("abs path");
    let profile = dir.join("chromium-profile");
    let dom = dump_dom(&html_abs, &profile);
    let total = body_attr(&dom, "data-images-total").expect("the page's load script ran");
    let loaded = body_attr(&dom, "data-images-loaded").expect("loaded count");
    let tables = body_attr(&dom, "data-tables").expect("table count");
    assert_eq!(total, n_png, "one <img> per figure");
    assert_eq!(loaded, total, "every figure decoded in Chromium");
    assert_eq!(tables, s.tables, "every table is in the DOM");
    assert!(dom.contains("Claims of the original report"));
    assert!(
        dom.contains("0.7705"),
        "Fashion-MNIST SGD CV acc of the original"
    );
}
