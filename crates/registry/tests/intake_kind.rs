#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! The subject's kind at intake: a row whose identifier is valid both as a resident id and as
//! a USCC is refused unless it states `kind`; a stated kind the identifier cannot be is
//! refused; placeholder identifiers are refused.

use credence_model::{Day, IdOptions, Identifier, SubjectKind};
use credence_policy::{Policy, PolicySource, compile};
use credence_registry::intake::{
    Format, IntakeContext, IntakeErrors, IntakeFailure, pseudonym, read_batch,
};
use credence_registry::sources::parse_sources;
use credence_store::{Batch, SourceRecord, SqliteStore, Store};

const PACK: &str = r#"
[policy]
id = "kind-test"
title = "Kind test pack"
authority = "Test"
version = "1"
basis = "Test basis"

[[category]]
id = "court.dishonest-conduct"
title = "Dishonest conduct found by an enforcing court"
context = "judicial"
subjects = ["person", "organisation"]
kind = "adjudication"
obligation = "Civil Procedure Law of the PRC (2017), art. 236"
retention = "5y"

[category.attributes]
case = { type = "text", required = true }
"#;

const SOURCES: &str = r#"
[[source]]
id = "court"
title = "People's courts"
authority = "court"
categories = ["court.dishonest-conduct"]

[[source]]
id = "market-regulator"
title = "Market regulation"
authority = "market-regulator"
categories = ["registry.legal-representative"]
"#;

const KEY: &[u8] = b"a registry's secret pseudonym key";

/// Valid as a resident id (born 1995-02-11) and as a USCC (region 110319).
const AMBIGUOUS: &str = "111103199502111002";
/// A valid USCC shaped like a resident id born on 1994-02-30.
const BROKEN_DATE: &str = "11618819940230834X";
const PERSON: &str = "11010519491231002X";
const ORG: &str = "91110000600037341L";

struct Registry {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    policy: Policy,
    sources: Vec<SourceRecord>,
}

impl Registry {
    fn new() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::create(dir.path()).unwrap();
        let policy = compile(&[PolicySource {
            name: "kind-test.toml".into(),
            text: PACK.into(),
        }])
        .unwrap_or_else(|d| panic!("{d}"));
        let sources =
            parse_sources("sources.toml", SOURCES, &policy).unwrap_or_else(|e| panic!("{e}"));
        store.publish(&[], &sources).unwrap();
        Registry {
            _dir: dir,
            store,
            policy,
            sources,
        }
    }

    fn read(&self, source: &str, text: &str, format: Format) -> Result<Batch, IntakeFailure> {
        let context = IntakeContext {
            policy: &self.policy,
            source: self.sources.iter().find(|s| s.id == source).unwrap(),
            pseudonym_key: KEY,
            today: Day::from_ymd(2026, 6, 30).unwrap(),
            recorded_at_ms: 1_782_000_000_000,
        };
        let name = match format {
            Format::Jsonl => "file.jsonl",
            Format::Csv => "file.csv",
        };
        read_batch(&context, name, text, format, &self.store)
    }

    fn accept(&self, source: &str, text: &str, format: Format) -> Batch {
        match self.read(source, text, format) {
            Ok(batch) => batch,
            Err(e) => panic!("expected the file to be accepted:\n{e}"),
        }
    }

    fn reject(&self, source: &str, text: &str, format: Format) -> IntakeErrors {
        match self.read(source, text, format) {
            Ok(batch) => panic!("expected a rejection, got {} events", batch.events.len()),
            Err(IntakeFailure::Rejected(errors)) => errors,
            Err(e) => panic!("expected a rejection, got {e}"),
        }
    }
}

/// A court record as a JSONL line, with `extra` fields (`,"kind":"person"`).
fn conduct(reference: &str, subject: &str, extra: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"2024-03-01"{extra},"attributes":{{"case":"(2024)京0105执123号"}}}}"#
    )
}

fn lines(rows: &[String]) -> String {
    let mut text = rows.join("\n");
    text.push('\n');
    text
}

fn assert_error(errors: &IntakeErrors, line: usize, field: &str, needle: &str) {
    let found = errors
        .errors
        .iter()
        .any(|e| e.line == line && e.field == field && e.message.contains(needle));
    assert!(
        found,
        "no error on line {line}, field `{field}` containing {needle:?}; errors:\n{errors}"
    );
}

fn error_lines(errors: &IntakeErrors) -> Vec<(usize, String)> {
    errors
        .errors
        .iter()
        .map(|e| (e.line, e.field.clone()))
        .collect()
}

#[test]
fn an_ambiguous_identifier_without_a_kind_is_refused_naming_line_and_field() {
    let registry = Registry::new();
    let errors = registry.reject(
        "court",
        &lines(&[conduct("c1", PERSON, ""), conduct("c2", AMBIGUOUS, "")]),
        Format::Jsonl,
    );
    assert_eq!(
        error_lines(&errors),
        vec![(2, "kind".to_owned())],
        "{errors}"
    );
    assert_error(&errors, 2, "kind", "missing");
    assert_error(&errors, 2, "kind", "born 1995-02-11");
    assert_error(&errors, 2, "kind", "`person` or `organisation`");

    let csv = format!(
        "ref,action,subject,category,date,case\nc1,record,{AMBIGUOUS},court.dishonest-conduct,2024-03-01,X\n"
    );
    let errors = registry.reject("court", &csv, Format::Csv);
    assert_eq!(
        error_lines(&errors),
        vec![(2, "kind".to_owned())],
        "{errors}"
    );
}

#[test]
fn a_stated_kind_reads_an_ambiguous_identifier_and_keeps_the_two_subjects_apart() {
    let registry = Registry::new();
    let batch = registry.accept(
        "court",
        &lines(&[
            conduct("c1", AMBIGUOUS, r#","kind":"person""#),
            conduct("c2", AMBIGUOUS, r#","kind":"organisation""#),
            conduct("c3", PERSON, r#","kind":"person""#),
            conduct("c4", ORG, r#","kind":"Organization""#),
        ]),
        Format::Jsonl,
    );
    let subjects: Vec<_> = batch.events.iter().map(|e| &e.subject).collect();
    assert_eq!(subjects[0].kind, SubjectKind::Person);
    assert_eq!(subjects[0].birth, Day::from_ymd(1995, 2, 11));
    assert_eq!(subjects[1].kind, SubjectKind::Organisation);
    assert_eq!(subjects[1].birth, None);
    // The person and the organisation with the same 18 characters are two subjects.
    assert_ne!(subjects[0].pseudonym, subjects[1].pseudonym);
    let by_text =
        |text: &str| pseudonym(KEY, &Identifier::parse(text, IdOptions::default()).unwrap());
    assert_eq!(
        subjects[0].pseudonym,
        by_text(&format!("resident:{AMBIGUOUS}"))
    );
    assert_eq!(subjects[1].pseudonym, by_text(&format!("uscc:{AMBIGUOUS}")));
    assert_eq!(subjects[2].pseudonym, by_text(PERSON));
    assert_eq!(subjects[3].pseudonym, by_text(ORG));

    // The same in CSV, the kind column anywhere.
    let csv = format!(
        "ref,kind,action,subject,category,date,case\n\
         c1,person,record,{AMBIGUOUS},court.dishonest-conduct,2024-03-01,X\n\
         c2,organisation,record,{AMBIGUOUS},court.dishonest-conduct,2024-03-01,X\n\
         c3,,record,{PERSON},court.dishonest-conduct,2024-03-01,X\n"
    );
    let batch = registry.accept("court", &csv, Format::Csv);
    assert_eq!(batch.events[0].subject.pseudonym, subjects[0].pseudonym);
    assert_eq!(batch.events[1].subject.pseudonym, subjects[1].pseudonym);
    assert_eq!(batch.events[2].subject.pseudonym, subjects[2].pseudonym);
}

#[test]
fn a_stated_kind_the_identifier_cannot_be_is_refused() {
    let registry = Registry::new();
    let errors = registry.reject(
        "court",
        &lines(&[
            conduct("c1", PERSON, r#","kind":"organisation""#),
            conduct("c2", ORG, r#","kind":"person""#),
            conduct("c3", "passport:E12345678", r#","kind":"organisation""#),
            conduct("c4", PERSON, r#","kind":"company""#),
            conduct("c5", PERSON, r#","kind":1"#),
        ]),
        Format::Jsonl,
    );
    assert_eq!(
        error_lines(&errors),
        (1..=5)
            .map(|line| (line, "kind".to_owned()))
            .collect::<Vec<_>>(),
        "{errors}"
    );
    assert_error(&errors, 1, "kind", "stated to be an organisation");
    assert_error(&errors, 1, "kind", "is not a USCC");
    assert_error(&errors, 2, "kind", "stated to be a person");
    assert_error(&errors, 3, "kind", "identifies a person");
    assert_error(&errors, 4, "kind", "write `person` or `organisation`");
    assert_error(&errors, 5, "kind", "not a string");
}

#[test]
fn a_valid_uscc_shaped_like_a_broken_resident_id_needs_its_kind() {
    let registry = Registry::new();
    let errors = registry.reject(
        "court",
        &lines(&[conduct("c1", BROKEN_DATE, "")]),
        Format::Jsonl,
    );
    assert_eq!(
        error_lines(&errors),
        vec![(1, "subject".to_owned())],
        "{errors}"
    );
    assert_error(&errors, 1, "subject", "shape of a resident id");
    let batch = registry.accept(
        "court",
        &lines(&[conduct("c1", BROKEN_DATE, r#","kind":"organisation""#)]),
        Format::Jsonl,
    );
    assert_eq!(batch.events[0].subject.kind, SubjectKind::Organisation);
}

#[test]
fn placeholder_identifiers_are_refused() {
    let registry = Registry::new();
    let subjects = [
        "000000000000000000",
        "111111111111111111",
        "123456789012345678",
        "passport:N/A",
        "passport:000000",
    ];
    let rows: Vec<String> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| conduct(&format!("c{i}"), s, ""))
        .collect();
    let errors = registry.reject("court", &lines(&rows), Format::Jsonl);
    for line in 1..=subjects.len() {
        assert_error(&errors, line, "subject", "placeholder");
    }
    // Also where a record names another subject.
    let link = |reference: &str, person: &str| {
        format!(
            r#"{{"ref":"{reference}","action":"record","subject":"{ORG}","category":"registry.legal-representative","date":"2024-03-01","attributes":{{"person":"{person}"}}}}"#
        )
    };
    let errors = registry.reject(
        "market-regulator",
        &lines(&[link("r1", "000000000000000000"), link("r2", AMBIGUOUS)]),
        Format::Jsonl,
    );
    assert_error(&errors, 1, "attributes.person", "placeholder");
    assert_error(&errors, 2, "attributes.person", "ambiguous");
    // The kind written in the identifier settles it.
    registry.accept(
        "market-regulator",
        &lines(&[link("r2", &format!("resident:{AMBIGUOUS}"))]),
        Format::Jsonl,
    );
}

#[test]
fn a_first_generation_id_is_refused_with_its_conversion() {
    let registry = Registry::new();
    let errors = registry.reject(
        "court",
        &lines(&[conduct("c1", "110105491231002", "")]),
        Format::Jsonl,
    );
    assert_error(&errors, 1, "subject", "first-generation");
    assert_error(&errors, 1, "subject", "11010519491231002X");
}
