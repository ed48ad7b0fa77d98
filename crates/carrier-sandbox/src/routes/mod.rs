//! The HTTP surface: UPS's paths (under the spec's server prefixes) and the control API.

mod address_validation;
mod charges_json;
mod control_api;
mod oauth;
mod rating;
mod request_fields;
mod shipment_facts;
mod shipping;
mod tracking;
mod ups_error;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::Value;

use crate::spec::{self, Api, NormalizedRequest, Profile};
use crate::state::{ClientRegistration, SandboxState};

pub(crate) use ups_error::UpsError;

type SharedState = Arc<SandboxState>;

/// The operation ids (from the specs) by the route that serves them.
const OPERATIONS: &[(&str, &str)] = &[
    ("/security/v1/oauth/token", "CreateToken"),
    ("/api/addressvalidation/{version}/{requestoption}", "AddressValidation"),
    ("/api/rating/{version}/{requestoption}", "Rate"),
    ("/api/shipments/{version}/ship", "Shipment"),
    ("/api/shipments/{version}/void/cancel/{shipmentidentificationnumber}", "VoidShipment"),
    ("/api/track/v1/details/{inquiryNumber}", "getSingleTrackResponseUsingGET"),
    ("/api/track/v1/reference/details/{referenceNumber}", "Reference Tracking API"),
    ("/api/track/v1/shipment/details/{inquiryNumber}", "Shipment Tracking API"),
];

pub(crate) fn router(state: SharedState) -> Router {
    let carrier = Router::new()
        .route("/security/v1/oauth/token", post(oauth::create_token))
        .route("/api/addressvalidation/{version}/{requestoption}", post(address_validation::validate_address))
        .route("/api/rating/{version}/{requestoption}", post(rating::rate))
        .route("/api/shipments/{version}/ship", post(shipping::ship))
        .route("/api/shipments/{version}/void/cancel/{shipmentidentificationnumber}", delete(shipping::void))
        .route("/api/track/v1/details/{inquiryNumber}", get(tracking::by_tracking_number))
        .route("/api/track/v1/reference/details/{referenceNumber}", get(tracking::by_reference))
        .route("/api/track/v1/shipment/details/{inquiryNumber}", get(tracking::by_shipment))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), carrier_gate));
    Router::new().merge(carrier).nest("/sandbox/control", control_api::router()).fallback(not_found).with_state(state)
}

/// Runs before every carrier call: counts it, applies latency, answers an injected server error.
async fn carrier_gate(
    State(state): State<SharedState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let route = matched.as_ref().map(MatchedPath::as_str).unwrap_or_default();
    let operation = OPERATIONS.iter().find(|(path, _)| *path == route).map_or(route, |(_, operation)| operation);
    let (latency, injected_status) = {
        let mut inner = state.lock();
        *inner.calls.entry(operation.to_owned()).or_default() += 1;
        let injected = if inner.faults.server_errors > 0 {
            inner.faults.server_errors -= 1;
            Some(inner.faults.server_error_status)
        } else {
            None
        };
        (inner.latency, injected)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(status) = injected_status {
        return UpsError::injected(status).into_response();
    }
    next.run(request).await
}

async fn not_found() -> Response {
    UpsError::not_found().into_response()
}

/// The client whose bearer token authorizes this call.
pub(crate) fn authorize_client(state: &SandboxState, headers: &HeaderMap) -> Result<ClientRegistration, UpsError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
        })
        .ok_or_else(UpsError::unauthorized)?;
    let now = state.clock.now();
    let mut inner = state.lock();
    if inner.faults.expired_token_checks > 0 {
        inner.faults.expired_token_checks -= 1;
        inner.tokens.remove(&token);
        return Err(UpsError::unauthorized());
    }
    let client_id = match inner.tokens.get(&token) {
        Some(issued) if issued.expires_at > now => issued.client_id.clone(),
        _ => return Err(UpsError::unauthorized()),
    };
    inner.clients.get(&client_id).cloned().ok_or_else(UpsError::unauthorized)
}

/// Parses a JSON body and validates it against the operation's request schema as UPS's gateway
/// does; returns the normalized body (arrays where the spec declares arrays), which also maps
/// pointers back to the body as sent for the handlers' own error messages.
pub(crate) fn read_json_request(
    api: Api,
    method: &str,
    spec_path: &str,
    body: &[u8],
) -> Result<NormalizedRequest, UpsError> {
    let parsed: Value = serde_json::from_slice(body).map_err(|error| UpsError::not_json(&error))?;
    let operation = spec::operation(api, method, spec_path)
        .map_err(|error| UpsError::internal(&format!("the sandbox cannot load its own spec: {error}")))?;
    operation.validate_request(&parsed, Profile::UpsGateway).map_err(|violations| UpsError::schema(&violations))
}
