//! `smile-sec guard`: an HTTP gate in front of a callback endpoint. It forwards only the
//! callbacks that come from an allowed source, fit the size limit, carry a valid and fresh
//! signature and are not replays, and answers every other request itself.
//!
//! `gate` decides (with `verify`'s own verdict), `claims` asks the replay store (`memory` is the
//! store kept in the process when none is named), `upstream` forwards, `metrics` counts, `server`
//! is the HTTP side, `reason` names the answers.

pub mod claims;
pub mod gate;
pub mod memory;
pub mod metrics;
pub mod reason;
pub mod server;
pub mod upstream;
