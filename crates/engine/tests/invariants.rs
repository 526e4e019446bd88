//! Properties that hold for every subject of a synthetic city, checked on thousands of
//! histories: the explanation adds up to the figures, the compact path agrees with the
//! explained one, evaluation is deterministic, and what was not yet known does not count.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    reason = "tests read the shipped packs and fail loudly"
)]

mod common;

use common::*;
use credence_engine::{
    CompactLayout, EntryState, Evaluator, History, SchemeStatus, Standing, evaluate,
};
use credence_model::{Day, Event, SubjectFacts};
use credence_policy::Policy;

/// The generated city as the engine sees it (money in fen, as intake stores it).
fn city(policy: &Policy) -> Vec<(SubjectFacts, Vec<Event>)> {
    let config = credence_gen::GenConfig {
        people: 3000,
        orgs: 400,
        years: 4,
        seed: 11,
        end: day("2026-11-01"),
        density: 2.0,
    };
    generated_city(policy, config)
}

fn check_explanation_adds_up(policy: &Policy, standing: &Standing) {
    for scheme in standing
        .schemes
        .iter()
        .filter(|s| s.status == SchemeStatus::Scored)
    {
        let compiled = &policy.schemes[policy.scheme_index(&scheme.scheme).unwrap()];
        let mut total = compiled.base + scheme.contributions.iter().map(|c| c.counted).sum::<i64>();
        if let Some(min) = compiled.min {
            total = total.max(min);
        }
        if let Some(max) = compiled.max {
            total = total.min(max);
        }
        assert_eq!(
            total, scheme.points,
            "`{}`: base and contributions add up to the points",
            scheme.scheme
        );
        for c in &scheme.contributions {
            assert!(
                c.counted.abs() <= c.points.abs() && c.counted.signum() * c.points.signum() >= 0,
                "a cap only reduces: {c:?}"
            );
            assert!(
                c.until > standing.as_of,
                "a contribution counts only before its end: {c:?}"
            );
            assert!(
                standing.records.iter().any(|r| r.index == c.record),
                "every contribution names a described record"
            );
        }
    }
    for card in standing
        .scorecards
        .iter()
        .filter(|s| s.status == SchemeStatus::Scored)
    {
        let compiled = policy
            .scorecards
            .iter()
            .find(|c| c.id == card.scorecard)
            .unwrap();
        let total = (compiled.base + card.characteristics.iter().map(|c| c.points).sum::<i64>())
            .clamp(compiled.range.0, compiled.range.1);
        assert_eq!(
            total, card.score,
            "`{}`: base and characteristics add up to the score",
            card.scorecard
        );
        assert!(card.reasons.len() <= 4);
        assert!(
            card.reasons
                .windows(2)
                .all(|w| w[0].points_lost >= w[1].points_lost),
            "reasons by points lost"
        );
    }
    for measure in &standing.measures {
        let compiled = &policy.measures[policy.measure_index(&measure.measure).unwrap()];
        if compiled.effect == credence_policy::Effect::Restriction {
            assert!(
                !measure.entries.is_empty(),
                "a restriction stands on list entries: {measure:?}"
            );
            for &entry in &measure.entries {
                let entry = &standing.lists[entry];
                assert_eq!(entry.state, EntryState::InForce);
                assert!(
                    !entry.remedies.is_empty(),
                    "an entry in force says how to end it"
                );
                assert!(entry.since <= standing.as_of && standing.as_of < entry.until);
            }
        }
    }
}

#[test]
fn every_standing_of_a_city_is_explained_deterministic_and_agrees_with_the_compact_path() {
    let policy = shipped();
    let layout = CompactLayout::new(&policy);
    let mut evaluator = Evaluator::default();
    let mut row = vec![0; layout.width()];
    let (mut restricted, mut scored) = (0, 0);
    for as_of in ["2024-06-30", "2026-11-01"] {
        let as_of = day(as_of);
        for (facts, events) in city(&policy) {
            let standing = evaluate(&policy, facts, &events, as_of, as_of);
            check_explanation_adds_up(&policy, &standing);
            assert_eq!(
                serde_json::to_vec(&standing).unwrap(),
                serde_json::to_vec(&evaluate(&policy, facts, &events, as_of, as_of)).unwrap()
            );

            let history = History::build(&policy, facts, &events);
            evaluator.compact(
                &policy,
                history.view().unwrap(),
                as_of,
                as_of,
                &layout,
                &mut row,
            );
            for (index, scheme) in standing.schemes.iter().enumerate() {
                let (points, grade) = layout.scheme(&row, index);
                if scheme.status == SchemeStatus::Scored {
                    scored += 1;
                    assert_eq!(points, scheme.points);
                    assert_eq!(
                        grade.map(|g| policy.schemes[index].grades[usize::from(g)].name.clone()),
                        scheme.grade
                    );
                } else {
                    assert_eq!(grade, None);
                }
            }
            for (index, card) in standing.scorecards.iter().enumerate() {
                if card.status == SchemeStatus::Scored {
                    assert_eq!(layout.scorecard(&row, index).0, card.score);
                }
            }
            for (index, list) in policy.lists.iter().enumerate() {
                let explained = standing
                    .entries_in_force()
                    .filter(|e| e.list == list.id)
                    .map(|e| e.until)
                    .max();
                assert_eq!(layout.listed_until(&row, index), explained, "`{}`", list.id);
            }
            restricted += usize::from(
                standing
                    .measures
                    .iter()
                    .any(|m| m.effect == credence_policy::Effect::Restriction),
            );
        }
    }
    assert!(
        restricted > 10 && scored > 1000,
        "the city exercises the rules: {restricted} restricted, {scored} scored"
    );
}

#[test]
fn what_was_not_yet_known_does_not_count() {
    let policy = shipped();
    let as_of = day("2026-11-01");
    for (facts, mut events) in city(&policy).into_iter().take(800) {
        // Every event is learned a year after it happened.
        for event in &mut events {
            event.recorded = event.valid.add_days(365);
        }
        let known_then = Day(as_of.0 - 365);
        let later = evaluate(&policy, facts, &events, known_then, known_then);
        let early: Vec<Event> = events
            .iter()
            .filter(|e| e.recorded <= known_then)
            .cloned()
            .collect();
        let only_known = evaluate(&policy, facts, &early, known_then, known_then);
        // Record indexes differ between the two histories; compare the figures.
        let figures = |s: &Standing| {
            (
                s.schemes
                    .iter()
                    .map(|x| (x.points, x.grade.clone()))
                    .collect::<Vec<_>>(),
                s.measures
                    .iter()
                    .map(|m| m.measure.clone())
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(figures(&later), figures(&only_known));
    }
}

#[test]
fn population_evaluation_with_its_end_day_table_agrees_with_subject_by_subject_arithmetic() {
    let policy = shipped();
    let as_of = day("2026-11-01");
    let mut population = credence_engine::Population::new();
    let city = city(&policy);
    for (facts, events) in &city {
        population.push(&policy, *facts, events);
    }
    let result = credence_engine::evaluate_population(&policy, &population, as_of, as_of, &|_| {});
    let layout = CompactLayout::new(&policy);
    let mut evaluator = Evaluator::default();
    let mut row = vec![0; layout.width()];
    for (index, (facts, events)) in city.iter().enumerate() {
        let history = History::build(&policy, *facts, events);
        evaluator.compact(
            &policy,
            history.view().unwrap(),
            as_of,
            as_of,
            &layout,
            &mut row,
        );
        assert_eq!(result.row(index), row.as_slice(), "subject {index}");
    }
    // And a table covering only part of the dates gives the same rows.
    let table = std::sync::Arc::new(credence_engine::EndDays::new(
        &policy,
        day("2025-01-01"),
        day("2025-06-30"),
    ));
    let mut partial = Evaluator::with_end_days(table);
    for (index, (facts, events)) in city.iter().enumerate() {
        let history = History::build(&policy, *facts, events);
        partial.compact(
            &policy,
            history.view().unwrap(),
            as_of,
            as_of,
            &layout,
            &mut row,
        );
        assert_eq!(result.row(index), row.as_slice(), "subject {index}");
    }
}

#[test]
fn the_end_day_table_agrees_with_duration_arithmetic_on_every_day() {
    // Every duration of every shipped category, from every day of 2023-2030, with and without
    // public holidays: the table the population evaluation reads and `Duration::after` give
    // the same first day a period no longer runs, and that day is the one after the period's
    // last day, which is a working day.
    let mut policy = shipped();
    let calendars = [
        credence_model::Calendar::default(),
        credence_model::Calendar::new(
            [
                "2024-01-01",
                "2024-05-01",
                "2024-10-01",
                "2024-10-02",
                "2024-10-03",
                "2025-01-01",
                "2025-05-01",
                "2025-05-02",
                "2025-10-01",
                "2025-10-02",
                "2025-10-03",
                "2026-01-01",
                "2026-02-16",
                "2026-02-17",
                "2026-02-18",
                "2026-10-01",
                "2026-10-02",
                "2027-01-01",
            ]
            .iter()
            .map(|d| day(d))
            .collect(),
        ),
    ];
    let (first, last) = (day("2023-01-01"), day("2030-12-31"));
    let mut checked = 0u64;
    for calendar in calendars {
        policy.calendar = calendar;
        let table = credence_engine::EndDays::new(&policy, first, last);
        for (index, category) in policy.categories.iter().enumerate() {
            let id = credence_policy::CategoryId(index as u16);
            for offset in 0..=(last.0 - first.0) {
                let record = Day(first.0 + offset);
                let (ends, _) = table.row(record.0, id).expect("in the table");
                assert_eq!(ends.len(), category.durations.len());
                for (duration, end) in category.durations.iter().zip(ends) {
                    let after = duration.after(record, &policy.calendar);
                    assert_eq!(Day(*end), after, "{} {duration} from {record}", category.id);
                    let last_day = duration.last_day(record, &policy.calendar);
                    assert_eq!(last_day.add_days(1), after);
                    if last_day > record {
                        assert!(policy.calendar.is_working_day(last_day), "{last_day}");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}
