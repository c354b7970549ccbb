//! The judgement on saved callbacks once they are read: the verdict on one callback (signature,
//! freshness, replay), `--explain`'s diagnosis of a failed signature, replay detection with the
//! canonical body form it digests, and the replay store that keeps accepted callbacks across runs
//! (`store`: SQLite or Redis).

pub mod canonical;
pub mod explain;
pub mod replay;
pub mod store;
pub mod verdict;
