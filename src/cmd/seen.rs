//! `smile-sec seen`: looking after the replay store `verify --seen` keeps: its size and age
//! range, dropping expired entries now, importing the NDJSON record earlier versions kept, and
//! exporting entries. The stores themselves are `store`'s.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueHint};
use serde::Serialize;

use super::args::{ClockArgs, store_notices_told};
use crate::callbacks::store::{self, Entry, Keeps, ReplayStore, Stats, StoreError};
use crate::outcome::Outcome;
use crate::output::{self, Printer};

/// Look after a replay store: count, prune, import, export
///
/// STORE is what `verify --seen` takes: an SQLite file or a redis:// or rediss:// URL. Entries
/// expire by themselves (SQLite deletes them as runs go, Redis lets the keys expire); `prune`
/// drops the expired ones at once.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  smile-sec seen stats seen.db
  smile-sec seen import seen.db old-seen.ndjson
  smile-sec seen import redis://127.0.0.1:6379/0 seen.db
  smile-sec seen export redis://127.0.0.1:6379/0 > entries.ndjson")]
pub struct Args {
    #[command(subcommand)]
    pub command: SeenCommand,
}

#[derive(Debug, Subcommand)]
pub enum SeenCommand {
    /// Entry count, oldest and newest `seen_at`, and how long entries are kept
    Stats {
        #[command(flatten)]
        store: StoreArg,
        /// `json`: one object ("engine", "entries", "oldest_seen_at", "newest_seen_at", ...)
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Drop the entries that have expired (by --now or the clock)
    Prune {
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        clock: ClockArgs,
        /// `json`: one object with "pruned" and "entries" (those left)
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store
    /// (STORE is created when missing)
    ///
    /// A copy carries the other store's salt and window, so its entries still catch replays and
    /// tell resends apart: STORE must be new (a path where nothing is yet, a Redis database that
    /// holds no store), or a copy of the same store. This is how a store moves from SQLite to
    /// Redis when more receivers share it. What `seen export` prints cannot be imported: it
    /// leaves the salt out.
    Import {
        #[command(flatten)]
        store: StoreArg,
        /// The former record ("-" for stdin), or a store to copy: an SQLite file or a redis://
        /// or rediss:// URL
        #[arg(value_name = "SOURCE", default_value = "-", value_hint = ValueHint::AnyPath)]
        source: PathBuf,
        #[command(flatten)]
        clock: ClockArgs,
        /// `json`: one object ("read", "imported", "already_present", "skipped")
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print every entry as NDJSON (body digests are keyed: comparable only within this store)
    Export {
        #[command(flatten)]
        store: StoreArg,
        /// Entries are NDJSON either way; `json` ends with a `{"type":"summary","entries":N}` line
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, clap::Args)]
pub struct StoreArg {
    /// An SQLite file or a redis:// or rediss:// URL
    #[arg(value_name = "STORE", value_hint = ValueHint::FilePath)]
    pub store: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Entries handed to the store at a time on import: one transaction or pipeline each.
const IMPORT_CHUNK: usize = 10_000;

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut out = Printer::new();
    match args.command {
        SeenCommand::Stats { store, format } => {
            let stats = open(&store.store, false)?
                .stats()
                .map_err(StoreError::reported)?;
            print_stats(&mut out, &store.store, &stats, format)?;
        }
        SeenCommand::Prune {
            store,
            clock,
            format,
        } => {
            let mut opened = open(&store.store, false)?;
            let pruned = opened.prune(clock.now()).map_err(StoreError::reported)?;
            let left = opened.stats().map_err(StoreError::reported)?.entries;
            match format {
                Format::Json => out.json(&Pruned {
                    pruned,
                    entries: left,
                })?,
                Format::Text => out.line(format_args!(
                    "pruned {pruned} expired entr{}; {left} left",
                    if pruned == 1 { "y" } else { "ies" }
                ))?,
            }
        }
        SeenCommand::Import {
            store,
            source,
            clock,
            format,
        } => {
            let now = clock.now();
            let (imported, verb) = match store_source(&source)? {
                Some(from) => (copy(&store.store, from, now)?, "copied"),
                None => (import_record(&store.store, &source, now)?, "imported"),
            };
            match format {
                Format::Json => out.json(&imported)?,
                // The store's name comes from the command line: escaped, as all input is.
                Format::Text => out.text(format_args!(
                    "{verb} {} of {} entries into {} ({} already present or expired)",
                    imported.imported,
                    imported.read,
                    store::spec_name(&store.store),
                    imported.already_present
                ))?,
            }
            if let Some(damage) = &imported.damaged {
                out.flush()?;
                output::item_error(format_args!("{damage}"));
                return Ok(Outcome::Error);
            }
        }
        SeenCommand::Export { store, format } => {
            let mut opened = open(&store.store, false)?;
            let mut failed = None;
            let mut entries = 0u64;
            let result = opened.export(&mut |entry: Entry| {
                entries += 1;
                out.json(&Exported::of(&entry))
                    .inspect_err(|e| failed = Some(io::Error::new(e.kind(), e.to_string())))
            });
            if let Some(e) = failed {
                return Err(e.into());
            }
            result.map_err(StoreError::reported)?;
            if format == Format::Json {
                out.json(&ExportSummary {
                    kind: "summary",
                    entries,
                })?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Pass)
}

/// The store `source` names, when it is one (a Redis URL, or an SQLite file), rather than the
/// former record.
fn store_source(source: &Path) -> anyhow::Result<Option<&str>> {
    let text = source.to_str();
    if text.is_some_and(store::is_redis_url) {
        return Ok(text);
    }
    if source.as_os_str() == "-" {
        return Ok(None);
    }
    match (store::sqlite::is_sqlite_file(source), text) {
        (false, _) => Ok(None),
        (true, Some(path)) => Ok(Some(path)),
        (true, None) => bail!("{}: a store's path must be UTF-8", source.display()),
    }
}

/// Copies every entry of the store `from` into `into` (made, when missing, with `from`'s salt,
/// so that the copied body digests still compare), kept at least as long as `from` keeps them.
fn copy(into: &str, from: &str, now: DateTime<Utc>) -> anyhow::Result<Imported> {
    let mut source = open(from, false)?;
    let basis = source.basis().map_err(StoreError::reported)?;
    store_notices_told(into, true);
    let mut target = store::open_copy(into, &basis, now).map_err(StoreError::reported)?;
    let (mut read, mut added) = (0u64, 0u64);
    let mut chunk = Vec::with_capacity(IMPORT_CHUNK);
    let mut failed = None;
    let exported = source.export(&mut |entry| {
        chunk.push(entry);
        if chunk.len() >= IMPORT_CHUNK {
            read += chunk.len() as u64;
            match target.copy_in(now, &chunk) {
                Ok(n) => added += n,
                Err(e) => {
                    failed = Some(e);
                    return Err(io::Error::other("the store copied into failed"));
                }
            }
            chunk.clear();
        }
        Ok(())
    });
    if let Some(e) = failed {
        return Err(e.reported());
    }
    exported.map_err(StoreError::reported)?;
    read += chunk.len() as u64;
    added += target.copy_in(now, &chunk).map_err(StoreError::reported)?;
    Ok(Imported {
        read,
        imported: added,
        already_present: read - added,
        skipped: 0,
        damaged: None,
    })
}

/// Imports the NDJSON record an earlier `verify --seen FILE` kept (`-`: from stdin).
fn import_record(into: &str, record: &Path, now: DateTime<Utc>) -> anyhow::Result<Imported> {
    let name = crate::input::shown(record);
    let input: Box<dyn Read> = if record.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(record).with_context(|| format!("cannot read {name}"))?;
        if !file.metadata()?.is_file() {
            bail!("cannot read {name}: it is not a regular file");
        }
        Box::new(file)
    };
    let mut input = BufReader::with_capacity(1 << 16, crate::input::WholeMark::new(input));
    // A record an editor on Windows saved starts with a byte-order mark.
    crate::input::skip_bom(&mut input).with_context(|| format!("cannot read {name}"))?;
    // The whole first line that is not blank, however the source's reads split it (a pipe's
    // may be short).
    let mut head = Vec::new();
    while head.iter().all(u8::is_ascii_whitespace) && head.len() < 64 << 10 {
        let read = store::ndjson::bounded_line(&mut input, &mut head)
            .with_context(|| format!("cannot read {name}"))?;
        if read == 0 {
            break;
        }
    }
    if store::ndjson::looks_like_export(&head) {
        return Err(output::hinted(
            format!(
                "{}: this is what `seen export` prints: its body digests are keyed by its store's \
                 salt, which an export leaves out, so no other store could compare them",
                name
            ),
            "copy the store itself: smile-sec seen import NEW_STORE OLD_STORE (a path or a redis:// URL)",
        ));
    }
    // Opened (made, when missing) with the first entries: a record with none leaves no empty
    // store behind.
    let mut opened: Option<Box<dyn ReplayStore>> = None;
    let mut unusable = None;
    let (mut read, mut added) = (0u64, 0u64);
    let input = io::Cursor::new(head).chain(input);
    let imported = store::ndjson::read(input, IMPORT_CHUNK, |chunk| {
        let target = match &mut opened {
            Some(target) => target,
            None => match open(into, true) {
                Ok(target) => opened.insert(target),
                Err(e) => {
                    unusable = Some(e);
                    bail!("the store cannot be used");
                }
            },
        };
        read += chunk.len() as u64;
        added += target.import(now, &chunk).map_err(StoreError::reported)?;
        Ok(())
    });
    if let Some(e) = unusable {
        return Err(e);
    }
    let skipped = imported.with_context(|| format!("cannot import {name}"))?;
    if skipped.partial_last {
        output::warn(format_args!(
            "{}: its last line is cut short, as an interrupted run leaves it, and was skipped",
            name
        ));
    }
    let damaged = skipped.damaged;
    let skipped_lines = skipped.count();
    if read == 0 && skipped_lines > 0 {
        return Err(output::hinted(
            format!("{name}: no entry of the former --seen record found"),
            "seen import reads the NDJSON record an earlier `verify --seen FILE` kept, or copies \
             another store",
        ));
    }
    if opened.is_none() {
        // An empty record: the store is still made, or checked, as asked.
        open(into, true)?;
    }
    Ok(Imported {
        read,
        imported: added,
        already_present: read - added,
        skipped: skipped_lines,
        damaged: (damaged > 0).then(|| {
            let mut lines: Vec<String> =
                skipped.first_damaged.iter().map(u64::to_string).collect();
            let more = damaged - skipped.first_damaged.len() as u64;
            if more > 0 {
                lines.push(format!("{more} more"));
            }
            format!(
                "{}: {damaged} line(s) are not entries of the former record (line {}): the \
                 callbacks recorded there were not imported, and replays of them will not be caught",
                name,
                lines.join(", ")
            )
        }),
    })
}

fn open(spec: &str, create: bool) -> anyhow::Result<Box<dyn ReplayStore>> {
    store_notices_told(spec, create);
    store::open_unwindowed(spec, create).map_err(StoreError::reported)
}

fn print_stats(out: &mut Printer, spec: &str, s: &Stats, format: Format) -> io::Result<()> {
    let engine = if store::is_redis_url(spec) {
        "redis"
    } else {
        "sqlite"
    };
    if format == Format::Json {
        return out.json(&StatsLine { engine, stats: s });
    }
    let none = "-";
    out.line(format_args!("engine          {engine}"))?;
    out.line(format_args!("entries         {}", s.entries))?;
    out.line(format_args!(
        "oldest_seen_at  {}",
        s.oldest_seen_at.as_deref().unwrap_or(none)
    ))?;
    out.line(format_args!(
        "newest_seen_at  {}",
        s.newest_seen_at.as_deref().unwrap_or(none)
    ))?;
    let kept = match s.keeps {
        Keeps::Unset => "until a run with --max-age sets a window".to_owned(),
        Keeps::Forever => {
            "for ever (a run without --max-age used the store: nothing turns stale)".to_owned()
        }
        Keeps::Window { .. } => format!(
            "{} s after seen_at (widest --max-age plus --max-future used)",
            s.keeps.span_ms().unwrap_or(0) / 1000
        ),
    };
    out.line(format_args!("kept            {kept}"))
}

#[derive(Serialize)]
struct StatsLine<'a> {
    engine: &'static str,
    #[serde(flatten)]
    stats: &'a Stats,
}

#[derive(Serialize)]
struct Pruned {
    pruned: u64,
    entries: u64,
}

#[derive(Serialize)]
struct Imported {
    read: u64,
    imported: u64,
    already_present: u64,
    skipped: u64,
    /// Why the import fails after importing what it could: lines of the record that are damaged.
    #[serde(skip)]
    damaged: Option<String>,
}

/// An entry as `seen export` prints it.
#[derive(Serialize)]
struct Exported<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    partner_id: Option<&'a str>,
    timestamp: &'a str,
    /// The pair's name, in hex: the first 16 bytes of SHA-256 of the decoded signature.
    pair: String,
    /// The keyed body digest, in hex: comparable only within the store that made it.
    body_hmac: String,
    seen_at: String,
    /// `None`: kept for ever.
    expires_at: Option<String>,
}

impl<'a> Exported<'a> {
    fn of(entry: &'a Entry) -> Self {
        Exported {
            kind: "entry",
            partner_id: entry.partner_id.as_deref(),
            timestamp: &entry.timestamp,
            pair: hex::encode(entry.pair.0),
            body_hmac: hex::encode(entry.body_hmac),
            seen_at: store::ms_text(entry.seen_at_ms),
            expires_at: entry.expires_at_ms.map(store::ms_text),
        }
    }
}

#[derive(Serialize)]
struct ExportSummary {
    #[serde(rename = "type")]
    kind: &'static str,
    entries: u64,
}
