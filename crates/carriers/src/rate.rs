//! Rate requests and quotes.

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use wharf_domain::{Address, Weight};

use crate::carrier::CarrierMessage;
use crate::money::Money;
use crate::shipment::{Parcel, ShipmentOptions};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateRequest {
    /// The warehouse: shipper and ship-from.
    pub ship_from: Address,
    pub ship_to: Address,
    pub packages: Vec<Parcel>,
    /// One service (code from the shared table), or `None` for every service the carrier offers.
    pub service: Option<String>,
    pub options: ShipmentOptions,
    /// The day the shipment would be handed over. When set, the carrier is asked for delivery estimates.
    pub ship_date: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Wharf carrier code (`ups`).
    pub carrier: String,
    /// Service code from the shared table, `None` when the carrier quoted a service Wharf does not know.
    pub service: Option<String>,
    /// The carrier's own service code (`03`).
    pub carrier_service_code: String,
    pub service_name: String,
    /// What buying this service would cost: negotiated when available, published otherwise.
    pub total: Money,
    /// The carrier's published price.
    pub list_total: Money,
    pub negotiated: bool,
    pub billing_weight: Option<Weight>,
    pub delivery: Option<DeliveryEstimate>,
    pub messages: Vec<CarrierMessage>,
}

/// When the carrier expects to deliver, in the destination's local calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEstimate {
    pub date: Date,
    pub time: Option<Time>,
    pub business_days: Option<u32>,
    /// The carrier guarantees the date (money-back).
    pub guaranteed: bool,
}
