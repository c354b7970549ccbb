//! Shell completion scripts and man pages, rendered from the clap definition only.
//!
//! The committed `completions/` and `man/` are exactly what these functions return for
//! [`crate::cli::command`]; `tests/cli/generated.rs` regenerates them and fails on any difference
//! (`SMILE_SEC_REGENERATE=1` rewrites them). Printing is left to `cmd::completions`.

use std::collections::BTreeMap;

use clap::Command;
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli;

/// The binary's name, as completions register it and man pages title it.
pub const BIN_NAME: &str = "smile-sec";

/// Every shell `smile-sec completions` supports, in the order the files are listed.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// One generated file: its path relative to the repository root, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// The committed file name of a shell's completion script, the name each shell looks for.
pub fn completion_file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "smile-sec.bash",
        Shell::Zsh => "_smile-sec",
        Shell::Fish => "smile-sec.fish",
        Shell::PowerShell => "_smile-sec.ps1",
        Shell::Elvish => "smile-sec.elv",
        // `Shell` is non-exhaustive; a new clap_complete shell gets a name in its own style.
        _ => "smile-sec.completion",
    }
}

/// The completion script for `shell`, for the real command line.
pub fn completions(shell: Shell) -> String {
    completions_for(cli::command(), shell)
}

/// The completion script for `shell`, for any command (tests render from modified ones).
pub fn completions_for(mut cmd: Command, shell: Shell) -> String {
    cmd.build();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN_NAME, &mut out);
    // clap_complete writes only UTF-8 built from UTF-8 help text.
    let script = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => fix_bash_hyphenated_bin_name(&script),
        Shell::Fish => {
            add_fish_positional_choices(&cmd, fix_fish_global_option_values(&cmd, script))
        }
        _ => script,
    }
}

/// clap_complete's fish script completes options and subcommands but not positional arguments,
/// so `smile-sec completions <TAB>` would offer files instead of the shells. Add one line per
/// positional with fixed choices, in the script's own condition style (subcommands one and two
/// levels down). `tests/cli/shells.rs` checks the result in a real fish.
fn add_fish_positional_choices(cmd: &Command, mut script: String) -> String {
    let using = format!("__fish_{}_using_subcommand", BIN_NAME.replace('-', "_"));
    if !script.contains(&format!("function {using}")) {
        return script;
    }
    let mut lines = Vec::new();
    for sub in visible_subcommands(cmd) {
        let condition = format!("{using} {}", sub.get_name());
        fish_choice_lines(sub, &condition, &mut lines);
        for nested in visible_subcommands(sub) {
            let condition = format!(
                "{using} {}; and __fish_seen_subcommand_from {}",
                sub.get_name(),
                nested.get_name()
            );
            fish_choice_lines(nested, &condition, &mut lines);
        }
    }
    for line in lines {
        script.push_str(&line);
        script.push('\n');
    }
    script
}

fn fish_choice_lines(cmd: &Command, condition: &str, lines: &mut Vec<String>) {
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_owned())
            .collect();
        if !values.is_empty() {
            lines.push(format!(
                "complete -c {BIN_NAME} -n \"{condition}\" -f -a \"{}\"",
                values.join(" ")
            ));
        }
    }
}

/// clap_complete's fish script decides whether a command has been typed by parsing the words
/// before the cursor with the global options' specs; `smile-sec --color <TAB>` fails that parse
/// (the option lacks its value), so no completion applies and fish offers files. When the last
/// word is a global option that takes a value, parse the words before it instead: no command yet,
/// and the option's own values complete. `tests/cli/shells.rs` checks the result in a real fish.
fn fix_fish_global_option_values(cmd: &Command, script: String) -> String {
    let fish_name = BIN_NAME.replace('-', "_");
    let options: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long())
        .map(|long| format!("--{long}"))
        .collect();
    let argparse = format!("argparse -s (__fish_{fish_name}_global_optspecs) --");
    let parse = format!("    {argparse} $cmd 2>/dev/null\n    or return\n");
    if options.is_empty() || !script.contains(&parse) {
        return script;
    }
    let fixed = format!(
        "    {argparse} $cmd 2>/dev/null\n    \
         or begin\n        \
         # A global option waiting for its value: no command yet.\n        \
         contains -- $cmd[-1] {}\n        \
         and {argparse} $cmd[1..-2] 2>/dev/null\n    \
         end\n    \
         or return\n",
        options.join(" ")
    );
    script.replacen(&parse, &fixed, 1)
}

/// clap_complete's bash script names its state `smile__sec__subcmd__verify` in the loop that
/// reads the words, but labels the `case` arms `smile__subcmd__sec__subcmd__verify`: for a bin
/// name with a hyphen no arm matches, and nothing after a subcommand completes (clap-rs/clap#6421,
/// open). Spell the arms as the loop does; once clap_complete is fixed this changes nothing.
/// `tests/cli/shells.rs` checks the result in a real bash.
fn fix_bash_hyphenated_bin_name(script: &str) -> String {
    let broken = BIN_NAME.replace('-', "__subcmd__");
    let loop_spelling = BIN_NAME.replace('-', "__");
    script.replace(&broken, &loop_spelling)
}

/// Every man page for the real command line: `smile-sec.1`, then one per (nested) subcommand.
pub fn man_pages() -> Vec<GeneratedFile> {
    man_pages_for(cli::command())
}

/// Every man page for any command, walking its whole subcommand tree.
pub fn man_pages_for(cmd: Command) -> Vec<GeneratedFile> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(&cmd, None, &mut pages);
    pages
}

/// Everything committed: the completion scripts, then the man pages.
pub fn all_files() -> Vec<GeneratedFile> {
    all_files_for(cli::command())
}

/// Everything committed, for any command.
pub fn all_files_for(cmd: Command) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = SHELLS
        .iter()
        .map(|&shell| GeneratedFile {
            path: format!("completions/{}", completion_file_name(shell)),
            contents: completions_for(cmd.clone(), shell).into_bytes(),
        })
        .collect();
    files.extend(man_pages_for(cmd).into_iter().map(|page| GeneratedFile {
        path: format!("man/{}", page.path),
        ..page
    }));
    files
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

fn page_name(cmd: &Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

fn walk(cmd: &Command, parent: Option<&str>, pages: &mut Vec<GeneratedFile>) {
    let name = page_name(cmd).to_owned();
    let env = environment(cmd);
    pages.push(GeneratedFile {
        path: format!("{name}.1"),
        contents: man_page(cmd, parent, &env).into_bytes(),
    });
    for sub in visible_subcommands(cmd) {
        walk(sub, Some(&name), pages);
    }
}

/// One page: clap_mangen's NAME, SYNOPSIS, DESCRIPTION, OPTIONS and SUBCOMMANDS, then our own
/// EXIT STATUS, ENVIRONMENT, FILES, NOTES, EXAMPLES and SEE ALSO (man-pages(7) order).
fn man_page(cmd: &Command, parent: Option<&str>, env: &[EnvVar]) -> String {
    // The footer names the tool and its version, not the subcommand ("verify 0.1.0").
    let version = cmd.get_version().unwrap_or_default();
    let man = Man::new(cmd.clone()).source(format!("{BIN_NAME} {version}"));
    // Each clap_mangen section starts with the same apostrophe preamble; keep only the first.
    let preamble = Roff::new().render();
    let mut page = String::new();
    let mut section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        // Rendering into a Vec cannot fail.
        let _ = render(&mut buf);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let body = match text.strip_prefix(&preamble) {
            Some(body) if !page.is_empty() => body.to_owned(),
            _ => text,
        };
        page.push_str(&body);
    };
    section(&|w| man.render_title(w));
    section(&|w| man.render_name_section(w));
    section(&|w| man.render_synopsis_section(w));
    section(&|w| man.render_description_section(w));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        section(&|w| man.render_options_section(w));
    }
    if visible_subcommands(cmd).next().is_some() {
        section(&|w| man.render_subcommands_section(w));
    }

    let mut roff = Roff::new();
    exit_status(&mut roff);
    environment_section(&mut roff, env, reads_key_files(cmd));
    if reads_key_files(cmd) {
        files_section(&mut roff);
    }
    let (notes, examples) = after_help(cmd);
    if !notes.is_empty() {
        roff.control("SH", ["NOTES"]);
        for note in notes {
            roff.control("PP", []);
            roff.text([roman(note.text)]);
            for (term, meaning) in note.items {
                roff.control("TP", []);
                roff.text([bold(term)]);
                roff.text([roman(meaning)]);
            }
        }
    }
    examples_section(&mut roff, cmd, examples);
    see_also(&mut roff, cmd, parent);
    page.push_str(&roff.to_roff());
    ascii_only(&page)
}

/// groff reads its input as Latin-1 unless told otherwise (`-k`, preconv), so every non-ASCII
/// character of the help text becomes an escape. Common ones get the named characters every
/// output device has (man under LANG=C renders with -Tascii, which has no glyph for `\[u2016]`);
/// the rest are written `\[uXXXX]`, as preconv would.
fn ascii_only(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        let named = match c {
            '\u{2212}' => "\\-",   // − minus
            '\u{2016}' => "||",    // ‖ concatenation
            '\u{2192}' => "\\(->", // →
            '\u{2190}' => "\\(<-", // ←
            '\u{2014}' => "\\(em", // —
            '\u{2013}' => "\\(en", // –
            '\u{2026}' => "...",   // …
            '\u{201C}' => "\\(lq", // “
            '\u{201D}' => "\\(rq", // ”
            '\u{2018}' => "\\(oq", // ‘
            '\u{2019}' => "\\(cq", // ’
            '\u{00D7}' => "\\(mu", // ×
            '\u{2264}' => "\\(<=", // ≤
            '\u{2265}' => "\\(>=", // ≥
            '\u{2022}' => "\\(bu", // •
            '\u{00A0}' => "\\ ",   // no-break space
            _ => "",
        };
        if c.is_ascii() {
            out.push(c);
        } else if !named.is_empty() {
            out.push_str(named);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        (
            "0",
            "Every check passed (or the command did what it was asked).",
        ),
        (
            "1",
            "A check failed: a bad or stale signature, an address not on the allowlist, a key over its age.",
        ),
        (
            "2",
            "Usage error, or input that could not be read or understood. In a batch the worst status \
             wins: 2 over 1 over 0.",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
}

/// An environment variable the tool reads, and what for.
#[derive(Debug, Clone)]
struct EnvVar {
    name: String,
    about: String,
}

/// Which commands read a variable: those that take the flag it stands beside, or named ones.
#[derive(Debug, Clone, Copy)]
enum ReadBy {
    /// Every command with an argument of this id (the variable is that flag's default, or the
    /// next source after it).
    Arg(&'static str),
    /// These commands, by page name without the `smile-sec-` prefix (`callback-send`).
    Commands(&'static [&'static str]),
}

/// The commands that open a replay store, by page name.
const STORE_COMMANDS: &[&str] = &[
    "verify",
    "guard",
    "seen-stats",
    "seen-prune",
    "seen-import",
    "seen-export",
];

/// Variables read outside clap, or whose meaning needs more than the flag's help, and who reads
/// them. A page lists a variable when its command, or one of its subcommands, reads it; so
/// `smile-sec(1)` lists every one.
const KNOWN_ENV: &[(&str, &str, ReadBy)] = &[
    (
        "SMILE_PARTNER_ID",
        "The Smile ID partner ID, when --partner-id is not given. Used byte for byte.",
        ReadBy::Arg("partner_id"),
    ),
    (
        "SMILE_API_KEY",
        "The API key, used verbatim, when neither --api-key-file nor --keys is given; before \
         SMILE_SEC_KEYS and ./smile-keys.json. It is never printed.",
        ReadBy::Arg("api_key_file"),
    ),
    (
        "SMILE_SEC_KEYS",
        "The key file, when --keys is not given (before ./smile-keys.json).",
        ReadBy::Arg("keys"),
    ),
    (
        "SMILE_SEC_NOW",
        "Take this RFC 3339 time as now, when --now is not given; makes runs reproducible.",
        ReadBy::Arg("now"),
    ),
    (
        "SMILE_SEC_REDIS_PASSWORD",
        "The password of a redis:// or rediss:// replay store whose URL has none: a URL on the \
         command line is visible to every user of the machine. A password in the URL wins.",
        ReadBy::Commands(STORE_COMMANDS),
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "The certificate authorities a rediss:// replay store's certificate is checked against, \
         in place of the system's (a PEM file; a folder of them).",
        ReadBy::Commands(STORE_COMMANDS),
    ),
    (
        "GITHUB_STEP_SUMMARY",
        "When it names a file (GitHub Actions sets it), audit and verify append a Markdown summary of what failed to it.",
        ReadBy::Commands(&["audit", "verify"]),
    ),
    (
        "ALL_PROXY, HTTPS_PROXY, HTTP_PROXY, NO_PROXY",
        "The first of ALL_PROXY, HTTPS_PROXY and HTTP_PROXY that is set (also in lower case) names \
         the HTTP proxy for every request; NO_PROXY lists hosts reached directly.",
        ReadBy::Commands(&["callback-send", "callback-probe", "allowlist-fetch"]),
    ),
    (
        "NO_COLOR",
        "When set and not empty, --color auto does not colour (no-color.org).",
        ReadBy::Arg("color"),
    ),
    (
        "CLICOLOR_FORCE",
        "When set, not empty and not 0, --color auto colours even when stdout is not a terminal.",
        ReadBy::Arg("color"),
    ),
];

/// `cmd` and every command below it.
fn subtree(cmd: &Command) -> Vec<&Command> {
    let mut all = vec![cmd];
    let mut i = 0;
    while i < all.len() {
        all.extend(all[i].get_subcommands());
        i += 1;
    }
    all
}

fn reads(cmd: &Command, read_by: ReadBy) -> bool {
    subtree(cmd).into_iter().any(|c| match read_by {
        ReadBy::Arg(id) => c.get_arguments().any(|a| a.get_id() == id),
        ReadBy::Commands(names) => names
            .iter()
            .any(|n| page_name(c) == format!("{BIN_NAME}-{n}")),
    })
}

/// Whether the command (or one below it) reads a key file, whose entries may name variables.
fn reads_key_files(cmd: &Command) -> bool {
    reads(cmd, ReadBy::Arg("keys"))
}

/// The variables `cmd` and its subcommands read: the known ones that apply, plus every
/// `env = ...` declared on their arguments, so a flag added later is documented without touching
/// this file.
fn environment(cmd: &Command) -> Vec<EnvVar> {
    let mut declared: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    collect_env(cmd, &mut declared);
    let mut vars: Vec<EnvVar> = KNOWN_ENV
        .iter()
        .filter(|(name, _, read_by)| reads(cmd, *read_by) || declared.contains_key(*name))
        .map(|(name, about, _)| EnvVar {
            name: (*name).to_owned(),
            about: (*about).to_owned(),
        })
        .collect();
    for (name, (help, flags)) in declared {
        if KNOWN_ENV.iter().any(|(known, _, _)| *known == name) {
            continue;
        }
        let help = help.trim_end_matches('.');
        vars.push(EnvVar {
            about: format!("Default for {}: {help}.", flags.join(", ")),
            name,
        });
    }
    vars
}

fn collect_env(cmd: &Command, out: &mut BTreeMap<String, (String, Vec<String>)>) {
    for arg in cmd.get_arguments() {
        let Some(name) = arg.get_env() else { continue };
        let name = name.to_string_lossy().into_owned();
        let flag = match arg.get_long() {
            Some(long) => format!("--{long}"),
            None => arg.get_id().to_string(),
        };
        let help = arg
            .get_help()
            .map(|h| h.to_string())
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        let entry = out.entry(name).or_insert_with(|| (help, Vec::new()));
        if !entry.1.contains(&flag) {
            entry.1.push(flag);
        }
    }
    for sub in cmd.get_subcommands() {
        collect_env(sub, out);
    }
}

fn environment_section(roff: &mut Roff, vars: &[EnvVar], key_files: bool) {
    roff.control("SH", ["ENVIRONMENT"]);
    for var in vars {
        roff.control("TP", []);
        roff.text([bold(&var.name)]);
        roff.text([roman(&var.about)]);
    }
    if key_files {
        roff.control("PP", []);
        roff.text([roman(
            "A key-file entry's api_key_env names one more variable to read: the one holding that entry's API key.",
        )]);
    }
    if vars.is_empty() && !key_files {
        roff.control("PP", []);
        roff.text([roman("This command reads no environment variable.")]);
    }
}

fn files_section(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    roff.control("TP", []);
    roff.text([bold("./smile-keys.json")]);
    roff.text([roman(
        "The key file, read when neither --keys nor SMILE_SEC_KEYS names one and it exists. A JSON \
         object: an optional \"policy\" {\"max_age_days\": 90, \"warn_days\": 14}, \
         which may hold per-environment overrides (\"production\": {\"max_age_days\": 60}), and a list \"keys\". \
         Each entry has a unique \"id\", a \"partner_id\" string, an \"environment\" (production or \
         sandbox), a non-empty list of \"integrations\", \"created\" (YYYY-MM-DD or RFC 3339), \
         \"status\" (active or retired; a retired key also needs \"retired\", the date it was rotated \
         out), at most one secret (\"api_key_env\" naming a variable, \
         \"api_key_file\" relative to the key file's folder, or an inline \"api_key\", discouraged), \
         and optional \"owner\" and \"mutes\". An unknown field is an error that names it.",
    )]);
}

/// One paragraph of a command's notes, and the list it introduces: a line ending in `:`
/// followed by indented `term  meaning` lines (reason codes, verdicts, findings) becomes a
/// tagged list in the man page rather than one run-on paragraph.
#[derive(Debug, Default, PartialEq, Eq)]
struct Note {
    text: String,
    items: Vec<(String, String)>,
}

fn push_words(to: &mut String, words: &str) {
    if !to.is_empty() {
        to.push(' ');
    }
    to.push_str(words);
}

/// Splits a command's `after_long_help` into notes and the lines after `Examples:`.
fn after_help(cmd: &Command) -> (Vec<Note>, Vec<String>) {
    let Some(text) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) else {
        return (Vec::new(), Vec::new());
    };
    let text = text.to_string();
    let mut notes = Vec::new();
    let mut note = Note::default();
    let mut examples: Option<Vec<String>> = None;
    for line in text.lines() {
        if let Some(examples) = examples.as_mut() {
            examples.push(line.to_owned());
            continue;
        }
        let trimmed = line.trim();
        if trimmed.eq_ignore_ascii_case("examples:") {
            examples = Some(Vec::new());
        } else if trimmed.is_empty() {
            if note != Note::default() {
                notes.push(std::mem::take(&mut note));
            }
        } else if line.starts_with(char::is_whitespace) && note.text.ends_with(':') {
            // A list line: `term  meaning`; a line without the double space continues the last.
            match trimmed.split_once("  ") {
                Some((term, meaning)) if !term.contains(' ') => {
                    note.items
                        .push((term.to_owned(), meaning.trim().to_owned()));
                }
                _ => match note.items.last_mut() {
                    Some((_, meaning)) => push_words(meaning, trimmed),
                    None => push_words(&mut note.text, trimmed),
                },
            }
        } else if let Some((_, meaning)) = note.items.last_mut() {
            push_words(meaning, trimmed);
        } else {
            push_words(&mut note.text, trimmed);
        }
    }
    if note != Note::default() {
        notes.push(note);
    }
    (notes, dedent(examples.unwrap_or_default()))
}

/// Removes the indentation all non-blank lines share, and blank lines at either end.
fn dedent(lines: Vec<String>) -> Vec<String> {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end().to_owned())
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out
}

/// EXAMPLES from the command's own help; a command without any borrows its subcommands' first
/// examples, and a leaf without any points at `--help`, so every page has the section.
fn examples_section(roff: &mut Roff, cmd: &Command, examples: Vec<String>) {
    let mut examples = examples;
    if examples.is_empty() {
        examples = visible_subcommands(cmd)
            .filter_map(|sub| after_help(sub).1.into_iter().find(|l| !l.is_empty()))
            .collect();
    }
    if examples.is_empty() {
        let invocation = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
        examples.push(format!("{invocation} --help"));
    }
    roff.control("SH", ["EXAMPLES"]);
    roff.control("RS", ["4"]);
    roff.control("nf", []);
    for line in examples {
        if line.is_empty() {
            roff.text([roman("")]);
        } else {
            roff.text([roman(line)]);
        }
    }
    roff.control("fi", []);
    roff.control("RE", []);
}

fn see_also(roff: &mut Roff, cmd: &Command, parent: Option<&str>) {
    let mut names: Vec<&str> = Vec::new();
    if let Some(parent) = parent {
        if parent != BIN_NAME {
            names.push(BIN_NAME);
        }
        names.push(parent);
    }
    names.extend(visible_subcommands(cmd).map(page_name));
    if names.is_empty() {
        return;
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut line = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(*name));
        line.push(roman("(1)"));
    }
    roff.text(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fix replaces a passage of clap_complete's script: should a new clap_complete write it
    /// otherwise, this fails here, where fish need not be installed.
    #[test]
    fn the_fish_script_completes_global_option_values_before_a_command() {
        let script = completions(Shell::Fish);
        assert!(
            script.contains("contains -- $cmd[-1] --color\n"),
            "the fish fix found nothing to replace:\n{script}"
        );
    }

    #[test]
    fn every_subcommand_gets_a_page() {
        let pages = man_pages();
        let names: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(names.first(), Some(&"smile-sec.1"));
        for sub in visible_subcommands(&cli::command()) {
            let file = format!("smile-sec-{}.1", sub.get_name());
            assert!(names.contains(&file.as_str()), "{file} missing: {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }

    #[test]
    fn nested_subcommands_get_their_own_page() {
        let cmd = Command::new(BIN_NAME).subcommand(
            Command::new("callback")
                .subcommand(Command::new("new").about("Print a signed callback"))
                .subcommand(Command::new("hidden").hide(true)),
        );
        let names: Vec<String> = man_pages_for(cmd).into_iter().map(|p| p.path).collect();
        assert_eq!(
            names,
            [
                "smile-sec.1",
                "smile-sec-callback.1",
                "smile-sec-callback-new.1"
            ]
        );
    }

    #[test]
    fn every_page_has_the_required_sections() {
        for page in man_pages() {
            let text = String::from_utf8(page.contents).unwrap();
            assert!(text.is_ascii(), "{}: groff reads Latin-1", page.path);
            for heading in [
                ".SH NAME",
                ".SH SYNOPSIS",
                ".SH \"EXIT STATUS\"",
                ".SH ENVIRONMENT",
                ".SH EXAMPLES",
            ] {
                assert!(text.contains(heading), "{} lacks {heading}", page.path);
            }
            if page.path == "smile-sec.1" {
                for var in KNOWN_ENV.iter().map(|(name, _, _)| name) {
                    assert!(text.contains(var), "{} lacks {var}", page.path);
                }
            }
            // The key file is a file a command reads only when it (or a subcommand) takes
            // --keys; `ip-check` or `seen` saying it reads one would be false.
            let reads_key_files = [
                "smile-sec.1",
                "smile-sec-sign.1",
                "smile-sec-verify.1",
                "smile-sec-audit.1",
                "smile-sec-guard.1",
                "smile-sec-callback.1",
                "smile-sec-callback-new.1",
                "smile-sec-callback-send.1",
                "smile-sec-callback-probe.1",
            ]
            .contains(&page.path.as_str());
            assert_eq!(
                text.contains(".SH FILES") && text.contains("smile\\-keys.json"),
                reads_key_files,
                "{}",
                page.path
            );
            assert_eq!(
                text.matches("ds Aq").count(),
                2,
                "{}: one preamble only",
                page.path
            );
        }
    }

    #[test]
    fn env_declared_on_a_later_flag_is_documented() {
        let cmd = cli::command().subcommand(
            Command::new("extra").arg(
                clap::Arg::new("token")
                    .long("token-file")
                    .env("SMILE_SEC_NEW_VAR")
                    .help("Read the token from FILE"),
            ),
        );
        for page in man_pages_for(cmd) {
            let text = String::from_utf8(page.contents).unwrap();
            let documented = text.contains("SMILE_SEC_NEW_VAR")
                && text.contains("Default for \\-\\-token\\-file");
            // The page of the command that reads it, and the overview that lists every one.
            let reader = ["smile-sec.1", "smile-sec-extra.1"].contains(&page.path.as_str());
            assert_eq!(documented, reader, "{}", page.path);
        }
    }

    #[test]
    fn examples_come_from_after_long_help() {
        let (notes, examples) = after_help(
            &Command::new("x")
                .after_long_help("A note\nspanning lines.\n\nExamples:\n  x --a\n    continued\n"),
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].text, "A note spanning lines.");
        assert!(notes[0].items.is_empty());
        assert_eq!(examples, ["x --a", "  continued"]);
    }

    #[test]
    fn an_indented_list_after_a_colon_becomes_tagged_items() {
        let (notes, _) = after_help(&Command::new("x").after_long_help(
            "Reason codes (exit 1):\n  ok             it passed\n  bad_signature  no key signed it,\n                 or it was altered\n\nLast words.\n",
        ));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(notes[0].text, "Reason codes (exit 1):");
        assert_eq!(
            notes[0].items,
            [
                ("ok".to_owned(), "it passed".to_owned()),
                (
                    "bad_signature".to_owned(),
                    "no key signed it, or it was altered".to_owned()
                )
            ]
        );
        assert_eq!(notes[1].text, "Last words.");
    }

    #[test]
    fn completion_scripts_are_named_for_their_shells() {
        let names: Vec<&str> = SHELLS.iter().map(|&s| completion_file_name(s)).collect();
        assert_eq!(
            names,
            [
                "smile-sec.bash",
                "_smile-sec",
                "smile-sec.fish",
                "_smile-sec.ps1",
                "smile-sec.elv"
            ]
        );
    }
}
