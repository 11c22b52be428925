//! Claim 4: on MNIST and Fashion-MNIST, RMSProp and Adam converge fastest early; by epoch
//! ~3–5 all are about equal; curves still improve at epoch 20.
//!
//! Rule (He uniform, λ = 0): (a) at epoch [`EARLY_EPOCH`] both RMSProp and Adam have a
//! higher training accuracy than both SGD and Momentum; (b) at epoch [`EQUAL_BY_EPOCH`] the
//! four training accuracies lie within [`EQUAL_SPREAD`]; (c) every optimizer's training cost
//! fell by ≥ [`IMPROVING_REL`] over the last [`IMPROVING_WINDOW`] epochs.

use super::check::{ClaimCheck, Verdict};
use super::common::{
    Metric, OPTIMIZERS, base_l2, config, dataset, fmt_num, has_init, max_of, min_of, name,
    optimizer_label,
};
use crate::report::grid::Section;

/// The epoch at which "fastest early" is judged (train accuracy).
pub const EARLY_EPOCH: i64 = 1;
/// By this epoch all optimizers should be "about equal" …
pub const EQUAL_BY_EPOCH: i64 = 5;
/// … meaning a spread (max − min) of training accuracy of at most this.
pub const EQUAL_SPREAD: f64 = 0.05;
/// "Still improving" = the training cost fell by at least this fraction …
pub const IMPROVING_REL: f64 = 0.01;
/// … over the last this-many epochs.
pub const IMPROVING_WINDOW: i64 = 5;
/// The datasets the claim is about.
const DATASETS: [&str; 2] = ["mnist", "fashion-mnist"];

/// Mean training accuracy of SGD, Momentum, RMSProp and Adam (the order of [`OPTIMIZERS`]).
type Four = [f64; 4];

/// One dataset where all four optimizers finished (He uniform, base λ).
#[derive(Debug, Clone, PartialEq)]
struct Parts {
    dataset: String,
    name: String,
    /// Training accuracies at [`EARLY_EPOCH`]; `None` when one is not evaluated.
    early: Option<Four>,
    /// Training accuracies at [`EQUAL_BY_EPOCH`].
    equal: Option<Four>,
    /// Per optimizer: mean training cost [`IMPROVING_WINDOW`] epochs before the last, and
    /// at the last.
    cost: [(Option<f64>, Option<f64>); 4],
}

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    /// Not all four optimizers finished.
    Incomplete { name: String, l2: f64 },
    /// Boxed: far larger than the other variant.
    Measured(Box<Parts>),
}

/// A part of the claim that fails on a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    /// (a); `true` when there is no evaluation at [`EARLY_EPOCH`].
    Early { no_data: bool },
    /// (b), with the spread, or `None` when there is no evaluation at [`EQUAL_BY_EPOCH`].
    Equal { spread: Option<f64> },
    /// (c).
    Improving,
}

/// Checks claim 4 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    describe(&m, judge(&m))
}

fn measure(sections: &[&Section]) -> Vec<Entry> {
    let mut out = Vec::new();
    for s in sections
        .iter()
        .filter(|s| DATASETS.contains(&dataset(s)) && has_init(s, "he"))
    {
        let Some(l2) = base_l2(s) else { continue };
        let cfgs = OPTIMIZERS.map(|o| config(s, "he", l2, o));
        if cfgs.iter().any(|c| !c.any_done()) {
            out.push(Entry::Incomplete { name: name(s), l2 });
            continue;
        }
        let at = |e: i64| -> Option<Four> {
            let v: Option<Vec<f64>> = cfgs
                .iter()
                .map(|c| c.mean_at(e, Metric::TrainAcc))
                .collect();
            v.and_then(|v| v.try_into().ok())
        };
        let cost = cfgs.each_ref().map(|c| {
            let end = c.last_epoch().unwrap_or(0);
            (
                c.mean_at(end - IMPROVING_WINDOW, Metric::TrainCost),
                c.mean_at(end, Metric::TrainCost),
            )
        });
        out.push(Entry::Measured(Box::new(Parts {
            dataset: dataset(s).to_string(),
            name: name(s),
            early: at(EARLY_EPOCH),
            equal: at(EQUAL_BY_EPOCH),
            cost,
        })));
    }
    out
}

/// (a): both RMSProp and Adam ahead of both SGD and Momentum.
fn fastest_early(v: &Four) -> bool {
    v[2].min(v[3]) > v[0].max(v[1])
}

/// Max − min of the four.
fn spread(v: &Four) -> f64 {
    max_of(v.iter().copied()) - min_of(v.iter().copied())
}

/// The relative fall of the training cost from `before` to `end`, when both are known and
/// `before` > 0.
fn cost_fall((before, end): (Option<f64>, Option<f64>)) -> Option<f64> {
    match (before, end) {
        (Some(a), Some(b)) if a > 0.0 => Some((a - b) / a),
        _ => None,
    }
}

/// (c) for one optimizer: the cost fell by at least [`IMPROVING_REL`].
fn improving(cost: (Option<f64>, Option<f64>)) -> bool {
    cost_fall(cost).is_some_and(|rel| rel >= IMPROVING_REL)
}

/// The parts that fail on one dataset, in order (a), (b), (c).
fn failures(p: &Parts) -> Vec<Failure> {
    let mut out = Vec::new();
    match &p.early {
        Some(v) if fastest_early(v) => {}
        v => out.push(Failure::Early {
            no_data: v.is_none(),
        }),
    }
    match &p.equal {
        Some(v) if spread(v) <= EQUAL_SPREAD => {}
        v => out.push(Failure::Equal {
            spread: v.as_ref().map(spread),
        }),
    }
    if !p.cost.iter().all(|&c| improving(c)) {
        out.push(Failure::Improving);
    }
    out
}

fn measured(m: &[Entry]) -> impl Iterator<Item = &Parts> {
    m.iter().filter_map(|e| match e {
        Entry::Measured(p) => Some(&**p),
        Entry::Incomplete { .. } => None,
    })
}

/// Not testable without a dataset where all four finished; refuted when any part fails on
/// any dataset.
fn judge(m: &[Entry]) -> Verdict {
    let mut parts = measured(m).peekable();
    if parts.peek().is_none() {
        Verdict::NotTestable
    } else if parts.any(|p| !failures(p).is_empty()) {
        Verdict::Refuted
    } else {
        Verdict::Confirmed
    }
}

fn failure_text(dataset: &str, f: Failure) -> String {
    match f {
        Failure::Early { no_data: false } => format!("(a) on {dataset}"),
        Failure::Early { no_data: true } => format!("(a) on {dataset} (no data)"),
        Failure::Equal { spread: Some(s) } => format!("(b) on {dataset} (spread {s:.3})"),
        Failure::Equal { spread: None } => format!("(b) on {dataset} (no data)"),
        Failure::Improving => format!("(c) on {dataset}"),
    }
}

fn fmt_accs(v: &Four) -> String {
    OPTIMIZERS
        .iter()
        .zip(v)
        .map(|(o, a)| format!("{} {a:.3}", optimizer_label(o)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The three evidence lines of a dataset, (a) to (c).
fn evidence(p: &Parts) -> [String; 3] {
    let name = &p.name;
    let a = match &p.early {
        Some(v) => format!(
            "{name}: (a) train accuracy at epoch {EARLY_EPOCH}: {}: {}",
            fmt_accs(v),
            if fastest_early(v) {
                "RMSProp and Adam ahead"
            } else {
                "RMSProp and Adam not both ahead"
            }
        ),
        None => format!("{name}: (a) no epoch-{EARLY_EPOCH} evaluation"),
    };
    let b = match &p.equal {
        Some(v) => format!(
            "{name}: (b) train accuracy at epoch {EQUAL_BY_EPOCH}: {}: spread {:.3}",
            fmt_accs(v),
            spread(v)
        ),
        None => format!("{name}: (b) no epoch-{EQUAL_BY_EPOCH} evaluation"),
    };
    let falls: Vec<String> = OPTIMIZERS
        .iter()
        .zip(&p.cost)
        .map(|(o, &c)| match cost_fall(c) {
            Some(rel) => format!("{} {:+.1}%", optimizer_label(o), -rel * 100.0),
            None => format!("{} ?", optimizer_label(o)),
        })
        .collect();
    let c = format!(
        "{name}: (c) training cost change over the last {IMPROVING_WINDOW} epochs: {}",
        falls.join(", ")
    );
    [a, b, c]
}

fn describe(m: &[Entry], verdict: Verdict) -> ClaimCheck {
    let rule = format!(
        "He uniform, λ = 0: (a) at epoch {EARLY_EPOCH} both RMSProp and Adam have a higher training accuracy than both SGD and Momentum; (b) at epoch {EQUAL_BY_EPOCH} the four training accuracies lie within {EQUAL_SPREAD}; (c) every optimizer's training cost fell by ≥ {:.0}% over the last {IMPROVING_WINDOW} epochs",
        IMPROVING_REL * 100.0
    );
    let mut ev = Vec::new();
    for e in m {
        match e {
            Entry::Incomplete { name, l2 } => ev.push(format!(
                "{name}: not all four optimizers finished (He, λ={})",
                fmt_num(*l2)
            )),
            Entry::Measured(p) => ev.extend(evidence(p)),
        }
    }
    let tested = measured(m)
        .map(|p| p.dataset.as_str())
        .collect::<Vec<_>>()
        .join(" and ");
    let failed: Vec<String> = measured(m)
        .flat_map(|p| failures(p).into_iter().map(|f| failure_text(&p.dataset, f)))
        .collect();
    let summary = match verdict {
        Verdict::NotTestable => {
            "no MNIST or Fashion-MNIST He-uniform runs with all four optimizers finished".into()
        }
        Verdict::Confirmed => format!("all three parts hold on {tested}"),
        Verdict::Refuted => format!("fails {} (checked on {tested})", failed.join(", ")),
    };
    ClaimCheck::new(4, verdict, summary, ev, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Costs that fall by `rel` over the window.
    fn falling(rel: f64) -> [(Option<f64>, Option<f64>); 4] {
        [(Some(1.0), Some(1.0 - rel)); 4]
    }

    fn parts(early: Four, equal: Four, cost_rel: f64) -> Parts {
        Parts {
            dataset: "mnist".into(),
            name: "mnist".into(),
            early: Some(early),
            equal: Some(equal),
            cost: falling(cost_rel),
        }
    }

    const EARLY_OK: Four = [0.5, 0.6, 0.8, 0.7];
    const EQUAL_OK: Four = [0.90, 0.92, 0.93, 0.91];

    fn verdict(p: Parts) -> Verdict {
        judge(&[Entry::Measured(Box::new(p))])
    }

    #[test]
    fn all_three_parts_holding_is_confirmed() {
        let m = [Entry::Measured(Box::new(parts(EARLY_OK, EQUAL_OK, 0.05)))];
        assert_eq!(judge(&m), Verdict::Confirmed);
        assert_eq!(
            describe(&m, judge(&m)).summary,
            "all three parts hold on mnist"
        );
    }

    #[test]
    fn part_a_needs_both_adaptive_optimizers_ahead() {
        assert_eq!(
            verdict(parts([0.5, 0.75, 0.8, 0.7], EQUAL_OK, 0.05)),
            Verdict::Refuted
        );
        // A tie is not "ahead".
        assert_eq!(
            verdict(parts([0.5, 0.7, 0.8, 0.7], EQUAL_OK, 0.05)),
            Verdict::Refuted
        );
    }

    #[test]
    fn part_b_spread_edge() {
        // Binary fractions: the spreads are exact.
        let within = [0.5, 0.5 + 0.03125, 0.5, 0.5];
        let beyond = [0.5, 0.5 + 0.0625, 0.5, 0.5];
        assert_eq!(verdict(parts(EARLY_OK, within, 0.05)), Verdict::Confirmed);
        assert_eq!(verdict(parts(EARLY_OK, beyond, 0.05)), Verdict::Refuted);
        assert!(spread(&[0.0, EQUAL_SPREAD, 0.0, 0.0]) <= EQUAL_SPREAD);
    }

    #[test]
    fn part_c_improvement_edge() {
        assert!(improving((Some(1.0), Some(1.0 - IMPROVING_REL))));
        assert!(!improving((Some(1.0), Some(1.0 - IMPROVING_REL / 2.0))));
        assert!(!improving((None, Some(1.0))));
        assert_eq!(verdict(parts(EARLY_OK, EQUAL_OK, 0.001)), Verdict::Refuted);
        let m = [Entry::Measured(Box::new(parts(EARLY_OK, EQUAL_OK, 0.001)))];
        assert_eq!(
            describe(&m, judge(&m)).summary,
            "fails (c) on mnist (checked on mnist)"
        );
    }

    #[test]
    fn missing_evaluations_refute() {
        let mut p = parts(EARLY_OK, EQUAL_OK, 0.05);
        p.equal = None;
        assert_eq!(failures(&p), vec![Failure::Equal { spread: None }]);
        assert_eq!(verdict(p), Verdict::Refuted);
    }

    #[test]
    fn without_all_four_optimizers_not_testable() {
        let m = [Entry::Incomplete {
            name: "mnist".into(),
            l2: 0.0,
        }];
        assert_eq!(judge(&m), Verdict::NotTestable);
        assert_eq!(judge(&[]), Verdict::NotTestable);
    }
}
