//! Stage three: the compiled policy, the only form the engine evaluates.
//!
//! A [`Policy`] exists only as the result of [`crate::compile()`], which refuses any pack with an
//! error, so every reference in it resolves and every refusal has been applied. Categories,
//! schemes, lists and measures are dense vectors addressed by small integers, and
//! [`Policy::uses`] tells, per category, every rule, ground, bar and characteristic that reads
//! it: the engine walks a subject's records once and dispatches on that table.

use std::collections::HashMap;
use std::fmt;

use credence_model::{Calendar, Duration, SubjectKind};
use serde::Serialize;

use crate::expr::Condition;

/// Index of a category in [`Policy::categories`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CategoryId(pub u16);

/// A compiled, validated policy set: every shipped or published pack together.
#[derive(Debug)]
pub struct Policy {
    pub packs: Vec<Pack>,
    pub categories: Vec<Category>,
    pub schemes: Vec<Scheme>,
    pub scorecards: Vec<Scorecard>,
    pub lists: Vec<List>,
    pub measures: Vec<Measure>,
    /// Per category (by [`CategoryId`]): what reads it.
    pub uses: Vec<CategoryUses>,
    pub calendar: Calendar,
    pub(crate) category_index: HashMap<String, CategoryId>,
}

impl Policy {
    pub fn category_id(&self, id: &str) -> Option<CategoryId> {
        self.category_index.get(id).copied()
    }

    pub fn category(&self, id: CategoryId) -> &Category {
        &self.categories[usize::from(id.0)]
    }

    pub fn scheme_index(&self, id: &str) -> Option<usize> {
        self.schemes.iter().position(|s| s.id == id)
    }

    pub fn measure_index(&self, id: &str) -> Option<usize> {
        self.measures.iter().position(|m| m.id == id)
    }

    pub fn list_index(&self, id: &str) -> Option<usize> {
        self.lists.iter().position(|l| l.id == id)
    }
}

/// A pack's header.
#[derive(Clone, Debug, Serialize)]
pub struct Pack {
    pub id: String,
    pub title: String,
    pub authority: String,
    pub version: String,
    pub basis: String,
    pub summary: Option<String>,
    pub file: String,
    /// The deadlines of the pack's procedure (appeal, right of reply), for the service.
    pub deadlines: Vec<Deadline>,
    /// The years of the public-holiday schedule the pack declares.
    pub calendar: Vec<CalendarYear>,
}

/// One year of a declared public-holiday schedule, as published in the catalogue.
#[derive(Clone, Debug, Serialize)]
pub struct CalendarYear {
    pub year: i32,
    /// Rest days besides Saturdays and Sundays, in order.
    pub holidays: Vec<credence_model::Day>,
    /// Saturdays and Sundays that are working days, in order.
    pub working_days: Vec<credence_model::Day>,
    /// The notice the year is taken from.
    pub source: String,
}

/// A deadline of a pack's procedure.
#[derive(Clone, Debug, Serialize)]
pub struct Deadline {
    pub id: String,
    pub title: String,
    pub within: Duration,
    pub from: String,
    pub basis: String,
}

/// The area of life a record or a measure belongs to. Restrictions may not cross contexts
/// without a published legal link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    Judicial,
    Tax,
    Customs,
    Environment,
    RoadSafety,
    Transport,
    Hospitality,
    Tourism,
    Education,
    Housing,
    Finance,
    Utilities,
    Civic,
    Market,
    FoodSafety,
    Labour,
    Procurement,
    Culture,
    Parking,
    Consumption,
}

impl Context {
    pub const ALL: [Context; 20] = [
        Context::Judicial,
        Context::Tax,
        Context::Customs,
        Context::Environment,
        Context::RoadSafety,
        Context::Transport,
        Context::Hospitality,
        Context::Tourism,
        Context::Education,
        Context::Housing,
        Context::Finance,
        Context::Utilities,
        Context::Civic,
        Context::Market,
        Context::FoodSafety,
        Context::Labour,
        Context::Procurement,
        Context::Culture,
        Context::Parking,
        Context::Consumption,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Judicial => "judicial",
            Context::Tax => "tax",
            Context::Customs => "customs",
            Context::Environment => "environment",
            Context::RoadSafety => "road-safety",
            Context::Transport => "transport",
            Context::Hospitality => "hospitality",
            Context::Tourism => "tourism",
            Context::Education => "education",
            Context::Housing => "housing",
            Context::Finance => "finance",
            Context::Utilities => "utilities",
            Context::Civic => "civic",
            Context::Market => "market",
            Context::FoodSafety => "food-safety",
            Context::Labour => "labour",
            Context::Procurement => "procurement",
            Context::Culture => "culture",
            Context::Parking => "parking",
            Context::Consumption => "consumption",
        }
    }

    pub fn parse(text: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a record of a category is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CategoryKind {
    /// An obligation was breached (a debt overdue, a tax filing missed).
    Breach,
    /// An obligation was fulfilled (a loan repaid on time).
    Fulfilment,
    /// A court or agency decided (a judgment, a penalty decision).
    Adjudication,
    /// A voluntary contribution (volunteering, blood donation is excluded as health data).
    Contribution,
    /// A fact about the subject's registration (founding, legal representative, no revenue).
    Status,
}

impl CategoryKind {
    pub const NAMES: &'static str = "breach, fulfilment, adjudication, contribution, status";

    pub fn parse(text: &str) -> Option<CategoryKind> {
        match text {
            "breach" => Some(CategoryKind::Breach),
            "fulfilment" => Some(CategoryKind::Fulfilment),
            "adjudication" => Some(CategoryKind::Adjudication),
            "contribution" => Some(CategoryKind::Contribution),
            "status" => Some(CategoryKind::Status),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CategoryKind::Breach => "breach",
            CategoryKind::Fulfilment => "fulfilment",
            CategoryKind::Adjudication => "adjudication",
            CategoryKind::Contribution => "contribution",
            CategoryKind::Status => "status",
        }
    }

    /// Whether records of this kind may count against a subject.
    pub fn may_penalise(self) -> bool {
        matches!(self, CategoryKind::Breach | CategoryKind::Adjudication)
    }

    /// Whether records of this kind may earn a reward.
    pub fn may_reward(self) -> bool {
        matches!(self, CategoryKind::Fulfilment | CategoryKind::Contribution)
    }
}

/// A set of subject kinds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Kinds {
    pub person: bool,
    pub organisation: bool,
}

impl Kinds {
    pub fn contains(self, kind: SubjectKind) -> bool {
        match kind {
            SubjectKind::Person => self.person,
            SubjectKind::Organisation => self.organisation,
        }
    }

    pub fn describe(self) -> &'static str {
        match (self.person, self.organisation) {
            (true, true) => "persons and organisations",
            (true, false) => "persons",
            (false, true) => "organisations",
            (false, false) => "nobody",
        }
    }
}

/// The type of an attribute, and how its value is held in a slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttrType {
    /// A whole number.
    Int,
    /// Yuan with two decimals, held in fen.
    Money,
    Bool,
    /// A date, held as [`credence_model::Day`].
    Date,
    /// Free text (a case number), held as a hash so equal texts compare equal.
    Text,
    /// One of the declared values, held as its index.
    Enum(Vec<String>),
    /// Another subject's identifier (an organisation's legal representative). Never readable
    /// by a rule: it exists only for the declared extension of measures.
    Subject,
}

impl AttrType {
    pub const NAMES: &'static str = "int, money, bool, date, text, enum, subject";
}

#[derive(Clone, Debug, Serialize)]
pub struct Attribute {
    pub name: String,
    pub title: Option<String>,
    pub ty: AttrType,
    pub required: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub context: Context,
    pub subjects: Kinds,
    pub kind: CategoryKind,
    /// For a breach or adjudication: the legal obligation breached, as a citation.
    pub obligation: Option<String>,
    /// A record stops counting this long after the day it happened.
    pub retention: Duration,
    /// A disputed record stops counting when its source has not answered within this.
    pub dispute_answer: Duration,
    /// A newer record of the category replaces this one from its date.
    pub superseded: bool,
    /// In slot order.
    pub attributes: Vec<Attribute>,
    /// Every distinct duration measured from a record of this category (retention first): the
    /// engine works out each record's end days once, and rules, windows and grounds read them
    /// by index.
    pub durations: Vec<Duration>,
    /// The pack that declares it, or [`BUILT_IN`] for the legal-representative link.
    pub pack: usize,
}

/// The `pack` of a category no pack declares: the built-in legal-representative link.
pub const BUILT_IN: usize = usize::MAX;

impl Category {
    pub fn slot(&self, name: &str) -> Option<u16> {
        self.attributes
            .iter()
            .position(|a| a.name == name)
            .and_then(|i| u16::try_from(i).ok())
    }
}

/// Period over which a cap applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    /// Calendar year of the record.
    Year,
    /// Calendar month of the record.
    Month,
    /// The whole validity of the records.
    Ever,
}

/// A points scheme or a rating of organisations.
#[derive(Clone, Debug, Serialize)]
pub struct Scheme {
    pub id: String,
    pub title: String,
    pub is_rating: bool,
    pub subjects: Kinds,
    pub base: i64,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub consent_required: bool,
    /// A person younger than this is not scored.
    pub min_age: Option<i32>,
    /// When not empty, the subject is rated only while a record of one of these counts.
    pub needs_records: Vec<CategoryId>,
    pub reward_only: bool,
    pub basis: Option<String>,
    pub description: Option<String>,
    pub rules: Vec<Rule>,
    pub caps: Vec<Cap>,
    /// Highest threshold first.
    pub grades: Vec<Grade>,
    pub direct: Vec<Direct>,
    pub pack: usize,
}

impl Scheme {
    /// The grade a points total falls in (the lowest threshold grade when below every
    /// threshold). Grades without a threshold are reached only by a direct ground.
    pub fn grade_for(&self, points: i64) -> Option<u8> {
        grade_for(&self.grades, points)
    }

    pub fn grade_index(&self, name: &str) -> Option<u8> {
        self.grades
            .iter()
            .position(|g| g.name == name)
            .and_then(|i| u8::try_from(i).ok())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub id: String,
    pub title: Option<String>,
    pub category: CategoryId,
    #[serde(skip)]
    pub when: Condition,
    pub when_text: Option<String>,
    pub points: i64,
    pub validity: Duration,
    /// Index of `validity` in the category's `durations`.
    pub validity_slot: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cap {
    pub categories: Vec<CategoryId>,
    pub per: Period,
    pub gain: Option<i64>,
    pub loss: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Grade {
    pub name: String,
    /// The threshold; `None` for a grade reached only by a direct ground (tax grade M).
    pub min: Option<i64>,
    pub title: Option<String>,
}

/// The first grade whose threshold `points` reaches, or the last grade with a threshold.
fn grade_for(grades: &[Grade], points: i64) -> Option<u8> {
    let index = grades
        .iter()
        .position(|g| g.min.is_some_and(|min| points >= min))
        .or_else(|| grades.iter().rposition(|g| g.min.is_some()))?;
    u8::try_from(index).ok()
}

/// A ground that sets a rating's grade directly, whatever the points (tax: any listed offence
/// means D).
#[derive(Clone, Debug, Serialize)]
pub struct Direct {
    pub grade: u8,
    pub category: CategoryId,
    #[serde(skip)]
    pub when: Condition,
    pub when_text: Option<String>,
    pub basis: String,
    pub score_at_least: Option<i64>,
    pub validity: Duration,
    /// Index of `validity` in the category's `durations`.
    pub validity_slot: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct Scorecard {
    pub id: String,
    pub title: String,
    pub subjects: Kinds,
    pub base: i64,
    pub range: (i64, i64),
    pub consent_required: bool,
    /// A person younger than this is not scored.
    pub min_age: Option<i32>,
    pub basis: Option<String>,
    pub description: Option<String>,
    pub characteristics: Vec<Characteristic>,
    /// Highest cut-off first.
    pub bands: Vec<Grade>,
    /// The score of a subject with no record any characteristic reads (the engine's shortcut
    /// for most of a population).
    pub score_without_records: i64,
    pub pack: usize,
}

impl Scorecard {
    /// The score from the base and every characteristic's points, within the range.
    pub fn score(&self, points: impl Iterator<Item = i64>) -> i64 {
        (self.base + points.sum::<i64>()).clamp(self.range.0, self.range.1)
    }

    pub fn band_for(&self, score: i64) -> Option<u8> {
        grade_for(&self.bands, score)
    }
}

/// What a scorecard characteristic measures over the matching records in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measurement {
    Count,
    Sum,
    DaysSinceLast,
    DaysSinceFirst,
}

impl Measurement {
    pub fn parse(text: &str) -> Option<Measurement> {
        match text {
            "count" => Some(Measurement::Count),
            "sum" => Some(Measurement::Sum),
            "days_since_last" => Some(Measurement::DaysSinceLast),
            "days_since_first" => Some(Measurement::DaysSinceFirst),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Characteristic {
    pub id: String,
    pub title: String,
    pub measurement: Measurement,
    /// The categories read, each with its condition and (for `sum`) the attribute slot.
    #[serde(skip)]
    pub inputs: Vec<CharacteristicInput>,
    pub categories: Vec<CategoryId>,
    pub when_text: Option<String>,
    pub window: Duration,
    pub reason_code: String,
    pub reason: String,
    pub bins: Vec<Bin>,
    /// The most points any bin gives (points lost are measured from it).
    pub points_max: i64,
}

impl Characteristic {
    /// The points for a measured value (`None`: no record, for the `days_since` measures,
    /// which falls in the last bin).
    pub fn points_for(&self, value: Option<i64>) -> i64 {
        let bin = value.map_or(self.bins.len().saturating_sub(1), |v| self.bin_for(v));
        self.bins.get(bin).map_or(0, |b| b.points)
    }

    /// What the characteristic measures when no record matches.
    pub fn value_without_records(&self) -> Option<i64> {
        match self.measurement {
            Measurement::Count | Measurement::Sum => Some(0),
            Measurement::DaysSinceLast | Measurement::DaysSinceFirst => None,
        }
    }

    /// The bin a measured value falls in.
    pub fn bin_for(&self, value: i64) -> usize {
        self.bins
            .iter()
            .position(|b| b.upto.is_none_or(|upto| value <= upto))
            .unwrap_or(self.bins.len().saturating_sub(1))
    }
}

#[derive(Clone, Debug)]
pub struct CharacteristicInput {
    pub category: CategoryId,
    pub when: Condition,
    pub slot: Option<u16>,
    /// Index of the characteristic's window in the category's `durations`.
    pub window_slot: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct Bin {
    pub upto: Option<i64>,
    pub points: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Colour {
    Red,
    Black,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exits {
    pub performance: bool,
    pub retraction: bool,
    pub repair: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Extension {
    pub min: Duration,
    pub max: Duration,
    pub basis: String,
    /// The condition under which the law allows an extension (`None`: always), as written;
    /// compiled per ground into [`Ground::extension_when`].
    pub when_text: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct List {
    pub id: String,
    pub title: String,
    pub colour: Colour,
    pub subjects: Kinds,
    pub context: Context,
    pub basis: String,
    pub description: Option<String>,
    pub publish: Kinds,
    pub exits: Exits,
    pub extension: Option<Extension>,
    pub grounds: Vec<Ground>,
    pub bars: Vec<Bar>,
    /// The rewards an entry in force suspends.
    pub suspends: Option<Suspension>,
    pub pack: usize,
}

/// The rewards a list's entries in force suspend (joint punishment removes honours and
/// preferential treatment from listed subjects).
#[derive(Clone, Debug, Serialize)]
pub struct Suspension {
    /// Every reward of the set.
    pub all: bool,
    /// Otherwise these reward measures (by index).
    pub measures: Vec<usize>,
    pub basis: String,
}

impl Suspension {
    pub fn covers(&self, measure: usize) -> bool {
        self.all || self.measures.contains(&measure)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Ground {
    pub id: String,
    pub title: String,
    /// The category whose records ground entries (`None` for a ground on a rating's grade).
    pub category: Option<CategoryId>,
    /// A ground on a rating's lowest grade reached on points: an entry is in force while the
    /// subject's points alone give that grade and the rating gives it.
    pub rated: Option<RatedGround>,
    #[serde(skip)]
    pub when: Condition,
    pub when_text: Option<String>,
    /// `None`: until the obligation is performed (bounded by the category's retention).
    pub duration: Option<Duration>,
    /// Index of `duration` in the category's `durations`.
    pub duration_slot: u8,
    pub repair_after: Option<Duration>,
    pub extendable: bool,
    /// The list extension's condition, over this ground's category: an extension is allowed,
    /// and counts, only while it holds for the record as corrected.
    #[serde(skip)]
    pub extension_when: Condition,
    pub basis: String,
}

/// The grade of a rating that grounds a list entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RatedGround {
    /// The rating (by index in the schemes).
    pub scheme: u16,
    /// The grade (by index in the rating's grades).
    pub grade: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    pub id: String,
    pub title: String,
    pub basis: String,
    /// The grounds (by index) the bar applies to; `None`: every ground.
    pub grounds: Option<Vec<u16>>,
    pub rule: BarRule,
}

impl Bar {
    pub fn applies_to(&self, ground: u16) -> bool {
        self.grounds.as_ref().is_none_or(|g| g.contains(&ground))
    }
}

#[derive(Clone, Debug, Serialize)]
pub enum BarRule {
    /// The subject was a minor on the day of the ground record.
    Minor,
    /// A counting record of `category` (matching `when`) with, when `same` is set, the same
    /// value of that attribute as the ground record.
    Record {
        category: CategoryId,
        #[serde(skip)]
        when: Condition,
        same: Option<String>,
        /// Slot of `same` in the bar's category.
        #[serde(skip)]
        bar_slot: Option<u16>,
        /// Slot of `same` in each ground's category, by ground index.
        #[serde(skip)]
        ground_slots: Vec<Option<u16>>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    Reward,
    Restriction,
}

/// What puts a measure in force.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// An entry on the list.
    List(usize),
    /// One of these grades of a scheme.
    SchemeGrades { scheme: usize, grades: Vec<u8> },
    /// One of these bands of a scorecard.
    ScorecardBands { scorecard: usize, bands: Vec<u8> },
    /// A scheme's points at least this (rewards only).
    SchemeScore { scheme: usize, min: i64 },
    /// A scorecard's score at least this (rewards only).
    ScorecardScore { scorecard: usize, min: i64 },
}

#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    pub id: String,
    pub title: String,
    pub effect: Effect,
    pub context: Context,
    pub trigger: Trigger,
    /// For a list trigger: the grounds (by index) whose entries trigger it; `None`: every ground.
    pub grounds: Option<Vec<u16>>,
    pub basis: String,
    pub relying_parties: Vec<String>,
    pub description: Option<String>,
    /// The published legal link that lets a restriction reach outside its grounds' context.
    pub link: Option<String>,
    /// The legal basis on which the measure binds an organisation's legal representative.
    pub extends_to_representative: Option<String>,
    pub pack: usize,
}

impl Measure {
    /// Whether an entry on the measure's list, on ground `ground`, triggers the measure.
    pub fn triggered_by_ground(&self, ground: u16) -> bool {
        self.grounds
            .as_ref()
            .is_none_or(|grounds| grounds.contains(&ground))
    }
}

impl CategoryUses {
    /// Whether no rule, ground, bar or characteristic reads the category.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
            && self.directs.is_empty()
            && self.characteristics.is_empty()
            && self.grounds.is_empty()
            && self.bars.is_empty()
            && self.presence.is_empty()
    }
}

/// What reads a category.
#[derive(Clone, Debug, Default)]
pub struct CategoryUses {
    /// (scheme, rule)
    pub rules: Vec<(u16, u16)>,
    /// (scheme, direct ground)
    pub directs: Vec<(u16, u16)>,
    /// (scorecard, characteristic, input)
    pub characteristics: Vec<(u16, u16, u16)>,
    /// (list, ground)
    pub grounds: Vec<(u16, u16)>,
    /// (list, bar)
    pub bars: Vec<(u16, u16)>,
    /// Schemes whose `needs_records` name the category.
    pub presence: Vec<u16>,
}
