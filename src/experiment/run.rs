//! One fully resolved run: every setting it trains with, and its key.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::activations::HiddenActivations;
use super::dtype::DType;
use super::settings::SETTINGS;
use super::test_eval::TestEval;
use crate::data::{LabelNoise, Labels, Split};
use crate::nn::activation::Activation;
use crate::nn::init::Init;
use crate::nn::network::{Architecture, LayerSpec};
use crate::train::TrainConfig;

/// Which data a run trains and is evaluated on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataSpec {
    /// Dataset name as the data module knows it: `mnist`, `fashion-mnist`, `cifar10`,
    /// `cifar10-jpeg`, `spirals`, `blobs:n=500`, ... Default `mnist` (embedded).
    pub dataset: String,
    /// Training / cross-validation split, as the data module writes it:
    /// `{ kind = "study" }` (the default: first 10,000 / next 10,000),
    /// `{ kind = "per-class", k = 1000 }`, `{ kind = "full", cv_size = 5000 }`.
    pub split: Split,
    /// Standardize every feature with the training split's mean and deviation. Default false.
    pub standardize: bool,
    /// Whether and when to evaluate the official test set (when the dataset has one):
    /// never (the default), after every epoch, or after the last epoch only.
    pub evaluate_test: TestEval,
    /// Train on a balanced subset of this many rows of the training split (`train_size / K`
    /// per class, nested across sizes for one `data_seed`). Default none: the whole split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_size: Option<usize>,
    /// Fraction of the training labels replaced by another class: `0.2` (symmetric) or
    /// `{ kind = "pairs", rate = 0.2 }` (class c becomes c + 1 mod K). CV and test keep
    /// their labels. Default 0 (left out of the JSON: runs keep their keys).
    #[serde(skip_serializing_if = "LabelNoise::is_none")]
    pub label_noise: LabelNoise,
    /// `given` (the default) or `random`: every training label drawn uniformly.
    #[serde(skip_serializing_if = "Labels::is_given")]
    pub labels: Labels,
    /// Seed of the training subset, the label noise and the random labels, independent of
    /// `train.seed` (the weights). Default 0 (left out of the JSON at 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub data_seed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            dataset: "mnist".into(),
            split: Split::default(),
            standardize: false,
            evaluate_test: TestEval::Never,
            train_size: None,
            label_noise: LabelNoise::default(),
            labels: Labels::Given,
            data_seed: 0,
        }
    }
}

/// The network, less the two widths the dataset fixes (inputs and classes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    /// Input width; when given it must equal the dataset's. Default: the dataset's.
    pub inputs: Option<usize>,
    /// Widths of the hidden layers. Default `[128, 128, 128, 128]` (SPEC §7).
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers: one for all, or one per layer. Default
    /// `leaky-relu(0.1)` (SPEC §7).
    pub activation: HiddenActivations,
    /// Activation of the output layer (one unit per class). Default `softmax`.
    pub output: Activation,
    /// Weight initialization. Default `he` (He uniform).
    pub init: Init,
    /// Start from the weights in this safetensors file instead of `init`. Default none.
    pub init_weights: Option<String>,
    /// Number type of the parameters, activations and gradients. Default f32, which the
    /// JSON leaves out (runs from before this setting keep their keys).
    #[serde(skip_serializing_if = "DType::is_f32")]
    pub dtype: DType,
    /// Train a loss with an output it was not made for (cce without softmax, bce without
    /// sigmoid). Default false: such a pair is refused before anything runs. Left out of
    /// the JSON when false (runs keep their keys).
    #[serde(skip_serializing_if = "is_false")]
    pub allow_mismatch: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The study's network (SPEC §7), as [`Architecture::study`] defines it: the one place its
/// widths and activations are written.
///
/// ```
/// use mlplab::experiment::{HiddenActivations, NetworkSpec};
/// let n = NetworkSpec::default();
/// assert_eq!(n.hidden, vec![128; 4]);
/// assert_eq!(n.activation, HiddenActivations::All(mlplab::Activation::LeakyRelu(0.1)));
/// assert_eq!(n.output, mlplab::Activation::Softmax);
/// ```
impl Default for NetworkSpec {
    fn default() -> Self {
        let study = Architecture::study(1, 1);
        let (output, hidden) = match study.layers.split_last() {
            Some((out, hidden)) => (out.activation.clone(), hidden),
            None => (Activation::Softmax, &[][..]),
        };
        let activations: Vec<Activation> = hidden.iter().map(|l| l.activation.clone()).collect();
        let all_same = activations.windows(2).all(|w| w[0] == w[1]);
        NetworkSpec {
            inputs: None,
            hidden: hidden.iter().map(|l| l.width).collect(),
            activation: match activations.first() {
                Some(a) if all_same => HiddenActivations::All(a.clone()),
                _ => HiddenActivations::PerLayer(activations),
            },
            output,
            init: Init::HeUniform,
            init_weights: None,
            dtype: DType::F32,
            allow_mismatch: false,
        }
    }
}

/// Input width and classes of the datasets whose shape is fixed, so that a wrong
/// `network.inputs` is caught before anything loads.
///
/// ```
/// assert_eq!(mlplab::experiment::known_shape("cifar10-jpeg"), Some((3072, 10)));
/// assert_eq!(mlplab::experiment::known_shape("spirals"), None);
/// ```
pub fn known_shape(dataset: &str) -> Option<(usize, usize)> {
    match dataset {
        "mnist" | "fashion-mnist" => Some((784, 10)),
        "cifar10" | "cifar10-jpeg" => Some((3072, 10)),
        _ => None,
    }
}

/// Everything one run trains with. Its canonical JSON is what the store records and what
/// [`RunConfig::key`] hashes.
///
/// ```
/// use mlplab::experiment::RunConfig;
/// let a = RunConfig::default();
/// let mut b = a.clone();
/// b.train.threads = 4; // how a run executes does not change which run it is
/// assert_eq!(a.key(), b.key());
/// b.train.epochs = 3;
/// assert_ne!(a.key(), b.key());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Dataset and split.
    pub data: DataSpec,
    /// Layers and initialization.
    pub network: NetworkSpec,
    /// Loss, optimizer, regularization, batches, epochs, seed, threads. `train.seed` seeds
    /// both the initial weights and the shuffling (each from its own derived stream).
    pub train: TrainConfig,
}

impl RunConfig {
    /// The canonical JSON: keys sorted, no whitespace.
    pub fn canonical_json(&self) -> String {
        // serde_json's Map is a BTreeMap (no `preserve_order`), so keys come out sorted.
        serde_json::to_value(self)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// The JSON settings are read from and written to ([`crate::experiment::SETTINGS`]'s
    /// `json` paths): the canonical JSON plus the fields it leaves out for the keys' sake
    /// (`network.dtype` when f32, `network.allow_mismatch` when false, `data.label_noise`,
    /// `data.labels` and `data.data_seed` at their defaults, `train.bayes` when absent).
    ///
    /// ```
    /// let j = mlplab::experiment::RunConfig::default().settings_json();
    /// assert_eq!(j["network"]["dtype"], "f32");
    /// assert_eq!(j["train"]["optimizer"]["beta2"], 0.999);
    /// ```
    pub fn settings_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(net) = v.get_mut("network").and_then(|n| n.as_object_mut()) {
            net.entry("dtype")
                .or_insert(serde_json::to_value(self.network.dtype).unwrap_or_default());
            net.entry("allow_mismatch")
                .or_insert(serde_json::Value::Bool(self.network.allow_mismatch));
        }
        if let Some(train) = v.get_mut("train").and_then(|n| n.as_object_mut()) {
            train
                .entry("eval_every")
                .or_insert(self.train.eval_every.into());
            train.entry("bayes").or_insert(serde_json::Value::Null);
        }
        // The L-BFGS settings, left out of a run's JSON at their defaults.
        if let Some(opt) = v
            .pointer_mut("/train/optimizer")
            .and_then(|o| o.as_object_mut())
        {
            let o = &self.train.optimizer;
            opt.entry("history").or_insert(o.history.into());
            opt.entry("batch_size")
                .or_insert(serde_json::to_value(o.batch_size).unwrap_or_default());
            opt.entry("hold").or_insert(o.hold.into());
            opt.entry("max_evals").or_insert(o.max_evals.into());
            opt.entry("grad_tol").or_insert(o.grad_tol.into());
            opt.entry("rel_cost_tol").or_insert(o.rel_cost_tol.into());
        }
        if let Some(data) = v.get_mut("data").and_then(|n| n.as_object_mut()) {
            let d = &self.data;
            data.entry("label_noise")
                .or_insert(serde_json::to_value(d.label_noise).unwrap_or_default());
            data.entry("labels")
                .or_insert(serde_json::to_value(d.labels).unwrap_or_default());
            data.entry("data_seed").or_insert(d.data_seed.into());
            data.entry("train_size").or_insert(serde_json::Value::Null);
        }
        v
    }

    /// SHA-256 (hex) of the canonical JSON with `train.threads` removed: the same settings are
    /// the same run whatever thread count executes them, so reruns, `--jobs` and shards agree.
    pub fn key(&self) -> String {
        self.key_without(&["threads"])
    }

    /// SHA-256 (hex) of the canonical JSON with `train.seed` and `train.threads` removed: the
    /// cell of the study this run belongs to. Runs with the same cell key differ only in their
    /// seed, so the report may treat them as repeated draws of one configuration; runs that
    /// differ in any other setting never share a cell.
    ///
    /// ```
    /// use mlplab::experiment::RunConfig;
    /// let a = RunConfig::default();
    /// let mut b = a.clone();
    /// b.train.seed = 7;
    /// assert_eq!(a.cell_key(), b.cell_key());
    /// assert_ne!(a.key(), b.key());
    /// b.train.optimizer.beta1 = 0.8;
    /// assert_ne!(a.cell_key(), b.cell_key());
    /// ```
    pub fn cell_key(&self) -> String {
        self.key_without(&["threads", "seed"])
    }

    /// SHA-256 (hex) of the canonical JSON less the named `train` fields.
    fn key_without(&self, train_fields: &[&str]) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(train) = value.get_mut("train").and_then(|t| t.as_object_mut()) {
            for field in train_fields {
                train.remove(*field);
            }
        }
        let digest = Sha256::digest(value.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The architecture for a dataset of `inputs` features and `classes` classes.
    pub fn architecture(&self, inputs: usize, classes: usize) -> Architecture {
        let n = &self.network;
        let mut layers: Vec<LayerSpec> = n
            .hidden
            .iter()
            .enumerate()
            .map(|(i, &width)| LayerSpec {
                width,
                activation: n.activation.layer(i),
            })
            .collect();
        layers.push(LayerSpec {
            width: classes,
            activation: n.output.clone(),
        });
        Architecture { inputs, layers }
    }

    /// The architecture as far as it is known before loading the data (`?` for unknown widths).
    pub fn describe_architecture(&self) -> String {
        match known_shape(&self.data.dataset) {
            Some((inputs, classes)) => self.architecture(inputs, classes).describe(),
            None => {
                let arch = self.architecture(self.network.inputs.unwrap_or(1), 1);
                let d = arch.describe();
                let (_, rest) = d.split_once('-').unwrap_or(("", &d));
                let hidden = rest.rsplit_once('-').map_or("", |(h, _)| h);
                let inputs = self
                    .network
                    .inputs
                    .map_or("?".to_string(), |i| i.to_string());
                if hidden.is_empty() {
                    format!("{inputs}-?x{}", self.network.output)
                } else {
                    format!("{inputs}-{hidden}-?x{}", self.network.output)
                }
            }
        }
    }

    /// A short label for progress lines: `mnist sgd lr=0.5 he l2=1 mse seed=0`, with
    /// `l1=`, `wd=`, `n=` (train_size), `noise=` and `random-labels` when those are set.
    pub fn label(&self) -> String {
        let (t, d) = (&self.train, &self.data);
        // The overfitting study's settings, where they are not at their defaults.
        let mut more = String::new();
        if t.regularization.l1 != 0.0 {
            more.push_str(&format!(" l1={}", t.regularization.l1));
        }
        if t.optimizer.weight_decay != 0.0 {
            more.push_str(&format!(" wd={}", t.optimizer.weight_decay));
        }
        if let Some(n) = d.train_size {
            more.push_str(&format!(" n={n}"));
        }
        if !d.label_noise.is_none() {
            more.push_str(&format!(" noise={}", d.label_noise.rate));
        }
        if !d.labels.is_given() {
            more.push_str(" random-labels");
        }
        format!(
            "{} {} lr={} {} l2={}{more} {} seed={}",
            d.dataset,
            t.optimizer.kind,
            t.optimizer.lr,
            self.network.init,
            t.regularization.l2,
            t.loss,
            t.seed
        )
    }

    /// Checks every setting, in table order, by the check [`crate::experiment::SETTINGS`]
    /// names for it; the message names the setting, its value and what is valid.
    ///
    /// ```
    /// use mlplab::experiment::RunConfig;
    /// let mut r = RunConfig::default();
    /// assert!(r.validate().is_ok());
    /// r.train.optimizer.beta2 = 1.0;
    /// assert!(r.validate().unwrap_err().starts_with("optimizer.beta2 = 1"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        SETTINGS.iter().try_for_each(|s| (s.check)(self))
    }

    /// The checks of the settings up to and including `SETTINGS[last]`: what can be judged
    /// once the settings before it are applied (a check reads only settings listed before
    /// its own), so that a pair is judged when its second half is applied.
    pub(crate) fn validate_through(&self, last: usize) -> Result<(), String> {
        SETTINGS
            .iter()
            .take(last.saturating_add(1))
            .try_for_each(|s| (s.check)(self))
    }
}
