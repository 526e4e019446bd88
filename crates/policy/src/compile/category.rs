//! Categories: what a record is, its attributes and the refusals on its texts.

use super::*;

/// The fields of an intake row (the registry's JSONL keys and CSV columns): no attribute may be
/// named like one, since in CSV it would collide with the row's own column. Intake's column
/// lists are tested against this one.
pub const ROW_FIELDS: [&str; 10] = [
    "ref",
    "action",
    "subject",
    "category",
    "date",
    "target",
    "legacy_id",
    "kind",
    "birth_date",
    "attributes",
];

impl Compiler<'_> {
    pub(super) fn category(
        &mut self,
        file: usize,
        pack: usize,
        doc: &syntax::CategoryDoc,
    ) -> Category {
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
        if doc.id.get_ref() == refusal::REPRESENTATIVE_CATEGORY {
            self.error(
                file,
                doc.id.span(),
                refusal::OTHER_SUBJECT,
                format!("`{}` is built in and cannot be declared by a pack", refusal::REPRESENTATIVE_CATEGORY),
                Some("the registry links an organisation to the person who legally represents it; no pack declares or widens that link: remove this category".into()),
            );
        }
        let obligation = self.obligation(file, doc, kind);
        if kind.may_penalise() {
            self.penalised_texts(file, doc);
        }
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
                "subject" => {
                    self.error(
                        file,
                        attribute_doc.kind.span(),
                        refusal::OTHER_SUBJECT,
                        format!(
                            "attribute `{}` of `{}` names another subject",
                            name.get_ref(),
                            doc.id.get_ref()
                        ),
                        Some("a record is about its own subject only: no pack declares a relation between subjects (a spouse, a relative, an employer); the one link, an organisation's legal representative, is built into the registry".into()),
                    );
                    AttrType::Subject
                }
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
            obligation,
            retention,
            dispute_answer,
            superseded: doc.superseded,
            attributes,
            durations: vec![retention],
            pack,
        }
    }

    /// The legal obligation a breach or adjudication breaches: required, and a citation.
    fn obligation(
        &mut self,
        file: usize,
        doc: &syntax::CategoryDoc,
        kind: CategoryKind,
    ) -> Option<String> {
        match &doc.obligation {
            None if kind.may_penalise() => {
                self.error(
                    file,
                    doc.id.span(),
                    refusal::NO_OBLIGATION,
                    format!(
                        "{} category `{}` cites no legal obligation it breaches",
                        kind.as_str(),
                        doc.id.get_ref()
                    ),
                    Some("a record may count against a subject only for breaching a legal obligation: add `obligation = \"<instrument>, art. N\"` citing the duty (e.g. `Civil Procedure Law, art. 248`); falling short of a quota, a score or a contribution is no obligation".into()),
                );
                None
            }
            None => None,
            Some(text) => {
                if let Some(problem) = refusal::citation_problem(text.get_ref(), true) {
                    self.error(
                        file,
                        text.span(),
                        refusal::PLACEHOLDER_BASIS,
                        format!(
                            "the obligation of `{}` (`{}`) {problem}",
                            doc.id.get_ref(),
                            text.get_ref()
                        ),
                        Some(refusal::BASIS_HELP.into()),
                    );
                }
                Some(text.get_ref().clone())
            }
        }
    }

    /// The texts of a category that may count against a subject must not name a relation
    /// between persons, a score, or the absence of a contribution.
    fn penalised_texts(&mut self, file: usize, doc: &syntax::CategoryDoc) {
        let mut texts: Vec<(String, Range<usize>, &str)> = vec![
            (doc.id.get_ref().clone(), doc.id.span(), "id"),
            (doc.title.get_ref().clone(), doc.title.span(), "title"),
        ];
        if let Some(d) = &doc.description {
            texts.push((d.get_ref().clone(), d.span(), "description"));
        }
        for (name, attribute) in &doc.attributes {
            texts.push((name.get_ref().clone(), name.span(), "attribute"));
            if let Some(title) = &attribute.get_ref().title {
                texts.push((title.clone(), attribute.span(), "attribute title"));
            }
            for value in attribute.get_ref().values.iter().flat_map(|v| v.get_ref()) {
                let span = attribute
                    .get_ref()
                    .values
                    .as_ref()
                    .map_or(attribute.span(), |v| v.span());
                texts.push((value.clone(), span, "value"));
            }
        }
        for (text, span, field) in texts {
            if let Some(hit) =
                crate::lexicon::find(&text, &[crate::lexicon::Scope::PenalisedRecord])
            {
                self.error(
                    file,
                    span,
                    hit.class.code,
                    format!(
                        "{} category `{}` names {} in its {field} (`{}` in `{text}`)",
                        doc.kind.get_ref(),
                        doc.id.get_ref(),
                        hit.class.name,
                        hit.term
                    ),
                    Some(refusal::penalised_help(hit.class.code).into()),
                );
                return;
            }
        }
    }

    /// An attribute name must be one a condition can name, and not the name of a row's own
    /// field (in CSV each attribute is a column beside the row's fields: it would collide).
    pub(super) fn check_attribute_name(&mut self, file: usize, name: &S<String>) {
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
        } else if ROW_FIELDS.contains(&text.as_str()) {
            self.error(
                file,
                name.span(),
                "attribute",
                format!("`{text}` is a field of every intake row and cannot name an attribute"),
                Some(format!(
                    "in a CSV file it would be the same column as the row's own; rename it, \
                     e.g. `{text}_`; rows reserve {}",
                    ROW_FIELDS.join(", ")
                )),
            );
        }
    }

    pub(super) fn category_ref(
        &mut self,
        file: usize,
        policy: &Policy,
        id: &S<String>,
    ) -> Option<CategoryId> {
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
}
