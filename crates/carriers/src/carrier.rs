//! The carrier trait the app holds one of per carrier account.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use wharf_domain::Address;

use crate::address_validation::AddressValidation;
use crate::error::CarrierError;
use crate::rate::{Rate, RateRequest};
use crate::shipment::{Label, LabelRequest, VoidOutcome};
use crate::tracking::{FoundShipment, TrackQuery, TrackingInfo};

/// A warning or note the carrier attached to an answer that still succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierMessage {
    pub code: Option<String>,
    pub message: String,
}

/// One carrier account. Dyn-compatible: the app keeps `Arc<dyn Carrier>` per account.
#[async_trait]
pub trait Carrier: Send + Sync {
    /// Wharf carrier code (`ups`), as in the shared code table.
    fn carrier_code(&self) -> &'static str;

    /// Checks an address and proposes corrections.
    async fn validate_address(&self, address: &Address) -> Result<AddressValidation, CarrierError>;

    /// Quotes one service (`request.service`) or every service.
    async fn rate(&self, request: &RateRequest) -> Result<Vec<Rate>, CarrierError>;

    /// Buys one shipment: every package at once, one tracking number and one label image per package.
    ///
    /// Not idempotent at the carrier: when this fails with [`CarrierError::needs_lookup_before_retry`],
    /// call [`Carrier::find_shipment_by_reference`] with the same reference before buying again.
    async fn buy_label(&self, request: &LabelRequest) -> Result<Label, CarrierError>;

    /// Voids a shipment by the id returned in [`Label::shipment_id`].
    async fn void(&self, shipment_id: &str) -> Result<VoidOutcome, CarrierError>;

    async fn track(&self, query: &TrackQuery) -> Result<TrackingInfo, CarrierError>;

    /// Finds a shipment bought with `reference`, if the carrier has one. See the connector's documentation
    /// for how soon after buying a shipment becomes findable.
    async fn find_shipment_by_reference(&self, reference: &str) -> Result<Option<FoundShipment>, CarrierError>;
}
