//! Claim 1: with U[−1,1] nothing learns, except Adam with λ = 3 on CIFAR-10, which starts
//! learning around epoch 33.
//!
//! Rule: "real progress" = mean final CV accuracy over seeds > [`LEARN_FACTOR`] × chance.
//! Every U[−1,1] configuration but the exception: mean below the threshold (one-sided
//! one-sample t); the exception: mean above it (one-sided one-sample t), and its onset (per
//! seed, the first epoch whose CV accuracy reaches the threshold) within [`ONSET_EPOCH`] ±
//! [`ONSET_TOLERANCE`] (TOST). Holm over all of the claim's tests; the fraction of seeds
//! above the threshold is shown per configuration.

use super::check::{ClaimCheck, Verdict};
use super::common::{
    LEARN_FACTOR, Sample, config, dataset, fmt_num, has_init, is_cifar10, l2_values,
    learn_threshold, name, optimizer_label, optimizers,
};
use super::inference::{ALPHA, Part, judge as decide, tally};
use crate::report::grid::Section;

/// The epoch at which Adam, λ = 3, U[−1,1] starts learning on CIFAR-10 …
pub const ONSET_EPOCH: i64 = 33;
/// … give or take this many epochs (the TOST margin).
pub const ONSET_TOLERANCE: i64 = 5;
/// The exception: this optimizer …
const EXCEPTION_OPTIMIZER: &str = "adam";
/// … at this λ, on CIFAR-10.
const EXCEPTION_L2: f64 = 3.0;

/// One U[−1,1] configuration (dataset × λ × optimizer).
#[derive(Debug, Clone, PartialEq)]
struct Cell {
    /// `mnist, U[−1,1], Adam, λ=3`.
    label: String,
    /// [`LEARN_FACTOR`] × chance for its dataset.
    threshold: f64,
    /// Whether this is the claimed exception (CIFAR-10, Adam, λ = 3).
    exception: bool,
    outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// No finished run: why (`missing`, `0 of 2 runs done`) and how many diverged or failed.
    Absent { why: String, broken: usize },
    Measured {
        /// Final CV accuracy per seed.
        cv: Sample,
        /// Epochs trained.
        epochs: i64,
        /// Per seed that reaches the threshold, the first epoch it does (the exception only).
        onsets: Sample,
        /// ` [best of …]` when a variant was chosen.
        suffix: String,
    },
}

/// What claim 1 looks at.
#[derive(Debug, Clone, PartialEq)]
struct Measurement {
    cells: Vec<Cell>,
    /// The first CIFAR-10 variant among the sections, if any.
    cifar: Option<String>,
}

/// Checks claim 1 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    let j = judge(&m);
    describe(&m, j)
}

fn measure(sections: &[&Section]) -> Measurement {
    let mut cells = Vec::new();
    for s in sections.iter().filter(|s| has_init(s, "uniform")) {
        let threshold = learn_threshold(s);
        for l2 in l2_values(s) {
            for opt in optimizers(s) {
                let exception =
                    is_cifar10(dataset(s)) && opt == EXCEPTION_OPTIMIZER && l2 == EXCEPTION_L2;
                let label = format!(
                    "{}, U[−1,1], {}, λ={}",
                    name(s),
                    optimizer_label(&opt),
                    fmt_num(l2)
                );
                let c = config(s, "uniform", l2, &opt);
                let cv = c.final_cv_sample();
                let outcome = if cv.n() == 0 {
                    Outcome::Absent {
                        why: c.absent(),
                        broken: c.broken(),
                    }
                } else {
                    Outcome::Measured {
                        cv,
                        epochs: c.last_epoch().unwrap_or(0),
                        onsets: if exception {
                            c.onset_sample(threshold)
                        } else {
                            Sample::default()
                        },
                        suffix: c.suffix(),
                    }
                };
                cells.push(Cell {
                    label,
                    threshold,
                    exception,
                    outcome,
                });
            }
        }
    }
    let cifar = sections
        .iter()
        .find(|s| is_cifar10(dataset(s)))
        .map(|s| dataset(s).to_string());
    Measurement { cells, cifar }
}

/// `above 0.20 in 0 of 5 seeds after 20 epochs [best of …]`.
fn note(cell: &Cell, cv: &Sample, epochs: i64, suffix: &str) -> String {
    let above = cv.values().iter().filter(|&&v| v >= cell.threshold).count();
    format!(
        "above {:.2} in {above} of {} seeds after {epochs} epochs{suffix}",
        cell.threshold,
        cv.n()
    )
}

/// The claim's tests, the general part's first.
fn parts(m: &Measurement) -> Vec<Part> {
    let mut out = Vec::new();
    for c in &m.cells {
        match &c.outcome {
            Outcome::Measured {
                cv,
                epochs,
                onsets,
                suffix,
            } => {
                let note = note(c, cv, *epochs, suffix);
                if !c.exception {
                    out.push(
                        Part::below(format!("{} makes no progress", c.label), cv, c.threshold)
                            .with_note(note),
                    );
                    continue;
                }
                out.push(
                    Part::above(
                        format!("{} (the claimed exception) learns", c.label),
                        cv,
                        c.threshold,
                    )
                    .with_note(note),
                );
                if onsets.n() > 0 {
                    let list = onsets
                        .values()
                        .iter()
                        .map(|e| format!("{e:.0}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(
                        Part::near(
                            format!(
                                "{} starts learning at epoch {ONSET_EPOCH} ± {ONSET_TOLERANCE}",
                                c.label
                            ),
                            onsets,
                            ONSET_EPOCH as f64,
                            ONSET_TOLERANCE as f64,
                        )
                        .with_note(format!("onsets {list}")),
                    );
                }
            }
            Outcome::Absent { why, broken } if c.exception && *broken > 0 => {
                out.push(Part::fact(
                    format!(
                        "{} (the claimed exception) learns ({why}, {broken} diverged/failed)",
                        c.label
                    ),
                    false,
                ));
            }
            Outcome::Absent { .. } => {}
        }
    }
    out
}

/// Configurations with a finished run.
fn tested(m: &Measurement) -> usize {
    m.cells
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Measured { .. }))
        .count()
}

/// Not testable without a finished U[−1,1] run; otherwise the verdict of the claim's tests.
fn judge(m: &Measurement) -> (Verdict, Vec<Part>) {
    if tested(m) == 0 {
        return (Verdict::NotTestable, Vec::new());
    }
    let mut p = parts(m);
    (decide(&mut p), p)
}

fn summary(m: &Measurement, verdict: Verdict, parts: &[Part]) -> String {
    if verdict == Verdict::NotTestable {
        return "no finished U[−1,1] runs in this study".to_string();
    }
    let failing: Vec<&str> = parts
        .iter()
        .filter(|p| p.fails())
        .map(|p| p.label.as_str())
        .collect();
    let exception = m.cells.iter().find(|c| c.exception);
    let scope = match (exception, &m.cifar) {
        (Some(_), Some(d)) => format!("the exception checked on {d}"),
        (None, Some(d)) => {
            format!("the CIFAR-10 exception (Adam, λ=3) is not testable here (not run on {d})")
        }
        (None, None) => {
            "the CIFAR-10 exception (Adam, λ=3) is not testable here (no CIFAR-10 variant ran)"
                .to_string()
        }
        (Some(_), None) => String::new(),
    };
    let lead = match verdict {
        Verdict::Confirmed => format!("holds over {} configurations", tested(m)),
        Verdict::Refuted => format!("fails: {}", failing.join("; ")),
        Verdict::Inconclusive(_) => format!("cannot decide at α = {ALPHA}"),
        Verdict::NotTestable => String::new(),
    };
    format!("{lead}; {}; {scope}", tally(parts))
}

fn describe(m: &Measurement, (verdict, parts): (Verdict, Vec<Part>)) -> ClaimCheck {
    let rule = format!(
        "\"real progress\" = mean final CV accuracy over seeds > {LEARN_FACTOR} × chance (0.2 for 10 classes). Every U[−1,1] configuration but the exception: below it (one-sided one-sample t); the exception: above it (one-sided one-sample t), with its per-seed onset (first epoch at or above the threshold) within {ONSET_EPOCH} ± {ONSET_TOLERANCE} (TOST). Holm over all the claim's tests, α = {ALPHA}. An exception whose runs all broke does not learn; a missing one is listed, not counted"
    );
    let mut evidence: Vec<String> = parts.iter().map(Part::line).collect();
    for c in &m.cells {
        if let Outcome::Absent { why, broken } = &c.outcome
            && (*broken == 0 || !c.exception)
        {
            evidence.push(format!("{}: {why}", c.label));
        }
    }
    let summary = summary(m, verdict, &parts);
    ClaimCheck::new(1, verdict, summary, evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::SeedsNeeded;

    fn cell(exception: bool, cv: &[f64], onsets: &[f64]) -> Cell {
        Cell {
            label: "x".into(),
            threshold: 0.2,
            exception,
            outcome: Outcome::Measured {
                cv: Sample::seeds(cv),
                epochs: 40,
                onsets: Sample::seeds(onsets),
                suffix: String::new(),
            },
        }
    }

    fn flat() -> Cell {
        cell(false, &[0.10, 0.11, 0.09], &[])
    }

    fn m(cells: Vec<Cell>) -> Measurement {
        Measurement {
            cells,
            cifar: Some("cifar10".into()),
        }
    }

    #[test]
    fn nothing_learns_and_the_exception_holds_is_confirmed() {
        let mm = m(vec![
            flat(),
            cell(true, &[0.30, 0.31, 0.29], &[33.0, 32.0, 34.0]),
        ]);
        let j = judge(&mm);
        assert_eq!(j.0, Verdict::Confirmed);
        let c = describe(&mm, j);
        assert!(
            c.evidence[0].contains("one-sample t (n = 3)"),
            "{:?}",
            c.evidence
        );
        assert!(c.evidence[0].contains("above 0.20 in 0 of 3 seeds"));
        assert!(
            c.evidence[2].contains("TOST (one-sample t)"),
            "{}",
            c.evidence[2]
        );
        assert!(c.evidence[2].contains("onsets 33, 32, 34"));
        assert!(c.summary.contains("3 of 3 tests hold"), "{}", c.summary);
    }

    #[test]
    fn a_uniform_run_that_learns_on_every_seed_refutes() {
        let j = judge(&m(vec![cell(false, &[0.25, 0.26, 0.27], &[])]));
        assert_eq!(j.0, Verdict::Refuted);
    }

    #[test]
    fn a_uniform_mean_near_the_threshold_is_inconclusive() {
        let j = judge(&m(vec![cell(false, &[0.14, 0.20, 0.17], &[])]));
        assert!(
            matches!(j.0, Verdict::Inconclusive(SeedsNeeded::About(n)) if n > 3),
            "{:?}",
            j.0
        );
    }

    #[test]
    fn an_onset_far_from_epoch_33_refutes_and_one_near_the_edge_is_undecided() {
        let at = |onsets: &[f64]| judge(&m(vec![flat(), cell(true, &[0.3, 0.31, 0.29], onsets)])).0;
        assert_eq!(at(&[12.0, 13.0, 11.0]), Verdict::Refuted);
        assert!(matches!(at(&[36.0, 40.0, 38.0]), Verdict::Inconclusive(_)));
    }

    #[test]
    fn an_exception_that_never_learns_or_broke_refutes() {
        let never = cell(true, &[0.10, 0.11, 0.10], &[]);
        assert_eq!(judge(&m(vec![flat(), never])).0, Verdict::Refuted);
        let broke = Cell {
            label: "x".into(),
            threshold: 0.2,
            exception: true,
            outcome: Outcome::Absent {
                why: "0 of 2 runs done".into(),
                broken: 2,
            },
        };
        assert_eq!(judge(&m(vec![flat(), broke])).0, Verdict::Refuted);
    }

    #[test]
    fn one_seed_per_configuration_is_inconclusive() {
        let j = judge(&m(vec![
            cell(false, &[0.1], &[]),
            cell(true, &[0.3], &[33.0]),
        ]));
        assert_eq!(j.0, Verdict::Inconclusive(SeedsNeeded::Unknown));
    }

    #[test]
    fn no_finished_run_is_not_testable() {
        assert_eq!(judge(&m(vec![])).0, Verdict::NotTestable);
    }
}
