//! Finding the partner ID and API key(s) a command works with.
//!
//! API key, first found wins, and what is typed on the command line beats the environment:
//! `--api-key-file`, then `--keys FILE` given as a flag, then `SMILE_API_KEY`, then a key file
//! named by `SMILE_SEC_KEYS` or found as `./smile-keys.json`. A source that is set but loses is
//! named in one warning (never its value): a variable exported long ago must not change what a
//! command does without a word. Keys are only ever held as [`ApiKey`]; errors name a key by its
//! key-file id or fingerprint, never its value.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::keys::keyfile::{self, Environment, KeyEntry, KeyFile, SecretError};
use crate::output::hinted;
use crate::signing::secret::{ApiKey, KeyError};

/// The variable holding an API key, used verbatim.
pub const API_KEY_ENV: &str = "SMILE_API_KEY";
/// The variable naming a key file, below `SMILE_API_KEY` in the order.
pub const KEYS_ENV: &str = "SMILE_SEC_KEYS";
/// The variable holding the partner ID, below `--partner-id`.
pub const PARTNER_ENV: &str = "SMILE_PARTNER_ID";

/// A key ready to use, with what is known about it.
#[derive(Debug, Clone)]
pub struct Credential {
    pub key: ApiKey,
    /// The key-file entry it came from, if any.
    pub key_id: Option<String>,
    pub environment: Option<Environment>,
    /// The partner ID it signs for: the flag's, else the key-file entry's.
    pub partner_id: String,
    /// For a retired key-file key: when it was rotated out (its own `retired`, or that of an
    /// entry holding the same secret, whichever is earlier).
    pub retired: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether its entry says `"status": "retired"` itself: the entry a `retired_key` verdict
    /// names when several hold the secret.
    pub retired_itself: bool,
}

impl Credential {
    /// When this key was rotated out, if a signature dated `timestamp` falls after that; see
    /// [`retired_before`].
    pub fn retired_before(&self, timestamp: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        retired_before(self.retired, timestamp)
    }
}

/// `retired`, when a signature dated `timestamp` falls after it (or at a time that cannot be
/// read): Smile ID has disabled the key by then, and `verify` refuses what it signed as
/// `retired_key`.
pub fn retired_before(
    retired: Option<chrono::DateTime<chrono::Utc>>,
    timestamp: &str,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let retired = retired?;
    match crate::time::parse_callback_timestamp(timestamp) {
        Ok((at, _)) if at <= retired => None,
        _ => Some(retired),
    }
}

/// What the user said about where keys come from.
#[derive(Debug, Clone, Default)]
pub struct KeyRequest<'a> {
    pub partner_id: Option<&'a str>,
    /// `partner_id` came from `SMILE_PARTNER_ID`, not `--partner-id`.
    pub partner_id_from_env: bool,
    pub api_key_file: Option<&'a Path>,
    /// `--keys FILE` as typed on the command line (not `SMILE_SEC_KEYS`).
    pub keys: Option<&'a Path>,
    pub key_id: Option<&'a str>,
    pub environment: Option<Environment>,
    /// What `environment` means for a key given alone (`--api-key-file`, `SMILE_API_KEY`), which
    /// has no environment of its own. `false`: it only picks key-file entries, so a lone key
    /// cannot honour it and is refused. `true`: it is the one environment the command serves (a
    /// gate), and a lone key is taken as that environment's key.
    pub lone_key_serves_environment: bool,
}

/// Where a key can come from, highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    ApiKeyFile,
    KeysFlag,
    ApiKeyEnv,
    KeysEnv,
    DefaultKeyFile,
}

impl KeySource {
    /// How the source is named in warnings: a flag or a variable, never its value.
    pub fn name(self) -> &'static str {
        match self {
            KeySource::ApiKeyFile => "--api-key-file",
            KeySource::KeysFlag => "--keys",
            KeySource::ApiKeyEnv => API_KEY_ENV,
            KeySource::KeysEnv => KEYS_ENV,
            KeySource::DefaultKeyFile => "./smile-keys.json",
        }
    }

    fn is_key_file(self) -> bool {
        matches!(
            self,
            KeySource::KeysFlag | KeySource::KeysEnv | KeySource::DefaultKeyFile
        )
    }
}

/// Something a command should tell the user about where its keys come from (the command prints
/// it: this module only decides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Warning(String),
    Note(String),
}

/// Where this run's API key comes from: the sources that are set, highest first, the one that
/// wins, and what to tell the user about that. Decided once, by [`key_sources`].
#[derive(Debug)]
pub struct KeySources {
    present: Vec<KeySource>,
    chosen: Option<KeySource>,
    /// `SMILE_PARTNER_ID` is set but loses to key-file entries named on the command line.
    partner_env_unused: bool,
    pub notices: Vec<Notice>,
}

/// The sources set for `request`, and the one used, checked against `--env` and `--key`.
/// `--key ID` asks for a key-file entry: typed on the command line, it beats `SMILE_API_KEY` as
/// `--keys` does.
pub fn key_sources(request: &KeyRequest<'_>) -> anyhow::Result<KeySources> {
    // A key file the environment names is no second source when it is the file `--keys` names.
    let named_by_flag = |other: &Path| {
        request
            .keys
            .is_some_and(|flag| keyfile::same_file(flag, other))
    };
    let mut present = Vec::new();
    if request.api_key_file.is_some() {
        present.push(KeySource::ApiKeyFile);
    }
    if request.keys.is_some() {
        present.push(KeySource::KeysFlag);
    }
    if std::env::var_os(API_KEY_ENV).is_some() {
        present.push(KeySource::ApiKeyEnv);
    }
    let keys_env = std::env::var_os(KEYS_ENV);
    if let Some(path) = &keys_env
        && !named_by_flag(Path::new(path))
    {
        present.push(KeySource::KeysEnv);
    }
    // Found beside a file named otherwise, it loses, and is named as a source that lost.
    let default = Path::new(keyfile::DEFAULT_PATH);
    if default.exists()
        && !named_by_flag(default)
        && keys_env
            .as_deref()
            .is_none_or(|path| !keyfile::same_file(Path::new(path), default))
    {
        present.push(KeySource::DefaultKeyFile);
    }
    let mut chosen = present.first().copied();
    if request.key_id.is_some() && chosen == Some(KeySource::ApiKeyEnv) {
        chosen = present.iter().copied().find(|s| s.is_key_file()).or(chosen);
    }
    // Entries named on the command line (`--keys`, `--key`) carry their own partner ID: the
    // variable, maybe exported long ago, must not re-sign or filter out what was typed.
    let entries_typed = chosen.is_some_and(KeySource::is_key_file)
        && (request.keys.is_some() || request.key_id.is_some());
    let mut sources = KeySources {
        present,
        chosen,
        partner_env_unused: request.partner_id_from_env && entries_typed,
        notices: Vec::new(),
    };
    sources.check_environment(request)?;
    if request.key_id.is_some()
        && sources.chosen == Some(KeySource::ApiKeyEnv)
        && !sources.present.iter().any(|s| s.is_key_file())
    {
        return Err(hinted(
            "--key names a key-file entry, but there is no key file",
            format!(
                "give the key file with --keys FILE (or {KEYS_ENV}), or drop --key to use {API_KEY_ENV}"
            ),
        ));
    }
    sources.notices = sources.announce(request);
    Ok(sources)
}

impl KeySources {
    /// One warning naming every source that is set but not used, and the note that the default
    /// key file is read when nothing else named a key.
    fn announce(&self, request: &KeyRequest<'_>) -> Vec<Notice> {
        let mut notices = Vec::new();
        let Some(chosen) = self.chosen else {
            return notices;
        };
        let mut unused: Vec<&str> = self
            .present
            .iter()
            .filter(|s| **s != chosen)
            .map(|s| s.name())
            .collect();
        if request.key_id.is_some() && !chosen.is_key_file() {
            unused.push("--key");
        }
        if !unused.is_empty() {
            let (list, verb) = match unused.as_slice() {
                [one] => ((*one).to_owned(), "is"),
                [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "are"),
                [] => unreachable!("not empty"),
            };
            notices.push(Notice::Warning(format!(
                "{list} {verb} set but not used: the API key comes from {} (order: --api-key-file, --keys, {API_KEY_ENV}, {KEYS_ENV} or ./smile-keys.json)",
                chosen.name()
            )));
        }
        if self.partner_env_unused {
            notices.push(Notice::Warning(format!(
                "{PARTNER_ENV} is set but not used: the key-file entries named on the command line carry their own partner ID (give --partner-id to choose another)"
            )));
        }
        if chosen == KeySource::DefaultKeyFile {
            notices.push(Notice::Note(format!(
                "using the key file ./{} found in the current folder (no --api-key-file, --keys, {API_KEY_ENV} or {KEYS_ENV} given)",
                keyfile::DEFAULT_PATH
            )));
        }
        notices
    }

    /// A key given outside a key file cannot be filtered by environment: saying `--env` with one
    /// would read as a promise that is not kept.
    fn check_environment(&self, request: &KeyRequest<'_>) -> anyhow::Result<()> {
        if request.lone_key_serves_environment {
            return Ok(());
        }
        if let (Some(env), Some(source @ (KeySource::ApiKeyFile | KeySource::ApiKeyEnv))) =
            (request.environment, self.chosen)
        {
            return Err(hinted(
                format!(
                    "--env {env} picks key-file entries, but the API key comes from {}, which has no environment",
                    source.name()
                ),
                format!(
                    "drop --env to use that key, or use a key file (--keys FILE) whose entries say their environment{}",
                    if source == KeySource::ApiKeyEnv {
                        format!(" (and unset {API_KEY_ENV})")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Ok(())
    }
}

/// Reads an API key file; `-` reads stdin.
pub fn read_api_key_file(path: &Path) -> anyhow::Result<ApiKey> {
    let bytes = crate::input::read_all_or_pipe(path, "API key file", crate::input::SECRET_BYTES)?;
    ApiKey::from_file_contents(bytes)
        .with_context(|| format!("API key file {}", crate::input::shown(path)))
}

/// `SMILE_API_KEY`, verbatim. Set but empty is an error, not "unset".
pub fn api_key_from_env() -> anyhow::Result<Option<ApiKey>> {
    match std::env::var_os(API_KEY_ENV) {
        None => Ok(None),
        Some(value) => {
            let value = value
                .into_string()
                .map_err(|_| anyhow::anyhow!("{API_KEY_ENV} is not valid UTF-8"))?;
            Ok(Some(
                ApiKey::new(value).with_context(|| format!("{API_KEY_ENV} is set"))?,
            ))
        }
    }
}

/// The key file `SMILE_SEC_KEYS` names, else `./smile-keys.json` when it exists.
fn implicit_key_file() -> anyhow::Result<Option<PathBuf>> {
    match std::env::var_os(KEYS_ENV) {
        Some(value) if value.is_empty() => bail!("{KEYS_ENV} is set but empty"),
        Some(value) => Ok(Some(PathBuf::from(value))),
        None => Ok(keyfile::locate(None)),
    }
}

/// The keys an answer must not echo when a body is sent as it is, unsigned (`callback send
/// FILE`). No partner ID is needed, and no key at all: nothing is signed.
#[derive(Debug, Default)]
pub struct WatchedKeys {
    pub keys: Vec<ApiKey>,
    /// Key-file entries whose secret could not be read, and why.
    pub skipped: Vec<String>,
}

/// The keys to watch an answer for, decided as [`signing_credential`] decides which key signs:
/// the source that wins is read the same way, so that one given but unusable (an API key file
/// that cannot be read or is empty, a key file that cannot be loaded, a `--key` that is not in
/// it) is the same error, and a flag typed beats the environment. With a key file and no
/// `--key`, every entry is watched for; one whose secret cannot be read is skipped (said in
/// `skipped`), an empty one is an error. The sources set but not used are watched for too,
/// errors ignored: an answer that echoes any key at hand is not printed.
pub fn watched_keys(request: &KeyRequest<'_>, sources: &KeySources) -> anyhow::Result<WatchedKeys> {
    let mut watched = WatchedKeys::default();
    let Some(chosen) = sources.chosen else {
        return Ok(watched);
    };
    if let Some(key) = direct_key(request, sources)? {
        watched.keys.push(key);
    } else if let Some(file) = load_key_file(request.keys)? {
        match request.key_id {
            Some(id) => {
                let entry = file.find(id).ok_or_else(|| unknown_key(&file, id))?;
                watched
                    .keys
                    .push(entry_credential(&file, entry, None, &[])?.key);
                // The file's other keys are at hand too: an answer echoing one is not printed.
                watched
                    .keys
                    .extend(file.keys.iter().filter_map(|e| file.resolve_secret(e).ok()));
            }
            None => {
                for entry in &file.keys {
                    match entry_credential(&file, entry, None, &[]) {
                        Ok(credential) => watched.keys.push(credential.key),
                        Err(e) if is_empty_key(&e) => return Err(e),
                        Err(e) => watched.skipped.push(format!(
                            "{e:#}; an answer that echoes it would not be recognised"
                        )),
                    }
                }
            }
        }
    }
    // The rest, as far as they can be read.
    if chosen != KeySource::ApiKeyEnv {
        watched.keys.extend(api_key_from_env().ok().flatten());
    }
    if !chosen.is_key_file()
        && let Ok(Some(file)) = load_key_file(request.keys)
    {
        watched
            .keys
            .extend(file.keys.iter().filter_map(|e| file.resolve_secret(e).ok()));
    }
    // Each key once: each is searched for in every answer.
    let mut unique: Vec<ApiKey> = Vec::with_capacity(watched.keys.len());
    for key in watched.keys.drain(..) {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    watched.keys = unique;
    Ok(watched)
}

/// Loads the key file named by `--keys`, else `SMILE_SEC_KEYS`, else `./smile-keys.json` if it
/// exists.
pub fn load_key_file(explicit: Option<&Path>) -> anyhow::Result<Option<KeyFile>> {
    let path = match explicit {
        Some(path) => Some(path.to_owned()),
        None => implicit_key_file()?,
    };
    match path {
        None => Ok(None),
        Some(path) => Ok(Some(KeyFile::load(&path)?)),
    }
}

/// The partner ID asked for: `--partner-id`, else `SMILE_PARTNER_ID` unless it lost to key-file
/// entries named on the command line.
fn explicit_partner(
    request: &KeyRequest<'_>,
    sources: &KeySources,
) -> anyhow::Result<Option<String>> {
    if sources.partner_env_unused {
        return Ok(None);
    }
    match request.partner_id {
        Some("") => bail!("the partner ID is empty"),
        other => Ok(other.map(str::to_owned)),
    }
}

/// Decides where the key comes from, says what is not used, and reads a key given outside a key
/// file. `Ok(None)`: the key file (loaded by the caller with [`load_key_file`]).
fn direct_key(request: &KeyRequest<'_>, sources: &KeySources) -> anyhow::Result<Option<ApiKey>> {
    match sources.chosen {
        Some(KeySource::ApiKeyFile) => {
            let path = request.api_key_file.expect("chosen because given");
            read_api_key_file(path).map(Some)
        }
        Some(KeySource::ApiKeyEnv) => api_key_from_env(),
        _ => Ok(None),
    }
}

fn partner_required() -> anyhow::Error {
    hinted(
        "no partner ID",
        format!("pass --partner-id ID or set {PARTNER_ENV}"),
    )
}

fn no_key() -> anyhow::Error {
    hinted(
        "no API key",
        format!(
            "use --api-key-file PATH, set {API_KEY_ENV}, or give a key file with --keys FILE (--key ID picks one of its entries)"
        ),
    )
}

fn entry_credential(
    file: &KeyFile,
    entry: &KeyEntry,
    partner: Option<&str>,
    retired_in_file: &[(chrono::DateTime<chrono::Utc>, ApiKey)],
) -> anyhow::Result<Credential> {
    let key = file
        .resolve_secret(entry)
        .with_context(|| format!("key `{}` in {}", entry.id, file.path.display()))?;
    let retired = retired_in_file
        .iter()
        .filter(|(_, secret)| *secret == key)
        .map(|(at, _)| *at)
        .chain(entry.retired)
        .min();
    Ok(Credential {
        key,
        key_id: Some(entry.id.clone()),
        environment: Some(entry.environment),
        partner_id: partner.unwrap_or(&entry.partner_id).to_owned(),
        retired,
        retired_itself: entry.status == keyfile::KeyStatus::Retired,
    })
}

/// Whether `error` is an entry's secret read as empty.
fn is_empty_key(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<SecretError>(),
        Some(SecretError::Key(KeyError::Empty))
    )
}

/// The secrets of `file`'s retired entries that can be read, with when each was retired.
pub fn retired_secrets(file: &KeyFile) -> Vec<(chrono::DateTime<chrono::Utc>, ApiKey)> {
    file.keys
        .iter()
        .filter(|entry| entry.status == keyfile::KeyStatus::Retired)
        .filter_map(|entry| Some((entry.retired?, file.resolve_secret(entry).ok()?)))
        .collect()
}

/// The keys a gate tries, and the warnings for the entries that fit but could not be used.
#[derive(Debug)]
pub struct GateKeys {
    pub tried: Vec<Credential>,
    /// Key-file entries that fit but could not be used, and why.
    pub skipped: Vec<String>,
    /// The key files they came from.
    files: Vec<PathBuf>,
    /// The secrets retired in any of the key files, with when.
    retired: Vec<(chrono::DateTime<chrono::Utc>, ApiKey)>,
}

/// The keys a gate of `environment` tries, one request per key file given (the first one also
/// stands for a key given outside a key file). Every key file must bring a usable key, an id may
/// name one key only (the log and `Smile-Sec-Key-Id` name keys by their ids), and one key at
/// least must be current: a gate whose keys are all retired refuses every callback Smile ID
/// sends.
pub fn gate_credentials(
    requests: &[KeyRequest<'_>],
    sources: &KeySources,
    environment: Environment,
) -> anyhow::Result<GateKeys> {
    let Some((first, others)) = requests.split_first() else {
        anyhow::bail!("the gate has no key source to read");
    };
    let mut gate = GateKeys {
        tried: Vec::new(),
        skipped: Vec::new(),
        files: Vec::new(),
        retired: Vec::new(),
    };
    let keys = verification_credentials(first, sources, false)?;
    // The other key files count only when the first one's entries are used (an --api-key-file
    // beats them all, and the warning about unused sources has said so).
    let more = keys.key_file.is_some();
    gate.add(keys)?;
    if more {
        for request in others {
            gate.add(verification_credentials(request, sources, false)?)?;
        }
    }
    // Forwarded callbacks name their key in a header, which holds printable ASCII only.
    if let Some(id) = gate
        .tried
        .iter()
        .filter_map(|key| key.key_id.as_deref())
        .find(|id| !id.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
    {
        return Err(hinted(
            format!(
                "the key id `{}` cannot be sent in the Smile-Sec-Key-Id header, which holds printable ASCII only",
                id.escape_debug()
            ),
            "rename the key-file entry (letters, digits and - are the usual)",
        ));
    }
    // A secret retired in one key file is retired in every other, whatever environment or id
    // lists it there.
    for key in &mut gate.tried {
        inherit_retirement(key, &gate.retired);
    }
    if gate.tried.iter().all(|key| key.retired.is_some()) {
        // The entries skipped are why, as often as not: their warnings would come after this.
        let skipped: String = gate.skipped.iter().map(|why| format!(" ({why})")).collect();
        return Err(hinted(
            format!(
                "every usable {environment} key is retired, so the gate would refuse every callback{skipped}"
            ),
            "add the current key to the key file (or check that its secret can be read)",
        ));
    }
    Ok(gate)
}

impl GateKeys {
    fn add(&mut self, keys: VerificationKeys) -> anyhow::Result<()> {
        let file = keys.key_file;
        for key in keys.tried {
            if let Some(id) = &key.key_id
                && self.tried.iter().any(|t| t.key_id.as_ref() == Some(id))
            {
                let earlier: Vec<String> =
                    self.files.iter().map(|f| f.display().to_string()).collect();
                anyhow::bail!(
                    "the key id `{id}` of {} is also an id in {}; a gate names each key by its id",
                    file.as_deref()
                        .map_or_else(String::new, |f| f.display().to_string()),
                    earlier.join(", ")
                );
            }
            self.tried.push(key);
        }
        self.skipped.extend(keys.skipped);
        self.retired.extend(keys.retired);
        self.files.extend(file);
        Ok(())
    }
}

/// `credential` with the earliest retirement of any of `retired` that holds its secret (a
/// secret retired in one key file is retired in every other).
pub fn inherit_retirement(
    credential: &mut Credential,
    retired: &[(chrono::DateTime<chrono::Utc>, ApiKey)],
) {
    let earliest = retired
        .iter()
        .filter(|(_, secret)| *secret == credential.key)
        .map(|(at, _)| *at)
        .min();
    credential.retired = credential.retired.into_iter().chain(earliest).min();
}

/// The one key `sign` (and `callback`) signs with.
pub fn signing_credential(
    request: &KeyRequest<'_>,
    sources: &KeySources,
) -> anyhow::Result<Credential> {
    let partner = explicit_partner(request, sources)?;
    if let Some(key) = direct_key(request, sources)? {
        return Ok(Credential {
            key,
            key_id: None,
            environment: None,
            partner_id: partner.ok_or_else(partner_required)?,
            retired: None,
            retired_itself: false,
        });
    }
    let Some(file) = load_key_file(request.keys)? else {
        return Err(no_key());
    };
    let entry = match request.key_id {
        Some(id) => file.find(id).ok_or_else(|| unknown_key(&file, id))?,
        None => {
            let mut usable = file.keys.iter().filter(|k| {
                request.environment.is_none_or(|env| env == k.environment)
                    && k.status == keyfile::KeyStatus::Active
            });
            match (usable.next(), usable.next()) {
                (Some(only), None) => only,
                _ => {
                    return Err(hinted(
                        format!(
                            "{} holds several keys (or no active one)",
                            file.path.display()
                        ),
                        format!("choose one with --key ID: {}", ids(file.keys.iter())),
                    ));
                }
            }
        }
    };
    entry_credential(&file, entry, partner.as_deref(), &retired_secrets(&file))
}

fn unknown_key(file: &KeyFile, id: &str) -> anyhow::Error {
    // An id that looks like a secret is most likely the key itself, typed for its id; so is one
    // that is an entry's secret, whatever it looks like. (Comparing in plain time is fine here:
    // the one who typed the id is the one who reads the error.)
    // A key pasted with white space around it is still that key.
    let typed = id.trim();
    let is_a_secret = file.keys.iter().any(|entry| {
        file.resolve_secret(entry)
            .is_ok_and(|key| key.expose() == typed.as_bytes())
    });
    let shown = if is_a_secret {
        Cow::Owned(crate::input::not_shown(typed))
    } else {
        crate::input::shown_value(id)
    };
    hinted(
        format!("no key `{shown}` in {}", crate::input::shown(&file.path)),
        format!("ids in the file: {}", ids(file.keys.iter())),
    )
}

fn ids<'a>(entries: impl Iterator<Item = &'a KeyEntry>) -> String {
    let list: Vec<&str> = entries.map(|k| k.id.as_str()).collect();
    if list.is_empty() {
        "(none)".to_owned()
    } else {
        list.join(", ")
    }
}

/// The keys `verify` works with.
#[derive(Debug, Default)]
pub struct VerificationKeys {
    /// Every key to try.
    pub tried: Vec<Credential>,
    /// Warnings about key-file entries that fit the filters but could not be used.
    pub skipped: Vec<String>,
    /// The ids of the entries that fit the filters but whose secret could not be read.
    pub unread: Vec<String>,
    /// With `include_all`: every usable key-file key, filters ignored (for `--explain`).
    pub all_key_file: Vec<Credential>,
    /// The key file `tried` came from (`None`: a key given alone).
    pub key_file: Option<PathBuf>,
    /// The secrets the key file's retired entries hold, with when each was retired: retired
    /// wherever else they are listed (another key file, for a gate).
    pub retired: Vec<(chrono::DateTime<chrono::Utc>, ApiKey)>,
}

/// Every key `verify` should try. With a key file, every entry that fits the filters is tried,
/// retired ones too. `include_all` also collects every usable key-file key.
pub fn verification_credentials(
    request: &KeyRequest<'_>,
    sources: &KeySources,
    include_all: bool,
) -> anyhow::Result<VerificationKeys> {
    let partner = explicit_partner(request, sources)?;
    let mut keys = VerificationKeys::default();
    if let Some(key) = direct_key(request, sources)? {
        keys.tried.push(Credential {
            key,
            key_id: None,
            environment: request.environment,
            partner_id: partner.ok_or_else(partner_required)?,
            retired: None,
            retired_itself: false,
        });
        if include_all {
            // A broken or absent key file only costs the explanation, not the run.
            if let Ok(Some(file)) = load_key_file(request.keys) {
                let retired = retired_secrets(&file);
                keys.all_key_file = file
                    .keys
                    .iter()
                    .filter_map(|e| entry_credential(&file, e, None, &retired).ok())
                    .collect();
            }
        }
        return Ok(keys);
    }
    let Some(file) = load_key_file(request.keys)? else {
        return Err(no_key());
    };
    keys.key_file = Some(file.path.clone());
    keys.retired = retired_secrets(&file);
    if let Some(id) = request.key_id
        && file.find(id).is_none()
    {
        return Err(unknown_key(&file, id));
    }
    for entry in &file.keys {
        let fits = request.key_id.is_none_or(|id| id == entry.id)
            && request
                .environment
                .is_none_or(|env| env == entry.environment)
            && partner.as_deref().is_none_or(|p| p == entry.partner_id);
        let credential = entry_credential(&file, entry, None, &keys.retired);
        if include_all && let Ok(c) = &credential {
            keys.all_key_file.push(c.clone());
        }
        if !fits {
            // Its retirement holds for every entry sharing its secret, which cannot be told
            // without reading it.
            if entry.status == keyfile::KeyStatus::Retired
                && let Err(e) = &credential
            {
                keys.skipped.push(format!(
                    "{e:#}; a key sharing its secret cannot be told retired"
                ));
            }
            continue;
        }
        match credential {
            Ok(credential) => keys.tried.push(credential),
            // A key asked for by id must be usable, and an empty key is an error wherever it
            // stands (a secret store that answered nothing, say); others are skipped with a
            // warning.
            Err(e) if request.key_id.is_some() || is_empty_key(&e) => return Err(e),
            Err(e) => {
                keys.skipped.push(format!("{e:#}; skipped"));
                keys.unread.push(entry.id.clone());
            }
        }
    }
    if keys.tried.is_empty() {
        // The entries skipped are why: their warnings would not be printed after this error.
        let mut skipped: String = keys.skipped.iter().map(|why| format!(" ({why})")).collect();
        // The likeliest cause with a gate, whose --env is production unless told otherwise.
        if let Some(env) = request.environment
            && !file.keys.is_empty()
            && file.keys.iter().all(|entry| entry.environment != env)
        {
            skipped.push_str(&format!(
                " (--env is {env}, and every entry of the file is for another environment)"
            ));
        }
        return Err(hinted(
            format!(
                "no usable key in {} fits the filters{skipped}",
                file.path.display()
            ),
            if request.partner_id_from_env && partner.is_some() {
                format!(
                    "check --key, --env and {PARTNER_ENV} (set in the environment, its partner ID picks the entries) against the key file, and that each entry's secret can be read"
                )
            } else {
                "check --key, --env and --partner-id against the key file, and that each entry's secret can be read".to_owned()
            },
        ));
    }
    Ok(keys)
}
