//! The experiment file as written: every field optional, every field a value or a list.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::axis::values_of;
use super::run::RunConfig;
use super::{Axis, ExperimentError, closest, dedup};
use crate::data::Split;
use crate::nn::activation::Activation;
use crate::nn::init::Init;
use crate::nn::loss::Loss;
use crate::nn::optim::OptimizerKind;
use crate::nn::regularization::PenaltyScale;

/// A field as read: its values and where they were written.
type Field<T> = Option<Spanned<Axis<T>>>;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    /// The study name stored with each run. Default: the file's stem.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// `[data]`.
    pub data: Option<DataSection>,
    /// `[network]`.
    pub network: Option<NetworkSection>,
    /// `[train]`.
    pub train: Option<TrainSection>,
    /// `[optimizer]`.
    pub optimizer: Option<OptimizerSection>,
    /// `[regularization]`.
    pub regularization: Option<RegularizationSection>,
    /// `[[run]]` entries: each overrides the sections above and is expanded on its own.
    #[serde(default)]
    pub run: Vec<Grid>,
}

/// The sections of one grid (the top level, or a `[[run]]` entry).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// `[data]`.
    pub data: Option<DataSection>,
    /// `[network]`.
    pub network: Option<NetworkSection>,
    /// `[train]`.
    pub train: Option<TrainSection>,
    /// `[optimizer]`.
    pub optimizer: Option<OptimizerSection>,
    /// `[regularization]`.
    pub regularization: Option<RegularizationSection>,
}

/// `[data]`; see [`crate::experiment::DataSpec`] for the meaning and defaults.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Dataset names.
    pub dataset: Field<String>,
    /// Splits.
    pub split: Field<Split>,
    /// Standardize features.
    pub standardize: Field<bool>,
    /// Evaluate the test set too.
    pub evaluate_test: Field<bool>,
}

/// `[network]`; see [`crate::experiment::NetworkSpec`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Input width (checked against the dataset).
    pub inputs: Field<usize>,
    /// Hidden widths.
    pub hidden: Field<Vec<usize>>,
    /// Hidden activation.
    pub activation: Field<Activation>,
    /// Output activation.
    pub output: Field<Activation>,
    /// Initialization.
    pub init: Field<Init>,
    /// Initial weights file.
    pub init_weights: Field<String>,
}

/// `[train]`; see [`crate::train::TrainConfig`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSection {
    /// Loss.
    pub loss: Field<Loss>,
    /// Rows per mini-batch.
    pub batch_size: Field<usize>,
    /// Epochs.
    pub epochs: Field<usize>,
    /// Reshuffle every epoch.
    pub shuffle: Field<bool>,
    /// Seed of the weights and the shuffling.
    pub seed: Field<u64>,
    /// Threads per run.
    pub threads: Field<usize>,
    /// Rows per evaluation pass.
    pub eval_batch: Field<usize>,
}

/// `[optimizer]`; see [`crate::nn::optim::OptimizerConfig`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerSection {
    /// Update rules.
    pub kind: Field<OptimizerKind>,
    /// Learning rates, for all optimizers or per optimizer.
    pub lr: Option<Spanned<LrSpec>>,
    /// β / β1.
    pub beta1: Field<f64>,
    /// β2.
    pub beta2: Field<f64>,
    /// ε.
    pub eps: Field<f64>,
    /// Bias correction on / off.
    pub bias_correction: Field<bool>,
    /// Momentum dampening.
    pub dampening: Field<f64>,
    /// Decoupled weight decay.
    pub weight_decay: Field<f64>,
}

/// `[regularization]`; see [`crate::nn::regularization::Regularization`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegularizationSection {
    /// λ.
    pub l2: Field<f64>,
    /// λ1.
    pub l1: Field<f64>,
    /// What N is in λ/2N.
    pub scale: Field<PenaltyScale>,
}

/// `optimizer.lr`: the same values for every optimizer, or a table of values per optimizer
/// (`lr = { sgd = 0.5, adam = [1e-3, 1e-4] }`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LrSpec {
    /// For every optimizer.
    All(Axis<f64>),
    /// Per optimizer; every optimizer the grid uses must have an entry.
    PerKind(BTreeMap<OptimizerKind, Axis<f64>>),
}

impl<'de> Deserialize<'de> for LrSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::Table(table) => {
                let mut per = BTreeMap::new();
                for (name, value) in table {
                    let kind: OptimizerKind = name.parse().map_err(|_| {
                        let names = OptimizerKind::ALL.map(|k| k.to_string());
                        let near =
                            closest(&name, names.iter().map(String::as_str)).unwrap_or("sgd");
                        D::Error::custom(format!(
                            "unknown optimizer `{name}` in the lr table; did you mean `{near}`? \
                             valid: sgd, momentum, rmsprop, adam"
                        ))
                    })?;
                    let values = values_of::<f64>(value)
                        .map_err(|m| D::Error::custom(format!("lr.{name}: {m}")))?;
                    per.insert(kind, Axis(values));
                }
                Ok(LrSpec::PerKind(per))
            }
            other => values_of::<f64>(other)
                .map(|v| LrSpec::All(Axis(v)))
                .map_err(D::Error::custom),
        }
    }
}

/// Parses the text, turning serde's messages into ones that name the line and, for an
/// unknown key, the closest valid one.
pub(crate) fn parse(text: &str, origin: &str) -> Result<ExperimentFile, ExperimentError> {
    toml::from_str::<ExperimentFile>(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        ExperimentError::new(origin, line, explain(e.message()))
    })
}

/// Adds "did you mean" to serde's `unknown field` message.
fn explain(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.trim().to_string();
    };
    let Some((key, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(key, valid.iter().copied()) {
        Some(near) => format!(
            "unknown key `{key}`; did you mean `{near}`? valid keys here: {}",
            valid.join(", ")
        ),
        None => format!("unknown key `{key}`: no keys are valid here"),
    }
}

/// 1-based line of byte `offset`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
    over.clone().or_else(|| base.clone())
}

impl Grid {
    /// `self` with every field `over` sets replaced.
    fn overlaid(&self, over: &Grid) -> Grid {
        let d = (
            self.data.clone().unwrap_or_default(),
            over.data.clone().unwrap_or_default(),
        );
        let n = (
            self.network.clone().unwrap_or_default(),
            over.network.clone().unwrap_or_default(),
        );
        let t = (
            self.train.clone().unwrap_or_default(),
            over.train.clone().unwrap_or_default(),
        );
        let o = (
            self.optimizer.clone().unwrap_or_default(),
            over.optimizer.clone().unwrap_or_default(),
        );
        let r = (
            self.regularization.clone().unwrap_or_default(),
            over.regularization.clone().unwrap_or_default(),
        );
        Grid {
            data: Some(DataSection {
                dataset: pick(&d.1.dataset, &d.0.dataset),
                split: pick(&d.1.split, &d.0.split),
                standardize: pick(&d.1.standardize, &d.0.standardize),
                evaluate_test: pick(&d.1.evaluate_test, &d.0.evaluate_test),
            }),
            network: Some(NetworkSection {
                inputs: pick(&n.1.inputs, &n.0.inputs),
                hidden: pick(&n.1.hidden, &n.0.hidden),
                activation: pick(&n.1.activation, &n.0.activation),
                output: pick(&n.1.output, &n.0.output),
                init: pick(&n.1.init, &n.0.init),
                init_weights: pick(&n.1.init_weights, &n.0.init_weights),
            }),
            train: Some(TrainSection {
                loss: pick(&t.1.loss, &t.0.loss),
                batch_size: pick(&t.1.batch_size, &t.0.batch_size),
                epochs: pick(&t.1.epochs, &t.0.epochs),
                shuffle: pick(&t.1.shuffle, &t.0.shuffle),
                seed: pick(&t.1.seed, &t.0.seed),
                threads: pick(&t.1.threads, &t.0.threads),
                eval_batch: pick(&t.1.eval_batch, &t.0.eval_batch),
            }),
            optimizer: Some(OptimizerSection {
                kind: pick(&o.1.kind, &o.0.kind),
                lr: pick(&o.1.lr, &o.0.lr),
                beta1: pick(&o.1.beta1, &o.0.beta1),
                beta2: pick(&o.1.beta2, &o.0.beta2),
                eps: pick(&o.1.eps, &o.0.eps),
                bias_correction: pick(&o.1.bias_correction, &o.0.bias_correction),
                dampening: pick(&o.1.dampening, &o.0.dampening),
                weight_decay: pick(&o.1.weight_decay, &o.0.weight_decay),
            }),
            regularization: Some(RegularizationSection {
                l2: pick(&r.1.l2, &r.0.l2),
                l1: pick(&r.1.l1, &r.0.l1),
                scale: pick(&r.1.scale, &r.0.scale),
            }),
        }
    }

    /// Range checks on each field, naming the key and its line.
    fn check(&self, text: &str, origin: &str) -> Result<(), ExperimentError> {
        let err = |span: Range<usize>, m: String| {
            ExperimentError::new(origin, Some(line_of(text, span.start)), m)
        };
        fn each<T>(
            field: &Field<T>,
            key: &str,
            ok: impl Fn(&T) -> bool,
            show: impl Fn(&T) -> String,
            valid: &str,
            err: &impl Fn(Range<usize>, String) -> ExperimentError,
        ) -> Result<(), ExperimentError> {
            if let Some(f) = field
                && let Some(bad) = f.get_ref().0.iter().find(|v| !ok(v))
            {
                return Err(err(f.span(), format!("{key} = {}: {valid}", show(bad))));
            }
            Ok(())
        }
        let positive = |v: &f64| v.is_finite() && *v > 0.0;
        let non_negative = |v: &f64| v.is_finite() && *v >= 0.0;
        let unit_open = |v: &f64| *v > 0.0 && *v < 1.0;
        let f = |v: &f64| v.to_string();
        let u = |v: &usize| v.to_string();
        let at_least_one = |v: &usize| *v >= 1;
        if let Some(d) = &self.data {
            each(
                &d.dataset,
                "data.dataset",
                |s| !s.trim().is_empty(),
                |s| format!("{s:?}"),
                "name a dataset such as \"mnist\"",
                &err,
            )?;
        }
        if let Some(n) = &self.network {
            each(
                &n.inputs,
                "network.inputs",
                at_least_one,
                u,
                "must be ≥ 1",
                &err,
            )?;
            each(
                &n.hidden,
                "network.hidden",
                |h| !h.is_empty(),
                |h| format!("{h:?}"),
                "the network is empty; give at least one hidden layer width, e.g. hidden = [128]",
                &err,
            )?;
            each(
                &n.hidden,
                "network.hidden",
                |h| !h.contains(&0),
                |h| format!("{h:?}"),
                "layer widths must be ≥ 1",
                &err,
            )?;
            each(
                &n.activation,
                "network.activation",
                |a| a.is_elementwise(),
                |a| format!("\"{a}\""),
                "hidden layers need an element-wise activation (relu, leaky-relu(a), sigmoid, tanh, ...)",
                &err,
            )?;
            if let (Some(inputs), Some(datasets)) = (
                &n.inputs,
                self.data.as_ref().and_then(|d| d.dataset.as_ref()),
            ) {
                for dataset in &datasets.get_ref().0 {
                    for &i in &inputs.get_ref().0 {
                        if let Some((width, _)) = super::known_shape(dataset)
                            && width != i
                        {
                            return Err(err(
                                inputs.span(),
                                format!(
                                    "network.inputs = {i}, but {dataset} rows have {width} \
                                     features: remove network.inputs or set it to {width}"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        if let Some(t) = &self.train {
            each(
                &t.batch_size,
                "train.batch_size",
                at_least_one,
                u,
                "must be ≥ 1",
                &err,
            )?;
            each(
                &t.epochs,
                "train.epochs",
                at_least_one,
                u,
                "must be ≥ 1",
                &err,
            )?;
            each(
                &t.threads,
                "train.threads",
                at_least_one,
                u,
                "must be ≥ 1",
                &err,
            )?;
            each(
                &t.eval_batch,
                "train.eval_batch",
                at_least_one,
                u,
                "must be ≥ 1",
                &err,
            )?;
        }
        if let Some(o) = &self.optimizer {
            if let Some(lr) = &o.lr {
                let bad = |values: &Axis<f64>| values.0.iter().find(|v| !positive(v)).copied();
                let found = match lr.get_ref() {
                    LrSpec::All(values) => bad(values).map(|v| ("optimizer.lr".to_string(), v)),
                    LrSpec::PerKind(per) => per.iter().find_map(|(k, values)| {
                        bad(values).map(|v| (format!("optimizer.lr.{k}"), v))
                    }),
                };
                if let Some((key, v)) = found {
                    return Err(err(
                        lr.span(),
                        format!("{key} = {v}: must be a finite number > 0"),
                    ));
                }
                if let LrSpec::PerKind(per) = lr.get_ref() {
                    let kinds = o
                        .kind
                        .as_ref()
                        .map(|k| k.get_ref().0.clone())
                        .unwrap_or_else(|| vec![crate::nn::optim::OptimizerConfig::default().kind]);
                    if let Some(missing) = kinds.iter().find(|k| !per.contains_key(k)) {
                        return Err(err(
                            lr.span(),
                            format!(
                                "optimizer.lr has no entry for `{missing}`, which optimizer.kind \
                                 uses: add `{missing} = <lr>` to the table"
                            ),
                        ));
                    }
                }
            }
            each(
                &o.beta1,
                "optimizer.beta1",
                unit_open,
                f,
                "must lie in (0, 1)",
                &err,
            )?;
            each(
                &o.beta2,
                "optimizer.beta2",
                unit_open,
                f,
                "must lie in (0, 1)",
                &err,
            )?;
            each(
                &o.eps,
                "optimizer.eps",
                positive,
                f,
                "must be a finite number > 0",
                &err,
            )?;
            each(
                &o.dampening,
                "optimizer.dampening",
                |v| (0.0..=1.0).contains(v),
                f,
                "must lie in [0, 1]",
                &err,
            )?;
            each(
                &o.weight_decay,
                "optimizer.weight_decay",
                non_negative,
                f,
                "must be a finite number ≥ 0",
                &err,
            )?;
        }
        if let Some(r) = &self.regularization {
            each(
                &r.l2,
                "regularization.l2",
                non_negative,
                f,
                "λ must be a finite number ≥ 0",
                &err,
            )?;
            each(
                &r.l1,
                "regularization.l1",
                non_negative,
                f,
                "λ1 must be a finite number ≥ 0",
                &err,
            )?;
        }
        Ok(())
    }

    /// The product of every field's values, in a fixed order: data, network, loss, optimizer
    /// (kind, then lr, then its constants), initialization, regularization, batches, epochs,
    /// shuffling, seed, threads. The first field varies slowest.
    fn expand(&self) -> Vec<RunConfig> {
        fn by<T: Clone>(
            runs: Vec<RunConfig>,
            field: &Field<T>,
            set: impl Fn(&mut RunConfig, &T),
        ) -> Vec<RunConfig> {
            let Some(f) = field else { return runs };
            runs.iter()
                .flat_map(|r| {
                    f.get_ref().0.iter().map(|v| {
                        let mut r = r.clone();
                        set(&mut r, v);
                        r
                    })
                })
                .collect()
        }
        let d = self.data.clone().unwrap_or_default();
        let n = self.network.clone().unwrap_or_default();
        let t = self.train.clone().unwrap_or_default();
        let o = self.optimizer.clone().unwrap_or_default();
        let g = self.regularization.clone().unwrap_or_default();
        let mut runs = vec![RunConfig::default()];
        runs = by(runs, &d.dataset, |r, v| r.data.dataset = v.clone());
        runs = by(runs, &d.split, |r, v| r.data.split = v.clone());
        runs = by(runs, &d.standardize, |r, v| r.data.standardize = *v);
        runs = by(runs, &d.evaluate_test, |r, v| r.data.evaluate_test = *v);
        runs = by(runs, &n.inputs, |r, v| r.network.inputs = Some(*v));
        runs = by(runs, &n.hidden, |r, v| r.network.hidden = v.clone());
        runs = by(runs, &n.activation, |r, v| r.network.activation = v.clone());
        runs = by(runs, &n.output, |r, v| r.network.output = v.clone());
        runs = by(runs, &t.loss, |r, v| r.train.loss = *v);
        runs = by(runs, &o.kind, |r, v| r.train.optimizer.kind = *v);
        if let Some(lr) = &o.lr {
            runs = runs
                .iter()
                .flat_map(|r| {
                    let values = match lr.get_ref() {
                        LrSpec::All(v) => v.0.clone(),
                        LrSpec::PerKind(per) => per
                            .get(&r.train.optimizer.kind)
                            .map(|v| v.0.clone())
                            .unwrap_or_default(),
                    };
                    values.into_iter().map(|lr| {
                        let mut r = r.clone();
                        r.train.optimizer.lr = lr;
                        r
                    })
                })
                .collect();
        }
        runs = by(runs, &o.beta1, |r, v| r.train.optimizer.beta1 = *v);
        runs = by(runs, &o.beta2, |r, v| r.train.optimizer.beta2 = *v);
        runs = by(runs, &o.eps, |r, v| r.train.optimizer.eps = *v);
        runs = by(runs, &o.bias_correction, |r, v| {
            r.train.optimizer.bias_correction = *v
        });
        runs = by(runs, &o.dampening, |r, v| {
            r.train.optimizer.dampening = Some(*v)
        });
        runs = by(runs, &o.weight_decay, |r, v| {
            r.train.optimizer.weight_decay = *v
        });
        runs = by(runs, &n.init, |r, v| r.network.init = *v);
        runs = by(runs, &n.init_weights, |r, v| {
            r.network.init_weights = Some(v.clone())
        });
        runs = by(runs, &g.l2, |r, v| r.train.regularization.l2 = *v);
        runs = by(runs, &g.l1, |r, v| r.train.regularization.l1 = *v);
        runs = by(runs, &g.scale, |r, v| r.train.regularization.scale = *v);
        runs = by(runs, &t.batch_size, |r, v| r.train.batch_size = *v);
        runs = by(runs, &t.epochs, |r, v| r.train.epochs = *v);
        runs = by(runs, &t.shuffle, |r, v| r.train.shuffle = *v);
        runs = by(runs, &t.seed, |r, v| r.train.seed = *v);
        runs = by(runs, &t.threads, |r, v| r.train.threads = *v);
        runs = by(runs, &t.eval_batch, |r, v| r.train.eval_batch = *v);
        runs
    }
}

impl ExperimentFile {
    fn base(&self) -> Grid {
        Grid {
            data: self.data.clone(),
            network: self.network.clone(),
            train: self.train.clone(),
            optimizer: self.optimizer.clone(),
            regularization: self.regularization.clone(),
        }
    }

    /// Every run of the file, validated, in grid order, duplicates removed.
    pub(crate) fn expand(
        &self,
        text: &str,
        origin: &str,
    ) -> Result<Vec<RunConfig>, ExperimentError> {
        let base = self.base();
        let grids: Vec<Grid> = if self.run.is_empty() {
            vec![base]
        } else {
            self.run.iter().map(|r| base.overlaid(r)).collect()
        };
        let mut runs = Vec::new();
        for grid in &grids {
            grid.check(text, origin)?;
            runs.extend(grid.expand());
        }
        for (i, run) in runs.iter().enumerate() {
            run.validate().map_err(|m| {
                ExperimentError::new(
                    origin,
                    None,
                    format!("run {} ({}): {m}", i + 1, run.label()),
                )
            })?;
        }
        let runs = dedup(runs);
        if runs.is_empty() {
            return Err(ExperimentError::new(
                origin,
                None,
                "the grid expands to zero runs: every list needs at least one value",
            ));
        }
        Ok(runs)
    }
}
