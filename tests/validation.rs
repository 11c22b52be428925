//! Nothing silently wrong, end to end through the binary: a diverged run ends `diverged`
//! (exit 3) whatever the loss, naming the step and the quantity; non-finite initial weights,
//! a loss without its output, a study name that is a path, a network too large for the
//! memory, an absurd thread count and an unwritable `--save-weights` are refused before
//! anything trains.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mlplab::nn::error::Error;
use mlplab::nn::{activation::Activation, init::Init, loss::Loss, network::*};
use mlplab::store::{Status, StudyReader};
use mlplab::train::{Samples, TrainConfig, fit};

const BIN: &str = env!("CARGO_BIN_EXE_mlplab");
const DATA: [&str; 4] = ["--dataset", "blobs:n=500", "--split", "full:100"];

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-valid-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `mlplab train` on the small blobs set with `args`, recording into `out`.
fn train(out: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("train")
        .args(DATA)
        .args(["--out", &out.display().to_string()])
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The run statuses and errors of the study in `out` (none when no database was made).
fn runs(out: &Path) -> Vec<(Status, Option<String>)> {
    let db = out.join("mlplab.db");
    if !db.exists() {
        return Vec::new();
    }
    let reader = StudyReader::open(&db).unwrap();
    reader
        .runs()
        .unwrap()
        .into_iter()
        .map(|r| (r.status, r.error))
        .collect()
}

/// Refused before training: exit 1, the message holds every word, and no run was left
/// `running` (or recorded at all).
fn refused(out: &Path, o: &Output, words: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    for w in words {
        assert!(t.contains(w), "{t:?} should mention {w:?}");
    }
    assert!(runs(out).is_empty(), "{t}: {:?}", runs(out));
}

#[test]
fn divergence_with_cross_entropy_at_lambda_zero_is_diverged_naming_the_quantity() {
    // cce used to clamp NaN outputs to a finite cost: the run ended `done` with NaN norms.
    for (loss, output) in [("cce", "softmax"), ("bce", "sigmoid")] {
        let out = dir(&format!("div-{loss}"));
        let o = train(
            &out,
            &[
                "--hidden", "16", "--epochs", "5", "--lr", "1000", "--l2", "0", "--loss", loss,
                "--output", output,
            ],
        );
        let t = text(&o);
        assert_eq!(o.status.code(), Some(3), "{loss}: {t}");
        let r = runs(&out);
        assert_eq!(r.len(), 1, "{t}");
        assert_eq!(r[0].0, Status::Diverged, "{loss}: {r:?}");
        let e = r[0].1.clone().unwrap_or_default();
        assert!(e.starts_with("diverged at step "), "{e}");
        assert!(
            ["cost is", "gradient of layer", "became", "norm of"]
                .iter()
                .any(|q| e.contains(q)),
            "{e} should name the quantity"
        );
        assert!(e.contains("NaN") || e.contains("inf"), "{e}");
        std::fs::remove_dir_all(&out).ok();
    }
}

#[test]
fn a_nan_in_the_initial_weights_is_refused_at_load() {
    let out = dir("nan-init");
    let weights = out.join("w.safetensors");
    let w = weights.display().to_string();
    let o = train(
        &out.join("first"),
        &["--hidden", "4", "--epochs", "1", "--save-weights", &w],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The first value of the data block becomes NaN.
    let mut bytes = std::fs::read(&weights).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    bytes[8 + header..8 + header + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&weights, bytes).unwrap();
    let o = train(
        &out.join("second"),
        &["--hidden", "4", "--epochs", "1", "--init-weights", &w],
    );
    refused(
        &out.join("second"),
        &o,
        &[&w, "layers.", "is NaN", "initial weights must be finite"],
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn a_network_with_non_finite_parameters_cannot_train_into_done() {
    // Through the library: from_params refuses a NaN, and a network made non-finite after
    // construction diverges at step 0, before any step.
    let arch = Architecture::mlp(2, &[4], Activation::Relu, 2, Activation::Softmax);
    let mut params = vec![0.1f32; arch.parameter_count()];
    params[3] = f32::NAN;
    let e = Network::from_params(arch.clone(), params)
        .unwrap_err()
        .to_string();
    assert!(e.contains("layer 1 weight #3 is NaN"), "{e}");
    let x = [0.0f32, 1.0, 1.0, 0.0];
    let data = Samples::new(&x, &[0, 1], 2, 2).unwrap();
    let mut net = Network::<f32>::new(arch, Init::HeUniform, 0).unwrap();
    net.params_mut()[9] = f32::INFINITY; // W1 is 2×4 (0..8): index 9 is bias 1 of layer 1
    let cfg = TrainConfig {
        epochs: 2,
        batch_size: 2,
        loss: Loss::Cce,
        ..Default::default()
    };
    match fit(net, &cfg, &data, &[data], &mut ()) {
        Err(Error::Diverged {
            step: 0, quantity, ..
        }) => assert!(quantity.contains("layer 1 biases are inf"), "{quantity}"),
        other => panic!("expected divergence at step 0, got {other:?}"),
    }
}

#[test]
fn a_loss_without_its_output_is_refused_unless_allowed() {
    for output in ["sigmoid", "relu", "tanh"] {
        let out = dir(&format!("mismatch-{output}"));
        let o = train(
            &out,
            &[
                "--hidden", "8", "--epochs", "1", "--loss", "cce", "--output", output,
            ],
        );
        refused(
            &out,
            &o,
            &[
                "train.loss = cce",
                "network.output = softmax",
                "network.allow_mismatch",
            ],
        );
        let o = train(
            &out,
            &[
                "--hidden",
                "8",
                "--epochs",
                "1",
                "--loss",
                "cce",
                "--output",
                output,
                "--set",
                "network.allow_mismatch=true",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        std::fs::remove_dir_all(&out).ok();
    }
}

#[test]
fn a_study_name_that_is_a_path_is_refused() {
    let base = dir("names");
    let cwd = base.join("a").join("b");
    std::fs::create_dir_all(&cwd).unwrap();
    for name in ["../../escaped", "/tmp/mlplab-abs-escape", "..", "x/y"] {
        let file = cwd.join("exp.toml");
        std::fs::write(
            &file,
            format!(
                "name = {name:?}\n[data]\ndataset = \"blobs:n=200\"\nsplit = {{ kind = \"full\", \
                 cv_size = 50 }}\n[network]\nhidden = [4]\n[train]\nepochs = 1\n"
            ),
        )
        .unwrap();
        let o = Command::new(BIN)
            .current_dir(&cwd)
            .args(["sweep", "exp.toml"])
            .output()
            .unwrap();
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {t}");
        assert!(
            t.contains("not a valid study name") && t.contains("--out"),
            "{t}"
        );
        assert!(
            !base.join("escaped").exists() && !cwd.join("studies").exists(),
            "{t}"
        );
        assert!(!Path::new("/tmp/mlplab-abs-escape").exists(), "{t}");
    }
    std::fs::remove_dir_all(&base).ok();
}

#[test]
fn a_network_too_large_for_memory_is_refused_before_allocating() {
    let out = dir("huge");
    // 2 × 10¹¹ weights: far beyond any machine (an abort, exit 134, used to leave it `running`).
    let o = train(&out, &["--hidden", "100000000000", "--epochs", "1"]);
    if Path::new("/proc/meminfo").exists() {
        refused(
            &out,
            &o,
            &["needs about", "TiB", "available", "MemAvailable"],
        );
    } else {
        refused(&out, &o, &["cannot allocate"]);
    }
    // Widths whose parameter count overflows: an error, not a wrapped count or a panic.
    let huge = format!("network.hidden=[{}, 4]", usize::MAX / 2);
    let o = train(&out, &["--epochs", "1", "--set", &huge]);
    refused(&out, &o, &["overflows"]);
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn an_absurd_thread_count_is_refused() {
    let out = dir("threads");
    let cap = mlplab::train::max_threads();
    let o = train(
        &out,
        &["--hidden", "4", "--epochs", "1", "--threads", "10000"],
    );
    refused(
        &out,
        &o,
        &["train.threads = 10000", &format!("at most {cap}")],
    );
    let over = (cap + 1).to_string();
    let o = train(
        &out,
        &["--hidden", "4", "--epochs", "1", "--threads", &over],
    );
    refused(&out, &o, &["at most"]);
    // More than the cores but under the cap: a warning, and the run trains.
    let some = (mlplab::train::cores() + 1).to_string();
    let o = train(
        &out,
        &["--hidden", "4", "--epochs", "1", "--threads", &some],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("warning: train.threads") && t.contains("cores"),
        "{t}"
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn save_weights_that_cannot_be_written_is_an_error_before_training() {
    let out = dir("save");
    let folder = out.join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    let missing = out.join("no-such-folder").join("w.safetensors");
    for (target, word) in [(&folder, "is a folder"), (&missing, "does not exist")] {
        let study = out.join("study");
        let t = target.display().to_string();
        let o = train(
            &study,
            &["--hidden", "4", "--epochs", "1", "--save-weights", &t],
        );
        refused(&study, &o, &["--save-weights", &t, word]);
    }
    // A writable target still works, and the probe leaves no file behind when refused.
    let good = out.join("w.safetensors");
    let o = train(
        &out.join("study"),
        &[
            "--hidden",
            "4",
            "--epochs",
            "1",
            "--save-weights",
            &good.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(good.is_file());
    std::fs::remove_dir_all(&out).ok();
}
