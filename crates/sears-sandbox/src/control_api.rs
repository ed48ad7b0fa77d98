//! The JSON control API under `/sandbox/control/` (no Sears auth; the sandbox only listens on loopback). Each route
//! calls the [`SandboxControl`] method of the same name.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::config::SellerCredentials;
use crate::control::{SandboxControl, Shared};
use crate::error::SandboxError;
use crate::faults::FaultSpec;
use crate::marketplace::{CustomerCancel, NewReturnRequest, OrderFilter, OrderRef, PortalShip};
use crate::orders::NewOrder;
use crate::seed::SeedRequest;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/sandbox/control/sellers", get(sellers).post(add_seller))
        .route("/sandbox/control/seed", post(seed))
        .route("/sandbox/control/orders", get(orders).post(create_order))
        .route("/sandbox/control/orders/{po_number}/{po_date}", get(order))
        .route("/sandbox/control/orders/{po_number}/{po_date}/portal-ship", post(portal_ship))
        .route("/sandbox/control/orders/{po_number}/{po_date}/invoice", post(invoice))
        .route("/sandbox/control/orders/{po_number}/{po_date}/customer-cancel", post(customer_cancel))
        .route("/sandbox/control/orders/{po_number}/{po_date}/return-request", post(return_request))
        .route("/sandbox/control/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/sandbox/control/feeds", get(feeds))
        .route("/sandbox/control/feeds/{document_id}", get(feed))
        .route("/sandbox/control/clock", get(clock).post(set_clock))
        .route("/sandbox/control/settings", get(settings).patch(patch_settings))
        .with_state(SandboxControl { shared })
}

type Ctl = State<SandboxControl>;

struct ApiError(SandboxError);

impl From<SandboxError> for ApiError {
    fn from(error: SandboxError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(serde_json::json!({ "error": self.0.to_string() }))).into_response()
    }
}

type Answer<T> = Result<Json<T>, ApiError>;

/// A JSON body; a body that does not parse is answered like every other error, as `{"error": ...}`.
type Body<T> = Result<Json<T>, JsonRejection>;

fn body<T>(payload: Body<T>) -> Result<T, ApiError> {
    payload.map(|Json(value)| value).map_err(|rejection| ApiError(SandboxError::InvalidRequest(rejection.body_text())))
}

/// An optional JSON body: an empty body means the defaults.
fn optional_body<T: Default + serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError(SandboxError::InvalidRequest(format!("Failed to deserialize the JSON body: {e}"))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SellerQuery {
    seller_id: Option<String>,
}

fn order_ref(po_number: String, po_date: String, query: SellerQuery) -> Result<OrderRef, ApiError> {
    let po_date: Date = po_date
        .parse()
        .map_err(|_| ApiError(SandboxError::InvalidRequest(format!("'{po_date}' is not a PO date; use yyyy-MM-dd"))))?;
    Ok(OrderRef { seller_id: query.seller_id, po_number, po_date })
}

async fn sellers(State(ctl): Ctl) -> Json<Vec<SellerCredentials>> {
    Json(ctl.sellers())
}

async fn add_seller(
    State(ctl): Ctl,
    payload: Body<SellerCredentials>,
) -> Result<(StatusCode, Json<SellerCredentials>), ApiError> {
    let credentials = body(payload)?;
    ctl.add_seller(credentials.clone())?;
    Ok((StatusCode::CREATED, Json(credentials)))
}

async fn seed(State(ctl): Ctl, payload: Body<SeedRequest>) -> Answer<crate::seed::SeedSummary> {
    let request = body(payload)?;
    // Seeding tens of thousands of orders is CPU work; keep it off the async workers.
    let summary = tokio::task::spawn_blocking(move || ctl.seed(&request))
        .await
        .map_err(|e| ApiError(SandboxError::InvalidRequest(format!("seeding stopped: {e}"))))??;
    Ok(Json(summary))
}

async fn orders(State(ctl): Ctl, Query(filter): Query<OrderFilter>) -> Answer<Vec<crate::OrderState>> {
    Ok(Json(ctl.orders(&filter)?))
}

async fn create_order(
    State(ctl): Ctl,
    payload: Body<NewOrder>,
) -> Result<(StatusCode, Json<crate::OrderState>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctl.create_order(body(payload)?)?)))
}

async fn order(
    State(ctl): Ctl,
    Path((po_number, po_date)): Path<(String, String)>,
    Query(q): Query<SellerQuery>,
) -> Answer<crate::OrderState> {
    Ok(Json(ctl.order(&order_ref(po_number, po_date, q)?)?))
}

async fn portal_ship(
    State(ctl): Ctl,
    Path((po_number, po_date)): Path<(String, String)>,
    Query(q): Query<SellerQuery>,
    payload: axum::body::Bytes,
) -> Answer<crate::OrderState> {
    let ship: PortalShip = optional_body(&payload)?;
    Ok(Json(ctl.portal_ship(&order_ref(po_number, po_date, q)?, ship)?))
}

async fn invoice(
    State(ctl): Ctl,
    Path((po_number, po_date)): Path<(String, String)>,
    Query(q): Query<SellerQuery>,
) -> Answer<crate::OrderState> {
    Ok(Json(ctl.invoice(&order_ref(po_number, po_date, q)?)?))
}

async fn customer_cancel(
    State(ctl): Ctl,
    Path((po_number, po_date)): Path<(String, String)>,
    Query(q): Query<SellerQuery>,
    payload: axum::body::Bytes,
) -> Answer<crate::OrderState> {
    let request: CustomerCancel = optional_body(&payload)?;
    Ok(Json(ctl.customer_cancel(&order_ref(po_number, po_date, q)?, request)?))
}

async fn return_request(
    State(ctl): Ctl,
    Path((po_number, po_date)): Path<(String, String)>,
    Query(q): Query<SellerQuery>,
    payload: Body<NewReturnRequest>,
) -> Answer<crate::OrderState> {
    Ok(Json(ctl.return_request(&order_ref(po_number, po_date, q)?, body(payload)?)?))
}

async fn faults(State(ctl): Ctl) -> Json<Vec<crate::ActiveFault>> {
    Json(ctl.faults())
}

async fn add_fault(
    State(ctl): Ctl,
    payload: Body<FaultSpec>,
) -> Result<(StatusCode, Json<crate::ActiveFault>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctl.add_fault(body(payload)?))))
}

async fn clear_faults(State(ctl): Ctl) -> StatusCode {
    ctl.clear_faults();
    StatusCode::NO_CONTENT
}

async fn feeds(State(ctl): Ctl, Query(q): Query<SellerQuery>) -> Json<Vec<crate::FeedRecord>> {
    Json(ctl.feeds(q.seller_id.as_deref()))
}

async fn feed(State(ctl): Ctl, Path(document_id): Path<u64>) -> Answer<crate::FeedRecord> {
    ctl.feed(document_id)
        .map(Json)
        .ok_or_else(|| ApiError(SandboxError::InvalidRequest(format!("no feed with document-id {document_id}"))))
}

#[derive(Debug, Serialize)]
struct ClockView {
    now: Timestamp,
    central_today: Date,
    fixed: bool,
}

fn clock_view(ctl: &SandboxControl) -> ClockView {
    ClockView { now: ctl.now(), central_today: ctl.clock().central_today(), fixed: ctl.clock().is_fixed() }
}

async fn clock(State(ctl): Ctl) -> Json<ClockView> {
    Json(clock_view(&ctl))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// RFC 3339 instant to move to.
    #[serde(default)]
    now: Option<Timestamp>,
    #[serde(default)]
    advance_seconds: Option<i64>,
}

async fn set_clock(State(ctl): Ctl, payload: Body<ClockChange>) -> Answer<ClockView> {
    let change = body(payload)?;
    if let Some(now) = change.now {
        ctl.set_time(now);
    }
    if let Some(seconds) = change.advance_seconds {
        ctl.advance(SignedDuration::from_secs(seconds));
    }
    Ok(Json(clock_view(&ctl)))
}

async fn settings(State(ctl): Ctl) -> Json<crate::SandboxSettings> {
    Json(ctl.settings())
}

async fn patch_settings(State(ctl): Ctl, payload: Body<serde_json::Value>) -> Answer<crate::SandboxSettings> {
    Ok(Json(ctl.patch_settings(body(payload)?)?))
}
