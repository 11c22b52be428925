//! A claim's verdict and the record the report prints for it; [`check_claims`] runs the six.

use super::common::primary_sections;
use super::{claim1, claim2, claim3, claim4, claim5, claim6};
use crate::report::grid::Section;

/// A claim's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The data agree with the claim under the stated rule.
    Confirmed,
    /// The data contradict (part of) the claim.
    Refuted,
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
            Verdict::NotTestable => "Not testable here",
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
