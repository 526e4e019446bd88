//! Standings in words: the disclosure a subject is owed and the answer a relying party gets.
//!
//! Every sentence is built from the standing's explanation (rules, records, grounds, computed
//! remedies); nothing here decides anything.
//!
//! Text that came from a source, a relying party or a pack (references, case numbers, party
//! names, titles) is written through [`credence_model::text::escape`], so that a line break or
//! a terminal escape in it can never forge a line of the answer; enums are written as words.

use std::fmt::Write;

use credence_engine::{EntryEnd, EntryState, Remedy, SchemeStatus, Standing};
use credence_model::Day;
use credence_model::text::Escaped;
use credence_policy::{Effect, Policy};

use crate::answer::{Because, CheckAnswer, CheckRemedy, FileEvent, Report};

/// A record named for a person: category, source, reference and date, as corrected and known
/// on the standing's `known_at` (the same fold that computed the figures).
pub fn record_phrase(policy: &Policy, standing: &Standing, index: u32) -> String {
    let Some(record) = standing.records.iter().find(|r| r.index == index) else {
        return format!("record #{index}");
    };
    let title = policy
        .category_id(&record.category)
        .map_or(record.category.as_str(), |c| {
            policy.category(c).title.as_str()
        });
    let case = record
        .attributes
        .get("case")
        .map(|c| format!(", case {}", Escaped(&c.to_string())))
        .unwrap_or_default();
    format!(
        "{} ({} `{}`{case}, {})",
        Escaped(title),
        Escaped(&record.source),
        Escaped(&record.reference),
        record.date
    )
}

/// An open dispute in words: what is true while the source has not answered.
fn dispute_phrase(disputed: &credence_engine::Disputed, otherwise: Day) -> String {
    dispute_words(disputed.since, disputed.deadline, otherwise)
}

fn dispute_words(since: Day, deadline: Day, otherwise: Day) -> String {
    format!(
        "disputed on {since}: stops counting on {deadline} unless the source answers, otherwise ends on {otherwise}"
    )
}

/// A computed remedy in words.
pub fn remedy_phrase(policy: &Policy, standing: &Standing, remedy: &Remedy) -> String {
    match remedy {
        Remedy::Perform { record } => format!(
            "performing the obligation behind {} ends the listing",
            record_phrase(policy, standing, *record)
        ),
        Remedy::RepairFrom { day, record } => format!(
            "credit repair may be applied for from {day} (free of charge), with proof of correction of {}",
            record_phrase(policy, standing, *record)
        ),
        Remedy::EndsOn { day } => format!("the entry ends by itself on {day}"),
        Remedy::RecordExpires {
            record,
            day,
            points,
            grade,
        } => format!(
            "{} stops counting on {day}; then the points become {points}{}",
            record_phrase(policy, standing, *record),
            grade
                .as_ref()
                .map(|g| format!(" and the grade {g}"))
                .unwrap_or_default()
        ),
        Remedy::Dispute { record } => {
            let answer = crate::answer::dispute_answer(policy, standing, *record);
            format!(
                "if {} is wrong, dispute it: the source must answer within {answer} or the record stops counting",
                record_phrase(policy, standing, *record)
            )
        }
    }
}

/// The answer to a relying party, in words: the decision, then one line per fact, each
/// starting with what it is (`reason:`, `legal basis:`, `until:`, `remedy:`).
pub fn check_text(answer: &CheckAnswer) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} — {} ({})",
        Escaped(&answer.measure),
        if answer.applies {
            "APPLIES"
        } else {
            "does not apply"
        },
        Escaped(&answer.title),
        effect_word(answer.effect),
    );
    let _ = writeln!(
        out,
        "subject: {}  as of {}",
        Escaped(&answer.subject),
        answer.as_of
    );
    for because in &answer.because {
        let _ = writeln!(out, "reason: {}", because_phrase(because));
    }
    if let Some(basis) = &answer.as_representative {
        let _ = writeln!(
            out,
            "reason: binds the subject as the legal representative of a listed organisation: {}",
            Escaped(basis)
        );
    }
    let _ = writeln!(out, "legal basis: {}", Escaped(&answer.basis));
    if let Some(until) = answer.until {
        let _ = writeln!(out, "until: {until}");
    }
    for remedy in &answer.remedies {
        let _ = writeln!(out, "remedy: {}", check_remedy_phrase(remedy));
    }
    out
}

/// One reason of a check, in words.
pub fn because_phrase(because: &Because) -> String {
    match because {
        Because::Listed {
            list,
            ground,
            ground_title,
            basis,
            since,
            disputed,
        } => {
            let mut phrase = format!(
                "listed on `{}` since {since} on ground {} ({}; {})",
                Escaped(list),
                Escaped(ground),
                Escaped(ground_title),
                Escaped(basis),
            );
            if let Some(d) = disputed {
                let _ = write!(
                    phrase,
                    "; {}",
                    dispute_words(d.since, d.deadline, d.otherwise_until)
                );
            }
            phrase
        }
        Because::Grade { scheme, grade } => {
            format!("grade {} of `{}`", Escaped(grade), Escaped(scheme))
        }
        Because::Band { scorecard, band } => {
            format!("band {} of `{}`", Escaped(band), Escaped(scorecard))
        }
        Because::ScoreReached { of } => {
            format!(
                "the score of `{}` the measure asks for is reached",
                Escaped(of)
            )
        }
        Because::NotListed { list } => format!("not on the list `{}`", Escaped(list)),
        Because::NotReached => "the grade or score that unlocks it is not reached".to_owned(),
    }
}

/// A remedy of a check, in words (the subject's own disclosure names the records).
pub fn check_remedy_phrase(remedy: &CheckRemedy) -> String {
    match remedy {
        CheckRemedy::Perform => {
            "performing the obligation behind the listed record ends the listing".to_owned()
        }
        CheckRemedy::RepairFrom { day } => format!(
            "credit repair may be applied for from {day} (free of charge), with proof of correction"
        ),
        CheckRemedy::EndsOn { day } => format!("the entry ends by itself on {day}"),
        CheckRemedy::RecordExpires { day } => {
            format!("a record behind the decision stops counting on {day}")
        }
        CheckRemedy::Dispute { answer_within } => format!(
            "if a record is wrong, the subject may dispute it: the source must answer within \
             {answer_within} or the record stops counting"
        ),
    }
}

/// The full disclosure a subject is owed, in words.
pub fn report_text(report: &Report, policy: &Policy) -> String {
    let (events, standing) = (&report.events, &report.standing);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Subject {} ({}), as of {}, as known on {}",
        report.subject, report.kind, standing.as_of, standing.known_at
    );
    let _ = writeln!(out, "\nLists");
    let mut any = false;
    for entry in &standing.lists {
        any = true;
        let state = match entry.state {
            EntryState::InForce => "IN FORCE".to_owned(),
            EntryState::Ended => match entry.ended_by {
                Some(end) => format!("ended: {}", end_words(end)),
                None => "ended".to_owned(),
            },
            EntryState::Barred => format!(
                "not listed: bar `{}` applies",
                entry.bar.as_deref().unwrap_or("")
            ),
        };
        let _ = writeln!(out, "  {} — ground {} — {state}", entry.list, entry.ground);
        let period = match entry.state {
            EntryState::Ended => format!("since {}, ended {}", entry.since, entry.until),
            _ if entry.until_performed => format!(
                "since {}, until performed, at the latest {}",
                entry.since, entry.until
            ),
            _ => format!("since {}, until {}", entry.since, entry.until),
        };
        let period = if entry.extended_months > 0 {
            format!("{period} (extended by {} months)", entry.extended_months)
        } else {
            period
        };
        let period = match &entry.disputed {
            Some(disputed) => format!("{period}; {}", dispute_phrase(disputed, entry.until)),
            None => period,
        };
        let _ = writeln!(out, "    {period}");
        let _ = writeln!(out, "    basis: {}", entry.basis);
        match (&entry.rated, entry.record) {
            (Some(rated), _) => {
                let _ = writeln!(
                    out,
                    "    because: rated {} by {} on {} points alone, from the deductions of:",
                    Escaped(&rated.grade),
                    Escaped(&rated.scheme),
                    rated.points
                );
                for &record in &rated.records {
                    let _ = writeln!(out, "      {}", record_phrase(policy, standing, record));
                }
            }
            (None, Some(record)) => {
                let _ = writeln!(
                    out,
                    "    because of: {}",
                    record_phrase(policy, standing, record)
                );
            }
            (None, None) => {}
        }
        for remedy in &entry.remedies {
            let _ = writeln!(
                out,
                "    remedy: {}",
                remedy_phrase(policy, standing, remedy)
            );
        }
    }
    if !any {
        let _ = writeln!(out, "  on no list");
    }
    let _ = writeln!(out, "\nMeasures in force");
    if standing.measures.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for m in &standing.measures {
        let title = policy
            .measure_index(&m.measure)
            .map_or("", |i| policy.measures[i].title.as_str());
        let _ = writeln!(
            out,
            "  {} ({}): {}{} — {}",
            Escaped(&m.measure),
            effect_word(m.effect),
            Escaped(title),
            m.until.map(|u| format!(" until {u}")).unwrap_or_default(),
            Escaped(&m.basis)
        );
    }
    let _ = writeln!(out, "\nScores and grades");
    for scheme in &standing.schemes {
        match scheme.status {
            SchemeStatus::NotApplicable => continue,
            SchemeStatus::NoConsent => {
                let _ = writeln!(
                    out,
                    "  {}: not scored (the scheme needs the subject's consent)",
                    scheme.scheme
                );
                continue;
            }
            SchemeStatus::BelowMinimumAge => {
                let _ = writeln!(
                    out,
                    "  {}: not scored (the subject is below its minimum age, or the age is not known)",
                    scheme.scheme
                );
                continue;
            }
            SchemeStatus::NoRecords => {
                let _ = writeln!(
                    out,
                    "  {}: not rated (no record it rates on: no data is not a good record)",
                    scheme.scheme
                );
                continue;
            }
            SchemeStatus::Scored => {}
        }
        let _ = writeln!(
            out,
            "  {}: {} points, grade {}",
            scheme.scheme,
            scheme.points,
            scheme.grade.as_deref().unwrap_or("-")
        );
        if let Some(direct) = &scheme.direct {
            let _ = writeln!(
                out,
                "    grade {} set directly by {} ({}) until {}",
                direct.grade,
                record_phrase(policy, standing, direct.record),
                direct.basis,
                direct.until
            );
        }
        for c in &scheme.contributions {
            let capped = if c.counted != c.points {
                format!(" (capped from {:+})", c.points)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "    {:+} rule {}{capped}: {} (counts until {})",
                c.counted,
                c.rule,
                record_phrase(policy, standing, c.record),
                c.until
            );
        }
        for remedy in &scheme.remedies {
            let _ = writeln!(out, "    next: {}", remedy_phrase(policy, standing, remedy));
        }
    }
    for card in &standing.scorecards {
        match card.status {
            SchemeStatus::NotApplicable => continue,
            SchemeStatus::NoConsent => {
                let _ = writeln!(
                    out,
                    "  {}: not scored (the scorecard needs the subject's consent)",
                    card.scorecard
                );
                continue;
            }
            SchemeStatus::BelowMinimumAge => {
                let _ = writeln!(
                    out,
                    "  {}: not scored (the subject is below its minimum age, or the age is not known)",
                    card.scorecard
                );
                continue;
            }
            SchemeStatus::NoRecords => {
                let _ = writeln!(
                    out,
                    "  {}: not rated (no record it rates on: no data is not a good record)",
                    card.scorecard
                );
                continue;
            }
            SchemeStatus::Scored => {}
        }
        let _ = writeln!(
            out,
            "  {}: score {}, band {}",
            card.scorecard,
            card.score,
            card.band.as_deref().unwrap_or("-")
        );
        for reason in &card.reasons {
            let improves = reason
                .improves_on
                .map(|d| format!("; improves from {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    reason {} (-{} points): {}{improves}",
                reason.code, reason.points_lost, reason.text
            );
        }
    }
    let _ = writeln!(out, "\nFile ({}, by date)", plural(events.len(), "event"));
    let mut by_date: Vec<&FileEvent> = events.iter().collect();
    by_date.sort_by_key(|e| (e.valid, e.index));
    for event in by_date {
        let index = event.index as usize;
        // A record's status on the day asked about, and when it stops counting.
        let status = standing
            .records
            .iter()
            .find(|r| r.index as usize == index)
            .map(|r| match &r.disputed {
                Some(d) => format!(
                    " [disputed on {}: stops counting on {} unless the source answers; kept until {}]",
                    d.since, d.deadline, r.expires
                ),
                None => format!(" [{}; kept until {}]", status_word(r.status), r.expires),
            })
            .or_else(|| {
                standing
                    .ignored
                    .iter()
                    .find(|i| i.event as usize == index)
                    .map(|i| format!(" [ignored: {}]", i.reason))
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} {} {} `{}`{}{status}",
            event.valid,
            event.action,
            Escaped(&event.category),
            Escaped(&event.source),
            Escaped(&event.reference),
            event
                .target
                .as_ref()
                .map(|t| format!(" -> `{}`", Escaped(t)))
                .unwrap_or_default()
        );
    }
    for representation in &report.representing {
        let _ = writeln!(
            out,
            "\nAs legal representative of organisation {}",
            representation.organisation
        );
        for m in &representation.measures {
            let title = policy
                .measure_index(&m.measure)
                .map_or("", |i| policy.measures[i].title.as_str());
            let basis = policy
                .measure_index(&m.measure)
                .and_then(|i| policy.measures[i].extends_to_representative.clone())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} ({}): {}{} — binds the representative: {}",
                Escaped(&m.measure),
                effect_word(m.effect),
                Escaped(title),
                m.until.map(|u| format!(" until {u}")).unwrap_or_default(),
                Escaped(&basis)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nWho looked ({})",
        plural(report.accesses.len(), "access")
    );
    for access in &report.accesses {
        // The registry's date, the calendar of the events above.
        let day = access.day;
        let _ = writeln!(
            out,
            "  {day} {}: {} — {}",
            Escaped(&access.party),
            Escaped(&access.purpose),
            Escaped(&access.outcome)
        );
    }
    out
}

/// `1 event`, `2 events`; `1 access`, `2 accesses`.
fn plural(n: usize, noun: &str) -> String {
    match (n, noun.ends_with('s')) {
        (1, _) => format!("1 {noun}"),
        (_, true) => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}

/// Why a list entry ended, in words.
pub fn end_words(end: EntryEnd) -> &'static str {
    match end {
        EntryEnd::Expired => "its period ran out",
        EntryEnd::Retention => "the record's retention period ran out",
        EntryEnd::Performance => "the obligation was performed",
        EntryEnd::Repair => "credit repair",
        EntryEnd::Suppressed => "the record was suppressed",
        EntryEnd::DisputeUnanswered => "the source did not answer a dispute in time",
    }
}

/// A measure's effect in words.
pub fn effect_word(effect: Effect) -> &'static str {
    match effect {
        Effect::Reward => "reward",
        Effect::Restriction => "restriction",
    }
}

/// A record's status in words.
fn status_word(status: credence_engine::RecordStatus) -> &'static str {
    use credence_engine::RecordStatus;
    match status {
        RecordStatus::InForce => "in force",
        RecordStatus::Fulfilled => "fulfilled",
        RecordStatus::Corrected => "corrected",
        RecordStatus::Retracted => "retracted",
        RecordStatus::Disputed => "disputed",
        RecordStatus::Suppressed => "suppressed",
        RecordStatus::Repaired => "repaired",
        RecordStatus::Expired => "expired",
    }
}
