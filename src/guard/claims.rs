//! Claiming accepted callbacks in the replay store from the async server. The store is blocking
//! (SQLite, Redis), so every call runs on tokio's blocking pool, one at a time behind a mutex.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::store::{Claim, PairClaim, ReplayStore};

/// An accepted callback's pair and canonical body, owned so that it can move to another thread.
#[derive(Debug)]
pub struct Pair {
    pub partner_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
}

#[derive(Clone)]
pub struct Claims {
    store: Arc<Mutex<Box<dyn ReplayStore>>>,
}

impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Claims")
    }
}

impl Claims {
    pub fn new(store: Box<dyn ReplayStore>) -> Self {
        Claims {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Claims `pair` as seen at `now`. `Err` carries a message about the store, safe to print.
    pub async fn claim(&self, now: DateTime<Utc>, pair: Pair) -> Result<Claim, String> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            let claim = PairClaim {
                partner_id: &pair.partner_id,
                timestamp: &pair.timestamp,
                signature: &pair.signature,
                body: &pair.body,
            };
            let mut claims = store
                .claim(now, std::slice::from_ref(&claim))
                .map_err(|e| e.to_string())?;
            claims
                .pop()
                .ok_or_else(|| "the replay store answered no claim".to_owned())
        })
        .await
        .map_err(|e| format!("replay store task failed: {e}"))?
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), String> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            store
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .ping()
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| format!("replay store task failed: {e}"))?
    }
}
