//! The in-memory dataset types: [`Dataset`] (what training sees) and [`Raw`] (what a
//! loader produced, before splitting and scaling).

use super::DataError;

/// A labelled classification dataset held once in memory.
///
/// `features` is one contiguous `n × n_features` row-major block (example `i` is
/// `features[i*n_features .. (i+1)*n_features]`); there is no per-example allocation.
/// Image features are laid out as CIFAR-10's binary format does: channel-major
/// (`[c][y][x]`, all red, then green, then blue), so the same network reads `cifar10` and
/// `cifar10-jpeg` alike. Pixels are scaled to `[0, 1]` unless
/// [`LoadOptions::scale`](super::LoadOptions::scale) is off.
///
/// ```
/// use mlplab::data::Dataset;
/// let d = Dataset {
///     name: "toy".into(), source: "inline".into(),
///     features: vec![0.0, 1.0, 0.5, 0.5], labels: vec![1, 0],
///     n_features: 2, n_classes: 2, class_names: vec!["a".into(), "b".into()], image_shape: None,
/// };
/// assert_eq!(d.len(), 2);
/// assert_eq!(d.row(1), &[0.5, 0.5]);
/// assert_eq!(d.one_hot(), vec![0.0, 1.0, 1.0, 0.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// What it is: `"mnist"`, `"fashion-mnist"`, `"cifar10"`, `"cifar10-jpeg"`,
    /// `"spirals:n=…,seed=…"`, `"csv:<file>"`, ...
    pub name: String,
    /// Where it came from: `"embedded"`, a folder or file path, a URL, `"generated"`.
    pub source: String,
    /// `n × n_features`, row-major, one example per row.
    pub features: Vec<f32>,
    /// `n` labels, each `< n_classes`.
    pub labels: Vec<u32>,
    /// Length of one row of `features`.
    pub n_features: usize,
    /// Number of classes; labels are `0..n_classes`.
    pub n_classes: usize,
    /// `n_classes` names, in label order.
    pub class_names: Vec<String>,
    /// `[channels, height, width]` for images (`channels × height × width == n_features`).
    pub image_shape: Option<[usize; 3]>,
}

impl Dataset {
    /// Number of examples `n`.
    ///
    /// ```
    /// # let d = mlplab::data::load("blobs", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// assert_eq!(d.train.len(), 10_000);
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples.
    ///
    /// ```
    /// # let d = mlplab::data::load("blobs", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// assert!(!d.train.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Example `i`'s features, `n_features` values. Panics if `i >= len()` (a caller bug,
    /// not a data error).
    ///
    /// ```
    /// # let d = mlplab::data::load("spirals", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// assert_eq!(d.train.row(0).len(), 2);
    /// ```
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Labels as one-hot rows: `n × n_classes`, row-major, `y[i][labels[i]] = 1`.
    ///
    /// ```
    /// # let d = mlplab::data::load("blobs:classes=4", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// let y = d.train.one_hot();
    /// assert_eq!(y.len(), d.train.len() * 4);
    /// assert_eq!(y.iter().sum::<f32>(), d.train.len() as f32);
    /// ```
    pub fn one_hot(&self) -> Vec<f32> {
        let k = self.n_classes;
        let mut y = vec![0.0; self.len() * k];
        for (i, &label) in self.labels.iter().enumerate() {
            y[i * k + label as usize] = 1.0;
        }
        y
    }

    /// How many examples each class has, in label order (`n_classes` counts).
    ///
    /// ```
    /// # let d = mlplab::data::load("blobs:classes=3", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// assert_eq!(d.train.class_counts().iter().sum::<usize>(), d.train.len());
    /// ```
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_classes];
        for &label in &self.labels {
            counts[label as usize] += 1;
        }
        counts
    }

    /// A new dataset holding the given examples, in the given order (same name, source and
    /// classes). Errors if an index is out of range.
    ///
    /// ```
    /// # let d = mlplab::data::load("blobs", &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    /// let first_two = d.train.select(&[0, 1])?;
    /// assert_eq!(first_two.row(1), d.train.row(1));
    /// # Ok::<(), mlplab::data::DataError>(())
    /// ```
    pub fn select(&self, indices: &[usize]) -> Result<Dataset, DataError> {
        let d = self.n_features;
        let mut features = Vec::with_capacity(indices.len() * d);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            if i >= self.len() {
                return Err(DataError::invalid(
                    "select: index",
                    i.to_string(),
                    format!("below the dataset's {} examples", self.len()),
                ));
            }
            features.extend_from_slice(self.row(i));
            labels.push(self.labels[i]);
        }
        Ok(Dataset {
            name: self.name.clone(),
            source: self.source.clone(),
            features,
            labels,
            n_features: d,
            n_classes: self.n_classes,
            class_names: self.class_names.clone(),
            image_shape: self.image_shape,
        })
    }
}

/// Feature storage as read from the files: bytes for pixel formats (a 60,000-image set
/// stays one `Vec<u8>` until the split picks its rows), floats for CSV, NumPy and
/// synthetic data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Features {
    /// Pixel bytes, `0..=255`; scaled by `1/255` when converted (if scaling is on).
    U8(Vec<u8>),
    /// Values used as they are.
    F32(Vec<f32>),
}

/// A whole official set (training or test) as a loader produced it, before the split.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Raw {
    /// `n × n_features`, row-major.
    pub features: Features,
    /// `n` labels, each `< n_classes` (checked by [`Raw::check_labels`]).
    pub labels: Vec<u32>,
    pub n_features: usize,
    pub n_classes: usize,
    pub class_names: Vec<String>,
    pub image_shape: Option<[usize; 3]>,
    /// True when the examples are stored grouped by class (image folders), so that "the
    /// first N examples" would not be a sample of all classes; the study's split is then
    /// taken per class (see [`Split`](super::Split)).
    pub class_grouped: bool,
}

impl Raw {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Errors naming `file` and the first offending example if a label is `>= n_classes`.
    #[cfg(test)]
    pub fn check_labels(&self, file: &str) -> Result<(), DataError> {
        if let Some((i, &label)) = self
            .labels
            .iter()
            .enumerate()
            .find(|&(_, &l)| l as usize >= self.n_classes)
        {
            return Err(DataError::format(
                file,
                format!("label of example {i}"),
                label.to_string(),
                format!("a class index below {}", self.n_classes),
            ));
        }
        Ok(())
    }

    /// Gathers rows `indices` into a [`Dataset`], converting pixels to `f32` (times
    /// `1/255` when `scale`).
    pub fn gather(&self, indices: &[usize], name: &str, source: &str, scale: bool) -> Dataset {
        let d = self.n_features;
        let mut features = Vec::with_capacity(indices.len() * d);
        match &self.features {
            Features::U8(px) => {
                let factor = if scale { 1.0 / 255.0 } else { 1.0 };
                for &i in indices {
                    features.extend(px[i * d..(i + 1) * d].iter().map(|&b| b as f32 * factor));
                }
            }
            Features::F32(x) => {
                for &i in indices {
                    features.extend_from_slice(&x[i * d..(i + 1) * d]);
                }
            }
        }
        Dataset {
            name: name.to_string(),
            source: source.to_string(),
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            n_features: d,
            n_classes: self.n_classes,
            class_names: self.class_names.clone(),
            image_shape: self.image_shape,
        }
    }

    /// All rows, in order, as a [`Dataset`].
    pub fn into_dataset(self, name: &str, source: &str, scale: bool) -> Dataset {
        let all: Vec<usize> = (0..self.len()).collect();
        self.gather(&all, name, source, scale)
    }
}

/// The most classes a label file may imply when the class count is inferred from its
/// labels (`max label + 1`): a larger label is taken for a corrupt file, not a class.
pub(crate) const MAX_INFERRED_CLASSES: usize = 65_536;

/// The class count `max label + 1` of labels whose classes are inferred from them (user
/// NPY, CSV and IDX data), refusing an absurd one: a label of [`MAX_INFERRED_CLASSES`] or
/// more, and, when `every_class` (a training file), a class count with classes that have no
/// example (more classes than rows, a label of 200 among digits, labels numbered from 1).
/// `field(i)` names example `i`'s label in errors; the error names the largest label.
pub(crate) fn inferred_classes(
    labels: &[u32],
    file: &str,
    every_class: bool,
    field: impl Fn(usize) -> String,
) -> Result<usize, DataError> {
    let Some((at, &max)) = labels
        .iter()
        .enumerate()
        .max_by_key(|&(i, &l)| (l, std::cmp::Reverse(i)))
    else {
        return Ok(0);
    };
    let k = max as usize + 1;
    if k > MAX_INFERRED_CLASSES {
        return Err(DataError::format(
            file,
            field(at),
            max.to_string(),
            format!(
                "a class index below {MAX_INFERRED_CLASSES} (the class count is the largest label + 1; a label this large is a corrupt file)"
            ),
        ));
    }
    if every_class {
        let mut seen = vec![false; k];
        for &l in labels {
            if let Some(s) = seen.get_mut(l as usize) {
                *s = true;
            }
        }
        let empty: Vec<usize> = (0..k).filter(|&c| !seen[c]).collect();
        if let Some(&first) = empty.first() {
            let shown: Vec<String> = empty.iter().take(5).map(|c| c.to_string()).collect();
            return Err(DataError::format(
                file,
                field(at),
                max.to_string(),
                format!(
                    "labels 0..{} that each occur at least once: the largest label makes {k} classes from {} rows, and {} of them have no example (class {}{}) — a corrupt label, or labels not numbered from 0 (renumber them 0, 1, …){}",
                    k - 1,
                    labels.len(),
                    empty.len(),
                    shown.join(", "),
                    if empty.len() > 5 { ", …" } else { "" },
                    if first == 0 && empty.len() == 1 {
                        "; labels numbered from 1? subtract 1"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    Ok(k)
}

/// Class names `"0"`, `"1"`, ..., for datasets whose classes are digits or unnamed.
pub(crate) fn numbered_classes(k: usize) -> Vec<String> {
    (0..k).map(|c| c.to_string()).collect()
}
