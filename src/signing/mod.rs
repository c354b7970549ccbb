//! Signing: the API key as a value that cannot be printed, the Smile ID signature (HMAC-SHA256
//! over timestamp, partner ID and `sid_request`) and its constant-time check, and the request body
//! that `sign --body` fills in.

pub mod request_body;
pub mod secret;
pub mod signature;
