//! Storage failures: a domain error, or the database's, with its cause kept for the log.

use crm_core::Error as DomainError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error: {0}")]
    Db(diesel::result::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Backup(String),
    #[error("{0}")]
    Config(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => StoreError::Domain(DomainError::NotFound),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                StoreError::Domain(DomainError::Conflict("error-conflict"))
            }
            other => StoreError::Db(other),
        }
    }
}

impl StoreError {
    /// The domain error inside, if this is one (the web edge maps those to 4xx).
    pub fn domain(&self) -> Option<&DomainError> {
        match self {
            StoreError::Domain(d) => Some(d),
            _ => None,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
