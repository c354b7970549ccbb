//! The `smile-sec` binary: parse, run, map the outcome to an exit code, print the error.

use std::process::ExitCode;

use clap::Parser;
use smile_sec::{cli::Cli, cmd, output};

fn main() -> ExitCode {
    // The contract promises exit 0, 1 or 2 and never a panic's 101. A panic is a bug in smile-sec:
    // say so in one line and exit 2 ("could not decide"); tests look for this line.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("smile-sec: error: internal error{at} (a bug; please report it)");
        std::process::exit(2);
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    output::configure_color(cli.global.color);
    match cmd::run(cli.command) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            output::fatal(&err);
            ExitCode::from(2)
        }
    }
}

/// Help and version go out as clap writes them; a usage error becomes the contract's one
/// `smile-sec: error:` line and a `hint:` line, with exit 2.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed stdout has nothing left to be told.
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::from(2)
        }
        _ => {
            output::usage_error(&err.render().to_string());
            ExitCode::from(2)
        }
    }
}
