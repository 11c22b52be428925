//! Sub-commands. Each lives in its own file with its clap arguments and a `run` function.

use clap::{Parser, Subcommand};

mod bench;
mod completions;
mod data;
pub mod exit;
mod export;
mod merge;
pub mod out;
mod report;
mod reproduce;
mod runs;
mod signals;
mod sweep;
mod train;
mod tune;

/// Shown by `-h`; `--help` lists the settings themselves.
const SETTINGS_POINTER: &str =
    "Every setting can be given with --set PATH=VALUE; `--help` lists them with their defaults.";

/// Train multilayer perceptrons by hand-written back-propagation and run ablation studies.
#[derive(Debug, Parser)]
#[command(name = "mlplab", version = mlplab::VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Time training epochs of the study's network against a large GEMM.
    Bench(bench::BenchArgs),
    /// List, fetch and verify datasets.
    Data(data::DataArgs),
    /// Write report.md and report.html for a study directory.
    Report(report::ReportArgs),
    /// Train one network (from flags or a one-run experiment file) and record it.
    #[command(after_help = SETTINGS_POINTER, after_long_help = mlplab::experiment::settings_help())]
    Train(Box<train::TrainArgs>),
    /// Run every run of an experiment file: resumable, parallel (--jobs), shardable (--shard).
    #[command(after_help = SETTINGS_POINTER, after_long_help = mlplab::experiment::settings_help())]
    Sweep(sweep::SweepArgs),
    /// Run the study's presets for every dataset found, then write the report.
    #[command(after_help = SETTINGS_POINTER, after_long_help = mlplab::experiment::settings_help())]
    Reproduce(reproduce::ReproduceArgs),
    /// Tune learning rates by successive halving; --docs writes docs/learning-rates.md.
    #[command(after_help = SETTINGS_POINTER, after_long_help = mlplab::experiment::settings_help())]
    Tune(Box<tune::TuneArgs>),
    /// List the runs of a study and their status.
    Runs(runs::RunsArgs),
    /// Combine shard databases into one.
    Merge(merge::MergeArgs),
    /// Export a table of a study's database as CSV or JSON.
    Export(export::ExportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --dir.
    Man(completions::ManArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Bench(args) => bench::run_cli(args),
        Command::Data(args) => data::run(args),
        Command::Report(args) => report::run(args),
        Command::Train(args) => train::run(*args),
        Command::Sweep(args) => sweep::run(args),
        Command::Reproduce(args) => reproduce::run(args),
        Command::Tune(args) => tune::run(*args),
        Command::Runs(args) => runs::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Export(args) => export::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => completions::man(args),
    }
}
