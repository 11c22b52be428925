//! The original report's six claims (SPEC §7), each checked against the study's data:
//! confirmed, refuted or not testable here, with the numbers behind the verdict.
//!
//! One file per claim, each in three steps: `measure` pulls the numbers the claim needs
//! from the sections into a small plain struct, `judge` turns that struct into the verdict
//! (a pure function; the rule's thresholds are named constants, re-exported here and
//! printed by the report next to the verdict), and `describe` writes the summary and the
//! evidence lines. `common.rs` is the only door to the grid's sections and runs.
//!
//! Claims are checked on each dataset's *primary* section: the MSE one when there is one
//! (the original's loss), otherwise the one with most runs. Claims about CIFAR-10 are
//! checked on whichever CIFAR-10 variant the study ran, and the verdict names it. Only runs
//! with status `done` count; a configuration with several learning rates is represented by
//! its best (highest mean final CV accuracy), and the verdict says so.
//!
//! | file | claim |
//! |---|---|
//! | `claim1.rs` | U[−1,1] never learns, except Adam λ = 3 on CIFAR-10 from epoch ~33 |
//! | `claim2.rs` | He uniform always learns |
//! | `claim3.rs` | CIFAR-10 ranking SGD > Momentum > RMSProp ≈ Adam |
//! | `claim4.rs` | MNIST/Fashion-MNIST: adaptive fastest early, equal by epoch ~5, still improving |
//! | `claim5.rs` | RMSProp spikes |
//! | `claim6.rs` | λ does not move the generalization gap |

mod check;
mod claim1;
mod claim2;
mod claim3;
mod claim4;
mod claim5;
mod claim6;
mod common;
mod inference;

pub use check::{CLAIMS, ClaimCheck, Verdict, check_claims};
pub use claim1::{ONSET_EPOCH, ONSET_TOLERANCE};
pub use claim3::APPROX_EQ_ACC;
pub use claim4::{EARLY_EPOCH, EQUAL_BY_EPOCH, EQUAL_SPREAD, IMPROVING_REL, IMPROVING_WINDOW};
pub use claim5::{ACC_DROP, SPIKE_FACTOR, SPIKE_MIN_RATE, SPIKE_RATIO, SPIKE_WINDOW};
pub use claim6::GAP_TOL;
pub use common::LEARN_FACTOR;
pub use inference::{ALPHA, MAX_SEEDS, POWER, SeedsNeeded};
