//! An official training set (and test set) as read, before the split: from a known
//! dataset, a synthetic generator or user files, by name.

use super::dataset::Raw;
use super::names::{Name, parse_name};
use super::{DataError, LoadOptions, named, synthetic, user};

/// An official training set (and test set) as read, before the split.
pub(crate) struct Official {
    /// Canonical name (`"mnist"`, `"spirals:n=…"`, `"csv:<file>"`).
    pub name: String,
    /// Where it came from (`"embedded"`, a path, a URL, `"generated"`).
    pub source: String,
    pub train: Raw,
    pub test: Option<Raw>,
    /// For a known dataset read from anywhere but the data dir: which source was used and
    /// why each earlier one was not ([`SplitData::note`](super::SplitData::note)).
    pub note: Option<String>,
}

/// Reads the official training (and test) set of `name`, without splitting.
pub(crate) fn read_official(name: &str, opts: &LoadOptions) -> Result<Official, DataError> {
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
                note: None,
            })
        }
        Name::User { kind, paths, label } => {
            let mut opts = opts.clone();
            if label.is_some() {
                opts.csv.label = label;
            }
            user::read(name, kind, &paths, &opts)
        }
    }
}
