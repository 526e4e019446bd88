//! `credence bench`: the population-scale benchmark.
//!
//! Builds a population in memory (compact events straight from a seeded generator, so the
//! set-up does not dominate) and puts the same events in three forms: the engine's packed
//! layout for every shipped pack, the same packed for the anchor (a civic-points scheme and a
//! defaulter list), and a plain fold's 8-byte events (u16 category, u16 day, one flags byte,
//! one offsets array). It then times, side by side, the plain fold of the anchor written by
//! hand, the engine on the anchor, and the engine on every shipped pack, on all cores, and
//! prints their ratios, the resident bytes per event and the standings bytes per subject.
//! The engine's rows must equal the evaluator's over the compact history, and the anchor's
//! the fold's, subject for subject, or the run fails: a comparison of different answers means
//! nothing.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use credence_engine::{
    CompactEvent, PackedPopulation, Population, evaluate_packed, evaluate_population,
};
use credence_model::{Action, Day, SubjectFacts, SubjectKind};
use credence_policy::{CategoryId, Policy, expr::MISSING};

use crate::{progress_bar, shipped};

/// A category the benchmark generates, with its share of records.
struct Kind {
    category: CategoryId,
    weight: u64,
    organisation_only: bool,
}

/// What the durable-ingest part measures.
pub struct Ingest {
    /// Rows of the one batch (0: skip).
    pub rows: usize,
    /// Whether checks run against the registry while the batch is ingested.
    pub checks: bool,
    /// The PostgreSQL database to ingest into (it must hold no registry yet); `None`: a new
    /// embedded registry.
    pub database: Option<String>,
}

pub fn run(
    subjects: usize,
    events_per_subject: usize,
    seed: u64,
    ingest: Ingest,
    today: Day,
) -> Result<ExitCode> {
    if ingest.rows > 0 {
        ingest_batch(&ingest, today)?;
    }
    if subjects == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let policy = credence_policy::compile(&shipped::packs()).map_err(|d| anyhow::anyhow!("{d}"))?;
    let anchor = anchor_policy(&policy)?;
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

    // The same generated events in three forms: the 8-byte fold's, and the engine's layout
    // packed for every shipped pack and for the anchor.
    let start = Instant::now();
    let fold = Fold::build(&anchor, &population, today)?;
    let fold_build = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let packed = PackedPopulation::from_population(&policy, &population);
    let packed_build = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let packed_anchor = PackedPopulation::from_population(&anchor, &population);
    let anchor_build = start.elapsed().as_secs_f64();
    println!(
        "layouts built in {fold_build:.2} s (8-byte fold), {packed_build:.2} s (every pack), {anchor_build:.2} s (anchor)"
    );

    // The evaluator over the compact history it had before, once, as the reference the
    // layout must agree with subject for subject.
    let start = Instant::now();
    let reference = evaluate_population(&policy, &population, today, today, &|_| {});
    let reference_time = start.elapsed().as_secs_f64();
    drop(population);

    let (every_pack, result) =
        best_of_3(|| evaluate_packed(&policy, &packed, today, today, &|_| {}))?;
    anyhow::ensure!(
        result.rows == reference.rows,
        "the packed layout and the compact history disagree"
    );
    drop(reference);
    let listed = (0..subjects)
        .filter(|&i| result.layout.listed_until(result.row(i), 0).is_some())
        .count();
    let (decode_only, ()) = best_of_3(|| {
        decode_all(&packed);
        anyhow::Ok(())
    })?;

    let (plain, plain_rows) = best_of_3(|| anyhow::Ok(fold.run()))?;
    let (engine_anchor, anchor_result) =
        best_of_3(|| evaluate_packed(&anchor, &packed_anchor, today, today, &|_| {}))?;
    let (anchor_on_every_pack_layout, shared_result) =
        best_of_3(|| evaluate_packed(&anchor, &packed, today, today, &|_| {}))?;
    anyhow::ensure!(
        shared_result.rows == anchor_result.rows,
        "the anchor differs between its own layout and every pack's"
    );
    // The engine and the fold must agree on every subject, or the comparison means nothing.
    let layout = &anchor_result.layout;
    for (i, (points, listed)) in plain_rows.iter().enumerate() {
        let row = anchor_result.row(i);
        let engine_points = match layout.scheme(row, 0) {
            (points, Some(_)) => points,
            (_, None) => 1000,
        };
        let engine_listed = layout.listed_until(row, 0).map_or(0, |d| d.0);
        anyhow::ensure!(
            (engine_points, engine_listed) == (i64::from(*points), *listed),
            "engine and plain fold disagree on subject {i}: {:?} vs {:?}",
            (engine_points, engine_listed),
            (points, listed)
        );
    }

    let rate = |timing: Timing| events as f64 / timing.wall / 1e6;
    println!(
        "plain fold, 8-byte events (u16 category, u16 day, flags), one offsets array: {} = {:.1} M events/s",
        plain.show(),
        rate(plain)
    );
    println!(
        "anchor (civic points + defaulter list), engine, its own layout ({} of {events} events kept): {} = {:.1} M events/s; engine/fold = {}",
        packed_anchor.event_count(),
        engine_anchor.show(),
        rate(engine_anchor),
        engine_anchor.ratio(plain)
    );
    println!(
        "anchor, engine, every pack's layout (all events): {} = {:.1} M events/s; engine/fold = {}",
        anchor_on_every_pack_layout.show(),
        rate(anchor_on_every_pack_layout),
        anchor_on_every_pack_layout.ratio(plain)
    );
    println!(
        "engine, every shipped pack: {} best of 3 = {:.1} M events/s, {:.0} ns/subject; engine/fold = {} (of which decoding the layout {})",
        every_pack.show(),
        rate(every_pack),
        every_pack.wall * 1e9 / subjects as f64,
        every_pack.ratio(plain),
        decode_only.show()
    );
    println!(
        "engine, every shipped pack, over the compact history (before, one run, same results): {reference_time:.3} s = {:.1} M events/s",
        events as f64 / reference_time / 1e6
    );
    println!(
        "resident bytes per event: {:.2} (every pack's layout), {:.2} (anchor's layout), {:.2} (8-byte fold)",
        packed.resident_bytes() as f64 / events as f64,
        packed_anchor.resident_bytes() as f64 / events as f64,
        fold.resident_bytes() as f64 / events as f64
    );
    println!(
        "resident standings: {} bytes per subject, every pack ({listed} subjects on the first list)",
        result.layout.bytes_per_subject()
    );
    Ok(ExitCode::SUCCESS)
}

/// How long a piece of work took: on the clock, and on the processors (every thread of the
/// process, so it stays meaningful when other work shares the cores).
#[derive(Clone, Copy, Debug)]
struct Timing {
    wall: f64,
    /// `None` where the system does not say (no `/proc/self/task/*/schedstat`).
    cpu: Option<f64>,
}

impl Timing {
    /// `0.123 s (0.240 s CPU)`.
    fn show(self) -> String {
        match self.cpu {
            Some(cpu) => format!("{:.3} s ({cpu:.3} s CPU)", self.wall),
            None => format!("{:.3} s", self.wall),
        }
    }

    /// `1.23x (1.20x CPU)`: this work against `other`.
    fn ratio(self, other: Timing) -> String {
        match (self.cpu, other.cpu) {
            (Some(a), Some(b)) => format!("{:.2}x ({:.2}x CPU)", self.wall / other.wall, a / b),
            _ => format!("{:.2}x", self.wall / other.wall),
        }
    }
}

/// Seconds every thread of this process has run on a processor, from the scheduler's
/// per-thread accounting (nanoseconds); `None` where it is not available.
fn cpu_seconds() -> Option<f64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total as f64 / 1e9)
}

/// The best of three runs of `work` (the shortest on the clock and the least processor time,
/// each over the three), with the last run's result.
fn best_of_3<T, E: Into<anyhow::Error>>(
    mut work: impl FnMut() -> std::result::Result<T, E>,
) -> Result<(Timing, T)> {
    let mut best = Timing {
        wall: f64::MAX,
        cpu: None,
    };
    let mut last = None;
    for _ in 0..3 {
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        let result = work().map_err(Into::into)?;
        best.wall = best.wall.min(start.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu_start, cpu_seconds()) {
            best.cpu = Some(
                best.cpu
                    .map_or(after - before, |b: f64| b.min(after - before)),
            );
        }
        last = Some(result);
    }
    Ok((best, last.context("no run")?))
}

/// Decodes every subject of the layout without evaluating (the layout's share of the time).
fn decode_all(packed: &PackedPopulation) {
    use rayon::prelude::*;
    (0..packed.len())
        .into_par_iter()
        .chunks(2048)
        .for_each_init(
            || (Vec::new(), Vec::new()),
            |(events, attributes), chunk| {
                for i in chunk {
                    packed.decode(i, events, attributes);
                    std::hint::black_box((&events, &attributes));
                }
            },
        );
}

/// Durable ingest: one batch of `rows` lender records about `rows / 5` people into a new
/// A resident id of the benchmark's population.
fn bench_person(person: usize) -> Result<String> {
    let first17 = format!(
        "350203{:04}{:02}{:02}{:03}",
        1950 + person % 50,
        person % 12 + 1,
        person % 28 + 1,
        person / 1400 % 1000
    );
    let check = credence_model::id::resident_id_check_char(&first17).context("check digit")?;
    Ok(format!("{first17}{check}"))
}

/// `rows` JSONL records `<prefix>-<i>` about `people` subjects.
fn bench_rows(prefix: &str, rows: usize, people: usize, today: Day) -> Result<String> {
    let mut text = String::with_capacity(rows * 200);
    for i in 0..rows {
        let subject = bench_person(i % people)?;
        let date = Day(today.0 - 1 - (i % 1000) as i32);
        text.push_str(&format!(
            "{{\"ref\":\"{prefix}-{i:08}\",\"action\":\"record\",\"subject\":\"{subject}\",\"category\":\"finance.repaid\",\"date\":\"{date}\",\"attributes\":{{\"amount\":\"{}.00\",\"on_time\":true}}}}\n",
            100 + i % 5000
        ));
    }
    Ok(text)
}

/// Subjects in the registry before the batch, checked while it is ingested.
const CHECKED_SUBJECTS: usize = 1_000;

fn ingest_batch(ingest: &Ingest, today: Day) -> Result<()> {
    use credence_registry::registry::{IngestPhase, Registry};
    use std::sync::atomic::{AtomicU8, Ordering};

    let (rows, checks) = (ingest.rows, ingest.checks);
    let dir = std::env::temp_dir().join(format!("credence-bench-{}", crate::now_ms()));
    let paths = credence_store::Paths::new(&dir).with_database(ingest.database.clone());
    let (sources_name, sources_text) = shipped::SOURCES;
    let mut registry = Registry::init_at(&paths, shipped::packs(), sources_name, sources_text)?;
    let people = (rows / 5).max(1);
    if checks {
        let seed = bench_rows("seed", CHECKED_SUBJECTS, CHECKED_SUBJECTS, today)?;
        registry.ingest(
            "seed.jsonl",
            &seed,
            "lender",
            today,
            crate::now_ms(),
            &mut |_, _| {},
        )?;
    }
    // Written to a file and ingested from it, as `credence ingest` does: read block by block.
    let file = dir.join("bench.jsonl");
    std::fs::write(&file, bench_rows("bench", rows, people, today)?)?;
    // 0: not started, 1: validating, 2: writing, 3: done.
    let phase = AtomicU8::new(0);
    let start = Instant::now();
    let mut validated_at = None;
    let (receipt, latencies) = std::thread::scope(|scope| -> Result<_> {
        let checker = checks.then(|| {
            let (paths, phase) = (&paths, &phase);
            scope.spawn(move || check_while_ingesting(paths, phase, today))
        });
        phase.store(1, Ordering::SeqCst);
        let receipt = registry.ingest(
            "bench.jsonl",
            file.as_path(),
            "lender",
            today,
            crate::now_ms(),
            &mut |at, _| {
                if at == IngestPhase::Writing && validated_at.is_none() {
                    validated_at = Some(start.elapsed().as_secs_f64());
                    phase.store(2, Ordering::SeqCst);
                }
            },
        );
        phase.store(3, Ordering::SeqCst);
        let latencies = match checker {
            Some(handle) => handle
                .join()
                .map_err(|_| anyhow::anyhow!("the checking thread panicked"))??,
            None => Vec::new(),
        };
        Ok((receipt?, latencies))
    })?;
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
    if checks {
        for (code, name) in [(1, "validated"), (2, "written")] {
            let mut during: Vec<f64> = latencies
                .iter()
                .filter(|(at, _)| *at == code)
                .map(|(_, ms)| *ms)
                .collect();
            during.sort_by(f64::total_cmp);
            println!("{}", latency_line(name, &during));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Checks subjects of the registry one after another until the batch is done; each check
/// is answered and logged (its access durably appended) as a relying party's would be.
/// Returns each check's phase of the batch when it started and its latency in milliseconds.
fn check_while_ingesting(
    paths: &credence_store::Paths,
    phase: &std::sync::atomic::AtomicU8,
    today: Day,
) -> Result<Vec<(u8, f64)>> {
    use std::sync::atomic::Ordering;
    let mut registry = credence_registry::registry::Registry::open_at(paths)?;
    let subjects: Vec<String> = (0..CHECKED_SUBJECTS)
        .map(bench_person)
        .collect::<Result<_>>()?;
    let mut latencies = Vec::new();
    for subject in subjects.iter().cycle() {
        let at = phase.load(Ordering::SeqCst);
        if at == 3 {
            break;
        }
        let start = Instant::now();
        let answer = registry.check(
            subject,
            "no-flights",
            today,
            "airline",
            credence_store::Stamp {
                day: today,
                at_ms: crate::now_ms(),
            },
        )?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        anyhow::ensure!(!answer.applies, "a repaid loan restricts no one");
        latencies.push((at, ms));
    }
    Ok(latencies)
}

/// `checks while the batch was <name>: N, p50 .. ms, p99 .. ms, max .. ms`.
fn latency_line(name: &str, sorted: &[f64]) -> String {
    let at = |q: f64| {
        let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index]
    };
    if sorted.is_empty() {
        return format!("checks while the batch was {name}: none");
    }
    format!(
        "checks while the batch was {name}: {}, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sorted.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    )
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

/// An event of the plain fold: 8 bytes.
#[derive(Clone, Copy)]
#[repr(C)]
struct FoldEvent {
    category: u16,
    /// Days after the fold's epoch.
    day: u16,
    flags: u8,
    _pad: [u8; 3],
}

/// The event is a record (not consent or an action on one).
const RECORD: u8 = 1;
/// The rule's condition holds (severity not minor, 4 hours or more, refuses to perform).
const HOLDS: u8 = 2;
/// The subject is a person.
const PERSON: u8 = 4;

/// The anchor written by hand as a plain fold: the same points, cap, grades and list end days
/// as [`ANCHOR`], over events packed in 8 bytes, grouped by subject in one offsets array and
/// one events array, with the calendar's answers looked up in tables by day.
struct Fold {
    offsets: Vec<u32>,
    events: Vec<FoldEvent>,
    categories: [u16; 3],
    /// `as_of` after the epoch.
    as_of: u16,
    as_of_day: i32,
    /// The first day whose one-year validity still runs on `as_of`.
    counts_from: u16,
    /// Per day after the epoch: its year, and a court record's end day by ground.
    year: Vec<i32>,
    until_refuses: Vec<i32>,
    until_other: Vec<i32>,
}

impl Fold {
    fn build(policy: &Policy, population: &Population, today: Day) -> Result<Fold> {
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
        let epoch = population
            .events
            .iter()
            .map(|e| e.valid)
            .min()
            .unwrap_or(today.0)
            .min(today.0);
        let relative = |day: i32| {
            u16::try_from(day - epoch).context("the generated days span more than 16 bits")
        };
        let mut fold = Fold {
            offsets: Vec::with_capacity(population.len() + 1),
            events: Vec::with_capacity(population.event_count()),
            categories: [traffic.0, volunteering.0, court.0],
            as_of: relative(today.0)?,
            as_of_day: today.0,
            counts_from: 0,
            year: Vec::new(),
            until_refuses: Vec::new(),
            until_other: Vec::new(),
        };
        fold.offsets.push(0);
        for index in 0..population.len() {
            let history = population.subject(index);
            let person = history.facts.kind == SubjectKind::Person;
            for event in history.events {
                let attributes = &history.attributes[event.attributes as usize..];
                let holds = if event.action != Action::Record {
                    false
                } else if event.key == traffic.0 {
                    attributes[severity] != minor
                } else if event.key == volunteering.0 {
                    attributes[hours] >= 4
                } else if event.key == court.0 {
                    attributes[ground] == refuses
                } else {
                    false
                };
                let mut flags = 0;
                if event.action == Action::Record {
                    flags |= RECORD;
                }
                if holds {
                    flags |= HOLDS;
                }
                if person {
                    flags |= PERSON;
                }
                fold.events.push(FoldEvent {
                    category: event.key,
                    day: relative(event.valid)?,
                    flags,
                    _pad: [0; 3],
                });
            }
            fold.offsets
                .push(u32::try_from(fold.events.len()).context("too many events")?);
        }
        let calendar = &policy.calendar;
        let retention = policy.category(court).retention;
        let (one_year, two_years) = (
            credence_model::Duration::Years(1),
            credence_model::Duration::Years(2),
        );
        fold.counts_from = fold.as_of + 1;
        for offset in 0..=fold.as_of {
            let day = Day(epoch + i32::from(offset));
            if fold.counts_from > fold.as_of && today.0 < one_year.after(day, calendar).0 {
                fold.counts_from = offset;
            }
            let retained = retention.after(day, calendar).0;
            fold.year.push(day.ymd().0);
            fold.until_refuses.push(retained);
            fold.until_other
                .push(two_years.after(day, calendar).0.min(retained));
        }
        Ok(fold)
    }

    fn resident_bytes(&self) -> usize {
        self.events.len() * std::mem::size_of::<FoldEvent>()
            + self.offsets.len() * std::mem::size_of::<u32>()
    }

    /// Points (1000 for an organisation, which the scheme does not score) and the day the
    /// subject's listing ends (0: not listed), per subject, on 2 threads.
    fn run(&self) -> Vec<(i32, i32)> {
        use rayon::prelude::*;
        const CHUNK: usize = 4096;
        let [traffic, volunteering, court] = self.categories;
        let mut out = vec![(0i32, 0i32); self.offsets.len() - 1];
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(chunk, rows)| {
                for (i, row) in rows.iter_mut().enumerate() {
                    let subject = chunk * CHUNK + i;
                    let events = &self.events
                        [self.offsets[subject] as usize..self.offsets[subject + 1] as usize];
                    let mut points = 1000i32;
                    let mut listed = 0i32;
                    // A one-year validity spans at most two calendar years.
                    let mut gains = [(0i32, 0i32); 2];
                    let mut years = 0;
                    for event in events {
                        if event.flags & RECORD == 0 || event.day > self.as_of {
                            continue;
                        }
                        let day = usize::from(event.day);
                        let counted = event.flags & (HOLDS | PERSON) == HOLDS | PERSON
                            && event.day >= self.counts_from;
                        if event.category == traffic {
                            if counted {
                                points -= 20;
                            }
                        } else if event.category == volunteering {
                            if counted {
                                let year = self.year[day];
                                let slot = match gains[..years].iter().position(|g| g.0 == year) {
                                    Some(slot) => slot,
                                    None => {
                                        years = (years + 1).min(gains.len());
                                        gains[years - 1] = (year, 0);
                                        years - 1
                                    }
                                };
                                let gain = 5.min(30 - gains[slot].1).max(0);
                                gains[slot].1 += gain;
                                points += gain;
                            }
                        } else if event.category == court {
                            let until = if event.flags & HOLDS != 0 {
                                self.until_refuses[day]
                            } else {
                                self.until_other[day]
                            };
                            if self.as_of_day < until {
                                listed = listed.max(until);
                            }
                        }
                    }
                    *row = (points, listed);
                }
            });
        out
    }
}
