//! Claim 6: λ ∈ {0,…,3} makes no visible difference to the generalization gap.
//!
//! Rule: He uniform (where the networks learn; all inits when there are no He runs), per
//! dataset and optimizer: final gap = train − CV accuracy per seed; "no visible difference"
//! = for every two λ values the mean gaps are equal within ±[`GAP_TOL`] (TOST, paired by
//! seed where both ran the same seeds, else Welch); Holm over all the claim's tests.

use super::check::{ClaimCheck, Verdict};
use super::common::{
    Sample, config, fmt_num, has_init, init_label, inits, l2_values, name, optimizer_label,
    optimizers,
};
use super::inference::{ALPHA, Part, failing, judge as decide, tally};
use crate::report::grid::Section;

/// "No visible difference": the mean final gaps (train − CV accuracy) at any two λ values
/// are shown equal within ± this (the TOST margin).
pub const GAP_TOL: f64 = 0.02;

/// One dataset × init × optimizer with a final gap at two or more λ values.
#[derive(Debug, Clone, PartialEq)]
struct Combo {
    /// `mnist, He uniform, Adam`.
    label: String,
    /// (λ, final gap per seed), ascending λ.
    gaps: Vec<(f64, Sample)>,
}

/// Checks claim 6 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    let j = judge(&m);
    describe(&m, j)
}

fn measure(sections: &[&Section]) -> Vec<Combo> {
    let mut out = Vec::new();
    for s in sections {
        let l2s = l2_values(s);
        if l2s.len() < 2 {
            continue;
        }
        let inits = if has_init(s, "he") {
            vec!["he".to_string()]
        } else {
            inits(s)
        };
        for init in &inits {
            for opt in optimizers(s) {
                let gaps: Vec<(f64, Sample)> = l2s
                    .iter()
                    .map(|&l2| (l2, config(s, init, l2, &opt).final_gap_sample()))
                    .filter(|(_, g)| g.n() > 0)
                    .collect();
                if gaps.len() >= 2 {
                    let label = format!(
                        "{}, {}, {}",
                        name(s),
                        init_label(init),
                        optimizer_label(&opt)
                    );
                    out.push(Combo { label, gaps });
                }
            }
        }
    }
    out
}

/// The claim's tests: every two λ values of every combination.
fn parts(m: &[Combo]) -> Vec<Part> {
    let mut out = Vec::new();
    for c in m {
        for (i, (la, ga)) in c.gaps.iter().enumerate() {
            for (lb, gb) in c.gaps.iter().skip(i + 1) {
                out.push(Part::equivalent(
                    format!(
                        "{}: gap(λ={}) ≈ gap(λ={})",
                        c.label,
                        fmt_num(*la),
                        fmt_num(*lb)
                    ),
                    ga,
                    gb,
                    GAP_TOL,
                ));
            }
        }
    }
    out
}

/// Not testable without a combination at two λ values; otherwise the verdict of the
/// equivalence tests.
fn judge(m: &[Combo]) -> (Verdict, Vec<Part>) {
    let mut p = parts(m);
    (decide(&mut p), p)
}

/// Max − min of the mean gap over λ.
fn spread(c: &Combo) -> f64 {
    let means: Vec<f64> = c.gaps.iter().map(|g| g.1.mean()).collect();
    means.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - means.iter().copied().fold(f64::INFINITY, f64::min)
}

fn means_line(c: &Combo) -> String {
    format!(
        "{}: mean gap {}: spread {:.3}",
        c.label,
        c.gaps
            .iter()
            .map(|(l, g)| format!("λ={} {:.3} (n={})", fmt_num(*l), g.mean(), g.n()))
            .collect::<Vec<_>>()
            .join(", "),
        spread(c)
    )
}

fn describe(m: &[Combo], (verdict, parts): (Verdict, Vec<Part>)) -> ClaimCheck {
    let rule = format!(
        "He uniform (where the networks learn; all inits when no He runs), per dataset and optimizer: final gap = train − CV accuracy per seed; \"no visible difference\" = for every two λ values the mean gaps are equal within ±{GAP_TOL} (TOST, paired by seed where both ran the same seeds, else Welch); Holm over all the claim's tests, α = {ALPHA}"
    );
    let mut evidence: Vec<String> = m.iter().map(means_line).collect();
    evidence.extend(parts.iter().map(Part::line));
    let worst = m
        .iter()
        .map(|c| (c, spread(c)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let summary = match (verdict, worst) {
        (Verdict::NotTestable, _) | (_, None) => {
            "no configuration finished at two or more λ values".to_string()
        }
        (v, Some((c, s))) => {
            let lead = match v {
                Verdict::Confirmed => "no visible difference".to_string(),
                Verdict::Refuted => format!("λ moves the gap; fails: {}", failing(&parts)),
                Verdict::Inconclusive(_) => format!("cannot decide at α = {ALPHA}"),
                Verdict::NotTestable => String::new(),
            };
            format!(
                "{lead}; largest spread of the mean final gap across λ: {s:.3} ({}), over {} optimizer × dataset combinations; {}",
                c.label,
                m.len(),
                tally(&parts)
            )
        }
    };
    ClaimCheck::new(6, verdict, summary, evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::SeedsNeeded;

    /// Gaps per λ = 0, 1, …, each over three seeds ± `noise`.
    fn combo(gaps: &[f64], noise: f64) -> Combo {
        Combo {
            label: format!("{gaps:?}"),
            gaps: gaps
                .iter()
                .enumerate()
                .map(|(i, &g)| (i as f64, Sample::seeds(&[g - noise, g, g + noise])))
                .collect(),
        }
    }

    #[test]
    fn a_flat_gap_is_confirmed() {
        let m = [
            combo(&[0.05, 0.06, 0.055], 0.002),
            combo(&[0.1, 0.1], 0.002),
        ];
        let j = judge(&m);
        assert_eq!(j.0, Verdict::Confirmed);
        assert_eq!(j.1.len(), 3 + 1);
        let c = describe(&m, j);
        assert!(
            c.summary.starts_with(
                "no visible difference; largest spread of the mean final gap across λ: 0.010"
            ),
            "{}",
            c.summary
        );
        assert!(
            c.evidence
                .iter()
                .any(|e| e.contains("TOST (paired t) (n = 3)"))
        );
    }

    #[test]
    fn a_moving_gap_refutes() {
        let m = [combo(&[0.05, 0.06], 0.002), combo(&[0.2, 0.05], 0.002)];
        let judged = judge(&m);
        assert_eq!(judged.0, Verdict::Refuted);
        // The summary names the equivalence that failed as failed, not as a statement.
        let c = describe(&m, judged);
        assert!(
            c.summary.starts_with("λ moves the gap; fails: "),
            "{}",
            c.summary
        );
    }

    #[test]
    fn a_gap_near_the_margin_with_noisy_seeds_is_inconclusive() {
        // Per-seed differences 0, 0.01, 0.02: mean 0.01 ± 0.01 against a margin of 0.02.
        let c = Combo {
            label: "x".into(),
            gaps: vec![
                (0.0, Sample::seeds(&[0.05, 0.05, 0.05])),
                (3.0, Sample::seeds(&[0.05, 0.06, 0.07])),
            ],
        };
        let v = judge(&[c]).0;
        assert!(
            matches!(v, Verdict::Inconclusive(SeedsNeeded::About(_))),
            "{v:?}"
        );
    }

    #[test]
    fn one_seed_is_inconclusive() {
        let one = Combo {
            label: "x".into(),
            gaps: vec![(0.0, Sample::seeds(&[0.05])), (3.0, Sample::seeds(&[0.05]))],
        };
        assert_eq!(judge(&[one]).0, Verdict::Inconclusive(SeedsNeeded::Unknown));
    }

    #[test]
    fn nothing_at_two_lambdas_is_not_testable() {
        assert_eq!(judge(&[]).0, Verdict::NotTestable);
    }
}
