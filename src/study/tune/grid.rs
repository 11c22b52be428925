//! The search space: the per-optimizer rate ranges, the log-spaced candidates over a range,
//! and the rungs of successive halving (their epochs and how many candidates each keeps).

use std::fmt;
use std::str::FromStr;

use crate::experiment::parse_finite;
use crate::nn::optim::OptimizerKind;

/// A closed range of learning rates, `0 < lo < hi`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest candidate.
    pub lo: f64,
    /// Largest candidate.
    pub hi: f64,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.lo, self.hi)
    }
}

/// The range searched for `kind` unless `--range` gives another (docs/tuning.md says where
/// each comes from):
///
/// - SGD and Momentum, 0.01 to 3: MSE on softmax has small gradients and wants rates near
///   0.1–1, cross-entropy near 0.03–0.3. mlplab's Momentum is the bias-corrected moving
///   average `v ← βv + (1−β)g`, so its rates are on SGD's scale (not PyTorch's, ~10× smaller).
/// - RMSProp and Adam, 1e-5 to 1e-2, around the 1e-3 of Hinton's lecture notes and of
///   Kingma & Ba (2015).
///
/// ```
/// use mlplab::nn::optim::OptimizerKind;
/// use mlplab::study::tune::default_range;
/// assert_eq!(default_range(OptimizerKind::Adam).hi, 1e-2);
/// ```
pub fn default_range(kind: OptimizerKind) -> Range {
    match kind {
        OptimizerKind::Sgd | OptimizerKind::Momentum => Range { lo: 1e-2, hi: 3.0 },
        OptimizerKind::RmsProp | OptimizerKind::Adam => Range { lo: 1e-5, hi: 1e-2 },
        // L-BFGS takes no rate (its line search chooses each step): one point, not searched.
        OptimizerKind::Lbfgs => Range { lo: 1.0, hi: 1.0 },
    }
}

/// `--range OPT=LO:HI`: an optimizer and the range of its candidates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangeArg {
    /// The optimizer.
    pub kind: OptimizerKind,
    /// Its range.
    pub range: Range,
}

impl FromStr for RangeArg {
    type Err = String;

    /// `sgd=0.01:3`. The message names the value and what would be valid.
    fn from_str(text: &str) -> Result<Self, String> {
        let fail = |m: String| format!("--range {text}: {m}");
        let (name, span) = text.split_once('=').ok_or_else(|| {
            fail(
                "write OPT=LO:HI, e.g. --range sgd=0.01:3 (OPT: sgd, momentum, rmsprop, adam)"
                    .into(),
            )
        })?;
        let kind: OptimizerKind = name.trim().parse().map_err(|_| {
            let names = OptimizerKind::ALL.map(|k| k.to_string());
            let near = crate::experiment::closest(name.trim(), names.iter().map(String::as_str))
                .unwrap_or("sgd");
            fail(format!(
                "unknown optimizer `{}`; did you mean `{near}`? valid: sgd, momentum, rmsprop, adam",
                name.trim()
            ))
        })?;
        let (lo, hi) = span
            .split_once(':')
            .ok_or_else(|| fail(format!("write LO:HI after `{name}=`, e.g. {name}=0.01:3")))?;
        let number = |s: &str| parse_finite(s).map_err(fail);
        let (lo, hi) = (number(lo)?, number(hi)?);
        if lo <= 0.0 {
            return Err(fail(format!("LO = {lo}: learning rates are > 0")));
        }
        if lo >= hi {
            return Err(fail(format!(
                "LO = {lo} is not below HI = {hi}: give the smaller rate first, e.g. \
                 {name}={}:{}",
                hi.min(lo),
                hi.max(lo)
            )));
        }
        Ok(RangeArg {
            kind,
            range: Range { lo, hi },
        })
    }
}

/// Rounds to three significant digits, so that candidates read as written (0.0316, not
/// 0.031622776601683794) and their runs' keys do not hang on the last bit of a `powf`.
fn round3(x: f64) -> f64 {
    format!("{x:.2e}").parse().unwrap_or(x)
}

/// `n` rates log-spaced over `range`, both ends included, each rounded to three significant
/// digits: `lo · (hi/lo)^(i/(n−1))`, i = 0…n−1. One candidate is the geometric midpoint
/// `√(lo·hi)`. `n = 0` is an error.
///
/// ```
/// use mlplab::study::tune::{Range, candidates};
/// let c = candidates(Range { lo: 1e-3, hi: 1e-1 }, 3).unwrap();
/// assert_eq!(c, [1e-3, 1e-2, 1e-1]);
/// ```
pub fn candidates(range: Range, n: usize) -> Result<Vec<f64>, String> {
    if n == 0 {
        return Err(
            "--candidates 0: give at least 1 (the number of log-spaced rates per optimizer, \
             default 8)"
                .into(),
        );
    }
    if n == 1 {
        return Ok(vec![round3((range.lo * range.hi).sqrt())]);
    }
    let ratio = range.hi / range.lo;
    let mut out: Vec<f64> = (0..n)
        .map(|i| round3(range.lo * ratio.powf(i as f64 / (n - 1) as f64)))
        .collect();
    out.dedup();
    if out.len() < n {
        return Err(format!(
            "--candidates {n} over {range}: neighbouring rates round to the same three \
             significant digits; give fewer candidates or a wider range"
        ));
    }
    Ok(out)
}

/// The epochs of each rung: `ceil(E / eta^(rungs−1−k))` for k = 0…rungs−1 (with E = 27,
/// eta = 3, rungs = 3: 3, 9, 27), rungs that round to the same epochs as the one before
/// merged into one.
///
/// ```
/// assert_eq!(mlplab::study::tune::rung_epochs(20, 3, 3), [3, 7, 20]);
/// assert_eq!(mlplab::study::tune::rung_epochs(2, 3, 3), [1, 2]);
/// ```
pub fn rung_epochs(budget: usize, eta: usize, rungs: usize) -> Vec<usize> {
    let mut out: Vec<usize> = (0..rungs)
        .map(|k| {
            let divisor = (eta as u128).saturating_pow((rungs - 1 - k) as u32);
            (budget as u128).div_ceil(divisor.max(1)).max(1) as usize
        })
        .collect();
    out.dedup();
    out
}

/// How many of `n` candidates a rung keeps: `ceil(n / eta)`, at least 1.
///
/// ```
/// assert_eq!(mlplab::study::tune::kept(8, 3), 3);
/// assert_eq!(mlplab::study::tune::kept(3, 3), 1);
/// ```
pub fn kept(n: usize, eta: usize) -> usize {
    n.div_ceil(eta.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_log_spaced_and_include_both_ends() {
        let c = candidates(default_range(OptimizerKind::Sgd), 8).unwrap();
        assert_eq!(c, [0.01, 0.0226, 0.051, 0.115, 0.26, 0.588, 1.33, 3.0]);
        let c = candidates(default_range(OptimizerKind::Adam), 4).unwrap();
        assert_eq!(c, [1e-5, 1e-4, 1e-3, 1e-2]);
        // Each ratio between neighbours is the same, up to the rounding.
        let c = candidates(Range { lo: 0.1, hi: 10.0 }, 5).unwrap();
        assert_eq!(c, [0.1, 0.316, 1.0, 3.16, 10.0]);
        assert_eq!(candidates(Range { lo: 0.01, hi: 1.0 }, 1).unwrap(), [0.1]);
    }

    #[test]
    fn bad_candidate_counts_are_refused() {
        let e = candidates(Range { lo: 0.1, hi: 1.0 }, 0).unwrap_err();
        assert!(
            e.contains("--candidates 0") && e.contains("at least 1"),
            "{e}"
        );
        let e = candidates(Range { lo: 1.0, hi: 1.001 }, 5).unwrap_err();
        assert!(e.contains("same three significant digits"), "{e}");
    }

    #[test]
    fn rungs_follow_the_budget() {
        assert_eq!(rung_epochs(27, 3, 3), [3, 9, 27]);
        assert_eq!(rung_epochs(40, 3, 3), [5, 14, 40]);
        assert_eq!(rung_epochs(1, 3, 3), [1]);
        assert_eq!(rung_epochs(20, 3, 1), [20]);
        assert_eq!(rung_epochs(16, 2, 4), [2, 4, 8, 16]);
        assert_eq!(rung_epochs(5, 1000, 30), [1, 5], "no overflow");
        assert_eq!(
            [kept(9, 3), kept(8, 3), kept(1, 3), kept(4, 2)],
            [3, 3, 1, 2]
        );
    }

    #[test]
    fn ranges_parse_or_say_what_is_valid() {
        let r: RangeArg = "adam=1e-4:1e-2".parse().unwrap();
        assert_eq!(r.kind, OptimizerKind::Adam);
        assert_eq!(r.range, Range { lo: 1e-4, hi: 1e-2 });
        for (text, needle) in [
            ("sgd=1:0.1", "LO = 1 is not below HI = 0.1"),
            ("sgd=0.1:0.1", "not below"),
            ("foo=0.1:1", "unknown optimizer `foo`"),
            ("adma=0.1:1", "did you mean `adam`"),
            ("sgd=0:1", "learning rates are > 0"),
            ("sgd=-1:1", "learning rates are > 0"),
            ("sgd=x:1", "\"x\" is not a number"),
            ("sgd=0.1:inf", "finite"),
            ("sgd=0.1", "LO:HI"),
            ("sgd", "OPT=LO:HI"),
        ] {
            let e = text.parse::<RangeArg>().unwrap_err();
            assert!(e.contains(text) && e.contains(needle), "{text}: {e}");
        }
    }
}
