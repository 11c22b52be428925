//! The training loop: seeded shuffling, mini-batches, per-batch cost, per-epoch evaluation
//! in large batches, per-layer norms, and a stop on divergence.
//!
//! Every buffer a step needs is sized once in [`Trainer::new`]; [`Trainer::step`] allocates
//! nothing.
//!
//! One step is SPEC §4 followed by one update of SPEC §5: forward on the batch, cost
//! `J = (1/n) Σ L + penalty` (SPEC §3) on the parameters *before* the update, backward, then
//! the optimizer. The cost is checked for NaN/∞ before the update, so a diverged run stops
//! with the parameters that produced the bad cost
//! ([`Error::Diverged`](crate::nn::error::Error::Diverged)).
//!
//! | file | what |
//! |---|---|
//! | `samples.rs` | [`Samples`]: the labelled set as the trainer sees it, checked |
//! | `config.rs` | [`TrainConfig`]: how to train, every default once |
//! | `records.rs` | [`Metrics`], [`BatchRecord`], [`EpochRecord`], [`Observer`] |
//! | `trainer.rs` | [`Trainer`] and [`Trainer::step`], one mini-batch step (SPEC §3–§5) |
//! | `parallel.rs` | a step's batch buffers, threads inside a run, [`with_threads`] |
//! | `evaluate.rs` | [`Trainer::evaluate`] on a whole set, [`argmax`] |
//! | `epochs.rs` | the epoch loop [`Trainer::fit`] and [`fit`] |
//! | `bayes.rs` | the epoch loop of a variational run, [`fit_bayes`] (Bayes by Backprop) |
//! | `quasi_newton.rs` | `optimizer.kind = "lbfgs"`: [`Objective`] (J, ∇J in row blocks), full batch and held mini-batches, the budget in data passes, [`IterationRecord`] |

#![warn(missing_docs)]

mod bayes;
mod config;
mod epochs;
mod evaluate;
mod parallel;
mod quasi_newton;
mod records;
mod samples;
mod trainer;

pub use bayes::{BayesFit, Predictions, fit_bayes};
pub use config::{THREADS_CAP, TrainConfig, available_memory, cores, max_threads};
pub use epochs::{fit, fit_with};
pub use evaluate::argmax;
pub use parallel::with_threads;
pub use quasi_newton::{IterationRecord, Objective};
pub use records::{BatchRecord, EpochRecord, Metrics, Observer};
pub use samples::Samples;
pub use trainer::Trainer;
