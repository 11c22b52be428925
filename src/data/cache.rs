//! The user cache folder's files: decoded image arrays and "verified" marks.
//!
//! Layout under the cache root (`$XDG_CACHE_HOME/mlplab`, else `~/.cache/mlplab`, or the
//! override in [`LoadOptions::cache_dir`](super::LoadOptions::cache_dir)):
//!
//! ```text
//! <name>/<file>            downloaded files, as the publisher names them
//! decoded/<key>.u8         a decoded image-folder tree (format below)
//! verified/<name>-<fp>     the tree with fingerprint <fp> passed its SHA-256 check
//! ```
//!
//! A decoded array file is: `b"MLPLABU8"`, format version `u32`, the 64-hex-digit tree
//! fingerprint, then `n: u64`, `channels, height, width, n_classes: u32`, each class name
//! as `u32` length + UTF-8, `n` labels as `u32`, and `n·c·h·w` pixel bytes (all integers
//! little-endian). Any mismatch makes the file a cache miss, never an error.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::dataset::{Features, Raw};
use super::files;

const MAGIC: &[u8; 8] = b"MLPLABU8";
const VERSION: u32 = 1;

/// Where the decoded array of the tree at `root` lives.
pub(crate) fn decoded_path(cache_root: &Path, root: &Path) -> PathBuf {
    let canon = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let key = &files::sha256_hex(canon.to_string_lossy().as_bytes())[..16];
    cache_root.join("decoded").join(format!("{key}.u8"))
}

/// Writes `bytes` to `path` through a temporary file renamed into place, so that a reader
/// never sees half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("part-{}", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Saves `raw` (which must hold bytes) with the tree fingerprint `print`.
pub(crate) fn write_decoded(path: &Path, print: &str, raw: &Raw) -> std::io::Result<()> {
    let (Features::U8(px), Some([c, h, w])) = (&raw.features, raw.image_shape) else {
        return Ok(());
    };
    let mut out = Vec::with_capacity(px.len() + raw.len() * 4 + 256);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(print.as_bytes());
    out.extend_from_slice(&(raw.len() as u64).to_le_bytes());
    for v in [c, h, w, raw.n_classes] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    for name in &raw.class_names {
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    for l in &raw.labels {
        out.extend_from_slice(&l.to_le_bytes());
    }
    out.extend_from_slice(px);
    write_atomic(path, &out)
}

/// Reads a decoded array if `path` holds one for fingerprint `print`.
pub(crate) fn read_decoded(path: &Path, print: &str) -> Option<Raw> {
    let bytes = std::fs::read(path).ok()?;
    let mut r = Reader { b: &bytes };
    if r.take(8)? != MAGIC || r.u32()? != VERSION || r.take(print.len())? != print.as_bytes() {
        return None;
    }
    let n = usize::try_from(u64::from_le_bytes(r.take(8)?.try_into().ok()?)).ok()?;
    let (c, h, w, k) = (
        r.u32()? as usize,
        r.u32()? as usize,
        r.u32()? as usize,
        r.u32()? as usize,
    );
    let mut class_names = Vec::with_capacity(k);
    for _ in 0..k {
        let len = r.u32()? as usize;
        class_names.push(String::from_utf8(r.take(len)?.to_vec()).ok()?);
    }
    let labels: Vec<u32> = r
        .take(n.checked_mul(4)?)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let d = c.checked_mul(h)?.checked_mul(w)?;
    let px = r.take(n.checked_mul(d)?)?.to_vec();
    if !r.b.is_empty() || labels.iter().any(|&l| l as usize >= k) {
        return None;
    }
    Some(Raw {
        features: Features::U8(px),
        labels,
        n_features: d,
        n_classes: k,
        class_names,
        image_shape: Some([c, h, w]),
        class_grouped: true,
    })
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.b.len() < n {
            return None;
        }
        let (head, tail) = self.b.split_at(n);
        self.b = tail;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

/// The mark saying that the tree of dataset `name` with fingerprint `print` was verified.
fn verified_path(cache_root: &Path, name: &str, print: &str) -> PathBuf {
    cache_root.join("verified").join(format!("{name}-{print}"))
}

/// True if the tree was verified before (and has not changed since).
pub(crate) fn is_verified(cache_root: &Path, name: &str, print: &str) -> bool {
    verified_path(cache_root, name, print).is_file()
}

/// Remembers that the tree was verified (best effort).
pub(crate) fn remember_verified(cache_root: &Path, name: &str, print: &str) {
    let _ = write_atomic(&verified_path(cache_root, name, print), b"sha256 ok\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_mismatch() {
        let raw = Raw {
            features: Features::U8((0..24).collect()),
            labels: vec![1, 0],
            n_features: 12,
            n_classes: 2,
            class_names: vec!["cat".into(), "dog".into()],
            image_shape: Some([3, 2, 2]),
            class_grouped: true,
        };
        let dir = std::env::temp_dir().join(format!("mlplab-cache-{}", std::process::id()));
        let file = dir.join("decoded/x.u8");
        let print = "ab".repeat(32);
        write_decoded(&file, &print, &raw).unwrap();
        assert_eq!(read_decoded(&file, &print), Some(raw));
        assert_eq!(read_decoded(&file, &"cd".repeat(32)), None);
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.pop();
        std::fs::write(&file, bytes).unwrap();
        assert_eq!(
            read_decoded(&file, &print),
            None,
            "truncated file is a miss"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
