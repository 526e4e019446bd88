#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The record's state machine: every action is judged on its own date against the record as
//! known so far, and an action it refuses changes nothing.

mod common;

use common::*;
use credence_engine::lifecycle::{self, Refusal};
use credence_engine::{EntryEnd, EntryState, Standing, evaluate};
use credence_gen::SplitMix64;
use credence_model::{Action, Day, Event, Value};

const DEBTOR: &str = "1980-05-05";

fn conduct(log: &mut Log, reference: &str, ground: &str, date: &str, aggravated: bool) {
    log.record(
        "court",
        reference,
        "court.dishonest-conduct",
        date,
        &[
            ("case", text("CASE-A")),
            ("court", text("X")),
            ("ground", text(ground)),
            ("aggravated", Value::Bool(aggravated)),
        ],
    );
}

fn court_on(log: &Log, as_of: &str) -> Standing {
    standing_on(&shipped(), person(DEBTOR), log, as_of)
}

#[test]
fn an_extension_after_the_entry_ended_does_not_revive_it() {
    let mut log = Log::default();
    // Ground 3, two years from 2022-01-10: in force through 2024-01-10, ended on 2024-01-11.
    conduct(&mut log, "c1", "evades", "2022-01-10", true);
    log.act(
        "court",
        "x1",
        Action::Extend,
        "c1",
        "2024-06-01",
        &[("months", Value::Int(12))],
    );
    let standing = court_on(&log, "2024-07-01");
    let entry = &standing.lists[0];
    assert_eq!(entry.state, EntryState::Ended);
    assert_eq!(entry.until, day("2024-01-11"));
    assert_eq!(entry.extended_months, 0);
    assert!(standing.measure("no-flights").is_none());
    assert_eq!(standing.ignored.len(), 1);
    assert!(
        standing.ignored[0].reason.contains("ended on 2024-01-11"),
        "{:?}",
        standing.ignored
    );
}

#[test]
fn an_extension_needs_the_laws_condition_on_the_record_as_corrected() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "evades", "2022-01-10", false);
    log.act(
        "court",
        "x1",
        Action::Extend,
        "c1",
        "2023-06-01",
        &[("months", Value::Int(12))],
    );
    // Not aggravated: the extension is refused.
    let plain = court_on(&log, "2024-02-01");
    assert_eq!(plain.lists[0].state, EntryState::Ended);
    assert_eq!(plain.ignored.len(), 1);
    // The court corrects the record to aggravated before deciding the extension: it holds.
    let mut corrected = Log::default();
    conduct(&mut corrected, "c1", "evades", "2022-01-10", false);
    corrected.act(
        "court",
        "k1",
        Action::Correct,
        "c1",
        "2022-01-10",
        &[
            ("case", text("CASE-A")),
            ("court", text("X")),
            ("ground", text("evades")),
            ("aggravated", Value::Bool(true)),
        ],
    );
    corrected.act(
        "court",
        "x1",
        Action::Extend,
        "c1",
        "2023-06-01",
        &[("months", Value::Int(12))],
    );
    let extended = court_on(&corrected, "2024-02-01");
    assert_eq!(extended.lists[0].state, EntryState::InForce);
    // 2y + 12 months from 2022-01-10: through Friday 2025-01-10.
    assert_eq!(extended.lists[0].until, day("2025-01-11"));
    assert!(extended.ignored.is_empty());
    // A later correction that removes the condition removes the extension too.
    corrected.act(
        "court",
        "k2",
        Action::Correct,
        "c1",
        "2022-01-10",
        &[
            ("case", text("CASE-A")),
            ("court", text("X")),
            ("ground", text("evades")),
            ("aggravated", Value::Bool(false)),
        ],
    );
    let withdrawn = court_on(&corrected, "2024-02-01");
    assert_eq!(withdrawn.lists[0].state, EntryState::Ended);
    assert_eq!(withdrawn.lists[0].until, day("2024-01-11"));
}

#[test]
fn extensions_stay_within_the_lists_maximum() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "obstructs", "2022-01-10", true);
    log.act(
        "court",
        "x1",
        Action::Extend,
        "c1",
        "2023-01-10",
        &[("months", Value::Int(24))],
    );
    log.act(
        "court",
        "x2",
        Action::Extend,
        "c1",
        "2023-02-10",
        &[("months", Value::Int(24))],
    );
    let standing = court_on(&log, "2023-03-01");
    assert_eq!(standing.lists[0].extended_months, 24);
    assert_eq!(standing.ignored.len(), 1);
    assert_eq!(standing.ignored[0].event, 2);
}

#[test]
fn a_repair_before_the_minimum_period_is_ignored() {
    let policy = shipped();
    let mut log = Log::default();
    log.record(
        "tax-bureau",
        "u1",
        "tax.unpaid-assessment",
        "2024-04-01",
        &[("amount", yuan(30_000))],
    );
    // The D list's minimum is one year; a repair after two months is not allowed.
    log.act("tax-bureau", "r1", Action::Repair, "u1", "2024-06-01", &[]);
    let standing = standing_on(&policy, organisation(), &log, "2024-07-01");
    let rating = standing
        .schemes
        .iter()
        .find(|s| s.scheme == "tax-credit")
        .unwrap();
    assert_eq!(rating.grade.as_deref(), Some("D"));
    assert!(
        standing
            .measures
            .iter()
            .all(|m| !m.measure.starts_with("tax-a-")),
        "A rewards while on the D list: {:?}",
        standing.measures
    );
    assert_eq!(standing.lists[0].state, EntryState::InForce);
    // The one-year minimum from 2024-04-01 runs through Tuesday 2025-04-01: repair from the
    // next day.
    assert!(
        standing.ignored[0].reason.contains("from 2025-04-02"),
        "{:?}",
        standing.ignored
    );
}

#[test]
fn a_resolve_with_no_open_dispute_is_not_a_retraction() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "refuses", "2024-01-10", false);
    log.act(
        "court",
        "r1",
        Action::Resolve,
        "c1",
        "2024-02-01",
        &[("upheld", Value::Bool(false))],
    );
    let standing = court_on(&log, "2024-03-01");
    assert_eq!(standing.lists[0].state, EntryState::InForce);
    assert!(standing.measure("no-flights").is_some());
    assert_eq!(standing.ignored.len(), 1);
}

#[test]
fn a_fulfilment_dated_before_its_record_is_ignored() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "refuses", "2024-05-01", false);
    log.act("court", "f1", Action::Fulfil, "c1", "2024-04-01", &[]);
    let standing = court_on(&log, "2024-06-01");
    let entry = &standing.lists[0];
    assert_eq!(entry.state, EntryState::InForce);
    assert!(entry.since <= entry.until);
    assert!(standing.ignored[0].reason.contains("before the record"));
}

#[test]
fn nonsensical_sequences_are_each_refused() {
    let policy = shipped();
    let cases: &[(&[(Action, &str)], Refusal)] = &[
        (
            &[
                (Action::Retract, "2024-02-01"),
                (Action::Dispute, "2024-03-01"),
            ],
            Refusal::Retracted,
        ),
        (
            &[
                (Action::Retract, "2024-02-01"),
                (Action::Correct, "2024-01-10"),
            ],
            Refusal::Retracted,
        ),
        (
            &[
                (Action::Retract, "2024-02-01"),
                (Action::Retract, "2024-03-01"),
            ],
            Refusal::Retracted,
        ),
        (
            &[
                (Action::Fulfil, "2024-02-01"),
                (Action::Fulfil, "2024-03-01"),
            ],
            Refusal::AlreadyFulfilled {
                on: day("2024-02-01"),
            },
        ),
        (
            &[(Action::Dispute, "2024-01-01")],
            Refusal::BeforeRecord {
                record: day("2024-01-10"),
            },
        ),
        (
            &[
                (Action::Dispute, "2024-02-01"),
                (Action::Dispute, "2024-02-05"),
            ],
            Refusal::DisputeOpen {
                since: day("2024-02-01"),
            },
        ),
        (
            &[
                (Action::Dispute, "2024-02-01"),
                (Action::Resolve, "2024-01-20"),
            ],
            Refusal::BeforeDispute {
                disputed: day("2024-02-01"),
            },
        ),
        (
            &[
                (Action::Fulfil, "2024-03-01"),
                (Action::Correct, "2024-04-01"),
            ],
            Refusal::CorrectedAfterAction {
                action: day("2024-03-01"),
            },
        ),
        (
            &[
                (Action::Suppress, "2024-02-01"),
                (Action::Dispute, "2024-03-01"),
            ],
            Refusal::Stopped {
                on: day("2024-02-01"),
            },
        ),
        (
            // Kept 5y from 2024-01-10: through 2029-01-10.
            &[(Action::Dispute, "2032-01-01")],
            Refusal::Stopped {
                on: day("2029-01-11"),
            },
        ),
        (&[(Action::Extend, "2024-02-01")], Refusal::NotExtendable),
    ];
    for (actions, expected) in cases {
        let mut log = Log::default();
        conduct(&mut log, "c1", "refuses", "2024-01-10", false);
        for (i, (action, date)) in actions.iter().enumerate() {
            let attributes: Vec<(&str, Value)> = match action {
                Action::Correct => vec![
                    ("case", text("CASE-A")),
                    ("court", text("X")),
                    ("ground", text("refuses")),
                ],
                Action::Extend => vec![("months", Value::Int(12))],
                _ => Vec::new(),
            };
            log.act("court", &format!("a{i}"), *action, "c1", date, &attributes);
        }
        let refused = lifecycle::refusals(&policy, person(DEBTOR), &log.events);
        assert_eq!(refused, vec![(actions.len(), *expected)], "{actions:?}");
    }
}

const ACTIONS: [Action; 9] = [
    Action::Correct,
    Action::Retract,
    Action::Fulfil,
    Action::Extend,
    Action::Suppress,
    Action::Repair,
    Action::Dispute,
    Action::Resolve,
    Action::Dispute,
];

/// A random history of one court record and a tax record with actions in random order, on
/// random dates, recorded in order.
pub fn random_history(rng: &mut SplitMix64) -> Vec<Event> {
    let start = Day::parse("2022-01-01").unwrap();
    let mut log = Log::default();
    let grounds = ["refuses", "obstructs", "evades"];
    let ground = grounds[rng.below(3) as usize];
    let aggravated = rng.below(2) == 0;
    let date = |rng: &mut SplitMix64| start.add_days(rng.below(1500) as i32).to_string();
    let first = date(rng);
    conduct(&mut log, "c1", ground, &first, aggravated);
    let steps = rng.below(8);
    for i in 0..steps {
        let action = ACTIONS[rng.below(ACTIONS.len() as u64) as usize];
        let when = date(rng);
        let attributes: Vec<(&str, Value)> = match action {
            Action::Correct => vec![
                ("case", text("CASE-B")),
                ("court", text("X")),
                ("ground", text(grounds[rng.below(3) as usize])),
                ("aggravated", Value::Bool(rng.below(2) == 0)),
            ],
            Action::Extend => vec![("months", Value::Int(12 + rng.below(30) as i64))],
            Action::Resolve => vec![("upheld", Value::Bool(rng.below(2) == 0))],
            _ => Vec::new(),
        };
        log.act("court", &format!("a{i}"), action, "c1", &when, &attributes);
    }
    // Recorded in history order: each event is learned on the latest date so far.
    let mut learned = Day(i32::MIN);
    for event in &mut log.events {
        learned = learned.max(event.valid);
        event.recorded = learned;
    }
    log.events
}

#[test]
fn generated_histories_never_reach_a_state_the_machine_forbids() {
    let policy = shipped();
    let mut rng = SplitMix64::new(0x0011_fec7_c1e0);
    let mut refused_total = 0;
    for _ in 0..400 {
        let events = random_history(&mut rng);
        let refused = lifecycle::refusals(&policy, person(DEBTOR), &events);
        refused_total += refused.len();
        // The events the machine allows, alone.
        let allowed: Vec<Event> = events
            .iter()
            .enumerate()
            .filter(|(i, _)| refused.iter().all(|(r, _)| r != i))
            .map(|(_, e)| e.clone())
            .collect();
        // Re-judging the allowed events refuses none of them: what the machine allows is a
        // history it allows.
        assert!(
            lifecycle::refusals(&policy, person(DEBTOR), &allowed).is_empty(),
            "{events:#?}"
        );
        for as_of in [
            "2022-06-01",
            "2023-06-01",
            "2024-06-01",
            "2025-06-01",
            "2026-06-01",
        ] {
            let known = day("2027-01-01");
            let full = evaluate(&policy, person(DEBTOR), &events, day(as_of), known);
            let clean = evaluate(&policy, person(DEBTOR), &allowed, day(as_of), known);
            // The engine says exactly which events it ignored: the machine's refusals.
            let ignored: Vec<usize> = full.ignored.iter().map(|i| i.event as usize).collect();
            let expected: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
            assert_eq!(ignored, expected, "{events:#?}");
            // And ignored events change nothing.
            assert_eq!(full.lists.len(), clean.lists.len());
            for (a, b) in full.lists.iter().zip(&clean.lists) {
                assert_eq!(
                    (a.state, a.since, a.until, a.ended_by, a.extended_months),
                    (b.state, b.since, b.until, b.ended_by, b.extended_months),
                    "{events:#?}"
                );
                // No state the machine forbids: an entry never ends before it starts, an
                // extension only lengthens an extendable ground.
                assert!(a.since <= a.until || a.state == EntryState::Barred, "{a:?}");
                if a.extended_months > 0 {
                    assert!(a.ground != "1", "{a:?}");
                }
                if a.ended_by == Some(EntryEnd::Performance) {
                    assert!(a.until >= a.since);
                }
            }
            assert_eq!(full.measures, clean.measures, "{events:#?}");
        }
    }
    assert!(
        refused_total > 0,
        "the generator must try forbidden sequences"
    );
}

#[test]
fn a_listing_the_law_bars_for_a_minor_cannot_be_extended() {
    // Born 2010: a minor on 2024-03-01, so the entry is barred (SPC 2017 art. 4) and was never in
    // force; an extension decided later has nothing to extend.
    let mut log = Log::default();
    conduct(&mut log, "c1", "evades", "2024-03-01", true);
    log.act(
        "court",
        "x1",
        Action::Extend,
        "c1",
        "2025-01-10",
        &[("months", Value::Int(12))],
    );
    let minor = person("2010-01-01");
    let refused = lifecycle::refusals(&shipped(), minor, &log.events);
    assert_eq!(refused, [(1, Refusal::BarredMinor)]);
    let standing = standing_on(&shipped(), minor, &log, "2025-06-01");
    assert_eq!(standing.lists[0].state, EntryState::Barred);
    assert_eq!(standing.lists[0].extended_months, 0);
    assert!(
        standing.ignored[0].reason.contains("minor"),
        "{:?}",
        standing.ignored
    );
    // The same record about an adult: the extension is decided while the entry is in force.
    assert!(lifecycle::refusals(&shipped(), person(DEBTOR), &log.events).is_empty());
}
