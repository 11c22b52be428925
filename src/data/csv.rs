//! A user's CSV file: one example per row, one column holding the label, every other
//! column a number. Features are used as they are (no pixel scaling).
//!
//! Labels are either all non-negative integers (class `k` is named `"k"`, and `n_classes`
//! is the largest label plus one: every class must then have an example, and a label of
//! 65,536 or more is refused) or any strings that are not all numbers (classes are the
//! distinct strings, sorted); numeric labels that are negative or fractional are an error. A header row is
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
    /// The label column. Default: the header column named `label` (any case); a file with
    /// no such column is an error unless the column is named here (or in the dataset name,
    /// `csv:FILE,label=COLUMN`).
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

/// One record of the file and the line it starts on (1-based).
type Row = (u64, ::csv::StringRecord);

/// Reads `path`. `train_classes`, when given, are the class names of the training file, so
/// that a test file's labels get the same indices.
///
/// The steps: check the delimiter, read the records, find the header and the label column
/// ([`Layout::of`]), parse the features and collect the label texts ([`parse_body`]), then
/// turn the texts into class indices ([`class_labels`]).
pub(crate) fn read(
    path: &Path,
    opts: &CsvOptions,
    train_classes: Option<&[String]>,
) -> Result<Raw, DataError> {
    let file = path.display().to_string();
    check_delimiter(opts.delimiter)?;
    let rows = read_records(path, opts.delimiter, &file)?;
    let layout = Layout::of(&rows, opts, &file)?;
    let body = &rows[usize::from(layout.header)..];
    if body.is_empty() {
        return Err(DataError::format(
            &file,
            "rows",
            "a header and no data",
            "at least one example row",
        ));
    }
    let (features, label_text) = parse_body(body, &layout, &file)?;
    let label_field = |r: usize| {
        format!(
            "row {} (line {}), label {}",
            r + 1,
            body[r].0,
            layout.col_name(layout.label_col)
        )
    };
    let (labels, class_names) = class_labels(&label_text, train_classes, &file, label_field)?;
    Ok(Raw {
        features: Features::F32(features),
        labels,
        n_features: layout.width - 1,
        n_classes: class_names.len(),
        class_names,
        image_shape: None,
        class_grouped: false,
    })
}

/// The `csv` crate splits on one byte: the delimiter must be ASCII.
fn check_delimiter(delimiter: char) -> Result<(), DataError> {
    if delimiter.is_ascii() {
        return Ok(());
    }
    Err(DataError::invalid(
        "csv.delimiter",
        format!("{delimiter:?}"),
        "a single ASCII character such as ',' ';' or '\\t'",
    ))
}

/// Every record of the file with its line number; an error for a file with none.
fn read_records(path: &Path, delimiter: char, file: &str) -> Result<Vec<Row>, DataError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(std::fs::File::open(path).map_err(|e| DataError::io(path, "opening", e))?);
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            DataError::format(
                file,
                "CSV syntax",
                e.to_string(),
                "well-formed CSV (UTF-8, quoted fields closed)",
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec));
    }
    if rows.is_empty() {
        return Err(DataError::format(
            file,
            "rows",
            "none",
            "at least one example row",
        ));
    }
    Ok(rows)
}

/// What the first row says about the file: whether it is a header, the column names, the
/// number of fields every row must have, and which one is the label.
struct Layout {
    header: bool,
    names: Option<Vec<String>>,
    width: usize,
    label_col: usize,
}

impl Layout {
    /// From the first rows of a non-empty `rows`; fails on a label option that names no
    /// column, and on rows of fewer than two fields.
    fn of(rows: &[Row], opts: &CsvOptions, file: &str) -> Result<Layout, DataError> {
        let first = &rows[0].1;
        let header = opts.header.unwrap_or_else(|| first_row_is_header(rows));
        let names: Option<Vec<String>> =
            header.then(|| first.iter().map(|s| s.trim().to_string()).collect());
        let width = first.len();
        if width < 2 {
            return Err(DataError::format(
                file,
                "row 1",
                format!("{width} field"),
                "at least 2 fields (a label and one feature)",
            ));
        }
        let label_col = label_column(opts.label.as_ref(), names.as_deref(), width, file)?;
        Ok(Layout {
            header,
            names,
            width,
            label_col,
        })
    }

    /// How errors name column `j` (0-based): by header name when there is one.
    fn col_name(&self, j: usize) -> String {
        match &self.names {
            Some(n) => format!("column {:?} (field {})", n[j], j + 1),
            None => format!("field {}", j + 1),
        }
    }
}

/// Header detection: the first row is a header if one of its fields is not a number where
/// the second row's is. A one-row file has no header (a header alone would leave no data).
fn first_row_is_header(rows: &[Row]) -> bool {
    match (rows.first(), rows.get(1)) {
        (Some((_, first)), Some((_, second))) => first
            .iter()
            .zip(second.iter())
            .any(|(a, b)| !is_number(a) && is_number(b)),
        _ => false,
    }
}

/// The 0-based label column: `label` as given, else the header column named `label` (any
/// case), else an error listing the header's columns and saying how to name one.
fn label_column(
    label: Option<&Column>,
    names: Option<&[String]>,
    width: usize,
    file: &str,
) -> Result<usize, DataError> {
    match (label, names) {
        (Some(Column::Index(i)), _) if *i < width => Ok(*i),
        (Some(Column::Index(i)), _) => Err(DataError::invalid(
            "csv.label",
            i.to_string(),
            format!("a column index below {width} (the first row has {width} fields)"),
        )),
        (Some(Column::Name(n)), Some(names)) => {
            names.iter().position(|h| h == n).ok_or_else(|| {
                DataError::invalid(
                    "csv.label",
                    format!("{n:?}"),
                    format!("one of the header's columns: {}", names.join(", ")),
                )
            })
        }
        (Some(Column::Name(n)), None) => Err(DataError::invalid(
            "csv.label",
            format!("{n:?}"),
            format!(
                "a column index: {file} has no header row (pass the label column's 0-based index)"
            ),
        )),
        (None, Some(names)) => names
            .iter()
            .position(|h| h.eq_ignore_ascii_case("label"))
            .ok_or_else(|| {
                DataError::format(
                    file,
                    "label column",
                    format!(
                        "no column named \"label\" in the header (its columns: {})",
                        names.join(", ")
                    ),
                    "a column named label, or the label column named: csv:FILE,label=COLUMN (a header name or a 0-based index; `mlplab data show` also takes --label COLUMN)",
                )
            }),
        (None, None) => Err(DataError::format(
            file,
            "label column",
            format!("no header row, so no column named \"label\" (the first row has {width} fields)"),
            "the label column named by its 0-based index: csv:FILE,label=INDEX (`mlplab data show` also takes --label INDEX)",
        )),
    }
}

/// The features of every row (row-major, the label column left out) and the label texts;
/// fails on a row of the wrong length or a feature that is not a finite number.
fn parse_body(
    body: &[Row],
    layout: &Layout,
    file: &str,
) -> Result<(Vec<f32>, Vec<String>), DataError> {
    let width = layout.width;
    let mut features = Vec::with_capacity(body.len() * (width - 1));
    let mut label_text = Vec::with_capacity(body.len());
    for (r, (line, rec)) in body.iter().enumerate() {
        let row = r + 1;
        if rec.len() != width {
            return Err(DataError::format(
                file,
                format!("row {row} (line {line})"),
                format!("{} fields", rec.len()),
                format!("{width} fields, as in the first row"),
            ));
        }
        for (j, field) in rec.iter().enumerate() {
            if j == layout.label_col {
                label_text.push(field.trim().to_string());
                continue;
            }
            match field.trim().parse::<f32>() {
                Ok(v) if v.is_finite() => features.push(v),
                _ => {
                    return Err(DataError::format(
                        file,
                        format!("row {row} (line {line}), {}", layout.col_name(j)),
                        format!("{field:?}"),
                        "a finite number",
                    ));
                }
            }
        }
    }
    Ok((features, label_text))
}

/// Labels and class names from the label texts. With the training file's classes
/// (`train_classes`), each text must be one of them (as an index when they are `0, 1, …`);
/// without, all-integer texts are class indices and any other texts are class names,
/// sorted. `label_field(r)` names row `r`'s label in errors.
fn class_labels(
    label_text: &[String],
    train_classes: Option<&[String]>,
    file: &str,
    label_field: impl Fn(usize) -> String,
) -> Result<(Vec<u32>, Vec<String>), DataError> {
    let numeric = |classes: &[String]| classes.iter().enumerate().all(|(i, c)| *c == i.to_string());
    match train_classes {
        Some(classes) => {
            let labels = if numeric(classes) {
                indices_of_training_classes(label_text, classes.len(), file, label_field)?
            } else {
                names_of_training_classes(label_text, classes, file, label_field)?
            };
            Ok((labels, classes.to_vec()))
        }
        None if label_text.iter().all(|t| t.parse::<f64>().is_ok()) => {
            // Numbers are class indices: each must be a non-negative integer.
            let mut labels = Vec::with_capacity(label_text.len());
            for (r, t) in label_text.iter().enumerate() {
                match t.parse::<u32>() {
                    Ok(l) => labels.push(l),
                    Err(_) => {
                        return Err(DataError::format(
                            file,
                            label_field(r),
                            format!("{t:?}"),
                            "a class index 0, 1, 2, … (a non-negative integer), or class names that are not numbers",
                        ));
                    }
                }
            }
            let k = super::dataset::inferred_classes(&labels, file, true, label_field)?;
            Ok((labels, super::dataset::numbered_classes(k)))
        }
        None => {
            let mut classes: Vec<String> = label_text.to_vec();
            classes.sort();
            classes.dedup();
            let labels = label_text
                .iter()
                .map(|t| classes.binary_search(t).map_or(0, |i| i as u32))
                .collect();
            Ok((labels, classes))
        }
    }
}

/// A test file's labels as indices below `k`, the training file's class count.
fn indices_of_training_classes(
    label_text: &[String],
    k: usize,
    file: &str,
    label_field: impl Fn(usize) -> String,
) -> Result<Vec<u32>, DataError> {
    let mut labels = Vec::with_capacity(label_text.len());
    for (r, t) in label_text.iter().enumerate() {
        match t.parse::<u32>() {
            Ok(l) if (l as usize) < k => labels.push(l),
            _ => {
                return Err(DataError::format(
                    file,
                    label_field(r),
                    format!("{t:?}"),
                    format!("a class index below {k}, as in the training file"),
                ));
            }
        }
    }
    Ok(labels)
}

/// A test file's labels as positions among the training file's class names.
fn names_of_training_classes(
    label_text: &[String],
    classes: &[String],
    file: &str,
    label_field: impl Fn(usize) -> String,
) -> Result<Vec<u32>, DataError> {
    let mut labels = Vec::with_capacity(label_text.len());
    for (r, t) in label_text.iter().enumerate() {
        match classes.iter().position(|c| c == t) {
            Some(l) => labels.push(l as u32),
            None => {
                return Err(DataError::format(
                    file,
                    label_field(r),
                    format!("{t:?}"),
                    format!("one of the training file's classes: {}", classes.join(", ")),
                ));
            }
        }
    }
    Ok(labels)
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

    #[test]
    fn no_label_column_is_an_error_unless_named() {
        // 300 rows whose first feature is an integer: never 300 classes.
        let mut text = String::from("x1,x2\n");
        for i in 0..300 {
            text.push_str(&format!("{i},{}\n", i % 7));
        }
        let p = write("nolabel", &text);
        let msg = read(&p, &CsvOptions::default(), None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(
                "label column: found no column named \"label\" in the header (its columns: x1, x2)"
            ) && msg.contains("csv:FILE,label=COLUMN"),
            "{msg}"
        );
        let named = CsvOptions {
            label: Some(Column::Name("x2".into())),
            ..Default::default()
        };
        let raw = read(&p, &named, None).unwrap();
        assert_eq!(raw.n_classes, 7);
        let q = write("nolabel-nohdr", "1,2\n3,4\n");
        let msg = read(&q, &CsvOptions::default(), None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("no header row") && msg.contains("label=INDEX"),
            "{msg}"
        );
        for f in [p, q] {
            std::fs::remove_file(f).unwrap();
        }
    }

    #[test]
    fn bad_numeric_labels_name_the_row_and_value() {
        let cases = [
            (
                "neg",
                "label,a\n0,1\n-1,2\n",
                "row 2 (line 3), label column \"label\" (field 1): found \"-1\", expected a class index",
            ),
            (
                "frac",
                "label,a\n0,1\n1.5,2\n",
                "found \"1.5\", expected a class index",
            ),
            (
                "huge",
                "label,a\n0,1\n70000,2\n",
                "row 2 (line 3), label column \"label\" (field 1): found 70000, expected a class index below 65536",
            ),
            (
                "gap",
                "label,a\n0,1\n5,2\n",
                "found 5, expected labels 0..5 that each occur at least once: the largest label makes 6 classes from 2 rows",
            ),
            (
                "one-based",
                "label,a\n1,1\n2,2\n",
                "labels numbered from 1? subtract 1",
            ),
        ];
        for (tag, text, want) in cases {
            let p = write(tag, text);
            let msg = read(&p, &CsvOptions::default(), None)
                .unwrap_err()
                .to_string();
            assert!(msg.contains(want), "{tag}: {msg}");
            std::fs::remove_file(p).unwrap();
        }
    }
}
