#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! Intake of submitted files: accepted files become batches with typed values and pseudonyms;
//! rejected files list every error by line and field; the reference checks run against a real
//! store.

use std::path::{Path, PathBuf};

use credence_model::id::{resident_id_check_char, uscc_check_char};
use credence_model::{Action, Day, IdOptions, Identifier, SubjectKind, Value};
use credence_policy::{Policy, PolicySource, compile};
use credence_registry::intake::{
    Format, IntakeContext, IntakeErrors, IntakeFailure, hex, hmac_sha256, pseudonym, read_batch,
    read_batch_in_blocks, read_batch_with_progress,
};
use credence_registry::sources::parse_sources;
use credence_registry::submission::ReadError;
use credence_store::{Batch, SourceRecord, SqliteStore, Store};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A small policy with every attribute type, organisation-only and person-only categories and
/// an opt-in scheme.
const PACK: &str = r#"
[policy]
id = "intake-test"
title = "Intake test pack"
authority = "Test"
version = "1"
basis = "Test Law, art. 1"

[[category]]
id = "court.dishonest-conduct"
title = "Dishonest conduct found by an enforcing court"
context = "judicial"
subjects = ["person", "organisation"]
kind = "adjudication"
obligation = "Test Law, art. 2"
retention = "5y"

[category.attributes]
case = { type = "text", title = "Enforcement case number", required = true }
court = { type = "text", title = "Enforcing court", required = true }
ground = { type = "enum", values = ["refuses", "obstructs", "evades", "asset-report", "consumption-order", "settlement"], required = true }
amount = { type = "money", title = "Amount not performed (yuan)" }
aggravated = { type = "bool" }

[[category]]
id = "court.guarantee"
title = "Adequate guarantee provided"
context = "judicial"
subjects = ["person", "organisation"]
kind = "status"
retention = "5y"

[category.attributes]
case = { type = "text", required = true }

[[category]]
id = "court.hearing"
title = "Hearing held"
context = "judicial"
subjects = ["person", "organisation"]
kind = "status"
retention = "5y"

[category.attributes]
held = { type = "date", required = true }
sessions = { type = "int" }

[[category]]
id = "tax.evasion"
title = "Tax evasion"
context = "tax"
subjects = ["organisation"]
kind = "adjudication"
obligation = "Test Law, art. 2"
retention = "5y"

[category.attributes]
amount = { type = "money", required = true }
criminal = { type = "bool", required = true }

[[category]]
id = "traffic.violation"
title = "Traffic violation"
context = "road-safety"
subjects = ["person"]
kind = "breach"
obligation = "Test Law, art. 2"
retention = "3y"

[category.attributes]
severity = { type = "enum", values = ["minor", "serious", "grave"], required = true }
licence_points = { type = "int" }

[[list]]
id = "dishonest-debtors"
title = "Dishonest judgment debtors"
colour = "black"
subjects = ["person", "organisation"]
context = "judicial"
basis = "Test Law, art. 1"
exit = ["performance", "retraction"]
extension = { min = "1y", max = "3y", basis = "Test Law, art. 1" }

[[list.ground]]
id = "2"
title = "Obstructs enforcement"
category = "court.dishonest-conduct"
duration = "2y"
extendable = true
basis = "Test Law, art. 1"

[[scheme]]
id = "civic-points"
title = "Civic points"
subjects = ["person"]
base = 1000
consent = "opt-in"
min_age = 18

[[scheme.rule]]
id = "grave"
category = "traffic.violation"
when = 'severity == "grave"'
points = -20
validity = "1y"
"#;

const SOURCES: &str = r#"
[[source]]
id = "court"
title = "People's courts"
authority = "court"
categories = ["court.dishonest-conduct", "court.guarantee", "court.hearing"]

[[source]]
id = "tax-bureau"
title = "Tax bureaus"
authority = "tax-bureau"
categories = ["tax.evasion"]

[[source]]
id = "market-regulator"
title = "Market regulation"
authority = "market-regulator"
categories = ["registry.legal-representative"]

[[source]]
id = "traffic-police"
title = "Traffic police"
authority = "traffic-police"
categories = ["traffic.violation"]

[[source]]
id = "civic-office"
title = "Civic office"
authority = "civic-office"
categories = ["civic-points"]
"#;

const KEY: &[u8] = b"a registry's secret pseudonym key";
const RECORDED_AT: i64 = 1_782_000_000_000;

fn today() -> Day {
    day("2026-06-30")
}

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn test_policy() -> Policy {
    compile(&[PolicySource {
        name: "intake-test.toml".into(),
        text: PACK.into(),
    }])
    .unwrap_or_else(|d| panic!("{d}"))
}

fn sources(policy: &Policy) -> Vec<SourceRecord> {
    parse_sources("sources.toml", SOURCES, policy).unwrap_or_else(|e| panic!("{e}"))
}

/// A valid resident id from its first 17 digits.
fn resident(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

/// A valid USCC from its first 17 characters.
fn uscc(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).unwrap())
}

const PERSON: &str = "11010519491231002X";
const ORG: &str = "91110000600037341L";
/// A pilot code whose check character does not verify (the valid one ends in L).
const LEGACY: &str = "91110000600037341M";
/// PERSON with its check digit mistyped.
const BAD_CHECK: &str = "110105194912310021";

fn person2() -> String {
    resident("32010219851107543")
}

fn org2() -> String {
    // Positions 9-17 an organisation code with its GB 11714 check character.
    uscc("91440300MA5D12340")
}

struct Registry {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    policy: Policy,
    sources: Vec<SourceRecord>,
}

impl Registry {
    fn new() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::create(dir.path()).unwrap();
        let policy = test_policy();
        let sources = sources(&policy);
        store.publish(&[], &sources).unwrap();
        Registry {
            _dir: dir,
            store,
            policy,
            sources,
        }
    }

    fn source(&self, id: &str) -> &SourceRecord {
        self.sources.iter().find(|s| s.id == id).unwrap()
    }

    fn context<'a>(&'a self, source: &str) -> IntakeContext<'a> {
        IntakeContext {
            policy: &self.policy,
            source: self.source(source),
            pseudonym_key: KEY,
            today: today(),
            recorded_at_ms: RECORDED_AT,
        }
    }

    /// Reads the file as intake does, and again in blocks of a few bytes (a line or a record
    /// each): what is checked against the rows before must not depend on how the file is cut,
    /// so both give the same batch or the same errors.
    fn read(&self, source: &str, text: &str, format: Format) -> Result<Batch, IntakeFailure> {
        let name = match format {
            Format::Jsonl => "file.jsonl",
            Format::Csv => "file.csv",
        };
        let whole = read_batch(&self.context(source), name, text, format, &self.store);
        let block_bytes = if text.len() < 100_000 { 1 } else { 64 * 1024 };
        let cut = read_batch_in_blocks(
            &self.context(source),
            name,
            text.into(),
            format,
            &self.store,
            block_bytes,
            &mut |_| {},
        );
        assert_eq!(
            outcome(&whole),
            outcome(&cut),
            "the file read whole and in blocks of {block_bytes} bytes"
        );
        whole
    }

    fn accept(&self, source: &str, text: &str, format: Format) -> Batch {
        match self.read(source, text, format) {
            Ok(batch) => batch,
            Err(e) => panic!("expected the file to be accepted:\n{e}"),
        }
    }

    fn reject(&self, source: &str, text: &str, format: Format) -> IntakeErrors {
        match self.read(source, text, format) {
            Ok(batch) => panic!("expected a rejection, got {} events", batch.events.len()),
            Err(IntakeFailure::Rejected(errors)) => errors,
            Err(e) => panic!("expected a rejection, got {e}"),
        }
    }

    fn ingest(&mut self, batch: &Batch) -> credence_store::BatchReceipt {
        self.store
            .ingest(batch, &mut |_, _| Vec::new(), &mut |_| {})
            .unwrap()
    }
}

/// What intake made of a file, comparable.
fn outcome(result: &Result<Batch, IntakeFailure>) -> String {
    match result {
        Ok(batch) => format!("{:?}", batch.events),
        Err(IntakeFailure::Rejected(errors)) => format!("{errors:?}"),
        Err(other) => other.to_string(),
    }
}

fn pseudonym_of(text: &str) -> String {
    let id = Identifier::parse(
        text,
        IdOptions {
            allow_legacy_uscc: true,
        },
    )
    .unwrap();
    pseudonym(KEY, &id)
}

/// A JSONL line.
fn row(reference: &str, action: &str, subject: &str, category: &str, date: &str) -> String {
    row_with(reference, action, subject, category, date, "", "{}")
}

fn row_with(
    reference: &str,
    action: &str,
    subject: &str,
    category: &str,
    date: &str,
    extra: &str,
    attributes: &str,
) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"{action}","subject":"{subject}","category":"{category}","date":"{date}"{extra},"attributes":{attributes}}}"#
    )
}

fn conduct(reference: &str, subject: &str, amount: &str) -> String {
    row_with(
        reference,
        "record",
        subject,
        "court.dishonest-conduct",
        "2024-03-01",
        "",
        &format!(
            r#"{{"case":"(2024)京0105执123号","court":"Beijing Chaoyang","ground":"refuses","amount":{amount}}}"#
        ),
    )
}

fn lines(rows: &[String]) -> String {
    let mut text = rows.join("\n");
    text.push('\n');
    text
}

fn assert_error(errors: &IntakeErrors, line: usize, field: &str, needle: &str) {
    let found = errors
        .errors
        .iter()
        .any(|e| e.line == line && e.field == field && e.message.contains(needle));
    assert!(
        found,
        "no error on line {line}, field `{field}` containing {needle:?}; errors:\n{errors}"
    );
}

fn error_lines(errors: &IntakeErrors) -> Vec<(usize, String)> {
    errors
        .errors
        .iter()
        .map(|e| (e.line, e.field.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Pseudonyms

#[test]
fn hmac_matches_rfc_4231() {
    // Test case 1.
    assert_eq!(
        hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    // Test case 2: a key shorter than the block.
    assert_eq!(
        hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // Test case 6: a key longer than the block is hashed first.
    assert_eq!(
        hex(&hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

#[test]
fn pseudonyms_are_keyed_and_canonical() {
    let id = Identifier::parse(PERSON, IdOptions::default()).unwrap();
    let lower = Identifier::parse(&PERSON.to_lowercase(), IdOptions::default()).unwrap();
    assert_eq!(pseudonym(KEY, &id), pseudonym(KEY, &lower));
    assert_eq!(
        pseudonym(KEY, &id),
        hex(&hmac_sha256(KEY, PERSON.as_bytes()))
    );
    assert_ne!(pseudonym(KEY, &id), pseudonym(b"another key", &id));
    assert_eq!(pseudonym(KEY, &id).len(), 64);
    // Every kind of identifier is keyed by its canonical text.
    for (text, canonical) in [
        (ORG, ORG),
        ("91110000600037341m", LEGACY),
        (" PASSPORT:E12345678", "passport:E12345678"),
    ] {
        let id = Identifier::parse(
            text,
            IdOptions {
                allow_legacy_uscc: true,
            },
        )
        .unwrap();
        assert_eq!(id.canonical(), canonical);
        assert_eq!(
            pseudonym(KEY, &id),
            hex(&hmac_sha256(KEY, canonical.as_bytes())),
            "{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Accepted files

#[test]
fn a_good_jsonl_file_becomes_a_batch_with_typed_values_and_pseudonyms() {
    let mut registry = Registry::new();
    let text = lines(&[
        conduct("court-000001", PERSON, r#""15000.00""#),
        row_with(
            "court-000002",
            "record",
            ORG,
            "court.dishonest-conduct",
            "2025-01-31",
            "",
            r#"{"case":"(2025)沪01执9号","court":"Shanghai No. 1","ground":"evades","amount":2500.5,"aggravated":true}"#,
        ),
        String::new(),
        row_with(
            "court-000003",
            "record",
            &person2(),
            "court.hearing",
            "2025-02-01",
            "",
            r#"{"held":"2025-01-15","sessions":3}"#,
        ),
        row_with(
            "court-000004",
            "fulfil",
            PERSON,
            "court.dishonest-conduct",
            "2026-06-30",
            r#","target":"court-000001""#,
            "{}",
        ),
        row_with(
            "court-000005",
            "extend",
            ORG,
            "court.dishonest-conduct",
            "2026-01-01",
            r#","target":"court-000002""#,
            r#"{"months":12}"#,
        ),
    ]);
    let batch = registry.accept("court", &text, Format::Jsonl);
    assert_eq!(batch.source, "court");
    assert_eq!(batch.origin, "file.jsonl");
    assert_eq!(batch.recorded_at_ms, RECORDED_AT);
    assert_eq!(batch.events.len(), 5);

    let first = &batch.events[0];
    assert_eq!(first.subject.pseudonym, pseudonym_of(PERSON));
    assert_eq!(first.subject.kind, SubjectKind::Person);
    assert_eq!(first.subject.birth, Some(day("1949-12-31")));
    assert_eq!(first.subject.masked, "**************002X");
    assert!(first.links.is_empty());
    let event = &first.event;
    assert_eq!(event.seq, 0);
    assert_eq!(event.source, "court");
    assert_eq!(event.reference, "court-000001");
    assert_eq!(event.action, Action::Record);
    assert_eq!(event.category, "court.dishonest-conduct");
    assert_eq!(event.target, None);
    assert_eq!(event.valid, day("2024-03-01"));
    assert_eq!(event.recorded, today());
    assert_eq!(event.attributes["amount"], Value::Int(1_500_000));
    assert_eq!(
        event.attributes["case"],
        Value::Text("(2024)京0105执123号".into())
    );
    assert_eq!(event.attributes["ground"], Value::Text("refuses".into()));
    assert_eq!(event.attributes.len(), 4);

    let second = &batch.events[1];
    assert_eq!(second.subject.kind, SubjectKind::Organisation);
    assert_eq!(second.subject.birth, None);
    assert_eq!(second.subject.pseudonym, pseudonym_of(ORG));
    assert_eq!(second.event.attributes["amount"], Value::Int(250_050));
    assert_eq!(second.event.attributes["aggravated"], Value::Bool(true));

    let third = &batch.events[2];
    assert_eq!(
        third.event.attributes["held"],
        Value::Text("2025-01-15".into())
    );
    assert_eq!(third.event.attributes["sessions"], Value::Int(3));

    let fourth = &batch.events[3];
    assert_eq!(fourth.event.action, Action::Fulfil);
    assert_eq!(fourth.event.target.as_deref(), Some("court-000001"));
    assert_eq!(fourth.event.valid, today());

    assert_eq!(batch.events[4].event.attributes["months"], Value::Int(12));

    let receipt = registry.ingest(&batch);
    assert_eq!(receipt.appended, 5);
    assert_eq!(receipt.subjects, 3);
}

#[test]
fn a_legal_representative_is_stored_as_a_pseudonym_and_a_link() {
    let registry = Registry::new();
    let text = row_with(
        "mr-1",
        "record",
        ORG,
        "registry.legal-representative",
        "2020-05-01",
        "",
        &format!(r#"{{"person":"{PERSON}"}}"#),
    );
    let batch = registry.accept("market-regulator", &text, Format::Jsonl);
    let event = &batch.events[0];
    assert_eq!(
        event.event.attributes["person"],
        Value::Text(pseudonym_of(PERSON))
    );
    assert_eq!(event.links, vec![pseudonym_of(PERSON)]);
    // The representative's identifier itself is nowhere in the batch.
    assert!(!format!("{batch:?}").contains(PERSON));

    let bad = row_with(
        "mr-2",
        "record",
        ORG,
        "registry.legal-representative",
        "2020-05-01",
        "",
        r#"{"person":"Zhang San"}"#,
    );
    let errors = registry.reject("market-regulator", &bad, Format::Jsonl);
    assert_error(
        &errors,
        1,
        "attributes.person",
        "names alone are not accepted",
    );
}

#[test]
fn consent_names_an_opt_in_scheme() {
    let registry = Registry::new();
    let batch = registry.accept(
        "civic-office",
        &lines(&[
            row("c-1", "consent", PERSON, "civic-points", "2026-01-05"),
            row("c-2", "withdraw", PERSON, "civic-points", "2026-03-05"),
        ]),
        Format::Jsonl,
    );
    assert_eq!(batch.events[0].event.category, "civic-points");
    assert_eq!(batch.events[1].event.action, Action::Withdraw);

    let errors = registry.reject(
        "civic-office",
        &lines(&[
            row("c-3", "consent", PERSON, "traffic.violation", "2026-01-05"),
            row("c-4", "consent", ORG, "civic-points", "2026-01-05"),
            row("c-5", "record", PERSON, "civic-points", "2026-01-05"),
            row_with(
                "c-6",
                "consent",
                PERSON,
                "civic-points",
                "2026-01-05",
                r#","target":"c-1""#,
                r#"{"level":"city"}"#,
            ),
        ]),
        Format::Jsonl,
    );
    assert_error(&errors, 1, "category", "is a record category");
    assert_error(&errors, 2, "subject", "open to persons only");
    assert_error(
        &errors,
        3,
        "category",
        "consent to it is reported with action `consent`",
    );
    assert_error(&errors, 4, "target", "leave `target` out");
    assert_error(&errors, 4, "attributes.level", "carries no attributes");
    // A source not registered for the scheme.
    let errors = registry.reject(
        "court",
        &row("c-7", "consent", PERSON, "civic-points", "2026-01-05"),
        Format::Jsonl,
    );
    assert_error(
        &errors,
        1,
        "category",
        "may not report consent to `civic-points`",
    );
}

#[test]
fn a_good_csv_file_becomes_the_same_batch() {
    let registry = Registry::new();
    let csv = "\
ref,action,subject,category,date,target,case,court,ground,amount,aggravated
court-000001,record,11010519491231002X,court.dishonest-conduct,2024-03-01,,(2024)京0105执123号,Beijing Chaoyang,refuses,15000.00,
court-000002,record,91110000600037341L,court.dishonest-conduct,2025-01-31,,\"(2025)沪01执9号, second\",Shanghai,evades,2500.5,TRUE

court-000003,fulfil,11010519491231002X,court.dishonest-conduct,2026-06-30,court-000001,,,,,
court-000004,record,91110000600037341L,court.guarantee,2025-02-01,,(2025)沪01执9号,,,,
";
    let batch = registry.accept("court", csv, Format::Csv);
    assert_eq!(batch.origin, "file.csv");
    assert_eq!(batch.events.len(), 4);
    let first = &batch.events[0].event;
    assert_eq!(first.attributes["amount"], Value::Int(1_500_000));
    assert!(!first.attributes.contains_key("aggravated"));
    assert_eq!(batch.events[0].subject.pseudonym, pseudonym_of(PERSON));
    let second = &batch.events[1].event;
    assert_eq!(
        second.attributes["case"],
        Value::Text("(2025)沪01执9号, second".into())
    );
    assert_eq!(second.attributes["aggravated"], Value::Bool(true));
    assert_eq!(second.attributes["amount"], Value::Int(250_050));
    assert_eq!(
        batch.events[2].event.target.as_deref(),
        Some("court-000001")
    );
    assert!(batch.events[2].event.attributes.is_empty());
    assert_eq!(batch.events[3].event.attributes.len(), 1);

    // The JSONL form of the first row gives the identical event.
    let jsonl = registry.accept(
        "court",
        &row_with(
            "court-000001",
            "record",
            PERSON,
            "court.dishonest-conduct",
            "2024-03-01",
            "",
            r#"{"case":"(2024)京0105执123号","court":"Beijing Chaoyang","ground":"refuses","amount":"15000.00"}"#,
        ),
        Format::Jsonl,
    );
    assert_eq!(jsonl.events[0].event, batch.events[0].event);
    assert_eq!(jsonl.events[0].subject, batch.events[0].subject);
}

// ---------------------------------------------------------------------------------------------
// The required rejection: one batch, five faults, every one listed

#[test]
fn a_jsonl_batch_with_five_faults_is_rejected_listing_every_one() {
    let registry = Registry::new();
    let text = lines(&[
        conduct("court-1", BAD_CHECK, r#""100.00""#),
        row_with(
            "court-2",
            "record",
            PERSON,
            "court.dishonest-conduc",
            "2024-03-01",
            "",
            r#"{"case":"c","court":"x","ground":"refuses"}"#,
        ),
        row_with(
            "court-3",
            "record",
            ORG,
            "tax.evasion",
            "2024-03-01",
            "",
            r#"{"amount":"5.00","criminal":false}"#,
        ),
        row_with(
            "court-4",
            "record",
            PERSON,
            "court.guarantee",
            "2026-07-01",
            "",
            r#"{"case":"c"}"#,
        ),
        conduct("court-5", PERSON, r#""12,5""#),
        conduct("court-6", PERSON, r#""12.50""#),
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_eq!(errors.file, "file.jsonl");
    assert_eq!(errors.rows, 6);
    assert_eq!(
        error_lines(&errors),
        vec![
            (1, "subject".to_owned()),
            (2, "category".to_owned()),
            (3, "category".to_owned()),
            (4, "date".to_owned()),
            (5, "attributes.amount".to_owned()),
        ],
        "{errors}"
    );
    assert_error(&errors, 1, "subject", "check digit");
    assert_error(
        &errors,
        2,
        "category",
        "unknown category `court.dishonest-conduc`",
    );
    assert_error(
        &errors,
        2,
        "category",
        "did you mean `court.dishonest-conduct`?",
    );
    assert_error(
        &errors,
        3,
        "category",
        "source `court` may not report `tax.evasion`: its registered categories are \
         `court.dishonest-conduct`, `court.guarantee`, `court.hearing`",
    );
    assert_error(&errors, 4, "date", "in the future");
    assert_error(
        &errors,
        5,
        "attributes.amount",
        "`12,5` is not an amount: write yuan with up to two decimals",
    );
    let shown = errors.to_string();
    for expected in [
        "line 1, field `subject`:",
        "line 2, field `category`:",
        "line 3, field `category`:",
        "line 4, field `date`:",
        "line 5, field `attributes.amount`:",
        "5 errors in 6 rows",
    ] {
        assert!(shown.contains(expected), "{expected:?} not in:\n{shown}");
    }
    assert!(!shown.contains("line 6"), "{shown}");
}

#[test]
fn a_csv_batch_with_five_faults_is_rejected_listing_every_one() {
    let registry = Registry::new();
    let csv = format!(
        "\
ref,action,subject,category,date,case,court,ground,amount,criminal
court-1,record,{BAD_CHECK},court.dishonest-conduct,2024-03-01,c,x,refuses,100.00,
court-2,record,{PERSON},court.dishonest-conduc,2024-03-01,c,x,refuses,,
court-3,record,{ORG},tax.evasion,2024-03-01,,,,5.00,false
court-4,record,{PERSON},court.guarantee,2026-07-01,c,,,,
court-5,record,{PERSON},court.dishonest-conduct,2024-03-01,c,x,refuses,\"12,5\",
court-6,record,{PERSON},court.dishonest-conduct,2024-03-01,c,x,refuses,12.50,
"
    );
    let errors = registry.reject("court", &csv, Format::Csv);
    assert_eq!(errors.rows, 6);
    assert_eq!(
        error_lines(&errors),
        vec![
            (2, "subject".to_owned()),
            (3, "category".to_owned()),
            (4, "category".to_owned()),
            (5, "date".to_owned()),
            (6, "amount".to_owned()),
        ],
        "{errors}"
    );
    assert_error(&errors, 2, "subject", "check digit");
    assert_error(
        &errors,
        3,
        "category",
        "did you mean `court.dishonest-conduct`?",
    );
    assert_error(&errors, 4, "category", "may not report `tax.evasion`");
    assert_error(&errors, 5, "date", "in the future");
    assert_error(&errors, 6, "amount", "`12,5` is not an amount");
}

// ---------------------------------------------------------------------------------------------
// Other row faults

#[test]
fn every_field_is_checked_against_its_type() {
    let registry = Registry::new();
    let long_text = "x".repeat(257);
    let text = lines(&[
        // 1: unknown attribute, listing the category's attributes.
        row_with("r1", "record", PERSON, "court.guarantee", "2024-01-01", "", r#"{"case":"c","casee":"d"}"#),
        // 2: a required attribute missing.
        row_with("r2", "record", PERSON, "court.guarantee", "2024-01-01", "", "{}"),
        // 3: enum value not declared; bool not a bool.
        row_with("r3", "record", PERSON, "court.dishonest-conduct", "2024-01-01", "", r#"{"case":"c","court":"x","ground":"lazy","aggravated":"yes"}"#),
        // 4: int not whole; date attribute malformed.
        row_with("r4", "record", PERSON, "court.hearing", "2024-01-01", "", r#"{"held":"2024-02-30","sessions":2.5}"#),
        // 5: text too long; money with three decimals.
        row_with("r5", "record", PERSON, "court.dishonest-conduct", "2024-01-01", "", &format!(r#"{{"case":"{long_text}","court":"x","ground":"refuses","amount":1.005}}"#)),
        // 6: unknown action; date before 1900.
        row("r6", "delete", PERSON, "court.guarantee", "1899-12-31"),
        // 7: a resident id born after today; a malformed date.
        row_with("r7", "record", &resident("11010520300101001"), "court.guarantee", "2024/01/01", "", r#"{"case":"c"}"#),
        // 8: not JSON.
        r#"{"ref":"r8","action":"record""#.to_owned(),
        // 9: an unknown top-level field, and a reference too long.
        format!(r#"{{"ref":"{}","action":"record","subject":"{PERSON}","category":"court.guarantee","date":"2024-01-01","attributes":{{"case":"c"}},"note":"x"}}"#, "r".repeat(10)),
        format!(r#"{{"ref":"{}","action":"record","subject":"{PERSON}","category":"court.guarantee","date":"2024-01-01","attributes":{{"case":"c"}}}}"#, "r".repeat(129)),
        // 11: a field of the wrong JSON type; missing subject.
        r#"{"ref":7,"action":"record","category":"court.guarantee","date":"2024-01-01","attributes":{"case":"c"}}"#.to_owned(),
        // 12: attributes not an object.
        r#"{"ref":"r12","action":"record","subject":"11010519491231002X","category":"court.guarantee","date":"2024-01-01","attributes":["c"]}"#.to_owned(),
        // 13: an event dated before its subject's birth.
        row_with("r13", "record", PERSON, "court.guarantee", "1949-12-30", "", r#"{"case":"c"}"#),
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_error(
        &errors,
        1,
        "attributes.casee",
        "`casee` is not an attribute of `court.guarantee`: it has `case`",
    );
    assert_error(
        &errors,
        2,
        "attributes.case",
        "missing: `case` is required for a `court.guarantee` record",
    );
    assert_error(
        &errors,
        3,
        "attributes.ground",
        "use one of refuses, obstructs",
    );
    assert_error(&errors, 3, "attributes.aggravated", "write true or false");
    assert_error(
        &errors,
        4,
        "attributes.held",
        "`2024-02-30` is not a date in the calendar",
    );
    assert_error(
        &errors,
        4,
        "attributes.sessions",
        "`2.5` is not a whole number",
    );
    assert_error(&errors, 5, "attributes.case", "at most 256");
    assert_error(&errors, 5, "attributes.amount", "more than two decimals");
    assert_error(&errors, 6, "action", "`delete` is not an action");
    assert_error(&errors, 6, "date", "before 1900-01-01");
    assert_error(&errors, 7, "subject", "birth date 2030-01-01, after today");
    assert_error(&errors, 7, "date", "YYYY-MM-DD");
    assert_error(&errors, 8, "-", "malformed JSON");
    assert_error(&errors, 9, "note", "unknown field `note`");
    assert_error(&errors, 10, "ref", "at most 128");
    assert_error(&errors, 11, "ref", "not a string");
    assert_error(&errors, 11, "subject", "missing");
    assert_error(&errors, 12, "attributes", "an object of attributes");
    assert!(!errors.has(12, "attributes.case"), "{errors}");
    assert_error(
        &errors,
        13,
        "date",
        "before the subject's birth date 1949-12-31",
    );
    assert_eq!(errors.rows, 13);
}

#[test]
fn a_subject_kind_the_category_is_not_about_is_refused() {
    let registry = Registry::new();
    let tax = |reference: &str, subject: &str| {
        row_with(
            reference,
            "record",
            subject,
            "tax.evasion",
            "2024-01-01",
            "",
            r#"{"amount":"100.00","criminal":false}"#,
        )
    };
    let errors = registry.reject(
        "tax-bureau",
        &lines(&[
            tax("t1", PERSON),
            tax("t2", ORG),
            tax("t3", "passport:E12345678"),
            tax("t4", "lei:5493001KJTIIGC8Y1R12"),
            tax("t5", &org2()),
        ]),
        Format::Jsonl,
    );
    assert_eq!(
        error_lines(&errors),
        vec![(1, "subject".to_owned()), (3, "subject".to_owned())],
        "{errors}"
    );
    assert_error(
        &errors,
        1,
        "subject",
        "`tax.evasion` records are about organisations only; this subject is a person",
    );
    // A person-only category refuses an organisation.
    let errors = registry.reject(
        "traffic-police",
        &row_with(
            "v1",
            "record",
            ORG,
            "traffic.violation",
            "2024-01-01",
            "",
            r#"{"severity":"grave"}"#,
        ),
        Format::Jsonl,
    );
    assert_error(&errors, 1, "subject", "about persons only");
}

#[test]
fn a_legacy_uscc_is_accepted_only_when_flagged() {
    let registry = Registry::new();
    let guarantee = |reference: &str, extra: &str| {
        row_with(
            reference,
            "record",
            LEGACY,
            "court.guarantee",
            "2024-01-01",
            extra,
            r#"{"case":"c"}"#,
        )
    };
    let errors = registry.reject("court", &guarantee("g1", ""), Format::Jsonl);
    assert_error(&errors, 1, "subject", "legacy");
    let errors = registry.reject(
        "court",
        &guarantee("g1", r#","legacy_id":false"#),
        Format::Jsonl,
    );
    assert_error(&errors, 1, "subject", "check character");
    let batch = registry.accept(
        "court",
        &guarantee("g1", r#","legacy_id":true"#),
        Format::Jsonl,
    );
    assert_eq!(batch.events[0].subject.pseudonym, pseudonym_of(LEGACY));
    assert_eq!(batch.events[0].subject.kind, SubjectKind::Organisation);
    // The flag never rescues a mistyped resident id.
    let errors = registry.reject(
        "court",
        &row_with(
            "g2",
            "record",
            BAD_CHECK,
            "court.guarantee",
            "2024-01-01",
            r#","legacy_id":true"#,
            r#"{"case":"c"}"#,
        ),
        Format::Jsonl,
    );
    assert_error(&errors, 1, "subject", "check digit");

    let csv = format!(
        "ref,action,subject,category,date,legacy_id,case\ng1,record,{LEGACY},court.guarantee,2024-01-01,,c\ng2,record,{LEGACY},court.guarantee,2024-01-01,true,c\ng3,record,{LEGACY},court.guarantee,2024-01-01,maybe,c\n"
    );
    let errors = registry.reject("court", &csv, Format::Csv);
    assert_eq!(
        error_lines(&errors),
        vec![
            (2, "subject".to_owned()),
            (4, "legacy_id".to_owned()),
            (4, "subject".to_owned())
        ],
        "{errors}"
    );
}

// ---------------------------------------------------------------------------------------------
// References and targets

#[test]
fn a_reference_used_twice_in_a_file_is_refused_naming_the_first_line() {
    let registry = Registry::new();
    let text = lines(&[
        conduct("dup", PERSON, "100"),
        conduct("other", PERSON, "100"),
        conduct("dup", ORG, "100"),
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_eq!(
        error_lines(&errors),
        vec![(3, "ref".to_owned())],
        "{errors}"
    );
    assert_error(
        &errors,
        3,
        "ref",
        "reference `dup` is already used on line 1",
    );
}

#[test]
fn targets_must_name_an_earlier_record_of_the_same_source_and_subject() {
    let mut registry = Registry::new();
    // Stored beforehand: a court record about PERSON, and a tax record with reference `t-1`.
    let stored = registry.accept("court", &conduct("stored-1", PERSON, "100"), Format::Jsonl);
    registry.ingest(&stored);
    let tax = registry.accept(
        "tax-bureau",
        &row_with(
            "t-1",
            "record",
            ORG,
            "tax.evasion",
            "2024-01-01",
            "",
            r#"{"amount":"1.00","criminal":true}"#,
        ),
        Format::Jsonl,
    );
    registry.ingest(&tax);

    let act = |reference: &str, subject: &str, category: &str, target: Option<&str>| {
        let extra = target
            .map(|t| format!(r#","target":"{t}""#))
            .unwrap_or_default();
        row_with(
            reference,
            "fulfil",
            subject,
            category,
            "2026-01-01",
            &extra,
            "{}",
        )
    };
    let text = lines(&[
        conduct("new-1", PERSON, "100"),                                 // 1
        act("a1", PERSON, "court.dishonest-conduct", Some("new-1")),     // 2 ok: in file
        act("a2", PERSON, "court.dishonest-conduct", Some("stored-1")),  // 3 ok: in store
        act("a3", PERSON, "court.dishonest-conduct", None),              // 4 missing
        act("a4", PERSON, "court.dishonest-conduct", Some("nowhere")),   // 5 unknown
        act("a5", &person2(), "court.dishonest-conduct", Some("new-1")), // 6 other subject (file)
        act(
            "a6",
            &person2(),
            "court.dishonest-conduct",
            Some("stored-1"),
        ), // 7 other subject (store)
        act("a7", ORG, "court.dishonest-conduct", Some("t-1")),          // 8 other source
        act("a8", PERSON, "court.guarantee", Some("new-1")),             // 9 other category
        act("a9", PERSON, "court.dishonest-conduct", Some("a1")),        // 10 not a record
        act("a10", PERSON, "court.dishonest-conduct", Some("new-2")),    // 11 defined later
        conduct("new-2", PERSON, "100"),                                 // 12
        act("a11", PERSON, "court.dishonest-conduct", Some("a11")),      // 13 itself
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_eq!(
        error_lines(&errors),
        vec![
            (4, "target".to_owned()),
            (5, "target".to_owned()),
            (6, "target".to_owned()),
            (7, "target".to_owned()),
            (8, "target".to_owned()),
            (9, "category".to_owned()),
            (10, "target".to_owned()),
            (11, "target".to_owned()),
            (13, "target".to_owned()),
        ],
        "{errors}"
    );
    assert_error(
        &errors,
        4,
        "target",
        "missing: a `fulfil` event acts on an earlier record",
    );
    assert_error(&errors, 5, "target", "unknown target `nowhere`");
    assert_error(
        &errors,
        6,
        "target",
        "(on line 1) is a record about another subject",
    );
    assert_error(
        &errors,
        7,
        "target",
        "(in the registry) is a record about another subject",
    );
    assert_error(
        &errors,
        8,
        "target",
        "unknown target `t-1`: source `court` has no record",
    );
    assert_error(
        &errors,
        9,
        "category",
        "is a `court.dishonest-conduct` record",
    );
    assert_error(&errors, 10, "target", "is a `fulfil` event, not a record");
    assert_error(&errors, 11, "target", "defined on line 12, after this row");
    assert_error(&errors, 13, "target", "names itself");
}

#[test]
fn extend_and_resolve_carry_their_own_attributes() {
    let registry = Registry::new();
    let text = lines(&[
        conduct("r", PERSON, "100"),
        row_with(
            "e1",
            "extend",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-01",
            r#","target":"r""#,
            r#"{"months":36}"#,
        ),
        row_with(
            "e2",
            "extend",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-01",
            r#","target":"r""#,
            r#"{"months":37}"#,
        ),
        row_with(
            "e3",
            "extend",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-01",
            r#","target":"r""#,
            "{}",
        ),
        row_with(
            "d1",
            "dispute",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-01",
            r#","target":"r""#,
            "{}",
        ),
        row_with(
            "s1",
            "resolve",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-02",
            r#","target":"r""#,
            r#"{"upheld":true}"#,
        ),
        row_with(
            "s2",
            "resolve",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-02",
            r#","target":"r""#,
            "{}",
        ),
        row_with(
            "s3",
            "fulfil",
            PERSON,
            "court.dishonest-conduct",
            "2025-01-02",
            r#","target":"r""#,
            r#"{"upheld":true}"#,
        ),
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_eq!(
        error_lines(&errors),
        vec![
            (3, "attributes.months".to_owned()),
            (4, "attributes.months".to_owned()),
            (7, "attributes.upheld".to_owned()),
            (8, "attributes.upheld".to_owned()),
        ],
        "{errors}"
    );
    assert_error(
        &errors,
        3,
        "attributes.months",
        "outside the 12 to 36 months the policy allows",
    );
    assert_error(
        &errors,
        4,
        "attributes.months",
        "missing: an `extend` event needs `months`",
    );
    assert_error(
        &errors,
        8,
        "attributes.upheld",
        "`upheld` is not an attribute of `court.dishonest-conduct`",
    );
}

// ---------------------------------------------------------------------------------------------
// Idempotency

#[test]
fn resubmitting_a_stored_file_passes_and_changes_nothing() {
    let mut registry = Registry::new();
    let text = lines(&[
        conduct("court-1", PERSON, r#""15000.00""#),
        row_with(
            "court-2",
            "fulfil",
            PERSON,
            "court.dishonest-conduct",
            "2026-06-01",
            r#","target":"court-1""#,
            "{}",
        ),
    ]);
    let batch = registry.accept("court", &text, Format::Jsonl);
    assert_eq!(registry.ingest(&batch).appended, 2);

    // The same file again, with one new row: accepted, and the store skips the old rows.
    let again = format!("{text}{}\n", conduct("court-3", ORG, "1"));
    let batch = registry.accept("court", &again, Format::Jsonl);
    assert_eq!(batch.events.len(), 3);
    let receipt = registry.ingest(&batch);
    assert_eq!((receipt.appended, receipt.unchanged), (1, 2));

    // The same reference for another subject, another category, or changed content: refused.
    let text = lines(&[
        conduct("court-1", ORG, r#""15000.00""#),
        row_with(
            "court-2",
            "record",
            PERSON,
            "court.guarantee",
            "2026-06-01",
            "",
            r#"{"case":"c"}"#,
        ),
        conduct("court-3", ORG, r#""2.00""#),
        conduct("court-4", ORG, "1"),
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_eq!(
        error_lines(&errors),
        vec![
            (1, "ref".to_owned()),
            (2, "ref".to_owned()),
            (3, "ref".to_owned())
        ],
        "{errors}"
    );
    assert_error(
        &errors,
        1,
        "ref",
        "reference `court-1` was already used by this source for a different record (a `record` of `court.dishonest-conduct` about another subject)",
    );
    assert_error(
        &errors,
        2,
        "ref",
        "was already used by this source for a different record (a `fulfil`",
    );
    assert_error(
        &errors,
        3,
        "ref",
        "already submitted with a different date, target or attributes",
    );
}

// ---------------------------------------------------------------------------------------------
// Files as a whole

#[test]
fn file_limits_and_shapes() {
    let registry = Registry::new();
    // A line over 64 KiB.
    let long = format!(r#"{{"ref":"x","pad":"{}"}}"#, "x".repeat(70_000));
    let text = lines(&[long, conduct("ok", PERSON, "1")]);
    // Reading stops there: no record is that long.
    match registry.read("court", &text, Format::Jsonl) {
        Err(IntakeFailure::Read(ReadError::LineTooLong { line, max, .. })) => {
            assert_eq!((line, max), (1, 65_536));
        }
        other => panic!("expected the long line to stop the reading, got {other:?}"),
    }

    // Empty files.
    let errors = registry.reject("court", "\n\n", Format::Jsonl);
    assert_error(&errors, 1, "-", "no rows");
    let errors = registry.reject("court", "", Format::Csv);
    assert_error(&errors, 1, "-", "empty");

    // CSV header faults.
    let errors = registry.reject(
        "court",
        "ref,action,subject,date,case,case\nx,record,a,b,c,d\n",
        Format::Csv,
    );
    assert_error(&errors, 1, "category", "no `category` column");
    assert_error(&errors, 1, "case", "twice");
    // A CSV row with the wrong number of cells.
    let csv = format!(
        "ref,action,subject,category,date,case\nx,record,{PERSON},court.guarantee,2024-01-01,c,extra\n"
    );
    let errors = registry.reject("court", &csv, Format::Csv);
    assert_error(
        &errors,
        2,
        "-",
        "the row has 7 cells but the header has 6 columns",
    );

    // A byte-order mark and CRLF line ends are fine.
    let text = format!(
        "\u{feff}{}\r\n{}\r\n",
        conduct("a", PERSON, "1"),
        conduct("b", PERSON, "1")
    );
    assert_eq!(
        registry.accept("court", &text, Format::Jsonl).events.len(),
        2
    );
}

#[test]
fn the_error_list_is_printed_up_to_a_thousand() {
    let registry = Registry::new();
    let text: Vec<String> = (0..1_200)
        .map(|i| row(&format!("r{i}"), "record", PERSON, "nope", "2024-01-01"))
        .collect();
    let errors = registry.reject("court", &lines(&text), Format::Jsonl);
    assert_eq!(errors.errors.len(), 1_200);
    let shown = errors.to_string();
    assert!(shown.contains("line 1000, field `category`"), "{shown}");
    assert!(!shown.contains("line 1001, field"));
    assert!(shown.contains("... and 200 more"));
}

#[test]
fn progress_is_reported() {
    let registry = Registry::new();
    let text: Vec<String> = (0..25_000)
        .map(|i| conduct(&format!("r{i}"), PERSON, "1"))
        .collect();
    let mut seen = Vec::new();
    let batch = read_batch_with_progress(
        &registry.context("court"),
        "big.jsonl",
        &lines(&text),
        Format::Jsonl,
        &registry.store,
        &mut |rows| seen.push(rows),
    )
    .unwrap();
    assert_eq!(batch.events.len(), 25_000);
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&25_000));
}

/// Files of several MiB are checked in pieces on several threads: lines, order and cross-row
/// checks must come out exactly as for one piece.
#[test]
fn large_files_keep_their_line_numbers_and_order() {
    let registry = Registry::new();
    const ROWS: usize = 30_000;
    let mut jsonl = Vec::with_capacity(ROWS + 10);
    let mut csv =
        String::from("ref,action,subject,category,date,target,case,court,ground,amount\r\n");
    let mut bad = Vec::new();
    for i in 0..ROWS {
        let amount = if i % 7_001 == 5 {
            "1,5".to_owned()
        } else {
            format!("{i}.{:02}", i % 100)
        };
        if i % 7_001 == 5 {
            bad.push(i);
        }
        jsonl.push(conduct(&format!("r{i}"), PERSON, &format!("\"{amount}\"")));
        // Quoted cells with line breaks inside, so that pieces must not cut a record (the
        // break alone is trimmed to an empty, absent cell: no text may hold one).
        csv.push_str(&format!(
            "r{i},record,{PERSON},court.dishonest-conduct,2024-03-01,\"\r\n\",\"case{i}\",court,refuses,\"{amount}\"\r\n"
        ));
        if i % 5_000 == 0 {
            jsonl.push(String::new());
            csv.push_str("\r\n");
        }
    }
    // The last row acts on the first one, across every piece boundary.
    jsonl.push(row_with(
        "last",
        "fulfil",
        PERSON,
        "court.dishonest-conduct",
        "2026-01-01",
        r#","target":"r0""#,
        "{}",
    ));
    csv.push_str(&format!(
        "last,fulfil,{PERSON},court.dishonest-conduct,2026-01-01,r0,,,,\r\n"
    ));
    let jsonl = lines(&jsonl);
    assert!(jsonl.len() > 4 << 20);

    let errors = registry.reject("court", &jsonl, Format::Jsonl);
    let expected: Vec<usize> = bad
        .iter()
        .map(|&i| {
            jsonl
                .lines()
                .position(|l| l.contains(&format!("\"r{i}\"")))
                .unwrap()
                + 1
        })
        .collect();
    assert_eq!(
        errors.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        expected,
        "{errors}"
    );
    assert_eq!(errors.rows, ROWS + 1);

    let errors = registry.reject("court", &csv, Format::Csv);
    let expected: Vec<usize> = bad
        .iter()
        .map(|&i| {
            csv.split('\n')
                .position(|l| l.starts_with(&format!("r{i},")))
                .unwrap()
                + 1
        })
        .collect();
    assert_eq!(
        errors.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        expected,
        "{errors}"
    );
    assert!(
        errors.errors.iter().all(|e| e.field == "amount"),
        "{errors}"
    );

    // Without the faults both files are accepted whole, in file order.
    let good_jsonl = jsonl.replace("\"1,5\"", "\"1.50\"");
    let batch = registry.accept("court", &good_jsonl, Format::Jsonl);
    assert_eq!(batch.events.len(), ROWS + 1);
    assert!(
        batch
            .events
            .iter()
            .take(ROWS)
            .enumerate()
            .all(|(i, e)| e.event.reference == format!("r{i}"))
    );
    let batch = registry.accept("court", &csv.replace("\"1,5\"", "1.50"), Format::Csv);
    assert_eq!(batch.events.len(), ROWS + 1);
    assert_eq!(
        batch.events[7].event.attributes["case"],
        Value::Text("case7".into())
    );
    assert_eq!(batch.events[ROWS].event.target.as_deref(), Some("r0"));
}

#[test]
fn csv_lines_count_line_ends_blank_lines_and_quoted_breaks() {
    let registry = Registry::new();
    let csv = format!(
        "\r\nref,action,subject,category,date,case\r\n\r\ng1,record,{PERSON},court.guarantee,2024-01-01,\"two\r\nlines\"\r\ng2,record,{BAD_CHECK},court.guarantee,2024-01-01,c\r\n\r\n\r\ng3,record,{PERSON},court.guarantee,2030-01-01,c\r\n"
    );
    let errors = registry.reject("court", &csv, Format::Csv);
    assert_eq!(
        error_lines(&errors),
        vec![
            // A record over two lines is named by its first; its text may not hold the break.
            (4, "case".to_owned()),
            (6, "subject".to_owned()),
            (9, "date".to_owned())
        ],
        "{errors}"
    );
    let errors = registry.reject("court", "\n\nref,action,subject,category\n", Format::Csv);
    assert_eq!(
        error_lines(&errors),
        vec![(3, "date".to_owned())],
        "{errors}"
    );
}

#[test]
fn the_format_comes_from_the_extension() {
    assert_eq!(Format::from_path(Path::new("a/b.jsonl")), Ok(Format::Jsonl));
    assert_eq!(Format::from_path(Path::new("b.NDJSON")), Ok(Format::Jsonl));
    assert_eq!(Format::from_path(Path::new("b.Csv")), Ok(Format::Csv));
    let error = Format::from_path(Path::new("b.txt")).unwrap_err();
    assert!(error.to_string().contains("`b.txt`"));
    assert!(Format::from_path(Path::new("noext")).is_err());
}

// ---------------------------------------------------------------------------------------------
// The shipped packs and sources

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped_policy() -> Policy {
    let dir = root().join("policies");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != "sources.toml"))
        .collect();
    paths.sort();
    let packs: Vec<PolicySource> = paths
        .iter()
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(p).unwrap(),
        })
        .collect();
    compile(&packs).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn the_shipped_sources_parse_against_the_shipped_packs_and_take_a_file() {
    let policy = shipped_policy();
    let path = root().join("policies/sources.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let sources =
        parse_sources("policies/sources.toml", &text, &policy).unwrap_or_else(|e| panic!("{e}"));
    let court = sources.iter().find(|s| s.id == "court").unwrap();
    assert!(
        court
            .categories
            .contains(&"court.dishonest-conduct".to_owned())
    );
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::create(dir.path()).unwrap();
    let ctx = IntakeContext {
        policy: &policy,
        source: court,
        pseudonym_key: KEY,
        today: today(),
        recorded_at_ms: RECORDED_AT,
    };
    let line = r#"{"ref":"court-000001","action":"record","subject":"11010519491231002X","category":"court.dishonest-conduct","date":"2024-03-01","attributes":{"case":"(2024)京0105执123号","court":"Beijing","ground":"refuses","amount":"15000.00"}}"#;
    let batch = read_batch(&ctx, "court.jsonl", line, Format::Jsonl, &store)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        batch.events[0].event.attributes["amount"],
        Value::Int(1_500_000)
    );
}

#[test]
fn a_sources_file_is_checked_against_the_policy() {
    let policy = test_policy();
    let text = r#"
[[source]]
id = "court"
title = "Courts"
authority = "court"
categories = ["court.guarante", "court.hearing", "court.hearing"]

[[source]]
id = "court"
title = ""
authority = "court"
categories = []

[[source]]
id = "Bad Id"
title = "x"
authority = "civic-office"
categories = ["civic-points", "nothing-like-it"]
"#;
    let error = parse_sources("src.toml", text, &policy).unwrap_err();
    let shown = error.to_string();
    for expected in [
        "`court.guarante` is neither a category of the policy nor an opt-in scheme",
        "--> src.toml:6:15",
        "did you mean `court.guarantee`?",
        "source `court` lists `court.hearing` twice",
        "--> src.toml:6:50",
        "source `court` is declared twice (first on line 3)",
        "source `court` has an empty title",
        "source `court` may report no category",
        "`Bad Id` is not a valid source id",
        "`nothing-like-it` is neither",
        "7 errors in sources file `src.toml`",
    ] {
        assert!(shown.contains(expected), "{expected:?} not in:\n{shown}");
    }
    let error = parse_sources(
        "src.toml",
        "[[source]]\nid = \"x\"\ntitle = \"y\"\ncategory = []\n",
        &policy,
    )
    .unwrap_err();
    assert!(error.to_string().contains("src.toml:4:1"), "{error}");
    assert!(parse_sources("src.toml", "", &policy).is_err());
}

// ---------------------------------------------------------------------------------------------
// Speed

#[test]
fn an_extension_needs_a_list_that_extends_the_category() {
    let registry = Registry::new();
    let text = lines(&[
        row_with(
            "g",
            "record",
            PERSON,
            "court.guarantee",
            "2025-01-01",
            "",
            r#"{"case":"A-1"}"#,
        ),
        row_with(
            "e",
            "extend",
            PERSON,
            "court.guarantee",
            "2025-02-01",
            r#","target":"g""#,
            r#"{"months":12}"#,
        ),
    ]);
    let errors = registry.reject("court", &text, Format::Jsonl);
    assert_error(
        &errors,
        2,
        "attributes.months",
        "no list extends a listing based on `court.guarantee`",
    );
}

/// A birth date stated on a later row of a file is the subject's for its earlier rows too,
/// however far apart the rows are (the fixture reads every file also in blocks of a line).
#[test]
fn a_birth_date_stated_late_in_the_file_reaches_the_subjects_earlier_rows() {
    let registry = Registry::new();
    let passport = "passport:E12345678";
    let text = lines(&[
        conduct("b1", passport, "\"10.00\""),
        conduct("other", PERSON, "\"10.00\""),
        row_with(
            "b2",
            "record",
            passport,
            "court.dishonest-conduct",
            "2024-03-01",
            r#","birth_date":"1990-05-06""#,
            r#"{"case":"(2024)京0105执124号","court":"Beijing Chaoyang","ground":"refuses","amount":"10.00"}"#,
        ),
    ]);
    let batch = registry.accept("court", &text, Format::Jsonl);
    let births: Vec<Option<Day>> = batch
        .events
        .iter()
        .filter(|e| e.event.reference.starts_with('b'))
        .map(|e| e.subject.birth)
        .collect();
    assert_eq!(births, vec![Some(day("1990-05-06")); 2]);
    // A reference used again far below its first use is refused naming the first line.
    let mut rows: Vec<String> = (0..50)
        .map(|i| conduct(&format!("r{i}"), PERSON, "\"1.00\""))
        .collect();
    rows.push(conduct("r3", PERSON, "\"1.00\""));
    let errors = registry.reject("court", &lines(&rows), Format::Jsonl);
    assert_eq!(
        error_lines(&errors),
        vec![(51, "ref".to_owned())],
        "{errors}"
    );
    assert_error(&errors, 51, "ref", "already used on line 4");
}
