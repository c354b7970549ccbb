//! The key file: strict parsing, validation and secret resolution.
//!
//! `sign`, `verify` and `audit` all read keys through this module. Unknown fields are errors that
//! name the field, so a misspelt `created` cannot pass silently. Secrets are resolved on demand and
//! only ever held as [`ApiKey`].

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::input;
use crate::keys::audit::{Code, MAX_POLICY_DAYS};
use crate::signing::secret::{ApiKey, KeyError};
use crate::time::{BadTimestamp, parse_date_or_time, parse_full_date};

/// Where the key file is looked for when neither `--keys` nor `SMILE_SEC_KEYS` names one.
pub const DEFAULT_PATH: &str = "smile-keys.json";

/// A parsed and validated key file.
#[derive(Debug)]
pub struct KeyFile {
    /// The file it was read from; relative `api_key_file` paths resolve against its folder.
    pub path: PathBuf,
    pub policy: Policy,
    /// `policy.production` and `policy.sandbox`: what differs for that environment's keys.
    pub overrides: EnvOverrides,
    pub keys: Vec<KeyEntry>,
}

/// A policy's numbers for one environment's keys, where they differ from the file's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverride {
    pub max_age_days: Option<u32>,
    pub warn_days: Option<u32>,
    #[serde(rename = "$comment", default)]
    comment: Comment,
}

/// A `"$comment"`: a note for people (as in JSON Schema), which must be a string and is otherwise
/// ignored. It is the one field a key file may have beyond its own, so that a file can explain
/// itself (`smile-sec keys template`) while a misspelt field is still an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Comment;

impl<'de> Deserialize<'de> for Comment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|_| Comment)
    }
}

impl PolicyOverride {
    /// `base` with what this override sets.
    pub fn apply(self, base: Policy) -> Policy {
        Policy {
            max_age_days: self.max_age_days.unwrap_or(base.max_age_days),
            warn_days: self.warn_days.unwrap_or(base.warn_days),
        }
    }
}

/// The per-environment overrides of a key file's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnvOverrides {
    pub production: PolicyOverride,
    pub sandbox: PolicyOverride,
}

impl EnvOverrides {
    pub fn get(&self, environment: Environment) -> PolicyOverride {
        match environment {
            Environment::Production => self.production,
            Environment::Sandbox => self.sandbox,
        }
    }
}

impl KeyFile {
    /// The policy for one environment's keys: its override over the file's policy.
    pub fn policy_for(&self, environment: Environment) -> Policy {
        self.overrides.get(environment).apply(self.policy)
    }
}

/// The policy as the file spells it: the numbers for every key, and per-environment overrides.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(rename = "$comment", default)]
    _comment: Comment,
    max_age_days: Option<u32>,
    warn_days: Option<u32>,
    production: Option<Object<PolicyOverride>>,
    sandbox: Option<Object<PolicyOverride>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "Policy::default_max_age_days")]
    pub max_age_days: u32,
    #[serde(default = "Policy::default_warn_days")]
    pub warn_days: u32,
}

impl Policy {
    /// Smile ID: "rotate API keys every 90 days, or more often" (Security Overview).
    fn default_max_age_days() -> u32 {
        90
    }
    fn default_warn_days() -> u32 {
        14
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_age_days: Policy::default_max_age_days(),
            warn_days: Policy::default_warn_days(),
        }
    }
}

/// The environment a key belongs to; Smile ID keys work in one only.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Production,
    Sandbox,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    #[default]
    Active,
    /// Kept only to verify older callbacks; no age findings.
    Retired,
}

/// A mute: a finding on one key, acknowledged with a reason until a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mute {
    pub finding: String,
    pub reason: String,
    pub until: NaiveDate,
}

/// One key entry. `created` is already parsed; the secret is resolved on demand.
#[derive(Debug)]
pub struct KeyEntry {
    pub id: String,
    pub partner_id: String,
    pub environment: Environment,
    pub integrations: Vec<String>,
    pub created: DateTime<Utc>,
    pub status: KeyStatus,
    /// When a retired key was rotated out: a callback it signed dated after this is a forgery
    /// (Smile ID disables a rotated key, so only someone who kept a copy can still sign with it).
    /// Always set for a retired key, never for an active one.
    pub retired: Option<DateTime<Utc>>,
    pub secret: SecretSource,
    pub owner: Option<String>,
    pub mutes: Vec<Mute>,
}

/// Where an entry's API key lives.
#[derive(Debug)]
pub enum SecretSource {
    /// Audit-only entry: metadata without a secret.
    None,
    /// `api_key_env`: an environment variable's name.
    Env(String),
    /// `api_key_file`: a path, relative to the key file's folder.
    File(PathBuf),
    /// `api_key`: the value inline (discouraged).
    Inline(ApiKey),
}

/// Everything that can be wrong with a key file. Every message names the file and the problem.
#[derive(Debug)]
pub enum KeyFileError {
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    Syntax {
        path: PathBuf,
        /// Where in the file's structure (`keys[0].status`), when inside it.
        at: Option<String>,
        source: serde_json::Error,
    },
    Invalid {
        path: PathBuf,
        entry: Option<String>,
        problem: String,
    },
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFileError::Read { path, source } => {
                write!(f, "cannot read key file {}: {source}", input::shown(path))
            }
            KeyFileError::Syntax { path, at, source } => {
                write!(f, "invalid key file {}: ", input::shown(path))?;
                if let Some(at) = at {
                    write!(f, "{at}: ")?;
                }
                f.write_str(&without_secrets(&source.to_string()))
            }
            KeyFileError::Invalid {
                path,
                entry: Some(id),
                problem,
            } => {
                write!(
                    f,
                    "invalid key file {}: key `{}`: {problem}",
                    input::shown(path),
                    input::shown_value(id)
                )
            }
            KeyFileError::Invalid {
                path,
                entry: None,
                problem,
            } => {
                write!(f, "invalid key file {}: {problem}", input::shown(path))
            }
        }
    }
}

impl std::error::Error for KeyFileError {}

/// Where in a key file's structure serde_json stopped (`keys[0].status`), `None` at the top. A
/// field that is not one of ours ends the place where its name would stand: the message names it
/// (or its fingerprint, when it could be a key pasted in the wrong place), the place does not.
fn place(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut segments: Vec<&Segment> = path.iter().collect();
    if message.starts_with("unknown field") && matches!(segments.last(), Some(Segment::Map { .. }))
    {
        segments.pop();
    }
    let mut at = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => at.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(&input::shown_value(key));
            }
            Segment::Unknown => at.push_str(if at.is_empty() { "?" } else { ".?" }),
        }
    }
    (!at.is_empty()).then_some(at)
}

/// serde_json's message about a key file without the values it quotes that could be a key: a
/// string where another type belongs (a key listed where an entry belongs) is never shown, and a
/// name in backticks (a field, a variant: a key pasted as the `environment`) only when it does
/// not look like a secret.
fn without_secrets(message: &str) -> String {
    const STRING: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(STRING) {
        out.push_str(&rest[..at]);
        out.push_str("a string (not shown)");
        // Quoted as Rust's `Debug` quotes: the first quote after no backslash closes it.
        let quoted = &rest[at + STRING.len()..];
        let mut escaped = false;
        let end = quoted
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(quoted.len(), |(i, _)| i + 1);
        rest = &quoted[end..];
    }
    out.push_str(rest);
    // A name serde quotes in backticks is written as it is, backticks and all: it runs to the
    // backtick before `, expected` (or the last one).
    for prefix in ["unknown variant `", "unknown field `", "duplicate field `"] {
        let Some(start) = out.find(prefix).map(|at| at + prefix.len()) else {
            continue;
        };
        let Some(end) = (out[start..].rfind("`, expected"))
            .or_else(|| out[start..].rfind('`'))
            .map(|end| start + end)
        else {
            continue;
        };
        let shown = input::shown_value(&out[start..end]).into_owned();
        out.replace_range(start..end, &shown);
    }
    out.split('`')
        .enumerate()
        .map(|(i, part)| match i % 2 {
            1 => input::shown_value(part),
            _ => part.into(),
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Why an entry's secret could not be had.
#[derive(Debug)]
pub enum SecretError {
    /// The entry names no secret (an audit-only file).
    NoSecret,
    EnvUnset(String),
    EnvNotUnicode(String),
    /// `api_key_file` cannot be read; `path` is as the key file writes it.
    FileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `api_key_file` names a file outside the key file's folder, or one that is not a regular
    /// file; `path` is as the key file writes it.
    FileRefused {
        path: PathBuf,
        why: &'static str,
    },
    Key(KeyError),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::NoSecret => {
                f.write_str("the entry has no api_key_env, api_key_file or api_key")
            }
            SecretError::EnvUnset(name) => {
                write!(
                    f,
                    "environment variable {} is not set",
                    shown_env_name(name)
                )
            }
            SecretError::EnvNotUnicode(name) => write!(
                f,
                "environment variable {} is not valid UTF-8",
                shown_env_name(name)
            ),
            SecretError::FileUnreadable { path, source } => {
                write!(
                    f,
                    "cannot read api_key_file {}: {source}",
                    input::shown(path)
                )
            }
            SecretError::FileRefused { path, why } => {
                write!(f, "api_key_file {} is refused: {why}", input::shown(path))
            }
            SecretError::Key(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SecretError {}

// The on-disk shape, kept private: `KeyFile`/`KeyEntry` are what the rest of the crate sees.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "$comment", default)]
    _comment: Comment,
    #[serde(default)]
    policy: Object<RawPolicy>,
    keys: Vec<Object<RawEntry>>,
}

/// A struct the file must spell as a JSON object. serde's derive also reads a struct from an
/// array, by position, which would pass by the field names this format checks (`"policy": [30, 5]`
/// would set the policy, and a mute written as an array would mute).
#[derive(Default)]
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(Fields(PhantomData))
            .map(Object)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(rename = "$comment", default)]
    _comment: Comment,
    id: String,
    partner_id: String,
    environment: Environment,
    integrations: Vec<String>,
    created: String,
    #[serde(default)]
    status: KeyStatus,
    retired: Option<String>,
    api_key_env: Option<String>,
    api_key_file: Option<PathBuf>,
    api_key: Option<ApiKey>,
    owner: Option<String>,
    #[serde(default)]
    mutes: Vec<Object<RawMute>>,
}

/// Why a mute cannot stand, if it cannot: it names a finding `audit` has not, or
/// `mute_expired` (a lapsed mute is renewed, not muted), or gives no reason.
fn check_mute(finding: &str, reason: &str) -> Result<(), String> {
    match Code::parse(finding) {
        Some(Code::MuteExpired) => {
            return Err("a mute cannot name `mute_expired`; renew the lapsed mute instead".into());
        }
        Some(_) => {}
        None => {
            let known: Vec<&str> = Code::ALL
                .iter()
                .filter(|c| **c != Code::MuteExpired)
                .map(|c| c.as_str())
                .collect();
            return Err(format!(
                "mute names unknown finding `{}` (one of: {})",
                input::shown_value(finding),
                known.join(", ")
            ));
        }
    }
    if reason.trim().is_empty() {
        return Err(format!("the mute of `{finding}` has an empty reason"));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMute {
    #[serde(rename = "$comment", default)]
    _comment: Comment,
    finding: String,
    reason: String,
    until: String,
}

impl KeyFile {
    /// Reads and validates a key file.
    pub fn load(path: &Path) -> Result<KeyFile, KeyFileError> {
        let bytes =
            input::read_file(path, input::LIST_BYTES).map_err(|source| KeyFileError::Read {
                path: path.to_owned(),
                source,
            })?;
        KeyFile::parse(path, &bytes)
    }

    /// Parses key-file bytes; `path` names the file in errors and anchors relative secret paths.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<KeyFile, KeyFileError> {
        let raw = raw_file_of(path, bytes)?;
        let Object(raw_policy) = raw.policy;
        let (policy, overrides) =
            policy_of(raw_policy).map_err(|problem| invalid(path, None, problem))?;
        let mut seen = HashSet::new();
        let mut keys = Vec::with_capacity(raw.keys.len());
        for Object(entry) in raw.keys {
            keys.push(entry_of(path, entry, &mut seen)?);
        }
        Ok(KeyFile {
            path: path.to_owned(),
            policy,
            overrides,
            keys,
        })
    }

    /// The folder relative `api_key_file` paths are resolved against.
    pub fn base_dir(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    /// Resolves an entry's secret. `Err(NoSecret)` for audit-only entries.
    pub fn resolve_secret(&self, entry: &KeyEntry) -> Result<ApiKey, SecretError> {
        match &entry.secret {
            SecretSource::None => Err(SecretError::NoSecret),
            SecretSource::Env(name) => match std::env::var_os(name) {
                None => Err(SecretError::EnvUnset(name.clone())),
                Some(value) => {
                    let value = value
                        .into_string()
                        .map_err(|_| SecretError::EnvNotUnicode(name.clone()))?;
                    ApiKey::new(value).map_err(SecretError::Key)
                }
            },
            SecretSource::File(file) => {
                let path = self.secret_path(file)?;
                let bytes = input::read_file(&path, input::SECRET_BYTES).map_err(|source| {
                    SecretError::FileUnreadable {
                        path: file.clone(),
                        source,
                    }
                })?;
                ApiKey::from_file_contents(bytes).map_err(SecretError::Key)
            }
            SecretSource::Inline(key) => Ok(key.clone()),
        }
    }

    /// Where an `api_key_file` is: inside the key file's folder, and nowhere else. A key file
    /// is often shared or checked in; a path in it that reaches out (`/proc/self/environ`,
    /// `../../home/x/.ssh/id_rsa`, a symlink to either) would make whoever runs smile-sec on it
    /// read, and use as a key, a file the key file's author chose.
    pub fn secret_path(&self, file: &Path) -> Result<PathBuf, SecretError> {
        let refused = |why| SecretError::FileRefused {
            path: file.to_owned(),
            why,
        };
        // Checked when the file was read too; again here for entries built otherwise.
        lexically_inside(file).map_err(refused)?;
        let path = self.base_dir().join(file);
        // Then through symlinks: the real file must be inside the real folder.
        let unreadable = |source| SecretError::FileUnreadable {
            path: file.to_owned(),
            source,
        };
        let real = std::fs::canonicalize(&path).map_err(unreadable)?;
        let folder = std::fs::canonicalize(self.base_dir()).map_err(unreadable)?;
        if !real.starts_with(&folder) {
            return Err(refused(
                "it leads out of the key file's folder (through a symbolic link)",
            ));
        }
        Ok(real)
    }

    pub fn find(&self, id: &str) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// A key file's problem that is not of JSON syntax, named with the file and, when it is in one
/// entry, that entry's id.
fn invalid(path: &Path, entry: Option<&str>, problem: String) -> KeyFileError {
    KeyFileError::Invalid {
        path: path.to_owned(),
        entry: entry.map(str::to_owned),
        problem,
    }
}

/// The file in its on-disk shape, with nothing after it; a syntax error names where in the
/// structure it is.
fn raw_file_of(path: &Path, bytes: &[u8]) -> Result<RawFile, KeyFileError> {
    let bytes = input::without_bom(bytes);
    let syntax = |at: Option<String>, source| KeyFileError::Syntax {
        path: path.to_owned(),
        at,
        source,
    };
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let Object(raw): Object<RawFile> =
        serde_path_to_error::deserialize(&mut reader).map_err(|e| {
            let at = place(e.path(), &e.inner().to_string());
            syntax(at, e.into_inner())
        })?;
    reader.end().map_err(|e| syntax(None, e))?;
    Ok(raw)
}

/// The file's policy and per-environment overrides, defaults filled in, or why a maximum age
/// cannot stand.
fn policy_of(raw: RawPolicy) -> Result<(Policy, EnvOverrides), String> {
    let policy = Policy {
        max_age_days: raw
            .max_age_days
            .unwrap_or_else(Policy::default_max_age_days),
        warn_days: raw.warn_days.unwrap_or_else(Policy::default_warn_days),
    };
    let overrides = EnvOverrides {
        production: raw.production.map(|Object(o)| o).unwrap_or_default(),
        sandbox: raw.sandbox.map(|Object(o)| o).unwrap_or_default(),
    };
    check_max_ages(&policy, &overrides)?;
    Ok((policy, overrides))
}

/// Why a maximum age the policy sets is out of range (1 to [`MAX_POLICY_DAYS`]), the file's own
/// first, then production's, then sandbox's.
fn check_max_ages(policy: &Policy, overrides: &EnvOverrides) -> Result<(), String> {
    for (name, max) in [
        ("policy.max_age_days", Some(policy.max_age_days)),
        (
            "policy.production.max_age_days",
            overrides.production.max_age_days,
        ),
        (
            "policy.sandbox.max_age_days",
            overrides.sandbox.max_age_days,
        ),
    ] {
        if max == Some(0) {
            return Err(format!("{name} must be at least 1"));
        }
        if let Some(days) = max.filter(|days| *days > MAX_POLICY_DAYS) {
            return Err(format!("{name} is {days}, expected 1 to {MAX_POLICY_DAYS}"));
        }
    }
    Ok(())
}

/// One entry, validated field by field in a fixed order, so that the first problem is the one
/// named; `seen` holds the ids of the entries before it.
fn entry_of(
    path: &Path,
    entry: RawEntry,
    seen: &mut HashSet<String>,
) -> Result<KeyEntry, KeyFileError> {
    let id = entry.id;
    // A blank id could not be told apart in a table or typed to `--key`. (A partner ID of white
    // space is signed as it is, as every SDK signs it; only an empty one is refused.)
    if id.trim().is_empty() {
        return Err(invalid(
            path,
            None,
            "a key has an empty or blank `id`".into(),
        ));
    }
    let in_entry = |problem: String| invalid(path, Some(&id), problem);
    if !seen.insert(id.clone()) {
        return Err(in_entry("duplicate id (ids must be unique)".into()));
    }
    if entry.partner_id.is_empty() {
        return Err(in_entry("`partner_id` is empty".into()));
    }
    check_integrations(&entry.integrations).map_err(in_entry)?;
    let created = date_or_time_of("created", &entry.created).map_err(in_entry)?;
    let retired =
        retired_of(entry.status, entry.retired, created, &entry.created).map_err(in_entry)?;
    let secret =
        secret_source_of(entry.api_key_env, entry.api_key_file, entry.api_key).map_err(in_entry)?;
    let mutes = mutes_of(entry.mutes).map_err(in_entry)?;
    Ok(KeyEntry {
        id,
        partner_id: entry.partner_id,
        environment: entry.environment,
        integrations: entry.integrations,
        created,
        status: entry.status,
        retired,
        secret,
        owner: entry.owner,
        mutes,
    })
}

/// Why an entry's `integrations` cannot stand, if it cannot: it lists none, or a blank label.
fn check_integrations(integrations: &[String]) -> Result<(), String> {
    if integrations.is_empty() {
        return Err("`integrations` must list at least one integration".into());
    }
    if integrations.iter().any(|label| label.trim().is_empty()) {
        return Err("`integrations` has an empty label".into());
    }
    Ok(())
}

/// The moment a date-or-time field (`created`, `retired`) names, or why it names none.
fn date_or_time_of(field: &str, text: &str) -> Result<DateTime<Utc>, String> {
    parse_date_or_time(text).map_err(|BadTimestamp(text)| {
        format!(
            "`{field}` is `{}`, expected YYYY-MM-DD or an RFC 3339 time",
            input::shown_value(&text)
        )
    })
}

/// When the key was rotated out: given exactly when `status` is `retired`, and not before the
/// day it was `created` (`created_text` as the file writes it).
fn retired_of(
    status: KeyStatus,
    retired: Option<String>,
    created: DateTime<Utc>,
    created_text: &str,
) -> Result<Option<DateTime<Utc>>, String> {
    match (status, retired) {
        (KeyStatus::Active, None) => Ok(None),
        (KeyStatus::Active, Some(_)) => Err(
            "`retired` is given but `status` is not `retired` (set \"status\": \"retired\" too, or drop `retired`)".into(),
        ),
        (KeyStatus::Retired, None) => Err(
            "`status` is `retired` but `retired` is missing: give the date the key was rotated out (YYYY-MM-DD or an RFC 3339 time); callbacks it signed after that moment are refused".into(),
        ),
        (KeyStatus::Retired, Some(text)) => {
            let retired = date_or_time_of("retired", &text)?;
            // A key cannot be rotated out before the day it was made: such a date is a slip (of
            // the year, say), and the entry would not say when its signatures stopped being good.
            // Compared by day: `created` may be a time of day and `retired` a bare date of the
            // same day.
            if retired.date_naive() < created.date_naive() {
                return Err(format!(
                    "`retired` ({}) is before `created` ({}): a key cannot be rotated out before it was made",
                    input::shown_value(&text),
                    input::shown_value(created_text)
                ));
            }
            Ok(Some(retired))
        }
    }
}

/// Where the entry's API key lives: at most one of `api_key_env` (a valid variable name),
/// `api_key_file` (a path that stays in the key file's folder) and `api_key`.
fn secret_source_of(
    api_key_env: Option<String>,
    api_key_file: Option<PathBuf>,
    api_key: Option<ApiKey>,
) -> Result<SecretSource, String> {
    match (api_key_env, api_key_file, api_key) {
        (None, None, None) => Ok(SecretSource::None),
        (Some(name), None, None) if is_env_name(&name) => Ok(SecretSource::Env(name)),
        (Some(name), None, None) if name.is_empty() => Err("`api_key_env` is empty".into()),
        // Not quoted: a value that is no variable name is most likely the key itself, pasted
        // where its variable's name belongs.
        (Some(_), None, None) => Err(
            "`api_key_env` must be the name of an environment variable (letters, digits and `_`, not starting with a digit); its value is not shown in case it is the key itself".into(),
        ),
        // Read relative to the key file's folder, it would name the folder itself.
        (None, Some(file), None) if file.as_os_str().is_empty() => {
            Err("`api_key_file` is empty".into())
        }
        (None, Some(file), None) => match lexically_inside(&file) {
            Err(why) => Err(format!(
                "`api_key_file` {} is refused: {why}",
                input::shown(&file)
            )),
            Ok(()) => Ok(SecretSource::File(file)),
        },
        (None, None, Some(key)) => Ok(SecretSource::Inline(key)),
        _ => Err("give at most one of `api_key_env`, `api_key_file`, `api_key`".into()),
    }
}

/// The entry's mutes, in file order, each checked; the first that cannot stand says why.
fn mutes_of(raw: Vec<Object<RawMute>>) -> Result<Vec<Mute>, String> {
    let mut mutes = Vec::with_capacity(raw.len());
    for Object(mute) in raw {
        mutes.push(mute_of(mute)?);
    }
    Ok(mutes)
}

/// One mute, checked here for every command: a key file valid for `verify` and not for `audit`
/// would only be found wrong by whichever runs last.
fn mute_of(mute: RawMute) -> Result<Mute, String> {
    check_mute(&mute.finding, &mute.reason)?;
    let until = parse_full_date(&mute.until).ok_or_else(|| {
        format!(
            "mute `until` is `{}`, expected YYYY-MM-DD",
            input::shown_value(&mute.until)
        )
    })?;
    Ok(Mute {
        finding: mute.finding,
        reason: mute.reason,
        until,
    })
}

/// A key file to start from, dated `today`: two keys (production and sandbox, server to server)
/// whose values live in environment variables, every placeholder explained in a `"$comment"`.
/// It parses, and `audit` passes it (the keys are new; their variables are unset until set).
pub fn template(today: NaiveDate) -> String {
    let month = today.format("%Y-%m");
    let template = serde_json::json!({
        "$comment": "smile-sec key file. Replace YOUR-PARTNER-ID with your Smile ID partner ID (used byte for byte: \"085\" and \"85\" sign differently), set each api_key_env variable to its key where smile-sec runs, and keep one entry per key and integration. Check it with: smile-sec audit --keys smile-keys.json. Schema: schema/smile-keys.schema.json. No secret belongs in this file: use api_key_env (a variable's name) or api_key_file (a file beside this one, chmod 600).",
        "policy": {
            "$comment": "Rotate every 90 days (Smile ID's advice), warn 14 days ahead; an environment may have its own numbers.",
            "max_age_days": 90,
            "warn_days": 14,
            "production": { "max_age_days": 90 }
        },
        "keys": [
            {
                "$comment": "The production key your server signs with. `created` is the day the key was made in the portal; when you rotate it, add the new key as a new entry and set this one's status to \"retired\" with the date in `retired`.",
                "id": format!("live-server-{month}"),
                "partner_id": "YOUR-PARTNER-ID",
                "environment": "production",
                "integrations": ["server"],
                "created": today.to_string(),
                "status": "active",
                "api_key_env": "SMILE_LIVE_SERVER_KEY",
                "owner": "your-team",
                "mutes": []
            },
            {
                "$comment": "The sandbox key for the same integration: keys work in one environment only.",
                "id": format!("sandbox-server-{month}"),
                "partner_id": "YOUR-PARTNER-ID",
                "environment": "sandbox",
                "integrations": ["server"],
                "created": today.to_string(),
                "status": "active",
                "api_key_env": "SMILE_SANDBOX_SERVER_KEY",
                "owner": "your-team"
            }
        ]
    });
    // A JSON value of strings, numbers and arrays always serialises.
    serde_json::to_string_pretty(&template).unwrap_or_default() + "\n"
}

/// Whether `file`, as written, stays inside the folder it is relative to: not absolute, and no
/// `..` that climbs out of it (symbolic links are for [`KeyFile::secret_path`] to follow).
fn lexically_inside(file: &Path) -> Result<(), &'static str> {
    use std::path::Component;
    if file.has_root()
        || file.is_absolute()
        || file.components().any(|c| matches!(c, Component::Prefix(_)))
    {
        return Err("it must be a path relative to the key file's folder, not an absolute one");
    }
    let mut depth = 0usize;
    for component in file.components() {
        match component {
            Component::ParentDir if depth == 0 => {
                return Err("`..` leads out of the key file's folder");
            }
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    Ok(())
}

/// A portable environment variable name (POSIX: letters, digits and `_`, not starting with a digit).
fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether two paths name the same existing file (a key file named twice, in two spellings, is
/// one source).
pub fn same_file(a: &Path, b: &Path) -> bool {
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(a), Ok(b)) if a == b
    )
}

/// Finds the key file: the path given (audit merges `--keys` and `SMILE_SEC_KEYS` through clap), else
/// `./smile-keys.json` if present.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(path.to_owned()),
        None => {
            let default = Path::new(DEFAULT_PATH);
            default.exists().then(|| default.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<KeyFile, KeyFileError> {
        KeyFile::parse(Path::new("keys.json"), text.as_bytes())
    }

    const GOOD: &str = r#"{
      "policy": { "max_age_days": 60, "sandbox": { "warn_days": 3 } },
      "keys": [
        { "id": "a", "partner_id": "085", "environment": "production", "integrations": ["server"],
          "created": "2026-09-01", "api_key_env": "SMILE_TEST_UNSET_VARIABLE" },
        { "id": "b", "partner_id": "085", "environment": "sandbox", "integrations": ["web"],
          "created": "2026-09-01T10:00:00+02:00", "status": "retired", "retired": "2026-10-15",
          "api_key": "inline-key",
          "mutes": [ { "finding": "inline_secret", "reason": "test", "until": "2026-12-01" } ] }
      ]
    }"#;

    /// A mute that names no finding `audit` has, or `mute_expired`, or gives no reason, and a
    /// policy past a hundred years, make the file invalid for every command, not for `audit`
    /// alone.
    #[test]
    fn bad_mutes_and_policies_are_refused_for_every_command() {
        let entry = r#""id":"k","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-09-01""#;
        for (mute, said) in [
            (
                r#""finding":"expirng","reason":"r""#,
                "mute names unknown finding `expirng`",
            ),
            (
                r#""finding":"mute_expired","reason":"r""#,
                "cannot name `mute_expired`",
            ),
            (
                r#""finding":"expiring","reason":" ""#,
                "has an empty reason",
            ),
        ] {
            let text =
                format!(r#"{{"keys":[{{{entry},"mutes":[{{{mute},"until":"2026-11-30"}}]}}]}}"#);
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains(said) && e.contains("`k`"), "{e}");
        }
        let text = format!(
            r#"{{"policy":{{"production":{{"max_age_days":36501}}}},"keys":[{{{entry}}}]}}"#
        );
        let e = parse(&text).unwrap_err().to_string();
        assert!(
            e.contains("policy.production.max_age_days is 36501, expected 1 to 36500"),
            "{e}"
        );
        assert!(parse(&text.replace("36501", "36500")).is_ok());
    }

    /// An error inside the file names where (`keys[0].status`), besides the line and column; a
    /// field that is not ours is named by the message alone, and then only as any name is.
    #[test]
    fn errors_name_the_field_they_are_in() {
        let entry = r#""id":"a","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01","api_key_env":"X""#;
        for (text, said) in [
            (
                format!(r#"{{"keys":[{{{entry},"status":null}}]}}"#),
                "invalid key file keys.json: keys[0].status: expected value at line 1",
            ),
            (
                format!(
                    r#"{{"keys":[{{{entry}}},{{{entry},"mutes":[{{"finding":"x","until":5}}]}}]}}"#
                ),
                "invalid key file keys.json: keys[1].mutes[0].until: invalid type: integer `5`",
            ),
            (
                r#"{"polcy":{}}"#.to_owned(),
                "invalid key file keys.json: unknown field `polcy`",
            ),
        ] {
            let message = parse(&text).unwrap_err().to_string();
            assert!(message.starts_with(said), "{message}");
        }
        let secret = "M3T5ZvhimY+ZTZsi1T8PVEmPxpqq";
        let message = parse(&format!(r#"{{"keys":[{{{entry},"{secret}":1}}]}}"#))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("invalid key file keys.json: keys[0]: unknown field `(not shown"),
            "{message}"
        );
        assert!(!message.contains(secret), "{message}");
    }

    #[test]
    fn quoted_strings_are_never_shown_and_secret_names_by_fingerprint() {
        assert_eq!(
            without_secrets(
                r#"invalid type: string "a\"b", expected a JSON object at line 1 column 9"#
            ),
            "invalid type: a string (not shown), expected a JSON object at line 1 column 9"
        );
        let named = without_secrets("unknown field `M3T5ZvhimY+ZTZsi1T8PVEmPxp`, expected `id`");
        assert!(
            named.starts_with("unknown field `(not shown: it looks like a secret, sha256:")
                && named.ends_with("`, expected `id`"),
            "{named}"
        );
        assert_eq!(
            without_secrets("unknown field `crated`, expected `created`"),
            "unknown field `crated`, expected `created`"
        );
        for written in [
            " M3T5ZvhimY+ZTZsi1T8PVEmPxp",
            "M3T5ZvhimY+ZTZs`i1T8PVEmPxpiu2FqEginmqegHB",
        ] {
            let shown = without_secrets(&format!(
                "unknown variant `{written}`, expected `production` or `sandbox`"
            ));
            assert!(
                !shown.contains("M3T5Z") && !shown.contains("PVEmP"),
                "{shown}"
            );
        }
    }

    #[test]
    fn good_file_parses() {
        let file = parse(GOOD).unwrap();
        assert_eq!(
            file.policy,
            Policy {
                max_age_days: 60,
                warn_days: 14
            }
        );
        assert_eq!(
            file.policy_for(Environment::Sandbox),
            Policy {
                max_age_days: 60,
                warn_days: 3
            }
        );
        assert_eq!(file.policy_for(Environment::Production), file.policy);
        assert_eq!(file.keys.len(), 2);
        assert_eq!(file.keys[1].status, KeyStatus::Retired);
        assert_eq!(
            file.keys[1].retired.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-10-15T00:00:00+00:00")
        );
        assert_eq!(file.keys[0].retired, None);
        assert_eq!(
            file.keys[1].created.to_rfc3339(),
            "2026-09-01T08:00:00+00:00"
        );
        assert!(matches!(
            file.resolve_secret(&file.keys[0]),
            Err(SecretError::EnvUnset(_))
        ));
        assert_eq!(
            file.resolve_secret(&file.keys[1]).unwrap().expose(),
            b"inline-key"
        );
        let shown = format!("{file:?}");
        assert!(
            !shown.contains("inline-key"),
            "Debug leaks the key: {shown}"
        );
    }

    #[test]
    fn the_template_parses_and_comments_are_strings_only() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let file = parse(&template(today)).unwrap();
        assert_eq!(file.keys.len(), 2);
        assert_eq!(file.keys[0].id, "live-server-2026-12");
        assert!(matches!(file.keys[0].secret, SecretSource::Env(_)));
        let entry = r#""id":"a","partner_id":"1","environment":"sandbox","integrations":["server"],"created":"2026-01-01""#;
        assert!(
            parse(&format!(
                r#"{{"$comment":"x","keys":[{{"$comment":"y",{entry}}}]}}"#
            ))
            .is_ok()
        );
        let err = parse(&format!(r#"{{"$comment":7,"keys":[{{{entry}}}]}}"#)).unwrap_err();
        assert!(err.to_string().contains("expected a string"), "{err}");
        let err = parse(&format!(r#"{{"keys":[{{"$coment":"y",{entry}}}]}}"#)).unwrap_err();
        assert!(err.to_string().contains("unknown field `$coment`"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let file = KeyFile::parse(Path::new("k.json"), format!("\u{feff}{GOOD}").as_bytes());
        assert_eq!(file.unwrap().keys.len(), 2);
    }

    fn error_of(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn problems_are_named() {
        let entry = r#""id":"a","partner_id":"1","environment":"sandbox","integrations":["server"],"created":"2026-01-01""#;
        let cases = [
            (
                format!(r#"{{"keys":[{{{entry},"crated":"x"}}]}}"#),
                "unknown field `crated`",
            ),
            (
                format!(r#"{{"keys":[{{{entry}}},{{{entry}}}]}}"#),
                "duplicate id",
            ),
            (
                entry.replace("sandbox", "staging"),
                "unknown variant `staging`",
            ),
            (
                format!(
                    r#"{{"keys":[{{{}}}]}}"#,
                    entry.replace("2026-01-01", "2026-13-01")
                ),
                "`created`",
            ),
            (
                format!(
                    r#"{{"keys":[{{{}}}]}}"#,
                    entry.replace(r#"["server"]"#, "[]")
                ),
                "integrations",
            ),
            (
                format!(r#"{{"keys":[{{{}}}]}}"#, entry.replace(r#""1""#, "1")),
                "invalid type: integer",
            ),
            (
                format!(r#"{{"keys":[{{{entry},"api_key":"k","api_key_env":"E"}}]}}"#),
                "at most one",
            ),
            (format!(r#"{{"keys":[{{{entry},"api_key":""}}]}}"#), "empty"),
            (entry.replace(r#""id":"a""#, r#""id":" ""#), "blank `id`"),
            (
                format!(r#"{{"keys":[{{{entry},"api_key_file":""}}]}}"#),
                "`api_key_file` is empty",
            ),
            (
                format!(r#"{{"polcy":{{}},"keys":[{{{entry}}}]}}"#),
                "unknown field `polcy`",
            ),
            ("{".to_owned(), "EOF"),
            (
                format!(r#"{{"policy":{{"production":{{"max_age":1}}}},"keys":[{{{entry}}}]}}"#),
                "unknown field `max_age`",
            ),
            (
                format!(r#"{{"policy":{{"staging":{{}}}},"keys":[{{{entry}}}]}}"#),
                "unknown field `staging`",
            ),
            (
                format!(r#"{{"policy":{{"sandbox":{{"max_age_days":0}}}},"keys":[{{{entry}}}]}}"#),
                "policy.sandbox.max_age_days must be at least 1",
            ),
            (
                format!(r#"{{"keys":[{{{entry},"status":"retired"}}]}}"#),
                "key `a`: `status` is `retired` but `retired` is missing",
            ),
            (
                format!(r#"{{"keys":[{{{entry},"status":"retired","retired":"last week"}}]}}"#),
                "key `a`: `retired` is `last week`, expected YYYY-MM-DD",
            ),
            (
                format!(r#"{{"keys":[{{{entry},"retired":"2026-02-01"}}]}}"#),
                "key `a`: `retired` is given but `status` is not `retired`",
            ),
            (
                format!(r#"{{"keys":[{{{entry},"status":"retired","retired":"2025-12-31"}}]}}"#),
                "key `a`: `retired` (2025-12-31) is before `created`",
            ),
        ];
        for (text, needle) in cases {
            let text = if text.starts_with('{') {
                text
            } else {
                format!(r#"{{"keys":[{{{text}}}]}}"#)
            };
            let message = error_of(&text);
            assert!(
                message.contains(needle),
                "{text}\n→ {message}\n(expected {needle})"
            );
        }
    }

    /// Retired the day it was created (a bare date, midnight, against a time of day) is no slip.
    #[test]
    fn a_key_retired_the_day_it_was_created_is_read() {
        let text = r#"{"keys":[{"id":"a","partner_id":"1","environment":"sandbox","integrations":["server"],"created":"2026-03-01T12:00:00Z","status":"retired","retired":"2026-03-01"}]}"#;
        let file = parse(text).unwrap();
        assert!(file.keys[0].retired.is_some());
    }
}

/// An `api_key_env` name as errors show it. A key pasted there can be a valid variable name
/// (`sk_live_...`, hex that starts with a letter): unless it is written as variables are named,
/// in capitals and digits with an underscore (`SMILE_LIVE_KEY_2026_V2`), and so is no key,
/// a name that looks like a secret is shown by its fingerprint.
fn shown_env_name(name: &str) -> Cow<'_, str> {
    let conventional = name.contains('_')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if conventional {
        Cow::Borrowed(name)
    } else {
        input::shown_value(name)
    }
}

#[cfg(test)]
mod env_name_tests {
    use super::*;

    /// Found by fuzzing: the key pasted into `api_key_env` must not come back in "variable ... is not set".
    #[test]
    fn a_key_in_api_key_env_is_refused_without_quoting_it() {
        let key = "0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8";
        let text = format!(
            r#"{{"keys":[{{"id":"a","partner_id":"1","environment":"sandbox","integrations":["server"],"created":"2026-01-01","api_key_env":"{key}"}}]}}"#
        );
        let message = KeyFile::parse(Path::new("k.json"), text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(!message.contains(key), "{message}");
        assert!(
            message.contains("`api_key_env` must be the name"),
            "{message}"
        );
    }

    #[test]
    fn a_variable_name_is_shown_and_a_key_that_could_be_one_is_not() {
        for name in [
            "SMILE_LIVE_KEY_2026_V2",
            "PAYMENTS_SMILE_API_KEY_NG1",
            "SMILE_API_KEY",
        ] {
            assert_eq!(shown_env_name(name), name);
        }
        for key in [
            "sk_live_4f9a2b7c1d8e6f3a0b5c9d2e",
            "f3a0b5c9d2e4f9a2b7c1d8e6f3a0b5c9",
            "A1B2C3D4E5F60718293A4B5C6D7E8F90",
        ] {
            assert!(shown_env_name(key).contains("sha256:"), "{key}");
        }
    }

    #[test]
    fn env_names() {
        for good in ["A", "_", "SMILE_LIVE_KEY_2", "lower_case"] {
            assert!(is_env_name(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "É", "a.b"] {
            assert!(!is_env_name(bad), "{bad}");
        }
    }
}
