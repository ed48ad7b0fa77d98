//! `POST /security/v1/oauth/token`: OAuth client credentials, HTTP Basic, tokens that expire on
//! the sandbox clock.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::SignedDuration;
use rand::RngCore;
use serde_json::{Value, json};

use super::{SharedState, UpsError};
use crate::spec::{self, Api, Profile};
use crate::state::IssuedToken;

fn invalid_client(message: &str) -> UpsError {
    UpsError::new(StatusCode::UNAUTHORIZED, "10401", message)
}

/// (client id, secret) from `Authorization: Basic base64(id:secret)`.
fn basic_credentials(headers: &HeaderMap) -> Result<(String, String), UpsError> {
    let missing = || {
        invalid_client(
            "ClientId is Invalid: send the client id and secret as HTTP Basic credentials (Authorization: Basic base64(id:secret)).",
        )
    };
    let value = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).ok_or_else(missing)?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(missing());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| missing())?;
    let decoded = String::from_utf8(decoded).map_err(|_| missing())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(missing)?;
    Ok((id.to_owned(), secret.to_owned()))
}

/// The form body as a JSON object of its fields, for the spec's form schema.
fn form_fields(body: &[u8]) -> Value {
    let fields: BTreeMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    json!(fields)
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) async fn create_token(State(state): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    match issue(&state, &headers, &body) {
        Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn issue(state: &SharedState, headers: &HeaderMap, body: &[u8]) -> Result<Value, UpsError> {
    let (client_id, secret) = basic_credentials(headers)?;
    let form = form_fields(body);
    let operation = spec::operation(Api::OAuth, "POST", "/security/v1/oauth/token")
        .map_err(|error| UpsError::internal(&error.to_string()))?;
    operation.validate_request(&form, Profile::UpsGateway).map_err(|violations| UpsError::schema(&violations))?;
    let grant_type = form.get("grant_type").and_then(Value::as_str).unwrap_or_default();
    if grant_type != "client_credentials" {
        return Err(UpsError::bad_request(
            "10400",
            format!("Invalid/Unsupported Grant Type {grant_type:?}: use grant_type=client_credentials."),
        ));
    }
    let now = state.clock.now();
    let lifetime = SignedDuration::try_from(state.token_lifetime).unwrap_or(SignedDuration::MAX);
    let mut inner = state.lock();
    if inner.authenticate_client(&client_id, &secret).is_none() {
        return Err(invalid_client(
            "Invalid client credentials: the client id is not registered or the secret does not match.",
        ));
    }
    let token = new_token();
    let expires_at = now.saturating_add(lifetime).unwrap_or(jiff::Timestamp::MAX);
    inner.tokens.insert(token.clone(), IssuedToken { client_id: client_id.clone(), expires_at });
    Ok(json!({
        "token_type": "Bearer",
        "issued_at": now.as_millisecond().to_string(),
        "client_id": client_id,
        "access_token": token,
        "scope": "",
        "expires_in": state.token_lifetime.as_secs().to_string(),
        "refresh_count": "0",
        "status": "approved",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_become_json_objects() {
        let fields = form_fields(b"grant_type=client_credentials&x=a%20b+c&flag");
        assert_eq!(fields, json!({ "grant_type": "client_credentials", "x": "a b c", "flag": "" }));
    }
}
