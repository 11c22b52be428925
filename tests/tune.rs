//! `mlplab tune` on small synthetic problems: the known best rate wins, successive halving
//! keeps a third per rung with every trial a run of the rung's epochs, a rerun trains nothing,
//! edge flags, the preset copy, --docs, and bad input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use mlplab::experiment::Experiment;
use mlplab::runner::{DataCache, ProgressMode, SweepOptions, sweep};
use mlplab::store::{Status, StudyReader};
use mlplab::study::tune::{LearningRates, RangeArg, TuneOptions, tune};

mod common;
use common::cli::{mlplab, ok, text};

/// Three well-separated blobs: any reasonable rate learns them in a few epochs.
const BLOBS: &str = r#"
name = "tiny-tune"
[data]
dataset = "blobs:n=240,test=0,features=4,classes=3,seed=5"
split = { kind = "full", cv_size = 80 }
[network]
hidden = [8]
init = "he"
[train]
loss = "cce"
batch_size = 16
epochs = 9
shuffle = true
[optimizer]
kind = "sgd"
lr = 0.1
[regularization]
l2 = [0.5, 0, 2]
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-tune-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn options(out: &Path, seeds: usize, range: &str, candidates: usize) -> TuneOptions {
    TuneOptions {
        sweep: SweepOptions {
            out: out.to_path_buf(),
            jobs: 2,
            progress: ProgressMode::Quiet,
            ..SweepOptions::default()
        },
        seeds,
        candidates,
        ranges: vec![range.parse::<RangeArg>().unwrap()],
        ..TuneOptions::default()
    }
}

fn experiment() -> Experiment {
    Experiment::from_toml(BLOBS, "tiny-tune.toml").unwrap()
}

/// Runs in the store by their epochs: `(epochs, count)`, ascending.
fn runs_by_epochs(db: &Path) -> Vec<(i64, usize)> {
    let mut out: Vec<(i64, usize)> = Vec::new();
    for r in StudyReader::open(db).unwrap().runs().unwrap() {
        match out.iter_mut().find(|(e, _)| *e == r.epochs) {
            Some((_, n)) => *n += 1,
            None => out.push((r.epochs, 1)),
        }
    }
    out.sort();
    out
}

#[test]
fn the_rate_that_learns_without_diverging_wins() {
    let out = dir("known");
    // 1e-6 does not move the weights; 1e6 blows them up (diverges or lands at chance);
    // 1 learns the blobs.
    let opts = options(&out, 2, "sgd=1e-6:1e6", 5);
    let o = tune(&experiment(), &opts, &DataCache::new()).unwrap();
    let r = o.results.unwrap();
    assert_eq!(r.groups.len(), 1);
    let g = &r.groups[0];
    assert_eq!(g.candidates, [1e-6, 1e-3, 1.0, 1e3, 1e6]);
    assert_eq!(g.chosen, 1.0, "{:#?}", g.rungs);
    assert!(!g.at_edge);
    // At the base λ (the smallest of 0.5, 0, 2), every other setting as in the file.
    assert_eq!(g.l2, 0.0);
    let first = &g.rungs[0].candidates;
    let at = |lr: f64| first.iter().find(|c| c.lr == lr).unwrap();
    assert_eq!(at(1.0).rank, 1, "{first:?}");
    assert!(at(1e-6).mean.unwrap() < 0.5, "{first:?}");
    // The large rates diverge in every seed and rank last.
    for lr in [1e3, 1e6] {
        assert_eq!(
            (at(lr).bad_seeds, at(lr).n, at(lr).mean),
            (2, 0, None),
            "{first:?}"
        );
        assert!(!at(lr).survived);
    }
    let last = &g.rungs.last().unwrap().candidates;
    assert_eq!(last.len(), 1);
    assert!(last[0].mean.unwrap() > 0.9, "{last:?}");
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}

#[test]
fn successive_halving_keeps_a_third_and_every_trial_is_a_run() {
    let out = dir("halving");
    let opts = options(&out, 1, "sgd=0.01:1", 8);
    let o = tune(&experiment(), &opts, &DataCache::new()).unwrap();
    let r = o.results.unwrap();
    let g = &r.groups[0];
    assert_eq!(g.rung_epochs, [1, 3, 9]);
    let entered: Vec<usize> = g.rungs.iter().map(|r| r.candidates.len()).collect();
    let kept: Vec<usize> = g
        .rungs
        .iter()
        .map(|r| r.candidates.iter().filter(|c| c.survived).count())
        .collect();
    assert_eq!(entered, [8, 3, 1], "ceil(8/3) = 3, ceil(3/3) = 1");
    assert_eq!(kept, [3, 1, 1]);
    // The survivors of a rung are the best-ranked, and exactly the next rung's candidates.
    for w in g.rungs.windows(2) {
        let kept: Vec<f64> = w[0]
            .candidates
            .iter()
            .filter(|c| c.survived)
            .map(|c| c.lr)
            .collect();
        let next: Vec<f64> = w[1].candidates.iter().map(|c| c.lr).collect();
        assert_eq!(kept, next);
        assert!(
            w[0].candidates
                .iter()
                .all(|c| c.survived == (c.rank <= kept.len()))
        );
    }
    // Every trial is an ordinary run of the rung's epochs.
    let db = out.join("mlplab.db");
    assert_eq!(runs_by_epochs(&db), [(1, 8), (3, 3), (9, 1)]);
    let reader = StudyReader::open(&db).unwrap();
    for r in reader.runs().unwrap() {
        assert_eq!(r.status, Status::Done);
        assert_eq!(reader.epochs(r.id).unwrap().last().unwrap().epoch, r.epochs);
    }
    assert_eq!(o.trained, 12);
}

#[test]
fn a_rerun_or_resumed_tune_trains_only_what_is_missing() {
    let out = dir("resume");
    let opts = options(&out, 2, "sgd=0.01:1", 4);
    // As if a first tune was killed during rung 1: half its trials are in the store.
    let exp = experiment();
    let mut partial = exp.runs[1].clone();
    partial.train.epochs = 1;
    let rung1: Vec<_> = [0.01, 0.0464]
        .iter()
        .flat_map(|&lr| {
            [1, 2].map(|seed| {
                let mut r = partial.clone();
                r.train.optimizer.lr = lr;
                r.train.seed = seed;
                r
            })
        })
        .collect();
    let killed = Experiment::new("killed", "", rung1);
    sweep(&killed, &opts.sweep, &DataCache::new()).unwrap();
    // A tune stopped (Ctrl-C) before anything trains writes no results and trains nothing.
    let mut stopped = opts.clone();
    stopped.sweep.stop = Arc::new(AtomicBool::new(true));
    let o = tune(&exp, &stopped, &DataCache::new()).unwrap();
    assert_eq!(
        (o.results.is_none(), o.trained, o.sweeps.len()),
        (true, 0, 1)
    );
    let first = tune(&exp, &opts, &DataCache::new()).unwrap();
    // Rung 1: 4 candidates × 2 seeds, 4 already done; rung 2: 2 × 2; rung 3: 1 × 2.
    assert_eq!(first.trained, 8 - 4 + 4 + 2);
    let second = tune(&exp, &opts, &DataCache::new()).unwrap();
    assert_eq!(
        second.trained, 0,
        "the second invocation trains nothing new"
    );
    assert_eq!(first.results, second.results);
    assert_eq!(
        runs_by_epochs(&out.join("mlplab.db")),
        [(1, 8), (3, 4), (9, 2)]
    );
}

const FILE: &str = r#"
name = "cli-tune"
[data]
dataset = "blobs:n=240,test=0,features=4,classes=3,seed=5"
split = { kind = "full", cv_size = 80 }
[network]
hidden = [8]
init = ["he", "glorot"]
[train]
loss = "cce"
batch_size = 16
epochs = 3
[optimizer]
kind = ["sgd", "adam"]
[optimizer.lr]
sgd = 0.1
adam = 1e-3
[regularization]
l2 = [0, 1]
"#;

#[test]
fn the_cli_writes_results_a_preset_copy_and_the_docs() {
    let d = dir("cli");
    let file = d.join("cli-tune.toml");
    std::fs::write(&file, FILE).unwrap();
    let out = d.join("study");
    let (f, o) = (file.to_str().unwrap(), out.to_str().unwrap());
    // The largest SGD candidate (0.3) learns best in 1–3 epochs: it is at the edge.
    let args = [
        "tune",
        f,
        "--out",
        o,
        "--seeds",
        "1",
        "--candidates",
        "3",
        "--range",
        "sgd=1e-4:0.3",
        "--range",
        "adam=1e-3:3e-2",
        "-q",
        "--jobs",
        "2",
    ];
    let t = ok(mlplab(&args).output().unwrap());
    assert!(t.contains("4 groups tuned"), "{t}");
    let results = LearningRates::read(&out).unwrap();
    assert_eq!(results.groups.len(), 4);
    assert!(
        results.command.starts_with("mlplab tune ")
            && results.command.contains("--range sgd=1e-4:0.3")
    );
    assert_eq!(results.protocol.ranges["sgd"], [1e-4, 0.3]);
    for g in results.groups.iter().filter(|g| g.optimizer == "sgd") {
        assert_eq!(g.chosen, 0.3, "{g:#?}");
        assert!(g.at_edge);
    }
    assert!(
        t.contains("warning:") && t.contains("at the edge of the candidates"),
        "{t}"
    );
    // The copy parses as the experiment, with the chosen rates.
    let copy = Experiment::from_file(&out.join("cli-tune.toml")).unwrap();
    assert_eq!(copy.runs.len(), 8);
    for run in &copy.runs {
        assert_eq!(
            Some(run.train.optimizer.lr),
            results.rate_for(run),
            "{}",
            run.label()
        );
    }
    let copy_text = std::fs::read_to_string(out.join("cli-tune.toml")).unwrap();
    assert!(copy_text.contains(&results.command), "{copy_text}");
    // A second run trains nothing.
    let t = ok(mlplab(&args).output().unwrap());
    assert!(t.contains("trained 0 new runs"), "{t}");
    // The docs, from the study directory.
    let doc = d.join("learning-rates.md");
    ok(mlplab(&["tune", "--docs", doc.to_str().unwrap(), o])
        .output()
        .unwrap());
    let md = std::fs::read_to_string(&doc).unwrap();
    assert!(md.contains("Generated by `mlplab tune --docs"), "{md}");
    assert!(md.contains("| `cli-tune` | blobs:n=240"), "{md}");
    assert!(md.contains("| 0.3 | **edge** |"), "{md}");
    assert!(md.contains("bias-corrected moving average"), "{md}");
    for g in &results.groups {
        assert!(md.contains(&format!("| {} | {} |", g.l2, g.chosen)), "{md}");
    }
}

#[test]
fn bad_input_names_the_value_and_what_is_valid() {
    let d = dir("bad");
    let file = d.join("cli-tune.toml");
    std::fs::write(&file, FILE).unwrap();
    let f = file.to_str().unwrap();
    let o = d.join("study");
    let o = o.to_str().unwrap();
    for (args, code, needles) in [
        (
            vec!["--range", "sgd=1:0.1"],
            2,
            vec!["sgd=1:0.1", "LO = 1 is not below HI = 0.1"],
        ),
        (
            vec!["--range", "foo=0.1:1"],
            2,
            vec!["unknown optimizer `foo`", "sgd, momentum, rmsprop, adam"],
        ),
        (
            vec!["--range", "sgd=0:1"],
            2,
            vec!["learning rates are > 0"],
        ),
        (
            vec!["--candidates", "0"],
            1,
            vec!["--candidates 0", "at least 1"],
        ),
        (vec!["--seeds", "0"], 1, vec!["--seeds 0", "at least 1"]),
        (vec!["--eta", "1"], 1, vec!["--eta 1", "at least 2"]),
        (vec!["--rungs", "0"], 1, vec!["--rungs 0"]),
        (
            vec!["--metric", "accuracy"],
            2,
            vec!["accuracy", "cv-acc", "cv-cost"],
        ),
        (vec![f], 1, vec!["one experiment", "not 2"]),
    ] {
        let mut all = vec!["tune", f, "--out", o, "-q"];
        all.extend(args.iter().copied());
        let out = mlplab(&all).output().unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {t}");
        for n in needles {
            assert!(t.contains(n), "{args:?}: {n:?} not in {t}");
        }
    }
    let out = mlplab(&["tune", "paper-mnsit", "--out", o])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("paper-mnsit") && t.contains("presets: paper-mnist"),
        "{t}"
    );
    let missing = d.join("nothing-here");
    let out = mlplab(&["tune", "--docs", "x.md", missing.to_str().unwrap()])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("nothing-here") && t.contains("learning-rates.toml"),
        "{t}"
    );
    // Nothing was trained by any of them.
    assert!(!Path::new(o).join("mlplab.db").exists());
}

/// The presets whose rates come from a committed tuning record (docs/learning-rates/) train
/// every run at the rate its (dataset, optimizer, init, loss) group chose: nobody edits a
/// tuned rate by hand.
#[test]
fn tuned_presets_train_at_the_rates_of_their_tuning_record() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/learning-rates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let record = LearningRates::read(&path).unwrap();
        let preset = mlplab::experiment::preset(&record.experiment)
            .unwrap_or_else(|| panic!("{}: no preset {}", path.display(), record.experiment));
        let exp = preset.experiment().unwrap();
        for run in &exp.runs {
            let chosen = record
                .rate_for(run)
                .unwrap_or_else(|| panic!("{}: no group for {}", path.display(), run.label()));
            assert_eq!(run.train.optimizer.lr, chosen, "{}", run.label());
        }
        assert!(
            record.command.starts_with("mlplab tune "),
            "{}",
            record.command
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the MNIST, Fashion-MNIST and cifar10-jpeg presets are tuned"
    );
}
