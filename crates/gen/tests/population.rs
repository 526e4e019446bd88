//! The generated city keeps the contract of `docs/categories.md` and the ingest format.

// Test helpers (not only `#[test]` functions) may unwrap.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use credence_gen::{Format, GenConfig, GenEvent, GenSubject, Generator, write_files};
use credence_model::{Action, Day, IdOptions, Identifier, SubjectKind, Value};

/// Who may be a subject of a category.
#[derive(Clone, Copy, PartialEq)]
enum Subjects {
    Person,
    Organisation,
    Both,
}

/// An attribute: name, type, required. Types as in categories.md; `enum` values are listed
/// after `enum:`.
type Attribute = (&'static str, &'static str, bool);

/// The table of docs/categories.md: category, source, subjects, attributes.
const CATEGORIES: &[(&str, &str, Subjects, &[Attribute])] = &[
    (
        "court.dishonest-conduct",
        "court",
        Subjects::Both,
        &[
            ("case", "text", true),
            ("court", "text", true),
            (
                "ground",
                "enum:refuses,obstructs,evades,asset-report,consumption-order,settlement",
                true,
            ),
            ("amount", "money", false),
            ("aggravated", "bool", false),
        ],
    ),
    (
        "court.guarantee",
        "court",
        Subjects::Both,
        &[("case", "text", true)],
    ),
    (
        "court.assets-seized",
        "court",
        Subjects::Both,
        &[("case", "text", true), ("sufficient", "bool", true)],
    ),
    (
        "court.later-in-order",
        "court",
        Subjects::Both,
        &[("case", "text", true)],
    ),
    (
        "court.unable-to-perform",
        "court",
        Subjects::Both,
        &[("case", "text", true)],
    ),
    (
        "tax.indicator-deduction",
        "tax-bureau",
        Subjects::Organisation,
        &[
            ("indicator", "text", true),
            ("points", "enum:1,3,5,11", true),
        ],
    ),
    (
        "tax.new-taxpayer",
        "tax-bureau",
        Subjects::Organisation,
        &[],
    ),
    (
        "customs.advanced-certification",
        "customs",
        Subjects::Organisation,
        &[("certificate", "text", true)],
    ),
    (
        "customs.smuggling",
        "customs",
        Subjects::Organisation,
        &[("decision", "text", true)],
    ),
    (
        "customs.penalties-over-threshold",
        "customs",
        Subjects::Organisation,
        &[("year", "int", true), ("amount", "money", true)],
    ),
    (
        "customs.unpaid-taxes",
        "customs",
        Subjects::Organisation,
        &[("amount", "money", true), ("months", "int", true)],
    ),
    (
        "food.hygiene-inspection",
        "food-authority",
        Subjects::Organisation,
        &[("rating", "int", true), ("premises", "text", true)],
    ),
    (
        "registry.legal-representative",
        "market-regulator",
        Subjects::Organisation,
        &[("person", "subject", true)],
    ),
    (
        "civic.volunteering",
        "volunteer-association",
        Subjects::Person,
        &[("hours", "int", true), ("organisation", "text", false)],
    ),
    (
        "civic.commendation",
        "civic-office",
        Subjects::Both,
        &[("level", "enum:county,city,province,national", true)],
    ),
    (
        "traffic.violation",
        "traffic-police",
        Subjects::Person,
        &[
            ("severity", "enum:minor,serious,grave", true),
            ("licence_points", "int", false),
        ],
    ),
    (
        "admin.penalty",
        "market-regulator",
        Subjects::Both,
        &[
            ("severity", "enum:minor,general,serious", true),
            ("decision", "text", true),
            ("amount", "money", false),
            ("authority", "text", false),
        ],
    ),
    (
        "finance.overdue",
        "lender",
        Subjects::Both,
        &[
            ("amount", "money", true),
            ("days", "int", true),
            ("lender", "text", false),
        ],
    ),
    (
        "finance.repaid",
        "lender",
        Subjects::Both,
        &[("amount", "money", true), ("on_time", "bool", true)],
    ),
    (
        "finance.late-repayment",
        "lender",
        Subjects::Both,
        &[("amount", "money", true), ("days_late", "int", true)],
    ),
    (
        "utilities.arrears",
        "utility",
        Subjects::Both,
        &[("amount", "money", true), ("months", "int", true)],
    ),
    (
        "tax.late-filing",
        "tax-bureau",
        Subjects::Organisation,
        &[("period", "text", true)],
    ),
    (
        "tax.unpaid-assessment",
        "tax-bureau",
        Subjects::Organisation,
        &[("amount", "money", true)],
    ),
    (
        "tax.evasion",
        "tax-bureau",
        Subjects::Organisation,
        &[("amount", "money", true), ("criminal", "bool", true)],
    ),
    (
        "tax.false-invoices",
        "tax-bureau",
        Subjects::Organisation,
        &[("invoices", "int", true)],
    ),
    (
        "tax.violent-refusal",
        "tax-bureau",
        Subjects::Organisation,
        &[],
    ),
    (
        "tax.no-revenue",
        "tax-bureau",
        Subjects::Organisation,
        &[("year", "int", true)],
    ),
    (
        "tax.filed-on-time",
        "tax-bureau",
        Subjects::Organisation,
        &[("period", "text", true)],
    ),
    (
        "env.violation",
        "environment-bureau",
        Subjects::Organisation,
        &[
            ("severity", "enum:minor,general,serious,grave", true),
            ("decision", "text", true),
        ],
    ),
];

/// Consent schemes and who reports them.
const SCHEMES: &[(&str, &str)] = &[("civic-points", "civic-office"), ("sesame", "lender")];

const SOURCES: &[&str] = &[
    "court",
    "tax-bureau",
    "traffic-police",
    "utility",
    "lender",
    "volunteer-association",
    "civic-office",
    "environment-bureau",
    "market-regulator",
    "customs",
    "food-authority",
];

type Population = Vec<(GenSubject, Vec<GenEvent>)>;

fn end() -> Day {
    Day::parse("2026-11-01").unwrap()
}

/// A city large enough for shares to be stable.
fn large_config() -> GenConfig {
    GenConfig {
        people: 20_000,
        orgs: 4_000,
        seed: 7,
        ..GenConfig::default()
    }
}

fn large() -> &'static Population {
    static POPULATION: OnceLock<Population> = OnceLock::new();
    POPULATION.get_or_init(|| Generator::new(large_config()).subjects().collect())
}

fn generate(config: GenConfig) -> Population {
    Generator::new(config).subjects().collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("credence-gen-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn is_person(subject: &GenSubject) -> bool {
    subject.id.kind() == SubjectKind::Person
}

#[test]
fn the_same_seed_gives_the_same_city_and_another_seed_another() {
    let config = GenConfig::default();
    let a = generate(config.clone());
    let b = generate(config.clone());
    assert_eq!(a, b);
    assert_eq!(a.len(), 1100);
    let c = generate(GenConfig { seed: 2, ..config });
    assert_ne!(a, c);
    // Not just a shuffle: the identifiers themselves differ.
    let ids_a: HashSet<String> = a.iter().map(|(s, _)| s.id.canonical()).collect();
    let ids_c: HashSet<String> = c.iter().map(|(s, _)| s.id.canonical()).collect();
    let shared = ids_a.intersection(&ids_c).count();
    assert!(shared < 50, "{shared} identifiers in common");
}

fn read_dir_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

/// FNV-1a, to pin output without a dependency.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The bytes of a small city are pinned, so that a platform that computes differently (or an
/// accidental change of the generator) is caught. A deliberate change of the generator
/// updates the constant.
#[test]
fn output_is_pinned() {
    let config = GenConfig {
        people: 300,
        orgs: 30,
        ..GenConfig::default()
    };
    let dir = temp_dir("pinned");
    write_files(&config, &dir, Format::Jsonl, &mut |_| {}).unwrap();
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in read_dir_files(&dir) {
        hash = fnv1a(name.as_bytes(), hash);
        hash = fnv1a(&bytes, hash);
    }
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(hash, 0xf8db_fbd6_dea7_ccc2, "output changed: {hash:#x}");
}

#[test]
fn the_same_seed_writes_the_same_files() {
    for format in [Format::Jsonl, Format::Csv] {
        let config = GenConfig::default();
        let dirs = ["a", "b", "c"].map(|n| temp_dir(&format!("same-{n}-{}", format.extension())));
        write_files(&config, &dirs[0], format, &mut |_| {}).unwrap();
        write_files(&config, &dirs[1], format, &mut |_| {}).unwrap();
        let other = GenConfig { seed: 99, ..config };
        write_files(&other, &dirs[2], format, &mut |_| {}).unwrap();
        let a = read_dir_files(&dirs[0]);
        assert_eq!(a.len(), SOURCES.len() + 1);
        assert_eq!(a, read_dir_files(&dirs[1]));
        let c = read_dir_files(&dirs[2]);
        for source in SOURCES {
            let name = format!("{source}.{}", format.extension());
            assert_ne!(a[&name], c[&name], "{name}");
        }
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn every_identifier_validates_and_is_unique() {
    let population = large();
    let mut seen = HashSet::new();
    let mut legacy = 0;
    let mut organisations = 0;
    for (subject, _) in population {
        let text = subject.id.canonical();
        assert!(seen.insert(text.clone()), "{text} twice");
        let strict = Identifier::parse(&text, IdOptions::default());
        match subject.id.kind() {
            SubjectKind::Person => {
                assert!(!subject.legacy);
                assert!(matches!(strict, Ok(Identifier::ResidentId(_))), "{text}");
            }
            SubjectKind::Organisation => {
                organisations += 1;
                let lenient = Identifier::parse(
                    &text,
                    IdOptions {
                        allow_legacy_uscc: true,
                    },
                );
                let Ok(Identifier::Uscc(code)) = lenient else {
                    panic!("{text} is not a USCC");
                };
                assert_eq!(code.is_legacy(), subject.legacy, "{text}");
                assert_eq!(strict.is_ok(), !subject.legacy, "{text}");
                assert_eq!(code.registration_authority(), '9');
                assert!(matches!(&text[1..2], "1" | "2" | "3"), "{text}");
                legacy += u32::from(subject.legacy);
            }
        }
    }
    // About 0.5% legacy codes.
    assert!((5..=45).contains(&legacy), "{legacy} of {organisations}");
}

/// Checks an attribute value against its declared type.
fn type_ok(kind: &str, value: &Value) -> bool {
    match (kind, value) {
        ("text", Value::Text(t)) => !t.is_empty(),
        ("int", Value::Int(_)) | ("bool", Value::Bool(_)) => true,
        ("money", Value::Text(t)) => t.split_once('.').is_some_and(|(y, f)| {
            !y.is_empty()
                && y.bytes().all(|b| b.is_ascii_digit())
                && f.len() == 2
                && f.bytes().all(|b| b.is_ascii_digit())
        }),
        ("subject", Value::Text(t)) => {
            matches!(t.parse::<Identifier>(), Ok(Identifier::ResidentId(_)))
        }
        (kind, Value::Text(t)) if kind.starts_with("enum:") => {
            kind["enum:".len()..].split(',').any(|v| v == t)
        }
        _ => false,
    }
}

#[test]
fn every_event_keeps_the_category_table() {
    let table: HashMap<&str, _> = CATEGORIES.iter().map(|c| (c.0, c)).collect();
    let mut seen_categories = HashSet::new();
    for (subject, events) in large() {
        for event in events {
            assert!(SOURCES.contains(&event.source), "{}", event.source);
            if event.action.names_scheme() {
                let scheme = SCHEMES.iter().find(|s| s.0 == event.category);
                assert_eq!(scheme.map(|s| s.1), Some(event.source), "{event:?}");
                assert!(event.attributes.is_empty());
                assert!(is_person(subject));
                continue;
            }
            let Some(&&(category, source, subjects, attributes)) = table.get(event.category) else {
                panic!("unknown category {}", event.category);
            };
            seen_categories.insert(category);
            assert_eq!(source, event.source, "{event:?}");
            let kind_ok = match subjects {
                Subjects::Person => is_person(subject),
                Subjects::Organisation => !is_person(subject),
                Subjects::Both => true,
            };
            assert!(kind_ok, "{category} for {}", subject.id);
            match event.action {
                Action::Record | Action::Correct => {
                    for (name, value) in &event.attributes {
                        let declared = attributes.iter().find(|a| a.0 == *name);
                        let Some(&(_, kind, _)) = declared else {
                            panic!("{category} has no attribute {name}");
                        };
                        assert!(type_ok(kind, value), "{category}.{name} = {value:?}");
                    }
                    for &(name, _, required) in attributes.iter() {
                        if required {
                            assert!(
                                event.attributes.iter().any(|(n, _)| *n == name),
                                "{category} without {name}"
                            );
                        }
                    }
                    let names: HashSet<_> = event.attributes.iter().map(|a| a.0).collect();
                    assert_eq!(names.len(), event.attributes.len(), "{event:?}");
                }
                Action::Extend => {
                    assert_eq!(event.attributes.len(), 1);
                    let months = event.attributes[0].1.as_i64().unwrap();
                    assert_eq!(event.attributes[0].0, "months");
                    assert!((12..=36).contains(&months));
                }
                Action::Fulfil | Action::Retract => assert!(event.attributes.is_empty()),
                other => panic!("unexpected action {other}"),
            }
        }
    }
    // Every category of the table occurs in a city this size.
    for (category, ..) in CATEGORIES {
        assert!(seen_categories.contains(category), "no {category}");
    }
}

#[test]
fn targets_name_an_earlier_record_of_the_same_source_and_subject() {
    let mut references: HashSet<(&str, &str)> = HashSet::new();
    let mut actions: BTreeMap<Action, u32> = BTreeMap::new();
    for (subject, events) in large() {
        let mut earlier: HashMap<(&str, &str), &GenEvent> = HashMap::new();
        let mut previous = Day::MIN;
        for event in events {
            *actions.entry(event.action).or_default() += 1;
            assert!(event.date >= previous, "{} not in date order", subject.id);
            previous = event.date;
            assert!(
                references.insert((event.source, event.reference.as_str())),
                "{} reused",
                event.reference
            );
            assert_eq!(
                event.target.is_some(),
                event.action.needs_target(),
                "{event:?}"
            );
            if let Some(target) = &event.target {
                let Some(record) = earlier.get(&(event.source, target.as_str())) else {
                    panic!(
                        "{} targets {target}, not an earlier record",
                        event.reference
                    );
                };
                assert_eq!(record.action, Action::Record);
                assert_eq!(record.category, event.category);
                assert!(record.date <= event.date);
            }
            earlier.insert((event.source, event.reference.as_str()), event);
        }
    }
    for action in [
        Action::Record,
        Action::Correct,
        Action::Retract,
        Action::Fulfil,
        Action::Extend,
        Action::Consent,
        Action::Withdraw,
    ] {
        assert!(
            actions.get(&action).copied().unwrap_or(0) > 0,
            "no {action}"
        );
    }
}

#[test]
fn every_date_is_in_the_history_window() {
    let generator = Generator::new(large_config());
    let start = generator.start();
    assert_eq!(start, Day::parse("2023-11-02").unwrap());
    let mut first = end();
    let mut last = start;
    for (_, events) in large() {
        for event in events {
            assert!(event.date >= start && event.date <= end(), "{event:?}");
            first = first.min(event.date);
            last = last.max(event.date);
        }
    }
    assert!(
        first.0 - start.0 < 7 && end().0 - last.0 < 7,
        "{first} {last}"
    );
}

#[test]
fn some_people_are_minors_and_minors_have_no_adult_records() {
    let mut minors = 0;
    let mut people = 0;
    for (subject, events) in large().iter().filter(|(s, _)| is_person(s)) {
        people += 1;
        let birth = subject.id.birth_date().unwrap();
        assert!(birth >= Day::parse("1950-01-01").unwrap());
        assert!(end().years_since(birth) >= 12);
        if end().years_since(birth) < 18 {
            minors += 1;
        }
        for event in events {
            if matches!(event.source, "traffic-police" | "lender" | "utility") {
                assert!(event.date.years_since(birth) >= 18, "{event:?}");
            }
        }
    }
    let share = f64::from(minors) / f64::from(people);
    assert!((0.015..=0.04).contains(&share), "{share}");
}

/// The law bars listing a person for what they did as a minor, and intake refuses to extend
/// such a listing: no court in the city extends one.
#[test]
fn no_listing_of_a_minor_is_extended() {
    let mut minors_found = 0;
    for (subject, events) in large().iter().filter(|(s, _)| is_person(s)) {
        let birth = subject.id.birth_date().unwrap();
        for event in events.iter().filter(|e| e.action == Action::Extend) {
            let target = event.target.as_deref().unwrap();
            let record = events.iter().find(|e| e.reference == target).unwrap();
            assert!(
                record.date.years_since(birth) >= 18,
                "{event:?} extends the listing of a minor: {record:?}"
            );
        }
        minors_found += events
            .iter()
            .filter(|e| e.category == "court.dishonest-conduct" && e.action == Action::Record)
            .filter(|e| e.date.years_since(birth) < 18)
            .count();
    }
    assert!(minors_found > 0, "the city has findings against minors");
}

#[test]
fn court_records_concern_a_plausible_share_of_subjects() {
    let mut listed = [0u32; 2];
    let mut subjects = [0u32; 2];
    let mut findings = 0;
    let mut fulfilled = 0;
    let mut barred = 0;
    for (subject, events) in large() {
        let kind = usize::from(!is_person(subject));
        subjects[kind] += 1;
        let court: Vec<&GenEvent> = events.iter().filter(|e| e.source == "court").collect();
        if subject.legacy {
            assert!(court.is_empty(), "legacy {} in court", subject.id);
        }
        if court
            .iter()
            .any(|e| e.category == "court.dishonest-conduct")
        {
            listed[kind] += 1;
        }
        let cases: HashSet<&Value> = court
            .iter()
            .filter(|e| e.action == Action::Record && e.category == "court.dishonest-conduct")
            .map(|e| &e.attributes[0].1)
            .collect();
        findings += cases.len();
        fulfilled += court.iter().filter(|e| e.action == Action::Fulfil).count();
        for event in &court {
            if event.category != "court.dishonest-conduct" {
                assert!(cases.contains(&event.attributes[0].1), "{event:?}");
                barred += 1;
            }
        }
    }
    let people = f64::from(listed[0]) / f64::from(subjects[0]);
    let orgs = f64::from(listed[1]) / f64::from(subjects[1]);
    assert!((0.005..=0.016).contains(&people), "people {people}");
    assert!((0.01..=0.035).contains(&orgs), "organisations {orgs}");
    let fulfilled = fulfilled as f64 / findings as f64;
    assert!((0.25..=0.55).contains(&fulfilled), "fulfilled {fulfilled}");
    assert!(barred > 0);
}

#[test]
fn every_organisation_has_an_adult_legal_representative() {
    let people: HashMap<String, Day> = large()
        .iter()
        .filter(|(s, _)| is_person(s))
        .map(|(s, _)| (s.id.canonical(), s.id.birth_date().unwrap()))
        .collect();
    for (subject, events) in large().iter().filter(|(s, _)| !is_person(s)) {
        let representatives: Vec<&GenEvent> = events
            .iter()
            .filter(|e| e.category == "registry.legal-representative")
            .collect();
        assert_eq!(representatives.len(), 1, "{}", subject.id);
        let record = representatives[0];
        assert_eq!(record.source, "market-regulator");
        let Value::Text(person) = &record.attributes[0].1 else {
            panic!("{record:?}");
        };
        let birth = people[person];
        assert!(record.date.years_since(birth) >= 18);
    }
}

#[test]
fn an_average_subject_has_a_few_events_and_density_scales_them() {
    let count = |density: f64| {
        let config = GenConfig {
            people: 5_000,
            orgs: 500,
            density,
            ..GenConfig::default()
        };
        let mut records = 0usize;
        let mut events = 0usize;
        // The yearly tax indicator evaluation is structural and dense (about six lapses a year
        // per firm, whatever the density): it is left out of these counts.
        for (_, list) in Generator::new(config).subjects() {
            let list: Vec<_> = list
                .iter()
                .filter(|e| e.category != "tax.indicator-deduction")
                .collect();
            events += list.len();
            records += list.iter().filter(|e| e.action == Action::Record).count();
        }
        (records as f64, events as f64 / 5_500.0)
    };
    let (records_1, per_subject_1) = count(1.0);
    let (records_3, per_subject_3) = count(3.0);
    let (records_0, _) = count(0.0);
    assert!((2.0..=4.5).contains(&per_subject_1), "{per_subject_1}");
    assert!((8.0..=12.0).contains(&per_subject_3), "{per_subject_3}");
    let ratio = records_3 / records_1;
    assert!((2.4..=3.3).contains(&ratio), "{ratio}");
    // Without density only the structural records remain (legal representatives, tax returns).
    assert!(records_0 < records_1 / 4.0, "{records_0}");
}

#[test]
fn jsonl_lines_have_the_documented_fields_and_are_sorted() {
    let config = GenConfig {
        people: 3_000,
        orgs: 300,
        ..GenConfig::default()
    };
    let dir = temp_dir("jsonl");
    let manifest = write_files(&config, &dir, Format::Jsonl, &mut |_| {}).unwrap();
    let mut total = 0u64;
    let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for source in SOURCES {
        let text = std::fs::read_to_string(dir.join(format!("{source}.jsonl"))).unwrap();
        let mut previous: Option<(Day, String)> = None;
        for line in text.lines() {
            let json: serde_json::Value = serde_json::from_str(line).unwrap();
            let object = json.as_object().unwrap();
            for key in object.keys() {
                assert!(
                    [
                        "ref",
                        "action",
                        "subject",
                        "category",
                        "date",
                        "target",
                        "legacy_id",
                        "attributes"
                    ]
                    .contains(&key.as_str()),
                    "{key}"
                );
            }
            let reference = object["ref"].as_str().unwrap().to_owned();
            let action: Action = object["action"].as_str().unwrap().parse().unwrap();
            let legacy = object.get("legacy_id").is_some();
            if legacy {
                assert_eq!(object["legacy_id"], serde_json::Value::Bool(true));
            }
            let subject = object["subject"].as_str().unwrap();
            Identifier::parse(
                subject,
                IdOptions {
                    allow_legacy_uscc: legacy,
                },
            )
            .unwrap();
            let category = object["category"].as_str().unwrap();
            let date = Day::parse(object["date"].as_str().unwrap()).unwrap();
            assert_eq!(
                object.contains_key("target"),
                action.needs_target(),
                "{line}"
            );
            if let Some(target) = object.get("target") {
                assert!(target.as_str().unwrap().starts_with(&reference[..4]));
            }
            let attributes = object["attributes"].as_object().unwrap();
            for (name, value) in attributes {
                let ok = match name.as_str() {
                    "amount" => value.as_str().is_some_and(|s| s.contains('.')),
                    "on_time" | "aggravated" | "sufficient" | "criminal" => value.is_boolean(),
                    "hours" | "days" | "days_late" | "months" | "licence_points" | "invoices"
                    | "year" | "rating" => value.is_i64(),
                    _ => value.is_string(),
                };
                assert!(ok, "{name}: {value} in {line}");
            }
            let key = (date, reference);
            if let Some(previous) = &previous {
                assert!(*previous < key, "{source} not sorted at {line}");
            }
            previous = Some(key);
            *counts
                .entry((*source).to_owned())
                .or_default()
                .entry(category.to_owned())
                .or_default() += 1;
            total += 1;
        }
    }
    assert_eq!(total, manifest.events);
    assert_eq!(counts, manifest.counts);
    assert_eq!(manifest.people, 3_000);
    assert_eq!(manifest.organisations, 300);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(written["config"]["people"], 3_000);
    assert_eq!(written["config"]["end"], "2026-11-01");
    assert!(
        written["counts"]["court"]["court.dishonest-conduct"]
            .as_u64()
            .is_some()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn csv_rows_carry_the_same_events_as_jsonl() {
    let config = GenConfig {
        people: 2_000,
        orgs: 200,
        ..GenConfig::default()
    };
    let json_dir = temp_dir("csv-json");
    let csv_dir = temp_dir("csv-csv");
    write_files(&config, &json_dir, Format::Jsonl, &mut |_| {}).unwrap();
    let manifest = write_files(&config, &csv_dir, Format::Csv, &mut |_| {}).unwrap();
    assert_eq!(manifest.format, Format::Csv);
    for source in SOURCES {
        let mut reader = csv::Reader::from_path(csv_dir.join(format!("{source}.csv"))).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header[..7],
            [
                "ref",
                "action",
                "subject",
                "category",
                "date",
                "target",
                "legacy_id"
            ]
        );
        let attributes = &header[7..];
        assert!(attributes.windows(2).all(|w| w[0] < w[1]), "{header:?}");
        let json = std::fs::read_to_string(json_dir.join(format!("{source}.jsonl"))).unwrap();
        let mut rows = reader.records();
        for line in json.lines() {
            let expected: serde_json::Value = serde_json::from_str(line).unwrap();
            let row = rows.next().unwrap().unwrap();
            assert_eq!(row.len(), header.len());
            for (i, column) in ["ref", "action", "subject", "category", "date", "target"]
                .iter()
                .enumerate()
            {
                assert_eq!(
                    row[i],
                    *expected.get(*column).and_then(|v| v.as_str()).unwrap_or("")
                );
            }
            let legacy = expected.get("legacy_id").is_some();
            assert_eq!(&row[6], if legacy { "true" } else { "" });
            for (i, name) in attributes.iter().enumerate() {
                let cell = &row[7 + i];
                match expected["attributes"].get(name) {
                    None => assert_eq!(cell, "", "{name} in {line}"),
                    Some(serde_json::Value::String(s)) => assert_eq!(cell, s),
                    Some(other) => assert_eq!(cell, other.to_string()),
                }
            }
        }
        assert!(rows.next().is_none());
    }
    let _ = std::fs::remove_dir_all(json_dir);
    let _ = std::fs::remove_dir_all(csv_dir);
}

#[test]
fn out_of_range_configurations_are_clamped() {
    let generator = Generator::new(GenConfig {
        people: 3,
        orgs: 2,
        years: 0,
        density: f64::NAN,
        ..GenConfig::default()
    });
    assert_eq!(generator.config().years, 1);
    assert_eq!(generator.config().density, 0.0);
    assert_eq!(generator.subjects().count(), 5);
    let nobody = Generator::new(GenConfig {
        people: 0,
        orgs: 3,
        ..GenConfig::default()
    });
    for (_, events) in nobody.subjects() {
        assert!(
            events
                .iter()
                .all(|e| e.category != "registry.legal-representative")
        );
    }
}
