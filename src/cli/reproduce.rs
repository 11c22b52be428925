//! `mlplab reproduce`: the study's presets for every dataset that can be found, then the report.

use std::path::PathBuf;

use mlplab::experiment::Overrides;
use mlplab::runner::DataCache;
use mlplab::store::Status;
use mlplab::study::{ReproduceOptions, ReproduceSummary, plan_reproduce, reproduce};

use super::exit::{self, Finished};
use super::out::outln;
use super::sweep::{ExecArgs, SetArgs, interrupt_flag, report};

/// Run the study's presets (paper-mnist, paper-fashion-mnist, paper-cifar10,
/// paper-cifar10-jpeg) for every dataset found, into one study directory, then write the report.
/// Datasets that cannot be found are named first, with how to get them.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Only these datasets (comma-separated): mnist, fashion-mnist, cifar10, cifar10-jpeg [default: all].
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub datasets: Option<Vec<String>>,
    /// Also run the cross-entropy variants (paper-*-cce).
    #[arg(long)]
    pub cross_entropy: bool,
    /// Replace every run's epochs, for a quick look (the runs are then different runs).
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    /// Run every configuration with the seeds 1..N instead of the presets' own; studies with
    /// different N share their runs.
    #[arg(long, value_name = "N")]
    pub seeds: Option<usize>,
    #[command(flatten)]
    pub settings: SetArgs,
    /// Do not write the report at the end.
    #[arg(long)]
    pub no_report: bool,
}

pub fn run(args: ReproduceArgs) -> anyhow::Result<()> {
    let mut overrides = Overrides::default();
    overrides
        .shortcut("train.epochs", "--epochs", args.epochs)
        .and_then(|()| overrides.shortcut("train.threads", "--threads", args.exec.threads))
        .map_err(anyhow::Error::msg)?;
    let mut opts = ReproduceOptions {
        sweep: args
            .exec
            .options(PathBuf::from("studies/reproduce"), interrupt_flag()),
        datasets: args.datasets,
        cross_entropy: args.cross_entropy,
        overrides: args.settings.after(overrides),
        seeds: args.seeds,
        report: !args.no_report,
    };
    opts.sweep.force = false;
    let cache = DataCache::new();
    let plan = plan_reproduce(&opts, &cache)?;
    for s in &plan.skipped {
        eprintln!("skipping {}: {}", s.dataset, s.reason);
        if !s.hint.is_empty() && !s.reason.contains(&s.hint) {
            eprintln!("  to get it: {}", s.hint);
        }
    }
    if plan.experiments.is_empty() {
        anyhow::bail!("no dataset of the study could be loaded; nothing to run");
    }
    let names: Vec<&str> = plan.experiments.iter().map(|(p, _)| p.name).collect();
    eprintln!(
        "running {} into {}",
        names.join(", "),
        opts.sweep.out.display()
    );
    let summary = reproduce(&plan, &opts, &cache)?;
    for (name, s) in &summary.sweeps {
        report(name, s)?;
    }
    match &summary.report {
        Some(html) => outln!(
            "report: {} (open it in a browser: `xdg-open {0}` on Linux, `open {0}` on macOS; \
             report.md and figures/ beside it)",
            html.display()
        )?,
        None if opts.report => outln!(
            "report: run `mlplab report {}` to write it",
            opts.sweep.out.display()
        )?,
        None => {}
    }
    outcome(&summary, &opts.sweep.out)
}

/// The exit of a reproduction that ran to its end: `Ok` when every run ended `done` or
/// `diverged` (the study's grid includes U[−1,1] initializations that are expected to
/// diverge in some presets: the report shows them, and they are results, not errors),
/// [`exit::FAILED`] when any run failed.
fn outcome(summary: &ReproduceSummary, dir: &std::path::Path) -> anyhow::Result<()> {
    let failed: usize = summary
        .sweeps
        .iter()
        .map(|(_, s)| s.count(Status::Failed))
        .sum();
    if failed == 0 {
        return Ok(());
    }
    Err(anyhow::Error::new(Finished {
        code: exit::FAILED,
        message: format!(
            "{failed} runs failed: see `mlplab runs {} --status failed`",
            dir.display()
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlplab::runner::SweepSummary;

    fn sweep_with(executed: Vec<(i64, Status)>, skipped_diverged: usize) -> SweepSummary {
        SweepSummary {
            in_shard: executed.len() + skipped_diverged,
            skipped: skipped_diverged,
            skipped_diverged,
            executed,
            ..SweepSummary::default()
        }
    }

    fn code(sweeps: Vec<SweepSummary>) -> u8 {
        let summary = ReproduceSummary {
            sweeps: sweeps.into_iter().map(|s| ("p".to_string(), s)).collect(),
            report: None,
        };
        outcome(&summary, std::path::Path::new("d")).map_or_else(|e| exit::code_of(&e), |()| 0)
    }

    #[test]
    fn diverged_runs_are_results_and_failed_runs_fail() {
        let done = (1, Status::Done);
        assert_eq!(code(vec![sweep_with(vec![done], 0)]), exit::SUCCESS);
        let diverged = sweep_with(vec![done, (2, Status::Diverged)], 1);
        assert_eq!(code(vec![diverged.clone()]), exit::SUCCESS);
        let failed = sweep_with(vec![(3, Status::Failed)], 0);
        assert_eq!(code(vec![diverged, failed]), exit::FAILED);
    }
}
