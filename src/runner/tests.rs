//! Sweeps on a small synthetic set built by the data module (300 rows, 4 features, 3 classes).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::*;
use crate::experiment::Experiment;
use crate::store::{DB_FILE, Status, Store, StudyReader};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-runner-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const GRID: &str = r#"
name = "tiny"
[data]
dataset = "blobs:n=300,test=0,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
[network]
hidden = [8, 8]
init = ["he", "uniform"]
[train]
loss = "cce"
batch_size = 20
epochs = 3
[optimizer]
kind = ["sgd", "adam"]
lr = { sgd = 0.1, adam = 0.01 }
[regularization]
l2 = [0, 1]
"#;

fn opts(out: &Path, jobs: usize) -> SweepOptions {
    SweepOptions {
        out: out.to_path_buf(),
        jobs,
        progress: ProgressMode::Quiet,
        ..Default::default()
    }
}

type Dump = Vec<(
    i64,
    Status,
    String,
    Vec<crate::store::EpochRow>,
    Vec<crate::store::BatchRow>,
    Vec<crate::store::LayerNormRow>,
)>;

fn dump(db: &Path) -> Dump {
    let s = StudyReader::open(db).unwrap();
    s.runs()
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.status,
                r.config_json.clone(),
                s.epochs(r.id).unwrap(),
                s.batches(r.id).unwrap(),
                s.layer_norms(r.id).unwrap(),
            )
        })
        .collect()
}

/// Bitwise comparison (NaN-safe), ignoring wall-clock seconds.
pub(crate) fn same(a: &Dump, b: &Dump) {
    let bits = |v: Option<f64>| v.map(f64::to_bits);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!((x.0, &x.1, &x.2), (y.0, &y.1, &y.2));
        assert_eq!(x.3.len(), y.3.len());
        for (e, f) in x.3.iter().zip(&y.3) {
            let row = |r: &crate::store::EpochRow| {
                (
                    r.epoch,
                    r.step,
                    [r.train_cost, r.cv_cost, r.train_acc, r.cv_acc].map(bits),
                )
            };
            assert_eq!(row(e), row(f), "run {} epoch {}", x.0, e.epoch);
        }
        let bb = |v: &Vec<crate::store::BatchRow>| {
            v.iter()
                .map(|b| (b.step, b.epoch, bits(b.cost), bits(b.accuracy)))
                .collect::<Vec<_>>()
        };
        assert_eq!(bb(&x.4), bb(&y.4), "run {}", x.0);
        let nn = |v: &Vec<crate::store::LayerNormRow>| {
            v.iter()
                .map(|n| (n.epoch, n.layer, bits(n.grad_norm), bits(n.weight_norm)))
                .collect::<Vec<_>>()
        };
        assert_eq!(nn(&x.5), nn(&y.5), "run {}", x.0);
    }
}

#[test]
fn jobs_give_bitwise_the_serial_result_and_reruns_skip() {
    let exp = Experiment::from_toml(GRID, "tiny.toml").unwrap();
    assert_eq!(exp.runs.len(), 8);
    let cache = DataCache::new();
    let (a, b) = (dir("serial"), dir("jobs"));
    let s = sweep(&exp, &opts(&a, 1), &cache).unwrap();
    assert_eq!(s.count(Status::Done), 8);
    let p = sweep(&exp, &opts(&b, 3), &cache).unwrap();
    assert_eq!(p.count(Status::Done), 8);
    let serial = dump(&a.join(DB_FILE));
    same(&serial, &dump(&b.join(DB_FILE)));
    assert_eq!(serial[0].3.len(), 4, "epochs 0..=3");
    assert_eq!(serial[0].4.len(), 3 * 10, "10 batches of 20 per epoch");
    let grads = serial[0]
        .5
        .iter()
        .filter(|n| n.epoch == 1 && n.grad_norm.is_some());
    assert_eq!(grads.count(), 3);
    // A rerun skips everything.
    let again = sweep(&exp, &opts(&a, 2), &cache).unwrap();
    assert_eq!((again.skipped, again.executed.len()), (8, 0));
}

#[test]
fn unfinished_runs_restart_and_match() {
    let exp = Experiment::from_toml(GRID, "tiny.toml").unwrap();
    let cache = DataCache::new();
    let (a, b) = (dir("restart-ref"), dir("restart"));
    sweep(&exp, &opts(&a, 2), &cache).unwrap();
    // Interrupt a sweep as soon as it starts: every run ends interrupted or never starts.
    let o = opts(&b, 2);
    o.stop.store(true, Ordering::SeqCst);
    let s = sweep(&exp, &o, &cache).unwrap();
    assert!(s.interrupted());
    // Fake a kill in the middle of run 3: status running with partial rows.
    {
        let mut st = Store::open(&b.join(DB_FILE)).unwrap();
        st.start(3, "{}", 1, "x", "y").unwrap();
        st.record_batches(
            3,
            &[crate::train::BatchRecord {
                step: 1,
                epoch: 1,
                cost: 9.0,
                accuracy: 0.0,
            }],
        )
        .unwrap();
    }
    let s = sweep(&exp, &opts(&b, 2), &cache).unwrap();
    assert_eq!(s.count(Status::Done), 8);
    same(&dump(&a.join(DB_FILE)), &dump(&b.join(DB_FILE)));
}

#[test]
fn a_diverging_run_is_recorded_and_the_others_go_on() {
    let text = GRID.replace(
        "lr = { sgd = 0.1, adam = 0.01 }",
        "lr = { sgd = 1e30, adam = 0.01 }",
    );
    let exp = Experiment::from_toml(&text, "tiny.toml").unwrap();
    let out = dir("diverge");
    let s = sweep(&exp, &opts(&out, 2), &DataCache::new()).unwrap();
    assert!(s.count(Status::Diverged) >= 1, "{s:?}");
    assert_eq!(s.count(Status::Done) + s.count(Status::Diverged), 8);
    let st = StudyReader::open(&out.join(DB_FILE)).unwrap();
    let runs = st.runs().unwrap();
    let d = runs.iter().find(|r| r.status == Status::Diverged).unwrap();
    assert!(
        d.error
            .as_deref()
            .unwrap_or("")
            .contains("diverged at step")
    );
    assert!(!st.epochs(d.id).unwrap().is_empty(), "epoch 0 is kept");
}

#[test]
fn bad_input_is_rejected_before_training() {
    let exp = Experiment::from_toml(GRID, "tiny.toml").unwrap();
    // An output directory that cannot be created (its parent is a file).
    let base = dir("unwritable");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(base.join("file"), b"").unwrap();
    let e = sweep(
        &exp,
        &opts(&base.join("file").join("study"), 1),
        &DataCache::new(),
    )
    .unwrap_err();
    assert!(matches!(e, RunnerError::Output { .. }), "{e}");
    // Input width that does not match the data: nothing starts.
    let text = GRID.replace("hidden = [8, 8]", "hidden = [8, 8]\ninputs = 5");
    let exp = Experiment::from_toml(&text, "tiny.toml").unwrap();
    let out = dir("width");
    let e = sweep(&exp, &opts(&out, 1), &DataCache::new()).unwrap_err();
    assert!(
        e.to_string().contains("network.inputs = 5") && e.to_string().contains("4 features"),
        "{e}"
    );
    let st = StudyReader::open(&out.join(DB_FILE)).unwrap();
    assert!(
        st.runs().unwrap().is_empty(),
        "nothing is planned when a run does not fit"
    );
    // A dataset that does not exist.
    let text = GRID.replace("blobs:n=300", "nosuchset:n=300");
    let exp = Experiment::from_toml(&text, "tiny.toml").unwrap();
    assert!(matches!(
        sweep(&exp, &opts(&dir("noset"), 1), &DataCache::new()),
        Err(RunnerError::Data { .. })
    ));
}

#[test]
fn shards_cover_the_grid() {
    let exp = Experiment::from_toml(GRID, "tiny.toml").unwrap();
    let cache = DataCache::new();
    let out = dir("shards");
    let mut total = 0;
    for i in 0..3 {
        let o = SweepOptions {
            shard: Shard::new(i, 3).unwrap(),
            ..opts(&out, 1)
        };
        let s = sweep(&exp, &o, &cache).unwrap();
        assert!(
            s.db.to_string_lossy()
                .ends_with(&format!("mlplab.shard-{i}-of-3.db"))
        );
        total += s.count(Status::Done);
    }
    assert_eq!(total, 8);
}

#[test]
fn weights_are_saved_and_reloaded() {
    let text = GRID
        .replace("init = [\"he\", \"uniform\"]", "init = \"he\"")
        .replace("l2 = [0, 1]", "l2 = 0")
        .replace("kind = [\"sgd\", \"adam\"]", "kind = \"sgd\"");
    let exp = Experiment::from_toml(&text, "tiny.toml").unwrap();
    assert_eq!(exp.runs.len(), 1);
    let out = dir("weights");
    let file = out.join("w.safetensors");
    let o = SweepOptions {
        save_weights: Some(WeightsTarget::File(file.clone())),
        ..opts(&out, 1)
    };
    sweep(&exp, &o, &DataCache::new()).unwrap();
    let arch = crate::store::checkpoint::architecture(&file)
        .unwrap()
        .unwrap();
    assert_eq!(arch.inputs, 4);
    // Train again from the saved weights, with a mismatched network: an error naming both.
    let bad = text.replace(
        "hidden = [8, 8]",
        &format!(
            "hidden = [8, 9]\ninit_weights = {:?}",
            file.display().to_string()
        ),
    );
    let exp = Experiment::from_toml(&bad, "tiny.toml").unwrap();
    let e = sweep(&exp, &opts(&dir("weights2"), 1), &DataCache::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layers.1.weight [8, 8]") && e.contains("layers.1.weight [9, 8]"),
        "{e}"
    );
}

/// GRID with `threads` threads per run and λ ∈ `l2`.
fn grid_with_threads(threads: usize, l2: &str) -> Experiment {
    let text = GRID
        .replace("epochs = 3", &format!("epochs = 1\nthreads = {threads}"))
        .replace("l2 = [0, 1]", &format!("l2 = {l2}"));
    Experiment::from_toml(&text, "tiny.toml").unwrap()
}

/// `dump` without the stored configs (they hold `train.threads`, which differs on purpose).
fn results(db: &Path) -> Dump {
    let mut d = dump(db);
    for run in &mut d {
        run.2.clear();
    }
    d
}

#[test]
fn threads_per_run_and_handed_on_cores_give_bitwise_the_serial_result() {
    let cache = DataCache::new();
    let (a, b, c) = (dir("t-serial"), dir("t-three"), dir("t-auto"));
    sweep(&grid_with_threads(1, "[0, 1]"), &opts(&a, 1), &cache).unwrap();
    sweep(&grid_with_threads(3, "[0, 1]"), &opts(&b, 1), &cache).unwrap();
    let auto = SweepOptions {
        rebalance: true,
        ..opts(&c, 3)
    };
    let s = sweep(&grid_with_threads(1, "[0, 1]"), &auto, &cache).unwrap();
    assert_eq!(s.count(Status::Done), 8);
    let serial = results(&a.join(DB_FILE));
    same(&serial, &results(&b.join(DB_FILE)));
    same(&serial, &results(&c.join(DB_FILE)));
}

#[test]
fn resuming_on_another_thread_count_keeps_the_finished_runs() {
    // Results do not depend on the thread count, so runs finished on 1 thread are kept
    // when the grid grows and the new runs train on 2.
    let cache = DataCache::new();
    let out = dir("threads");
    let s = sweep(&grid_with_threads(1, "[0, 1]"), &opts(&out, 2), &cache).unwrap();
    assert_eq!(s.count(Status::Done), 8);
    let s = sweep(&grid_with_threads(2, "[0, 1, 2]"), &opts(&out, 2), &cache).unwrap();
    assert_eq!((s.skipped, s.executed.len()), (8, 4));
    let runs = StudyReader::open(&out.join(DB_FILE))
        .unwrap()
        .runs()
        .unwrap();
    let threads: Vec<i64> = runs.iter().map(|r| r.threads).collect();
    assert_eq!(
        threads.iter().filter(|&&t| t == 1).count(),
        8,
        "{threads:?}"
    );
    assert_eq!(
        threads.iter().filter(|&&t| t == 2).count(),
        4,
        "{threads:?}"
    );
}

#[test]
fn running_runs_share_the_cores_and_take_those_of_finished_runs() {
    let cores = execute::Cores::new(4);
    let one = cores.join();
    assert_eq!(cores.share(), 4);
    let two = cores.join();
    let three = cores.join();
    assert_eq!(cores.share(), 1, "4 cores ÷ 3 runs");
    drop(one);
    assert_eq!(cores.share(), 2);
    drop((two, three));
    assert_eq!(cores.share(), 4, "no run: a new one takes every core");
}

#[test]
fn a_run_that_panics_is_recorded_failed_and_the_others_go_on() {
    let text = GRID
        .replace("init = [\"he\", \"uniform\"]", "init = \"he\"")
        .replace("l2 = [0, 1]", "l2 = 0")
        .replace("kind = [\"sgd\", \"adam\"]", "kind = \"sgd\"")
        .replace(
            "epochs = 3",
            &format!("epochs = 3\nseed = [1, {}, 2]", execute::PANIC_SEED),
        );
    let exp = Experiment::from_toml(&text, "tiny.toml").unwrap();
    assert_eq!(exp.runs.len(), 3);
    let out = dir("panic");
    let s = sweep(&exp, &opts(&out, 2), &DataCache::new()).unwrap();
    assert_eq!(
        (s.count(Status::Done), s.count(Status::Failed)),
        (2, 1),
        "{s:?}"
    );
    let st = StudyReader::open(&out.join(DB_FILE)).unwrap();
    let runs = st.runs().unwrap();
    assert!(runs.iter().all(|r| r.status != Status::Running), "{runs:?}");
    let failed = runs.iter().find(|r| r.status == Status::Failed).unwrap();
    assert_eq!(failed.seed as u64, execute::PANIC_SEED);
    let error = failed.error.as_deref().unwrap_or("");
    assert!(
        error.contains("panicked") && error.contains("test hook: panic after epoch 1"),
        "{error}"
    );
    assert_eq!(
        st.epochs(failed.id).unwrap().len(),
        2,
        "epochs 0 and 1 are kept"
    );
    assert!(failed.wall_seconds.is_some());
}

#[test]
fn the_test_set_evaluated_at_the_end_only_matches_the_every_epoch_run_there() {
    let toml = r#"
name = "test-at-end"
[data]
dataset = "blobs:n=300,test=120,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
evaluate_test = [true, "final", false]
[network]
hidden = [8]
[train]
loss = "cce"
batch_size = 20
epochs = 3
[optimizer]
kind = "adam"
lr = 0.01
"#;
    let exp = Experiment::from_toml(toml, "t.toml").unwrap();
    let out = dir("test-at-end");
    let s = sweep(&exp, &opts(&out, 1), &DataCache::new()).unwrap();
    assert_eq!(s.count(Status::Done), 3);
    let d = dump(&out.join(DB_FILE));
    let (every, last, never) = (&d[0].3, &d[1].3, &d[2].3);
    assert_eq!(every.len(), 4);
    assert!(every.iter().all(|e| e.test_acc.is_some()));
    // "final": the test set only in the last row, equal to the every-epoch run's last row.
    let tests: Vec<bool> = last.iter().map(|e| e.test_acc.is_some()).collect();
    assert_eq!(tests, [false, false, false, true]);
    let (a, b) = (&every[3], &last[3]);
    assert_eq!((a.test_cost, a.test_acc), (b.test_cost, b.test_acc));
    assert!(a.test_acc.is_some_and(|x| x > 0.0));
    // Training is not touched: every other column is the same in all three runs.
    for rows in [last, never] {
        for (x, y) in every.iter().zip(rows.iter()) {
            assert_eq!(
                (x.train_cost, x.cv_cost, x.cv_acc),
                (y.train_cost, y.cv_cost, y.cv_acc)
            );
        }
    }
    assert!(never.iter().all(|e| e.test_acc.is_none()));
}

#[test]
fn a_run_on_corrupted_labels_records_what_it_memorized_and_every_run_its_sparsity() {
    let toml = r#"
name = "memo"
[data]
dataset = "blobs:n=300,test=120,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
evaluate_test = "final"
label_noise = [0, 0.4]
[network]
hidden = [8]
[train]
loss = "cce"
batch_size = 20
epochs = 4
eval_every = 2
[optimizer]
kind = "adam"
lr = 0.01
"#;
    let exp = Experiment::from_toml(toml, "t.toml").unwrap();
    let out = dir("memorization");
    let s = sweep(&exp, &opts(&out, 1), &DataCache::new()).unwrap();
    assert_eq!(s.count(Status::Done), 2);
    let reader = StudyReader::open(&out.join(DB_FILE)).unwrap();
    let study = reader.study().unwrap();
    let (clean, noisy) = (&study.runs[0], &study.runs[1]);
    assert!(clean.memorization.is_empty());
    // Evaluated epochs 0, 2 and 4 only; 200 training rows, 80 of them corrupted.
    let epochs: Vec<i64> = noisy.memorization.iter().map(|m| m.epoch).collect();
    assert_eq!(epochs, [0, 2, 4]);
    for m in &noisy.memorization {
        let e = noisy.epochs.iter().find(|e| e.epoch == m.epoch).unwrap();
        let (c, f, t) = (
            m.clean_acc.unwrap(),
            m.noisy_fit.unwrap(),
            m.noisy_true.unwrap(),
        );
        // The training accuracy is the row-weighted mean of the clean and corrupted parts.
        let whole = (120.0 * c + 80.0 * f) / 200.0;
        assert!((whole - e.train_acc.unwrap()).abs() < 1e-9, "{m:?} {e:?}");
        // A corrupted row cannot match both its given and its (different) true label.
        assert!(f + t <= 1.0 + 1e-12, "{m:?}");
    }
    // The memorization sets do not push the test set out of the last row.
    assert!(noisy.epochs.last().unwrap().test_acc.is_some());
    assert_eq!(
        reader.memorization(noisy.run.id).unwrap(),
        noisy.memorization
    );
    // Sparsity: one row per layer (2) for every epoch 0..=4, fractions in [0, 1].
    for run in [clean, noisy] {
        assert_eq!(run.sparsity.len(), 5 * 2);
        assert!(run.sparsity.iter().all(|r| {
            let (s, z) = (r.small.unwrap(), r.zero.unwrap());
            (0.0..=1.0).contains(&s) && (0.0..=s).contains(&z)
        }));
    }
    // A restart deletes the new tables' rows with the others.
    let mut store = Store::open(&out.join(DB_FILE)).unwrap();
    store
        .start(noisy.run.id, "{}", 1, "generated", "x")
        .unwrap();
    drop(store);
    let reader = StudyReader::open(&out.join(DB_FILE)).unwrap();
    assert!(reader.memorization(noisy.run.id).unwrap().is_empty());
    assert!(reader.sparsity(noisy.run.id).unwrap().is_empty());
}

#[test]
fn an_lbfgs_sweep_records_its_iterations_beside_adam_at_equal_passes() {
    let grid = r#"
name = "tiny-lbfgs"
[data]
dataset = "blobs:n=300,test=0,features=4,classes=3,seed=2"
split = { kind = "full", cv_size = 100 }
[network]
hidden = [8]
[train]
loss = "cce"
epochs = 4
[regularization]
l1 = [0, 2]
[[run]]
optimizer = { kind = "adam", lr = 0.01 }
[[run]]
optimizer = { kind = "lbfgs" }
[[run]]
optimizer = { kind = "lbfgs", batch_size = 50, hold = 2 }
"#;
    let exp = Experiment::from_toml(grid, "tiny-lbfgs.toml").unwrap();
    assert_eq!(exp.runs.len(), 6);
    let out = dir("lbfgs");
    let s = sweep(&exp, &opts(&out, 1), &DataCache::new()).unwrap();
    assert_eq!(s.count(Status::Done), 6);
    let reader = StudyReader::open(&out.join(DB_FILE)).unwrap();
    let runs = reader.runs().unwrap();
    for r in &runs {
        let epochs = reader.epochs(r.id).unwrap();
        assert_eq!(epochs.len(), 5, "run {}: epochs 0..=4", r.id);
        let its = reader.lbfgs_iterations(Some(r.id)).unwrap();
        if r.optimizer == "lbfgs" {
            assert!(!its.is_empty(), "run {}", r.id);
            let last = its.last().unwrap();
            assert!(last.passes <= 4.0, "{last:?}");
            let owlqn = r.l1 > 0.0;
            assert_eq!(!last.zero_fractions.is_empty(), owlqn, "{last:?}");
        } else {
            assert!(its.is_empty());
        }
    }
    // The report compares them at equal passes (tests may name a higher layer).
    let opts = crate::report::ReportOptions {
        figures: false,
        ..Default::default()
    };
    let summary = crate::report::write_report(&out, &opts).unwrap();
    let md = std::fs::read_to_string(&summary.markdown).unwrap();
    assert!(md.contains("Optimizers at equal data passes"), "{md}");
    assert!(md.contains("L-BFGS, full batch") && md.contains("OWL-QN, batches of 50 held 2"));
}
