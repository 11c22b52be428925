//! Claim 6: λ ∈ {0,…,3} makes no visible difference to the generalization gap.
//!
//! Rule: He uniform (where the networks learn; all inits when there are no He runs), per
//! dataset and optimizer: final gap = train − CV accuracy; "no visible difference" =
//! max − min of the gap over the λ values < [`GAP_TOL`].

use super::check::{ClaimCheck, Verdict};
use super::common::{
    config, fmt_num, has_init, init_label, inits, l2_values, max_of, min_of, name, optimizer_label,
    optimizers,
};
use crate::report::grid::Section;

/// "No visible difference": the final gap (train − CV accuracy) varies by less than this
/// across λ, for every optimizer.
pub const GAP_TOL: f64 = 0.02;

/// One dataset × init × optimizer with a final gap at two or more λ values.
#[derive(Debug, Clone, PartialEq)]
struct Combo {
    /// `mnist, He uniform, Adam`.
    label: String,
    /// (λ, mean final gap), ascending λ.
    gaps: Vec<(f64, f64)>,
}

/// Checks claim 6 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    describe(&m, judge(&m))
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
                let gaps: Vec<(f64, f64)> = l2s
                    .iter()
                    .filter_map(|&l2| config(s, init, l2, &opt).final_gap().map(|g| (l2, g.mean)))
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

/// Max − min of the gap over λ.
fn spread(c: &Combo) -> f64 {
    max_of(c.gaps.iter().map(|g| g.1)) - min_of(c.gaps.iter().map(|g| g.1))
}

/// The combination with the largest spread (the first of equals).
fn worst(m: &[Combo]) -> Option<(&Combo, f64)> {
    let mut worst: Option<(&Combo, f64)> = None;
    for c in m {
        let s = spread(c);
        if worst.is_none_or(|(_, w)| s > w) {
            worst = Some((c, s));
        }
    }
    worst
}

/// Not testable without a combination at two λ values; confirmed when the largest spread
/// is below [`GAP_TOL`].
fn judge(m: &[Combo]) -> Verdict {
    match worst(m) {
        None => Verdict::NotTestable,
        Some((_, s)) if s < GAP_TOL => Verdict::Confirmed,
        Some(_) => Verdict::Refuted,
    }
}

fn evidence_line(c: &Combo) -> String {
    format!(
        "{}: gap {}: spread {:.3}",
        c.label,
        c.gaps
            .iter()
            .map(|(l, g)| format!("λ={} {g:.3}", fmt_num(*l)))
            .collect::<Vec<_>>()
            .join(", "),
        spread(c)
    )
}

fn describe(m: &[Combo], verdict: Verdict) -> ClaimCheck {
    let rule = format!(
        "He uniform (where the networks learn; all inits when no He runs), per dataset and optimizer: final gap = train − CV accuracy; \"no visible difference\" = max − min of the gap over the λ values < {GAP_TOL}"
    );
    let evidence = m.iter().map(evidence_line).collect();
    let summary = match worst(m) {
        None => "no configuration finished at two or more λ values".to_string(),
        Some((c, s)) => format!(
            "largest spread of the final gap across λ: {s:.3} ({}), over {} optimizer × dataset combinations",
            c.label,
            m.len()
        ),
    };
    ClaimCheck::new(6, verdict, summary, evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combo(gaps: &[f64]) -> Combo {
        Combo {
            label: format!("{gaps:?}"),
            gaps: gaps
                .iter()
                .enumerate()
                .map(|(i, &g)| (i as f64, g))
                .collect(),
        }
    }

    #[test]
    fn a_flat_gap_is_confirmed() {
        let m = [combo(&[0.05, 0.06, 0.055]), combo(&[0.1, 0.1])];
        assert_eq!(judge(&m), Verdict::Confirmed);
        assert!(
            describe(&m, judge(&m))
                .summary
                .starts_with("largest spread of the final gap across λ: 0.010")
        );
    }

    #[test]
    fn a_moving_gap_refutes() {
        assert_eq!(
            judge(&[combo(&[0.05, 0.06]), combo(&[0.2, 0.05])]),
            Verdict::Refuted
        );
    }

    #[test]
    fn the_tolerance_is_exclusive() {
        // Binary fractions: the spreads are exact.
        assert_eq!(judge(&[combo(&[0.5, 0.5 + 0.015625])]), Verdict::Confirmed);
        assert_eq!(judge(&[combo(&[0.0, GAP_TOL])]), Verdict::Refuted);
    }

    #[test]
    fn nothing_at_two_lambdas_is_not_testable() {
        assert_eq!(judge(&[]), Verdict::NotTestable);
    }
}
