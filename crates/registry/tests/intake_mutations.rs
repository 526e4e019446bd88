//! Damaged submissions never panic intake: random edits of a generated source file (JSONL and
//! CSV) are either accepted whole or rejected with errors whose lines are in the file.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::Path;

use credence_model::Day;
use credence_policy::{PolicySource, compile};
use credence_registry::intake::{Format, IntakeContext, IntakeFailure, read_batch};
use credence_registry::sources::parse_sources;
use credence_registry::submission::ReadError;
use credence_store::SqliteStore;

/// A value in `0..n`.
fn pick(rng: &mut credence_gen::SplitMix64, n: usize) -> usize {
    rng.below(n as u64) as usize
}

const PIECES: &[&str] = &[
    "\"",
    ",",
    "{",
    "}",
    ":",
    "\n",
    "\r\n",
    "1",
    "X",
    "-",
    ".",
    "é",
    "\u{0}",
    "null",
    "true",
    "2099-01-01",
    "99999999999999999999",
    // Input crafted to hurt: runs of signs, deep nesting, control characters, dates beyond
    // the accepted range, byte order marks.
    "----------------------------------------------------------------",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":",
    "\\n",
    "\\u001b[2J",
    "\u{1b}[31m",
    "\t",
    "\u{202e}",
    "\u{2028}",
    "\u{feff}",
    "9999-12-31",
];

fn damage(text: &str, rng: &mut credence_gen::SplitMix64) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + pick(rng, 3) {
        let at = pick(rng, chars.len() + 1);
        if pick(rng, 2) == 0 && at < chars.len() {
            let len = 1 + pick(rng, 8);
            chars.drain(at..(at + len).min(chars.len()));
        } else {
            for (i, c) in PIECES[pick(rng, PIECES.len())].chars().enumerate() {
                chars.insert(at + i, c);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn damaged_files_are_accepted_whole_or_rejected_with_lines_in_the_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let packs: Vec<PolicySource> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    let policy = compile(&packs).unwrap();
    let sources = parse_sources(
        "sources.toml",
        &std::fs::read_to_string(root.join("sources.toml")).unwrap(),
        &policy,
    )
    .unwrap();
    let lender = sources.iter().find(|s| s.id == "lender").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::create(dir.path()).unwrap();
    let end = Day::parse("2026-11-01").unwrap();
    let context = IntakeContext {
        policy: &policy,
        source: lender,
        pseudonym_key: b"key",
        today: end,
        recorded_at_ms: 0,
    };
    let config = credence_gen::GenConfig {
        people: 40,
        orgs: 4,
        years: 2,
        seed: 3,
        end,
        density: 1.0,
    };
    let city = dir.path().join("city");
    let mut rng = credence_gen::SplitMix64::new(11);
    let mut rejected = 0;
    for (format, extension) in [(Format::Jsonl, "jsonl"), (Format::Csv, "csv")] {
        let files = city.join(extension);
        let generated = if extension == "csv" {
            credence_gen::Format::Csv
        } else {
            credence_gen::Format::Jsonl
        };
        credence_gen::write_files(&config, &files, generated, &mut |_| {}).unwrap();
        let text = std::fs::read_to_string(files.join(format!("lender.{extension}"))).unwrap();
        assert!(
            read_batch(&context, "lender", &text, format, &store).is_ok(),
            "the undamaged file is accepted"
        );
        for round in 0..300 {
            let damaged = damage(&text, &mut rng);
            match read_batch(&context, "lender", &damaged, format, &store) {
                Ok(batch) => assert!(!batch.events.is_empty()),
                Err(IntakeFailure::Rejected(errors)) => {
                    rejected += 1;
                    let lines = damaged.split('\n').count() + 1;
                    assert!(!errors.errors.is_empty());
                    for error in &errors.errors {
                        assert!(
                            error.line <= lines,
                            "round {round}: line {} of {lines}: {error}",
                            error.line
                        );
                        assert!(!error.message.is_empty());
                    }
                }
                // A damage no text holds (a NUL) refuses the file whole, naming where.
                Err(IntakeFailure::Read(ReadError::Encoding(e))) => {
                    rejected += 1;
                    assert!(e.line <= damaged.split('\n').count(), "round {round}: {e}");
                }
                Err(other) => panic!("round {round}: {other}"),
            }
        }
    }
    assert!(rejected > 300, "most damage is caught: {rejected} of 600");
}
