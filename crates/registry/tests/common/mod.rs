//! What several registry tests share: the shipped packs and a registry made from them.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::path::Path;

use credence_policy::PolicySource;
use credence_registry::registry::Registry;

/// Every shipped pack (`policies/*.toml` but the sources file), in name order, and the sources
/// file's text.
pub fn shipped_packs() -> (Vec<PolicySource>, String) {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut packs: Vec<PolicySource> = std::fs::read_dir(&policies)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    packs.sort_by(|a, b| a.name.cmp(&b.name));
    let sources = std::fs::read_to_string(policies.join("sources.toml")).unwrap();
    (packs, sources)
}

/// A new registry in `dir/registry` with every shipped pack and the shipped sources.
pub fn shipped_registry(dir: &Path) -> Registry {
    let (packs, sources) = shipped_packs();
    Registry::init(&dir.join("registry"), packs, "sources.toml", &sources).unwrap()
}
