//! `smile-sec sign`: a request signature in the forms scripts need.

use std::path::PathBuf;

use anyhow::bail;
use clap::ValueHint;
use serde::Serialize;

use super::args::{ClockArgs, KeySourceArgs, PartnerArgs, sources_told, warn_if_retired};
use crate::keys::credentials::signing_credential;
use crate::outcome::Outcome;
use crate::output::{self, Printer};
use crate::shell;
use crate::signing::request_body::{self, BodyError, RequestBody};
use crate::signing::signature::sign;
use crate::time::format_signing_timestamp;

/// Sign a request as the official SDKs do
///
/// signature = base64(HMAC-SHA256(API key, timestamp ‖ partner ID ‖ "sid_request")), byte for byte
/// what the Python, Node, Ruby, Java and PHP SDKs produce. The timestamp is signed verbatim.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  SMILE_API_KEY=... smile-sec sign --partner-id 085
  smile-sec sign --keys examples/smile-keys.json --key sandbox-server-2026-10 --format headers
  smile-sec sign --api-key-file key.txt --partner-id 085 --body request.json
  eval \"$(smile-sec sign --api-key-file key.txt --partner-id 085 --format env)\"")]
pub struct Args {
    #[command(flatten)]
    pub partner: PartnerArgs,
    #[command(flatten)]
    pub keys: KeySourceArgs,

    /// Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]
    #[arg(long, value_name = "TS")]
    pub timestamp: Option<String>,

    #[command(flatten)]
    pub clock: ClockArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Read a JSON request object from FILE ("-" for stdin), set its partner_id, timestamp and
    /// signature fields, and print it
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub body: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned `name value` lines
    Text,
    /// One JSON object
    Json,
    /// HTTP headers for header-signed endpoints
    Headers,
    /// Shell assignments, quoted for a POSIX shell
    Env,
}

#[derive(Serialize)]
struct Signed<'a> {
    partner_id: &'a str,
    timestamp: &'a str,
    signature: &'a str,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let stdin_body = args.body.as_deref().is_some_and(crate::input::is_stdin);
    let stdin_key = args.keys.lone.reads_stdin();
    if stdin_body && stdin_key {
        bail!("--body and --api-key-file cannot both read stdin");
    }
    if args.body.is_some() && matches!(args.format, Format::Headers | Format::Env) {
        bail!(
            "--body prints the signed request as JSON; it cannot be combined with --format headers or env"
        );
    }
    let request = args.keys.request(&args.partner, None);
    let credential = signing_credential(&request, &sources_told(&request)?)?;
    let timestamp = match args.timestamp {
        Some(ts) if ts.is_empty() => bail!("--timestamp is empty"),
        Some(ts) => ts,
        None => format_signing_timestamp(args.clock.now()),
    };
    warn_if_retired(&credential, &timestamp);
    let partner_id = credential.partner_id.as_str();
    let signature = sign(&credential.key, &timestamp, partner_id);
    let signed = Signed {
        partner_id,
        timestamp: &timestamp,
        signature: &signature,
    };

    let mut out = Printer::new();
    if let Some(path) = &args.body {
        let mut body = read_body(path)?;
        for (name, value) in [
            ("partner_id", partner_id),
            ("timestamp", timestamp.as_str()),
            ("signature", signature.as_str()),
        ] {
            body.insert(name.into(), serde_json::value::to_raw_value(value)?);
        }
        match args.format {
            Format::Json => out.json(&body)?,
            _ => out.json_pretty(&body)?,
        }
        out.flush()?;
        return Ok(Outcome::Pass);
    }
    match args.format {
        Format::Text => {
            // A line break in a value would start a line of its own, which reads as another
            // field (`signature   ...`) to whoever reads the text.
            if let Some(name) = holding(partner_id, &timestamp, output::needs_escape) {
                return Err(output::hinted(
                    format!(
                        "the {name} contains a control or invisible character, which text output would print as it is"
                    ),
                    "use --format json, which escapes it",
                ));
            }
            out.line(format_args!("partner_id  {partner_id}"))?;
            out.line(format_args!("timestamp   {timestamp}"))?;
            out.line(format_args!("signature   {signature}"))?;
        }
        Format::Json => out.json(&signed)?,
        Format::Headers => {
            if let Some(name) = holding(partner_id, &timestamp, char::is_control) {
                bail!(
                    "the {name} contains a control character and cannot be sent as an HTTP header"
                );
            }
            // HTTP drops white space around a field value: the receiver would check the
            // signature against another value than the one signed.
            let padded = [
                ("partner ID", partner_id),
                ("timestamp", timestamp.as_str()),
            ]
            .into_iter()
            .find(|(_, value)| value.trim_matches([' ', '\t']) != *value);
            if let Some((name, _)) = padded {
                return Err(output::hinted(
                    format!(
                        "the {name} begins or ends with white space, which HTTP drops from a header value"
                    ),
                    "sign the value without it, or send it in the body (--format json)",
                ));
            }
            out.line(format_args!("SmileID-Partner-ID: {partner_id}"))?;
            out.line(format_args!("SmileID-Timestamp: {timestamp}"))?;
            out.line(format_args!("SmileID-Request-Signature: {signature}"))?;
        }
        Format::Env => {
            // A shell drops a NUL byte from a quoted word (bash with a warning, dash without),
            // so the variable would hold another partner ID than the one signed.
            if let Some(name) = holding(partner_id, &timestamp, |c| c == '\0') {
                bail!("the {name} contains a NUL byte, which no shell variable can hold");
            }
            out.line(format_args!(
                "SMILE_PARTNER_ID={}",
                shell::quote(partner_id)
            ))?;
            out.line(format_args!("SMILE_TIMESTAMP={}", shell::quote(&timestamp)))?;
            out.line(format_args!("SMILE_SIGNATURE={}", shell::quote(&signature)))?;
        }
    }
    out.flush()?;
    Ok(Outcome::Pass)
}

/// Which of the signed values holds a character `unprintable` picks out, if any, by name.
fn holding(
    partner_id: &str,
    timestamp: &str,
    unprintable: fn(char) -> bool,
) -> Option<&'static str> {
    [("partner ID", partner_id), ("timestamp", timestamp)]
        .into_iter()
        .find(|(_, value)| value.chars().any(unprintable))
        .map(|(name, _)| name)
}

fn read_body(path: &std::path::Path) -> anyhow::Result<RequestBody> {
    let bytes = crate::input::read_all(path, "request body", crate::input::BODY_BYTES)?;
    let json = crate::input::without_bom(&bytes);
    request_body::parse(json).map_err(|e| match e {
        BodyError::NotAnObject => {
            anyhow::anyhow!("request body {} is not a JSON object", path.display())
        }
        BodyError::Invalid(why) => {
            anyhow::anyhow!("request body {} is not valid JSON: {why}", path.display())
        }
    })
}
