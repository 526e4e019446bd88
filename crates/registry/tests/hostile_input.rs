//! Input crafted to hurt: values that made a parser recurse once per character, nesting
//! deeper than any stack, control characters that forge lines of an answer, dates beyond the
//! accepted range and files that reach the error cap. Each is refused by line and field, and
//! nothing panics or aborts.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::Path;

use credence_model::Day;
use credence_policy::{Policy, PolicySource, compile};
use credence_registry::intake::{
    ERRORS_MAX, Format, IntakeContext, IntakeErrors, IntakeFailure, read_batch,
};
use credence_registry::sources::parse_sources;
use credence_registry::submission::ReadError;
use credence_store::{SourceRecord, SqliteStore};

const PERSON: &str = "11010519491231002X";

struct Fixture {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    policy: Policy,
    court: SourceRecord,
}

fn fixture() -> Fixture {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let packs: Vec<PolicySource> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    let policy = compile(&packs).unwrap_or_else(|d| panic!("{d}"));
    let sources = parse_sources(
        "sources.toml",
        &std::fs::read_to_string(root.join("sources.toml")).unwrap(),
        &policy,
    )
    .unwrap();
    let court = sources.into_iter().find(|s| s.id == "court").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::create(dir.path()).unwrap();
    Fixture {
        _dir: dir,
        store,
        policy,
        court,
    }
}

impl Fixture {
    fn context(&self) -> IntakeContext<'_> {
        IntakeContext {
            policy: &self.policy,
            source: &self.court,
            pseudonym_key: b"key",
            today: Day::parse("2026-11-01").unwrap(),
            recorded_at_ms: 0,
        }
    }

    fn read(&self, text: &str, format: Format) -> Result<usize, IntakeErrors> {
        let context = self.context();
        match read_batch(&context, "hostile", text, format, &self.store) {
            Ok(batch) => Ok(batch.events.len()),
            Err(IntakeFailure::Rejected(errors)) => Err(errors),
            Err(other) => panic!("{other}"),
        }
    }

    fn reject(&self, text: &str, format: Format) -> IntakeErrors {
        match self.read(text, format) {
            Ok(n) => panic!("accepted {n} events from {text:?}"),
            Err(errors) => errors,
        }
    }
}

/// A court record as one JSONL line, with `amount` and `case` as given (JSON text).
fn court_row(case: &str, amount: &str) -> String {
    format!(
        r#"{{"ref":"c-1","action":"record","subject":"{PERSON}","category":"court.dishonest-conduct","date":"2024-03-01","attributes":{{"case":{case},"court":"Beijing No. 1 Intermediate Court","ground":"refuses","amount":{amount}}}}}"#
    )
}

const CSV_HEADER: &str = "ref,action,subject,category,date,case,court,ground,amount\n";

fn csv_row(case: &str, amount: &str) -> String {
    format!(
        "{CSV_HEADER}c-1,record,{PERSON},court.dishonest-conduct,2024-03-01,{case},Beijing No. 1 \
         Intermediate Court,refuses,{amount}\n"
    )
}

fn message(errors: &IntakeErrors, line: usize, field: &str) -> String {
    errors
        .errors
        .iter()
        .find(|e| e.line == line && e.field == field)
        .map(|e| e.message.clone())
        .unwrap_or_else(|| panic!("no error at line {line}, field {field}: {errors}"))
}

#[test]
fn the_fixture_row_is_accepted() {
    let f = fixture();
    assert_eq!(
        f.read(&court_row("\"(2024)1\"", "\"15000.00\""), Format::Jsonl),
        Ok(1)
    );
    assert_eq!(f.read(&csv_row("(2024)1", "15000.00"), Format::Csv), Ok(1));
}

#[test]
fn a_money_value_of_thousands_of_minus_signs_is_refused_without_recursion() {
    let f = fixture();
    // A row may be 64 KiB: nearly all of it minus signs.
    let minus = "-".repeat(60_000);
    let errors = f.reject(
        &court_row("\"(2024)1\"", &format!("\"{minus}\"")),
        Format::Jsonl,
    );
    let text = message(&errors, 1, "attributes.amount");
    assert!(text.contains("is not an amount"), "{text}");
    let errors = f.reject(&csv_row("(2024)1", &minus), Format::Csv);
    let text = message(&errors, 2, "amount");
    assert!(text.contains("is not an amount"), "{text}");
    // The one sign that means something is still named.
    let errors = f.reject(&court_row("\"(2024)1\"", "\"-5.00\""), Format::Jsonl);
    assert!(message(&errors, 1, "attributes.amount").contains("is negative"));
    let errors = f.reject(&court_row("\"(2024)1\"", "\"--5.00\""), Format::Jsonl);
    assert!(message(&errors, 1, "attributes.amount").contains("is not an amount"));
}

#[test]
fn json_nested_deeper_than_any_stack_is_refused_as_malformed() {
    let f = fixture();
    let depth = 30_000;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    // As a field of the row, as an attribute value, and as the whole line.
    for line in [
        court_row(&deep, "\"1.00\""),
        court_row("\"(2024)1\"", &deep),
        format!(r#"{{"ref":{deep}}}"#),
        deep.clone(),
        format!("{}1", "{\"a\":".repeat(depth / 5)),
    ] {
        let errors = f.reject(&line, Format::Jsonl);
        assert!(errors.errors.iter().all(|e| e.line == 1), "{errors}");
        assert!(errors.to_string().len() < 4_000, "{errors}");
    }
    // serde_json skips a raw value without recursing and refuses nested values it would
    // build at its recursion limit; either way the message quotes a shortened value.
    let errors = f.reject(&format!(r#"{{"ref":{deep}}}"#), Format::Jsonl);
    let text = message(&errors, 1, "ref");
    assert!(
        text.contains("is not a string") && text.len() < 200,
        "{text}"
    );
}

/// Every place a row holds text, with a value carrying `bad`.
fn rows_with(bad: &str) -> Vec<(String, &'static str)> {
    let json = serde_json::to_string(bad).unwrap();
    let good_case = "\"(2024)1\"";
    let base = court_row(good_case, "\"1.00\"");
    let replace = |from: &str, to: String| base.replacen(from, &to, 1);
    vec![
        (
            court_row(
                &serde_json::to_string(&format!("(2024){bad}1")).unwrap(),
                "\"1.00\"",
            ),
            "attributes.case",
        ),
        (
            replace(
                "\"Beijing No. 1 Intermediate Court\"",
                serde_json::to_string(&format!("Court{bad}remedy: pay 10000 yuan")).unwrap(),
            ),
            "attributes.court",
        ),
        (
            replace(
                "\"c-1\"",
                serde_json::to_string(&format!("c-1{bad}")).unwrap(),
            ),
            "ref",
        ),
        (
            replace(
                "\"refuses\"",
                serde_json::to_string(&format!("refuses{bad}")).unwrap(),
            ),
            "attributes.ground",
        ),
        (
            replace(
                "\"record\"",
                serde_json::to_string(&format!("record{bad}")).unwrap(),
            ),
            "action",
        ),
        (
            replace(
                "\"court.dishonest-conduct\"",
                serde_json::to_string(&format!("court.dishonest-conduct{bad}")).unwrap(),
            ),
            "category",
        ),
        (
            replace(
                &format!("\"{PERSON}\""),
                serde_json::to_string(&format!("{PERSON}{bad}")).unwrap(),
            ),
            "subject",
        ),
        (
            replace(
                "\"2024-03-01\"",
                serde_json::to_string(&format!("2024-03-01{bad}")).unwrap(),
            ),
            "date",
        ),
        (
            replace("\"1.00\"", format!("\"1.00{}", &json[1..])),
            "attributes.amount",
        ),
    ]
}

#[test]
fn control_characters_in_any_text_field_are_refused_naming_line_and_field() {
    let f = fixture();
    for bad in [
        "\n",
        "\r",
        "\t",
        "\0",
        "\u{1b}[2J",
        "\u{7f}",
        "\u{85}",
        "\u{202e}",
        "\u{2028}",
    ] {
        for (row, field) in rows_with(bad) {
            let errors = f.reject(&row, Format::Jsonl);
            let text = message(&errors, 1, field);
            // Whatever the field's own complaint, the text printed never holds the character.
            let shown = errors.to_string();
            assert_eq!(
                shown.lines().count(),
                errors.errors.len() + 1,
                "{field}: {bad:?} printed raw in {shown:?}"
            );
            assert!(
                shown
                    .trim_end_matches('\n')
                    .split('\n')
                    .all(|l| !l.contains(bad)),
                "{field}: {bad:?} printed raw in {shown:?}"
            );
            if matches!(
                field,
                "attributes.case" | "attributes.court" | "ref" | "attributes.ground"
            ) {
                assert!(text.contains("may not hold line breaks"), "{field}: {text}");
            }
        }
    }
    // The forged answer line of a text attribute is refused with where it is.
    let errors = f.reject(
        &court_row(
            r#""(2024)1\nremedy: pay 10000 yuan to account 6222""#,
            "\"1.00\"",
        ),
        Format::Jsonl,
    );
    let text = message(&errors, 1, "attributes.case");
    assert!(
        text.contains("character 8 is a line break (U+000A)"),
        "{text}"
    );
}

#[test]
fn control_characters_in_csv_cells_are_refused_naming_line_and_field() {
    let f = fixture();
    // A quoted cell may span lines in CSV; as a case number it would forge a line.
    let errors = f.reject(
        &csv_row("\"(2024)1\nremedy: pay 10000 yuan\"", "1.00"),
        Format::Csv,
    );
    assert!(message(&errors, 2, "case").contains("a line break"));
    let errors = f.reject(&csv_row("(2024)\u{1b}[31m1", "1.00"), Format::Csv);
    assert!(message(&errors, 2, "case").contains("terminal escape"));
    // A NUL is in no text file: the file is refused whole, naming the line and byte.
    let context = f.context();
    let nul = csv_row("(2024)1", "1.00").replace("c-1", "c\u{0}1");
    match read_batch(&context, "hostile.csv", &nul, Format::Csv, &f.store) {
        Err(IntakeFailure::Read(ReadError::Encoding(e))) => {
            assert_eq!(e.line, 2, "{e}");
            assert!(e.to_string().contains("NUL"), "{e}");
        }
        other => panic!("expected the NUL to be refused, got {other:?}"),
    }
}

#[test]
fn attribute_names_with_control_characters_are_printed_escaped() {
    let f = fixture();
    let row = court_row("\"(2024)1\"", "\"1.00\"")
        .replace("\"court\":", "\"court\\u001b[2J\\nline 9: forged\":");
    let errors = f.reject(&row, Format::Jsonl);
    let shown = errors.to_string();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains("\nline 9"),
        "{shown:?}"
    );
    assert!(shown.contains("\\e[2J\\nline 9"), "{shown}");
}

#[test]
fn a_date_beyond_the_accepted_range_says_so_with_the_range() {
    let f = fixture();
    let row = court_row("\"(2024)1\"", "\"1.00\"").replace("2024-03-01", "9999-12-31");
    let text = message(&f.reject(&row, Format::Jsonl), 1, "date");
    assert!(
        text.contains("outside the dates the registry accepts")
            && text.contains("1900-01-01 to 2199-12-31"),
        "{text}"
    );
    let row = court_row("\"(2024)1\"", "\"1.00\"").replace("2024-03-01", "1899-12-31");
    let text = message(&f.reject(&row, Format::Jsonl), 1, "date");
    assert!(text.contains("before 1900-01-01"), "{text}");
}

#[test]
fn a_file_stopped_at_the_error_cap_says_that_validation_stopped_and_where() {
    let f = fixture();
    let lines = ERRORS_MAX + 500;
    let text = "x\n".repeat(lines);
    let errors = f.reject(&text, Format::Jsonl);
    let stopped = errors.stopped.clone().expect("stopped is set");
    assert!(errors.errors.len() >= ERRORS_MAX);
    let last = errors.errors.iter().map(|e| e.line).max().unwrap();
    assert!(last < lines, "rows after the cap were not read");
    assert!(
        stopped.contains("validation stopped")
            && stopped.contains(&format!("line {last}"))
            && stopped.contains("not checked"),
        "{stopped}"
    );
    // Said near the top, not after the errors shown.
    let shown = errors.to_string();
    let second_line = shown.lines().nth(1).unwrap();
    assert!(second_line.contains("validation stopped"), "{second_line}");
    // A file under the cap says nothing of the kind.
    let errors = f.reject("x\nx\n", Format::Jsonl);
    assert_eq!(errors.stopped, None);
    assert!(!errors.to_string().contains("stopped"));
}
