//! A failed TLS connection in words. The HTTP client and the Redis client hand back rustls's
//! errors, whose text for the certificate problems met most often (a self-signed certificate, a
//! CA's certificate served as the server's own) is a Rust debug string such as
//! `Other(OtherError(CaUsedAsEndEntity))`.

use rustls::{CertificateError, Error};

/// Which certificate authorities a connection trusts: what an unknown issuer is unknown to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// The public web's, built in: Smile ID's page, and callback endpoints, whose certificate
    /// Smile ID's servers must trust to deliver a callback at all (a probe that trusted more
    /// would pass an endpoint they cannot reach).
    PublicWeb,
    /// The system's store, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set: a `rediss://` replay
    /// store, a server of your own that a private CA may have certified.
    System,
}

impl Roots {
    fn in_words(self) -> &'static str {
        match self {
            Roots::PublicWeb => "smile-sec trusts the public web's authorities",
            Roots::System => {
                "smile-sec trusts this system's authorities, or those of SSL_CERT_FILE or SSL_CERT_DIR when set"
            }
        }
    }
}

/// What to do about a server certificate that no authority of [`Roots::System`] issued: where
/// to add the one that did. (The public web's authorities are built in; no hint helps there.)
pub fn system_roots_hint() -> String {
    let own_roots = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    if own_roots {
        "SSL_CERT_FILE / SSL_CERT_DIR, which take the place of this system's store, do not hold \
         the CA that certified the server: add it there"
            .into()
    } else {
        "add the CA that certified the server to this system's store, or set SSL_CERT_FILE to its \
         PEM file (which then takes the place of the system's store)"
            .into()
    }
}

/// What went wrong, for a line that follows "cannot reach ...: ".
pub fn in_words(error: &Error, roots: Roots) -> String {
    match error {
        Error::InvalidCertificate(why) => {
            format!(
                "its TLS certificate was refused: {}",
                certificate(why, roots)
            )
        }
        Error::NoCertificatesPresented => "it presented no TLS certificate".to_owned(),
        Error::AlertReceived(alert) => format!(
            "it ended the TLS handshake with the alert \"{}\"",
            name_in_words(&format!("{alert:?}"))
        ),
        Error::PeerIncompatible(why) => format!(
            "its TLS cannot be spoken with ({})",
            name_in_words(&format!("{why:?}"))
        ),
        Error::PeerMisbehaved(why) => format!(
            "it broke the TLS protocol ({})",
            name_in_words(&format!("{why:?}"))
        ),
        Error::InvalidMessage(_) | Error::InappropriateMessage { .. } => {
            "it did not answer in TLS (is it a plain http:// endpoint?)".to_owned()
        }
        other => format!("TLS failed: {}", name_in_words(&other.to_string())),
    }
}

/// Why a certificate was refused, as the end of a sentence about it.
fn certificate(why: &CertificateError, roots: Roots) -> String {
    #[allow(deprecated)]
    let words = match why {
        CertificateError::UnknownIssuer => {
            return format!(
                "no certificate authority smile-sec trusts issued it (it is self-signed, or issued by a private CA: {})",
                roots.in_words()
            );
        }
        CertificateError::Expired => "it has expired",
        CertificateError::ExpiredContext { not_after, .. } => {
            return format!("it expired at {}", moment(not_after.as_secs()));
        }
        CertificateError::NotValidYet => "it is not valid yet",
        CertificateError::NotValidYetContext { not_before, .. } => {
            return format!("it is not valid before {}", moment(not_before.as_secs()));
        }
        CertificateError::NotValidForName => "it is not valid for the URL's host",
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names = if presented.is_empty() {
                "no name".to_owned()
            } else {
                let names: Vec<&str> = presented.iter().map(|n| presented_name(n)).collect();
                names.join(", ")
            };
            return format!(
                "it is not valid for `{}` (it names {names})",
                expected.to_str().escape_debug()
            );
        }
        CertificateError::Revoked => "it has been revoked",
        CertificateError::BadSignature => "its signature does not match its issuer's key",
        CertificateError::BadEncoding => "it cannot be read (malformed)",
        CertificateError::UnhandledCriticalExtension => {
            "it has a critical extension that cannot be checked"
        }
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "it is signed with an algorithm that is not supported"
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "it is not meant for a TLS server (its extended key usage)"
        }
        CertificateError::UnknownRevocationStatus
        | CertificateError::ExpiredRevocationList
        | CertificateError::ExpiredRevocationListContext { .. } => {
            "whether it was revoked cannot be told"
        }
        CertificateError::Other(other) => return path(other.0.as_ref()),
        other => return name_in_words(&format!("{other:?}")),
    };
    words.to_owned()
}

/// The errors of checking the chain that rustls passes on as they are (webpki's).
fn path(error: &(dyn std::error::Error + 'static)) -> String {
    let Some(error) = error.downcast_ref::<webpki::Error>() else {
        return name_in_words(&error.to_string());
    };
    let words = match error {
        webpki::Error::CaUsedAsEndEntity => {
            "it is a certificate authority's own certificate (CA:TRUE, as `openssl req -x509` makes one unless told otherwise), not one an authority issued for the server's name"
        }
        webpki::Error::EndEntityUsedAsCa => {
            "its chain uses a server's certificate as an authority that issued another"
        }
        webpki::Error::PathLenConstraintViolated | webpki::Error::MaximumPathDepthExceeded => {
            "its chain is longer than its authorities allow"
        }
        webpki::Error::NameConstraintViolation => {
            "an authority in its chain may not issue certificates for its names"
        }
        webpki::Error::CertDistrusted => "an authority in its chain is no longer trusted",
        webpki::Error::InvalidCertValidity => "its validity dates are invalid",
        webpki::Error::UnsupportedCertVersion => "it is of an X.509 version that is not supported",
        webpki::Error::UnsupportedCriticalExtension => {
            "it has a critical extension that cannot be checked"
        }
        webpki::Error::BadDer
        | webpki::Error::BadDerTime
        | webpki::Error::ExtensionValueInvalid
        | webpki::Error::MalformedExtensions
        | webpki::Error::MalformedDnsIdentifier
        | webpki::Error::MalformedNameConstraint
        | webpki::Error::TrailingData(_) => "it cannot be read (malformed)",
        other => return name_in_words(&format!("{other:?}")),
    };
    words.to_owned()
}

/// A name a certificate presents, as rustls writes it (`DnsName("localhost")`,
/// `IpAddress(127.0.0.1)`), without the wrapping: `"localhost"`, `127.0.0.1`. The quotes of a
/// DNS name stay around the certificate's text, which is not escaped here: what prints an error
/// escapes its control characters.
fn presented_name(debug: &str) -> &str {
    debug
        .strip_prefix("DnsName(")
        .or_else(|| debug.strip_prefix("IpAddress("))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(debug)
}

/// A time of a certificate, as RFC 3339 in UTC.
fn moment(unix_seconds: u64) -> String {
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || format!("{unix_seconds} s after 1970"),
            |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
}

/// The name a debug string starts with, in words: `UnsupportedCertVersion(..)` is "unsupported
/// cert version". For the errors not named above, which a newer rustls may add.
fn name_in_words(debug: &str) -> String {
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    if name.is_empty() {
        return debug.to_owned();
    }
    let mut words = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // A capital starts a word, unless it continues a run of capitals (`DER`, `CRL`).
        let starts = i > 0
            && c.is_ascii_uppercase()
            && (!chars[i - 1].is_ascii_uppercase()
                || chars.get(i + 1).is_some_and(char::is_ascii_lowercase));
        if starts {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    words
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn refused(why: CertificateError) -> String {
        in_words(&Error::InvalidCertificate(why), Roots::PublicWeb)
    }

    fn refused_by_path(why: webpki::Error) -> String {
        refused(CertificateError::Other(rustls::OtherError(Arc::new(why))))
    }

    #[test]
    fn certificate_failures_are_said_in_words() {
        let ca = refused_by_path(webpki::Error::CaUsedAsEndEntity);
        assert!(
            ca.starts_with(
                "its TLS certificate was refused: it is a certificate authority's own certificate (CA:TRUE, "
            ),
            "{ca}"
        );
        assert_eq!(
            refused(CertificateError::UnknownIssuer),
            "its TLS certificate was refused: no certificate authority smile-sec trusts issued it (it is self-signed, or issued by a private CA: smile-sec trusts the public web's authorities)"
        );
        assert!(
            in_words(
                &Error::InvalidCertificate(CertificateError::UnknownIssuer),
                Roots::System
            )
            .ends_with("trusts this system's authorities, or those of SSL_CERT_FILE or SSL_CERT_DIR when set)")
        );
        assert_eq!(
            refused(CertificateError::ExpiredContext {
                time: rustls::pki_types::UnixTime::since_unix_epoch(
                    std::time::Duration::from_secs(1_800_000_000)
                ),
                not_after: rustls::pki_types::UnixTime::since_unix_epoch(
                    std::time::Duration::from_secs(1_700_000_000)
                ),
            }),
            "its TLS certificate was refused: it expired at 2023-11-14T22:13:20Z"
        );
        assert_eq!(
            refused(CertificateError::NotValidForNameContext {
                expected: rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap(),
                presented: vec!["DnsName(\"localhost\")".to_owned()],
            }),
            "its TLS certificate was refused: it is not valid for `127.0.0.1` (it names \"localhost\")"
        );
        assert_eq!(
            refused(CertificateError::NotValidForNameContext {
                expected: rustls::pki_types::ServerName::try_from("localhost").unwrap(),
                presented: vec![
                    "IpAddress(127.0.0.1)".to_owned(),
                    "DnsName(\"db.internal\")".to_owned()
                ],
            }),
            "its TLS certificate was refused: it is not valid for `localhost` (it names 127.0.0.1, \"db.internal\")"
        );
        // Those not named above still read as words, not as a debug string.
        let other = refused_by_path(webpki::Error::MaximumSignatureChecksExceeded);
        assert_eq!(
            other,
            "its TLS certificate was refused: maximum signature checks exceeded"
        );
        for text in [ca, other] {
            assert!(
                !text.contains("Other(") && !text.contains("Error("),
                "{text}"
            );
        }
        assert_eq!(
            in_words(
                &Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
                Roots::PublicWeb
            ),
            "it ended the TLS handshake with the alert \"handshake failure\""
        );
    }

    #[test]
    fn names_read_as_words() {
        assert_eq!(name_in_words("CaUsedAsEndEntity"), "ca used as end entity");
        assert_eq!(name_in_words("BadDER(3)"), "bad der");
        assert_eq!(
            name_in_words("UnsupportedCRLVersion"),
            "unsupported crl version"
        );
        assert_eq!(name_in_words("(odd)"), "(odd)");
    }
}
