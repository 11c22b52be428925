//! Reading an experiment file: its sections and `[[run]]` entries, every key looked up in
//! the settings table, every value kept with its place in the file.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::axis::{Axis, toml_value};
use super::checks;
use super::error::{ExperimentError, Source};
use super::settings::{SECTIONS, SETTINGS, in_section};
use super::suggest::closest;

/// The keys valid at the top of a file.
const TOP: [&str; 8] = [
    "name",
    "description",
    "data",
    "network",
    "train",
    "optimizer",
    "regularization",
    "run",
];

/// An experiment file as written.
#[derive(Debug, Default)]
pub(crate) struct Document {
    /// `name`.
    pub name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The settings of the top-level sections.
    pub base: Vec<Axis>,
    /// The settings of each `[[run]]` entry.
    pub runs: Vec<Vec<Axis>>,
}

impl Document {
    /// The grids of the file: the top level alone, or each `[[run]]` entry over it. Each
    /// grid's axes are in table order.
    pub(crate) fn grids(&self) -> Vec<Vec<Axis>> {
        let mut grids: Vec<Vec<Axis>> = if self.runs.is_empty() {
            vec![self.base.clone()]
        } else {
            self.runs.iter().map(|r| overlaid(&self.base, r)).collect()
        };
        for g in &mut grids {
            g.sort_by_key(|a| a.setting);
        }
        grids
    }
}

/// `base` with every setting `over` gives replaced.
fn overlaid(base: &[Axis], over: &[Axis]) -> Vec<Axis> {
    let mut out: Vec<Axis> = base
        .iter()
        .filter(|b| over.iter().all(|o| o.setting != b.setting))
        .cloned()
        .collect();
    out.extend(over.iter().cloned());
    out
}

/// The entries of a table in the order they are written.
fn entries<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    let mut e: Vec<_> = table.iter().collect();
    e.sort_by_key(|(k, _)| k.span().start);
    e
}

/// "unknown key" with the closest valid one.
fn unknown(key: &str, valid: &[&str]) -> String {
    match closest(key, valid.iter().copied()) {
        Some(near) => format!(
            "unknown key `{key}`; did you mean `{near}`? valid keys here: {}",
            valid.join(", ")
        ),
        None => format!("unknown key `{key}`: no keys are valid here"),
    }
}

/// Parses the text into sections and `[[run]]` entries, checking every key.
pub(crate) fn read(src: &Source) -> Result<Document, ExperimentError> {
    let root = DeTable::parse(src.text).map_err(|e| {
        let line = e.span().map(|s| src.line_of(s.start));
        ExperimentError::new(src.origin, line, e.message().trim())
    })?;
    let mut doc = Document::default();
    for (key, value) in entries(root.get_ref()) {
        let at = key.span().start;
        match key.get_ref().as_ref() {
            "name" => {
                let name = string(value, "name", src)?;
                checks::study_name(&name).map_err(|m| src.error(value.span().start, m))?;
                doc.name = Some(name);
            }
            "description" => doc.description = Some(string(value, "description", src)?),
            "run" => doc.runs = run_entries(value, src)?,
            k if SECTIONS.contains(&k) => doc.base.extend(section(k, value, src)?),
            k => return Err(src.error(at, unknown(k, &TOP))),
        }
    }
    Ok(doc)
}

fn string(value: &Spanned<DeValue>, key: &str, src: &Source) -> Result<String, ExperimentError> {
    match value.get_ref() {
        DeValue::String(s) => Ok(s.to_string()),
        other => Err(src.error(
            value.span().start,
            format!("{key} must be a string, not {}", other.type_str()),
        )),
    }
}

/// The `[[run]]` entries: each a table of sections.
fn run_entries(value: &Spanned<DeValue>, src: &Source) -> Result<Vec<Vec<Axis>>, ExperimentError> {
    let not_tables = || {
        src.error(
            value.span().start,
            "run must be a list of tables: write each entry as [[run]]",
        )
    };
    let DeValue::Array(items) = value.get_ref() else {
        return Err(not_tables());
    };
    let mut runs = Vec::new();
    for item in items.iter() {
        let DeValue::Table(table) = item.get_ref() else {
            return Err(not_tables());
        };
        let mut axes = Vec::new();
        for (key, v) in entries(table) {
            match key.get_ref().as_ref() {
                k if SECTIONS.contains(&k) => axes.extend(section(k, v, src)?),
                k => return Err(src.error(key.span().start, unknown(k, &SECTIONS))),
            }
        }
        runs.push(axes);
    }
    Ok(runs)
}

/// The settings of one section.
fn section(
    name: &str,
    value: &Spanned<DeValue>,
    src: &Source,
) -> Result<Vec<Axis>, ExperimentError> {
    let DeValue::Table(table) = value.get_ref() else {
        let shown = toml_value(value).map_or_else(|_| "?".into(), |v| v.to_string());
        return Err(src.error(
            value.span().start,
            format!("{name} = {shown}: {name} is a section: write [{name}] and its keys below it"),
        ));
    };
    let valid: Vec<&str> = in_section(name).map(|s| s.key()).collect();
    let mut axes = Vec::new();
    for (key, v) in entries(table) {
        let path = format!("{name}.{}", key.get_ref());
        let Some(i) = SETTINGS.iter().position(|s| s.path == path) else {
            return Err(src.error(key.span().start, unknown(key.get_ref(), &valid)));
        };
        axes.push(Axis::read(i, v, src)?);
    }
    Ok(axes)
}
