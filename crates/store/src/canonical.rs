//! The canonical JSON of attribute maps and category lists.
//!
//! Attributes are stored as JSON text, and that exact text enters the event's content hash, so
//! it must be one byte string per map whatever wrote it. The writer here is hand-rolled rather
//! than serde_json's for two reasons: it cannot fail (so hashing an event is infallible), and it
//! allocates nothing on the ingest hot path (it appends to a reused buffer). Its output is
//! byte-for-byte what `serde_json::to_string` produces for the same map (keys in `BTreeMap`
//! order, no whitespace, serde_json's escapes); a test pins that.

use std::fmt;

use credence_model::{Attributes, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// Appends the canonical JSON of `attributes` to `out`.
pub fn write_attributes(out: &mut Vec<u8>, attributes: &Attributes) {
    out.push(b'{');
    for (index, (key, value)) in attributes.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

/// Appends the canonical JSON array of `items` to `out`.
pub fn write_string_array(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(out, item);
    }
    out.push(b']');
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(n) => write_int(out, *n),
        Value::Text(text) => write_string(out, text),
    }
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let mut magnitude = n.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// A JSON string with serde_json's escapes: `"` and `\` escaped, the short forms for
/// backspace, form feed, newline, carriage return and tab, `\u00XX` for other control bytes.
fn write_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ],
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain_from..index]);
        out.extend_from_slice(escape);
        plain_from = index + 1;
    }
    out.extend_from_slice(&bytes[plain_from..]);
    out.push(b'"');
}

/// Reads attributes as stored. A dedicated visitor rather than `Value`'s derived untagged
/// `Deserialize`: that one buffers every value and builds an error for each variant it tries
/// before the right one, which made reading histories several times slower.
pub fn read_attributes(text: &str) -> Result<Attributes, serde_json::Error> {
    serde_json::from_str::<StoredAttributes>(text).map(|attributes| attributes.0)
}

struct StoredAttributes(Attributes);

impl<'de> Deserialize<'de> for StoredAttributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AttributesVisitor)
    }
}

struct AttributesVisitor;

impl<'de> Visitor<'de> for AttributesVisitor {
    type Value = StoredAttributes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of attribute names to values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut attributes = Attributes::new();
        while let Some(name) = map.next_key::<String>()? {
            let StoredValue(value) = map.next_value()?;
            attributes.insert(name, value);
        }
        Ok(StoredAttributes(attributes))
    }
}

struct StoredValue(Value);

impl<'de> Deserialize<'de> for StoredValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = StoredValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, a whole number or a string")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(StoredValue(Value::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(StoredValue(Value::Int(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        i64::try_from(value)
            .map(|value| StoredValue(Value::Int(value)))
            .map_err(|_| E::custom(format!("{value} does not fit a whole-number attribute")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(StoredValue(Value::Text(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(StoredValue(Value::Text(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(attributes: &Attributes) -> String {
        let mut out = Vec::new();
        write_attributes(&mut out, attributes);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_serde_json_byte_for_byte() {
        let mut attributes = Attributes::new();
        attributes.insert("amount".into(), Value::Int(-9_223_372_036_854_775_808));
        attributes.insert("max".into(), Value::Int(i64::MAX));
        attributes.insert("zero".into(), Value::Int(0));
        attributes.insert("upheld".into(), Value::Bool(true));
        attributes.insert("no".into(), Value::Bool(false));
        attributes.insert(
            "case".into(),
            Value::Text("(2024) 京01 \"民\" \\ 初\n\t\r\x08\x0c\x01\x1f\x7f é".into()),
        );
        attributes.insert("quote\"key".into(), Value::Text(String::new()));
        let ours = canonical(&attributes);
        assert_eq!(ours, serde_json::to_string(&attributes).unwrap());
        assert_eq!(read_attributes(&ours).unwrap(), attributes);
    }

    #[test]
    fn refuses_what_is_not_an_attribute_map() {
        for bad in [
            "[]",
            "{\"a\":1.5}",
            "{\"a\":null}",
            "{\"a\":[1]}",
            "{\"a\":18446744073709551615}",
            "{",
        ] {
            assert!(read_attributes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_map_and_array() {
        assert_eq!(canonical(&Attributes::new()), "{}");
        let mut out = Vec::new();
        write_string_array(&mut out, &["a\"b".to_owned(), "c".to_owned()]);
        assert_eq!(out, br#"["a\"b","c"]"#);
    }
}
