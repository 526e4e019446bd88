#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The credit-repair pack (`policies/credit-repair.toml`), worked through the engine.
//!
//! An organisation's administrative penalty is published on `penalty-publication` for the
//! maximum period of its tier, and repair may be applied for after the minimum:
//!
//! | tier | until (maximum) | repair from (minimum) |
//! |---|---|---|
//! | minor | not published | |
//! | general | since + 1y | since + 3mo |
//! | serious | since + 3y | since + 1y |
//!
//! A serious penalty also lists the organisation on `procurement-major-violations` (3y, repair
//! after 1y), which excludes it from government procurement. Persons are never listed.

mod common;

use common::*;
use credence_engine::{Because, EntryEnd, EntryState, ListEntry, Remedy, Standing};
use credence_model::Action;
use credence_policy::{Effect, Policy};

const PUBLICATION: &str = "penalty-publication";
const PROCUREMENT: &str = "procurement-major-violations";

fn on(policy: &Policy, log: &Log, as_of: &str) -> Standing {
    standing_on(policy, organisation(), log, as_of)
}

fn penalty(log: &mut Log, reference: &str, severity: &str, date: &str) {
    log.record(
        "market-regulator",
        reference,
        "admin.penalty",
        date,
        &[
            ("severity", text(severity)),
            ("decision", text(&format!("京市监罚〔2024〕{reference}号"))),
            ("amount", yuan(50_000)),
            ("authority", text("Beijing AMR")),
        ],
    );
}

fn only<'a>(standing: &'a Standing, list: &str) -> &'a ListEntry {
    let found = entries(standing, list);
    assert_eq!(found.len(), 1, "one entry on {list}");
    found[0]
}

/// The tier's ground, dates and remedies of an entry in force made by record 0.
fn assert_published(entry: &ListEntry, ground: &str, since: &str, until: &str, repair: &str) {
    assert_eq!(
        (entry.ground.as_str(), entry.state, entry.record),
        (ground, EntryState::InForce, Some(0))
    );
    assert_eq!((entry.since, entry.until), (day(since), day(until)));
    assert!(!entry.until_performed);
    assert_eq!(
        entry.remedies,
        [
            Remedy::RepairFrom {
                day: day(repair),
                record: 0
            },
            Remedy::EndsOn { day: day(until) },
            Remedy::Dispute { record: 0 },
        ]
    );
}

#[test]
fn a_minor_penalty_is_not_published() {
    // NDRC Credit Repair Management Measures: minor penalties are generally not published.
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "minor", "2024-03-10");
    for as_of in ["2024-03-10", "2024-04-01", "2024-06-09"] {
        let standing = on(&policy, &log, as_of);
        assert!(entries(&standing, PUBLICATION).is_empty(), "on {as_of}");
        assert!(entries(&standing, PROCUREMENT).is_empty());
        assert!(standing.measure("procurement-exclusion").is_none());
    }
}

#[test]
fn three_months_from_the_end_of_a_month_end_at_the_end_of_the_month() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "general", "2024-11-30");
    // The 3-month minimum from 2024-11-30 runs through 2025-02-28 (February has no 30th; Civil
    // Code art. 202), so repair may be applied for from 2025-03-01.
    let standing = on(&policy, &log, "2024-12-01");
    assert!(
        only(&standing, PUBLICATION)
            .remedies
            .contains(&Remedy::RepairFrom {
                day: day("2025-03-01"),
                record: 0
            })
    );
}

#[test]
fn a_general_penalty_is_published_three_months_to_a_year() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "general", "2024-03-10");
    // Published 1y, through Monday 2025-03-10 (ended on 2025-03-11); the 3-month minimum runs
    // to Monday 2024-06-10, the Dragon Boat Festival holiday, so through Tuesday 2024-06-11 and
    // repair from 2024-06-12.
    let standing = on(&policy, &log, "2024-04-01");
    assert_published(
        only(&standing, PUBLICATION),
        "general",
        "2024-03-10",
        "2025-03-11",
        "2024-06-12",
    );
    assert!(entries(&standing, PROCUREMENT).is_empty());
    assert_eq!(
        only(&on(&policy, &log, "2025-03-10"), PUBLICATION).state,
        EntryState::InForce
    );
    assert_eq!(
        only(&on(&policy, &log, "2025-03-11"), PUBLICATION).ended_by,
        Some(EntryEnd::Expired)
    );
}

#[test]
fn a_serious_penalty_is_published_one_to_three_years_and_excludes_from_procurement() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "serious", "2024-03-10");
    // Published 3y, through Wednesday 2027-03-10 (ended on 2027-03-11); the 1-year minimum
    // runs through Monday 2025-03-10, so repair from 2025-03-11; on both lists.
    let standing = on(&policy, &log, "2024-04-01");
    assert_published(
        only(&standing, PUBLICATION),
        "serious",
        "2024-03-10",
        "2027-03-11",
        "2025-03-11",
    );
    assert_published(
        only(&standing, PROCUREMENT),
        "serious-penalty",
        "2024-03-10",
        "2027-03-11",
        "2025-03-11",
    );
    let exclusion = standing.measure("procurement-exclusion").unwrap();
    assert_eq!(
        (exclusion.effect, exclusion.because, exclusion.until),
        (
            Effect::Restriction,
            Because::ListEntry,
            Some(day("2027-03-11"))
        )
    );
    // The exclusion binds to the procurement list's entry.
    assert_eq!(exclusion.entries.len(), 1);
    assert_eq!(standing.lists[exclusion.entries[0]].list, PROCUREMENT);

    // Last day 2027-03-10; from 2027-03-11 both entries have expired.
    assert!(
        on(&policy, &log, "2027-03-10")
            .measure("procurement-exclusion")
            .is_some()
    );
    let ended = on(&policy, &log, "2027-03-11");
    assert_eq!(ended.entries_in_force().count(), 0);
    assert!(ended.measure("procurement-exclusion").is_none());
}

#[test]
fn repair_ends_the_entry_on_the_day_it_is_granted() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "serious", "2024-03-10");
    log.act(
        "market-regulator",
        "p1-repair",
        Action::Repair,
        "p1",
        "2025-04-01",
        &[],
    );
    // Listed, with the exclusion, through 2025-03-31.
    let before = on(&policy, &log, "2025-03-31");
    assert_eq!(before.entries_in_force().count(), 2);
    assert!(before.measure("procurement-exclusion").is_some());
    // Repaired on 2025-04-01: both entries end by repair on that day; no exclusion.
    let after = on(&policy, &log, "2025-04-01");
    for list in [PUBLICATION, PROCUREMENT] {
        let entry = only(&after, list);
        assert_eq!(
            (entry.state, entry.ended_by, entry.until),
            (EntryState::Ended, Some(EntryEnd::Repair), day("2025-04-01")),
            "{list}"
        );
    }
    assert!(after.measure("procurement-exclusion").is_none());
}

#[test]
fn a_retracted_penalty_is_never_published() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "general", "2024-03-10");
    log.act(
        "market-regulator",
        "p1-x",
        Action::Retract,
        "p1",
        "2024-05-01",
        &[],
    );
    // As known on 1 April, the penalty was published...
    let then = on(&policy, &log, "2024-04-01");
    assert_eq!(only(&then, PUBLICATION).state, EntryState::InForce);
    // ...as known from 1 May, it never was, on any day.
    let now = credence_engine::evaluate(
        &policy,
        organisation(),
        &log.events,
        day("2024-04-01"),
        day("2024-05-01"),
    );
    assert!(now.lists.is_empty());
}

#[test]
fn persons_are_never_published() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "serious", "2024-03-10");
    let standing = standing_on(&policy, person("1975-07-07"), &log, "2024-04-01");
    assert!(entries(&standing, PUBLICATION).is_empty());
    assert!(entries(&standing, PROCUREMENT).is_empty());
    assert!(standing.measure("procurement-exclusion").is_none());
    // The penalty still counts where a person is scored: Xiamen 550 -150 = 400.
    assert_eq!(points_grade(&standing, "xiamen-egret").0, 400);
}

#[test]
fn each_penalty_makes_its_own_entry() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "minor", "2024-01-15");
    penalty(&mut log, "p2", "general", "2024-02-15");
    penalty(&mut log, "p3", "serious", "2024-03-15");
    let standing = on(&policy, &log, "2024-04-01");
    let published: Vec<(&str, Option<u32>, credence_model::Day)> = entries(&standing, PUBLICATION)
        .iter()
        .map(|e| (e.ground.as_str(), e.record, e.until))
        .collect();
    assert_eq!(
        published,
        [
            // 1y from 2024-02-15: Saturday 2025-02-15 moves to Monday 2025-02-17.
            ("general", Some(1), day("2025-02-18")),
            // 3y from 2024-03-15: through Monday 2027-03-15.
            ("serious", Some(2), day("2027-03-16")),
        ]
    );
    assert_eq!(entries(&standing, PROCUREMENT).len(), 1);
}
