//! Helpers shared by the data integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A fresh, empty folder under the system temp dir, unique to this process and `tag`.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `shared/data`: `$MLPLAB_SHARED_DATA`, else `$CARGO_MANIFEST_DIR/../shared/data`; `None`
/// (with a message saying the test is skipped) if it is not there.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("MLPLAB_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.join("mnist").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: no shared data at {} (set MLPLAB_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

/// Options that can never touch the network or the user's folders: everything in `root`.
pub fn isolated(root: &std::path::Path) -> mlplab::data::LoadOptions {
    mlplab::data::LoadOptions {
        data_dir: Some(root.join("data")),
        cache_dir: Some(root.join("cache")),
        system_dir: root.join("system"),
        offline: true,
        ..Default::default()
    }
}
