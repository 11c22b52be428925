//! [`Trainer`]: a network, its optimizer and every buffer a step needs, and
//! [`Trainer::step`], one mini-batch step (SPEC §3–§5).
//!
//! A step: forward on the batch, cost `J = (1/n) Σ L + penalty` (SPEC §3) on the parameters
//! *before* the update, backward (SPEC §4), the penalty's gradient added once, then the
//! optimizer (SPEC §5). Every step checks, whatever the loss: the cost and the gradient (its
//! per-layer norms, already computed for the records, and the biases) before the update, so
//! a run whose cost or gradient diverged stops with the parameters that produced it; and the
//! parameters after the update (one vectorized pass). The first NaN/∞ ends training with
//! [`Error::Diverged`] naming the step and the quantity.

#![warn(missing_docs)]

use crate::nn::error::{Error, Result, config};
use crate::nn::matmul::Threads;
use crate::nn::network::{Architecture, Network, NonFinite, Workspace, frobenius};
use crate::nn::optim::{Optimizer, OptimizerKind};
use crate::nn::rng::Rng;
use crate::nn::scalar::Scalar;
use crate::nn::scalar::all_finite;
use crate::train::parallel::Part;
use crate::train::{BatchRecord, Samples, TrainConfig};

/// A network, its optimizer, and every buffer a step needs. [`fit`](crate::train::fit) is
/// the usual way in; a `Trainer` is for driving steps one at a time (benchmarks, gradient
/// inspection).
///
/// ```
/// use mlplab::nn::{init::Init, network::{Architecture, Network}};
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
    pub(super) cfg: TrainConfig,
    pub(super) opt: Optimizer<T>,
    /// The batch's buffers and gradient.
    pub(super) batch: Part<T>,
    pub(super) batch_rows: usize,
    pub(super) eval_ws: Workspace<T>,
    pub(super) x_eval: Vec<T>,
    pub(super) y_eval: Vec<T>,
    pub(super) order: Vec<usize>,
    pub(super) shuffle_rng: Rng,
    pub(super) weight_ranges: Vec<std::ops::Range<usize>>,
    pub(super) grad_norm_sums: Vec<f64>,
    /// This step's `‖dW[l]‖_F`, checked before they are added to `grad_norm_sums`.
    pub(super) step_norms: Vec<f64>,
    pub(super) train_len: usize,
    pub(super) step: u64,
    pub(super) epoch: usize,
}

impl<T: Scalar> Trainer<T> {
    /// Sizes every buffer for `net`, `cfg` and a training set of `train_len` rows. Fails when
    /// `cfg` does not [validate](TrainConfig::validate) or `train_len` is 0.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Trainer, TrainConfig};
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// assert!(Trainer::new(net.clone(), TrainConfig::default(), 10).is_ok());
    /// assert!(Trainer::new(net, TrainConfig::default(), 0).is_err());
    /// ```
    pub fn new(net: Network<T>, cfg: TrainConfig, train_len: usize) -> Result<Self> {
        cfg.validate()?;
        if train_len == 0 {
            return Err(Error::Data("the training set is empty".into()));
        }
        cfg.check_memory(net.architecture(), std::mem::size_of::<T>(), train_len)?;
        let arch = net.architecture().clone();
        let threads = if cfg.threads > 1 {
            Threads::UpTo(cfg.threads)
        } else {
            Threads::One
        };
        let rows = cfg.batch_size.min(train_len);
        let n_params = net.params().len();
        let depth = net.layout().len();
        // One pass over the whole batch, whose products share their tiles among the threads:
        // the bits do not depend on the thread count (see `parallel.rs`).
        let batch = Part::new(&arch, rows, n_params, threads);
        Ok(Trainer {
            opt: Optimizer::new(cfg.optimizer, n_params),
            batch,
            batch_rows: rows,
            eval_ws: Workspace::new(&arch, cfg.eval_batch, threads),
            x_eval: vec![T::zero(); cfg.eval_batch * arch.inputs],
            y_eval: vec![T::zero(); cfg.eval_batch * arch.outputs()],
            order: (0..train_len).collect(),
            shuffle_rng: Rng::derived(cfg.seed, "shuffle"),
            weight_ranges: net.weight_ranges(),
            grad_norm_sums: vec![0.0; depth],
            step_norms: vec![0.0; depth],
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
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Trainer, TrainConfig};
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
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
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
        &self.batch.grad
    }

    /// Lets later steps and evaluations use up to `threads` threads of the current pool
    /// (1: the calling thread only). The results do not change: a product gives the same
    /// bits on any number of threads. This is how a sweep hands a finished run's cores to
    /// the runs still going.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig, with_threads};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f64>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut one = Trainer::new(net.clone(), TrainConfig::default(), 2).unwrap();
    /// let mut two = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// one.step(&data, &[0, 1]).unwrap();
    /// two.set_threads(2);
    /// with_threads(2, || two.step(&data, &[0, 1])).unwrap().unwrap();
    /// assert_eq!(one.net.params(), two.net.params());
    /// ```
    pub fn set_threads(&mut self, threads: usize) {
        let threads = if threads > 1 {
            Threads::UpTo(threads)
        } else {
            Threads::One
        };
        self.batch.set_threads(threads);
        self.eval_ws.set_threads(threads);
    }

    /// Steps taken (including a step that failed with [`Error::Diverged`]).
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
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

    /// Fails with [`Error::Shape`] when `data`'s width or class count is not the network's.
    pub(super) fn check(&self, data: &Samples) -> Result<()> {
        check_shape(self.net.architecture(), data)
    }

    /// One mini-batch step on the rows `rows` of `train`: forward, cost, backward, update
    /// (SPEC §3–§5). `rows` holds 1 ..= `min(batch_size, train_len)` indices into `train`.
    /// The penalty's `N` is the `train_len` given to [`Trainer::new`] (or `rows.len()` with
    /// [`PenaltyScale::Batch`](crate::nn::regularization::PenaltyScale::Batch)).
    ///
    /// Fails with [`Error::Shape`] on a width/class mismatch or a bad row list, and with
    /// [`Error::Diverged`] when the cost or the gradient is not finite (before updating) or
    /// a parameter is not finite after the update.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let mut trainer = Trainer::new(net, TrainConfig::default(), 2).unwrap();
    /// assert_eq!(trainer.step(&data, &[1, 0]).unwrap().step, 1);
    /// assert!(trainer.step(&data, &[2]).is_err()); // no row 2
    /// ```
    pub fn step(&mut self, train: &Samples, rows: &[usize]) -> Result<BatchRecord> {
        if self.cfg.optimizer.kind == OptimizerKind::Lbfgs {
            return Err(config(
                "optimizer.kind = lbfgs takes whole iterations with a line search, not single \
                 steps: train it with Trainer::fit",
            ));
        }
        self.check(train)?;
        self.check_rows(train, rows)?;
        let n = rows.len();
        let reg = self.cfg.regularization;
        let reg_n = reg.n(self.train_len, n);
        let (loss_sum, correct) = self.loss_gradient(train, rows);
        // The penalty's share of dW, once, on the whole batch's gradient (SPEC §4).
        self.net
            .add_penalty_gradient(&reg, reg_n, &mut self.batch.grad);
        let cost = loss_sum / n as f64 + self.net.penalty(&reg, reg_n);
        self.step += 1;
        let (step, epoch) = (self.step, self.epoch.max(1));
        let diverged = |quantity: String| Error::Diverged {
            step,
            epoch,
            quantity,
            cost,
        };
        if !cost.is_finite() {
            return Err(diverged(format!("cost is {cost}")));
        }
        let grad: &[T] = &self.batch.grad;
        let layout = self.net.layout();
        let mut finite = true;
        for (norm, l) in self.step_norms.iter_mut().zip(layout) {
            *norm = frobenius(&grad[l.w.clone()]);
            finite &= norm.is_finite() && all_finite(&grad[l.b.clone()]);
        }
        if !finite {
            return Err(diverged(match NonFinite::find(layout, grad) {
                Some(bad) => format!(
                    "gradient of layer {} {} is {} (at {})",
                    bad.layer,
                    bad.kind(),
                    bad.value,
                    bad.place()
                ),
                None => {
                    let (l, norm) = first_non_finite(&self.step_norms);
                    format!("norm of the layer {l} weight gradient is {norm}")
                }
            }));
        }
        for (sum, norm) in self.grad_norm_sums.iter_mut().zip(&self.step_norms) {
            *sum += norm;
        }
        self.opt
            .step(self.net.params_mut(), grad, &self.weight_ranges);
        if let Some(bad) = NonFinite::find(self.net.layout(), self.net.params()) {
            return Err(diverged(format!(
                "layer {} {} became {} in the update (at {})",
                bad.layer,
                bad.kind(),
                bad.value,
                bad.place()
            )));
        }
        Ok(BatchRecord {
            step: self.step,
            epoch: self.epoch.max(1),
            cost,
            accuracy: correct as f64 / n as f64,
        })
    }

    /// Fails with [`Error::Shape`] unless `rows` holds 1 ..= `batch_rows` indices into `train`.
    fn check_rows(&self, train: &Samples, rows: &[usize]) -> Result<()> {
        let n = rows.len();
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
        Ok(())
    }

    /// The gradient of the batch's mean loss, penalty not included (SPEC §4), into
    /// `batch.grad`. Returns the loss summed over the rows and how many rows were classified
    /// right.
    fn loss_gradient(&mut self, train: &Samples, rows: &[usize]) -> (f64, usize) {
        let n = rows.len();
        self.batch.run(&self.net, train, rows, n, self.cfg.loss)
    }
}

/// The 1-based index and value of the first non-finite value (`(0, NaN)` when none is).
pub(super) fn first_non_finite(values: &[f64]) -> (usize, f64) {
    values
        .iter()
        .position(|v| !v.is_finite())
        .and_then(|i| values.get(i).map(|&v| (i + 1, v)))
        .unwrap_or((0, f64::NAN))
}

/// Fails with [`Error::Shape`] when `data`'s width or class count is not `arch`'s.
pub(super) fn check_shape(arch: &Architecture, data: &Samples) -> Result<()> {
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

/// The checks before a fit: every set has the network's shape ([`check_shape`]) and `train`
/// has the `train_len` rows the loop was sized for.
pub(super) fn check_fit(
    arch: &Architecture,
    train_len: usize,
    train: &Samples,
    sets: &[&[Samples]],
) -> Result<()> {
    check_shape(arch, train)?;
    for e in sets.iter().flat_map(|s| s.iter()) {
        check_shape(arch, e)?;
    }
    if train.len() != train_len {
        return Err(Error::Shape(format!(
            "the training loop was sized for {train_len} training rows, given {}",
            train.len()
        )));
    }
    Ok(())
}
