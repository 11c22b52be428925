//! A validated experiment: from a file, a preset or defaults, with command-line overrides.

use std::path::Path;
use std::sync::Arc;

use super::axis::{Axis, Listed, Values};
use super::checks;
use super::document;
use super::error::{ExperimentError, Source};
use super::expand::expand;
use super::overrides::{Assignment, Overrides};
use super::run::RunConfig;

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
    /// The text the runs were expanded from, when they came from one (a file or a preset).
    /// Overrides of a setting that picks values out of per-optimizer or per-initialization
    /// tables re-expand it, so that `--set optimizer.kind=adam` on a file with
    /// `lr = { sgd = 0.5, adam = 1e-3 }` trains Adam at 1e-3, not at SGD's 0.5.
    text: Option<Arc<Text>>,
}

/// An experiment's TOML and its name in messages.
#[derive(Clone, Debug, PartialEq)]
struct Text {
    text: String,
    origin: String,
}

/// The settings by which per-optimizer (and per-initialization) tables choose their values.
const STEERING: [&str; 2] = ["optimizer.kind", "network.init"];

/// True when `a` sets a setting that per-optimizer or per-initialization tables pick by.
fn steers(a: &Assignment) -> bool {
    STEERING.contains(&a.setting().path)
}

impl Experiment {
    /// Reads and validates an experiment file. Without a `name`, the study is named after
    /// the file's stem, which must then be a valid study name (letters, digits, `-`, `_`,
    /// `.`; see `docs/runner.md`).
    pub fn from_file(path: &Path) -> Result<Experiment, ExperimentError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ExperimentError::new(&origin, None, format!("cannot read the file: {e}"))
        })?;
        let mut exp = Self::from_toml(&text, &origin)?;
        if exp.name.is_empty() {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            checks::study_name(&stem).map_err(|m| {
                ExperimentError::new(
                    &origin,
                    None,
                    format!(
                        "the file gives no name, and its file name is no study name: {m}; \
                         add a line name = \"…\" at the top"
                    ),
                )
            })?;
            exp.name = stem;
        }
        Ok(exp)
    }

    /// Parses and validates experiment TOML; `origin` names it in errors. The name is empty
    /// when the text gives none ([`Experiment::from_file`] then uses the file stem).
    pub fn from_toml(text: &str, origin: &str) -> Result<Experiment, ExperimentError> {
        let src = Source { text, origin };
        let doc = document::read(&src)?;
        let mut runs = Vec::new();
        for grid in doc.grids() {
            runs.extend(expand(&grid, &src)?);
        }
        let runs = dedup(runs);
        if runs.is_empty() {
            return Err(
                src.general("the grid expands to zero runs: every list needs at least one value")
            );
        }
        Ok(Experiment {
            name: doc.name.unwrap_or_default(),
            description: doc.description.unwrap_or_default(),
            runs,
            text: Some(Arc::new(Text {
                text: text.to_string(),
                origin: origin.to_string(),
            })),
        })
    }

    /// An experiment of the given runs (not read from a file: overrides apply to the runs
    /// as they are).
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        runs: Vec<RunConfig>,
    ) -> Self {
        Experiment {
            name: name.into(),
            description: description.into(),
            runs,
            text: None,
        }
    }

    /// One run from defaults and `overrides` alone (what `mlplab train` does without a file).
    pub fn single(overrides: &Overrides) -> Result<Experiment, ExperimentError> {
        Experiment::new("train", "", vec![RunConfig::default()]).with_overrides(overrides)
    }

    /// Applies command-line overrides to every run, checks each, and removes duplicates.
    /// A failure in a later run than the first names the run (the override is valid alone
    /// but not with that run's other settings).
    ///
    /// An override of `optimizer.kind` or `network.init` on an experiment read from text
    /// first re-expands the text with that setting fixed, so values given per optimizer or
    /// per initialization are those of the new optimizer (a table without an entry for it
    /// is an error naming the flag, never a silent reuse of another optimizer's value).
    pub fn with_overrides(mut self, overrides: &Overrides) -> Result<Experiment, ExperimentError> {
        if overrides.is_empty() {
            return Ok(self);
        }
        if let Some(text) = self.text.clone() {
            let fixed: Vec<&Assignment> = overrides
                .assignments()
                .iter()
                .filter(|a| steers(a))
                .collect();
            if !fixed.is_empty() {
                self.runs = reexpand(&text, &fixed)?;
            }
        }
        let mut runs = Vec::with_capacity(self.runs.len());
        for (i, run) in self.runs.iter().enumerate() {
            let applied = overrides.apply(run).map_err(|m| {
                let m = if i == 0 {
                    m
                } else {
                    format!("run {} ({}): {m}", i + 1, run.label())
                };
                ExperimentError::new("<flags>", None, m)
            })?;
            runs.push(applied);
        }
        self.runs = dedup(runs);
        Ok(self)
    }
}

impl Experiment {
    /// Every configuration of the grid (its runs less the seed and thread count) with the
    /// seeds 1, 2, …, `n` (`--seeds N`): each configuration's runs are consecutive, in the
    /// grid's order of first appearance. Studies run with different `n` share their runs,
    /// since seed `s` is the same run whatever `n` is. `n = 0` is an error.
    ///
    /// ```
    /// # use mlplab::experiment::{Experiment, Overrides};
    /// let exp = Experiment::single(&Overrides::default()).unwrap().with_seeds(3).unwrap();
    /// let seeds: Vec<u64> = exp.runs.iter().map(|r| r.train.seed).collect();
    /// assert_eq!(seeds, [1, 2, 3]);
    /// ```
    pub fn with_seeds(mut self, n: usize) -> Result<Experiment, ExperimentError> {
        if n == 0 {
            return Err(ExperimentError::new(
                "<flags>",
                None,
                "--seeds 0: give at least 1 (the seeds are 1..N)".to_string(),
            ));
        }
        let mut cells = std::collections::HashSet::new();
        let mut runs = Vec::with_capacity(self.runs.len() * n);
        for run in &self.runs {
            if !cells.insert(run.cell_key()) {
                continue;
            }
            for seed in 1..=n as u64 {
                let mut r = run.clone();
                r.train.seed = seed;
                runs.push(r);
            }
        }
        self.runs = runs;
        Ok(self)
    }
}

/// Keeps the first of runs with the same key.
/// The runs of `text` with each setting of `fixed` replaced by its one value in every grid
/// (the later of two assignments to one setting wins).
fn reexpand(text: &Text, fixed: &[&Assignment]) -> Result<Vec<RunConfig>, ExperimentError> {
    let src = Source {
        text: &text.text,
        origin: &text.origin,
    };
    let flags = fixed
        .iter()
        .map(|a| a.flag())
        .collect::<Vec<_>>()
        .join(", ");
    let within = |e: ExperimentError| ExperimentError {
        message: format!("with {flags}: {}", e.message),
        ..e
    };
    let doc = document::read(&src)?;
    let mut runs = Vec::new();
    for mut grid in doc.grids() {
        for a in fixed {
            let at = grid
                .iter()
                .find(|x| x.setting == a.setting_index())
                .map_or(0, |x| x.at);
            grid.retain(|x| x.setting != a.setting_index());
            grid.push(Axis {
                setting: a.setting_index(),
                at,
                values: Values::Plain(Listed {
                    values: vec![a.value().clone()],
                    listed: false,
                }),
            });
        }
        grid.sort_by_key(|x| x.setting);
        runs.extend(expand(&grid, &src).map_err(within)?);
    }
    Ok(dedup(runs))
}

pub(crate) fn dedup(runs: Vec<RunConfig>) -> Vec<RunConfig> {
    let mut seen = std::collections::HashSet::new();
    runs.into_iter().filter(|r| seen.insert(r.key())).collect()
}
