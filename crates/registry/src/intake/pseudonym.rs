//! Subject pseudonyms: the store never holds an identifier, only HMAC-SHA256 of its canonical
//! text under the registry's secret key (RFC 2104), in lowercase hex.
//!
//! HMAC is written out here on top of `sha2` (it is a few lines); the keyed inner and outer
//! states are computed once per key, so a pseudonym costs two SHA-256 compressions.

use credence_model::Identifier;
use sha2::{Digest, Sha256};

/// SHA-256 block size in bytes.
const BLOCK: usize = 64;

/// HMAC-SHA256 under one key, with the keyed states precomputed.
#[derive(Clone)]
pub struct Pseudonymiser {
    inner: Sha256,
    outer: Sha256,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str("Pseudonymiser { .. }")
    }
}

impl Pseudonymiser {
    pub fn new(key: &[u8]) -> Pseudonymiser {
        let mut block = [0u8; BLOCK];
        if key.len() > BLOCK {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut ipad = [0u8; BLOCK];
        let mut opad = [0u8; BLOCK];
        for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(block) {
            *i = k ^ 0x36;
            *o = k ^ 0x5c;
        }
        let mut inner = Sha256::new();
        inner.update(ipad);
        let mut outer = Sha256::new();
        outer.update(opad);
        Pseudonymiser { inner, outer }
    }

    /// HMAC-SHA256 of `message`.
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut inner = self.inner.clone();
        inner.update(message);
        let mut outer = self.outer.clone();
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The pseudonym of an identifier: hex of the HMAC of its canonical text.
    pub fn pseudonym(&self, id: &Identifier) -> String {
        let mac = match id {
            // The canonical text, without building it.
            Identifier::ResidentId(resident) => self.mac(resident.as_str().as_bytes()),
            // A code that is also a valid resident id is keyed by `uscc:…`, never by the
            // person's text.
            Identifier::Uscc(code) if !code.is_ambiguous() => self.mac(code.as_str().as_bytes()),
            Identifier::Uscc(_) => self.mac(id.canonical().as_bytes()),
            Identifier::Other(_) => self.mac(id.canonical().as_bytes()),
        };
        hex(&mac)
    }
}

/// HMAC-SHA256 of `message` under `key` (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    Pseudonymiser::new(key).mac(message)
}

/// The pseudonym the store keys `id` by, under the registry's `key`.
pub fn pseudonym(key: &[u8], id: &Identifier) -> String {
    Pseudonymiser::new(key).pseudonym(id)
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}
