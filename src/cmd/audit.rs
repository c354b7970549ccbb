//! `smile-sec audit`: the key file checked against the rotation policy and Smile ID's key rules.
//! The rules are `audit`, the file is `keyfile`, every format is `output::audit`; this file
//! finds the key file, reads its secrets and their files' permissions, and applies the policy
//! flags over the file's own.

use std::path::{Path, PathBuf};

use clap::ValueHint;

use super::args::ClockArgs;
use crate::input;
use crate::keys::audit::{self, Code, Report, Secret, Settings, Severity};
use crate::keys::credentials::KEYS_ENV;
use crate::keys::keyfile::{self, KeyFile, KeyFileError, SecretError, SecretSource};
use crate::outcome::Outcome;
use crate::output::audit::{self as render, Shown};
use crate::output::step_summary::STEP_SUMMARY_ENV;
use crate::output::{self, Printer, hinted};
use crate::signing::secret::KeyError;

/// `--max-age DUR`: the duration every other command takes for an age, held to whole days here
/// (a key's age is counted in whole UTC days), so `90d` or `2160h`; a bare `90` is 90 seconds by
/// the duration rule and is refused with the spelling that was meant.
fn parse_max_age(text: &str) -> Result<u32, String> {
    const DAY: i64 = 86_400;
    let duration = super::args::parse_duration(text)?;
    let seconds = duration.num_seconds();
    if seconds == 0 {
        return Err("at least 1d".into());
    }
    if seconds % DAY != 0 {
        return Err(format!(
            "a key's age is counted in whole days: write it in days, like 90d (`{text}` is {seconds} seconds)"
        ));
    }
    u32::try_from(seconds / DAY)
        .ok()
        .filter(|days| *days <= audit::MAX_POLICY_DAYS)
        .ok_or_else(|| format!("at most {}d", audit::MAX_POLICY_DAYS))
}

/// The long help's list of findings, built from the codes themselves so that it cannot miss one,
/// then the examples and the key file's shape.
fn long_help() -> String {
    let width = Code::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    let mut help = String::from("Findings (code, severity, what it means):\n");
    for code in Code::ALL {
        // Wrapped here, under its own column, rather than by clap at the left margin.
        let mut line = format!("  {:width$} ", code.as_str());
        let indent = line.len();
        let words = format!("({}) {}", code.severity().as_str(), code.summary());
        for word in words.split(' ') {
            if line.len() + 1 + word.len() > 96 {
                help.push_str(&line);
                help.push('\n');
                line = " ".repeat(indent);
            }
            line.push(' ');
            line.push_str(word);
        }
        help.push_str(&line);
        help.push('\n');
    }
    help.push_str(
        "\nA fail finding makes the run exit 1; with --fail-on warn, a warn finding does too. A muted \
         finding counts for neither.\n\nExamples:\n",
    );
    help.push_str(
        "  smile-sec audit --keys smile-keys.json
  smile-sec audit --fail-on warn --format github          # in a CI job
  smile-sec audit --format sarif > smile-sec.sarif        # for GitHub code scanning
  smile-sec audit --now 2026-12-01T00:00:00Z --warn-days 30

The key file (JSON; an unknown field is an error that names it):
  {\"policy\": {\"max_age_days\": 90, \"warn_days\": 14, \"production\": {\"max_age_days\": 60}},
   \"keys\": [{\"id\": \"live-server-2026-09\", \"partner_id\": \"085\", \"environment\": \"production\",
             \"integrations\": [\"server\"], \"created\": \"2026-09-01\", \"status\": \"active\",
             \"api_key_env\": \"SMILE_LIVE_SERVER_KEY\", \"owner\": \"payments-team\",
             \"mutes\": [{\"finding\": \"expiring\", \"reason\": \"booked\", \"until\": \"2026-12-03\"}]}]}
  Optional: policy, status (active or retired; a retired key needs \"retired\": its date), owner,
  mutes, and the secret: at most one of api_key_env (a variable's name), api_key_file (a path
  inside the key file's folder) or api_key.",
    );
    help
}

/// Audit API keys against the rotation policy and Smile ID's key rules
///
/// Reads the key file and reports, per key, its age in whole UTC days, its due date (created +
/// max_age_days) and the days left, with findings: expired, expiring, shared_key,
/// cross_environment, created_in_future, exposed_inline_secret, inline_secret,
/// secret_file_permissions (an api_key_file, or a key file holding inline keys, that group or
/// others can read or write), mute_expired. Secrets are read only to compare their SHA-256
/// digests; no value is ever printed; secrets that cannot be read here (as in CI) are said in one
/// warning. A finding named by a current mute (until that date, inclusive) is reported as muted
/// and does not count.
///
/// max_age_days and warn_days come from --max-age (or --max-age-days) / --warn-days, else the key file's policy
/// for the key's environment ("policy": {"production": {"max_age_days": 60}}), else its
/// top-level policy, else 90 and 14.
///
/// Exit status: 0 when no unmuted finding reaches --fail-on, 1 otherwise, 2 when the key file is
/// missing, unreadable or invalid.
#[derive(Debug, clap::Args)]
#[command(after_long_help = long_help())]
pub struct Args {
    /// The key file [default: ./smile-keys.json when it exists]
    #[arg(long, env = "SMILE_SEC_KEYS", hide_env_values = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub keys: Option<PathBuf>,

    #[command(flatten)]
    pub clock: ClockArgs,

    /// Maximum key age, in whole days (90d), for every key (overrides the file's
    /// policy.max_age_days and its per-environment overrides)
    #[arg(long, value_name = "DUR", value_parser = parse_max_age, conflicts_with = "max_age_days")]
    pub max_age: Option<u32>,

    /// Maximum key age as a number of days: the same as --max-age Nd
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(audit::MAX_POLICY_DAYS)))]
    pub max_age_days: Option<u32>,

    /// Warn this many days before a key falls due, for every key (overrides the file's
    /// policy.warn_days and its per-environment overrides)
    #[arg(long, value_name = "N")]
    pub warn_days: Option<u32>,

    /// The lowest severity that makes the run exit 1
    #[arg(long, value_enum, default_value_t = FailOn::Fail, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 on an unmuted failure
    Fail,
    /// Exit 1 on an unmuted warning or failure
    Warn,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Fail => Severity::Fail,
            FailOn::Warn => Severity::Warn,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table sorted by urgency, the findings, and a rotation plan
    Text,
    /// NDJSON: one object per key, then a summary object
    Json,
    /// A SARIF 2.1.0 log (GitHub code scanning and other SARIF viewers)
    Sarif,
    /// GitHub Actions workflow commands (::error / ::warning annotations)
    Github,
    /// JUnit XML: one test case per key, a failure for each key that fails
    Junit,
}

/// Says where the key file came from, as the commands that sign and verify say it: a note when it
/// is `./smile-keys.json` found in the current folder, a warning when that file loses to `--keys`
/// typed on the command line or to the file `SMILE_SEC_KEYS` names.
fn tell_where_the_key_file_came_from(keys: Option<&Path>) {
    let default = Path::new(keyfile::DEFAULT_PATH);
    let Some(keys) = keys else {
        if default.exists() {
            output::note(format_args!(
                "using the key file ./{} found in the current folder (no --keys or {KEYS_ENV} given)",
                keyfile::DEFAULT_PATH
            ));
        }
        return;
    };
    // (`SMILE_SEC_KEYS` losing to `--keys` is said where every flag's variable is.)
    let from_variable = std::env::var_os(KEYS_ENV).is_some_and(|v| v == keys.as_os_str());
    if default.exists() && !keyfile::same_file(keys, default) {
        let winner = if from_variable {
            format!("the key file {KEYS_ENV} names wins")
        } else {
            "--keys given on the command line wins".to_owned()
        };
        output::warn(format_args!(
            "./{} is set but not used: {winner}",
            keyfile::DEFAULT_PATH
        ));
    }
}

/// A key file audited: the report, the file's path and text, and the entries whose secret was
/// read as empty (reported on their metadata, then an error each).
type Audited = (Report, PathBuf, Option<String>, Vec<String>);

/// The key file's audit, or why there is none.
fn audited(args: &Args) -> anyhow::Result<Audited> {
    let Some(path) = keyfile::locate(args.keys.as_deref()) else {
        return Err(hinted(
            "no key file: --keys is not given, SMILE_SEC_KEYS is not set and ./smile-keys.json does not exist",
            "pass --keys FILE, or see `smile-sec audit --help` for the key file's shape",
        ));
    };
    tell_where_the_key_file_came_from(args.keys.as_deref());
    let (file, text, mode) = load(&path)?;
    // The command line sets a number for every key: it beats the per-environment overrides.
    let mut policy = file.policy;
    let mut overrides = file.overrides;
    if let Some(days) = args.max_age.or(args.max_age_days) {
        policy.max_age_days = days;
        overrides.production.max_age_days = None;
        overrides.sandbox.max_age_days = None;
    }
    if let Some(days) = args.warn_days {
        policy.warn_days = days;
        overrides.production.warn_days = None;
        overrides.sandbox.warn_days = None;
    }
    let secret_files_open: Vec<Option<bool>> = file
        .keys
        .iter()
        .map(|entry| match &entry.secret {
            SecretSource::File(written) => file
                .secret_path(written)
                .ok()
                .and_then(|real| std::fs::metadata(real).ok())
                .filter(std::fs::Metadata::is_file)
                .and_then(|meta| open_to_others(&meta)),
            _ => None,
        })
        .collect();

    let mut secrets = Vec::with_capacity(file.keys.len());
    let mut empty = Vec::new();
    for entry in &file.keys {
        secrets.push(match entry.secret {
            SecretSource::None => Secret::NotNamed,
            _ => match file.resolve_secret(entry) {
                Ok(key) => Secret::Digest(key.digest()),
                // An empty key is an error wherever it stands, as `verify` and `sign` say: a
                // secret store that answered nothing (a CI secret a job was not given) passes
                // no audit. The other keys are audited all the same, and this one on its
                // metadata, so that an expired key is not hidden behind it.
                Err(e @ SecretError::Key(KeyError::Empty)) => {
                    empty.push(format!(
                        "key `{}` in {}: {e}",
                        entry.id,
                        input::shown(&path)
                    ));
                    Secret::Unresolved(e.to_string())
                }
                Err(e) => Secret::Unresolved(e.to_string()),
            },
        });
    }
    let report = audit::audit(
        &file,
        &secrets,
        &Settings {
            now: args.clock.now(),
            policy,
            overrides,
            file_exposed: mode.map(|(readable, _)| readable),
            file_open: mode.map(|(_, open)| open),
            secret_files_open,
        },
    );
    drop(secrets);
    if report.keys.is_empty() {
        output::warn(format_args!("{} lists no keys", path.display()));
    }
    render::unresolved_warning(&report);
    Ok((report, path, text, empty))
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (report, path, text, empty) = audited(&args).inspect_err(|e| {
        let report = match args.format {
            Format::Junit => render::UnusableReport::Junit,
            Format::Github => render::UnusableReport::Annotation,
            Format::Text | Format::Json | Format::Sarif => render::UnusableReport::Nothing,
        };
        if let Err(written) = render::unusable(report, &format!("{e:#}")) {
            output::warn(format_args!("cannot report the error as asked: {written}"));
        }
    })?;
    let ids: Vec<&str> = report.keys.iter().map(|k| k.id.as_str()).collect();
    let lines = text
        .as_deref()
        .map(|t| audit::id_lines(t, &ids))
        .unwrap_or_else(|| vec![None; ids.len()]);
    let mut out = Printer::new();
    let shown = Shown {
        report: &report,
        path: &path,
        lines: &lines,
    };
    let outcome = if !empty.is_empty() {
        Outcome::Error
    } else if report.fails(args.fail_on.into()) {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    // Keys printed in the file's order, one at a time: a closed output ends the run with the
    // verdict of those. (Text puts the most urgent first, so its first line carries the
    // verdict; a SARIF or JUnit document cut short is no document, and keeps the audit's.)
    let mut keys_out = None;
    let printed = match args.format {
        Format::Text => render::text(&mut out, &shown),
        Format::Json => render::json(&mut out, &report, keys_out.insert(0)),
        Format::Sarif => render::sarif(&mut out, &shown),
        Format::Github => render::github(&mut out, &shown, keys_out.insert(0)),
        Format::Junit => render::junit(&mut out, &report, args.fail_on.into()),
    }
    .and_then(|()| out.flush());
    if let Err(e) = render::step_summary(&report, &path, args.fail_on.into()) {
        output::warn(format_args!(
            "cannot append to the job summary (${STEP_SUMMARY_ENV}): {e}"
        ));
    }
    for message in &empty {
        output::item_error(format_args!("{message}"));
    }
    match printed {
        Ok(()) => Ok(outcome),
        // A closed output (`| head -1`) ends the run quietly, with the verdict of what was
        // printed: `set -o pipefail` must never turn a failure it showed into success.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(match keys_out {
            Some(n)
                if !report.keys[..n]
                    .iter()
                    .any(|k| k.fails(args.fail_on.into())) =>
            {
                Outcome::Pass
            }
            Some(_) => Outcome::Fail,
            None => outcome,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Whether group or others can read, and whether they can read or write, a file.
type Mode = Option<(bool, bool)>;

/// Reads the key file once: its parsed contents, its text (for line numbers) and what group and
/// others can do with it (asked of the open file, so it is the file that was read).
fn load(path: &Path) -> anyhow::Result<(KeyFile, Option<String>, Mode)> {
    let read_error = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let handle = input::open_regular(path).map_err(read_error)?;
    let meta = handle.metadata().map_err(read_error)?;
    let bytes = input::read_limited(handle, input::LIST_BYTES).map_err(read_error)?;
    let file = KeyFile::parse(path, &bytes)?;
    let text = String::from_utf8(bytes).ok();
    let mode = group_or_others_can_read(&meta).zip(open_to_others(&meta));
    Ok((file, text, mode))
}

#[cfg(unix)]
fn group_or_others_can_read(meta: &std::fs::Metadata) -> Option<bool> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o044 != 0)
}

/// Whether group or others can read or write the file.
#[cfg(unix)]
fn open_to_others(meta: &std::fs::Metadata) -> Option<bool> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o066 != 0)
}

#[cfg(not(unix))]
fn group_or_others_can_read(_meta: &std::fs::Metadata) -> Option<bool> {
    None
}

#[cfg(not(unix))]
fn open_to_others(_meta: &std::fs::Metadata) -> Option<bool> {
    None
}
