//! `mlplab tune PRESET|FILE`: learning rates by successive halving, written to
//! `OUT/learning-rates.toml` and a copy of the experiment; `mlplab tune --docs FILE
//! STUDY_OR_TOML...` writes docs/learning-rates.md from such results.

use std::path::{Path, PathBuf};

use mlplab::experiment::{Overrides, preset};
use mlplab::runner::DataCache;
use mlplab::study::tune::{
    LearningRates, Metric, RangeArg, TuneOptions, learning_rates_doc, preset_copy, tune,
};

use super::exit::{self, Finished};
use super::out::outln;
use super::signals;
use super::sweep::{ExecArgs, SetArgs, interrupt_flag, read_experiment, report};

/// Tune the learning rate of every (dataset, optimizer, init, loss) of an experiment by
/// successive halving: log-spaced candidates, seeds 1..N each, rungs at 1/9, 1/3 and all of
/// the epoch budget, keeping the best third. Every trial is a run in OUT/mlplab.db (a killed
/// tune resumes; OUT is --out, default studies/tune-NAME). Writes OUT/learning-rates.toml and
/// OUT/NAME.toml (the experiment with the chosen rates). See docs/tuning.md.
#[derive(Debug, clap::Args)]
pub struct TuneArgs {
    /// Experiment file or preset name; with --docs: study directories or learning-rates.toml
    /// files, one or more.
    #[arg(required = true, value_name = "PRESET|FILE")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Seeds 1..N per candidate.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub seeds: usize,
    /// Log-spaced candidate rates per group.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub candidates: usize,
    /// The candidates' range for one optimizer (repeatable) [default: sgd and momentum
    /// 0.01:3, rmsprop and adam 1e-5:1e-2].
    #[arg(long = "range", value_name = "OPT=LO:HI")]
    pub ranges: Vec<RangeArg>,
    /// What ranks the candidates: cv-acc (final CV accuracy, higher is better) or cv-cost.
    #[arg(long, value_name = "METRIC", default_value = "cv-acc")]
    pub metric: Metric,
    /// Each rung keeps ceil(n / ETA) candidates; rungs are ETA times apart in epochs.
    #[arg(long, value_name = "ETA", default_value_t = 3)]
    pub eta: usize,
    /// Rungs of successive halving.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub rungs: usize,
    #[command(flatten)]
    pub settings: SetArgs,
    /// Write docs/learning-rates.md (this file) from the results named instead of tuning.
    #[arg(long, value_name = "FILE")]
    pub docs: Option<PathBuf>,
}

/// The command line as typed, for the records (arguments with spaces quoted).
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| {
            if a.is_empty() || a.contains([' ', '"', '\'', '$', '\t']) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect();
    format!("mlplab {}", args.join(" "))
}

pub fn run(args: TuneArgs) -> anyhow::Result<()> {
    if let Some(doc) = &args.docs {
        return write_docs(doc, &args.targets);
    }
    let [target] = &args.targets[..] else {
        anyhow::bail!(
            "mlplab tune takes one experiment (file or preset), not {}: {}; tune them one at a \
             time (--docs takes several results)",
            args.targets.len(),
            args.targets.join(" ")
        );
    };
    let exp = read_experiment(target)?;
    let mut overrides = Overrides::default();
    overrides
        .shortcut("train.threads", "--threads", args.exec.threads)
        .map_err(anyhow::Error::msg)?;
    let overrides = args.settings.after(overrides);
    let exp = exp.with_overrides(&overrides)?;
    let default_dir = Path::new("studies").join(format!("tune-{}", exp.name));
    let opts = TuneOptions {
        sweep: args.exec.options(default_dir, interrupt_flag()),
        seeds: args.seeds,
        candidates: args.candidates,
        ranges: args.ranges.clone(),
        metric: args.metric,
        eta: args.eta,
        rungs: args.rungs,
        command: command_line(),
    };
    let outcome = tune(&exp, &opts, &DataCache::new())?;
    for s in &outcome.sweeps {
        report(&format!("tune-{}", exp.name), s)?;
    }
    let Some(results) = &outcome.results else {
        let message = "the tune stopped before its last rung; rerun the same command to resume";
        // Stopped by a signal: its code (130 for Ctrl-C), as `sweep` exits.
        return Err(match signals::received() {
            Some(sig) => anyhow::Error::new(Finished {
                code: sig.code(),
                message: format!("{}: {message}", sig.name()),
            }),
            None => anyhow::anyhow!(message),
        });
    };
    let out = &opts.sweep.out;
    let written = results.write(out)?;
    outln!(
        "{} groups tuned; trained {} new runs (the others were in {} already) -> {}",
        results.groups.len(),
        outcome.trained,
        outcome.db.display(),
        written.display()
    )?;
    for g in &results.groups {
        let edge = if g.at_edge { "  (at the edge)" } else { "" };
        outln!(
            "  {} {} {} {}: lr = {}{edge}",
            g.dataset,
            g.optimizer,
            g.init,
            g.loss,
            g.chosen
        )?;
    }
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    let text = match preset(target) {
        Some(p) if !Path::new(target).exists() => p.text.to_string(),
        _ => std::fs::read_to_string(target)
            .map_err(|e| anyhow::anyhow!("{target}: cannot read it again for the copy: {e}"))?,
    };
    let copy_path = out.join(format!("{}.toml", exp.name));
    match preset_copy(&text, target, results, &overrides) {
        Ok(copy) => {
            std::fs::write(&copy_path, copy)
                .map_err(|e| anyhow::anyhow!("{}: {e}", copy_path.display()))?;
            outln!("experiment with the chosen rates: {}", copy_path.display())?;
        }
        Err(e) => eprintln!("warning: {e}"),
    }
    if outcome.failed > 0 {
        return Err(anyhow::Error::new(Finished {
            code: exit::FAILED,
            message: format!(
                "{} trials failed (they rank as diverged): see `mlplab runs {} --status failed`",
                outcome.failed,
                out.display()
            ),
        }));
    }
    Ok(())
}

/// `--docs FILE SOURCES...`.
fn write_docs(doc: &Path, sources: &[String]) -> anyhow::Result<()> {
    let mut read = Vec::new();
    for s in sources {
        read.push((s.clone(), LearningRates::read(Path::new(s))?));
    }
    let text = learning_rates_doc(&read, &command_line());
    std::fs::write(doc, text)
        .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", doc.display()))?;
    outln!("{}: {} results", doc.display(), read.len())?;
    Ok(())
}
