#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The court list of dishonest judgment debtors, worked through the engine.

mod common;

use common::*;
use credence_engine::{EntryEnd, EntryState, Remedy, evaluate};
use credence_model::{Action, Value};

fn conduct(log: &mut Log, reference: &str, case: &str, ground: &str, date: &str) {
    log.record(
        "court",
        reference,
        "court.dishonest-conduct",
        date,
        &[
            ("case", text(case)),
            ("court", text("Siming District Court")),
            ("ground", text(ground)),
            ("amount", yuan(15_000)),
        ],
    );
}

/// Dishonest conduct with violence, threats or repeated dishonesty: the condition of an
/// extension (Art. 2).
fn aggravated(log: &mut Log, reference: &str, case: &str, ground: &str, date: &str) {
    log.record(
        "court",
        reference,
        "court.dishonest-conduct",
        date,
        &[
            ("case", text(case)),
            ("court", text("Siming District Court")),
            ("ground", text(ground)),
            ("amount", yuan(15_000)),
            ("aggravated", Value::Bool(true)),
        ],
    );
}

#[test]
fn ground_one_lists_until_performed_and_performance_ends_it() {
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "(2024)闽0203执1号", "refuses", "2024-03-01");
    let standing = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    let entry = standing.entries_in_force().next().expect("listed");
    assert_eq!(
        (entry.list.as_str(), entry.ground.as_str()),
        ("dishonest-debtors", "1")
    );
    assert!(entry.until_performed);
    assert_eq!(entry.since, day("2024-03-01"));
    // The 5-year retention from 2024-03-01 runs through Thursday 2029-03-01.
    assert_eq!(
        entry.until,
        day("2029-03-02"),
        "bounded by the 5-year retention"
    );
    assert!(entry.remedies.contains(&Remedy::Perform { record: 0 }));
    let flights = standing.measure("no-flights").expect("restricted");
    assert_eq!(flights.until, Some(day("2029-03-02")));
    assert!(standing.measure("no-g-trains").is_some());

    log.act("court", "c1-done", Action::Fulfil, "c1", "2025-02-01", &[]);
    let after = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2025-03-01"),
        day("2025-03-01"),
    );
    assert_eq!(after.entries_in_force().count(), 0);
    assert_eq!(after.lists[0].state, EntryState::Ended);
    assert_eq!(after.lists[0].ended_by, Some(EntryEnd::Performance));
    assert_eq!(after.lists[0].until, day("2025-02-01"));
    assert!(after.measure("no-flights").is_none());
}

#[test]
fn grounds_two_to_six_last_two_years_and_extend_by_one_to_three() {
    let policy = shipped();
    let mut log = Log::default();
    aggravated(&mut log, "c1", "A-1", "obstructs", "2024-03-01");
    let standing = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    // 2y from 2024-03-01: Sunday 2026-03-01 moves to Monday 2026-03-02 (Civil Code art. 203).
    assert_eq!(standing.lists[0].until, day("2026-03-03"));
    assert!(!standing.lists[0].until_performed);
    let over = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2026-03-03"),
        day("2026-03-03"),
    );
    assert_eq!(over.lists[0].ended_by, Some(EntryEnd::Expired));

    log.act(
        "court",
        "c1-ext",
        Action::Extend,
        "c1",
        "2025-06-01",
        &[("months", Value::Int(48))],
    );
    // More than the three years the law allows: refused, and so ignored.
    let refused = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2026-06-01"),
        day("2026-06-01"),
    );
    assert_eq!(refused.lists[0].extended_months, 0);
    assert_eq!(refused.ignored.len(), 1);
    log.events.pop();
    log.act(
        "court",
        "c1-ext",
        Action::Extend,
        "c1",
        "2025-06-01",
        &[("months", Value::Int(36))],
    );
    let extended = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2026-06-01"),
        day("2026-06-01"),
    );
    assert_eq!(extended.lists[0].extended_months, 36);
    // 2y + 36 months from 2024-03-01: through Thursday 2029-03-01.
    assert_eq!(extended.lists[0].until, day("2029-03-02"));
    assert_eq!(extended.lists[0].state, EntryState::InForce);
}

#[test]
fn bars_to_listing_apply() {
    let policy = shipped();
    let mut minor = Log::default();
    conduct(&mut minor, "c1", "A-1", "refuses", "2024-03-01");
    let standing = evaluate(
        &policy,
        person("2010-01-01"),
        &minor.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    assert_eq!(standing.lists[0].state, EntryState::Barred);
    assert_eq!(standing.lists[0].bar.as_deref(), Some("minor"));
    assert!(standing.measure("no-flights").is_none());

    let mut guaranteed = Log::default();
    conduct(&mut guaranteed, "c1", "A-1", "refuses", "2024-03-01");
    guaranteed.record(
        "court",
        "g1",
        "court.guarantee",
        "2024-03-05",
        &[("case", text("A-1"))],
    );
    let standing = evaluate(
        &policy,
        person("1980-01-01"),
        &guaranteed.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    assert_eq!(standing.lists[0].bar.as_deref(), Some("guarantee"));

    let mut other_case = Log::default();
    conduct(&mut other_case, "c1", "A-1", "refuses", "2024-03-01");
    other_case.record(
        "court",
        "g1",
        "court.guarantee",
        "2024-03-05",
        &[("case", text("B-2"))],
    );
    other_case.record(
        "court",
        "s1",
        "court.assets-seized",
        "2024-03-05",
        &[("case", text("A-1")), ("sufficient", Value::Bool(false))],
    );
    let standing = evaluate(
        &policy,
        person("1980-01-01"),
        &other_case.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    assert_eq!(
        standing.lists[0].state,
        EntryState::InForce,
        "a guarantee in another case and insufficient assets do not bar"
    );
}

#[test]
fn retraction_is_bitemporal() {
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "refuses", "2024-03-01");
    log.act("court", "c1-x", Action::Retract, "c1", "2024-06-01", &[]);
    let now = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-05-01"),
        day("2024-07-01"),
    );
    assert!(
        now.lists.is_empty(),
        "as known today, the record never counted"
    );
    let then = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-05-01"),
        day("2024-05-01"),
    );
    assert_eq!(
        then.lists[0].state,
        EntryState::InForce,
        "as known on 1 May, the subject was listed"
    );
}

#[test]
fn an_unanswered_dispute_stops_the_record_counting() {
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "refuses", "2024-03-01");
    log.act("subject", "d1", Action::Dispute, "c1", "2024-04-01", &[]);
    // The disputing party is not the source, so the target resolves only within the source;
    // disputes are recorded by the registry on the source's record.
    log.events.last_mut().unwrap().source = "court".into();
    let within = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-04-10"),
        day("2024-04-10"),
    );
    assert_eq!(
        within.lists[0].state,
        EntryState::InForce,
        "the source has 15 days to answer"
    );
    let lapsed = evaluate(
        &policy,
        person("1980-01-01"),
        &log.events,
        day("2024-04-20"),
        day("2024-04-20"),
    );
    assert_eq!(lapsed.lists[0].ended_by, Some(EntryEnd::DisputeUnanswered));
}

#[test]
fn organisations_are_listed_too_and_standings_are_deterministic() {
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "evades", "2024-03-01");
    let a = evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    let b = evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2025-01-01"),
        day("2025-01-01"),
    );
    assert_eq!(a.entries_in_force().count(), 1);
    assert_eq!(
        serde_json::to_vec(&a).unwrap(),
        serde_json::to_vec(&b).unwrap()
    );
}

#[test]
fn each_of_the_six_grounds_lists_under_its_number() {
    let policy = shipped();
    let grounds = [
        ("refuses", "1"),
        ("obstructs", "2"),
        ("evades", "3"),
        ("asset-report", "4"),
        ("consumption-order", "5"),
        ("settlement", "6"),
    ];
    for (value, number) in grounds {
        let mut log = Log::default();
        conduct(&mut log, "c1", "A-1", value, "2024-03-01");
        let standing = evaluate(
            &policy,
            person("1980-05-05"),
            &log.events,
            day("2024-06-01"),
            day("2024-06-01"),
        );
        assert_eq!(standing.lists.len(), 1, "{value}");
        let entry = &standing.lists[0];
        assert_eq!(
            (entry.list.as_str(), entry.ground.as_str(), entry.state),
            ("dishonest-debtors", number, EntryState::InForce),
            "{value}"
        );
        if number == "1" {
            // Until performed, bounded by the 5-year retention: through 2029-03-01.
            assert!(entry.until_performed);
            assert_eq!(entry.until, day("2029-03-02"));
        } else {
            // Art. 2(1): 2 years from 2024-03-01, whose last day, Sunday 2026-03-01, moves to
            // Monday 2026-03-02; the entry no longer runs on 2026-03-03.
            assert!(!entry.until_performed, "{value}");
            assert_eq!(entry.until, day("2026-03-03"), "{value}");
        }
        // Full performance deletes any listing early (2013 Art. 7).
        assert!(
            entry.remedies.contains(&Remedy::Perform { record: 0 }),
            "{value}"
        );
    }
}

#[test]
fn ground_five_lists_for_two_years_to_the_day() {
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "consumption-order", "2024-03-01");
    let on = |as_of: &str| {
        evaluate(
            &policy,
            person("1980-05-05"),
            &log.events,
            day(as_of),
            day(as_of),
        )
    };
    // 2y from 2024-03-01: the corresponding day, Sunday 2026-03-01, moves to Monday
    // 2026-03-02 (Civil Code arts. 201-203): listed through 2026-03-02, expired on 2026-03-03.
    let last = on("2026-03-02");
    assert_eq!(last.lists[0].state, EntryState::InForce);
    assert!(last.lists[0].remedies.contains(&Remedy::EndsOn {
        day: day("2026-03-03")
    }));
    assert!(last.measure("no-flights").is_some());
    let over = on("2026-03-03");
    assert_eq!(
        (over.lists[0].state, over.lists[0].ended_by),
        (EntryState::Ended, Some(EntryEnd::Expired))
    );
    assert!(over.measure("no-flights").is_none());
}

#[test]
fn the_minimum_extension_of_one_year_and_none_for_ground_one() {
    let policy = shipped();
    let mut log = Log::default();
    aggravated(&mut log, "c1", "A-1", "evades", "2024-03-01");
    log.act(
        "court",
        "c1-ext",
        Action::Extend,
        "c1",
        "2025-12-01",
        &[("months", Value::Int(12))],
    );
    // 2y + 12 months from 2024-03-01: through Monday 2027-03-01, ended on 2027-03-02.
    let standing = evaluate(
        &policy,
        person("1980-05-05"),
        &log.events,
        day("2026-06-01"),
        day("2026-06-01"),
    );
    assert_eq!(
        (
            standing.lists[0].extended_months,
            standing.lists[0].until,
            standing.lists[0].state
        ),
        (12, day("2027-03-02"), EntryState::InForce)
    );

    // Ground 1 is not extendable: it lasts until performance anyway.
    let mut refuses = Log::default();
    conduct(&mut refuses, "c1", "A-1", "refuses", "2024-03-01");
    refuses.act(
        "court",
        "c1-ext",
        Action::Extend,
        "c1",
        "2025-12-01",
        &[("months", Value::Int(12))],
    );
    let standing = evaluate(
        &policy,
        person("1980-05-05"),
        &refuses.events,
        day("2026-06-01"),
        day("2026-06-01"),
    );
    assert_eq!(standing.lists[0].extended_months, 0);
    // Bounded by the 5-year retention, through Thursday 2029-03-01.
    assert_eq!(standing.lists[0].until, day("2029-03-02"));
}

#[test]
fn a_listed_organisation_bears_the_nine_restrictions_extended_to_its_representative() {
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "asset-report", "2024-03-01");
    let standing = evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2024-06-01"),
        day("2024-06-01"),
    );
    let restrictions = [
        "no-flights",
        "no-g-trains",
        "no-star-hotels",
        "no-private-school-fees",
        "no-real-estate",
        "no-office-rental",
        "no-non-essential-cars",
        "no-high-premium-insurance",
        "no-tourism",
    ];
    let in_force: Vec<&str> = standing
        .measures
        .iter()
        .map(|m| m.measure.as_str())
        .filter(|m| !m.starts_with("tax-"))
        .collect();
    // (Its tax rating, a separate pack, is A: 100 points, with the A rewards.)
    assert_eq!(in_force, restrictions);
    for id in restrictions {
        let m = standing.measure(id).unwrap();
        assert_eq!(
            (m.effect, m.because, m.until),
            (
                credence_policy::Effect::Restriction,
                credence_engine::Because::ListEntry,
                Some(day("2026-03-03"))
            ),
            "{id}"
        );
        assert_eq!(m.entries, [0], "{id}");
        // Art. 3(2): each binds the organisation's legal representative.
        let measure = &policy.measures[policy.measure_index(id).unwrap()];
        assert!(measure.extends_to_representative.is_some(), "{id}");
        assert!(measure.link.is_some(), "{id} crosses contexts with a link");
    }
}
