//! Mean ± standard deviation over seeds, for final numbers and for whole curves.

use std::collections::BTreeMap;

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value)
/// of the finite values that went in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for a single value).
    pub std: f64,
    /// Number of finite values.
    pub n: usize,
}

impl Stat {
    /// `None` when no value is finite.
    ///
    /// ```
    /// use mlplab::report::stats::Stat;
    /// let s = Stat::of([1.0, 3.0, f64::NAN]).unwrap();
    /// assert_eq!((s.mean, s.n), (2.0, 2));
    /// assert!((s.std - 2f64.sqrt()).abs() < 1e-12);
    /// ```
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Stat> {
        let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Stat { mean, std, n })
    }
}

/// One point of an aggregated curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Epoch or step.
    pub x: f64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for a single value).
    pub std: f64,
    /// Number of finite values.
    pub n: usize,
}

/// Aggregates several curves (one per seed) point by point on their x (an epoch or a step,
/// so exact integers). Non-finite y values are skipped; an x where no curve has a value is
/// left out.
pub fn aggregate(curves: &[Vec<(i64, Option<f64>)>]) -> Vec<CurvePoint> {
    let mut at: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for c in curves {
        for &(x, y) in c {
            if let Some(y) = y.filter(|y| y.is_finite()) {
                at.entry(x).or_default().push(y);
            }
        }
    }
    at.into_iter()
        .filter_map(|(x, ys)| {
            Stat::of(ys).map(|s| CurvePoint {
                x: x as f64,
                mean: s.mean,
                std: s.std,
                n: s.n,
            })
        })
        .collect()
}

/// Reduces a long per-step curve to at most `max_points` by averaging consecutive bins of
/// `ceil(len / max_points)` steps (x = the bin's last step). Returns the bin width too.
pub fn bin_mean(
    points: &[(i64, Option<f64>)],
    max_points: usize,
) -> (Vec<(i64, Option<f64>)>, usize) {
    let max_points = max_points.max(1);
    let width = points.len().div_ceil(max_points).max(1);
    let binned = points
        .chunks(width)
        .filter_map(|chunk| {
            let x = chunk.last()?.0;
            let y = Stat::of(chunk.iter().filter_map(|p| p.1)).map(|s| s.mean);
            Some((x, y))
        })
        .collect();
    (binned, width)
}

/// Median of the finite values (`None` if there are none).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_over_seeds() {
        let a = vec![(0, Some(1.0)), (1, Some(2.0))];
        let b = vec![(0, Some(3.0)), (1, None)];
        let agg = aggregate(&[a, b]);
        assert_eq!(agg.len(), 2);
        assert_eq!(agg[0].mean, 2.0);
        assert_eq!(agg[0].n, 2);
        assert_eq!(agg[1].mean, 2.0);
        assert_eq!(agg[1].n, 1);
    }

    #[test]
    fn bin_mean_reduces() {
        let pts: Vec<(i64, Option<f64>)> = (1..=10).map(|i| (i, Some(i as f64))).collect();
        let (b, w) = bin_mean(&pts, 5);
        assert_eq!(w, 2);
        assert_eq!(
            b,
            vec![
                (2, Some(1.5)),
                (4, Some(3.5)),
                (6, Some(5.5)),
                (8, Some(7.5)),
                (10, Some(9.5))
            ]
        );
    }

    #[test]
    fn median_even_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
    }
}
