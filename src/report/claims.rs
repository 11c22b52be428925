//! The original report's six claims (SPEC §7), each checked against the study's data:
//! confirmed, refuted or not testable here, with the numbers behind the verdict.
//!
//! Every threshold is a named constant below, and the report prints it next to the
//! verdict. Claims are checked on each dataset's *primary* section: the MSE one when there
//! is one (the original's loss), otherwise the one with most runs. Claims about CIFAR-10
//! are checked on whichever CIFAR-10 variant the study ran, and the verdict names it.
//! Only runs with status `done` count; a configuration with several learning rates is
//! represented by its best (highest mean final CV accuracy), and the verdict says so.

use std::collections::BTreeMap;

use super::grid::{Axis, OPTIMIZERS, Section, fmt_num, init_label, optimizer_label};
use super::load::{Run, RunStatus};
use super::paper::is_cifar10;
use super::stats::{Stat, median};
use super::tables::summarize;

/// "Learns" / "real progress": final CV accuracy ≥ this × chance (1 / classes), i.e. 0.2
/// for 10 classes.
pub const LEARN_FACTOR: f64 = 2.0;
/// Claim 1: the epoch at which Adam, λ = 3, U[−1,1] starts learning on CIFAR-10 …
pub const ONSET_EPOCH: i64 = 33;
/// … give or take this many epochs.
pub const ONSET_TOLERANCE: i64 = 5;
/// Claim 3: two final CV accuracies within this are "≈".
pub const APPROX_EQ_ACC: f64 = 0.02;
/// Claim 4: the epoch at which "fastest early" is judged (train accuracy).
pub const EARLY_EPOCH: i64 = 1;
/// Claim 4: by this epoch all optimizers should be "about equal" …
pub const EQUAL_BY_EPOCH: i64 = 5;
/// … meaning a spread (max − min) of training accuracy of at most this.
pub const EQUAL_SPREAD: f64 = 0.05;
/// Claim 4: "still improving" = the training cost fell by at least this fraction …
pub const IMPROVING_REL: f64 = 0.01;
/// … over the last this-many epochs.
pub const IMPROVING_WINDOW: i64 = 5;
/// Claim 5: a mini-batch cost spike is a cost above this × the median of the previous
/// [`SPIKE_WINDOW`] mini-batch costs (consecutive spiking steps count as one spike).
pub const SPIKE_FACTOR: f64 = 3.0;
/// Claim 5: length of the trailing window for the running median.
pub const SPIKE_WINDOW: usize = 50;
/// Claim 5: an accuracy spike is a mini-batch accuracy this far below the running median.
pub const ACC_DROP: f64 = 0.2;
/// Claim 5: RMSProp "spikes" if its spike rate is at least this × every other optimizer's …
pub const SPIKE_RATIO: f64 = 2.0;
/// … and at least this many spikes per 1,000 mini-batches.
pub const SPIKE_MIN_RATE: f64 = 1.0;
/// Claim 6: "no visible difference": the final gap (train − CV accuracy) varies by less than
/// this across λ, for every optimizer.
pub const GAP_TOL: f64 = 0.02;

/// A claim's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The data agree with the claim under the stated rule.
    Confirmed,
    /// The data contradict (part of) the claim.
    Refuted,
    /// The study has no data for it (dataset, init, optimizer or curves missing).
    NotTestable,
}

impl Verdict {
    /// The word printed in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "Confirmed",
            Verdict::Refuted => "Refuted",
            Verdict::NotTestable => "Not testable here",
        }
    }
}

/// One claim checked against the data.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimCheck {
    /// 1–6, as numbered in SPEC §7.
    pub number: u8,
    /// The claim as the original makes it.
    pub claim: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// One-line reason, with the deciding number.
    pub summary: String,
    /// The numbers behind it, one line each.
    pub evidence: Vec<String>,
    /// The rule applied (thresholds).
    pub rule: String,
}

/// The six claims, verbatim from SPEC §7.
pub const CLAIMS: [&str; 6] = [
    "With U[−1,1] no optimizer/λ makes real progress, except Adam with λ = 3 on CIFAR-10, which starts learning around epoch 33.",
    "With He uniform every combination learns.",
    "On CIFAR-10, SGD ends best, then Momentum, then RMSProp ≈ Adam.",
    "On MNIST and Fashion-MNIST, RMSProp and Adam converge fastest early; by epoch ~3–5 all are about equal; curves still improve at epoch 20.",
    "RMSProp shows large periodic spikes in cost and accuracy.",
    "λ ∈ {0,…,3} makes no visible difference to the generalization gap.",
];

/// Checks all six claims on the given sections.
pub fn check_claims(sections: &[Section]) -> Vec<ClaimCheck> {
    let primary = primary_sections(sections);
    vec![
        claim1(&primary),
        claim2(&primary),
        claim3(&primary),
        claim4(&primary),
        claim5(&primary),
        claim6(&primary),
    ]
}

/// One section per dataset: the MSE one if any, else the one with most runs.
fn primary_sections<'s, 'a>(sections: &'s [Section<'a>]) -> Vec<&'s Section<'a>> {
    let mut by: BTreeMap<&str, Vec<&Section>> = BTreeMap::new();
    for s in sections {
        by.entry(s.dataset.as_str()).or_default().push(s);
    }
    let mut out: Vec<&Section> = by
        .into_values()
        .filter_map(|v| {
            v.into_iter()
                .max_by_key(|s| (s.loss == "mse", s.runs.len()))
        })
        .collect();
    // Keep the report's dataset order.
    out.sort_by_key(|s| {
        sections
            .iter()
            .position(|t| std::ptr::eq(t, *s))
            .unwrap_or(usize::MAX)
    });
    out
}

/// The learning threshold for a section: [`LEARN_FACTOR`] × chance.
fn learn_threshold(section: &Section) -> f64 {
    let classes = section.runs.iter().find_map(|r| r.classes()).unwrap_or(10);
    LEARN_FACTOR / classes as f64
}

/// A section's name in verdicts, noting a non-MSE loss.
fn name(section: &Section) -> String {
    if section.loss == "mse" {
        section.dataset.clone()
    } else {
        format!("{} ({})", section.dataset, section.loss)
    }
}

/// The done runs of one (init, λ, optimizer) configuration, choosing the best variant
/// (learning rate, …) by mean final CV accuracy when there are several. Returns the runs,
/// a label of the variant when there was a choice, and how many runs exist in total.
struct Cfg<'a> {
    done: Vec<&'a Run>,
    all: usize,
    /// Runs that diverged or failed.
    broken: usize,
    variant: Option<String>,
}

fn config<'a>(section: &Section<'a>, init: &str, l2: f64, optimizer: &str) -> Cfg<'a> {
    let runs: Vec<&Run> = section
        .runs
        .iter()
        .copied()
        .filter(|r| r.init == init && r.l2 == l2 && r.optimizer == optimizer)
        .collect();
    let other: Vec<Axis> = section
        .series_axes
        .iter()
        .copied()
        .filter(|a| *a != Axis::Optimizer)
        .collect();
    let mut groups: BTreeMap<super::grid::Key, Vec<&Run>> = BTreeMap::new();
    for r in &runs {
        groups
            .entry(super::grid::Key::of(r, &other))
            .or_default()
            .push(r);
    }
    let n_groups = groups.len();
    let best = groups.into_iter().max_by(|a, b| {
        let sa = summarize(&a.1).cv_acc.map_or(f64::NEG_INFINITY, |s| s.mean);
        let sb = summarize(&b.1).cv_acc.map_or(f64::NEG_INFINITY, |s| s.mean);
        sa.total_cmp(&sb)
    });
    match best {
        None => Cfg {
            done: vec![],
            all: 0,
            broken: 0,
            variant: None,
        },
        Some((k, rs)) => Cfg {
            all: rs.len(),
            broken: rs
                .iter()
                .filter(|r| matches!(r.status, RunStatus::Diverged | RunStatus::Failed))
                .count(),
            done: rs
                .into_iter()
                .filter(|r| r.status == RunStatus::Done)
                .collect(),
            variant: (n_groups > 1).then(|| format!("best of {n_groups}: {}", k.label(""))),
        },
    }
}

impl Cfg<'_> {
    fn final_cv(&self) -> Option<Stat> {
        Stat::of(
            self.done
                .iter()
                .filter_map(|r| r.last_epoch().and_then(|e| e.cv_acc)),
        )
    }
    fn final_gap(&self) -> Option<Stat> {
        Stat::of(
            self.done
                .iter()
                .filter_map(|r| r.last_epoch().and_then(|e| e.gap())),
        )
    }
    fn last_epoch(&self) -> Option<i64> {
        self.done
            .iter()
            .filter_map(|r| r.last_epoch().map(|e| e.epoch))
            .max()
    }
    /// Mean over seeds of a field at an epoch.
    fn mean_at(&self, epoch: i64, f: fn(&super::load::EpochRow) -> Option<f64>) -> Option<f64> {
        Stat::of(
            self.done
                .iter()
                .filter_map(|r| r.at_epoch(epoch).and_then(f)),
        )
        .map(|s| s.mean)
    }
    /// Why there is no number: missing, or the statuses of the runs.
    fn absent(&self) -> String {
        if self.all == 0 {
            "missing".to_string()
        } else {
            format!("{} of {} runs done", self.done.len(), self.all)
        }
    }
    fn suffix(&self) -> String {
        self.variant
            .as_ref()
            .map_or(String::new(), |v| format!(" [{v}]"))
    }
}

fn l2_values(section: &Section) -> Vec<f64> {
    section
        .values
        .get(&Axis::L2)
        .map(|s| s.iter().map(|v| v.as_f64()).collect())
        .unwrap_or_default()
}

fn optimizers(section: &Section) -> Vec<String> {
    section
        .values
        .get(&Axis::Optimizer)
        .map(|s| s.iter().map(|v| v.raw().to_string()).collect())
        .unwrap_or_default()
}

fn has_init(section: &Section, init: &str) -> bool {
    section.runs.iter().any(|r| r.init == init)
}

fn fmt_acc(s: &Stat) -> String {
    if s.n > 1 {
        format!("{:.3} ± {:.3} (n={})", s.mean, s.std, s.n)
    } else {
        format!("{:.3}", s.mean)
    }
}

fn claim(
    number: u8,
    verdict: Verdict,
    summary: String,
    evidence: Vec<String>,
    rule: String,
) -> ClaimCheck {
    ClaimCheck {
        number,
        claim: CLAIMS[number as usize - 1],
        verdict,
        summary,
        evidence,
        rule,
    }
}

/// Claim 1: nothing learns from U[−1,1], except Adam λ = 3 on CIFAR-10 from epoch ~33.
fn claim1(sections: &[&Section]) -> ClaimCheck {
    let rule = format!(
        "\"real progress\" = final CV accuracy ≥ {LEARN_FACTOR} × chance (0.2 for 10 classes); onset = first epoch with mean CV accuracy above that, expected {ONSET_EPOCH} ± {ONSET_TOLERANCE}"
    );
    let mut evidence = Vec::new();
    let mut learned_unexpected = Vec::new();
    let mut tested_cells = 0;
    let mut cifar_exception: Option<(String, bool, String)> = None;
    for s in sections.iter().filter(|s| has_init(s, "uniform")) {
        let thr = learn_threshold(s);
        for l2 in l2_values(s) {
            for opt in optimizers(s) {
                let c = config(s, "uniform", l2, &opt);
                let exception = is_cifar10(&s.dataset) && opt == "adam" && l2 == 3.0;
                let label = format!(
                    "{}, U[−1,1], {}, λ={}",
                    name(s),
                    optimizer_label(&opt),
                    fmt_num(l2)
                );
                let Some(cv) = c.final_cv() else {
                    evidence.push(format!("{label}: {}", c.absent()));
                    if exception {
                        cifar_exception = Some((label, false, c.absent()));
                    }
                    continue;
                };
                tested_cells += 1;
                let learns = cv.mean >= thr;
                let epochs = c.last_epoch().unwrap_or(0);
                if exception {
                    let onset = (0..=epochs)
                        .find(|&e| c.mean_at(e, |r| r.cv_acc).is_some_and(|v| v >= thr));
                    let on_time = onset.is_some_and(|e| (e - ONSET_EPOCH).abs() <= ONSET_TOLERANCE);
                    let text = match onset {
                        Some(e) => format!(
                            "CV accuracy {} after {epochs} epochs, above {thr:.2} from epoch {e}{}",
                            fmt_acc(&cv),
                            c.suffix()
                        ),
                        None => format!(
                            "CV accuracy {} after {epochs} epochs: no learning{}",
                            fmt_acc(&cv),
                            c.suffix()
                        ),
                    };
                    evidence.push(format!("{label} (the claimed exception): {text}"));
                    cifar_exception = Some((label, learns && on_time, text));
                } else {
                    let verdict = if learns { "learns" } else { "no learning" };
                    evidence.push(format!(
                        "{label}: CV accuracy {} after {epochs} epochs: {verdict}{}",
                        fmt_acc(&cv),
                        c.suffix()
                    ));
                    if learns {
                        learned_unexpected.push(format!("{label} ({:.3})", cv.mean));
                    }
                }
            }
        }
    }
    if tested_cells == 0 {
        return claim(
            1,
            Verdict::NotTestable,
            "no finished U[−1,1] runs in this study".to_string(),
            evidence,
            rule,
        );
    }
    let general_ok = learned_unexpected.is_empty();
    let cifar_name = sections
        .iter()
        .find(|s| is_cifar10(&s.dataset))
        .map(|s| s.dataset.clone());
    let (verdict, summary) = match (&cifar_exception, general_ok) {
        (_, false) => (
            Verdict::Refuted,
            format!(
                "U[−1,1] runs that do learn: {}",
                learned_unexpected.join("; ")
            ),
        ),
        (None, true) => (
            Verdict::Confirmed,
            format!(
                "no U[−1,1] run learns ({tested_cells} configurations); the CIFAR-10 exception (Adam, λ=3) is not testable here{}",
                cifar_name.map_or(" (no CIFAR-10 variant ran)".to_string(), |d| format!(
                    " (not run on {d})"
                ))
            ),
        ),
        (Some((_, true, text)), true) => (
            Verdict::Confirmed,
            format!(
                "no other U[−1,1] run learns, and the exception holds on {}: {text}",
                cifar_name.unwrap_or_default()
            ),
        ),
        (Some((_, false, text)), true) => (
            Verdict::Refuted,
            format!(
                "the general part holds (no other U[−1,1] run learns), but the exception does not on {}: Adam, λ=3: {text}",
                cifar_name.unwrap_or_default()
            ),
        ),
    };
    claim(1, verdict, summary, evidence, rule)
}

/// Claim 2: every He-uniform configuration learns.
fn claim2(sections: &[&Section]) -> ClaimCheck {
    let rule = format!(
        "\"learns\" = final CV accuracy ≥ {LEARN_FACTOR} × chance (0.2 for 10 classes); a configuration with no finished run counts as not shown to learn"
    );
    let mut evidence = Vec::new();
    let mut failing = Vec::new();
    let mut tested = 0;
    let mut missing = Vec::new();
    for s in sections.iter().filter(|s| has_init(s, "he")) {
        let thr = learn_threshold(s);
        let mut lowest: Option<(String, f64)> = None;
        for l2 in l2_values(s) {
            for opt in optimizers(s) {
                let c = config(s, "he", l2, &opt);
                let label = format!(
                    "{}, He, {}, λ={}",
                    name(s),
                    optimizer_label(&opt),
                    fmt_num(l2)
                );
                match c.final_cv() {
                    None => {
                        if c.broken == 0 {
                            // Missing or not finished yet: no evidence either way.
                            missing.push(format!("{label} ({})", c.absent()));
                        } else {
                            failing.push(format!(
                                "{label}: {}, {} diverged/failed",
                                c.absent(),
                                c.broken
                            ));
                        }
                    }
                    Some(cv) => {
                        tested += 1;
                        if cv.mean < thr {
                            failing.push(format!("{label}: CV accuracy {}", fmt_acc(&cv)));
                        }
                        if lowest.as_ref().is_none_or(|(_, v)| cv.mean < *v) {
                            lowest = Some((label, cv.mean));
                        }
                    }
                }
            }
        }
        if let Some((label, v)) = lowest {
            evidence.push(format!(
                "{}: lowest final CV accuracy {v:.3} ({label}), threshold {thr:.2}",
                name(s)
            ));
        }
    }
    if !missing.is_empty() {
        evidence.push(format!("no finished run for: {}", missing.join("; ")));
    }
    evidence.extend(failing.iter().cloned());
    if tested == 0 {
        return claim(
            2,
            Verdict::NotTestable,
            "no finished He-uniform runs in this study".into(),
            evidence,
            rule,
        );
    }
    if failing.is_empty() {
        claim(
            2,
            Verdict::Confirmed,
            format!("all {tested} He-uniform configurations reach the threshold"),
            evidence,
            rule,
        )
    } else {
        claim(
            2,
            Verdict::Refuted,
            format!(
                "{} He-uniform configuration(s) do not learn: {}",
                failing.len(),
                failing.join("; ")
            ),
            evidence,
            rule,
        )
    }
}

/// The λ the original's tables are at (0), or the smallest one the section has.
fn base_l2(section: &Section) -> Option<f64> {
    let l2s = l2_values(section);
    if l2s.contains(&0.0) {
        Some(0.0)
    } else {
        l2s.first().copied()
    }
}

/// Claim 3: on CIFAR-10 (He, λ = 0) SGD > Momentum > RMSProp ≈ Adam in final CV accuracy.
fn claim3(sections: &[&Section]) -> ClaimCheck {
    let rule = format!(
        "He uniform, λ = 0 (the original's Table 1), final CV accuracy: SGD > Momentum > both RMSProp and Adam, and |RMSProp − Adam| ≤ {APPROX_EQ_ACC}"
    );
    let Some(s) = sections
        .iter()
        .find(|s| is_cifar10(&s.dataset) && has_init(s, "he"))
    else {
        return claim(
            3,
            Verdict::NotTestable,
            "no CIFAR-10 variant with He-uniform runs in this study".into(),
            vec![],
            rule,
        );
    };
    let Some(l2) = base_l2(s) else {
        return claim(3, Verdict::NotTestable, "no λ values".into(), vec![], rule);
    };
    let mut acc = BTreeMap::new();
    let mut evidence = Vec::new();
    for opt in OPTIMIZERS {
        let c = config(s, "he", l2, opt);
        match c.final_cv() {
            Some(cv) => {
                evidence.push(format!(
                    "{}, He, λ={}, {}: final CV accuracy {}{}",
                    name(s),
                    fmt_num(l2),
                    optimizer_label(opt),
                    fmt_acc(&cv),
                    c.suffix()
                ));
                acc.insert(opt, cv.mean);
            }
            None => evidence.push(format!(
                "{}, {}: {}",
                name(s),
                optimizer_label(opt),
                c.absent()
            )),
        }
    }
    if l2 != 0.0 {
        evidence.push(format!("no λ=0 runs: checked at λ={}", fmt_num(l2)));
    }
    let (Some(&sgd), Some(&mom), Some(&rms), Some(&adam)) = (
        acc.get("sgd"),
        acc.get("momentum"),
        acc.get("rmsprop"),
        acc.get("adam"),
    ) else {
        return claim(
            3,
            Verdict::NotTestable,
            format!(
                "not all four optimizers finished on {} (He, λ={})",
                s.dataset,
                fmt_num(l2)
            ),
            evidence,
            rule,
        );
    };
    let mut ranked: Vec<(&str, f64)> = acc.iter().map(|(k, v)| (*k, *v)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let order = ranked
        .iter()
        .map(|(k, v)| format!("{} {v:.3}", optimizer_label(k)))
        .collect::<Vec<_>>()
        .join(" > ");
    let ok = sgd > mom && mom > rms && mom > adam && (rms - adam).abs() <= APPROX_EQ_ACC;
    let verdict = if ok {
        Verdict::Confirmed
    } else {
        Verdict::Refuted
    };
    let approx = if (rms - adam).abs() <= APPROX_EQ_ACC {
        "≈"
    } else {
        "≠"
    };
    claim(
        3,
        verdict,
        format!(
            "on {} the final CV accuracies rank {order}; RMSProp {approx} Adam (|Δ| = {:.3})",
            s.dataset,
            (rms - adam).abs()
        ),
        evidence,
        rule,
    )
}

/// Claim 4: on MNIST and Fashion-MNIST, RMSProp/Adam fastest early, all about equal by
/// epoch ~5, still improving at the end.
fn claim4(sections: &[&Section]) -> ClaimCheck {
    let rule = format!(
        "He uniform, λ = 0: (a) at epoch {EARLY_EPOCH} both RMSProp and Adam have a higher training accuracy than both SGD and Momentum; (b) at epoch {EQUAL_BY_EPOCH} the four training accuracies lie within {EQUAL_SPREAD}; (c) every optimizer's training cost fell by ≥ {:.0}% over the last {IMPROVING_WINDOW} epochs",
        IMPROVING_REL * 100.0
    );
    let mut evidence = Vec::new();
    let mut parts_failed = Vec::new();
    let mut tested = Vec::new();
    for s in sections
        .iter()
        .filter(|s| (s.dataset == "mnist" || s.dataset == "fashion-mnist") && has_init(s, "he"))
    {
        let Some(l2) = base_l2(s) else { continue };
        let cfgs: Vec<(&str, Cfg)> = OPTIMIZERS
            .iter()
            .map(|&o| (o, config(s, "he", l2, o)))
            .collect();
        if cfgs.iter().any(|(_, c)| c.done.is_empty()) {
            evidence.push(format!(
                "{}: not all four optimizers finished (He, λ={})",
                name(s),
                fmt_num(l2)
            ));
            continue;
        }
        tested.push(s.dataset.clone());
        let at = |e: i64| -> Option<Vec<f64>> {
            cfgs.iter()
                .map(|(_, c)| c.mean_at(e, |r| r.train_acc))
                .collect()
        };
        let fmt_accs = |v: &[f64]| -> String {
            OPTIMIZERS
                .iter()
                .zip(v)
                .map(|(o, a)| format!("{} {a:.3}", optimizer_label(o)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // (a)
        match at(EARLY_EPOCH) {
            Some(v) => {
                let ok = v[2].min(v[3]) > v[0].max(v[1]);
                evidence.push(format!(
                    "{}: (a) train accuracy at epoch {EARLY_EPOCH}: {}: {}",
                    name(s),
                    fmt_accs(&v),
                    if ok {
                        "RMSProp and Adam ahead"
                    } else {
                        "RMSProp and Adam not both ahead"
                    }
                ));
                if !ok {
                    parts_failed.push(format!("(a) on {}", s.dataset));
                }
            }
            None => {
                evidence.push(format!(
                    "{}: (a) no epoch-{EARLY_EPOCH} evaluation",
                    name(s)
                ));
                parts_failed.push(format!("(a) on {} (no data)", s.dataset));
            }
        }
        // (b)
        match at(EQUAL_BY_EPOCH) {
            Some(v) => {
                let spread = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                    - v.iter().cloned().fold(f64::INFINITY, f64::min);
                let ok = spread <= EQUAL_SPREAD;
                evidence.push(format!(
                    "{}: (b) train accuracy at epoch {EQUAL_BY_EPOCH}: {}: spread {spread:.3}",
                    name(s),
                    fmt_accs(&v)
                ));
                if !ok {
                    parts_failed.push(format!("(b) on {} (spread {spread:.3})", s.dataset));
                }
            }
            None => {
                evidence.push(format!(
                    "{}: (b) no epoch-{EQUAL_BY_EPOCH} evaluation",
                    name(s)
                ));
                parts_failed.push(format!("(b) on {} (no data)", s.dataset));
            }
        }
        // (c)
        let mut falls = Vec::new();
        let mut all_improving = true;
        for (o, c) in &cfgs {
            let end = c.last_epoch().unwrap_or(0);
            let a = c.mean_at(end - IMPROVING_WINDOW, |r| r.train_cost);
            let b = c.mean_at(end, |r| r.train_cost);
            match (a, b) {
                (Some(a), Some(b)) if a > 0.0 => {
                    let rel = (a - b) / a;
                    if rel < IMPROVING_REL {
                        all_improving = false;
                    }
                    falls.push(format!("{} {:+.1}%", optimizer_label(o), -rel * 100.0));
                }
                _ => {
                    all_improving = false;
                    falls.push(format!("{} ?", optimizer_label(o)));
                }
            }
        }
        evidence.push(format!(
            "{}: (c) training cost change over the last {IMPROVING_WINDOW} epochs: {}",
            name(s),
            falls.join(", ")
        ));
        if !all_improving {
            parts_failed.push(format!("(c) on {}", s.dataset));
        }
    }
    if tested.is_empty() {
        return claim(
            4,
            Verdict::NotTestable,
            "no MNIST or Fashion-MNIST He-uniform runs with all four optimizers finished".into(),
            evidence,
            rule,
        );
    }
    if parts_failed.is_empty() {
        claim(
            4,
            Verdict::Confirmed,
            format!("all three parts hold on {}", tested.join(" and ")),
            evidence,
            rule,
        )
    } else {
        claim(
            4,
            Verdict::Refuted,
            format!(
                "fails {} (checked on {})",
                parts_failed.join(", "),
                tested.join(" and ")
            ),
            evidence,
            rule,
        )
    }
}

/// Spike events in one run's mini-batch curve: (cost spikes, accuracy drops, steps, steps
/// at which cost spikes started).
fn spikes(run: &Run) -> (usize, usize, usize, Vec<i64>) {
    let mut cost_hist: Vec<f64> = Vec::new();
    let mut acc_hist: Vec<f64> = Vec::new();
    let (mut cost_events, mut acc_events) = (0, 0);
    let (mut in_cost, mut in_acc) = (false, false);
    let mut starts = Vec::new();
    let mut steps = 0;
    for b in &run.batches {
        steps += 1;
        if let Some(c) = b.cost {
            let window = &cost_hist[cost_hist.len().saturating_sub(SPIKE_WINDOW)..];
            let spike = window.len() >= SPIKE_WINDOW / 2
                && median(window).is_some_and(|m| c > SPIKE_FACTOR * m);
            if spike && !in_cost {
                cost_events += 1;
                starts.push(b.step);
            }
            in_cost = spike;
            cost_hist.push(c);
        }
        if let Some(a) = b.accuracy {
            let window = &acc_hist[acc_hist.len().saturating_sub(SPIKE_WINDOW)..];
            let drop = window.len() >= SPIKE_WINDOW / 2
                && median(window).is_some_and(|m| a < m - ACC_DROP);
            if drop && !in_acc {
                acc_events += 1;
            }
            in_acc = drop;
            acc_hist.push(a);
        }
    }
    (cost_events, acc_events, steps, starts)
}

/// Spike counts pooled over runs of one optimizer.
#[derive(Debug, Default)]
struct SpikeTally {
    cost: usize,
    acc: usize,
    steps: usize,
    /// Mini-batches between consecutive cost spikes of one run.
    intervals: Vec<i64>,
}

/// Claim 5: RMSProp spikes much more often than the other optimizers.
fn claim5(sections: &[&Section]) -> ClaimCheck {
    let rule = format!(
        "a cost spike = a mini-batch cost > {SPIKE_FACTOR} × the median of the previous {SPIKE_WINDOW} mini-batches; an accuracy spike = a mini-batch accuracy more than {ACC_DROP} below that running median (consecutive steps count once); confirmed if RMSProp has ≥ {SPIKE_MIN_RATE} cost spikes per 1,000 mini-batches and ≥ {SPIKE_RATIO} × the rate of every other optimizer (all runs of all datasets pooled)"
    );
    // optimizer -> (cost events, acc events, steps, intervals)
    let mut pooled: BTreeMap<(i64, String), SpikeTally> = BTreeMap::new();
    let mut evidence = Vec::new();
    for s in sections {
        let mut per: BTreeMap<(i64, String), (usize, usize, usize)> = BTreeMap::new();
        for r in s.runs.iter().filter(|r| !r.batches.is_empty()) {
            let (c, a, n, starts) = spikes(r);
            let key = (
                super::grid::optimizer_rank(&r.optimizer),
                r.optimizer.clone(),
            );
            let e = per.entry(key.clone()).or_default();
            e.0 += c;
            e.1 += a;
            e.2 += n;
            let p = pooled.entry(key).or_default();
            p.cost += c;
            p.acc += a;
            p.steps += n;
            p.intervals.extend(starts.windows(2).map(|w| w[1] - w[0]));
        }
        if !per.is_empty() {
            evidence.push(format!(
                "{}: cost / accuracy spikes per 1,000 mini-batches: {}",
                name(s),
                per.iter()
                    .map(|((_, o), (c, a, n))| format!(
                        "{} {:.2} / {:.2}",
                        optimizer_label(o),
                        rate(*c, *n),
                        rate(*a, *n)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let Some((_, rms)) = pooled.iter().find(|((_, o), _)| o == "rmsprop") else {
        return claim(
            5,
            Verdict::NotTestable,
            "no RMSProp runs with mini-batch curves in this study".into(),
            evidence,
            rule,
        );
    };
    let others: Vec<(String, f64)> = pooled
        .iter()
        .filter(|((_, o), _)| o != "rmsprop")
        .map(|((_, o), v)| (o.clone(), rate(v.cost, v.steps)))
        .collect();
    if others.is_empty() {
        return claim(
            5,
            Verdict::NotTestable,
            "no other optimizer to compare RMSProp with".into(),
            evidence,
            rule,
        );
    }
    let rms_rate = rate(rms.cost, rms.steps);
    let max_other = others.iter().map(|o| o.1).fold(0.0, f64::max);
    let ok = rms_rate >= SPIKE_MIN_RATE && rms_rate >= SPIKE_RATIO * max_other;
    let interval = {
        let v: Vec<f64> = rms.intervals.iter().map(|&x| x as f64).collect();
        median(&v)
    };
    let summary = format!(
        "RMSProp: {rms_rate:.2} cost spikes and {:.2} accuracy spikes per 1,000 mini-batches{}; the others at most {max_other:.2} ({})",
        rate(rms.acc, rms.steps),
        interval.map_or(String::new(), |i| format!(
            ", median {i:.0} mini-batches apart"
        )),
        others
            .iter()
            .map(|(o, r)| format!("{} {r:.2}", optimizer_label(o)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    claim(
        5,
        if ok {
            Verdict::Confirmed
        } else {
            Verdict::Refuted
        },
        summary,
        evidence,
        rule,
    )
}

fn rate(events: usize, steps: usize) -> f64 {
    if steps == 0 {
        0.0
    } else {
        events as f64 * 1000.0 / steps as f64
    }
}

/// Claim 6: the final generalization gap barely moves with λ.
fn claim6(sections: &[&Section]) -> ClaimCheck {
    let rule = format!(
        "He uniform (where the networks learn; all inits when no He runs), per dataset and optimizer: final gap = train − CV accuracy; \"no visible difference\" = max − min of the gap over the λ values < {GAP_TOL}"
    );
    let mut evidence = Vec::new();
    let mut worst: Option<(String, f64)> = None;
    let mut tested = 0;
    for s in sections {
        let l2s = l2_values(s);
        if l2s.len() < 2 {
            continue;
        }
        let inits: Vec<&str> = if has_init(s, "he") {
            vec!["he"]
        } else {
            s.values
                .get(&Axis::Init)
                .map(|v| v.iter().map(|x| x.raw()).collect())
                .unwrap_or_default()
        };
        for init in inits {
            for opt in optimizers(s) {
                let gaps: Vec<(f64, f64)> = l2s
                    .iter()
                    .filter_map(|&l2| config(s, init, l2, &opt).final_gap().map(|g| (l2, g.mean)))
                    .collect();
                if gaps.len() < 2 {
                    continue;
                }
                tested += 1;
                let hi = gaps.iter().map(|g| g.1).fold(f64::NEG_INFINITY, f64::max);
                let lo = gaps.iter().map(|g| g.1).fold(f64::INFINITY, f64::min);
                let spread = hi - lo;
                let label = format!(
                    "{}, {}, {}",
                    name(s),
                    init_label(init),
                    optimizer_label(&opt)
                );
                evidence.push(format!(
                    "{label}: gap {}: spread {spread:.3}",
                    gaps.iter()
                        .map(|(l, g)| format!("λ={} {g:.3}", fmt_num(*l)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if worst.as_ref().is_none_or(|w| spread > w.1) {
                    worst = Some((label, spread));
                }
            }
        }
    }
    let Some((wlabel, wspread)) = worst else {
        return claim(
            6,
            Verdict::NotTestable,
            "no configuration finished at two or more λ values".into(),
            evidence,
            rule,
        );
    };
    let verdict = if wspread < GAP_TOL {
        Verdict::Confirmed
    } else {
        Verdict::Refuted
    };
    claim(
        6,
        verdict,
        format!(
            "largest spread of the final gap across λ: {wspread:.3} ({wlabel}), over {tested} optimizer × dataset combinations"
        ),
        evidence,
        rule,
    )
}
