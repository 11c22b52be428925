//! Export of any table (or query) of a study database to CSV or JSON, through the
//! [`StudyReader`].

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
    /// A JSON array of objects, one per row, keyed by column; NULL (and NaN) is `null`.
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

fn text(v: ValueRef) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

fn json(v: ValueRef) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(x) => serde_json::Number::from_f64(x)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}

impl StudyReader {
    /// Writes every row of `table` to `out` in `format`, in primary-key order. An unknown table
    /// is an error listing the valid ones.
    pub fn export(&self, table: &str, format: Format, out: &mut dyn Write) -> Result<usize> {
        let tables = self.tables()?;
        if !tables.iter().any(|t| t == table) {
            return Err(StoreError::UnknownTable {
                name: table.to_string(),
                valid: tables.join(", "),
            });
        }
        // The name is one of the database's own tables, so quoting it is enough.
        self.export_query(
            &format!("SELECT * FROM \"{table}\" ORDER BY rowid"),
            format,
            out,
        )
        .or_else(|_| self.export_query(&format!("SELECT * FROM \"{table}\""), format, out))
    }

    /// Writes the rows of an SQL query to `out` in `format`; returns the row count.
    pub fn export_query(&self, sql: &str, format: Format, out: &mut dyn Write) -> Result<usize> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let werr = |e: &dyn std::fmt::Display| StoreError::Write(e.to_string());
        let mut count = 0;
        match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&columns).map_err(|e| werr(&e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    let fields: Vec<String> = (0..columns.len())
                        .map(|i| row.get_ref(i).map(text).unwrap_or_default())
                        .collect();
                    w.write_record(&fields).map_err(|e| werr(&e))?;
                    count += 1;
                }
                w.flush().map_err(|e| werr(&e))?;
            }
            Format::Json => {
                out.write_all(b"[").map_err(|e| werr(&e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    let mut obj = serde_json::Map::new();
                    for (i, c) in columns.iter().enumerate() {
                        let v = row.get_ref(i).map(json).unwrap_or(serde_json::Value::Null);
                        obj.insert(c.clone(), v);
                    }
                    if count > 0 {
                        out.write_all(b",").map_err(|e| werr(&e))?;
                    }
                    out.write_all(b"\n  ").map_err(|e| werr(&e))?;
                    serde_json::to_writer(&mut *out, &serde_json::Value::Object(obj))
                        .map_err(|e| werr(&e))?;
                    count += 1;
                }
                out.write_all(b"\n]\n").map_err(|e| werr(&e))?;
            }
        }
        Ok(count)
    }
}
