#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The tax-environment pack (`policies/tax-environment.toml`), worked through the engine.
//!
//! Tax credit: 100 points, -5 a late filing (1y), -11 a non-criminal evasion under ¥100,000
//! (1y); A ≥90, B ≥70, C ≥40, D below, for a firm the bureau has reported on (no data: not
//! rated; newly registered: M). Direct D (2y), whatever the points: a tax crime, evasion
//! of ¥100,000 or more, an unpaid assessment, violent refusal, false invoices; each also puts
//! the organisation on the tax D list for 3y (repair after 1y), with restricted invoices and
//! strict export-refund review. M: no revenue and ≥70 points (D wins over M). A: more invoices,
//! fewer inspections, approval green channel.
//!
//! Environmental credit: 100 points, -5 minor (1y), -15 general (1y), -45 serious (2y), -70
//! grave (3y); green ≥90, blue ≥75, yellow below. A serious violation makes the firm red for
//! 1y and lists it for 1y (repair after 3 months); a grave one black and listed for 3y (repair
//! after 1y): the charges (the Jiangsu sewage surcharge and differential electricity prices)
//! follow the colour. Every environmental deduction is a multiple of 5, so its colours are
//! checked at the threshold and 5 below.
//!
//! All records are of 2024 and evaluated on 2024-12-31 unless said.

mod common;

use common::*;
use credence_engine::{
    Because, DirectApplied, EntryEnd, EntryState, Remedy, SchemeStatus, Standing,
};
use credence_model::{Action, Value};
use credence_policy::{Effect, Policy};

const TAX: &str = "tax-credit";
const ENV: &str = "env-credit";
const D_LIST: &str = "tax-d-list";
const ENV_LIST: &str = "env-serious-violators";
const END: &str = "2024-12-31";

const A_REWARDS: [&str; 3] = [
    "tax-a-more-invoices",
    "tax-a-fewer-inspections",
    "tax-a-approval-green-channel",
];
const D_RESTRICTIONS: [&str; 2] = [
    "tax-d-restricted-invoices",
    "tax-d-strict-export-refund-review",
];

fn on(policy: &Policy, log: &Log, as_of: &str) -> Standing {
    standing_on(policy, organisation(), log, as_of)
}

fn graded(points: i64, grade: &str) -> (i64, Option<String>) {
    (points, Some(grade.to_owned()))
}

/// `n` late filings, on the 20th of each month of 2024 from January.
fn late_filings(log: &mut Log, n: u32) {
    for i in 1..=n {
        log.record(
            "tax-bureau",
            &format!("late{i}"),
            "tax.late-filing",
            &format!("2024-{i:02}-20"),
            &[("period", text(&format!("2024-{i:02}")))],
        );
    }
}

/// Evasion of `fen` (hundredths of a yuan).
fn evasion(log: &mut Log, reference: &str, fen: i64, criminal: bool, date: &str) {
    log.record(
        "tax-bureau",
        reference,
        "tax.evasion",
        date,
        &[
            ("amount", Value::Int(fen)),
            ("criminal", Value::Bool(criminal)),
        ],
    );
}

fn no_revenue(log: &mut Log, date: &str) {
    log.record(
        "tax-bureau",
        "nr",
        "tax.no-revenue",
        date,
        &[("year", Value::Int(2024))],
    );
}

fn env_violation(log: &mut Log, reference: &str, severity: &str, date: &str) {
    log.record(
        "environment-bureau",
        reference,
        "env.violation",
        date,
        &[
            ("severity", text(severity)),
            ("decision", text(&format!("苏环罚〔2024〕{reference}号"))),
        ],
    );
}

fn tax_measures(standing: &Standing) -> Vec<&str> {
    measures(standing, "tax-")
}

// --- Tax credit ------------------------------------------------------------------------------

/// A return filed on time: the bureau knows the firm.
fn filed(log: &mut Log) {
    log.record(
        "tax-bureau",
        "filed",
        "tax.filed-on-time",
        "2024-01-15",
        &[("period", text("2023-12"))],
    );
}

#[test]
fn tax_no_data_is_not_rated() {
    // No data is not a good record: a firm the bureau has reported nothing on is not rated.
    let policy = shipped();
    let standing = on(&policy, &Log::default(), END);
    let tax = scheme(&standing, TAX);
    assert_eq!(
        (tax.status, tax.grade.as_deref()),
        (SchemeStatus::NoRecords, None)
    );
    assert!(tax_measures(&standing).is_empty());
}

#[test]
fn tax_base_100_is_a_with_the_a_rewards() {
    let policy = shipped();
    let mut log = Log::default();
    filed(&mut log);
    let standing = on(&policy, &log, END);
    let tax = scheme(&standing, TAX);
    assert_eq!(tax.status, SchemeStatus::Scored);
    // 100 points, no record → A (≥90): more invoices, fewer inspections, green channel.
    assert_eq!((tax.points, tax.grade.as_deref()), (100, Some("A")));
    assert_eq!(tax_measures(&standing), A_REWARDS);
    for id in A_REWARDS {
        let m = standing.measure(id).unwrap();
        assert_eq!((m.effect, m.because), (Effect::Reward, Because::Grade));
    }
    assert!(entries(&standing, D_LIST).is_empty());
}

#[test]
fn tax_persons_are_not_rated() {
    let policy = shipped();
    let standing = standing_on(&policy, person("1970-01-01"), &Log::default(), END);
    assert_eq!(scheme(&standing, TAX).status, SchemeStatus::NotApplicable);
    assert_eq!(scheme(&standing, ENV).status, SchemeStatus::NotApplicable);
    assert!(tax_measures(&standing).is_empty());
}

#[test]
fn tax_a_from_90() {
    let policy = shipped();
    // 100 -5 -5 (two late filings) = 90 → A, with the A rewards.
    let mut at = Log::default();
    late_filings(&mut at, 2);
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, TAX), graded(90, "A"));
    assert_eq!(tax_measures(&standing), A_REWARDS);
    // 100 -11 (non-criminal evasion of ¥50,000) = 89 → B: no reward.
    let mut below = Log::default();
    evasion(&mut below, "e1", 5_000_000, false, "2024-05-01");
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, TAX), graded(89, "B"));
    assert!(tax_measures(&standing).is_empty());
}

#[test]
fn tax_b_from_70() {
    let policy = shipped();
    // 100 -5×6 = 70 → B.
    let mut at = Log::default();
    late_filings(&mut at, 6);
    assert_eq!(points_grade(&on(&policy, &at, END), TAX), graded(70, "B"));
    // 100 -11 -5×4 = 69 → C.
    let mut below = Log::default();
    evasion(&mut below, "e1", 5_000_000, false, "2024-05-01");
    late_filings(&mut below, 4);
    assert_eq!(
        points_grade(&on(&policy, &below, END), TAX),
        graded(69, "C")
    );
}

#[test]
fn tax_c_from_40_and_d_by_points_lists_the_firm_while_the_points_stay_below_40() {
    let policy = shipped();
    // 100 -5×12 = 40 → C, off the list.
    let mut at = Log::default();
    late_filings(&mut at, 12);
    let standing = on(&policy, &at, END);
    assert_eq!(points_grade(&standing, TAX), graded(40, "C"));
    assert!(entries(&standing, D_LIST).is_empty());
    // 100 -11 -5×10 = 39 → D by points, no direct ground: on the D list on its grade, from the
    // filing that crossed below 40 (2024-10-20), with the D-list restrictions.
    let mut below = Log::default();
    evasion(&mut below, "e1", 5_000_000, false, "2024-05-01");
    late_filings(&mut below, 10);
    let standing = on(&policy, &below, END);
    let tax = scheme(&standing, TAX);
    assert_eq!((tax.points, tax.grade.as_deref()), (39, Some("D")));
    assert!(tax.direct.is_none());
    let listed = entries(&standing, D_LIST);
    assert_eq!(listed.len(), 1);
    let entry = listed[0];
    assert_eq!(
        (entry.ground.as_str(), entry.state, entry.record),
        ("rated-d", EntryState::InForce, None)
    );
    let rated = entry.rated.as_ref().unwrap();
    assert_eq!((rated.grade.as_str(), rated.points), ("D", 39));
    // Every deduction counting that day is named: the evasion and the ten late filings.
    assert_eq!(rated.records.len(), 11);
    // The first late filing (2024-01-20) counts a year, through Monday 2025-01-20: from the
    // next day the points are 44, C, and the entry ends by itself.
    assert_eq!(
        (entry.since, entry.until),
        (day("2024-10-20"), day("2025-01-21"))
    );
    assert_eq!(
        entry.remedies,
        [Remedy::EndsOn {
            day: day("2025-01-21")
        }]
    );
    assert_eq!(
        tax_measures(&standing),
        [
            "tax-d-restricted-invoices",
            "tax-d-strict-export-refund-review"
        ]
    );
    // On that day: C, off the list, no restriction.
    let after = on(&policy, &below, "2025-01-21");
    assert_eq!(points_grade(&after, TAX), graded(44, "C"));
    assert!(entries(&after, D_LIST).is_empty());
    assert!(tax_measures(&after).is_empty());
}

#[test]
fn tax_deduction_counts_until_the_day_before_a_year_is_out() {
    let policy = shipped();
    let mut log = Log::default();
    log.record(
        "tax-bureau",
        "late1",
        "tax.late-filing",
        "2024-03-15",
        &[("period", text("2024-02"))],
    );
    // 100 -5 = 95 for 1y: Saturday 2025-03-15 moves to Monday 2025-03-17; 100 from 2025-03-18.
    assert_eq!(points_grade(&on(&policy, &log, "2025-03-17"), TAX).0, 95);
    assert_eq!(points_grade(&on(&policy, &log, "2025-03-18"), TAX).0, 100);
}

/// Checks a direct-D standing: points, grade D from `record`, the D-list entry under `ground`
/// since 2024-04-01 until 2027-04-02 (3y, through 2027-04-01) with repair from 2025-04-02 (after
/// 1y, through 2025-04-01), and the two
/// restrictions instead of the A rewards.
fn assert_direct_d(standing: &Standing, points: i64, record: u32, ground: &str) {
    let tax = scheme(standing, TAX);
    assert_eq!((tax.points, tax.grade.as_deref()), (points, Some("D")));
    let direct: &DirectApplied = tax.direct.as_ref().expect("direct D");
    assert_eq!(
        (direct.grade.as_str(), direct.record, direct.until),
        ("D", record, day("2027-04-02")),
        "direct D holds 3y, as long as the D-list entry"
    );
    let listed = entries(standing, D_LIST);
    assert_eq!(listed.len(), 1);
    let entry = listed[0];
    assert_eq!(
        (
            entry.ground.as_str(),
            entry.state,
            entry.record,
            entry.since,
            entry.until
        ),
        (
            ground,
            EntryState::InForce,
            Some(record),
            day("2024-04-01"),
            day("2027-04-02")
        )
    );
    assert!(entry.remedies.contains(&Remedy::RepairFrom {
        day: day("2025-04-02"),
        record
    }));
    assert!(entry.remedies.contains(&Remedy::EndsOn {
        day: day("2027-04-02")
    }));
    assert_eq!(tax_measures(standing), D_RESTRICTIONS);
    for id in D_RESTRICTIONS {
        let m = standing.measure(id).unwrap();
        assert_eq!(
            (m.effect, m.because, m.until),
            (
                Effect::Restriction,
                Because::ListEntry,
                Some(day("2027-04-02"))
            )
        );
    }
}

#[test]
fn tax_crime_is_direct_d_whatever_the_points() {
    let policy = shipped();
    let mut log = Log::default();
    // A criminal evasion of ¥5,000: no points rule (the -11 is for non-criminal evasion), so
    // 100 points, but D directly and on the D list (ground "evasion").
    evasion(&mut log, "e1", 500_000, true, "2024-04-01");
    assert_direct_d(&on(&policy, &log, END), 100, 0, "evasion");
}

#[test]
fn large_evasion_is_direct_d_from_100000_yuan() {
    let policy = shipped();
    // Non-criminal evasion of exactly ¥100,000: D directly, 100 points, D list "evasion".
    let mut at = Log::default();
    evasion(&mut at, "e1", 10_000_000, false, "2024-04-01");
    assert_direct_d(&on(&policy, &at, END), 100, 0, "evasion");
    // ¥99,999.99: small evasion, 100 -11 = 89 → B, not listed.
    let mut below = Log::default();
    evasion(&mut below, "e1", 9_999_999, false, "2024-04-01");
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, TAX), graded(89, "B"));
    assert!(scheme(&standing, TAX).direct.is_none());
    assert!(entries(&standing, D_LIST).is_empty());
}

#[test]
fn unpaid_assessment_is_direct_d() {
    let policy = shipped();
    let mut log = Log::default();
    late_filings(&mut log, 1); // event 0: -5
    log.record(
        "tax-bureau",
        "u1",
        "tax.unpaid-assessment",
        "2024-04-01",
        &[("amount", yuan(30_000))],
    );
    // 100 -5 = 95, but D directly (event 1), D list "unpaid-assessment".
    assert_direct_d(&on(&policy, &log, END), 95, 1, "unpaid-assessment");
}

#[test]
fn violent_refusal_is_direct_d() {
    let policy = shipped();
    let mut log = Log::default();
    log.record("tax-bureau", "v1", "tax.violent-refusal", "2024-04-01", &[]);
    assert_direct_d(&on(&policy, &log, END), 100, 0, "violent-refusal");
}

#[test]
fn false_invoices_are_direct_d() {
    let policy = shipped();
    let mut log = Log::default();
    log.record(
        "tax-bureau",
        "f1",
        "tax.false-invoices",
        "2024-04-01",
        &[("invoices", Value::Int(3))],
    );
    assert_direct_d(&on(&policy, &log, END), 100, 0, "false-invoices");
}

#[test]
fn direct_d_holds_as_long_as_the_d_list_entry_and_names_its_end_as_a_remedy() {
    let policy = shipped();
    let mut log = Log::default();
    log.record(
        "tax-bureau",
        "u1",
        "tax.unpaid-assessment",
        "2024-04-01",
        &[("amount", yuan(30_000))],
    );
    // The remedy: on 2027-04-02 the direct D ends (3y, through Thursday 2027-04-01); 100 points → A.
    let standing = on(&policy, &log, END);
    assert_eq!(
        scheme(&standing, TAX).remedies,
        [Remedy::RecordExpires {
            record: 0,
            day: day("2027-04-02"),
            points: 100,
            grade: Some("A".into()),
        }]
    );
    // The day before, the firm is D and on the D list, under its restrictions only.
    let standing = on(&policy, &log, "2027-04-01");
    assert_eq!(points_grade(&standing, TAX), graded(100, "D"));
    assert_eq!(entries(&standing, D_LIST)[0].state, EntryState::InForce);
    let mut found = tax_measures(&standing);
    found.sort_unstable();
    let mut expected: Vec<&str> = D_RESTRICTIONS.to_vec();
    expected.sort_unstable();
    assert_eq!(
        found, expected,
        "never A rewards while D-list restrictions bind"
    );
    // 2027-04-02: the entry has expired and the rating is A again.
    let standing = on(&policy, &log, "2027-04-02");
    assert_eq!(points_grade(&standing, TAX), graded(100, "A"));
    assert_eq!(
        entries(&standing, D_LIST)[0].ended_by,
        Some(EntryEnd::Expired)
    );
    assert_eq!(tax_measures(&standing), A_REWARDS);
}

#[test]
fn repair_of_a_direct_d_record_ends_the_d_list_entry() {
    let policy = shipped();
    let mut log = Log::default();
    filed(&mut log);
    log.record(
        "tax-bureau",
        "u1",
        "tax.unpaid-assessment",
        "2024-04-01",
        &[("amount", yuan(30_000))],
    );
    log.act(
        "tax-bureau",
        "u1-repair",
        Action::Repair,
        "u1",
        "2025-05-06",
        &[],
    );
    // Repaired on 2025-05-06 (after the 1y minimum): the entry ends by repair and the record
    // stops counting, so the direct D ends too: 100 → A.
    let standing = on(&policy, &log, "2025-05-06");
    let entry = entries(&standing, D_LIST)[0];
    assert_eq!(
        (entry.state, entry.ended_by, entry.until),
        (EntryState::Ended, Some(EntryEnd::Repair), day("2025-05-06"))
    );
    assert_eq!(points_grade(&standing, TAX), graded(100, "A"));
    assert_eq!(tax_measures(&standing), A_REWARDS);
}

#[test]
fn no_revenue_with_70_points_or_more_is_m() {
    let policy = shipped();
    // No revenue, 100 points → M (reached only directly): no A reward.
    let mut log = Log::default();
    no_revenue(&mut log, "2024-06-30");
    let standing = on(&policy, &log, END);
    let tax = scheme(&standing, TAX);
    assert_eq!((tax.points, tax.grade.as_deref()), (100, Some("M")));
    assert_eq!(tax.direct.as_ref().unwrap().grade, "M");
    assert!(tax_measures(&standing).is_empty());
    assert!(entries(&standing, D_LIST).is_empty());

    // No revenue, 100 -5×6 = 70 → M.
    let mut at = Log::default();
    no_revenue(&mut at, "2024-06-30");
    late_filings(&mut at, 6);
    assert_eq!(points_grade(&on(&policy, &at, END), TAX), graded(70, "M"));
    // No revenue, 100 -11 -5×4 = 69 → C (M needs 70).
    let mut below = Log::default();
    no_revenue(&mut below, "2024-06-30");
    evasion(&mut below, "e1", 5_000_000, false, "2024-05-01");
    late_filings(&mut below, 4);
    let standing = on(&policy, &below, END);
    assert_eq!(points_grade(&standing, TAX), graded(69, "C"));
    assert!(scheme(&standing, TAX).direct.is_none());
}

#[test]
fn d_wins_over_m() {
    let policy = shipped();
    // No revenue with 100 points (M) and a tax crime (D): D, and listed.
    let mut log = Log::default();
    no_revenue(&mut log, "2024-06-30");
    evasion(&mut log, "e1", 500_000, true, "2024-04-01");
    let standing = on(&policy, &log, END);
    assert_eq!(points_grade(&standing, TAX), graded(100, "D"));
    assert_eq!(scheme(&standing, TAX).direct.as_ref().unwrap().record, 1);
    assert_eq!(entries(&standing, D_LIST).len(), 1);
    // The same with the records the other way round.
    let mut log = Log::default();
    evasion(&mut log, "e1", 500_000, true, "2024-04-01");
    no_revenue(&mut log, "2024-06-30");
    assert_eq!(points_grade(&on(&policy, &log, END), TAX), graded(100, "D"));
}

// --- Environmental credit --------------------------------------------------------------------

fn colour(policy: &Policy, severities: &[&str]) -> (i64, Option<String>) {
    let mut log = Log::default();
    for (i, severity) in severities.iter().enumerate() {
        env_violation(
            &mut log,
            &format!("e{i}"),
            severity,
            &format!("2024-0{}-01", i + 1),
        );
    }
    points_grade(&on(policy, &log, END), ENV)
}

#[test]
fn env_colours_at_their_thresholds() {
    let policy = shipped();
    // 100, no record → green.
    assert_eq!(colour(&policy, &[]), graded(100, "green"));
    // 100 -5 -5 = 90 → green (≥90); 100 -15 = 85 → blue.
    assert_eq!(colour(&policy, &["minor", "minor"]), graded(90, "green"));
    assert_eq!(colour(&policy, &["general"]), graded(85, "blue"));
    // 100 -15 -5 -5 = 75 → blue (≥75); 100 -15 -15 = 70 → yellow.
    assert_eq!(
        colour(&policy, &["general", "minor", "minor"]),
        graded(75, "blue")
    );
    assert_eq!(
        colour(&policy, &["general", "general"]),
        graded(70, "yellow")
    );
    // Points alone go no lower than yellow: 100 -15×4 -5×2 = 30 → yellow.
    assert_eq!(
        colour(
            &policy,
            &["general", "general", "general", "general", "minor", "minor"]
        ),
        graded(30, "yellow")
    );
    // A serious violation makes the firm red (100 -45 = 55), whatever the points; more
    // violations do not make it black: 100 -45 -15 -5 = 35 → red.
    assert_eq!(colour(&policy, &["serious"]), graded(55, "red"));
    assert_eq!(
        colour(&policy, &["serious", "general", "minor"]),
        graded(35, "red")
    );
    // A grave one makes it black (100 -70 = 30), and black wins over red.
    assert_eq!(colour(&policy, &["grave"]), graded(30, "black"));
    // 100 -45 -70 = -15, kept at the minimum 0.
    assert_eq!(colour(&policy, &["serious", "grave"]), graded(0, "black"));
}

#[test]
fn env_colour_alone_restricts_nothing() {
    let policy = shipped();
    let mut log = Log::default();
    env_violation(&mut log, "e1", "general", "2024-02-01");
    env_violation(&mut log, "e2", "general", "2024-03-01");
    env_violation(&mut log, "e3", "general", "2024-04-01");
    env_violation(&mut log, "e4", "general", "2024-05-01");
    // 100 -15×4 = 40 → yellow: points alone never make a firm red, so no charge.
    let standing = on(&policy, &log, END);
    assert_eq!(points_grade(&standing, ENV), graded(40, "yellow"));
    assert!(entries(&standing, ENV_LIST).is_empty());
    assert!(measures(&standing, "env-").is_empty());
}

#[test]
fn a_serious_violation_lists_for_one_year_with_the_surcharge() {
    let policy = shipped();
    let mut log = Log::default();
    env_violation(&mut log, "e1", "serious", "2024-03-01");
    // 100 -45 = 55 → red; listed (ground "serious") from 2024-03-01 until 2025-03-04 (1y: Saturday 2025-03-01 moves to Monday 2025-03-03), repair
    // from 2024-06-04 (3 months: Saturday 2024-06-01 moves to Monday 2024-06-03); sewage surcharge and differential electricity price.
    let standing = on(&policy, &log, END);
    assert_eq!(points_grade(&standing, ENV), graded(55, "red"));
    let entry = entries(&standing, ENV_LIST)[0];
    assert_eq!(
        (entry.ground.as_str(), entry.state, entry.since, entry.until),
        (
            "serious",
            EntryState::InForce,
            day("2024-03-01"),
            day("2025-03-04")
        )
    );
    assert!(entry.remedies.contains(&Remedy::RepairFrom {
        day: day("2024-06-04"),
        record: 0
    }));
    assert_eq!(
        measures(&standing, "env-"),
        ["env-sewage-surcharge", "env-differential-electricity-price"]
    );
    let surcharge = standing.measure("env-sewage-surcharge").unwrap();
    assert_eq!(
        (surcharge.effect, surcharge.until),
        (Effect::Restriction, Some(day("2025-03-04")))
    );
    assert_eq!(surcharge.entries.len(), 1);

    // Listed on the last day, 2025-03-03; on 2025-03-04 the entry has expired and the charges
    // stop, and the colour with them; the -45 still counts (2y, through Monday 2026-03-02): 55 → yellow until 2026-03-03.
    assert_eq!(
        entries(&on(&policy, &log, "2025-03-03"), ENV_LIST)[0].state,
        EntryState::InForce
    );
    let standing = on(&policy, &log, "2025-03-04");
    assert_eq!(
        entries(&standing, ENV_LIST)[0].ended_by,
        Some(EntryEnd::Expired)
    );
    assert!(measures(&standing, "env-").is_empty());
    assert_eq!(points_grade(&standing, ENV), graded(55, "yellow"));
    assert_eq!(
        points_grade(&on(&policy, &log, "2026-03-02"), ENV),
        graded(55, "yellow")
    );
    assert_eq!(
        points_grade(&on(&policy, &log, "2026-03-03"), ENV),
        graded(100, "green")
    );
}

#[test]
fn a_grave_violation_lists_for_three_years() {
    let policy = shipped();
    let mut log = Log::default();
    env_violation(&mut log, "e1", "grave", "2024-03-01");
    // 100 -70 = 30 → black; ground "grave" until 2027-03-02 (3y, through Monday 2027-03-01), repair
    // from 2025-03-04 (1y, through Monday 2025-03-03).
    let standing = on(&policy, &log, END);
    assert_eq!(points_grade(&standing, ENV), graded(30, "black"));
    let entry = entries(&standing, ENV_LIST)[0];
    assert_eq!(
        (entry.ground.as_str(), entry.until),
        ("grave", day("2027-03-02"))
    );
    assert!(entry.remedies.contains(&Remedy::RepairFrom {
        day: day("2025-03-04"),
        record: 0
    }));
    assert_eq!(
        measures(&standing, "env-"),
        ["env-sewage-surcharge", "env-differential-electricity-price"]
    );
    // Repair granted on 2025-03-10: the entry ends and the charges stop.
    log.act(
        "environment-bureau",
        "e1-repair",
        Action::Repair,
        "e1",
        "2025-03-10",
        &[],
    );
    let standing = on(&policy, &log, "2025-03-10");
    assert_eq!(
        entries(&standing, ENV_LIST)[0].ended_by,
        Some(EntryEnd::Repair)
    );
    assert!(measures(&standing, "env-").is_empty());
}
