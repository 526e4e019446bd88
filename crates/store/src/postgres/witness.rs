//! Publishing the heads of a PostgreSQL registry to its witness file: the same file, lines and
//! MACs as the embedded store's ([`crate::witness`]).

use std::fs;
use std::io::Write;
use std::path::Path;

use postgres::GenericClient;

use super::pg_error;
use crate::hash::hex;
use crate::witness::{WitnessLine, last};
use crate::{Keys, StoreError};

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The access log's head: its last entry's seq and MAC (0 and zeros when it is empty).
pub(crate) fn access_head(client: &mut impl GenericClient) -> Result<(i64, Vec<u8>), StoreError> {
    Ok(client
        .query_opt("SELECT seq, mac FROM access ORDER BY seq DESC LIMIT 1", &[])
        .map_err(pg_error)?
        .map_or((0, vec![0; 32]), |row| (row.get(0), row.get(1))))
}

fn open_locked(path: &Path) -> Result<fs::File, StoreError> {
    let file = fs::OpenOptions::new()
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| io(path, e))?;
    file.lock().map_err(|e| io(path, e))?;
    Ok(file)
}

/// Appends a line for every committed batch the witness file does not have yet, under an
/// exclusive lock on the file, and syncs it.
pub(crate) fn catch_up(
    client: &mut impl GenericClient,
    path: &Path,
    keys: &Keys,
    at_ms: i64,
) -> Result<(), StoreError> {
    let mut file = open_locked(path)?;
    let witnessed = last(path, keys)?.map_or(0, |line| line.batch);
    let (access_seq, access) = access_head(client)?;
    let rows = client
        .query(
            "SELECT id, digest FROM batch WHERE id > $1 ORDER BY id",
            &[&witnessed],
        )
        .map_err(pg_error)?;
    let mut text = String::new();
    for row in &rows {
        let digest: Vec<u8> = row.get(1);
        text.push_str(
            &WitnessLine {
                batch: row.get(0),
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

/// Appends a line that publishes the access log's head as it is now, when it has grown since
/// the last line. Returns the line written, if any.
pub(crate) fn publish_access(
    client: &mut impl GenericClient,
    path: &Path,
    keys: &Keys,
    at_ms: i64,
) -> Result<Option<WitnessLine>, StoreError> {
    catch_up(client, path, keys, at_ms)?;
    let mut file = open_locked(path)?;
    let Some(last) = last(path, keys)? else {
        return Ok(None);
    };
    let (access_seq, access) = access_head(client)?;
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
