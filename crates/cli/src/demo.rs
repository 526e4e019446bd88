//! `credence demo`: a synthetic city on the embedded store, every shipped pack, a summary and
//! three example disclosures.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use credence_engine::{EntryState, SchemeStatus};
use credence_model::Day;
use credence_registry::registry::Registry;
use credence_store::Store;

use crate::{ingest_file, now_ms, progress_bar, shipped};

pub fn run(dir: Option<PathBuf>, people: usize, orgs: usize, today: Day) -> Result<ExitCode> {
    let dir = match dir {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("credence-demo-{}", now_ms())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let city = dir.join("city");
    let config = credence_gen::GenConfig {
        people,
        orgs,
        years: 3,
        seed: 42,
        end: today,
        ..credence_gen::GenConfig::default()
    };
    println!(
        "credence demo: a city of {people} people and {orgs} organisations, 3 years of records, in {}",
        dir.display()
    );
    let bar = progress_bar(0, "generating the city");
    credence_gen::write_files(&config, &city, credence_gen::Format::Jsonl, &mut |n| {
        bar.inc(n)
    })?;
    bar.finish_and_clear();

    let registry_dir = dir.join("registry");
    let (sources_name, sources_text) = shipped::SOURCES;
    let mut registry = Registry::init(&registry_dir, shipped::packs(), sources_name, sources_text)?;
    println!(
        "published {} policy packs; registered {} sources",
        registry.policy().packs.len(),
        registry.sources().len()
    );
    let source_ids: Vec<String> = registry.sources().iter().map(|s| s.id.clone()).collect();
    for source in &source_ids {
        let file = city.join(format!("{source}.jsonl"));
        if !file.exists() {
            continue;
        }
        let receipt = ingest_file(
            &mut registry,
            &file,
            credence_registry::intake::Format::Jsonl,
            source,
            today,
        )?;
        println!(
            "  {source:>22}: {:>7} events accepted, {:>6} standings updated",
            receipt.appended, receipt.subjects
        );
    }
    let chosen = summary(&registry, today)?;
    let debtor = examples(&mut registry, &city, today, &chosen)?;
    let debtor =
        debtor.unwrap_or_else(|| format!("<an identifier from {}/court.jsonl>", city.display()));
    let registry_dir = registry_dir.display();
    println!("\nThe registry stays in {registry_dir}. Try:");
    println!("  credence --registry {registry_dir} report {debtor} --as-of 2030-01-01");
    println!("  credence --registry {registry_dir} check {debtor} no-g-trains --as railway");
    println!("  credence --registry {registry_dir} audit verify");
    println!("  credence policy describe policies/*.toml");
    Ok(ExitCode::SUCCESS)
}

/// Prints what the population's standings add up to, and picks the subjects of the example
/// disclosures (by pseudonym; see [`examples`]) in the same pass.
fn summary(registry: &Registry, today: Day) -> Result<Chosen> {
    let policy = registry.policy();
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    let mut measures: BTreeMap<String, usize> = BTreeMap::new();
    let mut grades: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut barred = 0;
    let mut subjects = 0;
    // Per scheme or scorecard: subjects of its kind it does not score, by reason.
    let mut unscored: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    let mut chosen: Chosen = [None, None, None];
    registry.store().scan(&mut |subject, events| {
        subjects += 1;
        let standing = credence_engine::evaluate(
            policy,
            credence_registry::registry::facts(subject),
            events,
            today,
            today,
        );
        // Subjects on each list: one on several grounds counts once.
        let mut on: Vec<&str> = Vec::new();
        for entry in &standing.lists {
            match entry.state {
                EntryState::InForce => on.push(&entry.list),
                EntryState::Barred => barred += 1,
                EntryState::Ended => {}
            }
        }
        on.sort_unstable();
        on.dedup();
        for list in on {
            *listed.entry(list.to_owned()).or_default() += 1;
        }
        for m in &standing.measures {
            *measures.entry(m.measure.clone()).or_default() += 1;
        }
        let scored = standing
            .schemes
            .iter()
            .filter(|s| s.status == SchemeStatus::Scored)
            .map(|s| (&s.scheme, &s.grade))
            .chain(
                standing
                    .scorecards
                    .iter()
                    .filter(|c| c.status == SchemeStatus::Scored)
                    .map(|c| (&c.scorecard, &c.band)),
            );
        let reasons = standing
            .schemes
            .iter()
            .map(|s| (&s.scheme, s.status))
            .chain(standing.scorecards.iter().map(|c| (&c.scorecard, c.status)));
        for (scheme, status) in reasons {
            let reason = match status {
                SchemeStatus::NoConsent => "no consent",
                SchemeStatus::BelowMinimumAge => "below the minimum age",
                SchemeStatus::NoRecords => "no records: not rated",
                SchemeStatus::Scored | SchemeStatus::NotApplicable => continue,
            };
            *unscored
                .entry(scheme.clone())
                .or_default()
                .entry(reason)
                .or_default() += 1;
        }
        for (scheme, grade) in scored {
            *grades
                .entry(scheme.clone())
                .or_default()
                .entry(grade.clone().unwrap_or_default())
                .or_default() += 1;
        }
        if let Some(which) = example_kind(subject, &standing) {
            chosen[which].get_or_insert_with(|| subject.pseudonym.clone());
        }
    })?;
    let stats = registry.store_stats()?;
    println!(
        "\nSummary on {today}: {subjects} subjects, {} events in the hash-chained history",
        stats.events
    );
    let packs: Vec<&str> = policy.packs.iter().map(|p| p.id.as_str()).collect();
    println!("  packs: {}", packs.join(", "));
    for (list, count) in &listed {
        let colour = policy
            .list_index(list)
            .map_or("", |l| match policy.lists[l].colour {
                credence_policy::Colour::Red => "red list",
                credence_policy::Colour::Black => "black list",
            });
        println!("  on {colour} {list}: {count}");
    }
    println!(
        "  listings barred (minor, guarantee, seized assets, later in order, unable): {barred}"
    );
    for (scheme, distribution) in &grades {
        println!("  {scheme}:");
        let order: Vec<&str> = match policy.scheme_index(scheme) {
            Some(s) => policy.schemes[s]
                .grades
                .iter()
                .map(|g| g.name.as_str())
                .collect(),
            None => policy
                .scorecards
                .iter()
                .find(|c| &c.id == scheme)
                .map(|c| c.bands.iter().map(|b| b.name.as_str()).collect())
                .unwrap_or_default(),
        };
        let most = distribution.values().copied().max().unwrap_or(1).max(1);
        let total: usize = distribution.values().sum();
        for grade in order {
            let count = distribution.get(grade).copied().unwrap_or(0);
            let width = (count * 40).div_ceil(most);
            let share = count as f64 * 100.0 / total.max(1) as f64;
            println!(
                "    {grade:>10} {:<40} {count} ({share:.1}%)",
                "█".repeat(width)
            );
        }
        for (reason, count) in unscored.get(scheme).into_iter().flatten() {
            println!("    {:>10} {reason}: {count}", "-");
        }
    }
    println!("  measures in force (subjects):");
    for (measure, count) in &measures {
        let effect =
            policy
                .measure_index(measure)
                .map_or("", |m| match policy.measures[m].effect {
                    credence_policy::Effect::Reward => "reward",
                    credence_policy::Effect::Restriction => "restriction",
                });
        println!("    {measure:<40} {effect:<12} {count}");
    }
    let store = registry.store();
    let chain = store.verify_chain(&[credence_store::PublishedHead::Witness(
        store.witness().to_owned(),
    )])?;
    println!(
        "  keyed history: {} events, head {}…, {}",
        chain.events,
        &chain.head[..chain.head.len().min(20)],
        if chain.problems.is_empty() {
            "intact against the witness file"
        } else {
            "ALTERED"
        }
    );
    Ok(chosen)
}

/// Pseudonyms of the subjects the demo discloses, by kind of example.
type Chosen = [Option<String>; 3];

/// Which example a subject would make: a listed debtor, a person in the civic points scheme,
/// a rated organisation.
fn example_kind(
    subject: &credence_store::StoredSubject,
    standing: &credence_engine::Standing,
) -> Option<usize> {
    let scored = |id: &str| {
        standing.schemes.iter().any(|s| {
            s.scheme == id && s.status == SchemeStatus::Scored && !s.contributions.is_empty()
        })
    };
    let person = subject.kind == credence_model::SubjectKind::Person;
    if person
        && standing
            .entries_in_force()
            .any(|e| e.list == "dishonest-debtors")
    {
        Some(0)
    } else if scored("civic-points") {
        Some(1)
    } else if !person && scored("tax-credit") {
        Some(2)
    } else {
        None
    }
}

/// Prints a listed debtor (after an airline's check), a civic-points person and a rated
/// organisation, as [`summary`] chose them while evaluating the population (operator work, not
/// an access to anyone's file); the disclosures and the check are real accesses, logged.
/// Returns the listed debtor's identifier, if the city has one.
fn examples(
    registry: &mut Registry,
    city: &std::path::Path,
    today: Day,
    chosen: &Chosen,
) -> Result<Option<String>> {
    const TITLES: [&str; 3] = [
        "A listed judgment debtor",
        "A person in the civic points scheme",
        "An organisation's tax rating",
    ];
    // The chosen subjects' identifiers, from the files the sources submitted.
    let mut identifiers: [Option<String>; 3] = [None, None, None];
    for source in ["court", "volunteer-association", "tax-bureau"] {
        let text =
            std::fs::read_to_string(city.join(format!("{source}.jsonl"))).unwrap_or_default();
        for line in text.lines() {
            let Some(id) = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("subject").and_then(|s| s.as_str()).map(str::to_owned))
            else {
                continue;
            };
            let pseudonym = registry.pseudonym_of(&id)?;
            for (slot, wanted) in identifiers.iter_mut().zip(chosen) {
                if wanted.as_deref() == Some(pseudonym.as_str()) {
                    *slot = Some(id.clone());
                }
            }
        }
    }
    for (which, id) in identifiers.iter().enumerate() {
        let Some(id) = id else { continue };
        println!("\n=== {} ===", TITLES[which]);
        if which == 0 {
            let answer = registry.check(id, "no-flights", today, "airline", crate::stamp(today))?;
            println!("$ credence check {id} no-flights --as airline");
            for line in credence_registry::render::check_text(&answer).lines() {
                println!("  {line}");
            }
            println!("\n$ credence report {id}");
        }
        let report = registry.report(id, today, today, crate::stamp(today))?;
        print!(
            "{}",
            credence_registry::render::report_text(&report, registry.policy())
        );
    }
    Ok(identifiers[0].clone())
}
