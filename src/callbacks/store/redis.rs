//! The shared replay store: a Redis (or Valkey) server that several machines use at once.
//!
//! Each entry is one key, `smile-sec:seen:<pair in hex>`, set with `SET key value NX PX ttl`: the
//! server's atomic insert-if-absent, with the expiry as the key's own (Redis drops it then). The
//! value holds the keyed body digest, so a resend is told apart from a replay, and `seen_at`,
//! partner ID and timestamp for `seen stats` and `seen export`. A batch of claims is one pipeline
//! (one round trip). The salt and the widest window used so far live in the hash
//! `smile-sec:meta`; the salt is set once (`HSETNX`), by whichever run comes first.
//!
//! Durability is the server's: an entry is as safe as the server's persistence settings make it
//! (the documentation says which to choose).

use std::io;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use redis::{Connection, IntoConnectionInfo, Value};
use serde::{Deserialize, Serialize};

use super::{
    Basis, BodyKey, Claim, DigestClaim, Entry, Imported, Keeping, Keeps, LONGEST_KEPT_MS,
    ReplayStore, Stats, StoreError, ms_ceil, ms_text, new_salt,
};
use crate::callbacks::replay::PairId;
use crate::callbacks::verdict::Window;

const META: &str = "smile-sec:meta";
const PREFIX: &str = "smile-sec:seen:";
/// What `smile-sec:meta` holds in its `app` field: a hash by that name made by anything else is
/// not taken over.
const MARK: &str = "smile-sec replay store 1";

/// How long, by the server's clock, a key claimed by a run whose now is `now` must last: the
/// kept window, plus however far `now` lies from the clock (`None`: for ever, as for a `--now` a
/// century off). Freshness is judged by each run's now, the key's expiry by the server's clock.
/// A run told a `--now` ahead of the clock needs the entry until the clock reaches `now` plus the
/// window. After one told a time behind the clock, later runs may lag it further (a `--now` that
/// stays fixed while time passes, a history replayed slower than it happened), and the entry is
/// kept as much longer again.
fn claim_ttl(keeps: Keeps, now: DateTime<Utc>) -> Option<i64> {
    let span = keeps.span_ms()?;
    ttl_until(now.timestamp_millis().saturating_add(span), now, Utc::now())
}

/// How long, by the server's clock, an entry that expires at `expiry_ms` on the timeline of a
/// run whose now is `now` must last: what is left of it at `now`, plus however far `now` lies
/// from `clock` (the same allowance as a claim's, [`claim_ttl`]). `None`: for ever, past what any
/// window keeps. An entry already expired at `now` gets what the allowance leaves, if anything.
fn ttl_until(expiry_ms: i64, now: DateTime<Utc>, clock: DateTime<Utc>) -> Option<i64> {
    let apart = (now - clock).num_milliseconds().saturating_abs();
    let ttl = expiry_ms
        .saturating_sub(now.timestamp_millis())
        .saturating_add(apart);
    (ttl <= LONGEST_KEPT_MS).then_some(ttl)
}

/// Lengthens entries' expiries, never shortening one. `KEYS[1]` is the meta hash, `KEYS[2..]` the
/// entries; `ARGV[1]` the kept window the times were reckoned by; then for each entry the
/// milliseconds from now it must last at least, and `1` to date it also when it has no expiry
/// (an entry imported before any window). Nothing is done when the window has changed since: the
/// run that changed it dates every entry by the new one. One script runs whole, so two runs
/// dating one entry at once end with the later of their times, never with whichever wrote last.
const LENGTHEN: &str = "if redis.call('HGET', KEYS[1], 'keeps') ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  local ms = tonumber(ARGV[2 * i - 2])
  local left = redis.call('PTTL', KEYS[i])
  if (left >= 0 and left < ms) or (left == -1 and ARGV[2 * i - 1] == '1') then
    redis.call('PEXPIRE', KEYS[i], ms)
  end
end
return 1";

/// Deletes the entries `KEYS[2..]` that the caller found expired by the kept window `ARGV[1]`, each
/// only while its value is still the one read (`ARGV[2..]`: a key claimed again since is another
/// entry), and answers how many went; -1, and nothing deleted, when the window in `KEYS[1]` (the
/// meta hash) is no longer `ARGV[1]`: a run widened it since, and entries may be needed longer.
const DROP_UNCHANGED: &str = "if redis.call('HGET', KEYS[1], 'keeps') ~= ARGV[1] then return -1 end
local n = 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then
    redis.call('DEL', KEYS[i])
    n = n + 1
  end
end
return n";

/// Clears the meta hash's note that entries are being re-dated (`ARGV[1]`: the note as the run
/// that re-dated them read or wrote it), once they are; another note (a later widening under
/// way) is left.
const REDATED: &str = "if redis.call('HGET', KEYS[1], 'redating') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'redating')
end
return 0";

const CONNECT_TIMEOUT: StdDuration = StdDuration::from_secs(5);
const IO_TIMEOUT: StdDuration = StdDuration::from_secs(30);

pub struct RedisStore {
    client: redis::Client,
    conn: Connection,
    /// Set by a failed command: the connection may be gone or out of step (a reply still on
    /// its way), or the store's meta may be gone (the database flushed, the server restarted
    /// without its data). The next command reconnects and sets the meta up again first, so a
    /// long-running gate recovers once the server is back, without restarting.
    lost: bool,
    /// The window this process runs with (`None`: looking after the store).
    window: Option<Window>,
    salt: [u8; 32],
    /// The URL without its password, for messages.
    name: String,
    /// The password in use (from the URL or the environment), scrubbed from any message that
    /// might repeat it.
    password: Option<String>,
    body_key: BodyKey,
    /// The window this run set keys' expiry by (the store's widest, as last read).
    keeps: Keeps,
    /// The run's now when the store was opened (`--now`, else the clock then). Entries re-dated
    /// when the window grows are dated by the earlier of it and the clock: a replay of an entry
    /// still passes freshness for a run told an earlier now, so the entry must live that long.
    opened_now: DateTime<Utc>,
    /// Keys under the store's prefix whose value is no entry, met by [`RedisStore::values`]
    /// since it was last reset: `seen stats` and `export` say so rather than count them out.
    unreadable: u64,
    /// When the server was last asked whether it evicts keys: claims ask again at most every
    /// [`EVICTION_RECHECK`], so a server set to evict while a gate runs is refused soon.
    eviction_checked: Instant,
}

/// How often claims ask again whether the server evicts keys (one `INFO` a second at most).
const EVICTION_RECHECK: StdDuration = StdDuration::from_secs(1);

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The value of an entry's key.
#[derive(Debug, Serialize, Deserialize)]
struct Value_ {
    /// The keyed body digest, in hex.
    body: String,
    /// Milliseconds since the epoch.
    seen_at: i64,
    partner_id: Option<String>,
    timestamp: String,
}

/// A Redis client error in its own words, without its Rust name for the kind of error
/// (`Missing hostname`, not `Missing hostname - InvalidClientConfig`), and without the password
/// in use (hidden first, so that no part of it can be taken for the kind's name).
fn client_words(error: &redis::RedisError, password: Option<&str>) -> String {
    scrubbed(error.to_string(), password).replacen(&format!(" - {:?}", error.kind()), "", 1)
}

impl RedisStore {
    /// Opens the store at `url` for a run with `window` whose now is `now`, or (`None`) to look
    /// after it: then nothing is written unless `create` (an import) asks for it, and a database
    /// that holds no store is an error. A store set up now gets `salt` (`None`: a random one).
    pub fn open(
        url: &str,
        window: Option<Window>,
        create: bool,
        now: DateTime<Utc>,
        salt: Option<&[u8; 32]>,
    ) -> Result<Self, StoreError> {
        if names_password_in_options(url) {
            // Not repeated: it holds the password.
            return Err(StoreError {
                kind: super::ErrorKind::Invalid,
                message: "a Redis URL with a password in its options (?password=) is not read \
                          that way"
                    .into(),
                hint: Some(format!(
                    "give the password in {PASSWORD_ENV}, or as redis://:PASSWORD@HOST"
                )),
            });
        }
        let (name, in_url) = redact(url);
        if let Some(part) = unread_part(url) {
            return Err(StoreError {
                kind: super::ErrorKind::Invalid,
                message: format!("{name}: {part} of a Redis URL is not read"),
                hint: Some("redis://HOST[:PORT][/DB]: the database goes in the path".into()),
            });
        }
        // `redis://:@host` names no password: the variable may still give one.
        let in_url = in_url.filter(|p| !p.is_empty());
        let from_env = password_from_env();
        let password = in_url.clone().or_else(|| from_env.clone());
        let invalid = |e: redis::RedisError| StoreError {
            kind: super::ErrorKind::Invalid,
            // `name` shows no password, and `client_words` hides it.
            message: format!(
                "{name}: not a usable Redis URL: {}",
                client_words(&e, password.as_deref())
            ),
            hint: Some("redis://HOST[:PORT][/DB] or rediss://... for TLS".into()),
        };
        let mut info = url.into_connection_info().map_err(invalid)?;
        if let (None, Some(from_env)) = (&in_url, &from_env) {
            let settings = info.redis_settings().clone().set_password(from_env);
            info = info.set_redis_settings(settings);
        }
        let client = redis::Client::open(info).map_err(invalid)?;
        let mut conn = connect(&client, &name, password.as_deref())?;
        let records = window.is_some() || create;
        let (salt, keeps) = if records {
            refuse_evicting(&mut conn, &name, password.as_deref())?;
            refuse_without_scripts(&mut conn, &name, password.as_deref())?;
            set_up(
                &mut conn,
                &name,
                password.as_deref(),
                &salt.copied().map_or_else(new_salt, Ok)?,
                Keeps::Unset,
            )?
        } else {
            read_meta(&mut conn, &name, password.as_deref())?
        };
        let mut store = RedisStore {
            client,
            conn,
            lost: false,
            window,
            salt,
            name,
            password,
            body_key: BodyKey::new(&salt),
            keeps,
            opened_now: now,
            unreadable: 0,
            eviction_checked: Instant::now(),
        };
        if let Some(window) = window {
            store.widen(window)?;
        }
        Ok(store)
    }

    /// Connects again and sets the meta up again, after a command failed (see `lost`). The salt
    /// and window this process knows are put back if the meta is gone, so that entries claimed
    /// before and after keep one digest; a salt already there wins.
    fn recover(&mut self) -> Result<(), StoreError> {
        if !self.lost {
            return Ok(());
        }
        let mut conn = connect(&self.client, &self.name, self.password.as_deref())?;
        if self.window.is_some() {
            refuse_evicting(&mut conn, &self.name, self.password.as_deref())?;
            self.eviction_checked = Instant::now();
        }
        let (salt, keeps) = set_up(
            &mut conn,
            &self.name,
            self.password.as_deref(),
            &self.salt,
            self.keeps,
        )?;
        self.conn = conn;
        if salt != self.salt {
            self.salt = salt;
            self.body_key = BodyKey::new(&salt);
        }
        self.keeps = keeps;
        if let Some(window) = self.window {
            self.widen(window)?;
        }
        self.lost = false;
        Ok(())
    }

    /// `result`, with the connection marked lost when it is an error.
    fn noting<T>(&mut self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        self.lost |= result.is_err();
        result
    }

    /// Claims on the connection as it is: one pipeline of `SET NX` and `GET` a claim. `None`
    /// when the meta was gone (a flushed database): the claims made are taken back, to be made
    /// again once the meta is set up again.
    fn claim_on_connection(
        &mut self,
        now: DateTime<Utc>,
        claims: &[DigestClaim<'_>],
    ) -> Result<Option<Vec<Claim>>, StoreError> {
        let seen_at = ms_ceil(now);
        let mut pipe = redis::pipe();
        let mut keys = Vec::with_capacity(claims.len());
        let mut bodies = Vec::with_capacity(claims.len());
        for claim in claims {
            let key = format!("{PREFIX}{}", hex::encode(claim.pair.0));
            let body = hex::encode(self.body_key.digest(&claim.body));
            let value = serde_json::to_string(&Value_ {
                body: body.clone(),
                seen_at,
                partner_id: Some(claim.partner_id.to_owned()),
                timestamp: claim.timestamp.to_owned(),
            })
            .expect("a value serialises");
            Self::set_nx(&mut pipe, &key, &value, claim_ttl(self.keeps, now));
            pipe.cmd("GET").arg(&key);
            keys.push(key);
            bodies.push(body);
        }
        // Read last, after our keys are set: a run that widened the window before then re-dated
        // every key but ours, and ours are re-dated here. The salt with it: a store set up again
        // (flushed, then first reached by another process) has another, and digests taken with
        // ours would not match its resends.
        let meta_reply = pipe.len();
        pipe.cmd("HMGET").arg(META).arg(&["salt", "keeps"]);
        let mut replies = exchange_at(&mut self.conn, &pipe).map_err(|(at, e)| {
            // A meta that something else replaced by a key of another type is said in the words
            // a set-up that meets it uses, not in the server's.
            if at == Some(meta_reply) {
                self.meta_fail(&e)
            } else {
                self.fail(e)
            }
        })?;
        let (salt, keeps) = replies
            .pop()
            .and_then(|v| redis::from_redis_value::<(Option<String>, Option<String>)>(v).ok())
            .unwrap_or_default();
        let salt_changed = salt != Some(hex::encode(self.salt));
        let keeps = keeps.as_deref().and_then(Keeps::decode);
        let mut answers = Vec::with_capacity(claims.len());
        let mut replies = replies.into_iter();
        for body in &bodies {
            let set = replies.next();
            let got = replies.next();
            let created = set.as_ref().is_some_and(is_ok);
            answers.push(if created {
                Claim::New
            } else {
                let earlier = got
                    .and_then(|v| redis::from_redis_value::<Option<String>>(v).ok().flatten())
                    .and_then(|v| serde_json::from_str::<Value_>(&v).ok());
                match earlier {
                    Some(earlier) if earlier.body == *body => Claim::Resend,
                    // Another body, or the entry expired between the two commands: a claim
                    // that cannot be shown new is never reported new.
                    _ => Claim::Replay,
                }
            });
        }
        if salt_changed {
            // Our entries are taken back: kept with digests under a salt no longer in use (or
            // in no store at all), they would turn the sender's retry of this batch into a
            // replay of itself.
            let mut undo = redis::pipe();
            for (key, answer) in keys.iter().zip(&answers) {
                if *answer == Claim::New {
                    undo.cmd("DEL").arg(key);
                }
            }
            exchange(&mut self.conn, &undo).map_err(|e| self.fail(e))?;
            if salt.is_none() {
                return Ok(None);
            }
            return Err(StoreError::damaged(
                &self.name,
                "its salt changed (the store was set up again); this batch is refused",
            ));
        }
        let keeps = keeps
            .ok_or_else(|| StoreError::damaged(&self.name, "its kept window is unreadable"))?;
        if keeps != self.keeps {
            self.keeps = keeps;
            let new: Vec<&String> = keys
                .iter()
                .zip(&answers)
                .filter(|(_, answer)| **answer == Claim::New)
                .map(|(key, _)| key)
                .collect();
            let mut pipe = redis::pipe();
            match claim_ttl(keeps, now) {
                None => {
                    for key in new {
                        pipe.cmd("PERSIST").arg(key).ignore();
                    }
                }
                Some(ttl) => {
                    let dated: Vec<_> = new.into_iter().map(|key| (key, ttl, false)).collect();
                    lengthen(&mut pipe, keeps, &dated);
                }
            }
            if !pipe.is_empty() {
                // Only the script's read of the meta can meet a key of the wrong type: PTTL,
                // PEXPIRE and PERSIST take a key of any.
                exchange(&mut self.conn, &pipe).map_err(|e| self.meta_fail(&e))?;
            }
        }
        Ok(Some(answers))
    }

    fn fail(&self, e: redis::RedisError) -> StoreError {
        server_error(&self.name, self.password.as_deref(), None, &e)
    }

    /// [`RedisStore::fail`] for a command on the meta: see [`meta_error`].
    fn meta_fail(&self, e: &redis::RedisError) -> StoreError {
        meta_error(&self.name, self.password.as_deref(), e)
    }

    /// Widens the kept window to cover `window` (atomically, against other runs doing the
    /// same), and re-dates every entry when it grew. The widening is noted in the meta hash until
    /// every entry is re-dated, so that a run that stopped half way (killed, or cut off from the
    /// server) is finished by the next, never left with entries dated by the narrower window.
    fn widen(&mut self, window: Window) -> Result<(), StoreError> {
        loop {
            redis::cmd("WATCH")
                .arg(META)
                .query::<()>(&mut self.conn)
                .map_err(|e| self.fail(e))?;
            let (text, redating): (Option<String>, Option<String>) = redis::cmd("HMGET")
                .arg(META)
                .arg(&["keeps", "redating"])
                .query(&mut self.conn)
                .map_err(|e| self.fail(e))?;
            let kept = text
                .as_deref()
                .and_then(Keeps::decode)
                .ok_or_else(|| StoreError::damaged(&self.name, "its kept window is unreadable"))?;
            let wider = kept.widen(window);
            if wider == kept {
                redis::cmd("UNWATCH")
                    .query::<()>(&mut self.conn)
                    .map_err(|e| self.fail(e))?;
                self.keeps = kept;
                return match redating {
                    Some(note) => self.redate_all_noted(&note),
                    None => Ok(()),
                };
            }
            let done: Option<()> = redis::pipe()
                .atomic()
                .cmd("HSET")
                .arg(META)
                .arg("keeps")
                .arg(wider.encode())
                .arg("redating")
                .arg(wider.encode())
                .ignore()
                .query(&mut self.conn)
                .map_err(|e| self.fail(e))?;
            if done.is_some() {
                self.keeps = wider;
                return self.redate_all_noted(&wider.encode());
            }
        }
    }

    /// Re-dates every entry by the kept window, then clears the note that this was under way
    /// (`note`, as it was read or written: whatever it holds, the kept window covers it).
    fn redate_all_noted(&mut self, note: &str) -> Result<(), StoreError> {
        self.redate_all(self.opened_now)?;
        redis::cmd("EVAL")
            .arg(REDATED)
            .arg(1)
            .arg(META)
            .arg(note)
            .query::<()>(&mut self.conn)
            .map_err(|e| self.fail(e))
    }

    /// Sets every entry's expiry by the kept window, after it grew; `now`: the run's now, which
    /// entries without an expiry so far are dated from (as [`ttl_until`] says). An entry with an
    /// expiry is kept the whole new span from now, which keeps it at most the old span longer
    /// than it needs: its age is not known for certain while other runs re-date it, and
    /// counting from now never falls short.
    fn redate_all(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let clock = Utc::now();
        self.each_key(|store, keys| {
            if keys.is_empty() {
                return Ok(());
            }
            let mut pipe = redis::pipe();
            let Some(span) = store.keeps.span_ms() else {
                for key in &keys {
                    pipe.cmd("PERSIST").arg(key).ignore();
                }
                return exchange(&mut store.conn, &pipe)
                    .map(drop)
                    .map_err(|e| store.fail(e));
            };
            let ttls = store.ttls(&keys)?;
            let values = store.values(&keys)?;
            let mut dated = Vec::with_capacity(keys.len());
            for ((key, ttl), value) in keys.iter().zip(ttls).zip(values) {
                // Gone since the scan, or not an entry of ours: left as it is.
                let Some(value) = value else { continue };
                match ttl {
                    0.. => dated.push((key, span, false)),
                    // Kept without expiry so far (imported before any run set a window): dated
                    // from when it was seen, and one due already goes at once (the window is the
                    // widest the store has served, so no run can still need it). One past what
                    // any window keeps (a value written by something else) is kept for ever,
                    // which is never less safe.
                    -1 => {
                        let expiry = value.seen_at.saturating_add(span);
                        if expiry < now.min(clock).timestamp_millis() {
                            dated.push((key, 1, true));
                        } else if let Some(left) = ttl_until(expiry, now, clock) {
                            dated.push((key, left.max(1), true));
                        }
                    }
                    // Gone between the scan and now (and maybe claimed again): not ours to date.
                    _ => {}
                }
            }
            lengthen(&mut pipe, store.keeps, &dated);
            if pipe.is_empty() {
                return Ok(());
            }
            exchange(&mut store.conn, &pipe)
                .map(drop)
                .map_err(|e| store.fail(e))
        })
    }

    /// The values of `keys` (`None`: gone, or not ours to read).
    fn values(&mut self, keys: &[String]) -> Result<Vec<Option<Value_>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<Option<String>> = redis::cmd("MGET")
            .arg(keys)
            .query(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        let mut unreadable = 0;
        let mut absent = Vec::new();
        let values = raw
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let Some(v) = v else {
                    absent.push(i);
                    return None;
                };
                let value = serde_json::from_str(&v).ok();
                unreadable += u64::from(value.is_none());
                value
            })
            .collect();
        // `MGET` answers nothing for a key that is gone and for one that holds no string (a
        // hash, a set): only the second still exists.
        if !absent.is_empty() {
            let mut pipe = redis::pipe();
            for &i in &absent {
                pipe.cmd("EXISTS").arg(&keys[i]);
            }
            let replies = exchange(&mut self.conn, &pipe).map_err(|e| self.fail(e))?;
            unreadable += replies
                .iter()
                .filter(|reply| redis::from_redis_value_ref::<i64>(reply).is_ok_and(|n| n > 0))
                .count() as u64;
        }
        self.unreadable += unreadable;
        Ok(values)
    }

    /// An error when keys under the store's prefix held no entry since `unreadable` was reset.
    fn refuse_unreadable(&self) -> Result<(), StoreError> {
        match self.unreadable {
            0 => Ok(()),
            n => Err(StoreError::damaged(
                &self.name,
                format!(
                    "{n} key(s) under {PREFIX} hold no entry of smile-sec's: a callback recorded \
                     there is still refused as a replay, but cannot be told from a resend"
                ),
            )),
        }
    }

    /// The time to live of `keys`, in milliseconds (-1: no expiry, -2: gone).
    fn ttls(&mut self, keys: &[String]) -> Result<Vec<i64>, StoreError> {
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("PTTL").arg(key);
        }
        exchange(&mut self.conn, &pipe)
            .and_then(|replies| {
                replies
                    .iter()
                    .map(|reply| redis::from_redis_value_ref(reply).map_err(Into::into))
                    .collect()
            })
            .map_err(|e| self.fail(e))
    }

    /// Every entry's key, a SCAN batch at a time.
    fn each_key(
        &mut self,
        mut each: impl FnMut(&mut Self, Vec<String>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut cursor = 0u64;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{PREFIX}*"))
                .arg("COUNT")
                .arg(1000)
                .query(&mut self.conn)
                .map_err(|e| self.fail(e))?;
            each(self, keys)?;
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    /// Adds the entries the store does not hold yet (`SET ... NX`, one pipeline), kept as
    /// `keeping` says; those expired before `now` (or the clock, when earlier) are left out: an
    /// entry whose expiry is the very moment is kept, as a replay at that moment is not stale.
    /// Each lasts, by the server's clock, what is left of it at `now` plus however far `now` lies
    /// from the clock, as a claim does ([`claim_ttl`]). Returns how many were new.
    fn add(
        &mut self,
        now: DateTime<Utc>,
        entries: &[Entry],
        keeping: Keeping,
    ) -> Result<u64, StoreError> {
        let clock = Utc::now();
        let earlier_ms = now.min(clock).timestamp_millis();
        let mut pipe = redis::pipe();
        for entry in entries {
            let expiry = keeping.expiry(entry, self.keeps);
            if expiry.is_some_and(|at| at < earlier_ms) {
                // Expired already: a replay of it fails as stale.
                continue;
            }
            // No expiry, or one past what any window keeps: kept for ever.
            let ttl = expiry.and_then(|at| ttl_until(at, now, clock));
            let key = format!("{PREFIX}{}", hex::encode(entry.pair.0));
            let value = serde_json::to_string(&Value_ {
                body: hex::encode(entry.body_hmac),
                seen_at: entry.seen_at_ms,
                partner_id: entry.partner_id.clone(),
                timestamp: entry.timestamp.clone(),
            })
            .expect("a value serialises");
            Self::set_nx(&mut pipe, &key, &value, ttl);
        }
        let replies = exchange(&mut self.conn, &pipe).map_err(|e| self.fail(e))?;
        Ok(replies.iter().filter(|v| is_ok(v)).count() as u64)
    }

    /// Deletes those of `keys` expired at `now_ms` by the kept window as the store holds it now,
    /// and says how many went; `None` when the window changed before the delete (nothing is
    /// deleted then). The window's text is sent back as it was read, for the script to compare.
    fn drop_expired(&mut self, keys: &[String], now_ms: i64) -> Result<Option<u64>, StoreError> {
        if keys.is_empty() {
            return Ok(Some(0));
        }
        let written: Option<String> = redis::cmd("HGET")
            .arg(META)
            .arg("keeps")
            .query(&mut self.conn)
            .map_err(|e| self.meta_fail(&e))?;
        let unreadable = || StoreError::damaged(&self.name, "its kept window is unreadable");
        let written = written.ok_or_else(unreadable)?;
        let keeps = Keeps::decode(&written).ok_or_else(unreadable)?;
        self.keeps = keeps;
        let raw: Vec<Option<String>> = redis::cmd("MGET")
            .arg(keys)
            .query(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        let ttls = self.ttls(keys)?;
        let expired: Vec<(&String, String)> = keys
            .iter()
            .zip(raw)
            .zip(ttls)
            .filter_map(|((key, raw), ttl)| {
                let value: Value_ = serde_json::from_str(raw.as_deref()?).ok()?;
                // A key without an expiry is kept for ever (no window yet, or none at all).
                let expires = keeps.expires_at(value.seen_at).filter(|_| ttl >= 0)?;
                (expires < now_ms).then_some((key, raw?))
            })
            .collect();
        if expired.is_empty() {
            return Ok(Some(0));
        }
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(DROP_UNCHANGED).arg(expired.len() + 1).arg(META);
        for (key, _) in &expired {
            cmd.arg(*key);
        }
        cmd.arg(&written);
        for (_, value) in &expired {
            cmd.arg(value);
        }
        let n: i64 = cmd.query(&mut self.conn).map_err(|e| self.meta_fail(&e))?;
        Ok(u64::try_from(n).ok())
    }

    /// `SET key value NX`, to expire `ttl` milliseconds from now by the server's clock (`None`:
    /// never), added to `pipe`.
    fn set_nx(pipe: &mut redis::Pipeline, key: &str, value: &str, ttl: Option<i64>) {
        let cmd = pipe.cmd("SET").arg(key).arg(value).arg("NX");
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(ttl.max(1));
        }
    }
}

impl ReplayStore for RedisStore {
    /// Sets the meta up again on the connection: this needs the server to answer and to take a
    /// write, and puts back a meta that went missing (a flushed database). On any failure,
    /// connects afresh once.
    fn ping(&mut self) -> Result<(), StoreError> {
        if !self.lost {
            let checked = set_up(
                &mut self.conn,
                &self.name,
                self.password.as_deref(),
                &self.salt,
                self.keeps,
            );
            match checked {
                Ok((salt, _)) if salt == self.salt => {}
                _ => self.lost = true,
            }
        }
        self.recover()?;
        // A server set to evict keys since the store was opened (`CONFIG SET`) would forget
        // callbacks: a health check says so, as a start would.
        if self.window.is_some() {
            let checked = refuse_evicting(&mut self.conn, &self.name, self.password.as_deref());
            self.noting(checked)?;
            self.eviction_checked = Instant::now();
        }
        Ok(())
    }

    fn claim_digests(
        &mut self,
        now: DateTime<Utc>,
        claims: &[DigestClaim<'_>],
    ) -> Result<Vec<Claim>, StoreError> {
        self.recover()?;
        // A server set to evict keys since (`CONFIG SET`) would forget what is claimed now.
        if self.window.is_some() && self.eviction_checked.elapsed() >= EVICTION_RECHECK {
            let checked = refuse_evicting(&mut self.conn, &self.name, self.password.as_deref());
            self.noting(checked)?;
            self.eviction_checked = Instant::now();
        }
        let claimed = self.claim_on_connection(now, claims);
        let claimed = match self.noting(claimed)? {
            Some(answers) => Ok(answers),
            // The database was flushed: set up again (with this store's salt and window, unless
            // another process came first with its own), then claimed once more.
            None => {
                self.lost = true;
                self.recover()?;
                let retried = self.claim_on_connection(now, claims);
                self.noting(retried)?.ok_or_else(|| {
                    StoreError::damaged(&self.name, "its meta went missing again while claiming")
                })
            }
        };
        self.noting(claimed)
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let (mut entries, mut oldest, mut newest) = (0u64, None::<i64>, None::<i64>);
        self.unreadable = 0;
        self.each_key(|store, keys| {
            for value in store.values(&keys)?.into_iter().flatten() {
                entries += 1;
                oldest = Some(oldest.map_or(value.seen_at, |o| o.min(value.seen_at)));
                newest = Some(newest.map_or(value.seen_at, |n| n.max(value.seen_at)));
            }
            Ok(())
        })?;
        self.refuse_unreadable()?;
        Ok(Stats {
            entries,
            oldest_seen_at: oldest.map(ms_text),
            newest_seen_at: newest.map(ms_text),
            keeps: self.keeps,
        })
    }

    /// Drops the entries expired at `now` by the kept window, as SQLite does. The server lets
    /// keys expire by its own clock from the moment of each claim; an entry's expiry is
    /// `seen_at` (the claiming run's now) plus the window, which a `--now` may put apart.
    fn prune(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now_ms = now.timestamp_millis();
        let mut dropped = 0;
        self.each_key(|store, keys| {
            // A run may widen the window while the keys are gone through: the batch is judged
            // again by the wider one (a window only widens, so this ends).
            for _ in 0..16 {
                if let Some(n) = store.drop_expired(&keys, now_ms)? {
                    dropped += n;
                    return Ok(());
                }
            }
            Err(StoreError::unavailable(
                &store.name,
                "its kept window kept changing while expired entries were dropped; try again",
            ))
        })?;
        Ok(dropped)
    }

    fn import(&mut self, now: DateTime<Utc>, entries: &[Imported]) -> Result<u64, StoreError> {
        let keyed: Vec<Entry> = entries.iter().map(|e| e.keyed(&self.body_key)).collect();
        self.add(now, &keyed, Keeping::ByWindow)
    }

    fn export(&mut self, each: &mut dyn FnMut(Entry) -> io::Result<()>) -> Result<(), StoreError> {
        let name = self.name.clone();
        self.unreadable = 0;
        let keeps = self.keeps;
        self.each_key(|store, keys| {
            let (values, ttls) = (store.values(&keys)?, store.ttls(&keys)?);
            for ((key, value), ttl) in keys.iter().zip(values).zip(ttls) {
                let mut pair = [0; 16];
                let mut body_hmac = [0; 32];
                // Gone since the scan, or not an entry of ours: left out.
                let Some(value) = value.filter(|value| {
                    key.strip_prefix(PREFIX)
                        .is_some_and(|hex| hex::decode_to_slice(hex, &mut pair).is_ok())
                        && hex::decode_to_slice(&value.body, &mut body_hmac).is_ok()
                        && ttl != -2
                }) else {
                    continue;
                };
                each(Entry {
                    partner_id: value.partner_id,
                    timestamp: value.timestamp,
                    pair: PairId(pair),
                    body_hmac,
                    seen_at_ms: value.seen_at,
                    // By the kept window, as `prune` reckons it (the server's time to live runs
                    // from the claim by its own clock). -1: the key has no expiry.
                    expires_at_ms: keeps.expires_at(value.seen_at).filter(|_| ttl >= 0),
                })
                .map_err(|e| StoreError::unavailable(&name, e))?;
            }
            Ok(())
        })?;
        self.refuse_unreadable()
    }

    fn basis(&mut self) -> Result<Basis, StoreError> {
        Ok(Basis {
            salt: self.salt,
            keeps: self.keeps,
        })
    }

    fn copy_in(&mut self, now: DateTime<Utc>, entries: &[Entry]) -> Result<u64, StoreError> {
        self.add(now, entries, Keeping::AtLeastOwn)
    }
}

/// Adds to `pipe` the lengthening of each entry (key, milliseconds from now, whether to date
/// it also when it has no expiry) as the kept window `keeps` reckons it (see [`LENGTHEN`]).
fn lengthen(pipe: &mut redis::Pipeline, keeps: Keeps, entries: &[(&String, i64, bool)]) {
    if entries.is_empty() {
        return;
    }
    let cmd = pipe
        .cmd("EVAL")
        .arg(LENGTHEN)
        .arg(entries.len() + 1)
        .arg(META);
    for (key, _, _) in entries {
        cmd.arg(*key);
    }
    cmd.arg(keeps.encode());
    for (_, ms, unexpiring) in entries {
        cmd.arg((*ms).max(1))
            .arg(if *unexpiring { "1" } else { "0" });
    }
    cmd.ignore();
}

/// Whether a reply is `OK` (a `SET ... NX` that set its key).
fn is_ok(reply: &Value) -> bool {
    matches!(reply, Value::Okay) || matches!(reply, Value::SimpleString(s) if s == "OK")
}

/// Where a Redis password can come from instead of the URL: a URL on the command line is visible
/// to every user of the machine (`ps`, `/proc`), a variable only to the process's own user.
pub const PASSWORD_ENV: &str = "SMILE_SEC_REDIS_PASSWORD";

fn password_from_env() -> Option<String> {
    std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty())
}

/// What to tell the user about where `url`'s password comes from: a password in the URL is
/// exposed on the command line, and beats [`PASSWORD_ENV`] (what is typed wins).
pub fn password_notices(url: &str) -> Vec<String> {
    let mut notices = Vec::new();
    if redact(url).1.is_some_and(|p| !p.is_empty()) {
        notices.push(format!(
            "the Redis password in the URL is visible to other users of this machine; give it in {PASSWORD_ENV} instead"
        ));
        if password_from_env().is_some() {
            notices.push(format!(
                "{PASSWORD_ENV} is set but not used: the password in the URL wins"
            ));
        }
    }
    notices
}

/// A Redis error as the store's: the server's words, the password scrubbed from them, and for a
/// failure that a setting of the server causes, which setting.
fn server_error(
    name: &str,
    password: Option<&str>,
    what: Option<&str>,
    e: &redis::RedisError,
) -> StoreError {
    let what_failed = what.unwrap_or("cannot connect");
    if let Some(tls) = tls_failure(e) {
        let words = crate::tls::in_words(tls, crate::tls::Roots::System);
        let unknown_issuer = matches!(
            tls,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        );
        return StoreError {
            kind: super::ErrorKind::Unavailable,
            message: format!("replay store {name}: {what_failed}: {words}"),
            hint: unknown_issuer.then(crate::tls::system_roots_hint),
        };
    }
    if let Some(roots) = held::<rustls_native_certs::Error>(e) {
        return StoreError {
            kind: super::ErrorKind::Unavailable,
            message: format!(
                "replay store {name}: {what_failed}: the certificate authorities to trust cannot \
                 be read: {roots}"
            ),
            hint: Some(
                "SSL_CERT_FILE and SSL_CERT_DIR, when set, must name readable PEM certificates \
                 (they take the place of the system's store)"
                    .into(),
            ),
        };
    }
    let text = shortened(client_words(e, password));
    let (cause, hint) = match e.kind() {
        redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly) => (
            Some("the server is a read-only replica, so nothing can be recorded"),
            Some("name the primary in --seen".to_owned()),
        ),
        redis::ErrorKind::Server(redis::ServerErrorKind::NoPerm) => (
            Some("the Redis user may not run a command the store needs"),
            Some(
                "allow it SELECT, GET, SET, DEL, EXISTS, MGET, HGET, HSET, HSETNX, HMGET, HDEL, \
                 SCAN, PTTL, PEXPIRE, PERSIST, EVAL, WATCH, UNWATCH, MULTI, EXEC, INFO and PING"
                    .to_owned(),
            ),
        ),
        redis::ErrorKind::AuthenticationFailed => (
            Some("the server refused the credentials"),
            Some(format!(
                "check the password (in the URL or {PASSWORD_ENV}) and the user"
            )),
        ),
        _ if e.code() == Some("NOAUTH") || text.contains("Authentication required") => (
            Some("the server asks for a password"),
            Some(format!(
                "give it in {PASSWORD_ENV} (or in the URL, where other users of the machine can read it)"
            )),
        ),
        _ if e.is_timeout() => {
            let (wait, waited) = if what == Some("cannot connect") {
                (CONNECT_TIMEOUT, "to connect")
            } else {
                (IO_TIMEOUT, "for an answer")
            };
            let tls = if name.starts_with("rediss://") {
                "; a rediss:// URL needs a server that speaks TLS on that port"
            } else {
                ""
            };
            (
                Some("the server did not answer in time"),
                Some(format!(
                    "check that the server is up and not overloaded (smile-sec waits {}s {waited}){tls}",
                    wait.as_secs()
                )),
            )
        }
        _ if e.code() == Some("OOM") => (
            Some("the server is out of memory"),
            Some(
                "raise its maxmemory, and keep the noeviction policy: an entry evicted lets its \
                 replay through"
                    .to_owned(),
            ),
        ),
        _ => (None, None),
    };
    let text = [what, cause, Some(text.as_str())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    StoreError {
        kind: super::ErrorKind::Unavailable,
        message: format!("replay store {name}: {text}"),
        hint,
    }
}

/// The error behind a client error, when it is a `T`: the client keeps it in an `Arc` of its
/// own, whose `source` passes over it to the error's own source.
fn held<T: std::error::Error + 'static>(e: &redis::RedisError) -> Option<&T> {
    use std::error::Error;
    let held = Error::source(e)?.downcast_ref::<std::sync::Arc<dyn Error + Send + Sync>>()?;
    held.downcast_ref::<T>()
}

/// The TLS failure behind a client error, if it is one: it comes inside an I/O error.
fn tls_failure(e: &redis::RedisError) -> Option<&rustls::Error> {
    held::<io::Error>(e)?
        .get_ref()?
        .downcast_ref::<rustls::Error>()
}

/// Sends `pipe` and reads one reply for each of its commands (those it ignores too), stopping
/// at the first that fails: the client's own pipelines go on reading after a timeout, one
/// timeout for every reply still due, so a server that stops answering in the middle of a batch
/// of thousands of claims would hold a run for days. An error reply is that reply's error. The
/// connection is out of step after an error, and is not used again (see `lost`).
fn exchange(conn: &mut Connection, pipe: &redis::Pipeline) -> redis::RedisResult<Vec<Value>> {
    exchange_at(conn, pipe).map_err(|(_, e)| e)
}

/// [`exchange`], with the error the place in `pipe` of the command whose reply it is (`None`:
/// sending failed).
fn exchange_at(
    conn: &mut Connection,
    pipe: &redis::Pipeline,
) -> Result<Vec<Value>, (Option<usize>, redis::RedisError)> {
    if pipe.is_empty() {
        return Ok(Vec::new());
    }
    conn.send_packed_command(&pipe.get_packed_pipeline())
        .map_err(|e| (None, e))?;
    (0..pipe.len())
        .map(|at| {
            conn.recv_response()
                .and_then(Value::extract_error)
                .map_err(|e| (Some(at), e))
        })
        .collect()
}

/// A connection with its time limits set.
fn connect(
    client: &redis::Client,
    name: &str,
    password: Option<&str>,
) -> Result<Connection, StoreError> {
    let unavailable =
        |e: redis::RedisError| server_error(name, password, Some("cannot connect"), &e);
    let conn = client
        .get_connection_with_timeout(CONNECT_TIMEOUT)
        .map_err(unavailable)?;
    conn.set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| conn.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(unavailable)?;
    Ok(conn)
}

/// Marks the database as a store of ours and gives it `salt` and `keeps` where it has none
/// (`HSETNX`: whichever process comes first sets them); returns the salt and the window it
/// holds. A meta hash made by anything else is refused.
fn set_up(
    conn: &mut Connection,
    name: &str,
    password: Option<&str>,
    salt: &[u8; 32],
    keeps: Keeps,
) -> Result<([u8; 32], Keeps), StoreError> {
    // Asked first, so that a key of that name made by anything else is left as it was: ours
    // always has its mark, which the first process to set it up writes before anything else.
    let (app, exists): (Option<String>, bool) = redis::pipe()
        .atomic()
        .cmd("HGET")
        .arg(META)
        .arg("app")
        .cmd("EXISTS")
        .arg(META)
        .query(conn)
        .map_err(|e| meta_error(name, password, &e))?;
    if app.as_ref().map_or(exists, |app| app != MARK) {
        return Err(foreign(name));
    }
    let found = redis::pipe()
        .cmd("HSETNX")
        .arg(META)
        .arg("app")
        .arg(MARK)
        .ignore()
        .cmd("HSETNX")
        .arg(META)
        .arg("salt")
        .arg(hex::encode(salt))
        .ignore()
        .cmd("HSETNX")
        .arg(META)
        .arg("keeps")
        .arg(keeps.encode())
        .ignore()
        .cmd("HMGET")
        .arg(META)
        .arg(&["app", "salt", "keeps"])
        .query::<Vec<Meta>>(conn)
        .map_err(|e| meta_error(name, password, &e))?
        .pop()
        .unwrap_or_default();
    decode_meta(name, found)
}

/// `smile-sec:meta`'s `app`, `salt` and `keeps`.
type Meta = (Option<String>, Option<String>, Option<String>);

/// The salt and window of the store in the database, read without writing anything.
fn read_meta(
    conn: &mut Connection,
    name: &str,
    password: Option<&str>,
) -> Result<([u8; 32], Keeps), StoreError> {
    let found: Meta = redis::cmd("HMGET")
        .arg(META)
        .arg(&["app", "salt", "keeps"])
        .query(conn)
        .map_err(|e| meta_error(name, password, &e))?;
    if found.0.is_none() {
        return Err(StoreError::unavailable(
            name,
            format!("this database holds no replay store ({META} is missing)"),
        ));
    }
    decode_meta(name, found)
}

/// A server error on `smile-sec:meta`: one that says the key holds another type than a hash
/// (`WRONGTYPE`) means something else made it.
fn meta_error(name: &str, password: Option<&str>, e: &redis::RedisError) -> StoreError {
    let wrong_type = e.code() == Some("WRONGTYPE")
        || e.clone()
            .into_server_errors()
            .is_some_and(|errors| errors.iter().any(|(_, error)| error.code() == "WRONGTYPE"));
    if wrong_type {
        foreign(name)
    } else {
        server_error(name, password, None, e)
    }
}

fn foreign(name: &str) -> StoreError {
    StoreError::refused(
        name,
        format!("its key {META} belongs to something else"),
        Some("use another database number (redis://HOST/N) for smile-sec".into()),
    )
}

fn decode_meta(name: &str, (app, salt, keeps): Meta) -> Result<([u8; 32], Keeps), StoreError> {
    if app.as_deref() != Some(MARK) {
        return Err(foreign(name));
    }
    let mut salt_bytes = [0; 32];
    salt.and_then(|s| hex::decode_to_slice(s, &mut salt_bytes).ok())
        .ok_or_else(|| StoreError::damaged(name, format!("{META} holds no usable salt")))?;
    let keeps = keeps
        .as_deref()
        .and_then(Keeps::decode)
        .ok_or_else(|| StoreError::damaged(name, format!("{META} holds no usable window")))?;
    Ok((salt_bytes, keeps))
}

/// Refuses a server that may evict keys when its memory is full: an evicted entry is a
/// forgotten callback, whose replay then passes. Asked before anything is recorded (by a run or
/// an import); looking after a store (stats, export, prune) needs no such promise. A server
/// whose `INFO` does not tell (a proxy, another implementation) is taken as it is.
fn refuse_evicting(
    conn: &mut Connection,
    name: &str,
    password: Option<&str>,
) -> Result<(), StoreError> {
    let info: redis::InfoDict = redis::cmd("INFO")
        .arg("memory")
        .query(conn)
        .map_err(|e| server_error(name, password, None, &e))?;
    let limit: Option<u64> = info.get("maxmemory");
    let policy: Option<String> = info.get("maxmemory_policy");
    let (Some(limit @ 1..), Some(policy)) = (limit, policy) else {
        return Ok(());
    };
    if policy == "noeviction" {
        return Ok(());
    }
    // The server's own words, shown only when they are a policy's name.
    let policy = if policy.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        policy
    } else {
        "other than noeviction".to_owned()
    };
    Err(StoreError::refused(
        name,
        format!(
            "the server evicts keys when its memory is full (maxmemory {limit} bytes, \
             maxmemory-policy {policy})"
        ),
        Some(
            "set maxmemory-policy noeviction (or maxmemory 0): an evicted entry is a forgotten \
             callback, whose replay then passes"
                .into(),
        ),
    ))
}

/// Refuses a server that runs no scripts (`EVAL`: off for a user without `@scripting`, and on
/// some managed servers), before anything is written: entries are re-dated by a script when the
/// window grows, and a run that could not would leave them dated by the narrower window.
fn refuse_without_scripts(
    conn: &mut Connection,
    name: &str,
    password: Option<&str>,
) -> Result<(), StoreError> {
    match redis::cmd("EVAL").arg("return 1").arg(0).query::<i64>(conn) {
        Ok(_) => Ok(()),
        Err(e) if e.is_io_error() || e.is_timeout() => Err(server_error(name, password, None, &e)),
        Err(e) => Err(StoreError::refused(
            name,
            format!(
                "the server does not run scripts (EVAL): {}",
                client_words(&e, password)
            ),
            Some("allow EVAL for this user (the @scripting commands)".into()),
        )),
    }
}

/// The most of a server's error shown: a failed pipeline of thousands of claims repeats the
/// error once for each of them.
const MAX_ERROR_TEXT: usize = 300;

fn shortened(mut text: String) -> String {
    if text.len() > MAX_ERROR_TEXT {
        let mut end = MAX_ERROR_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" (...)");
    }
    text
}

/// `text` with the password in use replaced, whatever repeats it (an error quoting the URL).
fn scrubbed(text: String, password: Option<&str>) -> String {
    match password.filter(|p| !p.is_empty()) {
        Some(p) => text.replace(p, "(password)"),
        None => text,
    }
}

/// A part of `url` the client would pass over silently (`?db=4`, `#x`), said by its name only
/// (a value may be a secret). `protocol` is the one option the client reads.
fn unread_part(url: &str) -> Option<String> {
    if url.contains('#') {
        return Some("a fragment (`#...`)".into());
    }
    let (_, query) = url.split_once('?')?;
    query
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(key, _)| key))
        .find(|key| *key != "protocol")
        .map(|key| {
            if key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && key.len() <= 32 {
                format!("the option `{key}`")
            } else {
                "an option".into()
            }
        })
}

/// Whether `url` gives a password in its query, which Redis clients do not read as one (and
/// which may hold an `@`, which the reading of a URL's user-info below would take as its end).
fn names_password_in_options(url: &str) -> bool {
    url.to_ascii_lowercase().contains("password=")
}

/// The URL as it may be shown, its password replaced.
pub(super) fn shown(url: &str) -> String {
    redact(url).0
}

/// The URL as it may be shown (its password replaced), and the password.
fn redact(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    if names_password_in_options(url) {
        return (format!("{scheme}://(not shown: it holds a password)"), None);
    }
    // A password may hold `/`, `?`, `#` or `@` written as they are, and the host and database
    // number hold none: the user-info ends at the last `@`.
    let (user_info, rest) = match rest.rsplit_once('@') {
        Some((user_info, rest)) => (Some(user_info), rest),
        None => (None, rest),
    };
    let (place, query) = match rest.split_once(['?', '#']) {
        Some((place, query)) => (place, Some(query)),
        None => (rest, None),
    };
    let (shown_user, password) = match user_info.map(|info| info.split_once(':')) {
        Some(Some(("", password))) => ("(password)@".to_owned(), Some(password.to_owned())),
        // A user name is shown only when it cannot be part of something else: an `@` in the
        // options (`?x=a@b`) moves the end of the user-info past the host, into what holds a
        // lone user-info that may be a password.
        Some(Some((user, password))) if !user.contains(['@', '/', '?', '#']) => {
            (format!("{user}:(password)@"), Some(password.to_owned()))
        }
        Some(Some((_, password))) => ("(user):(password)@".to_owned(), Some(password.to_owned())),
        // A lone user-info is a user name to Redis clients; it is not shown all the same, in
        // case a password was written there.
        Some(None) => ("(user)@".to_owned(), None),
        None => (String::new(), None),
    };
    let shown = match query {
        Some(_) => format!("{scheme}://{shown_user}{place}?(options)"),
        None => format!("{scheme}://{shown_user}{place}"),
    };
    (shown, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_told_without_the_rust_name_of_their_kind() {
        let plain =
            redis::RedisError::from((redis::ErrorKind::InvalidClientConfig, "Missing hostname"));
        assert_eq!(plain.to_string(), "Missing hostname - InvalidClientConfig");
        assert_eq!(client_words(&plain, None), "Missing hostname");
        let detailed = redis::RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError),
            "Redis server refused to switch database",
            "DB index is out of range".to_owned(),
        ));
        assert_eq!(
            client_words(&detailed, None),
            "Redis server refused to switch database: DB index is out of range"
        );
        // A password that holds the kind's name is hidden whole, never cut by it.
        let password = "pw - Server(ResponseError)x";
        let quoting = redis::RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError),
            "refused",
            format!("bad {password}"),
        ));
        assert_eq!(
            client_words(&quoting, Some(password)),
            "refused: bad (password)"
        );
    }

    #[test]
    fn an_entry_lasts_what_is_left_of_it_plus_how_far_the_runs_now_lies_from_the_clock() {
        let clock = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let at = |seconds: i64| clock + chrono::Duration::seconds(seconds);
        let ms = |seconds: i64| at(seconds).timestamp_millis();
        // (expiry, the run's now, ttl)
        let cases = [
            (ms(60), at(0), Some(60_000)),
            // A now ahead of the clock: the clock has that much further to go.
            (ms(60), at(10), Some(60_000)),
            // A now behind it: later runs may lag as far again.
            (ms(60), at(-10), Some(80_000)),
            // Expiring at the run's very now: kept for what the allowance gives.
            (ms(0), at(0), Some(0)),
            (ms(-5), at(-10), Some(15_000)),
            // Past what any window keeps: for ever.
            (ms(0).saturating_add(LONGEST_KEPT_MS + 1), at(0), None),
        ];
        for (expiry, now, ttl) in cases {
            assert_eq!(
                ttl_until(expiry, now, clock),
                ttl,
                "expiry {expiry}, now {now}"
            );
        }
        // A claim lasts the whole window plus the distance.
        let keeps = Keeps::Window {
            max_age_ms: 60_000,
            max_future_ms: 0,
        };
        assert_eq!(claim_ttl(keeps, Utc::now()).map(|t| t / 1000), Some(60));
    }

    #[test]
    fn long_errors_are_cut_short() {
        assert_eq!(shortened("OOM".into()), "OOM");
        let long = shortened("é".repeat(1000));
        assert!(
            long.len() <= MAX_ERROR_TEXT + 6 && long.ends_with(" (...)"),
            "{long}"
        );
    }

    #[test]
    fn passwords_never_show() {
        for (url, shown, password) in [
            ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/2", None),
            (
                "redis://:hunter2@h:1/0",
                "redis://(password)@h:1/0",
                Some("hunter2"),
            ),
            (
                "rediss://me:hunter2@h/",
                "rediss://me:(password)@h/",
                Some("hunter2"),
            ),
            // A user name alone: not a password, and not shown either.
            ("redis://hunter2@h", "redis://(user)@h", None),
            (
                "redis://u:p@ss:hunter2@h",
                "redis://u:(password)@h",
                Some("p@ss:hunter2"),
            ),
            // Passwords with the URL's own delimiters in them, which no URL parser accepts.
            (
                "redis://:hunter2/x@h:1/0",
                "redis://(password)@h:1/0",
                Some("hunter2/x"),
            ),
            (
                "redis://:hun#ter2@h/0",
                "redis://(password)@h/0",
                Some("hun#ter2"),
            ),
            (
                "redis://:hun?ter2@h",
                "redis://(password)@h",
                Some("hun?ter2"),
            ),
            (
                "redis://h:1/0?protocol=resp3",
                "redis://h:1/0?(options)",
                None,
            ),
            (
                "redis://h:1/0?password=p@hunter2",
                "redis://(not shown: it holds a password)",
                None,
            ),
            // An `@` in the options after a lone user-info.
            (
                "redis://hunter2@h:6379/9?x=a@b",
                "redis://(user):(password)@b",
                Some("6379/9?x=a"),
            ),
        ] {
            let (name, found) = redact(url);
            assert_eq!(name, shown, "{url}");
            assert_eq!(found.as_deref(), password, "{url}");
            assert!(
                !name.contains("hunter2") && !name.contains("ter2"),
                "{name}"
            );
        }
    }
}
