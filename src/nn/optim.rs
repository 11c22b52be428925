//! Update rules, in order of increasing complexity (SPEC §5). Per parameter θ with gradient
//! g at step t = 1, 2, …; all state starts at zero.
//!
//! | rule | state | update |
//! |---|---|---|
//! | SGD | — | θ ← θ − α g |
//! | Momentum | v ← β v + (1−β) g | θ ← θ − α v / (1 − βᵗ) |
//! | RMSProp | s ← β s + (1−β) g² | θ ← θ − α g / (√(s / (1 − βᵗ)) + ε) |
//! | Adam | v ← β1 v + (1−β1) g; s ← β2 s + (1−β2) g² | θ ← θ − α v̂ / (√ŝ + ε) |
//!
//! With `bias_correction = false` the `1 − βᵗ` divisors are dropped, which gives PyTorch's
//! families: `torch.optim.RMSprop` (no bias correction; its `alpha` is our β) and, with
//! `dampening = Some(0.0)`, `torch.optim.SGD(momentum=β)` (`v ← β v + g`, θ ← θ − α v).
//! Adam with bias correction is `torch.optim.Adam`. Decoupled weight decay
//! (`θ ← θ − α·wd·θ` on weights, before the update, as `torch.optim.AdamW`) is a separate,
//! named setting and is not the L2 penalty of [`crate::nn::regularization`].
//!
//! The defaults (bias-corrected Momentum and RMSProp, β2 = 0.999 for RMSProp) are the
//! report's rules, **not** PyTorch's: `torch.optim.RMSprop` defaults to α = 0.99 without
//! correction, and `torch.optim.SGD` momentum to dampening 0 without correction.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::nn::error::{Result, config};
use crate::nn::lbfgs::LbfgsConfig;
use crate::nn::scalar::Scalar;

/// Which update rule (SPEC §5). Config names `"sgd"`, `"momentum"`, `"rmsprop"`, `"adam"`,
/// `"lbfgs"` (case-insensitive).
///
/// ```
/// use mlplab::nn::optim::OptimizerKind;
/// let k: OptimizerKind = "RMSProp".parse().unwrap();
/// assert_eq!(k, OptimizerKind::RmsProp);
/// assert_eq!(k.to_string(), "rmsprop");
/// assert_eq!("L-BFGS".parse::<OptimizerKind>().unwrap(), OptimizerKind::Lbfgs);
/// assert!("bfgs".parse::<OptimizerKind>().unwrap_err().contains("valid"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum OptimizerKind {
    /// Plain gradient descent, `θ ← θ − α g` (`torch.optim.SGD` without momentum).
    Sgd,
    /// Exponential moving average of gradients (β = `beta1`), `θ ← θ − α v / (1 − βᵗ)`.
    Momentum,
    /// Scaled by a moving average of squared gradients (β = `beta2`),
    /// `θ ← θ − α g / (√(s / (1 − βᵗ)) + ε)`.
    RmsProp,
    /// Momentum and RMSProp together (β1, β2), as `torch.optim.Adam`.
    Adam,
    /// L-BFGS (docs/mathematics.md §10a; [`crate::nn::lbfgs`]), OWL-QN when `l1 > 0`
    /// ([`crate::nn::owlqn`]): not a per-step rule but whole iterations with a line search,
    /// run by the trainer on the full training split or on fixed mini-batches
    /// ([`OptimizerConfig::batch_size`]). `lr` is not used. `torch.optim.LBFGS` differs: no
    /// line search by default, and no OWL-QN.
    Lbfgs,
}

impl OptimizerKind {
    /// The four first-order rules, in the order the study tables list them (L-BFGS, which
    /// has no learning rate to tune, is not among them).
    ///
    /// ```
    /// use mlplab::nn::optim::OptimizerKind;
    /// let names: Vec<String> = OptimizerKind::ALL.iter().map(|k| k.to_string()).collect();
    /// assert_eq!(names, ["sgd", "momentum", "rmsprop", "adam"]);
    /// ```
    pub const ALL: [OptimizerKind; 4] = [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::RmsProp,
        OptimizerKind::Adam,
    ];
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Lbfgs => "lbfgs",
        })
    }
}

impl FromStr for OptimizerKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sgd" => Ok(OptimizerKind::Sgd),
            "momentum" => Ok(OptimizerKind::Momentum),
            "rmsprop" => Ok(OptimizerKind::RmsProp),
            "adam" => Ok(OptimizerKind::Adam),
            "lbfgs" | "l-bfgs" => Ok(OptimizerKind::Lbfgs),
            other => Err(format!(
                "unknown optimizer {other:?}; valid: sgd, momentum, rmsprop, adam, lbfgs"
            )),
        }
    }
}

impl TryFrom<String> for OptimizerKind {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse()
    }
}

impl From<OptimizerKind> for String {
    fn from(k: OptimizerKind) -> String {
        k.to_string()
    }
}

/// An optimizer and every constant it uses. Defaults are the report's (SPEC §5).
///
/// ```
/// use mlplab::nn::optim::{OptimizerConfig, OptimizerKind};
/// let cfg = OptimizerConfig { kind: OptimizerKind::Adam, lr: 1e-3, ..Default::default() };
/// assert_eq!((cfg.beta1, cfg.beta2, cfg.eps), (0.9, 0.999, 1e-8));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimizerConfig {
    /// The update rule.
    pub kind: OptimizerKind,
    /// Learning rate α > 0.
    pub lr: f64,
    /// β of Momentum and β1 of Adam, in (0, 1). Default 0.9.
    pub beta1: f64,
    /// β of RMSProp and β2 of Adam, in (0, 1). Default 0.999.
    pub beta2: f64,
    /// ε of RMSProp and Adam, > 0. Default 1e-8.
    pub eps: f64,
    /// Divide the moving averages by `1 − βᵗ`. Default true (the report's rules).
    pub bias_correction: bool,
    /// Momentum only: `v ← β v + (1 − d) g`. `None` (default) means `d = β` (the report's
    /// moving average); `Some(0.0)` is PyTorch's SGD momentum.
    pub dampening: Option<f64>,
    /// Decoupled weight decay (AdamW): `θ ← θ − α·wd·θ` on weights (not biases). Default 0.
    pub weight_decay: f64,
    /// L-BFGS only: m, the curvature pairs kept. Default 10 (left out of the JSON at it, as
    /// every L-BFGS field: the first-order runs keep their keys).
    #[serde(skip_serializing_if = "is_default_history")]
    pub history: usize,
    /// L-BFGS only: the rows of one evaluation of J and ∇J: the whole training split
    /// (`"full"`, the default) or a fixed mini-batch of this many rows held for
    /// [`hold`](OptimizerConfig::hold) iterations.
    #[serde(skip_serializing_if = "LbfgsBatch::is_full")]
    pub batch_size: LbfgsBatch,
    /// L-BFGS mini-batches only: iterations each batch is held (its curvature pairs are
    /// computed on it). Default 10.
    #[serde(skip_serializing_if = "is_default_hold")]
    pub hold: usize,
    /// L-BFGS only: the most evaluations one line search may spend. Default 20.
    #[serde(skip_serializing_if = "is_default_max_evals")]
    pub max_evals: usize,
    /// L-BFGS only: stop when `‖∇J‖₂` (OWL-QN: the pseudo-gradient's) is at most this.
    /// Default 1e-6 (a mini-batch moves on to the next batch instead).
    #[serde(skip_serializing_if = "is_default_grad_tol")]
    pub grad_tol: f64,
    /// L-BFGS only: stop when an iteration's relative cost change is at most this. Default 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub rel_cost_tol: f64,
}

/// The rows of one L-BFGS evaluation: the whole training split or a fixed mini-batch. Written
/// `"full"` or a number of rows in a config.
///
/// ```
/// use mlplab::nn::optim::LbfgsBatch;
/// let b: LbfgsBatch = serde_json::from_str("2000").unwrap();
/// assert_eq!(b, LbfgsBatch::Rows(2000));
/// assert_eq!(serde_json::to_string(&LbfgsBatch::Full).unwrap(), "\"full\"");
/// assert_eq!(b.rows(10_000), 2000);
/// assert_eq!(LbfgsBatch::Rows(50_000).rows(10_000), 10_000);
/// assert!(serde_json::from_str::<LbfgsBatch>("\"half\"").unwrap_err().to_string().contains("full"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BatchWritten", into = "BatchWritten")]
pub enum LbfgsBatch {
    /// Every row of the training split (the deterministic method).
    #[default]
    Full,
    /// A fixed mini-batch of this many rows.
    Rows(usize),
}

impl LbfgsBatch {
    /// True for [`LbfgsBatch::Full`].
    pub fn is_full(&self) -> bool {
        *self == LbfgsBatch::Full
    }

    /// Rows per evaluation on a training split of `train` rows (a mini-batch larger than the
    /// split is the split).
    pub fn rows(&self, train: usize) -> usize {
        match *self {
            LbfgsBatch::Full => train,
            LbfgsBatch::Rows(n) => n.min(train),
        }
    }
}

impl fmt::Display for LbfgsBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LbfgsBatch::Full => f.write_str("full"),
            LbfgsBatch::Rows(n) => write!(f, "{n}"),
        }
    }
}

/// How [`LbfgsBatch`] is written: a number of rows or the word `"full"`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum BatchWritten {
    Rows(usize),
    Word(String),
}

impl TryFrom<BatchWritten> for LbfgsBatch {
    type Error = String;
    fn try_from(w: BatchWritten) -> std::result::Result<Self, String> {
        match w {
            BatchWritten::Rows(n) => Ok(LbfgsBatch::Rows(n)),
            BatchWritten::Word(word) if word.trim().eq_ignore_ascii_case("full") => {
                Ok(LbfgsBatch::Full)
            }
            BatchWritten::Word(word) => Err(format!(
                "batch_size = {word:?}: write \"full\" (the whole training split) or a number of rows ≥ 1"
            )),
        }
    }
}

impl From<LbfgsBatch> for BatchWritten {
    fn from(b: LbfgsBatch) -> Self {
        match b {
            LbfgsBatch::Full => BatchWritten::Word("full".into()),
            LbfgsBatch::Rows(n) => BatchWritten::Rows(n),
        }
    }
}

/// The L-BFGS defaults, written once (the `skip_serializing_if` tests read them).
const LBFGS_HISTORY: usize = 10;
const LBFGS_HOLD: usize = 10;
const LBFGS_MAX_EVALS: usize = 20;
const LBFGS_GRAD_TOL: f64 = 1e-6;

fn is_default_history(v: &usize) -> bool {
    *v == LBFGS_HISTORY
}
fn is_default_hold(v: &usize) -> bool {
    *v == LBFGS_HOLD
}
fn is_default_max_evals(v: &usize) -> bool {
    *v == LBFGS_MAX_EVALS
}
fn is_default_grad_tol(v: &f64) -> bool {
    *v == LBFGS_GRAD_TOL
}
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig {
            kind: OptimizerKind::Sgd,
            lr: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            dampening: None,
            weight_decay: 0.0,
            history: LBFGS_HISTORY,
            batch_size: LbfgsBatch::Full,
            hold: LBFGS_HOLD,
            max_evals: LBFGS_MAX_EVALS,
            grad_tol: LBFGS_GRAD_TOL,
            rel_cost_tol: 0.0,
        }
    }
}

impl OptimizerConfig {
    /// The L-BFGS settings this config gives: `history`, `max_evals` (per line search),
    /// `grad_tol`, `rel_cost_tol`; the rest at [`LbfgsConfig`]'s defaults and the budgets
    /// unlimited (the trainer sets them from the data passes).
    ///
    /// ```
    /// use mlplab::nn::optim::OptimizerConfig;
    /// let c = OptimizerConfig { history: 5, max_evals: 8, ..Default::default() }.lbfgs();
    /// assert_eq!((c.history, c.max_search_evals, c.c2), (5, 8, 0.9));
    /// ```
    pub fn lbfgs(&self) -> LbfgsConfig {
        LbfgsConfig {
            history: self.history,
            max_search_evals: self.max_evals,
            grad_tol: self.grad_tol,
            rel_cost_tol: self.rel_cost_tol,
            max_iters: usize::MAX,
            max_evals: usize::MAX,
            ..LbfgsConfig::default()
        }
    }

    /// A config of `kind` with learning rate `lr` and the report's constants.
    ///
    /// ```
    /// use mlplab::nn::optim::{OptimizerConfig, OptimizerKind};
    /// let cfg = OptimizerConfig::new(OptimizerKind::Momentum, 0.01);
    /// assert_eq!((cfg.lr, cfg.beta1, cfg.bias_correction), (0.01, 0.9, true));
    /// ```
    pub fn new(kind: OptimizerKind, lr: f64) -> Self {
        OptimizerConfig {
            kind,
            lr,
            ..Default::default()
        }
    }

    /// Checks every constant and says which is out of range: `lr > 0`, β1, β2 ∈ (0, 1),
    /// `eps > 0`, dampening ∈ [0, 1], `weight_decay ≥ 0`, all finite.
    ///
    /// ```
    /// use mlplab::nn::optim::{OptimizerConfig, OptimizerKind};
    /// let bad = OptimizerConfig { beta2: 1.0, ..OptimizerConfig::new(OptimizerKind::Adam, 1e-3) };
    /// assert!(bad.validate().unwrap_err().to_string().contains("beta2"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(config(format!(
                "lr = {}: must be a finite number > 0",
                self.lr
            )));
        }
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(b > 0.0 && b < 1.0) {
                return Err(config(format!("{name} = {b}: must lie in (0, 1)")));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(config(format!(
                "eps = {}: must be a finite number > 0",
                self.eps
            )));
        }
        if let Some(d) = self.dampening
            && !(0.0..=1.0).contains(&d)
        {
            return Err(config(format!("dampening = {d}: must lie in [0, 1]")));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(config(format!(
                "weight_decay = {}: must be a finite number ≥ 0",
                self.weight_decay
            )));
        }
        if self.batch_size == LbfgsBatch::Rows(0) {
            return Err(config(
                "batch_size = 0: write \"full\" (the whole training split) or a number of rows ≥ 1",
            ));
        }
        if self.hold == 0 {
            return Err(config(
                "hold = 0: must be ≥ 1 (iterations each L-BFGS mini-batch is held)",
            ));
        }
        if self.max_evals == 0 {
            return Err(config(
                "max_evals = 0: must be ≥ 1 (evaluations one L-BFGS line search may spend)",
            ));
        }
        self.lbfgs().validate()?;
        if self.lr * self.weight_decay >= 1.0 {
            return Err(config(format!(
                "lr · weight_decay = {} · {} ≥ 1: the decay step θ ← (1 − lr·wd) θ would flip or zero the weights; use lr · weight_decay < 1",
                self.lr, self.weight_decay
            )));
        }
        Ok(())
    }
}

/// An optimizer's state over one flat parameter vector: the step count `t` and the moment
/// buffers `v`, `s` (allocated only for the rules that use them), all starting at zero.
///
/// ```
/// use mlplab::nn::optim::{Optimizer, OptimizerConfig, OptimizerKind};
/// let mut opt = Optimizer::<f64>::new(OptimizerConfig::new(OptimizerKind::Sgd, 0.5), 1);
/// let mut theta = [1.0];
/// opt.step(&mut theta, &[2.0], &[]);
/// assert_eq!(theta, [0.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Optimizer<T> {
    cfg: OptimizerConfig,
    /// Steps taken so far (`t` of the next step is `t + 1`).
    t: u64,
    /// First moment (Momentum, Adam); empty otherwise.
    v: Vec<T>,
    /// Second moment (RMSProp, Adam); empty otherwise.
    s: Vec<T>,
}

impl<T: Scalar> Optimizer<T> {
    /// Zero state for `n` parameters. The config should have been validated
    /// ([`OptimizerConfig::validate`]); [`crate::train::Trainer::new`] does.
    ///
    /// ```
    /// use mlplab::nn::optim::{Optimizer, OptimizerConfig, OptimizerKind};
    /// let opt = Optimizer::<f32>::new(OptimizerConfig::new(OptimizerKind::Adam, 1e-3), 10);
    /// assert_eq!(opt.steps(), 0);
    /// ```
    pub fn new(cfg: OptimizerConfig, n: usize) -> Self {
        let first = matches!(cfg.kind, OptimizerKind::Momentum | OptimizerKind::Adam);
        let second = matches!(cfg.kind, OptimizerKind::RmsProp | OptimizerKind::Adam);
        Optimizer {
            cfg,
            t: 0,
            v: vec![T::zero(); if first { n } else { 0 }],
            s: vec![T::zero(); if second { n } else { 0 }],
        }
    }

    /// The configuration.
    ///
    /// ```
    /// use mlplab::nn::optim::{Optimizer, OptimizerConfig, OptimizerKind};
    /// let opt = Optimizer::<f64>::new(OptimizerConfig::new(OptimizerKind::Sgd, 0.5), 1);
    /// assert_eq!(opt.config().lr, 0.5);
    /// ```
    pub fn config(&self) -> &OptimizerConfig {
        &self.cfg
    }

    /// Steps taken (`t` of the last step; the next one is `t + 1`).
    ///
    /// ```
    /// use mlplab::nn::optim::{Optimizer, OptimizerConfig, OptimizerKind};
    /// let mut opt = Optimizer::<f64>::new(OptimizerConfig::new(OptimizerKind::Sgd, 0.1), 1);
    /// opt.step(&mut [0.0], &[1.0], &[]);
    /// assert_eq!(opt.steps(), 1);
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update of `theta` by `grad` (SPEC §5, the table above); `theta`, `grad`: length n,
    /// the `n` given to [`Optimizer::new`]. `decay_ranges` are the index ranges of weights (not
    /// biases) that decoupled weight decay applies to (`θ ← (1 − α·wd) θ`, before the rule).
    ///
    /// Lengths are the caller's contract: RMSProp and Adam index `grad` and their state by
    /// `theta.len()` and panic if either is shorter; a range past `theta` panics too.
    ///
    /// ```
    /// use mlplab::nn::optim::{Optimizer, OptimizerConfig, OptimizerKind};
    /// // Step 1 of bias-corrected Adam moves θ by α·sign(g) (up to ε).
    /// let mut opt = Optimizer::<f64>::new(OptimizerConfig::new(OptimizerKind::Adam, 0.01), 2);
    /// let mut theta = [1.0, 1.0];
    /// opt.step(&mut theta, &[3.0, -0.2], &[]);
    /// assert!((theta[0] - 0.99).abs() < 1e-9 && (theta[1] - 1.01).abs() < 1e-9);
    /// ```
    pub fn step(&mut self, theta: &mut [T], grad: &[T], decay_ranges: &[std::ops::Range<usize>]) {
        self.t += 1;
        let c = &self.cfg;
        let t = self.t as i32;
        let lr = T::of(c.lr);
        if c.weight_decay > 0.0 {
            let keep = T::of(1.0 - c.lr * c.weight_decay);
            for r in decay_ranges {
                for w in &mut theta[r.clone()] {
                    *w *= keep;
                }
            }
        }
        // 1 − βᵗ, or 1 when bias correction is off.
        let correction = |beta: f64| {
            if c.bias_correction {
                1.0 - beta.powi(t)
            } else {
                1.0
            }
        };
        match c.kind {
            OptimizerKind::Sgd => {
                for (th, &g) in theta.iter_mut().zip(grad) {
                    *th -= lr * g;
                }
            }
            OptimizerKind::Momentum => {
                let beta = T::of(c.beta1);
                let gain = T::of(1.0 - c.dampening.unwrap_or(c.beta1));
                let step = T::of(c.lr / correction(c.beta1));
                for ((th, &g), v) in theta.iter_mut().zip(grad).zip(&mut self.v) {
                    *v = beta * *v + gain * g; // v ← β v + (1−β) g
                    *th -= step * *v; //           θ ← θ − α v / (1 − βᵗ)
                }
            }
            OptimizerKind::RmsProp => {
                let beta = T::of(c.beta2);
                let one_minus = T::of(1.0 - c.beta2);
                let inv_corr = T::of(1.0 / correction(c.beta2));
                let eps = T::of(c.eps);
                let (grad, s) = (&grad[..theta.len()], &mut self.s[..theta.len()]);
                for i in 0..theta.len() {
                    s[i] = beta * s[i] + one_minus * grad[i] * grad[i]; // s ← β s + (1−β) g²
                    theta[i] -= lr * grad[i] / ((s[i] * inv_corr).sqrt() + eps); // θ ← θ − α g / (√ŝ + ε)
                }
            }
            OptimizerKind::Adam => {
                let (b1, b2) = (T::of(c.beta1), T::of(c.beta2));
                let (m1, m2) = (T::of(1.0 - c.beta1), T::of(1.0 - c.beta2));
                let inv_c1 = T::of(1.0 / correction(c.beta1));
                let inv_c2 = T::of(1.0 / correction(c.beta2));
                let eps = T::of(c.eps);
                // Equal-length slices indexed together: the loop vectorizes.
                let n = theta.len();
                let (grad, v, s) = (&grad[..n], &mut self.v[..n], &mut self.s[..n]);
                for i in 0..n {
                    let g = grad[i];
                    v[i] = b1 * v[i] + m1 * g; //     v ← β1 v + (1−β1) g
                    s[i] = b2 * s[i] + m2 * g * g; // s ← β2 s + (1−β2) g²
                    // θ ← θ − α v̂ / (√ŝ + ε)
                    theta[i] -= lr * (v[i] * inv_c1) / ((s[i] * inv_c2).sqrt() + eps);
                }
            }
            // Whole iterations with a line search, not a step by a given gradient: the
            // trainer runs them ([`crate::train::Trainer::fit`]) and refuses a single step.
            OptimizerKind::Lbfgs => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three steps on θ = (1, −2) with the gradient sequence below, against values computed
    /// by hand from SPEC §5 (written out in f64 arithmetic in each case).
    const GRADS: [[f64; 2]; 3] = [[0.5, -1.0], [0.2, 0.4], [-0.3, 0.1]];

    fn run(cfg: OptimizerConfig) -> [f64; 2] {
        let mut opt = Optimizer::<f64>::new(cfg, 2);
        let mut th = [1.0, -2.0];
        for g in GRADS {
            opt.step(&mut th, &g, &[]);
        }
        th
    }

    fn close(a: [f64; 2], b: [f64; 2]) {
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn sgd_by_hand() {
        // θ − 0.1 Σ g = (1 − 0.1·0.4, −2 − 0.1·(−0.5))
        close(
            run(OptimizerConfig::new(OptimizerKind::Sgd, 0.1)),
            [0.96, -1.95],
        );
    }

    #[test]
    fn momentum_by_hand() {
        let cfg = OptimizerConfig::new(OptimizerKind::Momentum, 0.1);
        // component 0: v1 = 0.05, v2 = 0.065, v3 = 0.0285
        // θ = 1 − 0.1(0.05/0.1 + 0.065/0.19 + 0.0285/0.271)
        let x0 = 1.0 - 0.1 * (0.05 / 0.1 + 0.065 / 0.19 + 0.0285 / 0.271);
        // component 1: v1 = −0.1, v2 = −0.05, v3 = −0.035
        let x1 = -2.0 - 0.1 * (-0.1 / 0.1 + -0.05 / 0.19 + -0.035 / 0.271);
        close(run(cfg), [x0, x1]);
        // Without correction the divisors are 1.
        let raw = run(OptimizerConfig {
            bias_correction: false,
            ..cfg
        });
        close(
            raw,
            [
                1.0 - 0.1 * (0.05 + 0.065 + 0.0285),
                -2.0 - 0.1 * (-0.1 - 0.05 - 0.035),
            ],
        );
        // PyTorch SGD momentum (dampening 0): v1 = 0.5, v2 = 0.65, v3 = 0.285
        let torch = run(OptimizerConfig {
            bias_correction: false,
            dampening: Some(0.0),
            ..cfg
        });
        close(
            torch,
            [
                1.0 - 0.1 * (0.5 + 0.65 + 0.285),
                -2.0 - 0.1 * (-1.0 - 0.5 - 0.35),
            ],
        );
    }

    #[test]
    fn rmsprop_by_hand() {
        let cfg = OptimizerConfig::new(OptimizerKind::RmsProp, 0.01);
        let b: f64 = 0.999;
        let eps = 1e-8;
        let mut expect = [1.0, -2.0];
        for (i, e) in expect.iter_mut().enumerate() {
            let mut s = 0.0;
            for (t, g) in GRADS.iter().enumerate() {
                s = b * s + (1.0 - b) * g[i] * g[i];
                let shat = s / (1.0 - b.powi(t as i32 + 1));
                *e -= 0.01 * g[i] / (shat.sqrt() + eps);
            }
        }
        // First step is ±α exactly: ŝ1 = g1², so θ moves by α·sign(g).
        close(run(cfg), expect);
        let one = {
            let mut opt = Optimizer::<f64>::new(cfg, 2);
            let mut th = [1.0, -2.0];
            opt.step(&mut th, &GRADS[0], &[]);
            th
        };
        close(
            one,
            [
                1.0 - 0.01 * 0.5 / (0.5 + eps),
                -2.0 + 0.01 * 1.0 / (1.0 + eps),
            ],
        );
        // torch RMSprop (no correction): s1 = 0.001·0.25 → step 0.01·0.5/√0.00025
        let mut opt = Optimizer::<f64>::new(
            OptimizerConfig {
                bias_correction: false,
                ..cfg
            },
            2,
        );
        let mut th = [1.0, -2.0];
        opt.step(&mut th, &GRADS[0], &[]);
        assert!((th[0] - (1.0 - 0.01 * 0.5 / (0.00025f64.sqrt() + eps))).abs() < 1e-12);
    }

    #[test]
    fn adam_by_hand() {
        let cfg = OptimizerConfig::new(OptimizerKind::Adam, 0.001);
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        let mut expect = [1.0, -2.0];
        for (i, e) in expect.iter_mut().enumerate() {
            let (mut v, mut s) = (0.0, 0.0);
            for (t, g) in GRADS.iter().enumerate() {
                let t = t as i32 + 1;
                v = b1 * v + (1.0 - b1) * g[i];
                s = b2 * s + (1.0 - b2) * g[i] * g[i];
                *e -= 0.001 * (v / (1.0 - b1.powi(t))) / ((s / (1.0 - b2.powi(t))).sqrt() + eps);
            }
        }
        close(run(cfg), expect);
        // Step 1 of bias-corrected Adam moves each θ by α·sign(g) (up to ε): a hand value.
        let mut opt = Optimizer::<f64>::new(cfg, 2);
        let mut th = [1.0, -2.0];
        opt.step(&mut th, &GRADS[0], &[]);
        close(
            th,
            [1.0 - 0.001 * 0.5 / (0.5 + eps), -2.0 + 0.001 / (1.0 + eps)],
        );
    }

    #[test]
    fn decoupled_weight_decay_only_on_given_ranges() {
        let cfg = OptimizerConfig {
            weight_decay: 0.5,
            ..OptimizerConfig::new(OptimizerKind::Sgd, 0.1)
        };
        let mut opt = Optimizer::<f64>::new(cfg, 2);
        let mut th = [1.0, 1.0];
        #[allow(clippy::single_range_in_vec_init)] // a list of one range: the weights are θ[0]
        let weights = vec![0..1];
        opt.step(&mut th, &[0.0, 0.0], &weights);
        close(th, [0.95, 1.0]);
    }

    #[test]
    fn validation_names_the_field() {
        let bad = [
            (
                OptimizerConfig {
                    lr: 0.0,
                    ..Default::default()
                },
                "lr",
            ),
            (
                OptimizerConfig {
                    lr: f64::NAN,
                    ..Default::default()
                },
                "lr",
            ),
            (
                OptimizerConfig {
                    beta1: 1.0,
                    ..Default::default()
                },
                "beta1",
            ),
            (
                OptimizerConfig {
                    beta2: 0.0,
                    ..Default::default()
                },
                "beta2",
            ),
            (
                OptimizerConfig {
                    eps: -1.0,
                    ..Default::default()
                },
                "eps",
            ),
        ];
        for (cfg, field) in bad {
            let msg = cfg.validate().unwrap_err().to_string();
            assert!(msg.contains(field), "{msg}");
        }
    }
}
