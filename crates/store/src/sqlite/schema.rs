//! The database schema and its migrations, and the connection settings every open applies.
//!
//! The schema evolves only by appending a script to [`MIGRATIONS`]; a released script is never
//! edited, because registries already created ran it as it was. `meta.schema_version` records
//! how many scripts a database has run; the scripts an open applies run in one transaction with
//! that bump, so a crash mid-migration leaves the previous version intact.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::StoreError;

/// The schema scripts, in order; version `n` is the state after `MIGRATIONS[..n]`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    );
    -- Every published policy set is kept; `in_force` marks the current one.
    CREATE TABLE policy (
        version         INTEGER NOT NULL,
        name            TEXT NOT NULL,
        text            TEXT NOT NULL,
        published_at_ms INTEGER NOT NULL,
        in_force        INTEGER NOT NULL,
        PRIMARY KEY (version, name)
    );
    CREATE INDEX policy_in_force ON policy (in_force, name);
    CREATE TABLE source (
        id         TEXT PRIMARY KEY NOT NULL,
        title      TEXT NOT NULL,
        categories TEXT NOT NULL -- JSON array of category names
    );
    CREATE TABLE subject (
        id        INTEGER PRIMARY KEY,
        pseudonym TEXT UNIQUE NOT NULL,
        kind      TEXT NOT NULL,
        birth     INTEGER,        -- Day: days since 1970-01-01
        masked    TEXT NOT NULL
    );
    CREATE TABLE batch (
        id             INTEGER PRIMARY KEY,
        source         TEXT NOT NULL,
        origin         TEXT NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        events         INTEGER NOT NULL, -- appended
        unchanged      INTEGER NOT NULL, -- resubmitted unchanged, skipped
        head           BLOB NOT NULL     -- chain head after the batch
    );
    CREATE TABLE event (
        seq        INTEGER PRIMARY KEY,
        subject    INTEGER NOT NULL REFERENCES subject (id),
        source     TEXT NOT NULL,
        reference  TEXT NOT NULL,
        action     TEXT NOT NULL,
        category   TEXT NOT NULL,
        target     TEXT,
        valid      INTEGER NOT NULL,
        recorded   INTEGER NOT NULL,
        attributes TEXT NOT NULL, -- canonical JSON
        content    BLOB NOT NULL, -- sha256 of the canonical content
        batch      INTEGER NOT NULL REFERENCES batch (id),
        hash       BLOB NOT NULL, -- chain link
        UNIQUE (source, reference)
    );
    CREATE INDEX event_subject ON event (subject, seq);
    -- The history is append-only: the store itself never updates or deletes an event.
    CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TABLE link (
        pseudonym TEXT NOT NULL,
        subject   INTEGER NOT NULL REFERENCES subject (id),
        seq       INTEGER NOT NULL REFERENCES event (seq)
    );
    CREATE INDEX link_pseudonym ON link (pseudonym);
    CREATE TABLE standing (
        subject INTEGER PRIMARY KEY REFERENCES subject (id),
        body    BLOB NOT NULL
    );
    "#,
    // 2: the access log: who asked about a subject, for what, and what they were told.
    r#"
    CREATE TABLE access (
        seq       INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL,
        party     TEXT NOT NULL,
        purpose   TEXT NOT NULL,
        at_ms     INTEGER NOT NULL,
        outcome   TEXT NOT NULL
    );
    CREATE INDEX access_by_subject ON access (pseudonym, seq);
    CREATE TRIGGER access_append_only_update BEFORE UPDATE ON access
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    CREATE TRIGGER access_append_only_delete BEFORE DELETE ON access
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    "#,
    // 3: an access carries the registry's date, the calendar of the events (NULL in rows
    // written before: read as the UTC day of `at_ms`).
    r#"
    ALTER TABLE access ADD COLUMN day INTEGER;
    "#,
    // 4: the key leaves the database (a key file beside it), and a person's birth date is
    // stored sealed under it. Registries at an earlier version kept their key in `meta` and are
    // refused, not migrated (`KEY_OUTSIDE`), so this runs only on a new, empty database.
    r#"
    DELETE FROM meta WHERE key = 'pseudonym_key';
    DROP TABLE subject;
    CREATE TABLE subject (
        id        INTEGER PRIMARY KEY,
        pseudonym TEXT UNIQUE NOT NULL,
        kind      TEXT NOT NULL,
        birth     BLOB,           -- sealed under the registry's key (`Keys::seal_birth`)
        masked    TEXT NOT NULL
    );
    "#,
    // 5: keyed per-subject chains, batch digests, a keyed access log.
    KEYED_HISTORY,
    // 6: the access log moves to a file of its own (`access.db`), so that logging a check
    // never waits for a batch's write lock. The open copies its entries there first.
    r#"
    DROP TABLE access;
    "#,
    // 7: bearer tokens, kept as the SHA-256 of the token, each row MAC'd under the key.
    r#"
    CREATE TABLE token (
        id            TEXT PRIMARY KEY NOT NULL, -- the hash's first 12 hex characters
        hash          TEXT UNIQUE NOT NULL,      -- SHA-256 of the token, hex
        role          TEXT NOT NULL,
        principal     TEXT NOT NULL,             -- a subject's is its pseudonym
        label         TEXT NOT NULL,             -- how listings show the principal
        issued_at_ms  INTEGER NOT NULL,
        revoked_at_ms INTEGER,
        mac           BLOB NOT NULL              -- `tokens::mac`, over every column above
    );
    "#,
];

/// The first schema version whose access log lives in its own file.
pub(crate) const ACCESS_APART: i64 = 6;

/// Migration 5: the keyed history. Like 4, it runs only on a new, empty database.
const KEYED_HISTORY: &str = r#"
    -- The unkeyed global chain goes: each subject has its own keyed chain, committed by a
    -- keyed chain of batch digests (`chain.rs`).
    DELETE FROM meta WHERE key = 'head';
    DROP TABLE standing;
    DROP TABLE link;
    DROP TABLE event;
    DROP TABLE batch;
    DROP TABLE source;
    DROP TABLE access;
    ALTER TABLE subject ADD COLUMN birth_at INTEGER;    -- position of the link that set birth (0: genesis)
    ALTER TABLE subject ADD COLUMN birth_batch INTEGER; -- the batch of that link
    ALTER TABLE policy ADD COLUMN batch INTEGER NOT NULL DEFAULT 0; -- the publication
    CREATE TABLE batch (
        id             INTEGER PRIMARY KEY,
        kind           TEXT NOT NULL,    -- 'events' or 'publication'
        source         TEXT NOT NULL,
        origin         TEXT NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        recorded       INTEGER NOT NULL, -- the registry's date: the latest recorded day
        events         INTEGER NOT NULL, -- appended
        unchanged      INTEGER NOT NULL, -- resubmitted unchanged, skipped
        commitment     BLOB NOT NULL,    -- to the (subject, head, count) left, or the publication
        key_id         TEXT NOT NULL,
        digest         BLOB NOT NULL     -- MAC(previous digest, the fields above)
    );
    CREATE TABLE source (
        batch      INTEGER NOT NULL REFERENCES batch (id), -- the publication
        id         TEXT NOT NULL,
        title      TEXT NOT NULL,
        categories TEXT NOT NULL, -- JSON array of category names
        PRIMARY KEY (batch, id)
    );
    CREATE TABLE event (
        seq        INTEGER PRIMARY KEY,
        subject    INTEGER NOT NULL REFERENCES subject (id),
        position   INTEGER NOT NULL, -- in the subject's chain
        source     TEXT NOT NULL,
        reference  TEXT NOT NULL,
        action     TEXT NOT NULL,
        category   TEXT NOT NULL,
        target     TEXT,
        valid      INTEGER NOT NULL,
        recorded   INTEGER NOT NULL,
        attributes TEXT NOT NULL, -- canonical JSON
        content    BLOB NOT NULL, -- sha256 of the canonical content
        batch      INTEGER NOT NULL REFERENCES batch (id),
        hash       BLOB NOT NULL, -- the subject's chain link (a MAC)
        UNIQUE (source, reference)
    );
    CREATE INDEX event_subject ON event (subject, position);
    CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TABLE link (
        pseudonym TEXT NOT NULL,
        subject   INTEGER NOT NULL REFERENCES subject (id),
        seq       INTEGER NOT NULL REFERENCES event (seq)
    );
    CREATE INDEX link_pseudonym ON link (pseudonym);
    CREATE INDEX link_seq ON link (seq);
    -- How many link rows name a subject, MAC'd: a check on a representative sees a link removed.
    CREATE TABLE linked (
        pseudonym TEXT PRIMARY KEY NOT NULL,
        count     INTEGER NOT NULL,
        mac       BLOB NOT NULL
    );
    CREATE TABLE subject_head (
        subject INTEGER NOT NULL REFERENCES subject (id),
        batch   INTEGER NOT NULL REFERENCES batch (id),
        head    BLOB NOT NULL,
        count   INTEGER NOT NULL,
        PRIMARY KEY (subject, batch)
    ) WITHOUT ROWID;
    CREATE TABLE standing (
        subject INTEGER PRIMARY KEY REFERENCES subject (id),
        body    BLOB NOT NULL
    );
    CREATE TABLE access (
        seq       INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL,
        party     TEXT NOT NULL,
        purpose   TEXT NOT NULL,
        at_ms     INTEGER NOT NULL,
        outcome   TEXT NOT NULL,
        day       INTEGER NOT NULL,
        mac       BLOB NOT NULL -- MAC(previous entry's mac, this entry)
    );
    CREATE INDEX access_by_subject ON access (pseudonym, seq);
    CREATE TRIGGER access_append_only_update BEFORE UPDATE ON access
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    CREATE TRIGGER access_append_only_delete BEFORE DELETE ON access
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
"#;

/// The first schema version whose key lives outside the database and whose history is keyed: an
/// earlier registry is refused (its key sat in clear in the file, so its pseudonyms protect
/// nothing, and its chain could be re-sealed by anyone).
pub(crate) const KEY_OUTSIDE: i64 = 5;

/// The schema version this build writes and understands.
pub(crate) fn supported_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Per-connection settings. WAL with `synchronous=FULL` makes a committed batch survive both a
/// killed process and a power loss, and lets readers work while a batch is written; the
/// 128 MiB page cache keeps a large batch's index pages in memory; `touched` is this
/// connection's scratch list of subjects whose standing to recompute.
pub(crate) fn configure(conn: &Connection) -> Result<(), StoreError> {
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "journal mode is `{mode}`, WAL could not be enabled"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -131_072)?; // negative: KiB
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY)")?;
    Ok(())
}

/// Whether the database has the `meta` table of a registry.
pub(crate) fn has_meta(conn: &Connection) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
        [],
        |row| row.get::<_, i64>(0),
    )
    .map(|count| count > 0)
}

/// Refuses a database written by a newer build; migrates an older one. Takes the write lock
/// only when there is something to migrate, so opening never waits for a running batch.
pub(crate) fn check_and_migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = version(conn)?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaVersion { found, supported });
    }
    if found < supported {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        apply_migrations(&tx)?;
        tx.commit()?;
    }
    Ok(())
}

/// Applies the scripts the database has not run yet, in the caller's transaction (the version
/// is read again inside it: another process may have migrated meanwhile).
pub(crate) fn apply_migrations(conn: &Connection) -> Result<(), StoreError> {
    let found = if has_meta(conn)? { version(conn)? } else { 0 };
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaVersion { found, supported });
    }
    let done = usize::try_from(found)
        .map_err(|_| StoreError::Corrupt(format!("schema version {found}")))?;
    for (index, script) in MIGRATIONS.iter().enumerate().skip(done) {
        conn.execute_batch(script)?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [index as i64 + 1],
        )?;
    }
    Ok(())
}

/// The recorded schema version (0 when none is recorded yet).
pub(crate) fn version(conn: &Connection) -> Result<i64, StoreError> {
    let found = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .optional()?;
    Ok(found.unwrap_or(0))
}
