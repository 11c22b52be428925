//! [`TrainConfig`]: how to train (loss, optimizer, penalty, batches, epochs, seed, threads),
//! every default written once.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

use std::sync::OnceLock;

use crate::nn::bayes::BayesConfig;
use crate::nn::error::{Result, config};
use crate::nn::loss::Loss;
use crate::nn::network::Architecture;
use crate::nn::optim::{OptimizerConfig, OptimizerKind};
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
    /// Threads for this run: 1 = the calling thread only. Default 1. At most
    /// [`max_threads`] (an error above it); more than the machine's cores is allowed
    /// but slower ([`TrainConfig::threads_warning`]).
    pub threads: usize,
    /// Rows per forward pass when evaluating. Default 1000.
    pub eval_batch: usize,
    /// Evaluate the sets every this many epochs; epoch 0 and the last epoch always. The
    /// records of the epochs between carry no metrics (stored as NULL). Default 1, left out
    /// of the JSON at 1 (runs keep their keys).
    #[serde(skip_serializing_if = "is_one")]
    pub eval_every: usize,
    /// Makes the run variational (Bayes by Backprop, [`crate::train::fit_bayes`]): the
    /// prior, sampler, KL weighting and Monte-Carlo samples. Default `None` (deterministic),
    /// left out of the JSON then (runs keep their keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bayes: Option<BayesConfig>,
}

fn is_one(n: &usize) -> bool {
    *n == 1
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
            eval_every: 1,
            bayes: None,
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
        if self.threads > max_threads() {
            return Err(config(format!(
                "threads = {}: at most {} (the larger of {THREADS_CAP} and 4 × the {} cores \
                 here); more threads than cores only slow a run down",
                self.threads,
                max_threads(),
                cores()
            )));
        }
        if self.eval_every == 0 {
            return Err(config(
                "eval_every = 0: must be ≥ 1 (1 = every epoch; the last epoch is always evaluated)",
            ));
        }
        if self.eval_batch == 0 {
            return Err(config("eval_batch = 0: must be ≥ 1"));
        }
        self.optimizer.validate()?;
        self.regularization.validate()?;
        if let Some(bayes) = &self.bayes {
            bayes.validate()?;
            let reg = &self.regularization;
            if reg.l2 != 0.0 || reg.l1 != 0.0 {
                return Err(config(format!(
                    "regularization l2 = {}, l1 = {} with train.bayes: a variational run's \
                     regularizer is its prior; set l2 = l1 = 0 (or a narrower prior)",
                    reg.l2, reg.l1
                )));
            }
        }
        Ok(())
    }
}

/// The thread cap on any machine with up to 64 cores: [`max_threads`] is the larger of this
/// and 4 × the cores.
pub const THREADS_CAP: usize = 256;

/// The cores this process may use (`std::thread::available_parallelism`, 1 when unknown),
/// read once.
///
/// ```
/// assert!(mlplab::train::cores() >= 1);
/// ```
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The most threads a run may ask for: `max(256, 4 × cores)`. Above the cores a run is
/// allowed (with a warning) but gains nothing; far above them, thread start-up and
/// synchronization dominate (10,000 threads turned a 0.1 s run into 75 s).
///
/// ```
/// assert!(mlplab::train::max_threads() >= 256);
/// ```
pub fn max_threads() -> usize {
    THREADS_CAP.max(cores().saturating_mul(4))
}

/// Bytes of memory the system has available for new allocations: `MemAvailable` in
/// `/proc/meminfo` (Linux). `None` where that cannot be read or parsed (then no memory check
/// is made).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_available(&text)
}

/// `MemAvailable:  123456 kB` → bytes.
fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let mut words = line.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    let unit = match words.next() {
        Some("kB") => 1024,
        None => 1,
        Some(_) => return None,
    };
    value.checked_mul(unit)
}

/// `bytes` in a unit a person reads at a glance: `1.5 GiB`.
pub(crate) fn show_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

impl TrainConfig {
    /// A warning when more threads are asked for than the machine has cores (allowed, but
    /// the extra threads only wait); `None` otherwise.
    ///
    /// ```
    /// use mlplab::train::TrainConfig;
    /// assert!(TrainConfig::default().threads_warning().is_none());
    /// let many = TrainConfig { threads: mlplab::train::cores() + 1, ..Default::default() };
    /// assert!(many.threads_warning().unwrap().contains("cores"));
    /// ```
    pub fn threads_warning(&self) -> Option<String> {
        (self.threads > cores()).then(|| {
            format!(
                "train.threads = {} is more than the {} cores here: the extra threads only \
                 wait (results are the same, the run is not faster)",
                self.threads,
                cores()
            )
        })
    }

    /// Bytes needed to train a network of `arch` with this config on `train_len` rows, in a
    /// number type of `scalar_bytes` bytes (see [`Architecture::memory_bytes`]; plus the
    /// shuffling order). An overflow is an error.
    ///
    /// ```
    /// use mlplab::nn::network::Architecture;
    /// use mlplab::train::TrainConfig;
    /// let bytes = TrainConfig::default().memory_bytes(&Architecture::study(784, 10), 4, 10_000);
    /// assert!(bytes.unwrap() < 64 << 20);
    /// ```
    pub fn memory_bytes(
        &self,
        arch: &Architecture,
        scalar_bytes: usize,
        train_len: usize,
    ) -> Result<u64> {
        let rows = self.batch_size.min(train_len).max(1);
        // One pass over the whole batch whatever the thread count (the threads share its
        // products), so one set of batch buffers and one gradient.
        let parts = 1;
        let state = match self.optimizer.kind {
            OptimizerKind::Sgd => 0,
            OptimizerKind::Momentum | OptimizerKind::RmsProp => 1,
            OptimizerKind::Adam => 2,
            // 2m pair vectors, and x, g, d, the trial point and gradient, s, y, ◇, the
            // orthant and the summed gradient (see nn::lbfgs, nn::owlqn, train::quasi_newton)
            OptimizerKind::Lbfgs => 2 * self.optimizer.history + 10,
        };
        let net = arch.memory_bytes(rows, self.eval_batch, scalar_bytes, state, parts)?;
        (train_len as u64)
            .checked_mul(std::mem::size_of::<usize>() as u64)
            .and_then(|order| order.checked_add(net))
            .ok_or_else(|| config("the memory estimate overflows"))
    }

    /// Refuses, before anything is allocated, a run whose [memory
    /// estimate](TrainConfig::memory_bytes) exceeds the memory available
    /// ([`available_memory`]); the message gives both. No check where the available memory
    /// cannot be read.
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, network::Architecture};
    /// use mlplab::train::TrainConfig;
    /// let cfg = TrainConfig::default();
    /// assert!(cfg.check_memory(&Architecture::study(784, 10), 4, 10_000).is_ok());
    /// let huge = Architecture::mlp(784, &[1 << 40], Activation::Relu, 10, Activation::Softmax);
    /// assert!(cfg.check_memory(&huge, 4, 10_000).is_err()); // 2⁴⁰ × 794 × 4 bytes, and more
    /// ```
    pub fn check_memory(
        &self,
        arch: &Architecture,
        scalar_bytes: usize,
        train_len: usize,
    ) -> Result<()> {
        arch.validate()?;
        let needed = self.memory_bytes(arch, scalar_bytes, train_len)?;
        let Some(available) = available_memory() else {
            return Ok(());
        };
        if needed > available {
            return Err(config(format!(
                "network {} needs about {} to train (parameters, gradients, optimizer state, \
                 workspaces for batches of {} and evaluation blocks of {} rows), but only {} of \
                 memory is available (MemAvailable in /proc/meminfo): make the hidden layers \
                 narrower, or batch_size / eval_batch / threads smaller",
                arch.describe(),
                show_bytes(needed),
                self.batch_size,
                self.eval_batch,
                show_bytes(available)
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_available_is_read_in_bytes_and_a_bad_file_gives_none() {
        let text = "MemTotal:  100 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(parse_mem_available(text), Some(2048 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(parse_mem_available("MemAvailable: lots kB"), None);
        assert_eq!(parse_mem_available("MemAvailable: 5 MB"), None);
        assert_eq!(
            parse_mem_available("MemAvailable: 99999999999999999999 kB"),
            None
        );
        assert_eq!(show_bytes(1536 << 20), "1.5 GiB");
    }

    #[test]
    fn threads_above_the_cap_are_refused() {
        let cfg = |threads| TrainConfig {
            threads,
            ..Default::default()
        };
        assert!(cfg(max_threads()).validate().is_ok());
        let e = cfg(max_threads() + 1).validate().unwrap_err().to_string();
        assert!(e.contains("threads") && e.contains("at most"), "{e}");
        assert!(cfg(10_000).validate().is_err());
    }
}
