//! The team's own callback endpoint: sample signed callbacks, the one HTTP round trip that sends
//! them, and the probe's cases and verdicts.

pub mod http;
pub mod probe;
pub mod sample_callback;
