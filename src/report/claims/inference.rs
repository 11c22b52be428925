//! The statistics every claim shares: per-seed [`Sample`]s, the one-sided tests a claim is
//! made of ([`Part`]), Holm's correction over a claim's tests, and the verdict they give.
//!
//! Each part of a claim is one statement about per-seed values ("Momentum > RMSProp",
//! "mean final CV accuracy > 0.2", "|gap(λ=0) − gap(λ=3)| < 0.02") with two one-sided
//! p-values: `p_for` (small when the data show the statement) and `p_against` (small when
//! they show its opposite). Over a claim's k tested parts both lists are Holm-adjusted; a
//! part holds when its adjusted `p_for` < [`ALPHA`], fails when its adjusted `p_against` <
//! [`ALPHA`], and is undecided otherwise. The claim is refuted when any part fails,
//! confirmed when every part holds, and inconclusive otherwise, with the seeds a decisive
//! answer would need.

use super::check::Verdict;
use crate::stats::{Difference, Pairing, holm, seeds_needed};

/// The level of every test of the claims check.
pub const ALPHA: f64 = 0.05;
/// The power the seeds-needed figure is computed for.
pub const POWER: f64 = 0.8;
/// Seeds beyond which the seeds-needed figure reads "more than".
pub const MAX_SEEDS: usize = 100;

/// How many seeds per configuration a decisive answer would need, from the observed spread
/// and effect (at level α / k for a claim of k tests, power [`POWER`]; see
/// [`stats::seeds_needed`](crate::stats::seeds_needed)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedsNeeded {
    /// About this many.
    About(usize),
    /// At least this many: some undecided tests ran on one seed, whose spread is unknown.
    AtLeast(usize),
    /// More than this many: the observed effect is tiny next to the spread (or zero).
    MoreThan(usize),
    /// No estimate: every undecided test ran on one seed, which shows no spread.
    Unknown,
}

impl SeedsNeeded {
    /// `≈ 12 seeds needed`, `≥ 6 seeds needed`, `> 100 seeds needed`, or why unknown.
    pub fn text(self) -> String {
        match self {
            SeedsNeeded::About(n) => format!("≈ {n} seeds needed"),
            SeedsNeeded::AtLeast(n) => format!("≥ {n} seeds needed"),
            SeedsNeeded::MoreThan(n) => format!("> {n} seeds needed"),
            SeedsNeeded::Unknown => {
                "seeds needed unknown: one seed shows no spread, run ≥ 2 (e.g. --seeds 5)".into()
            }
        }
    }

    /// The need of a claim from its undecided parts' needs (`None`: a one-seed part).
    fn combine(needs: &[Option<SeedsNeeded>]) -> SeedsNeeded {
        let unknown = needs.iter().any(|n| n.is_none());
        let mut known: Option<usize> = None;
        for n in needs.iter().flatten() {
            match *n {
                SeedsNeeded::MoreThan(m) => return SeedsNeeded::MoreThan(m),
                SeedsNeeded::About(k) | SeedsNeeded::AtLeast(k) => {
                    known = Some(known.map_or(k, |x| x.max(k)));
                }
                SeedsNeeded::Unknown => {}
            }
        }
        match (known, unknown) {
            (Some(k), false) => SeedsNeeded::About(k),
            (Some(k), true) => SeedsNeeded::AtLeast(k),
            (None, _) => SeedsNeeded::Unknown,
        }
    }
}

/// One configuration's per-seed values, each keyed by what pairs it with another
/// configuration's value (the run's seed: same seed ⇒ same initial weights and data order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample(pub Vec<(String, f64)>);

impl Sample {
    /// Values keyed by seeds 1, 2, … (for constructed data).
    pub fn seeds(values: &[f64]) -> Sample {
        Sample(
            (1..)
                .zip(values)
                .map(|(s, &v): (i64, &f64)| (s.to_string(), v))
                .collect(),
        )
    }

    /// The values, in order.
    pub fn values(&self) -> Vec<f64> {
        self.0.iter().map(|(_, v)| *v).collect()
    }

    /// Number of values.
    pub fn n(&self) -> usize {
        self.0.len()
    }

    /// Mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        self.0.iter().map(|(_, v)| v).sum::<f64>() / self.0.len() as f64
    }

    /// Sample variance (n − 1), 0 for one value.
    fn var(&self) -> f64 {
        let n = self.0.len();
        if n < 2 {
            return 0.0;
        }
        let m = self.mean();
        self.0.iter().map(|(_, v)| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64
    }

    /// The values multiplied by `k`.
    fn scaled(&self, k: f64) -> Sample {
        Sample(self.0.iter().map(|(s, v)| (s.clone(), v * k)).collect())
    }

    /// The two samples aligned by key when they hold the same keys, each once.
    fn aligned(&self, other: &Sample) -> Option<(Vec<f64>, Vec<f64>)> {
        let mut a = self.0.clone();
        let mut b = other.0.clone();
        a.sort_by(|x, y| x.0.cmp(&y.0));
        b.sort_by(|x, y| x.0.cmp(&y.0));
        let unique = |v: &[(String, f64)]| v.windows(2).all(|w| w[0].0 != w[1].0);
        let same = a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.0 == y.0);
        (same && unique(&a)).then(|| {
            (
                a.into_iter().map(|x| x.1).collect(),
                b.into_iter().map(|x| x.1).collect(),
            )
        })
    }
}

/// The t-test a part ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// One-sample t on the per-seed values against a fixed number.
    OneSample,
    /// Paired t on the per-seed differences (both configurations ran the same seeds).
    Paired,
    /// Welch's unequal-variance t.
    Welch,
    /// Two one-sided tests (equivalence) on the one-sample t.
    TostOneSample,
    /// Two one-sided tests on the paired t.
    TostPaired,
    /// Two one-sided tests on Welch's t.
    TostWelch,
}

impl TestKind {
    /// The test's name in the evidence.
    pub fn name(self) -> &'static str {
        match self {
            TestKind::OneSample => "one-sample t",
            TestKind::Paired => "paired t",
            TestKind::Welch => "Welch t",
            TestKind::TostOneSample => "TOST (one-sample t)",
            TestKind::TostPaired => "TOST (paired t)",
            TestKind::TostWelch => "TOST (Welch t)",
        }
    }

    fn is_tost(self) -> bool {
        matches!(
            self,
            TestKind::TostOneSample | TestKind::TostPaired | TestKind::TostWelch
        )
    }
}

/// A part's evidence.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// A t-test ran.
    Tested {
        /// Which.
        kind: TestKind,
        /// Seeds (pairs for a paired test; the smaller sample for Welch).
        n: usize,
        /// What the estimate is, with it: `Δ = +0.0230`, `mean 0.912 − 0.200`.
        estimate: String,
        /// The interval of the estimate: 95 %, or 90 % (= 1 − 2α) for TOST.
        ci: (f64, f64),
        /// p-value for the part (raw).
        p_for: f64,
        /// p-value for its opposite (raw).
        p_against: f64,
        /// The effect a decisive answer must resolve (distance from the null) …
        effect: f64,
        /// … and one seed's contribution to its standard error.
        spread: f64,
        /// Seeds needed if the part stays undecided (at α / k over the claim's k tests).
        need: SeedsNeeded,
    },
    /// Fewer than two seeds on a side: no spread, nothing can be tested.
    OneSeed {
        /// The single value(s), e.g. `0.412 vs 0.200`.
        values: String,
    },
    /// Decided without a test (e.g. every run of the configuration diverged).
    Fact {
        /// Whether the part holds.
        holds: bool,
    },
}

/// One statement a claim is made of, with its evidence; [`judge`] fills in the
/// Holm-adjusted p-values.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The statement, e.g. `cifar10, He, λ=0: SGD > Momentum`.
    pub label: String,
    /// Extra facts printed after it (e.g. `learns in 4 of 5 seeds`).
    pub note: String,
    /// The evidence.
    pub evidence: Evidence,
    /// Holm-adjusted (`p_for`, `p_against`) over the claim's tests, once judged.
    pub adjusted: Option<(f64, f64)>,
    /// Number of tests Holm's correction ran over.
    pub family: usize,
}

impl Part {
    fn new(label: impl Into<String>, evidence: Evidence) -> Part {
        Part {
            label: label.into(),
            note: String::new(),
            evidence,
            adjusted: None,
            family: 0,
        }
    }

    /// The part with a note printed after its label.
    pub fn with_note(mut self, note: impl Into<String>) -> Part {
        self.note = note.into();
        self
    }

    /// A part decided without a test.
    pub fn fact(label: impl Into<String>, holds: bool) -> Part {
        Part::new(label, Evidence::Fact { holds })
    }

    /// The part "mean of `sample` > `threshold`" (one-sample t).
    pub fn above(label: impl Into<String>, sample: &Sample, threshold: f64) -> Part {
        one_sample(label, sample, threshold, Side::Greater)
    }

    /// The part "mean of `sample` < `threshold`" (one-sample t).
    pub fn below(label: impl Into<String>, sample: &Sample, threshold: f64) -> Part {
        one_sample(label, sample, threshold, Side::Less)
    }

    /// The part "mean of `a` > `k` × mean of `b`": paired t when the two hold the same seeds,
    /// else Welch.
    pub fn greater(label: impl Into<String>, a: &Sample, b: &Sample, k: f64) -> Part {
        let b = b.scaled(k);
        let label = label.into();
        let Some((d, kind)) = difference(a, &b, false) else {
            return one_seed(label, a, &b);
        };
        let spread = spread(a, &b, kind);
        let need = need_for(d.estimate, spread, a.n().min(b.n()), ALPHA);
        Part::new(
            label,
            Evidence::Tested {
                kind,
                n: a.n().min(b.n()),
                estimate: format!("Δ = {:+.4}", d.estimate),
                ci: d.ci(0.95),
                p_for: d.p_greater(0.0),
                p_against: d.p_less(0.0),
                effect: d.estimate,
                spread,
                need,
            },
        )
    }

    /// The part "|mean of `a` − mean of `b`| < `margin`" (TOST, paired or Welch).
    pub fn equivalent(label: impl Into<String>, a: &Sample, b: &Sample, margin: f64) -> Part {
        let label = label.into();
        let Some((d, kind)) = difference(a, b, true) else {
            return one_seed(label, a, b);
        };
        let spread = spread(a, b, kind);
        tost_part(
            label,
            d,
            kind,
            a.n().min(b.n()),
            margin,
            spread,
            format!("Δ = {:+.4}", d.estimate),
        )
    }

    /// The part "|mean of `sample` − `target`| < `margin`" (TOST on the one-sample t).
    pub fn near(label: impl Into<String>, sample: &Sample, target: f64, margin: f64) -> Part {
        let label = label.into();
        let vals = sample.values();
        let Some(d) = Difference::paired(&vals, &vec![target; vals.len()]) else {
            return one_seed(label, sample, &Sample::seeds(&[target]));
        };
        tost_part(
            label,
            d,
            TestKind::TostOneSample,
            sample.n(),
            margin,
            sample.var().sqrt(),
            format!("mean {:.4} − {}", sample.mean(), fmt_short(target)),
        )
    }

    /// The verdict of this part once judged: holds, fails, or undecided with its need.
    fn outcome(&self) -> Outcome {
        match (&self.evidence, self.adjusted) {
            (Evidence::Fact { holds: true }, _) => Outcome::Holds,
            (Evidence::Fact { holds: false }, _) => Outcome::Fails,
            (Evidence::OneSeed { .. }, _) => Outcome::Undecided(None),
            (Evidence::Tested { need, .. }, Some((pf, pa))) => {
                if pf < ALPHA {
                    Outcome::Holds
                } else if pa < ALPHA {
                    Outcome::Fails
                } else {
                    Outcome::Undecided(Some(*need))
                }
            }
            (Evidence::Tested { need, .. }, None) => Outcome::Undecided(Some(*need)),
        }
    }

    /// Whether the judged part holds.
    pub fn holds(&self) -> bool {
        self.outcome() == Outcome::Holds
    }

    /// Whether the judged part fails.
    pub fn fails(&self) -> bool {
        self.outcome() == Outcome::Fails
    }

    /// The evidence line: statement, test, estimate, interval, p-values, outcome.
    pub fn line(&self) -> String {
        let note = if self.note.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.note)
        };
        let outcome = match self.outcome() {
            Outcome::Holds => "holds".to_string(),
            Outcome::Fails => "fails".to_string(),
            Outcome::Undecided(Some(n)) => format!("undecided, {}", n.text()),
            Outcome::Undecided(None) => "undecided".to_string(),
        };
        match &self.evidence {
            Evidence::Fact { .. } => format!("{}{note}: {outcome}", self.label),
            Evidence::OneSeed { values } => format!(
                "{}{note}: {values}: one seed, no test possible: {outcome}",
                self.label
            ),
            Evidence::Tested {
                kind,
                n,
                estimate,
                ci,
                p_for,
                p_against,
                ..
            } => {
                let level = if kind.is_tost() { "90" } else { "95" };
                let (af, aa) = self.adjusted.unwrap_or((*p_for, *p_against));
                format!(
                    "{}{note}: {} (n = {n}): {estimate}, {level} % CI [{:.4}, {:.4}]; Holm over {} tests: p = {} (raw {}), against p = {}: {outcome}",
                    self.label,
                    kind.name(),
                    ci.0,
                    ci.1,
                    self.family.max(1),
                    fmt_p(af),
                    fmt_p(*p_for),
                    fmt_p(aa),
                )
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Holds,
    Fails,
    /// `None`: one seed.
    Undecided(Option<SeedsNeeded>),
}

#[derive(Clone, Copy)]
enum Side {
    Greater,
    Less,
}

fn one_sample(label: impl Into<String>, sample: &Sample, threshold: f64, side: Side) -> Part {
    let label = label.into();
    let vals = sample.values();
    let Some(d) = Difference::paired(&vals, &vec![threshold; vals.len()]) else {
        return one_seed(label, sample, &Sample::seeds(&[threshold]));
    };
    let (p_for, p_against) = match side {
        Side::Greater => (d.p_greater(0.0), d.p_less(0.0)),
        Side::Less => (d.p_less(0.0), d.p_greater(0.0)),
    };
    Part::new(
        label,
        Evidence::Tested {
            kind: TestKind::OneSample,
            n: sample.n(),
            estimate: format!("mean {:.4} − {}", sample.mean(), fmt_short(threshold)),
            ci: d.ci(0.95),
            p_for,
            p_against,
            effect: d.estimate,
            spread: sample.var().sqrt(),
            need: need_for(d.estimate, sample.var().sqrt(), sample.n(), ALPHA),
        },
    )
}

/// `a − b`, paired when the keys match (and `paired_ok`, always here), else Welch.
fn difference(a: &Sample, b: &Sample, tost: bool) -> Option<(Difference, TestKind)> {
    let (kp, kw) = if tost {
        (TestKind::TostPaired, TestKind::TostWelch)
    } else {
        (TestKind::Paired, TestKind::Welch)
    };
    if let Some((x, y)) = a.aligned(b)
        && let Some(d) = Difference::of(&x, &y, Pairing::Paired)
    {
        return Some((d, kp));
    }
    Difference::welch(&a.values(), &b.values()).map(|d| (d, kw))
}

/// One seed's contribution to the standard error (see `stats::seeds_needed`).
fn spread(a: &Sample, b: &Sample, kind: TestKind) -> f64 {
    match kind {
        TestKind::Paired | TestKind::TostPaired => match a.aligned(b) {
            Some((x, y)) => {
                let d: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p - q).collect();
                Sample::seeds(&d).var().sqrt()
            }
            None => (a.var() + b.var()).sqrt(),
        },
        _ => (a.var() + b.var()).sqrt(),
    }
}

fn tost_part(
    label: String,
    d: Difference,
    kind: TestKind,
    n: usize,
    margin: f64,
    spread: f64,
    estimate: String,
) -> Part {
    // Non-equivalence: the difference lies beyond one margin; two one-sided tests, so
    // twice the smaller p-value.
    let p_against = (2.0 * d.p_greater(margin).min(d.p_less(-margin))).min(1.0);
    Part::new(
        label,
        Evidence::Tested {
            kind,
            n,
            estimate: format!("{estimate}, margin ±{}", fmt_short(margin)),
            ci: d.ci(1.0 - 2.0 * ALPHA),
            p_for: d.tost(margin),
            p_against,
            effect: margin - d.estimate.abs(),
            spread,
            need: need_for(margin - d.estimate.abs(), spread, n, ALPHA),
        },
    )
}

fn one_seed(label: String, a: &Sample, b: &Sample) -> Part {
    let show = |s: &Sample| {
        s.values()
            .iter()
            .map(|v| format!("{v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Part::new(
        label,
        Evidence::OneSeed {
            values: format!("{} vs {}", show(a), show(b)),
        },
    )
}

/// Seeds needed for an effect with a spread at `level`, at least one more than there are.
fn need_for(effect: f64, spread: f64, n: usize, level: f64) -> SeedsNeeded {
    match seeds_needed(effect, spread, level, POWER, MAX_SEEDS) {
        Some(k) => SeedsNeeded::About(k.max(n + 1)),
        None => SeedsNeeded::MoreThan(MAX_SEEDS),
    }
}

/// Holm-adjusts the tested parts' p-values (over the claim's tests) and returns the claim's
/// verdict: not testable without parts, refuted when one fails, confirmed when all hold,
/// inconclusive otherwise.
pub fn judge(parts: &mut [Part]) -> Verdict {
    let tested: Vec<usize> = (0..parts.len())
        .filter(|&i| matches!(parts[i].evidence, Evidence::Tested { .. }))
        .collect();
    let m = tested.len();
    // Seeds needed at the level each test effectively runs at under the correction.
    let level = ALPHA / m.max(1) as f64;
    let (pf, pa): (Vec<f64>, Vec<f64>) = tested
        .iter()
        .map(|&i| match &parts[i].evidence {
            Evidence::Tested {
                p_for, p_against, ..
            } => (*p_for, *p_against),
            _ => (f64::NAN, f64::NAN),
        })
        .unzip();
    let (hf, ha) = (holm(&pf), holm(&pa));
    for (k, &i) in tested.iter().enumerate() {
        let part = &mut parts[i];
        part.adjusted = hf.get(k).copied().zip(ha.get(k).copied());
        part.family = m;
        if let Evidence::Tested {
            need,
            n,
            effect,
            spread,
            ..
        } = &mut part.evidence
        {
            *need = need_for(*effect, *spread, *n, level);
        }
    }
    verdict_of(parts)
}

/// The verdict of judged parts.
pub fn verdict_of(parts: &[Part]) -> Verdict {
    if parts.is_empty() {
        return Verdict::NotTestable;
    }
    let outcomes: Vec<Outcome> = parts.iter().map(Part::outcome).collect();
    if outcomes.contains(&Outcome::Fails) {
        return Verdict::Refuted;
    }
    let needs: Vec<Option<SeedsNeeded>> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Undecided(n) => Some(*n),
            _ => None,
        })
        .collect();
    if needs.is_empty() {
        Verdict::Confirmed
    } else {
        Verdict::Inconclusive(SeedsNeeded::combine(&needs))
    }
}

/// A p-value: `0.0032`, `3.2e-6`, `0 (no spread)`.
pub fn fmt_p(p: f64) -> String {
    if p == 0.0 {
        "0 (no spread)".to_string()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// A threshold or margin: `0.2`, `0.02`, `33`.
fn fmt_short(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The labels of the parts shown false, `; `-separated: what a Refuted summary names.
pub fn failing(parts: &[Part]) -> String {
    parts
        .iter()
        .filter(|p| p.fails())
        .map(|p| p.label.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The claim's summary prefix: how many parts hold, fail, are undecided, and the verdict's
/// reason.
pub fn tally(parts: &[Part]) -> String {
    let holds = parts.iter().filter(|p| p.holds()).count();
    let fails = parts.iter().filter(|p| p.fails()).count();
    let rest = parts.len() - holds - fails;
    format!(
        "{holds} of {} tests hold, {fails} fail, {rest} undecided at α = {ALPHA}",
        parts.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_difference_holds_and_its_opposite_fails() {
        let a = Sample::seeds(&[0.44, 0.45, 0.43, 0.44, 0.45]);
        let b = Sample::seeds(&[0.41, 0.40, 0.42, 0.41, 0.40]);
        let mut parts = vec![Part::greater("a > b", &a, &b, 1.0)];
        assert_eq!(judge(&mut parts), Verdict::Confirmed);
        assert!(
            parts[0].line().contains("paired t (n = 5)"),
            "{}",
            parts[0].line()
        );
        let mut parts = vec![Part::greater("b > a", &b, &a, 1.0)];
        assert_eq!(judge(&mut parts), Verdict::Refuted);
    }

    #[test]
    fn different_seeds_fall_back_to_welch() {
        let a = Sample::seeds(&[0.44, 0.45, 0.43]);
        let b = Sample(vec![
            ("7".into(), 0.41),
            ("8".into(), 0.40),
            ("9".into(), 0.42),
        ]);
        let p = Part::greater("a > b", &a, &b, 1.0);
        assert!(matches!(
            p.evidence,
            Evidence::Tested {
                kind: TestKind::Welch,
                ..
            }
        ));
    }

    #[test]
    fn noise_larger_than_the_effect_is_inconclusive_with_seeds_needed() {
        let a = Sample::seeds(&[0.40, 0.46, 0.42]);
        let b = Sample::seeds(&[0.43, 0.41, 0.42]);
        let mut parts = vec![Part::greater("a > b", &a, &b, 1.0)];
        let v = judge(&mut parts);
        let Verdict::Inconclusive(SeedsNeeded::About(n) | SeedsNeeded::MoreThan(n)) = v else {
            panic!("{v:?}");
        };
        assert!(n > 3, "{n}");
    }

    #[test]
    fn one_seed_is_never_confirmed() {
        let a = Sample::seeds(&[0.9]);
        let mut parts = vec![Part::above("learns", &a, 0.2)];
        assert_eq!(
            judge(&mut parts),
            Verdict::Inconclusive(SeedsNeeded::Unknown)
        );
        assert!(parts[0].line().contains("one seed"));
    }

    #[test]
    fn holm_runs_over_the_claims_tests() {
        // Alone significant at 0.05 (SciPy: ttest_1samp(a, 0.016, alternative="greater")
        // p = 0.0299561266813944), but not after Holm over three.
        let a = Sample::seeds(&[0.0, 0.1, 0.2, 0.3, 0.4]);
        let raw = Part::above("x", &a, 0.016);
        let Evidence::Tested { p_for, .. } = raw.evidence else {
            panic!("not tested");
        };
        assert!((p_for - 0.029_956_126_681_394_4).abs() < 1e-9, "{p_for}");
        let mut one = vec![raw.clone()];
        assert_eq!(judge(&mut one), Verdict::Confirmed);
        let mut three = vec![raw.clone(), raw.clone(), raw];
        assert!(matches!(judge(&mut three), Verdict::Inconclusive(_)));
        assert!(three[0].line().contains("Holm over 3 tests"));
    }

    #[test]
    fn tost_decides_both_ways() {
        let a = Sample::seeds(&[0.951, 0.952, 0.950, 0.953, 0.951]);
        let b = Sample::seeds(&[0.950, 0.951, 0.949, 0.952, 0.950]);
        let mut eq = vec![Part::equivalent("a ≈ b", &a, &b, 0.02)];
        assert_eq!(judge(&mut eq), Verdict::Confirmed);
        assert!(eq[0].line().contains("TOST (paired t)"));
        let far = Sample::seeds(&[0.851, 0.852, 0.850, 0.853, 0.851]);
        let mut ne = vec![Part::equivalent("a ≈ far", &a, &far, 0.02)];
        assert_eq!(judge(&mut ne), Verdict::Refuted);
    }

    #[test]
    fn needs_combine_to_the_largest_and_say_when_a_seed_is_alone() {
        use SeedsNeeded::*;
        assert_eq!(
            SeedsNeeded::combine(&[Some(About(4)), Some(About(9))]),
            About(9)
        );
        assert_eq!(SeedsNeeded::combine(&[Some(About(4)), None]), AtLeast(4));
        assert_eq!(SeedsNeeded::combine(&[None]), Unknown);
        assert_eq!(
            SeedsNeeded::combine(&[Some(About(4)), Some(MoreThan(100))]),
            MoreThan(100)
        );
    }

    #[test]
    fn facts_decide_without_a_test() {
        assert_eq!(judge(&mut [Part::fact("x", false)]), Verdict::Refuted);
        assert_eq!(judge(&mut [Part::fact("x", true)]), Verdict::Confirmed);
        assert_eq!(judge(&mut []), Verdict::NotTestable);
    }
}
