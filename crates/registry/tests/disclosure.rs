//! A subject's disclosure in its public form: everything the subject is owed (what the text
//! report says), and nothing the registry keeps for itself (pseudonyms, the store's row ids,
//! positions in the registry's history).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_registry::answer::OTHER_SUBJECT;
use credence_registry::registry::Registry;
use credence_store::Store;

const ORGANISATION: &str = "91110000600037341L";
const TODAY: &str = "2026-11-01";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn person(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
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

fn row(reference: &str, action: &str, subject: &str, category: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"{action}","subject":"{subject}","category":"{category}","date":"{date}","attributes":{{}}}}"#
    )
}

fn representative(reference: &str, person: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{ORGANISATION}","category":"registry.legal-representative","date":"{date}","attributes":{{"person":"{person}"}}}}"#
    )
}

fn dishonest(reference: &str, subject: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"{date}","attributes":{{"case":"(2025)京0105执{reference}号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}}}}"#
    )
}

fn dispute(reference: &str, subject: &str, target: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"dispute","subject":"{subject}","category":"court.dishonest-conduct","target":"{target}","date":"{date}","attributes":{{}}}}"#
    )
}

/// Every object key anywhere in `value`.
fn keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys(inner, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// Runs of at least 32 hexadecimal digits: what a pseudonym (or any hash) looks like.
fn hex_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            if run.len() >= 32 {
                runs.push(run.clone());
            }
            run.clear();
        }
    }
    runs
}

/// The facts the text report states, as they must appear in the JSON: every value written in
/// backticks, every date, every basis, every access's party, purpose and outcome, every score.
fn facts_of(text: &str) -> Vec<String> {
    let mut facts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        facts.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    let bytes = text.as_bytes();
    for i in 0..bytes.len().saturating_sub(9) {
        let candidate = &text.get(i..i + 10).unwrap_or("");
        if Day::parse(candidate).is_ok() && candidate.as_bytes()[4] == b'-' {
            facts.push((*candidate).to_owned());
        }
    }
    let mut in_accesses = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(basis) = line.strip_prefix("basis: ") {
            facts.push(basis.to_owned());
        }
        if line.starts_with("Who looked") {
            in_accesses = true;
            continue;
        }
        if in_accesses {
            // `{day} {party}: {purpose} — {outcome}`
            let (_, rest) = line.split_once(' ').unwrap();
            let (party, rest) = rest.split_once(": ").unwrap();
            let (purpose, outcome) = rest.split_once(" — ").unwrap();
            facts.extend([party.to_owned(), purpose.to_owned(), outcome.to_owned()]);
        }
        if let Some((_, score)) = line.split_once(": score ") {
            let (score, band) = score.split_once(", band ").unwrap();
            facts.push(format!("\"score\":{score}"));
            facts.push(format!("\"band\":\"{band}\""));
        }
        if let Some((_, points)) = line.split_once(": ")
            && let Some((points, grade)) = points.split_once(" points, grade ")
        {
            facts.push(format!("\"points\":{points}"));
            facts.push(format!("\"grade\":\"{grade}\""));
        }
        if let Some(masked) = line
            .strip_prefix("Subject ")
            .and_then(|l| l.split(' ').next())
        {
            facts.push(masked.to_owned());
        }
        if let Some(masked) = line.strip_prefix("As legal representative of organisation ") {
            facts.push(masked.to_owned());
        }
    }
    facts
}

#[test]
fn a_report_in_json_holds_no_pseudonym_no_internal_id_and_all_the_text_says() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let debtor = person("11010519491231002");
    let chair = person("11010519700101001");
    let unknown_chair = person("11010519800202002");
    ingest(
        &mut registry,
        "market-regulator",
        &[
            representative("rep-1", &chair, "2024-01-01"),
            representative("rep-2", &unknown_chair, "2026-09-01"),
        ],
    );
    ingest(
        &mut registry,
        "court",
        &[
            dishonest("c1", &debtor, "2025-06-01"),
            dishonest("c2", ORGANISATION, "2025-07-01"),
            dishonest("c3", &chair, "2025-08-01"),
            dispute("d1", &debtor, "c1", "2026-10-20"),
        ],
    );
    ingest(
        &mut registry,
        "civic-office",
        &[
            row("v1", "consent", &debtor, "civic-points", "2025-01-01"),
            r#"{"ref":"v2","action":"record","subject":"DEBTOR","category":"civic.commendation","date":"2025-02-01","attributes":{"level":"city"}}"#
                .replace("DEBTOR", &debtor),
        ],
    );
    let told = registry
        .check(&debtor, "no-flights", day(TODAY), "airline", 1_000)
        .unwrap();
    assert!(told.applies);

    for subject in [&debtor, &chair, ORGANISATION] {
        let report = registry
            .report(subject, day(TODAY), day(TODAY), 2_000)
            .unwrap();
        let json = serde_json::to_string(&report).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();

        // No pseudonym: not the subject's, not any other subject's, and nothing shaped like one.
        for named in [&debtor, &chair, &unknown_chair, &ORGANISATION.to_owned()] {
            let pseudonym = registry.pseudonym_of(named).unwrap();
            assert!(!json.contains(&pseudonym), "{named}'s pseudonym in {json}");
        }
        assert_eq!(hex_runs(&json), Vec::<String>::new(), "{json}");

        // No row id and no position in the registry's history: no field can hold one, and the
        // file's events are numbered by their place in the subject's own file.
        let mut names = Vec::new();
        keys(&value, &mut names);
        for internal in ["id", "seq", "pseudonym"] {
            assert!(
                !names.iter().any(|k| k == internal),
                "`{internal}` in {json}"
            );
        }
        let pseudonym = registry.pseudonym_of(subject).unwrap();
        let (stored, events) = registry
            .store()
            .verified_subject(&pseudonym)
            .unwrap()
            .expect("every subject here has records");
        assert!(!json.contains(&format!("\"subject\":{}", stored.id)));
        let numbered: Vec<u64> = value["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["index"].as_u64().unwrap())
            .collect();
        assert_eq!(numbered, (0..events.len() as u64).collect::<Vec<_>>());
        assert!(
            events.iter().any(|e| e.seq > events.len() as u64),
            "the history's positions differ from the file's numbering, so a leak would show"
        );
        for e in value["events"].as_array().unwrap() {
            assert!(e.get("seq").is_none());
        }
        // The accesses carry who asked and what they were told, not whom they were about.
        for access in value["accesses"].as_array().unwrap() {
            assert!(access.get("subject").is_none(), "{access}");
        }

        // Still everything the text report says.
        let text = credence_registry::render::report_text(&report, registry.policy());
        let facts = facts_of(&text);
        assert!(facts.len() > 10, "{facts:?} from {text}");
        for fact in facts {
            assert!(
                json.contains(&fact),
                "`{fact}` said in\n{text}\nbut not in {json}"
            );
        }
        assert_eq!(value["subject"], serde_json::json!(stored.masked));
        assert_eq!(value["kind"], serde_json::json!(stored.kind));
    }

    // The organisation's file names its legal representatives without naming them: neither
    // the chair, whom the registry holds records about, nor the other, about whom it holds
    // nothing.
    let report = registry
        .report(ORGANISATION, day(TODAY), day(TODAY), 3_000)
        .unwrap();
    let shown: Vec<String> = report
        .events
        .iter()
        .filter(|e| e.category == "registry.legal-representative")
        .map(|e| e.attributes["person"].to_string())
        .collect();
    assert_eq!(shown, [OTHER_SUBJECT, OTHER_SUBJECT]);
    let recorded: Vec<String> = report
        .standing
        .records
        .iter()
        .filter(|r| r.category == "registry.legal-representative")
        .map(|r| r.attributes["person"].to_string())
        .collect();
    assert_eq!(
        recorded, shown,
        "the explanation's records are masked alike"
    );

    // The debtor's disclosure lists the airline's check with what it was told.
    let report = registry
        .report(&debtor, day(TODAY), day(TODAY), 4_000)
        .unwrap();
    assert!(
        report
            .accesses
            .iter()
            .any(|a| a.party == "airline" && a.outcome.starts_with("applies")),
        "{:?}",
        report.accesses
    );
}
