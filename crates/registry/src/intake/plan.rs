//! What a source may submit, looked up once per file: every category and opt-in scheme of
//! the policy by name, with its subjects, its attributes and whether this source may report
//! it. Rows then cost one hash lookup for their category and a short scan of its attributes.

use std::collections::HashMap;

use credence_policy::{Attribute, Kinds, Policy};
use credence_store::SourceRecord;

/// A category, or an opt-in scheme consent events name.
#[derive(Debug)]
pub(crate) struct Target<'p> {
    pub id: &'p str,
    pub subjects: Kinds,
    /// The source may report it.
    pub allowed: bool,
    /// In the policy's slot order (empty for a scheme).
    pub attributes: &'p [Attribute],
    /// The extensions, in months, that the lists listing on this category allow (the widest
    /// range over them); `None` when no list extends a listing based on it.
    pub extension_months: Option<(u32, u32)>,
}

impl Target<'_> {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// `case`, `court`: the attribute names, for messages.
    pub fn attribute_list(&self) -> String {
        self.attributes
            .iter()
            .map(|a| format!("`{}`", a.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug)]
pub(crate) struct Plan<'p> {
    pub source: &'p SourceRecord,
    pub categories: Vec<Target<'p>>,
    pub schemes: Vec<Target<'p>>,
    category_index: HashMap<&'p str, u32>,
    scheme_index: HashMap<&'p str, u32>,
}

impl<'p> Plan<'p> {
    pub fn new(policy: &'p Policy, source: &'p SourceRecord) -> Plan<'p> {
        let allowed = |id: &str| source.categories.iter().any(|c| c == id);
        let categories: Vec<Target<'p>> = policy
            .categories
            .iter()
            .enumerate()
            .map(|(index, c)| Target {
                id: &c.id,
                subjects: c.subjects,
                allowed: allowed(&c.id),
                attributes: &c.attributes,
                extension_months: extension_months(policy, index),
            })
            .collect();
        let schemes: Vec<Target<'p>> = policy
            .schemes
            .iter()
            .filter(|s| s.consent_required)
            .map(|s| (s.id.as_str(), s.subjects))
            .chain(
                policy
                    .scorecards
                    .iter()
                    .filter(|s| s.consent_required)
                    .map(|s| (s.id.as_str(), s.subjects)),
            )
            .map(|(id, subjects)| Target {
                id,
                subjects,
                allowed: allowed(id),
                attributes: &[],
                extension_months: None,
            })
            .collect();
        let index = |targets: &[Target<'p>]| {
            targets
                .iter()
                .enumerate()
                .filter_map(|(i, t)| u32::try_from(i).ok().map(|i| (t.id, i)))
                .collect::<HashMap<_, _>>()
        };
        Plan {
            source,
            category_index: index(&categories),
            scheme_index: index(&schemes),
            categories,
            schemes,
        }
    }

    pub fn category(&self, name: &str) -> Option<u32> {
        self.category_index.get(name).copied()
    }

    pub fn scheme(&self, name: &str) -> Option<u32> {
        self.scheme_index.get(name).copied()
    }

    /// The category or scheme at `index` of the kind the action names.
    pub fn target(&self, names_scheme: bool, index: u32) -> &Target<'p> {
        let list = if names_scheme {
            &self.schemes
        } else {
            &self.categories
        };
        &list[index as usize]
    }

    /// The source's registered categories (or schemes), for messages.
    pub fn allowed_list(&self, names_scheme: bool) -> String {
        let list = if names_scheme {
            &self.schemes
        } else {
            &self.categories
        };
        let names: Vec<String> = list
            .iter()
            .filter(|t| t.allowed)
            .map(|t| format!("`{}`", t.id))
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }
}

/// The widest range of extensions (months) over the lists with an extendable ground on the
/// category at `index`.
fn extension_months(policy: &Policy, index: usize) -> Option<(u32, u32)> {
    policy
        .lists
        .iter()
        .filter_map(|list| {
            let extension = list.extension.as_ref()?;
            let extends = list
                .grounds
                .iter()
                .any(|g| g.extendable && g.category.is_some_and(|c| usize::from(c.0) == index));
            extends.then(|| {
                (
                    extension.min.months().unwrap_or(0),
                    extension.max.months().unwrap_or(0),
                )
            })
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
}

/// Pass three: every action against its record's state machine, on its own date, after the
/// record's stored events and the file's earlier rows (the machine the engine applies). Only
/// subjects with a row that acts on a record are looked at; a row already stored (a
/// resubmission) is not judged twice. `rows` are the file's events with the line of each.
pub(crate) fn check_lifecycles(
    policy: &Policy,
    plan: &Plan<'_>,
    rows: &[(usize, &credence_store::NewEvent)],
    store: &dyn credence_store::Store,
    attribute_prefix: &str,
    errors: &mut Vec<super::RowError>,
) -> Result<(), credence_store::StoreError> {
    use credence_model::{Event, SubjectFacts};
    // The subjects with a row acting on a record (most files have none: nothing to look up).
    let acted: std::collections::HashSet<&str> = rows
        .iter()
        .filter(|(_, new)| new.event.target.is_some())
        .map(|(_, new)| new.subject.pseudonym.as_str())
        .collect();
    if acted.is_empty() {
        return Ok(());
    }
    // Their rows, in file order.
    let mut subjects: Vec<&str> = Vec::new();
    let mut by_subject: HashMap<&str, Vec<(usize, &credence_store::NewEvent)>> = HashMap::new();
    for &(line, new) in rows {
        let pseudonym = new.subject.pseudonym.as_str();
        if !acted.contains(pseudonym) {
            continue;
        }
        let entry = by_subject.entry(pseudonym).or_default();
        if entry.is_empty() {
            subjects.push(pseudonym);
        }
        entry.push((line, new));
    }
    let source = plan.source.id.as_str();
    for pseudonym in subjects {
        let rows = &by_subject[pseudonym];
        let first = &rows[0].1.subject;
        let facts = SubjectFacts {
            kind: first.kind,
            birth: first.birth,
        };
        let mut events = match store.subject(pseudonym)? {
            Some(stored) => store.events(stored.id)?,
            None => Vec::new(),
        };
        let stored = events.len();
        let mut lines = Vec::new();
        for &(line, new) in rows {
            let event = &new.event;
            if events[..stored]
                .iter()
                .any(|e| e.source == source && e.reference == event.reference)
            {
                continue;
            }
            events.push(Event {
                recorded: event.valid,
                ..event.clone()
            });
            lines.push(line);
        }
        for (index, refusal) in credence_engine::lifecycle::refusals(policy, facts, &events) {
            let Some(&line) = index.checked_sub(stored).and_then(|i| lines.get(i)) else {
                continue;
            };
            let field = match refusal.field() {
                "months" => format!("{attribute_prefix}months"),
                other => other.to_owned(),
            };
            let event = &events[index];
            errors.push(super::RowError {
                line,
                field,
                message: format!(
                    "`{}` on {} of `{}` cannot follow: {refusal}",
                    event.action,
                    event.valid,
                    event.target.as_deref().unwrap_or("")
                ),
            });
        }
    }
    Ok(())
}
