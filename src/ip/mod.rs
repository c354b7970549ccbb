//! Callback sources: strict parsing of one address, the allowlist (built in, or a file), Smile ID's
//! published page and the lists `allowlist fetch` reads from it (`published`), the client address
//! behind trusted proxies, ready-to-paste server and firewall snippets, and the reading of long
//! address lists a line at a time (`address_lines`).

pub mod address;
pub mod address_lines;
pub mod allowlist;
pub mod proxy;
pub mod published;
pub mod snippet;
