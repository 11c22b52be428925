//! Tick marks for a logarithmic axis that stay readable when the axis spans less than a
//! decade: the powers of ten when there are enough of them, else the minor ticks
//! m × 10ⁿ (m = 2, 5, then every m), else evenly spaced "nice" values; labels in 10ⁿ
//! notation (`10⁻³`, `2×10⁻³`).

/// At most this many labelled ticks on an axis.
const MAX_TICKS: usize = 8;
/// At least this many labelled ticks when the range allows it.
const MIN_TICKS: usize = 3;

/// The labelled ticks of a log axis over `[lo, hi]` (`0 < lo < hi`, both finite), ascending.
/// Empty when the range is not one a log axis can show.
///
/// Powers of ten when at least [`MIN_TICKS`] fall in the range (every k-th when there are
/// more than [`MAX_TICKS`]); otherwise m × 10ⁿ for m ∈ {1, 2, 5}, then {1, 2, 3, 5}, then {1, …, 9}; and
/// when even those give fewer than two, evenly spaced values 1, 2 or 5 × 10ᵏ apart.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Vec::new();
    }
    let decades = mantissa_ticks(lo, hi, &[1.0]);
    if decades.len() >= MIN_TICKS {
        let step = decades.len().div_ceil(MAX_TICKS);
        return decades.into_iter().step_by(step).collect();
    }
    for set in [
        &[1.0, 2.0, 5.0][..],
        &[1.0, 2.0, 3.0, 5.0],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
    ] {
        let t = mantissa_ticks(lo, hi, set);
        if t.len() >= MIN_TICKS && t.len() <= MAX_TICKS + 2 {
            return t;
        }
        if t.len() > MAX_TICKS + 2 {
            let step = t.len().div_ceil(MAX_TICKS);
            return t.into_iter().step_by(step).collect();
        }
    }
    let t = mantissa_ticks(lo, hi, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    if t.len() >= 2 {
        return t;
    }
    linear_ticks(lo, hi)
}

/// The unlabelled grid lines of a log axis: every m × 10ⁿ (m = 1, …, 9) in `[lo, hi]`.
pub fn log_minor(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Vec::new();
    }
    let t = mantissa_ticks(lo, hi, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    if t.len() > 60 {
        mantissa_ticks(lo, hi, &[1.0])
    } else {
        t
    }
}

/// m × 10ⁿ for every m in `mantissas` and every n, within `[lo, hi]`.
fn mantissa_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let (k_lo, k_hi) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let mut out = Vec::new();
    for k in k_lo..=k_hi {
        for &m in mantissas {
            let v = round_sig(m * 10f64.powi(-k).recip());
            if v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12) {
                out.push(v);
            }
        }
    }
    out
}

/// Evenly spaced ticks, 1, 2 or 5 × 10ᵏ apart: the widest such step that gives four or more.
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 4.0;
    let base = 10f64.powf(raw.log10().floor());
    let step = [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * base)
        .find(|s| *s <= raw)
        .unwrap_or(base);
    let mut v = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while v <= hi * (1.0 + 1e-12) && out.len() < 20 {
        out.push(round_sig(v));
        v += step;
    }
    out
}

/// `v` rounded to 12 significant digits (so 3 × 0.1 is 0.3).
fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    // Through decimal text, so the result is the double nearest the rounded decimal.
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// `n` in superscript digits (`-3` → `⁻³`).
fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// A log-axis label in 10ⁿ notation: `10⁻³`, `2×10⁻³`, `1.5×10²`.
pub fn log_label(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return format!("{v}");
    }
    let mut k = v.log10().floor() as i32;
    let mut m = round_sig(v / 10f64.powi(k));
    if m >= 10.0 {
        m /= 10.0;
        k += 1;
    }
    let mantissa = format!("{m:.3}");
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    if mantissa == "1" {
        format!("10{}", superscript(k))
    } else {
        format!("{mantissa}×10{}", superscript(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64) -> Vec<String> {
        log_ticks(lo, hi).into_iter().map(log_label).collect()
    }

    #[test]
    fn wide_ranges_get_powers_of_ten() {
        assert_eq!(labels(1e-4, 2.0), ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]);
        // Fifteen decades are thinned to at most eight labels.
        let t = log_ticks(1e-12, 1e3);
        assert!(t.len() <= MAX_TICKS && t.len() >= MIN_TICKS, "{t:?}");
        assert_eq!(t[0], 1e-12);
    }

    #[test]
    fn less_than_a_decade_gets_minor_tick_labels() {
        // The range plotters would label with a single "1e-2".
        assert_eq!(labels(0.004, 0.03), ["5×10⁻³", "10⁻²", "2×10⁻²"]);
        assert_eq!(labels(0.028, 0.15), ["3×10⁻²", "5×10⁻²", "10⁻¹"]);
        let t = labels(0.031, 0.09);
        assert_eq!(
            t,
            ["4×10⁻²", "5×10⁻²", "6×10⁻²", "7×10⁻²", "8×10⁻²", "9×10⁻²"]
        );
        // Between two minor ticks: evenly spaced values.
        let t = log_ticks(0.101, 0.19);
        assert!(t.len() >= 2, "{t:?}");
        assert!(t.iter().all(|v| (0.101..=0.19).contains(v)), "{t:?}");
        assert_eq!(log_label(0.12), "1.2×10⁻¹");
    }

    #[test]
    fn labels_use_superscript_exponents() {
        assert_eq!(log_label(1.0), "10⁰");
        assert_eq!(log_label(1000.0), "10³");
        assert_eq!(log_label(0.002), "2×10⁻³");
        assert_eq!(log_label(150.0), "1.5×10²");
        assert_eq!(log_label(9.9999999999999e-4), "10⁻³");
    }

    #[test]
    fn ranges_a_log_axis_cannot_show_have_no_ticks() {
        assert!(log_ticks(0.0, 1.0).is_empty());
        assert!(log_ticks(1.0, 1.0).is_empty());
        assert!(log_ticks(f64::NAN, 1.0).is_empty());
        assert!(log_minor(-1.0, 1.0).is_empty());
    }
}
