//! `mlplab reproduce`: the study's presets for every dataset that can be found, into one
//! study directory, then the report.

use std::path::{Path, PathBuf};

use crate::data::locate;
use crate::experiment::{Experiment, Overrides, PRESETS, Preset};
use crate::runner::{DataCache, RunnerError, SweepOptions, SweepSummary, sweep};

/// What to reproduce. Defaults: every dataset, the study's (MSE) presets only.
#[derive(Clone, Debug, Default)]
pub struct ReproduceOptions {
    /// How to run the sweeps (the study directory is `sweep.out`, default `studies/reproduce`).
    pub sweep: SweepOptions,
    /// Only these datasets (default all four).
    pub datasets: Option<Vec<String>>,
    /// Also run the cross-entropy variants.
    pub cross_entropy: bool,
    /// Applied to every run (e.g. fewer epochs for a quick look).
    pub overrides: Overrides,
    /// `--seeds N`: every configuration with the seeds 1..N instead of the presets' own.
    pub seeds: Option<usize>,
    /// Write the report at the end. Default true in the CLI.
    pub report: bool,
}

/// A dataset `reproduce` will not run, and how to get it.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The dataset.
    pub dataset: String,
    /// Why it could not be loaded.
    pub reason: String,
    /// How to get it.
    pub hint: String,
}

/// The presets that will run and the datasets that will not.
pub struct ReproducePlan {
    /// The presets to run, parsed and overridden, in order.
    pub experiments: Vec<(Preset, Experiment)>,
    /// Datasets skipped.
    pub skipped: Vec<Skipped>,
}

/// What `reproduce` did.
#[derive(Debug)]
pub struct ReproduceSummary {
    /// One per preset run.
    pub sweeps: Vec<(String, SweepSummary)>,
    /// The report written (its report.html; report.md and figures/ lie beside it), if any.
    pub report: Option<PathBuf>,
}

/// Picks the presets and loads each of their datasets once (into `cache`); a dataset that
/// cannot be loaded is skipped with the reason and a hint on how to get it.
pub fn plan_reproduce(
    opts: &ReproduceOptions,
    cache: &DataCache,
) -> Result<ReproducePlan, RunnerError> {
    let known: Vec<&str> = PRESETS.iter().map(|p| p.dataset).collect();
    if let Some(wanted) = &opts.datasets
        && let Some(bad) = wanted.iter().find(|d| !known.contains(&d.as_str()))
    {
        return Err(RunnerError::Invalid(format!(
            "--datasets: no preset for {bad:?}; valid: mnist, fashion-mnist, cifar10, cifar10-jpeg"
        )));
    }
    // An explicit folder that is not there is a typo, not "no data": say so before skipping
    // every dataset for it.
    if let Some(dir) = &opts.sweep.load.data_dir
        && !dir.is_dir()
    {
        return Err(RunnerError::Invalid(format!(
            "--data-dir {}: no such folder (give the folder that holds mnist/, fashion-mnist/, \
             …, or leave --data-dir out to use the cache, a download or the embedded MNIST)",
            dir.display()
        )));
    }
    let mut experiments = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    for preset in PRESETS.iter().filter(|p| p.paper || opts.cross_entropy) {
        if let Some(wanted) = &opts.datasets
            && !wanted.iter().any(|d| d == preset.dataset)
        {
            continue;
        }
        if skipped.iter().any(|s| s.dataset == preset.dataset) {
            continue;
        }
        let mut exp = preset.experiment()?.with_overrides(&opts.overrides)?;
        if let Some(n) = opts.seeds {
            exp = exp.with_seeds(n)?;
        }
        let Some(first) = exp.runs.first() else {
            continue;
        };
        match cache.get(&first.data, &opts.sweep.load) {
            Ok(_) => experiments.push((*preset, exp)),
            Err(e) => {
                let hint = locate(preset.dataset, &opts.sweep.load)
                    .map(|l| l.hint)
                    .unwrap_or_default();
                skipped.push(Skipped {
                    dataset: preset.dataset.to_string(),
                    reason: e.to_string(),
                    hint,
                });
            }
        }
    }
    Ok(ReproducePlan {
        experiments,
        skipped,
    })
}

/// Runs the planned presets into `opts.sweep.out`, then writes the report there.
pub fn reproduce(
    plan: &ReproducePlan,
    opts: &ReproduceOptions,
    cache: &DataCache,
) -> Result<ReproduceSummary, RunnerError> {
    let mut sweeps = Vec::new();
    for (preset, exp) in &plan.experiments {
        let summary = sweep(exp, &opts.sweep, cache)?;
        let stopped = summary.interrupted();
        sweeps.push((preset.name.to_string(), summary));
        if stopped {
            return Ok(ReproduceSummary {
                sweeps,
                report: None,
            });
        }
    }
    let report = if opts.report && !sweeps.is_empty() {
        write_report(&opts.sweep.out)?
    } else {
        None
    };
    Ok(ReproduceSummary { sweeps, report })
}

/// The report for a study directory (report.md, report.html, figures/). Returns report.html,
/// the file a user opens.
fn write_report(study_dir: &Path) -> Result<Option<PathBuf>, RunnerError> {
    let summary = crate::report::write_report(study_dir, &crate::report::ReportOptions::default())
        .map_err(|e| RunnerError::Invalid(format!("report: {e}")))?;
    Ok(Some(summary.html))
}
