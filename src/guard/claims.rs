//! Claiming accepted callbacks from the async server: in the `--seen` store, or in the process's
//! own memory when none is named. The store is blocking (SQLite, Redis), so one thread of its own
//! talks to it. Claims that arrive while it is busy are claimed together in one call: one SQLite
//! transaction (one durable commit) or one Redis round trip for all of them, so the store's
//! latency bounds the rate of batches, not of callbacks.

use std::sync::mpsc;
use std::thread;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::memory::MemoryStore;
use crate::callbacks::store::{Claim, PairClaim, ReplayStore};

/// The most claims put into one call of the store.
const MAX_BATCH: usize = 256;

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

enum Job {
    Claim {
        now: DateTime<Utc>,
        pair: Pair,
        answer: oneshot::Sender<Result<Claim, String>>,
    },
    Ping(oneshot::Sender<Result<(), String>>),
}

/// The handle the server keeps; the thread behind it ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct Claims {
    jobs: mpsc::Sender<Job>,
}

impl Claims {
    /// Claims in a `--seen` store.
    pub fn store(store: Box<dyn ReplayStore>) -> std::io::Result<Self> {
        Claims::with(Backend::Store(store))
    }

    /// Claims in this process's memory.
    pub fn memory(memory: MemoryStore) -> std::io::Result<Self> {
        Claims::with(Backend::Memory(memory))
    }

    fn with(mut backend: Backend) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        thread::Builder::new()
            .name("replay-store".into())
            .spawn(move || serve(&mut backend, &queue))?;
        Ok(Claims { jobs })
    }

    /// Claims `pair` as seen at `now`. `Err` carries a message about the store, safe to print.
    pub async fn claim(&self, now: DateTime<Utc>, pair: Pair) -> Result<Claim, String> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job::Claim { now, pair, answer })
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), String> {
        let (answer, answered) = oneshot::channel();
        self.jobs.send(Job::Ping(answer)).map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

fn gone() -> String {
    "the replay store's thread has stopped".to_owned()
}

/// The store's thread: takes every job waiting, answers the pings with one ping, and claims the
/// rest in one call. A claim whose callback was answered already (`--store-timeout`) is dropped,
/// and so is a ping whose asker has stopped waiting (a health check answers within its own time): against a stuck store each would hold the thread as long as a claim, and
/// checks that keep coming would queue ahead of the claims.
fn serve(backend: &mut Backend, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = Vec::new();
        let mut pings = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Ping(answer) if !answer.is_closed() => pings.push(answer),
                Job::Ping(_) => {}
                // Its callback was answered already (the store took too long): not claimed.
                Job::Claim { answer, .. } if answer.is_closed() => {}
                Job::Claim { now, pair, answer } => batch.push((now, pair, answer)),
            }
            if batch.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        pings.retain(|answer| !answer.is_closed());
        if !pings.is_empty() {
            let answered = ping(backend);
            for answer in pings {
                let _ = answer.send(answered.clone());
            }
        }
        if !batch.is_empty() {
            claim(backend, batch);
        }
    }
}

fn ping(backend: &mut Backend) -> Result<(), String> {
    match backend {
        Backend::Memory(_) => Ok(()),
        Backend::Store(store) => store.ping().map_err(|e| e.message),
    }
}

type Waiting = (DateTime<Utc>, Pair, oneshot::Sender<Result<Claim, String>>);

fn claim(backend: &mut Backend, batch: Vec<Waiting>) {
    match backend {
        Backend::Memory(memory) => {
            for (now, pair, answer) in batch {
                let _ = answer.send(Ok(memory.claim(now, &pair.claim())));
            }
        }
        Backend::Store(store) => {
            // One `now` for the batch: the latest, so that entries are kept the longest.
            let now = batch
                .iter()
                .map(|(now, _, _)| *now)
                .max()
                .unwrap_or_else(Utc::now);
            let claims: Vec<PairClaim<'_>> =
                batch.iter().map(|(_, pair, _)| pair.claim()).collect();
            let result = store.claim(now, &claims);
            drop(claims);
            match result {
                Ok(answers) if answers.len() == batch.len() => {
                    for ((_, _, answer), found) in batch.into_iter().zip(answers) {
                        let _ = answer.send(Ok(found));
                    }
                }
                Ok(_) => {
                    for (_, _, answer) in batch {
                        let _ = answer.send(Err("the replay store answered a short batch".into()));
                    }
                }
                Err(error) => {
                    for (_, _, answer) in batch {
                        let _ = answer.send(Err(error.message.clone()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::verdict::Window;

    #[test]
    fn claims_of_one_pair_are_new_then_resend_or_replay() {
        let claims = Claims::memory(MemoryStore::new(Window {
            max_age: None,
            max_future: chrono::Duration::minutes(5),
        }))
        .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let pair = |body: &[u8]| Pair {
            partner_id: "085".into(),
            timestamp: "t".into(),
            signature: "s".into(),
            body: body.to_vec(),
        };
        let found = runtime.block_on(async {
            let now = Utc::now();
            let mut waits = Vec::new();
            for body in [b"{}", b"{}", b"[]"] {
                waits.push(claims.claim(now, pair(body)));
            }
            let mut found = Vec::new();
            for wait in waits {
                found.push(wait.await.unwrap());
            }
            found
        });
        assert_eq!(found, [Claim::New, Claim::Resend, Claim::Replay]);
        assert!(runtime.block_on(claims.ping()).is_ok());
    }
}
