//! Downloads from the publishers' mirrors into the cache, verified before they are kept.
//!
//! Each file is streamed into a temporary file beside its destination (with a progress
//! bar on stderr when [`DownloadOptions::progress`] is on), verified, and renamed into place
//! only then; a failed or corrupt download leaves nothing behind, and the error lists every
//! mirror tried and how it failed. Verification:
//!
//! - the SHA-256 of the decompressed content, wherever it is known (it survives
//!   recompression, so it is what decides for every mirror);
//! - the publisher's MD5 of the archive, from the publishers' own mirrors (which serve
//!   exactly the published archive), and from any mirror when no content hash is known
//!   (CIFAR-10's archive). A mirror of your own ([`DownloadOptions::mirrors`]) may serve a
//!   recompressed copy: its MD5 differs, its content hash must not.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::DataError;
use super::catalog::KnownFile;
// The HTTP client: cargo feature `download` (a default feature, through `cli`).
#[cfg(feature = "download")]
use {
    super::catalog::Digests,
    super::files,
    md5::{Digest, Md5},
    std::io::{Read, Write},
    std::path::PathBuf,
    std::time::Duration,
};

/// How downloads are made.
///
/// ```
/// use mlplab::data::DownloadOptions;
/// let d = DownloadOptions { mirrors: Some(vec!["http://127.0.0.1:8000/mnist/".into()]), ..Default::default() };
/// assert_eq!(d.connect_timeout_s, 15.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadOptions {
    /// Base URLs to use instead of the publishers' (each file's URL is the base, a `/`,
    /// and the file's name), tried in order.
    pub mirrors: Option<Vec<String>>,
    /// Seconds allowed to establish a connection (default 15).
    pub connect_timeout_s: f64,
    /// Seconds allowed waiting for the response and for each read of its body (default 30).
    pub read_timeout_s: f64,
    /// Draw a progress bar on stderr (default off; the CLI turns it on).
    pub progress: bool,
    /// Expected SHA-256 of a file's decompressed content, by file name (e.g.
    /// `"train-images-idx3-ubyte.gz"`), used instead of the catalog's published digests:
    /// for a mirror or data folder of your own that holds another build of the files (a
    /// subset, a re-encoding), or a test serving files it wrote. A file named here is checked
    /// against this digest only (the publisher's MD5 is then not asked for), wherever it is
    /// read: downloads, the cache, the data dir, `data verify`. Default: empty (the catalog).
    ///
    /// ```
    /// use mlplab::data::DownloadOptions;
    /// let mut d = DownloadOptions::default();
    /// d.checksums.insert("train-labels-idx1-ubyte.gz".into(), "ab12…".into());
    /// assert!(DownloadOptions::default().checksums.is_empty());
    /// ```
    pub checksums: BTreeMap<String, String>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            mirrors: None,
            connect_timeout_s: 15.0,
            read_timeout_s: 30.0,
            progress: false,
            checksums: BTreeMap::new(),
        }
    }
}

#[cfg(feature = "download")]
/// Deletes the temporary file unless the download was kept.
struct TempFile(Option<PathBuf>);

#[cfg(feature = "download")]
impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(feature = "download")]
fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_finite() && s > 0.0 { s } else { 1.0 })
}

/// The URL of `file` on the mirror `base`.
#[cfg(feature = "download")]
pub(crate) fn url(base: &str, file: &str) -> String {
    format!("{}/{file}", base.trim_end_matches('/'))
}

#[cfg(feature = "download")]
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::StatusCode(code) => format!("HTTP status {code}"),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}

#[cfg(feature = "download")]
/// Downloads `file` into `dest_dir` from the first of `mirrors` that delivers a verified
/// copy. `publisher` says whether the mirrors are the publishers' own (see the module
/// doc for what that changes). Returns the URL used.
pub(crate) fn fetch_file(
    file: &KnownFile,
    dest_dir: &Path,
    mirrors: &[String],
    publisher: bool,
    opts: &DownloadOptions,
) -> Result<String, DataError> {
    std::fs::create_dir_all(dest_dir).map_err(|e| DataError::io(dest_dir, "creating", e))?;
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(seconds(opts.connect_timeout_s)))
        .timeout_recv_response(Some(seconds(opts.read_timeout_s)))
        .timeout_per_read(Some(seconds(opts.read_timeout_s)))
        .accept_encoding("")
        .user_agent(concat!("mlplab/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let dest = dest_dir.join(file.name);
    let digests = Digests::of(file, opts);
    let mut attempts = Vec::new();
    if mirrors.is_empty() {
        attempts.push("no mirror is configured".to_string());
    }
    for base in mirrors {
        let url = url(base, file.name);
        match try_mirror(&agent, &url, file, digests, &dest, publisher, opts) {
            Ok(()) => return Ok(url),
            Err(why) => attempts.push(format!("{url}: {why}")),
        }
    }
    Err(DataError::Download {
        file: file.name.to_string(),
        attempts,
    })
}

#[cfg(feature = "download")]
/// One mirror: download to a temporary file, verify, rename. `Err` says how it failed.
fn try_mirror(
    agent: &ureq::Agent,
    url: &str,
    file: &KnownFile,
    digests: Digests<'_>,
    dest: &Path,
    publisher: bool,
    opts: &DownloadOptions,
) -> Result<(), String> {
    let mut response = agent.get(url).call().map_err(|e| describe(&e))?;
    let body = response.body_mut();
    let length = body.content_length();
    let tmp_path = dest.with_file_name(format!(".{}.part-{}", file.name, std::process::id()));
    let mut tmp = TempFile(Some(tmp_path.clone()));
    let mut out = std::fs::File::create(&tmp_path)
        .map_err(|e| format!("creating {}: {e}", tmp_path.display()))?;
    let bar = if opts.progress {
        let bar = indicatif::ProgressBar::new(length.unwrap_or(0));
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(file.name.to_string());
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut md5 = Md5::new();
    let mut reader = body.as_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                bar.abandon();
                return Err(format!("reading the body failed after {total} bytes: {e}"));
            }
        };
        md5.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| format!("writing {}: {e}", tmp_path.display()))?;
        total += n as u64;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    out.sync_all()
        .map_err(|e| format!("writing {}: {e}", tmp_path.display()))?;
    drop(out);
    let got_md5 = files::hex(&md5.finalize());
    if let Some(want) = digests.md5
        && (publisher || digests.sha256.is_none())
        && got_md5 != want
    {
        return Err(format!(
            "MD5 of the archive is {got_md5}, expected {want} (corrupt or not the published file; not kept)"
        ));
    }
    if let Some(want) = digests.sha256 {
        let bytes = std::fs::read(&tmp_path)
            .map_err(|e| format!("reading back {}: {e}", tmp_path.display()))?;
        let content = files::gunzip_if_needed(bytes, url).map_err(|e| match e {
            DataError::Gzip { cause, .. } => format!("corrupt gzip stream ({cause}); not kept"),
            other => format!("{other}; not kept"),
        })?;
        let got = files::sha256_hex(&content);
        if !got.eq_ignore_ascii_case(want) {
            return Err(format!(
                "SHA-256 of the decompressed content is {got}, expected {want} (corrupt; not kept)"
            ));
        }
    }
    std::fs::rename(&tmp_path, dest).map_err(|e| format!("renaming to {}: {e}", dest.display()))?;
    tmp.0 = None;
    Ok(())
}

/// Without the `download` feature there is no HTTP client: every fetch fails, saying how to
/// get the file instead.
#[cfg(not(feature = "download"))]
pub(crate) fn fetch_file(
    file: &KnownFile,
    _dest_dir: &Path,
    _mirrors: &[String],
    _publisher: bool,
    _opts: &DownloadOptions,
) -> Result<String, DataError> {
    Err(DataError::Download {
        file: file.name.to_string(),
        attempts: vec![
            "this build of mlplab has no downloads (it was built without the cargo feature \
             `download`): put the file in the data folder (DIR/<name>/) or the cache yourself, \
             or build with --features download"
                .to_string(),
        ],
    })
}

#[cfg(all(test, not(feature = "download")))]
mod without_the_feature {
    use super::*;

    #[test]
    fn a_fetch_fails_saying_how_to_get_the_file() {
        let file = KnownFile {
            name: "train-images-idx3-ubyte.gz",
            sha256: None,
            md5: None,
            test: false,
        };
        let e = fetch_file(
            &file,
            Path::new("/nonexistent"),
            &["http://127.0.0.1:9/".into()],
            true,
            &DownloadOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("train-images-idx3-ubyte.gz") && e.contains("feature `download`"),
            "{e}"
        );
    }
}
