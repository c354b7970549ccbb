//! `smile-sec ip-check`: addresses (arguments, stdin, or the client behind a proxy chain) checked
//! against the callback allowlist. Glue only: parsing is `address`, verdicts are
//! `allowlist`, the proxy walk is `proxy`, line splitting is `lines`.

use std::borrow::Cow;
use std::io;

use clap::ValueHint;
use ipnet::IpNet;
use serde::Serialize;

use super::allowlist::ListArgs;
use crate::ingest::lines::{self, Line};
use crate::ip::allowlist::{AddressVerdict, Allowlist, Check, Reason};
use crate::ip::proxy::{self, Choice, Hop};
use crate::outcome::Outcome;
use crate::output::{self, Printer, Tone, verdict};

/// Longest input line looked at; longer lines are reported invalid, not kept in memory.
const MAX_LINE: usize = 4096;

/// Check addresses against Smile ID's callback source allowlist
///
/// Accepts IPv4 dotted decimal, IPv6, ADDR:PORT, [IPv6]:PORT and surrounding white space. An
/// IPv4-mapped IPv6 address (::ffff:a.b.c.d in any spelling) is checked as its IPv4 address; no
/// other IPv6 form is. IPv4 with a leading zero, hex, octal or fewer than four parts is invalid:
/// parsers disagree on what it means. A zoned IPv6 address (fe80::1%eth0) is denied.
///
/// Exit status: 0 every address allowed, 1 any denied, 2 any invalid.
#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Verdicts (one per input; the JSON reason code in brackets):
  allowed  on the allowlist, with the entry that matched and its label [listed]
  denied   a well-formed address that is not on the allowlist [not_listed], or a zoned IPv6
           address such as fe80::1%eth0, never a callback source [zoned]
  invalid  not an address the same way to every parser: a leading zero, hex or fewer than four
           IPv4 parts [ambiguous_leading_zero, ambiguous_hex, ambiguous_short_form], a part over
           255 [octet_out_of_range], a bad port or zone [bad_port, bad_zone], an empty line
           [empty], anything else [not_an_address]

Examples:
  smile-sec ip-check 34.240.137.52 '[::ffff:34.240.137.52]:443'
  awk '{print $1}' access.log | smile-sec ip-check --only denied
  smile-sec ip-check --count --env production < sources.txt
  smile-sec ip-check --peer 10.0.0.7 --forwarded-for '203.0.113.9, 34.240.137.52' --trusted-proxy 10.0.0.0/8"
)]
pub struct Args {
    /// Addresses to check; none or "-" reads one address per line from stdin
    // Not `String`: an argument that is not UTF-8 is one `invalid` input, as the same bytes on
    // stdin are, not a usage error that would leave the other addresses unchecked.
    #[arg(value_name = "ADDR", conflicts_with = "peer")]
    pub addrs: Vec<std::ffi::OsString>,

    #[command(flatten)]
    pub list: ListArgs,

    /// Print only the results with this verdict (the exit status still counts every input);
    /// with --count, only that verdict's count
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub only: Option<OnlyArg>,

    /// Print only how many inputs got each verdict
    #[arg(long)]
    pub count: bool,

    /// The address the request came from (the TCP peer, nginx's $remote_addr)
    #[arg(long, value_name = "ADDR")]
    pub peer: Option<String>,

    /// The X-Forwarded-For header value; repeat for several header lines, in order
    #[arg(long, value_name = "VALUE", requires = "peer")]
    pub forwarded_for: Vec<String>,

    /// An address or network of your own proxies (repeatable, or comma-separated)
    #[arg(long, value_name = "CIDR", requires = "peer", value_delimiter = ',', value_parser = parse_trusted, value_hint = ValueHint::Other)]
    pub trusted_proxy: Vec<IpNet>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnlyArg {
    Allowed,
    Denied,
    Invalid,
}

impl From<OnlyArg> for AddressVerdict {
    fn from(v: OnlyArg) -> Self {
        match v {
            OnlyArg::Allowed => AddressVerdict::Allowed,
            OnlyArg::Denied => AddressVerdict::Denied,
            OnlyArg::Invalid => AddressVerdict::Invalid,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per input, then a summary line
    Text,
    /// NDJSON: one result object per input, then a summary object
    Json,
}

/// Trusted proxies are parsed as strictly as allowlist entries.
pub fn parse_trusted(text: &str) -> Result<IpNet, String> {
    crate::ip::allowlist::parse_net(text.trim()).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct ResultLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    input: Cow<'a, str>,
    address: Option<String>,
    verdict: AddressVerdict,
    entry: Option<String>,
    label: Option<&'a str>,
    reason: &'static str,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<ClientJson<'a>>,
}

/// How the client was found behind a proxy chain.
#[derive(Serialize)]
struct ClientJson<'a> {
    hop: &'static str,
    /// X-Forwarded-For position, from 1 at the left; null for the peer.
    index: Option<usize>,
    why: &'static str,
    detail: String,
    trusted_skipped: usize,
    #[serde(skip)]
    text: &'a str,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    #[serde(rename = "type")]
    kind: &'static str,
    checked: u64,
    allowed: u64,
    denied: u64,
    invalid: u64,
}

impl Summary {
    #[inline]
    fn add(&mut self, v: AddressVerdict) {
        self.checked += 1;
        match v {
            AddressVerdict::Allowed => self.allowed += 1,
            AddressVerdict::Denied => self.denied += 1,
            AddressVerdict::Invalid => self.invalid += 1,
        }
    }

    fn outcome(&self) -> Outcome {
        if self.invalid > 0 {
            Outcome::Error
        } else if self.denied > 0 {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }
}

struct Report {
    list: Allowlist,
    format: Format,
    only: Option<AddressVerdict>,
    count: bool,
    out: Printer,
    summary: Summary,
    /// Standard input could not be read to its end (said on stderr): exit 2, after the rest.
    unreadable: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (list, _scope, _env) = args.list.load(super::allowlist::EnvFilter::All)?;
    let mut report = Report {
        list,
        format: args.format,
        only: args.only.map(Into::into),
        count: args.count,
        out: Printer::new(),
        summary: Summary {
            kind: "summary",
            ..Summary::default()
        },
        unreadable: false,
    };
    match report.check_all(&args) {
        Ok(()) => {}
        // A closed output (`| head -1`) ends the run quietly, with the verdict of what was checked
        // so far: `set -o pipefail` must never turn a denied or invalid address into success.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(report.verdict()),
        Err(e) => return Err(e.into()),
    }
    let invalid = report.summary.invalid;
    if invalid > 0 {
        // Every exit 2 comes with a line on stderr; one line for the
        // batch, not one per input, so a scan of a large log stays readable.
        let what = if invalid == 1 {
            "input is"
        } else {
            "inputs are"
        };
        output::item_error(format_args!(
            "{invalid} {what} not a valid address (verdict `invalid`)"
        ));
    }
    Ok(report.verdict())
}

impl Report {
    /// Checks and prints every input, then the summary.
    fn check_all(&mut self, args: &Args) -> io::Result<()> {
        if let Some(peer) = &args.peer {
            let headers: Vec<&str> = args.forwarded_for.iter().map(String::as_str).collect();
            let choice = proxy::client(peer, &headers, &args.trusted_proxy);
            self.client(&choice)?;
        } else if args.addrs.is_empty() {
            self.stdin()?;
        } else {
            for addr in &args.addrs {
                if addr == "-" {
                    self.stdin()?;
                } else {
                    self.one(addr.as_encoded_bytes())?;
                }
            }
        }
        self.finish()
    }

    /// The verdict of every input checked so far.
    fn verdict(&self) -> Outcome {
        let outcome = self.summary.outcome();
        if self.unreadable {
            outcome.worst(Outcome::Error)
        } else {
            outcome
        }
    }

    /// The lines of standard input. A read that fails (stdin is a directory, a device gone) ends
    /// them with a line on stderr; the other inputs are still checked and the summary printed.
    /// An error writing the output stops the run.
    fn stdin(&mut self) -> io::Result<()> {
        let mut writing = None;
        let read = lines::for_each(io::stdin().lock(), MAX_LINE, |line| {
            self.line(line).map_err(|e| {
                writing = Some(e);
                io::Error::other("the output failed")
            })
        });
        if let Some(e) = writing {
            return Err(e);
        }
        if let Err(e) = read {
            output::item_error(format_args!("cannot read standard input: {e}"));
            self.unreadable = true;
        }
        Ok(())
    }

    fn line(&mut self, line: Line<'_>) -> io::Result<()> {
        match line {
            Line::Text(text) => self.one(text),
            Line::TooLong(start) => {
                self.summary.add(AddressVerdict::Invalid);
                if self.shows(AddressVerdict::Invalid) {
                    let check = self
                        .list
                        .check_parsed(Err(crate::ip::address::Invalid::NotAnAddress));
                    let input = format!(
                        "{}...",
                        String::from_utf8_lossy(&start[..64.min(start.len())])
                    );
                    print(&mut self.out, self.format, input.as_bytes(), &check, None)?;
                }
                Ok(())
            }
        }
    }

    /// Whether a result with this verdict is printed.
    #[inline]
    fn shows(&self, v: AddressVerdict) -> bool {
        !self.count && self.only.is_none_or(|only| only == v)
    }

    #[inline]
    fn one(&mut self, input: &[u8]) -> io::Result<()> {
        let check = self.list.check(input);
        let v = check.verdict();
        self.summary.add(v);
        if self.shows(v) {
            print(&mut self.out, self.format, input, &check, None)?;
        }
        Ok(())
    }

    fn client(&mut self, choice: &Choice<'_>) -> io::Result<()> {
        let check = self.list.check_parsed(choice.address);
        let v = check.verdict();
        self.summary.add(v);
        if self.shows(v) {
            let client = ClientJson {
                hop: match choice.hop {
                    Hop::Peer => "peer",
                    Hop::ForwardedFor(_) => "forwarded_for",
                },
                index: match choice.hop {
                    Hop::Peer => None,
                    Hop::ForwardedFor(n) => Some(n),
                },
                why: choice.why.code(),
                detail: choice.why.to_string(),
                trusted_skipped: choice.skipped,
                text: choice.text,
            };
            print(
                &mut self.out,
                self.format,
                choice.text.as_bytes(),
                &check,
                Some((client, choice.hop)),
            )?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let s = &self.summary;
        match (self.format, self.count) {
            (Format::Json, _) => self.out.json(s)?,
            (Format::Text, true) => {
                for (v, n) in [
                    (AddressVerdict::Allowed, s.allowed),
                    (AddressVerdict::Denied, s.denied),
                    (AddressVerdict::Invalid, s.invalid),
                ] {
                    if self.only.is_none_or(|only| only == v) {
                        self.out.line(format_args!("{} {n}", v.as_str()))?;
                    }
                }
            }
            // With --only the output is just the matching results, ready for the next command.
            (Format::Text, false) if self.only.is_some() => {}
            (Format::Text, false) => self.out.line(format_args!(
                "{} checked: {} allowed, {} denied, {} invalid",
                s.checked, s.allowed, s.denied, s.invalid
            ))?,
        }
        self.out.flush()
    }
}

/// The input as it was read: the line ending removed, bytes that are not UTF-8 replaced.
fn input_text(input: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(input.strip_suffix(b"\r").unwrap_or(input))
}

fn print(
    out: &mut Printer,
    format: Format,
    input: &[u8],
    check: &Check<'_, '_>,
    client: Option<(ClientJson<'_>, Hop)>,
) -> io::Result<()> {
    let v = check.verdict();
    let input = input_text(input);
    match format {
        Format::Json => out.json(&ResultLine {
            kind: "result",
            input,
            address: check.address.map(|a| a.to_string()),
            verdict: v,
            entry: check.entry.map(|e| e.net.to_string()),
            label: check.entry.and_then(|e| e.label.as_deref()),
            reason: check.reason.code(),
            detail: check.detail(),
            client: client.map(|(c, _)| c),
        }),
        Format::Text => {
            let tone = match (v, check.reason) {
                (AddressVerdict::Allowed, _) => Tone::Good,
                (_, Reason::Invalid(_)) => Tone::Error,
                _ => Tone::Bad,
            };
            out.line(format_args!(
                "{} {}  {}",
                verdict(v.as_str(), tone, 8),
                output::escape_controls(&input),
                check.detail()
            ))?;
            if let Some((c, hop)) = client {
                out.line(format_args!(
                    "         client: {hop} ({}): {}",
                    output::escape_controls(c.text),
                    c.detail
                ))?;
            }
            Ok(())
        }
    }
}
