//! Regressions: each test names what once went wrong.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

mod common;

use common::*;
use credence_engine::{EntryEnd, EntryState, SchemeStatus, evaluate};
use credence_model::{Action, Value};
use credence_policy::{PolicySource, compile};

fn inline(body: &str) -> credence_policy::Policy {
    let text = format!(
        r#"
[policy]
id = "t"
title = "T"
authority = "T"
version = "1"
basis = "T"

[[category]]
id = "t.help"
title = "Help"
context = "civic"
subjects = ["person", "organisation"]
kind = "contribution"
retention = "3y"

[[category]]
id = "t.other-help"
title = "Other help"
context = "civic"
subjects = ["person", "organisation"]
kind = "contribution"
retention = "3y"

[[category]]
id = "t.late"
title = "Late"
context = "tax"
subjects = ["person", "organisation"]
kind = "breach"
obligation = "Test Law, art. 2"
retention = "3y"

[[category]]
id = "t.fraud"
title = "Fraud"
context = "tax"
subjects = ["person", "organisation"]
kind = "adjudication"
obligation = "Test Law, art. 2"
retention = "3y"
{body}"#
    );
    compile(&[PolicySource {
        name: "t.toml".into(),
        text,
    }])
    .unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn two_caps_on_one_category_are_charged_what_was_counted() {
    // +8 on t.help, under a yearly cap of 10 on both categories and a cap of 5 ever on t.help:
    // 5 counted (the tighter cap), and the yearly cap is charged 5, not 8; then +8 on
    // t.other-help fits the 5 left in the year.
    let policy = inline(
        r#"
[[scheme]]
id = "s"
title = "S"
subjects = ["person"]
base = 0

[[scheme.rule]]
id = "a"
category = "t.help"
points = 8
validity = "1y"

[[scheme.rule]]
id = "b"
category = "t.other-help"
points = 8
validity = "1y"

[[scheme.cap]]
categories = ["t.help", "t.other-help"]
per = "year"
gain = 10

[[scheme.cap]]
categories = ["t.help"]
per = "ever"
gain = 5
"#,
    );
    let mut log = Log::default();
    log.record("s", "h1", "t.help", "2024-03-01", &[]);
    log.record("s", "h2", "t.other-help", "2024-04-01", &[]);
    let standing = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-05-01"),
        day("2024-05-01"),
    );
    let counted: Vec<i64> = standing.schemes[0]
        .contributions
        .iter()
        .map(|c| c.counted)
        .collect();
    assert_eq!(counted, [5, 5]);
    assert_eq!(standing.schemes[0].points, 10);
}

#[test]
fn a_direct_downgrade_never_raises_a_grade() {
    let policy = inline(
        r#"
[[rating]]
id = "r"
title = "R"
subjects = ["organisation"]
base = 100
min = 0

[[rating.rule]]
id = "late"
category = "t.late"
points = -70
validity = "1y"

[[rating.grade]]
grade = "A"
min = 90

[[rating.grade]]
grade = "C"
min = 40

[[rating.grade]]
grade = "D"
min = 0

[[rating.direct]]
grade = "C"
category = "t.fraud"
basis = "B"
"#,
    );
    let mut log = Log::default();
    log.record("s", "f1", "t.fraud", "2024-03-01", &[]);
    let only_fraud = evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2024-05-01"),
        day("2024-05-01"),
    );
    assert_eq!(
        only_fraud.schemes[0].grade.as_deref(),
        Some("C"),
        "the ground lowers A to C"
    );
    log.record("s", "l1", "t.late", "2024-03-02", &[]);
    let both = evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2024-05-01"),
        day("2024-05-01"),
    );
    assert_eq!(
        (both.schemes[0].points, both.schemes[0].grade.as_deref()),
        (30, Some("D")),
        "30 points is D; the C ground must not raise it"
    );
    assert!(both.schemes[0].direct.is_none());
}

#[test]
fn a_second_dispute_does_not_revive_a_record_that_stopped_counting() {
    let policy = shipped();
    let mut log = Log::default();
    log.record(
        "court",
        "c1",
        "court.dishonest-conduct",
        "2024-01-01",
        &[
            ("case", text("A-1")),
            ("court", text("X")),
            ("ground", text("refuses")),
        ],
    );
    log.act("court", "d1", Action::Dispute, "c1", "2024-02-01", &[]);
    log.act("court", "d2", Action::Dispute, "c1", "2024-06-01", &[]);
    // The first dispute went unanswered for 15 days: the 15th day, Friday 2024-02-16, is in the
    // Spring Festival holiday (10-17 February 2024), and Sunday 2024-02-18 is a working day
    // (调休), so the last day to answer was 2024-02-18 and the record stopped on 2024-02-19.
    let standing = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-06-05"),
        day("2024-06-05"),
    );
    assert_eq!(standing.lists[0].state, EntryState::Ended);
    assert_eq!(
        (standing.lists[0].until, standing.lists[0].ended_by),
        (day("2024-02-19"), Some(EntryEnd::DisputeUnanswered))
    );
    assert!(standing.measure("no-flights").is_none());
    // An answer after the deadline does not bring it back either.
    log.act(
        "court",
        "r1",
        Action::Resolve,
        "c1",
        "2024-06-10",
        &[("upheld", Value::Bool(true))],
    );
    let answered = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-07-01"),
        day("2024-07-01"),
    );
    assert_eq!(
        answered.lists[0].ended_by,
        Some(EntryEnd::DisputeUnanswered)
    );
    // An answer in time keeps the record counting.
    let mut timely = Log::default();
    timely.record(
        "court",
        "c1",
        "court.dishonest-conduct",
        "2024-01-01",
        &[
            ("case", text("A-1")),
            ("court", text("X")),
            ("ground", text("refuses")),
        ],
    );
    timely.act("court", "d1", Action::Dispute, "c1", "2024-02-01", &[]);
    timely.act(
        "court",
        "r1",
        Action::Resolve,
        "c1",
        "2024-02-10",
        &[("upheld", Value::Bool(true))],
    );
    let kept = evaluate(
        &policy,
        person("1980-01-01"),
        &timely.events,
        day("2024-07-01"),
        day("2024-07-01"),
    );
    assert_eq!(kept.lists[0].state, EntryState::InForce);
}

#[test]
fn consent_follows_the_latest_date_not_the_order_of_arrival() {
    let policy = shipped();
    let mut log = Log::default();
    log.withdraw("civic-office", "w1", "civic-points", "2024-06-01");
    // Learned later, but dated earlier: the withdrawal of 1 June still stands.
    log.consent("civic-office", "c1", "civic-points", "2024-05-01");
    let standing = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-07-01"),
        day("2024-07-01"),
    );
    assert_eq!(
        scheme(&standing, "civic-points").status,
        SchemeStatus::NoConsent
    );
    let before = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-05-15"),
        day("2024-07-01"),
    );
    assert_eq!(
        scheme(&before, "civic-points").status,
        SchemeStatus::Scored,
        "between the two, the subject had consented"
    );
}

#[test]
fn repair_cannot_end_an_entry_before_its_minimum_time_on_the_list() {
    let policy = shipped();
    let mut log = Log::default();
    log.record(
        "market-regulator",
        "p1",
        "admin.penalty",
        "2024-01-01",
        &[("severity", text("general")), ("decision", text("D-1"))],
    );
    // The general tier may be repaired after 3 months; a repair dated after one month is not
    // one the law allows: it is ignored, and the entry runs its course.
    log.act(
        "market-regulator",
        "r1",
        Action::Repair,
        "p1",
        "2024-02-01",
        &[],
    );
    let later = evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2024-04-01"),
        day("2024-04-01"),
    );
    let entry = entries(&later, "penalty-publication")[0];
    assert_eq!(entry.state, EntryState::InForce);
    // Published 1y: 2025-01-01 is New Year's Day, so through 2025-01-02; the 3-month minimum
    // runs through 2024-04-01, so repair from 2024-04-02 (Civil Code arts. 201-203).
    assert_eq!(entry.until, day("2025-01-03"));
    assert!(later.ignored[0].reason.contains("from 2024-04-02"));
}

#[test]
fn a_source_may_answer_a_dispute_through_the_last_day_of_its_period() {
    // The court pack gives a source 15 days to answer. Counted as the Civil Code counts
    // (arts. 201-203), from a dispute on Saturday 2024-02-03 the 15th day is Sunday
    // 2024-02-18, a working day in 2024 (调休, `public-holidays.toml`), so it is the last day to
    // answer: an answer then is in time; one on 2024-02-19 is late, and the record stopped
    // counting on 2024-02-19.
    let policy = shipped();
    let with_answer = |answered: &str| {
        let mut log = Log::default();
        log.record(
            "court",
            "c1",
            "court.dishonest-conduct",
            "2024-01-01",
            &[
                ("case", text("A-1")),
                ("court", text("X")),
                ("ground", text("refuses")),
            ],
        );
        log.act("court", "d1", Action::Dispute, "c1", "2024-02-03", &[]);
        log.act(
            "court",
            "r1",
            Action::Resolve,
            "c1",
            answered,
            &[("upheld", Value::Bool(true))],
        );
        let entry = evaluate(
            &policy,
            person("1980-01-01"),
            &log.events,
            day("2024-07-01"),
            day("2024-07-01"),
        )
        .lists[0]
            .clone();
        (entry.state, entry.ended_by, entry.until)
    };
    assert_eq!(
        with_answer("2024-02-18").0,
        EntryState::InForce,
        "answered on the last day"
    );
    assert_eq!(
        with_answer("2024-02-19"),
        (
            EntryState::Ended,
            Some(EntryEnd::DisputeUnanswered),
            day("2024-02-19")
        )
    );
    // While the dispute is open, the record counts through the last day to answer.
    let mut open = Log::default();
    open.record(
        "court",
        "c1",
        "court.dishonest-conduct",
        "2024-01-01",
        &[
            ("case", text("A-1")),
            ("court", text("X")),
            ("ground", text("refuses")),
        ],
    );
    open.act("court", "d1", Action::Dispute, "c1", "2024-02-03", &[]);
    let on = |as_of: &str| {
        evaluate(
            &policy,
            person("1980-01-01"),
            &open.events,
            day(as_of),
            day(as_of),
        )
        .lists[0]
            .state
    };
    assert_eq!(on("2024-02-18"), EntryState::InForce);
    assert_eq!(on("2024-02-19"), EntryState::Ended);
}
