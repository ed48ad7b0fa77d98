//! Sears Marketplace seller API client (see README.md).
//!
//! * [`signing`]: HMAC-SHA256 request signing; [`Credentials`].
//! * Documents, each parsed by local element names (namespace versions ignored) with quick-xml:
//!   [`PoResponse`]/[`PurchaseOrder`] (v4..v19), [`ApiResponse`], [`ShipmentFeed`] (ASN v7, also written),
//!   [`OrderCancelFeed`] (also written), [`ProcessingReport`], [`ShippingCarriers`],
//!   [`OrderCancelRequestFeed`], [`OrderReturnsRequestFeed`], [`OrderAdjustmentFeed`], [`InventoryFeed`],
//!   [`InventoryExport`]; [`decode_document`] reads any of them.
//! * [`SearsClient`]: the HTTP client, with Sears's rate limits ([`RateLimiter`]) and typed errors
//!   ([`SearsError`]).
//!
//! The crate knows nothing of Wharf's domain or database.

pub mod adjustment;
pub mod api_response;
pub mod asn;
pub mod cancel;
pub mod carriers;
pub mod client;
pub mod clock;
pub mod decode;
pub mod error;
pub mod inventory;
mod lexical;
pub mod limits;
mod neutral;
pub mod processing_report;
pub mod purchase_order;
pub mod requests;
pub mod signing;
mod xml_read;
mod xml_write;

pub use adjustment::OrderAdjustmentFeed;
pub use api_response::{ApiOutcome, ApiResponse, DocumentId, ErrorDetailKind, classify_error_detail};
pub use asn::{ASN_VERSION, PackageDetail, Shipment, ShipmentDetail, ShipmentFeed, ShipmentHeader};
pub use cancel::{CancelReason, OrderCancel, OrderCancelDetail, OrderCancelFeed};
pub use carriers::{ShippingCarrierDetails, ShippingCarriers, ShippingMethodDetails};
pub use client::{
    ApiVersions, Endpoint, EndpointKind, PRODUCTION_BASE_URL, PoQuery, RequestQuery, SearsClient, SearsConfig,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decode::{Document, decode_document};
pub use error::{DecodeError, DecodeErrorKind, FeedError, SearsError};
pub use inventory::{InventoryExport, InventoryFeed};
pub use limits::{
    Admission, Bucket, CallKind, InMemoryRateLimitState, RateLimitReason, RateLimitState, RateLimitStateError,
    RateLimiter, SearsLimits,
};
pub use processing_report::{ProcessingReport, ProcessingState, RecordMessages, Report, Summary};
pub use purchase_order::{
    Fee, GiftMessageDetails, LmpDetails, PickupLocation, PoLine, PoLineDetail, PoLineHeader, PoResponse, PoShipment,
    PurchaseOrder, ShipToStoreDetail, ShippingDetail, TaxReference, UnreadableOrder,
};
pub use requests::{OrderCancelRequest, OrderCancelRequestFeed, OrderReturnRequest, OrderReturnsRequestFeed};
pub use signing::{Credentials, CredentialsError};
pub use xml_read::UnknownItem;
