//! [`load`]: a dataset by name, cut into train, cross-validation and test (SPEC §7).

use super::official::read_official;
use super::{DataError, Dataset, LoadOptions, Standardizer, balanced_subset, corrupt_labels};
#[cfg(doc)]
use super::{Split, source};

/// The study's three evaluation sets.
///
/// ```
/// let s = mlplab::data::load("blobs", &Default::default())?;
/// assert_eq!((s.train.len(), s.cv.len(), s.test.as_ref().map(|t| t.len())), (10_000, 10_000, Some(10_000)));
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SplitData {
    /// What the network is trained on.
    pub train: Dataset,
    /// Cross-validation, from the official training set too (may be empty with [`Split::Full`]).
    pub cv: Dataset,
    /// The official test set, when asked for ([`LoadOptions::include_test`]) and when the
    /// source has one (the embedded MNIST has not).
    pub test: Option<Dataset>,
    /// For a known dataset that did not come from the data dir (`--data-dir` /
    /// `MLPLAB_DATA`): a sentence naming the source used (cache, system folder, download,
    /// embedded copy) and why each earlier source was not, for the caller to print (the
    /// command line prints it on stderr). `None` for the data dir, synthetic and user data.
    pub note: Option<String>,
    /// The training labels before [`LoadOptions::corruption`] changed them, row for row with
    /// `train.labels`; `None` when the labels were left as they are. A training row is
    /// corrupted exactly where the two differ ([`SplitData::corrupted`]).
    pub true_labels: Option<Vec<u32>>,
}

impl SplitData {
    /// Per training row, whether its label was corrupted (all false when none was).
    pub fn corrupted(&self) -> Vec<bool> {
        match &self.true_labels {
            Some(t) => t
                .iter()
                .zip(&self.train.labels)
                .map(|(a, b)| a != b)
                .collect(),
            None => vec![false; self.train.len()],
        }
    }
}

/// Loads dataset `name` and cuts it into train, cross-validation and test.
///
/// Known names are found as [`source`] describes and verified; see the [module
/// doc](crate::data) for all the names. Errors name the file, option or mirror at fault.
///
/// ```
/// use mlplab::data::{load, LoadOptions, Split};
/// let opts = LoadOptions { split: Split::PerClass { k: 100 }, standardize: true, ..Default::default() };
/// let s = load("spirals:seed=7", &opts)?;
/// assert_eq!(s.train.len(), 200);
/// assert_eq!(s.train.class_counts(), vec![100, 100]);
/// assert_eq!(s.train.name, "spirals:n=20000,test=10000,classes=2,noise=0.05,turns=1.5,seed=7");
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
pub fn load(name: &str, opts: &LoadOptions) -> Result<SplitData, DataError> {
    let official = read_official(name, opts)?;
    let note = official.note.clone();
    let what = format!("{} ({})", official.name, official.source);
    let (mut train_rows, cv_rows) = opts.split.indices(&official.train, &what)?;
    if let Some(size) = opts.train_size {
        let labels: Vec<u32> = train_rows
            .iter()
            .map(|&i| official.train.labels[i])
            .collect();
        let seed = opts.corruption.data_seed;
        let keep = balanced_subset(&labels, official.train.n_classes, size, seed)?;
        train_rows = keep.into_iter().map(|j| train_rows[j]).collect();
    }
    let (n, src) = (&official.name, &official.source);
    let mut train = official.train.gather(&train_rows, n, src, opts.scale);
    let mut cv = official.train.gather(&cv_rows, n, src, opts.scale);
    drop(official.train);
    let mut test = if opts.include_test {
        official.test.map(|t| t.into_dataset(n, src, opts.scale))
    } else {
        None
    };
    let true_labels = corrupt_labels(&mut train, &opts.corruption)?;
    if opts.standardize {
        let z = Standardizer::fit(&train);
        z.apply(&mut train);
        z.apply(&mut cv);
        if let Some(t) = test.as_mut() {
            z.apply(t);
        }
    }
    Ok(SplitData {
        train,
        cv,
        test,
        note,
        true_labels,
    })
}
