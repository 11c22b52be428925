//! A user's CSV file: one example per row, one column holding the label, every other
//! column a number. Features are used as they are (no pixel scaling).
//!
//! Labels are either all non-negative integers (class `k` is named `"k"`, and `n_classes`
//! is the largest label plus one) or any strings (classes are the distinct strings, sorted). A header row is
//! optional: by default it is detected (the first row is a header if one of its fields is
//! not a number where the second row's is; a one-row file has no header).

use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DataError;
use super::dataset::{Features, Raw};

/// A CSV column, by 0-based index or by header name.
///
/// ```
/// use mlplab::data::Column;
/// assert_eq!("3".parse::<Column>(), Ok(Column::Index(3)));
/// assert_eq!("label".parse::<Column>(), Ok(Column::Name("label".into())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Column {
    /// 0-based position.
    Index(usize),
    /// Header name (requires a header row).
    Name(String),
}

impl FromStr for Column {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(s.parse::<usize>()
            .map_or_else(|_| Column::Name(s.to_string()), Column::Index))
    }
}

/// How to read a CSV file (`csv:<file>` datasets).
///
/// ```
/// use mlplab::data::{Column, CsvOptions};
/// let o = CsvOptions { label: Some(Column::Name("species".into())), ..Default::default() };
/// assert_eq!(o.delimiter, ',');
/// assert_eq!(o.header, None); // detect
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvOptions {
    /// The label column. Default: the header column named `label` (any case) if there is
    /// one, else the first column.
    pub label: Option<Column>,
    /// Whether the first row is a header; default: detected.
    pub header: Option<bool>,
    /// Field separator; default `,`.
    pub delimiter: char,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            label: None,
            header: None,
            delimiter: ',',
        }
    }
}

fn is_number(s: &str) -> bool {
    s.trim().parse::<f32>().is_ok_and(f32::is_finite)
}

/// Reads `path`. `train_classes`, when given, are the class names of the training file, so
/// that a test file's labels get the same indices.
pub(crate) fn read(
    path: &Path,
    opts: &CsvOptions,
    train_classes: Option<&[String]>,
) -> Result<Raw, DataError> {
    let file = path.display().to_string();
    if !opts.delimiter.is_ascii() {
        return Err(DataError::invalid(
            "csv.delimiter",
            format!("{:?}", opts.delimiter),
            "a single ASCII character such as ',' ';' or '\\t'",
        ));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(opts.delimiter as u8)
        .from_path(path)
        .map_err(|e| DataError::format(&file, "file", e.to_string(), "a readable CSV file"))?;
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            DataError::format(
                &file,
                "CSV syntax",
                e.to_string(),
                "well-formed CSV (UTF-8, quoted fields closed)",
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec));
    }
    let Some((_, first)) = rows.first() else {
        return Err(DataError::format(
            &file,
            "rows",
            "none",
            "at least one example row",
        ));
    };
    let header = match opts.header {
        Some(h) => h,
        None => match rows.get(1) {
            Some((_, second)) => first
                .iter()
                .zip(second.iter())
                .any(|(a, b)| !is_number(a) && is_number(b)),
            // One row: an example (a header alone would leave no data).
            None => false,
        },
    };
    let names: Option<Vec<String>> =
        header.then(|| first.iter().map(|s| s.trim().to_string()).collect());
    let width = first.len();
    let label_col = match (&opts.label, &names) {
        (Some(Column::Index(i)), _) if *i < width => *i,
        (Some(Column::Index(i)), _) => {
            return Err(DataError::invalid(
                "csv.label",
                i.to_string(),
                format!("a column index below {width} (the first row has {width} fields)"),
            ));
        }
        (Some(Column::Name(n)), Some(names)) => {
            names.iter().position(|h| h == n).ok_or_else(|| {
                DataError::invalid(
                    "csv.label",
                    format!("{n:?}"),
                    format!("one of the header's columns: {}", names.join(", ")),
                )
            })?
        }
        (Some(Column::Name(n)), None) => {
            return Err(DataError::invalid(
                "csv.label",
                format!("{n:?}"),
                format!(
                    "a column index: {file} has no header row (pass the label column's 0-based index)"
                ),
            ));
        }
        (None, Some(names)) => names
            .iter()
            .position(|h| h.eq_ignore_ascii_case("label"))
            .unwrap_or(0),
        (None, None) => 0,
    };
    if width < 2 {
        return Err(DataError::format(
            &file,
            "row 1",
            format!("{width} field"),
            "at least 2 fields (a label and one feature)",
        ));
    }
    let col_name = |j: usize| match &names {
        Some(n) => format!("column {:?} (field {})", n[j], j + 1),
        None => format!("field {}", j + 1),
    };
    let body = &rows[usize::from(header)..];
    if body.is_empty() {
        return Err(DataError::format(
            &file,
            "rows",
            "a header and no data",
            "at least one example row",
        ));
    }
    let n_features = width - 1;
    let mut features = Vec::with_capacity(body.len() * n_features);
    let mut label_text = Vec::with_capacity(body.len());
    for (r, (line, rec)) in body.iter().enumerate() {
        let row = r + 1;
        if rec.len() != width {
            return Err(DataError::format(
                &file,
                format!("row {row} (line {line})"),
                format!("{} fields", rec.len()),
                format!("{width} fields, as in the first row"),
            ));
        }
        for (j, field) in rec.iter().enumerate() {
            if j == label_col {
                label_text.push(field.trim().to_string());
                continue;
            }
            match field.trim().parse::<f32>() {
                Ok(v) if v.is_finite() => features.push(v),
                _ => {
                    return Err(DataError::format(
                        &file,
                        format!("row {row} (line {line}), {}", col_name(j)),
                        format!("{field:?}"),
                        "a finite number",
                    ));
                }
            }
        }
    }
    let label_field = |r: usize| {
        format!(
            "row {} (line {}), label {}",
            r + 1,
            body[r].0,
            col_name(label_col)
        )
    };
    let numeric = |classes: &[String]| classes.iter().enumerate().all(|(i, c)| *c == i.to_string());
    let (labels, class_names) = match train_classes {
        Some(classes) if numeric(classes) => {
            let mut labels = Vec::with_capacity(label_text.len());
            for (r, t) in label_text.iter().enumerate() {
                match t.parse::<u32>() {
                    Ok(l) if (l as usize) < classes.len() => labels.push(l),
                    _ => {
                        return Err(DataError::format(
                            &file,
                            label_field(r),
                            format!("{t:?}"),
                            format!(
                                "a class index below {}, as in the training file",
                                classes.len()
                            ),
                        ));
                    }
                }
            }
            (labels, classes.to_vec())
        }
        Some(classes) => {
            let mut labels = Vec::with_capacity(label_text.len());
            for (r, t) in label_text.iter().enumerate() {
                match classes.iter().position(|c| c == t) {
                    Some(l) => labels.push(l as u32),
                    None => {
                        return Err(DataError::format(
                            &file,
                            label_field(r),
                            format!("{t:?}"),
                            format!("one of the training file's classes: {}", classes.join(", ")),
                        ));
                    }
                }
            }
            (labels, classes.to_vec())
        }
        None if label_text.iter().all(|t| t.parse::<u32>().is_ok()) => {
            let labels: Vec<u32> = label_text.iter().filter_map(|t| t.parse().ok()).collect();
            let k = labels.iter().max().map_or(0, |&m| m as usize + 1);
            (labels, super::dataset::numbered_classes(k))
        }
        None => {
            let mut classes: Vec<String> = label_text.clone();
            classes.sort();
            classes.dedup();
            let labels = label_text
                .iter()
                .map(|t| classes.binary_search(t).map_or(0, |i| i as u32))
                .collect();
            (labels, classes)
        }
    };
    Ok(Raw {
        features: Features::F32(features),
        labels,
        n_features,
        n_classes: class_names.len(),
        class_names,
        image_shape: None,
        class_grouped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(tag: &str, text: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("mlplab-csv-{tag}-{}.csv", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn header_detected_label_by_name() {
        let p = write("hdr", "x1,label,x2\n0.5,1,2\n1.5,0,3\n");
        let raw = read(&p, &CsvOptions::default(), None).unwrap();
        assert_eq!(raw.labels, [1, 0]);
        assert_eq!(raw.features, Features::F32(vec![0.5, 2.0, 1.5, 3.0]));
        assert_eq!(raw.n_classes, 2);
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn no_header_string_labels_and_index() {
        let p = write("nohdr", "1,2,cat\n3,4,dog\n5,6,cat\n");
        let opts = CsvOptions {
            label: Some(Column::Index(2)),
            ..Default::default()
        };
        let raw = read(&p, &opts, None).unwrap();
        assert_eq!(raw.class_names, ["cat", "dog"]);
        assert_eq!(raw.labels, [0, 1, 0]);
        assert_eq!(raw.len(), 3);
        let test = write("nohdr-test", "1,2,dog\n");
        assert_eq!(
            read(&test, &opts, Some(&raw.class_names)).unwrap().labels,
            [1]
        );
        let bad = write("nohdr-bad", "1,2,cow\n");
        let msg = read(&bad, &opts, Some(&raw.class_names))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("\"cow\"") && msg.contains("cat, dog"), "{msg}");
        for f in [p, test, bad] {
            std::fs::remove_file(f).unwrap();
        }
    }

    #[test]
    fn wrong_field_count() {
        let p = write("count", "label,a,b\n1,2,3\n0,1\n");
        let msg = read(&p, &CsvOptions::default(), None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("row 2 (line 3): found 2 fields, expected 3 fields"),
            "{msg}"
        );
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn non_number() {
        let p = write("nan", "label,a,b\n1,2,3\n0,1,abc\n");
        let msg = read(&p, &CsvOptions::default(), None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(
                "row 2 (line 3), column \"b\" (field 3): found \"abc\", expected a finite number"
            ),
            "{msg}"
        );
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn bad_label_option() {
        let p = write("opt", "1,2\n3,4\n");
        let opts = CsvOptions {
            label: Some(Column::Name("y".into())),
            ..Default::default()
        };
        let msg = read(&p, &opts, None).unwrap_err().to_string();
        assert!(msg.contains("has no header row"), "{msg}");
        let opts = CsvOptions {
            label: Some(Column::Index(5)),
            ..Default::default()
        };
        let msg = read(&p, &opts, None).unwrap_err().to_string();
        assert!(msg.contains("csv.label: 5"), "{msg}");
        std::fs::remove_file(p).unwrap();
    }
}
