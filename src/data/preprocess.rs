//! Per-feature standardization, with statistics from the training split only.

use super::Dataset;

/// Per-feature mean and standard deviation of a training set, to apply to every split:
///
/// `x'ᵢⱼ = (xᵢⱼ − μⱼ) / σⱼ`, with `μⱼ = (1/n) Σᵢ xᵢⱼ` and `σⱼ = √((1/n) Σᵢ (xᵢⱼ − μⱼ)²)`
/// (the population deviation, like scikit-learn's `StandardScaler`), and `σⱼ` replaced by 1
/// where it is below `1e-8` (a constant feature, e.g. an MNIST border pixel, becomes 0).
///
/// ```
/// use mlplab::data::{load, Standardizer};
/// let mut s = load("blobs", &Default::default())?;
/// let z = Standardizer::fit(&s.train);
/// z.apply(&mut s.train);
/// let mean0: f32 = (0..s.train.len()).map(|i| s.train.row(i)[0]).sum::<f32>() / s.train.len() as f32;
/// assert!(mean0.abs() < 1e-5);
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// `μⱼ`, one per feature.
    pub mean: Vec<f32>,
    /// `σⱼ` (1 where the feature is constant), one per feature.
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Statistics of `train` (`n × d`), accumulated in `f64`.
    ///
    /// ```
    /// # let s = mlplab::data::load("spirals", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// assert_eq!(mlplab::data::Standardizer::fit(&s.train).mean.len(), 2);
    /// ```
    pub fn fit(train: &Dataset) -> Standardizer {
        let (n, d) = (train.len(), train.n_features);
        let mut sum = vec![0f64; d];
        let mut sq = vec![0f64; d];
        for row in train.features.chunks_exact(d.max(1)) {
            for (j, &x) in row.iter().enumerate() {
                sum[j] += x as f64;
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n.max(1) as f64).collect();
        for row in train.features.chunks_exact(d.max(1)) {
            for (j, &x) in row.iter().enumerate() {
                let c = x as f64 - mean[j];
                sq[j] += c * c;
            }
        }
        let std = sq
            .iter()
            .map(|s| {
                let sd = (s / n.max(1) as f64).sqrt();
                if sd < 1e-8 { 1.0 } else { sd as f32 }
            })
            .collect();
        Standardizer {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        }
    }

    /// Standardizes `data` in place with these statistics.
    ///
    /// ```
    /// # let mut s = mlplab::data::load("spirals", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// let z = mlplab::data::Standardizer::fit(&s.train);
    /// if let Some(test) = s.test.as_mut() { z.apply(test); }
    /// ```
    pub fn apply(&self, data: &mut Dataset) {
        let d = self.mean.len();
        for row in data.features.chunks_exact_mut(d.max(1)) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = (*x - m) / s;
            }
        }
    }
}
