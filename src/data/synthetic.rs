//! Synthetic datasets, deterministic by seed: random features with random labels (a set
//! a network can only memorize, SPEC §9's L2 study), Gaussian blobs, and spirals.
//!
//! Reachable through [`load`](super::load) by name, with parameters after a colon:
//! `"random-labels"`, `"blobs:classes=4,seed=7"`, `"spirals:n=2000,noise=0.1"`. Parameters
//! not given in the name come from [`LoadOptions::synthetic`](super::LoadOptions::synthetic).
//!
//! Randomness: the project's one generator, [`Rng::keyed`] — ChaCha8 keyed by the seed's 8
//! little-endian bytes followed by 24 zero bytes; uniform draws are [`Rng::unit`],
//! `u = (x >> 11) · 2⁻⁵³` from the raw `u64` stream, so they are bit-identical on every
//! machine and every `rand` version. Normal draws are [`Rng::normal`] (Box–Muller,
//! `√(−2 ln(1−u₁)) · cos(2π u₂)`) and spirals use `sin`/`cos`, which go through the
//! platform's maths library and could differ in the last bit on an exotic one.
//!
//! These are the only spirals of the project: tests and examples load them by name
//! (`spirals:n=400,test=0,noise=0.02`) rather than drawing their own.
//!
//! The training rows come first, then the `test` rows, all from one stream.

use serde::{Deserialize, Serialize};

use super::DataError;
use super::dataset::{Features, Raw, numbered_classes};
use crate::nn::rng::Rng;

/// The kinds of synthetic set, by the name `load` accepts.
///
/// ```
/// assert_eq!(mlplab::data::SYNTHETIC, ["random-labels", "blobs", "spirals"]);
/// ```
pub const SYNTHETIC: &[&str] = &["random-labels", "blobs", "spirals"];

/// Sizes, shape and seed of a synthetic set. `None` fields take the kind's default
/// (listed per field).
///
/// ```
/// use mlplab::data::{load, LoadOptions, SyntheticSpec, Split};
/// let opts = LoadOptions {
///     synthetic: SyntheticSpec { n: 200, test: 50, seed: 3, ..Default::default() },
///     split: Split::Full { cv_size: Some(40) },
///     ..Default::default()
/// };
/// let s = load("spirals", &opts)?;
/// assert_eq!((s.train.len(), s.cv.len(), s.test.map(|t| t.len())), (160, 40, Some(50)));
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticSpec {
    /// Examples in the (official) training set, from which the split cuts train and CV.
    /// Default 20,000, what the study's default split needs. Name parameter `n`.
    pub n: usize,
    /// Examples in the held-out test set (0: none). Default 10,000. Name parameter `test`.
    pub test: usize,
    /// Features per example: random-labels 784 (an MNIST-sized input), blobs 2; spirals are
    /// always 2-D. Name parameter `features`.
    pub features: Option<usize>,
    /// Classes: random-labels 10, blobs 3, spirals 2 (arms). Name parameter `classes`.
    pub classes: Option<usize>,
    /// Blobs: standard deviation around each centre (default 1.0); spirals: standard
    /// deviation of the Gaussian noise added to each point (default 0.05); unused by
    /// random-labels. Name parameter `noise`.
    pub noise: Option<f64>,
    /// Spirals: turns of each arm (default 1.5). Name parameter `turns`.
    pub turns: Option<f64>,
    /// Seed (default 0). Name parameter `seed`.
    pub seed: u64,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec {
            n: 20_000,
            test: 10_000,
            features: None,
            classes: None,
            noise: None,
            turns: None,
            seed: 0,
        }
    }
}

/// A label uniform in `0..k` by scaling, `⌊u·k⌋` (capped at `k − 1`), `u` = [`Rng::unit`]:
/// the draw the synthetic sets have always used (not [`Rng::below`], which would change them).
fn label_below(rng: &mut Rng, k: usize) -> u32 {
    ((rng.unit() * k as f64) as usize).min(k - 1) as u32
}

/// The parameters, resolved: what was generated (also the canonical name's parameters).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub kind: String,
    pub n: usize,
    pub test: usize,
    pub features: usize,
    pub classes: usize,
    pub noise: f64,
    pub turns: f64,
    pub seed: u64,
}

impl Resolved {
    /// `kind:n=…,test=…,…`: every parameter, so that results record exactly what was used.
    pub fn name(&self) -> String {
        let base = format!("{}:n={},test={}", self.kind, self.n, self.test);
        match self.kind.as_str() {
            "random-labels" => format!(
                "{base},features={},classes={},seed={}",
                self.features, self.classes, self.seed
            ),
            "blobs" => format!(
                "{base},features={},classes={},noise={},seed={}",
                self.features, self.classes, self.noise, self.seed
            ),
            _ => format!(
                "{base},classes={},noise={},turns={},seed={}",
                self.classes, self.noise, self.turns, self.seed
            ),
        }
    }
}

/// The parameter keys a synthetic name accepts, as listed in error messages.
const KEYS: &str = "n, test, features, classes, noise, turns, seed";

/// Applies the `key=value` parameters after the kind's colon to `base`, then the kind's
/// defaults, and checks the result.
pub(crate) fn resolve(
    kind: &str,
    params: Option<&str>,
    base: &SyntheticSpec,
) -> Result<Resolved, DataError> {
    let mut spec = base.clone();
    for pair in params
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        apply_param(&mut spec, kind, pair)?;
    }
    let (features, classes, noise) = kind_defaults(kind, &spec)?;
    check_shape(kind, features, classes)?;
    check_size(kind, spec.n, spec.test, features)?;
    Ok(Resolved {
        kind: kind.to_string(),
        n: spec.n,
        test: spec.test,
        features,
        classes,
        noise,
        turns: spec.turns.unwrap_or(1.5),
        seed: spec.seed,
    })
}

/// Sets the field of `spec` that one `key=value` parameter of `kind`'s name names.
fn apply_param(spec: &mut SyntheticSpec, kind: &str, pair: &str) -> Result<(), DataError> {
    let Some((key, value)) = pair.split_once('=') else {
        return Err(DataError::invalid(
            format!("{kind} parameter"),
            format!("{pair:?}"),
            format!("key=value with key one of {KEYS}"),
        ));
    };
    let (key, value) = (key.trim(), value.trim());
    let bad = |what: &str| {
        DataError::invalid(
            format!("{kind}: {key}"),
            format!("{value:?}"),
            what.to_string(),
        )
    };
    let int = || {
        value
            .parse::<usize>()
            .map_err(|_| bad("a non-negative integer"))
    };
    let float = || {
        value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| bad("a finite number ≥ 0"))
    };
    match key {
        "n" => spec.n = int()?,
        "test" => spec.test = int()?,
        "features" => spec.features = Some(int()?),
        "classes" => spec.classes = Some(int()?),
        "noise" => spec.noise = Some(float()?),
        "turns" => spec.turns = Some(float()?),
        "seed" => {
            spec.seed = value
                .parse()
                .map_err(|_| bad("a non-negative integer below 2^64"))?
        }
        _ => {
            return Err(DataError::invalid(
                format!("{kind} parameter"),
                format!("{key:?}"),
                format!("one of {KEYS}"),
            ));
        }
    }
    Ok(())
}

/// `(features, classes, noise)` of `spec`, each unset one taking `kind`'s default.
fn kind_defaults(kind: &str, spec: &SyntheticSpec) -> Result<(usize, usize, f64), DataError> {
    match kind {
        "random-labels" => Ok((
            spec.features.unwrap_or(784),
            spec.classes.unwrap_or(10),
            0.0,
        )),
        "blobs" => Ok((
            spec.features.unwrap_or(2),
            spec.classes.unwrap_or(3),
            spec.noise.unwrap_or(1.0),
        )),
        "spirals" => {
            if let Some(f) = spec.features.filter(|&f| f != 2) {
                return Err(DataError::invalid(
                    "spirals: features",
                    f.to_string(),
                    "2 (spirals are points in the plane)",
                ));
            }
            Ok((2, spec.classes.unwrap_or(2), spec.noise.unwrap_or(0.05)))
        }
        _ => Err(DataError::invalid(
            "synthetic kind",
            kind,
            SYNTHETIC.join(", "),
        )),
    }
}

/// The most feature values a synthetic set may have (rows × features, training and test):
/// 2^31 `f32`s, 8 GiB; more is a typo, refused before anything is allocated.
const MAX_VALUES: usize = 1 << 31;

/// Checks that `(n + test) × features` values fit under [`MAX_VALUES`] (checked arithmetic).
fn check_size(kind: &str, n: usize, test: usize, features: usize) -> Result<(), DataError> {
    match n
        .checked_add(test)
        .and_then(|rows| rows.checked_mul(features))
    {
        Some(v) if v <= MAX_VALUES => Ok(()),
        _ => Err(DataError::invalid(
            format!("{kind}: n, test and features"),
            format!("n={n}, test={test}, features={features}"),
            format!("(n + test) × features at most {MAX_VALUES} values"),
        )),
    }
}

/// Checks that a `kind` set has at least 2 classes (at most 65,536) and 1 feature.
fn check_shape(kind: &str, features: usize, classes: usize) -> Result<(), DataError> {
    if !(2..=super::dataset::MAX_INFERRED_CLASSES).contains(&classes) {
        return Err(DataError::invalid(
            format!("{kind}: classes"),
            classes.to_string(),
            format!(
                "at least 2, at most {}",
                super::dataset::MAX_INFERRED_CLASSES
            ),
        ));
    }
    if features < 1 {
        return Err(DataError::invalid(
            format!("{kind}: features"),
            "0",
            "at least 1",
        ));
    }
    Ok(())
}

/// Generates `r.n + r.test` rows: the training set, then the test set (if `r.test > 0`).
pub(crate) fn generate(r: &Resolved) -> (Raw, Option<Raw>) {
    let total = r.n + r.test;
    let (d, k) = (r.features, r.classes);
    let mut rng = Rng::keyed(r.seed);
    let (mut x, mut y) = match r.kind.as_str() {
        "random-labels" => random_labels(&mut rng, total, d, k),
        "blobs" => blobs(&mut rng, total, d, k, r.noise),
        _ => spirals(&mut rng, total, k, r.noise, r.turns),
    };
    let test_x = x.split_off(r.n * d);
    let test_y = y.split_off(r.n);
    let make = |x: Vec<f32>, y: Vec<u32>| Raw {
        features: Features::F32(x),
        labels: y,
        n_features: d,
        n_classes: k,
        class_names: numbered_classes(k),
        image_shape: None,
        class_grouped: false,
    };
    let test = (r.test > 0).then(|| make(test_x, test_y));
    (make(x, y), test)
}

/// `total` rows of `d` features `x_ij ~ U[0, 1)` and labels `y_i ~ U{0..k}`: no relation
/// between them, a set a network can only memorize.
fn random_labels(rng: &mut Rng, total: usize, d: usize, k: usize) -> (Vec<f32>, Vec<u32>) {
    let (mut x, mut y) = (Vec::with_capacity(total * d), Vec::with_capacity(total));
    for _ in 0..total {
        x.extend((0..d).map(|_| rng.unit() as f32));
        y.push(label_below(rng, k));
    }
    (x, y)
}

/// `k` Gaussian blobs in `d` dimensions: centres `~ U[−10, 10]^d` (scikit-learn's
/// `make_blobs` box), `x = centre(y) + σ·N(0, I)`; `y_i = i mod k`, so every prefix is
/// balanced.
fn blobs(rng: &mut Rng, total: usize, d: usize, k: usize, sigma: f64) -> (Vec<f32>, Vec<u32>) {
    let centres: Vec<f64> = (0..k * d).map(|_| 20.0 * rng.unit() - 10.0).collect();
    let (mut x, mut y) = (Vec::with_capacity(total * d), Vec::with_capacity(total));
    for i in 0..total {
        let c = i % k;
        x.extend((0..d).map(|j| (centres[c * d + j] + sigma * rng.normal()) as f32));
        y.push(c as u32);
    }
    (x, y)
}

/// `k` interleaved spiral arms in the plane; row `i` is on arm `c = i mod k`: `t ~ U[0, 1)`,
/// radius `t`, angle `2π·(turns·t + c/k)`, plus `σ·N(0, I)` noise.
fn spirals(rng: &mut Rng, total: usize, k: usize, sigma: f64, turns: f64) -> (Vec<f32>, Vec<u32>) {
    let (mut x, mut y) = (Vec::with_capacity(total * 2), Vec::with_capacity(total));
    for i in 0..total {
        let c = i % k;
        let t = rng.unit();
        let angle = std::f64::consts::TAU * (turns * t + c as f64 / k as f64);
        let (px, py) = (t * angle.cos(), t * angle.sin());
        x.push((px + sigma * rng.normal()) as f32);
        x.push((py + sigma * rng.normal()) as f32);
        y.push(c as u32);
    }
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_from_the_keyed_stream() {
        // The stream itself is pinned in nn::rng (`keyed_stream_is_the_published_…`); here:
        // the first label of random-labels is the second draw after the first row's features.
        let r = resolve(
            "random-labels",
            Some("n=1,test=0,features=1,classes=10"),
            &SyntheticSpec::default(),
        )
        .unwrap();
        let (raw, _) = generate(&r);
        let mut rng = Rng::keyed(0);
        let x0 = rng.unit() as f32;
        assert_eq!(raw.features, Features::F32(vec![x0]));
        assert_eq!(raw.labels, [label_below(&mut rng, 10)]);
    }

    #[test]
    fn deterministic_and_shaped() {
        for kind in SYNTHETIC {
            let r = resolve(
                kind,
                Some("n=100,test=20,seed=5"),
                &SyntheticSpec::default(),
            )
            .unwrap();
            let (a, at) = generate(&r);
            let (b, _) = generate(&r);
            assert_eq!(a, b, "{kind} is deterministic");
            assert_eq!(a.len(), 100);
            assert_eq!(at.unwrap().len(), 20);
            assert_eq!(
                a.n_features * a.len(),
                match &a.features {
                    Features::F32(v) => v.len(),
                    _ => 0,
                }
            );
            a.check_labels(kind).unwrap();
            let r2 = resolve(
                kind,
                Some("n=100,test=20,seed=6"),
                &SyntheticSpec::default(),
            )
            .unwrap();
            assert_ne!(generate(&r2).0, a, "{kind}: the seed matters");
        }
    }

    #[test]
    fn bad_parameters() {
        let base = SyntheticSpec::default();
        let msg = resolve("blobs", Some("size=3"), &base)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("\"size\"") && msg.contains("one of n, test"),
            "{msg}"
        );
        let msg = resolve("spirals", Some("noise=-1"), &base)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("spirals: noise: \"-1\""), "{msg}");
        let msg = resolve("blobs", Some("classes=1"), &base)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("at least 2"), "{msg}");
        let msg = resolve("spirals", Some("features=3"), &base)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("spirals: features: 3"), "{msg}");
        assert!(resolve("blobs", Some("n"), &base).is_err());
        // Regression (inputs of the kind tests/fuzz_data.rs feeds): sizes whose product overflows, or is absurd, were
        // allocated (or overflowed) instead of refused.
        for bad in [
            "n=18446744073709551615,test=1",
            "n=4294967296,features=4294967296",
            "n=100000000,features=100",
        ] {
            let msg = resolve("random-labels", Some(bad), &base)
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("(n + test) × features at most"),
                "{bad}: {msg}"
            );
        }
        let msg = resolve("blobs", Some("classes=99999999999"), &base)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("at most 65536"), "{msg}");
    }
}
