use super::*;
use crate::nn::optim::OptimizerKind;

fn err(text: &str) -> ExperimentError {
    match Experiment::from_toml(text, "x.toml") {
        Ok(e) => panic!("expected an error, got {} runs", e.runs.len()),
        Err(e) => e,
    }
}

#[test]
fn presets_expand_to_the_study_grid() {
    for p in PRESETS {
        let exp = p.experiment().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(exp.name, p.name);
        assert_eq!(exp.runs.len(), 32, "{}", p.name);
        for r in &exp.runs {
            assert_eq!(r.data.dataset, p.dataset);
            assert_eq!(r.train.batch_size, 100);
            // The learning rates of docs/learning-rates.md.
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
        ("[regularization]\nl2 = -1\n", 2, "regularization.l2 = -1"),
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

#[test]
fn overrides_replace_fields_and_are_validated() {
    let o = Overrides {
        epochs: Some(2),
        lr: Some(0.3),
        ..Default::default()
    };
    let exp = Experiment::single(&o).unwrap();
    assert_eq!(exp.runs[0].train.epochs, 2);
    assert_eq!(exp.runs[0].train.optimizer.lr, 0.3);
    let bad = Overrides {
        lr: Some(-1.0),
        ..Default::default()
    };
    assert!(
        Experiment::single(&bad)
            .unwrap_err()
            .to_string()
            .contains("--lr")
    );
    let bad = Overrides {
        batch_size: Some(0),
        ..Default::default()
    };
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
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(
        closest("optimzer", ["data", "optimizer", "train"]),
        Some("optimizer")
    );
}
