//! Carriers for Wharf: the [`Carrier`] trait the app holds per carrier account, normalized shipping
//! types, errors as data, rate shopping, and connectors (UPS so far).
//!
//! Connectors follow Karrio's mapper/proxy split: every operation is a pure `build_request` that turns
//! Wharf's types into an [`http::HttpRequest`] and a pure `parse_response` that turns the carrier's answer
//! into Wharf's types or a [`CarrierError`]; a thin proxy ([`ups::UpsCarrier`]) adds authentication and
//! sends them with [`http::HttpTransport`]. Service, package and confirmation codes come from
//! [`wharf_domain::shipping_codes`].

pub mod address_validation;
pub mod carrier;
pub mod error;
pub mod http;
pub mod money;
pub mod rate;
pub mod rate_shopping;
pub mod shipment;
pub mod tracking;
pub mod ups;

pub use address_validation::{AddressCandidate, AddressClass, AddressOutcome, AddressValidation};
pub use carrier::{Carrier, CarrierMessage};
pub use error::{CarrierError, ErrorKind, FieldError, Operation};
pub use http::{HttpTransport, Timeouts, TransportSetupError};
pub use money::Money;
pub use rate::{DeliveryEstimate, Rate, RateRequest};
pub use rate_shopping::{RateMarks, cheapest_delivered_by, mark_cheapest_and_fastest};
pub use shipment::{
    Label, LabelFormat, LabelImage, LabelRequest, PackageLabel, PackageVoid, Parcel, ShipmentOptions, VoidOutcome,
};
pub use tracking::{
    CarrierStatus, FoundShipment, PackageTracking, TrackQuery, TrackingEvent, TrackingInfo, TrackingStatus,
};
pub use ups::{UpsAccountConfig, UpsCarrier, UpsConfigError};

/// The system clock, for production use of connectors that need "now" (token expiry).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl wharf_domain::clock::Clock for SystemClock {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}
