//! The embedded default: the study's MNIST split itself, compiled into the binary.
//!
//! `assets/mnist-20k/` holds the first 20,000 images and labels of the official MNIST
//! training set as gzip IDX files (headers rewritten to count 20,000; `gzip -9 -n`), about
//! 3.3 MB. They are verified by the SHA-256 of their decompressed content on every use,
//! like any other source. There is no test set.

use super::dataset::Raw;
use super::{DataError, files, idx};

/// The embedded images, gzip IDX, 20,000 × 28 × 28.
const IMAGES_GZ: &[u8] = include_bytes!("../../assets/mnist-20k/train-images-idx3-ubyte.gz");
/// The embedded labels, gzip IDX, 20,000.
const LABELS_GZ: &[u8] = include_bytes!("../../assets/mnist-20k/train-labels-idx1-ubyte.gz");
/// SHA-256 of the decompressed images file.
pub(crate) const IMAGES_SHA256: &str =
    "a11a4e2732abb0fa4e8f31a13a8d7556412b39452f305e80c7f4b77edc889936";
/// SHA-256 of the decompressed labels file.
pub(crate) const LABELS_SHA256: &str =
    "eb92585ea9285fed1427500c49eefcc06f159cc858b6d825728649a46f3f0ff8";
/// Examples in the embedded copy (the first this many of MNIST's official training set).
///
/// ```
/// assert_eq!(mlplab::data::EMBEDDED_ROWS, 20_000);
/// ```
pub const EMBEDDED_ROWS: usize = 20_000;

/// Display names of the embedded files, as errors and `data verify` show them.
pub(crate) const IMAGES_NAME: &str = "embedded:train-images-idx3-ubyte.gz";
pub(crate) const LABELS_NAME: &str = "embedded:train-labels-idx1-ubyte.gz";

/// Decompresses one embedded file and checks its SHA-256.
fn verified(name: &str, gz: &[u8], sha256: &str) -> Result<Vec<u8>, DataError> {
    let bytes = files::gunzip_if_needed(gz.to_vec(), name)?;
    files::check_digest(
        name,
        "SHA-256 of the decompressed content",
        &files::sha256_hex(&bytes),
        sha256,
    )?;
    Ok(bytes)
}

/// The embedded files, decompressed and verified: `(display name, bytes)` for the images,
/// then the labels.
pub(crate) fn files_verified() -> Result<[(&'static str, Vec<u8>); 2], DataError> {
    Ok([
        (
            IMAGES_NAME,
            verified(IMAGES_NAME, IMAGES_GZ, IMAGES_SHA256)?,
        ),
        (
            LABELS_NAME,
            verified(LABELS_NAME, LABELS_GZ, LABELS_SHA256)?,
        ),
    ])
}

/// Each embedded file's verification: `(display name, Ok(sha256) or the mismatch)`.
pub(crate) fn check_each() -> [(&'static str, Result<&'static str, DataError>); 2] {
    [
        (IMAGES_NAME, IMAGES_GZ, IMAGES_SHA256),
        (LABELS_NAME, LABELS_GZ, LABELS_SHA256),
    ]
    .map(|(name, gz, sha)| (name, verified(name, gz, sha).map(|_| sha)))
}

/// The embedded MNIST training prefix, verified.
pub(crate) fn mnist() -> Result<Raw, DataError> {
    let [(iname, images), (lname, labels)] = files_verified()?;
    idx::read_pair(
        (iname, &images),
        (lname, &labels),
        idx::Expect {
            image_size: Some([28, 28]),
            n_classes: Some(10),
            every_class: false,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_is_the_mnist_prefix() {
        let raw = super::mnist().unwrap();
        assert_eq!(raw.len(), super::EMBEDDED_ROWS);
        assert_eq!(raw.labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    }
}
