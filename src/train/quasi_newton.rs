//! Training by L-BFGS (OWL-QN when `l1 > 0`): `optimizer.kind = "lbfgs"` (docs/mathematics.md
//! §10a "L-BFGS in training").
//!
//! | what | where |
//! |---|---|
//! | `J(θ)` and `∇J(θ)` on a set of rows, in row blocks through the usual forward/backward | [`Objective::cost_gradient`] |
//! | full batch: one [`minimize_from`] / [`owlqn_from`] run on the whole training split | [`Trainer::fit_with`] → `fit_lbfgs` |
//! | mini-batches: a fixed batch of `optimizer.batch_size` rows held `optimizer.hold` iterations, the memory kept across batches | `fit_lbfgs` |
//! | the budget in data passes: an evaluation of n rows counts n/N; at most `train.epochs` passes | `fit_lbfgs` |
//!
//! The cost is the first-order path's, term for term: `J = (1/n) Σ L + (λ/2N) Σ w² + (λ1/N) Σ |w|`
//! with `N` as [`Regularization::n`] gives it; with `l1 > 0` the L1 term is OWL-QN's `c Σ|w|`
//! (`c = λ1/N`, weights only) and the closure returns the rest. Epoch `k` is recorded, as the
//! epochs table expects, after the first iteration that brings the passes to `k`; a run that
//! converges (or whose search fails) early records its remaining epochs with its final weights.

#![warn(missing_docs)]

use std::cell::RefCell;
use std::time::Instant;

use crate::nn::error::{Error, Result};
use crate::nn::lbfgs::{History, Iteration, Status, minimize_from};
use crate::nn::loss::Loss;
use crate::nn::matmul::Threads;
use crate::nn::network::{Architecture, Network, frobenius};
use crate::nn::owlqn::owlqn_from;
use crate::nn::regularization::Regularization;
use crate::nn::scalar::Scalar;
use crate::train::parallel::Part;
use crate::train::{EpochRecord, Observer, Samples, Trainer};

/// One accepted L-BFGS / OWL-QN iteration of a training run ([`Observer::iteration`]), as the
/// store's `lbfgs_iterations` table holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct IterationRecord {
    /// 1-based over the run.
    pub iteration: usize,
    /// `J` at the new point, on the rows of this evaluation (the whole split, or the batch).
    pub cost: f64,
    /// `‖∇J‖₂` there (OWL-QN: of the pseudo-gradient).
    pub grad_norm: f64,
    /// The accepted step length.
    pub step: f64,
    /// Evaluations of this iteration's line search(es).
    pub search_evals: usize,
    /// Evaluations since the start of the run (each batch's first included).
    pub evals: usize,
    /// Data passes so far: rows evaluated / training rows.
    pub passes: f64,
    /// Curvature pairs refused so far.
    pub skipped_pairs: usize,
    /// Iterations so far that cleared the memory and searched along the steepest descent.
    pub restarts: usize,
    /// OWL-QN only (`l1 > 0`): per layer, the fraction of weights exactly 0; empty otherwise.
    pub zero_fractions: Vec<f64>,
}

/// `J(θ)` and `∇J(θ)` on a set of rows, computed in blocks of at most `block` rows with the
/// mini-batch step's forward and backward ([`Network::backward_rows`]): block `b` contributes
/// `(1/n) Σ_{i∈b} ∂L_i`, the blocks are added in order (the same bits on any thread count).
pub struct Objective<T> {
    part: Part<T>,
    block: usize,
}

impl<T: Scalar> Objective<T> {
    /// Buffers for blocks of `block ≥ 1` rows of `arch`, products on `threads`.
    pub fn new(arch: &Architecture, block: usize, threads: Threads) -> Self {
        let block = block.max(1);
        Objective {
            part: Part::new(arch, block, arch.parameter_count(), threads),
            block,
        }
    }

    /// Lets later evaluations use `threads` (the bits do not change).
    pub fn set_threads(&mut self, threads: Threads) {
        self.part.set_threads(threads);
    }

    /// `J = (1/n) Σ_{i∈rows} L(y_i, a_i) + penalty(reg, reg_n)` (SPEC §3) with `net`'s
    /// parameters, its gradient (SPEC §4, the penalty's added once) into `grad` (laid out as
    /// the parameters). `rows`: indices into `train`, n ≥ 1.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, loss::Loss, matmul::Threads, regularization::Regularization};
    /// use mlplab::nn::network::{Architecture, Network};
    /// use mlplab::train::{Objective, Samples};
    /// let data = Samples::new(&[0.0, 1.0, 1.0, 0.0, 0.5, 0.5], &[0, 1, 1], 2, 2).unwrap();
    /// let net = Network::<f64>::new(Architecture::study(2, 2), Init::HeUniform, 0).unwrap();
    /// let reg = Regularization { l2: 1.0, ..Default::default() };
    /// let mut g1 = vec![0.0; net.params().len()];
    /// let mut g3 = g1.clone();
    /// let j1 = Objective::new(net.architecture(), 1, Threads::One)
    ///     .cost_gradient(&net, &data, &[0, 1, 2], Loss::Cce, &reg, 3, &mut g1);
    /// let j3 = Objective::new(net.architecture(), 3, Threads::One)
    ///     .cost_gradient(&net, &data, &[0, 1, 2], Loss::Cce, &reg, 3, &mut g3);
    /// assert!((j1 - j3).abs() < 1e-12);
    /// assert!(g1.iter().zip(&g3).all(|(a, b)| (a - b).abs() < 1e-12));
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn cost_gradient(
        &mut self,
        net: &Network<T>,
        train: &Samples,
        rows: &[usize],
        loss: Loss,
        reg: &Regularization,
        reg_n: usize,
        grad: &mut [T],
    ) -> f64 {
        let n = rows.len().max(1);
        grad.fill(T::zero());
        let mut loss_sum = 0.0;
        for block in rows.chunks(self.block) {
            let (l, _) = self.part.run(net, train, block, n, loss);
            loss_sum += l;
            for (g, &b) in grad.iter_mut().zip(&self.part.grad) {
                *g += b;
            }
        }
        net.add_penalty_gradient(reg, reg_n, grad);
        loss_sum / n as f64 + net.penalty(reg, reg_n)
    }
}

/// Threads as the products take them.
fn threads_of(n: usize) -> Threads {
    if n > 1 {
        Threads::UpTo(n)
    } else {
        Threads::One
    }
}

/// What the closures given to the minimizer share: the trainer, the objective's buffers, the
/// count of rows evaluated, the records so far.
struct Run<'a, 'd, 'o, T> {
    trainer: &'a mut Trainer<T>,
    objective: Objective<T>,
    observer: &'o mut (dyn Observer + Send + 'o),
    train: Samples<'d>,
    evals_sets: &'a [Samples<'d>],
    at_end: &'a [Samples<'d>],
    reg: Regularization,
    reg_n: usize,
    rows: Vec<usize>,
    rows_done: usize,
    evals: usize,
    iteration: usize,
    skipped: usize,
    restarts: usize,
    /// The next epoch to record (1-based) and the step count at the last record.
    next_epoch: usize,
    steps_at_record: u64,
    started: Instant,
    history: Vec<EpochRecord>,
    /// `‖dW[l]‖_F` of the last evaluation.
    last_norms: Vec<f64>,
    stopped: bool,
    failure: Option<Error>,
}

impl<T: Scalar> Run<'_, '_, '_, T> {
    /// One evaluation at `x` on the current rows; `grad` gets `∇J` (OWL-QN: of the smooth part).
    fn eval(&mut self, x: &[T], grad: &mut [T]) -> f64 {
        let t = &mut *self.trainer;
        t.net.params_mut().copy_from_slice(x);
        let cost = self.objective.cost_gradient(
            &t.net,
            &self.train,
            &self.rows,
            t.cfg.loss,
            &self.reg,
            self.reg_n,
            grad,
        );
        self.rows_done += self.rows.len();
        self.evals += 1;
        self.last_norms.clear();
        for l in t.net.layout() {
            self.last_norms.push(frobenius(&grad[l.w.clone()]));
        }
        cost
    }

    /// After an accepted iteration at `x`: the iteration's record, then every epoch the passes
    /// have reached. Returns whether to go on.
    fn observe(&mut self, it: &Iteration, x: &[T]) -> bool {
        self.iteration += 1;
        self.skipped += usize::from(it.pair_skipped);
        self.restarts += usize::from(it.restarted);
        let t = &mut *self.trainer;
        t.step += 1;
        t.net.params_mut().copy_from_slice(x);
        for (sum, norm) in t.grad_norm_sums.iter_mut().zip(&self.last_norms) {
            *sum += norm;
        }
        let zero_fractions = if self.trainer.cfg.regularization.l1 > 0.0 {
            let net = &self.trainer.net;
            net.weight_ranges()
                .into_iter()
                .map(|r| {
                    let w = &net.params()[r];
                    w.iter().filter(|&&v| v == T::zero()).count() as f64 / w.len().max(1) as f64
                })
                .collect()
        } else {
            Vec::new()
        };
        let record = IterationRecord {
            iteration: self.iteration,
            cost: it.cost,
            grad_norm: it.grad_norm,
            step: it.step,
            search_evals: it.search_evals,
            evals: self.evals,
            passes: self.rows_done as f64 / self.train.len() as f64,
            skipped_pairs: self.skipped,
            restarts: self.restarts,
            zero_fractions,
        };
        if self.observer.iteration(&record).is_break() {
            self.stopped = true;
            return false;
        }
        if let Some(threads) = self.observer.threads() {
            self.trainer.set_threads(threads);
            self.objective.set_threads(threads_of(threads));
        }
        self.record_epochs(false)
    }

    /// Records every epoch the passes have reached (`all`: every epoch left, at the end).
    fn record_epochs(&mut self, all: bool) -> bool {
        let n = self.train.len();
        let epochs = self.trainer.cfg.epochs;
        while self.next_epoch <= epochs && (all || self.rows_done >= self.next_epoch * n) {
            let t = &mut *self.trainer;
            t.epoch = self.next_epoch;
            let steps = t.step - self.steps_at_record;
            self.steps_at_record = t.step;
            let record = match t.record(self.evals_sets, self.at_end, steps, self.started) {
                Ok(r) => r,
                Err(e) => {
                    self.failure = Some(e);
                    return false;
                }
            };
            let stop = self.observer.epoch(&record).is_break();
            self.history.push(record);
            self.next_epoch += 1;
            if stop {
                self.stopped = true;
                return false;
            }
        }
        true
    }
}

impl<T: Scalar> Trainer<T> {
    /// [`Trainer::fit_with`] for `optimizer.kind = "lbfgs"` (the module's table). Budget:
    /// `train.epochs` data passes.
    pub(super) fn fit_lbfgs(
        &mut self,
        train: &Samples,
        evals: &[Samples],
        at_end: &[Samples],
        observer: &mut (dyn Observer + Send),
    ) -> Result<Vec<EpochRecord>> {
        let started = Instant::now();
        let opt = self.cfg.optimizer;
        let n_train = self.train_len;
        let batch = opt.batch_size.rows(n_train);
        let full = batch == n_train;
        let reg_all = self.cfg.regularization;
        let reg_n = reg_all.n(n_train, batch);
        // OWL-QN takes the L1 term itself; the closure returns the smooth rest.
        let (reg, l1) = if reg_all.l1 > 0.0 {
            (
                Regularization { l1: 0.0, ..reg_all },
                reg_all.l1 / reg_n as f64,
            )
        } else {
            (reg_all, 0.0)
        };
        let weights = self.net.weight_ranges();
        let block = batch.min(self.cfg.eval_batch);
        let objective = Objective::new(self.net.architecture(), block, self.eval_ws.threads());
        let budget_rows = self.cfg.epochs.saturating_mul(n_train);
        let mut theta = self.net.params().to_vec();
        let first = self.record(evals, at_end, 0, started)?;
        let stop = observer.epoch(&first).is_break();
        if stop {
            return Err(Error::Stopped {
                step: self.step,
                epoch: 0,
            });
        }
        let mut hist = History::<T>::new(opt.history);
        let run = RefCell::new(Run {
            trainer: self,
            objective,
            observer,
            train: *train,
            evals_sets: evals,
            at_end,
            reg,
            reg_n,
            rows: Vec::with_capacity(batch),
            rows_done: 0,
            evals: 0,
            iteration: 0,
            skipped: 0,
            restarts: 0,
            next_epoch: 1,
            steps_at_record: 0,
            started,
            history: vec![first],
            last_norms: Vec::new(),
            stopped: false,
            failure: None,
        });
        let mut cursor = n_train; // the next batch starts here in the order (n_train: shuffle first)
        loop {
            let left = {
                let r = run.borrow();
                budget_rows.saturating_sub(r.rows_done) / batch
            };
            if left == 0 {
                break;
            }
            {
                let mut r = run.borrow_mut();
                let Run { trainer, rows, .. } = &mut *r;
                rows.clear();
                if full {
                    rows.extend(0..n_train);
                } else {
                    if cursor + batch > n_train {
                        if trainer.cfg.shuffle {
                            trainer.shuffle_rng.shuffle(&mut trainer.order);
                        }
                        cursor = 0;
                    }
                    rows.extend_from_slice(&trainer.order[cursor..cursor + batch]);
                    cursor += batch;
                }
            }
            let mut cfg = opt.lbfgs();
            cfg.max_evals = left;
            if !full {
                cfg.max_iters = opt.hold;
            }
            let f = |x: &[T], g: &mut [T]| run.borrow_mut().eval(x, g);
            let observe = |it: &Iteration, x: &[T]| run.borrow_mut().observe(it, x);
            let summary = if l1 > 0.0 {
                owlqn_from(&cfg, l1, &weights, &mut hist, &mut theta, f, observe)
            } else {
                minimize_from(&cfg, &mut hist, &mut theta, f, observe)
            };
            let mut r = run.borrow_mut();
            let summary = match summary {
                Ok(s) => s,
                Err(Error::Diverged { quantity, cost, .. }) => {
                    let t = &r.trainer;
                    return Err(Error::Diverged {
                        step: t.step,
                        epoch: r.next_epoch,
                        quantity,
                        cost,
                    });
                }
                Err(e) => return Err(e),
            };
            if let Some(e) = r.failure.take() {
                return Err(e);
            }
            if r.stopped || summary.status == Status::Stopped {
                return Err(Error::Stopped {
                    step: r.trainer.step,
                    epoch: r.next_epoch.saturating_sub(1),
                });
            }
            let converged = matches!(
                summary.status,
                Status::GradientTolerance | Status::CostTolerance | Status::LineSearchFailed
            );
            if full && converged {
                break;
            }
        }
        let mut r = run.into_inner();
        r.trainer.net.params_mut().copy_from_slice(&theta);
        if !r.record_epochs(true) {
            if let Some(e) = r.failure.take() {
                return Err(e);
            }
            return Err(Error::Stopped {
                step: r.trainer.step,
                epoch: r.next_epoch.saturating_sub(1),
            });
        }
        Ok(r.history)
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::nn::activation::Activation;
    use crate::nn::init::Init;
    use crate::nn::optim::{LbfgsBatch, OptimizerConfig, OptimizerKind};
    use crate::nn::rng::Rng;
    use crate::train::{TrainConfig, fit};

    /// `n` rows of `classes` overlapping Gaussian blobs in `width` dimensions.
    fn blobs(n: usize, width: usize, classes: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
        let mut rng = Rng::new(seed);
        let centres: Vec<f64> = (0..classes * width).map(|_| rng.normal()).collect();
        let mut x = Vec::with_capacity(n * width);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let c = i % classes;
            for j in 0..width {
                x.push((centres[c * width + j] + rng.normal()) as f32);
            }
            y.push(c as u32);
        }
        (x, y)
    }

    fn lbfgs(batch: LbfgsBatch) -> OptimizerConfig {
        OptimizerConfig {
            kind: OptimizerKind::Lbfgs,
            batch_size: batch,
            ..Default::default()
        }
    }

    #[test]
    fn full_batch_gradient_matches_finite_differences_with_l2_and_l1() {
        let (x, y) = blobs(37, 4, 3, 1);
        let data = Samples::new(&x, &y, 4, 3).unwrap();
        let arch = Architecture::mlp(4, &[5], Activation::Tanh, 3, Activation::Softmax);
        let net = Network::<f64>::new(arch.clone(), Init::HeUniform, 3).unwrap();
        let reg = Regularization {
            l2: 0.7,
            l1: 0.3,
            ..Default::default()
        };
        let rows: Vec<usize> = (0..data.len()).collect();
        // blocks of 8: 37 rows are 5 blocks, the last of 5 rows
        let mut obj = Objective::new(&arch, 8, Threads::One);
        let mut grad = vec![0.0; net.params().len()];
        obj.cost_gradient(&net, &data, &rows, Loss::Cce, &reg, 37, &mut grad);
        let h = 1e-6;
        let mut worst = 0.0f64;
        let mut scratch = vec![0.0; grad.len()];
        for i in 0..grad.len() {
            let mut at = |delta: f64| {
                let mut p = net.params().to_vec();
                p[i] += delta;
                let moved = Network::from_params(arch.clone(), p).unwrap();
                obj.cost_gradient(&moved, &data, &rows, Loss::Cce, &reg, 37, &mut scratch)
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            worst = worst.max((fd - grad[i]).abs() / fd.abs().max(1e-3));
        }
        assert!(worst < 1e-6, "largest relative difference {worst:e}");
        // The L1 and L2 terms are in it: without them the gradient differs.
        let mut plain = vec![0.0; grad.len()];
        obj.cost_gradient(
            &net,
            &data,
            &rows,
            Loss::Cce,
            &Regularization::default(),
            37,
            &mut plain,
        );
        let w0 = net.weight_ranges()[0].start;
        let expected = 0.7 / 37.0 * net.params()[w0] + 0.3 / 37.0 * net.params()[w0].signum();
        assert!((grad[w0] - plain[w0] - expected).abs() < 1e-12);
    }

    #[test]
    fn softmax_regression_converges_to_a_small_gradient_in_f64() {
        let (x, y) = blobs(120, 3, 3, 2);
        let data = Samples::new(&x, &y, 3, 3).unwrap();
        let arch = Architecture::mlp(3, &[], Activation::Identity, 3, Activation::Softmax);
        let net = Network::<f64>::new(arch.clone(), Init::HeUniform, 1).unwrap();
        let cfg = TrainConfig {
            optimizer: OptimizerConfig {
                grad_tol: 1e-9,
                ..lbfgs(LbfgsBatch::Full)
            },
            regularization: Regularization {
                l2: 1.0,
                ..Default::default()
            },
            epochs: 300,
            eval_every: 50,
            ..Default::default()
        };
        let (net, history) = fit(net, &cfg, &data, &[data], &mut ()).unwrap();
        assert_eq!(history.len(), 301);
        // ‖∇J‖ recomputed at the result, independently of the minimizer's own figure.
        let mut obj = Objective::new(&arch, 1000, Threads::One);
        let mut g = vec![0.0; net.params().len()];
        let rows: Vec<usize> = (0..data.len()).collect();
        let reg = cfg.regularization;
        obj.cost_gradient(&net, &data, &rows, Loss::Cce, &reg, 120, &mut g);
        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(norm <= 1e-6, "‖∇J‖ = {norm:e}");
        let first = history[0].evals[0].cost;
        let last = history[300].evals[0].cost;
        assert!(last < 0.9 * first, "{first} → {last}");
    }

    /// Records every iteration.
    #[derive(Default)]
    struct Iterations(Vec<IterationRecord>);

    impl Observer for Iterations {
        fn iteration(&mut self, r: &IterationRecord) -> ControlFlow<()> {
            self.0.push(r.clone());
            ControlFlow::Continue(())
        }
    }

    fn small_run(
        opt: OptimizerConfig,
        l1: f64,
        epochs: usize,
    ) -> (Network<f32>, Vec<EpochRecord>, Vec<IterationRecord>) {
        let (x, y) = blobs(200, 5, 4, 9);
        let data = Samples::new(&x, &y, 5, 4).unwrap();
        let arch = Architecture::mlp(5, &[8], Activation::Relu, 4, Activation::Softmax);
        let net = Network::<f32>::new(arch, Init::HeUniform, 4).unwrap();
        let cfg = TrainConfig {
            optimizer: opt,
            regularization: Regularization {
                l1,
                ..Default::default()
            },
            epochs,
            seed: 5,
            ..Default::default()
        };
        let mut its = Iterations::default();
        let (net, history) = fit(net, &cfg, &data, &[data], &mut its).unwrap();
        (net, history, its.0)
    }

    #[test]
    fn same_config_and_seed_give_the_same_bits() {
        let opt = OptimizerConfig {
            hold: 3,
            ..lbfgs(LbfgsBatch::Rows(50))
        };
        let (a, ha, ia) = small_run(opt, 0.0, 6);
        let (b, hb, ib) = small_run(opt, 0.0, 6);
        assert_eq!(a.params(), b.params());
        assert_eq!(ia, ib);
        let costs = |h: &[EpochRecord]| h.iter().map(|r| r.evals[0].cost).collect::<Vec<_>>();
        assert_eq!(costs(&ha), costs(&hb));
        // and the shuffling matters: another seed gives other bits
        let (x, y) = blobs(200, 5, 4, 9);
        let data = Samples::new(&x, &y, 5, 4).unwrap();
        let net = Network::<f32>::new(
            Architecture::mlp(5, &[8], Activation::Relu, 4, Activation::Softmax),
            Init::HeUniform,
            4,
        )
        .unwrap();
        let cfg = TrainConfig {
            optimizer: opt,
            epochs: 6,
            seed: 6,
            ..Default::default()
        };
        let (c, _) = fit(net, &cfg, &data, &[data], &mut ()).unwrap();
        assert_ne!(a.params(), c.params());
    }

    #[test]
    fn the_budget_is_data_passes_and_every_epoch_is_recorded() {
        // Mini-batches of 50 of 200 rows: 4 evaluations a pass, 6 passes = 24 evaluations.
        let opt = OptimizerConfig {
            grad_tol: 0.0,
            ..lbfgs(LbfgsBatch::Rows(50))
        };
        let (_, history, its) = small_run(opt, 0.0, 6);
        assert_eq!(history.len(), 7);
        assert!(history.iter().enumerate().all(|(i, r)| r.epoch == i));
        let last = its.last().unwrap();
        assert!(last.passes <= 6.0 && last.evals <= 24, "{last:?}");
        assert!(its.windows(2).all(|w| w[0].passes < w[1].passes));
        assert_eq!(last.passes, last.evals as f64 * 50.0 / 200.0);
        // Full batch: one evaluation is one pass.
        let full = OptimizerConfig {
            grad_tol: 0.0,
            ..lbfgs(LbfgsBatch::Full)
        };
        let (_, history, its) = small_run(full, 0.0, 5);
        assert_eq!(history.len(), 6);
        let last = its.last().unwrap();
        assert!(
            last.evals <= 5 && last.passes == last.evals as f64,
            "{last:?}"
        );
        assert!(history[5].evals[0].cost < history[0].evals[0].cost);
    }

    #[test]
    fn l1_runs_owlqn_and_records_exact_zeros() {
        let full = OptimizerConfig {
            grad_tol: 0.0,
            ..lbfgs(LbfgsBatch::Full)
        };
        let (net, _, its) = small_run(full, 20.0, 40);
        let last = its.last().unwrap();
        assert_eq!(last.zero_fractions.len(), 2);
        assert!(last.zero_fractions.iter().any(|&f| f > 0.1), "{last:?}");
        let w = net.weights(0);
        let zeros = w.iter().filter(|v| **v == 0.0).count() as f64 / w.len() as f64;
        assert_eq!(zeros, last.zero_fractions[0]);
        let (_, _, plain) = small_run(full, 0.0, 5);
        assert!(plain.iter().all(|r| r.zero_fractions.is_empty()));
    }
}
