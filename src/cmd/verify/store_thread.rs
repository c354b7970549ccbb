//! The `--seen` store on a thread of its own, so that the collector gathers the next batch of
//! accepted callbacks while one is committed.

use std::io;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};

use anyhow::bail;
use chrono::{DateTime, Utc};

use crate::callbacks::replay::{BodyDigest, PairId};
use crate::callbacks::store::{self, Claim, DigestClaim, ReplayStore, StoreError};
use crate::callbacks::verdict::Verdict;
use crate::ingest::payload::ItemNumber;
use crate::time::Clock;

/// The `--seen` store on a thread of its own: the collector hands it one batch of accepted
/// callbacks at a time and goes on gathering the next while the batch is committed (a commit
/// waits on the disk or the network). One batch at most is claimed at a time, in input order.
pub(super) struct StoreThread {
    pub(super) batches: Option<Sender<(Vec<Pending>, Vec<u8>)>>,
    pub(super) claimed: mpsc::Receiver<Claimed>,
    pub(super) thread: Option<std::thread::JoinHandle<()>>,
    pub(super) claiming: bool,
}

/// A batch back from the store: its callbacks, the result lines held with them, and the
/// store's answer for each callback (or why there is none).
pub(super) struct Claimed {
    pub(super) pending: Vec<Pending>,
    pub(super) held: Vec<u8>,
    pub(super) answers: Result<Vec<Claim>, StoreError>,
    /// The run's now when the store answered ([`Verdict::claimed`]).
    pub(super) answered: DateTime<Utc>,
}

impl StoreThread {
    /// Each batch is claimed at `clock`'s now, which without `--now` is never before the time its
    /// callbacks were judged at, so that no entry expires while a replay of it could still pass.
    pub(super) fn start(mut store: Box<dyn ReplayStore>, clock: Clock) -> io::Result<Self> {
        let (batches, to_claim) = mpsc::channel::<(Vec<Pending>, Vec<u8>)>();
        let (done, claimed) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("replay-store".into())
            .spawn(move || {
                for (pending, held) in to_claim {
                    let claims: Vec<DigestClaim<'_>> = pending
                        .iter()
                        .map(|p| DigestClaim {
                            partner_id: p.verdict.partner_id.as_deref().unwrap_or_default(),
                            timestamp: &p.timestamp,
                            pair: p.pair,
                            body: p.body,
                        })
                        .collect();
                    let answers = store.claim_digests(clock.now(), &claims);
                    let answered = clock.now();
                    drop(claims);
                    let failed = answers.is_err();
                    let sent = done.send(Claimed {
                        pending,
                        held,
                        answers,
                        answered,
                    });
                    if sent.is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok(StoreThread {
            batches: Some(batches),
            claimed,
            thread: Some(thread),
            claiming: false,
        })
    }

    /// Whether a batch is being claimed (its lines are not printed yet).
    pub(super) fn is_claiming(&self) -> bool {
        self.claiming
    }

    /// Hands a batch to the store (after [`StoreThread::wait`] for the one before).
    pub(super) fn claim(&mut self, pending: Vec<Pending>, held: Vec<u8>) -> anyhow::Result<()> {
        debug_assert!(!self.claiming, "one batch at a time");
        let batches = self.batches.as_ref().expect("open until dropped");
        if batches.send((pending, held)).is_err() {
            bail!("the replay store's thread has stopped, so no callback is reported ok");
        }
        self.claiming = true;
        Ok(())
    }

    /// The batch being claimed, once claimed (`None` when none is).
    pub(super) fn wait(&mut self) -> Option<Claimed> {
        if !std::mem::take(&mut self.claiming) {
            return None;
        }
        Some(self.claimed.recv().unwrap_or_else(|_| stopped()))
    }

    /// The batch being claimed if it is claimed already, without waiting.
    pub(super) fn try_wait(&mut self) -> Option<Claimed> {
        if !self.claiming {
            return None;
        }
        let claimed = match self.claimed.try_recv() {
            Ok(claimed) => claimed,
            Err(mpsc::TryRecvError::Empty) => return None,
            Err(mpsc::TryRecvError::Disconnected) => stopped(),
        };
        self.claiming = false;
        Some(claimed)
    }
}

/// What a batch comes back as when the store's thread is gone.
pub(super) fn stopped() -> Claimed {
    Claimed {
        pending: Vec::new(),
        held: Vec::new(),
        answers: Err(StoreError {
            kind: store::ErrorKind::Unavailable,
            message: "the replay store's thread stopped".into(),
            hint: None,
        }),
        answered: Utc::now(),
    }
}

impl Drop for StoreThread {
    /// Lets the batch being claimed finish: a claim is committed whole or not at all, and an
    /// unprinted claim only makes a later resend read as one.
    fn drop(&mut self) {
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An accepted callback whose claim in the store is to be made, and its result line.
pub(super) struct Pending {
    /// Where its line is in `Collector::held`.
    pub(super) line: std::ops::Range<usize>,
    pub(super) source: Arc<str>,
    pub(super) number: ItemNumber,
    pub(super) verdict: Verdict,
    pub(super) timestamp: Box<str>,
    pub(super) pair: PairId,
    /// SHA-256 of the canonical body.
    pub(super) body: BodyDigest,
}
