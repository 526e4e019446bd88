//! Checking one row on its own: every field that can be judged without the other rows or the
//! store. The same checks serve JSONL and CSV: a reader hands over each field as a [`Cell`]
//! (a JSON value's exact text, or a CSV cell's text).

use std::borrow::Cow;

use credence_model::{
    Action, Attributes, Day, DayError, IdError, IdOptions, Identifier, SubjectKind, Value,
};
use credence_policy::AttrType;
use credence_store::SubjectRef;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::plan::{Plan, Target};
use super::pseudonym::Pseudonymiser;
use super::{REFERENCE_MAX, RowError, TEXT_MAX};
use crate::sources::closest;

/// One field as written in the file.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'a> {
    /// The exact JSON text of a value (never `null`: a null field is absent).
    Json(&'a RawValue),
    /// A CSV cell (never empty: an empty cell is absent).
    Text(&'a str),
}

/// A JSON string, borrowed from the line when it has no escapes.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct Str<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl<'a> Cell<'a> {
    /// The cell's text, when it is a string (a JSON string, or any CSV cell) without a line
    /// break, tab, control or terminal escape character: every text intake keeps may be
    /// printed in an answer, where such a character would forge or hide lines.
    fn string(self) -> Result<Cow<'a, str>, String> {
        let text = self.any_string()?;
        match credence_model::text::forbidden_message(&text) {
            None => Ok(text),
            Some(message) => Err(message),
        }
    }

    /// The cell's text, when it is a string, whatever characters it holds.
    fn any_string(self) -> Result<Cow<'a, str>, String> {
        match self {
            Cell::Text(text) => Ok(Cow::Borrowed(text)),
            Cell::Json(raw) => {
                let text = raw.get();
                if text.starts_with('"') {
                    serde_json::from_str::<Str<'a>>(text)
                        .map(|s| s.0)
                        .map_err(|e| format!("unreadable string: {e}"))
                } else {
                    Err(format!(
                        "`{}` is not a string: write it in double quotes",
                        shorten(text)
                    ))
                }
            }
        }
    }

    /// The text of a number: a JSON number, or a CSV cell.
    fn number_text(self) -> Result<&'a str, String> {
        match self {
            Cell::Text(text) => Ok(text),
            Cell::Json(raw) => {
                let text = raw.get();
                if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    Ok(text)
                } else {
                    Err(format!(
                        "`{}` is not a number: write a whole number without quotes, for example 3",
                        shorten(text)
                    ))
                }
            }
        }
    }

    fn bool(self) -> Result<bool, String> {
        let text = match self {
            Cell::Json(raw) => raw.get(),
            Cell::Text(text) => text,
        };
        match (self, text) {
            (_, "true") => Ok(true),
            (_, "false") => Ok(false),
            (Cell::Text(_), t) if t.eq_ignore_ascii_case("true") => Ok(true),
            (Cell::Text(_), t) if t.eq_ignore_ascii_case("false") => Ok(false),
            (Cell::Json(_), t) => Err(format!(
                "`{}` is not a yes/no value: write true or false, without quotes",
                shorten(t)
            )),
            (Cell::Text(_), t) => Err(format!(
                "`{}` is not a yes/no value: write true or false",
                shorten(t)
            )),
        }
    }
}

/// The fields of one row, as a reader found them.
#[derive(Debug, Default)]
pub(crate) struct RowFields<'a> {
    pub reference: Option<Cell<'a>>,
    pub action: Option<Cell<'a>>,
    pub subject: Option<Cell<'a>>,
    pub category: Option<Cell<'a>>,
    pub date: Option<Cell<'a>>,
    pub target: Option<Cell<'a>>,
    pub legacy_id: Option<Cell<'a>>,
    /// `person` or `organisation`: required when the subject's identifier is valid under both
    /// readings (a resident id and a USCC), checked against the identifier otherwise.
    pub kind: Option<Cell<'a>>,
    /// The birth date of a person whose identifier carries none, as the source states it.
    pub birth_date: Option<Cell<'a>>,
    /// Attribute name and value, in file order; absent values already left out.
    pub attributes: Vec<(Cow<'a, str>, Cell<'a>)>,
    /// The attributes could not be read at all (already reported): required ones are not
    /// reported missing.
    pub attributes_unreadable: bool,
}

/// What a row said, as far as it could be read; complete (`ok`) when the row had no error.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub line: usize,
    pub ok: bool,
    pub reference: Option<String>,
    pub action: Option<Action>,
    /// Index of the category (or, for consent, the scheme) in the [`Plan`].
    pub category: Option<u32>,
    pub target: Option<String>,
    /// The subject, its `birth` the identifier's birth date or else the one the row states.
    pub subject: Option<SubjectRef>,
    /// The birth date the row states (`birth_date`), when it is valid.
    pub birth_date: Option<Day>,
    pub valid: Option<Day>,
    pub attributes: Attributes,
    pub links: Vec<String>,
}

/// Checks rows against the policy and the submitting source.
pub(crate) struct Validator<'p> {
    pub plan: Plan<'p>,
    pub pseudonymiser: Pseudonymiser,
    pub today: Day,
    /// `attributes.` for JSON (attributes are nested), empty for CSV (they are columns).
    pub attribute_prefix: &'static str,
}

/// Collects the errors of one row.
struct RowErrors<'e> {
    line: usize,
    errors: &'e mut Vec<RowError>,
    ok: bool,
}

impl RowErrors<'_> {
    fn push(&mut self, field: &str, message: String) {
        self.ok = false;
        self.errors.push(RowError {
            line: self.line,
            field: field.to_owned(),
            message,
        });
    }
}

impl<'p> Validator<'p> {
    /// Checks one row, appending its errors to `errors`.
    pub fn check(&self, line: usize, fields: RowFields<'_>, errors: &mut Vec<RowError>) -> Parsed {
        let mut out = RowErrors {
            line,
            errors,
            ok: true,
        };
        let reference = self.reference(fields.reference, "ref", &mut out);
        let action = self.action(fields.action, &mut out);
        let legacy = match fields.legacy_id.map(Cell::bool) {
            None => false,
            Some(Ok(flag)) => flag,
            Some(Err(message)) => {
                out.push("legacy_id", message);
                false
            }
        };
        let kind = match fields.kind.map(Cell::string) {
            None => None,
            Some(Ok(text)) => match text.parse::<SubjectKind>() {
                Ok(kind) => Some(kind),
                Err(e) => {
                    out.push("kind", e.to_string());
                    None
                }
            },
            Some(Err(message)) => {
                out.push("kind", message);
                None
            }
        };
        let identifier = self.identifier(fields.subject, legacy, kind, &mut out);
        let category = self.category(fields.category, action, &mut out);
        let target_entry = category.map(|index| {
            self.plan
                .target(action.is_some_and(Action::names_scheme), index)
        });
        if let (Some(id), Some(entry)) = (&identifier, target_entry)
            && !entry.subjects.contains(id.kind())
        {
            let what = if action.is_some_and(Action::names_scheme) {
                format!("scheme `{}` is open to", entry.id)
            } else {
                format!("`{}` records are about", entry.id)
            };
            out.push(
                "subject",
                format!(
                    "{what} {} only; this subject is {} ({})",
                    entry.subjects.describe(),
                    kind_phrase(id.kind()),
                    id.type_name()
                ),
            );
        }
        let birth_date = self.birth_date(fields.birth_date, identifier.as_ref(), &mut out);
        let birth = identifier
            .as_ref()
            .and_then(Identifier::birth_date)
            .or(birth_date);
        let valid = self.date(fields.date, birth, &mut out);
        let target = self.target(fields.target, action, &mut out);
        let mut links = Vec::new();
        let attributes = self.attributes(
            fields.attributes,
            action.filter(|_| !fields.attributes_unreadable),
            target_entry,
            &mut links,
            &mut out,
        );
        let subject = identifier.map(|id| SubjectRef {
            pseudonym: self.pseudonymiser.pseudonym(&id),
            kind: id.kind(),
            birth,
            masked: id.masked(),
        });
        Parsed {
            line,
            ok: out.ok,
            reference,
            action,
            category,
            target,
            subject,
            birth_date,
            valid,
            attributes,
            links,
        }
    }

    /// A stated birth date: a date from 1900 to today, of a person whose identifier carries
    /// none (a resident id's own date is authoritative).
    fn birth_date(
        &self,
        cell: Option<Cell<'_>>,
        identifier: Option<&Identifier>,
        out: &mut RowErrors<'_>,
    ) -> Option<Day> {
        let cell = cell?;
        let day = match cell.string().and_then(|text| parse_day(&text)) {
            Ok(day) => day,
            Err(message) => {
                out.push("birth_date", message);
                return None;
            }
        };
        if day > self.today {
            out.push(
                "birth_date",
                format!(
                    "{day} is in the future (the registry's date is {}): check the date",
                    self.today
                ),
            );
            return None;
        }
        let id = identifier?;
        if id.kind() != SubjectKind::Person {
            out.push(
                "birth_date",
                format!(
                    "the subject is an organisation ({}): only a person has a birth date; leave \
                     `birth_date` out",
                    id.type_name()
                ),
            );
            return None;
        }
        if let Some(own) = id.birth_date() {
            out.push(
                "birth_date",
                format!(
                    "the identifier carries the birth date {own}, which is the one the registry \
                     keeps: leave `birth_date` out (it is only for identifiers that carry none)"
                ),
            );
            return None;
        }
        Some(day)
    }

    fn reference(
        &self,
        cell: Option<Cell<'_>>,
        field: &str,
        out: &mut RowErrors<'_>,
    ) -> Option<String> {
        let Some(cell) = cell else {
            out.push(
                field,
                format!("missing: every row needs `{field}`, the source's own reference for it"),
            );
            return None;
        };
        let text = match cell.string() {
            Ok(text) => text,
            Err(message) => {
                out.push(field, message);
                return None;
            }
        };
        let length = text.chars().count();
        if text.trim().is_empty() {
            out.push(field, "the reference is empty".to_owned());
            None
        } else if length > REFERENCE_MAX {
            out.push(
                field,
                format!(
                    "the reference has {length} characters; at most {REFERENCE_MAX} are allowed"
                ),
            );
            None
        } else {
            Some(text.into_owned())
        }
    }

    fn action(&self, cell: Option<Cell<'_>>, out: &mut RowErrors<'_>) -> Option<Action> {
        let Some(cell) = cell else {
            out.push(
                "action",
                "missing: write `record` for a new record, or the action on an earlier one \
                 (correct, retract, fulfil, extend, suppress, repair, dispute, resolve), or \
                 consent/withdraw"
                    .to_owned(),
            );
            return None;
        };
        match cell.string() {
            Ok(text) => match text.parse::<Action>() {
                Ok(action) => Some(action),
                Err(e) => {
                    out.push("action", e.to_string());
                    None
                }
            },
            Err(message) => {
                out.push("action", message);
                None
            }
        }
    }

    fn identifier(
        &self,
        cell: Option<Cell<'_>>,
        legacy: bool,
        kind: Option<SubjectKind>,
        out: &mut RowErrors<'_>,
    ) -> Option<Identifier> {
        let Some(cell) = cell else {
            out.push(
                "subject",
                "missing: every row names its subject by identifier (resident id, USCC or \
                 `scheme:value`)"
                    .to_owned(),
            );
            return None;
        };
        let text = match cell.string() {
            Ok(text) => text,
            Err(message) => {
                out.push("subject", message);
                return None;
            }
        };
        let options = IdOptions {
            allow_legacy_uscc: legacy,
        };
        match Identifier::parse_as(&text, options, kind) {
            Ok(id) => match id.birth_date() {
                Some(birth) if birth > self.today => {
                    out.push(
                        "subject",
                        format!(
                            "the resident id carries the birth date {birth}, after today \
                             ({}): check the date digits (positions 7-14)",
                            self.today
                        ),
                    );
                    None
                }
                _ => Some(id),
            },
            Err(IdError::Ambiguous {
                text,
                person,
                organisation,
            }) => {
                out.push(
                    "kind",
                    format!(
                        "missing: `{text}` is both a valid resident id (a person born {}) and a \
                         valid USCC (an organisation registered by {} in region {}): state which \
                         the subject is, `person` or `organisation`",
                        person.birth_date(),
                        organisation.authority_name(),
                        organisation.region()
                    ),
                );
                None
            }
            Err(e @ IdError::KindMismatch { .. }) => {
                out.push("kind", e.to_string());
                None
            }
            Err(e) => {
                out.push("subject", e.to_string());
                None
            }
        }
    }

    fn category(
        &self,
        cell: Option<Cell<'_>>,
        action: Option<Action>,
        out: &mut RowErrors<'_>,
    ) -> Option<u32> {
        let Some(cell) = cell else {
            out.push(
                "category",
                "missing: name the record category (or, for consent, the scheme)".to_owned(),
            );
            return None;
        };
        let name = match cell.string() {
            Ok(name) => name,
            Err(message) => {
                out.push("category", message);
                return None;
            }
        };
        let plan = &self.plan;
        let source = &plan.source.id;
        if action.is_some_and(Action::names_scheme) {
            let Some(index) = plan.scheme(&name) else {
                let hint = if plan.category(&name).is_some() {
                    format!(
                        "`{name}` is a record category; a consent event names the opt-in scheme \
                         it consents to"
                    )
                } else {
                    let names = plan.schemes.iter().map(|t| t.id);
                    match closest(&name, names) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "name an opt-in scheme of the policy".to_owned(),
                    }
                };
                out.push(
                    "category",
                    format!("`{name}` is not an opt-in scheme: {hint}"),
                );
                return None;
            };
            if !plan.schemes[index as usize].allowed {
                out.push(
                    "category",
                    format!(
                        "source `{source}` may not report consent to `{name}`: its registered \
                         schemes are {}",
                        plan.allowed_list(true)
                    ),
                );
            }
            return Some(index);
        }
        let Some(index) = plan.category(&name) else {
            let hint = if plan.scheme(&name).is_some() {
                format!(
                    ": `{name}` is an opt-in scheme; consent to it is reported with action \
                     `consent`"
                )
            } else {
                let allowed = plan.categories.iter().filter(|t| t.allowed).map(|t| t.id);
                let any = plan.categories.iter().map(|t| t.id);
                match closest(&name, allowed).or_else(|| closest(&name, any)) {
                    Some(c) => format!(": did you mean `{c}`?"),
                    None => format!(
                        "; source `{source}` may report {}",
                        plan.allowed_list(false)
                    ),
                }
            };
            out.push("category", format!("unknown category `{name}`{hint}"));
            return None;
        };
        if !plan.categories[index as usize].allowed {
            out.push(
                "category",
                format!(
                    "source `{source}` may not report `{name}`: its registered categories are {}",
                    plan.allowed_list(false)
                ),
            );
        }
        Some(index)
    }

    fn date(
        &self,
        cell: Option<Cell<'_>>,
        birth: Option<Day>,
        out: &mut RowErrors<'_>,
    ) -> Option<Day> {
        let Some(cell) = cell else {
            out.push(
                "date",
                "missing: write the day it happened as YYYY-MM-DD".to_owned(),
            );
            return None;
        };
        let text = match cell.string() {
            Ok(text) => text,
            Err(message) => {
                out.push("date", message);
                return None;
            }
        };
        let day = match parse_day(&text) {
            Ok(day) => day,
            Err(message) => {
                out.push("date", message);
                return None;
            }
        };
        if day > self.today {
            out.push(
                "date",
                format!(
                    "{day} is in the future (the registry's date is {}): report an event once \
                     it has happened",
                    self.today
                ),
            );
            return None;
        }
        if let Some(birth) = birth
            && day < birth
        {
            out.push(
                "date",
                format!("{day} is before the subject's birth date {birth}"),
            );
            return None;
        }
        Some(day)
    }

    fn target(
        &self,
        cell: Option<Cell<'_>>,
        action: Option<Action>,
        out: &mut RowErrors<'_>,
    ) -> Option<String> {
        let action = action?;
        match (action.needs_target(), cell) {
            (true, None) => {
                out.push(
                    "target",
                    format!(
                        "missing: a `{action}` event acts on an earlier record; write that \
                         record's `ref` in `target`"
                    ),
                );
                None
            }
            (false, Some(_)) => {
                out.push(
                    "target",
                    format!("a `{action}` event acts on no earlier record: leave `target` out"),
                );
                None
            }
            (false, None) => None,
            (true, Some(cell)) => self.reference(Some(cell), "target", out),
        }
    }

    fn attributes(
        &self,
        given: Vec<(Cow<'_, str>, Cell<'_>)>,
        action: Option<Action>,
        target: Option<&Target<'_>>,
        links: &mut Vec<String>,
        out: &mut RowErrors<'_>,
    ) -> Attributes {
        let mut attributes = Attributes::new();
        let prefix = self.attribute_prefix;
        let field = |name: &str| format!("{prefix}{name}");
        if action.is_some_and(Action::names_scheme) {
            for (name, _) in &given {
                out.push(
                    &field(name),
                    format!("`{name}`: a `consent` or `withdraw` event carries no attributes"),
                );
            }
            return attributes;
        }
        // Without a known category the attributes cannot be judged; the category error says why.
        let Some(target) = target else {
            return attributes;
        };
        // Given but unreadable (reported as such, not again as missing).
        let mut unreadable: Vec<String> = Vec::new();
        for (name, cell) in given {
            let field_name = field(&name);
            if attributes.contains_key(name.as_ref()) || unreadable.iter().any(|u| *u == name) {
                out.push(&field_name, format!("`{name}` is given twice"));
                continue;
            }
            let result = match (action, name.as_ref()) {
                (Some(Action::Extend), "months") => int(cell).and_then(|months| {
                    match target.extension_months {
                        None => Err(format!(
                            "no list extends a listing based on `{}`: an extension cannot apply",
                            target.id
                        )),
                        Some((min, max)) if (i64::from(min)..=i64::from(max)).contains(&months) => {
                            Ok(Value::Int(months))
                        }
                        Some((min, max)) => Err(format!(
                            "an extension of {months} months is outside the {min} to {max} months the policy allows"
                        )),
                    }
                }),
                (Some(Action::Resolve), "upheld") => cell.bool().map(Value::Bool),
                _ => match target.attribute(&name) {
                    Some(attribute) => self.value(&attribute.ty, cell, links),
                    None => Err(unknown_attribute(&name, action, target)),
                },
            };
            match result {
                Ok(value) => {
                    attributes.insert(name.into_owned(), value);
                }
                Err(message) => {
                    out.push(&field_name, message);
                    unreadable.push(name.into_owned());
                }
            }
        }
        let given =
            |name: &str| attributes.contains_key(name) || unreadable.iter().any(|u| u == name);
        match action {
            Some(Action::Record | Action::Correct) => {
                for attribute in target.attributes.iter().filter(|a| a.required) {
                    if !given(&attribute.name) {
                        let title = attribute
                            .title
                            .as_deref()
                            .map(|t| format!(" ({t})"))
                            .unwrap_or_default();
                        out.push(
                            &field(&attribute.name),
                            format!(
                                "missing: `{}`{title} is required for a `{}` record",
                                attribute.name, target.id
                            ),
                        );
                    }
                }
            }
            Some(Action::Extend) if !given("months") => out.push(
                &field("months"),
                "missing: an `extend` event needs `months`, the extension in whole months (12 \
                 to 36)"
                    .to_owned(),
            ),
            Some(Action::Resolve) if !given("upheld") => out.push(
                &field("upheld"),
                "missing: a `resolve` event needs `upheld`: true when the record stands as it \
                 is, false when the dispute succeeded"
                    .to_owned(),
            ),
            _ => {}
        }
        attributes
    }

    /// Reads a value of a declared type.
    fn value(
        &self,
        ty: &AttrType,
        cell: Cell<'_>,
        links: &mut Vec<String>,
    ) -> Result<Value, String> {
        match ty {
            AttrType::Int => int(cell).map(Value::Int),
            AttrType::Money => money(cell).map(Value::Int),
            AttrType::Bool => cell.bool().map(Value::Bool),
            AttrType::Date => {
                let text = cell.string()?;
                parse_day(&text).map(|day| Value::Text(day.to_string()))
            }
            AttrType::Enum(values) => {
                let text = cell.string()?;
                if values.iter().any(|v| v == text.as_ref()) {
                    Ok(Value::Text(text.into_owned()))
                } else {
                    Err(format!(
                        "`{}` is not one of the declared values: use one of {}",
                        shorten(&text),
                        values.join(", ")
                    ))
                }
            }
            AttrType::Text => {
                let text = cell.string()?;
                let length = text.chars().count();
                if text.trim().is_empty() {
                    Err("the text is empty: leave the attribute out instead".to_owned())
                } else if length > TEXT_MAX {
                    Err(format!(
                        "the text has {length} characters; at most {TEXT_MAX} are allowed"
                    ))
                } else {
                    Ok(Value::Text(text.into_owned()))
                }
            }
            AttrType::Subject => {
                let text = cell.string()?;
                let id =
                    Identifier::parse(&text, IdOptions::default()).map_err(|e| e.to_string())?;
                let pseudonym = self.pseudonymiser.pseudonym(&id);
                links.push(pseudonym.clone());
                Ok(Value::Text(pseudonym))
            }
        }
    }
}

fn unknown_attribute(name: &str, action: Option<Action>, target: &Target<'_>) -> String {
    let mut known = target.attribute_list();
    let extra = match action {
        Some(Action::Extend) => Some("`months`"),
        Some(Action::Resolve) => Some("`upheld`"),
        _ => None,
    };
    if let Some(extra) = extra {
        known = if known.is_empty() {
            extra.to_owned()
        } else {
            format!("{known} and {extra}")
        };
    }
    if known.is_empty() {
        format!(
            "`{name}` is not an attribute of `{}`, which has none",
            target.id
        )
    } else {
        format!(
            "`{name}` is not an attribute of `{}`: it has {known}",
            target.id
        )
    }
}

fn kind_phrase(kind: credence_model::SubjectKind) -> &'static str {
    match kind {
        credence_model::SubjectKind::Person => "a person",
        credence_model::SubjectKind::Organisation => "an organisation",
    }
}

/// A date, with a clearer message than [`Day::parse`] for dates before 1900.
fn parse_day(text: &str) -> Result<Day, String> {
    match Day::parse(text) {
        Ok(day) => Ok(day),
        Err(DayError::OutsideRange(_))
            if text
                .get(..4)
                .and_then(|y| y.parse::<i32>().ok())
                .is_some_and(|year| year < 1900) =>
        {
            Err(format!(
                "`{}` is before 1900-01-01, the earliest date accepted: check the year",
                shorten(text)
            ))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn int(cell: Cell<'_>) -> Result<i64, String> {
    let text = cell.number_text()?;
    text.parse::<i64>().map_err(|_| {
        format!(
            "`{}` is not a whole number: write digits only, for example 3",
            shorten(text)
        )
    })
}

/// An amount in yuan with at most two decimals, as fen.
fn money(cell: Cell<'_>) -> Result<i64, String> {
    let text = match cell {
        Cell::Json(raw) if raw.get().starts_with('"') => cell.string()?,
        Cell::Json(raw) => Cow::Borrowed(raw.get()),
        Cell::Text(text) => Cow::Borrowed(text),
    };
    parse_money(&text)
}

/// An amount in yuan with at most two decimals (`15000.00`), as fen; a sign, an exponent or a
/// thousands separator is refused.
pub fn parse_money(text: &str) -> Result<i64, String> {
    let malformed = || {
        format!(
            "`{}` is not an amount: write yuan with up to two decimals, for example 15000.00",
            shorten(text)
        )
    };
    // One level only: a sign is looked at once, never per character (a value of thousands of
    // `-` must not recurse thousands of times).
    if let Some(rest) = text.strip_prefix('-') {
        return Err(if unsigned_money(rest).is_ok() {
            format!(
                "`{}` is negative: an amount is written as a positive number of yuan",
                shorten(text)
            )
        } else {
            malformed()
        });
    }
    unsigned_money(text)
}

/// [`parse_money`] of a value without a sign.
fn unsigned_money(text: &str) -> Result<i64, String> {
    let malformed = || {
        format!(
            "`{}` is not an amount: write yuan with up to two decimals, for example 15000.00",
            shorten(text)
        )
    };
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Err(malformed());
    }
    if text.contains('.') && fraction.is_empty() {
        return Err(malformed());
    }
    if fraction.len() > 2 {
        return Err(format!(
            "`{}` has more than two decimals: amounts are yuan with at most two (fen)",
            shorten(text)
        ));
    }
    let fen = match fraction.len() {
        0 => 0,
        1 => i64::from(fraction.as_bytes()[0] - b'0') * 10,
        _ => fraction.parse::<i64>().map_err(|_| malformed())?,
    };
    whole
        .parse::<i64>()
        .ok()
        .and_then(|yuan| yuan.checked_mul(100))
        .and_then(|fen_whole| fen_whole.checked_add(fen))
        .ok_or_else(|| format!("`{}` is too large an amount", shorten(text)))
}

/// At most 40 characters of a value, for messages.
pub(crate) fn shorten(text: &str) -> Cow<'_, str> {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}...", &text[..end])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_read_exactly_in_fen() {
        assert_eq!(parse_money("15000.00"), Ok(1_500_000));
        assert_eq!(parse_money("15000.1"), Ok(1_500_010));
        assert_eq!(parse_money("0.07"), Ok(7));
        assert_eq!(parse_money("12"), Ok(1200));
        for bad in ["12,5", "", ".5", "5.", "1e3", "1.005", "abc", "-3.00", "+3"] {
            assert!(parse_money(bad).is_err(), "{bad}");
        }
        assert!(parse_money("12,5").unwrap_err().contains("two decimals"));
        assert!(parse_money("99999999999999999999").is_err());
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(shorten("abc"), "abc");
        assert_eq!(shorten(&"x".repeat(50)), format!("{}...", "x".repeat(40)));
    }
}
