//! How a study's runs are grouped: sections (dataset × study × loss), the axes the grid
//! varies inside a section, panels (varied values of init × λ), series (optimizer and
//! whichever other non-seed axes vary) and cells (one configuration, all its seeds).
//!
//! A cell is a run's stored configuration less seed and threads (`runs.cell_key`). The axes
//! of a section are the settings that vary in it: the named ones (init, λ, optimizer, lr, …,
//! read from the run's columns, labelled as the original report does) and, for any other
//! setting of the stored configuration that separates runs the named axes would pool (β, ε,
//! the split, standardization, shuffling, …), an [`Axis::Setting`] named by its dotted path.
//! So a table row or a series is always exactly one cell; should two cells still share every
//! axis value, [`Axis::Cell`] (the cell key) separates them.
//!
//! Nothing here assumes the paper's grid: a user grid that varies only the learning rate
//! gets one panel with one series per learning rate; one that varies only the seed gets one
//! panel with one series (mean ± std over seeds).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

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
    /// A setting of the stored configuration that no named axis shows.
    Setting(Setting),
    /// The cell key itself: only when cells share every other axis value.
    Cell,
}

/// A setting of the stored configuration by its dotted path (`train.optimizer.beta1`).
///
/// The path is interned: each distinct path is allocated once per process and kept (a few
/// dozen short strings at most), so that [`Axis`] stays a plain `Copy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Setting(&'static str);

impl Setting {
    /// The setting at `path`.
    pub fn new(path: &str) -> Setting {
        static PATHS: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
        let mut paths = PATHS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(p) = paths.get(path) {
            return Setting(p);
        }
        let p: &'static str = Box::leak(path.to_owned().into_boxed_str());
        paths.insert(p);
        Setting(p)
    }

    /// The dotted path.
    pub fn path(self) -> &'static str {
        self.0
    }
}

/// The settings of the stored configuration that the named axes (or the section) already
/// show, as dotted paths; a path under one of them (`network.init.…`) is covered too.
const NAMED_SETTINGS: [&str; 11] = [
    "data.dataset",
    "train.loss",
    "network.init",
    "train.regularization.l2",
    "train.optimizer.kind",
    "train.optimizer.lr",
    "train.optimizer.bias_correction",
    "train.regularization.l1",
    "train.batch_size",
    "train.epochs",
    "network.hidden",
];

/// The architecture column shows these (with the input width, from the data).
const ARCHITECTURE_SETTINGS: [&str; 2] = ["network.activation", "network.output"];

fn is_named(path: &str) -> bool {
    NAMED_SETTINGS
        .iter()
        .chain(&ARCHITECTURE_SETTINGS)
        .any(|n| {
            path == *n
                || path
                    .strip_prefix(n)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// A stored setting as an axis value: numbers order numerically, everything else by text.
fn setting_value(v: Option<&serde_json::Value>) -> Value {
    use serde_json::Value as J;
    match v {
        None => Value::text("unset", 0),
        Some(J::Number(n)) => n
            .as_f64()
            .map_or_else(|| Value::text(&n.to_string(), 0), Value::num),
        Some(J::String(s)) => Value::text(s, 0),
        Some(other) => Value::text(&other.to_string(), 0),
    }
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
            Axis::Setting(s) => s.path(),
            Axis::Cell => "cell",
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
            Axis::Setting(s) => setting_value(run.settings.get(s.path())),
            Axis::Cell => Value::text(&run.cell_key[..run.cell_key.len().min(8)], 0),
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
        "lbfgs" => "L-BFGS".to_string(),
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
                Axis::Setting(s) => format!("{}={}", s.path(), v.raw()),
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

/// The axes beyond the named ones that keep cells apart: every stored setting (in path order)
/// that takes several values among runs the axes so far would pool, then [`Axis::Cell`] if
/// two cells still share every axis value. A setting that varies only together with a named
/// axis (e.g. a β that each optimizer sets differently) separates nothing and is not added.
fn separating_axes(runs: &[&Run], panel: &[Axis], series: &[Axis]) -> Vec<Axis> {
    let mut axes: Vec<Axis> = panel.iter().chain(series).copied().collect();
    let paths: BTreeSet<&str> = runs
        .iter()
        .flat_map(|r| r.settings.keys().map(String::as_str))
        .filter(|p| !is_named(p))
        .collect();
    let mut added = Vec::new();
    for path in paths {
        let axis = Axis::Setting(Setting::new(path));
        if pools(runs, &axes, |r| axis.value(r).raw().to_string()) {
            axes.push(axis);
            added.push(axis);
        }
    }
    if pools(runs, &axes, |r| r.cell_key.clone()) {
        added.push(Axis::Cell);
    }
    added
}

/// True when some runs share every value of `axes` but differ in `of`.
fn pools(runs: &[&Run], axes: &[Axis], of: impl Fn(&Run) -> String) -> bool {
    let mut seen: BTreeMap<Key, String> = BTreeMap::new();
    runs.iter().any(|r| {
        let v = of(r);
        seen.entry(Key::of(r, axes)).or_insert_with(|| v.clone()) != &v
    })
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
        let panel_axes: Vec<Axis> = Axis::PANEL.iter().copied().filter(varies).collect();
        let mut series_axes: Vec<Axis> = Axis::SERIES.iter().copied().filter(varies).collect();
        for axis in separating_axes(&runs, &panel_axes, &series_axes) {
            values.insert(axis, runs.iter().map(|r| axis.value(r)).collect());
            series_axes.push(axis);
        }
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

    /// The runs matching every (axis, value) of `keys` (all seeds). With a table key and a
    /// series key these are the seeds of one cell: the section's axes keep cells apart.
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

    #[test]
    fn named_settings_cover_their_sub_paths_only() {
        assert!(is_named("network.init"));
        assert!(is_named("network.init.kind"));
        assert!(!is_named("network.init_weights"));
        assert!(!is_named("train.optimizer.beta1"));
        assert!(!is_named("data.split.kind"));
    }

    #[test]
    fn a_setting_is_interned_once() {
        let a = Setting::new("train.optimizer.beta1");
        let b = Setting::new(&String::from("train.optimizer.beta1"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.path(), b.path()));
    }
}
