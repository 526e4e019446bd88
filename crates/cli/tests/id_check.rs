#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! `credence id check`: what each value is under GB 11643 and GB 32100, ambiguous values shown
//! with both readings, and exit code 3 for anything that cannot be used as written.

use std::process::{Command, Output};

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
