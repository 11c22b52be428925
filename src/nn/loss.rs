//! Per-example losses `L(y, a)` and their gradients `dL/da` (SPEC §3).
//!
//! | loss | L(y, a) | dL/da |
//! |---|---|---|
//! | MSE | ½ Σ_j (a_j − y_j)² | a − y |
//! | BCE | −Σ_j [y_j log a_j + (1−y_j) log(1−a_j)] | (a − y) / (a (1 − a)) |
//! | CCE | −Σ_j y_j log a_j | −y / a |
//!
//! The original report printed these with the wrong signs (SPEC §8); the table above is
//! correct. Logs are taken of `a` clamped to `[ε, 1 − ε]` with `ε` the type's machine epsilon,
//! so they never see 0; a NaN or infinite `a` is not clamped, so it gives a non-finite cost
//! (training then stops as diverged) rather than a finite one. Softmax + CCE and sigmoid + BCE have the exact fused gradient
//! `dZ = (A − Y) / n` ([`Loss::fuses_with`]), which the network uses instead of the general
//! path; the tests check both agree.
//!
//! Against PyTorch: `L` is *summed* over the q outputs and averaged over the n rows only.
//! `nn.MSELoss()` averages over all n·q elements and has no ½, so our MSE is
//! `q/2 ×` PyTorch's; `nn.BCELoss()` likewise averages over n·q (ours is `q ×` it) and clamps
//! each log at −100 rather than clamping `a`; `nn.CrossEntropyLoss` takes logits and
//! applies log-softmax itself, while [`Loss::Cce`] takes probabilities (the softmax output),
//! so softmax + CCE here equals `CrossEntropyLoss` on `Z[L]`.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::nn::activation::Activation;
use crate::nn::scalar::Scalar;

/// The loss of a network's output. Config names: `"mse"`, `"bce"`, `"cce"`
/// (aliases `"quadratic"`, `"binary-cross-entropy"`, `"cross-entropy"`).
///
/// ```
/// use mlplab::nn::loss::Loss;
/// let l: Loss = "cross-entropy".parse().unwrap();
/// assert_eq!(l, Loss::Cce);
/// // MSE of a = (0.5, 0.5) against y = (1, 0): ½(0.25 + 0.25)
/// assert_eq!(Loss::Mse.example(&[1.0f64, 0.0], &[0.5, 0.5]), 0.25);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Loss {
    /// Quadratic cost ½‖a − y‖² (what the original report used, on softmax outputs).
    Mse,
    /// Binary cross-entropy, summed over outputs.
    Bce,
    /// Categorical cross-entropy.
    Cce,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Loss::Mse => "mse",
            Loss::Bce => "bce",
            Loss::Cce => "cce",
        })
    }
}

impl FromStr for Loss {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "mse" | "quadratic" => Ok(Loss::Mse),
            "bce" | "binary-cross-entropy" => Ok(Loss::Bce),
            "cce" | "cross-entropy" | "categorical-cross-entropy" => Ok(Loss::Cce),
            other => Err(format!("unknown loss {other:?}; valid: mse, bce, cce")),
        }
    }
}

impl TryFrom<String> for Loss {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Loss> for String {
    fn from(l: Loss) -> String {
        l.to_string()
    }
}

/// `a` clamped to `[ε, 1 − ε]` when finite; NaN and ±∞ pass through unchanged, so a
/// diverged output gives a non-finite cost and gradient instead of a plausible one
/// (`f64::max` alone would turn NaN into ε).
#[inline]
fn clamp_prob<T: Scalar>(a: T) -> T {
    if !a.is_finite() {
        return a;
    }
    let eps = T::epsilon();
    a.max(eps).min(T::one() - eps)
}

impl Loss {
    /// `L(y, a)` of one example (`y`, `a`: length q), accumulated in f64 (SPEC §3, table
    /// above). BCE and CCE clamp `a` to `[ε, 1 − ε]` first; CCE skips terms with `y_j = 0`.
    ///
    /// ```
    /// use mlplab::nn::loss::Loss;
    /// let (y, a) = ([0.0f64, 1.0], [0.5, 0.5]);
    /// assert_eq!(Loss::Mse.example(&y, &a), 0.25);
    /// assert!((Loss::Cce.example(&y, &a) - 2f64.ln()).abs() < 1e-15); // −log ½
    /// assert!((Loss::Bce.example(&y, &a) - 2.0 * 2f64.ln()).abs() < 1e-15);
    /// ```
    pub fn example<T: Scalar>(&self, y: &[T], a: &[T]) -> f64 {
        match self {
            Loss::Mse => {
                0.5 * y
                    .iter()
                    .zip(a)
                    .map(|(&y, &a)| (a - y).to_f64().powi(2))
                    .sum::<f64>()
            }
            Loss::Bce => -y
                .iter()
                .zip(a)
                .map(|(&y, &a)| {
                    let (y, a) = (y.to_f64(), clamp_prob(a).to_f64());
                    y * a.ln() + (1.0 - y) * (1.0 - a).ln()
                })
                .sum::<f64>(),
            Loss::Cce => -y
                .iter()
                .zip(a)
                .map(|(&y, &a)| {
                    let y = y.to_f64();
                    if y == 0.0 {
                        0.0
                    } else {
                        y * clamp_prob(a).to_f64().ln()
                    }
                })
                .sum::<f64>(),
        }
    }

    /// `Σ_i L(y_i, a_i)` over a batch (`y`, `a`: n×q, `q = width`); divide by n for the mean
    /// loss of SPEC §3.
    ///
    /// ```
    /// use mlplab::nn::loss::Loss;
    /// let y = [1.0f32, 0.0, 0.0, 1.0]; // n = 2, q = 2
    /// let a = [0.5f32, 0.5, 0.0, 1.0];
    /// assert_eq!(Loss::Mse.total(&y, &a, 2), 0.25 + 0.0);
    /// ```
    pub fn total<T: Scalar>(&self, y: &[T], a: &[T], width: usize) -> f64 {
        y.chunks_exact(width)
            .zip(a.chunks_exact(width))
            .map(|(y, a)| self.example(y, a))
            .sum()
    }

    /// `dA = (1/n) dL/dA` for a batch of n rows (the general path, SPEC §4); `y`, `a`, `da`:
    /// n×q. `a` is clamped to `[ε, 1 − ε]` for BCE and CCE, as in [`Loss::example`].
    ///
    /// ```
    /// use mlplab::nn::loss::Loss;
    /// let (y, a) = ([1.0f64, 0.0], [0.25, 0.75]); // n = 1, q = 2
    /// let mut da = [0.0; 2];
    /// Loss::Mse.gradient(&y, &a, &mut da, 1);
    /// assert_eq!(da, [-0.75, 0.75]); // a − y
    /// Loss::Cce.gradient(&y, &a, &mut da, 1);
    /// assert_eq!(da, [-4.0, 0.0]); // −y / a
    /// ```
    pub fn gradient<T: Scalar>(&self, y: &[T], a: &[T], da: &mut [T], n: usize) {
        let inv_n = T::one() / T::of(n as f64);
        for ((d, &y), &a) in da.iter_mut().zip(y).zip(a) {
            *d = inv_n
                * match self {
                    Loss::Mse => a - y,
                    Loss::Bce => {
                        let a = clamp_prob(a);
                        (a - y) / (a * (T::one() - a))
                    }
                    Loss::Cce => -y / clamp_prob(a),
                };
        }
    }

    /// Whether `output activation + self` has the fused gradient `dZ = (A − Y)/n`: softmax +
    /// CCE and sigmoid + BCE (SPEC §3).
    ///
    /// ```
    /// use mlplab::nn::{activation::Activation, loss::Loss};
    /// assert!(Loss::Cce.fuses_with(&Activation::Softmax));
    /// assert!(Loss::Bce.fuses_with(&Activation::Sigmoid));
    /// assert!(!Loss::Mse.fuses_with(&Activation::Softmax)); // the report's set-up: general path
    /// ```
    pub fn fuses_with(&self, output: &Activation) -> bool {
        matches!(
            (self, output),
            (Loss::Cce, Activation::Softmax) | (Loss::Bce, Activation::Sigmoid)
        )
    }

    /// The fused gradient `dZ[L] = (A − Y) / n` (SPEC §3, §4); `y`, `a`, `dz`: n×q. Exact
    /// for the pairs [`Loss::fuses_with`] accepts, and free of the `1/a` of the general path.
    ///
    /// ```
    /// use mlplab::nn::loss::Loss;
    /// let (y, a) = ([1.0f64, 0.0, 0.0, 1.0], [0.5, 0.5, 0.25, 0.75]); // n = 2, q = 2
    /// let mut dz = [0.0; 4];
    /// Loss::fused_gradient(&y, &a, &mut dz, 2);
    /// assert_eq!(dz, [-0.25, 0.25, 0.125, -0.125]);
    /// ```
    pub fn fused_gradient<T: Scalar>(y: &[T], a: &[T], dz: &mut [T], n: usize) {
        let inv_n = T::one() / T::of(n as f64);
        for ((d, &y), &a) in dz.iter_mut().zip(y).zip(a) {
            *d = (a - y) * inv_n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rng::Rng;

    #[test]
    fn signs_match_spec() {
        // y = 1, a = 0.25 : MSE gradient a − y < 0; BCE, CCE gradients < 0 too.
        let y = [1.0f64];
        let a = [0.25f64];
        let mut d = [0.0];
        Loss::Mse.gradient(&y, &a, &mut d, 1);
        assert_eq!(d[0], -0.75);
        Loss::Bce.gradient(&y, &a, &mut d, 1);
        assert!((d[0] - (-0.75 / (0.25 * 0.75))).abs() < 1e-12);
        Loss::Cce.gradient(&y, &a, &mut d, 1);
        assert_eq!(d[0], -4.0);
        assert!((Loss::Cce.example(&y, &a) - 4.0f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn logs_never_see_zero() {
        let y = [1.0f32, 0.0];
        let a = [0.0f32, 1.0];
        assert!(Loss::Cce.example(&y, &a).is_finite());
        assert!(Loss::Bce.example(&y, &a).is_finite());
        let mut d = [0.0f32; 2];
        Loss::Bce.gradient(&y, &a, &mut d, 1);
        assert!(d.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn clamping_never_hides_a_nan_or_an_infinity() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let (y, a) = ([1.0f64, 0.0], [bad, 0.5]);
            for loss in [Loss::Cce, Loss::Bce, Loss::Mse] {
                assert!(!loss.example(&y, &a).is_finite(), "{loss} of {bad}");
                if bad.is_nan() {
                    // (−y/∞ = 0 is a finite gradient; the cost above is what stops such a run.)
                    let mut d = [0.0; 2];
                    loss.gradient(&y, &a, &mut d, 1);
                    assert!(!d[0].is_finite(), "{loss} gradient of {bad}");
                }
            }
            // The wrong-class output of CCE (y = 0) is skipped, as it always was.
            let (y, a) = ([0.0f32, 1.0], [bad as f32, 0.5]);
            assert!(!Loss::Bce.example(&y, &a).is_finite());
        }
    }

    #[test]
    fn fused_equals_general_path() {
        let mut rng = Rng::new(5);
        let (n, q) = (3, 5);
        for (loss, act) in [
            (Loss::Cce, Activation::Softmax),
            (Loss::Bce, Activation::Sigmoid),
        ] {
            assert!(loss.fuses_with(&act));
            let z: Vec<f64> = (0..n * q).map(|_| rng.uniform(-2.0, 2.0)).collect();
            let mut a = vec![0.0; n * q];
            act.forward(&z, &mut a, q);
            let mut y = vec![0.0; n * q];
            for i in 0..n {
                y[i * q + (i % q)] = 1.0;
            }
            let mut da = vec![0.0; n * q];
            loss.gradient(&y, &a, &mut da, n);
            let mut general = vec![0.0; n * q];
            act.vjp(&z, &a, &da, &mut general, q);
            let mut fused = vec![0.0; n * q];
            Loss::fused_gradient(&y, &a, &mut fused, n);
            for (g, f) in general.iter().zip(&fused) {
                assert!((g - f).abs() < 1e-12, "{loss}: {g} vs {f}");
            }
        }
        assert!(!Loss::Mse.fuses_with(&Activation::Softmax));
    }
}
