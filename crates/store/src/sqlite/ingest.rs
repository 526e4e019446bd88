//! Appending the events of a batch: events, subjects, links and chain links, inside the
//! caller's one transaction (the standings they change are [`super::standings`]' part).
//!
//! This is the hot path of the registry (a daily file may carry millions of rows), so the
//! statements are prepared once per batch and kept, subject ids are remembered for the batch
//! instead of looked up per event, the attribute JSON and content hashes are computed on a
//! second thread ([`super::prepare`]), and an event is inserted with `ON CONFLICT DO NOTHING`
//! so that the usual case (a new reference) costs one index probe instead of a lookup and then
//! an insert.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::mpsc;

use rusqlite::{CachedStatement, Connection, OptionalExtension, params};

use super::hash::{Hash, chain_link, hex};
use super::prepare::{self, Prepared};
use crate::{Batch, Keys, NewEvent, StoreError, SubjectRef};

/// Progress is reported after every this many events of a batch (and at its end).
pub(crate) const PROGRESS_EVERY: usize = 10_000;

/// What appending the events of a batch did, before standings are recomputed.
#[derive(Debug)]
pub(crate) struct Appended {
    pub batch: i64,
    pub appended: usize,
    pub unchanged: usize,
    pub head: Hash,
    /// The seq of the batch's first appended event (every earlier event is older history).
    pub first_seq: u64,
    /// Subjects with an id from this one on were created by the batch.
    pub first_new_subject: i64,
    /// Every appended event as (subject id, seq, index in the batch), in seq order until
    /// [`append_batch`] sorts it by subject.
    pub rows: Vec<(i64, u64, usize)>,
}

/// Appends the events of one batch; see the module documentation.
struct Appender<'c, 'b> {
    conn: &'c Connection,
    keys: &'c Keys,
    batch: &'b Batch,
    insert_event: CachedStatement<'c>,
    insert_subject: CachedStatement<'c>,
    select_subject: CachedStatement<'c>,
    complete_birth: CachedStatement<'c>,
    insert_link: CachedStatement<'c>,
    stored_content: CachedStatement<'c>,
    subjects: HashMap<&'b str, i64, BuildHasherDefault<PseudonymHasher>>,
    state: Appended,
    next_seq: u64,
}

/// Inserts the batch row and appends every event of `batch`, reporting progress.
pub(crate) fn append_batch(
    conn: &Connection,
    keys: &Keys,
    batch: &Batch,
    progress: &mut dyn FnMut(usize),
) -> Result<Appended, StoreError> {
    let mut appender = Appender::begin(conn, keys, batch)?;
    std::thread::scope(|scope| {
        let (send, prepared) = mpsc::sync_channel::<Prepared>(4);
        let (recycle, reuse) = mpsc::channel::<Prepared>();
        scope.spawn(move || prepare::prepare_all(&batch.events, send, reuse));
        // On an error this returns early and drops `prepared`, which stops the other thread.
        for chunk in prepared {
            appender.append_chunk(&chunk, progress)?;
            let _ = recycle.send(chunk);
        }
        Ok::<(), StoreError>(())
    })?;
    progress(batch.events.len());
    let mut state = appender.state;
    state.rows.sort_unstable();
    finish_batch(conn, &state)?;
    Ok(state)
}

impl<'c, 'b> Appender<'c, 'b> {
    fn begin(conn: &'c Connection, keys: &'c Keys, batch: &'b Batch) -> Result<Self, StoreError> {
        let head = super::read_head(conn)?;
        let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM event", [], |row| {
            row.get(0)
        })?;
        let first_seq = u64::try_from(last)
            .map_err(|_| StoreError::Corrupt(format!("negative seq {last}")))?
            + 1;
        let first_new_subject: i64 =
            conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM subject", [], |row| {
                row.get(0)
            })?;
        conn.execute(
            "INSERT INTO batch (source, origin, recorded_at_ms, events, unchanged, head)
             VALUES (?1, ?2, ?3, 0, 0, ?4)",
            params![batch.source, batch.origin, batch.recorded_at_ms, &head[..]],
        )?;
        let batch_id = conn.last_insert_rowid();
        Ok(Appender {
            conn,
            keys,
            batch,
            insert_event: conn.prepare_cached(
                "INSERT INTO event (seq, subject, source, reference, action, category, target, valid,
                                    recorded, attributes, content, batch, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (source, reference) DO NOTHING",
            )?,
            insert_subject: conn.prepare_cached(
                "INSERT INTO subject (pseudonym, kind, birth, masked) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (pseudonym) DO NOTHING",
            )?,
            select_subject: conn.prepare_cached("SELECT id, birth FROM subject WHERE pseudonym = ?1")?,
            complete_birth: conn.prepare_cached(
                "UPDATE subject SET birth = ?2 WHERE id = ?1 AND birth IS NULL",
            )?,
            insert_link: conn.prepare_cached("INSERT INTO link (pseudonym, subject, seq) VALUES (?1, ?2, ?3)")?,
            stored_content: conn
                .prepare_cached("SELECT content FROM event WHERE source = ?1 AND reference = ?2")?,
            subjects: HashMap::default(),
            state: Appended {
                batch: batch_id,
                appended: 0,
                unchanged: 0,
                head,
                first_seq,
                first_new_subject,
                rows: Vec::with_capacity(batch.events.len()),
            },
            next_seq: first_seq,
        })
    }

    /// Appends the events of one prepared chunk, reporting progress every [`PROGRESS_EVERY`].
    fn append_chunk(
        &mut self,
        chunk: &Prepared,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), StoreError> {
        let events: &'b [NewEvent] = &self.batch.events[chunk.first..chunk.first + chunk.len()];
        for (i, new) in events.iter().enumerate() {
            let (attributes, content) = chunk.get(i);
            let index = chunk.first + i;
            self.append(index, new, attributes, content)?;
            if (index + 1).is_multiple_of(PROGRESS_EVERY) {
                progress(index + 1);
            }
        }
        Ok(())
    }

    fn append(
        &mut self,
        index: usize,
        new: &'b NewEvent,
        attributes: &[u8],
        content: &Hash,
    ) -> Result<(), StoreError> {
        let subject = self.subject_id(&new.subject)?;
        let event = &new.event;
        let seq = self.next_seq;
        let link = chain_link(
            &self.state.head,
            seq,
            content,
            event.recorded.0,
            self.state.batch,
        );
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
            String::from_utf8_lossy(attributes),
            &content[..],
            self.state.batch,
            &link[..],
        ])?;
        if inserted == 0 {
            return self.resubmitted(new, content);
        }
        for linked in &new.links {
            self.insert_link
                .execute(params![linked, subject, seq as i64])?;
        }
        self.state.head = link;
        self.state.appended += 1;
        self.state.rows.push((subject, seq, index));
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
    /// kind, birth and masked form it was created with; only a missing birth is filled in).
    fn subject_id(&mut self, subject: &'b SubjectRef) -> Result<i64, StoreError> {
        if let Some(&id) = self.subjects.get(subject.pseudonym.as_str()) {
            return Ok(id);
        }
        let birth = subject
            .birth
            .map(|day| self.keys.seal_birth(&subject.pseudonym, day));
        let created = self.insert_subject.execute(params![
            subject.pseudonym,
            subject.kind.as_str(),
            birth,
            subject.masked
        ])?;
        let id = if created == 1 {
            self.conn.last_insert_rowid()
        } else {
            let (id, stored): (i64, Option<Vec<u8>>) = self
                .select_subject
                .query_row([&subject.pseudonym], |row| Ok((row.get(0)?, row.get(1)?)))?;
            // A birth date a source states for a subject stored without one completes it; a
            // stored birth date is never changed (intake refuses a different one). Subjects that
            // have one (every resident id) cost no write.
            if let (Some(birth), None) = (&birth, stored) {
                self.complete_birth.execute(params![id, birth])?;
            }
            id
        };
        self.subjects.insert(&subject.pseudonym, id);
        Ok(id)
    }
}

/// Records what the batch did in its row and moves the registry's head.
fn finish_batch(conn: &Connection, state: &Appended) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE batch SET events = ?1, unchanged = ?2, head = ?3 WHERE id = ?4",
        params![
            state.appended as i64,
            state.unchanged as i64,
            &state.head[..],
            state.batch
        ],
    )?;
    super::write_head(conn, &state.head)
}

/// A fast hasher for the batch's pseudonym-to-id map (the default SipHash showed as 5% of
/// ingest). Its weak resistance to crafted collisions does not matter here: pseudonyms are
/// outputs of a keyed hash, which a submitter cannot steer.
#[derive(Debug, Default)]
struct PseudonymHasher(u64);

impl Hasher for PseudonymHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
