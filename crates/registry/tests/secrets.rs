//! Given the database file alone, nothing rebuilds an identifier: not the masked form, not the
//! stored facts, not a brute force over what the display form leaves open, tried against the
//! stored pseudonyms with every key-like value the file holds.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::collections::{BTreeSet, HashSet};

use credence_model::id::resident_id_check_char;
use credence_model::{Day, Identifier};
use credence_registry::intake::{hex, hmac_sha256};
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

const TODAY: &str = "2026-11-01";

/// Every cell of every table of the database, as text or bytes.
fn every_cell(db: &rusqlite::Connection) -> (Vec<String>, Vec<Vec<u8>>) {
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let (mut texts, mut blobs) = (Vec::new(), Vec::new());
    for table in tables {
        let mut statement = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let width = statement.column_count();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for column in 0..width {
                match row.get_ref(column).unwrap() {
                    ValueRef::Text(text) => texts.push(String::from_utf8_lossy(text).into_owned()),
                    ValueRef::Blob(blob) => blobs.push(blob.to_vec()),
                    ValueRef::Integer(n) => texts.push(n.to_string()),
                    _ => {}
                }
            }
        }
    }
    (texts, blobs)
}

/// `text` without its long runs of lowercase hex (pseudonyms, digests), which hold any digit
/// sequence by chance.
fn without_hex_runs(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
            continue;
        }
        if run.len() < 32 {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out
}

/// Every way a pseudonym could be made from an identifier without the registry's key: a plain
/// digest, or a MAC under any key-like value the database holds.
fn unkeyed_pseudonyms(canonical: &str, keys: &[Vec<u8>]) -> Vec<String> {
    let mut out = vec![hex(&Sha256::digest(canonical.as_bytes()))];
    for key in keys {
        out.push(hex(&hmac_sha256(key, canonical.as_bytes())));
    }
    out
}

#[test]
fn the_database_files_alone_rebuild_no_identifier() {
    let root = tempfile::tempdir().unwrap();
    let config = credence_gen::GenConfig {
        people: 400,
        orgs: 40,
        ..credence_gen::GenConfig::default()
    };
    let city = root.path().join("city");
    credence_gen::write_files(&config, &city, credence_gen::Format::Jsonl, &mut |_| {}).unwrap();
    let mut registry = common::shipped_registry(root.path());
    let sources: Vec<String> = registry.sources().iter().map(|s| s.id.clone()).collect();
    let mut events = 0;
    for source in sources {
        let file = city.join(format!("{source}.jsonl"));
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let receipt = registry
            .ingest(
                &file.display().to_string(),
                &text,
                &source,
                Day::parse(TODAY).unwrap(),
                0,
                &mut |_, _| {},
            )
            .unwrap();
        events += receipt.appended;
    }
    assert!(events > 1000, "a population was stored: {events} events");
    let population: Vec<Identifier> = credence_gen::Generator::new(config)
        .subjects()
        .map(|(subject, _)| subject.id)
        .collect();
    // Relying parties and subjects asked: the access log has entries about them.
    let today = Day::parse(TODAY).unwrap();
    for id in population.iter().take(60) {
        let canonical = id.canonical();
        registry
            .check(&canonical, "no-flights", today, "airline", 0)
            .unwrap();
        registry.report(&canonical, today, today, 0).unwrap();
    }
    drop(registry);

    // The attacker holds the database file only.
    let db = rusqlite::Connection::open(
        root.path()
            .join("registry")
            .join(credence_store::sqlite::DATABASE_FILE),
    )
    .unwrap();
    let (mut texts, mut blobs) = every_cell(&db);
    // And the access log's file beside it.
    let access = rusqlite::Connection::open(
        root.path()
            .join("registry")
            .join(credence_store::sqlite::access_log::ACCESS_FILE),
    )
    .unwrap();
    let (access_texts, access_blobs) = every_cell(&access);
    assert!(access_texts.len() > 100, "the access log was written");
    texts.extend(access_texts);
    blobs.extend(access_blobs);

    // No stored text holds an identifier, or a person's birth digits.
    let cleaned: Vec<String> = texts.iter().map(|t| without_hex_runs(t)).collect();
    for id in &population {
        let canonical = id.canonical();
        assert!(
            !texts.iter().any(|t| t.contains(&canonical)),
            "an identifier is stored in clear"
        );
        if let Identifier::ResidentId(resident) = id {
            let digits = &resident.as_str()[6..14];
            assert!(
                !cleaned.iter().any(|t| t.contains(digits)),
                "a birth date's digits are stored in clear"
            );
        }
    }
    // Nothing stores a birth date as a number: it is sealed.
    let plain_births: i64 = db
        .query_row(
            "SELECT count(*) FROM subject WHERE birth IS NOT NULL AND typeof(birth) != 'blob'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(plain_births, 0);

    // The stored subjects, with what is shown of them.
    let stored: Vec<(String, String, String)> = db
        .prepare("SELECT pseudonym, kind, masked FROM subject")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(stored.len() > 300);
    let pseudonyms: HashSet<&str> = stored.iter().map(|(p, _, _)| p.as_str()).collect();
    for (_, _, masked) in &stored {
        let shown = masked.chars().filter(|&c| c != '*').count();
        assert!(
            shown <= 4,
            "`{masked}` shows more than its last 4 characters"
        );
    }

    // Every key-like value of the file: whatever `meta` holds first, then short blobs.
    let meta: Vec<Vec<u8>> = db
        .prepare("SELECT CAST(value AS BLOB) FROM meta")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut keys: Vec<Vec<u8>> = vec![Vec::new()];
    keys.extend(meta);
    let likely = keys.len();
    let mut seen: BTreeSet<Vec<u8>> = keys.iter().cloned().collect();
    for blob in blobs.iter().filter(|b| b.len() <= 64) {
        if keys.len() >= 50 {
            break;
        }
        if seen.insert(blob.clone()) {
            keys.push(blob.clone());
        }
    }

    // The masked form and the stored kind against the whole population (the attacker's best
    // dictionary, which holds every true answer): no candidate's pseudonym is computable.
    let mut tried = 0;
    for id in &population {
        let masked = id.masked();
        let candidates = stored
            .iter()
            .filter(|(_, kind, m)| *m == masked && kind.as_str() == id.kind().as_str());
        for _ in candidates {
            tried += 1;
            for pseudonym in unkeyed_pseudonyms(&id.canonical(), &keys) {
                assert!(
                    !pseudonyms.contains(pseudonym.as_str()),
                    "an identifier was re-identified from the file alone"
                );
            }
        }
    }
    assert!(tried >= stored.len(), "every stored subject was tried");

    // A brute force over what the display form leaves open for one person, even knowing its
    // region: every birth date of 90 years, with the shown sequence digits; the true identifier
    // is among the candidates, and none matches a stored pseudonym.
    let person = population
        .iter()
        .find_map(|id| match id {
            Identifier::ResidentId(resident) => Some(resident.as_str().to_owned()),
            _ => None,
        })
        .unwrap();
    let (region, tail) = (&person[..6], &person[14..17]);
    let last = Day::parse(TODAY).unwrap();
    let mut found_truth = false;
    let mut candidates = 0;
    for back in 0..(90 * 366) {
        let birth = Day(last.0 - back).to_string().replace('-', "");
        let first17 = format!("{region}{birth}{tail}");
        let Some(check) = resident_id_check_char(&first17) else {
            continue;
        };
        let candidate = format!("{first17}{check}");
        found_truth |= candidate == person;
        candidates += 1;
        for pseudonym in unkeyed_pseudonyms(&candidate, &keys[..likely]) {
            assert!(
                !pseudonyms.contains(pseudonym.as_str()),
                "a brute force over the display form re-identified a person"
            );
        }
    }
    assert!(found_truth, "the true identifier was among the candidates");
    assert!(candidates > 30_000);
}
