use std::path::PathBuf;

use rusqlite::Connection;

use super::*;
use crate::experiment::{Experiment, RunConfig};
use crate::train::BatchRecord;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlplab-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn runs(n: usize) -> Vec<RunConfig> {
    let seeds: Vec<String> = (0..n).map(|s| s.to_string()).collect();
    Experiment::from_toml(&format!("[train]\nseed = [{}]\n", seeds.join(",")), "t")
        .unwrap()
        .runs
}

fn epoch(e: i64) -> EpochRow {
    EpochRow {
        epoch: e,
        step: 2 * e,
        train_cost: Some(1.0 / (e as f64 + 1.0)),
        cv_cost: Some(0.5),
        train_acc: Some(0.25),
        cv_acc: Some(0.125),
        test_cost: None,
        test_acc: None,
        seconds: 0.1,
    }
}

fn norms(e: i64) -> Vec<LayerNormRow> {
    let grads: &[f64] = if e == 0 { &[] } else { &[1.0, 2.0] };
    LayerNormRow::of_epoch(e, grads, &[3.0, 4.0])
}

fn batch(step: u64) -> BatchRecord {
    BatchRecord {
        step,
        epoch: 1,
        cost: step as f64,
        accuracy: 0.5,
    }
}

fn reader(s: &Store) -> StudyReader {
    StudyReader::open(s.path()).unwrap()
}

#[test]
fn plan_assigns_ids_in_order_and_is_idempotent() {
    let dir = temp_dir("plan");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    let r = runs(3);
    let p = s.plan("t", &r).unwrap();
    assert_eq!(p.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    s.start(2, &r[1].canonical_json(), 1, "embedded", "a")
        .unwrap();
    s.finish(2, Status::Done, None, 1.0).unwrap();
    let again = s.plan("t", &r).unwrap();
    assert_eq!(again[1].status, Status::Done);
    assert_eq!(again[0].status, Status::Pending);
    let more = s.plan("t", &runs(4)).unwrap();
    assert_eq!(more[3].id, 4);
    // Seeds of one configuration: one cell.
    let rows = reader(&s).runs().unwrap();
    assert!(rows.iter().all(|row| row.cell_key == r[0].cell_key()));
    assert_eq!(rows[2].key, r[2].key());
}

#[test]
fn epochs_round_trip_and_restart_clears_rows() {
    let dir = temp_dir("epochs");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    let r = runs(1);
    s.plan("t", &r).unwrap();
    s.start(1, "{}", 1, "x", "a").unwrap();
    s.record_epoch(1, &epoch(0), &norms(0), &[]).unwrap();
    s.record_epoch(1, &epoch(1), &norms(1), &[batch(1), batch(2)])
        .unwrap();
    let back = reader(&s);
    assert_eq!(back.epochs(1).unwrap(), vec![epoch(0), epoch(1)]);
    let mut all = norms(0);
    all.extend(norms(1));
    assert_eq!(back.layer_norms(1).unwrap(), all);
    assert_eq!(back.batches(1).unwrap().len(), 2);
    s.start(1, "{}", 1, "x", "a").unwrap();
    let back = reader(&s);
    assert!(back.epochs(1).unwrap().is_empty());
    assert!(back.batches(1).unwrap().is_empty());
    assert_eq!(back.runs().unwrap()[0].status, Status::Running);
}

#[test]
fn a_missing_evaluation_reads_back_as_absent() {
    let dir = temp_dir("missing-eval");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    s.plan("t", &runs(1)).unwrap();
    s.start(1, "{}", 1, "x", "a").unwrap();
    let row = EpochRow {
        cv_cost: None,
        cv_acc: None,
        ..epoch(0)
    };
    s.record_epoch(1, &row, &norms(0), &[]).unwrap();
    let back = reader(&s).epochs(1).unwrap();
    assert_eq!((back[0].cv_cost, back[0].cv_acc), (None, None));
    assert_eq!(back[0].train_cost, Some(1.0));
    let null: Option<f64> = s
        .connection()
        .query_row("SELECT cv_acc FROM epochs WHERE run_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(null, None, "stored as NULL, not 0");
}

#[test]
fn unknown_status_and_null_value_are_errors_naming_run_and_column() {
    let dir = temp_dir("bad-rows");
    let path = dir.join(DB_FILE);
    let mut s = Store::open(&path).unwrap();
    s.plan("t", &runs(2)).unwrap();
    drop(s);
    let c = Connection::open(&path).unwrap();
    // The CHECK constraint guards status; a database from elsewhere may not have it.
    c.execute_batch(
        "PRAGMA ignore_check_constraints = ON; UPDATE runs SET status = 'paused' WHERE id = 2;",
    )
    .unwrap();
    drop(c);
    let e = StudyReader::open(&path).unwrap().runs().unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("run 2 (key "), "{msg}");
    assert!(msg.contains("runs.status"), "{msg}");
    assert!(
        msg.contains("\"paused\"") && msg.contains("valid: pending"),
        "{msg}"
    );
    let keys: Vec<String> = runs(2).iter().map(|r| r.key()).collect();
    let e = Store::open(&path).unwrap().statuses(&keys).unwrap_err();
    assert!(e.to_string().contains("runs.status"), "{e}");
    // A NULL where the schema requires a value (written by something that dropped the
    // constraint): an error, never a default.
    let c = Connection::open(&path).unwrap();
    c.execute_batch(
        "UPDATE runs SET status = 'done';
         CREATE TABLE r2 AS SELECT * FROM runs; UPDATE r2 SET l2 = NULL WHERE id = 1;
         PRAGMA foreign_keys = OFF; DROP TABLE runs; ALTER TABLE r2 RENAME TO runs;",
    )
    .unwrap();
    drop(c);
    let e = StudyReader::open(&path).unwrap().runs().unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("run 1 (key ") && msg.contains("runs.l2 is NULL"),
        "{msg}"
    );
}

#[test]
fn newer_schema_is_refused() {
    let dir = temp_dir("newer");
    let path = dir.join(DB_FILE);
    drop(Store::open(&path).unwrap());
    let c = Connection::open(&path).unwrap();
    c.execute(
        "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(c);
    let e = Store::open(&path).err().unwrap();
    assert!(
        matches!(e, StoreError::NewerSchema { found: 99, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("newer mlplab"), "{e}");
    let e = StudyReader::open(&path).err().unwrap();
    assert!(
        matches!(e, StoreError::NewerSchema { found: 99, .. }),
        "{e}"
    );
}

#[test]
fn not_a_database_is_refused() {
    let dir = temp_dir("garbage");
    let path = dir.join(DB_FILE);
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let e = Store::open(&path).err().unwrap();
    assert!(
        e.to_string().contains("not an mlplab results database"),
        "{e}"
    );
    let e = StudyReader::open(&path).err().unwrap();
    assert!(
        e.to_string().contains("not an mlplab results database"),
        "{e}"
    );
    assert!(Store::open_existing(&dir.join("none.db")).is_err());
    assert!(matches!(
        StudyReader::open(&dir.join("none.db")),
        Err(StoreError::Missing { .. })
    ));
}

/// A schema-1 database: `runs` without `cell_key`, version 1.
fn schema_1(path: &std::path::Path, runs: &[RunConfig]) {
    let mut s = Store::open(path).unwrap();
    s.plan("t", runs).unwrap();
    drop(s);
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "ALTER TABLE runs DROP COLUMN cell_key;
         UPDATE meta SET value = '1' WHERE key = 'schema_version';",
    )
    .unwrap();
}

#[test]
fn schema_1_is_read_as_it_is_and_migrated_when_written() {
    let dir = temp_dir("schema-1");
    let path = dir.join(DB_FILE);
    let mut r = runs(2);
    r[1].train.optimizer.beta1 = 0.8;
    r[1].train.optimizer.lr = 0.1 + 0.2;
    schema_1(&path, &r);
    let old = StudyReader::open(&path).unwrap();
    assert_eq!(old.schema_version(), 1);
    let rows = old.runs().unwrap();
    assert_eq!(rows[0].cell_key, r[0].cell_key());
    assert_eq!(rows[1].cell_key, r[1].cell_key());
    drop(old);
    drop(Store::open(&path).unwrap());
    let new = StudyReader::open(&path).unwrap();
    assert_eq!(new.schema_version(), SCHEMA_VERSION);
    assert_eq!(new.runs().unwrap(), rows);
}

#[test]
fn export_csv_and_json() {
    let dir = temp_dir("export");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    s.plan("t", &runs(1)).unwrap();
    s.start(1, "{}", 1, "x", "a").unwrap();
    s.record_epoch(1, &epoch(0), &norms(0), &[]).unwrap();
    let s = reader(&s);
    let mut csv = Vec::new();
    assert_eq!(s.export("epochs", Format::Csv, &mut csv).unwrap(), 1);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("run_id,epoch,step,train_cost"), "{csv}");
    assert!(csv.contains("1,0,0,1.0,0.5,0.25,0.125,,,0.1"), "{csv}");
    let mut json = Vec::new();
    s.export("runs", Format::Json, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v[0]["status"], "running");
    let e = s
        .export("nope", Format::Csv, &mut Vec::new())
        .err()
        .unwrap();
    assert!(
        e.to_string().contains(
            "valid: batches, calibration, epochs, layer_norms, layer_sparsity, lbfgs_iterations, memorization, meta, runs, run_settings"
        ),
        "{e}"
    );
}

/// A study of two runs whose epochs were written out of key order (run 2 before run 1,
/// epoch 2 before 0), as shards merged in any order can leave them.
fn exported_study(name: &str) -> StudyReader {
    let dir = temp_dir(name);
    let path = dir.join(DB_FILE);
    let mut s = Store::open(&path).unwrap();
    let configs = runs(2);
    s.plan("t", &configs).unwrap();
    s.start(2, &configs[1].canonical_json(), 1, "x", "a")
        .unwrap();
    s.start(1, &configs[0].canonical_json(), 1, "x", "a")
        .unwrap();
    for (run, e) in [(2, 2), (2, 0), (1, 1), (1, 0)] {
        s.record_epoch(run, &epoch(e), &[], &[]).unwrap();
    }
    drop(s);
    StudyReader::open(&path).unwrap()
}

fn export_text(s: &StudyReader, table: &str, format: Format) -> String {
    let mut out = Vec::new();
    s.export(table, format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn exported_rows_come_in_key_order() {
    let s = exported_study("export-order");
    let csv = export_text(&s, "epochs", Format::Csv);
    let keys: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(keys, ["1,0", "1,1", "2,0", "2,2"], "{csv}");
}

#[test]
fn exported_json_keeps_schema_column_order_and_nests_the_config() {
    let s = exported_study("export-json");
    let json = export_text(&s, "epochs", Format::Json);
    let first = json.lines().nth(1).unwrap();
    let cols = [
        "run_id",
        "epoch",
        "step",
        "train_cost",
        "cv_cost",
        "train_acc",
        "cv_acc",
        "test_cost",
        "test_acc",
        "seconds",
    ];
    let at: Vec<usize> = cols
        .iter()
        .map(|c| first.find(&format!("\"{c}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");

    let runs = export_text(&s, "runs", Format::Json);
    let first = runs.lines().nth(1).unwrap();
    assert!(first.starts_with("  {\"id\":1,\"run_key\":"), "{first}");
    let v: serde_json::Value = serde_json::from_str(&runs).unwrap();
    let config = &v[0]["config_json"];
    assert!(config.is_object(), "config_json is nested: {config}");
    assert_eq!(config["train"]["seed"], 0);
    assert!(config["network"]["hidden"].is_array(), "{config}");
}

#[test]
fn exported_real_columns_are_floats() {
    let s = exported_study("export-real");
    // train_cost of epoch 0 is 1; λ is 0: both REAL, so `1.0` and `0.0`.
    let csv = export_text(&s, "epochs", Format::Csv);
    assert!(
        csv.lines().nth(1).unwrap().starts_with("1,0,0,1.0,0.5,"),
        "{csv}"
    );
    let runs = export_text(&s, "runs", Format::Csv);
    let mut r = csv::Reader::from_reader(runs.as_bytes());
    let header = r.headers().unwrap().clone();
    let row = r.records().next().unwrap().unwrap();
    let col = |name: &str| row[header.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(
        (col("l2"), col("l1")),
        ("0.0".to_string(), "0.0".to_string())
    );
    assert_eq!(col("seed"), "0", "INTEGER columns stay integers");
    let json = export_text(&s, "runs", Format::Json);
    assert!(json.contains("\"l2\":0.0,"), "{json}");
    assert!(json.contains("\"seed\":0,"), "{json}");
}

#[test]
fn run_settings_exports_the_hyper_parameters_as_columns() {
    let s = exported_study("export-settings");
    let csv = export_text(&s, RUN_SETTINGS, Format::Csv);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for c in [
        "run_id",
        "beta1",
        "beta2",
        "eps",
        "weight_decay",
        "activation",
        "hidden",
        "hidden_layers",
    ] {
        assert!(header.iter().any(|h| h == c), "{c} in {header:?}");
    }
    let row = r.records().next().unwrap().unwrap();
    let col = |name: &str| row[header.iter().position(|h| h == name).unwrap()].to_string();
    let config: serde_json::Value =
        serde_json::from_str(&s.runs().unwrap()[0].config_json).unwrap();
    let opt = &config["train"]["optimizer"];
    assert_eq!(
        col("beta1").parse::<f64>().unwrap(),
        opt["beta1"].as_f64().unwrap()
    );
    assert_eq!(
        col("eps").parse::<f64>().unwrap(),
        opt["eps"].as_f64().unwrap()
    );
    assert_eq!(col("weight_decay"), "0.0");
    assert_eq!(
        col("activation"),
        config["network"]["activation"].as_str().unwrap()
    );
    let hidden: Vec<String> = config["network"]["hidden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.to_string())
        .collect();
    assert_eq!(col("hidden"), hidden.join(","));
    assert_eq!(col("hidden_layers"), hidden.len().to_string());
    // The query is valid SQL for sqlite3 users' own view too.
    assert!(RUN_SETTINGS_SQL.starts_with("SELECT ") && RUN_SETTINGS_SQL.ends_with("ORDER BY r.id"));
    assert!(
        s.export_tables()
            .unwrap()
            .contains(&RUN_SETTINGS.to_string())
    );
}

#[test]
fn merge_prefers_the_copy_that_got_further() {
    let dir = temp_dir("merge");
    let r = runs(3);
    let mut a = Store::open(&dir.join("a.db")).unwrap();
    let mut b = Store::open(&dir.join("b.db")).unwrap();
    a.plan("t", &r).unwrap();
    b.plan("t", &r).unwrap();
    a.start(1, "{}", 1, "x", "a").unwrap();
    a.record_epoch(1, &epoch(0), &norms(0), &[]).unwrap();
    a.finish(1, Status::Done, None, 1.0).unwrap();
    b.start(3, "{}", 1, "x", "a").unwrap();
    b.record_epoch(3, &epoch(0), &norms(0), &[]).unwrap();
    b.record_epoch(3, &epoch(1), &norms(1), &[batch(1)])
        .unwrap();
    b.finish(3, Status::Done, None, 1.0).unwrap();
    drop((a, b));
    let mut out = Store::open(&dir.join("out.db")).unwrap();
    let s1 = out.merge_from(&dir.join("a.db")).unwrap();
    assert_eq!(
        s1,
        MergeSummary {
            added: 3,
            replaced: 0,
            kept: 0
        }
    );
    let s2 = out.merge_from(&dir.join("b.db")).unwrap();
    assert_eq!(
        s2,
        MergeSummary {
            added: 0,
            replaced: 1,
            kept: 2
        }
    );
    let back = reader(&out);
    let rows = back.runs().unwrap();
    let status: Vec<Status> = rows.iter().map(|r| r.status).collect();
    assert_eq!(status, vec![Status::Done, Status::Pending, Status::Done]);
    assert_eq!(rows[2].id, 3);
    assert_eq!(back.epochs(3).unwrap(), vec![epoch(0), epoch(1)]);
    assert_eq!(back.batches(3).unwrap().len(), 1);
    assert!(out.merge_from(&dir.join("out.db")).is_err());
}

#[test]
fn merging_a_schema_1_shard_fills_its_cell_keys() {
    let dir = temp_dir("merge-old");
    let r = runs(2);
    schema_1(&dir.join("old.db"), &r);
    let mut out = Store::open(&dir.join("out.db")).unwrap();
    out.merge_from(&dir.join("old.db")).unwrap();
    let rows = reader(&out).runs().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].cell_key, r[1].cell_key());
}

#[test]
fn the_reader_selects_every_column_of_every_table() {
    let dir = temp_dir("columns");
    let s = Store::open(&dir.join(DB_FILE)).unwrap();
    let tables: [(&str, &[&str]); 9] = [
        ("calibration", &schema::columns::CALIBRATION),
        ("runs", &schema::columns::RUNS),
        ("epochs", &schema::columns::EPOCHS),
        ("layer_norms", &schema::columns::LAYER_NORMS),
        ("batches", &schema::columns::BATCHES),
        ("layer_sparsity", &schema::columns::LAYER_SPARSITY),
        ("memorization", &schema::columns::MEMORIZATION),
        ("meta", &schema::columns::META),
        (super::lbfgs::TABLE, &super::lbfgs::COLUMNS),
    ];
    for (table, cols) in tables {
        let in_db = migrate::column_names(s.connection(), "main", table).unwrap();
        assert_eq!(in_db, cols.to_vec(), "{table}");
    }
    assert_eq!(reader(&s).tables().unwrap().len(), tables.len());
}

#[test]
fn merge_refuses_inputs_trained_with_other_thread_counts() {
    let dir = temp_dir("merge-threads");
    let r = runs(2);
    for (name, id, threads) in [("a.db", 1, 1), ("b.db", 2, 4)] {
        let mut s = Store::open(&dir.join(name)).unwrap();
        s.plan("t", &r).unwrap();
        s.start(id, &r[id as usize - 1].canonical_json(), threads, "x", "a")
            .unwrap();
        s.finish(id, Status::Done, None, 1.0).unwrap();
    }
    let mut out = Store::open(&dir.join("out.db")).unwrap();
    out.merge_from(&dir.join("a.db")).unwrap();
    let e = out.merge_from(&dir.join("b.db")).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, StoreError::MixedThreads { .. }), "{msg}");
    assert!(msg.contains("b.db") && msg.contains("out.db"), "{msg}");
    assert!(
        msg.contains("with 4 threads") && msg.contains("with 1;"),
        "{msg}"
    );
    // Nothing of b.db was copied.
    let rows = reader(&out).runs().unwrap();
    assert_eq!(rows[1].status, Status::Pending);
}

#[test]
fn a_store_holds_the_lock_and_readers_do_not_need_it() {
    let dir = temp_dir("lock");
    let path = dir.join(DB_FILE);
    let mut s = Store::open(&path).unwrap();
    s.plan("t", &runs(1)).unwrap();
    let e = Store::open(&path).err().unwrap();
    assert!(matches!(e, StoreError::Locked { .. }), "{e}");
    assert_eq!(reader(&s).runs().unwrap().len(), 1);
    drop(s);
    drop(Store::open(&path).unwrap());
}

/// Run 1 of `r` recorded as `done` with every epoch and mini-batch (2 steps an epoch).
fn finished_run(s: &mut Store, r: &[RunConfig]) -> i64 {
    s.plan("t", r).unwrap();
    s.start(1, &r[0].canonical_json(), 1, "x", "a").unwrap();
    let epochs = r[0].train.epochs as i64;
    s.record_epoch(1, &epoch(0), &norms(0), &[]).unwrap();
    for e in 1..=epochs {
        let b: Vec<BatchRecord> = [2 * e - 1, 2 * e]
            .map(|step| BatchRecord {
                step: step as u64,
                epoch: e as usize,
                cost: 1.0,
                accuracy: 0.5,
            })
            .to_vec();
        s.record_epoch(1, &epoch(e), &norms(e), &b).unwrap();
    }
    s.finish(1, Status::Done, None, 1.0).unwrap();
    epochs
}

#[test]
fn check_names_a_done_run_missing_rows_and_reset_makes_it_pending() {
    let dir = temp_dir("check");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    let r = runs(2);
    let epochs = finished_run(&mut s, &r);
    assert!(epochs >= 2);
    assert_eq!(reader(&s).check().unwrap(), vec![]);
    assert_eq!(s.reset_unsound().unwrap(), vec![]);
    let exec = |sql: &str| s.connection().execute_batch(sql).unwrap();
    exec("DELETE FROM epochs WHERE run_id = 1 AND epoch = 1");
    exec("DELETE FROM batches WHERE run_id = 1 AND step = 3");
    let problems = reader(&s).check().unwrap();
    let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 2, "{text:?}");
    assert!(
        text[0].starts_with("run 1 (done): lacks the epoch rows 1 "),
        "{text:?}"
    );
    assert!(
        text[1].contains("lacks the mini-batch rows of steps 3 "),
        "{text:?}"
    );
    // The planned count comes from the config: a done run whose config plans more epochs.
    let reset = s.reset_unsound().unwrap();
    assert_eq!(reset.len(), 2);
    let back = reader(&s);
    assert_eq!(back.runs().unwrap()[0].status, Status::Pending);
    assert!(back.epochs(1).unwrap().is_empty() && back.batches(1).unwrap().is_empty());
    assert_eq!(back.check().unwrap(), vec![]);
}

#[test]
fn check_compares_a_done_run_with_the_epochs_its_config_plans() {
    let dir = temp_dir("check-plan");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    let r = runs(1);
    let epochs = finished_run(&mut s, &r);
    let more = r[0].canonical_json().replace(
        &format!("\"epochs\":{epochs}"),
        &format!("\"epochs\":{}", epochs + 1),
    );
    assert_ne!(
        more,
        r[0].canonical_json(),
        "the config's epochs were not found"
    );
    s.connection()
        .execute("UPDATE runs SET config_json = ?1 WHERE id = 1", [&more])
        .unwrap();
    let problems = reader(&s).check().unwrap();
    let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains(&format!("plans {} epochs", epochs + 1))),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains(&format!("lacks the epoch rows {}", epochs + 1))),
        "{text:?}"
    );
}

#[test]
fn foreign_and_empty_files_are_told_apart_before_anything_is_written() {
    let dir = temp_dir("foreign");
    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    for e in [
        Store::open(&foreign).err().unwrap(),
        StudyReader::open(&foreign).err().unwrap(),
    ] {
        let msg = e.to_string();
        assert!(
            msg.contains("foreign.db") && msg.contains("lacks meta, runs"),
            "{msg}"
        );
    }
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
    assert!(!lock_file_of(&foreign).exists());
    // An empty file (as SQLite itself creates) becomes a store; the reader refuses it.
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let e = StudyReader::open(&empty).err().unwrap();
    assert!(e.to_string().contains("it is empty"), "{e}");
    drop(Store::open(&empty).unwrap());
    assert_eq!(StudyReader::open(&empty).unwrap().runs().unwrap(), vec![]);
}

#[test]
fn the_documented_run_settings_view_is_the_exported_query() {
    let docs = include_str!("../../docs/runner.md");
    let start = docs
        .find("CREATE TEMP VIEW run_settings AS")
        .expect("docs/runner.md shows the view")
        + "CREATE TEMP VIEW run_settings AS".len();
    let end = start + docs[start..].find(';').unwrap();
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(words(&docs[start..end]), words(RUN_SETTINGS_SQL));
    assert!(docs.contains("PRAGMA foreign_keys = ON;"));
}

#[test]
fn sparsity_and_memorization_round_trip_merge_and_are_empty_in_an_older_database() {
    let dir = temp_dir("extras");
    let r = runs(2);
    let extras = |e: i64| EpochExtras {
        sparsity: SparsityRow::of_epoch(e, &[(0.5, 0.25), (0.125, 0.0)]),
        memorization: Some(MemorizationRow {
            epoch: e,
            clean_acc: Some(0.9),
            noisy_fit: Some(0.1 * e as f64),
            noisy_true: None,
        }),
    };
    let mut a = Store::open(&dir.join("a.db")).unwrap();
    a.plan("t", &r).unwrap();
    a.start(1, "{}", 1, "x", "a").unwrap();
    for e in 0..2 {
        a.record_epoch_with(1, &epoch(e), &norms(e), &extras(e), &[])
            .unwrap();
    }
    a.finish(1, Status::Done, None, 1.0).unwrap();
    let back = reader(&a);
    let want: Vec<SparsityRow> = (0..2).flat_map(|e| extras(e).sparsity).collect();
    assert_eq!(back.sparsity(1).unwrap(), want);
    let memo = back.memorization(1).unwrap();
    assert_eq!(memo.len(), 2);
    assert_eq!((memo[1].noisy_fit, memo[1].noisy_true), (Some(0.1), None));
    let study = back.study().unwrap();
    assert_eq!(study.runs[0].memorization, memo);
    assert!(study.runs[1].sparsity.is_empty());
    drop((a, back));
    // A shard made before the tables existed: read as empty, merged without them.
    let old = dir.join("old.db");
    let mut o = Store::open(&old).unwrap();
    o.plan("t", &r).unwrap();
    o.start(2, "{}", 1, "x", "a").unwrap();
    o.record_epoch(2, &epoch(0), &norms(0), &[]).unwrap();
    o.finish(2, Status::Done, None, 1.0).unwrap();
    o.connection()
        .execute_batch("DROP TABLE layer_sparsity; DROP TABLE memorization;")
        .unwrap();
    drop(o);
    let old_reader = StudyReader::open(&old).unwrap();
    assert!(old_reader.sparsity(2).unwrap().is_empty());
    assert!(old_reader.study().unwrap().runs[1].memorization.is_empty());
    drop(old_reader);
    let mut out = Store::open(&dir.join("out.db")).unwrap();
    out.merge_from(&dir.join("a.db")).unwrap();
    out.merge_from(&old).unwrap();
    let merged = reader(&out);
    assert_eq!(merged.sparsity(1).unwrap(), want);
    assert_eq!(merged.memorization(1).unwrap(), memo);
    assert_eq!(merged.epochs(2).unwrap(), vec![epoch(0)]);
}
