//! An event's content hash (its link in its subject's keyed chain is [`crate::chain`]'s).
//!
//! The content hash covers what a source said (source, reference, action, category, target,
//! valid date, attributes, subject) and nothing the registry added (seq, recorded day, batch),
//! so a resubmission of the same row on another day is recognised as unchanged. It is unkeyed:
//! anyone may recompute it, which is why the chain link over it is a MAC.
//!
//! The content encoding is unambiguous: every variable-length field is preceded by its length,
//! the optional target by a presence byte, integers have fixed width.

use credence_model::Event;
use sha2::{Digest, Sha256};

use crate::canonical;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Distinguishes this encoding from any other use of SHA-256 (and from a future version).
const CONTENT_DOMAIN: &[u8] = b"credence/event-content/v1";

/// The fields of an event that its content hash covers, borrowed from wherever they are
/// (an event being ingested, or a stored row being verified).
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub source: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    pub category: &'a str,
    pub target: Option<&'a str>,
    pub valid: i32,
    /// The canonical JSON of the attributes.
    pub attributes: &'a [u8],
    pub pseudonym: &'a str,
}

impl Content<'_> {
    pub fn hash(&self) -> Hash {
        let mut hasher = Sha256::new();
        field(&mut hasher, CONTENT_DOMAIN);
        field(&mut hasher, self.source.as_bytes());
        field(&mut hasher, self.reference.as_bytes());
        field(&mut hasher, self.action.as_bytes());
        field(&mut hasher, self.category.as_bytes());
        match self.target {
            Some(target) => {
                hasher.update([1]);
                field(&mut hasher, target.as_bytes());
            }
            None => hasher.update([0]),
        }
        hasher.update(self.valid.to_be_bytes());
        field(&mut hasher, self.attributes);
        field(&mut hasher, self.pseudonym.as_bytes());
        hasher.finalize().into()
    }
}

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// The content hash of `event` about the subject with pseudonym `pseudonym`, as the store
/// computes it and as [`crate::KnownReference::content`] reports it (there in hex): intake
/// compares it to tell a resubmission from a conflicting change.
pub fn content_hash(pseudonym: &str, event: &Event) -> Hash {
    let mut attributes = Vec::with_capacity(64);
    canonical::write_attributes(&mut attributes, &event.attributes);
    content_with(pseudonym, event, &attributes)
}

/// [`content_hash`] when the attribute JSON is already written.
pub fn content_with(pseudonym: &str, event: &Event, attributes: &[u8]) -> Hash {
    Content {
        source: &event.source,
        reference: &event.reference,
        action: event.action.as_str(),
        category: &event.category,
        target: event.target.as_deref(),
        valid: event.valid.0,
        attributes,
        pseudonym,
    }
    .hash()
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use credence_model::{Action, Attributes, Day, Value};

    fn event() -> Event {
        let mut attributes = Attributes::new();
        attributes.insert("amount".into(), Value::Int(1200));
        Event {
            seq: 7,
            source: "court".into(),
            reference: "r-1".into(),
            action: Action::Record,
            category: "judgment".into(),
            target: None,
            valid: Day(19_000),
            recorded: Day(19_010),
            attributes,
        }
    }

    #[test]
    fn content_ignores_what_the_registry_adds() {
        let a = event();
        let mut b = event();
        b.seq = 99;
        b.recorded = Day(20_000);
        assert_eq!(content_hash("p", &a), content_hash("p", &b));
    }

    #[test]
    fn content_covers_what_the_source_said() {
        let base = content_hash("p", &event());
        assert_ne!(base, content_hash("q", &event()));
        let mut changed = event();
        changed.attributes.insert("amount".into(), Value::Int(1201));
        assert_ne!(base, content_hash("p", &changed));
        let mut targeted = event();
        targeted.target = Some(String::new());
        assert_ne!(
            base,
            content_hash("p", &targeted),
            "an empty target is not no target"
        );
        let mut shifted = event();
        shifted.source = "cour".into();
        shifted.reference = "tr-1".into();
        assert_ne!(
            base,
            content_hash("p", &shifted),
            "fields are length-delimited"
        );
    }

    #[test]
    fn hex_is_lowercase_and_full_width() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab]), "000fab");
    }
}
