//! The adversarial corpus (`tests/adversarial/NNN-name/`): each case is an abuse and its benign
//! twin. The abuse must be refused with the code of `expect.txt` (first line), by a message
//! that names the problem (it contains the second line); the twin must compile. Cases whose
//! abuse lives in a sources file (`abuse-sources.toml`) are run by the registry's
//! `tests/adversarial_sources.rs`; here their packs must compile.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic with its location is the failure report"
)]

use std::path::{Path, PathBuf};

use credence_policy::{PolicySource, compile};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn source(path: &Path) -> Vec<PolicySource> {
    vec![PolicySource {
        name: path.display().to_string(),
        text: std::fs::read_to_string(path).unwrap(),
    }]
}

/// (code, what the message must name).
pub fn expectation(case: &Path) -> (String, String) {
    let text = std::fs::read_to_string(case.join("expect.txt")).unwrap();
    let mut lines = text.lines();
    let code = lines.next().unwrap().trim().to_owned();
    let needle = lines.next().unwrap_or("").trim().to_lowercase();
    assert!(code.starts_with("refused-"), "{}", case.display());
    (code, needle)
}

#[test]
fn the_corpus_holds_at_least_a_hundred_abuses_with_their_twins() {
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    for case in &cases {
        let pack_only = case.join("abuse.toml").exists() && case.join("twin.toml").exists();
        let with_sources = case.join("pack.toml").exists()
            && case.join("abuse-sources.toml").exists()
            && case.join("twin-sources.toml").exists();
        assert!(pack_only || with_sources, "{}", case.display());
        expectation(case);
    }
}

#[test]
fn every_abuse_is_refused_naming_the_problem_and_every_twin_compiles() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !case.join("abuse.toml").exists() {
            for pack in ["pack.toml", "twin-pack.toml"] {
                let path = case.join(pack);
                if path.exists()
                    && let Err(d) = compile(&source(&path))
                {
                    failures.push(format!("{name}: {pack} does not compile:\n{d}"));
                }
            }
            continue;
        }
        let (code, needle) = expectation(&case);
        match compile(&source(&case.join("abuse.toml"))) {
            Ok(_) => failures.push(format!("{name}: abuse compiled, expected {code}")),
            Err(diagnostics) => {
                let named = diagnostics
                    .iter()
                    .any(|d| d.code == code && d.message.to_lowercase().contains(&needle));
                if !named {
                    failures.push(format!(
                        "{name}: expected {code} naming `{needle}`, got:\n{diagnostics}"
                    ));
                }
            }
        }
        if let Err(diagnostics) = compile(&source(&case.join("twin.toml"))) {
            failures.push(format!("{name}: twin refused:\n{diagnostics}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
