//! Settings as JSON values: read and written at dot-separated paths of a run's JSON,
//! converted from the TOML that files and `--set` are written in, and shown in messages.

use serde_json::{Map, Value};

/// The value at `path` (`train.optimizer.beta2`), if present.
pub(crate) fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// Sets the value at `path`, creating the objects on the way.
pub(crate) fn set(v: &mut Value, path: &str, value: Value) {
    let mut at = v;
    for key in path.split('.') {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Value::Object(map) = at else { return };
        at = map.entry(key).or_insert(Value::Null);
    }
    *at = value;
}

/// The message for a number that is not finite: settings are finite numbers (NaN and ∞
/// have no place in a run's JSON).
pub(crate) fn not_finite(x: f64) -> String {
    format!("{x} is not a finite number: every numeric setting takes a finite number")
}

/// Parses a command-line number, refusing NaN and ∞ (which a run's JSON cannot hold).
///
/// ```
/// assert_eq!(mlplab::experiment::parse_finite("1e-3"), Ok(1e-3));
/// assert!(mlplab::experiment::parse_finite("nan").unwrap_err().contains("finite"));
/// ```
pub fn parse_finite(s: &str) -> Result<f64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(not_finite(x))
    }
}

/// A TOML value as JSON. Fails on NaN, ∞ and dates, which no setting takes.
pub(crate) fn from_toml(v: toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(x) => serde_json::Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| not_finite(x))?,
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => return Err(format!("{d} is a date: no setting takes one")),
        toml::Value::Array(items) => {
            Value::Array(items.into_iter().map(from_toml).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(t) => Value::Object(
            t.into_iter()
                .map(|(k, v)| from_toml(v).map(|v| (k, v)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// A value as TOML would write it: `0.999`, `"mnist"`, `[64, 32]`, `{ kind = "study" }`;
/// `none` for an absent value.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", show(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_and_write_nested_objects() {
        let mut v = json!({"train": {"optimizer": {"lr": 0.1}}});
        set(&mut v, "train.optimizer.beta2", json!(0.99));
        set(&mut v, "network.dtype", json!("f64"));
        assert_eq!(get(&v, "train.optimizer.beta2"), Some(&json!(0.99)));
        assert_eq!(get(&v, "train.optimizer.lr"), Some(&json!(0.1)));
        assert_eq!(get(&v, "network.dtype"), Some(&json!("f64")));
        assert_eq!(get(&v, "network.nothing"), None);
    }

    #[test]
    fn toml_converts_except_nan_and_dates() {
        let t: toml::Value = "{ a = [1, 2.5], b = \"x\" }".parse().unwrap();
        assert_eq!(from_toml(t).unwrap(), json!({"a": [1, 2.5], "b": "x"}));
        assert!(from_toml(toml::Value::Float(f64::NAN)).is_err());
        assert_eq!(
            show(&json!({"kind": "full", "cv_size": 5})),
            "{ cv_size = 5, kind = \"full\" }"
        );
    }
}
