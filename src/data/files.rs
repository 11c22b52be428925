//! Reading files whole, transparent gzip, and the digests that verify them.
//!
//! Verification hashes the *decompressed* content (SHA-256), which survives recompression,
//! and, for downloads, the archive's bytes (MD5), which is what publishers list.

use std::io::Read;
use std::path::Path;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::DataError;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads `path` whole.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|e| DataError::io(path, "reading", e))
}

/// True if `bytes` start like a gzip stream (decided by content, not by file name).
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// `bytes` decompressed if they are gzip, else unchanged. `file` names the source in errors.
pub(crate) fn gunzip_if_needed(bytes: Vec<u8>, file: &str) -> Result<Vec<u8>, DataError> {
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip {
            file: file.to_string(),
            source,
        })?;
    Ok(out)
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex MD5 of `bytes`.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex(&Md5::digest(bytes))
}

/// Lower-case hex of a digest.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Errors with [`DataError::Checksum`] unless `found == expected`.
pub(crate) fn check_digest(
    file: &str,
    algorithm: &str,
    found: &str,
    expected: &str,
) -> Result<(), DataError> {
    if found.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(DataError::Checksum {
            file: file.to_string(),
            algorithm: algorithm.to_string(),
            found: found.to_string(),
            expected: expected.to_string(),
            removed: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn gunzip_roundtrip_and_corrupt() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello idx").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip_if_needed(gz.clone(), "x.gz").unwrap(), b"hello idx");
        assert_eq!(gunzip_if_needed(b"plain".to_vec(), "x").unwrap(), b"plain");
        let mut bad = gz.clone();
        let mid = bad.len() / 2;
        bad.truncate(mid);
        let err = gunzip_if_needed(bad, "x.gz").unwrap_err();
        assert!(matches!(err, DataError::Gzip { .. }), "{err}");
        assert!(err.to_string().contains("x.gz"));
    }
}
