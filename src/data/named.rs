//! Reading, fetching and verifying the known datasets (`mnist`, `fashion-mnist`,
//! `cifar10`, `cifar10-jpeg`) from the sources [`source`](super::source) lists.

use std::fmt;
use std::path::{Path, PathBuf};

use super::catalog::{self, Digests, Format, Known, KnownFile};
use super::dataset::Raw;
use super::source::{self, Source, Status};
use super::{
    DataError, DownloadOptions, LoadOptions, Official, cache, cifar, download, embedded, files,
    idx, image_folder,
};

/// The digest algorithm names used in messages.
const CONTENT_SHA: &str = "SHA-256 of the decompressed content";
const ARCHIVE_MD5: &str = "MD5 of the archive";
const TREE_SHA: &str = "SHA-256 of all .jpg files concatenated in sorted path order";

/// Reads `known` from the first usable source. Anything but the data dir is a fall-back,
/// and [`Official::note`] then says which source was used and why each earlier one was not.
pub(crate) fn read(known: &'static Known, opts: &LoadOptions) -> Result<Official, DataError> {
    source::check_data_dir(opts)?;
    let located = source::locate_known(known, opts);
    let mut download_failure = None;
    // Each source passed over, and why (for the note).
    let mut passed: Vec<String> = Vec::new();
    for c in &located.candidates {
        let official = match (&c.source, &c.status) {
            (Source::DataDir(d), Status::Present) => return read_dir(known, d, opts, false),
            (Source::System(d), Status::Present) => read_dir(known, d, opts, false)?,
            (Source::Cache(d), Status::Present) => read_dir(known, d, opts, true)?,
            (Source::Download(_), Status::Available) => match fetch_known(known, opts) {
                Ok(fetched) => {
                    let mut official = read_dir(known, &fetched.dir, opts, true)?;
                    if let Some(url) = fetched.urls.first() {
                        official.source = url.clone();
                    }
                    official
                }
                Err(e) if known.name == "mnist" => {
                    passed.push(format!("{}: failed: {e}", c.source));
                    download_failure = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            },
            (Source::Embedded, Status::Present) => {
                check_embedded_covers(opts, download_failure.as_ref())?;
                Official {
                    name: known.name.to_string(),
                    source: "embedded".to_string(),
                    train: embedded::mnist()?,
                    test: None,
                    note: None,
                }
            }
            _ => {
                passed.push(c.to_string());
                continue;
            }
        };
        let mut official = official;
        official.note = Some(fallback_note(known, &c.source, &official.source, &passed));
        return Ok(official);
    }
    Err(source::not_found(known, &located))
}

/// The sentence saying that `known` came from `used` (`source` as recorded), not from the
/// sources `passed` over.
fn fallback_note(known: &Known, used: &Source, source: &str, passed: &[String]) -> String {
    let what = match used {
        Source::Embedded => format!(
            "the embedded copy (MNIST's first {} training examples, no test set)",
            embedded::EMBEDDED_ROWS
        ),
        Source::Download(_) => format!("a download from {source}"),
        other => other.to_string(),
    };
    format!(
        "{}: using {what}; not from: {}",
        known.name,
        passed.join("; ")
    )
}

/// The embedded copy holds only the first 20,000 training rows: a split needing more is an
/// error (saying why the embedded copy is being used), never a silent substitute.
fn check_embedded_covers(
    opts: &LoadOptions,
    download_failure: Option<&DataError>,
) -> Result<(), DataError> {
    let needed = match opts.split {
        // The full set is 60,000 rows; 20,000 would be a silent substitute.
        super::Split::Full { .. } => 60_000,
        _ => opts.split.rows_needed(),
    };
    if needed <= embedded::EMBEDDED_ROWS {
        return Ok(());
    }
    let why = match download_failure {
        Some(e) => format!("the download failed ({e})"),
        None => "no other source is available (offline, or nothing in the data, cache and system folders)".to_string(),
    };
    Err(DataError::invalid(
        "split",
        format!(
            "{:?}, which needs the first {needed} training examples",
            opts.split
        ),
        format!(
            "at most {} rows: mnist is coming from the embedded copy, which holds only the first {} training examples, because {why}; pass --data-dir with the full MNIST, or go online",
            embedded::EMBEDDED_ROWS,
            embedded::EMBEDDED_ROWS
        ),
    ))
}

/// Reads `known` from the folder `dir`; `ours` says the folder is the cache (a copy failing
/// verification is then deleted).
fn read_dir(
    known: &Known,
    dir: &Path,
    opts: &LoadOptions,
    ours: bool,
) -> Result<Official, DataError> {
    let source = dir.display().to_string();
    let (mut train, mut test) = match known.format {
        Format::Idx => {
            let train = read_idx_files(
                dir,
                catalog::IDX_TRAIN_IMAGES,
                catalog::IDX_TRAIN_LABELS,
                Some((known, ours, &opts.download)),
                false,
            )?;
            let test =
                if opts.include_test && source::idx_path(dir, catalog::IDX_TEST_IMAGES).is_some() {
                    Some(read_idx_files(
                        dir,
                        catalog::IDX_TEST_IMAGES,
                        catalog::IDX_TEST_LABELS,
                        Some((known, ours, &opts.download)),
                        false,
                    )?)
                } else {
                    None
                };
            (train, test)
        }
        Format::CifarBinary => {
            let archive = dir.join(catalog::CIFAR_ARCHIVE);
            let set = if archive.is_file() {
                let bytes = files::read(&archive)?;
                let name = archive.display().to_string();
                if let Some(file) = known.files.first() {
                    let d = Digests::of(file, &opts.download);
                    match (d.sha256, d.md5) {
                        (Some(want), _) => {
                            let content = files::gunzip_if_needed(bytes.clone(), &name)?;
                            let got = files::sha256_hex(&content);
                            verified(&archive, ours, CONTENT_SHA, &got, want)?;
                        }
                        (None, Some(want)) => {
                            verified(&archive, ours, ARCHIVE_MD5, &files::md5_hex(&bytes), want)?;
                        }
                        (None, None) => {}
                    }
                }
                cifar::read_archive(&bytes, &name)?
            } else {
                let folder = cifar::find_folder(dir)
                    .ok_or_else(|| source::not_found(known, &source::locate_known(known, opts)))?;
                cifar::read_folder(&folder)?
            };
            (set.train, set.test.filter(|_| opts.include_test))
        }
        Format::ImageFolder => read_tree(known, dir, opts)?,
    };
    for raw in std::iter::once(&mut train).chain(test.as_mut()) {
        if raw.n_classes == known.class_names.len() {
            raw.class_names = known.class_names.iter().map(|s| s.to_string()).collect();
        }
    }
    Ok(Official {
        name: known.name.to_string(),
        source,
        train,
        test,
        note: None,
    })
}

/// Errors (deleting the file first if it is ours) unless `found == expected`.
fn verified(
    path: &Path,
    ours: bool,
    algorithm: &str,
    found: &str,
    expected: &str,
) -> Result<(), DataError> {
    match files::check_digest(&path.display().to_string(), algorithm, found, expected) {
        Ok(()) => Ok(()),
        Err(DataError::Checksum {
            file,
            algorithm,
            found,
            expected,
            ..
        }) => {
            let removed = if ours && std::fs::remove_file(path).is_ok() {
                ", and was deleted from the cache (run `mlplab data fetch` to download it again)"
                    .to_string()
            } else {
                String::new()
            };
            Err(DataError::Checksum {
                file,
                algorithm,
                found,
                expected,
                removed,
            })
        }
        Err(e) => Err(e),
    }
}

/// Reads an image/label IDX pair from `dir` (each compressed or not). With `known`, each
/// file is checked against its published content hash and the images must be 28×28 with
/// 10 classes.
fn read_idx_files(
    dir: &Path,
    images: &str,
    labels: &str,
    known: Option<(&Known, bool, &DownloadOptions)>,
    every_class: bool,
) -> Result<Raw, DataError> {
    let mut contents = Vec::new();
    for name in [images, labels] {
        let path = source::idx_path(dir, name).ok_or_else(|| {
            DataError::format(
                dir.display().to_string(),
                name,
                "no such file",
                format!("{name} or {} in this folder", name.trim_end_matches(".gz")),
            )
        })?;
        let (display, bytes) = idx::read_file(&path)?;
        if let Some((k, ours, dl)) = known
            && let Some(want) = k
                .files
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| Digests::of(f, dl).sha256)
        {
            verified(&path, ours, CONTENT_SHA, &files::sha256_hex(&bytes), want)?;
        }
        contents.push((display, bytes));
    }
    let expect = match known {
        Some(_) => idx::Expect {
            image_size: Some([28, 28]),
            n_classes: Some(10),
            every_class: false,
        },
        None => idx::Expect {
            image_size: None,
            n_classes: None,
            every_class,
        },
    };
    idx::read_pair(
        (&contents[0].0, &contents[0].1),
        (&contents[1].0, &contents[1].1),
        expect,
    )
}

/// Reads `DIR/{prefix}-images-idx3-ubyte[.gz]` and its labels (for `idx:DIR` names), the
/// classes inferred from the labels; `every_class` for a training file (see
/// [`idx::Expect::every_class`]).
pub(crate) fn read_idx_dir(dir: &Path, prefix: &str, every_class: bool) -> Result<Raw, DataError> {
    let images = format!("{prefix}-images-idx3-ubyte.gz");
    let labels = format!("{prefix}-labels-idx1-ubyte.gz");
    read_idx_files(dir, &images, &labels, None, every_class)
}

/// Reads an image-folder dataset (`dir/train`, `dir/test`), checking its tree hash the
/// first time this exact tree (by fingerprint) is seen, and remembering that in the cache.
fn read_tree(
    known: &Known,
    dir: &Path,
    opts: &LoadOptions,
) -> Result<(Raw, Option<Raw>), DataError> {
    let cache_root = source::cache_root(opts);
    let train_tree = image_folder::scan(&dir.join("train"))?;
    let test_tree = if dir.join("test").is_dir() {
        Some(image_folder::scan(&dir.join("test"))?)
    } else {
        None
    };
    let train_print = image_folder::fingerprint(&train_tree)?;
    let test_print = test_tree
        .as_ref()
        .map(image_folder::fingerprint)
        .transpose()?;
    if let Some(want) = known.tree_sha256 {
        let both = files::sha256_hex(
            format!("{train_print}{}", test_print.as_deref().unwrap_or("")).as_bytes(),
        );
        if !cache_root
            .as_deref()
            .is_some_and(|c| cache::is_verified(c, known.name, &both))
        {
            let got = image_folder::tree_sha256(dir)?;
            files::check_digest(&dir.display().to_string(), TREE_SHA, &got, want)?;
            if let Some(c) = &cache_root {
                cache::remember_verified(c, known.name, &both);
            }
        }
    }
    let train = image_folder::load_scanned(&train_tree, &train_print, cache_root.as_deref())?;
    let test = match (test_tree, test_print) {
        (Some(t), Some(p)) if opts.include_test => {
            Some(image_folder::load_scanned(&t, &p, cache_root.as_deref())?)
        }
        _ => None,
    };
    Ok((train, test))
}

/// What [`fetch`] did.
///
/// ```
/// let f = mlplab::data::Fetched { name: "mnist".into(), dir: "/c/mnist".into(), files: vec![], urls: vec![] };
/// assert!(f.to_string().starts_with("mnist: /c/mnist"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The dataset.
    pub name: String,
    /// The cache folder now holding its files.
    pub dir: PathBuf,
    /// `(file, what happened)`: "already in the cache, verified" or "downloaded from URL".
    pub files: Vec<(String, String)>,
    /// The URLs downloaded from, in file order.
    pub urls: Vec<String>,
}

impl fmt::Display for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.name, self.dir.display())?;
        for (file, what) in &self.files {
            writeln!(f, "  {file}: {what}")?;
        }
        Ok(())
    }
}

/// Makes sure every file of known dataset `name` is in the cache, verified: files already
/// there are checked (and replaced if corrupt), missing ones downloaded (with a progress
/// bar when [`DownloadOptions::progress`](super::DownloadOptions::progress) is on).
///
/// ```
/// use mlplab::data::{fetch, LoadOptions};
/// let offline = LoadOptions { offline: true, ..Default::default() };
/// let err = fetch("mnist", &offline).unwrap_err();
/// assert!(err.to_string().contains("offline"));
/// ```
pub fn fetch(name: &str, opts: &LoadOptions) -> Result<Fetched, DataError> {
    let known = catalog::known(name).ok_or_else(|| DataError::UnknownDataset {
        found: name.to_string(),
        valid: format!(
            "{} (the others need no download)",
            catalog::CATALOG
                .iter()
                .filter(|k| !k.mirrors.is_empty())
                .map(|k| k.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })?;
    fetch_known(known, opts)
}

fn fetch_known(known: &Known, opts: &LoadOptions) -> Result<Fetched, DataError> {
    let (mirrors, publisher) = source::mirrors(known, opts);
    if known.files.is_empty() || mirrors.is_empty() {
        return Err(DataError::NoDownload {
            name: known.name.to_string(),
            hint: known.hint.to_string(),
        });
    }
    if source::offline(opts) {
        return Err(DataError::Offline {
            name: known.name.to_string(),
        });
    }
    let root = source::cache_root(opts).ok_or_else(|| DataError::invalid("cache folder", "none", "a cache folder to download into: set --cache-dir, MLPLAB_CACHE, XDG_CACHE_HOME or HOME"))?;
    let dir = root.join(known.name);
    let mut done = Vec::new();
    let mut urls = Vec::new();
    for file in known.files {
        let path = dir.join(file.name);
        if path.is_file() {
            let check = check_file(file, &path, &opts.download);
            if check.ok {
                done.push((
                    file.name.to_string(),
                    format!("already in the cache, verified ({})", check.detail),
                ));
                continue;
            }
            std::fs::remove_file(&path)
                .map_err(|e| DataError::io(&path, "deleting a corrupt cached copy", e))?;
        }
        let url = download::fetch_file(file, &dir, &mirrors, publisher, &opts.download)?;
        done.push((
            file.name.to_string(),
            format!("downloaded from {url}, verified"),
        ));
        urls.push(url);
    }
    Ok(Fetched {
        name: known.name.to_string(),
        dir,
        files: done,
        urls,
    })
}

/// The result of checking one file (or tree) against its published digest.
///
/// ```
/// use mlplab::data::{Check, Source};
/// let c = Check { dataset: "mnist".into(), source: Source::Embedded, file: "x".into(), ok: true, detail: "SHA-256 ok".into() };
/// assert_eq!(c.to_string(), "ok    mnist embedded: x: SHA-256 ok");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The dataset.
    pub dataset: String,
    /// Which of its sources.
    pub source: Source,
    /// The file or folder checked (relative to the source folder, "." for the folder itself).
    pub file: String,
    /// Whether it matched.
    pub ok: bool,
    /// What was compared (digests found and expected on failure).
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.ok { "ok  " } else { "FAIL" };
        write!(
            f,
            "{tag}  {} {}: {}: {}",
            self.dataset, self.source, self.file, self.detail
        )
    }
}

/// Checks one known file on disk: content SHA-256 where known, MD5 otherwise (or as
/// information, telling a publisher's archive from a recompressed copy).
fn check_file(file: &KnownFile, path: &Path, opts: &DownloadOptions) -> Check {
    let digests = Digests::of(file, opts);
    let mut check = Check {
        dataset: String::new(),
        source: Source::Path(path.to_path_buf()),
        file: path.display().to_string(),
        ok: false,
        detail: String::new(),
    };
    let bytes = match files::read(path) {
        Ok(b) => b,
        Err(e) => {
            check.detail = e.to_string();
            return check;
        }
    };
    let md5 = files::md5_hex(&bytes);
    let md5_note = match digests.md5 {
        Some(want) if want == md5 => "MD5 is the publisher's archive's".to_string(),
        Some(_) => "a recompressed copy: MD5 differs from the publisher's archive".to_string(),
        None => String::new(),
    };
    match digests.sha256 {
        Some(want) => match files::gunzip_if_needed(bytes, &check.file) {
            Ok(content) => {
                let got = files::sha256_hex(&content);
                check.ok = got.eq_ignore_ascii_case(want);
                check.detail = if check.ok {
                    format!("{CONTENT_SHA} ok; {md5_note}")
                } else {
                    format!("{CONTENT_SHA} is {got}, expected {want}")
                };
            }
            Err(e) => check.detail = e.to_string(),
        },
        None => {
            let want = digests.md5.unwrap_or("");
            check.ok = md5 == want;
            check.detail = if md5 == want {
                format!("{ARCHIVE_MD5} ok")
            } else {
                format!("{ARCHIVE_MD5} is {md5}, expected {want}")
            };
        }
    }
    check
}

/// Re-checks every local copy of dataset `name` (data dir, cache, system folder, embedded)
/// against the published digests, ignoring any remembered verification. Copies found
/// nowhere give no checks.
///
/// ```
/// let checks = mlplab::data::verify("mnist", &mlplab::data::LoadOptions { cache_dir: Some("/none".into()), ..Default::default() })?;
/// assert!(checks.iter().any(|c| c.source == mlplab::data::Source::Embedded && c.ok));
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
pub fn verify(name: &str, opts: &LoadOptions) -> Result<Vec<Check>, DataError> {
    let known = catalog::known(name).ok_or_else(|| DataError::UnknownDataset {
        found: name.to_string(),
        valid: super::KNOWN.join(", "),
    })?;
    let mut checks = Vec::new();
    for c in source::locate_known(known, opts).candidates {
        if c.status != Status::Present {
            continue;
        }
        match &c.source {
            Source::DataDir(dir) | Source::Cache(dir) | Source::System(dir) => {
                for mut check in folder_checks(known, dir, &c.source, opts) {
                    check.dataset = known.name.to_string();
                    check.source = c.source.clone();
                    // Name the file relative to its source folder ("." for the folder itself).
                    if let Ok(rel) = Path::new(&check.file).strip_prefix(dir) {
                        let rel = rel.display().to_string();
                        check.file = if rel.is_empty() { ".".to_string() } else { rel };
                    }
                    checks.push(check);
                }
            }
            Source::Embedded => checks.extend(embedded_checks(known)),
            _ => {}
        }
    }
    Ok(checks)
}

/// The embedded copy's files against their content digests.
fn embedded_checks(known: &Known) -> Vec<Check> {
    embedded::check_each()
        .into_iter()
        .map(|(display, result)| Check {
            dataset: known.name.into(),
            source: Source::Embedded,
            file: display.into(),
            ok: result.is_ok(),
            detail: match result {
                Ok(sha) => format!("{CONTENT_SHA} ok ({sha})"),
                Err(e) => e.to_string(),
            },
        })
        .collect()
}

/// The checks of a copy of `known` in the folder `dir` (of `source`), with file paths as
/// found (the caller makes them relative): each published file that is there; for CIFAR-10
/// without its archive, the structure of an extracted folder; for an image folder, the
/// digest of the whole tree.
fn folder_checks(known: &Known, dir: &Path, source: &Source, opts: &LoadOptions) -> Vec<Check> {
    match known.format {
        Format::Idx | Format::CifarBinary => {
            let mut checks = Vec::new();
            for file in known.files {
                let path = match known.format {
                    Format::Idx => source::idx_path(dir, file.name),
                    _ => Some(dir.join(file.name)).filter(|p| p.is_file()),
                };
                if let Some(path) = path {
                    checks.push(check_file(file, &path, &opts.download));
                }
            }
            if checks.is_empty()
                && let Some(folder) = cifar::find_folder(dir)
            {
                checks.push(extracted_cifar_check(&folder, source));
            }
            checks
        }
        Format::ImageFolder => {
            let want = known.tree_sha256.unwrap_or("");
            let (ok, detail) = match image_folder::tree_sha256(dir) {
                Ok(got) if got == want => (true, format!("{TREE_SHA} ok")),
                Ok(got) => (false, format!("{TREE_SHA} is {got}, expected {want}")),
                Err(e) => (false, e.to_string()),
            };
            vec![Check {
                dataset: String::new(),
                source: source.clone(),
                file: dir.display().to_string(),
                ok,
                detail,
            }]
        }
    }
}

/// An extracted CIFAR-10 folder has no published checksum: check that it reads.
fn extracted_cifar_check(folder: &Path, source: &Source) -> Check {
    let result = cifar::read_folder(folder);
    Check {
        dataset: String::new(),
        source: source.clone(),
        file: folder.display().to_string(),
        ok: result.is_ok(),
        detail: match result {
            Ok(set) => format!(
                "no published checksum for the extracted files; structure ok ({} training records)",
                set.train.len()
            ),
            Err(e) => e.to_string(),
        },
    }
}
