//! The number type a run computes in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `network.dtype`: the floating-point type of the parameters, activations and gradients
/// ([`crate::nn::scalar::Scalar`]). Losses, penalties and norms are accumulated in f64
/// either way. The data arrive as f32 and are widened for an f64 run; checkpoints store f32.
///
/// The default, f32, is left out of a run's JSON, so runs from before this setting keep
/// their keys; an f64 run records `"dtype": "f64"`.
///
/// ```
/// use mlplab::experiment::DType;
/// assert_eq!("f64".parse::<DType>().unwrap(), DType::F64);
/// assert_eq!(DType::default().to_string(), "f32");
/// assert!("f16".parse::<DType>().unwrap_err().contains("valid: f32, f64"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// 32-bit floats (the default; fast).
    #[default]
    F32,
    /// 64-bit floats.
    F64,
}

impl DType {
    /// Bytes of one value: 4 for f32, 8 for f64.
    ///
    /// ```
    /// assert_eq!(mlplab::experiment::DType::F64.bytes(), 8);
    /// ```
    pub fn bytes(&self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F64 => 8,
        }
    }

    /// True for the default, f32 (which a run's JSON leaves out).
    pub fn is_f32(&self) -> bool {
        *self == DType::F32
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
        })
    }
}

impl FromStr for DType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "f32" => Ok(DType::F32),
            "f64" => Ok(DType::F64),
            other => Err(format!("unknown number type {other:?}; valid: f32, f64")),
        }
    }
}
