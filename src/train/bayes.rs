//! The epoch loop of a variational run ([`fit_bayes`]): Bayes by Backprop
//! ([`crate::nn::bayes`]) trained with the run's optimizer on `[μ; ρ]`, evaluated by the
//! Monte-Carlo predictive.
//!
//! A run is variational when its [`TrainConfig::bayes`] is set. The loop is the
//! deterministic one's (seeded shuffle, mini-batches, a record per epoch and one before the
//! first, an [`Observer`] that receives them), with these differences:
//!
//! - a step minimises `F_i = (1/n) Σ L + c_i KL(q ‖ p)` ([`BayesConfig::kl_scale`]) on one
//!   draw of the noise, from the run's derived `"bayes-noise"` stream;
//! - a step's record has `cost = F_i` (the negative ELBO of the batch over N);
//! - an evaluation scores the predictive `(1/S) Σ_s f(x; w_s)` with S = `samples`
//!   (`final_samples` after the last epoch), drawn from a stream derived from the seed and
//!   the epoch (so an evaluation never shifts the training noise): `loss` is the mean loss of
//!   the predictive, `cost = loss + temperature · KL / N` (the negative ELBO per example,
//!   KL as the training uses it);
//! - the regularization penalty does not apply (the prior is the regularizer);
//! - the record's norms are those of μ: `‖μ_W‖` and the mean `‖∂F/∂μ_W‖` per layer.
//!
//! After the last epoch, [`BayesFit::predictions`] holds the predictive probabilities of
//! every evaluation set but the first (the training set) — the Monte-Carlo predictive with
//! `final_samples` draws and the posterior-mean network's — for the caller to score.

#![warn(missing_docs)]

use std::time::Instant;

use crate::nn::bayes::{BayesConfig, BayesNet, BayesWorkspace, Noise};
use crate::nn::error::{Error, Result, config};
use crate::nn::matmul::Threads;
use crate::nn::network::{Network, NonFinite, Workspace, frobenius};
use crate::nn::optim::Optimizer;
use crate::nn::rng::Rng;
use crate::nn::scalar::Scalar;
use crate::train::{
    BatchRecord, EpochRecord, Metrics, Observer, Samples, TrainConfig, argmax, with_threads,
};

/// What a variational run gives back.
#[derive(Clone, Debug)]
pub struct BayesFit<T> {
    /// The trained posterior.
    pub posterior: BayesNet<T>,
    /// One record per epoch plus epoch 0.
    pub history: Vec<EpochRecord>,
    /// The final predictive probabilities of every evaluation set after the first.
    pub predictions: Vec<Predictions>,
}

/// The predictive distributions of one evaluation set after the last epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    /// Index of the set in `evals` followed by `at_end` (1 = the first after training).
    pub set: usize,
    /// Draws of the Monte-Carlo predictive.
    pub samples: usize,
    /// The Monte-Carlo predictive, n×classes, rows summing to 1 (softmax output).
    pub mc: Vec<f64>,
    /// The posterior-mean network's output, n×classes.
    pub mean: Vec<f64>,
}

/// Trains a variational network whose μ starts at `net`'s parameters and every ρ at
/// `bayes.rho_init`; evaluates `evals` before the first epoch and after each (every
/// `eval_every`), and `at_end` after the last only. Runs on `cfg.threads` threads. Fails with
/// [`Error::Config`] when `cfg.bayes` is not set or does not validate, [`Error::Shape`] on a
/// width or class mismatch, [`Error::Diverged`] at the first NaN/∞ objective, gradient or
/// parameter, and [`Error::Stopped`] when the observer stops it.
///
/// ```
/// use mlplab::nn::{bayes::BayesConfig, init::Init, network::{Architecture, Network}};
/// use mlplab::train::{Samples, TrainConfig, fit_bayes};
/// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], 2, 2).unwrap();
/// let net = Network::<f32>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
/// let cfg = TrainConfig { epochs: 2, bayes: Some(BayesConfig::default()), ..Default::default() };
/// let fit = fit_bayes(net, &cfg, &data, &[data, data], &[], &mut ()).unwrap();
/// assert_eq!(fit.history.len(), 3);
/// assert_eq!(fit.predictions.len(), 1); // the second set
/// ```
pub fn fit_bayes<T: Scalar>(
    net: Network<T>,
    cfg: &TrainConfig,
    train: &Samples,
    evals: &[Samples],
    at_end: &[Samples],
    observer: &mut (dyn Observer + Send),
) -> Result<BayesFit<T>> {
    cfg.validate()?;
    let bayes = cfg.bayes.ok_or_else(|| {
        config("fit_bayes needs train.bayes: a run without it is deterministic (use fit)")
    })?;
    with_threads(cfg.threads.max(observer.max_threads()), || {
        BayesLoop::new(net, cfg, bayes, train.len())?.fit(train, evals, at_end, observer)
    })?
}

struct BayesLoop<T> {
    post: BayesNet<T>,
    cfg: TrainConfig,
    bayes: BayesConfig,
    opt: Optimizer<T>,
    ws: BayesWorkspace<T>,
    eval_ws: BayesWorkspace<T>,
    mean_ws: Workspace<T>,
    noise: Noise<T>,
    noise_rng: Rng,
    shuffle_rng: Rng,
    grad: Vec<T>,
    x: Vec<T>,
    y: Vec<T>,
    order: Vec<usize>,
    grad_norm_sums: Vec<f64>,
    train_len: usize,
    step: u64,
    epoch: usize,
}

impl<T: Scalar> BayesLoop<T> {
    fn new(
        net: Network<T>,
        cfg: &TrainConfig,
        bayes: BayesConfig,
        train_len: usize,
    ) -> Result<Self> {
        if train_len == 0 {
            return Err(Error::Data("the training set is empty".into()));
        }
        let arch = net.architecture().clone();
        // μ, ρ, their gradient and the optimizer's state are twice a network's: check as
        // a network of twice the parameters would be checked, roughly.
        cfg.check_memory(&arch, 2 * std::mem::size_of::<T>(), train_len)?;
        let threads = if cfg.threads > 1 {
            Threads::UpTo(cfg.threads)
        } else {
            Threads::One
        };
        let rho = vec![T::of(bayes.rho_init); net.params().len()];
        let post = BayesNet::from_parts(arch.clone(), net.params().to_vec(), rho)?;
        let rows = cfg.batch_size.min(train_len);
        Ok(BayesLoop {
            opt: Optimizer::new(cfg.optimizer, post.theta().len()),
            ws: BayesWorkspace::new(&post, rows, threads)?,
            eval_ws: BayesWorkspace::new(&post, cfg.eval_batch, threads)?,
            mean_ws: Workspace::new(&arch, cfg.eval_batch, threads),
            noise: Noise::default(),
            noise_rng: Rng::derived(cfg.seed, "bayes-noise"),
            shuffle_rng: Rng::derived(cfg.seed, "shuffle"),
            grad: vec![T::zero(); post.theta().len()],
            x: vec![T::zero(); rows.max(cfg.eval_batch) * arch.inputs],
            y: vec![T::zero(); rows.max(cfg.eval_batch) * arch.outputs()],
            order: (0..train_len).collect(),
            grad_norm_sums: vec![0.0; arch.layers.len()],
            train_len,
            step: 0,
            epoch: 0,
            post,
            cfg: cfg.clone(),
            bayes,
        })
    }

    /// Rows `rows` of `data` into `self.x` (converted) and `self.y` (one-hot).
    fn gather(&mut self, data: &Samples, rows: impl Iterator<Item = usize>) -> usize {
        let (p, q) = (data.width, data.classes);
        let mut n = 0;
        for r in rows {
            for (d, &s) in self.x[n * p..(n + 1) * p]
                .iter_mut()
                .zip(&data.x[r * p..(r + 1) * p])
            {
                *d = T::of(s as f64);
            }
            let y = &mut self.y[n * q..(n + 1) * q];
            y.fill(T::zero());
            y[data.labels[r] as usize] = T::one();
            n += 1;
        }
        n
    }

    fn step(&mut self, train: &Samples, rows: &[usize], i: usize, m: usize) -> Result<BatchRecord> {
        let n = self.gather(train, rows.iter().copied());
        let (p, q) = (train.width, train.classes);
        let c = self.bayes.kl_scale(i, m, self.epoch, self.train_len);
        self.noise.draw(
            &self.post,
            self.bayes.sampler,
            &self.bayes.prior,
            n,
            &mut self.noise_rng,
        );
        let step = self.post.objective_gradient(
            &self.x[..n * p],
            &self.y[..n * q],
            n,
            self.cfg.loss,
            &self.bayes,
            c,
            &self.noise,
            &mut self.ws,
            &mut self.grad,
        );
        self.step += 1;
        let (stepno, epoch, cost) = (self.step, self.epoch.max(1), step.objective);
        let diverged = |quantity: String| Error::Diverged {
            step: stepno,
            epoch,
            quantity,
            cost,
        };
        if !cost.is_finite() {
            return Err(diverged(format!("negative ELBO is {cost}")));
        }
        let half = self.post.len();
        for (part, name) in [(0..half, "μ"), (half..2 * half, "ρ")] {
            if let Some(bad) = NonFinite::find(self.post.layout(), &self.grad[part]) {
                return Err(diverged(format!(
                    "gradient of {name} at {} is {}",
                    bad.place(),
                    bad.value
                )));
            }
        }
        for (sum, l) in self.grad_norm_sums.iter_mut().zip(self.post.layout()) {
            *sum += frobenius(&self.grad[l.w.clone()]);
        }
        self.opt.step(self.post.theta_mut(), &self.grad, &[]);
        for (part, name) in [(0..half, "μ"), (half..2 * half, "ρ")] {
            if let Some(bad) = NonFinite::find(self.post.layout(), &self.post.theta()[part]) {
                return Err(diverged(format!(
                    "{name} at {} became {} in the update",
                    bad.place(),
                    bad.value
                )));
            }
        }
        Ok(BatchRecord {
            step: self.step,
            epoch,
            cost,
            accuracy: step.correct as f64 / n as f64,
        })
    }

    /// The Monte-Carlo predictive of `data` with `samples` draws from `rng` (n×classes) and,
    /// when `mean`, the posterior-mean network's output too.
    fn predict(
        &mut self,
        data: &Samples,
        samples: usize,
        rng: &mut Rng,
        mean: bool,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let (p, q) = (data.width, data.classes);
        let block = self.cfg.eval_batch;
        let mut mc = Vec::with_capacity(data.len() * q);
        let mut mean_out = Vec::new();
        let mean_net = if mean {
            Some(self.post.mean_network()?)
        } else {
            None
        };
        for start in (0..data.len()).step_by(block) {
            let end = (start + block).min(data.len());
            let n = self.gather(data, start..end);
            let x = &self.x[..n * p];
            mc.extend(
                self.post
                    .predictive(x, n, samples, rng, &mut self.noise, &mut self.eval_ws),
            );
            if let Some(net) = &mean_net {
                let out = net.forward(x, n, &mut self.mean_ws);
                mean_out.extend(out.iter().map(|&v| Scalar::to_f64(v)));
            }
        }
        Ok((mc, mean_out))
    }

    /// Metrics of predictive probabilities `probs` against `data`'s labels.
    fn metrics(&self, data: &Samples, probs: &[f64], kl: f64) -> Metrics {
        let q = data.classes;
        let mut y = vec![0.0f64; q];
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for (row, &label) in probs.chunks_exact(q).zip(data.labels) {
            y.fill(0.0);
            y[label as usize] = 1.0;
            loss_sum += self.cfg.loss.example(&y, row);
            correct += usize::from(argmax(row) == label as usize);
        }
        let n = data.len().max(1) as f64;
        let loss = loss_sum / n;
        Metrics {
            cost: loss + self.bayes.temperature * kl / self.train_len as f64,
            loss,
            accuracy: correct as f64 / n,
        }
    }

    fn record(
        &mut self,
        evals: &[Samples],
        at_end: &[Samples],
        steps_in_epoch: u64,
        started: Instant,
        predictions: &mut Vec<Predictions>,
    ) -> Result<EpochRecord> {
        let last = self.epoch == self.cfg.epochs;
        let due = self.epoch == 0 || last || self.epoch.is_multiple_of(self.cfg.eval_every.max(1));
        let mut evals_out = Vec::new();
        if due {
            let samples = if last {
                self.bayes.final_samples
            } else {
                self.bayes.samples
            };
            let mut rng = Rng::derived(self.cfg.seed, &format!("bayes-predict-{}", self.epoch));
            // The KL of the cost: closed-form, or one estimate for the mixture.
            let mut kl_noise = Noise::default();
            kl_noise.draw(
                &self.post,
                self.bayes.sampler,
                &self.bayes.prior,
                0,
                &mut rng,
            );
            let kl = self.post.kl(&self.bayes.prior, &kl_noise);
            let sets: Vec<Samples> = evals
                .iter()
                .chain(at_end.iter().filter(|_| last))
                .copied()
                .collect();
            for (i, data) in sets.iter().enumerate() {
                // The training set (set 0) is scored with `samples` draws even at the end:
                // the final draws are for the calibration of CV and test.
                let keep = last && i > 0;
                let s = if i == 0 { self.bayes.samples } else { samples };
                let (mc, mean) = self.predict(data, s, &mut rng, keep)?;
                evals_out.push(self.metrics(data, &mc, kl));
                if keep {
                    predictions.push(Predictions {
                        set: i,
                        samples,
                        mc,
                        mean,
                    });
                }
            }
        }
        let grad_norms = if steps_in_epoch == 0 {
            Vec::new()
        } else {
            self.grad_norm_sums
                .iter()
                .map(|s| s / steps_in_epoch as f64)
                .collect()
        };
        self.grad_norm_sums.fill(0.0);
        let mu = self.post.mu();
        let record = EpochRecord {
            epoch: self.epoch,
            step: self.step,
            evals: evals_out,
            grad_norms,
            weight_norms: self
                .post
                .layout()
                .iter()
                .map(|l| frobenius(&mu[l.w.clone()]))
                .collect(),
            // Of the posterior means μ_W.
            sparsity: self
                .post
                .layout()
                .iter()
                .map(|l| {
                    crate::nn::network::sparsity(&mu[l.w.clone()], crate::nn::network::SPARSITY_REL)
                })
                .collect(),
            seconds: started.elapsed().as_secs_f64(),
        };
        if let Some((i, m)) = record
            .evals
            .iter()
            .enumerate()
            .find(|(_, m)| !m.cost.is_finite())
        {
            return Err(Error::Diverged {
                step: record.step,
                epoch: record.epoch,
                quantity: format!("cost on evaluation set {} is {}", i + 1, m.cost),
                cost: m.cost,
            });
        }
        Ok(record)
    }

    fn fit(
        mut self,
        train: &Samples,
        evals: &[Samples],
        at_end: &[Samples],
        observer: &mut (dyn Observer + Send),
    ) -> Result<BayesFit<T>> {
        let arch = self.post.architecture();
        crate::train::trainer::check_fit(arch, self.train_len, train, &[evals, at_end])?;
        let started = Instant::now();
        let mut predictions = Vec::new();
        let mut history = Vec::with_capacity(self.cfg.epochs + 1);
        let first = self.record(evals, at_end, 0, started, &mut predictions)?;
        let stop = observer.epoch(&first).is_break();
        history.push(first);
        if stop {
            return Err(Error::Stopped {
                step: self.step,
                epoch: 0,
            });
        }
        let batches = self.train_len.div_ceil(self.cfg.batch_size);
        let mut rows = Vec::with_capacity(self.cfg.batch_size);
        for epoch in 1..=self.cfg.epochs {
            self.epoch = epoch;
            if self.cfg.shuffle {
                self.shuffle_rng.shuffle(&mut self.order);
            }
            let before = self.step;
            for (b, start) in (0..self.train_len).step_by(self.cfg.batch_size).enumerate() {
                let end = (start + self.cfg.batch_size).min(self.train_len);
                rows.clear();
                rows.extend_from_slice(&self.order[start..end]);
                if let Some(threads) = observer.threads() {
                    let t = if threads > 1 {
                        Threads::UpTo(threads)
                    } else {
                        Threads::One
                    };
                    self.ws.set_threads(t);
                    self.eval_ws.set_threads(t);
                    self.mean_ws.set_threads(t);
                }
                let record = self.step(train, &rows, b + 1, batches)?;
                if observer.batch(&record).is_break() {
                    return Err(Error::Stopped {
                        step: self.step,
                        epoch,
                    });
                }
            }
            let record =
                self.record(evals, at_end, self.step - before, started, &mut predictions)?;
            let stop = observer.epoch(&record).is_break();
            history.push(record);
            if stop {
                return Err(Error::Stopped {
                    step: self.step,
                    epoch,
                });
            }
        }
        Ok(BayesFit {
            posterior: self.post,
            history,
            predictions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::Activation;
    use crate::nn::bayes::{KlWeighting, Prior, Sampler};
    use crate::nn::init::Init;
    use crate::nn::network::Architecture;
    use crate::nn::optim::{OptimizerConfig, OptimizerKind};

    /// Two Gaussian blobs in 4 dimensions, `n` rows, labels alternating.
    fn blobs(n: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::with_capacity(n * 4);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let c = (i % 2) as u32;
            let centre = if c == 0 { -1.0 } else { 1.0 };
            x.extend((0..4).map(|_| (centre + 0.8 * rng.normal()) as f32));
            labels.push(c);
        }
        (x, labels)
    }

    fn cfg(bayes: BayesConfig, epochs: usize) -> TrainConfig {
        TrainConfig {
            epochs,
            batch_size: 20,
            optimizer: OptimizerConfig::new(OptimizerKind::Adam, 0.01),
            bayes: Some(bayes),
            seed: 3,
            ..Default::default()
        }
    }

    #[test]
    fn a_variational_run_trains_and_is_deterministic() {
        let (x, labels) = blobs(200, 1);
        let (xc, lc) = blobs(100, 2);
        let train = Samples::new(&x, &labels, 4, 2).unwrap();
        let cv = Samples::new(&xc, &lc, 4, 2).unwrap();
        let arch = Architecture::mlp(4, &[16], Activation::Tanh, 2, Activation::Softmax);
        for (prior, sampler, kl_weighting) in [
            (Prior::GAUSSIAN, Sampler::Local, KlWeighting::Uniform),
            (Prior::MIXTURE, Sampler::Weights, KlWeighting::Blundell),
        ] {
            let bayes = BayesConfig {
                prior,
                sampler,
                kl_weighting,
                rho_init: -3.0,
                samples: 5,
                final_samples: 20,
                ..Default::default()
            };
            let run = || {
                let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 0).unwrap();
                fit_bayes(net, &cfg(bayes, 8), &train, &[train, cv], &[], &mut ()).unwrap()
            };
            let (a, b) = (run(), run());
            let first = a.history[0].evals[0].cost;
            let last = a.history.last().unwrap().evals[0].cost;
            let (l0, l1) = (
                a.history[0].evals[0].loss,
                a.history.last().unwrap().evals[0].loss,
            );
            assert!(
                last < 0.8 * first && l1 < 0.5 * l0,
                "{prior} {sampler:?}: the negative ELBO per example went {first} → {last}, \
                 the predictive's loss {l0} → {l1}"
            );
            assert!(a.history.last().unwrap().evals[1].accuracy > 0.85);
            // Bitwise the same run.
            let bits = |f: &BayesFit<f32>| -> Vec<u32> {
                f.posterior.theta().iter().map(|v| v.to_bits()).collect()
            };
            assert_eq!(bits(&a), bits(&b), "{prior} {sampler:?}");
            assert_eq!(a.predictions, b.predictions);
            assert_eq!(a.history.len(), 9);
            // The CV set's final predictive: S = 20, rows summing to 1, and the mean net's.
            let p = &a.predictions[0];
            assert_eq!(
                (p.set, p.samples, p.mc.len(), p.mean.len()),
                (1, 20, 200, 200)
            );
            assert!(p.mc.chunks(2).all(|r| (r[0] + r[1] - 1.0).abs() < 1e-6));
            // σ moved away from its start: the posterior learned.
            let moved = a
                .posterior
                .rho()
                .iter()
                .filter(|&&r| (r + 3.0).abs() > 1e-3)
                .count();
            assert!(moved > a.posterior.len() / 2);
        }
        // Another seed, another run.
        let net = Network::<f32>::new(arch.clone(), Init::HeUniform, 0).unwrap();
        let other = TrainConfig {
            seed: 4,
            ..cfg(BayesConfig::default(), 2)
        };
        let c = fit_bayes(net.clone(), &other, &train, &[train], &[], &mut ()).unwrap();
        let d = fit_bayes(
            net,
            &cfg(BayesConfig::default(), 2),
            &train,
            &[train],
            &[],
            &mut (),
        )
        .unwrap();
        assert_ne!(c.posterior.theta(), d.posterior.theta());
    }

    #[test]
    fn a_run_without_bayes_or_with_a_bad_one_is_refused() {
        let (x, labels) = blobs(10, 1);
        let train = Samples::new(&x, &labels, 4, 2).unwrap();
        let arch = Architecture::mlp(4, &[3], Activation::Tanh, 2, Activation::Softmax);
        let net = Network::<f32>::new(arch, Init::HeUniform, 0).unwrap();
        let e = fit_bayes(
            net.clone(),
            &TrainConfig::default(),
            &train,
            &[],
            &[],
            &mut (),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("train.bayes"), "{e}");
        let bad = BayesConfig {
            final_samples: 0,
            ..Default::default()
        };
        let e = fit_bayes(net, &cfg(bad, 1), &train, &[], &[], &mut ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("final_samples"), "{e}");
    }
}

#[cfg(test)]
mod setting_tests {
    use crate::nn::bayes::{BayesConfig, Prior, Sampler};

    #[test]
    fn train_bayes_is_read_from_a_file_and_checked() {
        let exp = crate::experiment::Experiment::from_toml(
            "[train]\nbayes = [{}, { prior = { kind = \"mixture\" }, sampler = \"weights\" }]\n",
            "x.toml",
        )
        .unwrap();
        assert_eq!(exp.runs.len(), 2);
        assert_eq!(exp.runs[0].train.bayes, Some(BayesConfig::default()));
        let second = exp.runs[1].train.bayes.unwrap();
        assert_eq!(
            (second.prior, second.sampler),
            (Prior::MIXTURE, Sampler::Weights)
        );
        // At its default (absent) the run's key is unchanged; a setting shows in the JSON.
        let plain =
            crate::experiment::Experiment::from_toml("[train]\nepochs = 20\n", "x.toml").unwrap();
        assert!(!plain.runs[0].canonical_json().contains("bayes"));
        assert!(
            exp.runs[1]
                .canonical_json()
                .contains("\"sampler\":\"weights\"")
        );
        assert!(!exp.runs[1].canonical_json().contains("final_samples"));
        let e = crate::experiment::Experiment::from_toml(
            "[train]\nbayes = { prior = { kind = \"mixture\", pi = 2.0 } }\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("train.bayes.prior.pi = 2"), "{e}");
        let e = crate::experiment::Experiment::from_toml(
            "[train]\nbayes = {}\n[regularization]\nl2 = 1.0\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("prior"), "{e}");
    }
}
