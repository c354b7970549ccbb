//! smile-sec's HTTP client (ureq, blocking, rustls): POST a JSON body to a callback endpoint and
//! time the answer, and GET the page `allowlist fetch` reads. Redirects are not followed and 4xx/5xx are answers, not
//! errors: the caller judges the status.

use std::io::Read;
use std::time::{Duration, Instant};

/// At most this much of a response body is read (for excerpts and the probe's leak search).
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// An endpoint's answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// From sending the request to the end of the (possibly cut) body.
    pub elapsed: Duration,
    /// The first [`MAX_RESPONSE_BYTES`] of the body.
    pub body: Vec<u8>,
    /// The body was longer than what was kept.
    pub truncated: bool,
    /// The body ended before the server said it would: what came is kept, and this says why.
    pub cut: Option<BodyCut>,
    pub content_type: Option<String>,
    /// The response's header fields as `name: value` lines (for the probe's leak search: a
    /// debug header may echo the key too).
    pub head: Vec<u8>,
}

impl Response {
    /// Why the body did not come whole, in words that name the status and how many bytes came
    /// (never the bytes: they may echo a secret); `None` when it came whole.
    pub fn cut_short(&self) -> Option<String> {
        let (status, came) = (self.status, self.body.len());
        Some(match self.cut.as_ref()? {
            BodyCut::Timeout(after) => format!(
                "the answer did not end within {} (status {status} came, then {came} bytes of a body cut short)",
                humanize(*after)
            ),
            BodyCut::Broken(why) => format!(
                "the answer broke off (status {status} came, then {came} bytes of a body cut short): {why}"
            ),
        })
    }
}

/// Why a body that had begun did not come whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyCut {
    /// It was still coming when the timeout ran out.
    Timeout(Duration),
    /// The connection broke off, or the server sent less than it announced.
    Broken(String),
}

/// Why there is no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Not an `http://` or `https://` URL.
    BadUrl(String),
    /// A proxy variable that is set holds what cannot be used as a proxy.
    BadProxy(String),
    /// Nothing answered within the timeout.
    Timeout(Duration),
    /// The connection failed: refused, unknown host, TLS...
    Unreachable(String),
    /// The server was reached, then closed or reset the connection before its answer.
    Closed(String),
}

impl SendError {
    /// Whether the server is known to have been reached: it took the connection, then closed
    /// it. (No answer within the timeout may be a firewall that drops packets as well as a slow
    /// server: it is not known.)
    pub fn reached_the_server(&self) -> bool {
        matches!(self, SendError::Closed(_))
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::BadUrl(why) | SendError::BadProxy(why) => f.write_str(why),
            SendError::Timeout(after) => {
                write!(f, "no answer within {}", humanize(*after))
            }
            SendError::Unreachable(why) => write!(f, "cannot reach the endpoint: {why}"),
            SendError::Closed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for SendError {}

/// A duration as `1.5s` or `250ms`.
pub fn humanize(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// A client with a total time limit per request.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    timeout: Duration,
}

impl Client {
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .user_agent(concat!("smile-sec/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client { agent, timeout }
    }

    /// POSTs `body` as `application/json`.
    pub fn post_json(&self, url: &str, body: &[u8]) -> Result<Response, SendError> {
        check_url(url)?;
        check_proxy(url)?;
        let started = Instant::now();
        let mut response = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| self.classify(e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut head = Vec::new();
        for (name, value) in response.headers() {
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.push(b'\n');
        }
        let mut kept = Vec::new();
        // A body cut short still leaves us its status: keep what arrived, and say why it ended.
        let cut = response
            .body_mut()
            .as_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut kept)
            .err()
            .map(|e| self.body_cut(e));
        let truncated = kept.len() as u64 > MAX_RESPONSE_BYTES;
        kept.truncate(usize::try_from(MAX_RESPONSE_BYTES).unwrap_or(usize::MAX));
        Ok(Response {
            status,
            elapsed: started.elapsed(),
            body: kept,
            truncated,
            cut,
            content_type,
            head,
        })
    }

    fn classify(&self, error: ureq::Error) -> SendError {
        match error {
            ureq::Error::Timeout(_) => SendError::Timeout(self.timeout),
            ureq::Error::BadUri(why) => SendError::BadUrl(format!("not a usable URL: {why}")),
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                SendError::Timeout(self.timeout)
            }
            ureq::Error::Io(ref e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
                ) && !is_tls(&error) =>
            {
                SendError::Closed(in_words(error))
            }
            other => SendError::Unreachable(in_words(other)),
        }
    }

    /// Why reading a body failed (the client hands its own errors back inside I/O errors).
    fn body_cut(&self, error: std::io::Error) -> BodyCut {
        match self.classify(ureq::Error::from(error)) {
            SendError::Timeout(after) => BodyCut::Timeout(after),
            SendError::BadUrl(why)
            | SendError::BadProxy(why)
            | SendError::Unreachable(why)
            | SendError::Closed(why) => BodyCut::Broken(why),
        }
    }
}

/// The TLS failure a client error holds, if it is one.
fn tls_error(error: &ureq::Error) -> Option<&rustls::Error> {
    match error {
        ureq::Error::Rustls(e) => Some(e),
        // A TLS failure mostly comes back inside an I/O error.
        ureq::Error::Io(e) => e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()),
        _ => None,
    }
}

fn is_tls(error: &ureq::Error) -> bool {
    tls_error(error).is_some()
}

/// A client error as it is shown: an I/O error's own words, without the client's `io:` prefix,
/// and a TLS failure in words.
fn in_words(error: ureq::Error) -> String {
    if let Some(tls) = tls_error(&error) {
        return crate::tls::in_words(tls, crate::tls::Roots::PublicWeb);
    }
    match error {
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection before the end of its answer".to_owned()
        }
        ureq::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// Redirects followed to reach a page, as browsers follow them to a docs site that moved.
const MAX_REDIRECTS: u32 = 5;

/// GETs a page (following a few redirects, as a browser would to the docs site), up to `limit`
/// bytes: its body when the status is 2xx.
pub fn get_page(url: &str, timeout: Duration, limit: u64) -> Result<Vec<u8>, SendError> {
    check_url(url)?;
    check_proxy(url)?;
    // The client follows no redirect itself: they are followed here, so that each place a
    // redirect leads to is held to what the first URL is (a port that is none, which the client
    // reads as 80; a proxy that cannot be used).
    let client = Client::new(timeout);
    let mut at = url.to_owned();
    let mut redirects = 0;
    let mut response = loop {
        let response = client
            .agent
            .get(&at)
            .call()
            .map_err(|e| client.classify(e))?;
        let location = response
            .headers()
            .get(ureq::http::header::LOCATION)
            .filter(|_| response.status().is_redirection());
        let Some(location) = location else {
            break response;
        };
        redirects += 1;
        if redirects > MAX_REDIRECTS {
            return Err(SendError::Unreachable(format!(
                "more than {MAX_REDIRECTS} redirects"
            )));
        }
        let led_to = |why: String| SendError::BadUrl(format!("a redirect led to {why}"));
        let location = location.to_str().unwrap_or_default();
        let Some(next) = url::Url::parse(&at)
            .ok()
            .and_then(|page| page.join(location).ok())
        else {
            // Most likely a port that is none, which the URL reader refuses too: said as such.
            check_url(location).map_err(|e| led_to(e.to_string()))?;
            return Err(led_to("a place that is no URL one can send to".to_owned()));
        };
        at = next.to_string();
        check_url(&at).map_err(|e| led_to(e.to_string()))?;
        check_proxy(&at).map_err(|e| led_to(e.to_string()))?;
    };
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(SendError::Unreachable(format!(
            "the server answered {status} {}",
            response.status().canonical_reason().unwrap_or("")
        )));
    }
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| match client.body_cut(e) {
            BodyCut::Timeout(after) => SendError::Timeout(after),
            BodyCut::Broken(why) => SendError::Unreachable(format!("the answer broke off: {why}")),
        })?;
    if body.len() as u64 > limit {
        return Err(SendError::Unreachable(format!(
            "the page is larger than {} MiB",
            limit >> 20
        )));
    }
    Ok(body)
}

/// Only `http://` and `https://` URLs are sent to, and only with a port that is one: the HTTP
/// client reads a port it cannot parse (`:99999`, `:abc`, `:-1`) as no port at all, and would
/// send to port 80 or 443 instead.
pub fn check_url(url: &str) -> Result<(), SendError> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(SendError::BadUrl(format!(
            "`{}` is not an http:// or https:// URL",
            shown(url).escape_debug()
        )));
    }
    let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
    match port_of(authority(rest)).map(port_problem) {
        // What stands where the port should may be the end of a password: not repeated.
        Some(Some(_)) if password_cut_short(rest) => Err(SendError::BadUrl(format!(
            "`{}`: {CUT_PASSWORD}",
            shown(url).escape_debug()
        ))),
        Some(Some(why)) => Err(SendError::BadUrl(format!(
            "`{}`: {why}",
            shown(url).escape_debug()
        ))),
        _ if authority(rest)
            .rsplit('@')
            .next()
            .is_some_and(|host| host.is_empty() || host.starts_with(':')) =>
        {
            Err(SendError::BadUrl(format!(
                "`{}` is not a usable URL: it has no host",
                shown(url).escape_debug()
            )))
        }
        // The client's own reading, so that a URL it cannot read (a space, an unclosed `[`) is
        // refused as such before anything is done, not reported as an unreachable one.
        _ => match url.parse::<ureq::http::Uri>() {
            Ok(_) => Ok(()),
            Err(why) => Err(SendError::BadUrl(format!(
                "`{}` is not a usable URL: {why}",
                shown(url).escape_debug()
            ))),
        },
    }
}

/// Why a URL whose user information is cut short cannot be used, in words that repeat nothing of
/// it.
const CUT_PASSWORD: &str = "its user name or password holds a `/`, `?` or `#`, which must be written %2F, %3F or %23 (read as it is, the password would be taken for the host and port)";

/// Whether what follows a URL's `scheme://` holds an `@` after its authority ends while the
/// authority holds none: maybe a password with a `/`, `?` or `#` in it, which ends the authority
/// early, so that its start would be read as the host and port (and shown as such). A path or
/// query with an `@` reads the same.
fn password_cut_short(after_scheme: &str) -> bool {
    let authority = authority(after_scheme);
    !authority.contains('@') && after_scheme[authority.len()..].contains('@')
}

/// The variables the HTTP client takes a proxy from, in the order it reads them: the first that
/// holds a proxy URL it can parse is used for every URL, except the hosts `NO_PROXY` exempts.
const PROXY_VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// Refuses a proxy variable whose value cannot be used, unless `NO_PROXY` exempts `url`'s host.
/// The HTTP client passes over such a value without a word (or, for a SOCKS proxy, which it is
/// built without, connects directly): the request would go around the proxy the user set. An
/// empty variable is unset, as the client and curl take it.
pub fn check_proxy(url: &str) -> Result<(), SendError> {
    let set = PROXY_VARIABLES
        .iter()
        .find_map(|name| Some((*name, std::env::var_os(name).filter(|v| !v.is_empty())?)));
    let Some((name, value)) = set else {
        return Ok(());
    };
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok());
    if no_proxy.is_some_and(|hosts| exempted(url, &hosts)) {
        return Ok(());
    }
    match value.to_str() {
        Some(value) => proxy_problem(value),
        None => Some("not valid UTF-8".to_owned()),
    }
    .map_or(Ok(()), |why| {
        Err(SendError::BadProxy(format!(
            "{name}: {why}; smile-sec sends only through an http:// or https:// proxy (http://HOST:PORT): fix or unset {name}"
        )))
    })
}

/// Whether `no_proxy` (comma-separated, as in `NO_PROXY`) exempts `url`'s host from the proxy,
/// as the HTTP client decides it.
fn exempted(url: &str, no_proxy: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    let exemptions = no_proxy
        .split(',')
        .fold(ureq::Proxy::builder(ureq::ProxyProtocol::Http), |b, e| {
            b.no_proxy(e)
        });
    exemptions.build().is_ok_and(|p| p.is_no_proxy(&uri))
}

/// What is wrong with a proxy variable's value, in words that never repeat it (it may hold a
/// password).
fn proxy_problem(value: &str) -> Option<String> {
    let scheme = value
        .split_once("://")
        .map(|(scheme, _)| scheme)
        .filter(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        });
    if let Some(scheme) = scheme
        && !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
    {
        return Some(format!(
            "{}:// proxies cannot be used",
            scheme.to_ascii_lowercase()
        ));
    }
    let after_scheme = value.split_once("://").map_or(value, |(_, rest)| rest);
    let Ok(proxy) = ureq::Proxy::new(value) else {
        return Some("not a proxy URL".to_owned());
    };
    // The client reads a port it cannot parse as none, and goes to port 80 (or 443) instead.
    // What stands where the port should is not repeated: it may be part of a password (a
    // `user:password` without `@`, or a password that holds a `/`).
    let authority = proxy.uri().authority().map_or("", |a| a.as_str());
    port_of(authority).and_then(port_problem).map(|_| {
        if password_cut_short(after_scheme) {
            CUT_PASSWORD.to_owned()
        } else {
            "its port is not a number from 1 to 65535".to_owned()
        }
    })
}

/// The authority of what follows a URL's `scheme://`: up to the path, query or fragment.
fn authority(after_scheme: &str) -> &str {
    &after_scheme[..after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len())]
}

/// The port an authority (`user:pw@host:port`, `[::1]:port`) spells, if it has a `:` for one.
pub(crate) fn port_of(authority: &str) -> Option<&str> {
    let host_port = &authority[authority.rfind('@').map_or(0, |at| at + 1)..];
    // An IPv6 address is bracketed, and its colons are not a port's.
    let after_host = match host_port.strip_prefix('[') {
        Some(bracketed) => &bracketed[bracketed.find(']').map_or(bracketed.len(), |i| i + 1)..],
        None => host_port,
    };
    after_host.rfind(':').map(|colon| &after_host[colon + 1..])
}

/// Why `port` (as written after the `:`) is not a TCP port one can connect to, if it is not.
/// An empty one is refused too: it is most often a variable that was not set
/// (`http://host:$PORT/`).
pub(crate) fn port_problem(port: &str) -> Option<String> {
    let number = port.trim_start_matches('0');
    let fits = !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
        && number.len() <= 5
        && number
            .parse::<u32>()
            .is_ok_and(|n| (1..=65535).contains(&n));
    if fits {
        None
    } else if port.is_empty() {
        Some("the port after `:` is empty".to_owned())
    } else {
        Some(format!(
            "the port `{}` is not a number from 1 to 65535",
            port.escape_debug()
        ))
    }
}

/// A URL as it may be shown (errors, results): a password in it (`https://user:pw@host/`) is a
/// secret, so the user information before `@` is replaced by `***`. A password may hold a `/`,
/// `?` or `#` written as it is, which ends the authority early: everything up to the last `@`
/// is replaced then, whatever it is (a path or query with an `@` loses some of its text).
///
/// A query value is a secret too when its name says so (`token`, `key`, `secret`, `sig`, ...) or
/// it looks like one: endpoints that authenticate the sender by a URL parameter are common, and
/// the URL lands in CI logs (`?token=***`).
pub fn shown(url: &str) -> std::borrow::Cow<'_, str> {
    if !url.contains("://") {
        return url.into();
    }
    // The query's secrets first, read in the URL as given: the cut below may take an `@` in
    // the query for the end of a password (`?email=a@b.com&token=...`).
    let url: std::borrow::Cow<'_, str> = match without_query_secrets(url) {
        Some(hidden) => hidden.into(),
        None => url.into(),
    };
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let at = match authority(rest).rfind('@') {
        Some(at) => Some(at),
        None if password_cut_short(rest) => rest.rfind('@'),
        None => None,
    };
    match at {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]).into(),
        None => url,
    }
}

/// `url` with its secrets replaced by `***`, when it has any: a path segment that looks like a
/// key (`/hooks/<token>`), and the value of a query or fragment parameter whose name says it is
/// a secret or that looks like one (`?token=`, `#access_token=`, a JWT).
fn without_query_secrets(url: &str) -> Option<String> {
    const SECRET_NAMES: [&str; 12] = [
        "key",
        "token",
        "secret",
        "sig",
        "pass",
        "pwd",
        "auth",
        "credential",
        "session",
        "jwt",
        "bearer",
        "hmac",
    ];
    let authority_end = url.find("://").map_or(0, |at| {
        let rest = &url[at + 3..];
        at + 3 + rest.find(['/', '?', '#']).unwrap_or(rest.len())
    });
    let mut hid = false;
    let mut hide = |part: &str, secret: bool| {
        hid |= secret;
        if secret {
            "***".to_owned()
        } else {
            part.to_owned()
        }
    };
    let (before_fragment, fragment) = match url[authority_end..].find('#') {
        Some(at) => url.split_at(authority_end + at),
        None => (url, ""),
    };
    let (path, query) = match before_fragment[authority_end..].find('?') {
        Some(at) => before_fragment.split_at(authority_end + at),
        None => (before_fragment, ""),
    };
    let path: Vec<String> = path[authority_end..]
        .split('/')
        .map(|segment| hide(segment, holds_a_key(segment)))
        .collect();
    let mut parameters = |part: &str| -> String {
        part.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) if !value.is_empty() => {
                    // The name as a server reads it (`%74oken` is `token`).
                    let name_said = url::form_urlencoded::parse(name.as_bytes())
                        .next()
                        .map_or_else(|| name.to_owned(), |(said, _)| said.into_owned())
                        .to_ascii_lowercase();
                    let named = SECRET_NAMES.iter().any(|word| name_said.contains(word));
                    let secret = named || holds_a_key(value);
                    format!("{name}={}", hide(value, secret))
                }
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    let query = match query.strip_prefix('?') {
        Some(query) => format!("?{}", parameters(query)),
        None => String::new(),
    };
    let fragment = match fragment.strip_prefix('#') {
        Some(fragment) => format!("#{}", parameters(fragment)),
        None => String::new(),
    };
    hid.then(|| {
        format!(
            "{}{}{query}{fragment}",
            &url[..authority_end],
            path.join("/")
        )
    })
}

/// Whether a part of a URL holds a key: 24 characters at least (no key is shorter, and a
/// shorter secret is named as one, `?token=`), a path's names apart (`smile-callback-v2`).
fn holds_a_key(part: &str) -> bool {
    part.len() >= 24 && crate::input::holds_a_secret(part)
}

/// The start of a response body as one short line of text: control characters become spaces,
/// runs of white space shrink to one, and a cut is marked with `…`.
pub fn excerpt(body: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && (last_space || count == max_chars) {
            continue;
        }
        if count == max_chars {
            // More than white space follows: the line is cut.
            let mut cut = out.trim_end().to_owned();
            cut.push('…');
            return cut;
        }
        last_space = c == ' ';
        out.push(c);
        count += 1;
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_not_shown() {
        assert_eq!(
            shown("http://127.0.0.1:8080/cb"),
            "http://127.0.0.1:8080/cb"
        );
        assert_eq!(
            shown("https://user:secretpw@example.com/cb?a=b@c"),
            "https://***@example.com/cb?a=b@c"
        );
        assert_eq!(shown("http://u:p@w@host"), "http://***@host");
        assert_eq!(
            shown("http://user:s3cret/PW@127.0.0.1:18080/ok"),
            "http://***@127.0.0.1:18080/ok"
        );
        assert_eq!(shown("not a url"), "not a url");
    }

    #[test]
    fn secret_query_values_are_not_shown() {
        assert_eq!(
            shown("http://127.0.0.1/cb?token=TOPSECRET&env=prod#x"),
            "http://127.0.0.1/cb?token=***&env=prod#x"
        );
        assert_eq!(
            shown("https://u:p@h/cb?API_KEY=abc&sig=1&x"),
            "https://***@h/cb?API_KEY=***&sig=***&x"
        );
        // A value that looks like a key, whatever its name.
        assert_eq!(
            shown("http://h/cb?id=0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8"),
            "http://h/cb?id=***"
        );
        assert_eq!(shown("http://h/cb?page=2&q="), "http://h/cb?page=2&q=");
        // A token in the path, a JWT, a fragment, an escaped name.
        assert_eq!(
            shown("https://h/hooks/T0c1b2a39x4d5e6f708192a3b4/cb"),
            "https://h/hooks/***/cb"
        );
        assert_eq!(
            shown("http://h/cb?x=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP"),
            "http://h/cb?x=***"
        );
        assert_eq!(
            shown("http://h/cb#access_token=abc&state=1"),
            "http://h/cb#access_token=***&state=1"
        );
        assert_eq!(shown("http://h/cb?%74oken=abc"), "http://h/cb?%74oken=***");
        assert_eq!(shown("http://h/a/b/c?x=1#top"), "http://h/a/b/c?x=1#top");
        // An `@` in the query does not hide the token after it from the search.
        let shown_url = shown("http://127.0.0.1/cb?email=a@b.com&token=S3cr3tT0k3n");
        assert!(!shown_url.contains("S3cr3t"), "{shown_url}");
        let key = "I434/M7ZWMR68HTK8hsY9KryGEYHCYG1W98AUwuwN7o";
        let url = format!("http://127.0.0.1/cb?email=a@b.com&x={key}");
        let shown_url = shown(&url);
        assert!(!shown_url.contains("M7ZWMR68"), "{shown_url}");
        // Names are not keys.
        assert_eq!(
            shown("https://h/hooks/smile-callback-v2?job=job-2024-01-15-xyz9"),
            "https://h/hooks/smile-callback-v2?job=job-2024-01-15-xyz9"
        );
    }

    #[test]
    fn urls() {
        assert!(check_url("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_url("HTTPS://example.com").is_ok());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("example.com/cb").is_err());
        assert!(check_url("").is_err());
        assert!(check_url("é").is_err());
        for unreadable in [
            "http://",
            "http://[::1",
            "http://127.0.0.1:1/ x",
            "https://user:pw@/x",
        ] {
            let Err(SendError::BadUrl(why)) = check_url(unreadable) else {
                panic!("{unreadable} passed");
            };
            assert!(why.contains("is not a usable URL"), "{unreadable}: {why}");
            assert!(!why.contains("pw@"), "{why}");
        }
        for hostless in ["http://", "https://user:pw@/x", "http://:80/", "http:///x"] {
            let Err(SendError::BadUrl(why)) = check_url(hostless) else {
                panic!("{hostless} passed");
            };
            assert!(
                why.ends_with("is not a usable URL: it has no host"),
                "{why}"
            );
        }
    }

    /// A port the HTTP client cannot read would silently become port 80 (or 443).
    #[test]
    fn urls_with_a_port_that_is_none_are_refused() {
        for good in [
            "http://127.0.0.1:8080/cb",
            "http://127.0.0.1:1",
            "https://example.com:65535?a=b:c",
            "http://user:pw@example.com:0080/x",
            "http://[::1]:8080/cb",
            "http://[::1]/cb",
            "http://example.com/a:b",
            "http://u:p@example.com/",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for (bad, port) in [
            ("http://127.0.0.1:99999/x", "99999"),
            ("http://127.0.0.1:70000/x", "70000"),
            ("http://127.0.0.1:65536", "65536"),
            ("http://127.0.0.1:abc/x", "abc"),
            ("http://127.0.0.1:-1/x", "-1"),
            ("http://127.0.0.1:4294967376/x", "4294967376"),
            ("http://127.0.0.1:0/x", "0"),
            ("http://127.0.0.1:+80/x", "+80"),
            ("http://[::1]:99999/x", "99999"),
            ("https://u:p@example.com:8o8o#f", "8o8o"),
        ] {
            let Err(SendError::BadUrl(why)) = check_url(bad) else {
                panic!("{bad} is accepted");
            };
            assert!(why.contains(&format!("the port `{port}`")), "{why}");
            assert!(why.contains(&*shown(bad)), "{why}");
            assert!(!why.contains(":p@"), "{why}");
        }
        // A password holding a `/`, `?` or `#` as it is: refused, and never repeated.
        for cut in [
            "http://user:s3cret/PW@127.0.0.1:18080/ok",
            "https://user:s3c?ret@example.com/",
            "https://user:s3c#ret@example.com/",
        ] {
            let Err(SendError::BadUrl(why)) = check_url(cut) else {
                panic!("{cut} is accepted");
            };
            assert!(why.contains(CUT_PASSWORD) && !why.contains("s3c"), "{why}");
        }
        assert_eq!(check_url("https://example.com/users/@me"), Ok(()));
        assert_eq!(
            check_url("http://127.0.0.1:/x"),
            Err(SendError::BadUrl(
                "`http://127.0.0.1:/x`: the port after `:` is empty".to_owned()
            ))
        );
    }

    /// A proxy variable's value that the HTTP client would pass over (and send directly) is
    /// refused, in words that do not repeat it.
    #[test]
    fn proxies_that_cannot_be_used_are_said() {
        for good in [
            "http://127.0.0.1:3128",
            "HTTPS://proxy.example.com",
            "http://user:pw@proxy.example.com:8080/",
            "proxy.example.com:3128",
            "http://[::1]:3128",
        ] {
            assert_eq!(proxy_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("socks5://127.0.0.1:1", "socks5:// proxies cannot be used"),
            (
                "SOCKS5H://u:s3cret@127.0.0.1:1",
                "socks5h:// proxies cannot be used",
            ),
            ("socks://127.0.0.1", "socks:// proxies cannot be used"),
            ("ftp://proxy.example.com", "ftp:// proxies cannot be used"),
            ("not a url", "not a proxy URL"),
            ("http://u:s3cret@proxy example", "not a proxy URL"),
            (
                "http://u:s3cret@127.0.0.1:99999",
                "its port is not a number from 1 to 65535",
            ),
            (
                "http://127.0.0.1:abc",
                "its port is not a number from 1 to 65535",
            ),
            (
                "user:s3cretPW99",
                "its port is not a number from 1 to 65535",
            ),
            ("http://user:s3cret/PW@127.0.0.1:3128", CUT_PASSWORD),
            ("http://user:s3c?ret@127.0.0.1:3128", CUT_PASSWORD),
            ("http://user:s3c#ret@127.0.0.1:3128", CUT_PASSWORD),
        ] {
            assert_eq!(proxy_problem(bad).as_deref(), Some(why), "{bad}");
        }
    }

    #[test]
    fn no_proxy_exempts_as_the_client_does() {
        assert!(exempted("http://127.0.0.1:8080/cb", "localhost,127.0.0.1"));
        assert!(exempted(
            "https://a.staging.example:443/",
            ".staging.example"
        ));
        assert!(exempted("https://a.staging.example/", "*.staging.example"));
        assert!(exempted("http://anything/", "*"));
        assert!(!exempted("http://127.0.0.2/", "127.0.0.1"));
        assert!(!exempted("https://staging.example/", ".staging.example"));
        assert!(!exempted("http://127.0.0.1/", ""));
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt(b"{\"ok\":true}\n", 80), "{\"ok\":true}");
        assert_eq!(excerpt(b"a\r\n\tb  c\x1b[31m", 80), "a b c [31m");
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
        assert_eq!(excerpt(b"abc", 3), "abc");
        // Nothing but white space after the last character shown is no cut; a space before
        // the cut is not shown.
        assert_eq!(excerpt(b"abc \n\t ", 3), "abc");
        assert_eq!(excerpt(b"ab cd", 3), "ab…");
        assert_eq!(excerpt(b"\xff\xfe", 10), "\u{fffd}\u{fffd}");
        assert_eq!(excerpt(b"", 10), "");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(humanize(Duration::from_millis(12)), "12ms");
        assert_eq!(humanize(Duration::from_millis(1500)), "1.5s");
    }
}
