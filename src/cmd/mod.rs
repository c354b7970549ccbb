//! One module per subcommand: its flags (`Args`) and a `run` that wires domain logic to output.

// The flags' doc comments are their `--help` text, written for a terminal: `[/PATH]` and
// `<RequireAny>` there are words, not links or markup.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

pub mod allowlist;
pub mod args;
pub mod audit;
pub mod callback;
pub mod completions;
pub mod guard;
pub mod ip_check;
pub mod keys;
pub mod seen;
pub mod sign;
pub mod verify;

use crate::cli::Command;
use crate::outcome::Outcome;

/// Runs one subcommand. `Ok` carries the verdict; `Err` means the run could not decide (exit 2).
pub fn run(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Sign(crate::cli::Deferred(args)) => sign::run(args),
        Command::Verify(crate::cli::Deferred(args)) => verify::run(args),
        Command::IpCheck(crate::cli::Deferred(args)) => ip_check::run(args),
        Command::Allowlist(crate::cli::Deferred(args)) => allowlist::run(args),
        Command::Audit(crate::cli::Deferred(args)) => audit::run(args),
        Command::Seen(crate::cli::Deferred(args)) => seen::run(args),
        Command::Callback(crate::cli::Deferred(args)) => callback::run(args),
        Command::Guard(crate::cli::Deferred(args)) => guard::run(args),
        Command::Keys(crate::cli::Deferred(args)) => keys::run(args),
        Command::Completions(crate::cli::Deferred(args)) => completions::run(args),
    }
}
