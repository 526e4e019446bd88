#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! `credence id check`: what each value is under GB 11643 and GB 32100, ambiguous values shown
//! with both readings, and exit code 3 for anything that cannot be used as written.

use std::process::{Command, Output};

use credence_gen::SplitMix64;

#[path = "../../model/tests/reference/mod.rs"]
mod reference;

use reference::{
    Reading, ref_resident, ref_uscc, reference, reference_as, resident_shaped, sample,
};

fn credence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credence"))
        .args(args)
        .env("CREDENCE_TODAY", "2026-11-01")
        .output()
        .expect("run credence")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Valid as a resident id (born 1995-02-11) and as a USCC.
const AMBIGUOUS: &str = "111103199502111002";

#[test]
fn a_valid_uscc_of_digits_is_shown_as_an_organisation() {
    let out = credence(&["id", "check", "911101198501015379"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("valid USCC (organisation)"), "{text}");
    assert!(text.contains("market regulation"), "{text}");
    assert!(!text.contains("born"), "{text}");
}

#[test]
fn an_ambiguous_value_shows_both_readings_and_exits_3() {
    let out = credence(&["id", "check", AMBIGUOUS]);
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    assert!(text.contains("AMBIGUOUS"), "{text}");
    assert!(
        text.contains("resident id (person), born 1995-02-11"),
        "{text}"
    );
    assert!(text.contains("USCC (organisation)"), "{text}");
    assert!(text.contains("--kind"), "{text}");

    let out = credence(&["id", "check", "--json", AMBIGUOUS]);
    assert_eq!(out.status.code(), Some(3));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["ambiguous"], true);
    assert_eq!(rows[0]["readings"][0]["subject"], "person");
    assert_eq!(rows[0]["readings"][0]["birth"], "1995-02-11");
    assert_eq!(rows[0]["readings"][1]["subject"], "organisation");
    assert_eq!(
        rows[0]["readings"][1]["canonical"],
        format!("uscc:{AMBIGUOUS}")
    );

    // A stated kind, or the kind written in the value, settles it.
    for args in [
        vec!["id", "check", "--kind", "organisation", AMBIGUOUS],
        vec!["id", "check", "--kind", "person", AMBIGUOUS],
    ] {
        assert_eq!(credence(&args).status.code(), Some(0), "{args:?}");
    }
    let prefixed = [format!("uscc:{AMBIGUOUS}"), format!("resident:{AMBIGUOUS}")];
    let out = credence(&["id", "check", &prefixed[0], &prefixed[1]]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("valid USCC"), "{text}");
    assert!(text.contains("valid resident id"), "{text}");
    // A kind the value cannot be.
    let out = credence(&["id", "check", "--kind", "person", "91110000600037341L"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("stated to be a person"));
}

#[test]
fn broken_and_placeholder_values_exit_3_with_the_reason() {
    for (value, needle) in [
        ("11618819940230834X", "shape of a resident id"),
        ("000000000000000000", "placeholder"),
        ("110105491231002", "11010519491231002X"),
        ("00010519491231002X", "positions 1-6"),
        ("91350203MA01XY7B04", "GB 11714"),
        // Valid by the standard, but born after the registry's date.
        ("110105203001010028", "after today"),
    ] {
        let out = credence(&["id", "check", value]);
        assert_eq!(out.status.code(), Some(3), "{value}");
        let text = stdout(&out);
        assert!(text.contains(needle), "{value}: {text}");
    }
}

#[test]
fn an_ambiguous_value_names_two_subjects_kept_apart_from_intake_to_report() {
    let root = tempfile::tempdir().unwrap();
    let registry = root.path().join("registry");
    let reg = registry.to_str().unwrap();
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut args = vec![
        "init".to_owned(),
        reg.to_owned(),
        "--sources".to_owned(),
        base.join("sources.toml").display().to_string(),
        "--policy".to_owned(),
    ];
    let mut packs: Vec<String> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml") && !p.ends_with("sources.toml"))
        .collect();
    packs.sort();
    args.extend(packs);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = credence(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let file = root.path().join("court.jsonl");
    let row = |reference: &str, kind: &str, case: &str| {
        format!(
            r#"{{"ref":"{reference}","action":"record","subject":"{AMBIGUOUS}","kind":"{kind}","category":"court.guarantee","date":"2024-03-01","attributes":{{"case":"{case}"}}}}"#
        )
    };
    std::fs::write(
        &file,
        [
            row("g-1", "person", "CASE-PERSON"),
            row("g-2", "organisation", "CASE-ORG"),
        ]
        .join("\n"),
    )
    .unwrap();
    let out = credence(&[
        "--registry",
        reg,
        "ingest",
        file.to_str().unwrap(),
        "--source",
        "court",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let person = credence(&[
        "--registry",
        reg,
        "report",
        &format!("resident:{AMBIGUOUS}"),
    ]);
    let organisation = credence(&["--registry", reg, "report", &format!("uscc:{AMBIGUOUS}")]);
    assert!(person.status.success() && organisation.status.success());
    let (person, organisation) = (stdout(&person), stdout(&organisation));
    // Each file holds its own record only, and says whose it is.
    assert!(
        person.contains("`g-1`") && !person.contains("`g-2`"),
        "{person}"
    );
    assert!(person.contains("(person)"), "{person}");
    assert!(
        organisation.contains("`g-2`") && !organisation.contains("`g-1`"),
        "{organisation}"
    );
    assert!(organisation.contains("(organisation)"), "{organisation}");
    // Without the kind the registry does not guess.
    let out = credence(&["--registry", reg, "report", AMBIGUOUS]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ambiguous"));
}

/// What `id check --json` said of each value: (valid, subject, ambiguous).
fn checked(values: &[String], kind: Option<&str>) -> Vec<(bool, Option<String>, bool)> {
    let mut args = vec!["id", "check", "--json"];
    if let Some(kind) = kind {
        args.extend(["--kind", kind]);
    }
    args.extend(values.iter().map(String::as_str));
    let out = credence(&args);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), values.len());
    let all_valid = rows.iter().all(|r| r["valid"] == true);
    assert_eq!(out.status.code(), Some(if all_valid { 0 } else { 3 }));
    rows.iter()
        .zip(values)
        .map(|(row, value)| {
            assert_eq!(row["value"], value.as_str());
            (
                row["valid"] == true,
                row["subject"].as_str().map(str::to_owned),
                row["ambiguous"] == true,
            )
        })
        .collect()
}

#[test]
fn id_check_agrees_with_the_reference_on_generated_values() {
    // The registry's date in these tests: a birth date after it is refused.
    let born_by_today = |s: &str| ref_resident(s).is_some_and(|date| date <= (2026, 11, 1));
    let mut rng = SplitMix64::new(0x1d_c4ec);
    let mut outcomes = [0usize; 4];
    for chunk in 0..3 {
        let values: Vec<String> = (0..1000)
            .map(|i| sample(&mut rng, chunk * 1000 + i))
            .collect();
        for (value, (valid, subject, ambiguous)) in values.iter().zip(checked(&values, None)) {
            let expected = reference(value, false);
            let expected_valid = match expected {
                Reading::Person => born_by_today(value),
                Reading::Organisation => true,
                Reading::Refused => false,
            };
            assert_eq!(valid, expected_valid, "{value}: {expected:?}");
            if valid {
                let word = if expected == Reading::Person {
                    "person"
                } else {
                    "organisation"
                };
                assert_eq!(subject.as_deref(), Some(word), "{value}");
            }
            let expected_ambiguous =
                ref_uscc(value, false) && (ref_resident(value).is_some() || resident_shaped(value));
            assert_eq!(ambiguous, expected_ambiguous, "{value}");
            outcomes[usize::from(valid) * 2 + usize::from(ambiguous)] += 1;
        }
        for (kind, stated) in [
            ("person", Reading::Person),
            ("organisation", Reading::Organisation),
        ] {
            for (value, (valid, subject, _)) in values.iter().zip(checked(&values, Some(kind))) {
                let expected = reference_as(value, false, stated) == stated
                    && (stated == Reading::Organisation || born_by_today(value));
                assert_eq!(valid, expected, "{value} as {kind}");
                if valid {
                    assert_eq!(subject.as_deref(), Some(kind), "{value}");
                }
            }
        }
    }
    // Valid, invalid and ambiguous values all occur.
    assert!(
        outcomes[0] > 100 && outcomes[1] > 100 && outcomes[2] > 100,
        "{outcomes:?}"
    );
}
