//! Appending a batch: events, subjects, links, chain links and the standings they change, all
//! inside the caller's one transaction.
//!
//! This is the hot path of the registry (a daily file may carry millions of rows), so the
//! statements are prepared once per batch and kept, subject ids are remembered for the batch
//! instead of looked up per event, the attribute JSON is written into one reused buffer, and an
//! event is inserted with `ON CONFLICT DO NOTHING` so that the usual case (a new reference)
//! costs one index probe instead of a lookup and then an insert.

use std::collections::HashMap;

use rusqlite::{CachedStatement, Connection, OptionalExtension, params};

use super::hash::{Content, Hash, chain_link, hex};
use super::json;
use super::rows::{EVENT_COLUMNS, SUBJECT_COLUMNS, for_each_subject};
use crate::{Batch, NewEvent, Recompute, StoreError, SubjectRef};

/// Progress is reported after every this many events of a batch (and at its end).
pub(crate) const PROGRESS_EVERY: usize = 10_000;

/// What appending the events of a batch did, before standings are recomputed.
#[derive(Debug)]
pub(crate) struct Appended {
    pub batch: i64,
    pub appended: usize,
    pub unchanged: usize,
    pub head: Hash,
    /// Subjects with at least one appended event, sorted, without duplicates.
    pub touched: Vec<i64>,
}

/// Appends the events of one batch; see the module documentation.
struct Appender<'c, 'b> {
    insert_event: CachedStatement<'c>,
    insert_subject: CachedStatement<'c>,
    select_subject: CachedStatement<'c>,
    insert_link: CachedStatement<'c>,
    stored_content: CachedStatement<'c>,
    subjects: HashMap<&'b str, i64>,
    attributes: Vec<u8>,
    state: Appended,
    next_seq: u64,
}

/// Inserts the batch row and appends every event of `batch`, reporting progress.
pub(crate) fn append_batch(
    conn: &Connection,
    batch: &Batch,
    progress: &mut dyn FnMut(usize),
) -> Result<Appended, StoreError> {
    let mut appender = Appender::begin(conn, batch)?;
    for (index, event) in batch.events.iter().enumerate() {
        appender.append(event)?;
        if (index + 1) % PROGRESS_EVERY == 0 {
            progress(index + 1);
        }
    }
    progress(batch.events.len());
    let mut state = appender.state;
    state.touched.sort_unstable();
    state.touched.dedup();
    finish_batch(conn, &state)?;
    Ok(state)
}

impl<'c, 'b> Appender<'c, 'b> {
    fn begin(conn: &'c Connection, batch: &'b Batch) -> Result<Self, StoreError> {
        let head = super::read_head(conn)?;
        let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM event", [], |row| row.get(0))?;
        conn.execute(
            "INSERT INTO batch (source, origin, recorded_at_ms, events, unchanged, head)
             VALUES (?1, ?2, ?3, 0, 0, ?4)",
            params![batch.source, batch.origin, batch.recorded_at_ms, &head[..]],
        )?;
        let batch_id = conn.last_insert_rowid();
        Ok(Appender {
            insert_event: conn.prepare_cached(
                "INSERT INTO event (seq, subject, source, reference, action, category, target, valid,
                                    recorded, attributes, content, batch, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (source, reference) DO NOTHING",
            )?,
            insert_subject: conn.prepare_cached(
                "INSERT INTO subject (pseudonym, kind, birth, masked) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (pseudonym) DO NOTHING RETURNING id",
            )?,
            select_subject: conn.prepare_cached("SELECT id FROM subject WHERE pseudonym = ?1")?,
            insert_link: conn.prepare_cached("INSERT INTO link (pseudonym, subject, seq) VALUES (?1, ?2, ?3)")?,
            stored_content: conn
                .prepare_cached("SELECT content FROM event WHERE source = ?1 AND reference = ?2")?,
            subjects: HashMap::new(),
            attributes: Vec::with_capacity(256),
            state: Appended {
                batch: batch_id,
                appended: 0,
                unchanged: 0,
                head,
                touched: Vec::new(),
            },
            next_seq: u64::try_from(last).map_err(|_| StoreError::Corrupt(format!("negative seq {last}")))? + 1,
        })
    }

    fn append(&mut self, new: &'b NewEvent) -> Result<(), StoreError> {
        let subject = self.subject_id(&new.subject)?;
        let event = &new.event;
        self.attributes.clear();
        json::write_attributes(&mut self.attributes, &event.attributes);
        let content = Content {
            source: &event.source,
            reference: &event.reference,
            action: event.action.as_str(),
            category: &event.category,
            target: event.target.as_deref(),
            valid: event.valid.0,
            attributes: &self.attributes,
            pseudonym: &new.subject.pseudonym,
        }
        .hash();
        let seq = self.next_seq;
        let link = chain_link(&self.state.head, seq, &content, event.recorded.0, self.state.batch);
        let inserted = self.insert_event.execute(params![
            seq as i64,
            subject,
            event.source,
            event.reference,
            event.action.as_str(),
            event.category,
            event.target,
            event.valid.0,
            event.recorded.0,
            // Written by `write_attributes` from `&str`s and ASCII: valid UTF-8, so this borrows.
            String::from_utf8_lossy(&self.attributes),
            &content[..],
            self.state.batch,
            &link[..],
        ])?;
        if inserted == 0 {
            return self.resubmitted(new, &content);
        }
        for linked in &new.links {
            self.insert_link.execute(params![linked, subject, seq as i64])?;
        }
        self.state.head = link;
        self.state.appended += 1;
        self.state.touched.push(subject);
        self.next_seq += 1;
        Ok(())
    }

    /// The reference is already stored: unchanged is fine, anything else is a bug of intake,
    /// which must have refused a changed resubmission before the batch reached the store.
    fn resubmitted(&mut self, new: &NewEvent, content: &Hash) -> Result<(), StoreError> {
        let event = &new.event;
        let stored: Option<Vec<u8>> = self
            .stored_content
            .query_row(params![event.source, event.reference], |row| row.get(0))
            .optional()?;
        match stored {
            Some(stored) if stored[..] == content[..] => {
                self.state.unchanged += 1;
                Ok(())
            }
            Some(stored) => Err(StoreError::Corrupt(format!(
                "batch changes event `{}` of source `{}` (stored content {}, new {}): intake must \
                 refuse a changed resubmission; nothing of the batch was written",
                event.reference,
                event.source,
                hex(&stored),
                hex(content),
            ))),
            None => Err(StoreError::Corrupt(format!(
                "event `{}` of source `{}` was neither inserted nor found",
                event.reference, event.source
            ))),
        }
    }

    /// The id of `subject`, creating it on first appearance (an existing subject keeps the
    /// kind, birth and masked form it was created with).
    fn subject_id(&mut self, subject: &'b SubjectRef) -> Result<i64, StoreError> {
        if let Some(&id) = self.subjects.get(subject.pseudonym.as_str()) {
            return Ok(id);
        }
        let birth = subject.birth.map(|day| day.0);
        let created: Option<i64> = self
            .insert_subject
            .query_row(
                params![subject.pseudonym, subject.kind.as_str(), birth, subject.masked],
                |row| row.get(0),
            )
            .optional()?;
        let id = match created {
            Some(id) => id,
            None => self.select_subject.query_row([&subject.pseudonym], |row| row.get(0))?,
        };
        self.subjects.insert(&subject.pseudonym, id);
        Ok(id)
    }
}

/// Records what the batch did in its row and moves the registry's head.
fn finish_batch(conn: &Connection, state: &Appended) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE batch SET events = ?1, unchanged = ?2, head = ?3 WHERE id = ?4",
        params![state.appended as i64, state.unchanged as i64, &state.head[..], state.batch],
    )?;
    super::write_head(conn, &state.head)
}

/// Recomputes and stores the standing of every subject in `touched` (sorted) from all its
/// events, earliest batches included. One query streams every touched subject's history (the
/// ids go through a temporary table), rather than one query per subject. Returns the number
/// of standings written.
pub(crate) fn recompute_standings(
    conn: &Connection,
    touched: &[i64],
    recompute: &mut Recompute<'_>,
) -> Result<usize, StoreError> {
    conn.execute("DELETE FROM temp.touched", [])?;
    {
        let mut insert = conn.prepare_cached("INSERT INTO temp.touched (id) VALUES (?1)")?;
        for id in touched {
            insert.execute([id])?;
        }
    }
    let mut select = conn.prepare_cached(&format!(
        "SELECT {SUBJECT_COLUMNS}, {EVENT_COLUMNS}
         FROM temp.touched t CROSS JOIN subject s ON s.id = t.id CROSS JOIN event e ON e.subject = t.id
         ORDER BY t.id, e.seq"
    ))?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO standing (subject, body) VALUES (?1, ?2)
         ON CONFLICT (subject) DO UPDATE SET body = excluded.body",
    )?;
    let written = for_each_subject(&mut select, [], &mut |subject, events| {
        let body = recompute(subject, events);
        upsert.execute(params![subject.id, body])?;
        Ok(())
    })?;
    conn.execute("DELETE FROM temp.touched", [])?;
    Ok(written)
}
