//! A variational run end to end: an experiment with `train.bayes` swept on a small synthetic
//! set, its epochs and calibration read back through `StudyReader`, bitwise the same twice.

use mlplab::experiment::Experiment;
use mlplab::runner::{DataCache, ProgressMode, SweepOptions, sweep};
use mlplab::store::{DB_FILE, Status, StudyReader};

const GRID: &str = r#"
name = "bayes-tiny"
[data]
dataset = "blobs:n=400,test=150,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
evaluate_test = "final"
[network]
hidden = [16]
[train]
loss = "cce"
batch_size = 25
epochs = 6
bayes = [
    { rho_init = -3.0, samples = 4, final_samples = 20 },
    { rho_init = -3.0, samples = 4, final_samples = 20, sampler = "weights", prior = { kind = "mixture" }, kl_weighting = "blundell" },
]
[optimizer]
kind = "adam"
lr = 0.01
"#;

fn out(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-bayes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn a_variational_sweep_trains_records_calibration_and_repeats_bitwise() {
    let exp = Experiment::from_toml(GRID, "bayes-tiny.toml").unwrap();
    assert_eq!(exp.runs.len(), 2);
    let cache = DataCache::new();
    let mut dumps = Vec::new();
    for name in ["a", "b"] {
        let dir = out(name);
        let opts = SweepOptions {
            out: dir.clone(),
            jobs: 1,
            progress: ProgressMode::Quiet,
            ..Default::default()
        };
        let s = sweep(&exp, &opts, &cache).unwrap();
        assert_eq!(s.count(Status::Done), 2);
        let r = StudyReader::open(&dir.join(DB_FILE)).unwrap();
        let mut dump = Vec::new();
        for run in r.runs().unwrap() {
            let epochs = r.epochs(run.id).unwrap();
            assert_eq!(epochs.len(), 7);
            let (first, last) = (&epochs[0], &epochs[6]);
            // The negative ELBO per example falls; the MC predictive classifies the blobs.
            assert!(last.train_cost.unwrap() < first.train_cost.unwrap());
            assert!(last.cv_acc.unwrap() > 0.8, "{:?}", last.cv_acc);
            assert!(last.test_acc.is_some());
            let bits: Vec<Option<u64>> = epochs
                .iter()
                .flat_map(|e| [e.train_cost, e.cv_cost, e.cv_acc, e.test_cost])
                .map(|v| v.map(f64::to_bits))
                .collect();
            dump.push(bits);
        }
        let cal = r.calibration().unwrap();
        // Two runs × (cv, test) × (mc, mean).
        assert_eq!(cal.len(), 8, "{cal:?}");
        for (_, c) in &cal {
            assert!(["cv", "test"].contains(&c.split.as_str()));
            assert_eq!(c.samples, if c.predictive == "mc" { 20 } else { 1 });
            assert_eq!(c.n, if c.split == "cv" { 100 } else { 150 });
            let ece = c.ece.unwrap();
            assert!((0.0..=1.0).contains(&ece) && c.mce.unwrap() >= ece);
            assert!(c.nll.unwrap() > 0.0 && c.brier.unwrap() < 1.0);
            assert!(c.accuracy.unwrap() > 0.7);
        }
        let cal_bits: Vec<u64> = cal
            .iter()
            .flat_map(|(_, c)| [c.nll, c.brier, c.ece, c.entropy])
            .map(|v| v.unwrap().to_bits())
            .collect();
        dumps.push((dump, cal_bits));
    }
    assert_eq!(dumps[0], dumps[1], "same seed, same results, bitwise");
}

#[test]
fn the_bayes_presets_expand_to_deterministic_and_variational_runs() {
    for (file, dataset) in [
        ("bayes-mnist.toml", "mnist"),
        ("bayes-fashion-mnist.toml", "fashion-mnist"),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("experiments")
            .join(file);
        let exp = Experiment::from_file(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        // (2 deterministic + 4 variational) × 5 seeds
        assert_eq!(exp.runs.len(), 6 * 5, "{file}");
        let variational = exp.runs.iter().filter(|r| r.train.bayes.is_some()).count();
        assert_eq!(variational, 4 * 5, "{file}");
        for r in &exp.runs {
            assert_eq!(r.data.dataset, dataset);
            assert_eq!(r.network.hidden, [128; 4]);
            if r.train.bayes.is_some() {
                assert_eq!(r.train.optimizer.kind.to_string(), "adam");
            }
        }
    }
}
