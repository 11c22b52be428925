//! mlplab: multilayer perceptrons trained by hand-written back-propagation, and the
//! ablation studies (optimizer × initialization × regularization × dataset) run on them.
//!
//! The mathematics is specified in `SPEC.md` (shipped with the project's shared folder);
//! each module documents the section it implements.

pub mod data;
pub mod report;
