//! The app layer's errors: each says what happened and what the seller can do.

use wharf_domain::ParseError;
use wharf_sears::{CredentialsError, SearsError};
use wharf_storage::StorageError;

use crate::secrets::SecretError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] ParseError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("invalid Sears credentials: {0}")]
    Credentials(#[from] CredentialsError),
    #[error("{what} '{key}' not found{hint}")]
    NotFound { what: &'static str, key: String, hint: String },
    #[error("'{key}' matches {count} {what}s; use the id ({ids}) instead")]
    Ambiguous { what: &'static str, key: String, count: usize, ids: String },
    /// A connect or check call Sears refused or could not answer.
    #[error("{0}")]
    Verification(String),
    #[error(transparent)]
    Sears(#[from] SearsError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{0}")]
    Io(String),
}

impl AppError {
    pub fn not_found(what: &'static str, key: impl Into<String>, hint: impl Into<String>) -> Self {
        let hint = hint.into();
        AppError::NotFound { what, key: key.into(), hint: if hint.is_empty() { hint } else { format!("; {hint}") } }
    }

    /// Storage's not-found becomes the app's, so every surface says it the same way.
    pub fn from_storage(e: StorageError, hint: &str) -> Self {
        match e {
            StorageError::NotFound { what, key } => AppError::not_found(what, key, hint),
            other => AppError::Storage(other),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
