//! mlplab: multilayer perceptrons trained by hand-written back-propagation, and the
//! ablation studies (optimizer × initialization × regularization × dataset) run on them.
//!
//! The mathematics is specified in `SPEC.md` (shipped with the project's shared folder);
//! each module documents the section it implements.
//!
//! The folders are the layers, lowest first; each imports only from the ones above it in
//! this list (see `docs/architecture.md`):
//!
//! | layer | what | SPEC |
//! |---|---|---|
//! | [`stats`] | summaries, t intervals, Welch/paired t-tests, TOST, Holm, seeds needed | — |
//! | [`nn`] | the engine: activations, losses, penalties, init, network, optimizers, GEMM | §1–§6 |
//! | [`train`] | the mini-batch loop, evaluation, norms, divergence | §4, §7 |
//! | [`data`] | datasets: files, downloads, splits, standardization | §7 |
//! | [`experiment`] | experiment files, settings, grids, run keys, presets | §7 |
//! | [`store`] | the SQLite results store, its reader, export, merge; safetensors weights | — |
//! | [`runner`] | executes runs: jobs, shards, progress, resuming | §7 |
//! | [`report`] | tables, figures, claims from a study's store | §7 |
//! | [`study`] | orchestration: `reproduce` (presets → sweeps → report), `bench` | §10 |
//!
//! Cargo features (all on by default, through `cli`): `store` adds [`store`] (SQLite,
//! safetensors), `runner` adds [`runner`], `report` adds [`report`] and [`study`] (plotting),
//! `download` adds dataset downloads (HTTPS), `cli` the `mlplab` binary. With
//! `default-features = false` the library is the first five layers, without any of them.

pub mod data;
pub mod experiment;
pub mod nn;
#[cfg(feature = "report")]
pub mod report;
#[cfg(feature = "runner")]
pub mod runner;
pub mod stats;
#[cfg(feature = "store")]
pub mod store;
#[cfg(feature = "report")]
pub mod study;
pub mod train;

/// The git commit this build was made from (`git rev-parse --short=12 HEAD`), followed by
/// `-dirty` when its sources (`src/`, `assets/`, `experiments/`, `scripts/`, `build.rs`,
/// `Cargo.toml`, `Cargo.lock`) had uncommitted changes, or "unknown" when built without git.
/// Recorded with every run (`runs.git_commit`).
pub const GIT_COMMIT: &str = env!("MLPLAB_GIT_COMMIT");

/// What `mlplab --version` shows after the name: the crate version and [`GIT_COMMIT`].
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MLPLAB_GIT_COMMIT"),
    ")"
);

pub use nn::activation::Activation;
pub use nn::error::{Error, Result};
pub use nn::init::Init;
pub use nn::loss::Loss;
pub use nn::network::{Architecture, LayerSpec, Network};
pub use nn::optim::{OptimizerConfig, OptimizerKind};
pub use nn::regularization::Regularization;
pub use train::{Samples, TrainConfig, fit};
