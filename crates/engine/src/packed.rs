//! The population layout: every subject's history packed as tightly as the policy allows,
//! in one word array with one offsets array, for evaluating a whole population.
//!
//! The history (the store's events, or [`Population`]'s compact events) stays the source of
//! truth; this is the form population evaluation reads. Packing is done for one policy and
//! drops what that policy cannot read:
//!
//! - records of categories nothing reads, and the actions on them (the fold skips them too);
//! - attribute slots no condition, sum, bar or extension of the policy reads (only the read
//!   ones are stored; the others read as missing, which nothing observes);
//! - days as 16 bits relative to an epoch, with a wide escape for days out of that range.
//!
//! One event is a header of two `u32` words, then its extras:
//!
//! ```text
//! word 0: valid - epoch (16 bits) | recorded - epoch (16 bits) << 16
//! word 1: key (16 bits) | action (4 bits) << 16 | flags (4 bits) << 20 | back (8 bits) << 24
//! then:   [valid, recorded as i32]   when flags & WIDE_DAYS
//!         [target as u32]            when flags & FAR_TARGET (else target = index - back)
//!         one word per read slot, or two (low, high) when flags & WIDE_VALUES
//! ```
//!
//! Subject `i`'s events are `words[offsets[i]..offsets[i + 1]]`; nothing is allocated per
//! subject. Evaluation decodes a subject's events one at a time as the fold reads them (their
//! attribute slots into a reused buffer) and runs the same code as every other path, so its
//! standings are those of
//! [`crate::evaluate_population`] and of the explanation, subject for subject.

use credence_model::{Action, Day, Event, SubjectFacts};
use credence_policy::expr::{Condition, MISSING};
use credence_policy::{BarRule, Policy};
use rayon::prelude::*;

use crate::end_days::EndDays;
use crate::evaluate::{self, EventSource, Scratch};
use crate::history::{CompactEvent, History, HistoryRef, Population};
use crate::population::{CompactLayout, PopulationResult, write_compact};

const WIDE_DAYS: u32 = 1;
const WIDE_VALUES: u32 = 2;
const FAR_TARGET: u32 = 4;

/// Days relative to the epoch that fit in 16 bits.
const DAY_SPAN: i32 = u16::MAX as i32;

/// What a policy reads of each category: whether its records are kept, and which slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reads {
    /// Per category: whether anything reads its records.
    pub kept: Vec<bool>,
    /// Per category: the attribute slots some condition, sum, bar or extension reads, in
    /// slot order.
    pub slots: Vec<Vec<u16>>,
    /// Per category: its number of attribute slots.
    pub widths: Vec<u16>,
}

impl Reads {
    /// What `policy` reads.
    pub fn of(policy: &Policy) -> Reads {
        let mut masks: Vec<Vec<bool>> = policy
            .categories
            .iter()
            .map(|c| vec![false; c.attributes.len()])
            .collect();
        let mut mark = |category: usize, slot: u16| {
            if let Some(seen) = masks
                .get_mut(category)
                .and_then(|m| m.get_mut(usize::from(slot)))
            {
                *seen = true;
            }
        };
        for scheme in &policy.schemes {
            for rule in &scheme.rules {
                condition_slots(&rule.when, &mut |s| mark(usize::from(rule.category.0), s));
            }
            for direct in &scheme.direct {
                condition_slots(&direct.when, &mut |s| {
                    mark(usize::from(direct.category.0), s);
                });
            }
        }
        for card in &policy.scorecards {
            for characteristic in &card.characteristics {
                for input in &characteristic.inputs {
                    let category = usize::from(input.category.0);
                    condition_slots(&input.when, &mut |s| mark(category, s));
                    if let Some(slot) = input.slot {
                        mark(category, slot);
                    }
                }
            }
        }
        for list in &policy.lists {
            for ground in &list.grounds {
                // A ground on a grade reads the rating's records, kept for the rating.
                let Some(category) = ground.category else {
                    continue;
                };
                let category = usize::from(category.0);
                condition_slots(&ground.when, &mut |s| mark(category, s));
                condition_slots(&ground.extension_when, &mut |s| mark(category, s));
            }
            for bar in &list.bars {
                if let BarRule::Record {
                    category,
                    when,
                    bar_slot,
                    ground_slots,
                    ..
                } = &bar.rule
                {
                    condition_slots(when, &mut |s| mark(usize::from(category.0), s));
                    if let Some(slot) = bar_slot {
                        mark(usize::from(category.0), *slot);
                    }
                    for (ground, slot) in list.grounds.iter().zip(ground_slots) {
                        if let (Some(slot), Some(category)) = (slot, ground.category) {
                            mark(usize::from(category.0), *slot);
                        }
                    }
                }
            }
        }
        Reads {
            kept: policy.uses.iter().map(|u| !u.is_empty()).collect(),
            slots: masks
                .iter()
                .map(|m| {
                    m.iter()
                        .enumerate()
                        .filter(|(_, read)| **read)
                        .map(|(slot, _)| u16::try_from(slot).unwrap_or(u16::MAX))
                        .collect()
                })
                .collect(),
            widths: policy
                .categories
                .iter()
                .map(|c| u16::try_from(c.attributes.len()).unwrap_or(u16::MAX))
                .collect(),
        }
    }

    /// Whether a layout packed for these reads holds everything `other` reads.
    pub fn covers(&self, other: &Reads) -> bool {
        self.widths == other.widths
            && self
                .kept
                .iter()
                .zip(&other.kept)
                .all(|(kept, needed)| *kept || !needed)
            && self
                .slots
                .iter()
                .zip(&other.slots)
                .all(|(held, needed)| needed.iter().all(|s| held.contains(s)))
    }
}

/// Calls `read` for every attribute slot the condition reads.
fn condition_slots(condition: &Condition, read: &mut dyn FnMut(u16)) {
    match condition {
        Condition::Always => {}
        Condition::Compare { slot, .. } | Condition::In { slot, .. } => read(*slot),
        Condition::Not(inner) => condition_slots(inner, read),
        Condition::All(parts) | Condition::Any(parts) => {
            for part in parts {
                condition_slots(part, read);
            }
        }
    }
}

/// The layout was packed for a policy that reads less than the one it is evaluated with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutMismatch;

impl std::fmt::Display for LayoutMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the population layout was packed for a policy that reads fewer categories or \
             attributes than the one it is evaluated with; pack it again for this policy",
        )
    }
}

impl std::error::Error for LayoutMismatch {}

/// A population packed for one policy (see the module documentation).
#[derive(Clone, Debug)]
pub struct PackedPopulation {
    reads: Reads,
    epoch: i32,
    facts: Vec<SubjectFacts>,
    /// Subject `i`'s words are `words[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u64>,
    words: Vec<u32>,
    events: usize,
    input_events: usize,
    /// The first and last day a kept record or correction is dated (for the end-day table).
    record_days: (i32, i32),
    /// Per subject being pushed: the packed index of each compact event (`u32::MAX`: dropped).
    renumber: Vec<u32>,
}

impl PackedPopulation {
    /// An empty layout for `policy`, with days stored relative to `epoch` (days from `epoch`
    /// to 65 534 days after it take 16 bits; others are stored whole).
    pub fn new(policy: &Policy, epoch: Day) -> PackedPopulation {
        PackedPopulation {
            reads: Reads::of(policy),
            epoch: epoch.0,
            facts: Vec::new(),
            offsets: vec![0],
            words: Vec::new(),
            events: 0,
            input_events: 0,
            record_days: (i32::MAX, i32::MIN),
            renumber: Vec::new(),
        }
    }

    /// Packs a compact population for `policy`, with the epoch on its earliest day.
    pub fn from_population(policy: &Policy, population: &Population) -> PackedPopulation {
        let epoch = population
            .events
            .iter()
            .map(|e| e.valid.min(e.recorded))
            .min()
            .unwrap_or(0);
        let mut packed = PackedPopulation::new(policy, Day(epoch));
        packed.words.reserve(population.event_count() * 3);
        packed.facts.reserve(population.len());
        packed.offsets.reserve(population.len());
        for index in 0..population.len() {
            packed.push_compact(population.subject(index));
        }
        packed
    }

    /// Appends a subject from its stored events, in history order.
    pub fn push(&mut self, policy: &Policy, facts: SubjectFacts, events: &[Event]) {
        let history = History::build(policy, facts, events);
        if let Some(view) = history.view() {
            self.push_compact(view);
        }
    }

    /// Appends a subject from its compact history (targets and attribute offsets relative to
    /// the subject's own slices).
    pub fn push_compact(&mut self, history: HistoryRef<'_>) {
        self.input_events += history.events.len();
        self.renumber.clear();
        let mut kept = 0u32;
        for (index, event) in history.events.iter().enumerate() {
            let keep = if event.action.names_scheme() {
                true
            } else if event.action == Action::Record {
                self.reads
                    .kept
                    .get(usize::from(event.key))
                    .copied()
                    .unwrap_or(false)
            } else {
                // An action is read only on a kept record before it.
                (event.target as usize) < index
                    && history
                        .events
                        .get(event.target as usize)
                        .is_some_and(|t| t.action == Action::Record)
                    && self
                        .renumber
                        .get(event.target as usize)
                        .is_some_and(|&t| t != u32::MAX)
            };
            if !keep {
                self.renumber.push(u32::MAX);
                continue;
            }
            self.renumber.push(kept);
            let target = if event.action.names_scheme() || event.action == Action::Record {
                kept
            } else {
                self.renumber[event.target as usize]
            };
            self.encode(history.attributes, event, kept, target);
            kept += 1;
        }
        self.events += kept as usize;
        self.facts.push(history.facts);
        self.offsets.push(self.words.len() as u64);
    }

    fn encode(&mut self, attributes: &[i64], event: &CompactEvent, index: u32, target: u32) {
        let valid = event.valid.wrapping_sub(self.epoch);
        let recorded = event.recorded.wrapping_sub(self.epoch);
        let narrow_days = (0..DAY_SPAN).contains(&valid) && (0..DAY_SPAN).contains(&recorded);
        let back = index - target;
        let near = back <= 255;
        // The values this event carries: the read slots of a record or correction, the one
        // value of an extension or an answer.
        let (start, slots): (usize, &[u16]) = match event.action {
            Action::Record | Action::Correct => (
                event.attributes as usize,
                self.reads
                    .slots
                    .get(usize::from(event.key))
                    .map_or(&[], Vec::as_slice),
            ),
            Action::Extend | Action::Resolve => (event.attributes as usize, &[0]),
            _ => (0, &[]),
        };
        let value = |slot: u16| {
            attributes
                .get(start + usize::from(slot))
                .copied()
                .unwrap_or(MISSING)
        };
        let narrow_values = slots.iter().all(|&s| {
            let v = value(s);
            v == MISSING || (v > i64::from(i32::MIN) && v <= i64::from(i32::MAX))
        });
        let mut flags = 0;
        if !narrow_days {
            flags |= WIDE_DAYS;
        }
        if !narrow_values {
            flags |= WIDE_VALUES;
        }
        if !near {
            flags |= FAR_TARGET;
        }
        let (v16, r16) = if narrow_days {
            (valid as u32, recorded as u32)
        } else {
            (0, 0)
        };
        self.words.push(v16 | (r16 << 16));
        self.words.push(
            u32::from(event.key)
                | (action_code(event.action) << 16)
                | (flags << 20)
                | (if near { back } else { 0 } << 24),
        );
        if !narrow_days {
            self.words.push(event.valid as u32);
            self.words.push(event.recorded as u32);
        }
        if !near {
            self.words.push(target);
        }
        for &slot in slots {
            let v = value(slot);
            if narrow_values {
                self.words
                    .push(if v == MISSING { i32::MIN } else { v as i32 } as u32);
            } else {
                self.words.push(v as u32);
                self.words.push((v >> 32) as u32);
            }
        }
        if matches!(event.action, Action::Record | Action::Correct)
            && self
                .reads
                .kept
                .get(usize::from(event.key))
                .copied()
                .unwrap_or(false)
        {
            self.record_days = (
                self.record_days.0.min(event.valid),
                self.record_days.1.max(event.valid),
            );
        }
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Events kept (those the policy reads).
    pub fn event_count(&self) -> usize {
        self.events
    }

    /// Events given, kept or not.
    pub fn input_event_count(&self) -> usize {
        self.input_events
    }

    /// What the layout was packed to read.
    pub fn reads(&self) -> &Reads {
        &self.reads
    }

    /// Bytes the layout holds: words, offsets and subject facts.
    pub fn resident_bytes(&self) -> usize {
        self.words.len() * std::mem::size_of::<u32>()
            + self.offsets.len() * std::mem::size_of::<u64>()
            + self.facts.len() * std::mem::size_of::<SubjectFacts>()
    }

    /// Decodes subject `index` into `events` and `attributes` (cleared first), in the compact
    /// form the evaluator reads: unread slots are missing, targets are indexes into `events`.
    pub fn decode(
        &self,
        index: usize,
        events: &mut Vec<CompactEvent>,
        attributes: &mut Vec<i64>,
    ) -> SubjectFacts {
        events.clear();
        let mut source = PackedEvents::new(self, index, attributes);
        while let Some(event) = source.next_event() {
            events.push(event);
        }
        self.facts[index]
    }
}

/// One subject's packed events, decoded one at a time as the evaluation reads them (into the
/// compact form: unread slots missing, targets indexes into the subject's events).
struct PackedEvents<'a> {
    population: &'a PackedPopulation,
    words: &'a [u32],
    at: usize,
    /// Events decoded so far.
    count: u32,
    attributes: &'a mut Vec<i64>,
}

impl<'a> PackedEvents<'a> {
    /// Subject `index`'s events; `attributes` is cleared and receives their slots.
    fn new(
        population: &'a PackedPopulation,
        index: usize,
        attributes: &'a mut Vec<i64>,
    ) -> PackedEvents<'a> {
        attributes.clear();
        let start = population.offsets[index] as usize;
        let end = population.offsets[index + 1] as usize;
        PackedEvents {
            population,
            words: &population.words[start..end],
            at: 0,
            count: 0,
            attributes,
        }
    }
}

impl EventSource for PackedEvents<'_> {
    #[inline]
    fn next_event(&mut self) -> Option<CompactEvent> {
        let words = self.words;
        let mut at = self.at;
        if at + 1 >= words.len() {
            return None;
        }
        let (days, header) = (words[at], words[at + 1]);
        at += 2;
        let key = (header & 0xffff) as u16;
        let action = ACTIONS[((header >> 16) & 0xf) as usize % ACTIONS.len()];
        let flags = (header >> 20) & 0xf;
        let back = header >> 24;
        let epoch = self.population.epoch;
        let (valid, recorded) = if flags & WIDE_DAYS != 0 {
            at += 2;
            (
                words.get(at - 2).copied().unwrap_or(0) as i32,
                words.get(at - 1).copied().unwrap_or(0) as i32,
            )
        } else {
            (epoch + (days & 0xffff) as i32, epoch + (days >> 16) as i32)
        };
        let own = self.count;
        let target = if flags & FAR_TARGET != 0 {
            at += 1;
            words.get(at - 1).copied().unwrap_or(own)
        } else {
            own - back.min(own)
        };
        let attributes = &mut *self.attributes;
        let offset = attributes.len() as u32;
        let wide = flags & WIDE_VALUES != 0;
        let mut next = || {
            if wide {
                let low = words.get(at).copied().unwrap_or(0);
                let high = words.get(at + 1).copied().unwrap_or(0);
                at += 2;
                (i64::from(high) << 32) | i64::from(low)
            } else {
                let word = words.get(at).copied().unwrap_or(i32::MIN as u32) as i32;
                at += 1;
                if word == i32::MIN {
                    MISSING
                } else {
                    i64::from(word)
                }
            }
        };
        let reads = &self.population.reads;
        match action {
            Action::Record | Action::Correct => {
                let width = reads.widths.get(usize::from(key)).copied().unwrap_or(0);
                attributes.extend(std::iter::repeat_n(MISSING, usize::from(width)));
                if let Some(slots) = reads.slots.get(usize::from(key)) {
                    for &slot in slots {
                        let value = next();
                        if let Some(cell) = attributes.get_mut(offset as usize + usize::from(slot))
                        {
                            *cell = value;
                        }
                    }
                }
            }
            Action::Extend | Action::Resolve => {
                let value = next();
                attributes.push(value);
            }
            _ => {}
        }
        self.at = at;
        self.count += 1;
        Some(CompactEvent {
            valid,
            recorded,
            key,
            action,
            target,
            attributes: offset,
            origin: own,
        })
    }

    #[inline]
    fn attributes(&self) -> &[i64] {
        self.attributes
    }
}

const ACTIONS: [Action; 11] = Action::ALL;

fn action_code(action: Action) -> u32 {
    ACTIONS.iter().position(|a| *a == action).unwrap_or(0) as u32
}

/// Subjects per parallel task: small enough that both cores stay busy to the end.
const CHUNK_SUBJECTS: usize = 2048;

/// Evaluates every subject of a packed population, in parallel on the rayon thread pool.
/// `progress` is called after each chunk with the number of subjects it held.
///
/// The standings are those [`crate::evaluate_population`] gives for the same subjects.
pub fn evaluate_packed(
    policy: &Policy,
    population: &PackedPopulation,
    as_of: Day,
    known_at: Day,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<PopulationResult, LayoutMismatch> {
    if !population.reads.covers(&Reads::of(policy)) {
        return Err(LayoutMismatch);
    }
    let layout = CompactLayout::new(policy);
    let width = layout.width().max(1);
    let mut rows = vec![0i32; population.len() * width];
    let (first, last) = population.record_days;
    let end_days = if first > last {
        EndDays::new(policy, Day(0), Day(-1))
    } else {
        EndDays::new(policy, Day(first), Day(last))
    };
    rows.par_chunks_mut(CHUNK_SUBJECTS * width)
        .enumerate()
        .for_each_init(
            || (Scratch::default(), Vec::new()),
            |(scratch, attributes), (chunk, out)| {
                let first = chunk * CHUNK_SUBJECTS;
                let subjects = out.len() / width;
                for i in 0..subjects {
                    let index = first + i;
                    let facts = population.facts[index];
                    let mut events = PackedEvents::new(population, index, attributes);
                    evaluate::run_events(
                        policy,
                        facts,
                        &mut events,
                        as_of,
                        known_at,
                        scratch,
                        &end_days,
                    );
                    let history = HistoryRef {
                        facts,
                        events: &[],
                        attributes: events.attributes(),
                    };
                    write_compact(
                        policy,
                        history,
                        as_of,
                        scratch,
                        &layout,
                        &mut out[i * width..(i + 1) * width],
                    );
                }
                progress(subjects);
            },
        );
    Ok(PopulationResult { layout, rows })
}
