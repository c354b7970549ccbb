//! `smile-sec ip-check`: addresses (arguments, stdin, or the client behind a proxy chain) checked
//! against the callback allowlist. Glue only: parsing is `address`, verdicts are
//! `allowlist`, the proxy walk is `proxy`, line splitting is `address_lines`, the result lines are
//! `output::ip_check`.

use std::io;

use clap::ValueHint;
use ipnet::IpNet;

use super::allowlist::ListArgs;
use crate::ip::address_lines::{self, Line};
use crate::ip::allowlist::{AddressVerdict, Allowlist, Check};
use crate::ip::proxy::{self, Choice};
use crate::outcome::Outcome;
use crate::output::ip_check::{self as render, Counts};
use crate::output::{self, Printer};

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
    /// with --count, only that verdict's count (the JSON summary keeps every count)
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
    #[arg(long, value_name = "CIDR", requires = "peer", value_delimiter = ',', value_parser = proxy::parse_trusted, value_hint = ValueHint::Other)]
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

/// Counts one input's verdict.
#[inline]
fn count(c: &mut Counts, v: AddressVerdict) {
    c.checked += 1;
    match v {
        AddressVerdict::Allowed => c.allowed += 1,
        AddressVerdict::Denied => c.denied += 1,
        AddressVerdict::Invalid => c.invalid += 1,
    }
}

/// The outcome of a run that counted `c`.
fn counted_outcome(c: &Counts) -> Outcome {
    if c.invalid > 0 {
        Outcome::Error
    } else if c.denied > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}

struct Report {
    list: Allowlist,
    format: Format,
    only: Option<AddressVerdict>,
    count: bool,
    out: Printer,
    summary: Counts,
    /// Standard input could not be read to its end (said on stderr): exit 2, after the rest.
    unreadable: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (list, _scope, _env) = args.list.load(super::args::EnvArg::All)?;
    super::args::warn_of_trusting_too_wide(&args.trusted_proxy);
    let mut report = Report {
        list,
        format: args.format,
        only: args.only.map(Into::into),
        count: args.count,
        out: Printer::new(),
        summary: Counts::default(),
        unreadable: false,
    };
    match report.check_all(&args) {
        Ok(()) => {}
        // A closed output (`| head -1`) ends the run quietly, with the verdict of what was checked
        // so far: `set -o pipefail` must never turn a denied or invalid address into success.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(report.outcome()),
        Err(e) => return Err(e.into()),
    }
    // Nothing to check is not a pass: a pipeline fed nothing (a log that went missing) must not
    // read as every source allowed.
    if report.summary.checked == 0 && !report.unreadable {
        output::item_error(format_args!("no addresses in the input"));
        return Ok(Outcome::Error);
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
    Ok(report.outcome())
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

    /// The outcome of every input checked so far.
    fn outcome(&self) -> Outcome {
        let outcome = counted_outcome(&self.summary);
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
        let read = address_lines::for_each(io::stdin().lock(), MAX_LINE, |line| {
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
                count(&mut self.summary, AddressVerdict::Invalid);
                if self.shows(AddressVerdict::Invalid) {
                    let check = self
                        .list
                        .check_parsed(Err(crate::ip::address::Invalid::NotAnAddress));
                    let input = render::overlong(start);
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
        count(&mut self.summary, v);
        if self.shows(v) {
            print(&mut self.out, self.format, input, &check, None)?;
        }
        Ok(())
    }

    fn client(&mut self, choice: &Choice<'_>) -> io::Result<()> {
        let check = self.list.check_parsed(choice.address);
        let v = check.verdict();
        count(&mut self.summary, v);
        if self.shows(v) {
            print(
                &mut self.out,
                self.format,
                choice.text.as_bytes(),
                &check,
                Some(choice),
            )?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let s = &self.summary;
        match (self.format, self.count) {
            (Format::Json, _) => render::json_summary(&mut self.out, s)?,
            (Format::Text, true) => render::text_counts(&mut self.out, s, self.only)?,
            // With --only the output is just the matching results, ready for the next command.
            (Format::Text, false) if self.only.is_some() => {}
            (Format::Text, false) => render::text_summary(&mut self.out, s)?,
        }
        self.out.flush()
    }
}

/// One result, written as soon as it is known.
#[inline]
fn print(
    out: &mut Printer,
    format: Format,
    input: &[u8],
    check: &Check<'_, '_>,
    client: Option<&Choice<'_>>,
) -> io::Result<()> {
    match format {
        Format::Text => render::text(out, input, check, client),
        Format::Json => render::json(out, input, check, client),
    }
}
