//! The report on awkward databases: missing file, empty, newer schema, NULL/NaN metrics,
//! a single run, and user grids that vary only the learning rate or only the seed.

#[path = "report_common/mod.rs"]
mod common;

use common::*;
use mlplab::report::{ReportError, ReportOptions, Verdict, write_report};

#[test]
fn no_database_is_a_clear_error() {
    let dir = study_dir("no-db");
    let err = write_report(&dir, &ReportOptions::default()).expect_err("no db");
    assert!(matches!(err, ReportError::NoDatabase { .. }));
    assert!(err.to_string().contains("mlplab.db"), "{err}");
}

#[test]
fn empty_database_says_no_runs() {
    let dir = study_dir("empty");
    drop(create_db(&dir, "1"));
    let err = write_report(&dir, &ReportOptions::default()).expect_err("empty");
    let msg = err.to_string();
    assert!(msg.starts_with("no runs in "), "{msg}");
    assert!(msg.contains("mlplab.db"), "{msg}");
}

#[test]
fn newer_schema_is_refused() {
    let dir = study_dir("newer-schema");
    let conn = create_db(&dir, "3");
    insert(
        &conn,
        &Spec::new("mnist", "he", "sgd", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    drop(conn);
    let err = write_report(&dir, &ReportOptions::default()).expect_err("newer");
    assert!(
        matches!(
            err,
            ReportError::NewerSchema {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("schema_version 3"), "{err}");
}

#[test]
fn missing_schema_version_is_refused() {
    let dir = study_dir("no-version");
    let conn = create_db(&dir, "1");
    conn.execute("DELETE FROM meta", []).expect("delete");
    drop(conn);
    let err = write_report(&dir, &ReportOptions::default()).expect_err("no version");
    assert!(err.to_string().contains("schema_version"), "{err}");
}

#[test]
fn null_and_nan_metrics_do_not_panic() {
    let dir = study_dir("nulls");
    let conn = create_db(&dir, "1");
    let id = insert(
        &conn,
        &Spec::new("mnist", "he", "adam", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    insert(
        &conn,
        &Spec::new("mnist", "he", "sgd", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    // NaN binds as NULL in SQLite; also store infinities and text where numbers belong.
    conn.execute(
        "UPDATE epochs SET cv_acc = ?1 WHERE run_id = ?2",
        rusqlite::params![f64::NAN, id],
    )
    .expect("nan");
    conn.execute(
        "UPDATE epochs SET train_cost = ?1 WHERE run_id = ?2 AND epoch > 10",
        rusqlite::params![f64::INFINITY, id],
    )
    .expect("inf");
    conn.execute(
        "UPDATE layer_norms SET grad_norm = NULL WHERE run_id = ?1",
        [id],
    )
    .expect("null");
    conn.execute("UPDATE runs SET wall_seconds = 'n/a' WHERE id = ?1", [id])
        .expect("text");
    drop(conn);
    let s = write_report(&dir, &ReportOptions::default()).expect("report");
    let md = std::fs::read_to_string(&s.markdown).expect("md");
    assert!(md.contains("Adam"));
    assert!(md.contains('—'), "missing values are shown as —");
}

#[test]
fn single_run() {
    let dir = study_dir("single-run");
    let conn = create_db(&dir, "1");
    insert(
        &conn,
        &Spec::new("spirals", "glorot", "adam", 0.0, 7, Curve::learns(0.8, 2.0)),
    );
    drop(conn);
    let s = write_report(&dir, &ReportOptions::default()).expect("report");
    assert_eq!(s.runs, 1);
    assert_eq!(
        s.tables, 3,
        "one result table + the claims table + provenance"
    );
    assert!(!s.figures.is_empty());
    // Nothing about the original's datasets here: every claim is "not testable".
    assert!(
        s.claims.iter().all(|c| c.verdict == Verdict::NotTestable),
        "{:?}",
        s.claims
    );
}

#[test]
fn grid_varying_only_lr() {
    let dir = study_dir("only-lr");
    let conn = create_db(&dir, "1");
    for lr in [0.01, 0.1, 0.5] {
        let mut s = Spec::new(
            "mnist",
            "he",
            "sgd",
            0.0,
            1,
            Curve::learns(0.8 + lr / 10.0, 2.0),
        );
        s.lr = lr;
        s.study = "lr-sweep".into();
        insert(&conn, &s);
    }
    drop(conn);
    let s = write_report(&dir, &ReportOptions::default()).expect("report");
    let md = std::fs::read_to_string(&s.markdown).expect("md");
    // One row per learning rate, labelled by it.
    assert!(md.contains("SGD, lr 0.01"), "{md}");
    assert!(md.contains("SGD, lr 0.5"));
    assert!(md.contains("Varied: lr ∈ {0.01, 0.1, 0.5}"));
    // MNIST, He, λ=0: compared with the original; only SGD has numbers there.
    assert!(md.contains("0.8711"));
    let (label, _) = s.sections[0].best_cv_acc.clone().expect("best");
    assert!(label.contains("lr 0.5"), "{label}");
}

#[test]
fn grid_varying_only_seed() {
    let dir = study_dir("only-seed");
    let conn = create_db(&dir, "1");
    for seed in 1..=3 {
        let mut s = Spec::new(
            "fashion-mnist",
            "he",
            "adam",
            0.0,
            seed,
            Curve::learns(0.85, 1.0 + seed as f64 / 3.0),
        );
        s.loss = "cce".into();
        insert(&conn, &s);
    }
    drop(conn);
    let s = write_report(&dir, &ReportOptions::default()).expect("report");
    let md = std::fs::read_to_string(&s.markdown).expect("md");
    assert!(md.contains("Varied: seed ∈ {1, 2, 3}"), "{md}");
    assert!(md.contains("3/3"));
    assert!(md.contains(" ± "));
    // Cross-entropy: costs are not compared with the original's MSE numbers.
    assert!(md.contains("n/c"));
    assert!(md.contains("not computed"));
    assert!(md.contains("mean over 3 seeds"));
}

#[test]
fn no_figures_option() {
    let dir = study_dir("no-figures");
    let conn = create_db(&dir, "1");
    insert(
        &conn,
        &Spec::new("mnist", "he", "adam", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    drop(conn);
    let opts = ReportOptions {
        figures: false,
        ..ReportOptions::default()
    };
    let s = write_report(&dir, &opts).expect("report");
    assert!(s.figures.is_empty());
    assert!(!dir.join("figures").exists());
    assert!(s.html.is_file());
}

#[test]
fn refuting_data_is_refuted() {
    // U[−1,1] that learns, He that does not, CIFAR ranking reversed, gap that grows with λ;
    // three seeds, since the claims are tests over seeds (one seed is inconclusive).
    let dir = study_dir("refuting");
    let conn = create_db(&dir, "1");
    for seed in 1..=3 {
        for l2 in [0.0, 3.0] {
            for (i, opt) in ["sgd", "momentum", "rmsprop", "adam"].iter().enumerate() {
                let mut u = Curve::learns(0.5, 2.0);
                u.gap_frac = 0.02;
                let mut sp = Spec::new("cifar10", "uniform", opt, l2, seed, u);
                sp.epochs = 10;
                insert(&conn, &sp);
                let mut h = if *opt == "momentum" {
                    Curve::flat()
                } else {
                    Curve::learns(0.3 + 0.03 * i as f64, 2.0)
                };
                h.gap_frac = if l2 == 0.0 { 0.05 } else { 0.4 };
                let mut sp = Spec::new("cifar10", "he", opt, l2, seed, h);
                sp.epochs = 10;
                insert(&conn, &sp);
            }
        }
    }
    drop(conn);
    let s = write_report(
        &dir,
        &ReportOptions {
            figures: false,
            ..Default::default()
        },
    )
    .expect("report");
    let v: Vec<Verdict> = s.claims.iter().map(|c| c.verdict).collect();
    assert_eq!(v[0], Verdict::Refuted, "{:?}", s.claims[0]);
    assert_eq!(v[1], Verdict::Refuted, "{:?}", s.claims[1]);
    assert_eq!(v[2], Verdict::Refuted, "{:?}", s.claims[2]);
    assert_eq!(v[3], Verdict::NotTestable, "no MNIST here");
    assert_eq!(v[4], Verdict::Refuted, "no spikes: {:?}", s.claims[4]);
    assert_eq!(v[5], Verdict::Refuted, "{:?}", s.claims[5]);
}

#[test]
fn zero_gradient_norms_are_drawn_and_said() {
    // A saturated network (U[−1,1] on CIFAR) has gradient norms of exactly 0, which a log
    // axis cannot show: they are drawn at a floor and the panel title says so.
    let dir = study_dir("zero-grad-norms");
    let conn = create_db(&dir, "1");
    let id = insert(
        &conn,
        &Spec::new("mnist", "uniform", "sgd", 0.0, 1, Curve::learns(0.1, 1.0)),
    );
    conn.execute(
        "UPDATE layer_norms SET grad_norm = 0.0 WHERE run_id = ?1 AND epoch > 1",
        [id],
    )
    .expect("zero norms");
    insert(
        &conn,
        &Spec::new("mnist", "he", "sgd", 0.0, 1, Curve::learns(0.9, 1.0)),
    );
    drop(conn);
    let summary = write_report(&dir, &ReportOptions::default()).expect("report");
    let svg = summary
        .figures
        .iter()
        .find(|f| f.to_string_lossy().ends_with("grad-norms.svg"))
        .expect("a gradient-norm figure");
    let text = std::fs::read_to_string(svg).expect("read svg");
    assert!(
        text.contains("0 drawn at"),
        "the panel title should say zeros are drawn at a floor"
    );
}

#[test]
fn a_rate_tuned_for_one_initialization_is_not_missing_from_the_others() {
    // SGD runs at 0.05 from U[−1,1] and 0.5 from He (a per-init rate): each panel shows one
    // SGD line and says nothing is missing. Adam ran at (He, λ=0) and (U[−1,1], λ=1) only,
    // so its line is really missing from the other two panels, and they say so.
    let dir = study_dir("per-init-rates");
    let conn = create_db(&dir, "1");
    for (init, lr) in [("uniform", 0.05), ("he", 0.5)] {
        for l2 in [0.0, 1.0] {
            let mut s = Spec::new("mnist", init, "sgd", l2, 1, Curve::learns(0.9, 1.0));
            s.lr = lr;
            insert(&conn, &s);
        }
    }
    for (init, l2) in [("he", 0.0), ("uniform", 1.0)] {
        insert(
            &conn,
            &Spec::new("mnist", init, "adam", l2, 1, Curve::learns(0.9, 1.0)),
        );
    }
    drop(conn);
    let summary = write_report(&dir, &ReportOptions::default()).expect("report");
    let svg = summary
        .figures
        .iter()
        .find(|f| f.to_string_lossy().ends_with("train-cost-epoch.svg"))
        .expect("a training-cost figure");
    let text = std::fs::read_to_string(svg).expect("read svg");
    assert_eq!(text.matches("no data: Adam").count(), 2, "{text}");
    assert!(!text.contains("no data: SGD"), "{text}");
    assert!(!text.contains(", SGD"), "{text}");
}
