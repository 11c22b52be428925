//! Holm's step-down correction for a family of tests.

/// Holm–Bonferroni adjusted p-values, in the order given: sort ascending, multiply the
/// k-th smallest (k from 0) by `m − k`, carry the running maximum so the adjusted values keep
/// the order of the raw ones, cap at 1. Rejecting every hypothesis whose adjusted value is
/// below α controls the family-wise error rate at α. A NaN stays NaN and is ranked last.
///
/// ```
/// # use mlplab::stats::holm;
/// assert_eq!(holm(&[0.01, 0.04, 0.03, 0.005]), vec![0.03, 0.06, 0.06, 0.02]);
/// ```
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![f64::NAN; m];
    let mut running = 0.0f64;
    for (k, &i) in order.iter().enumerate() {
        if p[i].is_nan() {
            continue;
        }
        running = running.max(((m - k) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::holm;

    /// R: `p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")` = 0.03 0.06 0.06 0.02;
    /// `p.adjust(c(0.2, 0.6, 0.01), "holm")` = 0.4 0.6 0.03.
    #[test]
    fn matches_known_lists() {
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(
            &holm(&[0.01, 0.04, 0.03, 0.005]),
            &[0.03, 0.06, 0.06, 0.02]
        ));
        assert!(close(&holm(&[0.2, 0.6, 0.01]), &[0.4, 0.6, 0.03]));
        assert_eq!(holm(&[0.7, 0.9]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
        let with_nan = holm(&[f64::NAN, 0.01]);
        assert!(with_nan[0].is_nan() && (with_nan[1] - 0.02).abs() < 1e-12);
    }
}
