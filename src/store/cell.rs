//! A run's cell: its configuration less the seed and the thread count. Runs of one cell
//! differ only in their seed, so the report treats them as repeated draws of one
//! configuration; runs that differ in any other setting never share a cell.
//!
//! Both functions here read the stored `runs.config_json`, so they work on databases written
//! before `runs.cell_key` existed (schema 1) and on configurations this build no longer
//! parses.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The settings that do not belong to a cell, as dotted paths of the config JSON.
pub const NOT_IN_CELL: [&str; 2] = ["train.seed", "train.threads"];

/// The cell key of a stored config: SHA-256 (hex) of the canonical JSON less
/// [`NOT_IN_CELL`]. For the canonical JSON of a run this equals
/// [`RunConfig::cell_key`](crate::experiment::RunConfig::cell_key).
///
/// ```
/// use mlplab::experiment::RunConfig;
/// let mut run = RunConfig::default();
/// run.train.optimizer.lr = 0.1 + 0.2;
/// let key = mlplab::store::cell_key_of_json(&run.canonical_json()).unwrap();
/// assert_eq!(key, run.cell_key());
/// ```
///
/// Fails (with serde's message) when `config_json` is not JSON.
pub fn cell_key_of_json(config_json: &str) -> Result<String, String> {
    let mut value: Value = serde_json::from_str(config_json).map_err(|e| e.to_string())?;
    for path in NOT_IN_CELL {
        remove_path(&mut value, path);
    }
    let digest = Sha256::digest(value.to_string().as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn remove_path(value: &mut Value, path: &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut at = value;
    for p in parts {
        match at.get_mut(p) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Some(obj) = at.as_object_mut() {
        obj.remove(last);
    }
}

/// The settings of a stored config that define its cell, flattened to dotted paths
/// (`train.optimizer.beta1`); arrays are leaf values (`network.hidden` → `[128,128]`);
/// [`NOT_IN_CELL`] is left out. A config that is not a JSON object gives no settings.
///
/// ```
/// let s = mlplab::store::cell_settings(
///     r#"{"network":{"hidden":[8,8]},"train":{"optimizer":{"beta1":0.9},"seed":3}}"#,
/// ).unwrap();
/// assert_eq!(s["train.optimizer.beta1"], serde_json::json!(0.9));
/// assert_eq!(s["network.hidden"], serde_json::json!([8, 8]));
/// assert!(!s.contains_key("train.seed"));
/// ```
///
/// Fails (with serde's message) when `config_json` is not JSON.
pub fn cell_settings(config_json: &str) -> Result<BTreeMap<String, Value>, String> {
    let value: Value = serde_json::from_str(config_json).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    flatten("", &value, &mut out);
    for path in NOT_IN_CELL {
        out.remove(path);
    }
    Ok(out)
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        leaf if !prefix.is_empty() => {
            out.insert(prefix.to_string(), leaf.clone());
        }
        _ => {}
    }
}
