//! Principals and their bearer tokens: who may do what through the service.
//!
//! Every token names one principal in one role: an operator or auditor by name, a source by its
//! registered id, a relying party by its kind (one some measure of the policy in force names),
//! a subject by its identifier, kept only as the identifier's kind and keyed pseudonym. A token
//! is printed once when it is issued; the registry keeps only its SHA-256
//! ([`credence_store::TokenRecord`]), so a copy of the database opens nothing.

use std::fmt;
use std::str::FromStr;

use credence_model::SubjectKind;
use credence_store::TokenRecord;
use sha2::{Digest as _, Sha256};

/// What a principal may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Publishes policies, registers sources and relying parties, decides appeals and repairs.
    Operator,
    /// Submits, corrects and retracts records of its registered categories.
    Source,
    /// Asks whether a measure it applies applies to a subject.
    RelyingParty,
    /// Reads its own standing, file and access log.
    Subject,
    /// Reads aggregates, the policy history and the audit chain; never a person's file.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Operator,
        Role::Source,
        Role::RelyingParty,
        Role::Subject,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Source => "source",
            Role::RelyingParty => "relying-party",
            Role::Subject => "subject",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role: use operator, source, relying-party, subject or auditor")]
pub struct RoleError(pub String);

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Role, RoleError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleError(s.to_owned()))
    }
}

/// Whom a valid token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Operator {
        name: String,
    },
    Source {
        source: String,
    },
    RelyingParty {
        party: String,
    },
    /// A subject, by what the registry keeps of its identifier.
    Subject(SubjectPrincipal),
    Auditor {
        name: String,
    },
}

impl Principal {
    pub fn role(&self) -> Role {
        match self {
            Principal::Operator { .. } => Role::Operator,
            Principal::Source { .. } => Role::Source,
            Principal::RelyingParty { .. } => Role::RelyingParty,
            Principal::Subject(_) => Role::Subject,
            Principal::Auditor { .. } => Role::Auditor,
        }
    }
}

/// A subject as its token names it: the kind and keyed pseudonym of its identifier, and the
/// masked form to show. Never the identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectPrincipal {
    pub kind: SubjectKind,
    pub pseudonym: String,
    pub masked: String,
}

/// What a presented token turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presented {
    /// A token the registry issued and has not revoked.
    Valid { id: String, principal: Principal },
    /// A token the registry issued and revoked at this time (ms since the Unix epoch).
    Revoked { id: String, at_ms: i64 },
    /// No token the registry issued.
    Unknown,
}

/// The prefix of every token, so that one found in a log or a file is recognised.
pub const TOKEN_PREFIX: &str = "credence_";

/// SHA-256 of a token, hex: all the registry keeps of it.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A token's stored principal as a [`Principal`], refusing a row whose role or subject does not
/// read (written by another build, or altered: the row's MAC would not verify either).
pub(crate) fn principal_of(record: &TokenRecord) -> Option<Principal> {
    let role: Role = record.role.parse().ok()?;
    let name = record.principal.clone();
    Some(match role {
        Role::Operator => Principal::Operator { name },
        Role::Source => Principal::Source { source: name },
        Role::RelyingParty => Principal::RelyingParty { party: name },
        Role::Auditor => Principal::Auditor { name },
        Role::Subject => {
            let (kind, pseudonym) = record.principal.split_once(':')?;
            Principal::Subject(SubjectPrincipal {
                kind: kind.parse().ok()?,
                pseudonym: pseudonym.to_owned(),
                masked: record.label.clone(),
            })
        }
    })
}
