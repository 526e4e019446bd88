//! Checking the hash chain: every event's content hash is recomputed from its stored fields and
//! every link from the one before it, so an edit made behind the store's back (raw SQL on the
//! file, a restored old page) is found and located at the first event it breaks.

use rusqlite::{Connection, Row};

use super::hash::{Content, GENESIS, Hash, chain_link, hex};
use super::rows::text;
use crate::{ChainReport, StoreError};

/// Walks the whole chain in seq order. `broken_at` is the first event whose stored content or
/// link does not match the recomputed one; when every event checks out but the head recorded
/// in `meta` is not the last link (events removed from the end, or the head itself edited),
/// it is the seq after the last event.
pub(crate) fn verify(conn: &Connection) -> Result<ChainReport, StoreError> {
    let recorded_head = super::read_head(conn)?;
    let mut statement = conn.prepare(
        "SELECT e.seq, e.source, e.reference, e.action, e.category, e.target, e.valid, e.recorded,
                e.attributes, e.content, e.batch, e.hash, s.pseudonym
         FROM event e LEFT JOIN subject s ON s.id = e.subject
         ORDER BY e.seq",
    )?;
    let mut rows = statement.query([])?;
    let mut head = GENESIS;
    let mut events = 0u64;
    let mut last_seq = 0u64;
    let mut broken_at = None;
    while let Some(row) = rows.next()? {
        events += 1;
        let seq = u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
        last_seq = seq;
        if broken_at.is_some() {
            continue;
        }
        match checked_link(row, &head, seq) {
            Some(link) => head = link,
            None => broken_at = Some(seq),
        }
    }
    if broken_at.is_none() && head != recorded_head {
        broken_at = Some(last_seq + 1);
    }
    Ok(ChainReport {
        events,
        head: hex(&head),
        broken_at,
    })
}

/// The event's link if its stored content hash and link are both what its fields and the
/// previous link give; `None` if either is not (or a field does not even decode).
fn checked_link(row: &Row<'_>, previous: &Hash, seq: u64) -> Option<Hash> {
    let content = Content {
        source: text(row, 1).ok()?,
        reference: text(row, 2).ok()?,
        action: text(row, 3).ok()?,
        category: text(row, 4).ok()?,
        target: row.get_ref(5).ok()?.as_str_or_null().ok()?,
        valid: row.get(6).ok()?,
        attributes: text(row, 8).ok()?.as_bytes(),
        pseudonym: text(row, 12).ok()?,
    }
    .hash();
    let recorded: i32 = row.get(7).ok()?;
    let batch: i64 = row.get(10).ok()?;
    let stored_content = row.get_ref(9).ok()?.as_blob().ok()?;
    let stored_link = row.get_ref(11).ok()?.as_blob().ok()?;
    let link = chain_link(previous, seq, &content, recorded, batch);
    (stored_content == content && stored_link == link).then_some(link)
}
