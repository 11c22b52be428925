//! Matrix products, the hot kernel. All matrices are row-major slices.
//!
//! [`matmul`] calls the `gemm` crate (AVX-512 / AVX2 / SSE kernels picked at run time);
//! [`matmul_naive`] is the plain triple loop kept beside it as the reference the tests compare
//! against.
//!
//! These play the role of `torch.mm` / `torch.addmm` with `.t()` views: [`Op::T`] reads an
//! operand transposed through its strides, without copying.

#![warn(missing_docs)]

use std::ops::Range;

use crate::nn::scalar::Scalar;

/// Whether an operand is used as stored or transposed.
///
/// ```
/// use mlplab::nn::matmul::{matmul_naive, Op};
/// let a = [1.0f64, 2.0, 3.0]; // stored 3×1, used as 1×3 through Op::T
/// let mut c = [0.0];
/// matmul_naive(&mut c, &a, Op::T, &a, Op::N, 1, 1, 3, false);
/// assert_eq!(c, [14.0]); // aᵀa
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    N,
    /// Use its transpose.
    T,
}

/// How many threads a product may use. With [`Threads::Pool`] the rows of `C` are cut into
/// one block per thread (only for products large enough to pay for it), so results are
/// reproducible at a given thread count.
///
/// ```
/// use mlplab::nn::matmul::{matmul, Op, Threads};
/// let (a, b) = ([1.0f32; 6], [2.0f32; 6]); // 2×3 and 3×2
/// let mut one = [0.0f32; 4];
/// let mut pool = [0.0f32; 4];
/// matmul(&mut one, &a, Op::N, &b, Op::N, 2, 2, 3, false, Threads::One);
/// matmul(&mut pool, &a, Op::N, &b, Op::N, 2, 2, 3, false, Threads::Pool);
/// assert_eq!(one, [6.0; 4]);
/// assert_eq!(one, pool);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only.
    One,
    /// The threads of the current rayon pool (see [`crate::train::with_threads`]).
    Pool,
}

/// `C = op(A)·op(B)` (or `C += op(A)·op(B)` when `accumulate`).
///
/// Shapes: `op(A)` is m×k, `op(B)` is k×n, `C` is m×n. `a` holds A as stored: m×k for
/// [`Op::N`], k×m for [`Op::T`]; likewise `b`. Shapes are the caller's contract: slices
/// shorter than those shapes make it panic ("matmul shapes"), never read out of bounds; the
/// network sizes every buffer once from validated layer widths.
///
/// ```
/// use mlplab::nn::matmul::{matmul, Op, Threads};
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
    // Strides of op(A) (m×k) as (column stride, row stride), and the same for op(B) (k×n).
    let (a_cs, a_rs) = match op_a {
        Op::N => (1, k),
        Op::T => (m, 1),
    };
    let (b_cs, b_rs) = match op_b {
        Op::N => (1, n),
        Op::T => (k, 1),
    };
    let workers = match threads {
        Threads::One => 1,
        Threads::Pool => rayon::current_num_threads(),
    };
    // The products of these networks are small (e.g. 100×128×784): gemm's own threading
    // splits them too finely, so a pool is used by cutting C into one block of rows per
    // thread, each computed single-threaded. The cut depends only on the thread count, so
    // results are reproducible at a given thread count.
    let b = Operand {
        data: b,
        cs: b_cs,
        rs: b_rs,
    };
    if workers == 1 || m < 16 * workers || m * n * k < (1 << 18) {
        gemm_rows(
            c,
            Operand {
                data: a,
                cs: a_cs,
                rs: a_rs,
            },
            b,
            0..m,
            n,
            k,
            accumulate,
        );
        return;
    }
    let chunk = m.div_ceil(workers).next_multiple_of(8);
    rayon::scope(|scope| {
        for (i, c_block) in c[..m * n].chunks_mut(chunk * n).enumerate() {
            let rows = i * chunk..(i * chunk + chunk).min(m);
            let a = Operand {
                data: a,
                cs: a_cs,
                rs: a_rs,
            };
            scope.spawn(move |_| gemm_rows(c_block, a, b, rows, n, k, accumulate));
        }
    });
}

/// A matrix operand addressed through strides: element (i, j) is `data[i·rs + j·cs]`.
#[derive(Clone, Copy)]
struct Operand<'a, T> {
    data: &'a [T],
    cs: usize,
    rs: usize,
}

/// Rows `rows` of `C = op(A)·op(B)` into `c_block` (those rows only), on the calling thread.
fn gemm_rows<T: Scalar>(
    c_block: &mut [T],
    a: Operand<T>,
    b: Operand<T>,
    rows: Range<usize>,
    n: usize,
    k: usize,
    accumulate: bool,
) {
    let m = rows.len();
    let a_offset = rows.start * a.rs;
    // Every element the kernel reads or writes lies inside its slice.
    assert!(
        a_offset + (m - 1) * a.rs + (k - 1) * a.cs < a.data.len(),
        "matmul A block"
    );
    assert!((k - 1) * b.rs + (n - 1) * b.cs < b.data.len(), "matmul B");
    assert!(c_block.len() >= m * n, "matmul C block");
    // SAFETY: the asserts bound every index the strides reach; `c_block` does not alias `a`
    // or `b` (distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c_block.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr().add(a_offset),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The reference triple loop for [`matmul`], same arguments (no threads):
/// `C[i][j] (+)= Σ_t op(A)[i][t] · op(B)[t][j]`.
///
/// ```
/// use mlplab::nn::matmul::{matmul, matmul_naive, Op, Threads};
/// let a = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
/// let b = [1.0f64, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3×2
/// let mut slow = [1.0; 4];
/// matmul_naive(&mut slow, &a, Op::N, &b, Op::N, 2, 2, 3, true);
/// assert_eq!(slow, [5.0, 6.0, 11.0, 12.0]); // 1 + A·B
/// let mut fast = [1.0; 4];
/// matmul(&mut fast, &a, Op::N, &b, Op::N, 2, 2, 3, true, Threads::One);
/// assert_eq!(fast, slow);
/// ```
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
    use crate::nn::rng::Rng;

    fn random(n: usize, rng: &mut Rng) -> Vec<f64> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    #[test]
    fn gemm_matches_naive_for_all_transposes() {
        let mut rng = Rng::new(9);
        // m large enough that a pool of 3 cuts C into row blocks, one of them ragged.
        let (m, n, k) = (101, 7, 400);
        for op_a in [Op::N, Op::T] {
            for op_b in [Op::N, Op::T] {
                for accumulate in [false, true] {
                    let a = random(m * k, &mut rng);
                    let b = random(k * n, &mut rng);
                    let c0 = random(m * n, &mut rng);
                    let mut slow = c0.clone();
                    matmul_naive(&mut slow, &a, op_a, &b, op_b, m, n, k, accumulate);
                    for threads in [Threads::One, Threads::Pool] {
                        let mut fast = c0.clone();
                        crate::train::with_threads(3, || {
                            matmul(&mut fast, &a, op_a, &b, op_b, m, n, k, accumulate, threads)
                        })
                        .unwrap();
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
}
