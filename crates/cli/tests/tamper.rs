#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! An insider with the database file but not the key: every tampering is caught by
//! `audit verify --head` (exit 6), and a check on an affected subject fails closed (exit 6,
//! no answer), through the real binary.

mod common;

use std::path::{Path, PathBuf};

use common::{credence, ok, policies};
use credence_model::id::resident_id_check_char;

const ORGANISATION: &str = "91110000600037341L";

fn person(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

fn dishonest(reference: &str, subject: &str, date: &str, amount: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"{date}","attributes":{{"case":"(2025)京0105执1号","court":"Chaoyang","ground":"refuses","amount":"{amount}"}}}}"#
    )
}

/// A registry with an organisation on the court list whose legal representative is `chair`,
/// and a debtor with two records in two batches; checks and a report logged between batches.
struct Fixture {
    _root: tempfile::TempDir,
    registry: PathBuf,
    chair: String,
    debtor: String,
    /// The head `audit verify` printed before any tampering.
    head: String,
}

impl Fixture {
    fn new() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let registry = root.path().join("registry");
        let reg = registry.to_str().unwrap().to_owned();
        let sources = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../policies/sources.toml")
            .display()
            .to_string();
        let mut init = vec!["init", &reg, "--sources", &sources, "--policy"];
        let packs = policies();
        init.extend(packs.iter().map(String::as_str));
        ok(&init);
        let chair = person("11010519700101001");
        let debtor = person("11010519800202002");
        let file = |name: &str, rows: &[String]| {
            let path = root.path().join(name);
            std::fs::write(&path, rows.join("\n")).unwrap();
            path.display().to_string()
        };
        let regulator = file(
            "regulator.jsonl",
            &[format!(
                r#"{{"ref":"rep-1","action":"record","subject":"{ORGANISATION}","category":"registry.legal-representative","date":"2024-01-01","attributes":{{"person":"{chair}"}}}}"#
            )],
        );
        let court = file(
            "court.jsonl",
            &[
                dishonest("c-1", ORGANISATION, "2025-06-01", "50000.00"),
                dishonest("c-2", &debtor, "2025-07-01", "20000.00"),
            ],
        );
        let later = file(
            "court-later.jsonl",
            &[dishonest("c-3", &debtor, "2025-08-01", "30000.00")],
        );
        ok(&[
            "--registry",
            &reg,
            "ingest",
            &regulator,
            "--source",
            "market-regulator",
        ]);
        ok(&["--registry", &reg, "ingest", &court, "--source", "court"]);
        for subject in [&debtor, &chair] {
            ok(&[
                "--registry",
                &reg,
                "check",
                subject,
                "no-flights",
                "--as",
                "airline",
            ]);
        }
        ok(&["--registry", &reg, "report", &chair]);
        ok(&["--registry", &reg, "ingest", &later, "--source", "court"]);
        let verified = ok(&["--registry", &reg, "audit", "verify"]);
        assert!(verified.contains("history intact"), "{verified}");
        let head = verified.split("head ").nth(1).unwrap().trim().to_owned();
        Fixture {
            _root: root,
            registry,
            chair,
            debtor,
            head,
        }
    }

    fn reg(&self) -> &str {
        self.registry.to_str().unwrap()
    }

    /// Someone with the file edits it, working around the append-only triggers.
    fn tamper(&self, sql: &str) {
        let db =
            rusqlite::Connection::open(self.registry.join(credence_store::sqlite::DATABASE_FILE))
                .unwrap();
        db.execute_batch(
            "DROP TRIGGER IF EXISTS event_append_only_update;
             DROP TRIGGER IF EXISTS event_append_only_delete;
             DROP TRIGGER IF EXISTS access_append_only_update;
             DROP TRIGGER IF EXISTS access_append_only_delete;
             PRAGMA foreign_keys = OFF;",
        )
        .unwrap();
        db.execute_batch(sql).unwrap();
    }

    /// Someone with the access log's file edits it, working around its append-only triggers.
    fn tamper_access(&self, sql: &str) {
        let db = rusqlite::Connection::open(self.access_file()).unwrap();
        db.execute_batch(
            "DROP TRIGGER IF EXISTS access_append_only_update;
             DROP TRIGGER IF EXISTS access_append_only_delete;",
        )
        .unwrap();
        db.execute_batch(sql).unwrap();
    }

    fn access_file(&self) -> PathBuf {
        self.registry
            .join(credence_store::sqlite::access_log::ACCESS_FILE)
    }

    fn pseudonym_of(&self, reference: &str) -> String {
        let db =
            rusqlite::Connection::open(self.registry.join(credence_store::sqlite::DATABASE_FILE))
                .unwrap();
        db.query_row(
            "SELECT s.pseudonym FROM event e JOIN subject s ON s.id = e.subject WHERE e.reference = ?1",
            [reference],
            |row| row.get(0),
        )
        .unwrap()
    }

    /// `audit verify --head` exits 6 naming `what`, and a check on `subject` fails closed.
    fn caught(&self, subject: &str, what: &str) {
        let verify = credence(&[
            "--registry",
            self.reg(),
            "audit",
            "verify",
            "--head",
            &self.head,
        ]);
        let stdout = String::from_utf8_lossy(&verify.stdout);
        assert_eq!(
            verify.status.code(),
            Some(6),
            "audit verify --head: {stdout}{}",
            String::from_utf8_lossy(&verify.stderr)
        );
        assert!(
            stdout.contains(what) || String::from_utf8_lossy(&verify.stderr).contains(what),
            "audit verify names `{what}`: {stdout}{}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let check = credence(&[
            "--registry",
            self.reg(),
            "check",
            subject,
            "no-flights",
            "--as",
            "airline",
        ]);
        let stderr = String::from_utf8_lossy(&check.stderr);
        assert_eq!(check.status.code(), Some(6), "check fails closed: {stderr}");
        assert!(check.stdout.is_empty(), "no answer is given");
        assert!(stderr.contains("credence audit verify"), "{stderr}");
    }
}

#[test]
fn an_intact_history_verifies_and_answers() {
    let fixture = Fixture::new();
    let verify = ok(&[
        "--registry",
        fixture.reg(),
        "audit",
        "verify",
        "--head",
        &fixture.head,
    ]);
    assert!(verify.contains("history intact"), "{verify}");
    let digest = fixture.head.split(':').nth(1).unwrap().to_owned();
    ok(&[
        "--registry",
        fixture.reg(),
        "audit",
        "verify",
        "--head",
        &digest,
    ]);
    for subject in [&fixture.chair, &fixture.debtor] {
        let answer = ok(&[
            "--registry",
            fixture.reg(),
            "check",
            subject,
            "no-flights",
            "--as",
            "airline",
        ]);
        assert!(answer.contains("APPLIES"), "{answer}");
    }
    let bad = credence(&[
        "--registry",
        fixture.reg(),
        "audit",
        "verify",
        "--head",
        "12:zz",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("64 hexadecimal"));
}

#[test]
fn an_altered_event_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper(
        "UPDATE event SET attributes = replace(attributes, 'Chaoyang', 'Haidian') WHERE reference = 'c-2'",
    );
    fixture.caught(&fixture.debtor, "event");
}

#[test]
fn a_deleted_event_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper("DELETE FROM event WHERE reference = 'c-3'");
    fixture.caught(&fixture.debtor, "subject");
}

#[test]
fn an_inserted_event_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper(
        "INSERT INTO event (seq, subject, position, source, reference, action, category, target,
                            valid, recorded, attributes, content, batch, hash)
         SELECT 1000, subject, position + 1, source, 'forged', action, category, target, valid,
                recorded, attributes, content, batch, hash
         FROM event WHERE reference = 'c-3'",
    );
    fixture.caught(&fixture.debtor, "event 1000");
}

#[test]
fn reordered_events_are_caught() {
    let fixture = Fixture::new();
    fixture.tamper(
        "UPDATE event SET position = CASE reference WHEN 'c-2' THEN 2 ELSE 1 END
         WHERE reference IN ('c-2', 'c-3')",
    );
    fixture.caught(&fixture.debtor, "event");
}

#[test]
fn an_event_re_sealed_without_the_key_is_caught() {
    let fixture = Fixture::new();
    // An insider edits the amount and recomputes every unkeyed hash: the content hash, and a
    // plain SHA-256 link in place of the MAC.
    let pseudonym = fixture.pseudonym_of("c-2");
    let (attributes, mut event) = {
        use credence_store::Store;
        let store = credence_store::SqliteStore::open(&fixture.registry).unwrap();
        let subject = store.subject(&pseudonym).unwrap().unwrap();
        let event = store
            .events(subject.id)
            .unwrap()
            .into_iter()
            .find(|e| e.reference == "c-2")
            .unwrap();
        let db = rusqlite::Connection::open(
            fixture.registry.join(credence_store::sqlite::DATABASE_FILE),
        )
        .unwrap();
        let attributes: String = db
            .query_row(
                "SELECT attributes FROM event WHERE reference = 'c-2'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        (attributes, event)
    };
    let forged = attributes.replace("Chaoyang", "Haidian");
    assert_ne!(forged, attributes);
    event.attributes.insert(
        "court".into(),
        credence_model::Value::Text("Haidian".into()),
    );
    let content = credence_store::sqlite::content_hash(&pseudonym, &event);
    let link = {
        use sha2::Digest;
        sha2::Sha256::digest(content).to_vec()
    };
    fixture.tamper(&format!(
        "UPDATE event SET attributes = '{forged}', content = x'{}', hash = x'{}'
         WHERE reference = 'c-2'",
        credence_store::sqlite::hex(&content),
        credence_store::sqlite::hex(&link)
    ));
    fixture.caught(&fixture.debtor, "event");
}

#[test]
fn the_last_batch_rolled_back_is_caught() {
    let fixture = Fixture::new();
    // A thorough insider: the batch's events, heads and row, so the database agrees with itself.
    fixture.tamper(
        "DELETE FROM event WHERE batch = (SELECT max(id) FROM batch);
         DELETE FROM subject_head WHERE batch = (SELECT max(id) FROM batch);
         DELETE FROM batch WHERE id = (SELECT max(id) FROM batch);",
    );
    fixture.caught(&fixture.debtor, "rolled back");
    let stderr = String::from_utf8_lossy(
        &credence(&["--registry", fixture.reg(), "report", &fixture.debtor]).stderr,
    )
    .into_owned();
    assert!(
        stderr.contains("ends at batch 3") && stderr.contains("batch 4 was published"),
        "{stderr}"
    );
}

#[test]
fn a_changed_birth_date_is_caught() {
    let fixture = Fixture::new();
    // The chair's sealed birth date put in the debtor's row (a sealed value cannot be forged).
    let chair = credence_registry_pseudonym(&fixture, &fixture.chair);
    fixture.tamper(&format!(
        "UPDATE subject SET birth = (SELECT birth FROM subject WHERE pseudonym = '{chair}')
         WHERE id = (SELECT subject FROM event WHERE reference = 'c-2')"
    ));
    fixture.caught(&fixture.debtor, "subject");
}

/// The chair's pseudonym, as the link row holds it.
fn credence_registry_pseudonym(fixture: &Fixture, _person: &str) -> String {
    let db =
        rusqlite::Connection::open(fixture.registry.join(credence_store::sqlite::DATABASE_FILE))
            .unwrap();
    db.query_row("SELECT pseudonym FROM link", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn a_changed_link_row_is_caught_by_the_representative_it_freed() {
    let fixture = Fixture::new();
    fixture.tamper(&format!("UPDATE link SET pseudonym = '{}'", "0".repeat(64)));
    fixture.caught(&fixture.chair, "links");
}

#[test]
fn a_changed_policy_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper(
        "UPDATE policy SET text = text || char(10) || '# edited' WHERE in_force = 1
         AND rowid = (SELECT min(rowid) FROM policy WHERE in_force = 1)",
    );
    fixture.caught(&fixture.debtor, "policy");
}

#[test]
fn a_changed_source_scope_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper(
        "UPDATE source SET categories = replace(categories, ']', ',\"court.dishonest-conduct\"]')
         WHERE id = 'lender'",
    );
    fixture.caught(&fixture.debtor, "sources");
}

#[test]
fn a_truncated_access_log_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper_access("DELETE FROM access WHERE seq = (SELECT max(seq) FROM access)");
    fixture.caught(&fixture.debtor, "access log");
}

#[test]
fn an_altered_access_log_is_caught() {
    let fixture = Fixture::new();
    fixture.tamper_access(
        "UPDATE access SET party = 'nobody' WHERE seq = (SELECT max(seq) FROM access)",
    );
    fixture.caught(&fixture.debtor, "access log");
}

#[test]
fn a_removed_access_log_file_is_caught() {
    let fixture = Fixture::new();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", fixture.access_file().display()));
    }
    fixture.caught(&fixture.debtor, "access log");
}

#[test]
fn a_truncated_access_log_file_is_caught() {
    let fixture = Fixture::new();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", fixture.access_file().display()));
    }
    std::fs::File::create(fixture.access_file()).unwrap();
    fixture.caught(&fixture.debtor, "access log");
}

#[test]
fn an_access_log_file_rolled_back_to_an_older_copy_is_caught() {
    let fixture = Fixture::new();
    let reg = fixture.reg();
    let copy = fixture.registry.with_file_name("access-copy.db");
    rusqlite::Connection::open(fixture.access_file())
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.display().to_string()])
        .unwrap();
    ok(&[
        "--registry",
        reg,
        "check",
        &fixture.debtor,
        "no-flights",
        "--as",
        "airline",
    ]);
    ok(&["--registry", reg, "audit", "witness"]);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", fixture.access_file().display()));
    }
    std::fs::copy(&copy, fixture.access_file()).unwrap();
    fixture.caught(&fixture.debtor, "access log");
}

#[test]
fn a_replaced_key_is_caught() {
    let fixture = Fixture::new();
    // Another registry's key, and the key id in the database made to match it.
    let other = tempfile::tempdir().unwrap();
    let reg = other.path().join("other");
    let sources = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies/sources.toml")
        .display()
        .to_string();
    let mut init = vec![
        "init",
        reg.to_str().unwrap(),
        "--sources",
        &sources,
        "--policy",
    ];
    let packs = policies();
    init.extend(packs.iter().map(String::as_str));
    ok(&init);
    let key = credence_store::keys::KEY_FILE;
    std::fs::copy(reg.join(key), fixture.registry.join(key)).unwrap();
    let other_id: String =
        rusqlite::Connection::open(reg.join(credence_store::sqlite::DATABASE_FILE))
            .unwrap()
            .query_row("SELECT value FROM meta WHERE key = 'key_id'", [], |row| {
                row.get(0)
            })
            .unwrap();
    fixture.tamper(&format!(
        "UPDATE meta SET value = '{other_id}' WHERE key = 'key_id'"
    ));
    fixture.caught(&fixture.debtor, "key");
}

#[test]
fn accesses_after_the_last_batch_are_covered_once_witnessed() {
    let fixture = Fixture::new();
    let reg = fixture.reg();
    for _ in 0..2 {
        ok(&[
            "--registry",
            reg,
            "check",
            &fixture.debtor,
            "no-flights",
            "--as",
            "airline",
        ]);
    }
    let published = ok(&["--registry", reg, "audit", "witness"]);
    assert!(
        published.contains("published the access log's head"),
        "{published}"
    );
    let again = ok(&["--registry", reg, "audit", "witness"]);
    assert!(again.contains("already holds"), "{again}");
    // The latest access, logged after the last batch, is now witnessed: removing it is caught.
    fixture.tamper_access("DELETE FROM access WHERE seq = (SELECT max(seq) FROM access)");
    fixture.caught(&fixture.debtor, "access log");
    // Nothing is published from a history that does not verify.
    let witness = fixture
        .registry
        .join(credence_store::sqlite::witness::WITNESS_FILE);
    let before = std::fs::read_to_string(&witness).unwrap();
    let refused = credence(&["--registry", reg, "audit", "witness"]);
    assert_eq!(refused.status.code(), Some(6));
    assert_eq!(std::fs::read_to_string(&witness).unwrap(), before);
}
