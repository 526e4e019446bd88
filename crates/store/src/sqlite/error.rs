//! SQLite's failures in the store's own terms: the trait's callers never see `rusqlite`.
//!
//! A busy or locked database is [`StoreError::Busy`] (worth retrying); a file that is not a
//! database, a corrupt page or a stored value of the wrong type is [`StoreError::Corrupt`]; a
//! failure reading or writing the file (a full disk, an I/O error, a file it cannot open) is
//! [`StoreError::Io`]; anything else is [`StoreError::Backend`], with SQLite's message.

use rusqlite::ErrorCode;

use super::DATABASE_FILE;
use crate::StoreError;

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        let message = error.to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                return StoreError::Busy { message };
            }
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                return StoreError::Corrupt(message);
            }
            Some(
                ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::ReadOnly,
            ) => {
                return StoreError::Io {
                    path: DATABASE_FILE.to_owned(),
                    source: std::io::Error::other(message),
                };
            }
            _ => {}
        }
        match error {
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::Utf8Error(..) => StoreError::Corrupt(message),
            _ => StoreError::Backend { message },
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::ffi;

    use super::*;

    fn failure(code: i32) -> StoreError {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(format!("code {code}"))).into()
    }

    #[test]
    fn busy_and_locked_are_busy() {
        for code in [ffi::SQLITE_BUSY, ffi::SQLITE_LOCKED] {
            match failure(code) {
                StoreError::Busy { message } => assert!(message.contains("code"), "{message}"),
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_damaged_file_is_corrupt() {
        for code in [ffi::SQLITE_CORRUPT, ffi::SQLITE_NOTADB] {
            assert!(matches!(failure(code), StoreError::Corrupt(_)), "{code}");
        }
    }

    #[test]
    fn file_failures_are_io_on_the_database() {
        for code in [
            ffi::SQLITE_IOERR,
            ffi::SQLITE_FULL,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_READONLY,
        ] {
            match failure(code) {
                StoreError::Io { path, .. } => assert_eq!(path, DATABASE_FILE),
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_stored_value_of_the_wrong_type_is_corrupt() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let error = conn
            .query_row("SELECT 'text'", [], |row| row.get::<_, i64>(0))
            .unwrap_err();
        assert!(matches!(StoreError::from(error), StoreError::Corrupt(_)));
    }

    #[test]
    fn anything_else_is_a_backend_error_with_its_message() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let error = conn.execute("SELECT * FROM no_such_table", []).unwrap_err();
        match StoreError::from(error) {
            StoreError::Backend { message } => {
                assert!(message.contains("no_such_table"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let constraint = failure(ffi::SQLITE_CONSTRAINT);
        assert!(
            matches!(constraint, StoreError::Backend { .. }),
            "{constraint:?}"
        );
    }
}
