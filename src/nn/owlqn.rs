//! OWL-QN: L-BFGS for a cost with an L1 term (Andrew & Gao, "Scalable training of
//! L1-regularized log-linear models", ICML 2007; docs/mathematics.md §10a "OWL-QN").
//!
//! The problem is `min_x F(x) = f(x) + Σ_{i∈P} c |x_i|` with `f` smooth (a closure that returns
//! `f(x)` and writes `∇f(x)`), `c = λ1/N` and `P` the penalized coordinates (a network's
//! weights, never its biases). `F` is not differentiable where a penalized `x_i = 0`, so
//! L-BFGS's gradient is replaced by the pseudo-gradient and every step stays in one orthant:
//!
//! | step | formula | function |
//! |---|---|---|
//! | pseudo-gradient | `◇_i = ∂_i f + c sign(x_i)` if `x_i ≠ 0`; at `x_i = 0`: `∂_i f + c` if that is < 0, `∂_i f − c` if that is > 0, else 0 | [`pseudo_gradient`] |
//! | direction | `d = −H ◇` by the two-loop recursion over pairs of the *smooth* part, `y = ∇f_{k+1} − ∇f_k` | [`crate::nn::lbfgs::History::direction`] |
//! | direction projection | `d_i ← 0` where `d_i ◇_i ≥ 0` (d_i does not agree in sign with `−◇_i`) | [`project_direction`] |
//! | orthant | `ξ_i = sign(x_i)`, or `sign(−◇_i)` where `x_i = 0` | [`owlqn_from`] |
//! | step projection | `x(α) = π(x + α d; ξ)`: a penalized coordinate that would leave the orthant ξ is set to exactly 0 | [`owlqn_from`] |
//! | line search | backtracking, α = 1, ½, ¼, … until `F(x(α)) ≤ F(x) + c1 ◇ᵀ(x(α) − x)` | [`owlqn_from`] |
//!
//! Exact zeros come from the two projections: a coordinate at 0 whose `|∂_i f| ≤ c` has
//! `◇_i = 0`, so its direction is zeroed and it stays at 0.
//!
//! Restarts, the curvature guard, the budgets and the records are those of
//! [`crate::nn::lbfgs::minimize`]; `cost` is `F` and `grad_norm` is `‖◇‖₂`.

#![warn(missing_docs)]

use std::ops::Range;

use crate::nn::error::{Error, Result, config};
use crate::nn::lbfgs::{History, Iteration, LbfgsConfig, Status, Summary, dot, norm};
use crate::nn::scalar::Scalar;

/// `sign(v)` with `sign(0) = 0`, as −1, 0 or 1.
fn sign<T: Scalar>(v: T) -> T {
    if v > T::zero() {
        T::one()
    } else if v < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// The pseudo-gradient `◇` of `F = f + c Σ_{i∈P} |x_i|` into `pg` (Andrew & Gao eq. 4), from
/// `∇f` = `g`: on penalized coordinates (`penalized`, ranges of `x`) the one-sided derivative
/// of smallest magnitude, 0 where the two one-sided derivatives differ in sign; elsewhere
/// `g_i`. `x`, `g`, `pg`: n.
///
/// ```
/// use mlplab::nn::owlqn::pseudo_gradient;
/// let mut pg = [0.0; 4];
/// // x = (1, 0, 0, 0), ∂f = (0.5, 0.3, −2, 2), c = 1, all penalized
/// pseudo_gradient(&[1.0f64, 0.0, 0.0, 0.0], &[0.5, 0.3, -2.0, 2.0], 1.0, &[0..4], &mut pg);
/// assert_eq!(pg, [1.5, 0.0, -1.0, 1.0]);
/// ```
pub fn pseudo_gradient<T: Scalar>(
    x: &[T],
    g: &[T],
    c: f64,
    penalized: &[Range<usize>],
    pg: &mut [T],
) {
    pg.copy_from_slice(g);
    let c = T::of(c);
    for r in penalized {
        for ((p, &xi), &gi) in pg[r.clone()]
            .iter_mut()
            .zip(&x[r.clone()])
            .zip(&g[r.clone()])
        {
            *p = if xi != T::zero() {
                gi + c * sign(xi)
            } else if gi + c < T::zero() {
                gi + c
            } else if gi - c > T::zero() {
                gi - c
            } else {
                T::zero()
            };
        }
    }
}

/// Zeroes the components of `d` that do not agree in sign with `−◇` (`d_i ◇_i ≥ 0`), so the
/// direction descends on `F` along every coordinate it moves. `d`, `pg`: n.
///
/// ```
/// use mlplab::nn::owlqn::project_direction;
/// let mut d = [-1.0f64, 1.0, 2.0, 0.5];
/// project_direction(&mut d, &[1.0, 1.0, 0.0, -3.0]);
/// assert_eq!(d, [-1.0, 0.0, 0.0, 0.5]);
/// ```
pub fn project_direction<T: Scalar>(d: &mut [T], pg: &[T]) {
    for (di, &p) in d.iter_mut().zip(pg) {
        if *di * p >= T::zero() {
            *di = T::zero();
        }
    }
}

/// `F(x) = f + c Σ_{i∈P} |x_i|`'s L1 part, in f64.
fn l1_term<T: Scalar>(x: &[T], c: f64, penalized: &[Range<usize>]) -> f64 {
    if c == 0.0 {
        return 0.0;
    }
    let abs: f64 = penalized
        .iter()
        .map(|r| x[r.clone()].iter().map(|&v| v.to_f64().abs()).sum::<f64>())
        .sum();
    c * abs
}

/// Minimizes `F(x) = f(x) + c Σ_{i∈P} |x_i|` by OWL-QN from `x` (overwritten with the result).
/// `f(x, g)` returns the smooth part `f(x)` and writes `∇f(x)` into `g` (n); `c ≥ 0` is the
/// L1 weight (`λ1/N` for a network) and `penalized` the ranges of `x` it applies to. With
/// `c = 0` this is L-BFGS with a backtracking (Armijo) search instead of the strong-Wolfe one.
///
/// `cfg.c1` is the sufficient-decrease constant, `cfg.max_search_evals` the most halvings
/// plus one; `cfg.c2` is not used (no curvature condition: the pair's `sᵀy > 0` is left to
/// the curvature guard). Errors: an invalid setting, `c` negative or not finite, a range
/// outside `x`, or a non-finite cost or gradient at the start.
///
/// ```
/// use mlplab::nn::lbfgs::{LbfgsConfig, Status};
/// use mlplab::nn::owlqn::owlqn;
/// // F(x) = ½(x0 − 2)² + ½(x1 − 0.5)² + |x0| + |x1|: the minimizer is (1, 0).
/// let f = |x: &[f64], g: &mut [f64]| {
///     g[0] = x[0] - 2.0;
///     g[1] = x[1] - 0.5;
///     0.5 * (x[0] - 2.0).powi(2) + 0.5 * (x[1] - 0.5).powi(2)
/// };
/// let mut x = [0.0f64, 0.0];
/// let cfg = LbfgsConfig { grad_tol: 1e-12, ..Default::default() };
/// let s = owlqn(&cfg, 1.0, &[0..2], &mut x, f, |_, _| true).unwrap();
/// assert_eq!(s.status, Status::GradientTolerance);
/// assert!((x[0] - 1.0).abs() < 1e-12 && x[1] == 0.0, "{x:?}");
/// ```
pub fn owlqn<T: Scalar>(
    cfg: &LbfgsConfig,
    c: f64,
    penalized: &[Range<usize>],
    x: &mut [T],
    f: impl FnMut(&[T], &mut [T]) -> f64,
    observe: impl FnMut(&Iteration, &[T]) -> bool,
) -> Result<Summary> {
    let mut hist = History::<T>::new(cfg.history);
    owlqn_from(cfg, c, penalized, &mut hist, x, f, observe)
}

/// [`owlqn`] continuing from the memory `hist` (see
/// [`minimize_from`](crate::nn::lbfgs::minimize_from)).
pub fn owlqn_from<T: Scalar>(
    cfg: &LbfgsConfig,
    c: f64,
    penalized: &[Range<usize>],
    hist: &mut History<T>,
    x: &mut [T],
    mut f: impl FnMut(&[T], &mut [T]) -> f64,
    mut observe: impl FnMut(&Iteration, &[T]) -> bool,
) -> Result<Summary> {
    cfg.validate()?;
    if !(c.is_finite() && c >= 0.0) {
        return Err(config(format!(
            "OWL-QN's L1 weight c = {c}: must be finite and ≥ 0"
        )));
    }
    let n = x.len();
    if let Some(r) = penalized.iter().find(|r| r.start > r.end || r.end > n) {
        return Err(config(format!(
            "OWL-QN: penalized range {r:?} is outside the {n} parameters"
        )));
    }
    let zero = T::zero();
    let buf = || vec![zero; n];
    let (mut g, mut pg, mut d, mut xt, mut gt) = (buf(), buf(), buf(), buf(), buf());
    let (mut s, mut y, mut orthant) = (buf(), buf(), buf());
    let mut cost = f(x, &mut g) + l1_term(x, c, penalized);
    let mut evals = 1;
    pseudo_gradient(x, &g, c, penalized, &mut pg);
    let mut pgnorm = norm(&pg);
    if !cost.is_finite() || !pgnorm.is_finite() {
        return Err(Error::Diverged {
            step: 0,
            epoch: 0,
            quantity: format!("OWL-QN start: cost {cost}, pseudo-gradient norm {pgnorm}"),
            cost,
        });
    }
    // Penalized coordinates are projected onto the orthant; the others move freely.
    let mut is_penalized = vec![false; n];
    for r in penalized {
        is_penalized[r.clone()].fill(true);
    }
    let (mut iterations, mut restarts) = (0, 0);
    let status = loop {
        if pgnorm <= cfg.grad_tol {
            break Status::GradientTolerance;
        }
        if iterations >= cfg.max_iters {
            break Status::IterationBudget;
        }
        if evals >= cfg.max_evals {
            break Status::EvaluationBudget;
        }
        hist.direction(&pg, &mut d);
        project_direction(&mut d, &pg);
        let mut restarted = false;
        let descent = dot(&pg, &d);
        if descent.is_nan() || descent >= 0.0 {
            restart(hist, &mut restarts, &mut restarted, &pg, &mut d);
        }
        for ((o, &xi), &p) in orthant.iter_mut().zip(x.iter()).zip(&pg) {
            *o = if xi != zero { sign(xi) } else { sign(-p) };
        }
        let mut search_evals = 0;
        let accepted = loop {
            let mut a = if hist.is_empty() {
                (1.0 / pgnorm).min(1.0)
            } else {
                1.0
            };
            let budget = cfg.max_search_evals.min(cfg.max_evals - evals);
            let mut found = None;
            for _ in 0..budget {
                let at = T::of(a);
                for i in 0..n {
                    let t = x[i] + at * d[i];
                    // π(·; ξ): leaving the orthant means landing on 0.
                    xt[i] = if is_penalized[i] && sign(t) != orthant[i] {
                        zero
                    } else {
                        t
                    };
                }
                evals += 1;
                search_evals += 1;
                let ft = f(&xt, &mut gt) + l1_term(&xt, c, penalized);
                let mut decrease = 0.0;
                for ((&p, &xn), &xo) in pg.iter().zip(xt.iter()).zip(x.iter()) {
                    decrease += p.to_f64() * (xn.to_f64() - xo.to_f64());
                }
                if ft.is_finite() && ft <= cost + cfg.c1 * decrease {
                    found = Some((a, ft));
                    break;
                }
                a *= 0.5;
            }
            if found.is_some() || hist.is_empty() || evals >= cfg.max_evals {
                break found;
            }
            // A failed search with a memory: forget it and try −◇.
            restart(hist, &mut restarts, &mut restarted, &pg, &mut d);
        };
        let Some((step, new_cost)) = accepted else {
            break if evals >= cfg.max_evals {
                Status::EvaluationBudget
            } else {
                Status::LineSearchFailed
            };
        };
        for i in 0..n {
            s[i] = xt[i] - x[i];
            y[i] = gt[i] - g[i];
        }
        let pair_skipped = !hist.push(&s, &y, cfg.curvature_eps);
        x.copy_from_slice(&xt);
        g.copy_from_slice(&gt);
        let old = cost;
        cost = new_cost;
        pseudo_gradient(x, &g, c, penalized, &mut pg);
        pgnorm = norm(&pg);
        iterations += 1;
        let it = Iteration {
            iteration: iterations,
            cost,
            grad_norm: pgnorm,
            step,
            search_evals,
            evals,
            restarted,
            pair_skipped,
        };
        if let Some(status) = super::lbfgs::stop_after(cfg, &it, old, || observe(&it, x)) {
            break status;
        }
    };
    Ok(Summary {
        status,
        iterations,
        evals,
        restarts,
        skipped_pairs: hist.skipped(),
        cost,
        grad_norm: pgnorm,
    })
}

/// Clears the memory and sets `d = −◇` (a descent direction whenever `◇ ≠ 0`; it needs no
/// projection, every component agreeing with `−◇`).
fn restart<T: Scalar>(
    hist: &mut History<T>,
    restarts: &mut usize,
    restarted: &mut bool,
    pg: &[T],
    d: &mut [T],
) {
    hist.reset();
    *restarts += 1;
    *restarted = true;
    for (di, &p) in d.iter_mut().zip(pg) {
        *di = -p;
    }
}

#[cfg(test)]
// The penalized coordinates are a list of ranges; these tests penalize one range.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::nn::rng::Rng;

    /// A lasso `F(x) = (1/2m) ‖A x − b‖² + λ ‖x‖₁` with A: m×n (rows), b from a sparse truth.
    struct Lasso {
        a: Vec<f64>,
        b: Vec<f64>,
        m: usize,
        n: usize,
        lambda: f64,
    }

    impl Lasso {
        fn new(m: usize, n: usize, lambda: f64, seed: u64) -> Self {
            let mut rng = Rng::new(seed);
            let a: Vec<f64> = (0..m * n).map(|_| rng.normal()).collect();
            let truth: Vec<f64> = (0..n)
                .map(|j| {
                    if j % 3 == 0 {
                        rng.uniform(-2.0, 2.0)
                    } else {
                        0.0
                    }
                })
                .collect();
            let b = (0..m)
                .map(|i| (0..n).map(|j| a[i * n + j] * truth[j]).sum::<f64>() + 0.1 * rng.normal())
                .collect();
            Lasso { a, b, m, n, lambda }
        }

        /// The smooth part and its gradient.
        fn smooth(&self, x: &[f64], g: &mut [f64]) -> f64 {
            g.fill(0.0);
            let mut f = 0.0;
            for i in 0..self.m {
                let row = &self.a[i * self.n..(i + 1) * self.n];
                let r: f64 = row.iter().zip(x).map(|(a, x)| a * x).sum::<f64>() - self.b[i];
                f += 0.5 * r * r;
                for (gj, aj) in g.iter_mut().zip(row) {
                    *gj += r * aj / self.m as f64;
                }
            }
            f / self.m as f64
        }

        /// The exact minimizer by cyclic coordinate descent with soft thresholding:
        /// `x_j = S(ρ_j, λ) / (‖A_j‖²/m)`, `ρ_j = (1/m) A_jᵀ (b − A x + A_j x_j)`, until no
        /// coordinate moves by more than 1e-15.
        fn coordinate_descent(&self) -> Vec<f64> {
            let (m, n) = (self.m, self.n);
            let col_sq: Vec<f64> = (0..n)
                .map(|j| (0..m).map(|i| self.a[i * n + j].powi(2)).sum::<f64>() / m as f64)
                .collect();
            let mut x = vec![0.0; n];
            let mut r = self.b.clone(); // r = b − A x
            for _sweep in 0..100_000 {
                let mut moved = 0.0f64;
                for j in 0..n {
                    let rho = (0..m)
                        .map(|i| self.a[i * n + j] * (r[i] + self.a[i * n + j] * x[j]))
                        .sum::<f64>()
                        / m as f64;
                    let new = rho.signum() * (rho.abs() - self.lambda).max(0.0) / col_sq[j];
                    let delta = new - x[j];
                    if delta != 0.0 {
                        for (i, ri) in r.iter_mut().enumerate() {
                            *ri -= self.a[i * n + j] * delta;
                        }
                    }
                    x[j] = new;
                    moved = moved.max(delta.abs());
                }
                if moved <= 1e-15 {
                    return x;
                }
            }
            panic!("coordinate descent did not converge");
        }
    }

    #[test]
    fn lasso_reaches_the_coordinate_descent_solution_with_exact_zeros() {
        let lasso = Lasso::new(60, 30, 0.15, 11);
        let exact = lasso.coordinate_descent();
        let zeros = exact.iter().filter(|v| **v == 0.0).count();
        assert!(
            (5..25).contains(&zeros),
            "the test problem should be sparse but not empty: {zeros} zeros"
        );
        let mut x = vec![0.0f64; lasso.n];
        let cfg = LbfgsConfig {
            grad_tol: 1e-10,
            max_iters: 5000,
            ..Default::default()
        };
        let s = owlqn(
            &cfg,
            lasso.lambda,
            &[0..lasso.n],
            &mut x,
            |x, g| lasso.smooth(x, g),
            |_, _| true,
        )
        .unwrap();
        // converged: the pseudo-gradient vanishes, or F stops changing in f64 before it does
        assert!(
            matches!(s.status, Status::GradientTolerance | Status::CostTolerance)
                && s.grad_norm <= 1e-8,
            "{s:?}"
        );
        let worst = x
            .iter()
            .zip(&exact)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 1e-6, "largest difference {worst:e}; {s:?}");
        for (j, (&xo, &xe)) in x.iter().zip(&exact).enumerate() {
            assert_eq!(
                xo == 0.0,
                xe == 0.0,
                "coordinate {j}: OWL-QN {xo:e}, coordinate descent {xe:e}"
            );
        }
        // Plain L-BFGS's subgradient would leave tiny non-zeros; OWL-QN's are exact.
        assert_eq!(x.iter().filter(|v| **v == 0.0).count(), zeros);
    }

    #[test]
    fn unpenalized_coordinates_are_not_projected() {
        // F = ½(x0 + 1)² + ½(x1 + 1)² + |x0|, only x0 penalized: x0 = 0, x1 = −1.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = x[0] + 1.0;
            g[1] = x[1] + 1.0;
            0.5 * (x[0] + 1.0).powi(2) + 0.5 * (x[1] + 1.0).powi(2)
        };
        let mut x = [2.0f64, 2.0];
        let cfg = LbfgsConfig {
            grad_tol: 1e-12,
            ..Default::default()
        };
        let s = owlqn(&cfg, 1.0, &[0..1], &mut x, f, |_, _| true).unwrap();
        assert_eq!(s.status, Status::GradientTolerance, "{s:?}");
        assert_eq!(x[0], 0.0);
        assert!((x[1] + 1.0).abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn every_step_decreases_the_cost_and_keeps_to_its_orthant() {
        let lasso = Lasso::new(40, 20, 0.2, 5);
        let mut x = vec![0.5f64; lasso.n];
        let mut prev = x.clone();
        let mut g = vec![0.0; lasso.n];
        let mut f_prev =
            lasso.smooth(&prev, &mut g) + 0.2 * prev.iter().map(|v| v.abs()).sum::<f64>();
        let cfg = LbfgsConfig {
            grad_tol: 1e-10,
            ..Default::default()
        };
        let mut steps = 0;
        owlqn(
            &cfg,
            0.2,
            &[0..lasso.n],
            &mut x,
            |x, g| lasso.smooth(x, g),
            |it, xn| {
                let f_new =
                    lasso.smooth(xn, &mut g) + 0.2 * xn.iter().map(|v| v.abs()).sum::<f64>();
                assert!(
                    f_new <= f_prev,
                    "iteration {}: {f_new} > {f_prev}",
                    it.iteration
                );
                assert!((f_new - it.cost).abs() <= 1e-12 * f_new.abs());
                for (a, b) in xn.iter().zip(&prev) {
                    // never through zero in one step: a sign change passes by exactly 0
                    assert!(
                        a * b >= 0.0,
                        "iteration {}: {b} → {a} crosses 0",
                        it.iteration
                    );
                }
                prev.copy_from_slice(xn);
                f_prev = f_new;
                steps += 1;
                true
            },
        )
        .unwrap();
        assert!(steps >= 5, "{steps}");
    }

    #[test]
    fn bad_l1_weights_and_ranges_are_errors() {
        let f = |_: &[f64], g: &mut [f64]| {
            g.fill(0.0);
            0.0
        };
        let cfg = LbfgsConfig::default();
        let e = owlqn(&cfg, -1.0, &[0..1], &mut [0.0f64], f, |_, _| true).unwrap_err();
        assert!(e.to_string().contains("c = -1"), "{e}");
        let e = owlqn(&cfg, 1.0, &[0..3], &mut [0.0f64], f, |_, _| true).unwrap_err();
        assert!(e.to_string().contains("outside"), "{e}");
    }
}
