//! Recomputing, inside the ingest transaction, the standing of every subject a batch appended
//! to, so that a committed batch never sits beside a stale standing.
//!
//! A standing is a function of the subject's whole history, so the closure is given all of the
//! subject's events, earlier batches included. The events the batch itself appended are taken
//! from the batch in memory (they were just written from it; reading them back would give the
//! same values at several times the cost). Only the older history of subjects that existed
//! before the batch is read, by one query that streams all of them in subject order (their ids
//! go through a temporary table), never one query per subject.

use credence_model::Event;
use rusqlite::{Connection, params};

use super::ingest::Appended;
use super::rows::{EVENT_COLUMNS, SUBJECT_COLUMNS, SubjectStream};
use crate::{Batch, Keys, Recompute, StoreError, StoredSubject, SubjectRef};

/// Recomputes and stores the standings of the subjects `appended` touched; returns how many.
pub(crate) fn recompute_standings(
    conn: &Connection,
    batch: &Batch,
    appended: &Appended,
    recompute: &mut Recompute<'_>,
    keys: &Keys,
) -> Result<usize, StoreError> {
    fill_touched(conn, appended)?;
    let mut older_history = conn.prepare_cached(&format!(
        "SELECT {SUBJECT_COLUMNS}, {EVENT_COLUMNS}
         FROM temp.touched t
         CROSS JOIN subject s ON s.id = t.id
         CROSS JOIN event e ON e.subject = t.id AND e.seq < ?1
         ORDER BY t.id, e.seq"
    ))?;
    let mut older = SubjectStream::new(older_history.query([appended.first_seq as i64])?, keys);
    let mut upsert = conn.prepare_cached(
        "INSERT INTO standing (subject, body) VALUES (?1, ?2)
         ON CONFLICT (subject) DO UPDATE SET body = excluded.body",
    )?;
    let mut history: Vec<Event> = Vec::new();
    let mut written = 0;
    // `rows` is sorted by subject, then seq.
    for group in appended.rows.chunk_by(|a, b| a.0 == b.0) {
        let (id, _, first) = group[0];
        let subject = if id < appended.first_new_subject {
            older_subject(&mut older, id, &mut history)?
        } else {
            history.clear();
            // A subject new in this batch was created from its first appended event.
            created_subject(id, &batch.events[first].subject)
        };
        history.extend(group.iter().map(|&(_, seq, index)| {
            let mut event = batch.events[index].event.clone();
            event.seq = seq;
            event
        }));
        upsert.execute(params![id, recompute(&subject, &history)])?;
        written += 1;
    }
    conn.execute("DELETE FROM temp.touched", [])?;
    Ok(written)
}

/// Puts the touched subjects that existed before the batch into `temp.touched`.
fn fill_touched(conn: &Connection, appended: &Appended) -> Result<(), StoreError> {
    conn.execute("DELETE FROM temp.touched", [])?;
    let mut insert = conn.prepare_cached("INSERT INTO temp.touched (id) VALUES (?1)")?;
    for group in appended.rows.chunk_by(|a, b| a.0 == b.0) {
        if group[0].0 < appended.first_new_subject {
            insert.execute([group[0].0])?;
        }
    }
    Ok(())
}

/// The next subject of the older-history stream, which must be `id`: every subject that
/// existed before the batch has at least one earlier event.
fn older_subject(
    older: &mut SubjectStream<'_>,
    id: i64,
    history: &mut Vec<Event>,
) -> Result<StoredSubject, StoreError> {
    match older.next_into(history)? {
        Some(subject) if subject.id == id => Ok(subject),
        _ => Err(StoreError::Corrupt(format!(
            "subject {id} existed before the batch but none of its earlier events was found"
        ))),
    }
}

fn created_subject(id: i64, subject: &SubjectRef) -> StoredSubject {
    StoredSubject {
        id,
        pseudonym: subject.pseudonym.clone(),
        kind: subject.kind,
        birth: subject.birth,
        masked: subject.masked.clone(),
    }
}
