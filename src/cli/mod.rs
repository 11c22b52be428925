//! Sub-commands. Each lives in its own file with its clap arguments and a `run` function.

use clap::{Parser, Subcommand};

mod bench;
mod data;
mod report;

/// Train multilayer perceptrons by hand-written back-propagation and run ablation studies.
#[derive(Debug, Parser)]
#[command(name = "mlplab", version, about, long_about = None)]
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
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Bench(args) => bench::run_cli(args),
        Command::Data(args) => data::run(args),
        Command::Report(args) => report::run(args),
    }
}
