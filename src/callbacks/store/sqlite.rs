//! The embedded replay store: one SQLite file, shared by any number of processes on one machine.
//!
//! One table of entries keyed by the timestamp and the pair's name (the signature binds the
//! timestamp, so the pair's name alone would do; leading with the timestamp keeps the entries of
//! callbacks that arrive in time order together, so a commit writes few pages), with the keyed
//! body digest, `seen_at` and `expires_at` (milliseconds since the epoch; NULL: kept for ever)
//! and an index on `expires_at` of the entries that expire (those kept for ever are never looked
//! for by it, so they cost it nothing); a meta table with the salt and the widest window the store has been used with. The file is
//! marked as ours in its header (`application_id`, `user_version`), so that it is told apart
//! from any other SQLite database before anything is written.
//!
//! A batch of claims is one `BEGIN IMMEDIATE` transaction of `INSERT ... ON CONFLICT DO NOTHING`
//! (the atomic insert-if-absent) and one durable commit: WAL with `synchronous = FULL`, so a
//! committed claim survives a crash of the process and of the machine.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql, Transaction, TransactionBehavior};

use super::{
    Basis, BodyKey, Claim, DigestClaim, Entry, Imported, Keeping, Keeps, ReplayStore, Stats,
    StoreError, ms_ceil, ms_text, ndjson, new_salt,
};
use crate::callbacks::replay::PairId;
use crate::callbacks::verdict::Window;

/// `PRAGMA application_id` of our stores: "SmSe".
pub const APPLICATION_ID: i32 = 0x536D_5365;
/// `PRAGMA user_version`: the layout below.
const SCHEMA_VERSION: i32 = 1;

const SCHEMA: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE seen (
    timestamp TEXT NOT NULL,
    pair BLOB NOT NULL,
    partner_id TEXT,
    body BLOB NOT NULL,
    seen_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (timestamp, pair)
) WITHOUT ROWID;
CREATE INDEX seen_expires_at ON seen (expires_at) WHERE expires_at IS NOT NULL;
";

const INSERT: &str = "INSERT INTO seen (pair, partner_id, timestamp, body, seen_at, expires_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";
/// Claims inserted by one statement in the common case: a statement per claim costs about as
/// much as the insert itself.
const CLAIMS_PER_INSERT: usize = 64;

/// One `INSERT` of [`CLAIMS_PER_INSERT`] claims seen at `?1`, expiring at `?2`.
fn group_insert() -> String {
    let rows: Vec<String> = (0..CLAIMS_PER_INSERT)
        .map(|i| {
            format!(
                "(?{}, ?{}, ?{}, ?{}, ?1, ?2)",
                3 + 4 * i,
                4 + 4 * i,
                5 + 4 * i,
                6 + 4 * i
            )
        })
        .collect();
    format!(
        "INSERT INTO seen (pair, partner_id, timestamp, body, seen_at, expires_at) VALUES {} \
         ON CONFLICT DO NOTHING",
        rows.join(", ")
    )
}

const KEPT_BODY: &str = "SELECT body FROM seen WHERE timestamp = ?1 AND pair = ?2";

/// How long to wait for another process's transaction before giving up (the store is then
/// reported unavailable, and nothing is reported `ok` unrecorded).
const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(30);

/// Expired entries are deleted on the way of the claims, by a run's first batch and then at most
/// this often: a busy gate commits many small batches a second, and the delete is a query of its
/// own (planned again each time, since its bound moves).
const EXPIRY_EVERY: StdDuration = StdDuration::from_secs(1);

/// The lowest limit on how many expired entries one delete takes. The limit is twice what was
/// claimed since the delete before when that is more, so expiry keeps up with any rate of claims,
/// and a large backlog (a store unused for long) is spread over the runs.
const DELETE_LIMIT_FLOOR: usize = 1024;

#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// The path, for messages.
    name: String,
    path: PathBuf,
    /// The file the store was opened as, checked after every commit: a store deleted or
    /// replaced while in use keeps taking commits into a file no other run will see, so a run
    /// would report callbacks recorded that the next run cannot find.
    identity: Option<(u64, u64)>,
    /// What body digests are keyed with (`body_key`), kept for a copy into another store.
    salt: [u8; 32],
    body_key: BodyKey,
    window: Option<Window>,
    /// The text of [`group_insert`], made once.
    group_insert: String,
    /// When this connection last deleted expired entries, and what it claimed since.
    last_expiry: Option<std::time::Instant>,
    claimed_since_expiry: usize,
}

/// What is at the store's path before it is opened: a store is made whole under another name
/// and linked into place, so that anything else at the path is someone else's.
enum Found {
    Missing,
    Ours,
}

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` begins as a SQLite database does (ours or not).
pub fn is_sqlite_file(path: &Path) -> bool {
    let mut head = [0; 16];
    std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut head))
        .is_ok_and(|()| &head == SQLITE_MAGIC)
}

impl SqliteStore {
    /// Opens the store at `path` for a run with `window`, or (`None`) to look after it; a missing
    /// one is made when `create` says so, with `salt` (`None`: a random one).
    pub fn open(
        path: &Path,
        window: Option<Window>,
        create: bool,
        salt: Option<&[u8; 32]>,
    ) -> Result<Self, StoreError> {
        // A missing path that looks like an API key is named by its fingerprint (and warned
        // about: `permission_notices`).
        let name = crate::input::shown(path).into_owned();
        refuse_linked_companions(path, &name)?;
        match inspect(path, &name)? {
            Found::Missing if !create => {
                return Err(StoreError::unavailable(&name, "no such file"));
            }
            Found::Missing => {
                refuse_orphan_companions(path, &name)?;
                create_store(path, &name, salt)?;
            }
            Found::Ours => {}
        }
        refuse_unwritable(path, &name)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let fail = |e: rusqlite::Error| StoreError::unavailable(&name, e);
        let identity = file_identity(path).map_err(|e| StoreError::unavailable(&name, e))?;
        let mut conn = Connection::open_with_flags(path, flags).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        let salt = init(&mut conn, &name, None)?;
        // Persistent, and set only once the file is known to be ours (a new store has it
        // already; one made by an older version may not).
        set_wal(&conn, &name)?;
        let store = SqliteStore {
            conn,
            name,
            path: path.to_owned(),
            identity,
            salt,
            body_key: BodyKey::new(&salt),
            window,
            group_insert: group_insert(),
            last_expiry: None,
            claimed_since_expiry: 0,
        };
        // Taken before the file was opened: one swapped in meanwhile is not the one open.
        store.still_in_place()?;
        if window.is_some() {
            // Any re-dating of entries a wider window brings happens here, not in a batch.
            let tx = store.begin()?;
            store.keeps(&tx)?;
            tx.commit().map_err(|e| store.fail(e))?;
        }
        Ok(store)
    }

    fn fail(&self, e: rusqlite::Error) -> StoreError {
        StoreError::unavailable(&self.name, e)
    }

    /// Whether the store's path still names the file it was opened as (see `identity`).
    fn still_in_place(&self) -> Result<(), StoreError> {
        match file_identity(&self.path) {
            Ok(identity) if identity == self.identity => Ok(()),
            _ => Err(StoreError::unavailable(
                &self.name,
                "its file was removed or replaced while in use, so what was claimed since is not \
                 at its path",
            )),
        }
    }

    /// Inserts each claim unless its pair is held already, and tells which were new.
    fn insert_claims(
        &self,
        tx: &Transaction<'_>,
        claims: &[DigestClaim<'_>],
        seen_at: i64,
        expires_at: Option<i64>,
    ) -> Result<Vec<Claim>, StoreError> {
        let fail = |e| self.fail(e);
        let mut answers = Vec::with_capacity(claims.len());
        let bodies: Vec<[u8; 32]> = claims
            .iter()
            .map(|claim| self.body_key.digest(&claim.body))
            .collect();
        let mut group_insert = tx.prepare_cached(&self.group_insert).map_err(fail)?;
        let mut savepoint = tx.prepare_cached("SAVEPOINT claim_group").map_err(fail)?;
        let mut release = tx.prepare_cached("RELEASE claim_group").map_err(fail)?;
        let mut undo = tx.prepare_cached("ROLLBACK TO claim_group").map_err(fail)?;
        let mut insert = tx.prepare_cached(INSERT).map_err(fail)?;
        let mut kept = tx.prepare_cached(KEPT_BODY).map_err(fail)?;
        for (group, bodies) in claims
            .chunks(CLAIMS_PER_INSERT)
            .zip(bodies.chunks(CLAIMS_PER_INSERT))
        {
            // All new, as nearly every group is: one statement for the group. A group with a
            // claim already held (or held twice) is undone and claimed one by one, to tell
            // which claims were new.
            if group.len() == CLAIMS_PER_INSERT {
                savepoint.execute([]).map_err(fail)?;
                let mut params: Vec<&dyn ToSql> = Vec::with_capacity(2 + 4 * group.len());
                params.extend([&seen_at as &dyn ToSql, &expires_at]);
                for (claim, body) in group.iter().zip(bodies) {
                    params.extend([
                        &claim.pair.0 as &dyn ToSql,
                        &claim.partner_id,
                        &claim.timestamp,
                        body,
                    ]);
                }
                let inserted = group_insert.execute(&params[..]).map_err(fail)?;
                if inserted == group.len() {
                    release.execute([]).map_err(fail)?;
                    answers.extend(group.iter().map(|_| Claim::New));
                    continue;
                }
                undo.execute([]).map_err(fail)?;
                release.execute([]).map_err(fail)?;
            }
            for (claim, body) in group.iter().zip(bodies) {
                let inserted = insert
                    .execute((
                        &claim.pair.0[..],
                        claim.partner_id,
                        claim.timestamp,
                        &body[..],
                        seen_at,
                        expires_at,
                    ))
                    .map_err(fail)?;
                answers.push(if inserted == 1 {
                    Claim::New
                } else {
                    let earlier: Vec<u8> = kept
                        .query_row((claim.timestamp, &claim.pair.0[..]), |r| r.get(0))
                        .map_err(fail)?;
                    if earlier == body {
                        Claim::Resend
                    } else {
                        Claim::Replay
                    }
                });
            }
        }
        Ok(answers)
    }

    fn begin(&self) -> Result<Transaction<'_>, StoreError> {
        // `unchecked`: the connection is borrowed shared; one transaction at a time is ours to keep.
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.fail(e))
    }

    /// The window entries are kept by, widened (and every entry re-dated) when this run's is
    /// wider. Read in every transaction: another process may have widened it meanwhile.
    fn keeps(&self, tx: &Transaction<'_>) -> Result<Keeps, StoreError> {
        let text: Option<String> = tx
            .prepare_cached("SELECT value FROM meta WHERE name = 'keeps'")
            .and_then(|mut select| select.query_row([], |r| r.get(0)).optional())
            .map_err(|e| self.fail(e))?;
        let kept = text
            .as_deref()
            .and_then(Keeps::decode)
            .ok_or_else(|| StoreError::damaged(&self.name, "its kept window is unreadable"))?;
        let Some(window) = self.window else {
            return Ok(kept);
        };
        let wider = kept.widen(window);
        if wider != kept {
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE name = 'keeps'",
                [wider.encode()],
            )
            .map_err(|e| self.fail(e))?;
            // NULL (kept for ever) when the window has no end; an entry kept longer already (a
            // copy of another store's) keeps its own.
            tx.execute(
                "UPDATE seen SET expires_at = CASE
                    WHEN ?1 IS NULL THEN NULL
                    WHEN expires_at IS NULL THEN seen_at + ?1
                    ELSE max(expires_at, seen_at + ?1) END",
                [wider.span_ms()],
            )
            .map_err(|e| self.fail(e))?;
        }
        Ok(wider)
    }
}

impl ReplayStore for SqliteStore {
    fn ping(&mut self) -> Result<(), StoreError> {
        let tx = self.begin()?;
        tx.query_row("SELECT count(*) FROM meta", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.fail(e))?;
        tx.rollback().map_err(|e| self.fail(e))?;
        self.still_in_place()
    }

    fn claim_digests(
        &mut self,
        now: DateTime<Utc>,
        claims: &[DigestClaim<'_>],
    ) -> Result<Vec<Claim>, StoreError> {
        let seen_at = ms_ceil(now);
        let expiry_due = self
            .last_expiry
            .is_none_or(|last| last.elapsed() >= EXPIRY_EVERY);
        let most = DELETE_LIMIT_FLOOR.max(2 * (self.claimed_since_expiry + claims.len()));
        let tx = self.begin()?;
        let keeps = self.keeps(&tx)?;
        let fail = |e| StoreError::unavailable(&self.name, e);
        if expiry_due {
            // By this run's now or the machine's clock, whichever is earlier: a run told a now
            // ahead of the clock (a test with `--now` on the real store) must not delete entries
            // that runs on the clock still need.
            let expired_by = now.min(Utc::now());
            tx.prepare_cached(
                "DELETE FROM seen WHERE (timestamp, pair) IN
                    (SELECT timestamp, pair FROM seen WHERE expires_at < ?1 LIMIT ?2)",
            )
            .and_then(|mut delete| {
                delete.execute((
                    expired_by.timestamp_millis(),
                    i64::try_from(most).unwrap_or(i64::MAX),
                ))
            })
            .map_err(fail)?;
        }
        let expires_at = keeps.expires_at(seen_at);
        let answers = self.insert_claims(&tx, claims, seen_at, expires_at)?;
        tx.commit().map_err(fail)?;
        self.still_in_place()?;
        if expiry_due {
            self.last_expiry = Some(std::time::Instant::now());
            self.claimed_since_expiry = 0;
        } else {
            self.claimed_since_expiry += claims.len();
        }
        Ok(answers)
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(|e| self.fail(e))?;
        let keeps = self.keeps_read_only(&tx)?;
        let (entries, oldest, newest): (i64, Option<i64>, Option<i64>) = tx
            .query_row(
                "SELECT count(*), min(seen_at), max(seen_at) FROM seen",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.fail(e))?;
        Ok(Stats {
            entries: u64::try_from(entries).unwrap_or(0),
            oldest_seen_at: oldest.map(ms_text),
            newest_seen_at: newest.map(ms_text),
            keeps,
        })
    }

    fn prune(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let tx = self.begin()?;
        let dropped = tx
            .execute(
                "DELETE FROM seen WHERE expires_at < ?1",
                [now.timestamp_millis()],
            )
            .map_err(|e| self.fail(e))?;
        tx.commit().map_err(|e| self.fail(e))?;
        Ok(dropped as u64)
    }

    fn import(&mut self, now: DateTime<Utc>, entries: &[Imported]) -> Result<u64, StoreError> {
        let keyed = entries.iter().map(|e| e.keyed(&self.body_key));
        self.add(now, keyed, Keeping::ByWindow)
    }

    fn export(&mut self, each: &mut dyn FnMut(Entry) -> io::Result<()>) -> Result<(), StoreError> {
        let fail = |e| StoreError::unavailable(&self.name, e);
        let mut select = self
            .conn
            .prepare(
                "SELECT partner_id, timestamp, pair, body, seen_at, expires_at FROM seen
                 ORDER BY seen_at",
            )
            .map_err(fail)?;
        let mut rows = select.query([]).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let read = || -> rusqlite::Result<Entry> {
                Ok(Entry {
                    partner_id: row.get(0)?,
                    timestamp: row.get(1)?,
                    pair: PairId(row.get(2)?),
                    body_hmac: row.get(3)?,
                    seen_at_ms: row.get(4)?,
                    expires_at_ms: row.get(5)?,
                })
            };
            let entry = read().map_err(|e| StoreError::damaged(&self.name, e))?;
            each(entry).map_err(|e| StoreError::unavailable(&self.name, e))?;
        }
        Ok(())
    }

    fn basis(&mut self) -> Result<Basis, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(|e| self.fail(e))?;
        Ok(Basis {
            salt: self.salt,
            keeps: self.keeps_read_only(&tx)?,
        })
    }

    fn copy_in(&mut self, now: DateTime<Utc>, entries: &[Entry]) -> Result<u64, StoreError> {
        self.add(now, entries.iter().cloned(), Keeping::AtLeastOwn)
    }
}

impl SqliteStore {
    /// Adds the entries the store does not hold yet, kept as `keeping` says; those expired before
    /// `now` (or the clock, when earlier) are left out: one whose expiry is that very moment is
    /// kept. Returns how many were new.
    fn add(
        &self,
        now: DateTime<Utc>,
        entries: impl Iterator<Item = Entry>,
        keeping: Keeping,
    ) -> Result<u64, StoreError> {
        let tx = self.begin()?;
        let keeps = self.keeps(&tx)?;
        let fail = |e| StoreError::unavailable(&self.name, e);
        let now_ms = now.min(Utc::now()).timestamp_millis();
        let mut added = 0;
        {
            let mut insert = tx.prepare_cached(INSERT).map_err(fail)?;
            for entry in entries {
                let expires_at = keeping.expiry(&entry, keeps);
                if expires_at.is_some_and(|at| at < now_ms) {
                    // Expired already: a replay of it fails as stale.
                    continue;
                }
                added += insert
                    .execute((
                        &entry.pair.0[..],
                        entry.partner_id.as_deref(),
                        &entry.timestamp,
                        &entry.body_hmac[..],
                        entry.seen_at_ms,
                        expires_at,
                    ))
                    .map_err(fail)? as u64;
            }
        }
        tx.commit().map_err(fail)?;
        self.still_in_place()?;
        Ok(added)
    }

    fn keeps_read_only(&self, tx: &Transaction<'_>) -> Result<Keeps, StoreError> {
        let text: String = tx
            .query_row("SELECT value FROM meta WHERE name = 'keeps'", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.fail(e))?;
        Keeps::decode(&text)
            .ok_or_else(|| StoreError::damaged(&self.name, "its kept window is unreadable"))
    }
}

/// A word about a store that users other than its owner may write (they could delete its
/// entries, and replays of those would then pass), or about one `creates` would make under a name
/// like an API key's.
pub fn permission_notices(path: &Path, creates: bool) -> Vec<String> {
    // Made, not refused: names of words and numbers (`seen-store-2026-11`) can look the same, and
    // the key, if it is one, was on the command line already. The file's name would keep it.
    if creates
        && fs::symlink_metadata(path).is_err()
        && crate::input::looks_like_secret(&path.to_string_lossy())
    {
        return vec![format!(
            "replay store {}: its name looks like an API key; if a key was pasted there by \
             mistake, remove the store this run makes (and its -wal and -shm files) and rotate \
             the key",
            crate::input::shown(path)
        )];
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::symlink_metadata(path)
            && meta.is_file()
            && meta.permissions().mode() & 0o022 != 0
        {
            return vec![format!(
                "replay store {}: other users may write it (mode {:o}), and could delete entries \
                 whose replays would then pass; chmod 600 it",
                path.display(),
                meta.permissions().mode() & 0o777
            )];
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Vec::new()
}

/// The device and inode of the file at `path` (`None` where the platform has no such thing).
fn file_identity(path: &Path) -> io::Result<Option<(u64, u64)>> {
    let meta = fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(Some((meta.dev(), meta.ino())))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Ok(None)
    }
}

/// The files SQLite keeps beside a store: its write-ahead log, the log's index, and a rollback
/// journal.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// The companion file `suffix` of the store at `path`.
fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut companion = path.as_os_str().to_owned();
    companion.push(suffix);
    PathBuf::from(companion)
}

/// Refuses a store whose write-ahead log, its index or a rollback journal is a symbolic link:
/// SQLite writes them beside the store, and a link planted there would point those writes at
/// any file. (SQLite itself will not follow one either, but says only that it cannot open the
/// store, after a new one has been made.)
fn refuse_linked_companions(path: &Path, name: &str) -> Result<(), StoreError> {
    for suffix in COMPANIONS {
        if fs::symlink_metadata(companion(path, suffix))
            .is_ok_and(|meta| meta.file_type().is_symlink())
        {
            return Err(StoreError::refused(
                name,
                format!("{name}{suffix} beside it is a symbolic link"),
                Some(format!(
                    "remove {name}{suffix}: SQLite keeps its own file there, and a link could \
                     point it at any file"
                )),
            ));
        }
    }
    Ok(())
}

/// Refuses to make a store where the write-ahead log or journal of a removed one is left: SQLite
/// would take them for the new store's and apply them to it, which leaves it unreadable for good.
/// (A store made by another run meanwhile has its companions legitimately: that one is opened.)
fn refuse_orphan_companions(path: &Path, name: &str) -> Result<(), StoreError> {
    let left: Vec<String> = COMPANIONS
        .iter()
        .filter(|suffix| fs::symlink_metadata(companion(path, suffix)).is_ok())
        .map(|suffix| format!("{name}{suffix}"))
        .collect();
    // A creator links the store into place before anything opens it, so companions made by a
    // run that is creating it now come with the store itself.
    if left.is_empty() || fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    Err(StoreError::refused(
        name,
        format!(
            "it does not exist, but {} beside it {} left from a store that was removed, and SQLite would apply {} to a new one",
            left.join(" and "),
            if left.len() == 1 { "is" } else { "are" },
            if left.len() == 1 { "it" } else { "them" },
        ),
        Some(format!(
            "remove {} (nothing in them can be read without the store they belonged to), or name another path",
            left.join(" and ")
        )),
    ))
}

/// Refuses a store this process cannot write, before SQLite opens it: SQLite would open it read
/// only, and make its write-ahead log and index beside it with the store's read-only mode, which
/// then stops every later run from writing it, even once the store is writable again.
fn refuse_unwritable(path: &Path, name: &str) -> Result<(), StoreError> {
    match OpenOptions::new().write(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(StoreError {
            hint: Some(
                "run it as the user that owns the store (every command, even `seen stats`, needs to write it)"
                    .into(),
            ),
            ..StoreError::unavailable(name, "this user cannot write it")
        }),
        Err(e) => Err(StoreError::unavailable(name, e)),
    }
}

/// Looks at what is at `path` without changing it: anything but a store of ours or nothing at
/// all is refused here.
fn inspect(path: &Path, name: &str) -> Result<Found, StoreError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(StoreError::unavailable(name, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(StoreError::refused(
            name,
            "it is a symbolic link",
            Some("name the store's own path (a link could point it at any file)".into()),
        ));
    }
    if !meta.is_file() {
        return Err(StoreError::refused(name, "it is not a regular file", None));
    }
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .and_then(|file| file.take(4096).read_to_end(&mut head))
        .map_err(|e| StoreError::unavailable(name, e))?;
    let former = |why: &str| {
        StoreError::refused(
            name,
            why,
            Some(format!(
                "import it into a store with `smile-sec seen import STORE {}`, then use --seen STORE",
                crate::shell::word(name)
            )),
        )
    };
    let ndjson_name = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("ndjson") || ext.eq_ignore_ascii_case("jsonl"));
    if head.is_empty() {
        return Err(if ndjson_name {
            former("it is an (empty) NDJSON file, not a replay store")
        } else {
            StoreError::refused(
                name,
                "it is an empty file, not a replay store",
                Some("remove it, or use a path where nothing is yet".into()),
            )
        });
    }
    if head.starts_with(SQLITE_MAGIC) && head.len() >= 100 {
        let id = i32::from_be_bytes(head[68..72].try_into().expect("4 bytes"));
        return match id {
            APPLICATION_ID => Ok(Found::Ours),
            0 => Err(StoreError::refused(
                name,
                "it is another application's SQLite database (not marked as a replay store)",
                Some("use a path where nothing is yet".into()),
            )),
            _ => Err(StoreError::refused(
                name,
                format!("it is another application's SQLite database (application id {id:#x})"),
                None,
            )),
        };
    }
    if ndjson::looks_like_export(&head) {
        return Err(StoreError::refused(
            name,
            "it is what `seen export` prints, not a replay store",
            Some("use the store it was exported from".into()),
        ));
    }
    if ndjson::looks_like_record(&head) {
        return Err(former(
            "it holds the NDJSON record an earlier smile-sec kept, not a replay store",
        ));
    }
    if ndjson_name {
        // Not the former record, so importing it would fail: most likely callbacks, given to
        // the wrong option.
        return Err(StoreError::refused(
            name,
            "it is an NDJSON file, neither a replay store nor the record earlier versions kept",
            Some(
                "for a store, use a path where nothing is yet (it is made there); callbacks to \
                 check go to `verify` as PATH"
                    .into(),
            ),
        ));
    }
    Err(StoreError::refused(
        name,
        "it is not a smile-sec replay store (an SQLite database)",
        Some("use a new path, or a store made by smile-sec".into()),
    ))
}

/// Makes a missing store: set up whole under a temporary name in the same folder, readable by its
/// owner only (it names accepted callbacks), then linked to its path, which fails rather than
/// replace whatever another run put there meanwhile (then that is opened, and inspected, instead).
fn create_store(path: &Path, name: &str, salt: Option<&[u8; 32]>) -> Result<(), StoreError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tag = [0; 8];
    getrandom::getrandom(&mut tag)
        .map_err(|e| StoreError::unavailable(name, format!("cannot name a new store: {e}")))?;
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = folder.join(format!(".{file_name}.{}.new", hex::encode(tag)));
    let made =
        make_store(&temporary, name, salt).and_then(|()| match fs::hard_link(&temporary, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match inspect(path, name)? {
                Found::Ours => Ok(()),
                Found::Missing => Err(StoreError::unavailable(name, "it vanished while created")),
            },
            // Some filesystems have no hard links (network shares, FAT); SQLite's write-ahead log
            // needs a local one anyway.
            Err(e) => Err(StoreError {
                hint: Some("name a path on a local filesystem".into()),
                ..StoreError::unavailable(name, format!("cannot create it: {e}"))
            }),
        });
    let _ = fs::remove_file(&temporary);
    made
}

/// Switches the store to write-ahead logging (a no-op once it is in that mode).
fn set_wal(conn: &Connection, name: &str) -> Result<(), StoreError> {
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| StoreError::unavailable(name, e))?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(StoreError::unavailable(
            name,
            format!("cannot switch to write-ahead logging (journal mode {mode})"),
        ))
    }
}

/// A new, empty store at `path`, which must not exist yet, with `salt` (`None`: a random one).
fn make_store(path: &Path, name: &str, salt: Option<&[u8; 32]>) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| StoreError::unavailable(name, format!("cannot create it: {e}")))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let mut conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::unavailable(name, format!("cannot create it: {e}")))?;
    init(&mut conn, name, salt)?;
    // Made here, while no other process can have the file open: switching a store that others
    // have open needs every one of their locks gone, and SQLite does not wait for that, so
    // concurrent first runs would fail with "database is locked".
    set_wal(&conn, name)?;
    conn.close()
        .map_err(|(_, e)| StoreError::unavailable(name, format!("cannot create it: {e}")))
}

/// Sets up a new store (with `salt`, or a random one), or checks that the file is one of ours,
/// under the write lock; returns the store's salt.
fn init(
    conn: &mut Connection,
    name: &str,
    salt: Option<&[u8; 32]>,
) -> Result<[u8; 32], StoreError> {
    let fail = |e| StoreError::unavailable(name, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    let id: i32 = tx
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(fail)?;
    let version: i32 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(fail)?;
    if id == 0 {
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(fail)?;
        if objects > 0 {
            return Err(StoreError::refused(
                name,
                "it is another application's SQLite database",
                None,
            ));
        }
        tx.execute_batch(SCHEMA).map_err(fail)?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES ('salt', ?1), ('keeps', ?2)",
            (
                &salt.copied().map_or_else(new_salt, Ok)?[..],
                Keeps::Unset.encode(),
            ),
        )
        .map_err(fail)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(fail)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(fail)?;
    } else if id != APPLICATION_ID {
        return Err(StoreError::refused(
            name,
            "it is another application's SQLite database",
            None,
        ));
    } else if version != SCHEMA_VERSION {
        return Err(StoreError::refused(
            name,
            format!("its layout (version {version}) is not one this smile-sec knows"),
            Some("use the smile-sec that made it, or a newer one".into()),
        ));
    }
    let salt: Vec<u8> = tx
        .query_row("SELECT value FROM meta WHERE name = 'salt'", [], |r| {
            r.get(0)
        })
        .map_err(|e| StoreError::damaged(name, e))?;
    let salt = <[u8; 32]>::try_from(salt)
        .map_err(|_| StoreError::damaged(name, "its salt is not 32 bytes"))?;
    tx.commit().map_err(fail)?;
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::replay::{BodyDigest, PairId};
    use chrono::Duration;

    fn at(text: &str) -> DateTime<Utc> {
        crate::time::parse_rfc3339(text).unwrap()
    }

    fn claim(pair: u8, body: u8) -> DigestClaim<'static> {
        DigestClaim {
            partner_id: "085",
            timestamp: "2026-11-20T10:00:00Z",
            pair: PairId([pair; 16]),
            body: BodyDigest([body; 32]),
        }
    }

    fn hour() -> Window {
        Window {
            max_age: Some(Duration::hours(1)),
            max_future: Duration::minutes(5),
        }
    }

    #[test]
    fn claims_are_new_then_resent_or_replayed_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let now = at("2026-11-20T10:00:00Z");
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        let answers = store
            .claim_digests(now, &[claim(1, 1), claim(1, 1), claim(1, 2), claim(2, 1)])
            .unwrap();
        assert_eq!(
            answers,
            [Claim::New, Claim::Resend, Claim::Replay, Claim::New]
        );
        drop(store);
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        assert_eq!(
            store
                .claim_digests(now, &[claim(2, 2), claim(2, 1)])
                .unwrap(),
            [Claim::Replay, Claim::Resend]
        );
        let stats = store.stats().unwrap();
        assert_eq!(stats.entries, 2);
        assert_eq!(
            stats.oldest_seen_at.as_deref(),
            Some("2026-11-20T10:00:00.000Z")
        );
    }

    #[test]
    fn claims_made_by_the_group_agree_with_claims_made_one_by_one() {
        let claim_n = |n: usize, body: u8| {
            let mut pair = [0; 16];
            pair[..8].copy_from_slice(&(n as u64).to_be_bytes());
            DigestClaim {
                pair: PairId(pair),
                body: BodyDigest([body; 32]),
                ..claim(0, 0)
            }
        };
        let n = CLAIMS_PER_INSERT;
        // The first group all new; the second with a resend, a replay and a pair twice; the
        // third with a pair held since the run before; a short group at the end.
        let earlier = [claim_n(10 * n, 9)];
        let mut claims: Vec<_> = (0..3 * n + 5).map(|i| claim_n(i, 1)).collect();
        claims[n + 3] = claim_n(2, 1);
        claims[n + 7] = claim_n(5, 2);
        claims[n + 9] = claims[n + 8];
        claims[2 * n + 4] = claim_n(10 * n, 9);
        claims[2 * n + 5] = claim_n(10 * n, 8);
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-11-20T10:00:00Z");
        let mut by_group =
            SqliteStore::open(&dir.path().join("a.db"), Some(hour()), true, None).unwrap();
        let mut one_by_one =
            SqliteStore::open(&dir.path().join("b.db"), Some(hour()), true, None).unwrap();
        by_group.claim_digests(now, &earlier).unwrap();
        one_by_one.claim_digests(now, &earlier).unwrap();
        let grouped = by_group.claim_digests(now, &claims).unwrap();
        let single: Vec<Claim> = claims
            .iter()
            .flat_map(|c| one_by_one.claim_digests(now, &[*c]).unwrap())
            .collect();
        assert_eq!(grouped, single);
        let count = |answer| grouped.iter().filter(|&&a| a == answer).count();
        assert_eq!((count(Claim::Resend), count(Claim::Replay)), (3, 2));
        // The same entries, column for column (the digests differ: each store has its salt).
        let entries = |store: &mut SqliteStore| {
            let mut all = Vec::new();
            store
                .export(&mut |e| {
                    all.push(Entry {
                        body_hmac: [0; 32],
                        ..e
                    });
                    Ok(())
                })
                .unwrap();
            all.sort_by_key(|e| e.pair.0);
            all
        };
        let kept = entries(&mut by_group);
        assert_eq!(kept.len(), 3 * n + 1);
        assert_eq!(kept, entries(&mut one_by_one));
    }

    #[test]
    fn entries_expire_exactly_when_a_replay_would_be_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        store
            .claim_digests(at("2026-11-20T10:00:00Z"), &[claim(1, 1)])
            .unwrap();
        // Seen at 10:00, its timestamp at most 10:05, stale after 11:05.
        assert_eq!(store.prune(at("2026-11-20T11:05:00Z")).unwrap(), 0);
        assert_eq!(store.prune(at("2026-11-20T11:05:00.001Z")).unwrap(), 1);
    }

    #[test]
    fn expired_entries_go_with_a_runs_first_batch_then_at_most_once_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        store
            .claim_digests(at("2026-11-20T10:00:00Z"), &[claim(1, 1)])
            .unwrap();
        // Expired by 12:00, but this connection deleted within the second (held as just now).
        store.last_expiry = Some(std::time::Instant::now() + StdDuration::from_secs(3600));
        store
            .claim_digests(at("2026-11-20T12:00:00Z"), &[claim(2, 1)])
            .unwrap();
        assert_eq!(store.stats().unwrap().entries, 2);
        drop(store);
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        store
            .claim_digests(at("2026-11-20T12:00:00Z"), &[claim(3, 1)])
            .unwrap();
        let stats = store.stats().unwrap();
        assert_eq!(stats.entries, 2);
        assert_eq!(
            stats.oldest_seen_at.as_deref(),
            Some("2026-11-20T12:00:00.000Z")
        );
    }

    #[test]
    fn a_wider_window_redates_what_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        store
            .claim_digests(at("2026-11-20T10:00:00Z"), &[claim(1, 1)])
            .unwrap();
        drop(store);
        let day = Window {
            max_age: Some(Duration::days(1)),
            max_future: Duration::minutes(5),
        };
        let mut store = SqliteStore::open(&path, Some(day), true, None).unwrap();
        assert_eq!(store.prune(at("2026-11-21T10:00:00Z")).unwrap(), 0);
        drop(store);
        let forever = Window {
            max_age: None,
            max_future: Duration::minutes(5),
        };
        drop(SqliteStore::open(&path, Some(forever), true, None).unwrap());
        // A narrower run later changes nothing: the store keeps the widest.
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        assert_eq!(store.prune(at("2036-11-21T10:00:00Z")).unwrap(), 0);
        assert_eq!(store.stats().unwrap().keeps, Keeps::Forever);
    }

    /// A copied entry that its first store kept longer than this store's window keeps its own
    /// expiry when the window widens; the others are dated by the wider window.
    #[test]
    fn a_wider_window_keeps_a_copied_entrys_later_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let seen = at("2026-11-20T10:00:00Z");
        let mut store = SqliteStore::open(&path, Some(hour()), true, None).unwrap();
        store.claim_digests(seen, &[claim(1, 1)]).unwrap();
        let ms = seen.timestamp_millis();
        let copied = Entry {
            partner_id: None,
            timestamp: "2026-11-20T10:00:00Z".into(),
            pair: PairId([9; 16]),
            body_hmac: [9; 32],
            seen_at_ms: ms,
            expires_at_ms: Some(ms + 10 * 3_600_000),
        };
        assert_eq!(
            store.copy_in(seen, std::slice::from_ref(&copied)).unwrap(),
            1
        );
        drop(store);
        let two_hours = Window {
            max_age: Some(Duration::hours(2)),
            max_future: Duration::minutes(5),
        };
        let mut store = SqliteStore::open(&path, Some(two_hours), true, None).unwrap();
        let mut expiries = Vec::new();
        store
            .export(&mut |e| {
                expiries.push((e.pair.0[0], e.expires_at_ms));
                Ok(())
            })
            .unwrap();
        expiries.sort_unstable();
        let by_window = ms + 2 * 3_600_000 + 5 * 60_000;
        assert_eq!(
            expiries,
            [
                (claim(1, 1).pair.0[0], Some(by_window)),
                (9, Some(ms + 10 * 3_600_000))
            ]
        );
    }

    #[test]
    fn salts_differ_between_stores() {
        let dir = tempfile::tempdir().unwrap();
        let mut exported = Vec::new();
        for name in ["a.db", "b.db"] {
            let mut store = SqliteStore::open(&dir.path().join(name), None, true, None).unwrap();
            store
                .claim_digests(at("2026-11-20T10:00:00Z"), &[claim(1, 1)])
                .unwrap();
            store
                .export(&mut |entry| {
                    exported.push(entry.body_hmac);
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(exported.len(), 2);
        assert_ne!(exported[0], exported[1]);
        assert_ne!(exported[0], [1; 32]);
    }

    #[test]
    fn a_missing_store_is_not_created_for_looking_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let err = SqliteStore::open(&path, None, false, None).unwrap_err();
        assert!(err.message.contains("no such file"), "{err}");
        assert!(!path.exists());
    }
}
