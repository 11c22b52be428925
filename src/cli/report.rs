//! `mlplab report DIR`: parses, calls [`mlplab::report::write_report`], prints.

use std::path::PathBuf;

use mlplab::report::{ReportOptions, write_report};

use super::out::outln;

/// Write report.md, report.html and figures/ for the study in DIR (reads DIR/mlplab.db).
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Study directory holding mlplab.db; the report is written next to it.
    pub dir: PathBuf,
    /// Skip the figures (tables and claims only; much faster).
    #[arg(long)]
    pub no_figures: bool,
    /// At most this many points per mini-batch curve (longer ones are averaged in bins).
    #[arg(long, default_value_t = ReportOptions::default().max_batch_points)]
    pub max_batch_points: usize,
    /// Report title (default: "mlplab study report: <DIR name>").
    #[arg(long)]
    pub title: Option<String>,
}

pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let opts = ReportOptions {
        figures: !args.no_figures,
        max_batch_points: args.max_batch_points,
        title: args.title,
    };
    let s = write_report(&args.dir, &opts)?;
    let statuses: Vec<String> = s
        .runs_by_status
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    outln!("{} runs ({})", s.runs, statuses.join(", "))?;
    for sec in &s.sections {
        match &sec.best_cv_acc {
            Some((label, acc)) => outln!(
                "{} / {} / {}: best CV accuracy {acc:.4} ({label}){}",
                sec.dataset,
                sec.study,
                sec.loss,
                sec.best_test_acc
                    .map_or(String::new(), |t| format!(", its test accuracy {t:.4}"))
            )?,
            None => outln!(
                "{} / {} / {}: no finished run",
                sec.dataset,
                sec.study,
                sec.loss
            )?,
        }
    }
    for c in &s.claims {
        outln!("claim {}: {}: {}", c.number, c.verdict.label(), c.summary)?;
    }
    outln!("wrote {}", s.markdown.display())?;
    outln!(
        "wrote {} ({} tables, {} figure files)",
        s.html.display(),
        s.tables,
        s.figures.len()
    )?;
    Ok(())
}
