//! Data made to overfit: balanced, nested subsets of the training split
//! (`data.train_size`) and corrupted training labels (`data.label_noise`, `data.labels =
//! "random"`), each drawn from its own stream derived from `data.data_seed` (never from the
//! weight seed), and applied to the training split only: the cross-validation and test sets
//! keep their labels (docs/mathematics.md, "Label noise").

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DataError, Dataset};
use crate::nn::rng::Rng;

/// How a corrupted label is chosen ([`LabelNoise::kind`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseKind {
    /// A class drawn uniformly among the `K − 1` classes other than the true one.
    #[default]
    Symmetric,
    /// The fixed next class: `c → (c + 1) mod K` (a "pair flip" that every corrupted row of
    /// one class shares, so the noise is structured rather than uniform).
    Pairs,
}

impl NoiseKind {
    /// The names users write.
    pub const NAMES: &'static str = "\"symmetric\" or \"pairs\"";

    fn parse(s: &str) -> Option<NoiseKind> {
        match s {
            "symmetric" => Some(NoiseKind::Symmetric),
            "pairs" => Some(NoiseKind::Pairs),
            _ => None,
        }
    }
}

/// `data.label_noise`: the fraction `rate` of the training rows whose label is replaced by
/// another class, chosen as `kind` says. Exactly `round(rate · n)` rows of the `n` training
/// rows are corrupted, and a corrupted label always differs from the original.
///
/// In a file: `label_noise = 0.2` (symmetric) or `label_noise = { kind = "pairs", rate = 0.2 }`.
///
/// ```
/// use mlplab::data::{LabelNoise, NoiseKind};
/// let n: LabelNoise = serde_json::from_str("0.2").unwrap();
/// assert_eq!(n, LabelNoise { kind: NoiseKind::Symmetric, rate: 0.2 });
/// let p: LabelNoise = serde_json::from_str(r#"{"kind": "pairs", "rate": 0.4}"#).unwrap();
/// assert_eq!(p.kind, NoiseKind::Pairs);
/// assert_eq!(serde_json::to_string(&n).unwrap(), "0.2");
/// assert!(serde_json::from_str::<LabelNoise>(r#"{"kind": "flip", "rate": 0.4}"#).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LabelNoise {
    /// How the replacement class is chosen (default symmetric).
    pub kind: NoiseKind,
    /// Fraction of training rows corrupted, in `[0, 1)` (default 0: none).
    pub rate: f64,
}

impl LabelNoise {
    /// True when no label is corrupted (rate 0): the JSON then leaves the setting out, so
    /// runs from before it keep their keys.
    pub fn is_none(&self) -> bool {
        self.rate == 0.0
    }

    /// `rate` in `[0, 1)`, finite; the message names `data.label_noise`, the value and the
    /// valid range.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.rate.is_finite() && (0.0..1.0).contains(&self.rate)) {
            return Err(format!(
                "data.label_noise = {}: the rate must be in [0, 1) (0 = clean labels; use \
                 data.labels = \"random\" to replace every label)",
                self.rate
            ));
        }
        Ok(())
    }
}

impl Serialize for LabelNoise {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.kind {
            NoiseKind::Symmetric => s.serialize_f64(self.rate),
            NoiseKind::Pairs => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("kind", &self.kind)?;
                m.serialize_entry("rate", &self.rate)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for LabelNoise {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoiseVisitor)
    }
}

struct NoiseVisitor;

const EXPECTED_NOISE: &str = "a rate in [0, 1) such as 0.2, or a table { kind = \"symmetric\" \
                              or \"pairs\", rate = 0.2 }";

impl<'de> Visitor<'de> for NoiseVisitor {
    type Value = LabelNoise;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED_NOISE)
    }

    fn visit_f64<E: de::Error>(self, rate: f64) -> Result<LabelNoise, E> {
        Ok(LabelNoise {
            kind: NoiseKind::Symmetric,
            rate,
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<LabelNoise, E> {
        self.visit_f64(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<LabelNoise, E> {
        self.visit_f64(v as f64)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LabelNoise, A::Error> {
        let mut noise = LabelNoise::default();
        let mut rate = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => {
                    let name: String = map.next_value()?;
                    noise.kind = NoiseKind::parse(&name).ok_or_else(|| {
                        de::Error::custom(format!(
                            "data.label_noise.kind = {name:?}: expected {}",
                            NoiseKind::NAMES
                        ))
                    })?;
                }
                "rate" => rate = Some(map.next_value::<f64>()?),
                other => {
                    return Err(de::Error::custom(format!(
                        "data.label_noise: unknown field {other:?}; expected kind and rate"
                    )));
                }
            }
        }
        noise.rate = rate.ok_or_else(|| {
            de::Error::custom("data.label_noise: the table needs a rate, e.g. rate = 0.2")
        })?;
        Ok(noise)
    }
}

/// `data.labels`: the training labels as the dataset gives them, or every one drawn
/// uniformly at random (Zhang et al. 2017's randomization test, on the real features).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Labels {
    /// The dataset's labels (the default).
    #[default]
    Given,
    /// Every training label drawn uniformly from the `K` classes (about `1/K` keep their
    /// class by chance).
    Random,
}

impl Labels {
    /// True for the default (the JSON then leaves the setting out).
    pub fn is_given(&self) -> bool {
        *self == Labels::Given
    }
}

/// What the training split's labels undergo: the three settings together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Corruption {
    /// `data.label_noise`.
    pub noise: LabelNoise,
    /// `data.labels`.
    pub labels: Labels,
    /// `data.data_seed`: seeds the subset, the noise and the random labels.
    pub data_seed: u64,
}

impl Corruption {
    /// True when the labels are left as they are.
    pub fn is_none(&self) -> bool {
        self.noise.is_none() && self.labels.is_given()
    }
}

/// Positions (into `labels`, which holds the training split's labels in order) of a
/// balanced subset of `size` rows: `size / K` of each class, ascending. Each class's rows
/// are permuted once by a stream derived from `data_seed` and the first `size / K` taken,
/// so the subsets of one seed are nested (500 ⊂ 1,000 ⊂ 2,000).
///
/// Errors name `data.train_size`: not a multiple of `n_classes`, larger than the split, or
/// more per class than a class has.
///
/// ```
/// let labels: Vec<u32> = (0..100).map(|i| i % 4).collect();
/// let small = mlplab::data::balanced_subset(&labels, 4, 8, 1).unwrap();
/// let large = mlplab::data::balanced_subset(&labels, 4, 40, 1).unwrap();
/// assert!(small.iter().all(|i| large.contains(i)));
/// assert!(mlplab::data::balanced_subset(&labels, 4, 10, 1).is_err()); // 10 is not 4 × k
/// ```
pub fn balanced_subset(
    labels: &[u32],
    n_classes: usize,
    size: usize,
    data_seed: u64,
) -> Result<Vec<usize>, DataError> {
    let k = n_classes.max(1);
    let invalid =
        |expected: String| DataError::invalid("data.train_size", size.to_string(), expected);
    if size == 0 {
        return Err(invalid(format!(
            "a positive multiple of {k} (the number of classes), at most {}",
            labels.len()
        )));
    }
    if size > labels.len() {
        return Err(invalid(format!(
            "at most {}, the rows of the training split (data.split)",
            labels.len()
        )));
    }
    if !size.is_multiple_of(k) {
        return Err(invalid(format!(
            "a multiple of {k}, the number of classes, since the subset is balanced: e.g. {} or {}",
            size / k * k.max(1),
            (size / k + 1) * k
        )));
    }
    let per_class = size / k;
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in labels.iter().enumerate() {
        if let Some(rows) = by_class.get_mut(c as usize) {
            rows.push(i);
        }
    }
    let mut rng = Rng::derived(data_seed, "train-subset");
    let mut chosen = Vec::with_capacity(size);
    for (c, rows) in by_class.iter_mut().enumerate() {
        if rows.len() < per_class {
            return Err(invalid(format!(
                "at most {} ({} classes × {}): class {c} has only {} rows in the training split",
                k * by_class_min(labels, k),
                k,
                by_class_min(labels, k),
                rows.len()
            )));
        }
        rng.shuffle(rows);
        chosen.extend_from_slice(&rows[..per_class]);
    }
    chosen.sort_unstable();
    Ok(chosen)
}

fn by_class_min(labels: &[u32], k: usize) -> usize {
    let mut counts = vec![0usize; k];
    for &c in labels {
        if let Some(n) = counts.get_mut(c as usize) {
            *n += 1;
        }
    }
    counts.into_iter().min().unwrap_or(0)
}

/// Corrupts `train`'s labels as `c` says and returns the original labels (`None` when
/// nothing was to be done). The rows corrupted are exactly those whose label now differs
/// from the returned original.
///
/// Symmetric and pair noise choose `round(rate · n)` distinct rows by a permutation drawn
/// from `data_seed` ("label-noise"); a symmetric replacement is `c + 1 + u mod K` with `u`
/// uniform in `0..K−1` (never `c`), a pair replacement `(c + 1) mod K`. Random labels draw
/// every label uniformly from `0..K` ("random-labels").
///
/// ```
/// use mlplab::data::{Corruption, Dataset, LabelNoise, corrupt_labels};
/// let mut d = Dataset {
///     name: "toy".into(), source: "inline".into(), features: vec![0.0; 10],
///     labels: vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0], n_features: 1, n_classes: 3,
///     class_names: vec!["a".into(), "b".into(), "c".into()], image_shape: None,
/// };
/// let c = Corruption { noise: LabelNoise { rate: 0.3, ..Default::default() }, ..Default::default() };
/// let original = corrupt_labels(&mut d, &c).unwrap().unwrap();
/// assert_eq!(original.iter().zip(&d.labels).filter(|(a, b)| a != b).count(), 3);
/// ```
pub fn corrupt_labels(train: &mut Dataset, c: &Corruption) -> Result<Option<Vec<u32>>, DataError> {
    if c.is_none() {
        return Ok(None);
    }
    if c.noise.validate().is_err() {
        return Err(DataError::invalid(
            "data.label_noise",
            c.noise.rate.to_string(),
            "a rate in [0, 1) (0 = clean labels; data.labels = \"random\" replaces every label)",
        ));
    }
    let k = train.n_classes;
    if k < 2 {
        return Err(DataError::invalid(
            "data.label_noise",
            format!("{:?}", c.noise),
            format!("a dataset of at least 2 classes ({} has {k})", train.name),
        ));
    }
    if !c.noise.is_none() && !c.labels.is_given() {
        return Err(DataError::invalid(
            "data.label_noise",
            c.noise.rate.to_string(),
            "0 when data.labels = \"random\" (random labels already replace every label)",
        ));
    }
    let original = train.labels.clone();
    let k32 = k as u32;
    match c.labels {
        Labels::Random => {
            let mut rng = Rng::derived(c.data_seed, "random-labels");
            for label in &mut train.labels {
                *label = rng.below(k as u64) as u32;
            }
        }
        Labels::Given => {
            let n = train.labels.len();
            let m = (c.noise.rate * n as f64).round() as usize;
            let mut rows: Vec<usize> = (0..n).collect();
            let mut rng = Rng::derived(c.data_seed, "label-noise");
            rng.shuffle(&mut rows);
            for &i in &rows[..m.min(n)] {
                let label = &mut train.labels[i];
                *label = match c.noise.kind {
                    NoiseKind::Symmetric => (*label + 1 + rng.below(k as u64 - 1) as u32) % k32,
                    NoiseKind::Pairs => (*label + 1) % k32,
                };
            }
        }
    }
    Ok(Some(original))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize, k: usize) -> Dataset {
        Dataset {
            name: "toy".into(),
            source: "inline".into(),
            features: (0..n).map(|i| i as f32).collect(),
            labels: (0..n).map(|i| ((i * 7) % k) as u32).collect(),
            n_features: 1,
            n_classes: k,
            class_names: (0..k).map(|c| c.to_string()).collect(),
            image_shape: None,
        }
    }

    fn noise(kind: NoiseKind, rate: f64, seed: u64) -> Corruption {
        Corruption {
            noise: LabelNoise { kind, rate },
            labels: Labels::Given,
            data_seed: seed,
        }
    }

    #[test]
    fn symmetric_noise_corrupts_exactly_round_rate_n_rows_never_to_the_same_class() {
        for (n, rate) in [(1000, 0.2), (999, 0.4), (101, 0.25), (10, 0.05), (7, 0.0)] {
            let mut d = toy(n, 10);
            let before = d.labels.clone();
            let original = corrupt_labels(&mut d, &noise(NoiseKind::Symmetric, rate, 3)).unwrap();
            let changed = before.iter().zip(&d.labels).filter(|(a, b)| a != b).count();
            assert_eq!(
                changed,
                (rate * n as f64).round() as usize,
                "n {n} rate {rate}"
            );
            if rate > 0.0 {
                assert_eq!(original.unwrap(), before);
            }
            assert!(d.labels.iter().all(|&l| l < 10));
        }
    }

    #[test]
    fn symmetric_noise_reaches_every_other_class() {
        let mut d = toy(5000, 4);
        let before = d.labels.clone();
        corrupt_labels(&mut d, &noise(NoiseKind::Symmetric, 0.5, 1)).unwrap();
        let mut seen = [[0usize; 4]; 4];
        for (&a, &b) in before.iter().zip(&d.labels) {
            seen[a as usize][b as usize] += 1;
        }
        for (a, row) in seen.iter().enumerate() {
            for (b, &count) in row.iter().enumerate() {
                if a != b {
                    // 5000/4 rows per class, half corrupted, a third of those to each class.
                    assert!((150..270).contains(&count), "{a} -> {b}: {count}");
                }
            }
        }
    }

    #[test]
    fn pair_noise_moves_each_class_to_the_next() {
        let mut d = toy(500, 10);
        let before = d.labels.clone();
        corrupt_labels(&mut d, &noise(NoiseKind::Pairs, 0.2, 9)).unwrap();
        let mut changed = 0;
        for (&a, &b) in before.iter().zip(&d.labels) {
            if a != b {
                changed += 1;
                assert_eq!(b, (a + 1) % 10);
            }
        }
        assert_eq!(changed, 100);
    }

    #[test]
    fn corruption_is_determined_by_the_data_seed() {
        let run = |seed| {
            let mut d = toy(300, 10);
            corrupt_labels(&mut d, &noise(NoiseKind::Symmetric, 0.3, seed)).unwrap();
            d.labels
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    #[test]
    fn random_labels_replace_every_label_uniformly() {
        let mut d = toy(10_000, 10);
        let c = Corruption {
            labels: Labels::Random,
            ..Default::default()
        };
        let before = corrupt_labels(&mut d, &c).unwrap().unwrap();
        let kept = before.iter().zip(&d.labels).filter(|(a, b)| a == b).count();
        // About 1/K keep their class by chance: 1,000 ± 3σ (σ = 30).
        assert!((900..1100).contains(&kept), "{kept}");
        let counts = d.class_counts();
        assert!(
            counts.iter().all(|&c| (880..1120).contains(&c)),
            "{counts:?}"
        );
        let mut again = toy(10_000, 10);
        corrupt_labels(&mut again, &c).unwrap();
        assert_eq!(again.labels, d.labels);
    }

    #[test]
    fn bad_settings_are_errors_naming_the_setting() {
        for rate in [1.0, -0.1, f64::NAN, 1.5] {
            let mut d = toy(10, 2);
            let e = corrupt_labels(&mut d, &noise(NoiseKind::Symmetric, rate, 0))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("data.label_noise") && e.contains("[0, 1)"),
                "{e}"
            );
        }
        let mut d = toy(10, 2);
        let both = Corruption {
            noise: LabelNoise {
                kind: NoiseKind::Symmetric,
                rate: 0.2,
            },
            labels: Labels::Random,
            data_seed: 0,
        };
        let e = corrupt_labels(&mut d, &both).unwrap_err().to_string();
        assert!(e.contains("data.labels = \"random\""), "{e}");
        let e = serde_json::from_str::<LabelNoise>(r#"{"kind": "flip", "rate": 0.1}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("data.label_noise.kind") && e.contains("pairs"),
            "{e}"
        );
        let e = serde_json::from_str::<LabelNoise>(r#"{"kind": "pairs"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rate"), "{e}");
    }

    #[test]
    fn subsets_are_balanced_nested_and_seeded() {
        let labels: Vec<u32> = (0..20_000)
            .map(|i| ((i * 13 + i / 7) % 10) as u32)
            .collect();
        let sub = |size, seed| balanced_subset(&labels, 10, size, seed).unwrap();
        let (a, b, c) = (sub(500, 4), sub(1000, 4), sub(2000, 4));
        for (small, large) in [(&a, &b), (&b, &c)] {
            assert!(small.iter().all(|i| large.binary_search(i).is_ok()));
        }
        for s in [&a, &b, &c] {
            let mut counts = [0usize; 10];
            for &i in s.iter() {
                counts[labels[i] as usize] += 1;
            }
            assert!(counts.iter().all(|&n| n == s.len() / 10), "{counts:?}");
            assert!(s.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!(a, sub(500, 4));
        assert_ne!(a, sub(500, 5));
    }

    #[test]
    fn infeasible_subsets_are_errors_naming_train_size() {
        let labels: Vec<u32> = [vec![0; 30], vec![1; 5]].concat();
        for (size, says) in [
            (0, "positive"),
            (36, "at most 35"),
            (7, "multiple of 2"),
            (20, "class 1 has only 5"),
        ] {
            let e = balanced_subset(&labels, 2, size, 0)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("data.train_size") && e.contains(says),
                "{size}: {e}"
            );
        }
    }

    #[test]
    fn load_corrupts_and_subsets_the_training_split_only() {
        use crate::data::{LoadOptions, load};
        let clean = load("blobs:classes=4", &LoadOptions::default()).unwrap();
        let opts = LoadOptions {
            train_size: Some(400),
            corruption: noise(NoiseKind::Symmetric, 0.25, 11),
            ..Default::default()
        };
        let noisy = load("blobs:classes=4", &opts).unwrap();
        assert_eq!(noisy.cv, clean.cv);
        assert_eq!(noisy.test, clean.test);
        assert_eq!(noisy.train.len(), 400);
        let original = noisy.true_labels.clone().unwrap();
        let mut counts = [0; 4];
        for &c in &original {
            counts[c as usize] += 1;
        }
        assert_eq!(counts, [100; 4]);
        assert_eq!(noisy.corrupted().iter().filter(|&&c| c).count(), 100);
        // The subset's rows are rows of the clean training split, with their features.
        let row = noisy.train.row(0);
        assert!((0..clean.train.len()).any(|i| clean.train.row(i) == row));
        assert!(clean.true_labels.is_none() && clean.corrupted().iter().all(|&c| !c));
        let again = load("blobs:classes=4", &opts).unwrap();
        assert_eq!(again, noisy);
    }
}
