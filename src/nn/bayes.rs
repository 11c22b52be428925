//! A Bayesian MLP by variational inference: Bayes by Backprop (Blundell et al. 2015).
//!
//! Every weight and bias θ_i has a Gaussian posterior q(θ_i) = N(μ_i, σ_i²) with
//! σ_i = softplus(ρ_i) = ln(1 + e^ρ_i), so σ stays positive whatever ρ an optimizer reaches.
//! The parameters trained are μ and ρ, stored as one vector `[μ; ρ]` (each half laid out as
//! a [`Network`]'s `[W1, b1, W2, b2, …]`), so that any optimizer of [`crate::nn::optim`]
//! steps them as it steps a network.
//!
//! The objective of mini-batch i of M, over a training set of N rows, divided by N so that
//! learning rates mean what they mean for the deterministic network:
//!
//! ```text
//! F_i(μ, ρ) = (1/n) Σ_{j ∈ batch} L(y_j, f(x_j; w))  +  c_i · KL(q ‖ p)
//! c_i       = temperature · warm-up(epoch) · π_i / N
//! π_i       = 1/M (uniform)  or  2^(M−i) / (2^M − 1) (Blundell's schedule)
//! ```
//!
//! `w` is drawn by reparameterization, `w = μ + σ ⊙ ε` with ε ~ N(0, I) ([`Sampler::Weights`]),
//! or the pre-activations are drawn instead ([`Sampler::Local`], the local reparameterization
//! trick of Kingma et al. 2015): for a layer with input `A`,
//!
//! ```text
//! γ = A · μ_W + μ_b        δ = (A ⊙ A) · σ_W² + σ_b²        Z = γ + √δ ⊙ ε_Z
//! ```
//!
//! which has the distribution of `A · W + b` row by row, with one draw per pre-activation
//! instead of per weight (lower variance; the default).
//!
//! KL(q ‖ p) is closed-form for the Gaussian prior N(0, σp²),
//! `Σ_i ln(σp/σ_i) + (σ_i² + μ_i²)/(2σp²) − ½`, and a one-sample Monte-Carlo estimate
//! `Σ_i ln q(w_i) − ln p(w_i)` for the scale mixture `π N(0, σ1²) + (1 − π) N(0, σ2²)`
//! (with the weight sample of the step; under the local sampler a weight sample is drawn for
//! it alone).
//!
//! Gradients by hand (docs/mathematics.md §10c): back-propagation gives `g = ∂L/∂w`; then
//! `∂F/∂μ = g + c ∂KL/∂μ` and `∂F/∂ρ = g ⊙ ε ⊙ sigmoid(ρ) + c ∂KL/∂ρ` (weight sampler). The
//! local sampler back-propagates into γ and δ: `∂/∂γ = dZ`, `∂/∂δ = dZ ⊙ ε_Z / (2√δ)`, hence
//! `∂/∂μ_W = Aᵀ dZ`, `∂/∂σ_W² = (A⊙A)ᵀ ∂/∂δ`, `dA = dZ μ_Wᵀ + 2A ⊙ (∂/∂δ · σ_W²ᵀ)`, and
//! `∂/∂ρ = ∂/∂σ² · 2σ · sigmoid(ρ)`.
//!
//! The noise is the caller's: a [`Noise`] is drawn from an [`Rng`] (in training, the run's
//! derived `"bayes-noise"` stream), so a step is a pure function of the parameters, the batch
//! and the noise — which is how the tests hold ε fixed for finite differences.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::nn::dense::dense_backward;
use crate::nn::error::{Error, Result, config};
use crate::nn::init::Init;
use crate::nn::loss::Loss;
use crate::nn::matmul::Threads;
use crate::nn::network::{Architecture, LayerLayout, Network, NonFinite, Workspace};
use crate::nn::rng::Rng;
use crate::nn::scalar::Scalar;

const LN_2PI: f64 = 1.837_877_066_409_345_5; // ln(2π)

/// `softplus(x) = ln(1 + eˣ)`, computed as `max(x, 0) + ln(1 + e^−|x|)` (no overflow).
///
/// ```
/// use mlplab::nn::bayes::softplus;
/// assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(softplus(800.0), 800.0);
/// assert!(softplus(-30.0) > 0.0);
/// ```
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `sigmoid(x) = 1 / (1 + e^−x)`, the derivative of [`softplus`], without overflow.
///
/// ```
/// use mlplab::nn::bayes::sigmoid;
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert!(sigmoid(-800.0) >= 0.0 && sigmoid(800.0) == 1.0);
/// ```
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The prior p(w) over every weight and bias.
///
/// ```
/// use mlplab::nn::bayes::Prior;
/// let p: Prior = "mixture".parse().unwrap();
/// assert_eq!(p, Prior::MIXTURE);
/// assert_eq!(Prior::GAUSSIAN.to_string(), "gaussian");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Prior {
    /// N(0, σ²): the KL is closed-form.
    Gaussian {
        /// σp > 0. Default 1.
        #[serde(default = "one")]
        sigma: f64,
    },
    /// π N(0, σ1²) + (1 − π) N(0, σ2²) (Blundell et al. 2015): the KL is a Monte-Carlo estimate.
    Mixture {
        /// Weight of the first component, in (0, 1). Default ½.
        #[serde(default = "half")]
        pi: f64,
        /// σ1 > 0 (the wide component). Default 1.
        #[serde(default = "one")]
        sigma1: f64,
        /// σ2 > 0 (the narrow component). Default e⁻⁶.
        #[serde(default = "e_minus_6")]
        sigma2: f64,
    },
}

fn one() -> f64 {
    1.0
}

fn half() -> f64 {
    0.5
}

fn e_minus_6() -> f64 {
    E_MINUS_6
}

/// e⁻⁶, Blundell's σ2.
const E_MINUS_6: f64 = 0.002_478_752_176_666_358_5;

impl Prior {
    /// N(0, 1).
    pub const GAUSSIAN: Prior = Prior::Gaussian { sigma: 1.0 };
    /// Blundell's π = ½, σ1 = e⁰ = 1, σ2 = e⁻⁶.
    pub const MIXTURE: Prior = Prior::Mixture {
        pi: 0.5,
        sigma1: 1.0,
        sigma2: E_MINUS_6,
    };

    /// σ's > 0 and finite, π ∈ (0, 1); the message names the constant.
    ///
    /// ```
    /// use mlplab::nn::bayes::Prior;
    /// assert!(Prior::MIXTURE.validate().is_ok());
    /// let bad = Prior::Mixture { pi: 1.5, sigma1: 1.0, sigma2: 0.1 };
    /// assert!(bad.validate().unwrap_err().to_string().contains("pi"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(config(format!(
                    "bayes.prior.{name} = {v}: must be a finite number > 0"
                )))
            }
        };
        match *self {
            Prior::Gaussian { sigma } => positive("sigma", sigma),
            Prior::Mixture { pi, sigma1, sigma2 } => {
                if !(pi > 0.0 && pi < 1.0) {
                    return Err(config(format!("bayes.prior.pi = {pi}: must lie in (0, 1)")));
                }
                positive("sigma1", sigma1)?;
                positive("sigma2", sigma2)
            }
        }
    }

    /// `ln p(w)` and `d ln p / dw` of one value (the mixture by log-sum-exp, so a narrow
    /// component far from w does not underflow to a zero density).
    pub fn log_density(&self, w: f64) -> (f64, f64) {
        let component = |s: f64| -0.5 * LN_2PI - s.ln() - 0.5 * (w / s).powi(2);
        match *self {
            Prior::Gaussian { sigma } => (component(sigma), -w / (sigma * sigma)),
            Prior::Mixture { pi, sigma1, sigma2 } => {
                let l1 = pi.ln() + component(sigma1);
                let l2 = (1.0 - pi).ln() + component(sigma2);
                let top = l1.max(l2);
                let log_p = top + ((l1 - top).exp() + (l2 - top).exp()).ln();
                // responsibilities of the two components
                let (r1, r2) = ((l1 - log_p).exp(), (l2 - log_p).exp());
                let d = -w * (r1 / (sigma1 * sigma1) + r2 / (sigma2 * sigma2));
                (log_p, d)
            }
        }
    }
}

impl fmt::Display for Prior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            p if p == Prior::GAUSSIAN => f.write_str("gaussian"),
            p if p == Prior::MIXTURE => f.write_str("mixture"),
            Prior::Gaussian { sigma } => write!(f, "gaussian({sigma})"),
            Prior::Mixture { pi, sigma1, sigma2 } => write!(f, "mixture({pi},{sigma1},{sigma2})"),
        }
    }
}

impl FromStr for Prior {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "gaussian" => Ok(Prior::GAUSSIAN),
            "mixture" => Ok(Prior::MIXTURE),
            other => Err(format!(
                "unknown prior {other:?}; valid: gaussian, mixture, or a table \
                 {{ kind = \"gaussian\", sigma = 1.0 }} / {{ kind = \"mixture\", pi = 0.5, sigma1 = 1.0, sigma2 = 0.0025 }}"
            )),
        }
    }
}

/// How a step draws the network it back-propagates through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sampler {
    /// One draw of every weight, `w = μ + σ ⊙ ε`, shared by the batch's rows.
    Weights,
    /// The local reparameterization trick: one draw of every pre-activation from its
    /// Gaussian given the layer's input (Kingma et al. 2015). The default: its gradient
    /// estimate has lower variance (rows get independent draws) for two GEMMs a layer.
    #[default]
    Local,
}

/// How the KL term is shared among the M mini-batches of an epoch (each sums to 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KlWeighting {
    /// π_i = 1/M.
    #[default]
    Uniform,
    /// π_i = 2^(M−i) / (2^M − 1), i = 1..M (Blundell et al. 2015): the first batches carry
    /// most of the KL.
    Blundell,
}

impl KlWeighting {
    /// π_i of batch `i` (1-based) of `m` batches.
    ///
    /// ```
    /// use mlplab::nn::bayes::KlWeighting;
    /// assert_eq!(KlWeighting::Uniform.weight(3, 4), 0.25);
    /// assert_eq!(KlWeighting::Blundell.weight(1, 2), 2.0 / 3.0);
    /// let total: f64 = (1..=600).map(|i| KlWeighting::Blundell.weight(i, 600)).sum();
    /// assert!((total - 1.0).abs() < 1e-12); // no overflow at large M
    /// ```
    pub fn weight(&self, i: usize, m: usize) -> f64 {
        let m = m.max(1);
        match self {
            KlWeighting::Uniform => 1.0 / m as f64,
            // 2^(M−i) / (2^M − 1) = 2^−i / (1 − 2^−M)
            KlWeighting::Blundell => {
                let i = i.clamp(1, m) as i32;
                2f64.powi(-i) / (1.0 - 2f64.powi(-(m.min(2000) as i32)))
            }
        }
    }
}

/// What makes a run variational, every default written here once.
///
/// ```
/// use mlplab::nn::bayes::{BayesConfig, Sampler};
/// let cfg = BayesConfig::default();
/// assert_eq!((cfg.sampler, cfg.samples, cfg.final_samples), (Sampler::Local, 10, 100));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BayesConfig {
    /// The prior. Default N(0, 1).
    #[serde(skip_serializing_if = "is_default_prior")]
    pub prior: Prior,
    /// Weight or pre-activation sampling. Default local.
    #[serde(skip_serializing_if = "is_default")]
    pub sampler: Sampler,
    /// The KL's share per mini-batch. Default uniform (1/M).
    #[serde(skip_serializing_if = "is_default")]
    pub kl_weighting: KlWeighting,
    /// A factor on the KL (a "temperature"; 1 is the ELBO). Default 1.
    #[serde(skip_serializing_if = "is_one")]
    pub temperature: f64,
    /// KL annealing: the KL factor rises linearly, e/W in epoch e ≤ W. Default 0 (off).
    #[serde(skip_serializing_if = "is_zero")]
    pub warmup_epochs: usize,
    /// The initial ρ of every parameter (σ = softplus(ρ)); μ starts as the network's
    /// initializer draws it. Default −5 (σ ≈ 0.0067).
    #[serde(skip_serializing_if = "is_default_rho")]
    pub rho_init: f64,
    /// Weight samples of the Monte-Carlo predictive in the per-epoch metrics. Default 10.
    #[serde(skip_serializing_if = "is_default_samples")]
    pub samples: usize,
    /// Weight samples of the predictive after the last epoch. Default 100.
    #[serde(skip_serializing_if = "is_default_final_samples")]
    pub final_samples: usize,
}

impl Default for BayesConfig {
    fn default() -> Self {
        BayesConfig {
            prior: Prior::GAUSSIAN,
            sampler: Sampler::Local,
            kl_weighting: KlWeighting::Uniform,
            temperature: 1.0,
            warmup_epochs: 0,
            rho_init: -5.0,
            samples: 10,
            final_samples: 100,
        }
    }
}

// Each field is left out of the JSON at its default, so that a run's key names only what
// it changes: `{ sampler = "weights" }` serializes as just that.
fn is_default<K: Default + PartialEq>(k: &K) -> bool {
    *k == K::default()
}
fn is_default_prior(p: &Prior) -> bool {
    *p == BayesConfig::default().prior
}
fn is_one(x: &f64) -> bool {
    *x == BayesConfig::default().temperature
}
fn is_zero(n: &usize) -> bool {
    *n == BayesConfig::default().warmup_epochs
}
fn is_default_rho(x: &f64) -> bool {
    *x == BayesConfig::default().rho_init
}
fn is_default_samples(n: &usize) -> bool {
    *n == BayesConfig::default().samples
}
fn is_default_final_samples(n: &usize) -> bool {
    *n == BayesConfig::default().final_samples
}

impl BayesConfig {
    /// Checks every constant and names the one out of range.
    ///
    /// ```
    /// use mlplab::nn::bayes::BayesConfig;
    /// let bad = BayesConfig { samples: 0, ..Default::default() };
    /// assert!(bad.validate().unwrap_err().to_string().contains("samples"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.prior.validate()?;
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(config(format!(
                "bayes.temperature = {}: must be a finite number ≥ 0",
                self.temperature
            )));
        }
        if !(self.rho_init.is_finite() && (-30.0..=10.0).contains(&self.rho_init)) {
            return Err(config(format!(
                "bayes.rho_init = {}: must lie in [−30, 10] (σ = softplus(ρ) from 1e-13 to 10)",
                self.rho_init
            )));
        }
        for (name, s) in [
            ("samples", self.samples),
            ("final_samples", self.final_samples),
        ] {
            if s == 0 {
                return Err(config(format!("bayes.{name} = 0: must be ≥ 1")));
            }
        }
        Ok(())
    }

    /// `c_i` of the objective: temperature · warm-up · π_i / N, for batch `i` (1-based) of
    /// `m` in `epoch` (1-based), over `train_len` rows.
    ///
    /// ```
    /// use mlplab::nn::bayes::BayesConfig;
    /// let cfg = BayesConfig { warmup_epochs: 4, ..Default::default() };
    /// assert_eq!(cfg.kl_scale(1, 10, 2, 1000), 0.5 * 0.1 / 1000.0);
    /// assert_eq!(cfg.kl_scale(1, 10, 9, 1000), 0.1 / 1000.0);
    /// ```
    pub fn kl_scale(&self, i: usize, m: usize, epoch: usize, train_len: usize) -> f64 {
        let warm = if self.warmup_epochs == 0 {
            1.0
        } else {
            (epoch as f64 / self.warmup_epochs as f64).min(1.0)
        };
        self.temperature * warm * self.kl_weighting.weight(i, m) / train_len.max(1) as f64
    }
}

/// The posterior q: μ and ρ of every weight and bias of an [`Architecture`].
///
/// ```
/// use mlplab::nn::{bayes::{BayesNet, softplus}, init::Init, network::Architecture};
/// let net = BayesNet::<f64>::new(Architecture::study(4, 3), Init::HeUniform, 0, -5.0).unwrap();
/// assert_eq!(net.theta().len(), 2 * net.len());
/// assert!(net.rho().iter().all(|&r| r == -5.0));
/// assert!((net.sigma_of(0) - softplus(-5.0)).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct BayesNet<T> {
    arch: Architecture,
    layout: Vec<LayerLayout>,
    /// `[μ; ρ]`.
    theta: Vec<T>,
}

impl<T: Scalar> BayesNet<T> {
    /// μ as `init` draws a [`Network`]'s weights for `seed` (biases 0), every ρ = `rho_init`.
    pub fn new(arch: Architecture, init: Init, seed: u64, rho_init: f64) -> Result<Self> {
        let net = Network::<T>::new(arch, init, seed)?;
        let mu = net.params().to_vec();
        let rho = vec![T::of(rho_init); mu.len()];
        Self::from_parts(net.architecture().clone(), mu, rho)
    }

    /// A posterior from its μ and ρ (each laid out as [`Architecture::layout`]); fails with
    /// [`Error::Shape`] on a wrong count and [`Error::Data`] on a non-finite value.
    pub fn from_parts(arch: Architecture, mu: Vec<T>, rho: Vec<T>) -> Result<Self> {
        arch.validate()?;
        let n = arch.parameter_count();
        if mu.len() != n || rho.len() != n {
            return Err(Error::Shape(format!(
                "{} μ and {} ρ given, {} expects {n} of each",
                mu.len(),
                rho.len(),
                arch.describe()
            )));
        }
        let layout = arch.layout();
        for (name, v) in [("μ", &mu), ("ρ", &rho)] {
            if let Some(bad) = NonFinite::find(&layout, v) {
                return Err(Error::Data(format!(
                    "{name} of {} is {}: the posterior must be finite",
                    bad.place(),
                    bad.value
                )));
            }
        }
        let mut theta = mu;
        theta.extend_from_slice(&rho);
        Ok(BayesNet {
            arch,
            layout,
            theta,
        })
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// Per-layer ranges into μ (and into ρ).
    pub fn layout(&self) -> &[LayerLayout] {
        &self.layout
    }

    /// The number of weights and biases (half of [`BayesNet::theta`]).
    pub fn len(&self) -> usize {
        self.theta.len() / 2
    }

    /// Always false: a validated architecture has parameters.
    pub fn is_empty(&self) -> bool {
        self.theta.is_empty()
    }

    /// `[μ; ρ]`, what the optimizer steps.
    pub fn theta(&self) -> &[T] {
        &self.theta
    }

    /// `[μ; ρ]`, mutably.
    pub fn theta_mut(&mut self) -> &mut [T] {
        &mut self.theta
    }

    /// The posterior means.
    pub fn mu(&self) -> &[T] {
        &self.theta[..self.len()]
    }

    /// The ρ's (σ = softplus(ρ)).
    pub fn rho(&self) -> &[T] {
        &self.theta[self.len()..]
    }

    /// σ of parameter `i`, at least the smallest positive value of `T`.
    pub fn sigma_of(&self, i: usize) -> f64 {
        sigma_t::<T>(self.rho()[i].to_f64()).to_f64()
    }

    /// The mean σ of each layer's weights (biases left out): what the posterior learned.
    ///
    /// ```
    /// use mlplab::nn::{bayes::{BayesNet, softplus}, init::Init, network::Architecture};
    /// let net = BayesNet::<f64>::new(Architecture::study(4, 3), Init::HeUniform, 0, 0.0).unwrap();
    /// assert!(net.mean_sigma_per_layer().iter().all(|s| (s - softplus(0.0)).abs() < 1e-12));
    /// ```
    pub fn mean_sigma_per_layer(&self) -> Vec<f64> {
        let rho = self.rho();
        self.layout
            .iter()
            .map(|l| {
                let s: f64 = rho[l.w.clone()]
                    .iter()
                    .map(|&r| sigma_t::<T>(r.to_f64()).to_f64())
                    .sum();
                s / l.w.len().max(1) as f64
            })
            .collect()
    }

    /// The posterior-mean network (every weight at μ): the cheap alternative to the
    /// Monte-Carlo predictive, and what `--save-weights` writes in the deterministic layout.
    pub fn mean_network(&self) -> Result<Network<T>> {
        Network::from_params(self.arch.clone(), self.mu().to_vec())
    }

    /// KL(q ‖ p) under `prior`: closed form for the Gaussian; for the mixture, the one-sample
    /// estimate `Σ ln q(w) − ln p(w)` at `w = μ + σ ⊙ ε` with ε = `noise.weights`.
    pub fn kl(&self, prior: &Prior, noise: &Noise<T>) -> f64 {
        let (mu, rho) = self.theta.split_at(self.len());
        match *prior {
            Prior::Gaussian { sigma: sp } => mu
                .iter()
                .zip(rho)
                .map(|(&m, &r)| {
                    let (m, s) = (m.to_f64(), sigma_t::<T>(r.to_f64()).to_f64());
                    kl_gaussian(m, s, sp)
                })
                .sum(),
            Prior::Mixture { .. } => {
                assert_eq!(
                    noise.weights.len(),
                    mu.len(),
                    "mixture KL needs weight noise"
                );
                let mut total = 0.0;
                for ((&m, &r), &e) in mu.iter().zip(rho).zip(&noise.weights) {
                    let (s, e) = (sigma_t::<T>(r.to_f64()), e.to_f64());
                    let w = (m + s * T::of(e)).to_f64();
                    let log_q = -0.5 * LN_2PI - s.to_f64().ln() - 0.5 * e * e;
                    total += log_q - prior.log_density(w).0;
                }
                total
            }
        }
    }

    /// Adds `c · ∂KL/∂μ` and `c · ∂KL/∂ρ` to `grad` (laid out as `[μ; ρ]`).
    fn add_kl_gradient(&self, prior: &Prior, noise: &Noise<T>, c: f64, grad: &mut [T]) {
        if c == 0.0 {
            return;
        }
        let n = self.len();
        let (mu, rho) = self.theta.split_at(n);
        let (g_mu, g_rho) = grad.split_at_mut(n);
        for i in 0..n {
            let (m, r) = (mu[i].to_f64(), rho[i].to_f64());
            let s_t = sigma_t::<T>(r);
            let s = s_t.to_f64();
            let (dm, ds) = match *prior {
                // ∂/∂μ = μ/σp², ∂/∂σ = −1/σ + σ/σp²
                Prior::Gaussian { sigma: sp } => (m / (sp * sp), -1.0 / s + s / (sp * sp)),
                // ln q(w) = −ln σ − ε²/2 + const with ε fixed: ∂/∂μ = −p'/p, ∂/∂σ = −1/σ − ε p'/p
                Prior::Mixture { .. } => {
                    let e = noise.weights[i].to_f64();
                    let w = (mu[i] + s_t * noise.weights[i]).to_f64();
                    let d_log_p = prior.log_density(w).1;
                    (-d_log_p, -1.0 / s - e * d_log_p)
                }
            };
            g_mu[i] += T::of(c * dm);
            g_rho[i] += T::of(c * ds * sigmoid(r));
        }
    }

    /// The output `A[L]` (n×outputs) of one draw of the network on `x` (n×inputs), with the
    /// draw given by `noise` (made by [`Noise::draw`] for `sampler` and at least n rows).
    pub fn sample_forward<'w>(
        &self,
        x: &[T],
        n: usize,
        sampler: Sampler,
        noise: &Noise<T>,
        ws: &'w mut BayesWorkspace<T>,
    ) -> &'w [T] {
        ws.prepare(self);
        match sampler {
            Sampler::Weights => {
                ws.fill_sampled_weights(self, noise);
                ws.net.forward(x, n, &mut ws.ws)
            }
            Sampler::Local => {
                ws.local_forward(self, x, n, noise);
                let last = self.layout.len() - 1;
                &ws.a[last][..n * self.arch.outputs()]
            }
        }
    }

    /// The objective `F = (1/n) Σ L + c · KL` of one step and its gradient with respect to
    /// `[μ; ρ]` (written into `grad`), for a batch `x` (n×inputs), `y` (n×outputs, one-hot),
    /// the draw `noise` and the KL factor `c` ([`BayesConfig::kl_scale`]).
    #[allow(clippy::too_many_arguments)]
    pub fn objective_gradient(
        &self,
        x: &[T],
        y: &[T],
        n: usize,
        loss: Loss,
        bayes: &BayesConfig,
        c: f64,
        noise: &Noise<T>,
        ws: &mut BayesWorkspace<T>,
        grad: &mut [T],
    ) -> Step {
        let q = self.arch.outputs();
        assert!(
            y.len() == n * q && grad.len() == self.theta.len(),
            "objective shapes"
        );
        let half = self.len();
        let (loss_sum, correct) = {
            let out = self.sample_forward(x, n, bayes.sampler, noise, ws);
            (loss.total(y, out, q), count_correct(out, y, q))
        };
        match bayes.sampler {
            Sampler::Weights => {
                let BayesWorkspace {
                    net,
                    ws: w,
                    gw,
                    dsig,
                    ..
                } = ws;
                net.backward_rows(x, y, n, n, loss, None, w, gw);
                let (g_mu, g_rho) = grad.split_at_mut(half);
                g_mu.copy_from_slice(gw);
                for i in 0..half {
                    // ∂w/∂ρ = ε · sigmoid(ρ)
                    g_rho[i] = gw[i] * noise.weights[i] * dsig[i];
                }
            }
            Sampler::Local => {
                ws.local_backward(self, x, y, n, loss, noise, grad);
            }
        }
        let kl = if c == 0.0 {
            0.0
        } else {
            self.kl(&bayes.prior, noise)
        };
        self.add_kl_gradient(&bayes.prior, noise, c, grad);
        let loss = loss_sum / n as f64;
        Step {
            loss,
            kl,
            objective: loss + c * kl,
            correct,
        }
    }

    /// The Monte-Carlo predictive `(1/S) Σ_s f(x; w_s)` over `samples` whole-network draws
    /// `w_s = μ + σ ⊙ ε_s` (from `rng`), accumulated in f64: n×outputs.
    ///
    /// The draws are of weights whatever sampler trained the posterior. Each example's
    /// predictive is the same under both samplers. Weight draws cost one GEMM a layer, not
    /// two, and p·q normals per draw, not n·q: for the study's network on blocks of 1000
    /// rows that is 3.5× fewer.
    pub fn predictive(
        &self,
        x: &[T],
        n: usize,
        samples: usize,
        rng: &mut Rng,
        noise: &mut Noise<T>,
        ws: &mut BayesWorkspace<T>,
    ) -> Vec<f64> {
        let q = self.arch.outputs();
        let mut mean = vec![0.0f64; n * q];
        let samples = samples.max(1);
        ws.prepare(self);
        for _ in 0..samples {
            noise.draw(self, Sampler::Weights, &Prior::GAUSSIAN, n, rng);
            ws.fill_sampled_weights(self, noise);
            let out = ws.net.forward(x, n, &mut ws.ws);
            for (m, &o) in mean.iter_mut().zip(out) {
                *m += o.to_f64();
            }
        }
        let inv = 1.0 / samples as f64;
        mean.iter_mut().for_each(|m| *m *= inv);
        mean
    }
}

/// KL(N(μ, σ²) ‖ N(0, σp²)) = ln(σp/σ) + (σ² + μ²)/(2σp²) − ½.
///
/// ```
/// use mlplab::nn::bayes::kl_gaussian;
/// assert_eq!(kl_gaussian(0.0, 1.0, 1.0), 0.0);
/// assert!((kl_gaussian(1.0, 1.0, 1.0) - 0.5).abs() < 1e-15);
/// ```
pub fn kl_gaussian(mu: f64, sigma: f64, sigma_p: f64) -> f64 {
    (sigma_p / sigma).ln() + (sigma * sigma + mu * mu) / (2.0 * sigma_p * sigma_p) - 0.5
}

/// σ = softplus(ρ) in `T`, never below `T`'s smallest positive normal value (so ln σ and
/// 1/σ stay finite whatever ρ an optimizer reaches).
fn sigma_t<T: Scalar>(rho: f64) -> T {
    T::of(softplus(rho)).max(T::min_positive_value())
}

/// Rows whose arg-max output is the one-hot target's class.
fn count_correct<T: Scalar>(out: &[T], y: &[T], q: usize) -> usize {
    out.chunks_exact(q)
        .zip(y.chunks_exact(q))
        .filter(|(o, y)| argmax(o) == argmax(y))
        .count()
}

fn argmax<T: Scalar>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// The figures of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// `(1/n) Σ L` of the batch under the draw.
    pub loss: f64,
    /// KL(q ‖ p) (closed-form or the one-sample estimate; 0 when its factor is 0).
    pub kl: f64,
    /// `loss + c · kl`: the negative ELBO of the batch divided by N.
    pub objective: f64,
    /// Rows classified right under the draw.
    pub correct: usize,
}

/// The standard normal draws of one step: ε per weight and bias (the weight sampler, and the
/// mixture prior's KL estimate), ε per pre-activation (the local sampler; layer by layer,
/// rows×q each).
#[derive(Clone, Debug, Default)]
pub struct Noise<T> {
    /// ε of every weight and bias (empty when not needed).
    pub weights: Vec<T>,
    /// ε of every pre-activation, per layer (empty under the weight sampler).
    pub pre: Vec<Vec<T>>,
}

impl<T: Scalar> Noise<T> {
    /// Draws, in this order, what `sampler` and `prior` need for `rows` rows: the weight
    /// noise (weight sampler or mixture prior), then every layer's pre-activation noise
    /// (local sampler). Buffers are reused between calls.
    pub fn draw(
        &mut self,
        net: &BayesNet<T>,
        sampler: Sampler,
        prior: &Prior,
        rows: usize,
        rng: &mut Rng,
    ) {
        let need_weights = sampler == Sampler::Weights || matches!(prior, Prior::Mixture { .. });
        self.weights.clear();
        if need_weights {
            fill_normal(&mut self.weights, net.len(), rng);
        }
        let layers = if sampler == Sampler::Local {
            net.layout().len()
        } else {
            0
        };
        self.pre.resize_with(layers, Vec::new);
        for (pre, l) in self.pre.iter_mut().zip(net.layout()) {
            pre.clear();
            fill_normal(pre, rows * l.outputs, rng);
        }
    }
}

/// Appends `count` standard normals to `out`, both of each Box–Muller pair used:
/// `√(−2 ln u1) · (cos 2πu2, sin 2πu2)` with `u1 ∈ (0, 1]`.
fn fill_normal<T: Scalar>(out: &mut Vec<T>, count: usize, rng: &mut Rng) {
    let target = out.len() + count;
    out.reserve(count);
    while out.len() < target {
        let u1 = 1.0 - rng.unit();
        let u2 = rng.unit();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        out.push(T::of(r * c));
        if out.len() < target {
            out.push(T::of(r * s));
        }
    }
}

/// Every buffer a step of a [`BayesNet`] needs, for batches of up to `rows` rows.
#[derive(Clone, Debug)]
pub struct BayesWorkspace<T> {
    rows: usize,
    threads: Threads,
    /// σ = softplus(ρ), sigmoid(ρ) = dσ/dρ, σ² of every parameter.
    sigma: Vec<T>,
    dsig: Vec<T>,
    var: Vec<T>,
    /// The weight sampler's drawn network and its workspace.
    net: Network<T>,
    ws: Workspace<T>,
    /// ∂L/∂w (weight sampler) or ∂L/∂σ² (local sampler).
    gw: Vec<T>,
    /// Local sampler, per layer: Z, A, dZ, dA (rows×q), √δ (rows×q), ∂/∂δ (rows×q),
    /// and the layer's input squared (rows×p) with a rows×p scratch.
    z: Vec<Vec<T>>,
    a: Vec<Vec<T>>,
    dz: Vec<Vec<T>>,
    da: Vec<Vec<T>>,
    sd: Vec<Vec<T>>,
    ddelta: Vec<Vec<T>>,
    a2: Vec<Vec<T>>,
    scratch: Vec<Vec<T>>,
}

impl<T: Scalar> BayesWorkspace<T> {
    /// Buffers for `net` and batches of at most `rows` rows, products on `threads`.
    pub fn new(net: &BayesNet<T>, rows: usize, threads: Threads) -> Result<Self> {
        let arch = net.architecture();
        let per_layer = |width: &dyn Fn(&LayerLayout) -> usize| -> Vec<Vec<T>> {
            net.layout()
                .iter()
                .map(|l| vec![T::zero(); rows * width(l)])
                .collect()
        };
        let n = net.len();
        Ok(BayesWorkspace {
            rows,
            threads,
            sigma: vec![T::zero(); n],
            dsig: vec![T::zero(); n],
            var: vec![T::zero(); n],
            net: Network::from_params(arch.clone(), net.mu().to_vec())?,
            ws: Workspace::new(arch, rows, threads),
            gw: vec![T::zero(); n],
            z: per_layer(&|l| l.outputs),
            a: per_layer(&|l| l.outputs),
            dz: per_layer(&|l| l.outputs),
            da: per_layer(&|l| l.outputs),
            sd: per_layer(&|l| l.outputs),
            ddelta: per_layer(&|l| l.outputs),
            a2: per_layer(&|l| l.inputs),
            scratch: per_layer(&|l| l.inputs),
        })
    }

    /// Largest batch these buffers hold.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Lets later passes use `threads` (the bits do not change).
    pub fn set_threads(&mut self, threads: Threads) {
        self.threads = threads;
        self.ws.set_threads(threads);
    }

    /// σ, sigmoid(ρ) and σ² of the current ρ.
    fn prepare(&mut self, net: &BayesNet<T>) {
        for (((s, d), v), &r) in self
            .sigma
            .iter_mut()
            .zip(&mut self.dsig)
            .zip(&mut self.var)
            .zip(net.rho())
        {
            let r = r.to_f64();
            *s = sigma_t(r);
            *d = T::of(sigmoid(r));
            *v = *s * *s;
        }
    }

    /// `w = μ + σ ⊙ ε` into the drawn network.
    fn fill_sampled_weights(&mut self, net: &BayesNet<T>, noise: &Noise<T>) {
        assert_eq!(noise.weights.len(), net.len(), "weight noise");
        for (((w, &m), &s), &e) in self
            .net
            .params_mut()
            .iter_mut()
            .zip(net.mu())
            .zip(&self.sigma)
            .zip(&noise.weights)
        {
            *w = m + s * e;
        }
    }

    /// `γ = A μ_W + μ_b`, `δ = A² σ_W² + σ_b²`, `Z = γ + √δ ⊙ ε`, `A = g(Z)`, layer by layer.
    fn local_forward(&mut self, net: &BayesNet<T>, x: &[T], n: usize, noise: &Noise<T>) {
        let arch = net.architecture();
        assert!(
            n <= self.rows && x.len() == n * arch.inputs && noise.pre.len() == net.layout().len(),
            "local forward shapes"
        );
        let mu = net.mu();
        for (l, (lay, spec)) in net.layout().iter().zip(&arch.layers).enumerate() {
            let (p, q) = (lay.inputs, lay.outputs);
            let (done, rest) = self.a.split_at_mut(l);
            let a_prev: &[T] = if l == 0 { x } else { &done[l - 1][..n * p] };
            let a2 = &mut self.a2[l][..n * p];
            for (s, &v) in a2.iter_mut().zip(a_prev) {
                *s = v * v;
            }
            let z = &mut self.z[l][..n * q];
            let sd = &mut self.sd[l][..n * q];
            crate::nn::dense::dense_forward(
                z,
                a_prev,
                &mu[lay.w.clone()],
                &mu[lay.b.clone()],
                lay.dense(n, self.threads),
            );
            crate::nn::dense::dense_forward(
                sd,
                a2,
                &self.var[lay.w.clone()],
                &self.var[lay.b.clone()],
                lay.dense(n, self.threads),
            );
            let eps = &noise.pre[l][..n * q];
            for ((z, s), &e) in z.iter_mut().zip(sd.iter_mut()).zip(eps) {
                *s = s.sqrt().max(T::min_positive_value());
                *z += *s * e;
            }
            spec.activation.forward(z, &mut rest[0][..n * q], q);
        }
    }

    /// Back-propagation through [`BayesWorkspace::local_forward`] into `grad = [∂/∂μ; ∂/∂ρ]`.
    #[allow(clippy::too_many_arguments)]
    fn local_backward(
        &mut self,
        net: &BayesNet<T>,
        x: &[T],
        y: &[T],
        n: usize,
        loss: Loss,
        noise: &Noise<T>,
        grad: &mut [T],
    ) {
        let arch = net.architecture();
        let depth = net.layout().len();
        let last = depth - 1;
        let q_out = arch.outputs();
        // dZ[L]
        {
            let out_act = &arch.layers[last].activation;
            let a = &self.a[last][..n * q_out];
            let dz = &mut self.dz[last][..n * q_out];
            if loss.fuses_with(out_act) {
                Loss::fused_gradient(y, a, dz, n);
            } else {
                let da = &mut self.da[last][..n * q_out];
                loss.gradient(y, a, da, n);
                out_act.vjp(&self.z[last][..n * q_out], a, da, dz, q_out);
            }
        }
        let half = net.len();
        let mu = net.mu();
        let (g_mu, _) = grad.split_at_mut(half);
        for l in (0..depth).rev() {
            let lay = &net.layout()[l];
            let (p, q) = (lay.inputs, lay.outputs);
            let d = lay.dense(n, self.threads);
            let a_prev: &[T] = if l == 0 { x } else { &self.a[l - 1][..n * p] };
            let (dz_lower, dz_upper) = self.dz.split_at_mut(l);
            let dz = &dz_upper[0][..n * q];
            // ∂/∂δ = dZ ⊙ ε / (2√δ)
            let ddelta = &mut self.ddelta[l][..n * q];
            let two = T::of(2.0);
            for (((g, &dz), &e), &s) in ddelta
                .iter_mut()
                .zip(dz)
                .zip(&noise.pre[l][..n * q])
                .zip(&self.sd[l][..n * q])
            {
                *g = dz * e / (two * s);
            }
            let (gw, gb) = g_mu[lay.w.start..lay.b.end].split_at_mut(lay.w.len());
            let (vw, vb) = self.gw[lay.w.start..lay.b.end].split_at_mut(lay.w.len());
            let a2 = &self.a2[l][..n * p];
            if l == 0 {
                dense_backward(gw, gb, None, dz, a_prev, &mu[lay.w.clone()], d);
                dense_backward(vw, vb, None, ddelta, a2, &self.var[lay.w.clone()], d);
                continue;
            }
            let da = &mut self.da[l - 1][..n * p];
            let scratch = &mut self.scratch[l][..n * p];
            // dA = dZ μ_Wᵀ + 2 A ⊙ (∂/∂δ σ_Wᵀ²)
            dense_backward(gw, gb, Some(&mut *da), dz, a_prev, &mu[lay.w.clone()], d);
            dense_backward(
                vw,
                vb,
                Some(&mut *scratch),
                ddelta,
                a2,
                &self.var[lay.w.clone()],
                d,
            );
            for ((da, &s), &a) in da.iter_mut().zip(scratch.iter()).zip(a_prev) {
                *da += two * a * s;
            }
            arch.layers[l - 1].activation.vjp(
                &self.z[l - 1][..n * p],
                &self.a[l - 1][..n * p],
                da,
                &mut dz_lower[l - 1][..n * p],
                p,
            );
        }
        // ∂/∂ρ = ∂/∂σ² · 2σ · sigmoid(ρ)
        let two = T::of(2.0);
        let g_rho = &mut grad[half..];
        for (((g, &v), &s), &d) in g_rho
            .iter_mut()
            .zip(&self.gw)
            .zip(&self.sigma)
            .zip(&self.dsig)
        {
            *g = v * two * s * d;
        }
    }
}

#[cfg(test)]
mod tests;
