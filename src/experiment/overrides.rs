//! Settings given on the command line: `--set PATH=VALUE` and the shortcut flags (`--lr`,
//! `--epochs`, ...), each one value for one setting of the table, applied to every run.

use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use super::expand::read;
use super::json;
use super::run::RunConfig;
use super::settings::{Form, SETTINGS, Setting, index_of};

/// One setting given on the command line.
///
/// ```
/// use mlplab::experiment::Assignment;
/// let a: Assignment = "optimizer.beta2=0.99".parse().unwrap();
/// assert_eq!(a.setting().json, "train.optimizer.beta2");
/// let e = "optimizer.beta22=0.99".parse::<Assignment>().unwrap_err();
/// assert!(e.contains("did you mean `optimizer.beta2`"), "{e}");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    setting: usize,
    value: Value,
    flag: String,
}

impl Assignment {
    /// The setting assigned.
    pub fn setting(&self) -> &'static Setting {
        &SETTINGS[self.setting]
    }

    /// The value, as JSON.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// How messages name the assignment: `--set optimizer.kind=adam`, `--lr 0.5`.
    pub fn flag(&self) -> &str {
        &self.flag
    }

    /// Index of the setting in the settings table.
    pub(crate) fn setting_index(&self) -> usize {
        self.setting
    }

    /// A shortcut flag's value for the setting at `path`; `flag` is how messages name it
    /// (`--lr 0.5`).
    pub fn shortcut<T: Serialize>(path: &str, flag: &str, value: &T) -> Result<Self, String> {
        let setting = index_of(path)?;
        let value = serde_json::to_value(value).map_err(|e| format!("{flag}: {e}"))?;
        Ok(Assignment {
            setting,
            value,
            flag: flag.to_string(),
        })
    }
}

/// `PATH=VALUE`, the argument of `--set`. VALUE is read as TOML (`0.99`, `[64, 64]`,
/// `{ kind = "per-class", k = 100 }`, `"tanh"`); a plain word that is not TOML is a string
/// (`--set network.activation=tanh`). It is one value: lists of values to sweep over belong
/// in an experiment file.
impl FromStr for Assignment {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let Some((path, raw)) = text.split_once('=') else {
            return Err(format!(
                "--set {text}: write PATH=VALUE, e.g. --set optimizer.beta2=0.99"
            ));
        };
        let (path, raw) = (path.trim(), raw.trim());
        let flag = format!("--set {path}={raw}");
        let setting = index_of(path).map_err(|m| format!("--set {path}: {m}"))?;
        let toml = match raw.parse::<toml::Value>() {
            Ok(v) => v,
            Err(_) if !raw.starts_with(['[', '{', '"', '\'']) => toml::Value::String(raw.into()),
            Err(e) => {
                return Err(format!(
                    "{flag}: not a TOML value ({}); inside lists and tables strings need \
                     quotes, e.g. [\"tanh\", \"relu\"]",
                    e.message().trim()
                ));
            }
        };
        let value = json::from_toml(toml).map_err(|m| format!("{flag}: {m}"))?;
        one_value(&SETTINGS[setting], &value).map_err(|m| format!("{flag}: {m}"))?;
        Ok(Assignment {
            setting,
            value,
            flag,
        })
    }
}

/// Refuses a list of values (or a per-optimizer table) where one value is expected.
fn one_value(s: &Setting, v: &Value) -> Result<(), String> {
    let many = match (s.form, v) {
        (Form::List, Value::Array(items)) => items.iter().any(Value::is_array),
        (Form::Scalar, Value::Array(_)) => true,
        (Form::PerOptimizer, Value::Array(_) | Value::Object(_)) => true,
        _ => false,
    };
    if many {
        return Err(format!(
            "{} takes one value here; to sweep over values (or give one per optimizer) write \
             them in an experiment file",
            s.path
        ));
    }
    Ok(())
}

/// Settings given on the command line. Each replaces its setting in every run; they are
/// applied in table order (a check may read the settings before it), and of two for the
/// same setting the later wins.
///
/// ```
/// use mlplab::experiment::{Experiment, Overrides};
/// let mut o = Overrides::default();
/// o.push("optimizer.beta2=0.99".parse().unwrap());
/// o.shortcut("train.epochs", "--epochs", Some(3)).unwrap();
/// let run = &Experiment::single(&o).unwrap().runs[0];
/// assert_eq!((run.train.optimizer.beta2, run.train.epochs), (0.99, 3));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    assignments: Vec<Assignment>,
}

impl Overrides {
    /// True when nothing is given.
    pub fn is_empty(&self) -> bool {
        self.assignments.is_empty()
    }

    /// Adds one setting (e.g. from `--set`).
    pub fn push(&mut self, a: Assignment) {
        self.assignments.push(a);
    }

    /// Adds a shortcut flag's value, when the flag was given. `flag` names it in messages
    /// (`--lr`), followed by the value.
    pub fn shortcut<T: Serialize>(
        &mut self,
        path: &str,
        flag: &str,
        value: Option<T>,
    ) -> Result<(), String> {
        if let Some(v) = value {
            let mut a = Assignment::shortcut(path, flag, &v)?;
            a.flag = format!("{flag} {}", json::show(&a.value));
            self.push(a);
        }
        Ok(())
    }

    /// The assignments, in the order given.
    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }

    /// `run` with every assignment applied, checked after each (the checks of the settings
    /// up to its own, see [`RunConfig::validate`]): the message names the flag after which
    /// the run became invalid. The whole run is checked at the end.
    pub fn apply(&self, run: &RunConfig) -> Result<RunConfig, String> {
        let mut order: Vec<&Assignment> = self.assignments.iter().collect();
        order.sort_by_key(|a| a.setting);
        let mut json = run.settings_json();
        let mut out = run.clone();
        for a in order {
            let s = a.setting();
            json::set(&mut json, s.json, a.value.clone());
            out = read(json.clone())
                .map_err(|e| format!("{}: {} = {}: {e}", a.flag, s.path, json::show(&a.value)))?;
            out.validate_through(a.setting)
                .map_err(|m| format!("{}: {m}", a.flag))?;
        }
        out.validate()?;
        Ok(out)
    }
}
