//! `smile-sec allowlist`: the callback-source list, or a snippet for a server or firewall, and
//! `allowlist fetch`, which reads Smile ID's published list again. Also the `--env`/`--allowlist`
//! flags `ip-check` shares. Glue only: the list is `allowlist`'s, the snippets are `snippet`'s,
//! reading the published page is `published`'s.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::ValueHint;
use serde::Serialize;

use super::args::{ClockArgs, EnvArg};
use crate::input;
use crate::ip::allowlist::{Allowlist, BUILT_IN_DATE, ListWarning};
use crate::ip::published::{Published, SECURITY_OVERVIEW_URL, SavedStamp};
use crate::ip::snippet::{self, Stamp, Target};
use crate::outcome::Outcome;
use crate::output::{self, Printer, hinted};
use crate::shell;
use crate::time;

/// After this many days the built-in list is said to be possibly out of date.
const STALE_AFTER_DAYS: i64 = 180;

/// Print Smile ID's callback source addresses, or a server or firewall snippet allowing only them
///
/// The built-in list is Smile ID's published callback sources (documentation, "Security
/// Overview"), each labelled production or sandbox. Every snippet is stamped with the list's source
/// and date as comments (annotations for Kubernetes), and with the command that prints it again.
/// The text output is itself a valid --allowlist file. Without --emit, the list holds both
/// environments unless --env says otherwise; with --emit (a snippet, or the list as text or JSON
/// for a file or a program), only production's addresses are given unless --env says otherwise:
/// a firewall or server should admit only what it needs. When the built-in list is more than 180
/// days old, a warning says so; `allowlist fetch` reads the published list again.
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_long_help = "Examples:
  smile-sec allowlist
  smile-sec allowlist --emit nginx > /etc/nginx/snippets/smile-id.conf
  smile-sec allowlist --env all --emit nftables --port 8443 > smile-id.nft && nft -f smile-id.nft
  smile-sec allowlist --emit k8s | kubectl apply -n payments -f -
  smile-sec allowlist fetch --output smile-id-allowlist.txt"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,

    #[command(flatten)]
    pub list: ListArgs,

    /// What to print: the list (text, json) or a snippet for a server or firewall
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub emit: Option<Emit>,

    /// Output format, as --emit text|json (default: text); with a snippet's --emit, only text
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// The callback port, for the iptables, nftables and k8s rules
    #[arg(long, value_name = "N", default_value_t = 443, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    Fetch(FetchArgs),
}

/// Read Smile ID's published callback addresses again and compare them with the list in use
///
/// Reads the Security Overview page (its public URL, or a saved HTML or text copy with --source
/// FILE), takes the addresses listed for production and for sandbox, and prints them as an
/// --allowlist file stamped with the source and the time read (--output FILE writes it there
/// too). What was added and removed compared with the list in use (--allowlist FILE or
/// SMILE_SEC_ALLOWLIST, else the built-in list) is said on stderr. A URL is read through the
/// proxy that the first of ALL_PROXY, HTTPS_PROXY and HTTP_PROXY set (also in lower case)
/// names, except for the hosts NO_PROXY lists.
///
/// Exit: 0 when the lists agree, 1 when they differ, 2 when the page cannot be read or lists no
/// address for one of the environments (nothing is written then: never a half list).
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec allowlist fetch
  smile-sec allowlist fetch --output smile-id-allowlist.txt && smile-sec ip-check --allowlist smile-id-allowlist.txt 34.240.137.52
  smile-sec allowlist fetch --source saved-security-overview.html")]
pub struct FetchArgs {
    /// The page: an http(s) URL, or a saved copy (HTML or text) [default: the Security Overview
    /// page's public URL]
    #[arg(long, value_name = "URL|FILE", value_hint = ValueHint::AnyPath)]
    pub source: Option<String>,

    /// Also write the list to FILE (replaced whole, only when the page gave a whole list)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, value_parser = parse_output)]
    pub output: Option<PathBuf>,

    /// The list in use to compare with [default: the built-in list]
    #[arg(long, env = "SMILE_SEC_ALLOWLIST", hide_env_values = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub allowlist: Option<PathBuf>,

    #[command(flatten)]
    pub clock: ClockArgs,

    /// Output format: the list as an --allowlist file (text), or NDJSON entries and a summary
    /// with what was added and removed (json); --output is always the file
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Serialize)]
struct FetchSummary<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    entries: usize,
    source: &'a str,
    read_at: &'a str,
    compared_with: &'a str,
    same: bool,
    added: &'a [String],
    removed: &'a [String],
}

/// `--env` and `--allowlist`, shared with `ip-check` and `guard`: the flags and the loading of a
/// list (built in or from a file, narrowed to an environment) stay with the command they name.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Which environment's callback sources to allow [default: all for ip-check and for allowlist
    /// without --emit, production for allowlist --emit]
    #[arg(long, value_enum, value_name = "ENV")]
    pub env: Option<EnvArg>,

    /// Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines.
    /// With --env, only entries labelled production or sandbox are kept.
    #[arg(long, env = "SMILE_SEC_ALLOWLIST", hide_env_values = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub allowlist: Option<PathBuf>,

    #[command(flatten)]
    pub clock: ClockArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One entry per line with its label, after `#` lines naming the source and date
    Text,
    /// NDJSON: one entry object per line, then a summary with the source and date
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// One entry per line with its label (a valid --allowlist file)
    Text,
    /// NDJSON entries, then a summary with the source and date
    Json,
    /// `allow ...; deny all;` for a server or location block
    Nginx,
    /// `Require ip` lines in a <RequireAny> block (Apache 2.4)
    Apache,
    /// iptables/ip6tables commands: a chain accepting only these sources on --port
    Iptables,
    /// An nftables table dropping traffic to --port from any other source (`nft -f`)
    Nftables,
    /// An HAProxy `acl` on `src` and an `http-request deny`
    Haproxy,
    /// A Kubernetes NetworkPolicy with one ipBlock per entry
    K8s,
}

impl ListArgs {
    /// The list to check against, and a phrase saying what it holds; `--env` or else `default`
    /// says which environments. The built-in list, when old, comes with a warning.
    pub fn load(&self, default: EnvArg) -> anyhow::Result<(Allowlist, String, EnvArg)> {
        let env = self.env.unwrap_or(default);
        let Some(path) = &self.allowlist else {
            warn_if_stale(self.clock.now());
            return Ok((
                Allowlist::built_in(env.environment()),
                env.scope().to_owned(),
                env,
            ));
        };
        self.load_file(path, env)
    }

    /// The list in FILE, narrowed to `env`, its scope, and the environments kept.
    fn load_file(
        &self,
        path: &std::path::Path,
        env: EnvArg,
    ) -> anyhow::Result<(Allowlist, String, EnvArg)> {
        let name = input::shown(path).into_owned();
        let bytes = input::read_file(path, input::LIST_BYTES)
            .with_context(|| format!("cannot read {name}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("cannot read {name}: it is not UTF-8 text"))?;
        // A list `allowlist fetch` saved says where and when its page was read: that is the
        // list's source and date, not the file it was saved in and when that was last touched.
        let (source, date) = match SavedStamp::of(&text) {
            Some(stamp) => (
                format!("{} (saved in {name})", stamp.source),
                format!("{} (read by allowlist fetch)", stamp.read_at),
            ),
            None => (name.clone(), modified_date(path)),
        };
        let mut list = Allowlist::parse_file(&text, source, date)
            .with_context(|| format!("invalid allowlist {name}"))?;
        let (kept, warnings) =
            list.narrow(env.environment(), self.env.is_some())
                .map_err(|empty| match empty.env {
                    Some(env) => anyhow::anyhow!("no entry of {name} is labelled {env}"),
                    None => anyhow::anyhow!("{name} has no entries"),
                })?;
        for warning in warnings {
            match warning {
                ListWarning::NoEnvironmentLabels { wanted } => output::warn(format_args!(
                    "{name}: no entry is labelled production or sandbox, so every entry is \
                     allowed; label them to keep to --env {wanted}"
                )),
                ListWarning::AdmitsEveryAddress { net } => {
                    let family = if net.addr().is_ipv4() { "IPv4" } else { "IPv6" };
                    output::warn(format_args!(
                        "{name}: entry {net} admits every {family} address"
                    ));
                }
            }
        }
        let (env, scope) = match kept {
            Some(env) => (EnvArg::of(env), format!("{env} entries of {name}")),
            None => (EnvArg::All, format!("entries of {name}")),
        };
        Ok((list, scope, env))
    }
}

/// When the file at `path` was last modified, as a list's date.
fn modified_date(path: &std::path::Path) -> String {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| {
            format!(
                "{} (file modified)",
                DateTime::<Utc>::from(t).format("%Y-%m-%d")
            )
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

#[derive(Serialize)]
struct EntryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    entry: String,
    label: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    entries: usize,
    scope: &'a str,
    source: &'a str,
    date: &'a str,
}

/// One warning when the built-in list is older than [`STALE_AFTER_DAYS`] at `now`.
fn warn_if_stale(now: DateTime<Utc>) {
    // A full date, as a test of the list checks.
    let Some(date) = time::parse_full_date(BUILT_IN_DATE) else {
        return;
    };
    // Checked on that day: its age counts from the day's start, to the moment.
    let checked = date.and_time(chrono::NaiveTime::MIN).and_utc();
    if now - checked > chrono::Duration::days(STALE_AFTER_DAYS) {
        let age = (now - checked).num_days();
        output::warn(format_args!(
            "the built-in list of Smile ID's callback addresses was checked on {BUILT_IN_DATE}, {age} days ago; Smile ID's list may have changed since: check it with `smile-sec allowlist fetch` (or at {SECURITY_OVERVIEW_URL}) and pass the result with --allowlist FILE or SMILE_SEC_ALLOWLIST"
        ));
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    if let Some(Sub::Fetch(fetch)) = args.command {
        return run_fetch(fetch);
    }
    let emit = match (args.emit, args.format) {
        (None, Some(Format::Json)) => Emit::Json,
        (None, _) => Emit::Text,
        (Some(emit), None) => emit,
        // Every snippet is text; only the list itself is JSON.
        (Some(emit), Some(format)) if (emit == Emit::Json) == (format == Format::Json) => emit,
        (Some(emit), Some(format)) => {
            let name = |value: Option<clap::builder::PossibleValue>| {
                value.map_or_else(String::new, |v| v.get_name().to_owned())
            };
            return Err(hinted(
                format!(
                    "--emit {} and --format {} disagree",
                    name(clap::ValueEnum::to_possible_value(&emit)),
                    name(clap::ValueEnum::to_possible_value(&format))
                ),
                "give one of them",
            ));
        }
    };
    // Without --emit, the list shown is every environment's, each entry labelled. Anything
    // emitted (a snippet, or the list for a file or a program) is what a receiver in front of
    // production admits: production only, unless --env says otherwise.
    let default = if args.emit.is_some() {
        EnvArg::Production
    } else {
        EnvArg::All
    };
    let (list, scope, _) = args.list.load(default)?;
    let command = reproducing_command(
        args.list.env.unwrap_or(default),
        emit,
        args.port,
        args.list.allowlist.as_deref(),
    );
    let mut out = Printer::new();
    let target = match emit {
        Emit::Text => {
            let stamp = stamp(&scope, &command, args.port);
            let mut text = String::new();
            snippet::header(&mut text, &list, &stamp);
            out.raw(&text)?;
            for entry in list.entries() {
                out.text(format_args!("{entry}"))?;
            }
            out.flush()?;
            return Ok(Outcome::Pass);
        }
        Emit::Json => {
            for entry in list.entries() {
                out.json(&EntryLine {
                    kind: "entry",
                    entry: entry.net.to_string(),
                    label: entry.label.as_deref(),
                })?;
            }
            out.json(&Summary {
                kind: "summary",
                entries: list.entries().len(),
                scope: &scope,
                source: &list.source,
                date: &list.date,
            })?;
            out.flush()?;
            return Ok(Outcome::Pass);
        }
        Emit::Nginx => Target::Nginx,
        Emit::Apache => Target::Apache,
        Emit::Iptables => Target::Iptables,
        Emit::Nftables => Target::Nftables,
        Emit::Haproxy => Target::Haproxy,
        Emit::K8s => Target::Kubernetes,
    };
    if let Some(entry) = snippet::unwritable(&list, target) {
        anyhow::bail!(
            "cannot emit {}: nginx cannot read it (it takes 255.255.255.255 for \"no address\") and refuses the whole configuration; it is the broadcast address, never a callback's source: remove it from the list",
            entry.net
        );
    }
    out.raw(&snippet::render(
        &list,
        target,
        &stamp(&scope, &command, args.port),
    ))?;
    out.flush()?;
    Ok(Outcome::Pass)
}

/// `allowlist fetch`: the page read, its list printed (and written), the difference said.
fn run_fetch(args: FetchArgs) -> anyhow::Result<Outcome> {
    let source = args
        .source
        .unwrap_or_else(|| SECURITY_OVERVIEW_URL.to_owned());
    let lower = source.to_ascii_lowercase();
    let bytes = if lower.starts_with("http://") || lower.starts_with("https://") {
        crate::endpoint::http::get_page(
            &source,
            std::time::Duration::from_secs(30),
            input::LIST_BYTES,
        )
        .with_context(|| format!("cannot read {}", crate::endpoint::http::shown(&source)))?
    } else {
        input::read_all(std::path::Path::new(&source), "page", input::LIST_BYTES)?
    };
    // Read as UTF-8, as Smile ID serves it: bytes that are not (another encoding, UTF-16 after
    // its byte-order mark) would read as other characters in a browser.
    let unmarked = input::without_bom(&bytes);
    let page = std::str::from_utf8(unmarked).map_err(|e| {
        hinted(
            format!(
                "{}: the page is not UTF-8 text (byte {} is not), which is how it is read",
                crate::endpoint::http::shown(&source),
                e.valid_up_to() + (bytes.len() - unmarked.len())
            ),
            "save the page as UTF-8, or check it by eye",
        )
    })?;
    let found = Published::from_page(page).map_err(|e| {
        hinted(
            format!("{}: {e}", crate::endpoint::http::shown(&source)),
            "the page may have changed its layout: check it by eye, and keep the list in use until then",
        )
    })?;
    let now = args.clock.now();
    let shown_source = crate::endpoint::http::shown(&source).into_owned();
    let read_at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let text = found.to_allowlist_file(&shown_source, &read_at);
    let in_use = match &args.allowlist {
        Some(path) => {
            ListArgs {
                env: None,
                allowlist: Some(path.clone()),
                clock: args.clock.clone(),
            }
            .load_file(path, EnvArg::All)?
            .0
        }
        None => Allowlist::built_in(None),
    };
    let (added, removed) = found.compare(&in_use);
    if let Some(path) = &args.output {
        write_whole(path, &text).with_context(|| format!("cannot write {}", input::shown(path)))?;
    }
    let against = match &args.allowlist {
        Some(path) => input::shown(path).into_owned(),
        None => format!("the built-in list ({BUILT_IN_DATE})"),
    };
    let mut out = Printer::new();
    let printed = match args.format {
        Format::Text => out.text_block(&text),
        Format::Json => found
            .entries()
            .try_for_each(|(ip, env)| {
                out.json(&EntryLine {
                    kind: "entry",
                    entry: format!("{ip}/32"),
                    label: Some(env.as_str()),
                })
            })
            .and_then(|()| {
                out.json(&FetchSummary {
                    kind: "summary",
                    entries: found.entries().count(),
                    source: &shown_source,
                    read_at: &read_at,
                    compared_with: &against,
                    same: added.is_empty() && removed.is_empty(),
                    added: &added,
                    removed: &removed,
                })
            }),
    }
    .and_then(|()| out.flush());
    match printed {
        // A closed output (`| head`) still gets the comparison's verdict, on stderr and in the
        // exit status: `set -o pipefail` must never turn a changed list into success.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    if added.is_empty() && removed.is_empty() {
        output::note(format_args!("the published list is the same as {against}"));
        return Ok(Outcome::Pass);
    }
    for net in &added {
        output::warn(format_args!("added since {against}: {net}"));
    }
    for net in &removed {
        output::warn(format_args!("removed since {against}: {net}"));
    }
    output::warn(format_args!(
        "the published list differs from {against}: {} added, {} removed",
        added.len(),
        removed.len()
    ));
    Ok(Outcome::Fail)
}

/// `--output -` is refused rather than taken as a file named `-`: the list goes to standard
/// output in any case, and a file of that name in the working directory surprises everyone.
fn parse_output(text: &str) -> Result<PathBuf, String> {
    if text == "-" {
        return Err("the list is printed on standard output already; name a file to write".into());
    }
    Ok(PathBuf::from(text))
}

/// Replaces FILE whole: a reader (a firewall reload, `ip-check --allowlist`) sees the old list or
/// the new one, never a part, and so does the next boot after a crash (the new text is on disk
/// before its name is). The temporary file is created new, so nothing already under its name is
/// written through.
fn write_whole(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "allowlist".to_owned());
    // A random name: one a killed run left behind, or a link planted under a name that can be
    // guessed (a container's process id is always 1), is never in the way.
    let mut tag = [0; 8];
    getrandom::getrandom(&mut tag).map_err(|e| std::io::Error::other(e.to_string()))?;
    let temporary = dir.join(format!(".{name}.{}.new", hex::encode(tag)));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
}

/// The command that prints this output again, for its stamp: every option that changes it, each
/// value a shell word on one line (a file's name may hold anything). `--env` is always given, so
/// that the command keeps to the environments it was run for.
fn reproducing_command(
    env: EnvArg,
    emit: Emit,
    port: u16,
    file: Option<&std::path::Path>,
) -> String {
    let name = |value: Option<clap::builder::PossibleValue>| {
        value.map_or_else(String::new, |v| v.get_name().to_owned())
    };
    let mut command = format!(
        "smile-sec allowlist --env {}",
        name(clap::ValueEnum::to_possible_value(&env))
    );
    if emit != Emit::Text {
        command.push_str(" --emit ");
        command.push_str(&name(clap::ValueEnum::to_possible_value(&emit)));
    }
    if matches!(emit, Emit::Iptables | Emit::Nftables | Emit::K8s) {
        command.push_str(&format!(" --port {port}"));
    }
    if let Some(path) = file {
        command.push_str(" --allowlist ");
        // A name that messages do not show (one that looks like a pasted key) is not written
        // here either.
        if input::shown(path) == path.to_string_lossy() {
            command.push_str(&shell::word_on_one_line(
                path.as_os_str().as_encoded_bytes(),
            ));
        } else {
            command.push_str("FILE");
        }
    }
    command
}

fn stamp<'a>(scope: &'a str, command: &'a str, port: u16) -> Stamp<'a> {
    Stamp {
        scope,
        command,
        port,
    }
}
