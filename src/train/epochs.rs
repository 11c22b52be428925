//! The epoch loop: shuffle, cut into mini-batches, step, evaluate and record after each
//! epoch (and once before the first), and [`fit`], the usual way in.

#![warn(missing_docs)]

use std::time::Instant;

use crate::nn::error::{Error, Result};
use crate::nn::network::{Network, NonFinite};
use crate::nn::optim::OptimizerKind;
use crate::nn::scalar::Scalar;
use crate::train::trainer::first_non_finite;
use crate::train::{EpochRecord, Observer, Samples, TrainConfig, Trainer, with_threads};

impl<T: Scalar> Trainer<T> {
    pub(super) fn record(
        &mut self,
        evals: &[Samples],
        at_end: &[Samples],
        steps_in_epoch: u64,
        started: Instant,
    ) -> Result<EpochRecord> {
        let last = self.epoch == self.cfg.epochs;
        // `train.eval_every`: epoch 0 and the last are always evaluated.
        let due = self.epoch == 0 || last || self.epoch.is_multiple_of(self.cfg.eval_every.max(1));
        let metrics = if due {
            evals
                .iter()
                .chain(at_end.iter().filter(|_| last))
                .map(|d| self.evaluate(d))
                .collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        let grad_norms = if steps_in_epoch == 0 {
            Vec::new()
        } else {
            self.grad_norm_sums
                .iter()
                .map(|s| s / steps_in_epoch as f64)
                .collect()
        };
        self.grad_norm_sums.fill(0.0);
        let record = EpochRecord {
            epoch: self.epoch,
            step: self.step,
            evals: metrics,
            grad_norms,
            weight_norms: self.net.weight_norms(),
            sparsity: self.net.weight_sparsity(crate::nn::network::SPARSITY_REL),
            seconds: started.elapsed().as_secs_f64(),
        };
        self.check_record(&record)?;
        Ok(record)
    }

    /// [`Error::Diverged`] when the parameters (the initial ones, at epoch 0), an evaluation
    /// cost or a norm of `record` is NaN or infinite: a record is stored only when finite.
    fn check_record(&self, record: &EpochRecord) -> Result<()> {
        let diverged = |quantity: String| Error::Diverged {
            step: record.step,
            epoch: record.epoch,
            quantity,
            cost: record.evals.first().map_or(f64::NAN, |m| m.cost),
        };
        if let Some(bad) = NonFinite::find(self.net.layout(), self.net.params()) {
            return Err(diverged(format!(
                "layer {} {} are {} (at {})",
                bad.layer,
                bad.kind(),
                bad.value,
                bad.place()
            )));
        }
        if let Some((i, m)) = record
            .evals
            .iter()
            .enumerate()
            .find(|(_, m)| !m.cost.is_finite())
        {
            return Err(diverged(format!(
                "cost on evaluation set {} is {}",
                i + 1,
                m.cost
            )));
        }
        for (what, norms) in [
            ("weights", &record.weight_norms),
            ("weight gradient", &record.grad_norms),
        ] {
            let (l, norm) = first_non_finite(norms);
            if l > 0 {
                return Err(diverged(format!("norm of the layer {l} {what} is {norm}")));
            }
        }
        Ok(())
    }

    /// Runs `cfg.epochs` epochs on `train`, evaluating `evals` before the first and after each;
    /// returns one record per epoch plus epoch 0. Runs on the current thread pool: use
    /// [`fit`] (or [`with_threads`]) to get `cfg.threads` threads.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
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
        self.fit_with(train, evals, &[], observer)
    }

    /// As [`Trainer::fit`], and evaluates `at_end` once more, after the last epoch only: that
    /// record's metrics are those of `evals` followed by those of `at_end` (every other
    /// record has `evals`' only). This is how a held-out test set is scored once, at the end,
    /// without paying for it every epoch.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, network::{Architecture, Network}};
    /// use mlplab::train::{Samples, Trainer, TrainConfig};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
    /// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let cfg = TrainConfig { epochs: 2, batch_size: 1, ..Default::default() };
    /// let mut trainer = Trainer::new(net, cfg, 2).unwrap();
    /// let history = trainer.fit_with(&data, &[data], &[data], &mut ()).unwrap();
    /// let counts: Vec<usize> = history.iter().map(|r| r.evals.len()).collect();
    /// assert_eq!(counts, [1, 1, 2]);
    /// ```
    pub fn fit_with(
        &mut self,
        train: &Samples,
        evals: &[Samples],
        at_end: &[Samples],
        observer: &mut (dyn Observer + Send),
    ) -> Result<Vec<EpochRecord>> {
        let arch = self.net.architecture();
        crate::train::trainer::check_fit(arch, self.train_len, train, &[evals, at_end])?;
        if self.cfg.optimizer.kind == OptimizerKind::Lbfgs {
            return self.fit_lbfgs(train, evals, at_end, observer);
        }
        let started = Instant::now();
        let mut history = Vec::with_capacity(self.cfg.epochs + 1);
        let first = self.record(evals, at_end, 0, started)?;
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
                if let Some(threads) = observer.threads() {
                    self.set_threads(threads);
                }
                let record = self.step(train, &batch_rows)?;
                if observer.batch(&record).is_break() {
                    return Err(Error::Stopped {
                        step: self.step,
                        epoch,
                    });
                }
            }
            let record = self.record(evals, at_end, self.step - before, started)?;
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

/// Trains `net` with `cfg` on `train`, on `cfg.threads` threads, evaluating `evals` every epoch.
/// Returns the trained network and one record per epoch (plus epoch 0).
///
/// ```
/// use mlplab::nn::{init::Init, network::{Architecture, Network}};
/// use mlplab::train::{fit, Samples, TrainConfig};
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
    fit_with(net, cfg, train, evals, &[], observer)
}

/// As [`fit`], and evaluates `at_end` after the last epoch only (see [`Trainer::fit_with`]).
pub fn fit_with<T: Scalar>(
    net: Network<T>,
    cfg: &TrainConfig,
    train: &Samples,
    evals: &[Samples],
    at_end: &[Samples],
    observer: &mut (dyn Observer + Send),
) -> Result<(Network<T>, Vec<EpochRecord>)> {
    let mut trainer = Trainer::new(net, cfg.clone(), train.len())?;
    let history = with_threads(cfg.threads.max(observer.max_threads()), || {
        trainer.fit_with(train, evals, at_end, observer)
    })??;
    Ok((trainer.net, history))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::init::Init;
    use crate::nn::network::Architecture;

    #[test]
    fn eval_every_evaluates_every_kth_epoch_epoch_zero_and_the_last() {
        let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
        let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
        let cfg = TrainConfig {
            epochs: 7,
            batch_size: 1,
            eval_every: 3,
            ..Default::default()
        };
        let (_, history) = fit(net, &cfg, &data, &[data], &mut ()).unwrap();
        let evaluated: Vec<usize> = history
            .iter()
            .filter(|r| !r.evals.is_empty())
            .map(|r| r.epoch)
            .collect();
        assert_eq!(evaluated, [0, 3, 6, 7]);
        assert_eq!(history.len(), 8);
        let zero = TrainConfig {
            eval_every: 0,
            ..Default::default()
        };
        assert!(
            zero.validate()
                .unwrap_err()
                .to_string()
                .contains("eval_every")
        );
    }
}
