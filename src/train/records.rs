//! What training reports: [`Metrics`] on an evaluation set, a [`BatchRecord`] per step, an
//! [`EpochRecord`] per epoch, and the [`Observer`] that receives them and may stop the run.

#![warn(missing_docs)]

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::train::IterationRecord;

/// Cost and accuracy on one evaluation set
/// ([`Trainer::evaluate`](crate::train::Trainer::evaluate)).
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

/// What one mini-batch step did ([`Trainer::step`](crate::train::Trainer::step),
/// [`Observer::batch`]).
///
/// ```
/// use mlplab::train::{BatchRecord, Samples, Trainer, TrainConfig};
/// use mlplab::nn::{init::Init, network::{Architecture, Network}};
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

/// The state after an epoch (epoch 0: before training), as [`fit`](crate::train::fit) returns it.
///
/// ```
/// use mlplab::nn::{init::Init, network::{Architecture, Network}};
/// use mlplab::train::{fit, Samples, TrainConfig};
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
    /// Metrics on each evaluation set, in the order given to [`fit`](crate::train::fit).
    pub evals: Vec<Metrics>,
    /// Per layer, mean over this epoch's steps of `‖dW[l]‖_F` (empty for epoch 0).
    pub grad_norms: Vec<f64>,
    /// Per layer `‖W[l]‖_F` at the end of the epoch.
    pub weight_norms: Vec<f64>,
    /// Per layer, the fractions of weights below `1e-3 · max |w|` and exactly 0
    /// ([`Network::weight_sparsity`](crate::nn::network::Network::weight_sparsity)).
    pub sparsity: Vec<(f64, f64)>,
    /// Seconds since training started.
    pub seconds: f64,
}

/// Receives progress; returning `Break` stops training with
/// [`Error::Stopped`](crate::nn::error::Error::Stopped). Both methods default to `Continue`,
/// and `()` is the observer that watches nothing.
///
/// ```
/// use std::ops::ControlFlow;
/// use mlplab::nn::{error::Error, init::Init, network::{Architecture, Network}};
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
    ///     epoch: 0, step: 0, evals: vec![], grad_norms: vec![], weight_norms: vec![],
    ///     sparsity: vec![], seconds: 0.0,
    /// };
    /// assert!(().epoch(&r).is_continue());
    /// ```
    fn epoch(&mut self, _record: &EpochRecord) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    /// After every accepted L-BFGS / OWL-QN iteration (`optimizer.kind = "lbfgs"`, which
    /// calls neither [`Observer::batch`] nor this for the first-order rules).
    ///
    /// ```
    /// use mlplab::train::{IterationRecord, Observer};
    /// let r = IterationRecord {
    ///     iteration: 1, cost: 0.7, grad_norm: 0.1, step: 1.0, search_evals: 1, evals: 2,
    ///     passes: 2.0, skipped_pairs: 0, restarts: 0, zero_fractions: vec![],
    /// };
    /// assert!(().iteration(&r).is_continue());
    /// ```
    fn iteration(&mut self, _record: &IterationRecord) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    /// Before every step: how many threads it may use, or `None` to keep the current count
    /// (`TrainConfig::threads` at the start). The results do not depend on the answer (every
    /// product gives the same bits on any number of threads); a sweep uses it to give the
    /// cores of finished runs to the runs still going.
    ///
    /// ```
    /// use mlplab::train::Observer;
    /// assert_eq!(().threads(), None);
    /// ```
    fn threads(&mut self) -> Option<usize> {
        None
    }
    /// The most threads [`Observer::threads`] will answer: [`fit`](crate::train::fit)
    /// starts the run's pool with the larger of this and `TrainConfig::threads`.
    ///
    /// ```
    /// use mlplab::train::Observer;
    /// assert_eq!(().max_threads(), 1);
    /// ```
    fn max_threads(&self) -> usize {
        1
    }
}

impl Observer for () {}
