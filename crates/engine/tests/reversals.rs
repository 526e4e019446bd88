#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! Two rules the engine decides from a subject's events, through the record's state machine:
//! which disputes a source lost, and who legally represents an organisation on a day as known
//! on a day.

mod common;

use common::*;
use credence_engine::lifecycle::{disputes_lost, representative};
use credence_model::{Action, Value};
use credence_policy::refusal::{REPRESENTATIVE_ATTRIBUTE, REPRESENTATIVE_CATEGORY};

const DEBTOR: &str = "1980-05-05";

fn conduct(log: &mut Log, reference: &str, date: &str) {
    log.record(
        "court",
        reference,
        "court.dishonest-conduct",
        date,
        &[
            ("case", text("CASE-A")),
            ("court", text("X")),
            ("ground", text("evades")),
            ("aggravated", Value::Bool(false)),
        ],
    );
}

fn lost(log: &Log) -> Vec<usize> {
    disputes_lost(&shipped(), person(DEBTOR), &log.events)
}

#[test]
fn an_answer_that_does_not_uphold_the_record_is_a_lost_dispute() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "2024-01-10");
    log.act("court", "d1", Action::Dispute, "c1", "2024-02-01", &[]);
    log.act(
        "court",
        "a1",
        Action::Resolve,
        "c1",
        "2024-02-10",
        &[("upheld", Value::Bool(false))],
    );
    assert_eq!(lost(&log), vec![2]);
}

#[test]
fn an_upheld_record_or_an_answer_without_a_verdict_is_not_lost() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "2024-01-10");
    log.act("court", "d1", Action::Dispute, "c1", "2024-02-01", &[]);
    log.act(
        "court",
        "a1",
        Action::Resolve,
        "c1",
        "2024-02-10",
        &[("upheld", Value::Bool(true))],
    );
    conduct(&mut log, "c2", "2024-01-10");
    log.act("court", "d2", Action::Dispute, "c2", "2024-02-01", &[]);
    log.act("court", "a2", Action::Resolve, "c2", "2024-02-10", &[]);
    assert_eq!(lost(&log), Vec::<usize>::new());
}

#[test]
fn a_whole_number_zero_is_a_verdict_against_the_record_too() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "2024-01-10");
    log.act("court", "d1", Action::Dispute, "c1", "2024-02-01", &[]);
    log.act(
        "court",
        "a1",
        Action::Resolve,
        "c1",
        "2024-02-10",
        &[("upheld", Value::Int(0))],
    );
    assert_eq!(lost(&log), vec![2]);
}

#[test]
fn an_answer_the_machine_refuses_loses_nothing() {
    let mut log = Log::default();
    conduct(&mut log, "c1", "2024-01-10");
    // No dispute is open: the answer is refused and reverses nothing.
    log.act(
        "court",
        "a0",
        Action::Resolve,
        "c1",
        "2024-02-10",
        &[("upheld", Value::Bool(false))],
    );
    // An answer dated before its dispute is refused too; the later one stands.
    log.act("court", "d1", Action::Dispute, "c1", "2024-03-01", &[]);
    log.act(
        "court",
        "a1",
        Action::Resolve,
        "c1",
        "2024-02-20",
        &[("upheld", Value::Bool(false))],
    );
    log.act(
        "court",
        "a2",
        Action::Resolve,
        "c1",
        "2024-03-05",
        &[("upheld", Value::Bool(false))],
    );
    assert_eq!(lost(&log), vec![4]);
}

fn names(log: &mut Log, reference: &str, date: &str, person: &str) {
    log.record(
        "market",
        reference,
        REPRESENTATIVE_CATEGORY,
        date,
        &[(REPRESENTATIVE_ATTRIBUTE, text(person))],
    );
}

fn who<'a>(log: &'a Log, as_of: &str, known_at: &str) -> Option<&'a str> {
    representative(&shipped(), &log.events, day(as_of), day(known_at))
}

#[test]
fn the_latest_record_in_force_names_the_representative() {
    let mut log = Log::default();
    names(&mut log, "r1", "2020-01-01", "alice");
    names(&mut log, "r2", "2023-06-01", "bob");
    assert_eq!(who(&log, "2019-12-31", "2024-01-01"), None);
    assert_eq!(who(&log, "2022-01-01", "2024-01-01"), Some("alice"));
    assert_eq!(who(&log, "2023-06-01", "2024-01-01"), Some("bob"));
}

#[test]
fn the_representative_is_as_known_on_the_day_asked() {
    let mut log = Log::default();
    names(&mut log, "r1", "2020-01-01", "alice");
    // Filed on 2023-06-20 that bob took over on 2023-06-01.
    names(&mut log, "r2", "2023-06-01", "bob");
    log.learned("2023-06-20");
    assert_eq!(who(&log, "2023-06-10", "2023-06-10"), Some("alice"));
    assert_eq!(who(&log, "2023-06-10", "2023-06-20"), Some("bob"));
}

#[test]
fn a_retracted_record_names_nobody_and_the_earlier_one_stands_again() {
    let mut log = Log::default();
    names(&mut log, "r1", "2020-01-01", "alice");
    names(&mut log, "r2", "2023-06-01", "bob");
    log.act("market", "x1", Action::Retract, "r2", "2023-07-01", &[]);
    assert_eq!(who(&log, "2023-08-01", "2023-08-01"), Some("alice"));
    log.act("market", "x2", Action::Retract, "r1", "2023-07-02", &[]);
    assert_eq!(who(&log, "2023-08-01", "2023-08-01"), None);
}

#[test]
fn a_correction_renames_the_representative_and_redates_the_record() {
    let mut log = Log::default();
    names(&mut log, "r1", "2020-01-01", "alice");
    log.act(
        "market",
        "k1",
        Action::Correct,
        "r1",
        "2021-01-01",
        &[(REPRESENTATIVE_ATTRIBUTE, text("carol"))],
    );
    assert_eq!(who(&log, "2020-06-01", "2022-01-01"), None);
    assert_eq!(who(&log, "2021-06-01", "2022-01-01"), Some("carol"));
    // Before the correction was known, the record named alice from 2020.
    log.events[1].recorded = day("2021-12-01");
    assert_eq!(who(&log, "2020-06-01", "2021-11-30"), Some("alice"));
}

#[test]
fn a_record_past_its_retention_names_nobody() {
    let mut log = Log::default();
    names(&mut log, "r1", "2010-01-01", "alice");
    assert_eq!(who(&log, "2019-12-31", "2019-12-31"), Some("alice"));
    assert_eq!(who(&log, "2020-01-02", "2020-01-02"), None);
}

#[test]
fn a_dispute_the_record_lost_ends_the_representation() {
    let mut log = Log::default();
    names(&mut log, "r1", "2020-01-01", "alice");
    log.act("market", "d1", Action::Dispute, "r1", "2023-01-01", &[]);
    log.act(
        "market",
        "a1",
        Action::Resolve,
        "r1",
        "2023-01-10",
        &[("upheld", Value::Bool(false))],
    );
    assert_eq!(who(&log, "2023-02-01", "2023-02-01"), None);
}
