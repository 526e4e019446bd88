//! Appending the events of a batch: events, subjects, links and chain links, inside the
//! caller's one transaction (the standings they change are [`super::standings`]' part).
//!
//! Each subject's chain moves on from the head its last batch left (read once per subject per
//! batch); at the end, the head and count of every subject the batch changed go to
//! `subject_head`, the batch's commitment to them and its digest to the batch row.
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

use super::prepare::{self, Prepared};
use crate::chain::{self, BatchFields, Commitment};
use crate::hash::{Hash, hex};
use crate::keys::Digest;
use crate::{Batch, Keys, NewEvent, StoreError, SubjectRef};

/// Progress is reported after every this many events of a batch (and at its end).
pub(crate) const PROGRESS_EVERY: usize = 10_000;

/// What appending the events of a batch did, before standings are recomputed.
#[derive(Debug)]
pub(crate) struct Appended {
    pub batch: i64,
    pub appended: usize,
    pub unchanged: usize,
    /// The batch's digest.
    pub digest: Digest,
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
    /// Index into `chains` of each subject the batch names.
    subjects: HashMap<&'b str, usize, BuildHasherDefault<PseudonymHasher>>,
    chains: Vec<ChainState>,
    state: Appended,
    next_seq: u64,
}

/// A subject's chain during a batch.
#[derive(Debug)]
struct ChainState {
    id: i64,
    head: Digest,
    count: i64,
    /// Whether the batch moved the chain.
    moved: bool,
}

/// Inserts the batch row and appends every event of `batch`, reporting progress.
pub(crate) fn append_batch(
    conn: &Connection,
    keys: &Keys,
    batch: &Batch,
    recorded: i32,
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
    state.digest = finish_batch(conn, keys, batch, recorded, &state, appender.chains)?;
    Ok(state)
}

impl<'c, 'b> Appender<'c, 'b> {
    fn begin(conn: &'c Connection, keys: &'c Keys, batch: &'b Batch) -> Result<Self, StoreError> {
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
            "INSERT INTO batch (kind, source, origin, recorded_at_ms, recorded, events, unchanged,
                                commitment, key_id, digest)
             VALUES ('events', ?1, ?2, ?3, 0, 0, 0, x'', ?4, x'')",
            params![batch.source, batch.origin, batch.recorded_at_ms, keys.id()],
        )?;
        let batch_id = conn.last_insert_rowid();
        Ok(Appender {
            conn,
            keys,
            batch,
            insert_event: conn.prepare_cached(
                "INSERT INTO event (seq, subject, source, reference, action, category, target, valid,
                                    recorded, attributes, content, batch, hash, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (source, reference) DO NOTHING",
            )?,
            insert_subject: conn.prepare_cached(
                "INSERT INTO subject (pseudonym, kind, birth, masked, birth_at, birth_batch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (pseudonym) DO NOTHING",
            )?,
            select_subject: conn.prepare_cached(
                "SELECT s.id, s.birth IS NOT NULL, h.head, h.count
                 FROM subject s JOIN subject_head h ON h.subject = s.id
                 WHERE s.pseudonym = ?1 ORDER BY h.batch DESC LIMIT 1",
            )?,
            complete_birth: conn.prepare_cached(
                "UPDATE subject SET birth = ?2, birth_at = ?3, birth_batch = ?4
                 WHERE id = ?1 AND birth IS NULL",
            )?,
            insert_link: conn.prepare_cached("INSERT INTO link (pseudonym, subject, seq) VALUES (?1, ?2, ?3)")?,
            stored_content: conn
                .prepare_cached("SELECT content FROM event WHERE source = ?1 AND reference = ?2")?,
            subjects: HashMap::default(),
            chains: Vec::new(),
            state: Appended {
                batch: batch_id,
                appended: 0,
                unchanged: 0,
                digest: chain::GENESIS,
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
        let chain = self.subject_chain(&new.subject)?;
        let (subject, previous, position) = {
            let state = &self.chains[chain];
            (state.id, state.head, state.count + 1)
        };
        let event = &new.event;
        let seq = self.next_seq;
        let links: Vec<&str> = new.links.iter().map(String::as_str).collect();
        let link = chain::event_link(
            self.keys,
            &previous,
            position as u64,
            content,
            event.recorded.0,
            self.state.batch,
            &links,
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
            position,
        ])?;
        if inserted == 0 {
            return self.resubmitted(new, content);
        }
        for linked in &new.links {
            self.insert_link
                .execute(params![linked, subject, seq as i64])?;
            count_link(self.conn, self.keys, linked)?;
        }
        let state = &mut self.chains[chain];
        state.head = link;
        state.count = position;
        state.moved = true;
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

    /// The chain of `subject`, creating the subject on first appearance (an existing subject
    /// keeps the kind, birth and masked form it was created with; only a missing birth is
    /// filled in, as a link of its chain).
    fn subject_chain(&mut self, subject: &'b SubjectRef) -> Result<usize, StoreError> {
        if let Some(&index) = self.subjects.get(subject.pseudonym.as_str()) {
            return Ok(index);
        }
        let birth = subject
            .birth
            .map(|day| self.keys.seal_birth(&subject.pseudonym, day));
        let created = self.insert_subject.execute(params![
            subject.pseudonym,
            subject.kind.as_str(),
            birth,
            subject.masked,
            birth.as_ref().map(|_| 0),
            birth.as_ref().map(|_| self.state.batch),
        ])?;
        let state = if created == 1 {
            ChainState {
                id: self.conn.last_insert_rowid(),
                head: chain::genesis(
                    self.keys,
                    &subject.pseudonym,
                    subject.kind.as_str(),
                    birth.as_deref(),
                ),
                count: 0,
                moved: true,
            }
        } else {
            let (id, has_birth, head, count): (i64, bool, Vec<u8>, i64) = self
                .select_subject
                .query_row([&subject.pseudonym], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .optional()?
                .ok_or_else(|| {
                    StoreError::Tampered(format!(
                        "no head is recorded for the stored subject {}",
                        subject.pseudonym
                    ))
                })?;
            let head = Digest::try_from(head.as_slice()).map_err(|_| {
                StoreError::Tampered(format!("the head of subject {id} is not a digest"))
            })?;
            let mut state = ChainState {
                id,
                head,
                count,
                moved: false,
            };
            // A birth date a source states for a subject stored without one completes it, as a
            // link of its chain; a stored birth date is never changed (intake refuses a
            // different one). Subjects that have one (every resident id) cost no write.
            if let (Some(birth), false) = (&birth, has_birth) {
                let position = state.count + 1;
                self.complete_birth
                    .execute(params![id, birth, position, self.state.batch])?;
                state.head = chain::facts_link(self.keys, &state.head, position as u64, birth);
                state.count = position;
                state.moved = true;
            }
            state
        };
        self.chains.push(state);
        let index = self.chains.len() - 1;
        self.subjects.insert(&subject.pseudonym, index);
        Ok(index)
    }
}

/// Counts one more link row naming `pseudonym`, with the count's MAC.
fn count_link(conn: &Connection, keys: &Keys, pseudonym: &str) -> Result<(), StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count FROM linked WHERE pseudonym = ?1")?
        .query_row([pseudonym], |row| row.get(0))
        .optional()?
        .unwrap_or(0)
        + 1;
    conn.prepare_cached(
        "INSERT INTO linked (pseudonym, count, mac) VALUES (?1, ?2, ?3)
         ON CONFLICT (pseudonym) DO UPDATE SET count = excluded.count, mac = excluded.mac",
    )?
    .execute(params![
        pseudonym,
        count,
        &chain::linked_mac(keys, pseudonym, count)[..]
    ])?;
    Ok(())
}

/// Records the heads the batch left, its commitment to them and its digest; returns the digest.
fn finish_batch(
    conn: &Connection,
    keys: &Keys,
    batch: &Batch,
    recorded: i32,
    state: &Appended,
    mut chains: Vec<ChainState>,
) -> Result<Digest, StoreError> {
    chains.retain(|chain| chain.moved);
    chains.sort_unstable_by_key(|chain| chain.id);
    let mut commitment = Commitment::default();
    {
        let mut insert = conn.prepare_cached(
            "INSERT INTO subject_head (subject, batch, head, count) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for chain in &chains {
            insert.execute(params![chain.id, state.batch, &chain.head[..], chain.count])?;
            commitment.add(chain.id, &chain.head, chain.count as u64);
        }
    }
    let commitment = commitment.finish();
    let previous = super::previous_digest(conn, state.batch)?;
    let fields = BatchFields {
        id: state.batch,
        kind: super::EVENTS_BATCH,
        source: &batch.source,
        origin: &batch.origin,
        recorded_at_ms: batch.recorded_at_ms,
        recorded,
        events: state.appended as i64,
        unchanged: state.unchanged as i64,
        commitment: &commitment,
        key_id: keys.id(),
    };
    let digest = chain::batch_digest(keys, &previous, &fields);
    conn.execute(
        "UPDATE batch SET events = ?1, unchanged = ?2, recorded = ?3, commitment = ?4, digest = ?5
         WHERE id = ?6",
        params![
            fields.events,
            fields.unchanged,
            recorded,
            &commitment[..],
            &digest[..],
            state.batch
        ],
    )?;
    Ok(digest)
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
