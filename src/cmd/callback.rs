//! `smile-sec callback new|send|probe`: signed test callbacks, and a probe of the team's own
//! callback endpoint. Glue only: bodies are `endpoint::sample_callback`, cases and
//! verdicts are `endpoint::probe`, the HTTP round trip is `endpoint::http`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Duration;
use clap::ValueHint;
use serde::Serialize;

use super::args::{
    ClockArgs, KeySourceArgs, PartnerArgs, parse_duration, parse_timeout, sources_told,
    warn_if_retired,
};
use crate::endpoint::http::{self, BodyCut, Client, Response};
use crate::endpoint::probe::{self, Case, CaseVerdict, Leak, LeakWatch, Skew, Tally};
use crate::endpoint::sample_callback::{self, JobResult};
use crate::keys::credentials::{
    Credential, KeyRequest, WatchedKeys, signing_credential, watched_keys,
};
use crate::outcome::Outcome;
use crate::output::{self, Printer, Tone, verdict};
use crate::signing::signature::Signer;
use crate::time::format_signing_timestamp;

/// Test your callback endpoint with signed, forged, stale and replayed callbacks
///
/// `new` prints a realistic signed job-result callback, `send` POSTs one to a URL, and `probe`
/// sends one request per attack and reports whether the endpoint refused each. Nothing is sent
/// anywhere but the URL you give.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  SMILE_API_KEY=... smile-sec callback new --partner-id 085 > callback.json
  smile-sec callback send http://127.0.0.1:8080/smile/callback callback.json
  smile-sec callback probe http://127.0.0.1:8080/smile/callback --partner-id 085")]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    New(NewArgs),
    Send(SendArgs),
    Probe(ProbeArgs),
}

/// Which key signs, for whom, and when.
#[derive(Debug, Clone, clap::Args)]
pub struct SigningArgs {
    #[command(flatten)]
    pub partner: PartnerArgs,
    #[command(flatten)]
    pub keys: KeySourceArgs,
    #[command(flatten)]
    pub clock: ClockArgs,
}

impl SigningArgs {
    fn request(&self) -> KeyRequest<'_> {
        self.keys.request(&self.partner, None)
    }

    fn credential(&self) -> anyhow::Result<Credential> {
        let request = self.request();
        signing_credential(&request, &sources_told(&request)?)
    }

    /// The keys to watch an answer for when nothing is signed: from the same sources, read the
    /// same way, as [`Self::credential`]'s.
    fn watched_keys(&self) -> anyhow::Result<WatchedKeys> {
        let request = self.request();
        watched_keys(&request, &sources_told(&request)?)
    }
}

/// What the generated job result says.
#[derive(Debug, Clone, clap::Args)]
pub struct JobArgs {
    /// Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]
    #[arg(long, value_name = "TS")]
    pub timestamp: Option<String>,

    // No clap default on these two: a value typed with a FILE is refused even when it is the
    // default's, so whether it was typed must show.
    /// PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]
    #[arg(long, value_name = "N")]
    pub job_type: Option<u32>,

    /// ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]
    #[arg(long, value_name = "CODE")]
    pub result_code: Option<String>,

    /// ResultText [default: Smile ID's text for a known code]
    #[arg(long, value_name = "TEXT")]
    pub result_text: Option<String>,

    /// PartnerParams.job_id [default: derived from the timestamp]
    #[arg(long, value_name = "ID")]
    pub job_id: Option<String>,

    /// PartnerParams.user_id
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
}

impl JobArgs {
    fn job(&self) -> JobResult {
        JobResult {
            job_type: self.job_type.unwrap_or(sample_callback::DEFAULT_JOB_TYPE),
            result_code: self
                .result_code
                .clone()
                .unwrap_or_else(|| sample_callback::DEFAULT_RESULT_CODE.to_owned()),
            result_text: self.result_text.clone(),
            job_id: self.job_id.clone(),
            user_id: self.user_id.clone(),
        }
    }

    /// True when any option that shapes a generated body was given.
    fn any_given(&self) -> bool {
        self.timestamp.is_some()
            || self.job_type.is_some()
            || self.result_code.is_some()
            || self.result_text.is_some()
            || self.job_id.is_some()
            || self.user_id.is_some()
    }

    fn timestamp(&self, clock: &ClockArgs) -> anyhow::Result<String> {
        match &self.timestamp {
            Some(ts) if ts.is_empty() => bail!("--timestamp is empty"),
            Some(ts) => Ok(ts.clone()),
            None => Ok(format_signing_timestamp(clock.now())),
        }
    }
}

/// Print a realistic signed callback (an Enhanced KYC job result)
///
/// The body has the shape of a Smile ID job-result callback; its top-level `signature` and
/// `timestamp` are made as Smile ID makes them, so `smile-sec verify` accepts it with the same key.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  SMILE_API_KEY=... smile-sec callback new --partner-id 085
  smile-sec callback new --keys examples/smile-keys.json --key sandbox-server-2026-10 --result-code 1013
  smile-sec callback new --api-key-file key.txt --partner-id 085 | smile-sec verify --api-key-file key.txt --partner-id 085")]
pub struct NewArgs {
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub job: JobArgs,
    /// Output format: text is pretty-printed JSON, json is one line
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// POST a callback to URL and show the answer
///
/// Sends FILE ("-" for stdin) as the body, verbatim (less a leading byte-order mark), after
/// checking it is JSON; without FILE, a fresh signed callback as `callback new` makes it.
/// Redirects are not followed.
/// Exit: 0 on a 2xx answer, 1 on any other status, 2 when the endpoint cannot be reached or does
/// not answer within --timeout.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  SMILE_API_KEY=... smile-sec callback send http://127.0.0.1:8080/smile/callback --partner-id 085
  smile-sec callback send https://staging.example.com/smile/callback saved-callback.json
  smile-sec callback new --partner-id 085 --result-code 1013 | smile-sec callback send http://127.0.0.1:8080/cb -")]
pub struct SendArgs {
    /// The callback endpoint (http:// or https://)
    #[arg(value_name = "URL", value_hint = ValueHint::Url)]
    pub url: String,

    /// The JSON body to send ("-" for stdin) [default: a fresh signed callback]
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub job: JobArgs,

    /// Give up after this long (90s, 15m, or seconds)
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "10s")]
    pub timeout: std::time::Duration,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Check that a callback endpoint refuses forged, stale and replayed callbacks
///
/// Sends one request per case, in this order: valid (must be accepted with a 2xx status),
/// bad_signature, wrong_key, missing_signature, wrong_partner (must be refused: any other status),
/// stale, future, replayed_pair_new_body (should be refused). The replay reuses the valid case's
/// timestamp and signature on another body, so an endpoint passes it only by remembering what it
/// accepted. A response body that echoes the API key or an expected signature fails its case.
///
/// Exit: 0 when every case passed; 1 when any failed: the valid callback refused, or a forged,
/// stale, future or replayed one accepted (an endpoint that takes a stale or replayed callback is
/// open to forgery), or an answer that echoes the API key (raw, hex, URL-encoded, JSON-escaped,
/// lowercased or cut short) or an expected signature; with --lenient only the "must" cases and
/// echoes fail, the "should" cases warn. 2 when the endpoint cannot be reached or a case got no
/// answer, or one whose body was cut short (by --timeout or by the server).
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  SMILE_API_KEY=... smile-sec callback probe http://127.0.0.1:8080/smile/callback --partner-id 085
  smile-sec callback probe https://staging.example.com/cb --keys examples/smile-keys.json --key sandbox-server-2026-10 --lenient
  smile-sec callback probe http://127.0.0.1:8080/cb --format json | jq 'select(.verdict != \"pass\")'")]
pub struct ProbeArgs {
    /// The callback endpoint (http:// or https://)
    #[arg(value_name = "URL", value_hint = ValueHint::Url)]
    pub url: String,

    #[command(flatten)]
    pub signing: SigningArgs,

    /// Fail (exit 1) only on the "must" cases; an accepted stale, future or replayed callback is
    /// a warning
    #[arg(long, conflicts_with = "strict")]
    pub lenient: bool,

    /// Fail (exit 1) when a "should" case is accepted, too: the default, kept for scripts that
    /// say it
    #[arg(long)]
    pub strict: bool,

    /// How far in the past the stale callback is dated
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "1h")]
    pub stale_by: Duration,

    /// How far in the future the future callback is dated
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "1h")]
    pub future_by: Duration,

    /// Give up on each request after this long
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "10s")]
    pub timeout: std::time::Duration,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people
    Text,
    /// JSON: one object (new, send) or NDJSON results then a summary (probe)
    Json,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        Sub::New(args) => new(args),
        Sub::Send(args) => send(args),
        Sub::Probe(args) => run_probe(args),
    }
}

fn fresh_body(
    signing: &SigningArgs,
    job: &JobArgs,
) -> anyhow::Result<(serde_json::Map<String, serde_json::Value>, Credential)> {
    let credential = signing.credential()?;
    let timestamp = job.timestamp(&signing.clock)?;
    warn_if_retired(&credential, &timestamp);
    let body = sample_callback::signed_body(
        &job.job(),
        &Signer::new(&credential.key),
        &credential.partner_id,
        &timestamp,
    );
    Ok((body, credential))
}

fn new(args: NewArgs) -> anyhow::Result<Outcome> {
    let (body, _) = fresh_body(&args.signing, &args.job)?;
    let mut out = Printer::new();
    match args.format {
        Format::Text => out.json_pretty(&body)?,
        Format::Json => out.json(&body)?,
    }
    out.flush()?;
    Ok(Outcome::Pass)
}

#[derive(Serialize)]
struct SendResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
    status: u16,
    accepted: bool,
    elapsed_ms: u128,
    content_type: Option<&'a str>,
    body_bytes: usize,
    body_truncated: bool,
    body_excerpt: &'a str,
}

/// How much of the answer `send` shows.
const EXCERPT_CHARS: usize = 200;

/// What `send` shows instead of a part of the answer that echoes the key.
const HIDDEN: &str = "(hidden: it contains the API key)";

fn send(args: SendArgs) -> anyhow::Result<Outcome> {
    http::check_url(&args.url)?;
    let (body, watches) = body_to_send(&args)?;
    let client = Client::new(args.timeout);
    let response = client
        .post_json(&args.url, &body)
        .with_context(|| format!("POST {}", http::shown(&args.url)))?;
    // --timeout bounds the whole answer: a status whose body is still coming is no answer a
    // sender would count as delivered.
    if let Some(BodyCut::Timeout(_)) = &response.cut
        && let Some(why) = response.cut_short()
    {
        bail!("POST {}: {why}", http::shown(&args.url));
    }
    if let Some(BodyCut::Broken(why)) = &response.cut {
        output::warn(format_args!(
            "the answer's body broke off after {} bytes: {why}",
            response.body.len()
        ));
    }
    let answer = ShownAnswer::of(&response, &watches);
    let accepted = probe::accepted(response.status);
    print_answer(&args, &response, &answer, accepted)?;
    Ok(if accepted {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}

/// The body `send` posts, FILE's bytes or a callback it signs, with the keys whose echo in the
/// answer must not be printed.
fn body_to_send(args: &SendArgs) -> anyhow::Result<(Vec<u8>, Vec<LeakWatch>)> {
    let Some(path) = &args.file else {
        let (body, credential) = fresh_body(&args.signing, &args.job)?;
        return Ok((
            serde_json::to_vec(&body)?,
            vec![LeakWatch::new(&credential.key)],
        ));
    };
    if args.job.any_given() {
        bail!(
            "--timestamp, --job-type, --result-code, --result-text, --job-id and --user-id shape a generated callback; they cannot be used with FILE"
        );
    }
    if crate::input::is_stdin(path) && args.signing.keys.lone.reads_stdin() {
        bail!("FILE and --api-key-file cannot both read stdin");
    }
    // The file is sent as it is and needs no key; the keys given are still watched for, so that
    // an answer echoing one is not printed.
    let watched = args.signing.watched_keys()?;
    for why in &watched.skipped {
        output::warn(format_args!("{why}"));
    }
    let watches = watched.keys.iter().map(LeakWatch::new).collect();
    Ok((read_json_file(path)?, watches))
}

/// What `send` shows of an answer: an excerpt of its body and its Content-Type, each hidden
/// (with a warning) when it echoes a watched key.
struct ShownAnswer<'a> {
    excerpt: String,
    content_type: Option<&'a str>,
    /// Less than the whole body is shown: longer than what is read, or broken off.
    truncated: bool,
}

impl<'a> ShownAnswer<'a> {
    fn of(response: &'a http::Response, watches: &[LeakWatch]) -> Self {
        let echoes_key = |bytes: &[u8]| {
            watches
                .iter()
                .any(|w| w.find(bytes, None) == Some(Leak::ApiKey))
        };
        let excerpt = if echoes_key(&response.body) {
            output::warn(format_args!(
                "the response body echoes the API key; it is not shown"
            ));
            HIDDEN.to_owned()
        } else {
            http::excerpt(&response.body, EXCERPT_CHARS)
        };
        // Of the header fields only Content-Type is shown (in JSON), but a debug parameter or
        // header may echo the key as well as a body can.
        let mut content_type = response.content_type.as_deref();
        if echoes_key(&response.head) {
            if content_type.is_some_and(|ct| echoes_key(ct.as_bytes())) {
                content_type = Some(HIDDEN);
                output::warn(format_args!(
                    "the response's Content-Type header echoes the API key; it is not shown"
                ));
            } else {
                output::warn(format_args!(
                    "a response header echoes the API key (send shows no header but Content-Type)"
                ));
            }
        }
        ShownAnswer {
            excerpt,
            content_type,
            truncated: response.truncated || response.cut.is_some(),
        }
    }
}

/// Prints `send`'s result in the chosen format.
fn print_answer(
    args: &SendArgs,
    response: &http::Response,
    answer: &ShownAnswer<'_>,
    accepted: bool,
) -> anyhow::Result<()> {
    let excerpt = &answer.excerpt;
    let mut out = Printer::new();
    match args.format {
        Format::Text => {
            let tone = if accepted { Tone::Good } else { Tone::Bad };
            let status = format!("{} {}", response.status, reason(response.status));
            out.line(format_args!(
                "status  {}",
                verdict(status.trim_end(), tone, 0)
            ))?;
            out.line(format_args!("time    {}", http::humanize(response.elapsed)))?;
            let more = if answer.truncated { " (cut)" } else { "" };
            out.text(format_args!(
                "body    {} bytes{more}{}{excerpt}",
                response.body.len(),
                if excerpt.is_empty() { "" } else { ": " }
            ))?;
        }
        Format::Json => {
            out.json(&SendResult {
                kind: "result",
                url: &http::shown(&args.url),
                status: response.status,
                accepted,
                elapsed_ms: response.elapsed.as_millis(),
                content_type: answer.content_type,
                body_bytes: response.body.len(),
                body_truncated: answer.truncated,
                body_excerpt: excerpt,
            })?;
            // As every command's JSON ends: a summary line.
            out.json(&serde_json::json!({
                "type": "summary",
                "sent": 1,
                "accepted": u8::from(accepted),
            }))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The standard reason phrase of a status, or "".
fn reason(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// A body to send: the file's bytes, verbatim but for a byte-order mark (a receiver's JSON
/// reader may refuse one), once they are known to be JSON.
fn read_json_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = crate::input::read_all(path, "callback body", crate::input::BODY_BYTES)?;
    let bom = bytes.len() - crate::input::without_bom(&bytes).len();
    bytes.drain(..bom);
    // JSON between systems is UTF-8, and serde_json does not check strings it skips.
    std::str::from_utf8(&bytes)
        // Counted in the file as given, byte-order mark included.
        .map_err(|e| anyhow::anyhow!("not UTF-8 at byte {}", bom + e.valid_up_to()))
        .and_then(|text| Ok(serde_json::from_str::<serde::de::IgnoredAny>(text)?))
        .with_context(|| format!("callback body {} is not JSON", path.display()))?;
    Ok(bytes)
}

#[derive(Serialize)]
struct ProbeResult<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    case: Case,
    expect: probe::Expect,
    requirement: probe::Requirement,
    status: Option<u16>,
    verdict: CaseVerdict,
    note: &'a str,
    leak: Option<Leak>,
    timestamp: &'a str,
    elapsed_ms: Option<u128>,
}

#[derive(Serialize)]
struct ProbeSummary<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
    strict: bool,
    #[serde(flatten)]
    tally: Tally,
}

const CASE_WIDTH: usize = 22;

fn run_probe(args: ProbeArgs) -> anyhow::Result<Outcome> {
    if args.stale_by <= Duration::zero() || args.future_by <= Duration::zero() {
        bail!("--stale-by and --future-by must be more than 0");
    }
    let now = args.signing.clock.now();
    // Dated outside the calendar, the stale and future cases would be sent dated now, and judged
    // as what they are not.
    if now.checked_sub_signed(args.stale_by).is_none()
        || now.checked_add_signed(args.future_by).is_none()
    {
        bail!("--stale-by and --future-by must keep the probe's timestamps within the calendar");
    }
    http::check_url(&args.url)?;
    let credential = args.signing.credential()?;
    warn_if_retired(&credential, &format_signing_timestamp(now));
    let plan = probe::plan(
        &credential.key,
        &credential.partner_id,
        now,
        Skew {
            stale_by: args.stale_by,
            future_by: args.future_by,
        },
    );
    let client = Client::new(args.timeout);
    let mut out = Printer::new();
    let mut tally = Tally::default();
    // The verdict of the rows printed so far: what a closed output (`| head -2`) ends with, so
    // that `set -o pipefail` never turns a failed case it showed into success.
    let mut outcome = Outcome::Pass;
    let printed = probe_cases(&args, &plan, &client, &mut out, &mut tally, &mut outcome);
    match printed {
        Err(e) if output::is_broken_pipe(&e) => return Ok(outcome),
        other => other?,
    }
    let summary = match args.format {
        Format::Text => out.line(format_args!("")).and_then(|()| {
            out.line(format_args!(
                "{} cases: {} pass, {} warn, {} fail, {} error{}{}",
                tally.cases,
                tally.pass,
                tally.warn,
                tally.fail,
                tally.errors,
                if tally.errors == 1 { "" } else { "s" },
                if args.lenient { " (lenient)" } else { "" }
            ))
        }),
        Format::Json => out.json(&ProbeSummary {
            kind: "summary",
            url: &http::shown(&args.url),
            strict: !args.lenient,
            tally,
        }),
    }
    .and_then(|()| out.flush());
    match summary {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(outcome),
        other => other.map(|()| outcome).map_err(Into::into),
    }
}

/// Sends each case and prints its row; `outcome` takes each row's verdict once it is printed.
fn probe_cases(
    args: &ProbeArgs,
    plan: &probe::Plan,
    client: &Client,
    out: &mut Printer,
    tally: &mut Tally,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    for request in &plan.requests {
        let answer = client.post_json(&args.url, &request.body);
        let answer: Option<Response> = match answer {
            Ok(response) => Some(response),
            // The first request got nowhere: the URL is wrong, the server is down, or a firewall
            // drops what we send (each case would wait out its timeout); no table is worth
            // printing. A server that took it and closed the connection is a row, and the
            // refusals, which matter most, are still tried.
            Err(e) if request.case == Case::Valid && !e.reached_the_server() => {
                return Err(e).with_context(|| format!("POST {}", http::shown(&args.url)));
            }
            Err(e) => {
                output::item_error(format_args!("{}: {e}", request.case.as_str()));
                None
            }
        };
        let echo = answer.as_ref().and_then(|r| {
            plan.watch
                .find_in_answer(&r.head, &r.body, request.signature.as_deref())
        });
        let leak = echo.map(|e| e.leak);
        let strict = !args.lenient;
        let cut = answer
            .as_ref()
            .and_then(|r| Some((r.status, r.cut_short()?)));
        let judged = match cut {
            Some((status, why)) => {
                let judged = probe::judge_cut(request.case, status, echo, strict);
                // Its status decides nothing: reported as a request that got no answer is.
                if judged.verdict == CaseVerdict::Error {
                    output::item_error(format_args!("{}: {why}", request.case.as_str()));
                }
                judged
            }
            None => probe::judge(
                request.case,
                answer.as_ref().map(|r| r.status),
                echo,
                strict,
            ),
        };
        tally.add(judged.verdict);
        // An error row shows no status or time: what came, if anything, was no whole answer.
        let answered = answer
            .as_ref()
            .filter(|_| judged.verdict != CaseVerdict::Error);
        let status = answered.map(|r| r.status);
        let elapsed = answered.map(|r| r.elapsed);
        match args.format {
            Format::Text => {
                if request.case == Case::Valid {
                    out.line(format_args!(
                        "{:<CASE_WIDTH$}  {:<13}  {:<6}  {:>7}  {:<7}  NOTE",
                        "CASE", "EXPECT", "STATUS", "TIME", "VERDICT"
                    ))?;
                }
                let tone = match judged.verdict {
                    CaseVerdict::Pass => Tone::Good,
                    CaseVerdict::Warn => Tone::Warn,
                    CaseVerdict::Fail => Tone::Bad,
                    CaseVerdict::Error => Tone::Error,
                };
                let expect = format!(
                    "{} {}",
                    request.case.requirement().as_str(),
                    request.case.expect().as_str()
                );
                out.line(format_args!(
                    "{:<CASE_WIDTH$}  {expect:<13}  {:<6}  {:>7}  {}  {}",
                    request.case.as_str(),
                    status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                    elapsed.map_or_else(|| "-".to_owned(), http::humanize),
                    verdict(judged.verdict.as_str(), tone, 7),
                    judged.note
                ))?;
            }
            Format::Json => out.json(&ProbeResult {
                kind: "result",
                case: request.case,
                expect: request.case.expect(),
                requirement: request.case.requirement(),
                status,
                verdict: judged.verdict,
                note: judged.note,
                leak,
                timestamp: &request.timestamp,
                elapsed_ms: elapsed.map(|d| d.as_millis()),
            })?,
        }
        out.flush()?;
        *outcome = outcome.worst(judged.verdict.outcome());
    }
    Ok(())
}
