//! Stage two: from documents to a compiled [`Policy`], checking every reference, every type
//! and every refusal, and collecting every problem with its position.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use credence_model::{Calendar, Day, Duration, SubjectKind};

use crate::compiled::*;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceText};
use crate::expr::{self, Condition, Expr, LiteralValue, Op};
use crate::refusal;
use crate::syntax::{self, Document, S};

mod category;

pub use category::ROW_FIELDS;
mod condition;
mod list;
mod measure;
mod scheme;
mod scorecard;

/// A policy text and the name it is reported under (its path).
#[derive(Clone, Debug)]
pub struct PolicySource {
    pub name: String,
    pub text: String,
}

/// The most packs, categories or rules of each kind a policy set may hold.
pub const ITEMS_MAX: usize = 4_000;
/// The default time a source has to answer a dispute (FCRA §611: 30 days).
pub const DISPUTE_ANSWER_DEFAULT: Duration = Duration::Days(30);
/// The shortest and longest time a category may give a source to answer a dispute.
pub const DISPUTE_ANSWER_MIN: Duration = Duration::Days(1);
pub const DISPUTE_ANSWER_MAX: Duration = Duration::Years(1);
/// The longest attribute name.
pub const ATTRIBUTE_NAME_MAX: usize = 32;
/// The words of the condition language, which cannot name an attribute.
const KEYWORDS: [&str; 6] = ["and", "or", "not", "in", "true", "false"];

/// Parses, validates and compiles a set of packs together (they may refer to each other's
/// categories, lists and schemes).
pub fn compile(sources: &[PolicySource]) -> Result<Policy, Diagnostics> {
    let mut compiler = Compiler {
        sources,
        diagnostics: Vec::new(),
        reported: HashSet::new(),
    };
    let mut documents = Vec::new();
    for file in 0..sources.len() {
        if let Some(document) = compiler.parse(file) {
            compiler.words(file);
            compiler.bases(file, &document);
            documents.push((file, document));
        }
    }
    let policy = compiler.lower(&documents);
    if compiler.diagnostics.is_empty() {
        Ok(policy)
    } else {
        Err(Diagnostics(compiler.diagnostics))
    }
}

/// Hash of a text attribute value, as held in a slot: equal texts compare equal.
pub fn text_hash(text: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let value = hash as i64;
    if value == expr::MISSING {
        value + 1
    } else {
        value
    }
}

struct Compiler<'a> {
    sources: &'a [PolicySource],
    diagnostics: Vec<Diagnostic>,
    /// (file, text) of every string already refused by [`Compiler::words`].
    reported: HashSet<(usize, String)>,
}

fn kinds_help() -> Option<String> {
    Some("write subject kinds as \"person\" and/or \"organisation\"".into())
}

impl Compiler<'_> {
    fn text(&self, file: usize) -> SourceText<'_> {
        let source = &self.sources[file];
        SourceText {
            name: &source.name,
            text: &source.text,
        }
    }

    fn error(
        &mut self,
        file: usize,
        span: Range<usize>,
        code: &'static str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let diagnostic = self.text(file).diagnostic(span, code, message, help);
        self.diagnostics.push(diagnostic);
    }

    fn parse(&mut self, file: usize) -> Option<Document> {
        match toml::from_str::<Document>(&self.sources[file].text) {
            Ok(document) => {
                for found in crate::printable::unprintable_strings(&self.sources[file].text) {
                    self.error(
                        file,
                        found.span,
                        "control-character",
                        found.message,
                        Some("remove the character; write a line break only in a `summary` or a `description`".to_owned()),
                    );
                }
                Some(document)
            }
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                let message = error.message().trim().to_owned();
                let relation = unknown_field(&message).filter(|f| refusal::names_relation(f));
                if let Some(field) = relation {
                    self.error(
                        file,
                        span,
                        refusal::OTHER_SUBJECT,
                        format!("`{field}` would compute a standing from other subjects' records"),
                        Some("a standing is computed from the subject's own records only; the one link between subjects is a measure's `extends_to = { to = \"legal-representative\", basis = ... }`".into()),
                    );
                } else {
                    let help = if unknown_field(&message).is_some() {
                        "check the spelling against the policy language reference, docs/policy-language.md"
                    } else {
                        "see docs/policy-language.md for the fields of each table and their types"
                    };
                    self.error(file, span, "syntax", message, Some(help.to_owned()));
                }
                None
            }
        }
    }

    /// Where the value of `key` is written in the table at `table` (the span of a `[[...]]`
    /// header, or of an inline table), for the fields the document keeps without a span.
    fn key_span(&self, file: usize, table: Range<usize>, key: &str) -> Option<Range<usize>> {
        let text = &self.sources[file].text;
        let head = text.get(table.clone())?;
        let region = if head.starts_with('[') {
            // The keys of a `[[table]]` run from its header to the next header.
            let mut end = text.len();
            let mut offset = table.end;
            for line in text.get(table.end..)?.split_inclusive('\n') {
                if offset > table.end && line.trim_start().starts_with('[') {
                    end = offset;
                    break;
                }
                offset += line.len();
            }
            table.end..end
        } else {
            table
        };
        let body = text.get(region.clone())?;
        let mut from = 0;
        while let Some(found) = body.get(from..).and_then(|rest| rest.find(key)) {
            let at = from + found;
            from = at + key.len();
            let before = body[..at].trim_end_matches([' ', '\t']);
            let starts_key = before.is_empty() || before.ends_with(['\n', '{', ',']);
            let after = body[from..].trim_start_matches([' ', '\t']);
            let Some(value) = after.strip_prefix('=') else {
                continue;
            };
            if !starts_key {
                continue;
            }
            let value = value.trim_start_matches([' ', '\t']);
            let start = region.start + body.len() - value.len();
            return Some(start..start + value_len(value));
        }
        None
    }

    /// Where the string `item` is written in the array at `array`, or the whole array.
    fn item_span(&self, file: usize, array: Range<usize>, item: &str) -> Range<usize> {
        let text = &self.sources[file].text;
        let found = text.get(array.clone()).and_then(|body| {
            [format!("\"{item}\""), format!("'{item}'")]
                .iter()
                .find_map(|quoted| body.find(quoted.as_str()))
        });
        found.map_or(array.clone(), |at| {
            array.start + at..array.start + at + item.len() + 2
        })
    }

    /// Refuses a text an author wrote (`what`: "the title of rule `r`") that names a special
    /// category of data.
    fn special_text(&mut self, file: usize, span: Range<usize>, what: &str, text: &str) {
        if self.reported.contains(&(file, text.to_owned())) {
            return;
        }
        if let Some((special, term)) = refusal::special_category(text) {
            self.error(
                file,
                span,
                refusal::SPECIAL_CATEGORY,
                format!("{what} names {special} (`{term}`)"),
                Some(refusal::SPECIAL_TEXT_HELP.into()),
            );
        }
    }

    /// [`Self::special_text`] for the title and description of a table: `table` is its span
    /// (a header or an inline table) and `id` the span to fall back on.
    fn special_texts(
        &mut self,
        file: usize,
        (table, id): (Range<usize>, Range<usize>),
        what: &str,
        texts: &[(&str, Option<&str>)],
    ) {
        for (key, text) in texts {
            let Some(text) = text else {
                continue;
            };
            if refusal::special_category(text).is_some() {
                let span = self
                    .key_span(file, table.clone(), key)
                    .unwrap_or(id.clone());
                self.special_text(file, span, &format!("the {key} of {what}"), text);
            }
        }
    }

    /// Checks every string of a pack, keys and values at any depth (ids, titles, descriptions,
    /// attribute names, enum values, condition literals, bases), against the lexicon of
    /// special categories. Each distinct string is reported once, at its first occurrence.
    fn words(&mut self, file: usize) {
        let Ok(table) = toml::from_str::<toml::Table>(&self.sources[file].text) else {
            return;
        };
        let mut found = Vec::new();
        strings(&toml::Value::Table(table), "", &mut found);
        // Keys and texts repeat (`id`, `title`, a category's id): each is looked up once.
        let mut clean: HashSet<String> = HashSet::new();
        for (path, text) in found {
            if clean.contains(&text) || self.reported.contains(&(file, text.clone())) {
                continue;
            }
            let Some(hit) = crate::lexicon::special(&text) else {
                clean.insert(text);
                continue;
            };
            let span = self.string_span(file, &text);
            self.error(
                file,
                span,
                hit.class.code,
                format!(
                    "`{path}` names {} (`{}` in `{text}`)",
                    hit.class.name, hit.term
                ),
                Some(refusal::SPECIAL_TEXT_HELP.into()),
            );
            self.reported.insert((file, text));
        }
    }

    /// A breach or adjudication that grounds a black list and names a scheme, rating or
    /// scorecard of the set launders a score into a listing: refused by structure, whatever
    /// the words.
    fn names_a_score(&mut self, file: usize, doc: &syntax::CategoryDoc, policy: &Policy) {
        if !CategoryKind::parse(doc.kind.get_ref()).is_some_and(CategoryKind::may_penalise) {
            return;
        }
        // A category that feeds a scheme (an indicator's deduction) is an input to a score;
        // one that grounds a black list and names a score is a score turned into a listing.
        let grounds_black_list = policy.category_id(doc.id.get_ref()).is_some_and(|id| {
            policy.lists.iter().any(|l| {
                l.colour == Colour::Black && l.grounds.iter().any(|g| g.category == Some(id))
            })
        });
        if !grounds_black_list {
            return;
        }
        let fold = |text: &str| -> String {
            text.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let mut texts = vec![fold(doc.id.get_ref()), fold(doc.title.get_ref())];
        texts.extend(doc.description.iter().map(|d| fold(d.get_ref())));
        texts.extend(doc.attributes.keys().map(|k| fold(k.get_ref())));
        let scores = policy
            .schemes
            .iter()
            .map(|s| (&s.id, &s.title))
            .chain(policy.scorecards.iter().map(|c| (&c.id, &c.title)));
        for (id, title) in scores {
            let named = [fold(id), fold(title)]
                .into_iter()
                .filter(|n| n.chars().count() >= 5)
                .find(|n| texts.iter().any(|t| t.contains(n.as_str())));
            if named.is_some() {
                self.error(
                    file,
                    doc.id.span(),
                    refusal::RESTRICTION_ON_SCORE,
                    format!(
                        "{} category `{}` is about `{id}`, a score of this policy set",
                        doc.kind.get_ref(),
                        doc.id.get_ref()
                    ),
                    Some(refusal::penalised_help(refusal::RESTRICTION_ON_SCORE).into()),
                );
                return;
            }
        }
    }

    /// Where a string (a value or a key) is first written in a file.
    fn string_span(&self, file: usize, text: &str) -> Range<usize> {
        let source = &self.sources[file].text;
        for quoted in [format!("\"{text}\""), format!("'{text}'")] {
            if let Some(at) = source.find(quoted.as_str()) {
                return at..at + quoted.len();
            }
        }
        source.find(text).map_or(0..0, |at| at..at + text.len())
    }

    /// Every legal basis of a pack is a citation, never a placeholder: an obligation, a link
    /// and an extension cite their article; a list's and a measure's basis names its
    /// instrument. (Obligations are checked with their category.)
    fn bases(&mut self, file: usize, document: &Document) {
        let header = document.policy.get_ref();
        let mut spanned: Vec<(&S<String>, &str, Option<BasisRule>)> = Vec::new();
        let article: fn(&str) -> Option<&'static str> = |t| {
            refusal::citation_problem(t, false)
                .and(refusal::instrument_problem(t))
                .map(|_| "cites neither an article nor an instrument")
        };
        let instrument: fn(&str) -> Option<&'static str> = refusal::instrument_problem;
        let cited: fn(&str) -> Option<&'static str> = |t| refusal::citation_problem(t, true);
        for list in &document.list {
            let list = list.get_ref();
            spanned.push((&list.basis, "list", Some(instrument)));
            if let Some(extension) = &list.extension {
                spanned.push((&extension.get_ref().basis, "extension", None));
            }
            for ground in &list.ground {
                let ground = ground.get_ref();
                // A ground on a grade stands on the article that publishes the grade, and on
                // nothing else the list says.
                let rule = ground.rating.is_some().then_some(cited);
                spanned.push((&ground.basis, "ground", rule));
            }
            for bar in &list.bar {
                spanned.push((&bar.get_ref().basis, "bar", None));
            }
        }
        for measure in &document.measure {
            let measure = measure.get_ref();
            spanned.push((&measure.basis, "measure", None));
            if let Some(link) = &measure.link {
                spanned.push((&link.get_ref().basis, "link", Some(article)));
            }
            if let Some(extends) = &measure.extends_to {
                spanned.push((&extends.get_ref().basis, "extension", Some(article)));
            }
        }
        for scheme in document.scheme.iter().chain(&document.rating) {
            for direct in &scheme.get_ref().direct {
                spanned.push((&direct.get_ref().basis, "direct grade", None));
            }
        }
        for (basis, what, rule) in spanned {
            let text = basis.get_ref();
            let problem = if refusal::is_placeholder(text) {
                Some("is a placeholder, not a citation")
            } else {
                rule.and_then(|r| r(text))
            };
            if let Some(problem) = problem {
                self.error(
                    file,
                    basis.span(),
                    refusal::PLACEHOLDER_BASIS,
                    format!("the basis of a {what} (`{text}`) {problem}"),
                    Some(refusal::BASIS_HELP.into()),
                );
            }
        }
        let mut unspanned: Vec<(&str, Range<usize>, &str)> =
            vec![(&header.basis, document.policy.span(), "pack")];
        for scheme in document.scheme.iter().chain(&document.rating) {
            if let Some(basis) = &scheme.get_ref().basis {
                unspanned.push((basis, scheme.span(), "scheme"));
            }
        }
        for card in &document.scorecard {
            if let Some(basis) = &card.get_ref().basis {
                unspanned.push((basis, card.span(), "scorecard"));
            }
        }
        for (text, table, what) in unspanned {
            if refusal::is_placeholder(text) {
                let span = self.key_span(file, table.clone(), "basis").unwrap_or(table);
                self.error(
                    file,
                    span,
                    refusal::PLACEHOLDER_BASIS,
                    format!("the basis of the {what} (`{text}`) is a placeholder, not a citation"),
                    Some(refusal::BASIS_HELP.into()),
                );
            }
        }
    }

    /// A volume cap bounds both how much and how often records of a category earn points: at
    /// most [`refusal::CAP_SHARE_MAX_PERCENT`] per cent of the scheme's span a year, from at
    /// most [`refusal::CAP_RECORDS_PER_YEAR_MAX`] records a year.
    pub(super) fn volume_caps(
        &mut self,
        file: usize,
        doc: &syntax::SchemeDoc,
        caps: &[Cap],
        rules: &[Rule],
        policy: &Policy,
    ) {
        let base = *doc.base.get_ref();
        // The scale the points move on: the bounds, else the base, else the highest grade.
        let top_grade = doc
            .grade
            .iter()
            .filter_map(|g| g.get_ref().min.as_ref().map(|m| *m.get_ref()))
            .max()
            .filter(|m| *m > 0);
        let scale = match (doc.min.as_ref(), doc.max.as_ref()) {
            (Some(min), Some(max)) => Some(max.get_ref().saturating_sub(*min.get_ref())),
            (None, Some(max)) => Some(max.get_ref().saturating_sub(base.min(0))),
            _ if base > 0 => Some(base),
            _ => top_grade,
        };
        for (cap, cap_doc) in caps.iter().zip(&doc.cap) {
            let Some(gain) = cap.gain else { continue };
            let yearly = match cap.per {
                Period::Month => gain.saturating_mul(12),
                Period::Year | Period::Ever => gain,
            };
            let names: Vec<&str> = cap
                .categories
                .iter()
                .map(|c| policy.category(*c).id.as_str())
                .collect();
            let at = cap_doc
                .get_ref()
                .gain
                .as_ref()
                .map_or(cap_doc.span(), |g| g.span());
            if let Some(span) = scale
                && let most = span.saturating_mul(refusal::CAP_SHARE_MAX_PERCENT) / 100
                && yearly > most
            {
                self.error(file, at.clone(), refusal::VOLUME_REWARD, format!("the cap on `{}` lets them earn {yearly} points a year, more than {}% of the scheme's scale of {span} ({most})", names.join("`, `"), refusal::CAP_SHARE_MAX_PERCENT), Some("a cap bounds how much activity can earn: lower `gain` so that a year of records earns at most a fifth of the scale".into()));
                continue;
            }
            let smallest = rules
                .iter()
                .filter(|r| r.points > 0 && cap.categories.contains(&r.category))
                .map(|r| r.points)
                .min();
            if let Some(points) = smallest {
                let records = (yearly + points - 1) / points;
                if records > refusal::CAP_RECORDS_PER_YEAR_MAX {
                    self.error(file, at, refusal::VOLUME_REWARD, format!("the cap on `{}` lets {records} records a year earn points (at most {} may)", names.join("`, `"), refusal::CAP_RECORDS_PER_YEAR_MAX), Some("points may not reward frequent activity: lower `gain`, or give each record more points and fewer of them".into()));
                }
            }
        }
    }

    fn duration(&mut self, file: usize, value: &S<String>) -> Option<Duration> {
        match Duration::parse(value.get_ref()) {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.error(file, value.span(), "duration", error.to_string(), None);
                None
            }
        }
    }

    fn kinds(&mut self, file: usize, value: &S<Vec<String>>) -> Kinds {
        let mut kinds = Kinds::default();
        for kind in value.get_ref() {
            match kind.parse::<SubjectKind>() {
                Ok(SubjectKind::Person) => kinds.person = true,
                Ok(SubjectKind::Organisation) => kinds.organisation = true,
                Err(_) => self.error(
                    file,
                    value.span(),
                    "subject-kind",
                    format!("`{kind}` is not a subject kind"),
                    kinds_help(),
                ),
            }
        }
        if value.get_ref().is_empty() {
            self.error(
                file,
                value.span(),
                "subject-kind",
                "no subject kind given",
                kinds_help(),
            );
        }
        kinds
    }

    fn context(&mut self, file: usize, value: &S<String>) -> Context {
        if let Some(context) = Context::parse(value.get_ref()) {
            return context;
        }
        // A context naming a special category is refused by `words`, with every other string.
        if refusal::special_category(value.get_ref()).is_none() {
            let all: Vec<&str> = Context::ALL.iter().map(|c| c.as_str()).collect();
            self.error(
                file,
                value.span(),
                "unknown-context",
                format!("`{}` is not a context", value.get_ref()),
                Some(format!("use one of {}", all.join(", "))),
            );
        }
        Context::Civic
    }

    fn check_id(&mut self, file: usize, id: &S<String>, seen: &mut HashSet<String>, what: &str) {
        let text = id.get_ref();
        let valid = !text.is_empty()
            && text.len() <= 64
            && text.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
            });
        if !valid {
            self.error(
                file,
                id.span(),
                "id",
                format!("`{text}` is not a valid {what} id"),
                Some("ids are 1-64 characters of a-z, 0-9, `.`, `-` and `_`".into()),
            );
        }
        if !seen.insert(text.clone()) {
            self.error(
                file,
                id.span(),
                "duplicate",
                format!("{what} `{text}` is defined twice"),
                Some("every id must be unique across the whole policy set".into()),
            );
        }
    }

    /// One `[[calendar]]` year: its holidays (dates or runs `FIRST..LAST`) and adjusted
    /// working days, all in the year, each working day a Saturday or Sunday, the year declared
    /// once in the set, with the notice it comes from.
    fn calendar_year(
        &mut self,
        file: usize,
        doc: &syntax::S<syntax::CalendarDoc>,
        years: &mut Vec<i32>,
    ) -> Option<CalendarYear> {
        let doc = doc.get_ref();
        let span = doc.year.span();
        let Some(year) = i32::try_from(*doc.year.get_ref())
            .ok()
            .filter(|y| (1900..=9998).contains(y))
        else {
            self.error(
                file,
                span,
                "calendar",
                format!("`{}` is not a year", doc.year.get_ref()),
                None,
            );
            return None;
        };
        if years.contains(&year) {
            self.error(
                file,
                span,
                "calendar",
                format!("the calendar of {year} is declared twice"),
                Some("declare each year once in the whole set".into()),
            );
            return None;
        }
        if doc.source.get_ref().trim().is_empty() {
            self.error(
                file,
                doc.source.span(),
                "calendar",
                format!("the calendar of {year} names no source"),
                Some("cite the State Council General Office's notice the dates come from".into()),
            );
        }
        let mut errors = false;
        let mut day_in_year = |this: &mut Self, text: &str, span: Range<usize>| -> Option<Day> {
            match Day::parse(text) {
                Ok(day) if day.year() == year => Some(day),
                Ok(_) => {
                    this.error(
                        file,
                        span,
                        "calendar",
                        format!("`{text}` is not in {year}"),
                        Some("declare each date under the year it falls in".into()),
                    );
                    errors = true;
                    None
                }
                Err(error) => {
                    this.error(file, span, "calendar", error.to_string(), None);
                    errors = true;
                    None
                }
            }
        };
        let mut holidays = Vec::new();
        for text in doc.holidays.get_ref() {
            let span = doc.holidays.span();
            let (first, last) = text.split_once("..").unwrap_or((text, text));
            let (Some(first), Some(last)) = (
                day_in_year(self, first.trim(), span.clone()),
                day_in_year(self, last.trim(), span.clone()),
            ) else {
                continue;
            };
            if last < first {
                self.error(
                    file,
                    span,
                    "calendar",
                    format!("`{text}` ends before it starts"),
                    Some("write a run of holidays as `FIRST..LAST`".into()),
                );
                continue;
            }
            let mut day = first;
            while day <= last {
                holidays.push(day);
                day = day.add_days(1);
            }
        }
        let mut working_days = Vec::new();
        if let Some(list) = &doc.working_days {
            for text in list.get_ref() {
                let Some(day) = day_in_year(self, text, list.span()) else {
                    continue;
                };
                if !day.is_weekend() {
                    self.error(
                        file,
                        list.span(),
                        "calendar",
                        format!("`{text}` is a weekday, a working day already"),
                        Some("`working_days` lists the Saturdays and Sundays the notice makes working days".into()),
                    );
                } else if holidays.contains(&day) {
                    self.error(
                        file,
                        list.span(),
                        "calendar",
                        format!("`{text}` is declared both a holiday and a working day"),
                        None,
                    );
                } else {
                    working_days.push(day);
                }
            }
        }
        if errors {
            return None;
        }
        holidays.sort_unstable();
        holidays.dedup();
        working_days.sort_unstable();
        working_days.dedup();
        years.push(year);
        Some(CalendarYear {
            year,
            holidays,
            working_days,
            source: doc.source.get_ref().clone(),
        })
    }

    fn lower(&mut self, documents: &[(usize, Document)]) -> Policy {
        let mut policy = Policy {
            packs: Vec::new(),
            categories: Vec::new(),
            schemes: Vec::new(),
            scorecards: Vec::new(),
            lists: Vec::new(),
            measures: Vec::new(),
            uses: Vec::new(),
            calendar: Calendar::default(),
            category_index: HashMap::new(),
        };
        let mut seen_packs = HashSet::new();
        let mut seen = HashSet::new();
        let mut holidays = Vec::new();
        let mut working_days = Vec::new();
        let mut years: Vec<i32> = Vec::new();
        for (file, document) in documents {
            let header = document.policy.get_ref();
            self.check_id(*file, &header.id, &mut seen_packs, "policy");
            for day in header
                .holidays
                .iter()
                .flat_map(|h| h.get_ref().iter().map(move |d| (d, h.span())))
            {
                match credence_model::Day::parse(day.0) {
                    Ok(parsed) => holidays.push(parsed),
                    Err(error) => self.error(
                        *file,
                        day.1,
                        "holiday",
                        error.to_string(),
                        Some("list public holidays as dates: `holidays = [\"2026-10-01\"]`".into()),
                    ),
                }
            }
            policy.packs.push(Pack {
                id: header.id.get_ref().clone(),
                title: header.title.clone(),
                authority: header.authority.clone(),
                version: header.version.clone(),
                basis: header.basis.clone(),
                summary: header.summary.clone(),
                file: self.sources[*file].name.clone(),
                deadlines: Vec::new(),
                calendar: Vec::new(),
            });
            for year in &document.calendar {
                if let Some(lowered) = self.calendar_year(*file, year, &mut years)
                    && let Some(pack) = policy.packs.last_mut()
                {
                    holidays.extend_from_slice(&lowered.holidays);
                    working_days.extend_from_slice(&lowered.working_days);
                    pack.calendar.push(lowered);
                }
            }
            let mut seen_deadlines = HashSet::new();
            for deadline in &document.deadline {
                let d = deadline.get_ref();
                self.check_id(*file, &d.id, &mut seen_deadlines, "deadline");
                if d.basis.get_ref().trim().is_empty() {
                    self.error(
                        *file,
                        d.basis.span(),
                        "deadline",
                        format!("deadline `{}` needs its legal basis", d.id.get_ref()),
                        None,
                    );
                }
                if let Some(within) = self.duration(*file, &d.within)
                    && let Some(pack) = policy.packs.last_mut()
                {
                    pack.deadlines.push(Deadline {
                        id: d.id.get_ref().clone(),
                        title: d.title.clone(),
                        within,
                        from: d.from.clone(),
                        basis: d.basis.get_ref().clone(),
                    });
                }
            }
        }
        policy.calendar = Calendar::with_schedule(holidays, working_days, years);
        for (pack, (file, document)) in documents.iter().enumerate() {
            for category in &document.category {
                if policy.categories.len() >= ITEMS_MAX {
                    self.error(
                        *file,
                        category.span(),
                        "limit",
                        format!("more than {ITEMS_MAX} categories"),
                        None,
                    );
                    break;
                }
                self.check_id(*file, &category.get_ref().id, &mut seen, "category");
                let lowered = self.category(*file, pack, category.get_ref());
                let id = CategoryId(u16::try_from(policy.categories.len()).unwrap_or(u16::MAX));
                policy.category_index.insert(lowered.id.clone(), id);
                policy.categories.push(lowered);
            }
        }
        let built_in = representative_category();
        policy.category_index.insert(
            built_in.id.clone(),
            CategoryId(u16::try_from(policy.categories.len()).unwrap_or(u16::MAX)),
        );
        policy.categories.push(built_in);
        policy.uses = vec![CategoryUses::default(); policy.categories.len()];
        for (pack, (file, document)) in documents.iter().enumerate() {
            for scheme in &document.scheme {
                self.check_id(*file, &scheme.get_ref().id, &mut seen, "scheme");
                let lowered = self.scheme(*file, pack, scheme, false, &mut policy);
                policy.schemes.push(lowered);
            }
            for rating in &document.rating {
                self.check_id(*file, &rating.get_ref().id, &mut seen, "rating");
                let lowered = self.scheme(*file, pack, rating, true, &mut policy);
                policy.schemes.push(lowered);
            }
            for scorecard in &document.scorecard {
                self.check_id(*file, &scorecard.get_ref().id, &mut seen, "scorecard");
                let lowered = self.scorecard(*file, pack, scorecard, &mut policy);
                policy.scorecards.push(lowered);
            }
            for list in &document.list {
                self.check_id(*file, &list.get_ref().id, &mut seen, "list");
                let lowered = self.list(*file, pack, list, &mut policy);
                policy.lists.push(lowered);
            }
        }
        for (file, document) in documents {
            for category in &document.category {
                self.names_a_score(*file, category.get_ref(), &policy);
            }
        }
        for (pack, (file, document)) in documents.iter().enumerate() {
            for measure in &document.measure {
                self.check_id(*file, &measure.get_ref().id, &mut seen, "measure");
                if let Some(lowered) = self.measure(*file, pack, measure, &policy) {
                    policy.measures.push(lowered);
                }
            }
        }
        for (file, document) in documents.iter() {
            for list in &document.list {
                self.suspension(*file, list, &mut policy);
            }
        }
        Self::index_durations(&mut policy);
        policy
    }

    /// Gives every duration measured from a record a slot in its category's `durations`.
    fn index_durations(policy: &mut Policy) {
        fn slot(categories: &mut [Category], category: CategoryId, duration: Duration) -> u8 {
            let durations = &mut categories[usize::from(category.0)].durations;
            let index = durations
                .iter()
                .position(|d| *d == duration)
                .unwrap_or_else(|| {
                    durations.push(duration);
                    durations.len() - 1
                });
            u8::try_from(index).unwrap_or(u8::MAX)
        }
        let categories = &mut policy.categories;
        for scheme in &mut policy.schemes {
            for rule in &mut scheme.rules {
                rule.validity_slot = slot(categories, rule.category, rule.validity);
            }
            for direct in &mut scheme.direct {
                direct.validity_slot = slot(categories, direct.category, direct.validity);
            }
        }
        for card in &mut policy.scorecards {
            for characteristic in &mut card.characteristics {
                for input in &mut characteristic.inputs {
                    input.window_slot = slot(categories, input.category, characteristic.window);
                }
            }
        }
        for list in &mut policy.lists {
            for ground in &mut list.grounds {
                if let (Some(duration), Some(category)) = (ground.duration, ground.category) {
                    ground.duration_slot = slot(categories, category, duration);
                }
            }
        }
    }
}

/// The built-in link from an organisation to the person who legally represents it, reported by
/// the market regulator from the business registry. It is the only category with an attribute
/// naming another subject, and the registry reads it only to extend a measure that declares
/// `extends_to = { to = "legal-representative", ... }`.
pub fn representative_category() -> Category {
    let retention = Duration::Years(10);
    Category {
        id: refusal::REPRESENTATIVE_CATEGORY.to_owned(),
        title: "Legal representative of an organisation".to_owned(),
        description: Some("Built in: the person the business registry names as the organisation's legal representative. No pack declares or widens it.".to_owned()),
        context: Context::Market,
        subjects: Kinds {
            person: false,
            organisation: true,
        },
        kind: CategoryKind::Status,
        obligation: None,
        superseded: false,
        retention,
        dispute_answer: DISPUTE_ANSWER_DEFAULT,
        attributes: vec![Attribute {
            name: refusal::REPRESENTATIVE_ATTRIBUTE.to_owned(),
            title: Some("The legal representative's resident id".to_owned()),
            ty: AttrType::Subject,
            required: true,
        }],
        durations: vec![retention],
        pack: BUILT_IN,
    }
}

fn type_phrase(ty: &AttrType) -> &'static str {
    match ty {
        AttrType::Int => "a whole number",
        AttrType::Money => "an amount of money",
        AttrType::Bool => "true or false",
        AttrType::Date => "a date (\"YYYY-MM-DD\")",
        AttrType::Text => "text (\"...\")",
        AttrType::Enum(_) => "one of its values (\"...\")",
        AttrType::Subject => "another subject",
    }
}

/// An attribute type as a pack writes it.
fn type_name(ty: &AttrType) -> &'static str {
    match ty {
        AttrType::Int => "int",
        AttrType::Money => "money",
        AttrType::Bool => "bool",
        AttrType::Date => "date",
        AttrType::Text => "text",
        AttrType::Enum(_) => "enum",
        AttrType::Subject => "subject",
    }
}

/// Whether two sets of subject kinds share a kind.
fn overlap(a: Kinds, b: Kinds) -> bool {
    a.person && b.person || a.organisation && b.organisation
}

/// The length of the TOML value at the start of `value` (a string, possibly multi-line, or a
/// bare value up to the next separator).
fn value_len(value: &str) -> usize {
    for quote in ["\"\"\"", "'''"] {
        if let Some(inner) = value.strip_prefix(quote) {
            return inner
                .find(quote)
                .map_or(value.len(), |i| i + 2 * quote.len());
        }
    }
    let line = value.find('\n').unwrap_or(value.len());
    if let Some(inner) = value.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in inner.char_indices() {
            match c {
                '\n' => break,
                '"' if !escaped => return i + 2,
                '\\' => escaped = !escaped,
                _ => escaped = false,
            }
        }
        return line;
    }
    if let Some(inner) = value.strip_prefix('\'') {
        return inner.find(['\'', '\n']).map_or(line, |i| i + 2);
    }
    let end = value.find([',', '}', '#', '\n']).unwrap_or(value.len());
    value[..end].trim_end().len()
}

/// What a basis must cite beyond not being a placeholder: the problem with it, if any.
type BasisRule = fn(&str) -> Option<&'static str>;

/// Keys of the policy language that hold a word of the lexicon: `min_age` states by structure
/// the one way age may reach a scheme or scorecard.
const LANGUAGE_KEYS: &[&str] = &["min_age"];

/// Every key and string value under `value`, with its path (`category[0].title`).
fn strings(value: &toml::Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::String(text) => out.push((path.to_owned(), text.clone())),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{path}[{i}]"), out);
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                // The language's own keys are structure, not an author's words (serde refuses
                // any other key outside an attribute table); an attribute's name is an author's.
                if !LANGUAGE_KEYS.contains(&key.as_str()) || path.ends_with(".attributes") {
                    out.push((inner.clone(), key.clone()));
                }
                strings(item, &inner, out);
            }
        }
        _ => {}
    }
}

/// The field named by a serde "unknown field `x`" message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo
/// (and not `name` itself): the "did you mean" of every message that names an unknown id.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // The distance is at least the difference in length: a name far longer than every
    // candidate (a 60 KiB value in a file) is never compared character by character.
    let length = name.chars().count();
    candidates
        .filter(|c| length.abs_diff(c.chars().count()) <= 2.max(c.len() / 4))
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d > 0 && *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(edit_distance("court.guarante", "court.guarantee"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        let names = ["tax.evasion", "court.guarantee"];
        assert_eq!(
            closest("court.guarante", names.into_iter()),
            Some("court.guarantee")
        );
        assert_eq!(closest("zzz", names.into_iter()), None);
        assert_eq!(
            closest("tax.evasion", names.into_iter()),
            None,
            "a name is not its own typo"
        );
    }
}
