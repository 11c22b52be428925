//! `deploy/kubernetes/`: the manifests validate offline against the Kubernetes schemas of the
//! minimum version they state (1.29) and of the newest one `kubernetes-validate` knows, they
//! do not validate against 1.28's (so the stated minimum is real), and they agree with each
//! other and with the image deploy/Containerfile builds: one pinned tag, the crate's version,
//! pulled only if not present; the claims the Jobs mount are defined; the shard count equals
//! the completions.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::in_ci;

const MANIFESTS: [&str; 3] = ["storage.yaml", "sweep-job.yaml", "merge-job.yaml"];

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

fn read(name: &str) -> String {
    let p = deploy().join("kubernetes").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The trimmed values of every `key: value` line (comments removed, quotes kept off).
fn values(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.split(" #").next().unwrap_or(l).trim();
            let l = l.strip_prefix("- ").unwrap_or(l);
            l.strip_prefix(key)
                .and_then(|v| v.strip_prefix(':'))
                .map(|v| v.trim().trim_matches('"').to_string())
        })
        .collect()
}

#[test]
fn manifests_agree_with_each_other_and_the_image() {
    let tag = format!("mlplab:{}", env!("CARGO_PKG_VERSION"));
    for job in ["sweep-job.yaml", "merge-job.yaml"] {
        let text = read(job);
        assert_eq!(
            values(&text, "image"),
            [tag.as_str()],
            "{job}: the pinned tag"
        );
        assert_eq!(values(&text, "imagePullPolicy"), ["IfNotPresent"], "{job}");
        assert!(text.contains("runAsNonRoot: true"), "{job}: non-root");
        assert!(
            text.contains("Kubernetes ≥ 1.29"),
            "{job}: the minimum version"
        );
        // Every claim mounted is defined in storage.yaml.
        let defined = values(&read("storage.yaml"), "name");
        for claim in values(&text, "claimName") {
            assert!(
                defined.contains(&claim),
                "{job}: claim {claim} is not defined"
            );
        }
        let journal = text
            .find("name: MLPLAB_JOURNAL")
            .expect("MLPLAB_JOURNAL set");
        assert!(
            text[journal..]
                .lines()
                .nth(1)
                .unwrap()
                .contains("value: delete"),
            "{job}: the rollback journal on the shared claim"
        );
    }
    let sweep = read("sweep-job.yaml");
    let completions = values(&sweep, "completions");
    let count = sweep.find("name: MLPLAB_SHARD_COUNT").unwrap();
    let count = values(sweep[count..].lines().nth(1).unwrap(), "value");
    assert_eq!(
        completions, count,
        "MLPLAB_SHARD_COUNT must equal completions"
    );
    let kustomization = read("kustomization.yaml");
    assert_eq!(
        values(&kustomization, "newTag"),
        [env!("CARGO_PKG_VERSION")]
    );
    for r in values(&kustomization, "resources")
        .into_iter()
        .chain(["storage.yaml".into(), "sweep-job.yaml".into()])
        .filter(|r| !r.is_empty())
    {
        assert!(deploy().join("kubernetes").join(&r).is_file(), "{r}");
        assert!(
            kustomization.contains(&format!("- {r}")),
            "{r} not in resources"
        );
    }
    assert_eq!(
        values(&read("storage.yaml"), "storageClassName").len(),
        2,
        "both claims name the class the kustomization replaces"
    );
    let containerfile = std::fs::read_to_string(deploy().join("Containerfile")).unwrap();
    assert!(
        containerfile.contains(&format!("-t {tag} .")),
        "Containerfile builds {tag}"
    );
    assert!(containerfile.contains("USER 10001"));
    for m in MANIFESTS {
        assert!(!read(m).contains(":latest"), "{m}: no :latest");
    }
}

/// `kubernetes-validate` (the Python package): on PATH, or skipped with a message outside CI.
fn validator() -> Option<Command> {
    let found = Command::new("kubernetes-validate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(Command::new("kubernetes-validate"));
    }
    let why = "kubernetes-validate is not on PATH (pip install kubernetes-validate; .ci/run \
               installs it in its virtual environment)";
    assert!(
        !in_ci(),
        "CI is set, so the manifest validation may not skip: {why}"
    );
    eprintln!("skipped: {why}");
    None
}

#[test]
fn manifests_validate_against_the_kubernetes_schemas() {
    let Some(_) = validator() else { return };
    let dir = deploy().join("kubernetes");
    let run = |version: &str, files: &[&str]| {
        let out = validator()
            .unwrap()
            .args(["--strict", "-k", version])
            .args(files)
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    for version in ["1.29.0", "1.33.0"] {
        let (ok, text) = run(version, &MANIFESTS);
        assert!(ok, "against Kubernetes {version}:\n{text}");
        assert_eq!(text.matches("passed").count(), 4, "4 resources:\n{text}");
    }
    // 1.28's schema still required onPodConditions in a podFailurePolicy rule.
    let (ok, text) = run("1.28.0", &["sweep-job.yaml"]);
    assert!(!ok, "the sweep Job should need ≥ 1.29:\n{text}");
}
