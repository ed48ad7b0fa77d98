//! Tracking queries and normalized tracking results.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackQuery {
    /// A package tracking number.
    Number(String),
    /// The reference stored with the shipment when it was bought.
    Reference(String),
}

/// Where a package is, in Wharf's words. The carrier's own status is kept beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    /// The label exists; the carrier has not scanned the package yet.
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    /// Delayed, refused, damaged, returned to sender, ... (see the carrier's description).
    Exception,
    Unknown,
}

/// The carrier's own status, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierStatus {
    /// Status type (UPS: `M`, `I`, `D`, `X`, ...).
    pub kind: Option<String>,
    /// Status code (UPS: `MP`, `OT`, `KB`, ...).
    pub code: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingInfo {
    /// One entry per package the carrier returned (a reference can match several).
    pub packages: Vec<PackageTracking>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageTracking {
    pub tracking_number: String,
    pub status: TrackingStatus,
    pub carrier_status: CarrierStatus,
    pub service_name: Option<String>,
    /// Scheduled (or rescheduled) delivery date, destination's calendar.
    pub estimated_delivery: Option<Date>,
    pub delivered_at: Option<Timestamp>,
    /// Reference numbers stored with the package.
    pub references: Vec<String>,
    /// Most recent first, as carriers list them.
    pub events: Vec<TrackingEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    /// The instant, when the carrier gave enough to compute it.
    pub occurred_at: Option<Timestamp>,
    /// The local date and time where the event happened, as the carrier wrote it.
    pub local_time: Option<DateTime>,
    pub status: TrackingStatus,
    pub carrier_status: CarrierStatus,
    /// "City, ST, US" as far as the carrier said.
    pub location: Option<String>,
}

/// A shipment found by its reference: it exists, so it must not be bought again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundShipment {
    pub reference: String,
    /// The id to void it with (for UPS, the lowest tracking number of its packages, which is the first
    /// package's: UPS numbers a shipment's packages in sequence).
    pub shipment_id: String,
    pub tracking_numbers: Vec<String>,
    pub status: TrackingStatus,
    /// Other live shipments under the same reference (a duplicate purchase the seller should void).
    pub also_found: Vec<String>,
}
