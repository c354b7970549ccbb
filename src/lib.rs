//! smile-sec: a security toolkit for teams that integrate the Smile ID identity-verification API.
//!
//! The domain modules (`signature`, `payload`, `verify`, `keyfile`, `credentials`, `time`, ...) are
//! pure logic that never touch clap or the terminal; `cli` holds the command-line definition,
//! `cmd` one module per subcommand (glue only), and `output` the only code that prints.

pub mod address;
pub mod allowlist;
pub mod array;
pub mod audit;
pub mod batch;
pub mod callback;
pub mod canonical;
pub mod chunks;
pub mod cli;
pub mod cmd;
pub mod credentials;
pub mod explain;
#[doc(hidden)]
pub mod fuzz_props;
pub mod generate;
pub mod http;
pub mod input;
pub mod keyfile;
pub mod lines;
pub mod outcome;
pub mod output;
pub mod payload;
pub mod pipeline;
pub mod probe;
pub mod proxy;
pub mod published;
pub mod replay;
pub mod request_body;
pub mod scan;
pub mod secret;
pub mod signature;
pub mod snippet;
pub mod sources;
pub mod time;
pub mod verify;
