//! Flag groups several commands share: the partner ID, where the API key comes from, and the clock.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use clap::ValueHint;

use crate::keys::credentials::{Credential, KeyRequest, KeySources, Notice, key_sources};
use crate::keys::keyfile::Environment;
use crate::output;
use crate::time::Clock;

/// The partner ID, used byte for byte, and whether it came from `SMILE_PARTNER_ID` rather than
/// the command line: key-file entries named on the command line carry their own partner ID, and
/// a variable must not override what was typed.
#[derive(Debug, Clone)]
pub struct PartnerArgs {
    pub partner_id: Option<String>,
    pub from_env: bool,
}

/// The flag itself, as clap defines it.
#[derive(clap::Args)]
struct PartnerFlag {
    /// Smile ID partner ID, used byte for byte ("085" and "85" sign differently)
    #[arg(
        long,
        env = "SMILE_PARTNER_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    partner_id: Option<String>,
}

impl clap::Args for PartnerArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        PartnerFlag::augment_args(cmd)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        PartnerFlag::augment_args_for_update(cmd)
    }
}

impl clap::FromArgMatches for PartnerArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let flag = PartnerFlag::from_arg_matches(matches)?;
        let from_env = flag.partner_id.is_some()
            && matches.value_source("partner_id") == Some(clap::parser::ValueSource::EnvVariable);
        Ok(PartnerArgs {
            partner_id: flag.partner_id,
            from_env,
        })
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = PartnerArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Where the API key comes from. No flag takes the key itself: argv is visible to every user of
/// the machine and lands in shell history.
#[derive(Debug, Clone, clap::Args)]
pub struct KeySourceArgs {
    #[command(flatten)]
    pub lone: ApiKeyFileArg,

    /// The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else
    /// ./smile-keys.json when it exists, both below SMILE_API_KEY]
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub keys: Option<PathBuf>,

    #[command(flatten)]
    pub entry: KeyIdArg,
}

/// `--api-key-file`, as every command that takes a key has it.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiKeyFileArg {
    /// Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else.
    ///
    /// The key comes from the first of: --api-key-file, --keys, SMILE_API_KEY (verbatim), the key
    /// file named by SMILE_SEC_KEYS or ./smile-keys.json. A source that is set but not used is
    /// named in a warning (never its value).
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub api_key_file: Option<PathBuf>,
}

impl ApiKeyFileArg {
    /// Whether the key is read from standard input (`-`, `/dev/stdin`).
    pub fn reads_stdin(&self) -> bool {
        self.api_key_file
            .as_deref()
            .is_some_and(crate::input::is_stdin)
    }

    /// Whether the key can be read only once: from standard input, or from a pipe (`<(...)`).
    pub fn reads_once(&self) -> bool {
        self.reads_stdin()
            || self
                .api_key_file
                .as_deref()
                .is_some_and(crate::input::is_pipe_path)
    }
}

/// `--key ID`, as every command that takes a key has it.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyIdArg {
    /// Use the key-file entry with this id (it names the key file as --keys does, so it beats
    /// SMILE_API_KEY)
    #[arg(long, value_name = "ID")]
    pub key: Option<String>,
}

impl KeySourceArgs {
    /// What the user asked for, in the shape `credentials` takes.
    pub fn request<'a>(
        &'a self,
        partner: &'a PartnerArgs,
        environment: Option<Environment>,
    ) -> KeyRequest<'a> {
        key_request(
            &self.lone,
            self.keys.as_deref(),
            &self.entry,
            partner,
            environment,
        )
    }
}

/// What the user asked for, with the key file `keys`, in the shape `credentials` takes.
pub fn key_request<'a>(
    lone: &'a ApiKeyFileArg,
    keys: Option<&'a Path>,
    entry: &'a KeyIdArg,
    partner: &'a PartnerArgs,
    environment: Option<Environment>,
) -> KeyRequest<'a> {
    KeyRequest {
        partner_id: partner.partner_id.as_deref(),
        partner_id_from_env: partner.from_env,
        api_key_file: lone.api_key_file.as_deref(),
        keys,
        key_id: entry.key.as_deref(),
        environment,
        lone_key_serves_environment: false,
    }
}

/// Where `request`'s key comes from, after telling the user what was set but not used.
pub fn sources_told(request: &KeyRequest<'_>) -> anyhow::Result<KeySources> {
    let sources = key_sources(request)?;
    for notice in &sources.notices {
        match notice {
            Notice::Warning(text) => output::warn(format_args!("{text}")),
            Notice::Note(text) => output::note(format_args!("{text}")),
        }
    }
    Ok(sources)
}

/// Signing with a retired key after its retirement makes what Smile ID and `verify` refuse; the
/// signature is still printed (a test may want exactly that), with a warning saying so.
pub fn warn_if_retired(credential: &Credential, timestamp: &str) {
    if let Some(retired) = credential.retired_before(timestamp) {
        let id = credential.key_id.as_deref().unwrap_or("(unnamed)");
        let at = retired.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // An active entry can hold a secret that another entry says was retired.
        let retired = if credential.retired_itself {
            format!("key `{id}` was retired at {at}")
        } else {
            format!("key `{id}` holds a secret that another entry of the key file retired at {at}")
        };
        output::warn(format_args!(
            "{retired}, and this signature is not dated before then: Smile ID no longer accepts it, and `verify` refuses it as retired_key"
        ));
    }
}

/// A `--trusted-proxy` wider than any network of proxies (every address of its family, at
/// worst) lets the senders in it name their own source in `X-Forwarded-For`: said for each.
pub fn warn_of_trusting_too_wide(trusted: &[ipnet::IpNet]) {
    for net in crate::ip::proxy::trusting_too_wide(trusted) {
        let what = if net.prefix_len() == 0 {
            "every address"
        } else {
            "more addresses than any network of proxies"
        };
        output::warn(format_args!(
            "--trusted-proxy {net} trusts {what}, so any sender in it can name an allowed source in X-Forwarded-For; name only your own proxies"
        ));
    }
}

/// A key-file entry marked retired with a `retired` moment still to come (a slip of the year,
/// `2062` for `2026`) keeps its signatures good until then: said, once per entry.
pub fn warn_of_retirements_to_come(keys: &[Credential], now: DateTime<Utc>) {
    for key in keys.iter().filter(|key| key.retired_itself) {
        if let Some(retired) = key.retired.filter(|&retired| retired > now) {
            output::warn(format_args!(
                "key `{}` is marked retired, at {}, which is still to come: callbacks it signs pass until then",
                key.key_id.as_deref().unwrap_or("(unnamed)"),
                retired.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
    }
}

/// Commands whose answer depends on the time take `--now`, so that runs are reproducible.
#[derive(Debug, Clone, clap::Args)]
pub struct ClockArgs {
    /// Take this RFC 3339 time as now
    #[arg(long, env = "SMILE_SEC_NOW", hide_env_values = true, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

impl ClockArgs {
    pub fn clock(&self) -> Clock {
        Clock::new(self.now)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock().now()
    }
}

/// `--now`: an RFC 3339 time whose UTC reading has a four-digit year, so that every time
/// reckoned from it is written `YYYY-MM-DDTHH:MM:SS.mmmZ` (`9999-12-31T23:59:59-23:59` is in
/// year 10000 in UTC).
fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    let now = crate::time::parse_rfc3339(text).map_err(|e| e.to_string())?;
    if !(0..=9999).contains(&now.year()) {
        return Err(format!(
            "`{}` is in year {} in UTC; smile-sec writes times with four-digit years",
            crate::input::shown_value(text),
            now.year()
        ));
    }
    Ok(now)
}

/// A duration flag: `90s`, `15m`, `24h`, `7d`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    crate::time::parse_duration(text).map_err(|e| e.to_string())
}

/// A timeout: a duration (as [`parse_duration`] reads it) of more than 0.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    match parse_duration(text)?.to_std() {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err("the timeout must be more than 0".to_owned()),
    }
}

/// `--env production|sandbox|all`: the key-file entries `verify` tries, the allowlist entries
/// `ip-check` and `allowlist` keep; `all` is the same as no `--env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvArg {
    Production,
    Sandbox,
    /// Every environment: no filter
    All,
}

impl EnvArg {
    /// The environment to keep to; `None` for every one.
    pub fn environment(self) -> Option<Environment> {
        match self {
            EnvArg::Production => Some(Environment::Production),
            EnvArg::Sandbox => Some(Environment::Sandbox),
            EnvArg::All => None,
        }
    }

    pub fn of(env: Environment) -> Self {
        match env {
            Environment::Production => EnvArg::Production,
            Environment::Sandbox => EnvArg::Sandbox,
        }
    }

    /// The environments kept, in words.
    pub fn scope(self) -> &'static str {
        match self {
            EnvArg::Production => "production",
            EnvArg::Sandbox => "sandbox",
            EnvArg::All => "production and sandbox",
        }
    }
}

/// Opening a replay store (`--seen`, `seen STORE`): first what the user should know about it.
pub fn store_notices_told(spec: &str, creates: bool) {
    for notice in crate::callbacks::store::notices(spec, creates) {
        output::warn(format_args!("{notice}"));
    }
}
