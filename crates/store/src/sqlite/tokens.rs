//! Bearer tokens in `registry.db` (table `token`), each row sealed by [`crate::tokens::mac`].

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::keys::Keys;
use crate::{StoreError, TokenRecord};

const COLUMNS: &str = "id, hash, role, principal, label, issued_at_ms, revoked_at_ms, mac";

fn read(row: &Row<'_>) -> rusqlite::Result<(TokenRecord, Vec<u8>)> {
    Ok((
        TokenRecord {
            id: row.get(0)?,
            hash: row.get(1)?,
            role: row.get(2)?,
            principal: row.get(3)?,
            label: row.get(4)?,
            issued_at_ms: row.get(5)?,
            revoked_at_ms: row.get(6)?,
        },
        row.get(7)?,
    ))
}

pub(crate) fn add(conn: &Connection, keys: &Keys, token: &TokenRecord) -> Result<(), StoreError> {
    let mac = crate::tokens::mac(keys, token);
    conn.execute(
        &format!("INSERT INTO token ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            token.id,
            token.hash,
            token.role,
            token.principal,
            token.label,
            token.issued_at_ms,
            token.revoked_at_ms,
            &mac[..],
        ],
    )?;
    Ok(())
}

pub(crate) fn by_hash(
    conn: &Connection,
    keys: &Keys,
    hash: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM token WHERE hash = ?1"))?
        .query_row([hash], read)
        .optional()?;
    found
        .map(|(token, mac)| crate::tokens::verified(keys, token, &mac))
        .transpose()
}

pub(crate) fn all(conn: &Connection, keys: &Keys) -> Result<Vec<TokenRecord>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM token ORDER BY issued_at_ms, id"
    ))?;
    let rows = statement.query_map([], read)?;
    let mut out = Vec::new();
    for row in rows {
        let (token, mac) = row?;
        out.push(crate::tokens::verified(keys, token, &mac)?);
    }
    Ok(out)
}

pub(crate) fn revoke(
    conn: &mut Connection,
    keys: &Keys,
    id: &str,
    at_ms: i64,
) -> Result<Option<TokenRecord>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM token WHERE id = ?1"),
            [id],
            read,
        )
        .optional()?;
    let Some((token, mac)) = found else {
        return Ok(None);
    };
    let mut token = crate::tokens::verified(keys, token, &mac)?;
    if token.revoked_at_ms.is_none() {
        token.revoked_at_ms = Some(at_ms);
        let mac = crate::tokens::mac(keys, &token);
        tx.execute(
            "UPDATE token SET revoked_at_ms = ?2, mac = ?3 WHERE id = ?1",
            params![id, at_ms, &mac[..]],
        )?;
    }
    tx.commit()?;
    Ok(Some(token))
}
