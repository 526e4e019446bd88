//! The backends the store suite runs on, and what a test may do to each behind the store's
//! back (run raw SQL, lift the append-only guard, pretend a newer schema).
//!
//! PostgreSQL: `CREDENCE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! each test gets a schema of its own, dropped when the test ends, so tests run in parallel.

#![allow(dead_code, reason = "each test binary uses a part")]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use credence_store::postgres::{TEST_DATABASE_DEFAULT, TEST_DATABASE_ENV};
use credence_store::sqlite::DATABASE_FILE;
use credence_store::sqlite::access_log::ACCESS_FILE;
use credence_store::{Paths, PgStore, SqliteStore, Store, StoreError};

/// Where a test's registry lives: a directory (the key file and witness file; SQLite's
/// database), and for PostgreSQL the database URL of the test's own schema.
#[derive(Debug)]
pub struct Place {
    pub dir: PathBuf,
    pub url: Option<String>,
    /// Removed with the place when this place made them.
    _temp: Option<tempfile::TempDir>,
    schema: Option<Schema>,
}

/// A schema made for one test, dropped when the test ends.
#[derive(Debug)]
struct Schema {
    base: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

impl Place {
    pub fn paths(&self) -> Paths {
        Paths::new(&self.dir)
    }
}

/// A backend of the suite.
pub trait Backend {
    type S: Store + std::fmt::Debug;
    /// The test module the suite is instantiated in (`sqlite`, `postgres`).
    const NAME: &'static str;
    /// A new, empty place (nothing created in it yet).
    fn place() -> Place;
    fn create(place: &Place) -> Result<Self::S, StoreError>;
    fn open(place: &Place) -> Result<Self::S, StoreError>;
    fn witness(store: &Self::S) -> PathBuf;
    /// Runs one statement behind the store's back; the error in words.
    fn execute(place: &Place, sql: &str) -> Result<u64, String>;
    /// The single integer a query returns.
    fn count(place: &Place, sql: &str) -> i64;
    /// Lifts the guard that keeps events and accesses append-only (as an insider could).
    fn allow_edits(place: &Place);
    /// Records a schema version as if a newer build had opened the database.
    fn set_schema_version(place: &Place, version: i64);
    /// Places that hold something, but not a registry.
    fn non_registries() -> Vec<Place>;
    /// The place, for a child process (which must not remove it).
    fn place_to_env(place: &Place) -> String {
        match &place.url {
            Some(url) => format!("{}\n{url}", place.dir.display()),
            None => place.dir.display().to_string(),
        }
    }
    fn place_from_env(text: &str) -> Place {
        let (dir, url) = match text.split_once('\n') {
            Some((dir, url)) => (dir, Some(url.to_owned())),
            None => (text, None),
        };
        Place {
            dir: PathBuf::from(dir),
            url,
            _temp: None,
            schema: None,
        }
    }
}

/// The embedded SQLite store.
#[derive(Debug)]
pub struct Sqlite;

fn sqlite(place: &Place) -> rusqlite::Connection {
    rusqlite::Connection::open(place.dir.join(DATABASE_FILE)).unwrap()
}

/// The file that holds the table `sql` is about: the access log has a file of its own.
fn holding(place: &Place, sql: &str) -> rusqlite::Connection {
    let about_access = sql
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|word| word.eq_ignore_ascii_case("access"));
    if about_access {
        rusqlite::Connection::open(place.dir.join(ACCESS_FILE)).unwrap()
    } else {
        sqlite(place)
    }
}

fn temp_place() -> Place {
    let temp = tempfile::tempdir().unwrap();
    Place {
        dir: temp.path().to_owned(),
        url: None,
        _temp: Some(temp),
        schema: None,
    }
}

impl Backend for Sqlite {
    type S = SqliteStore;
    const NAME: &'static str = "sqlite";

    fn place() -> Place {
        temp_place()
    }

    fn create(place: &Place) -> Result<SqliteStore, StoreError> {
        SqliteStore::create_at(&place.paths())
    }

    fn open(place: &Place) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_at(&place.paths())
    }

    fn witness(store: &SqliteStore) -> PathBuf {
        store.witness().to_owned()
    }

    fn execute(place: &Place, sql: &str) -> Result<u64, String> {
        holding(place, sql)
            .execute(sql, [])
            .map(|n| n as u64)
            .map_err(|e| e.to_string())
    }

    fn count(place: &Place, sql: &str) -> i64 {
        holding(place, sql)
            .query_row(sql, [], |row| row.get(0))
            .unwrap()
    }

    fn allow_edits(place: &Place) {
        sqlite(place)
            .execute_batch(
                "DROP TRIGGER event_append_only_update; DROP TRIGGER event_append_only_delete;",
            )
            .unwrap();
        // The access log has a file of its own.
        rusqlite::Connection::open(place.dir.join(ACCESS_FILE))
            .unwrap()
            .execute_batch(
                "DROP TRIGGER access_append_only_update; DROP TRIGGER access_append_only_delete;",
            )
            .unwrap();
    }

    fn set_schema_version(place: &Place, version: i64) {
        sqlite(place)
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                [version],
            )
            .unwrap();
    }

    fn non_registries() -> Vec<Place> {
        let missing = temp_place();
        let missing = Place {
            dir: missing.dir.join("nowhere"),
            ..missing
        };
        let text = temp_place();
        std::fs::write(
            text.dir.join(DATABASE_FILE),
            b"not a database, just some text of some length",
        )
        .unwrap();
        let other = temp_place();
        sqlite(&other)
            .execute_batch("CREATE TABLE something (x)")
            .unwrap();
        vec![missing, text, other]
    }
}

/// The PostgreSQL store, each test in a schema of its own.
#[derive(Debug)]
pub struct Postgres;

/// The database the PostgreSQL tests use.
pub fn database_url() -> String {
    std::env::var(TEST_DATABASE_ENV).unwrap_or_else(|_| TEST_DATABASE_DEFAULT.to_owned())
}

/// `url` with its connections' search path set to `schema`.
fn with_schema(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

fn pg_place() -> Place {
    let temp = tempfile::tempdir().unwrap();
    let base = database_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "credence_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL at {base} ({TEST_DATABASE_ENV}): {e}"));
    client
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .unwrap();
    Place {
        dir: temp.path().join("registry"),
        url: Some(with_schema(&base, &name)),
        _temp: Some(temp),
        schema: Some(Schema { base, name }),
    }
}

fn pg(place: &Place) -> postgres::Client {
    let url = place.url.as_deref().expect("a PostgreSQL place has a URL");
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

impl Backend for Postgres {
    type S = PgStore;
    const NAME: &'static str = "postgres";

    fn place() -> Place {
        pg_place()
    }

    fn create(place: &Place) -> Result<PgStore, StoreError> {
        PgStore::create_at(place.url.as_deref().unwrap_or_default(), &place.paths())
    }

    fn open(place: &Place) -> Result<PgStore, StoreError> {
        PgStore::open_at(place.url.as_deref().unwrap_or_default(), &place.paths())
    }

    fn witness(store: &PgStore) -> PathBuf {
        store.witness().to_owned()
    }

    fn execute(place: &Place, sql: &str) -> Result<u64, String> {
        pg(place).execute(sql, &[]).map_err(|e| e.to_string())
    }

    fn count(place: &Place, sql: &str) -> i64 {
        pg(place).query_one(sql, &[]).unwrap().get(0)
    }

    fn allow_edits(place: &Place) {
        pg(place)
            .batch_execute(
                "DROP TRIGGER event_append_only ON event;
                 DROP TRIGGER access_append_only ON access;",
            )
            .unwrap();
    }

    fn set_schema_version(place: &Place, version: i64) {
        pg(place)
            .execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .unwrap();
    }

    fn non_registries() -> Vec<Place> {
        let empty = pg_place();
        let other = pg_place();
        pg(&other)
            .batch_execute("CREATE TABLE something (x integer)")
            .unwrap();
        vec![empty, other]
    }
}
