//! Weight penalties (SPEC §3): `J += (λ/2N) Σ_l Σ w²` (L2) and `(λ1/N) Σ_l Σ |w|` (L1), on
//! weights only, never biases. Their gradients `(λ/N) w` and `(λ1/N) sign(w)` are added to
//! `dW` (SPEC §4). This is L2 *added to the gradient*; decoupled weight decay (AdamW) is a
//! different thing and lives in the optimizer ([`crate::nn::optim::OptimizerConfig::weight_decay`]).
//!
//! Against PyTorch: `torch.optim.SGD(weight_decay=wd)` adds `wd·θ` to the gradient of *every*
//! parameter, biases included; our L2 with `λ/N = wd` is the same on weights and leaves
//! biases alone. PyTorch has no built-in L1 penalty.

#![warn(missing_docs)]

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::nn::error::{Result, config};
use crate::nn::scalar::{Scalar, sum_map};

/// What `N` is in `λ/(2N)` (SPEC §3). Config names `"training-set"` and `"batch"`.
///
/// ```
/// use mlplab::nn::regularization::{PenaltyScale, Regularization};
/// let r = Regularization { l2: 1.0, scale: PenaltyScale::Batch, ..Default::default() };
/// assert_eq!(r.n(60_000, 100), 100);
/// assert_eq!(PenaltyScale::default(), PenaltyScale::TrainingSet);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PenaltyScale {
    /// `N` = size of the training set (Nielsen's `network2.py`; matches the report's "small
    /// pull of (λ/N)·w per step"). The default.
    #[default]
    TrainingSet,
    /// `N` = size of the mini-batch.
    Batch,
}

/// L2 and L1 strengths and the meaning of `N` (SPEC §3). The default is no penalty.
///
/// ```
/// use mlplab::nn::regularization::Regularization;
/// let r = Regularization { l2: 2.0, ..Default::default() };
/// // (λ/2N) Σw² with N = 10: (2/20)·(1 + 4) = 0.5
/// assert!((r.penalty(&[1.0f64, -2.0], 10) - 0.5).abs() < 1e-12);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Regularization {
    /// λ of the L2 penalty, ≥ 0.
    pub l2: f64,
    /// λ1 of the L1 penalty, ≥ 0.
    pub l1: f64,
    /// What `N` is.
    pub scale: PenaltyScale,
}

impl Regularization {
    /// Checks λ, λ1 ≥ 0 and finite, naming the field at fault.
    ///
    /// ```
    /// use mlplab::nn::regularization::Regularization;
    /// assert!(Regularization { l2: 5e-4, ..Default::default() }.validate().is_ok());
    /// let err = Regularization { l1: f64::NAN, ..Default::default() }.validate().unwrap_err();
    /// assert!(err.to_string().contains("l1"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("l2 (λ)", self.l2), ("l1 (λ1)", self.l1)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config(format!("{name} = {v}: must be a finite number ≥ 0")));
            }
        }
        Ok(())
    }

    /// `N` for a step on a batch of `batch` rows from a training set of `train` rows.
    ///
    /// ```
    /// use mlplab::nn::regularization::Regularization;
    /// assert_eq!(Regularization::default().n(60_000, 100), 60_000); // training-set size
    /// ```
    pub fn n(&self, train: usize, batch: usize) -> usize {
        match self.scale {
            PenaltyScale::TrainingSet => train,
            PenaltyScale::Batch => batch,
        }
    }

    /// The penalty `(λ/2N) Σ w² + (λ1/N) Σ |w|` over the weights `w` (one layer or all),
    /// accumulated in f64 (SPEC §3). Pass weights only: biases are never penalised.
    ///
    /// ```
    /// use mlplab::nn::regularization::Regularization;
    /// let r = Regularization { l1: 1.0, ..Default::default() };
    /// assert_eq!(r.penalty(&[0.5f32, -1.5], 4), 0.5); // (1/4)(0.5 + 1.5)
    /// ```
    pub fn penalty<T: Scalar>(&self, w: &[T], n: usize) -> f64 {
        if self.l2 == 0.0 && self.l1 == 0.0 {
            return 0.0;
        }
        let n = n as f64;
        let sq = if self.l2 == 0.0 {
            0.0
        } else {
            sum_map(w, |w| w * w)
        };
        let abs = if self.l1 == 0.0 {
            0.0
        } else {
            sum_map(w, f64::abs)
        };
        self.l2 / (2.0 * n) * sq + self.l1 / n * abs
    }

    /// The penalty of a whole network: `Σ_l penalty(W[l])` (SPEC §3), the layers' weights
    /// being the ranges `weights` of the flat parameter vector `params` (biases left out).
    /// The one place every cost adds it ([`crate::nn::network::Network::penalty`]).
    ///
    /// ```
    /// use mlplab::nn::regularization::Regularization;
    /// let r = Regularization { l2: 1.0, ..Default::default() };
    /// let params = [3.0f64, 4.0, 100.0, 1.0]; // W1 = (3, 4), b1 = 100, W2 = (1)
    /// assert_eq!(r.penalty_over(&params, [0..2, 3..4], 1), 13.0); // ½(9 + 16 + 1)
    /// ```
    pub fn penalty_over<T: Scalar>(
        &self,
        params: &[T],
        weights: impl IntoIterator<Item = Range<usize>>,
        n: usize,
    ) -> f64 {
        weights
            .into_iter()
            .map(|r| self.penalty(&params[r], n))
            .sum()
    }

    /// Adds the penalty's gradient to every weight block of `grad`: for each range `r` of
    /// `weights`, `grad[r] += (λ/N) params[r] + (λ1/N) sign(params[r])` (SPEC §4). `grad` is
    /// laid out like `params`. The one place every gradient gets it
    /// ([`crate::nn::network::Network::add_penalty_gradient`]).
    ///
    /// ```
    /// use mlplab::nn::regularization::Regularization;
    /// let r = Regularization { l2: 2.0, ..Default::default() };
    /// let params = [1.0f64, -1.0, 5.0];
    /// let mut grad = [0.0; 3];
    /// r.add_gradient_over(&params, &mut grad, [0..2], 4);
    /// assert_eq!(grad, [0.5, -0.5, 0.0]); // the bias at index 2 is not a weight
    /// ```
    pub fn add_gradient_over<T: Scalar>(
        &self,
        params: &[T],
        grad: &mut [T],
        weights: impl IntoIterator<Item = Range<usize>>,
        n: usize,
    ) {
        if self.l2 == 0.0 && self.l1 == 0.0 {
            return;
        }
        for r in weights {
            self.add_gradient(&params[r.clone()], &mut grad[r], n);
        }
    }

    /// Adds `(λ/N) w + (λ1/N) sign(w)` to the weight gradient `dw` (SPEC §4); `w`, `dw`: the
    /// same length. `sign(0) = 0`.
    ///
    /// ```
    /// use mlplab::nn::regularization::Regularization;
    /// let r = Regularization { l2: 2.0, l1: 1.0, ..Default::default() };
    /// let mut dw = [1.0f64, 1.0, 1.0];
    /// r.add_gradient(&[0.5, -0.5, 0.0], &mut dw, 4);
    /// assert_eq!(dw, [1.5, 0.5, 1.0]); // + 0.5·w + 0.25·sign(w)
    /// ```
    pub fn add_gradient<T: Scalar>(&self, w: &[T], dw: &mut [T], n: usize) {
        if self.l2 == 0.0 && self.l1 == 0.0 {
            return;
        }
        let l2 = T::of(self.l2 / n as f64);
        let l1 = T::of(self.l1 / n as f64);
        if self.l1 == 0.0 {
            // The common case, without the branches of sign(w): vectorizes.
            for (d, &w) in dw.iter_mut().zip(w) {
                *d += l2 * w;
            }
            return;
        }
        for (d, &w) in dw.iter_mut().zip(w) {
            // sign(0) = 0: the subgradient PyTorch's `torch.sign` also uses.
            let sign = if w > T::zero() {
                T::one()
            } else if w < T::zero() {
                -T::one()
            } else {
                T::zero()
            };
            *d += l2 * w + l1 * sign;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_is_derivative_of_penalty() {
        let r = Regularization {
            l2: 3.0,
            l1: 0.5,
            scale: PenaltyScale::Batch,
        };
        let w = [0.3f64, -1.2, 2.0];
        let mut g = [0.0; 3];
        r.add_gradient(&w, &mut g, 7);
        for i in 0..3 {
            let h = 1e-6;
            let (mut p, mut m) = (w, w);
            p[i] += h;
            m[i] -= h;
            let fd = (r.penalty(&p, 7) - r.penalty(&m, 7)) / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-8);
        }
    }

    #[test]
    fn the_l1_subgradient_is_zero_at_exactly_zero_weights() {
        let r = Regularization {
            l2: 0.0,
            l1: 2.0,
            scale: PenaltyScale::Batch,
        };
        let w = [0.0f64, -0.0, 1e-300, -1e-300];
        let mut g = [0.0; 4];
        r.add_gradient(&w, &mut g, 4);
        // (λ1/N) sign(w) with sign(±0) = 0, and ±λ1/N at the smallest weights either side.
        assert_eq!(g, [0.0, 0.0, 0.5, -0.5]);
        let mut g32 = [0.0f32; 2];
        r.add_gradient(&[0.0f32, 3.0], &mut g32, 4);
        assert_eq!(g32, [0.0, 0.5]);
    }

    #[test]
    fn negative_lambda_is_rejected_by_name() {
        let err = Regularization {
            l2: -1.0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains("l2"), "{err}");
    }
}
