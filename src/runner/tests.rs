//! Sweeps on a small synthetic set built by the data module (300 rows, 4 features, 3 classes).

use super::*;
use crate::experiment::Experiment;
use crate::store::Status;

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
    String,
    String,
    Vec<crate::store::EpochRow>,
    Vec<(i64, i64, f64, Option<f64>)>,
)>;

fn dump(db: &Path) -> Dump {
    let s = Store::open_existing(db).unwrap();
    s.runs()
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.status.clone(),
                r.config_json.clone(),
                s.epochs(r.id).unwrap(),
                s.batches(r.id).unwrap(),
            )
        })
        .collect()
}

/// Bitwise comparison (NaN-safe), ignoring wall-clock seconds.
pub(crate) fn same(a: &Dump, b: &Dump) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!((x.0, &x.1, &x.2), (y.0, &y.1, &y.2));
        assert_eq!(x.3.len(), y.3.len());
        for (e, f) in x.3.iter().zip(&y.3) {
            let bits = |r: &crate::store::EpochRow| {
                let mut v = vec![
                    r.epoch as u64,
                    r.step as u64,
                    r.train_cost.to_bits(),
                    r.cv_cost.to_bits(),
                    r.train_acc.to_bits(),
                    r.cv_acc.to_bits(),
                ];
                v.extend(
                    r.grad_norms
                        .iter()
                        .chain(&r.weight_norms)
                        .map(|g| g.to_bits()),
                );
                v
            };
            assert_eq!(bits(e), bits(f), "run {} epoch {}", x.0, e.epoch);
        }
        let bb = |v: &Vec<(i64, i64, f64, Option<f64>)>| {
            v.iter()
                .map(|b| (b.0, b.1, b.2.to_bits(), b.3.map(f64::to_bits)))
                .collect::<Vec<_>>()
        };
        assert_eq!(bb(&x.4), bb(&y.4), "run {}", x.0);
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
    assert_eq!(serial[0].3[1].grad_norms.len(), 3);
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
    let st = Store::open_existing(&out.join(DB_FILE)).unwrap();
    let runs = st.runs().unwrap();
    let d = runs.iter().find(|r| r.status == "diverged").unwrap();
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
    let st = Store::open_existing(&out.join(DB_FILE)).unwrap();
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
