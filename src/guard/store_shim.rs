//! The replay store's interface, as `crate::store` provides it. Stands in until that module is
//! part of this tree; the gate is written against these names only.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

/// What the store says about a callback's pair.
#[derive(Debug)]
pub enum Claim {
    New,
    Resend,
    Replay,
}

/// The freshness window entries are kept for.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub max_age: Option<Duration>,
    pub max_future: Duration,
}

/// One accepted callback to claim: its pair, and its canonical body bytes.
#[derive(Debug)]
pub struct PairClaim<'a> {
    pub partner_id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
    pub body: &'a [u8],
}

#[derive(Debug)]
pub struct StoreError(String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

pub trait ReplayStore: Send {
    fn claim(
        &mut self,
        now: DateTime<Utc>,
        claims: &[PairClaim<'_>],
    ) -> Result<Vec<Claim>, StoreError>;
    fn ping(&mut self) -> Result<(), StoreError>;
}

pub fn open(spec: &str, _window: Window) -> Result<Box<dyn ReplayStore>, StoreError> {
    Err(StoreError(format!(
        "cannot open {spec}: this build has no persistent replay store"
    )))
}
