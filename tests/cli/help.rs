//! A run builds only its own command's flags; help must not show that. Every help the binary
//! prints is the one clap renders from the whole command tree, and every listing names each
//! command with its about line.

use crate::common::smile_sec;

/// The whole tree, built as the binary's (bin names included), with colours off.
fn whole_tree() -> clap::Command {
    let mut cmd = smile_sec::cli::command().color(clap::ColorChoice::Never);
    cmd.build();
    cmd
}

/// `--help` prints the long form where a command has long texts, else the short one, as clap
/// decides; either must be the whole tree's rendering.
fn assert_help(args: &[&str], cmd: &mut clap::Command) {
    let printed = stdout_of(args);
    let long = cmd.render_long_help().to_string();
    let short = cmd.render_help().to_string();
    assert!(
        printed == long || printed == short,
        "{args:?} printed:\n{printed}\nlong:\n{long}"
    );
}

fn stdout_of(args: &[&str]) -> String {
    let out = smile_sec()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn top_level_help_is_the_whole_trees() {
    let mut whole = whole_tree();
    let long = whole.render_long_help().to_string();
    let short = whole.render_help().to_string();
    assert_eq!(stdout_of(&["--help"]), long);
    assert_eq!(stdout_of(&["help"]), long);
    assert_eq!(stdout_of(&["-h"]), short);
    // Each command is listed with the first line of its about text.
    for sub in whole.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        assert!(!about.is_empty(), "{} has no about line", sub.get_name());
        let first_words: String = about
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let listed = short.lines().any(|line| {
            line.trim_start().starts_with(sub.get_name()) && line.contains(&first_words)
        });
        assert!(
            listed,
            "{} is not listed with {first_words:?}:\n{short}",
            sub.get_name()
        );
    }
}

#[test]
fn every_commands_help_is_the_whole_trees() {
    let mut whole = whole_tree();
    let names: Vec<String> = whole
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_owned())
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let sub = whole.find_subcommand_mut(name).unwrap();
        assert_help(&[name, "--help"], sub);
        assert_help(&["help", name], sub);
        let nested: Vec<String> = sub
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .map(|s| s.get_name().to_owned())
            .collect();
        for inner in nested {
            let inner_cmd = sub.find_subcommand_mut(&inner).unwrap();
            assert_help(&[name, &inner, "--help"], inner_cmd);
            assert_help(&["help", name, &inner], inner_cmd);
        }
    }
}

/// Every command that does something (the leaves of the tree) takes `--format` with at least
/// `text` and `json`, so a script can ask any of them for the same thing.
#[test]
fn every_command_takes_format_text_and_json() {
    fn leaves(cmd: &clap::Command, path: &str, found: &mut Vec<(String, clap::Command)>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            found.push((path.to_owned(), cmd.clone()));
        }
        for sub in subs {
            leaves(sub, &format!("{path} {}", sub.get_name()), found);
        }
    }
    let mut found = Vec::new();
    leaves(&whole_tree(), "smile-sec", &mut found);
    assert!(found.len() >= 12, "{:?}", found.iter().map(|f| &f.0));
    for (path, cmd) in &found {
        let format = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some("format"))
            .unwrap_or_else(|| panic!("{path} takes no --format"));
        let values: Vec<String> = format
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_owned())
            .collect();
        for wanted in ["text", "json"] {
            assert!(values.iter().any(|v| v == wanted), "{path}: {values:?}");
        }
        let default: Vec<_> = format.get_default_values().iter().collect();
        assert_eq!(default, ["text"], "{path}");
    }
}

/// `--color` rules help as it rules results, wherever it is typed and whatever the environment
/// says: help is styled when asked for through a pipe, and plain when refused with
/// `CLICOLOR_FORCE` set.
#[test]
fn color_flag_rules_help_too() {
    let help = |args: &[&str], forced: bool| {
        let mut command = smile_sec();
        command.args(args);
        if forced {
            command.env("CLICOLOR_FORCE", "1");
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        out.stdout.contains(&0x1b)
    };
    for args in [
        ["--color", "always", "verify", "--help"],
        ["verify", "--help", "--color", "always"],
    ] {
        assert!(help(&args, false), "{args:?} printed no style");
    }
    assert!(help(&["--color=always", "--help"], false));
    for args in [
        ["--color", "never", "verify", "--help"],
        ["verify", "--help", "--color", "never"],
    ] {
        assert!(!help(&args, true), "{args:?} printed styles");
    }
    // Without the flag, the environment decides, as it does for results.
    assert!(help(&["verify", "--help"], true));
    assert!(!help(&["verify", "--help"], false));
}
