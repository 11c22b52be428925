//! Helpers shared by the data integration tests.
#![allow(dead_code)]

pub mod cli;

use std::path::PathBuf;

/// A fresh, empty folder under the system temp dir, unique to this process and `tag`.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// True under continuous integration: the environment variable `CI` is set to anything but
/// `""`, `"0"` or `"false"` (GitHub Actions and GitLab set `CI=true`; `.ci/run` sets it too).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// `shared/data` (`$MLPLAB_SHARED_DATA`, else `$CARGO_MANIFEST_DIR/../shared/data`) when it
/// holds a folder for each of `datasets`. Otherwise `None`, with a message saying that `test`
/// is skipped — except under CI ([`in_ci`]), where missing data fails the test instead: a
/// test that passes there by skipping would check nothing.
pub fn shared_data(test: &str, datasets: &[&str]) -> Option<PathBuf> {
    let dir = std::env::var_os("MLPLAB_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let missing: Vec<&str> = datasets
        .iter()
        .copied()
        .filter(|d| !dir.join(d).is_dir())
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    let why = format!(
        "{test}: no {} under the shared data folder {} (set MLPLAB_SHARED_DATA to the folder that holds them)",
        missing.join(", "),
        dir.display()
    );
    assert!(!in_ci(), "CI is set, so this test may not skip: {why}");
    eprintln!("SKIPPED {why}");
    None
}

/// Options that can never touch the network or the user's folders: everything in `root`.
/// The data dir `root/data` is created (an explicit data dir must exist).
pub fn isolated(root: &std::path::Path) -> mlplab::data::LoadOptions {
    std::fs::create_dir_all(root.join("data")).unwrap();
    mlplab::data::LoadOptions {
        data_dir: Some(root.join("data")),
        cache_dir: Some(root.join("cache")),
        system_dir: root.join("system"),
        offline: true,
        ..Default::default()
    }
}
