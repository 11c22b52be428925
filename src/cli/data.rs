//! `mlplab data`: list, fetch, verify and show datasets. Parses, calls `mlplab::data`, prints.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use mlplab::data::{self, Column, LoadOptions};

use super::out::{out, outln};

/// Options shared by every `mlplab data` sub-command.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    #[command(subcommand)]
    pub command: DataCommand,
    /// Folder looked at first: DIR/<name>/ for each dataset (e.g. DIR/mnist/train-images-idx3-ubyte.gz).
    #[arg(long, global = true, env = "MLPLAB_DATA", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Cache folder for downloads and decoded images [default: $XDG_CACHE_HOME/mlplab or ~/.cache/mlplab].
    #[arg(long, global = true, env = "MLPLAB_CACHE", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Never download (MNIST then comes from the embedded copy).
    #[arg(long, global = true, env = "MLPLAB_OFFLINE", value_parser = clap::builder::BoolishValueParser::new())]
    pub offline: bool,
    /// Download from this base URL instead of the publishers' mirrors (repeatable, tried in order).
    #[arg(long = "mirror", global = true, value_name = "URL")]
    pub mirrors: Vec<String>,
}

/// The `mlplab data` sub-commands.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Show where each known dataset is found, or why not.
    List,
    /// Download a dataset into the cache (verified), or check the copy already there.
    Fetch {
        /// mnist, fashion-mnist or cifar10.
        name: String,
    },
    /// Re-check every local copy against the published checksums.
    Verify {
        /// One dataset; default: all known datasets.
        name: Option<String>,
    },
    /// Load a dataset with the study's split and print its shape and class counts.
    Show {
        /// Any dataset name: mnist, spirals:seed=3, csv:FILE, npy:X.npy,Y.npy, images:DIR, ...
        name: String,
        /// CSV label column, by 0-based index or header name.
        #[arg(long)]
        label: Option<String>,
        /// A second name to read the test set from (user data).
        #[arg(long)]
        test: Option<String>,
        /// Use the whole training set for training (no CV), instead of the study's split.
        #[arg(long)]
        full: bool,
    },
}

fn options(args: &DataArgs) -> LoadOptions {
    let mut opts = LoadOptions {
        data_dir: args.data_dir.clone(),
        cache_dir: args.cache_dir.clone(),
        offline: args.offline,
        ..LoadOptions::default()
    };
    opts.download.progress = true;
    if !args.mirrors.is_empty() {
        opts.download.mirrors = Some(args.mirrors.clone());
    }
    opts
}

pub fn run(args: DataArgs) -> anyhow::Result<()> {
    let opts = options(&args);
    match args.command {
        DataCommand::List => {
            for name in data::KNOWN {
                out!("{}", data::locate(name, &opts)?)?;
            }
            outln!(
                "{}: generated from a seed (e.g. spirals:n=2000,seed=1)",
                data::SYNTHETIC.join(", ")
            )?;
            match data::cache_root(&opts) {
                Some(c) => outln!("cache folder: {}", c.display())?,
                None => outln!("cache folder: none (set --cache-dir, MLPLAB_CACHE or HOME)")?,
            }
        }
        DataCommand::Fetch { name } => {
            let fetched = data::fetch(&name, &opts).with_context(|| format!("fetching {name}"))?;
            out!("{fetched}")?;
        }
        DataCommand::Verify { name } => {
            let names: Vec<String> = match name {
                Some(n) => vec![n],
                None => data::KNOWN.iter().map(|s| s.to_string()).collect(),
            };
            let mut failed = 0;
            for name in &names {
                let checks = data::verify(name, &opts)?;
                if checks.is_empty() {
                    outln!("--    {name}: no local copy to verify")?;
                }
                for c in &checks {
                    outln!("{c}")?;
                    failed += usize::from(!c.ok);
                }
            }
            anyhow::ensure!(failed == 0, "{failed} check(s) failed");
        }
        DataCommand::Show {
            name,
            label,
            test,
            full,
        } => {
            let mut opts = opts;
            opts.csv.label = label.map(|l| l.parse::<Column>().unwrap_or(Column::Name(l)));
            opts.test = test;
            if full {
                opts.split = data::Split::Full { cv_size: None };
            }
            let s = data::load(&name, &opts).with_context(|| format!("loading {name}"))?;
            if let Some(note) = &s.note {
                eprintln!("mlplab: {note}");
            }
            outln!("{} (from {})", s.train.name, s.train.source)?;
            outln!(
                "features: {}{}",
                s.train.n_features,
                s.train
                    .image_shape
                    .map_or(String::new(), |[c, h, w]| format!(" (images {c}×{h}×{w})"))
            )?;
            outln!("classes: {}", s.train.class_names.join(", "))?;
            for (what, d) in [
                ("train", Some(&s.train)),
                ("cv", Some(&s.cv)),
                ("test", s.test.as_ref()),
            ] {
                match d {
                    Some(d) => outln!(
                        "{what}: {} examples, per class {:?}",
                        d.len(),
                        d.class_counts()
                    )?,
                    None => outln!("{what}: none")?,
                }
            }
        }
    }
    Ok(())
}
