//! Forwarding an accepted callback to the app: its body byte for byte, its headers (less the ones
//! that belong to one connection), and the gate's verdict headers. TLS is ended in front of the
//! gate and the app is reached over plain HTTP on a private network or the same machine.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request;
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// The largest answer from the app passed back to the sender; an app answers a callback with a
/// few bytes.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// Headers the sender may not set: only the gate speaks under this prefix.
const OWN_PREFIX: &str = "smile-sec-";

#[derive(Debug)]
pub struct Upstream {
    client: Client<HttpConnector, Full<Bytes>>,
    /// `http://host:port`.
    origin: String,
    /// The path callbacks go to; `None`: the path they arrived at.
    path: Option<String>,
    timeout: Duration,
}

/// Whether a connection to `host` (a name or an address) and `port` reaches a gate listening on
/// `listen`, as far as can be told before listening: one of the addresses the host resolves to
/// (as the connector will resolve it: `localhost`, `127.1`, this machine's name) is the gate's,
/// or the gate listens on every address and the host is this machine by its loopback. A name
/// that does not resolve now is given the benefit of the doubt.
fn reaches((host, port): (&str, u16), listen: SocketAddr) -> bool {
    if port != listen.port() {
        return false;
    }
    let Ok(resolved) = std::net::ToSocketAddrs::to_socket_addrs(&(host, port)) else {
        return false;
    };
    let here = listen.ip().to_canonical();
    resolved
        .map(|there| there.ip().to_canonical())
        .any(|there| {
            there == here
            // Connecting to the unspecified address reaches this machine.
            || (here.is_loopback() && there.is_unspecified() && same_family(here, there))
            // The gate on every address: this machine's loopback reaches it (an IPv6 socket
            // takes IPv4 as well).
            || (here.is_unspecified()
                && (there.is_loopback() || there.is_unspecified())
                && (same_family(here, there) || here.is_ipv6()))
        })
}

fn same_family(a: IpAddr, b: IpAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

/// What the gate adds to a forwarded callback.
#[derive(Debug)]
pub struct Verdict<'a> {
    pub key_id: Option<&'a str>,
    pub duplicate: bool,
    /// The TCP peer, appended to X-Forwarded-For as a proxy does.
    pub peer: &'a str,
}

/// The app's answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why there is no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Unreachable,
    Timeout,
    /// The app answered with more than `MAX_ANSWER_BYTES`: it was reached (and has the
    /// callback), but its answer is not passed on.
    AnswerTooLarge,
}

impl Upstream {
    /// The upstream at `url` (`http://HOST[:PORT][/PATH]`), which must not be the gate itself
    /// (at `listen`). `Err` says what is wrong with it.
    pub fn new(url: &str, listen: SocketAddr, timeout: Duration) -> Result<Upstream, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("--upstream {url:?} is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "--upstream {url:?}: https is not supported; reach the app over plain HTTP on a private network or the same host"
                ));
            }
            _ => return Err(format!("--upstream {url:?} must start with http://")),
        }
        let Some(authority) = uri.authority() else {
            return Err(format!("--upstream {url:?} names no host"));
        };
        if authority.as_str().contains('@') {
            return Err(format!(
                "--upstream {url:?}: credentials in the URL are not supported"
            ));
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(format!(
                "--upstream {url:?}: a query string or fragment is not supported"
            ));
        }
        // `Authority` reads a port it cannot parse as none at all.
        let port = Some(authority.as_str())
            .filter(|text| !text.ends_with(']'))
            .and_then(|text| text.rsplit_once(':'))
            .map(|(_, port)| port);
        if port.is_some_and(|port| !matches!(port.parse::<u16>(), Ok(1..))) {
            return Err(format!(
                "--upstream {url:?}: the port must be a number from 1 to 65535"
            ));
        }
        if uri
            .path()
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(format!(
                "--upstream {url:?}: write the path without `.` or `..` segments"
            ));
        }
        let path = Some(uri.path()).filter(|p| !p.is_empty() && *p != "/");
        let target = (
            authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']'),
            authority.port_u16().unwrap_or(80),
        );
        if reaches(target, listen) {
            return Err(format!(
                "--upstream {url:?} is the gate's own --listen address ({listen}): every callback would be forwarded to the gate again"
            ));
        }
        Ok(Upstream {
            client: client(timeout),
            origin: format!("http://{authority}"),
            path: path.map(str::to_owned),
            timeout,
        })
    }

    /// The same upstream with a connection pool of its own: a worker thread keeps the
    /// connections it uses on its own runtime, so that no request crosses threads.
    pub fn with_own_pool(&self) -> Upstream {
        Upstream {
            client: client(self.timeout),
            origin: self.origin.clone(),
            path: self.path.clone(),
            timeout: self.timeout,
        }
    }

    /// Sends the callback on and reads the app's answer, within the upstream timeout.
    pub async fn forward(
        &self,
        parts: &request::Parts,
        body: Bytes,
        verdict: &Verdict<'_>,
    ) -> Result<Answer, Failure> {
        let request = self.request(parts, body, verdict)?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|_| Failure::Unreachable)?;
            let (head, body) = response.into_parts();
            // hyper hands on only the informational answer that switches protocols; the sender
            // asked for an answer, not a tunnel to the app.
            if head.status.is_informational() {
                return Err(Failure::Unreachable);
            }
            let body = Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<LengthLimitError>() {
                        Failure::AnswerTooLarge
                    } else {
                        Failure::Unreachable
                    }
                })?
                .to_bytes();
            let mut headers = head.headers;
            strip_hop_by_hop(&mut headers);
            Ok(Answer {
                status: head.status,
                headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| Failure::Timeout)?
    }

    fn request(
        &self,
        parts: &request::Parts,
        body: Bytes,
        verdict: &Verdict<'_>,
    ) -> Result<Request<Full<Bytes>>, Failure> {
        let path = self.path.as_deref().unwrap_or(parts.uri.path());
        let target = match parts.uri.query() {
            Some(query) => format!("{}{path}?{query}", self.origin),
            None => format!("{}{path}", self.origin),
        };
        let headers = forwarded_headers(&parts.headers, verdict, body.len());
        let mut request = Request::builder()
            .method(parts.method.clone())
            .uri(target)
            .body(Full::new(body))
            .map_err(|_| Failure::Unreachable)?;
        *request.headers_mut() = headers;
        Ok(request)
    }
}

/// The headers a forwarded callback carries: the sender's, less those of its connection, less
/// `Expect` (the gate has read the whole body: there is nothing for the app to continue), less
/// any the sender put under the gate's own prefix; with the peer added to `X-Forwarded-For` and
/// the gate's verdict.
fn forwarded_headers(incoming: &HeaderMap, verdict: &Verdict<'_>, body_len: usize) -> HeaderMap {
    // The values as they came, bytes that are not ASCII too (the gate read the client from all
    // of them), joined as a proxy joins them, then the peer.
    let mut forwarded = Vec::new();
    for value in incoming.get_all("x-forwarded-for") {
        forwarded.extend_from_slice(value.as_bytes());
        forwarded.extend_from_slice(b", ");
    }
    forwarded.extend_from_slice(verdict.peer.as_bytes());
    let mut headers = incoming.clone();
    strip_hop_by_hop(&mut headers);
    // Set after the sender's connection headers are gone: `Connection: x-forwarded-for` must not
    // take the peer away from the app.
    headers.remove("x-forwarded-for");
    if let Ok(forwarded) = HeaderValue::from_bytes(&forwarded) {
        headers.insert(HeaderName::from_static("x-forwarded-for"), forwarded);
    }
    headers.remove(header::EXPECT);
    let own: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_own(name.as_str()))
        .cloned()
        .collect();
    for name in own {
        headers.remove(name);
    }
    let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set(&mut headers, "smile-sec-verdict", "ok");
    if let Some(id) = verdict.key_id {
        set(&mut headers, "smile-sec-key-id", id);
    }
    set(
        &mut headers,
        "smile-sec-duplicate",
        if verdict.duplicate { "true" } else { "false" },
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    headers
}

/// Whether a (lower-case) header name is under the gate's prefix, `_` read as `-`: CGI, WSGI
/// and Rack servers turn both into `_`, so `Smile_Sec_Key_Id` reaches an app as the gate's own.
fn is_own(name: &str) -> bool {
    name.len() >= OWN_PREFIX.len()
        && name
            .bytes()
            .zip(OWN_PREFIX.bytes())
            .all(|(got, own)| got == own || (got == b'_' && own == b'-'))
}

/// A pooled client whose connections are made within `timeout`, with Nagle's delay off.
fn client(timeout: Duration) -> Client<HttpConnector, Full<Bytes>> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(timeout));
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector)
}

/// Removes the headers that describe one connection, not the message (RFC 9110, section 7.6.1),
/// and any header the `Connection` header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
        HeaderName::from_static("keep-alive"),
        HeaderName::from_static("proxy-connection"),
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn upstream_urls() {
        let second = Duration::from_secs(1);
        let gate: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        let plain = Upstream::new("http://127.0.0.1:8080", gate, second).unwrap();
        assert_eq!(
            (plain.origin.as_str(), plain.path),
            ("http://127.0.0.1:8080", None)
        );
        let with_path = Upstream::new("http://app:80/hooks/smile", gate, second).unwrap();
        assert_eq!(with_path.path.as_deref(), Some("/hooks/smile"));
        for good in [
            "http://[::1]:8080",
            "http://[::1]/hooks",
            "http://app:65535",
        ] {
            assert!(Upstream::new(good, gate, second).is_ok(), "{good}");
        }
        for bad in [
            "https://app",
            "ftp://app",
            "app:80",
            "http://u:p@app/",
            "http://app/?a=1",
            "http://app/hooks#x",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:0",
            "http://app/a/../b",
            "http://app/./b",
        ] {
            assert!(Upstream::new(bad, gate, second).is_err(), "{bad}");
        }
    }

    /// An upstream that is the gate itself would send every callback round until the
    /// connections run out: refused before listening.
    #[test]
    fn the_gate_is_not_its_own_upstream() {
        let second = Duration::from_secs(1);
        let at = |listen: &str| listen.parse::<SocketAddr>().unwrap();
        for (url, listen) in [
            ("http://127.0.0.1:8443", "127.0.0.1:8443"),
            ("http://localhost:8443/hooks", "127.0.0.1:8443"),
            ("http://127.0.0.1:8443", "0.0.0.0:8443"),
            ("http://[::1]:8443", "[::]:8443"),
            ("http://0.0.0.0:8443", "127.0.0.1:8443"),
            ("http://10.1.2.3:8443", "10.1.2.3:8443"),
            ("http://127.0.0.1", "127.0.0.1:80"),
            // Spellings the connector resolves to the gate's address.
            ("http://127.1:8443", "127.0.0.1:8443"),
            ("http://2130706433:8443", "127.0.0.1:8443"),
            ("http://[::ffff:127.0.0.1]:8443", "127.0.0.1:8443"),
            ("http://127.0.0.1:8443", "[::]:8443"),
        ] {
            let refused = Upstream::new(url, at(listen), second).unwrap_err();
            assert!(
                refused.contains("the gate's own --listen address"),
                "{url} {listen}: {refused}"
            );
        }
        for (url, listen) in [
            ("http://127.0.0.1:3000", "127.0.0.1:8443"),
            ("http://10.1.2.3:8443", "127.0.0.1:8443"),
            // Another loopback address, or the other family, is another socket.
            ("http://127.0.0.2:8443", "127.0.0.1:8443"),
            ("http://127.0.0.1:8443", "[::1]:8443"),
            ("http://[::1]:8443", "127.0.0.1:8443"),
            ("http://[::1]:8443", "0.0.0.0:8443"),
        ] {
            assert!(
                Upstream::new(url, at(listen), second).is_ok(),
                "{url} {listen}"
            );
        }
    }

    #[test]
    fn only_the_gate_speaks_under_its_prefix() {
        let mut incoming = HeaderMap::new();
        for name in [
            "smile-sec-verdict",
            "smile_sec_key_id",
            "smile-sec_duplicate",
            "smile_sec-other",
            "expect",
        ] {
            incoming.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static("forged"),
            );
        }
        incoming.insert("smile-secret", HeaderValue::from_static("kept"));
        incoming.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        let verdict = Verdict {
            key_id: Some("live-1"),
            duplicate: false,
            peer: "127.0.0.1",
        };
        let headers = forwarded_headers(&incoming, &verdict, 12);
        let names: BTreeSet<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(
            names,
            BTreeSet::from([
                "content-length",
                "smile-sec-duplicate",
                "smile-sec-key-id",
                "smile-sec-verdict",
                "smile-secret",
                "x-forwarded-for",
            ])
        );
        assert_eq!(headers["smile-sec-verdict"], "ok");
        assert_eq!(headers["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(headers["content-length"], "12");
    }

    #[test]
    fn hop_by_hop_headers_go() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret-hop"),
        );
        headers.insert("x-secret-hop", HeaderValue::from_static("1"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("x-kept"));
    }
}
