//! Fuzzing what the store reads: arbitrary values written by raw SQL into a valid study
//! database (SQLite is dynamically typed, so any column can hold anything), and arbitrary
//! bytes as the database file. The reader, the integrity check and the writer's open return
//! a value or an error (a bad value names the run's table and column), never panic.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mlplab::experiment::Experiment;
use mlplab::store::{EpochRow, LayerNormRow, Status, Store, StoreError, StudyReader};
use mlplab::train::BatchRecord;
use proptest::prelude::*;
use rusqlite::types::Value;

fn dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-store");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A valid study database, as bytes: 2 runs (one done with every row, one pending), its
/// tables then rebuilt without constraints (as a database from elsewhere may be), so that
/// any value can be written into any column.
fn template() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let path = dir().join("template.db");
        let _ = std::fs::remove_file(&path);
        let runs = Experiment::from_toml("[train]\nepochs = 2\nseed = [1, 2]\n", "t")
            .unwrap()
            .runs;
        let mut s = Store::open(&path).unwrap();
        s.plan("t", &runs).unwrap();
        s.start(1, &runs[0].canonical_json(), 1, "embedded", "a")
            .unwrap();
        for e in 0..=2i64 {
            let row = EpochRow {
                epoch: e,
                step: 2 * e,
                train_cost: Some(0.5),
                cv_cost: Some(0.25),
                train_acc: Some(0.5),
                cv_acc: None,
                test_cost: None,
                test_acc: None,
                seconds: 0.1,
            };
            let grads: &[f64] = if e == 0 { &[] } else { &[1.0] };
            let norms = LayerNormRow::of_epoch(e, grads, &[2.0]);
            let batches: Vec<BatchRecord> = if e == 0 {
                vec![]
            } else {
                [2 * e - 1, 2 * e]
                    .map(|step| BatchRecord {
                        step: step as u64,
                        epoch: e as usize,
                        cost: 0.5,
                        accuracy: 0.5,
                    })
                    .to_vec()
            };
            s.record_epoch(1, &row, &norms, &batches).unwrap();
        }
        s.finish(1, Status::Done, None, 1.0).unwrap();
        let c = s.connection();
        // Every table that references `runs` is rebuilt too, without its foreign key: the
        // rebuilt `runs` has no primary key for one to refer to.
        let tables = [
            "runs",
            "epochs",
            "layer_norms",
            "batches",
            "layer_sparsity",
            "memorization",
            "calibration",
            "lbfgs_iterations",
        ];
        for t in tables {
            c.execute_batch(&format!(
                "PRAGMA foreign_keys = OFF; CREATE TABLE fz AS SELECT * FROM {t}; \
                 DROP TABLE {t}; ALTER TABLE fz RENAME TO {t};"
            ))
            .unwrap();
        }
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .unwrap();
        drop(s);
        assert!(
            StudyReader::open(&path)
                .unwrap()
                .check()
                .unwrap()
                .is_empty()
        );
        std::fs::read(&path).unwrap()
    })
}

/// The tables whose columns the fuzz writes into; their columns are read from the database
/// itself (`pragma_table_info`), so a new column is fuzzed without touching this file.
const TABLES: [&str; 4] = ["runs", "epochs", "layer_norms", "batches"];

/// Values of every storage class, and the ones that have bitten readers before.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Integer),
        prop_oneof![
            Just(-1i64),
            Just(0),
            Just(i64::MAX),
            Just(i64::MIN),
            Just(1 << 53)
        ]
        .prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Real),
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
            Just(1e300),
            Just(2.5)
        ]
        .prop_map(Value::Real),
        ".{0,24}".prop_map(Value::Text),
        prop_oneof![
            Just("done"),
            Just("paused"),
            Just("DONE"),
            Just("{}"),
            Just("[1]"),
            Just("{\"train\":{\"epochs\":-3}}"),
            Just("{\"train\":{\"epochs\":\"two\"}}"),
            Just("{\"train\":{\"epochs\":99999999999}}"),
            Just("{\"train\":"),
            Just("12"),
            Just("1e999"),
            Just("ééééééééééééé"),
            Just("aéééééééééééé"),
        ]
        .prop_map(|s| Value::Text(s.to_string())),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(Value::Blob),
    ]
}

/// A config JSON of the template's run, cut or with one character replaced.
fn mutated_config() -> impl Strategy<Value = (usize, char, bool)> {
    (0usize..2000, any::<char>(), any::<bool>())
}

/// Reads everything the way `runs`, `report` and `--check` do; never panics. Errors are
/// returned for the caller to judge.
fn read_all(path: &Path) -> Result<(), StoreError> {
    let r = StudyReader::open(path)?;
    r.meta()?;
    let study = r.study()?;
    for run in &study.runs {
        r.epochs(run.run.id)?;
        r.last_epoch(run.run.id)?;
    }
    r.check()?;
    Ok(())
}

fn fresh(name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir().join(format!("{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn any_value_in_any_column_reads_as_a_value_or_an_error_naming_it(
        t in 0..TABLES.len(),
        c in 0usize..64,
        row in 1i64..=3,
        v in value(),
    ) {
        let table = TABLES[t];
        let path = fresh("value", template());
        let column: String;
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            let cols: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([table], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            column = cols[c % cols.len()].clone();
            conn.execute(
                &format!("UPDATE {table} SET {column} = ?1 WHERE rowid = ?2"),
                rusqlite::params![v, row],
            )
            .unwrap();
        }
        match read_all(&path) {
            Ok(()) => {}
            Err(StoreError::BadValue { table: bad_table, column: bad_column, run, .. }) => {
                prop_assert!(!run.is_empty());
                // A changed key column can orphan or misplace rows, but the error names
                // the column read, in the table read.
                prop_assert!(
                    (bad_table == table && bad_column == column) || column == "config_json",
                    "{table}.{column} = {v:?} reported as {bad_table}.{bad_column}"
                );
            }
            Err(e) => prop_assert!(false, "{table}.{column} = {v:?}: unexpected error {e}"),
        }
        // The writer's open and a resume's reset do not panic either.
        if let Ok(mut s) = Store::open(&path) {
            let _ = s.reset_unsound();
        }
    }

    #[test]
    fn any_text_in_a_text_column_of_runs_reads_or_names_the_column(
        column in prop::sample::select(vec![
            "run_key", "status", "study", "dataset", "split", "cell_key", "error",
            "mlplab_version", "config_json", "architecture",
        ]),
        text in ".{0,30}",
    ) {
        let path = fresh("text", template());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute(&format!("UPDATE runs SET {column} = ?1 WHERE id = 1"), [&text])
                .unwrap();
        }
        match read_all(&path) {
            Ok(()) => {}
            Err(StoreError::BadValue { column: bad, run, .. }) => {
                prop_assert_eq!(bad, column);
                prop_assert!(run.starts_with("1 "), "{}", run);
            }
            Err(e) => prop_assert!(false, "{column} = {text:?}: unexpected error {e}"),
        }
    }

    #[test]
    fn a_mutated_config_is_a_problem_or_an_error_not_a_panic((at, ch, cut) in mutated_config()) {
        let path = fresh("config", template());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let json: String = conn
            .query_row("SELECT config_json FROM runs WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        let mut chars: Vec<char> = json.chars().collect();
        let at = at % chars.len().max(1);
        if cut {
            chars.truncate(at);
        } else if let Some(c) = chars.get_mut(at) {
            *c = ch;
        }
        let mutated: String = chars.into_iter().collect();
        conn.execute("UPDATE runs SET config_json = ?1 WHERE id = 1", [&mutated]).unwrap();
        drop(conn);
        match read_all(&path) {
            Ok(()) => {}
            Err(StoreError::BadValue { column, .. }) => prop_assert_eq!(column, "config_json"),
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn arbitrary_bytes_as_the_database_are_an_error_not_a_panic(
        cut in 0usize..40_000,
        flips in proptest::collection::vec((0usize..40_000, any::<u8>()), 0..12),
        keep_header in any::<bool>(),
    ) {
        let mut bytes = template().to_vec();
        for (at, b) in flips {
            let len = bytes.len();
            if let Some(x) = bytes.get_mut(at % len) {
                *x = b;
            }
        }
        if keep_header {
            bytes[..16].copy_from_slice(b"SQLite format 3\0");
        }
        bytes.truncate(cut.min(bytes.len()));
        let path = fresh("bytes", &bytes);
        let _ = read_all(&path);
        if let Ok(mut s) = Store::open(&path) {
            let _ = s.reset_unsound();
        }
    }
}
