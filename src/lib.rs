//! mlplab: multilayer perceptrons trained by hand-written back-propagation, and the
//! ablation studies (optimizer × initialization × regularization × dataset) run on them.
//!
//! The mathematics is specified in `SPEC.md` (shipped with the project's shared folder);
//! each module documents the section it implements:
//!
//! | module | what | SPEC |
//! |---|---|---|
//! | [`activation`] | g(Z) and its vector–Jacobian product | §2 |
//! | [`loss`] | MSE, BCE, CCE and fused gradients | §3 |
//! | [`regularization`] | L2 / L1 penalties | §3 |
//! | [`network`] | forward pass, back-propagation | §1, §4 |
//! | [`optim`] | SGD, Momentum, RMSProp, Adam | §5 |
//! | [`init`] | uniform, He, Glorot | §6 |
//! | [`train`] | mini-batch loop, evaluation | §7 |
//! | [`matmul`] | the GEMM kernel and its reference | — |
//! | [`runner`] | sweeps: jobs, shards, progress, resuming, reproduce | §7 |
//! | [`checkpoint`] | safetensors weights (PyTorch layout) | — |
//! | [`store`] | the SQLite results store, export, merge | — |
//! | [`experiment`] | experiment files, grids, run keys, presets | §7 |

pub mod activation;
pub mod bench;
pub mod checkpoint;
pub mod data;
pub mod error;
pub mod experiment;
pub mod init;
pub mod loss;
pub mod matmul;
pub mod network;
pub mod optim;
pub mod regularization;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scalar;
pub mod store;
pub mod train;

/// The git commit this build was made from (`git rev-parse --short HEAD`), or "unknown".
pub const GIT_COMMIT: &str = env!("MLPLAB_GIT_COMMIT");

pub use activation::Activation;
pub use error::{Error, Result};
pub use init::Init;
pub use loss::Loss;
pub use network::{Architecture, LayerSpec, Network};
pub use optim::{OptimizerConfig, OptimizerKind};
pub use regularization::Regularization;
pub use train::{Samples, TrainConfig, fit};
