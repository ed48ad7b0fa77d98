//! The UPS connector, built from UPS's OpenAPI documents in `spec/ups/`.
//!
//! Each API has a module of pure functions (`build_request` and `parse_response` pairs: the mapper);
//! [`UpsCarrier`] is the thin proxy that adds the OAuth token and UPS's transaction headers, sends the
//! request and hands the answer to the parser.

pub mod address_validation;
pub mod config;
pub mod oauth;
pub mod rating;
pub mod shipping;
pub mod tracking;
mod wire;

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use url::Url;
use wharf_domain::Address;
use wharf_domain::clock::Clock;

pub use config::{CIE_URL, PRODUCTION_URL, UpsAccountConfig, UpsConfigError};
pub use oauth::AccessToken;

use crate::address_validation::AddressValidation;
use crate::carrier::Carrier;
use crate::error::{CarrierError, Operation};
use crate::http::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use crate::rate::{Rate, RateRequest};
use crate::shipment::{Label, LabelRequest, VoidOutcome};
use crate::tracking::{FoundShipment, TrackQuery, TrackingInfo};
use wire::CARRIER;

/// The `transactionSrc` header: identifies the calling application to UPS.
pub const TRANSACTION_SRC: &str = "wharf";

/// Adds the bearer token and UPS's `transId` (unique per request, 32 characters) and `transactionSrc`
/// headers to a built request.
pub fn authorize(request: HttpRequest, token: &SecretString, trans_id: &str) -> HttpRequest {
    request
        .secret_header("Authorization", SecretString::from(format!("Bearer {}", token.expose_secret())))
        .header("transId", trans_id)
        .header("transactionSrc", TRANSACTION_SRC)
}

/// One UPS account. Holds its OAuth token in memory, fetched on first use, replaced shortly before it
/// expires and once more whenever UPS answers 401 (a token revoked early).
pub struct UpsCarrier {
    account: UpsAccountConfig,
    base_url: Url,
    http: HttpTransport,
    clock: Arc<dyn Clock>,
    /// Held while a token is fetched, so concurrent requests wait for one fetch instead of each making one.
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl UpsCarrier {
    pub fn new(account: UpsAccountConfig, http: HttpTransport, clock: Arc<dyn Clock>) -> Result<Self, UpsConfigError> {
        let base_url = account.validate()?;
        Ok(UpsCarrier { account, base_url, http, clock, token: tokio::sync::Mutex::new(None) })
    }

    pub fn account(&self) -> &UpsAccountConfig {
        &self.account
    }

    /// A usable token. `rejected` is a token UPS just refused: it is replaced even if it looks fresh
    /// (unless another request already replaced it).
    async fn access_token(&self, rejected: Option<&SecretString>) -> Result<SecretString, CarrierError> {
        let mut cached = self.token.lock().await;
        let now = self.clock.now();
        if let Some(token) = cached.as_ref() {
            let refused = rejected.is_some_and(|r| r.expose_secret() == token.token.expose_secret());
            if token.is_fresh(now) && !refused {
                return Ok(token.token.clone());
            }
        }
        let response = self.send(Operation::Authenticate, &oauth::build_request(&self.account)).await?;
        let token = oauth::parse_response(&response, now)?;
        tracing::debug!(expires_at = %token.expires_at, "UPS token obtained");
        let secret = token.token.clone();
        *cached = Some(token);
        Ok(secret)
    }

    /// Sends `request` with a token; on 401, once more with a new token. A 401 means UPS did not act on
    /// the request, so repeating it cannot buy a second label.
    async fn call(&self, operation: Operation, request: &HttpRequest) -> Result<HttpResponse, CarrierError> {
        let span = tracing::info_span!("ups", operation = ?operation, path = %request.path_string());
        async {
            let token = self.access_token(None).await?;
            let response = self.send_authorized(operation, request, &token).await?;
            if response.status != 401 {
                return Ok(response);
            }
            tracing::info!("UPS refused the token; fetching a new one");
            let fresh = self.access_token(Some(&token)).await?;
            self.send_authorized(operation, request, &fresh).await
        }
        .instrument(span)
        .await
    }

    async fn send_authorized(
        &self,
        operation: Operation,
        request: &HttpRequest,
        token: &SecretString,
    ) -> Result<HttpResponse, CarrierError> {
        let trans_id = uuid::Uuid::new_v4().simple().to_string();
        self.send(operation, &authorize(request.clone(), token, &trans_id)).await
    }

    async fn send(&self, operation: Operation, request: &HttpRequest) -> Result<HttpResponse, CarrierError> {
        let result = self.http.send(&self.base_url, request).await;
        match &result {
            Ok(response) => tracing::debug!(status = response.status, "UPS answered"),
            Err(error) => tracing::warn!(%error, "UPS request failed"),
        }
        result.map_err(|error| match error {
            TransportError::NotSent(detail) => CarrierError::not_sent(CARRIER, operation, detail),
            TransportError::NoAnswer(detail) => CarrierError::no_answer(CARRIER, operation, detail),
        })
    }
}

impl std::fmt::Debug for UpsCarrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpsCarrier").field("account", &self.account).finish_non_exhaustive()
    }
}

#[async_trait]
impl Carrier for UpsCarrier {
    fn carrier_code(&self) -> &'static str {
        "ups"
    }

    async fn validate_address(&self, address: &Address) -> Result<AddressValidation, CarrierError> {
        let request = address_validation::build_request(address)?;
        let response = self.call(Operation::ValidateAddress, &request).await?;
        address_validation::parse_response(address, &response)
    }

    async fn rate(&self, request: &RateRequest) -> Result<Vec<Rate>, CarrierError> {
        let http = rating::build_request(&self.account, request)?;
        let response = self.call(Operation::Rate, &http).await?;
        rating::parse_response(&response)
    }

    async fn buy_label(&self, request: &LabelRequest) -> Result<Label, CarrierError> {
        let http = shipping::build_ship_request(&self.account, request)?;
        let response = self.call(Operation::BuyLabel, &http).await?;
        let label = shipping::parse_ship_response(request, &response)?;
        tracing::info!(shipment_id = %label.shipment_id, packages = label.packages.len(), "UPS label bought");
        Ok(label)
    }

    async fn void(&self, shipment_id: &str) -> Result<VoidOutcome, CarrierError> {
        let http = shipping::build_void_request(shipment_id)?;
        let response = self.call(Operation::Void, &http).await?;
        shipping::parse_void_response(shipment_id, &response)
    }

    async fn track(&self, query: &TrackQuery) -> Result<TrackingInfo, CarrierError> {
        let http = tracking::build_request(&self.account, query)?;
        let response = self.call(Operation::Track, &http).await?;
        tracking::parse_response(&response)
    }

    /// Tracks by reference; see [`tracking`] for the limits of this look-up.
    async fn find_shipment_by_reference(&self, reference: &str) -> Result<Option<FoundShipment>, CarrierError> {
        let http = tracking::build_find_request(&self.account, reference)?;
        let response = self.call(Operation::FindShipment, &http).await?;
        tracking::parse_find_response(reference, &response)
    }
}
