//! Records the git commit the binary was built from (`MLPLAB_GIT_COMMIT`): the short hash,
//! with `-dirty` appended when the files the binary is built from (`SOURCES`) differ from
//! that commit (changed, staged or untracked), or "unknown" without git or outside a
//! repository. Reruns when HEAD or its branch moves, or when one of `SOURCES` changes.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Watches `path` if it exists (cargo reruns on every build for a missing one).
fn watch(path: Option<String>) {
    if let Some(p) = path.filter(|p| std::path::Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={p}");
    }
}

/// What the binary is built from: a change here makes the build `-dirty`. (A change in
/// `tests/` or `docs/` does not change what a run computes.)
const SOURCES: &[&str] = &[
    "src",
    "assets",
    "experiments",
    "scripts",
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
];

/// `Some(true)` when `git status` lists a change in `SOURCES`, `None` when git cannot say.
fn dirty() -> Option<bool> {
    let mut args = vec!["status", "--porcelain", "--"];
    args.extend(SOURCES);
    let out = Command::new("git").args(&args).output().ok()?;
    out.status.success().then_some(!out.stdout.is_empty())
}

fn main() {
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) if dirty() == Some(true) => format!("{hash}-dirty"),
        Some(hash) => hash,
        None => "unknown".into(),
    };
    println!("cargo:rustc-env=MLPLAB_GIT_COMMIT={commit}");
    // In a worktree `.git` is a file; ask git where HEAD and the refs really are.
    watch(git(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "HEAD",
    ]));
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            &reference,
        ]));
    }
    watch(git(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "packed-refs",
    ]));
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
    }
}
