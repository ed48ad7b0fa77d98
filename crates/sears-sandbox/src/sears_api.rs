//! The Sears seller API under `/SellerPortal/api`: the gate every call passes (faults, the per-IP limit, HMAC
//! auth) and one handler per endpoint. Errors travel as HTTP 200 with an `api-response/error-detail`, as Sears does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Router};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::auth::{self, AuthFailure};
use crate::carriers;
use crate::control::Shared;
use crate::envelopes;
use crate::faults::FaultKind;
use crate::marketplace::{FeedKind, Marketplace, PoQuery};
use crate::po_response::PoVersion;
use crate::rate_limit::FeedClass;
use crate::requests::RequestFilter;

/// Feeds of tens of thousands of shipments are a few megabytes; axum's 2 MB default would refuse them.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// The seller a request authenticated as.
#[derive(Debug, Clone)]
struct AuthedSeller(String);

type Params = Query<HashMap<String, String>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/SellerPortal/api/oms/purchaseorder/{version}", get(purchase_orders))
        .route("/SellerPortal/api/oms/asn/{version}", put(asn))
        .route("/SellerPortal/api/oms/order/cancel/{version}", put(order_cancel))
        .route("/SellerPortal/api/reports/{version}/processing-report/{document_id}", get(processing_report))
        .route("/SellerPortal/api/oms/shipping-carrier/{version}", get(shipping_carriers))
        .route("/SellerPortal/api/oms/cancellationrequest/{version}", get(cancellation_requests))
        .route("/SellerPortal/api/oms/returnsrequest/{version}", get(return_requests))
        .route("/SellerPortal/api/sandbox/oms/createpo/{version}", put(create_po))
        .route_layer(middleware::from_fn_with_state(shared.clone(), gate))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

pub(crate) fn xml(body: Vec<u8>) -> Response {
    xml_bytes(Bytes::from(body))
}

fn xml_bytes(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml;charset=UTF-8"));
    response
}

fn error_detail(text: &str) -> Response {
    xml(envelopes::error_detail(text))
}

/// HTTP 403 with the plain text `rate limited` and no rate-limit headers (SPEC.md §3.2).
fn rate_limited() -> Response {
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain")], "rate limited").into_response()
}

/// The HTML page of a Sears outage (SPEC.md §3.2).
fn server_error_page() -> Response {
    const PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sears Server Error</title></head>\
        <body><h1>Sears Server Error</h1><p>We are sorry, but an error occurred while processing your request. \
        Please try again later.</p></body></html>\n";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html; charset=UTF-8")], PAGE).into_response()
}

/// Faults first (they imitate the infrastructure in front of Sears), then the per-IP limit, then authentication.
async fn gate(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let fault = {
        let now = shared.clock.now();
        shared.market().faults.take(request.method().as_str(), request.uri().path(), now)
    };
    match &fault {
        Some(FaultKind::RateLimit) => return rate_limited(),
        Some(FaultKind::Html500) => return server_error_page(),
        Some(FaultKind::AuthFailure) => {
            let text = shared.market().settings.auth.texts.bad_signature.clone();
            return error_detail(&text);
        }
        Some(FaultKind::Slow { millis }) => tokio::time::sleep(Duration::from_millis(*millis)).await,
        _ => {}
    }
    let admitted = {
        let now = shared.clock.now();
        let mut market = shared.market();
        let limits = market.settings.limits.clone();
        if market.limiter.allow_call(peer.ip(), now, &limits) {
            authenticate(&market, &request, now).map_err(|text| error_detail(&text))
        } else {
            Err(rate_limited())
        }
    };
    match admitted {
        Ok(seller_id) => request.extensions_mut().insert(AuthedSeller(seller_id)),
        Err(response) => return response,
    };
    let response = next.run(request).await;
    match fault {
        Some(FaultKind::TimeoutAfterApply { hold_millis }) => {
            hold_then_drop(&shared, hold_millis.unwrap_or(FaultKind::DEFAULT_HOLD_MILLIS)).await
        }
        Some(FaultKind::MalformedXml) => truncate(response).await,
        _ => response,
    }
}

/// The seller id a request may act for, or the `error-detail` text that refuses it.
fn authenticate(market: &Marketplace, request: &Request, now: Timestamp) -> Result<String, String> {
    let settings = &market.settings.auth;
    let fail = |failure: AuthFailure| failure.text(settings).to_owned();
    let value = request.headers().get(header::AUTHORIZATION).ok_or_else(|| fail(AuthFailure::MissingHeader))?;
    let value = value.to_str().map_err(|_| fail(AuthFailure::MalformedHeader))?;
    let parsed = auth::parse_header(value).map_err(fail)?;
    let params: HashMap<String, String> = Params::try_from_uri(request.uri()).map(|q| q.0).unwrap_or_default();
    let seller_id =
        params.get("sellerId").filter(|id| !id.is_empty()).ok_or_else(|| fail(AuthFailure::MissingSellerId))?;
    let seller = market.seller(seller_id).ok_or_else(|| fail(AuthFailure::UnknownSeller))?;
    auth::verify(&parsed, &seller.credentials, now, settings).map_err(fail)?;
    Ok(seller_id.clone())
}

/// Holds the (already applied) call past any sensible client timeout, then drops the connection unanswered.
async fn hold_then_drop(shared: &Shared, hold_millis: u64) -> Response {
    let mut shutdown = shared.shutdown.subscribe();
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(hold_millis)) => {}
        _ = shutdown.wait_for(|stopped| *stopped) => {}
    }
    // A body that fails makes hyper abort the connection instead of completing a response.
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other(
            "sandbox fault: connection dropped after the call was applied",
        ))
    });
    Response::new(Body::from_stream(broken))
}

/// Keeps the status and headers but cuts the body to about 60%: no longer well-formed XML.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut cut = (bytes.len() * 3 / 5).max(1).min(bytes.len());
    while cut > 0 && cut < bytes.len() && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1; // stay on a UTF-8 character boundary
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..cut)))
}

fn unsupported(api: &str, version: &str, supported: &str) -> Response {
    error_detail(&format!("Unsupported version {api}/{version}; this service accepts {supported}"))
}

fn date_param(params: &HashMap<String, String>, name: &str) -> Result<Option<Date>, String> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(value) => value
            .parse::<Date>()
            .ok()
            .filter(|_| value.len() == 10)
            .map(Some)
            .ok_or_else(|| format!("Invalid {name} '{value}'; expected a date as yyyy-MM-dd")),
    }
}

fn text_param(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

async fn purchase_orders(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
    Query(params): Params,
) -> Response {
    let Some(version) = PoVersion::from_path(&version) else {
        return unsupported("oms/purchaseorder", &version, "v4 to v19");
    };
    let query = (|| {
        Ok::<_, String>(PoQuery {
            status: text_param(&params, "status"),
            from: date_param(&params, "fromdate")?,
            to: date_param(&params, "todate")?,
            po_number: text_param(&params, "ponumber"),
            po_date: date_param(&params, "podate")?,
        })
    })();
    match query {
        Ok(query) => xml(shared.market().purchase_orders(&seller_id, version, &query)),
        Err(text) => error_detail(&text),
    }
}

fn receive(shared: &Shared, seller_id: &str, kind: FeedKind, class: FeedClass, body: &[u8]) -> Response {
    let now = shared.clock.now();
    let mut market = shared.market();
    let limits = market.settings.limits.clone();
    if !market.limiter.allow_feed(seller_id, class, now, &limits) {
        market.record_rate_limited(seller_id, kind, body, now);
        return rate_limited();
    }
    xml(market.receive_feed(seller_id, kind, body, now))
}

async fn asn(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
    body: Bytes,
) -> Response {
    if version != "v7" {
        return unsupported("oms/asn", &version, "v7");
    }
    receive(&shared, &seller_id, FeedKind::Asn, FeedClass::Asn, &body)
}

async fn order_cancel(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
    body: Bytes,
) -> Response {
    if version != "v1" {
        return unsupported("oms/order/cancel", &version, "v1");
    }
    receive(&shared, &seller_id, FeedKind::OrderCancel, FeedClass::OrderUpdate, &body)
}

async fn processing_report(
    State(shared): State<Arc<Shared>>,
    Path((version, document_id)): Path<(String, String)>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
) -> Response {
    if version != "v1" {
        return unsupported("reports", &version, "v1");
    }
    let Ok(id) = document_id.parse::<u64>() else {
        return error_detail(&format!("Invalid document-id '{document_id}'; it is the number a PUT answered with"));
    };
    let now = shared.clock.now();
    xml(shared.market().processing_report(&seller_id, id, now))
}

async fn shipping_carriers(Path(version): Path<String>) -> Response {
    if version != "v1" {
        return unsupported("oms/shipping-carrier", &version, "v1");
    }
    xml_bytes(Bytes::from_static(carriers::document()))
}

fn request_filter(params: &HashMap<String, String>) -> Result<RequestFilter, String> {
    Ok(RequestFilter {
        status: text_param(params, "status"),
        from: date_param(params, "fromdate")?,
        to: date_param(params, "todate")?,
    })
}

async fn cancellation_requests(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
    Query(params): Params,
) -> Response {
    if version != "v1" {
        return unsupported("oms/cancellationrequest", &version, "v1");
    }
    match request_filter(&params) {
        Ok(filter) => xml(shared.market().cancel_requests_feed(&seller_id, &filter)),
        Err(text) => error_detail(&text),
    }
}

async fn return_requests(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
    Query(params): Params,
) -> Response {
    if version != "v1" {
        return unsupported("oms/returnsrequest", &version, "v1");
    }
    match request_filter(&params) {
        Ok(filter) => xml(shared.market().return_requests_feed(&seller_id, &filter)),
        Err(text) => error_detail(&text),
    }
}

/// The name of `createpo`'s item-id parameter; Sears's own is unknown (SPEC.md §11, §17.10).
pub const CREATE_PO_ITEM_IDS_PARAM: &str = "itemIds";

async fn create_po(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    Extension(AuthedSeller(seller_id)): Extension<AuthedSeller>,
    Query(params): Params,
) -> Response {
    if version != "v1" {
        return unsupported("sandbox/oms/createpo", &version, "v1");
    }
    let ids: Vec<&str> = params
        .get(CREATE_PO_ITEM_IDS_PARAM)
        .map(|v| v.split(',').map(str::trim).filter(|id| !id.is_empty()).collect())
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > 5 {
        return error_detail(&format!(
            "{CREATE_PO_ITEM_IDS_PARAM} must list 1 to 5 comma-separated item ids; got {}",
            ids.len()
        ));
    }
    let now = shared.clock.now();
    match shared.market().create_test_po(&seller_id, &ids, now) {
        Ok(state) => xml(envelopes::processing_message(&format!(
            "Purchase order {} dated {} created with {} line(s)",
            state.order.po_number,
            state.order.po_date,
            state.order.lines.len()
        ))),
        Err(error) => error_detail(&error.to_string()),
    }
}
