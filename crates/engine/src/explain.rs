//! Turns the engine's working state into a [`Standing`] with its explanation and remedies.
//!
//! Nothing here computes a figure a second way: points, grades, scores and entries come from
//! the scratch state that [`crate::evaluate::run`] filled; remedies are found by running the same
//! evaluation again on the days when something changes (a record expiring).

use credence_model::{Action, Day, Event};
use credence_policy::{Policy, Trigger};

use crate::evaluate::{self, Scratch, card_score, measured, scheme_grade};
use crate::history::HistoryRef;
use crate::standing::*;

/// Remedies look this many expiries ahead for a change of grade.
const EXPIRIES_EXAMINED_MAX: usize = 8;

pub(crate) fn standing(
    policy: &Policy,
    history: HistoryRef<'_>,
    events: &[Event],
    as_of: Day,
    known_at: Day,
    scratch: &Scratch,
) -> Standing {
    let mut referenced: Vec<u32> = Vec::new();
    let record_index = |record: u32| scratch.records[record as usize].event;
    let origin = |record: u32| history.events[record_index(record) as usize].origin;
    let schemes = policy
        .schemes
        .iter()
        .enumerate()
        .map(|(index, scheme)| {
            let status = status(crate::evaluate::off_reason(index, scratch));
            let contributions: Vec<Contribution> = scratch
                .contributions
                .iter()
                .filter(|c| usize::from(c.scheme) == index)
                .map(|c| {
                    referenced.push(origin(c.record));
                    Contribution {
                        rule: scheme.rules[usize::from(c.rule)].id.clone(),
                        record: origin(c.record),
                        points: c.points,
                        counted: c.counted,
                        until: Day(c.until),
                    }
                })
                .collect();
            let direct = scratch.scheme_direct[index]
                .filter(|_| status == SchemeStatus::Scored)
                .map(|applied| {
                    referenced.push(origin(applied.record));
                    DirectApplied {
                        grade: scheme.grades[usize::from(applied.grade)].name.clone(),
                        record: origin(applied.record),
                        basis: scheme.direct[usize::from(applied.direct)].basis.clone(),
                        until: Day(applied.until),
                    }
                });
            let grade = scheme_grade(policy, index, scratch)
                .map(|g| scheme.grades[usize::from(g)].name.clone());
            let remedies = if status == SchemeStatus::Scored {
                scheme_remedies(policy, history, index, known_at, scratch)
            } else {
                Vec::new()
            };
            SchemeStanding {
                scheme: scheme.id.clone(),
                status,
                points: if status == SchemeStatus::Scored {
                    scratch.scheme_points[index]
                } else {
                    0
                },
                grade,
                direct,
                contributions,
                remedies,
            }
        })
        .collect();
    let scorecards = policy
        .scorecards
        .iter()
        .enumerate()
        .map(|(index, card)| {
            let status = status(crate::evaluate::off_reason(
                policy.schemes.len() + index,
                scratch,
            ));
            if status != SchemeStatus::Scored {
                return ScorecardStanding {
                    scorecard: card.id.clone(),
                    status,
                    score: 0,
                    band: None,
                    characteristics: Vec::new(),
                    reasons: Vec::new(),
                };
            }
            let offset = scratch.characteristic_offsets[index];
            let mut characteristics = Vec::new();
            let mut reasons = Vec::new();
            for (i, characteristic) in card.characteristics.iter().enumerate() {
                let accumulator = &scratch.characteristic_values[offset + i];
                let value = measured(characteristic.measurement, accumulator, as_of.0);
                let points = characteristic.points_for(value);
                let records: Vec<u32> = scratch
                    .characteristic_records
                    .iter()
                    .filter(|r| usize::from(r.0) == index && usize::from(r.1) == i)
                    .map(|r| origin(r.2))
                    .collect();
                referenced.extend(&records);
                let lost = characteristic.points_max - points;
                if lost > 0 {
                    let mut contributing: Vec<&crate::evaluate::RecordState> = scratch
                        .characteristic_records
                        .iter()
                        .filter(|r| usize::from(r.0) == index && usize::from(r.1) == i)
                        .map(|r| &scratch.records[r.2 as usize])
                        .collect();
                    contributing.sort_by_key(|r| r.valid);
                    let improves_on = improves_on(
                        policy,
                        history,
                        characteristic,
                        &contributing,
                        value,
                        points,
                        accumulator,
                    );
                    reasons.push(Reason {
                        code: characteristic.reason_code.clone(),
                        text: characteristic.reason.clone(),
                        points_lost: lost,
                        records: records.clone(),
                        improves_on,
                    });
                }
                characteristics.push(CharacteristicValue {
                    characteristic: characteristic.id.clone(),
                    value,
                    points,
                    points_max: characteristic.points_max,
                    records,
                });
            }
            reasons.sort_by(|a, b| {
                b.points_lost
                    .cmp(&a.points_lost)
                    .then_with(|| a.code.cmp(&b.code))
            });
            reasons.truncate(4);
            let score = card_score(policy, index, as_of.0, scratch);
            let band = card
                .band_for(score)
                .map(|b| card.bands[usize::from(b)].name.clone());
            ScorecardStanding {
                scorecard: card.id.clone(),
                status,
                score,
                band,
                characteristics,
                reasons,
            }
        })
        .collect();
    let lists: Vec<ListEntry> = scratch
        .entries
        .iter()
        .map(|entry| {
            let list = &policy.lists[usize::from(entry.list)];
            let ground = &list.grounds[usize::from(entry.ground)];
            let state = if entry.bar.is_some() {
                EntryState::Barred
            } else if entry.end.is_some() {
                EntryState::Ended
            } else {
                EntryState::InForce
            };
            let mut remedies = Vec::new();
            // An entry on a grade has no record: it ends when the points leave the grade, or
            // with the ground's duration, and the records behind the points have their own
            // remedies.
            let rated = ground.rated.map(|rated| {
                let scheme = usize::from(rated.scheme);
                let mut records: Vec<u32> = scratch
                    .contributions
                    .iter()
                    .filter(|c| usize::from(c.scheme) == scheme)
                    .map(|c| origin(c.record))
                    .collect();
                records.sort_unstable();
                records.dedup();
                RatedEntry {
                    scheme: policy.schemes[scheme].id.clone(),
                    grade: policy.schemes[scheme].grades[usize::from(rated.grade)]
                        .name
                        .clone(),
                    points: scratch.scheme_points[scheme],
                    records,
                }
            });
            let index = entry.record.map(origin);
            if let (Some(record_index), Some(index)) = (entry.record, index) {
                referenced.push(index);
                let record = &scratch.records[record_index as usize];
                if state == EntryState::InForce {
                    if list.exits.performance && record.fulfilled == i32::MAX {
                        remedies.push(Remedy::Perform { record: index });
                    }
                    if let (Some(after), true) = (ground.repair_after, list.exits.repair) {
                        remedies.push(Remedy::RepairFrom {
                            day: after.after(Day(entry.since), &policy.calendar),
                            record: index,
                        });
                    }
                    remedies.push(Remedy::EndsOn {
                        day: Day(entry.until),
                    });
                    if entry.disputed.is_none() {
                        remedies.push(Remedy::Dispute { record: index });
                    }
                }
            } else if state == EntryState::InForce && entry.until != i32::MAX {
                remedies.push(Remedy::EndsOn {
                    day: Day(entry.until),
                });
            }
            ListEntry {
                list: list.id.clone(),
                ground: ground.id.clone(),
                record: index,
                rated,
                state,
                since: Day(entry.since),
                until: Day(entry.until),
                ended_by: if state == EntryState::Ended {
                    entry.end
                } else {
                    None
                },
                until_performed: ground.duration.is_none(),
                extended_months: entry.extended_months,
                disputed: entry.disputed.map(|(since, deadline)| Disputed {
                    since: Day(since),
                    deadline: Day(deadline),
                }),
                basis: ground.basis.clone(),
                bar: entry.bar.map(|b| list.bars[usize::from(b)].id.clone()),
                remedies,
            }
        })
        .collect();
    let measures = policy
        .measures
        .iter()
        .filter(|measure| evaluate::measure_in_force(policy, measure, as_of.0, scratch, history))
        .map(|measure| {
            let (because, entries, until) = match &measure.trigger {
                Trigger::List(l) => {
                    let entries: Vec<usize> = lists
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| {
                            let list = &policy.lists[*l];
                            e.state == EntryState::InForce
                                && e.list == list.id
                                && list
                                    .grounds
                                    .iter()
                                    .position(|g| g.id == e.ground)
                                    .is_some_and(|g| measure.triggered_by_ground(g as u16))
                        })
                        .map(|(i, _)| i)
                        .collect();
                    let until = entries.iter().map(|&i| lists[i].until).max();
                    (Because::ListEntry, entries, until)
                }
                Trigger::SchemeGrades { .. } | Trigger::ScorecardBands { .. } => {
                    (Because::Grade, Vec::new(), None)
                }
                Trigger::SchemeScore { .. } | Trigger::ScorecardScore { .. } => {
                    (Because::Score, Vec::new(), None)
                }
            };
            MeasureInForce {
                measure: measure.id.clone(),
                effect: measure.effect,
                because,
                entries,
                until,
                basis: measure.basis.clone(),
            }
        })
        .collect();
    // The whole file is described, not only the records the figures stand on.
    referenced.extend(
        scratch
            .records
            .iter()
            .map(|r| history.events[r.event as usize].origin),
    );
    referenced.sort_unstable();
    referenced.dedup();
    let records = referenced
        .iter()
        .filter_map(|&i| record_info(events, i, as_of, scratch, history))
        .collect();
    Standing {
        as_of,
        known_at,
        schemes,
        scorecards,
        lists,
        measures,
        records,
        ignored: scratch
            .ignored
            .iter()
            .map(|&(event, refusal)| IgnoredEvent {
                event,
                reason: refusal.to_string(),
            })
            .collect(),
    }
}

fn record_info(
    events: &[Event],
    origin: u32,
    as_of: Day,
    scratch: &Scratch,
    history: HistoryRef<'_>,
) -> Option<RecordInfo> {
    let event = events.get(origin as usize)?;
    let state = scratch
        .records
        .iter()
        .find(|r| history.events[r.event as usize].origin == origin)?;
    // A record dated after the day asked about is not in the standing (it is not retracted:
    // it did not exist yet).
    let retracted = scratch
        .lives
        .get(state.life as usize)
        .is_some_and(|life| life.retracted);
    if !retracted && state.valid > as_of.0 {
        return None;
    }
    let status = if state.retracted {
        RecordStatus::Retracted
    } else if as_of.0 >= state.expires {
        RecordStatus::Expired
    } else if state.repaired <= as_of.0 {
        RecordStatus::Repaired
    } else if state.suppressed <= as_of.0 {
        RecordStatus::Suppressed
    } else if state.dispute_open <= as_of.0 && state.dispute_closed > as_of.0 {
        RecordStatus::Disputed
    } else if state.fulfilled <= as_of.0 {
        RecordStatus::Fulfilled
    } else if state.corrected {
        RecordStatus::Corrected
    } else {
        RecordStatus::InForce
    };
    debug_assert_eq!(event.action, Action::Record);
    let attributes = events
        .get(history.events[state.attributes_event as usize].origin as usize)
        .map_or_else(Default::default, |e| e.attributes.clone());
    let disputed = (state.dispute_deadline != i32::MAX).then_some(Disputed {
        since: Day(state.dispute_open),
        deadline: Day(state.dispute_deadline),
    });
    Some(RecordInfo {
        index: origin,
        source: event.source.clone(),
        reference: event.reference.clone(),
        category: event.category.clone(),
        date: Day(state.valid),
        status,
        expires: Day(state.expires),
        attributes,
        disputed,
    })
}

/// The next days when a record stops counting for the scheme, and what the scheme gives then.
fn scheme_remedies(
    policy: &Policy,
    history: HistoryRef<'_>,
    scheme: usize,
    known_at: Day,
    scratch: &Scratch,
) -> Vec<Remedy> {
    let grades = &policy.schemes[scheme].grades;
    let current = scheme_grade(policy, scheme, scratch);
    // The best grade is the first one that points can reach.
    let best = grades
        .iter()
        .position(|g| g.min.is_some())
        .and_then(|g| u8::try_from(g).ok());
    if (current.is_none() || current == best) && scratch.scheme_direct[scheme].is_none() {
        return Vec::new();
    }
    let mut ends: Vec<(i32, u32)> = scratch
        .contributions
        .iter()
        .filter(|c| usize::from(c.scheme) == scheme && c.counted < 0)
        .map(|c| (c.until, c.record))
        .chain(scratch.scheme_direct[scheme].map(|applied| (applied.until, applied.record)))
        .collect();
    ends.sort_unstable();
    ends.dedup_by_key(|e| e.0);
    let mut later = Scratch::default();
    let mut remedies = Vec::new();
    for &(day, record) in ends.iter().take(EXPIRIES_EXAMINED_MAX) {
        evaluate::run::<false>(policy, history, Day(day), known_at, &mut later, None);
        let grade = scheme_grade(policy, scheme, &later);
        let origin = history.events[scratch.records[record as usize].event as usize].origin;
        if grade != current || remedies.is_empty() {
            remedies.push(Remedy::RecordExpires {
                record: origin,
                day: Day(day),
                points: later.scheme_points[scheme],
                grade: grade.map(|g| grades[usize::from(g)].name.clone()),
            });
        }
        if grade != current {
            break;
        }
    }
    remedies
}

/// The first day after `as_of` on which a characteristic gives more points, if nothing new is
/// recorded: for the `days_since` measures, when the time since the anchor reaches a better
/// bin; for counts and sums, when enough of the records behind it leave the window.
fn improves_on(
    policy: &Policy,
    history: HistoryRef<'_>,
    characteristic: &credence_policy::Characteristic,
    contributing: &[&crate::evaluate::RecordState],
    value: Option<i64>,
    points: i64,
    accumulator: &crate::evaluate::Accumulator,
) -> Option<Day> {
    use credence_policy::Measurement;
    match characteristic.measurement {
        Measurement::DaysSinceLast | Measurement::DaysSinceFirst => {
            let value = value?;
            let anchor = if characteristic.measurement == Measurement::DaysSinceLast {
                accumulator.last
            } else {
                accumulator.first
            };
            let current = characteristic.bin_for(value);
            // The first later bin with more points starts the day after the previous bin's bound.
            let reached = (current + 1..characteristic.bins.len())
                .find(|&b| characteristic.bins[b].points > points)
                .and_then(|better| characteristic.bins[better - 1].upto)
                .and_then(|upto| i32::try_from(upto + 1).ok())
                .map(|lower| Day(anchor).add_days(lower));
            // When the newest record leaves the window, every record has: the measure then has
            // no record, which gives the last bin.
            let empty_points = characteristic.bins.last().map_or(points, |b| b.points);
            let emptied = (characteristic.measurement == Measurement::DaysSinceLast
                && empty_points > points)
                .then(|| characteristic.window.after(Day(anchor), &policy.calendar));
            match (reached, emptied) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        Measurement::Count | Measurement::Sum => {
            let mut remaining = value?;
            for record in contributing {
                remaining -= match characteristic.measurement {
                    Measurement::Count => 1,
                    _ => characteristic
                        .inputs
                        .iter()
                        .find(|input| input.category == record.category)
                        .and_then(|input| input.slot)
                        .and_then(|slot| {
                            history
                                .attributes
                                .get(record.attributes as usize + usize::from(slot))
                                .copied()
                        })
                        .filter(|v| *v != credence_policy::expr::MISSING)
                        .unwrap_or(0),
                };
                if characteristic.points_for(Some(remaining)) > points {
                    return Some(
                        characteristic
                            .window
                            .after(Day(record.valid), &policy.calendar),
                    );
                }
            }
            None
        }
    }
}

/// The status shown for why a scheme or scorecard scores the subject or not.
fn status(off: crate::evaluate::Off) -> SchemeStatus {
    use crate::evaluate::Off;
    match off {
        Off::Scored => SchemeStatus::Scored,
        Off::Kind => SchemeStatus::NotApplicable,
        Off::Consent => SchemeStatus::NoConsent,
        Off::Age => SchemeStatus::BelowMinimumAge,
        Off::NoRecords => SchemeStatus::NoRecords,
    }
}
