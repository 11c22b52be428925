//! The floating-point types a network can be built on: `f32` (the default, fast) and `f64`
//! (used by the finite-difference gradient checks).

#![warn(missing_docs)]

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, MulAssign, SubAssign};

/// A real scalar the engine computes in.
///
/// Parameters, activations and gradients are stored as `T`; losses, penalties and norms are
/// accumulated in `f64` whatever `T` is, so that an f32 run reports the same cost an f64
/// run would to within rounding of the inputs.
///
/// ```
/// use mlplab::nn::scalar::Scalar;
/// assert_eq!(<f32 as Scalar>::of(0.5), 0.5f32);
/// assert_eq!(2.0f64.to_f64(), 2.0);
/// ```
pub trait Scalar:
    num_traits::Float
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// Name used in results and safetensors dtypes: `"f32"` or `"f64"`.
    ///
    /// ```
    /// use mlplab::nn::scalar::Scalar;
    /// assert_eq!(<f32 as Scalar>::NAME, "f32");
    /// assert_eq!(<f64 as Scalar>::NAME, "f64");
    /// ```
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest.
    ///
    /// ```
    /// use mlplab::nn::scalar::Scalar;
    /// assert_eq!(<f32 as Scalar>::of(0.1), 0.1f32);
    /// assert_eq!(<f64 as Scalar>::of(0.1), 0.1f64);
    /// ```
    fn of(x: f64) -> Self;
    /// Widens to `f64` exactly.
    ///
    /// ```
    /// use mlplab::nn::scalar::Scalar;
    /// assert_eq!(0.1f32.to_f64(), 0.1f32 as f64);
    /// assert_ne!(0.1f32.to_f64(), 0.1f64); // exact widening, not re-rounding
    /// ```
    fn to_f64(self) -> f64;
    /// `x` itself when `Self` is `f32` (so f32 data feeds an f32 network without a copy);
    /// `None` otherwise.
    ///
    /// ```
    /// use mlplab::nn::scalar::Scalar;
    /// assert!(<f32 as Scalar>::view_f32(&[1.0]).is_some());
    /// assert!(<f64 as Scalar>::view_f32(&[1.0]).is_none());
    /// ```
    fn view_f32(x: &[f32]) -> Option<&[Self]>;
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    #[inline]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn view_f32(x: &[f32]) -> Option<&[f32]> {
        Some(x)
    }
}

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    #[inline]
    fn of(x: f64) -> Self {
        x
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn view_f32(_: &[f32]) -> Option<&[f64]> {
        None
    }
}

/// `Σ f(x_i)` in f64, with sixteen independent partial sums so that the loop vectorizes (one
/// running sum would serialize on the adder's latency; over all weights, every step, that
/// costs as much as a small GEMM).
///
/// ```
/// use mlplab::nn::scalar::sum_map;
/// assert_eq!(sum_map(&[3.0f32, -4.0], |x| x * x), 25.0);
/// assert_eq!(sum_map(&[1.0f64; 37], f64::abs), 37.0);
/// ```
pub fn sum_map<T: Scalar>(x: &[T], f: impl Fn(f64) -> f64) -> f64 {
    const LANES: usize = 16;
    let mut partial = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f64 = chunks.remainder().iter().map(|&v| f(v.to_f64())).sum();
    for chunk in chunks {
        for (p, &v) in partial.iter_mut().zip(chunk) {
            *p += f(v.to_f64());
        }
    }
    partial.iter().sum::<f64>() + tail
}

/// True when every value is finite: one vectorized pass (`Σ 0·x_i` is NaN exactly when some
/// `x_i` is NaN or ±∞, and never overflows), cheap enough to run on every parameter after
/// every step.
///
/// ```
/// use mlplab::nn::scalar::all_finite;
/// assert!(all_finite(&[1.0f32, -3e38, 0.0]));
/// assert!(!all_finite(&[1.0f64, f64::INFINITY]));
/// assert!(!all_finite(&[f32::NAN; 40]));
/// assert!(all_finite::<f64>(&[]));
/// ```
pub fn all_finite<T: Scalar>(x: &[T]) -> bool {
    !sum_map(x, |v| v * 0.0).is_nan()
}
