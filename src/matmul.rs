//! Matrix products, the hot kernel. All matrices are row-major slices.
//!
//! [`matmul`] calls the `gemm` crate (AVX-512 / AVX2 / SSE kernels picked at run time);
//! [`matmul_naive`] is the plain triple loop kept beside it as the reference the tests compare
//! against.

use crate::scalar::Scalar;

/// Whether an operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    N,
    /// Use its transpose.
    T,
}

/// How many threads a product may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only.
    One,
    /// The threads of the current rayon pool.
    Pool,
}

/// `C = op(A)·op(B)` (or `C += op(A)·op(B)` when `accumulate`).
///
/// Shapes: `op(A)` is m×k, `op(B)` is k×n, `C` is m×n. `a` holds A as stored: m×k for
/// [`Op::N`], k×m for [`Op::T`]; likewise `b`. Shapes are the caller's contract (checked in
/// debug builds); the network sizes every buffer once from validated layer widths.
///
/// ```
/// use mlplab::matmul::{matmul, Op, Threads};
/// let a = [1.0f32, 2.0, 3.0, 4.0]; // 2×2
/// let b = [1.0f32, 0.0, 0.0, 1.0];
/// let mut c = [0.0f32; 4];
/// matmul(&mut c, &a, Op::N, &b, Op::T, 2, 2, 2, false, Threads::One);
/// assert_eq!(c, a);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn matmul<T: Scalar>(
    c: &mut [T],
    a: &[T],
    op_a: Op,
    b: &[T],
    op_b: Op,
    m: usize,
    n: usize,
    k: usize,
    accumulate: bool,
    threads: Threads,
) {
    assert!(
        c.len() >= m * n && a.len() >= m * k && b.len() >= k * n,
        "matmul shapes"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(T::zero());
        }
        return;
    }
    // Strides of op(A) (m×k) and op(B) (k×n) as (column stride, row stride).
    let (a_cs, a_rs) = match op_a {
        Op::N => (1, k as isize),
        Op::T => (m as isize, 1),
    };
    let (b_cs, b_rs) = match op_b {
        Op::N => (1, n as isize),
        Op::T => (k as isize, 1),
    };
    let parallelism = match threads {
        Threads::One => gemm::Parallelism::None,
        Threads::Pool => gemm::Parallelism::Rayon(0),
    };
    // SAFETY: the assert above guarantees every index the strides reach is in bounds, and
    // `c` does not alias `a` or `b` (distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            T::one(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// The reference triple loop for [`matmul`], same arguments (no threads).
#[allow(clippy::too_many_arguments)]
pub fn matmul_naive<T: Scalar>(
    c: &mut [T],
    a: &[T],
    op_a: Op,
    b: &[T],
    op_b: Op,
    m: usize,
    n: usize,
    k: usize,
    accumulate: bool,
) {
    for i in 0..m {
        for j in 0..n {
            let mut sum = T::zero();
            for t in 0..k {
                let aik = match op_a {
                    Op::N => a[i * k + t],
                    Op::T => a[t * m + i],
                };
                let bkj = match op_b {
                    Op::N => b[t * n + j],
                    Op::T => b[j * k + t],
                };
                sum += aik * bkj;
            }
            c[i * n + j] = if accumulate { c[i * n + j] + sum } else { sum };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random(n: usize, rng: &mut Rng) -> Vec<f64> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    #[test]
    fn gemm_matches_naive_for_all_transposes() {
        let mut rng = Rng::new(9);
        let (m, n, k) = (13, 7, 29);
        for op_a in [Op::N, Op::T] {
            for op_b in [Op::N, Op::T] {
                for accumulate in [false, true] {
                    let a = random(m * k, &mut rng);
                    let b = random(k * n, &mut rng);
                    let c0 = random(m * n, &mut rng);
                    let mut fast = c0.clone();
                    let mut slow = c0.clone();
                    matmul(
                        &mut fast,
                        &a,
                        op_a,
                        &b,
                        op_b,
                        m,
                        n,
                        k,
                        accumulate,
                        Threads::One,
                    );
                    matmul_naive(&mut slow, &a, op_a, &b, op_b, m, n, k, accumulate);
                    let diff = fast
                        .iter()
                        .zip(&slow)
                        .map(|(x, y)| (x - y).abs())
                        .fold(0.0, f64::max);
                    assert!(diff < 1e-12, "{op_a:?}{op_b:?} acc={accumulate}: {diff}");
                }
            }
        }
    }
}
