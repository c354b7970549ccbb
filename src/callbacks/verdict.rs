//! The verdict on one saved callback: signature first (constant time, every candidate key), then
//! freshness (`future`, `stale`), then the key's retirement ([`Verifier::check`]); then, for an
//! accepted callback, replay against the callbacks accepted before it ([`judge_replay`]). Reading
//! and framing input is `ingest::payload`'s job; printing is the command's.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::callbacks::replay::{PairId, ReplayLog, SeenBody};
use crate::callbacks::store::Claim;
use crate::ingest::payload::{Field, Signed};
use crate::keys::credentials::Credential;
use crate::keys::keyfile::Environment;
use crate::signing::signature::{DecodedSignature, Signer};
use crate::time::{Zone, parse_callback_timestamp};

/// Why a callback passed or failed; serialised as the contract's reason codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Ok,
    BadSignature,
    MissingSignature,
    MissingTimestamp,
    MalformedSignature,
    Stale,
    Future,
    BadTimestamp,
    RetiredKey,
    Replayed,
    NotAnObject,
    ParseError,
}

impl Reason {
    /// Every reason, in the order the help lists them.
    pub const ALL: [Reason; 12] = [
        Reason::Ok,
        Reason::BadSignature,
        Reason::MissingSignature,
        Reason::MissingTimestamp,
        Reason::MalformedSignature,
        Reason::Stale,
        Reason::Future,
        Reason::BadTimestamp,
        Reason::RetiredKey,
        Reason::Replayed,
        Reason::NotAnObject,
        Reason::ParseError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Ok => "ok",
            Reason::BadSignature => "bad_signature",
            Reason::MissingSignature => "missing_signature",
            Reason::MissingTimestamp => "missing_timestamp",
            Reason::MalformedSignature => "malformed_signature",
            Reason::Stale => "stale",
            Reason::Future => "future",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::RetiredKey => "retired_key",
            Reason::Replayed => "replayed",
            Reason::NotAnObject => "not_an_object",
            Reason::ParseError => "parse_error",
        }
    }

    /// Input that could not be understood (exit 2), as opposed to a failed check (exit 1).
    pub fn is_error(self) -> bool {
        matches!(self, Reason::NotAnObject | Reason::ParseError)
    }
}

/// The freshness window around the now a callback is judged at: dated before now − `max_age`
/// it is stale, after now + `max_future` it is from the future. A replay store keeps each entry
/// as long as a replay of it could still pass this window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `None`: no `--max-age`, callbacks never turn stale.
    pub max_age: Option<Duration>,
    pub max_future: Duration,
}

/// A key to try, prepared once: its keyed HMAC state is reused for every callback.
#[derive(Debug)]
pub struct Candidate {
    pub key_id: Option<Arc<str>>,
    pub environment: Option<Environment>,
    pub partner_id: String,
    /// The partner ID again, shared with the verdicts of the callbacks this key accepts.
    partner: Arc<str>,
    /// For a retired key: when it was rotated out.
    pub retired: Option<DateTime<Utc>>,
    /// Its key-file entry says `retired` itself (see [`Credential::retired_itself`]).
    retired_itself: bool,
    signer: Signer,
}

impl Candidate {
    pub fn new(credential: &Credential) -> Self {
        Candidate {
            key_id: credential.key_id.as_deref().map(Arc::from),
            environment: credential.environment,
            partner_id: credential.partner_id.clone(),
            partner: Arc::from(credential.partner_id.as_str()),
            retired: credential.retired,
            retired_itself: credential.retired_itself,
            signer: Signer::new(&credential.key),
        }
    }
}

/// The verdict on one callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub reason: Reason,
    /// The key-file id of the key that matched (`None` for a key given outside the key file;
    /// the gate names such a key by its fingerprint instead).
    pub key_id: Option<Arc<str>>,
    /// The partner ID of the key that matched (what a replay store records with the pair).
    pub partner_id: Option<Arc<str>>,
    pub age_seconds: Option<i64>,
    /// The timestamp had no offset and was read as UTC.
    pub assumed_utc: bool,
    /// The pair was seen before with the same body (an honest resend).
    pub duplicate: bool,
    /// A short explanation for a failure, safe to print (never a key or expected signature).
    pub detail: Option<String>,
    /// For a callback that passed signature and freshness: its pair, for replay checks.
    pub accepted: Option<PairId>,
    /// For an accepted callback under a `--max-age`: the moment it turns stale.
    pub fresh_until: Option<DateTime<Utc>>,
}

impl Verdict {
    pub fn new(reason: Reason) -> Self {
        Verdict {
            reason,
            key_id: None,
            partner_id: None,
            age_seconds: None,
            assumed_utc: false,
            duplicate: false,
            detail: None,
            accepted: None,
            fresh_until: None,
        }
    }

    /// Takes the replay store's answer for this accepted callback, given by `answered` (the
    /// clock when the answer came): a resend stays `ok`, marked duplicate; a replay fails.
    ///
    /// A pair new to the store is trusted only if the callback was still fresh when the store
    /// answered. Its first sighting's entry lasts until at least that callback turns stale, so a
    /// store that took long (a stall, a busy lock) may have let that entry expire meanwhile:
    /// then a replay cannot be told from a first sighting, and the callback fails as `stale`.
    pub fn claimed(&mut self, claim: Claim, answered: DateTime<Utc>) {
        match claim {
            Claim::New if self.fresh_until.is_some_and(|until| until < answered) => {
                self.reason = Reason::Stale;
                self.detail = Some(
                    "it turned stale while the replay store recorded it, so a replay of an \
                     entry that expired meanwhile could not be told apart"
                        .into(),
                );
            }
            Claim::New => {}
            Claim::Resend => self.duplicate = true,
            Claim::Replay => {
                self.reason = Reason::Replayed;
                self.detail = Some(
                    "this timestamp and signature arrived earlier with a different body \
                     (recorded in the replay store)"
                        .into(),
                );
            }
        }
    }

    fn failed(mut self, reason: Reason) -> Self {
        self.reason = reason;
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Checks callbacks against a set of keys and a freshness window. It holds no state between
/// callbacks, so several threads can share one; replays are judged afterwards, in input order,
/// by [`judge_replay`].
#[derive(Debug)]
pub struct Verifier {
    candidates: Vec<Candidate>,
    window: Window,
    /// Name accepted pairs as a replay store does ([`PairId::of`]), not [`PairId::unhashed`].
    hashed_pairs: bool,
}

impl Verifier {
    pub fn new(candidates: Vec<Candidate>, window: Window) -> Self {
        Verifier {
            candidates,
            window,
            hashed_pairs: true,
        }
    }

    /// For a run whose replay log stays in memory (no `--seen` store): pairs are named by the
    /// signature's own bytes, which saves hashing every accepted one.
    pub fn with_unhashed_pairs(self) -> Self {
        Verifier {
            hashed_pairs: false,
            ..self
        }
    }

    /// Signature, then freshness at `now`. A callback that passes both carries its pair in
    /// `accepted`, ready for [`judge_replay`]. The keys are prepared once; `now` is each
    /// callback's own, so a long-running check judges each by when it came.
    pub fn check(&self, signed: &Signed<'_>, now: DateTime<Utc>) -> Verdict {
        // The age first, whatever fails after: it helps diagnose, and a readable timestamp
        // always has one (`age_seconds` is null only when the time cannot be read).
        let mut verdict = Verdict::new(Reason::Ok);
        let instant = signed
            .timestamp
            .as_str()
            .and_then(|text| parse_callback_timestamp(text).ok());
        if let Some((at, zone)) = instant {
            verdict.age_seconds = Some((now - at).num_seconds());
            verdict.assumed_utc = zone == Zone::AssumedUtc;
        }
        let signature_text = match &signed.signature {
            Field::Missing => return verdict.failed(Reason::MissingSignature),
            Field::NotString => {
                return verdict
                    .failed(Reason::MalformedSignature)
                    .detail("`signature` is not a string");
            }
            Field::Str(s) => s,
        };
        let timestamp = match &signed.timestamp {
            Field::Missing => return verdict.failed(Reason::MissingTimestamp),
            Field::NotString => {
                return verdict
                    .failed(Reason::MissingTimestamp)
                    .detail("`timestamp` is not a string");
            }
            Field::Str(s) => s.as_ref(),
        };
        let signature = match DecodedSignature::parse(signature_text) {
            Ok(sig) => sig,
            Err(e) => {
                return verdict
                    .failed(Reason::MalformedSignature)
                    .detail(e.to_string());
            }
        };
        // Every candidate is tried; each comparison is constant time. A secret retired before
        // the callback's time stays retired even where another entry lists it as active: Smile
        // ID disabled the secret itself, so that entry is out of date, not a way back in.
        let retired_before = |c: &Candidate| {
            c.retired
                .is_some_and(|retired| instant.is_none_or(|(at, _)| at > retired))
        };
        let mut matching = self
            .candidates
            .iter()
            .filter(|c| c.signer.matches(timestamp, &c.partner_id, &signature));
        let Some(first) = matching.next() else {
            return verdict.failed(Reason::BadSignature);
        };
        // The key named: a retired one when the secret was retired before the callback's time,
        // and then the entry that says so itself, not one that only shares its secret.
        let key = std::iter::once(first)
            .chain(matching)
            .min_by_key(|c| {
                let retired = retired_before(c);
                (!retired, !(retired && c.retired_itself))
            })
            .unwrap_or(first);
        verdict.key_id.clone_from(&key.key_id);
        verdict.partner_id = Some(key.partner.clone());
        let Some((at, _)) = instant else {
            return verdict.failed(Reason::BadTimestamp).detail(format!(
                "cannot read `{}` as a time to check freshness",
                timestamp
            ));
        };
        let Window {
            max_age,
            max_future,
        } = self.window;
        // Retirement is judged after freshness, the order the documented checks run in; a
        // callback outside the window that a retired key signed still says so in its detail,
        // since it means someone holds a copy of that key.
        let retired = key.retired.filter(|&retired| at > retired).map(|retired| {
            format!(
                "signed by a key retired at {}: Smile ID no longer signs with it, so whoever signed this has a copy",
                retired.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        });
        let failed = |verdict: Verdict, reason| {
            let verdict = verdict.failed(reason);
            match &retired {
                Some(note) => verdict.detail(note.clone()),
                None => verdict,
            }
        };
        // Checked: a window wider than the calendar has no bound on that side.
        if now
            .checked_add_signed(max_future)
            .is_some_and(|latest| at > latest)
        {
            return failed(verdict, Reason::Future);
        }
        if max_age
            .and_then(|max| now.checked_sub_signed(max))
            .is_some_and(|earliest| at < earliest)
        {
            return failed(verdict, Reason::Stale);
        }
        if retired.is_some() {
            return failed(verdict, Reason::RetiredKey);
        }
        verdict.accepted = Some(if self.hashed_pairs {
            PairId::of(&signature)
        } else {
            PairId::unhashed(&signature)
        });
        verdict.fresh_until = max_age.and_then(|max| at.checked_add_signed(max));
        verdict
    }
}

/// Judges an accepted callback against the pairs accepted before it: a pair seen with another body
/// is `replayed`; with the same body it is an honest resend, still `ok` but marked duplicate.
///
/// `body` is what the log keeps of this callback. Bodies are compared only when a pair repeats, by
/// `same_body` (see [`replay::same_body`](crate::callbacks::replay::same_body)), given what was kept of the
/// earlier one. A body that cannot be read back counts as different: a resend may be flagged, a
/// replay never passes.
pub fn judge_replay(
    log: &mut ReplayLog,
    verdict: &mut Verdict,
    body: SeenBody,
    same_body: impl FnOnce(&mut SeenBody) -> Option<bool>,
) {
    let Some(pair) = verdict.accepted else {
        return;
    };
    let Some(earlier) = log.sight(pair, body) else {
        return;
    };
    match same_body(earlier) {
        Some(true) => verdict.duplicate = true,
        Some(false) => {
            verdict.reason = Reason::Replayed;
            verdict.detail =
                Some("this timestamp and signature arrived earlier with a different body".into());
        }
        None => {
            verdict.reason = Reason::Replayed;
            verdict.detail = Some(
                "this timestamp and signature arrived earlier, and that body could not be read \
                 again to compare (did the file change?)"
                    .into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn all_lists_every_reason_once() {
        // A new variant stops this match compiling until it is given a place in `ALL`.
        let place = |r: Reason| match r {
            Reason::Ok => 0,
            Reason::BadSignature => 1,
            Reason::MissingSignature => 2,
            Reason::MissingTimestamp => 3,
            Reason::MalformedSignature => 4,
            Reason::Stale => 5,
            Reason::Future => 6,
            Reason::BadTimestamp => 7,
            Reason::RetiredKey => 8,
            Reason::Replayed => 9,
            Reason::NotAnObject => 10,
            Reason::ParseError => 11,
        };
        let places: Vec<usize> = Reason::ALL.into_iter().map(place).collect();
        assert_eq!(places, (0..Reason::ALL.len()).collect::<Vec<_>>());
    }

    use super::*;
    use crate::callbacks::replay::{Fingerprints, Location, body_digest, same_body};
    use crate::ingest::payload::{Item, parse_item};
    use crate::signing::secret::ApiKey;
    use crate::signing::signature::sign;
    use crate::time::parse_rfc3339;

    const NOW: &str = "2026-11-20T10:05:00Z";

    fn now() -> DateTime<Utc> {
        parse_rfc3339(NOW).unwrap()
    }

    fn verifier(max_age: Option<&str>) -> Verifier {
        let credential = Credential {
            key: ApiKey::new("k").unwrap(),
            key_id: Some("main".into()),
            environment: Some(Environment::Sandbox),
            partner_id: "085".into(),
            retired: None,
            retired_itself: false,
        };
        Verifier::new(
            vec![Candidate::new(&credential)],
            Window {
                max_age: max_age.map(|d| crate::time::parse_duration(d).unwrap()),
                max_future: Duration::minutes(5),
            },
        )
    }

    fn callback(timestamp: &str, extra: &str) -> String {
        let sig = sign(&ApiKey::new("k").unwrap(), timestamp, "085");
        format!(r#"{{"signature":"{sig}","timestamp":"{timestamp}"{extra}}}"#)
    }

    fn reason(v: &Verifier, json: &str) -> Reason {
        judged(v, &mut ReplayLog::default(), json).reason
    }

    fn judged(v: &Verifier, log: &mut ReplayLog, json: &str) -> Verdict {
        match parse_item(json.as_bytes()) {
            Item::Callback(cb) => {
                let mut verdict = v.check(&cb.signed, now());
                let digest = body_digest(&cb).prefix();
                judge_replay(log, &mut verdict, SeenBody::digest(digest), |earlier| {
                    same_body(earlier, json.as_bytes(), &Fingerprints::default(), |_| None)
                });
                verdict
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reasons() {
        let v = verifier(Some("1h"));
        assert_eq!(
            reason(&v, &callback("2026-11-20T10:00:00.123Z", "")),
            Reason::Ok
        );
        assert_eq!(
            reason(&v, &callback("2026-11-20T08:00:00.123Z", "")),
            Reason::Stale
        );
        assert_eq!(
            reason(&v, &callback("2026-11-20T10:10:01Z", "")),
            Reason::Future
        );
        assert_eq!(
            reason(&v, &callback("2026-11-20T10:10:00Z", "")),
            Reason::Ok
        );
        assert_eq!(reason(&v, &callback("soon", "")), Reason::BadTimestamp);
        assert_eq!(reason(&v, r#"{"timestamp":"x"}"#), Reason::MissingSignature);
        assert_eq!(reason(&v, r#"{"signature":"x"}"#), Reason::MissingTimestamp);
        assert_eq!(
            reason(&v, r#"{"signature":"x","timestamp":"y"}"#),
            Reason::MalformedSignature
        );
        let wrong =
            callback("2026-11-20T10:00:00.123Z", "").replace("10:00:00.123Z", "10:00:00.124Z");
        assert_eq!(reason(&v, &wrong), Reason::BadSignature);
    }

    #[test]
    fn a_new_claim_is_trusted_only_while_the_callback_is_fresh() {
        let v = verifier(Some("1h"));
        let json = callback("2026-11-20T10:00:00Z", "");
        let Item::Callback(cb) = parse_item(json.as_bytes()) else {
            panic!()
        };
        let accepted = v.check(&cb.signed, now());
        assert_eq!(
            accepted.fresh_until,
            parse_rfc3339("2026-11-20T11:00:00Z").ok()
        );
        // A new pair is trusted until the callback turns stale; an entry that was found is an
        // answer whenever it comes.
        for (claim, at, expected) in [
            (Claim::New, "2026-11-20T11:00:00Z", (Reason::Ok, false)),
            (Claim::New, "2026-11-20T11:00:01Z", (Reason::Stale, false)),
            (Claim::Resend, "2026-11-20T12:00:00Z", (Reason::Ok, true)),
            (
                Claim::Replay,
                "2026-11-20T12:00:00Z",
                (Reason::Replayed, false),
            ),
        ] {
            let mut verdict = accepted.clone();
            verdict.claimed(claim, parse_rfc3339(at).unwrap());
            assert_eq!(
                (verdict.reason, verdict.duplicate),
                expected,
                "{claim:?} at {at}"
            );
        }
        // Without --max-age nothing turns stale, and no entry expires.
        let forever = verifier(None).check(&cb.signed, now());
        assert_eq!(forever.fresh_until, None);
        let mut verdict = forever;
        verdict.claimed(Claim::New, parse_rfc3339("2030-01-01T00:00:00Z").unwrap());
        assert_eq!(verdict.reason, Reason::Ok);
    }

    #[test]
    fn one_verifier_judges_each_callback_at_its_own_now() {
        let v = verifier(Some("1h"));
        let json = callback("2026-11-20T10:00:00.123Z", "");
        let Item::Callback(cb) = parse_item(json.as_bytes()) else {
            panic!()
        };
        let at = |now: &str| {
            let verdict = v.check(&cb.signed, parse_rfc3339(now).unwrap());
            (verdict.reason, verdict.age_seconds)
        };
        assert_eq!(at("2026-11-20T09:50:00Z"), (Reason::Future, Some(-600)));
        assert_eq!(at("2026-11-20T10:00:01Z"), (Reason::Ok, Some(0)));
        assert_eq!(at("2026-11-20T11:00:01Z"), (Reason::Stale, Some(3600)));
    }

    #[test]
    fn a_retired_key_signs_nothing_after_its_retirement() {
        let key = ApiKey::new("k").unwrap();
        let retired_at = parse_rfc3339("2026-11-01T00:00:00Z").unwrap();
        let entry = |id: &str, retired: Option<DateTime<Utc>>| {
            Candidate::new(&Credential {
                key: key.clone(),
                key_id: Some(id.into()),
                environment: Some(Environment::Sandbox),
                partner_id: "085".into(),
                retired,
                retired_itself: retired.is_some(),
            })
        };
        let window = Window {
            max_age: None,
            max_future: Duration::minutes(5),
        };
        let retired_only = Verifier::new(vec![entry("old", Some(retired_at))], window);
        let check = |v: &Verifier, ts: &str| {
            let verdict = judged(v, &mut ReplayLog::default(), &callback(ts, ""));
            (verdict.reason, verdict.key_id.as_deref().map(str::to_owned))
        };
        assert_eq!(
            check(&retired_only, "2026-10-31T23:59:59Z"),
            (Reason::Ok, Some("old".into()))
        );
        // The very moment of retirement still passes; a second after does not.
        assert_eq!(check(&retired_only, "2026-11-01T00:00:00Z").0, Reason::Ok);
        assert_eq!(
            check(&retired_only, "2026-11-01T00:00:01Z"),
            (Reason::RetiredKey, Some("old".into()))
        );
        assert_eq!(check(&retired_only, "soon").0, Reason::BadTimestamp);
        // Outside the window, a retired key's callback fails for its time first.
        let windowed = Verifier::new(
            vec![entry("old", Some(retired_at))],
            Window {
                max_age: Some(Duration::days(1)),
                ..window
            },
        );
        assert_eq!(check(&windowed, "2026-11-01T00:00:01Z").0, Reason::Stale);
        assert_eq!(check(&windowed, "2026-11-20T10:11:00Z").0, Reason::Future);
        // ... and still says which key it was, and what that means.
        let stale = judged(
            &windowed,
            &mut ReplayLog::default(),
            &callback("2026-11-01T00:00:01Z", ""),
        );
        assert!(
            stale
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("retired at")),
            "{:?}",
            stale.detail
        );
        assert_eq!(
            check(&windowed, "2026-11-20T09:00:00Z").0,
            Reason::RetiredKey
        );
        // The same secret also listed by an active entry, before or after the retired one, is
        // still the retired secret; before its retirement, the first entry is the match.
        for (candidates, first) in [
            (
                vec![entry("old", Some(retired_at)), entry("new", None)],
                "old",
            ),
            (
                vec![entry("new", None), entry("old", Some(retired_at))],
                "new",
            ),
        ] {
            let both = Verifier::new(candidates, window);
            assert_eq!(
                check(&both, "2026-11-20T10:00:00Z"),
                (Reason::RetiredKey, Some("old".into()))
            );
            assert_eq!(
                check(&both, "2026-10-31T23:59:59Z"),
                (Reason::Ok, Some(first.into()))
            );
        }
    }

    #[test]
    fn a_readable_timestamp_has_an_age_whatever_else_fails() {
        let v = verifier(Some("1h"));
        let check = |json: &str| judged(&v, &mut ReplayLog::default(), json);
        let ts = "2026-11-20T10:04:00Z"; // a minute before NOW
        let signed = |signature: &str| format!(r#"{{"signature":{signature},"timestamp":"{ts}"}}"#);
        let good = format!("\"{}\"", sign(&ApiKey::new("k").unwrap(), ts, "085"));
        let other = format!("\"{}\"", sign(&ApiKey::new("k2").unwrap(), ts, "085"));
        for (json, reason) in [
            (
                format!(r#"{{"timestamp":"{ts}"}}"#),
                Reason::MissingSignature,
            ),
            (signed("null"), Reason::MalformedSignature),
            (signed("7"), Reason::MalformedSignature),
            (signed("\"AAAA\""), Reason::MalformedSignature),
            (signed(&other), Reason::BadSignature),
            (signed(&good), Reason::Ok),
        ] {
            let verdict = check(&json);
            assert_eq!(
                (verdict.reason, verdict.age_seconds),
                (reason, Some(60)),
                "{json}"
            );
        }
        // Without a readable time there is no age.
        for json in [
            r#"{"signature":"x"}"#,
            r#"{"signature":"x","timestamp":5}"#,
            r#"{"timestamp":"soon"}"#,
        ] {
            assert_eq!(check(json).age_seconds, None, "{json}");
        }
    }

    #[test]
    fn replays_and_resends() {
        let v = verifier(None);
        let mut log = ReplayLog::default();
        let ts = "2026-11-20T10:01:00Z";
        let first = judged(&v, &mut log, &callback(ts, r#","a":1,"b":2"#));
        assert_eq!((first.reason, first.duplicate), (Reason::Ok, false));
        // Same body, other key order: an honest resend.
        let resend = judged(&v, &mut log, &callback(ts, r#","b":2,"a":1"#));
        assert_eq!((resend.reason, resend.duplicate), (Reason::Ok, true));
        assert_eq!(
            judged(&v, &mut log, &callback(ts, r#","a":1,"b":3"#)).reason,
            Reason::Replayed
        );
    }

    #[test]
    fn pairs_are_named_hashed_unless_asked_otherwise() {
        let json = callback("2026-11-20T10:01:00Z", "");
        let Item::Callback(cb) = parse_item(json.as_bytes()) else {
            panic!()
        };
        let signature = DecodedSignature::parse(cb.signed.signature.as_str().unwrap()).unwrap();
        assert_eq!(
            verifier(None).check(&cb.signed, now()).accepted,
            Some(PairId::of(&signature))
        );
        assert_eq!(
            verifier(None)
                .with_unhashed_pairs()
                .check(&cb.signed, now())
                .accepted,
            Some(PairId::unhashed(&signature))
        );
        assert_ne!(PairId::of(&signature), PairId::unhashed(&signature));
    }

    #[test]
    fn bodies_are_compared_only_when_a_pair_repeats() {
        let v = verifier(None);
        let json = callback("2026-11-20T10:01:00Z", r#","a":1"#);
        let Item::Callback(cb) = parse_item(json.as_bytes()) else {
            panic!()
        };
        let fingerprints = Fingerprints::default();
        // The earlier item's place, and the fingerprint of its bytes as they were first read.
        let at = Location {
            source: 0,
            offset: 7,
            len: 9,
            fingerprint: fingerprints.of(json.as_bytes()),
        };
        let mut log = ReplayLog::default();
        // The item being judged: the same body, written another way.
        let current = callback("2026-11-20T10:01:00Z", r#", "a": 1"#);
        let mut judge = |current: &str, read_back: Option<&str>| {
            let mut verdict = v.check(&cb.signed, now());
            let mut asked = None;
            judge_replay(
                &mut log,
                &mut verdict,
                SeenBody::at(at).unwrap(),
                |earlier| {
                    same_body(earlier, current.as_bytes(), &fingerprints, |location| {
                        asked = Some(location);
                        read_back.map(|text| text.as_bytes().to_vec())
                    })
                },
            );
            (verdict, asked)
        };
        // First sighting: nothing is read.
        let (first, asked) = judge(&current, None);
        assert_eq!(
            (first.reason, first.duplicate, asked),
            (Reason::Ok, false, None)
        );
        // Byte for byte what was first read: a resend, nothing read back.
        let (same, asked) = judge(&json, None);
        assert!(same.duplicate && same.reason == Reason::Ok);
        assert_eq!(asked, None);
        // The earlier body no longer reads back: counted as a replay.
        let (lost, asked) = judge(&current, None);
        assert_eq!(lost.reason, Reason::Replayed);
        assert!(lost.detail.unwrap().contains("could not be read"));
        assert_eq!(asked, Some(at));
        // It reads back, but not as first read (the file was rewritten to match): not trusted.
        let (rewritten, _) = judge(&current, Some(&current));
        assert_eq!(rewritten.reason, Reason::Replayed);
        // Read back as first read: digests say it is the same body; the digest is kept.
        let (resend, _) = judge(&current, Some(&json));
        assert!(resend.duplicate && resend.reason == Reason::Ok);
        let (again, asked) = judge(&current, None);
        assert_eq!((again.duplicate, asked), (true, None));
    }
}
