//! `smile-sec verify`: saved callbacks checked against the keys, the freshness window and each
//! other (cli-contract §5, §9). Glue only: framing is `payload`, verdicts are `verify`.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::ValueHint;
use serde::Serialize;

use super::args::{ClockArgs, EnvArg, KeySourceArgs, PartnerArgs, parse_duration};
use crate::credentials::{KeyRequest, verification_credentials};
use crate::explain::{Explainer, Explanation};
use crate::outcome::Outcome;
use crate::output::{self, Printer, Tone, verdict};
use crate::payload::{self, Item, ItemNumber};
use crate::replay::{SeenEntry, SeenFile, hex};
use crate::sources::{self, Found};
use crate::time::format_signing_timestamp;
use crate::verify::{Candidate, Freshness, Reason, Verdict, Verifier};

/// Verify saved callbacks: signature, freshness and replays
///
/// Reads files, directories (every *.json, *.ndjson, *.jsonl below, in sorted order; symlinks are
/// not followed) or stdin. A file holds one JSON object, a JSON array of objects, or NDJSON. Each
/// callback's top-level `signature` and `timestamp` are checked; the signature is compared in
/// constant time and must be canonical padded standard base64. With a key file, every entry that
/// fits the filters is tried (retired ones too) and the matching key is named.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec verify callbacks/ --keys smile-keys.json
  smile-sec verify saved.ndjson --api-key-file key.txt --partner-id 085 --max-age 24h
  cat callback.json | smile-sec verify --env production --format json")]
pub struct Args {
    /// Files or directories to read ("-" for stdin)
    #[arg(value_name = "PATH", default_value = "-", value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub partner: PartnerArgs,
    #[command(flatten)]
    pub keys: KeySourceArgs,

    /// Try only key-file entries of this environment
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

    /// Remember accepted callbacks in FILE across runs, so that a replay arriving later is caught
    /// (created when missing; locked while in use; append-only NDJSON)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub seen: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One aligned line per callback, then a summary
    Text,
    /// NDJSON: one result object per callback, then a summary object
    Json,
}

#[derive(Serialize)]
struct ResultLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    source: &'a str,
    item: ItemNumber,
    valid: bool,
    reason: Reason,
    key_id: Option<&'a str>,
    timestamp: Option<&'a str>,
    age_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a Explanation>,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    #[serde(rename = "type")]
    kind: &'static str,
    checked: u64,
    valid: u64,
    invalid: u64,
    errors: u64,
    duplicates: u64,
}

struct Run {
    verifier: Verifier,
    explainer: Option<Explainer>,
    seen: Option<SeenFile>,
    now: DateTime<Utc>,
    format: Format,
    out: Printer,
    summary: Summary,
    outcome: Outcome,
    warned_assumed_utc: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin
        && args
            .keys
            .api_key_file
            .as_deref()
            .is_some_and(|p| p.as_os_str() == "-")
    {
        bail!("--api-key-file - and reading callbacks from stdin cannot both use stdin");
    }
    let keys = verification_credentials(
        &KeyRequest {
            partner_id: args.partner.partner_id.as_deref(),
            api_key_file: args.keys.api_key_file.as_deref(),
            keys: args.keys.keys.as_deref(),
            key_id: args.keys.key.as_deref(),
            environment: args.env.map(Into::into),
        },
        args.explain,
    )?;
    for warning in &keys.skipped {
        output::warn(format_args!("{warning}"));
    }
    let candidates = keys.tried.iter().map(Candidate::new).collect();
    let explainer = args
        .explain
        .then(|| Explainer::new(&keys.tried, &keys.all_key_file));
    drop(keys);
    let now = args.clock.now();
    let freshness = Freshness {
        now,
        max_age: args.max_age,
        max_future: args.max_future,
    };
    let mut verifier = Verifier::new(candidates, freshness);
    let seen = match &args.seen {
        None => None,
        Some(path) => {
            let (file, load) = SeenFile::open(path, verifier.replays_mut())
                .with_context(|| format!("cannot open --seen file {}", path.display()))?;
            if load.skipped > 0 {
                output::warn(format_args!(
                    "{}: {} unreadable line(s) ignored (a partial line is what an interrupted run leaves)",
                    path.display(),
                    load.skipped
                ));
            }
            Some(file)
        }
    };
    let mut run = Run {
        verifier,
        explainer,
        seen,
        now,
        format: args.format,
        out: Printer::new(),
        summary: Summary {
            kind: "summary",
            ..Summary::default()
        },
        outcome: Outcome::Pass,
        warned_assumed_utc: false,
    };
    sources::expand(&args.paths, &mut |found| run.source(found))?;
    if run.summary.checked == 0 && run.summary.errors == 0 {
        output::item_error(format_args!("no callbacks found in the input"));
        run.outcome = Outcome::Error;
    }
    run.finish()?;
    Ok(run.outcome)
}

impl Run {
    fn source(&mut self, found: Found) -> io::Result<()> {
        match found {
            Found::Stdin => self.read("-", BufReader::with_capacity(1 << 18, io::stdin().lock())),
            Found::File(path) => {
                let name = path.display().to_string();
                match File::open(&path) {
                    Ok(file) => self.read(&name, BufReader::with_capacity(1 << 18, file)),
                    Err(e) => {
                        self.unreadable(&name, &e);
                        Ok(())
                    }
                }
            }
            Found::Skipped(path, why) => {
                output::warn(format_args!("{}: {why}", path.display()));
                Ok(())
            }
            Found::Unreadable(path, e) => {
                self.unreadable(&path.display().to_string(), &e);
                Ok(())
            }
        }
    }

    fn unreadable(&mut self, name: &str, error: &io::Error) {
        output::item_error(format_args!("cannot read {name}: {error}"));
        self.summary.errors += 1;
        self.outcome = Outcome::Error;
    }

    fn read(&mut self, name: &str, reader: impl io::BufRead) -> io::Result<()> {
        payload::for_each_item(reader, |number, item| match item {
            Item::Callback(callback) => {
                let verdict = self.verifier.check(&callback);
                let timestamp = callback.timestamp.as_str();
                if let (Some(seen), Some((pair, body)), Some(ts)) =
                    (&mut self.seen, &verdict.first_accepted, timestamp)
                {
                    seen.record(&SeenEntry {
                        timestamp: ts.to_owned(),
                        pair: hex(&pair.0),
                        body: body.to_hex(),
                        seen_at: format_signing_timestamp(self.now),
                    })?;
                }
                let explanation = match (&self.explainer, callback.signature.as_str(), timestamp) {
                    (Some(explainer), Some(sig), Some(ts))
                        if matches!(
                            verdict.reason,
                            Reason::BadSignature | Reason::MalformedSignature
                        ) =>
                    {
                        Some(explainer.explain(ts, sig))
                    }
                    _ => None,
                };
                self.report(name, number, &verdict, timestamp, explanation.as_ref())
            }
            Item::NotAnObject => {
                output::item_error(format_args!("{name}:{number}: not a JSON object"));
                self.report(
                    name,
                    number,
                    &error_verdict(Reason::NotAnObject, None),
                    None,
                    None,
                )
            }
            Item::ParseError(message) => {
                output::item_error(format_args!("{name}:{number}: {message}"));
                self.report(
                    name,
                    number,
                    &error_verdict(Reason::ParseError, Some(message)),
                    None,
                    None,
                )
            }
        })
    }

    fn report(
        &mut self,
        source: &str,
        item: ItemNumber,
        v: &Verdict,
        timestamp: Option<&str>,
        explanation: Option<&Explanation>,
    ) -> io::Result<()> {
        let reason = v.reason;
        self.summary.checked += 1;
        if reason == Reason::Ok {
            self.summary.valid += 1;
            self.summary.duplicates += u64::from(v.duplicate);
        } else if reason.is_error() {
            self.summary.errors += 1;
            self.outcome = self.outcome.worst(Outcome::Error);
        } else {
            self.summary.invalid += 1;
            self.outcome = self.outcome.worst(Outcome::Fail);
        }
        if v.assumed_utc && !self.warned_assumed_utc {
            self.warned_assumed_utc = true;
            output::warn(format_args!(
                "{source}:{item}: timestamp has no UTC offset; read as UTC (Python SDK ≤ 3.0.0 sends local time)"
            ));
        }
        let key_id = v
            .key
            .and_then(|i| self.verifier.candidates()[i].key_id.as_deref());
        match self.format {
            Format::Json => self.out.json(&ResultLine {
                kind: "result",
                source,
                item,
                valid: reason == Reason::Ok,
                reason,
                key_id,
                timestamp,
                age_seconds: v.age_seconds,
                explain: explanation,
            }),
            Format::Text => {
                let tone = match reason {
                    Reason::Ok => Tone::Good,
                    r if r.is_error() => Tone::Error,
                    _ => Tone::Bad,
                };
                let mut notes = Vec::new();
                if let Some(id) = key_id {
                    notes.push(format!("key {id}"));
                }
                if v.duplicate {
                    notes.push("duplicate of an earlier callback".to_owned());
                }
                if let Some(age) = v.age_seconds {
                    notes.push(format!("age {}", human_age(age)));
                }
                if let Some(detail) = &v.detail {
                    notes.push(detail.clone());
                }
                if let Some(e) = explanation {
                    notes.push(format!("explain: {}", e.detail));
                }
                self.out.line(format_args!(
                    "{} {source}:{item}  {}",
                    verdict(reason.as_str(), tone, 19),
                    notes.join(", ")
                ))
            }
        }
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(seen) = &mut self.seen {
            seen.flush().context("cannot write the --seen file")?;
        }
        let s = &self.summary;
        match self.format {
            Format::Json => self.out.json(s)?,
            Format::Text => self.out.line(format_args!(
                "{} checked: {} valid, {} invalid, {} errors{}",
                s.checked,
                s.valid,
                s.invalid,
                s.errors,
                if s.duplicates > 0 {
                    format!(" ({} duplicates)", s.duplicates)
                } else {
                    String::new()
                }
            ))?,
        }
        Ok(self.out.flush()?)
    }
}

fn error_verdict(reason: Reason, detail: Option<String>) -> Verdict {
    Verdict {
        reason,
        key: None,
        age_seconds: None,
        assumed_utc: false,
        duplicate: false,
        detail,
        first_accepted: None,
    }
}

/// `3d 4h`, `12m 5s`, `-2m` (in the future).
fn human_age(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let text = match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    };
    format!("{sign}{text}")
}
