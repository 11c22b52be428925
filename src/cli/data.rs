//! `mlplab data`: list, fetch, verify.

#[derive(Debug, clap::Args)]
pub struct DataArgs {}

pub fn run(_args: DataArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
