//! What every claim shares: the one door to the study's sections and runs (the accessors
//! below are the only code in `claims/` that reads [`Section`] or [`Run`] fields, so a
//! change of how the report groups runs touches this file alone), the learning threshold,
//! and the formatting of numbers in verdicts.

use std::collections::BTreeMap;

use crate::report::grid::{Axis, Key, Section};
use crate::report::load::{EpochRow, Run, RunStatus};
use crate::report::stats::Stat;
use crate::report::tables::summarize;

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
/// run's optimizer, in the section's run order.
pub fn batch_curves<'a>(section: &Section<'a>) -> Vec<(&'a str, &'a [BatchRow])> {
    section
        .runs
        .iter()
        .filter(|r| !r.batches.is_empty())
        .map(|r| (r.optimizer.as_str(), r.batches.as_slice()))
        .collect()
}

/// A per-epoch number the claims read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Full cost J on the training split.
    TrainCost,
    /// Accuracy on the training split.
    TrainAcc,
    /// Accuracy on the cross-validation split.
    CvAcc,
}

impl Metric {
    fn of(self, e: &EpochRow) -> Option<f64> {
        match self {
            Metric::TrainCost => e.train_cost,
            Metric::TrainAcc => e.train_acc,
            Metric::CvAcc => e.cv_acc,
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

    /// Final CV accuracy over the finished seeds.
    pub fn final_cv(&self) -> Option<Stat> {
        Stat::of(
            self.done
                .iter()
                .filter_map(|r| r.last_epoch().and_then(|e| e.cv_acc)),
        )
    }

    /// Final generalization gap (train − CV accuracy) over the finished seeds.
    pub fn final_gap(&self) -> Option<Stat> {
        Stat::of(
            self.done
                .iter()
                .filter_map(|r| r.last_epoch().and_then(|e| e.gap())),
        )
    }

    /// The last evaluated epoch of any finished run.
    pub fn last_epoch(&self) -> Option<i64> {
        self.done
            .iter()
            .filter_map(|r| r.last_epoch().map(|e| e.epoch))
            .max()
    }

    /// Mean over the finished seeds of `metric` at `epoch`.
    pub fn mean_at(&self, epoch: i64, metric: Metric) -> Option<f64> {
        Stat::of(
            self.done
                .iter()
                .filter_map(|r| r.at_epoch(epoch).and_then(|e| metric.of(e))),
        )
        .map(|s| s.mean)
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

/// `0.912`, or `0.912 ± 0.004 (n=3)` over several seeds.
pub fn fmt_acc(s: &Stat) -> String {
    if s.n > 1 {
        format!("{:.3} ± {:.3} (n={})", s.mean, s.std, s.n)
    } else {
        format!("{:.3}", s.mean)
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

/// Maximum of some numbers (−∞ when there are none).
pub fn max_of(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().fold(f64::NEG_INFINITY, f64::max)
}

/// Minimum of some numbers (+∞ when there are none).
pub fn min_of(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().fold(f64::INFINITY, f64::min)
}
