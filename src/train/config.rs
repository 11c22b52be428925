//! [`TrainConfig`]: how to train (loss, optimizer, penalty, batches, epochs, seed, threads),
//! every default written once.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

use crate::nn::error::{Result, config};
use crate::nn::loss::Loss;
use crate::nn::optim::OptimizerConfig;
use crate::nn::regularization::Regularization;

/// Everything about how to train, except the network and the data. Every default is
/// written once, in the `Default` impl.
///
/// ```
/// use mlplab::train::TrainConfig;
/// let cfg = TrainConfig::default();
/// assert_eq!((cfg.batch_size, cfg.epochs, cfg.threads), (100, 20, 1));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// The loss. Default cross-entropy.
    pub loss: Loss,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// L2 / L1 penalties.
    pub regularization: Regularization,
    /// Rows per mini-batch (the last batch of an epoch may be smaller). Default 100.
    pub batch_size: usize,
    /// Passes over the training set. Default 20.
    pub epochs: usize,
    /// Reshuffle the training set every epoch (seeded). Default true.
    pub shuffle: bool,
    /// Seed of the shuffling stream (the weights have their own, see
    /// [`Network::new`](crate::nn::network::Network::new)).
    pub seed: u64,
    /// Threads for this run: 1 = the calling thread only. Default 1.
    pub threads: usize,
    /// Rows per forward pass when evaluating. Default 1000.
    pub eval_batch: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            loss: Loss::Cce,
            optimizer: OptimizerConfig::default(),
            regularization: Regularization::default(),
            batch_size: 100,
            epochs: 20,
            shuffle: true,
            seed: 0,
            threads: 1,
            eval_batch: 1000,
        }
    }
}

impl TrainConfig {
    /// Checks every field and names the one out of range (including the optimizer's and the
    /// regularization's).
    ///
    /// ```
    /// use mlplab::train::TrainConfig;
    /// assert!(TrainConfig::default().validate().is_ok());
    /// let bad = TrainConfig { batch_size: 0, ..Default::default() };
    /// assert!(bad.validate().unwrap_err().to_string().contains("batch_size"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(config("batch_size = 0: must be ≥ 1"));
        }
        if self.threads == 0 {
            return Err(config("threads = 0: must be ≥ 1"));
        }
        if self.eval_batch == 0 {
            return Err(config("eval_batch = 0: must be ≥ 1"));
        }
        self.optimizer.validate()?;
        self.regularization.validate()
    }
}
