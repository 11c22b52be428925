//! One fully resolved run: every setting it trains with, and its key.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ExperimentError;
use crate::data::Split;
use crate::nn::activation::Activation;
use crate::nn::init::Init;
use crate::nn::loss::Loss;
use crate::nn::network::{Architecture, LayerSpec};
use crate::nn::optim::OptimizerKind;
use crate::train::TrainConfig;

/// The split as stored in `runs.split`: `study(train=0+10000,cv=10000+10000)`,
/// `per-class(k=1000)`, `full(cv=none)`.
///
/// ```
/// use mlplab::data::Split;
/// assert_eq!(mlplab::experiment::split_label(&Split::default()), "study(train=0+10000,cv=10000+10000)");
/// assert_eq!(mlplab::experiment::split_label(&Split::PerClass { k: 1000 }), "per-class(k=1000)");
/// ```
pub fn split_label(split: &Split) -> String {
    match split {
        Split::Study {
            train_offset,
            train_size,
            cv_offset,
            cv_size,
        } => format!("study(train={train_offset}+{train_size},cv={cv_offset}+{cv_size})"),
        Split::PerClass { k } => format!("per-class(k={k})"),
        Split::Full { cv_size: Some(m) } => format!("full(cv=last {m})"),
        Split::Full { cv_size: None } => "full(cv=none)".to_string(),
    }
}

/// Parses the command line's short form of a split: `study`, `study:TRAIN,CV` (first TRAIN
/// rows train, the next CV validate), `per-class:K`, `full` or `full:CV` (the last CV rows
/// validate).
///
/// ```
/// use mlplab::data::Split;
/// use mlplab::experiment::parse_split;
/// assert_eq!(parse_split("per-class:500").unwrap(), Split::PerClass { k: 500 });
/// assert_eq!(parse_split("full:50").unwrap(), Split::Full { cv_size: Some(50) });
/// assert_eq!(parse_split("study:100,40").unwrap(), Split::Study { train_offset: 0, train_size: 100, cv_offset: 100, cv_size: 40 });
/// ```
pub fn parse_split(s: &str) -> Result<Split, String> {
    let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
    let nums: Vec<usize> = if arg.is_empty() {
        Vec::new()
    } else {
        arg.split(',')
            .map(|x| {
                x.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("split {s:?}: {x:?} is not a count"))
            })
            .collect::<Result<_, _>>()?
    };
    match (kind, nums.as_slice()) {
        ("study", []) => Ok(Split::default()),
        ("study", [train, cv]) => Ok(Split::Study {
            train_offset: 0,
            train_size: *train,
            cv_offset: *train,
            cv_size: *cv,
        }),
        ("per-class", [k]) => Ok(Split::PerClass { k: *k }),
        ("per-class", []) => Ok(Split::PerClass { k: 1000 }),
        ("full", []) => Ok(Split::Full { cv_size: None }),
        ("full", [m]) => Ok(Split::Full { cv_size: Some(*m) }),
        _ => Err(format!(
            "unknown split {s:?}; valid: study, study:TRAIN,CV, per-class:K, full, full:CV"
        )),
    }
}

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
    /// Also evaluate the test set every epoch (when the dataset has one). Default false.
    pub evaluate_test: bool,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            dataset: "mnist".into(),
            split: Split::default(),
            standardize: false,
            evaluate_test: false,
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
    /// Activation of every hidden layer. Default `leaky-relu(0.1)`.
    pub activation: Activation,
    /// Activation of the output layer (one unit per class). Default `softmax`.
    pub output: Activation,
    /// Weight initialization. Default `he` (He uniform).
    pub init: Init,
    /// Start from the weights in this safetensors file instead of `init`. Default none.
    pub init_weights: Option<String>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            inputs: None,
            hidden: vec![128; 4],
            activation: Activation::LeakyRelu(0.1),
            output: Activation::Softmax,
            init: Init::HeUniform,
            init_weights: None,
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
            .map(|&width| LayerSpec {
                width,
                activation: n.activation.clone(),
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

    /// A short label for progress lines: `mnist sgd lr=0.5 he l2=1 mse seed=0`.
    pub fn label(&self) -> String {
        let t = &self.train;
        format!(
            "{} {} lr={} {} l2={} {} seed={}",
            self.data.dataset,
            t.optimizer.kind,
            t.optimizer.lr,
            self.network.init,
            t.regularization.l2,
            t.loss,
            t.seed
        )
    }

    /// Checks every setting; the message names the field, its value and what is valid.
    pub fn validate(&self) -> Result<(), String> {
        if self.data.dataset.trim().is_empty() {
            return Err("data.dataset is empty: name a dataset such as \"mnist\"".into());
        }
        let n = &self.network;
        if n.hidden.is_empty() {
            return Err(
                "network.hidden = []: the network is empty; give at least one hidden \
                        layer width, e.g. hidden = [128]"
                    .into(),
            );
        }
        if let Some(i) = n.hidden.iter().position(|&w| w == 0) {
            return Err(format!("network.hidden[{i}] = 0: layer widths must be ≥ 1"));
        }
        if n.inputs == Some(0) {
            return Err("network.inputs = 0: the input width must be ≥ 1".into());
        }
        if let (Some(inputs), Some((width, _))) = (n.inputs, known_shape(&self.data.dataset))
            && inputs != width
        {
            return Err(format!(
                "network.inputs = {inputs}, but {} rows have {width} features: remove \
                 network.inputs or set it to {width}",
                self.data.dataset
            ));
        }
        if !n.activation.is_elementwise() {
            return Err(format!(
                "network.activation = \"{}\": hidden layers need an element-wise activation \
                 (relu, leaky-relu(a), sigmoid, tanh, ...)",
                n.activation
            ));
        }
        if self.train.epochs == 0 {
            return Err("train.epochs = 0: must be ≥ 1".into());
        }
        self.train.validate().map_err(|e| {
            e.to_string()
                .trim_start_matches("invalid setting: ")
                .to_string()
        })
    }
}

/// Settings given on the command line; each one given replaces that field in every run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    /// `data.dataset`.
    pub dataset: Option<String>,
    /// `data.split`.
    pub split: Option<Split>,
    /// `data.standardize`.
    pub standardize: Option<bool>,
    /// `data.evaluate_test`.
    pub evaluate_test: Option<bool>,
    /// `network.hidden`.
    pub hidden: Option<Vec<usize>>,
    /// `network.activation`.
    pub activation: Option<Activation>,
    /// `network.output`.
    pub output: Option<Activation>,
    /// `network.init`.
    pub init: Option<Init>,
    /// `network.init_weights`.
    pub init_weights: Option<String>,
    /// `train.loss`.
    pub loss: Option<Loss>,
    /// `optimizer.kind`.
    pub optimizer: Option<OptimizerKind>,
    /// `optimizer.lr`.
    pub lr: Option<f64>,
    /// `optimizer.beta1`.
    pub beta1: Option<f64>,
    /// `optimizer.beta2`.
    pub beta2: Option<f64>,
    /// `optimizer.eps`.
    pub eps: Option<f64>,
    /// `regularization.l2`.
    pub l2: Option<f64>,
    /// `regularization.l1`.
    pub l1: Option<f64>,
    /// `train.batch_size`.
    pub batch_size: Option<usize>,
    /// `train.epochs`.
    pub epochs: Option<usize>,
    /// `train.shuffle`.
    pub shuffle: Option<bool>,
    /// `train.seed`.
    pub seed: Option<u64>,
    /// `train.threads`.
    pub threads: Option<usize>,
}

impl Overrides {
    /// True when no field is given.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }

    /// Range checks, naming the flag.
    pub fn validate(&self) -> Result<(), ExperimentError> {
        let bad = |m: String| Err(ExperimentError::new("<flags>", None, m));
        if let Some(lr) = self.lr
            && !(lr.is_finite() && lr > 0.0)
        {
            return bad(format!("--lr {lr}: must be a finite number > 0"));
        }
        for (flag, b) in [("--beta1", self.beta1), ("--beta2", self.beta2)] {
            if let Some(b) = b
                && !(b > 0.0 && b < 1.0)
            {
                return bad(format!("{flag} {b}: must lie in (0, 1)"));
            }
        }
        if let Some(e) = self.eps
            && !(e.is_finite() && e > 0.0)
        {
            return bad(format!("--eps {e}: must be a finite number > 0"));
        }
        for (flag, v) in [("--l2", self.l2), ("--l1", self.l1)] {
            if let Some(v) = v
                && !(v.is_finite() && v >= 0.0)
            {
                return bad(format!("{flag} {v}: must be a finite number ≥ 0"));
            }
        }
        for (flag, v) in [
            ("--batch-size", self.batch_size),
            ("--epochs", self.epochs),
            ("--threads", self.threads),
        ] {
            if v == Some(0) {
                return bad(format!("{flag} 0: must be ≥ 1"));
            }
        }
        if let Some(h) = &self.hidden {
            if h.is_empty() {
                return bad("--hidden: the network is empty; give at least one width".into());
            }
            if h.contains(&0) {
                return bad(format!("--hidden {h:?}: layer widths must be ≥ 1"));
            }
        }
        Ok(())
    }

    /// Replaces the given fields of `run`.
    pub fn apply(&self, run: &mut RunConfig) {
        fn set<T: Clone>(dst: &mut T, src: &Option<T>) {
            if let Some(v) = src {
                *dst = v.clone();
            }
        }
        set(&mut run.data.dataset, &self.dataset);
        set(&mut run.data.split, &self.split);
        set(&mut run.data.standardize, &self.standardize);
        set(&mut run.data.evaluate_test, &self.evaluate_test);
        set(&mut run.network.hidden, &self.hidden);
        set(&mut run.network.activation, &self.activation);
        set(&mut run.network.output, &self.output);
        set(&mut run.network.init, &self.init);
        if self.init_weights.is_some() {
            run.network.init_weights = self.init_weights.clone();
        }
        let t = &mut run.train;
        set(&mut t.loss, &self.loss);
        set(&mut t.optimizer.kind, &self.optimizer);
        set(&mut t.optimizer.lr, &self.lr);
        set(&mut t.optimizer.beta1, &self.beta1);
        set(&mut t.optimizer.beta2, &self.beta2);
        set(&mut t.optimizer.eps, &self.eps);
        set(&mut t.regularization.l2, &self.l2);
        set(&mut t.regularization.l1, &self.l1);
        set(&mut t.batch_size, &self.batch_size);
        set(&mut t.epochs, &self.epochs);
        set(&mut t.shuffle, &self.shuffle);
        set(&mut t.seed, &self.seed);
        set(&mut t.threads, &self.threads);
    }
}
