//! Claim 2: with He uniform every combination learns.
//!
//! Rule: "learns" = final CV accuracy ≥ [`LEARN_FACTOR`] × chance; a configuration whose
//! runs diverged or failed counts as not learning, one that is merely missing or unfinished
//! is listed but counts neither way.

use super::check::{ClaimCheck, Verdict};
use super::common::{
    LEARN_FACTOR, config, fmt_acc, fmt_num, has_init, l2_values, learn_threshold, name,
    optimizer_label, optimizers,
};
use crate::report::grid::Section;
use crate::report::stats::Stat;

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
    /// Final CV accuracy over the finished seeds.
    Measured(Stat),
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
    describe(&m, judge(&m))
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
                let outcome = match c.final_cv() {
                    Some(cv) => Outcome::Measured(cv),
                    None => Outcome::Absent {
                        why: c.absent(),
                        broken: c.broken(),
                    },
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

/// Why a configuration fails the claim (below the threshold, or its runs broke), if it does.
fn failure(cell: &Cell, threshold: f64) -> Option<String> {
    match &cell.outcome {
        Outcome::Measured(cv) if cv.mean < threshold => {
            Some(format!("{}: CV accuracy {}", cell.label, fmt_acc(cv)))
        }
        Outcome::Measured(_) | Outcome::Absent { broken: 0, .. } => None,
        Outcome::Absent { why, broken } => {
            Some(format!("{}: {why}, {broken} diverged/failed", cell.label))
        }
    }
}

fn failures(m: &[Dataset]) -> Vec<String> {
    m.iter()
        .flat_map(|d| d.cells.iter().filter_map(|c| failure(c, d.threshold)))
        .collect()
}

/// Configurations with a finished run.
fn tested(m: &[Dataset]) -> usize {
    m.iter()
        .flat_map(|d| &d.cells)
        .filter(|c| matches!(c.outcome, Outcome::Measured(_)))
        .count()
}

/// Not testable without a finished He-uniform run; refuted by any failing configuration.
fn judge(m: &[Dataset]) -> Verdict {
    if tested(m) == 0 {
        Verdict::NotTestable
    } else if failures(m).is_empty() {
        Verdict::Confirmed
    } else {
        Verdict::Refuted
    }
}

/// `mnist: lowest final CV accuracy 0.912 (…), threshold 0.20`, when it has a finished run.
fn lowest_line(d: &Dataset) -> Option<String> {
    let mut lowest: Option<(&str, f64)> = None;
    for c in &d.cells {
        if let Outcome::Measured(cv) = &c.outcome
            && lowest.is_none_or(|(_, v)| cv.mean < v)
        {
            lowest = Some((&c.label, cv.mean));
        }
    }
    let (label, v) = lowest?;
    Some(format!(
        "{}: lowest final CV accuracy {v:.3} ({label}), threshold {:.2}",
        d.name, d.threshold
    ))
}

fn describe(m: &[Dataset], verdict: Verdict) -> ClaimCheck {
    let rule = format!(
        "\"learns\" = final CV accuracy ≥ {LEARN_FACTOR} × chance (0.2 for 10 classes); a configuration with no finished run counts as not shown to learn"
    );
    let mut evidence: Vec<String> = m.iter().filter_map(lowest_line).collect();
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
    let failing = failures(m);
    evidence.extend(failing.iter().cloned());
    let summary = match verdict {
        Verdict::NotTestable => "no finished He-uniform runs in this study".to_string(),
        Verdict::Confirmed => format!(
            "all {} He-uniform configurations reach the threshold",
            tested(m)
        ),
        Verdict::Refuted => format!(
            "{} He-uniform configuration(s) do not learn: {}",
            failing.len(),
            failing.join("; ")
        ),
    };
    ClaimCheck::new(2, verdict, summary, evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(cv: f64) -> Cell {
        Cell {
            label: format!("cv {cv}"),
            outcome: Outcome::Measured(Stat {
                mean: cv,
                std: 0.0,
                n: 1,
            }),
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
    fn all_above_the_threshold_is_confirmed() {
        let mm = m(vec![measured(0.9), measured(0.2), absent(0)]);
        assert_eq!(judge(&mm), Verdict::Confirmed);
        let c = describe(&mm, judge(&mm));
        assert_eq!(
            c.summary,
            "all 2 He-uniform configurations reach the threshold"
        );
        assert!(c.evidence[0].contains("lowest final CV accuracy 0.200"));
    }

    #[test]
    fn one_below_the_threshold_refutes() {
        assert_eq!(
            judge(&m(vec![measured(0.9), measured(0.1999)])),
            Verdict::Refuted
        );
    }

    #[test]
    fn diverged_runs_refute() {
        assert_eq!(judge(&m(vec![measured(0.9), absent(1)])), Verdict::Refuted);
    }

    #[test]
    fn no_finished_run_is_not_testable() {
        assert_eq!(judge(&m(vec![absent(2)])), Verdict::NotTestable);
        assert_eq!(judge(&[]), Verdict::NotTestable);
    }
}
