//! Pass two, block by block: each row against the file's earlier rows and the store.
//! References unique in the file, targets resolved, resubmissions unchanged, stated birth dates
//! agreeing.
//!
//! What is kept of the rows already read is compact and fixed in size, whatever the rows hold:
//! per reference a 128-bit keyed hash of it with the row's line, action, category and a hash of
//! its subject. The keys are drawn at random for each file, so a submitter cannot make two
//! references collide; an accidental collision among five million references has a chance of
//! about 10⁻²⁵. A target not found when its row is read (neither earlier in the file nor in the
//! store) waits for the end of the file, to say whether it is defined later or not at all.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use credence_model::{Action, Day};
use credence_store::{KnownReference, Store, StoreError, hash::content_hash};

use super::plan::Plan;
use super::row::Parsed;
use super::{RowError, stored_form};
use crate::intake::hex;

/// 128 bits of a keyed hash of a text.
type Key = (u64, u64);

/// What is kept of a row with a reference of its own, for the rows after it.
#[derive(Clone, Copy, Debug)]
struct Earlier {
    line: usize,
    action: Option<Action>,
    category: Option<u32>,
    subject: Option<Key>,
}

/// A target not found when its row was read.
#[derive(Debug)]
struct Pending {
    line: usize,
    target: String,
}

/// The file's rows so far, as far as later rows need them.
#[derive(Debug)]
pub(crate) struct FileState {
    keys: (RandomState, RandomState),
    references: HashMap<Key, Earlier>,
    pending: Vec<Pending>,
    /// Per subject with a stated birth date: the birth date kept and where it comes from.
    births: HashMap<String, (Day, String)>,
}

impl FileState {
    pub fn new() -> FileState {
        FileState {
            keys: (RandomState::new(), RandomState::new()),
            references: HashMap::new(),
            pending: Vec::new(),
            births: HashMap::new(),
        }
    }

    fn key(&self, text: &str) -> Key {
        (self.keys.0.hash_one(text), self.keys.1.hash_one(text))
    }

    fn known_in_file(&self, reference: &str) -> Option<Earlier> {
        self.references.get(&self.key(reference)).copied()
    }

    /// Checks the rows of one block (in file order, after every earlier block's) against the
    /// file's earlier rows and the store, with one store lookup for the block.
    pub fn check_block(
        &mut self,
        plan: &Plan<'_>,
        rows: &[Parsed],
        store: &dyn Store,
        errors: &mut Vec<RowError>,
    ) -> Result<(), StoreError> {
        let source = &plan.source.id;
        // Each row's reference and target with its key, hashed once.
        let keyed: Vec<[Option<(&str, Key)>; 2]> = rows
            .iter()
            .map(|row| {
                [row.reference.as_deref(), row.target.as_deref()]
                    .map(|text| text.map(|text| (text, self.key(text))))
            })
            .collect();
        // The block's references and targets that no earlier row defines.
        let mut lookup: Vec<&str> = keyed
            .iter()
            .flatten()
            .flatten()
            .filter(|(_, key)| !self.references.contains_key(key))
            .map(|&(text, _)| text)
            .collect();
        lookup.sort_unstable();
        lookup.dedup();
        let known: HashMap<&str, KnownReference> = if lookup.is_empty() {
            HashMap::new()
        } else {
            let found = store.known_references(source, &lookup)?;
            lookup
                .iter()
                .zip(found)
                .filter_map(|(reference, known)| known.map(|k| (*reference, k)))
                .collect()
        };
        for (row, [reference_key, target_key]) in rows.iter().zip(&keyed) {
            let keys = [reference_key.map(|k| k.1), target_key.map(|k| k.1)];
            self.check_row(plan, row, keys, &known, errors);
        }
        Ok(())
    }

    /// Checks one row; `keys` are its reference's and its target's.
    fn check_row(
        &mut self,
        plan: &Plan<'_>,
        row: &Parsed,
        [reference_key, target_key]: [Option<Key>; 2],
        known: &HashMap<&str, KnownReference>,
        errors: &mut Vec<RowError>,
    ) {
        let mut error = |line: usize, field: &str, message: String| {
            errors.push(RowError {
                line,
                field: field.to_owned(),
                message,
            });
        };
        let pseudonym = row.subject.as_ref().map(|s| s.pseudonym.as_str());
        let category = category_name(plan, row.action, row.category);
        if let (Some(reference), Some(key)) = (row.reference.as_deref(), reference_key) {
            if let Some(first) = self.references.get(&key) {
                error(
                    row.line,
                    "ref",
                    format!(
                        "reference `{reference}` is already used on line {}: every row needs a \
                         reference of its own",
                        first.line
                    ),
                );
            } else {
                let subject = pseudonym.map(|p| self.key(p));
                self.references.insert(
                    key,
                    Earlier {
                        line: row.line,
                        action: row.action,
                        category: row.category,
                        subject,
                    },
                );
                // Idempotency: a stored reference may only come back unchanged.
                if let Some(stored) = known.get(reference) {
                    resubmission(plan, row, reference, stored, &mut error);
                }
            }
        }
        let (Some(target), Some(target_key)) = (row.target.as_deref(), target_key) else {
            return;
        };
        if row.reference.as_deref() == Some(target) {
            error(
                row.line,
                "target",
                format!(
                    "the event names itself (`{target}`) as its target: name the record it acts on"
                ),
            );
            return;
        }
        // The target's action, subject and category, and where it was found.
        let mine = pseudonym.map(|p| self.key(p));
        let (action, same_subject, target_category, place) =
            if let Some(earlier) = self.references.get(&target_key).copied() {
                (
                    earlier.action,
                    mine.zip(earlier.subject).map(|(a, b)| a == b),
                    category_name(plan, earlier.action, earlier.category),
                    format!("on line {}", earlier.line),
                )
            } else if let Some(stored) = known.get(target) {
                (
                    Some(stored.action),
                    pseudonym.map(|p| p == stored.subject),
                    Some(stored.category.as_str()),
                    "in the registry".to_owned(),
                )
            } else {
                self.pending.push(Pending {
                    line: row.line,
                    target: target.to_owned(),
                });
                return;
            };
        if let Some(action) = action
            && action != Action::Record
        {
            error(
                row.line,
                "target",
                format!(
                    "`{target}` ({place}) is a `{action}` event, not a record: name the `ref` of \
                     the record itself"
                ),
            );
            return;
        }
        if same_subject == Some(false) {
            error(
                row.line,
                "target",
                format!(
                    "`{target}` ({place}) is a record about another subject: an event acts only \
                     on a record about its own subject; check the subject's identifier or the \
                     target"
                ),
            );
        }
        if let (Some(mine), Some(theirs)) = (category, target_category)
            && mine != theirs
        {
            error(
                row.line,
                "category",
                format!(
                    "the target `{target}` ({place}) is a `{theirs}` record: an event on it has \
                     its category, not `{mine}`"
                ),
            );
        }
    }

    /// Stated birth dates (`birth_date`) of one block's rows against each other, the earlier
    /// rows' and the store: the first one a subject is given is kept, and a later row stating
    /// another date is refused (correcting a birth date is not something a row can do). Every
    /// row of the block of a subject with a kept date then carries it; [`FileState::birth`]
    /// gives it for the rows of earlier blocks.
    pub fn check_births(
        &mut self,
        rows: &mut [Parsed],
        store: &dyn Store,
        errors: &mut Vec<RowError>,
    ) -> Result<(), StoreError> {
        for row in rows.iter() {
            let (Some(stated), Some(subject)) = (row.birth_date, row.subject.as_ref()) else {
                continue;
            };
            let first = match self.births.get(&subject.pseudonym) {
                Some(first) => first.clone(),
                None => {
                    let stored = store
                        .subject(&subject.pseudonym)?
                        .and_then(|s| s.birth)
                        .map(|birth| (birth, "the registry already holds".to_owned()));
                    let first =
                        stored.unwrap_or_else(|| (stated, format!("line {} states", row.line)));
                    self.births.insert(subject.pseudonym.clone(), first.clone());
                    first
                }
            };
            if first.0 != stated {
                errors.push(RowError {
                    line: row.line,
                    field: "birth_date".to_owned(),
                    message: format!(
                        "{stated} differs from the birth date {} {} for this subject: the first \
                         birth date a subject is given is kept, and correcting it through a row \
                         is not supported",
                        first.1, first.0
                    ),
                });
            }
        }
        if self.births.is_empty() {
            return Ok(());
        }
        for row in rows.iter_mut() {
            if let Some(subject) = row.subject.as_mut()
                && subject.birth.is_none()
            {
                subject.birth = self.birth(&subject.pseudonym);
            }
        }
        Ok(())
    }

    /// The birth date kept for a subject the file states one for.
    pub fn birth(&self, pseudonym: &str) -> Option<Day> {
        self.births.get(pseudonym).map(|(day, _)| *day)
    }

    /// Whether the file states a birth date for some subject.
    pub fn states_births(&self) -> bool {
        !self.births.is_empty()
    }

    /// At the end of the file: each target that was not found when its row was read is either
    /// defined later in the file or unknown.
    pub fn finish_pending(&mut self, plan: &Plan<'_>, errors: &mut Vec<RowError>) {
        let source = &plan.source.id;
        for Pending { line, target } in std::mem::take(&mut self.pending) {
            let message = match self.known_in_file(&target) {
                Some(later) => format!(
                    "`{target}` is defined on line {}, after this row: put the record before \
                     the events that act on it",
                    later.line
                ),
                None => format!(
                    "unknown target `{target}`: source `{source}` has no record with this \
                     reference in this file or in the registry (a source can only act on its \
                     own records)"
                ),
            };
            errors.push(RowError {
                line,
                field: "target".to_owned(),
                message,
            });
        }
    }
}

/// The name of a row's category (or, for consent, scheme).
fn category_name<'p>(
    plan: &'p Plan<'_>,
    action: Option<Action>,
    category: Option<u32>,
) -> Option<&'p str> {
    category.map(|index| {
        plan.target(action.is_some_and(Action::names_scheme), index)
            .id
    })
}

/// A reference the store already holds may only come back unchanged.
fn resubmission(
    plan: &Plan<'_>,
    row: &Parsed,
    reference: &str,
    stored: &KnownReference,
    error: &mut impl FnMut(usize, &str, String),
) {
    let source = &plan.source.id;
    let pseudonym = row.subject.as_ref().map(|s| s.pseudonym.as_str());
    let category = category_name(plan, row.action, row.category);
    let other_subject = pseudonym.is_some_and(|p| p != stored.subject);
    let different = other_subject
        || row.action.is_some_and(|a| a != stored.action)
        || category.is_some_and(|c| c != stored.category);
    if different {
        let about = if other_subject {
            " about another subject"
        } else {
            ""
        };
        error(
            row.line,
            "ref",
            format!(
                "reference `{reference}` was already used by this source for a different record \
                 (a `{}` of `{}`{about}): give this row a new reference",
                stored.action, stored.category
            ),
        );
    } else if row.ok
        && let Some(event) = stored_form(plan, source, row)
        && let Some(p) = pseudonym
        && hex(&content_hash(p, &event)) != stored.content
    {
        error(
            row.line,
            "ref",
            format!(
                "reference `{reference}` was already submitted with a different date, target or \
                 attributes: a submitted event is never changed; to change the record, submit a \
                 `correct` event with a new reference and `target` = `{}`",
                if row.action == Some(Action::Record) {
                    reference
                } else {
                    row.target.as_deref().unwrap_or(reference)
                }
            ),
        );
    }
}
