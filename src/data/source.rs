//! Where data comes from, in order (first hit wins):
//!
//! 1. `--data-dir DIR` / `MLPLAB_DATA` ([`LoadOptions::data_dir`]): `DIR/<name>/`;
//! 2. the user cache folder: `$XDG_CACHE_HOME/mlplab/<name>/`, else
//!    `~/.cache/mlplab/<name>/` (override: [`LoadOptions::cache_dir`] or `MLPLAB_CACHE`);
//! 3. the system dataset folder `/usr/share/datasets/<name>/`, where Debian's `dataset-*`
//!    packages install (`apt install dataset-fashion-mnist`);
//! 4. a download from the publishers' mirrors into the cache (skipped when offline:
//!    [`LoadOptions::offline`]; the command line's `--offline`, also `MLPLAB_OFFLINE=1`);
//! 5. for `mnist` only, the embedded copy of the study's split (also used when the
//!    download fails).
//!
//! An explicit data dir that does not exist is an error. Anything but the data dir is a
//! fall-back, said in [`SplitData::note`](super::SplitData::note) (the command line prints
//! it on stderr).
//!
//! A copy that is found but fails verification is an error naming the file (it is not
//! skipped in favour of the next source); a cached copy is then also deleted.
//!
//! [`locate`](super::locate) reports each of these for a dataset without reading or downloading anything.

use std::fmt;
use std::path::{Path, PathBuf};

use super::catalog::{self, Format, Known};
use super::{DataError, LoadOptions, cifar};

/// One place a dataset can come from.
///
/// ```
/// use mlplab::data::Source;
/// assert_eq!(Source::Embedded.to_string(), "embedded");
/// assert_eq!(Source::System("/usr/share/datasets/mnist".into()).to_string(), "system folder /usr/share/datasets/mnist");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `DIR/<name>/` of `--data-dir` / `MLPLAB_DATA`.
    DataDir(PathBuf),
    /// The user cache folder's `<name>/`.
    Cache(PathBuf),
    /// `/usr/share/datasets/<name>/`.
    System(PathBuf),
    /// The mirrors' base URLs, in the order they are tried.
    Download(Vec<String>),
    /// Compiled into the binary (`mnist` only: the first 20,000 training examples).
    Embedded,
    /// A user's file or folder (`csv:`, `npy:`, `images:`, `idx:` names).
    Path(PathBuf),
    /// Generated from a seed (synthetic sets).
    Generated,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::DataDir(p) if p.as_os_str().is_empty() => write!(f, "data dir"),
            Source::DataDir(p) => write!(f, "data dir {}", p.display()),
            Source::Cache(p) if p.as_os_str().is_empty() => write!(f, "cache"),
            Source::Cache(p) => write!(f, "cache {}", p.display()),
            Source::System(p) => write!(f, "system folder {}", p.display()),
            Source::Download(urls) if urls.is_empty() => write!(f, "download"),
            Source::Download(urls) => write!(f, "download from {}", urls.join(", then ")),
            Source::Embedded => write!(f, "embedded"),
            Source::Path(p) => write!(f, "{}", p.display()),
            Source::Generated => write!(f, "generated"),
        }
    }
}

/// What [`locate`](super::locate) found at one [`Source`].
///
/// ```
/// use mlplab::data::Status;
/// assert!(Status::Present.usable());
/// assert!(!Status::Absent("no folder".into()).usable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The files are there (verified when loaded).
    Present,
    /// Not there yet, but it can be downloaded.
    Available,
    /// Not there; why.
    Absent(String),
    /// Not tried; why (offline, no mirror).
    Skipped(String),
}

impl Status {
    /// True for [`Status::Present`] and [`Status::Available`].
    ///
    /// ```
    /// assert!(mlplab::data::Status::Available.usable());
    /// ```
    pub fn usable(&self) -> bool {
        matches!(self, Status::Present | Status::Available)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Present => write!(f, "found"),
            Status::Available => write!(f, "available"),
            Status::Absent(why) => write!(f, "not found: {why}"),
            Status::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// One source and its status.
///
/// ```
/// use mlplab::data::{Candidate, Source, Status};
/// let c = Candidate { source: Source::Embedded, status: Status::Present };
/// assert_eq!(c.to_string(), "embedded: found");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where.
    pub source: Source,
    /// What is there.
    pub status: Status,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.status)
    }
}

/// Where a dataset would be loaded from, and why not from each earlier place.
///
/// ```
/// use mlplab::data::{locate, LoadOptions, Source};
/// let opts = LoadOptions { offline: true, data_dir: Some(std::env::temp_dir()), cache_dir: Some("/nonexistent".into()), ..Default::default() };
/// let l = locate("mnist", &opts)?;
/// assert_eq!(l.chosen().map(|c| &c.source), Some(&Source::Embedded));
/// println!("{l}");
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The dataset name.
    pub name: String,
    /// Every source, in the order tried.
    pub candidates: Vec<Candidate>,
    /// How to get the dataset if it is not available (empty for user files and synthetic sets).
    pub hint: String,
}

impl Located {
    /// The first usable source: where [`load`](super::load) would read from.
    ///
    /// ```
    /// let l = mlplab::data::locate("spirals", &Default::default())?;
    /// assert!(l.chosen().is_some());
    /// # Ok::<(), mlplab::data::DataError>(())
    /// ```
    pub fn chosen(&self) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.status.usable())
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let embedded_later = self.candidates.iter().any(|c| c.source == Source::Embedded);
        match self.chosen() {
            Some(c) if matches!(c.source, Source::Download(_)) && embedded_later => writeln!(
                f,
                "{}: {} (the embedded copy if that fails)",
                self.name, c.source
            )?,
            Some(c) => writeln!(f, "{}: {}", self.name, c.source)?,
            None if self.hint.is_empty() => writeln!(f, "{}: not available", self.name)?,
            None => writeln!(f, "{}: not available; to get it: {}", self.name, self.hint)?,
        }
        for c in &self.candidates {
            writeln!(f, "  {c}")?;
        }
        Ok(())
    }
}

/// The data directory: [`LoadOptions::data_dir`], else `MLPLAB_DATA` (if set and non-empty).
pub(crate) fn data_dir(opts: &LoadOptions) -> Option<PathBuf> {
    opts.data_dir.clone().or_else(|| env_path("MLPLAB_DATA"))
}

/// An explicit data dir ([`LoadOptions::data_dir`] or `MLPLAB_DATA`) must exist: a
/// mistyped one would otherwise pass unnoticed, the data coming from somewhere else.
pub(crate) fn check_data_dir(opts: &LoadOptions) -> Result<(), DataError> {
    let (dir, option) = match (&opts.data_dir, env_path("MLPLAB_DATA")) {
        (Some(d), _) => (d.clone(), "--data-dir"),
        (None, Some(d)) => (d, "MLPLAB_DATA"),
        (None, None) => return Ok(()),
    };
    if dir.is_dir() {
        return Ok(());
    }
    let why = if dir.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(DataError::invalid(
        option,
        dir.display().to_string(),
        format!(
            "an existing folder holding <name>/ sub-folders (e.g. DIR/mnist/): this one {why}; fix the path, or leave {option} out to use the cache, the system folder, a download or (mnist) the embedded copy"
        ),
    ))
}

/// The cache root: [`LoadOptions::cache_dir`], else `MLPLAB_CACHE`, else the XDG user cache
/// folder (`$XDG_CACHE_HOME`, else `~/.cache`) + `mlplab`.
///
/// ```
/// let o = mlplab::data::LoadOptions { cache_dir: Some("/tmp/c".into()), ..Default::default() };
/// assert_eq!(mlplab::data::cache_root(&o), Some("/tmp/c".into()));
/// ```
pub fn cache_root(opts: &LoadOptions) -> Option<PathBuf> {
    opts.cache_dir
        .clone()
        .or_else(|| env_path("MLPLAB_CACHE"))
        .or_else(|| dirs::cache_dir().map(|d| d.join("mlplab")))
}

/// True if downloads are off. The environment variable `MLPLAB_OFFLINE` is read by the
/// command line (`--offline`), not here, so that an explicit `offline: false` means it.
pub(crate) fn offline(opts: &LoadOptions) -> bool {
    opts.offline
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The mirrors to use for `known`, and whether they are the publishers' own.
pub(crate) fn mirrors(known: &Known, opts: &LoadOptions) -> (Vec<String>, bool) {
    match &opts.download.mirrors {
        Some(m) => (m.clone(), false),
        None => (known.mirrors.iter().map(|s| s.to_string()).collect(), true),
    }
}

/// The path of IDX file `name` (`x.gz`) in `dir`, compressed or not, if either exists.
pub(crate) fn idx_path(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = name.strip_suffix(".gz").unwrap_or(name);
    [dir.join(name), dir.join(plain)]
        .into_iter()
        .find(|p| p.is_file())
}

/// Whether `dir` holds `known`'s training files (test files are optional).
pub(crate) fn check_dir(known: &Known, dir: &Path) -> Status {
    if !dir.is_dir() {
        return Status::Absent(format!("no folder {}", dir.display()));
    }
    match known.format {
        Format::Idx => {
            let missing: Vec<&str> = known
                .files
                .iter()
                .filter(|f| !f.test && idx_path(dir, f.name).is_none())
                .map(|f| f.name)
                .collect();
            if missing.is_empty() {
                Status::Present
            } else {
                Status::Absent(format!(
                    "{} has no {} (nor uncompressed)",
                    dir.display(),
                    missing.join(", ")
                ))
            }
        }
        Format::CifarBinary => {
            if dir.join(catalog::CIFAR_ARCHIVE).is_file() || cifar::find_folder(dir).is_some() {
                Status::Present
            } else {
                Status::Absent(format!(
                    "{} has no {} nor {}/",
                    dir.display(),
                    catalog::CIFAR_ARCHIVE,
                    cifar::FOLDER
                ))
            }
        }
        Format::ImageFolder => {
            if dir.join("train").is_dir() {
                Status::Present
            } else {
                Status::Absent(format!("{} has no train/ folder", dir.display()))
            }
        }
    }
}

/// Where the known dataset `known` would come from.
pub(crate) fn locate_known(known: &Known, opts: &LoadOptions) -> Located {
    // `root/<name>/` as a candidate, or why there is no such root.
    let folder = |root: Option<PathBuf>, source: fn(PathBuf) -> Source, none: &str| match root {
        Some(r) => {
            let dir = r.join(known.name);
            Candidate {
                status: check_dir(known, &dir),
                source: source(dir),
            }
        }
        None => Candidate {
            source: source(PathBuf::new()),
            status: Status::Skipped(none.to_string()),
        },
    };
    let mut candidates = vec![
        folder(
            data_dir(opts),
            Source::DataDir,
            "no --data-dir nor MLPLAB_DATA",
        ),
        folder(
            cache_root(opts),
            Source::Cache,
            "no user cache folder (HOME and XDG_CACHE_HOME unset)",
        ),
        folder(Some(opts.system_dir.clone()), Source::System, ""),
    ];
    let (urls, _) = mirrors(known, opts);
    let status = if urls.is_empty() {
        Status::Skipped("no download exists for this dataset".into())
    } else if offline(opts) {
        Status::Skipped("offline".into())
    } else if cache_root(opts).is_none() {
        Status::Skipped("no cache folder to download into".into())
    } else {
        Status::Available
    };
    candidates.push(Candidate {
        source: Source::Download(urls),
        status,
    });
    if known.name == "mnist" {
        candidates.push(Candidate {
            source: Source::Embedded,
            status: Status::Present,
        });
    }
    Located {
        name: known.name.to_string(),
        candidates,
        hint: known.hint.to_string(),
    }
}

/// Error for a known dataset found nowhere.
pub(crate) fn not_found(known: &Known, located: &Located) -> DataError {
    DataError::NotFound {
        name: known.name.to_string(),
        tried: located.candidates.iter().map(|c| c.to_string()).collect(),
        hint: format!("To get it: {}.", known.hint),
    }
}
