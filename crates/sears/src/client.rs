//! The HTTP client: one [`SearsClient`] per store's credentials, all sharing one [`RateLimiter`].
//!
//! TLS: reqwest is built with rustls and NO crypto provider (the workspace picks ring). A binary must
//! install one before creating a client:
//! `rustls::crypto::ring::default_provider().install_default()`; otherwise [`SearsClient::new`] returns
//! [`SearsError::Configuration`] instead of letting reqwest panic.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use url::Url;

use crate::api_response::{ApiOutcome, ApiResponse, DocumentId, ErrorDetailKind, classify_error_detail};
use crate::asn::ShipmentFeed;
use crate::cancel::OrderCancelFeed;
use crate::carriers::ShippingCarriers;
use crate::clock::{Clock, SystemClock};
use crate::decode::root_element;
use crate::error::{DecodeError, SearsError};
use crate::lexical::format_date;
use crate::limits::{Admission, CallKind, RateLimitReason, RateLimiter};
use crate::processing_report::ProcessingReport;
use crate::purchase_order::PoResponse;
use crate::requests::{OrderCancelRequestFeed, OrderReturnsRequestFeed};
use crate::signing::{Credentials, sign};

pub const PRODUCTION_BASE_URL: &str = "https://seller.marketplace.sears.com";

/// The Sears API called, for errors and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointKind {
    PurchaseOrders,
    Asn,
    OrderCancel,
    ProcessingReport,
    ShippingCarriers,
    CancellationRequests,
    ReturnRequests,
}

impl EndpointKind {
    /// PUTs: feeds that change orders at Sears (not idempotent).
    pub fn is_write(self) -> bool {
        matches!(self, EndpointKind::Asn | EndpointKind::OrderCancel)
    }

    pub fn call_kind(self) -> CallKind {
        match self {
            EndpointKind::Asn => CallKind::AsnFeed,
            EndpointKind::OrderCancel => CallKind::OrderUpdateFeed,
            _ => CallKind::Read,
        }
    }

    fn method(self) -> Method {
        if self.is_write() { Method::PUT } else { Method::GET }
    }
}

/// An endpoint with its version, e.g. `GET oms/purchaseorder/v19`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub kind: EndpointKind,
    /// Path below `/SellerPortal/api/`, e.g. `oms/purchaseorder/v19`.
    pub path: String,
}

impl Endpoint {
    pub fn is_write(&self) -> bool {
        self.kind.is_write()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.method(), self.path)
    }
}

/// The version used for each API. Only the defaults are tested against Sears's schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersions {
    pub purchase_order: u32,
    pub asn: u32,
    pub order_cancel: u32,
    pub shipping_carrier: u32,
    pub cancellation_request: u32,
    pub returns_request: u32,
    pub processing_report: u32,
}

impl Default for ApiVersions {
    fn default() -> Self {
        ApiVersions {
            purchase_order: 19,
            asn: crate::asn::ASN_VERSION,
            order_cancel: crate::cancel::ORDER_CANCEL_VERSION,
            shipping_carrier: 1,
            cancellation_request: 1,
            returns_request: 1,
            processing_report: 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearsConfig {
    /// Scheme, host and port; the client appends `/SellerPortal/api/...`.
    pub base_url: Url,
    /// For the whole exchange, body included (a day of orders can be a large document).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub versions: ApiVersions,
    /// How far in the past the signature's timestamp is put: Sears accepts a signature for 30 minutes after
    /// its timestamp and a future timestamp is probably refused, so a little in the past absorbs clock skew.
    pub signature_backdate: SignedDuration,
    pub user_agent: String,
}

impl Default for SearsConfig {
    fn default() -> Self {
        SearsConfig {
            base_url: Url::parse(PRODUCTION_BASE_URL).expect("the production URL is valid"),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            versions: ApiVersions::default(),
            signature_backdate: SignedDuration::from_secs(60),
            user_agent: format!("Wharf/{} (Sears Marketplace client)", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Which purchase orders to fetch (SPEC §4.1). Sears has no paging: ask by day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoQuery {
    /// e.g. `New`, `Open`, `Closed`.
    Status(String),
    /// PO dates (US Central) from `from` to `to` inclusive, optionally of one status.
    Dates { from: Date, to: Date, status: Option<String> },
    /// One PO number (optionally with its date, since numbers repeat over time).
    PoNumber { po_number: String, po_date: Option<Date> },
}

/// Filters of the cancellation- and return-request exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestQuery {
    pub status: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// A client for one store (one set of credentials).
#[derive(Debug, Clone)]
pub struct SearsClient {
    http: reqwest::Client,
    config: Arc<SearsConfig>,
    credentials: Credentials,
    limiter: RateLimiter,
    clock: Arc<dyn Clock>,
}

impl SearsClient {
    /// A client with the system clock.
    pub fn new(config: SearsConfig, credentials: Credentials, limiter: RateLimiter) -> Result<Self, SearsError> {
        Self::with_clock(config, credentials, limiter, Arc::new(SystemClock))
    }

    pub fn with_clock(
        config: SearsConfig,
        credentials: Credentials,
        limiter: RateLimiter,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, SearsError> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(SearsError::Configuration {
                problem: "no TLS crypto provider is installed; the program must call \
                          rustls::crypto::ring::default_provider().install_default() at start-up"
                    .into(),
            });
        }
        if config.base_url.cannot_be_a_base() || !matches!(config.base_url.scheme(), "http" | "https") {
            return Err(SearsError::Configuration {
                problem: format!("the Sears base URL '{}' is not an http(s) URL", config.base_url),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| SearsError::Configuration { problem: format!("cannot build the HTTP client: {e}") })?;
        Ok(SearsClient { http, config: Arc::new(config), credentials, limiter, clock })
    }

    /// Another store's client sharing this one's connections, configuration, limiter and clock.
    pub fn for_credentials(&self, credentials: Credentials) -> SearsClient {
        SearsClient { credentials, ..self.clone() }
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    pub fn config(&self) -> &SearsConfig {
        &self.config
    }

    fn endpoint(&self, kind: EndpointKind) -> Endpoint {
        let v = &self.config.versions;
        let path = match kind {
            EndpointKind::PurchaseOrders => format!("oms/purchaseorder/v{}", v.purchase_order),
            EndpointKind::Asn => format!("oms/asn/v{}", v.asn),
            EndpointKind::OrderCancel => format!("oms/order/cancel/v{}", v.order_cancel),
            EndpointKind::ProcessingReport => {
                format!("reports/v{}/processing-report", v.processing_report)
            }
            EndpointKind::ShippingCarriers => {
                format!("oms/shipping-carrier/v{}", v.shipping_carrier)
            }
            EndpointKind::CancellationRequests => {
                format!("oms/cancellationrequest/v{}", v.cancellation_request)
            }
            EndpointKind::ReturnRequests => format!("oms/returnsrequest/v{}", v.returns_request),
        };
        Endpoint { kind, path }
    }

    /// Purchase orders matching `query`. `No POs found` is an empty response. Orders that are well-formed
    /// but unreadable are listed in [`PoResponse::unreadable`] with the reason.
    pub async fn purchase_orders(&self, query: &PoQuery) -> Result<PoResponse, SearsError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        match query {
            PoQuery::Status(status) => params.push(("status", status.clone())),
            PoQuery::Dates { from, to, status } => {
                if from > to {
                    return Err(SearsError::InvalidRequest {
                        problem: format!("the date window starts ({from}) after it ends ({to})"),
                    });
                }
                if let Some(status) = status {
                    params.push(("status", status.clone()));
                }
                params.push(("fromdate", format_date(*from)));
                params.push(("todate", format_date(*to)));
            }
            PoQuery::PoNumber { po_number, po_date } => {
                if po_number.is_empty() || !po_number.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SearsError::InvalidRequest {
                        problem: format!("'{po_number}' is not a Sears PO number (digits)"),
                    });
                }
                params.push(("ponumber", po_number.clone()));
                if let Some(date) = po_date {
                    params.push(("podate", format_date(*date)));
                }
            }
        }
        let endpoint = self.endpoint(EndpointKind::PurchaseOrders);
        let body = self.exchange(&endpoint, &endpoint.path, &params, None).await?;
        self.read_export(&endpoint, body, "po-response", Some(PoResponse::default), PoResponse::parse)
    }

    pub async fn purchase_orders_by_status(&self, status: &str) -> Result<PoResponse, SearsError> {
        self.purchase_orders(&PoQuery::Status(status.to_owned())).await
    }

    /// Orders dated `from` to `to` (US Central dates, inclusive).
    pub async fn purchase_orders_between(&self, from: Date, to: Date) -> Result<PoResponse, SearsError> {
        self.purchase_orders(&PoQuery::Dates { from, to, status: None }).await
    }

    pub async fn purchase_order(&self, po_number: &str, po_date: Option<Date>) -> Result<PoResponse, SearsError> {
        self.purchase_orders(&PoQuery::PoNumber { po_number: po_number.to_owned(), po_date }).await
    }

    /// Sends an ASN feed; returns the document id to poll the processing report with. NOT idempotent:
    /// when [`SearsError::outcome_unknown`] is true, re-read the purchase orders before sending again.
    pub async fn send_asn(&self, feed: &ShipmentFeed) -> Result<DocumentId, SearsError> {
        let xml = feed.to_xml_version(self.config.versions.asn)?;
        let endpoint = self.endpoint(EndpointKind::Asn);
        self.put_feed(&endpoint, xml).await
    }

    /// Sends a line-cancel feed (counts against the order-updates limit). NOT idempotent.
    pub async fn send_order_cancel(&self, feed: &OrderCancelFeed) -> Result<DocumentId, SearsError> {
        let xml = feed.to_xml_version(self.config.versions.order_cancel)?;
        let endpoint = self.endpoint(EndpointKind::OrderCancel);
        self.put_feed(&endpoint, xml).await
    }

    /// The processing report of a feed; `In Process` until Sears has processed it.
    pub async fn processing_report(&self, document_id: DocumentId) -> Result<ProcessingReport, SearsError> {
        let endpoint = self.endpoint(EndpointKind::ProcessingReport);
        let path = format!("{}/{document_id}", endpoint.path);
        let body = self.exchange(&endpoint, &path, &[], None).await?;
        // A report has no empty form: `No ... found` there is an error.
        self.read_export(&endpoint, body, "processing-report", None, |body| ProcessingReport::parse(body))
    }

    /// The marketplace's carriers and methods (the codes an ASN may use).
    pub async fn shipping_carriers(&self) -> Result<ShippingCarriers, SearsError> {
        let endpoint = self.endpoint(EndpointKind::ShippingCarriers);
        let body = self.exchange(&endpoint, &endpoint.path, &[], None).await?;
        self.read_export(&endpoint, body, "shipping-carriers", None, |body| ShippingCarriers::parse(body))
    }

    /// Buyers' requests to cancel lines. A `No ... found` answer is an empty feed.
    pub async fn cancellation_requests(&self, query: &RequestQuery) -> Result<OrderCancelRequestFeed, SearsError> {
        let endpoint = self.endpoint(EndpointKind::CancellationRequests);
        let params = request_params(query)?;
        let body = self.exchange(&endpoint, &endpoint.path, &params, None).await?;
        let empty = Some(OrderCancelRequestFeed::default as fn() -> OrderCancelRequestFeed);
        self.read_export(&endpoint, body, "order-cancel-request-feed", empty, |body| {
            OrderCancelRequestFeed::parse(body)
        })
    }

    /// Buyers' return requests. A `No ... found` answer is an empty feed.
    pub async fn return_requests(&self, query: &RequestQuery) -> Result<OrderReturnsRequestFeed, SearsError> {
        let endpoint = self.endpoint(EndpointKind::ReturnRequests);
        let params = request_params(query)?;
        let body = self.exchange(&endpoint, &endpoint.path, &params, None).await?;
        let empty = Some(OrderReturnsRequestFeed::default as fn() -> OrderReturnsRequestFeed);
        self.read_export(&endpoint, body, "order-returns-request-feed", empty, |body| {
            OrderReturnsRequestFeed::parse(body)
        })
    }

    async fn put_feed(&self, endpoint: &Endpoint, xml: String) -> Result<DocumentId, SearsError> {
        let body = self.exchange(endpoint, &endpoint.path, &[], Some(xml)).await?;
        let malformed = |error: DecodeError| SearsError::MalformedXml { endpoint: endpoint.clone(), error };
        let root = root_element(&body).map_err(malformed)?;
        if root != "api-response" {
            return Err(SearsError::UnexpectedDocument { endpoint: endpoint.clone(), found: root });
        }
        let response = ApiResponse::parse(&body).map_err(malformed)?;
        match response.outcome {
            ApiOutcome::DocumentId(id) => Ok(id),
            ApiOutcome::ErrorDetail(message) | ApiOutcome::ProcessingMessage(message) => {
                Err(self.error_detail(endpoint, message))
            }
            ApiOutcome::Nothing => Err(SearsError::UnexpectedDocument {
                endpoint: endpoint.clone(),
                found: "api-response without document-id or error-detail".into(),
            }),
        }
    }

    fn error_detail(&self, endpoint: &Endpoint, message: String) -> SearsError {
        match classify_error_detail(&message) {
            ErrorDetailKind::Authentication => SearsError::Authentication { endpoint: endpoint.clone(), message },
            ErrorDetailKind::NothingFound | ErrorDetailKind::Other => {
                SearsError::Rejected { endpoint: endpoint.clone(), message }
            }
        }
    }

    /// Reads the answer to a GET: the expected document, or an `api-response` (`empty` result when Sears
    /// says `No ... found` and the export has an empty form, an error otherwise).
    fn read_export<T>(
        &self,
        endpoint: &Endpoint,
        body: Bytes,
        expected_root: &str,
        empty: Option<fn() -> T>,
        parse: impl FnOnce(&Bytes) -> Result<T, DecodeError>,
    ) -> Result<T, SearsError> {
        let malformed = |error: DecodeError| SearsError::MalformedXml { endpoint: endpoint.clone(), error };
        let root = root_element(&body).map_err(malformed)?;
        if root == "api-response" {
            let response = ApiResponse::parse(&body).map_err(malformed)?;
            return match response.outcome {
                ApiOutcome::ErrorDetail(message) => match (classify_error_detail(&message), empty) {
                    (ErrorDetailKind::NothingFound, Some(empty)) => Ok(empty()),
                    _ => Err(self.error_detail(endpoint, message)),
                },
                ApiOutcome::ProcessingMessage(message) => Err(self.error_detail(endpoint, message)),
                ApiOutcome::DocumentId(_) | ApiOutcome::Nothing => {
                    Err(SearsError::UnexpectedDocument { endpoint: endpoint.clone(), found: root })
                }
            };
        }
        let single_order = endpoint.kind == EndpointKind::PurchaseOrders && root == "purchase-order";
        if root != expected_root && !single_order {
            return Err(SearsError::UnexpectedDocument { endpoint: endpoint.clone(), found: root });
        }
        parse(&body).map_err(malformed)
    }

    /// Admission, signing, sending, and the HTTP-level answers (rate limit, outage, status).
    async fn exchange(
        &self,
        endpoint: &Endpoint,
        path: &str,
        params: &[(&str, String)],
        body: Option<String>,
    ) -> Result<Bytes, SearsError> {
        self.admit(endpoint).await?;
        let mut url = self
            .config
            .base_url
            .join(&format!("/SellerPortal/api/{path}"))
            .map_err(|e| SearsError::Configuration { problem: format!("cannot build the Sears URL: {e}") })?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("sellerId", self.credentials.seller_id());
            for (name, value) in params {
                query.append_pair(name, value);
            }
        }
        let signed_at = self.clock.now().saturating_sub(self.config.signature_backdate).unwrap_or(Timestamp::MIN);
        let mut authorization = HeaderValue::from_str(&sign(&self.credentials, signed_at).header_value())
            .map_err(|e| SearsError::Configuration { problem: format!("the credentials cannot form a header: {e}") })?;
        authorization.set_sensitive(true);
        let mut request = self.http.request(endpoint.kind.method(), url).header(AUTHORIZATION, authorization);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/xml;charset=UTF-8").body(body);
        }
        let started = std::time::Instant::now();
        let response = request.send().await.map_err(|e| self.transport_error(endpoint, e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.transport_error(endpoint, e))?;
        tracing::debug!(
            endpoint = %endpoint,
            seller_id = self.credentials.seller_id(),
            status = status.as_u16(),
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "sears call"
        );
        self.check_http(endpoint, status, body).await
    }

    async fn admit(&self, endpoint: &Endpoint) -> Result<(), SearsError> {
        let unavailable = |e: crate::limits::RateLimitStateError| SearsError::LimiterUnavailable { detail: e.0 };
        let seller = self.credentials.seller_id();
        let kind = endpoint.kind.call_kind();
        let mut slept = false;
        loop {
            let now = self.clock.now();
            match self.limiter.admit(now, seller, kind).await.map_err(unavailable)? {
                Admission::Granted => return Ok(()),
                Admission::Wait { until, reason } => {
                    let wait = now.duration_until(until);
                    let short = reason == RateLimitReason::RequestsPerMinute
                        && Duration::try_from(wait).is_ok_and(|wait| wait <= self.limiter.limits().max_inline_wait);
                    if short && !slept {
                        slept = true;
                        tokio::time::sleep(Duration::try_from(wait).unwrap_or_default()).await;
                        continue;
                    }
                    return Err(SearsError::RateLimited { endpoint: endpoint.clone(), reason, retry_at: until });
                }
            }
        }
    }

    fn transport_error(&self, endpoint: &Endpoint, error: reqwest::Error) -> SearsError {
        if error.is_connect() {
            SearsError::Connection { endpoint: endpoint.clone(), request_sent: false, detail: error_chain(&error) }
        } else if error.is_timeout() {
            SearsError::Timeout { endpoint: endpoint.clone(), timeout: self.config.timeout }
        } else {
            SearsError::Connection { endpoint: endpoint.clone(), request_sent: true, detail: error_chain(&error) }
        }
    }

    async fn check_http(&self, endpoint: &Endpoint, status: StatusCode, body: Bytes) -> Result<Bytes, SearsError> {
        if status == StatusCode::FORBIDDEN && trim_ascii(&body).eq_ignore_ascii_case(b"rate limited") {
            let retry_at = self
                .limiter
                .sears_throttled(self.clock.now())
                .await
                .map_err(|e| SearsError::LimiterUnavailable { detail: e.0 })?;
            tracing::warn!(endpoint = %endpoint, %retry_at, "Sears answered 'rate limited'; every store backs off");
            return Err(SearsError::RateLimited {
                endpoint: endpoint.clone(),
                reason: RateLimitReason::SearsThrottled,
                retry_at,
            });
        }
        if let Some(detail) = html_page(&body) {
            return Err(SearsError::Outage { endpoint: endpoint.clone(), status: status.as_u16(), detail });
        }
        if !status.is_success() {
            // Sears puts errors in api-response documents; some may come with an error status.
            if let Ok(ApiResponse { outcome: ApiOutcome::ErrorDetail(message), .. }) = ApiResponse::parse(&body) {
                return Err(self.error_detail(endpoint, message));
            }
            return Err(SearsError::UnexpectedStatus {
                endpoint: endpoint.clone(),
                status: status.as_u16(),
                body: snippet(&body),
            });
        }
        Ok(body)
    }
}

fn request_params(query: &RequestQuery) -> Result<Vec<(&'static str, String)>, SearsError> {
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(SearsError::InvalidRequest {
            problem: format!("the date window starts ({from}) after it ends ({to})"),
        });
    }
    let mut params = Vec::new();
    if let Some(status) = &query.status {
        params.push(("status", status.clone()));
    }
    if let Some(from) = query.from {
        params.push(("fromdate", format_date(from)));
    }
    if let Some(to) = query.to {
        params.push(("todate", format_date(to)));
    }
    Ok(params)
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// The first characters of a body, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut short: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        short.push('…');
    }
    short
}

/// An HTML page (Sears's outage page is titled `Sears Server Error`): its title, or a snippet.
fn html_page(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(2048)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let start = lower.trim_start_matches('\u{feff}').trim_start();
    let is_html = start.starts_with("<!doctype html") || start.starts_with("<html") || lower.contains("<html");
    if !is_html {
        return None;
    }
    let original = String::from_utf8_lossy(head);
    let title = lower.find("<title>").and_then(|open| {
        let from = open + "<title>".len();
        lower[from..].find("</title>").map(|close| original[from..from + close].trim().to_owned())
    });
    Some(title.filter(|t| !t.is_empty()).unwrap_or_else(|| snippet(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_pages_are_recognised_by_their_title() {
        let page = b"<!DOCTYPE html>\n<html><head><title>Sears Server Error</title></head><body>Oops</body></html>";
        assert_eq!(html_page(page).as_deref(), Some("Sears Server Error"));
        assert_eq!(html_page(b"<HTML><BODY>down</BODY></HTML>").as_deref(), Some("<HTML><BODY>down</BODY></HTML>"));
        assert_eq!(html_page(b"<api-response><error-detail>x</error-detail></api-response>"), None);
    }

    #[test]
    fn endpoints_name_method_and_versioned_path() {
        let endpoint = Endpoint { kind: EndpointKind::Asn, path: "oms/asn/v7".into() };
        assert_eq!(endpoint.to_string(), "PUT oms/asn/v7");
        assert!(endpoint.is_write());
        let endpoint = Endpoint { kind: EndpointKind::PurchaseOrders, path: "oms/purchaseorder/v19".into() };
        assert_eq!(endpoint.to_string(), "GET oms/purchaseorder/v19");
    }
}
