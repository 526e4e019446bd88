//! `credence bench`: the population-scale benchmark.
//!
//! Builds a population in memory (compact events straight from a seeded generator, so the
//! set-up does not dominate) and evaluates every shipped pack over it on all cores. Then the
//! anchor: a civic-points scheme and a defaulter list, once as a policy evaluated by the engine
//! and once as a plain loop written by hand over the same arrays, computing the same figures
//! with the same calendar; the ratio of the two is the cost of the general policy language.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use credence_engine::{CompactEvent, Population, evaluate_population};
use credence_model::{Action, Day, SubjectFacts, SubjectKind};
use credence_policy::{CategoryId, Policy, expr::MISSING};

use crate::{progress_bar, shipped};

/// A category the benchmark generates, with its share of records.
struct Kind {
    category: CategoryId,
    weight: u64,
    organisation_only: bool,
}

pub fn run(
    subjects: usize,
    events_per_subject: usize,
    seed: u64,
    ingest_rows: usize,
    today: Day,
) -> Result<ExitCode> {
    if ingest_rows > 0 {
        ingest(ingest_rows, today)?;
    }
    let policy = credence_policy::compile(&shipped::packs()).map_err(|d| anyhow::anyhow!("{d}"))?;
    let population = build(&policy, subjects, events_per_subject, seed, today)?;
    let events = population.event_count();
    println!(
        "population: {subjects} subjects, {events} events; {} policy packs, {} schemes and ratings, {} scorecards, {} lists, {} measures; {} threads",
        policy.packs.len(),
        policy.schemes.len(),
        policy.scorecards.len(),
        policy.lists.len(),
        policy.measures.len(),
        rayon::current_num_threads()
    );

    let mut best = f64::MAX;
    let mut result = None;
    for _ in 0..3 {
        let start = Instant::now();
        let r = evaluate_population(&policy, &population, today, today, &|_| {});
        best = best.min(start.elapsed().as_secs_f64());
        result = Some(r);
    }
    let result = result.context("no run")?;
    let listed = (0..subjects)
        .filter(|&i| result.layout.listed_until(result.row(i), 0).is_some())
        .count();
    println!(
        "engine, every shipped pack: {:.3} s best of 3 = {:.1} M events/s, {:.0} ns/subject",
        best,
        events as f64 / best / 1e6,
        best * 1e9 / subjects as f64
    );
    println!(
        "resident standings: {} bytes per subject ({listed} subjects on the first list)",
        result.layout.bytes_per_subject()
    );

    let anchor = anchor_policy(&policy)?;
    let mut engine_anchor = f64::MAX;
    let mut anchor_result = None;
    for _ in 0..3 {
        let start = Instant::now();
        let r = evaluate_population(&anchor, &population, today, today, &|_| {});
        engine_anchor = engine_anchor.min(start.elapsed().as_secs_f64());
        anchor_result = Some(r);
    }
    let anchor_result = anchor_result.context("no run")?;
    let mut plain = f64::MAX;
    let mut plain_rows = Vec::new();
    for _ in 0..3 {
        let (elapsed, rows) = plain_loop(&anchor, &population, today)?;
        plain = plain.min(elapsed);
        plain_rows = rows;
    }
    // The two must agree on every subject, or the comparison means nothing.
    let layout = &anchor_result.layout;
    for (i, (points, listed)) in plain_rows.iter().enumerate() {
        let row = anchor_result.row(i);
        let person = population.facts[i].kind == SubjectKind::Person;
        let engine_points = if person {
            layout.scheme(row, 0).0
        } else {
            1000
        };
        let engine_listed = layout.listed_until(row, 0).map_or(0, |d| d.0);
        anyhow::ensure!(
            (engine_points, engine_listed) == (i64::from(*points), *listed),
            "engine and plain loop disagree on subject {i}: {:?} vs {:?}",
            (engine_points, engine_listed),
            (points, listed)
        );
    }
    println!(
        "anchor (civic points + defaulter list), engine: {:.3} s = {:.1} M events/s",
        engine_anchor,
        events as f64 / engine_anchor / 1e6
    );
    println!(
        "anchor, plain loop by hand, same results: {:.3} s = {:.1} M events/s; engine/plain = {:.2}x",
        plain,
        events as f64 / plain / 1e6,
        engine_anchor / plain
    );
    Ok(ExitCode::SUCCESS)
}

/// Durable ingest: one batch of `rows` lender records about `rows / 5` people into a new
/// embedded registry, validated, appended, hash-chained and with every touched standing
/// recomputed, in one commit.
fn ingest(rows: usize, today: Day) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("credence-bench-{}", crate::now_ms()));
    let (sources_name, sources_text) = shipped::SOURCES;
    let mut registry = credence_registry::registry::Registry::init(
        &dir,
        shipped::packs(),
        sources_name,
        sources_text,
    )?;
    let people = (rows / 5).max(1);
    let mut text = String::with_capacity(rows * 200);
    for i in 0..rows {
        let person = i % people;
        let first17 = format!(
            "350203{:04}{:02}{:02}{:03}",
            1950 + person % 50,
            person % 12 + 1,
            person % 28 + 1,
            person / 1400 % 1000
        );
        let check = credence_model::id::resident_id_check_char(&first17).context("check digit")?;
        let date = Day(today.0 - 1 - (i % 1000) as i32);
        text.push_str(&format!(
            "{{\"ref\":\"bench-{i:08}\",\"action\":\"record\",\"subject\":\"{first17}{check}\",\"category\":\"finance.repaid\",\"date\":\"{date}\",\"attributes\":{{\"amount\":\"{}.00\",\"on_time\":true}}}}\n",
            100 + i % 5000
        ));
    }
    let start = Instant::now();
    let mut validated_at = None;
    let receipt = registry.ingest(
        "bench.jsonl",
        &text,
        "lender",
        today,
        crate::now_ms(),
        &mut |phase, _| {
            if phase == credence_registry::registry::IngestPhase::Writing && validated_at.is_none()
            {
                validated_at = Some(start.elapsed().as_secs_f64());
            }
        },
    )?;
    let elapsed = start.elapsed().as_secs_f64();
    let validated = validated_at.unwrap_or(elapsed);
    println!(
        "durable ingest: {} events about {} subjects in one batch in {:.2} s = {:.0}k events/s end to end (validation {:.2} s; writing, hash chain, {} standings and one fsync'd commit {:.2} s = {:.0}k events/s)",
        receipt.appended,
        people,
        elapsed,
        receipt.appended as f64 / elapsed / 1e3,
        validated,
        receipt.subjects,
        elapsed - validated,
        receipt.appended as f64 / (elapsed - validated) / 1e3,
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn build(
    policy: &Policy,
    subjects: usize,
    per_subject: usize,
    seed: u64,
    today: Day,
) -> Result<Population> {
    let id = |name: &str| {
        policy
            .category_id(name)
            .with_context(|| format!("shipped policy lacks `{name}`"))
    };
    let kinds = [
        Kind {
            category: id("traffic.violation")?,
            weight: 20,
            organisation_only: false,
        },
        Kind {
            category: id("finance.repaid")?,
            weight: 35,
            organisation_only: false,
        },
        Kind {
            category: id("finance.overdue")?,
            weight: 8,
            organisation_only: false,
        },
        Kind {
            category: id("utilities.arrears")?,
            weight: 6,
            organisation_only: false,
        },
        Kind {
            category: id("civic.volunteering")?,
            weight: 12,
            organisation_only: false,
        },
        Kind {
            category: id("admin.penalty")?,
            weight: 3,
            organisation_only: false,
        },
        Kind {
            category: id("court.dishonest-conduct")?,
            weight: 1,
            organisation_only: false,
        },
        Kind {
            category: id("tax.filed-on-time")?,
            weight: 10,
            organisation_only: true,
        },
        Kind {
            category: id("tax.late-filing")?,
            weight: 3,
            organisation_only: true,
        },
        Kind {
            category: id("env.violation")?,
            weight: 2,
            organisation_only: true,
        },
    ];
    let consents =
        ["civic-points", "sesame"].map(|s| credence_engine::history::consent_key(policy, s));
    let mut rng = credence_gen::SplitMix64::new(seed);
    let mut population = Population::new();
    let mut events: Vec<CompactEvent> = Vec::new();
    let mut attributes: Vec<i64> = Vec::new();
    let bar = progress_bar(subjects as u64, "building population");
    let horizon = 3 * 365;
    for subject in 0..subjects {
        events.clear();
        attributes.clear();
        let organisation = subject % 10 == 9;
        let facts = SubjectFacts {
            kind: if organisation {
                SubjectKind::Organisation
            } else {
                SubjectKind::Person
            },
            birth: (!organisation).then(|| Day(today.0 - 365 * 16 - rng.below(365 * 60) as i32)),
        };
        let count = rng.below(2 * per_subject as u64 - 1) as usize + 1;
        for (i, key) in consents.iter().enumerate() {
            if let Some(key) = key
                && !organisation
                && rng.below(10) < 6 - 2 * i as u64
                && events.len() < count
            {
                let day = today.0 - rng.below(horizon) as i32;
                events.push(CompactEvent {
                    valid: day,
                    recorded: day,
                    key: *key,
                    action: Action::Consent,
                    target: events.len() as u32,
                    attributes: attributes.len() as u32,
                    origin: events.len() as u32,
                });
            }
        }
        let total: u64 = kinds
            .iter()
            .filter(|k| organisation || !k.organisation_only)
            .map(|k| k.weight)
            .sum();
        while events.len() < count {
            let mut pick = rng.below(total);
            let kind = kinds
                .iter()
                .filter(|k| organisation || !k.organisation_only)
                .find(|k| {
                    if pick < k.weight {
                        true
                    } else {
                        pick -= k.weight;
                        false
                    }
                });
            let Some(kind) = kind else { break };
            let category = policy.category(kind.category);
            let day = today.0 - rng.below(horizon) as i32;
            let offset = attributes.len() as u32;
            for attribute in &category.attributes {
                attributes.push(match &attribute.ty {
                    credence_policy::AttrType::Enum(values) => {
                        rng.below(values.len() as u64) as i64
                    }
                    credence_policy::AttrType::Bool => rng.below(2) as i64,
                    credence_policy::AttrType::Int => 1 + rng.below(8) as i64,
                    credence_policy::AttrType::Money => 100 * (100 + rng.below(20_000) as i64),
                    credence_policy::AttrType::Text => rng.below(1_000) as i64,
                    credence_policy::AttrType::Date => i64::from(day),
                    credence_policy::AttrType::Subject => MISSING,
                });
            }
            let index = events.len() as u32;
            events.push(CompactEvent {
                valid: day,
                recorded: day,
                key: kind.category.0,
                action: Action::Record,
                target: index,
                attributes: offset,
                origin: index,
            });
        }
        population.push_compact(facts, &events, &attributes);
        if subject % 65_536 == 0 {
            bar.set_position(subject as u64);
        }
    }
    bar.finish_and_clear();
    Ok(population)
}

/// The anchor's rules, evaluated by the engine (added to declarations of every shipped
/// category, in the shipped order, so category indexes match the population).
const ANCHOR: &str = r#"
[[scheme]]
id = "anchor-points"
title = "Civic points (anchor)"
subjects = ["person"]
base = 1000

[[scheme.rule]]
id = "traffic"
category = "traffic.violation"
when = 'severity != "minor"'
points = -20
validity = "1y"

[[scheme.rule]]
id = "volunteering"
category = "civic.volunteering"
when = "hours >= 4"
points = 5
validity = "1y"

[[scheme.cap]]
categories = ["civic.volunteering"]
per = "year"
gain = 30

[[scheme.grade]]
grade = "A"
min = 1000

[[scheme.grade]]
grade = "B"
min = 900

[[scheme.grade]]
grade = "C"
min = 0

[[list]]
id = "anchor-defaulters"
title = "Defaulters (anchor)"
colour = "black"
subjects = ["person", "organisation"]
context = "judicial"
basis = "Anchor rules, art. 1"
exit = ["performance", "retraction"]

[[list.ground]]
id = "refuses"
title = "Refuses to perform"
category = "court.dishonest-conduct"
when = 'ground == "refuses"'
duration = "until-performed"
basis = "Anchor rules, art. 1"

[[list.ground]]
id = "other"
title = "Other grounds"
category = "court.dishonest-conduct"
when = 'ground != "refuses"'
duration = "2y"
basis = "Anchor rules, art. 1"
"#;

/// The shipped categories, declared again in TOML in the same order, with the anchor's rules.
fn anchor_policy(shipped: &Policy) -> Result<Policy> {
    use std::fmt::Write;
    let mut text = String::from(
        "[policy]\nid = \"anchor\"\ntitle = \"anchor\"\nauthority = \"bench\"\nversion = \"1\"\nbasis = \"bench\"\n",
    );
    for c in shipped
        .categories
        .iter()
        .filter(|c| c.pack != credence_policy::BUILT_IN)
    {
        let mut subjects = Vec::new();
        if c.subjects.person {
            subjects.push("\"person\"");
        }
        if c.subjects.organisation {
            subjects.push("\"organisation\"");
        }
        let _ = write!(
            text,
            "\n[[category]]\nid = \"{}\"\ntitle = \"{}\"\ncontext = \"{}\"\nsubjects = [{}]\nkind = \"{}\"\nretention = \"{}\"\n",
            c.id,
            c.id,
            c.context,
            subjects.join(", "),
            c.kind.as_str(),
            c.retention
        );
        if let Some(obligation) = &c.obligation {
            let _ = writeln!(text, "obligation = {obligation:?}");
        }
        if !c.attributes.is_empty() {
            text.push_str("[category.attributes]\n");
        }
        for a in &c.attributes {
            let ty = match &a.ty {
                credence_policy::AttrType::Int => "type = \"int\"".to_owned(),
                credence_policy::AttrType::Money => "type = \"money\"".to_owned(),
                credence_policy::AttrType::Bool => "type = \"bool\"".to_owned(),
                credence_policy::AttrType::Date => "type = \"date\"".to_owned(),
                credence_policy::AttrType::Text => "type = \"text\"".to_owned(),
                credence_policy::AttrType::Subject => "type = \"subject\"".to_owned(),
                credence_policy::AttrType::Enum(values) => format!(
                    "type = \"enum\", values = [{}]",
                    values
                        .iter()
                        .map(|v| format!("\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let _ = writeln!(text, "{} = {{ {ty} }}", a.name);
        }
    }
    text.push_str(ANCHOR);
    let policy = credence_policy::compile(&[credence_policy::PolicySource {
        name: "anchor.toml".into(),
        text,
    }])
    .map_err(|d| anyhow::anyhow!("{d}"))?;
    anyhow::ensure!(
        policy
            .categories
            .iter()
            .zip(&shipped.categories)
            .all(|(a, b)| a.id == b.id && a.attributes.len() == b.attributes.len()),
        "anchor categories differ"
    );
    Ok(policy)
}

/// The anchor written by hand: the same points, cap, grades and list end days as [`ANCHOR`],
/// over the same arrays and with the same calendar. Returns the seconds taken and the rows.
fn plain_loop(
    policy: &Policy,
    population: &Population,
    today: Day,
) -> Result<(f64, Vec<(i32, i32)>)> {
    use rayon::prelude::*;
    let id = |name: &str| {
        policy
            .category_id(name)
            .with_context(|| format!("no `{name}`"))
    };
    let (traffic, volunteering, court) = (
        id("traffic.violation")?,
        id("civic.volunteering")?,
        id("court.dishonest-conduct")?,
    );
    let slot = |category: CategoryId, name: &str| {
        policy
            .category(category)
            .slot(name)
            .map(usize::from)
            .with_context(|| format!("no `{name}`"))
    };
    let (severity, hours, ground) = (
        slot(traffic, "severity")?,
        slot(volunteering, "hours")?,
        slot(court, "ground")?,
    );
    let enum_index = |category: CategoryId, attribute: &str, value: &str| -> Result<i64> {
        let a = &policy.category(category).attributes[slot(category, attribute)?];
        match &a.ty {
            credence_policy::AttrType::Enum(values) => values
                .iter()
                .position(|v| v == value)
                .map(|i| i as i64)
                .context("no value"),
            _ => anyhow::bail!("not an enum"),
        }
    };
    let (minor, refuses) = (
        enum_index(traffic, "severity", "minor")?,
        enum_index(court, "ground", "refuses")?,
    );
    let court_retention = policy.category(court).retention;
    let (one_year, two_years, calendar) = (
        credence_model::Duration::Years(1),
        credence_model::Duration::Years(2),
        &policy.calendar,
    );
    let as_of = today.0;
    let start = Instant::now();
    let mut out = vec![(0i32, 0i32); population.len()];
    out.par_chunks_mut(4096)
        .enumerate()
        .for_each(|(chunk, rows)| {
            let mut gains: Vec<(i32, i64)> = Vec::new();
            for (i, row) in rows.iter_mut().enumerate() {
                let history = population.subject(chunk * 4096 + i);
                let person = history.facts.kind == SubjectKind::Person;
                let mut points = 1000i64;
                let mut listed = 0i32;
                gains.clear();
                for event in history.events {
                    if event.action != Action::Record || event.valid > as_of {
                        continue;
                    }
                    let attributes = &history.attributes[event.attributes as usize..];
                    let ymd = Day(event.valid).ymd();
                    if person && event.key == traffic.0 && attributes[severity] != minor {
                        if as_of < one_year.after(Day(event.valid), calendar).0 {
                            points -= 20;
                        }
                    } else if person && event.key == volunteering.0 && attributes[hours] >= 4 {
                        if as_of < one_year.after(Day(event.valid), calendar).0 {
                            let year = match gains.iter().position(|g| g.0 == ymd.0) {
                                Some(year) => year,
                                None => {
                                    gains.push((ymd.0, 0));
                                    gains.len() - 1
                                }
                            };
                            let counted = 5.min(30 - gains[year].1).max(0);
                            gains[year].1 += counted;
                            points += counted;
                        }
                    } else if event.key == court.0 {
                        let retained = court_retention.after(Day(event.valid), &policy.calendar).0;
                        let until = if attributes[ground] == refuses {
                            retained
                        } else {
                            two_years.after(Day(event.valid), calendar).0.min(retained)
                        };
                        if as_of < until {
                            listed = listed.max(until);
                        }
                    }
                }
                *row = (points as i32, listed);
            }
        });
    let elapsed = start.elapsed().as_secs_f64();
    Ok((elapsed, out))
}
