#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! `credence policy test`: every shipped pack's worked examples pass, and a failing or
//! malformed scenario is reported with its file, line, and what was expected and found.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn credence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credence"))
        .args(args)
        .output()
        .expect("run credence")
}

fn policies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

fn packs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(policies_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .collect();
    files.sort();
    files
}

fn scenarios_dir() -> PathBuf {
    policies_dir().join("scenarios")
}

#[test]
fn every_shipped_pack_has_worked_examples_and_they_pass() {
    for pack in packs() {
        let text = std::fs::read_to_string(&pack).unwrap();
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("id = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap();
        let scenarios = scenarios_dir().join(format!("{id}.toml"));
        let examples = std::fs::read_to_string(&scenarios)
            .unwrap_or_else(|_| panic!("pack `{id}` has no {}", scenarios.display()));
        assert!(
            examples.contains(&format!("pack = \"{id}\"")),
            "{} names its pack",
            scenarios.display()
        );
        assert!(
            examples.matches("[[scenario]]").count() >= 3,
            "pack `{id}` pins its numbers with at least three scenarios"
        );
    }
    let mut args: Vec<String> = vec![
        "policy".into(),
        "test".into(),
        scenarios_dir().display().to_string(),
        "--policy".into(),
    ];
    args.extend(packs().iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = credence(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("0 expectations failed, 0 malformed"),
        "{stdout}"
    );
    // The built-in packs are the same: the command defaults to them.
    let output = credence(&["policy", "test", scenarios_dir().to_str().unwrap()]);
    assert!(output.status.success());
}

fn scenario_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const PASSING: &str = r#"
[[scenario]]
name = "ground 3"
subject = "person"
born = "1980-05-01"
as_of = "2025-06-01"

[[scenario.event]]
ref = "c1"
category = "court.dishonest-conduct"
date = "2024-01-10"
attributes = { case = "A-1", court = "X", ground = "evades" }

[[scenario.expect.entry]]
list = "dishonest-debtors"
ground = "3"
state = "in-force"
until = "2026-01-13"

[[scenario.expect.check]]
measure = "no-flights"
party = "airline"
applies = true
"#;

#[test]
fn a_failed_expectation_names_the_file_line_expected_and_actual_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "wrong.toml",
        &PASSING
            .replace("until = \"2026-01-13\"", "until = \"2026-01-11\"")
            .replace("applies = true", "applies = false"),
    );
    let output = credence(&["policy", "test", &path]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{path}:18: scenario `ground 3`: entry on `dishonest-debtors`, ground 3: until: expected 2026-01-11, got 2026-01-13"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{path}:20: scenario `ground 3`: check `no-flights` for airline: expected does not apply, got applies"
        )),
        "{stderr}"
    );
    let passing = scenario_file(dir.path(), "right.toml", PASSING);
    assert_eq!(
        credence(&["policy", "test", &passing]).status.code(),
        Some(0)
    );
}

#[test]
fn a_malformed_scenario_exits_3_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, line, fragment) in [
        (
            "field.toml",
            PASSING.replace("applies = true", "applies = true\nfoo = 1"),
            24,
            "unknown field `foo`",
        ),
        (
            "measure.toml",
            PASSING.replace("measure = \"no-flights\"", "measure = \"no-fights\""),
            21,
            "`no-fights` is not a measure of the policy",
        ),
        (
            "party.toml",
            PASSING.replace("party = \"airline\"", "party = \"library\""),
            22,
            "`library` does not apply `no-flights`",
        ),
        (
            "date.toml",
            PASSING.replace("2024-01-10", "2024-02-30"),
            11,
            "2024-02-30",
        ),
        (
            "category.toml",
            PASSING.replace("court.dishonest-conduct", "court.dishonest"),
            10,
            "`court.dishonest` is not a category",
        ),
        (
            "attribute.toml",
            PASSING.replace(
                "ground = \"evades\"",
                "ground = \"evades\", colour = \"red\"",
            ),
            12,
            "has no attribute `colour`",
        ),
        (
            "target.toml",
            format!(
                "{PASSING}\n[[scenario.event]]\naction = \"fulfil\"\ntarget = \"c9\"\ndate = \"2024-02-01\"\n"
            ),
            27,
            "no earlier record has the reference `c9`",
        ),
    ] {
        let path = scenario_file(dir.path(), name, &text);
        let output = credence(&["policy", "test", &path]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{path}:{line}:")) && stderr.contains(fragment),
            "{name}: expected line {line} and `{fragment}`:\n{stderr}"
        );
    }
    // No file at all.
    assert_eq!(credence(&["policy", "test"]).status.code(), Some(3));
}

#[test]
fn the_demo_summary_shows_every_shipped_pack() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_credence"))
        .args(["demo", "--people", "400", "--orgs", "400", "--dir"])
        .arg(dir.path())
        .env("CREDENCE_TODAY", "2026-11-01")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for pack in packs() {
        let id = pack.file_stem().unwrap().to_string_lossy().into_owned();
        let line = stdout.lines().find(|l| l.contains("packs: ")).unwrap();
        assert!(line.contains(&id), "{id} missing from {line}");
    }
    // No data is not a good record, and the generated city has the shape of the published
    // 2018 tax results (4.89% A, 7.01% D, most firms B): few A, most B.
    let share = |grade: &str| -> f64 {
        let block = stdout.split("  tax-credit:\n").nth(1).unwrap();
        let line = block
            .lines()
            .find(|l| l.split_whitespace().next() == Some(grade))
            .unwrap();
        let percent = line.rsplit('(').next().unwrap().trim_end_matches("%)");
        percent.parse().unwrap()
    };
    assert!(share("A") < 15.0, "A {}%:\n{stdout}", share("A"));
    assert!(share("B") > 40.0, "B {}%", share("B"));
    assert!(share("D") < 12.0, "D {}%", share("D"));
    for shown in [
        "on red list customs-advanced-certified",
        "on black list customs-dishonest",
        "food-hygiene-rating:",
        "no records: not rated",
    ] {
        assert!(stdout.contains(shown), "`{shown}` missing:\n{stdout}");
    }
}

#[test]
fn a_scenario_file_that_is_not_utf8_is_refused_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gbk.toml");
    // "京" in GBK on line 2.
    std::fs::write(&path, b"[[scenario]]\nname = \"\xBE\xA9\"\n").unwrap();
    let output = credence(&["policy", "test", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("is not UTF-8 text: line 2, byte 8 of the line"),
        "{stderr}"
    );
}
