//! `smile-sec audit` (not built yet).

use crate::outcome::Outcome;

/// Not available yet.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<Outcome> {
    anyhow::bail!("this command is not built yet")
}
