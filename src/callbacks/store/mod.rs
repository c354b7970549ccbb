//! The replay store: which (timestamp, signature) pairs were accepted, and on which body, kept
//! across runs, processes and machines, so that a replay arriving days later is caught.
//!
//! Smile ID's signature covers the timestamp and partner ID only, so a captured pair authenticates
//! any body until it turns stale. The store claims each accepted pair atomically (insert if
//! absent): the first body wins; the same body again is an honest resend, another body a replay.
//! Two engines sit behind one interface ([`ReplayStore`]): an embedded SQLite file (`sqlite`) and
//! a Redis or Valkey server shared by several machines (`redis`). `ndjson` reads the append-only
//! record earlier versions kept, for `seen import`. Judging callbacks is `verify`'s; printing is
//! the commands'.
//!
//! What is kept of a body is an HMAC of its canonical form's SHA-256, keyed by a random salt of
//! the store's own: bodies hold personal data, and a bare digest of a short body can be reversed
//! by guessing. The pair is named by the first 16 bytes of SHA-256 of the decoded signature (a
//! signature is an HMAC of timestamp and partner ID, so it names the pair and binds the partner);
//! the timestamp and partner ID are kept beside it for `seen stats` and `seen export`.

pub mod ndjson;
pub mod redis;
pub mod sqlite;

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::callbacks::replay::{BodyDigest, PairId};
use crate::callbacks::verdict::Window;
use crate::signing::signature::DecodedSignature;

/// What claiming a pair found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The pair was not in the store: recorded now.
    New,
    /// The pair was recorded with this very body (an honest resend).
    Resend,
    /// The pair was recorded with another body: a replay.
    Replay,
}

/// One accepted callback to claim, as a server that receives callbacks has it.
#[derive(Debug, Clone, Copy)]
pub struct PairClaim<'a> {
    pub partner_id: &'a str,
    pub timestamp: &'a str,
    /// The signature as received (canonical padded base64, as verification demands).
    pub signature: &'a str,
    /// The callback's canonical body bytes (`canonical::write_body`).
    pub body: &'a [u8],
}

/// One accepted callback to claim, with its digests already taken (as `verify`'s workers take
/// them, in parallel).
#[derive(Debug, Clone, Copy)]
pub struct DigestClaim<'a> {
    pub partner_id: &'a str,
    pub timestamp: &'a str,
    pub pair: PairId,
    /// SHA-256 of the canonical body (the store keys it before keeping it).
    pub body: BodyDigest,
}

impl<'a> DigestClaim<'a> {
    pub fn of(claim: &PairClaim<'a>) -> Result<Self, StoreError> {
        let signature = DecodedSignature::parse(claim.signature).map_err(|_| StoreError {
            kind: ErrorKind::Invalid,
            message: "cannot claim a signature that is not canonical padded base64".into(),
            hint: None,
        })?;
        Ok(DigestClaim {
            partner_id: claim.partner_id,
            timestamp: claim.timestamp,
            pair: PairId::of(&signature),
            body: BodyDigest(Sha256::digest(claim.body).into()),
        })
    }
}

/// An entry of the former NDJSON record, to import.
#[derive(Debug, Clone)]
pub struct Imported {
    pub timestamp: String,
    pub pair: PairId,
    /// SHA-256 of the canonical body (the former record kept it bare).
    pub body: BodyDigest,
    pub seen_at: DateTime<Utc>,
}

/// An entry as the store holds it (for `seen export`, and copies between stores).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Unknown for entries imported from the former record, which did not keep it.
    pub partner_id: Option<String>,
    pub timestamp: String,
    /// The first 16 bytes of SHA-256 of the decoded signature.
    pub pair: PairId,
    /// The keyed body digest: comparable only within stores that share the salt.
    pub body_hmac: [u8; 32],
    /// Milliseconds since the epoch.
    pub seen_at_ms: i64,
    /// Milliseconds since the epoch; `None`: kept for ever.
    pub expires_at_ms: Option<i64>,
}

/// What the entries of a store mean outside it: the salt their body digests are keyed with, and
/// the window they are kept by. A copy carries both, so that its digests still compare and its
/// entries are kept as long as a replay of them could pass.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Basis {
    pub salt: [u8; 32],
    pub keeps: Keeps,
}

impl fmt::Debug for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Basis")
            .field("keeps", &self.keeps)
            .finish_non_exhaustive()
    }
}

/// Entry count and age range (`seen stats`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub entries: u64,
    pub oldest_seen_at: Option<String>,
    pub newest_seen_at: Option<String>,
    /// How long entries are kept: the widest window the store has been used with.
    pub keeps: Keeps,
}

/// The widest window a store has been used with, by which it expires entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Keeps {
    /// Not used by a run yet (entries imported so far are kept until one is).
    Unset,
    /// A run without `--max-age` used it: nothing ever turns stale, so nothing expires.
    Forever,
    /// Entries are dropped this long after they were seen.
    Window { max_age_ms: i64, max_future_ms: i64 },
}

/// The longest an entry is kept by a window: a window longer than a century keeps entries for
/// ever, which is never less safe, and leaves every expiry a time that SQLite and Redis take.
pub(super) const LONGEST_KEPT_MS: i64 = 100 * 366 * 24 * 60 * 60 * 1000;

impl Keeps {
    /// A window of these lengths (any beyond [`LONGEST_KEPT_MS`] is kept for ever).
    fn window(max_age_ms: i64, max_future_ms: i64) -> Keeps {
        if max_age_ms.saturating_add(max_future_ms) > LONGEST_KEPT_MS {
            Keeps::Forever
        } else {
            Keeps::Window {
                max_age_ms,
                max_future_ms,
            }
        }
    }

    /// What the store keeps after a run with `window` used it: never less than before.
    pub fn widen(self, window: Window) -> Keeps {
        let future_ms = window.max_future.num_milliseconds().max(0);
        match (self, window.max_age) {
            (Keeps::Forever, _) | (_, None) => Keeps::Forever,
            (Keeps::Unset, Some(age)) => Keeps::window(age.num_milliseconds().max(0), future_ms),
            (
                Keeps::Window {
                    max_age_ms,
                    max_future_ms,
                },
                Some(age),
            ) => Keeps::window(
                max_age_ms.max(age.num_milliseconds()),
                max_future_ms.max(future_ms),
            ),
        }
    }

    /// The window a run would need to leave the store keeping this (`None`: any run does).
    pub fn as_window(self) -> Option<Window> {
        match self {
            Keeps::Unset => None,
            Keeps::Forever => Some(Window {
                max_age: None,
                max_future: Duration::zero(),
            }),
            Keeps::Window {
                max_age_ms,
                max_future_ms,
            } => Some(Window {
                max_age: Some(Duration::milliseconds(max_age_ms)),
                max_future: Duration::milliseconds(max_future_ms),
            }),
        }
    }

    /// How long an entry is kept after it was seen, in milliseconds (`None`: for ever).
    pub fn span_ms(self) -> Option<i64> {
        match self {
            Keeps::Window {
                max_age_ms,
                max_future_ms,
            } => Some(max_age_ms.saturating_add(max_future_ms)),
            Keeps::Unset | Keeps::Forever => None,
        }
    }

    /// When an entry seen at `seen_at_ms` expires: from then on a replay of it fails as stale in
    /// any run the store has served (its timestamp is at most `max_future` after `seen_at`, and
    /// it turns stale `max_age` after its timestamp).
    pub fn expires_at(self, seen_at_ms: i64) -> Option<i64> {
        self.span_ms().map(|span| seen_at_ms.saturating_add(span))
    }

    /// The text kept in the store's meta data.
    pub fn encode(self) -> String {
        match self {
            Keeps::Unset => "unset".into(),
            Keeps::Forever => "forever".into(),
            Keeps::Window {
                max_age_ms,
                max_future_ms,
            } => format!("{max_age_ms} {max_future_ms}"),
        }
    }

    pub fn decode(text: &str) -> Option<Keeps> {
        match text {
            "unset" => Some(Keeps::Unset),
            "forever" => Some(Keeps::Forever),
            _ => {
                let (age, future) = text.split_once(' ')?;
                Some(Keeps::window(
                    age.parse().ok().filter(|&n: &i64| n >= 0)?,
                    future.parse().ok().filter(|&n: &i64| n >= 0)?,
                ))
            }
        }
    }
}

/// A store of accepted pairs. Every engine claims atomically, so any number of processes (and,
/// for Redis, machines) may share one.
pub trait ReplayStore: Send {
    /// Claims every pair atomically (insert-if-absent) and makes the new claims durable
    /// (committed) before returning.
    fn claim(
        &mut self,
        now: DateTime<Utc>,
        claims: &[PairClaim<'_>],
    ) -> Result<Vec<Claim>, StoreError> {
        let digested = claims
            .iter()
            .map(DigestClaim::of)
            .collect::<Result<Vec<_>, _>>()?;
        self.claim_digests(now, &digested)
    }

    /// Cheap check that the store is reachable and writable (for health checks).
    fn ping(&mut self) -> Result<(), StoreError>;

    /// [`ReplayStore::claim`], for claims whose digests are already taken. One answer a claim, in
    /// order; a pair claimed twice in one call is judged against the first.
    fn claim_digests(
        &mut self,
        now: DateTime<Utc>,
        claims: &[DigestClaim<'_>],
    ) -> Result<Vec<Claim>, StoreError>;

    /// Entry count and age range.
    fn stats(&mut self) -> Result<Stats, StoreError>;

    /// Drops the entries expired at `now` (an expiry is the entry's `seen_at` plus the kept
    /// window, whatever clock the engine expires entries by), and says how many.
    fn prune(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Adds entries of the former record (kept by the widest window the store has been used
    /// with; those expired at `now` are left out by engines that cannot keep them); returns how
    /// many were new.
    fn import(&mut self, now: DateTime<Utc>, entries: &[Imported]) -> Result<u64, StoreError>;

    /// Every entry, in no particular order.
    fn export(
        &mut self,
        each: &mut dyn FnMut(Entry) -> std::io::Result<()>,
    ) -> Result<(), StoreError>;

    /// The store's salt and the window it keeps entries by, for a copy into another store.
    fn basis(&mut self) -> Result<Basis, StoreError>;

    /// Adds entries of another store that shares this one's salt ([`open_copy`]), each kept
    /// until the later of its own expiry and this store's; those expired at `now` are left out.
    /// Returns how many were new.
    fn copy_in(&mut self, now: DateTime<Utc>, entries: &[Entry]) -> Result<u64, StoreError>;
}

/// Opens (a missing SQLite path: creates) the store `spec` names, for a run with `window`: a
/// path is an SQLite file, a `redis://` or `rediss://` URL a Redis server. The store widens the
/// window it keeps entries by to cover this run's; `now` is the run's.
pub fn open(
    spec: &str,
    window: Window,
    now: DateTime<Utc>,
) -> Result<Box<dyn ReplayStore>, StoreError> {
    open_salted(spec, Some(window), true, now, None)
}

/// Opens the store `spec` names for looking after it (`seen` commands): its window is left as
/// it is, and a missing SQLite path is created only when `create` says so.
pub fn open_unwindowed(spec: &str, create: bool) -> Result<Box<dyn ReplayStore>, StoreError> {
    open_salted(spec, None, create, Utc::now(), None)
}

/// Opens (creates, when missing) the store `spec` names to copy into it the entries of a store
/// with `basis`: a new store takes that salt, and its window is widened to cover that store's.
/// A store that keys its digests with another salt is refused: entries copied into it would not
/// compare with its own.
pub fn open_copy(
    spec: &str,
    basis: &Basis,
    now: DateTime<Utc>,
) -> Result<Box<dyn ReplayStore>, StoreError> {
    // Checked before the window is widened: a store refused is left as it was.
    let salt = open_salted(spec, None, true, now, Some(&basis.salt))?
        .basis()?
        .salt;
    if salt != basis.salt {
        return Err(StoreError::refused(
            &spec_name(spec),
            "it keys body digests with a salt of its own, so entries copied from another store \
             would not compare with them",
            Some(
                "copy into a new store: a path where nothing is yet, or a Redis database that \
                 holds no store"
                    .into(),
            ),
        ));
    }
    open_salted(spec, basis.keeps.as_window(), true, now, Some(&basis.salt))
}

/// Opens the store `spec` names for a run with `window` (`None`: to look after it), creating a
/// missing SQLite path when `create` says so; a store made now gets `salt` (`None`: a random one).
fn open_salted(
    spec: &str,
    window: Option<Window>,
    create: bool,
    now: DateTime<Utc>,
    salt: Option<&[u8; 32]>,
) -> Result<Box<dyn ReplayStore>, StoreError> {
    if is_redis_url(spec) {
        Ok(Box::new(redis::RedisStore::open(
            spec, window, create, now, salt,
        )?))
    } else if let Some(why) = not_a_path(spec) {
        Err(StoreError {
            kind: ErrorKind::Invalid,
            // Not repeated: a mistyped URL may hold a password.
            message: why.to_owned(),
            hint: Some(
                "a file path (SQLite), or redis://HOST[:PORT][/DB] (rediss:// for TLS)".into(),
            ),
        })
    } else {
        Ok(Box::new(sqlite::SqliteStore::open(
            std::path::Path::new(spec),
            window,
            create,
            salt,
        )?))
    }
}

/// What the user should be told about `spec` before it is opened (`creates`: made when missing):
/// where a Redis password came from, an SQLite file that other users may write, or one about to
/// be made under a name like an API key's.
pub fn notices(spec: &str, creates: bool) -> Vec<String> {
    if is_redis_url(spec) {
        redis::password_notices(spec)
    } else {
        sqlite::permission_notices(std::path::Path::new(spec), creates)
    }
}

/// Why `spec`, which is not a Redis URL, is not taken as a file either: a mistyped URL would
/// otherwise become an SQLite file of that name, and runs that should share one store would
/// each keep their own.
fn not_a_path(spec: &str) -> Option<&'static str> {
    let lower = spec.to_ascii_lowercase();
    if spec.is_empty() {
        Some("the replay store is named by an empty path")
    } else if spec == "-" {
        Some("a replay store cannot be standard input")
    } else if lower.contains("://") || lower.starts_with("redis:") || lower.starts_with("rediss:") {
        Some("the store is written like a URL, but not redis:// or rediss://")
    } else if lower.starts_with("file:") {
        // SQLite reads `file:NAME` as a URI naming another file (NAME), so the store checked
        // and the store written would differ; `./file:NAME` names a file of that name.
        Some("the store is written like an SQLite URI (file:...); give the path itself")
    } else {
        None
    }
}

/// `spec` as messages and outputs name it: a Redis URL without its password.
pub fn spec_name(spec: &str) -> String {
    if is_redis_url(spec) {
        redis::shown(spec)
    } else {
        spec.to_owned()
    }
}

/// Whether `spec` names a Redis server rather than a file.
pub fn is_redis_url(spec: &str) -> bool {
    let lower = spec.get(..9).unwrap_or(spec).to_ascii_lowercase();
    lower.starts_with("redis://") || lower.starts_with("rediss://")
}

/// A store's key for body digests: what it keeps of a body is HMAC-SHA256, keyed by its salt, of
/// the body's SHA-256. The key's blocks are hashed once, since every claim takes a keyed digest.
#[derive(Clone)]
pub(crate) struct BodyKey(Hmac<Sha256>);

impl BodyKey {
    pub(crate) fn new(salt: &[u8; 32]) -> Self {
        BodyKey(Hmac::new_from_slice(salt).expect("HMAC takes keys of any length"))
    }

    /// The keyed digest of a body, as the store keeps it.
    pub(crate) fn digest(&self, body: &BodyDigest) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(&body.0);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for BodyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyKey(..)")
    }
}

/// A fresh random salt for a new store.
pub(crate) fn new_salt() -> Result<[u8; 32], StoreError> {
    let mut salt = [0; 32];
    getrandom::getrandom(&mut salt).map_err(|e| StoreError {
        kind: ErrorKind::Unavailable,
        message: format!("cannot draw a random salt for the store: {e}"),
        hint: None,
    })?;
    Ok(salt)
}

/// Milliseconds since the epoch, rounded up: an entry's expiry errs on the side of keeping it.
pub(crate) fn ms_ceil(at: DateTime<Utc>) -> i64 {
    let floor = at.timestamp_millis();
    floor + i64::from(!at.timestamp_subsec_nanos().is_multiple_of(1_000_000))
}

/// How long a store keeps an entry it is given (by `seen import`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keeping {
    /// By the store's window alone: the former record kept no expiry.
    ByWindow,
    /// By the store's window, and no shorter than the entry's own expiry: a copy of another
    /// store's entry, which that store may have kept longer.
    AtLeastOwn,
}

impl Keeping {
    /// When `entry` expires in a store that keeps entries by `keeps` (`None`: never).
    pub(crate) fn expiry(self, entry: &Entry, keeps: Keeps) -> Option<i64> {
        let by_window = keeps.expires_at(entry.seen_at_ms);
        match self {
            Keeping::ByWindow => by_window,
            // `None` is never, the latest of all.
            Keeping::AtLeastOwn => entry.expires_at_ms.zip(by_window).map(|(a, b)| a.max(b)),
        }
    }
}

impl Imported {
    /// The entry a store with `body_key` keeps of this one (the partner ID was not recorded).
    pub(crate) fn keyed(&self, body_key: &BodyKey) -> Entry {
        Entry {
            partner_id: None,
            timestamp: self.timestamp.clone(),
            pair: self.pair,
            body_hmac: body_key.digest(&self.body),
            seen_at_ms: ms_ceil(self.seen_at),
            expires_at_ms: None,
        }
    }
}

/// RFC 3339 with milliseconds, UTC, for milliseconds since the epoch.
pub fn ms_text(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// Why a store could not be used. Its message names the store (a Redis URL without its password)
/// and never holds a secret.
#[derive(Debug)]
pub struct StoreError {
    pub kind: ErrorKind,
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not a store of ours (left untouched).
    Refused,
    /// Cannot be reached, opened, read or written.
    Unavailable,
    /// A store of ours whose content cannot be read.
    Damaged,
    /// A claim that cannot be recorded (a malformed signature).
    Invalid,
}

impl StoreError {
    /// The error as the command line reports it: the message, and the hint under it.
    pub fn reported(self) -> anyhow::Error {
        match self.hint {
            Some(hint) => crate::output::hinted(self.message, hint),
            None => anyhow::Error::new(self),
        }
    }

    pub(crate) fn refused(store: &str, why: impl fmt::Display, hint: Option<String>) -> Self {
        StoreError {
            kind: ErrorKind::Refused,
            message: format!("{store}: {why}; refusing to use it as a replay store"),
            hint,
        }
    }

    pub(crate) fn unavailable(store: &str, what: impl fmt::Display) -> Self {
        StoreError {
            kind: ErrorKind::Unavailable,
            message: format!("replay store {store}: {what}"),
            hint: None,
        }
    }

    pub(crate) fn damaged(store: &str, what: impl fmt::Display) -> Self {
        StoreError {
            kind: ErrorKind::Damaged,
            message: format!("replay store {store} is damaged: {what}"),
            hint: None,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(age: Option<i64>, future: i64) -> Window {
        Window {
            max_age: age.map(Duration::seconds),
            max_future: Duration::seconds(future),
        }
    }

    #[test]
    fn the_kept_window_only_ever_widens() {
        let k = Keeps::Unset.widen(window(Some(3600), 300));
        assert_eq!(k.span_ms(), Some(3_900_000));
        let k = k.widen(window(Some(60), 600));
        assert_eq!(
            k,
            Keeps::Window {
                max_age_ms: 3_600_000,
                max_future_ms: 600_000
            }
        );
        let k = k.widen(window(None, 0));
        assert_eq!(k, Keeps::Forever);
        assert_eq!(k.widen(window(Some(1), 1)), Keeps::Forever);
        assert_eq!(Keeps::Forever.expires_at(5), None);
        assert_eq!(Keeps::Unset.expires_at(5), None);
    }

    #[test]
    fn a_window_beyond_a_century_keeps_for_ever() {
        let century = 100 * 366 * 24 * 3600;
        let k = Keeps::Unset.widen(window(Some(century), 0));
        assert_eq!(k.span_ms(), Some(century * 1000));
        assert_eq!(k.widen(window(Some(century), 1)), Keeps::Forever);
        // Written by an earlier version: read as what it means.
        assert_eq!(Keeps::decode("9223372036828800000 0"), Some(Keeps::Forever));
    }

    #[test]
    fn kept_windows_read_back_strictly() {
        for k in [
            Keeps::Unset,
            Keeps::Forever,
            Keeps::Window {
                max_age_ms: 1,
                max_future_ms: 0,
            },
        ] {
            assert_eq!(Keeps::decode(&k.encode()), Some(k));
        }
        for bad in ["", "1", "1 ", "-1 2", "1 x", "never"] {
            assert_eq!(Keeps::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn expiry_rounds_seen_at_up() {
        let at = DateTime::<Utc>::from_timestamp(10, 1).unwrap();
        assert_eq!(ms_ceil(at), 10_001);
        let at = DateTime::<Utc>::from_timestamp(10, 0).unwrap();
        assert_eq!(ms_ceil(at), 10_000);
        assert_eq!(ms_text(10_001), "1970-01-01T00:00:10.001Z");
    }

    #[test]
    fn keyed_digests_depend_on_the_salt() {
        let body = BodyDigest([7; 32]);
        let (one, two) = (BodyKey::new(&[1; 32]), BodyKey::new(&[2; 32]));
        assert_ne!(one.digest(&body), two.digest(&body));
        assert_ne!(one.digest(&body), body.0);
        assert_eq!(one.digest(&body), BodyKey::new(&[1; 32]).digest(&body));
        // Plain HMAC-SHA256 of the digest under the salt: a store's entries stay comparable.
        let mut mac = Hmac::<Sha256>::new_from_slice(&[1; 32]).unwrap();
        mac.update(&body.0);
        assert_eq!(
            one.digest(&body),
            <[u8; 32]>::from(mac.finalize().into_bytes())
        );
        assert_eq!(format!("{one:?}"), "BodyKey(..)");
    }

    #[test]
    fn redis_urls_are_told_from_paths() {
        assert!(is_redis_url("redis://127.0.0.1:6379/0"));
        assert!(is_redis_url("REDISS://host"));
        assert!(!is_redis_url("redis.db"));
        assert!(!is_redis_url("./redis://x"));
        assert!(!is_redis_url("é"));
    }
}
