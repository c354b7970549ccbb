//! The replay record a gate keeps in its own memory when no `--seen` store is named. It catches a
//! replay sent to this process while the callback could still pass the freshness check; it is
//! lost when the process stops and is not shared with other instances (a `--seen` store is).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::callbacks::store::{Claim, PairClaim};
use crate::callbacks::verdict::Window;

/// Entries held before the first sweep of expired ones.
const FIRST_SWEEP: usize = 4096;

#[derive(Debug)]
pub struct MemoryStore {
    window: Window,
    /// SHA-256 of the pair -> SHA-256 of the body and when the entry may go.
    entries: HashMap<[u8; 32], Entry>,
    /// Expired entries are dropped when the map reaches this size, which then doubles what is
    /// left: sweeping costs a constant amount per claim.
    sweep_at: usize,
}

#[derive(Debug)]
struct Entry {
    body: [u8; 32],
    /// After this moment a replay of the pair fails as stale anyway; `None`: never.
    expires: Option<DateTime<Utc>>,
}

impl MemoryStore {
    pub fn new(window: Window) -> Self {
        MemoryStore {
            window,
            entries: HashMap::new(),
            sweep_at: FIRST_SWEEP,
        }
    }

    fn expiry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let max_age = self.window.max_age?;
        now.checked_add_signed(max_age)?
            .checked_add_signed(self.window.max_future)
    }

    fn sweep(&mut self, now: DateTime<Utc>) {
        if self.entries.len() < self.sweep_at {
            return;
        }
        self.entries
            .retain(|_, entry| entry.expires.is_none_or(|at| at >= now));
        self.sweep_at = (self.entries.len() * 2).max(FIRST_SWEEP);
    }
}

/// Names a pair without keeping its signature: each part is length-prefixed, so no two pairs
/// run together into the same bytes.
fn pair_key(claim: &PairClaim<'_>) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [claim.partner_id, claim.timestamp, claim.signature] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

impl MemoryStore {
    /// Claims one pair at `now`: new, an identical resend, or a replay.
    pub fn claim(&mut self, now: DateTime<Utc>, claim: &PairClaim<'_>) -> Claim {
        self.sweep(now);
        let key = pair_key(claim);
        let body: [u8; 32] = Sha256::digest(claim.body).into();
        match self.entries.get(&key) {
            // Held through its expiry itself: a replay at that moment is exactly --max-age old,
            // which is not stale.
            Some(held) if held.expires.is_none_or(|at| at >= now) => {
                if held.body == body {
                    Claim::Resend
                } else {
                    Claim::Replay
                }
            }
            _ => {
                let expires = self.expiry(now);
                self.entries.insert(key, Entry { body, expires });
                Claim::New
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn claim<'a>(timestamp: &'a str, body: &'a [u8]) -> PairClaim<'a> {
        PairClaim {
            partner_id: "085",
            timestamp,
            signature: "sig",
            body,
        }
    }

    fn one(store: &mut MemoryStore, now: DateTime<Utc>, c: PairClaim<'_>) -> &'static str {
        match store.claim(now, &c) {
            Claim::New => "new",
            Claim::Resend => "resend",
            Claim::Replay => "replay",
        }
    }

    #[test]
    fn new_resend_replay_and_expiry() {
        let mut store = MemoryStore::new(Window {
            max_age: Some(Duration::minutes(10)),
            max_future: Duration::minutes(5),
        });
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(one(&mut store, now, claim("t", b"{}")), "new");
        assert_eq!(one(&mut store, now, claim("t", b"{}")), "resend");
        assert_eq!(one(&mut store, now, claim("t", b"{\"a\":1}")), "replay");
        assert_eq!(one(&mut store, now, claim("t2", b"{\"a\":1}")), "new");
        // At max_age + max_future a callback signed max_future ahead is exactly max_age old,
        // still fresh: the entry holds. Past it the pair would be stale: the entry is gone.
        let expiry = now + Duration::minutes(15);
        assert_eq!(one(&mut store, expiry, claim("t", b"{\"a\":1}")), "replay");
        let later = expiry + Duration::milliseconds(1);
        assert_eq!(one(&mut store, later, claim("t", b"{\"a\":1}")), "new");
    }

    #[test]
    fn without_max_age_entries_stay() {
        let mut store = MemoryStore::new(Window {
            max_age: None,
            max_future: Duration::minutes(5),
        });
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(one(&mut store, now, claim("t", b"{}")), "new");
        let much_later = now + Duration::days(3650);
        assert_eq!(one(&mut store, much_later, claim("t", b"[]")), "replay");
    }
}
