//! One field of an experiment file: a single value or a list of values to sweep over.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};

/// The values one field of an experiment file takes: `lr = 0.1` is one value, `lr = [0.1, 0.01]`
/// two. A field whose type is itself a list (`hidden = [128, 128]`) is one value; a list of
/// such lists (`hidden = [[128, 128], [64]]`) sweeps over them.
///
/// ```
/// use mlplab::experiment::Axis;
/// #[derive(serde::Deserialize)]
/// struct F { lr: Axis<f64>, hidden: Axis<Vec<usize>> }
/// let f: F = toml::from_str("lr = [0.1, 1]\nhidden = [128, 64]").unwrap();
/// assert_eq!(f.lr.0, vec![0.1, 1.0]);
/// assert_eq!(f.hidden.0, vec![vec![128, 64]]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Axis<T>(pub Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Axis<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(d)?;
        values_of(value).map(Axis).map_err(D::Error::custom)
    }
}

/// Reads a TOML value as one `T` or a list of `T`.
pub(crate) fn values_of<T: DeserializeOwned>(value: toml::Value) -> Result<Vec<T>, String> {
    let toml::Value::Array(items) = value else {
        return value
            .try_into::<T>()
            .map(|one| vec![one])
            .map_err(|e| e.message().to_string());
    };
    if items.is_empty() {
        return toml::Value::Array(items)
            .try_into::<T>()
            .map(|one| vec![one])
            .map_err(|_| {
                "empty list: a list gives the values to sweep over and needs at least one \
                 (the grid would have zero runs)"
                    .to_string()
            });
    }
    let mut many = Vec::with_capacity(items.len());
    let mut element_error = None;
    for (i, item) in items.iter().enumerate() {
        match item.clone().try_into::<T>() {
            Ok(v) => many.push(v),
            Err(e) => {
                element_error = Some(format!("list element {}: {}", i + 1, e.message()));
                break;
            }
        }
    }
    match element_error {
        None => Ok(many),
        Some(err) => toml::Value::Array(items)
            .try_into::<T>()
            .map(|one| vec![one])
            .map_err(|_| err),
    }
}
