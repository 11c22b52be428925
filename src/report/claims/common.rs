//! What every claim shares: the one door to the study's sections and runs (the accessors
//! below are the only code in `claims/` that reads [`Section`] or [`Run`] fields, so a
//! change of how the report groups runs touches this file alone), the learning threshold,
//! and the formatting of numbers in verdicts.

use std::collections::BTreeMap;

use crate::report::grid::{Axis, Key, Section};
use crate::report::load::{EpochRow, Run, RunStatus};
use crate::report::tables::summarize;

pub use super::inference::Sample;

pub use crate::report::grid::{OPTIMIZERS, fmt_num, init_label, optimizer_label, optimizer_rank};
pub use crate::report::load::BatchRow;
pub use crate::report::paper::is_cifar10;

/// "Learns" / "real progress": final CV accuracy ≥ this × chance (1 / classes), i.e. 0.2
/// for 10 classes.
pub const LEARN_FACTOR: f64 = 2.0;

/// One section per dataset: the MSE one if any, else the one with most runs, in the
/// report's dataset order.
pub fn primary_sections<'s, 'a>(sections: &'s [Section<'a>]) -> Vec<&'s Section<'a>> {
    let mut by: BTreeMap<&str, Vec<&Section>> = BTreeMap::new();
    for s in sections {
        by.entry(s.dataset.as_str()).or_default().push(s);
    }
    let mut out: Vec<&Section> = by
        .into_values()
        .filter_map(|v| {
            v.into_iter()
                .max_by_key(|s| (s.loss == "mse", s.runs.len()))
        })
        .collect();
    out.sort_by_key(|s| {
        sections
            .iter()
            .position(|t| std::ptr::eq(t, *s))
            .unwrap_or(usize::MAX)
    });
    out
}

/// The learning threshold for a section: [`LEARN_FACTOR`] × chance (1 / classes, 10
/// classes when the architecture does not say).
pub fn learn_threshold(section: &Section) -> f64 {
    let classes = section.runs.iter().find_map(|r| r.classes()).unwrap_or(10);
    LEARN_FACTOR / classes as f64
}

/// The section's dataset, e.g. `mnist`, `cifar10-jpeg`.
pub fn dataset<'s>(section: &'s Section) -> &'s str {
    &section.dataset
}

/// A section's name in verdicts, noting a non-MSE loss: `mnist`, `mnist (cce)`.
pub fn name(section: &Section) -> String {
    if section.loss == "mse" {
        section.dataset.clone()
    } else {
        format!("{} ({})", section.dataset, section.loss)
    }
}

/// The λ values of the section, ascending.
pub fn l2_values(section: &Section) -> Vec<f64> {
    section
        .values
        .get(&Axis::L2)
        .map(|s| s.iter().map(|v| v.as_f64()).collect())
        .unwrap_or_default()
}

/// The optimizers of the section, in the original's order.
pub fn optimizers(section: &Section) -> Vec<String> {
    section
        .values
        .get(&Axis::Optimizer)
        .map(|s| s.iter().map(|v| v.raw().to_string()).collect())
        .unwrap_or_default()
}

/// The initializations of the section (`uniform`, `he`, `glorot`, … in that order).
pub fn inits(section: &Section) -> Vec<String> {
    section
        .values
        .get(&Axis::Init)
        .map(|v| v.iter().map(|x| x.raw().to_string()).collect())
        .unwrap_or_default()
}

/// Whether any run of the section uses `init`.
pub fn has_init(section: &Section, init: &str) -> bool {
    section.runs.iter().any(|r| r.init == init)
}

/// The λ the original's tables are at (0), or the smallest one the section has.
pub fn base_l2(section: &Section) -> Option<f64> {
    let l2s = l2_values(section);
    if l2s.contains(&0.0) {
        Some(0.0)
    } else {
        l2s.first().copied()
    }
}

/// The mini-batch curve of every run of the section that has one (any status), with the
/// run's optimizer and the key that pairs it with other optimizers' runs (dataset, init, λ,
/// seed), in the section's run order.
pub fn batch_curves<'a>(section: &Section<'a>) -> Vec<(&'a str, String, &'a [BatchRow])> {
    section
        .runs
        .iter()
        .filter(|r| !r.batches.is_empty())
        .map(|r| {
            let key = format!("{}/{}/{}/{}", section.dataset, r.init, r.l2, r.seed);
            (r.optimizer.as_str(), key, r.batches.as_slice())
        })
        .collect()
}

/// A per-epoch number the claims read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Accuracy on the training split.
    TrainAcc,
}

impl Metric {
    fn of(self, e: &EpochRow) -> Option<f64> {
        match self {
            Metric::TrainAcc => e.train_acc,
        }
    }
}

/// The runs of one (init, λ, optimizer) configuration, best variant chosen (see [`config`]).
pub struct Cfg<'a> {
    done: Vec<&'a Run>,
    all: usize,
    broken: usize,
    variant: Option<String>,
}

/// The runs of one (init, λ, optimizer) configuration of `section`, choosing the best
/// variant (learning rate, …: the other series axes) by mean final CV accuracy when there
/// are several.
pub fn config<'a>(section: &Section<'a>, init: &str, l2: f64, optimizer: &str) -> Cfg<'a> {
    let other: Vec<Axis> = section
        .series_axes
        .iter()
        .copied()
        .filter(|a| *a != Axis::Optimizer)
        .collect();
    let mut groups: BTreeMap<Key, Vec<&Run>> = BTreeMap::new();
    for r in section.runs.iter().copied() {
        if r.init == init && r.l2 == l2 && r.optimizer == optimizer {
            groups.entry(Key::of(r, &other)).or_default().push(r);
        }
    }
    let n_groups = groups.len();
    let best = groups.into_iter().max_by(|a, b| {
        let sa = summarize(&a.1).cv_acc.map_or(f64::NEG_INFINITY, |s| s.mean);
        let sb = summarize(&b.1).cv_acc.map_or(f64::NEG_INFINITY, |s| s.mean);
        sa.total_cmp(&sb)
    });
    let Some((k, rs)) = best else {
        return Cfg {
            done: vec![],
            all: 0,
            broken: 0,
            variant: None,
        };
    };
    Cfg {
        all: rs.len(),
        broken: rs
            .iter()
            .filter(|r| matches!(r.status, RunStatus::Diverged | RunStatus::Failed))
            .count(),
        done: rs
            .into_iter()
            .filter(|r| r.status == RunStatus::Done)
            .collect(),
        variant: (n_groups > 1).then(|| format!("best of {n_groups}: {}", k.label(""))),
    }
}

impl Cfg<'_> {
    /// Whether at least one run finished.
    pub fn any_done(&self) -> bool {
        !self.done.is_empty()
    }

    /// Runs that diverged or failed.
    pub fn broken(&self) -> usize {
        self.broken
    }

    /// The last evaluated epoch of any finished run.
    pub fn last_epoch(&self) -> Option<i64> {
        self.done
            .iter()
            .filter_map(|r| r.last_epoch().map(|e| e.epoch))
            .max()
    }

    /// Per finished seed (keyed by the run's seed), the value `f` gives; runs for which
    /// it gives none or a non-finite value are left out.
    pub fn sample(&self, f: impl Fn(&Run) -> Option<f64>) -> Sample {
        Sample(
            self.done
                .iter()
                .filter_map(|r| {
                    f(r).filter(|v| v.is_finite())
                        .map(|v| (r.seed.to_string(), v))
                })
                .collect(),
        )
    }

    /// Final CV accuracy per finished seed.
    pub fn final_cv_sample(&self) -> Sample {
        self.sample(|r| r.last_epoch().and_then(|e| e.cv_acc))
    }

    /// Final generalization gap per finished seed.
    pub fn final_gap_sample(&self) -> Sample {
        self.sample(|r| r.last_epoch().and_then(|e| e.gap()))
    }

    /// `metric` at `epoch` per finished seed.
    pub fn sample_at(&self, epoch: i64, metric: Metric) -> Sample {
        self.sample(|r| r.at_epoch(epoch).and_then(|e| metric.of(e)))
    }

    /// The relative fall of the training cost over the last `window` epochs of each finished
    /// run, `(J(end − window) − J(end)) / J(end − window)`, when both are known and the
    /// earlier is positive.
    pub fn cost_fall_sample(&self, window: i64) -> Sample {
        self.sample(|r| {
            let end = r.last_epoch()?;
            let before = r.at_epoch(end.epoch - window)?.train_cost?;
            let last = end.train_cost?;
            (before > 0.0).then(|| (before - last) / before)
        })
    }

    /// Per finished seed, the first epoch whose CV accuracy reaches `threshold` (seeds that
    /// never reach it are left out).
    pub fn onset_sample(&self, threshold: f64) -> Sample {
        self.sample(|r| {
            r.epochs
                .iter()
                .find(|e| e.cv_acc.is_some_and(|v| v >= threshold))
                .map(|e| e.epoch as f64)
        })
    }

    /// Why there is no number: `missing`, or `k of n runs done`.
    pub fn absent(&self) -> String {
        if self.all == 0 {
            "missing".to_string()
        } else {
            format!("{} of {} runs done", self.done.len(), self.all)
        }
    }

    /// ` [best of 3: lr 0.01]` when a variant was chosen, else empty.
    pub fn suffix(&self) -> String {
        self.variant
            .as_ref()
            .map_or(String::new(), |v| format!(" [{v}]"))
    }
}

/// Events per 1,000 mini-batches (0 when there were no mini-batches).
pub fn rate(events: usize, steps: usize) -> f64 {
    if steps == 0 {
        0.0
    } else {
        events as f64 * 1000.0 / steps as f64
    }
}
