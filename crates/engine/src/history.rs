//! The compact form of a subject's history that the engine evaluates.
//!
//! Events become fixed-size [`CompactEvent`]s: the category interned to its index in the
//! policy, dates as integer days, the target record as an index, and attribute values as
//! integer slots in a side array (text as a hash, enums as an index). Building it allocates;
//! evaluating it does not.

use std::collections::HashMap;

use credence_model::{Action, Day, Event, SubjectFacts, Value};
use credence_policy::{AttrType, Policy, expr::MISSING, text_hash};

/// Index of a consent key: a scheme `i` is `i`, a scorecard `j` is `schemes.len() + j`.
pub type ConsentKey = u16;

/// An event in compact form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompactEvent {
    pub valid: i32,
    pub recorded: i32,
    /// Category index (records, and actions on records) or consent key (consent, withdraw).
    pub key: u16,
    pub action: Action,
    /// For actions on a record: index of the record's event in this history. For records:
    /// the event's own index.
    pub target: u32,
    /// Offset of this event's attribute slots in the attribute array.
    pub attributes: u32,
    /// Index of the event in the subject's full history (for explanations).
    pub origin: u32,
}

/// A subject's history, compact. Events the policy does not know are left out.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub facts: Option<SubjectFacts>,
    pub events: Vec<CompactEvent>,
    pub attributes: Vec<i64>,
}

/// A borrowed view of one subject's compact history (from a [`History`] or a [`Population`]).
#[derive(Clone, Copy, Debug)]
pub struct HistoryRef<'a> {
    pub facts: SubjectFacts,
    pub events: &'a [CompactEvent],
    pub attributes: &'a [i64],
}

impl History {
    /// Builds the compact history of one subject from its stored events.
    pub fn build(policy: &Policy, facts: SubjectFacts, events: &[Event]) -> History {
        let mut history = History {
            facts: Some(facts),
            ..History::default()
        };
        append(policy, events, &mut history.events, &mut history.attributes);
        history
    }

    pub fn view(&self) -> Option<HistoryRef<'_>> {
        Some(HistoryRef {
            facts: self.facts?,
            events: &self.events,
            attributes: &self.attributes,
        })
    }
}

/// Many subjects' compact histories in dense arrays, for population evaluation.
#[derive(Clone, Debug, Default)]
pub struct Population {
    pub facts: Vec<SubjectFacts>,
    /// Subject `i`'s events are `events[event_offsets[i]..event_offsets[i + 1]]`.
    pub event_offsets: Vec<u32>,
    pub attribute_offsets: Vec<u32>,
    pub events: Vec<CompactEvent>,
    pub attributes: Vec<i64>,
}

impl Population {
    pub fn new() -> Population {
        Population {
            event_offsets: vec![0],
            attribute_offsets: vec![0],
            ..Population::default()
        }
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Appends a subject; its events must be in history order.
    pub fn push(&mut self, policy: &Policy, facts: SubjectFacts, events: &[Event]) {
        // Targets and attribute offsets are relative to the subject's own slices.
        let mut subject_events = Vec::new();
        let mut subject_attributes = Vec::new();
        append(policy, events, &mut subject_events, &mut subject_attributes);
        self.push_compact(facts, &subject_events, &subject_attributes);
    }

    /// Appends a subject from already compact events (targets and attribute offsets relative
    /// to the subject), as a generator of benchmark data does.
    pub fn push_compact(
        &mut self,
        facts: SubjectFacts,
        events: &[CompactEvent],
        attributes: &[i64],
    ) {
        self.events.extend_from_slice(events);
        self.attributes.extend_from_slice(attributes);
        self.facts.push(facts);
        self.event_offsets
            .push(u32::try_from(self.events.len()).unwrap_or(u32::MAX));
        self.attribute_offsets
            .push(u32::try_from(self.attributes.len()).unwrap_or(u32::MAX));
    }

    pub fn subject(&self, index: usize) -> HistoryRef<'_> {
        let events = self.event_offsets[index] as usize..self.event_offsets[index + 1] as usize;
        let attributes =
            self.attribute_offsets[index] as usize..self.attribute_offsets[index + 1] as usize;
        HistoryRef {
            facts: self.facts[index],
            events: &self.events[events],
            attributes: &self.attributes[attributes],
        }
    }

    pub fn event_count(&self) -> usize {
        self.events.len()
    }
}

/// Appends one subject's events in compact form to `out` and `attributes` (empty on entry:
/// targets and attribute offsets are indexes into them). Events the policy does not know are
/// left out.
fn append(
    policy: &Policy,
    events: &[Event],
    out: &mut Vec<CompactEvent>,
    attributes: &mut Vec<i64>,
) {
    // (source, reference) of each record so far, to resolve the targets of later actions.
    let mut references: HashMap<(&str, &str), u32> = HashMap::new();
    for (origin, event) in events.iter().enumerate() {
        let index = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let attribute_offset = u32::try_from(attributes.len()).unwrap_or(u32::MAX);
        let key = if event.action.names_scheme() {
            match consent_key(policy, &event.category) {
                Some(key) => key,
                None => continue,
            }
        } else {
            match policy.category_id(&event.category) {
                Some(id) => id.0,
                None => continue,
            }
        };
        let target = match (&event.target, event.action.needs_target()) {
            (Some(target), true) => {
                match references.get(&(event.source.as_str(), target.as_str())) {
                    Some(&t) => t,
                    None => continue,
                }
            }
            _ => index,
        };
        match event.action {
            Action::Record | Action::Correct => {
                let category = policy.category(credence_policy::CategoryId(key));
                for attribute in &category.attributes {
                    attributes.push(encode(&attribute.ty, event.attributes.get(&attribute.name)));
                }
            }
            Action::Extend => attributes.push(
                event
                    .attributes
                    .get("months")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
            ),
            Action::Resolve => attributes.push(
                event
                    .attributes
                    .get("upheld")
                    .and_then(Value::as_i64)
                    .unwrap_or(1),
            ),
            _ => {}
        }
        if event.action == Action::Record {
            references.insert((event.source.as_str(), event.reference.as_str()), index);
        }
        out.push(CompactEvent {
            valid: event.valid.0,
            recorded: event.recorded.0,
            key,
            action: event.action,
            target,
            attributes: attribute_offset,
            origin: u32::try_from(origin).unwrap_or(u32::MAX),
        });
    }
}

/// The consent key of a scheme or scorecard id.
pub fn consent_key(policy: &Policy, id: &str) -> Option<ConsentKey> {
    if let Some(s) = policy.scheme_index(id) {
        return u16::try_from(s).ok();
    }
    let c = policy.scorecards.iter().position(|c| c.id == id)?;
    u16::try_from(policy.schemes.len() + c).ok()
}

/// Encodes an attribute value into its slot.
pub fn encode(ty: &AttrType, value: Option<&Value>) -> i64 {
    let Some(value) = value else { return MISSING };
    match (ty, value) {
        (AttrType::Int | AttrType::Money, Value::Int(n)) => *n,
        (AttrType::Bool, Value::Bool(b)) => i64::from(*b),
        (AttrType::Date, Value::Text(t)) => Day::parse(t).map_or(MISSING, |d| i64::from(d.0)),
        (AttrType::Text, Value::Text(t)) => text_hash(t),
        (AttrType::Enum(values), Value::Text(t)) => values
            .iter()
            .position(|v| v == t)
            .map_or(MISSING, |i| i as i64),
        _ => MISSING,
    }
}
