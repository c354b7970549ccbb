//! Speed-only readers. Each gives the same answer as the reference reader in `ingest::payload` (or
//! says it cannot and hands the item over), and names the fuzz target that checks that it does.

pub(crate) mod array;
pub(crate) mod chunks;
pub(crate) mod classify;
pub mod scan;
