//! `ip-check`'s results as text or NDJSON. Each result is written as soon as its input is
//! checked, so a scan of a large log streams instead of gathering; the summary comes last.

use std::borrow::Cow;
use std::io;

use serde::Serialize;

use super::{Printer, Tone, escape_controls, verdict};
use crate::ip::allowlist::{AddressVerdict, Check, Reason};
use crate::ip::proxy::{Choice, Hop};

/// How many inputs got each verdict: what the summary shows.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) checked: u64,
    pub(crate) allowed: u64,
    pub(crate) denied: u64,
    pub(crate) invalid: u64,
}

#[derive(Serialize)]
struct ResultLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    input: Cow<'a, str>,
    address: Option<String>,
    verdict: AddressVerdict,
    entry: Option<String>,
    label: Option<&'a str>,
    reason: &'static str,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<ClientJson>,
}

/// How the client was found behind a proxy chain.
#[derive(Serialize)]
struct ClientJson {
    hop: &'static str,
    /// X-Forwarded-For position, from 1 at the left; null for the peer.
    index: Option<usize>,
    why: &'static str,
    detail: String,
    trusted_skipped: usize,
}

impl ClientJson {
    fn new(choice: &Choice<'_>) -> Self {
        ClientJson {
            hop: match choice.hop {
                Hop::Peer => "peer",
                Hop::ForwardedFor(_) => "forwarded_for",
            },
            index: match choice.hop {
                Hop::Peer => None,
                Hop::ForwardedFor(n) => Some(n),
            },
            why: choice.why.code(),
            detail: choice.why.to_string(),
            trusted_skipped: choice.skipped,
        }
    }
}

#[derive(Serialize)]
struct SummaryLine {
    #[serde(rename = "type")]
    kind: &'static str,
    checked: u64,
    allowed: u64,
    denied: u64,
    invalid: u64,
}

/// The input as it was read: the line ending removed, bytes that are not UTF-8 replaced.
fn input_text(input: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(input.strip_suffix(b"\r").unwrap_or(input))
}

/// How an input line too long to check is shown: its start, then `...`.
pub(crate) fn overlong(start: &[u8]) -> String {
    format!(
        "{}...",
        String::from_utf8_lossy(&start[..64.min(start.len())])
    )
}

/// One result as a text line, and with `client` (the `--peer` check) a second line saying which
/// hop was taken and why.
pub(crate) fn text(
    out: &mut Printer,
    input: &[u8],
    check: &Check<'_, '_>,
    client: Option<&Choice<'_>>,
) -> io::Result<()> {
    let v = check.verdict();
    let input = input_text(input);
    let tone = match (v, check.reason) {
        (AddressVerdict::Allowed, _) => Tone::Good,
        (_, Reason::Invalid(_)) => Tone::Error,
        _ => Tone::Bad,
    };
    out.line(format_args!(
        "{} {}  {}",
        verdict(v.as_str(), tone, 8),
        escape_controls(&input),
        // The detail names the entry's label, which comes from an allowlist file.
        escape_controls(&check.detail())
    ))?;
    if let Some(choice) = client {
        out.line(format_args!(
            "         client: {} ({}): {}",
            choice.hop,
            escape_controls(choice.text),
            choice.why
        ))?;
    }
    Ok(())
}

/// One result as an NDJSON object; with `client`, how the client was found.
pub(crate) fn json(
    out: &mut Printer,
    input: &[u8],
    check: &Check<'_, '_>,
    client: Option<&Choice<'_>>,
) -> io::Result<()> {
    out.json(&ResultLine {
        kind: "result",
        input: input_text(input),
        address: check.address.map(|a| a.to_string()),
        verdict: check.verdict(),
        entry: check.entry.map(|e| e.net.to_string()),
        label: check.entry.and_then(|e| e.label.as_deref()),
        reason: check.reason.code(),
        detail: check.detail(),
        client: client.map(ClientJson::new),
    })
}

/// The text summary line.
pub(crate) fn text_summary(out: &mut Printer, c: &Counts) -> io::Result<()> {
    out.line(format_args!(
        "{} checked: {} allowed, {} denied, {} invalid",
        c.checked, c.allowed, c.denied, c.invalid
    ))
}

/// `--count` as text: a `VERDICT N` line for each verdict, or only for `only`.
pub(crate) fn text_counts(
    out: &mut Printer,
    c: &Counts,
    only: Option<AddressVerdict>,
) -> io::Result<()> {
    for (v, n) in [
        (AddressVerdict::Allowed, c.allowed),
        (AddressVerdict::Denied, c.denied),
        (AddressVerdict::Invalid, c.invalid),
    ] {
        if only.is_none_or(|only| only == v) {
            out.line(format_args!("{} {n}", v.as_str()))?;
        }
    }
    Ok(())
}

/// The NDJSON summary object.
pub(crate) fn json_summary(out: &mut Printer, c: &Counts) -> io::Result<()> {
    out.json(&SummaryLine {
        kind: "summary",
        checked: c.checked,
        allowed: c.allowed,
        denied: c.denied,
        invalid: c.invalid,
    })
}
