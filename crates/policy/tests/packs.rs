//! Every shipped pack compiles (together; the self-contained ones alone too), follows the category table of
//! `docs/categories.md`, and publishes the numbers its sources give (`policies/*.toml` cite
//! them from `docs/reference/domain-facts.md`).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic with its location is the failure report"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use credence_model::Duration;
use credence_policy::{
    AttrType, BarRule, Colour, Effect, List, Measure, Policy, PolicySource, Scheme, Scorecard,
    Trigger, compile,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The registry of sources is not a policy pack.
const SOURCES_FILE: &str = "sources.toml";

fn shipped() -> Vec<PolicySource> {
    let dir = root().join("policies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != SOURCES_FILE))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(p).unwrap(),
        })
        .collect()
}

fn policy() -> Policy {
    match compile(&shipped()) {
        Ok(policy) => policy,
        Err(diagnostics) => panic!("{diagnostics}"),
    }
}

fn scheme<'a>(policy: &'a Policy, id: &str) -> &'a Scheme {
    let index = policy
        .scheme_index(id)
        .unwrap_or_else(|| panic!("no scheme {id}"));
    &policy.schemes[index]
}

fn scorecard<'a>(policy: &'a Policy, id: &str) -> &'a Scorecard {
    policy
        .scorecards
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no scorecard {id}"))
}

fn list<'a>(policy: &'a Policy, id: &str) -> &'a List {
    let index = policy
        .list_index(id)
        .unwrap_or_else(|| panic!("no list {id}"));
    &policy.lists[index]
}

fn measure<'a>(policy: &'a Policy, id: &str) -> &'a Measure {
    let index = policy
        .measure_index(id)
        .unwrap_or_else(|| panic!("no measure {id}"));
    &policy.measures[index]
}

/// The measures whose trigger is the list `id`.
fn measures_on_list<'a>(policy: &'a Policy, id: &str) -> Vec<&'a Measure> {
    let index = policy.list_index(id).unwrap();
    policy
        .measures
        .iter()
        .filter(|m| matches!(m.trigger, Trigger::List(l) if l == index))
        .collect()
}

fn grades(scheme: &Scheme) -> Vec<(&str, Option<i64>)> {
    scheme
        .grades
        .iter()
        .map(|g| (g.name.as_str(), g.min))
        .collect()
}

fn grade_of(scheme: &Scheme, points: i64) -> &str {
    let index = scheme.grade_for(points).unwrap();
    &scheme.grades[usize::from(index)].name
}

fn category_id(policy: &Policy, id: credence_policy::CategoryId) -> &str {
    &policy.category(id).id
}

#[test]
fn every_shipped_pack_compiles_together() {
    let sources = shipped();
    assert!(sources.len() >= 6, "{} packs", sources.len());
    match compile(&sources) {
        Ok(policy) => assert_eq!(policy.packs.len(), sources.len()),
        Err(diagnostics) => panic!("{diagnostics}"),
    }
}

/// Packs that declare every category they read; the others read categories of these.
#[test]
fn self_contained_packs_compile_alone() {
    for name in [
        "court-dishonest-debtors.toml",
        "credit-repair.toml",
        "tax-environment.toml",
    ] {
        let sources: Vec<_> = shipped()
            .into_iter()
            .filter(|s| s.name.ends_with(name))
            .collect();
        assert_eq!(sources.len(), 1, "{name}");
        if let Err(diagnostics) = compile(&sources) {
            panic!("{name}: {diagnostics}");
        }
    }
}

#[test]
fn every_pack_names_its_legal_basis() {
    let policy = policy();
    for pack in &policy.packs {
        assert!(pack.basis.len() > 20, "{}: basis `{}`", pack.id, pack.basis);
        assert!(pack.summary.is_some(), "{}: no summary", pack.id);
    }
    for measure in &policy.measures {
        assert!(!measure.basis.trim().is_empty(), "{}", measure.id);
    }
}

#[test]
fn no_shipped_pack_publishes_persons_or_restricts_on_a_score() {
    let policy = policy();
    for list in &policy.lists {
        assert!(!list.publish.person, "{} publishes persons", list.id);
    }
    for measure in &policy.measures {
        if measure.effect == Effect::Restriction {
            let Trigger::List(l) = measure.trigger else {
                panic!("{} restricts on a score", measure.id)
            };
            assert_eq!(policy.lists[l].colour, Colour::Black, "{}", measure.id);
        }
    }
}

// --- docs/categories.md and policies/sources.toml --------------------------------------------

/// One row of the table in `docs/categories.md`.
#[derive(Debug)]
struct Row {
    id: String,
    pack: String,
    kind: String,
    context: String,
    subjects: (bool, bool),
    retention: String,
    /// name -> (type, required)
    attributes: BTreeMap<String, (AttrType, bool)>,
    source: String,
}

/// Splits at commas outside brackets.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(current.trim().to_owned());
            current.clear();
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_owned());
    }
    parts
}

fn attribute(text: &str) -> (String, (AttrType, bool)) {
    let (name, ty) = text.split_once(' ').unwrap();
    let ty = ty.trim();
    let (ty, required) = match ty.strip_suffix('*') {
        Some(t) => (t.trim(), true),
        None => (ty, false),
    };
    let ty = match ty {
        "int" => AttrType::Int,
        "money" => AttrType::Money,
        "bool" => AttrType::Bool,
        "date" => AttrType::Date,
        "text" => AttrType::Text,
        "subject" => AttrType::Subject,
        other => {
            let values = other
                .strip_prefix("enum[")
                .and_then(|v| v.strip_suffix(']'))
                .unwrap_or_else(|| panic!("type `{other}`"));
            AttrType::Enum(values.split(',').map(|v| v.trim().to_owned()).collect())
        }
    };
    (name.trim().to_owned(), (ty, required))
}

fn table() -> Vec<Row> {
    let text = std::fs::read_to_string(root().join("docs/categories.md")).unwrap();
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells[0] == "category" || cells[0].starts_with("---") {
            continue;
        }
        assert_eq!(cells.len(), 8, "{line}");
        let subjects = cells[4];
        rows.push(Row {
            id: cells[0].to_owned(),
            pack: cells[1].to_owned(),
            kind: cells[2].to_owned(),
            context: cells[3].to_owned(),
            subjects: (
                subjects.contains("person"),
                subjects.contains("organisation"),
            ),
            retention: cells[5].to_owned(),
            attributes: split_top(cells[6]).iter().map(|a| attribute(a)).collect(),
            source: cells[7].to_owned(),
        });
    }
    rows
}

#[test]
fn categories_follow_the_table_exactly() {
    let policy = policy();
    let rows = table();
    assert_eq!(rows.len(), 29);
    assert_eq!(
        rows.len(),
        policy.categories.len(),
        "the packs declare exactly the categories of the table"
    );
    for row in &rows {
        let id = policy
            .category_id(&row.id)
            .unwrap_or_else(|| panic!("no category {}", row.id));
        let category = policy.category(id);
        let pack = if category.pack == credence_policy::BUILT_IN {
            "built-in"
        } else {
            policy.packs[category.pack].id.as_str()
        };
        assert_eq!(pack, row.pack, "{}", row.id);
        assert_eq!(category.kind.as_str(), row.kind, "{}", row.id);
        assert_eq!(category.context.as_str(), row.context, "{}", row.id);
        assert_eq!(
            (category.subjects.person, category.subjects.organisation),
            row.subjects,
            "{}",
            row.id
        );
        assert_eq!(category.retention.to_string(), row.retention, "{}", row.id);
        let attributes: BTreeMap<String, (AttrType, bool)> = category
            .attributes
            .iter()
            .map(|a| (a.name.clone(), (a.ty.clone(), a.required)))
            .collect();
        assert_eq!(attributes, row.attributes, "{}", row.id);
    }
}

/// `policies/sources.toml`: source id -> what it may report.
fn sources() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("policies").join(SOURCES_FILE)).unwrap();
    let value: toml::Table = toml::from_str(&text).unwrap();
    let mut sources = BTreeMap::new();
    for source in value["source"].as_array().unwrap() {
        let source = source.as_table().unwrap();
        assert!(source["title"].as_str().is_some_and(|t| !t.is_empty()));
        let categories = source["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        let id = source["id"].as_str().unwrap().to_owned();
        assert!(
            sources.insert(id.clone(), categories).is_none(),
            "{id} twice"
        );
    }
    sources
}

#[test]
fn every_category_has_exactly_its_tabled_source() {
    let sources = sources();
    let rows = table();
    let mut reported: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (source, categories) in &sources {
        for category in categories {
            reported.entry(category).or_default().push(source);
        }
    }
    for row in &rows {
        assert_eq!(
            reported.get(row.id.as_str()),
            Some(&vec![row.source.as_str()]),
            "{}",
            row.id
        );
    }
    let tabled: BTreeSet<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    let registered: BTreeSet<&str> = sources.keys().map(String::as_str).collect();
    assert_eq!(tabled, registered);
}

#[test]
fn consent_to_each_opt_in_scheme_has_one_source() {
    let policy = policy();
    let sources = sources();
    let opt_in: BTreeSet<&str> = policy
        .schemes
        .iter()
        .filter(|s| s.consent_required)
        .map(|s| s.id.as_str())
        .chain(
            policy
                .scorecards
                .iter()
                .filter(|c| c.consent_required)
                .map(|c| c.id.as_str()),
        )
        .collect();
    assert_eq!(opt_in, BTreeSet::from(["civic-points", "sesame"]));
    let mut named = BTreeMap::new();
    for (source, categories) in &sources {
        for entry in categories {
            if policy.category_id(entry).is_none() {
                assert!(
                    opt_in.contains(entry.as_str()),
                    "{source} reports `{entry}`"
                );
                assert!(named.insert(entry.clone(), source.clone()).is_none());
            }
        }
    }
    assert_eq!(named["civic-points"], "civic-office");
    assert_eq!(named["sesame"], "lender");
}

// --- court-dishonest-debtors ------------------------------------------------------------------

#[test]
fn court_list_has_the_six_grounds_durations_and_bars_of_the_2017_provisions() {
    let policy = policy();
    let list = list(&policy, "dishonest-debtors");
    assert_eq!(list.colour, Colour::Black);
    assert!(list.subjects.person && list.subjects.organisation);
    assert!(!list.publish.person && list.publish.organisation);
    assert!(list.exits.performance && list.exits.retraction && list.exits.repair);
    let ids: Vec<&str> = list.grounds.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    // Ground 1 lists until performance; grounds 2-6 for 2 years, extendable.
    assert_eq!(list.grounds[0].duration, None);
    assert!(!list.grounds[0].extendable);
    for ground in &list.grounds[1..] {
        assert_eq!(ground.duration, Some(Duration::Years(2)), "{}", ground.id);
        assert!(ground.extendable, "{}", ground.id);
    }
    let extension = list.extension.as_ref().unwrap();
    assert_eq!(
        (extension.min, extension.max),
        (Duration::Years(1), Duration::Years(3))
    );
    let bars: Vec<&str> = list.bars.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        bars,
        [
            "minor",
            "guarantee",
            "seized-assets",
            "later-in-order",
            "unable-to-perform"
        ]
    );
    assert!(matches!(list.bars[0].rule, BarRule::Minor));
    // Art. 4 bars minors on every ground; art. 3 bars the others on ground 1 only.
    assert_eq!(list.bars[0].grounds, None);
    for bar in &list.bars[1..] {
        assert_eq!(bar.grounds.as_deref(), Some(&[0_u16][..]), "{}", bar.id);
        let BarRule::Record { same, .. } = &bar.rule else {
            panic!("{} is not a record bar", bar.id)
        };
        assert_eq!(same.as_deref(), Some("case"), "{}", bar.id);
    }
}

#[test]
fn court_restrictions_bind_the_legal_representative_with_a_link() {
    let policy = policy();
    let measures = measures_on_list(&policy, "dishonest-debtors");
    let ids: BTreeSet<&str> = measures.iter().map(|m| m.id.as_str()).collect();
    for id in [
        "no-flights",
        "no-g-trains",
        "no-star-hotels",
        "no-private-school-fees",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    for measure in measures {
        assert_eq!(measure.effect, Effect::Restriction, "{}", measure.id);
        assert!(
            measure.extends_to_representative.is_some(),
            "{}",
            measure.id
        );
        assert!(measure.link.is_some(), "{}", measure.id);
    }
}

// --- civic-points -----------------------------------------------------------------------------

#[test]
fn civic_points_start_at_1000_with_aaa_at_1050_and_opt_in() {
    let policy = policy();
    let scheme = scheme(&policy, "civic-points");
    assert_eq!(scheme.base, 1000);
    assert_eq!(scheme.min, Some(0));
    assert!(scheme.consent_required);
    assert!(!scheme.is_rating && scheme.subjects.person && !scheme.subjects.organisation);
    assert_eq!(
        grades(scheme),
        [
            ("AAA", Some(1050)),
            ("AA", Some(1030)),
            ("A", Some(960)),
            ("B", Some(850)),
            ("C", Some(600)),
            ("D", Some(0))
        ]
    );
    assert_eq!(grade_of(scheme, 1050), "AAA");
    assert_eq!(grade_of(scheme, 1049), "AA");
    assert_eq!(grade_of(scheme, 1000), "A");
    assert_eq!(grade_of(scheme, 959), "B");
    assert_eq!(grade_of(scheme, 599), "D");
}

#[test]
fn civic_points_deduct_the_published_amounts() {
    let policy = policy();
    let scheme = scheme(&policy, "civic-points");
    let points: BTreeMap<&str, i64> = scheme
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.points))
        .collect();
    assert_eq!(points["traffic-serious"], -20);
    assert_eq!(points["traffic-grave"], -50);
    assert_eq!(points["court-dishonest-conduct"], -100);
    assert_eq!(points["penalty-general"], -30);
    assert_eq!(points["penalty-serious"], -50);
    for rule in &scheme.rules {
        assert!(
            rule.validity.days_upper_bound() <= Duration::Years(3).days_upper_bound(),
            "{}",
            rule.id
        );
    }
}

#[test]
fn every_reward_rule_of_a_shipped_scheme_is_capped_per_year() {
    let policy = policy();
    for scheme in &policy.schemes {
        for rule in scheme.rules.iter().filter(|r| r.points > 0) {
            assert!(
                scheme.caps.iter().any(|c| c.gain.is_some()
                    && c.per == credence_policy::Period::Year
                    && c.categories.contains(&rule.category)),
                "{}.{} ({}) is not capped per year",
                scheme.id,
                rule.id,
                category_id(&policy, rule.category)
            );
        }
    }
}

#[test]
fn civic_grades_only_reward() {
    let policy = policy();
    let index = policy.scheme_index("civic-points").unwrap();
    let on_civic: Vec<&Measure> = policy
        .measures
        .iter()
        .filter(|m| matches!(&m.trigger, Trigger::SchemeGrades { scheme, .. } if *scheme == index))
        .collect();
    assert!(on_civic.len() >= 2);
    for measure in on_civic {
        assert_eq!(measure.effect, Effect::Reward, "{}", measure.id);
    }
    let heating = measure(&policy, "civic-heating-discount");
    assert_eq!(heating.relying_parties, ["heating-company"]);
    assert_eq!(heating.context.as_str(), "utilities");
    let Trigger::SchemeGrades { grades, .. } = &heating.trigger else {
        panic!("heating discount is not on grades")
    };
    assert_eq!(grades, &[0]);
}

// --- city-rewards -----------------------------------------------------------------------------

#[test]
fn xiamen_egret_rewards_at_530_600_650_and_never_restricts() {
    let policy = policy();
    let egret = scheme(&policy, "xiamen-egret");
    assert!(egret.reward_only);
    assert_eq!((egret.min, egret.max), (Some(0), Some(1000)));
    assert_eq!(egret.base, 550);
    let names: Vec<&str> = egret.grades.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["excellent", "very-good", "good", "fair", "poor"]);
    let index = policy.scheme_index("xiamen-egret").unwrap();
    let expected = [
        ("egret-kerbside-parking-pay-later", 530, "parking"),
        ("egret-library-no-deposit", 600, "culture"),
        ("egret-car-park-pay-later", 650, "parking"),
    ];
    for (id, threshold, context) in expected {
        let m = measure(&policy, id);
        assert_eq!(m.effect, Effect::Reward, "{id}");
        assert_eq!(m.context.as_str(), context, "{id}");
        assert!(
            matches!(m.trigger, Trigger::SchemeScore { scheme, min } if scheme == index && min == threshold),
            "{id}: {:?}",
            m.trigger
        );
    }
}

#[test]
fn city_scores_lose_at_most_150_points_per_offence() {
    let policy = policy();
    for id in ["xiamen-egret", "fuzhou-jasmine"] {
        let scheme = scheme(&policy, id);
        assert!(scheme.reward_only, "{id}");
        for rule in &scheme.rules {
            assert!(rule.points >= -150, "{id}.{}: {}", rule.id, rule.points);
        }
        assert!(
            scheme.rules.iter().any(|r| r.points == -150),
            "{id}: the gravest offence costs 150"
        );
    }
}

#[test]
fn fuzhou_jasmine_has_500_base_1000_max_and_six_tiers() {
    let policy = policy();
    let jasmine = scheme(&policy, "fuzhou-jasmine");
    assert_eq!(jasmine.base, 500);
    assert_eq!((jasmine.min, jasmine.max), (Some(0), Some(1000)));
    let mins: Vec<i64> = jasmine.grades.iter().filter_map(|g| g.min).collect();
    assert_eq!(mins, [850, 750, 650, 550, 350, 0]);
    assert_eq!(grade_of(jasmine, 500), "basic");
    for id in ["jasmine-deposit-free-lodging", "jasmine-scenic-area-perks"] {
        let m = measure(&policy, id);
        assert_eq!(m.effect, Effect::Reward, "{id}");
        let Trigger::SchemeGrades { grades, .. } = &m.trigger else {
            panic!("{id} is not on tiers")
        };
        assert!(grades.contains(&0), "{id}: the top tier gets it");
    }
}

// --- sesame-scorecard -------------------------------------------------------------------------

#[test]
fn sesame_ranges_350_to_950_with_the_published_bands() {
    let policy = policy();
    let card = scorecard(&policy, "sesame");
    assert_eq!(card.range, (350, 950));
    assert!(card.consent_required);
    assert!(card.subjects.person && !card.subjects.organisation);
    let bands: Vec<(&str, i64)> = card
        .bands
        .iter()
        .map(|b| (b.name.as_str(), b.min.unwrap_or_default()))
        .collect();
    assert_eq!(
        bands,
        [
            ("excellent", 700),
            ("very-good", 650),
            ("good", 600),
            ("medium", 550),
            ("poor", 350)
        ]
    );
    let band = |score| {
        card.bands[usize::from(card.band_for(score).unwrap())]
            .name
            .as_str()
    };
    assert_eq!(band(549), "poor");
    assert_eq!(band(550), "medium");
    assert_eq!(band(699), "very-good");
    assert_eq!(band(950), "excellent");
    // Additive: the best bins add up to the top of the range, the worst to the bottom.
    let best: i64 = card.characteristics.iter().map(|c| c.points_max).sum();
    let worst: i64 = card
        .characteristics
        .iter()
        .map(|c| c.bins.iter().map(|b| b.points).min().unwrap())
        .sum();
    assert_eq!(card.base + best, 950);
    assert_eq!(card.base + worst, 350);
}

#[test]
fn sesame_can_give_four_distinct_reasons() {
    let policy = policy();
    let card = scorecard(&policy, "sesame");
    assert!(card.characteristics.len() >= 4);
    let codes: BTreeSet<&str> = card
        .characteristics
        .iter()
        .map(|c| c.reason_code.as_str())
        .collect();
    assert_eq!(
        codes.len(),
        card.characteristics.len(),
        "reason codes differ"
    );
    for c in &card.characteristics {
        assert!(!c.reason.is_empty(), "{}", c.id);
        let least = c.bins.iter().map(|b| b.points).min().unwrap();
        assert!(least < c.points_max, "{} can lose points", c.id);
    }
}

#[test]
fn sesame_gives_fewer_points_for_more_breaches() {
    use credence_policy::Measurement;
    let policy = policy();
    let card = scorecard(&policy, "sesame");
    for c in &card.characteristics {
        let points: Vec<i64> = c.bins.iter().map(|b| b.points).collect();
        let falling = points.windows(2).all(|w| w[1] <= w[0]);
        let rising = points.windows(2).all(|w| w[1] >= w[0]);
        match c.measurement {
            Measurement::Count | Measurement::Sum => assert!(falling, "{}: {points:?}", c.id),
            Measurement::DaysSinceLast => assert!(rising, "{}: {points:?}", c.id),
            Measurement::DaysSinceFirst => panic!("{}: length of history is not scored", c.id),
        }
        for category in &c.categories {
            let kind = policy.category(*category).kind;
            assert!(
                kind.may_penalise() || c.when_text.is_some(),
                "{} reads {}",
                c.id,
                category_id(&policy, *category)
            );
        }
    }
}

#[test]
fn sesame_waives_deposits_at_600_650_700() {
    let policy = policy();
    let index = policy
        .scorecards
        .iter()
        .position(|c| c.id == "sesame")
        .unwrap();
    let expected = [
        ("sesame-bike-no-deposit", 600, vec!["bike-share"]),
        (
            "sesame-rental-deposits-waived",
            650,
            vec!["landlord", "rental-shop"],
        ),
        (
            "sesame-overseas-car-rental-no-deposit",
            700,
            vec!["car-rental"],
        ),
    ];
    for (id, threshold, parties) in expected {
        let m = measure(&policy, id);
        assert_eq!(m.effect, Effect::Reward, "{id}");
        assert_eq!(m.relying_parties, parties, "{id}");
        assert!(
            matches!(m.trigger, Trigger::ScorecardScore { scorecard, min } if scorecard == index && min == threshold),
            "{id}: {:?}",
            m.trigger
        );
    }
}

// --- tax-environment --------------------------------------------------------------------------

#[test]
fn tax_grades_follow_the_sta_points() {
    let policy = policy();
    let tax = scheme(&policy, "tax-credit");
    assert!(tax.is_rating && tax.subjects.organisation && !tax.subjects.person);
    assert_eq!(tax.base, 100);
    assert_eq!((tax.min, tax.max), (Some(0), Some(100)));
    assert_eq!(
        grades(tax),
        [
            ("A", Some(90)),
            ("B", Some(70)),
            ("M", None),
            ("C", Some(40)),
            ("D", Some(0))
        ]
    );
    // M has no threshold: no points total reaches it.
    assert!((0..=100).all(|points| grade_of(tax, points) != "M"));
    assert_eq!(grade_of(tax, 100), "A");
    assert_eq!(grade_of(tax, 90), "A");
    assert_eq!(grade_of(tax, 89), "B");
    assert_eq!(grade_of(tax, 70), "B");
    assert_eq!(grade_of(tax, 69), "C");
    assert_eq!(grade_of(tax, 40), "C");
    assert_eq!(grade_of(tax, 39), "D");
    assert_eq!(grade_of(tax, 0), "D");
}

#[test]
fn each_direct_d_ground_maps_to_d_and_m_needs_70_points() {
    let policy = policy();
    let tax = scheme(&policy, "tax-credit");
    let d = tax.grade_index("D").unwrap();
    let m = tax.grade_index("M").unwrap();
    // The engine keeps the grade listed lowest when several direct grounds hold: D beats M.
    assert!(d > m);
    let mut direct_d = BTreeSet::new();
    for direct in &tax.direct {
        let category = category_id(&policy, direct.category);
        if direct.grade == d {
            assert_eq!(direct.score_at_least, None, "{category}");
            assert!(!direct.basis.is_empty());
            direct_d.insert(category);
        } else if category == "tax.new-taxpayer" {
            assert_eq!(direct.grade, m, "a new firm is M");
            assert_eq!(direct.score_at_least, None);
        } else {
            assert_eq!(direct.grade, m);
            assert_eq!(category, "tax.no-revenue");
            assert_eq!(direct.score_at_least, Some(70));
        }
    }
    assert_eq!(
        direct_d,
        BTreeSet::from([
            "tax.evasion",
            "tax.false-invoices",
            "tax.unpaid-assessment",
            "tax.violent-refusal"
        ])
    );
    // The D list's grounds are the direct-D offences, and the grade D reached on points.
    let d_list = list(&policy, "tax-d-list");
    let grounds: BTreeSet<&str> = d_list
        .grounds
        .iter()
        .filter_map(|g| g.category)
        .map(|c| category_id(&policy, c))
        .collect();
    assert_eq!(grounds, direct_d);
    let rated: Vec<_> = d_list.grounds.iter().filter_map(|g| g.rated).collect();
    let tax = policy.scheme_index("tax-credit").unwrap();
    assert_eq!(rated.len(), 1);
    assert_eq!(usize::from(rated[0].scheme), tax);
    assert_eq!(
        policy.schemes[tax].grades[usize::from(rated[0].grade)].name,
        "D"
    );
}

#[test]
fn tax_d_list_is_published_for_organisations_with_tax_restrictions() {
    let policy = policy();
    let d_list = list(&policy, "tax-d-list");
    assert_eq!(d_list.colour, Colour::Black);
    assert!(d_list.subjects.organisation && !d_list.subjects.person);
    assert!(d_list.publish.organisation);
    assert_eq!(d_list.context.as_str(), "tax");
    for ground in &d_list.grounds {
        assert_eq!(ground.duration, Some(Duration::Years(3)), "{}", ground.id);
        if ground.rated.is_some() {
            // An entry on the grade ends with the grade: nothing to repair but its records.
            assert_eq!(ground.repair_after, None);
            continue;
        }
        assert_eq!(
            ground.repair_after,
            Some(Duration::Years(1)),
            "{}",
            ground.id
        );
    }
    let restrictions: BTreeSet<&str> = measures_on_list(&policy, "tax-d-list")
        .iter()
        .map(|m| {
            assert_eq!(m.effect, Effect::Restriction);
            assert_eq!(m.context.as_str(), "tax");
            assert_eq!(m.relying_parties, ["tax-bureau"]);
            m.id.as_str()
        })
        .collect();
    assert_eq!(
        restrictions,
        BTreeSet::from([
            "tax-d-restricted-invoices",
            "tax-d-strict-export-refund-review"
        ])
    );
    for id in [
        "tax-a-more-invoices",
        "tax-a-fewer-inspections",
        "tax-a-approval-green-channel",
    ] {
        assert_eq!(measure(&policy, id).effect, Effect::Reward, "{id}");
    }
}

#[test]
fn environmental_colours_restrict_only_through_the_violators_list() {
    let policy = policy();
    let env = scheme(&policy, "env-credit");
    let names: Vec<&str> = env.grades.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["green", "blue", "yellow", "red", "black"]);
    let index = policy.scheme_index("env-credit").unwrap();
    assert!(!policy.measures.iter().any(|m| matches!(
        &m.trigger,
        Trigger::SchemeGrades { scheme, .. } | Trigger::SchemeScore { scheme, .. } if *scheme == index
    ) && m.effect == Effect::Restriction));
    let violators = list(&policy, "env-serious-violators");
    let when: Vec<&str> = violators
        .grounds
        .iter()
        .map(|g| g.when_text.as_deref().unwrap())
        .collect();
    assert_eq!(when, ["severity == \"serious\"", "severity == \"grave\""]);
    let measures = measures_on_list(&policy, "env-serious-violators");
    let contexts: BTreeSet<&str> = measures.iter().map(|m| m.context.as_str()).collect();
    assert_eq!(contexts, BTreeSet::from(["environment", "utilities"]));
    for m in measures {
        assert_eq!(m.effect, Effect::Restriction);
        if m.context.as_str() != "environment" {
            assert!(m.link.is_some(), "{} crosses contexts without a link", m.id);
        }
    }
}

// --- credit-repair ----------------------------------------------------------------------------

#[test]
fn penalty_publication_follows_the_ndrc_tiers() {
    let policy = policy();
    let publication = list(&policy, "penalty-publication");
    assert!(publication.subjects.organisation && !publication.subjects.person);
    assert!(publication.publish.organisation && !publication.publish.person);
    assert!(publication.exits.repair && publication.exits.retraction);
    let tiers: Vec<(&str, Option<Duration>, Option<Duration>)> = publication
        .grounds
        .iter()
        .map(|g| (g.id.as_str(), g.duration, g.repair_after))
        .collect();
    assert_eq!(
        tiers,
        [
            (
                "general",
                Some(Duration::Years(1)),
                Some(Duration::Months(3))
            ),
            (
                "serious",
                Some(Duration::Years(3)),
                Some(Duration::Years(1))
            ),
        ]
    );
}

#[test]
fn procurement_exclusion_needs_a_serious_penalty() {
    let policy = policy();
    let exclusion = measure(&policy, "procurement-exclusion");
    assert_eq!(exclusion.effect, Effect::Restriction);
    assert_eq!(exclusion.context.as_str(), "procurement");
    assert!(
        exclusion
            .link
            .as_deref()
            .is_some_and(|l| l.contains("Art. 22"))
    );
    let Trigger::List(l) = exclusion.trigger else {
        panic!("not on a list")
    };
    let list = &policy.lists[l];
    assert!(!list.subjects.person);
    let when: Vec<&str> = list
        .grounds
        .iter()
        .map(|g| g.when_text.as_deref().unwrap())
        .collect();
    assert_eq!(when, ["severity == \"serious\""]);
    assert_eq!(list.grounds[0].duration, Some(Duration::Years(3)));
}

// --- the public catalogue --------------------------------------------------------------------

#[test]
fn the_catalogue_publishes_what_is_evaluated() {
    let policy = policy();
    let catalogue = credence_policy::describe::describe(&policy);
    for published in [
        "grades: AAA from 1050; AA from 1030; A from 960; B from 850; C from 600; D from 0",
        "- ground 1: Able to perform but refuses to perform",
        "listed until the obligation is performed",
        "listed for 2y, extendable",
        "- extension: 1y to 3y",
        "- never listed: The debtor is a minor",
        "grades: A from 90; B from 70; M only by a direct ground; C from 40; D from 0",
        "bands: excellent from 700; very-good from 650; good from 600; medium from 550; poor from 350",
        "Published: organisations only (persons never are)",
        "| `xiamen-egret` at least 530 |",
    ] {
        assert!(
            catalogue.contains(published),
            "the catalogue lacks `{published}`"
        );
    }
    // Every measure is published with its legal basis.
    for measure in &policy.measures {
        assert!(
            catalogue.contains(&format!("(`{}`)", measure.id)),
            "{}",
            measure.id
        );
        assert!(catalogue.contains(&measure.basis), "{}", measure.id);
    }
}
