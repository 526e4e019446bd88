//! A registry's store on whichever backend its [`Paths`] name: the embedded SQLite file in the
//! registry directory, or a PostgreSQL database (`Paths::database`). The application holds one
//! [`AnyStore`] and never names a backend.

use std::path::Path;

use credence_model::{Day, Event};

use crate::witness::WitnessLine;
use crate::{
    Access, Batch, BatchReceipt, ChainReport, Keys, KnownReference, Paths, PgStore, PolicyRecord,
    Progress, PublishedHead, Recompute, SourceActivity, SourceRecord, SqliteStore, StandingUpdate,
    Store, StoreError, StoreStats, StoredSubject, TokenRecord,
};

/// The store of a registry, on its backend.
#[derive(Debug)]
pub enum AnyStore {
    Sqlite(Box<SqliteStore>),
    Postgres(Box<PgStore>),
}

/// Calls `$method` on the backend's store.
macro_rules! each {
    ($self:expr, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call,
            AnyStore::Postgres($store) => $call,
        }
    };
}

impl AnyStore {
    /// Creates a registry at `paths`: in the database `paths.database` names, or else in the
    /// registry directory's own SQLite file.
    pub fn create_at(paths: &Paths) -> Result<AnyStore, StoreError> {
        Ok(match &paths.database {
            Some(url) => AnyStore::Postgres(Box::new(PgStore::create_at(url, paths)?)),
            None => AnyStore::Sqlite(Box::new(SqliteStore::create_at(paths)?)),
        })
    }

    /// Opens the registry at `paths`, on the backend it names.
    pub fn open_at(paths: &Paths) -> Result<AnyStore, StoreError> {
        Ok(match &paths.database {
            Some(url) => AnyStore::Postgres(Box::new(PgStore::open_at(url, paths)?)),
            None => AnyStore::Sqlite(Box::new(SqliteStore::open_at(paths)?)),
        })
    }

    /// The registry's keys.
    pub fn keys(&self) -> &Keys {
        each!(self, store => store.keys())
    }

    /// The witness file.
    pub fn witness(&self) -> &Path {
        each!(self, store => store.witness())
    }

    /// Publishes the access log's head to the witness file now (see
    /// [`SqliteStore::witness_accesses`]).
    pub fn witness_accesses(&self) -> Result<Option<WitnessLine>, StoreError> {
        each!(self, store => store.witness_accesses())
    }
}

impl Store for AnyStore {
    fn publish(
        &mut self,
        policies: &[PolicyRecord],
        sources: &[SourceRecord],
    ) -> Result<(), StoreError> {
        each!(self, store => store.publish(policies, sources))
    }

    fn policies(&self) -> Result<Vec<PolicyRecord>, StoreError> {
        each!(self, store => store.policies())
    }

    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        each!(self, store => store.sources())
    }

    fn pseudonym_key(&self) -> Result<Vec<u8>, StoreError> {
        each!(self, store => store.pseudonym_key())
    }

    fn known_references(
        &self,
        source: &str,
        references: &[&str],
    ) -> Result<Vec<Option<KnownReference>>, StoreError> {
        each!(self, store => store.known_references(source, references))
    }

    fn ingest(
        &mut self,
        batch: &Batch,
        recompute: &mut Recompute<'_>,
        progress: &mut Progress<'_>,
    ) -> Result<BatchReceipt, StoreError> {
        each!(self, store => store.ingest(batch, recompute, progress))
    }

    fn subject(&self, pseudonym: &str) -> Result<Option<StoredSubject>, StoreError> {
        each!(self, store => store.subject(pseudonym))
    }

    fn linked_to(&self, pseudonym: &str) -> Result<Vec<StoredSubject>, StoreError> {
        each!(self, store => store.linked_to(pseudonym))
    }

    fn events(&self, subject: i64) -> Result<Vec<Event>, StoreError> {
        each!(self, store => store.events(subject))
    }

    fn latest_recorded(&self) -> Result<Option<Day>, StoreError> {
        each!(self, store => store.latest_recorded())
    }

    fn scan(&self, visit: &mut dyn FnMut(&StoredSubject, &[Event])) -> Result<(), StoreError> {
        each!(self, store => store.scan(visit))
    }

    fn standing(&self, subject: i64) -> Result<Option<Vec<u8>>, StoreError> {
        each!(self, store => store.standing(subject))
    }

    fn put_standings(
        &mut self,
        standings: &[StandingUpdate],
        recompute: &mut Recompute<'_>,
    ) -> Result<usize, StoreError> {
        each!(self, store => store.put_standings(standings, recompute))
    }

    fn log_access(&mut self, access: &Access) -> Result<(), StoreError> {
        each!(self, store => store.log_access(access))
    }

    fn accesses(&self, subject: &str) -> Result<Vec<Access>, StoreError> {
        each!(self, store => store.accesses(subject))
    }

    fn verify_chain(&self, published: &[PublishedHead]) -> Result<ChainReport, StoreError> {
        each!(self, store => store.verify_chain(published))
    }

    fn verify_published(&self) -> Result<(), StoreError> {
        each!(self, store => store.verify_published())
    }

    fn verified_subject(
        &self,
        pseudonym: &str,
    ) -> Result<Option<(StoredSubject, Vec<Event>)>, StoreError> {
        each!(self, store => store.verified_subject(pseudonym))
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        each!(self, store => store.stats())
    }

    fn source_activity(&self) -> Result<Vec<SourceActivity>, StoreError> {
        each!(self, store => store.source_activity())
    }

    fn add_token(&mut self, token: &TokenRecord) -> Result<(), StoreError> {
        each!(self, store => store.add_token(token))
    }

    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        each!(self, store => store.token(hash))
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        each!(self, store => store.tokens())
    }

    fn revoke_token(&mut self, id: &str, at_ms: i64) -> Result<Option<TokenRecord>, StoreError> {
        each!(self, store => store.revoke_token(id, at_ms))
    }
}
