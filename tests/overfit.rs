//! The overfitting study end to end, on the embedded MNIST (the first 20,000 training
//! examples, compiled into the binary: no data folder needed): 100 training rows with 40 %
//! of their labels corrupted, where overfitting is certain, and L2 at a moderate λ against
//! none over five seeds; then the report's section on the same study.

use std::collections::BTreeMap;

use mlplab::experiment::Experiment;
use mlplab::report::{ReportOptions, write_report};
use mlplab::runner::{DataCache, ProgressMode, SweepOptions, sweep};
use mlplab::stats::Difference;
use mlplab::store::{DB_FILE, Status, StudyReader};

mod common;

const STUDY: &str = r#"
name = "overfit-e2e"
[data]
dataset = "mnist"
split = { kind = "study", train_size = 10000, cv_offset = 10000, cv_size = 2000 }
train_size = 100
label_noise = 0.4
[network]
hidden = [64]
init = "he"
[train]
loss = "cce"
batch_size = 10
epochs = 100
eval_every = 20
seed = [1, 2, 3, 4, 5]
[optimizer]
kind = "adam"
lr = 0.001
[regularization]
l2 = [0, 10]
"#;

/// Per λ, the final (train − CV accuracy) gap and CV accuracy of each seed.
type BySeed = BTreeMap<u64, (f64, f64)>;

#[test]
fn l2_shrinks_the_gap_of_a_network_that_memorizes_label_noise() {
    let root = common::temp_dir("overfit-e2e");
    let exp = Experiment::from_toml(STUDY, "overfit-e2e.toml").unwrap();
    assert_eq!(exp.runs.len(), 10);
    let opts = SweepOptions {
        out: root.join("study"),
        jobs: 2,
        progress: ProgressMode::Quiet,
        // Offline, with an empty data folder: MNIST comes from the embedded copy.
        load: common::isolated(&root),
        ..Default::default()
    };
    let s = sweep(&exp, &opts, &DataCache::new()).unwrap();
    assert_eq!(s.count(Status::Done), 10);

    let study = StudyReader::open(&root.join("study").join(DB_FILE))
        .unwrap()
        .study()
        .unwrap();
    let mut by_l2: BTreeMap<u64, BySeed> = BTreeMap::new();
    for r in &study.runs {
        let last = r.epochs.last().unwrap();
        let (train, cv) = (last.train_acc.unwrap(), last.cv_acc.unwrap());
        by_l2
            .entry(r.run.l2 as u64)
            .or_default()
            .insert(r.run.seed as u64, (train - cv, cv));
        // 40 of the 100 labels are corrupted: the memorization rows say how many were fitted.
        let memo = r.memorization.last().unwrap();
        let whole = (60.0 * memo.clean_acc.unwrap() + 40.0 * memo.noisy_fit.unwrap()) / 100.0;
        assert!((whole - train).abs() < 1e-9, "run {}", r.run.id);
    }
    let (none, l2) = (&by_l2[&0], &by_l2[&10]);
    // Overfitting is certain: without a penalty the network fits most of the noise, and
    // its gap is large on every seed.
    let memorized: Vec<f64> = study
        .runs
        .iter()
        .filter(|r| r.run.l2 == 0.0)
        .map(|r| r.memorization.last().unwrap().noisy_fit.unwrap())
        .collect();
    assert!(memorized.iter().all(|&m| m > 0.5), "{memorized:?}");
    assert!(none.values().all(|&(gap, _)| gap > 0.3), "{none:?}");

    // L2 (λ = 10, i.e. 0.05·Σw² for N = 100) shrinks the gap and lifts CV accuracy, paired by
    // seed. Measured over these five seeds: the gap falls by about 0.11 and CV accuracy rises
    // by about 0.07, with a seed-to-seed spread of a few hundredths; the assertions ask for
    // the 95 % interval of each paired difference to lie above a margin of 0.02.
    let paired = |i: usize| -> (Vec<f64>, Vec<f64>) {
        let pick = |m: &BySeed| -> Vec<f64> {
            m.values()
                .map(|&(gap, cv)| if i == 0 { gap } else { cv })
                .collect()
        };
        (pick(none), pick(l2))
    };
    let (gap_none, gap_l2) = paired(0);
    let d = Difference::paired(&gap_none, &gap_l2).unwrap();
    let (lo, _) = d.ci(0.95);
    assert!(lo > 0.02, "gap reduction {d:?}: interval from {lo}");
    let (cv_none, cv_l2) = paired(1);
    let d = Difference::paired(&cv_l2, &cv_none).unwrap();
    let (lo, _) = d.ci(0.95);
    assert!(lo > 0.02, "CV gain {d:?}: interval from {lo}");

    // The report's section finds the same: L2's best λ gains CV accuracy with its interval
    // above 0, and the memorization table is there.
    let summary = write_report(
        &root.join("study"),
        &ReportOptions {
            figures: true,
            ..Default::default()
        },
    )
    .unwrap();
    let md = std::fs::read_to_string(&summary.markdown).unwrap();
    assert!(
        md.contains("## Where regularization helps: the overfitting study"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| mnist · Adam · n = 100 · noise 0.4 | L2 | λ = 10 |"))
        .unwrap_or_else(|| panic!("no L2 row in\n{md}"));
    assert!(row.contains("| 5/5 |"), "{row}");
    assert!(md.contains("Memorization at the last epoch"), "{md}");
    assert!(md.contains("Early stopping"), "{md}");
    for stem in ["cv-vs-strength", "gap-vs-strength", "memorization"] {
        let png = root
            .join("study/figures")
            .join(format!("overfit-mnist-adam-{stem}.png"));
        assert!(png.is_file(), "{}", png.display());
    }
}
