//! Weight initialization (SPEC §6). Biases always start at zero.
//!
//! - uniform `U[low, high]`, default `U[−1, 1]` (the original's "bad" initializer, kept on
//!   purpose for comparison, as Nielsen keeps his);
//! - He uniform `U[−√(6/p), √(6/p)]`, p = fan-in (PyTorch's `kaiming_uniform_` with gain √2);
//! - Glorot/Xavier uniform `U[−√(6/(p+q)), √(6/(p+q))]`.
//!
//! Against PyTorch: He is `nn.init.kaiming_uniform_(w, nonlinearity="relu")` (gain √2, not
//! adjusted for a LeakyReLU slope) and Glorot is `nn.init.xavier_uniform_(w)`; neither is
//! `nn.Linear`'s own default (`kaiming_uniform_(a=√5)`, i.e. `U[−1/√p, 1/√p]`, and a
//! non-zero bias). PyTorch stores a weight as q×p (`out × in`); ours is p×q, so a PyTorch
//! `weight` is our `W` transposed.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::nn::rng::Rng;

/// A weight initializer. Config names: `"uniform"` (= `"uniform(-1,1)"`), `"uniform(a,b)"`,
/// `"he"` (alias `"he-uniform"`), `"glorot"` (aliases `"xavier"`, `"glorot-uniform"`).
///
/// ```
/// use mlplab::nn::init::Init;
/// let init: Init = "uniform(-0.5,0.5)".parse().unwrap();
/// assert_eq!(init, Init::Uniform { low: -0.5, high: 0.5 });
/// assert_eq!(Init::HeUniform.limit(6, 10), Some(1.0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Init {
    /// `U[low, high]` (SPEC §6's "uniform"; `U[−1, 1]` is the report's initializer).
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// He (Kaiming) uniform, `U[−√(6/p), √(6/p)]`, p = fan-in. The default.
    #[default]
    HeUniform,
    /// Glorot (Xavier) uniform, `U[−√(6/(p+q)), √(6/(p+q))]`, q = fan-out.
    GlorotUniform,
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Init::Uniform { low, high } if *low == -1.0 && *high == 1.0 => write!(f, "uniform"),
            Init::Uniform { low, high } => write!(f, "uniform({low},{high})"),
            Init::HeUniform => write!(f, "he"),
            Init::GlorotUniform => write!(f, "glorot"),
        }
    }
}

impl FromStr for Init {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s {
            "uniform" => {
                return Ok(Init::Uniform {
                    low: -1.0,
                    high: 1.0,
                });
            }
            "he" | "he-uniform" | "kaiming" | "kaiming-uniform" => return Ok(Init::HeUniform),
            "glorot" | "xavier" | "glorot-uniform" | "xavier-uniform" => {
                return Ok(Init::GlorotUniform);
            }
            _ => {}
        }
        let range = s
            .strip_prefix("uniform(")
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| {
                format!("unknown init {s:?}; valid: uniform, uniform(a,b), he, glorot")
            })?;
        let parts: Vec<&str> = range.split(',').map(str::trim).collect();
        let [low, high] = parts.as_slice() else {
            return Err(format!("init {s:?}: write uniform(a,b) with two numbers"));
        };
        let parse = |x: &str| {
            x.parse::<f64>()
                .map_err(|_| format!("init {s:?}: {x:?} is not a number"))
        };
        let (low, high) = (parse(low)?, parse(high)?);
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(format!("init {s:?}: need finite a < b"));
        }
        Ok(Init::Uniform { low, high })
    }
}

impl TryFrom<String> for Init {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Init> for String {
    fn from(i: Init) -> String {
        i.to_string()
    }
}

impl Init {
    /// The symmetric limit `r` of `U[−r, r]` for fan-in `p`, fan-out `q` (SPEC §6); `None`
    /// for an explicit range.
    ///
    /// ```
    /// use mlplab::nn::init::Init;
    /// assert_eq!(Init::HeUniform.limit(24, 7), Some(0.5)); // √(6/24)
    /// assert_eq!(Init::GlorotUniform.limit(4, 2), Some(1.0)); // √(6/6)
    /// assert_eq!(Init::Uniform { low: -1.0, high: 1.0 }.limit(4, 2), None);
    /// ```
    pub fn limit(&self, p: usize, q: usize) -> Option<f64> {
        match self {
            Init::Uniform { .. } => None,
            Init::HeUniform => Some((6.0 / p as f64).sqrt()),
            Init::GlorotUniform => Some((6.0 / (p + q) as f64).sqrt()),
        }
    }

    /// Fills `w` (p×q row-major) from `rng`, one draw per element in order.
    ///
    /// ```
    /// use mlplab::nn::{init::Init, rng::Rng};
    /// let (p, q) = (24, 3);
    /// let mut w = vec![0.0; p * q];
    /// Init::HeUniform.fill(&mut w, p, q, &mut Rng::new(1));
    /// assert!(w.iter().all(|x| x.abs() <= 0.5) && w.iter().any(|&x| x != 0.0));
    /// ```
    pub fn fill(&self, w: &mut [f64], p: usize, q: usize, rng: &mut Rng) {
        let (low, high) = match (self, self.limit(p, q)) {
            (Init::Uniform { low, high }, _) => (*low, *high),
            (_, Some(r)) => (-r, r),
            _ => unreachable!("every non-uniform init has a limit"),
        };
        for w in w.iter_mut() {
            *w = rng.uniform(low, high);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn he_and_glorot_ranges() {
        let mut rng = Rng::new(1);
        let (p, q) = (784, 128);
        let mut w = vec![0.0; p * q];
        Init::HeUniform.fill(&mut w, p, q, &mut rng);
        let r = (6.0 / 784.0f64).sqrt();
        assert!(w.iter().all(|x| x.abs() <= r));
        let var = w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64;
        assert!((var - r * r / 3.0).abs() < 0.02 * r * r, "variance {var}");
        Init::GlorotUniform.fill(&mut w, p, q, &mut rng);
        let r = (6.0 / 912.0f64).sqrt();
        assert!(w.iter().all(|x| x.abs() <= r));
        assert!(w.iter().any(|x| x.abs() > 0.9 * r));
    }

    #[test]
    fn parse_errors() {
        assert!("uniform(1,-1)".parse::<Init>().is_err());
        assert!("normal".parse::<Init>().unwrap_err().contains("valid"));
        assert_eq!("he".parse::<Init>().unwrap(), Init::HeUniform);
        assert_eq!(
            Init::Uniform {
                low: -1.0,
                high: 1.0
            }
            .to_string()
            .parse::<Init>()
            .unwrap(),
            Init::Uniform {
                low: -1.0,
                high: 1.0
            }
        );
    }
}
