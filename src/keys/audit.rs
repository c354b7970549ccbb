//! The key-rotation audit: ages, due dates and findings per key-file entry,
//! mutes, and the per-key verdict. Pure: the command resolves secrets to digests, reads the key
//! file's permissions and renders the report.
//!
//! The rules come from Smile ID's Security Overview: rotate every 90 days or more often, keys are
//! environment specific, and each integration method gets its own key so it can be rotated alone.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::keys::keyfile::{
    EnvOverrides, Environment, KeyEntry, KeyFile, KeyStatus, Mute, Policy, SecretSource,
};

/// The largest `max_age_days` accepted (100 years): keeps due dates far inside the calendar.
pub const MAX_POLICY_DAYS: u32 = 36_500;

/// What a finding does to a key's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    Fail,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }
}

/// A finding code; the spelling is part of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    Expired,
    Expiring,
    SharedKey,
    CrossEnvironment,
    CreatedInFuture,
    ExposedInlineSecret,
    InlineSecret,
    SecretFilePermissions,
    MuteExpired,
}

impl Code {
    /// Every code; `MuteExpired` last (it is the one a mute cannot name).
    pub const ALL: [Code; 9] = [
        Code::Expired,
        Code::Expiring,
        Code::SharedKey,
        Code::CrossEnvironment,
        Code::CreatedInFuture,
        Code::ExposedInlineSecret,
        Code::InlineSecret,
        Code::SecretFilePermissions,
        Code::MuteExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Expired => "expired",
            Code::Expiring => "expiring",
            Code::SharedKey => "shared_key",
            Code::CrossEnvironment => "cross_environment",
            Code::CreatedInFuture => "created_in_future",
            Code::ExposedInlineSecret => "exposed_inline_secret",
            Code::InlineSecret => "inline_secret",
            Code::SecretFilePermissions => "secret_file_permissions",
            Code::MuteExpired => "mute_expired",
        }
    }

    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::Expiring | Code::InlineSecret | Code::MuteExpired => Severity::Warn,
            _ => Severity::Fail,
        }
    }

    /// One line on what the rule checks (SARIF `shortDescription`, `--help`-like listings).
    pub fn summary(self) -> &'static str {
        match self {
            Code::Expired => "An active API key is older than the rotation policy allows",
            Code::Expiring => "An active API key falls due for rotation soon",
            Code::SharedKey => "One API key serves more than one integration",
            Code::CrossEnvironment => "The same API key is listed for production and sandbox",
            Code::CreatedInFuture => "A key's creation time is after now",
            Code::ExposedInlineSecret => {
                "An inline API key sits in a key file that group or others can read"
            }
            Code::InlineSecret => "An API key is stored inline in the key file",
            Code::SecretFilePermissions => {
                "A file holding an API key can be read or written by group or others"
            }
            Code::MuteExpired => "A mute has lapsed; the finding it muted counts again",
        }
    }

    /// Why the rule exists and what to do (SARIF `help`).
    pub fn help(self) -> &'static str {
        match self {
            Code::Expired | Code::Expiring => {
                "Smile ID recommends rotating API keys every 90 days or more often. Rotating a key \
                 disables the old one at once, so create the new key, deploy it, check that \
                 callbacks verify with it, and only then rotate the old key."
            }
            Code::SharedKey => {
                "Smile ID recommends a separate API key per integration method (e.g. mobile and \
                 server-to-server) so that each can be rotated without disrupting the others."
            }
            Code::CrossEnvironment => {
                "Smile ID keys are environment specific; one value listed for both production and \
                 sandbox means one of the entries is wrong, or a key leaked across environments."
            }
            Code::CreatedInFuture => {
                "A `created` after now is a typo or a clock problem; the key's age cannot be trusted."
            }
            Code::ExposedInlineSecret => {
                "Anyone who can read the key file can sign requests as you. Move the key to \
                 `api_key_env` or `api_key_file`, restrict the file to its owner (chmod 600) and \
                 rotate the key."
            }
            Code::InlineSecret => {
                "Inline keys end up in backups, diffs and commits. Prefer `api_key_env` or \
                 `api_key_file`."
            }
            Code::SecretFilePermissions => {
                "Anyone who can read an api_key_file (or a key file holding inline keys) can sign \
                 requests as you, and anyone who can write it can swap the key. Restrict it to its \
                 owner (chmod 600); rotate the key if others may have read it."
            }
            Code::MuteExpired => {
                "A mute names a finding, a reason and an `until` date; once the date has passed the \
                 finding counts again. Fix the finding, or renew the mute with a new reason."
            }
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key's verdict: the worst unmuted finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyVerdict {
    Ok,
    Warn,
    Fail,
}

impl KeyVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyVerdict::Ok => "ok",
            KeyVerdict::Warn => "warn",
            KeyVerdict::Fail => "fail",
        }
    }
}

/// The current mute that silences a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuteNote {
    pub reason: String,
    pub until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    /// Says what is wrong in words; never holds a secret.
    pub message: String,
    /// `Some` when a current mute names this finding: reported, not counted.
    pub muted: Option<MuteNote>,
}

impl Finding {
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn counts(&self) -> bool {
        self.muted.is_none()
    }
}

/// What the command found out about an entry's secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// SHA-256 of the key: compared, never shown.
    Digest([u8; 32]),
    /// The entry names no secret (an audit-only file).
    NotNamed,
    /// Named but not readable here (variable unset, file missing); the reason names no value.
    Unresolved(String),
}

/// Inputs besides the key file.
#[derive(Debug, Clone)]
pub struct Settings {
    pub now: DateTime<Utc>,
    /// The file's policy with command-line overrides applied.
    pub policy: Policy,
    /// The file's per-environment overrides, less what the command line set for every key.
    pub overrides: EnvOverrides,
    /// Whether group or others can read the key file; `None` where that cannot be told.
    pub file_exposed: Option<bool>,
    /// Whether group or others can read or write the key file.
    pub file_open: Option<bool>,
    /// For each key, whether group or others can read or write its `api_key_file`.
    pub secret_files_open: Vec<Option<bool>>,
}

impl Settings {
    /// The policy for one environment's keys.
    pub fn policy_for(&self, environment: Environment) -> Policy {
        self.overrides.get(environment).apply(self.policy)
    }
}

/// One audited key.
#[derive(Debug, Clone)]
pub struct KeyReport {
    pub id: String,
    pub partner_id: String,
    pub environment: Environment,
    pub integrations: Vec<String>,
    pub lifecycle: KeyStatus,
    pub verdict: KeyVerdict,
    pub age_days: i64,
    pub due_date: NaiveDate,
    pub days_left: i64,
    pub findings: Vec<Finding>,
    /// Why secret-based rules were skipped for this key, if they were.
    pub metadata_only: Option<String>,
}

impl KeyReport {
    /// Whether a finding that counts reaches `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.counts() && f.severity() >= fail_on)
    }

    pub fn has_counting(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code && f.counts())
    }
}

/// The whole audit, keys in file order.
#[derive(Debug, Clone)]
pub struct Report {
    pub policy: Policy,
    /// The policy each environment's keys were held to (the file's per-environment overrides
    /// over `policy`).
    pub production: Policy,
    pub sandbox: Policy,
    pub today: NaiveDate,
    pub keys: Vec<KeyReport>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub keys: usize,
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    /// Findings that count (not muted).
    pub findings: usize,
    pub muted: usize,
    /// Keys audited on metadata alone because their secret was named but could not be read.
    pub unresolved: usize,
}

impl Report {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            keys: self.keys.len(),
            ..Totals::default()
        };
        for key in &self.keys {
            match key.verdict {
                KeyVerdict::Ok => t.ok += 1,
                KeyVerdict::Warn => t.warn += 1,
                KeyVerdict::Fail => t.fail += 1,
            }
            for f in &key.findings {
                if f.counts() {
                    t.findings += 1;
                } else {
                    t.muted += 1;
                }
            }
            t.unresolved += usize::from(key.metadata_only.is_some());
        }
        t
    }

    /// True when an unmuted finding reaches `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.keys.iter().any(|k| k.fails(fail_on))
    }

    /// Indexes of the keys sorted by urgency: fail, warn, ok; active before retired; then fewest
    /// days left; then id.
    pub fn by_urgency(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.keys[a], &self.keys[b]);
            let retired = |k: &KeyReport| k.lifecycle == KeyStatus::Retired;
            b.verdict
                .cmp(&a.verdict)
                .then(retired(a).cmp(&retired(b)))
                .then(a.days_left.cmp(&b.days_left))
                .then_with(|| a.id.cmp(&b.id))
        });
        order
    }

    /// Partners with two or more active keys that fall due (expired or expiring, unmuted)
    /// in this run: rotating them the same day risks taking down several integrations at once.
    pub fn due_together(&self) -> Vec<(&str, Vec<&KeyReport>)> {
        let mut by_partner: BTreeMap<&str, Vec<&KeyReport>> = BTreeMap::new();
        for key in &self.keys {
            if key.has_counting(Code::Expired) || key.has_counting(Code::Expiring) {
                by_partner.entry(&key.partner_id).or_default().push(key);
            }
        }
        by_partner
            .into_iter()
            .filter(|(_, keys)| keys.len() > 1)
            .map(|(partner, mut keys)| {
                keys.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.id.cmp(&b.id)));
                (partner, keys)
            })
            .collect()
    }
}

/// Audits every key. `secrets[i]` is what the command learnt about `file.keys[i]`'s secret.
pub fn audit(file: &KeyFile, secrets: &[Secret], settings: &Settings) -> Report {
    let today = settings.now.date_naive();
    let by_digest = entries_by_digest(&secrets[..secrets.len().min(file.keys.len())]);
    let keys = file
        .keys
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let mut report = age_report(entry, today, settings);
            report.metadata_only = metadata_only(secrets.get(i));
            report.findings.extend(shared_integrations(entry));
            if let Some(Secret::Digest(mine)) = secrets.get(i) {
                report
                    .findings
                    .extend(shared_secret(file, i, &by_digest[mine]));
            }
            report.findings.extend(secret_storage(
                entry,
                settings.secret_files_open.get(i).copied().flatten(),
                settings,
            ));
            apply_mutes(&mut report, &entry.mutes, today);
            report
        })
        .collect();
    Report {
        policy: settings.policy,
        production: settings.policy_for(Environment::Production),
        sandbox: settings.policy_for(Environment::Sandbox),
        today,
        keys,
    }
}

/// The entries of each secret by its digest, so that finding a key's twins does not compare it
/// with every other key.
fn entries_by_digest(secrets: &[Secret]) -> HashMap<&[u8; 32], Vec<usize>> {
    let mut by_digest: HashMap<&[u8; 32], Vec<usize>> = HashMap::new();
    for (i, secret) in secrets.iter().enumerate() {
        if let Secret::Digest(d) = secret {
            by_digest.entry(d).or_default().push(i);
        }
    }
    by_digest
}

/// Why the same-secret checks were skipped for a key: its secret was named but not read.
fn metadata_only(secret: Option<&Secret>) -> Option<String> {
    match secret {
        Some(Secret::Unresolved(why)) => Some(format!(
            "secret not read ({why}); audited on metadata alone, without the same-secret checks"
        )),
        Some(Secret::NotNamed | Secret::Digest(_)) | None => None,
    }
}

/// A `shared_key` finding when one key serves several integrations (a label listed twice is
/// still one integration).
fn shared_integrations(entry: &KeyEntry) -> Option<Finding> {
    let mut served: Vec<&str> = Vec::with_capacity(entry.integrations.len());
    for label in &entry.integrations {
        if !served.contains(&label.as_str()) {
            served.push(label);
        }
    }
    (served.len() > 1).then(|| Finding {
        code: Code::SharedKey,
        message: format!(
            "one key serves {} integrations ({}); use one key per integration so each can be rotated alone",
            served.len(),
            served.join(", ")
        ),
        muted: None,
    })
}

/// The findings on `file.keys[i]` whose secret is also that of the other entries in `same_digest`
/// (which lists `i` too): `shared_key`, and `cross_environment` when a twin is of another
/// environment.
fn shared_secret(file: &KeyFile, i: usize, same_digest: &[usize]) -> Vec<Finding> {
    let entry = &file.keys[i];
    let same: Vec<&KeyEntry> = same_digest
        .iter()
        .filter(|&&j| j != i)
        .map(|&j| &file.keys[j])
        .collect();
    let mut findings = Vec::new();
    if !same.is_empty() {
        let ids: Vec<String> = same.iter().map(|e| format!("`{}`", e.id)).collect();
        findings.push(Finding {
            code: Code::SharedKey,
            message: format!(
                "the same secret is listed under {} too; use one key per integration",
                ids.join(", ")
            ),
            muted: None,
        });
    }
    let other_env: Vec<String> = same
        .iter()
        .filter(|e| e.environment != entry.environment)
        .map(|e| format!("`{}` ({})", e.id, e.environment))
        .collect();
    if !other_env.is_empty() {
        findings.push(Finding {
            code: Code::CrossEnvironment,
            message: format!(
                "this {} secret is also listed as {}; Smile ID keys are environment specific",
                entry.environment,
                other_env.join(", ")
            ),
            muted: None,
        });
    }
    findings
}

/// The findings on where the secret is kept: an `api_key_file` (whether `secret_file_open`, that
/// group or others can read or write it) or an inline `api_key` (and the key file's permissions).
fn secret_storage(
    entry: &KeyEntry,
    secret_file_open: Option<bool>,
    settings: &Settings,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let SecretSource::File(path) = &entry.secret
        && secret_file_open == Some(true)
    {
        findings.push(Finding {
            code: Code::SecretFilePermissions,
            message: format!(
                "api_key_file {} can be read or written by group or others; chmod 600 it (and rotate the key if others may have read it)",
                crate::input::shown(path)
            ),
            muted: None,
        });
    }
    if matches!(entry.secret, SecretSource::Inline(_)) && settings.file_open == Some(true) {
        findings.push(Finding {
            code: Code::SecretFilePermissions,
            message: "the key file holds this inline api_key and can be read or written by group or others; chmod 600 it".into(),
            muted: None,
        });
    }
    if matches!(entry.secret, SecretSource::Inline(_)) {
        if settings.file_exposed == Some(true) {
            findings.push(Finding {
                code: Code::ExposedInlineSecret,
                message: "inline api_key in a key file that group or others can read; move it out, chmod 600 the file and rotate the key".into(),
                muted: None,
            });
        }
        findings.push(Finding {
            code: Code::InlineSecret,
            message: "inline api_key in the key file; prefer api_key_env or api_key_file".into(),
            muted: None,
        });
    }
    findings
}

/// Applies a key's mutes to its report, then gives it its verdict: current mutes silence their
/// finding, lapsed ones are findings themselves.
fn apply_mutes(report: &mut KeyReport, mutes: &[Mute], today: NaiveDate) {
    silence_muted(&mut report.findings, mutes, today);
    report.findings.extend(lapsed_mutes(mutes, today));
    report.verdict = verdict_of(&report.findings);
}

/// Marks each finding that a current mute names as muted, by the mute that lasts longest.
fn silence_muted(findings: &mut [Finding], mutes: &[Mute], today: NaiveDate) {
    for finding in findings {
        let current = mutes
            .iter()
            .filter(|m| m.finding == finding.code.as_str() && m.until >= today)
            .max_by_key(|m| m.until);
        if let Some(mute) = current {
            finding.muted = Some(MuteNote {
                reason: mute.reason.clone(),
                until: mute.until,
            });
        }
    }
}

/// A `mute_expired` finding for each mute whose date has passed, saying whether a later mute of
/// the same finding already covers it.
fn lapsed_mutes(mutes: &[Mute], today: NaiveDate) -> Vec<Finding> {
    let mut lapsed = Vec::new();
    for mute in mutes {
        if mute.until < today {
            let renewed = mutes
                .iter()
                .filter(|m| m.finding == mute.finding && m.until >= today)
                .map(|m| m.until)
                .max();
            let now = match renewed {
                Some(until) => {
                    format!("a later mute covers the finding until {until}; remove this one")
                }
                None => "the finding counts again".to_owned(),
            };
            lapsed.push(Finding {
                code: Code::MuteExpired,
                message: format!(
                    "the mute of `{}` lapsed after {} (reason was: {}); {now}",
                    mute.finding, mute.until, mute.reason
                ),
                muted: None,
            });
        }
    }
    lapsed
}

/// A key's verdict: the gravest severity among the findings that count, `ok` when none does.
fn verdict_of(findings: &[Finding]) -> KeyVerdict {
    findings
        .iter()
        .filter(|f| f.counts())
        .map(|f| match f.severity() {
            Severity::Fail => KeyVerdict::Fail,
            Severity::Warn => KeyVerdict::Warn,
        })
        .max()
        .unwrap_or(KeyVerdict::Ok)
}

/// Age, due date and the age findings of one entry.
fn age_report(entry: &KeyEntry, today: NaiveDate, settings: &Settings) -> KeyReport {
    let policy = settings.policy_for(entry.environment);
    let created_day = entry.created.date_naive();
    let age_days = today.signed_duration_since(created_day).num_days();
    // A due date is written YYYY-MM-DD, so one past year 9999 (a key "created" in its last
    // months) is written as the calendar's last day; the days left are counted to the true one,
    // so that the cap makes no key look due.
    let last_day = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a calendar day");
    let true_due = created_day.checked_add_days(chrono::Days::new(u64::from(policy.max_age_days)));
    let due_date = true_due.map_or(last_day, |due| due.min(last_day));
    let days_left = true_due.map_or(i64::MAX, |due| due.signed_duration_since(today).num_days());
    let mut findings = Vec::new();
    if entry.created > settings.now {
        findings.push(Finding {
            code: Code::CreatedInFuture,
            message: format!(
                "created {} is after now ({}); check the date",
                entry
                    .created
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                settings
                    .now
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
            muted: None,
        });
    }
    if entry.status == KeyStatus::Active {
        if age_days > i64::from(policy.max_age_days) {
            findings.push(Finding {
                code: Code::Expired,
                message: format!(
                    "{age_days} days old, over the {}-day limit; was due {due_date}",
                    policy.max_age_days
                ),
                muted: None,
            });
        } else if (0..=i64::from(policy.warn_days)).contains(&days_left) {
            let when = match days_left {
                0 => "today".to_owned(),
                1 => "tomorrow".to_owned(),
                n => format!("in {n} days"),
            };
            findings.push(Finding {
                code: Code::Expiring,
                message: format!("due for rotation {when} ({due_date}); {age_days} days old"),
                muted: None,
            });
        }
    }
    KeyReport {
        id: entry.id.clone(),
        partner_id: entry.partner_id.clone(),
        environment: entry.environment,
        integrations: entry.integrations.clone(),
        lifecycle: entry.status,
        verdict: KeyVerdict::Ok,
        age_days,
        due_date,
        days_left,
        findings,
        metadata_only: None,
    }
}

/// The 1-based line of each key's `"id": "..."` in the key file's text, where it can be found
/// cheaply (first match per id); SARIF and GitHub annotations point there.
pub fn id_lines(text: &str, ids: &[&str]) -> Vec<Option<usize>> {
    // One lookup per `"id"` in the text, so that a file of many keys costs no more than its size.
    let mut slots: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        slots.entry(id).or_default().push(i);
    }
    let mut found = vec![None; ids.len()];
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("\"id\"") {
            rest = &rest[at + 4..];
            let Some(value) = rest.trim_start().strip_prefix(':') else {
                continue;
            };
            let mut values = serde_json::Deserializer::from_str(value).into_iter::<String>();
            let Some(Ok(id)) = values.next() else {
                continue;
            };
            for &i in slots.get(id.as_str()).into_iter().flatten() {
                found[i].get_or_insert(number + 1);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        crate::time::parse_rfc3339(text).unwrap()
    }

    fn file(keys: &str) -> KeyFile {
        KeyFile::parse(
            Path::new("keys.json"),
            format!(r#"{{"keys":[{keys}]}}"#).as_bytes(),
        )
        .unwrap()
    }

    fn key(id: &str, created: &str, extra: &str) -> String {
        format!(
            r#"{{"id":"{id}","partner_id":"085","environment":"production","integrations":["server"],"created":"{created}"{extra}}}"#
        )
    }

    fn run(file: &KeyFile, secrets: &[Secret], now: &str) -> Report {
        let settings = Settings {
            now: at(now),
            policy: file.policy,
            overrides: file.overrides,
            file_exposed: Some(false),
            file_open: Some(false),
            secret_files_open: Vec::new(),
        };
        audit(file, secrets, &settings)
    }

    fn codes(key: &KeyReport) -> Vec<(&'static str, bool)> {
        key.findings
            .iter()
            .map(|f| (f.code.as_str(), f.muted.is_some()))
            .collect()
    }

    #[test]
    fn day_boundaries() {
        // 2026-09-01 + 90 days = 2026-11-30.
        let f = file(&key("k", "2026-09-01", ""));
        let cases = [
            (
                "2026-11-29T23:59:59Z",
                89,
                1,
                KeyVerdict::Warn,
                vec!["expiring"],
            ),
            (
                "2026-11-30T00:00:00Z",
                90,
                0,
                KeyVerdict::Warn,
                vec!["expiring"],
            ),
            (
                "2026-12-01T00:00:00Z",
                91,
                -1,
                KeyVerdict::Fail,
                vec!["expired"],
            ),
            ("2026-11-15T12:00:00Z", 75, 15, KeyVerdict::Ok, vec![]),
            (
                "2026-11-16T12:00:00Z",
                76,
                14,
                KeyVerdict::Warn,
                vec!["expiring"],
            ),
        ];
        for (now, age, left, verdict, expected) in cases {
            let r = run(&f, &[], now);
            let k = &r.keys[0];
            assert_eq!(
                (k.age_days, k.days_left, k.verdict),
                (age, left, verdict),
                "{now}"
            );
            assert_eq!(k.due_date.to_string(), "2026-11-30");
            let got: Vec<&str> = k.findings.iter().map(|f| f.code.as_str()).collect();
            assert_eq!(got, expected, "{now}");
        }
    }

    #[test]
    fn eighty_nine_days_is_ok_with_no_warning_window() {
        let f = KeyFile::parse(
            Path::new("k.json"),
            format!(
                r#"{{"policy":{{"warn_days":0}},"keys":[{}]}}"#,
                key("k", "2026-09-01", "")
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            run(&f, &[], "2026-11-29T12:00:00Z").keys[0].verdict,
            KeyVerdict::Ok
        );
        assert_eq!(
            run(&f, &[], "2026-11-30T12:00:00Z").keys[0].verdict,
            KeyVerdict::Warn
        );
        assert_eq!(
            run(&f, &[], "2026-12-01T12:00:00Z").keys[0].verdict,
            KeyVerdict::Fail
        );
    }

    /// A due date past year 9999 is written as its last day, but the days left are counted to
    /// the true one: a key created that week is not `expiring`.
    #[test]
    fn a_due_date_past_year_9999_makes_no_key_look_due() {
        let f = file(&key("k", "9999-12-25", ""));
        let k = &run(&f, &[], "9999-12-25T12:00:00Z").keys[0];
        assert_eq!(
            (k.due_date.to_string(), k.days_left, k.verdict),
            ("9999-12-31".to_owned(), 90, KeyVerdict::Ok)
        );
        assert!(k.findings.is_empty(), "{:?}", k.findings);
    }

    #[test]
    fn created_with_an_offset_counts_in_utc_days() {
        // 23:30 at -02:00 is 01:30 UTC the next day.
        let f = file(&key("k", "2026-09-01T23:30:00-02:00", ""));
        let k = &run(&f, &[], "2026-12-01T00:00:00Z").keys[0];
        assert_eq!(
            (k.age_days, k.due_date.to_string()),
            (90, "2026-12-01".into())
        );
        assert_eq!(k.days_left, 0);
    }

    #[test]
    fn retired_keys_get_no_age_findings() {
        let f = file(&key(
            "k",
            "2020-01-01",
            r#","status":"retired","retired":"2020-03-01""#,
        ));
        let k = &run(&f, &[], "2026-12-01T00:00:00Z").keys[0];
        assert!(k.findings.is_empty());
        assert_eq!(k.verdict, KeyVerdict::Ok);
    }

    #[test]
    fn future_keys_fail() {
        let f = file(&key("k", "2026-12-02T10:00:00Z", ""));
        let k = &run(&f, &[], "2026-12-02T09:00:00Z").keys[0];
        assert_eq!(codes(k), [("created_in_future", false)]);
        assert_eq!((k.age_days, k.verdict), (0, KeyVerdict::Fail));
    }

    #[test]
    fn secret_rules_compare_digests() {
        let f = file(&format!(
            "{},{},{},{}",
            key("a", "2026-11-01", ""),
            key("b", "2026-11-01", "").replace("production", "sandbox"),
            key("c", "2026-11-01", ""),
            key("d", "2026-11-01", r#","api_key_env":"UNSET""#),
        ));
        let same = Secret::Digest([1; 32]);
        let secrets = [
            same.clone(),
            same,
            Secret::Digest([2; 32]),
            Secret::Unresolved("environment variable UNSET is not set".into()),
        ];
        let r = run(&f, &secrets, "2026-11-02T00:00:00Z");
        assert_eq!(
            codes(&r.keys[0]),
            [("shared_key", false), ("cross_environment", false)]
        );
        assert_eq!(
            codes(&r.keys[1]),
            [("shared_key", false), ("cross_environment", false)]
        );
        assert!(r.keys[2].findings.is_empty());
        assert!(r.keys[3].findings.is_empty());
        assert!(r.keys[3].metadata_only.is_some());
        assert_eq!(r.totals().unresolved, 1);
    }

    #[test]
    fn two_integrations_is_a_shared_key() {
        let f =
            file(&key("k", "2026-11-01", "").replace(r#"["server"]"#, r#"["server","mobile"]"#));
        let k = &run(&f, &[], "2026-11-02T00:00:00Z").keys[0];
        assert_eq!(codes(k), [("shared_key", false)]);
        assert!(k.findings[0].message.contains("server, mobile"));
        // One label twice is one integration.
        let f =
            file(&key("k", "2026-11-01", "").replace(r#"["server"]"#, r#"["server","server"]"#));
        assert_eq!(codes(&run(&f, &[], "2026-11-02T00:00:00Z").keys[0]), []);
    }

    #[test]
    fn inline_secrets_and_permissions() {
        let f = file(&key("k", "2026-11-01", r#","api_key":"hunter2""#));
        let mut settings = Settings {
            now: at("2026-11-02T00:00:00Z"),
            policy: f.policy,
            overrides: f.overrides,
            file_exposed: Some(false),
            file_open: Some(false),
            secret_files_open: Vec::new(),
        };
        let r = audit(&f, &[], &settings);
        assert_eq!(codes(&r.keys[0]), [("inline_secret", false)]);
        assert_eq!(r.keys[0].verdict, KeyVerdict::Warn);
        settings.file_exposed = Some(true);
        let r = audit(&f, &[], &settings);
        assert_eq!(
            codes(&r.keys[0]),
            [("exposed_inline_secret", false), ("inline_secret", false)]
        );
        assert_eq!(r.keys[0].verdict, KeyVerdict::Fail);
    }

    #[test]
    fn mutes_current_and_lapsed() {
        let mute = r#","mutes":[{"finding":"expiring","reason":"booked","until":"2026-11-30"}]"#;
        let f = file(&key("k", "2026-09-01", mute));
        // Current (until is inclusive): reported muted, not counted.
        let r = run(&f, &[], "2026-11-30T12:00:00Z");
        assert_eq!(codes(&r.keys[0]), [("expiring", true)]);
        assert_eq!(r.keys[0].verdict, KeyVerdict::Ok);
        assert!(!r.fails(Severity::Warn));
        assert_eq!(r.totals().muted, 1);
        // Lapsed: the mute no longer applies, and says so.
        let f = file(&key("k", "2026-09-02", mute));
        let r = run(&f, &[], "2026-12-01T00:00:00Z");
        assert_eq!(
            codes(&r.keys[0]),
            [("expiring", false), ("mute_expired", false)]
        );
        assert_eq!(r.keys[0].verdict, KeyVerdict::Warn);
        assert!(r.fails(Severity::Warn));
        assert!(!r.fails(Severity::Fail));
        assert!(
            r.keys[0].findings[1]
                .message
                .ends_with("the finding counts again")
        );
        // Renewed by a second mute: the finding stays muted, and the lapsed one says so.
        let renewed = r#","mutes":[{"finding":"expiring","reason":"booked","until":"2026-11-30"},{"finding":"expiring","reason":"moved","until":"2026-12-05"}]"#;
        let r = run(
            &file(&key("k", "2026-09-02", renewed)),
            &[],
            "2026-12-01T00:00:00Z",
        );
        assert_eq!(
            codes(&r.keys[0]),
            [("expiring", true), ("mute_expired", false)]
        );
        assert!(
            r.keys[0].findings[1]
                .message
                .ends_with("a later mute covers the finding until 2026-12-05; remove this one"),
            "{}",
            r.keys[0].findings[1].message
        );
    }

    #[test]
    fn urgency_and_due_together() {
        let f = file(&format!(
            "{},{},{}",
            key("ok", "2026-11-01", ""),
            key("soon", "2026-09-05", ""),
            key("late", "2026-08-01", ""),
        ));
        let r = run(&f, &[], "2026-11-25T00:00:00Z");
        let order: Vec<&str> = r
            .by_urgency()
            .iter()
            .map(|&i| r.keys[i].id.as_str())
            .collect();
        assert_eq!(order, ["late", "soon", "ok"]);
        let together = r.due_together();
        assert_eq!(together.len(), 1);
        assert_eq!(together[0].0, "085");
        assert_eq!(together[0].1.len(), 2);
    }

    #[test]
    fn finds_id_lines() {
        let text =
            "{\"keys\": [\n {\"partner_id\": \"a\",\n  \"id\" : \"a\"},\n {\"id\":\"b\\\"q\"}]}";
        assert_eq!(
            id_lines(text, &["a", "b\"q", "c"]),
            [Some(3), Some(4), None]
        );
    }
}
