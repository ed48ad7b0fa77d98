//! UPS's error body, `{"response": {"errors": [{"code", "message"}]}}`, with the codes the sandbox
//! uses (each listed in the crate README).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::spec::Violations;

/// An error answer in UPS's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpsError {
    pub status: StatusCode,
    pub errors: Vec<(String, String)>,
}

impl UpsError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        UpsError { status, errors: vec![(code.to_owned(), message.into())] }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        UpsError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Missing, unknown, expired or revoked bearer token.
    pub fn unauthorized() -> Self {
        UpsError::new(StatusCode::UNAUTHORIZED, "250002", "Invalid Authentication Information.")
    }

    /// A body that is not JSON at all.
    pub fn not_json(error: &serde_json::Error) -> Self {
        UpsError::bad_request("10001", format!("The request body is not well-formed JSON: {error}"))
    }

    /// One error per schema violation, each naming its JSON pointer.
    pub fn schema(violations: &Violations) -> Self {
        UpsError {
            status: StatusCode::BAD_REQUEST,
            errors: violations
                .0
                .iter()
                .map(|violation| {
                    let pointer = if violation.pointer.is_empty() { "/" } else { violation.pointer.as_str() };
                    ("10002".to_owned(), format!("{pointer}: {}", violation.message))
                })
                .collect(),
        }
    }

    /// A fault injected through the control API.
    pub fn injected(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        UpsError::new(
            status,
            "999999",
            "The service is temporarily unavailable (fault injected by the sandbox control API); retry later.",
        )
    }

    pub fn not_found() -> Self {
        UpsError::new(
            StatusCode::NOT_FOUND,
            "404",
            "No such resource: the sandbox serves UPS's OAuth, addressvalidation, rating, shipments and track paths.",
        )
    }

    pub fn internal(message: &str) -> Self {
        UpsError::new(StatusCode::INTERNAL_SERVER_ERROR, "999998", message)
    }

    pub fn body(&self) -> serde_json::Value {
        let errors: Vec<_> =
            self.errors.iter().map(|(code, message)| json!({ "code": code, "message": message })).collect();
        json!({ "response": { "errors": errors } })
    }
}

impl IntoResponse for UpsError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
