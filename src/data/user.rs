//! A user's own data by name (`csv:`, `npy:`, `images:`, `idx:`): the training files, the
//! test set (from [`LoadOptions::test`] or beside the training files), and the checks that
//! the two fit together.

use std::path::{Path, PathBuf};

use super::dataset::Raw;
use super::names::{Name, UserKind, parse_name};
use super::official::Official;
use super::{DataError, LoadOptions, cache_root, catalog, csv, image_folder, named, npy, source};

/// Reads the user data `name` (already parsed into `kind` and `paths`) and its test set.
/// The test set takes the training set's classes.
pub(crate) fn read(
    name: &str,
    kind: UserKind,
    paths: &[PathBuf],
    opts: &LoadOptions,
) -> Result<Official, DataError> {
    let train = read_user(kind, paths, opts, None)?;
    let test = read_test(kind, paths, opts, &train)?;
    let test_name = opts.test.clone().unwrap_or_else(|| name.to_string());
    if let Some(t) = &test {
        check_test_fits(&test_name, t, &train)?;
    }
    let test = test.map(|mut t| {
        t.n_classes = train.n_classes;
        t.class_names = train.class_names.clone();
        t
    });
    Ok(Official {
        name: name.to_string(),
        source: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(","),
        train,
        test,
        note: None,
    })
}

/// The test set: [`LoadOptions::test`] when given (and tests are wanted), else `test/`
/// beside `train/` for image folders and the `t10k` files for IDX folders, else none.
fn read_test(
    kind: UserKind,
    paths: &[PathBuf],
    opts: &LoadOptions,
    train: &Raw,
) -> Result<Option<Raw>, DataError> {
    match (&opts.test, opts.include_test) {
        (Some(test_name), true) => match parse_name(test_name)? {
            Name::User {
                kind: tk,
                paths: tp,
                label,
            } => {
                // The test file's label column: its own name's, else the training file's.
                let mut opts = opts.clone();
                if label.is_some() {
                    opts.csv.label = label;
                }
                Ok(Some(read_user(tk, &tp, &opts, Some(train))?))
            }
            _ => Err(DataError::invalid(
                "test",
                format!("{test_name:?}"),
                "a user-data name (csv:FILE, npy:X.npy,Y.npy, images:DIR, idx:DIR)",
            )),
        },
        _ if kind == UserKind::Images => images_test(&paths[0], opts),
        _ if kind == UserKind::Idx => idx_test(&paths[0]),
        _ => Ok(None),
    }
}

/// A test set must have the training set's width, and an image folder's test classes
/// must be the training folder's.
fn check_test_fits(test_name: &str, test: &Raw, train: &Raw) -> Result<(), DataError> {
    if test.n_features != train.n_features {
        return Err(DataError::format(
            test_name,
            "features per example",
            test.n_features.to_string(),
            format!("{}, as in the training set", train.n_features),
        ));
    }
    if test.image_shape.is_some() && test.class_grouped && test.class_names != train.class_names {
        return Err(DataError::format(
            test_name,
            "class folders",
            test.class_names.join(", "),
            format!("the training set's: {}", train.class_names.join(", ")),
        ));
    }
    Ok(())
}

/// Reads user data; `train` (when reading a test set) fixes the classes.
fn read_user(
    kind: UserKind,
    paths: &[PathBuf],
    opts: &LoadOptions,
    train: Option<&Raw>,
) -> Result<Raw, DataError> {
    let raw = match kind {
        UserKind::Csv => csv::read(&paths[0], &opts.csv, train.map(|t| &t.class_names[..]))?,
        UserKind::Npy => npy::read(&paths[0], &paths[1], train.is_none())?,
        UserKind::Images => {
            let root = &paths[0];
            let train_dir = root.join("train");
            let dir = if train.is_none() && train_dir.is_dir() {
                train_dir
            } else {
                root.clone()
            };
            image_folder::load(&dir, cache_root(opts).as_deref())?
        }
        UserKind::Idx => named::read_idx_dir(&paths[0], "train", train.is_none())?,
    };
    if let Some(t) = train
        && raw.n_classes > t.n_classes
    {
        return Err(DataError::format(
            paths[0].display().to_string(),
            "classes",
            raw.n_classes.to_string(),
            format!("at most {}, the training set's", t.n_classes),
        ));
    }
    Ok(raw)
}

/// `ROOT/test/` of an image folder that has `ROOT/train/` beside it.
fn images_test(root: &Path, opts: &LoadOptions) -> Result<Option<Raw>, DataError> {
    let dir = root.join("test");
    if root.join("train").is_dir() && dir.is_dir() {
        Ok(Some(image_folder::load(&dir, cache_root(opts).as_deref())?))
    } else {
        Ok(None)
    }
}

/// The `t10k` files of an IDX folder, when there are any.
fn idx_test(dir: &Path) -> Result<Option<Raw>, DataError> {
    if source::idx_path(dir, catalog::IDX_TEST_IMAGES).is_some() {
        Ok(Some(named::read_idx_dir(dir, "t10k", false)?))
    } else {
        Ok(None)
    }
}
