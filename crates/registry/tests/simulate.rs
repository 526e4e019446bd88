//! Impact simulation on a small population whose outcomes are worked out by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_policy::PolicySource;
use credence_registry::registry::Registry;
use credence_registry::simulate::simulate;

const TODAY: &str = "2026-11-01";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn person(n: u32) -> String {
    let first17 = format!("110105198001{n:02}{:03}", 100 + n);
    format!("{first17}{}", resident_id_check_char(&first17).unwrap())
}

fn ingest(registry: &mut Registry, source: &str, rows: &[String]) {
    registry
        .ingest(
            &format!("{source}.jsonl"),
            &rows.join("\n"),
            source,
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .unwrap();
}

fn row(
    reference: &str,
    action: &str,
    subject: &str,
    category: &str,
    date: &str,
    attributes: &str,
) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"{action}","subject":"{subject}","category":"{category}","date":"{date}","attributes":{{{attributes}}}}}"#
    )
}

/// The shipped pack whose file name starts with `name`, with `from` replaced by `to`.
fn draft(name: &str, from: &str, to: &str) -> PolicySource {
    let (packs, _) = common::shipped_packs();
    let pack = packs.into_iter().find(|p| p.name.contains(name)).unwrap();
    assert!(
        pack.text.contains(from),
        "the pack no longer holds {from:?}"
    );
    PolicySource {
        name: format!("draft/{name}.toml"),
        text: pack.text.replace(from, to),
    }
}

/// Seven people, as of 2026-11-01 (civic points start at 1000; AA from 1030, A from 960, B
/// from 850):
/// 1. consents, one serious traffic violation: 980, A;
/// 2. consents, nothing else: 1000, A;
/// 3. consents, one grave violation: 950, B;
/// 4. a serious violation without consent: not scored;
/// 5. consents, a city commendation (+20) and a serious violation: 1000, A;
/// 6. consents, a national commendation (+50) and a serious violation: 1030, AA (library
///    deposit waived);
/// 7. a court finding on ground 1 in a case with an adequate guarantee: the guarantee bars the
///    listing.
fn population(registry: &mut Registry) {
    let consent = |n: u32| {
        row(
            &format!("k{n}"),
            "consent",
            &person(n),
            "civic-points",
            "2026-01-05",
            "",
        )
    };
    ingest(
        registry,
        "civic-office",
        &[
            consent(1),
            consent(2),
            consent(3),
            consent(5),
            consent(6),
            row(
                "m5",
                "record",
                &person(5),
                "civic.commendation",
                "2026-03-01",
                r#""level":"city""#,
            ),
            row(
                "m6",
                "record",
                &person(6),
                "civic.commendation",
                "2026-03-01",
                r#""level":"national""#,
            ),
        ],
    );
    let serious = |n: u32| {
        row(
            &format!("t{n}"),
            "record",
            &person(n),
            "traffic.violation",
            "2026-06-01",
            r#""severity":"serious""#,
        )
    };
    ingest(
        registry,
        "traffic-police",
        &[
            serious(1),
            row(
                "t3",
                "record",
                &person(3),
                "traffic.violation",
                "2026-06-01",
                r#""severity":"grave""#,
            ),
            serious(4),
            serious(5),
            serious(6),
        ],
    );
    ingest(
        registry,
        "court",
        &[
            row(
                "c7",
                "record",
                &person(7),
                "court.dishonest-conduct",
                "2026-05-01",
                r#""case":"(2026)京0105执7号","court":"Chaoyang","ground":"refuses","amount":"50000.00""#,
            ),
            row(
                "g7",
                "record",
                &person(7),
                "court.guarantee",
                "2026-04-01",
                r#""case":"(2026)京0105执7号""#,
            ),
        ],
    );
}

fn cell(impact: &credence_engine::impact::Impact, scheme: &str, from: &str, to: &str) -> u64 {
    let s = impact.schemes.iter().find(|s| s.scheme == scheme).unwrap();
    let i = s.from.iter().position(|g| g == from).unwrap();
    let j = s.to.iter().position(|g| g == to).unwrap();
    s.matrix[i][j]
}

#[test]
fn tightening_a_points_rule_moves_exactly_the_subjects_worked_out_by_hand() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    population(&mut registry);
    // The draft: a serious traffic violation costs 50 points instead of 20.
    let drafts = [draft(
        "civic-points",
        "when = 'severity == \"serious\"'\npoints = -20",
        "when = 'severity == \"serious\"'\npoints = -50",
    )];
    let simulation = simulate(&registry, &drafts, day(TODAY), &mut |_| {}).unwrap();
    let impact = &simulation.impact;
    assert_eq!(impact.subjects, 7);
    assert!(
        simulation.replaces[0]
            .1
            .as_deref()
            .is_some_and(|p| p.contains("civic-points")),
        "{:?}",
        simulation.replaces
    );
    // 1: A → B (950); 5: A → A (970); 6: AA → A (1000); 2 and 3 keep theirs; 4 and 7 are not
    // scored.
    assert_eq!(cell(impact, "civic-points", "A", "B"), 1);
    assert_eq!(cell(impact, "civic-points", "A", "A"), 2);
    assert_eq!(cell(impact, "civic-points", "AA", "A"), 1);
    assert_eq!(cell(impact, "civic-points", "B", "B"), 1);
    assert_eq!(cell(impact, "civic-points", "not scored", "not scored"), 2);
    let total: u64 = impact
        .schemes
        .iter()
        .find(|s| s.scheme == "civic-points")
        .unwrap()
        .matrix
        .iter()
        .flatten()
        .sum();
    assert_eq!(total, 7);
    // 6 loses the library deposit waiver; no one gains it.
    let library = impact
        .measures
        .iter()
        .find(|m| m.measure == "civic-library-deposit-waived")
        .unwrap();
    assert_eq!(
        (
            library.before,
            library.after,
            library.gaining,
            library.losing
        ),
        (1, 0, 0, 1)
    );
    // Nobody enters or leaves a list.
    assert!(
        impact
            .lists
            .iter()
            .all(|l| l.entering == 0 && l.leaving == 0),
        "{:?}",
        impact.lists
    );
    assert!(!impact.is_unchanged());
}

#[test]
fn dropping_a_bar_lists_the_subject_it_protected() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    population(&mut registry);
    let drafts = [draft(
        "court-dishonest-debtors",
        "[[list.bar]]\nid = \"guarantee\"\ntitle = \"An adequate guarantee has been provided\"\ngrounds = [\"1\"]\ncategory = \"court.guarantee\"\nsame = \"case\"\nbasis = \"Art. 3(1)\"\n",
        "",
    )];
    let impact = simulate(&registry, &drafts, day(TODAY), &mut |_| {})
        .unwrap()
        .impact;
    let list = impact
        .lists
        .iter()
        .find(|l| l.list == "dishonest-debtors")
        .unwrap();
    assert_eq!(
        (list.before, list.after, list.entering, list.leaving),
        (0, 1, 1, 0)
    );
    let flights = impact
        .measures
        .iter()
        .find(|m| m.measure == "no-flights")
        .unwrap();
    assert_eq!((flights.gaining, flights.losing), (1, 0));
    // The civic points are untouched by a court pack draft.
    assert_eq!(cell(&impact, "civic-points", "A", "A"), 3);
}

#[test]
fn the_published_set_as_its_own_draft_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    population(&mut registry);
    let drafts = [draft("civic-points", "points = -20", "points = -20")];
    let impact = simulate(&registry, &drafts, day(TODAY), &mut |_| {})
        .unwrap()
        .impact;
    assert!(impact.is_unchanged(), "{impact:?}");
    assert_eq!(impact.subjects, 7);
}

#[test]
fn a_draft_with_errors_is_refused_with_its_diagnostics() {
    let root = tempfile::tempdir().unwrap();
    let registry = common::shipped_registry(root.path());
    let drafts = [draft("civic-points", "points = -20", "points = \"many\"")];
    let error = simulate(&registry, &drafts, day(TODAY), &mut |_| {}).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("draft/civic-points.toml"), "{message}");
}
