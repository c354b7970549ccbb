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

    /// Output format: the key file pretty-printed (text), or on one line (json)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The key file, indented, ready to save and edit
    Text,
    /// The key file as one JSON object on one line
    Json,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        Sub::Template(template) => {
            let text = keyfile::template(template.clock.now().date_naive());
            let mut out = Printer::new();
            match template.format {
                Format::Text => out.raw(&text)?,
                Format::Json => {
                    let value: serde_json::Value = serde_json::from_str(&text)?;
                    out.json(&value)?;
                }
            }
            out.flush()?;
            Ok(Outcome::Pass)
        }
    }
}
