//! The packed population layout gives every subject the standing the current evaluator gives,
//! and the standing the explanation (what a subject's report shows) gives, for every shipped
//! pack, on generated populations with every kind of action, far targets, days outside the
//! 16-bit range and values outside 32 bits; and a layout packed for a policy that reads less
//! is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

mod common;

use std::path::Path;

use common::*;
use credence_engine::{
    CompactLayout, Evaluator, History, LayoutMismatch, PackedPopulation, Population, SchemeStatus,
    Standing, evaluate, evaluate_packed, evaluate_population,
};
use credence_gen::SplitMix64;
use credence_model::{Action, Day, Event, SubjectFacts, Value};
use credence_policy::{Policy, PolicySource, compile};

/// A generated city (money in fen, as intake stores it), with disputes, answers, suppressions,
/// repairs and extensions added on its records, and some amounts beyond 32 bits.
fn city(policy: &Policy, people: usize, seed: u64) -> Vec<(SubjectFacts, Vec<Event>)> {
    let config = credence_gen::GenConfig {
        people,
        orgs: people / 8,
        years: 4,
        seed,
        end: day("2026-11-01"),
        density: 2.0,
    };
    let mut rng = SplitMix64::new(seed);
    generated_city(policy, config)
        .into_iter()
        .map(|(facts, mut events)| {
            add_actions(&mut events, &mut rng);
            (facts, events)
        })
        .collect()
}

/// Adds actions on some records (each judged by the state machine, admitted or not) and
/// inflates some amounts beyond 32 bits.
fn add_actions(events: &mut Vec<Event>, rng: &mut SplitMix64) {
    let records: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].action == Action::Record)
        .collect();
    for &index in &records {
        if rng.below(6) == 0 {
            for value in events[index].attributes.values_mut() {
                if let Value::Int(n) = value
                    && *n > 1000
                {
                    *n *= 3_000_000;
                }
            }
        }
        let roll = rng.below(12);
        if roll >= 6 {
            continue;
        }
        let record = events[index].clone();
        let mut at = record.valid.0 + 1 + rng.below(400) as i32;
        let mut act = |action: Action, attributes: &[(&str, Value)], at: i32| {
            let seq = events.len() as u64;
            events.push(Event {
                seq,
                source: record.source.clone(),
                reference: format!("{}-{seq}", record.reference),
                action,
                category: record.category.clone(),
                target: Some(record.reference.clone()),
                valid: Day(at),
                recorded: Day(at),
                attributes: attributes
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
            });
        };
        match roll {
            0 => {
                act(Action::Dispute, &[], at);
                at += rng.below(40) as i32;
                let upheld = i64::from(rng.below(2) == 0);
                act(Action::Resolve, &[("upheld", Value::Int(upheld))], at);
            }
            1 => act(Action::Dispute, &[], at),
            2 => act(Action::Suppress, &[], at),
            3 => act(Action::Repair, &[], at),
            4 => act(
                Action::Extend,
                &[("months", Value::Int(1 + rng.below(30) as i64))],
                at,
            ),
            _ => act(Action::Fulfil, &[], at),
        }
    }
    // Events arrive in the order they happened (history order is what the registry learned).
    events.sort_by_key(|e| (e.recorded, e.seq));
}

fn pack(path: &Path) -> PolicySource {
    PolicySource {
        name: path.display().to_string(),
        text: std::fs::read_to_string(path).unwrap(),
    }
}

/// Every shipped pack alone (with the packs it builds on, when it does not compile alone).
fn single_packs() -> Vec<Policy> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .collect();
    paths.sort();
    let policies: Vec<Policy> = paths
        .iter()
        .filter_map(|p| compile(&[pack(p)]).ok())
        .collect();
    assert!(policies.len() >= 5, "most packs compile alone");
    policies
}

/// The rows the current evaluator gives, subject by subject.
fn current_rows(
    policy: &Policy,
    city: &[(SubjectFacts, Vec<Event>)],
    as_of: Day,
    known_at: Day,
) -> Vec<i32> {
    let layout = CompactLayout::new(policy);
    let mut evaluator = Evaluator::default();
    let mut rows = vec![0; city.len() * layout.width()];
    for (index, (facts, events)) in city.iter().enumerate() {
        let history = History::build(policy, *facts, events);
        evaluator.compact(
            policy,
            history.view().unwrap(),
            as_of,
            known_at,
            &layout,
            &mut rows[index * layout.width()..(index + 1) * layout.width()],
        );
    }
    rows
}

fn packed(policy: &Policy, city: &[(SubjectFacts, Vec<Event>)], epoch: Day) -> PackedPopulation {
    let mut packed = PackedPopulation::new(policy, epoch);
    for (facts, events) in city {
        packed.push(policy, *facts, events);
    }
    packed
}

#[test]
fn packed_standings_are_the_current_evaluators_for_every_pack_and_subject() {
    let shipped = shipped();
    let mut policies = vec![shipped];
    policies.extend(single_packs());
    let city = city(&policies[0], 1500, 5);
    let mut dropped = 0;
    for policy in &policies {
        // An epoch inside the history: the older days take the wide form.
        for epoch in [day("2000-01-01"), day("2024-03-01")] {
            let layout = packed(policy, &city, epoch);
            dropped += layout.input_event_count() - layout.event_count();
            for (as_of, known_at) in [
                ("2026-11-01", "2026-11-01"),
                ("2025-02-28", "2026-11-01"),
                ("2025-02-28", "2025-02-28"),
            ] {
                let (as_of, known_at) = (day(as_of), day(known_at));
                let expected = current_rows(policy, &city, as_of, known_at);
                let result = evaluate_packed(policy, &layout, as_of, known_at, &|_| {}).unwrap();
                let width = result.layout.width();
                for (index, (row, want)) in result
                    .rows
                    .chunks(width.max(1))
                    .zip(expected.chunks(width.max(1)))
                    .enumerate()
                {
                    assert_eq!(
                        row,
                        want,
                        "subject {index}, packs {:?}, as of {as_of} known at {known_at}",
                        policy.packs.iter().map(|p| &p.id).collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    assert!(dropped > 0, "some events no rule reads were left out");
}

/// The compact row the explanation implies: each scheme's points and grade and each
/// scorecard's score and band when it scores the subject, and per list the last end day of the
/// entries in force.
fn explained_row(policy: &Policy, standing: &Standing) -> Vec<(i64, Option<String>)> {
    let mut row = Vec::new();
    for scheme in &standing.schemes {
        row.push(if scheme.status == SchemeStatus::Scored {
            (scheme.points, scheme.grade.clone())
        } else {
            (0, None)
        });
    }
    for card in &standing.scorecards {
        row.push(if card.status == SchemeStatus::Scored {
            (card.score, card.band.clone())
        } else {
            (0, None)
        });
    }
    for list in &policy.lists {
        let until = standing
            .entries_in_force()
            .filter(|e| e.list == list.id)
            .map(|e| e.until)
            .max();
        row.push((i64::from(until.map_or(0, |d| d.0)), None));
    }
    row
}

/// The same figures read from a compact row, grades and bands by name.
fn packed_row(policy: &Policy, layout: &CompactLayout, row: &[i32]) -> Vec<(i64, Option<String>)> {
    let mut out = Vec::new();
    for (index, scheme) in policy.schemes.iter().enumerate() {
        let (points, grade) = layout.scheme(row, index);
        out.push((
            points,
            grade.map(|g| scheme.grades[usize::from(g)].name.clone()),
        ));
    }
    for (index, card) in policy.scorecards.iter().enumerate() {
        let (score, band) = layout.scorecard(row, index);
        out.push((score, band.map(|b| card.bands[usize::from(b)].name.clone())));
    }
    for index in 0..policy.lists.len() {
        let until = layout.listed_until(row, index);
        out.push((i64::from(until.map_or(0, |d| d.0)), None));
    }
    out
}

#[test]
fn packed_standings_are_the_explanations_for_every_pack_and_subject() {
    let shipped = shipped();
    let mut policies = vec![shipped];
    policies.extend(single_packs());
    let city = city(&policies[0], 700, 11);
    let (mut listed, mut scored) = (0, 0);
    for policy in &policies {
        let layout = packed(policy, &city, day("2024-03-01"));
        for (as_of, known_at) in [
            ("2026-11-01", "2026-11-01"),
            ("2025-02-28", "2026-11-01"),
            ("2025-02-28", "2025-02-28"),
        ] {
            let (as_of, known_at) = (day(as_of), day(known_at));
            let result = evaluate_packed(policy, &layout, as_of, known_at, &|_| {}).unwrap();
            for (index, (facts, events)) in city.iter().enumerate() {
                let standing = evaluate(policy, *facts, events, as_of, known_at);
                let want = explained_row(policy, &standing);
                let got = packed_row(policy, &result.layout, result.row(index));
                assert_eq!(
                    got,
                    want,
                    "subject {index}, packs {:?}, as of {as_of} known at {known_at}",
                    policy.packs.iter().map(|p| &p.id).collect::<Vec<_>>()
                );
                listed += usize::from(standing.entries_in_force().next().is_some());
                scored += standing
                    .schemes
                    .iter()
                    .filter(|s| s.status == SchemeStatus::Scored)
                    .count();
            }
        }
    }
    assert!(
        listed > 50 && scored > 1000,
        "the city exercises lists and schemes: {listed} listed, {scored} scored"
    );
}

#[test]
fn a_packed_population_agrees_with_the_compact_population() {
    let policy = shipped();
    let city = city(&policy, 800, 9);
    let mut population = Population::new();
    for (facts, events) in &city {
        population.push(&policy, *facts, events);
    }
    let layout = PackedPopulation::from_population(&policy, &population);
    assert_eq!(layout.len(), city.len());
    let as_of = day("2026-11-01");
    let old = evaluate_population(&policy, &population, as_of, as_of, &|_| {});
    let new = evaluate_packed(&policy, &layout, as_of, as_of, &|_| {}).unwrap();
    assert_eq!(old.rows, new.rows);
    // The layout is smaller than the compact events it was packed from.
    assert!(
        layout.resident_bytes() < population.event_count() * 16,
        "{} bytes for {} events",
        layout.resident_bytes(),
        population.event_count()
    );
}

#[test]
fn far_targets_wide_days_and_wide_values_decode_to_the_compact_history() {
    let policy = shipped();
    let mut log = Log::default();
    // A court record with an amount beyond 32 bits, then 300 other records, then actions on
    // the first: its target is more than 255 events back.
    log.record(
        "court",
        "c1",
        "court.dishonest-conduct",
        "2024-01-10",
        &[
            ("ground", text("refuses")),
            ("amount", Value::Int(90_000_000_000)),
        ],
    );
    for i in 0..300 {
        log.record(
            "traffic",
            &format!("t{i}"),
            "traffic.violation",
            "2024-02-01",
            &[("severity", text("serious"))],
        );
    }
    log.act(
        "court",
        "c1x",
        Action::Extend,
        "c1",
        "2024-03-01",
        &[("months", Value::Int(6))],
    );
    log.act("court", "c1d", Action::Dispute, "c1", "2024-04-01", &[]);
    // A record far outside the epoch's 16-bit range, both before and after it.
    log.record(
        "traffic",
        "old",
        "traffic.violation",
        "1901-05-01",
        &[("severity", text("serious"))],
    );
    log.record(
        "traffic",
        "late",
        "traffic.violation",
        "2026-05-01",
        &[("severity", text("serious"))],
    )
    .learned("2199-12-01");
    let facts = person("1980-01-01");
    let mut layout = PackedPopulation::new(&policy, day("2020-01-01"));
    layout.push(&policy, facts, &log.events);
    let history = History::build(&policy, facts, &log.events);
    let (mut events, mut attributes) = (Vec::new(), Vec::new());
    assert_eq!(layout.decode(0, &mut events, &mut attributes), facts);
    assert_eq!(events.len(), history.events.len());
    let reads = layout.reads();
    for (got, want) in events.iter().zip(&history.events) {
        assert_eq!(
            (got.valid, got.recorded, got.key, got.action, got.target),
            (
                want.valid,
                want.recorded,
                want.key,
                want.action,
                want.target
            )
        );
        let slots: &[u16] = match want.action {
            Action::Record | Action::Correct => &reads.slots[usize::from(want.key)],
            Action::Extend | Action::Resolve => &[0],
            _ => &[],
        };
        for &slot in slots {
            let at = usize::from(slot);
            assert_eq!(
                attributes[got.attributes as usize + at],
                history.attributes[want.attributes as usize + at]
            );
        }
    }
    assert!(history.attributes.contains(&90_000_000_000));
    assert!(
        history.events[301].target == 0 && history.events[302].target == 0,
        "the actions name the first record"
    );
    for as_of in ["2024-03-15", "2024-06-01", "2026-11-01"] {
        let as_of = day(as_of);
        let result = evaluate_packed(&policy, &layout, as_of, as_of, &|_| {}).unwrap();
        assert_eq!(
            result.rows,
            current_rows(&policy, &[(facts, log.events.clone())], as_of, as_of),
            "as of {as_of}"
        );
    }
}

#[test]
fn a_layout_packed_for_a_policy_that_reads_less_is_refused() {
    let shipped = shipped();
    let city = city(&shipped, 50, 3);
    // A policy of one pack reads fewer categories than the shipped set.
    let narrow = single_packs().remove(0);
    let layout = packed(&narrow, &city, day("2020-01-01"));
    let error = evaluate_packed(
        &shipped,
        &layout,
        day("2026-11-01"),
        day("2026-11-01"),
        &|_| {},
    )
    .unwrap_err();
    assert_eq!(error, LayoutMismatch);
    assert!(error.to_string().contains("pack it again"));
    // Packed for the shipped set, it evaluates.
    let layout = packed(&shipped, &city, day("2020-01-01"));
    assert!(
        evaluate_packed(
            &shipped,
            &layout,
            day("2026-11-01"),
            day("2026-11-01"),
            &|_| {}
        )
        .is_ok()
    );
    assert!(layout.reads().covers(&credence_engine::Reads::of(&shipped)));
    assert!(!layout.reads().covers(&credence_engine::Reads::of(&narrow)));
}
