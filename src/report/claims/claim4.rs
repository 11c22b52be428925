//! Claim 4: on MNIST and Fashion-MNIST, RMSProp and Adam converge fastest early; by epoch
//! ~3–5 all are about equal; curves still improve at epoch 20.
//!
//! Rule (He uniform, λ = 0), on per-seed values: (a) at epoch [`EARLY_EPOCH`] RMSProp and
//! Adam each have a higher training accuracy than SGD and than Momentum (four one-sided
//! t-tests, paired by seed where possible, else Welch); (b) at epoch [`EQUAL_BY_EPOCH`]
//! every two of the four training accuracies are equal within ±[`EQUAL_SPREAD`] (six
//! TOSTs); (c) every optimizer's training cost fell by more than [`IMPROVING_REL`] over the
//! last [`IMPROVING_WINDOW`] epochs (four one-sided one-sample t-tests on the per-seed
//! relative falls). Holm over all the claim's tests.

use super::check::{ClaimCheck, Verdict};
use super::common::{
    Metric, OPTIMIZERS, Sample, base_l2, config, dataset, fmt_num, has_init, name, optimizer_label,
};
use super::inference::{ALPHA, Part, judge as decide, tally};
use crate::report::grid::Section;

/// The epoch at which "fastest early" is judged (train accuracy).
pub const EARLY_EPOCH: i64 = 1;
/// By this epoch all optimizers should be "about equal" …
pub const EQUAL_BY_EPOCH: i64 = 5;
/// … meaning every two training accuracies are equal within ± this (the TOST margin).
pub const EQUAL_SPREAD: f64 = 0.05;
/// "Still improving" = the training cost fell by more than this fraction …
pub const IMPROVING_REL: f64 = 0.01;
/// … over the last this-many epochs.
pub const IMPROVING_WINDOW: i64 = 5;
/// The datasets the claim is about.
const DATASETS: [&str; 2] = ["mnist", "fashion-mnist"];

/// Per-seed values of SGD, Momentum, RMSProp and Adam (the order of [`OPTIMIZERS`]).
type Four = [Sample; 4];

/// One dataset where all four optimizers finished (He uniform, base λ).
#[derive(Debug, Clone, PartialEq)]
struct Parts {
    dataset: String,
    name: String,
    /// Training accuracies at [`EARLY_EPOCH`].
    early: Four,
    /// Training accuracies at [`EQUAL_BY_EPOCH`].
    equal: Four,
    /// Relative fall of the training cost over the last [`IMPROVING_WINDOW`] epochs.
    fall: Four,
}

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    /// Not all four optimizers finished.
    Incomplete { name: String, l2: f64 },
    /// Boxed: far larger than the other variant.
    Measured(Box<Parts>),
}

/// Checks claim 4 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    let j = judge(&m);
    describe(&m, j)
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
        let at = |e: i64| cfgs.each_ref().map(|c| c.sample_at(e, Metric::TrainAcc));
        out.push(Entry::Measured(Box::new(Parts {
            dataset: dataset(s).to_string(),
            name: name(s),
            early: at(EARLY_EPOCH),
            equal: at(EQUAL_BY_EPOCH),
            fall: cfgs
                .each_ref()
                .map(|c| c.cost_fall_sample(IMPROVING_WINDOW)),
        })));
    }
    out
}

/// The tests of one dataset, (a), (b), (c) in order.
fn dataset_parts(p: &Parts) -> Vec<Part> {
    let n = &p.name;
    let lab = |o: usize| optimizer_label(OPTIMIZERS[o]);
    let mut out = Vec::new();
    let missing = |v: &Four| v.iter().any(|s| s.n() == 0);
    if missing(&p.early) {
        out.push(Part::fact(
            format!("{n}: (a) no epoch-{EARLY_EPOCH} evaluation for every optimizer"),
            false,
        ));
    } else {
        for fast in [2, 3] {
            for slow in [0, 1] {
                out.push(Part::greater(
                    format!(
                        "{n}: (a) train accuracy at epoch {EARLY_EPOCH}: {} > {}",
                        lab(fast),
                        lab(slow)
                    ),
                    &p.early[fast],
                    &p.early[slow],
                    1.0,
                ));
            }
        }
    }
    if missing(&p.equal) {
        out.push(Part::fact(
            format!("{n}: (b) no epoch-{EQUAL_BY_EPOCH} evaluation for every optimizer"),
            false,
        ));
    } else {
        for i in 0..4 {
            for j in i + 1..4 {
                out.push(Part::equivalent(
                    format!(
                        "{n}: (b) train accuracy at epoch {EQUAL_BY_EPOCH}: {} ≈ {}",
                        lab(i),
                        lab(j)
                    ),
                    &p.equal[i],
                    &p.equal[j],
                    EQUAL_SPREAD,
                ));
            }
        }
    }
    for (o, fall) in p.fall.iter().enumerate() {
        let label = format!(
            "{n}: (c) {} training cost falls by > {}% over the last {IMPROVING_WINDOW} epochs",
            lab(o),
            fmt_num(IMPROVING_REL * 100.0)
        );
        out.push(if fall.n() == 0 {
            Part::fact(
                format!("{label} (no cost {IMPROVING_WINDOW} epochs before the last)"),
                false,
            )
        } else {
            Part::above(label, fall, IMPROVING_REL)
        });
    }
    out
}

fn measured(m: &[Entry]) -> impl Iterator<Item = &Parts> {
    m.iter().filter_map(|e| match e {
        Entry::Measured(p) => Some(&**p),
        Entry::Incomplete { .. } => None,
    })
}

/// Not testable without a dataset where all four finished; otherwise the verdict of the
/// claim's tests on every such dataset.
fn judge(m: &[Entry]) -> (Verdict, Vec<Part>) {
    let mut p: Vec<Part> = measured(m).flat_map(dataset_parts).collect();
    if p.is_empty() {
        return (Verdict::NotTestable, p);
    }
    (decide(&mut p), p)
}

fn describe(m: &[Entry], (verdict, parts): (Verdict, Vec<Part>)) -> ClaimCheck {
    let rule = format!(
        "He uniform, λ = 0, per-seed values: (a) at epoch {EARLY_EPOCH} RMSProp and Adam each have a higher training accuracy than SGD and than Momentum (one-sided t-tests, paired by seed where possible, else Welch); (b) at epoch {EQUAL_BY_EPOCH} every two training accuracies are equal within ±{EQUAL_SPREAD} (TOST); (c) every optimizer's training cost fell by more than {}% over the last {IMPROVING_WINDOW} epochs (one-sided one-sample t on the per-seed relative falls); Holm over all the claim's tests, α = {ALPHA}",
        fmt_num(IMPROVING_REL * 100.0)
    );
    let mut ev = Vec::new();
    for e in m {
        if let Entry::Incomplete { name, l2 } = e {
            ev.push(format!(
                "{name}: not all four optimizers finished (He, λ={})",
                fmt_num(*l2)
            ));
        }
    }
    ev.extend(parts.iter().map(Part::line));
    let tested = measured(m)
        .map(|p| p.dataset.as_str())
        .collect::<Vec<_>>()
        .join(" and ");
    let failed: Vec<&str> = parts
        .iter()
        .filter(|p| p.fails())
        .map(|p| p.label.as_str())
        .collect();
    let summary = match verdict {
        Verdict::NotTestable => {
            "no MNIST or Fashion-MNIST He-uniform runs with all four optimizers finished".into()
        }
        Verdict::Confirmed => format!("all three parts hold on {tested} ({})", tally(&parts)),
        Verdict::Refuted => format!(
            "fails {} (checked on {tested}; {})",
            failed.join("; "),
            tally(&parts)
        ),
        Verdict::Inconclusive(_) => format!(
            "cannot decide at α = {ALPHA} on {tested}: {}",
            tally(&parts)
        ),
    };
    ClaimCheck::new(4, verdict, summary, ev, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::SeedsNeeded;

    /// Three seeds around each mean, ± 0.001, in a different order per optimizer (so that
    /// the per-seed differences vary too).
    fn four(means: [f64; 4]) -> Four {
        let order = [
            [-1.0, 0.0, 1.0],
            [0.0, 1.0, -1.0],
            [1.0, -1.0, 0.0],
            [-1.0, 1.0, 0.0],
        ];
        let mut i = 0;
        means.map(|m| {
            let o: [f64; 3] = order[i];
            i += 1;
            Sample::seeds(&o.map(|k| m + 0.001 * k))
        })
    }

    fn parts(early: [f64; 4], equal: [f64; 4], fall: f64) -> Parts {
        Parts {
            dataset: "mnist".into(),
            name: "mnist".into(),
            early: four(early),
            equal: four(equal),
            fall: four([fall; 4]),
        }
    }

    const EARLY_OK: [f64; 4] = [0.5, 0.6, 0.8, 0.7];
    const EQUAL_OK: [f64; 4] = [0.90, 0.92, 0.93, 0.91];

    fn verdict(p: Parts) -> Verdict {
        judge(&[Entry::Measured(Box::new(p))]).0
    }

    #[test]
    fn all_three_parts_holding_is_confirmed() {
        let m = [Entry::Measured(Box::new(parts(EARLY_OK, EQUAL_OK, 0.05)))];
        let j = judge(&m);
        assert_eq!(j.0, Verdict::Confirmed);
        assert_eq!(j.1.len(), 4 + 6 + 4);
        let c = describe(&m, j);
        assert!(
            c.summary.starts_with("all three parts hold on mnist"),
            "{}",
            c.summary
        );
        assert!(
            c.evidence
                .iter()
                .any(|e| e.contains("RMSProp > SGD: paired t (n = 3)"))
        );
        assert!(c.evidence.iter().any(|e| e.contains("TOST (paired t)")));
        assert!(c.evidence.iter().any(|e| e.contains("Holm over 14 tests")));
    }

    #[test]
    fn part_a_refuted_when_an_adaptive_optimizer_is_clearly_behind() {
        assert_eq!(
            verdict(parts([0.5, 0.85, 0.8, 0.7], EQUAL_OK, 0.05)),
            Verdict::Refuted
        );
    }

    #[test]
    fn part_a_tie_is_inconclusive_not_confirmed() {
        let v = verdict(parts([0.5, 0.7, 0.8, 0.7], EQUAL_OK, 0.05));
        assert!(matches!(v, Verdict::Inconclusive(_)), "{v:?}");
    }

    #[test]
    fn part_b_spread_beyond_the_margin_refutes() {
        assert_eq!(
            verdict(parts(EARLY_OK, [0.80, 0.92, 0.93, 0.91], 0.05)),
            Verdict::Refuted
        );
        // A pair 0.048 apart with ± 0.001 seeds: cannot be shown within ± 0.05.
        let v = verdict(parts(EARLY_OK, [0.90, 0.948, 0.92, 0.91], 0.05));
        assert!(matches!(v, Verdict::Inconclusive(_)), "{v:?}");
    }

    #[test]
    fn part_c_a_cost_that_rose_refutes() {
        let m = [Entry::Measured(Box::new(parts(EARLY_OK, EQUAL_OK, -0.05)))];
        let j = judge(&m);
        assert_eq!(j.0, Verdict::Refuted);
        let c = describe(&m, j);
        assert!(
            c.summary.contains("(c) SGD training cost falls"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn one_seed_is_inconclusive() {
        let one = |m: [f64; 4]| m.map(|v| Sample::seeds(&[v]));
        let p = Parts {
            dataset: "mnist".into(),
            name: "mnist".into(),
            early: one(EARLY_OK),
            equal: one(EQUAL_OK),
            fall: one([0.05; 4]),
        };
        assert_eq!(verdict(p), Verdict::Inconclusive(SeedsNeeded::Unknown));
    }

    #[test]
    fn missing_evaluations_refute() {
        let mut p = parts(EARLY_OK, EQUAL_OK, 0.05);
        p.equal[1] = Sample::default();
        assert_eq!(verdict(p), Verdict::Refuted);
    }

    #[test]
    fn without_all_four_optimizers_not_testable() {
        let m = [Entry::Incomplete {
            name: "mnist".into(),
            l2: 0.0,
        }];
        assert_eq!(judge(&m).0, Verdict::NotTestable);
        assert_eq!(judge(&[]).0, Verdict::NotTestable);
    }
}
