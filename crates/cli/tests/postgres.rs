#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! The binary on PostgreSQL: `init --database`, ingest, report, check and `audit verify`, with
//! the key file and the witness file in the registry directory and the history in the database
//! (`CREDENCE_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`; the test
//! works in a schema of its own, dropped at the end).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{credence, ok, policies, sources};

/// A schema of its own for one test, dropped when it ends.
struct Schema {
    base: String,
    name: String,
}

impl Schema {
    fn new() -> Schema {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::var("CREDENCE_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = format!(
            "credence_cli_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        Schema { base, name }
    }

    /// The URL whose connections work in this schema.
    fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-c%20search_path%3D{}",
            self.base, self.name
        )
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

#[test]
fn init_ingest_report_check_and_verify_on_postgres() {
    let schema = Schema::new();
    let url = schema.url();
    let root = tempfile::tempdir().unwrap();
    let city = root.path().join("city");
    let registry = root.path().join("registry");
    let reg = registry.to_str().unwrap();
    ok(&[
        "gen",
        "--people",
        "1500",
        "--orgs",
        "100",
        "--years",
        "3",
        "--seed",
        "7",
        "--out",
        city.to_str().unwrap(),
    ]);
    let sources = sources();
    let mut args = vec![
        "--database",
        &url,
        "init",
        reg,
        "--sources",
        &sources,
        "--policy",
    ];
    let policies = policies();
    args.extend(policies.iter().map(String::as_str));
    ok(&args);
    assert!(
        registry.join("credence.key").is_file(),
        "the key file stays a file"
    );
    assert!(
        registry.join("witness.log").is_file(),
        "the witness file stays a file"
    );
    assert!(
        !registry.join("registry.db").exists(),
        "the history is in the database, not in a file"
    );

    for source in ["court", "market-regulator", "civic-office"] {
        let file = city.join(format!("{source}.jsonl"));
        let out = ok(&[
            "--database",
            &url,
            "--registry",
            reg,
            "ingest",
            file.to_str().unwrap(),
            "--source",
            source,
        ]);
        assert!(out.contains("accepted batch"), "{out}");
    }
    let events: i64 = schema
        .client()
        .query_one("SELECT count(*) FROM event", &[])
        .unwrap()
        .get(0);
    assert!(events > 0);

    let court = std::fs::read_to_string(city.join("court.jsonl")).unwrap();
    let subjects: Vec<String> = court
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["subject"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let listed = subjects
        .iter()
        .find(|subject| {
            ok(&["--database", &url, "--registry", reg, "report", subject]).contains("IN FORCE")
        })
        .expect("the generated city has a listed debtor");
    let check = ok(&[
        "--database",
        &url,
        "--registry",
        reg,
        "check",
        listed,
        "no-flights",
        "--as",
        "airline",
    ]);
    assert!(check.contains("APPLIES"), "{check}");
    let report = ok(&["--database", &url, "--registry", reg, "report", listed]);
    assert!(report.contains("airline: check no-flights"), "{report}");

    // The disclosure in JSON names no subject by the numbers or pseudonyms the database keys
    // them by (on PostgreSQL a subject's number is 63 bits of a hash, so it would be found).
    let json = ok(&[
        "--database",
        &url,
        "--registry",
        reg,
        "report",
        listed,
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        value["standing"]["lists"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    assert!(
        report.contains(value["subject"].as_str().unwrap()),
        "{json}"
    );
    let keys: Vec<(i64, String)> = schema
        .client()
        .query("SELECT subject, pseudonym FROM subject", &[])
        .unwrap()
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert!(keys.len() > 100);
    for (number, pseudonym) in keys {
        assert!(
            !json.contains(&number.to_string()),
            "subject {number} in {json}"
        );
        assert!(!json.contains(&pseudonym), "a pseudonym in {json}");
    }

    let verified = ok(&["--database", &url, "--registry", reg, "audit", "verify"]);
    assert!(verified.contains("history intact"), "{verified}");

    // An insider edits an event in the database: the history no longer verifies, and a check
    // on that subject fails closed.
    let mut client = schema.client();
    client
        .batch_execute(
            "DROP TRIGGER event_append_only ON event;
             UPDATE event SET valid = valid - 1
             WHERE seq = (SELECT max(seq) FROM event WHERE source = 'court')",
        )
        .unwrap();
    let altered = credence(&["--database", &url, "--registry", reg, "audit", "verify"]);
    assert_eq!(altered.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&altered.stdout).contains("history ALTERED"),
        "{altered:?}"
    );
}

#[test]
fn a_database_that_is_not_a_postgres_url_is_refused_as_a_bad_argument() {
    let root = tempfile::tempdir().unwrap();
    let reg = root.path().join("registry");
    let out = credence(&[
        "--database",
        "mysql://root@localhost/x",
        "--registry",
        reg.to_str().unwrap(),
        "audit",
        "verify",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("postgres://"),
        "{out:?}"
    );
}

#[test]
fn a_database_without_a_registry_is_not_a_registry() {
    let schema = Schema::new();
    let root = tempfile::tempdir().unwrap();
    let out = credence(&[
        "--database",
        &schema.url(),
        "--registry",
        root.path().to_str().unwrap(),
        "audit",
        "verify",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("credence init"),
        "{out:?}"
    );
}
