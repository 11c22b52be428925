//! Statistics over seeds: summaries with Student-t intervals, Welch and paired t-tests,
//! equivalence by two one-sided tests (TOST), Holm's correction, and the number of seeds a
//! decisive answer would need.
//!
//! The lowest layer with the engine: it imports nothing from the crate. Distribution functions
//! come from `statrs`; nothing here writes a special function by hand. The formulas are in
//! docs/statistics.md.
//!
//! | file | what |
//! |---|---|
//! | `summary.rs` | [`Summary`]: n, mean, sample standard deviation, t confidence interval |
//! | `difference.rs` | [`Difference`]: a mean difference with its standard error and degrees of freedom (Welch or paired), its one-sided and two-sided p-values, TOST, interval |
//! | `multiple.rs` | [`holm`]: Holm–Bonferroni adjusted p-values |
//! | `power.rs` | [`seeds_needed`]: seeds per configuration for a decisive test |
//! | `calibration.rs` | [`Calibration`]: accuracy, NLL, Brier, ECE/MCE (15 bins), predictive entropy; [`reliability`] diagrams; [`auroc`] (Mann–Whitney, ties halved) |

#![warn(missing_docs)]

mod calibration;
mod difference;
mod multiple;
mod power;
mod summary;

pub use calibration::{
    CALIBRATION_BINS, Calibration, ReliabilityBin, auroc, brier, confidence_and_correct, ece,
    entropies, entropy, mce, nll, reliability,
};
pub use difference::{Difference, Pairing};
pub use multiple::holm;
pub use power::seeds_needed;
pub use summary::{Summary, t_quantile};
