//! The public catalogue: every rule of a compiled policy in words, for publication.
//!
//! It is generated from the compiled policy, so what is published is what is evaluated.

use std::fmt::Write;

use crate::compiled::*;

/// The catalogue as Markdown.
pub fn describe(policy: &Policy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Public catalogue of rules\n");
    periods(&mut out, policy);
    for (index, pack) in policy.packs.iter().enumerate() {
        let _ = writeln!(
            out,
            "## {} (`{}`, version {})\n",
            pack.title, pack.id, pack.version
        );
        let _ = writeln!(
            out,
            "Published by {}. Legal basis: {}.\n",
            pack.authority, pack.basis
        );
        if let Some(summary) = &pack.summary {
            let _ = writeln!(out, "{}\n", summary.trim());
        }
        categories(&mut out, policy, index);
        schemes(&mut out, policy, index);
        scorecards(&mut out, policy, index);
        lists(&mut out, policy, index);
        measures(&mut out, policy, index);
        calendar(&mut out, pack);
        if !pack.deadlines.is_empty() {
            let _ = writeln!(
                out,
                "### Deadlines
"
            );
            for d in &pack.deadlines {
                let _ = writeln!(
                    out,
                    "- {} (`{}`): within {} of {} ({})",
                    d.title, d.id, d.within, d.from, d.basis
                );
            }
            let _ = writeln!(out);
        }
    }
    out
}

fn categories(out: &mut String, policy: &Policy, pack: usize) {
    let own: Vec<&Category> = policy
        .categories
        .iter()
        .filter(|c| c.pack == pack)
        .collect();
    if own.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Records\n\n| category | what | kind | context | about | kept for | dispute answered within |\n|---|---|---|---|---|---|---|"
    );
    for c in own {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            c.id,
            c.title,
            c.kind.as_str(),
            c.context,
            c.subjects.describe(),
            c.retention,
            c.dispute_answer
        );
    }
    out.push('\n');
}

fn schemes(out: &mut String, policy: &Policy, pack: usize) {
    for scheme in policy.schemes.iter().filter(|s| s.pack == pack) {
        let what = if scheme.is_rating {
            "Rating"
        } else {
            "Points scheme"
        };
        let _ = writeln!(out, "### {what}: {} (`{}`)\n", scheme.title, scheme.id);
        let _ = writeln!(
            out,
            "Rates {}; starts at {} points{}{}.{}{}\n",
            scheme.subjects.describe(),
            scheme.base,
            scheme
                .min
                .map(|m| format!(", never below {m}"))
                .unwrap_or_default(),
            scheme
                .max
                .map(|m| format!(", never above {m}"))
                .unwrap_or_default(),
            if scheme.consent_required {
                " Only subjects who opt in are scored."
            } else {
                ""
            },
            if scheme.reward_only {
                " Reward-only: a low score never restricts anything."
            } else {
                ""
            }
        );
        for rule in &scheme.rules {
            let _ = writeln!(
                out,
                "- {:+} points for each `{}` record{}, counted for {} (rule `{}`)",
                rule.points,
                policy.category(rule.category).id,
                rule.when_text
                    .as_ref()
                    .map(|w| format!(" where {w}"))
                    .unwrap_or_default(),
                rule.validity,
                rule.id
            );
        }
        for cap in &scheme.caps {
            let names: Vec<&str> = cap
                .categories
                .iter()
                .map(|c| policy.category(*c).id.as_str())
                .collect();
            let per = match cap.per {
                Period::Year => "year",
                Period::Month => "month",
                Period::Ever => "ever",
            };
            let limits: Vec<String> = [
                cap.gain.map(|g| format!("at most +{g}")),
                cap.loss.map(|l| format!("at most -{l}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let _ = writeln!(
                out,
                "- cap per {per} on {}: {}",
                names.join(", "),
                limits.join(", ")
            );
        }
        let grades: Vec<String> = scheme
            .grades
            .iter()
            .map(|g| match g.min {
                Some(min) => format!("{} from {min}", g.name),
                None => format!("{} only by a direct ground", g.name),
            })
            .collect();
        if !grades.is_empty() {
            let _ = writeln!(out, "- grades: {}", grades.join("; "));
        }
        for direct in &scheme.direct {
            let _ = writeln!(
                out,
                "- grade {} directly on any `{}` record{} ({})",
                scheme.grades[usize::from(direct.grade)].name,
                policy.category(direct.category).id,
                direct
                    .score_at_least
                    .map(|s| format!(" while points are at least {s}"))
                    .unwrap_or_default(),
                direct.basis
            );
        }
        out.push('\n');
    }
}

fn scorecards(out: &mut String, policy: &Policy, pack: usize) {
    for card in policy.scorecards.iter().filter(|c| c.pack == pack) {
        let _ = writeln!(out, "### Scorecard: {} (`{}`)\n", card.title, card.id);
        let _ = writeln!(
            out,
            "Range {}-{}; base {}; the score is the base plus the points of each characteristic's bin. Up to four reason codes explain each score.{}\n",
            card.range.0,
            card.range.1,
            card.base,
            if card.consent_required {
                " Only subjects who opt in are scored."
            } else {
                ""
            }
        );
        for c in &card.characteristics {
            let bins: Vec<String> = c
                .bins
                .iter()
                .map(|b| match b.upto {
                    Some(u) => format!("≤{u}: {}", b.points),
                    None => format!("otherwise: {}", b.points),
                })
                .collect();
            let names: Vec<&str> = c
                .categories
                .iter()
                .map(|id| policy.category(*id).id.as_str())
                .collect();
            let _ = writeln!(
                out,
                "- {} ({} of {} over {}): {} — reason {} \"{}\"",
                c.title,
                measurement_words(c.measurement),
                names.join(", "),
                c.window,
                bins.join(", "),
                c.reason_code,
                c.reason
            );
        }
        let bands: Vec<String> = card
            .bands
            .iter()
            .map(|b| format!("{} from {}", b.name, b.min.unwrap_or_default()))
            .collect();
        let _ = writeln!(out, "- bands: {}\n", bands.join("; "));
    }
}

fn lists(out: &mut String, policy: &Policy, pack: usize) {
    for list in policy.lists.iter().filter(|l| l.pack == pack) {
        let _ = writeln!(
            out,
            "### {} list: {} (`{}`)\n",
            match list.colour {
                crate::Colour::Red => "Red",
                crate::Colour::Black => "Black",
            },
            list.title,
            list.id
        );
        let _ = writeln!(
            out,
            "About {}; context {}; basis: {}. Published: {}.\n",
            list.subjects.describe(),
            list.context,
            list.basis,
            if list.publish.organisation {
                "organisations only (persons never are)"
            } else {
                "no"
            }
        );
        for g in &list.grounds {
            if let Some(rated) = g.rated {
                let scheme = &policy.schemes[usize::from(rated.scheme)];
                let _ = writeln!(
                    out,
                    "- ground {}: {} — rated {} by `{}` on its points (grade reached by the deductions counting that day, a direct grade apart) — listed while so rated{} ({})",
                    g.id,
                    g.title,
                    scheme.grades[usize::from(rated.grade)].name,
                    scheme.id,
                    g.duration
                        .map(|d| format!(", for at most {d}"))
                        .unwrap_or_default(),
                    g.basis
                );
                continue;
            }
            let Some(category) = g.category else {
                continue;
            };
            let duration = g.duration.map_or(
                "until the obligation is performed (at most the record's retention)".to_owned(),
                |d| format!("for {d}"),
            );
            let _ = writeln!(
                out,
                "- ground {}: {} — `{}`{} — listed {}{}{} ({})",
                g.id,
                g.title,
                policy.category(category).id,
                g.when_text
                    .as_ref()
                    .map(|w| format!(" where {w}"))
                    .unwrap_or_default(),
                duration,
                if g.extendable { ", extendable" } else { "" },
                g.repair_after
                    .map(|r| format!(", repair from {r}"))
                    .unwrap_or_default(),
                g.basis
            );
        }
        if let Some(e) = &list.extension {
            let _ = writeln!(
                out,
                "- extension: {} to {}{}, decided while the entry is in force ({})",
                e.min,
                e.max,
                e.when_text
                    .as_ref()
                    .map(|w| format!(" where {w}"))
                    .unwrap_or_default(),
                e.basis
            );
        }
        for bar in &list.bars {
            let _ = writeln!(out, "- never listed: {} ({})", bar.title, bar.basis);
        }
        let mut exits = Vec::new();
        if list.exits.performance {
            exits.push("performance");
        }
        if list.exits.retraction {
            exits.push("retraction");
        }
        if list.exits.repair {
            exits.push("credit repair");
        }
        let _ = writeln!(out, "- ends early on: {}\n", exits.join(", "));
    }
}

fn measures(out: &mut String, policy: &Policy, pack: usize) {
    let own: Vec<&Measure> = policy.measures.iter().filter(|m| m.pack == pack).collect();
    if own.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Measures\n\n| measure | effect | when | context | applied by | legal basis |\n|---|---|---|---|---|---|"
    );
    for m in own {
        let when = match &m.trigger {
            Trigger::List(l) => format!("on list `{}`", policy.lists[*l].id),
            Trigger::SchemeGrades { scheme, grades } => format!(
                "`{}` grade {}",
                policy.schemes[*scheme].id,
                grades
                    .iter()
                    .map(|g| policy.schemes[*scheme].grades[usize::from(*g)]
                        .name
                        .as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            Trigger::ScorecardBands { scorecard, bands } => format!(
                "`{}` band {}",
                policy.scorecards[*scorecard].id,
                bands
                    .iter()
                    .map(|b| policy.scorecards[*scorecard].bands[usize::from(*b)]
                        .name
                        .as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            Trigger::SchemeScore { scheme, min } => {
                format!("`{}` at least {min}", policy.schemes[*scheme].id)
            }
            Trigger::ScorecardScore { scorecard, min } => {
                format!("`{}` at least {min}", policy.scorecards[*scorecard].id)
            }
        };
        let mut basis = m.basis.clone();
        if let Some(link) = &m.link {
            basis.push_str(&format!("; link: {link}"));
        }
        if let Some(rep) = &m.extends_to_representative {
            basis.push_str(&format!("; binds the legal representative: {rep}"));
        }
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {when} | {} | {} | {basis} |",
            m.title,
            m.id,
            match m.effect {
                crate::Effect::Reward => "reward",
                crate::Effect::Restriction => "restriction",
            },
            m.context,
            m.relying_parties.join(", ")
        );
    }
    out.push('\n');
}

/// What a scorecard characteristic measures, in words.
fn measurement_words(measurement: crate::Measurement) -> &'static str {
    match measurement {
        crate::Measurement::Count => "count",
        crate::Measurement::Sum => "sum",
        crate::Measurement::DaysSinceLast => "days since the last",
        crate::Measurement::DaysSinceFirst => "days since the first",
    }
}

/// How every period is counted, and which years' holidays the count knows.
fn periods(out: &mut String, policy: &Policy) {
    let years = policy.calendar.years();
    let known = match (years.first(), years.last()) {
        (Some(first), Some(last)) if first == last => format!("the year {first}"),
        (Some(_), Some(_)) => format!(
            "the years {}",
            years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "no year".to_owned(),
    };
    let _ = writeln!(
        out,
        "Periods are counted as the PRC Civil Code counts them (arts. 201-203): the start day is not counted, a period in months or years ends on the corresponding day, and a last day that is not a working day moves to the next working day. Working days skip Saturdays, Sundays and public holidays, and count the Saturdays and Sundays the State Council's schedule makes working days. The schedule is declared for {known} (see each pack's calendar); on days of other years only Saturdays and Sundays are rest days, so a last day on a public holiday of such a year is not moved.\n"
    );
}

fn calendar(out: &mut String, pack: &Pack) {
    if pack.calendar.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Calendar\n\n| year | public holidays | Saturdays and Sundays worked | source |\n|---|---|---|---|"
    );
    let join = |days: &[credence_model::Day]| {
        if days.is_empty() {
            "none".to_owned()
        } else {
            days.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for year in &pack.calendar {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            year.year,
            join(&year.holidays),
            join(&year.working_days),
            year.source
        );
    }
    out.push('\n');
}
