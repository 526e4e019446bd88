//! The witness file: the heads of the history, published outside the database.
//!
//! After every committed batch or publication, one line is appended and synced:
//!
//! ```text
//! batch 42 digest <hex> access 17:<hex> key <key id> at <ms> mac <hex>
//! ```
//!
//! the batch number and digest, the access log's head (its last entry's seq and MAC), the key
//! id, the wall-clock time and a MAC of the line under the chain key. The file only grows; the
//! operator ships it elsewhere, where the database's owner cannot rewrite it. A database whose
//! batch chain ends before the last witnessed batch was rolled back.
//!
//! Appending takes an exclusive lock on the file and first writes any committed batch the file
//! is missing (a process killed between its commit and its line), so lines are in batch order.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::hash::hex;
use crate::{Keys, StoreError};

/// The witness file's name inside a registry directory, unless another path is given.
pub const WITNESS_FILE: &str = "witness.log";

/// The longest line the tail of the file is read for.
const TAIL_BYTES: u64 = 4096;

/// One line of the witness file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessLine {
    pub batch: i64,
    pub digest: String,
    /// The access log's last entry (0 when it is empty) and its MAC, in hex.
    pub access_seq: i64,
    pub access: String,
    pub key_id: String,
    pub at_ms: i64,
}

impl WitnessLine {
    fn body(&self) -> String {
        format!(
            "batch {} digest {} access {}:{} key {} at {}",
            self.batch, self.digest, self.access_seq, self.access, self.key_id, self.at_ms
        )
    }

    /// The line as written, with its MAC.
    pub(crate) fn render(&self, keys: &Keys) -> String {
        let body = self.body();
        let mac = keys.mac(&[b"witness", body.as_bytes()]);
        format!("{body} mac {}\n", hex(&mac))
    }

    /// Reads a line, checking its MAC; the error says what is wrong with it.
    pub(crate) fn parse(line: &str, keys: &Keys) -> Result<WitnessLine, String> {
        let words: Vec<&str> = line.split(' ').collect();
        let shape = "not a witness line (`batch N digest HEX access SEQ:HEX key ID at MS mac HEX`)";
        let [
            "batch",
            batch,
            "digest",
            digest,
            "access",
            access,
            "key",
            key_id,
            "at",
            at_ms,
            "mac",
            mac,
        ] = words.as_slice()
        else {
            return Err(shape.into());
        };
        let (access_seq, access) = access.split_once(':').ok_or(shape)?;
        let parsed = WitnessLine {
            batch: batch.parse().map_err(|_| shape)?,
            digest: (*digest).to_owned(),
            access_seq: access_seq.parse().map_err(|_| shape)?,
            access: access.to_owned(),
            key_id: (*key_id).to_owned(),
            at_ms: at_ms.parse().map_err(|_| shape)?,
        };
        let expected = hex(&keys.mac(&[b"witness", parsed.body().as_bytes()]));
        if *mac != expected {
            return Err(if parsed.key_id == keys.id() {
                "its MAC does not verify under the registry's key (the line was altered)".into()
            } else {
                format!(
                    "it was written under key {}, not under this registry's key {}",
                    parsed.key_id,
                    keys.id()
                )
            });
        }
        Ok(parsed)
    }
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Makes an empty witness file, owner-only. Refuses one that exists.
pub(crate) fn create(path: &Path) -> Result<(), StoreError> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io(path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| io(path, e))
}

/// Every line of the witness file, each checked. The error names the file and line.
pub fn read_all(path: &Path, keys: &Keys) -> Result<Vec<WitnessLine>, StoreError> {
    let text = fs::read_to_string(path).map_err(|e| io(path, e))?;
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let parsed = WitnessLine::parse(line, keys).map_err(|why| {
            StoreError::Tampered(format!(
                "witness `{}` line {}: {why}",
                path.display(),
                number + 1
            ))
        })?;
        lines.push(parsed);
    }
    Ok(lines)
}

/// The last line of the witness file, checked (`None` when the file is empty). Reads only the
/// file's tail.
pub(crate) fn last(path: &Path, keys: &Keys) -> Result<Option<WitnessLine>, StoreError> {
    let mut file = fs::File::open(path).map_err(|e| io(path, e))?;
    let len = file.metadata().map_err(|e| io(path, e))?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).map_err(|e| io(path, e))?;
    let mut tail = String::new();
    file.read_to_string(&mut tail).map_err(|e| io(path, e))?;
    let Some(line) = tail.lines().last() else {
        return Ok(None);
    };
    WitnessLine::parse(line, keys).map(Some).map_err(|why| {
        StoreError::Tampered(format!("witness `{}`, last line: {why}", path.display()))
    })
}

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
    access_log: &Connection,
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
    let (access_seq, access) = access_head(access_log)?;
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
    access_log: &Connection,
    path: &Path,
    keys: &Keys,
    at_ms: i64,
) -> Result<Option<WitnessLine>, StoreError> {
    catch_up(conn, access_log, path, keys, at_ms)?;
    let mut file = fs::OpenOptions::new()
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| io(path, e))?;
    file.lock().map_err(|e| io(path, e))?;
    let Some(last) = last(path, keys)? else {
        return Ok(None);
    };
    let (access_seq, access) = access_head(access_log)?;
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
