//! `smile-sec audit`: the key file checked against the rotation policy and Smile ID's key rules.
//! Glue and rendering only: the rules are `audit`, the file is `keyfile`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueHint;
use serde::Serialize;
use serde_json::{Value, json};

use super::args::ClockArgs;
use crate::input;
use crate::keys::audit::{self, Code, KeyReport, KeyVerdict, Report, Secret, Settings, Severity};
use crate::keys::keyfile::{self, KeyFile, KeyFileError, KeyStatus, SecretSource};
use crate::outcome::Outcome;
use crate::output::junit::{CaseOutcome, Suite};
use crate::output::step_summary::{STEP_SUMMARY_ENV, StepSummary};
use crate::output::{self, Printer, Tone, hinted, verdict};

/// `--max-age DUR`: the duration every other command takes for an age, held to whole days here
/// (a key's age is counted in whole UTC days), so `90d` or `2160h`; a bare `90` is 90 seconds by
/// the duration rule and is refused with the spelling that was meant.
fn parse_max_age(text: &str) -> Result<u32, String> {
    const DAY: i64 = 86_400;
    let duration = super::args::parse_duration(text)?;
    let seconds = duration.num_seconds();
    if seconds == 0 {
        return Err("at least 1d".into());
    }
    if seconds % DAY != 0 {
        return Err(format!(
            "a key's age is counted in whole days: write it in days, like 90d (`{text}` is {seconds} seconds)"
        ));
    }
    u32::try_from(seconds / DAY)
        .ok()
        .filter(|days| *days <= audit::MAX_POLICY_DAYS)
        .ok_or_else(|| format!("at most {}d", audit::MAX_POLICY_DAYS))
}

/// The long help's list of findings, built from the codes themselves so that it cannot miss one,
/// then the examples and the key file's shape.
fn long_help() -> String {
    let width = Code::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    let mut help = String::from("Findings (code, severity, what it means):\n");
    for code in Code::ALL {
        // Wrapped here, under its own column, rather than by clap at the left margin.
        let mut line = format!("  {:width$} ", code.as_str());
        let indent = line.len();
        let words = format!("({}) {}", code.severity().as_str(), code.summary());
        for word in words.split(' ') {
            if line.len() + 1 + word.len() > 96 {
                help.push_str(&line);
                help.push('\n');
                line = " ".repeat(indent);
            }
            line.push(' ');
            line.push_str(word);
        }
        help.push_str(&line);
        help.push('\n');
    }
    help.push_str(
        "\nA fail finding makes the run exit 1; with --fail-on warn, a warn finding does too. A muted \
         finding counts for neither.\n\nExamples:\n",
    );
    help.push_str(
        "  smile-sec audit --keys smile-keys.json
  smile-sec audit --fail-on warn --format github          # in a CI job
  smile-sec audit --format sarif > smile-sec.sarif        # for GitHub code scanning
  smile-sec audit --now 2026-12-01T00:00:00Z --warn-days 30

The key file (JSON; an unknown field is an error that names it):
  {\"policy\": {\"max_age_days\": 90, \"warn_days\": 14, \"production\": {\"max_age_days\": 60}},
   \"keys\": [{\"id\": \"live-server-2026-09\", \"partner_id\": \"085\", \"environment\": \"production\",
             \"integrations\": [\"server\"], \"created\": \"2026-09-01\", \"status\": \"active\",
             \"api_key_env\": \"SMILE_LIVE_SERVER_KEY\", \"owner\": \"payments-team\",
             \"mutes\": [{\"finding\": \"expiring\", \"reason\": \"booked\", \"until\": \"2026-12-03\"}]}]}
  Optional: policy, status (active or retired; a retired key needs \"retired\": its date), owner,
  mutes, and the secret: at most one of api_key_env (a variable's name), api_key_file (a path
  inside the key file's folder) or api_key.",
    );
    help
}

/// Audit API keys against the rotation policy and Smile ID's key rules
///
/// Reads the key file and reports, per key, its age in whole UTC days, its due date (created +
/// max_age_days) and the days left, with findings: expired, expiring, shared_key,
/// cross_environment, created_in_future, exposed_inline_secret, inline_secret,
/// secret_file_permissions (an api_key_file, or a key file holding inline keys, that group or
/// others can read or write), mute_expired. Secrets are read only to compare their SHA-256
/// digests; no value is ever printed; secrets that cannot be read here (as in CI) are said in one
/// warning. A finding named by a current mute (until that date, inclusive) is reported as muted
/// and does not count.
///
/// max_age_days and warn_days come from --max-age / --warn-days, else the key file's policy
/// for the key's environment ("policy": {"production": {"max_age_days": 60}}), else its
/// top-level policy, else 90 and 14.
///
/// Exit status: 0 when no unmuted finding reaches --fail-on, 1 otherwise, 2 when the key file is
/// missing, unreadable or invalid.
#[derive(Debug, clap::Args)]
#[command(after_long_help = long_help())]
pub struct Args {
    /// The key file [default: ./smile-keys.json when it exists]
    #[arg(long, env = "SMILE_SEC_KEYS", hide_env_values = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub keys: Option<PathBuf>,

    #[command(flatten)]
    pub clock: ClockArgs,

    /// Maximum key age, in whole days (90d), for every key (overrides the file's
    /// policy.max_age_days and its per-environment overrides)
    #[arg(long, value_name = "DUR", value_parser = parse_max_age, conflicts_with = "max_age_days")]
    pub max_age: Option<u32>,

    /// The former spelling of --max-age, as a number of days; still taken for one release
    #[arg(long, value_name = "N", hide = true, value_parser = clap::value_parser!(u32).range(1..=i64::from(audit::MAX_POLICY_DAYS)))]
    pub max_age_days: Option<u32>,

    /// Warn this many days before a key falls due, for every key (overrides the file's
    /// policy.warn_days and its per-environment overrides)
    #[arg(long, value_name = "N")]
    pub warn_days: Option<u32>,

    /// The lowest severity that makes the run exit 1
    #[arg(long, value_enum, default_value_t = FailOn::Fail, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 on an unmuted failure
    Fail,
    /// Exit 1 on an unmuted warning or failure
    Warn,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Fail => Severity::Fail,
            FailOn::Warn => Severity::Warn,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table sorted by urgency, the findings, and a rotation plan
    Text,
    /// NDJSON: one object per key, then a summary object
    Json,
    /// A SARIF 2.1.0 log (GitHub code scanning and other SARIF viewers)
    Sarif,
    /// GitHub Actions workflow commands (::error / ::warning annotations)
    Github,
    /// JUnit XML: one test case per key, a failure for each key that fails
    Junit,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(path) = keyfile::locate(args.keys.as_deref()) else {
        return Err(hinted(
            "no key file: --keys is not given, SMILE_SEC_KEYS is not set and ./smile-keys.json does not exist",
            "pass --keys FILE, or see `smile-sec audit --help` for the key file's shape",
        ));
    };
    let (file, text, mode) = load(&path)?;
    // The command line sets a number for every key: it beats the per-environment overrides.
    let mut policy = file.policy;
    let mut overrides = file.overrides;
    if let Some(days) = args.max_age.or(args.max_age_days) {
        policy.max_age_days = days;
        overrides.production.max_age_days = None;
        overrides.sandbox.max_age_days = None;
    }
    if let Some(days) = args.warn_days {
        policy.warn_days = days;
        overrides.production.warn_days = None;
        overrides.sandbox.warn_days = None;
    }
    for checked in [
        policy,
        overrides.production.apply(policy),
        overrides.sandbox.apply(policy),
    ] {
        audit::check_input(&file, &checked)
            .with_context(|| format!("invalid key file {}", path.display()))?;
    }
    let secret_files_open: Vec<Option<bool>> = file
        .keys
        .iter()
        .map(|entry| match &entry.secret {
            SecretSource::File(written) => file
                .secret_path(written)
                .ok()
                .and_then(|real| std::fs::metadata(real).ok())
                .filter(std::fs::Metadata::is_file)
                .and_then(|meta| open_to_others(&meta)),
            _ => None,
        })
        .collect();

    let secrets: Vec<Secret> = file
        .keys
        .iter()
        .map(|entry| match entry.secret {
            SecretSource::None => Secret::NotNamed,
            _ => match file.resolve_secret(entry) {
                Ok(key) => Secret::Digest(key.digest()),
                Err(e) => Secret::Unresolved(e.to_string()),
            },
        })
        .collect();
    let report = audit::audit(
        &file,
        &secrets,
        &Settings {
            now: args.clock.now(),
            policy,
            overrides,
            file_exposed: mode.map(|(readable, _)| readable),
            file_open: mode.map(|(_, open)| open),
            secret_files_open,
        },
    );
    drop(secrets);
    if report.keys.is_empty() {
        output::warn(format_args!("{} lists no keys", path.display()));
    }
    unresolved_warning(&report);

    let ids: Vec<&str> = report.keys.iter().map(|k| k.id.as_str()).collect();
    let lines = text
        .as_deref()
        .map(|t| audit::id_lines(t, &ids))
        .unwrap_or_else(|| vec![None; ids.len()]);
    let mut out = Printer::new();
    let shown = Shown {
        report: &report,
        path: &path,
        lines: &lines,
    };
    let outcome = if report.fails(args.fail_on.into()) {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    let printed = match args.format {
        Format::Text => text_report(&mut out, &shown),
        Format::Json => json_report(&mut out, &report),
        Format::Sarif => out.json_pretty(&sarif(&shown)),
        Format::Github => github_report(&mut out, &shown),
        Format::Junit => junit_report(&report, args.fail_on.into()).write(&mut out),
    }
    .and_then(|()| out.flush());
    if let Err(e) = write_step_summary(&report, &path, args.fail_on.into()) {
        output::warn(format_args!(
            "cannot append to the job summary (${STEP_SUMMARY_ENV}): {e}"
        ));
    }
    match printed {
        Ok(()) => Ok(outcome),
        // A closed output (`| head -1`) ends the run quietly, still with the audit's verdict
        // (text puts the most urgent keys first): `set -o pipefail` must never turn a failing
        // audit into success.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(outcome),
        Err(e) => Err(e.into()),
    }
}

/// One warning for every key whose secret could not be read (in CI, where the secrets are
/// absent, that is every key: one line each would bury the findings).
fn unresolved_warning(report: &Report) {
    let unresolved: Vec<(&str, &str)> = report
        .keys
        .iter()
        .filter_map(|k| k.metadata_only.as_deref().map(|why| (k.id.as_str(), why)))
        .collect();
    match unresolved.as_slice() {
        [] => {}
        [(id, note)] => output::warn(format_args!("key `{id}`: {note}")),
        many => {
            let shown: Vec<String> = many
                .iter()
                .take(3)
                .map(|(id, note)| {
                    let why = note
                        .strip_prefix("secret not read (")
                        .and_then(|n| n.split_once("); ").map(|(why, _)| why))
                        .unwrap_or(note);
                    format!("`{id}`: {why}")
                })
                .collect();
            let more = match many.len() - shown.len() {
                0 => String::new(),
                n => format!("; and {n} more"),
            };
            output::warn(format_args!(
                "secret not read for {} of {} keys ({}{more}); they are audited on metadata alone, without the same-secret checks (expected where secrets are absent, as in CI)",
                many.len(),
                report.keys.len(),
                shown.join("; ")
            ));
        }
    }
}

/// Whether group or others can read, and whether they can read or write, a file.
type Mode = Option<(bool, bool)>;

/// Reads the key file once: its parsed contents, its text (for line numbers) and what group and
/// others can do with it (asked of the open file, so it is the file that was read).
fn load(path: &Path) -> anyhow::Result<(KeyFile, Option<String>, Mode)> {
    let read_error = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let handle = input::open_regular(path).map_err(read_error)?;
    let meta = handle.metadata().map_err(read_error)?;
    let bytes = input::read_limited(handle, input::LIST_BYTES).map_err(read_error)?;
    let file = KeyFile::parse(path, &bytes)?;
    let text = String::from_utf8(bytes).ok();
    let mode = group_or_others_can_read(&meta).zip(open_to_others(&meta));
    Ok((file, text, mode))
}

#[cfg(unix)]
fn group_or_others_can_read(meta: &std::fs::Metadata) -> Option<bool> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o044 != 0)
}

/// Whether group or others can read or write the file.
#[cfg(unix)]
fn open_to_others(meta: &std::fs::Metadata) -> Option<bool> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o066 != 0)
}

#[cfg(not(unix))]
fn group_or_others_can_read(_meta: &std::fs::Metadata) -> Option<bool> {
    None
}

#[cfg(not(unix))]
fn open_to_others(_meta: &std::fs::Metadata) -> Option<bool> {
    None
}

/// The report with what renderers need to point back at the key file.
struct Shown<'a> {
    report: &'a Report,
    path: &'a Path,
    lines: &'a [Option<usize>],
}

#[derive(Serialize)]
struct KeyLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    environment: &'static str,
    integrations: &'a [String],
    status: KeyVerdict,
    age_days: i64,
    due_date: String,
    days_left: i64,
    findings: Vec<FindingLine>,
}

#[derive(Serialize)]
struct FindingLine {
    code: Code,
    severity: Severity,
    message: String,
    muted: bool,
}

#[derive(Serialize)]
struct SummaryLine {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    totals: audit::Totals,
    today: String,
    max_age_days: u32,
    warn_days: u32,
}

/// The message of a finding, with its mute when one applies.
fn message(f: &audit::Finding) -> String {
    match &f.muted {
        Some(m) => format!("{} (muted until {}: {})", f.message, m.until, m.reason),
        None => f.message.clone(),
    }
}

fn json_report(out: &mut Printer, report: &Report) -> std::io::Result<()> {
    for key in &report.keys {
        out.json(&KeyLine {
            kind: "key",
            id: &key.id,
            environment: key.environment.as_str(),
            integrations: &key.integrations,
            status: key.verdict,
            age_days: key.age_days,
            due_date: key.due_date.to_string(),
            days_left: key.days_left,
            findings: key
                .findings
                .iter()
                .map(|f| FindingLine {
                    code: f.code,
                    severity: f.severity(),
                    message: message(f),
                    muted: f.muted.is_some(),
                })
                .collect(),
        })?;
    }
    out.json(&SummaryLine {
        kind: "summary",
        totals: report.totals(),
        today: report.today.to_string(),
        max_age_days: report.policy.max_age_days,
        warn_days: report.policy.warn_days,
    })
}

fn tone(v: KeyVerdict) -> Tone {
    match v {
        KeyVerdict::Ok => Tone::Good,
        KeyVerdict::Warn => Tone::Warn,
        KeyVerdict::Fail => Tone::Bad,
    }
}

fn text_report(out: &mut Printer, shown: &Shown<'_>) -> std::io::Result<()> {
    let report = shown.report;
    let order = report.by_urgency();
    // Ids, labels, reasons and paths come from the key file: every line that shows them is
    // written with `Printer::text`, which escapes control characters.
    let id_width = report
        .keys
        .iter()
        .map(|k| output::escape_controls(&k.id).chars().count())
        .chain([3])
        .max()
        .unwrap_or(3);
    out.line(format_args!(
        "{:<6}  {:<id_width$}  {:<10}  {:<10}  {:>9}  {:>4}",
        "STATUS", "KEY", "ENV", "DUE", "DAYS LEFT", "AGE"
    ))?;
    for &i in &order {
        let key = &report.keys[i];
        let (due, left) = match key.lifecycle {
            KeyStatus::Retired => ("retired".to_owned(), "-".to_owned()),
            KeyStatus::Active => (key.due_date.to_string(), key.days_left.to_string()),
        };
        out.verdict_line(
            verdict(key.verdict.as_str(), tone(key.verdict), 6),
            format_args!(
                "{:<id_width$}  {:<10}  {:<10}  {:>9}  {:>4}",
                output::escape_controls(&key.id),
                key.environment.as_str(),
                due,
                left,
                key.age_days
            ),
        )?;
        for f in &key.findings {
            let label = if f.muted.is_some() {
                format!("muted {}", f.code)
            } else {
                format!("{} {}", f.severity().as_str(), f.code)
            };
            out.text(format_args!("{:8}{label}: {}", "", message(f)))?;
        }
    }

    let to_fix: Vec<&KeyReport> = order
        .iter()
        .map(|&i| &report.keys[i])
        .filter(|k| k.verdict != KeyVerdict::Ok)
        .collect();
    if !to_fix.is_empty() {
        out.line(format_args!(""))?;
        out.line(format_args!(
            "Rotation plan (Smile ID disables a key the moment it is rotated, so its replacement goes live first):"
        ))?;
        for key in to_fix {
            plan(out, key, shown.path)?;
        }
        for (partner, keys) in report.due_together() {
            let list: Vec<String> = keys
                .iter()
                .map(|k| format!("{} (due {})", k.id, k.due_date))
                .collect();
            out.text(format_args!(
                "  note: partner {partner} has {} keys falling due together: {}; rotate them one at a time and check each before starting the next, so a mistake takes down one integration, not all",
                keys.len(),
                list.join(", ")
            ))?;
        }
    }

    let t = report.totals();
    out.line(format_args!(""))?;
    let muted = if t.muted > 0 {
        format!(", {} muted finding{}", t.muted, plural(t.muted))
    } else {
        String::new()
    };
    out.line(format_args!(
        "{} key{}: {} fail, {} warn, {} ok{muted} (policy: rotate every {} days, warn {} days ahead; today {})",
        t.keys,
        plural(t.keys),
        t.fail,
        t.warn,
        t.ok,
        report.policy.max_age_days,
        report.policy.warn_days,
        report.today
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The steps for one key that fails or warns. Rotation is the fix for age, sharing and exposure;
/// other findings get their own one-line fix.
fn plan(out: &mut Printer, key: &KeyReport, keys_path: &Path) -> std::io::Result<()> {
    let has = |c: Code| key.has_counting(c);
    out.text(format_args!(
        "  {} (partner {}, {}, {}):",
        key.id,
        key.partner_id,
        key.environment,
        key.integrations.join(", ")
    ))?;
    let mut step = 0;
    let mut say = |out: &mut Printer, text: String| {
        step += 1;
        out.text(format_args!("    {step}. {text}"))
    };
    if has(Code::CreatedInFuture) {
        say(
            out,
            "correct `created` in the key file (it is after now, so the key's age is unknown)"
                .into(),
        )?;
    }
    let rotate = key.lifecycle == KeyStatus::Active
        && [
            Code::Expired,
            Code::Expiring,
            Code::SharedKey,
            Code::CrossEnvironment,
            Code::ExposedInlineSecret,
        ]
        .into_iter()
        .any(has);
    if rotate {
        let new_keys = if key.integrations.len() > 1 {
            format!(
                "one new {} key per integration ({})",
                key.environment,
                key.integrations.join(", ")
            )
        } else {
            format!("a new {} key", key.environment)
        };
        say(
            out,
            format!("create {new_keys} in the Smile ID portal; the old key keeps working for now"),
        )?;
        let deploy = match key.integrations.as_slice() {
            [one] => format!("deploy it to the {one} integration"),
            _ => "deploy each to its own integration".to_owned(),
        };
        say(
            out,
            format!(
                "add it to the key file as a new entry (api_key_env or api_key_file, not inline) and {deploy}"
            ),
        )?;
        say(
            out,
            format!(
                "check that callbacks verify with it: smile-sec verify CALLBACKS --keys {} --key NEW-ID",
                keys_path.display()
            ),
        )?;
        say(
            out,
            format!(
                "only then rotate `{}` in the portal (this disables it at once) and set its \"status\" to \"retired\"",
                key.id
            ),
        )?;
    } else if has(Code::ExposedInlineSecret) {
        say(
            out,
            "remove the inline api_key from the key file and chmod 600 it; the key was readable by others".into(),
        )?;
    } else if has(Code::SharedKey) || has(Code::CrossEnvironment) {
        say(
            out,
            "this retired entry shares its secret with another entry: check the ids and remove the duplicate".into(),
        )?;
    }
    if has(Code::SecretFilePermissions) {
        say(
            out,
            "restrict the file holding the key to its owner (chmod 600), and rotate the key if others may have read it".into(),
        )?;
    }
    if has(Code::InlineSecret) && !rotate {
        say(
            out,
            "move the api_key out of the key file into api_key_env or api_key_file".into(),
        )?;
    }
    if has(Code::MuteExpired) {
        say(
            out,
            "fix what the lapsed mute covered, or renew the mute with a new reason and `until`"
                .into(),
        )?;
    }
    Ok(())
}

/// Escapes a workflow-command message (GitHub's `toolkit/core` escapeData), then any other
/// control character as `escape_controls` does: the runner reads a command only at the start of
/// a line, and an escape sequence must not recolour or rewrite the log.
fn escape_data(text: &str) -> String {
    let data = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    output::escape_controls(&data).into_owned()
}

/// Escapes a workflow-command property (GitHub's `toolkit/core` escapeProperty).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn github_report(out: &mut Printer, shown: &Shown<'_>) -> std::io::Result<()> {
    let file = escape_property(&shown.path.display().to_string());
    for (key, line) in shown.report.keys.iter().zip(shown.lines) {
        let at = match line {
            Some(n) => format!("file={file},line={n}"),
            None => format!("file={file}"),
        };
        for f in &key.findings {
            let command = match (f.muted.is_some(), f.severity()) {
                (true, _) => "notice",
                (false, Severity::Fail) => "error",
                (false, Severity::Warn) => "warning",
            };
            let title = escape_property(&format!("smile-sec audit: {}", f.code));
            let text = escape_data(&format!("key `{}`: {}", key.id, message(f)));
            out.line(format_args!("::{command} {at},title={title}::{text}"))?;
        }
    }
    let t = shown.report.totals();
    out.line(format_args!(
        "smile-sec audit: {} key{}: {} fail, {} warn, {} ok, {} muted finding{}",
        t.keys,
        plural(t.keys),
        t.fail,
        t.warn,
        t.ok,
        t.muted,
        plural(t.muted)
    ))
}

/// The unmuted findings of `key` that reach `fail_on`: what makes it a failing case.
fn failing(key: &KeyReport, fail_on: Severity) -> impl Iterator<Item = &audit::Finding> {
    key.findings
        .iter()
        .filter(move |f| f.counts() && f.severity() >= fail_on)
}

/// One test case per key: it fails when an unmuted finding reaches `--fail-on`; every finding,
/// muted ones too, is listed inside.
fn junit_report(report: &Report, fail_on: Severity) -> Suite {
    let mut suite = Suite::new("smile-sec audit");
    for key in &report.keys {
        let mut first = failing(key, fail_on);
        let (outcome, kind, headline) = match first.next() {
            Some(f) => (CaseOutcome::Failed, f.code.as_str(), f.message.as_str()),
            None => (CaseOutcome::Passed, "", ""),
        };
        let details: Vec<String> = key
            .findings
            .iter()
            .map(|f| format!("{} ({}): {}", f.code, f.severity().as_str(), message(f)))
            .collect();
        suite.case(
            "smile-sec.audit",
            &key.id,
            outcome,
            kind,
            headline,
            &details.join("; "),
        );
    }
    suite
}

/// The job summary: a row per failing finding, or one all-clear line.
fn write_step_summary(report: &Report, path: &Path, fail_on: Severity) -> std::io::Result<()> {
    let mut summary = StepSummary::new(
        &format!("smile-sec audit: {}", path.display()),
        &["key", "environment", "finding", "message"],
    );
    for key in &report.keys {
        for f in failing(key, fail_on) {
            summary.row(&[
                &key.id,
                key.environment.as_str(),
                f.code.as_str(),
                &f.message,
            ]);
        }
    }
    let t = report.totals();
    summary.append_if_requested(
        "Every key passes the rotation policy and the key rules.",
        &format!(
            "{} keys: {} fail, {} warn, {} ok, {} muted",
            t.keys, t.fail, t.warn, t.ok, t.muted
        ),
    )
}

/// A URI reference for the key file: relative paths stay relative (GitHub code scanning resolves
/// them against the repository), absolute ones become `file://` URIs.
fn artifact_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    let mut uri = String::new();
    if path.is_absolute() {
        uri.push_str("file://");
        if !text.starts_with('/') {
            uri.push('/');
        }
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The SARIF 2.1.0 log: one rule per finding code, one result per finding, mutes as suppressions.
fn sarif(shown: &Shown<'_>) -> Value {
    let uri = artifact_uri(shown.path);
    let level = |s: Severity| match s {
        Severity::Fail => "error",
        Severity::Warn => "warning",
    };
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|&code| {
            json!({
                "id": code.as_str(),
                "name": code.as_str(),
                "shortDescription": { "text": code.summary() },
                "fullDescription": { "text": code.summary() },
                "help": { "text": code.help() },
                "defaultConfiguration": { "level": level(code.severity()) },
                "properties": { "tags": ["security", "smile-id", "api-key"] },
            })
        })
        .collect();
    let mut results = Vec::new();
    for (key, line) in shown.report.keys.iter().zip(shown.lines) {
        for f in &key.findings {
            let mut location = json!({ "artifactLocation": { "uri": uri } });
            if let Some(n) = line {
                location["region"] = json!({ "startLine": n });
            }
            let rule_index = Code::ALL.iter().position(|&c| c == f.code).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.code.as_str(),
                "ruleIndex": rule_index,
                "level": level(f.severity()),
                "message": { "text": format!("key `{}`: {}", key.id, f.message) },
                "locations": [{
                    "physicalLocation": location,
                    "logicalLocations": [{ "name": key.id, "kind": "object" }],
                }],
                "partialFingerprints": { "smileSecKeyFinding/v1": format!("{}:{}", key.id, f.code) },
                "properties": {
                    "key_id": key.id,
                    "environment": key.environment.as_str(),
                    "due_date": key.due_date.to_string(),
                    "days_left": key.days_left,
                },
            });
            if let Some(m) = &f.muted {
                result["suppressions"] = json!([{
                    "kind": "inSource",
                    "status": "accepted",
                    "justification": format!("{} (until {})", m.reason, m.until),
                }]);
            }
            results.push(result);
        }
    }
    let notes: Vec<Value> = shown
        .report
        .keys
        .iter()
        .filter_map(|k| {
            k.metadata_only.as_ref().map(|note| {
                json!({
                    "level": "warning",
                    "message": { "text": format!("key `{}`: {note}", k.id) },
                })
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "smile-sec",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notes,
            }],
            "artifacts": [{ "location": { "uri": uri } }],
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(
            artifact_uri(Path::new("./smile-keys.json")),
            "smile-keys.json"
        );
        assert_eq!(
            artifact_uri(Path::new("conf/my keys.json")),
            "conf/my%20keys.json"
        );
        assert_eq!(
            artifact_uri(Path::new("/etc/k#1.json")),
            "file:///etc/k%231.json"
        );
    }

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50%\nx"), "50%25%0Ax");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(
            escape_property("x\r\n::error file=y::z\u{1b}[2J"),
            "x%0D%0A%3A%3Aerror file=y%3A%3Az\\u{1b}[2J"
        );
    }
}
