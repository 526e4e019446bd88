//! Proving the history: the cheap check before an answer (the batch chain, the catalogue in
//! force, the witness's last line, the one subject asked about) and the full replay of
//! `audit verify` (every subject chain, every batch's commitment, every publication, the
//! access log, against a published head).
//!
//! Every MAC is recomputed under the registry's key ([`crate::chain`]): an insider with the
//! database file but not the key can neither edit, insert, remove nor reorder anything without
//! a MAC failing, nor re-seal it. What the cheap check cannot see is a subject replayed whole to
//! an earlier sealed state of its own (its events cut back and its `subject_head` rows with
//! them): the batch commitments catch that, and only the full replay recomputes them.

use std::collections::HashMap;

use credence_model::Event;
use rusqlite::{Connection, OptionalExtension, Row, Rows};

use super::rows::{self, EVENT_COLUMNS, SUBJECT_COLUMNS};
use super::{EVENTS_BATCH, PUBLICATION_BATCH};
use crate::chain::{self, BatchFields, Commitment, StoredFacts, StoredHead, StoredLink};
use crate::hash::{Content, hex};
use crate::witness::{self, WitnessLine};
use crate::{ChainReport, Keys, PublishedHead, StoreError, StoredSubject};

/// The most problems a report lists.
pub(crate) const PROBLEMS_MAX: usize = 50;

/// The columns read for replaying an event, after [`EVENT_COLUMNS`].
const LINK_COLUMNS: &str = "e.position, e.batch, e.content, e.hash, \
     (SELECT group_concat(l.pseudonym, ' ') FROM link l WHERE l.seq = e.seq)";
/// How many columns [`EVENT_COLUMNS`] has.
const EVENT_WIDTH: usize = 9;

/// One row of the batch chain.
#[derive(Debug)]
pub(crate) struct BatchRow {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) commitment: Vec<u8>,
    pub(crate) digest: Vec<u8>,
}

/// Reads the batch chain and checks every digest; returns the rows and what does not verify.
fn batch_chain(conn: &Connection, keys: &Keys) -> Result<(Vec<BatchRow>, Vec<String>), StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, kind, source, origin, recorded_at_ms, recorded, events, unchanged, commitment,
                key_id, digest
         FROM batch ORDER BY id",
    )?;
    let mut rows = statement.query([])?;
    let mut out: Vec<BatchRow> = Vec::new();
    let mut problems = Vec::new();
    let mut previous = chain::GENESIS.to_vec();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let kind: String = row.get(1)?;
        let source: String = row.get(2)?;
        let origin: String = row.get(3)?;
        let commitment: Vec<u8> = row.get(8)?;
        let key_id: String = row.get(9)?;
        let digest: Vec<u8> = row.get(10)?;
        let expected = out.last().map_or(1, |last| last.id + 1);
        if id != expected {
            problems.push(format!(
                "batch {id} follows batch {}: batches were removed",
                expected - 1
            ));
        }
        if key_id != keys.id() {
            problems.push(format!(
                "batch {id} was sealed under key {key_id}, not under this registry's key {}",
                keys.id()
            ));
        }
        let fields = BatchFields {
            id,
            kind: &kind,
            source: &source,
            origin: &origin,
            recorded_at_ms: row.get(4)?,
            recorded: row.get(5)?,
            events: row.get(6)?,
            unchanged: row.get(7)?,
            commitment: &commitment,
            key_id: &key_id,
        };
        if chain::batch_digest(keys, &previous, &fields)[..] != digest[..] {
            problems.push(format!(
                "batch {id}: its digest does not verify under the registry's key (the batch row \
                 or one before it was altered)"
            ));
        }
        previous.clone_from(&digest);
        out.push(BatchRow {
            id,
            kind,
            commitment,
            digest,
        });
    }
    Ok((out, problems))
}

/// Recomputes a publication's commitment from its stored policy texts and sources.
fn publication_commitment(conn: &Connection, batch: i64) -> Result<[u8; 32], StoreError> {
    let policies: Vec<(String, String)> = conn
        .prepare_cached("SELECT name, text FROM policy WHERE batch = ?1 ORDER BY name")?
        .query_map([batch], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let sources: Vec<(String, String, String)> = conn
        .prepare_cached("SELECT id, title, categories FROM source WHERE batch = ?1 ORDER BY id")?
        .query_map([batch], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(chain::publication_commitment(&policies, &sources))
}

/// Checks the catalogue in force: the last publication's policy texts and sources against its
/// commitment, and that the policy in force and the sources read are that publication's.
fn catalogue(conn: &Connection, batches: &[BatchRow]) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let Some(last) = batches.iter().rev().find(|b| b.kind == PUBLICATION_BATCH) else {
        // Nothing published yet is consistent only with no policy and no sources stored.
        let stored: i64 = conn.query_row(
            "SELECT (SELECT count(*) FROM policy) + (SELECT count(*) FROM source)",
            [],
            |row| row.get(0),
        )?;
        return Ok(if stored == 0 {
            Vec::new()
        } else {
            vec![
                "policy or sources are stored, but no publication of them is in the batch chain"
                    .into(),
            ]
        });
    };
    if publication_commitment(conn, last.id)?[..] != last.commitment[..] {
        problems.push(format!(
            "the policy or sources published in batch {} were altered",
            last.id
        ));
    }
    let in_force: Vec<i64> = conn
        .prepare("SELECT DISTINCT batch FROM policy WHERE in_force = 1")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let sources: Option<i64> =
        conn.query_row("SELECT max(batch) FROM source", [], |row| row.get(0))?;
    if in_force != [last.id] || sources.is_some_and(|s| s != last.id) {
        problems.push(format!(
            "the policy or sources in force are not those of the last publication (batch {})",
            last.id
        ));
    }
    Ok(problems)
}

/// The cheap check before any answer; see the module documentation.
pub(crate) fn verify_published(
    conn: &Connection,
    access_log: &Connection,
    keys: &Keys,
    witness_path: &std::path::Path,
) -> Result<(), StoreError> {
    let (batches, mut problems) = batch_chain(conn, keys)?;
    problems.extend(catalogue(conn, &batches)?);
    if let Some(first) = problems.into_iter().next() {
        return Err(StoreError::Tampered(first));
    }
    if let Some(line) = witness::last(witness_path, keys)? {
        let stored = batches.last().map_or(0, |b| b.id);
        if line.batch > stored {
            return Err(StoreError::RolledBack {
                stored,
                published: line.batch,
            });
        }
        let matches = batches
            .iter()
            .find(|b| b.id == line.batch)
            .is_some_and(|b| hex(&b.digest) == line.digest);
        if !matches {
            return Err(StoreError::Tampered(format!(
                "batch {} is not the one the witness published",
                line.batch
            )));
        }
        if let Some(problem) = access_witnessed(access_log, keys, &line)? {
            return Err(StoreError::Tampered(problem));
        }
    }
    Ok(())
}

/// Whether the access log still holds the entry the witness line published, with a MAC that
/// verifies from the entry before it (two rows read).
fn access_witnessed(
    conn: &Connection,
    keys: &Keys,
    line: &WitnessLine,
) -> Result<Option<String>, StoreError> {
    if line.access_seq == 0 {
        return Ok(None);
    }
    let problem = || {
        Some(format!(
            "the access log no longer holds entry {} as the witness published it (truncated or \
             altered)",
            line.access_seq
        ))
    };
    let mut statement = conn.prepare_cached(
        "SELECT seq, pseudonym, party, purpose, at_ms, outcome, day, mac FROM access
         WHERE seq BETWEEN ?1 - 1 AND ?1 ORDER BY seq",
    )?;
    let entries: Vec<(AccessRow, Vec<u8>)> = statement
        .query_map([line.access_seq], access_row)?
        .collect::<Result<_, _>>()?;
    let (previous, entry) = match entries.as_slice() {
        [(entry, mac)] if line.access_seq == 1 => (vec![0u8; 32], (entry, mac)),
        [(_, previous), (entry, mac)] => (previous.clone(), (entry, mac)),
        _ => return Ok(problem()),
    };
    let (entry, mac) = entry;
    let intact = entry.seq == line.access_seq
        && hex(mac) == line.access
        && access_mac_of(keys, &previous, entry)[..] == mac[..];
    Ok(if intact { None } else { problem() })
}

/// An access-log row's fields.
#[derive(Debug)]
struct AccessRow {
    seq: i64,
    pseudonym: String,
    party: String,
    purpose: String,
    at_ms: i64,
    outcome: String,
    day: i32,
}

fn access_row(row: &Row<'_>) -> rusqlite::Result<(AccessRow, Vec<u8>)> {
    Ok((
        AccessRow {
            seq: row.get(0)?,
            pseudonym: row.get(1)?,
            party: row.get(2)?,
            purpose: row.get(3)?,
            at_ms: row.get(4)?,
            outcome: row.get(5)?,
            day: row.get(6)?,
        },
        row.get(7)?,
    ))
}

fn access_mac_of(keys: &Keys, previous: &[u8], entry: &AccessRow) -> [u8; 32] {
    chain::access_mac(
        keys,
        previous,
        &chain::AccessFields {
            seq: entry.seq,
            pseudonym: &entry.pseudonym,
            party: &entry.party,
            purpose: &entry.purpose,
            at_ms: entry.at_ms,
            day: entry.day,
            outcome: &entry.outcome,
        },
    )
}

/// An event row as stored, before its content hash is recomputed.
#[derive(Debug)]
struct RawEvent {
    seq: i64,
    source: String,
    reference: String,
    action: String,
    category: String,
    target: Option<String>,
    valid: i32,
    recorded: i32,
    attributes: String,
    position: i64,
    batch: i64,
    stored_content: Vec<u8>,
    stored_link: Vec<u8>,
    links: Vec<String>,
}

impl RawEvent {
    /// Reads the columns [`EVENT_COLUMNS`] then [`LINK_COLUMNS`], starting at `at`.
    fn read(row: &Row<'_>, at: usize) -> rusqlite::Result<RawEvent> {
        let links: Option<String> = row.get(at + EVENT_WIDTH + 4)?;
        Ok(RawEvent {
            seq: row.get(at)?,
            source: row.get(at + 1)?,
            reference: row.get(at + 2)?,
            action: row.get(at + 3)?,
            category: row.get(at + 4)?,
            target: row.get(at + 5)?,
            valid: row.get(at + 6)?,
            recorded: row.get(at + 7)?,
            attributes: row.get(at + 8)?,
            position: row.get(at + EVENT_WIDTH)?,
            batch: row.get(at + EVENT_WIDTH + 1)?,
            stored_content: row.get(at + EVENT_WIDTH + 2)?,
            stored_link: row.get(at + EVENT_WIDTH + 3)?,
            links: links
                .map(|l| l.split(' ').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
    }

    /// The link to replay, with the content hash recomputed for the subject `pseudonym`.
    fn link(self, pseudonym: &str) -> StoredLink {
        let content = Content {
            source: &self.source,
            reference: &self.reference,
            action: &self.action,
            category: &self.category,
            target: self.target.as_deref(),
            valid: self.valid,
            attributes: self.attributes.as_bytes(),
            pseudonym,
        }
        .hash();
        StoredLink {
            seq: self.seq,
            position: self.position,
            batch: self.batch,
            recorded: self.recorded,
            content,
            stored_content: self.stored_content,
            stored_link: self.stored_link,
            links: self.links,
        }
    }
}

/// Reads a subject's facts from the columns [`SUBJECT_COLUMNS`], then `birth_at`, `birth_batch`.
fn facts_at(row: &Row<'_>) -> rusqlite::Result<StoredFacts> {
    Ok(StoredFacts {
        id: row.get(0)?,
        pseudonym: row.get(1)?,
        kind: row.get(2)?,
        birth: row.get(3)?,
        birth_at: row.get(5)?,
        birth_batch: row.get(6)?,
    })
}

fn head_at(row: &Row<'_>, at: usize) -> rusqlite::Result<StoredHead> {
    Ok(StoredHead {
        batch: row.get(at)?,
        head: row.get(at + 1)?,
        count: row.get(at + 2)?,
    })
}

/// The count of link rows naming `pseudonym` against its MAC'd count.
fn check_linked(conn: &Connection, keys: &Keys, pseudonym: &str) -> Result<(), StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM link WHERE pseudonym = ?1")?
        .query_row([pseudonym], |row| row.get(0))?;
    let sealed: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT count, mac FROM linked WHERE pseudonym = ?1")?
        .query_row([pseudonym], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let intact = match sealed {
        None => count == 0,
        Some((sealed, mac)) => {
            sealed == count && chain::linked_mac(keys, pseudonym, sealed)[..] == mac[..]
        }
    };
    if intact {
        Ok(())
    } else {
        Err(StoreError::Tampered(format!(
            "the records naming subject {pseudonym} as a legal representative do not match \
             their sealed count (a link was removed, added or moved)"
        )))
    }
}

/// One subject, read and verified; see [`crate::Store::verified_subject`].
pub(crate) fn verified_subject(
    conn: &Connection,
    keys: &Keys,
    pseudonym: &str,
) -> Result<Option<(StoredSubject, Vec<Event>)>, StoreError> {
    check_linked(conn, keys, pseudonym)?;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {SUBJECT_COLUMNS}, s.birth_at, s.birth_batch FROM subject s WHERE s.pseudonym = ?1"
    ))?;
    let mut found = statement.query([pseudonym])?;
    let Some(row) = found.next()? else {
        return Ok(None);
    };
    let facts = facts_at(row)?;
    let subject = rows::subject_at(row, 0, keys)?;
    drop(found);
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS}, {LINK_COLUMNS} FROM event e WHERE e.subject = ?1
         ORDER BY e.position"
    ))?;
    let mut rows = statement.query([subject.id])?;
    let mut events = Vec::new();
    let mut links = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(rows::event_at(row, 0)?);
        links.push(RawEvent::read(row, 0)?.link(pseudonym));
    }
    let heads: Vec<StoredHead> = conn
        .prepare_cached(
            "SELECT batch, head, count FROM subject_head WHERE subject = ?1 ORDER BY batch",
        )?
        .query_map([subject.id], |row| head_at(row, 0))?
        .collect::<Result<_, _>>()?;
    chain::replay(keys, &facts, &links, &heads).map_err(StoreError::Tampered)?;
    Ok(Some((subject, events)))
}

/// Rows keyed by subject id, in subject order, read one subject at a time.
struct BySubject<'s, T> {
    rows: Rows<'s>,
    read: fn(&Row<'_>) -> rusqlite::Result<(i64, T)>,
    pending: Option<(i64, T)>,
    /// Rows of no stored subject.
    orphans: u64,
}

impl<'s, T> BySubject<'s, T> {
    fn new(rows: Rows<'s>, read: fn(&Row<'_>) -> rusqlite::Result<(i64, T)>) -> Self {
        BySubject {
            rows,
            read,
            pending: None,
            orphans: 0,
        }
    }

    /// The rows of `subject` (every earlier subject's rows left are orphans).
    fn take(&mut self, subject: i64, out: &mut Vec<T>) -> Result<(), StoreError> {
        out.clear();
        loop {
            if self.pending.is_none() {
                match self.rows.next()? {
                    Some(row) => self.pending = Some((self.read)(row)?),
                    None => return Ok(()),
                }
            }
            match self.pending.take() {
                Some((id, value)) if id == subject => out.push(value),
                Some((id, _)) if id < subject => self.orphans += 1,
                other => {
                    self.pending = other;
                    return Ok(());
                }
            }
        }
    }

    /// Counts every row left as an orphan.
    fn finish(mut self) -> Result<u64, StoreError> {
        let mut rest = Vec::new();
        self.take(i64::MAX, &mut rest)?;
        Ok(self.orphans + rest.len() as u64)
    }
}

/// The full replay; see the module documentation.
pub(crate) fn verify(
    conn: &Connection,
    access_log: &Connection,
    keys: &Keys,
    published: &[PublishedHead],
) -> Result<ChainReport, StoreError> {
    let (batches, mut problems) = batch_chain(conn, keys)?;
    for batch in batches.iter().filter(|b| b.kind == PUBLICATION_BATCH) {
        if publication_commitment(conn, batch.id)?[..] != batch.commitment[..] {
            problems.push(format!(
                "the policy or sources published in batch {} were altered",
                batch.id
            ));
        }
    }
    problems.extend(catalogue(conn, &batches)?);
    let (subjects, events, commitments) = replay_subjects(conn, keys, &mut problems)?;
    let mut commitments = commitments;
    for batch in batches.iter().filter(|b| b.kind == EVENTS_BATCH) {
        let recomputed = commitments.remove(&batch.id).unwrap_or_default().finish();
        if recomputed[..] != batch.commitment[..] {
            problems.push(format!(
                "batch {}: the subject heads it committed to were changed (a subject's history \
                 rolled back, cut or extended)",
                batch.id
            ));
        }
    }
    let mut stray: Vec<i64> = commitments.into_keys().collect();
    stray.sort_unstable();
    for batch in stray {
        problems.push(format!(
            "subject heads are recorded for batch {batch}, which no events batch of the chain has"
        ));
    }
    problems.extend(linked(conn, keys)?);
    let (accesses, access_macs) = access_chain(access_log, keys, &mut problems)?;
    let last = batches.last();
    for published in published {
        against(published, keys, &batches, &access_macs, &mut problems)?;
    }
    if problems.len() > PROBLEMS_MAX {
        let more = problems.len() - PROBLEMS_MAX;
        problems.truncate(PROBLEMS_MAX);
        problems.push(format!("... and {more} more"));
    }
    Ok(ChainReport {
        events,
        subjects,
        batches: batches.len() as u64,
        accesses,
        head: last.map_or_else(String::new, |b| format!("{}:{}", b.id, hex(&b.digest))),
        problems,
    })
}

/// Checks the history against one published head.
pub(crate) fn against(
    published: &PublishedHead,
    keys: &Keys,
    batches: &[BatchRow],
    access_macs: &HashMap<i64, String>,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    let stored = batches.last().map_or(0, |b| b.id);
    match published {
        PublishedHead::Witness(path) => match witness::read_all(path, keys) {
            Err(StoreError::Tampered(why)) => problems.push(why),
            Err(other) => return Err(other),
            Ok(lines) => {
                if let Some(line) = lines.last()
                    && line.batch > stored
                {
                    problems.push(rolled_back(stored, line.batch));
                }
                for line in lines.iter().filter(|l| l.batch <= stored) {
                    let same = batches
                        .iter()
                        .find(|b| b.id == line.batch)
                        .is_some_and(|b| hex(&b.digest) == line.digest);
                    if !same {
                        problems.push(format!(
                            "batch {} is not the one the witness published",
                            line.batch
                        ));
                    }
                }
                if let Some(line) = lines.last()
                    && line.access_seq > 0
                    && access_macs.get(&line.access_seq) != Some(&line.access)
                {
                    problems.push(format!(
                        "the access log no longer holds entry {} as the witness published it \
                         (truncated or altered)",
                        line.access_seq
                    ));
                }
            }
        },
        PublishedHead::Digest { batch, digest } => {
            let digest = digest.to_ascii_lowercase();
            let found = batches.iter().find(|b| hex(&b.digest) == digest);
            match (found, batch) {
                (Some(b), Some(n)) if b.id != *n => problems.push(format!(
                    "the published head is batch {n}'s, but this history has it at batch {}",
                    b.id
                )),
                (Some(_), _) => {}
                (None, Some(n)) if *n > stored => problems.push(rolled_back(stored, *n)),
                (None, _) => problems.push(
                    "the published head is not in this history (rolled back, or altered)".into(),
                ),
            }
        }
    }
    Ok(())
}

fn rolled_back(stored: i64, published: i64) -> String {
    format!("rolled back: the database ends at batch {stored}, but batch {published} was published")
}

/// Replays every subject's chain; returns the counts of subjects and events and, per batch, the
/// commitment recomputed from the heads recorded for it.
fn replay_subjects(
    conn: &Connection,
    keys: &Keys,
    problems: &mut Vec<String>,
) -> Result<(u64, u64, HashMap<i64, Commitment>), StoreError> {
    let mut subjects_statement = conn.prepare(&format!(
        "SELECT {SUBJECT_COLUMNS}, s.birth_at, s.birth_batch FROM subject s ORDER BY s.id"
    ))?;
    let mut events_statement = conn.prepare(&format!(
        "SELECT e.subject, {EVENT_COLUMNS}, {LINK_COLUMNS} FROM event e
         ORDER BY e.subject, e.position"
    ))?;
    let mut heads_statement = conn
        .prepare("SELECT subject, batch, head, count FROM subject_head ORDER BY subject, batch")?;
    let mut subjects = subjects_statement.query([])?;
    let mut events = BySubject::new(events_statement.query([])?, |row| {
        Ok((row.get(0)?, RawEvent::read(row, 1)?))
    });
    let mut heads = BySubject::new(heads_statement.query([])?, |row| {
        Ok((row.get(0)?, head_at(row, 1)?))
    });
    let mut commitments: HashMap<i64, Commitment> = HashMap::new();
    let (mut subject_count, mut event_count) = (0u64, 0u64);
    let mut raw = Vec::new();
    let mut recorded = Vec::new();
    while let Some(row) = subjects.next()? {
        let facts = facts_at(row)?;
        subject_count += 1;
        events.take(facts.id, &mut raw)?;
        heads.take(facts.id, &mut recorded)?;
        event_count += raw.len() as u64;
        let links: Vec<StoredLink> = raw.drain(..).map(|e| e.link(&facts.pseudonym)).collect();
        if let Err(problem) = chain::replay(keys, &facts, &links, &recorded)
            && problems.len() <= PROBLEMS_MAX
        {
            problems.push(problem);
        }
        for head in &recorded {
            commitments
                .entry(head.batch)
                .or_default()
                .add(facts.id, &head.head, head.count as u64);
        }
    }
    let orphan_events = events.finish()?;
    let orphan_heads = heads.finish()?;
    if orphan_events + orphan_heads > 0 {
        problems.push(format!(
            "{orphan_events} events and {orphan_heads} heads belong to no stored subject"
        ));
    }
    Ok((subject_count, event_count + orphan_events, commitments))
}

/// Every subject's count of link rows naming it, against its MAC'd count.
fn linked(conn: &Connection, keys: &Keys) -> Result<Vec<String>, StoreError> {
    let mut counts: HashMap<String, i64> = conn
        .prepare("SELECT pseudonym, count(*) FROM link GROUP BY pseudonym")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut problems = Vec::new();
    let mut statement = conn.prepare("SELECT pseudonym, count, mac FROM linked")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let pseudonym: String = row.get(0)?;
        let count: i64 = row.get(1)?;
        let mac: Vec<u8> = row.get(2)?;
        let actual = counts.remove(&pseudonym).unwrap_or(0);
        if actual != count || chain::linked_mac(keys, &pseudonym, count)[..] != mac[..] {
            problems.push(format!(
                "the links naming subject {pseudonym} do not match their sealed count"
            ));
        }
    }
    for pseudonym in counts.into_keys() {
        problems.push(format!(
            "links name subject {pseudonym}, but no sealed count of them exists"
        ));
    }
    Ok(problems)
}

/// Walks the access log's chain; returns its length and every entry's MAC by seq (hex).
fn access_chain(
    conn: &Connection,
    keys: &Keys,
    problems: &mut Vec<String>,
) -> Result<(u64, HashMap<i64, String>), StoreError> {
    let mut statement = conn.prepare(
        "SELECT seq, pseudonym, party, purpose, at_ms, outcome, day, mac FROM access ORDER BY seq",
    )?;
    let mut rows = statement.query([])?;
    let mut previous = vec![0u8; 32];
    let mut macs = HashMap::new();
    let mut count = 0u64;
    let mut broken = false;
    while let Some(row) = rows.next()? {
        count += 1;
        let (entry, mac) = access_row(row)?;
        if !broken
            && (entry.seq != count as i64 || access_mac_of(keys, &previous, &entry)[..] != mac[..])
        {
            problems.push(format!(
                "access log entry {}: it does not verify under the registry's key (entries \
                 altered, removed or inserted)",
                entry.seq
            ));
            broken = true;
        }
        macs.insert(entry.seq, hex(&mac));
        previous = mac;
    }
    Ok((count, macs))
}
