//! Orchestration: the jobs that combine the layers below — `reproduce` (presets → sweeps →
//! report) and `bench` (the engine timed against a GEMM and PyTorch).

pub mod bench;
mod reproduce;

pub use reproduce::{
    ReproduceOptions, ReproducePlan, ReproduceSummary, Skipped, plan_reproduce, reproduce,
};
