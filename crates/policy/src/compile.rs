//! Stage two: from documents to a compiled [`Policy`], checking every reference, every type
//! and every refusal, and collecting every problem with its position.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use credence_model::{Calendar, Duration, SubjectKind};

use crate::compiled::*;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceText};
use crate::expr::{self, Condition, Expr, LiteralValue, Op};
use crate::refusal;
use crate::syntax::{self, Document, S};

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
    };
    let mut documents = Vec::new();
    for file in 0..sources.len() {
        if let Some(document) = compiler.parse(file) {
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
            Ok(document) => Some(document),
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
        if let Some((category, term)) = refusal::special_category(value.get_ref()) {
            self.error(
                file,
                value.span(),
                refusal::SPECIAL_CATEGORY,
                format!("context `{}` names {category} (`{term}`)", value.get_ref()),
                Some(refusal::SPECIAL_HELP.into()),
            );
        } else {
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
            });
        }
        policy.calendar = Calendar::new(holidays);
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
        for (pack, (file, document)) in documents.iter().enumerate() {
            for measure in &document.measure {
                self.check_id(*file, &measure.get_ref().id, &mut seen, "measure");
                if let Some(lowered) = self.measure(*file, pack, measure, &policy) {
                    policy.measures.push(lowered);
                }
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
                if let Some(duration) = ground.duration {
                    ground.duration_slot = slot(categories, ground.category, duration);
                }
            }
        }
    }

    fn category(&mut self, file: usize, pack: usize, doc: &syntax::CategoryDoc) -> Category {
        let mut texts: Vec<(&str, Range<usize>)> = vec![
            (doc.id.get_ref(), doc.id.span()),
            (doc.title.get_ref(), doc.title.span()),
        ];
        if let Some(description) = &doc.description {
            texts.push((description.get_ref(), description.span()));
        }
        for (name, attribute) in &doc.attributes {
            texts.push((name.get_ref(), name.span()));
            if let Some(title) = &attribute.get_ref().title {
                texts.push((title, attribute.span()));
            }
            if let Some(values) = &attribute.get_ref().values {
                for value in values.get_ref() {
                    texts.push((value, values.span()));
                }
            }
        }
        for (text, span) in texts {
            if let Some((special, term)) = refusal::special_category(text) {
                self.error(
                    file,
                    span,
                    refusal::SPECIAL_CATEGORY,
                    format!(
                        "category `{}` records {special} (`{term}` in `{text}`)",
                        doc.id.get_ref()
                    ),
                    Some(refusal::SPECIAL_HELP.into()),
                );
            }
        }
        let context = self.context(file, &doc.context);
        let subjects = self.kinds(file, &doc.subjects);
        let kind = CategoryKind::parse(doc.kind.get_ref()).unwrap_or_else(|| {
            self.error(
                file,
                doc.kind.span(),
                "category-kind",
                format!("`{}` is not a category kind", doc.kind.get_ref()),
                Some(format!("use one of {}", CategoryKind::NAMES)),
            );
            CategoryKind::Status
        });
        let retention = match &doc.retention {
            None => {
                self.error(
                    file,
                    doc.id.span(),
                    refusal::RETENTION,
                    format!("category `{}` has no retention period", doc.id.get_ref()),
                    Some(format!(
                        "every record expires: add `retention = \"5y\"` (at most {})",
                        refusal::RETENTION_MAX
                    )),
                );
                refusal::RETENTION_MAX
            }
            Some(text) => {
                let retention = self.duration(file, text).unwrap_or(refusal::RETENTION_MAX);
                if retention.may_exceed(refusal::RETENTION_MAX) {
                    self.error(file, text.span(), refusal::RETENTION, format!("retention `{retention}` is longer than {}", refusal::RETENTION_MAX), Some("no record may count for more than 10 years (no permanent sanctions): shorten the retention".into()));
                }
                retention
            }
        };
        let dispute_answer = match &doc.dispute_answer {
            None => DISPUTE_ANSWER_DEFAULT,
            Some(text) => match self.duration(file, text) {
                None => DISPUTE_ANSWER_DEFAULT,
                Some(answer) => {
                    if DISPUTE_ANSWER_MIN.may_exceed(answer)
                        || answer.may_exceed(DISPUTE_ANSWER_MAX)
                    {
                        self.error(
                            file,
                            text.span(),
                            "duration",
                            format!("`dispute_answer` `{answer}` is not between {DISPUTE_ANSWER_MIN} and {DISPUTE_ANSWER_MAX}"),
                            Some(format!("give the source at least {DISPUTE_ANSWER_MIN} and at most {DISPUTE_ANSWER_MAX} to answer a dispute, or leave `dispute_answer` out for {DISPUTE_ANSWER_DEFAULT}")),
                        );
                    }
                    answer
                }
            },
        };
        let mut attributes = Vec::new();
        for (name, attribute) in &doc.attributes {
            let attribute_doc = attribute.get_ref();
            self.check_attribute_name(file, name);
            let ty = match attribute_doc.kind.get_ref().as_str() {
                "int" => AttrType::Int,
                "money" => AttrType::Money,
                "bool" => AttrType::Bool,
                "date" => AttrType::Date,
                "text" => AttrType::Text,
                "subject" => AttrType::Subject,
                "enum" => match &attribute_doc.values {
                    Some(values) if !values.get_ref().is_empty() => {
                        AttrType::Enum(values.get_ref().clone())
                    }
                    _ => {
                        self.error(
                            file,
                            attribute.span(),
                            "attribute",
                            format!("enum attribute `{}` lists no values", name.get_ref()),
                            Some("add `values = [\"a\", \"b\"]`".into()),
                        );
                        AttrType::Enum(Vec::new())
                    }
                },
                other => {
                    self.error(
                        file,
                        attribute_doc.kind.span(),
                        "attribute",
                        format!("`{other}` is not an attribute type"),
                        Some(format!("use one of {}", AttrType::NAMES)),
                    );
                    AttrType::Text
                }
            };
            if !matches!(ty, AttrType::Enum(_)) && attribute_doc.values.is_some() {
                self.error(
                    file,
                    attribute.span(),
                    "attribute",
                    format!(
                        "`values` is only for enum attributes (`{}`)",
                        name.get_ref()
                    ),
                    None,
                );
            }
            attributes.push(Attribute {
                name: name.get_ref().clone(),
                title: attribute_doc.title.clone(),
                ty,
                required: attribute_doc.required,
            });
        }
        Category {
            id: doc.id.get_ref().clone(),
            title: doc.title.get_ref().clone(),
            description: doc.description.as_ref().map(|d| d.get_ref().clone()),
            context,
            subjects,
            kind,
            retention,
            dispute_answer,
            attributes,
            durations: vec![retention],
            pack,
        }
    }

    /// An attribute name must be one a condition can name.
    fn check_attribute_name(&mut self, file: usize, name: &S<String>) {
        let text = name.get_ref();
        let valid = text.len() <= ATTRIBUTE_NAME_MAX
            && text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.error(
                file,
                name.span(),
                "attribute",
                format!("`{text}` is not a valid attribute name"),
                Some(format!("attribute names are 1-{ATTRIBUTE_NAME_MAX} characters of a-z, 0-9 and `_`, starting with a letter or `_`, so that a condition can name them (`on_time`, `licence_points`)")),
            );
        } else if KEYWORDS.contains(&text.as_str()) {
            self.error(
                file,
                name.span(),
                "attribute",
                format!(
                    "`{text}` is a word of the condition language and cannot name an attribute"
                ),
                Some(format!(
                    "rename it, e.g. `{text}_`; conditions reserve {}",
                    KEYWORDS.join(", ")
                )),
            );
        }
    }

    fn category_ref(&mut self, file: usize, policy: &Policy, id: &S<String>) -> Option<CategoryId> {
        let found = policy.category_id(id.get_ref());
        if found.is_none() {
            let help = closest(
                id.get_ref(),
                policy.categories.iter().map(|c| c.id.as_str()),
            )
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| {
                Some("declare it with [[category]] in this pack or another pack of the set".into())
            });
            self.error(
                file,
                id.span(),
                "unknown-category",
                format!("no category `{}`", id.get_ref()),
                help,
            );
        }
        found
    }

    /// Compiles a condition text against the attributes of `category`.
    fn condition(
        &mut self,
        file: usize,
        category: &Category,
        text: Option<&S<String>>,
    ) -> Condition {
        let Some(text) = text else {
            return Condition::Always;
        };
        let raw = &self.sources[file].text;
        let start = text.span().start;
        let quote = if raw
            .get(start..start + 3)
            .is_some_and(|q| q == "\"\"\"" || q == "'''")
        {
            3
        } else {
            1
        };
        let offset = start + quote;
        match expr::parse(text.get_ref()) {
            Ok(parsed) => self.typecheck(file, offset, category, &parsed),
            Err(error) => {
                self.error(
                    file,
                    offset + error.span.start..offset + error.span.end,
                    "condition",
                    error.message,
                    None,
                );
                Condition::Always
            }
        }
    }

    fn typecheck(
        &mut self,
        file: usize,
        offset: usize,
        category: &Category,
        parsed: &Expr,
    ) -> Condition {
        let shift = |span: &Range<usize>| offset + span.start..offset + span.end;
        match parsed {
            Expr::Or(parts) => Condition::Any(
                parts
                    .iter()
                    .map(|p| self.typecheck(file, offset, category, p))
                    .collect(),
            ),
            Expr::And(parts) => Condition::All(
                parts
                    .iter()
                    .map(|p| self.typecheck(file, offset, category, p))
                    .collect(),
            ),
            Expr::Not(inner) => {
                Condition::Not(Box::new(self.typecheck(file, offset, category, inner)))
            }
            Expr::Flag(name) => {
                let Some((slot, ty)) =
                    self.attribute(file, shift(&name.span), category, &name.text)
                else {
                    return Condition::Always;
                };
                if ty != AttrType::Bool {
                    self.error(
                        file,
                        shift(&name.span),
                        "condition",
                        format!(
                            "`{}` is not a bool attribute: compare it with a value",
                            name.text
                        ),
                        None,
                    );
                }
                Condition::Compare {
                    slot,
                    op: Op::Eq,
                    value: 1,
                }
            }
            Expr::Compare {
                attribute,
                op,
                literal,
            } => {
                let Some((slot, ty)) =
                    self.attribute(file, shift(&attribute.span), category, &attribute.text)
                else {
                    return Condition::Always;
                };
                let ordered = matches!(ty, AttrType::Int | AttrType::Money | AttrType::Date);
                if !ordered && !matches!(op, Op::Eq | Op::Ne) {
                    self.error(
                        file,
                        shift(&literal.span),
                        "condition",
                        format!(
                            "`{}` can only be compared with `==` or `!=`",
                            attribute.text
                        ),
                        None,
                    );
                }
                let value = self
                    .literal(
                        file,
                        shift(&literal.span),
                        &ty,
                        &attribute.text,
                        &literal.value,
                    )
                    .unwrap_or(0);
                Condition::Compare {
                    slot,
                    op: *op,
                    value,
                }
            }
            Expr::In {
                attribute,
                literals,
            } => {
                let Some((slot, ty)) =
                    self.attribute(file, shift(&attribute.span), category, &attribute.text)
                else {
                    return Condition::Always;
                };
                let values = literals
                    .iter()
                    .filter_map(|l| {
                        self.literal(file, shift(&l.span), &ty, &attribute.text, &l.value)
                    })
                    .collect();
                Condition::In { slot, values }
            }
        }
    }

    fn attribute(
        &mut self,
        file: usize,
        span: Range<usize>,
        category: &Category,
        name: &str,
    ) -> Option<(u16, AttrType)> {
        let Some(slot) = category.slot(name) else {
            let names: Vec<&str> = category
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            self.error(
                file,
                span,
                "condition",
                format!("category `{}` has no attribute `{name}`", category.id),
                Some(if names.is_empty() {
                    "it declares no attributes".into()
                } else {
                    format!("its attributes are {}", names.join(", "))
                }),
            );
            return None;
        };
        let ty = category.attributes[usize::from(slot)].ty.clone();
        if ty == AttrType::Subject {
            self.error(file, span, refusal::OTHER_SUBJECT, format!("`{name}` names another subject and cannot be read by a rule"), Some("a standing is computed from the subject's own records only; another subject's identifier serves only a measure's declared extension to the legal representative".into()));
            return None;
        }
        Some((slot, ty))
    }

    fn literal(
        &mut self,
        file: usize,
        span: Range<usize>,
        ty: &AttrType,
        name: &str,
        value: &LiteralValue,
    ) -> Option<i64> {
        let result = match (ty, value) {
            (
                AttrType::Int,
                LiteralValue::Number {
                    hundredths,
                    whole: true,
                },
            ) => Ok(hundredths / 100),
            (AttrType::Money, LiteralValue::Number { hundredths, .. }) => Ok(*hundredths),
            (AttrType::Bool, LiteralValue::Bool(b)) => Ok(i64::from(*b)),
            (AttrType::Date, LiteralValue::Text(text)) => credence_model::Day::parse(text)
                .map(|d| i64::from(d.0))
                .map_err(|e| e.to_string()),
            (AttrType::Text, LiteralValue::Text(text)) => Ok(text_hash(text)),
            (AttrType::Enum(values), LiteralValue::Text(text)) => values
                .iter()
                .position(|v| v == text)
                .map(|i| i as i64)
                .ok_or_else(|| {
                    format!(
                        "`{text}` is not a value of `{name}`: use one of {}",
                        values.join(", ")
                    )
                }),
            (ty, _) => Err(format!(
                "`{name}` is {}, and this value is not",
                type_phrase(ty)
            )),
        };
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.error(file, span, "condition", message, None);
                None
            }
        }
    }

    fn scheme(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::SchemeDoc>,
        is_rating: bool,
        policy: &mut Policy,
    ) -> Scheme {
        let span = doc.span();
        let doc = doc.get_ref();
        let subjects = self.kinds(file, &doc.subjects);
        if is_rating && subjects.person {
            self.error(
                file,
                doc.subjects.span(),
                "rating",
                "a rating rates organisations only",
                Some("use [[scheme]] for persons".into()),
            );
        }
        let what = if is_rating { "rating" } else { "scheme" };
        self.special_texts(
            file,
            (span.clone(), doc.id.span()),
            &format!("{what} `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let consent_required = self.consent(file, doc.consent.as_ref());
        let index = u16::try_from(policy.schemes.len()).unwrap_or(u16::MAX);
        let mut rules = Vec::new();
        let mut seen = HashSet::new();
        for rule_doc in &doc.rule {
            let rule = rule_doc.get_ref();
            self.check_id(file, &rule.id, &mut seen, "rule");
            self.special_texts(
                file,
                (rule_doc.span(), rule.id.span()),
                &format!("rule `{}`", rule.id.get_ref()),
                &[("title", rule.title.as_deref())],
            );
            let Some(category_id) = self.category_ref(file, policy, &rule.category) else {
                continue;
            };
            let category = policy.category(category_id).clone();
            let points = *rule.points.get_ref();
            if points > 0 && !category.kind.may_reward() {
                self.error(
                    file,
                    rule.points.span(),
                    refusal::REWARD_SOURCE,
                    format!(
                        "rule `{}` rewards `{}`, a {} category",
                        rule.id.get_ref(),
                        category.id,
                        category.kind.as_str()
                    ),
                    Some(
                        "rewards come from fulfilled obligations and recorded contributions only"
                            .into(),
                    ),
                );
            }
            if points < 0 && category.kind == CategoryKind::Contribution {
                self.error(
                    file,
                    rule.points.span(),
                    refusal::PENALTY_ON_CONTRIBUTION,
                    format!(
                        "rule `{}` penalises `{}`, a voluntary contribution",
                        rule.id.get_ref(),
                        category.id
                    ),
                    Some("a voluntary contribution can only earn points, never lose them".into()),
                );
            }
            if points < 0
                && !category.kind.may_penalise()
                && category.kind != CategoryKind::Contribution
            {
                self.error(
                    file,
                    rule.points.span(),
                    "penalty-kind",
                    format!(
                        "rule `{}` penalises `{}`, a {} category",
                        rule.id.get_ref(),
                        category.id,
                        category.kind.as_str()
                    ),
                    Some("only breaches and adjudications may lose points".into()),
                );
            }
            let validity = self
                .duration(file, &rule.validity)
                .unwrap_or(category.retention);
            if validity.may_exceed(category.retention) {
                self.error(
                    file,
                    rule.validity.span(),
                    "validity",
                    format!(
                        "validity `{validity}` outlives the category's retention `{}`",
                        category.retention
                    ),
                    Some("points cannot count after their record expires".into()),
                );
            }
            let when = self.condition(file, &category, rule.when.as_ref());
            let rule_index = u16::try_from(rules.len()).unwrap_or(u16::MAX);
            policy.uses[usize::from(category_id.0)]
                .rules
                .push((index, rule_index));
            rules.push(Rule {
                id: rule.id.get_ref().clone(),
                title: rule.title.clone(),
                category: category_id,
                when,
                when_text: rule.when.as_ref().map(|w| w.get_ref().clone()),
                points,
                validity,
                validity_slot: 0,
            });
        }
        let mut caps = Vec::new();
        for cap in &doc.cap {
            let cap_doc = cap.get_ref();
            let categories: Vec<CategoryId> = cap_doc
                .categories
                .get_ref()
                .iter()
                .filter_map(|c| {
                    let found = policy.category_id(c);
                    if found.is_none() {
                        self.error(
                            file,
                            cap_doc.categories.span(),
                            "unknown-category",
                            format!("no category `{c}`"),
                            None,
                        );
                    }
                    found
                })
                .collect();
            let per = match cap_doc.per.get_ref().as_str() {
                "year" => Period::Year,
                "month" => Period::Month,
                "ever" => Period::Ever,
                other => {
                    self.error(
                        file,
                        cap_doc.per.span(),
                        "cap",
                        format!("`{other}` is not a cap period"),
                        Some("use \"year\", \"month\" or \"ever\"".into()),
                    );
                    Period::Ever
                }
            };
            let gain = cap_doc.gain.as_ref().map(|g| *g.get_ref());
            let loss = cap_doc.loss.as_ref().map(|l| *l.get_ref());
            if gain.is_none() && loss.is_none()
                || gain.is_some_and(|g| g < 0)
                || loss.is_some_and(|l| l < 0)
            {
                self.error(
                    file,
                    cap.span(),
                    "cap",
                    "a cap needs `gain` and/or `loss`, as positive numbers of points",
                    None,
                );
            }
            caps.push(Cap {
                categories,
                per,
                gain,
                loss,
            });
        }
        for rule in rules.iter().filter(|r| r.points > 0) {
            let capped = caps
                .iter()
                .any(|c| c.gain.is_some() && c.categories.contains(&rule.category));
            if !capped {
                let span = doc
                    .rule
                    .iter()
                    .find(|r| r.get_ref().id.get_ref() == &rule.id)
                    .map_or(span.clone(), |r| r.get_ref().points.span());
                self.error(file, span, refusal::VOLUME_REWARD, format!("rule `{}` rewards every record of `{}` without a cap", rule.id, policy.category(rule.category).id), Some("points may not grow with the volume of activity: add a [[scheme.cap]] with `gain` covering this category".into()));
            }
        }
        let grades = self.grades(file, &doc.grade, "grade");
        let (low, high) = (
            doc.min.as_ref().map(|m| *m.get_ref()),
            doc.max.as_ref().map(|m| *m.get_ref()),
        );
        let outside =
            |value: i64| low.is_some_and(|l| value < l) || high.is_some_and(|h| value > h);
        if outside(*doc.base.get_ref()) || matches!((low, high), (Some(l), Some(h)) if l > h) {
            self.error(
                file,
                doc.base.span(),
                "scheme",
                format!("base {} is outside the scheme's range", doc.base.get_ref()),
                Some("keep min <= base <= max".into()),
            );
        }
        for grade in &doc.grade {
            if let Some(min) = &grade.get_ref().min
                && high.is_some_and(|h| *min.get_ref() > h)
            {
                self.error(
                    file,
                    min.span(),
                    "grade",
                    format!(
                        "grade `{}` needs {} points, more than the maximum",
                        grade.get_ref().grade.get_ref(),
                        min.get_ref()
                    ),
                    Some("leave out `min` for a grade reached only by a direct ground".into()),
                );
            }
        }
        for rule in &doc.rule {
            if let Some(id) = policy.category_id(rule.get_ref().category.get_ref()) {
                let kinds = policy.category(id).subjects;
                if !(kinds.person && subjects.person || kinds.organisation && subjects.organisation)
                {
                    self.error(file, rule.get_ref().category.span(), "rule", format!("`{}` records are about {}, and the scheme rates {}: the rule never applies", policy.category(id).id, kinds.describe(), subjects.describe()), None);
                }
            }
        }
        let mut direct = Vec::new();
        for ground in &doc.direct {
            let ground = ground.get_ref();
            let Some(category_id) = self.category_ref(file, policy, &ground.category) else {
                continue;
            };
            let category = policy.category(category_id).clone();
            let Some(grade) = grades
                .iter()
                .position(|g| &g.name == ground.grade.get_ref())
            else {
                self.error(
                    file,
                    ground.grade.span(),
                    "grade",
                    format!("no grade `{}` in this rating", ground.grade.get_ref()),
                    None,
                );
                continue;
            };
            if category.kind == CategoryKind::Contribution {
                self.error(
                    file,
                    ground.category.span(),
                    refusal::PENALTY_ON_CONTRIBUTION,
                    format!(
                        "a voluntary contribution (`{}`) cannot set a grade directly",
                        category.id
                    ),
                    None,
                );
            } else if category.kind == CategoryKind::Fulfilment {
                self.error(
                    file,
                    ground.category.span(),
                    "direct",
                    format!(
                        "a fulfilment (`{}`) cannot set a grade directly",
                        category.id
                    ),
                    Some("direct grades are downgrades for breaches and adjudications, or classifications from status records; rewards come through rules".into()),
                );
            }
            let validity = match &ground.validity {
                None => category.retention,
                Some(text) => {
                    let validity = self.duration(file, text).unwrap_or(category.retention);
                    if validity.may_exceed(category.retention) {
                        self.error(
                            file,
                            text.span(),
                            "validity",
                            format!(
                                "validity `{validity}` outlives the category's retention `{}`",
                                category.retention
                            ),
                            Some("a direct grade cannot hold after its record expires: shorten the validity, or leave it out to use the retention".into()),
                        );
                    }
                    validity
                }
            };
            let when = self.condition(file, &category, ground.when.as_ref());
            let direct_index = u16::try_from(direct.len()).unwrap_or(u16::MAX);
            policy.uses[usize::from(category_id.0)]
                .directs
                .push((index, direct_index));
            direct.push(Direct {
                grade: u8::try_from(grade).unwrap_or(u8::MAX),
                category: category_id,
                when,
                when_text: ground.when.as_ref().map(|w| w.get_ref().clone()),
                basis: ground.basis.get_ref().clone(),
                score_at_least: ground.score_at_least.as_ref().map(|s| *s.get_ref()),
                validity,
                validity_slot: 0,
            });
        }
        Scheme {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            is_rating,
            subjects,
            base: *doc.base.get_ref(),
            min: doc.min.as_ref().map(|m| *m.get_ref()),
            max: doc.max.as_ref().map(|m| *m.get_ref()),
            consent_required,
            reward_only: doc.reward_only.as_ref().is_some_and(|r| *r.get_ref()),
            basis: doc.basis.clone(),
            description: doc.description.clone(),
            rules,
            caps,
            grades,
            direct,
            pack,
        }
    }

    fn consent(&mut self, file: usize, consent: Option<&S<String>>) -> bool {
        match consent.map(|c| (c.get_ref().as_str(), c.span())) {
            None | Some(("none", _)) => false,
            Some(("opt-in", _)) => true,
            Some((other, span)) => {
                self.error(
                    file,
                    span,
                    "consent",
                    format!("`{other}` is not a consent rule"),
                    Some(
                        "use \"opt-in\" (scored only after the subject consents) or \"none\""
                            .into(),
                    ),
                );
                false
            }
        }
    }

    fn grades(&mut self, file: usize, docs: &[S<syntax::GradeDoc>], what: &str) -> Vec<Grade> {
        let mut grades: Vec<Grade> = Vec::new();
        for doc in docs {
            let grade = doc.get_ref();
            if grades.iter().any(|g| &g.name == grade.grade.get_ref()) {
                self.error(
                    file,
                    grade.grade.span(),
                    "grade",
                    format!("{what} `{}` is defined twice", grade.grade.get_ref()),
                    None,
                );
            }
            let min = grade.min.as_ref().map(|m| *m.get_ref());
            match (&grade.min, grades.iter().rev().find_map(|g| g.min)) {
                (Some(this), Some(previous)) if *this.get_ref() >= previous => self.error(
                    file,
                    this.span(),
                    "grade",
                    format!("{what} thresholds must fall from the first to the last ({} is not below {previous})", this.get_ref()),
                    Some(format!("list the highest {what} first")),
                ),
                (None, _) if what == "band" => self.error(file, grade.grade.span(), "grade", format!("band `{}` needs its cut-off `min`", grade.grade.get_ref()), None),
                _ => {}
            }
            grades.push(Grade {
                name: grade.grade.get_ref().clone(),
                min,
                title: grade.title.clone(),
            });
        }
        grades
    }

    fn scorecard(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::ScorecardDoc>,
        policy: &mut Policy,
    ) -> Scorecard {
        let span = doc.span();
        let doc = doc.get_ref();
        self.special_texts(
            file,
            (span, doc.id.span()),
            &format!("scorecard `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let subjects = self.kinds(file, &doc.subjects);
        let consent_required = self.consent(file, doc.consent.as_ref());
        let [low, high] = *doc.range.get_ref();
        if low >= high {
            self.error(
                file,
                doc.range.span(),
                "scorecard",
                "the range must be [lowest, highest]",
                None,
            );
        }
        let index = u16::try_from(policy.scorecards.len()).unwrap_or(u16::MAX);
        let mut characteristics = Vec::new();
        let mut seen = HashSet::new();
        for characteristic in &doc.characteristic {
            let c = characteristic.get_ref();
            self.check_id(file, &c.id, &mut seen, "characteristic");
            if let Some(lowered) = self.characteristic(
                file,
                (index, subjects),
                u16::try_from(characteristics.len()).unwrap_or(u16::MAX),
                characteristic,
                policy,
            ) {
                characteristics.push(lowered);
            }
        }
        let bands = self.grades(file, &doc.band, "band");
        for band in &doc.band {
            if let Some(min) = &band.get_ref().min
                && !(low..=high).contains(min.get_ref())
            {
                self.error(
                    file,
                    min.span(),
                    "grade",
                    format!(
                        "band `{}` starts at {}, outside the range {low}-{high}",
                        band.get_ref().grade.get_ref(),
                        min.get_ref()
                    ),
                    None,
                );
            }
        }
        if !(low..=high).contains(doc.base.get_ref()) {
            self.error(
                file,
                doc.base.span(),
                "scorecard",
                format!(
                    "base {} is outside the range {low}-{high}",
                    doc.base.get_ref()
                ),
                None,
            );
        }
        Scorecard {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            subjects,
            base: *doc.base.get_ref(),
            range: (low, high),
            consent_required,
            basis: doc.basis.clone(),
            description: doc.description.clone(),
            characteristics,
            bands,
            pack,
        }
    }

    fn characteristic(
        &mut self,
        file: usize,
        (scorecard, subjects): (u16, Kinds),
        index: u16,
        table: &S<syntax::CharacteristicDoc>,
        policy: &mut Policy,
    ) -> Option<Characteristic> {
        let doc = table.get_ref();
        let what = format!("characteristic `{}`", doc.id.get_ref());
        self.special_texts(
            file,
            (table.span(), doc.id.span()),
            &what,
            &[("title", Some(&doc.title))],
        );
        let reason_text = &doc.reason.get_ref().text;
        if refusal::special_category(reason_text).is_some() {
            let span = self
                .key_span(file, doc.reason.span(), "text")
                .unwrap_or(doc.reason.span());
            self.special_text(file, span, &format!("the reason of {what}"), reason_text);
        }
        let Some(measurement) = Measurement::parse(doc.measure.get_ref()) else {
            self.error(
                file,
                doc.measure.span(),
                "scorecard",
                format!("`{}` is not a measurement", doc.measure.get_ref()),
                Some("use count, sum, days_since_last or days_since_first".into()),
            );
            return None;
        };
        if let Some(attribute) = &doc.attribute
            && measurement != Measurement::Sum
        {
            self.error(
                file,
                attribute.span(),
                "scorecard",
                format!(
                    "`attribute` `{}` is read only by `sum`, and {what} measures `{}`",
                    attribute.get_ref(),
                    doc.measure.get_ref()
                ),
                Some("remove `attribute`, or write `measure = \"sum\"`".into()),
            );
        }
        let written_window = doc.window.as_ref().and_then(|w| self.duration(file, w));
        let counts = matches!(measurement, Measurement::Count | Measurement::Sum);
        let since_last = measurement == Measurement::DaysSinceLast;
        let mut inputs = Vec::new();
        let mut categories = Vec::new();
        let mut retention = Duration::Days(0);
        let mut rewards_volume = false;
        let mut rewards_recency = false;
        let mut rewards_breaches = false;
        let mut rewards_breach_recency = false;
        let mut counts_contributions = false;
        let mut counts_fulfilments = false;
        for name in doc.categories.get_ref() {
            let Some(id) = policy.category_id(name) else {
                self.error(
                    file,
                    doc.categories.span(),
                    "unknown-category",
                    format!("no category `{name}`"),
                    None,
                );
                continue;
            };
            let category = policy.category(id).clone();
            let span = self.item_span(file, doc.categories.span(), name);
            if !overlap(category.subjects, subjects) {
                self.error(
                    file,
                    span.clone(),
                    "scorecard",
                    format!(
                        "`{}` records are about {}, and the scorecard scores {}: {what} never reads them",
                        category.id,
                        category.subjects.describe(),
                        subjects.describe()
                    ),
                    Some("read categories about the subjects the scorecard scores".into()),
                );
            }
            if category.kind == CategoryKind::Status {
                self.error(
                    file,
                    span,
                    "scorecard",
                    format!(
                        "{what} reads `{}`, a status category: status records describe the subject and may not be scored",
                        category.id
                    ),
                    Some("measure breaches and adjudications, or the time since the last one".into()),
                );
            }
            if let (Some(window), Some(text)) = (written_window, &doc.window)
                && window.may_exceed(category.retention)
            {
                self.error(
                    file,
                    text.span(),
                    "scorecard",
                    format!(
                        "window `{window}` outlives the retention `{}` of `{}`",
                        category.retention, category.id
                    ),
                    Some("a record cannot be measured after it expires: shorten the window, or leave it out to use the retention".into()),
                );
            }
            if category.retention.may_exceed(retention) {
                retention = category.retention;
            }
            rewards_volume |= category.kind.may_reward() && counts;
            rewards_recency |= category.kind.may_reward() && since_last;
            rewards_breaches |= category.kind.may_penalise() && counts;
            rewards_breach_recency |= category.kind.may_penalise() && since_last;
            counts_contributions |= category.kind == CategoryKind::Contribution && counts;
            counts_fulfilments |= category.kind == CategoryKind::Fulfilment && counts;
            let when = self.condition(file, &category, doc.when.as_ref());
            let slot = match (&doc.attribute, measurement) {
                (Some(attribute), Measurement::Sum) => self
                    .attribute(file, attribute.span(), &category, attribute.get_ref())
                    .and_then(|(slot, ty)| {
                        if matches!(ty, AttrType::Int | AttrType::Money) {
                            return Some(slot);
                        }
                        self.error(
                            file,
                            attribute.span(),
                            "scorecard",
                            format!(
                                "`sum` cannot add up `{}`: it is of type `{}` in `{}`",
                                attribute.get_ref(),
                                type_name(&ty),
                                category.id
                            ),
                            Some("sum an `int` or `money` attribute, or measure `count`".into()),
                        );
                        None
                    }),
                (None, Measurement::Sum) => {
                    self.error(
                        file,
                        doc.measure.span(),
                        "scorecard",
                        "`sum` needs `attribute`",
                        Some("name the `int` or `money` attribute to add up: `attribute = \"amount\"`".into()),
                    );
                    None
                }
                _ => None,
            };
            let input = u16::try_from(inputs.len()).unwrap_or(u16::MAX);
            policy.uses[usize::from(id.0)]
                .characteristics
                .push((scorecard, index, input));
            inputs.push(CharacteristicInput {
                category: id,
                when,
                slot,
                window_slot: 0,
            });
            categories.push(id);
        }
        let window = written_window.unwrap_or(retention);
        let mut bins = Vec::new();
        let mut previous: Option<i64> = None;
        let bins_doc = doc.bins.get_ref();
        for (i, bin) in bins_doc.iter().enumerate() {
            let b = bin.get_ref();
            let upto = b.upto.as_ref().map(|u| *u.get_ref());
            match (upto, i + 1 == bins_doc.len()) {
                (None, false) => self.error(
                    file,
                    bin.span(),
                    "scorecard",
                    "only the last bin may leave out `upto`",
                    None,
                ),
                (Some(_), true) => self.error(
                    file,
                    bin.span(),
                    "scorecard",
                    "the last bin takes every remaining value: leave out `upto`",
                    None,
                ),
                _ => {}
            }
            if let (Some(u), Some(p)) = (upto, previous)
                && u <= p
            {
                self.error(
                    file,
                    bin.span(),
                    "scorecard",
                    "bins must be in increasing order of `upto`",
                    None,
                );
            }
            previous = upto.or(previous);
            bins.push(Bin {
                upto,
                points: *b.points.get_ref(),
            });
        }
        if bins.is_empty() {
            self.error(
                file,
                doc.bins.span(),
                "scorecard",
                "a characteristic needs bins",
                None,
            );
        }
        let rising = bins.windows(2).any(|w| w[1].points > w[0].points);
        let falling = bins.windows(2).any(|w| w[1].points < w[0].points);
        let recent_rewarded = rewards_recency && falling;
        if recent_rewarded {
            self.error(file, doc.bins.span(), refusal::VOLUME_REWARD, format!("characteristic `{}` gives more points the more recent the last fulfilment or contribution", doc.id.get_ref()), Some("points may not reward keeping up activity: measure breaches, or the time since the last one".into()));
        }
        if rewards_breaches && rising {
            self.error(
                file,
                doc.bins.span(),
                refusal::REWARD_SOURCE,
                format!(
                    "characteristic `{}` gives more points for more breaches",
                    doc.id.get_ref()
                ),
                Some("counts and sums of breaches may only lower the points".into()),
            );
        }
        if rewards_breach_recency && falling {
            self.error(
                file,
                doc.bins.span(),
                refusal::REWARD_SOURCE,
                format!(
                    "characteristic `{}` gives more points the more recent the last breach",
                    doc.id.get_ref()
                ),
                Some("the time since the last breach may only raise the points".into()),
            );
        }
        if rewards_volume && rising {
            self.error(file, doc.bins.span(), refusal::VOLUME_REWARD, format!("characteristic `{}` gives more points for more records", doc.id.get_ref()), Some("points may not grow with the volume of activity: measure breaches, or the time since the last one".into()));
        }
        if counts_contributions && falling {
            self.error(
                file,
                doc.bins.span(),
                refusal::PENALTY_ON_CONTRIBUTION,
                format!(
                    "characteristic `{}` gives fewer points for more voluntary contributions",
                    doc.id.get_ref()
                ),
                Some("a voluntary contribution may only help: a count or sum of contributions may not change the points; measure breaches instead".into()),
            );
        }
        if counts_fulfilments && falling {
            self.error(
                file,
                doc.bins.span(),
                "scorecard",
                format!(
                    "characteristic `{}` gives fewer points for more fulfilled obligations",
                    doc.id.get_ref()
                ),
                Some("fulfilling an obligation may not cost points: measure breaches and adjudications instead (a late repayment is a breach of its own category)".into()),
            );
        }
        let points_max = bins.iter().map(|b| b.points).max().unwrap_or(0);
        let reason = doc.reason.get_ref();
        Some(Characteristic {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            measurement,
            inputs,
            categories,
            when_text: doc.when.as_ref().map(|w| w.get_ref().clone()),
            window,
            reason_code: reason.code.get_ref().clone(),
            reason: reason.text.clone(),
            bins,
            points_max,
        })
    }

    fn list(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::ListDoc>,
        policy: &mut Policy,
    ) -> List {
        let span = doc.span();
        let doc = doc.get_ref();
        self.special_texts(
            file,
            (span, doc.id.span()),
            &format!("list `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let index = u16::try_from(policy.lists.len()).unwrap_or(u16::MAX);
        let subjects = self.kinds(file, &doc.subjects);
        let context = self.context(file, &doc.context);
        let colour = match doc.colour.get_ref().as_str() {
            "red" => Colour::Red,
            "black" => Colour::Black,
            other => {
                self.error(
                    file,
                    doc.colour.span(),
                    "list",
                    format!("`{other}` is not a list colour"),
                    Some("use \"red\" (rewards) or \"black\" (restrictions)".into()),
                );
                Colour::Black
            }
        };
        let publish = doc
            .publish
            .as_ref()
            .map(|p| self.kinds(file, p))
            .unwrap_or_default();
        if publish.person
            && let Some(p) = &doc.publish
        {
            self.error(file, p.span(), refusal::PUBLISH_PERSONS, "a list may not publish persons", Some("credence never publishes individuals: relying parties ask about one subject for one measure; publish organisations only".into()));
        }
        let mut exits = Exits::default();
        for exit in doc.exit.get_ref() {
            match exit.as_str() {
                "performance" => exits.performance = true,
                "retraction" => exits.retraction = true,
                "repair" => exits.repair = true,
                other => self.error(
                    file,
                    doc.exit.span(),
                    "list",
                    format!("`{other}` is not an exit"),
                    Some("use performance, retraction and/or repair".into()),
                ),
            }
        }
        if !exits.retraction {
            self.error(
                file,
                doc.exit.span(),
                "list",
                "every list must end an entry whose record is retracted",
                Some("add \"retraction\" to `exit`".into()),
            );
        }
        let extension = doc.extension.as_ref().map(|e| {
            let e = e.get_ref();
            let mut months = |text: &S<String>| match self.duration(file, text) {
                Some(d) if d.months().is_some() => d,
                Some(_) => {
                    self.error(
                        file,
                        text.span(),
                        "list",
                        "an extension is written in months or years (`12mo`, `3y`)",
                        None,
                    );
                    Duration::Years(1)
                }
                None => Duration::Years(1),
            };
            let (min, max) = (months(&e.min), months(&e.max));
            if min.may_exceed(max) {
                self.error(
                    file,
                    e.min.span(),
                    "list",
                    format!("the extension's minimum `{min}` is longer than its maximum `{max}`"),
                    None,
                );
            }
            Extension {
                min,
                max,
                basis: e.basis.get_ref().clone(),
            }
        });
        let mut grounds = Vec::new();
        let mut seen = HashSet::new();
        for ground in &doc.ground {
            let g = ground.get_ref();
            self.check_id(file, &g.id, &mut seen, "ground");
            self.special_texts(
                file,
                (ground.span(), g.id.span()),
                &format!("ground `{}`", g.id.get_ref()),
                &[("title", Some(&g.title))],
            );
            let Some(category_id) = self.category_ref(file, policy, &g.category) else {
                continue;
            };
            let category = policy.category(category_id).clone();
            if !overlap(category.subjects, subjects) {
                self.error(
                    file,
                    g.category.span(),
                    "ground",
                    format!(
                        "`{}` records are about {}, and the list holds {}: ground `{}` never applies",
                        category.id,
                        category.subjects.describe(),
                        subjects.describe(),
                        g.id.get_ref()
                    ),
                    Some("ground the list on records about the subjects it can hold".into()),
                );
            }
            if category.kind == CategoryKind::Contribution && colour == Colour::Black {
                self.error(
                    file,
                    g.category.span(),
                    refusal::PENALTY_ON_CONTRIBUTION,
                    format!(
                        "a voluntary contribution (`{}`) cannot be a ground of a black list",
                        category.id
                    ),
                    None,
                );
            } else if colour == Colour::Red && !category.kind.may_reward() {
                self.error(
                    file,
                    g.category.span(),
                    refusal::REWARD_SOURCE,
                    format!(
                        "`{}` is a {} category and cannot put a subject on the red list `{}`",
                        category.id,
                        category.kind.as_str(),
                        doc.id.get_ref()
                    ),
                    Some(
                        "rewards come from fulfilled obligations and recorded contributions only"
                            .into(),
                    ),
                );
            } else if colour == Colour::Black && !category.kind.may_penalise() {
                self.error(
                    file,
                    g.category.span(),
                    "ground",
                    format!(
                        "`{}` is a {} category; black-list grounds are breaches or adjudications",
                        category.id,
                        category.kind.as_str()
                    ),
                    None,
                );
            }
            let duration = match g.duration.get_ref().as_str() {
                "until-performed" => {
                    if !exits.performance {
                        self.error(
                            file,
                            g.duration.span(),
                            "ground",
                            "`until-performed` needs \"performance\" in the list's `exit`",
                            None,
                        );
                    }
                    None
                }
                _ => self.duration(file, &g.duration),
            };
            if let Some(d) = duration
                && d.may_exceed(category.retention)
            {
                self.error(
                    file,
                    g.duration.span(),
                    "ground",
                    format!(
                        "duration `{d}` outlives the category's retention `{}`",
                        category.retention
                    ),
                    None,
                );
            }
            let repair_after = g.repair_after.as_ref().and_then(|r| self.duration(file, r));
            if repair_after.is_some() && !exits.repair {
                self.error(
                    file,
                    g.repair_after.as_ref().map_or(ground.span(), |r| r.span()),
                    "ground",
                    "`repair_after` needs \"repair\" in the list's `exit`",
                    None,
                );
            }
            let extendable_span = || {
                self.key_span(file, ground.span(), "extendable")
                    .unwrap_or(ground.span())
            };
            if g.extendable && duration.is_none() && g.duration.get_ref() == "until-performed" {
                let span = extendable_span();
                self.error(
                    file,
                    span,
                    "ground",
                    format!(
                        "ground `{}` lasts `until-performed`, which no extension lengthens",
                        g.id.get_ref()
                    ),
                    Some("remove `extendable`, or give the ground a fixed `duration`".into()),
                );
            } else if g.extendable && extension.is_none() {
                let span = extendable_span();
                self.error(
                    file,
                    span,
                    "ground",
                    "an extendable ground needs the list's `extension`",
                    Some("add `extension = { min = \"1y\", max = \"3y\", basis = \"...\" }` to the list, or remove `extendable`".into()),
                );
            }
            let when = self.condition(file, &category, g.when.as_ref());
            let ground_index = u16::try_from(grounds.len()).unwrap_or(u16::MAX);
            policy.uses[usize::from(category_id.0)]
                .grounds
                .push((index, ground_index));
            grounds.push(Ground {
                id: g.id.get_ref().clone(),
                title: g.title.clone(),
                category: category_id,
                when,
                when_text: g.when.as_ref().map(|w| w.get_ref().clone()),
                duration,
                duration_slot: 0,
                repair_after,
                extendable: g.extendable,
                basis: g.basis.get_ref().clone(),
            });
        }
        if grounds.is_empty() {
            self.error(
                file,
                doc.id.span(),
                "list",
                format!("list `{}` has no grounds", doc.id.get_ref()),
                Some("every entry needs a specific legal ground: add [[list.ground]]".into()),
            );
        }
        let mut bars = Vec::new();
        for bar in &doc.bar {
            let b = bar.get_ref();
            self.check_id(file, &b.id, &mut seen, "bar");
            self.special_texts(
                file,
                (bar.span(), b.id.span()),
                &format!("bar `{}`", b.id.get_ref()),
                &[("title", Some(&b.title))],
            );
            let rule = if b.minor.as_ref().is_some_and(|m| *m.get_ref()) {
                for (field, value) in [
                    ("category", &b.category),
                    ("same", &b.same),
                    ("when", &b.when),
                ] {
                    if let Some(value) = value {
                        self.error(
                            file,
                            value.span(),
                            "bar",
                            format!(
                                "bar `{}` has `minor = true` and `{field}`: a bar bars minors or reads records, not both",
                                b.id.get_ref()
                            ),
                            Some("split it into two bars, one with `minor = true` and one with `category`".into()),
                        );
                    }
                }
                BarRule::Minor
            } else if let Some(category_name) = &b.category {
                let Some(category_id) = self.category_ref(file, policy, category_name) else {
                    continue;
                };
                let category = policy.category(category_id).clone();
                let when = self.condition(file, &category, b.when.as_ref());
                let (bar_slot, ground_slots) = match &b.same {
                    None => (None, vec![None; grounds.len()]),
                    Some(same) => {
                        let bar_slot = self
                            .attribute(file, same.span(), &category, same.get_ref())
                            .map(|(s, _)| s);
                        let mut slots = Vec::new();
                        for ground in &grounds {
                            let ground_category = policy.category(ground.category).clone();
                            slots.push(
                                self.attribute(file, same.span(), &ground_category, same.get_ref())
                                    .map(|(s, _)| s),
                            );
                        }
                        (bar_slot, slots)
                    }
                };
                let bar_index = u16::try_from(bars.len()).unwrap_or(u16::MAX);
                policy.uses[usize::from(category_id.0)]
                    .bars
                    .push((index, bar_index));
                BarRule::Record {
                    category: category_id,
                    when,
                    same: b.same.as_ref().map(|s| s.get_ref().clone()),
                    bar_slot,
                    ground_slots,
                }
            } else {
                let mut reported = false;
                for (field, value) in [("same", &b.same), ("when", &b.when)] {
                    if let Some(value) = value {
                        reported = true;
                        self.error(
                            file,
                            value.span(),
                            "bar",
                            format!(
                                "`{field}` of bar `{}` reads the records of a `category`, and the bar has none",
                                b.id.get_ref()
                            ),
                            Some(format!("add the `category` whose records bar the entry, or remove `{field}`")),
                        );
                    }
                }
                if !reported {
                    self.error(
                        file,
                        bar.span(),
                        "bar",
                        "a bar needs `minor = true` or a `category`",
                        Some("write `minor = true` (the subject is a minor) or `category = \"...\"` (a counting record of that category bars the entry)".into()),
                    );
                }
                continue;
            };
            bars.push(Bar {
                id: b.id.get_ref().clone(),
                title: b.title.clone(),
                basis: b.basis.get_ref().clone(),
                rule,
            });
        }
        List {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            colour,
            subjects,
            context,
            basis: doc.basis.get_ref().clone(),
            description: doc.description.clone(),
            publish,
            exits,
            extension,
            grounds,
            bars,
            pack,
        }
    }

    fn measure(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::MeasureDoc>,
        policy: &Policy,
    ) -> Option<Measure> {
        let span = doc.span();
        let doc = doc.get_ref();
        self.special_texts(
            file,
            (span, doc.id.span()),
            &format!("measure `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let effect = match doc.effect.get_ref().as_str() {
            "reward" => Effect::Reward,
            "restriction" => Effect::Restriction,
            other => {
                self.error(
                    file,
                    doc.effect.span(),
                    "measure",
                    format!("`{other}` is not an effect"),
                    Some("use \"reward\" or \"restriction\"".into()),
                );
                return None;
            }
        };
        let context = self.context(file, &doc.context);
        let trigger = self.trigger(file, &doc.on, policy)?;
        let grounds = self.trigger_grounds(file, &doc.on, &trigger, policy);
        let subjects = match &trigger {
            Trigger::List(l) => policy.lists[*l].subjects,
            Trigger::SchemeGrades { scheme, .. } | Trigger::SchemeScore { scheme, .. } => {
                policy.schemes[*scheme].subjects
            }
            Trigger::ScorecardBands { scorecard, .. }
            | Trigger::ScorecardScore { scorecard, .. } => policy.scorecards[*scorecard].subjects,
        };
        if effect == Effect::Reward
            && let Trigger::List(l) = &trigger
            && policy.lists[*l].colour == Colour::Black
        {
            self.error(
                file,
                doc.on.span(),
                "measure",
                format!("a reward cannot bind to the black list `{}`", policy.lists[*l].id),
                Some("rewards bind to red lists (fulfilments and contributions) or to a scheme's grades or score; a black list carries restrictions".into()),
            );
        }
        if effect == Effect::Restriction {
            match &trigger {
                Trigger::List(l) => {
                    let list = &policy.lists[*l];
                    if list.colour == Colour::Red {
                        self.error(file, doc.on.span(), "measure", format!("a restriction cannot bind to the red list `{}`", list.id), Some("restrictions bind to black lists, whose grounds are breaches and adjudications".into()));
                    }
                    let mut contexts: Vec<Context> = list
                        .grounds
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| grounds.as_ref().is_none_or(|g| g.contains(&(*i as u16))))
                        .map(|(_, g)| policy.category(g.category).context)
                        .collect();
                    contexts.dedup();
                    let named: Vec<&str> = contexts.iter().map(|c| c.as_str()).collect();
                    let linked = doc.link.as_ref().is_some_and(|l| !l.get_ref().basis.get_ref().trim().is_empty());
                    if subjects.person && contexts.iter().any(|c| *c != context) && !linked {
                        self.error(file, doc.context.span(), refusal::CROSS_CONTEXT, format!("restriction `{}` applies in `{context}` but its grounds are in `{}`", doc.id.get_ref(), named.join("`, `")), Some("a restriction on persons outside the context of its grounds needs the published legal link: add `link = { basis = \"...\" }` citing the law that connects them (EU AI Act art. 5(1)(c))".into()));
                    }
                }
                _ => self.error(file, doc.on.span(), refusal::RESTRICTION_ON_SCORE, format!("restriction `{}` is triggered by a points total, grade or score", doc.id.get_ref()), Some("restrictions attach only to lists with specific legal grounds; a score or grade can only unlock rewards".into())),
            }
        }
        let extends_to_representative = match &doc.extends_to {
            None => None,
            Some(extends) => {
                let e = extends.get_ref();
                if e.to.get_ref() != refusal::REPRESENTATIVE {
                    self.error(file, e.to.span(), refusal::OTHER_SUBJECT, format!("a measure cannot extend to `{}`", e.to.get_ref()), Some("the only extension the law gives is from an organisation to its legal representative: `to = \"legal-representative\"`".into()));
                    None
                } else if !subjects.organisation {
                    self.error(
                        file,
                        extends.span(),
                        "measure",
                        "only measures on organisations can extend to a legal representative",
                        None,
                    );
                    None
                } else if e.basis.get_ref().trim().is_empty() {
                    self.error(
                        file,
                        e.basis.span(),
                        "measure",
                        "the extension needs its legal basis",
                        None,
                    );
                    None
                } else {
                    Some(e.basis.get_ref().clone())
                }
            }
        };
        if doc.relying_parties.get_ref().is_empty() {
            self.error(
                file,
                doc.relying_parties.span(),
                "measure",
                "name the relying parties that apply the measure",
                None,
            );
        }
        if let Some(link) = &doc.link
            && link.get_ref().basis.get_ref().trim().is_empty()
        {
            self.error(
                file,
                link.get_ref().basis.span(),
                "measure",
                "the link needs its legal basis",
                Some(
                    "cite the provision that connects the restriction's context to its grounds"
                        .into(),
                ),
            );
        }
        if doc.basis.get_ref().trim().is_empty() {
            self.error(
                file,
                doc.basis.span(),
                "measure",
                "every measure needs its legal basis",
                None,
            );
        }
        Some(Measure {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            effect,
            context,
            trigger,
            grounds,
            basis: doc.basis.get_ref().clone(),
            relying_parties: doc.relying_parties.get_ref().clone(),
            description: doc.description.clone(),
            link: doc
                .link
                .as_ref()
                .map(|l| l.get_ref().basis.get_ref().clone()),
            extends_to_representative,
            pack,
        })
    }

    /// The grounds a list-triggered measure is limited to, if it names any.
    fn trigger_grounds(
        &mut self,
        file: usize,
        on: &S<syntax::TriggerDoc>,
        trigger: &Trigger,
        policy: &Policy,
    ) -> Option<Vec<u16>> {
        let names = on.get_ref().grounds.as_ref()?;
        let Trigger::List(list) = trigger else {
            self.error(
                file,
                names.span(),
                "measure",
                "`grounds` only narrows a list trigger",
                None,
            );
            return None;
        };
        let list = &policy.lists[*list];
        let mut indexes = Vec::new();
        for name in names.get_ref() {
            match list.grounds.iter().position(|g| &g.id == name) {
                Some(i) => indexes.push(u16::try_from(i).unwrap_or(u16::MAX)),
                None => {
                    let all: Vec<&str> = list.grounds.iter().map(|g| g.id.as_str()).collect();
                    self.error(
                        file,
                        names.span(),
                        "measure",
                        format!("list `{}` has no ground `{name}`", list.id),
                        Some(format!("its grounds are {}", all.join(", "))),
                    );
                }
            }
        }
        if names.get_ref().is_empty() {
            self.error(
                file,
                names.span(),
                "measure",
                "name at least one ground, or leave `grounds` out",
                None,
            );
        }
        Some(indexes)
    }

    fn trigger(
        &mut self,
        file: usize,
        on: &S<syntax::TriggerDoc>,
        policy: &Policy,
    ) -> Option<Trigger> {
        let t = on.get_ref();
        let help = Some("write `on = { list = \"...\" }`, `on = { scheme = \"...\", grades = [...] }` or `on = { scheme = \"...\", score_at_least = N }`".to_owned());
        match (&t.list, &t.scheme, &t.grades, &t.score_at_least) {
            (Some(list), None, None, None) => match policy.list_index(list.get_ref()) {
                Some(l) => Some(Trigger::List(l)),
                None => {
                    self.error(
                        file,
                        list.span(),
                        "measure",
                        format!("no list `{}`", list.get_ref()),
                        None,
                    );
                    None
                }
            },
            (None, Some(scheme), grades, score) if grades.is_some() != score.is_some() => {
                let name = scheme.get_ref();
                if let Some(s) = policy.scheme_index(name) {
                    let scheme_doc = &policy.schemes[s];
                    if let Some(grades) = grades {
                        let indexes = self.grade_refs(file, grades, &scheme_doc.grades)?;
                        Some(Trigger::SchemeGrades {
                            scheme: s,
                            grades: indexes,
                        })
                    } else {
                        Some(Trigger::SchemeScore {
                            scheme: s,
                            min: score.as_ref().map_or(0, |s| *s.get_ref()),
                        })
                    }
                } else if let Some(c) = policy.scorecards.iter().position(|c| &c.id == name) {
                    if let Some(grades) = grades {
                        let indexes = self.grade_refs(file, grades, &policy.scorecards[c].bands)?;
                        Some(Trigger::ScorecardBands {
                            scorecard: c,
                            bands: indexes,
                        })
                    } else {
                        Some(Trigger::ScorecardScore {
                            scorecard: c,
                            min: score.as_ref().map_or(0, |s| *s.get_ref()),
                        })
                    }
                } else {
                    self.error(
                        file,
                        scheme.span(),
                        "measure",
                        format!("no scheme, rating or scorecard `{name}`"),
                        None,
                    );
                    None
                }
            }
            _ => {
                self.error(
                    file,
                    on.span(),
                    "measure",
                    "a measure is triggered by a list, or by a scheme's grades or score",
                    help,
                );
                None
            }
        }
    }

    fn grade_refs(
        &mut self,
        file: usize,
        names: &S<Vec<String>>,
        grades: &[Grade],
    ) -> Option<Vec<u8>> {
        let mut indexes = Vec::new();
        for name in names.get_ref() {
            match grades.iter().position(|g| &g.name == name) {
                Some(i) => indexes.push(u8::try_from(i).unwrap_or(u8::MAX)),
                None => {
                    let all: Vec<&str> = grades.iter().map(|g| g.name.as_str()).collect();
                    self.error(
                        file,
                        names.span(),
                        "measure",
                        format!("no grade `{name}`"),
                        Some(format!("the grades are {}", all.join(", "))),
                    );
                    return None;
                }
            }
        }
        Some(indexes)
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

/// The field named by a serde "unknown field `x`" message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo
/// (and not `name` itself): the "did you mean" of every message that names an unknown id.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
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
