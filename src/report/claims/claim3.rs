//! Claim 3: on CIFAR-10, SGD ends best, then Momentum, then RMSProp ≈ Adam.
//!
//! Rule: He uniform, λ = 0 (the original's Table 1), final CV accuracy:
//! SGD > Momentum > both RMSProp and Adam, and |RMSProp − Adam| ≤ [`APPROX_EQ_ACC`].

use std::collections::BTreeMap;

use super::check::{ClaimCheck, Verdict};
use super::common::{
    OPTIMIZERS, base_l2, config, dataset, fmt_acc, fmt_num, has_init, is_cifar10, name,
    optimizer_label,
};
use crate::report::grid::Section;
use crate::report::stats::Stat;

/// Two final CV accuracies within this are "≈".
pub const APPROX_EQ_ACC: f64 = 0.02;

/// One optimizer's final CV accuracy, or why there is none.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Final CV accuracy over seeds, and ` [best of …]` when a variant was chosen.
    Measured(Stat, String),
    /// Why there is no number (`missing`, `0 of 2 runs done`).
    Absent(String),
}

/// What claim 3 looks at: the first CIFAR-10 section with He-uniform runs.
#[derive(Debug, Clone, PartialEq)]
enum Measurement {
    /// No CIFAR-10 variant with He-uniform runs.
    NoSection,
    /// The section has no λ values.
    NoL2,
    Found {
        dataset: String,
        name: String,
        /// The λ checked at (0 when the section has it).
        l2: f64,
        /// Per optimizer of [`OPTIMIZERS`], in that order.
        outcomes: Vec<(&'static str, Outcome)>,
    },
}

/// Checks claim 3 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    describe(&m, judge(&m))
}

fn measure(sections: &[&Section]) -> Measurement {
    let Some(s) = sections
        .iter()
        .find(|s| is_cifar10(dataset(s)) && has_init(s, "he"))
    else {
        return Measurement::NoSection;
    };
    let Some(l2) = base_l2(s) else {
        return Measurement::NoL2;
    };
    let outcomes = OPTIMIZERS
        .iter()
        .map(|&opt| {
            let c = config(s, "he", l2, opt);
            let outcome = match c.final_cv() {
                Some(cv) => Outcome::Measured(cv, c.suffix()),
                None => Outcome::Absent(c.absent()),
            };
            (opt, outcome)
        })
        .collect();
    Measurement::Found {
        dataset: dataset(s).to_string(),
        name: name(s),
        l2,
        outcomes,
    }
}

/// Mean final CV accuracy per optimizer that has one.
fn accuracies(outcomes: &[(&'static str, Outcome)]) -> BTreeMap<&'static str, f64> {
    outcomes
        .iter()
        .filter_map(|(o, out)| match out {
            Outcome::Measured(cv, _) => Some((*o, cv.mean)),
            Outcome::Absent(_) => None,
        })
        .collect()
}

/// The four accuracies (SGD, Momentum, RMSProp, Adam) when all four are there.
fn four(m: &Measurement) -> Option<[f64; 4]> {
    let Measurement::Found { outcomes, .. } = m else {
        return None;
    };
    let acc = accuracies(outcomes);
    Some([
        *acc.get("sgd")?,
        *acc.get("momentum")?,
        *acc.get("rmsprop")?,
        *acc.get("adam")?,
    ])
}

/// RMSProp ≈ Adam: their accuracies differ by at most [`APPROX_EQ_ACC`].
fn approx_eq(rms: f64, adam: f64) -> bool {
    (rms - adam).abs() <= APPROX_EQ_ACC
}

/// Not testable without all four optimizers; confirmed when
/// SGD > Momentum > RMSProp, Adam and RMSProp ≈ Adam.
fn judge(m: &Measurement) -> Verdict {
    let Some([sgd, mom, rms, adam]) = four(m) else {
        return Verdict::NotTestable;
    };
    if sgd > mom && mom > rms && mom > adam && approx_eq(rms, adam) {
        Verdict::Confirmed
    } else {
        Verdict::Refuted
    }
}

fn evidence(name: &str, l2: f64, outcomes: &[(&'static str, Outcome)]) -> Vec<String> {
    let mut ev: Vec<String> = outcomes
        .iter()
        .map(|(opt, out)| match out {
            Outcome::Measured(cv, suffix) => format!(
                "{name}, He, λ={}, {}: final CV accuracy {}{suffix}",
                fmt_num(l2),
                optimizer_label(opt),
                fmt_acc(cv)
            ),
            Outcome::Absent(why) => format!("{name}, {}: {why}", optimizer_label(opt)),
        })
        .collect();
    if l2 != 0.0 {
        ev.push(format!("no λ=0 runs: checked at λ={}", fmt_num(l2)));
    }
    ev
}

/// The ranking line: `on cifar10 the final CV accuracies rank SGD 0.5 > …; RMSProp ≈ Adam`.
fn ranking(dataset: &str, outcomes: &[(&'static str, Outcome)]) -> String {
    let acc = accuracies(outcomes);
    let mut ranked: Vec<(&str, f64)> = acc.iter().map(|(k, v)| (*k, *v)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let order = ranked
        .iter()
        .map(|(k, v)| format!("{} {v:.3}", optimizer_label(k)))
        .collect::<Vec<_>>()
        .join(" > ");
    let rms = acc.get("rmsprop").copied().unwrap_or(f64::NAN);
    let adam = acc.get("adam").copied().unwrap_or(f64::NAN);
    let approx = if approx_eq(rms, adam) { "≈" } else { "≠" };
    format!(
        "on {dataset} the final CV accuracies rank {order}; RMSProp {approx} Adam (|Δ| = {:.3})",
        (rms - adam).abs()
    )
}

fn describe(m: &Measurement, verdict: Verdict) -> ClaimCheck {
    let rule = format!(
        "He uniform, λ = 0 (the original's Table 1), final CV accuracy: SGD > Momentum > both RMSProp and Adam, and |RMSProp − Adam| ≤ {APPROX_EQ_ACC}"
    );
    let (summary, ev) = match m {
        Measurement::NoSection => (
            "no CIFAR-10 variant with He-uniform runs in this study".to_string(),
            vec![],
        ),
        Measurement::NoL2 => ("no λ values".to_string(), vec![]),
        Measurement::Found {
            dataset,
            name,
            l2,
            outcomes,
        } => {
            let summary = if verdict == Verdict::NotTestable {
                format!(
                    "not all four optimizers finished on {dataset} (He, λ={})",
                    fmt_num(*l2)
                )
            } else {
                ranking(dataset, outcomes)
            };
            (summary, evidence(name, *l2, outcomes))
        }
    };
    ClaimCheck::new(3, verdict, summary, ev, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(acc: [Option<f64>; 4]) -> Measurement {
        Measurement::Found {
            dataset: "cifar10".into(),
            name: "cifar10".into(),
            l2: 0.0,
            outcomes: OPTIMIZERS
                .iter()
                .zip(acc)
                .map(|(&o, a)| {
                    let out = match a {
                        Some(mean) => Outcome::Measured(
                            Stat {
                                mean,
                                std: 0.0,
                                n: 1,
                            },
                            String::new(),
                        ),
                        None => Outcome::Absent("missing".into()),
                    };
                    (o, out)
                })
                .collect(),
        }
    }

    #[test]
    fn the_claimed_order_is_confirmed() {
        let mm = m([Some(0.5), Some(0.45), Some(0.40), Some(0.41)]);
        assert_eq!(judge(&mm), Verdict::Confirmed);
        assert_eq!(
            describe(&mm, judge(&mm)).summary,
            "on cifar10 the final CV accuracies rank SGD 0.500 > Momentum 0.450 > Adam 0.410 > RMSProp 0.400; RMSProp ≈ Adam (|Δ| = 0.010)"
        );
    }

    #[test]
    fn a_different_order_refutes() {
        assert_eq!(
            judge(&m([Some(0.45), Some(0.5), Some(0.4), Some(0.4)])),
            Verdict::Refuted
        );
        assert_eq!(
            judge(&m([Some(0.5), Some(0.4), Some(0.45), Some(0.3)])),
            Verdict::Refuted
        );
    }

    #[test]
    fn rmsprop_and_adam_must_be_within_the_tolerance() {
        // Binary fractions, so the differences below are exact.
        let at = |adam: f64| judge(&m([Some(0.5), Some(0.46875), Some(0.40625), Some(adam)]));
        assert_eq!(at(0.40625 - 0.015625), Verdict::Confirmed);
        assert_eq!(at(0.40625 - 0.03125), Verdict::Refuted);
        assert!(approx_eq(0.0, APPROX_EQ_ACC));
        assert!(!approx_eq(0.0, APPROX_EQ_ACC + 1e-9));
    }

    #[test]
    fn a_missing_optimizer_or_section_is_not_testable() {
        assert_eq!(
            judge(&m([Some(0.5), None, Some(0.4), Some(0.4)])),
            Verdict::NotTestable
        );
        assert_eq!(judge(&Measurement::NoSection), Verdict::NotTestable);
        assert_eq!(judge(&Measurement::NoL2), Verdict::NotTestable);
    }
}
