//! The SQLite side of the witness file ([`crate::witness`]): the heads it publishes, read from
//! the database.
//!
//! Appending takes an exclusive lock on the file and first writes any committed batch the file
//! is missing (a process killed between its commit and its line), so lines are in batch order.

use std::fs;
use std::io::Write;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::hash::hex;
pub use crate::witness::{WITNESS_FILE, WitnessLine, read_all};
use crate::witness::{io, last};
use crate::{Keys, StoreError};

/// The access log's head: its last entry's seq and MAC (0 and zeros when it is empty).
pub(crate) fn access_head(conn: &Connection) -> Result<(i64, Vec<u8>), StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, mac FROM access ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, vec![0; 32])))
}

/// Appends a line for every committed batch the witness file does not have yet, under an
/// exclusive lock on the file, and syncs it.
pub(crate) fn catch_up(
    conn: &Connection,
    path: &Path,
    keys: &Keys,
    at_ms: i64,
) -> Result<(), StoreError> {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| io(path, e))?;
    file.lock().map_err(|e| io(path, e))?;
    let witnessed = last(path, keys)?.map_or(0, |line| line.batch);
    let (access_seq, access) = access_head(conn)?;
    let mut statement = conn.prepare("SELECT id, digest FROM batch WHERE id > ?1 ORDER BY id")?;
    let mut rows = statement.query([witnessed])?;
    let mut text = String::new();
    while let Some(row) = rows.next()? {
        let digest: Vec<u8> = row.get(1)?;
        text.push_str(
            &WitnessLine {
                batch: row.get(0)?,
                digest: hex(&digest),
                access_seq,
                access: hex(&access),
                key_id: keys.id().to_owned(),
                at_ms,
            }
            .render(keys),
        );
    }
    if !text.is_empty() {
        file.write_all(text.as_bytes()).map_err(|e| io(path, e))?;
        file.sync_data().map_err(|e| io(path, e))?;
    }
    Ok(())
}

/// Appends a line that publishes the access log's head as it is now, for the latest batch, when
/// the access log has grown since the last line: accesses logged after the last batch are then
/// covered too (a check writes no line of its own). Returns the line written, if any.
pub(crate) fn publish_access(
    conn: &Connection,
    path: &Path,
    keys: &Keys,
    at_ms: i64,
) -> Result<Option<WitnessLine>, StoreError> {
    catch_up(conn, path, keys, at_ms)?;
    let mut file = fs::OpenOptions::new()
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| io(path, e))?;
    file.lock().map_err(|e| io(path, e))?;
    let Some(last) = last(path, keys)? else {
        return Ok(None);
    };
    let (access_seq, access) = access_head(conn)?;
    if access_seq <= last.access_seq {
        return Ok(None);
    }
    let line = WitnessLine {
        access_seq,
        access: hex(&access),
        at_ms,
        ..last
    };
    file.write_all(line.render(keys).as_bytes())
        .map_err(|e| io(path, e))?;
    file.sync_data().map_err(|e| io(path, e))?;
    Ok(Some(line))
}
