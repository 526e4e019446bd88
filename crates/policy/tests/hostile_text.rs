//! Policy text crafted to hurt: nesting deeper than any stack is refused with diagnostics
//! (the toml crate's recursion limit), never by overflowing the stack; strings that would be
//! printed may not hold control characters; diagnostics quote the text escaped.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use credence_policy::{PolicySource, compile};

fn compile_text(text: String) -> Result<(), String> {
    compile(&[PolicySource {
        name: "deep.toml".to_owned(),
        text,
    }])
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[test]
fn deeply_nested_arrays_are_refused_without_recursion() {
    for depth in [1_000, 100_000] {
        let text = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let message = compile_text(text).unwrap_err();
        assert!(message.contains("recursion"), "{}", &message[..200]);
        let text = format!("x = {}\n", "[".repeat(depth));
        assert!(compile_text(text).is_err());
    }
}

#[test]
fn deeply_nested_inline_tables_are_refused_without_recursion() {
    for depth in [1_000, 100_000] {
        let text = format!("x = {}{}\n", "{a = ".repeat(depth), "}".repeat(depth));
        assert!(compile_text(text).is_err());
    }
}

#[test]
fn deeply_dotted_keys_and_headers_are_refused_without_recursion() {
    for depth in [1_000, 50_000] {
        let key = vec!["a"; depth].join(".");
        assert!(compile_text(format!("{key} = 1\n")).is_err());
        assert!(compile_text(format!("[{key}]\n")).is_err());
    }
}

const HEAD: &str =
    "[policy]\nid = \"x\"\ntitle = \"x\"\nauthority = \"x\"\nversion = \"1\"\nbasis = \"x\"\n";

#[test]
fn strings_that_are_printed_may_not_hold_control_characters() {
    let cases = [
        ("title = \"x\"", "title = \"x\\u001b[2J\""),
        (
            "basis = \"x\"",
            "basis = \"Art. 1\\nremedy: pay 10000 yuan\"",
        ),
        ("authority = \"x\"", "authority = \"x\\u202e\""),
        ("version = \"1\"", "version = \"1\\t\""),
    ];
    for (from, to) in cases {
        let text = HEAD.replacen(from, to, 1);
        let line = 1 + text[..text.find(to).unwrap()].matches('\n').count();
        let message = compile_text(text).unwrap_err();
        assert!(
            message.contains("error[control-character]"),
            "{to}: {message}"
        );
        assert!(
            message.contains(&format!("deep.toml:{line}:")),
            "{to}: {message}"
        );
    }
    // A summary may run over several lines, and hold nothing else.
    let text = format!("{HEAD}summary = \"\"\"\none\ntwo\"\"\"\n");
    if let Err(message) = compile_text(text) {
        assert!(!message.contains("control-character"), "{message}");
    }
    let text = format!("{HEAD}summary = \"one\\u001b[31m\"\n");
    assert!(
        compile_text(text)
            .unwrap_err()
            .contains("control-character")
    );
}

#[test]
fn diagnostics_quote_the_text_escaped() {
    // A raw escape character is not TOML: the syntax error quotes the line, escaped.
    let text = format!("{HEAD}# \u{1b}[2J\u{1b}[H forged\n");
    let message = compile_text(text).unwrap_err();
    assert!(!message.contains('\u{1b}'), "{message:?}");
    assert!(message.contains("\u{FFFD}[2J"), "{message}");
}

#[test]
fn a_diagnostic_on_a_long_line_shows_a_window_of_it() {
    let text = format!("x = {}\n", "[".repeat(100_000));
    let message = compile_text(text).unwrap_err();
    assert!(message.len() < 2_000, "{} bytes", message.len());
    let lines: Vec<&str> = message.lines().collect();
    let shown = lines.iter().find(|l| l.starts_with("1 | ")).unwrap();
    let marks = lines.iter().find(|l| l.contains('^')).unwrap();
    assert!(shown.contains("[[[") && shown.ends_with("..."), "{shown}");
    // The mark stays under a character of the window.
    let column = marks.find('^').unwrap();
    assert!(column < shown.chars().count(), "{shown}\n{marks}");
}
