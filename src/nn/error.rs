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
/// let e = Error::Diverged {
///     step: 12,
///     epoch: 1,
///     quantity: "gradient of layer 2 weights is NaN".into(),
///     cost: 0.5,
/// };
/// assert_eq!(
///     e.to_string(),
///     "diverged at step 12 (epoch 1): gradient of layer 2 weights is NaN"
/// );
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
    /// A cost, gradient, parameter or norm became NaN or infinite. Training checks every
    /// step, whatever the loss, so a diverged run never ends as if it had finished.
    #[error("diverged at step {step} (epoch {epoch}): {quantity}")]
    Diverged {
        /// 1-based mini-batch step at which a quantity was non-finite (0: before the first
        /// step, e.g. initial weights).
        step: u64,
        /// 1-based epoch (0: before the first).
        epoch: usize,
        /// Which quantity and its value: `"cost is NaN"`, `"gradient of layer 2 weights is
        /// inf"`, `"layer 1 biases are NaN after the update"`, ….
        quantity: String,
        /// The batch's cost at that step (itself NaN when the cost is what diverged, or when
        /// the step computed none).
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
