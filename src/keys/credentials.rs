//! Finding the partner ID and API key(s) a command works with.
//!
//! API key, first found wins: `--api-key-file`, then `SMILE_API_KEY`, then the key file. Keys are
//! only ever held as [`ApiKey`]; errors name a key by its key-file id or fingerprint, never its value.

use std::path::Path;

use anyhow::{Context, bail};

use crate::keys::keyfile::{self, Environment, KeyEntry, KeyFile};
use crate::output::hinted;
use crate::signing::secret::ApiKey;

/// The variable holding an API key, used verbatim.
pub const API_KEY_ENV: &str = "SMILE_API_KEY";

/// A key ready to use, with what is known about it.
#[derive(Debug, Clone)]
pub struct Credential {
    pub key: ApiKey,
    /// The key-file entry it came from, if any.
    pub key_id: Option<String>,
    pub environment: Option<Environment>,
    /// The partner ID it signs for: the flag's, else the key-file entry's.
    pub partner_id: String,
}

/// What the user said about where keys come from.
#[derive(Debug, Clone, Default)]
pub struct KeyRequest<'a> {
    pub partner_id: Option<&'a str>,
    pub api_key_file: Option<&'a Path>,
    pub keys: Option<&'a Path>,
    pub key_id: Option<&'a str>,
    pub environment: Option<Environment>,
}

/// Reads an API key file; `-` reads stdin.
pub fn read_api_key_file(path: &Path) -> anyhow::Result<ApiKey> {
    let bytes = crate::input::read_all(path, "API key file", crate::input::SECRET_BYTES)?;
    ApiKey::from_file_contents(bytes).with_context(|| format!("API key file {}", path.display()))
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

/// Every key at hand without asking for one: `--api-key-file` (unless it is stdin), `SMILE_API_KEY`
/// and every key-file entry whose secret can be read, errors ignored. For recognising a key that
/// an answer echoes back (so that it is not printed), never for signing.
pub fn keys_at_hand(request: &KeyRequest<'_>) -> Vec<ApiKey> {
    let mut keys = Vec::new();
    if let Some(path) = request.api_key_file.filter(|p| *p != Path::new("-")) {
        keys.extend(read_api_key_file(path).ok());
    }
    keys.extend(api_key_from_env().ok().flatten());
    if let Ok(Some(file)) = load_key_file(request.keys) {
        keys.extend(file.keys.iter().filter_map(|e| file.resolve_secret(e).ok()));
    }
    keys
}

/// Loads the key file named by `--keys`/`SMILE_SEC_KEYS`, else `./smile-keys.json` if it exists.
pub fn load_key_file(explicit: Option<&Path>) -> anyhow::Result<Option<KeyFile>> {
    match keyfile::locate(explicit) {
        None => Ok(None),
        Some(path) => Ok(Some(KeyFile::load(&path)?)),
    }
}

fn explicit_partner(request: &KeyRequest<'_>) -> anyhow::Result<Option<String>> {
    match request.partner_id {
        Some("") => bail!("the partner ID is empty"),
        other => Ok(other.map(str::to_owned)),
    }
}

/// A key given outside the key file (`--api-key-file` or `SMILE_API_KEY`), if any.
fn direct_key(request: &KeyRequest<'_>) -> anyhow::Result<Option<ApiKey>> {
    let key = match request.api_key_file {
        Some(path) => return read_api_key_file(path).map(Some),
        None => api_key_from_env()?,
    };
    if key.is_some() && request.key_id.is_some() {
        // The contract's order puts the variable first; an explicit --key that loses silently
        // would sign or verify with a key the user did not choose.
        crate::output::warn(format_args!(
            "{API_KEY_ENV} is set and is used instead of --key (unset it to use the key file)"
        ));
    }
    Ok(key)
}

fn partner_required() -> anyhow::Error {
    hinted(
        "no partner ID",
        "pass --partner-id ID or set SMILE_PARTNER_ID",
    )
}

fn no_key() -> anyhow::Error {
    hinted(
        "no API key",
        format!(
            "use --api-key-file PATH, set {API_KEY_ENV}, or name a key-file entry with --keys FILE --key ID"
        ),
    )
}

fn entry_credential(
    file: &KeyFile,
    entry: &KeyEntry,
    partner: Option<&str>,
) -> anyhow::Result<Credential> {
    let key = file
        .resolve_secret(entry)
        .with_context(|| format!("key `{}` in {}", entry.id, file.path.display()))?;
    Ok(Credential {
        key,
        key_id: Some(entry.id.clone()),
        environment: Some(entry.environment),
        partner_id: partner.unwrap_or(&entry.partner_id).to_owned(),
    })
}

/// The one key `sign` (and `callback`) signs with.
pub fn signing_credential(request: &KeyRequest<'_>) -> anyhow::Result<Credential> {
    let partner = explicit_partner(request)?;
    if let Some(key) = direct_key(request)? {
        return Ok(Credential {
            key,
            key_id: None,
            environment: None,
            partner_id: partner.ok_or_else(partner_required)?,
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
    entry_credential(&file, entry, partner.as_deref())
}

fn unknown_key(file: &KeyFile, id: &str) -> anyhow::Error {
    hinted(
        format!("no key `{id}` in {}", file.path.display()),
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
    /// With `include_all`: every usable key-file key, filters ignored (for `--explain`).
    pub all_key_file: Vec<Credential>,
}

/// Every key `verify` should try. With a key file, every entry that fits the filters is tried,
/// retired ones too. `include_all` also collects every usable key-file key.
pub fn verification_credentials(
    request: &KeyRequest<'_>,
    include_all: bool,
) -> anyhow::Result<VerificationKeys> {
    let partner = explicit_partner(request)?;
    let mut keys = VerificationKeys::default();
    if let Some(key) = direct_key(request)? {
        keys.tried.push(Credential {
            key,
            key_id: None,
            environment: request.environment,
            partner_id: partner.ok_or_else(partner_required)?,
        });
        if include_all {
            // A broken or absent key file only costs the explanation, not the run.
            if let Ok(Some(file)) = load_key_file(request.keys) {
                keys.all_key_file = file
                    .keys
                    .iter()
                    .filter_map(|e| entry_credential(&file, e, None).ok())
                    .collect();
            }
        }
        return Ok(keys);
    }
    let Some(file) = load_key_file(request.keys)? else {
        return Err(no_key());
    };
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
        let credential = entry_credential(&file, entry, None);
        if include_all && let Ok(c) = &credential {
            keys.all_key_file.push(c.clone());
        }
        if !fits {
            continue;
        }
        match credential {
            Ok(credential) => keys.tried.push(credential),
            // A key asked for by id must be usable; others are skipped with a warning.
            Err(e) if request.key_id.is_some() => return Err(e),
            Err(e) => keys.skipped.push(format!("{e:#}; skipped")),
        }
    }
    if keys.tried.is_empty() {
        // The entries skipped are why: their warnings would not be printed after this error.
        let skipped: String = keys.skipped.iter().map(|why| format!(" ({why})")).collect();
        return Err(hinted(
            format!(
                "no usable key in {} fits the filters{skipped}",
                file.path.display()
            ),
            "check --key, --env and --partner-id against the key file, and that each entry's secret can be read",
        ));
    }
    Ok(keys)
}
