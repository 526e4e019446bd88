//! A birth date stated by a source (`birth_date`) for a person whose identifier carries none: it
//! is kept with the subject, so a minimum age and the minor bar read it as they read a resident
//! id's date; it is refused for an identifier that carries a date, for an organisation, when it
//! is not a plausible date, and when it differs from the one already given.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::Path;

use credence_engine::standing::{EntryState, SchemeStatus, Standing};
use credence_model::Day;
use credence_registry::registry::{Registry, RegistryError};
use credence_store::BatchReceipt;

const TODAY: &str = "2026-11-01";
const PASSPORT: &str = "passport:E12345678";
const RESIDENT: &str = "11010519491231002X";
const ORGANISATION: &str = "91110000600037341L";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn new_registry(dir: &Path) -> Registry {
    common::shipped_registry(dir)
}

fn ingest(
    registry: &mut Registry,
    source: &str,
    name: &str,
    text: &str,
) -> Result<BatchReceipt, RegistryError> {
    registry.ingest(name, text, source, day(TODAY), 0, &mut |_, _| {})
}

fn accept(registry: &mut Registry, source: &str, rows: &[String]) -> BatchReceipt {
    ingest(
        registry,
        source,
        &format!("{source}.jsonl"),
        &rows.join("\n"),
    )
    .unwrap_or_else(|e| panic!("expected the file to be accepted:\n{e}"))
}

/// The rejection's text (every error as `line N, field `F`: ...`).
fn reject(registry: &mut Registry, source: &str, name: &str, text: &str) -> String {
    match ingest(registry, source, name, text) {
        Ok(receipt) => panic!("expected a rejection, got {} events", receipt.appended),
        Err(RegistryError::Rejected(errors)) => errors.to_string(),
        Err(e) => panic!("expected a rejection, got {e}"),
    }
}

fn assert_error(message: &str, line: usize, field: &str, needle: &str) {
    let found = message
        .lines()
        .any(|l| l.contains(&format!("line {line}, field `{field}`:")) && l.contains(needle));
    assert!(
        found,
        "no error on line {line}, field `{field}` containing {needle:?}:\n{message}"
    );
}

/// `,"birth_date":"..."`, or nothing.
fn birth(date: Option<&str>) -> String {
    date.map(|d| format!(r#","birth_date":"{d}""#))
        .unwrap_or_default()
}

fn consent(reference: &str, subject: &str, birth_date: Option<&str>) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"consent","subject":"{subject}","category":"civic-points","date":"2026-01-10"{}}}"#,
        birth(birth_date)
    )
}

fn volunteering(reference: &str, subject: &str, birth_date: Option<&str>) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"civic.volunteering","date":"2026-02-01"{},"attributes":{{"hours":4}}}}"#,
        birth(birth_date)
    )
}

fn dishonest(reference: &str, subject: &str, birth_date: Option<&str>) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"2026-03-01"{},"attributes":{{"case":"(2026)京0105执1号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}}}}"#,
        birth(birth_date)
    )
}

fn standing(registry: &mut Registry, subject: &str) -> Standing {
    registry
        .report(subject, day(TODAY), day(TODAY), 0)
        .unwrap()
        .standing
}

fn civic_points(registry: &mut Registry, subject: &str) -> SchemeStatus {
    standing(registry, subject)
        .schemes
        .into_iter()
        .find(|s| s.scheme == "civic-points")
        .expect("civic points is in every standing")
        .status
}

fn court_entry(registry: &mut Registry, subject: &str) -> (EntryState, Option<String>) {
    let entry = standing(registry, subject)
        .lists
        .into_iter()
        .find(|e| e.list == "dishonest-debtors")
        .expect("the dishonest conduct record is a ground");
    (entry.state, entry.bar)
}

#[test]
fn a_stated_adult_birth_date_lets_a_consenting_passport_holder_be_scored() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = new_registry(root.path());
    accept(
        &mut registry,
        "civic-office",
        &[consent("k-1", PASSPORT, Some("1990-05-05"))],
    );
    assert_eq!(civic_points(&mut registry, PASSPORT), SchemeStatus::Scored);

    // Without it the age is not known: not scored, whatever the consent.
    let root = tempfile::tempdir().unwrap();
    let mut other = new_registry(root.path());
    accept(
        &mut other,
        "civic-office",
        &[consent("k-1", PASSPORT, None)],
    );
    assert_eq!(
        civic_points(&mut other, PASSPORT),
        SchemeStatus::BelowMinimumAge
    );
}

#[test]
fn a_birth_date_completes_a_subject_first_stored_without_one() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = new_registry(root.path());
    accept(
        &mut registry,
        "volunteer-association",
        &[volunteering("v-1", PASSPORT, None)],
    );
    // Consent first in the file, the birth date on a later row of the same file.
    accept(
        &mut registry,
        "civic-office",
        &[consent("k-1", PASSPORT, None)],
    );
    assert_eq!(
        civic_points(&mut registry, PASSPORT),
        SchemeStatus::BelowMinimumAge
    );
    accept(
        &mut registry,
        "volunteer-association",
        &[
            volunteering("v-2", PASSPORT, None),
            volunteering("v-3", PASSPORT, Some("1990-05-05")),
        ],
    );
    assert_eq!(civic_points(&mut registry, PASSPORT), SchemeStatus::Scored);
}

#[test]
fn a_stated_minor_birth_date_bars_the_court_listing() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = new_registry(root.path());
    let adult = "passport:E87654321";
    accept(
        &mut registry,
        "court",
        &[
            dishonest("c-1", PASSPORT, Some("2012-04-01")),
            dishonest("c-2", adult, None),
        ],
    );
    assert_eq!(
        court_entry(&mut registry, PASSPORT),
        (EntryState::Barred, Some("minor".to_owned()))
    );
    // Without a stated birth date the person is not known to be a minor.
    assert_eq!(
        court_entry(&mut registry, adult),
        (EntryState::InForce, None)
    );
}

#[test]
fn re_ingesting_a_file_with_birth_dates_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = new_registry(root.path());
    let rows = [
        dishonest("c-1", PASSPORT, None),
        dishonest("c-2", PASSPORT, Some("2012-04-01")),
    ];
    let first = accept(&mut registry, "court", &rows);
    let again = accept(&mut registry, "court", &rows);
    assert_eq!((first.appended, first.unchanged), (2, 0));
    assert_eq!((again.appended, again.unchanged), (0, 2));
    // The resubmission is a batch of the chain (with its own digest), and adds no event.
    assert_ne!(first.head, again.head);
    assert_eq!(
        registry.store_stats().unwrap().events,
        2,
        "the history did not change"
    );
    assert_eq!(
        court_entry(&mut registry, PASSPORT),
        (EntryState::Barred, Some("minor".to_owned()))
    );
}

#[test]
fn a_birth_date_that_cannot_apply_is_refused_naming_line_and_field() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = new_registry(root.path());
    let rows = [
        dishonest("c-1", RESIDENT, Some("1949-12-31")),
        dishonest("c-2", ORGANISATION, Some("1990-01-01")),
        dishonest("c-3", PASSPORT, Some("2027-01-01")),
        dishonest("c-4", PASSPORT, Some("1899-12-31")),
        dishonest("c-5", PASSPORT, Some("1990-02-30")),
        dishonest("c-6", "passport:E1", None)
            .replace(r#""date""#, r#""birth_date":19900101,"date""#),
    ];
    let message = reject(&mut registry, "court", "court.jsonl", &rows.join("\n"));
    assert_error(
        &message,
        1,
        "birth_date",
        "carries the birth date 1949-12-31",
    );
    assert_error(&message, 2, "birth_date", "organisation");
    assert_error(&message, 3, "birth_date", "in the future");
    assert_error(&message, 4, "birth_date", "before 1900-01-01");
    assert_error(&message, 5, "birth_date", "1990-02-30");
    assert_error(&message, 6, "birth_date", "not a string");
    assert_eq!(
        message.matches("field `birth_date`").count(),
        6,
        "{message}"
    );

    let csv = format!(
        "ref,action,subject,category,date,birth_date,case,court,ground,amount\n\
         c-1,record,{RESIDENT},court.dishonest-conduct,2026-03-01,1949-12-31,X,Y,refuses,1.00\n\
         c-2,record,{ORGANISATION},court.dishonest-conduct,2026-03-01,1990-01-01,X,Y,refuses,1.00\n\
         c-3,record,{PASSPORT},court.dishonest-conduct,2026-03-01,2027-01-01,X,Y,refuses,1.00\n\
         c-4,record,{PASSPORT},court.dishonest-conduct,2026-03-01,1899-12-31,X,Y,refuses,1.00\n\
         c-5,record,{PASSPORT},court.dishonest-conduct,2026-03-01,05/01/1990,X,Y,refuses,1.00\n"
    );
    let message = reject(&mut registry, "court", "court.csv", &csv);
    assert_error(
        &message,
        2,
        "birth_date",
        "carries the birth date 1949-12-31",
    );
    assert_error(&message, 3, "birth_date", "organisation");
    assert_error(&message, 4, "birth_date", "in the future");
    assert_error(&message, 5, "birth_date", "before 1900-01-01");
    assert_error(&message, 6, "birth_date", "05/01/1990");
    assert_eq!(
        message.matches("field `birth_date`").count(),
        5,
        "{message}"
    );
}

#[test]
fn a_different_birth_date_for_the_same_subject_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = new_registry(root.path());
    // In one file: the first stays, the later different one is refused.
    let rows = [
        dishonest("c-1", PASSPORT, Some("1990-05-05")),
        dishonest("c-2", PASSPORT, Some("1990-05-05")),
        dishonest("c-3", PASSPORT, Some("1991-05-05")),
    ];
    let message = reject(&mut registry, "court", "court.jsonl", &rows.join("\n"));
    assert_error(&message, 3, "birth_date", "line 1 states 1990-05-05");
    assert_error(&message, 3, "birth_date", "not supported");
    assert_eq!(
        message.matches("field `birth_date`").count(),
        1,
        "{message}"
    );

    // Against the registry: the stored one stays.
    accept(&mut registry, "court", &rows[..1]);
    let message = reject(
        &mut registry,
        "civic-office",
        "civic.jsonl",
        &consent("k-1", PASSPORT, Some("1991-05-05")),
    );
    assert_error(
        &message,
        1,
        "birth_date",
        "registry already holds 1990-05-05",
    );
    let csv = format!(
        "ref,action,subject,category,date,birth_date\n\
         k-1,consent,{PASSPORT},civic-points,2026-01-10,1990-05-05\n\
         k-2,consent,{PASSPORT},civic-points,2026-01-11,1991-05-05\n"
    );
    let message = reject(&mut registry, "civic-office", "civic.csv", &csv);
    assert_error(
        &message,
        3,
        "birth_date",
        "registry already holds 1990-05-05",
    );
    assert_eq!(
        message.matches("field `birth_date`").count(),
        1,
        "{message}"
    );
    // The stored date is unchanged: the person is an adult and scored.
    accept(
        &mut registry,
        "civic-office",
        &[consent("k-1", PASSPORT, Some("1990-05-05"))],
    );
    assert_eq!(civic_points(&mut registry, PASSPORT), SchemeStatus::Scored);
}
