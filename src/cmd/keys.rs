//! `smile-sec keys template`: a key file to start from. The template itself is `keyfile`'s.

use super::args::ClockArgs;
use crate::keys::keyfile;
use crate::outcome::Outcome;
use crate::output::Printer;

/// Work with key files
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    Template(TemplateArgs),
}

/// Print a key file to start from
///
/// Two entries (a production and a sandbox key for server-to-server calls), dated today, whose
/// values live in environment variables; each placeholder is explained in a "$comment" field, the
/// one field a key file may hold beyond its own. The output parses, passes `smile-sec audit`, and
/// follows the JSON Schema in the repository's schema/smile-keys.schema.json.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec keys template > smile-keys.json && chmod 600 smile-keys.json
  smile-sec audit --keys smile-keys.json")]
pub struct TemplateArgs {
    #[command(flatten)]
    pub clock: ClockArgs,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        Sub::Template(template) => {
            let mut out = Printer::new();
            out.raw(&keyfile::template(template.clock.now().date_naive()))?;
            out.flush()?;
            Ok(Outcome::Pass)
        }
    }
}
