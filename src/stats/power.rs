//! How many seeds a decisive answer would need, from the spread observed so far.

use super::summary::t_quantile;

/// The smallest number of seeds `n` (per configuration) at which a one-sided t-test at level
/// `alpha` would detect a true difference of `effect` with probability `power`, when one
/// seed's contribution to the standard error is `spread` (so `se(n) = spread/√n`):
/// `(t(1 − α, n − 1) + t(power, n − 1)) · spread/√n ≤ |effect|`.
///
/// For a paired comparison `spread` is the standard deviation of the per-seed differences;
/// for Welch with equal seed counts it is `√(s_a² + s_b²)`; for an equivalence test use the
/// distance from the estimate to the nearer margin as `effect`. `None` when the effect is zero
/// or not finite, the spread is not finite, or more than `max` seeds would be needed.
///
/// ```
/// # use mlplab::stats::seeds_needed;
/// // A difference of one standard deviation of the per-seed differences: 8 seeds.
/// assert_eq!(seeds_needed(1.0, 1.0, 0.05, 0.8, 1000), Some(8));
/// assert_eq!(seeds_needed(0.0, 1.0, 0.05, 0.8, 1000), None);
/// ```
pub fn seeds_needed(effect: f64, spread: f64, alpha: f64, power: f64, max: usize) -> Option<usize> {
    let effect = effect.abs();
    if !(effect > 0.0 && effect.is_finite() && spread.is_finite() && spread >= 0.0) {
        return None;
    }
    if spread == 0.0 {
        return Some(2);
    }
    (2..=max).find(|&n| {
        let df = (n - 1) as f64;
        (t_quantile(1.0 - alpha, df) + t_quantile(power, df)) * spread / (n as f64).sqrt() <= effect
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_as_the_square_of_spread_over_effect() {
        // Normal approximation n ≈ ((z₀.₉₅ + z₀.₈) · s/Δ)² = 6.18 (s = Δ); t adds a little.
        assert_eq!(seeds_needed(1.0, 1.0, 0.05, 0.8, 1000), Some(8));
        let n = seeds_needed(0.1, 1.0, 0.05, 0.8, 10_000).unwrap();
        assert!((619..=630).contains(&n), "{n}");
        assert_eq!(seeds_needed(0.1, 1.0, 0.05, 0.8, 100), None);
        assert_eq!(seeds_needed(1.0, 0.0, 0.05, 0.8, 100), Some(2));
        assert_eq!(seeds_needed(f64::NAN, 1.0, 0.05, 0.8, 100), None);
    }

    #[test]
    fn the_answer_is_the_first_n_that_suffices() {
        let (e, s) = (0.004, 0.003);
        let n = seeds_needed(e, s, 0.05, 0.8, 1000).unwrap();
        let enough = |n: usize| {
            let df = (n - 1) as f64;
            (t_quantile(0.95, df) + t_quantile(0.8, df)) * s / (n as f64).sqrt() <= e
        };
        assert!(enough(n) && !enough(n - 1), "{n}");
    }
}
