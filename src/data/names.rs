//! Dataset names: the known datasets, and how a name such as `blobs:seed=1` or
//! `npy:X.npy,Y.npy` is taken apart.

use std::path::PathBuf;

use super::{Column, DataError, SYNTHETIC, catalog};

/// The datasets mlplab knows by name (each with its own sources and checksums).
///
/// ```
/// assert!(mlplab::data::KNOWN.contains(&"cifar10-jpeg"));
/// ```
pub const KNOWN: &[&str] = &["mnist", "fashion-mnist", "cifar10", "cifar10-jpeg"];

/// Every form a name can take, for the message of an unknown name.
const VALID_NAMES: &str = "mnist, fashion-mnist, cifar10, cifar10-jpeg, random-labels[:k=v,…], blobs[:k=v,…], spirals[:k=v,…], csv:FILE[,label=COLUMN], npy:FEATURES.npy,LABELS.npy, images:DIR, idx:DIR";

/// The kinds of user data a name can start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserKind {
    Csv,
    Npy,
    Images,
    Idx,
}

/// A parsed dataset name.
pub(crate) enum Name<'a> {
    /// One of [`KNOWN`].
    Known(&'static catalog::Known),
    /// A synthetic kind and its parameters (the text after the colon).
    Synthetic(&'a str, Option<&'a str>),
    /// User files: one path, or two for `npy:`; for `csv:`, the label column named in the
    /// name (`csv:FILE,label=COLUMN`), which overrides [`CsvOptions::label`](super::CsvOptions::label).
    User {
        kind: UserKind,
        paths: Vec<PathBuf>,
        label: Option<Column>,
    },
}

/// Takes `name` apart; fails on an unknown kind or a wrong number of paths.
pub(crate) fn parse_name(name: &str) -> Result<Name<'_>, DataError> {
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
    let mut arg = arg.unwrap_or("");
    let mut label = None;
    if user == UserKind::Csv
        && let Some((path, column)) = arg.rsplit_once(",label=")
    {
        if column.trim().is_empty() {
            return Err(DataError::invalid(
                "dataset name",
                format!("{name:?}"),
                "csv:FILE,label=COLUMN with a column name or 0-based index after label=",
            ));
        }
        label = column.trim().parse::<Column>().ok();
        arg = path;
    }
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
    Ok(Name::User {
        kind: user,
        paths,
        label,
    })
}
