//! `mlplab runs DIR`: list the runs of a study and their status.

use std::path::{Path, PathBuf};

use mlplab::store::{DB_FILE, StudyReader};

use super::exit::{self, Finished};
use super::out::outln;

/// List the runs of a study directory (or database file) with their status and last metrics.
#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// Study directory (reads DIR/mlplab.db) or a database file.
    pub dir: PathBuf,
    /// Only runs with this status: pending, running, done, diverged, failed, interrupted.
    #[arg(long)]
    pub status: Option<mlplab::store::Status>,
    /// Only runs of this experiment (runs.study).
    #[arg(long)]
    pub study: Option<String>,
    /// Print each run's full config JSON too.
    #[arg(long)]
    pub config: bool,
    /// Check the database instead of listing it: SQLite's quick_check, and every done or
    /// diverged run against its plan (all its epochs and mini-batches). Prints each problem;
    /// exits 1 when there is one.
    #[arg(long, conflicts_with_all = ["status", "study", "config"])]
    pub check: bool,
}

/// `DIR/mlplab.db` for a directory, the path itself for a file.
pub fn db_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(DB_FILE)
    } else {
        path.to_path_buf()
    }
}

fn opt(v: Option<f64>, prec: usize) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.prec$}"))
}

/// `--check`: prints each problem; exit 1 when there is one.
fn check(reader: &StudyReader) -> anyhow::Result<()> {
    let problems = reader.check()?;
    for p in &problems {
        outln!("{}", p.message)?;
    }
    if problems.is_empty() {
        outln!("{}: no problems found", reader.path().display())?;
        return Ok(());
    }
    Err(anyhow::Error::new(Finished {
        code: exit::ERROR,
        message: format!(
            "{}: {} problems found; a sweep of the study resets and reruns the runs named",
            reader.path().display(),
            problems.len()
        ),
    }))
}

pub fn run(args: RunsArgs) -> anyhow::Result<()> {
    let reader = StudyReader::open(&db_of(&args.dir))?;
    if args.check {
        return check(&reader);
    }
    let rows = reader.runs()?;
    let mut counts = std::collections::BTreeMap::new();
    outln!(
        "{:>4} {:<11} {:<20} {:<14} {:<8} {:>8} {:<8} {:>4} {:<4} {:>7} {:>8} {:>8} {:>7}",
        "id",
        "status",
        "study",
        "dataset",
        "optim",
        "lr",
        "init",
        "l2",
        "loss",
        "epoch",
        "cv cost",
        "cv acc",
        "secs"
    )?;
    for r in &rows {
        *counts.entry(r.status.as_str()).or_insert(0) += 1;
        if args.status.is_some_and(|s| s != r.status)
            || args.study.as_ref().is_some_and(|s| *s != r.study)
        {
            continue;
        }
        let last = reader.last_epoch(r.id)?;
        let epoch = last
            .as_ref()
            .map_or("-".to_string(), |e| format!("{}/{}", e.epoch, r.epochs));
        outln!(
            "{:>4} {:<11} {:<20} {:<14} {:<8} {:>8} {:<8} {:>4} {:<4} {:>7} {:>8} {:>8} {:>7}",
            r.id,
            r.status.as_str(),
            r.study,
            r.dataset,
            r.optimizer,
            r.lr,
            r.init,
            r.l2,
            r.loss,
            epoch,
            opt(last.as_ref().and_then(|e| e.cv_cost), 4),
            opt(last.as_ref().and_then(|e| e.cv_acc), 4),
            opt(r.wall_seconds, 1)
        )?;
        if let Some(e) = &r.error {
            outln!("       {e}")?;
        }
        if args.config {
            outln!("       {}", r.config_json)?;
        }
    }
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    outln!("{} runs: {}", rows.len(), summary.join(", "))?;
    Ok(())
}
