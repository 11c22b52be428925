//! The engine: the mathematics of SPEC §1–§6, one concept per file.
//!
//! | module | what | SPEC |
//! |---|---|---|
//! | [`scalar`] | the number type (f32 or f64) the engine is generic over | — |
//! | [`rng`] | the one seeded generator (ChaCha) and its derived streams | — |
//! | [`matmul`] | the GEMM kernel and its naive reference, over shape-carrying operands | §1, §4 |
//! | [`dense`] | a dense layer as a forward/backward pair (`Z = A·W + b`; `dW`, `db`, `dA`) | §1, §4 |
//! | [`activation`] | g(Z) and its vector–Jacobian product | §2 |
//! | [`loss`] | MSE, BCE, CCE and the fused output gradients | §3 |
//! | [`regularization`] | L2 / L1 penalties and their gradients (the one place each is computed) | §3, §4 |
//! | [`init`] | uniform, He, Glorot | §6 |
//! | [`network`] | the layers chained: forward pass, back-propagation, the parameter block | §1, §4 |
//! | [`optim`] | SGD, Momentum, RMSProp, Adam | §5 |
//! | [`bayes`] | Bayes by Backprop: a Gaussian posterior over every weight, its ELBO and gradients | docs/mathematics.md §10c |
//! | [`lbfgs`] | L-BFGS: two-loop recursion, strong-Wolfe line search, restarts | docs/mathematics.md |
//! | [`owlqn`] | OWL-QN (L1): pseudo-gradient, orthant projections, backtracking search | docs/mathematics.md |
//! | [`error`] | the engine's error type | — |
//!
//! Nothing here knows of files, studies or reports: this layer imports only itself.

pub mod activation;
pub mod bayes;
pub mod dense;
pub mod error;
pub mod init;
pub mod lbfgs;
pub mod loss;
pub mod matmul;
pub mod network;
pub mod optim;
pub mod owlqn;
pub mod regularization;
pub mod rng;
pub mod scalar;
