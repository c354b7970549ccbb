//! `smile-sec guard`: the callback gate in front of an app. Glue only: checks the configuration
//! (every mistake is exit 2 before the port is opened), then hands it to `guard::server` and
//! prints what the server reports.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use chrono::Duration;
use clap::ValueHint;
use ipnet::IpNet;

use super::allowlist::ListArgs;
use super::args::EnvArg;
use super::args::{
    ApiKeyFileArg, ClockArgs, KeyIdArg, PartnerArgs, key_request, parse_duration, parse_timeout,
    sources_told, store_notices_told,
};
use crate::callbacks::store;
use crate::callbacks::verdict::Window;
use crate::guard::claims::Claims;
use crate::guard::gate::Gate;
use crate::guard::memory::MemoryStore;
use crate::guard::server::{self, Config, Event};
use crate::guard::upstream::Upstream;
use crate::keys::credentials::{GateKeys, KeyRequest, KeySources, gate_credentials, key_sources};
use crate::keys::keyfile::Environment;
use crate::outcome::Outcome;
use crate::output::{self, hinted};

/// Gate Smile ID's callbacks in front of your app: forward only those that pass
///
/// Listens for callback POSTs on --path and checks, in this order: the source address is on the
/// allowlist (403), the body is within --max-body (413), it is a JSON object (400), its signature
/// is valid (401), it is fresh (401), its key was not retired before it was signed (401), and it
/// is not a replay (409). A callback that passes goes to --upstream with its body byte for byte
/// and its headers, plus Smile-Sec-Verdict: ok, Smile-Sec-Key-Id and Smile-Sec-Duplicate
/// (true for an identical resend, which is forwarded again). The upstream's answer goes back to
/// the sender; an upstream that cannot be reached is 502. A refusal's body is {"reason": CODE}.
///
/// Replays are caught by claiming each accepted callback in the --seen store before it is
/// forwarded. A claim is kept when the upstream fails: the sender's retry carries the same body,
/// which is an identical resend and passes.
///
/// TLS is ended in front of the gate (a load balancer or nginx); the gate speaks plain HTTP.
/// Behind a proxy, name it with --trusted-proxy so that the client is read from
/// X-Forwarded-For. GET /healthz (200 when the key file and the store are usable) and
/// GET /metrics (Prometheus) answer on the same port. One JSON line per request on stdout.
/// SIGTERM or SIGINT stops accepting, lets requests in flight finish, and exits 0.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec guard --listen 127.0.0.1:8443 --upstream http://127.0.0.1:3000 --keys smile-keys.json --seen /var/lib/smile-sec/seen.db
  smile-sec guard --listen 0.0.0.0:8443 --upstream http://app:3000/hooks/smile --seen redis://cache:6379/2 --trusted-proxy 10.0.0.0/8
  smile-sec guard --listen 127.0.0.1:9000 --upstream http://127.0.0.1:3000 --env sandbox --api-key-file sandbox.key --partner-id 085")]
pub struct Args {
    /// The address and port to listen on (port 0: any free port, printed on stderr)
    #[arg(long, value_name = "ADDR:PORT", required = true)]
    pub listen: String,

    /// Where accepted callbacks go: http://HOST[:PORT][/PATH] (without a path, the path they
    /// arrived at)
    #[arg(long, value_name = "URL", required = true, value_hint = ValueHint::Url)]
    pub upstream: String,

    /// The path callbacks arrive at
    #[arg(long, value_name = "PATH", default_value = "/callback")]
    pub path: String,

    #[command(flatten)]
    pub partner: PartnerArgs,
    #[command(flatten)]
    pub keys: GateKeyArgs,

    /// The environment this gate serves: only its keys are tried and only its callback sources
    /// allowed (a sandbox key is kept with less care, so a production gate must not accept what
    /// it signed)
    #[arg(long, value_enum, value_name = "ENV", default_value_t = GateEnv::Production)]
    pub env: GateEnv,

    /// Replace the built-in list of callback sources with FILE: lines `ADDR_OR_CIDR [LABEL]`;
    /// only the entries labelled with --env are kept
    #[arg(long, env = "SMILE_SEC_ALLOWLIST", hide_env_values = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub allowlist: Option<PathBuf>,

    /// An address or network of your own proxies, whose X-Forwarded-For is believed
    /// (repeatable, or comma-separated)
    #[arg(long, value_name = "CIDR", value_delimiter = ',', value_parser = crate::ip::proxy::parse_trusted, value_hint = ValueHint::Other)]
    pub trusted_proxy: Vec<IpNet>,

    /// The replay store shared by every gate and `verify --seen`: a path (SQLite, created when
    /// missing) or redis://HOST[:PORT][/DB]. Without it, replays are remembered in this process
    /// only
    #[arg(long, value_name = "STORE", value_hint = ValueHint::FilePath)]
    pub seen: Option<String>,

    /// Refuse callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "10m")]
    pub max_age: Duration,

    /// Refuse callbacks dated after now + DUR
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "5m")]
    pub max_future: Duration,

    /// The largest body accepted: bytes, or with k, M (KiB, MiB) (Smile ID's callbacks reach 1.5 MB)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "2MiB")]
    pub max_body: u64,

    /// Close a connection whose request head takes longer than DUR, or that sits idle that long
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "10s")]
    pub header_timeout: std::time::Duration,

    /// Answer 408 when a request body takes longer than DUR to arrive
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "30s")]
    pub body_timeout: std::time::Duration,

    /// Answer 504 when the upstream takes longer than DUR to answer
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "30s")]
    pub upstream_timeout: std::time::Duration,

    /// Answer 503 when the replay store takes longer than DUR to claim a callback
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "30s")]
    pub store_timeout: std::time::Duration,

    /// Connections served at once; more wait until one closes
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    #[command(flatten)]
    pub clock: ClockArgs,

    /// Taken as on every command; the request log is JSON lines in both, since a log is read by
    /// machines
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    pub format: Format,
}

/// Where the gate's keys come from: as on every command, except that `--keys` may name several
/// key files (one a team, one a rotation), whose fitting entries are all tried.
#[derive(Debug, Clone, clap::Args)]
pub struct GateKeyArgs {
    #[command(flatten)]
    pub lone: ApiKeyFileArg,

    /// A key file (repeatable: the entries of each that fit --env and --partner-id are tried);
    /// given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it
    /// exists, both below SMILE_API_KEY]
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub keys: Vec<PathBuf>,

    #[command(flatten)]
    pub entry: KeyIdArg,
}

impl GateKeyArgs {
    /// What the user asked for about the key file `keys` (one of `--keys`, or none).
    fn request<'a>(
        &'a self,
        keys: Option<&'a Path>,
        partner: &'a PartnerArgs,
        environment: Environment,
    ) -> KeyRequest<'a> {
        KeyRequest {
            // The gate serves one environment: a key given alone is taken as its key.
            lone_key_serves_environment: true,
            ..key_request(&self.lone, keys, &self.entry, partner, Some(environment))
        }
    }
}

/// The keys the gate tries ([`gate_credentials`]), from the key sources its flags name.
/// `sources` finds where keys come from: at start it tells the user which were set but not used;
/// `/healthz` asks again silently.
fn gate_keys(
    args: &GateKeyArgs,
    partner: &PartnerArgs,
    environment: Environment,
    sources: fn(&KeyRequest<'_>) -> anyhow::Result<KeySources>,
) -> anyhow::Result<GateKeys> {
    if args.keys.len() > 1 && args.entry.key.is_some() {
        bail!(
            "--key picks one entry of one key file: give --keys once, with the file that holds it"
        );
    }
    let requests: Vec<KeyRequest<'_>> = if args.keys.is_empty() {
        vec![args.request(None, partner, environment)]
    } else {
        args.keys
            .iter()
            .map(|file| args.request(Some(file), partner, environment))
            .collect()
    };
    let sources = sources(&requests[0])?;
    gate_credentials(&requests, &sources, environment)
}

/// `--format`, which changes nothing here: one JSON line per request either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON line per request
    Text,
    /// One JSON line per request
    Json,
}

/// A size: bytes, or a number with k/K/KiB (1024) or m/M/MiB (1024²), as nginx's
/// `client_max_body_size` reads them; kB and MB are powers of 1000.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let factor: u64 = match unit {
        "" | "B" | "b" => 1,
        "k" | "K" | "KiB" => 1 << 10,
        "m" | "M" | "MiB" => 1 << 20,
        "kB" | "KB" => 1000,
        "MB" => 1_000_000,
        _ => {
            return Err(format!(
                "unknown size unit {unit:?}: use bytes, k, M, KiB or MiB"
            ));
        }
    };
    let bad = || format!("{text:?} is not a size (bytes, or a number with k or M)");
    let count: u64 = digits.parse().map_err(|_| bad())?;
    let size = count.checked_mul(factor).ok_or_else(bad)?;
    if size == 0 {
        return Err("the size must be more than 0".to_owned());
    }
    Ok(size)
}

/// The one environment a gate serves (no `all`: a sandbox key is kept with less care than a
/// production one, so a production gate must not accept what it signed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GateEnv {
    Production,
    Sandbox,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        hinted(
            format!("--listen {:?} is not an address and port", args.listen),
            "write it as 127.0.0.1:8443, 0.0.0.0:8443 or [::]:8443",
        )
    })?;
    // As a request's path arrives: printable ASCII without a query or fragment; any other
    // --path could never match one.
    if !args.path.starts_with('/')
        || !args
            .path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#')
    {
        bail!(
            "--path {:?} must be a path starting with / (no spaces, query or fragment)",
            args.path
        );
    }
    if matches!(args.path.as_str(), "/healthz" | "/metrics") {
        bail!(
            "--path {:?} is where the gate answers its own health and metrics; choose another",
            args.path
        );
    }
    let (header_timeout, body_timeout, upstream_timeout, store_timeout) = (
        args.header_timeout,
        args.body_timeout,
        args.upstream_timeout,
        args.store_timeout,
    );
    if args.max_age <= Duration::zero() {
        bail!("--max-age must be more than 0 seconds");
    }
    if args.max_future < Duration::zero() {
        bail!("--max-future cannot be negative");
    }
    let upstream =
        Upstream::new(&args.upstream, listen, upstream_timeout).map_err(anyhow::Error::msg)?;

    let environment = match args.env {
        GateEnv::Production => Environment::Production,
        GateEnv::Sandbox => Environment::Sandbox,
    };
    let GateKeys {
        tried: keys,
        skipped,
        ..
    } = gate_keys(&args.keys, &args.partner, environment, sources_told)?;
    for warning in &skipped {
        output::warn(format_args!("{warning}"));
    }
    super::args::warn_of_retirements_to_come(&keys, args.clock.now());
    super::args::warn_of_trusting_too_wide(&args.trusted_proxy);
    // `/healthz` asks again as a restart would, so that a bad edit of a key file or a lost
    // secret holds a rollout back before the restart that would fail.
    // A key read from stdin or a pipe (`--api-key-file -`, `<(...)`, which beats every other
    // source) cannot change and cannot be read again: nothing to ask. (Asked at each check: a
    // key file replaced by a pipe would wait for its writer, and hold the gate's thread.)
    let keys_usable: Box<dyn Fn() -> bool + Send + Sync> = {
        let (key_args, partner) = (args.keys.clone(), args.partner.clone());
        Box::new(move || {
            key_args.lone.reads_once()
                || gate_keys(&key_args, &partner, environment, key_sources).is_ok()
        })
    };

    let env = EnvArg::of(environment);
    // The same list, rules and staleness warning as ip-check and allowlist. A list that labels
    // environments is narrowed to the gate's; one that labels none (your own addresses) is
    // taken whole: it has no environment to follow.
    let list = ListArgs {
        env: None,
        allowlist: args.allowlist.clone(),
        clock: args.clock.clone(),
    };
    // (A list with labels of its own but no environment is taken whole, with a warning.)
    let (allowlist, _scope, _kept) = list.load(env)?;

    let window = Window {
        max_age: Some(args.max_age),
        max_future: args.max_future,
    };
    let claims = match &args.seen {
        Some(spec) => {
            store_notices_told(spec, true);
            let mut store = store::open(spec, window, args.clock.now()).map_err(store_error)?;
            store.ping().map_err(store_error)?;
            Claims::store(store)?
        }
        None => {
            output::warn(format_args!(
                "no --seen store: replays are remembered by this process only, forgotten when it \
                 restarts and not shared with other instances; give --seen PATH or --seen redis://..."
            ));
            Claims::memory(MemoryStore::new(window))?
        }
    };
    if let Some(now) = args.clock.now {
        output::warn(format_args!(
            "--now / SMILE_SEC_NOW is set: every callback is judged as if it arrived at {now}"
        ));
    }

    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let gate = Gate::new(
        &keys,
        args.max_age,
        args.max_future,
        allowlist,
        args.trusted_proxy,
    );
    drop(keys);
    let config = Config {
        gate,
        claims,
        upstream,
        path: args.path,
        max_body: args.max_body,
        header_timeout,
        body_timeout,
        store_timeout,
        // At most what a semaphore holds (on a 32-bit target, less than u32 can say): more
        // connections than that cannot be open at once anyway.
        max_connections: usize::try_from(args.max_connections)
            .unwrap_or(usize::MAX)
            .min(tokio::sync::Semaphore::MAX_PERMITS),
        // Requests in flight end by themselves within the body, store and upstream timeouts.
        grace: body_timeout + store_timeout + upstream_timeout + std::time::Duration::from_secs(5),
        keys_usable,
        clock: args.clock.clock(),
        events: Box::new(report),
    };
    server::serve(listener, config)?;
    Ok(Outcome::Pass)
}

/// A store that cannot be used at start: exit 2 with its message and hint.
fn store_error(error: store::StoreError) -> anyhow::Error {
    store::StoreError {
        message: format!("--seen store: {}", error.message),
        ..error
    }
    .reported()
}

/// Prints what the server reports: the request log on stdout, the rest on stderr.
fn report(event: Event<'_>) {
    static LOG_FAILED: AtomicBool = AtomicBool::new(false);
    match event {
        Event::Listening(address) => output::note(format_args!("listening on http://{address}")),
        Event::Request(line) => {
            // A closed or full stdout must not stop the gate; it is said once.
            if let Err(e) = output::json_line(line)
                && !LOG_FAILED.swap(true, Ordering::Relaxed)
            {
                output::warn(format_args!("cannot write the request log to stdout: {e}"));
            }
        }
        Event::Warning(message) => output::warn(format_args!("{message}")),
        Event::Stopping => output::note(format_args!(
            "stopping: no new connections, finishing requests in flight"
        )),
        Event::Abandoned => output::warn(format_args!(
            "requests still in flight when the grace period ended were cut off"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        for (text, size) in [
            ("2MiB", 2 << 20),
            ("2m", 2 << 20),
            ("512k", 512 << 10),
            ("1500000", 1_500_000),
            ("2MB", 2_000_000),
            ("10B", 10),
        ] {
            assert_eq!(parse_size(text), Ok(size), "{text}");
        }
        for bad in [
            "",
            "M",
            "0",
            "-1",
            "1.5M",
            "2 MiB",
            "2GiB",
            "99999999999999999999",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
