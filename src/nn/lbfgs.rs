//! L-BFGS: a quasi-Newton method over a flat parameter vector (Nocedal & Wright, *Numerical
//! Optimization*, 2nd ed., §7.2 and §3.5; docs/mathematics.md §10a "L-BFGS").
//!
//! The problem is `min_x J(x)` for a closure `f(x, g) -> J(x)` that also writes `∇J(x)` into
//! `g`. Each iteration k:
//!
//! | step | formula | function |
//! |---|---|---|
//! | direction | `d = −H_k g_k`, `H_k` from the last m pairs by the two-loop recursion | [`History::direction`] |
//! | initial scaling | `H_k⁰ = γ I`, `γ = sᵀy / yᵀy` of the newest pair | [`History::direction`] |
//! | step length | α with the strong Wolfe conditions (c1, c2), bracketing + zoom | [`strong_wolfe`] |
//! | update | `x ← x + α d`; pair `s = α d`, `y = g_{k+1} − g_k` | [`minimize`] |
//! | curvature guard | the pair is skipped when `sᵀy ≤ ε ‖s‖ ‖y‖` (counted) | [`History::push`] |
//! | restart | a non-descent direction or a failed search clears the memory and retries `d = −g` (counted) | [`minimize`] |
//!
//! Termination: `‖g‖₂ ≤ grad_tol`, `|J_k − J_{k+1}| ≤ rel_cost_tol · max(|J_k|, |J_{k+1}|, 1)`,
//! or a budget (iterations, function evaluations). Parameters and gradients are `T` (f32 or
//! f64); every inner product, norm and cost is accumulated in f64.
//!
//! PyTorch's `torch.optim.LBFGS` differs: its default has no line search (a fixed step) and
//! its strong-Wolfe search is a port of minFunc's, with a different bracketing rule.

#![warn(missing_docs)]

use std::collections::VecDeque;

use crate::nn::error::{Error, Result, config};
use crate::nn::scalar::Scalar;

/// Settings of an L-BFGS run; every default is written here once.
///
/// ```
/// use mlplab::nn::lbfgs::LbfgsConfig;
/// let c = LbfgsConfig::default();
/// assert_eq!((c.history, c.c1, c.c2), (10, 1e-4, 0.9));
/// assert!(c.validate().is_ok());
/// let bad = LbfgsConfig { c1: 0.95, ..c };
/// assert!(bad.validate().unwrap_err().to_string().contains("c1"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LbfgsConfig {
    /// m: how many curvature pairs (s, y) the two-loop recursion uses (≥ 1).
    pub history: usize,
    /// Sufficient-decrease constant of the Wolfe conditions, `0 < c1 < c2`.
    pub c1: f64,
    /// Curvature constant of the strong Wolfe conditions, `c1 < c2 < 1`.
    pub c2: f64,
    /// ε of the curvature guard `sᵀy > ε ‖s‖ ‖y‖` (≥ 0).
    pub curvature_eps: f64,
    /// Most function evaluations one line search may spend (≥ 1).
    pub max_search_evals: usize,
    /// Stop when `‖∇J‖₂ ≤ grad_tol` (≥ 0).
    pub grad_tol: f64,
    /// Stop when the relative cost change of an iteration is ≤ this (≥ 0).
    pub rel_cost_tol: f64,
    /// Most iterations (accepted steps).
    pub max_iters: usize,
    /// Most function evaluations in all, the initial one included (≥ 1).
    pub max_evals: usize,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        LbfgsConfig {
            history: 10,
            c1: 1e-4,
            c2: 0.9,
            curvature_eps: 1e-10,
            max_search_evals: 20,
            grad_tol: 1e-6,
            rel_cost_tol: 0.0,
            max_iters: 1000,
            max_evals: 10_000,
        }
    }
}

impl LbfgsConfig {
    /// Checks every setting; the error names the field, its value and the valid range.
    ///
    /// ```
    /// use mlplab::nn::lbfgs::LbfgsConfig;
    /// let e = LbfgsConfig { history: 0, ..Default::default() }.validate().unwrap_err();
    /// assert!(e.to_string().contains("history = 0"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.history == 0 {
            return Err(config(
                "history = 0: must be ≥ 1 (the number of curvature pairs kept)",
            ));
        }
        let (c1, c2) = (self.c1, self.c2);
        if !(c1.is_finite() && c1 > 0.0 && c1 < 1.0) {
            return Err(config(format!(
                "c1 = {c1}: must lie in (0, 1) and below c2"
            )));
        }
        if !(c2.is_finite() && c2 > 0.0 && c2 < 1.0) {
            return Err(config(format!(
                "c2 = {c2}: must lie in (0, 1) and above c1"
            )));
        }
        if c1 >= c2 {
            return Err(config(format!(
                "c1 = {c1} ≥ c2 = {c2}: need 0 < c1 < c2 < 1"
            )));
        }
        for (name, v) in [
            ("curvature_eps", self.curvature_eps),
            ("grad_tol", self.grad_tol),
            ("rel_cost_tol", self.rel_cost_tol),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config(format!("{name} = {v}: must be finite and ≥ 0")));
            }
        }
        if self.max_search_evals == 0 {
            return Err(config("max_search_evals = 0: must be ≥ 1"));
        }
        if self.max_evals == 0 {
            return Err(config("max_evals = 0: must be ≥ 1"));
        }
        Ok(())
    }
}

/// `Σ a_i b_i` in f64 with eight partial sums (vectorizes).
pub(crate) fn dot<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    const LANES: usize = 8;
    let mut p = [0.0f64; LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| x.to_f64() * y.to_f64())
        .sum();
    for (xa, xb) in ca.zip(cb) {
        for ((s, &x), &y) in p.iter_mut().zip(xa).zip(xb) {
            *s += x.to_f64() * y.to_f64();
        }
    }
    p.iter().sum::<f64>() + tail
}

/// `‖a‖₂`, accumulated in f64.
pub(crate) fn norm<T: Scalar>(a: &[T]) -> f64 {
    dot(a, a).sqrt()
}

struct Pair<T> {
    s: Vec<T>,
    y: Vec<T>,
    /// ρ = 1 / sᵀy.
    rho: f64,
}

/// The memory of L-BFGS: the last m curvature pairs, oldest first.
///
/// ```
/// use mlplab::nn::lbfgs::History;
/// let mut h = History::<f64>::new(2);
/// assert!(h.push(&[1.0, 0.0], &[2.0, 0.0], 1e-10)); // H = diag(1/2, γ) with γ = 1/2
/// let mut d = [0.0; 2];
/// h.direction(&[4.0, 2.0], &mut d);
/// assert_eq!(d, [-2.0, -1.0]);
/// assert!(!h.push(&[1.0, 0.0], &[-1.0, 0.0], 1e-10)); // sᵀy < 0: skipped
/// assert_eq!((h.len(), h.skipped()), (1, 1));
/// ```
pub struct History<T> {
    pairs: VecDeque<Pair<T>>,
    capacity: usize,
    alpha: Vec<f64>,
    skipped: usize,
}

impl<T: Scalar> History<T> {
    /// An empty memory holding at most `m` pairs.
    pub fn new(m: usize) -> Self {
        History {
            pairs: VecDeque::with_capacity(m),
            capacity: m,
            alpha: vec![0.0; m],
            skipped: 0,
        }
    }

    /// Pairs held now.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when no pair is held (the direction is then `−g`).
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Pairs refused by the curvature guard so far.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Forgets every pair (after a failed line search or a non-descent direction).
    pub fn reset(&mut self) {
        self.pairs.clear();
    }

    /// Adds the pair `s = x_{k+1} − x_k`, `y = g_{k+1} − g_k` unless `sᵀy ≤ ε ‖s‖ ‖y‖`, which
    /// would make `H` indefinite or badly conditioned; returns whether it was kept. When the
    /// memory is full the oldest pair's buffers are reused (no allocation once m are held).
    pub fn push(&mut self, s: &[T], y: &[T], eps: f64) -> bool {
        let sy = dot(s, y);
        let floor = eps * norm(s) * norm(y);
        if !sy.is_finite() || floor.is_nan() || sy <= floor {
            self.skipped += 1;
            return false;
        }
        let mut pair = if self.pairs.len() == self.capacity {
            self.pairs
                .pop_front()
                .expect("capacity ≥ 1 and memory full")
        } else {
            Pair {
                s: Vec::with_capacity(s.len()),
                y: Vec::with_capacity(y.len()),
                rho: 0.0,
            }
        };
        pair.s.clear();
        pair.s.extend_from_slice(s);
        pair.y.clear();
        pair.y.extend_from_slice(y);
        pair.rho = 1.0 / sy;
        self.pairs.push_back(pair);
        true
    }

    /// `d = −H g` by the two-loop recursion (N&W Alg. 7.4): with `q = g`, for the pairs newest
    /// to oldest `αᵢ = ρᵢ sᵢᵀq`, `q ← q − αᵢ yᵢ`; then `r = γ q` with `γ = sᵀy / yᵀy` of the
    /// newest pair (1 with no pair); then oldest to newest `β = ρᵢ yᵢᵀr`, `r ← r + (αᵢ − β) sᵢ`;
    /// `d = −r`. `g`, `d`: n.
    pub fn direction(&mut self, g: &[T], d: &mut [T]) {
        d.copy_from_slice(g);
        for (i, p) in self.pairs.iter().enumerate().rev() {
            let a = p.rho * dot(&p.s, d);
            self.alpha[i] = a;
            let a = T::of(a);
            for (q, &y) in d.iter_mut().zip(&p.y) {
                *q -= a * y;
            }
        }
        let gamma = match self.pairs.back() {
            Some(p) => 1.0 / (p.rho * dot(&p.y, &p.y)),
            None => 1.0,
        };
        let gamma = T::of(gamma);
        for r in d.iter_mut() {
            *r *= gamma;
        }
        for (i, p) in self.pairs.iter().enumerate() {
            let beta = p.rho * dot(&p.y, d);
            let c = T::of(self.alpha[i] - beta);
            for (r, &s) in d.iter_mut().zip(&p.s) {
                *r += c * s;
            }
        }
        for r in d.iter_mut() {
            *r = -*r;
        }
    }
}

/// Why [`minimize`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `‖∇J‖₂ ≤ grad_tol`.
    GradientTolerance,
    /// The relative cost change fell to `rel_cost_tol`.
    CostTolerance,
    /// `max_iters` steps taken.
    IterationBudget,
    /// `max_evals` evaluations spent.
    EvaluationBudget,
    /// The line search failed even along `−g` with an empty memory.
    LineSearchFailed,
    /// The observer asked to stop.
    Stopped,
}

/// After an accepted iteration `it` (whose cost was `old` before it): `Some` reason to stop —
/// the observer (`observe`, asked first) said so, `‖g‖ ≤ grad_tol`, or the cost changed by at
/// most `rel_cost_tol` relative to the larger of the two costs and 1 — else `None`. Shared by
/// L-BFGS and OWL-QN (`it.grad_norm` is the pseudo-gradient's there).
pub(crate) fn stop_after(
    cfg: &LbfgsConfig,
    it: &Iteration,
    old: f64,
    observe: impl FnOnce() -> bool,
) -> Option<Status> {
    let cost = it.cost;
    if !observe() {
        Some(Status::Stopped)
    } else if it.grad_norm <= cfg.grad_tol {
        Some(Status::GradientTolerance)
    } else if (old - cost).abs() <= cfg.rel_cost_tol * old.abs().max(cost.abs()).max(1.0) {
        Some(Status::CostTolerance)
    } else {
        None
    }
}

/// One accepted step, as the observer and the store see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Iteration {
    /// 1-based.
    pub iteration: usize,
    /// J at the new point.
    pub cost: f64,
    /// ‖∇J‖₂ at the new point.
    pub grad_norm: f64,
    /// The accepted step length α (along `d`).
    pub step: f64,
    /// Evaluations this iteration's line search(es) spent, a failed first attempt included.
    pub search_evals: usize,
    /// Evaluations since the start, the initial one included.
    pub evals: usize,
    /// True when this iteration cleared the memory and searched along `−g`.
    pub restarted: bool,
    /// True when the curvature guard refused this step's pair.
    pub pair_skipped: bool,
}

/// What [`minimize`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Why it stopped.
    pub status: Status,
    /// Accepted steps.
    pub iterations: usize,
    /// Function evaluations, the initial one included.
    pub evals: usize,
    /// Memory resets (non-descent direction or failed search).
    pub restarts: usize,
    /// Pairs refused by the curvature guard.
    pub skipped_pairs: usize,
    /// Final J.
    pub cost: f64,
    /// Final ‖∇J‖₂.
    pub grad_norm: f64,
}

/// A point on the line `φ(α) = J(x + α d)`.
#[derive(Clone, Copy, Debug)]
struct Point {
    a: f64,
    phi: f64,
    dphi: f64,
}

impl Point {
    fn finite(&self) -> bool {
        self.phi.is_finite() && self.dphi.is_finite()
    }
}

/// The line search's outcome: the accepted α and `φ(α)` (its point and gradient are left in
/// the trial buffers), or failure; either way with the evaluations spent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Search {
    /// α satisfying the strong Wolfe conditions.
    Accepted {
        /// Step length.
        step: f64,
        /// `φ(α)`.
        cost: f64,
        /// Evaluations spent.
        evals: usize,
    },
    /// No acceptable α within the budget (or the bracket collapsed).
    Failed {
        /// Evaluations spent.
        evals: usize,
    },
}

/// Minimizer of the cubic through `(a, φa, φ'a)` and `(b, φb, φ'b)` (N&W eq. 3.59),
/// safeguarded into the middle 80 % of the bracket; the midpoint when the cubic has no
/// minimizer there or a point is not finite.
fn cubic(lo: Point, hi: Point) -> f64 {
    let (a, b) = (lo.a, hi.a);
    let mid = 0.5 * (a + b);
    if !lo.finite() || !hi.finite() {
        return mid;
    }
    let d1 = lo.dphi + hi.dphi - 3.0 * (lo.phi - hi.phi) / (a - b);
    let disc = d1 * d1 - lo.dphi * hi.dphi;
    if disc.is_nan() || disc < 0.0 {
        return mid;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let t = b - (b - a) * (hi.dphi + d2 - d1) / (hi.dphi - lo.dphi + 2.0 * d2);
    let (left, right) = (a.min(b), a.max(b));
    let w = right - left;
    if t.is_finite() && t >= left + 0.1 * w && t <= right - 0.1 * w {
        t
    } else {
        mid
    }
}

/// Strong-Wolfe line search (N&W Alg. 3.5 with zoom, Alg. 3.6): finds α > 0 with
/// `φ(α) ≤ φ(0) + c1 α φ'(0)` and `|φ'(α)| ≤ c2 |φ'(0)|`, where `φ(α) = J(x + α d)` and
/// `φ'(α) = ∇J(x + α d)ᵀ d`. Trials start at `a0` and double until a bracket is found; zoom
/// then shrinks it by safeguarded cubic interpolation. A non-finite `φ` or `φ'` counts as
/// too large (the bracket shrinks towards the last good point), so a NaN never becomes the
/// iterate. On acceptance `xt`, `gt` hold the accepted point and its gradient.
///
/// `x`, `d`, `xt`, `gt`: n. `phi0 = J(x)`, `dphi0 = ∇J(x)ᵀd < 0`.
#[allow(clippy::too_many_arguments)]
pub fn strong_wolfe<T: Scalar>(
    f: &mut impl FnMut(&[T], &mut [T]) -> f64,
    x: &[T],
    d: &[T],
    phi0: f64,
    dphi0: f64,
    a0: f64,
    c1: f64,
    c2: f64,
    budget: usize,
    xt: &mut [T],
    gt: &mut [T],
) -> Search {
    let mut evals = 0;
    let mut eval = |a: f64, xt: &mut [T], gt: &mut [T], evals: &mut usize| {
        let at = T::of(a);
        for ((t, &xi), &di) in xt.iter_mut().zip(x).zip(d) {
            *t = xi + at * di;
        }
        *evals += 1;
        let phi = f(xt, gt);
        Point {
            a,
            phi,
            dphi: dot(gt, d),
        }
    };
    let armijo = |p: &Point| p.finite() && p.phi <= phi0 + c1 * p.a * dphi0;
    let curvature = |p: &Point| p.dphi.abs() <= -c2 * dphi0;
    let accepted = |p: Point, evals| Search::Accepted {
        step: p.a,
        cost: p.phi,
        evals,
    };

    let mut prev = Point {
        a: 0.0,
        phi: phi0,
        dphi: dphi0,
    };
    let mut a = a0;
    let (mut lo, mut hi);
    let mut first = true;
    loop {
        if evals >= budget || !a.is_finite() {
            return Search::Failed { evals };
        }
        let cur = eval(a, xt, gt, &mut evals);
        if !armijo(&cur) || (!first && cur.phi >= prev.phi) {
            (lo, hi) = (prev, cur);
            break;
        }
        if curvature(&cur) {
            return accepted(cur, evals);
        }
        if cur.dphi >= 0.0 {
            (lo, hi) = (cur, prev);
            break;
        }
        prev = cur;
        a *= 2.0;
        first = false;
    }
    // zoom: lo satisfies Armijo with the lowest φ so far; φ'(lo)·(hi − lo) < 0.
    loop {
        if evals >= budget {
            return Search::Failed { evals };
        }
        let a = cubic(lo, hi);
        let scale = lo.a.abs().max(hi.a.abs());
        let (width, floor) = ((hi.a - lo.a).abs(), 1e-15 * scale);
        if width.is_nan() || floor.is_nan() || width <= floor || a == lo.a || a == hi.a {
            return Search::Failed { evals };
        }
        let cur = eval(a, xt, gt, &mut evals);
        if !armijo(&cur) || cur.phi >= lo.phi {
            hi = cur;
        } else {
            if curvature(&cur) {
                return accepted(cur, evals);
            }
            if cur.dphi * (hi.a - lo.a) >= 0.0 {
                hi = lo;
            }
            lo = cur;
        }
    }
}

/// Minimizes `J` from `x` (overwritten with the result) by L-BFGS with the strong-Wolfe line
/// search. `f(x, g)` returns `J(x)` and writes `∇J(x)` into `g` (n). After every accepted
/// step `observe(&step, x)` is called with the new point; returning `false` stops the run
/// ([`Status::Stopped`]).
///
/// The first step (and every restart) tries `α = min(1, 1/‖g‖)` along `−g`; later steps try
/// α = 1, the natural step of a quasi-Newton direction. Errors: an invalid setting, or a
/// non-finite cost or gradient at the starting point.
///
/// ```
/// use mlplab::nn::lbfgs::{minimize, LbfgsConfig, Status};
/// // J(x) = (x0 − 3)² + 10 (x1 + 1)²
/// let mut x = [0.0f64, 0.0];
/// let f = |x: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * (x[0] - 3.0);
///     g[1] = 20.0 * (x[1] + 1.0);
///     (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
/// };
/// let cfg = LbfgsConfig { grad_tol: 1e-10, ..Default::default() };
/// let s = minimize(&cfg, &mut x, f, |_, _| true).unwrap();
/// assert_eq!(s.status, Status::GradientTolerance);
/// assert!((x[0] - 3.0).abs() < 1e-10 && (x[1] + 1.0).abs() < 1e-10);
/// ```
pub fn minimize<T: Scalar>(
    cfg: &LbfgsConfig,
    x: &mut [T],
    f: impl FnMut(&[T], &mut [T]) -> f64,
    observe: impl FnMut(&Iteration, &[T]) -> bool,
) -> Result<Summary> {
    let mut hist = History::<T>::new(cfg.history);
    minimize_from(cfg, &mut hist, x, f, observe)
}

/// [`minimize`] continuing from the memory `hist` (left with the pairs of this run), so that
/// successive calls on different fixed mini-batches share their curvature pairs (multi-batch
/// L-BFGS: each pair is computed on the batch of its step). `hist`'s capacity is used as m;
/// the summary's `skipped_pairs` counts all of `hist`'s refusals so far.
pub fn minimize_from<T: Scalar>(
    cfg: &LbfgsConfig,
    hist: &mut History<T>,
    x: &mut [T],
    mut f: impl FnMut(&[T], &mut [T]) -> f64,
    mut observe: impl FnMut(&Iteration, &[T]) -> bool,
) -> Result<Summary> {
    cfg.validate()?;
    let n = x.len();
    let zero = T::zero();
    let (mut g, mut d, mut xt, mut gt) =
        (vec![zero; n], vec![zero; n], vec![zero; n], vec![zero; n]);
    let mut s = vec![zero; n];
    let mut y = vec![zero; n];
    let mut cost = f(x, &mut g);
    let mut evals = 1;
    let mut gnorm = norm(&g);
    if !cost.is_finite() || !gnorm.is_finite() {
        return Err(Error::Diverged {
            step: 0,
            epoch: 0,
            quantity: format!("L-BFGS start: cost {cost}, gradient norm {gnorm}"),
            cost,
        });
    }
    let (mut iterations, mut restarts) = (0, 0);
    let status = loop {
        if gnorm <= cfg.grad_tol {
            break Status::GradientTolerance;
        }
        if iterations >= cfg.max_iters {
            break Status::IterationBudget;
        }
        if evals >= cfg.max_evals {
            break Status::EvaluationBudget;
        }
        hist.direction(&g, &mut d);
        let mut restarted = false;
        let mut dphi0 = dot(&g, &d);
        if dphi0.is_nan() || dphi0 >= 0.0 {
            hist.reset();
            restarts += 1;
            restarted = true;
            steepest(&g, &mut d);
            dphi0 = -gnorm * gnorm;
        }
        let mut search_evals = 0;
        let accepted = loop {
            let a0 = if hist.is_empty() {
                (1.0 / gnorm).min(1.0)
            } else {
                1.0
            };
            let budget = cfg.max_search_evals.min(cfg.max_evals - evals);
            let r = strong_wolfe(
                &mut f, x, &d, cost, dphi0, a0, cfg.c1, cfg.c2, budget, &mut xt, &mut gt,
            );
            match r {
                Search::Accepted {
                    step,
                    cost,
                    evals: e,
                } => {
                    evals += e;
                    search_evals += e;
                    break Some((step, cost));
                }
                Search::Failed { evals: e } => {
                    evals += e;
                    search_evals += e;
                    if hist.is_empty() || evals >= cfg.max_evals {
                        break None;
                    }
                    hist.reset();
                    restarts += 1;
                    restarted = true;
                    steepest(&g, &mut d);
                    dphi0 = -gnorm * gnorm;
                }
            }
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
        gnorm = norm(&g);
        iterations += 1;
        let it = Iteration {
            iteration: iterations,
            cost,
            grad_norm: gnorm,
            step,
            search_evals,
            evals,
            restarted,
            pair_skipped,
        };
        if let Some(status) = stop_after(cfg, &it, old, || observe(&it, x)) {
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
        grad_norm: gnorm,
    })
}

fn steepest<T: Scalar>(g: &[T], d: &mut [T]) {
    for (di, &gi) in d.iter_mut().zip(g) {
        *di = -gi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rng::Rng;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    /// Extended Rosenbrock in n (even) dimensions: Σ over pairs.
    fn rosenbrock_n(x: &[f64], g: &mut [f64]) -> f64 {
        let mut j = 0.0;
        for (xc, gc) in x.chunks(2).zip(g.chunks_mut(2)) {
            j += rosenbrock(xc, gc);
        }
        j
    }

    #[test]
    fn two_loop_matches_dense_bfgs_inverse_update() {
        let n = 6;
        let mut rng = Rng::new(7);
        // A = BᵀB + I (SPD); pairs y = A s from random steps.
        let bm: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] =
                    (0..n).map(|k| bm[k * n + i] * bm[k * n + j]).sum::<f64>() + f64::from(i == j);
            }
        }
        let k = 4;
        let mut hist = History::<f64>::new(k);
        let mut pairs = Vec::new();
        for _ in 0..k {
            let s: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let y: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| a[i * n + j] * s[j]).sum())
                .collect();
            assert!(hist.push(&s, &y, 1e-10));
            pairs.push((s, y));
        }
        // Dense: H0 = γ I (γ of the newest pair), then H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ.
        let (sl, yl) = pairs.last().unwrap();
        let gamma = dot(sl, yl) / dot(yl, yl);
        let mut h = vec![0.0; n * n];
        for i in 0..n {
            h[i * n + i] = gamma;
        }
        for (s, y) in &pairs {
            let rho = 1.0 / dot(s, y);
            let mut v = vec![0.0; n * n]; // V = I − ρ y sᵀ
            for i in 0..n {
                for j in 0..n {
                    v[i * n + j] = f64::from(i == j) - rho * y[i] * s[j];
                }
            }
            let mut hv = vec![0.0; n * n]; // H V
            for i in 0..n {
                for j in 0..n {
                    hv[i * n + j] = (0..n).map(|l| h[i * n + l] * v[l * n + j]).sum();
                }
            }
            for i in 0..n {
                for j in 0..n {
                    h[i * n + j] = (0..n).map(|l| v[l * n + i] * hv[l * n + j]).sum::<f64>()
                        + rho * s[i] * s[j];
                }
            }
        }
        let g: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mut d = vec![0.0; n];
        hist.direction(&g, &mut d);
        let mut worst = 0.0f64;
        for i in 0..n {
            let dense: f64 = -(0..n).map(|j| h[i * n + j] * g[j]).sum::<f64>();
            worst = worst.max((dense - d[i]).abs() / dense.abs().max(1.0));
        }
        assert!(
            worst <= 1e-10,
            "two-loop vs dense BFGS: largest difference {worst:e}"
        );
        // and it must not be trivially −γ g
        assert!((d[0] + gamma * g[0]).abs() > 1e-6);
    }

    #[test]
    fn rosenbrock_converges_from_the_standard_start() {
        let mut x = [-1.2f64, 1.0];
        let cfg = LbfgsConfig {
            grad_tol: 1e-12,
            ..Default::default()
        };
        let s = minimize(&cfg, &mut x, rosenbrock, |_, _| true).unwrap();
        assert!(
            (x[0] - 1.0).abs() <= 1e-8 && (x[1] - 1.0).abs() <= 1e-8,
            "x = {x:?}, {s:?}"
        );
        assert!(s.iterations > 10 && s.iterations < 200, "{s:?}");
    }

    #[test]
    fn rosenbrock_in_f32() {
        let mut x = [-1.2f32, 1.0];
        let f = |x: &[f32], g: &mut [f32]| {
            let (a, b) = (x[0] as f64, x[1] as f64);
            g[0] = (-2.0 * (1.0 - a) - 400.0 * a * (b - a * a)) as f32;
            g[1] = (200.0 * (b - a * a)) as f32;
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let cfg = LbfgsConfig {
            grad_tol: 1e-4,
            ..Default::default()
        };
        let s = minimize(&cfg, &mut x, f, |_, _| true).unwrap();
        assert!(
            (x[0] - 1.0).abs() <= 1e-3 && (x[1] - 1.0).abs() <= 2e-3,
            "x = {x:?}, {s:?}"
        );
    }

    #[test]
    fn every_accepted_step_satisfies_strong_wolfe() {
        let n = 20;
        let mut rng = Rng::new(3);
        let mut x: Vec<f64> = (0..n).map(|_| rng.uniform(-2.0, 2.0)).collect();
        let cfg = LbfgsConfig {
            grad_tol: 1e-9,
            history: 5,
            ..Default::default()
        };
        let mut prev = x.clone();
        let mut g_prev = vec![0.0; n];
        let mut f_prev = rosenbrock_n(&prev, &mut g_prev);
        let mut checked = 0;
        let mut g_new = vec![0.0; n];
        let s = minimize(&cfg, &mut x, rosenbrock_n, |it, xn| {
            // Recomputed here, independently: s = α d, so φ'(0) = g_kᵀs/α, φ'(α) = g_{k+1}ᵀs/α.
            let f_new = rosenbrock_n(xn, &mut g_new);
            let step: Vec<f64> = xn.iter().zip(&prev).map(|(a, b)| a - b).collect();
            let d0 = dot(&g_prev, &step);
            let d1 = dot(&g_new, &step);
            assert!(d0 < 0.0, "iteration {}: not a descent step", it.iteration);
            assert!(
                f_new <= f_prev + cfg.c1 * d0 + 1e-14 * f_prev.abs(),
                "iteration {}: sufficient decrease fails ({f_new} > {f_prev} + c1·{d0})",
                it.iteration
            );
            assert!(
                d1.abs() <= cfg.c2 * d0.abs() * (1.0 + 1e-12),
                "iteration {}: curvature fails (|{d1}| > c2·|{d0}|)",
                it.iteration
            );
            assert_eq!(f_new, it.cost);
            prev.copy_from_slice(xn);
            g_prev.copy_from_slice(&g_new);
            f_prev = f_new;
            checked += 1;
            true
        })
        .unwrap();
        assert!(checked >= 50, "only {checked} steps checked: {s:?}");
        assert_eq!(s.status, Status::GradientTolerance, "{s:?}");
    }

    #[test]
    fn failed_search_resets_the_memory_and_restarts() {
        // Evaluations 8..=19 report NaN (a numerically bad stretch): the search under way fails,
        // the memory is cleared, −g is tried; afterwards the run converges with no NaN iterate.
        let mut calls = 0;
        let f = |x: &[f64], g: &mut [f64]| {
            calls += 1;
            let j = rosenbrock(x, g);
            if (8..=19).contains(&calls) {
                f64::NAN
            } else {
                j
            }
        };
        let mut x = [-1.2f64, 1.0];
        let cfg = LbfgsConfig {
            grad_tol: 1e-10,
            max_search_evals: 10,
            ..Default::default()
        };
        let mut saw_restart = false;
        let s = minimize(&cfg, &mut x, f, |it, xn| {
            assert!(xn.iter().all(|v| v.is_finite()) && it.cost.is_finite());
            saw_restart |= it.restarted;
            true
        })
        .unwrap();
        assert!(s.restarts >= 1 && saw_restart, "{s:?}");
        assert_eq!(s.status, Status::GradientTolerance, "{s:?}");
        assert!((x[0] - 1.0).abs() < 1e-8, "{x:?}");
    }

    #[test]
    fn a_wrong_gradient_ends_as_a_failed_search_not_a_nan() {
        // ∇ reported with the wrong sign: −g is an ascent direction, so no α is acceptable.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = -2.0 * x[0];
            x[0] * x[0]
        };
        let mut x = [1.0f64];
        let s = minimize(&LbfgsConfig::default(), &mut x, f, |_, _| true).unwrap();
        assert_eq!(s.status, Status::LineSearchFailed);
        assert_eq!(x, [1.0]);
        assert_eq!(s.cost, 1.0);
    }

    #[test]
    fn non_convex_pairs_are_skipped_and_counted() {
        let mut h = History::<f64>::new(3);
        assert!(h.push(&[1.0, 0.0], &[1.0, 0.0], 1e-10));
        assert!(!h.push(&[1.0, 0.0], &[0.0, 1.0], 1e-10)); // sᵀy = 0
        assert!(!h.push(&[1.0, 1.0], &[-1.0, -1.0], 1e-10)); // sᵀy < 0
        assert!(!h.push(&[1.0, 0.0], &[f64::NAN, 0.0], 1e-10));
        assert_eq!((h.len(), h.skipped()), (1, 3));
        // the memory keeps the last m
        for k in 1..=5 {
            assert!(h.push(&[k as f64, 0.0], &[1.0, 0.0], 1e-10));
        }
        assert_eq!(h.len(), 3);
        h.reset();
        assert!(h.is_empty());
    }

    #[test]
    fn bad_settings_name_the_field_and_the_range() {
        let base = LbfgsConfig::default();
        let cases: Vec<(LbfgsConfig, &str)> = vec![
            (
                LbfgsConfig {
                    history: 0,
                    ..base.clone()
                },
                "history = 0",
            ),
            (
                LbfgsConfig {
                    c1: 0.0,
                    ..base.clone()
                },
                "c1 = 0",
            ),
            (
                LbfgsConfig {
                    c1: 0.9,
                    ..base.clone()
                },
                "c1 = 0.9 ≥ c2 = 0.9",
            ),
            (
                LbfgsConfig {
                    c2: 1.0,
                    ..base.clone()
                },
                "c2 = 1",
            ),
            (
                LbfgsConfig {
                    c2: f64::NAN,
                    ..base.clone()
                },
                "c2 = NaN",
            ),
            (
                LbfgsConfig {
                    grad_tol: -1.0,
                    ..base.clone()
                },
                "grad_tol = -1",
            ),
            (
                LbfgsConfig {
                    rel_cost_tol: f64::INFINITY,
                    ..base.clone()
                },
                "rel_cost_tol = inf",
            ),
            (
                LbfgsConfig {
                    curvature_eps: -1e-3,
                    ..base.clone()
                },
                "curvature_eps = -0.001",
            ),
            (
                LbfgsConfig {
                    max_search_evals: 0,
                    ..base.clone()
                },
                "max_search_evals = 0",
            ),
            (
                LbfgsConfig {
                    max_evals: 0,
                    ..base.clone()
                },
                "max_evals = 0",
            ),
        ];
        for (c, want) in cases {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(want), "{e:?} should contain {want:?}");
            assert!(
                e.contains("must") || e.contains("need"),
                "{e:?} gives no range"
            );
            let mut x = [0.0f64];
            assert!(
                minimize(
                    &c,
                    &mut x,
                    |_, g| {
                        g[0] = 0.0;
                        0.0
                    },
                    |_, _| true
                )
                .is_err()
            );
        }
    }

    #[test]
    fn budgets_stop_the_run() {
        let mut x = [-1.2f64, 1.0];
        let cfg = LbfgsConfig {
            max_iters: 3,
            grad_tol: 0.0,
            ..Default::default()
        };
        let s = minimize(&cfg, &mut x, rosenbrock, |_, _| true).unwrap();
        assert_eq!((s.status, s.iterations), (Status::IterationBudget, 3));
        let mut x = [-1.2f64, 1.0];
        let cfg = LbfgsConfig {
            max_evals: 7,
            grad_tol: 0.0,
            ..Default::default()
        };
        let s = minimize(&cfg, &mut x, rosenbrock, |_, _| true).unwrap();
        assert_eq!(s.status, Status::EvaluationBudget);
        assert!(s.evals <= 7);
    }
}
