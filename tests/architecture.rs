//! The folders of `src/` are layers (docs/architecture.md): a layer's code imports only the
//! layers below it. This reads every `use crate::…` line of the library and fails on one
//! that reaches up.

use std::path::Path;

/// Each layer and the layers it may import, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    ("stats", &[]),
    ("nn", &[]),
    ("train", &["nn"]),
    ("data", &["nn"]),
    ("experiment", &["nn", "train", "data"]),
    ("store", &["nn", "train", "experiment"]),
    (
        "runner",
        &["stats", "nn", "train", "data", "experiment", "store"],
    ),
    (
        "report",
        &["stats", "nn", "train", "data", "experiment", "store"],
    ),
    (
        "study",
        &[
            "stats",
            "nn",
            "train",
            "data",
            "experiment",
            "store",
            "runner",
            "report",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers named by `use crate::…` lines (a `use crate::{a::x, b::y}` names both).
fn imported_layers(line: &str) -> Vec<String> {
    let Some(rest) = line.trim_start().strip_prefix("use crate::") else {
        return Vec::new();
    };
    let names: Vec<&str> = match rest.strip_prefix('{') {
        Some(group) => group.split(',').collect(),
        None => vec![rest],
    };
    names
        .iter()
        .filter_map(|n| n.trim().split("::").next())
        .map(|n| n.trim_end_matches([';', '}']).to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ has no files");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file is readable");
            for (i, line) in text.lines().enumerate() {
                for imported in imported_layers(line) {
                    let known = LAYERS.iter().any(|(l, _)| *l == imported);
                    if known && imported != *layer && !allowed.contains(&imported.as_str()) {
                        violations.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports that reach up a layer:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    assert_eq!(imported_layers("use crate::report::Report;"), ["report"]);
    assert_eq!(
        imported_layers("    use crate::{nn::rng::Rng, store::Status};"),
        ["nn", "store"]
    );
    assert!(imported_layers("// use crate::report").is_empty());
}
