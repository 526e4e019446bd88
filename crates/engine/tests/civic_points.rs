#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The civic-points pack (`policies/civic-points.toml`), worked through the engine.
//!
//! Published numbers: base 1000, floor 0; grades AAA ≥1050, AA ≥1030, A ≥960, B ≥850,
//! C ≥600, D below. Volunteering (≥4 h) +2 for 1y, capped at +20 a calendar year;
//! commendations +10/+20/+30/+50 (county/city/province/national) for 3y, capped at +50 a year;
//! serious traffic -20 for 1y, grave -50 for 2y, traffic losses capped at 100 a year; a court
//! finding of dishonest conduct -100 for 2y; general penalty -30 for 1y, serious -50 for 3y.
//! Opt-in: no score without consent. Rewards: AAA heating and water discounts, AA and AAA
//! library without deposit.
//!
//! Every point value in the pack is even and every deduction a multiple of 10, so "one point
//! below" a threshold is not constructible: each boundary is checked at the threshold and two
//! points below it (one volunteering record less).

mod common;

use common::*;
use credence_engine::{Because, Remedy, SchemeStatus, Standing};
use credence_model::{Action, Value};
use credence_policy::{Effect, Policy};

const SCHEME: &str = "civic-points";

fn resident() -> credence_model::SubjectFacts {
    person("1980-05-05")
}

/// A history that starts with consent on 1 January 2024 (event 0).
fn consented() -> Log {
    let mut log = Log::default();
    log.consent("civic-office", "consent-1", SCHEME, "2024-01-01");
    log
}

/// `n` volunteering records of 4 hours, on the 10th of each month of 2024 from January.
fn volunteer(log: &mut Log, n: u32) {
    for i in 0..n {
        volunteer_on(
            log,
            &format!("v{}", i + 1),
            &format!("2024-{:02}-10", i + 1),
        );
    }
}

fn volunteer_on(log: &mut Log, reference: &str, date: &str) {
    log.record(
        "volunteer-association",
        reference,
        "civic.volunteering",
        date,
        &[
            ("hours", Value::Int(4)),
            ("organisation", text("Red Cross")),
        ],
    );
}

fn commendation(log: &mut Log, reference: &str, level: &str, date: &str) {
    log.record(
        "civic-office",
        reference,
        "civic.commendation",
        date,
        &[("level", text(level))],
    );
}

fn traffic(log: &mut Log, reference: &str, severity: &str, date: &str) {
    log.record(
        "traffic-police",
        reference,
        "traffic.violation",
        date,
        &[
            ("severity", text(severity)),
            ("licence_points", Value::Int(6)),
        ],
    );
}

fn court_finding(log: &mut Log, reference: &str, date: &str) {
    log.record(
        "court",
        reference,
        "court.dishonest-conduct",
        date,
        &[
            ("case", text(&format!("(2024)鲁1082执{reference}号"))),
            ("court", text("Rongcheng People's Court")),
            ("ground", text("refuses")),
            ("amount", yuan(8_000)),
        ],
    );
}

fn penalty(log: &mut Log, reference: &str, severity: &str, date: &str) {
    log.record(
        "market-regulator",
        reference,
        "admin.penalty",
        date,
        &[
            ("severity", text(severity)),
            ("decision", text(&format!("荣市监罚〔2024〕{reference}号"))),
            ("amount", yuan(2_000)),
        ],
    );
}

fn on(policy: &Policy, log: &Log, as_of: &str) -> Standing {
    standing_on(policy, resident(), log, as_of)
}

fn civic(policy: &Policy, log: &Log, as_of: &str) -> (i64, Option<String>) {
    points_grade(&on(policy, log, as_of), SCHEME)
}

fn graded(points: i64, grade: &str) -> (i64, Option<String>) {
    (points, Some(grade.to_owned()))
}

#[test]
fn base_is_1000_grade_a_with_no_reward() {
    let policy = shipped();
    let log = consented();
    // base 1000, no records = 1000 → A (960 ≤ 1000 < 1030): no civic reward.
    let standing = on(&policy, &log, "2024-12-31");
    let scored = scheme(&standing, SCHEME);
    assert_eq!(scored.status, SchemeStatus::Scored);
    assert_eq!((scored.points, scored.grade.as_deref()), (1000, Some("A")));
    assert!(scored.contributions.is_empty());
    assert!(scored.direct.is_none());
    assert!(measures(&standing, "civic-").is_empty());
}

#[test]
fn aaa_from_1050_earns_heating_water_and_library() {
    let policy = shipped();
    // base 1000, +50 national commendation (2024-05-04, counts 3y) = 1050 → AAA (≥1050).
    let mut at = consented();
    commendation(&mut at, "k1", "national", "2024-05-04");
    let standing = on(&policy, &at, "2024-12-31");
    assert_eq!(points_grade(&standing, SCHEME), graded(1050, "AAA"));
    assert_eq!(
        measures(&standing, "civic-"),
        [
            "civic-heating-discount",
            "civic-water-discount",
            "civic-library-deposit-waived"
        ]
    );
    for id in measures(&standing, "civic-") {
        let m = standing.measure(id).unwrap();
        assert_eq!((m.effect, m.because), (Effect::Reward, Because::Grade));
    }

    // base 1000, +30 province +10 county (40, under the 50 cap) +2+2+2+2 volunteering = 1048
    // → AA (1030 ≤ 1048 < 1050): the library only.
    let mut below = consented();
    commendation(&mut below, "k1", "province", "2024-05-04");
    commendation(&mut below, "k2", "county", "2024-06-04");
    volunteer(&mut below, 4);
    let standing = on(&policy, &below, "2024-12-31");
    assert_eq!(points_grade(&standing, SCHEME), graded(1048, "AA"));
    assert_eq!(
        measures(&standing, "civic-"),
        ["civic-library-deposit-waived"]
    );
}

#[test]
fn aa_from_1030_earns_the_library() {
    let policy = shipped();
    // base 1000, +30 province commendation = 1030 → AA (≥1030).
    let mut at = consented();
    commendation(&mut at, "k1", "province", "2024-05-04");
    let standing = on(&policy, &at, "2024-12-31");
    assert_eq!(points_grade(&standing, SCHEME), graded(1030, "AA"));
    assert_eq!(
        measures(&standing, "civic-"),
        ["civic-library-deposit-waived"]
    );

    // base 1000, +20 city commendation, +2×4 volunteering = 1028 → A: no reward.
    let mut below = consented();
    commendation(&mut below, "k1", "city", "2024-05-04");
    volunteer(&mut below, 4);
    let standing = on(&policy, &below, "2024-12-31");
    assert_eq!(points_grade(&standing, SCHEME), graded(1028, "A"));
    assert!(measures(&standing, "civic-").is_empty());
}

#[test]
fn a_from_960() {
    let policy = shipped();
    // base 1000, -50 grave traffic violation (2024-03-01, counts 2y), +10 county commendation
    // = 960 → A (≥960).
    let mut at = consented();
    traffic(&mut at, "t1", "grave", "2024-03-01");
    commendation(&mut at, "k1", "county", "2024-05-04");
    assert_eq!(civic(&policy, &at, "2024-12-31"), graded(960, "A"));

    // base 1000, -50 grave, +2×4 volunteering = 958 → B.
    let mut below = consented();
    traffic(&mut below, "t1", "grave", "2024-03-01");
    volunteer(&mut below, 4);
    assert_eq!(civic(&policy, &below, "2024-12-31"), graded(958, "B"));
}

#[test]
fn b_from_850() {
    let policy = shipped();
    let history = |volunteering: u32| {
        let mut log = consented();
        court_finding(&mut log, "c1", "2024-02-01");
        penalty(&mut log, "p1", "general", "2024-03-01");
        penalty(&mut log, "p2", "general", "2024-04-01");
        volunteer(&mut log, volunteering);
        log
    };
    // base 1000, -100 court finding, -30 -30 general penalties, +2×5 volunteering = 850 → B.
    assert_eq!(civic(&policy, &history(5), "2024-12-31"), graded(850, "B"));
    // The same with one volunteering record less: 1000 -100 -60 +8 = 848 → C.
    assert_eq!(civic(&policy, &history(4), "2024-12-31"), graded(848, "C"));
}

#[test]
fn c_from_600() {
    let policy = shipped();
    let history = |volunteering: u32| {
        let mut log = consented();
        court_finding(&mut log, "c1", "2024-02-01");
        court_finding(&mut log, "c2", "2024-03-01");
        court_finding(&mut log, "c3", "2024-04-01");
        penalty(&mut log, "p1", "serious", "2024-05-01");
        penalty(&mut log, "p2", "general", "2024-06-01");
        penalty(&mut log, "p3", "general", "2024-07-01");
        volunteer(&mut log, volunteering);
        log
    };
    // base 1000, -100×3 court findings, -50 serious penalty, -30×2 general penalties,
    // +2×5 volunteering = 600 → C (≥600).
    assert_eq!(civic(&policy, &history(5), "2024-12-31"), graded(600, "C"));
    // One volunteering record less: 1000 -300 -50 -60 +8 = 598 → D.
    assert_eq!(civic(&policy, &history(4), "2024-12-31"), graded(598, "D"));
}

#[test]
fn points_never_fall_below_zero_and_a_low_grade_restricts_nothing() {
    let policy = shipped();
    let mut log = consented();
    for i in 1..=11 {
        court_finding(&mut log, &format!("c{i}"), &format!("2024-{i:02}-15"));
    }
    // base 1000, -100×11 court findings = -100 → floored at 0 → D.
    let standing = on(&policy, &log, "2024-12-31");
    assert_eq!(points_grade(&standing, SCHEME), graded(0, "D"));
    assert!(measures(&standing, "civic-").is_empty());
    // The person is restricted, but only by the court list's entries, never by the grade.
    assert!(!standing.measures.is_empty());
    for m in &standing.measures {
        if m.effect == Effect::Restriction {
            assert_eq!(m.because, Because::ListEntry, "{}", m.measure);
        }
    }
}

#[test]
fn minor_traffic_violations_and_short_volunteering_do_not_count() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "minor", "2024-03-01");
    log.record(
        "volunteer-association",
        "v-short",
        "civic.volunteering",
        "2024-04-01",
        &[("hours", Value::Int(3))],
    );
    // base 1000; a minor violation deducts nothing (Art. 67), 3 hours earn nothing (≥4 h) = 1000.
    let standing = on(&policy, &log, "2024-12-31");
    assert_eq!(points_grade(&standing, SCHEME), graded(1000, "A"));
    assert!(scheme(&standing, SCHEME).contributions.is_empty());
}

#[test]
fn a_deduction_counts_until_the_day_before_its_validity_ends() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "serious", "2024-02-01");
    // base 1000, -20 serious violation (2024-02-01, counts 1y: 2025-02-01 is a Saturday in the
    // Spring Festival holiday of 28 January to 4 February 2025, so through Wednesday 2025-02-05,
    // Civil Code arts. 201-203) = 980 → A.
    let last_day = on(&policy, &log, "2025-02-05");
    let scored = scheme(&last_day, SCHEME);
    assert_eq!((scored.points, scored.grade.as_deref()), (980, Some("A")));
    assert_eq!(scored.contributions.len(), 1);
    let c = &scored.contributions[0];
    assert_eq!(
        (c.rule.as_str(), c.record, c.points, c.counted),
        ("traffic-serious", 1, -20, -20)
    );
    // The engine reports the day the points stop counting (the same convention as a list
    // entry's `until`): the day after the last day, 2025-02-06.
    assert_eq!(c.until, day("2025-02-06"));
    // On 2025-02-06 the deduction no longer counts: 1000.
    assert_eq!(civic_points(&policy, &log, "2025-02-06"), 1000);

    // Grave: -50 from 2024-03-01 for 2y: 2026-03-01 is a Sunday, so through Monday 2026-03-02.
    let mut grave = consented();
    traffic(&mut grave, "t1", "grave", "2024-03-01");
    assert_eq!(civic(&policy, &grave, "2026-03-02"), graded(950, "B"));
    assert_eq!(civic(&policy, &grave, "2026-03-03"), graded(1000, "A"));

    // Serious penalty: -50 for 3y; court finding: -100 for 2y.
    let mut adjudicated = consented();
    penalty(&mut adjudicated, "p1", "serious", "2024-04-10");
    court_finding(&mut adjudicated, "c1", "2024-04-10");
    // 1000 -50 -100 = 850 → B through Friday 2026-04-10.
    assert_eq!(civic(&policy, &adjudicated, "2026-04-10"), graded(850, "B"));
    // 2026-04-11: the court finding has ended: 1000 -50 = 950 → B.
    assert_eq!(civic(&policy, &adjudicated, "2026-04-11"), graded(950, "B"));
    // 2027-04-10 is a Saturday: still -50 through Monday 2027-04-12; 2027-04-13: 1000 → A.
    assert_eq!(civic(&policy, &adjudicated, "2027-04-12"), graded(950, "B"));
    assert_eq!(
        civic(&policy, &adjudicated, "2027-04-13"),
        graded(1000, "A")
    );
}

fn civic_points(policy: &Policy, log: &Log, as_of: &str) -> i64 {
    civic(policy, log, as_of).0
}

#[test]
fn a_reward_counts_for_its_validity() {
    let policy = shipped();
    let mut log = consented();
    volunteer_on(&mut log, "v1", "2024-06-15");
    commendation(&mut log, "k1", "county", "2024-06-15");
    // 1000 +2 volunteering (1y) +10 county commendation (3y) = 1012. 2025-06-15 is a Sunday:
    // the volunteering counts through Monday 2025-06-16.
    assert_eq!(civic_points(&policy, &log, "2025-06-16"), 1012);
    // 2025-06-17: the volunteering has ended: 1010.
    assert_eq!(civic_points(&policy, &log, "2025-06-17"), 1010);
    // Tuesday 2027-06-15: the commendation still counts; 2027-06-16 it has ended: 1000.
    assert_eq!(civic_points(&policy, &log, "2027-06-15"), 1010);
    assert_eq!(civic_points(&policy, &log, "2027-06-16"), 1000);
}

#[test]
fn volunteering_stops_at_twenty_a_year_and_resumes_the_next_year() {
    let policy = shipped();
    let mut log = consented();
    // Eleven records in 2024 (15 January to 15 November), events 1 to 11.
    for i in 1..=11 {
        volunteer_on(&mut log, &format!("v{i}"), &format!("2024-{i:02}-15"));
    }
    // 1000 + 2×10 = 1020 (the 2024 cap of 20 is reached); the 11th record counts 0 → A.
    let standing = on(&policy, &log, "2024-12-31");
    let scored = scheme(&standing, SCHEME);
    assert_eq!((scored.points, scored.grade.as_deref()), (1020, Some("A")));
    let counted: Vec<i64> = scored.contributions.iter().map(|c| c.counted).collect();
    assert_eq!(counted, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0]);
    assert!(scored.contributions.iter().all(|c| c.points == 2));

    // A record of 5 January 2025 falls under the 2025 cap: +2 → 1022.
    volunteer_on(&mut log, "v12", "2025-01-05");
    assert_eq!(civic(&policy, &log, "2025-01-06"), graded(1022, "A"));
}

#[test]
fn commendations_stop_at_fifty_a_year() {
    let policy = shipped();
    let mut log = consented();
    commendation(&mut log, "k1", "national", "2024-03-01");
    commendation(&mut log, "k2", "city", "2024-09-01");
    // 1000 +50 national, +20 city counted 0 (the 2024 cap of 50 is reached) = 1050 → AAA.
    let standing = on(&policy, &log, "2024-12-31");
    let scored = scheme(&standing, SCHEME);
    assert_eq!(
        (scored.points, scored.grade.as_deref()),
        (1050, Some("AAA"))
    );
    let counted: Vec<(i64, i64)> = scored
        .contributions
        .iter()
        .map(|c| (c.points, c.counted))
        .collect();
    assert_eq!(counted, [(50, 50), (20, 0)]);
    // A county commendation in 2025 counts under the 2025 cap: 1000 +50 +10 = 1060.
    commendation(&mut log, "k3", "county", "2025-02-01");
    assert_eq!(civic(&policy, &log, "2025-03-01"), graded(1060, "AAA"));
}

#[test]
fn traffic_losses_stop_at_one_hundred_a_year() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "grave", "2024-02-01");
    traffic(&mut log, "t2", "grave", "2024-05-01");
    traffic(&mut log, "t3", "grave", "2024-08-01");
    // 1000 -50 -50, the third -50 counted 0 (the 2024 loss cap of 100 is reached) = 900 → B.
    let standing = on(&policy, &log, "2024-12-31");
    let scored = scheme(&standing, SCHEME);
    assert_eq!((scored.points, scored.grade.as_deref()), (900, Some("B")));
    let counted: Vec<i64> = scored.contributions.iter().map(|c| c.counted).collect();
    assert_eq!(counted, [-50, -50, 0]);
    // A grave violation in 2025 falls under the 2025 cap: 1000 -100 -50 = 850 → B.
    traffic(&mut log, "t4", "grave", "2025-01-10");
    assert_eq!(civic(&policy, &log, "2025-01-11"), graded(850, "B"));
}

#[test]
fn scoring_needs_consent_and_stops_on_withdrawal() {
    let policy = shipped();
    let mut log = Log::default();
    commendation(&mut log, "k1", "national", "2024-01-15");
    // No consent: no score, no grade, no reward, whatever the records.
    let standing = on(&policy, &log, "2024-06-01");
    let scored = scheme(&standing, SCHEME);
    assert_eq!(scored.status, SchemeStatus::NoConsent);
    assert_eq!((scored.points, scored.grade.as_deref()), (0, None));
    assert!(scored.contributions.is_empty());
    assert!(scored.remedies.is_empty());
    assert!(measures(&standing, "civic-").is_empty());

    log.consent("civic-office", "consent-1", SCHEME, "2024-03-01");
    // The day before consent: still not scored.
    assert_eq!(
        scheme(&on(&policy, &log, "2024-02-29"), SCHEME).status,
        SchemeStatus::NoConsent
    );
    // From the day of consent: 1000 +50 national = 1050 → AAA, with its rewards.
    let standing = on(&policy, &log, "2024-03-01");
    assert_eq!(scheme(&standing, SCHEME).status, SchemeStatus::Scored);
    assert_eq!(points_grade(&standing, SCHEME), graded(1050, "AAA"));
    assert_eq!(measures(&standing, "civic-").len(), 3);

    log.withdraw("civic-office", "withdraw-1", SCHEME, "2024-09-01");
    // Scored through the day before the withdrawal...
    assert_eq!(civic(&policy, &log, "2024-08-31"), graded(1050, "AAA"));
    // ...and not from the day of it: no score and no reward.
    let standing = on(&policy, &log, "2024-09-01");
    let scored = scheme(&standing, SCHEME);
    assert_eq!(scored.status, SchemeStatus::NoConsent);
    assert_eq!((scored.points, scored.grade.as_deref()), (0, None));
    assert!(measures(&standing, "civic-").is_empty());
}

#[test]
fn organisations_are_not_scored() {
    let policy = shipped();
    let mut log = Log::default();
    log.consent("civic-office", "consent-1", SCHEME, "2024-01-01");
    commendation(&mut log, "k1", "national", "2024-01-15");
    let standing = standing_on(&policy, organisation(), &log, "2024-06-01");
    let scored = scheme(&standing, SCHEME);
    assert_eq!(scored.status, SchemeStatus::NotApplicable);
    assert_eq!(scored.grade, None);
}

#[test]
fn record_expires_remedy_names_the_day_and_the_grade_after() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "grave", "2024-03-01"); // event 1: -50 for 2y
    traffic(&mut log, "t2", "serious", "2024-06-01"); // event 2: -20 for 1y
    // 1000 -50 -20 = 930 → B.
    let standing = on(&policy, &log, "2024-12-31");
    let scored = scheme(&standing, SCHEME);
    assert_eq!((scored.points, scored.grade.as_deref()), (930, Some("B")));
    // The serious violation ends first (1y from 2024-06-01: Sunday 2025-06-01, in the Dragon
    // Boat holiday of 31 May to 2 June 2025, moves to Tuesday 2025-06-03, so it no longer counts
    // on 2025-06-04): 1000 -50 = 950, still B. The grave
    // one (2y from 2024-03-01: Sunday 2026-03-01, Monday 2026-03-02) ends on 2026-03-03:
    // 1000 → A.
    assert_eq!(
        scored.remedies,
        [
            Remedy::RecordExpires {
                record: 2,
                day: day("2025-06-04"),
                points: 950,
                grade: Some("B".into()),
            },
            Remedy::RecordExpires {
                record: 1,
                day: day("2026-03-03"),
                points: 1000,
                grade: Some("A".into()),
            },
        ]
    );
}

#[test]
fn a_correction_learned_later_changes_the_standing_only_from_then() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "grave", "2024-03-01");
    // The traffic police correct the severity to serious; the registry learns it on 1 June.
    log.act(
        "traffic-police",
        "t1-fix",
        Action::Correct,
        "t1",
        "2024-03-01",
        &[
            ("severity", text("serious")),
            ("licence_points", Value::Int(6)),
        ],
    )
    .learned("2024-06-01");
    let evaluate = |as_of: &str, known_at: &str| {
        let standing =
            credence_engine::evaluate(&policy, resident(), &log.events, day(as_of), day(known_at));
        points_grade(&standing, SCHEME)
    };
    // On 1 May as known on 1 May: 1000 -50 grave = 950 → B.
    assert_eq!(evaluate("2024-05-01", "2024-05-01"), graded(950, "B"));
    // Known on 31 May, the day before the correction arrived: unchanged.
    assert_eq!(evaluate("2024-05-01", "2024-05-31"), graded(950, "B"));
    // On 1 May as known on 1 June: the record was serious all along, 1000 -20 = 980 → A.
    assert_eq!(evaluate("2024-05-01", "2024-06-01"), graded(980, "A"));
    // And the corrected deduction lasts 1y from 2024-03-01: Saturday 2025-03-01 moves to
    // Monday 2025-03-03.
    assert_eq!(evaluate("2025-03-03", "2025-03-03"), graded(980, "A"));
    assert_eq!(evaluate("2025-03-04", "2025-03-04"), graded(1000, "A"));
}

#[test]
fn a_correction_moving_a_record_later_removes_it_from_earlier_days() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "grave", "2024-03-01");
    // The violation in fact happened on 1 May; the registry learns it on 1 June.
    log.act(
        "traffic-police",
        "t1-fix",
        Action::Correct,
        "t1",
        "2024-05-01",
        &[
            ("severity", text("grave")),
            ("licence_points", Value::Int(6)),
        ],
    )
    .learned("2024-06-01");
    let evaluate = |as_of: &str, known_at: &str| {
        let standing =
            credence_engine::evaluate(&policy, resident(), &log.events, day(as_of), day(known_at));
        points_grade(&standing, SCHEME)
    };
    // As known before the correction, the violation counted from 1 March: 950 on 1 April.
    assert_eq!(evaluate("2024-04-01", "2024-04-01"), graded(950, "B"));
    // As known after it, on 1 April nothing had happened yet: 1000 → A.
    assert_eq!(evaluate("2024-04-01", "2024-07-01"), graded(1000, "A"));
    // From 1 May: -50 for 2y; Friday 2026-05-01 opens the Labour Day holiday (1-5 May 2026), so
    // through Wednesday 2026-05-06.
    assert_eq!(evaluate("2024-05-01", "2024-07-01"), graded(950, "B"));
    assert_eq!(evaluate("2026-05-06", "2026-05-06"), graded(950, "B"));
    assert_eq!(evaluate("2026-05-07", "2026-05-07"), graded(1000, "A"));
}

#[test]
fn a_correction_moving_a_record_earlier_counts_it_from_the_earlier_day() {
    let policy = shipped();
    let mut log = consented();
    traffic(&mut log, "t1", "grave", "2024-05-01");
    // The violation in fact happened on 1 March; the registry learns it on 1 June.
    log.act(
        "traffic-police",
        "t1-fix",
        Action::Correct,
        "t1",
        "2024-03-01",
        &[
            ("severity", text("grave")),
            ("licence_points", Value::Int(6)),
        ],
    )
    .learned("2024-06-01");
    let evaluate = |as_of: &str, known_at: &str| {
        let standing =
            credence_engine::evaluate(&policy, resident(), &log.events, day(as_of), day(known_at));
        points_grade(&standing, SCHEME)
    };
    // As known before the correction, nothing had happened on 1 April: 1000.
    assert_eq!(evaluate("2024-04-01", "2024-04-01"), graded(1000, "A"));
    // As known after it, the violation counted from 1 March: 1000 -50 = 950 on 1 April.
    assert_eq!(evaluate("2024-04-01", "2024-07-01"), graded(950, "B"));
    // And it ends 2y after 1 March: Sunday 2026-03-01 moves to Monday 2026-03-02.
    assert_eq!(evaluate("2026-03-02", "2026-03-02"), graded(950, "B"));
    assert_eq!(evaluate("2026-03-03", "2026-03-03"), graded(1000, "A"));
}
