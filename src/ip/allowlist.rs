//! The callback-source allowlist: Smile ID's published addresses as data (with their source and
//! date), `--allowlist FILE` parsing, and matching an address against the list. Parsing of single
//! addresses is `address`'s; rendering the list for servers and firewalls is `snippet`'s.

use std::fmt;

use crate::ip::address::{self, Address, Invalid, Ip};
use crate::keys::keyfile::Environment;

/// What [`Allowlist::narrow`] found worth a warning in what it kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListWarning {
    /// The command's default environment was not applied: no entry is labelled `production` or
    /// `sandbox`, so every entry is allowed.
    NoEnvironmentLabels { wanted: Environment },
    /// An entry admits every address of its family (`0.0.0.0/0`, `::/0`, `::ffff:0:0/96`).
    AdmitsEveryAddress { net: IpNet },
}

/// [`Allowlist::narrow`] kept no entry (`env`: the environment asked for; `None`: the list had
/// none at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyList {
    pub env: Option<Environment>,
}

/// Where the built-in list comes from.
pub const BUILT_IN_SOURCE: &str = "Smile ID documentation, \"Security Overview\" \
     (https://docs.usesmileid.com/further-reading/security-overview)";

/// When the built-in list was last checked against its source.
pub const BUILT_IN_DATE: &str = "2026-11-25";

/// Smile ID's callback sources, as published on the Security Overview page ("IP Allowlisting").
/// An older version of the page listed one set of four with no split, so the list does change:
/// hence the source and date above, and `--allowlist FILE`.
pub const BUILT_IN: [([u8; 4], Environment); 8] = [
    ([34, 240, 137, 52], Environment::Production),
    ([44, 230, 128, 108], Environment::Production),
    ([52, 36, 32, 43], Environment::Production),
    ([52, 213, 46, 74], Environment::Production),
    ([35, 166, 227, 53], Environment::Sandbox),
    ([44, 246, 19, 66], Environment::Sandbox),
    ([54, 246, 37, 255], Environment::Sandbox),
    ([99, 81, 237, 141], Environment::Sandbox),
];

/// A network as every other Rust tool spells it; built only from strictly parsed parts.
pub use ipnet::IpNet;

/// The network of an address alone: `/32` or `/128`.
pub fn host_net(ip: Ip) -> IpNet {
    IpNet::from(ip.to_std())
}

/// Builds a network from a strictly parsed address, refusing host bits set.
pub fn net(ip: Ip, prefix: u8) -> Result<IpNet, EntryError> {
    let net = IpNet::new(ip.to_std(), prefix).map_err(|_| EntryError::PrefixTooLong(ip.bits()))?;
    if net.trunc() != net {
        return Err(EntryError::HostBitsSet(net.trunc()));
    }
    Ok(net)
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

/// Why an allowlist entry (or a `--trusted-proxy` value) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryError {
    Address(Invalid),
    BadPrefix,
    PrefixTooLong(u8),
    HostBitsSet(IpNet),
    MappedPrefixTooShort,
    BadLabel,
    /// The label starts with `/` (`10.0.0.0 /8`): a prefix written apart from its address, which
    /// taken as a label would leave a network of one address.
    PrefixApart,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::Address(invalid) => invalid.fmt(f),
            EntryError::BadPrefix => f.write_str("the prefix length is not a plain decimal number"),
            EntryError::PrefixTooLong(bits) => write!(f, "the prefix length is above {bits}"),
            EntryError::HostBitsSet(net) => {
                write!(f, "host bits are set (the network is {net})")
            }
            EntryError::MappedPrefixTooShort => {
                f.write_str("an IPv4-mapped network needs a prefix length of 96 or more")
            }
            EntryError::BadLabel => f.write_str("the label has control characters"),
            EntryError::PrefixApart => f.write_str(
                "the label starts with `/`: write a prefix length right after its address (`10.0.0.0/8`)",
            ),
        }
    }
}

impl std::error::Error for EntryError {}

/// Parses `ADDR` or `ADDR/LEN` strictly: the address with `address`'s rules (no leading zeros, no
/// short forms), the length in plain decimal, no host bits set. An IPv4-mapped IPv6 network of
/// length 96 or more is read as the IPv4 network it maps.
pub fn parse_net(text: &str) -> Result<IpNet, EntryError> {
    parse_net_spelled(text).map(|(net, _)| net)
}

/// [`parse_net`], and whether the network was spelled IPv4-mapped (`::ffff:10.0.0.0/104`).
pub fn parse_net_spelled(text: &str) -> Result<(IpNet, bool), EntryError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, len)) => (addr, Some(len)),
        None => (text, None),
    };
    let (ip, mapped) = address::parse_bare(addr.as_bytes()).map_err(EntryError::Address)?;
    let Some(len) = prefix else {
        return Ok((host_net(ip), mapped));
    };
    let plain = !len.is_empty()
        && len.len() <= 3
        && len.bytes().all(|b| b.is_ascii_digit())
        && (len == "0" || !len.starts_with('0'));
    let len: u8 = match len.parse() {
        Ok(n) if plain => n,
        _ => return Err(EntryError::BadPrefix),
    };
    let len = if mapped {
        len.checked_sub(96)
            .ok_or(EntryError::MappedPrefixTooShort)?
    } else {
        len
    };
    Ok((net(ip, len)?, mapped))
}

/// One allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub net: IpNet,
    pub label: Option<String>,
}

impl fmt::Display for Entry {
    /// The entry as a line of an allowlist file (what `allowlist` prints as text): the network,
    /// then its label after white space.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(label) => write!(f, "{:<20} {label}", self.net.to_string()),
            None => self.net.fmt(f),
        }
    }
}

/// A refused line of an allowlist file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    /// The entry as written, when it is shown: see `shown_entry`.
    pub entry: Option<String>,
    pub error: EntryError,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(f, "line {}: {entry:?}: {}", self.line, self.error),
            None => write!(f, "line {}: {}", self.line, self.error),
        }
    }
}

/// The entry of a refused line as an error may quote it: only when it is written like an
/// address (hex digits in groups of at most four, `.`, `:`, `/`, brackets, `%`, a `.` or `:`,
/// no longer than the longest address with a prefix). Any other line is not repeated: a file
/// given as an allowlist by mistake may be a key file, or a key itself.
fn shown_entry(entry: &str) -> Option<String> {
    let address_like = entry.len() <= 49
        && entry.contains(['.', ':'])
        && entry
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b".:/[]%".contains(&b))
        && entry
            .split(|c: char| !c.is_ascii_hexdigit())
            .all(|group| group.len() <= 4);
    address_like.then(|| entry.to_owned())
}

impl std::error::Error for LineError {}

/// The list an address is checked against, with where it came from.
#[derive(Debug, Clone)]
pub struct Allowlist {
    entries: Vec<Entry>,
    pub source: String,
    pub date: String,
    matcher: Matcher,
}

impl Allowlist {
    pub fn new(entries: Vec<Entry>, source: String, date: String) -> Allowlist {
        let matcher = Matcher::new(&entries);
        Allowlist {
            entries,
            source,
            date,
            matcher,
        }
    }

    /// The built-in list, narrowed to one environment when given.
    pub fn built_in(env: Option<Environment>) -> Allowlist {
        let entries = BUILT_IN
            .iter()
            .filter(|(_, e)| env.is_none_or(|want| *e == want))
            .map(|(octets, e)| Entry {
                net: host_net(Ip::V4(u32::from_be_bytes(*octets))),
                label: Some(e.as_str().to_owned()),
            })
            .collect();
        Allowlist::new(
            entries,
            BUILT_IN_SOURCE.to_owned(),
            BUILT_IN_DATE.to_owned(),
        )
    }

    /// Parses an allowlist file: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines.
    pub fn parse_file(text: &str, source: String, date: String) -> Result<Allowlist, LineError> {
        let mut entries = Vec::new();
        // Editors on Windows save text with a byte-order mark; key files and callbacks skip it too.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let line = match raw.find('#') {
                Some(hash) => &raw[..hash],
                None => raw,
            }
            .trim();
            if line.is_empty() {
                continue;
            }
            let (entry, label) = match line.split_once(|c: char| c.is_ascii_whitespace()) {
                Some((entry, label)) => (entry, Some(label.trim())),
                None => (line, None),
            };
            let fail = |error| LineError {
                line: i + 1,
                entry: shown_entry(entry),
                error,
            };
            let net = parse_net(entry).map_err(fail)?;
            // U+2028/U+2029 end a line for YAML and JavaScript: a label holding one could start a
            // new line in an emitted snippet.
            let breaks_lines = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
            if label.is_some_and(|l| l.chars().any(breaks_lines)) {
                return Err(fail(EntryError::BadLabel));
            }
            if label.is_some_and(|l| l.starts_with('/')) {
                return Err(fail(EntryError::PrefixApart));
            }
            entries.push(Entry {
                net,
                label: label.map(str::to_owned),
            });
        }
        Ok(Allowlist::new(entries, source, date))
    }

    /// Keeps only the entries whose label is this environment's name (any case).
    pub fn retain_env(&mut self, env: Environment) {
        self.entries.retain(|e| {
            e.label
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(env.as_str()))
        });
        self.matcher = Matcher::new(&self.entries);
    }

    /// Narrows a list read from a file to `wanted` (`None`: every environment). `asked`: the
    /// user chose it; otherwise it is the command's default, which narrows only a list that
    /// labels entries `production` or `sandbox`: a list of labels of its own (or none) is taken
    /// whole. Gives the environment kept, and what is worth a warning about what is kept; an
    /// error when nothing is.
    pub fn narrow(
        &mut self,
        wanted: Option<Environment>,
        asked: bool,
    ) -> Result<(Option<Environment>, Vec<ListWarning>), EmptyList> {
        let mut warnings = Vec::new();
        let says_environments = self.entries.iter().any(|e| {
            e.label.as_deref().is_some_and(|l| {
                l.eq_ignore_ascii_case("production") || l.eq_ignore_ascii_case("sandbox")
            })
        });
        let kept = if asked || says_environments {
            wanted
        } else {
            // Labels of its own (`prod`, `lb`) are not environments: said, since a snippet or a
            // gate for one environment then admits every source on the list.
            if let Some(wanted) = wanted
                && self.entries.iter().any(|e| e.label.is_some())
            {
                warnings.push(ListWarning::NoEnvironmentLabels { wanted });
            }
            None
        };
        if let Some(env) = kept {
            self.retain_env(env);
        }
        if self.entries.is_empty() {
            return Err(EmptyList { env: kept });
        }
        // Valid, but it admits a whole address family: most likely a placeholder left in, or a
        // mapped network (`::ffff:0:0/96`) that reads as every IPv4 address. Only the entries
        // kept for the environment matter.
        warnings.extend(
            self.entries
                .iter()
                .filter(|e| e.net.prefix_len() == 0)
                .map(|e| ListWarning::AdmitsEveryAddress { net: e.net }),
        );
        Ok((kept, warnings))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry that lets `ip` in: the most specific one, the first in the list on a tie.
    #[inline]
    pub fn find(&self, ip: Ip) -> Option<&Entry> {
        self.matcher.find(ip).and_then(|i| self.entries.get(i))
    }
}

/// The verdict on one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressVerdict {
    Allowed,
    Denied,
    Invalid,
}

impl AddressVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressVerdict::Allowed => "allowed",
            AddressVerdict::Denied => "denied",
            AddressVerdict::Invalid => "invalid",
        }
    }
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Listed,
    NotListed,
    /// A zoned (scoped) IPv6 address: meaningful only on one link, never a callback source.
    Zoned,
    Invalid(Invalid),
}

impl Reason {
    /// Stable code for JSON `reason`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Listed => "listed",
            Reason::NotListed => "not_listed",
            Reason::Zoned => "zoned",
            Reason::Invalid(invalid) => invalid.code(),
        }
    }
}

/// One input checked against the list.
#[derive(Debug, Clone, Copy)]
pub struct Check<'l, 'a> {
    pub address: Option<Address<'a>>,
    pub entry: Option<&'l Entry>,
    pub reason: Reason,
}

impl Check<'_, '_> {
    pub fn verdict(&self) -> AddressVerdict {
        match self.reason {
            Reason::Listed => AddressVerdict::Allowed,
            Reason::NotListed | Reason::Zoned => AddressVerdict::Denied,
            Reason::Invalid(_) => AddressVerdict::Invalid,
        }
    }

    /// One sentence for people: the reason, and how the input was read when that is not obvious.
    pub fn detail(&self) -> String {
        let mut text = match (self.reason, self.entry) {
            (Reason::Listed, Some(entry)) => match &entry.label {
                Some(label) => format!("on the allowlist as {} ({label})", entry.net),
                None => format!("on the allowlist as {}", entry.net),
            },
            (Reason::Listed | Reason::NotListed, _) => "not on the allowlist".to_owned(),
            (Reason::Zoned, _) => {
                "zoned IPv6 address: scoped to one network link, never a callback source".to_owned()
            }
            (Reason::Invalid(invalid), _) => return invalid.to_string(),
        };
        if let Some(address) = self.address {
            if address.mapped {
                // A zoned address is denied for its zone, whatever it maps: not checked as IPv4.
                if self.reason != Reason::Zoned {
                    text.push_str(&format!("; IPv4-mapped IPv6, checked as {}", address.ip));
                }
            } else if let Ip::V6(v6) = address.ip
                && let Some(note) = address::ipv6_note(v6)
            {
                text.push_str("; ");
                text.push_str(note);
            }
        }
        text
    }
}

impl Allowlist {
    /// Parses and checks one input line.
    #[inline]
    pub fn check<'a>(&self, input: &'a [u8]) -> Check<'_, 'a> {
        self.check_parsed(address::parse(input))
    }

    /// Checks an already parsed input.
    #[inline]
    pub fn check_parsed<'a>(&self, parsed: Result<Address<'a>, Invalid>) -> Check<'_, 'a> {
        match parsed {
            Err(invalid) => Check {
                address: None,
                entry: None,
                reason: Reason::Invalid(invalid),
            },
            Ok(address) if address.zone.is_some() => Check {
                address: Some(address),
                entry: None,
                reason: Reason::Zoned,
            },
            Ok(address) => {
                let entry = self.find(address.ip);
                Check {
                    address: Some(address),
                    entry,
                    reason: if entry.is_some() {
                        Reason::Listed
                    } else {
                        Reason::NotListed
                    },
                }
            }
        }
    }
}

/// Entries grouped by prefix length, longest first, each group a sorted array of networks:
/// a lookup is one binary search per distinct length (one for the built-in list of /32s).
#[derive(Debug, Clone, Default)]
struct Matcher {
    v4: Vec<(u8, Vec<(u32, usize)>)>,
    v6: Vec<(u8, Vec<(u128, usize)>)>,
}

impl Matcher {
    fn new(entries: &[Entry]) -> Matcher {
        let mut m = Matcher::default();
        for (index, entry) in entries.iter().enumerate() {
            let prefix = entry.net.prefix_len();
            match entry.net {
                IpNet::V4(n) => group(&mut m.v4, prefix).push((u32::from(n.network()), index)),
                IpNet::V6(n) => group(&mut m.v6, prefix).push((u128::from(n.network()), index)),
            }
        }
        for (_, nets) in &mut m.v4 {
            nets.sort_unstable();
            nets.dedup_by_key(|(net, _)| *net);
        }
        for (_, nets) in &mut m.v6 {
            nets.sort_unstable();
            nets.dedup_by_key(|(net, _)| *net);
        }
        m.v4.sort_unstable_by_key(|g| std::cmp::Reverse(g.0));
        m.v6.sort_unstable_by_key(|g| std::cmp::Reverse(g.0));
        m
    }

    #[inline]
    fn find(&self, ip: Ip) -> Option<usize> {
        match ip {
            Ip::V4(v) => lookup(&self.v4, |p| v & mask32(p)),
            Ip::V6(v) => lookup(&self.v6, |p| v & mask128(p)),
        }
    }
}

fn group<T>(groups: &mut Vec<(u8, Vec<T>)>, prefix: u8) -> &mut Vec<T> {
    let at = match groups.iter().position(|(p, _)| *p == prefix) {
        Some(at) => at,
        None => {
            groups.push((prefix, Vec::new()));
            groups.len() - 1
        }
    };
    &mut groups[at].1
}

#[inline]
fn lookup<T: Ord + Copy>(
    groups: &[(u8, Vec<(T, usize)>)],
    masked: impl Fn(u8) -> T,
) -> Option<usize> {
    groups.iter().find_map(|(prefix, nets)| {
        let key = masked(*prefix);
        nets.binary_search_by(|(net, _)| net.cmp(&key))
            .ok()
            .and_then(|i| nets.get(i))
            .map(|(_, index)| *index)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_is_dated_with_a_full_date() {
        // The staleness warning counts from it, and says nothing about a date it cannot read.
        assert!(crate::time::parse_full_date(BUILT_IN_DATE).is_some());
    }

    fn ip(s: &str) -> Ip {
        address::parse(s.as_bytes()).unwrap().ip
    }

    #[test]
    fn a_default_environment_narrows_only_a_list_that_names_environments() {
        let list = |text: &str| Allowlist::parse_file(text, "f".into(), "d".into()).unwrap();
        let kept = |l: &Allowlist| {
            l.entries()
                .iter()
                .map(|e| e.net.to_string())
                .collect::<Vec<_>>()
        };
        let (prod, sandbox) = (Some(Environment::Production), Some(Environment::Sandbox));

        // Labels of its own: taken whole under a default, with a word; narrowed when asked.
        let mut own = list("10.0.0.1 lb\n10.0.0.2 prod\n");
        let (env, warnings) = own.narrow(prod, false).unwrap();
        assert_eq!((env, kept(&own).len()), (None, 2));
        assert_eq!(
            warnings,
            [ListWarning::NoEnvironmentLabels {
                wanted: Environment::Production
            }]
        );
        let mut own = list("10.0.0.1 lb\n");
        assert_eq!(own.narrow(prod, true), Err(EmptyList { env: prod }));
        // No labels at all: taken whole, nothing to say.
        let mut bare = list("10.0.0.1\n");
        assert_eq!(bare.narrow(prod, false), Ok((None, vec![])));

        // Environments named: the default narrows, and only what is kept is warned about.
        let mut named = list("0.0.0.0/0 sandbox\n10.0.0.1 production\n10.0.0.2 Production\n");
        let (env, warnings) = named.narrow(prod, false).unwrap();
        assert_eq!(
            (env, kept(&named)),
            (
                prod,
                vec!["10.0.0.1/32".to_owned(), "10.0.0.2/32".to_owned()]
            )
        );
        assert!(warnings.is_empty());
        let mut named = list("0.0.0.0/0 sandbox\n10.0.0.1 production\n");
        let (_, warnings) = named.narrow(sandbox, false).unwrap();
        assert_eq!(
            warnings,
            [ListWarning::AdmitsEveryAddress {
                net: "0.0.0.0/0".parse().unwrap()
            }]
        );
        let mut all = list("10.0.0.1 production\n");
        assert_eq!(all.narrow(None, true).map(|(env, _)| env), Ok(None));
        assert_eq!(kept(&all).len(), 1);
    }

    #[test]
    fn built_in_has_the_eight_published_addresses() {
        let all = Allowlist::built_in(None);
        assert_eq!(all.entries().len(), 8);
        for (text, env) in [
            ("34.240.137.52", "production"),
            ("44.230.128.108", "production"),
            ("52.36.32.43", "production"),
            ("52.213.46.74", "production"),
            ("35.166.227.53", "sandbox"),
            ("44.246.19.66", "sandbox"),
            ("54.246.37.255", "sandbox"),
            ("99.81.237.141", "sandbox"),
        ] {
            let entry = all.find(ip(text)).expect(text);
            assert_eq!(entry.label.as_deref(), Some(env));
            assert_eq!(entry.net.to_string(), format!("{text}/32"));
            let prod = Allowlist::built_in(Some(Environment::Production));
            let sandbox = Allowlist::built_in(Some(Environment::Sandbox));
            assert_eq!(prod.find(ip(text)).is_some(), env == "production", "{text}");
            assert_eq!(sandbox.find(ip(text)).is_some(), env == "sandbox", "{text}");
        }
        assert!(all.find(ip("34.240.137.53")).is_none());
        assert!(all.find(ip("::22f0:8934")).is_none());
    }

    #[test]
    fn file_entries_labels_comments_and_specificity() {
        let text = "# office and the vendor\n\n10.0.0.0/8 office\n10.1.0.0/16  lab # noisy\n2001:db8::/32\n::ffff:192.168.0.0/112 mapped\n";
        let list = Allowlist::parse_file(text, "f".into(), "d".into()).unwrap();
        assert_eq!(list.entries().len(), 4);
        let label = |s: &str| list.find(ip(s)).and_then(|e| e.label.clone());
        assert_eq!(label("10.2.3.4").as_deref(), Some("office"));
        assert_eq!(label("10.1.3.4").as_deref(), Some("lab"));
        assert_eq!(label("192.168.4.5").as_deref(), Some("mapped"));
        assert!(list.find(ip("2001:db8:1::5")).is_some());
        assert!(list.find(ip("2001:db9::")).is_none());
        assert!(list.find(ip("11.0.0.1")).is_none());
    }

    #[test]
    fn file_errors_name_the_line() {
        let cases = [
            ("1.2.3.4\n10.0.0.1/8\n", 2, "host bits"),
            ("# c\n010.0.0.0/8\n", 2, "ambiguous"),
            ("1.2.3.0/024\n", 1, "prefix"),
            ("1.2.3.0/33\n", 1, "above 32"),
            ("2001:db8::1/64\n", 1, "host bits"),
            ("example.com\n", 1, "not an IP"),
            ("1.2.3.4:443\n", 1, "not an IP"),
            ("fe80::1%eth0\n", 1, "not an IP"),
            ("1.2.3\n", 1, "ambiguous"),
            ("10.0.0.0 /8 office\n", 1, "right after its address"),
            // A key file, or a key, given as an allowlist by mistake: never repeated.
            ("made-up-secret-key-QQQ\n", 1, "not an IP"),
            ("0123456789abcdef0123456789abcdef\n", 1, "not an IP"),
            ("{\"api_key\": \"sk:1.2\"}\n", 1, "not an IP"),
            ("085:0123456789abcdef\n", 1, "not an IP"),
            ("deadbeef.cafebabe\n", 1, "not an IP"),
        ];
        for (text, line, words) in cases {
            let err = Allowlist::parse_file(text, "f".into(), "d".into()).unwrap_err();
            let entry = text
                .lines()
                .nth(line - 1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap();
            let address_like = entry.contains(['.', ':'])
                && ![
                    "example.com",
                    "fe80::1%eth0",
                    "{\"api_key\":",
                    "085:0123456789abcdef",
                    "deadbeef.cafebabe",
                ]
                .contains(&entry);
            assert_eq!(
                err.to_string().contains(&format!("{entry:?}")),
                address_like,
                "{err}"
            );
            for secret in ["secret", "0123456789abcdef", "sk:1.2", "deadbeef"] {
                assert!(!err.to_string().contains(secret), "{err}");
            }
            assert_eq!(err.line, line, "{text:?}");
            assert!(err.to_string().contains(words), "{text:?}: {err}");
            assert!(
                err.to_string().starts_with(&format!("line {line}:")),
                "{err}"
            );
        }
    }

    #[test]
    fn retain_env_filters_by_label() {
        let text = "1.1.1.1 production\n2.2.2.2 Sandbox\n3.3.3.3\n";
        let mut list = Allowlist::parse_file(text, "f".into(), "d".into()).unwrap();
        list.retain_env(Environment::Sandbox);
        assert_eq!(list.entries().len(), 1);
        assert!(list.find(ip("2.2.2.2")).is_some());
        assert!(list.find(ip("1.1.1.1")).is_none());
    }

    /// Every accepted address form against the built-in list, under every `--env`.
    #[test]
    fn verdict_table() {
        use AddressVerdict::*;
        let all = Allowlist::built_in(None);
        let production = Allowlist::built_in(Some(Environment::Production));
        let sandbox = Allowlist::built_in(Some(Environment::Sandbox));
        // (input, verdict under all, production, sandbox, reason code, detail words)
        let cases: &[(&str, [AddressVerdict; 3], &str, &str)] = &[
            (
                "34.240.137.52",
                [Allowed, Allowed, Denied],
                "listed",
                "(production)",
            ),
            (
                "44.230.128.108",
                [Allowed, Allowed, Denied],
                "listed",
                "production",
            ),
            (
                "52.36.32.43",
                [Allowed, Allowed, Denied],
                "listed",
                "production",
            ),
            (
                "52.213.46.74",
                [Allowed, Allowed, Denied],
                "listed",
                "production",
            ),
            (
                "35.166.227.53",
                [Allowed, Denied, Allowed],
                "listed",
                "(sandbox)",
            ),
            (
                "44.246.19.66",
                [Allowed, Denied, Allowed],
                "listed",
                "sandbox",
            ),
            (
                "54.246.37.255",
                [Allowed, Denied, Allowed],
                "listed",
                "sandbox",
            ),
            (
                "99.81.237.141",
                [Allowed, Denied, Allowed],
                "listed",
                "sandbox",
            ),
            (
                " 99.81.237.141\t",
                [Allowed, Denied, Allowed],
                "listed",
                "sandbox",
            ),
            (
                "34.240.137.52:443",
                [Allowed, Allowed, Denied],
                "listed",
                "production",
            ),
            (
                "::ffff:34.240.137.52",
                [Allowed, Allowed, Denied],
                "listed",
                "IPv4-mapped",
            ),
            (
                "::ffff:22f0:8934",
                [Allowed, Allowed, Denied],
                "listed",
                "checked as 34.240.137.52",
            ),
            (
                "0:0:0:0:0:FFFF:63.51.ED.8D",
                [Invalid, Invalid, Invalid],
                "not_an_address",
                "not an IP",
            ),
            (
                "0:0:0:0:0:FFFF:6351:ED8D",
                [Allowed, Denied, Allowed],
                "listed",
                "99.81.237.141",
            ),
            (
                "[::ffff:99.81.237.141]:8443",
                [Allowed, Denied, Allowed],
                "listed",
                "sandbox",
            ),
            (
                "34.240.137.53",
                [Denied, Denied, Denied],
                "not_listed",
                "not on the allowlist",
            ),
            (
                "::34.240.137.52",
                [Denied, Denied, Denied],
                "not_listed",
                "IPv4-compatible",
            ),
            (
                "64:ff9b::34.240.137.52",
                [Denied, Denied, Denied],
                "not_listed",
                "NAT64",
            ),
            (
                "64:ff9b::22f0:8934",
                [Denied, Denied, Denied],
                "not_listed",
                "NAT64",
            ),
            (
                "2002:22f0:8934::1",
                [Denied, Denied, Denied],
                "not_listed",
                "6to4",
            ),
            ("fe80::1%eth0", [Denied, Denied, Denied], "zoned", "zoned"),
            (
                "::ffff:34.240.137.52%eth0",
                [Denied, Denied, Denied],
                "zoned",
                "zoned",
            ),
            (
                "034.240.137.52",
                [Invalid, Invalid, Invalid],
                "ambiguous_leading_zero",
                "ambiguous",
            ),
            (
                "34.240.137.052",
                [Invalid, Invalid, Invalid],
                "ambiguous_leading_zero",
                "ambiguous",
            ),
            (
                "0x22.240.137.52",
                [Invalid, Invalid, Invalid],
                "ambiguous_hex",
                "ambiguous",
            ),
            (
                "0x22f08934",
                [Invalid, Invalid, Invalid],
                "ambiguous_hex",
                "ambiguous",
            ),
            (
                "042.0360.0211.064",
                [Invalid, Invalid, Invalid],
                "ambiguous_leading_zero",
                "ambiguous",
            ),
            (
                "34.240.35124",
                [Invalid, Invalid, Invalid],
                "ambiguous_short_form",
                "ambiguous",
            ),
            (
                "586188084",
                [Invalid, Invalid, Invalid],
                "ambiguous_short_form",
                "ambiguous",
            ),
            (
                "::ffff:034.240.137.52",
                [Invalid, Invalid, Invalid],
                "ambiguous_leading_zero",
                "ambiguous",
            ),
            (
                "smileidentity.com",
                [Invalid, Invalid, Invalid],
                "not_an_address",
                "not an IP",
            ),
            ("", [Invalid, Invalid, Invalid], "empty", "empty"),
            (
                "34.240.137.52/32",
                [Invalid, Invalid, Invalid],
                "not_an_address",
                "not an IP",
            ),
        ];
        for (input, verdicts, code, words) in cases {
            for (list, want) in [&all, &production, &sandbox].into_iter().zip(verdicts) {
                let check = list.check(input.as_bytes());
                assert_eq!(
                    check.verdict(),
                    *want,
                    "{input:?} in {:?}",
                    list.entries().len()
                );
            }
            let check = all.check(input.as_bytes());
            assert_eq!(check.reason.code(), *code, "{input:?}");
            assert!(
                check.detail().contains(words),
                "{input:?}: {}",
                check.detail()
            );
            // A zoned address is denied for its zone: no word of what it would be checked as.
            if *code == "zoned" {
                assert!(!check.detail().contains("checked as"), "{}", check.detail());
            }
        }
    }

    #[test]
    fn nets_agree_with_ipnet() {
        for text in [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "1.2.3.4",
            "2001:db8::/32",
            "::/0",
        ] {
            let net = parse_net(text).unwrap();
            let std: ipnet::IpNet = if text.contains('/') {
                text.parse().unwrap()
            } else {
                ipnet::IpNet::from(text.parse::<std::net::IpAddr>().unwrap())
            };
            assert_eq!(net, std);
        }
    }
}
