#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The Sesame-style scorecard (`policies/sesame-scorecard.toml`), worked through the engine.
//!
//! Score = 350 + the points of six characteristics, within [350, 950]:
//!
//! | characteristic | window | bins (value → points) | max |
//! |---|---|---|---|
//! | S01 overdue count | 2y | 0 → 180, 1 → 90, 2 → 40, more → 0 | 180 |
//! | S02 days since last overdue | 5y | ≤90 → 0, ≤180 → 30, ≤365 → 60, ≤730 → 100, more or none → 130 | 130 |
//! | S03 amount overdue (fen) | 2y | 0 → 50, ≤¥1,000 → 25, ≤¥10,000 → 10, more → 0 | 50 |
//! | S04 loans repaid late | 2y | 0 → 30, 1 → 15, more → 0 | 30 |
//! | S05 utility arrears | 3y | 0 → 60, 1 → 30, more → 0 | 60 |
//! | S06 court findings | 5y | 0 → 150, more → 0 | 150 |
//!
//! So a score is 950 minus the points lost. An overdue repayment within 2 years loses 90 (count)
//! plus 30/70/100/130 (recency: ≤730/≤365/≤180/≤90 days) plus 25/40/50 (amount: ≤¥1,000 /
//! ≤¥10,000 / more). Bands: excellent ≥700, very-good ≥650, good ≥600, medium ≥550, poor.
//! Deposits waived at 600 (bikes), 650 (rentals) and 700 (overseas car rental). Every bin is a
//! multiple of 5, so "one point below" a band is not constructible: each band is checked at its
//! threshold and 5 below. Opt-in: consent is an event of category `sesame` from the lender.

mod common;

use common::*;
use credence_engine::{Because, SchemeStatus, Standing};
use credence_model::{Action, Value};
use credence_policy::{Effect, Policy};

const CARD: &str = "sesame";
const END: &str = "2024-12-31";

fn resident() -> credence_model::SubjectFacts {
    person("1990-02-14")
}

/// A history that starts with consent on 1 January 2022 (event 0).
fn consented() -> Log {
    let mut log = Log::default();
    log.consent("lender", "consent-1", CARD, "2022-01-01");
    log
}

fn on(policy: &Policy, log: &Log, as_of: &str) -> Standing {
    standing_on(policy, resident(), log, as_of)
}

fn score_band(standing: &Standing) -> (i64, Option<&str>) {
    let card = scorecard(standing, CARD);
    (card.score, card.band.as_deref())
}

fn overdue(log: &mut Log, reference: &str, amount_yuan: i64, date: &str) {
    log.record(
        "lender",
        reference,
        "finance.overdue",
        date,
        &[
            ("amount", yuan(amount_yuan)),
            ("days", Value::Int(100)),
            ("lender", text("Ant Check Later")),
        ],
    );
}

fn late_repayments(log: &mut Log, n: u32) {
    for i in 1..=n {
        log.record(
            "lender",
            &format!("late{i}"),
            "finance.late-repayment",
            &format!("2024-0{i}-01"),
            &[("amount", yuan(1_200)), ("days_late", Value::Int(12))],
        );
    }
}

fn utility_arrears(log: &mut Log, n: u32) {
    for i in 1..=n {
        log.record(
            "utility",
            &format!("arrears{i}"),
            "utilities.arrears",
            &format!("2024-0{}-01", i + 3),
            &[("amount", yuan(300)), ("months", Value::Int(3))],
        );
    }
}

fn court_finding(log: &mut Log, date: &str) {
    log.record(
        "court",
        "court-1",
        "court.dishonest-conduct",
        date,
        &[
            ("case", text("(2022)浙0106执1号")),
            ("court", text("Xihu District Court")),
            ("ground", text("refuses")),
        ],
    );
}

#[test]
fn no_score_without_consent_and_none_after_withdrawal() {
    let policy = shipped();
    let mut log = Log::default();
    let standing = on(&policy, &log, END);
    let card = scorecard(&standing, CARD);
    assert_eq!(card.status, SchemeStatus::NoConsent);
    assert_eq!((card.score, card.band.as_deref()), (0, None));
    assert!(card.reasons.is_empty() && card.characteristics.is_empty());
    assert!(measures(&standing, "sesame-").is_empty());

    log.consent("lender", "consent-1", CARD, "2024-03-01");
    assert_eq!(
        scorecard(&on(&policy, &log, "2024-02-29"), CARD).status,
        SchemeStatus::NoConsent
    );
    // From the day of consent: no adverse record, 950 → excellent.
    let standing = on(&policy, &log, "2024-03-01");
    assert_eq!(scorecard(&standing, CARD).status, SchemeStatus::Scored);
    assert_eq!(score_band(&standing), (950, Some("excellent")));

    log.withdraw("lender", "withdraw-1", CARD, "2024-09-01");
    assert_eq!(
        score_band(&on(&policy, &log, "2024-08-31")),
        (950, Some("excellent"))
    );
    let standing = on(&policy, &log, "2024-09-01");
    let card = scorecard(&standing, CARD);
    assert_eq!(card.status, SchemeStatus::NoConsent);
    assert_eq!((card.score, card.band.as_deref()), (0, None));
    assert!(measures(&standing, "sesame-").is_empty());
}

#[test]
fn no_adverse_record_scores_950_with_every_deposit_waived() {
    let policy = shipped();
    let standing = on(&policy, &consented(), END);
    let card = scorecard(&standing, CARD);
    // 350 + 180 + 130 + 50 + 30 + 60 + 150 = 950 → excellent; no reason.
    assert_eq!((card.score, card.band.as_deref()), (950, Some("excellent")));
    assert!(card.reasons.is_empty());
    let points: Vec<(&str, Option<i64>, i64)> = card
        .characteristics
        .iter()
        .map(|c| (c.characteristic.as_str(), c.value, c.points))
        .collect();
    assert_eq!(
        points,
        [
            ("overdue-count", Some(0), 180),
            ("overdue-recency", None, 130),
            ("overdue-amount", Some(0), 50),
            ("late-repayments", Some(0), 30),
            ("utility-arrears", Some(0), 60),
            ("court-findings", Some(0), 150),
        ]
    );
    assert!(
        card.characteristics
            .iter()
            .all(|c| c.points == c.points_max)
    );
    assert_eq!(
        measures(&standing, "sesame-"),
        [
            "sesame-bike-no-deposit",
            "sesame-rental-deposits-waived",
            "sesame-overseas-car-rental-no-deposit"
        ]
    );
    for id in measures(&standing, "sesame-") {
        let m = standing.measure(id).unwrap();
        assert_eq!((m.effect, m.because), (Effect::Reward, Because::Score));
    }
}

#[test]
fn an_overdue_loan_and_its_reasons() {
    let policy = shipped();
    let mut log = consented();
    overdue(&mut log, "o1", 5_000, "2024-01-10"); // event 1
    // On 2024-06-01 the overdue is 143 days old:
    //   S01 count 1 → 90 (lost 90); S02 143 days ≤ 180 → 30 (lost 100);
    //   S03 ¥5,000 = 500000 fen ≤ 1000000 → 10 (lost 40); the rest at their maximum.
    //   350 + 90 + 30 + 10 + 30 + 60 + 150 = 720 (= 950 - 230) → excellent.
    let standing = on(&policy, &log, "2024-06-01");
    let card = scorecard(&standing, CARD);
    assert_eq!((card.score, card.band.as_deref()), (720, Some("excellent")));
    let recency = &card.characteristics[1];
    assert_eq!(
        (recency.value, recency.points, recency.records.as_slice()),
        (Some(143), 30, [1].as_slice())
    );
    assert_eq!(card.characteristics[2].value, Some(500_000));
    // Reasons, largest loss first, each with its record.
    let reasons: Vec<(&str, i64, &[u32])> = card
        .reasons
        .iter()
        .map(|r| (r.code.as_str(), r.points_lost, r.records.as_slice()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("S02", 100, [1].as_slice()),
            ("S01", 90, [1].as_slice()),
            ("S03", 40, [1].as_slice()),
        ]
    );
    // The count and the amount improve when the record leaves their 2-year window: 2y from
    // 2024-01-10 ends on Saturday 2026-01-10, moved to Monday 2026-01-12 (Civil Code arts.
    // 201-203), so the record is out of the window on 2026-01-13 (S02's day: see the recency
    // test below).
    assert_eq!(card.reasons[1].improves_on, Some(day("2026-01-13")));
    assert_eq!(card.reasons[2].improves_on, Some(day("2026-01-13")));

    // A year on (2025-01-10, 366 days, ≤ 730): S02 → 100. 350 + 90 + 100 + 10 + 240 = 790.
    assert_eq!(
        score_band(&on(&policy, &log, "2025-01-10")),
        (790, Some("excellent"))
    );
    // The last day of the 2-year window (2026-01-09): still counted; 730 days ≤ 730 → S02 100.
    //   350 + 90 + 100 + 10 + 240 = 790.
    assert_eq!(score_band(&on(&policy, &log, "2026-01-09")).0, 790);
    // 2026-01-12, the window's last day: still counted, 733 days > 730 → S02 130.
    //   350 + 90 + 130 + 10 + 240 = 820.
    assert_eq!(score_band(&on(&policy, &log, "2026-01-12")).0, 820);
    // 2026-01-13: out of the count and amount windows; still in the 5-year recency window,
    // more than 730 days → 130. 950.
    let standing = on(&policy, &log, "2026-01-13");
    assert_eq!(score_band(&standing), (950, Some("excellent")));
    assert!(scorecard(&standing, CARD).reasons.is_empty());
}

#[test]
fn at_most_four_reasons_ordered_by_points_lost() {
    let policy = shipped();
    let mut log = consented();
    court_finding(&mut log, "2022-06-01"); // event 1
    late_repayments(&mut log, 1); // event 2: 2024-01-01
    utility_arrears(&mut log, 1); // event 3: 2024-04-01
    overdue(&mut log, "o1", 20_000, "2024-11-01"); // event 4
    // On 2024-12-31:
    //   S01 1 overdue → 90 (lost 90); S02 60 days → 0 (lost 130); S03 ¥20,000 → 0 (lost 50);
    //   S04 1 late → 15 (lost 15); S05 1 arrears → 30 (lost 30); S06 1 finding → 0 (lost 150).
    //   350 + 90 + 0 + 0 + 15 + 30 + 0 = 485 → poor; lost 150, 130, 90, 50 are the four reasons.
    let standing = on(&policy, &log, END);
    let card = scorecard(&standing, CARD);
    assert_eq!((card.score, card.band.as_deref()), (485, Some("poor")));
    let reasons: Vec<(&str, i64, &[u32])> = card
        .reasons
        .iter()
        .map(|r| (r.code.as_str(), r.points_lost, r.records.as_slice()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("S06", 150, [1].as_slice()),
            ("S02", 130, [4].as_slice()),
            ("S01", 90, [4].as_slice()),
            ("S03", 50, [4].as_slice()),
        ]
    );
    // The finding's 5-year window from 2022-06-01 runs through Tuesday 2027-06-01.
    assert_eq!(card.reasons[0].improves_on, Some(day("2027-06-02")));
    assert!(measures(&standing, "sesame-").is_empty());
}

#[test]
fn band_excellent_from_700_with_overseas_car_rental() {
    let policy = shipped();
    // Overdue ¥5,000 on 2023-11-01 (426 days): lost 90 + 30 + 40 = 160; 2 utility arrears: lost
    // 60; 2 late repayments: lost 30. 950 - 250 = 700 → excellent: all three deposits waived.
    let mut at = consented();
    overdue(&mut at, "o1", 5_000, "2023-11-01");
    utility_arrears(&mut at, 2);
    late_repayments(&mut at, 2);
    let standing = on(&policy, &at, END);
    assert_eq!(score_band(&standing), (700, Some("excellent")));
    assert_eq!(
        measures(&standing, "sesame-"),
        [
            "sesame-bike-no-deposit",
            "sesame-rental-deposits-waived",
            "sesame-overseas-car-rental-no-deposit"
        ]
    );

    // Overdue ¥20,000 on 2024-05-01 (244 days): lost 90 + 70 + 50 = 210; 1 late: lost 15;
    // 1 arrears: lost 30. 950 - 255 = 695 → very-good: no overseas car rental.
    let mut below = consented();
    overdue(&mut below, "o1", 20_000, "2024-05-01");
    late_repayments(&mut below, 1);
    utility_arrears(&mut below, 1);
    let standing = on(&policy, &below, END);
    assert_eq!(score_band(&standing), (695, Some("very-good")));
    assert_eq!(
        measures(&standing, "sesame-"),
        ["sesame-bike-no-deposit", "sesame-rental-deposits-waived"]
    );
}

#[test]
fn band_very_good_from_650_with_rental_deposits_waived() {
    let policy = shipped();
    // Overdue ¥20,000 on 2024-08-01 (152 days): lost 90 + 100 + 50 = 240; 2 arrears: lost 60.
    // 950 - 300 = 650 → very-good: bikes and rentals.
    let mut at = consented();
    overdue(&mut at, "o1", 20_000, "2024-08-01");
    utility_arrears(&mut at, 2);
    let standing = on(&policy, &at, END);
    assert_eq!(score_band(&standing), (650, Some("very-good")));
    assert_eq!(
        measures(&standing, "sesame-"),
        ["sesame-bike-no-deposit", "sesame-rental-deposits-waived"]
    );

    // Overdue ¥500 on 2024-11-01 (60 days): lost 90 + 130 + 25 = 245; 2 arrears: lost 60.
    // 950 - 305 = 645 → good: bikes only.
    let mut below = consented();
    overdue(&mut below, "o1", 500, "2024-11-01");
    utility_arrears(&mut below, 2);
    let standing = on(&policy, &below, END);
    assert_eq!(score_band(&standing), (645, Some("good")));
    assert_eq!(measures(&standing, "sesame-"), ["sesame-bike-no-deposit"]);
}

#[test]
fn a_listed_debtor_keeps_the_score_and_loses_every_reward() {
    // Joint punishment removes preferential treatment from listed debtors: a court finding on
    // ground 1 (refuses to perform) lists the debtor until it performs; while listed, no deposit
    // is waived, whatever the score.
    let policy = shipped();
    let mut log = consented();
    court_finding(&mut log, "2024-06-01");
    let standing = on(&policy, &log, END);
    assert_eq!(score_band(&standing).0, 800);
    assert!(
        standing
            .entries_in_force()
            .any(|e| e.list == "dishonest-debtors")
    );
    assert!(measures(&standing, "sesame-").is_empty());
    assert!(measures(&standing, "egret-").is_empty());
    // Once the debt is performed, the list entry ends and the rewards return.
    log.act(
        "court",
        "court-1-paid",
        Action::Fulfil,
        "court-1",
        "2024-09-01",
        &[],
    );
    let standing = on(&policy, &log, END);
    assert_eq!(score_band(&standing).0, 800);
    assert!(!measures(&standing, "sesame-").is_empty());
}

#[test]
fn band_good_from_600_with_bikes_without_deposit() {
    let policy = shipped();
    // Court finding (2022-05-01, 5y window; the debt paid on 2022-08-01, so the debtor is no
    // longer listed): lost 150; overdue ¥5,000 on 2024-05-01 (244 days):
    // lost 90 + 70 + 40 = 200. 950 - 350 = 600 → good: bikes.
    let mut at = consented();
    court_finding(&mut at, "2022-05-01");
    at.act(
        "court",
        "court-1-paid",
        Action::Fulfil,
        "court-1",
        "2022-08-01",
        &[],
    );
    overdue(&mut at, "o1", 5_000, "2024-05-01");
    let standing = on(&policy, &at, END);
    assert_eq!(score_band(&standing), (600, Some("good")));
    assert_eq!(measures(&standing, "sesame-"), ["sesame-bike-no-deposit"]);

    // Court finding: lost 150; overdue ¥500 on 2023-11-01 (426 days): lost 90 + 30 + 25 = 145;
    // 2 arrears: lost 60. 950 - 355 = 595 → medium: no deposit waived.
    let mut below = consented();
    court_finding(&mut below, "2022-05-01");
    below.act(
        "court",
        "court-1-paid",
        Action::Fulfil,
        "court-1",
        "2022-08-01",
        &[],
    );
    overdue(&mut below, "o1", 500, "2023-11-01");
    utility_arrears(&mut below, 2);
    let standing = on(&policy, &below, END);
    assert_eq!(score_band(&standing), (595, Some("medium")));
    assert!(measures(&standing, "sesame-").is_empty());
}

#[test]
fn band_medium_from_550() {
    let policy = shipped();
    // Court: 150; overdue ¥5,000 on 2023-11-01: 160; 2 late: 30; 2 arrears: 60.
    // 950 - 400 = 550 → medium.
    let mut at = consented();
    court_finding(&mut at, "2022-05-01");
    overdue(&mut at, "o1", 5_000, "2023-11-01");
    late_repayments(&mut at, 2);
    utility_arrears(&mut at, 2);
    let standing = on(&policy, &at, END);
    assert_eq!(score_band(&standing), (550, Some("medium")));
    assert_eq!(
        scorecard(&standing, CARD).reasons.len(),
        4,
        "six lost, four given"
    );

    // Court: 150; overdue ¥20,000 on 2024-05-01: 210; 1 late: 15; 1 arrears: 30.
    // 950 - 405 = 545 → poor.
    let mut below = consented();
    court_finding(&mut below, "2022-05-01");
    overdue(&mut below, "o1", 20_000, "2024-05-01");
    late_repayments(&mut below, 1);
    utility_arrears(&mut below, 1);
    assert_eq!(score_band(&on(&policy, &below, END)), (545, Some("poor")));
}

#[test]
fn the_score_never_falls_below_350() {
    let policy = shipped();
    let mut log = consented();
    court_finding(&mut log, "2022-05-01");
    overdue(&mut log, "o1", 20_000, "2024-10-01");
    overdue(&mut log, "o2", 20_000, "2024-11-01");
    overdue(&mut log, "o3", 20_000, "2024-12-01");
    late_repayments(&mut log, 2);
    utility_arrears(&mut log, 2);
    // Every characteristic at 0: 350 + 0 = 350 → poor.
    let standing = on(&policy, &log, END);
    assert_eq!(score_band(&standing), (350, Some("poor")));
    let card = scorecard(&standing, CARD);
    assert!(card.characteristics.iter().all(|c| c.points == 0));
    assert_eq!(card.characteristics[0].value, Some(3));
    assert_eq!(card.characteristics[2].value, Some(6_000_000));
}

#[test]
fn the_recency_reason_improves_when_the_next_bin_is_reached() {
    let policy = shipped();
    let mut log = consented();
    overdue(&mut log, "o1", 5_000, "2024-01-10"); // event 1
    // On 2024-06-01 the overdue is 143 days old: S02 in the ≤180 bin, 30 points (lost 100);
    // 950 - (90 + 100 + 40) = 720.
    let standing = on(&policy, &log, "2024-06-01");
    let s02 = &scorecard(&standing, CARD).reasons[0];
    assert_eq!((s02.code.as_str(), s02.points_lost), ("S02", 100));
    // At 181 days, 2024-01-10 + 181 = 2024-07-09, it enters the ≤365 bin (60 points):
    // 950 - (90 + 70 + 40) = 750. That is the day the reason improves.
    assert_eq!(score_band(&on(&policy, &log, "2024-07-08")).0, 720);
    assert_eq!(score_band(&on(&policy, &log, "2024-07-09")).0, 750);
    // (The day the record leaves the 5-year window, 2029-01-11, is not it: S02 has been at its
    // maximum of 130 since 2026-01-10, at 731 days, and the record leaves the 2-year windows
    // on 2026-01-13.)
    assert_eq!(score_band(&on(&policy, &log, "2026-01-10")).0, 820);
    assert_eq!(score_band(&on(&policy, &log, "2026-01-13")).0, 950);
    assert_eq!(s02.improves_on, Some(day("2024-07-09")));
}
