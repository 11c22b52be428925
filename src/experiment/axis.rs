//! One setting as an experiment file writes it: its values to sweep over, and where.

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

use super::error::{ExperimentError, Source};
use super::json;
use super::settings::{Form, SETTINGS, Setting};
use super::suggest::closest;
use crate::nn::init::Init;
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
    PerOptimizer(Vec<(OptimizerKind, usize, PerKind)>),
}

/// The values of one optimizer's entry in a per-optimizer table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PerKind {
    /// The same for every `network.init`: `sgd = 0.5`.
    All(Listed),
    /// One entry per `network.init`, each with its offset: `sgd = { he = 0.5, uniform = 0.05 }`.
    PerInit(Vec<(Init, usize, Listed)>),
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
                    per.push((kind, v.span().start, per_kind(&path, s.form, v, src)?));
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

    /// True when a per-optimizer table gives values per `network.init`: the axis then has to
    /// be applied after `network.init` (see `expand.rs`).
    pub(crate) fn per_init(&self) -> bool {
        match &self.values {
            Values::Plain(_) => false,
            Values::PerOptimizer(per) => {
                per.iter().any(|(_, _, p)| matches!(p, PerKind::PerInit(_)))
            }
        }
    }

    /// The values for a run whose optimizer is `kind` and initialization `init`; for a table
    /// without an entry for them, a message saying what to add.
    pub(crate) fn values_for(&self, kind: OptimizerKind, init: Init) -> Result<&Listed, String> {
        let path = self.setting().path;
        match &self.values {
            Values::Plain(l) => Ok(l),
            Values::PerOptimizer(per) => {
                let entry = per.iter().find(|(k, _, _)| *k == kind).ok_or_else(|| {
                    format!(
                        "{path} has no entry for `{kind}`, which optimizer.kind uses: add \
                         `{kind} = <value>` to the table"
                    )
                })?;
                match &entry.2 {
                    PerKind::All(l) => Ok(l),
                    PerKind::PerInit(inits) => inits
                        .iter()
                        .find(|(i, _, _)| *i == init)
                        .map(|(_, _, l)| l)
                        .ok_or_else(|| {
                            format!(
                                "{path}.{kind} has no entry for `{init}`, which network.init \
                                 uses: add `{} = <value>` to the {kind} table (or give one \
                                 value for every initialization: `{kind} = <value>`)",
                                init_key(init)
                            )
                        }),
                }
            }
        }
    }

    /// Where value `index` (for optimizer `kind`, initialization `init`) was written and how
    /// messages name it.
    pub(crate) fn place(&self, kind: OptimizerKind, init: Init, index: usize) -> Place {
        let path = self.setting().path;
        let label = |name: String, l: &Listed| {
            if l.listed {
                format!("{name}, list element {}", index + 1)
            } else {
                name
            }
        };
        let whole = || Place {
            at: self.at,
            label: path.to_string(),
            per_kind: false,
        };
        match &self.values {
            Values::Plain(l) => Place {
                at: self.at,
                label: label(path.to_string(), l),
                per_kind: false,
            },
            Values::PerOptimizer(per) => match per.iter().find(|(k, _, _)| *k == kind) {
                Some((_, at, PerKind::All(l))) => Place {
                    at: *at,
                    label: label(format!("{path}.{kind}"), l),
                    per_kind: true,
                },
                Some((_, _, PerKind::PerInit(inits))) => {
                    match inits.iter().find(|(i, _, _)| *i == init) {
                        Some((_, at, l)) => Place {
                            at: *at,
                            label: label(format!("{path}.{kind}.{}", init_key(init)), l),
                            per_kind: true,
                        },
                        None => whole(),
                    }
                }
                None => whole(),
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

/// An initialization as a key of a per-init table: its name, quoted when TOML needs it.
fn init_key(init: Init) -> String {
    let name = init.to_string();
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name
    } else {
        format!("\"{name}\"")
    }
}

/// The initialization a key of a per-init table names.
fn init_named(name: &str, path: &str) -> Result<Init, String> {
    name.parse().map_err(|_| {
        let near = closest(name, ["uniform", "he", "glorot"]).unwrap_or("he");
        format!(
            "unknown initialization `{name}` in the {path} table; did you mean `{near}`? valid: \
             uniform, he, glorot, uniform(a,b) (write it quoted: \"uniform(-0.5,0.5)\" = …)"
        )
    })
}

/// One optimizer's entry of a per-optimizer table: a value (or list) for every
/// initialization, or a table with one per `network.init`.
fn per_kind(
    path: &str,
    form: Form,
    value: &Spanned<DeValue>,
    src: &Source,
) -> Result<PerKind, ExperimentError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Ok(PerKind::All(listed(form, path, value, src)?));
    };
    if table.is_empty() {
        return Err(src.error(
            value.span().start,
            format!(
                "{path} = {{}}: an empty table; give a value for every initialization \
                 (e.g. 0.5) or one per network.init (e.g. {{ he = 0.5, uniform = 0.05 }})"
            ),
        ));
    }
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut inits = Vec::new();
    for (name, v) in entries {
        let init = init_named(name.get_ref(), path).map_err(|m| src.error(name.span().start, m))?;
        let inner = format!("{path}.{}", init_key(init));
        inits.push((init, v.span().start, listed(form, &inner, v, src)?));
    }
    Ok(PerKind::PerInit(inits))
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
