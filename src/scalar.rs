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
/// use mlplab::scalar::Scalar;
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
    /// use mlplab::scalar::Scalar;
    /// assert_eq!(<f32 as Scalar>::NAME, "f32");
    /// assert_eq!(<f64 as Scalar>::NAME, "f64");
    /// ```
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest.
    ///
    /// ```
    /// use mlplab::scalar::Scalar;
    /// assert_eq!(<f32 as Scalar>::of(0.1), 0.1f32);
    /// assert_eq!(<f64 as Scalar>::of(0.1), 0.1f64);
    /// ```
    fn of(x: f64) -> Self;
    /// Widens to `f64` exactly.
    ///
    /// ```
    /// use mlplab::scalar::Scalar;
    /// assert_eq!(0.1f32.to_f64(), 0.1f32 as f64);
    /// assert_ne!(0.1f32.to_f64(), 0.1f64); // exact widening, not re-rounding
    /// ```
    fn to_f64(self) -> f64;
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
}
