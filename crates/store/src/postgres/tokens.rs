//! Bearer tokens in the `token` table, each row sealed by [`crate::tokens::mac`].

use postgres::{Client, Row};

use super::pg_error;
use crate::keys::Keys;
use crate::{StoreError, TokenRecord};

const COLUMNS: &str = "id, hash, role, principal, label, issued_at_ms, revoked_at_ms, mac";

fn verified(keys: &Keys, row: &Row) -> Result<TokenRecord, StoreError> {
    let token = TokenRecord {
        id: row.get(0),
        hash: row.get(1),
        role: row.get(2),
        principal: row.get(3),
        label: row.get(4),
        issued_at_ms: row.get(5),
        revoked_at_ms: row.get(6),
    };
    let mac: Vec<u8> = row.get(7);
    crate::tokens::verified(keys, token, &mac)
}

pub(crate) fn add(client: &mut Client, keys: &Keys, token: &TokenRecord) -> Result<(), StoreError> {
    let mac = crate::tokens::mac(keys, token).to_vec();
    client
        .execute(
            &format!("INSERT INTO token ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
            &[
                &token.id,
                &token.hash,
                &token.role,
                &token.principal,
                &token.label,
                &token.issued_at_ms,
                &token.revoked_at_ms,
                &mac,
            ],
        )
        .map_err(pg_error)?;
    Ok(())
}

pub(crate) fn by_hash(
    client: &mut Client,
    keys: &Keys,
    hash: &str,
) -> Result<Option<TokenRecord>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM token WHERE hash = $1"),
            &[&hash],
        )
        .map_err(pg_error)?
        .map(|row| verified(keys, &row))
        .transpose()
}

pub(crate) fn all(client: &mut Client, keys: &Keys) -> Result<Vec<TokenRecord>, StoreError> {
    client
        .query(
            &format!("SELECT {COLUMNS} FROM token ORDER BY issued_at_ms, id"),
            &[],
        )
        .map_err(pg_error)?
        .iter()
        .map(|row| verified(keys, row))
        .collect()
}

pub(crate) fn revoke(
    client: &mut Client,
    keys: &Keys,
    id: &str,
    at_ms: i64,
) -> Result<Option<TokenRecord>, StoreError> {
    let mut tx = client.transaction().map_err(pg_error)?;
    let Some(row) = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM token WHERE id = $1 FOR UPDATE"),
            &[&id],
        )
        .map_err(pg_error)?
    else {
        return Ok(None);
    };
    let mut token = verified(keys, &row)?;
    if token.revoked_at_ms.is_none() {
        token.revoked_at_ms = Some(at_ms);
        let mac = crate::tokens::mac(keys, &token).to_vec();
        tx.execute(
            "UPDATE token SET revoked_at_ms = $2, mac = $3 WHERE id = $1",
            &[&id, &at_ms, &mac],
        )
        .map_err(pg_error)?;
    }
    tx.commit().map_err(pg_error)?;
    Ok(Some(token))
}
