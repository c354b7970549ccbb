//! `smile-sec verify`: saved callbacks checked against the keys, the freshness window and each
//! other. Reading and checking run in parallel in `ingest::batch` (framing is `ingest::payload`
//! and `ingest::fast`, verdicts are `callbacks::verdict`); this module is the in-order half: it
//! judges replays, claims accepted callbacks in the `--seen` store (on a thread of its own,
//! `StoreThread`), reads bodies back from files to compare a repeated pair's, frames in order
//! what the workers could not, and prints.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::ValueHint;
use serde::Serialize;

use super::args::{
    ClockArgs, EnvArg, KeySourceArgs, PartnerArgs, parse_duration, sources_told, store_notices_told,
};
use crate::callbacks::explain::{Explainer, Explanation};
use crate::callbacks::replay::{
    self, BodyDigest, Fingerprints, Location, PairId, ReplayLog, SeenBody,
};
use crate::callbacks::store::{self, Claim, DigestClaim, ReplayStore, StoreError, Window};
use crate::callbacks::verdict::{Candidate, Freshness, Reason, Verdict, Verifier, judge_replay};
use crate::ingest::batch::{Checked, Checking, Unfinished, Work, Worker, produce};
use crate::ingest::fast::array;
use crate::ingest::fast::chunks::{self, Piece};
use crate::ingest::payload::{self, ItemNumber, LONE_ITEM, LoneItem, RawItem};
use crate::ingest::pipeline::{self, Results};
use crate::keys::credentials::verification_credentials;
use crate::outcome::Outcome;
use crate::output::junit::{self, Counts};
use crate::output::step_summary::{STEP_SUMMARY_ENV, StepSummary};
use crate::output::verify::{self, CallbackResult, NOT_AN_OBJECT, ResultFormat};
use crate::output::{self, Printer};

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
fn prepare(args: &Args) -> anyhow::Result<(Worker, Report)> {
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && args.keys.lone.reads_stdin() {
        bail!("--api-key-file - and reading callbacks from stdin cannot both use stdin");
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
    let verifier = Verifier::new(
        candidates,
        Freshness {
            now,
            max_age: args.max_age,
            max_future: args.max_future,
        },
    );
    // A `--seen` file records hashed pair names; a log that stays in memory needs no hashing.
    let verifier = match args.seen {
        Some(_) => verifier,
        None => verifier.with_unhashed_pairs(),
    };
    let window = Window {
        max_age: args.max_age,
        max_future: args.max_future,
    };
    let store = match &args.seen {
        None => None,
        Some(spec) => Some({
            store_notices_told(spec);
            let store = store::open(spec, window, now)
                .map_err(StoreError::reported)
                .context("--seen")?;
            StoreThread::start(store, now).context("--seen: cannot start the store's thread")?
        }),
    };
    let fingerprints = Fingerprints::default();
    let report = Report {
        fingerprints: fingerprints.clone(),
        current_seq: None,
        lone: LoneItem::new(false),
        replays: ReplayLog::default(),
        origins: Origins::default(),
        store,
        held: Vec::new(),
        pending: Vec::new(),
        spare: Vec::new(),
        format: args.format,
        summary: Summary {
            kind: "summary",
            ..Summary::default()
        },
        outcome: Outcome::Pass,
        assumed_utc: 0,
        line: Vec::with_capacity(256),
        rendered: Vec::new(),
        failures: verify::step_summary(),
    };
    let worker = Worker {
        verifier,
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

/// Judges replays, records accepted callbacks and prints, in input order (the collector thread).
struct Report {
    /// The source the last item came from, and its first item while it may be the only one.
    current_seq: Option<u64>,
    lone: LoneItem<FirstItem>,
    replays: ReplayLog,
    origins: Origins,
    /// The `--seen` store. With one, every line is held (in `held`) until the claims of the
    /// accepted callbacks before it are committed: a callback is reported `ok` only once
    /// recorded.
    store: Option<StoreThread>,
    held: Vec<u8>,
    /// The accepted callbacks in `held` whose claims are not made yet.
    pending: Vec<Pending>,
    /// A cleared buffer for `held`, back from the batch printed last.
    spare: Vec<u8>,
    format: ResultFormat,
    summary: Summary,
    outcome: Outcome,
    /// Timestamps without a UTC offset, read as UTC: the first is named, the count said at the end.
    assumed_utc: u64,
    /// A result line this thread renders itself (what the workers could not render as it reads).
    line: Vec<u8>,
    /// The result lines the workers rendered for the batch being collected.
    rendered: Vec<u8>,
    /// The workers' keys, to check that a body read back is the one they judged.
    fingerprints: Fingerprints,
    /// What failed, for the GitHub job summary.
    failures: StepSummary,
}

impl Report {
    /// Judges, records and prints every result, and gives the run's verdict. A closed output
    /// (`| head -1`) ends the run quietly with the verdict of what was printed so far, so that
    /// `set -o pipefail` never turns a failure into success.
    fn collect(
        mut self,
        worker: &Worker,
        results: Results<Checked>,
        recycle: &Sender<Vec<u8>>,
    ) -> anyhow::Result<Outcome> {
        // JUnit's counts come before its cases: the cases are gathered, then put in the document.
        let mut out = match self.format {
            ResultFormat::Junit => Printer::in_memory(),
            ResultFormat::Text | ResultFormat::Json => Printer::new(),
        };
        let written = match self.collect_into(&mut out, worker, results, recycle) {
            Ok(()) => self
                .nothing_found(&mut out)
                .and_then(|()| self.finish(out).map_err(Into::into)),
            Err(e) if output::is_broken_pipe(&e) => Err(e),
            // A run that cannot go on (a store that stopped answering) still ends its output as
            // every run does: the summary of what was printed, the error counted in it, or the
            // JUnit document of the cases so far. The error itself follows on stderr.
            Err(e) => {
                self.summary.errors += 1;
                self.outcome = Outcome::Error;
                self.failures
                    .row(&[&"(the run)", &"stopped", &format!("{e:#}")]);
                let _ = self.finish(out);
                Err(e)
            }
        };
        if self.assumed_utc > 1 {
            output::warn(format_args!(
                "{} timestamps in all had no UTC offset and were read as UTC",
                self.assumed_utc
            ));
        }
        if let Err(e) = self
            .failures
            .append_if_requested("Every callback passed.", &summary_line(&self.summary))
        {
            output::warn(format_args!(
                "cannot append to the job summary (${STEP_SUMMARY_ENV}): {e}"
            ));
        }
        match written {
            Ok(()) => Ok(self.outcome),
            Err(e) if output::is_broken_pipe(&e) => Ok(self.outcome),
            Err(e) => Err(e),
        }
    }

    fn collect_into(
        &mut self,
        out: &mut Printer,
        worker: &Worker,
        mut results: Results<Checked>,
        recycle: &Sender<Vec<u8>>,
    ) -> anyhow::Result<()> {
        while let Some(mut checked) = results.next() {
            let origin = checked
                .batch
                .origin
                .as_ref()
                .map(|path| self.origins.index(path));
            let lines = matches!(checked.batch.work, Work::Piece(_));
            self.rendered = std::mem::take(&mut checked.rendered);
            let data = checked.batch.work.data();
            let from = Source {
                seq: checked.batch.seq,
                name: &checked.batch.source,
                origin,
                lines,
            };
            for result in &mut checked.results {
                self.emit(out, &from, data, result)?;
            }
            let Some(unfinished) = checked.unfinished else {
                self.settle_when_due(out, &mut results)?;
                if let Work::Piece(Piece::Lines { data, .. }) = checked.batch.work {
                    // The reader may be gone already (its thread ends with the input).
                    let _ = recycle.send(data);
                }
                continue;
            };
            // The rest of this source, framed here in order; the batches after this one hold the
            // workers' guesses at it.
            let seq = checked.batch.seq;
            let check = |number, raw: RawItem<'_>| -> anyhow::Result<()> {
                let (mut checking, bytes) = match raw {
                    RawItem::Json(bytes, at) => (
                        worker.check_value(
                            number,
                            bytes,
                            0..bytes.len(),
                            at.filter(|_| origin.is_some()),
                        ),
                        bytes,
                    ),
                    RawItem::Error(message) => (Checking::ParseError(number, message), &[][..]),
                };
                self.emit(out, &from, bytes, &mut checking)
            };
            match unfinished {
                // This piece from the line that opened a value, then the pieces after it.
                Unfinished::Line {
                    number,
                    from: line_start,
                    at,
                } => {
                    let rest = chunks::Rest::new(data[line_start..].to_vec(), || {
                        results
                            .next_if(|next| next.batch.seq == seq)
                            .and_then(|next| match next.batch.work {
                                Work::Piece(piece) => Some(piece),
                                Work::Framed { .. } => None,
                            })
                    });
                    payload::frame_lines(
                        BufReader::with_capacity(1 << 16, rest),
                        number - 1,
                        at,
                        check,
                    )
                }
                // The file again, from its start, by the stream reader.
                Unfinished::Element { number } => {
                    while results.next_if(|next| next.batch.seq == seq).is_some() {}
                    let path = checked.batch.origin.as_ref().expect("guessed from a file");
                    let reopen =
                        || File::open(path).map(|file| BufReader::with_capacity(1 << 16, file));
                    array::read_rest(reopen, number, check)
                }
            }?;
            self.settle_when_due(out, &mut results)?;
        }
        self.end_source(out)?;
        self.settle(out)?;
        Ok(())
    }

    /// An input with no callback at all is an error, counted and reported as an unreadable path
    /// is, so that the summary, the JUnit document and the job summary say so as the exit code
    /// does (an empty file in CI passes nothing).
    fn nothing_found(&mut self, out: &mut Printer) -> anyhow::Result<()> {
        if self.summary.checked > 0 || self.summary.errors > 0 {
            return Ok(());
        }
        let message = "no callbacks found in the input";
        output::item_error(format_args!("{message}"));
        self.summary.errors += 1;
        self.outcome = Outcome::Error;
        self.failures.row(&[&"(the input)", &"empty", &message]);
        if self.format == ResultFormat::Junit {
            self.line.clear();
            verify::junit_unreadable("(the input)", "empty", message, &mut self.line);
            self.put_line(out)?;
        }
        Ok(())
    }

    /// The summary (text, JSON), or the JUnit document around the cases gathered in `out`.
    fn finish(&self, mut out: Printer) -> io::Result<()> {
        let s = &self.summary;
        match self.format {
            ResultFormat::Json => out.json(s)?,
            ResultFormat::Text => out.line(format_args!("{}", summary_line(s)))?,
            ResultFormat::Junit => {
                let counts = Counts {
                    tests: s.valid + s.invalid + s.errors,
                    failures: s.invalid,
                    errors: s.errors,
                };
                out = {
                    let cases = out.into_memory();
                    let mut stdout = Printer::new();
                    junit::write_document(&mut stdout, "smile-sec verify", counts, &cases)?;
                    stdout
                };
            }
        }
        out.flush()
    }

    /// Takes the next result in input order; a line-laid-out source's first item waits in
    /// `lone` for its number.
    fn emit(
        &mut self,
        out: &mut Printer,
        from: &Source<'_>,
        data: &[u8],
        result: &mut Checking,
    ) -> anyhow::Result<()> {
        if self.current_seq != Some(from.seq) {
            self.end_source(out)?;
            self.current_seq = Some(from.seq);
            self.lone = LoneItem::new(from.lines);
        }
        if self.lone.awaits_first() {
            let mut result = std::mem::replace(result, Checking::NotAnObject(0));
            let mut bytes = Vec::new();
            if let Checking::Callback { span, line, .. } = &mut result {
                bytes = data[span.clone()].to_vec();
                *span = 0..bytes.len();
                // Printed later, maybe renumbered: rendered again then.
                *line = 0..0;
            }
            self.lone.hold(FirstItem {
                source: from.name.clone(),
                origin: from.origin,
                data: bytes,
                result,
            });
            return Ok(());
        }
        if let Some(mut first) = self.lone.release() {
            self.one(
                out,
                &first.source,
                first.origin,
                &first.data,
                &mut first.result,
            )?;
        }
        self.one(out, from.name, from.origin, data, result)
    }

    /// A source has ended: a first item still held was its only one.
    fn end_source(&mut self, out: &mut Printer) -> anyhow::Result<()> {
        match self.lone.end() {
            Some(mut only) => {
                only.result.renumber(LONE_ITEM);
                self.one(out, &only.source, only.origin, &only.data, &mut only.result)
            }
            None => Ok(()),
        }
    }

    fn one(
        &mut self,
        out: &mut Printer,
        source: &Arc<str>,
        origin: Option<u32>,
        data: &[u8],
        result: &mut Checking,
    ) -> anyhow::Result<()> {
        // By reference: a result is large, and there are as many as input items.
        match result {
            Checking::Callback {
                number,
                verdict,
                timestamp,
                explanation,
                span,
                at,
                digest,
                fingerprint,
                line,
            } => {
                let (number, at, digest) = (*number, *at, *digest);
                let reason_as_rendered = verdict.reason;
                let bytes = &data[span.clone()];
                // Read from the item only when wanted: its bytes are cold in this thread's cache.
                let timestamp = || timestamp.as_ref().map(|stamp| stamp.text(bytes));
                let place = match (origin, at, *fingerprint) {
                    (Some(source), Some(offset), Some(fingerprint)) => SeenBody::at(Location {
                        source,
                        offset,
                        len: u32::try_from(bytes.len()).expect("items are at most 16 MiB"),
                        fingerprint,
                    }),
                    _ => None,
                };
                let body = match (digest, place) {
                    (Some(digest), _) => SeenBody::digest(digest.prefix()),
                    (None, Some(place)) => place,
                    // Workers take the digest of whatever cannot be read back; this is what has
                    // no room in the log (beyond 256 TiB into a file).
                    (None, None) => {
                        SeenBody::digest(replay::item_digest(bytes).map_or([0; 15], |d| d.prefix()))
                    }
                };
                // With a store, the store judges replays within the run as well (its claims are
                // made in input order): the first body it holds for a pair may come from an
                // earlier run, and only it knows.
                if self.store.is_none() {
                    let (origins, fingerprints) = (&mut self.origins, &self.fingerprints);
                    judge_replay(&mut self.replays, verdict, body, |earlier| {
                        replay::same_body(earlier, bytes, fingerprints, |location| {
                            origins.read_back(location)
                        })
                    });
                }
                // Accepted: with a store, the result waits for its claim.
                let claim = match (&self.store, verdict.accepted) {
                    (Some(_), Some(pair)) if verdict.reason == Reason::Ok => Some(Pending {
                        line: 0..0,
                        source: source.clone(),
                        number,
                        verdict: verdict.clone(),
                        timestamp: timestamp().unwrap_or_default().into(),
                        pair,
                        // Workers take every accepted body's digest when there is a store.
                        body: digest
                            .or_else(|| replay::item_digest(bytes))
                            .unwrap_or(BodyDigest([0; 32])),
                    }),
                    _ => None,
                };
                if claim.is_none() {
                    self.account(source, number, verdict);
                }
                let start = self.held.len();
                // A resend is marked in text output, and a replay changes the verdict: only those
                // lines read otherwise than the worker rendered them.
                if line.start != line.end
                    && verdict.reason == reason_as_rendered
                    && !verdict.duplicate
                {
                    if self.store.is_some() {
                        self.held.extend_from_slice(&self.rendered[line.clone()]);
                    } else {
                        out.writer().write_all(&self.rendered[line.clone()])?;
                    }
                } else {
                    self.print(
                        out,
                        source,
                        number,
                        verdict,
                        timestamp(),
                        explanation.as_deref(),
                    )?;
                }
                if let Some(mut claim) = claim {
                    claim.line = start..self.held.len();
                    self.pending.push(claim);
                }
                if self.pending.len() >= PENDING_CLAIMS || self.held.len() >= HELD_BYTES {
                    self.dispatch(out)?;
                }
            }
            Checking::NotAnObject(number) => {
                output::item_error(format_args!("{source}:{number}: {NOT_AN_OBJECT}"));
                let verdict = error_verdict(Reason::NotAnObject, None);
                self.account(source, *number, &verdict);
                self.print(out, source, *number, &verdict, None, None)?;
            }
            Checking::ParseError(number, message) => {
                output::item_error(format_args!("{source}:{number}: {message}"));
                let verdict = error_verdict(Reason::ParseError, Some(std::mem::take(message)));
                self.account(source, *number, &verdict);
                self.print(out, source, *number, &verdict, None, None)?;
            }
            Checking::Unreadable(message) => {
                output::item_error(format_args!("{message}"));
                self.summary.errors += 1;
                self.outcome = Outcome::Error;
                self.failures.row(&[&source, &"unreadable", &message]);
                if self.format == ResultFormat::Junit {
                    self.line.clear();
                    verify::junit_unreadable(source, "unreadable", message, &mut self.line);
                    self.put_line(out)?;
                }
            }
        }
        Ok(())
    }

    /// Counts a result in the summary and the exit code, and warns of the first timestamp read as
    /// UTC.
    fn account(&mut self, source: &str, item: ItemNumber, v: &Verdict) {
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
        if reason != Reason::Ok {
            let detail = v.detail.as_deref().unwrap_or_default();
            self.failures
                .row(&[&format_args!("{source}:{item}"), &reason.as_str(), &detail]);
        }
        if v.assumed_utc {
            self.assumed_utc += 1;
            if self.assumed_utc == 1 {
                output::warn(format_args!(
                    "{source}:{item}: timestamp has no UTC offset; read as UTC (Python SDK ≤ 3.0.0 sends local time)"
                ));
            }
        }
    }

    /// Prints a result (after [`Report::account`]).
    fn print(
        &mut self,
        out: &mut Printer,
        source: &str,
        item: ItemNumber,
        v: &Verdict,
        timestamp: Option<&str>,
        explanation: Option<&Explanation>,
    ) -> io::Result<()> {
        self.line.clear();
        let result = CallbackResult {
            source,
            item,
            verdict: v,
            timestamp,
            explanation,
        };
        self.format.write(&result, &mut self.line);
        self.put_line(out)
    }

    /// Writes `self.line`, or holds it while claims are pending.
    fn put_line(&mut self, out: &mut Printer) -> io::Result<()> {
        if self.store.is_some() {
            self.held.extend_from_slice(&self.line);
            Ok(())
        } else {
            out.writer().write_all(&self.line)
        }
    }

    /// Hands what is held to the store once enough waits (one commit for many callbacks), and
    /// settles everything when no more results come for a moment (input that arrives slowly is
    /// not held back).
    fn settle_when_due(
        &mut self,
        out: &mut Printer,
        results: &mut Results<Checked>,
    ) -> anyhow::Result<()> {
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        // A batch claimed by now is printed at once, not only when the next is handed over.
        if let Some(claimed) = store.try_wait() {
            self.print_batch(out, claimed)?;
        }
        let claiming = self.store.as_ref().is_some_and(StoreThread::is_claiming);
        if self.held.is_empty() && self.pending.is_empty() && !claiming {
            return Ok(());
        }
        if self.pending.len() >= PENDING_CLAIMS / 2 || self.held.len() >= HELD_BYTES / 2 {
            self.dispatch(out)
        } else if !results.ready_within(GROUP_WAIT) {
            self.settle(out)
        } else {
            Ok(())
        }
    }

    /// Claims and prints everything held.
    fn settle(&mut self, out: &mut Printer) -> anyhow::Result<()> {
        self.dispatch(out)?;
        self.print_claimed(out)
    }

    /// Prints the batch the store is claiming once it is claimed, then hands it what is held:
    /// the store commits one batch while the next is gathered.
    fn dispatch(&mut self, out: &mut Printer) -> anyhow::Result<()> {
        self.print_claimed(out)?;
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        if self.pending.is_empty() {
            // Nothing to wait for: the lines come after everything printed so far.
            out.writer().write_all(&self.held)?;
            self.held.clear();
            return Ok(());
        }
        let held = std::mem::replace(&mut self.held, std::mem::take(&mut self.spare));
        store.claim(std::mem::take(&mut self.pending), held)?;
        Ok(())
    }

    /// Waits for the batch the store is claiming, then prints its held lines with the store's
    /// verdict on each: a pair it holds with another body is a replay, with the same body a
    /// resend. Nothing held is printed when the store fails.
    fn print_claimed(&mut self, out: &mut Printer) -> anyhow::Result<()> {
        match self.store.as_mut().and_then(StoreThread::wait) {
            Some(claimed) => self.print_batch(out, claimed),
            None => Ok(()),
        }
    }

    /// Prints a claimed batch's held lines (see [`Report::print_claimed`]).
    fn print_batch(&mut self, out: &mut Printer, claimed: Claimed) -> anyhow::Result<()> {
        let Claimed {
            pending,
            held,
            answers,
        } = claimed;
        let answers = answers
            .map_err(StoreError::reported)
            .context("cannot record accepted callbacks, so none is reported ok")?;
        let mut written = 0;
        for (mut p, answer) in pending.into_iter().zip(answers) {
            p.verdict.claimed(answer);
            self.account(&p.source, p.number, &p.verdict);
            if answer != Claim::New {
                out.writer().write_all(&held[written..p.line.start])?;
                written = p.line.end;
                self.print_now(out, &p)?;
            }
        }
        out.writer().write_all(&held[written..])?;
        self.spare = held;
        self.spare.clear();
        Ok(())
    }

    /// Prints a settled claim's result line at once.
    fn print_now(&mut self, out: &mut Printer, p: &Pending) -> io::Result<()> {
        self.line.clear();
        let result = CallbackResult {
            source: &p.source,
            item: p.number,
            verdict: &p.verdict,
            timestamp: Some(&p.timestamp),
            explanation: None,
        };
        self.format.write(&result, &mut self.line);
        out.writer().write_all(&self.line)
    }
}

/// How many accepted callbacks, or bytes of result lines, wait for their claims at most: a commit
/// (a sync to disk) costs about as much as thousands of claims, so claims are grouped.
const PENDING_CLAIMS: usize = 16_384;
const HELD_BYTES: usize = 8 << 20;
/// How long results may pause before what is held is settled.
const GROUP_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// The `--seen` store on a thread of its own: the collector hands it one batch of accepted
/// callbacks at a time and goes on gathering the next while the batch is committed (a commit
/// waits on the disk or the network). One batch at most is claimed at a time, in input order.
struct StoreThread {
    batches: Option<Sender<(Vec<Pending>, Vec<u8>)>>,
    claimed: mpsc::Receiver<Claimed>,
    thread: Option<std::thread::JoinHandle<()>>,
    claiming: bool,
}

/// A batch back from the store: its callbacks, the result lines held with them, and the
/// store's answer for each callback (or why there is none).
struct Claimed {
    pending: Vec<Pending>,
    held: Vec<u8>,
    answers: Result<Vec<Claim>, StoreError>,
}

impl StoreThread {
    fn start(mut store: Box<dyn ReplayStore>, now: DateTime<Utc>) -> io::Result<Self> {
        let (batches, to_claim) = mpsc::channel::<(Vec<Pending>, Vec<u8>)>();
        let (done, claimed) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("replay-store".into())
            .spawn(move || {
                for (pending, held) in to_claim {
                    let claims: Vec<DigestClaim<'_>> = pending
                        .iter()
                        .map(|p| DigestClaim {
                            partner_id: p.verdict.partner_id.as_deref().unwrap_or_default(),
                            timestamp: &p.timestamp,
                            pair: p.pair,
                            body: p.body,
                        })
                        .collect();
                    let answers = store.claim_digests(now, &claims);
                    drop(claims);
                    let failed = answers.is_err();
                    let sent = done.send(Claimed {
                        pending,
                        held,
                        answers,
                    });
                    if sent.is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok(StoreThread {
            batches: Some(batches),
            claimed,
            thread: Some(thread),
            claiming: false,
        })
    }

    /// Whether a batch is being claimed (its lines are not printed yet).
    fn is_claiming(&self) -> bool {
        self.claiming
    }

    /// Hands a batch to the store (after [`StoreThread::wait`] for the one before).
    fn claim(&mut self, pending: Vec<Pending>, held: Vec<u8>) -> anyhow::Result<()> {
        debug_assert!(!self.claiming, "one batch at a time");
        let batches = self.batches.as_ref().expect("open until dropped");
        if batches.send((pending, held)).is_err() {
            bail!("the replay store's thread has stopped, so no callback is reported ok");
        }
        self.claiming = true;
        Ok(())
    }

    /// The batch being claimed, once claimed (`None` when none is).
    fn wait(&mut self) -> Option<Claimed> {
        if !std::mem::take(&mut self.claiming) {
            return None;
        }
        Some(self.claimed.recv().unwrap_or_else(|_| stopped()))
    }

    /// The batch being claimed if it is claimed already, without waiting.
    fn try_wait(&mut self) -> Option<Claimed> {
        if !self.claiming {
            return None;
        }
        let claimed = match self.claimed.try_recv() {
            Ok(claimed) => claimed,
            Err(mpsc::TryRecvError::Empty) => return None,
            Err(mpsc::TryRecvError::Disconnected) => stopped(),
        };
        self.claiming = false;
        Some(claimed)
    }
}

/// What a batch comes back as when the store's thread is gone.
fn stopped() -> Claimed {
    Claimed {
        pending: Vec::new(),
        held: Vec::new(),
        answers: Err(StoreError {
            kind: store::ErrorKind::Unavailable,
            message: "the replay store's thread stopped".into(),
            hint: None,
        }),
    }
}

impl Drop for StoreThread {
    /// Lets the batch being claimed finish: a claim is committed whole or not at all, and an
    /// unprinted claim only makes a later resend read as one.
    fn drop(&mut self) {
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An accepted callback whose claim in the store is to be made, and its result line.
struct Pending {
    /// Where its line is in `Report::held`.
    line: std::ops::Range<usize>,
    source: Arc<str>,
    number: ItemNumber,
    verdict: Verdict,
    timestamp: Box<str>,
    pair: PairId,
    /// SHA-256 of the canonical body.
    body: BodyDigest,
}

/// A store's error at the command edge: its message, and its hint when it has one.
/// The files accepted bodies can be read back from: a [`Location`] names one by its index.
#[derive(Default)]
struct Origins {
    paths: Vec<Arc<Path>>,
    /// The file read back from last, kept open: resends tend to come from the same file.
    open: Option<(u32, File)>,
}

impl Origins {
    /// The index of `path`, the file the current batch came from.
    fn index(&mut self, path: &Arc<Path>) -> u32 {
        if !self
            .paths
            .last()
            .is_some_and(|last| Arc::ptr_eq(last, path))
        {
            self.paths.push(path.clone());
        }
        u32::try_from(self.paths.len() - 1).expect("fewer than 4 billion files")
    }

    /// An earlier item's bytes, read back from its file: `None` when they are no longer there
    /// (the file shrank or went away).
    fn read_back(&mut self, location: Location) -> Option<Vec<u8>> {
        let file = match &mut self.open {
            Some((source, file)) if *source == location.source => file,
            slot => {
                let path = self.paths.get(usize::try_from(location.source).ok()?)?;
                &mut slot.insert((location.source, File::open(path).ok()?)).1
            }
        };
        file.seek(SeekFrom::Start(location.offset)).ok()?;
        let mut bytes = vec![0; usize::try_from(location.len).ok()?];
        file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }
}

/// The text summary line, also the job summary's last line.
fn summary_line(s: &Summary) -> String {
    format!(
        "{} checked: {} valid, {} invalid, {} errors{}",
        s.checked,
        s.valid,
        s.invalid,
        s.errors,
        match s.duplicates {
            0 => String::new(),
            1 => " (1 duplicate)".to_owned(),
            n => format!(" ({n} duplicates)"),
        }
    )
}

/// Where a result came from, as the collector needs it.
struct Source<'a> {
    seq: u64,
    name: &'a Arc<str>,
    /// Index into `Report::origins`, when the source can be read back.
    origin: Option<u32>,
    /// Line-laid-out: its items are numbered as `LoneItem` says.
    lines: bool,
}

/// A source's first item, with its bytes, waiting to learn its number.
struct FirstItem {
    source: Arc<str>,
    origin: Option<u32>,
    data: Vec<u8>,
    result: Checking,
}

fn error_verdict(reason: Reason, detail: Option<String>) -> Verdict {
    Verdict {
        detail,
        ..Verdict::new(reason)
    }
}
