//! `mlplab tune`: a learning-rate search by successive halving (Jamieson & Talwalkar 2016;
//! the rung schedule of Hyperband and ASHA). For each (dataset, optimizer, init, loss) of an
//! experiment, log-spaced candidate rates train with several seeds for a fraction of the
//! epoch budget; the best third go on to the next rung, until the last rung trains the whole
//! budget. Every trial is an ordinary run in the study's store, so a killed tune resumes and
//! `mlplab runs` / `report` read it. docs/tuning.md says how to read the output.
//!
//! | file | what |
//! |---|---|
//! | `grid.rs` | the rate ranges, the candidates, the rungs' epochs and how many each keeps |
//! | `select.rs` | the [`Metric`] and the ranking rule ([`rank`]) |
//! | `search.rs` | [`tune()`]: groups, rungs, trials as runs, the evidence |
//! | `results.rs` | [`LearningRates`] (`learning-rates.toml`) and the preset copy ([`preset_copy`]) |
//! | `docs.rs` | docs/learning-rates.md from one or more results ([`learning_rates_doc`]) |

mod docs;
mod grid;
mod results;
mod search;
mod select;

pub use docs::learning_rates_doc;
pub use grid::{Range, RangeArg, candidates, default_range, kept, rung_epochs};
pub use results::{
    CandidateResult, GroupResult, LearningRates, Protocol, RESULTS_FILE, RungResult, preset_copy,
};
pub use search::{TuneOptions, TuneOutcome, tune};
pub use select::{Metric, Score, rank};

use crate::runner::RunnerError;
use crate::store::StoreError;

/// Why a tune could not run or write its results.
#[derive(Debug, thiserror::Error)]
pub enum TuneError {
    /// An option or the experiment does not allow a search; the message says what is valid.
    #[error("{0}")]
    Invalid(String),
    /// A sweep of trials could not run.
    #[error(transparent)]
    Runner(#[from] RunnerError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}
