//! Orchestration: the jobs that combine the layers below — `reproduce` (presets → sweeps →
//! report), `tune` (learning rates by successive halving) and `bench` (the engine timed
//! against a GEMM and PyTorch).

pub mod bench;
mod reproduce;
pub mod tune;

pub use reproduce::{
    ReproduceOptions, ReproducePlan, ReproduceSummary, Skipped, plan_reproduce, reproduce,
};
