//! The embedded store: two SQLite files in the registry's directory, `registry.db` (the
//! history, the catalogue and the standings) and `access.db` (the access log, apart so that
//! logging a check never waits for a batch: [`access_log`]).
//!
//! Why SQLite: a registry is run by one office on one machine, and must never lose an
//! acknowledged batch nor show half of one. SQLite in WAL mode with `synchronous=FULL` gives
//! exactly that (a committed transaction survives a killed process and a power loss; an
//! uncommitted one is invisible after either) without a server to operate, and readers (a
//! query, a report) do not block the daily intake.
//!
//! Readers never wait for a writer: a check reads in a WAL snapshot of `registry.db`, which a
//! batch's write transaction does not lock, and appends to `access.db`, which no batch touches.
//!
//! Layout: `schema` holds the migrations and connection settings; `access_log` the access
//! log's file; `ingest` the batch hot path, with `prepare` (its work done off the SQLite
//! thread) and `standings` (the recompute inside the batch's transaction); `rows` the
//! decoding of stored rows; `verify` the checks before an answer and the full replay;
//! `witness` the heads it publishes outside the database. What is not SQLite is shared with
//! any other backend: what every MAC of the keyed history covers ([`crate::chain`]), the
//! content hash ([`crate::hash`]), the canonical encodings it is computed over
//! ([`crate::canonical`]) and the witness file's lines ([`crate::witness`]). Every write of
//! the [`Store`] trait is one transaction; every multi-statement read runs in one read
//! transaction, so it sees one consistent state even while another process ingests.

pub mod access_log;
mod error;
mod ingest;
mod prepare;
mod rows;
mod schema;
mod standings;
mod tokens;
pub(crate) mod verify;
pub mod witness;

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use credence_model::{Day, Event};
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};

pub use crate::hash::{Hash, content_hash, hex};
use crate::{canonical, chain};
use rows::{EVENT_COLUMNS, SUBJECT_COLUMNS};
use witness::WITNESS_FILE;

use crate::keys::{KEY_FILE, Keys};
use crate::{
    Access, Batch, BatchReceipt, ChainReport, KnownReference, PolicyRecord, Progress,
    PublishedHead, Recompute, SourceActivity, SourceRecord, StandingUpdate, Store, StoreError,
    StoreStats, StoredSubject, TokenRecord,
};

/// The database file inside a registry directory.
pub const DATABASE_FILE: &str = "registry.db";

/// References looked up per query by [`Store::known_references`].
const REFERENCES_PER_QUERY: usize = 500;

/// The embedded SQLite backend of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// The access log's own file (`access.db`): appending to it never waits for a batch.
    access: Connection,
    path: PathBuf,
    keys: Keys,
    witness: PathBuf,
}

/// The kind of a batch of events, in the batch chain.
pub(crate) const EVENTS_BATCH: &str = "events";
/// The kind of a publication of the policy and sources, in the batch chain.
pub(crate) const PUBLICATION_BATCH: &str = "publication";

/// Where a registry's files are: its directory (which holds the database), its key file and
/// its witness file (by default both inside the directory), and the PostgreSQL database that
/// holds its history instead of the directory's SQLite file, when one is named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub dir: PathBuf,
    pub key_file: PathBuf,
    pub witness: PathBuf,
    /// A `postgres://` URL (see [`crate::AnyStore`]); `None` for the embedded store.
    pub database: Option<String>,
}

impl Paths {
    /// Every file in its default place inside `dir`.
    pub fn new(dir: &Path) -> Paths {
        Paths {
            dir: dir.to_owned(),
            key_file: dir.join(KEY_FILE),
            witness: dir.join(WITNESS_FILE),
            database: None,
        }
    }

    /// The same, with the history in the PostgreSQL database at `database` when one is given.
    pub fn with_database(mut self, database: Option<String>) -> Paths {
        if database.is_some() {
            self.database = database;
        }
        self
    }

    /// The same, with the witness file at `witness` when one is given.
    pub fn with_witness(mut self, witness: Option<PathBuf>) -> Paths {
        if let Some(witness) = witness {
            self.witness = witness;
        }
        self
    }

    /// The same, with the key file at `key_file` when one is given.
    pub fn with_key_file(mut self, key_file: Option<PathBuf>) -> Paths {
        if let Some(key_file) = key_file {
            self.key_file = key_file;
        }
        self
    }
}

/// Makes a file or directory owner-only, whatever the umask gave it.
pub(crate) fn owner_only(path: &Path, mode: u32) -> Result<(), StoreError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| io_error(path, e))
}

impl SqliteStore {
    /// Creates a registry in `dir` (made if needed) with its files in their default places.
    pub fn create(dir: &Path) -> Result<SqliteStore, StoreError> {
        Self::create_at(&Paths::new(dir))
    }

    /// Creates a registry: the directory (owner-only), the database with its schema, and a new
    /// key file. Refuses a directory that already holds a registry, and an existing key file
    /// (a new registry makes its own key).
    pub fn create_at(paths: &Paths) -> Result<SqliteStore, StoreError> {
        let dir = &paths.dir;
        fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
        owner_only(dir, 0o700)?;
        let path = dir.join(DATABASE_FILE);
        // `create_new` makes the existence check and the creation one step.
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::AlreadyExists {
                    path: path.display().to_string(),
                });
            }
            Err(source) => return Err(io_error(&path, source)),
        }
        let mut made_key = false;
        let mut made_witness = false;
        let mut made_access = false;
        let access_path = dir.join(access_log::ACCESS_FILE);
        let created = owner_only(&path, 0o600)
            .and_then(|()| {
                crate::witness::create(&paths.witness)?;
                made_witness = true;
                if paths.key_file.exists() {
                    return Err(StoreError::KeyFile {
                        path: paths.key_file.display().to_string(),
                        why: "already exists: a new registry makes its own key; move the old \
                              file away or give another --key-file"
                            .into(),
                    });
                }
                let keys = Keys::create_file(&paths.key_file)?;
                made_key = true;
                let access = access_log::create(&access_path)?;
                made_access = true;
                Ok((keys, access))
            })
            .and_then(|(keys, access)| Self::initialise(&path, keys, access, &paths.witness));
        if created.is_err() {
            // Best effort: leave no half-made registry behind to block a second attempt.
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", path.display()));
            }
            if made_key {
                let _ = fs::remove_file(&paths.key_file);
            }
            if made_witness {
                let _ = fs::remove_file(&paths.witness);
            }
            if made_access {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = fs::remove_file(format!("{}{suffix}", access_path.display()));
                }
            }
        }
        created
    }

    /// Schema and empty chain in one transaction: a registry is made whole or not at all.
    fn initialise(
        path: &Path,
        keys: Keys,
        access: Connection,
        witness: &Path,
    ) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        schema::configure(&conn)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        schema::apply_migrations(&tx)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('key_id', ?1)",
            params![keys.id()],
        )?;
        tx.commit()?;
        owner_only_journal(path)?;
        Ok(SqliteStore {
            conn,
            access,
            path: path.to_owned(),
            keys,
            witness: witness.to_owned(),
        })
    }

    /// Opens the registry in `dir` with its files in their default places.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_at(&Paths::new(dir))
    }

    /// Opens a registry and reads its key, migrating an older schema. Refuses a key file that
    /// others may read, a key that is not the one the registry was made with, and a registry of
    /// an earlier version that kept its key inside the database.
    pub fn open_at(paths: &Paths) -> Result<SqliteStore, StoreError> {
        let path = paths.dir.join(DATABASE_FILE);
        let not_a_registry = || StoreError::NotARegistry {
            path: path.display().to_string(),
        };
        if !path.is_file() {
            return Err(not_a_registry());
        }
        let mut conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        match schema::has_meta(&conn) {
            Ok(true) => {}
            Ok(false) => return Err(not_a_registry()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
                return Err(not_a_registry());
            }
            Err(e) => return Err(e.into()),
        }
        let version = schema::version(&conn)?;
        if version < schema::KEY_OUTSIDE {
            return Err(StoreError::Legacy {
                path: paths.dir.display().to_string(),
            });
        }
        let keys = Keys::load_file(&paths.key_file)?;
        schema::configure(&conn)?;
        let access_path = paths.dir.join(access_log::ACCESS_FILE);
        // A registry made before the access log had its own file: the entries move first, and
        // the migration drops the old table only once they are safely in the new one.
        let access = if version < schema::ACCESS_APART {
            access_log::open_moving(&access_path, &path)?
        } else {
            access_log::open(&access_path)?
        };
        schema::check_and_migrate(&mut conn)?;
        owner_only_journal(&path)?;
        let store = SqliteStore {
            conn,
            access,
            path,
            keys,
            witness: paths.witness.clone(),
        };
        store.check_key()?;
        Ok(store)
    }

    /// Refuses a key other than the one the registry was made with.
    fn check_key(&self) -> Result<(), StoreError> {
        let made_with: String =
            self.conn
                .query_row("SELECT value FROM meta WHERE key = 'key_id'", [], |row| {
                    row.get(0)
                })?;
        if made_with != self.keys.id() {
            return Err(StoreError::Tampered(format!(
                "the key file holds key {}, but the history was sealed with key {made_with} \
                 (replaced key, or the wrong --key-file)",
                self.keys.id()
            )));
        }
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The registry's keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The witness file.
    pub fn witness(&self) -> &Path {
        &self.witness
    }

    /// Publishes the access log's head to the witness file now, as a line for the latest
    /// batch; run it periodically, so that truncating the latest accesses is caught without
    /// waiting for the next batch. Returns the line written, if the access log had grown since
    /// the last one.
    pub fn witness_accesses(&self) -> Result<Option<witness::WitnessLine>, StoreError> {
        witness::publish_access(
            &self.conn,
            &self.access,
            &self.witness,
            &self.keys,
            now_ms(),
        )
    }

    /// Appends to the witness file every committed batch it does not have yet.
    fn witness_batches(&self) -> Result<(), StoreError> {
        witness::catch_up(
            &self.conn,
            &self.access,
            &self.witness,
            &self.keys,
            now_ms(),
        )
    }

    /// A read transaction: the reads inside it see one state, whatever commits meanwhile.
    fn read(&self) -> Result<Transaction<'_>, StoreError> {
        Ok(self.conn.unchecked_transaction()?)
    }

    /// A read transaction on the access log.
    fn read_access(&self) -> Result<Transaction<'_>, StoreError> {
        Ok(self.access.unchecked_transaction()?)
    }
}

/// SQLite gives the `-wal` and `-shm` files the database file's mode; this makes sure of it.
pub(crate) fn owner_only_journal(path: &Path) -> Result<(), StoreError> {
    for suffix in ["-wal", "-shm"] {
        let journal = PathBuf::from(format!("{}{suffix}", path.display()));
        if journal.exists() {
            owner_only(&journal, 0o600)?;
        }
    }
    Ok(())
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The digest of the batch before `batch` (the genesis digest before the first).
pub(crate) fn previous_digest(conn: &Connection, batch: i64) -> Result<Vec<u8>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT digest FROM batch WHERE id < ?1 ORDER BY id DESC LIMIT 1",
            [batch],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or_else(|| chain::GENESIS.to_vec()))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

impl Store for SqliteStore {
    fn publish(
        &mut self,
        policies: &[PolicyRecord],
        sources: &[SourceRecord],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM policy",
            [],
            |row| row.get(0),
        )?;
        let recorded: i32 =
            tx.query_row("SELECT coalesce(max(recorded), 0) FROM batch", [], |row| {
                row.get(0)
            })?;
        let published_at = now_ms();
        tx.execute(
            "INSERT INTO batch (kind, source, origin, recorded_at_ms, recorded, events, unchanged,
                                commitment, key_id, digest)
             VALUES (?1, '', 'publication', ?2, ?3, 0, 0, x'', ?4, x'')",
            params![PUBLICATION_BATCH, published_at, recorded, self.keys.id()],
        )?;
        let batch = tx.last_insert_rowid();
        tx.execute("UPDATE policy SET in_force = 0 WHERE in_force = 1", [])?;
        let mut texts: Vec<(String, String)> = policies
            .iter()
            .map(|p| (p.name.clone(), p.text.clone()))
            .collect();
        texts.sort();
        for (name, text) in &texts {
            tx.execute(
                "INSERT INTO policy (version, name, text, published_at_ms, in_force, batch)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                params![version, name, text, published_at, batch],
            )?;
        }
        let mut rows: Vec<(String, String, String)> = sources
            .iter()
            .map(|source| {
                let mut categories = Vec::new();
                canonical::write_string_array(&mut categories, &source.categories);
                (
                    source.id.clone(),
                    source.title.clone(),
                    String::from_utf8_lossy(&categories).into_owned(),
                )
            })
            .collect();
        rows.sort();
        for (id, title, categories) in &rows {
            tx.execute(
                "INSERT INTO source (batch, id, title, categories) VALUES (?1, ?2, ?3, ?4)",
                params![batch, id, title, categories],
            )?;
        }
        let commitment = chain::publication_commitment(&texts, &rows);
        let previous = previous_digest(&tx, batch)?;
        let digest = chain::batch_digest(
            &self.keys,
            &previous,
            &chain::BatchFields {
                id: batch,
                kind: PUBLICATION_BATCH,
                source: "",
                origin: "publication",
                recorded_at_ms: published_at,
                recorded,
                events: 0,
                unchanged: 0,
                commitment: &commitment,
                key_id: self.keys.id(),
            },
        );
        tx.execute(
            "UPDATE batch SET commitment = ?1, digest = ?2 WHERE id = ?3",
            params![&commitment[..], &digest[..], batch],
        )?;
        tx.commit()?;
        self.witness_batches()
    }

    fn policies(&self) -> Result<Vec<PolicyRecord>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT name, text FROM policy WHERE in_force = 1 ORDER BY name")?;
        let rows = statement.query_map([], |row| {
            Ok(PolicyRecord {
                name: row.get(0)?,
                text: row.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, title, categories FROM source
                 WHERE batch = (SELECT max(batch) FROM source) ORDER BY id",
        )?;
        let mut rows = statement.query([])?;
        let mut sources = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let categories = serde_json::from_str(rows::text(row, 2).map_err(StoreError::Corrupt)?)
                .map_err(|e| {
                    StoreError::Corrupt(format!(
                        "source `{id}`: categories are not a JSON list: {e}"
                    ))
                })?;
            sources.push(SourceRecord {
                id,
                title: row.get(1)?,
                categories,
            });
        }
        Ok(sources)
    }

    fn pseudonym_key(&self) -> Result<Vec<u8>, StoreError> {
        Ok(self.keys.pseudonym_key().to_vec())
    }

    fn known_references(
        &self,
        source: &str,
        references: &[&str],
    ) -> Result<Vec<Option<KnownReference>>, StoreError> {
        let tx = self.read()?;
        // A source's first file (a bulk load) needs no lookups at all.
        let any: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM event WHERE source = ?1 LIMIT 1",
                [source],
                |row| row.get(0),
            )
            .optional()?;
        if any.is_none() {
            return Ok(vec![None; references.len()]);
        }
        let mut found: HashMap<String, KnownReference> = HashMap::new();
        for chunk in references.chunks(REFERENCES_PER_QUERY) {
            known_chunk(&tx, source, chunk, &mut found)?;
        }
        Ok(references
            .iter()
            .map(|reference| found.get(*reference).cloned())
            .collect())
    }

    fn ingest(
        &mut self,
        batch: &Batch,
        recompute: &mut Recompute<'_>,
        progress: &mut Progress<'_>,
    ) -> Result<BatchReceipt, StoreError> {
        if batch.events.len() > crate::BATCH_EVENTS_MAX {
            return Err(StoreError::BatchTooLarge {
                len: batch.events.len(),
                max: crate::BATCH_EVENTS_MAX,
            });
        }
        // IMMEDIATE: take the write lock now, not at the first write after some reads.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Under the write lock: no batch can slip in between the check and the append.
        let latest = latest_recorded(&tx)?;
        if let (Some(latest), Some(earliest)) = (
            latest,
            batch.events.iter().map(|e| e.event.recorded.0).min(),
        ) && earliest < latest
        {
            return Err(StoreError::RecordedBackwards {
                recorded: Day(earliest),
                latest: Day(latest),
            });
        }
        let recorded = batch
            .events
            .iter()
            .map(|e| e.event.recorded.0)
            .max()
            .or(latest)
            .unwrap_or(0);
        let appended = ingest::append_batch(&tx, &self.keys, batch, recorded, progress)?;
        let subjects =
            standings::recompute_standings(&tx, batch, &appended, recompute, &self.keys)?;
        tx.commit()?;
        self.witness_batches()?;
        Ok(BatchReceipt {
            batch: appended.batch,
            appended: appended.appended,
            unchanged: appended.unchanged,
            subjects,
            head: hex(&appended.digest),
        })
    }

    fn subject(&self, pseudonym: &str) -> Result<Option<StoredSubject>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.pseudonym = ?1"
        ))?;
        let mut rows = statement.query([pseudonym])?;
        rows.next()?
            .map(|row| rows::subject_at(row, 0, &self.keys))
            .transpose()
    }

    fn linked_to(&self, pseudonym: &str) -> Result<Vec<StoredSubject>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {SUBJECT_COLUMNS} FROM subject s
             WHERE s.id IN (SELECT subject FROM link WHERE pseudonym = ?1)
             ORDER BY s.id"
        ))?;
        let mut rows = statement.query([pseudonym])?;
        let mut subjects = Vec::new();
        while let Some(row) = rows.next()? {
            subjects.push(rows::subject_at(row, 0, &self.keys)?);
        }
        Ok(subjects)
    }

    fn latest_recorded(&self) -> Result<Option<Day>, StoreError> {
        Ok(latest_recorded(&self.conn)?.map(Day))
    }

    fn events(&self, subject: i64) -> Result<Vec<Event>, StoreError> {
        events_of(&self.conn, subject)
    }

    fn scan(&self, visit: &mut dyn FnMut(&StoredSubject, &[Event])) -> Result<(), StoreError> {
        let tx = self.read()?;
        let mut statement = tx.prepare(&format!(
            "SELECT {SUBJECT_COLUMNS}, {EVENT_COLUMNS}
             FROM subject s CROSS JOIN event e ON e.subject = s.id
             ORDER BY s.id, e.seq"
        ))?;
        let mut subjects = rows::SubjectStream::new(statement.query([])?, &self.keys);
        let mut events = Vec::new();
        while let Some(subject) = subjects.next_into(&mut events)? {
            visit(&subject, &events);
        }
        Ok(())
    }

    fn standing(&self, subject: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT body FROM standing WHERE subject = ?1",
                [subject],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn put_standings(
        &mut self,
        standings: &[StandingUpdate],
        recompute: &mut Recompute<'_>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut again = 0;
        {
            let mut count = tx.prepare_cached("SELECT count(*) FROM event WHERE subject = ?1")?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO standing (subject, body) VALUES (?1, ?2)
                 ON CONFLICT (subject) DO UPDATE SET body = excluded.body",
            )?;
            for update in standings {
                let now: i64 = count.query_row([update.subject], |row| row.get(0))?;
                if usize::try_from(now).ok() == Some(update.events) {
                    upsert.execute(params![update.subject, update.body])?;
                    continue;
                }
                // A batch appended to this subject after its history was read: its standing is
                // computed again from the history as it is now (the write lock is held).
                let subject = tx
                    .query_row(
                        &format!("SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.id = ?1"),
                        [update.subject],
                        |row| Ok(rows::subject_at(row, 0, &self.keys)),
                    )
                    .optional()?
                    .transpose()?;
                let Some(subject) = subject else {
                    continue;
                };
                let events = events_of(&tx, update.subject)?;
                upsert.execute(params![update.subject, recompute(&subject, &events)])?;
                again += 1;
            }
        }
        tx.commit()?;
        Ok(again)
    }

    fn source_activity(&self) -> Result<Vec<SourceActivity>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT source, action, count(*)
             FROM event GROUP BY source, action ORDER BY source, action",
        )?;
        let mut rows = statement.query([])?;
        let mut out: Vec<SourceActivity> = Vec::new();
        while let Some(row) = rows.next()? {
            let source: String = row.get(0)?;
            if out.last().is_none_or(|a| a.source != source) {
                out.push(SourceActivity {
                    source: source.clone(),
                    ..SourceActivity::default()
                });
            }
            if let Some(activity) = out.last_mut() {
                let count: i64 = row.get(2)?;
                activity
                    .actions
                    .insert(row.get(1)?, u64::try_from(count).unwrap_or(0));
            }
        }
        Ok(out)
    }

    fn log_access(&mut self, access: &Access) -> Result<(), StoreError> {
        access_log::append(&mut self.access, &self.keys, access)
    }

    fn add_token(&mut self, token: &TokenRecord) -> Result<(), StoreError> {
        tokens::add(&self.conn, &self.keys, token)
    }

    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        tokens::by_hash(&self.conn, &self.keys, hash)
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        tokens::all(&self.conn, &self.keys)
    }

    fn revoke_token(&mut self, id: &str, at_ms: i64) -> Result<Option<TokenRecord>, StoreError> {
        tokens::revoke(&mut self.conn, &self.keys, id, at_ms)
    }

    fn accesses(&self, subject: &str) -> Result<Vec<Access>, StoreError> {
        let mut statement = self.access.prepare_cached(
            "SELECT pseudonym, party, purpose, at_ms, outcome, day FROM access WHERE pseudonym = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([subject], |row| {
            let at_ms: i64 = row.get(3)?;
            let day: Option<i32> = row.get(5)?;
            Ok(Access {
                subject: row.get(0)?,
                party: row.get(1)?,
                purpose: row.get(2)?,
                day: day.map_or_else(|| crate::Stamp::utc_day(at_ms), Day),
                at_ms,
                outcome: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn verify_chain(&self, published: &[PublishedHead]) -> Result<ChainReport, StoreError> {
        let tx = self.read()?;
        let access = self.read_access()?;
        verify::verify(&tx, &access, &self.keys, published)
    }

    fn verify_published(&self) -> Result<(), StoreError> {
        let tx = self.read()?;
        let access = self.read_access()?;
        verify::verify_published(&tx, &access, &self.keys, &self.witness)
    }

    fn verified_subject(
        &self,
        pseudonym: &str,
    ) -> Result<Option<(StoredSubject, Vec<Event>)>, StoreError> {
        let tx = self.read()?;
        verify::verified_subject(&tx, &self.keys, pseudonym)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM subject), (SELECT count(*) FROM event),
                    (SELECT count(*) FROM batch WHERE kind = 'events'),
                    (SELECT count(*) FROM standing)",
            [],
            |row| {
                Ok(StoreStats {
                    subjects: count(row.get(0)?),
                    events: count(row.get(1)?),
                    batches: count(row.get(2)?),
                    standings: count(row.get(3)?),
                })
            },
        )?)
    }
}

/// All events of a subject, in its chain's order.
fn events_of(conn: &Connection, subject: i64) -> Result<Vec<Event>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM event e WHERE e.subject = ?1 ORDER BY e.position"
    ))?;
    let mut rows = statement.query([subject])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(rows::event_at(row, 0)?);
    }
    Ok(events)
}

/// Looks up one chunk of references with a single `IN (...)` query, adding what it finds.
fn known_chunk(
    conn: &Connection,
    source: &str,
    references: &[&str],
    found: &mut HashMap<String, KnownReference>,
) -> Result<(), StoreError> {
    let placeholders = vec!["?"; references.len()].join(", ");
    let mut statement = conn.prepare_cached(&format!(
        "SELECT e.seq, e.reference, s.pseudonym, e.action, e.category, e.content
         FROM event e JOIN subject s ON s.id = e.subject
         WHERE e.source = ? AND e.reference IN ({placeholders})"
    ))?;
    let params = std::iter::once(source).chain(references.iter().copied());
    let mut rows = statement.query(rusqlite::params_from_iter(params))?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let action = rows::text(row, 3)
            .and_then(|text| text.parse().map_err(|e| format!("{e}")))
            .map_err(|why| StoreError::Corrupt(format!("event {seq}: {why}")))?;
        let content: Vec<u8> = row.get(5)?;
        found.insert(
            row.get(1)?,
            KnownReference {
                subject: row.get(2)?,
                action,
                category: row.get(4)?,
                content: hex(&content),
            },
        );
    }
    Ok(())
}

/// The latest recorded day of the history: the last event's, since recorded time only moves
/// forward (`append` refuses a batch recorded earlier). One row read by primary key, not a scan
/// of the history on every batch.
fn latest_recorded(conn: &Connection) -> rusqlite::Result<Option<i32>> {
    conn.query_row(
        "SELECT recorded FROM event ORDER BY seq DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}
