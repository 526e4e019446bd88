//! The life of one record: which action may follow which, judged on the action's own date.
//!
//! One state machine, used twice: intake refuses a row the machine forbids (naming the line and
//! field), and the engine's fold ignores a stored event the machine forbids (and says so when it
//! explains), so that no history, however it was stored, reaches a state the machine does not
//! allow. Events are judged in history order against the record as corrected by the earlier
//! events, and on the action's own date: "was the listing in force on the day it was extended?".
//! What the machine decides does not depend on the day a standing is asked about, only on the
//! events before it in the history, so learning later events never changes how an earlier one
//! was judged.
//!
//! | action     | allowed when (on its date `d`)                                                       |
//! |------------|--------------------------------------------------------------------------------------|
//! | `correct`  | not retracted; the corrected date is not after any action on the record              |
//! | `retract`  | not retracted; `d` on or after the record's date                                     |
//! | `fulfil`   | not retracted; `d` on or after the record's date; not already performed              |
//! | `suppress` | as `fulfil`, and the record still counts on `d`; not already suppressed              |
//! | `repair`   | as `suppress`; a list ground of the record allows repair and its minimum period is over |
//! | `extend`   | as `suppress`; an extendable ground's entry is in force on `d`, the extension's condition holds, the total stays within the list's maximum |
//! | `dispute`  | as `suppress`; no dispute open; not dated before the last answer                     |
//! | `resolve`  | not retracted; a dispute is open and `d` is on or after it                            |

use std::fmt;

use credence_model::{Action, Day, SubjectFacts};
use credence_policy::refusal::{REPRESENTATIVE_ATTRIBUTE, REPRESENTATIVE_CATEGORY};
use credence_policy::{BarRule, CategoryId, Policy};

use crate::evaluate::{after, holds};
use crate::history::{CompactEvent, History};

const NEVER: i32 = i32::MAX;

/// What the machine knows of one record: every admitted event, whatever its date.
#[derive(Clone, Copy, Debug)]
pub struct Life {
    pub category: CategoryId,
    /// The record's date, as corrected.
    pub valid: i32,
    /// Offset of the record's attribute slots, as corrected.
    pub attributes: u32,
    pub retracted: bool,
    pub fulfilled: i32,
    pub suppressed: i32,
    pub repaired: i32,
    pub extended_months: u32,
    /// The latest dispute, and the day it was answered (`NEVER`: still open).
    pub dispute_open: i32,
    pub dispute_closed: i32,
    /// The first dispute deadline that passed unanswered: the record stopped counting then.
    pub lapsed: i32,
    /// The earliest date of an action on the record (a correction may not date it later).
    pub first_action: i32,
}

impl Life {
    /// The record as first filed.
    pub fn new(category: CategoryId, valid: i32, attributes: u32) -> Life {
        Life {
            category,
            valid,
            attributes,
            retracted: false,
            fulfilled: NEVER,
            suppressed: NEVER,
            repaired: NEVER,
            extended_months: 0,
            dispute_open: NEVER,
            dispute_closed: NEVER,
            lapsed: NEVER,
            first_action: NEVER,
        }
    }

    /// Whether a dispute is open (not yet answered).
    pub fn disputed(&self) -> bool {
        self.dispute_open != NEVER && self.dispute_closed == NEVER
    }
}

/// Why an action may not follow: the machine's refusal, in words by [`fmt::Display`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The record was retracted: nothing acts on it any more.
    Retracted,
    /// The action is dated before the record.
    BeforeRecord {
        record: Day,
    },
    /// A correction would date the record after an action on it.
    CorrectedAfterAction {
        action: Day,
    },
    /// Performance was already recorded.
    AlreadyFulfilled {
        on: Day,
    },
    AlreadySuppressed {
        on: Day,
    },
    AlreadyRepaired {
        on: Day,
    },
    /// The record no longer counted on the action's date.
    Stopped {
        on: Day,
    },
    /// No list ground of the record allows repair.
    NotRepairable,
    /// Repair is applied for only after the minimum publication period.
    RepairTooEarly {
        from: Day,
    },
    /// No list extends a listing on this record (no extendable ground holds).
    NotExtendable,
    /// The law's condition for an extension does not hold for the record as corrected.
    ExtensionCondition,
    /// The listing had ended before the extension was decided.
    EntryEnded {
        on: Day,
    },
    /// The extensions together would pass the list's maximum.
    ExtensionTooLong {
        max_months: u32,
        already: u32,
    },
    /// A dispute is already open.
    DisputeOpen {
        since: Day,
    },
    /// A dispute dated before the answer to the previous one.
    BeforeAnswer {
        answered: Day,
    },
    /// An answer with no open dispute.
    NoOpenDispute,
    /// Every entry the record grounds is barred because the subject was a minor on the
    /// record's date: nothing is in force to extend or repair.
    BarredMinor,
    /// An answer dated before the dispute it answers.
    BeforeDispute {
        disputed: Day,
    },
}

impl Refusal {
    /// The field of an intake row the refusal is about.
    pub fn field(self) -> &'static str {
        match self {
            Refusal::Retracted | Refusal::NoOpenDispute | Refusal::NotExtendable => "action",
            Refusal::BarredMinor => "action",
            Refusal::NotRepairable | Refusal::ExtensionCondition => "action",
            Refusal::AlreadyFulfilled { .. }
            | Refusal::AlreadySuppressed { .. }
            | Refusal::AlreadyRepaired { .. }
            | Refusal::DisputeOpen { .. } => "action",
            Refusal::ExtensionTooLong { .. } => "months",
            Refusal::BeforeRecord { .. }
            | Refusal::CorrectedAfterAction { .. }
            | Refusal::Stopped { .. }
            | Refusal::RepairTooEarly { .. }
            | Refusal::EntryEnded { .. }
            | Refusal::BeforeAnswer { .. }
            | Refusal::BeforeDispute { .. } => "date",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Retracted => {
                f.write_str("the record was retracted: nothing acts on it any more")
            }
            Refusal::BeforeRecord { record } => {
                write!(f, "it is dated before the record ({record})")
            }
            Refusal::CorrectedAfterAction { action } => write!(
                f,
                "the correction dates the record after an action on it ({action}): correct or retract that action's record instead"
            ),
            Refusal::AlreadyFulfilled { on } => {
                write!(f, "performance was already recorded on {on}")
            }
            Refusal::AlreadySuppressed { on } => {
                write!(f, "the record was already suppressed on {on}")
            }
            Refusal::AlreadyRepaired { on } => write!(f, "the record was already repaired on {on}"),
            Refusal::Stopped { on } => write!(f, "the record stopped counting on {on}"),
            Refusal::NotRepairable => {
                f.write_str("no list this record grounds allows credit repair")
            }
            Refusal::RepairTooEarly { from } => write!(
                f,
                "credit repair may be applied for only after the minimum publication period, from {from}"
            ),
            Refusal::NotExtendable => f.write_str(
                "no list extends a listing on this record (its ground is not extendable)",
            ),
            Refusal::ExtensionCondition => f.write_str(
                "the law's condition for an extension does not hold for the record as corrected",
            ),
            Refusal::EntryEnded { on } => write!(
                f,
                "the listing ended on {on}: an extension is decided while the entry is in force"
            ),
            Refusal::ExtensionTooLong {
                max_months,
                already,
            } => write!(
                f,
                "the extensions would total more than the list's maximum of {max_months} months ({already} already)"
            ),
            Refusal::DisputeOpen { since } => write!(f, "a dispute is already open since {since}"),
            Refusal::BeforeAnswer { answered } => write!(
                f,
                "it is dated before the answer to the previous dispute ({answered})"
            ),
            Refusal::NoOpenDispute => f.write_str("no dispute of the record is open"),
            Refusal::BarredMinor => f.write_str(
                "the subject was a minor on the record's date, so the law bars its listing: there is no entry in force to extend or repair",
            ),
            Refusal::BeforeDispute { disputed } => {
                write!(f, "it is dated before the dispute it answers ({disputed})")
            }
        }
    }
}

/// The record's attribute slots as corrected.
fn values<'a>(policy: &Policy, attributes: &'a [i64], life: &Life) -> &'a [i64] {
    let start = life.attributes as usize;
    let len = policy.category(life.category).attributes.len();
    attributes.get(start..start + len).unwrap_or(&[])
}

/// The first day the record no longer counts, from what is known of it (`NEVER`: it counts).
pub fn stops(policy: &Policy, life: &Life) -> i32 {
    let category = policy.category(life.category);
    let mut stops = after(category.retention, life.valid, policy)
        .min(life.suppressed)
        .min(life.repaired)
        .min(life.lapsed);
    if life.disputed() {
        stops = stops.min(after(category.dispute_answer, life.dispute_open, policy));
    }
    stops
}

/// Whether the law bars every listing of the record on this ground for the subject's minority
/// (a minor bar of the list, the subject a minor on the record's date).
fn barred_minor(
    list: &credence_policy::List,
    ground: u16,
    facts: &SubjectFacts,
    life: &Life,
) -> bool {
    facts.is_minor_on(Day(life.valid))
        && list
            .bars
            .iter()
            .any(|bar| matches!(bar.rule, BarRule::Minor) && bar.applies_to(ground))
}

/// The earliest day repair may be applied for: the longest minimum period of the list grounds
/// the record holds for that allow repair (`None`: none does).
pub fn repair_from(
    policy: &Policy,
    facts: &SubjectFacts,
    attributes: &[i64],
    life: &Life,
) -> Result<Option<i32>, Refusal> {
    let values = values(policy, attributes, life);
    let mut from = None;
    let mut barred = false;
    for &(list_index, ground_index) in &policy.uses[usize::from(life.category.0)].grounds {
        let list = &policy.lists[usize::from(list_index)];
        let ground = &list.grounds[usize::from(ground_index)];
        if !list.exits.repair || !holds(&ground.when, values) {
            continue;
        }
        if barred_minor(list, ground_index, facts, life) {
            barred = true;
            continue;
        }
        let day = ground
            .repair_after
            .map_or(life.valid, |d| after(d, life.valid, policy));
        from = Some(from.map_or(day, |f: i32| f.max(day)));
    }
    match from {
        None if barred => Err(Refusal::BarredMinor),
        from => Ok(from),
    }
}

/// Judges `event` (an action on the record `life`) on its own date.
pub fn admit(
    policy: &Policy,
    facts: &SubjectFacts,
    attributes: &[i64],
    life: &Life,
    event: &CompactEvent,
) -> Result<(), Refusal> {
    let d = event.valid;
    if life.retracted {
        return Err(Refusal::Retracted);
    }
    match event.action {
        Action::Record | Action::Consent | Action::Withdraw => return Ok(()),
        Action::Correct => {
            return if d > life.first_action {
                Err(Refusal::CorrectedAfterAction {
                    action: Day(life.first_action),
                })
            } else {
                Ok(())
            };
        }
        Action::Resolve => {
            return if !life.disputed() {
                Err(Refusal::NoOpenDispute)
            } else if d < life.dispute_open {
                Err(Refusal::BeforeDispute {
                    disputed: Day(life.dispute_open),
                })
            } else {
                Ok(())
            };
        }
        _ => {}
    }
    if d < life.valid {
        return Err(Refusal::BeforeRecord {
            record: Day(life.valid),
        });
    }
    match event.action {
        Action::Retract => return Ok(()),
        Action::Fulfil if life.fulfilled != NEVER => {
            return Err(Refusal::AlreadyFulfilled {
                on: Day(life.fulfilled),
            });
        }
        Action::Fulfil => return Ok(()),
        Action::Suppress if life.suppressed != NEVER => {
            return Err(Refusal::AlreadySuppressed {
                on: Day(life.suppressed),
            });
        }
        Action::Repair if life.repaired != NEVER => {
            return Err(Refusal::AlreadyRepaired {
                on: Day(life.repaired),
            });
        }
        _ => {}
    }
    let stopped = stops(policy, life);
    if stopped <= d {
        return Err(match event.action {
            Action::Extend => Refusal::EntryEnded { on: Day(stopped) },
            _ => Refusal::Stopped { on: Day(stopped) },
        });
    }
    match event.action {
        Action::Repair => match repair_from(policy, facts, attributes, life)? {
            None => Err(Refusal::NotRepairable),
            Some(from) if d < from => Err(Refusal::RepairTooEarly { from: Day(from) }),
            Some(_) => Ok(()),
        },
        Action::Extend => {
            let months = attributes
                .get(event.attributes as usize)
                .copied()
                .unwrap_or(0);
            extension(policy, facts, attributes, life, d, months)
        }
        Action::Dispute if life.disputed() => Err(Refusal::DisputeOpen {
            since: Day(life.dispute_open),
        }),
        Action::Dispute if life.dispute_closed != NEVER && d < life.dispute_closed => {
            Err(Refusal::BeforeAnswer {
                answered: Day(life.dispute_closed),
            })
        }
        _ => Ok(()),
    }
}

/// Whether an extension by `months` decided on `d` is allowed: some extendable ground of the
/// record has an entry in force on `d`, the extension's condition holds, and the total stays
/// within the list's maximum.
fn extension(
    policy: &Policy,
    facts: &SubjectFacts,
    attributes: &[i64],
    life: &Life,
    d: i32,
    months: i64,
) -> Result<(), Refusal> {
    let values = values(policy, attributes, life);
    let mut refusal = Refusal::NotExtendable;
    for &(list_index, ground_index) in &policy.uses[usize::from(life.category.0)].grounds {
        let list = &policy.lists[usize::from(list_index)];
        let ground = &list.grounds[usize::from(ground_index)];
        let (Some(extension), Some(duration)) = (&list.extension, ground.duration) else {
            continue;
        };
        if !ground.extendable || !holds(&ground.when, values) {
            continue;
        }
        if barred_minor(list, ground_index, facts, life) {
            refusal = Refusal::BarredMinor;
            continue;
        }
        if !holds(&ground.extension_when, values) {
            refusal = Refusal::ExtensionCondition;
            continue;
        }
        let mut until = duration
            .after_extended(Day(life.valid), life.extended_months, &policy.calendar)
            .0;
        if list.exits.performance {
            until = until.min(life.fulfilled);
        }
        if until <= d {
            refusal = Refusal::EntryEnded { on: Day(until) };
            continue;
        }
        let max = extension.max.months().unwrap_or(0);
        let total = i64::from(life.extended_months) + months;
        if total > i64::from(max) {
            refusal = Refusal::ExtensionTooLong {
                max_months: max,
                already: life.extended_months,
            };
            continue;
        }
        return Ok(());
    }
    Err(refusal)
}

/// Applies an admitted action to the record.
pub fn apply(policy: &Policy, attributes: &[i64], life: &mut Life, event: &CompactEvent) {
    let d = event.valid;
    if !matches!(event.action, Action::Correct | Action::Retract) {
        life.first_action = life.first_action.min(d);
    }
    match event.action {
        Action::Correct => {
            life.valid = d;
            life.attributes = event.attributes;
        }
        Action::Retract => life.retracted = true,
        Action::Fulfil => life.fulfilled = d,
        Action::Suppress => life.suppressed = d,
        Action::Repair => life.repaired = d,
        Action::Extend => {
            let months = attributes
                .get(event.attributes as usize)
                .copied()
                .unwrap_or(0);
            life.extended_months += u32::try_from(months.clamp(0, 120)).unwrap_or(0);
        }
        Action::Dispute => {
            life.dispute_open = d;
            life.dispute_closed = NEVER;
        }
        Action::Resolve => {
            let answer = policy.category(life.category).dispute_answer;
            // The source may answer up to and including the deadline's last day.
            let deadline = after(answer, life.dispute_open, policy);
            if d >= deadline {
                life.lapsed = life.lapsed.min(deadline);
            }
            life.dispute_closed = d;
            let upheld = attributes
                .get(event.attributes as usize)
                .copied()
                .unwrap_or(1);
            if upheld == 0 {
                life.retracted = true;
            }
        }
        Action::Record | Action::Consent | Action::Withdraw => {}
    }
}

/// Runs the machine over a compact history in its order: a record opens a life, every action
/// on a known record is judged against that record as known so far and applied when admitted.
/// Events recorded after `known_at` are not known and are skipped. `visit` sees every judged
/// action with its verdict. Returns each record's life at the end, by index in `history`.
fn fold(
    policy: &Policy,
    facts: &SubjectFacts,
    history: &History,
    known_at: Day,
    mut visit: impl FnMut(&CompactEvent, Result<(), Refusal>),
) -> Vec<Option<Life>> {
    let mut lives: Vec<Option<Life>> = vec![None; history.events.len()];
    for (index, event) in history.events.iter().enumerate() {
        if event.recorded > known_at.0 {
            continue;
        }
        if event.action == Action::Record {
            lives[index] = Some(Life::new(
                CategoryId(event.key),
                event.valid,
                event.attributes,
            ));
            continue;
        }
        if event.action.names_scheme() {
            continue;
        }
        let Some(Some(life)) = lives.get_mut(event.target as usize) else {
            continue;
        };
        let verdict = admit(policy, facts, &history.attributes, life, event);
        if verdict.is_ok() {
            apply(policy, &history.attributes, life, event);
        }
        visit(event, verdict);
    }
    lives
}

/// Every event of a subject's history the machine refuses, with why, by index in `events`
/// (events the policy does not know, or whose record is unknown, are not judged).
pub fn refusals(
    policy: &Policy,
    facts: credence_model::SubjectFacts,
    events: &[credence_model::Event],
) -> Vec<(usize, Refusal)> {
    let history = History::build(policy, facts, events);
    let mut out = Vec::new();
    fold(policy, &facts, &history, Day(NEVER), |event, verdict| {
        if let Err(refusal) = verdict {
            out.push((event.origin as usize, refusal));
        }
    });
    out
}

/// The disputes the record's source lost: every `resolve` the machine admits that does not
/// uphold the disputed record (which retracts it), by index in `events`. A `resolve` the
/// machine refuses reverses nothing and is not among them. The answer is the record's own
/// source's, so the index names the source that lost.
pub fn disputes_lost(
    policy: &Policy,
    facts: credence_model::SubjectFacts,
    events: &[credence_model::Event],
) -> Vec<usize> {
    let history = History::build(policy, facts, events);
    let mut out = Vec::new();
    fold(policy, &facts, &history, Day(NEVER), |event, verdict| {
        let upheld = history
            .attributes
            .get(event.attributes as usize)
            .copied()
            .unwrap_or(1);
        if verdict.is_ok() && event.action == Action::Resolve && upheld == 0 {
            out.push(event.origin as usize);
        }
    });
    out
}

/// Who legally represents the organisation whose history is `events`, on `as_of` as known on
/// `known_at`: the pseudonym the built-in legal-representative record names, taken from the
/// latest such record (by date, then history order) that counts on `as_of` as the machine
/// folds it: filed and known by `known_at`, dated on or before `as_of`, not retracted (nor
/// lost in a dispute), and not stopped ([`stops`]: its retention over, suppressed, or a
/// dispute left unanswered). A correction the machine admits replaces the record's date and
/// the person it names. `None`: nobody does.
pub fn representative<'e>(
    policy: &Policy,
    events: &'e [credence_model::Event],
    as_of: Day,
    known_at: Day,
) -> Option<&'e str> {
    let category = policy.category_id(REPRESENTATIVE_CATEGORY)?;
    let facts = credence_model::SubjectFacts {
        kind: credence_model::SubjectKind::Organisation,
        birth: None,
    };
    let history = History::build(policy, facts, events);
    // For each record, the event whose attributes it carries (itself, or its last correction).
    let mut named: Vec<u32> = history.events.iter().map(|e| e.origin).collect();
    let lives = fold(policy, &facts, &history, known_at, |event, verdict| {
        if verdict.is_ok()
            && event.action == Action::Correct
            && let Some(slot) = named.get_mut(event.target as usize)
        {
            *slot = event.origin;
        }
    });
    let mut latest: Option<(i32, usize)> = None;
    for (index, life) in lives.iter().enumerate() {
        let Some(life) = life else { continue };
        if life.category != category
            || life.retracted
            || life.valid > as_of.0
            || stops(policy, life) <= as_of.0
        {
            continue;
        }
        if latest.is_none_or(|found| (life.valid, index) >= found) {
            latest = Some((life.valid, index));
        }
    }
    let (_, index) = latest?;
    let event = events.get(*named.get(index)? as usize)?;
    match event.attributes.get(REPRESENTATIVE_ATTRIBUTE) {
        Some(credence_model::Value::Text(pseudonym)) => Some(pseudonym),
        _ => None,
    }
}
