//! The keyed history: what every MAC of the store covers, and the replay of one subject's chain.
//!
//! - A subject's chain starts from a MAC of its facts (pseudonym, kind, sealed birth date when
//!   known at creation); a birth date learned later is itself a link (a *facts* link).
//! - Each event is a link: MAC(chain key, previous link, position in the subject's chain,
//!   content hash, recorded day, batch, the pseudonyms it links to).
//! - `subject_head` records the head and count each batch left for each subject it touched; a
//!   batch's commitment is the SHA-256 of those (subject, head, count), in subject order.
//! - Each batch (and each publication of the policy and sources) is a link of the batch chain:
//!   MAC(previous digest, id, kind, source, origin, time, recorded day, counts, commitment, key
//!   id).
//! - The access log is a chain of its own; the count of links naming a subject is MAC'd, so a
//!   link row removed from under a representative is seen by a check on the representative.
//!
//! Every part of a MAC is length-prefixed ([`Keys::mac`]), and the first part names what is
//! MAC'd, so no MAC of one kind can stand for another.

use sha2::{Digest as _, Sha256};

use crate::Keys;
use crate::keys::Digest;

/// The batch digest before the first batch.
pub const GENESIS: Digest = [0; 32];

/// The first link of a subject's chain.
pub fn genesis(keys: &Keys, pseudonym: &str, kind: &str, birth: Option<&[u8]>) -> Digest {
    keys.mac(&[
        b"subject",
        pseudonym.as_bytes(),
        kind.as_bytes(),
        birth.unwrap_or_default(),
        &[u8::from(birth.is_some())],
    ])
}

/// A birth date learned after the subject was created.
pub fn facts_link(keys: &Keys, previous: &Digest, position: u64, birth: &[u8]) -> Digest {
    keys.mac(&[b"facts", previous, &position.to_be_bytes(), birth])
}

/// An event's link.
pub fn event_link(
    keys: &Keys,
    previous: &Digest,
    position: u64,
    content: &[u8],
    recorded: i32,
    batch: i64,
    links: &[&str],
) -> Digest {
    let mut sorted: Vec<&str> = links.to_vec();
    sorted.sort_unstable();
    let mut linked = Vec::with_capacity(sorted.len() * 72);
    for pseudonym in sorted {
        linked.extend_from_slice(&(pseudonym.len() as u64).to_be_bytes());
        linked.extend_from_slice(pseudonym.as_bytes());
    }
    keys.mac(&[
        b"event",
        previous,
        &position.to_be_bytes(),
        content,
        &recorded.to_be_bytes(),
        &batch.to_be_bytes(),
        &linked,
    ])
}

/// What a batch row holds, as its digest covers it.
#[derive(Debug, Clone, Copy)]
pub struct BatchFields<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub source: &'a str,
    pub origin: &'a str,
    pub recorded_at_ms: i64,
    pub recorded: i32,
    pub events: i64,
    pub unchanged: i64,
    pub commitment: &'a [u8],
    pub key_id: &'a str,
}

/// A batch's digest, given the digest before it.
pub fn batch_digest(keys: &Keys, previous: &[u8], batch: &BatchFields<'_>) -> Digest {
    keys.mac(&[
        b"batch",
        previous,
        &batch.id.to_be_bytes(),
        batch.kind.as_bytes(),
        batch.source.as_bytes(),
        batch.origin.as_bytes(),
        &batch.recorded_at_ms.to_be_bytes(),
        &batch.recorded.to_be_bytes(),
        &batch.events.to_be_bytes(),
        &batch.unchanged.to_be_bytes(),
        batch.commitment,
        batch.key_id.as_bytes(),
    ])
}

/// The commitment of a batch to the heads it left: fed in subject order.
#[derive(Debug, Default, Clone)]
pub struct Commitment(Sha256);

impl Commitment {
    pub fn add(&mut self, subject: i64, head: &[u8], count: u64) {
        self.0.update(subject.to_be_bytes());
        self.0.update((head.len() as u64).to_be_bytes());
        self.0.update(head);
        self.0.update(count.to_be_bytes());
    }

    pub fn finish(self) -> Digest {
        self.0.finalize().into()
    }
}

/// The commitment of a publication to the policy texts and the sources with their scopes.
pub fn publication_commitment(
    policies: &[(String, String)],
    sources: &[(String, String, String)],
) -> Digest {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(b"policies");
    for (name, text) in policies {
        field(name.as_bytes());
        field(text.as_bytes());
    }
    field(b"sources");
    for (id, title, categories) in sources {
        field(id.as_bytes());
        field(title.as_bytes());
        field(categories.as_bytes());
    }
    hasher.finalize().into()
}

/// One entry of the access log, as its MAC covers it.
#[derive(Debug, Clone, Copy)]
pub struct AccessFields<'a> {
    pub seq: i64,
    pub pseudonym: &'a str,
    pub party: &'a str,
    pub purpose: &'a str,
    pub at_ms: i64,
    pub day: i32,
    pub outcome: &'a str,
}

/// An access-log entry's MAC, given the one before it.
pub fn access_mac(keys: &Keys, previous: &[u8], access: &AccessFields<'_>) -> Digest {
    keys.mac(&[
        b"access",
        previous,
        &access.seq.to_be_bytes(),
        access.pseudonym.as_bytes(),
        access.party.as_bytes(),
        access.purpose.as_bytes(),
        &access.at_ms.to_be_bytes(),
        &access.day.to_be_bytes(),
        access.outcome.as_bytes(),
    ])
}

/// The MAC of how many link rows name a subject.
pub fn linked_mac(keys: &Keys, pseudonym: &str, count: i64) -> Digest {
    keys.mac(&[b"linked", pseudonym.as_bytes(), &count.to_be_bytes()])
}

/// A subject's facts as stored, for replaying its chain.
#[derive(Debug, Clone)]
pub struct StoredFacts {
    pub id: i64,
    pub pseudonym: String,
    pub kind: String,
    pub birth: Option<Vec<u8>>,
    /// The position of the link that set the birth date (0: known at creation).
    pub birth_at: Option<i64>,
    pub birth_batch: Option<i64>,
}

/// One event of a subject's chain as stored, with its content hash recomputed from its fields.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub seq: i64,
    pub position: i64,
    pub batch: i64,
    pub recorded: i32,
    /// Recomputed from the stored fields.
    pub content: Digest,
    pub stored_content: Vec<u8>,
    pub stored_link: Vec<u8>,
    pub links: Vec<String>,
}

/// A batch's head for a subject, as stored in `subject_head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHead {
    pub batch: i64,
    pub head: Vec<u8>,
    pub count: i64,
}

/// Checks the head recorded for `batch` (when there is one) against the replayed head.
fn close(
    id: i64,
    heads: &mut std::slice::Iter<'_, StoredHead>,
    batch: Option<i64>,
    head: &Digest,
    count: i64,
) -> Result<(), String> {
    let Some(batch) = batch else { return Ok(()) };
    match heads.next() {
        Some(stored)
            if stored.batch == batch && stored.head[..] == head[..] && stored.count == count =>
        {
            Ok(())
        }
        Some(stored) if stored.batch == batch => Err(format!(
            "subject {id}: the head batch {batch} recorded does not match its events"
        )),
        _ => Err(format!(
            "subject {id}: no head is recorded for batch {batch}, which changed it"
        )),
    }
}

/// Replays a subject's chain from its facts through its events, checking every stored link and
/// content hash and every head a batch recorded. Returns the final head and count, or what
/// does not match, in words.
pub fn replay(
    keys: &Keys,
    facts: &StoredFacts,
    events: &[StoredLink],
    heads: &[StoredHead],
) -> Result<(Digest, i64), String> {
    let id = facts.id;
    let at_creation = (facts.birth_at == Some(0)).then_some(facts.birth.as_deref());
    let mut head = genesis(keys, &facts.pseudonym, &facts.kind, at_creation.flatten());
    if (facts.birth_at == Some(0) && facts.birth.is_none())
        || (facts.birth.is_some() && facts.birth_at.is_none())
    {
        return Err(format!(
            "subject {id}: its birth date and the link that set it disagree"
        ));
    }
    let late_birth = match (facts.birth_at, &facts.birth, facts.birth_batch) {
        (Some(at), Some(birth), Some(batch)) if at > 0 => Some((at, birth.as_slice(), batch)),
        (Some(at), _, _) if at > 0 => {
            return Err(format!("subject {id}: its birth date's link is incomplete"));
        }
        _ => None,
    };
    let mut count: i64 = 0;
    let mut batch: Option<i64> = None;
    let mut heads = heads.iter();
    let mut events = events.iter();
    loop {
        let position = count + 1;
        if let Some((at, birth, birth_batch)) = late_birth
            && at == position
        {
            if batch != Some(birth_batch) {
                close(id, &mut heads, batch, &head, count)?;
                batch = Some(birth_batch);
            }
            head = facts_link(keys, &head, position as u64, birth);
            count = position;
            continue;
        }
        let Some(event) = events.next() else { break };
        if event.position != position {
            return Err(format!(
                "subject {id}: event {} is at position {} of its chain, where {position} was \
                 expected (an event removed, inserted or moved)",
                event.seq, event.position
            ));
        }
        if batch != Some(event.batch) {
            close(id, &mut heads, batch, &head, count)?;
            batch = Some(event.batch);
        }
        if event.stored_content != event.content {
            return Err(format!(
                "event {}: its content does not match its stored hash",
                event.seq
            ));
        }
        let links: Vec<&str> = event.links.iter().map(String::as_str).collect();
        let link = event_link(
            keys,
            &head,
            position as u64,
            &event.content,
            event.recorded,
            event.batch,
            &links,
        );
        if event.stored_link != link {
            return Err(format!(
                "event {}: its link does not verify under the registry's key (altered, moved, \
                 or re-sealed without the key)",
                event.seq
            ));
        }
        head = link;
        count = position;
    }
    if let Some((at, _, _)) = late_birth
        && at > count
    {
        return Err(format!(
            "subject {id}: its birth date's link is past its chain"
        ));
    }
    close(id, &mut heads, batch, &head, count)?;
    if heads.next().is_some() {
        return Err(format!(
            "subject {id}: a head is recorded for a batch whose events are missing"
        ));
    }
    Ok((head, count))
}
