//! Stage one: the policy document as written.
//!
//! A policy pack is a TOML document. These types mirror it field by field, keep the source
//! span of every value a diagnostic may point at, and reject unknown fields (so a misspelt
//! field is an error with a position, never a silently ignored rule). Nothing here checks
//! meaning: that is [`crate::compile()`] (in `compile` and its submodules).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// One policy pack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub policy: S<PackHeader>,
    #[serde(default)]
    pub category: Vec<S<CategoryDoc>>,
    #[serde(default)]
    pub scheme: Vec<S<SchemeDoc>>,
    #[serde(default)]
    pub rating: Vec<S<SchemeDoc>>,
    #[serde(default)]
    pub scorecard: Vec<S<ScorecardDoc>>,
    #[serde(default)]
    pub list: Vec<S<ListDoc>>,
    #[serde(default)]
    pub measure: Vec<S<MeasureDoc>>,
    #[serde(default)]
    pub deadline: Vec<S<DeadlineDoc>>,
    #[serde(default)]
    pub calendar: Vec<S<CalendarDoc>>,
}

/// One year of the public-holiday schedule periods are counted in: the holidays and the
/// adjusted working days (调休) of the State Council General Office's annual notice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarDoc {
    pub year: S<i64>,
    /// Rest days besides Saturdays and Sundays: dates, or runs of dates `FIRST..LAST`.
    pub holidays: S<Vec<String>>,
    /// Saturdays and Sundays that are working days.
    #[serde(default)]
    pub working_days: Option<S<Vec<String>>>,
    /// The notice the year is taken from.
    pub source: S<String>,
}

/// A deadline the pack's procedure gives the subject or the authority (an appeal window).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineDoc {
    pub id: S<String>,
    pub title: String,
    pub within: S<String>,
    /// What the period is counted from (`notification of the rating`).
    pub from: String,
    pub basis: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    pub id: S<String>,
    pub title: String,
    /// The body that publishes the rules.
    pub authority: String,
    pub version: String,
    /// The legal instruments the pack implements.
    pub basis: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// Public holidays (`YYYY-MM-DD`) that working-day durations (`10wd`) skip, besides
    /// Saturdays and Sundays. The holidays of every pack of a set apply together.
    #[serde(default)]
    pub holidays: Option<S<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDoc {
    pub id: S<String>,
    pub title: S<String>,
    #[serde(default)]
    pub description: Option<S<String>>,
    pub context: S<String>,
    pub subjects: S<Vec<String>>,
    pub kind: S<String>,
    /// For a breach or adjudication: the legal obligation it breaches (instrument and article).
    #[serde(default)]
    pub obligation: Option<S<String>>,
    pub retention: Option<S<String>>,
    /// How long a source has to answer a dispute before the record stops counting.
    #[serde(default)]
    pub dispute_answer: Option<S<String>>,
    /// A newer record of the category about the subject replaces this one from its date (a new
    /// inspection's rating replaces the last).
    #[serde(default)]
    pub superseded: bool,
    #[serde(default)]
    pub attributes: BTreeMap<S<String>, S<AttributeDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDoc {
    #[serde(rename = "type")]
    pub kind: S<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub values: Option<S<Vec<String>>>,
    #[serde(default)]
    pub required: bool,
}

/// A points scheme (`[[scheme]]`) or a rating of organisations (`[[rating]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeDoc {
    pub id: S<String>,
    pub title: String,
    pub subjects: S<Vec<String>>,
    pub base: S<i64>,
    #[serde(default)]
    pub min: Option<S<i64>>,
    #[serde(default)]
    pub max: Option<S<i64>>,
    #[serde(default)]
    pub consent: Option<S<String>>,
    #[serde(default)]
    pub reward_only: Option<S<bool>>,
    /// The age from which a person may be scored (an opt-in scheme must declare it).
    #[serde(default)]
    pub min_age: Option<S<i64>>,
    /// The subject is rated only while a record of one of these categories counts: no data
    /// is not a good record.
    #[serde(default)]
    pub needs_records: Option<S<Vec<String>>>,
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub rule: Vec<S<RuleDoc>>,
    #[serde(default)]
    pub cap: Vec<S<CapDoc>>,
    #[serde(default)]
    pub grade: Vec<S<GradeDoc>>,
    #[serde(default)]
    pub direct: Vec<S<DirectDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: S<String>,
    #[serde(default)]
    pub title: Option<String>,
    pub category: S<String>,
    #[serde(default)]
    pub when: Option<S<String>>,
    pub points: S<i64>,
    pub validity: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapDoc {
    pub categories: S<Vec<String>>,
    pub per: S<String>,
    #[serde(default)]
    pub gain: Option<S<i64>>,
    #[serde(default)]
    pub loss: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeDoc {
    pub grade: S<String>,
    /// The threshold; leave it out for a grade reached only by a direct ground.
    #[serde(default)]
    pub min: Option<S<i64>>,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectDoc {
    pub grade: S<String>,
    pub category: S<String>,
    #[serde(default)]
    pub when: Option<S<String>>,
    pub basis: S<String>,
    /// The ground applies only while the points total is at least this (tax grade M).
    #[serde(default)]
    pub score_at_least: Option<S<i64>>,
    /// How long the ground holds after the record (defaults to the category's retention).
    #[serde(default)]
    pub validity: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorecardDoc {
    pub id: S<String>,
    pub title: String,
    pub subjects: S<Vec<String>>,
    pub base: S<i64>,
    pub range: S<[i64; 2]>,
    #[serde(default)]
    pub consent: Option<S<String>>,
    /// The age from which a person may be scored (an opt-in scorecard must declare it).
    #[serde(default)]
    pub min_age: Option<S<i64>>,
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub characteristic: Vec<S<CharacteristicDoc>>,
    #[serde(default)]
    pub band: Vec<S<GradeDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharacteristicDoc {
    pub id: S<String>,
    pub title: String,
    /// What is measured: `count`, `sum`, `days_since_last` or `days_since_first`.
    pub measure: S<String>,
    pub categories: S<Vec<String>>,
    /// For `sum`: the attribute summed.
    #[serde(default)]
    pub attribute: Option<S<String>>,
    #[serde(default)]
    pub when: Option<S<String>>,
    /// Look-back window (defaults to the categories' retention).
    #[serde(default)]
    pub window: Option<S<String>>,
    pub reason: S<ReasonDoc>,
    pub bins: S<Vec<S<BinDoc>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonDoc {
    pub code: S<String>,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinDoc {
    /// Inclusive upper bound of the measured value; the last bin has none.
    #[serde(default)]
    pub upto: Option<S<i64>>,
    pub points: S<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListDoc {
    pub id: S<String>,
    pub title: String,
    pub colour: S<String>,
    pub subjects: S<Vec<String>>,
    pub context: S<String>,
    pub basis: S<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Subject kinds whose entries are published (persons never are).
    #[serde(default)]
    pub publish: Option<S<Vec<String>>>,
    /// What ends an entry early: `performance`, `retraction`, `repair`.
    pub exit: S<Vec<String>>,
    #[serde(default)]
    pub extension: Option<S<ExtensionDoc>>,
    #[serde(default)]
    pub ground: Vec<S<GroundDoc>>,
    #[serde(default)]
    pub bar: Vec<S<BarDoc>>,
    /// The rewards an entry in force suspends (joint punishment).
    #[serde(default)]
    pub suspends: Option<S<SuspendsDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuspendsDoc {
    /// `"all"`, or the ids of reward measures.
    pub rewards: S<RewardsDoc>,
    pub basis: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RewardsDoc {
    All(String),
    These(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDoc {
    pub min: S<String>,
    pub max: S<String>,
    pub basis: S<String>,
    /// The condition of the law under which a listing may be extended, over the ground
    /// record's attributes (as corrected): `'aggravated'`.
    #[serde(default)]
    pub when: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundDoc {
    pub id: S<String>,
    pub title: String,
    /// The category whose records ground entries; or, instead, `rating` and `grade`.
    #[serde(default)]
    pub category: Option<S<String>>,
    /// A `[[rating]]` of the pack whose lowest grade, reached on points, grounds entries (the
    /// tax D list's points-D firms): only where a built-in authority's mandate publishes it.
    #[serde(default)]
    pub rating: Option<S<String>>,
    /// With `rating`: the grade.
    #[serde(default)]
    pub grade: Option<S<String>>,
    #[serde(default)]
    pub when: Option<S<String>>,
    /// `2y`, or `until-performed`: the maximum time on the list (publication ends then).
    pub duration: S<String>,
    /// The minimum time on the list before repair may be applied for.
    #[serde(default)]
    pub repair_after: Option<S<String>>,
    #[serde(default)]
    pub extendable: bool,
    pub basis: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarDoc {
    pub id: S<String>,
    pub title: String,
    pub basis: S<String>,
    /// The grounds the bar applies to (default: every ground of the list).
    #[serde(default)]
    pub grounds: Option<S<Vec<String>>>,
    /// The subject is a minor on the day of the ground record.
    #[serde(default)]
    pub minor: Option<S<bool>>,
    /// A record of this category bars the listing...
    #[serde(default)]
    pub category: Option<S<String>>,
    /// ...when it has the same value of this attribute as the ground record (a case number).
    #[serde(default)]
    pub same: Option<S<String>>,
    #[serde(default)]
    pub when: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDoc {
    pub id: S<String>,
    pub title: String,
    /// `reward` or `restriction`.
    pub effect: S<String>,
    pub context: S<String>,
    pub on: S<TriggerDoc>,
    pub basis: S<String>,
    /// Kinds of relying party that apply it (`airline`, `railway`, `library`...).
    pub relying_parties: S<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    /// A restriction outside its grounds' context needs the published legal link.
    #[serde(default)]
    pub link: Option<S<LinkDoc>>,
    /// The measure binds an organisation's legal representative (with its legal basis).
    #[serde(default)]
    pub extends_to: Option<S<ExtendsDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerDoc {
    #[serde(default)]
    pub list: Option<S<String>>,
    /// With `list`: only entries on these grounds trigger the measure.
    #[serde(default)]
    pub grounds: Option<S<Vec<String>>>,
    #[serde(default)]
    pub scheme: Option<S<String>>,
    #[serde(default)]
    pub grades: Option<S<Vec<String>>>,
    #[serde(default)]
    pub score_at_least: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDoc {
    pub basis: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendsDoc {
    pub to: S<String>,
    pub basis: S<String>,
}
