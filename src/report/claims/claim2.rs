//! Claim 2: with He uniform every combination learns.
//!
//! Rule: per configuration, "learns" = mean final CV accuracy over seeds >
//! [`LEARN_FACTOR`] × chance, by a one-sided one-sample t-test on the per-seed values
//! (Holm over the configurations); the fraction of seeds above the threshold is shown. A
//! configuration whose runs all diverged or failed counts as not learning; one that is
//! merely missing or unfinished is listed but counts neither way.

use super::check::{ClaimCheck, Verdict};
use super::common::{
    LEARN_FACTOR, Sample, config, fmt_num, has_init, l2_values, learn_threshold, name,
    optimizer_label, optimizers,
};
use super::inference::{ALPHA, Part, judge as decide, tally};
use crate::report::grid::Section;

/// One He-uniform configuration (λ × optimizer) of a dataset.
#[derive(Debug, Clone, PartialEq)]
struct Cell {
    /// `mnist, He, Adam, λ=3`.
    label: String,
    outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// No finished run: why (`missing`, `0 of 2 runs done`) and how many diverged or failed.
    Absent { why: String, broken: usize },
    /// Final CV accuracy per finished seed.
    Measured(Sample),
}

/// A dataset's He-uniform configurations.
#[derive(Debug, Clone, PartialEq)]
struct Dataset {
    name: String,
    /// [`LEARN_FACTOR`] × chance.
    threshold: f64,
    cells: Vec<Cell>,
}

/// Checks claim 2 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    let j = judge(&m);
    describe(&m, j)
}

fn measure(sections: &[&Section]) -> Vec<Dataset> {
    let mut out = Vec::new();
    for s in sections.iter().filter(|s| has_init(s, "he")) {
        let mut cells = Vec::new();
        for l2 in l2_values(s) {
            for opt in optimizers(s) {
                let c = config(s, "he", l2, &opt);
                let label = format!(
                    "{}, He, {}, λ={}",
                    name(s),
                    optimizer_label(&opt),
                    fmt_num(l2)
                );
                let cv = c.final_cv_sample();
                let outcome = if cv.n() > 0 {
                    Outcome::Measured(cv)
                } else {
                    Outcome::Absent {
                        why: c.absent(),
                        broken: c.broken(),
                    }
                };
                cells.push(Cell { label, outcome });
            }
        }
        out.push(Dataset {
            name: name(s),
            threshold: learn_threshold(s),
            cells,
        });
    }
    out
}

/// The claim's tests: one per measured configuration, one fact per configuration whose
/// runs all broke.
fn parts(m: &[Dataset]) -> Vec<Part> {
    let mut out = Vec::new();
    for d in m {
        for c in &d.cells {
            match &c.outcome {
                Outcome::Measured(cv) => {
                    let above = cv.values().iter().filter(|&&v| v >= d.threshold).count();
                    out.push(
                        Part::above(format!("{} learns", c.label), cv, d.threshold).with_note(
                            format!("above {:.2} in {above} of {} seeds", d.threshold, cv.n()),
                        ),
                    );
                }
                Outcome::Absent { why, broken } if *broken > 0 => out.push(Part::fact(
                    format!("{} learns ({why}, {broken} diverged/failed)", c.label),
                    false,
                )),
                Outcome::Absent { .. } => {}
            }
        }
    }
    out
}

/// Not testable without a finished He-uniform run; refuted when a configuration is shown
/// not to learn, confirmed when every one is shown to learn, else inconclusive.
fn judge(m: &[Dataset]) -> (Verdict, Vec<Part>) {
    let finished = m
        .iter()
        .flat_map(|d| &d.cells)
        .any(|c| matches!(c.outcome, Outcome::Measured(_)));
    if !finished {
        return (Verdict::NotTestable, Vec::new());
    }
    let mut p = parts(m);
    (decide(&mut p), p)
}

fn describe(m: &[Dataset], (verdict, parts): (Verdict, Vec<Part>)) -> ClaimCheck {
    let rule = format!(
        "per He-uniform configuration, \"learns\" = mean final CV accuracy over seeds > {LEARN_FACTOR} × chance (0.2 for 10 classes): one-sided one-sample t-test on the per-seed values, Holm over the configurations, α = {ALPHA}; a configuration whose runs all diverged or failed does not learn; one with no finished run is listed, not counted"
    );
    let mut evidence: Vec<String> = parts.iter().map(Part::line).collect();
    let missing: Vec<String> = m
        .iter()
        .flat_map(|d| &d.cells)
        .filter_map(|c| match &c.outcome {
            Outcome::Absent { why, broken: 0 } => Some(format!("{} ({why})", c.label)),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        evidence.push(format!("no finished run for: {}", missing.join("; ")));
    }
    let failing: Vec<&str> = parts
        .iter()
        .filter(|p| p.fails())
        .map(|p| p.label.as_str())
        .collect();
    let summary = match verdict {
        Verdict::NotTestable => "no finished He-uniform runs in this study".to_string(),
        Verdict::Confirmed => format!(
            "all {} He-uniform configurations learn ({})",
            parts.len(),
            tally(&parts)
        ),
        Verdict::Refuted => format!(
            "{} He-uniform configuration(s) do not learn: {} ({})",
            failing.len(),
            failing.join("; "),
            tally(&parts)
        ),
        Verdict::Inconclusive(_) => {
            format!("cannot decide at α = {ALPHA}: {}", tally(&parts))
        }
    };
    ClaimCheck::new(2, verdict, summary, evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::SeedsNeeded;

    fn measured(cv: &[f64]) -> Cell {
        Cell {
            label: format!("cv {cv:?}"),
            outcome: Outcome::Measured(Sample::seeds(cv)),
        }
    }

    fn absent(broken: usize) -> Cell {
        Cell {
            label: "absent".into(),
            outcome: Outcome::Absent {
                why: "0 of 1 runs done".into(),
                broken,
            },
        }
    }

    fn m(cells: Vec<Cell>) -> Vec<Dataset> {
        vec![Dataset {
            name: "mnist".into(),
            threshold: 0.2,
            cells,
        }]
    }

    #[test]
    fn all_clearly_above_the_threshold_is_confirmed() {
        let mm = m(vec![
            measured(&[0.90, 0.91, 0.89]),
            measured(&[0.30, 0.31, 0.29]),
            absent(0),
        ]);
        let j = judge(&mm);
        assert_eq!(j.0, Verdict::Confirmed);
        let c = describe(&mm, j);
        assert!(
            c.summary
                .starts_with("all 2 He-uniform configurations learn"),
            "{}",
            c.summary
        );
        assert!(
            c.evidence[0].contains("one-sample t (n = 3)"),
            "{}",
            c.evidence[0]
        );
        assert!(c.evidence[0].contains("Holm over 2 tests: p = "));
        assert!(c.evidence[0].contains("above 0.20 in 3 of 3 seeds"));
        assert!(
            c.evidence
                .last()
                .is_some_and(|e| e.contains("no finished run for: absent"))
        );
    }

    #[test]
    fn one_clearly_below_the_threshold_refutes() {
        let mm = m(vec![
            measured(&[0.9, 0.91, 0.92]),
            measured(&[0.10, 0.11, 0.09]),
        ]);
        let j = judge(&mm);
        assert_eq!(j.0, Verdict::Refuted);
        assert!(
            describe(&mm, j)
                .summary
                .contains("1 He-uniform configuration(s) do not learn")
        );
    }

    #[test]
    fn seeds_straddling_the_threshold_are_inconclusive_with_the_seeds_needed() {
        // Every seed above 0.2, but mean 0.28 ± 0.06 over three seeds: the data cannot
        // decide.
        let mm = m(vec![
            measured(&[0.9, 0.91, 0.92]),
            measured(&[0.22, 0.34, 0.28]),
        ]);
        let j = judge(&mm);
        let Verdict::Inconclusive(SeedsNeeded::About(n)) = j.0 else {
            panic!("{:?}", j.0);
        };
        assert!(n > 3, "{n}");
        let c = describe(&mm, j);
        assert!(
            c.verdict.label().contains(&format!("≈ {n} seeds needed")),
            "{}",
            c.verdict.label()
        );
        assert!(
            c.evidence[1].contains("above 0.20 in 3 of 3 seeds"),
            "{}",
            c.evidence[1]
        );
    }

    #[test]
    fn one_seed_is_inconclusive_however_high() {
        let j = judge(&m(vec![measured(&[0.99])]));
        assert_eq!(j.0, Verdict::Inconclusive(SeedsNeeded::Unknown));
    }

    #[test]
    fn diverged_runs_refute() {
        assert_eq!(
            judge(&m(vec![measured(&[0.9, 0.91]), absent(1)])).0,
            Verdict::Refuted
        );
    }

    #[test]
    fn no_finished_run_is_not_testable() {
        assert_eq!(judge(&m(vec![absent(0)])).0, Verdict::NotTestable);
        assert_eq!(judge(&m(vec![absent(2)])).0, Verdict::NotTestable);
        assert_eq!(judge(&[]).0, Verdict::NotTestable);
    }
}
