//! Matrix products, the hot kernel. All matrices are row-major slices.
//!
//! [`matmul`] calls the `gemm` crate (AVX-512 / AVX2 / SSE kernels picked at run time);
//! [`matmul_naive`] is the plain triple loop kept beside it as the reference the tests compare
//! against.
//!
//! These play the role of `torch.mm` / `torch.addmm` with `.t()` views: [`Op::T`] reads an
//! operand transposed through its strides, without copying.

#![warn(missing_docs)]

use crate::nn::scalar::Scalar;

/// Whether an operand is used as stored or transposed.
///
/// ```
/// use mlplab::nn::matmul::{matmul_naive, MatMut, MatRef, Op};
/// let a = [1.0f64, 2.0, 3.0]; // stored 3×1
/// let at = MatRef::new(&a, 3, 1).t(); // used as 1×3
/// assert_eq!((at.op, at.shape()), (Op::T, (1, 3)));
/// let mut c = [0.0];
/// matmul_naive(MatMut::new(&mut c, 1, 1), at, MatRef::new(&a, 3, 1), false);
/// assert_eq!(c, [14.0]); // aᵀa
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    N,
    /// Use its transpose.
    T,
}

/// A matrix operand: a row-major `rows×cols` block as stored, and whether a product uses it
/// as stored ([`Op::N`]) or transposed ([`Op::T`], read through its strides, no copy — the
/// role of PyTorch's `.t()` view).
///
/// ```
/// use mlplab::nn::matmul::{MatRef, Op};
/// let w = [0.0f32; 6];
/// let w = MatRef::new(&w, 2, 3); // W: 2×3
/// assert_eq!(w.shape(), (2, 3));
/// assert_eq!(w.t().shape(), (3, 2)); // Wᵀ
/// assert_eq!(w.t().t().op, Op::N);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    /// The elements, row-major, `rows·cols` of them.
    pub data: &'a [T],
    /// Rows as stored.
    pub rows: usize,
    /// Columns as stored.
    pub cols: usize,
    /// How a product uses it.
    pub op: Op,
}

impl<'a, T> MatRef<'a, T> {
    /// The `rows×cols` matrix stored row-major in `data`, used as stored.
    ///
    /// Panics ("matrix shape") when `data.len() ≠ rows·cols`: shapes are the caller's
    /// contract (the network sizes every buffer once from validated widths), never user data.
    ///
    /// ```
    /// use mlplab::nn::matmul::MatRef;
    /// let a = MatRef::new(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
    /// assert_eq!(a.shape(), (2, 3));
    /// ```
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        assert_shape(data.len(), rows, cols);
        MatRef {
            data,
            rows,
            cols,
            op: Op::N,
        }
    }

    /// The transpose: the same storage, used the other way round.
    ///
    /// ```
    /// use mlplab::nn::matmul::{MatRef, Op};
    /// let a = MatRef::new(&[1.0f64; 6], 2, 3).t();
    /// assert_eq!((a.op, a.shape()), (Op::T, (3, 2)));
    /// ```
    pub fn t(self) -> Self {
        let op = match self.op {
            Op::N => Op::T,
            Op::T => Op::N,
        };
        MatRef { op, ..self }
    }

    /// The shape as a product uses it, `(rows, cols)` of `op(A)`.
    ///
    /// ```
    /// use mlplab::nn::matmul::MatRef;
    /// assert_eq!(MatRef::new(&[0.0f32; 12], 3, 4).t().shape(), (4, 3));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        match self.op {
            Op::N => (self.rows, self.cols),
            Op::T => (self.cols, self.rows),
        }
    }

    /// Strides of `op(A)` as (column stride, row stride): element (i, j) of `op(A)` is
    /// `data[i·rs + j·cs]`.
    fn strides(&self) -> (usize, usize) {
        match self.op {
            Op::N => (1, self.cols),
            Op::T => (self.cols, 1),
        }
    }
}

/// The output of a product: a row-major `rows×cols` block written in place.
///
/// ```
/// use mlplab::nn::matmul::MatMut;
/// let mut z = [0.0f32; 6];
/// let z = MatMut::new(&mut z, 2, 3);
/// assert_eq!((z.rows, z.cols), (2, 3));
/// ```
#[derive(Debug)]
pub struct MatMut<'a, T> {
    /// The elements, row-major, `rows·cols` of them.
    pub data: &'a mut [T],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
}

impl<'a, T> MatMut<'a, T> {
    /// The `rows×cols` matrix stored row-major in `data`. Panics ("matrix shape") when
    /// `data.len() ≠ rows·cols`, like [`MatRef::new`].
    ///
    /// ```
    /// use mlplab::nn::matmul::MatMut;
    /// let mut c = vec![0.0f64; 4];
    /// assert_eq!(MatMut::new(&mut c, 2, 2).rows, 2);
    /// ```
    pub fn new(data: &'a mut [T], rows: usize, cols: usize) -> Self {
        assert_shape(data.len(), rows, cols);
        MatMut { data, rows, cols }
    }
}

fn assert_shape(len: usize, rows: usize, cols: usize) {
    assert!(
        rows.checked_mul(cols) == Some(len),
        "matrix shape: {len} values for {rows}×{cols}"
    );
}

/// The `(m, n, k)` of `C = op(A)·op(B)`: `op(A)` m×k, `op(B)` k×n, `C` m×n. Panics
/// ("matmul shapes", naming them) when they do not fit: a caller's contract.
fn product_shape<T>(c: &MatMut<T>, a: &MatRef<T>, b: &MatRef<T>) -> (usize, usize, usize) {
    let ((m, k), (kb, n)) = (a.shape(), b.shape());
    assert!(
        k == kb && c.rows == m && c.cols == n,
        "matmul shapes: C {}×{} = op(A) {m}×{k} · op(B) {kb}×{n}",
        c.rows,
        c.cols
    );
    (m, n, k)
}

/// How many threads a product may use. Whatever the choice, every element of `C` is the
/// same sum in the same order, so the bits do not depend on it (see [`matmul`]).
///
/// ```
/// use mlplab::nn::matmul::{matmul, MatMut, MatRef, Threads};
/// let (a, b) = ([1.0f32; 6], [2.0f32; 6]); // 2×3 and 3×2
/// let mut one = [0.0f32; 4];
/// let mut pool = [0.0f32; 4];
/// let (a, b) = (MatRef::new(&a, 2, 3), MatRef::new(&b, 3, 2));
/// matmul(MatMut::new(&mut one, 2, 2), a, b, false, Threads::One);
/// matmul(MatMut::new(&mut pool, 2, 2), a, b, false, Threads::Pool);
/// assert_eq!(one, [6.0; 4]);
/// assert_eq!(one, pool);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only.
    One,
    /// The threads of the current rayon pool (see [`crate::train::with_threads`]).
    Pool,
    /// At most this many threads of the current rayon pool (a run whose share of the
    /// machine changes between steps; 0 and 1 mean the calling thread only).
    UpTo(usize),
}

impl Threads {
    /// The number of threads a product may use now.
    ///
    /// ```
    /// use mlplab::nn::matmul::Threads;
    /// assert_eq!(Threads::One.workers(), 1);
    /// assert_eq!(Threads::UpTo(0).workers(), 1);
    /// let two = mlplab::train::with_threads(2, || (Threads::Pool.workers(), Threads::UpTo(5).workers()));
    /// assert_eq!(two.unwrap(), (2, 2));
    /// ```
    pub fn workers(self) -> usize {
        match self {
            Threads::One => 1,
            Threads::Pool => rayon::current_num_threads(),
            Threads::UpTo(n) => n.clamp(1, rayon::current_num_threads()),
        }
    }
}

/// `C = op(A)·op(B)` (or `C += op(A)·op(B)` when `accumulate`), through the `gemm` crate.
///
/// Shapes: `op(A)` m×k, `op(B)` k×n, `C` m×n, each carried by its argument; a mismatch
/// panics ("matmul shapes"), never reads out of bounds. The network's products read like
/// SPEC §1 and §4:
///
/// ```
/// use mlplab::nn::matmul::{matmul, MatMut, MatRef, Threads};
/// let (n, p, q) = (2, 2, 2);
/// let a_prev = [1.0f32, 2.0, 3.0, 4.0]; // n×p
/// let w = [1.0f32, 0.0, 0.0, 1.0]; // p×q
/// let mut z = [0.0f32; 4];
/// // Z = A·W
/// let (a, w) = (MatRef::new(&a_prev, n, p), MatRef::new(&w, p, q));
/// matmul(MatMut::new(&mut z, n, q), a, w, false, Threads::One);
/// assert_eq!(z, a_prev);
/// // dW = Aᵀ·dZ
/// let mut dw = [0.0f32; 4];
/// let dz = MatRef::new(&z, n, q);
/// matmul(MatMut::new(&mut dw, p, q), a.t(), dz, false, Threads::One);
/// assert_eq!(dw, [10.0, 14.0, 14.0, 20.0]);
/// ```
pub fn matmul<T: Scalar>(
    c: MatMut<T>,
    a: MatRef<T>,
    b: MatRef<T>,
    accumulate: bool,
    threads: Threads,
) {
    let (m, n, k) = product_shape(&c, &a, &b);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.data.fill(T::zero());
        }
        return;
    }
    // gemm's own threads split C into the same MR×NR tiles of its micro-kernel whatever
    // their number, and each tile is summed over the same depth blocks (their size depends
    // only on m, n, k), so a thread only decides *who* computes a tile, never how: the bits
    // are the same on 1, 2 or 16 threads (`tests::threads_never_change_the_bits`). Cutting
    // C into blocks by hand would not be: gemm picks a different kernel and depth blocking
    // for blocks with m·n ≤ 256 or m, n ≤ 64 than for the whole product.
    let parallelism = match threads.workers() {
        1 => gemm::Parallelism::None,
        n => gemm::Parallelism::Rayon(n),
    };
    gemm_into(
        c.data,
        Operand::of(&a),
        Operand::of(&b),
        (m, n, k),
        accumulate,
        parallelism,
    );
}

/// A matrix operand addressed through strides: element (i, j) is `data[i·rs + j·cs]`.
#[derive(Clone, Copy)]
struct Operand<'a, T> {
    data: &'a [T],
    cs: usize,
    rs: usize,
}

impl<'a, T> Operand<'a, T> {
    fn of(m: &MatRef<'a, T>) -> Self {
        let (cs, rs) = m.strides();
        Operand {
            data: m.data,
            cs,
            rs,
        }
    }
}

/// `C = op(A)·op(B)` (or `+=`) through gemm, `C` an m×n row-major slice.
fn gemm_into<T: Scalar>(
    c: &mut [T],
    a: Operand<T>,
    b: Operand<T>,
    (m, n, k): (usize, usize, usize),
    accumulate: bool,
    parallelism: gemm::Parallelism,
) {
    // Every element the kernel reads or writes lies inside its slice.
    assert!((m - 1) * a.rs + (k - 1) * a.cs < a.data.len(), "matmul A");
    assert!((k - 1) * b.rs + (n - 1) * b.cs < b.data.len(), "matmul B");
    assert!(c.len() >= m * n, "matmul C");
    // SAFETY: the asserts bound every index the strides reach; `c` does not alias `a` or
    // `b` (distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
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
            parallelism,
        );
    }
}

/// The reference triple loop for [`matmul`], same arguments (no threads):
/// `C[i][j] (+)= Σ_t op(A)[i][t] · op(B)[t][j]`.
///
/// ```
/// use mlplab::nn::matmul::{matmul, matmul_naive, MatMut, MatRef, Threads};
/// let a = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
/// let b = [1.0f64, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3×2
/// let (a, b) = (MatRef::new(&a, 2, 3), MatRef::new(&b, 3, 2));
/// let mut slow = [1.0; 4];
/// matmul_naive(MatMut::new(&mut slow, 2, 2), a, b, true);
/// assert_eq!(slow, [5.0, 6.0, 11.0, 12.0]); // 1 + A·B
/// let mut fast = [1.0; 4];
/// matmul(MatMut::new(&mut fast, 2, 2), a, b, true, Threads::One);
/// assert_eq!(fast, slow);
/// ```
pub fn matmul_naive<T: Scalar>(c: MatMut<T>, a: MatRef<T>, b: MatRef<T>, accumulate: bool) {
    let (m, n, k) = product_shape(&c, &a, &b);
    let ((a_cs, a_rs), (b_cs, b_rs)) = (a.strides(), b.strides());
    for i in 0..m {
        for j in 0..n {
            let mut sum = T::zero();
            for t in 0..k {
                sum += a.data[i * a_rs + t * a_cs] * b.data[t * b_rs + j * b_cs];
            }
            let cij = &mut c.data[i * n + j];
            *cij = if accumulate { *cij + sum } else { sum };
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
        // m large enough that gemm's threads share the tiles of C on a pool of 3.
        let (m, n, k) = (101, 7, 400);
        for op_a in [Op::N, Op::T] {
            for op_b in [Op::N, Op::T] {
                for accumulate in [false, true] {
                    // A stored m×k (or k×m for Aᵀ), B stored k×n (or n×k for Bᵀ).
                    let (a_rows, a_cols) = if op_a == Op::N { (m, k) } else { (k, m) };
                    let (b_rows, b_cols) = if op_b == Op::N { (k, n) } else { (n, k) };
                    let a = random(m * k, &mut rng);
                    let b = random(k * n, &mut rng);
                    let a = MatRef {
                        op: op_a,
                        ..MatRef::new(&a, a_rows, a_cols)
                    };
                    let b = MatRef {
                        op: op_b,
                        ..MatRef::new(&b, b_rows, b_cols)
                    };
                    let c0 = random(m * n, &mut rng);
                    let mut slow = c0.clone();
                    matmul_naive(MatMut::new(&mut slow, m, n), a, b, accumulate);
                    for threads in [Threads::One, Threads::Pool] {
                        let mut fast = c0.clone();
                        let c = MatMut::new(&mut fast, m, n);
                        crate::train::with_threads(3, || matmul(c, a, b, accumulate, threads))
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

    /// The bits of every product on 1, 2, 3 and 16 threads (and `UpTo`) are those of one
    /// thread, on shapes whose rows and columns divide evenly by none of those counts,
    /// including the study's layer shapes (batch 100, 784 → 128 → 64 → 10).
    #[test]
    fn threads_never_change_the_bits() {
        let mut rng = Rng::new(15);
        let shapes = [
            (100, 128, 784),
            (784, 128, 100),
            (100, 784, 128),
            (128, 64, 100),
            (100, 64, 128),
            (100, 10, 64),
            (37, 53, 301),
            (301, 67, 129),
            (7, 9, 1100),
            (250, 130, 1100),
        ];
        for &(m, n, k) in &shapes {
            for (op_a, op_b) in [
                (Op::N, Op::N),
                (Op::T, Op::N),
                (Op::N, Op::T),
                (Op::T, Op::T),
            ] {
                let (a_rows, a_cols) = if op_a == Op::N { (m, k) } else { (k, m) };
                let (b_rows, b_cols) = if op_b == Op::N { (k, n) } else { (n, k) };
                let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
                let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
                let a = MatRef {
                    op: op_a,
                    ..MatRef::new(&a, a_rows, a_cols)
                };
                let b = MatRef {
                    op: op_b,
                    ..MatRef::new(&b, b_rows, b_cols)
                };
                let c0: Vec<f32> = (0..m * n).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
                let product = |threads: usize, how: Threads| {
                    let mut c = c0.clone();
                    let out = MatMut::new(&mut c, m, n);
                    crate::train::with_threads(threads, || matmul(out, a, b, true, how)).unwrap();
                    c
                };
                let bits = |c: &[f32]| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                let one = bits(&product(1, Threads::One));
                for threads in [2, 3, 16] {
                    for how in [Threads::Pool, Threads::UpTo(2), Threads::UpTo(threads)] {
                        assert!(
                            bits(&product(threads, how)) == one,
                            "{m}×{n}×{k} {op_a:?}{op_b:?} on {threads} threads ({how:?})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "matmul shapes")]
    fn mismatched_inner_dimension_panics_naming_the_shapes() {
        let (a, b) = ([0.0f32; 6], [0.0f32; 6]);
        let mut c = [0.0f32; 4];
        // op(A) 2×3 · op(B) 2×3: the inner dimensions 3 and 2 differ.
        matmul(
            MatMut::new(&mut c, 2, 2),
            MatRef::new(&a, 2, 3),
            MatRef::new(&b, 2, 3),
            false,
            Threads::One,
        );
    }

    #[test]
    #[should_panic(expected = "matrix shape")]
    fn a_slice_of_the_wrong_length_is_refused() {
        MatRef::new(&[0.0f64; 5], 2, 3);
    }
}
