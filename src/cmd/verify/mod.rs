//! `smile-sec verify`: saved callbacks checked against the keys, the freshness window and each
//! other. Reading and checking run in parallel in `ingest::batch` (framing is `ingest::payload`
//! and `ingest::fast`, verdicts are `callbacks::verdict`); this module sets a run up, and the
//! in-order half lives beside it: `collector` judges replays, frames in order what the workers
//! could not, and prints; `store_thread` claims accepted callbacks in the `--seen` store on a
//! thread of its own; `origins` reads bodies back from files to compare a repeated pair's.

use std::path::PathBuf;
use std::sync::mpsc::{self};

use anyhow::{Context, bail};
use chrono::Duration;
use clap::ValueHint;

use super::args::{
    ClockArgs, EnvArg, KeySourceArgs, PartnerArgs, parse_duration, sources_told, store_notices_told,
};
use crate::callbacks::explain::Explainer;
use crate::callbacks::replay::Fingerprints;
use crate::callbacks::store::{self, StoreError};
use crate::callbacks::verdict::{Candidate, Verifier, Window};
use crate::ingest::batch::{Worker, produce};
use crate::ingest::pipeline::{self};
use crate::keys::credentials::verification_credentials;
use crate::outcome::Outcome;
use crate::output::verify::{self, ResultFormat};
use crate::output::{self};

mod collector;
mod origins;
mod store_thread;

use collector::Collector;
use store_thread::StoreThread;

/// Verify saved callbacks: signature, freshness and replays
///
/// Reads files, directories (every *.json, *.ndjson, *.jsonl below, in sorted order; symlinks are
/// not followed) or stdin. A file holds one JSON object, a JSON array of objects, or NDJSON. Each
/// callback's top-level `signature` and `timestamp` are checked; the signature is compared in
/// constant time and must be canonical padded standard base64. With a key file, every entry that
/// fits the filters is tried (retired ones too) and the matching key is named.
#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Reason codes (the result's reason; exit 1 unless said otherwise):
  ok                   signed by a candidate key, fresh, not a replay (exit 0; an identical resend
                       is ok too, marked as a duplicate)
  bad_signature        well-formed, but no candidate key signed it: forged, altered, or the wrong
                       key (--explain says which)
  missing_signature    no top-level `signature`
  missing_timestamp    no top-level `timestamp`, or it is not a string
  malformed_signature  not 44 characters of canonical padded standard base64 (or not a string)
  stale                correctly signed, but older than now minus --max-age
  future               correctly signed, but dated after now plus --max-future
  bad_timestamp        correctly signed, but its timestamp cannot be read as a time for freshness
  retired_key          signed by a key-file key after that key's `retired` date: only a copy of a
                       rotated key can still sign
  replayed             this timestamp and signature were accepted before with a different body (in
                       this run, or in the --seen store)
  not_an_object        valid JSON, but not an object (exit 2)
  parse_error          not valid JSON, or larger than 16 MiB (exit 2)

Exit status: 0 when every callback is ok, 1 when any is invalid, 2 when any item or path could not
be read or parsed.

Examples:
  smile-sec verify callbacks/ --keys smile-keys.json
  smile-sec verify saved.ndjson --api-key-file key.txt --partner-id 085 --max-age 24h
  cat callback.json | smile-sec verify --env production --format json"
)]
pub struct Args {
    /// Files or directories to read ("-" for stdin)
    #[arg(value_name = "PATH", default_value = "-", value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub partner: PartnerArgs,
    #[command(flatten)]
    pub keys: KeySourceArgs,

    /// Try only key-file entries of this environment (all: every one, as without --env)
    #[arg(long, value_enum, value_name = "ENV")]
    pub env: Option<EnvArg>,

    /// Fail callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub max_age: Option<Duration>,

    /// Fail callbacks dated after now + DUR
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "5m")]
    pub max_future: Duration,

    #[command(flatten)]
    pub clock: ClockArgs,

    /// For each bad or malformed signature, name the one usual mistake that explains it (another
    /// key, partner ID zero padding, key white space, signature encoding); never prints a key or
    /// an expected signature
    #[arg(long)]
    pub explain: bool,

    /// Remember accepted callbacks in STORE across runs and machines, so that a replay arriving
    /// later is caught: an SQLite file (created when missing) or a redis:// or rediss:// URL. A
    /// callback is reported ok only once it is recorded
    #[arg(long, value_name = "STORE", value_hint = ValueHint::FilePath)]
    pub seen: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    pub format: ResultFormat,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (worker, report) = prepare(&args).inspect_err(|e| {
        // No callback was read: the CI report still says why (the summary, a JUnit document).
        let junit = args.format == ResultFormat::Junit;
        if let Err(written) = verify::unusable(junit, &format!("{e:#}")) {
            output::warn(format_args!("cannot report the error as asked: {written}"));
        }
    })?;
    let paths = args.paths;
    // Piece buffers go back from the collector to the reader, to be filled again.
    let (recycle, recycled) = mpsc::channel();
    let mut skipped = Vec::new();
    let run = pipeline::run_ordered(
        pipeline::default_workers(),
        |emit| produce(&paths, emit, &recycled, &mut skipped),
        |batch| worker.check(batch),
        |results| report.collect(&worker, results, &recycle),
    );
    for path in &skipped {
        output::warn(format_args!("{path}"));
    }
    run
}

/// Everything a run needs before it reads a callback: the keys, the verdicts' rules, the store.
fn prepare(args: &Args) -> anyhow::Result<(Worker, Collector)> {
    let reads_stdin = args.paths.iter().any(|p| crate::input::is_stdin(p));
    if reads_stdin && args.keys.lone.reads_stdin() {
        bail!("--api-key-file and reading callbacks from stdin cannot both use stdin");
    }
    let request = args
        .keys
        .request(&args.partner, args.env.and_then(EnvArg::environment));
    let keys = verification_credentials(&request, &sources_told(&request)?, args.explain)?;
    for warning in &keys.skipped {
        output::warn(format_args!("{warning}"));
    }
    let now = args.clock.now();
    super::args::warn_of_retirements_to_come(&keys.tried, now);
    let candidates = keys.tried.iter().map(Candidate::new).collect();
    let explainer = args
        .explain
        .then(|| Explainer::new(&keys.tried, &keys.all_key_file).with_unread(keys.unread.clone()));
    drop(keys);
    let window = Window {
        max_age: args.max_age,
        max_future: args.max_future,
    };
    let verifier = Verifier::new(candidates, window);
    // A `--seen` store records hashed pair names; a log that stays in memory needs no hashing.
    let verifier = match args.seen {
        Some(_) => verifier,
        None => verifier.with_unhashed_pairs(),
    };
    let store = match &args.seen {
        None => None,
        Some(spec) => Some({
            store_notices_told(spec, true);
            let store = store::open(spec, window, now)
                .map_err(StoreError::reported)
                .context("--seen")?;
            StoreThread::start(store, args.clock.clock())
                .context("--seen: cannot start the store's thread")?
        }),
    };
    let fingerprints = Fingerprints::default();
    let report = Collector::new(store, args.format, fingerprints.clone());
    let worker = Worker {
        verifier,
        clock: args.clock.clock(),
        explainer,
        // A store records every accepted body's digest. Without one, accepted bodies that stay in
        // their file are fingerprinted as first read, so that a repeated pair is judged on what
        // was read then, never on a file changed since.
        digest_all: args.seen.is_some(),
        fingerprints: fingerprints.clone(),
        format: args.format,
    };
    Ok((worker, report))
}
