//! `verify --explain`: for a callback whose signature fails, try the usual mistakes one at a time
//! and name the single change that makes it match (cli-contract §9).
//!
//! An explanation names the hypothesis that matched and nothing more: never a key, never an
//! expected signature, so `--explain` cannot be used as a signing oracle.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde::Serialize;

use crate::credentials::Credential;
use crate::keyfile::Environment;
use crate::secret::ApiKey;
use crate::signature::{DecodedSignature, Signer};

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
}

impl Suspect {
    fn new(c: &Credential) -> Self {
        Suspect {
            key_id: c.key_id.clone(),
            environment: c.environment,
            partner_id: c.partner_id.clone(),
            key: c.key.clone(),
            signer: Signer::new(&c.key),
        }
    }

    fn name(&self) -> String {
        match (&self.key_id, self.environment) {
            (Some(id), Some(env)) => format!("key `{id}` ({env})"),
            (Some(id), None) => format!("key `{id}`"),
            (None, _) => format!("the given key ({})", self.key.fingerprint()),
        }
    }
}

/// Tries the hypotheses of §9 in a fixed order.
#[derive(Debug)]
pub struct Explainer {
    /// The keys `verify` tried.
    tried: Vec<Suspect>,
    /// Key-file keys the filters left out.
    others: Vec<Suspect>,
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
        Explainer { tried, others }
    }

    /// Explains why `signature` does not verify for `timestamp`.
    pub fn explain(&self, timestamp: &str, signature: &str) -> Explanation {
        let strict = DecodedSignature::parse(signature).ok();
        let Some(sig) = strict else {
            return self.explain_encoding(timestamp, signature);
        };
        self.other_key(timestamp, &sig)
            .or_else(|| self.partner_padding(timestamp, &sig))
            .or_else(|| self.key_whitespace(timestamp, &sig))
            .unwrap_or_else(unknown)
    }

    fn explain_encoding(&self, timestamp: &str, signature: &str) -> Explanation {
        // Node's SDK decodes leniently, so these spellings circulate.
        let spellings: [(&GeneralPurpose, &str); 3] = [
            (&STANDARD_NO_PAD, "unpadded standard base64"),
            (&URL_SAFE, "base64url"),
            (&URL_SAFE_NO_PAD, "unpadded base64url"),
        ];
        for (engine, name) in spellings {
            let Ok(bytes) = engine.decode(signature.trim()) else {
                continue;
            };
            let Ok(raw) = <[u8; 32]>::try_from(bytes) else {
                continue;
            };
            let sig = DecodedSignature(raw);
            if let Some(s) = self
                .tried
                .iter()
                .find(|s| s.signer.matches(timestamp, &s.partner_id, &sig))
            {
                return Explanation {
                    cause: Cause::SignatureEncoding,
                    detail: format!(
                        "the signature matches {} once read as {name}; Smile ID sends padded standard base64 (+, /, =), so something re-encoded it",
                        s.name()
                    ),
                };
            }
        }
        Explanation {
            cause: Cause::Unknown,
            detail: "the signature is not a 32-byte signature in any base64 spelling that matches"
                .into(),
        }
    }

    fn other_key(&self, timestamp: &str, sig: &DecodedSignature) -> Option<Explanation> {
        let hit = self
            .others
            .iter()
            .find(|s| s.signer.matches(timestamp, &s.partner_id, sig))?;
        let tried_envs: Vec<Environment> =
            self.tried.iter().filter_map(|s| s.environment).collect();
        let other_environment = hit
            .environment
            .is_some_and(|env| !tried_envs.is_empty() && !tried_envs.contains(&env));
        Some(if other_environment {
            Explanation {
                cause: Cause::WrongEnvironmentKey,
                detail: format!(
                    "the signature matches {}, the {} key; only {} keys were tried",
                    hit.name(),
                    hit.environment.map_or("other", Environment::as_str),
                    tried_envs[0]
                ),
            }
        } else {
            Explanation {
                cause: Cause::OtherKey,
                detail: format!(
                    "the signature matches {}, which the filters left out",
                    hit.name()
                ),
            }
        })
    }

    fn partner_padding(&self, timestamp: &str, sig: &DecodedSignature) -> Option<Explanation> {
        for s in &self.tried {
            for variant in zero_padding_variants(&s.partner_id) {
                if s.signer.matches(timestamp, &variant, sig) {
                    return Some(Explanation {
                        cause: Cause::PartnerIdZeroPadding,
                        detail: format!(
                            "the signature matches {} with partner ID \"{variant}\" instead of \"{}\"; partner IDs are signed byte for byte",
                            s.name(),
                            s.partner_id
                        ),
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
                    return Some(Explanation {
                        cause: Cause::KeyWhitespace,
                        detail: format!(
                            "the signature matches {} with {change}; one copy of the key has stray white space",
                            s.name()
                        ),
                    });
                }
            }
        }
        None
    }
}

fn unknown() -> Explanation {
    Explanation {
        cause: Cause::Unknown,
        detail: "no single usual mistake explains it: the callback may be forged or altered, or signed with a key not at hand".into(),
    }
}

/// `085` → `85`; `85` → `085`, `0085`; only for all-digit partner IDs.
fn zero_padding_variants(partner_id: &str) -> Vec<String> {
    if partner_id.is_empty() || !partner_id.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mut variants = Vec::new();
    let trimmed = partner_id.trim_start_matches('0');
    if !trimmed.is_empty() && trimmed != partner_id {
        variants.push(trimmed.to_owned());
    }
    for width in (trimmed.len() + 1)..=6 {
        let padded = format!("{trimmed:0>width$}");
        if padded != partner_id {
            variants.push(padded);
        }
    }
    variants
}

/// White space a copy of a key picks up on its way (an editor's last newline, a CRLF file, a blank
/// line after it, a value pasted between spaces or after a tab), as what comes before and after
/// the key, and how to say so without showing the key.
const PICKED_UP: [(&[u8], &[u8], &str); 9] = [
    (b"", b"\n", "a trailing newline added to the key"),
    (b"", b"\r\n", "a trailing newline added to the key"),
    (b"", b"\n\n", "two trailing newlines added to the key"),
    (b"", b"\r", "a trailing carriage return added to the key"),
    (b"", b" ", "a trailing space added to the key"),
    (b" ", b"", "a leading space added to the key"),
    (b" ", b" ", "a space added on each side of the key"),
    (b"", b"\t", "a trailing tab added to the key"),
    (b"\t", b"", "a leading tab added to the key"),
];

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
    for (before, after, change) in PICKED_UP {
        variants.push(([before, key, after].concat(), change));
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::sign;

    const TS: &str = "2026-11-20T10:00:00.000Z";

    fn credential(id: &str, env: Environment, key: &str, partner: &str) -> Credential {
        Credential {
            key: ApiKey::new(key).unwrap(),
            key_id: Some(id.into()),
            environment: Some(env),
            partner_id: partner.into(),
            retired: None,
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
        for s in [url_unpadded, unpadded] {
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
    }

    #[test]
    fn same_environment_key_is_other_key() {
        let a = credential("a", Environment::Sandbox, "key-a", "085");
        let b = credential("b", Environment::Sandbox, "key-b", "085");
        let e = Explainer::new(std::slice::from_ref(&a), &[a.clone(), b]);
        assert_eq!(
            e.explain(TS, &signed("key-b", "085")).cause,
            Cause::OtherKey
        );
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
    fn padding_variants() {
        assert_eq!(
            zero_padding_variants("085"),
            ["85", "0085", "00085", "000085"]
        );
        assert_eq!(zero_padding_variants("85")[0], "085");
        assert!(zero_padding_variants("abc").is_empty());
    }
}
