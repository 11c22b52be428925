//! The engine's error type. Every message names the field, shape or value at fault and,
//! where there is one, what would be valid.

#![warn(missing_docs)]

/// What can go wrong building or training a network.
///
/// The engine never panics on a setting, a shape or a value that a user or a file supplied:
/// it returns one of these, and the message says what would have been valid.
///
/// ```
/// use mlplab::nn::error::Error;
/// let e = Error::Diverged { step: 12, epoch: 1, cost: f64::NAN };
/// assert_eq!(e.to_string(), "diverged at step 12 (epoch 1): cost NaN");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A setting is out of range; the message names it and the valid range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// Shapes disagree; the message lists both.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// Inputs or labels are unusable (NaN, out-of-range label, …).
    #[error("invalid data: {0}")]
    Data(String),
    /// The cost became NaN or infinite.
    #[error("diverged at step {step} (epoch {epoch}): cost {cost}")]
    Diverged {
        /// 1-based mini-batch step at which the cost was non-finite.
        step: u64,
        /// 1-based epoch.
        epoch: usize,
        /// The offending cost.
        cost: f64,
    },
    /// The observer asked training to stop (e.g. Ctrl-C).
    #[error("stopped at step {step} (epoch {epoch})")]
    Stopped {
        /// Steps completed.
        step: u64,
        /// Epoch in progress.
        epoch: usize,
    },
}

/// `Result` with [`Error`].
///
/// ```
/// use mlplab::nn::error::{Error, Result};
/// fn width(w: usize) -> Result<usize> {
///     if w == 0 {
///         return Err(Error::Config("width = 0: must be ≥ 1".into()));
///     }
///     Ok(w)
/// }
/// assert_eq!(width(3), Ok(3));
/// assert!(width(0).unwrap_err().to_string().starts_with("invalid setting"));
/// ```
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn config(msg: impl Into<String>) -> Error {
    Error::Config(msg.into())
}
