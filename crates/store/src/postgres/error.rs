//! PostgreSQL's failures in the store's own terms: the trait's callers never see the driver.
//!
//! A serialization failure, a deadlock or a lock not granted in time is [`StoreError::Busy`]
//! (worth retrying); data or an index PostgreSQL reports corrupt is [`StoreError::Corrupt`]; the
//! server's own I/O failures and a full disk are [`StoreError::Io`]; anything else (a refused
//! statement, a constraint, a lost connection, a stored value of another type) is
//! [`StoreError::Backend`], with the driver's message.

use postgres::error::SqlState;

use crate::StoreError;

/// What a PostgreSQL error code means to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Busy,
    Corrupt,
    Io,
    Backend,
}

/// The kind of failure an error code names (`None`: the error came from no server statement).
pub(crate) fn kind(code: Option<&SqlState>) -> Kind {
    let Some(code) = code else {
        return Kind::Backend;
    };
    if [
        SqlState::T_R_SERIALIZATION_FAILURE,
        SqlState::T_R_DEADLOCK_DETECTED,
        SqlState::LOCK_NOT_AVAILABLE,
    ]
    .contains(code)
    {
        Kind::Busy
    } else if [SqlState::DATA_CORRUPTED, SqlState::INDEX_CORRUPTED].contains(code) {
        Kind::Corrupt
    } else if [SqlState::IO_ERROR, SqlState::DISK_FULL].contains(code) {
        Kind::Io
    } else {
        Kind::Backend
    }
}

/// The store's error for a PostgreSQL failure.
pub(crate) fn pg_error(error: postgres::Error) -> StoreError {
    let message = error.to_string();
    let message = match error.as_db_error() {
        Some(db) => format!("{message}: {}", db.message()),
        None => message,
    };
    match kind(error.code()) {
        Kind::Busy => StoreError::Busy { message },
        Kind::Corrupt => StoreError::Corrupt(message),
        Kind::Io => StoreError::Io {
            path: "the PostgreSQL database".into(),
            source: std::io::Error::other(message),
        },
        Kind::Backend => StoreError::Backend { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_has_its_kind() {
        assert_eq!(kind(Some(&SqlState::T_R_SERIALIZATION_FAILURE)), Kind::Busy);
        assert_eq!(kind(Some(&SqlState::T_R_DEADLOCK_DETECTED)), Kind::Busy);
        assert_eq!(kind(Some(&SqlState::LOCK_NOT_AVAILABLE)), Kind::Busy);
        assert_eq!(kind(Some(&SqlState::DATA_CORRUPTED)), Kind::Corrupt);
        assert_eq!(kind(Some(&SqlState::INDEX_CORRUPTED)), Kind::Corrupt);
        assert_eq!(kind(Some(&SqlState::DISK_FULL)), Kind::Io);
        assert_eq!(kind(Some(&SqlState::IO_ERROR)), Kind::Io);
        assert_eq!(kind(Some(&SqlState::UNIQUE_VIOLATION)), Kind::Backend);
        assert_eq!(kind(None), Kind::Backend);
    }
}
