//! `verify --explain`: for a callback whose signature fails, try the usual mistakes one at a time
//! and name the change that makes it match (every one, when more than one does).
//!
//! An explanation names the hypotheses that matched and nothing more: never a key, never an
//! expected signature, so `--explain` cannot be used as a signing oracle.

use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
};
use base64::{Engine, alphabet};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::keys::credentials::{Credential, retired_before};
use crate::keys::keyfile::Environment;
use crate::signing::secret::ApiKey;
use crate::signing::signature::{DecodedSignature, Signer};
use crate::time::parse_callback_timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    WrongEnvironmentKey,
    OtherKey,
    PartnerIdZeroPadding,
    KeyWhitespace,
    SignatureEncoding,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub cause: Cause,
    pub detail: String,
}

/// A key the explainer may try, with what can be said about it.
#[derive(Debug)]
struct Suspect {
    key_id: Option<String>,
    environment: Option<Environment>,
    partner_id: String,
    key: ApiKey,
    signer: Signer,
    retired: Option<DateTime<Utc>>,
}

impl Suspect {
    fn new(c: &Credential) -> Self {
        Suspect {
            key_id: c.key_id.clone(),
            environment: c.environment,
            partner_id: c.partner_id.clone(),
            key: c.key.clone(),
            signer: Signer::new(&c.key),
            retired: c.retired,
        }
    }

    /// `detail`, about a change that makes this key match a callback dated `timestamp`, with a
    /// word when the key was retired before that time: then the change is no fix, since Smile
    /// ID no longer signs with the key and `verify` refuses what it signed as `retired_key`.
    fn unless_retired(&self, timestamp: &str, detail: String) -> String {
        let Some(retired) = retired_before(self.retired, timestamp) else {
            return detail;
        };
        let when = if parse_callback_timestamp(timestamp).is_ok() {
            "before this callback's time"
        } else {
            "and this callback's time cannot be read to show it was signed before then"
        };
        format!(
            "{detail}; but that key was retired at {}, {when}, so this is no fix: Smile ID no longer signs with it, and whoever signed this has a copy",
            retired.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }

    fn name(&self) -> String {
        match (&self.key_id, self.environment) {
            (Some(id), Some(env)) => format!("key `{id}` ({env})"),
            (Some(id), None) => format!("key `{id}`"),
            (None, _) => format!("the given key ({})", self.key.fingerprint()),
        }
    }
}

/// Tries the usual mistakes in a fixed order.
#[derive(Debug)]
pub struct Explainer {
    /// The keys `verify` tried.
    tried: Vec<Suspect>,
    /// Key-file keys the filters left out.
    others: Vec<Suspect>,
    /// Ids of key-file entries that fit the filters but whose secret could not be read.
    unread: Vec<String>,
}

impl Explainer {
    /// `tried`: the keys verify used; `key_file_keys`: every usable key-file key (duplicates of a
    /// tried key are ignored).
    pub fn new(tried: &[Credential], key_file_keys: &[Credential]) -> Self {
        let tried: Vec<Suspect> = tried.iter().map(Suspect::new).collect();
        let others = key_file_keys
            .iter()
            .filter(|c| {
                !tried
                    .iter()
                    .any(|t| t.key == c.key && t.partner_id == c.partner_id)
            })
            .map(Suspect::new)
            .collect();
        Explainer {
            tried,
            others,
            unread: Vec::new(),
        }
    }

    /// Names `ids`, key-file entries that fit but whose secret could not be read, when nothing
    /// else explains a signature: one of them may well have signed it.
    pub fn with_unread(mut self, ids: Vec<String>) -> Self {
        self.unread = ids;
        self
    }

    /// Explains why `signature` does not verify for `timestamp`.
    pub fn explain(&self, timestamp: &str, signature: &str) -> Explanation {
        let strict = DecodedSignature::parse(signature).ok();
        let Some(sig) = strict else {
            return self.explain_encoding(timestamp, signature);
        };
        let mut matched = self
            .other_keys(timestamp, &sig)
            .into_iter()
            .chain(self.partner_padding(timestamp, &sig))
            .chain(self.key_whitespace(timestamp, &sig));
        let Some(first) = matched.next() else {
            return self.unknown();
        };
        // Two causes that both make it match (the same key under two entries, say) are both
        // named: the cause code is the first, the detail does not pretend it is certain.
        let also: Vec<String> = matched.map(|other| other.detail).collect();
        if also.is_empty() {
            return first;
        }
        Explanation {
            cause: first.cause,
            detail: format!(
                "more than one change makes it match, so none of them is certain: {}; or {}",
                first.detail,
                also.join("; or ")
            ),
        }
    }

    /// For a `signature` that is not a JSON string at all (a number, `null`, an object).
    pub fn not_a_string() -> Explanation {
        Explanation {
            cause: Cause::Unknown,
            detail: "the signature is not a JSON string; Smile ID sends it as a string of padded standard base64, so something rewrote the callback".into(),
        }
    }

    fn explain_encoding(&self, timestamp: &str, signature: &str) -> Explanation {
        // White space around the signature, of any kind (a newline from a header, a no-break
        // space from a web page, a byte-order mark), whatever the signature's own characters.
        let trimmed = signature
            .trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}'));
        let wrapped = trimmed.len() != signature.len();
        // Node's SDK decodes leniently, so these spellings circulate; hex is what a hand-rolled
        // HMAC prints by default.
        let lenient = GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent);
        let spellings: [(GeneralPurpose, &str); 6] = [
            (STANDARD, STANDARD_NAME),
            (STANDARD_NO_PAD, "unpadded standard base64"),
            (URL_SAFE, "base64url"),
            (URL_SAFE_NO_PAD, "unpadded base64url"),
            (
                GeneralPurpose::new(&alphabet::STANDARD, lenient),
                "standard base64 with spare bits set in its last character (which strict decoders refuse)",
            ),
            (
                GeneralPurpose::new(&alphabet::URL_SAFE, lenient),
                "base64url with spare bits set in its last character (which strict decoders refuse)",
            ),
        ];
        let decoded = spellings
            .iter()
            .map(|(engine, name)| (engine.decode(trimmed).ok(), *name))
            .chain(std::iter::once((hex::decode(trimmed).ok(), "hex")));
        for (bytes, name) in decoded {
            let Some(Ok(raw)) = bytes.map(<[u8; 32]>::try_from) else {
                continue;
            };
            let sig = DecodedSignature(raw);
            if let Some(s) = self
                .tried
                .iter()
                .find(|s| s.signer.matches(timestamp, &s.partner_id, &sig))
            {
                let detail = match (wrapped, name == STANDARD_NAME) {
                    (true, true) => format!(
                        "the signature matches {} once the white space around it is removed; something added it on the way (a header line, a copy and paste)",
                        s.name()
                    ),
                    (true, false) => format!(
                        "the signature matches {} once the white space around it is removed and it is read as {name}; Smile ID sends padded standard base64 (+, /, =) with nothing around it, so something re-encoded it",
                        s.name()
                    ),
                    (false, _) => format!(
                        "the signature matches {} once read as {name}; Smile ID sends padded standard base64 (+, /, =), so something re-encoded it",
                        s.name()
                    ),
                };
                return Explanation {
                    cause: Cause::SignatureEncoding,
                    detail: s.unless_retired(timestamp, detail),
                };
            }
        }
        Explanation {
            cause: Cause::Unknown,
            detail: "the signature is not a 32-byte signature in any base64 or hex spelling that matches"
                .into(),
        }
    }

    /// Each key-file key not tried that makes it match, another environment's first (the
    /// causes' documented order), then the rest, each group in the key file's order. Two entries
    /// may hold one secret (a sandbox and a production entry, which `audit` reports), and then
    /// neither is certain.
    fn other_keys(&self, timestamp: &str, sig: &DecodedSignature) -> Vec<Explanation> {
        let mut hits: Vec<Explanation> = self
            .others
            .iter()
            .filter(|s| s.signer.matches(timestamp, &s.partner_id, sig))
            .map(|hit| self.other_key(timestamp, hit))
            .collect();
        hits.sort_by_key(|hit| hit.cause != Cause::WrongEnvironmentKey);
        hits
    }

    fn other_key(&self, timestamp: &str, hit: &Suspect) -> Explanation {
        let tried_envs: Vec<Environment> =
            self.tried.iter().filter_map(|s| s.environment).collect();
        let other_environment = hit
            .environment
            .is_some_and(|env| !tried_envs.is_empty() && !tried_envs.contains(&env));
        let (cause, detail) = if other_environment {
            (
                Cause::WrongEnvironmentKey,
                format!(
                    "the signature matches {}, the {} key; only {} keys were tried",
                    hit.name(),
                    hit.environment.map_or("other", Environment::as_str),
                    tried_envs[0]
                ),
            )
        } else {
            // A key given alone (--api-key-file, SMILE_API_KEY) is the only one tried: the key
            // file's keys were left out for it, not by a filter.
            let why = if self.tried.iter().all(|t| t.key_id.is_none()) {
                "which was not tried: the key given alone is used instead of the key file"
            } else {
                "which the filters left out"
            };
            (
                Cause::OtherKey,
                format!("the signature matches {}, {why}", hit.name()),
            )
        };
        Explanation {
            cause,
            detail: hit.unless_retired(timestamp, detail),
        }
    }

    fn partner_padding(&self, timestamp: &str, sig: &DecodedSignature) -> Option<Explanation> {
        for s in &self.tried {
            for variant in zero_padding_variants(&s.partner_id) {
                if s.signer.matches(timestamp, &variant, sig) {
                    let padding = format!(
                        "the partner ID \"{variant}\" instead of \"{}\" (partner IDs are signed byte for byte)",
                        s.partner_id
                    );
                    let detail = match timestamp_reading(timestamp, &s.partner_id, &variant) {
                        // The message signed is the timestamp and the partner ID run together,
                        // so a zero can have moved between them: both readings sign the same.
                        Some(other) => format!(
                            "the signature matches {} with either of two changes that sign the same bytes (the timestamp and partner ID are signed run together), so either is possible: {padding}, or {other}",
                            s.name()
                        ),
                        None => format!("the signature matches {} with {padding}", s.name()),
                    };
                    return Some(Explanation {
                        cause: Cause::PartnerIdZeroPadding,
                        detail: s.unless_retired(timestamp, detail),
                    });
                }
            }
        }
        None
    }

    fn key_whitespace(&self, timestamp: &str, sig: &DecodedSignature) -> Option<Explanation> {
        for s in &self.tried {
            for (variant, change) in whitespace_variants(s.key.expose()) {
                let Ok(key) = ApiKey::new(variant) else {
                    continue;
                };
                if Signer::new(&key).matches(timestamp, &s.partner_id, sig) {
                    let detail = format!(
                        "the signature matches {} with {change}; one copy of the key has stray white space",
                        s.name()
                    );
                    return Some(Explanation {
                        cause: Cause::KeyWhitespace,
                        detail: s.unless_retired(timestamp, detail),
                    });
                }
            }
        }
        None
    }
}

/// Smile ID's own spelling of a signature.
const STANDARD_NAME: &str = "padded standard base64";

/// When signing `timestamp` with partner ID `variant` signs the same bytes as a timestamp with
/// zeros moved to or from its end, with the partner ID `partner` as it is: how to say so.
fn timestamp_reading(timestamp: &str, partner: &str, variant: &str) -> Option<String> {
    if let Some(zeros) = partner.strip_suffix(variant) {
        // The partner ID lost leading zeros: as if the timestamp had gained them at its end.
        let original = timestamp.strip_suffix(zeros)?;
        return Some(format!(
            "a timestamp that gained {} trailing 0 on its way (signed as \"{original}\")",
            zeros.len()
        ));
    }
    let zeros = variant.strip_suffix(partner)?;
    Some(format!(
        "a timestamp that lost {} trailing 0 on its way (signed as \"{timestamp}{zeros}\")",
        zeros.len()
    ))
}

impl Explainer {
    /// No usual mistake explains a well-formed signature.
    fn unknown(&self) -> Explanation {
        let mut detail = "no single usual mistake explains it: the callback may be forged or altered, or signed with a key not at hand".to_owned();
        if !self.unread.is_empty() {
            let ids: Vec<String> = self.unread.iter().map(|id| format!("`{id}`")).collect();
            let ids = ids.join(", ");
            detail.push_str(&if self.unread.len() == 1 {
                format!(", such as that of {ids} (its secret could not be read, so it was not tried)")
            } else {
                format!(
                    ", such as those of {ids} (their secrets could not be read, so they were not tried)"
                )
            });
        }
        Explanation {
            cause: Cause::Unknown,
            detail,
        }
    }
}

/// Zeros a partner ID may have gained in front, at most.
const MAX_ADDED_ZEROS: usize = 6;

/// `085` → `85`, `0085`, ...; `85` → `085`, `0085`, ...: without its leading zeros, or with one to
/// [`MAX_ADDED_ZEROS`] of them, whatever its length; only for all-digit partner IDs.
fn zero_padding_variants(partner_id: &str) -> Vec<String> {
    if partner_id.is_empty() || !partner_id.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mut variants = Vec::new();
    let trimmed = partner_id.trim_start_matches('0');
    if !trimmed.is_empty() && trimmed != partner_id {
        variants.push(trimmed.to_owned());
    }
    for zeros in 1..=MAX_ADDED_ZEROS {
        let padded = format!("{}{trimmed}", "0".repeat(zeros));
        if padded != partner_id {
            variants.push(padded);
        }
    }
    variants
}

/// White space a copy of a key picks up on its way (an editor's last newline, a CRLF file, a blank
/// line after it, a value pasted between spaces or after a tab), as what comes before and after
/// the key, and how to say so without showing the key.
const PICKED_UP: [(&[u8], &[u8], &str); 10] = [
    (b"", b"\n", "a trailing newline added to the key"),
    (b"", b"\r\n", "a trailing newline added to the key"),
    (b"", b"\n\n", "two trailing newlines added to the key"),
    (b"", b"\r", "a trailing carriage return added to the key"),
    (b"", b" ", "a trailing space added to the key"),
    (b" ", b"", "a leading space added to the key"),
    (b" ", b" ", "a space added on each side of the key"),
    (b"", b"\t", "a trailing tab added to the key"),
    (b"\t", b"", "a leading tab added to the key"),
    (BOM, b"", "a byte-order mark (U+FEFF) added before the key"),
];

/// What Windows editors put at the start of a text file they save: read with the key from it.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// The key with white space removed or added, and how to say so without showing the key.
fn whitespace_variants(key: &[u8]) -> Vec<(Vec<u8>, &'static str)> {
    let mut variants: Vec<(Vec<u8>, &'static str)> = Vec::new();
    for suffix in [&b"\n"[..], b"\r\n"] {
        if let Some(stripped) = key.strip_suffix(suffix) {
            variants.push((
                stripped.to_vec(),
                "the trailing newline removed from the key",
            ));
        }
    }
    let trimmed = key.trim_ascii();
    if trimmed.len() != key.len() {
        variants.push((trimmed.to_vec(), "white space around the key removed"));
    }
    if let Some(stripped) = key.strip_prefix(BOM) {
        variants.push((
            stripped.trim_ascii_end().to_vec(),
            "the byte-order mark (U+FEFF) at the start of the key removed",
        ));
    }
    for (before, after, change) in PICKED_UP {
        variants.push(([before, key, after].concat(), change));
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::signature::sign;

    const TS: &str = "2026-11-20T10:00:00.000Z";

    fn credential(id: &str, env: Environment, key: &str, partner: &str) -> Credential {
        Credential {
            key: ApiKey::new(key).unwrap(),
            key_id: Some(id.into()),
            environment: Some(env),
            partner_id: partner.into(),
            retired: None,
            retired_itself: false,
        }
    }

    fn explainer() -> Explainer {
        let prod = credential("live", Environment::Production, "prod-key", "085");
        let sandbox = credential("test", Environment::Sandbox, "sandbox-key", "085");
        let sandbox2 = credential("test-old", Environment::Sandbox, "sandbox-old", "085");
        Explainer::new(
            std::slice::from_ref(&prod),
            &[prod.clone(), sandbox, sandbox2],
        )
    }

    fn cause(signature: &str) -> Cause {
        explainer().explain(TS, signature).cause
    }

    fn signed(key: &str, partner: &str) -> String {
        sign(&ApiKey::new(key).unwrap(), TS, partner)
    }

    #[test]
    fn entries_whose_secret_was_not_read_are_named_when_nothing_explains_it() {
        let unexplained = signed("unrelated", "085");
        let plain = explainer().explain(TS, &unexplained);
        assert_eq!(plain.cause, Cause::Unknown);
        assert!(!plain.detail.contains("not tried"), "{}", plain.detail);
        let named = explainer()
            .with_unread(vec!["live-2".into(), "old".into()])
            .explain(TS, &unexplained);
        assert_eq!(named.cause, Cause::Unknown);
        assert!(
            named
                .detail
                .ends_with("such as those of `live-2`, `old` (their secrets could not be read, so they were not tried)"),
            "{}",
            named.detail
        );
        // A cause that explains it needs no such guess.
        let explained = explainer()
            .with_unread(vec!["old".into()])
            .explain(TS, &signed("sandbox-key", "085"));
        assert_eq!(explained.cause, Cause::WrongEnvironmentKey);
        let one = explainer()
            .with_unread(vec!["old".into()])
            .explain(TS, &unexplained);
        assert!(
            one.detail.ends_with(
                "such as that of `old` (its secret could not be read, so it was not tried)"
            ),
            "{}",
            one.detail
        );
        assert!(
            !explained.detail.contains("not tried"),
            "{}",
            explained.detail
        );
    }

    #[test]
    fn each_cause() {
        assert_eq!(
            cause(&signed("sandbox-key", "085")),
            Cause::WrongEnvironmentKey
        );
        assert_eq!(
            cause(&signed("prod-key", "85")),
            Cause::PartnerIdZeroPadding
        );
        for (before, after, _) in PICKED_UP {
            let key = [before, b"prod-key", after].concat();
            let key = String::from_utf8(key).unwrap();
            assert_eq!(cause(&signed(&key, "085")), Cause::KeyWhitespace, "{key:?}");
        }
        let url = signed("prod-key", "085")
            .replace('+', "-")
            .replace('/', "_");
        let url_unpadded = url.trim_end_matches('=').to_owned();
        let unpadded = signed("prod-key", "085").trim_end_matches('=').to_owned();
        // Spare bits set in the last character (`...c=` for `...Y=`), and hex.
        let good = signed("prod-key", "085");
        let last = good.trim_end_matches('=').chars().last().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let spare = alphabet
            .chars()
            .nth(alphabet.find(last).unwrap() | 1)
            .unwrap();
        let spare_bits = good.replacen(&format!("{last}="), &format!("{spare}="), 1);
        assert_ne!(spare_bits, good);
        let hex = hex::encode(STANDARD.decode(&good).unwrap());
        for s in [
            url_unpadded,
            unpadded,
            spare_bits,
            hex.clone(),
            hex.to_uppercase(),
        ] {
            assert_eq!(cause(&s), Cause::SignatureEncoding, "{s}");
        }
        assert_eq!(cause(&signed("unrelated", "085")), Cause::Unknown);
        assert_eq!(cause("not base64 at all"), Cause::Unknown);
    }

    #[test]
    fn white_space_the_signer_lacked() {
        // The key we hold picked up the white space; the signer's copy did not.
        for key in ["prod-key\n", "prod-key\r\n", " prod-key ", "\tprod-key\n"] {
            let prod = credential("live", Environment::Production, key, "085");
            let e = Explainer::new(std::slice::from_ref(&prod), &[]);
            let sig = signed(key.trim(), "085");
            assert_eq!(e.explain(TS, &sig).cause, Cause::KeyWhitespace, "{key:?}");
        }
        // A key file saved by a Windows editor starts with a byte-order mark.
        let prod = credential(
            "live",
            Environment::Production,
            "\u{feff}prod-key\r\n",
            "085",
        );
        let e = Explainer::new(std::slice::from_ref(&prod), &[]);
        let explained = e.explain(TS, &signed("prod-key", "085"));
        assert_eq!(explained.cause, Cause::KeyWhitespace);
        assert!(
            explained.detail.contains("byte-order mark"),
            "{}",
            explained.detail
        );
    }

    #[test]
    fn same_environment_key_is_other_key() {
        let a = credential("a", Environment::Sandbox, "key-a", "085");
        let b = credential("b", Environment::Sandbox, "key-b", "085");
        let e = Explainer::new(std::slice::from_ref(&a), &[a.clone(), b.clone()]);
        let explained = e.explain(TS, &signed("key-b", "085"));
        assert_eq!(explained.cause, Cause::OtherKey);
        assert!(
            explained.detail.ends_with("which the filters left out"),
            "{}",
            explained.detail
        );
        // Beside a key given alone, the key file's keys were left out for it, not by a filter.
        let alone = Credential {
            key_id: None,
            environment: None,
            ..a
        };
        let e = Explainer::new(std::slice::from_ref(&alone), &[b]);
        let explained = e.explain(TS, &signed("key-b", "085"));
        assert_eq!(explained.cause, Cause::OtherKey);
        assert!(
            explained
                .detail
                .contains("the key given alone is used instead"),
            "{}",
            explained.detail
        );
    }

    /// Two entries not tried that hold one secret (a sandbox and a production entry) both make
    /// the signature match: both are named and neither is said to be certain, in either order
    /// of the key file.
    #[test]
    fn two_entries_with_one_secret_are_both_named() {
        let tried = credential("prod-1", Environment::Production, "prod-key", "085");
        let sandbox = credential("sand-x", Environment::Sandbox, "shared-key", "085");
        let production = credential("prod-y", Environment::Production, "shared-key", "085");
        for others in [
            [tried.clone(), sandbox.clone(), production.clone()],
            [tried.clone(), production.clone(), sandbox.clone()],
        ] {
            let e = Explainer::new(std::slice::from_ref(&tried), &others);
            let explained = e.explain(TS, &signed("shared-key", "085"));
            // The cause is the first in the documented order, whatever the file's order.
            assert_eq!(explained.cause, Cause::WrongEnvironmentKey);
            let detail = explained.detail;
            assert!(
                detail.starts_with("more than one change makes it match"),
                "{detail}"
            );
            assert!(detail.contains("`sand-x` (sandbox)"), "{detail}");
            assert!(detail.contains("`prod-y` (production)"), "{detail}");
        }
    }

    /// A change that makes a key retired before the callback's time match is no fix, and the
    /// explanation says so; before the retirement it is the fix.
    #[test]
    fn a_key_retired_before_the_callback_is_named_as_no_fix() {
        let retired = |retired: &str| {
            let mut old = credential("old", Environment::Production, "old-key", "085");
            old.retired = Some(crate::time::parse_rfc3339(retired).unwrap());
            old
        };
        let live = credential("live", Environment::Production, "prod-key", "085");
        for (old, no_fix) in [
            (retired("2026-11-01T00:00:00Z"), true),
            (retired("2026-12-01T00:00:00Z"), false),
        ] {
            // The key left out by the filters, and the key tried with each usual mistake.
            let left_out =
                Explainer::new(std::slice::from_ref(&live), &[live.clone(), old.clone()]);
            let tried = Explainer::new(std::slice::from_ref(&old), &[]);
            let unpadded = signed("old-key", "085").trim_end_matches('=').to_owned();
            for (explainer, signature, cause) in [
                (&left_out, signed("old-key", "085"), Cause::OtherKey),
                (&tried, signed("old-key", "85"), Cause::PartnerIdZeroPadding),
                (&tried, signed("old-key\n", "085"), Cause::KeyWhitespace),
                (&tried, unpadded, Cause::SignatureEncoding),
            ] {
                let explanation = explainer.explain(TS, &signature);
                assert_eq!(explanation.cause, cause);
                if no_fix && cause == Cause::OtherKey {
                    // A time that cannot be read is not called before or after anything.
                    let unread = "soon";
                    let signature = sign(&ApiKey::new("old-key").unwrap(), unread, "085");
                    let detail = explainer.explain(unread, &signature).detail;
                    assert!(
                        detail.contains("and this callback's time cannot be read")
                            && !detail.contains("before this callback's time"),
                        "{detail}"
                    );
                }
                assert_eq!(
                    explanation.detail.contains(
                        "but that key was retired at 2026-11-01T00:00:00Z, before this callback's time, so this is no fix"
                    ),
                    no_fix,
                    "{}",
                    explanation.detail
                );
            }
        }
    }

    #[test]
    fn explanations_never_hold_keys_or_signatures() {
        let e = explainer();
        for sig in [
            signed("sandbox-key", "085"),
            signed("prod-key\n", "085"),
            signed("prod-key", "85"),
        ] {
            let text = format!("{:?}", e.explain(TS, &sig));
            for secret in ["prod-key", "sandbox-key", &signed("prod-key", "085")] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }

    #[test]
    fn a_signature_wrapped_in_white_space_is_an_encoding_matter() {
        let good = signed("prod-key", "085");
        let url = good.replace('+', "-").replace('/', "_");
        for wrapped in [
            format!(" {good}"),
            format!("{good}\n"),
            format!("\t{good}\r\n"),
            format!("\u{a0}{good}\u{a0}"),
            format!("\u{feff}{good}"),
            format!(" {url} "),
            format!("\n{}\n", good.trim_end_matches('=')),
        ] {
            let e = explainer().explain(TS, &wrapped);
            assert_eq!(e.cause, Cause::SignatureEncoding, "{wrapped:?}");
            assert!(e.detail.contains("white space around it"), "{}", e.detail);
            let reencoded = e.detail.contains("re-encoded");
            assert_eq!(reencoded, !wrapped.contains(&good), "{}", e.detail);
        }
        // Any signature's characters: try many keys, so that +, / and = all occur.
        for n in 0..50 {
            let key = format!("prod-key-{n}");
            let prod = credential("live", Environment::Production, &key, "085");
            let e = Explainer::new(std::slice::from_ref(&prod), &[]);
            let sig = signed(&key, "085");
            assert_eq!(
                e.explain(TS, &format!(" {sig}\n")).cause,
                Cause::SignatureEncoding
            );
        }
    }

    /// The signed message is the timestamp and the partner ID run together: a zero that moved
    /// from one to the other signs the same bytes, so the detail names both.
    #[test]
    fn a_zero_that_may_belong_to_either_side_is_said_to() {
        let prod = credential("live", Environment::Production, "prod-key", "085");
        let e = Explainer::new(std::slice::from_ref(&prod), &[]);
        // Smile ID signed "…+0100" and partner "85"? Or "…+010" and "085", the timestamp having
        // gained a trailing 0? Both are the bytes "…+010085".
        let ts = "2024-03-15 11:20:30 +0100";
        let sig = sign(&ApiKey::new("prod-key").unwrap(), ts, "85");
        let explained = e.explain(ts, &sig);
        assert_eq!(explained.cause, Cause::PartnerIdZeroPadding);
        assert!(
            explained.detail.contains("either is possible"),
            "{}",
            explained.detail
        );
        assert!(
            explained.detail.contains("\"85\" instead of \"085\""),
            "{}",
            explained.detail
        );
        assert!(
            explained.detail.contains(
                "gained 1 trailing 0 on its way (signed as \"2024-03-15 11:20:30 +010\")"
            ),
            "{}",
            explained.detail
        );
        // A timestamp that does not end in 0 leaves one reading.
        let sig = sign(&ApiKey::new("prod-key").unwrap(), TS, "85");
        let explained = e.explain(TS, &sig);
        assert!(!explained.detail.contains("either"), "{}", explained.detail);
        // A partner ID that gained a leading zero reads as a timestamp that lost a trailing one.
        let short = credential("live", Environment::Production, "prod-key", "85");
        let e = Explainer::new(std::slice::from_ref(&short), &[]);
        let sig = sign(&ApiKey::new("prod-key").unwrap(), TS, "085");
        let explained = e.explain(TS, &sig);
        assert_eq!(explained.cause, Cause::PartnerIdZeroPadding);
        assert!(
            explained.detail.contains("lost 1 trailing 0"),
            "{}",
            explained.detail
        );
    }

    #[test]
    fn padding_variants() {
        assert_eq!(
            zero_padding_variants("085"),
            ["85", "0085", "00085", "000085", "0000085", "00000085"]
        );
        assert_eq!(zero_padding_variants("85")[0], "085");
        // Whatever the length: a seven-digit ID with a zero gained or lost.
        assert!(zero_padding_variants("1234567").contains(&"01234567".to_owned()));
        assert_eq!(zero_padding_variants("01234567")[0], "1234567");
        assert!(zero_padding_variants("85").contains(&"0000085".to_owned()));
        assert!(zero_padding_variants("abc").is_empty());
    }
}
