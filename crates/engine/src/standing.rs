//! A subject's standing, with the explanation of every figure in it.
//!
//! Every number points at the rules and records that made it: a contribution names its rule and
//! record, a list entry its ground and record, a measure the list entry, grade or score that put
//! it in force. Records are named by their index in the subject's history and described in
//! [`Standing::records`], so a standing is complete on its own.

use credence_model::Day;
use serde::Serialize;

/// The standing of one subject on `as_of`, as known on `known_at`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Standing {
    pub as_of: Day,
    pub known_at: Day,
    pub schemes: Vec<SchemeStanding>,
    pub scorecards: Vec<ScorecardStanding>,
    /// Entries on lists: in force, ended, and barred (never made).
    pub lists: Vec<ListEntry>,
    pub measures: Vec<MeasureInForce>,
    /// Every record of the subject's file known on `known_at` and dated on or before `as_of`,
    /// with its status, by history index (the explanation refers to them).
    pub records: Vec<RecordInfo>,
    /// Events known on `known_at` that the record's state machine refused (an action that
    /// cannot follow the record's state on its own date), and so changed nothing.
    pub ignored: Vec<IgnoredEvent>,
}

/// An event the state machine refused, by history index, with the reason in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IgnoredEvent {
    pub event: u32,
    pub reason: String,
}

impl Standing {
    pub fn measure(&self, id: &str) -> Option<&MeasureInForce> {
        self.measures.iter().find(|m| m.measure == id)
    }

    pub fn entries_in_force(&self) -> impl Iterator<Item = &ListEntry> {
        self.lists.iter().filter(|e| e.state == EntryState::InForce)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemeStatus {
    Scored,
    /// The scheme needs consent and the subject has not given it: no score is computed.
    NoConsent,
    /// The scheme does not rate this kind of subject.
    NotApplicable,
    /// The person is younger than the scheme's minimum age, or their age is not known.
    BelowMinimumAge,
    /// The rating needs records the registry does not hold: no data is not a good record.
    NoRecords,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeStanding {
    pub scheme: String,
    pub status: SchemeStatus,
    pub points: i64,
    pub grade: Option<String>,
    /// The direct ground that set the grade, if one did.
    pub direct: Option<DirectApplied>,
    pub contributions: Vec<Contribution>,
    pub remedies: Vec<Remedy>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contribution {
    pub rule: String,
    pub record: u32,
    /// Points the rule gives.
    pub points: i64,
    /// Points counted after caps.
    pub counted: i64,
    /// The first day the points no longer count (every `until` in a standing is an end day:
    /// the first day something no longer applies).
    pub until: Day,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DirectApplied {
    pub grade: String,
    pub record: u32,
    pub basis: String,
    pub until: Day,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScorecardStanding {
    pub scorecard: String,
    pub status: SchemeStatus,
    pub score: i64,
    pub band: Option<String>,
    pub characteristics: Vec<CharacteristicValue>,
    /// At most four, largest loss first.
    pub reasons: Vec<Reason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CharacteristicValue {
    pub characteristic: String,
    /// The measured value (`None`: no matching record, for the `days_since` measures).
    pub value: Option<i64>,
    pub points: i64,
    pub points_max: i64,
    pub records: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    pub code: String,
    pub text: String,
    pub points_lost: i64,
    pub records: Vec<u32>,
    /// When the oldest record behind the reason leaves the window, if it does.
    pub improves_on: Option<Day>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    InForce,
    Ended,
    /// A bar to listing applied: the entry was never made.
    Barred,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryEnd {
    /// The duration (with any extension) ran out.
    Expired,
    /// The record's retention ran out.
    Retention,
    Performance,
    Repair,
    Suppressed,
    /// The source did not answer a dispute in time.
    DisputeUnanswered,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListEntry {
    pub list: String,
    pub ground: String,
    /// The record behind the entry (`None` for an entry on a rating's grade: see `rated`).
    pub record: Option<u32>,
    /// For an entry on a rating's grade: the grade, and the records whose points give it.
    pub rated: Option<RatedEntry>,
    pub state: EntryState,
    pub since: Day,
    /// The day the entry ends (or ended). An entry that lasts until performance still has one:
    /// the record's retention bounds it.
    pub until: Day,
    pub ended_by: Option<EntryEnd>,
    /// Until performed: the obligation must be performed to end it before `until`.
    pub until_performed: bool,
    pub extended_months: u32,
    /// The ground record is disputed and the source has not answered yet: the entry stops on
    /// the dispute's deadline unless the source answers, and otherwise ends on `until`.
    pub disputed: Option<Disputed>,
    pub basis: String,
    pub bar: Option<String>,
    pub remedies: Vec<Remedy>,
}

/// What puts an organisation on a list by its rating's grade.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RatedEntry {
    pub scheme: String,
    pub grade: String,
    /// The rating's points on the day.
    pub points: i64,
    /// The records whose points count that day (history indexes), the deductions that keep
    /// the subject in the grade.
    pub records: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Remedy {
    /// Performing the obligation behind the record ends the entry.
    Perform { record: u32 },
    /// Repair may be applied for from this day (free of charge).
    RepairFrom { day: Day, record: u32 },
    /// The entry ends by itself on this day.
    EndsOn { day: Day },
    /// The record expires on `day`; then the scheme's grade (or points) become these.
    RecordExpires {
        record: u32,
        day: Day,
        points: i64,
        grade: Option<String>,
    },
    /// A dispute of the record, if the source does not answer by the deadline, stops it counting.
    Dispute { record: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Because {
    ListEntry,
    Grade,
    Score,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureInForce {
    pub measure: String,
    pub effect: credence_policy::Effect,
    pub because: Because,
    /// For list-triggered measures: indexes into [`Standing::lists`].
    pub entries: Vec<usize>,
    /// The day it stops, when known (list entries); grades and scores hold until they change.
    pub until: Option<Day>,
    pub basis: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordInfo {
    pub index: u32,
    pub source: String,
    pub reference: String,
    pub category: String,
    pub date: Day,
    pub status: RecordStatus,
    pub expires: Day,
    /// The record's attributes as corrected and known on `known_at` (what every phrase about
    /// the record cites).
    pub attributes: credence_model::Attributes,
    /// An open dispute (as of `as_of`): the day it was made and the day the record stops
    /// counting unless the source answers.
    pub disputed: Option<Disputed>,
}

/// An open dispute of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Disputed {
    pub since: Day,
    /// The record stops counting on this day unless the source answers before it.
    pub deadline: Day,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordStatus {
    InForce,
    Fulfilled,
    Corrected,
    Retracted,
    Disputed,
    Suppressed,
    Repaired,
    Expired,
}
