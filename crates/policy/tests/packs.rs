//! Every shipped pack compiles, alone and together.

use std::path::Path;

use credence_policy::{PolicySource, compile};

fn shipped() -> Vec<PolicySource> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(p).unwrap(),
        })
        .collect()
}

#[test]
fn every_shipped_pack_compiles_together() {
    let sources = shipped();
    assert!(!sources.is_empty());
    match compile(&sources) {
        Ok(policy) => assert_eq!(policy.packs.len(), sources.len()),
        Err(diagnostics) => panic!("{diagnostics}"),
    }
}
