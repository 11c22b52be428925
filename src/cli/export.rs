//! `mlplab export DIR`: any table of a study's database as CSV or JSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use mlplab::store::{Format, StudyReader};

use super::out::{StdoutWriter, closed_or};
use super::runs::db_of;

/// Export a table (or every table) of a study's database to CSV or JSON.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Study directory (reads DIR/mlplab.db) or a database file.
    pub dir: PathBuf,
    /// Table: runs, epochs, layer_norms, layer_sparsity, memorization, batches, meta, or
    /// run_settings (each run's
    /// hyper-parameters as columns: β1, β2, ε, weight decay, hidden widths, activation, …).
    #[arg(long, short = 't', default_value = "runs")]
    pub table: String,
    /// csv or json.
    #[arg(long, short = 'f', default_value = "csv")]
    pub format: Format,
    /// Write here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Export every table into this folder as <table>.<format>.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["table", "output"])]
    pub all: Option<PathBuf>,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = StudyReader::open(&db_of(&args.dir))?;
    if let Some(dir) = &args.all {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for table in store.export_tables()? {
            let path = dir.join(format!("{table}.{}", args.format));
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(&path)
                    .with_context(|| format!("creating {}", path.display()))?,
            );
            let n = store.export(&table, args.format, &mut f)?;
            f.flush()
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{}: {n} rows", path.display());
        }
        return Ok(());
    }
    match &args.output {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            );
            let n = store.export(&args.table, args.format, &mut f)?;
            f.flush()
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{}: {n} rows", path.display());
        }
        None => {
            let mut out = StdoutWriter::new();
            let written = store
                .export(&args.table, args.format, &mut out)
                .map_err(anyhow::Error::new)
                .and_then(|_| out.flush().map_err(closed_or));
            written.map_err(|e| out.closed(e))?;
        }
    }
    Ok(())
}
