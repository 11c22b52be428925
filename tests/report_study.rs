//! A paper-like study (MNIST with 2 seeds, cifar10-jpeg with 1) with a diverged run, a
//! missing configuration and a pending run: every table, figure and claim is produced, and
//! the claims come out as two seeds and one can support: RMSProp's spikes (24 runs) are
//! confirmed; what rests on CIFAR-10's single seed, or on two seeds against a tight margin,
//! is inconclusive with the seeds needed, never confirmed from one draw.

#[path = "report_common/mod.rs"]
mod common;

use common::*;
use mlplab::report::{ReportOptions, SeedsNeeded, Verdict, write_report};

fn build_study(dir: &std::path::Path) {
    let conn = create_db(dir, "1");
    // MNIST: full grid, 2 seeds, 20 epochs; drop (uniform, adam, λ=1) to make it missing;
    // one seed of (he, momentum, λ=2) diverges at epoch 6.
    for init in ["uniform", "he"] {
        for l2 in [0.0, 1.0, 2.0, 3.0] {
            for opt in ["sgd", "momentum", "rmsprop", "adam"] {
                if init == "uniform" && opt == "adam" && l2 == 1.0 {
                    continue;
                }
                for seed in 1..=2 {
                    let mut curve = paper_curve(init, opt);
                    if init == "he" && opt == "momentum" && l2 == 2.0 && seed == 2 {
                        curve.diverge_at = Some(6);
                    }
                    insert(&conn, &Spec::new("mnist", init, opt, l2, seed, curve));
                }
            }
        }
    }
    // cifar10-jpeg: 40 epochs, 1 seed, SGD > Momentum > RMSProp ≈ Adam; with U[−1,1] only
    // Adam λ=3 learns, from epoch 33. (he, sgd, λ=3) is still pending.
    for init in ["uniform", "he"] {
        for l2 in [0.0, 1.0, 2.0, 3.0] {
            for opt in ["sgd", "momentum", "rmsprop", "adam"] {
                let mut curve = if init == "he" {
                    let fin = match opt {
                        "sgd" => 0.44,
                        "momentum" => 0.39,
                        "rmsprop" => 0.335,
                        _ => 0.33,
                    };
                    Curve::learns(fin, 6.0)
                } else if opt == "adam" && l2 == 3.0 {
                    let mut c = Curve::learns(0.3, 1.5);
                    c.onset = Some(32);
                    c
                } else {
                    Curve::flat()
                };
                curve.gap_frac = if init == "he" { 0.1 } else { 0.0 };
                if opt == "rmsprop" && init == "he" {
                    curve.spike_every = Some(150);
                }
                let mut s = Spec::new("cifar10-jpeg", init, opt, l2, 1, curve);
                s.epochs = 40;
                s.study = "paper-cifar10".to_string();
                if init == "he" && opt == "sgd" && l2 == 3.0 {
                    s.status = "pending".to_string();
                }
                insert(&conn, &s);
            }
        }
    }
}

#[test]
fn full_study_report() {
    let dir = study_dir("full-study");
    build_study(&dir);
    let summary = write_report(&dir, &ReportOptions::default()).expect("report");

    assert_eq!(summary.runs, 31 * 2 + 32);
    assert_eq!(summary.runs_by_status.get("diverged"), Some(&1));
    assert_eq!(summary.runs_by_status.get("pending"), Some(&1));
    // 8 tables per dataset + unfinished runs + claims + provenance.
    assert_eq!(summary.tables, 8 * 2 + 3);
    assert!(summary.markdown.is_file() && summary.html.is_file());
    // 8 figures per section (train/CV cost/acc per epoch, cost/acc per batch, gap, grad
    // norms), each as PNG + SVG + the CSV of its data.
    assert_eq!(summary.figures.len(), 2 * 8 * 3);
    for f in summary
        .figures
        .iter()
        .filter(|f| !f.to_string_lossy().ends_with(".csv"))
    {
        let len = std::fs::metadata(f).expect("figure exists").len();
        assert!(
            len > 5_000,
            "{} is suspiciously small ({len} bytes)",
            f.display()
        );
    }

    let md = std::fs::read_to_string(&summary.markdown).expect("md");
    // The original's numbers beside ours, with the variant named.
    assert!(md.contains("| train acc | orig. | Δ |"));
    assert!(
        md.contains("0.9142"),
        "MNIST RMSProp CV acc from the original"
    );
    assert!(
        md.contains("0.3369"),
        "CIFAR-10 SGD CV acc from the original"
    );
    assert!(md.contains("variant"));
    assert!(md.contains("cifar10-jpeg"));
    assert!(md.contains("caption says λ = 0"));
    // Partial study shown, not hidden.
    assert!(md.contains("missing (no run in the database)"));
    assert!(md.contains("1 diverged (epoch 20)") || md.contains("1 diverged"));
    assert!(md.contains("non-finite cost at epoch 6"));
    assert!(md.contains("pending"));
    // mean ± std with several seeds, and the CV accuracy's t interval beside it (MNIST has
    // two seeds per cell; cifar10-jpeg's single seed has none).
    assert!(md.contains(" ± "));
    assert!(md.contains("CV acc 95 % CI"));
    assert!(md.contains("| [0."), "an interval [lo, hi] in a table row");
    assert!(md.contains("Student t over the seeds"));
    assert!(md.contains("figures/mnist-paper-mnist-mse-train-cost-epoch.png"));

    let verdicts: Vec<Verdict> = summary.claims.iter().map(|c| c.verdict).collect();
    for c in &summary.claims {
        println!("claim {}: {:?}: {}", c.number, c.verdict, c.summary);
        for e in &c.evidence {
            println!("    {e}");
        }
    }
    // Claims 1–3 need CIFAR-10, which has one seed: no spread, so no estimate of the need.
    for c in summary.claims.iter().take(3) {
        assert_eq!(
            c.verdict,
            Verdict::Inconclusive(SeedsNeeded::Unknown),
            "claim {}: {}",
            c.number,
            c.summary
        );
    }
    // Claim 4 on MNIST's two seeds: (a) holds, (b) and (c) undecided; an estimate exists.
    assert!(
        matches!(verdicts[3], Verdict::Inconclusive(SeedsNeeded::About(n)) if n > 2),
        "{:?}",
        verdicts[3]
    );
    assert_eq!(
        verdicts[4],
        Verdict::Confirmed,
        "{}",
        summary.claims[4].summary
    );
    // Claim 6: MNIST's pairs of λ are sized, CIFAR-10's single seeds are not.
    assert!(
        matches!(verdicts[5], Verdict::Inconclusive(SeedsNeeded::AtLeast(n)) if n > 2),
        "{:?}",
        verdicts[5]
    );
    assert!(summary.claims[0].summary.contains("cifar10-jpeg"));
    assert!(summary.claims[2].summary.contains("cifar10-jpeg"));
    // Why the seeds needed are unknown is said once, in the verdict, not again in the summary.
    assert!(
        summary.claims[0]
            .verdict
            .label()
            .contains("one seed shows no spread")
    );
    assert!(!summary.claims[0].summary.contains("seeds needed"));
    // The tests, their p-values and α are in the report, beside each verdict.
    assert!(
        md.contains("Claim 1: Inconclusive (seeds needed unknown"),
        "verdict label"
    );
    assert!(
        md.contains("Claim 4: Inconclusive (≈ "),
        "seeds needed beside it"
    );
    assert!(md.contains("Claim 5: Confirmed"));
    assert!(md.contains("α = 0.05"));
    for test in [
        "one-sample t (n = 2)",
        "RMSProp > SGD: paired t (n = 2)",
        "TOST (paired t) (n = 2)",
        "Welch t (n = ",
        "one seed, no test possible",
    ] {
        assert!(md.contains(test), "report.md names {test:?}");
    }
    assert!(md.contains("Holm over 14 tests: p = "), "claim 4's family");
    assert!(md.contains("Holm over 4 tests: p = "), "claim 5's family");
    assert!(
        md.contains("above 0.20 in 0 of 2 seeds"),
        "fraction of seeds"
    );

    let mnist = &summary.sections[0];
    assert_eq!(mnist.dataset, "mnist");
    let (label, acc) = mnist.best_cv_acc.clone().expect("best");
    assert!(acc > 0.9, "{label}: {acc}");
}

/// The mean and std of `values` (sample std, 0 for one value).
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

#[test]
fn every_figure_has_its_data_as_csv_and_cv_curves_are_drawn() {
    let dir = study_dir("figure-csv");
    let conn = create_db(&dir, "1");
    paper_grid(&conn, "mnist", 2, 4);
    let summary = write_report(&dir, &ReportOptions::default()).expect("report");

    let files: Vec<String> = std::fs::read_dir(dir.join("figures"))
        .expect("figures/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let stems: Vec<&str> = files
        .iter()
        .filter_map(|f| f.strip_suffix(".svg"))
        .collect();
    assert_eq!(stems.len(), 8, "{files:?}");
    for stem in &stems {
        for ext in ["png", "csv"] {
            assert!(
                files.contains(&format!("{stem}.{ext}")),
                "{stem}.{ext} is missing beside {stem}.svg"
            );
        }
        let path = dir.join("figures").join(format!("{stem}.csv"));
        let mut r = csv::Reader::from_path(&path).expect("open csv");
        let header: Vec<String> = r
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(
            header,
            ["panel", "series", "x", "mean", "std", "n"],
            "{stem}"
        );
        let mut rows = 0;
        for rec in r.records() {
            let rec = rec.expect("a well-formed CSV row");
            assert_eq!(rec.len(), 6, "{stem}: {rec:?}");
            assert!(!rec[0].is_empty() && !rec[1].is_empty(), "{stem}: {rec:?}");
            for i in 2..5 {
                rec[i]
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{stem}: {rec:?}"));
            }
            rec[5].parse::<usize>().expect("n");
            rows += 1;
        }
        assert!(rows > 0, "{stem}.csv has no data");
    }
    // The CSVs are in the summary's file list too.
    assert_eq!(summary.figures.len(), 3 * 8);

    // The CV-accuracy figure is there and holds the mean ± std over seeds of the stored CV
    // accuracy: He uniform, λ=0, Adam, epoch 3.
    let path = dir.join("figures/mnist-paper-mnist-mse-cv-accuracy-epoch.csv");
    let mut r = csv::Reader::from_path(&path).expect("the CV accuracy figure's CSV");
    let row = r
        .records()
        .map(|x| x.expect("row"))
        .find(|x| {
            x[0].starts_with("He")
                && x[0].contains("λ=0")
                && x[1].starts_with("Adam")
                && &x[2] == "3"
        })
        .expect("a row for He uniform, λ=0, Adam, epoch 3");
    let stored: Vec<f64> = conn
        .prepare(
            "SELECT e.cv_acc FROM epochs e JOIN runs r ON r.id = e.run_id
             WHERE r.init = 'he' AND r.l2 = 0 AND r.optimizer = 'adam' AND e.epoch = 3",
        )
        .expect("query")
        .query_map([], |x| x.get(0))
        .expect("rows")
        .map(|x| x.expect("value"))
        .collect();
    assert_eq!(stored.len(), 2, "two seeds");
    let (mean, std) = mean_std(&stored);
    let got: f64 = row[3].parse().expect("mean");
    let got_std: f64 = row[4].parse().expect("std");
    assert!((got - mean).abs() < 1e-12, "{got} vs {mean}");
    assert!((got_std - std).abs() < 1e-12, "{got_std} vs {std}");
    assert_eq!(&row[5], "2");
    // The training accuracy figure differs from it (not the same curve twice).
    let train =
        std::fs::read_to_string(dir.join("figures/mnist-paper-mnist-mse-train-accuracy-epoch.csv"))
            .expect("train csv");
    let cv = std::fs::read_to_string(&path).expect("cv csv");
    assert_ne!(train, cv);

    // The Markdown links each figure's data; the CV figures come right after the training ones.
    let md = std::fs::read_to_string(&summary.markdown).expect("md");
    assert!(md.contains("(figures/mnist-paper-mnist-mse-cv-cost-epoch.csv)"));
    let t = md.find("train-cost-epoch.png").expect("train cost");
    let c = md.find("cv-cost-epoch.png").expect("cv cost");
    let a = md.find("train-accuracy-epoch.png").expect("train acc");
    assert!(
        t < c && c < a,
        "train cost, then CV cost, then train accuracy"
    );
}
