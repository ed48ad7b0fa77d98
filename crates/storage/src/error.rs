//! Storage errors: what went wrong, in terms a caller can act on.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The thing asked for does not exist (in this account).
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    /// A unique constraint refused the write (e.g. a store name already in use).
    #[error("{what} already exists: {key}")]
    Duplicate { what: &'static str, key: String },
    /// Someone else changed the row since it was read; read it again and retry.
    #[error("{what} {key} was changed by someone else meanwhile; read it again and retry")]
    Conflict { what: &'static str, key: String },
    /// A job's lease passed to another worker.
    #[error("job {0} is no longer held by this worker (its lease ran out)")]
    LeaseLost(String),
    /// The caller asked for a write that cannot be right (e.g. an order of another store in a store's import).
    #[error("refusing to write {what} {key}: {detail}")]
    InvalidWrite { what: &'static str, key: String, detail: String },
    /// The database location is neither a SQLite path nor a PostgreSQL URL.
    #[error(
        "cannot use the database location {location:?}: {reason}; give a file path, sqlite://PATH or \
         postgres://USER@HOST:PORT/DATABASE"
    )]
    InvalidLocation { location: String, reason: String },
    /// The database cannot be reached or opened. `location` never carries a password.
    #[error("cannot open the database at {location}: {source}; check the path or URL and that the server is running")]
    Unavailable {
        location: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Stored data that no longer reads as what it should be (written by another version, or edited by hand).
    #[error("stored {what} {key} is unreadable: {detail}")]
    Corrupt { what: &'static str, key: String, detail: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StorageError {
    /// Worth retrying as is: a lost connection, a busy database, a concurrent change.
    pub fn is_retryable(&self) -> bool {
        match self {
            StorageError::Conflict { .. } | StorageError::Unavailable { .. } => true,
            StorageError::Database(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::WorkerCrashed
                ) || e.as_database_error().and_then(|d| d.code()).is_some_and(|c| {
                    // SQLite busy/locked; PostgreSQL serialization failure / deadlock.
                    matches!(c.as_ref(), "5" | "6" | "40001" | "40P01")
                })
            }
            _ => false,
        }
    }
}
