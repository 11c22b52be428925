//! Export of any table (or query) of a study database to CSV or JSON, through the
//! [`StudyReader`], in the shape pandas and sqlite3 users expect: columns in schema order,
//! rows in primary-key order, REAL columns as floats (`1.0`, never `1`), `config_json` as a
//! nested object in JSON, and the hyper-parameters a user filters by as columns of the
//! [`RUN_SETTINGS`] export.

use std::io::Write;
use std::str::FromStr;

use rusqlite::types::ValueRef;

use super::error::{Result, StoreError};
use super::reader::StudyReader;

/// Export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Comma-separated values with a header row; NULL is an empty field.
    #[default]
    Csv,
    /// A JSON array of objects, one per row, keyed by column in column order; NULL (and
    /// NaN) is `null`; `*_json` columns are nested objects.
    Json,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format {other:?}; valid: csv, json")),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Csv => "csv",
            Format::Json => "json",
        })
    }
}

/// The name `export` gives the hyper-parameters read out of each run's `config_json`
/// ([`RUN_SETTINGS_SQL`]); it is not a table of the database.
pub const RUN_SETTINGS: &str = "run_settings";

/// The query behind [`RUN_SETTINGS`]: one row per run, in id order, with the settings a user
/// filters by as columns (optimizer constants, weight decay, the hidden widths as
/// `128,128,128,128` and their count, the activation, the output, the init). sqlite3 users
/// can make it a view of their own: `CREATE TEMP VIEW run_settings AS <this query>;`
/// (docs/runner.md, "Exports").
pub const RUN_SETTINGS_SQL: &str = "SELECT r.id AS run_id, r.study, r.dataset, r.status, r.seed, \
r.optimizer, r.lr, \
CAST(json_extract(r.config_json, '$.train.optimizer.beta1') AS REAL) AS beta1, \
CAST(json_extract(r.config_json, '$.train.optimizer.beta2') AS REAL) AS beta2, \
CAST(json_extract(r.config_json, '$.train.optimizer.eps') AS REAL) AS eps, \
CAST(json_extract(r.config_json, '$.train.optimizer.weight_decay') AS REAL) AS weight_decay, \
CAST(json_extract(r.config_json, '$.train.optimizer.dampening') AS REAL) AS dampening, \
r.bias_correction, r.l2, r.l1, r.batch_size, r.epochs, r.init, \
json_extract(r.config_json, '$.network.activation') AS activation, \
json_extract(r.config_json, '$.network.output') AS output, \
trim(json_extract(r.config_json, '$.network.hidden'), '[]') AS hidden, \
json_array_length(r.config_json, '$.network.hidden') AS hidden_layers, \
r.loss, r.architecture \
FROM runs r ORDER BY r.id";

/// A column of SQLite's REAL affinity (by its declared type): written as a float even where
/// a value is stored as an integer, so pandas reads the column as float64.
fn real_declared(decl: Option<&str>) -> bool {
    decl.is_some_and(|d| {
        let d = d.to_ascii_uppercase();
        d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB")
    })
}

/// A float as text that always reads back as a float: `1.0`, `0.5`, `1e-8`.
fn float_text(x: f64) -> String {
    format!("{x:?}")
}

fn text(v: ValueRef, real: bool) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) if real => float_text(i as f64),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(x) => float_text(x),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// A float as JSON: always with a fraction or exponent (`1.0`), `null` when not finite.
fn json_float(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// A value as JSON. `nested`: the column holds JSON text (`config_json`), written as the
/// object it encodes (as a string when it does not parse).
fn json(v: ValueRef, real: bool, nested: bool) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) if real => json_float(i as f64),
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(x) => json_float(x),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            nested
                .then(|| serde_json::from_str(&s).ok())
                .flatten()
                .unwrap_or_else(|| s.into_owned().into())
        }
        ValueRef::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}

/// How a column is written.
struct Column {
    name: String,
    /// REAL affinity: floats even when integral.
    real: bool,
    /// JSON text, nested in JSON output.
    nested: bool,
}

impl StudyReader {
    /// The names `export` takes: the database's tables and [`RUN_SETTINGS`].
    pub fn export_tables(&self) -> Result<Vec<String>> {
        let mut t = self.tables()?;
        t.push(RUN_SETTINGS.to_string());
        Ok(t)
    }

    /// The primary-key columns of `table` in key order (empty for a table without one), and
    /// its columns declared REAL.
    fn key_and_reals(&self, table: &str) -> Result<(Vec<String>, Vec<String>)> {
        let mut stmt = self
            .conn
            .prepare(&format!("PRAGMA table_info(\"{table}\")"))
            .map_err(|e| self.err(e))?;
        let cols: Vec<(i64, String, String)> = stmt
            .query_map([], |r| Ok((r.get("pk")?, r.get("name")?, r.get("type")?)))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        let reals = cols
            .iter()
            .filter(|c| real_declared(Some(&c.2)))
            .map(|c| c.1.clone())
            .collect();
        let mut key: Vec<(i64, String)> = cols
            .into_iter()
            .filter(|c| c.0 > 0)
            .map(|c| (c.0, c.1))
            .collect();
        key.sort();
        Ok((key.into_iter().map(|(_, n)| n).collect(), reals))
    }

    /// Writes every row of `table` to `out` in `format`, in primary-key order (`runs` by id,
    /// `epochs` by run and epoch, …), columns in schema order. `run_settings` is the
    /// hyper-parameter view [`RUN_SETTINGS_SQL`]. An unknown table is an error listing the
    /// valid ones.
    pub fn export(&self, table: &str, format: Format, out: &mut dyn Write) -> Result<usize> {
        if table == RUN_SETTINGS {
            return self.export_query(RUN_SETTINGS_SQL, format, out);
        }
        let tables = self.tables()?;
        if !tables.iter().any(|t| t == table) {
            return Err(StoreError::UnknownTable {
                name: table.to_string(),
                valid: self.export_tables()?.join(", "),
            });
        }
        // The name is one of the database's own tables, so quoting it is enough.
        let (key, reals) = self.key_and_reals(table)?;
        let order = if key.is_empty() {
            "rowid".to_string()
        } else {
            key.iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.export_rows(
            &format!("SELECT * FROM \"{table}\" ORDER BY {order}"),
            &reals,
            format,
            out,
        )
    }

    /// Writes the rows of an SQL query to `out` in `format`; returns the row count. Columns
    /// come in the query's order; a REAL value is written as a float (`1.0`); a column named
    /// `*_json` is nested as JSON in JSON output.
    pub fn export_query(&self, sql: &str, format: Format, out: &mut dyn Write) -> Result<usize> {
        self.export_rows(sql, &[], format, out)
    }

    /// [`export_query`](Self::export_query), with the columns named in `reals` written as
    /// floats even where a value is stored as an integer.
    fn export_rows(
        &self,
        sql: &str,
        reals: &[String],
        format: Format,
        out: &mut dyn Write,
    ) -> Result<usize> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let columns: Vec<Column> = stmt
            .column_names()
            .map(|name| Column {
                name: name.to_string(),
                real: reals.iter().any(|r| r == name),
                nested: name.ends_with("_json"),
            })
            .collect();
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let werr = |e: &dyn std::fmt::Display| StoreError::Write(e.to_string());
        let mut count = 0;
        match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns.iter().map(|c| &c.name))
                    .map_err(|e| werr(&e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    let fields: Vec<String> = columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| row.get_ref(i).map(|v| text(v, c.real)).unwrap_or_default())
                        .collect();
                    w.write_record(&fields).map_err(|e| werr(&e))?;
                    count += 1;
                }
                w.flush().map_err(|e| werr(&e))?;
            }
            Format::Json => {
                out.write_all(b"[").map_err(|e| werr(&e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    // Written by hand: a serde_json map would sort the keys.
                    let mut obj = String::from("{");
                    for (i, c) in columns.iter().enumerate() {
                        let v = row
                            .get_ref(i)
                            .map(|v| json(v, c.real, c.nested))
                            .unwrap_or(serde_json::Value::Null);
                        if i > 0 {
                            obj.push(',');
                        }
                        obj.push_str(&serde_json::Value::String(c.name.clone()).to_string());
                        obj.push(':');
                        obj.push_str(&v.to_string());
                    }
                    obj.push('}');
                    if count > 0 {
                        out.write_all(b",").map_err(|e| werr(&e))?;
                    }
                    out.write_all(b"\n  ").map_err(|e| werr(&e))?;
                    out.write_all(obj.as_bytes()).map_err(|e| werr(&e))?;
                    count += 1;
                }
                out.write_all(b"\n]\n").map_err(|e| werr(&e))?;
            }
        }
        Ok(count)
    }
}
