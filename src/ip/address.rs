//! Strict parsing of one address as callback sources appear in logs, headers and lists.
//! Owns the accepted spellings and the reasons others are refused; what an
//! address is allowed to do is `allowlist`'s business, which hop is the client is `proxy`'s.
//!
//! Parsers disagree about IPv4 spellings: `inet_aton` reads `010.0.0.1` as octal (8.0.0.1),
//! `0x7f.1` as hex and `1.2.3` as 1.2.0.3, while Rust, Go and Python refuse or read them as decimal.
//! An allowlist check that reads an address differently from the server that acts on it can be
//! bypassed, so every such spelling is refused here and named ambiguous.
//!
//! Nothing here allocates: the input is borrowed, numbers are built in place, so a scan of millions
//! of log lines costs a few nanoseconds per line.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP address as a number, so that matching is integer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ip {
    V4(u32),
    V6(u128),
}

impl Ip {
    pub fn to_std(self) -> IpAddr {
        match self {
            Ip::V4(v) => IpAddr::V4(Ipv4Addr::from(v)),
            Ip::V6(v) => IpAddr::V6(Ipv6Addr::from(v)),
        }
    }

    /// Address width in bits: 32 or 128.
    pub fn bits(self) -> u8 {
        match self {
            Ip::V4(_) => 32,
            Ip::V6(_) => 128,
        }
    }
}

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // RFC 5952 for IPv6 (std's Display), dotted decimal for IPv4.
        self.to_std().fmt(f)
    }
}

/// One parsed address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address<'a> {
    /// The address checked: an IPv4-mapped IPv6 address is already its IPv4 address here.
    pub ip: Ip,
    /// Spelled as IPv4-mapped IPv6 (`::ffff:a.b.c.d`, `::ffff:2228:8934`, ...).
    pub mapped: bool,
    /// The zone of a scoped IPv6 address (`eth0` in `fe80::1%eth0`).
    pub zone: Option<&'a str>,
    /// The port of `ADDR:PORT` or `[IPv6]:PORT`.
    pub port: Option<u16>,
}

impl fmt::Display for Address<'_> {
    /// The canonical spelling: the checked address, with its zone; ports are not part of it. Only
    /// IPv6 has zones, so a zoned IPv4-mapped address keeps its `::ffff:a.b.c.d` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.zone, self.ip) {
            (Some(zone), Ip::V4(v4)) => write!(f, "{}%{zone}", Ipv4Addr::from(v4).to_ipv6_mapped()),
            (Some(zone), ip) => write!(f, "{ip}%{zone}"),
            (None, ip) => ip.fmt(f),
        }
    }
}

/// Why an input is not an address. `code` is stable (JSON `reason`); `Display` explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Nothing but white space.
    Empty,
    /// An IPv4 part with a leading zero: octal to `inet_aton`, decimal to others.
    AmbiguousLeadingZero,
    /// An IPv4 part in hex (`0x7f`): read by `inet_aton`, refused by others.
    AmbiguousHex,
    /// Fewer than four IPv4 parts (`1.2.3`, `127.1`, `2130706433`): `inet_aton` fills the gaps.
    AmbiguousShortForm,
    /// An IPv4 part above 255.
    OctetOutOfRange,
    /// A port that is not a decimal number up to 65535.
    BadPort,
    /// A zone (`%...`) that is empty or has characters no interface name has.
    BadZone,
    /// Anything else: host names, garbage, malformed IPv6.
    NotAnAddress,
}

impl Invalid {
    pub fn code(self) -> &'static str {
        match self {
            Invalid::Empty => "empty",
            Invalid::AmbiguousLeadingZero => "ambiguous_leading_zero",
            Invalid::AmbiguousHex => "ambiguous_hex",
            Invalid::AmbiguousShortForm => "ambiguous_short_form",
            Invalid::OctetOutOfRange => "octet_out_of_range",
            Invalid::BadPort => "bad_port",
            Invalid::BadZone => "bad_zone",
            Invalid::NotAnAddress => "not_an_address",
        }
    }

    pub fn is_ambiguous(self) -> bool {
        matches!(
            self,
            Invalid::AmbiguousLeadingZero | Invalid::AmbiguousHex | Invalid::AmbiguousShortForm
        )
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invalid::Empty => "empty line",
            Invalid::AmbiguousLeadingZero => {
                "ambiguous IPv4: a part with a leading zero is octal to some parsers and decimal to others"
            }
            Invalid::AmbiguousHex => {
                "ambiguous IPv4: a hex part is read by some parsers and refused by others"
            }
            Invalid::AmbiguousShortForm => {
                "ambiguous IPv4: fewer than four parts, which some parsers expand and others refuse"
            }
            Invalid::OctetOutOfRange => "not an address: an IPv4 part is above 255",
            Invalid::BadPort => "not an address: the port is not a number from 0 to 65535",
            Invalid::BadZone => "not an address: the IPv6 zone is empty or malformed",
            Invalid::NotAnAddress => "not an IP address",
        })
    }
}

impl std::error::Error for Invalid {}

/// `input` without the white space around it: Unicode's (Rust's `char::is_whitespace`), the
/// vertical tab and the no-break space included. No address holds any of it, so what is trimmed
/// never changes which address a line names. ASCII alone is the fast path; a line that is not
/// UTF-8 is no address whatever is trimmed.
fn trim_white(input: &[u8]) -> &[u8] {
    let trimmed = input.trim_ascii();
    let rare = |b: &u8| *b == 0x0b || !b.is_ascii();
    if trimmed.first().is_some_and(rare) || trimmed.last().is_some_and(rare) {
        return std::str::from_utf8(trimmed).map_or(trimmed, |text| text.trim().as_bytes());
    }
    trimmed
}

/// Parses one input line: IPv4 dotted decimal, IPv6 (optionally zoned), `ADDR:PORT`,
/// `[IPv6]:PORT` or `[IPv6]`, with surrounding white space. IPv4-mapped IPv6 comes back as IPv4.
pub fn parse(input: &[u8]) -> Result<Address<'_>, Invalid> {
    let s = trim_white(input);
    // The common case first: plain dotted IPv4, no port.
    if let Some(v4) = dotted_quad(s) {
        return Ok(Address {
            ip: Ip::V4(v4),
            mapped: false,
            zone: None,
            port: None,
        });
    }
    if s.is_empty() {
        return Err(Invalid::Empty);
    }
    if let Some(rest) = s.strip_prefix(b"[") {
        let close = memchr::memchr(b']', rest).ok_or(Invalid::NotAnAddress)?;
        let (inner, after) = rest.split_at(close);
        let port = match after.get(1..).unwrap_or_default() {
            [] => None,
            [b':', digits @ ..] => Some(port(digits)?),
            _ => return Err(Invalid::NotAnAddress),
        };
        // Brackets are for IPv6 only: `[1.2.3.4]` is no spelling any server produces.
        let mut address = ipv6_with_zone(inner)?;
        address.port = port;
        return Ok(address);
    }
    let colons = memchr::memchr_iter(b':', s).count();
    match colons {
        0 => Ok(Address {
            ip: Ip::V4(ipv4(s)?),
            mapped: false,
            zone: None,
            port: None,
        }),
        // IPv6 has at least two colons, so one colon is `IPv4:PORT`.
        1 => {
            let colon = memchr::memchr(b':', s).ok_or(Invalid::NotAnAddress)?;
            let (host, digits) = (&s[..colon], &s[colon + 1..]);
            let ip = ipv4(host)?;
            Ok(Address {
                ip: Ip::V4(ip),
                mapped: false,
                zone: None,
                port: Some(port(digits)?),
            })
        }
        _ => ipv6_with_zone(s),
    }
}

/// Parses an address with no port, brackets or zone, as allowlist entries and trusted proxies
/// are written. IPv4-mapped IPv6 comes back as IPv4.
pub fn parse_bare(s: &[u8]) -> Result<(Ip, bool), Invalid> {
    if memchr::memchr(b':', s).is_some() {
        let v6 = ipv6(s)?;
        Ok(unmap(v6))
    } else {
        Ok((Ip::V4(ipv4(s)?), false))
    }
}

/// `::ffff:0:0/96` is the only IPv6 range read as IPv4 (RFC 4291 §2.5.5.2): the form dual-stack
/// sockets report IPv4 peers in. `::a.b.c.d`, NAT64 and 6to4 are left as IPv6 on purpose.
fn unmap(v6: u128) -> (Ip, bool) {
    if v6 >> 32 == 0xffff {
        (Ip::V4(v6 as u32), true)
    } else {
        (Ip::V6(v6), false)
    }
}

fn ipv6_with_zone(s: &[u8]) -> Result<Address<'_>, Invalid> {
    let (addr, zone) = match memchr::memchr(b'%', s) {
        Some(i) => (&s[..i], Some(zone(&s[i + 1..])?)),
        None => (s, None),
    };
    let (ip, mapped) = unmap(ipv6(addr)?);
    Ok(Address {
        ip,
        mapped,
        zone,
        port: None,
    })
}

fn zone(s: &[u8]) -> Result<&str, Invalid> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        std::str::from_utf8(s).map_err(|_| Invalid::BadZone)
    } else {
        Err(Invalid::BadZone)
    }
}

/// A port: one to five decimal digits, at most 65535 (0 included, which is not refused here).
pub(crate) fn port(digits: &[u8]) -> Result<u16, Invalid> {
    if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Invalid::BadPort);
    }
    let value = digits
        .iter()
        .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    u16::try_from(value).map_err(|_| Invalid::BadPort)
}

/// The fast path: exactly `d.d.d.d`, each part 0–255 in decimal without a leading zero.
#[inline]
fn dotted_quad(s: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    let mut i = 0;
    for part in 0..4 {
        if part > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut octet = 0u32;
        while let Some(&d) = s.get(i) {
            if !d.is_ascii_digit() || i - start == 3 {
                break;
            }
            octet = octet * 10 + u32::from(d - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || octet > 255 || (len > 1 && s.get(start) == Some(&b'0')) {
            return None;
        }
        value = value << 8 | octet;
    }
    (i == s.len()).then_some(value)
}

/// Strict IPv4, naming the ambiguity when the text is an `inet_aton` spelling.
fn ipv4(s: &[u8]) -> Result<u32, Invalid> {
    dotted_quad(s).ok_or_else(|| why_not_ipv4(s))
}

/// Classifies text that failed the strict IPv4 parse. Text that `inet_aton` would read as an
/// address (1 to 4 parts, each decimal, `0x` hex or `0` octal) is ambiguous; the rest is not an address.
fn why_not_ipv4(s: &[u8]) -> Invalid {
    let mut parts = 0;
    let (mut hex, mut leading_zero, mut too_big) = (false, false, false);
    for part in s.split(|&b| b == b'.') {
        parts += 1;
        let (digits, radix) = match part {
            [b'0', b'x' | b'X', rest @ ..] => {
                hex = true;
                (rest, 16)
            }
            [b'0', rest @ ..] if !rest.is_empty() => {
                leading_zero = true;
                (rest, 8)
            }
            _ => (part, 10),
        };
        if parts > 4 || (digits.is_empty() && radix != 16) {
            return Invalid::NotAnAddress;
        }
        let Some(value) = std::str::from_utf8(digits)
            .ok()
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|d| u64::from_str_radix(if d.is_empty() { "0" } else { d }, radix).ok())
        else {
            // Octal-looking parts with 8 or 9 are still leading-zero decimal to some parsers.
            if radix == 8 && digits.iter().all(u8::is_ascii_digit) {
                continue;
            }
            return Invalid::NotAnAddress;
        };
        too_big |= value > 255;
        if value > u64::from(u32::MAX) {
            return Invalid::NotAnAddress;
        }
    }
    if hex {
        Invalid::AmbiguousHex
    } else if leading_zero {
        Invalid::AmbiguousLeadingZero
    } else if parts < 4 {
        Invalid::AmbiguousShortForm
    } else if too_big {
        Invalid::OctetOutOfRange
    } else {
        Invalid::NotAnAddress
    }
}

/// Strict IPv6 (RFC 4291 §2.2): eight groups of 1–4 hex digits, one `::` for a run of zero
/// groups, an optional dotted IPv4 tail (itself strict). No zone, no brackets.
fn ipv6(s: &[u8]) -> Result<u128, Invalid> {
    let (head, tail) = match memchr::memmem::find(s, b"::") {
        Some(i) => (&s[..i], Some(&s[i + 2..])),
        None => (s, None),
    };
    let mut groups = [0u16; 8];
    let mut n = 0;
    let head_has_tail_v4 = tail.is_none();
    n = groups_into(head, &mut groups, n, head_has_tail_v4)?;
    match tail {
        None if n == 8 => {}
        None => return Err(Invalid::NotAnAddress),
        Some(tail) => {
            let mut back = [0u16; 8];
            let m = groups_into(tail, &mut back, 0, true)?;
            // `::` stands for at least one zero group.
            if n + m > 7 {
                return Err(Invalid::NotAnAddress);
            }
            groups[8 - m..].copy_from_slice(&back[..m]);
        }
    }
    Ok(groups
        .iter()
        .fold(0u128, |acc, &g| acc << 16 | u128::from(g)))
}

/// Parses `a:b:c` (possibly empty) into `out[n..]`, returning the new count. The last group may be
/// a dotted IPv4 address when `v4_tail_allowed`.
fn groups_into(
    s: &[u8],
    out: &mut [u16; 8],
    mut n: usize,
    v4_tail_allowed: bool,
) -> Result<usize, Invalid> {
    if s.is_empty() {
        return Ok(n);
    }
    let mut pieces = s.split(|&b| b == b':').peekable();
    while let Some(piece) = pieces.next() {
        let last = pieces.peek().is_none();
        if last && v4_tail_allowed && memchr::memchr(b'.', piece).is_some() {
            let v4 = ipv4(piece)?;
            let slot = out.get_mut(n..n + 2).ok_or(Invalid::NotAnAddress)?;
            slot.copy_from_slice(&[(v4 >> 16) as u16, v4 as u16]);
            return Ok(n + 2);
        }
        if piece.is_empty() || piece.len() > 4 || !piece.iter().all(u8::is_ascii_hexdigit) {
            return Err(Invalid::NotAnAddress);
        }
        let group = piece.iter().fold(0u16, |g, &d| g << 4 | hex_value(d));
        *out.get_mut(n).ok_or(Invalid::NotAnAddress)? = group;
        n += 1;
    }
    Ok(n)
}

fn hex_value(d: u8) -> u16 {
    match d {
        b'0'..=b'9' => u16::from(d - b'0'),
        b'a'..=b'f' => u16::from(d - b'a' + 10),
        b'A'..=b'F' => u16::from(d - b'A' + 10),
        _ => 0,
    }
}

/// What an IPv6 address that is not unmapped looks like, for the reason text of a denial.
pub fn ipv6_note(v6: u128) -> Option<&'static str> {
    let top96 = v6 >> 32;
    if top96 == 0 && v6 > 1 {
        Some("IPv4-compatible ::a.b.c.d form (deprecated), not read as IPv4")
    } else if top96 == 0x0064_ff9b_0000_0000_0000_0000 {
        Some("NAT64 64:ff9b::/96 address, not read as IPv4")
    } else if v6 >> 112 == 0x2002 {
        Some("6to4 2002::/16 address, not read as IPv4")
    } else if v6 >> 96 == 0x2001_0000 {
        Some("Teredo 2001::/32 address, not read as IPv4")
    } else if v6 >> 118 == 0xfe80 >> 6 {
        Some("link-local address")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Ip {
        Ip::V4(u32::from(Ipv4Addr::new(a, b, c, d)))
    }

    fn v6(text: &str) -> Ip {
        Ip::V6(u128::from(text.parse::<Ipv6Addr>().unwrap()))
    }

    /// (input, Ok((ip, mapped, zone, port)) or Err(reason)) for every accepted and refused form.
    #[test]
    fn parse_table() {
        type Want = Result<(Ip, bool, Option<&'static str>, Option<u16>), Invalid>;
        let ok = |ip, mapped, zone, port| -> Want { Ok((ip, mapped, zone, port)) };
        let cases: Vec<(&str, Want)> = vec![
            // Plain forms and white space.
            ("34.240.137.52", ok(v4(34, 240, 137, 52), false, None, None)),
            (
                " \t34.240.137.52\r\n",
                ok(v4(34, 240, 137, 52), false, None, None),
            ),
            ("0.0.0.0", ok(v4(0, 0, 0, 0), false, None, None)),
            (
                "255.255.255.255",
                ok(v4(255, 255, 255, 255), false, None, None),
            ),
            ("2001:db8::1", ok(v6("2001:db8::1"), false, None, None)),
            (
                "2001:DB8:0:0:0:0:0:1",
                ok(v6("2001:db8::1"), false, None, None),
            ),
            ("::", ok(v6("::"), false, None, None)),
            ("::1", ok(v6("::1"), false, None, None)),
            ("1::", ok(v6("1::"), false, None, None)),
            (
                "1:2:3:4:5:6:7::",
                ok(v6("1:2:3:4:5:6:7:0"), false, None, None),
            ),
            (
                "1:2:3:4:5:6:1.2.3.4",
                ok(v6("1:2:3:4:5:6:102:304"), false, None, None),
            ),
            // Ports and brackets.
            (
                "34.240.137.52:443",
                ok(v4(34, 240, 137, 52), false, None, Some(443)),
            ),
            (
                "[2001:db8::1]:8443",
                ok(v6("2001:db8::1"), false, None, Some(8443)),
            ),
            ("[2001:db8::1]", ok(v6("2001:db8::1"), false, None, None)),
            (
                "1.2.3.4:65535",
                ok(v4(1, 2, 3, 4), false, None, Some(65535)),
            ),
            ("1.2.3.4:65536", Err(Invalid::BadPort)),
            ("1.2.3.4:", Err(Invalid::BadPort)),
            ("1.2.3.4:http", Err(Invalid::BadPort)),
            ("[2001:db8::1]:", Err(Invalid::BadPort)),
            ("[2001:db8::1]x", Err(Invalid::NotAnAddress)),
            ("[2001:db8::1", Err(Invalid::NotAnAddress)),
            ("[1.2.3.4]:80", Err(Invalid::NotAnAddress)),
            // IPv4-mapped IPv6 in every spelling is checked as IPv4.
            (
                "::ffff:34.240.137.52",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "::FFFF:34.240.137.52",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "::ffff:22f0:8934",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "0:0:0:0:0:ffff:22f0:8934",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "0000:0000:0000:0000:0000:ffff:22f0:8934",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "0:0:0:0:0:ffff:34.240.137.52",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "::0:ffff:34.240.137.52",
                ok(v4(34, 240, 137, 52), true, None, None),
            ),
            (
                "[::ffff:34.240.137.52]:443",
                ok(v4(34, 240, 137, 52), true, None, Some(443)),
            ),
            (
                "::ffff:2228:8934",
                ok(v4(34, 40, 137, 52), true, None, None),
            ),
            // No other IPv6 form is unmapped.
            ("::34.240.137.52", ok(v6("::22f0:8934"), false, None, None)),
            (
                "64:ff9b::34.240.137.52",
                ok(v6("64:ff9b::22f0:8934"), false, None, None),
            ),
            (
                "2002:22f0:8934::",
                ok(v6("2002:22f0:8934::"), false, None, None),
            ),
            (
                "::ffff:0:34.240.137.52",
                ok(v6("::ffff:0:22f0:8934"), false, None, None),
            ),
            // Zones.
            ("fe80::1%eth0", ok(v6("fe80::1"), false, Some("eth0"), None)),
            (
                "[fe80::1%eth0]:443",
                ok(v6("fe80::1"), false, Some("eth0"), Some(443)),
            ),
            (
                "::ffff:34.240.137.52%eth0",
                ok(v4(34, 240, 137, 52), true, Some("eth0"), None),
            ),
            ("fe80::1%", Err(Invalid::BadZone)),
            ("fe80::1%eth 0", Err(Invalid::BadZone)),
            ("1.2.3.4%eth0", Err(Invalid::NotAnAddress)),
            // Ambiguous IPv4.
            ("034.240.137.52", Err(Invalid::AmbiguousLeadingZero)),
            ("34.240.137.052", Err(Invalid::AmbiguousLeadingZero)),
            ("00.1.2.3", Err(Invalid::AmbiguousLeadingZero)),
            ("010.8.8.8", Err(Invalid::AmbiguousLeadingZero)),
            ("08.1.2.3", Err(Invalid::AmbiguousLeadingZero)),
            ("0x22.240.137.52", Err(Invalid::AmbiguousHex)),
            ("0X22.0xf0.137.52", Err(Invalid::AmbiguousHex)),
            ("0x22f08934", Err(Invalid::AmbiguousHex)),
            ("1.2.3", Err(Invalid::AmbiguousShortForm)),
            ("127.1", Err(Invalid::AmbiguousShortForm)),
            ("586188084", Err(Invalid::AmbiguousShortForm)),
            (
                "34.240.137.52:0443",
                ok(v4(34, 240, 137, 52), false, None, Some(443)),
            ),
            ("034.240.137.52:443", Err(Invalid::AmbiguousLeadingZero)),
            ("::ffff:034.240.137.52", Err(Invalid::AmbiguousLeadingZero)),
            ("::ffff:34.240.137", Err(Invalid::AmbiguousShortForm)),
            ("1.2.3.256", Err(Invalid::OctetOutOfRange)),
            // Garbage.
            ("", Err(Invalid::Empty)),
            ("   ", Err(Invalid::Empty)),
            ("\u{b}\u{a0} \u{3000}", Err(Invalid::Empty)),
            // Unicode's white space, around an address only.
            (
                "\u{b}\u{a0}34.240.137.52\u{3000}\u{b}\t",
                ok(v4(34, 240, 137, 52), false, None, None),
            ),
            (
                "\u{85}[::1]:443\u{2028}",
                ok(Ip::V6(1), false, None, Some(443)),
            ),
            ("34.240.\u{a0}137.52", Err(Invalid::NotAnAddress)),
            ("\u{200b}34.240.137.52", Err(Invalid::NotAnAddress)),
            ("\u{1c}34.240.137.52", Err(Invalid::NotAnAddress)),
            ("localhost", Err(Invalid::NotAnAddress)),
            ("example.com:443", Err(Invalid::NotAnAddress)),
            ("1.2.3.4.5", Err(Invalid::NotAnAddress)),
            ("1.2.3.4.", Err(Invalid::NotAnAddress)),
            ("1.2..4", Err(Invalid::NotAnAddress)),
            ("1.2.3.4 5.6.7.8", Err(Invalid::NotAnAddress)),
            ("1.2.3.-4", Err(Invalid::NotAnAddress)),
            ("+1.2.3.4", Err(Invalid::NotAnAddress)),
            ("1:2:3:4:5:6:7:8:9", Err(Invalid::NotAnAddress)),
            ("1:2:3:4:5:6:7", Err(Invalid::NotAnAddress)),
            ("1::2::3", Err(Invalid::NotAnAddress)),
            (":::", Err(Invalid::NotAnAddress)),
            (":1::", Err(Invalid::NotAnAddress)),
            ("12345::", Err(Invalid::NotAnAddress)),
            ("1:2:3:4:5:6:7:1.2.3.4", Err(Invalid::NotAnAddress)),
            ("1.2.3.4::", Err(Invalid::NotAnAddress)),
            ("::1.2.3.4:5", Err(Invalid::NotAnAddress)),
            ("2001:db8::1/64", Err(Invalid::NotAnAddress)),
            ("1.2.3.4/32", Err(Invalid::NotAnAddress)),
            ("\u{663}.1.2.3", Err(Invalid::NotAnAddress)),
        ];
        for (input, want) in cases {
            let got = parse(input.as_bytes()).map(|a| (a.ip, a.mapped, a.zone, a.port));
            assert_eq!(got, want, "input {input:?}");
        }
    }

    #[test]
    fn canonical_spelling() {
        let canon = |s: &str| parse(s.as_bytes()).unwrap().to_string();
        assert_eq!(canon("[::FFFF:22f0:8934]:443"), "34.240.137.52");
        assert_eq!(canon("2001:0DB8:0:0::1"), "2001:db8::1");
        assert_eq!(canon("fe80::1%eth0"), "fe80::1%eth0");
    }

    /// Found by the fuzz target `address`: a zoned IPv4-mapped address was printed `2.244.0.8%34`,
    /// an IPv4 address with a zone, which is no address (and `parse` refused its own output).
    #[test]
    fn zoned_mapped_address_keeps_its_ipv6_spelling() {
        let a = parse(b"::ffff:2f4:8%34").unwrap();
        assert_eq!(a.to_string(), "::ffff:2.244.0.8%34");
        let canonical = a.to_string();
        let again = parse(canonical.as_bytes()).unwrap();
        assert_eq!(
            (again.ip, again.mapped, again.zone),
            (a.ip, true, Some("34"))
        );
    }

    #[test]
    fn ambiguity_is_named() {
        for input in ["010.1.1.1", "0x7f.1", "1.2.3"] {
            let err = parse(input.as_bytes()).unwrap_err();
            assert!(err.is_ambiguous(), "{input}");
            assert!(err.to_string().contains("ambiguous"), "{input}");
        }
    }

    #[test]
    fn ipv6_notes_name_the_range() {
        let note = |s: &str| match parse(s.as_bytes()).unwrap().ip {
            Ip::V6(v) => ipv6_note(v),
            Ip::V4(_) => panic!("{s} was unmapped"),
        };
        assert!(note("::1.2.3.4").unwrap().contains("IPv4-compatible"));
        assert!(note("64:ff9b::1.2.3.4").unwrap().contains("NAT64"));
        assert!(note("2002:102:304::").unwrap().contains("6to4"));
        assert!(note("fe80::1").unwrap().contains("link-local"));
        assert_eq!(note("2001:db8::1"), None);
    }

    proptest::proptest! {
        /// Wherever std's strict parsers accept a bare address, this parser agrees; it never
        /// accepts a bare address std refuses; and it never panics.
        #[test]
        fn agrees_with_std(s in "[0-9a-fA-FxX:.%\\[\\] ]{0,24}") {
            let ours = parse(s.as_bytes());
            let trimmed = s.trim_ascii();
            if let Ok(std_ip) = trimmed.parse::<IpAddr>() {
                let a = ours.expect("std accepts it");
                let want = match std_ip {
                    IpAddr::V4(v) => Ip::V4(v.into()),
                    IpAddr::V6(v) => unmap(v.into()).0,
                };
                proptest::prop_assert_eq!(a.ip, want);
            } else if let Ok(a) = ours {
                proptest::prop_assert!(
                    a.port.is_some() || a.zone.is_some() || trimmed.starts_with('['),
                    "accepted {:?} that std refuses", s
                );
            }
        }

        /// The same comparison on text built from address-shaped pieces, which reaches the
        /// valid and nearly valid forms random characters rarely hit.
        #[test]
        fn agrees_with_std_on_address_shapes(pieces in proptest::collection::vec(
            proptest::sample::select(vec![
                "0", "1", "00", "ff", "ffff", "FFFF", "22f0", "12345", "::", ":", ".", "255",
                "256", "010", "0x1", "%eth0", "[", "]", ":443", "34.240.137.52", "64:ff9b",
            ]),
            1..10,
        )) {
            let s = pieces.concat();
            let ours = parse(s.as_bytes());
            match s.parse::<IpAddr>() {
                Ok(IpAddr::V4(v)) => proptest::prop_assert_eq!(ours.map(|a| a.ip), Ok(Ip::V4(v.into()))),
                Ok(IpAddr::V6(v)) => proptest::prop_assert_eq!(ours.map(|a| a.ip), Ok(unmap(v.into()).0)),
                Err(_) => {
                    if let Ok(a) = ours {
                        proptest::prop_assert!(a.port.is_some() || a.zone.is_some() || s.starts_with('['), "{:?}", s);
                    }
                }
            }
        }

        /// Canonical text parses back to the same address.
        #[test]
        fn canonical_round_trips(bits in proptest::prelude::any::<u128>(), four in proptest::prelude::any::<u32>()) {
            for ip in [Ip::V6(bits), Ip::V4(four)] {
                let text = ip.to_string();
                let back = parse(text.as_bytes()).unwrap();
                let want = match ip { Ip::V6(v) => unmap(v).0, v => v };
                proptest::prop_assert_eq!(back.ip, want);
            }
        }
    }
}
