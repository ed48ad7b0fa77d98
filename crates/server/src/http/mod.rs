//! The HTTP surface: health, Prometheus metrics, and the JSON API (orders in ShipStation's shape).

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Deserialize;
use serde_json::json;
use wharf_app::App;
use wharf_domain::OrderStatus;
use wharf_storage::{OrderFilter, StorageError};

#[derive(Clone)]
pub struct HttpState {
    pub app: App,
    pub metrics: PrometheusHandle,
}

/// Installs the process-wide Prometheus recorder (once) and returns its handle.
pub fn metrics_handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new().install_recorder()?;
    Ok(HANDLE.get_or_init(|| handle).clone())
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/orders", get(list_orders))
        .route("/api/orders/{id}", get(show_order))
        .route("/api/stores", get(list_stores))
        .layer(middleware::from_fn(track_requests))
        .with_state(state)
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    state: HttpState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Request counts and durations keyed by the matched route (not the raw path: ids would explode the labels).
async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route =
        request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("wharf_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("wharf_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

async fn healthz(State(state): State<HttpState>) -> Response {
    match state.app.store.default_account(state.app.now()).await {
        Ok(_) => Json(json!({"status": "ok", "database": state.app.store.backend()})).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "error": e.to_string()})))
            .into_response(),
    }
}

async fn metrics(State(state): State<HttpState>) -> String {
    state.metrics.render()
}

/// Errors become JSON `{ "error": … }` with the status code that fits, in one place.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound { .. } => ApiError(StatusCode::NOT_FOUND, e.to_string()),
            StorageError::Duplicate { .. } | StorageError::Conflict { .. } => {
                ApiError(StatusCode::CONFLICT, e.to_string())
            }
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log".into())
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderQuery {
    order_status: Option<String>,
    store_id: Option<String>,
    page_size: Option<u32>,
    page: Option<u32>,
}

async fn list_orders(State(state): State<HttpState>, Query(q): Query<OrderQuery>) -> Result<Response, ApiError> {
    let app = &state.app;
    let account = app.store.default_account(app.now()).await?.account_id;
    let status = q
        .order_status
        .map(|s| s.parse::<OrderStatus>())
        .transpose()
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    let store_id = q
        .store_id
        .map(|s| s.parse())
        .transpose()
        .map_err(|e: wharf_domain::ParseError| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    let page_size = q.page_size.unwrap_or(100).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let filter = OrderFilter {
        status,
        store_id,
        limit: Some(page_size),
        offset: Some((page - 1) * page_size),
        ..Default::default()
    };
    let total = app.store.count_orders(&account, &OrderFilter { limit: None, offset: None, ..filter.clone() }).await?;
    let orders = app.store.list_orders(&account, &filter).await?;
    let pages = total.div_ceil(u64::from(page_size));
    Ok(Json(json!({"orders": orders, "total": total, "page": page, "pages": pages})).into_response())
}

async fn show_order(State(state): State<HttpState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let app = &state.app;
    let account = app.store.default_account(app.now()).await?.account_id;
    let id = id.parse().map_err(|e: wharf_domain::ParseError| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    let order = app.store.get_order(&account, &id).await?;
    Ok(Json(order).into_response())
}

async fn list_stores(State(state): State<HttpState>) -> Result<Response, ApiError> {
    let app = &state.app;
    let account = app.store.default_account(app.now()).await?.account_id;
    Ok(Json(app.store.list_stores(&account).await?).into_response())
}
