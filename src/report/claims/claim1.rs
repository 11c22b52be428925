//! Claim 1: with U[−1,1] nothing learns, except Adam with λ = 3 on CIFAR-10, which starts
//! learning around epoch 33.
//!
//! Rule: "real progress" = final CV accuracy ≥ [`LEARN_FACTOR`] × chance; the exception's
//! onset = the first epoch whose mean CV accuracy reaches that, expected
//! [`ONSET_EPOCH`] ± [`ONSET_TOLERANCE`].

use super::check::{ClaimCheck, Verdict};
use super::common::{
    LEARN_FACTOR, Metric, config, dataset, fmt_acc, fmt_num, has_init, is_cifar10, l2_values,
    learn_threshold, name, optimizer_label, optimizers,
};
use crate::report::grid::Section;
use crate::report::stats::Stat;

/// The epoch at which Adam, λ = 3, U[−1,1] starts learning on CIFAR-10 …
pub const ONSET_EPOCH: i64 = 33;
/// … give or take this many epochs.
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
    /// No finished run; why (`missing`, `0 of 2 runs done`).
    Absent(String),
    Measured {
        /// Final CV accuracy over seeds.
        cv: Stat,
        /// Epochs trained.
        epochs: i64,
        /// Mean CV accuracy at epochs 0, 1, …, `epochs` (only for the exception).
        cv_curve: Vec<Option<f64>>,
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
    describe(&m, judge(&m))
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
                let outcome = match c.final_cv() {
                    None => Outcome::Absent(c.absent()),
                    Some(cv) => {
                        let epochs = c.last_epoch().unwrap_or(0);
                        let cv_curve = if exception {
                            (0..=epochs).map(|e| c.mean_at(e, Metric::CvAcc)).collect()
                        } else {
                            Vec::new()
                        };
                        let suffix = c.suffix();
                        Outcome::Measured {
                            cv,
                            epochs,
                            cv_curve,
                            suffix,
                        }
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

/// The final CV accuracy of a measured cell.
fn final_cv(cell: &Cell) -> Option<&Stat> {
    match &cell.outcome {
        Outcome::Measured { cv, .. } => Some(cv),
        Outcome::Absent(_) => None,
    }
}

/// Whether a measured cell makes real progress.
fn learns(cell: &Cell) -> bool {
    final_cv(cell).is_some_and(|cv| cv.mean >= cell.threshold)
}

/// The first epoch whose mean CV accuracy reaches the threshold.
fn onset(cell: &Cell) -> Option<i64> {
    let Outcome::Measured { cv_curve, .. } = &cell.outcome else {
        return None;
    };
    (0i64..)
        .zip(cv_curve)
        .find(|(_, v)| v.is_some_and(|v| v >= cell.threshold))
        .map(|(e, _)| e)
}

/// Whether the exception holds: it learns, from epoch [`ONSET_EPOCH`] ± [`ONSET_TOLERANCE`].
fn exception_holds(cell: &Cell) -> bool {
    learns(cell) && onset(cell).is_some_and(|e| (e - ONSET_EPOCH).abs() <= ONSET_TOLERANCE)
}

/// The cells other than the exception that learn: label and final CV accuracy.
fn unexpected(m: &Measurement) -> Vec<(&str, f64)> {
    m.cells
        .iter()
        .filter(|c| !c.exception)
        .filter_map(|c| {
            final_cv(c)
                .filter(|cv| cv.mean >= c.threshold)
                .map(|cv| (c.label.as_str(), cv.mean))
        })
        .collect()
}

/// The exception's cell (the last one when several CIFAR-10 variants ran).
fn exception(m: &Measurement) -> Option<&Cell> {
    m.cells.iter().rev().find(|c| c.exception)
}

/// Configurations with a finished run.
fn tested(m: &Measurement) -> usize {
    m.cells.iter().filter(|c| final_cv(c).is_some()).count()
}

/// Not testable without a finished U[−1,1] run; refuted when any configuration other than
/// the exception learns, or when the exception ran (or was planned) and does not hold.
fn judge(m: &Measurement) -> Verdict {
    if tested(m) == 0 {
        Verdict::NotTestable
    } else if !unexpected(m).is_empty() || exception(m).is_some_and(|c| !exception_holds(c)) {
        Verdict::Refuted
    } else {
        Verdict::Confirmed
    }
}

/// The exception's evidence text: its accuracy and onset, or why it has none.
fn exception_text(cell: &Cell) -> String {
    match &cell.outcome {
        Outcome::Absent(why) => why.clone(),
        Outcome::Measured {
            cv, epochs, suffix, ..
        } => match onset(cell) {
            Some(e) => format!(
                "CV accuracy {} after {epochs} epochs, above {:.2} from epoch {e}{suffix}",
                fmt_acc(cv),
                cell.threshold
            ),
            None => format!(
                "CV accuracy {} after {epochs} epochs: no learning{suffix}",
                fmt_acc(cv)
            ),
        },
    }
}

fn evidence_line(cell: &Cell) -> String {
    match &cell.outcome {
        Outcome::Absent(why) => format!("{}: {why}", cell.label),
        Outcome::Measured { .. } if cell.exception => format!(
            "{} (the claimed exception): {}",
            cell.label,
            exception_text(cell)
        ),
        Outcome::Measured {
            cv, epochs, suffix, ..
        } => format!(
            "{}: CV accuracy {} after {epochs} epochs: {}{suffix}",
            cell.label,
            fmt_acc(cv),
            if learns(cell) {
                "learns"
            } else {
                "no learning"
            }
        ),
    }
}

fn summary(m: &Measurement, verdict: Verdict) -> String {
    if verdict == Verdict::NotTestable {
        return "no finished U[−1,1] runs in this study".to_string();
    }
    let learners = unexpected(m);
    if !learners.is_empty() {
        let list: Vec<String> = learners
            .iter()
            .map(|(label, cv)| format!("{label} ({cv:.3})"))
            .collect();
        return format!("U[−1,1] runs that do learn: {}", list.join("; "));
    }
    let cifar = m.cifar.clone().unwrap_or_default();
    match exception(m) {
        None => format!(
            "no U[−1,1] run learns ({} configurations); the CIFAR-10 exception (Adam, λ=3) is not testable here{}",
            tested(m),
            m.cifar
                .as_ref()
                .map_or(" (no CIFAR-10 variant ran)".to_string(), |d| format!(
                    " (not run on {d})"
                ))
        ),
        Some(c) if exception_holds(c) => format!(
            "no other U[−1,1] run learns, and the exception holds on {cifar}: {}",
            exception_text(c)
        ),
        Some(c) => format!(
            "the general part holds (no other U[−1,1] run learns), but the exception does not on {cifar}: Adam, λ=3: {}",
            exception_text(c)
        ),
    }
}

fn describe(m: &Measurement, verdict: Verdict) -> ClaimCheck {
    let rule = format!(
        "\"real progress\" = final CV accuracy ≥ {LEARN_FACTOR} × chance (0.2 for 10 classes); onset = first epoch with mean CV accuracy above that, expected {ONSET_EPOCH} ± {ONSET_TOLERANCE}"
    );
    let evidence = m.cells.iter().map(evidence_line).collect();
    ClaimCheck::new(1, verdict, summary(m, verdict), evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mean: f64) -> Stat {
        Stat {
            mean,
            std: 0.0,
            n: 1,
        }
    }

    fn cell(exception: bool, cv: f64, curve: Vec<Option<f64>>) -> Cell {
        Cell {
            label: "x".into(),
            threshold: 0.2,
            exception,
            outcome: Outcome::Measured {
                cv: stat(cv),
                epochs: curve.len().saturating_sub(1) as i64,
                cv_curve: curve,
                suffix: String::new(),
            },
        }
    }

    /// A CV curve at 0.1 that reaches `top` at epoch `from`.
    fn curve(from: usize, top: f64, len: usize) -> Vec<Option<f64>> {
        (0..len)
            .map(|e| Some(if e >= from { top } else { 0.1 }))
            .collect()
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
            cell(false, 0.1, vec![]),
            cell(true, 0.3, curve(33, 0.3, 50)),
        ]);
        assert_eq!(judge(&mm), Verdict::Confirmed);
        assert!(describe(&mm, judge(&mm)).summary.contains("from epoch 33"));
    }

    #[test]
    fn a_learning_uniform_run_refutes() {
        assert_eq!(judge(&m(vec![cell(false, 0.25, vec![])])), Verdict::Refuted);
    }

    #[test]
    fn the_learning_threshold_is_inclusive() {
        assert_eq!(judge(&m(vec![cell(false, 0.2, vec![])])), Verdict::Refuted);
        assert_eq!(
            judge(&m(vec![cell(false, 0.1999, vec![])])),
            Verdict::Confirmed
        );
    }

    #[test]
    fn the_onset_tolerance_is_inclusive() {
        let at = |e: usize| judge(&m(vec![cell(true, 0.3, curve(e, 0.3, 50))]));
        assert_eq!(at(28), Verdict::Confirmed);
        assert_eq!(at(38), Verdict::Confirmed);
        assert_eq!(at(27), Verdict::Refuted);
        assert_eq!(at(39), Verdict::Refuted);
    }

    #[test]
    fn an_exception_that_never_learns_or_is_missing_refutes() {
        let never = cell(true, 0.1, curve(99, 0.3, 50));
        assert_eq!(
            judge(&m(vec![cell(false, 0.1, vec![]), never])),
            Verdict::Refuted
        );
        let missing = Cell {
            label: "x".into(),
            threshold: 0.2,
            exception: true,
            outcome: Outcome::Absent("missing".into()),
        };
        assert_eq!(
            judge(&m(vec![cell(false, 0.1, vec![]), missing])),
            Verdict::Refuted
        );
    }

    #[test]
    fn no_finished_run_is_not_testable() {
        assert_eq!(judge(&m(vec![])), Verdict::NotTestable);
    }
}
