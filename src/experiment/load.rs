//! A validated experiment: from a file, a preset or defaults, with command-line overrides.

use std::path::Path;

use super::checks;
use super::document;
use super::error::{ExperimentError, Source};
use super::expand::expand;
use super::overrides::Overrides;
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

    /// Applies command-line overrides to every run, checks each, and removes duplicates.
    /// A failure in a later run than the first names the run (the override is valid alone
    /// but not with that run's other settings).
    pub fn with_overrides(mut self, overrides: &Overrides) -> Result<Experiment, ExperimentError> {
        if overrides.is_empty() {
            return Ok(self);
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
pub(crate) fn dedup(runs: Vec<RunConfig>) -> Vec<RunConfig> {
    let mut seen = std::collections::HashSet::new();
    runs.into_iter().filter(|r| seen.insert(r.key())).collect()
}
