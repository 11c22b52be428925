//! Every setting of a run, declared once.
//!
//! [`SETTINGS`] is the one list of what a run can be told: its path as users write it (the
//! `[section] key` of an experiment file and the `PATH` of `--set PATH=VALUE`), where it lives
//! in [`RunConfig`]'s JSON, how a TOML array given for it is read, its help text, an example
//! value, and the one check of its validity. Everything else follows from this table: the
//! reading of experiment files, the grid expansion (the table's order is the grid order), the
//! command-line overrides, the validation of a run ([`RunConfig::validate`] runs every
//! setting's check) and the settings list of `mlplab train --help`.
//!
//! Defaults are not written here: they are read from `RunConfig::default()` (see
//! [`default_of`]), so each default is written once, in the config types.
//!
//! ```
//! use mlplab::experiment::{SETTINGS, setting};
//! let beta2 = setting("optimizer.beta2").unwrap();
//! assert_eq!(beta2.json, "train.optimizer.beta2");
//! assert!(SETTINGS.iter().all(|s| s.path.split('.').count() == 2));
//! ```

use serde_json::Value;

use super::checks;
use super::json;
use super::run::RunConfig;
use super::suggest::closest;

/// How a value given for a setting is read when it is a TOML array or table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// An array lists the values to sweep over: `lr = [0.1, 0.01]` is two runs.
    Scalar,
    /// The value itself may be an array: `hidden = [64, 32]` is one value. An array that
    /// contains arrays lists the values to sweep over: `hidden = [[64, 32], [16]]`.
    List,
    /// As [`Form::Scalar`]; a table gives the values per `optimizer.kind`:
    /// `lr = { sgd = 0.5, adam = [1e-3, 1e-4] }`.
    PerOptimizer,
}

/// One setting: one row of [`SETTINGS`].
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// As users write it: `optimizer.beta2` is `beta2 = …` in the `[optimizer]` section of an
    /// experiment file and `--set optimizer.beta2=…` on the command line.
    pub path: &'static str,
    /// Where it lives in [`RunConfig`]'s JSON, dot-separated: `train.optimizer.beta2`.
    pub json: &'static str,
    /// What it means, for `--help`.
    pub help: &'static str,
    /// The kind of value it takes, for `--help`: `number`, `integer`, `true/false`, ...
    pub takes: &'static str,
    /// How a TOML array or table given for it is read.
    pub form: Form,
    /// A valid value other than the default, in TOML (shown by `--help`, used by the tests).
    pub example: &'static str,
    /// Its validity in a run, with a message that names the setting, the value and what is
    /// valid. It may read the settings before it in [`SETTINGS`] (the input width is checked
    /// against the dataset, the activations against the hidden layers) and calls the
    /// library's own check where the library has one, so that each range is written once.
    pub check: fn(&RunConfig) -> Result<(), String>,
}

impl Setting {
    /// The section: `optimizer` for `optimizer.beta2`.
    pub fn section(&self) -> &'static str {
        self.path.split_once('.').map_or(self.path, |(s, _)| s)
    }

    /// The key within its section: `beta2` for `optimizer.beta2`.
    pub fn key(&self) -> &'static str {
        self.path.split_once('.').map_or(self.path, |(_, k)| k)
    }
}

/// The sections of an experiment file, in the order `--help` lists them.
pub const SECTIONS: [&str; 5] = ["data", "network", "train", "optimizer", "regularization"];

const fn s(
    path: &'static str,
    json: &'static str,
    takes: &'static str,
    form: Form,
    example: &'static str,
    check: fn(&RunConfig) -> Result<(), String>,
    help: &'static str,
) -> Setting {
    Setting {
        path,
        json,
        help,
        takes,
        form,
        example,
        check,
    }
}

use Form::{List, PerOptimizer, Scalar};

/// Every setting, in grid order: in an experiment's grid the first varies slowest.
#[rustfmt::skip]
pub static SETTINGS: &[Setting] = &[
    s("data.dataset", "data.dataset", "string", Scalar, "\"spirals\"", checks::dataset,
      "Dataset: mnist, fashion-mnist, cifar10, cifar10-jpeg, spirals, blobs:n=500, random-labels, csv:FILE, ..."),
    s("data.split", "data.split", "table", Scalar, "{ kind = \"per-class\", k = 100 }", checks::none,
      "Training / cross-validation split: { kind = \"study\" } (first 10,000 train, next 10,000 CV), { kind = \"per-class\", k = 1000 }, { kind = \"full\", cv_size = 5000 } (flag: --split study|study:TRAIN,CV|per-class:K|full|full:CV)"),
    s("data.standardize", "data.standardize", "true/false", Scalar, "true", checks::none,
      "Standardize every feature with the training split's mean and deviation"),
    s("data.evaluate_test", "data.evaluate_test", "true, false or \"final\"", Scalar, "\"final\"", checks::none,
      "Evaluate the official test set (when the dataset has one): true after every epoch, \"final\" after the last only, false never"),
    s("data.train_size", "data.train_size", "integer", Scalar, "500", checks::train_size,
      "Train on a balanced subset of this many rows of the training split (train_size / K per class; nested: the 500 are inside the 1000 for one data_seed); CV and test unchanged"),
    s("data.label_noise", "data.label_noise", "rate in [0, 1), or a table", Scalar, "{ kind = \"pairs\", rate = 0.2 }", checks::label_noise,
      "Replace this fraction of the training labels by another class: 0.2 (symmetric: a uniformly drawn different class) or { kind = \"pairs\", rate = 0.2 } (class c becomes c + 1 mod K); CV and test stay clean"),
    s("data.labels", "data.labels", "given or random", Scalar, "\"random\"", checks::labels,
      "Training labels: given (the dataset's) or random (every label drawn uniformly; Zhang et al. 2017)"),
    s("data.data_seed", "data.data_seed", "integer", Scalar, "1", checks::none,
      "Seed of the training subset, the label noise and the random labels (independent of train.seed, which seeds the weights)"),
    s("network.inputs", "network.inputs", "integer", Scalar, "784", checks::inputs,
      "Input width; when given it must equal the dataset's (default: the dataset's)"),
    s("network.hidden", "network.hidden", "list of integers", List, "[64, 32]", checks::hidden,
      "Widths of the hidden layers (one list is one network; a list of lists sweeps)"),
    s("network.activation", "network.activation", "activation, or a list of one per hidden layer", List,
      "[\"tanh\", \"relu\", \"leaky-relu(0.1)\", \"sigmoid\"]", checks::activation,
      "Activation of the hidden layers: one for all (relu, leaky-relu(a), sigmoid, tanh, identity) or a list with one per hidden layer; a list of such values sweeps"),
    s("network.output", "network.output", "activation", Scalar, "\"sigmoid\"", checks::none,
      "Activation of the output layer (one unit per class): softmax, sigmoid, identity, ..."),
    s("network.allow_mismatch", "network.allow_mismatch", "true/false", Scalar, "true", checks::none,
      "Allow a loss with an output it was not made for (cce needs softmax, bce needs sigmoid; mse takes any)"),
    s("network.dtype", "network.dtype", "f32 or f64", Scalar, "\"f64\"", checks::none,
      "Number type of the parameters, activations and gradients"),
    s("train.loss", "train.loss", "mse, bce or cce", Scalar, "\"mse\"", checks::loss,
      "Loss: mse (quadratic), bce (binary cross-entropy), cce (categorical cross-entropy)"),
    s("optimizer.kind", "train.optimizer.kind", "sgd, momentum, rmsprop, adam or lbfgs", Scalar, "\"adam\"", checks::optimizer,
      "Update rule: sgd, momentum, rmsprop, adam, or lbfgs (L-BFGS with a strong-Wolfe line search; OWL-QN when regularization.l1 > 0; train.epochs counts data passes)"),
    s("optimizer.lr", "train.optimizer.lr", "number", PerOptimizer, "0.01", checks::optimizer,
      "Learning rate α; in a file also a table per optimizer: lr = { sgd = 0.5, adam = 1e-3 }"),
    s("optimizer.beta1", "train.optimizer.beta1", "number", Scalar, "0.8", checks::optimizer,
      "Momentum's β, Adam's β1"),
    s("optimizer.beta2", "train.optimizer.beta2", "number", Scalar, "0.99", checks::optimizer,
      "RMSProp's β, Adam's β2"),
    s("optimizer.eps", "train.optimizer.eps", "number", Scalar, "1e-6", checks::optimizer,
      "ε of RMSProp and Adam"),
    s("optimizer.bias_correction", "train.optimizer.bias_correction", "true/false", Scalar, "false", checks::optimizer,
      "Divide the moving averages by 1 − βᵗ (the report's rules)"),
    s("optimizer.dampening", "train.optimizer.dampening", "number", Scalar, "0.0", checks::optimizer,
      "Momentum only: v ← β v + (1 − d) g; absent means d = β (the report's moving average), 0 is PyTorch's SGD momentum"),
    s("optimizer.weight_decay", "train.optimizer.weight_decay", "number", Scalar, "0.01", checks::optimizer,
      "Decoupled (AdamW-style) weight decay θ ← θ − α·wd·θ on weights, not the L2 penalty"),
    s("optimizer.history", "train.optimizer.history", "integer", Scalar, "5", checks::optimizer,
      "L-BFGS only: curvature pairs (s, y) kept, m"),
    s("optimizer.batch_size", "train.optimizer.batch_size", "\"full\" or integer", Scalar, "2000", checks::optimizer,
      "L-BFGS only: rows per evaluation of J and ∇J: \"full\" (the whole training split) or a fixed mini-batch held optimizer.hold iterations (train.batch_size is the first-order rules')"),
    s("optimizer.hold", "train.optimizer.hold", "integer", Scalar, "5", checks::optimizer,
      "L-BFGS mini-batches only: iterations each batch is held (its curvature pairs are computed on it)"),
    s("optimizer.max_evals", "train.optimizer.max_evals", "integer", Scalar, "10", checks::optimizer,
      "L-BFGS only: most evaluations of J, ∇J one line search may spend"),
    s("optimizer.grad_tol", "train.optimizer.grad_tol", "number", Scalar, "1e-8", checks::optimizer,
      "L-BFGS only: stop when ‖∇J‖₂ (OWL-QN: the pseudo-gradient's) is at most this (a mini-batch moves on to the next batch)"),
    s("optimizer.rel_cost_tol", "train.optimizer.rel_cost_tol", "number", Scalar, "1e-9", checks::optimizer,
      "L-BFGS only: stop when an iteration changes J by at most this × max(|J|, 1)"),
    s("network.init", "network.init", "initialization", Scalar, "\"glorot\"", checks::none,
      "Weight initialization: uniform (U[-1,1]), uniform(a,b), he (He uniform), glorot"),
    s("network.init_weights", "network.init_weights", "file", Scalar, "\"start.safetensors\"", checks::none,
      "Start from the weights in this safetensors file instead of network.init"),
    s("regularization.l2", "train.regularization.l2", "number", Scalar, "1.0", checks::regularization,
      "λ of the L2 penalty (λ/2N) Σ w²"),
    s("regularization.l1", "train.regularization.l1", "number", Scalar, "0.5", checks::regularization,
      "λ1 of the L1 penalty (λ1/N) Σ |w|"),
    s("regularization.scale", "train.regularization.scale", "training-set or batch", Scalar, "\"batch\"", checks::regularization,
      "What N is in λ/2N: the training-set size or the mini-batch size"),
    s("train.batch_size", "train.batch_size", "integer", Scalar, "32", checks::train,
      "Rows per mini-batch"),
    s("train.epochs", "train.epochs", "integer", Scalar, "3", checks::epochs,
      "Passes over the training set"),
    s("train.shuffle", "train.shuffle", "true/false", Scalar, "false", checks::none,
      "Reshuffle the training set every epoch (seeded)"),
    s("train.seed", "train.seed", "integer", Scalar, "7", checks::none,
      "Seed of the initial weights and the shuffling (each from its own derived stream)"),
    s("train.threads", "train.threads", "integer", Scalar, "2", checks::train,
      "Threads per run; not part of a run's identity. At most max(256, 4 × cores); more than the cores warns"),
    s("train.eval_batch", "train.eval_batch", "integer", Scalar, "500", checks::train,
      "Rows per forward pass when evaluating"),
    s("train.eval_every", "train.eval_every", "integer", Scalar, "5", checks::train,
      "Evaluate train, CV (and test) every k epochs; epoch 0 and the last epoch always (the epochs between record no metrics)"),
    s("train.bayes", "train.bayes", "table", Scalar, "{ sampler = \"weights\", kl_weighting = \"blundell\" }", checks::bayes,
      "Make the run variational (Bayes by Backprop): { prior = { kind = \"gaussian\", sigma = 1.0 } or { kind = \"mixture\", pi = 0.5, sigma1 = 1.0, sigma2 = 0.0025 }, sampler = \"local\" or \"weights\", kl_weighting = \"uniform\" or \"blundell\", temperature = 1.0, warmup_epochs = 0, rho_init = -5.0, samples = 10, final_samples = 100 }; {} is all defaults. Absent: the deterministic network"),
];

/// The setting at `path` (as users write it), if there is one.
///
/// ```
/// assert!(mlplab::experiment::setting("train.epochs").is_some());
/// assert!(mlplab::experiment::setting("train.epoch").is_none());
/// ```
pub fn setting(path: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.path == path)
}

/// The index in [`SETTINGS`] of the setting at `path`, or a message naming the closest
/// valid path.
pub(crate) fn index_of(path: &str) -> Result<usize, String> {
    if let Some(i) = SETTINGS.iter().position(|s| s.path == path) {
        return Ok(i);
    }
    let near = closest(path, SETTINGS.iter().map(|s| s.path)).unwrap_or("train.epochs");
    Err(format!(
        "unknown setting `{path}`; did you mean `{near}`? (`mlplab train --help` lists every \
         setting)"
    ))
}

/// The settings of one section, in grid order.
pub(crate) fn in_section(section: &str) -> impl Iterator<Item = &'static Setting> + '_ {
    SETTINGS.iter().filter(move |s| s.section() == section)
}

/// The default of a setting, read from `RunConfig::default()`. `None` where the default is
/// "absent" (e.g. `network.inputs`: the dataset's width).
///
/// ```
/// use mlplab::experiment::{default_of, setting};
/// assert_eq!(default_of(setting("train.batch_size").unwrap()), Some(serde_json::json!(100)));
/// assert_eq!(default_of(setting("network.dtype").unwrap()), Some(serde_json::json!("f32")));
/// assert_eq!(default_of(setting("network.inputs").unwrap()), None);
/// ```
pub fn default_of(setting: &Setting) -> Option<Value> {
    json::get(&RunConfig::default().settings_json(), setting.json)
        .filter(|v| !v.is_null())
        .cloned()
}

/// One line of help for a shortcut flag: the setting's help and its default.
///
/// ```
/// let h = mlplab::experiment::flag_help("optimizer.beta2");
/// assert!(h.contains("[default: 0.999]"), "{h}");
/// ```
pub fn flag_help(path: &str) -> String {
    match setting(path) {
        Some(s) => format!(
            "{} [default: {}] (= --set {path}=…)",
            s.help,
            show_default(s)
        ),
        None => format!("(unknown setting {path})"),
    }
}

fn show_default(s: &Setting) -> String {
    default_of(s).map_or_else(|| "none".to_string(), |v| json::show(&v))
}

/// The settings list printed by `mlplab train --help` (and `sweep`, `reproduce`): every
/// setting with its default and help, by section.
///
/// ```
/// let help = mlplab::experiment::settings_help();
/// assert!(help.contains("optimizer.beta2 = 0.999"), "{help}");
/// ```
pub fn settings_help() -> String {
    let mut out = String::from(
        "Settings. In an experiment file: `[section]` then `key = VALUE` (a list of values \
         sweeps). On the command line: --set section.key=VALUE (repeatable; VALUE in TOML, \
         e.g. --set optimizer.beta2=0.99, --set network.hidden=[64,64], \
         --set data.split={kind=\"per-class\",k=100}; a plain word needs no quotes). The \
         shortcut flags above set the same settings; --set is applied after them.\n",
    );
    for section in SECTIONS {
        out.push('\n');
        for s in in_section(section) {
            out.push_str(&format!(
                "  {} = {}    ({}; e.g. {})\n      {}\n",
                s.path,
                show_default(s),
                s.takes,
                s.example,
                s.help
            ));
        }
    }
    out
}
