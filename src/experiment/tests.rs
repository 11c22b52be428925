use super::settings::Setting;
use super::*;
use crate::nn::optim::OptimizerKind;

fn err(text: &str) -> ExperimentError {
    match Experiment::from_toml(text, "x.toml") {
        Ok(e) => panic!("expected an error, got {} runs", e.runs.len()),
        Err(e) => e,
    }
}

/// The presets whose rates `mlplab tune` chose (docs/learning-rates/NAME.toml).
const TUNED: [&str; 6] = [
    "paper-mnist",
    "paper-fashion-mnist",
    "paper-cifar10-jpeg",
    "paper-mnist-cce",
    "paper-fashion-mnist-cce",
    "paper-cifar10-jpeg-cce",
];

#[test]
fn presets_expand_to_the_study_grid() {
    for p in PRESETS {
        let exp = p.experiment().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(exp.name, p.name);
        assert_eq!(exp.runs.len(), 32 * 5, "{}: 32 cells × 5 seeds", p.name);
        for r in &exp.runs {
            assert_eq!(r.data.dataset, p.dataset);
            assert!((1..=5).contains(&r.train.seed));
            assert_eq!(r.data.evaluate_test, TestEval::Final);
            assert_eq!(r.train.batch_size, 100);
            // Tuned presets are checked against their tuning record (tests/tune.rs); the
            // others keep the 10-epoch scan's rates of docs/learning-rates.md.
            if TUNED.contains(&p.name) {
                continue;
            }
            let cifar = p.dataset.starts_with("cifar");
            let expected = match (r.train.optimizer.kind, p.paper, cifar) {
                (OptimizerKind::Sgd | OptimizerKind::Momentum, true, false) => 0.5,
                (OptimizerKind::Sgd | OptimizerKind::Momentum, false, false) => 0.1,
                (OptimizerKind::RmsProp | OptimizerKind::Adam, true, false) => 1e-3,
                (OptimizerKind::RmsProp | OptimizerKind::Adam, false, false) => 3e-4,
                (OptimizerKind::Sgd, true, true) => 0.1,
                (OptimizerKind::Momentum, true, true) => 0.3,
                (OptimizerKind::Sgd | OptimizerKind::Momentum, false, true) => 0.03,
                (OptimizerKind::RmsProp | OptimizerKind::Adam, _, true) => 1e-4,
                (OptimizerKind::Lbfgs, _, _) => continue, // no rate: its line search steps
            };
            assert_eq!(
                r.train.optimizer.lr, expected,
                "{} {}",
                p.name, r.train.optimizer.kind
            );
        }
        let epochs = if p.dataset.starts_with("cifar") {
            40
        } else {
            20
        };
        assert!(exp.runs.iter().all(|r| r.train.epochs == epochs));
    }
    let jpeg = preset("paper-cifar10-jpeg").unwrap().experiment().unwrap();
    assert_eq!(
        jpeg.runs[0].data.split,
        crate::data::Split::PerClass { k: 1000 }
    );
}

#[test]
fn lists_multiply_in_grid_order() {
    let exp = Experiment::from_toml(
        "[optimizer]\nkind = [\"sgd\", \"adam\"]\nlr = [0.1, 0.01]\n[regularization]\nl2 = [0, 1, 2]\n",
        "x.toml",
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 12);
    let first = &exp.runs[0].train;
    assert_eq!(
        (
            first.optimizer.kind,
            first.optimizer.lr,
            first.regularization.l2
        ),
        (OptimizerKind::Sgd, 0.1, 0.0)
    );
    let second = &exp.runs[1].train;
    assert_eq!(
        second.regularization.l2, 1.0,
        "the last field varies fastest"
    );
    assert_eq!(exp.runs[11].train.optimizer.kind, OptimizerKind::Adam);
}

#[test]
fn hidden_is_one_value_unless_a_list_of_lists() {
    let one = Experiment::from_toml("[network]\nhidden = [64, 32]", "x").unwrap();
    assert_eq!(one.runs.len(), 1);
    assert_eq!(one.runs[0].network.hidden, vec![64, 32]);
    let two = Experiment::from_toml("[network]\nhidden = [[64, 32], [16]]", "x").unwrap();
    assert_eq!(two.runs.len(), 2);
    assert_eq!(two.runs[1].network.hidden, vec![16]);
}

#[test]
fn run_entries_make_non_product_grids() {
    let exp = Experiment::from_toml(
        r#"
[train]
epochs = 3
[regularization]
l2 = [0, 1]
[[run]]
optimizer = { kind = "sgd", lr = 0.5 }
[[run]]
optimizer.kind = "adam"
optimizer.lr = [1e-3, 1e-4]
train.epochs = 5
"#,
        "x.toml",
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 2 + 4);
    assert_eq!(exp.runs[0].train.optimizer.lr, 0.5);
    assert_eq!(exp.runs[0].train.epochs, 3);
    assert_eq!(exp.runs[2].train.optimizer.kind, OptimizerKind::Adam);
    assert_eq!(exp.runs[5].train.optimizer.lr, 1e-4);
    assert_eq!(exp.runs[5].train.epochs, 5);
}

#[test]
fn duplicate_runs_are_dropped() {
    let exp = Experiment::from_toml(
        "[[run]]\ntrain.seed = 1\n[[run]]\ntrain.seed = [1, 2]\n",
        "x",
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 2);
}

#[test]
fn unknown_key_names_line_and_closest_key() {
    let e = err("name = \"a\"\n\n[optimizer]\nkind = \"sgd\"\nlearning_rate = 0.1\n");
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("`learning_rate`"), "{e}");
    assert!(
        e.message.contains("did you mean `weight_decay`") || e.message.contains("did you mean"),
        "{e}"
    );
    let e = err("[optimiser]\nkind = \"sgd\"\n");
    assert_eq!(e.line, Some(1), "{e}");
    assert!(e.message.contains("did you mean `optimizer`"), "{e}");
    let e = err("[train]\nepoch = 3\n");
    assert!(e.message.contains("did you mean `epochs`"), "{e}");
    assert_eq!(e.line, Some(2));
    let e = err("[optimizer]\nkind = [\"sgd\"]\nlr = { sdg = 0.1 }\n");
    assert!(e.message.contains("did you mean `sgd`"), "{e}");
    assert_eq!(e.line, Some(3));
}

#[test]
fn wrong_types_name_the_line() {
    let e = err("[train]\nbatch_size = \"big\"\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("string"), "{e}");
    let e = err("[optimizer]\nkind = \"adagrad\"\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(
        e.message.contains("valid: sgd, momentum, rmsprop, adam"),
        "{e}"
    );
    let e = err("[regularization]\nl2 = [0, \"x\"]\n");
    assert!(e.message.contains("list element 2"), "{e}");
    let e = err("[network]\nactivation = \"swish\"\n");
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn out_of_range_values_are_rejected_with_line() {
    for (text, line, needle) in [
        ("[optimizer]\nlr = 0\n", 2, "optimizer.lr = 0"),
        ("[optimizer]\nlr = [0.1, -1]\n", 2, "optimizer.lr = -1"),
        (
            "[optimizer]\nkind = \"adam\"\nlr = { adam = -0.1 }\n",
            3,
            "optimizer.lr.adam",
        ),
        ("[train]\nbatch_size = 0\n", 2, "train.batch_size = 0"),
        ("[train]\nepochs = 0\n", 2, "train.epochs = 0"),
        ("[optimizer]\nbeta1 = 1.0\n", 2, "optimizer.beta1 = 1"),
        (
            "\n[optimizer]\nbeta2 = [0.9, 0]\n",
            3,
            "optimizer.beta2 = 0",
        ),
        (
            "[regularization]\nl2 = -1\n",
            2,
            "regularization.l2 (λ) = -1",
        ),
        ("[network]\nhidden = []\n", 2, "empty"),
        ("[network]\nhidden = [10, 0]\n", 2, "widths must be ≥ 1"),
        (
            "[data]\ndataset = \"cifar10\"\n[network]\ninputs = 784\n",
            4,
            "3072",
        ),
    ] {
        let e = err(text);
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.to_string().contains(needle), "{text}: {e}");
    }
}

#[test]
fn lr_table_must_cover_every_optimizer() {
    let e = err("[optimizer]\nkind = [\"sgd\", \"adam\"]\nlr = { sgd = 0.1 }\n");
    assert!(e.message.contains("no entry for `adam`"), "{e}");
}

#[test]
fn zero_runs_is_an_error() {
    let e = err("[regularization]\nl2 = []\n");
    assert!(e.message.contains("zero runs"), "{e}");
}

fn flags(list: &[(&str, &str, &str)]) -> Overrides {
    let mut o = Overrides::default();
    for (path, flag, value) in list {
        let v: toml::Value = value.parse().unwrap();
        o.shortcut(path, flag, Some(v)).unwrap();
    }
    o
}

#[test]
fn overrides_replace_fields_and_are_validated() {
    let o = flags(&[
        ("train.epochs", "--epochs", "2"),
        ("optimizer.lr", "--lr", "0.3"),
    ]);
    let exp = Experiment::single(&o).unwrap();
    assert_eq!(exp.runs[0].train.epochs, 2);
    assert_eq!(exp.runs[0].train.optimizer.lr, 0.3);
    let bad = flags(&[("optimizer.lr", "--lr", "-1.0")]);
    assert!(
        Experiment::single(&bad)
            .unwrap_err()
            .to_string()
            .contains("--lr")
    );
    let bad = flags(&[("train.batch_size", "--batch-size", "0")]);
    assert!(
        Experiment::single(&bad)
            .unwrap_err()
            .to_string()
            .contains("--batch-size 0")
    );
}

#[test]
fn keys_are_stable_and_canonical() {
    let a = RunConfig::default();
    let json = a.canonical_json();
    let back: RunConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    assert_eq!(back.key(), a.key());
    assert_eq!(a.key().len(), 64);
}

#[test]
fn edit_distance_works() {
    use super::suggest::{closest, edit_distance};
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(
        closest("optimzer", ["data", "optimizer", "train"]),
        Some("optimizer")
    );
}

/// The keys of the experiment files as they were when the settings table replaced the old
/// schema (frozen in tests/fixtures/experiments-v1: the presets have since moved to 5 seeds
/// and a final test evaluation) and of a few hand-made configurations, hashed together, so
/// that no existing run changes identity.
#[test]
fn existing_run_keys_are_unchanged() {
    use sha2::{Digest, Sha256};
    let mut all = String::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/experiments-v1");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // The presets were those files, in PRESETS' order.
    for p in PRESETS {
        let f = std::path::Path::new(dir).join(format!("{}.toml", p.name));
        for r in Experiment::from_file(&f).unwrap().runs {
            all.push_str(&r.key());
        }
    }
    for f in files {
        for r in Experiment::from_file(&f).unwrap().runs {
            all.push_str(&r.key());
        }
    }
    let mut a = RunConfig::default();
    all.push_str(&a.key());
    a.network.hidden = vec![7, 5];
    a.data.dataset = "spirals:n=200,test=0".into();
    a.data.split = crate::data::Split::Full { cv_size: Some(50) };
    a.train.optimizer.dampening = Some(0.0);
    a.train.optimizer.weight_decay = 0.01;
    a.train.regularization.scale = crate::nn::regularization::PenaltyScale::Batch;
    a.network.init_weights = Some("w.safetensors".into());
    all.push_str(&a.key());
    let digest: String = Sha256::digest(all.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        "3e78162096156052a8a165b4f462c93a7e95a108ef330a5d026c7ba5aa9a9420"
    );
}

/// The value at a setting's JSON path of a run.
fn at(run: &RunConfig, s: &Setting) -> serde_json::Value {
    super::json::get(&run.settings_json(), s.json)
        .cloned()
        .unwrap_or_default()
}

fn example(s: &Setting) -> serde_json::Value {
    let v: toml::Value = toml::from_str::<toml::Table>(&format!("x = {}", s.example))
        .unwrap()
        .remove("x")
        .unwrap();
    super::json::from_toml(v).unwrap()
}

#[test]
fn every_setting_can_be_set_in_a_file_and_with_set() {
    for s in SETTINGS {
        let want = example(s);
        assert_ne!(
            Some(&want),
            default_of(s).as_ref(),
            "{}: example is the default",
            s.path
        );
        // An output other than softmax needs a loss made for it (bce for sigmoid).
        let (companion, loss) = if s.path == "network.output" {
            ("[train]\nloss = \"bce\"\n", "train.loss = \"bce\"\n")
        } else {
            ("", "")
        };
        let file = format!(
            "[{}]\n{} = {}\n{companion}",
            s.section(),
            s.key(),
            s.example
        );
        let exp = Experiment::from_toml(&file, "x.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(exp.runs.len(), 1, "{file}");
        assert_eq!(at(&exp.runs[0], s), want, "{file}");
        let mut o = Overrides::default();
        o.push(format!("{}={}", s.path, s.example).parse().unwrap());
        if !loss.is_empty() {
            o.push("train.loss=bce".parse().unwrap());
        }
        let run = &Experiment::single(&o)
            .unwrap_or_else(|e| panic!("{e}"))
            .runs[0];
        assert_eq!(at(run, s), want, "--set {}", s.path);
        // Through a [[run]] entry and as a one-element list too.
        let entry = format!("[[run]]\n{} = [{}]\n{loss}", s.path, s.example);
        let exp = Experiment::from_toml(&entry, "x.toml");
        if s.form != Form::List {
            let exp = exp.unwrap_or_else(|e| panic!("{entry}: {e}"));
            assert_eq!(at(&exp.runs[0], s), want, "{entry}");
        }
    }
}

#[test]
fn the_table_is_well_formed() {
    let mut paths: Vec<&str> = SETTINGS.iter().map(|s| s.path).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), SETTINGS.len(), "a path is declared twice");
    let defaults = RunConfig::default().settings_json();
    for s in SETTINGS {
        assert!(SECTIONS.contains(&s.section()), "{}", s.path);
        assert!(
            super::json::get(&defaults, s.json).is_some(),
            "{}: {} is not in RunConfig's JSON",
            s.path,
            s.json
        );
        assert!(!s.help.is_empty() && !s.takes.is_empty());
        assert!(settings_help().contains(&format!("  {} = ", s.path)));
    }
    // The grid order of the settings that existed before the table (docs/runner.md).
    let old = [
        "data.dataset",
        "data.split",
        "data.standardize",
        "data.evaluate_test",
        "network.inputs",
        "network.hidden",
        "network.activation",
        "network.output",
        "train.loss",
        "optimizer.kind",
        "optimizer.lr",
        "optimizer.beta1",
        "optimizer.beta2",
        "optimizer.eps",
        "optimizer.bias_correction",
        "optimizer.dampening",
        "optimizer.weight_decay",
        "network.init",
        "network.init_weights",
        "regularization.l2",
        "regularization.l1",
        "regularization.scale",
        "train.batch_size",
        "train.epochs",
        "train.shuffle",
        "train.seed",
        "train.threads",
        "train.eval_batch",
    ];
    let order: Vec<&str> = SETTINGS
        .iter()
        .map(|s| s.path)
        .filter(|p| old.contains(p))
        .collect();
    assert_eq!(order, old);
}

#[test]
fn per_layer_activations() {
    use crate::nn::activation::Activation;
    let exp = Experiment::from_toml(
        "[network]\nhidden = [8, 8, 8]\nactivation = [\"tanh\", \"relu\", \"leaky-relu(0.1)\"]\n",
        "x.toml",
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 1);
    let arch = exp.runs[0].architecture(2, 3);
    let acts: Vec<String> = arch
        .layers
        .iter()
        .map(|l| l.activation.to_string())
        .collect();
    assert_eq!(acts, ["tanh", "relu", "leaky-relu(0.1)", "softmax"]);
    assert_eq!(
        exp.runs[0].describe_architecture(),
        "784-8xtanh-8xrelu-8xleaky-relu(0.1)-10xsoftmax"
    );
    // A sweep: a list that contains lists; a string (or a list of one) means every layer.
    let sweep = Experiment::from_toml(
        "[network]\nhidden = [8, 8]\nactivation = [[\"tanh\", \"relu\"], \"relu\", [\"sigmoid\"]]\n",
        "x.toml",
    )
    .unwrap();
    assert_eq!(sweep.runs.len(), 3);
    assert_eq!(
        sweep.runs[1].network.activation,
        HiddenActivations::All(Activation::Relu)
    );
    assert_eq!(
        sweep.runs[2].network.activation,
        HiddenActivations::All(Activation::Sigmoid)
    );
    let plain =
        Experiment::from_toml("[network]\nhidden = [8, 8]\nactivation = \"relu\"\n", "x").unwrap();
    assert_eq!(
        plain.runs[0].key(),
        sweep.runs[1].key(),
        "one value keeps its key"
    );
    assert!(
        plain.runs[0]
            .canonical_json()
            .contains(r#""activation":"relu""#)
    );
    // The length must match; the message names both lengths and the line.
    let e = err("[network]\nhidden = [8, 8]\n\nactivation = [\"tanh\", \"relu\", \"relu\"]\n");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(
        e.message.contains("3 activations") && e.message.contains("2 layers"),
        "{e}"
    );
    let e = err("[network]\nactivation = [\"relu\", \"softmax\", \"relu\", \"relu\"]\n");
    assert!(e.message.contains("element-wise"), "{e}");
    // A sweep over shapes blames the activation list where it no longer fits.
    let e = err("[network]\nhidden = [[8, 8], [8]]\nactivation = [\"tanh\", \"relu\"]\n");
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn dtype_is_recorded_only_when_f64() {
    let f32 = Experiment::from_toml("[network]\ndtype = \"f32\"\n", "x").unwrap();
    assert_eq!(f32.runs[0].key(), RunConfig::default().key());
    assert!(!f32.runs[0].canonical_json().contains("dtype"));
    let f64 = Experiment::from_toml("[network]\ndtype = [\"f32\", \"f64\"]\n", "x").unwrap();
    assert_eq!(f64.runs.len(), 2);
    assert_eq!(f64.runs[1].network.dtype, DType::F64);
    assert!(f64.runs[1].canonical_json().contains(r#""dtype":"f64""#));
    assert_ne!(f64.runs[1].key(), f64.runs[0].key());
    let e = err("[network]\ndtype = \"f16\"\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("network.dtype"), "{e}");
}

#[test]
fn set_parses_toml_and_names_what_is_wrong() {
    let a: Assignment = "data.split={kind=\"per-class\",k=100}".parse().unwrap();
    assert_eq!(a.value()["k"], 100);
    let a: Assignment = "network.activation=leaky-relu(0.2)".parse().unwrap();
    assert_eq!(a.value(), "leaky-relu(0.2)");
    let a: Assignment = "network.hidden=[64,64]".parse().unwrap();
    assert_eq!(a.value(), &serde_json::json!([64, 64]));
    for (text, needle) in [
        ("optimzer.beta2=0.9", "did you mean `optimizer.beta2`"),
        ("optimizer.beta2", "PATH=VALUE"),
        ("optimizer.lr=[0.1, 0.01]", "one value"),
        ("network.hidden=[[8], [16]]", "one value"),
        ("network.activation=[tanh]", "quotes"),
        ("optimizer.lr=nan", "finite"),
    ] {
        let e = text.parse::<Assignment>().unwrap_err();
        assert!(e.contains(needle), "{text}: {e}");
    }
    for (text, needle) in [
        (
            "optimizer.beta2=1.5",
            "--set optimizer.beta2=1.5: optimizer.beta2 = 1.5: must lie in (0, 1)",
        ),
        (
            "train.batch_size=big",
            "train.batch_size = \"big\": invalid type: string",
        ),
        (
            "optimizer.kind=adagrad",
            "valid: sgd, momentum, rmsprop, adam",
        ),
        ("network.inputs=3072", "784 features"),
    ] {
        let mut o = Overrides::default();
        o.push(text.parse().unwrap());
        let e = Experiment::single(&o).unwrap_err().to_string();
        assert!(e.contains(needle), "{text}: {e}");
    }
}

#[test]
fn overrides_apply_in_table_order() {
    // weight_decay is checked against lr: the order on the command line does not matter.
    for order in [[0, 1], [1, 0]] {
        let items = ["optimizer.weight_decay=5", "optimizer.lr=0.01"];
        let mut o = Overrides::default();
        for i in order {
            o.push(items[i].parse().unwrap());
        }
        let run = &Experiment::single(&o).unwrap().runs[0];
        assert_eq!(run.train.optimizer.weight_decay, 5.0);
    }
    let mut o = Overrides::default();
    o.push("optimizer.weight_decay=20".parse().unwrap());
    let e = Experiment::single(&o).unwrap_err().to_string();
    assert!(
        e.contains("--set optimizer.weight_decay=20") && e.contains("lr · weight_decay"),
        "{e}"
    );
    // Later wins; duplicates merge.
    let mut o = Overrides::default();
    o.shortcut("optimizer.lr", "--lr", Some(0.5)).unwrap();
    o.push("optimizer.lr=0.25".parse().unwrap());
    let exp = preset("paper-mnist").unwrap().experiment().unwrap();
    let exp = exp.with_overrides(&o).unwrap();
    assert!(exp.runs.iter().all(|r| r.train.optimizer.lr == 0.25));
    assert_eq!(exp.runs.len(), 32 * 5);
    // Duplicates merge: every optimizer made plain SGD leaves 2 inits × 4 λ.
    let mut o = Overrides::default();
    o.shortcut("optimizer.kind", "--optimizer", Some("sgd"))
        .unwrap();
    o.shortcut("optimizer.lr", "--lr", Some(0.5)).unwrap();
    let exp = preset("paper-mnist").unwrap().experiment().unwrap();
    assert_eq!(exp.with_overrides(&o).unwrap().runs.len(), 8 * 5);
}

#[test]
fn an_overridden_optimizer_or_init_takes_its_own_rate_from_the_table() {
    let text = "[optimizer]\nkind = [\"sgd\", \"momentum\"]\n\
                lr = { sgd = 0.5, momentum = 0.2, adam = { he = 1e-3, uniform = 2e-4 } }\n\
                [network]\ninit = [\"he\", \"uniform\"]\n";
    let exp = Experiment::from_toml(text, "t.toml").unwrap();
    assert_eq!(exp.runs.len(), 4);
    let with = |flags: &[&str]| {
        let mut o = Overrides::default();
        for f in flags {
            o.push(f.parse().unwrap());
        }
        exp.clone().with_overrides(&o)
    };
    let rates = |e: &Experiment| -> Vec<(OptimizerKind, f64)> {
        e.runs
            .iter()
            .map(|r| (r.train.optimizer.kind, r.train.optimizer.lr))
            .collect()
    };
    // Adam takes Adam's per-init rates, not the SGD or Momentum rate of the run it replaced.
    let adam = with(&["optimizer.kind=adam"]).unwrap();
    assert_eq!(
        rates(&adam),
        [(OptimizerKind::Adam, 1e-3), (OptimizerKind::Adam, 2e-4)]
    );
    // An explicit rate still wins over the table.
    let fixed = with(&["optimizer.kind=adam", "optimizer.lr=0.01"]).unwrap();
    assert!(fixed.runs.iter().all(|r| r.train.optimizer.lr == 0.01));
    // Fixing the init keeps both optimizers, each at its rate.
    let he = with(&["network.init=he"]).unwrap();
    assert_eq!(
        rates(&he),
        [(OptimizerKind::Sgd, 0.5), (OptimizerKind::Momentum, 0.2)]
    );
    // An optimizer the table has no rate for is an error that names the flag and the table.
    let e = with(&["optimizer.kind=rmsprop"]).unwrap_err().to_string();
    assert!(
        e.contains("--set optimizer.kind=rmsprop") && e.contains("rmsprop") && e.contains("t.toml"),
        "{e}"
    );
    // A preset too: paper-mnist's tuned table gives Adam its own rate.
    let mut o = Overrides::default();
    o.push("optimizer.kind=adam".parse().unwrap());
    let paper = preset("paper-mnist").unwrap().experiment().unwrap();
    let adam_rates: Vec<f64> = paper
        .runs
        .iter()
        .filter(|r| r.train.optimizer.kind == OptimizerKind::Adam)
        .map(|r| r.train.optimizer.lr)
        .collect();
    let overridden = paper.with_overrides(&o).unwrap();
    assert!(
        overridden
            .runs
            .iter()
            .all(|r| adam_rates.contains(&r.train.optimizer.lr))
    );
    assert_eq!(overridden.runs.len(), 8 * 5);
}

#[test]
fn file_errors_name_the_setting_and_line() {
    let e = err("[optimizer]\nweight_decay = 20\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("lr · weight_decay"), "{e}");
    assert!(Experiment::from_toml("[optimizer]\nlr = 0.01\nweight_decay = 20\n", "x").is_ok());
    let e = err("[optimizer]\nlr = nan\n");
    assert!(
        e.message.contains("optimizer.lr") && e.message.contains("finite"),
        "{e}"
    );
    let e = err("optimizer = 3\n");
    assert!(e.message.contains("section"), "{e}");
    let e = err("[[run]]\nname = \"x\"\n");
    assert!(e.message.contains("unknown key `name`"), "{e}");
    let e = err(
        "[optimizer]\nkind = [\"sgd\", \"adam\"]\nlr = { sgd = [0.1, 0.2], adam = [1e-3, 0] }\n",
    );
    assert!(
        e.message.contains("optimizer.lr.adam, list element 2"),
        "{e}"
    );
    assert_eq!(e.line, Some(3));
}

#[test]
fn a_loss_without_its_output_is_refused_unless_allowed() {
    for (loss, output, needs) in [
        ("cce", "sigmoid", "softmax"),
        ("cce", "relu", "softmax"),
        ("cce", "tanh", "softmax"),
        ("cce", "identity", "softmax"),
        ("bce", "softmax", "sigmoid"),
        ("bce", "identity", "sigmoid"),
    ] {
        let file = format!("[network]\noutput = \"{output}\"\n[train]\nloss = \"{loss}\"\n");
        let e = Experiment::from_toml(&file, "x.toml")
            .unwrap_err()
            .to_string();
        for word in [
            format!("train.loss = {loss}"),
            format!("network.output = {needs}"),
            "network.allow_mismatch = true".to_string(),
        ] {
            assert!(e.contains(&word), "{file}: {e} should name {word}");
        }
        // The same by flags, in either order.
        for order in [[0, 1], [1, 0]] {
            let sets = [
                format!("train.loss={loss}"),
                format!("network.output={output}"),
            ];
            let mut o = Overrides::default();
            for i in order {
                o.push(sets[i].parse().unwrap());
            }
            let e = Experiment::single(&o).unwrap_err().to_string();
            assert!(e.contains("network.allow_mismatch"), "{e}");
            o.push("network.allow_mismatch=true".parse().unwrap());
            assert!(Experiment::single(&o).is_ok());
        }
        let allowed = file.replacen("[network]\n", "[network]\nallow_mismatch = true\n", 1);
        let exp = Experiment::from_toml(&allowed, "x.toml").unwrap_or_else(|e| panic!("{e}"));
        assert!(exp.runs[0].network.allow_mismatch);
    }
    // The valid pairs, and mse with any output (the study trains mse on softmax).
    for (loss, output) in [
        ("cce", "softmax"),
        ("bce", "sigmoid"),
        ("mse", "softmax"),
        ("mse", "sigmoid"),
        ("mse", "identity"),
        ("mse", "tanh"),
    ] {
        let file = format!("[network]\noutput = \"{output}\"\n[train]\nloss = \"{loss}\"\n");
        Experiment::from_toml(&file, "x.toml").unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    // A sweep over outputs with one loss names the line of the output at fault.
    let e = Experiment::from_toml(
        "[network]\noutput = [\"softmax\", \"sigmoid\"]\n[train]\nloss = \"cce\"\n",
        "x.toml",
    )
    .unwrap_err();
    assert!(e.message.contains("needs network.output = softmax"), "{e}");
}

#[test]
fn allow_mismatch_off_keeps_run_keys() {
    let mut r = RunConfig::default();
    let key = r.key();
    assert!(!r.canonical_json().contains("allow_mismatch"));
    r.network.allow_mismatch = true;
    assert_ne!(r.key(), key);
}

#[test]
fn a_study_name_is_a_name_not_a_path() {
    for bad in [
        "../../x", "/abs", "..", ".", "", "a/b", "a\\b", ".hidden", "a..b", "my study", "a:b",
        "étude", "-x/",
    ] {
        let file = format!("name = {bad:?}\n");
        let e = Experiment::from_toml(&file, "x.toml").unwrap_err();
        assert_eq!(e.line, Some(1), "{bad:?}: {e}");
        assert!(e.message.contains("not a valid study name"), "{bad:?}: {e}");
        assert!(e.message.contains(&format!("{bad:?}")), "{bad:?}: {e}");
    }
    let long = "a".repeat(101);
    assert!(Experiment::from_toml(&format!("name = \"{long}\"\n"), "x.toml").is_err());
    for good in ["paper-mnist", "run_2", "v1.2", "A", &"a".repeat(100)] {
        let exp = Experiment::from_toml(&format!("name = \"{good}\"\n"), "x.toml")
            .unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(exp.name, good);
    }
    // Without a name, the file's stem must be a name.
    let dir = std::env::temp_dir().join(format!("mlplab-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("my study.toml");
    std::fs::write(&bad, "[train]\nepochs = 1\n").unwrap();
    let e = Experiment::from_file(&bad).unwrap_err().to_string();
    assert!(
        e.contains("name = \"my study\"") && e.contains("add a line name"),
        "{e}"
    );
    let good = dir.join("ok.toml");
    std::fs::write(&good, "[train]\nepochs = 1\n").unwrap();
    assert_eq!(Experiment::from_file(&good).unwrap().name, "ok");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn threads_beyond_the_cap_are_refused_by_the_setting() {
    let cap = crate::train::max_threads();
    let mut o = Overrides::default();
    o.push(format!("train.threads={}", cap + 1).parse().unwrap());
    let e = Experiment::single(&o).unwrap_err().to_string();
    assert!(
        e.contains("train.threads") && e.contains(&format!("at most {cap}")),
        "{e}"
    );
    let mut o = Overrides::default();
    o.push(format!("train.threads={cap}").parse().unwrap());
    assert!(Experiment::single(&o).is_ok());
}

#[test]
fn every_preset_pairs_its_loss_with_its_output() {
    for p in crate::experiment::PRESETS {
        let exp = Experiment::from_toml(p.text, p.name).unwrap_or_else(|e| panic!("{e}"));
        for r in &exp.runs {
            assert!(!r.network.allow_mismatch, "{}", p.name);
            assert_eq!(super::checks::loss(r), Ok(()), "{}", p.name);
        }
    }
}

#[test]
fn seeds_replace_each_configurations_seeds_with_1_to_n() {
    let text = "[train]\nseed = [7, 8, 9]\n[optimizer]\nkind = [\"sgd\", \"adam\"]\n";
    let exp = Experiment::from_toml(text, "seeds").unwrap();
    assert_eq!(exp.runs.len(), 6);
    let two = exp.clone().with_seeds(2).unwrap();
    let got: Vec<(String, u64)> = two
        .runs
        .iter()
        .map(|r| (r.train.optimizer.kind.to_string(), r.train.seed))
        .collect();
    let want: Vec<(String, u64)> = [("sgd", 1), ("sgd", 2), ("adam", 1), ("adam", 2)]
        .iter()
        .map(|(k, s)| (k.to_string(), *s))
        .collect();
    assert_eq!(got, want);
    // Seed s is the same run whatever N is: a 2-seed study's runs are in the 3-seed one.
    let three = exp.clone().with_seeds(3).unwrap();
    for r in &two.runs {
        assert!(
            three.runs.iter().any(|t| t.key() == r.key()),
            "{}",
            r.label()
        );
    }
    assert_eq!(three.runs.len(), 6);
    let e = exp.with_seeds(0).unwrap_err().to_string();
    assert!(e.contains("--seeds 0"), "{e}");
}

#[test]
fn evaluate_test_reads_true_false_and_final_and_keys_old_runs_as_before() {
    let exp = Experiment::from_toml(
        "[data]\ndataset = \"spirals\"\nevaluate_test = [true, \"final\", false]\n",
        "t.toml",
    )
    .unwrap();
    let got: Vec<TestEval> = exp.runs.iter().map(|r| r.data.evaluate_test).collect();
    assert_eq!(got, [TestEval::Every, TestEval::Final, TestEval::Never]);
    // true and false are stored as before the "final" value existed.
    assert!(
        exp.runs[0]
            .canonical_json()
            .contains("\"evaluate_test\":true")
    );
    assert!(
        exp.runs[1]
            .canonical_json()
            .contains("\"evaluate_test\":\"final\"")
    );
    assert!(
        exp.runs[2]
            .canonical_json()
            .contains("\"evaluate_test\":false")
    );
    let e = err("[data]\nevaluate_test = \"end\"\n");
    assert!(
        e.message.contains("\"end\"") && e.message.contains("\"final\" (after the last epoch)"),
        "{e}"
    );
    let e = err("[data]\nevaluate_test = 3\n");
    assert!(e.message.contains("evaluate_test"), "{e}");
}

#[test]
fn lr_tables_may_give_one_rate_per_init() {
    let exp = Experiment::from_toml(
        "[network]\ninit = [\"uniform\", \"he\", \"glorot\"]\n[optimizer]\n\
         kind = [\"sgd\", \"adam\"]\n\
         lr = { sgd = { he = 0.5, uniform = 0.05, xavier = 0.2 }, adam = 1e-3 }\n",
        "x.toml",
    )
    .unwrap();
    let rate = |kind: OptimizerKind, init: &str| -> Vec<f64> {
        exp.runs
            .iter()
            .filter(|r| r.train.optimizer.kind == kind && r.network.init.to_string() == init)
            .map(|r| r.train.optimizer.lr)
            .collect()
    };
    assert_eq!(exp.runs.len(), 6);
    assert_eq!(rate(OptimizerKind::Sgd, "he"), [0.5]);
    assert_eq!(rate(OptimizerKind::Sgd, "uniform"), [0.05]);
    // An alias names the same initialization.
    assert_eq!(rate(OptimizerKind::Sgd, "glorot"), [0.2]);
    assert_eq!(rate(OptimizerKind::Adam, "he"), [1e-3]);
    assert_eq!(rate(OptimizerKind::Adam, "uniform"), [1e-3]);
    // The same written as sub-tables, with a list for one init (its rates sweep).
    let exp = Experiment::from_toml(
        "[network]\ninit = [\"uniform\", \"he\"]\n[optimizer]\nkind = \"sgd\"\n\
         [optimizer.lr.sgd]\nhe = [0.5, 1.0]\nuniform = 0.05\n",
        "x.toml",
    )
    .unwrap();
    let got: Vec<(String, f64)> = exp
        .runs
        .iter()
        .map(|r| (r.network.init.to_string(), r.train.optimizer.lr))
        .collect();
    let want = [("uniform", 0.05), ("he", 0.5), ("he", 1.0)];
    assert_eq!(
        got,
        want.map(|(i, lr)| (i.to_string(), lr)),
        "the init still varies slower than its rates"
    );
    // Without network.init in the file, the default (he) picks its entry.
    let exp = Experiment::from_toml(
        "[optimizer]\nkind = \"sgd\"\nlr = { sgd = { he = 0.25, uniform = 9 } }\n",
        "x.toml",
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 1);
    assert_eq!(exp.runs[0].train.optimizer.lr, 0.25);
}

#[test]
fn per_init_lr_tables_refuse_unknown_and_missing_inits() {
    let e = err("[optimizer]\nkind = \"sgd\"\nlr = { sgd = { hee = 0.5 } }\n");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(
        e.message.contains("unknown initialization `hee`")
            && e.message.contains("did you mean `he`")
            && e.message.contains("uniform, he, glorot"),
        "{e}"
    );
    let e = err(
        "[network]\ninit = [\"uniform\", \"he\"]\n[optimizer]\nkind = \"sgd\"\n\
         lr = { sgd = { he = 0.5 } }\n",
    );
    assert!(
        e.message
            .contains("optimizer.lr.sgd has no entry for `uniform`"),
        "{e}"
    );
    let e = err("[optimizer]\nkind = \"sgd\"\nlr = { sgd = { he = -1 } }\n");
    assert!(e.message.contains("optimizer.lr.sgd.he"), "{e}");
    assert_eq!(e.line, Some(3), "{e}");
    let e = err("[optimizer]\nkind = \"sgd\"\nlr = { sgd = { he = {} } }\n");
    assert!(e.message.contains("optimizer.lr.sgd.he"), "{e}");
    let e = err("[optimizer]\nkind = \"sgd\"\nlr = { sgd = {} }\n");
    assert!(
        e.message.contains("optimizer.lr.sgd") && e.message.contains("empty"),
        "{e}"
    );
}

#[test]
fn overfitting_data_settings_keep_old_keys_and_refuse_bad_values() {
    let json: serde_json::Value =
        serde_json::from_str(&RunConfig::default().canonical_json()).unwrap();
    for absent in ["label_noise", "labels", "data_seed", "train_size"] {
        assert!(json["data"].get(absent).is_none(), "{absent} in {json}");
    }
    let ok = Experiment::from_toml(
        "[data]\nlabel_noise = [0.0, 0.2, { kind = \"pairs\", rate = 0.4 }]\ntrain_size = 500\ndata_seed = 3\n",
        "x.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.runs.len(), 3);
    assert_eq!(
        ok.runs[2].data.label_noise.kind,
        crate::data::NoiseKind::Pairs
    );
    assert_ne!(ok.runs[0].key(), ok.runs[1].key());
    for (toml, says) in [
        ("label_noise = 1.0", "[0, 1)"),
        ("label_noise = -0.2", "[0, 1)"),
        (
            "label_noise = { kind = \"flip\", rate = 0.2 }",
            "\"symmetric\" or \"pairs\"",
        ),
        ("train_size = 505", "multiple of 10"),
        ("train_size = 20000", "at most 10000"),
        ("train_size = 0", "positive"),
        (
            "labels = \"random\"\nlabel_noise = 0.2",
            "random labels already",
        ),
    ] {
        let e = Experiment::from_toml(&format!("[data]\n{toml}\n"), "x.toml")
            .err()
            .unwrap_or_else(|| panic!("{toml} was accepted"))
            .to_string();
        assert!(e.contains("data.") && e.contains(says), "{toml}: {e}");
    }
}

#[test]
fn overfit_presets_give_every_size_the_same_steps_and_one_regularizer_per_run() {
    use std::collections::BTreeSet;
    for (name, runs, steps, seeds) in [
        ("overfit-mnist", 2430, 2000, 5),
        ("overfit-fashion-mnist", 2430, 2000, 5),
        ("overfit-mnist-quick", 162, 1000, 3),
        ("overfit-fashion-mnist-quick", 162, 1000, 3),
    ] {
        let p = preset(name).unwrap_or_else(|| panic!("no preset {name}"));
        assert!(!PRESETS.contains(p), "{name}: reproduce must not run it");
        let exp = p.experiment().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(exp.runs.len(), runs, "{name}");
        let mut sizes = BTreeSet::new();
        for r in &exp.runs {
            let n = r
                .data
                .train_size
                .unwrap_or_else(|| panic!("{name}: no train_size"));
            sizes.insert(n);
            assert_eq!(
                n / r.train.batch_size * r.train.epochs,
                steps,
                "{}",
                r.label()
            );
            // 10 to 20 evaluations per run, whatever its size.
            let evaluations = r.train.epochs / r.train.eval_every;
            assert!((10..=20).contains(&evaluations), "{}", r.label());
            let regs = [
                r.train.regularization.l2,
                r.train.regularization.l1,
                r.train.optimizer.weight_decay,
            ];
            assert!(
                regs.iter().filter(|&&v| v != 0.0).count() <= 1,
                "{}",
                r.label()
            );
            assert!((1..=seeds).contains(&r.train.seed), "{}", r.label());
            assert!(r.validate().is_ok(), "{}", r.label());
        }
        let want: &[usize] = if name.ends_with("quick") {
            &[500, 2000]
        } else {
            &[500, 2000, 10000]
        };
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), want, "{name}");
    }
}
