//! Helpers to write histories in tests.
#![allow(dead_code)]

use std::path::Path;

use credence_engine::{ListEntry, SchemeStanding, ScorecardStanding, Standing};
use credence_model::{Action, Attributes, Day, Event, SubjectFacts, SubjectKind, Value};
use credence_policy::{AttrType, Policy, PolicySource, compile};

pub fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

/// Every shipped pack, compiled together.
pub fn shipped() -> Policy {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .collect();
    paths.sort();
    let sources: Vec<PolicySource> = paths
        .iter()
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(p).unwrap(),
        })
        .collect();
    compile(&sources).unwrap_or_else(|d| panic!("{d}"))
}

pub fn person(birth: &str) -> SubjectFacts {
    SubjectFacts {
        kind: SubjectKind::Person,
        birth: Some(day(birth)),
    }
}

pub fn organisation() -> SubjectFacts {
    SubjectFacts {
        kind: SubjectKind::Organisation,
        birth: None,
    }
}

/// A history under construction; every event is recorded on its valid day unless said.
#[derive(Default)]
pub struct Log {
    pub events: Vec<Event>,
}

impl Log {
    pub fn record(
        &mut self,
        source: &str,
        reference: &str,
        category: &str,
        date: &str,
        attributes: &[(&str, Value)],
    ) -> &mut Self {
        self.push(
            source,
            reference,
            Action::Record,
            category,
            None,
            date,
            attributes,
        )
    }

    pub fn act(
        &mut self,
        source: &str,
        reference: &str,
        action: Action,
        target: &str,
        date: &str,
        attributes: &[(&str, Value)],
    ) -> &mut Self {
        let category = self
            .events
            .iter()
            .find(|e| e.reference == target)
            .map(|e| e.category.clone())
            .unwrap_or_default();
        self.push(
            source,
            reference,
            action,
            &category,
            Some(target),
            date,
            attributes,
        )
    }

    pub fn consent(
        &mut self,
        source: &str,
        reference: &str,
        scheme: &str,
        date: &str,
    ) -> &mut Self {
        self.push(source, reference, Action::Consent, scheme, None, date, &[])
    }

    /// Sets the recorded day of the last event.
    pub fn learned(&mut self, date: &str) -> &mut Self {
        if let Some(last) = self.events.last_mut() {
            last.recorded = day(date);
        }
        self
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        source: &str,
        reference: &str,
        action: Action,
        category: &str,
        target: Option<&str>,
        date: &str,
        attributes: &[(&str, Value)],
    ) -> &mut Self {
        let attributes: Attributes = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.events.push(Event {
            seq: self.events.len() as u64 + 1,
            source: source.into(),
            reference: reference.into(),
            action,
            category: category.into(),
            target: target.map(Into::into),
            valid: day(date),
            recorded: day(date),
            attributes,
        });
        self
    }
}

pub fn text(value: &str) -> Value {
    Value::Text(value.into())
}

pub fn yuan(value: i64) -> Value {
    Value::Int(value * 100)
}

impl Log {
    /// Withdraws consent to an opt-in scheme (the category names the scheme).
    pub fn withdraw(
        &mut self,
        source: &str,
        reference: &str,
        scheme: &str,
        date: &str,
    ) -> &mut Self {
        self.push(source, reference, Action::Withdraw, scheme, None, date, &[])
    }
}

/// The standing on `as_of`, as known on the same day.
pub fn standing_on(policy: &Policy, facts: SubjectFacts, log: &Log, as_of: &str) -> Standing {
    credence_engine::evaluate(policy, facts, &log.events, day(as_of), day(as_of))
}

/// The standing of a scheme or rating by id.
pub fn scheme<'a>(standing: &'a Standing, id: &str) -> &'a SchemeStanding {
    standing
        .schemes
        .iter()
        .find(|s| s.scheme == id)
        .unwrap_or_else(|| panic!("no scheme `{id}` in the standing"))
}

/// The standing of a scorecard by id.
pub fn scorecard<'a>(standing: &'a Standing, id: &str) -> &'a ScorecardStanding {
    standing
        .scorecards
        .iter()
        .find(|s| s.scorecard == id)
        .unwrap_or_else(|| panic!("no scorecard `{id}` in the standing"))
}

/// The ids of the measures in force whose id starts with `prefix`, in policy order.
pub fn measures<'a>(standing: &'a Standing, prefix: &str) -> Vec<&'a str> {
    standing
        .measures
        .iter()
        .map(|m| m.measure.as_str())
        .filter(|m| m.starts_with(prefix))
        .collect()
}

/// The entries (in force, ended or barred) on the list `list`.
pub fn entries<'a>(standing: &'a Standing, list: &str) -> Vec<&'a ListEntry> {
    standing.lists.iter().filter(|e| e.list == list).collect()
}

/// The scheme's points and grade, for compact assertions.
pub fn points_grade(standing: &Standing, id: &str) -> (i64, Option<String>) {
    let s = scheme(standing, id);
    (s.points, s.grade.clone())
}

/// A generated city as the engine sees it: each subject's facts and its events, money in fen
/// as intake stores it.
pub fn generated_city(
    policy: &Policy,
    config: credence_gen::GenConfig,
) -> Vec<(SubjectFacts, Vec<Event>)> {
    credence_gen::Generator::new(config)
        .subjects()
        .map(|(subject, events)| {
            let facts = SubjectFacts {
                kind: subject.id.kind(),
                birth: subject.id.birth_date(),
            };
            let events = events
                .into_iter()
                .enumerate()
                .map(|(seq, e)| {
                    let category = policy.category_id(e.category).map(|c| policy.category(c));
                    let attributes: Attributes =
                        e.attributes
                            .into_iter()
                            .map(|(name, value)| {
                                let ty = category
                                    .and_then(|c| c.attributes.iter().find(|a| a.name == name))
                                    .map(|a| &a.ty);
                                let value = match (ty, value) {
                                    (Some(AttrType::Money), Value::Text(text)) => Value::Int(
                                        (text.parse::<f64>().unwrap() * 100.0).round() as i64,
                                    ),
                                    (_, value) => value,
                                };
                                (name.to_owned(), value)
                            })
                            .collect();
                    Event {
                        seq: seq as u64,
                        source: e.source.into(),
                        reference: e.reference,
                        action: e.action,
                        category: e.category.into(),
                        target: e.target,
                        valid: e.date,
                        recorded: e.date,
                        attributes,
                    }
                })
                .collect();
            (facts, events)
        })
        .collect()
}
