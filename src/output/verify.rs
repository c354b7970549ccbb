//! One callback's result in each of `verify`'s formats: an aligned text line, an NDJSON object,
//! or a JUnit test case. `verify`'s workers write results here in parallel (results are most of
//! what a large run prints), and its collector writes the ones the replay judgement changed; both
//! go through [`ResultFormat::write`], so there is one renderer per format.

use std::io;

use serde::Serialize;

use super::junit::{self, CaseOutcome};
use super::step_summary::StepSummary;
use super::{Tone, push_escaped, verdict};
use crate::callbacks::explain::Explanation;
use crate::callbacks::verdict::{Reason, Verdict};
use crate::ingest::fast::scan;
use crate::ingest::payload::ItemNumber;

/// `verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResultFormat {
    /// One aligned line per callback, then a summary
    Text,
    /// NDJSON: one result object per callback, then a summary object
    Json,
    /// JUnit XML: one test case per callback, a failure for each that fails
    Junit,
}

/// One callback's result, as every format reads it.
#[derive(Debug, Clone, Copy)]
pub struct CallbackResult<'a> {
    pub source: &'a str,
    pub item: ItemNumber,
    pub verdict: &'a Verdict,
    /// The timestamp as the callback carries it.
    pub timestamp: Option<&'a str>,
    pub explanation: Option<&'a Explanation>,
}

impl ResultFormat {
    /// Appends `result` in this format to `out`.
    pub fn write(self, result: &CallbackResult<'_>, out: &mut Vec<u8>) {
        match self {
            ResultFormat::Text => text(result, out),
            ResultFormat::Json => json(result, out),
            ResultFormat::Junit => junit_case(result, out),
        }
    }
}

/// What stderr and the JSON result say of an item that is JSON but not an object.
pub const NOT_AN_OBJECT: &str = "not a JSON object";

/// The test-case class of every `verify --format junit` case.
const JUNIT_CLASS: &str = "smile-sec.verify";

/// One result line of `--format json`. Written by hand ([`ResultLine::write_json`]): it is most of
/// what a large run prints. The derive is the reference a test holds the hand-written form to.
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
    /// An identical resend of a callback accepted earlier in the run.
    duplicate: bool,
    /// For input that could not be understood: what stderr says about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a Explanation>,
}

impl ResultLine<'_> {
    /// Appends the line serde_json would write for this struct, byte for byte, and its newline.
    /// Into a `Vec`, in one piece: a write per field to the output buffer cost more than the rest.
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"type\":");
        write_json_str(out, self.kind);
        out.extend_from_slice(b",\"source\":");
        write_json_str(out, self.source);
        let mut number = itoa::Buffer::new();
        out.extend_from_slice(b",\"item\":");
        out.extend_from_slice(number.format(self.item).as_bytes());
        out.extend_from_slice(if self.valid {
            b",\"valid\":true,\"reason\":\""
        } else {
            b",\"valid\":false,\"reason\":\""
        });
        out.extend_from_slice(self.reason.as_str().as_bytes());
        out.extend_from_slice(b"\",\"key_id\":");
        match self.key_id {
            Some(id) => write_json_str(out, id),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"timestamp\":");
        match self.timestamp {
            Some(ts) => write_json_str(out, ts),
            None => out.extend_from_slice(b"null"),
        }
        match self.age_seconds {
            Some(age) => {
                out.extend_from_slice(b",\"age_seconds\":");
                out.extend_from_slice(number.format(age).as_bytes());
            }
            None => out.extend_from_slice(b",\"age_seconds\":null"),
        }
        out.extend_from_slice(if self.duplicate {
            b",\"duplicate\":true"
        } else {
            b",\"duplicate\":false"
        });
        if let Some(error) = self.error {
            out.extend_from_slice(b",\"error\":");
            write_json_str(out, error);
        }
        if let Some(explain) = self.explain {
            out.extend_from_slice(b",\"explain\":");
            serde_json::to_writer(&mut *out, explain).expect("writing to a Vec");
        }
        out.extend_from_slice(b"}\n");
    }
}

/// A callback's `--format json` result line.
fn json(r: &CallbackResult<'_>, out: &mut Vec<u8>) {
    let v = r.verdict;
    ResultLine {
        kind: "result",
        source: r.source,
        item: r.item,
        valid: v.reason == Reason::Ok,
        reason: v.reason,
        key_id: v.key_id.as_deref(),
        timestamp: r.timestamp,
        age_seconds: v.age_seconds,
        duplicate: v.duplicate,
        error: error_words(v),
        explain: r.explanation,
    }
    .write_json(out);
}

/// A callback's text result line: the verdict word (coloured when colour is on), where the
/// callback is, and notes. Put together by hand: it is most of what a large run prints, and the
/// formatting machinery cost more than the rest of the line.
fn text(r: &CallbackResult<'_>, out: &mut Vec<u8>) {
    let v = r.verdict;
    let tone = match v.reason {
        Reason::Ok => Tone::Good,
        r if r.is_error() => Tone::Error,
        _ => Tone::Bad,
    };
    verdict(v.reason.as_str(), tone, 19).write_to(out);
    out.push(b' ');
    // File names, key ids and details come from input: escaped, so none can forge a line.
    push_escaped(out, r.source);
    out.push(b':');
    out.extend_from_slice(itoa::Buffer::new().format(r.item).as_bytes());
    let mut separator: &[u8] = b"  ";
    let mut note = |out: &mut Vec<u8>, label: &str, text: &str| {
        out.extend_from_slice(separator);
        out.extend_from_slice(label.as_bytes());
        push_escaped(out, text);
        separator = b", ";
    };
    if let Some(id) = v.key_id.as_deref() {
        note(out, "key ", id);
    }
    if v.duplicate {
        note(out, "duplicate of an earlier callback", "");
    }
    if let Some(age) = v.age_seconds {
        note(out, "age ", "");
        write_age(out, age);
    }
    if let Some(detail) = &v.detail {
        note(out, "", detail);
    }
    if let Some(e) = r.explanation {
        note(out, "explain: ", &e.detail);
    }
    out.push(b'\n');
}

/// What stderr says of an item that could not be read (`None` for a callback that was read).
fn error_words(v: &Verdict) -> Option<&str> {
    match v.reason {
        Reason::NotAnObject => Some(v.detail.as_deref().unwrap_or(NOT_AN_OBJECT)),
        Reason::ParseError => Some(v.detail.as_deref().unwrap_or("cannot parse the item")),
        _ => None,
    }
}

/// A callback's `--format junit` test case.
fn junit_case(r: &CallbackResult<'_>, out: &mut Vec<u8>) {
    let v = r.verdict;
    let name = format!("{}:{}", r.source, r.item);
    let outcome = match v.reason {
        Reason::Ok => CaseOutcome::Passed,
        reason if reason.is_error() => CaseOutcome::Errored,
        _ => CaseOutcome::Failed,
    };
    let message = error_words(v)
        .or(v.detail.as_deref())
        .unwrap_or(v.reason.as_str());
    let reason = v.reason.as_str();
    let mut facts = Vec::new();
    if let Some(id) = v.key_id.as_deref() {
        facts.push(format!("key {id}"));
    }
    if let Some(age) = v.age_seconds {
        facts.push(format!("age {age}s"));
    }
    if let Some(e) = r.explanation {
        facts.push(format!("explain: {}", e.detail));
    }
    // The element's text says it all: GitLab's report shows only the text of a failure that
    // has any, not its attributes.
    let mut details = if message == reason {
        reason.to_owned()
    } else {
        format!("{reason}: {message}")
    };
    if !facts.is_empty() {
        details = format!("{details} ({})", facts.join(", "));
    }
    junit::write_case(out, JUNIT_CLASS, &name, outcome, reason, message, &details);
}

/// A `--format junit` error case, named `name`, of type `kind`, for an input that could not be
/// read at all (a path: `unreadable`), or that held no callback (`empty`).
pub fn junit_unreadable(name: &str, kind: &str, message: &str, out: &mut Vec<u8>) {
    let outcome = CaseOutcome::Errored;
    let details = format!("{kind}: {message}");
    junit::write_case(out, JUNIT_CLASS, name, outcome, kind, message, &details);
}

/// A `--format json` line for an input that gives no result line, as [`junit_unreadable`]
/// names it: `{"type":"error","source":...,"reason":"unreadable"|"empty","error":...}`. Its own
/// type, so that a reader of results sees none it does not know, and a reader of the stream
/// sees every input the summary's `errors` counts.
pub fn json_unreadable(source: &str, kind: &str, message: &str, out: &mut Vec<u8>) {
    #[derive(Serialize)]
    struct ErrorLine<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        source: &'a str,
        reason: &'a str,
        error: &'a str,
    }
    let line = ErrorLine {
        kind: "error",
        source,
        reason: kind,
        error: message,
    };
    serde_json::to_writer(&mut *out, &line).expect("writing to a Vec");
    out.push(b'\n');
}

/// The job summary of a `verify` run: a row for each callback that failed.
pub fn step_summary() -> StepSummary {
    StepSummary::new("smile-sec verify", None, &["callback", "reason", "detail"])
}

/// A run that could not start (no usable key, a store that cannot be opened): `--format junit`
/// still gives a document, with the error as its one errored case, and the job summary says why,
/// so that a CI report names the cause rather than showing nothing.
pub fn unusable(junit: bool, message: &str) -> io::Result<()> {
    if junit {
        junit::print_unusable("smile-sec verify", JUNIT_CLASS, "setup", message)?;
    }
    let mut summary = step_summary();
    summary.row(&[&"(no callback read)", &"unusable", &message]);
    summary.append_if_requested("", "verify could not start")
}

/// A JSON string: as it is when nothing in it needs escaping (nearly always), else serde_json's.
fn write_json_str(out: &mut Vec<u8>, text: &str) {
    if scan::special_byte(text.as_bytes()).is_none() {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, text).expect("writing to a Vec");
    }
}

/// An age in seconds as `3d 4h`, `12m 5s`, `-2m 0s` (in the future).
fn write_age(out: &mut Vec<u8>, seconds: i64) {
    if seconds < 0 {
        out.push(b'-');
    }
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let (big, big_unit, small, small_unit) = match (d, h, m) {
        (0, 0, 0) => (sec, "s", None, ""),
        (0, 0, _) => (m, "m ", Some(sec), "s"),
        (0, _, _) => (h, "h ", Some(m), "m"),
        _ => (d, "d ", Some(h), "h"),
    };
    let mut number = itoa::Buffer::new();
    out.extend_from_slice(number.format(big).as_bytes());
    out.extend_from_slice(big_unit.as_bytes());
    if let Some(small) = small {
        out.extend_from_slice(number.format(small).as_bytes());
        out.extend_from_slice(small_unit.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::explain::Cause;

    #[test]
    fn ages_read_in_the_two_largest_units() {
        for (seconds, text) in [
            (0, "0s"),
            (59, "59s"),
            (60, "1m 0s"),
            (3_599, "59m 59s"),
            (3_600, "1h 0m"),
            (86_399, "23h 59m"),
            (86_400, "1d 0h"),
            (604_799, "6d 23h"),
            (-125, "-2m 5s"),
            (-1, "-1s"),
            (i64::MIN, "-106751991167300d 15h"),
        ] {
            let mut out = Vec::new();
            write_age(&mut out, seconds);
            assert_eq!(String::from_utf8(out).unwrap(), text, "{seconds}");
        }
    }

    #[test]
    fn text_lines_read_as_formatted() {
        let mut v = Verdict::new(Reason::Ok);
        (v.key_id, v.age_seconds, v.duplicate) = (Some("main".into()), Some(90), true);
        let explanation = Explanation {
            cause: Cause::KeyWhitespace,
            detail: "the key ends in a newline".into(),
        };
        let mut out = Vec::new();
        let result = |source, item, verdict, explanation| CallbackResult {
            source,
            item,
            verdict,
            timestamp: None,
            explanation,
        };
        text(&result("a b/c.ndjson", 12, &v, None), &mut out);
        let mut bad = Verdict::new(Reason::BadSignature);
        bad.detail = Some("some detail".into());
        text(&result("-", 1, &bad, Some(&explanation)), &mut out);
        let missing = Verdict::new(Reason::MissingSignature);
        text(&result("x", 2, &missing, None), &mut out);
        let expected = [
            format!(
                "{} a b/c.ndjson:12  key main, duplicate of an earlier callback, age 1m 30s\n",
                verdict("ok", Tone::Good, 19)
            ),
            format!(
                "{} -:1  some detail, explain: the key ends in a newline\n",
                verdict("bad_signature", Tone::Bad, 19)
            ),
            format!("{} x:2\n", verdict("missing_signature", Tone::Error, 19)),
        ]
        .concat();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn junit_and_json_give_an_unread_item_the_words_of_stderr() {
        let v = Verdict::new(Reason::NotAnObject);
        let result = CallbackResult {
            source: "a.json",
            item: 2,
            verdict: &v,
            timestamp: None,
            explanation: None,
        };
        let mut case = Vec::new();
        junit_case(&result, &mut case);
        let case = String::from_utf8(case).unwrap();
        assert!(
            case.contains(&format!("message=\"{NOT_AN_OBJECT}\"")),
            "{case}"
        );
        let mut line = Vec::new();
        json(&result, &mut line);
        let line: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(line["error"], NOT_AN_OBJECT);
    }

    #[test]
    fn hand_written_result_lines_are_what_serde_json_writes() {
        let explanation = Explanation {
            cause: Cause::KeyWhitespace,
            detail: "the key has a trailing \"newline\"\n".into(),
        };
        let awkward = [
            "",
            "plain",
            "q\"uote",
            "back\\slash",
            "tab\tnl\n\u{1}",
            "é ✓ \u{2028} </",
        ];
        for text in awkward {
            for (key_id, timestamp, age, explain) in [
                (None, None, None, None),
                (Some(text), Some(text), Some(-5), Some(&explanation)),
                (Some("main"), Some(text), Some(i64::MAX), None),
            ] {
                let line = ResultLine {
                    kind: "result",
                    source: text,
                    item: u64::MAX,
                    valid: key_id.is_none(),
                    reason: Reason::BadTimestamp,
                    key_id,
                    timestamp,
                    age_seconds: age,
                    duplicate: age == Some(-5),
                    error: key_id.is_none().then_some(text),
                    explain,
                };
                let mut by_hand = Vec::new();
                line.write_json(&mut by_hand);
                let reference = serde_json::to_string(&line).unwrap() + "\n";
                assert_eq!(String::from_utf8(by_hand).unwrap(), reference);
            }
        }
    }
}
