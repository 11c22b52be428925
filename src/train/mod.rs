//! The training loop: seeded shuffling, mini-batches, per-batch cost, per-epoch evaluation
//! in large batches, per-layer norms, and a stop on divergence.
//!
//! Every buffer a step needs is sized once in [`Trainer::new`]; [`Trainer::step`] allocates
//! nothing.
//!
//! One step is SPEC §4 followed by one update of SPEC §5: forward on the batch, cost
//! `J = (1/n) Σ L + penalty` (SPEC §3) on the parameters *before* the update, backward, then
//! the optimizer. The cost is checked for NaN/∞ before the update, so a diverged run stops
//! with the parameters that produced the bad cost ([`Error::Diverged`]).

#![warn(missing_docs)]

use std::ops::ControlFlow;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::nn::error::{Error, Result, config};
use crate::nn::loss::Loss;
use crate::nn::matmul::Threads;
use crate::nn::network::{Architecture, Network, Workspace, frobenius};
use crate::nn::optim::{Optimizer, OptimizerConfig};
use crate::nn::regularization::Regularization;
use crate::nn::rng::Rng;
use crate::nn::scalar::Scalar;
use rayon::prelude::*;

/// A labelled set as the trainer sees it: `x` is n×width row-major, `labels` n values < classes.
///
/// Build it with [`Samples::new`], which checks what the trainer relies on (shapes, label
/// range, finite features). The fields are public for reading; a `Samples` written as a
/// struct literal skips those checks.
///
/// ```
/// use mlplab::train::Samples;
/// let s = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[1, 0], 2, 2).unwrap();
/// assert_eq!(s.len(), 2);
/// assert!(Samples::new(&[0.0, f32::NAN], &[0], 2, 2).is_err());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    /// Features, n×width.
    pub x: &'a [f32],
    /// Class labels.
    pub labels: &'a [u32],
    /// Features per example.
    pub width: usize,
    /// Number of classes.
    pub classes: usize,
}

impl<'a> Samples<'a> {
    /// Checks shapes (`x.len() = labels.len() · width`, `width ≥ 1`), label range
    /// (`label < classes`) and that every feature is finite, naming the example at fault.
    ///
    /// ```
    /// use mlplab::{error::Error, train::Samples};
    /// assert!(Samples::new(&[0.5, 0.5], &[1], 2, 2).is_ok());
    /// assert!(matches!(Samples::new(&[0.5, 0.5], &[2], 2, 2), Err(Error::Data(_))));
    /// assert!(matches!(Samples::new(&[0.5], &[0], 2, 2), Err(Error::Shape(_))));
    /// ```
    pub fn new(x: &'a [f32], labels: &'a [u32], width: usize, classes: usize) -> Result<Self> {
        if width == 0 || x.len() != labels.len() * width {
            return Err(Error::Shape(format!(
                "{} feature values for {} labels of width {width} (expected {})",
                x.len(),
                labels.len(),
                labels.len() * width
            )));
        }
        if let Some((i, &l)) = labels
            .iter()
            .enumerate()
            .find(|&(_, &l)| l as usize >= classes)
        {
            return Err(Error::Data(format!(
                "label {l} of example {i} is out of range: valid labels are 0..{classes}"
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::Data(format!(
                "feature {} of example {} is {}: inputs must be finite",
                i % width,
                i / width,
                x[i]
            )));
        }
        Ok(Samples {
            x,
            labels,
            width,
            classes,
        })
    }

    /// Number of examples n.
    ///
    /// ```
    /// use mlplab::train::Samples;
    /// assert_eq!(Samples::new(&[0.0; 6], &[0, 1, 0], 2, 2).unwrap().len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples.
    ///
    /// ```
    /// use mlplab::train::Samples;
    /// assert!(Samples::new(&[], &[], 2, 2).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

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
    /// Seed of the shuffling stream (the weights have their own, see [`Network::new`]).
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

/// Cost and accuracy on one evaluation set ([`Trainer::evaluate`]).
///
/// ```
/// use mlplab::train::Metrics;
/// let m = Metrics { cost: 0.5, loss: 0.4, accuracy: 0.9 };
/// assert!(m.cost - m.loss > 0.0); // the difference is the penalty
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `J`: mean loss plus penalty.
    pub cost: f64,
    /// Mean loss alone.
    pub loss: f64,
    /// Fraction of rows whose arg-max output is the label.
    pub accuracy: f64,
}

/// What one mini-batch step did ([`Trainer::step`], [`Observer::batch`]).
///
/// ```
/// use mlplab::train::{BatchRecord, Samples, Trainer, TrainConfig};
/// use mlplab::{init::Init, network::{Architecture, Network}};
/// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
/// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
/// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
/// let r: BatchRecord = trainer.step(&data, &[0, 1]).unwrap();
/// assert_eq!((r.step, r.epoch), (1, 1));
/// assert!(r.cost > 0.0 && [0.0, 0.5, 1.0].contains(&r.accuracy));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchRecord {
    /// 1-based step count over the whole run.
    pub step: u64,
    /// 1-based epoch.
    pub epoch: usize,
    /// `J` on this batch, before the update.
    pub cost: f64,
    /// Accuracy on this batch, before the update.
    pub accuracy: f64,
}

/// The state after an epoch (epoch 0: before training), as [`fit`] returns it.
///
/// ```
/// use mlplab::{init::Init, network::{Architecture, Network}, train::{fit, Samples, TrainConfig}};
/// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
/// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
/// let cfg = TrainConfig { epochs: 1, ..Default::default() };
/// let (_, history) = fit(net, &cfg, &data, &[data], &mut ()).unwrap();
/// assert!(history[0].grad_norms.is_empty()); // nothing trained yet
/// assert_eq!((history[1].epoch, history[1].step), (1, 1));
/// assert_eq!(history[1].grad_norms.len(), 5);
/// assert_eq!(history[1].evals.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRecord {
    /// 0 = initial network.
    pub epoch: usize,
    /// Steps taken so far.
    pub step: u64,
    /// Metrics on each evaluation set, in the order given to [`fit`].
    pub evals: Vec<Metrics>,
    /// Per layer, mean over this epoch's steps of `‖dW[l]‖_F` (empty for epoch 0).
    pub grad_norms: Vec<f64>,
    /// Per layer `‖W[l]‖_F` at the end of the epoch.
    pub weight_norms: Vec<f64>,
    /// Seconds since training started.
    pub seconds: f64,
}

/// Receives progress; returning `Break` stops training with [`Error::Stopped`]. Both
/// methods default to `Continue`, and `()` is the observer that watches nothing.
///
/// ```
/// use std::ops::ControlFlow;
/// use mlplab::{error::Error, init::Init, network::{Architecture, Network}};
/// use mlplab::train::{fit, BatchRecord, Observer, Samples, TrainConfig};
/// struct StopAfter(u64);
/// impl Observer for StopAfter {
///     fn batch(&mut self, r: &BatchRecord) -> ControlFlow<()> {
///         if r.step >= self.0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
///     }
/// }
/// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
/// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
/// let cfg = TrainConfig { batch_size: 1, ..Default::default() };
/// let err = fit(net, &cfg, &data, &[], &mut StopAfter(3)).unwrap_err();
/// assert_eq!(err, Error::Stopped { step: 3, epoch: 2 });
/// ```
pub trait Observer {
    /// After every step.
    ///
    /// ```
    /// use mlplab::train::{BatchRecord, Observer};
    /// let r = BatchRecord { step: 1, epoch: 1, cost: 0.7, accuracy: 0.5 };
    /// assert!(().batch(&r).is_continue());
    /// ```
    fn batch(&mut self, _record: &BatchRecord) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    /// After every epoch (and once before the first, with `epoch = 0`).
    ///
    /// ```
    /// use mlplab::train::{EpochRecord, Observer};
    /// let r = EpochRecord {
    ///     epoch: 0, step: 0, evals: vec![], grad_norms: vec![], weight_norms: vec![], seconds: 0.0,
    /// };
    /// assert!(().epoch(&r).is_continue());
    /// ```
    fn epoch(&mut self, _record: &EpochRecord) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl Observer for () {}

/// A network, its optimizer, and every buffer a step needs. [`fit`] is the usual way in;
/// a `Trainer` is for driving steps one at a time (benchmarks, gradient inspection).
///
/// ```
/// use mlplab::{init::Init, network::{Architecture, Network}};
/// use mlplab::train::{Samples, Trainer, TrainConfig};
/// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
/// let net = Network::<f64>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
/// let mut trainer = Trainer::new(net, TrainConfig::default(), data.len()).unwrap();
/// let before = trainer.evaluate(&data).unwrap().cost;
/// for _ in 0..20 {
///     trainer.step(&data, &[0, 1]).unwrap();
/// }
/// assert!(trainer.evaluate(&data).unwrap().cost < before);
/// ```
pub struct Trainer<T> {
    /// The network being trained.
    pub net: Network<T>,
    cfg: TrainConfig,
    opt: Optimizer<T>,
    /// One slice of each batch per thread (one part on a single thread).
    parts: Vec<Part<T>>,
    batch_rows: usize,
    eval_ws: Workspace<T>,
    grad: Vec<T>,
    x_eval: Vec<T>,
    y_eval: Vec<T>,
    order: Vec<usize>,
    shuffle_rng: Rng,
    weight_ranges: Vec<std::ops::Range<usize>>,
    grad_norm_sums: Vec<f64>,
    train_len: usize,
    step: u64,
    epoch: usize,
}

impl<T: Scalar> Trainer<T> {
    /// Sizes every buffer for `net`, `cfg` and a training set of `train_len` rows. Fails when
    /// `cfg` does not [validate](TrainConfig::validate) or `train_len` is 0.
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}, train::{Trainer, TrainConfig}};
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// assert!(Trainer::new(net.clone(), TrainConfig::default(), 10).is_ok());
    /// assert!(Trainer::new(net, TrainConfig::default(), 0).is_err());
    /// ```
    pub fn new(net: Network<T>, cfg: TrainConfig, train_len: usize) -> Result<Self> {
        cfg.validate()?;
        if train_len == 0 {
            return Err(Error::Data("the training set is empty".into()));
        }
        let arch = net.architecture().clone();
        let threads = if cfg.threads > 1 {
            Threads::Pool
        } else {
            Threads::One
        };
        let rows = cfg.batch_size.min(train_len);
        let n_params = net.params().len();
        let depth = net.layout().len();
        // Several threads train data-parallel: each takes a slice of the batch through the
        // whole network on its own (no synchronization inside the pass), and the slices'
        // gradients are added in a fixed order, so a thread count always gives the same bits.
        let n_parts = cfg.threads.min(rows).max(1);
        let part_rows = rows.div_ceil(n_parts);
        let parts = (0..n_parts)
            .map(|_| Part::new(&arch, part_rows, n_params))
            .collect();
        Ok(Trainer {
            opt: Optimizer::new(cfg.optimizer, n_params),
            parts,
            batch_rows: rows,
            eval_ws: Workspace::new(&arch, cfg.eval_batch, threads),
            grad: vec![T::zero(); n_params],
            x_eval: vec![T::zero(); cfg.eval_batch * arch.inputs],
            y_eval: vec![T::zero(); cfg.eval_batch * arch.outputs()],
            order: (0..train_len).collect(),
            shuffle_rng: Rng::derived(cfg.seed, "shuffle"),
            weight_ranges: net.weight_ranges(),
            grad_norm_sums: vec![0.0; depth],
            train_len,
            step: 0,
            epoch: 0,
            net,
            cfg,
        })
    }

    /// The configuration.
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}, train::{Trainer, TrainConfig}};
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let cfg = TrainConfig { epochs: 3, ..Default::default() };
    /// assert_eq!(Trainer::new(net, cfg, 10).unwrap().config().epochs, 3);
    /// ```
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The last gradient computed (layout as the parameters; zeros before the first step).
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// assert!(trainer.gradient().iter().all(|&g| g == 0.0));
    /// trainer.step(&data, &[0, 1]).unwrap();
    /// assert_eq!(trainer.gradient().len(), trainer.net.params().len());
    /// assert!(trainer.gradient().iter().any(|&g| g != 0.0));
    /// ```
    pub fn gradient(&self) -> &[T] {
        if self.parts.len() == 1 {
            &self.parts[0].grad
        } else {
            &self.grad
        }
    }

    /// Steps taken (including a step that failed with [`Error::Diverged`]).
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// trainer.step(&data, &[1]).unwrap();
    /// assert_eq!(trainer.steps(), 1);
    /// ```
    pub fn steps(&self) -> u64 {
        self.step
    }

    fn check(&self, data: &Samples) -> Result<()> {
        let arch = self.net.architecture();
        if data.width != arch.inputs {
            return Err(Error::Shape(format!(
                "data rows have {} features but the network {} takes {}",
                data.width,
                arch.describe(),
                arch.inputs
            )));
        }
        if data.classes != arch.outputs() {
            return Err(Error::Shape(format!(
                "data has {} classes but the network {} has {} outputs",
                data.classes,
                arch.describe(),
                arch.outputs()
            )));
        }
        Ok(())
    }

    /// One mini-batch step on the rows `rows` of `train`: forward, cost, backward, update
    /// (SPEC §3–§5). `rows` holds 1 ..= `min(batch_size, train_len)` indices into `train`.
    /// The penalty's `N` is the `train_len` given to [`Trainer::new`] (or `rows.len()` with
    /// [`PenaltyScale::Batch`](crate::nn::regularization::PenaltyScale::Batch)).
    ///
    /// Fails with [`Error::Shape`] on a width/class mismatch or a bad row list, and with
    /// [`Error::Diverged`] (before updating) when the cost is not finite.
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// assert_eq!(trainer.step(&data, &[1, 0]).unwrap().step, 1);
    /// assert!(trainer.step(&data, &[2]).is_err()); // no row 2
    /// ```
    pub fn step(&mut self, train: &Samples, rows: &[usize]) -> Result<BatchRecord> {
        let n = rows.len();
        self.check(train)?;
        if n == 0 || n > self.batch_rows {
            return Err(Error::Shape(format!(
                "a step needs 1..={} rows, given {n}",
                self.batch_rows
            )));
        }
        if let Some(&r) = rows.iter().find(|&&r| r >= train.len()) {
            return Err(Error::Shape(format!(
                "row {r} is outside the training set of {} rows",
                train.len()
            )));
        }
        let reg = self.cfg.regularization;
        let reg_n = reg.n(self.train_len, n);
        let loss = self.cfg.loss;
        let net = &self.net;
        let (loss_sum, correct) = if self.parts.len() == 1 {
            self.parts[0].run(net, train, rows, n, loss, Some((&reg, reg_n)))
        } else {
            let chunk = n.div_ceil(self.parts.len());
            let used = n.div_ceil(chunk);
            let results: Vec<(f64, usize)> = self.parts[..used]
                .par_iter_mut()
                .zip(rows.par_chunks(chunk))
                .map(|(part, rows)| part.run(net, train, rows, n, loss, None))
                .collect();
            // Σ over the parts, in part order, then the penalty gradient once.
            self.grad.copy_from_slice(&self.parts[0].grad);
            for part in &self.parts[1..used] {
                for (g, &d) in self.grad.iter_mut().zip(&part.grad) {
                    *g += d;
                }
            }
            for r in &self.weight_ranges {
                reg.add_gradient(&net.params()[r.clone()], &mut self.grad[r.clone()], reg_n);
            }
            results
                .iter()
                .fold((0.0, 0), |(l, c), &(dl, dc)| (l + dl, c + dc))
        };
        let cost = loss_sum / n as f64 + self.net.penalty(&reg, reg_n);
        self.step += 1;
        if !cost.is_finite() {
            return Err(Error::Diverged {
                step: self.step,
                epoch: self.epoch.max(1),
                cost,
            });
        }
        let grad: &[T] = if self.parts.len() == 1 {
            &self.parts[0].grad
        } else {
            &self.grad
        };
        for (sum, r) in self.grad_norm_sums.iter_mut().zip(&self.weight_ranges) {
            *sum += frobenius(&grad[r.clone()]);
        }
        self.opt
            .step(self.net.params_mut(), grad, &self.weight_ranges);
        Ok(BatchRecord {
            step: self.step,
            epoch: self.epoch.max(1),
            cost,
            accuracy: correct as f64 / n as f64,
        })
    }

    /// Cost and accuracy on `data`, in batches of `eval_batch` rows. The penalty uses the
    /// `N` of a full training batch; an empty set gives zero loss and accuracy.
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// let m = trainer.evaluate(&data).unwrap();
    /// assert_eq!(m.cost, m.loss); // no penalty by default
    /// assert!([0.0, 0.5, 1.0].contains(&m.accuracy));
    /// ```
    pub fn evaluate(&mut self, data: &Samples) -> Result<Metrics> {
        self.check(data)?;
        let (p, q) = (data.width, data.classes);
        let reg = self.cfg.regularization;
        let penalty = self
            .net
            .penalty(&reg, reg.n(self.train_len, self.cfg.batch_size));
        let rows = self.eval_ws.rows();
        let (xb, yb) = (&mut self.x_eval, &mut self.y_eval);
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for start in (0..data.len()).step_by(rows) {
            let n = rows.min(data.len() - start);
            let rows_x = &data.x[start * p..(start + n) * p];
            // f32 data feeds an f32 network directly; other types get a converted copy.
            let x: &[T] = match T::view_f32(rows_x) {
                Some(x) => x,
                None => {
                    for (d, &s) in xb.iter_mut().zip(rows_x) {
                        *d = T::of(s as f64);
                    }
                    &xb[..n * p]
                }
            };
            let y = &mut yb[..n * q];
            y.fill(T::zero());
            let labels = &data.labels[start..start + n];
            for (i, &l) in labels.iter().enumerate() {
                y[i * q + l as usize] = T::one();
            }
            let out = self.net.forward(x, n, &mut self.eval_ws);
            loss_sum += self.cfg.loss.total(y, out, q);
            correct += count_correct(out, labels.iter().copied(), q);
        }
        let n = data.len().max(1) as f64;
        Ok(Metrics {
            cost: loss_sum / n + penalty,
            loss: loss_sum / n,
            accuracy: correct as f64 / n,
        })
    }

    fn record(
        &mut self,
        evals: &[Samples],
        steps_in_epoch: u64,
        started: Instant,
    ) -> Result<EpochRecord> {
        let metrics = evals
            .iter()
            .map(|d| self.evaluate(d))
            .collect::<Result<_>>()?;
        let grad_norms = if steps_in_epoch == 0 {
            Vec::new()
        } else {
            self.grad_norm_sums
                .iter()
                .map(|s| s / steps_in_epoch as f64)
                .collect()
        };
        self.grad_norm_sums.fill(0.0);
        Ok(EpochRecord {
            epoch: self.epoch,
            step: self.step,
            evals: metrics,
            grad_norms,
            weight_norms: self.net.weight_norms(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Runs `cfg.epochs` epochs on `train`, evaluating `evals` before the first and after each;
    /// returns one record per epoch plus epoch 0. Runs on the current thread pool: use
    /// [`fit`] (or [`with_threads`]) to get `cfg.threads` threads.
    ///
    /// ```
    /// use mlplab::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let cfg = TrainConfig { epochs: 3, batch_size: 1, ..Default::default() };
    /// let mut trainer = Trainer::new(net, cfg, 2).unwrap();
    /// let history = trainer.fit(&data, &[data], &mut ()).unwrap();
    /// assert_eq!(history.len(), 4);
    /// assert_eq!(trainer.steps(), 6);
    /// ```
    pub fn fit(
        &mut self,
        train: &Samples,
        evals: &[Samples],
        observer: &mut (dyn Observer + Send),
    ) -> Result<Vec<EpochRecord>> {
        self.check(train)?;
        for e in evals {
            self.check(e)?;
        }
        if train.len() != self.train_len {
            return Err(Error::Shape(format!(
                "trainer was sized for {} training rows, given {}",
                self.train_len,
                train.len()
            )));
        }
        let started = Instant::now();
        let mut history = Vec::with_capacity(self.cfg.epochs + 1);
        let first = self.record(evals, 0, started)?;
        let stop = observer.epoch(&first).is_break();
        history.push(first);
        if stop {
            return Err(Error::Stopped {
                step: self.step,
                epoch: 0,
            });
        }
        let mut batch_rows = Vec::with_capacity(self.cfg.batch_size);
        for epoch in 1..=self.cfg.epochs {
            self.epoch = epoch;
            if self.cfg.shuffle {
                self.shuffle_rng.shuffle(&mut self.order);
            }
            let before = self.step;
            for start in (0..self.train_len).step_by(self.cfg.batch_size) {
                let end = (start + self.cfg.batch_size).min(self.train_len);
                batch_rows.clear();
                batch_rows.extend_from_slice(&self.order[start..end]);
                let record = self.step(train, &batch_rows)?;
                if observer.batch(&record).is_break() {
                    return Err(Error::Stopped {
                        step: self.step,
                        epoch,
                    });
                }
            }
            let record = self.record(evals, self.step - before, started)?;
            let stop = observer.epoch(&record).is_break();
            history.push(record);
            if stop {
                return Err(Error::Stopped {
                    step: self.step,
                    epoch,
                });
            }
        }
        Ok(history)
    }
}

/// One thread's share of a training step: its rows of the batch, the buffers to take them
/// through the network, and their gradient.
struct Part<T> {
    ws: Workspace<T>,
    grad: Vec<T>,
    x: Vec<T>,
    y: Vec<T>,
}

impl<T: Scalar> Part<T> {
    fn new(arch: &Architecture, rows: usize, n_params: usize) -> Self {
        Part {
            ws: Workspace::new(arch, rows, Threads::One),
            grad: vec![T::zero(); n_params],
            x: vec![T::zero(); rows * arch.inputs],
            y: vec![T::zero(); rows * arch.outputs()],
        }
    }

    /// Forward and backward of `rows` of `train`, as part of a batch of `batch` rows, into
    /// `self.grad`; returns the loss summed over these rows and how many were classified right.
    fn run(
        &mut self,
        net: &Network<T>,
        train: &Samples,
        rows: &[usize],
        batch: usize,
        loss: Loss,
        penalty: Option<(&Regularization, usize)>,
    ) -> (f64, usize) {
        let (n, p, q) = (rows.len(), train.width, train.classes);
        let x = &mut self.x[..n * p];
        let y = &mut self.y[..n * q];
        y.fill(T::zero());
        for (i, &r) in rows.iter().enumerate() {
            for (d, &s) in x[i * p..(i + 1) * p]
                .iter_mut()
                .zip(&train.x[r * p..(r + 1) * p])
            {
                *d = T::of(s as f64);
            }
            y[i * q + train.labels[r] as usize] = T::one();
        }
        let out = net.forward(x, n, &mut self.ws);
        let loss_sum = loss.total(y, out, q);
        let correct = count_correct(out, rows.iter().map(|&r| train.labels[r]), q);
        net.backward_rows(x, y, n, batch, loss, penalty, &mut self.ws, &mut self.grad);
        (loss_sum, correct)
    }
}

fn count_correct<T: Scalar>(out: &[T], labels: impl Iterator<Item = u32>, q: usize) -> usize {
    out.chunks_exact(q)
        .zip(labels)
        .filter(|(row, label)| argmax(row) == *label as usize)
        .count()
}

/// Index of the largest value (first on ties; 0 for an empty row; NaNs are never chosen
/// over an earlier value). PyTorch's `argmax` does not promise which tie it returns.
///
/// ```
/// use mlplab::train::argmax;
/// assert_eq!(argmax(&[0.1f32, 0.7, 0.2]), 1);
/// assert_eq!(argmax(&[0.5f64, 0.5]), 0);
/// ```
pub fn argmax<T: Scalar>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// Trains `net` with `cfg` on `train`, on `cfg.threads` threads, evaluating `evals` every epoch.
/// Returns the trained network and one record per epoch (plus epoch 0).
///
/// ```
/// use mlplab::{init::Init, network::{Architecture, Network}, train::{fit, Samples, TrainConfig}};
/// let x = [0.0f32, 0.0, 1.0, 1.0];
/// let labels = [0u32, 1];
/// let data = Samples::new(&x, &labels, 2, 2).unwrap();
/// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 1).unwrap();
/// let cfg = TrainConfig { epochs: 2, batch_size: 2, ..Default::default() };
/// let (_net, history) = fit(net, &cfg, &data, &[data], &mut ()).unwrap();
/// assert_eq!(history.len(), 3);
/// ```
pub fn fit<T: Scalar>(
    net: Network<T>,
    cfg: &TrainConfig,
    train: &Samples,
    evals: &[Samples],
    observer: &mut (dyn Observer + Send),
) -> Result<(Network<T>, Vec<EpochRecord>)> {
    let mut trainer = Trainer::new(net, cfg.clone(), train.len())?;
    let history = with_threads(cfg.threads, || trainer.fit(train, evals, observer))??;
    Ok((trainer.net, history))
}

/// Runs `f` on a pool of exactly `threads` threads (or on the calling thread when ≤ 1).
/// Fails with [`Error::Config`] when the pool cannot be started.
///
/// ```
/// use mlplab::train::with_threads;
/// assert_eq!(with_threads(2, rayon::current_num_threads).unwrap(), 2);
/// assert_eq!(with_threads(1, || 40 + 2).unwrap(), 42);
/// ```
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    if threads <= 1 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| config(format!("cannot start {threads} threads: {e}")))?;
    Ok(pool.install(f))
}
