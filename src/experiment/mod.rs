//! Experiments: the TOML files that describe a sweep, validated into one list of fully
//! resolved [`RunConfig`]s before anything trains.
//!
//! A file has five sections, `[data]`, `[network]`, `[train]`, `[optimizer]` and
//! `[regularization]`, plus optional `[[run]]` entries. Every field may be a list; a sweep is
//! the product of the lists. Each `[[run]]` entry overrides fields of the top-level sections
//! and is expanded the same way, so `[[run]]` entries build grids that are not products (the
//! union of the entries' products). `optimizer.lr` may also be a table with one value (or list)
//! per optimizer: `lr = { sgd = 0.5, adam = 1e-3 }`. See `docs/runner.md` for the format.
//!
//! ```
//! use mlplab::experiment::Experiment;
//! let exp = Experiment::from_toml(r#"
//!     name = "demo"
//!     [optimizer]
//!     kind = ["sgd", "adam"]
//!     lr = { sgd = 0.5, adam = 1e-3 }
//!     [regularization]
//!     l2 = [0, 1]
//! "#, "demo.toml").unwrap();
//! assert_eq!(exp.runs.len(), 4);
//! assert_eq!(exp.runs[3].train.optimizer.lr, 1e-3);
//! ```

mod axis;
mod file;
mod presets;
mod run;

pub use axis::Axis;
pub use file::{
    DataSection, ExperimentFile, Grid, LrSpec, NetworkSection, OptimizerSection,
    RegularizationSection, TrainSection,
};
pub use presets::{PRESETS, Preset, preset};
pub use run::{DataSpec, NetworkSpec, Overrides, RunConfig, known_shape, parse_split, split_label};

use std::path::Path;

/// An experiment file could not be used. The message names the file, the line where there is
/// one, the key and the value at fault, and what would be valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ExperimentError {
    /// The file (or `<preset NAME>`, `<flags>`).
    pub origin: String,
    /// 1-based line, when the problem has one place in the file.
    pub line: Option<usize>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl ExperimentError {
    pub(crate) fn new(origin: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        ExperimentError {
            origin: origin.to_string(),
            line,
            message: message.into(),
        }
    }

    fn render(&self) -> String {
        match self.line {
            Some(line) => format!("{}, line {line}: {}", self.origin, self.message),
            None => format!("{}: {}", self.origin, self.message),
        }
    }
}

/// A validated experiment: its name and every run of its grid, in grid order, without
/// duplicates.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// The study name recorded with each run (default: the file's stem).
    pub name: String,
    /// Free text from the file.
    pub description: String,
    /// The runs, in the order the grid lists them.
    pub runs: Vec<RunConfig>,
}

impl Experiment {
    /// Reads and validates an experiment file.
    pub fn from_file(path: &Path) -> Result<Experiment, ExperimentError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ExperimentError::new(&origin, None, format!("cannot read the file: {e}"))
        })?;
        let mut exp = Self::from_toml(&text, &origin)?;
        if exp.name.is_empty() {
            exp.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "experiment".into());
        }
        Ok(exp)
    }

    /// Parses and validates experiment TOML; `origin` names it in errors. The name is empty
    /// when the text gives none ([`Experiment::from_file`] then uses the file stem).
    pub fn from_toml(text: &str, origin: &str) -> Result<Experiment, ExperimentError> {
        let parsed = file::parse(text, origin)?;
        let runs = parsed.expand(text, origin)?;
        Ok(Experiment {
            name: parsed.name.clone().unwrap_or_default(),
            description: parsed.description.clone().unwrap_or_default(),
            runs,
        })
    }

    /// One run from defaults and `overrides` alone (what `mlplab train` does without a file).
    pub fn single(overrides: &Overrides) -> Result<Experiment, ExperimentError> {
        let exp = Experiment {
            name: "train".into(),
            description: String::new(),
            runs: vec![RunConfig::default()],
        };
        exp.with_overrides(overrides)
    }

    /// Applies command-line overrides to every run, then validates and removes duplicates.
    pub fn with_overrides(mut self, overrides: &Overrides) -> Result<Experiment, ExperimentError> {
        if overrides.is_empty() {
            return Ok(self);
        }
        overrides.validate()?;
        for run in &mut self.runs {
            overrides.apply(run);
        }
        for (i, run) in self.runs.iter().enumerate() {
            run.validate().map_err(|m| {
                ExperimentError::new("<flags>", None, format!("run {}: {m}", i + 1))
            })?;
        }
        self.runs = dedup(std::mem::take(&mut self.runs));
        Ok(self)
    }
}

/// Keeps the first of runs with the same key.
pub(crate) fn dedup(runs: Vec<RunConfig>) -> Vec<RunConfig> {
    let mut seen = std::collections::HashSet::new();
    runs.into_iter().filter(|r| seen.insert(r.key())).collect()
}

/// Levenshtein distance, for "did you mean" suggestions.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word` by edit distance.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .min_by_key(|c| edit_distance(word, c))
}

#[cfg(test)]
mod tests;
