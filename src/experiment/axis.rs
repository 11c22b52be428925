//! One setting as an experiment file writes it: its values to sweep over, and where.

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

use super::error::{ExperimentError, Source};
use super::json;
use super::settings::{Form, SETTINGS, Setting};
use super::suggest::closest;
use crate::nn::optim::OptimizerKind;

/// The values one setting takes in a grid: `lr = 0.1` is one value, `lr = [0.1, 0.01]` two.
/// For a [`Form::List`] setting an array is one value (`hidden = [128, 128]`) and an array
/// of arrays lists values (`hidden = [[128, 128], [64]]`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    /// Index of the setting in [`SETTINGS`].
    pub setting: usize,
    /// Byte offset of the value in the file.
    pub at: usize,
    /// The values.
    pub values: Values,
}

/// The values of an axis.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Values {
    /// The same values whatever the run.
    Plain(Listed),
    /// Values per `optimizer.kind` (`lr = { sgd = 0.5, adam = 1e-3 }`), each with its offset.
    PerOptimizer(Vec<(OptimizerKind, usize, Listed)>),
}

/// Values, and whether they were written as a list (messages then name the element).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Listed {
    /// One or more values.
    pub values: Vec<Value>,
    /// Written as a list of values.
    pub listed: bool,
}

impl Axis {
    /// The setting this axis sweeps.
    pub(crate) fn setting(&self) -> &'static Setting {
        &SETTINGS[self.setting]
    }

    /// Reads the value written for setting `setting` of the table.
    pub(crate) fn read(
        setting: usize,
        value: &Spanned<DeValue>,
        src: &Source,
    ) -> Result<Axis, ExperimentError> {
        let s = &SETTINGS[setting];
        let at = value.span().start;
        let values = match value.get_ref() {
            DeValue::Table(table) if s.form == Form::PerOptimizer => {
                let mut per = Vec::new();
                let mut entries: Vec<_> = table.iter().collect();
                entries.sort_by_key(|(k, _)| k.span().start);
                for (name, v) in entries {
                    let kind = optimizer_named(name.get_ref(), s)
                        .map_err(|m| src.error(name.span().start, m))?;
                    let path = format!("{}.{kind}", s.path);
                    let listed = listed(s.form, &path, v, src)?;
                    per.push((kind, v.span().start, listed));
                }
                Values::PerOptimizer(per)
            }
            _ => Values::Plain(listed(s.form, s.path, value, src)?),
        };
        Ok(Axis {
            setting,
            at,
            values,
        })
    }

    /// The values for a run whose optimizer is `kind`; for a table without an entry for
    /// it, a message saying what to add.
    pub(crate) fn values_for(&self, kind: OptimizerKind) -> Result<&Listed, String> {
        match &self.values {
            Values::Plain(l) => Ok(l),
            Values::PerOptimizer(per) => per
                .iter()
                .find(|(k, _, _)| *k == kind)
                .map(|(_, _, l)| l)
                .ok_or_else(|| {
                    format!(
                        "{} has no entry for `{kind}`, which optimizer.kind uses: add \
                         `{kind} = <value>` to the table",
                        self.setting().path
                    )
                }),
        }
    }

    /// Where value `index` (for optimizer `kind`) was written and how messages name it.
    pub(crate) fn place(&self, kind: OptimizerKind, index: usize) -> Place {
        let path = self.setting().path;
        let label = |name: String, l: &Listed| {
            if l.listed {
                format!("{name}, list element {}", index + 1)
            } else {
                name
            }
        };
        match &self.values {
            Values::Plain(l) => Place {
                at: self.at,
                label: label(path.to_string(), l),
                per_kind: false,
            },
            Values::PerOptimizer(per) => match per.iter().find(|(k, _, _)| *k == kind) {
                Some((_, at, l)) => Place {
                    at: *at,
                    label: label(format!("{path}.{kind}"), l),
                    per_kind: true,
                },
                None => Place {
                    at: self.at,
                    label: path.to_string(),
                    per_kind: false,
                },
            },
        }
    }
}

/// Where a value of an axis was written, and its name in messages:
/// `regularization.l2, list element 2`, `optimizer.lr.adam`.
pub(crate) struct Place {
    /// Byte offset in the file.
    pub at: usize,
    /// The setting, and the table entry or list element.
    pub label: String,
    /// The value comes from a per-optimizer table (so messages name the entry).
    pub per_kind: bool,
}

/// The optimizer a key of a per-optimizer table names.
fn optimizer_named(name: &str, s: &Setting) -> Result<OptimizerKind, String> {
    name.parse().map_err(|_| {
        let names = OptimizerKind::ALL.map(|k| k.to_string());
        let near = closest(name, names.iter().map(String::as_str)).unwrap_or("sgd");
        format!(
            "unknown optimizer `{name}` in the {} table; did you mean `{near}`? valid: sgd, \
             momentum, rmsprop, adam",
            s.key()
        )
    })
}

/// A file's value as TOML.
pub(crate) fn toml_value(value: &Spanned<DeValue>) -> Result<toml::Value, String> {
    toml::Value::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| e.to_string())
}

/// The values one written value stands for, by the setting's form.
fn listed(
    form: Form,
    path: &str,
    value: &Spanned<DeValue>,
    src: &Source,
) -> Result<Listed, ExperimentError> {
    let at = value.span().start;
    let fail = |m: String| src.error(at, format!("{path}: {m}"));
    let v = json::from_toml(toml_value(value).map_err(fail)?).map_err(fail)?;
    let sweep = match (&v, form) {
        (Value::Array(items), Form::List) => items.iter().any(Value::is_array),
        (Value::Array(_), _) => true,
        _ => false,
    };
    match v {
        Value::Array(items) if sweep => {
            if items.is_empty() {
                return Err(fail(
                    "empty list: a list gives the values to sweep over and needs at least one \
                     (the grid would have zero runs)"
                        .into(),
                ));
            }
            Ok(Listed {
                values: items,
                listed: true,
            })
        }
        one => Ok(Listed {
            values: vec![one],
            listed: false,
        }),
    }
}
