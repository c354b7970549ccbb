//! The `smile-sec` binary: parse, run, map the outcome to an exit code, print the error.

use std::process::ExitCode;

use clap::Parser;
use smile_sec::{cli::Cli, cmd, output};

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit 2 here, as clap does
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
