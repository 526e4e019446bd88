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

/// A reward that restores what every person has by default (`permission to buy ordinary
/// tickets`): a reward can only add.
pub const DEFAULT_ENTITLEMENT: &str = "refused-default-entitlement";
/// A legal basis that is a placeholder (`N/A`, `-`, `TBD`) or cites no article.
pub const PLACEHOLDER_BASIS: &str = "refused-placeholder-basis";
/// A breach or adjudication category that cites no legal obligation it breaches.
pub const NO_OBLIGATION: &str = "refused-no-obligation";
/// A source reporting a category its authority may not report (a context laundered, conduct
/// merely observed): checked where the sources file is read.
pub const SOURCE_AUTHORITY: &str = "refused-source-authority";

/// The longest retention any category may have.
pub const RETENTION_MAX: Duration = Duration::Years(10);

/// The most points a volume cap may let a category earn in a year, as a share (per cent) of the
/// scheme's span (max - min, or the base when it has no maximum).
pub const CAP_SHARE_MAX_PERCENT: i64 = 20;
/// The most records of a category a cap may let earn points in a year (twice a month).
pub const CAP_RECORDS_PER_YEAR_MAX: i64 = 24;

/// The special category `text` names (after normalisation, see [`crate::lexicon`]), with the
/// term of the published lexicon that names it.
pub fn special_category(text: &str) -> Option<(&'static str, &'static str)> {
    crate::lexicon::special(text).map(|hit| (hit.class.name.as_str(), hit.term))
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

/// The built-in category that links an organisation to the person who legally represents it
/// (reported by the market regulator from the business registry). No pack declares it, and no
/// pack declares any other relation between subjects.
pub const REPRESENTATIVE_CATEGORY: &str = "registry.legal-representative";
/// Its one attribute: the representative's identifier.
pub const REPRESENTATIVE_ATTRIBUTE: &str = "person";

/// What is wrong with a legal basis, if anything. A basis is a citation: it names an article
/// (`Art. 3(1)`, `Article 90`, `§ 62`, `第六十三条`) and, where `instrument` is asked for, the
/// instrument too (a law, provisions, measures, regulation...); a ground's, bar's or link's
/// basis may cite an article of the instrument its list or measure names.
pub fn citation_problem(text: &str, instrument: bool) -> Option<&'static str> {
    citation(text, true, instrument)
}

/// Whether a legal basis is a placeholder (`N/A`, `-`, `TBD`, blank).
pub fn is_placeholder(text: &str) -> bool {
    citation(text, false, false).is_some()
}

/// What is wrong with a basis that must name its instrument but may leave the article to its
/// grounds (a list's, a measure's).
pub fn instrument_problem(text: &str) -> Option<&'static str> {
    citation(text, false, true)
}

/// The help of a list ground on a grade that is refused.
pub const RATED_GROUND_HELP: &str = "a points total never puts anyone on a list: restrictions attach to lists with specific legal grounds. The one exception is an authority's own annual rating whose lowest grade the law publishes (the tax bureau's D-rated taxpayers): a ground on a `[[rating]]` of organisations only, fed by records of its own context, on its lowest grade";

/// The help of every refused basis.
pub const BASIS_HELP: &str = "a legal basis is a citation: name the instrument (a law, provisions, measures, regulation) and the article, e.g. `SPC Provisions on Restricting High Consumption (2015), Art. 3(1)(1)`; a placeholder binds no one";

/// The help for a category that may count against a subject and names what it may not.
pub fn penalised_help(code: &str) -> &'static str {
    match code {
        OTHER_SUBJECT => {
            "a record is about its subject's own conduct: a relative's, friend's or colleague's conduct is never recorded about the subject (no guilt by association)"
        }
        RESTRICTION_ON_SCORE => {
            "a score, points total or grade can only unlock rewards: it cannot be recorded as a breach or adjudication that grounds a list"
        }
        PENALTY_ON_CONTRIBUTION => {
            "a voluntary contribution can only add: its absence (a quota missed, no donation) is no breach of a legal obligation"
        }
        _ => SPECIAL_TEXT_HELP,
    }
}

fn citation(text: &str, article_needed: bool, instrument: bool) -> Option<&'static str> {
    let folded: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    const PLACEHOLDERS: [&str; 22] = [
        "",
        "na",
        "none",
        "nil",
        "null",
        "tbd",
        "tba",
        "todo",
        "xxx",
        "unknown",
        "seeabove",
        "various",
        "pending",
        "same",
        "ditto",
        "basis",
        "link",
        "law",
        "thelaw",
        "seelaw",
        "legalbasis",
        "notapplicable",
    ];
    if PLACEHOLDERS.contains(&folded.as_str()) || folded.chars().all(|c| c == 'x') {
        return Some("is a placeholder, not a citation");
    }
    let lower = text.to_lowercase();
    let has_digit = |from: usize| lower[from..].chars().take(12).any(|c| c.is_ascii_digit());
    const ARTICLE: [&str; 9] = [
        "art.", "arts.", "art ", "article", "§", "section", "para", "rule ", "item ",
    ];
    let article = ARTICLE.iter().any(|word| {
        lower
            .match_indices(word)
            .any(|(i, _)| has_digit(i + word.len()))
    }) || lower.find('第').is_some_and(|i| lower[i..].contains('条'));
    if article_needed && !article {
        return Some(
            "cites no article (write the instrument and the article, e.g. `Civil Procedure Law, art. 248`)",
        );
    }
    const INSTRUMENTS: [&str; 30] = [
        "law",
        "provisions",
        "provision",
        "measures",
        "measure",
        "regulation",
        "regulations",
        "rules",
        "order",
        "mou",
        "guidelines",
        "code",
        "act",
        "decision",
        "opinions",
        "notice",
        "memorandum",
        "interpretation",
        "standard",
        "directive",
        "catalogue",
        "法",
        "条例",
        "规定",
        "办法",
        "意见",
        "通知",
        "决定",
        "解释",
        "备忘录",
    ];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let names_instrument = INSTRUMENTS.iter().any(|i| {
        if i.is_ascii() {
            words.iter().any(|w| w == i)
        } else {
            lower.contains(i)
        }
    });
    if instrument && !names_instrument {
        return Some(
            "names no instrument (write the law, provisions or measures and the article, e.g. `Civil Procedure Law, art. 248`)",
        );
    }
    None
}

pub const SPECIAL_HELP: &str = "credence never records or scores special categories of data (political opinion, religion or belief, ethnicity or race, health, sex life or orientation, trade-union membership, biometric or genetic data): GDPR art. 9, PBOC Credit Reporting Regulation art. 14. Remove the category or attribute";

/// The help for a special category named in a scheme's, scorecard's, list's or measure's own
/// texts (titles, descriptions, reasons).
pub const SPECIAL_TEXT_HELP: &str = "credence never records or scores special categories of data (political opinion, religion or belief, ethnicity or race, health, sex life or orientation, trade-union membership, biometric or genetic data), nor the subject's sex, age or origin: GDPR art. 9, PIPL art. 28, PBOC Credit Reporting Regulation art. 14. Age reaches a rule only as the minor bar and `min_age`. Describe the recorded act itself (a judgment, a penalty decision), never the belief, health or group behind it";

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
            Some("biometric data or surveillance capture")
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
        assert_eq!(special_category("surface water discharge"), None);
        assert_eq!(special_category("food-safety inspection"), None);
    }

    #[test]
    fn citations_name_an_article() {
        for placeholder in [
            "",
            " ",
            "-",
            "N/A",
            "n.a.",
            "TBD",
            "none",
            "see above",
            "?",
            "—",
        ] {
            assert!(
                citation_problem(placeholder, true).is_some(),
                "{placeholder:?}"
            );
        }
        assert!(citation_problem("Civil Code", true).is_some(), "no article");
        assert!(
            citation_problem("Art. 3(2)", true).is_some(),
            "no instrument"
        );
        assert!(citation_problem("Art. 3(2)", false).is_none());
        for good in [
            "PRC Civil Procedure Law (2023), art. 248",
            "SPC Provisions on Restricting High Consumption (2015), Art. 3(1)(1)",
            "《中华人民共和国税收征收管理法》第六十三条",
            "Tax Administration Law § 62",
            "Road Traffic Safety Law, Article 90",
        ] {
            assert!(citation_problem(good, true).is_none(), "{good}");
        }
    }
}
