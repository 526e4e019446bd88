//! The registry's secret, kept outside the database, and the keys derived from it.
//!
//! One file holds one secret: 32 random bytes written as 64 hexadecimal characters, by default
//! `<registry>/credence.key`, created owner-only (mode 0600) and refused on open when group or
//! others may read it. Every key the store uses is derived from it by HMAC-SHA256 with a label,
//! so that no key serves two purposes:
//!
//! - the pseudonym key: subjects are stored as HMAC(pseudonym key, identifier);
//! - the chain key: every link of a subject's chain, every batch digest, every access-log entry
//!   and every witness line is a MAC under it;
//! - the sealing key: values a rule needs but that would narrow an identifier (a person's birth
//!   date) are sealed with ChaCha20-Poly1305 under it.
//!
//! The key id (the first 8 bytes of a MAC of a fixed label, in hex) names the key in batch rows
//! and witness lines without revealing it, so a replaced key file is recognised as such.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use credence_model::Day;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::StoreError;

/// The key file's name inside a registry directory, unless another path is given.
pub const KEY_FILE: &str = "credence.key";

/// A 32-byte digest or MAC.
pub type Digest = [u8; 32];

type HmacSha256 = Hmac<Sha256>;

/// The keys of one registry, derived from its secret.
#[derive(Clone)]
pub struct Keys {
    pseudonym: [u8; 32],
    chain: HmacSha256,
    seal: ChaCha20Poly1305,
    nonce: HmacSha256,
    id: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "Keys {{ id: {} }}", self.id)
    }
}

/// HMAC-SHA256 of `message` under `key`.
fn hmac(key: &[u8], message: &[u8]) -> Digest {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC accepts keys of any length, so this never happens.
fn unreachable_key() -> HmacSha256 {
    unreachable!("HMAC takes a key of any length")
}

impl Keys {
    /// The keys derived from a registry's secret.
    pub fn from_secret(secret: &[u8; 32]) -> Keys {
        let derive = |label: &str| hmac(secret, format!("credence/key/{label}/v1").as_bytes());
        let chain = derive("chain");
        let seal = derive("seal");
        let nonce = derive("seal-nonce");
        let id = derive("id");
        Keys {
            pseudonym: derive("pseudonym"),
            chain: <HmacSha256 as Mac>::new_from_slice(&chain)
                .unwrap_or_else(|_| unreachable_key()),
            seal: ChaCha20Poly1305::new((&seal).into()),
            nonce: <HmacSha256 as Mac>::new_from_slice(&nonce)
                .unwrap_or_else(|_| unreachable_key()),
            id: crate::sqlite::hex(&id[..8]),
        }
    }

    /// Makes a new secret and writes it to `path`, owner-only; refuses a file that exists.
    pub fn create_file(path: &Path) -> Result<Keys, StoreError> {
        let secret = random_secret()?;
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        // The mode given at creation is filtered by the umask; set it outright.
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
        let mut text = crate::sqlite::hex(&secret);
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(Keys::from_secret(&secret))
    }

    /// Reads the secret from `path`, refusing a file that group or others may read.
    pub fn load_file(path: &Path) -> Result<Keys, StoreError> {
        let shown = path.display().to_string();
        let metadata = fs::metadata(path).map_err(|source| StoreError::KeyFile {
            path: shown.clone(),
            why: format!(
                "{source} (a registry's key file is made by `credence init`; give its place with \
                 --key-file or CREDENCE_KEY_FILE)"
            ),
        })?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::KeyExposed { path: shown, mode });
        }
        let text = fs::read_to_string(path).map_err(|source| StoreError::Io {
            path: shown.clone(),
            source,
        })?;
        let secret = parse_secret(text.trim_end_matches(['\n', '\r'])).ok_or_else(|| {
            StoreError::KeyFile {
                path: shown,
                why: "line 1: expected the key as 64 hexadecimal characters".into(),
            }
        })?;
        Ok(Keys::from_secret(&secret))
    }

    /// Names the key without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key of subject pseudonyms.
    pub fn pseudonym_key(&self) -> &[u8] {
        &self.pseudonym
    }

    /// A MAC under the chain key over `parts`, each preceded by its length (so that no two
    /// different sequences of parts give the same input).
    pub fn mac(&self, parts: &[&[u8]]) -> Digest {
        let mut mac = self.chain.clone();
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// A person's birth date sealed for storage, bound to the subject's pseudonym (a sealed
    /// value moved to another subject does not open). The nonce is derived from the pseudonym
    /// and the date, so a nonce is only ever reused for the very same value.
    pub fn seal_birth(&self, pseudonym: &str, birth: Day) -> Vec<u8> {
        let plain = birth.0.to_be_bytes();
        let mut nonce_mac = self.nonce.clone();
        nonce_mac.update(pseudonym.as_bytes());
        nonce_mac.update(&plain);
        let nonce_bytes = nonce_mac.finalize().into_bytes();
        let nonce = Nonce::from_slice(&nonce_bytes[..12]);
        let sealed = self
            .seal
            .encrypt(
                nonce,
                Payload {
                    msg: &plain,
                    aad: pseudonym.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce_bytes[..12]);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a sealed birth date of the subject with `pseudonym`; `None` when it does not open
    /// (altered, moved from another subject, or sealed under another key).
    pub fn open_birth(&self, pseudonym: &str, sealed: &[u8]) -> Option<Day> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, body) = sealed.split_at(12);
        let plain = self
            .seal
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: pseudonym.as_bytes(),
                },
            )
            .ok()?;
        let bytes: [u8; 4] = plain.as_slice().try_into().ok()?;
        Some(Day(i32::from_be_bytes(bytes)))
    }
}

fn parse_secret(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut secret = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |b: u8| char::from(b).to_digit(16);
        secret[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(secret)
}

/// 32 bytes from the operating system's random source, in hex: a new bearer token's secret
/// part (the store keeps only its SHA-256, [`crate::TokenRecord`]).
pub fn random_hex() -> Result<String, StoreError> {
    Ok(crate::sqlite::hex(&random_secret()?))
}

/// 32 bytes from the operating system's random source.
fn random_secret() -> Result<[u8; 32], StoreError> {
    const SOURCE: &str = "/dev/urandom";
    let mut key = [0u8; 32];
    fs::File::open(SOURCE)
        .and_then(|mut file| file.read_exact(&mut key))
        .map_err(|source| StoreError::Io {
            path: SOURCE.into(),
            source,
        })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn a_sealed_birth_opens_only_for_its_subject_and_key() {
        let keys = Keys::from_secret(&[7; 32]);
        let sealed = keys.seal_birth("p", Day(12_345));
        assert_eq!(keys.open_birth("p", &sealed), Some(Day(12_345)));
        assert_eq!(
            keys.open_birth("q", &sealed),
            None,
            "moved to another subject"
        );
        let other = Keys::from_secret(&[8; 32]);
        assert_eq!(other.open_birth("p", &sealed), None, "another key");
        let mut altered = sealed.clone();
        altered[14] ^= 1;
        assert_eq!(keys.open_birth("p", &altered), None, "altered");
        assert_ne!(
            keys.seal_birth("q", Day(12_345)),
            sealed,
            "the same date seals differently for two subjects"
        );
    }

    #[test]
    fn derived_keys_differ_and_the_id_names_the_secret() {
        let keys = Keys::from_secret(&[1; 32]);
        assert_ne!(keys.pseudonym_key(), &keys.mac(&[])[..]);
        assert_eq!(keys.id(), Keys::from_secret(&[1; 32]).id());
        assert_ne!(keys.id(), Keys::from_secret(&[2; 32]).id());
        assert_ne!(keys.mac(&[b"ab", b"c"]), keys.mac(&[b"a", b"bc"]));
    }

    #[test]
    fn a_key_file_is_refused_when_others_may_read_it_or_it_is_not_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let made = Keys::create_file(&path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(Keys::load_file(&path).unwrap().id(), made.id());
        assert!(matches!(
            Keys::create_file(&path),
            Err(StoreError::Io { .. })
        ));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let error = Keys::load_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("chmod 600") && error.contains(KEY_FILE),
            "{error}"
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "not a key\n").unwrap();
        let error = Keys::load_file(&path).unwrap_err().to_string();
        assert!(error.contains("64 hexadecimal"), "{error}");
        let missing = Keys::load_file(&dir.path().join("none")).unwrap_err();
        assert!(missing.to_string().contains("--key-file"), "{missing}");
    }
}
