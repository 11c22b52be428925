//! The original's Tables 1–3 for every dataset × loss × init × λ: final training cost, CV
//! cost, training accuracy and CV accuracy per optimizer (mean ± std over seeds), with the
//! original's numbers and the difference beside them where the original has a table.
//!
//! Only runs with status `done` enter the means; every other run (diverged, failed,
//! pending, running) and every grid combination with no run at all is listed in the status
//! column, so nothing is hidden.

use std::collections::BTreeMap;

use super::doc::{Cell, Table};
use super::grid::{Axis, Key, Section, fmt_num, init_label, optimizer_label};
use super::load::{EpochRow, Run, RunStatus};
use super::paper::{PaperRow, PaperTable, paper_table};
use super::stats::Stat;
use crate::stats::Summary;

/// Final numbers of one configuration over its seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSummary {
    /// Runs (seeds) in the database for this configuration.
    pub runs: usize,
    /// Of which finished (`done`).
    pub done: usize,
    /// e.g. `done`, `2 done, 1 diverged (epoch 7)`, `missing`.
    pub status: String,
    /// Anything other than all runs done.
    pub incomplete: bool,
    /// Distinct learning rates used.
    pub lrs: Vec<f64>,
    pub train_cost: Option<Stat>,
    pub cv_cost: Option<Stat>,
    pub train_acc: Option<Stat>,
    pub cv_acc: Option<Stat>,
    /// The 95 % Student-t interval of the mean CV accuracy over the done seeds (n ≥ 2).
    pub cv_acc_ci: Option<(f64, f64)>,
    /// Accuracy on the official test set at the last epoch, when the runs evaluated it
    /// (`data.evaluate_test`).
    pub test_acc: Option<Stat>,
    /// The 95 % Student-t interval of the mean test accuracy (n ≥ 2).
    pub test_acc_ci: Option<(f64, f64)>,
    /// train − CV accuracy at the last epoch.
    pub gap: Option<Stat>,
    /// Last epoch evaluated (max over done runs).
    pub final_epoch: Option<i64>,
}

/// Summarizes the seeds of one configuration; an empty slice gives a `missing` summary.
pub fn summarize(runs: &[&Run]) -> CellSummary {
    let done: Vec<&Run> = runs
        .iter()
        .copied()
        .filter(|r| r.status == RunStatus::Done)
        .collect();
    let last = |f: fn(&EpochRow) -> Option<f64>| {
        Stat::of(done.iter().filter_map(|r| r.last_epoch().and_then(f)))
    };
    let mut lrs: Vec<f64> = runs.iter().map(|r| r.lr).collect();
    lrs.sort_by(f64::total_cmp);
    lrs.dedup();
    CellSummary {
        runs: runs.len(),
        done: done.len(),
        status: status_text(runs),
        incomplete: runs.is_empty() || done.len() < runs.len(),
        lrs,
        train_cost: last(|e| e.train_cost),
        cv_cost: last(|e| e.cv_cost),
        train_acc: last(|e| e.train_acc),
        cv_acc: last(|e| e.cv_acc),
        cv_acc_ci: ci_of(&done, |e| e.cv_acc),
        test_acc: last(|e| e.test_acc),
        test_acc_ci: ci_of(&done, |e| e.test_acc),
        gap: last(|e| e.gap()),
        final_epoch: done
            .iter()
            .filter_map(|r| r.last_epoch().map(|e| e.epoch))
            .max(),
    }
}

/// The 95 % interval of the mean of `f` at the last epoch of `runs`.
fn ci_of(runs: &[&Run], f: fn(&EpochRow) -> Option<f64>) -> Option<(f64, f64)> {
    let v: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.last_epoch().and_then(f))
        .filter(|v| v.is_finite())
        .collect();
    Summary::of(&v).and_then(|s| s.ci)
}

/// `done`, `missing`, or counts per status with the epoch a non-finished run stopped at.
fn status_text(runs: &[&Run]) -> String {
    if runs.is_empty() {
        return "missing (no run in the database)".to_string();
    }
    let mut by: BTreeMap<u8, (RunStatus, Vec<&Run>)> = BTreeMap::new();
    for r in runs {
        by.entry(status_order(r.status))
            .or_insert_with(|| (r.status, Vec::new()))
            .1
            .push(r);
    }
    if by.len() == 1 && by.values().all(|(st, _)| *st == RunStatus::Done) {
        return "done".to_string();
    }
    by.values()
        .map(|(st, rs)| {
            let mut s = format!("{} {}", rs.len(), st.as_str());
            if *st != RunStatus::Done {
                let epochs: Vec<String> = rs
                    .iter()
                    .map(|r| {
                        r.last_epoch()
                            .map_or("no epoch".to_string(), |e| format!("epoch {}", e.epoch))
                    })
                    .collect();
                s.push_str(&format!(" ({})", epochs.join(", ")));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The order statuses are listed in: finished first, then how far the others got.
fn status_order(status: RunStatus) -> u8 {
    match status {
        RunStatus::Done => 0,
        RunStatus::Diverged => 1,
        RunStatus::Failed => 2,
        RunStatus::Running => 3,
        RunStatus::Pending => 4,
        RunStatus::Interrupted => 5,
    }
}

/// `0.9142 ± 0.0031` with several seeds, `0.9142` with one, `—` with none.
pub fn fmt_stat(s: Option<Stat>) -> String {
    match s {
        None => "—".to_string(),
        Some(s) if s.n > 1 => format!("{:.4} ± {:.4}", s.mean, s.std),
        Some(s) => format!("{:.4}", s.mean),
    }
}

/// `[0.9104, 0.9180]`, or `—` without an interval (fewer than two seeds done).
pub fn fmt_ci(ci: Option<(f64, f64)>) -> String {
    ci.map_or("—".to_string(), |(lo, hi)| format!("[{lo:.4}, {hi:.4}]"))
}

/// Signed difference ours − original, `—` when ours is missing.
fn fmt_diff(ours: Option<Stat>, paper: f64) -> String {
    match ours {
        None => "—".to_string(),
        Some(s) => format!("{:+.4}", s.mean - paper),
    }
}

/// The label of a row or series: the series key, led by the optimizer even when the
/// optimizer does not vary (`SGD, lr 0.1`).
pub fn row_label(section: &Section, series: &Key) -> String {
    if series.get(Axis::Optimizer).is_some() {
        return series.label("");
    }
    let opt = section
        .runs
        .first()
        .map(|r| optimizer_label(&r.optimizer))
        .unwrap_or_default();
    if series.0.is_empty() {
        opt
    } else {
        format!("{opt}, {}", series.label(""))
    }
}

/// Whether the original has a table for `section` at this init × λ, and which.
pub fn paper_for<'p>(
    section: &Section,
    init: &str,
    l2: f64,
) -> Option<(&'p PaperTable, Option<String>)> {
    let (t, note) = paper_table(&section.dataset)?;
    (t.init == init && t.l2 == l2).then_some((t, note))
}

/// One table per init × λ of the section.
pub fn section_tables(section: &Section) -> Vec<Table> {
    let series = section.series_keys();
    let mut tables = Vec::new();
    for tkey in section.table_keys() {
        let init = tkey
            .get(Axis::Init)
            .map(|v| v.raw().to_string())
            .unwrap_or_default();
        let l2 = tkey.get(Axis::L2).map_or(f64::NAN, |v| v.as_f64());
        // A whole init × λ combination with no run still gets a table of "missing" rows.
        let paper = paper_for(section, &init, l2);
        tables.push(one_table(section, &tkey, &series, paper));
    }
    tables
}

/// One init × λ table of a section: a row per series, the original's numbers beside ours where it has them.
fn one_table(
    section: &Section,
    tkey: &Key,
    series: &[Key],
    paper: Option<(&PaperTable, Option<String>)>,
) -> Table {
    let init = tkey
        .get(Axis::Init)
        .map(|v| v.raw().to_string())
        .unwrap_or_default();
    let l2 = tkey
        .get(Axis::L2)
        .map(|v| v.raw().to_string())
        .unwrap_or_default();
    let mse = section.loss == "mse";
    let with_test = has_test(section);
    let header = table_header(paper.is_some(), with_test);
    let mut rows = Vec::new();
    let mut epochs_seen = Vec::new();
    for skey in series {
        let (row, epoch) = table_row(
            section,
            tkey,
            skey,
            paper.as_ref().map(|(t, _)| *t),
            mse,
            with_test,
        );
        if let Some(e) = epoch {
            epochs_seen.push(e);
        }
        rows.push(row);
    }
    let caption = format!(
        "{}, {}, λ = {}: final values per optimizer",
        section.dataset,
        init_label(&init),
        l2
    );
    let mut notes = table_notes(section, paper, &epochs_seen);
    if with_test {
        notes.push(TEST_NOTE.to_string());
    }
    Table {
        caption,
        header,
        rows,
        notes,
    }
}

/// The note under a table with test accuracies.
const TEST_NOTE: &str = "Test acc: accuracy on the dataset's official test set (10,000 rows for MNIST, Fashion-MNIST and CIFAR-10), scored once after the last epoch; it played no part in choosing learning rates or the best configuration (the CV split did), so it is the unbiased estimate of how the configuration generalizes. Its 95 % CI is Student t over the seeds, as the CV one.";

/// Whether any run of the section scored the test set at its last epoch.
pub fn has_test(section: &Section) -> bool {
    section
        .runs
        .iter()
        .any(|r| r.last_epoch().is_some_and(|e| e.test_acc.is_some()))
}

/// The column names of a table; `orig.` and `Δ` follow each metric when the original has one,
/// the test accuracy and its interval follow the CV interval when the runs scored it.
fn table_header(with_paper: bool, with_test: bool) -> Vec<String> {
    let mut header: Vec<String> = ["configuration", "lr", "n", "status"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let metrics = ["train cost", "CV cost", "train acc", "CV acc"];
    for m in metrics {
        header.push(m.to_string());
        if with_paper {
            header.push("orig.".to_string());
            header.push("Δ".to_string());
        }
    }
    header.push("CV acc 95 % CI".to_string());
    if with_test {
        header.push("test acc".to_string());
        header.push("test acc 95 % CI".to_string());
    }
    header.push("gap (train − CV acc)".to_string());
    header.push("epochs".to_string());
    header
}

/// One series' row of a table, with the final epoch it reached (if any run is done).
fn table_row(
    section: &Section,
    tkey: &Key,
    skey: &Key,
    paper: Option<&PaperTable>,
    mse: bool,
    with_test: bool,
) -> (Vec<Cell>, Option<i64>) {
    let runs = section.runs_at(&[tkey, skey]);
    let s = summarize(&runs);
    let optimizer = skey
        .get(Axis::Optimizer)
        .map(|v| v.raw().to_string())
        .or_else(|| runs.first().map(|r| r.optimizer.clone()))
        .unwrap_or_default();
    let prow: Option<&PaperRow> = paper.and_then(|t| t.row(&optimizer));
    let mut row = vec![
        Cell::plain(row_label(section, skey)),
        Cell::plain(fmt_lrs(&s.lrs)),
        Cell::plain(format!("{}/{}", s.done, s.runs)),
        if s.incomplete {
            Cell::bad(&s.status)
        } else {
            Cell::plain(&s.status)
        },
    ];
    push_metric_cells(&mut row, &s, paper.is_some(), prow, mse);
    row.push(Cell::plain(fmt_ci(s.cv_acc_ci)));
    if with_test {
        row.push(Cell::plain(fmt_stat(s.test_acc)));
        row.push(Cell::plain(fmt_ci(s.test_acc_ci)));
    }
    row.push(Cell::plain(fmt_stat(s.gap)));
    row.push(Cell::plain(
        s.final_epoch.map_or("—".to_string(), |e| e.to_string()),
    ));
    (row, s.final_epoch)
}

/// The learning rates of a row, `a / b` when several, `—` when none.
fn fmt_lrs(lrs: &[f64]) -> String {
    if lrs.is_empty() {
        "—".to_string()
    } else {
        lrs.iter()
            .map(|&v| fmt_num(v))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// Appends the four metric cells, each followed by the original's value and Δ when it has a table.
fn push_metric_cells(
    row: &mut Vec<Cell>,
    s: &CellSummary,
    with_paper: bool,
    prow: Option<&PaperRow>,
    mse: bool,
) {
    let ours = [s.train_cost, s.cv_cost, s.train_acc, s.cv_acc];
    for (i, stat) in ours.iter().enumerate() {
        row.push(Cell::plain(fmt_stat(*stat)));
        if with_paper {
            let p = prow.map(|p| [p.train_cost, p.cv_cost, p.train_acc, p.cv_acc][i]);
            let is_cost = i < 2;
            match p {
                None => {
                    row.push(Cell::paper("—"));
                    row.push(Cell::diff("—"));
                }
                Some(p) => {
                    row.push(Cell::paper(format!("{p:.4}")));
                    if is_cost && !mse {
                        row.push(Cell::diff("n/c"));
                    } else {
                        row.push(Cell::diff(fmt_diff(*stat, p)));
                    }
                }
            }
        }
    }
}

/// The notes under a table: what the original's columns are, how costs and epochs compare.
fn table_notes(
    section: &Section,
    paper: Option<(&PaperTable, Option<String>)>,
    epochs_seen: &[i64],
) -> Vec<String> {
    let mse = section.loss == "mse";
    let mut notes = Vec::new();
    if let Some((t, variant)) = paper {
        notes.push(format!(
            "Beside our numbers: the original report's {} table (He uniform, λ = {}, {} epochs) and Δ = ours − original.",
            t.name,
            fmt_num(t.l2),
            t.epochs
        ));
        if let Some(v) = variant {
            notes.push(format!("Variant: {v}."));
        }
        if let Some(n) = t.l2_note {
            notes.push(format!("λ: {n}."));
        }
        if !mse {
            notes.push(format!(
                "Costs: this section used the `{}` loss, the original's costs are MSE on the softmax output (SPEC §3), so cost differences are not computed (n/c); accuracies compare directly.",
                section.loss
            ));
        }
        if epochs_seen.iter().any(|&e| e != t.epochs) {
            notes.push(format!(
                "Epochs: the original trained for {}; these runs ended at {}.",
                t.epochs,
                epochs_seen
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        }
    } else if section.loss != "mse" {
        notes.push(format!(
            "Costs are the `{}` loss (plus the L2 penalty), not comparable with the original's MSE figures.",
            section.loss
        ));
    }
    notes.push(
        "Values are at the last evaluated epoch, mean ± sample std over seeds when n > 1; n = runs done / runs in the database. Only `done` runs enter the means. The CV accuracy's 95 % confidence interval is mean ± t(0.975, n − 1) · s/√n (Student t over the seeds; docs/statistics.md); with one seed there is none (—).".to_string(),
    );
    notes
}

/// Every run that is not `done`, with its error message: shown, not hidden.
pub fn unfinished_table(runs: &[Run]) -> Option<Table> {
    let rows: Vec<Vec<Cell>> = runs
        .iter()
        .filter(|r| r.status != RunStatus::Done)
        .map(|r| {
            vec![
                Cell::plain(r.id.to_string()),
                Cell::plain(format!("{} / {}", r.dataset, r.study)),
                Cell::plain(format!(
                    "{}, {}, λ={}, lr {}, seed {}",
                    init_label(&r.init),
                    optimizer_label(&r.optimizer),
                    fmt_num(r.l2),
                    fmt_num(r.lr),
                    r.seed
                )),
                Cell::bad(r.status.as_str()),
                Cell::plain(r.last_epoch().map_or("—".to_string(), |e| {
                    format!("{}/{}", e.epoch, r.epochs_planned)
                })),
                Cell::plain(r.error.clone().unwrap_or_default()),
            ]
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Table {
        caption: "Runs that did not finish".to_string(),
        header: [
            "run",
            "dataset / study",
            "configuration",
            "status",
            "epochs",
            "error",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
        notes: vec![],
    })
}

/// A configuration of a section and the final CV accuracy of each of its `done` seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// The configuration's label.
    pub label: String,
    /// One value per done seed (finite).
    pub values: Vec<f64>,
    /// The test accuracy at the last epoch of each done seed that scored it.
    pub test: Vec<f64>,
}

/// The configurations of a section with at least one done run, best mean final CV accuracy
/// first (the same cells as [`best_cv`]).
pub fn ranked_cv(section: &Section) -> Vec<Ranked> {
    let mut ranked: Vec<(f64, Ranked)> = section
        .group_by(&best_axes(section))
        .into_iter()
        .filter_map(|(k, runs)| {
            let finals = |f: fn(&EpochRow) -> Option<f64>| -> Vec<f64> {
                runs.iter()
                    .filter(|r| r.status == RunStatus::Done)
                    .filter_map(|r| r.last_epoch().and_then(f))
                    .filter(|v| v.is_finite())
                    .collect()
            };
            let values = finals(|e| e.cv_acc);
            let mean = Stat::of(values.iter().copied())?.mean;
            Some((
                mean,
                Ranked {
                    label: k.label(""),
                    values,
                    test: finals(|e| e.test_acc),
                },
            ))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.into_iter().map(|(_, r)| r).collect()
}

/// The axes that make a configuration for "best": the panels, the optimizer, the series.
fn best_axes(section: &Section) -> Vec<Axis> {
    let mut axes = Axis::PANEL.to_vec();
    axes.push(Axis::Optimizer);
    axes.extend(
        section
            .series_axes
            .iter()
            .copied()
            .filter(|a| *a != Axis::Optimizer),
    );
    axes
}

/// The configuration with the best mean final CV accuracy in a section.
pub fn best_cv(section: &Section) -> Option<(String, Stat)> {
    section
        .group_by(&best_axes(section))
        .into_iter()
        .filter_map(|(k, runs)| summarize(&runs).cv_acc.map(|s| (k.label(""), s)))
        .max_by(|a, b| a.1.mean.total_cmp(&b.1.mean))
}
