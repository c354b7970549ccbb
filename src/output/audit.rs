//! `audit`'s report in each of its formats: an aligned text table with a rotation plan, NDJSON,
//! GitHub workflow commands, JUnit XML, SARIF, and the GitHub job summary. Each takes the
//! finished `keys::audit::Report`; what the findings are is decided there, not here.

use std::io;
use std::path::{Component, Path, Prefix};

use serde::Serialize;
use serde_json::{Value, json};

use super::junit::{CaseOutcome, Suite};
use super::step_summary::StepSummary;
use super::{Printer, Tone, escape_controls, verdict, warn};
use crate::keys::audit::{self, Code, KeyReport, KeyVerdict, Report, Severity};
use crate::keys::keyfile::{self, KeyStatus};

/// The report with what the renderers need to point back at the key file: its path and each
/// key's line in it (`None` where it cannot be found).
pub(crate) struct Shown<'a> {
    pub(crate) report: &'a Report,
    pub(crate) path: &'a Path,
    pub(crate) lines: &'a [Option<usize>],
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
    /// What each environment's keys were held to, where the key file sets it apart.
    policies: Policies,
}

#[derive(Serialize)]
struct Policies {
    production: PolicyLine,
    sandbox: PolicyLine,
}

#[derive(Serialize)]
struct PolicyLine {
    max_age_days: u32,
    warn_days: u32,
}

impl From<keyfile::Policy> for PolicyLine {
    fn from(p: keyfile::Policy) -> Self {
        PolicyLine {
            max_age_days: p.max_age_days,
            warn_days: p.warn_days,
        }
    }
}

/// The policy in words: one, or one for each environment when they differ.
fn policy_words(report: &Report) -> String {
    let words = |p: keyfile::Policy| {
        format!(
            "rotate every {} days, warn {} days ahead",
            p.max_age_days, p.warn_days
        )
    };
    if report.production == report.sandbox {
        words(report.production)
    } else {
        format!(
            "production: {}; sandbox: {}",
            words(report.production),
            words(report.sandbox)
        )
    }
}

/// The message of a finding, with its mute when one applies.
fn message(f: &audit::Finding) -> String {
    match &f.muted {
        Some(m) => format!("{} (muted until {}: {})", f.message, m.until, m.reason),
        None => f.message.clone(),
    }
}

/// `--format json`: a line a key, in the file's order, then the summary. `printed` counts the
/// keys whose lines were handed to the output (each is flushed at once), for the verdict of a
/// run whose output was closed early.
pub(crate) fn json(out: &mut Printer, report: &Report, printed: &mut usize) -> io::Result<()> {
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
        *printed += 1;
        out.flush()?;
    }
    out.json(&SummaryLine {
        kind: "summary",
        totals: report.totals(),
        today: report.today.to_string(),
        max_age_days: report.policy.max_age_days,
        warn_days: report.policy.warn_days,
        policies: Policies {
            production: report.production.into(),
            sandbox: report.sandbox.into(),
        },
    })
}

fn tone(v: KeyVerdict) -> Tone {
    match v {
        KeyVerdict::Ok => Tone::Good,
        KeyVerdict::Warn => Tone::Warn,
        KeyVerdict::Fail => Tone::Bad,
    }
}

/// `--format text`: the table, most urgent first, each key's findings, the rotation plan, the
/// totals.
pub(crate) fn text(out: &mut Printer, shown: &Shown<'_>) -> io::Result<()> {
    let report = shown.report;
    let order = report.by_urgency();
    // Ids, labels, reasons and paths come from the key file: every line that shows them is
    // written with `Printer::text`, which escapes control characters.
    let id_width = report
        .keys
        .iter()
        .map(|k| escape_controls(&k.id).chars().count())
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
                escape_controls(&key.id),
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
        "{} key{}: {} fail, {} warn, {} ok{muted} (policy: {}; today {})",
        t.keys,
        plural(t.keys),
        t.fail,
        t.warn,
        t.ok,
        policy_words(report),
        report.today
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The steps for one key that fails or warns. Rotation is the fix for age, sharing and exposure;
/// other findings get their own one-line fix.
fn plan(out: &mut Printer, key: &KeyReport, keys_path: &Path) -> io::Result<()> {
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
                crate::shell::word(&keys_path.to_string_lossy())
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
    escape_controls(&data).into_owned()
}

/// Escapes a workflow-command property (GitHub's `toolkit/core` escapeProperty).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `--format github`: workflow commands a finding, in the file's order, then a summary line;
/// `printed` as for [`json()`].
pub(crate) fn github(out: &mut Printer, shown: &Shown<'_>, printed: &mut usize) -> io::Result<()> {
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
        *printed += 1;
        out.flush()?;
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

/// `--format junit`: the document of [`junit_suite`].
pub(crate) fn junit(out: &mut Printer, report: &Report, fail_on: Severity) -> io::Result<()> {
    junit_suite(report, fail_on).write(out)
}

/// One test case per key: it fails when an unmuted finding reaches `--fail-on`; every finding,
/// muted ones too, is listed inside.
fn junit_suite(report: &Report, fail_on: Severity) -> Suite {
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

/// The columns of the job summary's table: a row per failing finding.
const SUMMARY_COLUMNS: [&str; 4] = ["key", "environment", "finding", "message"];

/// Appends the job summary, when one is asked for: a row per failing finding, or one all-clear
/// line.
pub(crate) fn step_summary(report: &Report, path: &Path, fail_on: Severity) -> io::Result<()> {
    let mut summary = StepSummary::new(
        "smile-sec audit",
        Some(&path.display().to_string()),
        &SUMMARY_COLUMNS,
    );
    for key in &report.keys {
        for f in failing(key, fail_on) {
            summary.row(&[
                &key.id,
                &key.environment.as_str(),
                &f.code.as_str(),
                &f.message,
            ]);
        }
    }
    let t = report.totals();
    summary.append_if_requested(
        "Every key passes the rotation policy and the key rules.",
        &format!(
            "{} key{}: {} fail, {} warn, {} ok, {} muted",
            t.keys,
            plural(t.keys),
            t.fail,
            t.warn,
            t.ok,
            t.muted
        ),
    )
}

/// What a run that could not audit prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnusableReport {
    /// A JUnit document whose one errored case is the error.
    Junit,
    /// One `::error` workflow command.
    Annotation,
    /// Nothing (the error is on stderr). Also for SARIF: code scanning may take a log with no
    /// result for every open alert fixed, while no log fails the upload step, as it should.
    Nothing,
}

/// A run that could not audit (no key file, or one that cannot be used): stdout says why as
/// `report` asks, and the job summary too, so that a CI report names the cause rather than
/// showing nothing. The summary is appended even when stdout cannot be written.
pub(crate) fn unusable(report: UnusableReport, message: &str) -> io::Result<()> {
    let printed = match report {
        UnusableReport::Junit => {
            super::junit::print_unusable("smile-sec audit", "smile-sec.audit", "key file", message)
        }
        UnusableReport::Annotation => {
            let mut out = Printer::new();
            out.line(format_args!(
                "::error title=smile-sec audit::{}",
                escape_data(message)
            ))
            .and_then(|()| out.flush())
        }
        UnusableReport::Nothing => Ok(()),
    };
    let mut summary = StepSummary::new("smile-sec audit", None, &SUMMARY_COLUMNS);
    summary.row(&[&"(key file)", &"", &"unusable", &message]);
    let appended = summary.append_if_requested("", "the key file could not be audited");
    printed.and(appended)
}

/// A URI reference for the key file: relative paths stay relative (GitHub code scanning resolves
/// them against the repository), absolute ones become `file://` URIs. Built from the path's
/// parts, so that `./` and doubled separators go (`.//keys.json` is `keys.json`, not the root's
/// `/keys.json`), and from their bytes, so that a name that is not UTF-8, or holds a backslash
/// (a character of a Unix name), is percent-encoded as it is rather than read as another file.
fn artifact_uri(path: &Path) -> String {
    let mut uri = String::new();
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            // Windows: a drive is written as it is (`file:///C:/k.json`), a share as the URI's
            // host (`file://server/share/k.json`).
            Component::Prefix(prefix) => uri.push_str(&match prefix.kind() {
                Prefix::Disk(drive) | Prefix::VerbatimDisk(drive) => {
                    format!("file:///{}:", char::from(drive))
                }
                Prefix::UNC(server, share) | Prefix::VerbatimUNC(server, share) => format!(
                    "file://{}/{}",
                    percent_encoded(server.as_encoded_bytes()),
                    percent_encoded(share.as_encoded_bytes())
                ),
                _ => format!(
                    "file:///{}",
                    percent_encoded(prefix.as_os_str().as_encoded_bytes())
                ),
            }),
            Component::RootDir if uri.is_empty() => uri.push_str("file://"),
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => parts.push("..".to_owned()),
            Component::Normal(name) => parts.push(percent_encoded(name.as_encoded_bytes())),
        }
    }
    if path.has_root() {
        uri.push('/');
    }
    uri.push_str(&parts.join("/"));
    uri
}

/// `bytes` as a URI path segment: unreserved characters as they are, every other byte as `%XX`.
fn percent_encoded(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text
}

/// `--format sarif`: the log of [`sarif_log`], as one pretty-printed document.
pub(crate) fn sarif(out: &mut Printer, shown: &Shown<'_>) -> io::Result<()> {
    out.json_pretty(&sarif_log(shown))
}

/// The SARIF 2.1.0 log: one rule per finding code, one result per finding, mutes as suppressions.
fn sarif_log(shown: &Shown<'_>) -> Value {
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
        for (i, f) in key.findings.iter().enumerate() {
            // A key can hold one code more than once (a key serving two integrations, and its
            // secret listed under another entry): each is an alert of its own. The first keeps
            // `KEY:CODE`, so that a second appearing leaves it as it was; the next are told
            // apart by their place among the key's findings of that code, which audit gives in
            // a fixed order. (Not by their messages: those change with the rest of the file.)
            let earlier = key.findings[..i]
                .iter()
                .filter(|e| e.code == f.code)
                .count();
            let fingerprint = match earlier {
                0 => format!("{}:{}", key.id, f.code),
                n => format!("{}:{}:{}", key.id, f.code, n + 1),
            };
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
                "partialFingerprints": { "smileSecKeyFinding/v1": fingerprint },
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

/// One warning for every key whose secret could not be read (in CI, where the secrets are
/// absent, that is every key: one line each would bury the findings).
pub(crate) fn unresolved_warning(report: &Report) {
    let unresolved: Vec<(&str, &str)> = report
        .keys
        .iter()
        .filter_map(|k| k.metadata_only.as_deref().map(|why| (k.id.as_str(), why)))
        .collect();
    match unresolved.as_slice() {
        [] => {}
        [(id, note)] => warn(format_args!("key `{id}`: {note}")),
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
            warn(format_args!(
                "secret not read for {} of {} keys ({}{more}); they are audited on metadata alone, without the same-secret checks (expected where secrets are absent, as in CI)",
                many.len(),
                report.keys.len(),
                shown.join("; ")
            ));
        }
    }
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
        // The same file however the path is written; another file is another URI.
        for same in [
            ".//keys.json",
            "./././keys.json",
            "keys.json",
            "./keys.json/",
        ] {
            assert_eq!(artifact_uri(Path::new(same)), "keys.json", "{same}");
        }
        assert_eq!(artifact_uri(Path::new("conf//./k.json")), "conf/k.json");
        assert_eq!(artifact_uri(Path::new("../k.json")), "../k.json");
        assert_eq!(
            artifact_uri(Path::new("//etc//k.json")),
            "file:///etc/k.json"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(artifact_uri(Path::new("a\\b.json")), "a%5Cb.json");
            let name = std::ffi::OsStr::from_bytes(b"keys\xff.json");
            assert_eq!(artifact_uri(Path::new(name)), "keys%FF.json");
        }
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
