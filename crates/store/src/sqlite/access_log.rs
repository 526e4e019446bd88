//! The access log in a file of its own, `access.db`, beside `registry.db`.
//!
//! Every check and every report appends to the log, durably, before its answer leaves. Kept in
//! the registry's database, that append queued behind the write lock a batch holds for its
//! whole transaction, so a check during a large intake waited for it or failed as "locked".
//! In its own SQLite file (WAL, `synchronous=FULL`, owner-only) the append only ever waits for
//! another access being appended, a wait of milliseconds, bounded by a busy timeout.
//!
//! The log is a keyed chain of its own (each entry's MAC covers the one before it,
//! [`crate::chain`]); the witness file's lines publish its head, so truncating,
//! replacing or editing this file is caught like any other change to the history. A registry
//! made before the log moved keeps its entries: they are copied here, MACs unchanged, before
//! the old table is dropped.

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use super::{io_error, owner_only, witness};
use crate::{Access, Keys, StoreError, chain};

/// The access log's file inside a registry directory.
pub const ACCESS_FILE: &str = "access.db";

/// How long an append waits for another one in progress (appends take milliseconds; no batch
/// ever holds this file's lock).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = r#"
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

/// Makes a new, empty access log at `path` (owner-only). Refuses a file that exists.
pub(crate) fn create(path: &Path) -> Result<Connection, StoreError> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    owner_only(path, 0o600)?;
    let mut conn = connect(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    tx.commit()?;
    super::owner_only_journal(path)?;
    Ok(conn)
}

/// Opens the access log of a registry. A missing file, or one that holds no access log (a file
/// truncated or replaced), is history altered: the log is part of what the registry proves.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let missing = |why: &str| {
        StoreError::Tampered(format!(
            "the access log `{}` {why} (removed, truncated or replaced)",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(missing("is missing"));
    }
    let conn = match connect(path) {
        Ok(conn) => conn,
        Err(StoreError::Corrupt(_)) => return Err(missing("is not a database")),
        Err(other) => return Err(other),
    };
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'access'",
        [],
        |row| row.get(0),
    )?;
    if tables == 0 {
        return Err(missing("holds no access log"));
    }
    super::owner_only_journal(path)?;
    Ok(conn)
}

/// The access log of a registry made before it had a file of its own: made, if need be, and
/// given every entry of the old table (again, harmlessly, after a crash between the copy and
/// the migration that drops the old table).
pub(crate) fn open_moving(path: &Path, database: &Path) -> Result<Connection, StoreError> {
    let conn = if path.is_file() {
        open(path)?
    } else {
        create(path)?
    };
    conn.execute(
        "ATTACH DATABASE ?1 AS legacy",
        [database.display().to_string()],
    )?;
    let moved = conn.execute(
        "INSERT OR IGNORE INTO main.access
             (seq, pseudonym, party, purpose, at_ms, outcome, day, mac)
         SELECT seq, pseudonym, party, purpose, at_ms, outcome, day, mac FROM legacy.access",
        [],
    );
    conn.execute("DETACH DATABASE legacy", [])?;
    moved?;
    Ok(conn)
}

/// WAL with `synchronous=FULL`: an access logged survives a killed process and a power loss.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "access log journal mode is `{mode}`, WAL could not be enabled"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Appends an access, chained to the entry before it, in one durable transaction.
pub(crate) fn append(
    conn: &mut Connection,
    keys: &Keys,
    access: &Access,
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (last, previous) = witness::access_head(&tx)?;
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
        "INSERT INTO access (seq, pseudonym, party, purpose, at_ms, outcome, day, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            seq,
            access.subject,
            access.party,
            access.purpose,
            access.at_ms,
            access.outcome,
            access.day.0,
            &mac[..]
        ],
    )?;
    tx.commit()?;
    Ok(())
}
