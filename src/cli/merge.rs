//! `mlplab merge OUT IN...`: combine shard databases.

use std::path::{Path, PathBuf};

use anyhow::Context;
use mlplab::store::{DB_FILE, SHARD_DB_PATTERN, Store, StudyReader, is_db_file};

use super::out::outln;

/// Combine shard databases (or whole study directories) into one. Runs are matched by their
/// key; of two copies the one that got further wins.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Output database, or a study directory (writes DIR/mlplab.db); created if needed.
    pub out: PathBuf,
    /// Input databases, or directories (each contributes its mlplab.shard-*.db and mlplab.db).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
}

fn expand(input: &Path, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !input.is_dir() {
        return Ok(vec![input.to_path_buf()]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(input)
        .with_context(|| format!("reading {}", input.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| is_db_file(&n.to_string_lossy()))
        })
        .filter(|p| std::fs::canonicalize(p).ok() != std::fs::canonicalize(out).ok())
        .collect();
    found.sort();
    Ok(found)
}

pub fn run(args: MergeArgs) -> anyhow::Result<()> {
    let out = if args.out.is_dir() || args.out.extension().is_none() {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
        args.out.join(DB_FILE)
    } else {
        args.out.clone()
    };
    let mut store = Store::open(&out)?;
    let mut inputs = Vec::new();
    for i in &args.inputs {
        inputs.extend(expand(i, &out)?);
    }
    anyhow::ensure!(
        !inputs.is_empty(),
        "no input databases ({DB_FILE}, {SHARD_DB_PATTERN}) found in {:?}",
        args.inputs
    );
    for input in inputs {
        let s = store.merge_from(&input)?;
        outln!(
            "{}: {} added, {} replaced, {} kept",
            input.display(),
            s.added,
            s.replaced,
            s.kept
        )?;
    }
    drop(store);
    let runs = StudyReader::open(&out)?.runs()?;
    let done = runs
        .iter()
        .filter(|r| r.status == mlplab::store::Status::Done)
        .count();
    outln!("{}: {} runs, {done} done", out.display(), runs.len())?;
    Ok(())
}
