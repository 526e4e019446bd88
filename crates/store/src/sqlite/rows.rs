//! Decoding stored rows into model values, and streaming subjects with their histories.
//!
//! A row that does not decode (an unknown action, attributes that are not JSON, a negative
//! seq) means the database was damaged or written by something else: it is reported as
//! [`StoreError::Corrupt`] naming the event's seq or the subject's id, never skipped.

use credence_model::{Action, Day, Event, SubjectKind};
use rusqlite::{Row, Rows};

use crate::canonical;
use crate::{Keys, StoreError, StoredSubject};

/// The subject columns, in the order [`subject_at`] reads them.
pub(crate) const SUBJECT_COLUMNS: &str = "s.id, s.pseudonym, s.kind, s.birth, s.masked";
/// How many columns [`SUBJECT_COLUMNS`] has.
pub(crate) const SUBJECT_WIDTH: usize = 5;
/// The event columns, in the order [`event_at`] reads them.
pub(crate) const EVENT_COLUMNS: &str = "e.seq, e.source, e.reference, e.action, e.category, e.target, e.valid, e.recorded, e.attributes";

/// Reads the subject whose columns start at `at`, opening its sealed birth date with `keys`.
pub(crate) fn subject_at(
    row: &Row<'_>,
    at: usize,
    keys: &Keys,
) -> Result<StoredSubject, StoreError> {
    let id: i64 = row.get(at)?;
    let kind = text(row, at + 2).map_err(|e| corrupt_subject(id, &e))?;
    let kind =
        kind_from(kind).ok_or_else(|| corrupt_subject(id, &format!("unknown kind `{kind}`")))?;
    let pseudonym: String = row.get(at + 1)?;
    let sealed = row
        .get_ref(at + 3)?
        .as_blob_or_null()
        .map_err(|e| corrupt_subject(id, &format!("birth: {e}")))?;
    let birth = match sealed {
        None => None,
        Some(sealed) => Some(keys.open_birth(&pseudonym, sealed).ok_or_else(|| {
            StoreError::Tampered(format!(
                "the sealed birth date of subject {id} does not open under the registry's key"
            ))
        })?),
    };
    Ok(StoredSubject {
        id,
        pseudonym,
        kind,
        birth,
        masked: row.get(at + 4)?,
    })
}

fn kind_from(text: &str) -> Option<SubjectKind> {
    [SubjectKind::Person, SubjectKind::Organisation]
        .into_iter()
        .find(|kind| kind.as_str() == text)
}

fn corrupt_subject(id: i64, why: &str) -> StoreError {
    StoreError::Corrupt(format!("subject {id}: {why}"))
}

/// Reads the event whose columns ([`EVENT_COLUMNS`]) start at `at`.
pub(crate) fn event_at(row: &Row<'_>, at: usize) -> Result<Event, StoreError> {
    let seq: i64 = row.get(at)?;
    decode_event(row, at, seq).map_err(|why| StoreError::Corrupt(format!("event {seq}: {why}")))
}

fn decode_event(row: &Row<'_>, at: usize, seq: i64) -> Result<Event, String> {
    let seq = u64::try_from(seq).map_err(|_| "negative seq".to_owned())?;
    let action: Action = text(row, at + 3)?.parse().map_err(|e| format!("{e}"))?;
    let attributes = canonical::read_attributes(text(row, at + 8)?)
        .map_err(|e| format!("attributes are not a JSON map of values: {e}"))?;
    let column = |e: rusqlite::Error| e.to_string();
    Ok(Event {
        seq,
        source: row.get(at + 1).map_err(column)?,
        reference: row.get(at + 2).map_err(column)?,
        action,
        category: row.get(at + 4).map_err(column)?,
        target: row.get(at + 5).map_err(column)?,
        valid: Day(row.get(at + 6).map_err(column)?),
        recorded: Day(row.get(at + 7).map_err(column)?),
        attributes,
    })
}

/// The text in column `index`, borrowed from the row.
pub(crate) fn text<'r>(row: &'r Row<'_>, index: usize) -> Result<&'r str, String> {
    row.get_ref(index)
        .map_err(|e| e.to_string())?
        .as_str()
        .map_err(|e| format!("column {index}: {e}"))
}

/// The rows of a query whose columns are [`SUBJECT_COLUMNS`] then [`EVENT_COLUMNS`], ordered by
/// subject id then seq, read one subject (with all its events) at a time. Holds one subject's
/// history at a time, so it streams a registry of any size.
pub(crate) struct SubjectStream<'s> {
    rows: Rows<'s>,
    keys: &'s Keys,
    /// The first row of the next subject, read while looking for the end of the current one.
    pending: Option<(StoredSubject, Event)>,
}

impl<'s> SubjectStream<'s> {
    pub(crate) fn new(rows: Rows<'s>, keys: &'s Keys) -> Self {
        SubjectStream {
            rows,
            keys,
            pending: None,
        }
    }

    /// The next subject, with its events in `events` (which is cleared first); `None` at the end.
    pub(crate) fn next_into(
        &mut self,
        events: &mut Vec<Event>,
    ) -> Result<Option<StoredSubject>, StoreError> {
        events.clear();
        let subject = match self.pending.take() {
            Some((subject, event)) => {
                events.push(event);
                subject
            }
            None => match self.rows.next()? {
                Some(row) => {
                    events.push(event_at(row, SUBJECT_WIDTH)?);
                    subject_at(row, 0, self.keys)?
                }
                None => return Ok(None),
            },
        };
        while let Some(row) = self.rows.next()? {
            if row.get::<_, i64>(0)? != subject.id {
                self.pending = Some((
                    subject_at(row, 0, self.keys)?,
                    event_at(row, SUBJECT_WIDTH)?,
                ));
                break;
            }
            events.push(event_at(row, SUBJECT_WIDTH)?);
        }
        Ok(Some(subject))
    }
}
