//! Which address is the client behind reverse proxies: the choice nginx's realip module makes with
//! `set_real_ip_from` and `real_ip_recursive on` (nginx docs, ngx_http_realip_module). Parsing the
//! hops is `address`'s; checking the chosen address is `allowlist`'s.
//!
//! X-Forwarded-For is written by whoever sent the request, and each proxy appends the address it
//! saw. Only the entries appended by your own proxies can be believed, so the header is read only
//! when the peer is one of them, from the right, past every trusted proxy; the first address that
//! is not a trusted proxy is the client. Anything further left could be forged by that client.

use std::fmt;

use ipnet::IpNet;

use crate::ip::address::{self, Address, Invalid};

/// Where the chosen address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    /// The TCP peer (`$remote_addr` before realip).
    Peer,
    /// The n-th X-Forwarded-For entry, counted from 1 at the left.
    ForwardedFor(usize),
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hop::Peer => f.write_str("the peer"),
            Hop::ForwardedFor(n) => write!(f, "X-Forwarded-For entry {n}"),
        }
    }
}

/// Why that hop was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The peer is not a trusted proxy, so the header is ignored (it may be forged).
    PeerNotTrusted,
    /// The peer is a trusted proxy but sent no X-Forwarded-For entries.
    NoForwardedFor,
    /// Walking right to left, this is the first address that is not a trusted proxy.
    FirstUntrusted,
    /// Every entry is a trusted proxy; nginx then takes the left-most.
    AllTrusted,
    /// This hop is not an address (the peer), or one that parsers read as different addresses
    /// (`010.0.0.2`, which nginx reads as 10.0.0.2 and `inet_aton` as 8.0.0.2): the client
    /// cannot be told.
    Unreadable,
    /// The X-Forwarded-For entry left of this trusted hop is not an address (`unknown`, as some
    /// proxies write): the walk stops here and this hop is the client, as nginx stops.
    StoppedAtUnreadable,
}

impl Why {
    pub fn code(self) -> &'static str {
        match self {
            Why::PeerNotTrusted => "peer_not_trusted",
            Why::NoForwardedFor => "no_forwarded_for",
            Why::FirstUntrusted => "first_untrusted",
            Why::AllTrusted => "all_trusted",
            Why::Unreadable => "unreadable_hop",
            Why::StoppedAtUnreadable => "stopped_at_unreadable",
        }
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Why::PeerNotTrusted => {
                "the peer is not a trusted proxy, so X-Forwarded-For is ignored (anyone can write it)"
            }
            Why::NoForwardedFor => "the peer is a trusted proxy but sent no X-Forwarded-For",
            Why::FirstUntrusted => {
                "first address from the right that is not a trusted proxy (nginx real_ip_recursive on)"
            }
            Why::AllTrusted => "every hop is a trusted proxy, so the left-most is taken (as nginx does)",
            Why::Unreadable => "this hop is not an address, so the client cannot be told",
            Why::StoppedAtUnreadable => {
                "the X-Forwarded-For entry left of this trusted hop is not an address, so the walk stops here (as nginx does)"
            }
        })
    }
}

/// The address taken as the client, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<'a> {
    pub hop: Hop,
    /// The hop as written (trimmed).
    pub text: &'a str,
    pub address: Result<Address<'a>, Invalid>,
    pub why: Why,
    /// Trusted proxies passed over in X-Forwarded-For.
    pub skipped: usize,
}

/// The `trusted` networks wider than any network of proxies: an IPv4 network wider than a `/8`
/// (the widest private range), an IPv6 one wider than a `/7` (every unique local address), and
/// so every address of its family at `/0` (two halves, `0.0.0.0/1` and `128.0.0.0/1`, as well).
/// With one, the senders in it can name their own source in `X-Forwarded-For` and be believed:
/// most likely a placeholder left in, worth a warning wherever the list is given.
pub fn trusting_too_wide(trusted: &[IpNet]) -> impl Iterator<Item = &IpNet> {
    trusted.iter().filter(|net| match net {
        IpNet::V4(v4) => v4.prefix_len() < 8,
        IpNet::V6(v6) => v6.prefix_len() < 7,
    })
}

/// A `--trusted-proxy` network, parsed as strictly as an allowlist entry. An IPv4-mapped range
/// (`::ffff:10.0.0.0/104`) is refused: nginx's realip module reads a mapped peer or hop as IPv4
/// and matches an IPv6 range against IPv6 only, so there it trusts nothing, while read as the
/// IPv4 range it maps it would trust more than nginx does.
pub fn parse_trusted(text: &str) -> Result<IpNet, String> {
    let (net, mapped) =
        crate::ip::allowlist::parse_net_spelled(text.trim()).map_err(|e| e.to_string())?;
    if mapped {
        return Err(format!(
            "an IPv4-mapped IPv6 range, which nginx's realip module never matches (it reads a \
             mapped address as IPv4); write the IPv4 range, {net}"
        ));
    }
    Ok(net)
}

/// The hops of X-Forwarded-For values, left to right, as nginx's realip module reads them:
/// several header lines as one list, a comma or a space ending a hop. nginx drops only spaces
/// around a header's value, so a tab stays in its hop; it looks for the end of a hop from the
/// right, never at a value's first byte, so a comma there stays in the first hop (`,6.6.6.6` is
/// one hop, and no address); and an empty line is one empty hop, which stops its walk.
pub fn hops<'a>(forwarded_for: &[&'a str]) -> Vec<&'a str> {
    let mut hops = Vec::new();
    for value in forwarded_for {
        let value = value.trim_matches(' ');
        if value.is_empty() {
            hops.push(value);
            continue;
        }
        let first = hops.len();
        let mut end = value.len();
        for (at, byte) in value.bytes().enumerate().skip(1).rev() {
            if matches!(byte, b',' | b' ') {
                if end > at + 1 {
                    hops.push(&value[at + 1..end]);
                }
                end = at;
            }
        }
        if end > 0 {
            hops.push(&value[..end]);
        }
        hops[first..].reverse();
    }
    hops
}

/// An X-Forwarded-For hop read as nginx reads one, as strictly as any address: an address,
/// with a port or without; a bracketed address only with its port (`[2001:db8::1]:443`, and
/// `[192.0.2.1]:80`, which nginx reads too), since nginx does not read `[2001:db8::1]` alone.
/// What nginx cannot read stops its walk, so it is no address here either (port 0, and see
/// `nginx_cannot_read`): were such a hop trusted and walked past, a forged address left of it
/// would become the client. A spelling parsers read differently stays ambiguous.
pub fn read_hop(text: &str) -> Result<Address<'_>, Invalid> {
    let hop = match bracketed_ipv4(text) {
        Some(result) => result?,
        None if text.starts_with('[') && text.ends_with(']') => return Err(Invalid::NotAnAddress),
        None => address::parse(text.as_bytes())?,
    };
    let spelled = match text.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(inner, _)| inner),
        None => text,
    };
    // `address::parse` trims white space (Unicode's too), which nginx reads as part of the hop;
    // no address holds a control character or a byte that is not ASCII either.
    let spaced = text.bytes().any(|b| !b.is_ascii_graphic());
    if spaced || nginx_cannot_read(spelled) {
        return Err(Invalid::NotAnAddress);
    }
    if hop.port == Some(0) {
        return Err(Invalid::BadPort);
    }
    Ok(hop)
}

/// Whether nginx's address readers refuse an address that `address::parse` takes (spelled
/// without brackets or port): a zone; a dotted `255.255.255.255`, alone or as an IPv6 address's
/// tail (the value nginx's IPv4 reader returns for "not an address"); seven groups before a
/// closing `::`, which nginx's IPv6 reader counts as eight, leaving nothing for the `::`.
pub(crate) fn nginx_cannot_read(spelled: &str) -> bool {
    spelled.contains('%')
        || spelled.contains("255.255.255.255")
        || (spelled.ends_with("::") && spelled.matches(':').count() == 8)
}

/// `[a.b.c.d]:PORT`, which `address::parse` refuses (brackets are for IPv6) but nginx reads as
/// `a.b.c.d:PORT`: the address and the port read as strictly as unbracketed ones.
fn bracketed_ipv4(text: &str) -> Option<Result<Address<'_>, Invalid>> {
    let (inner, port) = text.strip_prefix('[')?.split_once("]:")?;
    if inner.contains(':') {
        return None;
    }
    Some(address::parse(inner.as_bytes()).and_then(|a| {
        Ok(Address {
            port: Some(address::port(port.as_bytes())?),
            ..a
        })
    }))
}

/// Chooses the client address. `forwarded_for` holds the header's values in order (several
/// header lines read as one list, as proxies join them).
pub fn client<'a>(peer: &'a str, forwarded_for: &[&'a str], trusted: &[IpNet]) -> Choice<'a> {
    let is_trusted = |a: &Address<'_>| trusted.iter().any(|net| net.contains(&a.ip.to_std()));
    let choice = |hop, text: &'a str, address, why, skipped| Choice {
        hop,
        text,
        address,
        why,
        skipped,
    };
    let peer = peer.trim();
    let peer_address = match address::parse(peer.as_bytes()) {
        Ok(a) => a,
        Err(e) => return choice(Hop::Peer, peer, Err(e), Why::Unreadable, 0),
    };
    if !is_trusted(&peer_address) {
        return choice(Hop::Peer, peer, Ok(peer_address), Why::PeerNotTrusted, 0);
    }
    let hops = hops(forwarded_for);
    let mut skipped: usize = 0;
    // The last trusted hop reached: where the walk stops when the next one is no address.
    let mut reached = (Hop::Peer, peer, peer_address);
    for (index, &text) in hops.iter().enumerate().rev() {
        let hop = Hop::ForwardedFor(index + 1);
        match read_hop(text) {
            Err(e) if e.is_ambiguous() => {
                return choice(hop, text, Err(e), Why::Unreadable, skipped);
            }
            Err(_) => {
                let (hop, text, address) = reached;
                let skipped = skipped.saturating_sub(usize::from(hop != Hop::Peer));
                return choice(hop, text, Ok(address), Why::StoppedAtUnreadable, skipped);
            }
            Ok(a) if is_trusted(&a) => {
                skipped += 1;
                reached = (hop, text, a);
            }
            Ok(a) => return choice(hop, text, Ok(a), Why::FirstUntrusted, skipped),
        }
    }
    match hops.first() {
        None => choice(Hop::Peer, peer, Ok(peer_address), Why::NoForwardedFor, 0),
        Some(&text) => choice(
            Hop::ForwardedFor(1),
            text,
            read_hop(text),
            Why::AllTrusted,
            skipped.saturating_sub(1),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn pick(peer: &str, xff: &[&str], trusted: &[&str]) -> (Hop, String, Why, usize) {
        let c = client(peer, xff, &nets(trusted));
        let text = match c.address {
            Ok(a) => a.to_string(),
            Err(e) => format!("invalid: {}", e.code()),
        };
        (c.hop, text, c.why, c.skipped)
    }

    #[test]
    fn trusted_peer_reads_the_header() {
        assert_eq!(
            pick("10.0.0.5", &["34.240.137.52"], &["10.0.0.0/8"]),
            (
                Hop::ForwardedFor(1),
                "34.240.137.52".into(),
                Why::FirstUntrusted,
                0
            )
        );
    }

    #[test]
    fn untrusted_peer_with_forged_header_is_the_client() {
        assert_eq!(
            pick("203.0.113.9", &["34.240.137.52"], &["10.0.0.0/8"]),
            (Hop::Peer, "203.0.113.9".into(), Why::PeerNotTrusted, 0)
        );
    }

    #[test]
    fn multiple_trusted_hops_are_walked_past() {
        assert_eq!(
            pick(
                "10.0.0.5",
                &["34.240.137.52, 10.1.1.1", "192.168.1.1"],
                &["10.0.0.0/8", "192.168.0.0/16"]
            ),
            (
                Hop::ForwardedFor(1),
                "34.240.137.52".into(),
                Why::FirstUntrusted,
                2
            )
        );
    }

    #[test]
    fn forged_left_most_entry_is_not_the_client() {
        // The attacker at 198.51.100.7 sent "X-Forwarded-For: 34.240.137.52"; our proxy appended
        // the address it saw.
        assert_eq!(
            pick(
                "10.0.0.5",
                &["34.240.137.52, 198.51.100.7"],
                &["10.0.0.0/8"]
            ),
            (
                Hop::ForwardedFor(2),
                "198.51.100.7".into(),
                Why::FirstUntrusted,
                0
            )
        );
    }

    #[test]
    fn all_trusted_takes_the_left_most() {
        assert_eq!(
            pick("10.0.0.5", &["10.0.0.1,10.0.0.2"], &["10.0.0.0/8"]),
            (Hop::ForwardedFor(1), "10.0.0.1".into(), Why::AllTrusted, 1)
        );
    }

    #[test]
    fn trusted_peer_without_header() {
        assert_eq!(
            pick("10.0.0.5", &[], &["10.0.0.0/8"]),
            (Hop::Peer, "10.0.0.5".into(), Why::NoForwardedFor, 0)
        );
        // A lone comma or an empty line is a hop to nginx, and no address: the peer still.
        for value in [" , ", "", "   "] {
            assert_eq!(
                pick("10.0.0.5", &[value], &["10.0.0.0/8"]),
                (Hop::Peer, "10.0.0.5".into(), Why::StoppedAtUnreadable, 0),
                "{value:?}"
            );
        }
        // Even after an address: an empty line right of it stops the walk before it.
        assert_eq!(
            pick("10.0.0.5", &["6.6.6.6", ""], &["10.0.0.0/8"]).2,
            Why::StoppedAtUnreadable
        );
    }

    #[test]
    fn mapped_forms_match_ipv4_proxies() {
        // A dual-stack listener reports an IPv4 peer as ::ffff:a.b.c.d.
        assert_eq!(
            pick(
                "::ffff:10.0.0.5",
                &["[::ffff:22f0:8934]:5555, ::ffff:10.9.9.9"],
                &["10.0.0.0/8"]
            ),
            (
                Hop::ForwardedFor(1),
                "34.240.137.52".into(),
                Why::FirstUntrusted,
                1
            )
        );
    }

    /// Hops written with spaces only are hops, as nginx reads them.
    #[test]
    fn a_space_separates_hops_as_a_comma_does() {
        assert_eq!(
            pick(
                "10.0.0.7",
                &["34.240.137.52 198.51.100.7 ,  10.0.0.9"],
                &["10.0.0.0/8"]
            ),
            (
                Hop::ForwardedFor(2),
                "198.51.100.7".into(),
                Why::FirstUntrusted,
                1
            )
        );
    }

    #[test]
    fn hops_are_split_where_nginx_splits_them() {
        assert_eq!(hops(&["6.6.6.6, 10.0.0.1"]), ["6.6.6.6", "10.0.0.1"]);
        assert_eq!(hops(&["  a,,b  c ", "d"]), ["a", "b", "c", "d"]);
        // A value's first byte never ends a hop; a tab never does.
        assert_eq!(hops(&[",6.6.6.6, 10.0.0.1"]), [",6.6.6.6", "10.0.0.1"]);
        assert_eq!(hops(&["a,\tb"]), ["a", "\tb"]);
        assert_eq!(hops(&[",", "", "   "]), [",", "", ""]);
        assert_eq!(
            pick("10.0.0.5", &[",34.240.137.52, 10.0.0.1"], &["10.0.0.0/8"]),
            (
                Hop::ForwardedFor(2),
                "10.0.0.1".into(),
                Why::StoppedAtUnreadable,
                0
            )
        );
    }

    #[test]
    fn a_mapped_range_is_no_trusted_proxy() {
        assert_eq!(
            parse_trusted(" 10.0.0.0/8 ").map(|n| n.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert!(parse_trusted("2001:db8::/32").is_ok());
        for mapped in ["::ffff:10.0.0.0/104", "::ffff:0:0/96", "::FFFF:10.0.0.1"] {
            let refused = parse_trusted(mapped).unwrap_err();
            assert!(refused.contains("never matches"), "{mapped}: {refused}");
        }
        assert!(
            parse_trusted("::ffff:10.0.0.0/104")
                .unwrap_err()
                .ends_with("10.0.0.0/8")
        );
    }

    #[test]
    fn a_bracketed_ipv4_hop_with_its_port_is_read_as_nginx_reads_it() {
        assert_eq!(
            pick(
                "10.0.0.5",
                &["34.240.137.52, [10.0.0.9]:80"],
                &["10.0.0.0/8"]
            ),
            (
                Hop::ForwardedFor(1),
                "34.240.137.52".into(),
                Why::FirstUntrusted,
                1
            )
        );
        assert_eq!(
            pick("10.0.0.5", &["[34.240.137.52]:443"], &["10.0.0.0/8"]),
            (
                Hop::ForwardedFor(1),
                "34.240.137.52".into(),
                Why::FirstUntrusted,
                0
            )
        );
        assert_eq!(
            pick("10.0.0.5", &["[10.0.0.1]:80, 10.0.0.9"], &["10.0.0.0/8"]),
            (Hop::ForwardedFor(1), "10.0.0.1".into(), Why::AllTrusted, 1)
        );
        for refused in ["[10.0.0.9]", "[10.0.0.9]:0", "[10.0.0.9]:x"] {
            assert!(read_hop(refused).is_err(), "{refused}");
        }
        assert_eq!(
            read_hop("[010.0.0.9]:80"),
            Err(Invalid::AmbiguousLeadingZero)
        );
    }

    /// A hop that is no address stops the walk where nginx stops it: the trusted hop right of
    /// it (or the peer) is the client, never an address further left.
    #[test]
    fn unreadable_hop_stops_the_walk() {
        assert_eq!(
            pick("10.0.0.5", &["34.240.137.52, unknown"], &["10.0.0.0/8"]),
            (Hop::Peer, "10.0.0.5".into(), Why::StoppedAtUnreadable, 0)
        );
        assert_eq!(
            pick(
                "10.0.0.5",
                &["34.240.137.52, unknown, 10.0.0.8, 10.0.0.9"],
                &["10.0.0.0/8"]
            ),
            (
                Hop::ForwardedFor(3),
                "10.0.0.8".into(),
                Why::StoppedAtUnreadable,
                1
            )
        );
        // nginx reads no zone, no white space and no closing `::` after seven groups, and takes
        // 255.255.255.255 for its own "no address": the walk stops there even when the hop lies
        // in a trusted range.
        for hop in [
            "2001:db8::1%eth0",
            "[2001:db8::1%eth0]:443",
            "255.255.255.255",
            "2001:db8::255.255.255.255",
            "::ffff:255.255.255.255",
            "[2001:db8::255.255.255.255]:80",
            "2001:db8:1:2:3:4:5::",
            "[2001:db8:1:2:3:4:5::]:80",
            "\t10.0.0.8",
            "[2001:db8::1]:443\t",
            "[::ffff:10.0.0.1]\t",
            "\u{a0}10.0.0.8",
            "10.0.0.8\u{3000}",
            "\u{b}10.0.0.8",
        ] {
            let trusted = ["10.0.0.0/8", "2001:db8::/32", "255.255.255.0/24"];
            let header = format!("34.240.137.52, {hop}");
            assert_eq!(
                pick("10.0.0.5", &[&header], &trusted),
                (Hop::Peer, "10.0.0.5".into(), Why::StoppedAtUnreadable, 0),
                "{header}"
            );
        }
        assert_eq!(pick("010.0.0.5", &[], &["10.0.0.0/8"]).2, Why::Unreadable);
        // A hop that parsers read differently is not guessed at: no client.
        assert_eq!(
            pick("10.0.0.5", &["34.240.137.52, 010.0.0.2"], &["10.0.0.0/8"]),
            (
                Hop::ForwardedFor(2),
                "invalid: ambiguous_leading_zero".into(),
                Why::Unreadable,
                0
            )
        );
    }
}
