//! `smile-sec completions`: prints a shell completion script. The script is
//! rendered by `generate`, the same code that wrote the committed files in `completions/`.

use clap_complete::Shell;
use serde::Serialize;

use crate::generate;
use crate::outcome::Outcome;
use crate::output::Printer;

/// Print a shell completion script
///
/// The script is generated from the command-line definition and is byte for byte the file in the
/// repository's completions/ folder. See docs/completions.md (or smile-sec(1)) for where each
/// shell looks.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec completions bash > ~/.local/share/bash-completion/completions/smile-sec
  smile-sec completions zsh > ~/.zfunc/_smile-sec
  smile-sec completions fish > ~/.config/fish/completions/smile-sec.fish
  smile-sec completions powershell >> $PROFILE
  smile-sec completions elvish > ~/.config/elvish/lib/smile-sec.elv")]
pub struct Args {
    /// The shell to print the script for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,

    /// Output format: the script itself, or one JSON object holding it
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The script, ready to source
    Text,
    /// {"type":"completions","shell":...,"file_name":...,"script":...}
    Json,
}

#[derive(Serialize)]
struct Script<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    shell: String,
    file_name: &'a str,
    script: &'a str,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let script = generate::completions(args.shell);
    let mut out = Printer::new();
    match args.format {
        Format::Text => out.raw(&script)?,
        Format::Json => out.json(&Script {
            kind: "completions",
            shell: args.shell.to_string(),
            file_name: generate::completion_file_name(args.shell),
            script: &script,
        })?,
    }
    out.flush()?;
    Ok(Outcome::Pass)
}
