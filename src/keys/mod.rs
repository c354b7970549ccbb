//! Keys: the key file (strict parsing, secret resolution), where a command's partner ID and API
//! keys come from (flags, environment, key file), and the rotation audit of a key file.

pub mod audit;
pub mod credentials;
pub mod keyfile;
