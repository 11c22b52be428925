//! Activations `A = g(Z)` and their vector–Jacobian products (SPEC §2).
//!
//! Back-propagation through an activation is, per row `i`,
//! `dJ/dz_ik = Σ_t dJ/da_it · ∂g_t/∂z_ik`. Element-wise activations have a diagonal
//! Jacobian, so `dZ = dA ⊙ g'(Z)`; softmax has `∂a_t/∂z_k = a_t (δ_tk − a_k)`, so
//! `dz_i = a_i ⊙ (da_i − ⟨da_i, a_i⟩)`. Both shortcuts are tested against the explicit
//! Jacobian ([`Activation::jacobian_row`]).
//!
//! Against PyTorch: the same functions as `nn.Identity`, `nn.ReLU`, `nn.LeakyReLU`,
//! `nn.Sigmoid`, `nn.Tanh`, `nn.Softmax(dim=1)`, with the same derivative at the kink
//! (`g'(0) = 0` for ReLU, `α` for LeakyReLU). The sigmoid is evaluated in f64 and rounded to
//! `T`; softmax subtracts the row maximum before `exp`, as PyTorch does.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::nn::scalar::Scalar;

/// A user-supplied activation, applied row by row. Provide either an element-wise function
/// and derivative with [`Elementwise`], or implement this trait for a multivariate one.
///
/// ```
/// use mlplab::nn::activation::{Activation, Elementwise};
/// use std::sync::Arc;
/// let softplus = Activation::Custom(Arc::new(Elementwise {
///     name: "softplus",
///     f: |z| (1.0 + z.exp()).ln(),
///     df: |z| 1.0 / (1.0 + (-z).exp()),
/// }));
/// assert_eq!(softplus.to_string(), "softplus");
/// ```
pub trait CustomActivation: Send + Sync + fmt::Debug {
    /// The name recorded in results (and shown by `Display` of [`Activation::Custom`]).
    ///
    /// ```
    /// use mlplab::nn::activation::{CustomActivation, Elementwise};
    /// let cube = Elementwise { name: "cube", f: |z| z * z * z, df: |z| 3.0 * z * z };
    /// assert_eq!(cube.name(), "cube");
    /// ```
    fn name(&self) -> &str;
    /// `a = g(z)` for one row (`z`, `a`: length q).
    ///
    /// ```
    /// use mlplab::nn::activation::{CustomActivation, Elementwise};
    /// let cube = Elementwise { name: "cube", f: |z| z * z * z, df: |z| 3.0 * z * z };
    /// let mut a = [0.0; 2];
    /// cube.forward(&[2.0, -1.0], &mut a);
    /// assert_eq!(a, [8.0, -1.0]);
    /// ```
    fn forward(&self, z: &[f64], a: &mut [f64]);
    /// The vector–Jacobian product for one row (SPEC §2): `dz_k = Σ_t da_t ∂a_t/∂z_k`
    /// (`z`, `a = g(z)`, `da`, `dz`: length q). For a symmetric Jacobian, as softmax's, this is
    /// also the Jacobian-vector product.
    ///
    /// ```
    /// use mlplab::nn::activation::{CustomActivation, Elementwise};
    /// let cube = Elementwise { name: "cube", f: |z| z * z * z, df: |z| 3.0 * z * z };
    /// let mut dz = [0.0; 2];
    /// cube.vjp(&[2.0, -1.0], &[8.0, -1.0], &[1.0, 0.5], &mut dz);
    /// assert_eq!(dz, [12.0, 1.5]); // da ⊙ 3z²
    /// ```
    fn vjp(&self, z: &[f64], a: &[f64], da: &[f64], dz: &mut [f64]);
}

/// An element-wise custom activation from `g` and `g'`: its Jacobian is diagonal, so
/// `dz = da ⊙ g'(z)`.
///
/// ```
/// use mlplab::nn::activation::{Activation, Elementwise};
/// use std::sync::Arc;
/// let square = Activation::Custom(Arc::new(Elementwise {
///     name: "square",
///     f: |z| z * z,
///     df: |z| 2.0 * z,
/// }));
/// let mut a = [0.0f64; 2];
/// square.forward(&[3.0, -2.0], &mut a, 2);
/// assert_eq!(a, [9.0, 4.0]);
/// assert!(!square.is_elementwise()); // the engine cannot see inside a custom activation
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Elementwise {
    /// Name recorded in results.
    pub name: &'static str,
    /// `g(z)`.
    pub f: fn(f64) -> f64,
    /// `g'(z)`.
    pub df: fn(f64) -> f64,
}

impl CustomActivation for Elementwise {
    fn name(&self) -> &str {
        self.name
    }
    fn forward(&self, z: &[f64], a: &mut [f64]) {
        for (a, &z) in a.iter_mut().zip(z) {
            *a = (self.f)(z);
        }
    }
    fn vjp(&self, z: &[f64], _a: &[f64], da: &[f64], dz: &mut [f64]) {
        for ((dz, &da), &z) in dz.iter_mut().zip(da).zip(z) {
            *dz = da * (self.df)(z);
        }
    }
}

/// The activation of a layer. Written in configs as `"identity"`, `"relu"`,
/// `"leaky-relu(0.1)"` (α defaults to 0.01 as in PyTorch when omitted), `"sigmoid"`,
/// `"tanh"`, `"softmax"`.
///
/// ```
/// use mlplab::nn::activation::Activation;
/// let a: Activation = "leaky-relu(0.1)".parse().unwrap();
/// assert_eq!(a, Activation::LeakyRelu(0.1));
/// assert_eq!(a.to_string(), "leaky-relu(0.1)");
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Activation {
    /// `g(z) = z`.
    Identity,
    /// `g(z) = max(z, 0)`; `g'(0) = 0`.
    Relu,
    /// `g(z) = z` if `z > 0` else `α z`.
    LeakyRelu(f64),
    /// `g(z) = 1 / (1 + e^{−z})`.
    Sigmoid,
    /// `g(z) = tanh z`.
    Tanh,
    /// Row-wise `a_k = exp(z_k − max z) / Σ_j exp(z_j − max z)`.
    Softmax,
    /// A user-supplied activation (library use only; not nameable in a config file).
    Custom(Arc<dyn CustomActivation>),
}

impl PartialEq for Activation {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Identity => write!(f, "identity"),
            Activation::Relu => write!(f, "relu"),
            Activation::LeakyRelu(alpha) => write!(f, "leaky-relu({alpha})"),
            Activation::Sigmoid => write!(f, "sigmoid"),
            Activation::Tanh => write!(f, "tanh"),
            Activation::Softmax => write!(f, "softmax"),
            Activation::Custom(c) => write!(f, "{}", c.name()),
        }
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let valid = "valid: identity, relu, leaky-relu(α), sigmoid, tanh, softmax";
        if let Some(rest) = s
            .strip_prefix("leaky-relu")
            .or_else(|| s.strip_prefix("leaky_relu"))
            .or_else(|| s.strip_prefix("lrelu"))
        {
            let rest = rest.trim();
            if rest.is_empty() {
                return Ok(Activation::LeakyRelu(0.01));
            }
            let inner = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| {
                    format!("activation {s:?}: write leaky-relu(α), e.g. leaky-relu(0.1)")
                })?;
            let alpha: f64 = inner
                .trim()
                .parse()
                .map_err(|_| format!("activation {s:?}: α {inner:?} is not a number"))?;
            if !alpha.is_finite() {
                return Err(format!("activation {s:?}: α must be finite"));
            }
            return Ok(Activation::LeakyRelu(alpha));
        }
        match s {
            "identity" | "linear" => Ok(Activation::Identity),
            "relu" => Ok(Activation::Relu),
            "sigmoid" | "logistic" => Ok(Activation::Sigmoid),
            "tanh" => Ok(Activation::Tanh),
            "softmax" => Ok(Activation::Softmax),
            _ => Err(format!("unknown activation {s:?}; {valid}")),
        }
    }
}

impl TryFrom<String> for Activation {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Activation> for String {
    fn from(a: Activation) -> String {
        a.to_string()
    }
}

#[inline]
fn sigmoid(z: f64) -> f64 {
    // Two branches so that exp never overflows.
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Activation {
    /// True when the Jacobian is diagonal (the built-in element-wise activations). Softmax and
    /// custom activations answer false: their VJP goes row by row.
    ///
    /// ```
    /// use mlplab::nn::activation::Activation;
    /// assert!(Activation::Relu.is_elementwise());
    /// assert!(!Activation::Softmax.is_elementwise());
    /// ```
    pub fn is_elementwise(&self) -> bool {
        !matches!(self, Activation::Softmax | Activation::Custom(_))
    }

    /// `A = g(Z)` for a batch (SPEC §2); `z`, `a`: n×q row-major with `q = width`.
    ///
    /// `z.len() == a.len()`, a multiple of `width ≥ 1`, is the caller's contract (the network
    /// sizes both from validated layer widths).
    ///
    /// ```
    /// use mlplab::nn::activation::Activation;
    /// let z = [-1.0f64, 0.0, 2.0, 0.0, 0.0, 0.0]; // n = 2, q = 3
    /// let mut a = [0.0; 6];
    /// Activation::LeakyRelu(0.1).forward(&z, &mut a, 3);
    /// assert_eq!(a[..3], [-0.1, 0.0, 2.0]);
    /// Activation::Softmax.forward(&z, &mut a, 3);
    /// assert!((a[3] - 1.0 / 3.0).abs() < 1e-15); // a row of zeros is uniform
    /// ```
    pub fn forward<T: Scalar>(&self, z: &[T], a: &mut [T], width: usize) {
        debug_assert_eq!(z.len(), a.len());
        match self {
            Activation::Identity => a.copy_from_slice(z),
            Activation::Relu => {
                // `z <= 0`, not `!(z > 0)`: a NaN passes through instead of becoming 0.
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = if z <= T::zero() { T::zero() } else { z };
                }
            }
            Activation::LeakyRelu(alpha) => {
                let alpha = T::of(*alpha);
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = if z > T::zero() { z } else { alpha * z };
                }
            }
            Activation::Sigmoid => {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = T::of(sigmoid(z.to_f64()));
                }
            }
            Activation::Tanh => {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = z.tanh();
                }
            }
            Activation::Softmax => {
                for (zr, ar) in z.chunks_exact(width).zip(a.chunks_exact_mut(width)) {
                    let max = zr.iter().copied().fold(T::neg_infinity(), T::max);
                    let mut sum = T::zero();
                    for (a, &z) in ar.iter_mut().zip(zr) {
                        *a = (z - max).exp();
                        sum += *a;
                    }
                    let inv = T::one() / sum;
                    for a in ar.iter_mut() {
                        *a *= inv;
                    }
                }
            }
            Activation::Custom(c) => {
                let mut zr64 = vec![0.0; width];
                let mut ar64 = vec![0.0; width];
                for (zr, ar) in z.chunks_exact(width).zip(a.chunks_exact_mut(width)) {
                    for (d, &s) in zr64.iter_mut().zip(zr) {
                        *d = s.to_f64();
                    }
                    c.forward(&zr64, &mut ar64);
                    for (d, &s) in ar.iter_mut().zip(&ar64) {
                        *d = T::of(s);
                    }
                }
            }
        }
    }

    /// The vector–Jacobian product `dZ` from `dA` (SPEC §2), using the cheap form:
    /// `dA ⊙ g'(Z)` for element-wise activations, `a ⊙ (da − ⟨da, a⟩)` per row for softmax.
    ///
    /// `z`, `a = g(z)` (from [`Activation::forward`]), `da`, `dz`: n×q with `q = width`.
    /// Sigmoid and tanh read `g'` from `a` (`a(1 − a)`, `1 − a²`), ReLU and LeakyReLU from `z`.
    ///
    /// ```
    /// use mlplab::nn::activation::Activation;
    /// let z = [0.0f64, 0.0];
    /// let mut a = [0.0; 2];
    /// Activation::Softmax.forward(&z, &mut a, 2); // (½, ½)
    /// let mut dz = [0.0; 2];
    /// Activation::Softmax.vjp(&z, &a, &[1.0, 0.0], &mut dz, 2);
    /// assert_eq!(dz, [0.25, -0.25]); // a ⊙ (da − ⟨da, a⟩) = ½ (1 − ½, 0 − ½)
    /// ```
    pub fn vjp<T: Scalar>(&self, z: &[T], a: &[T], da: &[T], dz: &mut [T], width: usize) {
        match self {
            Activation::Identity => dz.copy_from_slice(da),
            Activation::Relu => {
                for ((dz, &da), &z) in dz.iter_mut().zip(da).zip(z) {
                    *dz = if z > T::zero() { da } else { T::zero() };
                }
            }
            Activation::LeakyRelu(alpha) => {
                let alpha = T::of(*alpha);
                for ((dz, &da), &z) in dz.iter_mut().zip(da).zip(z) {
                    *dz = if z > T::zero() { da } else { alpha * da };
                }
            }
            Activation::Sigmoid => {
                for ((dz, &da), &a) in dz.iter_mut().zip(da).zip(a) {
                    *dz = da * a * (T::one() - a);
                }
            }
            Activation::Tanh => {
                for ((dz, &da), &a) in dz.iter_mut().zip(da).zip(a) {
                    *dz = da * (T::one() - a * a);
                }
            }
            Activation::Softmax => {
                for ((dzr, dar), ar) in dz
                    .chunks_exact_mut(width)
                    .zip(da.chunks_exact(width))
                    .zip(a.chunks_exact(width))
                {
                    let dot: T = dar.iter().zip(ar).map(|(&d, &a)| d * a).sum();
                    for ((dz, &da), &a) in dzr.iter_mut().zip(dar).zip(ar) {
                        *dz = a * (da - dot);
                    }
                }
            }
            Activation::Custom(c) => {
                let mut buf = vec![0.0; 4 * width];
                let (zr64, rest) = buf.split_at_mut(width);
                let (ar64, rest) = rest.split_at_mut(width);
                let (dar64, dzr64) = rest.split_at_mut(width);
                for (((zr, ar), dar), dzr) in z
                    .chunks_exact(width)
                    .zip(a.chunks_exact(width))
                    .zip(da.chunks_exact(width))
                    .zip(dz.chunks_exact_mut(width))
                {
                    for k in 0..width {
                        zr64[k] = zr[k].to_f64();
                        ar64[k] = ar[k].to_f64();
                        dar64[k] = dar[k].to_f64();
                    }
                    c.vjp(zr64, ar64, dar64, dzr64);
                    for (d, &s) in dzr.iter_mut().zip(dzr64.iter()) {
                        *d = T::of(s);
                    }
                }
            }
        }
    }

    /// The explicit Jacobian `J[t][k] = ∂a_t/∂z_k` of one row, in f64 — the reference the
    /// shortcuts are tested against. Custom activations get it by central differences
    /// (`h = 1e-6`). `z`: length q; the result is q×q.
    ///
    /// ```
    /// use mlplab::nn::activation::Activation;
    /// let j = Activation::Softmax.jacobian_row(&[0.0, 0.0]);
    /// assert_eq!(j, vec![vec![0.25, -0.25], vec![-0.25, 0.25]]); // a_t (δ_tk − a_k)
    /// let j = Activation::Relu.jacobian_row(&[-1.0, 2.0]);
    /// assert_eq!(j, vec![vec![0.0, 0.0], vec![0.0, 1.0]]);
    /// ```
    pub fn jacobian_row(&self, z: &[f64]) -> Vec<Vec<f64>> {
        let q = z.len();
        let mut a = vec![0.0; q];
        self.forward(z, &mut a, q);
        let derivative = |z: f64, a: f64| -> f64 {
            match self {
                Activation::Identity => 1.0,
                Activation::Relu => (z > 0.0) as u8 as f64,
                Activation::LeakyRelu(alpha) => {
                    if z > 0.0 {
                        1.0
                    } else {
                        *alpha
                    }
                }
                Activation::Sigmoid => a * (1.0 - a),
                Activation::Tanh => 1.0 - a * a,
                Activation::Softmax | Activation::Custom(_) => unreachable!(),
            }
        };
        let mut jac = vec![vec![0.0; q]; q];
        match self {
            Activation::Softmax => {
                for t in 0..q {
                    for k in 0..q {
                        jac[t][k] = a[t] * (((t == k) as u8 as f64) - a[k]);
                    }
                }
            }
            Activation::Custom(c) => {
                let h = 1e-6;
                let (mut plus, mut minus) = (vec![0.0; q], vec![0.0; q]);
                for k in 0..q {
                    let mut zp = z.to_vec();
                    zp[k] += h;
                    c.forward(&zp, &mut plus);
                    zp[k] -= 2.0 * h;
                    c.forward(&zp, &mut minus);
                    for t in 0..q {
                        jac[t][k] = (plus[t] - minus[t]) / (2.0 * h);
                    }
                }
            }
            _ => {
                for k in 0..q {
                    jac[k][k] = derivative(z[k], a[k]);
                }
            }
        }
        jac
    }

    /// The general rule `dz_k = Σ_t da_t J[t][k]` for one row (SPEC §2), through the explicit
    /// Jacobian. `z`, `da`: length q (`da` at least as long as `z`); returns `dz`, length q.
    ///
    /// ```
    /// use mlplab::nn::activation::Activation;
    /// let z = [0.3f64, -1.2, 2.0];
    /// let da = [1.0, -0.5, 0.25];
    /// let mut a = [0.0; 3];
    /// Activation::Softmax.forward(&z, &mut a, 3);
    /// let mut fast = [0.0; 3];
    /// Activation::Softmax.vjp(&z, &a, &da, &mut fast, 3);
    /// let slow = Activation::Softmax.vjp_reference(&z, &da);
    /// assert!(fast.iter().zip(&slow).all(|(f, s)| (f - s).abs() < 1e-12));
    /// ```
    pub fn vjp_reference(&self, z: &[f64], da: &[f64]) -> Vec<f64> {
        let jac = self.jacobian_row(z);
        (0..z.len())
            .map(|k| (0..z.len()).map(|t| da[t] * jac[t][k]).sum())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rng::Rng;

    fn all() -> Vec<Activation> {
        vec![
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu(0.1),
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Softmax,
            Activation::Custom(Arc::new(Elementwise {
                name: "softplus",
                f: |z| (1.0 + z.exp()).ln(),
                df: |z| 1.0 / (1.0 + (-z).exp()),
            })),
        ]
    }

    #[test]
    fn a_nan_input_gives_a_nan_output() {
        // A NaN pre-activation must reach the cost; ReLU used to turn it into 0.
        for act in all() {
            let z = [f64::NAN, 0.5, -0.5];
            let mut a = [0.0; 3];
            act.forward(&z, &mut a, 3);
            assert!(a[0].is_nan(), "{act}: {a:?}");
        }
    }

    #[test]
    fn shortcuts_equal_explicit_jacobian() {
        let mut rng = Rng::new(11);
        let (n, q) = (4, 6);
        for act in all() {
            let z: Vec<f64> = (0..n * q).map(|_| rng.uniform(-3.0, 3.0)).collect();
            let da: Vec<f64> = (0..n * q).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mut a = vec![0.0; n * q];
            act.forward(&z, &mut a, q);
            let mut dz = vec![0.0; n * q];
            act.vjp(&z, &a, &da, &mut dz, q);
            for i in 0..n {
                let r = i * q..(i + 1) * q;
                let reference = act.vjp_reference(&z[r.clone()], &da[r.clone()]);
                for (x, y) in dz[r].iter().zip(&reference) {
                    assert!((x - y).abs() < 1e-8, "{act}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn softmax_is_stable_and_normalized() {
        let z = [1000.0f32, 1001.0, -1000.0];
        let mut a = [0.0f32; 3];
        Activation::Softmax.forward(&z, &mut a, 3);
        assert!(a.iter().all(|x| x.is_finite()));
        assert!((a.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(a[1] > a[0] && a[2] == 0.0);
    }

    #[test]
    fn names_round_trip_and_errors_say_what_is_valid() {
        for act in all().into_iter().take(6) {
            let back: Activation = act.to_string().parse().unwrap();
            assert_eq!(back, act);
        }
        let err = "swish".parse::<Activation>().unwrap_err();
        assert!(err.contains("swish") && err.contains("valid"), "{err}");
        assert!("leaky-relu(x)".parse::<Activation>().is_err());
    }
}
