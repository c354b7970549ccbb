//! JUnit XML, the report format every CI system reads: one `<testsuite>` per run, one
//! `<testcase>` per key or callback, a `<failure>` for each that fails a check and an `<error>`
//! for each that could not be read. Cases are gathered first because the suite's counts come
//! before them in the document.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::escape::escape;

use super::{Printer, escape_controls};

/// What one test case came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseOutcome {
    Passed,
    /// A check failed (a bad signature, an expired key).
    Failed,
    /// The case could not be judged (unreadable input).
    Errored,
}

/// A JUnit test suite being gathered.
#[derive(Debug)]
pub struct Suite {
    name: String,
    counts: Counts,
    cases: Vec<u8>,
}

/// The numbers a suite's opening tag carries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tests: u64,
    pub failures: u64,
    pub errors: u64,
}

impl Suite {
    pub fn new(name: &str) -> Self {
        Suite {
            name: name.to_owned(),
            counts: Counts::default(),
            cases: Vec::new(),
        }
    }

    /// Adds a case (see [`write_case`]).
    pub fn case(
        &mut self,
        classname: &str,
        name: &str,
        outcome: CaseOutcome,
        kind: &str,
        message: &str,
        details: &str,
    ) {
        self.counts.tests += 1;
        match outcome {
            CaseOutcome::Passed => {}
            CaseOutcome::Failed => self.counts.failures += 1,
            CaseOutcome::Errored => self.counts.errors += 1,
        }
        write_case(
            &mut self.cases,
            classname,
            name,
            outcome,
            kind,
            message,
            details,
        );
    }

    /// Writes the whole document.
    pub fn write(&self, out: &mut Printer) -> io::Result<()> {
        write_document(out, &self.name, self.counts, &self.cases)
    }
}

/// Prints, for a run that could not start, a document whose one case is errored as `unusable`
/// with `message`: a CI report then names the cause rather than showing nothing.
pub fn print_unusable(suite: &str, classname: &str, case: &str, message: &str) -> io::Result<()> {
    let mut document = Suite::new(suite);
    document.case(
        classname,
        case,
        CaseOutcome::Errored,
        "unusable",
        message,
        &format!("unusable: {message}"),
    );
    let mut out = Printer::new();
    document.write(&mut out)?;
    out.flush()
}

/// Writes one `<testcase>`. `kind` (a reason or finding code) and `message` describe a failure or
/// error and are left out of a passed case; `details` is free text inside the element, or
/// `message` when there are none: some reports show only an element's text (GitLab's), so a
/// failure's text says why. For
/// output rendered piece by piece (`verify`'s workers), then put together by [`write_document`].
pub fn write_case(
    out: &mut Vec<u8>,
    classname: &str,
    name: &str,
    outcome: CaseOutcome,
    kind: &str,
    message: &str,
    details: &str,
) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        text(classname),
        text(name)
    );
    let element = match outcome {
        CaseOutcome::Passed => {
            out.extend_from_slice(b"/>\n");
            return;
        }
        CaseOutcome::Failed => "failure",
        CaseOutcome::Errored => "error",
    };
    let _ = writeln!(
        out,
        ">\n      <{element} type=\"{}\" message=\"{}\">{}</{element}>\n    </testcase>",
        text(kind),
        text(message),
        text(if details.is_empty() { message } else { details })
    );
}

/// Writes the document around `cases` (made by [`write_case`]).
pub fn write_document(
    out: &mut Printer,
    name: &str,
    counts: Counts,
    cases: &[u8],
) -> io::Result<()> {
    let Counts {
        tests,
        failures,
        errors,
    } = counts;
    let name = text(name);
    out.raw(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n  \
         <testsuite name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">\n"
    ))?;
    out.writer().write_all(cases)?;
    out.raw("  </testsuite>\n</testsuites>\n")
}

/// Input-derived text made safe for an XML attribute or element: markup characters escaped, and
/// characters XML 1.0 cannot carry at all (control characters, U+FFFE, U+FFFF) written as visible
/// escapes, as on a text line.
fn text(raw: &str) -> Cow<'_, str> {
    let visible = escape_controls(raw);
    let visible = if visible.contains(['\u{fffe}', '\u{ffff}']) {
        Cow::Owned(
            visible
                .replace('\u{fffe}', "\\u{fffe}")
                .replace('\u{ffff}', "\\u{ffff}"),
        )
    } else {
        visible
    };
    match escape(visible.as_ref()) {
        Cow::Borrowed(_) => visible,
        Cow::Owned(escaped) => Cow::Owned(escaped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_close_an_element_or_carry_controls() {
        let hostile = "a\"/><testcase name=\"forged\"/>\n\u{1b}[31m&\u{ffff}";
        let escaped = text(hostile);
        assert!(!escaped.contains(['<', '>', '"', '\n', '\u{1b}', '\u{ffff}']));
        assert!(escaped.contains("&lt;testcase"), "{escaped}");
        assert!(escaped.contains("&amp;"), "{escaped}");
        assert_eq!(text("plain id-1"), "plain id-1");
    }

    #[test]
    fn counts_follow_the_cases() {
        let mut suite = Suite::new("smile-sec verify");
        suite.case("c", "a:1", CaseOutcome::Passed, "ok", "", "");
        suite.case("c", "a:2", CaseOutcome::Failed, "stale", "too old", "");
        suite.case("c", "a:3", CaseOutcome::Errored, "parse_error", "bad", "");
        let expected = Counts {
            tests: 3,
            failures: 1,
            errors: 1,
        };
        assert_eq!(suite.counts, expected);
        let cases = String::from_utf8(suite.cases).unwrap();
        assert!(cases.contains("<failure type=\"stale\" message=\"too old\">"));
        assert!(cases.contains("<error type=\"parse_error\""));
        assert!(cases.contains("<testcase classname=\"c\" name=\"a:1\"/>"));
    }
}
