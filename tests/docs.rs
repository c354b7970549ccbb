//! Every `$ command` example in README.md and docs/*.md runs here, and its output must match what
//! the page shows, so the documentation cannot drift from the binary.
//!
//! The rules a page follows (they are what a reader sees in a terminal):
//! - Only fenced blocks whose info string is `console` are run; `sh`, `text`, `json` ... are not.
//! - A line starting `$ ` is one command, run by `bash -c` (with `pipefail`) in a fresh shell, so a
//!   pipe or a redirection works as written and no example can lean on a variable that an earlier
//!   one exported. A line ending in `\` continues on the next line, as in the shell (a `> `
//!   prompt at the start of that line is not part of the command).
//! - The lines after it, up to the next `$ ` or the end of the block, are its stdout and stderr
//!   together, in the order written. `...` alone on a line stands for any lines, and `[..]` inside
//!   a line for any characters (snapbox's patterns): for times and other run-dependent fields.
//! - A command must exit 0, unless the next command is `$ echo $?`, whose output line is then the
//!   exit status it must have.
//! - The commands of one block run in order in one fresh folder holding a copy of `examples/`,
//!   `completions/` and `man/`
//!   (so a block may read a file an earlier command of the same block wrote), with a clean
//!   environment, `smile-sec` (this build) first on PATH and nothing on stdin.
//! - A command ending in `&` runs in the background, as in the shell, until the block ends (then
//!   it is stopped; it stops by itself after two minutes in any case). Its output is not checked,
//!   so the page redirects it to a file, as a reader in one terminal would, and no output lines
//!   may follow it. The next command starts once every `127.0.0.1:N` the background command names
//!   accepts connections (so a server it forwards to is started before it): a server is up
//!   before it is used. When it ends early, the failure shows the end of the files it writes to.
//! - `127.0.0.1:N` in a block's commands and outputs stands for a free loopback port picked for
//!   that block (the same N, the same port), so a page can show the ports a reader would type.
//!   They are picked below the range the kernel hands out for other sockets, so that no other
//!   test's socket takes one between the pick and the block's server binding it.
//! - A block with a `python3` command is skipped, with a notice, where python3 is missing (under CI
//!   that is a failure: `.ci/run` installs it).
//!
//! To see what a page's commands print now: `DOCS_TEST_SHOW=1 cargo test --test docs`.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Pages written by other work in progress, checked once their examples run here (remove them
/// from this list then). They are still parsed, so a malformed block shows up.
const NOT_YET_CHECKED: &[&str] = &[];

/// What a block's folder holds: what a reader of a checkout has at hand.
const COPIED: &[&str] = &["examples", "completions", "man"];

const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a background command may live, should the test die before it stops it.
const BACKGROUND_LIFETIME: &str = "120";
/// How long after that a background command that ignores SIGTERM gets before SIGKILL.
const BACKGROUND_GRACE: &str = "5";
/// How long a background command has to start listening on the ports it names.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    /// Ended in `&`: runs in the background until the block ends (`command` holds it without the `&`).
    background: bool,
    expected: String,
    expected_status: i32,
}

#[derive(Debug)]
struct Block {
    examples: Vec<Example>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, as paths relative to the repository.
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("readable docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| format!("docs/{}", path.file_name().unwrap().to_string_lossy()))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The `console` blocks of a page, with their commands, outputs and exit statuses.
fn parse(page: &str, text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let indent = line.len() - trimmed.len();
        let fence_len = 3 + info.chars().take_while(|&c| c == '`').count();
        let fence = "`".repeat(fence_len);
        let info = info.trim_start_matches('`').trim();
        let start = i;
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim_start().starts_with(&fence) {
            body.push((
                i + 1,
                lines[i].get(indent..).unwrap_or(lines[i].trim_start()),
            ));
            i += 1;
        }
        assert!(
            i < lines.len(),
            "{page}:{}: code block never closed",
            start + 1
        );
        i += 1;
        if info.split_whitespace().next() != Some("console") {
            continue;
        }
        blocks.push(Block {
            examples: examples(page, &body),
        });
    }
    blocks
}

fn examples(page: &str, body: &[(usize, &str)]) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut k = 0;
    while k < body.len() {
        let (line, text) = body[k];
        let Some(first) = text.strip_prefix("$ ") else {
            panic!("{page}:{line}: a console block must start with a `$ ` command, found {text:?}");
        };
        let mut command = first.to_string();
        k += 1;
        while command.ends_with('\\') && k < body.len() {
            command.push('\n');
            command.push_str(body[k].1.strip_prefix("> ").unwrap_or(body[k].1));
            k += 1;
        }
        let mut output = Vec::new();
        while k < body.len() && !body[k].1.starts_with("$ ") {
            output.push(body[k].1);
            k += 1;
        }
        if command.trim() == "echo $?" {
            let previous = examples
                .last_mut()
                .unwrap_or_else(|| panic!("{page}:{line}: `echo $?` with no command before it"));
            assert!(
                !previous.background,
                "{page}:{line}: `echo $?` after a background command checks nothing"
            );
            let status = output.first().and_then(|s| s.trim().parse().ok());
            previous.expected_status = status.unwrap_or_else(|| {
                panic!("{page}:{line}: `echo $?` must be followed by one exit status line")
            });
            assert_eq!(output.len(), 1, "{page}:{line}: `echo $?` prints one line");
            continue;
        }
        let background = background_part(&command).map(str::to_string);
        if background.is_some() {
            assert!(
                output.is_empty(),
                "{page}:{line}: a background command's output is not checked: redirect it, and show none"
            );
        }
        let mut expected = output.join("\n");
        if !expected.is_empty() {
            expected.push('\n');
        }
        examples.push(Example {
            line,
            background: background.is_some(),
            command: background.unwrap_or(command),
            expected,
            expected_status: 0,
        });
    }
    examples
}

/// The command before a final `&` (not `&&`), for a command the page runs in the background.
fn background_part(command: &str) -> Option<&str> {
    let trimmed = command.trim_end();
    let rest = trimmed.strip_suffix('&')?;
    (!rest.ends_with('&')).then(|| rest.trim_end())
}

/// Each `127.0.0.1:N` of a text: where its digits start, and the digits (maybe none).
fn loopback_mentions(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices("127.0.0.1:").map(move |(at, prefix)| {
        let start = at + prefix.len();
        let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
        (start, &text[start..start + digits])
    })
}

/// The `127.0.0.1:N` a text names, in order, each once.
fn loopback_ports(text: &str) -> Vec<u16> {
    let mut ports = Vec::new();
    for (_, digits) in loopback_mentions(text) {
        if let Ok(port) = digits.parse::<u16>()
            && port != 0
            && !ports.contains(&port)
        {
            ports.push(port);
        }
    }
    ports
}

/// `text` with each `127.0.0.1:N` of `ports` (N to the free port picked for it) replaced.
fn with_ports(text: &str, ports: &BTreeMap<u16, u16>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut written = 0;
    for (start, digits) in loopback_mentions(text) {
        if let Some(free) = digits.parse::<u16>().ok().and_then(|n| ports.get(&n)) {
            out.push_str(&text[written..start]);
            out.push_str(&free.to_string());
            written = start + digits.len();
        }
    }
    out.push_str(&text[written..]);
    out
}

/// A free loopback port for each port the block names. All are held until every one is picked,
/// so no two are the same.
fn free_ports(block: &Block) -> BTreeMap<u16, u16> {
    let mut named = Vec::new();
    for example in &block.examples {
        for port in loopback_ports(&example.command)
            .into_iter()
            .chain(loopback_ports(&example.expected))
        {
            if !named.contains(&port) {
                named.push(port);
            }
        }
    }
    let mut held: Vec<TcpListener> = Vec::new();
    let mut candidates = below_ephemeral_ports();
    for _ in &named {
        let listener = candidates
            .find_map(|port| TcpListener::bind(("127.0.0.1", port)).ok())
            .unwrap_or_else(|| TcpListener::bind("127.0.0.1:0").expect("a free loopback port"));
        held.push(listener);
    }
    named
        .into_iter()
        .zip(&held)
        .map(|(port, listener)| (port, listener.local_addr().unwrap().port()))
        .collect()
}

/// Ports to try for a block's servers, from a random start: below the range the kernel hands out
/// for `bind(0)` and outgoing connections, so that between the pick and the server's own bind no
/// other test's socket takes the port (none where the range is not known or leaves no room).
fn below_ephemeral_ports() -> impl Iterator<Item = u16> {
    use std::hash::BuildHasher;
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(0);
    let first = 10_000u16;
    let span = u64::from(low.saturating_sub(first));
    let random = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
    let start = if span == 0 { 0 } else { random % span };
    (0..span.min(200)).map(move |i| first + ((start + i) % span) as u16)
}

/// Copies `from` into `to`, files 0644 and folders 0755 whatever the checkout's umask made them
/// (audit's findings depend on who may read a key file).
fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

fn under_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// A block's background command, stopped with everything it started when dropped.
struct Background {
    child: Child,
    /// The page's line, for a failure.
    line: usize,
    /// The files the command sends its output to, in the block's folder.
    logs: Vec<PathBuf>,
}

impl Background {
    /// Why the command is no longer running, if it is not: its exit and the end of its logs.
    fn ended(&mut self) -> Option<String> {
        let status = self.child.try_wait().unwrap()?;
        let mut why = format!("it ended ({status})");
        for log in &self.logs {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(10)..].join("\n");
            why.push_str(&format!("\n{}:\n{tail}", log.display()));
        }
        Some(why)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Its own process group (see `start_background`): `timeout`, bash and the server. Sent by
        // bash's own `kill`, which every command here needs anyway.
        let _ = Command::new("bash")
            .args([
                "-c",
                &format!("kill -KILL -- -{} 2>/dev/null", self.child.id()),
            ])
            .status();
        let _ = self.child.wait();
    }
}

/// The files a command redirects its output to (`> F`, `2> F`, `&> F`, `>> F`, `>F`, ...).
fn redirect_targets(command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mut targets = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Some(rest) = word.trim_start_matches(['1', '2', '&']).strip_prefix('>') else {
            continue; // not a redirection
        };
        let rest = rest.strip_prefix('>').unwrap_or(rest);
        if rest.starts_with('&') {
            continue; // to another stream (`2>&1`)
        }
        match (rest.is_empty(), words.get(i + 1)) {
            (true, Some(next)) => targets.push((*next).to_owned()),
            (false, _) => targets.push(rest.to_owned()),
            (true, None) => {}
        }
    }
    targets
}

/// `bash` set up as for every command of a page: in the block's folder, with a clean
/// environment and this build first on PATH.
fn shell(dir: &Path, program: &str) -> Command {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_smile-sec"));
    let path = format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        binary.parent().unwrap().display()
    );
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    cmd
}

/// Starts a background command, and waits until every loopback port it names accepts
/// connections (`command` has its ports replaced already).
fn start_background(dir: &Path, line: usize, command: &str) -> Result<Background, String> {
    use std::os::unix::process::CommandExt;
    let child = shell(dir, "timeout")
        .args(["-k", BACKGROUND_GRACE, BACKGROUND_LIFETIME])
        .args(["bash", "-o", "pipefail", "-c", command])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("timeout and bash run");
    let logs = redirect_targets(command)
        .into_iter()
        .map(|name| dir.join(name))
        .collect();
    let mut background = Background { child, line, logs };
    let deadline = Instant::now() + LISTEN_TIMEOUT;
    for port in loopback_ports(command) {
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(why) = background.ended() {
                return Err(format!(
                    "{why}\n(before 127.0.0.1:{port} accepted connections)"
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "127.0.0.1:{port} did not accept connections within {LISTEN_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Ok(background)
}

/// Whether the block can run here: one that runs python3 cannot where it is missing.
fn runnable_here(page: &str, block: &Block) -> bool {
    let needs_python = block
        .examples
        .iter()
        .any(|e| e.command.starts_with("python3 "));
    if !needs_python || Command::new("python3").arg("--version").output().is_ok() {
        return true;
    }
    let line = block.examples.first().map_or(0, |e| e.line);
    assert!(
        !under_ci(),
        "{page}:{line}: python3 is missing and CI is set: .ci/run must install it"
    );
    eprintln!("skipped: {page}:{line} needs python3 (CI would fail here)");
    false
}

/// Runs one command as the page shows it; returns its exit status and its merged output.
fn run(dir: &Path, command: &str) -> (Option<i32>, String) {
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let mut child = {
        let mut cmd = shell(dir, "bash");
        cmd.args(["-o", "pipefail", "-c", command])
            .stdout(writer.try_clone().unwrap())
            .stderr(writer);
        cmd.spawn().expect("bash runs")
        // `cmd` and its copies of the pipe's writing end are dropped here, so the read below ends
        // when the command's own copies close.
    };
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        out
    });
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "(timed out)".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = reading.join().unwrap();
    (status, String::from_utf8_lossy(&out).into_owned())
}

fn check_block(page: &str, block: &Block, failures: &mut Vec<String>) {
    if !runnable_here(page, block) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for shipped in COPIED {
        copy_tree(&root().join(shipped), &dir.path().join(shipped));
    }
    let ports = free_ports(block);
    let show = std::env::var_os("DOCS_TEST_SHOW").is_some();
    // Declared after `dir`, so dropped (stopped) before the folder they run in is removed.
    let mut running = Vec::new();
    for example in &block.examples {
        let command = with_ports(&example.command, &ports);
        if example.background {
            match start_background(dir.path(), example.line, &command) {
                Ok(background) => running.push(background),
                Err(why) => {
                    failures.push(format!(
                        "{page}:{}: $ {} &\n{why}",
                        example.line, example.command
                    ));
                    return;
                }
            }
            continue;
        }
        let (status, output) = run(dir.path(), &command);
        if show {
            eprintln!(
                "--- {page}:{} (exit {status:?})\n$ {}\n{output}",
                example.line, example.command
            );
        }
        let mut problems = Vec::new();
        if status != Some(example.expected_status) {
            problems.push(format!(
                "exit status {status:?}, the page says {}",
                example.expected_status
            ));
        }
        let expected = snapbox::Data::text(with_ports(&example.expected, &ports));
        let actual = snapbox::Data::text(output.clone());
        if let Err(err) = snapbox::Assert::new().normalize_paths(false).try_eq(
            Some(&"actual output"),
            actual,
            expected,
        ) {
            problems.push(format!("output differs:\n{err}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{page}:{}: $ {}\n{}\nthe whole output was:\n{output}",
                example.line,
                example.command,
                problems.join("\n")
            ));
        }
    }
    // A server that died on the way fails the block, whatever the commands after it printed.
    for background in &mut running {
        if let Some(why) = background.ended() {
            failures.push(format!(
                "{page}:{}: the background command ended before its block did: {why}",
                background.line
            ));
        }
    }
}

#[test]
fn every_console_example_runs_as_shown() {
    let mut failures = Vec::new();
    let mut counts = BTreeMap::new();
    for page in pages() {
        let text = std::fs::read_to_string(root().join(&page)).unwrap();
        let blocks = parse(&page, &text);
        if NOT_YET_CHECKED.contains(&page.as_str()) {
            eprintln!("not checked yet: {page} (see NOT_YET_CHECKED in tests/docs.rs)");
            continue;
        }
        for block in &blocks {
            check_block(&page, block, &mut failures);
        }
        counts.insert(page, blocks.iter().map(|b| b.examples.len()).sum::<usize>());
    }
    assert!(
        failures.is_empty(),
        "{} example(s) do not run as documented:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // The pages this test exists for must keep examples, or it would pass by checking nothing.
    for page in [
        "README.md",
        "docs/verify.md",
        "docs/audit.md",
        "docs/ip-check.md",
    ] {
        assert!(
            counts.get(page).copied().unwrap_or(0) > 0,
            "{page} has no `$ ` example in a console block"
        );
    }
}

/// No page may lean on anything outside the repository: the reader has only the repository.
#[test]
fn pages_cite_nothing_outside_the_repository() {
    let mut pages = pages();
    pages.extend(
        [
            "PERFORMANCE.md",
            "CONTRIBUTING.md",
            "CHANGELOG.md",
            "SECURITY.md",
        ]
        .map(String::from),
    );
    let banned = [
        "cli-contract",
        "the brief",
        "contract §",
        "§",
        "issue 7",
        "/work/shared",
        "shared/docs",
    ];
    let issue_number = |text: &str| {
        text.to_ascii_lowercase()
            .match_indices("issue ")
            .any(|(at, m)| {
                text[at + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            })
    };
    for page in pages {
        let Ok(text) = std::fs::read_to_string(root().join(&page)) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            for word in banned {
                assert!(
                    !lower.contains(word),
                    "{page}:{}: cites `{word}`, which a reader of the repository cannot follow: {line}",
                    n + 1
                );
            }
            assert!(
                !issue_number(line),
                "{page}:{}: cites an issue number: {line}",
                n + 1
            );
        }
    }
}

/// The README is a front page read in minutes, and keeps near its top the two commands that work
/// on a fresh machine (CI and a hook look for `cargo test` there).
#[test]
fn the_readme_stays_short_and_opens_with_the_first_two_commands() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.len() <= 20 * 1024,
        "README.md is {} bytes; move detail to docs/",
        readme.len()
    );
    let top: String = readme.lines().take(60).collect::<Vec<_>>().join("\n");
    for command in [
        "cargo run --release -- verify examples/callbacks --keys examples/smile-keys.json --now 2026-11-21T09:00:00Z",
        "cargo test",
    ] {
        assert!(
            top.contains(command),
            "README.md's first 60 lines lack `{command}`"
        );
    }
}

/// The links between pages lead somewhere.
#[test]
fn relative_links_resolve() {
    for page in pages() {
        let text = std::fs::read_to_string(root().join(&page)).unwrap();
        let base = root().join(&page);
        let base = base.parent().unwrap();
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap();
            assert!(
                base.join(file).exists(),
                "{page}: link to {target}, which does not exist"
            );
        }
    }
}

#[test]
fn the_parser_reads_statuses_continuations_and_outputs() {
    let page =
        "```console\n$ a \\\n>   | b\nout 1\n$ echo $?\n1\n$ c\n```\n\n```sh\n$ not run\n```\n";
    let blocks = parse("t.md", page);
    assert_eq!(blocks.len(), 1);
    let ex = &blocks[0].examples;
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].command, "a \\\n  | b");
    assert_eq!(ex[0].expected, "out 1\n");
    assert_eq!(ex[0].expected_status, 1);
    assert_eq!(ex[1].command, "c");
    assert_eq!(ex[1].expected, "");
    assert_eq!(ex[1].expected_status, 0);
}

#[test]
fn the_parser_reads_background_commands() {
    let page = "```console\n$ server --listen 127.0.0.1:3000 > log &\n$ a && b\nout\n```\n";
    let blocks = parse("t.md", page);
    let ex = &blocks[0].examples;
    assert!(ex[0].background);
    assert_eq!(ex[0].command, "server --listen 127.0.0.1:3000 > log");
    assert!(!ex[1].background, "`&&` is not a background command");
    assert_eq!(ex[1].command, "a && b");
}

#[test]
#[should_panic(expected = "a background command's output is not checked")]
fn a_background_command_shows_no_output() {
    parse("t.md", "```console\n$ server &\nlistening\n```\n");
}

#[test]
#[should_panic(expected = "checks nothing")]
fn an_exit_status_after_a_background_command_is_refused() {
    parse("t.md", "```console\n$ server &\n$ echo $?\n0\n```\n");
}

#[test]
fn redirect_targets_are_the_files_a_command_writes_to() {
    assert_eq!(
        redirect_targets("server --listen x > out.log 2>err.log"),
        ["out.log", "err.log"]
    );
    assert_eq!(redirect_targets("server &> all.log"), ["all.log"]);
    assert_eq!(redirect_targets("server >> a.log 2>&1"), ["a.log"]);
    assert!(redirect_targets("a && b | c").is_empty());
}

#[test]
fn loopback_ports_are_replaced_one_for_one() {
    let text = "--listen 127.0.0.1:8443 --upstream http://127.0.0.1:3000/x 127.0.0.1:8443 127.0.0.1:99999 127.0.0.1:";
    assert_eq!(loopback_ports(text), [8443, 3000]);
    let ports = BTreeMap::from([(8443, 40001), (3000, 40002)]);
    assert_eq!(
        with_ports(text, &ports),
        "--listen 127.0.0.1:40001 --upstream http://127.0.0.1:40002/x 127.0.0.1:40001 127.0.0.1:99999 127.0.0.1:"
    );
}

#[test]
fn block_ports_are_picked_below_the_ephemeral_range() {
    let Ok(range) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range") else {
        return; // not Linux: the ports come from bind(0)
    };
    let low: u16 = range.split_whitespace().next().unwrap().parse().unwrap();
    if low <= 10_000 {
        return;
    }
    let block = &parse(
        "t.md",
        "```console\n$ a --listen 127.0.0.1:3000 --to 127.0.0.1:8443 > log &\n$ b 127.0.0.1:8080\n```\n",
    )[0];
    let ports = free_ports(block);
    assert_eq!(ports.len(), 3, "{ports:?}");
    let picked: std::collections::BTreeSet<u16> = ports.values().copied().collect();
    assert_eq!(picked.len(), 3, "{ports:?}");
    assert!(
        picked.iter().all(|p| (10_000..low).contains(p)),
        "{ports:?} (the kernel's range starts at {low})"
    );
}
