//! The committed completions/ and man/ must be exactly what the clap definition renders today.
//! On a difference: `SMILE_SEC_REGENERATE=1 cargo test --test cli generated::` rewrites them.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::tool;
use smile_sec::generate::{self, GeneratedFile};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every way the tree at `root` differs from `files`: stale or missing files, and man pages in
/// man/ that no command renders any more.
fn differences(root: &Path, files: &[GeneratedFile]) -> Vec<String> {
    let mut problems = Vec::new();
    for file in files {
        match fs::read(root.join(&file.path)) {
            Ok(committed) if committed == file.contents => {}
            Ok(committed) => {
                let line = first_different_line(&committed, &file.contents);
                problems.push(format!(
                    "stale:   {} (first difference at line {line})",
                    file.path
                ));
            }
            Err(_) => problems.push(format!("missing: {}", file.path)),
        }
    }
    let expected: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for dir in ["completions", "man"] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut extra: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
            .filter(|p| !expected.contains(p.as_str()))
            .collect();
        extra.sort();
        problems.extend(extra.into_iter().map(|p| format!("extra:   {p}")));
    }
    problems
}

fn first_different_line(a: &[u8], b: &[u8]) -> usize {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let mut la = a.lines();
    let mut lb = b.lines();
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (None, None) => return n,
            (x, y) if x != y => return n,
            _ => n += 1,
        }
    }
}

fn regenerate(root: &Path, files: &[GeneratedFile]) {
    for dir in ["completions", "man"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    for problem in differences(root, files) {
        if let Some(extra) = problem.strip_prefix("extra:   ") {
            fs::remove_file(root.join(extra)).unwrap();
        }
    }
    for file in files {
        fs::write(root.join(&file.path), &file.contents).unwrap();
    }
}

#[test]
fn committed_completions_and_man_pages_are_current() {
    let files = generate::all_files();
    if std::env::var_os("SMILE_SEC_REGENERATE").is_some_and(|v| v == "1") {
        regenerate(&root(), &files);
        eprintln!("rewrote {} files in completions/ and man/", files.len());
    }
    let problems = differences(&root(), &files);
    assert!(
        problems.is_empty(),
        "completions/ or man/ differ from the clap definition:\n  {}\n\
         Regenerate with: SMILE_SEC_REGENERATE=1 cargo test --test cli generated::",
        problems.join("\n  ")
    );
}

#[test]
fn a_changed_help_line_makes_the_committed_files_stale() {
    if std::env::var_os("SMILE_SEC_REGENERATE").is_some() {
        return; // the files are being rewritten by the test beside this one
    }
    // mut_subcommands and mut_args keep the order, so only the help text changes.
    let changed = smile_sec::cli::command().mut_subcommands(|sub| {
        if sub.get_name() != "verify" {
            return sub;
        }
        sub.mut_args(|arg| match arg.get_id().as_str() {
            "max_age" => arg.help("A help line that changed"),
            _ => arg,
        })
    });
    let problems = differences(&root(), &generate::all_files_for(changed));
    // bash's script carries no help text; every other script and verify's page must notice,
    // and nothing else may.
    assert_eq!(
        problems
            .iter()
            .map(|p| p.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        [
            "stale: completions/_smile-sec",
            "stale: completions/smile-sec.fish",
            "stale: completions/_smile-sec.ps1",
            "stale: completions/smile-sec.elv",
            "stale: man/smile-sec-verify.1",
        ]
    );
}

#[test]
fn a_removed_command_shows_as_an_extra_page() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate::all_files();
    regenerate(dir.path(), &files);
    assert!(differences(dir.path(), &files).is_empty());
    fs::write(dir.path().join("man/smile-sec-gone.1"), "old").unwrap();
    fs::remove_file(dir.path().join("completions/_smile-sec")).unwrap();
    assert_eq!(
        differences(dir.path(), &files),
        [
            "missing: completions/_smile-sec",
            "extra:   man/smile-sec-gone.1"
        ]
    );
}

#[test]
fn the_command_prints_the_committed_scripts() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = crate::common::smile_sec()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}: {output:?}");
        let name = match shell {
            "bash" => "smile-sec.bash",
            "zsh" => "_smile-sec",
            "fish" => "smile-sec.fish",
            "powershell" => "_smile-sec.ps1",
            _ => "smile-sec.elv",
        };
        let committed = fs::read(root().join("completions").join(name)).unwrap();
        assert!(output.stdout == committed, "{shell}: differs from {name}");
    }
}

#[test]
fn the_command_rejects_an_unknown_shell() {
    let out = crate::common::smile_sec()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    crate::common::assert_refused(&out, &["'tcsh'", "<SHELL>"]);
}

#[test]
fn json_format_holds_the_script() {
    let output = crate::common::smile_sec()
        .args(["completions", "fish", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["type"], "completions");
    assert_eq!(value["shell"], "fish");
    assert_eq!(value["file_name"], "smile-sec.fish");
    assert_eq!(
        value["script"].as_str().unwrap(),
        generate::completions(clap_complete::Shell::Fish)
    );
}

/// Every fixed choice (ValueEnum) of every flag is offered by the scripts that can offer choices.
#[test]
fn fixed_choices_appear_in_every_script() {
    let mut cmd = smile_sec::cli::command();
    cmd.build();
    let mut choices = Vec::new();
    collect_choices(&cmd, &mut choices);
    assert!(choices.iter().any(|(flag, _)| flag == "--format"));
    assert!(choices.iter().any(|(flag, _)| flag == "--color"));
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
        clap_complete::Shell::PowerShell,
        clap_complete::Shell::Elvish,
    ] {
        let script = generate::completions(shell);
        for (flag, value) in &choices {
            // PowerShell and Elvish complete flags only, not their values.
            if matches!(
                shell,
                clap_complete::Shell::PowerShell | clap_complete::Shell::Elvish
            ) {
                assert!(script.contains(flag.as_str()), "{shell}: {flag}");
            } else {
                assert!(script.contains(value.as_str()), "{shell}: {flag} {value}");
            }
        }
    }
}

fn collect_choices(cmd: &clap::Command, out: &mut Vec<(String, String)>) {
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let Some(long) = arg.get_long() else { continue };
        for value in arg.get_possible_values() {
            if !value.is_hide_set() && !matches!(value.get_name(), "true" | "false") {
                out.push((format!("--{long}"), value.get_name().to_owned()));
            }
        }
    }
    for sub in cmd.get_subcommands() {
        collect_choices(sub, out);
    }
}

/// Paths complete as paths: zsh's `_files` and fish's `-F` for every flag with a path hint.
#[test]
fn path_flags_complete_files() {
    let zsh = generate::completions(clap_complete::Shell::Zsh);
    let fish = generate::completions(clap_complete::Shell::Fish);
    for flag in ["keys", "api-key-file", "body"] {
        let zsh_line = zsh
            .lines()
            .find(|l| l.contains(&format!("'--{flag}=")))
            .unwrap_or_else(|| panic!("zsh: --{flag}"));
        assert!(zsh_line.contains("_files"), "{zsh_line}");
        let fish_line = fish
            .lines()
            .find(|l| l.contains(&format!(" -l {flag} ")))
            .unwrap_or_else(|| panic!("fish: --{flag}"));
        assert!(fish_line.contains(" -F"), "{fish_line}");
    }
}

/// Every page renders under groff's man macros without a single warning.
#[test]
fn man_pages_render_without_groff_warnings() {
    let Some(groff) = tool("groff") else { return };
    for page in generate::man_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(&page.path);
        fs::write(&path, &page.contents).unwrap();
        // The default device, and the two `man` picks for UTF-8 and C locales.
        for device in [None, Some("-Tutf8"), Some("-Tascii")] {
            let output = Command::new(&groff)
                .args(["-man", "-ww", "-z"])
                .args(device)
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                output.status.success() && output.stderr.is_empty(),
                "{} {device:?}: {}",
                page.path,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// Every environment variable the source reads is in the man pages' ENVIRONMENT section, so a
/// new one cannot go undocumented (test knobs of debug builds excepted, and kept out). "Reads" is found by line: a quoted UPPER_CASE name on a line
/// with `env::var`, `var_os(`, `env = ` (clap), `env_set(` or a `..._ENV: &str` constant.
#[test]
fn every_env_var_the_source_reads_is_documented() {
    let page = String::from_utf8(generate::man_pages().remove(0).contents).unwrap();
    let environment = page
        .split(".SH ENVIRONMENT")
        .nth(1)
        .and_then(|s| s.split(".SH ").next())
        .unwrap();
    let mut found = BTreeSet::new();
    scan(&root().join("src"), &mut found);
    for expected in [
        "SMILE_API_KEY",
        "SMILE_PARTNER_ID",
        "NO_COLOR",
        "CLICOLOR_FORCE",
    ] {
        assert!(
            found.contains(expected),
            "the scan missed {expected}: {found:?}"
        );
    }
    // Read by debug builds only (src/ingest/batch.rs), so the release binary documents none.
    let debug_only = ["SMILE_SEC_PIECE_BYTES"];
    for var in found.iter().filter(|v| debug_only.contains(&v.as_str())) {
        assert!(!environment.contains(var.as_str()), "{var} is a test knob");
    }
    for var in found
        .into_iter()
        .filter(|v| !debug_only.contains(&v.as_str()))
    {
        assert!(
            environment.contains(var.as_str()),
            "{var} is read but not in ENVIRONMENT"
        );
    }
}

fn scan(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            scan(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            let reads = ["env::var", "var_os(", "env = ", "env_set(", "_ENV: &str"];
            for line in text.lines().filter(|l| reads.iter().any(|r| l.contains(r))) {
                for (i, piece) in line.split('"').enumerate() {
                    let is_name = piece.len() > 1
                        && piece.contains('_')
                        && piece
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                    if i % 2 == 1 && is_name {
                        found.insert(piece.to_owned());
                    }
                }
            }
        }
    }
}

/// The text of one section of a man page, up to the next `.SH`.
fn section<'p>(page: &'p str, heading: &str) -> &'p str {
    page.split(&format!(".SH {heading}\n"))
        .nth(1)
        .and_then(|s| s.split(".SH ").next())
        .unwrap_or_else(|| panic!("no {heading} section"))
}

fn man_page(name: &str) -> String {
    let page = generate::man_pages()
        .into_iter()
        .find(|p| p.path == format!("{name}.1"))
        .unwrap_or_else(|| panic!("no page {name}.1"));
    String::from_utf8(page.contents).unwrap()
}

/// Each page's ENVIRONMENT lists what that command reads, and nothing another command reads.
#[test]
fn each_page_lists_only_the_variables_its_command_reads() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "smile-sec-verify",
            &[
                "SMILE_PARTNER_ID",
                "SMILE_API_KEY",
                "SMILE_SEC_KEYS",
                "SMILE_SEC_NOW",
                "GITHUB_STEP_SUMMARY",
                "NO_COLOR",
            ],
            &["HTTPS_PROXY"],
        ),
        (
            "smile-sec-audit",
            &["SMILE_SEC_KEYS", "SMILE_SEC_NOW", "GITHUB_STEP_SUMMARY"],
            &["SMILE_API_KEY", "SMILE_PARTNER_ID", "HTTPS_PROXY"],
        ),
        (
            "smile-sec-ip-check",
            // The clock dates the built-in allowlist (the staleness warning).
            &[
                "NO_COLOR",
                "CLICOLOR_FORCE",
                "SMILE_SEC_NOW",
                "SMILE_SEC_ALLOWLIST",
            ],
            &[
                "SMILE_API_KEY",
                "SMILE_PARTNER_ID",
                "SMILE_SEC_KEYS",
                "GITHUB_STEP_SUMMARY",
                "api_key_env",
            ],
        ),
        (
            "smile-sec-sign",
            &["SMILE_PARTNER_ID", "SMILE_API_KEY", "SMILE_SEC_KEYS"],
            &["GITHUB_STEP_SUMMARY", "HTTPS_PROXY"],
        ),
        (
            "smile-sec-callback-send",
            &["SMILE_API_KEY", "HTTPS_PROXY", "NO_PROXY"],
            &["GITHUB_STEP_SUMMARY"],
        ),
        (
            "smile-sec-callback-new",
            &["SMILE_API_KEY"],
            &["HTTPS_PROXY", "GITHUB_STEP_SUMMARY"],
        ),
        ("smile-sec-callback", &["HTTPS_PROXY", "SMILE_API_KEY"], &[]),
        (
            "smile-sec-allowlist-fetch",
            &[
                "HTTPS_PROXY",
                "NO_PROXY",
                "SMILE_SEC_ALLOWLIST",
                "SMILE_SEC_NOW",
            ],
            &["SMILE_API_KEY", "GITHUB_STEP_SUMMARY"],
        ),
        (
            "smile-sec-seen-stats",
            &["NO_COLOR"],
            &["SMILE_API_KEY", "SMILE_SEC_NOW", "GITHUB_STEP_SUMMARY"],
        ),
        (
            "smile-sec-completions",
            &[],
            &["SMILE_API_KEY", "SMILE_SEC_NOW", "SMILE_PARTNER_ID"],
        ),
        (
            "smile-sec",
            &[
                "SMILE_PARTNER_ID",
                "SMILE_API_KEY",
                "SMILE_SEC_KEYS",
                "SMILE_SEC_NOW",
                "GITHUB_STEP_SUMMARY",
                "HTTPS_PROXY",
                "NO_COLOR",
                "CLICOLOR_FORCE",
            ],
            &[],
        ),
    ];
    for (name, listed, absent) in cases {
        let page = man_page(name);
        let environment = section(&page, "ENVIRONMENT");
        for var in *listed {
            assert!(environment.contains(var), "{name}: {var} missing");
        }
        for var in *absent {
            assert!(!environment.contains(var), "{name}: {var} is not read");
        }
    }
}

/// A command module that reads a variable (through the constant or the argument group that
/// stands for it) has it on its own page, so the per-page lists cannot fall behind the code.
#[test]
fn a_command_that_reads_a_variable_lists_it_on_its_page() {
    let markers = [
        ("STEP_SUMMARY_ENV", "GITHUB_STEP_SUMMARY"),
        ("KeySourceArgs", "SMILE_API_KEY"),
        ("KeySourceArgs", "SMILE_SEC_KEYS"),
        ("PartnerArgs", "SMILE_PARTNER_ID"),
        ("ClockArgs", "SMILE_SEC_NOW"),
        // The one HTTP client, which takes its proxy from the environment.
        ("endpoint::http", "HTTPS_PROXY"),
    ];
    let mut checked = 0;
    for entry in fs::read_dir(root().join("src/cmd")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', "-");
        if ["mod", "args"].contains(&stem.as_str()) {
            continue;
        }
        // A command is a file, or a folder of them (`verify/`).
        let source = if path.is_dir() {
            let mut files: Vec<_> = fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            files
                .iter()
                .map(|file| fs::read_to_string(file).unwrap())
                .collect::<String>()
        } else {
            fs::read_to_string(&path).unwrap()
        };
        let page = man_page(&format!("smile-sec-{stem}"));
        let environment = section(&page, "ENVIRONMENT");
        for (marker, var) in markers {
            if source.contains(marker) {
                checked += 1;
                assert!(
                    environment.contains(var),
                    "{stem} uses {marker}: {var} missing"
                );
            }
        }
    }
    assert!(checked >= 8, "the scan found too little: {checked}");
}

/// The man pages carry each command's own codes: verify's reasons, audit's findings with their
/// severity, ip-check's verdicts, each as an item of its own.
#[test]
fn man_pages_list_reason_codes_findings_and_verdicts() {
    let item = |code: &str| format!(".TP\n\\fB{}\\fR\n", code.replace('-', "\\-"));
    let verify = man_page("smile-sec-verify");
    for reason in smile_sec::callbacks::verdict::Reason::ALL {
        assert!(
            section(&verify, "NOTES").contains(&item(reason.as_str())),
            "verify: {}",
            reason.as_str()
        );
    }
    let audit = man_page("smile-sec-audit");
    for code in smile_sec::keys::audit::Code::ALL {
        let entry = format!("{}({})", item(code.as_str()), code.severity().as_str());
        assert!(
            section(&audit, "NOTES").contains(&entry),
            "audit: {}",
            code.as_str()
        );
    }
    let ip_check = man_page("smile-sec-ip-check");
    for verdict in ["allowed", "denied", "invalid"] {
        assert!(
            section(&ip_check, "NOTES").contains(&item(verdict)),
            "ip-check: {verdict}"
        );
    }
}
