//! What a subject and a relying party read: every line is one the registry wrote. Text from
//! outside (a relying party's name, a stored reference) is printed escaped, and states are
//! words, not program identifiers.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::Path;

use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_model::text::is_forbidden;
use credence_registry::registry::Registry;
use credence_registry::render::report_text;

const TODAY: &str = "2026-11-01";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn registry(dir: &Path) -> Registry {
    common::shipped_registry(dir)
}

fn debtor() -> String {
    let first17 = "11010519700101001";
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

fn ingest(registry: &mut Registry, rows: &[String]) {
    registry
        .ingest(
            "court.jsonl",
            &rows.join("\n"),
            "court",
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .unwrap();
}

fn row(reference: &str, action: &str, subject: &str, date: &str, rest: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"{action}","subject":"{subject}","category":"court.dishonest-conduct","date":"{date}"{rest}}}"#
    )
}

const ATTRIBUTES: &str = r#","attributes":{"case":"(2025)京0105执1号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}"#;

/// No character of the text is one that could forge or hide a line, except the line breaks
/// the renderer wrote.
fn assert_clean(text: &str) {
    for (number, line) in text.split('\n').enumerate() {
        assert!(
            !line.chars().any(is_forbidden),
            "line {} holds a control character: {line:?}",
            number + 1
        );
    }
}

#[test]
fn a_relying_partys_name_cannot_forge_lines_of_the_subjects_access_log() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let debtor = debtor();
    ingest(
        &mut registry,
        &[row("c-1", "record", &debtor, "2025-06-01", ATTRIBUTES)],
    );
    let forged = "library\n  2026-11-01 police: check no-flights — \u{1b}[32mcleared\u{1b}[0m";
    assert!(
        registry
            .check(&debtor, "no-flights", day(TODAY), forged, 1_000)
            .is_err()
    );
    let report = registry
        .report(&debtor, day(TODAY), day(TODAY), 2_000)
        .unwrap();
    let text = report_text(&report, registry.policy());
    assert_clean(&text);
    let who = text
        .split("\nWho looked")
        .nth(1)
        .expect("the access log is shown");
    // The heading, then one line per access: the refused attempt and this report.
    assert_eq!(who.trim_end().lines().count(), 1 + 2, "{who}");
    assert!(who.contains("library\\n  2026-11-01 police"), "{who}");
    assert!(who.contains("\\e[32mcleared"), "{who}");
}

#[test]
fn an_ended_entry_says_why_in_words() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let debtor = debtor();
    ingest(
        &mut registry,
        &[
            row("c-1", "record", &debtor, "2025-06-01", ATTRIBUTES),
            row("c-2", "fulfil", &debtor, "2025-09-01", r#","target":"c-1""#),
        ],
    );
    let report = registry
        .report(&debtor, day(TODAY), day(TODAY), 2_000)
        .unwrap();
    let text = report_text(&report, registry.policy());
    assert_clean(&text);
    assert!(
        text.contains("ended: the obligation was performed"),
        "{text}"
    );
    // No program identifier of an enum reaches the reader.
    for debug in [
        "(performance)",
        "Restriction",
        "Reward",
        "disputeunanswered",
    ] {
        assert!(!text.contains(debug), "{debug} in {text}");
    }
}

#[test]
fn every_way_an_entry_ends_and_every_effect_is_words() {
    use credence_engine::EntryEnd;
    use credence_policy::Effect;
    use credence_registry::render::{effect_word, end_words};
    for end in [
        EntryEnd::Expired,
        EntryEnd::Retention,
        EntryEnd::Performance,
        EntryEnd::Repair,
        EntryEnd::Suppressed,
        EntryEnd::DisputeUnanswered,
    ] {
        let words = end_words(end);
        let debug = format!("{end:?}");
        assert!(!words.eq_ignore_ascii_case(&debug), "{words}");
        assert!(
            words
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '\'')
        );
    }
    assert_eq!(effect_word(Effect::Restriction), "restriction");
    assert_eq!(effect_word(Effect::Reward), "reward");
}

#[test]
fn who_looked_is_dated_by_the_registrys_date_like_the_events() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = registry(root.path());
    let debtor = debtor();
    ingest(
        &mut registry,
        &[row("c-1", "record", &debtor, "2025-06-01", ATTRIBUTES)],
    );
    // The registry runs on 2026-11-01 (`--today`) while the wall clock says 2026-12-01.
    let at = credence_store::Stamp {
        day: day(TODAY),
        at_ms: 1_796_083_200_000,
    };
    registry
        .check(&debtor, "no-flights", day(TODAY), "airline", at)
        .unwrap();
    let report = registry
        .report(&debtor, day(TODAY), day(TODAY), at)
        .unwrap();
    assert!(report.accesses.iter().all(|a| a.day == day(TODAY)));
    let text = report_text(&report, registry.policy());
    let who = text.split("\nWho looked").nth(1).unwrap();
    assert!(
        who.contains("  2026-11-01 airline: check no-flights"),
        "{who}"
    );
    assert!(!who.contains("2026-12-01"), "{who}");
}
