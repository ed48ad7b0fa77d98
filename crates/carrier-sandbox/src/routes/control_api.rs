//! The control API under `/sandbox/control/` (JSON in, JSON out): the HTTP face of
//! [`SandboxControl`](crate::SandboxControl).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::SharedState;
use crate::control::SandboxControl;
use crate::state::ClientRegistration;

pub(super) fn router() -> Router<SharedState> {
    Router::new()
        .route("/clock", get(clock).put(set_clock))
        .route("/clock/advance", post(advance_clock))
        .route("/faults", get(faults).delete(clear_faults))
        .route("/faults/server-errors", post(server_errors))
        .route("/faults/timeout-after-label", post(timeout_after_label))
        .route("/faults/expire-token", post(expire_token))
        .route("/latency", get(latency).put(set_latency))
        .route("/clients", post(register_client))
        .route("/shipments", get(shipments))
        .route("/labels", get(labels))
        .route("/calls", get(calls))
}

fn control(state: &SharedState) -> SandboxControl {
    SandboxControl::new(state.clone())
}

fn refused(message: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.to_string() }))).into_response()
}

/// A control request whose body did not parse: answered 400 with what was expected.
struct Unparsed(String);

impl IntoResponse for Unparsed {
    fn into_response(self) -> Response {
        refused(self.0)
    }
}

/// Parses a JSON body into `T` (an empty body counts as `{}`).
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], expected: &str) -> Result<T, Unparsed> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|error| Unparsed(format!("{error}: expected a JSON body like {expected}")))
}

fn now_json(control: &SandboxControl) -> Response {
    Json(json!({ "now": control.now().to_string() })).into_response()
}

async fn clock(State(state): State<SharedState>) -> Response {
    now_json(&control(&state))
}

#[derive(Deserialize)]
struct SetClock {
    now: Timestamp,
}

async fn set_clock(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<SetClock>(&body, r#"{"now": "2026-03-02T15:00:00Z"}"#) {
        Ok(request) => {
            let control = control(&state);
            control.set_clock(request.now);
            now_json(&control)
        }
        Err(unparsed) => unparsed.into_response(),
    }
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<Advance>(&body, r#"{"seconds": 7200}"#) {
        Ok(request) => {
            let control = control(&state);
            control.advance_clock(SignedDuration::from_secs(request.seconds));
            now_json(&control)
        }
        Err(unparsed) => unparsed.into_response(),
    }
}

fn faults_json(control: &SandboxControl) -> Response {
    Json(json!({
        "faults": control.faults(),
        "latency_ms": u64::try_from(control.latency().as_millis()).unwrap_or(u64::MAX),
    }))
    .into_response()
}

async fn faults(State(state): State<SharedState>) -> Response {
    faults_json(&control(&state))
}

async fn clear_faults(State(state): State<SharedState>) -> Response {
    let control = control(&state);
    control.clear_faults();
    faults_json(&control)
}

fn default_count() -> u32 {
    1
}

fn default_status() -> u16 {
    503
}

#[derive(Deserialize)]
struct ServerErrors {
    #[serde(default = "default_count")]
    count: u32,
    #[serde(default = "default_status")]
    status: u16,
}

async fn server_errors(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    let request = match parse::<ServerErrors>(&body, r#"{"count": 3, "status": 503}"#) {
        Ok(request) => request,
        Err(unparsed) => return unparsed.into_response(),
    };
    let control = control(&state);
    match control.fail_next_calls(request.count, request.status) {
        Ok(()) => faults_json(&control),
        Err(error) => refused(error),
    }
}

#[derive(Deserialize)]
struct Count {
    #[serde(default = "default_count")]
    count: u32,
}

async fn timeout_after_label(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<Count>(&body, r#"{"count": 1}"#) {
        Ok(request) => {
            let control = control(&state);
            control.timeout_after_label(request.count);
            faults_json(&control)
        }
        Err(unparsed) => unparsed.into_response(),
    }
}

async fn expire_token(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<Count>(&body, r#"{"count": 1}"#) {
        Ok(request) => {
            let control = control(&state);
            control.expire_next_token_checks(request.count);
            faults_json(&control)
        }
        Err(unparsed) => unparsed.into_response(),
    }
}

async fn latency(State(state): State<SharedState>) -> Response {
    faults_json(&control(&state))
}

#[derive(Deserialize)]
struct Latency {
    ms: u64,
}

async fn set_latency(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<Latency>(&body, r#"{"ms": 300}"#) {
        Ok(request) => {
            let control = control(&state);
            control.set_latency(std::time::Duration::from_millis(request.ms));
            faults_json(&control)
        }
        Err(unparsed) => unparsed.into_response(),
    }
}

#[derive(Deserialize)]
struct RegisterClient {
    client_id: String,
    client_secret: SecretString,
    account_number: String,
    #[serde(default)]
    negotiated_discount_percent: u8,
}

async fn register_client(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    let request = match parse::<RegisterClient>(
        &body,
        r#"{"client_id": "id", "client_secret": "secret", "account_number": "A1B2C3"}"#,
    ) {
        Ok(request) => request,
        Err(unparsed) => return unparsed.into_response(),
    };
    let client_id = request.client_id.clone();
    let account_number = request.account_number.clone();
    let registration = ClientRegistration {
        client_id: request.client_id,
        client_secret: request.client_secret,
        account_number: request.account_number,
        negotiated_discount_percent: request.negotiated_discount_percent,
    };
    match control(&state).register_client(registration) {
        Ok(()) => (StatusCode::CREATED, Json(json!({ "client_id": client_id, "account_number": account_number })))
            .into_response(),
        Err(error) => refused(error),
    }
}

async fn shipments(State(state): State<SharedState>) -> Response {
    let shipments: Vec<serde_json::Value> = control(&state)
        .shipments()
        .iter()
        .map(|shipment| {
            let mut value = serde_json::to_value(shipment).unwrap_or_default();
            value["voided"] = json!(shipment.voided());
            value
        })
        .collect();
    Json(json!({ "shipments": shipments })).into_response()
}

async fn labels(State(state): State<SharedState>) -> Response {
    Json(json!({ "labels_by_reference": control(&state).labels_by_reference() })).into_response()
}

async fn calls(State(state): State<SharedState>) -> Response {
    Json(json!({ "calls": control(&state).calls() })).into_response()
}
