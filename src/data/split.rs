//! How train and cross-validation sets are cut out of an official training set (SPEC §7).

use serde::{Deserialize, Serialize};

use super::DataError;
use super::dataset::Raw;

/// How to cut train / cross-validation out of the official training set. The official
/// test set is never touched by a split; it is the third, held-out evaluation.
///
/// In a TOML config: `split = { kind = "study" }`, `split = { kind = "per-class", k = 500 }`,
/// `split = { kind = "full", cv_size = 10000 }`; omitted fields take the defaults shown.
///
/// ```
/// use mlplab::data::Split;
/// // The study's split: first 10,000 for training, next 10,000 for cross-validation.
/// assert_eq!(Split::default(), Split::Study { train_offset: 0, train_size: 10_000, cv_offset: 10_000, cv_size: 10_000 });
/// let s: Split = serde_json::from_str(r#"{"kind": "per-class"}"#).unwrap();
/// assert_eq!(s, Split::PerClass { k: 1000 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Split {
    /// Rows `train_offset .. train_offset + train_size` for training and
    /// `cv_offset .. cv_offset + cv_size` for cross-validation, in the official order.
    ///
    /// On a set stored grouped by class (an image folder such as `cifar10-jpeg`, whose
    /// global order is lost), "the first 10,000" would be one class only; there the offsets
    /// and sizes are divided evenly among the classes and taken per class, interleaved
    /// (exactly [`Split::PerClass`] with `k = 1,000` for the defaults on 10 classes), and
    /// each must then be a multiple of the number of classes.
    Study {
        /// First training row (default 0).
        #[serde(default)]
        train_offset: usize,
        /// Training rows (default 10,000).
        #[serde(default = "ten_thousand")]
        train_size: usize,
        /// First cross-validation row (default 10,000).
        #[serde(default = "ten_thousand")]
        cv_offset: usize,
        /// Cross-validation rows (default 10,000).
        #[serde(default = "ten_thousand")]
        cv_size: usize,
    },
    /// The first `k` examples of each class for training, the next `k` of each class for
    /// cross-validation, interleaved by class: `class0[0], class1[0], …, class9[0],
    /// class0[1], …`.
    PerClass {
        /// Examples per class in each of train and CV (default 1,000).
        #[serde(default = "thousand")]
        k: usize,
    },
    /// The whole official training set. With `cv_size = Some(m)` its last `m` rows are
    /// held out for cross-validation (and not trained on); with `None` the CV set is empty.
    Full {
        /// Rows at the end held out for cross-validation (default none).
        #[serde(default)]
        cv_size: Option<usize>,
    },
}

fn ten_thousand() -> usize {
    10_000
}
fn thousand() -> usize {
    1_000
}

impl Default for Split {
    fn default() -> Self {
        Split::Study {
            train_offset: 0,
            train_size: 10_000,
            cv_offset: 10_000,
            cv_size: 10_000,
        }
    }
}

impl Split {
    /// The number of rows of the official training set this split needs, at least (0 when
    /// it depends on the data: per-class and full splits).
    ///
    /// ```
    /// assert_eq!(mlplab::data::Split::default().rows_needed(), 20_000);
    /// ```
    pub fn rows_needed(&self) -> usize {
        match *self {
            Split::Study {
                train_offset,
                train_size,
                cv_offset,
                cv_size,
            } => (train_offset + train_size).max(cv_offset + cv_size),
            Split::PerClass { .. } | Split::Full { .. } => 0,
        }
    }

    /// Row indices `(train, cv)` into `raw`; `what` names the dataset in errors.
    pub(crate) fn indices(
        &self,
        raw: &Raw,
        what: &str,
    ) -> Result<(Vec<usize>, Vec<usize>), DataError> {
        match *self {
            Split::Study {
                train_offset,
                train_size,
                cv_offset,
                cv_size,
            } => {
                let train = (train_offset, train_size);
                let cv = (cv_offset, cv_size);
                if raw.class_grouped {
                    study_per_class(train, cv, raw, what)
                } else {
                    study_in_order(train, cv, raw.len(), what)
                }
            }
            Split::PerClass { k } => {
                let by_class = per_class_rows(raw);
                Ok((
                    interleave(&by_class, 0, k, raw, what, "split.k")?,
                    interleave(&by_class, k, k, raw, what, "split.k")?,
                ))
            }
            Split::Full { cv_size } => {
                let n = raw.len();
                let m = cv_size.unwrap_or(0);
                if m >= n && m > 0 {
                    return Err(DataError::invalid(
                        "split.cv_size",
                        m.to_string(),
                        format!("below {n}, the number of examples in the training set of {what}"),
                    ));
                }
                Ok(((0..n - m).collect(), (n - m..n).collect()))
            }
        }
    }
}

/// The study split on a set in its official order: `train = (offset, size)` and `cv`
/// likewise, both within the `n` rows.
fn study_in_order(
    train: (usize, usize),
    cv: (usize, usize),
    n: usize,
    what: &str,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    for (field, (offset, size)) in [("train", train), ("cv", cv)] {
        let end = offset + size;
        if end > n {
            return Err(DataError::invalid(
                format!("split.{field}_offset + split.{field}_size"),
                end.to_string(),
                format!("at most {n}, the number of examples in the training set of {what}"),
            ));
        }
    }
    Ok((
        (train.0..train.0 + train.1).collect(),
        (cv.0..cv.0 + cv.1).collect(),
    ))
}

/// The study split on a set stored grouped by class: offsets and sizes divided evenly
/// among the classes (each must be a multiple of the class count) and taken per class.
fn study_per_class(
    (train_offset, train_size): (usize, usize),
    (cv_offset, cv_size): (usize, usize),
    raw: &Raw,
    what: &str,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    let k = raw.n_classes.max(1);
    for (field, v) in [
        ("train_offset", train_offset),
        ("train_size", train_size),
        ("cv_offset", cv_offset),
        ("cv_size", cv_size),
    ] {
        if v % k != 0 {
            return Err(DataError::invalid(
                format!("split.{field}"),
                v.to_string(),
                format!(
                    "a multiple of {k}: {what} is stored grouped by class, so the study's split is taken per class (use kind = \"per-class\" to set k directly)"
                ),
            ));
        }
    }
    let by_class = per_class_rows(raw);
    let train = interleave(
        &by_class,
        train_offset / k,
        train_size / k,
        raw,
        what,
        "split.train",
    )?;
    let cv = interleave(&by_class, cv_offset / k, cv_size / k, raw, what, "split.cv")?;
    Ok((train, cv))
}

/// Row indices of each class, in stored order.
fn per_class_rows(raw: &Raw) -> Vec<Vec<usize>> {
    let mut by_class = vec![Vec::new(); raw.n_classes];
    for (i, &l) in raw.labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    by_class
}

/// `by_class[c][offset + j]` for `j in 0..k`, interleaved: j-major, class-minor.
fn interleave(
    by_class: &[Vec<usize>],
    offset: usize,
    k: usize,
    raw: &Raw,
    what: &str,
    option: &str,
) -> Result<Vec<usize>, DataError> {
    if let Some((c, rows)) = by_class
        .iter()
        .enumerate()
        .find(|(_, rows)| rows.len() < offset + k)
    {
        return Err(DataError::invalid(
            option,
            format!("{k} per class from position {offset}"),
            format!(
                "class {:?} of {what} has only {} examples",
                raw.class_names.get(c).map_or("?", |s| s.as_str()),
                rows.len()
            ),
        ));
    }
    Ok((offset..offset + k)
        .flat_map(|j| by_class.iter().map(move |rows| rows[j]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::Features;

    fn raw(labels: Vec<u32>, grouped: bool) -> Raw {
        Raw {
            features: Features::U8(vec![0; labels.len()]),
            n_features: 1,
            n_classes: 3,
            class_names: vec!["a".into(), "b".into(), "c".into()],
            image_shape: None,
            class_grouped: grouped,
            labels,
        }
    }

    #[test]
    fn study_offsets() {
        let r = raw(vec![0; 30], false);
        let s = Split::Study {
            train_offset: 2,
            train_size: 5,
            cv_offset: 7,
            cv_size: 3,
        };
        assert_eq!(
            s.indices(&r, "x").unwrap(),
            (vec![2, 3, 4, 5, 6], vec![7, 8, 9])
        );
        let msg = Split::default().indices(&r, "x").unwrap_err().to_string();
        assert!(
            msg.contains("split.train_offset + split.train_size: 10000")
                && msg.contains("at most 30"),
            "{msg}"
        );
    }

    #[test]
    fn every_refusal_names_the_option() {
        let study = |train_offset, train_size, cv_offset, cv_size| Split::Study {
            train_offset,
            train_size,
            cv_offset,
            cv_size,
        };
        let err = |s: Split, r: &Raw| s.indices(r, "x").unwrap_err().to_string();
        let (flat, grouped) = (raw(vec![0; 30], false), raw(vec![0, 0, 1, 1, 2, 2], true));
        assert_eq!(
            err(study(0, 10, 25, 10), &flat),
            "split.cv_offset + split.cv_size: 35 is not valid: at most 30, the number of examples in the training set of x"
        );
        assert_eq!(
            err(study(0, 3, 3, 4), &grouped),
            "split.cv_size: 4 is not valid: a multiple of 3: x is stored grouped by class, so the study's split is taken per class (use kind = \"per-class\" to set k directly)"
        );
        assert_eq!(
            err(study(0, 3, 3, 6), &grouped),
            "split.cv: 2 per class from position 1 is not valid: class \"a\" of x has only 2 examples"
        );
        assert_eq!(
            err(Split::Full { cv_size: Some(30) }, &flat),
            "split.cv_size: 30 is not valid: below 30, the number of examples in the training set of x"
        );
        assert_eq!(
            study(0, 3, 3, 3).indices(&grouped, "x").unwrap(),
            (vec![0, 2, 4], vec![1, 3, 5])
        );
    }

    #[test]
    fn per_class_interleaves() {
        // Grouped: class a rows 0..4, b 4..8, c 8..12.
        let labels = (0..12).map(|i| i / 4).collect();
        let r = raw(labels, true);
        let (train, cv) = Split::PerClass { k: 2 }.indices(&r, "x").unwrap();
        assert_eq!(train, [0, 4, 8, 1, 5, 9]);
        assert_eq!(cv, [2, 6, 10, 3, 7, 11]);
        // The study split on a grouped set is the per-class split.
        let s = Split::Study {
            train_offset: 0,
            train_size: 6,
            cv_offset: 6,
            cv_size: 6,
        };
        assert_eq!(s.indices(&r, "x").unwrap(), (train, cv));
        let msg = Split::PerClass { k: 3 }
            .indices(&r, "x")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("class \"a\" of x has only 4 examples"),
            "{msg}"
        );
        let s = Split::Study {
            train_offset: 0,
            train_size: 5,
            cv_offset: 6,
            cv_size: 6,
        };
        assert!(
            s.indices(&r, "x")
                .unwrap_err()
                .to_string()
                .contains("a multiple of 3")
        );
    }

    #[test]
    fn full() {
        let r = raw(vec![0; 5], false);
        assert_eq!(
            Split::Full { cv_size: None }.indices(&r, "x").unwrap(),
            ((0..5).collect(), vec![])
        );
        assert_eq!(
            Split::Full { cv_size: Some(2) }.indices(&r, "x").unwrap(),
            ((0..3).collect(), vec![3, 4])
        );
        assert!(Split::Full { cv_size: Some(5) }.indices(&r, "x").is_err());
    }

    #[test]
    fn serde_names() {
        let s: Split = toml::from_str("kind = \"study\"\ntrain_size = 500").unwrap();
        assert_eq!(
            s,
            Split::Study {
                train_offset: 0,
                train_size: 500,
                cv_offset: 10_000,
                cv_size: 10_000
            }
        );
        let s: Split = toml::from_str("kind = \"full\"\ncv_size = 10").unwrap();
        assert_eq!(s, Split::Full { cv_size: Some(10) });
    }
}
