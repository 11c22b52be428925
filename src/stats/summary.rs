//! [`Summary`] of a sample: n, mean, sample standard deviation and the Student-t interval.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The `p` quantile of Student's t with `df` degrees of freedom (`df` > 0, `0 < p < 1`);
/// NaN outside that domain.
///
/// ```
/// # use mlplab::stats::t_quantile;
/// assert!((t_quantile(0.975, 4.0) - 2.776_445).abs() < 1e-6);
/// ```
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// `P(T ≤ t)` for Student's t with `df` degrees of freedom; NaN when `df` is not positive.
pub(crate) fn t_cdf(t: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => d.cdf(t),
        Err(_) => f64::NAN,
    }
}

/// A sample's size, mean, sample standard deviation (divisor n − 1) and its two-sided
/// Student-t confidence interval for the mean. With one value there is no spread: `sd` and
/// `ci` are `None`, never a made-up zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the divisor); `None` when n = 1.
    pub sd: Option<f64>,
    /// `mean ± t(1 − (1 − level)/2, n − 1) · sd/√n`; `None` when n = 1.
    pub ci: Option<(f64, f64)>,
    /// The interval's level (0.95 for [`Summary::of`]).
    pub level: f64,
}

impl Summary {
    /// The summary with a 95 % interval; `None` for an empty sample or one holding a value
    /// that is not finite (a NaN accuracy is a broken run, not a number to average).
    ///
    /// ```
    /// # use mlplab::stats::Summary;
    /// let s = Summary::of(&[1.0, 2.0, 3.0]).unwrap();
    /// assert_eq!((s.n, s.mean, s.sd), (3, 2.0, Some(1.0)));
    /// let (lo, hi) = s.ci.unwrap(); // 2 ± 4.302653 / √3
    /// assert!((hi - lo - 2.0 * 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
    /// ```
    pub fn of(values: &[f64]) -> Option<Summary> {
        Self::with_level(values, 0.95)
    }

    /// The summary with an interval at `level` (e.g. 0.95); `None` as for [`Summary::of`] or
    /// when `level` is not in (0, 1).
    pub fn with_level(values: &[f64], level: f64) -> Option<Summary> {
        if values.is_empty()
            || values.iter().any(|v| !v.is_finite())
            || !(level > 0.0 && level < 1.0)
        {
            return None;
        }
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Some(Summary {
                n,
                mean,
                sd: None,
                ci: None,
                level,
            });
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let half = t_quantile(1.0 - (1.0 - level) / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
        Some(Summary {
            n,
            mean,
            sd: Some(sd),
            ci: Some((mean - half, mean + half)),
            level,
        })
    }

    /// Half the interval's width, when there is one.
    pub fn half_width(&self) -> Option<f64> {
        self.ci.map(|(lo, hi)| (hi - lo) / 2.0)
    }

    /// Whether the two intervals overlap (false when either has none).
    pub fn overlaps(&self, other: &Summary) -> bool {
        match (self.ci, other.ci) {
            (Some((a, b)), Some((c, d))) => a <= d && c <= b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from a t table (R: `qt(p, df)`).
    #[test]
    fn t_quantiles_match_the_table() {
        for (p, df, want) in [
            (0.975, 1.0, 12.706_205),
            (0.975, 2.0, 4.302_653),
            (0.975, 4.0, 2.776_445),
            (0.975, 9.0, 2.262_157),
            (0.95, 4.0, 2.131_847),
            (0.95, 29.0, 1.699_127),
            (0.8, 4.0, 0.940_965),
            (0.025, 4.0, -2.776_445),
        ] {
            let got = t_quantile(p, df);
            assert!(
                (got - want).abs() < 1e-5,
                "t({p}, {df}) = {got}, want {want}"
            );
        }
        assert!(t_quantile(1.0, 4.0).is_nan());
        assert!(t_quantile(0.5, 0.0).is_nan());
    }

    #[test]
    fn five_seeds_give_the_textbook_interval() {
        // mean 0.95; squared deviations sum to 2·0.01², so sd = √(0.0002/4).
        let v = [0.94, 0.95, 0.96, 0.95, 0.95];
        let s = Summary::of(&v).unwrap();
        let sd = (0.0002f64 / 4.0).sqrt();
        assert!((s.sd.unwrap() - sd).abs() < 1e-12);
        let half = 2.776_445 * sd / 5f64.sqrt();
        assert!((s.half_width().unwrap() - half).abs() < 1e-6);
    }

    #[test]
    fn one_value_has_no_spread_and_nan_has_no_summary() {
        let s = Summary::of(&[0.5]).unwrap();
        assert_eq!((s.sd, s.ci), (None, None));
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[0.5, f64::NAN]).is_none());
        assert!(Summary::with_level(&[1.0, 2.0], 1.0).is_none());
    }

    #[test]
    fn overlap_needs_two_intervals() {
        let a = Summary::of(&[1.0, 2.0, 3.0]).unwrap();
        let b = Summary::of(&[2.5, 3.5, 4.5]).unwrap();
        let c = Summary::of(&[100.0, 101.0]).unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        assert!(!a.overlaps(&Summary::of(&[2.0]).unwrap()));
    }
}
