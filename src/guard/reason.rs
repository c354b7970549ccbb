//! The reason codes a gate answers and logs, and the HTTP status of each. A refused sender gets
//! only `{"reason": CODE}`: never a key, an expected signature or anything from its callback.

use hyper::StatusCode;

use crate::callbacks::verdict;

/// The source address is not on the allowlist (or cannot be read).
pub const SOURCE_NOT_ALLOWED: &str = "source_not_allowed";
/// The body is over `--max-body`.
pub const BODY_TOO_LARGE: &str = "body_too_large";
/// The body did not arrive within the body timeout.
pub const BODY_TIMEOUT: &str = "body_timeout";
/// The connection failed while the body was read.
pub const BODY_UNREADABLE: &str = "body_unreadable";
/// The HTTP layer could not read the request's head (answered 400, or 431 when it is too large).
pub const MALFORMED_REQUEST: &str = "malformed_request";
/// The request carries two `Host` headers, which servers behind the gate may each read their own
/// way.
pub const DUPLICATE_HOST: &str = "duplicate_host";
/// An HTTP/1.1 request without a `Host` header, which HTTP has a server refuse (HTTP/1.0 needs
/// none).
pub const MISSING_HOST: &str = "missing_host";
/// A `Host` header that is no host (and port): HTTP has a server refuse it, as a missing one.
pub const INVALID_HOST: &str = "invalid_host";
/// The store could not be asked: nothing is forwarded unclaimed.
pub const STORE_UNAVAILABLE: &str = "store_unavailable";
/// The upstream could not be reached, or gave no final HTTP answer (nothing, something that is
/// not HTTP, or a switch to another protocol).
pub const UPSTREAM_UNREACHABLE: &str = "upstream_unreachable";
/// The upstream answered with more than the gate passes back (1 MiB): the app has the
/// callback, and the sender is told its answer was not passed on.
pub const UPSTREAM_ANSWER_TOO_LARGE: &str = "upstream_answer_too_large";
/// The upstream did not answer within the upstream timeout.
pub const UPSTREAM_TIMEOUT: &str = "upstream_timeout";
/// Another path than the callback path, `/healthz` and `/metrics`.
pub const NOT_FOUND: &str = "not_found";
/// The callback path takes POST only; `/healthz` and `/metrics` take GET (and HEAD).
pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
/// The key file no longer loads (`/healthz`).
pub const KEY_FILE_UNUSABLE: &str = "key_file_unusable";

/// The status of a verdict `verify` reaches on a callback: a JSON body that is not a callback
/// object is a bad request, a failed check (signature, freshness, a retired key) is
/// unauthorised, and a replay conflicts with the callback that came first.
pub fn status_of(reason: verdict::Reason) -> StatusCode {
    match reason {
        verdict::Reason::Ok => StatusCode::OK,
        verdict::Reason::NotAnObject | verdict::Reason::ParseError => StatusCode::BAD_REQUEST,
        verdict::Reason::Replayed => StatusCode::CONFLICT,
        _ => StatusCode::UNAUTHORIZED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::verdict::Reason;

    #[test]
    fn statuses_follow_the_check_that_failed() {
        assert_eq!(status_of(Reason::ParseError), StatusCode::BAD_REQUEST);
        assert_eq!(status_of(Reason::NotAnObject), StatusCode::BAD_REQUEST);
        for reason in [
            Reason::BadSignature,
            Reason::MissingSignature,
            Reason::MissingTimestamp,
            Reason::MalformedSignature,
            Reason::Stale,
            Reason::Future,
            Reason::BadTimestamp,
        ] {
            assert_eq!(status_of(reason), StatusCode::UNAUTHORIZED, "{reason:?}");
        }
        assert_eq!(status_of(Reason::Replayed), StatusCode::CONFLICT);
    }
}
