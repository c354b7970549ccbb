//! The clap definition of the whole command line, and nothing else. Each subcommand's flags live
//! beside its `run` in `cmd/<name>.rs`; completions and man pages are rendered from [`command`].

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::cmd;
use crate::output::ColorChoice;

/// Security toolkit for Smile ID integrators.
///
/// Signs API requests byte for byte as the official SDKs do, verifies saved callbacks (in constant
/// time, with freshness, key rotation, diagnosis and replay detection), checks callback sources
/// against Smile ID's published IP allowlist, and audits API keys against the 90-day rotation policy.
///
/// Exit status: 0 every check passed, 1 a check failed, 2 usage error or unreadable input.
#[derive(Debug, Parser)]
#[command(
    name = "smile-sec",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Sign(cmd::sign::Args),
    Verify(cmd::verify::Args),
    IpCheck(cmd::ip_check::Args),
    Allowlist(cmd::allowlist::Args),
    Audit(cmd::audit::Args),
    Seen(cmd::seen::Args),
    Callback(cmd::callback::Args),
    Guard(cmd::guard::Args),
    Keys(cmd::keys::Args),
    Completions(cmd::completions::Args),
}

/// The clap command, for completions, man pages and tests.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The variables set in the environment whose flag was given on the command line as well, as
/// (variable, `--flag`) pairs: the flag wins, and a variable that loses is worth a word, since it
/// may have been exported long ago and forgotten.
pub fn shadowed_env(command: &clap::Command, matches: &clap::ArgMatches) -> Vec<(String, String)> {
    let mut shadowed = Vec::new();
    for arg in command.get_arguments() {
        let (Some(variable), Some(long)) = (arg.get_env(), arg.get_long()) else {
            continue;
        };
        let given = matches
            .try_get_raw(arg.get_id().as_str())
            .is_ok_and(|raw| raw.is_some())
            && matches.value_source(arg.get_id().as_str())
                == Some(clap::parser::ValueSource::CommandLine);
        if given && std::env::var_os(variable).is_some() {
            shadowed.push((variable.to_string_lossy().into_owned(), format!("--{long}")));
        }
    }
    if let Some((name, sub)) = matches.subcommand()
        && let Some(sub_command) = command.find_subcommand(name)
    {
        shadowed.extend(shadowed_env(sub_command, sub));
    }
    shadowed
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_valid() {
        super::command().debug_assert();
    }
}
