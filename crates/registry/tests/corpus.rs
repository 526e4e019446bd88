//! The checked-in corpus of nasty inputs (`tests/corpus/`, see its README): every file is read
//! by its parser as the command line reads it (decoded from bytes first). A file named `ok-*`
//! is accepted; every other one is refused with errors on lines of the file; none panics,
//! aborts or overflows the stack.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};

use credence_model::Day;
use credence_policy::{Policy, PolicySource, compile};
use credence_registry::encoding::decode;
use credence_registry::intake::{Format, IntakeContext, IntakeFailure, read_batch};
use credence_registry::sources::parse_sources;
use credence_store::SqliteStore;

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the {kind} corpus is there");
    files
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The file's text, or `None` when decoding refused it (checked here: the place is inside the
/// file and said).
fn text_of(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).unwrap();
    match decode(&name(path), bytes.clone()) {
        Ok(text) => Some(text),
        Err(error) => {
            assert!(error.offset <= bytes.len(), "{error}");
            let lines = 1 + bytes[..error.offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            assert_eq!(error.line, lines);
            let message = error.to_string();
            assert!(
                message.contains(&format!("line {}", error.line)) && message.contains("UTF-8"),
                "{message}"
            );
            None
        }
    }
}

fn shipped() -> (Policy, String) {
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
    let policy = compile(&packs).unwrap_or_else(|d| panic!("{d}"));
    let sources = std::fs::read_to_string(root.join("sources.toml")).unwrap();
    (policy, sources)
}

/// Every failure, so that one run lists them all.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    fn assert_none(self) {
        assert!(self.0.is_empty(), "{}", self.0.join("\n"));
    }
}

#[test]
fn submitted_files_of_the_corpus_are_accepted_or_refused_by_line() {
    let (policy, sources) = shipped();
    let sources = parse_sources("sources.toml", &sources, &policy).unwrap();
    let court = sources.iter().find(|s| s.id == "court").unwrap();
    let context = IntakeContext {
        policy: &policy,
        source: court,
        pseudonym_key: b"key",
        today: Day::parse("2026-11-01").unwrap(),
        recorded_at_ms: 0,
    };
    let mut findings = Findings::default();
    for (kind, format) in [("jsonl", Format::Jsonl), ("csv", Format::Csv)] {
        for path in corpus(kind) {
            let file = name(&path);
            let expect_ok = file.starts_with("ok-");
            let Some(text) = text_of(&path) else {
                findings.check(!expect_ok, || format!("{file}: not decoded"));
                continue;
            };
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::create(dir.path()).unwrap();
            match read_batch(&context, &file, &text, format, &store) {
                Ok(batch) => findings.check(expect_ok && !batch.events.is_empty(), || {
                    format!("{file}: accepted {} events", batch.events.len())
                }),
                Err(IntakeFailure::Rejected(errors)) => {
                    findings.check(!expect_ok, || format!("{file}: refused: {errors}"));
                    let lines = text.split('\n').count();
                    findings.check(
                        !errors.errors.is_empty()
                            && errors.errors.iter().all(|e| (1..=lines).contains(&e.line)),
                        || format!("{file}: errors outside its {lines} lines: {errors}"),
                    );
                    // What is printed holds no character that could forge a line.
                    let shown = errors.to_string();
                    findings.check(
                        shown
                            .lines()
                            .all(|l| !l.chars().any(credence_model::text::is_forbidden)),
                        || format!("{file}: printed raw: {shown:?}"),
                    );
                }
                Err(other) => findings.check(false, || format!("{file}: {other}")),
            }
        }
    }
    findings.assert_none();
}

#[test]
fn sources_files_of_the_corpus_are_accepted_or_refused() {
    let (policy, _) = shipped();
    let mut findings = Findings::default();
    for path in corpus("sources") {
        let file = name(&path);
        let expect_ok = file.starts_with("ok-");
        let Some(text) = text_of(&path) else {
            findings.check(!expect_ok, || format!("{file}: not decoded"));
            continue;
        };
        match parse_sources(&file, &text, &policy) {
            Ok(_) => findings.check(expect_ok, || format!("{file}: accepted")),
            Err(error) => {
                findings.check(!expect_ok, || format!("{file}: refused: {error}"));
                findings.check(error.to_string().contains(&file), || {
                    format!("{file}: the error does not name the file: {error}")
                });
            }
        }
    }
    findings.assert_none();
}

#[test]
fn policy_packs_of_the_corpus_are_accepted_or_refused() {
    let mut findings = Findings::default();
    for path in corpus("policy") {
        let file = name(&path);
        let expect_ok = file.starts_with("ok-");
        let Some(text) = text_of(&path) else {
            findings.check(!expect_ok, || format!("{file}: not decoded"));
            continue;
        };
        let result = compile(&[PolicySource {
            name: file.clone(),
            text,
        }]);
        match result {
            Ok(_) => findings.check(expect_ok, || format!("{file}: accepted")),
            Err(diagnostics) => {
                findings.check(!expect_ok, || format!("{file}: refused: {diagnostics}"));
            }
        }
    }
    findings.assert_none();
}
