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
//! The line format, its MAC and the reading of the file do not depend on a backend; a backend
//! appends lines (under an exclusive lock on the file, first writing any committed batch the
//! file is missing, so lines are in batch order) from what it stores.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::hash::hex;
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
    pub fn render(&self, keys: &Keys) -> String {
        let body = self.body();
        let mac = keys.mac(&[b"witness", body.as_bytes()]);
        format!("{body} mac {}\n", hex(&mac))
    }

    /// Reads a line, checking its MAC; the error says what is wrong with it.
    pub fn parse(line: &str, keys: &Keys) -> Result<WitnessLine, String> {
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

pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Makes an empty witness file, owner-only. Refuses one that exists.
pub fn create(path: &Path) -> Result<(), StoreError> {
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
pub fn last(path: &Path, keys: &Keys) -> Result<Option<WitnessLine>, StoreError> {
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
