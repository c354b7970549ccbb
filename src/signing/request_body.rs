//! A request body for `sign --body`: a JSON object whose fields are kept as they were written, so
//! that setting `partner_id`, `timestamp` and `signature` changes nothing else. Read into
//! serde_json's values, a number such as `123456789012345678901234567890` or `1.50` would come
//! back as a float's spelling, and `1e400` would be refused.

use indexmap::IndexMap;
use serde_json::value::RawValue;

use crate::ingest::payload::MAX_NESTING;

/// The body's fields in their order, each value as written (without the white space between its
/// tokens). A field given twice keeps its first place and its last value, as serde_json's map.
pub type Body = IndexMap<String, Box<RawValue>>;

/// Why a body cannot be signed.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Not JSON, or JSON that serde_json refuses to read (nested too deep, a lone surrogate).
    Invalid(String),
    /// Valid JSON that is not an object.
    NotAnObject,
}

/// Nesting a body's values may have below the body itself, which is one level of serde_json's
/// [`MAX_NESTING`].
const MAX_VALUE_DEPTH: usize = MAX_NESTING as usize - 1;

/// Reads a body (a byte-order mark already removed).
pub fn parse(json: &[u8]) -> Result<Body, BodyError> {
    let invalid = |e: serde_json::Error| BodyError::Invalid(e.to_string());
    let value: &RawValue = serde_json::from_slice(json).map_err(invalid)?;
    if !value.get().starts_with('{') {
        return Err(BodyError::NotAnObject);
    }
    let fields: IndexMap<String, &RawValue> = serde_json::from_str(value.get()).map_err(invalid)?;
    fields
        .into_iter()
        .map(|(name, value)| Ok((name, compact(value)?)))
        .collect()
}

/// `value` without the white space between its tokens, so that the signed body prints on one
/// line; strings and numbers are untouched. What serde_json's raw reading lets pass is refused
/// here as its full reading refuses it: nesting past its limit, and an escaped string that does
/// not decode (a lone surrogate, `"\ud800"`).
fn compact(value: &RawValue) -> Result<Box<RawValue>, BodyError> {
    let invalid = |e: serde_json::Error| BodyError::Invalid(e.to_string());
    let text = value.get();
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut depth) = (false, false, 0);
    // Where the current string starts in `out`, and whether it has an escape.
    let (mut string_start, mut has_escape) = (0, false);
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                (escaped, has_escape) = (true, true);
            } else if c == '"' {
                in_string = false;
                if has_escape {
                    out.push(c);
                    serde_json::from_str::<String>(&out[string_start..]).map_err(invalid)?;
                    continue;
                }
            }
        } else {
            match c {
                ' ' | '\t' | '\n' | '\r' => continue,
                '"' => (in_string, string_start, has_escape) = (true, out.len(), false),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => {}
            }
            if depth > MAX_VALUE_DEPTH {
                return Err(BodyError::Invalid(format!(
                    "it nests deeper than {} levels",
                    MAX_VALUE_DEPTH + 1
                )));
            }
        }
        out.push(c);
    }
    RawValue::from_string(out).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(json: &str) -> Result<String, BodyError> {
        parse(json.as_bytes()).map(|body| serde_json::to_string(&body).unwrap())
    }

    #[test]
    fn values_come_back_as_written_without_white_space() {
        assert_eq!(
            printed("{\"n\": 1.50, \"big\": 123456789012345678901234567890, \"e\": 1e400,\n \"o\": {\"a\": [1, \"x y\\\" \\u00e9\"]}}")
                .unwrap(),
            r#"{"n":1.50,"big":123456789012345678901234567890,"e":1e400,"o":{"a":[1,"x y\" \u00e9"]}}"#
        );
        // Twice: the first place, the last value.
        assert_eq!(
            printed(r#"{"a":1,"b":2,"a":3}"#).unwrap(),
            r#"{"a":3,"b":2}"#
        );
    }

    #[test]
    fn refuses_what_serde_json_refuses_and_what_is_not_an_object() {
        assert_eq!(printed("[1]"), Err(BodyError::NotAnObject));
        assert_eq!(printed("\"x\""), Err(BodyError::NotAnObject));
        for bad in [
            "{",
            r#"{"a":"\ud800"}"#,
            r#"{"\udc00":1}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":1}x"#,
        ] {
            assert!(matches!(printed(bad), Err(BodyError::Invalid(_))), "{bad}");
        }
        let deep = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        // serde_json's own limit, on both sides of it.
        for (n, readable) in [(126, true), (127, false)] {
            let value = serde_json::from_str::<serde_json::Value>(&deep(n));
            assert_eq!(value.is_ok(), readable, "{n}");
            assert_eq!(printed(&deep(n)).is_ok(), readable, "{n}");
        }
    }
}
