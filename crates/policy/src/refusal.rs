//! What credence refuses to express, whoever writes the policy.
//!
//! These are properties of the product (`mission.md`), not settings. Each refusal has a code
//! starting `refused-` and a test in `tests/refusals.rs` that tries to break it.

use credence_model::Duration;

pub const SPECIAL_CATEGORY: &str = "refused-special-category";
pub const OTHER_SUBJECT: &str = "refused-other-subject";
pub const RESTRICTION_ON_SCORE: &str = "refused-restriction-on-score";
pub const CROSS_CONTEXT: &str = "refused-cross-context";
pub const RETENTION: &str = "refused-retention";
pub const PUBLISH_PERSONS: &str = "refused-publish-persons";
pub const PENALTY_ON_CONTRIBUTION: &str = "refused-penalty-on-contribution";
pub const VOLUME_REWARD: &str = "refused-volume-reward";
pub const REWARD_SOURCE: &str = "refused-reward-source";

/// The longest retention any category may have.
pub const RETENTION_MAX: Duration = Duration::Years(10);

/// Special categories of personal data (GDPR art. 9; PBOC Credit Reporting Regulation art. 14),
/// with the words that name them. Matched as whole words, case-insensitively.
const SPECIAL: &[(&str, &[&str])] = &[
    (
        "political opinion",
        &[
            "political",
            "politics",
            "party membership",
            "party member",
            "petition",
            "petitioning",
            "protest",
            "protests",
            "demonstration",
            "dissent",
            "subversive",
            "subversion",
            "vote",
            "voting",
            "opinion",
            "opinions",
        ],
    ),
    (
        "religion or belief",
        &[
            "religion",
            "religious",
            "belief",
            "beliefs",
            "faith",
            "worship",
            "church",
            "mosque",
            "temple",
            "prayer",
            "atheist",
            "atheism",
        ],
    ),
    (
        "ethnicity or race",
        &["ethnic", "ethnicity", "race", "racial", "ancestry"],
    ),
    (
        "health",
        &[
            "health",
            "medical",
            "disease",
            "illness",
            "diagnosis",
            "disability",
            "disabled",
            "pregnancy",
            "pregnant",
            "mental",
            "hiv",
            "blood type",
        ],
    ),
    (
        "sex life or sexual orientation",
        &[
            "sex life",
            "sexual",
            "sexuality",
            "orientation",
            "gay",
            "lesbian",
            "lgbt",
            "lgbtq",
        ],
    ),
    (
        "trade-union membership",
        &[
            "trade union",
            "union membership",
            "union member",
            "unionised",
        ],
    ),
    (
        "biometric or genetic data",
        &[
            "biometric",
            "biometrics",
            "genetic",
            "genome",
            "dna",
            "fingerprint",
            "fingerprints",
            "face",
            "facial",
            "iris",
            "voiceprint",
            "gait",
        ],
    ),
];

/// The special category `text` names, with the word that names it.
pub fn special_category(text: &str) -> Option<(&'static str, &'static str)> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for (category, terms) in SPECIAL {
        for term in *terms {
            let parts: Vec<&str> = term.split(' ').collect();
            if words
                .windows(parts.len())
                .any(|window| window.iter().zip(&parts).all(|(w, p)| w == p))
            {
                return Some((category, term));
            }
        }
    }
    None
}

/// Field names that would relate a subject's standing to other people.
const RELATIONS: &[&str] = &[
    "subject",
    "of",
    "from",
    "relation",
    "related",
    "relatives",
    "family",
    "spouse",
    "children",
    "parents",
    "friends",
    "contacts",
    "associates",
    "network",
    "household",
    "neighbours",
    "colleagues",
    "group",
];

/// Whether a field name an author tried to use would compute one subject's standing from
/// another's records.
pub fn names_relation(field: &str) -> bool {
    RELATIONS.contains(&field)
}

/// The one link between subjects the language has: a measure's extension to an organisation's
/// legal representative.
pub const REPRESENTATIVE: &str = "legal-representative";

pub const SPECIAL_HELP: &str = "credence never records or scores special categories of data (political opinion, religion or belief, ethnicity or race, health, sex life or orientation, trade-union membership, biometric or genetic data): GDPR art. 9, PBOC Credit Reporting Regulation art. 14. Remove the category or attribute";

/// The help for a special category named in a scheme's, scorecard's, list's or measure's own
/// texts (titles, descriptions, reasons).
pub const SPECIAL_TEXT_HELP: &str = "credence never records or scores special categories of data (political opinion, religion or belief, ethnicity or race, health, sex life or orientation, trade-union membership, biometric or genetic data): GDPR art. 9, PBOC Credit Reporting Regulation art. 14. Describe the recorded act itself (a judgment, a penalty decision), never the belief, health or group behind it";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_only() {
        assert_eq!(
            special_category("church attendance").map(|s| s.0),
            Some("religion or belief")
        );
        assert_eq!(
            special_category("Facial recognition hits").map(|s| s.0),
            Some("biometric or genetic data")
        );
        assert_eq!(
            special_category("trade union member"),
            Some(("trade-union membership", "trade union"))
        );
        assert_eq!(
            special_category("court.trace_assets"),
            None,
            "trace is not race"
        );
        assert_eq!(
            special_category("surface water discharge"),
            None,
            "surface is not face"
        );
        assert_eq!(special_category("food-safety inspection"), None);
    }
}
