//! How a study's runs are grouped: sections (dataset × study × loss), the axes the grid
//! varies inside a section, panels (varied values of init × λ), series (optimizer and
//! whichever other non-seed axes vary) and cells (one configuration, all its seeds).
//!
//! Nothing here assumes the paper's grid: a user grid that varies only the learning rate
//! gets one panel with one series per learning rate; one that varies only the seed gets one
//! panel with one series (mean ± std over seeds).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::load::Run;

/// An axis along which runs of one section can differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Axis {
    Init,
    L2,
    Optimizer,
    Lr,
    BiasCorrection,
    L1,
    BatchSize,
    Architecture,
    Epochs,
    Seed,
}

impl Axis {
    /// Axes that make panels, in order (rows, then columns).
    pub const PANEL: [Axis; 2] = [Axis::Init, Axis::L2];
    /// Axes that make series inside a panel, in label order.
    pub const SERIES: [Axis; 7] = [
        Axis::Optimizer,
        Axis::Lr,
        Axis::BiasCorrection,
        Axis::L1,
        Axis::BatchSize,
        Axis::Architecture,
        Axis::Epochs,
    ];

    /// Short name used in labels.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Init => "init",
            Axis::L2 => "λ",
            Axis::Optimizer => "optimizer",
            Axis::Lr => "lr",
            Axis::BiasCorrection => "bias correction",
            Axis::L1 => "λ1",
            Axis::BatchSize => "batch",
            Axis::Architecture => "net",
            Axis::Epochs => "epochs",
            Axis::Seed => "seed",
        }
    }

    /// This axis' value for `run`.
    pub fn value(self, run: &Run) -> Value {
        match self {
            Axis::Init => Value::text(&run.init, rank(&["uniform", "he", "glorot"], &run.init)),
            Axis::L2 => Value::num(run.l2),
            Axis::Optimizer => Value::text(&run.optimizer, optimizer_rank(&run.optimizer)),
            Axis::Lr => Value::num(run.lr),
            Axis::BiasCorrection => Value::text(
                if run.bias_correction { "on" } else { "off" },
                if run.bias_correction { 0 } else { 1 },
            ),
            Axis::L1 => Value::num(run.l1),
            Axis::BatchSize => Value::num(run.batch_size as f64),
            Axis::Architecture => Value::text(&run.architecture, 0),
            Axis::Epochs => Value::num(run.epochs_planned as f64),
            Axis::Seed => Value::num(run.seed as f64),
        }
    }
}

/// The study's four optimizers in the order the original lists them.
pub const OPTIMIZERS: [&str; 4] = ["sgd", "momentum", "rmsprop", "adam"];

/// Position of an optimizer in [`OPTIMIZERS`] (unknown ones sort after, alphabetically).
pub fn optimizer_rank(name: &str) -> i64 {
    rank(&OPTIMIZERS, name)
}

fn rank(order: &[&str], name: &str) -> i64 {
    order
        .iter()
        .position(|o| *o == name)
        .map_or(order.len() as i64, |p| p as i64)
}

/// Human name of an initialization, as the original writes it.
pub fn init_label(init: &str) -> String {
    match init {
        "uniform" => "U[−1,1]".to_string(),
        "he" => "He uniform".to_string(),
        "glorot" => "Glorot uniform".to_string(),
        other => other.to_string(),
    }
}

/// Human name of an optimizer.
pub fn optimizer_label(opt: &str) -> String {
    match opt {
        "sgd" => "SGD".to_string(),
        "momentum" => "Momentum".to_string(),
        "rmsprop" => "RMSProp".to_string(),
        "adam" => "Adam".to_string(),
        other => other.to_string(),
    }
}

/// Formats a number compactly: integers without decimals, others with up to 4 significant
/// digits (`0.001`, `0.5`, `3`, `1e-5`).
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "?".to_string();
    }
    if v == v.trunc() && v.abs() < 1e9 {
        return format!("{}", v as i64);
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.0e}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// One value of an axis: ordered by a rank (for named values such as optimizers), then the
/// number, then the text.
#[derive(Debug, Clone)]
pub struct Value {
    rank: i64,
    num: f64,
    text: String,
}

impl Value {
    fn num(v: f64) -> Self {
        Value {
            rank: 0,
            num: v,
            text: fmt_num(v),
        }
    }
    fn text(s: &str, rank: i64) -> Self {
        Value {
            rank,
            num: 0.0,
            text: s.to_string(),
        }
    }
    /// The value as stored (`"he"`, `"0.001"`).
    pub fn raw(&self) -> &str {
        &self.text
    }
    /// The numeric value (0 for named values).
    pub fn as_f64(&self) -> f64 {
        self.num
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Value {}
impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank
            .cmp(&other.rank)
            .then(self.num.total_cmp(&other.num))
            .then_with(|| self.text.cmp(&other.text))
    }
}

/// A point in the grid: the values of some axes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key(pub Vec<(Axis, Value)>);

impl Key {
    /// The key of `run` on `axes`.
    pub fn of(run: &Run, axes: &[Axis]) -> Key {
        Key(axes.iter().map(|&a| (a, a.value(run))).collect())
    }

    /// The value of `axis`, if the key has it.
    pub fn get(&self, axis: Axis) -> Option<&Value> {
        self.0.iter().find(|(a, _)| *a == axis).map(|(_, v)| v)
    }

    /// A label such as `Adam, lr 0.001` or `He uniform, λ=3`; `fallback` when empty.
    pub fn label(&self, fallback: &str) -> String {
        if self.0.is_empty() {
            return fallback.to_string();
        }
        self.0
            .iter()
            .map(|(a, v)| match a {
                Axis::Init => init_label(v.raw()),
                Axis::Optimizer => optimizer_label(v.raw()),
                Axis::L2 => format!("λ={}", v.raw()),
                other => format!("{} {}", other.name(), v.raw()),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The runs of one dataset × study × loss, and how they are laid out.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    pub dataset: String,
    pub study: String,
    pub loss: String,
    pub runs: Vec<&'a Run>,
    /// Panel axes that vary in this section (subset of [`Axis::PANEL`]).
    pub panel_axes: Vec<Axis>,
    /// Series axes that vary in this section (subset of [`Axis::SERIES`]).
    pub series_axes: Vec<Axis>,
    /// Distinct values seen, per axis.
    pub values: BTreeMap<Axis, BTreeSet<Value>>,
}

/// Dataset order in the report: the original's three (and the CIFAR variant), then others.
fn dataset_rank(d: &str) -> i64 {
    rank(&["mnist", "fashion-mnist", "cifar10", "cifar10-jpeg"], d)
}

/// Splits runs into sections (dataset × study × loss), ordered MNIST, Fashion-MNIST,
/// CIFAR-10, cifar10-jpeg, then other datasets alphabetically.
pub fn sections(runs: &[Run]) -> Vec<Section<'_>> {
    let mut by: BTreeMap<(i64, String, String, String), Vec<&Run>> = BTreeMap::new();
    for r in runs {
        by.entry((
            dataset_rank(&r.dataset),
            r.dataset.clone(),
            r.study.clone(),
            r.loss.clone(),
        ))
        .or_default()
        .push(r);
    }
    by.into_iter()
        .map(|((_, dataset, study, loss), runs)| Section::new(dataset, study, loss, runs))
        .collect()
}

impl<'a> Section<'a> {
    fn new(dataset: String, study: String, loss: String, runs: Vec<&'a Run>) -> Self {
        let mut values: BTreeMap<Axis, BTreeSet<Value>> = BTreeMap::new();
        let all = Axis::PANEL
            .iter()
            .chain(Axis::SERIES.iter())
            .chain([Axis::Seed].iter());
        for &axis in all {
            values.insert(axis, runs.iter().map(|r| axis.value(r)).collect());
        }
        let varies = |a: &Axis| values.get(a).is_some_and(|s| s.len() > 1);
        let panel_axes = Axis::PANEL.iter().copied().filter(varies).collect();
        let series_axes = Axis::SERIES.iter().copied().filter(varies).collect();
        Section {
            dataset,
            study,
            loss,
            runs,
            panel_axes,
            series_axes,
            values,
        }
    }

    /// Heading text, e.g. `mnist — study paper-mnist, loss mse`.
    pub fn title(&self) -> String {
        format!(
            "{} — study {}, loss {}",
            self.dataset, self.study, self.loss
        )
    }

    /// A file-name-safe slug for figures, unique per section.
    pub fn slug(&self) -> String {
        let raw = format!("{}-{}-{}", self.dataset, self.study, self.loss);
        let mut s: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        while s.contains("--") {
            s = s.replace("--", "-");
        }
        s.trim_matches('-').to_string()
    }

    /// Number of distinct values of `axis`.
    pub fn count(&self, axis: Axis) -> usize {
        self.values.get(&axis).map_or(0, |s| s.len())
    }

    /// Runs grouped by `axes` (seeds and everything else merged), sorted by key.
    pub fn group_by(&self, axes: &[Axis]) -> BTreeMap<Key, Vec<&'a Run>> {
        let mut m: BTreeMap<Key, Vec<&Run>> = BTreeMap::new();
        for r in &self.runs {
            m.entry(Key::of(r, axes)).or_default().push(r);
        }
        m
    }

    /// All panel keys: the product of the varied panel axes' values (so an empty
    /// combination shows up as a missing panel rather than vanishing).
    pub fn panel_keys(&self) -> Vec<Key> {
        self.product(&self.panel_axes)
    }

    /// Every (init, λ) combination of the grid, always both axes (tables are per init × λ).
    pub fn table_keys(&self) -> Vec<Key> {
        self.product(&Axis::PANEL)
    }

    /// Distinct series keys present anywhere in the section.
    pub fn series_keys(&self) -> Vec<Key> {
        self.group_by(&self.series_axes).into_keys().collect()
    }

    fn product(&self, axes: &[Axis]) -> Vec<Key> {
        let mut keys = vec![Key(Vec::new())];
        for &a in axes {
            let vals: Vec<Value> = self
                .values
                .get(&a)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            keys = keys
                .into_iter()
                .flat_map(|k| {
                    vals.iter().map(move |v| {
                        let mut k2 = k.clone();
                        k2.0.push((a, v.clone()));
                        k2
                    })
                })
                .collect();
        }
        keys
    }

    /// The runs matching every (axis, value) of `keys` (all seeds).
    pub fn runs_at(&self, keys: &[&Key]) -> Vec<&'a Run> {
        self.runs
            .iter()
            .copied()
            .filter(|r| {
                keys.iter()
                    .all(|k| k.0.iter().all(|(a, v)| a.value(r) == *v))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt_num_is_compact() {
        assert_eq!(fmt_num(0.001), "0.001");
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(1e-5), "1e-5");
        assert_eq!(fmt_num(f64::NAN), "?");
    }
}
