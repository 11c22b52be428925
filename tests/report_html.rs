//! report.html rendered in headless Chromium: every figure decodes, the tables are there,
//! every table-of-contents link resolves, and the page printed to PDF (`--print-to-pdf`)
//! still holds every table column header (read back with poppler's `pdftotext`). Skips
//! (with a message) when `/usr/bin/chromium` or `pdftotext` is absent, unless `CI` is set;
//! `.ci/run` installs the Debian packages `chromium`, `chromium-driver` and `poppler-utils`.

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

/// True when `CI` is set (to anything but empty, 0 or false).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Every `id="…"` of the page, and every `href="#…"` target.
fn ids_and_local_links(html: &str) -> (Vec<String>, Vec<String>) {
    let grab = |key: &str| -> Vec<String> {
        html.split(key)
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(String::from))
            .collect()
    };
    (grab(" id=\""), grab(" href=\"#"))
}

/// The text of every `<th>` of the page, tags stripped and entities decoded.
fn column_headers(html: &str) -> Vec<String> {
    html.split("<th>")
        .skip(1)
        .filter_map(|rest| rest.split("</th>").next())
        .map(|h| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in h.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .collect()
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn chromium_args() -> [&'static str; 9] {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=10000",
    ]
}

/// Prints the page to `pdf` with Chromium (no header or footer).
fn print_to_pdf(html: &Path, profile: &Path, pdf: &Path) {
    let out = Command::new(CHROMIUM)
        .args(chromium_args())
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success() && pdf.is_file(),
        "chromium --print-to-pdf failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn dump_dom(html: &Path, profile: &Path) -> String {
    let out = Command::new(CHROMIUM)
        .args(chromium_args())
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

    // Every heading has a unique id, and every table-of-contents link names one of them.
    let (ids, links) = ids_and_local_links(&html);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids are unique: {ids:?}");
    assert!(links.len() >= 6, "a table of contents: {links:?}");
    for l in &links {
        assert!(ids.contains(l), "link #{l} has no element with that id");
    }
    for h in [
        "provenance",
        "contents",
        "claims-of-the-original-report-checked",
    ] {
        assert!(ids.iter().any(|i| i == h), "a section with id {h}");
    }
    assert!(html.contains("@media print"), "print styles");
    // Figures at their native pixel size: each <img> carries its PNG's own width × height.
    for png in s
        .figures
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
    {
        let (w, h) = image::image_dimensions(png).expect("png size");
        assert!(
            html.contains(&format!("width=\"{w}\" height=\"{h}\"")),
            "{} is shown at {w}×{h}",
            png.display()
        );
    }
    assert!(
        html.contains("<div class=\"figrow\">"),
        "figures share rows"
    );

    if !Path::new(CHROMIUM).exists() {
        // CI installs Chromium (and sets `CI` and this), so there the check can never be skipped.
        let ci = in_ci();
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
    let toc = body_attr(&dom, "data-toc-links").expect("toc link count");
    assert_eq!(toc, links.len(), "every contents link is in the DOM");
    assert_eq!(
        body_attr(&dom, "data-toc-resolved"),
        Some(toc),
        "every contents link resolves to an element in Chromium"
    );
    assert!(dom.contains("Claims of the original report"));
    assert!(
        dom.contains("0.7705"),
        "Fashion-MNIST SGD CV acc of the original"
    );
}

#[test]
fn printed_to_pdf_every_table_column_header_is_there() {
    let dir = study_dir("html-pdf");
    let conn = create_db(&dir, "1");
    paper_grid(&conn, "fashion-mnist", 2, 6);
    drop(conn);
    let s = write_report(&dir, &ReportOptions::default()).expect("report");
    let html = std::fs::read_to_string(&s.html).expect("html");
    let headers = column_headers(&html);
    assert!(headers.len() > 20, "{headers:?}");

    let pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    if !Path::new(CHROMIUM).exists() || !pdftotext {
        assert!(
            !in_ci(),
            "CI is set but {CHROMIUM} or pdftotext (poppler-utils) is missing: this check may not skip"
        );
        println!(
            "SKIPPED: needs {CHROMIUM} and pdftotext; install the Debian packages chromium and poppler-utils to run this check"
        );
        return;
    }
    let pdf = dir.join("report.pdf");
    print_to_pdf(
        &s.html.canonicalize().expect("abs path"),
        &dir.join("chromium-profile"),
        &pdf,
    );
    let txt = dir.join("report.txt");
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg(&txt)
        .output()
        .expect("run pdftotext");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = no_space(&std::fs::read_to_string(&txt).expect("pdf text"));
    let missing: Vec<&String> = headers
        .iter()
        .filter(|h| !text.contains(&no_space(h)))
        .collect();
    assert!(
        missing.is_empty(),
        "column headers cut from the PDF ({} of {}): {missing:?} (text in {})",
        missing.len(),
        headers.len(),
        txt.display()
    );
}
