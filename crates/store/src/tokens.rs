//! What every backend does alike with the bearer tokens it keeps: the MAC that seals a token's
//! row under the registry's key, and its check.

use crate::keys::{Digest, Keys};
use crate::{StoreError, TokenRecord};

/// The MAC of a token's row: every field, the revocation included, so neither a forged row
/// nor a revocation undone verifies without the key.
pub fn mac(keys: &Keys, token: &TokenRecord) -> Digest {
    let issued = token.issued_at_ms.to_be_bytes();
    let revoked = token.revoked_at_ms.map(i64::to_be_bytes);
    keys.mac(&[
        b"credence/token/v1",
        token.id.as_bytes(),
        token.hash.as_bytes(),
        token.role.as_bytes(),
        token.principal.as_bytes(),
        token.label.as_bytes(),
        &issued,
        revoked.as_ref().map_or(&[][..], |r| &r[..]),
    ])
}

/// `token` as read, when its stored MAC is the one the registry sealed it with.
pub fn verified(keys: &Keys, token: TokenRecord, stored: &[u8]) -> Result<TokenRecord, StoreError> {
    if mac(keys, &token)[..] == *stored {
        Ok(token)
    } else {
        Err(StoreError::Tampered(format!(
            "the row of token `{}` is not the one the registry issued or revoked",
            token.id
        )))
    }
}
