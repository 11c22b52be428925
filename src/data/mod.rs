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
//! | `csv:FILE`, `csv:FILE,label=COLUMN` | a CSV file ([`CsvOptions`]; the label column by header name or 0-based index) |
//! | `npy:FEATURES.npy,LABELS.npy` | two NumPy arrays |
//! | `images:DIR` | an image-folder tree (`DIR/<class>/*.png`, or `DIR/train/…` + `DIR/test/…`) |
//! | `idx:DIR` | a folder of IDX files named like MNIST's, any size and classes |
//!
//! Known datasets are looked for in the order [`source`] documents, and are
//! verified against published checksums whenever they are read. [`load`] returns the
//! study's three evaluation sets ([`SplitData`]).
//!
//! The files, in the order a load goes through them:
//!
//! | file | what |
//! |---|---|
//! | `names.rs` | taking a name apart: known ([`KNOWN`]), synthetic, or `kind:PATH` |
//! | `options.rs` | [`LoadOptions`] |
//! | `load.rs` | [`load`] and [`SplitData`]: read, split, scale, standardize |
//! | `locate.rs` | [`locate`]: where a name would be read from |
//! | `official.rs` | the official training and test set of a name, before the split |
//! | `named.rs`, `catalog.rs`, `source.rs`, `download.rs`, `embedded.rs`, `cache.rs` | known datasets: where they are, their checksums, downloads, [`fetch`], [`verify`] |
//! | `user.rs` | user data and its test set |
//! | `csv.rs`, `npy.rs`, `idx.rs`, `cifar.rs`, `image_folder.rs` | one file format each |
//! | `synthetic.rs` | `random-labels`, `blobs`, `spirals` |
//! | `labels.rs` | data made to overfit: balanced nested subsets ([`balanced_subset`]), label noise and random labels ([`corrupt_labels`]) |
//! | `dataset.rs`, `split.rs`, `preprocess.rs` | [`Dataset`], [`Split`], [`Standardizer`] |
//! | `files.rs`, `error.rs` | reading, gunzip and digests; [`DataError`] |
//!
//! ```
//! use mlplab::data::{load, LoadOptions};
//! // Offline, with no data anywhere, MNIST still loads: the embedded copy of the study's split,
//! // and the note (which the command line prints) says so.
//! let opts = LoadOptions { offline: true, data_dir: Some(std::env::temp_dir()),
//!                          cache_dir: Some("/nonexistent".into()), ..Default::default() };
//! let s = load("mnist", &opts)?;
//! assert_eq!((s.train.len(), s.cv.len()), (10_000, 10_000));
//! assert_eq!(s.train.source, "embedded");
//! assert!(s.note.unwrap().starts_with("mnist: using the embedded copy"));
//! assert_eq!(&s.train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
//! # Ok::<(), mlplab::data::DataError>(())
//! ```

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
mod labels;
mod load;
mod locate;
mod named;
mod names;
mod npy;
mod official;
mod options;
mod preprocess;
pub mod source;
mod split;
mod synthetic;
mod user;

pub use self::csv::{Column, CsvOptions};
pub use catalog::published_sha256;
pub use dataset::Dataset;
pub use download::DownloadOptions;
pub use embedded::EMBEDDED_ROWS;
pub use error::DataError;
pub use labels::{Corruption, LabelNoise, Labels, NoiseKind, balanced_subset, corrupt_labels};
pub use load::{SplitData, load};
pub use locate::locate;
pub use named::{Check, Fetched, fetch, verify};
pub use names::KNOWN;
pub use options::LoadOptions;
pub use preprocess::Standardizer;
pub use source::{Candidate, Located, Source, Status, cache_root};
pub use split::Split;
pub use synthetic::{SYNTHETIC, SyntheticSpec};

pub(crate) use official::Official;
