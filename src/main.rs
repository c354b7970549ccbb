//! The `smile-sec` binary: parse, run, map the outcome to an exit code, print the error.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::FromArgMatches;
use smile_sec::{cli, cli::Cli, cmd, output};

fn main() -> ExitCode {
    // The contract promises exit 0, 1 or 2 and never a panic's 101. A panic is a bug in smile-sec:
    // say so in one line and exit 2 ("could not decide"); tests look for this line.
    // The hook writes directly: it may run while `output` holds its own lock.
    #[allow(clippy::print_stderr)]
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("smile-sec: error: internal error{at} (a bug; please report it)");
        std::process::exit(2);
    }));
    // Built once, and only the part this run uses: clap's command tree is most of a short run's
    // start-up.
    let args: Vec<OsString> = std::env::args_os().collect();
    let help_color = cli::typed_color(&args);
    let mut command = cli::parsing_command().color(help_color);
    let matches = match command.try_get_matches_from_mut(&args) {
        Ok(matches) => matches,
        Err(err) => return usage_error(&err, &args, help_color),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, &args, help_color),
    };
    output::configure_color(cli.global.color);
    for (variable, flag) in cli::shadowed_env(&command, &matches) {
        output::warn(format_args!(
            "{variable} is set but not used: {flag} given on the command line wins"
        ));
    }
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
fn usage_error(err: &clap::Error, args: &[OsString], help_color: clap::ColorChoice) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp => {
            // Help lists commands with their about lines, which the parsing tree has only for the
            // command that ran: the same arguments again on the whole tree give the same answer,
            // complete.
            let whole = cli::command()
                .color(help_color)
                .try_get_matches_from(args)
                .err();
            let shown = whole
                .as_ref()
                .filter(|e| e.kind() == err.kind())
                .unwrap_or(err);
            // A closed stdout has nothing left to be told.
            let _ = shown.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `smile-sec` or `smile-sec callback` alone: the contract's error line, not the whole
            // help on stderr.
            let (path, commands) = missing_command();
            output::fatal(&output::hinted(
                format!("`{path}` needs a command"),
                format!("one of {commands}; see `{path} --help`"),
            ));
            ExitCode::from(2)
        }
        _ => {
            if err.kind() == ErrorKind::InvalidUtf8
                && let Some(variable) = cli::variable_not_utf8()
            {
                output::fatal(&output::hinted(
                    format!("{variable} is not valid UTF-8"),
                    "unset it, or set it to text",
                ));
                return ExitCode::from(2);
            }
            let rendered = err.render().to_string();
            match cli::variable_behind(err) {
                Some((variable, flag))
                    if std::env::var_os(&variable).is_some_and(|v| v.is_empty()) =>
                {
                    output::fatal(&output::hinted(
                        format!("{variable} is set but empty"),
                        format!("unset it, or set it to what {flag} takes"),
                    ));
                }
                Some((variable, _)) => output::usage_error_about(&variable, &rendered),
                None => output::usage_error(&rendered),
            }
            ExitCode::from(2)
        }
    }
}

/// The command given on the command line that lacks its subcommand (`smile-sec callback`), and
/// the names of the subcommands it takes.
fn missing_command() -> (String, String) {
    let chain = cli::typed_commands();
    let path: Vec<&str> = chain.iter().map(clap::Command::get_name).collect();
    let command = chain.last().expect("the tree's root at least");
    let names: Vec<&str> = command
        .get_subcommands()
        .map(clap::Command::get_name)
        .filter(|&name| name != "help")
        .collect();
    (path.join(" "), names.join(", "))
}
