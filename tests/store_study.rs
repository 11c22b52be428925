//! The results store end to end: a small sweep writes through `Store`, `StudyReader` reads
//! every field of every row back, the report reads the same through it, and the report's
//! cells are the stored configurations less their seeds (two runs that differ only in β1 are
//! two cells, named by the setting that separates them).

#[path = "report_common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mlplab::experiment::Experiment;
use mlplab::report::{ReportOptions, load_study, write_report};
use mlplab::runner::{DataCache, ProgressMode, SweepOptions, sweep};
use mlplab::store::{DB_FILE, SCHEMA_VERSION, Status, Store, StoredRun, StudyReader};
use rusqlite::types::Value;

const GRID: &str = r#"
name = "tiny"
[data]
dataset = "blobs:n=120,test=30,features=3,classes=3,seed=4"
split = { kind = "full", cv_size = 40 }
evaluate_test = true
[network]
hidden = [5]
[train]
loss = "cce"
batch_size = 16
epochs = 2
seed = [1, 2]
[optimizer]
kind = ["sgd", "adam"]
lr = { sgd = 0.1, adam = 0.01 }
"#;

fn study(name: &str, grid: &str) -> (PathBuf, Experiment) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("store-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let exp = Experiment::from_toml(grid, "tiny.toml").expect("grid");
    let opts = SweepOptions {
        out: dir.clone(),
        jobs: 2,
        progress: ProgressMode::Quiet,
        ..Default::default()
    };
    let s = sweep(&exp, &opts, &DataCache::new()).expect("sweep");
    assert_eq!(s.count(Status::Done), exp.runs.len());
    (dir, exp)
}

/// Every row of `table` as column → value, straight from SQLite (not through the reader).
fn raw(db: &Path, table: &str, order: &str) -> Vec<BTreeMap<String, Value>> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
        .expect("select");
    let names: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    let rows = stmt
        .query_map([], |r| {
            (0..names.len())
                .map(|i| Ok((names[i].clone(), r.get::<_, Value>(i)?)))
                .collect::<rusqlite::Result<BTreeMap<_, _>>>()
        })
        .expect("query");
    rows.collect::<rusqlite::Result<_>>().expect("rows")
}

fn real(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::Real)
}

fn text(v: &Option<String>) -> Value {
    v.clone().map_or(Value::Null, Value::Text)
}

/// The value the reader gave for `column` of a `runs` row; every column of the table must
/// have one, so a column the reader forgets fails here.
fn run_column(r: &StoredRun, column: &str) -> Value {
    let r = &r.run;
    let t = |s: &str| Value::Text(s.to_string());
    match column {
        "id" => Value::Integer(r.id),
        "run_key" => t(&r.key),
        "cell_key" => t(&r.cell_key),
        "study" => t(&r.study),
        "config_json" => t(&r.config_json),
        "dataset" => t(&r.dataset),
        "data_source" => text(&r.data_source),
        "split" => t(&r.split),
        "architecture" => t(&r.architecture),
        "loss" => t(&r.loss),
        "init" => t(&r.init),
        "optimizer" => t(&r.optimizer),
        "lr" => Value::Real(r.lr),
        "bias_correction" => Value::Integer(r.bias_correction as i64),
        "l2" => Value::Real(r.l2),
        "l1" => Value::Real(r.l1),
        "batch_size" => Value::Integer(r.batch_size),
        "epochs" => Value::Integer(r.epochs),
        "seed" => Value::Integer(r.seed),
        "threads" => Value::Integer(r.threads),
        "status" => t(r.status.as_str()),
        "error" => text(&r.error),
        "started_at" => text(&r.started_at),
        "finished_at" => text(&r.finished_at),
        "wall_seconds" => real(r.wall_seconds),
        "mlplab_version" => t(&r.mlplab_version),
        "git_commit" => text(&r.git_commit),
        other => panic!("runs.{other} is not read by StudyReader"),
    }
}

fn child_rows(r: &StoredRun, table: &str) -> Vec<BTreeMap<String, Value>> {
    let id = Value::Integer(r.run.id);
    let row = |pairs: Vec<(&str, Value)>| -> BTreeMap<String, Value> {
        let mut m: BTreeMap<String, Value> =
            pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        m.insert("run_id".into(), id.clone());
        m
    };
    match table {
        "epochs" => r
            .epochs
            .iter()
            .map(|e| {
                row(vec![
                    ("epoch", Value::Integer(e.epoch)),
                    ("step", Value::Integer(e.step)),
                    ("train_cost", real(e.train_cost)),
                    ("cv_cost", real(e.cv_cost)),
                    ("train_acc", real(e.train_acc)),
                    ("cv_acc", real(e.cv_acc)),
                    ("test_cost", real(e.test_cost)),
                    ("test_acc", real(e.test_acc)),
                    ("seconds", Value::Real(e.seconds)),
                ])
            })
            .collect(),
        "layer_norms" => r
            .layer_norms
            .iter()
            .map(|n| {
                row(vec![
                    ("epoch", Value::Integer(n.epoch)),
                    ("layer", Value::Integer(n.layer)),
                    ("grad_norm", real(n.grad_norm)),
                    ("weight_norm", real(n.weight_norm)),
                ])
            })
            .collect(),
        "batches" => r
            .batches
            .iter()
            .map(|b| {
                row(vec![
                    ("step", Value::Integer(b.step)),
                    ("epoch", Value::Integer(b.epoch)),
                    ("cost", real(b.cost)),
                    ("accuracy", real(b.accuracy)),
                ])
            })
            .collect(),
        other => panic!("no table {other}"),
    }
}

#[test]
fn a_sweep_round_trips_through_the_store_and_the_reader() {
    let (dir, exp) = study("round-trip", GRID);
    let db = dir.join(DB_FILE);
    let reader = StudyReader::open(&db).expect("reader");
    let stored = reader.study().expect("study");
    assert_eq!(stored.runs.len(), exp.runs.len());

    // What the runs were: every run's identity and configuration as planned.
    for (s, run) in stored.runs.iter().zip(&exp.runs) {
        assert_eq!(s.run.key, run.key());
        assert_eq!(s.run.cell_key, run.cell_key());
        assert_eq!(s.run.config_json, run.canonical_json());
        assert_eq!(s.run.status, Status::Done);
        assert_eq!(s.run.architecture, "3-5xleaky-relu(0.1)-3xsoftmax");
        assert_eq!(s.epochs.len(), 3, "epochs 0, 1, 2");
        assert_eq!(s.batches.len(), 2 * 80usize.div_ceil(16));
        assert_eq!(s.layer_norms.len(), 3 * 2, "two layers per epoch");
        assert!(
            s.epochs
                .iter()
                .all(|e| e.test_acc.is_some() && e.cv_acc.is_some())
        );
        assert!(
            s.layer_norms[0].grad_norm.is_none(),
            "no gradient before training"
        );
    }
    // Seeds share a cell, optimizers do not.
    let cells: std::collections::BTreeSet<&str> = stored
        .runs
        .iter()
        .map(|r| r.run.cell_key.as_str())
        .collect();
    assert_eq!(cells.len(), 2);

    // Every column of every row, against SQLite itself.
    let raw_runs = raw(&db, "runs", "id");
    assert_eq!(raw_runs.len(), stored.runs.len());
    for (row, s) in raw_runs.iter().zip(&stored.runs) {
        for (column, value) in row {
            assert_eq!(
                &run_column(s, column),
                value,
                "runs.{column} of run {}",
                s.run.id
            );
        }
    }
    for (table, order) in [
        ("epochs", "run_id, epoch"),
        ("layer_norms", "run_id, epoch, layer"),
        ("batches", "run_id, step"),
    ] {
        let ours: Vec<_> = stored
            .runs
            .iter()
            .flat_map(|r| child_rows(r, table))
            .collect();
        assert_eq!(ours, raw(&db, table, order), "{table}");
    }
    let meta: Vec<(String, String)> = raw(&db, "meta", "key")
        .into_iter()
        .map(|m| match (&m["key"], &m["value"]) {
            (Value::Text(k), Value::Text(v)) => (k.clone(), v.clone()),
            other => panic!("meta row {other:?}"),
        })
        .collect();
    assert_eq!(stored.meta, meta);
    assert!(meta.contains(&("schema_version".into(), SCHEMA_VERSION.to_string())));

    // The report reads the same rows through the same reader.
    let report = load_study(&dir).expect("report load");
    assert_eq!(report.meta, stored.meta);
    for (r, s) in report.runs.iter().zip(&stored.runs) {
        assert_eq!(
            (r.id, r.status, &r.cell_key),
            (s.run.id, s.run.status, &s.run.cell_key)
        );
        assert_eq!(r.epochs, s.epochs, "all finite, so unchanged");
        assert_eq!(r.layer_norms, s.layer_norms);
        assert_eq!(r.batches, s.batches);
    }
}

#[test]
fn runs_that_differ_only_in_beta1_are_two_cells() {
    let grid = GRID
        .replace(
            "kind = [\"sgd\", \"adam\"]",
            "kind = \"adam\"\nbeta1 = [0.8, 0.9]",
        )
        .replace("lr = { sgd = 0.1, adam = 0.01 }", "lr = 0.01");
    let (dir, exp) = study("beta1", &grid);
    assert_eq!(exp.runs.len(), 4);
    let opts = ReportOptions {
        figures: false,
        ..Default::default()
    };
    let s = write_report(&dir, &opts).expect("report");
    let md = std::fs::read_to_string(&s.markdown).expect("md");
    assert!(
        md.contains("Varied: train.optimizer.beta1 ∈ {0.8, 0.9}"),
        "{md}"
    );
    for beta in ["0.8", "0.9"] {
        let row = md
            .lines()
            .find(|l| l.contains(&format!("Adam, train.optimizer.beta1={beta} |")))
            .unwrap_or_else(|| panic!("no row for β1 = {beta}:\n{md}"));
        assert!(row.contains("| 2/2 |"), "two seeds in the cell: {row}");
    }
    let (best, _) = s.sections[0].best_cv_acc.clone().expect("best");
    assert!(best.contains("train.optimizer.beta1="), "{best}");
}

#[test]
fn the_presets_show_only_their_named_axes() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("store-tests")
        .join("presets");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut store = Store::open(&dir.join(DB_FILE)).expect("store");
    for p in mlplab::experiment::PRESETS {
        let exp = p.experiment().expect("preset");
        store.plan(&exp.name, &exp.runs).expect("plan");
    }
    drop(store);
    let opts = ReportOptions {
        figures: false,
        ..Default::default()
    };
    let s = write_report(&dir, &opts).expect("report");
    let md = std::fs::read_to_string(&s.markdown).expect("md");
    for other in ["train.", "network.", "data.", "cell "] {
        assert!(!md.contains(other), "{other} in the preset report:\n{md}");
    }
    assert!(md.contains("Varied: init ∈ {uniform, he}; λ ∈"), "{md}");
}

#[test]
fn a_setting_that_follows_a_named_axis_is_not_an_extra_axis() {
    // β1 differs between the optimizers but never within one: it separates no cell.
    let dir = common::study_dir("beta-follows-optimizer");
    let conn = common::create_db(&dir, "2");
    for (opt, beta) in [("momentum", 0.9), ("adam", 0.8)] {
        for seed in [1, 2] {
            let mut s = common::Spec::new(
                "mnist",
                "he",
                opt,
                0.0,
                seed,
                common::Curve::learns(0.9, 1.0),
            );
            s.settings = vec![("train.optimizer.beta1".into(), beta.into())];
            common::insert(&conn, &s);
        }
    }
    drop(conn);
    let opts = ReportOptions {
        figures: false,
        ..Default::default()
    };
    let md =
        std::fs::read_to_string(write_report(&dir, &opts).expect("report").markdown).expect("md");
    assert!(!md.contains("beta1"), "{md}");
    assert!(
        md.contains("| Adam, lr 0.001 |") || md.contains("| Adam |"),
        "{md}"
    );
}

#[test]
fn a_metric_that_was_not_evaluated_shows_as_a_dash() {
    let dir = common::study_dir("not-evaluated");
    let conn = common::create_db(&dir, "2");
    let id = common::insert(
        &conn,
        &common::Spec::new(
            "spirals",
            "he",
            "adam",
            0.0,
            1,
            common::Curve::learns(0.8, 1.0),
        ),
    );
    conn.execute(
        "UPDATE epochs SET cv_cost = NULL, cv_acc = NULL WHERE run_id = ?1",
        [id],
    )
    .expect("update");
    drop(conn);
    let run = &load_study(&dir).expect("load").runs[0];
    assert!(
        run.epochs
            .iter()
            .all(|e| e.cv_acc.is_none() && e.train_acc.is_some())
    );
    let opts = ReportOptions {
        figures: false,
        ..Default::default()
    };
    let md =
        std::fs::read_to_string(write_report(&dir, &opts).expect("report").markdown).expect("md");
    let row = md
        .lines()
        .find(|l| l.starts_with("| Adam"))
        .unwrap_or_else(|| panic!("no Adam row:\n{md}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // configuration, lr, n, status, train cost, CV cost, train acc, CV acc, gap, epochs
    assert_eq!(cells[6], "—", "CV cost: {row}");
    assert_eq!(cells[8], "—", "CV acc: {row}");
    assert_ne!(cells[7], "—", "train acc: {row}");
}
