//! The callback-endpoint probe: which forged, stale and replayed callbacks to
//! send, what a sound endpoint does with each, and the verdict on what it did. Pure: building
//! bodies and judging answers only; the HTTP round trips belong to the command.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::endpoint::sample_callback::{self, JobResult};
use crate::outcome::Outcome;
use crate::signing::secret::ApiKey;
use crate::signing::signature::Signer;
use crate::time::format_signing_timestamp;

/// One request of the probe, in the order they are sent. The valid callback goes first, because
/// the replay case reuses its timestamp and signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    Valid,
    BadSignature,
    WrongKey,
    MissingSignature,
    WrongPartner,
    Stale,
    Future,
    ReplayedPairNewBody,
}

impl Case {
    pub const ALL: [Case; 8] = [
        Case::Valid,
        Case::BadSignature,
        Case::WrongKey,
        Case::MissingSignature,
        Case::WrongPartner,
        Case::Stale,
        Case::Future,
        Case::ReplayedPairNewBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Case::Valid => "valid",
            Case::BadSignature => "bad_signature",
            Case::WrongKey => "wrong_key",
            Case::MissingSignature => "missing_signature",
            Case::WrongPartner => "wrong_partner",
            Case::Stale => "stale",
            Case::Future => "future",
            Case::ReplayedPairNewBody => "replayed_pair_new_body",
        }
    }

    /// What the request is, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Case::Valid => "a fresh callback signed with your key",
            Case::BadSignature => "a well-formed signature that does not match",
            Case::WrongKey => "signed with another API key",
            Case::MissingSignature => "no signature field",
            Case::WrongPartner => "signed for another partner ID",
            Case::Stale => "correctly signed, dated in the past",
            Case::Future => "correctly signed, dated in the future",
            Case::ReplayedPairNewBody => {
                "the valid callback's timestamp and signature on a new body"
            }
        }
    }

    pub fn expect(self) -> Expect {
        match self {
            Case::Valid => Expect::Accept,
            _ => Expect::Refuse,
        }
    }

    pub fn requirement(self) -> Requirement {
        match self {
            Case::Stale | Case::Future | Case::ReplayedPairNewBody => Requirement::Should,
            _ => Requirement::Must,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Accept,
    Refuse,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Accept => "accept",
            Expect::Refuse => "refuse",
        }
    }
}

/// `must` cases decide the exit code; `should` cases only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    Must,
    Should,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Must => "must",
            Requirement::Should => "should",
        }
    }
}

/// How far the `stale` and `future` callbacks are dated from now.
#[derive(Debug, Clone, Copy)]
pub struct Skew {
    pub stale_by: Duration,
    pub future_by: Duration,
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Request {
    pub case: Case,
    pub timestamp: String,
    /// The JSON body, serialised.
    pub body: Vec<u8>,
    /// The signature the body carries, if any.
    pub signature: Option<String>,
}

/// Every request of a probe, and what their answers must not contain.
#[derive(Debug)]
pub struct Plan {
    pub requests: Vec<Request>,
    pub watch: LeakWatch,
}

/// Builds the probe's requests. `now` dates the valid callback; the others are dated a millisecond
/// apart from it so that every case signs its own timestamp.
pub fn plan(key: &ApiKey, partner_id: &str, now: DateTime<Utc>, skew: Skew) -> Plan {
    let signer = Signer::new(key);
    let wrong_signer = Signer::new(&other_key(key));
    let other_partner = format!("{partner_id}1");
    let mut watch = LeakWatch::new(key);

    let valid_ts = format_signing_timestamp(now);
    let valid_sig = signer.sign(&valid_ts, partner_id);
    let mut requests = Vec::with_capacity(Case::ALL.len());
    for (n, case) in Case::ALL.into_iter().enumerate() {
        let offset = Duration::milliseconds(i64::try_from(n).unwrap_or(0));
        let when = match case {
            Case::Valid | Case::ReplayedPairNewBody => now,
            Case::Stale => now.checked_sub_signed(skew.stale_by).unwrap_or(now),
            Case::Future => now.checked_add_signed(skew.future_by).unwrap_or(now),
            _ => now.checked_sub_signed(offset).unwrap_or(now),
        };
        let timestamp = format_signing_timestamp(when);
        let expected = signer.sign(&timestamp, partner_id);
        watch.expect_signature(&expected);
        let signature = match case {
            Case::Valid | Case::Stale | Case::Future => Some(expected),
            Case::ReplayedPairNewBody => Some(valid_sig.clone()),
            Case::BadSignature => Some(corrupt(&signer, &timestamp, partner_id)),
            Case::WrongKey => Some(wrong_signer.sign(&timestamp, partner_id)),
            Case::WrongPartner => Some(signer.sign(&timestamp, &other_partner)),
            Case::MissingSignature => None,
        };
        let job = JobResult {
            job_id: Some(format!("smile-sec-probe-{}", case.as_str())),
            user_id: Some(match case {
                // The forged body of a replay: another user's job, as an attacker would send it.
                Case::ReplayedPairNewBody => "smile-sec-probe-someone-else".to_owned(),
                _ => "smile-sec-probe-user".to_owned(),
            }),
            ..JobResult::default()
        };
        let body = sample_callback::body_with(&job, &timestamp, signature.as_deref());
        requests.push(Request {
            case,
            timestamp,
            // A map of strings and numbers always serialises.
            body: serde_json::to_vec(&body).unwrap_or_default(),
            signature,
        });
    }
    Plan { requests, watch }
}

/// A well-formed signature that is not the right one: the right one with its first byte inverted.
fn corrupt(signer: &Signer, timestamp: &str, partner_id: &str) -> String {
    let mut raw = signer.sign_raw(timestamp, partner_id);
    raw[0] = !raw[0];
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// A key that is certainly not `key`.
fn other_key(key: &ApiKey) -> ApiKey {
    let mut bytes = b"smile-sec-probe-wrong-key-".to_vec();
    bytes.extend_from_slice(&key.fingerprint().into_bytes());
    // Not empty, so this cannot fail; fall back to a fixed key all the same.
    ApiKey::new(bytes).unwrap_or_else(|_| key.clone())
}

/// What a response gave away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leak {
    ApiKey,
    ExpectedSignature,
}

impl Leak {
    pub fn as_str(self) -> &'static str {
        match self {
            Leak::ApiKey => "api_key",
            Leak::ExpectedSignature => "expected_signature",
        }
    }
}

/// Where in an answer a secret was echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A header field (a debug header, a Content-Type parameter).
    Header,
    Body,
    HeaderAndBody,
}

/// A secret an answer echoed, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    pub leak: Leak,
    pub place: Place,
}

/// Keys shorter than this are not searched for as plain text: they would match by chance.
/// (Smile ID's keys are 36-character UUIDs.)
pub const MIN_KEY_SEARCH_LEN: usize = 8;

/// A run of a key's spelling this long is an echo of it, whatever the key's length: 16
/// characters of a UUID hold 64 bits of it, which no answer holds by chance.
const LEAKING_RUN: usize = 16;

/// The secrets a response must never echo, in the spellings a server might print them.
pub struct LeakWatch {
    key_forms: Vec<KeyForm>,
    /// (signature, its spellings)
    signatures: Vec<(String, Vec<Vec<u8>>)>,
}

impl std::fmt::Debug for LeakWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LeakWatch(redacted)")
    }
}

impl LeakWatch {
    pub fn new(key: &ApiKey) -> Self {
        let raw = key.expose();
        let mut key_forms = Vec::new();
        if raw.len() >= MIN_KEY_SEARCH_LEN {
            key_forms.push(raw.to_vec());
            key_forms.push(json_escaped_slashes(raw));
            if let Ok(text) = std::str::from_utf8(raw) {
                key_forms.extend(json_string_forms(text));
            }
            // A server that logs or echoes the key "safely" still gives it away: in hex, either
            // case; URL-encoded; every character \u-escaped; lowercased; or in part (below).
            let hex_lower = hex::encode(raw);
            key_forms.push(hex_lower.to_uppercase().into_bytes());
            key_forms.push(hex_lower.into_bytes());
            key_forms.push(percent_encoded(raw, false));
            key_forms.push(percent_encoded(raw, true));
            if raw.is_ascii() {
                key_forms.push(unicode_escaped(raw, false));
                key_forms.push(unicode_escaped(raw, true));
            }
            key_forms.push(raw.to_ascii_lowercase());
            key_forms.push(raw.to_ascii_uppercase());
        }
        // base64 is a third longer, so it is searched for from 6-byte keys on; with its padding
        // from 4-byte keys on (`c2hvcnQ=` for `short`). A longer key's padded spelling is
        // found as its unpadded one is, in part. A key of 1 to 3 bytes has 4 characters of
        // base64, which any text may hold by chance: it is not searched for.
        key_forms.push(STANDARD_NO_PAD.encode(raw).into_bytes());
        key_forms.push(URL_SAFE_NO_PAD.encode(raw).into_bytes());
        if raw.len() < MIN_KEY_SEARCH_LEN {
            key_forms.push(STANDARD.encode(raw).into_bytes());
            key_forms.push(URL_SAFE.encode(raw).into_bytes());
        }
        key_forms.retain(|f| f.len() >= MIN_KEY_SEARCH_LEN);
        // Most keys have nothing to escape, so several spellings are the same bytes.
        key_forms.sort_unstable();
        key_forms.dedup();
        LeakWatch {
            key_forms: key_forms
                .into_iter()
                .map(|form| KeyForm::new(form, raw.len()))
                .collect(),
            signatures: Vec::new(),
        }
    }

    /// Adds a signature that a correct verifier would compute (and must keep to itself).
    pub fn expect_signature(&mut self, signature: &str) {
        let unpadded = signature.trim_end_matches('=');
        let mut forms = vec![
            unpadded.as_bytes().to_vec(),
            json_escaped_slashes(unpadded.as_bytes()),
            unpadded.replace('+', "-").replace('/', "_").into_bytes(),
        ];
        if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(signature) {
            let hex = hex::encode(raw);
            forms.push(hex.to_uppercase().into_bytes());
            forms.push(hex.into_bytes());
        }
        forms.dedup();
        self.signatures.push((signature.to_owned(), forms));
    }

    /// [`LeakWatch::find`] over an answer's header fields and its body: the worst of the two
    /// (the API key before an expected signature), and where it was.
    pub fn find_in_answer(&self, head: &[u8], body: &[u8], sent: Option<&str>) -> Option<Echo> {
        let (in_head, in_body) = (self.find(head, sent), self.find(body, sent));
        let leak = if [in_head, in_body].contains(&Some(Leak::ApiKey)) {
            Leak::ApiKey
        } else {
            in_head.or(in_body)?
        };
        let place = match (in_head == Some(leak), in_body == Some(leak)) {
            (true, true) => Place::HeaderAndBody,
            (true, false) => Place::Header,
            _ => Place::Body,
        };
        Some(Echo { leak, place })
    }

    /// The worst thing `response` gives away. A request's own signature coming back is no leak
    /// (the sender already had it), so `sent` is skipped.
    ///
    /// The response is searched as it is and with its escapes undone, since encoders escape a
    /// few characters each in their own way (.NET writes `+` as `\u002B`, a template `&#43;`),
    /// which leaves no long run of any one spelling of the key.
    pub fn find(&self, response: &[u8], sent: Option<&str>) -> Option<Leak> {
        let decoded = unescaped(response);
        let views = [response, &decoded[..]];
        if views
            .iter()
            .any(|view| self.key_forms.iter().any(|f| f.found_in(view)))
        {
            return Some(Leak::ApiKey);
        }
        let contains = |needle: &[u8]| {
            views
                .iter()
                .any(|view| memchr::memmem::find(view, needle).is_some())
        };
        self.signatures
            .iter()
            .filter(|(sig, _)| Some(sig.as_str()) != sent)
            .any(|(_, forms)| forms.iter().any(|f| contains(f)))
            .then_some(Leak::ExpectedSignature)
    }
}

/// A spelling of the key, found whole or in part. A run that spells half of the key, or
/// [`LEAKING_RUN`] characters of a longer one, gives it away: an echo cut short (before or after
/// it was encoded), a key whose last character a quoting bug dropped, one masked at its start or
/// cut to its first half. Masking that shows a few characters (the last four) stays under it,
/// and so does a UUID's first eight, as some dashboards show a key.
struct KeyForm {
    text: Vec<u8>,
    /// The fewest bytes in a row that count as a leak.
    run: usize,
}

impl KeyForm {
    /// `text` spells a key of `key_len` bytes (in hex, twice as many characters; `\u`-escaped,
    /// six times): a run counts as many characters of the spelling as it takes to spell the
    /// key's leaking part.
    fn new(text: Vec<u8>, key_len: usize) -> Self {
        let leaking = (key_len / 2).min(LEAKING_RUN);
        // An eighth of a very long spelling (a key of kilobytes) at the least: the search below
        // looks for a piece of every half run, and there stay few of them.
        let run = (text.len() * leaking)
            .div_ceil(key_len.max(1))
            .max(text.len() / 8)
            .max(MIN_KEY_SEARCH_LEN)
            .min(text.len());
        KeyForm { text, run }
    }

    /// Whether `haystack` holds `run` bytes of this spelling in a row. Such a run covers one
    /// whole piece of the spelling cut every `(run + 1) / 2` bytes, so only those few pieces are
    /// searched for; each place one is found is then measured in both directions. (Searching
    /// for every run itself would take memory in the square of the key's length.)
    fn found_in(&self, haystack: &[u8]) -> bool {
        let piece = self.run.div_ceil(2);
        let text = &self.text[..];
        (0..)
            .map(|n| n * piece)
            .take_while(|start| start + piece <= text.len())
            .any(|start| {
                let end = start + piece;
                // Every place, overlapping ones too: the one that lines up with a leak may
                // overlap an earlier one that does not.
                let finder = memchr::memmem::Finder::new(&text[start..end]);
                let mut from = 0;
                std::iter::from_fn(|| {
                    let at = from + finder.find(haystack.get(from..)?)?;
                    from = at + 1;
                    Some(at)
                })
                .any(|at| {
                    let before = haystack[..at]
                        .iter()
                        .rev()
                        .zip(text[..start].iter().rev())
                        .take_while(|(a, b)| a == b)
                        .count();
                    let after = haystack[at + piece..]
                        .iter()
                        .zip(&text[end..])
                        .take_while(|(a, b)| a == b)
                        .count();
                    before + piece + after >= self.run
                })
            })
    }
}

/// `text` with the escapes of JSON strings (`\uXXXX`, `\/`, `\"`, ...), URLs (`%XX`) and HTML
/// (`&#NN;`, `&#xNN;`) undone wherever they stand, whatever mix of them a server used; anything
/// that is not a whole escape is kept as it is.
fn unescaped(text: &[u8]) -> Vec<u8> {
    let hex = |digits: &[u8]| {
        std::str::from_utf8(digits)
            .ok()
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|d| u32::from_str_radix(d, 16).ok())
    };
    let push_char = |out: &mut Vec<u8>, code: u32| match char::from_u32(code) {
        Some(c) => {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            true
        }
        None => false,
    };
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let taken = match rest {
            [b'\\', b'u', ..] if rest.len() >= 6 => hex(&rest[2..6]).and_then(|unit| {
                // A surrogate pair is one character in two escapes.
                if (0xD800..0xDC00).contains(&unit)
                    && rest.len() >= 12
                    && rest[6..8] == *b"\\u"
                    && let Some(low) = hex(&rest[8..12]).filter(|l| (0xDC00..0xE000).contains(l))
                {
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return push_char(&mut out, code).then_some(12);
                }
                push_char(&mut out, unit).then_some(6)
            }),
            [b'\\', c @ (b'/' | b'"' | b'\\'), ..] => {
                out.push(*c);
                Some(2)
            }
            [b'%', a, b, ..] => hex(&[*a, *b]).map(|byte| {
                out.push(byte as u8);
                3
            }),
            [b'&', b'#', ..] => {
                let end = rest.iter().take(12).position(|&b| b == b';');
                end.and_then(|end| {
                    let code = match &rest[2..end] {
                        [b'x' | b'X', digits @ ..] => hex(digits),
                        digits => std::str::from_utf8(digits)
                            .ok()
                            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                            .and_then(|d| d.parse().ok()),
                    }?;
                    push_char(&mut out, code).then_some(end + 1)
                })
            }
            _ => None,
        };
        match taken {
            Some(n) => i += n,
            None => {
                out.push(text[i]);
                i += 1;
            }
        }
    }
    out
}

/// A key as a JSON encoder would write it inside a string: `"` and `\` and control characters
/// escaped (a key holding them would otherwise be missed), also with `/` as `\/` (PHP), and with
/// every non-ASCII character as `\uXXXX` (Python's default).
fn json_string_forms(text: &str) -> [Vec<u8>; 3] {
    let quoted = serde_json::to_string(text).expect("a string always serialises");
    let escaped = &quoted[1..quoted.len() - 1];
    let mut ascii = String::with_capacity(escaped.len());
    for c in escaped.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    [
        escaped.as_bytes().to_vec(),
        json_escaped_slashes(escaped.as_bytes()),
        ascii.into_bytes(),
    ]
}

/// `bytes` URL-encoded: every byte but the unreserved ones (RFC 3986) as `%XX`.
fn percent_encoded(bytes: &[u8], upper: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b);
        } else if upper {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.extend_from_slice(format!("%{b:02x}").as_bytes());
        }
    }
    out
}

/// Every (ASCII) character of `bytes` as a JSON `\u00XX` escape.
fn unicode_escaped(bytes: &[u8], upper: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 6);
    for &b in bytes {
        if upper {
            out.extend_from_slice(format!("\\u{b:04X}").as_bytes());
        } else {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        }
    }
    out
}

/// `/` written as `\/`, as some JSON encoders (PHP's) do.
fn json_escaped_slashes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b == b'/' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// The verdict on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseVerdict {
    Pass,
    /// A `should` case the endpoint got wrong, with `--lenient`.
    Warn,
    Fail,
    /// No answer (connection failed, timed out), or one whose body was cut short: the
    /// endpoint's behaviour is unknown.
    Error,
}

impl CaseVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseVerdict::Pass => "pass",
            CaseVerdict::Warn => "warn",
            CaseVerdict::Fail => "fail",
            CaseVerdict::Error => "error",
        }
    }

    pub fn outcome(self) -> Outcome {
        match self {
            CaseVerdict::Pass | CaseVerdict::Warn => Outcome::Pass,
            CaseVerdict::Fail => Outcome::Fail,
            CaseVerdict::Error => Outcome::Error,
        }
    }
}

/// A judged case: the verdict and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: CaseVerdict,
    pub note: &'static str,
}

/// Whether an HTTP status means the endpoint accepted the callback.
pub fn accepted(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Judges one answer. `status` is `None` when no answer came. A leak fails the case whatever
/// the status: the leaked value lets anyone forge callbacks.
pub fn judge(case: Case, status: Option<u16>, echo: Option<Echo>, strict: bool) -> Judgement {
    let Some(status) = status else {
        return Judgement {
            verdict: CaseVerdict::Error,
            note: "no answer",
        };
    };
    let fail = |note| Judgement {
        verdict: CaseVerdict::Fail,
        note,
    };
    if let Some(echo) = echo {
        return fail(echo_note(echo));
    }
    match (case.expect(), accepted(status)) {
        (Expect::Accept, true) => Judgement {
            verdict: CaseVerdict::Pass,
            note: "accepted",
        },
        (Expect::Accept, false) => fail("refused a valid callback"),
        // A crash refuses too, but it is worth a look: the handler may fail open elsewhere.
        (Expect::Refuse, false) if status >= 500 => Judgement {
            verdict: CaseVerdict::Pass,
            note: "refused (with a server error)",
        },
        (Expect::Refuse, false) => Judgement {
            verdict: CaseVerdict::Pass,
            note: "refused",
        },
        (Expect::Refuse, true) => match (case.requirement(), strict) {
            (Requirement::Must, _) => fail("accepted a forged callback"),
            (Requirement::Should, true) => fail(should_note(case)),
            (Requirement::Should, false) => Judgement {
                verdict: CaseVerdict::Warn,
                note: should_note(case),
            },
        },
    }
}

/// Judges an answer whose body was cut short (by the timeout, or by the server): it is not the
/// endpoint's whole answer, so its status decides nothing and the case is an error, as one that
/// got no answer. What did come is still searched: an echo there fails the case all the same.
pub fn judge_cut(case: Case, status: u16, echo: Option<Echo>, strict: bool) -> Judgement {
    match echo {
        Some(_) => judge(case, Some(status), echo, strict),
        None => Judgement {
            verdict: CaseVerdict::Error,
            note: "answer cut short",
        },
    }
}

/// What a failed case's note says of an echo: what, and where.
fn echo_note(echo: Echo) -> &'static str {
    match (echo.leak, echo.place) {
        (Leak::ApiKey, Place::Body) => "response body echoes the API key",
        (Leak::ApiKey, Place::Header) => "a response header echoes the API key",
        (Leak::ApiKey, Place::HeaderAndBody) => "response header and body echo the API key",
        (Leak::ExpectedSignature, Place::Body) => "response body echoes an expected signature",
        (Leak::ExpectedSignature, Place::Header) => {
            "a response header echoes an expected signature"
        }
        (Leak::ExpectedSignature, Place::HeaderAndBody) => {
            "response header and body echo an expected signature"
        }
    }
}

fn should_note(case: Case) -> &'static str {
    match case {
        Case::Stale => "accepted a stale callback",
        Case::Future => "accepted a callback dated in the future",
        _ => "accepted a replayed signature on a new body",
    }
}

/// Counts of verdicts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub cases: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub errors: usize,
}

impl Tally {
    pub fn add(&mut self, verdict: CaseVerdict) {
        self.cases += 1;
        match verdict {
            CaseVerdict::Pass => self.pass += 1,
            CaseVerdict::Warn => self.warn += 1,
            CaseVerdict::Fail => self.fail += 1,
            CaseVerdict::Error => self.errors += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::signature::{DecodedSignature, sign};

    fn key() -> ApiKey {
        ApiKey::new("0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8").unwrap()
    }

    fn now() -> DateTime<Utc> {
        crate::time::parse_rfc3339("2026-11-20T10:00:00.500Z").unwrap()
    }

    const SKEW: Skew = Skew {
        stale_by: Duration::hours(1),
        future_by: Duration::hours(1),
    };

    fn body(request: &Request) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_slice(&request.body).unwrap()
    }

    #[test]
    fn cases_in_contract_order() {
        let names: Vec<&str> = Case::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "valid",
                "bad_signature",
                "wrong_key",
                "missing_signature",
                "wrong_partner",
                "stale",
                "future",
                "replayed_pair_new_body"
            ]
        );
        for case in Case::ALL {
            assert_eq!(
                serde_json::to_value(case).unwrap(),
                serde_json::json!(case.as_str())
            );
        }
        let should: Vec<Case> = Case::ALL
            .into_iter()
            .filter(|c| c.requirement() == Requirement::Should)
            .collect();
        assert_eq!(
            should,
            [Case::Stale, Case::Future, Case::ReplayedPairNewBody]
        );
    }

    #[test]
    fn plan_builds_what_each_case_says() {
        let key = key();
        let plan = plan(&key, "085", now(), SKEW);
        assert_eq!(plan.requests.len(), 8);
        let by_case = |c: Case| plan.requests.iter().find(|r| r.case == c).unwrap();
        let correct = |r: &Request| sign(&key, &r.timestamp, "085");

        let valid = by_case(Case::Valid);
        assert_eq!(valid.timestamp, "2026-11-20T10:00:00.500Z");
        assert_eq!(valid.signature.as_deref(), Some(correct(valid).as_str()));
        assert_eq!(body(valid)["signature"], correct(valid).as_str());
        assert_eq!(body(valid)["timestamp"], valid.timestamp.as_str());

        for case in [Case::BadSignature, Case::WrongKey, Case::WrongPartner] {
            let r = by_case(case);
            let sig = r.signature.as_deref().unwrap();
            assert!(DecodedSignature::parse(sig).is_ok(), "{case:?} well-formed");
            assert_ne!(sig, correct(r), "{case:?} must not verify");
        }
        assert_eq!(
            by_case(Case::WrongPartner).signature.as_deref(),
            Some(sign(&key, &by_case(Case::WrongPartner).timestamp, "0851").as_str())
        );
        assert!(by_case(Case::MissingSignature).signature.is_none());
        assert!(!body(by_case(Case::MissingSignature)).contains_key("signature"));

        let stale = by_case(Case::Stale);
        assert_eq!(stale.timestamp, "2026-11-20T09:00:00.500Z");
        assert_eq!(stale.signature.as_deref(), Some(correct(stale).as_str()));
        let future = by_case(Case::Future);
        assert_eq!(future.timestamp, "2026-11-20T11:00:00.500Z");
        assert_eq!(future.signature.as_deref(), Some(correct(future).as_str()));

        let replay = by_case(Case::ReplayedPairNewBody);
        assert_eq!(replay.timestamp, valid.timestamp);
        assert_eq!(replay.signature, valid.signature);
        assert_ne!(replay.body, valid.body);

        // Every timestamp except the replay's is distinct, so each case signs its own.
        let mut stamps: Vec<&str> = plan.requests.iter().map(|r| r.timestamp.as_str()).collect();
        stamps.sort_unstable();
        stamps.dedup();
        assert_eq!(stamps.len(), 7);
    }

    #[test]
    fn a_key_echoed_inside_a_json_string_is_found() {
        let key = ApiKey::new(r#"ZZ/sl"ash\key-é-1234"#).unwrap();
        let w = LeakWatch::new(&key);
        // As Python's json.dumps (ASCII by default), serde_json and PHP's json_encode write it.
        for echoed in [
            r#"{"k": "ZZ/sl\"ash\\key-\u00e9-1234"}"#,
            r#"{"k":"ZZ/sl\"ash\\key-é-1234"}"#,
            r#"{"k":"ZZ\/sl\"ash\\key-é-1234"}"#,
        ] {
            assert_eq!(
                w.find(echoed.as_bytes(), None),
                Some(Leak::ApiKey),
                "{echoed}"
            );
        }
        assert_eq!(w.find(br#"{"k":"ZZ/sl"}"#, None), None);
    }

    /// Encoders that escape a few characters each (.NET's `\u002B` for `+`, a template's
    /// `&#43;`, a URL's `%2B`, or a mix of them) leave no long run of any single spelling; the
    /// key is found with the escapes undone. Text that only looks like an escape is kept.
    #[test]
    fn keys_escaped_a_few_characters_at_a_time_are_found() {
        let key = ApiKey::new("Ab3dE+fGh1jK+LmN0pQr+StUvWx+Yz12345+6789abcd=").unwrap();
        let mut w = LeakWatch::new(&key);
        for echoed in [
            r#"{"apiKey":"Ab3dE\u002BfGh1jK\u002BLmN0pQr\u002BStUvWx\u002BYz12345\u002B6789abcd\u003D"}"#,
            r"Ab3dE&#43;fGh1jK&#x2b;LmN0pQr%2BStUvWx\u002bYz12345+6789abcd=",
        ] {
            assert_eq!(
                w.find(echoed.as_bytes(), None),
                Some(Leak::ApiKey),
                "{echoed}"
            );
        }
        // A signature with `+` and `/`, escaped as .NET does.
        let expected = "hf+Zq3Y/3xM0QvT3ZK5l3+0x6m/8bE9y1YkQ2tPq0Ws=";
        w.expect_signature(expected);
        let dotnet = expected.replace('+', "\\u002B").replace('/', "\\u002F");
        assert_eq!(
            w.find(dotnet.as_bytes(), None),
            Some(Leak::ExpectedSignature)
        );
        for innocent in [r"\u00zz %G1 &#xZZ; &#; \ud800 % & \", r"Ab3dE\u002BfGh1jK"] {
            assert_eq!(w.find(innocent.as_bytes(), None), None, "{innocent}");
        }
        assert_eq!(
            unescaped(br"a\u00e9\ud83d\ude00\/%41&#66;&#x43;\u00zz%4"),
            "aé😀/ABC\\u00zz%4".as_bytes()
        );
    }

    #[test]
    fn leaks_are_found_in_every_spelling_but_own_signature_is_not_a_leak() {
        let key = key();
        let plan = plan(&key, "085", now(), SKEW);
        let w = &plan.watch;
        let bad = plan
            .requests
            .iter()
            .find(|r| r.case == Case::BadSignature)
            .unwrap();
        let expected = sign(&key, &bad.timestamp, "085");
        let sent = bad.signature.as_deref();

        let said = |text: String| w.find(text.as_bytes(), sent);
        assert_eq!(
            said(format!("{{\"expected\":\"{expected}\"}}")),
            Some(Leak::ExpectedSignature)
        );
        assert_eq!(
            said(format!("want {}", expected.trim_end_matches('='))),
            Some(Leak::ExpectedSignature)
        );
        assert_eq!(
            said(format!("want {}", expected.replace('/', "\\/"))),
            Some(Leak::ExpectedSignature)
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&expected)
            .unwrap();
        assert_eq!(
            said(format!("hmac={}", hex::encode(raw))),
            Some(Leak::ExpectedSignature)
        );
        assert_eq!(
            said("key=0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8".into()),
            Some(Leak::ApiKey)
        );
        assert_eq!(
            said(format!("k={}", STANDARD_NO_PAD.encode(key.expose()))),
            Some(Leak::ApiKey)
        );
        // In part: cut at either end, masked at the start; but not the last four characters.
        for part in [
            "0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f",
            "c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8",
            "****-4d5e-6f70-8192-a3b4c5d6e7f8",
            "0c1b2a39-4d5e-6f70-8192-****",
        ] {
            assert_eq!(said(format!("key={part}")), Some(Leak::ApiKey), "{part}");
        }
        assert_eq!(said("key=****************************e7f8".into()), None);
        assert_eq!(said("invalid signature".into()), None);
        // Echoing the signature the request carried gives nothing away.
        assert_eq!(said(format!("got {}", sent.unwrap())), None);
        let valid = &plan.requests[0];
        assert_eq!(
            w.find(valid.body.as_slice(), valid.signature.as_deref()),
            None,
            "echoing the valid request back is fine"
        );
    }

    #[test]
    fn a_key_echoed_in_another_encoding_is_found() {
        let text = "0c1b2a39-4d5e-6F70-8192-a3b4c5d6e7f8+/=";
        let w = LeakWatch::new(&ApiKey::new(text).unwrap());
        let hex_lower = hex::encode(text);
        let escaped: String = text.bytes().map(|b| format!("\\u{b:04x}")).collect();
        let escaped_upper: String = text.bytes().map(|b| format!("\\u{b:04X}")).collect();
        for echoed in [
            hex_lower.clone(),
            hex_lower.to_uppercase(),
            "0c1b2a39-4d5e-6F70-8192-a3b4c5d6e7f8%2B%2F%3D".to_owned(),
            "0c1b2a39-4d5e-6F70-8192-a3b4c5d6e7f8%2b%2f%3d".to_owned(),
            escaped,
            escaped_upper,
            text.to_lowercase(),
            text[..text.len() - 1].to_owned(),
        ] {
            assert_eq!(
                w.find(format!("got: {echoed}.").as_bytes(), None),
                Some(Leak::ApiKey),
                "{echoed}"
            );
        }
        // Sixteen characters of it in a row give it away, from its start, end or middle (half
        // of this key is more); fifteen, or the first eight as dashboards show a key, do not.
        for run in [
            &text[..16],
            &text[text.len() - 16..],
            &text[10..26],
            &text[..text.len() / 2],
        ] {
            assert_eq!(w.find(run.as_bytes(), None), Some(Leak::ApiKey), "{run}");
        }
        for run in [&text[..15], &text[text.len() - 15..], &text[..8]] {
            assert_eq!(w.find(run.as_bytes(), None), None, "{run}");
        }
        assert!(!format!("{w:?}").contains("0c1b"));

        // Cut short after it was encoded, or encoded after it was cut: seven tenths of it.
        let cut = &text[..text.len() * 7 / 10];
        let php_escaped = String::from_utf8(json_escaped_slashes(text.as_bytes())).unwrap();
        for echoed in [
            String::from_utf8(percent_encoded(text.as_bytes(), true)).unwrap()[..30].to_owned(),
            String::from_utf8(percent_encoded(cut.as_bytes(), false)).unwrap(),
            hex::encode(cut),
            hex::encode(text)[..2 * cut.len()].to_uppercase(),
            php_escaped[..php_escaped.len() * 7 / 10].to_owned(),
            STANDARD_NO_PAD.encode(cut),
        ] {
            assert_eq!(
                w.find(format!("{{\"debug\":\"{echoed}\"}}").as_bytes(), None),
                Some(Leak::ApiKey),
                "{echoed}"
            );
        }
        // An encoded spelling counts by the key's characters it spells: 32 hex digits are 16
        // of them, 31 are not enough.
        assert_eq!(w.find(&hex_lower.as_bytes()[..31], None), None);
        assert_eq!(
            w.find(&hex_lower.as_bytes()[..32], None),
            Some(Leak::ApiKey)
        );
    }

    proptest::proptest! {
        /// Undoing escapes takes any bytes without a panic and never adds to them; bytes with
        /// no escape character in them come back as they are.
        #[test]
        fn unescaping_takes_any_bytes(text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let out = unescaped(&text);
            proptest::prop_assert!(out.len() <= text.len());
            if !text.iter().any(|b| b"\\%&".contains(b)) {
                proptest::prop_assert_eq!(out, text);
            }
        }

        /// On keys and responses of two letters, where pieces of the key turn up everywhere and
        /// overlap: a spelling is found exactly when the response holds a run of it as long as
        /// `run`, as a search of every run would find it.
        #[test]
        fn a_spelling_is_found_exactly_when_a_long_enough_run_of_it_is_there(
            key in "[ab]{8,24}",
            response in "[ab]{0,48}",
        ) {
            let form = KeyForm::new(key.clone().into_bytes(), key.len());
            let every_run = (0..=key.len() - form.run)
                .any(|start| response.contains(&key[start..start + form.run]));
            proptest::prop_assert_eq!(form.found_in(response.as_bytes()), every_run);
        }
    }

    #[test]
    fn a_run_overlapping_an_earlier_match_of_its_piece_is_found() {
        let form = KeyForm::new(b"babbbbbbaa".to_vec(), 10);
        assert!(form.found_in(b"aabbbbbbaab"));
    }

    /// The longest key a file may hold is searched for in a response as large as one is read,
    /// in every spelling, without memory in the square of its length.
    #[test]
    fn a_long_key_is_searched_for_in_memory_of_its_size() {
        let text: String = (0..64 * 1024)
            .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
            .collect();
        let w = LeakWatch::new(&ApiKey::new(text.as_str()).unwrap());
        let response = vec![b'x'; 1 << 20];
        assert_eq!(w.find(&response, None), None);
        let mut response = response;
        response[1000..1000 + 40_000].copy_from_slice(&text.as_bytes()[100..40_100]);
        assert_eq!(w.find(&response, None), Some(Leak::ApiKey));
    }

    /// The note of a failed case says where the echo was: a header is not the body.
    #[test]
    fn an_echo_is_placed_in_the_header_or_the_body() {
        let key = key();
        let mut w = LeakWatch::new(&key);
        w.expect_signature("hf+Zq3Y/3xM0QvT3ZK5l3+0x6m/8bE9y1YkQ2tPq0Ws=");
        let raw = key.expose();
        let header = [b"content-type: text/plain; debug=", raw, b"\n"].concat();
        let place = |head: &[u8], body: &[u8]| w.find_in_answer(head, body, None);
        let echo = |leak, place| Some(Echo { leak, place });
        assert_eq!(place(&header, b"{}"), echo(Leak::ApiKey, Place::Header));
        assert_eq!(place(b"x: y\n", raw), echo(Leak::ApiKey, Place::Body));
        assert_eq!(
            place(&header, raw),
            echo(Leak::ApiKey, Place::HeaderAndBody)
        );
        // The key before a signature, wherever each is.
        assert_eq!(
            place(b"x: hf+Zq3Y/3xM0QvT3ZK5l3+0x6m/8bE9y1YkQ2tPq0Ws\n", raw),
            echo(Leak::ApiKey, Place::Body)
        );
        assert_eq!(
            place(b"x: hf+Zq3Y/3xM0QvT3ZK5l3+0x6m/8bE9y1YkQ2tPq0Ws\n", b"{}"),
            echo(Leak::ExpectedSignature, Place::Header)
        );
        assert_eq!(place(b"x: y\n", b"{}"), None);
    }

    #[test]
    fn short_keys_are_only_searched_as_base64() {
        let w = LeakWatch::new(&ApiKey::new("abcdef").unwrap());
        assert_eq!(w.find(b"abcdef, thanks", None), None);
        assert_eq!(w.find(b"the key is YWJjZGVm", None), Some(Leak::ApiKey));
        // 4 and 5 bytes: their base64 is 8 characters with its padding, and found so.
        for (key, echoed) in [
            ("short", "c2hvcnQ="),
            ("abcd", "YWJjZA=="),
            ("sh?>>", "c2g/Pj4="),
            ("sh?>>", "c2g_Pj4="),
        ] {
            let w = LeakWatch::new(&ApiKey::new(key).unwrap());
            let said = format!(r#"{{"debug":"{echoed}"}}"#);
            assert_eq!(w.find(said.as_bytes(), None), Some(Leak::ApiKey), "{key}");
            // Without the padding it is too short to tell from chance.
            let cut = echoed.trim_end_matches('=');
            assert_eq!(w.find(cut.as_bytes(), None), None, "{key}");
            assert_eq!(w.find(key.as_bytes(), None), None, "{key}");
        }
        // 1 to 3 bytes: 4 characters of base64, which turn up anywhere.
        let tiny = LeakWatch::new(&ApiKey::new("k").unwrap());
        assert_eq!(tiny.find(b"ok aw== k", None), None);
        let three = LeakWatch::new(&ApiKey::new("abc").unwrap());
        assert_eq!(three.find(b"YWJj abc", None), None);
    }

    #[test]
    fn verdict_table() {
        use CaseVerdict::*;
        let v = |case, status, strict| judge(case, status, None, strict).verdict;
        assert_eq!(v(Case::Valid, Some(200), false), Pass);
        assert_eq!(v(Case::Valid, Some(204), false), Pass);
        assert_eq!(v(Case::Valid, Some(401), false), Fail);
        assert_eq!(v(Case::Valid, Some(302), false), Fail);
        assert_eq!(v(Case::BadSignature, Some(401), false), Pass);
        assert_eq!(v(Case::BadSignature, Some(500), false), Pass);
        assert_eq!(
            judge(Case::BadSignature, Some(500), None, false).note,
            "refused (with a server error)"
        );
        assert_eq!(v(Case::WrongKey, Some(200), false), Fail);
        assert_eq!(v(Case::MissingSignature, Some(200), false), Fail);
        assert_eq!(v(Case::WrongPartner, Some(299), false), Fail);
        assert_eq!(v(Case::Stale, Some(200), false), Warn);
        assert_eq!(v(Case::Stale, Some(200), true), Fail);
        assert_eq!(v(Case::Future, Some(400), true), Pass);
        assert_eq!(v(Case::ReplayedPairNewBody, Some(200), false), Warn);
        assert_eq!(v(Case::ReplayedPairNewBody, Some(409), true), Pass);
        assert_eq!(v(Case::Valid, None, false), Error);
        let echo = |leak, place| Some(Echo { leak, place });
        assert_eq!(
            judge(
                Case::BadSignature,
                Some(401),
                echo(Leak::ExpectedSignature, Place::Body),
                false
            ),
            Judgement {
                verdict: Fail,
                note: "response body echoes an expected signature"
            }
        );
        assert_eq!(
            judge(
                Case::Valid,
                Some(200),
                echo(Leak::ApiKey, Place::Header),
                false
            ),
            Judgement {
                verdict: Fail,
                note: "a response header echoes the API key"
            }
        );
        // A body cut short: no answer of its status, unless what came echoes a secret.
        assert_eq!(
            judge_cut(Case::WrongKey, 200, None, false),
            Judgement {
                verdict: Error,
                note: "answer cut short"
            }
        );
        assert_eq!(judge_cut(Case::Valid, 200, None, false).verdict, Error);
        assert_eq!(
            judge_cut(
                Case::BadSignature,
                401,
                echo(Leak::ApiKey, Place::Body),
                false
            ),
            Judgement {
                verdict: Fail,
                note: "response body echoes the API key"
            }
        );
        assert_eq!(Warn.outcome(), Outcome::Pass);
        assert_eq!(Error.outcome(), Outcome::Error);
    }
}
