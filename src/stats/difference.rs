//! [`Difference`]: the difference of two configurations' means over seeds, with its standard
//! error and degrees of freedom, and the tests on it.
//!
//! Welch (unpaired): `d = ā − b̄`, `se² = s_a²/n_a + s_b²/n_b`, and the Welch–Satterthwaite
//! degrees of freedom `ν = se⁴ / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1))`.
//! Paired by seed (runs that share seed and data order): `d_i = a_i − b_i`, `d = mean d_i`,
//! `se = s_d/√n`, `ν = n − 1`. Either way `t = (d − δ)/se` is referred to Student's t with ν.

use super::summary::{t_cdf, t_quantile};

/// How the two samples relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pairing {
    /// Independent samples: Welch's unequal-variance test.
    Welch,
    /// The i-th value of each sample comes from the same seed: a one-sample t-test on the
    /// per-seed differences.
    Paired,
}

/// An estimated difference of means `a − b` with its standard error and degrees of freedom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// `mean(a) − mean(b)`.
    pub estimate: f64,
    /// Its standard error (0 when neither sample varies).
    pub se: f64,
    /// Degrees of freedom of the t reference distribution.
    pub df: f64,
    /// Which test produced it.
    pub pairing: Pairing,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

fn usable(x: &[f64]) -> bool {
    x.len() >= 2 && x.iter().all(|v| v.is_finite())
}

impl Difference {
    /// Welch's difference of `a` and `b`; `None` when either has fewer than two values or a
    /// value that is not finite.
    ///
    /// ```
    /// # use mlplab::stats::Difference;
    /// let d = Difference::welch(&[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0, 7.0]).unwrap();
    /// assert_eq!(d.estimate, 2.0 - 4.0);
    /// ```
    pub fn welch(a: &[f64], b: &[f64]) -> Option<Difference> {
        if !usable(a) || !usable(b) {
            return None;
        }
        let (ma, va) = mean_var(a);
        let (mb, vb) = mean_var(b);
        let (qa, qb) = (va / a.len() as f64, vb / b.len() as f64);
        let se2 = qa + qb;
        let df = if se2 > 0.0 {
            se2 * se2 / (qa * qa / (a.len() - 1) as f64 + qb * qb / (b.len() - 1) as f64)
        } else {
            (a.len() + b.len() - 2) as f64
        };
        Some(Difference {
            estimate: ma - mb,
            se: se2.sqrt(),
            df,
            pairing: Pairing::Welch,
        })
    }

    /// The paired difference of `a` and `b` (same length, the i-th values from one seed);
    /// `None` when the lengths differ, there are fewer than two pairs, or a value is not
    /// finite.
    pub fn paired(a: &[f64], b: &[f64]) -> Option<Difference> {
        if a.len() != b.len() || !usable(a) || !usable(b) {
            return None;
        }
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        let (m, v) = mean_var(&d);
        Some(Difference {
            estimate: m,
            se: (v / d.len() as f64).sqrt(),
            df: (d.len() - 1) as f64,
            pairing: Pairing::Paired,
        })
    }

    /// `paired` when `pairing` says so, else `welch`.
    pub fn of(a: &[f64], b: &[f64], pairing: Pairing) -> Option<Difference> {
        match pairing {
            Pairing::Welch => Self::welch(a, b),
            Pairing::Paired => Self::paired(a, b),
        }
    }

    /// The t statistic against a true difference `delta`. With `se = 0` it is ±∞ (or 0 when
    /// the estimate equals `delta`): samples that do not vary decide at once.
    pub fn t(&self, delta: f64) -> f64 {
        let gap = self.estimate - delta;
        if self.se > 0.0 {
            gap / self.se
        } else if gap == 0.0 {
            0.0
        } else {
            gap.signum() * f64::INFINITY
        }
    }

    /// One-sided p-value for H₁: true difference > `delta`.
    pub fn p_greater(&self, delta: f64) -> f64 {
        let t = self.t(delta);
        if t.is_infinite() {
            return if t > 0.0 { 0.0 } else { 1.0 };
        }
        1.0 - t_cdf(t, self.df)
    }

    /// One-sided p-value for H₁: true difference < `delta`.
    pub fn p_less(&self, delta: f64) -> f64 {
        let t = self.t(delta);
        if t.is_infinite() {
            return if t < 0.0 { 0.0 } else { 1.0 };
        }
        t_cdf(t, self.df)
    }

    /// Two-sided p-value for H₁: true difference ≠ 0.
    pub fn p_two_sided(&self) -> f64 {
        (2.0 * self.p_greater(0.0).min(self.p_less(0.0))).min(1.0)
    }

    /// The TOST p-value for equivalence within `±margin`: the larger of the p-values of
    /// H₁: difference > −margin and H₁: difference < +margin. Equivalence is shown at level α
    /// when it is below α — the same as the (1 − 2α) interval lying inside (−margin, margin).
    pub fn tost(&self, margin: f64) -> f64 {
        self.p_greater(-margin).max(self.p_less(margin))
    }

    /// The two-sided confidence interval at `level` (e.g. 0.95).
    pub fn ci(&self, level: f64) -> (f64, f64) {
        let half = if self.se > 0.0 {
            t_quantile(1.0 - (1.0 - level) / 2.0, self.df) * self.se
        } else {
            0.0
        };
        (self.estimate - half, self.estimate + half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    /// Reference: SciPy 1.x, `scipy.stats.ttest_ind(a, b, equal_var=False,
    /// alternative="greater")` gives t = 3.950549907442721, df = 6.77662244370767,
    /// p = 0.0029498902935934227.
    #[test]
    fn welch_matches_scipy() {
        let a = [19.1, 20.2, 21.3, 18.8, 20.9];
        let b = [17.2, 18.4, 16.9, 18.8, 17.5, 18.0];
        let d = Difference::welch(&a, &b).unwrap();
        assert!(close(d.estimate, 2.26, 1e-12));
        assert!(
            close(d.t(0.0), 3.950_549_907_442_721, 1e-9),
            "t {}",
            d.t(0.0)
        );
        assert!(close(d.df, 6.776_622_443_707_67, 1e-9), "df {}", d.df);
        assert!(close(d.p_greater(0.0), 0.002_949_890_293_593_422_7, 1e-9));
        assert!(close(d.p_greater(0.0) + d.p_less(0.0), 1.0, 1e-12));
        assert!(close(d.p_two_sided(), 2.0 * d.p_greater(0.0), 1e-12));
    }

    #[test]
    fn equal_variances_and_sizes_give_pooled_df() {
        // With n_a = n_b and s_a = s_b, ν = 2(n − 1).
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 3.0, 4.0, 5.0];
        let d = Difference::welch(&a, &b).unwrap();
        assert!(close(d.df, 6.0, 1e-12));
        // SciPy: ttest_ind(a, b, equal_var=False) → t = −1.0954451150103321, p = 0.3153…
        assert!(close(d.t(0.0), -1.095_445_115_010_332_1, 1e-12));
        assert!(close(d.p_two_sided(), 2.0 * t_cdf(d.t(0.0), 6.0), 1e-12));
    }

    #[test]
    fn pairing_removes_the_seed_effect() {
        // Each seed shifts both configurations alike; b is a + 0.01 (± 0.001).
        let a = [0.90, 0.95, 0.92, 0.97, 0.93];
        let b = [0.911, 0.959, 0.931, 0.981, 0.939];
        let w = Difference::welch(&b, &a).unwrap();
        let p = Difference::paired(&b, &a).unwrap();
        assert!(close(p.estimate, w.estimate, 1e-12));
        // SciPy: ttest_ind(b, a, equal_var=False, alternative="greater") p = 0.28283155390290976;
        // ttest_rel(b, a, alternative="greater") t = 20.82066281365639, p = 1.572148331664304e-05.
        assert!(
            close(w.p_greater(0.0), 0.282_831_553_902_909_76, 1e-7),
            "{}",
            w.p_greater(0.0)
        );
        assert!(close(p.t(0.0), 20.820_662_813_656_39, 1e-9), "{}", p.t(0.0));
        assert!(
            close(p.p_greater(0.0), 1.572_148_331_664_304e-5, 1e-9),
            "{}",
            p.p_greater(0.0)
        );
        assert_eq!(p.df, 4.0);
        assert!(Difference::paired(&a, &b[..4]).is_none());
    }

    #[test]
    fn tost_on_constructed_data() {
        // Differences centred on 0.001 with small spread: equivalent within ±0.01, not ±0.0005.
        let a = [0.951, 0.952, 0.950, 0.953, 0.951];
        let b = [0.950, 0.951, 0.949, 0.952, 0.950];
        let d = Difference::welch(&a, &b).unwrap();
        assert!(d.tost(0.01) < 0.001, "{}", d.tost(0.01));
        assert!(d.tost(0.0005) > 0.5, "{}", d.tost(0.0005));
        // TOST at α agrees with the (1 − 2α) interval inside the margin.
        let (lo, hi) = d.ci(0.90);
        for m in [0.0005, 0.001, 0.0015, 0.002, 0.01] {
            assert_eq!(d.tost(m) < 0.05, -m < lo && hi < m, "margin {m}");
        }
    }

    #[test]
    fn samples_that_do_not_vary_decide_at_once() {
        let d = Difference::welch(&[1.0, 1.0], &[0.5, 0.5]).unwrap();
        assert_eq!((d.se, d.p_greater(0.0), d.p_less(0.0)), (0.0, 0.0, 1.0));
        assert_eq!(d.ci(0.95), (0.5, 0.5));
        let same = Difference::welch(&[1.0, 1.0], &[1.0, 1.0]).unwrap();
        assert_eq!(same.p_greater(0.0), 0.5);
        assert!(Difference::welch(&[1.0], &[1.0, 2.0]).is_none());
        assert!(Difference::welch(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
    }
}
