//! "Optimizers at equal data passes": shown when a study has L-BFGS runs
//! (`optimizer.kind = "lbfgs"`, e.g. the `paper-mnist-lbfgs` preset). Every run of such a
//! study is given the same `train.epochs` data passes (an L-BFGS evaluation of n rows counts
//! n/N of one), so its last epoch is the comparison at equal compute: per cell (the seeds of
//! one configuration), the final training cost, the CV and test accuracy with their 95 %
//! Student-t intervals over seeds, the wall time, and for L-BFGS the iterations, restarts,
//! skipped pairs and (OWL-QN, `l1 > 0`) the fraction of weights exactly 0 per layer, read
//! from the `lbfgs_iterations` table through [`StudyReader`].

use std::collections::BTreeMap;

use super::ReportError;
use super::doc::{Cell, Document, Table};
use super::grid::{fmt_num, optimizer_label, optimizer_rank};
use super::load::{Run, Study};
use super::stats::Stat;
use super::tables::{fmt_ci, fmt_stat, summarize};
use crate::store::{IterationRow, StudyReader};

/// The method a run used, as the table names it: the optimizer and its rate, or L-BFGS with
/// its batch regime (OWL-QN when `l1 > 0`).
fn method(run: &Run) -> String {
    if run.optimizer != "lbfgs" {
        return format!(
            "{} (lr {})",
            optimizer_label(&run.optimizer),
            fmt_num(run.lr)
        );
    }
    let name = if run.l1 > 0.0 { "OWL-QN" } else { "L-BFGS" };
    let setting = |path: &str| run.settings.get(path).map(|v| v.to_string());
    match setting("train.optimizer.batch_size") {
        Some(rows) if rows != "\"full\"" => {
            let hold = setting("train.optimizer.hold").unwrap_or_else(|| "10".into());
            format!("{name}, batches of {rows} held {hold} iterations")
        }
        _ => format!("{name}, full batch"),
    }
}

/// Adds the section when the study has L-BFGS runs; nothing otherwise.
pub(crate) fn block(doc: &mut Document, study: &Study) -> Result<(), ReportError> {
    if !study.runs.iter().any(|r| r.optimizer == "lbfgs") {
        return Ok(());
    }
    let iterations = StudyReader::open(&study.db_path)
        .and_then(|r| r.lbfgs_iterations(None))
        .map_err(ReportError::Store)?;
    let mut by_run: BTreeMap<i64, Vec<IterationRow>> = BTreeMap::new();
    for row in iterations {
        by_run.entry(row.run_id).or_default().push(row);
    }
    // Cells in order: dataset, optimizer (the study's order, L-BFGS after), method, λ, λ1.
    let mut cells: BTreeMap<(String, i64, String, String, String), Vec<&Run>> = BTreeMap::new();
    for r in &study.runs {
        let key = (
            r.dataset.clone(),
            optimizer_rank(&r.optimizer),
            method(r),
            format!("{:012.4}", r.l2),
            format!("{:012.4}", r.l1),
        );
        cells.entry(key).or_default().push(r);
    }
    doc.heading(2, "Optimizers at equal data passes");
    doc.para(
        "Every run gets the same number of data passes (`train.epochs`; an L-BFGS evaluation \
         of n rows counts n/N of a pass), so the last epoch compares the optimizers at equal \
         compute. Means ± standard deviations and 95 % Student-t intervals are over the seeds \
         that finished. L-BFGS is OWL-QN where λ1 > 0 (the first-order rules use L1's \
         subgradient); its iterations, restarts (memory cleared after a non-descent direction \
         or a failed line search) and skipped curvature pairs are per run, means over seeds.",
    );
    let mut rows = Vec::new();
    for ((dataset, _, method, _, _), runs) in &cells {
        let s = summarize(runs);
        let first = runs[0];
        let wall = Stat::of(runs.iter().filter_map(|r| r.wall_seconds));
        let lasts: Vec<&IterationRow> = runs
            .iter()
            .filter_map(|r| by_run.get(&r.id).and_then(|v| v.last()))
            .collect();
        let mean_of = |f: fn(&IterationRow) -> f64| {
            Stat::of(lasts.iter().map(|r| f(r)))
                .map_or("—".to_string(), |s| format!("{:.1}", s.mean))
        };
        let zeros = zero_fractions(&lasts);
        let passes = lasts
            .iter()
            .map(|r| r.passes)
            .fold(None, |m: Option<f64>, p| Some(m.map_or(p, |m| m.max(p))));
        rows.push(vec![
            Cell::plain(dataset.clone()),
            Cell::plain(method.clone()),
            Cell::plain(fmt_num(first.l2)),
            Cell::plain(fmt_num(first.l1)),
            Cell::plain(s.final_epoch.map_or("—".into(), |e| e.to_string())),
            Cell::plain(passes.map_or("—".into(), |p| format!("{p:.2}"))),
            Cell::plain(fmt_stat(s.train_cost)),
            Cell::plain(fmt_stat(s.cv_acc)),
            Cell::plain(fmt_ci(s.cv_acc_ci)),
            Cell::plain(fmt_ci(s.test_acc_ci)),
            Cell::plain(wall.map_or("—".into(), |w| format!("{:.1} ± {:.1}", w.mean, w.std))),
            Cell::plain(mean_of(|r| r.iteration as f64)),
            Cell::plain(mean_of(|r| r.restarts as f64)),
            Cell::plain(mean_of(|r| r.skipped_pairs as f64)),
            Cell::plain(zeros),
            Cell::plain(s.status.clone()),
        ]);
    }
    doc.table(Table {
        caption: "The optimizers at equal data passes (last epoch), per cell".into(),
        header: [
            "dataset",
            "method",
            "λ",
            "λ1",
            "epochs (passes)",
            "L-BFGS passes used",
            "train cost",
            "CV accuracy",
            "CV 95 % CI",
            "test 95 % CI",
            "wall s",
            "iterations",
            "restarts",
            "skipped pairs",
            "weights exactly 0, per layer",
            "status",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        notes: vec![
            "L-BFGS passes used: the data passes its evaluations took (at most the epochs; \
             fewer when it converged or its line search failed first)."
                .into(),
        ],
    });
    Ok(())
}

/// Per layer, the mean over runs of the fraction of weights exactly 0 at the last iteration
/// (`—` without OWL-QN records).
fn zero_fractions(lasts: &[&IterationRow]) -> String {
    let layers = lasts
        .iter()
        .map(|r| r.zero_fractions.len())
        .max()
        .unwrap_or(0);
    if layers == 0 {
        return "—".into();
    }
    (0..layers)
        .map(|l| {
            Stat::of(
                lasts
                    .iter()
                    .filter_map(|r| r.zero_fractions.get(l).copied()),
            )
            .map_or("—".to_string(), |s| format!("{:.1} %", 100.0 * s.mean))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
