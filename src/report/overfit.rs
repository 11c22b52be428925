//! The overfitting study's section: where, and by how much, regularization helps.
//!
//! The runs it reads are those trained on a subset of the training split
//! (`data.train_size`) or on corrupted labels (`data.label_noise`, `data.labels = "random"`).
//! They are grouped into *settings* — everything a run's stored configuration says except
//! its regularizer and seed: dataset, optimizer, training size, noise, epochs, rates… — so
//! that no two runs that differ in anything but the regularizer are ever compared. Inside a
//! setting each run has one regularizer: none (the baseline), L2 (λ), L1 (λ1) or decoupled
//! weight decay (wd), at a strength; a run with two at once is left out and counted.
//!
//! Per setting and regularizer the best strength is the one with the highest mean final CV
//! accuracy; its gain over the baseline is a paired difference over the seeds both have
//! (95 % t interval). The CV gain is optimistic (the strength was chosen on CV); the test
//! gain of the same strength is not, and is the number to quote. Early stopping is a
//! regularizer too: the epoch of best CV accuracy of each baseline run, and the CV accuracy
//! there against the last epoch's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::style::RGBColor;

use super::doc::{Cell, Document, FigureRef, Table};
use super::error::ReportError;
use super::grid::{fmt_num, optimizer_label, optimizer_rank};
use super::load::Run;
use super::plot::{self, Figure, Panel, Series, ShareY};
use super::stats::{CurvePoint, aggregate};
use crate::stats::{Difference, Summary};

/// A run has fitted its training labels once its training accuracy reaches this (the
/// random-label table's "epoch at which it fits the noise").
pub const FIT_ACC: f64 = 0.99;

/// The confidence level of every interval of the section.
const LEVEL: f64 = 0.95;

/// The settings a run's regularizer is read from, left out of its setting.
const REGULARIZER_PATHS: [&str; 3] = [
    "train.regularization.l2",
    "train.regularization.l1",
    "train.optimizer.weight_decay",
];

/// A regularizer of the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// `λ/2N Σ w²`.
    L2,
    /// `λ1/N Σ |w|`.
    L1,
    /// Decoupled weight decay `θ ← θ − α·wd·θ`.
    Decay,
}

impl Family {
    const ALL: [Family; 3] = [Family::L2, Family::L1, Family::Decay];

    fn name(self) -> &'static str {
        match self {
            Family::L2 => "L2",
            Family::L1 => "L1",
            Family::Decay => "weight decay",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Family::L2 => "λ",
            Family::L1 => "λ1",
            Family::Decay => "wd",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            Family::L2 => RGBColor(31, 119, 180),
            Family::L1 => RGBColor(214, 39, 40),
            Family::Decay => RGBColor(44, 160, 44),
        }
    }
}

/// What one run's regularizer is: `None` for the baseline, `Err` for a mix of two.
fn regularizer(run: &Run) -> Result<Option<(Family, f64)>, ()> {
    let wd = number(run, "train.optimizer.weight_decay");
    let set: Vec<(Family, f64)> = [
        (Family::L2, run.l2),
        (Family::L1, run.l1),
        (Family::Decay, wd),
    ]
    .into_iter()
    .filter(|&(_, v)| v != 0.0)
    .collect();
    match set.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(()),
    }
}

/// A numeric setting of the run's stored configuration; absent means the setting's default,
/// 0 for the regularizers and the noise rate (the JSON leaves them out at 0).
fn number(run: &Run, path: &str) -> f64 {
    run.settings
        .get(path)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0)
}

/// The label-noise rate: the JSON holds a symmetric noise as a number
/// (`data.label_noise`), a pair flip as a table (`data.label_noise.rate`).
fn noise_rate(run: &Run) -> f64 {
    number(run, "data.label_noise").max(number(run, "data.label_noise.rate"))
}

/// True for the runs of the overfitting study.
fn in_study(run: &Run) -> bool {
    [
        "data.train_size",
        "data.label_noise",
        "data.label_noise.rate",
        "data.labels",
    ]
    .iter()
    .any(|p| run.settings.get(*p).is_some_and(|v| !v.is_null()))
}

/// The noise of a run's training labels, as the report names it.
fn noise_label(run: &Run) -> String {
    if run.settings.get("data.labels").and_then(|v| v.as_str()) == Some("random") {
        return "random labels".to_string();
    }
    let rate = noise_rate(run);
    if rate == 0.0 {
        return "clean".to_string();
    }
    match run
        .settings
        .get("data.label_noise.kind")
        .and_then(|v| v.as_str())
    {
        Some("pairs") => format!("pairs {}", fmt_num(rate)),
        _ => format!("noise {}", fmt_num(rate)),
    }
}

/// One setting: the runs that differ only in regularizer and seed.
struct Setting<'r> {
    dataset: String,
    optimizer: String,
    train_size: Option<u64>,
    noise: String,
    /// 0 clean, 1 label noise, 2 random labels (for ordering).
    noise_rank: (u8, u64),
    label: String,
    baseline: Vec<&'r Run>,
    by_family: BTreeMap<Family, BTreeMap<u64, (f64, Vec<&'r Run>)>>,
}

impl Setting<'_> {
    fn is_noisy(&self) -> bool {
        self.noise != "clean"
    }
    fn is_random(&self) -> bool {
        self.noise == "random labels"
    }
    fn strengths(&self, f: Family) -> Vec<(f64, &[&Run])> {
        self.by_family
            .get(&f)
            .map(|m| m.values().map(|(v, runs)| (*v, runs.as_slice())).collect())
            .unwrap_or_default()
    }
}

/// The study's settings in report order (dataset, optimizer, size, noise), and the number of
/// runs left out for mixing regularizers.
fn settings(runs: &[Run]) -> (Vec<Setting<'_>>, usize) {
    let mut groups: BTreeMap<String, Setting> = BTreeMap::new();
    let mut mixed = 0;
    for run in runs.iter().filter(|r| in_study(r)) {
        let Ok(reg) = regularizer(run) else {
            mixed += 1;
            continue;
        };
        let mut rest = run.settings.clone();
        for p in REGULARIZER_PATHS {
            rest.remove(p);
        }
        let key = serde_json::to_string(&rest).unwrap_or_default();
        let train_size = run.settings.get("data.train_size").and_then(|v| v.as_u64());
        let noise = noise_label(run);
        let noise_rank = match noise.as_str() {
            "clean" => (0, 0),
            "random labels" => (2, 0),
            _ => (1, (noise_rate(run) * 1e6) as u64),
        };
        let s = groups.entry(key).or_insert_with(|| Setting {
            dataset: run.dataset.clone(),
            optimizer: run.optimizer.clone(),
            train_size,
            label: String::new(),
            noise,
            noise_rank,
            baseline: Vec::new(),
            by_family: BTreeMap::new(),
        });
        match reg {
            None => s.baseline.push(run),
            Some((f, v)) => {
                let at = s.by_family.entry(f).or_default();
                at.entry(v.to_bits()).or_insert((v, Vec::new())).1.push(run);
            }
        }
    }
    let mut out: Vec<Setting> = groups.into_values().collect();
    out.sort_by(|a, b| {
        (
            &a.dataset,
            optimizer_rank(&a.optimizer),
            a.train_size,
            a.noise_rank,
        )
            .cmp(&(
                &b.dataset,
                optimizer_rank(&b.optimizer),
                b.train_size,
                b.noise_rank,
            ))
    });
    // Strengths in ascending order (the map is keyed by bits: positive floats order alike).
    for s in &mut out {
        let n = s
            .train_size
            .map_or("whole split".to_string(), |n| format!("n = {n}"));
        s.label = format!(
            "{} · {} · {n} · {}",
            s.dataset,
            optimizer_label(&s.optimizer),
            s.noise
        );
    }
    // Two settings that the label cannot tell apart differ in another setting: number them.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in &mut out {
        let k = seen.entry(s.label.clone()).or_insert(0);
        *k += 1;
        if *k > 1 {
            s.label = format!("{} (variant {k})", s.label);
        }
    }
    (out, mixed)
}

/// A run's finished value of `field` at its last epoch that has one, for a run that is done.
fn last(run: &Run, field: fn(&super::load::EpochRow) -> Option<f64>) -> Option<f64> {
    if run.status != super::load::RunStatus::Done {
        return None;
    }
    run.epochs.iter().rev().find_map(field)
}

fn final_cv(r: &Run) -> Option<f64> {
    last(r, |e| e.cv_acc)
}
fn final_test(r: &Run) -> Option<f64> {
    last(r, |e| e.test_acc)
}
fn final_gap(r: &Run) -> Option<f64> {
    last(r, |e| e.gap())
}

/// Early stopping: the first epoch of highest recorded CV accuracy and that accuracy (epochs
/// that were not evaluated are skipped).
pub fn early_stop(run: &Run) -> Option<(i64, f64)> {
    run.epochs
        .iter()
        .filter_map(|e| e.cv_acc.map(|a| (e.epoch, a)))
        .fold(None, |best: Option<(i64, f64)>, (e, a)| match best {
            Some((_, b)) if b >= a => best,
            _ => Some((e, a)),
        })
}

/// The first evaluated epoch at which the training accuracy reaches [`FIT_ACC`].
pub fn fit_epoch(run: &Run) -> Option<i64> {
    run.epochs
        .iter()
        .find(|e| e.train_acc.is_some_and(|a| a >= FIT_ACC))
        .map(|e| e.epoch)
}

/// The values of `f` of the runs, by seed (done runs with a value only).
fn by_seed(runs: &[&Run], f: &dyn Fn(&Run) -> Option<f64>) -> BTreeMap<i64, f64> {
    runs.iter()
        .filter_map(|r| f(r).map(|v| (r.seed, v)))
        .collect()
}

fn mean_of(runs: &[&Run], f: &dyn Fn(&Run) -> Option<f64>) -> Option<Summary> {
    let v: Vec<f64> = by_seed(runs, f).into_values().collect();
    Summary::with_level(&v, LEVEL)
}

/// `a − b` paired by seed over the seeds both have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gain {
    /// Mean difference.
    pub estimate: f64,
    /// 95 % interval; `None` with fewer than two pairs.
    pub ci: Option<(f64, f64)>,
    /// Two-sided p of the paired t-test; `None` with fewer than two pairs.
    pub p: Option<f64>,
    /// Seeds paired.
    pub n: usize,
}

impl Gain {
    /// The paired gain of `a` over `b`; `None` when they share no seed.
    pub fn of(a: &BTreeMap<i64, f64>, b: &BTreeMap<i64, f64>) -> Option<Gain> {
        let (x, y): (Vec<f64>, Vec<f64>) = a
            .iter()
            .filter_map(|(s, va)| b.get(s).map(|vb| (*va, *vb)))
            .unzip();
        if x.is_empty() {
            return None;
        }
        let estimate = x.iter().zip(&y).map(|(a, b)| a - b).sum::<f64>() / x.len() as f64;
        let d = Difference::paired(&x, &y);
        Some(Gain {
            estimate,
            ci: d.map(|d| d.ci(LEVEL)),
            p: d.map(|d| d.p_two_sided()),
            n: x.len(),
        })
    }

    /// `+0.0123 [0.0050, 0.0196]`, or the estimate with "(n = 1)".
    pub fn text(&self) -> String {
        match self.ci {
            Some((lo, hi)) => format!("{:+.4} [{lo:+.4}, {hi:+.4}]", self.estimate),
            None => format!("{:+.4} (n = {}: no interval)", self.estimate, self.n),
        }
    }

    /// Whether the interval lies above 0 (helps), below (hurts), or neither.
    pub fn sign(&self) -> Option<std::cmp::Ordering> {
        let (lo, hi) = self.ci?;
        Some(if lo > 0.0 {
            std::cmp::Ordering::Greater
        } else if hi < 0.0 {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Equal
        })
    }
}

/// The best strength of one regularizer in one setting, and what it gains over none.
struct Best<'s> {
    family: Family,
    strength: f64,
    runs: &'s [&'s Run],
    cv: Option<Summary>,
    cv_gain: Option<Gain>,
    test_gain: Option<Gain>,
    gap: Option<Summary>,
}

fn best<'s>(s: &'s Setting<'s>, f: Family) -> Option<Best<'s>> {
    let (strength, runs, cv) = s
        .strengths(f)
        .into_iter()
        .filter_map(|(v, runs)| mean_of(runs, &final_cv).map(|m| (v, runs, m)))
        .max_by(|a, b| a.2.mean.total_cmp(&b.2.mean))?;
    let gain = |field: &dyn Fn(&Run) -> Option<f64>| {
        Gain::of(&by_seed(runs, field), &by_seed(&s.baseline, field))
    };
    Some(Best {
        family: f,
        strength,
        runs,
        cv: Some(cv),
        cv_gain: gain(&final_cv),
        test_gain: gain(&final_test),
        gap: mean_of(runs, &final_gap),
    })
}

/// An epoch number over seeds: `46.7 ± 2.9`.
fn epoch_text(s: Option<Summary>) -> String {
    match s {
        Some(s) => match s.sd {
            Some(sd) => format!("{:.1} ± {sd:.1}", s.mean),
            None => format!("{:.0}", s.mean),
        },
        None => "—".to_string(),
    }
}

fn summary_text(s: Option<Summary>) -> String {
    match s {
        Some(s) => match s.sd {
            Some(sd) => format!("{:.4} ± {sd:.4}", s.mean),
            None => format!("{:.4}", s.mean),
        },
        None => "—".to_string(),
    }
}

/// The section, when the study has runs of the overfitting grid: text, tables and (with
/// `figures`) figures drawn into `fig_dir`, their files added to `files`.
pub fn section(
    doc: &mut Document,
    runs: &[Run],
    claim6: Option<&super::ClaimCheck>,
    figures: bool,
    fig_dir: &Path,
    files: &mut Vec<PathBuf>,
) -> Result<(), ReportError> {
    let (settings, mixed) = settings(runs);
    if settings.is_empty() {
        return Ok(());
    }
    doc.heading(2, "Where regularization helps: the overfitting study");
    doc.para(format!(
        "{} runs in {} settings (dataset × optimizer × training size × label noise, every other setting equal within one). Inside a setting each run has one regularizer — none, L2 (λ/2N Σw²), L1 (λ1/N Σ|w|) or decoupled weight decay (wd) — at one strength{}. The best strength of each is the one of highest mean final CV accuracy; its gain over none is paired by seed, with a {}% t interval. The CV gain is optimistic (the strength was chosen on CV); the **test gain** of the same strength is not: it is the number to quote. Intervals are per row, not corrected for the number of rows.",
        settings.iter().map(|s| s.baseline.len() + s.by_family.values().flat_map(|m| m.values()).map(|(_, r)| r.len()).sum::<usize>()).sum::<usize>(),
        settings.len(),
        if mixed > 0 { format!("; {mixed} runs that combine two regularizers are left out") } else { String::new() },
        LEVEL * 100.0
    ));
    answer(doc, &settings, claim6);
    doc.table(best_table(&settings));
    doc.table(early_stopping_table(&settings));
    if let Some(t) = memorization_table(&settings) {
        doc.table(t);
    }
    if let Some(t) = random_label_table(&settings) {
        doc.table(t);
    }
    if let Some(t) = sparsity_table(&settings) {
        doc.table(t);
    }
    if figures {
        for (figure, caption) in plan(&settings) {
            let plot::Rendered { png, svg, csv } = plot::render(&figure, fig_dir)?;
            let rel = |p: &Path| PathBuf::from("figures").join(p.file_name().unwrap_or_default());
            doc.figure(FigureRef {
                png: rel(&png),
                svg: rel(&svg),
                csv: rel(&csv),
                png_abs: png.clone(),
                size: figure.size(),
                caption,
            });
            files.extend([png, svg, csv]);
        }
    }
    Ok(())
}

/// The paragraph that answers the question: where the best regularizer's test (else CV)
/// gain is positive with its interval above 0, and claim 6 revisited.
fn answer(doc: &mut Document, settings: &[Setting], claim6: Option<&super::ClaimCheck>) {
    let mut helps = Vec::new();
    let mut none = Vec::new();
    let mut top: Option<(f64, String)> = None;
    for s in settings {
        let bests: Vec<Best> = Family::ALL.iter().filter_map(|&f| best(s, f)).collect();
        let pick = |b: &Best| b.test_gain.or(b.cv_gain);
        // The regularizer named for a setting: of those whose gain's interval lies above 0
        // the largest gain, else the largest estimate (an estimate with a wide interval must
        // not hide a regularizer that demonstrably helps).
        let shown = |b: &Best| pick(b).and_then(|g| g.sign()) == Some(std::cmp::Ordering::Greater);
        let rank = |x: &Best| (shown(x), pick(x).map_or(f64::NEG_INFINITY, |g| g.estimate));
        let Some(b) = bests.iter().filter(|b| pick(b).is_some()).max_by(|a, b| {
            let (ra, rb) = (rank(a), rank(b));
            ra.0.cmp(&rb.0).then(ra.1.total_cmp(&rb.1))
        }) else {
            continue;
        };
        let Some(g) = pick(b) else { continue };
        let on = if b.test_gain.is_some() { "test" } else { "CV" };
        let what = format!(
            "{}: {} {} = {} gains {} {on} accuracy",
            s.label,
            b.family.name(),
            b.family.symbol(),
            fmt_num(b.strength),
            g.text()
        );
        if g.sign() == Some(std::cmp::Ordering::Greater) {
            if top.as_ref().is_none_or(|(e, _)| g.estimate > *e) {
                top = Some((g.estimate, what.clone()));
            }
            helps.push(what);
        } else {
            none.push(what);
        }
    }
    let mut text = format!(
        "**When does regularization help?** In {} of {} settings the best regularizer's gain has its {}% interval above 0.",
        helps.len(),
        helps.len() + none.len(),
        LEVEL * 100.0
    );
    if let Some((_, t)) = &top {
        text.push_str(&format!(" The largest: {t}."));
    }
    doc.para(text);
    doc.list(
        helps
            .into_iter()
            .map(|h| format!("helps — {h}"))
            .chain(
                none.into_iter()
                    .map(|n| format!("no detectable gain — {n}")),
            )
            .collect(),
    );
    if let Some(c) = claim6 {
        doc.para(format!(
            "**Claim 6 revisited.** The original report's claim that λ makes no visible difference, as checked on this study's sections above: {} ({}). In the overfitting regime the answer is the list above: the effect of the best λ is its gain, with its interval.",
            c.verdict.label(),
            c.summary
        ));
    }
}

fn gain_cell(g: Option<Gain>) -> Cell {
    match g {
        Some(g) if g.sign() == Some(std::cmp::Ordering::Less) => Cell::bad(g.text()),
        Some(g) => Cell::plain(g.text()),
        None => Cell::plain("—"),
    }
}

fn best_table(settings: &[Setting]) -> Table {
    let mut rows = Vec::new();
    for s in settings {
        let base_cv = mean_of(&s.baseline, &final_cv);
        let base_gap = mean_of(&s.baseline, &final_gap);
        for f in Family::ALL {
            let Some(b) = best(s, f) else { continue };
            rows.push(vec![
                Cell::plain(&s.label),
                Cell::plain(f.name()),
                Cell::plain(format!("{} = {}", f.symbol(), fmt_num(b.strength))),
                Cell::plain(summary_text(base_cv)),
                Cell::plain(summary_text(b.cv)),
                gain_cell(b.cv_gain),
                gain_cell(b.test_gain),
                Cell::plain(
                    b.test_gain
                        .and_then(|g| g.p)
                        .map_or("—".to_string(), |p| format!("{p:.3}")),
                ),
                Cell::plain(format!(
                    "{} → {}",
                    summary_text(base_gap),
                    summary_text(b.gap)
                )),
                Cell::plain(format!("{}/{}", b.runs.len(), s.baseline.len())),
            ]);
        }
    }
    Table {
        caption: "Best strength of each regularizer per setting, against none (final epoch; mean ± sd over seeds; gains paired by seed, 95 % t interval)".to_string(),
        header: ["setting", "regularizer", "best", "CV acc, none", "CV acc, best", "CV gain", "test gain", "p (test, paired t)", "gap: none → best", "runs best/none"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        notes: vec![
            "gap = training − CV accuracy. A gain in red has its interval below 0.".to_string(),
        ],
    }
}

fn early_stopping_table(settings: &[Setting]) -> Table {
    let rows = settings
        .iter()
        .filter(|s| !s.baseline.is_empty())
        .map(|s| {
            let at_best = by_seed(&s.baseline, &|r| early_stop(r).map(|(_, a)| a));
            let epochs: Vec<f64> = s
                .baseline
                .iter()
                .filter_map(|r| early_stop(r).map(|(e, _)| e as f64))
                .collect();
            let gain = Gain::of(&at_best, &by_seed(&s.baseline, &final_cv));
            vec![
                Cell::plain(&s.label),
                Cell::plain(epoch_text(Summary::with_level(&epochs, LEVEL))),
                Cell::plain(
                    s.baseline
                        .first()
                        .map_or("—".to_string(), |r| r.epochs_planned.to_string()),
                ),
                Cell::plain(summary_text(mean_of(&s.baseline, &final_cv))),
                Cell::plain(summary_text(Summary::with_level(
                    &at_best.values().copied().collect::<Vec<_>>(),
                    LEVEL,
                ))),
                gain_cell(gain),
            ]
        })
        .collect();
    Table {
        caption: "Early stopping (no other regularizer): the epoch of best CV accuracy among the evaluated epochs, and the CV accuracy there against the last epoch's".to_string(),
        header: ["setting", "best epoch", "epochs", "CV acc, last epoch", "CV acc, best epoch", "gain"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        notes: vec!["The best epoch is chosen on CV, so its gain on CV is optimistic; the test set is scored after the last epoch only.".to_string()],
    }
}

fn memo(run: &Run, f: fn(&crate::store::MemorizationRow) -> Option<f64>) -> Option<f64> {
    if run.status != super::load::RunStatus::Done {
        return None;
    }
    run.memorization.iter().rev().find_map(f)
}

fn memorization_table(settings: &[Setting]) -> Option<Table> {
    let mut rows = Vec::new();
    for s in settings.iter().filter(|s| s.is_noisy() && !s.is_random()) {
        let l2 = best(s, Family::L2);
        let mut cells = vec![Cell::plain(&s.label)];
        let groups: [(&[&Run], String); 2] = [
            (&s.baseline, "none".to_string()),
            match &l2 {
                Some(b) => (b.runs, format!("λ = {}", fmt_num(b.strength))),
                None => (&[], "—".to_string()),
            },
        ];
        for (runs, label) in groups {
            cells.push(Cell::plain(label));
            for f in [
                (|m: &crate::store::MemorizationRow| m.noisy_fit) as fn(&_) -> _,
                |m| m.noisy_true,
                |m| m.clean_acc,
            ] {
                cells.push(Cell::plain(summary_text(mean_of(runs, &|r| memo(r, f)))));
            }
        }
        rows.push(cells);
    }
    (!rows.is_empty()).then(|| Table {
        caption: "Memorization at the last epoch: training accuracy on the corrupted rows against the labels they were trained on (the noise memorized) and against their true labels, and on the clean rows; without a regularizer and with the best L2 λ".to_string(),
        header: ["setting", "none", "noise fitted", "true label", "clean rows", "best L2", "noise fitted", "true label", "clean rows"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        notes: vec![],
    })
}

fn random_label_table(settings: &[Setting]) -> Option<Table> {
    let mut rows = Vec::new();
    for s in settings.iter().filter(|s| s.is_random()) {
        let mut groups: Vec<(String, &[&Run])> = vec![("none".to_string(), &s.baseline)];
        for f in Family::ALL {
            for (v, runs) in s.strengths(f) {
                groups.push((format!("{} = {}", f.symbol(), fmt_num(v)), runs));
            }
        }
        for (label, runs) in groups.into_iter().filter(|(_, r)| !r.is_empty()) {
            let fitted: Vec<f64> = runs
                .iter()
                .filter_map(|r| fit_epoch(r).map(|e| e as f64))
                .collect();
            rows.push(vec![
                Cell::plain(&s.label),
                Cell::plain(label),
                Cell::plain(format!("{} of {}", fitted.len(), runs.len())),
                Cell::plain(epoch_text(Summary::with_level(&fitted, LEVEL))),
                Cell::plain(summary_text(mean_of(runs, &|r| last(r, |e| e.train_acc)))),
                Cell::plain(summary_text(mean_of(runs, &final_cv))),
            ]);
        }
    }
    (!rows.is_empty()).then(|| Table {
        caption: format!("Random labels: how soon the network fits pure noise (the first evaluated epoch with training accuracy ≥ {FIT_ACC})"),
        header: ["setting", "regularizer", "runs that fit", "epoch fitted", "final training acc", "final CV acc"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        notes: vec!["With random labels there is nothing to generalize: CV accuracy is expected at chance (1/classes), and a network that fits the training set has memorized it.".to_string()],
    })
}

/// Per run at its last recorded epoch: the mean over layers of the small-weight fraction,
/// of the exact-zero fraction, and the total weight norm `sqrt(Σ_l ‖W[l]‖²)`.
fn sparsity_of(run: &Run) -> Option<(f64, f64, f64)> {
    if run.status != super::load::RunStatus::Done {
        return None;
    }
    let epoch = run.sparsity.last()?.epoch;
    let rows: Vec<_> = run.sparsity.iter().filter(|r| r.epoch == epoch).collect();
    let n = rows.len() as f64;
    let small = rows
        .iter()
        .map(|r| r.small.unwrap_or(f64::NAN))
        .sum::<f64>()
        / n;
    let zero = rows.iter().map(|r| r.zero.unwrap_or(f64::NAN)).sum::<f64>() / n;
    let norm = run
        .layer_norms
        .iter()
        .filter(|l| l.epoch == epoch)
        .map(|l| l.weight_norm.unwrap_or(f64::NAN).powi(2))
        .sum::<f64>()
        .sqrt();
    Some((small, zero, norm))
}

fn sparsity_table(settings: &[Setting]) -> Option<Table> {
    let mut rows = Vec::new();
    for s in settings.iter().filter(|s| !s.is_noisy()) {
        let mut groups: Vec<(String, &[&Run])> = vec![("none".to_string(), &s.baseline)];
        for f in [Family::L2, Family::L1] {
            for (v, runs) in s.strengths(f) {
                groups.push((
                    format!("{} {} = {}", f.name(), f.symbol(), fmt_num(v)),
                    runs,
                ));
            }
        }
        for (label, runs) in groups {
            let at = |i: usize| mean_of(runs, &|r| sparsity_of(r).map(|t| [t.0, t.1, t.2][i]));
            if at(0).is_none() {
                continue;
            }
            rows.push(vec![
                Cell::plain(&s.label),
                Cell::plain(label),
                Cell::plain(summary_text(at(0))),
                Cell::plain(summary_text(at(1))),
                Cell::plain(summary_text(at(2))),
                Cell::plain(summary_text(mean_of(runs, &final_cv))),
            ]);
        }
    }
    (!rows.is_empty()).then(|| Table {
        caption: "L1 against L2 on clean labels: weights at the last epoch — the fraction below 10⁻³ of their layer's largest (mean over layers), the fraction exactly 0, and the total norm sqrt(Σ‖W[l]‖²)".to_string(),
        header: ["setting", "regularizer", "small (< 10⁻³ max)", "exactly 0", "‖W‖", "final CV acc"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        notes: vec!["The first-order optimizers take L1's subgradient (0 at 0), which shrinks weights toward 0 without making them exactly 0; OWL-QN would.".to_string()],
    })
}

/// log10 of a strength, the x of the strength figures.
fn lg(v: f64) -> f64 {
    v.log10()
}

fn point(x: f64, s: Option<Summary>) -> Option<CurvePoint> {
    s.map(|s| CurvePoint {
        x,
        mean: s.mean,
        std: s.sd.unwrap_or(0.0),
        n: s.n,
    })
}

/// One panel per setting: `field` of the final epoch against log10 strength, a series per
/// regularizer, and the baseline as a flat line across the strengths drawn.
fn strength_panel(s: &Setting, field: &dyn Fn(&Run) -> Option<f64>, families: &[Family]) -> Panel {
    let mut series = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &f in families {
        let points: Vec<CurvePoint> = s
            .strengths(f)
            .into_iter()
            .filter_map(|(v, runs)| point(lg(v), mean_of(runs, field)))
            .collect();
        for p in &points {
            lo = lo.min(p.x);
            hi = hi.max(p.x);
        }
        if !points.is_empty() {
            series.push(Series {
                label: f.name().to_string(),
                color: f.color(),
                points,
            });
        }
    }
    if let Some(base) = mean_of(&s.baseline, field)
        && lo.is_finite()
    {
        series.push(Series {
            label: "none".to_string(),
            color: RGBColor(90, 90, 90),
            points: [lo, hi]
                .iter()
                .filter_map(|&x| point(x, Some(base)))
                .collect(),
        });
    }
    Panel {
        title: s.label.clone(),
        series,
    }
}

fn legend(families: &[Family]) -> Vec<(String, RGBColor)> {
    families
        .iter()
        .map(|f| (f.name().to_string(), f.color()))
        .chain([("none".to_string(), RGBColor(90, 90, 90))])
        .collect()
}

/// The figures: CV accuracy and gap against strength, memorization and random-label curves,
/// and sparsity against strength; one figure each per dataset × optimizer.
fn plan(settings: &[Setting]) -> Vec<(Figure, String)> {
    let mut out = Vec::new();
    let mut groups: BTreeMap<(String, i64, String), Vec<&Setting>> = BTreeMap::new();
    for s in settings {
        groups
            .entry((
                s.dataset.clone(),
                optimizer_rank(&s.optimizer),
                s.optimizer.clone(),
            ))
            .or_default()
            .push(s);
    }
    for ((dataset, _, optimizer), group) in groups {
        let slug = format!("overfit-{dataset}-{optimizer}");
        let who = format!("{dataset}, {}", optimizer_label(&optimizer));
        let labelled: Vec<&Setting> = group.iter().copied().filter(|s| !s.is_random()).collect();
        let figure =
            |stem: &str, title: String, x: &str, y: &str, panels: Vec<Panel>, legend| Figure {
                stem: format!("{slug}-{stem}"),
                title,
                x_label: x.to_string(),
                y_label: y.to_string(),
                log_y: false,
                min_span: 0.05,
                shared_y: ShareY::All,
                ncols: 3,
                panels,
                legend,
            };
        if !labelled.is_empty() {
            let fams = Family::ALL;
            let x = "log10 of the strength (λ, λ1, wd)";
            out.push((
                figure("cv-vs-strength", format!("{who}: final CV accuracy against regularization strength"), x, "final CV accuracy",
                    labelled.iter().map(|s| strength_panel(s, &final_cv, &fams)).collect(), legend(&fams)),
                "Final CV accuracy against the regularizer's strength (log10), one panel per training size and noise; mean ± 1 std over seeds. The grey line is the run without a regularizer.".to_string(),
            ));
            out.push((
                figure("gap-vs-strength", format!("{who}: generalization gap against regularization strength"), x, "train − CV accuracy",
                    labelled.iter().map(|s| strength_panel(s, &final_gap, &fams)).collect(), legend(&fams)),
                "Generalization gap (training − CV accuracy) at the last epoch against the strength; mean ± 1 std over seeds.".to_string(),
            ));
            let clean: Vec<&Setting> = labelled.iter().copied().filter(|s| !s.is_noisy()).collect();
            if clean
                .iter()
                .any(|s| s.baseline.iter().any(|r| !r.sparsity.is_empty()))
            {
                let fams = [Family::L2, Family::L1];
                out.push((
                    figure("sparsity-vs-strength", format!("{who}: small weights against L1 and L2 strength"), x, "fraction of weights < 10⁻³ max",
                        clean.iter().map(|s| strength_panel(s, &|r| sparsity_of(r).map(|t| t.0), &fams)).collect(), legend(&fams)),
                    "Fraction of the weights below 10⁻³ of their layer's largest (mean over layers) at the last epoch, L1 against L2, on clean labels.".to_string(),
                ));
                out.push((
                    figure(
                        "norm-vs-strength",
                        format!("{who}: weight norm against L1 and L2 strength"),
                        x,
                        "‖W‖ = sqrt(Σ‖W[l]‖²)",
                        clean
                            .iter()
                            .map(|s| strength_panel(s, &|r| sparsity_of(r).map(|t| t.2), &fams))
                            .collect(),
                        legend(&fams),
                    ),
                    "Total weight norm at the last epoch, L1 against L2, on clean labels."
                        .to_string(),
                ));
            }
        }
        let noisy: Vec<&Setting> = group
            .iter()
            .copied()
            .filter(|s| s.is_noisy() && !s.is_random())
            .collect();
        if !noisy.is_empty() {
            let panels = noisy.iter().map(|s| memorization_panel(s)).collect();
            out.push((
                figure("memorization", format!("{who}: memorization of the label noise"), "epoch", "training accuracy on the corrupted rows",
                    panels, vec![("none".to_string(), RGBColor(90, 90, 90)), ("best L2".to_string(), Family::L2.color())]),
                "Training accuracy on the corrupted rows against the labels they were trained on — the fraction of the noise memorized — per evaluated epoch, without a regularizer and with the best L2 λ; mean ± 1 std over seeds.".to_string(),
            ));
        }
        let random: Vec<&Setting> = group.iter().copied().filter(|s| s.is_random()).collect();
        if !random.is_empty() {
            let mut legend_entries = Vec::new();
            let panels = random
                .iter()
                .map(|s| {
                    let mut groups: Vec<(String, &[&Run])> =
                        vec![("none".to_string(), &s.baseline)];
                    for (v, runs) in s.strengths(Family::L2) {
                        groups.push((format!("λ = {}", fmt_num(v)), runs));
                    }
                    let n = groups.len();
                    let series = groups
                        .into_iter()
                        .enumerate()
                        .filter(|(_, (_, r))| !r.is_empty())
                        .map(|(i, (label, runs))| {
                            let color = plot::shade(Family::L2.color(), i, n);
                            if !legend_entries.iter().any(|(l, _)| *l == label) {
                                legend_entries.push((label.clone(), color));
                            }
                            Series {
                                label,
                                color,
                                points: curve(runs, |e| e.train_acc),
                            }
                        })
                        .collect();
                    Panel {
                        title: s.label.clone(),
                        series,
                    }
                })
                .collect();
            out.push((
                figure("random-labels", format!("{who}: fitting random labels"), "epoch", "training accuracy", panels, legend_entries),
                format!("Training accuracy on random labels per evaluated epoch (chance = 1/classes); the network has fitted the noise once it reaches {FIT_ACC}. Mean ± 1 std over seeds."),
            ));
        }
    }
    out
}

fn curve(runs: &[&Run], field: fn(&super::load::EpochRow) -> Option<f64>) -> Vec<CurvePoint> {
    let curves: Vec<Vec<(i64, Option<f64>)>> = runs
        .iter()
        .filter(|r| r.status == super::load::RunStatus::Done)
        .map(|r| r.epochs.iter().map(|e| (e.epoch, field(e))).collect())
        .collect();
    aggregate(&curves)
}

fn memorization_panel(s: &Setting) -> Panel {
    let memo_curve = |runs: &[&Run]| {
        let curves: Vec<Vec<(i64, Option<f64>)>> = runs
            .iter()
            .filter(|r| r.status == super::load::RunStatus::Done)
            .map(|r| {
                r.memorization
                    .iter()
                    .map(|m| (m.epoch, m.noisy_fit))
                    .collect()
            })
            .collect();
        aggregate(&curves)
    };
    let mut series = vec![Series {
        label: "none".to_string(),
        color: RGBColor(90, 90, 90),
        points: memo_curve(&s.baseline),
    }];
    if let Some(b) = best(s, Family::L2) {
        series.push(Series {
            label: format!("best L2 (λ = {})", fmt_num(b.strength)),
            color: Family::L2.color(),
            points: memo_curve(b.runs),
        });
    }
    Panel {
        title: s.label.clone(),
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::{EpochRow, RunStatus};

    /// A done run of the overfitting grid: `settings` as JSON over a 500-row MNIST default,
    /// with its CV accuracies per epoch (`None`: not evaluated).
    fn run(id: i64, seed: i64, extra: serde_json::Value, cv: &[Option<f64>]) -> Run {
        let mut config = serde_json::json!({
            "data": {"dataset": "mnist", "train_size": 500},
            "train": {"optimizer": {"kind": "adam", "lr": 0.001, "weight_decay": 0.0},
                      "regularization": {"l1": 0.0, "l2": 0.0}}
        });
        merge(&mut config, &extra);
        let l2 = config["train"]["regularization"]["l2"].as_f64().unwrap();
        let l1 = config["train"]["regularization"]["l1"].as_f64().unwrap();
        Run {
            id,
            study: "t".into(),
            dataset: "mnist".into(),
            architecture: "784-8xrelu-10xsoftmax".into(),
            loss: "cce".into(),
            init: "he".into(),
            optimizer: "adam".into(),
            lr: 0.001,
            bias_correction: true,
            l2,
            l1,
            batch_size: 100,
            epochs_planned: cv.len() as i64 - 1,
            seed,
            status: RunStatus::Done,
            error: None,
            wall_seconds: Some(1.0),
            threads: 1,
            data_source: None,
            started_at: None,
            finished_at: None,
            mlplab_version: "0".into(),
            git_commit: None,
            cell_key: format!("cell-{id}"),
            settings: crate::store::cell_settings(&config.to_string()).unwrap(),
            epochs: cv
                .iter()
                .enumerate()
                .map(|(e, &cv_acc)| EpochRow {
                    epoch: e as i64,
                    step: e as i64,
                    train_cost: None,
                    cv_cost: None,
                    train_acc: cv_acc.map(|c| (c + 0.3).min(1.0)),
                    cv_acc,
                    test_cost: None,
                    test_acc: None,
                    seconds: 0.0,
                })
                .collect(),
            layer_norms: vec![],
            batches: vec![],
            sparsity: vec![],
            memorization: vec![],
        }
    }

    fn merge(into: &mut serde_json::Value, from: &serde_json::Value) {
        match (into, from) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
            (a, b) => *a = b.clone(),
        }
    }

    #[test]
    fn early_stopping_is_the_first_argmax_of_the_recorded_cv_accuracy() {
        let cv = [
            Some(0.1),
            None,
            Some(0.6),
            Some(0.5),
            None,
            Some(0.6),
            Some(0.4),
        ];
        let r = run(1, 1, serde_json::json!({}), &cv);
        assert_eq!(early_stop(&r), Some((2, 0.6)));
        assert_eq!(
            early_stop(&run(2, 1, serde_json::json!({}), &[None, None])),
            None
        );
        // The training accuracy is CV + 0.3 here: at most 0.9, never fitted.
        assert_eq!(fit_epoch(&r), None);
        let fits = run(
            3,
            1,
            serde_json::json!({}),
            &[Some(0.1), Some(0.7), Some(0.69)],
        );
        assert_eq!(fit_epoch(&fits), Some(1));
    }

    #[test]
    fn gains_pair_by_seed_over_the_seeds_both_have() {
        let a: BTreeMap<i64, f64> = [(1, 0.9), (2, 0.84), (3, 0.91), (9, 0.0)].into();
        let b: BTreeMap<i64, f64> = [(1, 0.8), (2, 0.75), (3, 0.8), (4, 1.0)].into();
        let g = Gain::of(&a, &b).unwrap();
        assert_eq!(g.n, 3);
        assert!((g.estimate - 0.1).abs() < 1e-12);
        let (lo, hi) = g.ci.unwrap();
        assert!(lo > 0.0 && hi > g.estimate && g.sign() == Some(std::cmp::Ordering::Greater));
        let one = Gain::of(&[(1, 0.9)].into(), &b).unwrap();
        assert_eq!((one.ci, one.sign()), (None, None));
        assert!(one.text().contains("no interval"));
        assert!(Gain::of(&[(7, 0.9)].into(), &b).is_none());
    }

    #[test]
    fn settings_separate_everything_but_the_regularizer_and_name_the_noise() {
        let runs = vec![
            run(1, 1, serde_json::json!({}), &[Some(0.5)]),
            run(
                2,
                1,
                serde_json::json!({"train": {"regularization": {"l2": 1.0}}}),
                &[Some(0.6)],
            ),
            run(
                3,
                1,
                serde_json::json!({"train": {"optimizer": {"weight_decay": 0.1}}}),
                &[Some(0.7)],
            ),
            // Another learning rate is another setting, never pooled.
            run(
                4,
                1,
                serde_json::json!({"train": {"optimizer": {"lr": 0.01}}}),
                &[Some(0.5)],
            ),
            // Two regularizers at once: left out.
            run(
                5,
                1,
                serde_json::json!({"train": {"regularization": {"l2": 1.0, "l1": 1.0}}}),
                &[Some(0.5)],
            ),
            run(
                6,
                1,
                serde_json::json!({"data": {"label_noise": 0.4}}),
                &[Some(0.3)],
            ),
            run(
                7,
                1,
                serde_json::json!({"data": {"label_noise": {"kind": "pairs", "rate": 0.2}}}),
                &[Some(0.3)],
            ),
            run(
                8,
                1,
                serde_json::json!({"data": {"labels": "random"}}),
                &[Some(0.1)],
            ),
            // Not of the study: no subset, clean labels.
            run(
                9,
                1,
                serde_json::json!({"data": {"train_size": null}}),
                &[Some(0.5)],
            ),
        ];
        let (settings, mixed) = settings(&runs);
        assert_eq!(mixed, 1);
        let labels: Vec<&str> = settings.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "mnist · Adam · n = 500 · clean",
                "mnist · Adam · n = 500 · clean (variant 2)",
                "mnist · Adam · n = 500 · pairs 0.2",
                "mnist · Adam · n = 500 · noise 0.4",
                "mnist · Adam · n = 500 · random labels",
            ]
        );
        let first = settings
            .iter()
            .find(|s| s.baseline.iter().any(|r| r.id == 1))
            .unwrap();
        assert_eq!(first.strengths(Family::L2).len(), 1);
        assert_eq!(first.strengths(Family::Decay)[0].0, 0.1);
        assert!(first.strengths(Family::L1).is_empty());
        let b = best(first, Family::Decay).unwrap();
        assert_eq!((b.strength, b.cv.unwrap().mean), (0.1, 0.7));
    }

    #[test]
    fn the_answer_names_the_regularizer_that_demonstrably_helps_over_a_wider_larger_estimate() {
        let l2 = serde_json::json!({"train": {"regularization": {"l2": 1.0}}});
        let wd = serde_json::json!({"train": {"optimizer": {"weight_decay": 0.1}}});
        let mut runs = Vec::new();
        for (seed, base, with_l2, with_wd) in [
            (1, 0.50, 0.56, 0.90),
            (2, 0.51, 0.56, 0.30),
            (3, 0.49, 0.55, 0.95),
        ] {
            runs.push(run(
                seed * 10,
                seed,
                serde_json::json!({}),
                &[Some(0.1), Some(base)],
            ));
            runs.push(run(
                seed * 10 + 1,
                seed,
                l2.clone(),
                &[Some(0.1), Some(with_l2)],
            ));
            runs.push(run(
                seed * 10 + 2,
                seed,
                wd.clone(),
                &[Some(0.1), Some(with_wd)],
            ));
        }
        let (settings, _) = settings(&runs);
        let mut doc = Document {
            title: String::new(),
            blocks: vec![],
        };
        answer(&mut doc, &settings, None);
        let text = format!("{:?}", doc.blocks);
        assert!(text.contains("In 1 of 1 settings"), "{text}");
        assert!(
            text.contains("helps — mnist · Adam · n = 500 · clean: L2 λ = 1 gains +0.0567"),
            "{text}"
        );
    }
}
