//! Appending a batch to a PostgreSQL registry, inside the caller's one transaction (which holds
//! the batch lock): the chain links are computed in memory exactly as the embedded store
//! computes them, then the new subjects, events, links and heads go in by binary COPY, and the
//! standings of every subject the batch touched are recomputed and written before the commit.
//!
//! What the store already holds is read in a few set queries (references of the batch's source,
//! the subjects it names with their last heads, the older history of the touched subjects), never
//! one query per row.

use std::collections::HashMap;

use credence_model::{Day, Event};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{GenericClient, Transaction};

use super::{EVENT_COLUMNS, EVENTS_BATCH, event_at, pg_error, previous_digest, subject_key};
use crate::canonical as json;
use crate::chain::{self, BatchFields, Commitment};
use crate::hash::{self, Hash, hex};
use crate::keys::Digest;
use crate::{Batch, BatchReceipt, Keys, Recompute, StoreError, StoredSubject};

/// Progress is reported after every this many events of a batch (and at its end).
const PROGRESS_EVERY: usize = 10_000;
/// Values bound to one `= ANY($n)` query.
const PER_QUERY: usize = 10_000;

/// An event the store holds under a source's reference.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub seq: i64,
    pub pseudonym: String,
    pub action: String,
    pub category: String,
    pub content: Vec<u8>,
}

/// What the store holds under these references of `source`, by reference.
pub(crate) fn known(
    client: &mut impl GenericClient,
    source: &str,
    references: &[&str],
) -> Result<HashMap<String, Known>, StoreError> {
    let mut found = HashMap::new();
    // A source's first file (a bulk load) needs no lookups at all.
    let any = client
        .query_opt("SELECT 1 FROM event WHERE source = $1 LIMIT 1", &[&source])
        .map_err(pg_error)?;
    if any.is_none() {
        return Ok(found);
    }
    for chunk in references.chunks(PER_QUERY) {
        let rows = client
            .query(
                "SELECT e.reference, e.seq, s.pseudonym, e.action, e.category, e.content
                 FROM event e JOIN subject s ON s.subject = e.subject
                 WHERE e.source = $1 AND e.reference = ANY($2)",
                &[&source, &chunk],
            )
            .map_err(pg_error)?;
        for row in rows {
            found.insert(
                row.get(0),
                Known {
                    seq: row.get(1),
                    pseudonym: row.get(2),
                    action: row.get(3),
                    category: row.get(4),
                    content: row.get(5),
                },
            );
        }
    }
    Ok(found)
}

/// The latest recorded day of the history (the events', since recorded time only moves forward).
pub(crate) fn latest_recorded(client: &mut impl GenericClient) -> Result<Option<i32>, StoreError> {
    Ok(client
        .query_one("SELECT max(recorded) FROM event", &[])
        .map_err(pg_error)?
        .get(0))
}

/// Replaces the stored standings of `standings`' subjects.
pub(crate) fn upsert_standings(
    tx: &mut Transaction<'_>,
    standings: &[(i64, Vec<u8>)],
) -> Result<(), StoreError> {
    for chunk in standings.chunks(PER_QUERY) {
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let bodies: Vec<&[u8]> = chunk.iter().map(|(_, body)| body.as_slice()).collect();
        tx.execute(
            "INSERT INTO standing (subject, body)
             SELECT * FROM unnest($1::bigint[], $2::bytea[])
             ON CONFLICT (subject) DO UPDATE SET body = excluded.body",
            &[&ids, &bodies],
        )
        .map_err(pg_error)?;
    }
    Ok(())
}

/// A subject's chain during a batch.
#[derive(Debug)]
struct ChainState {
    subject: StoredSubject,
    /// Whether the batch created the subject.
    created: bool,
    head: Digest,
    count: i64,
    /// Whether the batch moved the chain.
    moved: bool,
}

/// A subject as stored before the batch, with the head its last batch left.
#[derive(Debug)]
struct Existing {
    subject: StoredSubject,
    has_birth: bool,
    head: Option<Vec<u8>>,
    count: i64,
}

/// Reads the stored subjects among `pseudonyms`, with their last heads.
fn existing_subjects(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    pseudonyms: &[&str],
) -> Result<HashMap<String, Existing>, StoreError> {
    let mut found = HashMap::new();
    for chunk in pseudonyms.chunks(PER_QUERY) {
        let ids: Vec<i64> = chunk.iter().map(|p| subject_key(p)).collect();
        let rows = tx
            .query(
                &format!(
                    "SELECT {}, s.birth IS NOT NULL, h.head, h.count FROM subject s
                     LEFT JOIN LATERAL (SELECT head, count FROM subject_head
                                        WHERE subject = s.subject
                                        ORDER BY batch DESC LIMIT 1) h ON true
                     WHERE s.subject = ANY($1)",
                    super::SUBJECT_COLUMNS
                ),
                &[&ids],
            )
            .map_err(pg_error)?;
        for row in rows {
            let subject = super::subject_at(&row, 0, keys)?;
            found.insert(
                subject.pseudonym.clone(),
                Existing {
                    has_birth: row.get(5),
                    head: row.get(6),
                    count: row.get::<_, Option<i64>>(7).unwrap_or(0),
                    subject,
                },
            );
        }
    }
    Ok(found)
}

fn copy_in(
    tx: &mut Transaction<'_>,
    statement: &str,
    types: &[Type],
    rows: &mut dyn FnMut(&mut BinaryCopyInWriter<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let sink = tx.copy_in(statement).map_err(pg_error)?;
    let mut writer = BinaryCopyInWriter::new(sink, types);
    rows(&mut writer)?;
    writer.finish().map_err(pg_error)?;
    Ok(())
}

fn write(
    writer: &mut BinaryCopyInWriter<'_>,
    row: &[&(dyn ToSql + Sync)],
) -> Result<(), StoreError> {
    writer.write(row).map_err(pg_error)
}

/// An event to append, with what the chain computed for it.
#[derive(Debug)]
struct Row {
    chain: usize,
    index: usize,
    seq: i64,
    position: i64,
    link: Digest,
}

/// Appends `batch`; see the module documentation.
pub(crate) fn ingest(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    batch: &Batch,
    recompute: &mut Recompute<'_>,
    progress: &mut dyn FnMut(usize),
) -> Result<BatchReceipt, StoreError> {
    // Under the batch lock: no batch can slip in between the check and the append.
    let latest = latest_recorded(tx)?;
    if let (Some(latest), Some(earliest)) = (
        latest,
        batch.events.iter().map(|e| e.event.recorded.0).min(),
    ) && earliest < latest
    {
        return Err(StoreError::RecordedBackwards {
            recorded: Day(earliest),
            latest: Day(latest),
        });
    }
    let recorded = batch
        .events
        .iter()
        .map(|e| e.event.recorded.0)
        .max()
        .or(latest)
        .unwrap_or(0);
    let batch_id: i64 = tx
        .query_one("SELECT coalesce(max(id), 0) + 1 FROM batch", &[])
        .map_err(pg_error)?
        .get(0);
    let first_seq: i64 = tx
        .query_one("SELECT coalesce(max(seq), 0) + 1 FROM event", &[])
        .map_err(pg_error)?
        .get(0);

    // The attribute JSON and content hash of every event.
    let mut attributes: Vec<String> = Vec::with_capacity(batch.events.len());
    let mut contents: Vec<Hash> = Vec::with_capacity(batch.events.len());
    let mut buffer = Vec::with_capacity(256);
    for new in &batch.events {
        buffer.clear();
        json::write_attributes(&mut buffer, &new.event.attributes);
        contents.push(hash::content_with(
            &new.subject.pseudonym,
            &new.event,
            &buffer,
        ));
        attributes.push(String::from_utf8_lossy(&buffer).into_owned());
    }

    // What is stored under the batch's references, per source.
    let mut stored: HashMap<(String, String), Vec<u8>> = HashMap::new();
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for new in &batch.events {
        by_source
            .entry(new.event.source.as_str())
            .or_default()
            .push(new.event.reference.as_str());
    }
    for (source, references) in &by_source {
        for (reference, known) in known(tx, source, references)? {
            stored.insert(((*source).to_owned(), reference), known.content);
        }
    }

    // The subjects the batch names, as stored.
    let mut pseudonyms: Vec<&str> = batch
        .events
        .iter()
        .map(|e| e.subject.pseudonym.as_str())
        .collect();
    pseudonyms.sort_unstable();
    pseudonyms.dedup();
    let mut existing = existing_subjects(tx, keys, &pseudonyms)?;
    let mut keys_seen: HashMap<i64, &str> = HashMap::with_capacity(pseudonyms.len());
    for pseudonym in &pseudonyms {
        let key = subject_key(pseudonym);
        if let Some(other) = keys_seen.insert(key, pseudonym) {
            return Err(StoreError::Corrupt(format!(
                "subjects {other} and {pseudonym} have the same key {key}: nothing of the batch \
                 was written"
            )));
        }
    }

    // The chains, moved in memory event by event.
    let mut chains: Vec<ChainState> = Vec::new();
    let mut chain_of: HashMap<&str, usize> = HashMap::with_capacity(pseudonyms.len());
    let mut births: Vec<(i64, Vec<u8>, i64)> = Vec::new();
    let mut rows: Vec<Row> = Vec::with_capacity(batch.events.len());
    let mut unchanged = 0usize;
    let mut next_seq = first_seq;
    let mut linked: HashMap<&str, i64> = HashMap::new();
    for (index, new) in batch.events.iter().enumerate() {
        let subject = &new.subject;
        let chain = match chain_of.get(subject.pseudonym.as_str()) {
            Some(&chain) => chain,
            None => {
                let birth = subject
                    .birth
                    .map(|day| keys.seal_birth(&subject.pseudonym, day));
                let key = subject_key(&subject.pseudonym);
                let state = match existing.remove(subject.pseudonym.as_str()) {
                    None => ChainState {
                        subject: StoredSubject {
                            id: key,
                            pseudonym: subject.pseudonym.clone(),
                            kind: subject.kind,
                            birth: subject.birth,
                            masked: subject.masked.clone(),
                        },
                        created: true,
                        head: chain::genesis(
                            keys,
                            &subject.pseudonym,
                            subject.kind.as_str(),
                            birth.as_deref(),
                        ),
                        count: 0,
                        moved: true,
                    },
                    Some(found) => {
                        if found.subject.id != key {
                            return Err(StoreError::Corrupt(format!(
                                "subject {} is stored under key {}, not {key}",
                                subject.pseudonym, found.subject.id
                            )));
                        }
                        let head = found.head.ok_or_else(|| {
                            StoreError::Tampered(format!(
                                "no head is recorded for the stored subject {}",
                                subject.pseudonym
                            ))
                        })?;
                        let head = Digest::try_from(head.as_slice()).map_err(|_| {
                            StoreError::Tampered(format!(
                                "the head of subject {key} is not a digest"
                            ))
                        })?;
                        let mut state = ChainState {
                            subject: found.subject,
                            created: false,
                            head,
                            count: found.count,
                            moved: false,
                        };
                        // A birth date stated for a subject stored without one completes it,
                        // as a link of its chain.
                        if let (Some(sealed), false) = (&birth, found.has_birth) {
                            let position = state.count + 1;
                            state.head =
                                chain::facts_link(keys, &state.head, position as u64, sealed);
                            state.count = position;
                            state.moved = true;
                            state.subject.birth = subject.birth;
                            births.push((key, sealed.clone(), position));
                        }
                        state
                    }
                };
                chains.push(state);
                let chain = chains.len() - 1;
                chain_of.insert(subject.pseudonym.as_str(), chain);
                chain
            }
        };
        let event = &new.event;
        let content = &contents[index];
        let reference = (event.source.clone(), event.reference.clone());
        if let Some(previous) = stored.get(&reference) {
            if previous[..] == content[..] {
                unchanged += 1;
                continue;
            }
            return Err(StoreError::Corrupt(format!(
                "batch changes event `{}` of source `{}` (stored content {}, new {}): intake must \
                 refuse a changed resubmission; nothing of the batch was written",
                event.reference,
                event.source,
                hex(previous),
                hex(content),
            )));
        }
        let state = &mut chains[chain];
        let position = state.count + 1;
        // A link row names a subject once per event (its primary key says so).
        let mut links: Vec<&str> = new.links.iter().map(String::as_str).collect();
        links.sort_unstable();
        links.dedup();
        let link = chain::event_link(
            keys,
            &state.head,
            position as u64,
            content,
            event.recorded.0,
            batch_id,
            &links,
        );
        state.head = link;
        state.count = position;
        state.moved = true;
        for pseudonym in links {
            *linked.entry(pseudonym).or_default() += 1;
        }
        stored.insert(reference, content.to_vec());
        rows.push(Row {
            chain,
            index,
            seq: next_seq,
            position,
            link,
        });
        next_seq += 1;
    }

    write_rows(
        tx,
        keys,
        batch,
        batch_id,
        &chains,
        &births,
        &rows,
        &attributes,
        &contents,
        progress,
    )?;
    count_links(tx, keys, &linked)?;

    // The heads the batch left, its commitment to them and its digest.
    let mut moved: Vec<&ChainState> = chains.iter().filter(|c| c.moved).collect();
    moved.sort_unstable_by_key(|c| c.subject.id);
    let mut commitment = Commitment::default();
    copy_in(
        tx,
        "COPY subject_head (subject, batch, head, count) FROM STDIN BINARY",
        &[Type::INT8, Type::INT8, Type::BYTEA, Type::INT8],
        &mut |writer| {
            for chain in &moved {
                write(
                    writer,
                    &[&chain.subject.id, &batch_id, &&chain.head[..], &chain.count],
                )?;
            }
            Ok(())
        },
    )?;
    for chain in &moved {
        commitment.add(chain.subject.id, &chain.head, chain.count as u64);
    }
    let commitment = commitment.finish();
    let previous = previous_digest(tx, batch_id)?;
    let fields = BatchFields {
        id: batch_id,
        kind: EVENTS_BATCH,
        source: &batch.source,
        origin: &batch.origin,
        recorded_at_ms: batch.recorded_at_ms,
        recorded,
        events: rows.len() as i64,
        unchanged: unchanged as i64,
        commitment: &commitment,
        key_id: keys.id(),
    };
    let digest = chain::batch_digest(keys, &previous, &fields);
    tx.execute(
        "INSERT INTO batch (id, kind, source, origin, recorded_at_ms, recorded, events,
                            unchanged, commitment, key_id, digest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &batch_id,
            &EVENTS_BATCH,
            &batch.source,
            &batch.origin,
            &batch.recorded_at_ms,
            &recorded,
            &fields.events,
            &fields.unchanged,
            &&commitment[..],
            &keys.id(),
            &&digest[..],
        ],
    )
    .map_err(pg_error)?;

    let subjects = recompute_standings(tx, batch, &chains, &rows, first_seq, recompute)?;
    Ok(BatchReceipt {
        batch: batch_id,
        appended: rows.len(),
        unchanged,
        subjects,
        head: hex(&digest),
    })
}

/// Writes the new subjects, the births completed, the events and their links.
#[allow(clippy::too_many_arguments)]
fn write_rows(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    batch: &Batch,
    batch_id: i64,
    chains: &[ChainState],
    births: &[(i64, Vec<u8>, i64)],
    rows: &[Row],
    attributes: &[String],
    contents: &[Hash],
    progress: &mut dyn FnMut(usize),
) -> Result<(), StoreError> {
    copy_in(
        tx,
        "COPY subject (subject, pseudonym, kind, birth, masked, birth_at, birth_batch)
         FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::BYTEA,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
        ],
        &mut |writer| {
            for chain in chains.iter().filter(|c| c.created) {
                let subject = &chain.subject;
                let birth = subject
                    .birth
                    .map(|day| keys.seal_birth(&subject.pseudonym, day));
                let birth_at: Option<i64> = birth.as_ref().map(|_| 0);
                let birth_batch: Option<i64> = birth.as_ref().map(|_| batch_id);
                write(
                    writer,
                    &[
                        &subject.id,
                        &subject.pseudonym,
                        &subject.kind.as_str(),
                        &birth,
                        &subject.masked,
                        &birth_at,
                        &birth_batch,
                    ],
                )?;
            }
            Ok(())
        },
    )?;
    for (subject, sealed, position) in births {
        tx.execute(
            "UPDATE subject SET birth = $2, birth_at = $3, birth_batch = $4
             WHERE subject = $1 AND birth IS NULL",
            &[subject, sealed, position, &batch_id],
        )
        .map_err(pg_error)?;
    }
    let mut written = 0usize;
    copy_in(
        tx,
        "COPY event (subject, seq, position, source, reference, action, category, target, valid,
                     recorded, attributes, content, batch, hash)
         FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT4,
            Type::INT4,
            Type::TEXT,
            Type::BYTEA,
            Type::INT8,
            Type::BYTEA,
        ],
        &mut |writer| {
            for row in rows {
                let event = &batch.events[row.index].event;
                write(
                    writer,
                    &[
                        &chains[row.chain].subject.id,
                        &row.seq,
                        &row.position,
                        &event.source,
                        &event.reference,
                        &event.action.as_str(),
                        &event.category,
                        &event.target,
                        &event.valid.0,
                        &event.recorded.0,
                        &attributes[row.index],
                        &&contents[row.index][..],
                        &batch_id,
                        &&row.link[..],
                    ],
                )?;
                written += 1;
                if (row.index + 1).is_multiple_of(PROGRESS_EVERY) {
                    progress(row.index + 1);
                }
            }
            Ok(())
        },
    )?;
    copy_in(
        tx,
        "COPY link (subject, seq, pseudonym) FROM STDIN BINARY",
        &[Type::INT8, Type::INT8, Type::TEXT],
        &mut |writer| {
            for row in rows {
                let mut named: Vec<&String> = batch.events[row.index].links.iter().collect();
                named.sort_unstable();
                named.dedup();
                for pseudonym in named {
                    write(
                        writer,
                        &[&chains[row.chain].subject.id, &row.seq, pseudonym],
                    )?;
                }
            }
            Ok(())
        },
    )?;
    debug_assert_eq!(written, rows.len());
    progress(batch.events.len());
    Ok(())
}

/// Adds the batch's link rows to the MAC'd count of links naming each subject.
fn count_links(
    tx: &mut Transaction<'_>,
    keys: &Keys,
    linked: &HashMap<&str, i64>,
) -> Result<(), StoreError> {
    for (pseudonym, added) in linked {
        let key = subject_key(pseudonym);
        let count: i64 = tx
            .query_opt(
                "SELECT count FROM linked WHERE subject = $1 AND pseudonym = $2",
                &[&key, pseudonym],
            )
            .map_err(pg_error)?
            .map_or(0, |row| row.get(0))
            + added;
        let mac = chain::linked_mac(keys, pseudonym, count);
        tx.execute(
            "INSERT INTO linked (subject, pseudonym, count, mac) VALUES ($1, $2, $3, $4)
             ON CONFLICT (subject) DO UPDATE SET count = excluded.count, mac = excluded.mac",
            &[&key, pseudonym, &count, &&mac[..]],
        )
        .map_err(pg_error)?;
    }
    Ok(())
}

/// Recomputes and stores the standing of every subject the batch appended to, in subject order;
/// returns how many.
fn recompute_standings(
    tx: &mut Transaction<'_>,
    batch: &Batch,
    chains: &[ChainState],
    rows: &[Row],
    first_seq: i64,
    recompute: &mut Recompute<'_>,
) -> Result<usize, StoreError> {
    let mut appended: Vec<Vec<&Row>> = (0..chains.len()).map(|_| Vec::new()).collect();
    for row in rows {
        appended[row.chain].push(row);
    }
    let mut touched: Vec<usize> = (0..chains.len())
        .filter(|&c| !appended[c].is_empty())
        .collect();
    touched.sort_unstable_by_key(|&c| chains[c].subject.id);
    let mut written = 0;
    for group in touched.chunks(1000) {
        let older: Vec<i64> = group
            .iter()
            .filter(|&&c| !chains[c].created)
            .map(|&c| chains[c].subject.id)
            .collect();
        let mut history: HashMap<i64, Vec<Event>> = HashMap::new();
        if !older.is_empty() {
            let found = tx
                .query(
                    &format!(
                        "SELECT e.subject, {EVENT_COLUMNS} FROM event e
                         WHERE e.subject = ANY($1) AND e.seq < $2 ORDER BY e.subject, e.seq"
                    ),
                    &[&older, &first_seq],
                )
                .map_err(pg_error)?;
            for row in &found {
                history
                    .entry(row.get(0))
                    .or_default()
                    .push(event_at(row, 1)?);
            }
        }
        let mut standings = Vec::with_capacity(group.len());
        for &c in group {
            let subject = &chains[c].subject;
            let mut events = history.remove(&subject.id).unwrap_or_default();
            if !chains[c].created && events.is_empty() {
                return Err(StoreError::Corrupt(format!(
                    "subject {} existed before the batch but none of its earlier events was found",
                    subject.id
                )));
            }
            events.extend(appended[c].iter().map(|row| {
                let mut event = batch.events[row.index].event.clone();
                event.seq = row.seq as u64;
                event
            }));
            standings.push((subject.id, recompute(subject, &events)));
        }
        upsert_standings(tx, &standings)?;
        written += group.len();
    }
    Ok(written)
}
