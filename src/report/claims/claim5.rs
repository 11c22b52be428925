//! Claim 5: RMSProp shows large periodic spikes in cost and accuracy.
//!
//! Rule: a cost spike = a mini-batch cost > [`SPIKE_FACTOR`] × the median of the previous
//! [`SPIKE_WINDOW`] mini-batch costs; an accuracy spike = a mini-batch accuracy more than
//! [`ACC_DROP`] below that running median (consecutive spiking steps count once). On the
//! per-run cost-spike rates (spikes per 1,000 mini-batches), all runs of all datasets
//! pooled: RMSProp's mean rate > [`SPIKE_MIN_RATE`] (one-sided one-sample t) and >
//! [`SPIKE_RATIO`] × every other optimizer's (one-sided t, paired by dataset, init, λ and
//! seed where the runs match, else Welch); Holm over the tests.

use std::collections::BTreeMap;

use super::check::{ClaimCheck, Verdict};
use super::common::{BatchRow, Sample, batch_curves, name, optimizer_label, optimizer_rank, rate};
use super::inference::{ALPHA, Part, failing, judge as decide, tally};
use crate::report::grid::Section;
use crate::report::stats::median;

/// A mini-batch cost spike is a cost above this × the median of the previous
/// [`SPIKE_WINDOW`] mini-batch costs (consecutive spiking steps count as one spike).
pub const SPIKE_FACTOR: f64 = 3.0;
/// Length of the trailing window for the running median.
pub const SPIKE_WINDOW: usize = 50;
/// An accuracy spike is a mini-batch accuracy this far below the running median.
pub const ACC_DROP: f64 = 0.2;
/// RMSProp "spikes" if its mean per-run spike rate is more than this × every other
/// optimizer's …
pub const SPIKE_RATIO: f64 = 2.0;
/// … and more than this many spikes per 1,000 mini-batches.
pub const SPIKE_MIN_RATE: f64 = 1.0;
/// The optimizer the claim is about.
const RMSPROP: &str = "rmsprop";

/// Spike counts of one optimizer, over some runs.
#[derive(Debug, Clone, Default, PartialEq)]
struct Tally {
    /// Cost spikes.
    cost: usize,
    /// Accuracy drops.
    acc: usize,
    /// Mini-batches.
    steps: usize,
    /// Mini-batches between consecutive cost spikes of one run.
    intervals: Vec<i64>,
    /// Per run (keyed by dataset, init, λ, seed): cost spikes per 1,000 mini-batches.
    per_run: Vec<(String, f64)>,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.cost += other.cost;
        self.acc += other.acc;
        self.steps += other.steps;
        self.intervals.extend_from_slice(&other.intervals);
        self.per_run.extend_from_slice(&other.per_run);
    }

    /// The per-run rates as a sample.
    fn sample(&self) -> Sample {
        Sample(self.per_run.clone())
    }
}

/// Tallies per optimizer, in the original's optimizer order.
type PerOptimizer = Vec<(String, Tally)>;

/// What claim 5 looks at.
#[derive(Debug, Clone, PartialEq, Default)]
struct Measurement {
    /// Per dataset (section name), only those with mini-batch curves.
    datasets: Vec<(String, PerOptimizer)>,
    /// All datasets pooled.
    pooled: PerOptimizer,
}

/// Checks claim 5 on the primary sections.
pub fn check(sections: &[&Section]) -> ClaimCheck {
    let m = measure(sections);
    let j = judge(&m);
    describe(&m, j)
}

/// Spike events in one run's mini-batch curve, with the steps at which cost spikes start.
fn spikes(batches: &[BatchRow]) -> Tally {
    let mut cost_hist: Vec<f64> = Vec::new();
    let mut acc_hist: Vec<f64> = Vec::new();
    let (mut in_cost, mut in_acc) = (false, false);
    let mut starts = Vec::new();
    let mut t = Tally {
        steps: batches.len(),
        ..Tally::default()
    };
    for b in batches {
        if let Some(c) = b.cost {
            let window = &cost_hist[cost_hist.len().saturating_sub(SPIKE_WINDOW)..];
            let spike = window.len() >= SPIKE_WINDOW / 2
                && median(window).is_some_and(|m| c > SPIKE_FACTOR * m);
            if spike && !in_cost {
                t.cost += 1;
                starts.push(b.step);
            }
            in_cost = spike;
            cost_hist.push(c);
        }
        if let Some(a) = b.accuracy {
            let window = &acc_hist[acc_hist.len().saturating_sub(SPIKE_WINDOW)..];
            let drop = window.len() >= SPIKE_WINDOW / 2
                && median(window).is_some_and(|m| a < m - ACC_DROP);
            if drop && !in_acc {
                t.acc += 1;
            }
            in_acc = drop;
            acc_hist.push(a);
        }
    }
    t.intervals = starts.windows(2).map(|w| w[1] - w[0]).collect();
    t
}

fn measure(sections: &[&Section]) -> Measurement {
    let mut pooled: BTreeMap<(i64, String), Tally> = BTreeMap::new();
    let mut datasets = Vec::new();
    for s in sections {
        let mut per: BTreeMap<(i64, String), Tally> = BTreeMap::new();
        for (opt, key, batches) in batch_curves(s) {
            let mut t = spikes(batches);
            t.per_run = vec![(key, rate(t.cost, t.steps))];
            let key = (optimizer_rank(opt), opt.to_string());
            per.entry(key.clone()).or_default().add(&t);
            pooled.entry(key).or_default().add(&t);
        }
        if !per.is_empty() {
            datasets.push((name(s), per.into_iter().map(|((_, o), t)| (o, t)).collect()));
        }
    }
    Measurement {
        datasets,
        pooled: pooled.into_iter().map(|((_, o), t)| (o, t)).collect(),
    }
}

/// RMSProp's pooled tally.
fn rmsprop(m: &Measurement) -> Option<&Tally> {
    m.pooled.iter().find(|(o, _)| o == RMSPROP).map(|(_, t)| t)
}

/// Cost-spike rate of every other optimizer (pooled over its runs).
fn others(m: &Measurement) -> Vec<(&str, f64)> {
    m.pooled
        .iter()
        .filter(|(o, _)| o != RMSPROP)
        .map(|(o, t)| (o.as_str(), rate(t.cost, t.steps)))
        .collect()
}

/// The largest of the other optimizers' rates (0 when none).
fn max_other(m: &Measurement) -> f64 {
    others(m).iter().map(|o| o.1).fold(0.0, f64::max)
}

/// Not testable without RMSProp curves and another optimizer's; otherwise the verdict of
/// the tests on the per-run rates.
fn judge(m: &Measurement) -> (Verdict, Vec<Part>) {
    let Some(rms) = rmsprop(m) else {
        return (Verdict::NotTestable, Vec::new());
    };
    if others(m).is_empty() {
        return (Verdict::NotTestable, Vec::new());
    }
    let r = rms.sample();
    let mut parts = vec![Part::above(
        format!("RMSProp cost spikes per 1,000 mini-batches > {SPIKE_MIN_RATE}"),
        &r,
        SPIKE_MIN_RATE,
    )];
    for (o, t) in m.pooled.iter().filter(|(o, _)| o != RMSPROP) {
        parts.push(Part::greater(
            format!(
                "RMSProp spike rate > {SPIKE_RATIO} × {}'s",
                optimizer_label(o)
            ),
            &r,
            &t.sample(),
            SPIKE_RATIO,
        ));
    }
    (decide(&mut parts), parts)
}

fn dataset_line(name: &str, per: &PerOptimizer) -> String {
    format!(
        "{name}: cost / accuracy spikes per 1,000 mini-batches: {}",
        per.iter()
            .map(|(o, t)| format!(
                "{} {:.2} / {:.2}",
                optimizer_label(o),
                rate(t.cost, t.steps),
                rate(t.acc, t.steps)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// RMSProp's rates and spacing against the other optimizers' rates.
fn comparison(m: &Measurement, rms: &Tally) -> String {
    let intervals: Vec<f64> = rms.intervals.iter().map(|&x| x as f64).collect();
    format!(
        "RMSProp: {:.2} cost spikes and {:.2} accuracy spikes per 1,000 mini-batches{}; the others at most {:.2} ({})",
        rate(rms.cost, rms.steps),
        rate(rms.acc, rms.steps),
        median(&intervals).map_or(String::new(), |i| format!(
            ", median {i:.0} mini-batches apart"
        )),
        max_other(m),
        others(m)
            .iter()
            .map(|(o, r)| format!("{} {r:.2}", optimizer_label(o)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn describe(m: &Measurement, (verdict, parts): (Verdict, Vec<Part>)) -> ClaimCheck {
    let rule = format!(
        "a cost spike = a mini-batch cost > {SPIKE_FACTOR} × the median of the previous {SPIKE_WINDOW} mini-batches; an accuracy spike = a mini-batch accuracy more than {ACC_DROP} below that running median (consecutive steps count once). On the per-run cost-spike rates (all runs of all datasets pooled): RMSProp's mean > {SPIKE_MIN_RATE} per 1,000 mini-batches (one-sided one-sample t) and > {SPIKE_RATIO} × every other optimizer's (one-sided t, paired by dataset, init, λ and seed where the runs match, else Welch); Holm over the tests, α = {ALPHA}"
    );
    let mut evidence: Vec<String> = parts.iter().map(Part::line).collect();
    evidence.extend(m.datasets.iter().map(|(n, per)| dataset_line(n, per)));
    let summary = match rmsprop(m) {
        None => "no RMSProp runs with mini-batch curves in this study".to_string(),
        Some(_) if others(m).is_empty() => "no other optimizer to compare RMSProp with".to_string(),
        Some(rms) => {
            let lead = match verdict {
                Verdict::Confirmed => "RMSProp spikes".to_string(),
                Verdict::Refuted => format!("fails: {}", failing(&parts)),
                Verdict::Inconclusive(_) => format!("cannot decide at α = {ALPHA}"),
                Verdict::NotTestable => String::new(),
            };
            format!("{lead}: {}; {}", comparison(m, rms), tally(&parts))
        }
    };
    ClaimCheck::new(5, verdict, summary, evidence, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::SeedsNeeded;

    /// A tally of runs with these cost-spike counts per 1,000 mini-batches.
    fn tally_of(counts: &[usize]) -> Tally {
        let mut t = Tally::default();
        for (i, &c) in counts.iter().enumerate() {
            t.add(&Tally {
                cost: c,
                steps: 1000,
                per_run: vec![(format!("mnist/he/0/{}", i + 1), c as f64)],
                ..Tally::default()
            });
        }
        t
    }

    fn m(rms: &[usize], other: &[usize]) -> Measurement {
        Measurement {
            datasets: vec![],
            pooled: vec![
                ("sgd".into(), tally_of(other)),
                (RMSPROP.into(), tally_of(rms)),
            ],
        }
    }

    #[test]
    fn frequent_rmsprop_spikes_are_confirmed() {
        let mm = m(&[10, 12, 9, 11], &[1, 0, 1, 2]);
        let j = judge(&mm);
        assert_eq!(j.0, Verdict::Confirmed);
        let c = describe(&mm, j);
        assert!(
            c.evidence[1].contains("RMSProp spike rate > 2 × SGD's: paired t (n = 4)"),
            "{}",
            c.evidence[1]
        );
        assert!(c.summary.starts_with("RMSProp spikes: "), "{}", c.summary);
    }

    #[test]
    fn rmsprop_no_spikier_than_sgd_refutes() {
        assert_eq!(judge(&m(&[1, 2, 1, 2], &[5, 6, 5, 6])).0, Verdict::Refuted);
        assert_eq!(
            judge(&m(&[0, 0, 0], &[0, 0, 0])).0,
            Verdict::Refuted,
            "below the minimum rate"
        );
    }

    #[test]
    fn spike_rates_that_vary_a_lot_between_runs_are_inconclusive() {
        let v = judge(&m(&[9, 0, 1, 5], &[1, 2, 1, 0])).0;
        assert!(
            matches!(v, Verdict::Inconclusive(SeedsNeeded::About(_))),
            "{v:?}"
        );
    }

    #[test]
    fn one_run_each_is_inconclusive() {
        assert_eq!(
            judge(&m(&[10], &[1])).0,
            Verdict::Inconclusive(SeedsNeeded::Unknown)
        );
    }

    #[test]
    fn without_rmsprop_or_a_rival_not_testable() {
        let mut only_rms = m(&[10, 11], &[0, 0]);
        only_rms.pooled.remove(0);
        assert_eq!(judge(&only_rms).0, Verdict::NotTestable);
        let mut no_rms = m(&[10, 11], &[0, 0]);
        no_rms.pooled.remove(1);
        assert_eq!(judge(&no_rms).0, Verdict::NotTestable);
    }

    #[test]
    fn a_spike_is_counted_once_and_only_after_half_a_window() {
        let mut rows: Vec<BatchRow> = (1..=100)
            .map(|step| BatchRow {
                step,
                epoch: 1,
                cost: Some(1.0),
                accuracy: Some(0.9),
            })
            .collect();
        // Too early to count (fewer than SPIKE_WINDOW / 2 steps before it).
        rows[0].cost = Some(100.0);
        rows[0].accuracy = Some(0.1);
        // Two consecutive spiking steps are one spike.
        for r in &mut rows[59..61] {
            r.cost = Some(3.5);
            r.accuracy = Some(0.1);
        }
        // Not above SPIKE_FACTOR × the median, not more than ACC_DROP below it.
        rows[79].cost = Some(3.0);
        rows[79].accuracy = Some(0.8);
        let t = spikes(&rows);
        assert_eq!((t.cost, t.acc, t.steps), (1, 1, 100));
    }
}
