//! Claim 3: on CIFAR-10, SGD ends best, then Momentum, then RMSProp ≈ Adam.
//!
//! Rule: He uniform, λ = 0 (the original's Table 1), final CV accuracy over seeds:
//! SGD > Momentum, Momentum > RMSProp and Momentum > Adam by one-sided t-tests (paired by
//! seed where the two ran the same seeds, else Welch), and RMSProp ≈ Adam by TOST with
//! margin [`APPROX_EQ_ACC`]; Holm over the four tests.

use std::collections::BTreeMap;

use super::check::{ClaimCheck, Verdict};
use super::common::{
    OPTIMIZERS, Sample, base_l2, config, dataset, fmt_num, has_init, is_cifar10, name,
    optimizer_label,
};
use super::inference::{ALPHA, Part, failing, judge as decide, tally};
use crate::report::grid::Section;

/// The equivalence margin of "≈": two mean final CV accuracies whose difference is shown
/// (TOST) to lie within ± this.
pub const APPROX_EQ_ACC: f64 = 0.02;

/// One optimizer's final CV accuracy, or why there is none.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Final CV accuracy per seed, and ` [best of …]` when a variant was chosen.
    Measured(Sample, String),
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
    let j = judge(&m);
    describe(&m, j)
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
            let cv = c.final_cv_sample();
            let outcome = if cv.n() > 0 {
                Outcome::Measured(cv, c.suffix())
            } else {
                Outcome::Absent(c.absent())
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

/// Final CV accuracy per seed, per optimizer that has one.
fn samples<'a>(outcomes: &'a [(&'static str, Outcome)]) -> BTreeMap<&'static str, &'a Sample> {
    outcomes
        .iter()
        .filter_map(|(o, out)| match out {
            Outcome::Measured(cv, _) => Some((*o, cv)),
            Outcome::Absent(_) => None,
        })
        .collect()
}

/// The claim's four tests, when all four optimizers have a finished run.
fn parts(m: &Measurement) -> Option<Vec<Part>> {
    let Measurement::Found { outcomes, .. } = m else {
        return None;
    };
    let s = samples(outcomes);
    let (sgd, mom, rms, adam) = (
        *s.get("sgd")?,
        *s.get("momentum")?,
        *s.get("rmsprop")?,
        *s.get("adam")?,
    );
    Some(vec![
        Part::greater("SGD > Momentum", sgd, mom, 1.0),
        Part::greater("Momentum > RMSProp", mom, rms, 1.0),
        Part::greater("Momentum > Adam", mom, adam, 1.0),
        Part::equivalent("RMSProp ≈ Adam", rms, adam, APPROX_EQ_ACC),
    ])
}

/// Not testable without all four optimizers; otherwise the verdict of the four tests.
fn judge(m: &Measurement) -> (Verdict, Vec<Part>) {
    let Some(mut p) = parts(m) else {
        return (Verdict::NotTestable, Vec::new());
    };
    (decide(&mut p), p)
}

fn fmt_mean(cv: &Sample) -> String {
    let v = cv.values();
    let sd = if v.len() > 1 {
        let m = cv.mean();
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        format!(" ± {:.3}", var.sqrt())
    } else {
        String::new()
    };
    format!("{:.3}{sd} (n={})", cv.mean(), cv.n())
}

fn evidence(name: &str, l2: f64, outcomes: &[(&'static str, Outcome)]) -> Vec<String> {
    let mut ev: Vec<String> = outcomes
        .iter()
        .map(|(opt, out)| match out {
            Outcome::Measured(cv, suffix) => format!(
                "{name}, He, λ={}, {}: final CV accuracy {}{suffix}",
                fmt_num(l2),
                optimizer_label(opt),
                fmt_mean(cv)
            ),
            Outcome::Absent(why) => format!("{name}, {}: {why}", optimizer_label(opt)),
        })
        .collect();
    if l2 != 0.0 {
        ev.push(format!("no λ=0 runs: checked at λ={}", fmt_num(l2)));
    }
    ev
}

/// The ranking by mean: `SGD 0.500 > Momentum 0.450 > …`.
fn ranking(outcomes: &[(&'static str, Outcome)]) -> String {
    let mut ranked: Vec<(&str, f64)> = samples(outcomes)
        .iter()
        .map(|(k, v)| (*k, v.mean()))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked
        .iter()
        .map(|(k, v)| format!("{} {v:.3}", optimizer_label(k)))
        .collect::<Vec<_>>()
        .join(" > ")
}

fn describe(m: &Measurement, (verdict, parts): (Verdict, Vec<Part>)) -> ClaimCheck {
    let rule = format!(
        "He uniform, λ = 0 (the original's Table 1), final CV accuracy over seeds: SGD > Momentum, Momentum > RMSProp, Momentum > Adam by one-sided t-tests (paired by seed where both ran the same seeds, else Welch) and RMSProp ≈ Adam by TOST with margin ±{APPROX_EQ_ACC}; Holm over the four tests, α = {ALPHA}"
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
            let lead = match verdict {
                Verdict::NotTestable => format!(
                    "not all four optimizers finished on {dataset} (He, λ={})",
                    fmt_num(*l2)
                ),
                Verdict::Confirmed => format!("the ordering holds on {dataset}"),
                Verdict::Refuted => format!("fails on {dataset}: {}", failing(&parts)),
                Verdict::Inconclusive(_) => {
                    format!("cannot decide on {dataset} at α = {ALPHA}")
                }
            };
            let summary = if verdict == Verdict::NotTestable {
                lead
            } else {
                format!(
                    "{lead}: means rank {}; {}",
                    ranking(outcomes),
                    tally(&parts)
                )
            };
            let mut ev: Vec<String> = parts.iter().map(Part::line).collect();
            ev.extend(evidence(name, *l2, outcomes));
            (summary, ev)
        }
    };
    ClaimCheck::new(3, verdict, summary, ev, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::SeedsNeeded;

    fn m(acc: [Option<&[f64]>; 4]) -> Measurement {
        Measurement::Found {
            dataset: "cifar10".into(),
            name: "cifar10".into(),
            l2: 0.0,
            outcomes: OPTIMIZERS
                .iter()
                .zip(acc)
                .map(|(&o, a)| {
                    let out = match a {
                        Some(v) => Outcome::Measured(Sample::seeds(v), String::new()),
                        None => Outcome::Absent("missing".into()),
                    };
                    (o, out)
                })
                .collect(),
        }
    }

    const SGD: &[f64] = &[0.50, 0.51, 0.49, 0.50, 0.52];
    const MOM: &[f64] = &[0.45, 0.46, 0.44, 0.45, 0.46];
    const RMS: &[f64] = &[0.40, 0.41, 0.39, 0.40, 0.40];
    const ADAM: &[f64] = &[0.41, 0.40, 0.40, 0.41, 0.39];

    #[test]
    fn the_claimed_order_well_apart_is_confirmed() {
        let mm = m([Some(SGD), Some(MOM), Some(RMS), Some(ADAM)]);
        let j = judge(&mm);
        assert_eq!(j.0, Verdict::Confirmed);
        let c = describe(&mm, j);
        assert!(
            c.summary.starts_with("the ordering holds on cifar10: means rank SGD 0.504 > Momentum 0.452 > Adam 0.402 > RMSProp 0.400"),
            "{}",
            c.summary
        );
        assert!(
            c.evidence[0].starts_with("SGD > Momentum: paired t (n = 5)"),
            "{}",
            c.evidence[0]
        );
        assert!(c.evidence[0].contains("Holm over 4 tests: p = "));
        assert!(
            c.evidence[3].starts_with("RMSProp ≈ Adam: TOST (paired t) (n = 5)"),
            "{}",
            c.evidence[3]
        );
        assert!(c.evidence[3].contains("margin ±0.02"));
    }

    #[test]
    fn a_reversed_pair_refutes() {
        let j = judge(&m([Some(MOM), Some(SGD), Some(RMS), Some(ADAM)]));
        assert_eq!(j.0, Verdict::Refuted);
        assert!(j.1[0].fails() && !j.1[1].fails());
    }

    #[test]
    fn rmsprop_far_from_adam_refutes_the_equivalence() {
        let low: &[f64] = &[0.30, 0.31, 0.29, 0.30, 0.30];
        let j = judge(&m([Some(SGD), Some(MOM), Some(RMS), Some(low)]));
        assert_eq!(j.0, Verdict::Refuted);
        assert!(j.1[3].fails());
    }

    #[test]
    fn differences_within_the_seed_spread_are_inconclusive() {
        // The cifar10-jpeg numbers: spread ~0.01, differences of ~0.005.
        let sgd: &[f64] = &[0.4135, 0.4277, 0.3993];
        let mom: &[f64] = &[0.4368, 0.4241, 0.4495];
        let rms: &[f64] = &[0.4307, 0.4245, 0.4369];
        let adam: &[f64] = &[0.4311, 0.4251, 0.4371];
        let j = judge(&m([Some(sgd), Some(mom), Some(rms), Some(adam)]));
        let Verdict::Inconclusive(need) = j.0 else {
            panic!("{:?}", j.0);
        };
        assert_ne!(need, SeedsNeeded::Unknown);
    }

    #[test]
    fn one_seed_each_is_inconclusive() {
        let one = |v: f64| Some(vec![v]);
        let (a, b, c, d) = (one(0.5), one(0.45), one(0.4), one(0.41));
        let j = judge(&m([a.as_deref(), b.as_deref(), c.as_deref(), d.as_deref()]));
        assert_eq!(j.0, Verdict::Inconclusive(SeedsNeeded::Unknown));
    }

    #[test]
    fn a_missing_optimizer_or_section_is_not_testable() {
        assert_eq!(
            judge(&m([Some(SGD), None, Some(RMS), Some(ADAM)])).0,
            Verdict::NotTestable
        );
        assert_eq!(judge(&Measurement::NoSection).0, Verdict::NotTestable);
        assert_eq!(judge(&Measurement::NoL2).0, Verdict::NotTestable);
    }
}
