//! The numbered migrations of the PostgreSQL schema, recorded in `schema_migrations`.
//!
//! The schema evolves only by adding a script `migrations/NNNN_*.sql` to [`MIGRATIONS`]; a
//! released script is never edited. Opening applies the scripts a database has not run, in one
//! transaction that holds a lock on `schema_migrations` (two processes opening at once migrate
//! once), and refuses a database that has run more scripts than this build knows.

use postgres::{Client, Transaction};

use super::pg_error;
use crate::StoreError;

/// The schema scripts, in order; version `n` is the state after `MIGRATIONS[..n]`.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_tokens.sql"),
];

/// The schema version this build writes and understands.
pub(crate) fn supported_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Whether the database (in the connection's search path) holds a registry.
pub(crate) fn exists(client: &mut Client) -> Result<bool, StoreError> {
    let row = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .map_err(pg_error)?;
    Ok(row.get(0))
}

/// Applies the scripts not applied yet, in the caller's transaction.
pub(crate) fn apply(tx: &mut Transaction<'_>) -> Result<(), StoreError> {
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );
         LOCK TABLE schema_migrations IN EXCLUSIVE MODE;",
    )
    .map_err(pg_error)?;
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(pg_error)?
        .get(0);
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaVersion { found, supported });
    }
    for (index, script) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= found {
            continue;
        }
        tx.batch_execute(script).map_err(pg_error)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .map_err(pg_error)?;
    }
    Ok(())
}

/// Refuses a database written by a newer build; migrates an older one.
pub(crate) fn check_and_migrate(client: &mut Client) -> Result<(), StoreError> {
    let found: i64 = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(pg_error)?
        .get(0);
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaVersion { found, supported });
    }
    if found < supported {
        let mut tx = client.transaction().map_err(pg_error)?;
        apply(&mut tx)?;
        tx.commit().map_err(pg_error)?;
    }
    Ok(())
}
