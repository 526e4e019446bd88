//! `credence policy test`: worked examples of a policy, written as data and checked against
//! the engine (in the manner of `opa test`).
//!
//! A scenario file holds scenarios. Each gives a subject, its events (records in, then any
//! action on them), the evaluation day, and what the policy must make of it: points, grades,
//! scores and bands; list entries with their state, `until` and remedies; and checks (whether a
//! measure applies, for a relying party that applies it). A failed expectation names the file,
//! the line, the scenario and what was expected and found. The format is documented in
//! docs/policy-language.md, section 12.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use credence_engine::{EntryState, Remedy, SchemeStatus, Standing};
use credence_model::{Action, Attributes, Day, Event, SubjectFacts, SubjectKind, Value};
use credence_policy::{AttrType, Policy};
use credence_registry::submission::Limits;
use serde::Deserialize;
use toml::Spanned;

type S<T> = Spanned<T>;

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    /// The pack whose published numbers the file pins (for the catalogue of examples).
    pack: Option<S<String>>,
    #[serde(default)]
    scenario: Vec<S<ScenarioDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioDoc {
    name: String,
    /// `person` or `organisation`.
    subject: S<String>,
    /// A person's birth date (as a resident id carries it, or as a source states it).
    born: Option<S<String>>,
    as_of: S<String>,
    known_at: Option<S<String>>,
    #[serde(default)]
    event: Vec<S<EventDoc>>,
    expect: S<ExpectDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventDoc {
    /// Default `record`.
    action: Option<S<String>>,
    /// The source's reference for the event; actions name records by it.
    #[serde(rename = "ref")]
    reference: Option<S<String>>,
    /// The record's category (`record`), or the scheme (`consent`, `withdraw`).
    category: Option<S<String>>,
    /// The record an action is about.
    target: Option<S<String>>,
    date: S<String>,
    /// The day the registry learned it (default: `date`).
    recorded: Option<S<String>>,
    source: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, S<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectDoc {
    #[serde(default)]
    points: BTreeMap<String, S<i64>>,
    /// A grade name, or `"none"` for no grade.
    #[serde(default)]
    grades: BTreeMap<String, S<String>>,
    #[serde(default)]
    scores: BTreeMap<String, S<i64>>,
    #[serde(default)]
    bands: BTreeMap<String, S<String>>,
    /// Schemes, ratings and scorecards that must not score the subject.
    not_scored: Option<S<Vec<String>>>,
    /// Remedies of a scheme or rating, as `expires DAY: POINTS GRADE`.
    #[serde(default)]
    remedies: BTreeMap<String, S<Vec<String>>>,
    #[serde(default)]
    entry: Vec<S<EntryDoc>>,
    /// Lists on which the subject has no entry at all (in force, ended or barred).
    no_entries: Option<S<Vec<String>>>,
    #[serde(default)]
    check: Vec<S<CheckDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryDoc {
    list: String,
    ground: Option<String>,
    /// The reference of the ground record.
    record: Option<String>,
    /// `in-force`, `ended` or `barred`.
    state: S<String>,
    since: Option<S<String>>,
    until: Option<S<String>>,
    ended_by: Option<S<String>>,
    bar: Option<S<String>>,
    remedies: Option<S<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDoc {
    measure: S<String>,
    party: S<String>,
    applies: bool,
    until: Option<S<String>>,
}

/// The outcome of running scenario files.
#[derive(Debug, Default)]
pub struct Outcome {
    pub scenarios: usize,
    pub failures: Vec<String>,
    /// Malformed files or scenarios: `file:line: message`.
    pub malformed: Vec<String>,
    pub report: String,
}

/// Runs every scenario of `files` (files or directories of `*.toml`) against `policy`.
pub fn run(policy: &Policy, files: &[PathBuf]) -> Outcome {
    let mut outcome = Outcome::default();
    let mut paths = Vec::new();
    for path in files {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(dir) => {
                    let mut found: Vec<PathBuf> = dir
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                        .collect();
                    found.sort();
                    paths.extend(found);
                }
                Err(e) => outcome
                    .malformed
                    .push(format!("{}: cannot read: {e}", path.display())),
            }
        } else {
            paths.push(path.clone());
        }
    }
    if paths.is_empty() && outcome.malformed.is_empty() {
        outcome.malformed.push("no scenario files given".into());
    }
    for path in &paths {
        match credence_registry::submission::read_path(path, &Limits::DOCUMENT) {
            Ok(text) => run_file(policy, path, &text, &mut outcome),
            Err(e) => outcome.malformed.push(e.to_string()),
        }
    }
    outcome
}

/// Runs the scenarios of one file's text.
pub fn run_file(policy: &Policy, path: &Path, text: &str, outcome: &mut Outcome) {
    let name = path.display().to_string();
    let doc: FileDoc = match toml::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            outcome
                .malformed
                .push(format!("{name}:{line}: {}", e.message().trim()));
            return;
        }
    };
    if let Some(pack) = &doc.pack
        && !policy.packs.iter().any(|p| &p.id == pack.get_ref())
    {
        outcome.malformed.push(format!(
            "{name}:{}: `{}` is not a pack of the policy",
            line_of(text, pack.span().start),
            pack.get_ref()
        ));
        return;
    }
    let (mut passed, mut count) = (0, 0);
    for scenario in &doc.scenario {
        count += 1;
        let at = |span: std::ops::Range<usize>| format!("{name}:{}", line_of(text, span.start));
        let mut ctx = Ctx {
            policy,
            at: &at,
            malformed: Vec::new(),
            failures: Vec::new(),
            scenario: &scenario.get_ref().name,
        };
        ctx.scenario(scenario);
        let ok = ctx.failures.is_empty() && ctx.malformed.is_empty();
        outcome.malformed.append(&mut ctx.malformed);
        outcome.failures.append(&mut ctx.failures);
        if ok {
            passed += 1;
        }
    }
    outcome.scenarios += count;
    let _ = writeln!(
        outcome.report,
        "{name}: {passed} of {count} scenarios passed"
    );
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

struct Ctx<'a> {
    policy: &'a Policy,
    at: &'a dyn Fn(std::ops::Range<usize>) -> String,
    malformed: Vec<String>,
    failures: Vec<String>,
    scenario: &'a str,
}

impl Ctx<'_> {
    fn bad(&mut self, span: std::ops::Range<usize>, message: impl std::fmt::Display) {
        let at = (self.at)(span);
        self.malformed
            .push(format!("{at}: scenario `{}`: {message}", self.scenario));
    }

    fn fail(
        &mut self,
        span: std::ops::Range<usize>,
        what: impl std::fmt::Display,
        expected: impl std::fmt::Display,
        actual: impl std::fmt::Display,
    ) {
        let at = (self.at)(span);
        self.failures.push(format!(
            "{at}: scenario `{}`: {what}: expected {expected}, got {actual}",
            self.scenario
        ));
    }

    fn day(&mut self, text: &S<String>) -> Option<Day> {
        match Day::parse(text.get_ref()) {
            Ok(day) => Some(day),
            Err(e) => {
                self.bad(text.span(), e);
                None
            }
        }
    }

    fn scenario(&mut self, scenario: &S<ScenarioDoc>) {
        let doc = scenario.get_ref();
        let kind = match doc.subject.get_ref().as_str() {
            "person" => SubjectKind::Person,
            "organisation" => SubjectKind::Organisation,
            other => {
                self.bad(
                    doc.subject.span(),
                    format!("subject `{other}` is not `person` or `organisation`"),
                );
                return;
            }
        };
        let birth = doc.born.as_ref().and_then(|b| self.day(b));
        let (Some(as_of), known_at) = (
            self.day(&doc.as_of),
            doc.known_at.as_ref().map(|k| self.day(k)),
        ) else {
            return;
        };
        let known_at = match known_at {
            Some(Some(day)) => day,
            Some(None) => return,
            None => as_of,
        };
        let Some(events) = self.events(&doc.event) else {
            return;
        };
        let facts = SubjectFacts { kind, birth };
        let standing = credence_engine::evaluate(self.policy, facts, &events, as_of, known_at);
        self.expect(doc.expect.get_ref(), &standing, &events);
    }

    fn events(&mut self, docs: &[S<EventDoc>]) -> Option<Vec<Event>> {
        let mut events: Vec<Event> = Vec::new();
        let before = self.malformed.len();
        for (index, doc) in docs.iter().enumerate() {
            let span = doc.span();
            let e = doc.get_ref();
            let action = match &e.action {
                None => Action::Record,
                Some(a) => match a.get_ref().parse::<Action>() {
                    Ok(action) => action,
                    Err(err) => {
                        self.bad(a.span(), err);
                        continue;
                    }
                },
            };
            let Some(valid) = self.day(&e.date) else {
                continue;
            };
            let recorded = match &e.recorded {
                Some(r) => match self.day(r) {
                    Some(day) => day,
                    None => continue,
                },
                None => valid,
            };
            let reference = e
                .reference
                .as_ref()
                .map_or_else(|| format!("event-{}", index + 1), |r| r.get_ref().clone());
            let source = e.source.clone().unwrap_or_else(|| "scenario".into());
            let (category, target) = match action {
                Action::Record | Action::Consent | Action::Withdraw => {
                    let Some(category) = &e.category else {
                        self.bad(span.clone(), format!("a `{action}` event needs `category`"));
                        continue;
                    };
                    let known = if action == Action::Record {
                        self.policy.category_id(category.get_ref()).is_some()
                    } else {
                        self.policy
                            .schemes
                            .iter()
                            .any(|s| &s.id == category.get_ref())
                            || self
                                .policy
                                .scorecards
                                .iter()
                                .any(|s| &s.id == category.get_ref())
                    };
                    if !known {
                        self.bad(
                            category.span(),
                            format!(
                                "`{}` is not a category, scheme or scorecard of the policy",
                                category.get_ref()
                            ),
                        );
                        continue;
                    }
                    (category.get_ref().clone(), None)
                }
                _ => {
                    let Some(target) = &e.target else {
                        self.bad(span.clone(), format!("a `{action}` event needs `target`"));
                        continue;
                    };
                    let Some(record) = events
                        .iter()
                        .find(|r| &r.reference == target.get_ref() && r.action == Action::Record)
                    else {
                        self.bad(
                            target.span(),
                            format!("no earlier record has the reference `{}`", target.get_ref()),
                        );
                        continue;
                    };
                    (record.category.clone(), Some(target.get_ref().clone()))
                }
            };
            let Some(attributes) = self.attributes(action, &category, &e.attributes) else {
                continue;
            };
            events.push(Event {
                seq: events.len() as u64 + 1,
                source,
                reference,
                action,
                category,
                target,
                valid,
                recorded,
                attributes,
            });
        }
        (self.malformed.len() == before).then_some(events)
    }

    /// The event's attributes as a source would send them, typed by its category (money in
    /// yuan becomes fen).
    fn attributes(
        &mut self,
        action: Action,
        category: &str,
        given: &BTreeMap<String, S<toml::Value>>,
    ) -> Option<Attributes> {
        let mut out = Attributes::new();
        for (name, value) in given {
            let span = value.span();
            let ty = match action {
                Action::Record | Action::Correct => {
                    let attribute = self
                        .policy
                        .category_id(category)
                        .map(|id| self.policy.category(id))
                        .and_then(|c| c.attributes.iter().find(|a| &a.name == name));
                    match attribute {
                        Some(a) => a.ty.clone(),
                        None => {
                            self.bad(span, format!("`{category}` has no attribute `{name}`"));
                            return None;
                        }
                    }
                }
                Action::Extend if name == "months" => AttrType::Int,
                Action::Resolve if name == "upheld" => AttrType::Bool,
                _ => {
                    self.bad(
                        span,
                        format!("a `{action}` event has no attribute `{name}`"),
                    );
                    return None;
                }
            };
            let converted = match (&ty, value.get_ref()) {
                (AttrType::Int, toml::Value::Integer(n)) => Some(Value::Int(*n)),
                (AttrType::Money, toml::Value::Integer(n)) => n.checked_mul(100).map(Value::Int),
                (AttrType::Money, toml::Value::Float(f)) => {
                    let fen = (f * 100.0).round();
                    ((f * 100.0 - fen).abs() < 1e-6 && fen.abs() < 9e15)
                        .then_some(Value::Int(fen as i64))
                }
                (AttrType::Bool, toml::Value::Boolean(b)) => Some(Value::Bool(*b)),
                (
                    AttrType::Date | AttrType::Text | AttrType::Enum(_) | AttrType::Subject,
                    toml::Value::String(s),
                ) => Some(Value::Text(s.clone())),
                _ => None,
            };
            match converted {
                Some(v) => {
                    out.insert(name.clone(), v);
                }
                None => {
                    self.bad(
                        span,
                        format!("`{name}` is not a value of its type ({ty:?})").to_lowercase(),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn expect(&mut self, expect: &ExpectDoc, standing: &Standing, events: &[Event]) {
        for (id, want) in &expect.points {
            if let Some(s) = self.scheme(standing, id, want.span()) {
                let got = s.points;
                if got != *want.get_ref() {
                    self.fail(
                        want.span(),
                        format!("points of `{id}`"),
                        want.get_ref(),
                        got,
                    );
                }
            }
        }
        for (id, want) in &expect.grades {
            if let Some(s) = self.scheme(standing, id, want.span()) {
                let got = s.grade.clone().unwrap_or_else(|| "none".into());
                if &got != want.get_ref() {
                    self.fail(want.span(), format!("grade of `{id}`"), want.get_ref(), got);
                }
            }
        }
        for (id, want) in &expect.scores {
            if let Some(s) = self.card(standing, id, want.span())
                && (s.score != *want.get_ref() || s.status != SchemeStatus::Scored)
            {
                let got = if s.status == SchemeStatus::Scored {
                    s.score.to_string()
                } else {
                    "not scored".into()
                };
                self.fail(want.span(), format!("score of `{id}`"), want.get_ref(), got);
            }
        }
        for (id, want) in &expect.bands {
            if let Some(s) = self.card(standing, id, want.span()) {
                let got = s.band.clone().unwrap_or_else(|| "none".into());
                if &got != want.get_ref() {
                    self.fail(want.span(), format!("band of `{id}`"), want.get_ref(), got);
                }
            }
        }
        if let Some(ids) = &expect.not_scored {
            for id in ids.get_ref() {
                let status = standing
                    .schemes
                    .iter()
                    .find(|s| &s.scheme == id)
                    .map(|s| s.status)
                    .or_else(|| {
                        standing
                            .scorecards
                            .iter()
                            .find(|s| &s.scorecard == id)
                            .map(|s| s.status)
                    });
                match status {
                    None => self.bad(ids.span(), format!("`{id}` is not a scheme or scorecard")),
                    Some(SchemeStatus::Scored) => {
                        self.fail(ids.span(), format!("`{id}`"), "not scored", "scored");
                    }
                    Some(_) => {}
                }
            }
        }
        for (id, want) in &expect.remedies {
            if let Some(s) = self.scheme(standing, id, want.span()) {
                let got: Vec<String> = s.remedies.iter().map(|r| remedy(r, events)).collect();
                if &got != want.get_ref() {
                    self.fail(
                        want.span(),
                        format!("remedies of `{id}`"),
                        format!("{:?}", want.get_ref()),
                        format!("{got:?}"),
                    );
                }
            }
        }
        if let Some(lists) = &expect.no_entries {
            for list in lists.get_ref() {
                if self.policy.list_index(list).is_none() {
                    self.bad(
                        lists.span(),
                        format!("`{list}` is not a list of the policy"),
                    );
                    continue;
                }
                let found: Vec<String> = standing
                    .lists
                    .iter()
                    .filter(|e| &e.list == list)
                    .map(|e| entry_text(e, events))
                    .collect();
                if !found.is_empty() {
                    self.fail(
                        lists.span(),
                        format!("entries on `{list}`"),
                        "none",
                        found.join("; "),
                    );
                }
            }
        }
        for entry in &expect.entry {
            self.entry(entry, standing, events);
        }
        for check in &expect.check {
            self.check(check, standing);
        }
    }

    fn scheme<'s>(
        &mut self,
        standing: &'s Standing,
        id: &str,
        span: std::ops::Range<usize>,
    ) -> Option<&'s credence_engine::SchemeStanding> {
        let found = standing.schemes.iter().find(|s| s.scheme == id);
        if found.is_none() {
            self.bad(
                span,
                format!("`{id}` is not a scheme or rating of the policy"),
            );
        }
        found
    }

    fn card<'s>(
        &mut self,
        standing: &'s Standing,
        id: &str,
        span: std::ops::Range<usize>,
    ) -> Option<&'s credence_engine::ScorecardStanding> {
        let found = standing.scorecards.iter().find(|s| s.scorecard == id);
        if found.is_none() {
            self.bad(span, format!("`{id}` is not a scorecard of the policy"));
        }
        found
    }

    fn entry(&mut self, doc: &S<EntryDoc>, standing: &Standing, events: &[Event]) {
        let span = doc.span();
        let e = doc.get_ref();
        let Some(list) = self
            .policy
            .list_index(&e.list)
            .map(|i| &self.policy.lists[i])
        else {
            self.bad(span, format!("`{}` is not a list of the policy", e.list));
            return;
        };
        if let Some(ground) = &e.ground
            && !list.grounds.iter().any(|g| &g.id == ground)
        {
            self.bad(span, format!("list `{}` has no ground `{ground}`", e.list));
            return;
        }
        let candidates: Vec<_> = standing
            .lists
            .iter()
            .filter(|entry| {
                entry.list == e.list
                    && e.ground.as_ref().is_none_or(|g| &entry.ground == g)
                    && e.record.as_ref().is_none_or(|r| {
                        entry
                            .record
                            .and_then(|record| events.get(record as usize))
                            .is_some_and(|ev| &ev.reference == r)
                    })
            })
            .collect();
        let what = format!(
            "entry on `{}`{}{}",
            e.list,
            e.ground
                .as_ref()
                .map_or(String::new(), |g| format!(", ground {g}")),
            e.record
                .as_ref()
                .map_or(String::new(), |r| format!(", record `{r}`")),
        );
        let [entry] = candidates.as_slice() else {
            let found: Vec<String> = candidates.iter().map(|c| entry_text(c, events)).collect();
            self.fail(
                span,
                what,
                "exactly one such entry",
                if found.is_empty() {
                    "none".to_owned()
                } else {
                    found.join("; ")
                },
            );
            return;
        };
        let state = match entry.state {
            EntryState::InForce => "in-force",
            EntryState::Ended => "ended",
            EntryState::Barred => "barred",
        };
        if !["in-force", "ended", "barred"].contains(&e.state.get_ref().as_str()) {
            self.bad(e.state.span(), "`state` is one of in-force, ended, barred");
            return;
        }
        if e.state.get_ref() != state {
            self.fail(
                e.state.span(),
                format!("{what}: state"),
                e.state.get_ref(),
                state,
            );
        }
        for (field, want, got) in [
            ("since", &e.since, Some(entry.since)),
            ("until", &e.until, Some(entry.until)),
        ] {
            if let Some(want) = want
                && let Some(day) = self.day(want)
                && Some(day) != got
            {
                self.fail(
                    want.span(),
                    format!("{what}: {field}"),
                    day,
                    got.map_or("none".into(), |d| d.to_string()),
                );
            }
        }
        if let Some(want) = &e.ended_by {
            let got = entry
                .ended_by
                .map_or_else(|| "none".to_owned(), |end| kebab(&format!("{end:?}")));
            if &got != want.get_ref() {
                self.fail(
                    want.span(),
                    format!("{what}: ended_by"),
                    want.get_ref(),
                    got,
                );
            }
        }
        if let Some(want) = &e.bar {
            let got = entry.bar.clone().unwrap_or_else(|| "none".into());
            if &got != want.get_ref() {
                self.fail(want.span(), format!("{what}: bar"), want.get_ref(), got);
            }
        }
        if let Some(want) = &e.remedies {
            let got: Vec<String> = entry.remedies.iter().map(|r| remedy(r, events)).collect();
            if &got != want.get_ref() {
                self.fail(
                    want.span(),
                    format!("{what}: remedies"),
                    format!("{:?}", want.get_ref()),
                    format!("{got:?}"),
                );
            }
        }
    }

    fn check(&mut self, doc: &S<CheckDoc>, standing: &Standing) {
        let c = doc.get_ref();
        let Some(measure) = self
            .policy
            .measure_index(c.measure.get_ref())
            .map(|i| &self.policy.measures[i])
        else {
            self.bad(
                c.measure.span(),
                format!("`{}` is not a measure of the policy", c.measure.get_ref()),
            );
            return;
        };
        if !measure.relying_parties.contains(c.party.get_ref()) {
            self.bad(
                c.party.span(),
                format!(
                    "`{}` does not apply `{}` (its relying parties: {})",
                    c.party.get_ref(),
                    measure.id,
                    measure.relying_parties.join(", ")
                ),
            );
            return;
        }
        let found = standing.measure(&measure.id);
        if found.is_some() != c.applies {
            let word = |b: bool| if b { "applies" } else { "does not apply" };
            self.fail(
                doc.span(),
                format!("check `{}` for {}", measure.id, c.party.get_ref()),
                word(c.applies),
                word(found.is_some()),
            );
        }
        if let (Some(want), Some(found)) = (&c.until, found)
            && let Some(day) = self.day(want)
            && found.until != Some(day)
        {
            self.fail(
                want.span(),
                format!("check `{}`: until", measure.id),
                day,
                found.until.map_or("none".into(), |d| d.to_string()),
            );
        }
    }
}

fn kebab(debug: &str) -> String {
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn reference(events: &[Event], record: u32) -> &str {
    events
        .get(record as usize)
        .map_or("?", |e| e.reference.as_str())
}

/// A remedy as a scenario writes it.
fn remedy(remedy: &Remedy, events: &[Event]) -> String {
    match remedy {
        Remedy::Perform { .. } => "perform".into(),
        Remedy::RepairFrom { day, .. } => format!("repair from {day}"),
        Remedy::EndsOn { day } => format!("ends on {day}"),
        Remedy::RecordExpires {
            record,
            day,
            points,
            grade,
        } => format!(
            "`{}` expires {day}: {points}{}",
            reference(events, *record),
            grade.as_ref().map_or(String::new(), |g| format!(" {g}"))
        ),
        Remedy::Dispute { .. } => "dispute".into(),
    }
}

fn entry_text(entry: &credence_engine::ListEntry, events: &[Event]) -> String {
    format!(
        "ground {} on `{}` {:?} since {} until {}",
        entry.ground,
        entry.record.map_or_else(
            || {
                entry.rated.as_ref().map_or(String::new(), |r| {
                    format!("rated {} by {}", r.grade, r.scheme)
                })
            },
            |record| reference(events, record).to_owned()
        ),
        entry.state,
        entry.since,
        entry.until
    )
}
