#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

//! The packs say what the law says: bars per ground (SPC 2017 arts. 3-4), the rewards a list
//! suspends (joint punishment), the minimum age of opt-in scoring, no rating without data, and
//! the environmental charges following the colour.

mod common;

use common::*;
use credence_engine::{EntryState, SchemeStatus};
use credence_model::{SubjectFacts, SubjectKind, Value};

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
        ],
    );
}

fn status_record(log: &mut Log, reference: &str, category: &str, case: &str, date: &str) {
    log.record("court", reference, category, date, &[("case", text(case))]);
}

#[test]
fn the_guarantee_and_seized_assets_bars_apply_to_ground_one_only() {
    // SPC 2017 art. 3 bars listing under art. 1(1) only: a debtor who evades enforcement
    // (ground 3) is listed even when a guarantee was given in the case.
    let policy = shipped();
    for (category, extra) in [
        ("court.guarantee", None),
        (
            "court.assets-seized",
            Some(("sufficient", Value::Bool(true))),
        ),
    ] {
        let mut log = Log::default();
        conduct(&mut log, "c1", "A-1", "evades", "2024-03-01");
        let mut attributes = vec![("case", text("A-1"))];
        attributes.extend(extra.clone());
        log.record("court", "b1", category, "2024-03-05", &attributes);
        let standing = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
        let entry = &entries(&standing, "dishonest-debtors")[0];
        assert_eq!(entry.state, EntryState::InForce, "{category} bars ground 3");
        assert!(standing.measure("no-flights").is_some());

        // The same bar keeps a ground-1 debtor off the list.
        let mut log = Log::default();
        conduct(&mut log, "c1", "A-1", "refuses", "2024-03-01");
        log.record("court", "b1", category, "2024-03-05", &attributes);
        let standing = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
        assert_eq!(
            entries(&standing, "dishonest-debtors")[0].state,
            EntryState::Barred
        );
    }
}

#[test]
fn a_debtor_later_in_order_or_otherwise_unable_is_not_listed_on_ground_one() {
    let policy = shipped();
    for (category, bar) in [
        ("court.later-in-order", "later-in-order"),
        ("court.unable-to-perform", "unable-to-perform"),
    ] {
        let mut log = Log::default();
        conduct(&mut log, "c1", "A-1", "refuses", "2024-03-01");
        status_record(&mut log, "s1", category, "A-1", "2024-03-02");
        let standing = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
        let entry = &entries(&standing, "dishonest-debtors")[0];
        assert_eq!(
            (entry.state, entry.bar.as_deref()),
            (EntryState::Barred, Some(bar))
        );
        assert!(standing.measure("no-flights").is_none());
        // Not on ground 2 (obstruction by violence).
        let mut log = Log::default();
        conduct(&mut log, "c1", "A-1", "obstructs", "2024-03-01");
        status_record(&mut log, "s1", category, "A-1", "2024-03-02");
        let standing = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
        assert_eq!(
            entries(&standing, "dishonest-debtors")[0].state,
            EntryState::InForce
        );
    }
}

#[test]
fn railways_and_shipping_lines_apply_the_travel_restriction_and_citations_follow_the_text() {
    let policy = shipped();
    let measure = |id: &str| &policy.measures[policy.measure_index(id).unwrap()];
    let parties = &measure("no-flights").relying_parties;
    for party in ["airline", "railway", "shipping-line"] {
        assert!(parties.iter().any(|p| p == party), "{party}");
    }
    for (id, item) in [
        ("no-flights", "(1)"),
        ("no-star-hotels", "(2)"),
        ("no-real-estate", "(3)"),
        ("no-office-rental", "(4)"),
        ("no-non-essential-cars", "(5)"),
        ("no-tourism", "(6)"),
        ("no-private-school-fees", "(7)"),
        ("no-high-premium-insurance", "(8)"),
        ("no-g-trains", "(9)"),
    ] {
        assert!(
            measure(id).basis.ends_with(&format!("Art. 3(1){item}")),
            "{id}: {}",
            measure(id).basis
        );
    }
    let list = &policy.lists[policy.list_index("dishonest-debtors").unwrap()];
    assert!(
        list.extension
            .as_ref()
            .unwrap()
            .basis
            .starts_with("Art. 2 para. 1")
    );
    let minor = list.bars.iter().find(|b| b.id == "minor").unwrap();
    assert!(minor.basis.starts_with("Art. 4"));
    assert!(minor.grounds.is_none(), "minors are never listed");
}

#[test]
fn a_barred_listing_costs_no_points() {
    // A minor is never listed (art. 4); the same finding may not cost the minor points either.
    let policy = shipped();
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "evades", "2024-03-01");
    let minor = standing_on(&policy, person("2010-01-01"), &log, "2024-06-01");
    assert_eq!(
        entries(&minor, "dishonest-debtors")[0].state,
        EntryState::Barred
    );
    assert_eq!(points_grade(&minor, "xiamen-egret").0, 550);
    assert_eq!(points_grade(&minor, "fuzhou-jasmine").0, 500);
    // An adult loses them (Xiamen: 150 per offence).
    let adult = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
    assert_eq!(points_grade(&adult, "xiamen-egret").0, 400);
    // So does a debtor barred by a guarantee on ground 1.
    let mut log = Log::default();
    conduct(&mut log, "c1", "A-1", "refuses", "2024-03-01");
    status_record(&mut log, "g1", "court.guarantee", "A-1", "2024-03-02");
    let guaranteed = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
    assert_eq!(points_grade(&guaranteed, "xiamen-egret").0, 550);
}

#[test]
fn a_listed_debtor_gets_no_reward_while_barred_from_tourism() {
    let policy = shipped();
    let mut log = Log::default();
    // Volunteering and repayments lift the Egret score over 650 (parking, pay later)...
    for (i, month) in ["01", "02", "03", "04", "05"].iter().enumerate() {
        log.record(
            "volunteer-association",
            &format!("v{i}"),
            "civic.volunteering",
            &format!("2024-{month}-10"),
            &[("hours", Value::Int(8))],
        );
    }
    let before = standing_on(&policy, person("1980-01-01"), &log, "2024-06-01");
    let rewards: Vec<&str> = before
        .measures
        .iter()
        .filter(|m| m.effect == credence_policy::Effect::Reward)
        .map(|m| m.measure.as_str())
        .collect();
    assert!(!rewards.is_empty(), "rewards before listing");
    // ...then a court lists the person: tourism is barred, and every reward goes.
    conduct(&mut log, "c1", "A-1", "evades", "2024-06-02");
    let listed = standing_on(&policy, person("1980-01-01"), &log, "2024-07-01");
    assert!(listed.measure("no-tourism").is_some());
    for reward in &rewards {
        assert!(listed.measure(reward).is_none(), "{reward} suspended");
    }
}

#[test]
fn a_child_who_consented_is_not_scored() {
    let policy = shipped();
    let mut log = Log::default();
    log.consent("civic-office", "k1", "civic-points", "2024-01-01");
    log.record(
        "civic-office",
        "m1",
        "civic.commendation",
        "2024-02-01",
        &[("level", text("national"))],
    );
    let child = standing_on(&policy, person("2012-03-01"), &log, "2024-06-01");
    let civic = scheme(&child, "civic-points");
    assert_eq!(civic.status, SchemeStatus::BelowMinimumAge);
    assert_eq!(civic.grade, None);
    assert!(child.measure("civic-heating-discount").is_none());
    // From 18 the same consent counts.
    let adult = standing_on(&policy, person("2006-03-01"), &log, "2024-06-01");
    assert_eq!(scheme(&adult, "civic-points").status, SchemeStatus::Scored);
    // A person whose age is not known is not scored by an opt-in scheme.
    let unknown = SubjectFacts {
        kind: SubjectKind::Person,
        birth: None,
    };
    let standing = standing_on(&policy, unknown, &log, "2024-06-01");
    assert_eq!(
        scheme(&standing, "civic-points").status,
        SchemeStatus::BelowMinimumAge
    );
    // The Sesame-style scorecard too.
    let mut log = Log::default();
    log.consent("lender", "k1", "sesame", "2024-01-01");
    let child = standing_on(&policy, person("2012-03-01"), &log, "2024-06-01");
    assert_eq!(
        scorecard(&child, "sesame").status,
        SchemeStatus::BelowMinimumAge
    );
    assert!(child.measure("sesame-bike-no-deposit").is_none());
}

#[test]
fn a_firm_the_tax_bureau_knows_nothing_about_is_not_rated_and_a_new_one_is_m() {
    let policy = shipped();
    let unknown = standing_on(&policy, organisation(), &Log::default(), "2024-06-01");
    let tax = scheme(&unknown, "tax-credit");
    assert_eq!(
        (tax.status, tax.grade.as_deref()),
        (SchemeStatus::NoRecords, None)
    );
    assert!(unknown.measure("tax-a-more-invoices").is_none());

    let mut log = Log::default();
    log.record("tax-bureau", "n1", "tax.new-taxpayer", "2024-02-01", &[]);
    let new = standing_on(&policy, organisation(), &log, "2024-06-01");
    assert_eq!(points_grade(&new, "tax-credit").1.as_deref(), Some("M"));
    assert!(new.measure("tax-a-more-invoices").is_none());

    let mut log = Log::default();
    log.record(
        "tax-bureau",
        "f1",
        "tax.filed-on-time",
        "2024-02-01",
        &[("period", text("2024-01"))],
    );
    let known = standing_on(&policy, organisation(), &log, "2024-06-01");
    assert_eq!(points_grade(&known, "tax-credit"), (100, Some("A".into())));
}

#[test]
fn the_environmental_charges_follow_the_colour() {
    let policy = shipped();
    for (severity, colour, until) in [
        // 1y from 2024-03-01: Saturday 2025-03-01 moves to Monday 2025-03-03; 3y runs through
        // Monday 2027-03-01 (Civil Code arts. 201-203). The day given is the first day after.
        ("serious", "red", "2025-03-04"),
        ("grave", "black", "2027-03-02"),
    ] {
        let mut log = Log::default();
        log.record(
            "environment-bureau",
            "e1",
            "env.violation",
            "2024-03-01",
            &[("severity", text(severity)), ("decision", text("D-1"))],
        );
        let standing = standing_on(&policy, organisation(), &log, "2024-06-01");
        assert_eq!(
            points_grade(&standing, "env-credit").1.as_deref(),
            Some(colour)
        );
        let surcharge = standing.measure("env-sewage-surcharge").expect("charged");
        assert_eq!(surcharge.until, Some(day(until)));
        let direct = scheme(&standing, "env-credit").direct.clone().unwrap();
        assert_eq!(direct.until, day(until), "colour and charge end together");
    }
    // Many general violations lower the points, never to red: no charge without the colour.
    let mut log = Log::default();
    for i in 0..7 {
        log.record(
            "environment-bureau",
            &format!("e{i}"),
            "env.violation",
            &format!("2024-0{}-01", i + 1),
            &[("severity", text("general")), ("decision", text("D"))],
        );
    }
    let standing = standing_on(&policy, organisation(), &log, "2024-08-01");
    assert_eq!(
        points_grade(&standing, "env-credit").1.as_deref(),
        Some("yellow")
    );
    assert!(standing.measure("env-sewage-surcharge").is_none());
}
