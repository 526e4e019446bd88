//! Time, end to end: every action is judged on its own date against its record (intake refuses
//! what the record's state machine forbids, naming the line and field), recorded time only moves
//! forward, and every answer describes the world as known on its `known_at`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::Path;

use credence_engine::lifecycle;
use credence_gen::SplitMix64;
use credence_model::id::resident_id_check_char;
use credence_model::{Action, Attributes, Day, Event, SubjectFacts, SubjectKind, Value};
use credence_policy::PolicySource;
use credence_registry::answer::Because;
use credence_registry::registry::{Registry, RegistryError};

const ORGANISATION: &str = "91110000600037341L";
const COURT: &str = "court.dishonest-conduct";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn person(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

fn debtor() -> String {
    person("11010519800505001")
}

fn packs() -> (Vec<PolicySource>, String) {
    common::shipped_packs()
}

fn registry(dir: &Path) -> Registry {
    let (packs, sources) = packs();
    Registry::init(&dir.join("registry"), packs, "sources.toml", &sources).unwrap()
}

fn ingest(
    registry: &mut Registry,
    source: &str,
    rows: &[String],
    today: &str,
) -> Result<credence_store::BatchReceipt, RegistryError> {
    registry.ingest(
        &format!("{source}.jsonl"),
        &rows.join("\n"),
        source,
        day(today),
        0,
        &mut |_, _| {},
    )
}

/// A row of the court about `subject`.
fn row(
    reference: &str,
    action: &str,
    subject: &str,
    date: &str,
    target: Option<&str>,
    attributes: &str,
) -> String {
    let target = target
        .map(|t| format!(r#","target":"{t}""#))
        .unwrap_or_default();
    format!(
        r#"{{"ref":"{reference}","action":"{action}","subject":"{subject}","category":"{COURT}","date":"{date}"{target},"attributes":{attributes}}}"#
    )
}

fn conduct(case: &str, ground: &str, aggravated: bool) -> String {
    format!(
        r#"{{"case":"{case}","court":"Chaoyang","ground":"{ground}","amount":"50000.00","aggravated":{aggravated}}}"#
    )
}

fn intake_error(result: Result<credence_store::BatchReceipt, RegistryError>) -> String {
    match result {
        Err(RegistryError::Rejected(errors)) => errors.to_string(),
        other => panic!("expected the file to be refused, got {other:?}"),
    }
}

#[test]
fn intake_refuses_actions_the_records_state_forbids_naming_line_and_field() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let subject = debtor();
    // In one file: an extension of a listing that has ended, a performance dated before its
    // record, an answer to no dispute, and an extension of a record without the law's condition.
    let message = intake_error(ingest(
        &mut registry,
        "court",
        &[
            row(
                "c1",
                "record",
                &subject,
                "2022-01-10",
                None,
                &conduct("A", "evades", true),
            ),
            row(
                "x1",
                "extend",
                &subject,
                "2024-06-01",
                Some("c1"),
                r#"{"months":12}"#,
            ),
            row(
                "c2",
                "record",
                &subject,
                "2024-05-01",
                None,
                &conduct("B", "refuses", false),
            ),
            row("f1", "fulfil", &subject, "2024-04-01", Some("c2"), "{}"),
            row(
                "r1",
                "resolve",
                &subject,
                "2024-06-01",
                Some("c2"),
                r#"{"upheld":false}"#,
            ),
            row(
                "c3",
                "record",
                &subject,
                "2024-01-01",
                None,
                &conduct("C", "obstructs", false),
            ),
            row(
                "x2",
                "extend",
                &subject,
                "2024-06-01",
                Some("c3"),
                r#"{"months":12}"#,
            ),
            row(
                "c4",
                "record",
                &subject,
                "2024-01-01",
                None,
                &conduct("D", "obstructs", true),
            ),
            row(
                "x3",
                "extend",
                &subject,
                "2024-06-01",
                Some("c4"),
                r#"{"months":24}"#,
            ),
            row(
                "x4",
                "extend",
                &subject,
                "2024-07-01",
                Some("c4"),
                r#"{"months":24}"#,
            ),
        ],
        "2026-11-01",
    ));
    for needle in [
        "line 2, field `date`: `extend` on 2024-06-01 of `c1` cannot follow: the listing ended on 2024-01-11",
        "line 4, field `date`: `fulfil` on 2024-04-01 of `c2` cannot follow: it is dated before the record (2024-05-01)",
        "line 5, field `action`: `resolve` on 2024-06-01 of `c2` cannot follow: no dispute of the record is open",
        "line 7, field `action`: `extend` on 2024-06-01 of `c3` cannot follow: the law's condition",
        "line 10, field `attributes.months`: `extend` on 2024-07-01 of `c4` cannot follow: the extensions would total more than the list's maximum of 36 months (24 already)",
    ] {
        assert!(message.contains(needle), "{needle}\nnot in\n{message}");
    }
    assert!(message.contains("5 errors"), "{message}");
}

#[test]
fn intake_judges_an_action_against_the_records_stored_history() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let subject = debtor();
    ingest(
        &mut registry,
        "court",
        &[
            row(
                "c1",
                "record",
                &subject,
                "2024-01-10",
                None,
                &conduct("A", "refuses", false),
            ),
            row("f1", "fulfil", &subject, "2024-03-01", Some("c1"), "{}"),
        ],
        "2024-03-01",
    )
    .unwrap();
    let message = intake_error(ingest(
        &mut registry,
        "court",
        &[row(
            "f2",
            "fulfil",
            &subject,
            "2024-04-01",
            Some("c1"),
            "{}",
        )],
        "2024-04-01",
    ));
    assert!(
        message.contains("line 1, field `action`: `fulfil` on 2024-04-01 of `c1` cannot follow: performance was already recorded on 2024-03-01"),
        "{message}"
    );
    // Resubmitting the first file is not a second performance.
    ingest(
        &mut registry,
        "court",
        &[
            row(
                "c1",
                "record",
                &subject,
                "2024-01-10",
                None,
                &conduct("A", "refuses", false),
            ),
            row("f1", "fulfil", &subject, "2024-03-01", Some("c1"), "{}"),
        ],
        "2024-04-01",
    )
    .unwrap();
}

const ACTIONS: [&str; 8] = [
    "correct", "retract", "fulfil", "extend", "suppress", "dispute", "resolve", "dispute",
];

/// The attributes a generated row of `action` carries.
fn attributes_for(action: &str, rng: &mut SplitMix64) -> String {
    let grounds = ["refuses", "obstructs", "evades"];
    match action {
        "record" | "correct" => conduct(
            if rng.below(2) == 0 { "A" } else { "B" },
            grounds[rng.below(3) as usize],
            rng.below(2) == 0,
        ),
        "extend" => format!(r#"{{"months":{}}}"#, 12 + rng.below(25)),
        "resolve" => format!(r#"{{"upheld":{}}}"#, rng.below(3) != 0),
        _ => "{}".to_owned(),
    }
}

fn parse_attributes(json: &str) -> Attributes {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::Number(n) => Value::Int(n.as_i64().unwrap()),
                serde_json::Value::String(s) if k == "amount" => Value::Int(5_000_000),
                serde_json::Value::String(s) => Value::Text(s.clone()),
                other => panic!("{other}"),
            };
            (k.clone(), v)
        })
        .collect()
}

#[test]
fn intake_accepts_exactly_the_generated_sequences_the_machine_allows() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let policy = credence_policy::compile(&packs().0).unwrap();
    let facts = SubjectFacts {
        kind: SubjectKind::Person,
        birth: Some(day("1980-05-05")),
    };
    let mut rng = SplitMix64::new(0x71ae);
    let start = day("2020-01-01");
    let mut today = start;
    let (mut accepted, mut refused) = (0, 0);
    for history in 0..12 {
        // One subject per history, so that histories do not meet.
        let subject = person(&format!("11010519800505{:03}", 100 + history));
        let mut known: Vec<Event> = Vec::new();
        let first = start.add_days(rng.below(1200) as i32);
        let steps = 1 + rng.below(7);
        for step in 0..=steps {
            let (action, reference, target) = if step == 0 {
                ("record", format!("h{history}-c"), None)
            } else {
                let action = ACTIONS[rng.below(ACTIONS.len() as u64) as usize];
                (
                    action,
                    format!("h{history}-a{step}"),
                    Some(format!("h{history}-c")),
                )
            };
            let date = if step == 0 {
                first
            } else {
                first.add_days(rng.below(1000) as i32 - 100)
            };
            let attributes = attributes_for(action, &mut rng);
            today = today.max(date);
            let text = row(
                &reference,
                action,
                &subject,
                &date.to_string(),
                target.as_deref(),
                &attributes,
            );
            let event = Event {
                seq: 0,
                source: "court".into(),
                reference: reference.clone(),
                action: action.parse::<Action>().unwrap(),
                category: COURT.into(),
                target: target.clone(),
                valid: date,
                recorded: today,
                attributes: parse_attributes(&attributes),
            };
            let mut candidate = known.clone();
            candidate.push(event);
            let allowed = lifecycle::refusals(&policy, facts, &candidate).is_empty();
            let result = ingest(&mut registry, "court", &[text], &today.to_string());
            assert_eq!(
                result.is_ok(),
                allowed,
                "{action} on {date} after {known:#?}: {result:?}"
            );
            if allowed {
                known = candidate;
                accepted += 1;
            } else {
                refused += 1;
            }
        }
    }
    assert!(accepted > 20 && refused > 5, "{accepted} {refused}");
}

#[test]
fn recorded_time_only_moves_forward() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let subject = debtor();
    ingest(
        &mut registry,
        "court",
        &[row(
            "c1",
            "record",
            &subject,
            "2024-01-10",
            None,
            &conduct("A", "refuses", false),
        )],
        "2024-06-01",
    )
    .unwrap();
    let earlier = ingest(
        &mut registry,
        "court",
        &[row(
            "c2",
            "record",
            &subject,
            "2024-01-10",
            None,
            &conduct("B", "refuses", false),
        )],
        "2024-05-01",
    );
    match earlier {
        Err(RegistryError::Time(message)) => assert!(
            message.contains("recorded on 2024-05-01, before 2024-06-01"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    // The same day is fine.
    ingest(
        &mut registry,
        "court",
        &[row(
            "c2",
            "record",
            &subject,
            "2024-01-10",
            None,
            &conduct("B", "refuses", false),
        )],
        "2024-06-01",
    )
    .unwrap();
}

#[test]
fn a_known_at_after_the_registrys_date_is_refused() {
    assert!(Registry::known_at_allowed(day("2024-06-01"), day("2024-06-01")).is_ok());
    match Registry::known_at_allowed(day("2024-06-02"), day("2024-06-01")) {
        Err(RegistryError::Time(message)) => {
            assert!(
                message.contains("after the registry's date 2024-06-01"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn answers_cite_the_record_as_corrected_and_known() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let subject = debtor();
    ingest(
        &mut registry,
        "court",
        &[row(
            "c1",
            "record",
            &subject,
            "2024-01-10",
            None,
            &conduct("CASE-A", "refuses", false),
        )],
        "2024-02-01",
    )
    .unwrap();
    ingest(
        &mut registry,
        "court",
        &[row(
            "k1",
            "correct",
            &subject,
            "2024-01-10",
            Some("c1"),
            &conduct("CASE-B", "evades", false),
        )],
        "2024-03-01",
    )
    .unwrap();
    // The airline is told the ground as corrected, and never a case number.
    let answer = registry
        .check(&subject, "no-flights", day("2024-03-05"), "airline", 0)
        .unwrap();
    assert!(answer.applies);
    assert!(
        matches!(&answer.because[..], [Because::Listed { ground, .. }] if ground == "3"),
        "{answer:?}"
    );
    let said = serde_json::to_string(&answer).unwrap();
    assert!(!said.contains("CASE"), "{said}");
    // As known before the correction, the ground was 1.
    let earlier = registry
        .check(&subject, "no-flights", day("2024-02-15"), "airline", 0)
        .unwrap();
    assert!(
        matches!(&earlier.because[..], [Because::Listed { ground, .. }] if ground == "1"),
        "{earlier:?}"
    );
    let text = |registry: &mut Registry, known_at: &str| {
        let report = registry
            .report(&subject, day("2024-03-05"), day(known_at), 0)
            .unwrap();
        credence_registry::render::report_text(&report, registry.policy())
    };
    let now = text(&mut registry, "2024-03-05");
    assert!(
        now.contains("case CASE-B") && !now.contains("case CASE-A"),
        "{now}"
    );
    // As known before the correction, the record was CASE-A, and the correction was unknown.
    let before = text(&mut registry, "2024-02-15");
    assert!(
        before.contains("case CASE-A") && !before.contains("CASE-B"),
        "{before}"
    );
    assert!(before.contains("File (1 event"), "{before}");
    assert!(!before.contains("`k1`"), "{before}");
}

#[test]
fn the_legal_representative_section_is_as_known_at() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let chair = person("11010519700101001");
    let successor = person("11010519800202002");
    let representative = |reference: &str, who: &str, date: &str| {
        format!(
            r#"{{"ref":"{reference}","action":"record","subject":"{ORGANISATION}","category":"registry.legal-representative","date":"{date}","attributes":{{"person":"{who}"}}}}"#
        )
    };
    ingest(
        &mut registry,
        "market-regulator",
        &[representative("rep-1", &chair, "2024-01-01")],
        "2024-01-01",
    )
    .unwrap();
    ingest(
        &mut registry,
        "court",
        &[row(
            "c1",
            "record",
            ORGANISATION,
            "2024-01-10",
            None,
            &conduct("A", "refuses", false),
        )],
        "2024-01-10",
    )
    .unwrap();
    // Learned on 2024-06-01: since 2024-02-01 the successor represents the organisation.
    ingest(
        &mut registry,
        "market-regulator",
        &[representative("rep-2", &successor, "2024-02-01")],
        "2024-06-01",
    )
    .unwrap();
    let representing = |registry: &mut Registry, who: &str, known_at: &str| {
        registry
            .report(who, day("2024-03-01"), day(known_at), 0)
            .unwrap()
            .representing
            .len()
    };
    // As known on 2024-04-01, the chair still represented it, and the successor did not.
    assert_eq!(representing(&mut registry, &chair, "2024-04-01"), 1);
    assert_eq!(representing(&mut registry, &successor, "2024-04-01"), 0);
    // As known on 2024-07-01, the successor has since 2024-02-01.
    assert_eq!(representing(&mut registry, &chair, "2024-07-01"), 0);
    assert_eq!(representing(&mut registry, &successor, "2024-07-01"), 1);
}

#[test]
fn an_open_dispute_says_what_is_true() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let subject = debtor();
    ingest(
        &mut registry,
        "court",
        &[
            row(
                "c1",
                "record",
                &subject,
                "2024-01-10",
                None,
                &conduct("A", "obstructs", false),
            ),
            row("d1", "dispute", &subject, "2024-03-01", Some("c1"), "{}"),
        ],
        "2024-03-01",
    )
    .unwrap();
    let report = registry
        .report(&subject, day("2024-03-05"), day("2024-03-05"), 0)
        .unwrap();
    let entry = &report.standing.lists[0];
    // Two years from 2024-01-10 if the source answers (Saturday 2026-01-10 moves to Monday
    // 2026-01-12, Civil Code art. 203); the deadline is not the entry's end. The 15 days to
    // answer from 2024-03-01 run through Monday 2024-03-18 (the 15th day is a Saturday).
    assert_eq!(entry.until, day("2026-01-13"));
    let text = credence_registry::render::report_text(&report, registry.policy());
    assert!(
        text.contains("since 2024-01-10, until 2026-01-13; disputed on 2024-03-01: stops counting on 2024-03-19 unless the source answers, otherwise ends on 2026-01-13"),
        "{text}"
    );
    assert!(!text.contains("ends by itself on 2024-03-19"), "{text}");
    // Nowhere is the deadline given as the day something ends: not for the points the record
    // costs, not in the file.
    assert!(!text.contains("until 2024-03-19"), "{text}");
    assert!(!text.contains("counting on 2024-03-19;"), "{text}");
    assert!(
        text.contains("[disputed on 2024-03-01: stops counting on 2024-03-19 unless the source answers; kept until 2029-01-11]"),
        "{text}"
    );
    let answer = registry
        .check(&subject, "no-flights", day("2024-03-05"), "airline", 0)
        .unwrap();
    let said = credence_registry::render::check_text(&answer);
    assert!(
        said.contains("stops counting on 2024-03-19 unless the source answers"),
        "{said}"
    );
}

/// What a report says, without the access log (which grows with every question).
fn said(registry: &mut Registry, subject: &str, as_of: Day, known_at: Day) -> String {
    let report = registry.report(subject, as_of, known_at, 0).unwrap();
    let text = credence_registry::render::report_text(&report, registry.policy());
    let text = text.split("\nWho looked").next().unwrap().to_owned();
    let json = serde_json::json!({
        "events": report.events,
        "standing": report.standing,
        "representing": report.representing,
    });
    format!("{text}\n{json}")
}

/// Every answer about `subjects` as of `as_of`, as known on `known_at`: the reports, and every
/// measure's check by its first relying party, asked on `known_at` itself.
fn answers(registry: &mut Registry, subjects: &[String], as_of: Day, known_at: Day) -> Vec<String> {
    let checks: Vec<(String, String)> = registry
        .policy()
        .measures
        .iter()
        .filter_map(|m| Some((m.id.clone(), m.relying_parties.first()?.clone())))
        .collect();
    let mut out = Vec::new();
    for subject in subjects {
        out.push(said(registry, subject, as_of, known_at));
        for (measure, party) in &checks {
            let answer = registry.check(subject, measure, known_at, party, 0);
            out.push(format!("{answer:?}"));
        }
    }
    out
}

#[test]
fn an_answer_as_known_at_k_never_changes_when_later_events_are_added() {
    let mut rng = SplitMix64::new(0x0c0d_e4a7);
    let mut accepted = 0;
    for round in 0..3 {
        let root = tempfile::tempdir().unwrap();
        let mut registry = registry(root.path());
        let subjects = [
            debtor(),
            person("11010519700101001"),
            ORGANISATION.to_owned(),
        ];
        let representative = format!(
            r#"{{"ref":"rep-{round}","action":"record","subject":"{ORGANISATION}","category":"registry.legal-representative","date":"2021-06-01","attributes":{{"person":"{}"}}}}"#,
            subjects[1]
        );
        ingest(
            &mut registry,
            "market-regulator",
            &[representative],
            "2021-06-01",
        )
        .unwrap();
        let mut today = day("2021-06-01");
        let mut records: Vec<(usize, String)> = Vec::new();
        let mut snapshots: Vec<(Day, Day, Vec<String>)> = Vec::new();
        for batch in 0..8 {
            today = today.add_days(30 + rng.below(120) as i32);
            // Every answer as known the day before, before what is recorded today.
            let known_at = today.add_days(-1);
            let as_of = known_at.add_days(-(rng.below(400) as i32));
            snapshots.push((
                as_of,
                known_at,
                answers(&mut registry, &subjects, as_of, known_at),
            ));
            // Then a batch of events, dated up to 200 days back, recorded today.
            let mut rows = Vec::new();
            for n in 0..1 + rng.below(3) {
                let who = rng.below(3) as usize;
                let subject = &subjects[who];
                let date = today.add_days(-(rng.below(200) as i32)).to_string();
                let reference = format!("b{batch}-{n}");
                let target = records
                    .iter()
                    .rev()
                    .find(|(w, _)| *w == who)
                    .map(|(_, r)| r.clone());
                match (rng.below(2), target) {
                    (0, Some(target)) => {
                        let action = ACTIONS[rng.below(ACTIONS.len() as u64) as usize];
                        let attributes = attributes_for(action, &mut rng);
                        rows.push(row(
                            &reference,
                            action,
                            subject,
                            &date,
                            Some(&target),
                            &attributes,
                        ));
                    }
                    _ => {
                        let attributes = attributes_for("record", &mut rng);
                        rows.push(row(&reference, "record", subject, &date, None, &attributes));
                        records.push((who, reference.clone()));
                    }
                }
            }
            // A file with a refused row is refused whole and changes nothing.
            if ingest(&mut registry, "court", &rows, &today.to_string()).is_ok() {
                accepted += 1;
            }
            // Sometimes the organisation's legal representative changes, learned late.
            if rng.below(3) == 0 {
                let who = &subjects[rng.below(2) as usize];
                let date = today.add_days(-(rng.below(300) as i32));
                let record = format!(
                    r#"{{"ref":"rep-{round}-{batch}","action":"record","subject":"{ORGANISATION}","category":"registry.legal-representative","date":"{date}","attributes":{{"person":"{who}"}}}}"#
                );
                ingest(
                    &mut registry,
                    "market-regulator",
                    &[record],
                    &today.to_string(),
                )
                .unwrap();
            }
        }
        // Every earlier answer, asked again now that more is known, is the same.
        for (as_of, known_at, before) in snapshots {
            let again = answers(&mut registry, &subjects, as_of, known_at);
            assert_eq!(before.len(), again.len());
            for (a, b) in before.iter().zip(&again) {
                assert_eq!(a, b, "as of {as_of}, as known on {known_at}");
            }
        }
    }
    assert!(accepted > 6, "{accepted}");
}
