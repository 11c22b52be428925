//! `mlplab completions SHELL`: the shell's completion script for every sub-command and flag,
//! on standard output (clap_complete).

use std::path::PathBuf;

use clap::CommandFactory;

use super::Cli;
use super::out::write_bytes;

/// Print a completion script: `mlplab completions bash > ~/.local/share/bash-completion/completions/mlplab`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    // Into memory first: clap_complete panics on a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mlplab", &mut script);
    write_bytes(&script)
}

/// Write the manual page: `mlplab man > mlplab.1`, or one page per command with --dir.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write mlplab.1 and one mlplab-COMMAND.1 per sub-command into this folder instead of
    /// printing mlplab.1 (e.g. --dir ~/.local/share/man/man1).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn man(args: ManArgs) -> anyhow::Result<()> {
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("--dir {}: cannot create it: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
                anyhow::anyhow!("--dir {}: cannot write the pages: {e}", dir.display())
            })?;
            eprintln!(
                "wrote the manual pages into {0}: read one with `man -l {0}/mlplab.1`",
                dir.display()
            );
            Ok(())
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| anyhow::anyhow!("rendering the manual page: {e}"))?;
            write_bytes(&page)
        }
    }
}
