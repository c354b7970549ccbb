//! One module per subcommand: its flags (`Args`) and a `run` that wires domain logic to output.

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
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::IpCheck(args) => ip_check::run(args),
        Command::Allowlist(args) => allowlist::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Seen(args) => seen::run(args),
        Command::Callback(args) => callback::run(args),
        Command::Guard(args) => guard::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Completions(args) => completions::run(args),
    }
}
