//! The policy packs shipped with credence, built into the binary so `credence demo` runs
//! anywhere. The files in `policies/` are the published source; these are the same bytes.

use credence_policy::PolicySource;

const PACKS: &[(&str, &str)] = &[
    (
        "policies/court-dishonest-debtors.toml",
        include_str!("../../../policies/court-dishonest-debtors.toml"),
    ),
    (
        "policies/civic-points.toml",
        include_str!("../../../policies/civic-points.toml"),
    ),
    (
        "policies/city-rewards.toml",
        include_str!("../../../policies/city-rewards.toml"),
    ),
    (
        "policies/sesame-scorecard.toml",
        include_str!("../../../policies/sesame-scorecard.toml"),
    ),
    (
        "policies/tax-environment.toml",
        include_str!("../../../policies/tax-environment.toml"),
    ),
    (
        "policies/credit-repair.toml",
        include_str!("../../../policies/credit-repair.toml"),
    ),
    (
        "policies/customs-credit.toml",
        include_str!("../../../policies/customs-credit.toml"),
    ),
    (
        "policies/food-hygiene.toml",
        include_str!("../../../policies/food-hygiene.toml"),
    ),
    (
        "policies/public-holidays.toml",
        include_str!("../../../policies/public-holidays.toml"),
    ),
];

pub const SOURCES: (&str, &str) = (
    "policies/sources.toml",
    include_str!("../../../policies/sources.toml"),
);

pub fn packs() -> Vec<PolicySource> {
    PACKS
        .iter()
        .map(|(name, text)| PolicySource {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_in_policies_is_built_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".toml") && name != "sources.toml")
            .map(|name| format!("policies/{name}"))
            .collect();
        files.sort();
        let mut built_in: Vec<String> = PACKS.iter().map(|(name, _)| (*name).to_owned()).collect();
        built_in.sort();
        assert_eq!(
            built_in, files,
            "list a new pack in PACKS so the demo loads it"
        );
    }
}
