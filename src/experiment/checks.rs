//! The validity checks the settings table names ([`super::SETTINGS`]), one per concern.
//!
//! Where the library has a range check it is called, not restated: the optimizer's constants
//! are checked by [`crate::nn::optim::OptimizerConfig::validate`], λ and λ1 by
//! [`crate::nn::regularization::Regularization::validate`], the training constants by
//! [`crate::train::TrainConfig::validate`] and layer widths by
//! [`crate::nn::network::Architecture::validate`]. The library names a field within its own
//! config (`beta2 = 0: …`); the check adds the section (`optimizer.beta2 = 0: …`).
//!
//! A check may read settings listed before its own in the table (the input width is checked
//! against the dataset, the activations against the hidden layers): the grid applies the
//! settings in table order, so a failure is blamed on the setting just applied.

use super::run::{RunConfig, known_shape};
use crate::nn::activation::Activation;
use crate::nn::error::Error;
use crate::nn::loss::Loss;
use crate::nn::network::{Architecture, LayerSpec};

/// The library's message, with the section that holds the field it names.
fn in_section(section: &str, e: Error) -> String {
    match e {
        Error::Config(m) => format!("{section}.{m}"),
        other => format!("{section}: {other}"),
    }
}

/// No check beyond the value's type.
pub(crate) fn none(_: &RunConfig) -> Result<(), String> {
    Ok(())
}

/// `data.dataset` names something.
pub(crate) fn dataset(r: &RunConfig) -> Result<(), String> {
    if r.data.dataset.trim().is_empty() {
        return Err(format!(
            "data.dataset = {:?}: name a dataset such as \"mnist\"",
            r.data.dataset
        ));
    }
    Ok(())
}

/// `network.inputs`: at least 1 (the library's rule), and the dataset's width when the
/// dataset's shape is known before loading.
pub(crate) fn inputs(r: &RunConfig) -> Result<(), String> {
    let Some(inputs) = r.network.inputs else {
        return Ok(());
    };
    let probe = Architecture {
        inputs,
        layers: vec![LayerSpec {
            width: 1,
            activation: Activation::Identity,
        }],
    };
    probe
        .validate()
        .map_err(|e| in_section("network.inputs", e))?;
    if let Some((width, _)) = known_shape(&r.data.dataset)
        && inputs != width
    {
        return Err(format!(
            "network.inputs = {inputs}, but {} rows have {width} features: remove \
             network.inputs or set it to {width}",
            r.data.dataset
        ));
    }
    Ok(())
}

/// `network.hidden`: at least one hidden layer, and widths the library accepts.
pub(crate) fn hidden(r: &RunConfig) -> Result<(), String> {
    let h = &r.network.hidden;
    if h.is_empty() {
        return Err(
            "network.hidden = []: the network is empty; give at least one hidden \
                    layer width, e.g. hidden = [128]"
                .into(),
        );
    }
    let probe = Architecture::mlp(1, h, Activation::Identity, 1, Activation::Identity);
    probe.validate().map_err(|e| match e {
        Error::Config(m) => format!("network.hidden = {h:?}: {m}"),
        other => format!("network.hidden = {h:?}: {other}"),
    })
}

/// `network.activation`: element-wise, and one per hidden layer when a list.
pub(crate) fn activation(r: &RunConfig) -> Result<(), String> {
    r.network.activation.check(r.network.hidden.len())
}

/// The optimizer's constants, by the optimizer's own check.
pub(crate) fn optimizer(r: &RunConfig) -> Result<(), String> {
    r.train
        .optimizer
        .validate()
        .map_err(|e| in_section("optimizer", e))
}

/// λ, λ1 and their scale, by the regularization's own check.
pub(crate) fn regularization(r: &RunConfig) -> Result<(), String> {
    r.train
        .regularization
        .validate()
        .map_err(|e| in_section("regularization", e))
}

/// The training constants (batch size, threads, evaluation batch), by the training
/// config's own check. Its optimizer and regularization are checked first, so that the
/// message names their section.
pub(crate) fn train(r: &RunConfig) -> Result<(), String> {
    optimizer(r)?;
    regularization(r)?;
    r.train.validate().map_err(|e| in_section("train", e))
}

/// A variational run's constants, by [`BayesConfig::validate`](crate::nn::bayes::BayesConfig::validate)
/// (through the training config's check, which also refuses an L2/L1 penalty beside a prior).
pub(crate) fn bayes(r: &RunConfig) -> Result<(), String> {
    if r.train.bayes.is_none() {
        return Ok(());
    }
    r.train.validate().map_err(|e| in_section("train", e))
}

/// At least one epoch (the trainer itself accepts 0: evaluation only).
pub(crate) fn epochs(r: &RunConfig) -> Result<(), String> {
    if r.train.epochs == 0 {
        return Err("train.epochs = 0: must be ≥ 1".into());
    }
    Ok(())
}

/// `train.loss` fits `network.output`: cce takes probabilities that sum to 1 (softmax), bce
/// one probability per output (sigmoid); mse takes any output. Another pair trains to a
/// small cost at chance accuracy, so it is refused unless `network.allow_mismatch = true`.
pub(crate) fn loss(r: &RunConfig) -> Result<(), String> {
    let (loss, output) = (r.train.loss, &r.network.output);
    let needs = match loss {
        Loss::Mse => return Ok(()),
        Loss::Cce => Activation::Softmax,
        Loss::Bce => Activation::Sigmoid,
    };
    if *output == needs || r.network.allow_mismatch {
        return Ok(());
    }
    Err(format!(
        "train.loss = {loss} needs network.output = {needs}, not {output}: valid pairs are cce \
         with softmax, bce with sigmoid, and mse with any output; set network.output = \
         \"{needs}\" (or train.loss = \"mse\"), or network.allow_mismatch = true to train \
         this pair anyway"
    ))
}

/// The rule a study name follows, for messages.
pub(crate) const NAME_RULE: &str = "a study name is 1 to 100 characters: ASCII letters, \
    digits, '-', '_' and '.', starting with a letter or digit, without '..' (it names a folder \
    under studies/; use --out DIR to put a study elsewhere)";

/// A study name names one folder under `studies/`: no separators, no `..`, no leading dot,
/// nothing empty or absurdly long.
pub(crate) fn study_name(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let valid = (1..=100).contains(&name.len())
        && name.chars().all(ok_char)
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.contains("..");
    if valid {
        Ok(())
    } else {
        Err(format!(
            "name = {name:?} is not a valid study name: {NAME_RULE}"
        ))
    }
}

/// `data.train_size`: positive; a multiple of the classes and within the study split where
/// those are known before loading (the loader checks the rest against the data itself).
pub(crate) fn train_size(r: &RunConfig) -> Result<(), String> {
    let Some(size) = r.data.train_size else {
        return Ok(());
    };
    let classes = known_shape(&r.data.dataset).map(|(_, k)| k);
    if size == 0 {
        return Err(
            "data.train_size = 0: give a positive number of training rows (a multiple \
                    of the number of classes), or leave it out for the whole split"
                .into(),
        );
    }
    if let Some(k) = classes
        && !size.is_multiple_of(k)
    {
        return Err(format!(
            "data.train_size = {size}: must be a multiple of {k}, the classes of {}, since \
             the subset is balanced per class (e.g. {} or {})",
            r.data.dataset,
            (size / k).max(1) * k,
            (size / k + 1) * k
        ));
    }
    if let crate::data::Split::Study { train_size: n, .. } = r.data.split
        && size > n
    {
        return Err(format!(
            "data.train_size = {size}: larger than the training split's {n} rows \
             (data.split); give at most {n}"
        ));
    }
    Ok(())
}

/// `data.label_noise`: a rate in [0, 1), and 0 when `data.labels = "random"`.
pub(crate) fn label_noise(r: &RunConfig) -> Result<(), String> {
    r.data.label_noise.validate()
}

/// `data.labels`: random labels replace every label, so no label noise on top.
pub(crate) fn labels(r: &RunConfig) -> Result<(), String> {
    if r.data.labels == crate::data::Labels::Random && !r.data.label_noise.is_none() {
        return Err(format!(
            "data.labels = \"random\" with data.label_noise = {}: random labels already \
             replace every training label; set data.label_noise = 0 (or data.labels = \"given\")",
            r.data.label_noise.rate
        ));
    }
    Ok(())
}
