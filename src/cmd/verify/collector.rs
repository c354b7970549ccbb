//! `verify`'s collector: the one thread that sees the workers' results in input order. It
//! numbers items (a source's lone item is item 1), judges replays within the run, frames in order
//! the rest of a source the workers could not frame alone, hands accepted callbacks to the
//! `--seen` store and holds their lines until they are recorded, and prints the results and the
//! summary.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::sync::Arc;
use std::sync::mpsc::Sender;

use anyhow::Context;
use serde::Serialize;

use crate::callbacks::explain::Explanation;
use crate::callbacks::replay::{self, Fingerprints, Location, ReplayLog, SeenBody};
use crate::callbacks::store::{Claim, StoreError};
use crate::callbacks::verdict::{Reason, Verdict, judge_replay};
use crate::ingest::batch::{Checked, Checking, Unfinished, Work, Worker};
use crate::ingest::fast::array;
use crate::ingest::fast::chunks::{self, Piece};
use crate::ingest::payload::{self, ItemNumber, LONE_ITEM, LoneItem, RawItem};
use crate::ingest::pipeline::Results;
use crate::outcome::Outcome;
use crate::output::junit::{self, Counts};
use crate::output::step_summary::{STEP_SUMMARY_ENV, StepSummary};
use crate::output::verify::{self, CallbackResult, NOT_AN_OBJECT, ResultFormat};
use crate::output::{self, Printer};

use super::origins::Origins;
use super::store_thread::{Claimed, Pending, StoreThread};

/// How many accepted callbacks, or bytes of result lines, wait for their claims at most: a commit
/// (a sync to disk) costs about as much as thousands of claims, so claims are grouped.
const PENDING_CLAIMS: usize = 16_384;
const HELD_BYTES: usize = 8 << 20;
/// How long results may pause before what is held is settled.
const GROUP_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

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

/// Judges replays, records accepted callbacks and prints, in input order (the collector thread).
pub(super) struct Collector {
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

impl Collector {
    pub(super) fn new(
        store: Option<StoreThread>,
        format: ResultFormat,
        fingerprints: Fingerprints,
    ) -> Self {
        Collector {
            fingerprints,
            current_seq: None,
            lone: LoneItem::new(false),
            replays: ReplayLog::default(),
            origins: Origins::default(),
            store,
            held: Vec::new(),
            pending: Vec::new(),
            spare: Vec::new(),
            format,
            summary: Summary {
                kind: "summary",
                ..Summary::default()
            },
            outcome: Outcome::Pass,
            assumed_utc: 0,
            line: Vec::with_capacity(256),
            rendered: Vec::new(),
            failures: verify::step_summary(),
        }
    }

    /// Judges, records and prints every result, and gives the run's verdict. A closed output
    /// (`| head -1`) ends the run quietly with the verdict of what was printed so far, so that
    /// `set -o pipefail` never turns a failure into success.
    pub(super) fn collect(
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
                let message = format!("{e:#}");
                self.failures
                    .first_row(&[&"(the run)", &"stopped", &message]);
                let _ = self.stopped(&mut out, &message);
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
            // workers' guesses at it. Checking an item and waiting for the next piece both need
            // the collector and the output, in turn.
            let seq = checked.batch.seq;
            let shared = RefCell::new((&mut *self, &mut *out));
            // Why showing what is held failed while waiting for input: framing stops there.
            let failed = RefCell::new(None);
            let check = |number, raw: RawItem<'_>| -> anyhow::Result<()> {
                if failed.borrow().is_some() {
                    return Ok(());
                }
                let (mut checking, bytes) = match raw {
                    RawItem::Json(bytes, at) => (
                        worker.check_value(
                            number,
                            bytes,
                            0..bytes.len(),
                            at.filter(|_| origin.is_some()),
                            worker.clock.now(),
                        ),
                        bytes,
                    ),
                    RawItem::Error(message) => (Checking::ParseError(number, message), &[][..]),
                };
                let (collector, out) = &mut *shared.borrow_mut();
                collector.emit(out, &from, bytes, &mut checking)
            };
            let framed = match unfinished {
                // This piece from the line that opened a value, then the pieces after it.
                Unfinished::Line {
                    number,
                    from: line_start,
                    at,
                } => {
                    let rest = chunks::Rest::new(data[line_start..].to_vec(), || {
                        // Input that pauses (a pipe) shows what is checked so far meanwhile.
                        if !results.ready_within(GROUP_WAIT) {
                            let (collector, out) = &mut *shared.borrow_mut();
                            let shown = collector.settle(out).and_then(|()| Ok(out.flush()?));
                            if let Err(e) = shown {
                                *failed.borrow_mut() = Some(e);
                                return None;
                            }
                        }
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
            };
            match failed.into_inner() {
                Some(e) => return Err(e),
                None => framed?,
            }
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
        self.no_result(out, "(the input)", "empty", message)?;
        Ok(())
    }

    /// Counts and writes, in every format, an input that gives no result line: a path that
    /// could not be read (`unreadable`), or an input without callbacks (`empty`).
    fn no_result(
        &mut self,
        out: &mut Printer,
        source: &str,
        kind: &str,
        message: &str,
    ) -> io::Result<()> {
        self.summary.errors += 1;
        self.outcome = Outcome::Error;
        self.failures.row(&[&source, &kind, &message]);
        self.line.clear();
        match self.format {
            ResultFormat::Junit => {
                verify::junit_unreadable(source, kind, message, &mut self.line);
            }
            ResultFormat::Json => verify::json_unreadable(source, kind, message, &mut self.line),
            ResultFormat::Text => return Ok(()),
        }
        self.put_line(out)
    }

    /// What a run that cannot go on still prints: the results gathered since the last batch
    /// the store took, but not the accepted callbacks among them (none of those is recorded),
    /// and in JUnit a case that says why the run stopped.
    fn stopped(&mut self, out: &mut Printer, message: &str) -> io::Result<()> {
        write_unclaimed(out, &self.held, &self.pending)?;
        self.held.clear();
        self.pending.clear();
        if self.format == ResultFormat::Junit {
            self.line.clear();
            verify::junit_unreadable("(the run)", "stopped", message, &mut self.line);
            out.writer().write_all(&self.line)?;
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
        if self.lone.awaits_first() && result.number() == Some(LONE_ITEM) {
            self.lone.first_on_line_one();
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
                    (None, None) => SeenBody::digest(replay::item_digest_or_exact(bytes).prefix()),
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
                        body: digest.unwrap_or_else(|| replay::item_digest_or_exact(bytes)),
                    }),
                    _ => None,
                };
                self.warn_of_zone(source, number, verdict);
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
                self.no_result(out, source, "unreadable", message)?;
            }
        }
        Ok(())
    }

    /// Warns of the first timestamp read as UTC, in input order (a result a store holds back is
    /// counted later), and counts them.
    fn warn_of_zone(&mut self, source: &str, item: ItemNumber, v: &Verdict) {
        if v.assumed_utc {
            self.assumed_utc += 1;
            if self.assumed_utc == 1 {
                output::warn(format_args!(
                    "{source}:{item}: timestamp has no UTC offset; read as UTC (Python SDK ≤ 3.0.0 sends local time)"
                ));
            }
        }
    }

    /// Counts a result in the summary and the exit code.
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
    }

    /// Prints a result (after [`Collector::account`]).
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
    /// settles and shows everything when no more results come for a moment (input that arrives
    /// slowly is not held back, neither by the store nor by the output's buffer).
    fn settle_when_due(
        &mut self,
        out: &mut Printer,
        results: &mut Results<Checked>,
    ) -> anyhow::Result<()> {
        let Some(store) = &mut self.store else {
            if !results.ready_within(GROUP_WAIT) {
                out.flush()?;
            }
            return Ok(());
        };
        // A batch claimed by now is printed at once, not only when the next is handed over.
        if let Some(claimed) = store.try_wait() {
            self.print_batch(out, claimed)?;
        }
        let claiming = self.store.as_ref().is_some_and(StoreThread::is_claiming);
        if self.pending.len() >= PENDING_CLAIMS / 2 || self.held.len() >= HELD_BYTES / 2 {
            self.dispatch(out)
        } else if !results.ready_within(GROUP_WAIT) {
            if !self.held.is_empty() || !self.pending.is_empty() || claiming {
                self.settle(out)?;
            }
            Ok(out.flush()?)
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

    /// Prints a claimed batch's held lines (see [`Collector::print_claimed`]).
    fn print_batch(&mut self, out: &mut Printer, claimed: Claimed) -> anyhow::Result<()> {
        let Claimed {
            pending,
            held,
            answers,
            answered,
        } = claimed;
        let answers = match answers {
            Ok(answers) => answers,
            Err(e) => {
                write_unclaimed(out, &held, &pending)?;
                return Err(StoreError::reported(e))
                    .context("cannot record accepted callbacks, so none is reported ok");
            }
        };
        let mut written = 0;
        for (mut p, answer) in pending.into_iter().zip(answers) {
            p.verdict.claimed(answer, answered);
            self.account(&p.source, p.number, &p.verdict);
            // The held line says `ok`: anything else is said again.
            if answer != Claim::New || p.verdict.reason != Reason::Ok {
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

/// Writes `held` without the lines of `pending`: when the store fails, the results that were not
/// waiting on a claim are still reported, and the accepted callbacks are not (none is recorded).
fn write_unclaimed(out: &mut Printer, held: &[u8], pending: &[Pending]) -> io::Result<()> {
    let mut written = 0;
    for p in pending {
        out.writer().write_all(&held[written..p.line.start])?;
        written = p.line.end;
    }
    out.writer().write_all(&held[written..])
}

/// The text summary line, also the job summary's last line.
fn summary_line(s: &Summary) -> String {
    format!(
        "{} checked: {} valid, {} invalid, {} error{}{}",
        s.checked,
        s.valid,
        s.invalid,
        s.errors,
        if s.errors == 1 { "" } else { "s" },
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
    /// Index into `Collector::origins`, when the source can be read back.
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
