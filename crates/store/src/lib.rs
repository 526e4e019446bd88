//! The history store: an append-only log of events per subject, each subject's a chain MAC'd
//! under a key kept outside the database, committed by a MAC'd chain of batch digests whose
//! heads are published to a witness file; the registered sources and policies (publications
//! in the same chain), and the current standing of every subject.
//!
//! One trait, [`Store`], and its backends (one module each): [`sqlite::SqliteStore`] is the
//! embedded default, [`postgres::PgStore`] keeps the same history in PostgreSQL (or Citus), and
//! [`AnyStore`] is whichever of them a registry's [`Paths`] name. What a backend does not decide is shared by all of them: the canonical
//! encodings ([`canonical`]), the content hash ([`hash`]), the keyed chain and what each MAC
//! covers ([`chain`]), and the witness file's lines ([`witness`]). A backend's own failures
//! reach callers as [`StoreError`]'s backend-neutral variants ([`StoreError::Backend`],
//! [`StoreError::Busy`], [`StoreError::Corrupt`], [`StoreError::Io`]), never as its driver's
//! error type. The store holds no business rules: it does not know what a category means
//! or how a standing is computed. Intake validates a batch before it reaches the store, and the
//! caller hands [`Store::ingest`] a closure that computes a subject's standing from its events,
//! so that standings are written in the same transaction as the events that changed them.
//!
//! Invariant: a batch is atomic. `ingest` returns `Ok` only after the batch, its hash-chain
//! links and the new standings are durable; an error, a panic or a killed process leaves the
//! store exactly as it was before the batch.

pub mod any;
pub mod canonical;
pub mod chain;
pub mod hash;
pub mod keys;
pub mod postgres;
pub mod sqlite;
pub mod tokens;
pub mod witness;

use credence_model::{Day, Event, SubjectKind};
use serde::{Deserialize, Serialize};

pub use any::AnyStore;
pub use keys::Keys;
pub use postgres::PgStore;
pub use sqlite::{Paths, SqliteStore};

/// The limit on events in one batch: larger files are refused, not half-loaded.
pub const BATCH_EVENTS_MAX: usize = 5_000_000;

/// A subject as the store keeps it: never the identifier itself, only a keyed pseudonym and a
/// masked form for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSubject {
    /// The backend's internal number: dense in order of first appearance on SQLite (1, 2,
    /// 3...), derived from the pseudonym on PostgreSQL (so Citus distributes by it). Never
    /// shown to anyone; scans visit subjects in order of it.
    pub id: i64,
    /// Keyed hash of the canonical identifier (hex); the lookup key.
    pub pseudonym: String,
    pub kind: SubjectKind,
    /// Birth date carried by a person's identifier, or else the first one a source stated, so a
    /// minor can be recognised. Stored sealed under the registry's key.
    pub birth: Option<Day>,
    /// The identifier with all but its last characters hidden, for display.
    pub masked: String,
}

/// A subject named by a new event (it is created on first appearance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectRef {
    pub pseudonym: String,
    pub kind: SubjectKind,
    pub birth: Option<Day>,
    pub masked: String,
}

/// An event to append. Its `seq` is assigned by the store; `recorded` is set by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub subject: SubjectRef,
    pub event: Event,
    /// Pseudonyms of other subjects this event names (an organisation's legal representative).
    /// Indexed so that a measure's declared extension to the representative can be checked;
    /// never used to compute anyone's standing.
    pub links: Vec<String>,
}

/// A validated batch from one source.
#[derive(Clone, Debug)]
pub struct Batch {
    pub source: String,
    /// Where the batch came from (a file name), kept with the batch for audit.
    pub origin: String,
    /// Wall-clock time of intake, milliseconds since the Unix epoch.
    pub recorded_at_ms: i64,
    pub events: Vec<NewEvent>,
}

/// What an accepted batch did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReceipt {
    pub batch: i64,
    /// Events appended.
    pub appended: usize,
    /// Events skipped because the same source had already submitted the same reference with
    /// identical content (intake is idempotent).
    pub unchanged: usize,
    /// Subjects whose standing was recomputed.
    pub subjects: usize,
    /// Hash-chain head after the batch (hex).
    pub head: String,
}

/// A registered source and the categories it may report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub id: String,
    pub title: String,
    pub categories: Vec<String>,
}

/// A policy document as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRecord {
    pub name: String,
    pub text: String,
}

/// What the store already holds under a source's reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownReference {
    pub subject: String,
    pub action: credence_model::Action,
    pub category: String,
    /// Hash of the stored event's content (hex), to tell a resubmission from a conflict.
    pub content: String,
}

/// One access to a subject's standing: who asked, for what, and what they were told. The log
/// is append-only and shown to the subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The subject's pseudonym.
    pub subject: String,
    /// Who asked: a relying party's kind (`airline`), or `subject` for the subject itself.
    pub party: String,
    /// What for: `check no-flights`, `report`.
    pub purpose: String,
    /// The registry's date when it was asked: the same calendar as the events' recorded days,
    /// so that the subject reads one timeline (`--today` moves both).
    pub day: Day,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// What the asker was told (or that it was refused).
    pub outcome: String,
}

/// A bearer token as the store keeps it: never the token itself, only its SHA-256, with the
/// one principal it names. The store holds no rule about roles: it keeps what the registry
/// issued, under a MAC of the registry's key ([`tokens::mac`]), so a row written into the
/// database by anyone without the key (a token of their own, a revocation undone by editing
/// the row) is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Names the token in listings and revocation: the first 12 hexadecimal characters of its
    /// hash.
    pub id: String,
    /// SHA-256 of the token (hex).
    pub hash: String,
    /// `operator`, `source`, `relying-party`, `subject` or `auditor`.
    pub role: String,
    /// Whom it names: a registered source, a relying party's kind, a subject's pseudonym, or an
    /// operator's or auditor's name.
    pub principal: String,
    /// How the principal is shown in listings (a subject's masked identifier, never its
    /// pseudonym; the name otherwise).
    pub label: String,
    /// Wall-clock time of issue, milliseconds since the Unix epoch.
    pub issued_at_ms: i64,
    /// When it was revoked; a revoked token opens nothing.
    pub revoked_at_ms: Option<i64>,
}

/// When something happens: the registry's date (the day events are recorded on) and the
/// wall-clock time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub day: Day,
    pub at_ms: i64,
}

impl Stamp {
    /// The UTC day of a wall-clock time.
    pub fn utc_day(at_ms: i64) -> Day {
        Day(i32::try_from(at_ms.div_euclid(86_400_000)).unwrap_or(0))
    }
}

/// A wall-clock time alone: its UTC day stands for the registry's date.
impl From<i64> for Stamp {
    fn from(at_ms: i64) -> Stamp {
        Stamp {
            day: Stamp::utc_day(at_ms),
            at_ms,
        }
    }
}

/// What the history is proved against: a head published outside the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublishedHead {
    /// The lines of a witness file (the registry's own by default, or a copy shipped elsewhere).
    Witness(std::path::PathBuf),
    /// One published batch digest (hex), with its batch number when known (`42:<hex>`).
    Digest { batch: Option<i64>, digest: String },
}

/// Result of replaying the whole history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub events: u64,
    pub subjects: u64,
    /// Batches of the batch chain, publications included.
    pub batches: u64,
    pub accesses: u64,
    /// The last batch and its digest, `N:<hex>` (what `--head` takes).
    pub head: String,
    /// What does not verify, in words (empty when the history is intact).
    pub problems: Vec<String>,
}

/// Counts for a summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStats {
    pub subjects: u64,
    pub events: u64,
    pub batches: u64,
    pub standings: u64,
}

/// What one source has submitted: events per action. Which of its disputes it lost is the
/// engine's to decide, from the events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceActivity {
    pub source: String,
    /// Events per action name (`record`, `correct`, `retract`...).
    pub actions: std::collections::BTreeMap<String, u64>,
}

/// A standing to store, with how many events the history it was computed from held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandingUpdate {
    pub subject: i64,
    /// The subject's events the standing was computed from (its history as read).
    pub events: usize,
    /// The serialised standing.
    pub body: Vec<u8>,
}

/// Computes the standing of one subject from all its events (in history order), serialised.
pub type Recompute<'a> = dyn FnMut(&StoredSubject, &[Event]) -> Vec<u8> + 'a;

/// Reports progress while a batch is written: events written so far.
pub type Progress<'a> = dyn FnMut(usize) + 'a;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed for a reason none of the other variants names (a statement it
    /// refused, a constraint, a connection lost).
    #[error("store error: {message}")]
    Backend { message: String },
    /// Another writer holds the store and did not let go in time; the operation may be retried.
    #[error("store busy: {message} (another process is writing; try again)")]
    Busy { message: String },
    #[error("store at `{path}` is not a credence registry (run `credence init` first)")]
    NotARegistry { path: String },
    #[error("registry at `{path}` already exists")]
    AlreadyExists { path: String },
    #[error("batch of {len} events exceeds the limit of {max}: split the file")]
    BatchTooLarge { len: usize, max: usize },
    #[error("store schema version {found} is newer than this build understands ({supported})")]
    SchemaVersion { found: i64, supported: i64 },
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// Recorded time only moves forward: a batch may not be recorded on a day earlier than the
    /// latest recorded day the history holds (the answer "as known on K" would change after
    /// the fact).
    #[error(
        "the batch is recorded on {recorded}, before {latest}, the latest day the registry has \
         already recorded: recorded time only moves forward (check the registry's date, `--today`)"
    )]
    RecordedBackwards {
        recorded: credence_model::Day,
        latest: credence_model::Day,
    },
    /// A file-system operation around the database, or the database's own reading and writing
    /// of its files, failed (making its directory, reading random bytes for the key, a full
    /// disk).
    #[error("store I/O on `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The key file is missing or is not a key.
    #[error("key file `{path}`: {why}")]
    KeyFile { path: String, why: String },
    /// The key file may be read by others than its owner.
    #[error(
        "key file `{path}` may be read by its group or others (mode {mode:03o}): it must be \
         readable by its owner only; run `chmod 600 {path}`"
    )]
    KeyExposed { path: String, mode: u32 },
    /// What was read does not match what the registry sealed under its key: the history was
    /// altered behind the store's back. Nothing is answered from it.
    #[error("history altered: {0}; nothing was answered from it: run `credence audit verify`")]
    Tampered(String),
    /// The database ends before a head published outside it: batches were removed.
    #[error(
        "history rolled back: the database ends at batch {stored}, but batch {published} was \
         published in the witness; nothing was answered from it: run `credence audit verify`"
    )]
    RolledBack { stored: i64, published: i64 },
    /// A registry made by an earlier version, which kept its key inside the database.
    #[error(
        "registry at `{path}` was made by an earlier version that kept its key inside the \
         database (where anyone with the file could re-identify its subjects) or whose history \
         is not keyed: it is not opened; create a new registry with `credence init` and ingest \
         the source files again"
    )]
    Legacy { path: String },
}

/// The history store.
pub trait Store {
    /// Replaces the published policy set and the registered sources (at `init`, or on
    /// republication). Each call is one transaction and is itself recorded in the history of
    /// policies (old versions are kept).
    fn publish(
        &mut self,
        policies: &[PolicyRecord],
        sources: &[SourceRecord],
    ) -> Result<(), StoreError>;
    /// The policy set in force.
    fn policies(&self) -> Result<Vec<PolicyRecord>, StoreError>;
    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError>;
    /// A secret of this registry, made at creation, that keys the subject pseudonyms.
    fn pseudonym_key(&self) -> Result<Vec<u8>, StoreError>;

    /// What the store already holds under these references of `source`.
    fn known_references(
        &self,
        source: &str,
        references: &[&str],
    ) -> Result<Vec<Option<KnownReference>>, StoreError>;

    /// Appends a batch atomically and recomputes the standing of every subject it touches in
    /// the same transaction.
    fn ingest(
        &mut self,
        batch: &Batch,
        recompute: &mut Recompute<'_>,
        progress: &mut Progress<'_>,
    ) -> Result<BatchReceipt, StoreError>;

    fn subject(&self, pseudonym: &str) -> Result<Option<StoredSubject>, StoreError>;
    /// Subjects with an event that names `pseudonym` as a link (organisations it represents).
    fn linked_to(&self, pseudonym: &str) -> Result<Vec<StoredSubject>, StoreError>;
    /// All events of a subject, in history order (its chain's order).
    fn events(&self, subject: i64) -> Result<Vec<Event>, StoreError>;
    /// The latest recorded day in the history (`None` when it is empty).
    fn latest_recorded(&self) -> Result<Option<credence_model::Day>, StoreError>;
    /// Every subject with its events, in subject order (for population work).
    fn scan(&self, visit: &mut dyn FnMut(&StoredSubject, &[Event])) -> Result<(), StoreError>;

    /// The stored standing of a subject.
    fn standing(&self, subject: i64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Replaces the stored standings of many subjects in one transaction. Each was computed from
    /// the subject's history as it stood when read; a subject whose history has grown since (a
    /// batch committed in between) is computed again by `recompute`, inside the transaction,
    /// from its history as it is now, so no standing is written from a stale history. Returns
    /// how many subjects were computed again.
    fn put_standings(
        &mut self,
        standings: &[StandingUpdate],
        recompute: &mut Recompute<'_>,
    ) -> Result<usize, StoreError>;

    /// Appends an access to the log (one durable transaction).
    fn log_access(&mut self, access: &Access) -> Result<(), StoreError>;
    /// Every access to a subject, oldest first.
    fn accesses(&self, subject: &str) -> Result<Vec<Access>, StoreError>;

    /// Replays the whole history (every subject chain, every batch digest and commitment, the
    /// publications, the access log) and proves it against every published head given.
    fn verify_chain(&self, published: &[PublishedHead]) -> Result<ChainReport, StoreError>;
    /// The cheap check before any answer: the batch chain's digests, the catalogue in force,
    /// and the latest batch against the witness file's last line.
    fn verify_published(&self) -> Result<(), StoreError>;
    /// A subject with its events, read in one transaction and verified against its chain and
    /// the heads its batches recorded, and the count of links naming it against its MAC
    /// (`None`, after that check, when the store holds no events about it).
    fn verified_subject(
        &self,
        pseudonym: &str,
    ) -> Result<Option<(StoredSubject, Vec<Event>)>, StoreError>;
    fn stats(&self) -> Result<StoreStats, StoreError>;
    /// Per source, what it has submitted (for the measured reversal rates of sources).
    fn source_activity(&self) -> Result<Vec<SourceActivity>, StoreError>;

    /// Keeps a newly issued token (its hash, never the token). A token whose id or hash is
    /// already kept is refused.
    fn add_token(&mut self, token: &TokenRecord) -> Result<(), StoreError>;
    /// The token with this hash (hex of its SHA-256), revoked or not; [`StoreError::Tampered`]
    /// when its row does not carry the MAC the registry sealed it with.
    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Every token, revoked ones included, in order of issue.
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes the token named `id` at `at_ms`; `None` when no token has that id, and the token
    /// as it is now otherwise (revoked earlier: unchanged).
    fn revoke_token(&mut self, id: &str, at_ms: i64) -> Result<Option<TokenRecord>, StoreError>;
}
