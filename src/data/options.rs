//! [`LoadOptions`]: how to find, verify, split and preprocess a dataset.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Corruption, CsvOptions, DownloadOptions, Split, SyntheticSpec};
#[cfg(doc)]
use super::{SplitData, Standardizer};

/// How to find, verify, split and preprocess a dataset. Every field has a default
/// (`Default`, and `#[serde(default)]` in TOML configs).
///
/// ```
/// use mlplab::data::{LoadOptions, Split};
/// let o: LoadOptions = toml::from_str("offline = true\nsplit = { kind = \"per-class\", k = 500 }").unwrap();
/// assert!(o.offline && o.scale && o.include_test && !o.standardize);
/// assert_eq!(o.split, Split::PerClass { k: 500 });
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoadOptions {
    /// Looked at first: `DIR/<name>/` for each known dataset. When `None`, the environment
    /// variable `MLPLAB_DATA` is used if set.
    pub data_dir: Option<PathBuf>,
    /// The cache root (downloads, decoded image arrays, verification marks). When `None`:
    /// `MLPLAB_CACHE`, else `$XDG_CACHE_HOME/mlplab`, else `~/.cache/mlplab`.
    pub cache_dir: Option<PathBuf>,
    /// The system dataset folder (default `/usr/share/datasets`, where Debian's
    /// `dataset-*` packages install).
    pub system_dir: PathBuf,
    /// Never download. `mnist` then falls back to the embedded copy. (The command line's
    /// `--offline` flag also reads `MLPLAB_OFFLINE=1`.)
    pub offline: bool,
    /// How train and cross-validation are cut from the official training set.
    pub split: Split,
    /// Load the official test set as [`SplitData::test`] (default true).
    pub include_test: bool,
    /// Scale pixel bytes to `[0, 1]` (`x / 255`; default true). Has no effect on CSV,
    /// float NumPy or synthetic features, which are used as they are.
    pub scale: bool,
    /// Standardize each feature with the training split's mean and deviation
    /// ([`Standardizer`]; default false).
    pub standardize: bool,
    /// Train on a balanced subset of this many rows of the training split
    /// ([`balanced_subset`](super::balanced_subset), seeded by `corruption.data_seed`;
    /// default none: the whole split). Standardization is fitted on the subset.
    pub train_size: Option<usize>,
    /// Label noise or random labels on the training split only
    /// ([`corrupt_labels`](super::corrupt_labels); default none).
    pub corruption: Corruption,
    /// For user data (`csv:`, `npy:`, `images:`, `idx:`): a second name to read the
    /// held-out test set from, e.g. `"csv:test.csv"`.
    pub test: Option<String>,
    /// How to read `csv:` files.
    pub csv: CsvOptions,
    /// Defaults for synthetic sets (parameters in the name override them).
    pub synthetic: SyntheticSpec,
    /// Mirrors, timeouts and progress display for downloads.
    pub download: DownloadOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            data_dir: None,
            cache_dir: None,
            system_dir: PathBuf::from("/usr/share/datasets"),
            offline: false,
            split: Split::default(),
            include_test: true,
            scale: true,
            standardize: false,
            train_size: None,
            corruption: Corruption::default(),
            test: None,
            csv: CsvOptions::default(),
            synthetic: SyntheticSpec::default(),
            download: DownloadOptions::default(),
        }
    }
}
