//! Claiming accepted callbacks from the async server: in the `--seen` store, or in the process's
//! own memory when none is named. The store is blocking (SQLite, Redis), so its calls run on
//! tokio's blocking pool, one at a time behind a mutex.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::memory::MemoryStore;
use crate::store::{Claim, PairClaim, ReplayStore};

/// An accepted callback's pair and canonical body, owned so that it can move to another thread.
#[derive(Debug)]
pub struct Pair {
    pub partner_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
}

impl Pair {
    fn claim(&self) -> PairClaim<'_> {
        PairClaim {
            partner_id: &self.partner_id,
            timestamp: &self.timestamp,
            signature: &self.signature,
            body: &self.body,
        }
    }
}

enum Backend {
    Store(Box<dyn ReplayStore>),
    Memory(MemoryStore),
}

#[derive(Clone)]
pub struct Claims {
    backend: Arc<Mutex<Backend>>,
}

impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Claims")
    }
}

impl Claims {
    /// Claims in a `--seen` store.
    pub fn store(store: Box<dyn ReplayStore>) -> Self {
        Claims::with(Backend::Store(store))
    }

    /// Claims in this process's memory.
    pub fn memory(memory: MemoryStore) -> Self {
        Claims::with(Backend::Memory(memory))
    }

    fn with(backend: Backend) -> Self {
        Claims {
            backend: Arc::new(Mutex::new(backend)),
        }
    }

    /// Claims `pair` as seen at `now`. `Err` carries a message about the store, safe to print.
    pub async fn claim(&self, now: DateTime<Utc>, pair: Pair) -> Result<Claim, String> {
        self.blocking(move |backend| match backend {
            Backend::Memory(memory) => Ok(memory.claim(now, &pair.claim())),
            Backend::Store(store) => store
                .claim(now, &[pair.claim()])
                .map_err(|e| e.message)?
                .pop()
                .ok_or_else(|| "the replay store answered no claim".to_owned()),
        })
        .await
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), String> {
        self.blocking(|backend| match backend {
            Backend::Memory(_) => Ok(()),
            Backend::Store(store) => store.ping().map_err(|e| e.message),
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&mut Backend) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let backend = Arc::clone(&self.backend);
        tokio::task::spawn_blocking(move || {
            call(&mut backend.lock().unwrap_or_else(PoisonError::into_inner))
        })
        .await
        .map_err(|e| format!("replay store task failed: {e}"))?
    }
}
