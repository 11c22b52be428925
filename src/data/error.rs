//! The one error type of the data module.
//!
//! Every message names the file (or archive member, or option) it is about, the field
//! that is wrong, what was found there and what would have been valid, so that a user can
//! fix the input without reading the source.

use std::path::Path;

/// Everything that can go wrong while finding, downloading, verifying or reading a dataset.
///
/// `file` fields are display strings rather than paths because the thing read is not always a
/// file on disk: it can be an archive member (`cifar-10-binary.tar.gz:cifar-10-batches-bin/data_batch_1.bin`),
/// the embedded copy (`embedded:train-images-idx3-ubyte.gz`) or a URL.
///
/// ```
/// use mlplab::data::DataError;
/// let err = DataError::format("train-images-idx3-ubyte", "magic number", "0x00000801", "0x00000803 (an IDX file of unsigned bytes with 3 dimensions)");
/// assert!(err.to_string().contains("magic number"));
/// // The error can travel through anyhow and across threads.
/// fn assert_bounds<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
/// assert_bounds(&err);
/// ```
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The operating system refused to read or write a file.
    #[error("{file}: {action} failed: {cause}")]
    Io {
        /// The file or folder.
        file: String,
        /// What was being done ("reading", "creating", "renaming to ...").
        action: String,
        /// The underlying error (shown in the message, so not also a `source()`).
        cause: std::io::Error,
    },

    /// A gzip stream could not be decompressed.
    #[error(
        "{file}: corrupt gzip stream ({cause}); expected a complete gzip file (re-download it or run `gzip -t` on it)"
    )]
    Gzip {
        /// The compressed file.
        file: String,
        /// What the decompressor said.
        cause: std::io::Error,
    },

    /// A file was readable but its content is not what the format requires.
    #[error("{file}: {field}: found {found}, expected {expected}")]
    Format {
        /// The file (or archive member).
        file: String,
        /// The field, record or row that is wrong ("magic number", "row 7, column 'x3'").
        field: String,
        /// What the file holds.
        found: String,
        /// What would be valid.
        expected: String,
    },

    /// A file's checksum differs from the published one; the file was not used (and, if it
    /// was a download or a cached copy, not kept).
    #[error(
        "{file}: {algorithm} mismatch: found {found}, expected {expected}; the file was not used{removed}"
    )]
    Checksum {
        /// The file.
        file: String,
        /// "SHA-256 of the decompressed content", "MD5 of the archive", ...
        algorithm: String,
        /// The digest computed.
        found: String,
        /// The published digest.
        expected: String,
        /// "" or ", and was deleted" when the copy was ours to delete.
        removed: String,
    },

    /// No mirror delivered a verified copy of a file.
    #[error("could not download {file}: {}", attempts.join("; "))]
    Download {
        /// The file wanted.
        file: String,
        /// One line per mirror: the URL and how it failed.
        attempts: Vec<String>,
    },

    /// `fetch` was asked for a dataset that has no download.
    #[error("{name} has no download; to get it: {hint}")]
    NoDownload {
        /// The dataset name.
        name: String,
        /// How to get it instead.
        hint: String,
    },

    /// A download was needed while downloads are off.
    #[error("cannot download {name} while offline (drop --offline / MLPLAB_OFFLINE=1 to allow it)")]
    Offline {
        /// The dataset name.
        name: String,
    },

    /// A known dataset was not found anywhere it is looked for.
    #[error("dataset {name} not found: {}. {hint}", tried.join("; "))]
    NotFound {
        /// The dataset name.
        name: String,
        /// Each place looked at and why it did not hold the dataset.
        tried: Vec<String>,
        /// How to get it.
        hint: String,
    },

    /// A dataset name that is neither known nor of a recognised `kind:argument` form.
    #[error(
        "unknown dataset {found:?}{}; valid: {valid}",
        suggestion(found, valid)
    )]
    UnknownDataset {
        /// The name given.
        found: String,
        /// The names and forms accepted.
        valid: String,
    },

    /// An option (a split size, a synthetic parameter, a CSV setting) that cannot be satisfied.
    #[error("{option}: {found} is not valid: {valid}")]
    Invalid {
        /// The option, as the user spells it ("split.train_size", "spirals: noise").
        option: String,
        /// The value given.
        found: String,
        /// What would be valid, and why.
        valid: String,
    },

    /// An image file could not be decoded.
    #[error("{file}: cannot decode image: {cause}")]
    Image {
        /// The image file.
        file: String,
        /// What the decoder said.
        cause: image::ImageError,
    },
}

impl DataError {
    /// A [`DataError::Format`]: `file`'s `field` holds `found` where `expected` was required.
    ///
    /// ```
    /// let e = mlplab::data::DataError::format("a.csv", "row 3", "5 fields", "4 fields");
    /// assert_eq!(e.to_string(), "a.csv: row 3: found 5 fields, expected 4 fields");
    /// ```
    pub fn format(
        file: impl Into<String>,
        field: impl Into<String>,
        found: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        DataError::Format {
            file: file.into(),
            field: field.into(),
            found: found.into(),
            expected: expected.into(),
        }
    }

    /// A [`DataError::Invalid`] for an option.
    ///
    /// ```
    /// let e = mlplab::data::DataError::invalid("split.cv_size", "0", "at least 1");
    /// assert!(e.to_string().starts_with("split.cv_size: 0"));
    /// ```
    pub fn invalid(
        option: impl Into<String>,
        found: impl Into<String>,
        valid: impl Into<String>,
    ) -> Self {
        DataError::Invalid {
            option: option.into(),
            found: found.into(),
            valid: valid.into(),
        }
    }

    /// A [`DataError::Io`] about `path`.
    ///
    /// ```
    /// let err = std::fs::read("/nonexistent").unwrap_err();
    /// let e = mlplab::data::DataError::io("/nonexistent", "reading", err);
    /// assert!(e.to_string().starts_with("/nonexistent: reading failed"));
    /// ```
    pub fn io(path: impl AsRef<Path>, action: impl Into<String>, source: std::io::Error) -> Self {
        DataError::Io {
            file: path.as_ref().display().to_string(),
            action: action.into(),
            cause: source,
        }
    }
}

/// ` (did you mean "NAME"?)` when one of the names listed in `valid` (`, `-separated, each
/// name ending at its first `[`, `:` or space: `blobs[:k=v,…]`) is a likely typo of `found`'s
/// kind (the part before `:`), else nothing. Near means by optimal string alignment (a swap
/// of neighbours is one edit), within a third of the name's length.
fn suggestion(found: &str, valid: &str) -> String {
    let kind = found.split(':').next().unwrap_or(found);
    let limit = (kind.chars().count() / 3).max(1);
    valid
        .split(", ")
        .filter_map(|v| v.split(['[', ':', ' ']).next())
        .filter(|v| !v.is_empty() && *v != kind)
        .map(|v| (strsim::osa_distance(kind, v), v))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| {
            let rest = &found[kind.len()..];
            format!(" (did you mean {:?}?)", format!("{v}{rest}"))
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_dataset_suggests_the_name_one_typo_away() {
        let valid = "mnist, fashion-mnist, cifar10, blobs[:k=v,…], csv:FILE[,label=COLUMN]";
        let e = |found: &str| {
            DataError::UnknownDataset {
                found: found.into(),
                valid: valid.into(),
            }
            .to_string()
        };
        assert!(
            e("mnits").contains("(did you mean \"mnist\"?)"),
            "{}",
            e("mnits")
        );
        assert!(
            e("blob:n=10").contains("did you mean \"blobs:n=10\"?"),
            "{}",
            e("blob:n=10")
        );
        assert!(!e("imagenet").contains("did you mean"), "{}", e("imagenet"));
    }
}
