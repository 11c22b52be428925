//! [`Samples`]: a labelled set as the trainer sees it, checked once on the way in.

#![warn(missing_docs)]

use crate::nn::error::{Error, Result};

/// A labelled set as the trainer sees it: `x` is n×width row-major, `labels` n values < classes.
///
/// Build it with [`Samples::new`], which checks what the trainer relies on (shapes, label
/// range, finite features). The fields are public for reading; a `Samples` written as a
/// struct literal skips those checks.
///
/// ```
/// use mlplab::train::Samples;
/// let s = Samples::new(&[0.0, 1.0, 1.0, 0.0], &[1, 0], 2, 2).unwrap();
/// assert_eq!(s.len(), 2);
/// assert!(Samples::new(&[0.0, f32::NAN], &[0], 2, 2).is_err());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    /// Features, n×width.
    pub x: &'a [f32],
    /// Class labels.
    pub labels: &'a [u32],
    /// Features per example.
    pub width: usize,
    /// Number of classes.
    pub classes: usize,
}

impl<'a> Samples<'a> {
    /// Checks shapes (`x.len() = labels.len() · width`, `width ≥ 1`), label range
    /// (`label < classes`) and that every feature is finite, naming the example at fault.
    ///
    /// ```
    /// use mlplab::{nn::error::Error, train::Samples};
    /// assert!(Samples::new(&[0.5, 0.5], &[1], 2, 2).is_ok());
    /// assert!(matches!(Samples::new(&[0.5, 0.5], &[2], 2, 2), Err(Error::Data(_))));
    /// assert!(matches!(Samples::new(&[0.5], &[0], 2, 2), Err(Error::Shape(_))));
    /// ```
    pub fn new(x: &'a [f32], labels: &'a [u32], width: usize, classes: usize) -> Result<Self> {
        if width == 0 || x.len() != labels.len() * width {
            return Err(Error::Shape(format!(
                "{} feature values for {} labels of width {width} (expected {})",
                x.len(),
                labels.len(),
                labels.len() * width
            )));
        }
        if let Some((i, &l)) = labels
            .iter()
            .enumerate()
            .find(|&(_, &l)| l as usize >= classes)
        {
            return Err(Error::Data(format!(
                "label {l} of example {i} is out of range: valid labels are 0..{classes}"
            )));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::Data(format!(
                "feature {} of example {} is {}: inputs must be finite",
                i % width,
                i / width,
                x[i]
            )));
        }
        Ok(Samples {
            x,
            labels,
            width,
            classes,
        })
    }

    /// Number of examples n.
    ///
    /// ```
    /// use mlplab::train::Samples;
    /// assert_eq!(Samples::new(&[0.0; 6], &[0, 1, 0], 2, 2).unwrap().len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples.
    ///
    /// ```
    /// use mlplab::train::Samples;
    /// assert!(Samples::new(&[], &[], 2, 2).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}
