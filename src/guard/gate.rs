//! What the gate decides before anything is forwarded, in the order it checks: the source
//! address, then the body as a callback (a JSON object, its signature, its freshness). The
//! verdict on a callback is `verify`'s own ([`Verifier::check`], fields read by `scan` and
//! `payload`), so `guard` and `verify` never disagree. Replays are the store's ([`super::claims`]).

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;

use super::claims::Pair;
use super::reason::status_of;
use crate::callbacks::canonical::{self, Scratch};
use crate::callbacks::verdict::{Candidate, Reason, Verdict, Verifier, Window};
use crate::ingest::fast::scan;
use crate::ingest::payload::{self, Item, Signed};
use crate::ip::allowlist::{AddressVerdict, Allowlist};
use crate::ip::proxy;
use crate::keys::credentials::Credential;

/// Longest client text kept for the log when the address cannot be read (it comes from a header
/// anyone can write).
const MAX_CLIENT_TEXT: usize = 64;

#[derive(Debug)]
pub struct Gate {
    /// Shared by every connection: each callback is checked at the now it came.
    verifier: Verifier,
    allowlist: Allowlist,
    trusted: Vec<IpNet>,
}

/// The client a request is taken to come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Its canonical address, or (cut short) what stood where the address should be.
    pub text: String,
    pub allowed: bool,
}

/// A callback that passed signature and freshness, ready to be claimed.
#[derive(Debug)]
pub struct Accepted {
    pub pair: Pair,
    /// Which key signed it, and when it turns stale, for the store's answer
    /// ([`Verdict::claimed`]).
    pub verdict: Verdict,
}

/// A callback that did not pass: the status and reason code the sender gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: hyper::StatusCode,
    pub reason: &'static str,
    pub key_id: Option<Arc<str>>,
}

impl Gate {
    pub fn new(
        credentials: &[Credential],
        max_age: Duration,
        max_future: Duration,
        allowlist: Allowlist,
        trusted: Vec<IpNet>,
    ) -> Self {
        let candidates: Vec<Candidate> = credentials
            .iter()
            .map(|credential| {
                let mut candidate = Candidate::new(credential);
                // The app and the log are told which key matched: a key given alone has no
                // key-file id, and is named by its fingerprint as every output names it.
                if candidate.key_id.is_none() {
                    candidate.key_id = Some(Arc::from(credential.key.fingerprint()));
                }
                candidate
            })
            .collect();
        let verifier = Verifier::new(
            candidates,
            Window {
                max_age: Some(max_age),
                max_future,
            },
        );
        Gate {
            verifier,
            allowlist,
            trusted,
        }
    }

    /// The client behind `peer`, found through X-Forwarded-For only past trusted proxies (as
    /// nginx's `real_ip_recursive on` does), and whether it is on the allowlist.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> Client {
        let peer = peer.to_string();
        let choice = proxy::client(&peer, forwarded_for, &self.trusted);
        let text = match &choice.address {
            Ok(address) => address.to_string(),
            Err(_) => choice.text.chars().take(MAX_CLIENT_TEXT).collect(),
        };
        let allowed =
            self.allowlist.check_parsed(choice.address).verdict() == AddressVerdict::Allowed;
        Client { text, allowed }
    }

    /// The body as a callback: a JSON object whose signature and freshness pass at `now`.
    pub fn judge(&self, body: &[u8], now: DateTime<Utc>) -> Result<Accepted, Refused> {
        let refused = |reason: Reason, key_id| Refused {
            status: status_of(reason),
            reason: reason.as_str(),
            key_id,
        };
        // A byte-order mark before the object is skipped, as `verify` skips it at the start of
        // a file (the app still gets the body as it came).
        let body = crate::input::without_bom(body);
        // The fast reader answers only when it agrees with serde_json; otherwise serde_json says.
        let parsed;
        let signed: Signed<'_> = match scan::signed_fields(body) {
            Some(signed) => signed,
            None => {
                parsed = payload::parse_item(body);
                match &parsed {
                    Item::Callback(callback) => callback.signed.clone(),
                    Item::NotAnObject => return Err(refused(Reason::NotAnObject, None)),
                    Item::ParseError(_) => return Err(refused(Reason::ParseError, None)),
                }
            }
        };
        let verdict = self.verifier.check(&signed, now);
        if verdict.reason != Reason::Ok {
            return Err(refused(verdict.reason, verdict.key_id));
        }
        let (Some(timestamp), Some(signature)) =
            (signed.timestamp.as_str(), signed.signature.as_str())
        else {
            return Err(refused(Reason::MissingSignature, None));
        };
        // The partner ID of the key that matched, which the pair is recorded with.
        let Some(partner_id) = verdict.partner_id.as_deref().map(str::to_owned) else {
            return Err(refused(Reason::BadSignature, None));
        };
        let Some(body) = canonical_body(body) else {
            return Err(refused(Reason::ParseError, None));
        };
        Ok(Accepted {
            verdict,
            pair: Pair {
                partner_id,
                timestamp: timestamp.to_owned(),
                signature: signature.to_owned(),
                body,
            },
        })
    }
}

/// The canonical text of a callback's body, as replay detection compares bodies.
fn canonical_body(json: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    canonical::item_body(json, &mut Scratch::default(), &mut out).map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::allowlist::parse_net;
    use crate::keys::keyfile::Environment;
    use crate::signing::secret::ApiKey;
    use crate::signing::signature::sign;

    fn gate() -> Gate {
        let credential = Credential {
            key: ApiKey::new("k").unwrap(),
            key_id: Some("live".into()),
            environment: Some(Environment::Production),
            partner_id: "085".into(),
            retired: None,
            retired_itself: false,
        };
        Gate::new(
            &[credential],
            Duration::minutes(10),
            Duration::minutes(5),
            Allowlist::built_in(Some(Environment::Production)),
            vec![parse_net("10.0.0.0/8").unwrap()],
        )
    }

    fn body(timestamp: &str, rest: &str) -> String {
        let signature = sign(&ApiKey::new("k").unwrap(), timestamp, "085");
        format!(r#"{{"signature":"{signature}","timestamp":"{timestamp}"{rest}}}"#)
    }

    #[test]
    fn sources_are_walked_as_nginx_realip_does() {
        let gate = gate();
        let listed = "34.240.137.52";
        let peer = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(gate.client(peer(listed), &[]).allowed);
        assert!(!gate.client(peer("203.0.113.9"), &[listed]).allowed);
        let behind = gate.client(peer("10.0.0.7"), &["203.0.113.9, 34.240.137.52"]);
        assert_eq!((behind.text.as_str(), behind.allowed), (listed, true));
        let forged = gate.client(peer("10.0.0.7"), &["34.240.137.52, 203.0.113.9"]);
        assert_eq!(
            (forged.text.as_str(), forged.allowed),
            ("203.0.113.9", false)
        );
        assert!(!gate.client(peer("::ffff:10.0.0.7"), &["garbage"]).allowed);
        // A sandbox source is not let into a production gate.
        assert!(!gate.client(peer("35.166.227.53"), &[]).allowed);
    }

    #[test]
    fn callbacks_get_verify_verdicts() {
        let gate = gate();
        let now = Utc::now();
        let fresh = crate::time::format_signing_timestamp(now);
        let accepted = gate
            .judge(body(&fresh, r#","b":1,"a":2"#).as_bytes(), now)
            .unwrap();
        assert_eq!(accepted.verdict.key_id.as_deref(), Some("live"));
        assert_eq!(accepted.pair.partner_id, "085");
        assert_eq!(accepted.pair.body, br#"{"a":2,"b":1}"#);
        // With a byte-order mark before it, as `verify` reads a file: the same pair and body.
        let marked = format!("\u{feff}{}", body(&fresh, r#","b":1,"a":2"#));
        let again = gate.judge(marked.as_bytes(), now).unwrap();
        assert_eq!(again.pair.body, accepted.pair.body);
        let reason = |json: &str| gate.judge(json.as_bytes(), now).unwrap_err();
        assert_eq!(reason("[1]").reason, "not_an_object");
        assert_eq!(reason("{").status, hyper::StatusCode::BAD_REQUEST);
        let twice = format!(r#"{{"signature":"x",{}"#, &body(&fresh, "")[1..]);
        assert_eq!(reason(&twice).reason, "parse_error");
        let stale = crate::time::format_signing_timestamp(now - Duration::minutes(11));
        let refused = reason(&body(&stale, ""));
        assert_eq!(
            (refused.status, refused.reason),
            (hyper::StatusCode::UNAUTHORIZED, "stale")
        );
        assert_eq!(refused.key_id.as_deref(), Some("live"));
        let forged = body(&fresh, "").replace(&fresh, &stale);
        assert_eq!(reason(&forged).reason, "bad_signature");
    }
}
