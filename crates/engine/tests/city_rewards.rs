#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The city-rewards pack (`policies/city-rewards.toml`): Xiamen Egret and Fuzhou Jasmine,
//! worked through the engine.
//!
//! Xiamen: base 550, 0..1000; +5 volunteering (1y, cap 30/yr), commendations +10/+20/+40/+60
//! (3y, cap 60/yr), +2 loan repaid on time (1y, cap 20/yr); -150 court finding (2y), -150
//! serious penalty (3y), -60 general penalty (1y), -30 overdue ≥90 days (2y), -50 grave
//! traffic (2y), -20 serious traffic (1y). Grades: excellent ≥750, very-good ≥650, good ≥600,
//! fair ≥530, poor. Rewards at scores 530 (kerbside parking), 600 (library), 650 (car parks).
//!
//! Fuzhou: base 500, 0..1000; +10 volunteering (3y, cap 60/yr), commendations +20/+40/+80/+150
//! (3y, cap 150/yr), +5 repaid on time (1y, cap 30/yr); -150 court, -150 serious penalty,
//! -50 general penalty, -30 overdue ≥90 days, -50 grave, -20 serious traffic. Tiers 850 / 750 /
//! 650 / 550 / 350 / 0; deposit-free lodging for the top two, scenic-area perks for the top three.
//! Every Fuzhou value is a multiple of 5, so "one point below" a tier is not constructible: each
//! tier is checked at its threshold and 5 points below.
//!
//! Neither scheme asks for consent; both only reward. All histories are of 2024 and evaluated on
//! 2024-12-31 unless said.

mod common;

use common::*;
use credence_engine::{Because, SchemeStatus, Standing};
use credence_model::{Action, Value};
use credence_policy::{Effect, Policy};

const XIAMEN: &str = "xiamen-egret";
const FUZHOU: &str = "fuzhou-jasmine";
const END: &str = "2024-12-31";

fn resident() -> credence_model::SubjectFacts {
    person("1985-09-09")
}

fn on(policy: &Policy, log: &Log, as_of: &str) -> Standing {
    standing_on(policy, resident(), log, as_of)
}

fn graded(points: i64, grade: &str) -> (i64, Option<String>) {
    (points, Some(grade.to_owned()))
}

/// `n` volunteering records of 4 hours, on the 10th of each month of 2024 from January.
fn volunteer(log: &mut Log, n: u32) {
    for i in 1..=n {
        log.record(
            "volunteer-association",
            &format!("v{i}"),
            "civic.volunteering",
            &format!("2024-{i:02}-10"),
            &[("hours", Value::Int(4))],
        );
    }
}

/// `n` loans repaid on time, on the 20th of each month of 2024 from January.
fn repaid(log: &mut Log, n: u32) {
    for i in 1..=n {
        log.record(
            "lender",
            &format!("r{i}"),
            "finance.repaid",
            &format!("2024-{i:02}-20"),
            &[("amount", yuan(3_000)), ("on_time", Value::Bool(true))],
        );
    }
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

fn overdue(log: &mut Log, reference: &str, days: i64, date: &str) {
    log.record(
        "lender",
        reference,
        "finance.overdue",
        date,
        &[("amount", yuan(2_000)), ("days", Value::Int(days))],
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
            ("decision", text(&format!("榕市监罚〔2024〕{reference}号"))),
        ],
    );
}

fn traffic(log: &mut Log, reference: &str, severity: &str, date: &str) {
    log.record(
        "traffic-police",
        reference,
        "traffic.violation",
        date,
        &[("severity", text(severity))],
    );
}

// --- Xiamen Egret ----------------------------------------------------------------------------

#[test]
fn xiamen_base_550_is_fair_with_kerbside_parking_only() {
    let policy = shipped();
    let standing = on(&policy, &Log::default(), END);
    let egret = scheme(&standing, XIAMEN);
    assert_eq!(egret.status, SchemeStatus::Scored, "no consent needed");
    // base 550, no records = 550 → fair (530 ≤ 550 < 600): kerbside parking, pay later.
    assert_eq!((egret.points, egret.grade.as_deref()), (550, Some("fair")));
    assert_eq!(
        measures(&standing, "egret-"),
        ["egret-kerbside-parking-pay-later"]
    );
    let m = standing
        .measure("egret-kerbside-parking-pay-later")
        .unwrap();
    assert_eq!((m.effect, m.because), (Effect::Reward, Because::Score));
}

#[test]
fn xiamen_kerbside_parking_unlocks_at_exactly_530() {
    let policy = shipped();
    // base 550, -30 loan overdue 90 days (counts 2y), +5 +5 volunteering = 530 → fair.
    let mut at = Log::default();
    overdue(&mut at, "o1", 90, "2024-03-01");
    volunteer(&mut at, 2);
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(530, "fair"));
    assert_eq!(
        measures(&standing, "egret-"),
        ["egret-kerbside-parking-pay-later"]
    );

    // base 550, -30 overdue, +5 volunteering, +2 +2 repaid on time = 529 → poor: no benefit.
    let mut below = Log::default();
    overdue(&mut below, "o1", 90, "2024-03-01");
    volunteer(&mut below, 1);
    repaid(&mut below, 2);
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(529, "poor"));
    assert!(measures(&standing, "egret-").is_empty());
}

#[test]
fn xiamen_overdue_deducts_from_90_days() {
    let policy = shipped();
    let mut log = Log::default();
    overdue(&mut log, "o1", 89, "2024-03-01");
    // 89 days overdue: no deduction (the rule is `days >= 90`) = 550.
    assert_eq!(points_grade(&on(&policy, &log, END), XIAMEN).0, 550);
}

#[test]
fn xiamen_library_unlocks_at_exactly_600() {
    let policy = shipped();
    // base 550, +40 province +10 county commendations (50, under the 60 cap) = 600 → good.
    let mut at = Log::default();
    commendation(&mut at, "k1", "province", "2024-04-01");
    commendation(&mut at, "k2", "county", "2024-05-01");
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(600, "good"));
    assert_eq!(
        measures(&standing, "egret-"),
        [
            "egret-kerbside-parking-pay-later",
            "egret-library-no-deposit"
        ]
    );

    // base 550, +40 province, +5 volunteering, +2 +2 repaid = 599 → fair: kerbside only.
    let mut below = Log::default();
    commendation(&mut below, "k1", "province", "2024-04-01");
    volunteer(&mut below, 1);
    repaid(&mut below, 2);
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(599, "fair"));
    assert_eq!(
        measures(&standing, "egret-"),
        ["egret-kerbside-parking-pay-later"]
    );
}

#[test]
fn xiamen_car_parks_unlock_at_exactly_650() {
    let policy = shipped();
    // base 550, +60 national, +5×6 volunteering (30, the cap), +2×5 repaid = 650 → very-good.
    let mut at = Log::default();
    commendation(&mut at, "k1", "national", "2024-04-01");
    volunteer(&mut at, 6);
    repaid(&mut at, 5);
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(650, "very-good"));
    assert_eq!(
        measures(&standing, "egret-"),
        [
            "egret-kerbside-parking-pay-later",
            "egret-library-no-deposit",
            "egret-car-park-pay-later"
        ]
    );

    // base 550, +60 national, +5×5 volunteering, +2×7 repaid = 649 → good: no car parks.
    let mut below = Log::default();
    commendation(&mut below, "k1", "national", "2024-04-01");
    volunteer(&mut below, 5);
    repaid(&mut below, 7);
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(649, "good"));
    assert_eq!(
        measures(&standing, "egret-"),
        [
            "egret-kerbside-parking-pay-later",
            "egret-library-no-deposit"
        ]
    );
}

#[test]
fn xiamen_excellent_from_750() {
    let policy = shipped();
    // Three national commendations in three calendar years (each +60 for 3y, under each
    // year's cap of 60): on 2024-12-31 all still count.
    let national = |log: &mut Log| {
        commendation(log, "k1", "national", "2022-03-01");
        commendation(log, "k2", "national", "2023-03-01");
        commendation(log, "k3", "national", "2024-03-01");
    };
    // base 550, +60×3, +2×10 repaid (20, the cap) = 750 → excellent.
    let mut at = Log::default();
    national(&mut at);
    repaid(&mut at, 10);
    assert_eq!(
        points_grade(&on(&policy, &at, END), XIAMEN),
        graded(750, "excellent")
    );
    // base 550, +180, +5×3 volunteering, +2×2 repaid = 749 → very-good.
    let mut below = Log::default();
    national(&mut below);
    volunteer(&mut below, 3);
    repaid(&mut below, 2);
    assert_eq!(
        points_grade(&on(&policy, &below, END), XIAMEN),
        graded(749, "very-good")
    );
}

#[test]
fn xiamen_caps_stop_a_years_rewards_and_the_next_year_resumes() {
    let policy = shipped();
    let mut log = Log::default();
    volunteer(&mut log, 7);
    // base 550, +5×6 = 30 (the 2024 cap), the 7th counts 0 = 580.
    let standing = on(&policy, &log, END);
    let egret = scheme(&standing, XIAMEN);
    assert_eq!(egret.points, 580);
    let counted: Vec<i64> = egret.contributions.iter().map(|c| c.counted).collect();
    assert_eq!(counted, [5, 5, 5, 5, 5, 5, 0]);
    // Volunteering on 2025-01-05 counts under the 2025 cap: 580 +5 = 585 on 2025-01-06 (all
    // 2024 records, from 10 January, still count for 1y).
    log.record(
        "volunteer-association",
        "v2025",
        "civic.volunteering",
        "2025-01-05",
        &[("hours", Value::Int(4))],
    );
    assert_eq!(
        points_grade(&on(&policy, &log, "2025-01-06"), XIAMEN).0,
        585
    );

    // Repaid loans: +2 each, at most 20 a year: 11 in 2024 → 570.
    let mut loans = Log::default();
    repaid(&mut loans, 11);
    assert_eq!(points_grade(&on(&policy, &loans, END), XIAMEN).0, 570);
}

#[test]
fn xiamen_an_offence_costs_at_most_150_for_a_limited_time() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "serious", "2024-02-01");
    // base 550, -150 serious penalty (counts 3y) = 400 → poor: no benefit, and no restriction.
    let standing = on(&policy, &log, END);
    assert_eq!(points_grade(&standing, XIAMEN), graded(400, "poor"));
    assert!(measures(&standing, "egret-").is_empty());
    assert!(standing.measures.iter().all(|m| m.effect == Effect::Reward));
    // 3y from 2024-02-01 runs through Monday 2027-02-01 (Civil Code arts. 201-203); on
    // 2027-02-02 it has ended: 550.
    assert_eq!(
        points_grade(&on(&policy, &log, "2027-02-01"), XIAMEN).0,
        400
    );
    assert_eq!(
        points_grade(&on(&policy, &log, "2027-02-02"), XIAMEN).0,
        550
    );

    // General penalty -60 for 1y; serious traffic -20 for 1y.
    let mut minor = Log::default();
    penalty(&mut minor, "p1", "general", "2024-02-01");
    traffic(&mut minor, "t1", "serious", "2024-02-01");
    // 550 -60 -20 = 470 → poor: 1y from 2024-02-01 ends on Saturday 2025-02-01, inside the
    // Spring Festival holiday (28 January to 4 February 2025, `public-holidays.toml`), so the
    // last day is Wednesday 2025-02-05; 550 from 2025-02-06.
    assert_eq!(
        points_grade(&on(&policy, &minor, "2025-02-05"), XIAMEN),
        graded(470, "poor")
    );
    assert_eq!(
        points_grade(&on(&policy, &minor, "2025-02-06"), XIAMEN),
        graded(550, "fair")
    );
}

#[test]
fn xiamen_and_fuzhou_keep_volunteering_for_different_times() {
    let policy = shipped();
    let mut log = Log::default();
    volunteer(&mut log, 1); // 2024-01-10
    // Xiamen +5 for 1y: 555 through Friday 2025-01-10, 550 from 2025-01-11.
    // Fuzhou +10 for 3y: 2027-01-10 is a Sunday, so 510 through Monday 2027-01-11, 500 from
    // 2027-01-12.
    let on_day = |as_of: &str| {
        let standing = on(&policy, &log, as_of);
        (
            points_grade(&standing, XIAMEN).0,
            points_grade(&standing, FUZHOU).0,
        )
    };
    assert_eq!(on_day("2025-01-10"), (555, 510));
    assert_eq!(on_day("2025-01-11"), (550, 510));
    assert_eq!(on_day("2027-01-11"), (550, 510));
    assert_eq!(on_day("2027-01-12"), (550, 500));
}

// --- Fuzhou Jasmine --------------------------------------------------------------------------

#[test]
fn fuzhou_base_500_is_basic_with_no_perk() {
    let policy = shipped();
    let standing = on(&policy, &Log::default(), END);
    let jasmine = scheme(&standing, FUZHOU);
    assert_eq!(jasmine.status, SchemeStatus::Scored);
    // base 500, no records → basic (350-549).
    assert_eq!(
        (jasmine.points, jasmine.grade.as_deref()),
        (500, Some("basic"))
    );
    assert!(measures(&standing, "jasmine-").is_empty());
}

#[test]
fn fuzhou_tier_350() {
    let policy = shipped();
    // base 500, -150 serious penalty = 350 → basic (350-549).
    let mut at = Log::default();
    penalty(&mut at, "p1", "serious", "2024-03-01");
    assert_eq!(
        points_grade(&on(&policy, &at, END), FUZHOU),
        graded(350, "basic")
    );
    // base 500, -150 serious penalty, -20 serious traffic, +5×3 repaid = 345 → low (0-349).
    let mut below = Log::default();
    penalty(&mut below, "p1", "serious", "2024-03-01");
    traffic(&mut below, "t1", "serious", "2024-04-01");
    repaid(&mut below, 3);
    assert_eq!(
        points_grade(&on(&policy, &below, END), FUZHOU),
        graded(345, "low")
    );
}

#[test]
fn fuzhou_tier_550() {
    let policy = shipped();
    // base 500, +10×5 volunteering = 550 → fair (550-649): no perk.
    let mut at = Log::default();
    volunteer(&mut at, 5);
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, FUZHOU), graded(550, "fair"));
    assert!(measures(&standing, "jasmine-").is_empty());
    // base 500, +10×4 volunteering, +5 repaid = 545 → basic.
    let mut below = Log::default();
    volunteer(&mut below, 4);
    repaid(&mut below, 1);
    assert_eq!(
        points_grade(&on(&policy, &below, END), FUZHOU),
        graded(545, "basic")
    );
}

#[test]
fn fuzhou_scenic_perks_from_tier_650() {
    let policy = shipped();
    let history = |repaid_loans: u32| {
        let mut log = Log::default();
        commendation(&mut log, "k1", "national", "2024-04-01");
        overdue(&mut log, "o1", 120, "2024-05-01");
        repaid(&mut log, repaid_loans);
        log
    };
    // base 500, +150 national, -30 overdue, +5×6 repaid (30, the cap) = 650 → good: scenic.
    let standing = on(&policy, &history(6), END);
    assert_eq!(points_grade(&standing, FUZHOU), graded(650, "good"));
    assert_eq!(
        measures(&standing, "jasmine-"),
        ["jasmine-scenic-area-perks"]
    );
    // One repaid loan less: 500 +150 -30 +25 = 645 → fair: no perk.
    let standing = on(&policy, &history(5), END);
    assert_eq!(points_grade(&standing, FUZHOU), graded(645, "fair"));
    assert!(measures(&standing, "jasmine-").is_empty());
}

#[test]
fn fuzhou_deposit_free_lodging_from_tier_750() {
    let policy = shipped();
    // base 500, +150 national (2023-06-01, 3y), +10×6 volunteering (60, the cap), +40 city
    // (2024) = 750 → very-good: lodging and scenic perks.
    let mut at = Log::default();
    commendation(&mut at, "k1", "national", "2023-06-01");
    volunteer(&mut at, 6);
    commendation(&mut at, "k2", "city", "2024-06-01");
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, FUZHOU), graded(750, "very-good"));
    assert_eq!(
        measures(&standing, "jasmine-"),
        ["jasmine-deposit-free-lodging", "jasmine-scenic-area-perks"]
    );
    // base 500, +150 national, +60 volunteering, +20 county, +5×3 repaid = 745 → good.
    let mut below = Log::default();
    commendation(&mut below, "k1", "national", "2023-06-01");
    volunteer(&mut below, 6);
    commendation(&mut below, "k2", "county", "2024-06-01");
    repaid(&mut below, 3);
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, FUZHOU), graded(745, "good"));
    assert_eq!(
        measures(&standing, "jasmine-"),
        ["jasmine-scenic-area-perks"]
    );
}

#[test]
fn fuzhou_tier_850() {
    let policy = shipped();
    let history = |volunteering: u32, repaid_loans: u32| {
        let mut log = Log::default();
        commendation(&mut log, "k1", "national", "2023-06-01");
        commendation(&mut log, "k2", "national", "2024-06-01");
        volunteer(&mut log, volunteering);
        repaid(&mut log, repaid_loans);
        log
    };
    // base 500, +150 (2023) +150 (2024) national, +10×5 volunteering = 850 → excellent.
    let standing = on(&policy, &history(5, 0), END);
    assert_eq!(points_grade(&standing, FUZHOU), graded(850, "excellent"));
    assert_eq!(
        measures(&standing, "jasmine-"),
        ["jasmine-deposit-free-lodging", "jasmine-scenic-area-perks"]
    );
    // base 500, +300, +10×4 volunteering, +5 repaid = 845 → very-good.
    assert_eq!(
        points_grade(&on(&policy, &history(4, 1), END), FUZHOU),
        graded(845, "very-good")
    );
}

#[test]
fn fuzhou_caps_and_floor() {
    let policy = shipped();
    // Volunteering: +10 each, at most 60 a year: 7 in 2024 = 500 +60 = 560.
    let mut log = Log::default();
    volunteer(&mut log, 7);
    assert_eq!(points_grade(&on(&policy, &log, END), FUZHOU).0, 560);
    // Commendations: at most 150 a year: national + province in 2024 = 500 +150 +0 = 650.
    let mut log = Log::default();
    commendation(&mut log, "k1", "national", "2024-03-01");
    commendation(&mut log, "k2", "province", "2024-04-01");
    assert_eq!(points_grade(&on(&policy, &log, END), FUZHOU).0, 650);
    // Floor: 500 -150×4 serious penalties = -100 → 0 → low.
    let mut log = Log::default();
    for i in 1..=4 {
        penalty(
            &mut log,
            &format!("p{i}"),
            "serious",
            &format!("2024-0{i}-01"),
        );
    }
    assert_eq!(
        points_grade(&on(&policy, &log, END), FUZHOU),
        graded(0, "low")
    );
    assert_eq!(
        points_grade(&on(&policy, &log, END), XIAMEN),
        graded(0, "poor"),
        "550 -600 floored at 0"
    );
}

#[test]
fn fuzhou_repair_stops_a_record_counting() {
    let policy = shipped();
    let mut log = Log::default();
    penalty(&mut log, "p1", "serious", "2024-03-01");
    // base 500, -150 serious penalty = 350 → basic.
    assert_eq!(
        points_grade(&on(&policy, &log, "2024-08-31"), FUZHOU),
        graded(350, "basic")
    );
    // A serious penalty may be repaired after its minimum period of one year, which from
    // 2024-03-01 ends on Saturday 2025-03-01, moved to Monday 2025-03-03.
    log.act(
        "market-regulator",
        "p1-repair",
        Action::Repair,
        "p1",
        "2025-03-04",
        &[],
    );
    // Repaired on 2025-03-04: from that day the penalty no longer counts: 500.
    assert_eq!(
        points_grade(&on(&policy, &log, "2025-03-03"), FUZHOU),
        graded(350, "basic")
    );
    assert_eq!(
        points_grade(&on(&policy, &log, "2025-03-04"), FUZHOU),
        graded(500, "basic")
    );
}
