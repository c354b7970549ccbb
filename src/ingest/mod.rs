//! Reading callbacks for `verify`: which files (`sources`), how a file is framed into items and
//! which fields are read ([`payload`], the reference reader, on serde_json), and the parallel batch
//! machinery (`pipeline`, `batch`); a pipe is read ahead (`arriving`) so that what has come
//! is checked at once. [`fast`] holds what exists only for speed; every fast path there is held
//! to the reference reader by a fuzz target or a test that it names.

pub(crate) mod arriving;
pub(crate) mod batch;
pub mod fast;
pub mod payload;
pub(crate) mod pipeline;
pub(crate) mod sources;
