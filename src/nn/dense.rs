//! A dense (fully connected) layer as a forward/backward pair, in the style of llm.c's
//! `matmul_forward` / `matmul_backward`: plain functions over row-major slices, the shape of
//! every argument in the doc, the activation left to [`crate::nn::activation`].
//!
//! Forward (SPEC §1), for a batch of n rows:
//!
//! ```text
//! Z = A_prev · W + 1·b          A_prev: n×p, W: p×q, b: 1×q, Z: n×q
//! ```
//!
//! Backward (SPEC §4), given `dZ = ∂J/∂Z`:
//!
//! ```text
//! dW = A_prevᵀ · dZ             p×q
//! db = 1ᵀ · dZ (column sums)    1×q
//! dA_prev = dZ · Wᵀ             n×p
//! ```
//!
//! The penalty's share of `dW` (SPEC §4, `(λ/N) W`) is not added here: it is added once, to
//! the whole gradient, by [`crate::nn::regularization::Regularization::add_gradient_over`].
//!
//! [`dense_forward`] and [`dense_backward`] go through the GEMM kernel;
//! [`dense_forward_naive`] and [`dense_backward_naive`] are the same formulas as plain loops,
//! kept as the reference the tests compare against.
//!
//! Against PyTorch: `nn.Linear` stores its weight q×p and computes `x · Wᵀ + b`; here `W` is
//! stored p×q and used untransposed.

#![warn(missing_docs)]

use crate::nn::matmul::{MatMut, MatRef, Threads, matmul, matmul_naive};
use crate::nn::scalar::Scalar;

/// The shape of one dense layer on one batch: n rows, p inputs, q outputs, and the threads
/// its products may use.
///
/// ```
/// use mlplab::nn::{dense::Dense, matmul::Threads};
/// let d = Dense { rows: 100, inputs: 784, outputs: 128, threads: Threads::One };
/// assert_eq!(d.rows * d.outputs, 12_800); // the size of Z
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dense {
    /// Batch rows n.
    pub rows: usize,
    /// Fan-in p.
    pub inputs: usize,
    /// Fan-out q.
    pub outputs: usize,
    /// Threads for the products.
    pub threads: Threads,
}

/// `Z = A_prev · W + 1·b` (SPEC §1).
///
/// Shapes (`d` = n, p, q): `z`: n×q (written), `a_prev`: n×p, `w`: p×q, `b`: 1×q. A slice
/// of another length panics (a caller's contract, see [`MatRef::new`]).
///
/// ```
/// use mlplab::nn::{dense::{dense_forward, Dense}, matmul::Threads};
/// let d = Dense { rows: 2, inputs: 2, outputs: 1, threads: Threads::One };
/// let mut z = [0.0f64; 2];
/// // rows (1, 2) and (3, 4); W = (1, −1)ᵀ; b = 0.5
/// dense_forward(&mut z, &[1.0, 2.0, 3.0, 4.0], &[1.0, -1.0], &[0.5], d);
/// assert_eq!(z, [-0.5, -0.5]);
/// ```
pub fn dense_forward<T: Scalar>(z: &mut [T], a_prev: &[T], w: &[T], b: &[T], d: Dense) {
    let Dense {
        rows: n,
        inputs: p,
        outputs: q,
        threads,
    } = d;
    // Z = A_prev · W
    matmul(
        MatMut::new(z, n, q),
        MatRef::new(a_prev, n, p),
        MatRef::new(w, p, q),
        false,
        threads,
    );
    add_bias(z, b, q);
}

/// `dW = A_prevᵀ · dZ`, `db = 1ᵀ · dZ` and, when asked, `dA_prev = dZ · Wᵀ` (SPEC §4).
/// Gradients are written, not accumulated.
///
/// Shapes (`d` = n, p, q): `dw`: p×q, `db`: 1×q, `da_prev`: n×p (all written), `dz`: n×q,
/// `a_prev`: n×p, `w`: p×q. Pass `da_prev = None` for the first layer, whose input needs no
/// gradient. A slice of another length panics (a caller's contract).
///
/// ```
/// use mlplab::nn::{dense::{dense_backward, Dense}, matmul::Threads};
/// let d = Dense { rows: 2, inputs: 2, outputs: 1, threads: Threads::One };
/// let (mut dw, mut db, mut da) = ([0.0f64; 2], [0.0], [0.0; 4]);
/// let (a_prev, w, dz) = ([1.0, 2.0, 3.0, 4.0], [1.0, -1.0], [1.0, 0.5]);
/// dense_backward(&mut dw, &mut db, Some(&mut da), &dz, &a_prev, &w, d);
/// assert_eq!(dw, [2.5, 4.0]); // (1·1 + 3·0.5, 2·1 + 4·0.5)
/// assert_eq!(db, [1.5]);
/// assert_eq!(da, [1.0, -1.0, 0.5, -0.5]);
/// ```
pub fn dense_backward<T: Scalar>(
    dw: &mut [T],
    db: &mut [T],
    da_prev: Option<&mut [T]>,
    dz: &[T],
    a_prev: &[T],
    w: &[T],
    d: Dense,
) {
    let Dense {
        rows: n,
        inputs: p,
        outputs: q,
        threads,
    } = d;
    let dz_m = MatRef::new(dz, n, q);
    // dW = A_prevᵀ · dZ
    matmul(
        MatMut::new(dw, p, q),
        MatRef::new(a_prev, n, p).t(),
        dz_m,
        false,
        threads,
    );
    column_sums(db, dz, q);
    if let Some(da_prev) = da_prev {
        // dA_prev = dZ · Wᵀ
        matmul(
            MatMut::new(da_prev, n, p),
            dz_m,
            MatRef::new(w, p, q).t(),
            false,
            threads,
        );
    }
}

/// [`dense_forward`] with the naive triple-loop product: the reference.
///
/// ```
/// use mlplab::nn::dense::{dense_forward, dense_forward_naive, Dense};
/// use mlplab::nn::matmul::Threads;
/// let d = Dense { rows: 2, inputs: 3, outputs: 2, threads: Threads::One };
/// let a = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
/// let (w, b) = ([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], [0.5, -0.5]); // 3×2, 1×2
/// let (mut fast, mut slow) = ([0.0; 4], [0.0; 4]);
/// dense_forward(&mut fast, &a, &w, &b, d);
/// dense_forward_naive(&mut slow, &a, &w, &b, d);
/// assert_eq!(fast, slow);
/// ```
pub fn dense_forward_naive<T: Scalar>(z: &mut [T], a_prev: &[T], w: &[T], b: &[T], d: Dense) {
    let (n, p, q) = (d.rows, d.inputs, d.outputs);
    matmul_naive(
        MatMut::new(z, n, q),
        MatRef::new(a_prev, n, p),
        MatRef::new(w, p, q),
        false,
    );
    add_bias(z, b, q);
}

/// [`dense_backward`] with the naive triple-loop products: the reference.
///
/// ```
/// use mlplab::nn::dense::{dense_backward_naive, Dense};
/// use mlplab::nn::matmul::Threads;
/// let d = Dense { rows: 1, inputs: 1, outputs: 1, threads: Threads::One };
/// let (mut dw, mut db) = ([0.0f64], [0.0]);
/// dense_backward_naive(&mut dw, &mut db, None, &[2.0], &[3.0], &[5.0], d);
/// assert_eq!((dw, db), ([6.0], [2.0]));
/// ```
pub fn dense_backward_naive<T: Scalar>(
    dw: &mut [T],
    db: &mut [T],
    da_prev: Option<&mut [T]>,
    dz: &[T],
    a_prev: &[T],
    w: &[T],
    d: Dense,
) {
    let (n, p, q) = (d.rows, d.inputs, d.outputs);
    let dz_m = MatRef::new(dz, n, q);
    matmul_naive(
        MatMut::new(dw, p, q),
        MatRef::new(a_prev, n, p).t(),
        dz_m,
        false,
    );
    column_sums(db, dz, q);
    if let Some(da_prev) = da_prev {
        matmul_naive(
            MatMut::new(da_prev, n, p),
            dz_m,
            MatRef::new(w, p, q).t(),
            false,
        );
    }
}

/// `Z += 1·b`: `b` (1×q) added to every row of `z` (n×q).
fn add_bias<T: Scalar>(z: &mut [T], b: &[T], q: usize) {
    assert_eq!(b.len(), q, "bias shape");
    for row in z.chunks_exact_mut(q) {
        for (z, &b) in row.iter_mut().zip(b) {
            *z += b;
        }
    }
}

/// `db = 1ᵀ · dZ`: the column sums of `dz` (n×q) into `db` (1×q), rows added in order.
fn column_sums<T: Scalar>(db: &mut [T], dz: &[T], q: usize) {
    assert_eq!(db.len(), q, "bias gradient shape");
    db.fill(T::zero());
    for row in dz.chunks_exact(q) {
        for (g, &d) in db.iter_mut().zip(row) {
            *g += d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rng::Rng;

    fn random(len: usize, rng: &mut Rng) -> Vec<f64> {
        (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn fast_pair_matches_the_naive_pair() {
        let mut rng = Rng::new(21);
        // Large enough that gemm shares the products' tiles among a pool of 3 threads.
        let (n, p, q) = (67, 90, 45);
        for threads in [Threads::One, Threads::Pool] {
            let d = Dense {
                rows: n,
                inputs: p,
                outputs: q,
                threads,
            };
            let (a, w, b, dz) = (
                random(n * p, &mut rng),
                random(p * q, &mut rng),
                random(q, &mut rng),
                random(n * q, &mut rng),
            );
            let (mut z, mut z_ref) = (vec![0.0; n * q], vec![0.0; n * q]);
            crate::train::with_threads(3, || dense_forward(&mut z, &a, &w, &b, d)).unwrap();
            dense_forward_naive(&mut z_ref, &a, &w, &b, d);
            assert!(max_diff(&z, &z_ref) < 1e-12, "{threads:?} Z");

            let mut fast = (vec![0.0; p * q], vec![0.0; q], vec![0.0; n * p]);
            let mut slow = fast.clone();
            crate::train::with_threads(3, || {
                let (dw, db, da) = &mut fast;
                dense_backward(dw, db, Some(da), &dz, &a, &w, d)
            })
            .unwrap();
            let (dw, db, da) = &mut slow;
            dense_backward_naive(dw, db, Some(da), &dz, &a, &w, d);
            assert!(max_diff(&fast.0, &slow.0) < 1e-12, "{threads:?} dW");
            assert!(max_diff(&fast.1, &slow.1) == 0.0, "{threads:?} db");
            assert!(max_diff(&fast.2, &slow.2) < 1e-12, "{threads:?} dA");
        }
    }

    #[test]
    fn backward_is_the_derivative_of_forward() {
        // J = Σ G ⊙ Z for a fixed G, so dZ = G; check dW, db, dA by central differences.
        let mut rng = Rng::new(5);
        let (n, p, q) = (3, 4, 2);
        let d = Dense {
            rows: n,
            inputs: p,
            outputs: q,
            threads: Threads::One,
        };
        let (a, w, b, g) = (
            random(n * p, &mut rng),
            random(p * q, &mut rng),
            random(q, &mut rng),
            random(n * q, &mut rng),
        );
        let j = |a: &[f64], w: &[f64], b: &[f64]| {
            let mut z = vec![0.0; n * q];
            dense_forward_naive(&mut z, a, w, b, d);
            z.iter().zip(&g).map(|(z, g)| z * g).sum::<f64>()
        };
        let (mut dw, mut db, mut da) = (vec![0.0; p * q], vec![0.0; q], vec![0.0; n * p]);
        dense_backward(&mut dw, &mut db, Some(&mut da), &g, &a, &w, d);
        let h = 1e-6;
        let fd = |v: &[f64], i: usize, f: &dyn Fn(&[f64]) -> f64| {
            let (mut up, mut down) = (v.to_vec(), v.to_vec());
            up[i] += h;
            down[i] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        };
        for (i, g) in dw.iter().enumerate() {
            assert!((fd(&w, i, &|w| j(&a, w, &b)) - g).abs() < 1e-8, "dW[{i}]");
        }
        for (i, g) in db.iter().enumerate() {
            assert!((fd(&b, i, &|b| j(&a, &w, b)) - g).abs() < 1e-8, "db[{i}]");
        }
        for (i, g) in da.iter().enumerate() {
            assert!((fd(&a, i, &|a| j(a, &w, &b)) - g).abs() < 1e-8, "dA[{i}]");
        }
    }
}
