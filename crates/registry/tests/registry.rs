//! The registry end to end on the embedded store: the legal representative extension, subjects
//! with no records, idempotent resubmission, and the errors a caller can meet.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_registry::answer::Because;
use credence_registry::registry::{Registry, RegistryError};

const ORGANISATION: &str = "91110000600037341L";
const TODAY: &str = "2026-11-01";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn person(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

fn ingest(registry: &mut Registry, source: &str, rows: &[String]) -> credence_store::BatchReceipt {
    registry
        .ingest(
            &format!("{source}.jsonl"),
            &rows.join("\n"),
            source,
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .unwrap()
}

fn representative(reference: &str, person: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{ORGANISATION}","category":"registry.legal-representative","date":"{date}","attributes":{{"person":"{person}"}}}}"#
    )
}

fn dishonest(reference: &str, subject: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"{date}","attributes":{{"case":"(2025)京0105执1号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}}}}"#
    )
}

#[test]
fn an_organisations_listing_binds_its_legal_representative_and_only_them() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let chair = person("11010519700101001");
    let clerk = person("11010519800202002");
    ingest(
        &mut registry,
        "market-regulator",
        &[representative("rep-1", &chair, "2024-01-01")],
    );
    ingest(
        &mut registry,
        "court",
        &[dishonest("c-1", ORGANISATION, "2025-06-01")],
    );

    let organisation = registry
        .check(ORGANISATION, "no-flights", day(TODAY), "airline", 0)
        .unwrap();
    assert!(organisation.applies && organisation.as_representative.is_none());

    // The chair has no records of their own, and is bound as the legal representative.
    let bound = registry
        .check(&chair, "no-flights", day(TODAY), "airline", 0)
        .unwrap();
    assert!(bound.applies, "{bound:?}");
    assert!(
        bound
            .as_representative
            .as_deref()
            .is_some_and(|basis| !basis.is_empty()),
        "{bound:?}"
    );
    assert!(
        credence_registry::render::check_text(&bound).contains("legal representative"),
        "{bound:?}"
    );
    // The airline learns that and why the chair is bound, not which organisation binds them.
    let told = serde_json::to_string(&bound).unwrap();
    assert!(!told.contains(&organisation.subject), "{told}");
    assert_eq!(bound.until, organisation.until);
    // The chair's own disclosure says which measures bind them, and through which organisation.
    let report = registry.report(&chair, day(TODAY), day(TODAY), 0).unwrap();
    assert!(
        report
            .standing
            .measures
            .iter()
            .all(|m| m.effect == credence_policy::Effect::Reward),
        "no restriction of the chair's own"
    );
    assert_eq!(report.representing.len(), 1);
    assert_eq!(report.representing[0].organisation, organisation.subject);
    assert!(
        report.representing[0]
            .measures
            .iter()
            .any(|m| m.measure == "no-flights")
    );
    assert!(
        report.representing[0]
            .measures
            .iter()
            .all(|m| registry.policy().measures
                [registry.policy().measure_index(&m.measure).unwrap()]
            .extends_to_representative
            .is_some()),
        "only measures that declare the extension"
    );
    let text = credence_registry::render::report_text(&report, registry.policy());
    assert!(
        text.contains("As legal representative of organisation"),
        "{text}"
    );
    // A measure without the declared extension does not reach the representative: the tax D
    // restrictions bind organisations only.
    let clerk_answer = registry
        .check(&clerk, "no-flights", day(TODAY), "airline", 0)
        .unwrap();
    assert!(
        !clerk_answer.applies,
        "someone the organisation does not name is not bound"
    );

    // A new legal representative from 1 September 2026: the chair is free, the clerk is bound.
    ingest(
        &mut registry,
        "market-regulator",
        &[representative("rep-2", &clerk, "2026-09-01")],
    );
    assert!(
        !registry
            .check(&chair, "no-flights", day(TODAY), "airline", 0)
            .unwrap()
            .applies
    );
    assert!(
        registry
            .check(&clerk, "no-flights", day(TODAY), "airline", 0)
            .unwrap()
            .applies
    );
    // A check answers as of its day with what the registry knew that day: on 1 August the
    // registry had not yet learned of the listing (it was submitted on 1 November).
    assert!(
        !registry
            .check(&chair, "no-flights", day("2026-08-01"), "airline", 0)
            .unwrap()
            .applies
    );
}

#[test]
fn a_subject_without_records_has_an_empty_file_and_no_restriction() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let nobody = person("35020319900505123");
    let report = registry.report(&nobody, day(TODAY), day(TODAY), 0).unwrap();
    assert!(report.events.is_empty());
    assert!(report.standing.lists.is_empty());
    let answer = registry
        .check(&nobody, "no-g-trains", day(TODAY), "railway", 0)
        .unwrap();
    assert!(!answer.applies);
    assert!(
        matches!(&answer.because[..], [Because::NotListed { list }] if list == "dishonest-debtors"),
        "{answer:?}"
    );
}

#[test]
fn resubmitting_a_file_appends_nothing() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let debtor = person("11010519700101001");
    let rows = [
        dishonest("c-1", &debtor, "2025-06-01"),
        dishonest("c-2", &debtor, "2025-07-01"),
    ];
    let first = ingest(&mut registry, "court", &rows);
    let again = ingest(&mut registry, "court", &rows);
    assert_eq!((first.appended, first.unchanged), (2, 0));
    assert_eq!((again.appended, again.unchanged), (0, 2));
    // The resubmission is a batch of the chain (with its own digest), and adds no event.
    assert_ne!(first.head, again.head);
    assert_eq!(
        registry.store_stats().unwrap().events,
        2,
        "the history did not change"
    );
}

#[test]
fn callers_get_errors_that_name_what_is_wrong() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let unknown_source = registry
        .ingest("x.jsonl", "", "oracle", day(TODAY), 0, &mut |_, _| {})
        .unwrap_err();
    assert!(
        matches!(unknown_source, RegistryError::UnknownSource { ref name, .. } if name == "oracle"),
        "{unknown_source}"
    );
    assert!(
        unknown_source
            .to_string()
            .contains("the registered sources are court, "),
        "{unknown_source}"
    );
    let format = registry
        .ingest("x.xml", "", "court", day(TODAY), 0, &mut |_, _| {})
        .unwrap_err();
    assert!(matches!(format, RegistryError::Format(_)), "{format}");
    // A refused file reaches the caller as data: each bad row by line and field, so that a
    // service can answer with them field by field.
    let refused = registry
        .ingest(
            "x.jsonl",
            "{\"ref\":\"r1\",\"action\":\"record\",\"subject\":\"110105194912310021\",\"category\":\"court.dishonest-conduct\",\"date\":\"2024-01-01\"}\n",
            "court",
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .unwrap_err();
    match &refused {
        RegistryError::Rejected(errors) => {
            assert!(errors.has(1, "subject"), "{refused}");
            assert_eq!(errors.rows, 1, "{refused}");
        }
        other => panic!("expected a typed rejection, got {other:?}"),
    }
    let bad_id = registry
        .check("110105194912310021", "no-flights", day(TODAY), "airline", 0)
        .unwrap_err();
    assert!(matches!(bad_id, RegistryError::Identifier(..)), "{bad_id}");
    assert!(bad_id.to_string().contains("check digit"), "{bad_id}");
    let measure = registry
        .check(ORGANISATION, "no-yachts", day(TODAY), "airline", 0)
        .unwrap_err();
    assert!(
        matches!(measure, RegistryError::UnknownMeasure(_)),
        "{measure}"
    );
    drop(registry);
    let reopened = Registry::open(&root.path().join("registry")).unwrap();
    assert_eq!(
        reopened.policy().packs.len(),
        common::shipped_packs().0.len(),
        "the published policy is kept in the store"
    );
    let missing = Registry::open(&root.path().join("nowhere")).unwrap_err();
    assert!(matches!(missing, RegistryError::Store(_)), "{missing}");
}

#[test]
fn a_relying_party_asks_only_about_its_measures_and_every_access_is_shown_to_the_subject() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let debtor = person("11010519700101001");
    ingest(
        &mut registry,
        "court",
        &[dishonest("c-1", &debtor, "2025-06-01")],
    );
    let refused = registry
        .check(&debtor, "no-flights", day(TODAY), "library", 1_000)
        .unwrap_err();
    assert!(
        matches!(refused, RegistryError::NotPermitted { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("applied by airline"),
        "{refused}"
    );
    let answer = registry
        .check(&debtor, "no-flights", day(TODAY), "airline", 2_000)
        .unwrap();
    assert!(answer.applies);
    let report = registry
        .report(&debtor, day(TODAY), day(TODAY), 3_000)
        .unwrap();
    let log: Vec<(&str, &str, i64)> = report
        .accesses
        .iter()
        .map(|a| (a.party.as_str(), a.outcome.as_str(), a.at_ms))
        .collect();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0].0, "library");
    assert!(
        log[0].1.starts_with("refused"),
        "a refused attempt is logged too: {log:?}"
    );
    assert_eq!((log[1].0, log[1].2), ("airline", 2_000));
    assert!(log[1].1.starts_with("applies until"), "{log:?}");
    assert_eq!((log[2].0, log[2].2), ("subject", 3_000));
    let text = credence_registry::render::report_text(&report, registry.policy());
    assert!(
        text.contains("Who looked (3 accesses)") && text.contains("airline: check no-flights"),
        "{text}"
    );
}

#[test]
fn each_sources_reversal_rate_is_measured_from_the_history() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let debtor = person("11010519700101001");
    let act = |reference: &str, action: &str, target: &str, attributes: &str| {
        format!(
            r#"{{"ref":"{reference}","action":"{action}","subject":"{debtor}","category":"court.dishonest-conduct","date":"2025-08-01","target":"{target}","attributes":{attributes}}}"#
        )
    };
    let rows = [
        dishonest("c-1", &debtor, "2025-06-01"),
        dishonest("c-2", &debtor, "2025-06-02"),
        dishonest("c-3", &debtor, "2025-06-03"),
        dishonest("c-4", &debtor, "2025-06-04"),
        act("x-1", "retract", "c-1", "{}"),
        act("d-2", "dispute", "c-2", "{}"),
        act("r-2", "resolve", "c-2", r#"{"upheld":false}"#),
        act("d-3", "dispute", "c-3", "{}"),
        act("r-3", "resolve", "c-3", r#"{"upheld":true}"#),
    ];
    ingest(&mut registry, "court", &rows);
    let quality = registry.source_quality(day(TODAY)).unwrap();
    let court = quality.iter().find(|q| q.source == "court").unwrap();
    assert_eq!(
        (
            court.records,
            court.retractions,
            court.disputes,
            court.disputes_lost
        ),
        (4, 1, 2, 1)
    );
    assert!(
        (court.reversal_rate - 0.5).abs() < 1e-9,
        "2 of 4 records reversed: {court:?}"
    );
    let lender = quality.iter().find(|q| q.source == "lender").unwrap();
    assert_eq!(
        (lender.records, lender.reversal_rate),
        (0, 0.0),
        "a source with no records has no rate"
    );
    assert_eq!(
        quality.len(),
        registry.sources().len(),
        "every registered source is reported"
    );
}

#[test]
fn a_dispute_left_unanswered_past_its_deadline_is_a_reversal() {
    // The court answers disputes within 15 days. One source answers its dispute in time; one
    // ignores its dispute past the deadline; a third dispute is still within its deadline.
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let debtor = person("11010519700101001");
    let act = |reference: &str, action: &str, target: &str, date: &str, attributes: &str| {
        format!(
            r#"{{"ref":"{reference}","action":"{action}","subject":"{debtor}","category":"court.dishonest-conduct","date":"{date}","target":"{target}","attributes":{attributes}}}"#
        )
    };
    let rows = [
        dishonest("c-1", &debtor, "2026-06-01"),
        dishonest("c-2", &debtor, "2026-06-02"),
        dishonest("c-3", &debtor, "2026-06-03"),
        dishonest("c-4", &debtor, "2026-06-04"),
        act("d-1", "dispute", "c-1", "2026-08-01", "{}"),
        act("r-1", "resolve", "c-1", "2026-08-10", r#"{"upheld":true}"#),
        act("d-2", "dispute", "c-2", "2026-08-01", "{}"),
        act("d-3", "dispute", "c-3", "2026-10-25", "{}"),
    ];
    ingest(&mut registry, "court", &rows);
    let quality = registry.source_quality(day(TODAY)).unwrap();
    let court = quality.iter().find(|q| q.source == "court").unwrap();
    assert_eq!(
        (
            court.disputes,
            court.disputes_lost,
            court.disputes_unanswered
        ),
        (3, 0, 1),
        "{court:?}"
    );
    assert!(
        (court.reversal_rate - 0.25).abs() < 1e-9,
        "the ignored dispute counts as a reversal: {court:?}"
    );
    // A day before the ignored dispute's deadline (2026-08-16), it was not yet a reversal.
    let earlier = registry.source_quality(day("2026-08-15")).unwrap();
    let court = earlier.iter().find(|q| q.source == "court").unwrap();
    assert_eq!(court.disputes_unanswered, 0, "{court:?}");
}

#[test]
fn a_registry_is_not_created_from_a_bad_policy_or_sources_file() {
    let root = tempfile::tempdir().unwrap();
    let (mut packs, sources) = common::shipped_packs();
    let dir = root.path().join("registry");
    let bad_sources = sources.replace("\"court.guarantee\"", "\"court.guarantees\"");
    let error = Registry::init(&dir, packs.clone(), "sources.toml", &bad_sources).unwrap_err();
    assert!(matches!(error, RegistryError::Sources(_)), "{error}");
    assert!(error.to_string().contains("court.guarantees"), "{error}");
    assert!(!dir.exists(), "nothing is created");
    packs[0].text.push_str("\n[[category]]\nid = \"x\"\n");
    let error = Registry::init(&dir, packs, "sources.toml", &sources).unwrap_err();
    assert!(matches!(error, RegistryError::Policy(_)), "{error}");
    assert!(!dir.exists(), "nothing is created");
}

#[test]
fn a_registry_whose_stored_policy_was_edited_is_refused_as_altered() {
    let root = tempfile::tempdir().unwrap();
    drop(common::shipped_registry(root.path()));
    let dir = root.path().join("registry");
    // The stored text is edited behind the registry's back.
    let db = rusqlite::Connection::open(dir.join(credence_store::sqlite::DATABASE_FILE)).unwrap();
    db.execute(
        "UPDATE policy SET text = text || '\n[[category]]\nid = \"broken\"\n'",
        [],
    )
    .unwrap();
    drop(db);
    // The publication it was sealed in no longer matches: nothing is compiled or answered.
    let error = Registry::open(&dir).unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Store(credence_store::StoreError::Tampered(_))
        ),
        "{error}"
    );
    assert!(error.to_string().contains("policy"), "{error}");
}

#[test]
fn a_reward_check_tells_the_band_reached_never_the_score() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let subject = person("11010519800101003");
    ingest(
        &mut registry,
        "lender",
        &[format!(
            r#"{{"ref":"s-1","action":"consent","subject":"{subject}","category":"sesame","date":"2026-01-05"}}"#
        )],
    );
    let standing = registry
        .report(&subject, day(TODAY), day(TODAY), 0)
        .unwrap()
        .standing;
    let score = standing.scorecards[0].score;
    let answer = registry
        .check(
            &subject,
            "sesame-overseas-car-rental-no-deposit",
            day(TODAY),
            "car-rental",
            0,
        )
        .unwrap();
    assert!(answer.applies, "{answer:?}");
    assert!(
        matches!(&answer.because[..], [Because::ScoreReached { of }] if of == "sesame"),
        "{answer:?}"
    );
    let json = serde_json::to_string(&answer).unwrap();
    let text = credence_registry::render::check_text(&answer);
    for told in [&json, &text] {
        assert!(!told.contains(&score.to_string()), "{score}: {told}");
    }
}
