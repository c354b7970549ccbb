//! `smile-sec allowlist`: the callback-source list, or a snippet for a server or firewall.
//! Also the `--env`/`--allowlist` flags `ip-check` shares. Glue only: the list
//! is `allowlist`'s, the snippets are `snippet`'s.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::ValueHint;
use serde::Serialize;

use crate::input;
use crate::ip::allowlist::Allowlist;
use crate::ip::snippet::{self, Stamp, Target};
use crate::keys::keyfile::Environment;
use crate::outcome::Outcome;
use crate::output::{Printer, hinted};

/// Print Smile ID's callback source addresses, or a server or firewall snippet allowing only them
///
/// The built-in list is Smile ID's published callback sources (documentation, "Security
/// Overview"), each labelled production or sandbox. Every snippet is stamped with the list's source
/// and date as comments (annotations for Kubernetes). The text output is itself a valid
/// --allowlist file.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec allowlist
  smile-sec allowlist --env production --emit nginx > /etc/nginx/snippets/smile-id.conf
  smile-sec allowlist --emit nftables --port 8443 > smile-id.nft && nft -f smile-id.nft
  smile-sec allowlist --emit k8s | kubectl apply -n payments -f -")]
pub struct Args {
    #[command(flatten)]
    pub list: ListArgs,

    /// What to print: the list (text, json) or a snippet for a server or firewall
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub emit: Option<Emit>,

    /// Output format, as --emit text|json (default: text); with a snippet's --emit, only text
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// The callback port, for the iptables, nftables and k8s rules
    #[arg(long, value_name = "N", default_value_t = 443, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
}

/// `--env` and `--allowlist`, shared with `ip-check`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Which environment's callback sources to allow
    #[arg(long, value_enum, value_name = "ENV", default_value_t = EnvFilter::All)]
    pub env: EnvFilter,

    /// Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines.
    /// With --env, only entries labelled production or sandbox are kept.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub allowlist: Option<PathBuf>,
}

/// `--env production|sandbox|all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFilter {
    Production,
    Sandbox,
    All,
}

impl EnvFilter {
    fn environment(self) -> Option<Environment> {
        match self {
            EnvFilter::Production => Some(Environment::Production),
            EnvFilter::Sandbox => Some(Environment::Sandbox),
            EnvFilter::All => None,
        }
    }

    fn scope(self) -> &'static str {
        match self {
            EnvFilter::Production => "production",
            EnvFilter::Sandbox => "sandbox",
            EnvFilter::All => "production and sandbox",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One entry per line with its label, after `#` lines naming the source and date
    Text,
    /// NDJSON: one entry object per line, then a summary with the source and date
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// One entry per line with its label (a valid --allowlist file)
    Text,
    /// NDJSON entries, then a summary with the source and date
    Json,
    /// `allow ...; deny all;` for a server or location block
    Nginx,
    /// `Require ip` lines in a <RequireAny> block (Apache 2.4)
    Apache,
    /// iptables/ip6tables commands: a chain accepting only these sources on --port
    Iptables,
    /// An nftables table dropping traffic to --port from any other source (`nft -f`)
    Nftables,
    /// An HAProxy `acl` on `src` and an `http-request deny`
    Haproxy,
    /// A Kubernetes NetworkPolicy with one ipBlock per entry
    K8s,
}

impl ListArgs {
    /// The list to check against, and a phrase saying what it holds.
    pub fn load(&self) -> anyhow::Result<(Allowlist, String)> {
        let Some(path) = &self.allowlist else {
            return Ok((
                Allowlist::built_in(self.env.environment()),
                self.env.scope().to_owned(),
            ));
        };
        let name = input::shown(path).into_owned();
        let bytes = input::read_file(path, input::LIST_BYTES)
            .with_context(|| format!("cannot read {name}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("cannot read {name}: it is not UTF-8 text"))?;
        let date = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map(|t| {
                format!(
                    "{} (file modified)",
                    DateTime::<Utc>::from(t).format("%Y-%m-%d")
                )
            })
            .unwrap_or_else(|_| "unknown".to_owned());
        let mut list = Allowlist::parse_file(&text, name.clone(), date)
            .with_context(|| format!("invalid allowlist {name}"))?;
        let scope = match self.env.environment() {
            Some(env) => {
                list.retain_env(env);
                format!("{env} entries of {name}")
            }
            None => format!("entries of {name}"),
        };
        if list.entries().is_empty() {
            match self.env.environment() {
                Some(env) => bail!("no entry of {name} is labelled {env}"),
                None => bail!("{name} has no entries"),
            }
        }
        Ok((list, scope))
    }
}

#[derive(Serialize)]
struct EntryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    entry: String,
    label: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    entries: usize,
    scope: &'a str,
    source: &'a str,
    date: &'a str,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (list, scope) = args.list.load()?;
    let emit = match (args.emit, args.format) {
        (None, Some(Format::Json)) => Emit::Json,
        (None, _) => Emit::Text,
        (Some(emit), None) => emit,
        // Every snippet is text; only the list itself is JSON.
        (Some(emit), Some(format)) if (emit == Emit::Json) == (format == Format::Json) => emit,
        (Some(emit), Some(format)) => {
            let name = |value: Option<clap::builder::PossibleValue>| {
                value.map_or_else(String::new, |v| v.get_name().to_owned())
            };
            return Err(hinted(
                format!(
                    "--emit {} and --format {} disagree",
                    name(clap::ValueEnum::to_possible_value(&emit)),
                    name(clap::ValueEnum::to_possible_value(&format))
                ),
                "give one of them",
            ));
        }
    };
    let mut out = Printer::new();
    let target = match emit {
        Emit::Text => {
            let stamp = stamp(&scope, "smile-sec allowlist", args.port);
            let mut text = String::new();
            snippet::header(&mut text, &list, &stamp);
            out.raw(&text)?;
            for entry in list.entries() {
                out.text(format_args!("{entry}"))?;
            }
            out.flush()?;
            return Ok(Outcome::Pass);
        }
        Emit::Json => {
            for entry in list.entries() {
                out.json(&EntryLine {
                    kind: "entry",
                    entry: entry.net.to_string(),
                    label: entry.label.as_deref(),
                })?;
            }
            out.json(&Summary {
                kind: "summary",
                entries: list.entries().len(),
                scope: &scope,
                source: &list.source,
                date: &list.date,
            })?;
            out.flush()?;
            return Ok(Outcome::Pass);
        }
        Emit::Nginx => Target::Nginx,
        Emit::Apache => Target::Apache,
        Emit::Iptables => Target::Iptables,
        Emit::Nftables => Target::Nftables,
        Emit::Haproxy => Target::Haproxy,
        Emit::K8s => Target::Kubernetes,
    };
    let command = format!(
        "smile-sec allowlist --env {} --emit {}",
        match args.list.env {
            EnvFilter::Production => "production",
            EnvFilter::Sandbox => "sandbox",
            EnvFilter::All => "all",
        },
        clap::ValueEnum::to_possible_value(&emit)
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    );
    out.raw(&snippet::render(
        &list,
        target,
        &stamp(&scope, &command, args.port),
    ))?;
    out.flush()?;
    Ok(Outcome::Pass)
}

fn stamp<'a>(scope: &'a str, command: &'a str, port: u16) -> Stamp<'a> {
    Stamp {
        scope,
        command,
        port,
    }
}
