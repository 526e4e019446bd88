//! Deeply nested policy text is refused with diagnostics, never by overflowing the stack.

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
