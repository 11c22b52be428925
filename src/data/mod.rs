//! Datasets: loaders, sources, verification, splits and synthetic sets (issue 3, SPEC §7).
//!
//! Everything is one name away:
//!
//! | name | what |
//! |---|---|
//! | `mnist`, `fashion-mnist` | IDX files (gzip or not) |
//! | `cifar10` | the official binary version (`cifar-10-binary.tar.gz` or its folder) |
//! | `cifar10-jpeg` | the JPEG image-folder copy of CIFAR-10 (never reported as `cifar10`) |
//! | `random-labels`, `blobs`, `spirals` | synthetic, by seed; parameters as `blobs:classes=4,seed=1` ([`SyntheticSpec`]) |
//! | `csv:FILE` | a CSV file ([`CsvOptions`]) |
//! | `npy:FEATURES.npy,LABELS.npy` | two NumPy arrays |
//! | `images:DIR` | an image-folder tree (`DIR/<class>/*.png`, or `DIR/train/…` + `DIR/test/…`) |
//! | `idx:DIR` | a folder of IDX files named like MNIST's, any size and classes |
//!
//! Known datasets are looked for in the order [`source`](self::source) documents, and are
//! verified against published checksums whenever they are read. [`load`] returns the
//! study's three evaluation sets ([`SplitData`]).
//!
//! ```
//! use mlplab::data::{load, LoadOptions};
//! // Offline, with no data anywhere, MNIST still loads: the embedded copy of the study's split.
//! let opts = LoadOptions { offline: true, data_dir: Some("/nonexistent".into()),
//!                          cache_dir: Some("/nonexistent".into()), ..Default::default() };
//! let s = load("mnist", &opts)?;
//! assert_eq!((s.train.len(), s.cv.len()), (10_000, 10_000));
//! assert_eq!(s.train.source, "embedded");
//! assert_eq!(&s.train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
//! # Ok::<(), mlplab::data::DataError>(())
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod cache;
mod catalog;
mod cifar;
mod csv;
mod dataset;
mod download;
mod embedded;
mod error;
mod files;
mod idx;
mod image_folder;
mod named;
mod npy;
mod preprocess;
pub mod source;
mod split;
mod synthetic;

pub use self::csv::{Column, CsvOptions};
pub use dataset::Dataset;
pub use download::DownloadOptions;
pub use embedded::EMBEDDED_ROWS;
pub use error::DataError;
pub use named::{Check, Fetched, fetch, verify};
pub use preprocess::Standardizer;
pub use source::{Candidate, Located, Source, Status, cache_root};
pub use split::Split;
pub use synthetic::{SYNTHETIC, SyntheticSpec};

use dataset::Raw;

/// The datasets mlplab knows by name (each with its own sources and checksums).
///
/// ```
/// assert!(mlplab::data::KNOWN.contains(&"cifar10-jpeg"));
/// ```
pub const KNOWN: &[&str] = &["mnist", "fashion-mnist", "cifar10", "cifar10-jpeg"];

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
            test: None,
            csv: CsvOptions::default(),
            synthetic: SyntheticSpec::default(),
            download: DownloadOptions::default(),
        }
    }
}

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
}

/// An official training set (and test set) as read, before the split.
pub(crate) struct Official {
    /// Canonical name (`"mnist"`, `"spirals:n=…"`, `"csv:<file>"`).
    pub name: String,
    /// Where it came from (`"embedded"`, a path, a URL, `"generated"`).
    pub source: String,
    pub train: Raw,
    pub test: Option<Raw>,
}

/// Loads dataset `name` and cuts it into train, cross-validation and test.
///
/// Known names are found as [`source`] describes and verified; see the module doc for all
/// the names. Errors name the file, option or mirror at fault.
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
    let what = format!("{} ({})", official.name, official.source);
    let (train_rows, cv_rows) = opts.split.indices(&official.train, &what)?;
    let (n, src) = (&official.name, &official.source);
    let mut train = official.train.gather(&train_rows, n, src, opts.scale);
    let mut cv = official.train.gather(&cv_rows, n, src, opts.scale);
    drop(official.train);
    let mut test = if opts.include_test {
        official.test.map(|t| t.into_dataset(n, src, opts.scale))
    } else {
        None
    };
    if opts.standardize {
        let z = Standardizer::fit(&train);
        z.apply(&mut train);
        z.apply(&mut cv);
        if let Some(t) = test.as_mut() {
            z.apply(t);
        }
    }
    Ok(SplitData { train, cv, test })
}

/// Where dataset `name` would be loaded from (reading and downloading nothing), with the
/// status of every source in the order tried. For user files it checks the paths exist;
/// for synthetic sets it says `generated`.
///
/// ```
/// let l = mlplab::data::locate("cifar10-jpeg", &mlplab::data::LoadOptions { data_dir: Some("/none".into()), ..Default::default() })?;
/// assert!(l.candidates.len() >= 4);
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
pub fn locate(name: &str, opts: &LoadOptions) -> Result<Located, DataError> {
    let single = |source: Source, status: Status| Located {
        name: name.to_string(),
        candidates: vec![Candidate { source, status }],
        hint: String::new(),
    };
    match parse_name(name)? {
        Name::Known(k) => Ok(source::locate_known(k, opts)),
        Name::Synthetic(..) => Ok(single(Source::Generated, Status::Present)),
        Name::User { paths, .. } => {
            let missing: Vec<String> = paths
                .iter()
                .filter(|p| !p.exists())
                .map(|p| p.display().to_string())
                .collect();
            let status = if missing.is_empty() {
                Status::Present
            } else {
                Status::Absent(format!("no such file or folder: {}", missing.join(", ")))
            };
            Ok(single(Source::Path(paths[0].clone()), status))
        }
    }
}

/// The kinds of user data a name can start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserKind {
    Csv,
    Npy,
    Images,
    Idx,
}

/// A parsed dataset name.
enum Name<'a> {
    Known(&'static catalog::Known),
    Synthetic(&'a str, Option<&'a str>),
    User { kind: UserKind, paths: Vec<PathBuf> },
}

const VALID_NAMES: &str = "mnist, fashion-mnist, cifar10, cifar10-jpeg, random-labels[:k=v,…], blobs[:k=v,…], spirals[:k=v,…], csv:FILE, npy:FEATURES.npy,LABELS.npy, images:DIR, idx:DIR";

fn parse_name(name: &str) -> Result<Name<'_>, DataError> {
    if let Some(k) = catalog::known(name) {
        return Ok(Name::Known(k));
    }
    let (kind, arg) = match name.split_once(':') {
        Some((k, a)) => (k, Some(a)),
        None => (name, None),
    };
    if SYNTHETIC.contains(&kind) {
        return Ok(Name::Synthetic(kind, arg));
    }
    let user = match kind {
        "csv" => UserKind::Csv,
        "npy" => UserKind::Npy,
        "images" => UserKind::Images,
        "idx" => UserKind::Idx,
        _ => {
            return Err(DataError::UnknownDataset {
                found: name.to_string(),
                valid: VALID_NAMES.to_string(),
            });
        }
    };
    let arg = arg.unwrap_or("");
    let paths: Vec<PathBuf> = if user == UserKind::Npy {
        arg.split(',').map(|p| PathBuf::from(p.trim())).collect()
    } else {
        vec![PathBuf::from(arg)]
    };
    let wanted = if user == UserKind::Npy { 2 } else { 1 };
    if paths.len() != wanted || paths.iter().any(|p| p.as_os_str().is_empty()) {
        return Err(DataError::invalid(
            "dataset name",
            format!("{name:?}"),
            if user == UserKind::Npy {
                "npy:FEATURES.npy,LABELS.npy (two paths, comma-separated)"
            } else {
                "kind:PATH with a non-empty path"
            },
        ));
    }
    Ok(Name::User { kind: user, paths })
}

/// Reads the official training (and test) set of `name`, without splitting.
fn read_official(name: &str, opts: &LoadOptions) -> Result<Official, DataError> {
    match parse_name(name)? {
        Name::Known(k) => named::read(k, opts),
        Name::Synthetic(kind, params) => {
            let r = synthetic::resolve(kind, params, &opts.synthetic)?;
            let (train, test) = synthetic::generate(&r);
            Ok(Official {
                name: r.name(),
                source: "generated".into(),
                train,
                test,
            })
        }
        Name::User { kind, paths } => {
            let train = read_user(kind, &paths, opts, None)?;
            let test = match (&opts.test, opts.include_test) {
                (Some(test_name), true) => match parse_name(test_name)? {
                    Name::User {
                        kind: tk,
                        paths: tp,
                    } => Some(read_user(tk, &tp, opts, Some(&train))?),
                    _ => {
                        return Err(DataError::invalid(
                            "test",
                            format!("{test_name:?}"),
                            "a user-data name (csv:FILE, npy:X.npy,Y.npy, images:DIR, idx:DIR)",
                        ));
                    }
                },
                _ if kind == UserKind::Images => images_test(&paths[0], opts)?,
                _ if kind == UserKind::Idx => idx_test(&paths[0])?,
                _ => None,
            };
            let test_name = opts.test.clone().unwrap_or_else(|| name.to_string());
            if let Some(t) = &test {
                if t.n_features != train.n_features {
                    return Err(DataError::format(
                        test_name,
                        "features per example",
                        t.n_features.to_string(),
                        format!("{}, as in the training set", train.n_features),
                    ));
                }
                if t.image_shape.is_some() && t.class_grouped && t.class_names != train.class_names
                {
                    return Err(DataError::format(
                        test_name,
                        "class folders",
                        t.class_names.join(", "),
                        format!("the training set's: {}", train.class_names.join(", ")),
                    ));
                }
            }
            let test = test.map(|mut t| {
                t.n_classes = train.n_classes;
                t.class_names = train.class_names.clone();
                t
            });
            Ok(Official {
                name: name.to_string(),
                source: paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                train,
                test,
            })
        }
    }
}

/// Reads user data; `train` (when reading a test set) fixes the classes.
fn read_user(
    kind: UserKind,
    paths: &[PathBuf],
    opts: &LoadOptions,
    train: Option<&Raw>,
) -> Result<Raw, DataError> {
    let raw = match kind {
        UserKind::Csv => csv::read(&paths[0], &opts.csv, train.map(|t| &t.class_names[..]))?,
        UserKind::Npy => npy::read(&paths[0], &paths[1])?,
        UserKind::Images => {
            let root = &paths[0];
            let train_dir = root.join("train");
            let dir = if train.is_none() && train_dir.is_dir() {
                train_dir
            } else {
                root.clone()
            };
            image_folder::load(&dir, cache_root(opts).as_deref())?
        }
        UserKind::Idx => named::read_idx_dir(&paths[0], "train", None)?,
    };
    if let Some(t) = train
        && raw.n_classes > t.n_classes
    {
        return Err(DataError::format(
            paths[0].display().to_string(),
            "classes",
            raw.n_classes.to_string(),
            format!("at most {}, the training set's", t.n_classes),
        ));
    }
    Ok(raw)
}

fn images_test(root: &std::path::Path, opts: &LoadOptions) -> Result<Option<Raw>, DataError> {
    let dir = root.join("test");
    if root.join("train").is_dir() && dir.is_dir() {
        Ok(Some(image_folder::load(&dir, cache_root(opts).as_deref())?))
    } else {
        Ok(None)
    }
}

fn idx_test(dir: &std::path::Path) -> Result<Option<Raw>, DataError> {
    if source::idx_path(dir, catalog::IDX_TEST_IMAGES).is_some() {
        Ok(Some(named::read_idx_dir(dir, "t10k", None)?))
    } else {
        Ok(None)
    }
}
