//! smile-sec: a security toolkit for teams that integrate the Smile ID identity-verification API.
//!
//! The tree is the architecture (ARCHITECTURE.md has the map): one folder per domain
//! (`signing`, `keys`, `callbacks`, `ingest`, `ip`, `endpoint`, and `guard`, the HTTP gate) of
//! logic that never touches clap or the terminal; `cli` holds the command-line definition, `cmd` one module per subcommand
//! (glue only), and `output` is the only code that prints.

pub mod callbacks;
pub mod cli;
pub mod cmd;
pub mod endpoint;
#[cfg(any(test, fuzzing))]
pub mod fuzz_props;
pub mod generate;
pub mod guard;
pub mod ingest;
pub(crate) mod input;
pub mod ip;
pub mod keys;
pub mod outcome;
pub mod output;
pub mod shell;
pub mod signing;
pub mod time;
pub mod tls;
