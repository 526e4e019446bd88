//! Answers in their typed form: what a relying party is told, what a subject is disclosed.
//!
//! Every answer is data first (decisions, references to lists, grounds and rules, days,
//! remedies as values) and is put into words, JSON or pages only at the edge
//! ([`crate::render`] for text). The form is also the boundary of what each party may learn:
//! a [`CheckAnswer`] carries the decision, the list and ground, the legal basis, the end date
//! and the subject's remedies, and has no field that could hold a score, a case number, a
//! source's reference or another subject.

use credence_engine::{Remedy, Standing};
use credence_model::{Action, Attributes, Day, Event, SubjectKind, Value};
use credence_policy::{AttrType, Effect, Measure, Policy, Trigger};
use credence_store::{Access, StoredSubject};
use serde::Serialize;

/// A subject's full disclosure, in the form the subject is shown it (by `report`, `report
/// --json` and the service alike): its identifier masked, its kind, its file, its explained
/// standing, the measures that bind it as a legal representative and who looked at it.
///
/// The form holds nothing the registry keeps only for itself: no pseudonym (neither the
/// subject's nor that of a subject its records name, which is shown masked or withheld), no
/// row id of the store, no position in the registry's history. Events are numbered by their
/// place in the subject's own file, the number the standing's explanation cites.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Report {
    /// The subject's identifier, masked.
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: SubjectKind,
    /// The subject's file as known on the standing's `known_at`, in the order the registry
    /// learned it.
    pub events: Vec<FileEvent>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub standing: Standing,
    /// Measures in force on organisations the subject legally represents, which bind the
    /// subject by their declared extension.
    pub representing: Vec<Representation>,
    /// Who looked at the subject's standing, and what they were told (this report included).
    pub accesses: Vec<SubjectAccess>,
}

/// One event of a subject's file, as the subject sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileEvent {
    /// Its place in the subject's file (0 first): what the standing's explanation cites as a
    /// `record`, `records` or `event`.
    pub index: u32,
    /// The registered source that submitted it.
    pub source: String,
    /// The source's own reference for it.
    pub reference: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub action: Action,
    /// The record category (or, for consent, the scheme).
    pub category: String,
    /// For an action on an earlier record: that record's reference.
    pub target: Option<String>,
    /// When it happened in the world.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub valid: Day,
    /// When the registry learned it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub recorded: Day,
    /// Its attributes; another subject an attribute names is withheld ([`OTHER_SUBJECT`]).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Attributes,
}

/// One access to the subject's standing, as shown to the subject.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectAccess {
    /// Who asked: a relying party's kind (`airline`), or `subject` for the subject itself.
    pub party: String,
    /// What for: `check no-flights as of 2026-11-01`, `report`.
    pub purpose: String,
    /// The registry's date when it was asked (the calendar of the file's recorded days).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: Day,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// What the asker was told (or that it was refused).
    pub outcome: String,
}

impl From<Access> for SubjectAccess {
    fn from(access: Access) -> SubjectAccess {
        let Access {
            subject: _,
            party,
            purpose,
            day,
            at_ms,
            outcome,
        } = access;
        SubjectAccess {
            party,
            purpose,
            day,
            at_ms,
            outcome,
        }
    }
}

/// What a disclosure shows for another subject an attribute names (an organisation's legal
/// representative): the registry keeps only that subject's keyed pseudonym, which never leaves
/// it, and whether it could show more (a masked form, once that subject has records of its
/// own) would change with what the registry learns later, so an answer "as known on" a day
/// would not stay the same.
pub const OTHER_SUBJECT: &str = "another subject (withheld)";

/// Replaces every other subject named in `attributes` (of a record of `category`) by
/// [`OTHER_SUBJECT`].
fn withhold_subjects(policy: &Policy, category: &str, attributes: &mut Attributes) {
    let Some(category) = policy.category_id(category) else {
        return;
    };
    for attribute in &policy.category(category).attributes {
        if attribute.ty == AttrType::Subject
            && let Some(value) = attributes.get_mut(&attribute.name)
        {
            *value = Value::Text(OTHER_SUBJECT.to_owned());
        }
    }
}

/// The subject's disclosure from what the registry read, computed and logged.
pub fn disclosure(
    policy: &Policy,
    subject: &StoredSubject,
    events: Vec<Event>,
    mut standing: Standing,
    representing: Vec<Representation>,
    accesses: Vec<Access>,
) -> Report {
    for record in &mut standing.records {
        withhold_subjects(policy, &record.category, &mut record.attributes);
    }
    let events = events
        .into_iter()
        .enumerate()
        .map(|(index, event)| {
            let Event {
                seq: _,
                source,
                reference,
                action,
                category,
                target,
                valid,
                recorded,
                mut attributes,
            } = event;
            withhold_subjects(policy, &category, &mut attributes);
            FileEvent {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                source,
                reference,
                action,
                category,
                target,
                valid,
                recorded,
                attributes,
            }
        })
        .collect();
    Report {
        subject: subject.masked.clone(),
        kind: subject.kind,
        events,
        standing,
        representing,
        accesses: accesses.into_iter().map(SubjectAccess::from).collect(),
    }
}

/// Measures that bind a subject as an organisation's legal representative.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Representation {
    /// The organisation, masked.
    pub organisation: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub measures: Vec<credence_engine::MeasureInForce>,
}

/// The answer to a relying party's question "does this measure apply to this subject?".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckAnswer {
    /// The subject as the party named it, masked.
    pub subject: String,
    pub measure: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub effect: Effect,
    pub applies: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub as_of: Day,
    /// Why it applies: each list entry behind it (for a list measure), or the grade or band
    /// that unlocks it; why not, otherwise.
    pub because: Vec<Because>,
    /// The measure's legal basis.
    pub basis: String,
    /// The day it stops applying, when known (list entries end on a day; grades and bands hold
    /// until they change).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub until: Option<Day>,
    /// How the subject can end it.
    pub remedies: Vec<CheckRemedy>,
    /// The legal basis on which the measure binds the subject as the legal representative of
    /// a listed organisation (the organisation itself is not named to the party).
    pub as_representative: Option<String>,
}

/// One reason for a decision, as a relying party may know it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Because {
    /// An entry on a list.
    Listed {
        list: String,
        ground: String,
        ground_title: String,
        /// The ground's legal basis.
        basis: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        since: Day,
        /// The record behind the entry is disputed: it stops counting on `deadline` unless its
        /// source answers.
        disputed: Option<DisputeOpen>,
    },
    /// The grade of a scheme that the measure names (rewards; and a statutory rating's
    /// lowest grade).
    Grade { scheme: String, grade: String },
    /// The band of a scorecard that the measure names.
    Band { scorecard: String, band: String },
    /// The score that the measure asks for is reached (the score itself is not told).
    ScoreReached { of: String },
    /// Not on the list the measure applies to.
    NotListed { list: String },
    /// The grade, band or score that unlocks the measure is not reached.
    NotReached,
}

/// An open dispute of the record behind an entry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DisputeOpen {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub since: Day,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Day,
    /// When the entry ends if the source answers and upholds the record.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub otherwise_until: Day,
}

/// A way out for the subject, as a relying party may pass it on (the subject's own
/// disclosure names the records).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CheckRemedy {
    /// Performing the obligation behind the listed record ends the entry.
    Perform,
    /// Credit repair may be applied for from this day, free of charge.
    RepairFrom {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        day: Day,
    },
    /// The entry ends by itself on this day.
    EndsOn {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        day: Day,
    },
    /// A record behind the decision stops counting on this day.
    RecordExpires {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        day: Day,
    },
    /// If a record is wrong, the subject may dispute it; the source must answer within this
    /// period or the record stops counting.
    Dispute { answer_within: String },
}

impl CheckRemedy {
    fn from_remedy(policy: &Policy, standing: &Standing, remedy: &Remedy) -> CheckRemedy {
        match remedy {
            Remedy::Perform { .. } => CheckRemedy::Perform,
            Remedy::RepairFrom { day, .. } => CheckRemedy::RepairFrom { day: *day },
            Remedy::EndsOn { day } => CheckRemedy::EndsOn { day: *day },
            Remedy::RecordExpires { day, .. } => CheckRemedy::RecordExpires { day: *day },
            Remedy::Dispute { record } => CheckRemedy::Dispute {
                answer_within: dispute_answer(policy, standing, *record),
            },
        }
    }
}

/// The period within which the source of record `record` must answer a dispute.
pub fn dispute_answer(policy: &Policy, standing: &Standing, record: u32) -> String {
    standing
        .records
        .iter()
        .find(|r| r.index == record)
        .and_then(|r| policy.category_id(&r.category))
        .map(|c| policy.category(c).dispute_answer.to_string())
        .unwrap_or_else(|| "30d".into())
}

/// The answer to a relying party about `measure`, from the subject's standing.
pub fn check_answer(
    policy: &Policy,
    measure: &Measure,
    subject: &StoredSubject,
    standing: &Standing,
) -> CheckAnswer {
    let in_force = standing.measure(&measure.id);
    let mut because = Vec::new();
    let mut remedies: Vec<CheckRemedy> = Vec::new();
    if let Some(m) = in_force {
        for &entry_index in &m.entries {
            let entry = &standing.lists[entry_index];
            let list = policy.list_index(&entry.list).map(|l| &policy.lists[l]);
            let ground = list.and_then(|l| l.grounds.iter().find(|g| g.id == entry.ground));
            because.push(Because::Listed {
                list: entry.list.clone(),
                ground: entry.ground.clone(),
                ground_title: ground.map(|g| g.title.clone()).unwrap_or_default(),
                basis: entry.basis.clone(),
                since: entry.since,
                disputed: entry.disputed.as_ref().map(|d| DisputeOpen {
                    since: d.since,
                    deadline: d.deadline,
                    otherwise_until: entry.until,
                }),
            });
            for remedy in &entry.remedies {
                let remedy = CheckRemedy::from_remedy(policy, standing, remedy);
                if !remedies.contains(&remedy) {
                    remedies.push(remedy);
                }
            }
        }
        match &measure.trigger {
            Trigger::SchemeGrades { scheme, .. } => {
                let id = &policy.schemes[*scheme].id;
                if let Some(grade) = standing
                    .schemes
                    .iter()
                    .find(|s| &s.scheme == id)
                    .and_then(|s| s.grade.clone())
                {
                    because.push(Because::Grade {
                        scheme: id.clone(),
                        grade,
                    });
                }
            }
            Trigger::ScorecardBands { scorecard, .. } => {
                let id = &policy.scorecards[*scorecard].id;
                if let Some(band) = standing
                    .scorecards
                    .iter()
                    .find(|s| &s.scorecard == id)
                    .and_then(|s| s.band.clone())
                {
                    because.push(Because::Band {
                        scorecard: id.clone(),
                        band,
                    });
                }
            }
            Trigger::SchemeScore { scheme, .. } => because.push(Because::ScoreReached {
                of: policy.schemes[*scheme].id.clone(),
            }),
            Trigger::ScorecardScore { scorecard, .. } => because.push(Because::ScoreReached {
                of: policy.scorecards[*scorecard].id.clone(),
            }),
            Trigger::List(_) => {}
        }
    } else {
        because.push(match &measure.trigger {
            Trigger::List(l) => Because::NotListed {
                list: policy.lists[*l].id.clone(),
            },
            _ => Because::NotReached,
        });
    }
    CheckAnswer {
        subject: subject.masked.clone(),
        measure: measure.id.clone(),
        title: measure.title.clone(),
        effect: measure.effect,
        applies: in_force.is_some(),
        as_of: standing.as_of,
        because,
        basis: measure.basis.clone(),
        until: in_force.and_then(|m| m.until),
        remedies,
        as_representative: None,
    }
}
