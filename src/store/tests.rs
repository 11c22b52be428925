use super::*;
use crate::experiment::Experiment;

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
        train_cost: 1.0 / (e as f64 + 1.0),
        cv_cost: 0.5,
        train_acc: 0.25,
        cv_acc: 0.125,
        test_cost: None,
        test_acc: None,
        seconds: 0.1,
        grad_norms: if e == 0 { vec![] } else { vec![1.0, 2.0] },
        weight_norms: vec![3.0, 4.0],
    }
}

fn batch(step: u64) -> BatchRecord {
    BatchRecord {
        step,
        epoch: 1,
        cost: step as f64,
        accuracy: 0.5,
    }
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
}

#[test]
fn epochs_round_trip_and_restart_clears_rows() {
    let dir = temp_dir("epochs");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    let r = runs(1);
    s.plan("t", &r).unwrap();
    s.start(1, "{}", 1, "x", "a").unwrap();
    s.record_epoch(1, &epoch(0), &[]).unwrap();
    s.record_epoch(1, &epoch(1), &[batch(1), batch(2)]).unwrap();
    let back = s.epochs(1).unwrap();
    assert_eq!(back, vec![epoch(0), epoch(1)]);
    assert_eq!(s.batches(1).unwrap().len(), 2);
    s.start(1, "{}", 1, "x", "a").unwrap();
    assert!(s.epochs(1).unwrap().is_empty());
    assert!(s.batches(1).unwrap().is_empty());
    assert_eq!(s.runs().unwrap()[0].status, "running");
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
    assert!(Store::open_existing(&dir.join("none.db")).is_err());
}

#[test]
fn export_csv_and_json() {
    let dir = temp_dir("export");
    let mut s = Store::open(&dir.join(DB_FILE)).unwrap();
    s.plan("t", &runs(1)).unwrap();
    s.start(1, "{}", 1, "x", "a").unwrap();
    s.record_epoch(1, &epoch(0), &[]).unwrap();
    let mut csv = Vec::new();
    assert_eq!(s.export("epochs", Format::Csv, &mut csv).unwrap(), 1);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("run_id,epoch,step,train_cost"), "{csv}");
    assert!(csv.contains("1,0,0,1,0.5,0.25,0.125,,,0.1"), "{csv}");
    let mut json = Vec::new();
    s.export("runs", Format::Json, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v[0]["status"], "running");
    let e = s
        .export("nope", Format::Csv, &mut Vec::new())
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("valid: batches, epochs, layer_norms, meta, runs"),
        "{e}"
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
    a.record_epoch(1, &epoch(0), &[]).unwrap();
    a.finish(1, Status::Done, None, 1.0).unwrap();
    b.start(3, "{}", 1, "x", "a").unwrap();
    b.record_epoch(3, &epoch(0), &[]).unwrap();
    b.record_epoch(3, &epoch(1), &[batch(1)]).unwrap();
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
    let rows = out.runs().unwrap();
    let status: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(status, vec!["done", "pending", "done"]);
    assert_eq!(rows[2].id, 3);
    assert_eq!(out.epochs(3).unwrap(), vec![epoch(0), epoch(1)]);
    assert_eq!(out.batches(3).unwrap().len(), 1);
    assert!(out.merge_from(&dir.join("out.db")).is_err());
}
