//! What the binary's end-to-end tests share: running `credence` on the test registry's date,
//! and the shipped packs.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::path::Path;
use std::process::{Command, Output};

/// The registry's date in every end-to-end test.
pub const TODAY: &str = "2026-11-01";

/// Runs the binary with `args` on [`TODAY`].
pub fn credence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credence"))
        .args(args)
        .env("CREDENCE_TODAY", TODAY)
        .output()
        .expect("run credence")
}

/// Runs the binary and returns its standard output, failing the test if it failed.
pub fn ok(args: &[&str]) -> String {
    let output = credence(args);
    assert!(
        output.status.success(),
        "credence {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every shipped pack (`policies/*.toml` but the sources file), in name order.
pub fn policies() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml") && !p.ends_with("sources.toml"))
        .collect();
    files.sort();
    files
}

/// The shipped sources file.
pub fn sources() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies/sources.toml")
        .display()
        .to_string()
}
