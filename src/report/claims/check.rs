//! A claim's verdict and the record the report prints for it; [`check_claims`] runs the six.

use super::common::primary_sections;
use super::inference::SeedsNeeded;
use super::{claim1, claim2, claim3, claim4, claim5, claim6};
use crate::report::grid::Section;

/// A claim's verdict: every test of the claim at α = [`ALPHA`](super::ALPHA) after Holm's
/// correction over the claim's tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every test of the claim is significant in the claim's direction.
    Confirmed,
    /// At least one test is significant against the claim (or all runs of a configuration
    /// the claim needs broke).
    Refuted,
    /// The data cannot decide at α: with the number of seeds per configuration a decisive
    /// answer would need, from the observed spread.
    Inconclusive(SeedsNeeded),
    /// The study has no data for it (dataset, init, optimizer or curves missing).
    NotTestable,
}

impl Verdict {
    /// The word printed in the report.
    ///
    /// ```
    /// use mlplab::report::Verdict;
    /// assert_eq!(Verdict::NotTestable.as_str(), "Not testable here");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "Confirmed",
            Verdict::Refuted => "Refuted",
            Verdict::Inconclusive(_) => "Inconclusive",
            Verdict::NotTestable => "Not testable here",
        }
    }

    /// The word with the seeds needed beside an inconclusive verdict.
    ///
    /// ```
    /// use mlplab::report::{SeedsNeeded, Verdict};
    /// assert_eq!(
    ///     Verdict::Inconclusive(SeedsNeeded::About(12)).label(),
    ///     "Inconclusive (≈ 12 seeds needed)"
    /// );
    /// assert_eq!(Verdict::Confirmed.label(), "Confirmed");
    /// ```
    pub fn label(self) -> String {
        match self {
            Verdict::Inconclusive(need) => format!("Inconclusive ({})", need.text()),
            v => v.as_str().to_string(),
        }
    }
}

/// One claim checked against the data.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimCheck {
    /// 1–6, as numbered in SPEC §7.
    pub number: u8,
    /// The claim as the original makes it.
    pub claim: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// One-line reason, with the deciding number.
    pub summary: String,
    /// The numbers behind it, one line each.
    pub evidence: Vec<String>,
    /// The rule applied (thresholds).
    pub rule: String,
}

/// The six claims, verbatim from SPEC §7.
pub const CLAIMS: [&str; 6] = [
    "With U[−1,1] no optimizer/λ makes real progress, except Adam with λ = 3 on CIFAR-10, which starts learning around epoch 33.",
    "With He uniform every combination learns.",
    "On CIFAR-10, SGD ends best, then Momentum, then RMSProp ≈ Adam.",
    "On MNIST and Fashion-MNIST, RMSProp and Adam converge fastest early; by epoch ~3–5 all are about equal; curves still improve at epoch 20.",
    "RMSProp shows large periodic spikes in cost and accuracy.",
    "λ ∈ {0,…,3} makes no visible difference to the generalization gap.",
];

impl ClaimCheck {
    /// The record of claim `number` (1–6), with the claim's text from [`CLAIMS`].
    pub(super) fn new(
        number: u8,
        verdict: Verdict,
        summary: String,
        evidence: Vec<String>,
        rule: String,
    ) -> ClaimCheck {
        ClaimCheck {
            number,
            claim: CLAIMS[usize::from(number.clamp(1, 6)) - 1],
            verdict,
            summary,
            evidence,
            rule,
        }
    }
}

/// Checks all six claims on the given sections (each on the datasets' primary sections).
pub fn check_claims(sections: &[Section]) -> Vec<ClaimCheck> {
    let primary = primary_sections(sections);
    vec![
        claim1::check(&primary),
        claim2::check(&primary),
        claim3::check(&primary),
        claim4::check(&primary),
        claim5::check(&primary),
        claim6::check(&primary),
    ]
}
