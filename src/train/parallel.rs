//! Threads inside a run: the batch's buffers ([`Part`]) and [`with_threads`], which gives a
//! run its own pool.
//!
//! A step is not cut into slices of the batch: the whole batch goes through the network
//! once, and the threads share each product's output tiles (see
//! [`matmul`](crate::nn::matmul::matmul)). Every element is then the same sum in the same
//! order on any number of threads, so a run gives the same bits on 1, 2 or 16 threads, and
//! its thread count may change between steps ([`Trainer::set_threads`](crate::train::Trainer::set_threads)).

#![warn(missing_docs)]

use crate::nn::error::{Result, config};
use crate::nn::loss::Loss;
use crate::nn::matmul::Threads;
use crate::nn::network::{Architecture, Network, Workspace};
use crate::nn::scalar::Scalar;
use crate::train::Samples;
use crate::train::evaluate::count_correct;

/// A training step's buffers: the batch's rows gathered, the buffers to take them through
/// the network, and their gradient.
pub(super) struct Part<T> {
    ws: Workspace<T>,
    /// The gradient of the batch's mean loss (penalty not included).
    pub(super) grad: Vec<T>,
    x: Vec<T>,
    y: Vec<T>,
}

impl<T: Scalar> Part<T> {
    /// Buffers for up to `rows` rows of `arch` whose products use `threads`, and a gradient
    /// of `n_params` values.
    pub(super) fn new(arch: &Architecture, rows: usize, n_params: usize, threads: Threads) -> Self {
        Part {
            ws: Workspace::new(arch, rows, threads),
            grad: vec![T::zero(); n_params],
            x: vec![T::zero(); rows * arch.inputs],
            y: vec![T::zero(); rows * arch.outputs()],
        }
    }

    /// Lets the products of later steps use `threads` (the bits do not change).
    pub(super) fn set_threads(&mut self, threads: Threads) {
        self.ws.set_threads(threads);
    }

    /// Forward and backward of `rows` of `train`, as part of a batch of `batch` rows, into
    /// `self.grad`; returns the loss summed over these rows and how many were classified right.
    pub(super) fn run(
        &mut self,
        net: &Network<T>,
        train: &Samples,
        rows: &[usize],
        batch: usize,
        loss: Loss,
    ) -> (f64, usize) {
        let (n, p, q) = (rows.len(), train.width, train.classes);
        let x = &mut self.x[..n * p];
        let y = &mut self.y[..n * q];
        y.fill(T::zero());
        for (i, &r) in rows.iter().enumerate() {
            for (d, &s) in x[i * p..(i + 1) * p]
                .iter_mut()
                .zip(&train.x[r * p..(r + 1) * p])
            {
                *d = T::of(s as f64);
            }
            y[i * q + train.labels[r] as usize] = T::one();
        }
        let out = net.forward(x, n, &mut self.ws);
        let loss_sum = loss.total(y, out, q);
        let correct = count_correct(out, rows.iter().map(|&r| train.labels[r]), q);
        net.backward_rows(x, y, n, batch, loss, None, &mut self.ws, &mut self.grad);
        (loss_sum, correct)
    }
}

/// Runs `f` on a pool of exactly `threads` threads (or on the calling thread when ≤ 1).
/// Fails with [`Error::Config`](crate::nn::error::Error::Config) when the pool cannot be started.
///
/// ```
/// use mlplab::train::with_threads;
/// assert_eq!(with_threads(2, rayon::current_num_threads).unwrap(), 2);
/// assert_eq!(with_threads(1, || 40 + 2).unwrap(), 42);
/// ```
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    if threads <= 1 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| config(format!("cannot start {threads} threads: {e}")))?;
    Ok(pool.install(f))
}
