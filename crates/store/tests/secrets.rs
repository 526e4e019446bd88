#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! The store keeps its secret outside the database and every file it makes to its owner:
//! file modes whatever the umask, the key file elsewhere, a registry of an earlier version
//! (key inside the database) refused. The key file's checks that hold on every backend (a key
//! file others may read, a replaced key) are in the store suite (`store.rs`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use credence_model::{Action, Attributes, Day, Event, SubjectKind};
use credence_store::keys::KEY_FILE;
use credence_store::sqlite::DATABASE_FILE;
use credence_store::sqlite::access_log::ACCESS_FILE;
use credence_store::{Batch, NewEvent, Paths, SqliteStore, Store, StoreError, SubjectRef};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn one_event_batch() -> Batch {
    Batch {
        source: "court".into(),
        origin: "test.csv".into(),
        recorded_at_ms: 1_700_000_000_000,
        events: vec![NewEvent {
            subject: SubjectRef {
                pseudonym: format!("{:064x}", 1),
                kind: SubjectKind::Person,
                birth: Some(Day(10_000)),
                masked: "**************0001".into(),
            },
            event: Event {
                seq: 0,
                source: "court".into(),
                reference: "r-1".into(),
                action: Action::Record,
                category: "judgment".into(),
                target: None,
                valid: Day(19_000),
                recorded: Day(19_100),
                attributes: Attributes::new(),
            },
            links: Vec::new(),
        }],
    }
}

/// Runs in a child process with umask 000, so that nothing is owner-only by accident.
#[test]
fn every_file_the_store_makes_is_owner_only_whatever_the_umask() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("registry");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" --exact made_under_umask_zero --nocapture")
        .arg(std::env::current_exe().unwrap())
        .env("CREDENCE_TEST_REGISTRY", &dir)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&dir), 0o700, "registry directory");
    for file in [
        DATABASE_FILE.to_owned(),
        format!("{DATABASE_FILE}-wal"),
        format!("{DATABASE_FILE}-shm"),
        ACCESS_FILE.to_owned(),
        format!("{ACCESS_FILE}-wal"),
        format!("{ACCESS_FILE}-shm"),
        KEY_FILE.to_owned(),
        credence_store::sqlite::witness::WITNESS_FILE.to_owned(),
    ] {
        let path = dir.join(&file);
        assert!(path.exists(), "{file} exists");
        assert_eq!(mode(&path), 0o600, "{file}");
    }
}

/// The child of the test above: makes a registry and writes to it (so `-wal` and `-shm` exist).
#[test]
fn made_under_umask_zero() {
    let Some(dir) = std::env::var_os("CREDENCE_TEST_REGISTRY") else {
        return;
    };
    let mut store = SqliteStore::create(Path::new(&dir)).unwrap();
    store
        .ingest(&one_event_batch(), &mut |_, _| Vec::new(), &mut |_| {})
        .unwrap();
    store
        .log_access(&credence_store::Access {
            subject: "0".repeat(64),
            party: "airline".into(),
            purpose: "check no-flights".into(),
            day: credence_model::Day(20_000),
            at_ms: 1_700_000_000_000,
            outcome: "does not apply".into(),
        })
        .unwrap();
    // Keep the connection open while the parent looks: `-wal` and `-shm` go with the last one.
    let reopened = SqliteStore::open(Path::new(&dir)).unwrap();
    assert_eq!(reopened.stats().unwrap().events, 1);
    std::mem::forget(reopened);
    std::mem::forget(store);
}

#[test]
fn the_key_lives_outside_the_database_and_may_be_kept_elsewhere() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("registry");
    let key_file = root.path().join("keys").join("registry.key");
    std::fs::create_dir_all(key_file.parent().unwrap()).unwrap();
    let paths = Paths::new(&dir).with_key_file(Some(key_file.clone()));
    let key = SqliteStore::create_at(&paths)
        .unwrap()
        .pseudonym_key()
        .unwrap();
    assert!(!dir.join(KEY_FILE).exists(), "no key beside the database");
    assert_eq!(mode(&key_file), 0o600);
    // Nothing in the database is the key or the secret it is derived from.
    let secret = std::fs::read_to_string(&key_file).unwrap();
    let db = std::fs::read(dir.join(DATABASE_FILE)).unwrap();
    let contains = |needle: &[u8]| db.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(&key));
    assert!(!contains(secret.trim().as_bytes()));
    // Opened with the key file, the registry is the same; without it, it is not opened.
    assert_eq!(
        SqliteStore::open_at(&paths)
            .unwrap()
            .pseudonym_key()
            .unwrap(),
        key
    );
    let error = SqliteStore::open(&dir).unwrap_err();
    assert!(
        matches!(&error, StoreError::KeyFile { path, .. } if path.ends_with(KEY_FILE)),
        "{error}"
    );
    assert!(error.to_string().contains("--key-file"), "{error}");
}

#[test]
fn a_registry_that_kept_its_key_inside_the_database_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let db = rusqlite::Connection::open(root.path().join(DATABASE_FILE)).unwrap();
    db.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
         INSERT INTO meta VALUES ('schema_version', 3), ('pseudonym_key', x'0102');",
    )
    .unwrap();
    drop(db);
    let error = SqliteStore::open(root.path()).unwrap_err();
    assert!(matches!(error, StoreError::Legacy { .. }), "{error}");
    assert!(error.to_string().contains("credence init"), "{error}");
}

#[test]
fn a_birth_date_is_stored_sealed_and_read_back() {
    let root = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::create(root.path()).unwrap();
    store
        .ingest(&one_event_batch(), &mut |_, _| Vec::new(), &mut |_| {})
        .unwrap();
    let pseudonym = format!("{:064x}", 1);
    assert_eq!(
        store.subject(&pseudonym).unwrap().unwrap().birth,
        Some(Day(10_000))
    );
    let db = rusqlite::Connection::open(root.path().join(DATABASE_FILE)).unwrap();
    let (kind, sealed): (String, Vec<u8>) = db
        .query_row("SELECT typeof(birth), birth FROM subject", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!(kind, "blob");
    assert!(!sealed.windows(4).any(|w| w == 10_000i32.to_be_bytes()));
    assert!(!sealed.windows(4).any(|w| w == 10_000i32.to_le_bytes()));
    // A sealed date moved to another subject, or altered, does not open: nothing is answered.
    db.execute("UPDATE subject SET birth = x'00112233445566778899aabbccddeeff0011223344556677889900112233'", [])
        .unwrap();
    drop(db);
    let error = store.subject(&pseudonym).unwrap_err();
    assert!(matches!(error, StoreError::Tampered(_)), "{error}");
}
