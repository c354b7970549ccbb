//! The team's own callback endpoint: sample signed callbacks, the HTTP client that sends them,
//! and the probe's cases and verdicts.

pub mod http;
pub mod probe;
pub mod sample_callback;
