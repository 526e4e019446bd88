//! The adversarial corpus's sources cases (`crates/policy/tests/adversarial/NNN-name/` with
//! `abuse-sources.toml`): a source reporting what its authority may not (a context laundered,
//! conduct merely observed, an authority outside the closed set), or naming a special category.
//! The abuse must be refused with the code of `expect.txt` by a message naming the problem;
//! the twin sources file must be accepted.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic with its location is the failure report"
)]

use std::path::{Path, PathBuf};

use credence_policy::{PolicySource, compile};
use credence_registry::sources::parse_sources;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_source_abuse_is_refused_and_every_twin_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/tests/adversarial");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("abuse-sources.toml").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "{} sources cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expect = read(&case.join("expect.txt"));
        let mut lines = expect.lines();
        let code = lines.next().unwrap().trim();
        let needle = lines.next().unwrap_or("").trim().to_lowercase();
        let pack = |file: &str| {
            let path = case.join(file);
            compile(&[PolicySource {
                name: path.display().to_string(),
                text: read(&path),
            }])
            .unwrap_or_else(|d| panic!("{name}: {file}:\n{d}"))
        };
        let abuse_pack = pack("pack.toml");
        let twin_pack = if case.join("twin-pack.toml").exists() {
            pack("twin-pack.toml")
        } else {
            pack("pack.toml")
        };
        match parse_sources(
            "abuse-sources.toml",
            &read(&case.join("abuse-sources.toml")),
            &abuse_pack,
        ) {
            Ok(_) => failures.push(format!("{name}: abuse accepted, expected {code}")),
            Err(error) => {
                let named = error
                    .diagnostics
                    .iter()
                    .any(|d| d.code == code && d.message.to_lowercase().contains(&needle));
                if !named {
                    failures.push(format!(
                        "{name}: expected {code} naming `{needle}`, got:\n{error}"
                    ));
                }
            }
        }
        if let Err(error) = parse_sources(
            "twin-sources.toml",
            &read(&case.join("twin-sources.toml")),
            &twin_pack,
        ) {
            failures.push(format!("{name}: twin refused:\n{error}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
