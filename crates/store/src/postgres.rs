//! The PostgreSQL backend: the same keyed history as the embedded store, in a PostgreSQL
//! database (or a Citus cluster), with the key file and the witness file still files in the
//! registry's directory.
//!
//! Why it is shaped this way: a national registry outgrows one machine, and a distributed
//! PostgreSQL spreads a table over nodes by one column. Every table about subjects carries
//! `subject`, a number derived from the subject's pseudonym alone ([`subject_key`]), in its
//! primary key and every unique constraint, so one subject's events, heads, standing, links and
//! accesses live on one node and a check reads one node. Nothing about a subject is numbered by
//! a global sequence. The catalogue (meta, batch, policy, source) is small and read by every
//! answer: reference tables. The schema is in `postgres/migrations/`, one numbered script each,
//! recorded in `schema_migrations`.
//!
//! Layout: `schema` applies the migrations; `ingest` writes a batch with COPY; `verify` proves
//! the history; `witness` publishes heads to the witness file. The chain's MACs, the content
//! hash and the canonical JSON are the embedded store's, so `audit verify` means the same on
//! both backends. Every write is one transaction; every multi-statement read runs in one
//! repeatable-read transaction, so it sees one state while another process ingests.

mod error;
mod ingest;
mod schema;
mod tokens;
mod verify;
mod witness;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use credence_model::{Action, Day, Event, SubjectKind};
use postgres::{Client, GenericClient, IsolationLevel, NoTls, Row, Transaction};
use sha2::{Digest as _, Sha256};

use crate::canonical as json;
use crate::chain;
use crate::hash::hex;
use crate::keys::Keys;
use crate::{
    Access, Batch, BatchReceipt, ChainReport, KnownReference, Paths, PolicyRecord, Progress,
    PublishedHead, Recompute, SourceActivity, SourceRecord, StandingUpdate, Store, StoreError,
    StoreStats, StoredSubject, TokenRecord,
};

/// The environment variable tests read the database to use from.
pub const TEST_DATABASE_ENV: &str = "CREDENCE_TEST_DATABASE_URL";
/// The database tests use when [`TEST_DATABASE_ENV`] is not set.
pub const TEST_DATABASE_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The kind of a batch of events, in the batch chain.
const EVENTS_BATCH: &str = "events";
/// The kind of a publication of the policy and sources, in the batch chain.
const PUBLICATION_BATCH: &str = "publication";

/// The advisory lock every writer of the batch chain holds for its transaction (batches and
/// publications are one chain, so they are written one at a time).
const BATCH_LOCK: i64 = 0x6372_6564_0000_0001;
/// The advisory lock of the access log's chain (checks do not wait for a batch).
const ACCESS_LOCK: i64 = 0x6372_6564_0000_0002;

/// The PostgreSQL backend of [`Store`].
pub struct PgStore {
    client: Mutex<Client>,
    /// The database, as given, for messages (without a password).
    database: String,
    keys: Keys,
    witness: PathBuf,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.database)
            .field("keys", &self.keys)
            .field("witness", &self.witness)
            .finish_non_exhaustive()
    }
}

/// The number a subject's rows are keyed and distributed by: the first 63 bits of a SHA-256 of
/// its pseudonym. Any node can compute it from the pseudonym alone, so no global sequence is
/// needed to name a subject; two pseudonyms with the same key are refused at intake.
pub fn subject_key(pseudonym: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(b"credence/subject-key/v1")
        .chain_update(pseudonym.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first) & i64::MAX
}

/// A database URL with its password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub(crate) use error::pg_error;

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn connect(url: &str) -> Result<Client, StoreError> {
    Client::connect(url, NoTls).map_err(pg_error)
}

impl PgStore {
    /// Creates a registry in the database at `url`: the directory of `paths` (owner-only) with a
    /// new key file and an empty witness file, and the schema with its empty chain in one
    /// transaction. Refuses a database that already holds a registry, and an existing key file.
    pub fn create_at(url: &str, paths: &Paths) -> Result<PgStore, StoreError> {
        let dir = &paths.dir;
        fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error(dir, e))?;
        let mut client = connect(url)?;
        if schema::exists(&mut client)? {
            return Err(StoreError::AlreadyExists { path: redact(url) });
        }
        if paths.key_file.exists() {
            return Err(StoreError::KeyFile {
                path: paths.key_file.display().to_string(),
                why: "already exists: a new registry makes its own key; move the old file away \
                      or give another --key-file"
                    .into(),
            });
        }
        crate::witness::create(&paths.witness)?;
        let made = Keys::create_file(&paths.key_file).and_then(|keys| {
            let mut tx = client.transaction().map_err(pg_error)?;
            schema::apply(&mut tx)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('key_id', $1)",
                &[&keys.id()],
            )
            .map_err(pg_error)?;
            tx.commit().map_err(pg_error)?;
            Ok(keys)
        });
        match made {
            Ok(keys) => Ok(PgStore {
                client: Mutex::new(client),
                database: redact(url),
                keys,
                witness: paths.witness.clone(),
            }),
            Err(error) => {
                // Best effort: leave no half-made registry behind to block a second attempt.
                let _ = fs::remove_file(&paths.key_file);
                let _ = fs::remove_file(&paths.witness);
                Err(error)
            }
        }
    }

    /// Opens the registry in the database at `url`, migrating an older schema; refuses a
    /// database that holds no registry or one newer than this build, a key file others may
    /// read, and a key other than the one the registry was made with.
    pub fn open_at(url: &str, paths: &Paths) -> Result<PgStore, StoreError> {
        let mut client = connect(url)?;
        if !schema::exists(&mut client)? {
            return Err(StoreError::NotARegistry { path: redact(url) });
        }
        schema::check_and_migrate(&mut client)?;
        let keys = Keys::load_file(&paths.key_file)?;
        let made_with: Option<String> = client
            .query_opt("SELECT value FROM meta WHERE key = 'key_id'", &[])
            .map_err(pg_error)?
            .map(|row| row.get(0));
        let Some(made_with) = made_with else {
            return Err(StoreError::NotARegistry { path: redact(url) });
        };
        if made_with != keys.id() {
            return Err(StoreError::Tampered(format!(
                "the key file holds key {}, but the history was sealed with key {made_with} \
                 (replaced key, or the wrong --key-file)",
                keys.id()
            )));
        }
        Ok(PgStore {
            client: Mutex::new(client),
            database: redact(url),
            keys,
            witness: paths.witness.clone(),
        })
    }

    /// The database, as given (its password hidden).
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The registry's keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The witness file.
    pub fn witness(&self) -> &Path {
        &self.witness
    }

    /// Publishes the access log's head to the witness file now; see
    /// [`crate::SqliteStore::witness_accesses`].
    pub fn witness_accesses(&self) -> Result<Option<crate::witness::WitnessLine>, StoreError> {
        let mut client = self.client()?;
        witness::publish_access(&mut *client, &self.witness, &self.keys, now_ms())
    }

    /// The connection. One that a panic left behind (a recompute closure that panicked inside
    /// a batch) is taken back once it answers: the batch's transaction was rolled back when
    /// the panic unwound through it.
    fn client(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        match self.client.lock() {
            Ok(client) => Ok(client),
            Err(poisoned) => {
                let mut client = poisoned.into_inner();
                client.batch_execute("ROLLBACK").map_err(pg_error)?;
                self.client.clear_poison();
                Ok(client)
            }
        }
    }
}

/// A repeatable-read, read-only transaction: its reads see one state.
fn read(client: &mut Client) -> Result<Transaction<'_>, StoreError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(pg_error)
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The digest of the batch before `batch` (the genesis digest before the first).
fn previous_digest(client: &mut impl GenericClient, batch: i64) -> Result<Vec<u8>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT digest FROM batch WHERE id < $1 ORDER BY id DESC LIMIT 1",
            &[&batch],
        )
        .map_err(pg_error)?
        .map_or_else(|| chain::GENESIS.to_vec(), |row| row.get(0)))
}

/// The subject columns, in the order [`subject_at`] reads them.
const SUBJECT_COLUMNS: &str = "s.subject, s.pseudonym, s.kind, s.birth, s.masked";
/// The event columns, in the order [`event_at`] reads them.
const EVENT_COLUMNS: &str = "e.seq, e.source, e.reference, e.action, e.category, e.target, \
                             e.valid, e.recorded, e.attributes";

fn kind_from(text: &str) -> Option<SubjectKind> {
    [SubjectKind::Person, SubjectKind::Organisation]
        .into_iter()
        .find(|kind| kind.as_str() == text)
}

/// Reads the subject whose columns start at `at`, opening its sealed birth date with `keys`.
fn subject_at(row: &Row, at: usize, keys: &Keys) -> Result<StoredSubject, StoreError> {
    let id: i64 = row.try_get(at).map_err(pg_error)?;
    let pseudonym: String = row.try_get(at + 1).map_err(pg_error)?;
    let kind: &str = row.try_get(at + 2).map_err(pg_error)?;
    let kind = kind_from(kind)
        .ok_or_else(|| StoreError::Corrupt(format!("subject {id}: unknown kind `{kind}`")))?;
    let sealed: Option<Vec<u8>> = row.try_get(at + 3).map_err(pg_error)?;
    let birth = match sealed {
        None => None,
        Some(sealed) => Some(keys.open_birth(&pseudonym, &sealed).ok_or_else(|| {
            StoreError::Tampered(format!(
                "the sealed birth date of subject {id} does not open under the registry's key"
            ))
        })?),
    };
    Ok(StoredSubject {
        id,
        pseudonym,
        kind,
        birth,
        masked: row.try_get(at + 4).map_err(pg_error)?,
    })
}

/// Reads the event whose columns ([`EVENT_COLUMNS`]) start at `at`.
fn event_at(row: &Row, at: usize) -> Result<Event, StoreError> {
    let seq: i64 = row.try_get(at).map_err(pg_error)?;
    let corrupt = |why: String| StoreError::Corrupt(format!("event {seq}: {why}"));
    let column = |e: postgres::Error| corrupt(e.to_string());
    let action: &str = row.try_get(at + 3).map_err(column)?;
    let action: Action = action.parse().map_err(|e| corrupt(format!("{e}")))?;
    let attributes: &str = row.try_get(at + 8).map_err(column)?;
    let attributes = json::read_attributes(attributes)
        .map_err(|e| corrupt(format!("attributes are not a JSON map of values: {e}")))?;
    Ok(Event {
        seq: u64::try_from(seq).map_err(|_| corrupt("negative seq".into()))?,
        source: row.try_get(at + 1).map_err(column)?,
        reference: row.try_get(at + 2).map_err(column)?,
        action,
        category: row.try_get(at + 4).map_err(column)?,
        target: row.try_get(at + 5).map_err(column)?,
        valid: Day(row.try_get(at + 6).map_err(column)?),
        recorded: Day(row.try_get(at + 7).map_err(column)?),
        attributes,
    })
}

/// Subjects read in key order with their events, `per_query` subjects at a time.
fn scan_subjects(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    per_query: i64,
    visit: &mut dyn FnMut(&StoredSubject, &[Event]),
) -> Result<(), StoreError> {
    let mut after: i64 = -1;
    loop {
        let rows = tx
            .query(
                &format!(
                    "SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.subject > $1
                     ORDER BY s.subject LIMIT $2"
                ),
                &[&after, &per_query],
            )
            .map_err(pg_error)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.get(0);
        let subjects: Vec<StoredSubject> = rows
            .iter()
            .map(|row| subject_at(row, 0, keys))
            .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = subjects.iter().map(|s| s.id).collect();
        let event_rows = tx
            .query(
                &format!(
                    "SELECT e.subject, {EVENT_COLUMNS} FROM event e WHERE e.subject = ANY($1)
                     ORDER BY e.subject, e.seq"
                ),
                &[&ids],
            )
            .map_err(pg_error)?;
        let mut at = 0;
        let mut events = Vec::new();
        for subject in &subjects {
            events.clear();
            while let Some(row) = event_rows.get(at) {
                if row.get::<_, i64>(0) != subject.id {
                    break;
                }
                events.push(event_at(row, 1)?);
                at += 1;
            }
            if !events.is_empty() {
                visit(subject, &events);
            }
        }
    }
}

impl Store for PgStore {
    fn publish(
        &mut self,
        policies: &[PolicyRecord],
        sources: &[SourceRecord],
    ) -> Result<(), StoreError> {
        let keys = &self.keys;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&BATCH_LOCK])
            .map_err(pg_error)?;
        let version: i64 = tx
            .query_one("SELECT coalesce(max(version), 0) + 1 FROM policy", &[])
            .map_err(pg_error)?
            .get(0);
        let recorded: i32 = tx
            .query_one("SELECT coalesce(max(recorded), 0) FROM batch", &[])
            .map_err(pg_error)?
            .get(0);
        let batch: i64 = tx
            .query_one("SELECT coalesce(max(id), 0) + 1 FROM batch", &[])
            .map_err(pg_error)?
            .get(0);
        let published_at = now_ms();
        tx.execute("UPDATE policy SET in_force = false WHERE in_force", &[])
            .map_err(pg_error)?;
        let mut texts: Vec<(String, String)> = policies
            .iter()
            .map(|p| (p.name.clone(), p.text.clone()))
            .collect();
        texts.sort();
        for (name, text) in &texts {
            tx.execute(
                "INSERT INTO policy (version, name, text, published_at_ms, in_force, batch)
                 VALUES ($1, $2, $3, $4, true, $5)",
                &[&version, name, text, &published_at, &batch],
            )
            .map_err(pg_error)?;
        }
        let mut rows: Vec<(String, String, String)> = sources
            .iter()
            .map(|source| {
                let mut categories = Vec::new();
                json::write_string_array(&mut categories, &source.categories);
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
                "INSERT INTO source (batch, id, title, categories) VALUES ($1, $2, $3, $4)",
                &[&batch, id, title, categories],
            )
            .map_err(pg_error)?;
        }
        let commitment = chain::publication_commitment(&texts, &rows);
        let previous = previous_digest(&mut tx, batch)?;
        let digest = chain::batch_digest(
            keys,
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
                key_id: keys.id(),
            },
        );
        tx.execute(
            "INSERT INTO batch (id, kind, source, origin, recorded_at_ms, recorded, events,
                                unchanged, commitment, key_id, digest)
             VALUES ($1, $2, '', 'publication', $3, $4, 0, 0, $5, $6, $7)",
            &[
                &batch,
                &PUBLICATION_BATCH,
                &published_at,
                &recorded,
                &&commitment[..],
                &keys.id(),
                &&digest[..],
            ],
        )
        .map_err(pg_error)?;
        tx.commit().map_err(pg_error)?;
        witness::catch_up(&mut *client, &self.witness, keys, now_ms())
    }

    fn policies(&self) -> Result<Vec<PolicyRecord>, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                "SELECT name, text FROM policy WHERE in_force ORDER BY name",
                &[],
            )
            .map_err(pg_error)?;
        Ok(rows
            .iter()
            .map(|row| PolicyRecord {
                name: row.get(0),
                text: row.get(1),
            })
            .collect())
    }

    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                "SELECT id, title, categories FROM source
                 WHERE batch = (SELECT max(batch) FROM source) ORDER BY id",
                &[],
            )
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| {
                let id: String = row.get(0);
                let categories: &str = row.get(2);
                let categories = serde_json::from_str(categories).map_err(|e| {
                    StoreError::Corrupt(format!(
                        "source `{id}`: categories are not a JSON list: {e}"
                    ))
                })?;
                Ok(SourceRecord {
                    title: row.get(1),
                    id,
                    categories,
                })
            })
            .collect()
    }

    fn pseudonym_key(&self) -> Result<Vec<u8>, StoreError> {
        Ok(self.keys.pseudonym_key().to_vec())
    }

    fn known_references(
        &self,
        source: &str,
        references: &[&str],
    ) -> Result<Vec<Option<KnownReference>>, StoreError> {
        let mut client = self.client()?;
        let mut tx = read(&mut client)?;
        let found = ingest::known(&mut tx, source, references)?;
        let mut out = Vec::with_capacity(references.len());
        for reference in references {
            out.push(match found.get(*reference) {
                None => None,
                Some(known) => {
                    let action = known
                        .action
                        .parse()
                        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", known.seq)))?;
                    Some(KnownReference {
                        subject: known.pseudonym.clone(),
                        action,
                        category: known.category.clone(),
                        content: hex(&known.content),
                    })
                }
            });
        }
        tx.commit().map_err(pg_error)?;
        Ok(out)
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
        let keys = &self.keys;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&BATCH_LOCK])
            .map_err(pg_error)?;
        let receipt = ingest::ingest(&mut tx, keys, batch, recompute, progress)?;
        tx.commit().map_err(pg_error)?;
        witness::catch_up(&mut *client, &self.witness, keys, now_ms())?;
        Ok(receipt)
    }

    fn subject(&self, pseudonym: &str) -> Result<Option<StoredSubject>, StoreError> {
        let mut client = self.client()?;
        client
            .query_opt(
                &format!(
                    "SELECT {SUBJECT_COLUMNS} FROM subject s
                     WHERE s.subject = $1 AND s.pseudonym = $2"
                ),
                &[&subject_key(pseudonym), &pseudonym],
            )
            .map_err(pg_error)?
            .map(|row| subject_at(&row, 0, &self.keys))
            .transpose()
    }

    fn linked_to(&self, pseudonym: &str) -> Result<Vec<StoredSubject>, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SUBJECT_COLUMNS} FROM subject s
                     WHERE s.subject IN (SELECT subject FROM link WHERE pseudonym = $1)
                     ORDER BY s.subject"
                ),
                &[&pseudonym],
            )
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| subject_at(row, 0, &self.keys))
            .collect()
    }

    fn events(&self, subject: i64) -> Result<Vec<Event>, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM event e WHERE e.subject = $1
                     ORDER BY e.position"
                ),
                &[&subject],
            )
            .map_err(pg_error)?;
        rows.iter().map(|row| event_at(row, 0)).collect()
    }

    fn latest_recorded(&self) -> Result<Option<Day>, StoreError> {
        let mut client = self.client()?;
        Ok(ingest::latest_recorded(&mut *client)?.map(Day))
    }

    fn scan(&self, visit: &mut dyn FnMut(&StoredSubject, &[Event])) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = read(&mut client)?;
        scan_subjects(&mut tx, &self.keys, 1000, visit)?;
        tx.commit().map_err(pg_error)
    }

    fn standing(&self, subject: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let mut client = self.client()?;
        Ok(client
            .query_opt("SELECT body FROM standing WHERE subject = $1", &[&subject])
            .map_err(pg_error)?
            .map(|row| row.get(0)))
    }

    fn put_standings(
        &mut self,
        standings: &[StandingUpdate],
        recompute: &mut Recompute<'_>,
    ) -> Result<usize, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(pg_error)?;
        // No batch commits while the standings are compared and written.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&BATCH_LOCK])
            .map_err(pg_error)?;
        let mut current: Vec<(i64, Vec<u8>)> = Vec::with_capacity(standings.len());
        let mut again = 0;
        for chunk in standings.chunks(1000) {
            let ids: Vec<i64> = chunk.iter().map(|u| u.subject).collect();
            let counts: std::collections::HashMap<i64, i64> = tx
                .query(
                    "SELECT subject, count(*) FROM event WHERE subject = ANY($1)
                     GROUP BY subject",
                    &[&ids],
                )
                .map_err(pg_error)?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect();
            for update in chunk {
                let now = counts.get(&update.subject).copied().unwrap_or(0);
                if usize::try_from(now).ok() == Some(update.events) {
                    current.push((update.subject, update.body.clone()));
                    continue;
                }
                // A batch appended to this subject after its history was read: its standing is
                // computed again from the history as it is now (the batch lock is held).
                let Some(row) = tx
                    .query_opt(
                        &format!("SELECT {SUBJECT_COLUMNS} FROM subject s WHERE s.subject = $1"),
                        &[&update.subject],
                    )
                    .map_err(pg_error)?
                else {
                    continue;
                };
                let subject = subject_at(&row, 0, &self.keys)?;
                let events = tx
                    .query(
                        &format!(
                            "SELECT {EVENT_COLUMNS} FROM event e WHERE e.subject = $1
                             ORDER BY e.position"
                        ),
                        &[&update.subject],
                    )
                    .map_err(pg_error)?
                    .iter()
                    .map(|row| event_at(row, 0))
                    .collect::<Result<Vec<Event>, StoreError>>()?;
                current.push((update.subject, recompute(&subject, &events)));
                again += 1;
            }
        }
        ingest::upsert_standings(&mut tx, &current)?;
        tx.commit().map_err(pg_error)?;
        Ok(again)
    }

    fn log_access(&mut self, access: &Access) -> Result<(), StoreError> {
        let keys = &self.keys;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ACCESS_LOCK])
            .map_err(pg_error)?;
        let (last, previous) = witness::access_head(&mut tx)?;
        let seq = last + 1;
        let mac = chain::access_mac(
            keys,
            &previous,
            &chain::AccessFields {
                seq,
                pseudonym: &access.subject,
                party: &access.party,
                purpose: &access.purpose,
                at_ms: access.at_ms,
                day: access.day.0,
                outcome: &access.outcome,
            },
        );
        tx.execute(
            "INSERT INTO access (subject, seq, pseudonym, party, purpose, at_ms, outcome, day, mac)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &subject_key(&access.subject),
                &seq,
                &access.subject,
                &access.party,
                &access.purpose,
                &access.at_ms,
                &access.outcome,
                &access.day.0,
                &&mac[..],
            ],
        )
        .map_err(pg_error)?;
        tx.commit().map_err(pg_error)
    }

    fn accesses(&self, subject: &str) -> Result<Vec<Access>, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                "SELECT pseudonym, party, purpose, at_ms, outcome, day FROM access
                 WHERE subject = $1 AND pseudonym = $2 ORDER BY seq",
                &[&subject_key(subject), &subject],
            )
            .map_err(pg_error)?;
        Ok(rows
            .iter()
            .map(|row| Access {
                subject: row.get(0),
                party: row.get(1),
                purpose: row.get(2),
                at_ms: row.get(3),
                outcome: row.get(4),
                day: Day(row.get(5)),
            })
            .collect())
    }

    fn verify_chain(&self, published: &[PublishedHead]) -> Result<ChainReport, StoreError> {
        let mut client = self.client()?;
        let mut tx = read(&mut client)?;
        let report = verify::verify(&mut tx, &self.keys, published)?;
        tx.commit().map_err(pg_error)?;
        Ok(report)
    }

    fn verify_published(&self) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = read(&mut client)?;
        verify::verify_published(&mut tx, &self.keys, &self.witness)?;
        tx.commit().map_err(pg_error)
    }

    fn verified_subject(
        &self,
        pseudonym: &str,
    ) -> Result<Option<(StoredSubject, Vec<Event>)>, StoreError> {
        let mut client = self.client()?;
        let mut tx = read(&mut client)?;
        let found = verify::verified_subject(&mut tx, &self.keys, pseudonym)?;
        tx.commit().map_err(pg_error)?;
        Ok(found)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut client = self.client()?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM subject), (SELECT count(*) FROM event),
                        (SELECT count(*) FROM batch WHERE kind = 'events'),
                        (SELECT count(*) FROM standing)",
                &[],
            )
            .map_err(pg_error)?;
        let count = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok(StoreStats {
            subjects: count(0),
            events: count(1),
            batches: count(2),
            standings: count(3),
        })
    }

    fn source_activity(&self) -> Result<Vec<SourceActivity>, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                "SELECT source, action, count(*)
                 FROM event GROUP BY source, action ORDER BY source, action",
                &[],
            )
            .map_err(pg_error)?;
        let mut out: Vec<SourceActivity> = Vec::new();
        for row in &rows {
            let source: String = row.get(0);
            if out.last().is_none_or(|a| a.source != source) {
                out.push(SourceActivity {
                    source: source.clone(),
                    ..SourceActivity::default()
                });
            }
            if let Some(activity) = out.last_mut() {
                let count: i64 = row.get(2);
                activity
                    .actions
                    .insert(row.get(1), u64::try_from(count).unwrap_or(0));
            }
        }
        Ok(out)
    }

    fn add_token(&mut self, token: &TokenRecord) -> Result<(), StoreError> {
        tokens::add(&mut *self.client()?, &self.keys, token)
    }

    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        tokens::by_hash(&mut *self.client()?, &self.keys, hash)
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        tokens::all(&mut *self.client()?, &self.keys)
    }

    fn revoke_token(&mut self, id: &str, at_ms: i64) -> Result<Option<TokenRecord>, StoreError> {
        tokens::revoke(&mut *self.client()?, &self.keys, id, at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_keys_are_positive_and_depend_on_the_pseudonym_alone() {
        let a = subject_key("abc");
        assert!(a >= 0);
        assert_eq!(a, subject_key("abc"));
        assert_ne!(a, subject_key("abd"));
    }

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            redact("postgres://user:secret@db:5432/x"),
            "postgres://user:***@db:5432/x"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
    }
}
