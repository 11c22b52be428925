//! `mlplab sweep FILE`: run every run of an experiment file (or built-in preset).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use mlplab::data::LoadOptions;
use mlplab::experiment::{Assignment, Experiment, Overrides, preset};
use mlplab::runner::{
    DataCache, ProgressMode, ShardSpec, SweepOptions, SweepSummary, WeightsTarget, best_cell,
    check_shard_record, default_jobs, default_out, read_shard_record, sweep,
};
use mlplab::store::{DB_FILE, SHARD_DB_PATTERN, Status};

use super::exit::{self, Finished};
use super::out::outln;
use super::signals;

/// How runs execute and where results go; shared by `train`, `sweep` and `reproduce`.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// Study directory; the database is DIR/mlplab.db [default: studies/<experiment name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Database file [default: DIR/mlplab.db, or DIR/mlplab.shard-I-of-N.db for a shard].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Runs executed at once: N, or `auto` (one per core, and as the sweep drains the
    /// running runs take the cores of finished ones; not with --threads) [default: auto].
    #[arg(long, short = 'j', value_name = "N|auto", default_value = "auto", value_parser = parse_jobs, hide_default_value = true)]
    pub jobs: Jobs,
    /// Threads per run (not part of a run's identity) [default: the experiment's train.threads, 1].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Folder looked at first for datasets: DIR/<name>/.
    #[arg(long, env = "MLPLAB_DATA", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Cache folder for downloads [default: $XDG_CACHE_HOME/mlplab or ~/.cache/mlplab].
    #[arg(long, env = "MLPLAB_CACHE", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Never download (MNIST then comes from the embedded copy).
    #[arg(long, env = "MLPLAB_OFFLINE", value_parser = clap::builder::BoolishValueParser::new())]
    pub offline: bool,
    /// When another mlplab holds the study's lock, wait for it instead of refusing.
    #[arg(long)]
    pub wait: bool,
    /// No progress display, only warnings and the final summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Progress display: auto (bars on a terminal, lines otherwise; `train`: lines), bars,
    /// lines (one per finished epoch of each run, with the sweep's ETA), quiet.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_progress)]
    pub progress: ProgressMode,
    /// In line mode, each run's epoch line every N epochs (and at its last).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub log_every: u64,
}

fn parse_progress(s: &str) -> Result<ProgressMode, String> {
    match s {
        "auto" => Ok(ProgressMode::Auto),
        "bars" => Ok(ProgressMode::Bars),
        "lines" => Ok(ProgressMode::Lines),
        "quiet" => Ok(ProgressMode::Quiet),
        other => Err(format!(
            "unknown progress mode {other:?}; valid: auto, bars, lines, quiet"
        )),
    }
}

/// `--jobs`: a number of runs at once, or one per core with cores handed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jobs {
    /// One run per core; finished runs' cores go to the runs still going.
    Auto,
    /// This many runs at once, each on its `train.threads`.
    Fixed(usize),
}

fn parse_jobs(s: &str) -> Result<Jobs, String> {
    if s == "auto" {
        return Ok(Jobs::Auto);
    }
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Jobs::Fixed(n)),
        _ => Err(format!(
            "--jobs {s:?}: must be a whole number ≥ 1 or `auto` (one run per core, cores handed on as runs finish)"
        )),
    }
}

impl ExecArgs {
    /// The sweep options, with SIGINT and SIGTERM wired to `stop`.
    pub fn options(&self, default_dir: PathBuf, stop: Arc<AtomicBool>) -> SweepOptions {
        SweepOptions {
            out: self.out.clone().unwrap_or(default_dir),
            db: self.db.clone(),
            jobs: match self.jobs {
                Jobs::Auto => default_jobs(),
                Jobs::Fixed(n) => n,
            },
            // An explicit --threads is what every run gets; otherwise cores are handed on.
            rebalance: self.jobs == Jobs::Auto && self.threads.is_none(),
            progress: if self.quiet {
                ProgressMode::Quiet
            } else {
                self.progress
            },
            load: LoadOptions {
                data_dir: self.data_dir.clone(),
                cache_dir: self.cache_dir.clone(),
                offline: self.offline,
                ..LoadOptions::default()
            },
            log_every: usize::try_from(self.log_every).unwrap_or(usize::MAX),
            stop,
            wait: self.wait,
            command: Some(command_line(std::env::args())),
            ..SweepOptions::default()
        }
    }
}

/// The command line as a shell would take it back: `mlplab` and the arguments, each quoted
/// in single quotes when it holds anything but letters, digits and `-_.,:=/+@%`.
fn command_line(args: impl Iterator<Item = String>) -> String {
    let quote = |a: &str| {
        let plain = !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.,:=/+@%".contains(c));
        if plain {
            a.to_string()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    std::iter::once("mlplab".to_string())
        .chain(args.skip(1).map(|a| quote(&a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `--set PATH=VALUE`, shared by `train`, `sweep` and `reproduce`.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Set any setting (repeatable), e.g. --set optimizer.beta2=0.99, --set
    /// network.hidden=[64,64], --set data.split={kind="per-class",k=100}. VALUE is TOML; a
    /// plain word needs no quotes. Applied after the shortcut flags. `--help` lists every
    /// setting with its default.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Assignment>,
}

impl SetArgs {
    /// `base` (the shortcut flags) followed by the `--set` assignments.
    pub fn after(&self, mut base: Overrides) -> Overrides {
        for a in &self.set {
            base.push(a.clone());
        }
        base
    }
}

/// Run every run of an experiment file; skip finished runs, restart unfinished ones.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Experiment file (TOML), or the name of a built-in preset such as paper-mnist.
    pub file: String,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// The I-th of N slices of the grid, 0-based (I/N); auto: I from SLURM_ARRAY_TASK_ID /
    /// JOB_COMPLETION_INDEX / MLPLAB_SHARD_INDEX, N from MLPLAB_SHARD_COUNT or DIR/mlplab.shards
    /// (recorded by the first sharded sweep); auto/N: N given; none: the whole grid.
    #[arg(long, value_name = "I/N|auto|auto/N|none", default_value = "auto")]
    pub shard: ShardSpec,
    /// Redo runs that are already done or diverged.
    #[arg(long)]
    pub force: bool,
    /// Replace every run's epochs (a quick look; changes the runs' identity).
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    /// Run every configuration with the seeds 1..N instead of the file's own; studies with
    /// different N share their runs.
    #[arg(long, value_name = "N")]
    pub seeds: Option<usize>,
    #[command(flatten)]
    pub settings: SetArgs,
    /// Feed batches in data order (train.shuffle = false).
    #[arg(long)]
    pub no_shuffle: bool,
    /// Save each finished run's weights as DIR/run-<id>.safetensors.
    #[arg(long, value_name = "DIR")]
    pub save_weights: Option<PathBuf>,
    /// Print the plan (runs, ids, status) and exit without training.
    #[arg(long)]
    pub dry_run: bool,
}

/// Reads an experiment file, or a preset by name when no such file exists.
pub fn read_experiment(file: &str) -> anyhow::Result<Experiment> {
    let path = Path::new(file);
    if path.exists() {
        return Ok(Experiment::from_file(path)?);
    }
    if let Some(p) = preset(file) {
        return Ok(p.experiment()?);
    }
    let names: Vec<&str> = mlplab::experiment::PRESETS
        .iter()
        .chain(mlplab::experiment::LBFGS_PRESETS.iter())
        .map(|p| p.name)
        .collect();
    let near = mlplab::experiment::did_you_mean(file, names.iter().copied())
        .map_or(String::new(), |n| format!(" (did you mean {n:?}?)"));
    anyhow::bail!(
        "{file}: no such experiment file, and no preset of that name{near}; presets: {}",
        names.join(", ")
    )
}

/// Handles SIGINT and SIGTERM ([`signals`]): the first stops the command cleanly, a second
/// exits at once. The flag for [`ExecArgs::options`].
pub fn interrupt_flag() -> Arc<AtomicBool> {
    signals::stop_flag()
}

/// One line about a finished sweep of study `name` (and, for more than one run, its best
/// configuration by mean CV accuracy); a [`Finished`] error with the signal's code (130 for
/// SIGINT, 143 for SIGTERM) when a signal stopped it before every run finished.
pub fn report(name: &str, s: &SweepSummary) -> anyhow::Result<()> {
    let shard = if s.in_shard == s.planned {
        String::new()
    } else {
        format!(", {} in this shard", s.in_shard)
    };
    outln!(
        "{name}: {} runs{shard}; {} already finished; ran {}: {} done, {} diverged, {} failed, {} \
         interrupted in {:.1} s -> {}",
        s.planned,
        s.skipped,
        s.executed.len(),
        s.count(Status::Done),
        s.count(Status::Diverged),
        s.count(Status::Failed),
        s.count(Status::Interrupted),
        s.seconds,
        s.db.display()
    )?;
    if s.planned > 1
        && let Some(best) = best_cell(&s.db, name)?
    {
        let runs: Vec<String> = best.runs.iter().map(i64::to_string).collect();
        let seeds = match best.runs.len() {
            1 => "1 seed (run".to_string(),
            n => format!("{n} seeds (runs"),
        };
        outln!(
            "best by mean CV accuracy: {:.4} over {seeds} {}): {}",
            best.mean_cv_acc,
            runs.join(", "),
            best.label
        )?;
    }
    if s.count(Status::Failed) > 0 {
        outln!(
            "failed runs: see `mlplab runs {} --status failed`",
            study_dir(s).display()
        )?;
    }
    if s.interrupted() {
        let signal = signals::received();
        let message = format!(
            "{}: {} runs not finished; rerun the same command to resume",
            signal.map_or("interrupted", |sig| sig.name()),
            s.count(Status::Interrupted) + s.not_started
        );
        // Only a signal stops a sweep; without one the stop is an error like any other.
        return Err(anyhow::Error::new(Finished {
            code: signal.map_or(exit::ERROR, |sig| sig.code()),
            message,
        }));
    }
    Ok(())
}

fn study_dir(s: &SweepSummary) -> &Path {
    s.db.parent().unwrap_or(Path::new("."))
}

/// The exit of a sweep that ran to its end, from the runs it was asked for (this shard's
/// slice of the plan, including those skipped as already `done` or `diverged`): `Ok` when
/// every one is done, [`exit::FAILED`] when any failed, [`exit::DIVERGED`] when some diverged
/// and none failed.
pub fn outcome(s: &SweepSummary) -> anyhow::Result<()> {
    let diverged = s.count(Status::Diverged) + s.skipped_diverged;
    let failed = s.count(Status::Failed);
    let dir = study_dir(s).display();
    let earlier = if s.skipped_diverged > 0 {
        format!(" ({} of them in an earlier invocation)", s.skipped_diverged)
    } else {
        String::new()
    };
    let message = if failed > 0 {
        format!(
            "{failed} of {} runs failed: see `mlplab runs {dir} --status failed`",
            s.in_shard
        )
    } else {
        format!(
            "{diverged} of {} runs diverged{earlier}: see `mlplab runs {dir} --status diverged`",
            s.in_shard
        )
    };
    match Finished::from_counts(diverged, failed, message) {
        Some(f) => Err(anyhow::Error::new(f)),
        None => Ok(()),
    }
}

pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    let mut exp = read_experiment(&args.file)?;
    let mut overrides = Overrides::default();
    overrides
        .shortcut("train.epochs", "--epochs", args.epochs)
        .and_then(|()| {
            overrides.shortcut(
                "train.shuffle",
                "--no-shuffle",
                args.no_shuffle.then_some(false),
            )
        })
        .and_then(|()| overrides.shortcut("train.threads", "--threads", args.exec.threads))
        .map_err(anyhow::Error::msg)?;
    exp = exp.with_overrides(&args.settings.after(overrides))?;
    if let Some(n) = args.seeds {
        exp = exp.with_seeds(n)?;
    }
    // One line, not one per run: the runs of a grid share their thread count.
    if let Some(w) = exp.runs.iter().find_map(|r| r.train.threads_warning()) {
        eprintln!("warning: {w}");
    }
    let stop = interrupt_flag();
    let mut opts = args.exec.options(default_out(&exp.name), stop);
    // The study fixes the shard count (its record, written by the first sharded sweep): a
    // resubmitted array task sees only its own task count.
    let recorded = read_shard_record(&opts.out).map_err(anyhow::Error::msg)?;
    let (shard, from) = args
        .shard
        .resolve(|k| std::env::var(k).ok(), recorded)
        .map_err(anyhow::Error::msg)
        .context("--shard")?;
    opts.shard = shard;
    opts.force = args.force;
    opts.save_weights = args.save_weights.map(WeightsTarget::Dir);
    if args.dry_run {
        let db = opts.db_path();
        outln!(
            "{}: {} runs; would write {}",
            exp.name,
            exp.runs.len(),
            db.display()
        )?;
        for (g, r) in exp.runs.iter().enumerate() {
            let mark = if shard.contains(g) {
                ""
            } else {
                "  (other shard)"
            };
            outln!("  {:>4}  {}  {}{mark}", g + 1, &r.key()[..12], r.label())?;
        }
        return Ok(());
    }
    check_shard_record(&opts.out, shard)
        .map_err(anyhow::Error::msg)
        .context("--shard")?;
    if !shard.is_all() && !args.exec.quiet {
        eprintln!(
            "shard {shard} ({from}): {} runs of {}",
            exp.runs
                .iter()
                .enumerate()
                .filter(|(g, _)| shard.contains(*g))
                .count(),
            exp.runs.len()
        );
    }
    let summary = sweep(&exp, &opts, &DataCache::new())?;
    if !shard.is_all() {
        outln!(
            "merge the shards with: mlplab merge {} {}",
            opts.out.join(DB_FILE).display(),
            opts.out.join(SHARD_DB_PATTERN).display()
        )?;
    }
    report(&exp.name, &summary)?;
    outcome(&summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_quoted_as_a_shell_would_read_it() {
        let args = [
            "/x/target/release/mlplab",
            "sweep",
            "paper-mnist",
            "--set",
            "network.hidden=[64, 64]",
            "it's",
        ];
        assert_eq!(
            command_line(args.iter().map(|a| a.to_string())),
            "mlplab sweep paper-mnist --set 'network.hidden=[64, 64]' 'it'\\''s'"
        );
    }

    fn summary(
        executed: Vec<(i64, Status)>,
        skipped: usize,
        skipped_diverged: usize,
    ) -> SweepSummary {
        SweepSummary {
            db: PathBuf::from("study/mlplab.db"),
            planned: executed.len() + skipped,
            in_shard: executed.len() + skipped,
            skipped,
            skipped_diverged,
            executed,
            ..SweepSummary::default()
        }
    }

    fn code(s: &SweepSummary) -> u8 {
        outcome(s).map_or_else(|e| exit::code_of(&e), |()| exit::SUCCESS)
    }

    #[test]
    fn the_exit_code_covers_every_run_of_the_shard() {
        let (done, diverged, failed) = (
            (1, Status::Done),
            (2, Status::Diverged),
            (3, Status::Failed),
        );
        assert_eq!(code(&summary(vec![done], 0, 0)), exit::SUCCESS);
        assert_eq!(
            code(&summary(vec![done], 3, 0)),
            exit::SUCCESS,
            "skipped done runs"
        );
        assert_eq!(code(&summary(vec![done, diverged], 0, 0)), exit::DIVERGED);
        // A resumed sweep whose earlier run diverged still reports it.
        let resumed = summary(vec![done], 2, 1);
        assert_eq!(code(&resumed), exit::DIVERGED);
        let message = outcome(&resumed).unwrap_err().to_string();
        assert!(
            message.contains("1 of 3 runs diverged (1 of them in an earlier invocation)"),
            "{message}"
        );
        assert_eq!(
            code(&summary(vec![done, diverged, failed], 1, 1)),
            exit::FAILED
        );
        let message = outcome(&summary(vec![failed], 0, 0))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("mlplab runs study --status failed"),
            "{message}"
        );
    }

    #[test]
    fn a_stopped_sweep_without_a_signal_is_an_error() {
        let mut s = summary(vec![(1, Status::Interrupted)], 0, 0);
        s.not_started = 2;
        let e = report("x", &s).unwrap_err();
        // No signal reached this test process: the stop is a plain error, never a 0.
        assert_eq!(exit::code_of(&e), exit::ERROR);
        assert!(e.to_string().contains("3 runs not finished"), "{e}");
    }
}
