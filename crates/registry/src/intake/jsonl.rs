//! JSONL: one JSON object per line, blank lines skipped.
//!
//! Each field is kept as its exact JSON text ([`RawValue`]) and read by the row checks, so a
//! wrongly typed field is reported against its own name and an amount is never a float.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::row::{Cell, RowFields, Str};
use super::{Collector, LINE_MAX};

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an object with `ref`, `action`, `subject`, `category`, `date` and `attributes`"
)]
struct JsonRow<'a> {
    #[serde(rename = "ref", borrow, default)]
    reference: Option<&'a RawValue>,
    #[serde(borrow, default)]
    action: Option<&'a RawValue>,
    #[serde(borrow, default)]
    subject: Option<&'a RawValue>,
    #[serde(borrow, default)]
    category: Option<&'a RawValue>,
    #[serde(borrow, default)]
    date: Option<&'a RawValue>,
    #[serde(borrow, default)]
    target: Option<&'a RawValue>,
    #[serde(borrow, default)]
    legacy_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    birth_date: Option<&'a RawValue>,
    #[serde(borrow, default)]
    attributes: Option<&'a RawValue>,
}

/// The attributes object: names and exact values, in file order (duplicates kept, so that
/// they are reported).
struct AttributeMap<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for AttributeMap<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<'de>(PhantomData<&'de ()>);
        impl<'de> Visitor<'de> for MapVisitor<'de> {
            type Value = AttributeMap<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an object of attributes, for example {\"case\": \"(2024)京0105执123号\"}",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    entries.push((key.0, value));
                }
                Ok(AttributeMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A JSON value that is `null` counts as absent.
fn present(raw: Option<&RawValue>) -> Option<Cell<'_>> {
    raw.filter(|r| r.get() != "null").map(Cell::Json)
}

/// The message of a serde_json error without its "at line 1 column N" suffix.
fn bare_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The name in a serde message "unknown field `x`, ..." or "duplicate field `x`".
fn named_field<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('`').next()
}

pub(crate) fn read(text: &str, collector: &mut Collector<'_, '_>) {
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > LINE_MAX {
            if !collector.begin_row() {
                return;
            }
            collector.error(
                number,
                "-",
                format!(
                    "the line is {} bytes long; a row may be at most {LINE_MAX} bytes",
                    line.len()
                ),
            );
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if !collector.begin_row() {
            return;
        }
        let row = match serde_json::from_str::<JsonRow<'_>>(line) {
            Ok(row) => row,
            Err(e) => {
                let message = bare_message(&e);
                if let Some(field) = named_field(&message, "unknown field `") {
                    collector.error(
                        number,
                        field,
                        format!(
                            "unknown field `{field}`: a row has `ref`, `action`, `subject`, \
                             `category`, `date`, `attributes` and, when needed, `target`, \
                             `legacy_id`, `kind` and `birth_date`; put record details inside `attributes`"
                        ),
                    );
                } else if let Some(field) = named_field(&message, "duplicate field `") {
                    collector.error(number, field, format!("`{field}` is given twice"));
                } else {
                    collector.error(
                        number,
                        "-",
                        format!("malformed JSON at column {}: {message}", e.column()),
                    );
                }
                continue;
            }
        };
        let mut fields = RowFields {
            reference: present(row.reference),
            action: present(row.action),
            subject: present(row.subject),
            category: present(row.category),
            date: present(row.date),
            target: present(row.target),
            legacy_id: present(row.legacy_id),
            kind: present(row.kind),
            birth_date: present(row.birth_date),
            attributes: Vec::new(),
            attributes_unreadable: false,
        };
        if let Some(raw) = row.attributes.filter(|raw| raw.get() != "null") {
            match serde_json::from_str::<AttributeMap<'_>>(raw.get()) {
                Ok(map) => {
                    fields.attributes = map
                        .0
                        .into_iter()
                        .filter_map(|(name, value)| present(Some(value)).map(|cell| (name, cell)))
                        .collect();
                }
                Err(e) => {
                    fields.attributes_unreadable = true;
                    collector.error(number, "attributes", bare_message(&e));
                }
            }
        }
        collector.row(number, fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_are_split() {
        assert_eq!(
            named_field("unknown field `foo`, expected one of", "unknown field `"),
            Some("foo")
        );
        let error = serde_json::from_str::<JsonRow<'_>>("{\"ref\": }").err();
        let message = error.as_ref().map(bare_message).unwrap_or_default();
        assert!(!message.contains("line 1"), "{message}");
    }

    #[test]
    fn attributes_that_are_not_an_object_say_what_was_expected() {
        let error = serde_json::from_str::<AttributeMap<'_>>("[1]").err();
        let message = error.as_ref().map(bare_message).unwrap_or_default();
        assert!(message.contains("an object of attributes"), "{message}");
    }
}
