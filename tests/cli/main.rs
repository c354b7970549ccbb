//! The CLI tests, one module per area, in one test binary: a change to the library relinks one
//! binary instead of one per file.

mod common;

mod action;
mod allowlist;
mod allowlist_fetch;
mod arrays;
mod audit;
mod callback;
mod ci_outputs;
mod closed_pipe;
mod credentials;
mod explain_replay;
mod forged_output;
mod generated;
mod guard;
mod help;
mod hostile;
mod hostile_inputs;
mod ip_check;
mod key_paths;
mod key_schema;
mod memory;
mod no_secrets;
mod packaging;
mod pieces;
mod precommit;
mod properties;
mod replay_first_read;
mod shells;
mod sign;
mod store;
mod vectors;
mod verify;
