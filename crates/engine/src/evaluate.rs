//! `evaluate`: a standing as a pure function of (compiled policy, one subject's events,
//! as-of day, known-at day).
//!
//! One pass folds the events into record states (corrections, retractions, performance,
//! disputes...). A second pass walks the records once and, through [`Policy::uses`], feeds
//! every rule, direct ground, characteristic and list ground that reads the record's category.
//! The same code computes the compact standing of a population and the explained standing of a
//! report: explanations are recorded only when `EXPLAIN` is true, into reused buffers.
//!
//! Invariant: no clock, no I/O, no randomness, no state kept between calls (the scratch space
//! is cleared on entry), no reading of any subject but the one given.

use credence_model::{Action, Day, Duration};
use credence_policy::expr::Condition;
use credence_policy::{BarRule, CategoryId, Period, Policy, Scheme, Trigger};

use crate::end_days::EndDays;
use crate::history::{CompactEvent, HistoryRef};
use crate::lifecycle::{self, Life, Refusal};

const NEVER: i32 = i32::MAX;

/// `RecordState::life` of a record no action has named yet.
pub(crate) const NO_LIFE: u32 = u32::MAX;

/// What the engine knows of one record after folding its events.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordState {
    pub event: u32,
    pub category: CategoryId,
    pub valid: i32,
    /// `valid` as year, month, day.
    pub ymd: (i32, u32, u32),
    pub attributes: u32,
    /// Index in the history of the event whose attributes are the record's (the record, or
    /// its latest admitted correction).
    pub attributes_event: u32,
    pub corrected: bool,
    /// Retracted, or (after corrections) dated after `as_of`: the record does not exist for
    /// this evaluation.
    pub retracted: bool,
    pub fulfilled: i32,
    pub suppressed: i32,
    pub repaired: i32,
    pub extended_months: u32,
    pub dispute_open: i32,
    pub dispute_closed: i32,
    /// The first deadline a dispute passed unanswered: the record stops counting from it.
    pub dispute_lapsed: i32,
    /// First day the record no longer counts because its retention ran out.
    pub expires: i32,
    /// First day the record no longer counts for any reason (`NEVER` if it has not stopped).
    pub stops: i32,
    /// The deadline of a dispute open on `as_of` and not yet passed (`NEVER`: none): the
    /// record stops then unless the source answers.
    pub dispute_deadline: i32,
    /// `stops` but for that pending deadline: when the record stops if the source answers.
    pub stops_answered: i32,
    /// Offset of this record's end days (one per duration of its category) in `Scratch::ends`,
    /// or with `IN_TABLE` set, in the end-day table the evaluation was given.
    pub ends: u32,
    /// The record's life as the state machine knows it (every admitted event, whatever its
    /// date): what the next event is judged against. An index in `Scratch::lives`, made when
    /// the first action on the record is read (`NO_LIFE` before: the record as filed).
    pub life: u32,
}

/// A list entry while it is being worked out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntryScratch {
    pub list: u16,
    pub ground: u16,
    /// The record behind the entry (`None` for an entry on a rating's grade).
    pub record: Option<u32>,
    pub since: i32,
    pub until: i32,
    pub end: Option<crate::standing::EntryEnd>,
    pub bar: Option<u16>,
    pub extended_months: u32,
    /// A pending dispute of the ground record: (disputed on, deadline).
    pub disputed: Option<(i32, i32)>,
}

/// Reusable working memory for evaluation; one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) records: Vec<RecordState>,
    /// The lives of the records some action names (see `RecordState::life`).
    pub(crate) lives: Vec<Life>,
    /// End days of every record, per duration of its category (see `RecordState::ends`).
    pub(crate) ends: Vec<i32>,
    pub(crate) record_of_event: Vec<u32>,
    /// Per consent key: whether the subject consents, and the date of the event that says so
    /// (the latest dated event wins; on the same date, the later one).
    pub(crate) consent: Vec<(i32, bool)>,
    pub(crate) caps: Vec<(u16, u16, i32, i64, i64)>,
    pub(crate) scheme_points: Vec<i64>,
    /// Per scheme: whether it scores this subject (its kind, and consent where needed).
    pub(crate) scheme_on: Vec<bool>,
    /// Per scheme, then per scorecard: why it does not score the subject.
    pub(crate) off: Vec<Off>,
    /// Per record: `Some(true)` when every list entry it grounds is barred.
    pub(crate) record_barred: Vec<Option<bool>>,
    /// Per scheme: the direct ground that sets its grade, if any.
    pub(crate) scheme_direct: Vec<Option<DirectGrade>>,
    /// (scheme, direct ground, record, until) for every direct ground that holds.
    pub(crate) direct_candidates: Vec<(u16, u16, u32, i32)>,
    pub(crate) characteristic_values: Vec<Accumulator>,
    pub(crate) characteristic_offsets: Vec<usize>,
    pub(crate) entries: Vec<EntryScratch>,
    /// Every rule that counted, when explaining.
    pub(crate) contributions: Vec<Counted>,
    /// (scorecard, characteristic, record) when explaining.
    pub(crate) characteristic_records: Vec<(u16, u16, u32)>,
    /// Events the record's state machine refused, by history index, when explaining.
    pub(crate) ignored: Vec<(u32, Refusal)>,
    /// A rating's points over time, as (day, change of points, change of records that keep
    /// the subject rated), while working out an entry on its grade.
    pub(crate) timeline: Vec<(i32, i64, i32)>,
}

/// A rule's points for a record, as counted (after caps).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counted {
    pub scheme: u16,
    pub rule: u16,
    pub record: u32,
    pub points: i64,
    pub counted: i64,
    /// First day the points no longer count.
    pub until: i32,
}

/// The direct ground that sets a scheme's grade.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DirectGrade {
    pub grade: u8,
    pub record: u32,
    pub until: i32,
    pub direct: u16,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Accumulator {
    pub count: i64,
    pub sum: i64,
    pub first: i32,
    pub last: i32,
}

impl Accumulator {
    const EMPTY: Accumulator = Accumulator {
        count: 0,
        sum: 0,
        first: NEVER,
        last: i32::MIN,
    };
}

/// Day arithmetic for dates that are not a record's own date.
pub(crate) fn after(duration: Duration, day: i32, policy: &Policy) -> i32 {
    duration.after(Day(day), &policy.calendar).0
}

/// `RecordState::ends` names a row of the end-day table rather than the scratch space.
const IN_TABLE: u32 = 1 << 31;

/// The end day of `record` for the duration in `slot` of its category: from the end-day table
/// `table` when the record's row is there, otherwise from the scratch space's `ends`.
#[inline]
fn end(ends: &[i32], table: &[i32], record: &RecordState, slot: u8) -> i32 {
    let (source, start) = if record.ends & IN_TABLE != 0 {
        (table, record.ends & !IN_TABLE)
    } else {
        (ends, record.ends)
    };
    source
        .get(start as usize + usize::from(slot))
        .copied()
        .unwrap_or(NEVER)
}

impl RecordState {
    /// The day `duration` after the record's date.
    #[inline]
    pub(crate) fn after(&self, duration: Duration, policy: &Policy) -> i32 {
        crate::end_days::end_of(duration, Day(self.valid), self.ymd, policy)
    }
}

/// What a policy asks of every evaluation, worked out once per policy rather than per subject
/// (population work keeps it in its [`EndDays`] table).
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// (list, ground) of every ground on a rating's grade, in list then ground order.
    rated: Vec<(u16, u16)>,
    /// Whether some category is `superseded`.
    superseded: bool,
    /// Whether some category that something reads is `superseded` (only those records are
    /// folded when the standing is not explained).
    superseded_read: bool,
}

impl Plan {
    pub(crate) fn new(policy: &Policy) -> Plan {
        let mut rated = Vec::new();
        for (list_index, list) in policy.lists.iter().enumerate() {
            for (ground_index, ground) in list.grounds.iter().enumerate() {
                if ground.rated.is_some() {
                    rated.push((list_index as u16, ground_index as u16));
                }
            }
        }
        Plan {
            rated,
            superseded: policy.categories.iter().any(|c| c.superseded),
            superseded_read: policy
                .categories
                .iter()
                .zip(&policy.uses)
                .any(|(c, uses)| c.superseded && !uses.is_empty()),
        }
    }
}

pub(crate) fn run<const EXPLAIN: bool>(
    policy: &Policy,
    history: HistoryRef<'_>,
    as_of: Day,
    known_at: Day,
    scratch: &mut Scratch,
    end_days: Option<&EndDays>,
) {
    let own_plan;
    let plan = match end_days {
        Some(table) => &table.plan,
        None => {
            own_plan = Plan::new(policy);
            &own_plan
        }
    };
    let mut events = SliceEvents {
        events: history.events.iter(),
        attributes: history.attributes,
    };
    fold::<EXPLAIN>(
        policy,
        history.facts,
        &mut events,
        as_of.0,
        known_at.0,
        scratch,
        end_days,
    );
    stages::<EXPLAIN>(policy, plan, history, as_of, scratch, end_days);
}

/// Where the fold reads a subject's events from, in history order.
pub(crate) trait EventSource {
    /// The next event; its attribute slots are in [`EventSource::attributes`] from then on.
    fn next_event(&mut self) -> Option<CompactEvent>;
    /// The attribute slots of the events read so far (those of later events may follow).
    fn attributes(&self) -> &[i64];
}

/// The events of a compact history.
struct SliceEvents<'a> {
    events: std::slice::Iter<'a, CompactEvent>,
    attributes: &'a [i64],
}

impl EventSource for SliceEvents<'_> {
    #[inline]
    fn next_event(&mut self) -> Option<CompactEvent> {
        self.events.next().copied()
    }

    #[inline]
    fn attributes(&self) -> &[i64] {
        self.attributes
    }
}

/// The compact standing of a subject whose events come from `events` (decoded as the fold
/// reads them): the same work as `run::<false>`, without the history's events held whole.
pub(crate) fn run_events(
    policy: &Policy,
    facts: credence_model::SubjectFacts,
    events: &mut impl EventSource,
    as_of: Day,
    known_at: Day,
    scratch: &mut Scratch,
    end_days: &EndDays,
) {
    fold::<false>(
        policy,
        facts,
        events,
        as_of.0,
        known_at.0,
        scratch,
        Some(end_days),
    );
    // After the fold nothing reads the events themselves, only the records' attributes.
    let history = HistoryRef {
        facts,
        events: &[],
        attributes: events.attributes(),
    };
    stages::<false>(
        policy,
        &end_days.plan,
        history,
        as_of,
        scratch,
        Some(end_days),
    );
}

/// Everything after the fold: superseded records, list entries, bars, schemes, entries on a
/// rating's grade, scorecards.
fn stages<const EXPLAIN: bool>(
    policy: &Policy,
    plan: &Plan,
    history: HistoryRef<'_>,
    as_of: Day,
    scratch: &mut Scratch,
    end_days: Option<&EndDays>,
) {
    let table = end_days.map_or(&[][..], EndDays::ends);
    let superseded = if EXPLAIN {
        plan.superseded
    } else {
        plan.superseded_read
    };
    if superseded {
        supersede(policy, scratch);
    }
    // Bars depend on records only; a record whose listing is barred costs no points.
    list_entries(policy, history, as_of.0, scratch, table);
    barred_records(scratch);
    score_schemes::<EXPLAIN>(policy, history, as_of.0, scratch, table);
    rated_entries(policy, plan, history, as_of.0, scratch, table);
    score_cards::<EXPLAIN>(policy, history, as_of.0, scratch, table);
}

/// A record of a `superseded` category stops counting on the date of the next record of the
/// same category (a new inspection's rating replaces the last).
fn supersede(policy: &Policy, scratch: &mut Scratch) {
    for index in 0..scratch.records.len() {
        let record = scratch.records[index];
        if record.retracted || !policy.category(record.category).superseded {
            continue;
        }
        let next = scratch
            .records
            .iter()
            .filter(|other| {
                other.category == record.category
                    && !other.retracted
                    && (other.valid, other.event) > (record.valid, record.event)
            })
            .map(|other| other.valid)
            .min();
        if let Some(next) = next {
            let state = &mut scratch.records[index];
            state.stops = state.stops.min(next);
        }
    }
}

/// Marks the records every list entry of which is barred: the law bars the listing (a minor,
/// a guarantee), and what the law keeps off a list may not cost points or score either.
fn barred_records(scratch: &mut Scratch) {
    scratch.record_barred.clear();
    scratch.record_barred.resize(scratch.records.len(), None);
    for entry in &scratch.entries {
        let Some(record) = entry.record else {
            continue;
        };
        let slot = &mut scratch.record_barred[record as usize];
        let barred = entry.bar.is_some();
        *slot = Some(slot.unwrap_or(true) && barred);
    }
}

/// Why a scheme or scorecard does not score the subject, if it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Off {
    #[default]
    Scored,
    Kind,
    Consent,
    Age,
    NoRecords,
}

/// Whether a scheme or scorecard scores this subject on `as_of`: its kind, its consent, and a
/// person's age (a person whose age is not known is not scored by a scheme with a minimum age).
/// `age` is the person's age on `as_of`, worked out on first need and kept for the other
/// schemes of the same subject.
fn off(
    subjects: credence_policy::Kinds,
    consent_required: bool,
    consent: bool,
    min_age: Option<i32>,
    history: HistoryRef<'_>,
    as_of: i32,
    age: &mut Option<Option<i32>>,
) -> Off {
    let facts = history.facts;
    if !subjects.contains(facts.kind) {
        Off::Kind
    } else if consent_required && !consent {
        Off::Consent
    } else if facts.kind == credence_model::SubjectKind::Person
        && let Some(min) = min_age
        && age
            .get_or_insert_with(|| facts.age_on(Day(as_of)))
            .is_none_or(|age| age < min)
    {
        Off::Age
    } else {
        Off::Scored
    }
}

/// Folds the events known on `known_at` into record states as of `as_of`.
/// Folds the events into record states. Records nothing reads are left out, unless the
/// standing is explained (then the subject's whole file is described).
fn fold<const EXPLAIN: bool>(
    policy: &Policy,
    facts: credence_model::SubjectFacts,
    events: &mut impl EventSource,
    as_of: i32,
    known_at: i32,
    scratch: &mut Scratch,
    end_days: Option<&EndDays>,
) {
    scratch.records.clear();
    scratch.lives.clear();
    // Filled as the events are read: an action names a record before it, and one that names
    // none finds no state.
    scratch.record_of_event.clear();
    scratch.consent.clear();
    scratch.consent.resize(
        policy.schemes.len() + policy.scorecards.len(),
        (i32::MIN, false),
    );
    if EXPLAIN {
        scratch.ignored.clear();
    }
    for index in 0usize.. {
        let Some(event) = events.next_event() else {
            break;
        };
        let event = &event;
        scratch.record_of_event.push(u32::MAX);
        if event.recorded > known_at {
            continue;
        }
        if event.action == Action::Record {
            // A record nothing reads cannot change the standing (actions on it find no state
            // and are skipped too).
            if !EXPLAIN && policy.uses[usize::from(event.key)].is_empty() {
                continue;
            }
            // A record dated after `as_of` is kept until the end of the fold: a correction may
            // still move it earlier.
            scratch.record_of_event[index] = scratch.records.len() as u32;
            scratch.records.push(RecordState {
                event: index as u32,
                category: CategoryId(event.key),
                valid: event.valid,
                ymd: (0, 1, 1),
                attributes: event.attributes,
                attributes_event: index as u32,
                corrected: false,
                retracted: false,
                fulfilled: NEVER,
                suppressed: NEVER,
                repaired: NEVER,
                extended_months: 0,
                dispute_open: NEVER,
                dispute_closed: NEVER,
                dispute_lapsed: NEVER,
                expires: NEVER,
                stops: NEVER,
                dispute_deadline: NEVER,
                stops_answered: NEVER,
                ends: 0,
                life: NO_LIFE,
            });
            continue;
        }
        if event.action.names_scheme() {
            if event.valid <= as_of
                && let Some(slot) = scratch.consent.get_mut(usize::from(event.key))
                && event.valid >= slot.0
            {
                *slot = (event.valid, event.action == Action::Consent);
            }
            continue;
        }
        let Some(&record) = scratch.record_of_event.get(event.target as usize) else {
            continue;
        };
        let Some(state) = scratch.records.get_mut(record as usize) else {
            continue;
        };
        if state.life == NO_LIFE {
            // No action has moved the record yet: it is as filed.
            state.life = scratch.lives.len() as u32;
            scratch
                .lives
                .push(Life::new(state.category, state.valid, state.attributes));
        }
        let Some(life) = scratch.lives.get_mut(state.life as usize) else {
            continue;
        };
        // The machine judges the event on its own date against the record as known so far; an
        // event it refuses changes nothing.
        if let Err(refusal) = lifecycle::admit(policy, &facts, events.attributes(), life, event) {
            if EXPLAIN {
                scratch.ignored.push((event.origin, refusal));
            }
            continue;
        }
        lifecycle::apply(policy, events.attributes(), life, event);
        match event.action {
            // A correction or retraction changes what the registry knows about the record for
            // every as-of day: it says what was true all along.
            Action::Correct => {
                state.valid = event.valid;
                state.attributes = event.attributes;
                state.attributes_event = index as u32;
                state.corrected = true;
            }
            Action::Retract => state.retracted = true,
            _ if event.valid > as_of => {}
            Action::Fulfil => state.fulfilled = state.fulfilled.min(event.valid),
            Action::Suppress => state.suppressed = state.suppressed.min(event.valid),
            Action::Repair => state.repaired = state.repaired.min(event.valid),
            Action::Extend => {
                let months = events
                    .attributes()
                    .get(event.attributes as usize)
                    .copied()
                    .unwrap_or(0);
                state.extended_months += u32::try_from(months.clamp(0, 120)).unwrap_or(0);
            }
            Action::Dispute => {
                // A dispute left unanswered past its deadline stopped the record for good; a
                // later dispute does not bring it back.
                if state.dispute_open != NEVER && state.dispute_closed == NEVER {
                    let answer = policy.category(state.category).dispute_answer;
                    let deadline = after(answer, state.dispute_open, policy);
                    if deadline <= event.valid {
                        state.dispute_lapsed = state.dispute_lapsed.min(deadline);
                    }
                }
                state.dispute_open = event.valid;
                state.dispute_closed = NEVER;
            }
            Action::Resolve => {
                if state.dispute_open != NEVER {
                    let answer = policy.category(state.category).dispute_answer;
                    // The source may answer up to and including the deadline's last day.
                    let deadline = after(answer, state.dispute_open, policy);
                    if event.valid >= deadline {
                        state.dispute_lapsed = state.dispute_lapsed.min(deadline);
                    }
                }
                state.dispute_closed = event.valid;
                let upheld = events
                    .attributes()
                    .get(event.attributes as usize)
                    .copied()
                    .unwrap_or(1);
                if upheld == 0 {
                    state.retracted = true;
                }
            }
            Action::Record | Action::Consent | Action::Withdraw => {}
        }
    }
    scratch.ends.clear();
    for state in &mut scratch.records {
        let category = policy.category(state.category);
        if state.valid > as_of {
            state.retracted = true;
        }
        // INVARIANT: the category's first duration is its retention.
        match end_days.and_then(|table| {
            let (start, ymd) = table.row_start(state.valid, state.category)?;
            Some((start, ymd, *table.ends().get(start as usize)?))
        }) {
            Some((start, ymd, retention)) if start < IN_TABLE => {
                state.ymd = ymd;
                state.ends = start | IN_TABLE;
                state.expires = retention;
            }
            _ => {
                state.ymd = Day(state.valid).ymd();
                state.ends = scratch.ends.len() as u32;
                for duration in &category.durations {
                    scratch.ends.push(state.after(*duration, policy));
                }
                state.expires = scratch.ends[state.ends as usize];
            }
        }
        let settled = state
            .expires
            .min(state.suppressed)
            .min(state.repaired)
            .min(state.dispute_lapsed);
        let mut stops = settled;
        state.stops_answered = settled;
        state.dispute_deadline = NEVER;
        if state.dispute_open != NEVER && state.dispute_closed == NEVER {
            let deadline = after(category.dispute_answer, state.dispute_open, policy);
            stops = stops.min(deadline);
            if deadline > as_of {
                // Pending: the record stops then only if the source does not answer.
                if deadline < settled {
                    state.dispute_deadline = deadline;
                }
            } else {
                state.stops_answered = stops;
            }
        }
        state.stops = if state.retracted { i32::MIN } else { stops };
    }
}

fn attributes<'a>(history: HistoryRef<'a>, policy: &Policy, record: &RecordState) -> &'a [i64] {
    let start = record.attributes as usize;
    let len = policy.category(record.category).attributes.len();
    history.attributes.get(start..start + len).unwrap_or(&[])
}

pub(crate) fn holds(condition: &Condition, attributes: &[i64]) -> bool {
    matches!(condition, Condition::Always) || condition.holds(attributes)
}

fn score_schemes<const EXPLAIN: bool>(
    policy: &Policy,
    history: HistoryRef<'_>,
    as_of: i32,
    scratch: &mut Scratch,
    table: &[i32],
) {
    scratch.scheme_points.clear();
    scratch
        .scheme_points
        .extend(policy.schemes.iter().map(|s| s.base));
    scratch.scheme_on.clear();
    scratch.off.clear();
    let mut age = None;
    for (index, scheme) in policy.schemes.iter().enumerate() {
        let mut why = off(
            scheme.subjects,
            scheme.consent_required,
            scratch.consent[index].1,
            scheme.min_age,
            history,
            as_of,
            &mut age,
        );
        // No data is not a good record: a rating that needs records rates nobody without one.
        if why == Off::Scored
            && !scheme.needs_records.is_empty()
            && !scratch.records.iter().any(|r| {
                as_of < r.stops && r.valid <= as_of && scheme.needs_records.contains(&r.category)
            })
        {
            why = Off::NoRecords;
        }
        scratch.off.push(why);
        scratch.scheme_on.push(why == Off::Scored);
    }
    for (index, card) in policy.scorecards.iter().enumerate() {
        scratch.off.push(off(
            card.subjects,
            card.consent_required,
            scratch.consent[policy.schemes.len() + index].1,
            card.min_age,
            history,
            as_of,
            &mut age,
        ));
    }
    scratch.scheme_direct.clear();
    scratch.scheme_direct.resize(policy.schemes.len(), None);
    scratch.caps.clear();
    scratch.direct_candidates.clear();
    if EXPLAIN {
        scratch.contributions.clear();
    }
    for (record_index, record) in scratch.records.iter().enumerate() {
        if as_of >= record.stops {
            continue;
        }
        let uses = &policy.uses[usize::from(record.category.0)];
        if uses.rules.is_empty() && uses.directs.is_empty() {
            continue;
        }
        if scratch.record_barred[record_index] == Some(true) {
            continue;
        }
        let values = attributes(history, policy, record);
        for &(scheme_index, rule_index) in &uses.rules {
            if !scratch.scheme_on[usize::from(scheme_index)] {
                continue;
            }
            let scheme = &policy.schemes[usize::from(scheme_index)];
            let rule = &scheme.rules[usize::from(rule_index)];
            // A pending dispute's deadline is not when the points stop: they stop then only if
            // the source does not answer (the record says it is disputed).
            let until =
                end(&scratch.ends, table, record, rule.validity_slot).min(record.stops_answered);
            if as_of >= until || !holds(&rule.when, values) {
                continue;
            }
            let counted = if scheme.caps.is_empty() {
                rule.points
            } else {
                capped(scheme, scheme_index, record, rule.points, &mut scratch.caps)
            };
            scratch.scheme_points[usize::from(scheme_index)] += counted;
            if EXPLAIN {
                scratch.contributions.push(Counted {
                    scheme: scheme_index,
                    rule: rule_index,
                    record: record_index as u32,
                    points: rule.points,
                    counted,
                    until,
                });
            }
        }
        for &(scheme_index, direct_index) in &uses.directs {
            if !scratch.scheme_on[usize::from(scheme_index)] {
                continue;
            }
            let direct =
                &policy.schemes[usize::from(scheme_index)].direct[usize::from(direct_index)];
            let until =
                end(&scratch.ends, table, record, direct.validity_slot).min(record.stops_answered);
            if as_of < until && holds(&direct.when, values) {
                scratch.direct_candidates.push((
                    scheme_index,
                    direct_index,
                    record_index as u32,
                    until,
                ));
            }
        }
    }
    for (index, scheme) in policy.schemes.iter().enumerate() {
        let points = &mut scratch.scheme_points[index];
        if let Some(min) = scheme.min {
            *points = (*points).max(min);
        }
        if let Some(max) = scheme.max {
            *points = (*points).min(max);
        }
    }
    for &(scheme_index, direct_index, record, until) in &scratch.direct_candidates {
        let scheme = &policy.schemes[usize::from(scheme_index)];
        let direct = &scheme.direct[usize::from(direct_index)];
        if direct
            .score_at_least
            .is_some_and(|min| scratch.scheme_points[usize::from(scheme_index)] < min)
        {
            continue;
        }
        // A breach or adjudication only ever lowers the grade: when the points already give a
        // lower one, the direct ground adds nothing. A status record classifies (tax grade M).
        let points_grade = scheme.grade_for(scratch.scheme_points[usize::from(scheme_index)]);
        if policy.category(direct.category).kind.may_penalise()
            && points_grade.is_some_and(|g| direct.grade < g)
        {
            continue;
        }
        let slot = &mut scratch.scheme_direct[usize::from(scheme_index)];
        // The lowest-listed grade among the direct grounds wins.
        if slot.is_none_or(|applied| direct.grade > applied.grade) {
            *slot = Some(DirectGrade {
                grade: direct.grade,
                record,
                until,
                direct: direct_index,
            });
        }
    }
}

/// Applies the scheme's caps to a record's points; returns the points counted.
fn capped(
    scheme: &Scheme,
    scheme_index: u16,
    record: &RecordState,
    points: i64,
    caps: &mut Vec<(u16, u16, i32, i64, i64)>,
) -> i64 {
    let slot = |cap_index: usize, caps: &mut Vec<(u16, u16, i32, i64, i64)>| -> usize {
        let period = match scheme.caps[cap_index].per {
            Period::Year => record.ymd.0,
            Period::Month => record.ymd.0 * 12 + record.ymd.1 as i32,
            Period::Ever => 0,
        };
        let key = (scheme_index, cap_index as u16, period);
        caps.iter()
            .position(|c| (c.0, c.1, c.2) == key)
            .unwrap_or_else(|| {
                caps.push((key.0, key.1, key.2, 0, 0));
                caps.len() - 1
            })
    };
    // The running totals of the caps that cover the record (the first few kept at hand, the
    // others found again when charged).
    const AT_HAND: usize = 8;
    let mut positions = [usize::MAX; AT_HAND];
    // First the tightest of the caps that cover the record, then charge every one of them
    // with what is counted.
    let mut counted = points;
    for (cap_index, cap) in scheme.caps.iter().enumerate() {
        if !cap.categories.contains(&record.category) {
            continue;
        }
        let position = slot(cap_index, caps);
        if let Some(kept) = positions.get_mut(cap_index) {
            *kept = position;
        }
        let used = caps[position];
        if counted > 0
            && let Some(gain) = cap.gain
        {
            counted = counted.min((gain - used.3).max(0));
        }
        if counted < 0
            && let Some(loss) = cap.loss
        {
            counted = counted.max(-(loss - used.4).max(0));
        }
    }
    for (cap_index, cap) in scheme.caps.iter().enumerate() {
        if cap.categories.contains(&record.category) {
            let position = match positions.get(cap_index) {
                Some(&kept) => kept,
                None => slot(cap_index, caps),
            };
            if counted > 0 {
                caps[position].3 += counted;
            } else {
                caps[position].4 -= counted;
            }
        }
    }
    counted
}

fn score_cards<const EXPLAIN: bool>(
    policy: &Policy,
    history: HistoryRef<'_>,
    as_of: i32,
    scratch: &mut Scratch,
    table: &[i32],
) {
    scratch.characteristic_offsets.clear();
    scratch.characteristic_values.clear();
    for card in &policy.scorecards {
        scratch
            .characteristic_offsets
            .push(scratch.characteristic_values.len());
        scratch.characteristic_values.extend(std::iter::repeat_n(
            Accumulator::EMPTY,
            card.characteristics.len(),
        ));
    }
    if EXPLAIN {
        scratch.characteristic_records.clear();
    }
    for (record_index, record) in scratch.records.iter().enumerate() {
        if as_of >= record.stops {
            continue;
        }
        let uses = &policy.uses[usize::from(record.category.0)];
        if uses.characteristics.is_empty() || scratch.record_barred[record_index] == Some(true) {
            continue;
        }
        let values = attributes(history, policy, record);
        for &(card_index, characteristic_index, input_index) in &uses.characteristics {
            let card = &policy.scorecards[usize::from(card_index)];
            if scratch.off[policy.schemes.len() + usize::from(card_index)] != Off::Scored {
                continue;
            }
            let characteristic = &card.characteristics[usize::from(characteristic_index)];
            let input = &characteristic.inputs[usize::from(input_index)];
            if as_of >= end(&scratch.ends, table, record, input.window_slot)
                || !holds(&input.when, values)
            {
                continue;
            }
            let offset = scratch.characteristic_offsets[usize::from(card_index)]
                + usize::from(characteristic_index);
            let accumulator = &mut scratch.characteristic_values[offset];
            accumulator.count += 1;
            if let Some(slot) = input.slot {
                let value = values
                    .get(usize::from(slot))
                    .copied()
                    .unwrap_or(credence_policy::expr::MISSING);
                if value != credence_policy::expr::MISSING {
                    accumulator.sum = accumulator.sum.saturating_add(value);
                }
            }
            accumulator.first = accumulator.first.min(record.valid);
            accumulator.last = accumulator.last.max(record.valid);
            if EXPLAIN {
                scratch.characteristic_records.push((
                    card_index,
                    characteristic_index,
                    record_index as u32,
                ));
            }
        }
    }
}

/// The value a characteristic measured (`None`: no record, for the `days_since` measures).
pub(crate) fn measured(
    measurement: credence_policy::Measurement,
    accumulator: &Accumulator,
    as_of: i32,
) -> Option<i64> {
    use credence_policy::Measurement;
    match measurement {
        Measurement::Count => Some(accumulator.count),
        Measurement::Sum => Some(accumulator.sum),
        Measurement::DaysSinceLast if accumulator.count > 0 => {
            Some(i64::from(as_of - accumulator.last))
        }
        Measurement::DaysSinceFirst if accumulator.count > 0 => {
            Some(i64::from(as_of - accumulator.first))
        }
        Measurement::DaysSinceLast | Measurement::DaysSinceFirst => None,
    }
}

/// The score of a scorecard from the accumulated characteristics.
pub(crate) fn card_score(policy: &Policy, card_index: usize, as_of: i32, scratch: &Scratch) -> i64 {
    let card = &policy.scorecards[card_index];
    let offset = scratch.characteristic_offsets[card_index];
    let values = &scratch.characteristic_values[offset..offset + card.characteristics.len()];
    if values.iter().all(|v| v.count == 0) {
        return card.score_without_records;
    }
    card.score(
        card.characteristics
            .iter()
            .zip(values)
            .map(|(characteristic, accumulator)| {
                characteristic.points_for(measured(characteristic.measurement, accumulator, as_of))
            }),
    )
}

fn list_entries(
    policy: &Policy,
    history: HistoryRef<'_>,
    as_of: i32,
    scratch: &mut Scratch,
    table: &[i32],
) {
    use crate::standing::EntryEnd;
    scratch.entries.clear();
    for (record_index, record) in scratch.records.iter().enumerate() {
        // Retracted records never made an entry; expired or stopped ones show as ended.
        if record.retracted {
            continue;
        }
        let uses = &policy.uses[usize::from(record.category.0)];
        if uses.grounds.is_empty() {
            continue;
        }
        let values = attributes(history, policy, record);
        for &(list_index, ground_index) in &uses.grounds {
            let list = &policy.lists[usize::from(list_index)];
            if !list.subjects.contains(history.facts.kind) {
                continue;
            }
            let ground = &list.grounds[usize::from(ground_index)];
            if !holds(&ground.when, values) {
                continue;
            }
            let bar = list
                .bars
                .iter()
                .position(|bar| {
                    bar.applies_to(ground_index)
                        && barred(
                            policy,
                            history,
                            scratch,
                            as_of,
                            record,
                            usize::from(ground_index),
                            bar,
                        )
                })
                .map(|b| b as u16);
            let extension_max = list.extension.as_ref().map_or(0, |e| match e.max {
                Duration::Years(y) => y * 12,
                Duration::Months(m) => m,
                _ => 0,
            });
            // The law's condition is read from the record as corrected: a correction that
            // removes it removes the extension.
            let extended_months = if ground.extendable && holds(&ground.extension_when, values) {
                record.extended_months.min(extension_max)
            } else {
                0
            };
            let mut until = match ground.duration {
                Some(_) if extended_months == 0 => {
                    end(&scratch.ends, table, record, ground.duration_slot)
                }
                Some(duration) => {
                    duration
                        .after_extended(Day(record.valid), extended_months, &policy.calendar)
                        .0
                }
                None => NEVER,
            };
            let mut end = EntryEnd::Expired;
            let mut stops = [
                (record.expires, EntryEnd::Retention),
                (record.suppressed, EntryEnd::Suppressed),
                (NEVER, EntryEnd::Performance),
                (NEVER, EntryEnd::Repair),
                (NEVER, EntryEnd::DisputeUnanswered),
            ];
            if list.exits.performance {
                stops[2].0 = record.fulfilled;
            }
            if list.exits.repair {
                // Repair ends an entry no earlier than its minimum time on the list.
                let earliest = ground.repair_after.map_or(i32::MIN, |after| {
                    Duration::after(after, Day(record.valid), &policy.calendar).0
                });
                stops[3].0 = if record.repaired == NEVER {
                    NEVER
                } else {
                    record.repaired.max(earliest)
                };
            }
            // A pending dispute's deadline is not yet an end: the entry ends on `until` if the
            // source answers in time, and the entry says it is disputed.
            if record.stops_answered != record.expires
                && record.stops_answered != record.repaired
                && record.stops_answered != record.suppressed
            {
                stops[4].0 = record.stops_answered;
            }
            for (day, why) in stops {
                if day < until {
                    until = day;
                    end = why;
                }
            }
            let end = (as_of >= until).then_some(end);
            scratch.entries.push(EntryScratch {
                list: list_index,
                ground: ground_index,
                record: Some(record_index as u32),
                since: record.valid,
                until,
                end,
                bar,
                extended_months,
                disputed: (record.dispute_deadline != NEVER && until > record.dispute_deadline)
                    .then_some((record.dispute_open, record.dispute_deadline)),
            });
        }
    }
}

/// Entries on a rating's grade (the tax D list's points-D firms): in force while the rating
/// gives the subject the grade and its points alone give it too. The entry runs from the first
/// day of the unbroken spell of that grade on points up to `as_of`, and ends on the first day
/// the points leave it as the records now counting expire (no new record assumed), or when the
/// ground's duration runs out, whichever is first.
fn rated_entries(
    policy: &Policy,
    plan: &Plan,
    history: HistoryRef<'_>,
    as_of: i32,
    scratch: &mut Scratch,
    table: &[i32],
) {
    use crate::standing::EntryEnd;
    for &(list_index, ground_index) in &plan.rated {
        let list = &policy.lists[usize::from(list_index)];
        if !list.subjects.contains(history.facts.kind) {
            continue;
        }
        let ground = &list.grounds[usize::from(ground_index)];
        let Some(rated) = ground.rated else {
            continue;
        };
        let scheme = usize::from(rated.scheme);
        if !scheme_scored(scheme, scratch)
            || policy.schemes[scheme].grade_for(scratch.scheme_points[scheme]) != Some(rated.grade)
            || scheme_grade(policy, scheme, scratch) != Some(rated.grade)
        {
            continue;
        }
        let (since, spell_end) =
            grade_spell(policy, history, as_of, scheme, rated.grade, scratch, table);
        let mut until = spell_end;
        if let Some(duration) = ground.duration {
            until = until.min(after(duration, since, policy));
        }
        scratch.entries.push(EntryScratch {
            list: list_index,
            ground: ground_index,
            record: None,
            since,
            until,
            end: (as_of >= until).then_some(EntryEnd::Expired),
            bar: None,
            extended_months: 0,
            disputed: None,
        });
    }
}

/// The unbroken spell around `as_of` in which scheme `scheme`'s points give `grade`, from the
/// records as they count: (first day, first day after). A record counts its rule's points from
/// its date until its validity, retention, repair, suppression or a lapsed dispute ends it (a
/// pending dispute as if the source answers), and the rating rates the subject only while one
/// of its needed records counts. Only ratings without caps have grade grounds, so each
/// record's points are its rule's points.
fn grade_spell(
    policy: &Policy,
    history: HistoryRef<'_>,
    as_of: i32,
    scheme_index: usize,
    grade: u8,
    scratch: &mut Scratch,
    table: &[i32],
) -> (i32, i32) {
    let scheme = &policy.schemes[scheme_index];
    let mut timeline = std::mem::take(&mut scratch.timeline);
    timeline.clear();
    for (record_index, record) in scratch.records.iter().enumerate() {
        if record.retracted || scratch.record_barred[record_index] == Some(true) {
            continue;
        }
        let stop = if record.stops > as_of {
            record.stops_answered
        } else {
            record.stops
        };
        if scheme.needs_records.contains(&record.category) && record.valid < stop {
            timeline.push((record.valid, 0, 1));
            timeline.push((stop, 0, -1));
        }
        let values = attributes(history, policy, record);
        for &(s, rule_index) in &policy.uses[usize::from(record.category.0)].rules {
            if usize::from(s) != scheme_index {
                continue;
            }
            let rule = &scheme.rules[usize::from(rule_index)];
            let to = end(&scratch.ends, table, record, rule.validity_slot).min(stop);
            if record.valid < to && holds(&rule.when, values) {
                timeline.push((record.valid, rule.points, 0));
                timeline.push((to, -rule.points, 0));
            }
        }
    }
    timeline.sort_unstable_by_key(|c| c.0);
    let grade_of = |points: i64, rated: i32| -> Option<u8> {
        if !scheme.needs_records.is_empty() && rated <= 0 {
            return None;
        }
        let points = points
            .max(scheme.min.unwrap_or(i64::MIN))
            .min(scheme.max.unwrap_or(i64::MAX));
        scheme.grade_for(points)
    };
    // Segments [start, next start) with their grade, in day order.
    let (mut points, mut rated) = (scheme.base, 0);
    let mut since = i32::MIN;
    let mut until = NEVER;
    let mut index = 0;
    while index < timeline.len() {
        let day = timeline[index].0;
        while index < timeline.len() && timeline[index].0 == day {
            points += timeline[index].1;
            rated += timeline[index].2;
            index += 1;
        }
        let in_grade = grade_of(points, rated) == Some(grade);
        if day <= as_of {
            if !in_grade {
                since = i32::MIN;
            } else if since == i32::MIN {
                since = day;
            }
        } else if !in_grade {
            until = day;
            break;
        }
    }
    scratch.timeline = timeline;
    // The grade holds on `as_of` (checked by the caller), so the spell began on a change day.
    (since.max(i32::MIN + 1), until)
}

fn barred(
    policy: &Policy,
    history: HistoryRef<'_>,
    scratch: &Scratch,
    as_of: i32,
    record: &RecordState,
    ground_index: usize,
    bar: &credence_policy::Bar,
) -> bool {
    match &bar.rule {
        BarRule::Minor => history.facts.is_minor_on(Day(record.valid)),
        BarRule::Record {
            category,
            when,
            bar_slot,
            ground_slots,
            ..
        } => {
            let ground_values = attributes(history, policy, record);
            let wanted = match (bar_slot, ground_slots.get(ground_index).copied().flatten()) {
                (Some(_), Some(slot)) => ground_values.get(usize::from(slot)).copied(),
                _ => None,
            };
            scratch.records.iter().any(|other| {
                if other.category != *category || as_of >= other.stops {
                    return false;
                }
                let values = attributes(history, policy, other);
                if !holds(when, values) {
                    return false;
                }
                match (bar_slot, wanted) {
                    (Some(slot), Some(wanted)) => {
                        values.get(usize::from(*slot)).copied() == Some(wanted)
                            && wanted != credence_policy::expr::MISSING
                    }
                    (None, _) => true,
                    _ => false,
                }
            })
        }
    }
}

/// Whether the measure is in force, from the computed scheme, scorecard and list state.
pub(crate) fn measure_in_force(
    policy: &Policy,
    measure: &credence_policy::Measure,
    as_of: i32,
    scratch: &Scratch,
    history: HistoryRef<'_>,
) -> bool {
    if measure.effect == credence_policy::Effect::Reward
        && let Some(index) = policy.measure_index(&measure.id)
        && suspended(policy, index, as_of, scratch)
    {
        return false;
    }
    match &measure.trigger {
        Trigger::List(list) => scratch.entries.iter().any(|e| {
            usize::from(e.list) == *list
                && measure.triggered_by_ground(e.ground)
                && e.bar.is_none()
                && e.end.is_none()
                && e.since <= as_of
        }),
        Trigger::SchemeGrades { scheme, grades } => {
            scheme_grade(policy, *scheme, scratch).is_some_and(|g| grades.contains(&g))
        }
        Trigger::SchemeScore { scheme, min } => {
            scheme_scored(*scheme, scratch) && scratch.scheme_points[*scheme] >= *min
        }
        Trigger::ScorecardBands { scorecard, bands } => {
            card_scored(policy, *scorecard, scratch, history)
                && policy.scorecards[*scorecard]
                    .band_for(card_score(policy, *scorecard, as_of, scratch))
                    .is_some_and(|b| bands.contains(&b))
        }
        Trigger::ScorecardScore { scorecard, min } => {
            card_scored(policy, *scorecard, scratch, history)
                && card_score(policy, *scorecard, as_of, scratch) >= *min
        }
    }
}

/// The entry in force that suspends reward `measure` (by index), if any.
pub(crate) fn suspended_by(
    policy: &Policy,
    measure: usize,
    as_of: i32,
    scratch: &Scratch,
) -> Option<usize> {
    scratch.entries.iter().position(|e| {
        e.bar.is_none()
            && e.end.is_none()
            && e.since <= as_of
            && policy.lists[usize::from(e.list)]
                .suspends
                .as_ref()
                .is_some_and(|s| s.covers(measure))
    })
}

fn suspended(policy: &Policy, measure: usize, as_of: i32, scratch: &Scratch) -> bool {
    suspended_by(policy, measure, as_of, scratch).is_some()
}

pub(crate) fn scheme_scored(scheme: usize, scratch: &Scratch) -> bool {
    scratch.scheme_on.get(scheme).copied().unwrap_or(false)
}

pub(crate) fn card_scored(
    policy: &Policy,
    card: usize,
    scratch: &Scratch,
    _history: HistoryRef<'_>,
) -> bool {
    scratch.off.get(policy.schemes.len() + card) == Some(&Off::Scored)
}

/// Why scheme `index` (then scorecards, after the schemes) does not score the subject.
pub(crate) fn off_reason(index: usize, scratch: &Scratch) -> Off {
    scratch.off.get(index).copied().unwrap_or_default()
}

/// The grade of a scheme (direct grounds first), when the scheme scores this subject.
pub(crate) fn scheme_grade(policy: &Policy, scheme: usize, scratch: &Scratch) -> Option<u8> {
    if !scheme_scored(scheme, scratch) {
        return None;
    }
    match scratch.scheme_direct[scheme] {
        Some(applied) => Some(applied.grade),
        None => policy.schemes[scheme].grade_for(scratch.scheme_points[scheme]),
    }
}
