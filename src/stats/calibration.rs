//! Calibration of a classifier's predictive distribution, and out-of-distribution detection
//! from a score.
//!
//! Every function takes the predictive probabilities as a row-major `n×k` slice (`n` samples,
//! `k` classes, each row summing to one) and the `n` true labels; none of them trains or
//! samples anything, so the same code scores a deterministic net, an ensemble's averaged
//! probabilities and a Bayesian net's Monte-Carlo predictive. The formulas are in
//! docs/mathematics.md (§10b "Calibration").
//!
//! Conventions, chosen to match Guo et al. 2017 and Ovadia et al. 2019:
//!
//! - the confidence of a sample is its largest probability, the prediction the first class
//!   that reaches it;
//! - the reliability bins are `B` equal-width intervals of [0, 1], bin `b` (from 0) holding
//!   confidences in `(b/B, (b+1)/B]`, with a confidence of exactly 0 put in bin 0;
//! - the Brier score is the multi-class one, `Σ_k (p_k − y_k)²` averaged over samples (range
//!   [0, 2]), not the binary score of the predicted class;
//! - the NLL clamps a probability below `f64::MIN_POSITIVE` to it, so a confidently wrong
//!   sample costs about 708 nats instead of infinity.
//!
//! Empty input gives NaN (there is nothing to measure), never a panic.

/// The number of equal-width confidence bins of the expected and maximum calibration error.
pub const CALIBRATION_BINS: usize = 15;

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityBin {
    /// Lower edge (exclusive, except 0 for the first bin).
    pub lower: f64,
    /// Upper edge (inclusive).
    pub upper: f64,
    /// Samples whose confidence falls in the bin.
    pub count: usize,
    /// Mean confidence of those samples (NaN when the bin is empty).
    pub confidence: f64,
    /// Fraction of those samples predicted correctly (NaN when the bin is empty).
    pub accuracy: f64,
}

/// The calibration metrics of one predictive distribution on one data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Samples scored.
    pub n: usize,
    /// Fraction predicted correctly.
    pub accuracy: f64,
    /// Mean negative log-likelihood of the true class, in nats.
    pub nll: f64,
    /// Mean multi-class Brier score.
    pub brier: f64,
    /// Expected calibration error over [`CALIBRATION_BINS`] bins.
    pub ece: f64,
    /// Maximum calibration error over the non-empty bins.
    pub mce: f64,
    /// Mean predictive entropy, in nats.
    pub entropy: f64,
}

impl Calibration {
    /// All metrics of `probs` (`n×k`, row-major) against `labels` (`n`, each `< k`).
    /// `None` when the shapes disagree (`probs.len() != n·k`, `k == 0`) or a label is out of
    /// range; NaN metrics when `n == 0`.
    pub fn of(probs: &[f64], classes: usize, labels: &[usize]) -> Option<Calibration> {
        check(probs, classes, labels)?;
        let (confidence, correct) = confidence_and_correct(probs, classes, labels);
        let bins = reliability(&confidence, &correct, CALIBRATION_BINS);
        let n = labels.len();
        let accuracy = if n == 0 {
            f64::NAN
        } else {
            correct.iter().filter(|&&c| c).count() as f64 / n as f64
        };
        Some(Calibration {
            n,
            accuracy,
            nll: nll(probs, classes, labels)?,
            brier: brier(probs, classes, labels)?,
            ece: ece_of_bins(&bins, n),
            mce: mce_of_bins(&bins),
            entropy: mean_entropy(probs, classes)?,
        })
    }
}

fn check(probs: &[f64], classes: usize, labels: &[usize]) -> Option<()> {
    if classes == 0 || probs.len() != labels.len() * classes || labels.iter().any(|&y| y >= classes)
    {
        return None;
    }
    Some(())
}

/// Per sample: the confidence (largest probability) and whether the first class reaching it
/// is the label. `probs`: `n×k`; `labels`: `n`. Labels must be `< k` (checked by callers).
pub fn confidence_and_correct(
    probs: &[f64],
    classes: usize,
    labels: &[usize],
) -> (Vec<f64>, Vec<bool>) {
    let mut confidence = Vec::with_capacity(labels.len());
    let mut correct = Vec::with_capacity(labels.len());
    for (row, &y) in probs.chunks_exact(classes.max(1)).zip(labels) {
        let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
        for (j, &p) in row.iter().enumerate() {
            if p > best {
                best = p;
                arg = j;
            }
        }
        confidence.push(best);
        correct.push(arg == y);
    }
    (confidence, correct)
}

/// The bin (from 0) of a confidence among `bins` equal-width bins `(b/B, (b+1)/B]`; 0 goes
/// to bin 0 and anything outside [0, 1] (or NaN) to the nearest end.
fn bin_of(confidence: f64, bins: usize) -> usize {
    let scaled = (confidence * bins as f64).ceil();
    if scaled.is_nan() || scaled <= 1.0 {
        0
    } else {
        (scaled as usize - 1).min(bins - 1)
    }
}

/// The reliability diagram: `bins` equal-width bins of the confidences with their mean
/// confidence and accuracy. `confidence` and `correct` have the same length (extra entries of
/// the longer are ignored); `bins == 0` gives no bins.
pub fn reliability(confidence: &[f64], correct: &[bool], bins: usize) -> Vec<ReliabilityBin> {
    if bins == 0 {
        return Vec::new();
    }
    let mut count = vec![0usize; bins];
    let mut sum_conf = vec![0.0f64; bins];
    let mut hits = vec![0usize; bins];
    for (&c, &ok) in confidence.iter().zip(correct) {
        let b = bin_of(c, bins);
        count[b] += 1;
        sum_conf[b] += c;
        hits[b] += usize::from(ok);
    }
    (0..bins)
        .map(|b| {
            let n = count[b] as f64;
            let (confidence, accuracy) = if count[b] == 0 {
                (f64::NAN, f64::NAN)
            } else {
                (sum_conf[b] / n, hits[b] as f64 / n)
            };
            ReliabilityBin {
                lower: b as f64 / bins as f64,
                upper: (b + 1) as f64 / bins as f64,
                count: count[b],
                confidence,
                accuracy,
            }
        })
        .collect()
}

fn ece_of_bins(bins: &[ReliabilityBin], n: usize) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    bins.iter()
        .filter(|b| b.count > 0)
        .map(|b| b.count as f64 / n as f64 * (b.accuracy - b.confidence).abs())
        .sum()
}

fn mce_of_bins(bins: &[ReliabilityBin]) -> f64 {
    bins.iter()
        .filter(|b| b.count > 0)
        .map(|b| (b.accuracy - b.confidence).abs())
        .fold(f64::NAN, f64::max)
}

/// Expected calibration error: `Σ_b (n_b / n) · |acc_b − conf_b|` over [`CALIBRATION_BINS`]
/// equal-width bins (empty bins contribute nothing). NaN for no samples.
pub fn ece(confidence: &[f64], correct: &[bool]) -> f64 {
    let n = confidence.len().min(correct.len());
    ece_of_bins(&reliability(confidence, correct, CALIBRATION_BINS), n)
}

/// Maximum calibration error: `max_b |acc_b − conf_b|` over the non-empty bins. NaN for no
/// samples.
pub fn mce(confidence: &[f64], correct: &[bool]) -> f64 {
    mce_of_bins(&reliability(confidence, correct, CALIBRATION_BINS))
}

/// Mean multi-class Brier score `(1/n) Σ_i Σ_k (p_ik − [k = y_i])²`. `None` on a shape or
/// label error, NaN for no samples.
pub fn brier(probs: &[f64], classes: usize, labels: &[usize]) -> Option<f64> {
    check(probs, classes, labels)?;
    let total: f64 = probs
        .chunks_exact(classes)
        .zip(labels)
        .map(|(row, &y)| {
            row.iter()
                .enumerate()
                .map(|(k, &p)| {
                    let d = p - if k == y { 1.0 } else { 0.0 };
                    d * d
                })
                .sum::<f64>()
        })
        .sum();
    Some(total / labels.len() as f64)
}

/// Mean negative log-likelihood `−(1/n) Σ_i ln p_{i,y_i}`, a probability clamped below at
/// `f64::MIN_POSITIVE`. `None` on a shape or label error, NaN for no samples.
pub fn nll(probs: &[f64], classes: usize, labels: &[usize]) -> Option<f64> {
    check(probs, classes, labels)?;
    let total: f64 = probs
        .chunks_exact(classes)
        .zip(labels)
        .map(|(row, &y)| -row[y].max(f64::MIN_POSITIVE).ln())
        .sum();
    Some(total / labels.len() as f64)
}

/// Entropy `−Σ_k p_k ln p_k` of one predictive distribution, in nats, with `0 ln 0 = 0`.
pub fn entropy(row: &[f64]) -> f64 {
    -row.iter()
        .filter(|&&p| p > 0.0)
        .map(|&p| p * p.ln())
        .sum::<f64>()
}

/// The entropy of every row of `probs` (`n×k`). `None` when `k == 0` or the length is not a
/// multiple of `k`.
pub fn entropies(probs: &[f64], classes: usize) -> Option<Vec<f64>> {
    if classes == 0 || !probs.len().is_multiple_of(classes) {
        return None;
    }
    Some(probs.chunks_exact(classes).map(entropy).collect())
}

fn mean_entropy(probs: &[f64], classes: usize) -> Option<f64> {
    let e = entropies(probs, classes)?;
    Some(e.iter().sum::<f64>() / e.len() as f64)
}

/// Area under the ROC curve of a score meant to be higher on `positive` samples (e.g. the
/// predictive entropy, positives = out-of-distribution): the Mann–Whitney probability
/// `P(s⁺ > s⁻) + ½ P(s⁺ = s⁻)` over all pairs, computed from mid-ranks in `O(n log n)`.
/// NaN when either side is empty or any score is NaN.
///
/// ```
/// # use mlplab::stats::auroc;
/// assert_eq!(auroc(&[0.9, 0.8, 0.5], &[0.5, 0.3]), 5.5 / 6.0);
/// ```
pub fn auroc(positive: &[f64], negative: &[f64]) -> f64 {
    let (np, nn) = (positive.len(), negative.len());
    if np == 0 || nn == 0 || positive.iter().chain(negative).any(|s| s.is_nan()) {
        return f64::NAN;
    }
    let mut all: Vec<(f64, bool)> = positive
        .iter()
        .map(|&s| (s, true))
        .chain(negative.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the positives' mid-ranks (ranks from 1; a tie group shares its mean rank).
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        // −0.0 and 0.0 are one score, so ties are found by `==`, not by `total_cmp`.
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        let positives = all[i..=j].iter().filter(|e| e.1).count();
        rank_sum += mid * positives as f64;
        i = j + 1;
    }
    let u = rank_sum - (np * (np + 1)) as f64 / 2.0;
    u / (np as f64 * nn as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Confidences 0.9, 0.9 (bin 13; one right), 0.65 (bin 9; right), 0.25 (bin 3; wrong):
    /// ECE = ½·|0.5 − 0.9| + ¼·|1 − 0.65| + ¼·|0 − 0.25| = 0.2 + 0.0875 + 0.0625 = 0.35,
    /// MCE = 0.4; the other 12 bins are empty and add nothing.
    #[test]
    fn ece_and_mce_by_hand() {
        let conf = [0.9, 0.9, 0.65, 0.25];
        let ok = [true, false, true, false];
        assert!(close(ece(&conf, &ok), 0.35), "{}", ece(&conf, &ok));
        assert!(close(mce(&conf, &ok), 0.4), "{}", mce(&conf, &ok));
        let bins = reliability(&conf, &ok, CALIBRATION_BINS);
        assert_eq!(bins.len(), 15);
        let counts: Vec<usize> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0]);
        assert!(bins[0].accuracy.is_nan() && bins[0].confidence.is_nan());
        assert!(close(bins[13].accuracy, 0.5) && close(bins[13].confidence, 0.9));
    }

    /// All correct: at confidence 1 the net is perfectly calibrated (ECE 0); at 0.8 it is
    /// under-confident by 0.2 in its only bin.
    #[test]
    fn all_correct() {
        assert_eq!(ece(&[1.0; 4], &[true; 4]), 0.0);
        assert!(close(ece(&[0.8; 4], &[true; 4]), 0.2));
        assert!(close(mce(&[0.8; 4], &[true; 4]), 0.2));
    }

    /// Bin edges: 0 goes to the first bin, 1 to the last, an edge b/B to bin b − 1
    /// (upper edges are inclusive), and out-of-range values to the nearest end.
    #[test]
    fn bin_edges() {
        assert_eq!(bin_of(0.0, 15), 0);
        assert_eq!(bin_of(1.0, 15), 14);
        assert_eq!(bin_of(0.5, 10), 4);
        assert_eq!(bin_of(0.51, 10), 5);
        assert_eq!(bin_of(-0.3, 15), 0);
        assert_eq!(bin_of(1.7, 15), 14);
        assert_eq!(bin_of(f64::NAN, 15), 0);
    }

    /// Rows [0.7, 0.2, 0.1] (label 0) and [0.5, 0.5, 0] (label 1; the tie predicts class 0,
    /// so wrong): Brier = (0.14 + 0.5)/2 = 0.32, NLL = (−ln 0.7 − ln 0.5)/2,
    /// entropy of the second row ln 2, accuracy ½.
    #[test]
    fn brier_nll_entropy_by_hand() {
        let probs = [0.7, 0.2, 0.1, 0.5, 0.5, 0.0];
        let labels = [0, 1];
        assert!(close(brier(&probs, 3, &labels).unwrap(), 0.32));
        let want_nll = (-(0.7f64).ln() - (0.5f64).ln()) / 2.0;
        assert!(close(nll(&probs, 3, &labels).unwrap(), want_nll));
        assert!(close(entropy(&probs[3..]), std::f64::consts::LN_2));
        let want_h0 = -(0.7 * 0.7f64.ln() + 0.2 * 0.2f64.ln() + 0.1 * 0.1f64.ln());
        assert!(close(entropy(&probs[..3]), want_h0));
        let c = Calibration::of(&probs, 3, &labels).unwrap();
        assert_eq!(c.n, 2);
        assert!(close(c.accuracy, 0.5));
        assert!(close(c.brier, 0.32) && close(c.nll, want_nll));
        assert!(close(c.entropy, (want_h0 + std::f64::consts::LN_2) / 2.0));
        // Confidence 0.7 (bin 10, right) and 0.5 (bin 7, wrong): ECE = ½·0.3 + ½·0.5.
        assert!(close(c.ece, 0.4) && close(c.mce, 0.5));
    }

    /// A probability of 0 on the true class costs −ln(MIN_POSITIVE) ≈ 708, not infinity.
    #[test]
    fn nll_is_finite_at_zero() {
        let v = nll(&[1.0, 0.0], 2, &[1]).unwrap();
        assert!(close(v, -f64::MIN_POSITIVE.ln()) && v > 700.0);
    }

    #[test]
    fn bad_shapes_and_empty_input() {
        assert!(Calibration::of(&[0.5, 0.5], 2, &[2]).is_none());
        assert!(Calibration::of(&[0.5, 0.5, 1.0], 2, &[0]).is_none());
        assert!(Calibration::of(&[], 0, &[]).is_none());
        assert!(brier(&[0.5], 2, &[0]).is_none());
        assert!(entropies(&[0.5, 0.5, 1.0], 2).is_none());
        let empty = Calibration::of(&[], 3, &[]).unwrap();
        assert!(empty.ece.is_nan() && empty.mce.is_nan() && empty.nll.is_nan());
        assert!(empty.accuracy.is_nan() && empty.entropy.is_nan());
        assert!(ece(&[], &[]).is_nan());
    }

    /// Pairs of (0.9, 0.8, 0.5) against (0.5, 0.3): five wins and one tie, 5.5 of 6.
    #[test]
    fn auroc_with_ties_by_hand() {
        assert!(close(auroc(&[0.9, 0.8, 0.5], &[0.5, 0.3]), 5.5 / 6.0));
        assert_eq!(auroc(&[3.0, 4.0], &[1.0, 2.0]), 1.0);
        assert_eq!(auroc(&[1.0, 2.0], &[3.0, 4.0]), 0.0);
        assert_eq!(auroc(&[1.0; 3], &[1.0; 5]), 0.5);
        assert_eq!(auroc(&[0.0], &[-0.0]), 0.5);
        // Brute force over all pairs on scores with many ties.
        let pos = [1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 0.0];
        let neg = [2.0, 2.0, 4.0, 5.0, 0.0, 1.0];
        let mut wins = 0.0;
        for &p in &pos {
            for &n in &neg {
                wins += if p > n {
                    1.0
                } else if p == n {
                    0.5
                } else {
                    0.0
                };
            }
        }
        assert!(close(auroc(&pos, &neg), wins / 42.0));
        assert!(auroc(&[], &[1.0]).is_nan());
        assert!(auroc(&[f64::NAN], &[1.0]).is_nan());
    }
}
