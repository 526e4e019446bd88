//! Proving a PostgreSQL registry's history: the same checks as the embedded store's
//! ([`crate::sqlite::verify`]) over the same MACs, read with PostgreSQL's queries. The full
//! replay reads subjects in key order, a thousand at a time with their events and heads.

use std::collections::HashMap;

use credence_model::Event;
use postgres::{GenericClient, Row, Transaction};

use super::{
    EVENT_COLUMNS, EVENTS_BATCH, PUBLICATION_BATCH, SUBJECT_COLUMNS, event_at, pg_error,
    subject_at, subject_key,
};
use crate::chain::{self, BatchFields, Commitment, StoredFacts, StoredHead, StoredLink};
use crate::hash::{Content, hex};
use crate::sqlite::verify::{BatchRow, PROBLEMS_MAX, against};
use crate::witness::{self, WitnessLine};
use crate::{ChainReport, Keys, PublishedHead, StoreError, StoredSubject};

/// The columns read for replaying an event, after [`EVENT_COLUMNS`], when the events of many
/// subjects are read at once.
const LINK_COLUMNS: &str = "e.position, e.batch, e.content, e.hash, \
     (SELECT string_agg(l.pseudonym, ' ') FROM link l \
      WHERE l.subject = e.subject AND l.seq = e.seq)";
/// [`LINK_COLUMNS`] for the events of the one subject whose key is `$1`: the link rows are
/// restricted by the key itself, not only through `e.subject`, because Citus routes a query to
/// one shard only when every table in it is restricted by the distribution key (with the
/// correlation alone, a check's read of one subject asked all 32 shards).
const SUBJECT_LINK_COLUMNS: &str = "e.position, e.batch, e.content, e.hash, \
     (SELECT string_agg(l.pseudonym, ' ') FROM link l \
      WHERE l.subject = $1 AND l.seq = e.seq)";
/// How many columns [`EVENT_COLUMNS`] has.
const EVENT_WIDTH: usize = 9;
/// Subjects replayed per query.
const SUBJECTS_PER_QUERY: i64 = 1000;

/// Reads the batch chain and checks every digest; returns the rows and what does not verify.
fn batch_chain(
    client: &mut impl GenericClient,
    keys: &Keys,
) -> Result<(Vec<BatchRow>, Vec<String>), StoreError> {
    let rows = client
        .query(
            "SELECT id, kind, source, origin, recorded_at_ms, recorded, events, unchanged,
                    commitment, key_id, digest
             FROM batch ORDER BY id",
            &[],
        )
        .map_err(pg_error)?;
    let mut out: Vec<BatchRow> = Vec::new();
    let mut problems = Vec::new();
    let mut previous = chain::GENESIS.to_vec();
    for row in &rows {
        let id: i64 = row.get(0);
        let kind: String = row.get(1);
        let source: &str = row.get(2);
        let origin: &str = row.get(3);
        let commitment: Vec<u8> = row.get(8);
        let key_id: &str = row.get(9);
        let digest: Vec<u8> = row.get(10);
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
            source,
            origin,
            recorded_at_ms: row.get(4),
            recorded: row.get(5),
            events: row.get(6),
            unchanged: row.get(7),
            commitment: &commitment,
            key_id,
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
fn publication_commitment(
    client: &mut impl GenericClient,
    batch: i64,
) -> Result<[u8; 32], StoreError> {
    let policies: Vec<(String, String)> = client
        .query(
            "SELECT name, text FROM policy WHERE batch = $1 ORDER BY name",
            &[&batch],
        )
        .map_err(pg_error)?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let sources: Vec<(String, String, String)> = client
        .query(
            "SELECT id, title, categories FROM source WHERE batch = $1 ORDER BY id",
            &[&batch],
        )
        .map_err(pg_error)?
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    Ok(chain::publication_commitment(&policies, &sources))
}

/// Checks the catalogue in force against the last publication.
fn catalogue(
    client: &mut impl GenericClient,
    batches: &[BatchRow],
) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let Some(last) = batches.iter().rev().find(|b| b.kind == PUBLICATION_BATCH) else {
        let stored: i64 = client
            .query_one(
                "SELECT (SELECT count(*) FROM policy) + (SELECT count(*) FROM source)",
                &[],
            )
            .map_err(pg_error)?
            .get(0);
        return Ok(if stored == 0 {
            Vec::new()
        } else {
            vec![
                "policy or sources are stored, but no publication of them is in the batch chain"
                    .into(),
            ]
        });
    };
    if publication_commitment(client, last.id)?[..] != last.commitment[..] {
        problems.push(format!(
            "the policy or sources published in batch {} were altered",
            last.id
        ));
    }
    let in_force: Vec<i64> = client
        .query(
            "SELECT DISTINCT batch FROM policy WHERE in_force ORDER BY batch",
            &[],
        )
        .map_err(pg_error)?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let sources: Option<i64> = client
        .query_one("SELECT max(batch) FROM source", &[])
        .map_err(pg_error)?
        .get(0);
    if in_force != [last.id] || sources.is_some_and(|s| s != last.id) {
        problems.push(format!(
            "the policy or sources in force are not those of the last publication (batch {})",
            last.id
        ));
    }
    Ok(problems)
}

/// The cheap check before any answer: the batch chain, the catalogue in force, and the latest
/// batch and access-log entry against the witness file's last line.
pub(crate) fn verify_published(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    witness_path: &std::path::Path,
) -> Result<(), StoreError> {
    let (batches, mut problems) = batch_chain(tx, keys)?;
    problems.extend(catalogue(tx, &batches)?);
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
        if let Some(problem) = access_witnessed(tx, keys, &line)? {
            return Err(StoreError::Tampered(problem));
        }
    }
    Ok(())
}

/// An access-log row's fields, with its MAC.
#[derive(Debug)]
struct AccessRow {
    seq: i64,
    pseudonym: String,
    party: String,
    purpose: String,
    at_ms: i64,
    outcome: String,
    day: i32,
    mac: Vec<u8>,
}

const ACCESS_COLUMNS: &str = "seq, pseudonym, party, purpose, at_ms, outcome, day, mac";

fn access_row(row: &Row) -> AccessRow {
    AccessRow {
        seq: row.get(0),
        pseudonym: row.get(1),
        party: row.get(2),
        purpose: row.get(3),
        at_ms: row.get(4),
        outcome: row.get(5),
        day: row.get(6),
        mac: row.get(7),
    }
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

/// Whether the access log still holds the entry the witness line published, with a MAC that
/// verifies from the entry before it.
fn access_witnessed(
    client: &mut impl GenericClient,
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
    let entries: Vec<AccessRow> = client
        .query(
            &format!(
                "SELECT {ACCESS_COLUMNS} FROM access WHERE seq BETWEEN $1 - 1 AND $1 ORDER BY seq"
            ),
            &[&line.access_seq],
        )
        .map_err(pg_error)?
        .iter()
        .map(access_row)
        .collect();
    let (previous, entry) = match entries.as_slice() {
        [entry] if line.access_seq == 1 => (vec![0u8; 32], entry),
        [previous, entry] => (previous.mac.clone(), entry),
        _ => return Ok(problem()),
    };
    let intact = entry.seq == line.access_seq
        && hex(&entry.mac) == line.access
        && access_mac_of(keys, &previous, entry)[..] == entry.mac[..];
    Ok(if intact { None } else { problem() })
}

/// An event row as stored, read for replaying its link.
fn stored_link(row: &Row, at: usize, pseudonym: &str) -> StoredLink {
    let links: Option<String> = row.get(at + EVENT_WIDTH + 4);
    let target: Option<&str> = row.get(at + 5);
    let attributes: &str = row.get(at + 8);
    let content = Content {
        source: row.get(at + 1),
        reference: row.get(at + 2),
        action: row.get(at + 3),
        category: row.get(at + 4),
        target,
        valid: row.get(at + 6),
        attributes: attributes.as_bytes(),
        pseudonym,
    }
    .hash();
    StoredLink {
        seq: row.get(at),
        position: row.get(at + EVENT_WIDTH),
        batch: row.get(at + EVENT_WIDTH + 1),
        recorded: row.get(at + 7),
        content,
        stored_content: row.get(at + EVENT_WIDTH + 2),
        stored_link: row.get(at + EVENT_WIDTH + 3),
        links: links
            .map(|l| l.split(' ').map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

/// A subject's facts from [`SUBJECT_COLUMNS`] then `birth_at`, `birth_batch`.
fn facts_at(row: &Row) -> StoredFacts {
    StoredFacts {
        id: row.get(0),
        pseudonym: row.get(1),
        kind: row.get(2),
        birth: row.get(3),
        birth_at: row.get(5),
        birth_batch: row.get(6),
    }
}

fn head_at(row: &Row, at: usize) -> StoredHead {
    StoredHead {
        batch: row.get(at),
        head: row.get(at + 1),
        count: row.get(at + 2),
    }
}

/// The count of link rows naming `pseudonym` against its MAC'd count.
fn check_linked(
    client: &mut impl GenericClient,
    keys: &Keys,
    pseudonym: &str,
) -> Result<(), StoreError> {
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM link WHERE pseudonym = $1",
            &[&pseudonym],
        )
        .map_err(pg_error)?
        .get(0);
    let sealed = client
        .query_opt(
            "SELECT count, mac FROM linked WHERE subject = $1 AND pseudonym = $2",
            &[&subject_key(pseudonym), &pseudonym],
        )
        .map_err(pg_error)?;
    let intact = match sealed {
        None => count == 0,
        Some(row) => {
            let sealed: i64 = row.get(0);
            let mac: Vec<u8> = row.get(1);
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
    tx: &mut Transaction<'_>,
    keys: &Keys,
    pseudonym: &str,
) -> Result<Option<(StoredSubject, Vec<Event>)>, StoreError> {
    check_linked(tx, keys, pseudonym)?;
    let key = subject_key(pseudonym);
    let Some(row) = tx
        .query_opt(
            &format!(
                "SELECT {SUBJECT_COLUMNS}, s.birth_at, s.birth_batch FROM subject s
                 WHERE s.subject = $1 AND s.pseudonym = $2"
            ),
            &[&key, &pseudonym],
        )
        .map_err(pg_error)?
    else {
        return Ok(None);
    };
    let facts = facts_at(&row);
    let subject = subject_at(&row, 0, keys)?;
    let rows = tx
        .query(
            &format!(
                "SELECT {EVENT_COLUMNS}, {SUBJECT_LINK_COLUMNS} FROM event e WHERE e.subject = $1
                 ORDER BY e.position"
            ),
            &[&key],
        )
        .map_err(pg_error)?;
    let mut events = Vec::with_capacity(rows.len());
    let mut links = Vec::with_capacity(rows.len());
    for row in &rows {
        events.push(event_at(row, 0)?);
        links.push(stored_link(row, 0, pseudonym));
    }
    let heads: Vec<StoredHead> = tx
        .query(
            "SELECT batch, head, count FROM subject_head WHERE subject = $1 ORDER BY batch",
            &[&key],
        )
        .map_err(pg_error)?
        .iter()
        .map(|row| head_at(row, 0))
        .collect();
    chain::replay(keys, &facts, &links, &heads).map_err(StoreError::Tampered)?;
    Ok(Some((subject, events)))
}

/// The full replay of `audit verify`.
pub(crate) fn verify(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    published: &[PublishedHead],
) -> Result<ChainReport, StoreError> {
    let (batches, mut problems) = batch_chain(tx, keys)?;
    for batch in batches.iter().filter(|b| b.kind == PUBLICATION_BATCH) {
        if publication_commitment(tx, batch.id)?[..] != batch.commitment[..] {
            problems.push(format!(
                "the policy or sources published in batch {} were altered",
                batch.id
            ));
        }
    }
    problems.extend(catalogue(tx, &batches)?);
    let (subjects, events, mut commitments) = replay_subjects(tx, keys, &mut problems)?;
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
    problems.extend(linked(tx, keys)?);
    let (accesses, access_macs) = access_chain(tx, keys, &mut problems)?;
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
        head: batches
            .last()
            .map_or_else(String::new, |b| format!("{}:{}", b.id, hex(&b.digest))),
        problems,
    })
}

/// Replays every subject's chain; returns the counts of subjects and events and, per batch, the
/// commitment recomputed from the heads recorded for it.
fn replay_subjects(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    problems: &mut Vec<String>,
) -> Result<(u64, u64, HashMap<i64, Commitment>), StoreError> {
    let mut commitments: HashMap<i64, Commitment> = HashMap::new();
    let (mut subject_count, mut event_count) = (0u64, 0u64);
    let mut after: i64 = -1;
    loop {
        let rows = tx
            .query(
                &format!(
                    "SELECT {SUBJECT_COLUMNS}, s.birth_at, s.birth_batch FROM subject s
                     WHERE s.subject > $1 ORDER BY s.subject LIMIT $2"
                ),
                &[&after, &SUBJECTS_PER_QUERY],
            )
            .map_err(pg_error)?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        let facts: Vec<StoredFacts> = rows.iter().map(facts_at).collect();
        let ids: Vec<i64> = facts.iter().map(|f| f.id).collect();
        let event_rows = tx
            .query(
                &format!(
                    "SELECT e.subject, {EVENT_COLUMNS}, {LINK_COLUMNS} FROM event e
                     WHERE e.subject = ANY($1) ORDER BY e.subject, e.position"
                ),
                &[&ids],
            )
            .map_err(pg_error)?;
        let head_rows = tx
            .query(
                "SELECT subject, batch, head, count FROM subject_head WHERE subject = ANY($1)
                 ORDER BY subject, batch",
                &[&ids],
            )
            .map_err(pg_error)?;
        let (mut at_event, mut at_head) = (0, 0);
        for facts in &facts {
            subject_count += 1;
            let mut links = Vec::new();
            while let Some(row) = event_rows.get(at_event) {
                if row.get::<_, i64>(0) != facts.id {
                    break;
                }
                links.push(stored_link(row, 1, &facts.pseudonym));
                at_event += 1;
            }
            let mut heads = Vec::new();
            while let Some(row) = head_rows.get(at_head) {
                if row.get::<_, i64>(0) != facts.id {
                    break;
                }
                heads.push(head_at(row, 1));
                at_head += 1;
            }
            event_count += links.len() as u64;
            if let Err(problem) = chain::replay(keys, facts, &links, &heads)
                && problems.len() <= PROBLEMS_MAX
            {
                problems.push(problem);
            }
            for head in &heads {
                commitments.entry(head.batch).or_default().add(
                    facts.id,
                    &head.head,
                    head.count as u64,
                );
            }
        }
    }
    let orphans = tx
        .query_one(
            "SELECT (SELECT count(*) FROM event e
                     WHERE NOT EXISTS (SELECT 1 FROM subject s WHERE s.subject = e.subject)),
                    (SELECT count(*) FROM subject_head h
                     WHERE NOT EXISTS (SELECT 1 FROM subject s WHERE s.subject = h.subject))",
            &[],
        )
        .map_err(pg_error)?;
    let orphan_events = u64::try_from(orphans.get::<_, i64>(0)).unwrap_or(0);
    let orphan_heads = u64::try_from(orphans.get::<_, i64>(1)).unwrap_or(0);
    if orphan_events + orphan_heads > 0 {
        problems.push(format!(
            "{orphan_events} events and {orphan_heads} heads belong to no stored subject"
        ));
    }
    Ok((subject_count, event_count + orphan_events, commitments))
}

/// Every subject's count of link rows naming it, against its MAC'd count.
fn linked(client: &mut impl GenericClient, keys: &Keys) -> Result<Vec<String>, StoreError> {
    let mut counts: HashMap<String, i64> = client
        .query(
            "SELECT pseudonym, count(*) FROM link GROUP BY pseudonym",
            &[],
        )
        .map_err(pg_error)?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let mut problems = Vec::new();
    for row in client
        .query(
            "SELECT pseudonym, count, mac FROM linked ORDER BY subject",
            &[],
        )
        .map_err(pg_error)?
    {
        let pseudonym: String = row.get(0);
        let count: i64 = row.get(1);
        let mac: Vec<u8> = row.get(2);
        let actual = counts.remove(&pseudonym).unwrap_or(0);
        if actual != count || chain::linked_mac(keys, &pseudonym, count)[..] != mac[..] {
            problems.push(format!(
                "the links naming subject {pseudonym} do not match their sealed count"
            ));
        }
    }
    let mut unsealed: Vec<String> = counts.into_keys().collect();
    unsealed.sort_unstable();
    for pseudonym in unsealed {
        problems.push(format!(
            "links name subject {pseudonym}, but no sealed count of them exists"
        ));
    }
    Ok(problems)
}

/// Walks the access log's chain; returns its length and every entry's MAC by seq (hex).
fn access_chain(
    client: &mut impl GenericClient,
    keys: &Keys,
    problems: &mut Vec<String>,
) -> Result<(u64, HashMap<i64, String>), StoreError> {
    let rows = client
        .query(
            &format!("SELECT {ACCESS_COLUMNS} FROM access ORDER BY seq"),
            &[],
        )
        .map_err(pg_error)?;
    let mut previous = vec![0u8; 32];
    let mut macs = HashMap::new();
    let mut count = 0u64;
    let mut broken = false;
    for row in &rows {
        count += 1;
        let entry = access_row(row);
        if !broken
            && (entry.seq != count as i64
                || access_mac_of(keys, &previous, &entry)[..] != entry.mac[..])
        {
            problems.push(format!(
                "access log entry {}: it does not verify under the registry's key (entries \
                 altered, removed or inserted)",
                entry.seq
            ));
            broken = true;
        }
        macs.insert(entry.seq, hex(&entry.mac));
        previous = entry.mac;
    }
    Ok((count, macs))
}
