//! The registered sources: who may submit records, and of which categories.
//!
//! A sources file is TOML, one `[[source]]` table per source:
//!
//! ```toml
//! [[source]]
//! id = "court"
//! title = "People's courts (enforcement bureaus)"
//! authority = "court"
//! categories = ["court.dishonest-conduct", "court.guarantee", "court.assets-seized"]
//! ```
//!
//! Every category must be one the policy declares, or the id of an opt-in scheme or scorecard
//! (a source that reports consent to it: consent events name the scheme). Every source names
//! one of the built-in authorities ([`credence_policy::authority`]) and may report only the
//! categories whose context and kind its authority may report. [`parse_sources`]
//! checks the whole file and reports every problem with file, line, column and how to fix it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use credence_policy::Policy;
use credence_policy::authority::AUTHORITIES;
use credence_policy::diagnostic::{Diagnostic, SourceText};
use credence_policy::refusal;
use credence_store::SourceRecord;
use serde::Deserialize;
use toml::Spanned;

/// The longest source id accepted.
pub const SOURCE_ID_MAX: usize = 64;

/// Every problem found in a sources file (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcesError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for SourcesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            writeln!(f, "{diagnostic}\n")?;
        }
        let n = self.diagnostics.len();
        write!(
            f,
            "{n} error{} in sources file `{}`",
            if n == 1 { "" } else { "s" },
            self.file
        )
    }
}

impl std::error::Error for SourcesError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    source: Vec<Spanned<SourceDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceDoc {
    id: Spanned<String>,
    title: Spanned<String>,
    authority: Spanned<String>,
    categories: Spanned<Vec<Spanned<String>>>,
}

/// What a category name in a sources file refers to.
enum Reportable {
    Category,
    ConsentScheme,
    /// A scheme or scorecard that needs no consent: nothing to report under its id.
    SchemeWithoutConsent,
    Unknown,
}

fn reportable(policy: &Policy, name: &str) -> Reportable {
    if policy.category_id(name).is_some() {
        return Reportable::Category;
    }
    let scheme = policy
        .schemes
        .iter()
        .find(|s| s.id == name)
        .map(|s| s.consent_required);
    let scorecard = policy
        .scorecards
        .iter()
        .find(|s| s.id == name)
        .map(|s| s.consent_required);
    match scheme.or(scorecard) {
        Some(true) => Reportable::ConsentScheme,
        Some(false) => Reportable::SchemeWithoutConsent,
        None => Reportable::Unknown,
    }
}

/// Reads a sources file (`name` is how it is reported, usually its path), checking every
/// category against `policy`. Collects every problem before failing.
pub fn parse_sources(
    name: &str,
    text: &str,
    policy: &Policy,
) -> Result<Vec<SourceRecord>, SourcesError> {
    let source_text = SourceText { name, text };
    let mut diagnostics = Vec::new();
    let mut error = |span: std::ops::Range<usize>,
                     code: &'static str,
                     message: String,
                     help: Option<String>| {
        diagnostics.push(source_text.diagnostic(span, code, message, help));
    };
    let document = match toml::from_str::<Document>(text) {
        Ok(document) => document,
        Err(e) => {
            let help = if e.message().contains("unknown field") {
                "a `[[source]]` has exactly `id`, `title`, `authority` and `categories`"
            } else if e.message().contains("missing field") {
                "every `[[source]]` needs `id`, `title`, `authority` and `categories`"
            } else {
                "a sources file is TOML: one `[[source]]` table per source with `id`, `title` and \
                 `categories`"
            };
            error(
                e.span().unwrap_or(0..0),
                "syntax",
                e.message().trim().to_owned(),
                Some(help.to_owned()),
            );
            return Err(SourcesError {
                file: name.to_owned(),
                diagnostics,
            });
        }
    };
    // Titles and ids are printed in answers and reports.
    for found in credence_policy::printable::unprintable_strings(text) {
        error(
            found.span,
            "control-character",
            found.message,
            Some("remove the character".to_owned()),
        );
    }
    if document.source.is_empty() {
        error(
            0..0,
            "no-source",
            "the file declares no source".to_owned(),
            Some(
                "add a `[[source]]` table with `id`, `title` and `categories` for each \
                 authorised source"
                    .to_owned(),
            ),
        );
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut records = Vec::with_capacity(document.source.len());
    for source in &document.source {
        let doc = source.get_ref();
        let id = doc.id.get_ref();
        if !valid_source_id(id) {
            error(
                doc.id.span(),
                "source-id",
                format!(
                    "`{}` is not a valid source id",
                    credence_model::text::escape(id)
                ),
                Some(format!(
                    "write 1-{SOURCE_ID_MAX} lowercase letters, digits, `-`, `_` or `.`, starting \
                     with a letter, for example \"tax-bureau\""
                )),
            );
        }
        if let Some(&first) = seen.get(id.as_str()) {
            let line = text[..first].matches('\n').count() + 1;
            error(
                doc.id.span(),
                "duplicate-source",
                format!("source `{id}` is declared twice (first on line {line})"),
                Some("merge the two tables, or give this source another id".to_owned()),
            );
        } else {
            seen.insert(id, doc.id.span().start);
        }
        if doc.title.get_ref().trim().is_empty() {
            error(
                doc.title.span(),
                "source-title",
                format!("source `{id}` has an empty title"),
                Some("name the authority, for example \"People's courts\"".to_owned()),
            );
        }
        for (text, span) in [
            (id.as_str(), doc.id.span()),
            (doc.title.get_ref().as_str(), doc.title.span()),
        ] {
            if let Some(hit) = credence_policy::lexicon::special(text) {
                error(
                    span,
                    refusal::SPECIAL_CATEGORY,
                    format!(
                        "source `{id}` names {} (`{}` in `{text}`)",
                        hit.class.name, hit.term
                    ),
                    Some(refusal::SPECIAL_TEXT_HELP.to_owned()),
                );
            }
        }
        let authority_name = doc.authority.get_ref();
        let authority = credence_policy::authority::authority(authority_name);
        if authority.is_none() {
            let known: Vec<&str> = AUTHORITIES.iter().map(|a| a.id).collect();
            error(
                doc.authority.span(),
                refusal::SOURCE_AUTHORITY,
                format!("`{authority_name}` is not an authority that may report records"),
                Some(format!(
                    "the authorities are a closed, published set: {}; a new kind of source needs a law and a change to credence",
                    known.join(", ")
                )),
            );
        }
        let categories = doc.categories.get_ref();
        if categories.is_empty() {
            error(
                doc.categories.span(),
                "no-category",
                format!("source `{id}` may report no category"),
                Some(
                    "list the record categories it reports (and the opt-in schemes it reports \
                     consent to)"
                        .to_owned(),
                ),
            );
        }
        let mut listed: HashSet<&str> = HashSet::new();
        for category in categories {
            let name = category.get_ref();
            if !listed.insert(name.as_str()) {
                error(
                    category.span(),
                    "duplicate-category",
                    format!("source `{id}` lists `{name}` twice"),
                    Some("remove the second mention".to_owned()),
                );
                continue;
            }
            match reportable(policy, name) {
                Reportable::Category => {
                    let declared = policy.category_id(name).map(|c| policy.category(c));
                    if let (Some(authority), Some(declared)) = (authority, declared)
                        && !authority.may_report(declared.context, declared.kind)
                    {
                        error(
                            category.span(),
                            refusal::SOURCE_AUTHORITY,
                            format!(
                                "source `{id}` ({}) may not report `{name}`, a {} {} category",
                                authority.title,
                                declared.context.as_str(),
                                declared.kind.as_str()
                            ),
                            Some(format!(
                                "a `{}` source reports {} only: a category's context and kind must be ones its sources' authority may report (no source reports conduct it merely observed, and no category is declared in another context than the one it is about)",
                                authority.id,
                                authority.reports()
                            )),
                        );
                    }
                }
                Reportable::ConsentScheme => {
                    if let Some(authority) = authority
                        && !authority.consent
                    {
                        error(
                            category.span(),
                            refusal::SOURCE_AUTHORITY,
                            format!(
                                "source `{id}` ({}) may not report consent to `{name}`",
                                authority.title
                            ),
                            Some("consent to an opt-in scheme is reported by the body that runs it (a civic office, a lender)".to_owned()),
                        );
                    }
                }
                Reportable::SchemeWithoutConsent => error(
                    category.span(),
                    "not-a-category",
                    format!(
                        "`{name}` is a scheme that needs no consent, so no source reports \
                         anything under its id"
                    ),
                    Some("list the record categories the scheme reads instead".to_owned()),
                ),
                Reportable::Unknown => {
                    let help = closest(name, reportable_names(policy)).map_or_else(
                        || {
                            "list categories declared by the policy packs (see \
                             docs/categories.md) or opt-in schemes"
                                .to_owned()
                        },
                        |c| format!("did you mean `{c}`?"),
                    );
                    error(
                        category.span(),
                        "unknown-category",
                        format!(
                            "`{name}` is neither a category of the policy nor an opt-in scheme"
                        ),
                        Some(help),
                    );
                }
            }
        }
        records.push(SourceRecord {
            id: id.clone(),
            title: doc.title.get_ref().clone(),
            categories: categories.iter().map(|c| c.get_ref().clone()).collect(),
        });
    }
    if diagnostics.is_empty() {
        Ok(records)
    } else {
        Err(SourcesError {
            file: name.to_owned(),
            diagnostics,
        })
    }
}

fn valid_source_id(id: &str) -> bool {
    (1..=SOURCE_ID_MAX).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
        })
}

/// Every name a source may list: categories and opt-in schemes and scorecards.
fn reportable_names(policy: &Policy) -> impl Iterator<Item = &str> {
    policy
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .chain(
            policy
                .schemes
                .iter()
                .filter(|s| s.consent_required)
                .map(|s| s.id.as_str()),
        )
        .chain(
            policy
                .scorecards
                .iter()
                .filter(|s| s.consent_required)
                .map(|s| s.id.as_str()),
        )
}

pub(crate) use credence_policy::compile::closest;
