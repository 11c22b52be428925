//! The selection rule: how the candidates of one rung are ranked, and the metric they are
//! ranked by.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::stats::Summary;

/// What candidates are ranked by: the CV split's accuracy (higher is better) or cost (lower
/// is better) at the rung's last epoch, averaged over the seeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Final CV accuracy (the default).
    #[default]
    CvAcc,
    /// Final CV cost.
    CvCost,
}

impl Metric {
    /// True when a larger value is better.
    pub fn higher_is_better(self) -> bool {
        self == Metric::CvAcc
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Metric::CvAcc => "cv-acc",
            Metric::CvCost => "cv-cost",
        })
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cv-acc" => Ok(Metric::CvAcc),
            "cv-cost" => Ok(Metric::CvCost),
            other => Err(format!(
                "--metric {other}: unknown metric; valid: cv-acc (final CV accuracy), cv-cost \
                 (final CV cost)"
            )),
        }
    }
}

/// One candidate at one rung: its rate, the metric of each seed that finished (`done`), and
/// how many seeds diverged or failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// The learning rate.
    pub lr: f64,
    /// The metric of every seed that finished with a finite value.
    pub values: Vec<f64>,
    /// Seeds that diverged, failed or gave no finite metric.
    pub bad: usize,
}

impl Score {
    /// Mean, sample standard deviation and interval of `values`; `None` when no seed finished.
    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.values)
    }
}

/// The candidates' indices, best first. A candidate with a diverged or failed seed ranks
/// below every candidate without one (among those: fewer bad seeds first); then the better
/// mean metric; ties go to the smaller rate.
///
/// ```
/// use mlplab::study::tune::{Metric, Score, rank};
/// let s = |lr: f64, values: &[f64], bad| Score { lr, values: values.to_vec(), bad };
/// let scores = [s(0.1, &[0.5, 0.6], 0), s(1.0, &[0.9], 1), s(0.3, &[0.7, 0.7], 0)];
/// assert_eq!(rank(&scores, Metric::CvAcc), [2, 0, 1]);
/// ```
pub fn rank(scores: &[Score], metric: Metric) -> Vec<usize> {
    let mean = |s: &Score| s.summary().map(|m| m.mean);
    let by_metric = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if metric.higher_is_better() => b.total_cmp(&a),
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&scores[i], &scores[j]);
        a.bad
            .cmp(&b.bad)
            .then_with(|| by_metric(mean(a), mean(b)))
            .then_with(|| a.lr.total_cmp(&b.lr))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(lr: f64, values: &[f64], bad: usize) -> Score {
        Score {
            lr,
            values: values.to_vec(),
            bad,
        }
    }

    #[test]
    fn the_best_mean_wins_and_ties_go_to_the_smaller_rate() {
        let scores = [
            s(1.0, &[0.8, 0.8], 0),
            s(0.1, &[0.8, 0.8], 0),
            s(0.3, &[0.6, 0.7], 0),
        ];
        assert_eq!(rank(&scores, Metric::CvAcc), [1, 0, 2]);
        // Cost: lower is better.
        assert_eq!(rank(&scores, Metric::CvCost), [2, 1, 0]);
    }

    #[test]
    fn a_diverged_seed_ranks_below_every_clean_candidate() {
        // 3.0 has the best mean over the seeds that finished, but one diverged.
        let scores = [
            s(0.01, &[0.1, 0.1, 0.1], 0),
            s(3.0, &[0.99, 0.99], 1),
            s(1.0, &[0.9, 0.9, 0.9], 0),
            s(10.0, &[], 3),
            s(5.0, &[0.2], 2),
        ];
        assert_eq!(rank(&scores, Metric::CvAcc), [2, 0, 1, 4, 3]);
        assert_eq!(rank(&scores, Metric::CvCost), [0, 2, 1, 4, 3]);
        // Among all-diverged candidates the smaller rate comes first.
        let all_bad = [s(3.0, &[], 2), s(1.0, &[], 2)];
        assert_eq!(rank(&all_bad, Metric::CvAcc), [1, 0]);
    }

    #[test]
    fn metrics_parse_by_their_names() {
        assert_eq!("cv-cost".parse::<Metric>(), Ok(Metric::CvCost));
        let e = "accuracy".parse::<Metric>().unwrap_err();
        assert!(e.contains("accuracy") && e.contains("cv-cost"), "{e}");
        assert_eq!(Metric::CvAcc.to_string(), "cv-acc");
    }
}
