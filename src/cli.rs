//! The clap definition of the whole command line, and what can be learnt from it about a run: the
//! environment variables a typed flag overrode ([`shadowed_env`]), and the variable behind a value
//! clap refused ([`variable_behind`], [`variable_not_utf8`]). Each subcommand's flags live beside
//! its `run` in `cmd/<name>.rs`; `generate` renders completions, man pages and help from
//! [`command`], the whole tree, while a run parses with [`parsing_command`], which builds only
//! the part it reaches.

use std::cell::Cell;
use std::ffi::OsString;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

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
    Sign(Deferred<cmd::sign::Args>),
    Verify(Deferred<cmd::verify::Args>),
    IpCheck(Deferred<cmd::ip_check::Args>),
    Allowlist(Deferred<cmd::allowlist::Args>),
    Audit(Deferred<cmd::audit::Args>),
    Seen(Deferred<cmd::seen::Args>),
    Callback(Deferred<cmd::callback::Args>),
    Guard(Deferred<cmd::guard::Args>),
    Keys(Deferred<cmd::keys::Args>),
    Completions(Deferred<cmd::completions::Args>),
}

/// A command's flags, added to the tree only when that command runs, or when [`command`] asks for
/// the whole tree. Building every command's flags is most of a short run's start-up (a `sign`),
/// and a run needs only its own command's.
#[derive(Debug)]
pub struct Deferred<T>(pub T);

thread_local! {
    /// Set while [`command`] builds the whole tree, for help listings, completions and man pages:
    /// they show every command's flags and about line, which a deferred command has not yet.
    static WHOLE_TREE: Cell<bool> = const { Cell::new(false) };
}

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        if WHOLE_TREE.get() {
            T::augment_args(cmd)
        } else {
            cmd.defer(|cmd| T::augment_args(cmd))
        }
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        if WHOLE_TREE.get() {
            T::augment_args_for_update(cmd)
        } else {
            cmd.defer(|cmd| T::augment_args_for_update(cmd))
        }
    }
}

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

/// The whole clap command, every command's flags included: for help listings, completions, man
/// pages and tests.
pub fn command() -> clap::Command {
    WHOLE_TREE.set(true);
    let whole = Cli::command();
    WHOLE_TREE.set(false);
    whole
}

/// The clap command for parsing a run: a command's flags are added when the parser reaches it.
/// Help is rendered from [`command`] instead, since a listing of the commands needs every one.
pub fn parsing_command() -> clap::Command {
    Cli::command()
}

/// The `--color` choice typed on the command line, for what clap renders itself (help): clap
/// renders it while parsing, before the parsed `--color` exists. The last one typed counts, and
/// nothing after `--` is an option; a misspelt value is clap's usage error a moment later.
pub fn typed_color(args: &[OsString]) -> clap::ColorChoice {
    let mut typed = None;
    let mut words = args.iter().skip(1).map(|arg| arg.to_str());
    while let Some(word) = words.next() {
        match word {
            Some("--") => break,
            Some("--color") => typed = words.next().flatten(),
            Some(word) if word.starts_with("--color=") => typed = word.get("--color=".len()..),
            _ => {}
        }
    }
    match typed.and_then(|value| ColorChoice::from_str(value, false).ok()) {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        Some(ColorChoice::Auto) | None => clap::ColorChoice::Auto,
    }
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

/// The whole command tree's commands named on the command line: `smile-sec`, then each
/// subcommand as typed, found under the one before.
pub fn typed_commands() -> Vec<clap::Command> {
    let mut chain = vec![command()];
    for arg in std::env::args_os().skip(1) {
        let sub = arg
            .to_str()
            .and_then(|arg| chain.last().and_then(|c| c.find_subcommand(arg)))
            .cloned();
        chain.extend(sub);
    }
    chain
}

/// The variable a usage error is about, when the value clap refused came from the environment
/// rather than the command line: its name and the flag it stands for. (clap names the flag, which
/// the user never typed.)
pub fn variable_behind(err: &clap::Error) -> Option<(String, String)> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
    let flag = format!("--{long}");
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args
        .iter()
        .any(|a| *a == flag || a.starts_with(&format!("{flag}=")))
    {
        return None;
    }
    // The command that ran's own flags before those of the commands above it.
    let variable = typed_commands().iter().rev().find_map(|c| {
        c.get_arguments()
            .find(|a| a.get_long() == Some(long))
            .and_then(|a| a.get_env())
            .map(|v| v.to_string_lossy().into_owned())
    })?;
    std::env::var_os(&variable)
        .is_some()
        .then_some((variable, flag))
}

/// For clap's "invalid UTF-8" error, which names nothing: the variable of the command that ran
/// whose value is not UTF-8, when every argument typed is.
pub fn variable_not_utf8() -> Option<String> {
    if std::env::args_os().any(|a| a.to_str().is_none()) {
        return None;
    }
    typed_commands().iter().find_map(|c| {
        c.get_arguments()
            .filter_map(|a| a.get_env())
            .find(|name| std::env::var_os(name).is_some_and(|v| v.to_str().is_none()))
            .map(|name| name.to_string_lossy().into_owned())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_valid() {
        super::command().debug_assert();
    }
}
