//! What the history holds: events about one subject, each from one source.
//!
//! Everything that changes a standing is an event. A record is submitted once (`record`); every
//! later change to it (a correction, a retraction, performance of the obligation, a dispute, a
//! suppression, a repair, an extension of a listing) is a new event that names the record it is
//! about by the source's own reference. Nothing is ever updated in place, so the history can
//! answer "what was this subject's standing on 1 March, as we knew it on 1 April?".

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::day::Day;

/// What an event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new record of a category, with its attributes.
    Record,
    /// Replaces the date and attributes of an earlier record of the same source.
    Correct,
    /// Withdraws an earlier record: from the moment the registry learns it, the record never
    /// counted.
    Retract,
    /// The obligation behind an earlier record was performed on the event's date.
    Fulfil,
    /// A listing based on an earlier record is extended (attribute `months`).
    Extend,
    /// The record stops counting from the event's date (for example a one-time relief).
    Suppress,
    /// Credit repair was granted for the record on the event's date.
    Repair,
    /// The subject disputes the record from the event's date.
    Dispute,
    /// The source answered the dispute (attribute `upheld`: the record stands as it is).
    Resolve,
    /// The subject consents to a scheme that needs consent (the category names the scheme).
    Consent,
    /// The subject withdraws consent to a scheme.
    Withdraw,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Record,
        Action::Correct,
        Action::Retract,
        Action::Fulfil,
        Action::Extend,
        Action::Suppress,
        Action::Repair,
        Action::Dispute,
        Action::Resolve,
        Action::Consent,
        Action::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Record => "record",
            Action::Correct => "correct",
            Action::Retract => "retract",
            Action::Fulfil => "fulfil",
            Action::Extend => "extend",
            Action::Suppress => "suppress",
            Action::Repair => "repair",
            Action::Dispute => "dispute",
            Action::Resolve => "resolve",
            Action::Consent => "consent",
            Action::Withdraw => "withdraw",
        }
    }

    /// Whether the event acts on an earlier record (and so needs a target reference).
    pub fn needs_target(self) -> bool {
        !matches!(self, Action::Record | Action::Consent | Action::Withdraw)
    }

    /// Whether the event's category names a scheme rather than a record category.
    pub fn names_scheme(self) -> bool {
        matches!(self, Action::Consent | Action::Withdraw)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The action name was not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an action: use one of record, correct, retract, fulfil, extend, suppress, repair, dispute, resolve, consent, withdraw"
)]
pub struct ActionError(pub String);

impl FromStr for Action {
    type Err = ActionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| ActionError(s.to_owned()))
    }
}

/// A typed attribute value, checked against the category's declared attribute type at intake.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    /// Whole numbers, and amounts of money in fen (hundredths of a yuan).
    Int(i64),
    /// Dates, enumeration values and free text (a case number, a decision reference).
    Text(String),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Text(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// Attribute values by attribute name, kept sorted by name: a map with the order and the
/// serialised form (a JSON object) of a `BTreeMap<String, Value>`, held as one small vector.
/// An event has a handful of attributes, and a registry holds millions of events: a tree's
/// node (room for eleven entries) cost each event several hundred bytes where two entries need
/// a hundred, and a lookup by name over a few sorted entries is as fast.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Attributes(Vec<(String, Value)>);

impl Attributes {
    pub fn new() -> Attributes {
        Attributes(Vec::new())
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(key, _)| key.as_str().cmp(name))
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// The value of `name`, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.position(name).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Sets `name` to `value`, returning the value it replaces.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        match self.position(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.position(name).ok().map(|i| self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Value)> + DoubleEndedIterator {
        self.0.iter().map(|(key, value)| (key, value))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> + DoubleEndedIterator {
        self.0.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + DoubleEndedIterator {
        self.0.iter().map(|(_, value)| value)
    }

    pub fn values_mut(&mut self) -> impl ExactSizeIterator<Item = &mut Value> {
        self.0.iter_mut().map(|(_, value)| value)
    }
}

impl std::ops::Index<&str> for Attributes {
    type Output = Value;

    /// The value of `name`; panics when there is none, like a map's index.
    fn index(&self, name: &str) -> &Value {
        match self.get(name) {
            Some(value) => value,
            None => panic!("no attribute `{name}`"),
        }
    }
}

impl FromIterator<(String, Value)> for Attributes {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(entries: I) -> Attributes {
        let mut attributes = Attributes(entries.into_iter().collect());
        // The last value given for a name wins, as in a map.
        attributes.0.reverse();
        attributes.0.sort_by(|a, b| a.0.cmp(&b.0));
        attributes.0.dedup_by(|later, earlier| later.0 == earlier.0);
        attributes.0.shrink_to_fit();
        attributes
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(key, value)| (key, value))
    }
}

impl IntoIterator for Attributes {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Attributes, D::Error> {
        let map = BTreeMap::<String, Value>::deserialize(deserializer)?;
        Ok(Attributes(map.into_iter().collect()))
    }
}

/// One event of one subject's history, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the registry's history (assigned by the store, increasing).
    pub seq: u64,
    /// The registered source that submitted the event.
    pub source: String,
    /// The source's own reference for this event; unique per source (intake is idempotent on it).
    pub reference: String,
    pub action: Action,
    /// The record category (or, for consent, the scheme).
    pub category: String,
    /// For actions on an earlier record: that record's reference (same source).
    pub target: Option<String>,
    /// When it happened in the world.
    pub valid: Day,
    /// When the registry learned it.
    pub recorded: Day,
    pub attributes: Attributes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
        assert_eq!(
            "delete".parse::<Action>(),
            Err(ActionError("delete".into()))
        );
    }

    #[test]
    fn only_actions_on_records_need_a_target() {
        assert!(!Action::Record.needs_target());
        assert!(Action::Fulfil.needs_target());
        assert!(Action::Consent.names_scheme());
    }

    #[test]
    fn attributes_are_a_map_sorted_by_name() {
        let mut attributes = Attributes::new();
        assert_eq!(attributes.insert("b".into(), Value::Int(2)), None);
        assert_eq!(attributes.insert("a".into(), Value::Bool(true)), None);
        assert_eq!(
            attributes.insert("b".into(), Value::Int(3)),
            Some(Value::Int(2))
        );
        assert_eq!(attributes.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(attributes.get("b"), Some(&Value::Int(3)));
        assert_eq!(attributes.get("c"), None);
        if let Some(value) = attributes.get_mut("a") {
            *value = Value::Bool(false);
        }
        assert_eq!(
            attributes.insert("a".into(), Value::Bool(true)),
            Some(Value::Bool(false))
        );
        assert!(attributes.contains_key("a") && !attributes.contains_key("c"));
        assert_eq!(attributes["a"], Value::Bool(true));
        // Built from entries in any order, the last value given for a name wins.
        let built: Attributes = [
            ("b".to_owned(), Value::Int(1)),
            ("a".to_owned(), Value::Bool(true)),
            ("b".to_owned(), Value::Int(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(built, attributes);
        // Serialised as a JSON object in name order, and read back from one in any order.
        let json = serde_json::to_string(&attributes).unwrap_or_default();
        assert_eq!(json, r#"{"a":true,"b":3}"#);
        let read: Attributes = serde_json::from_str(r#"{"b":3,"a":true}"#).unwrap_or_default();
        assert_eq!(read, attributes);
        assert_eq!(attributes.remove("a"), Some(Value::Bool(true)));
        assert_eq!(attributes.len(), 1);
    }
}
