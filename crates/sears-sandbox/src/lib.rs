//! A faithful local Sears Marketplace seller API, for Wharf's tests and demos.
//!
//! Same paths (`/SellerPortal/api/...`), query parameters, HMAC authorization, XML documents and quirks as the real
//! service, written from `spec/sears/SPEC.md` and Sears's XSDs, never from Wharf's client. It keeps real state
//! (sellers, purchase orders with per-line quantity buckets, shipments, customer requests, received feeds), seeds
//! documented and random orders deterministically, enforces Sears's rate limits, injects faults, and runs on an
//! injectable clock. A JSON control API under `/sandbox/control/` (and [`SandboxControl`] in-process) drives it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wharf_sears_sandbox::SandboxError> {
//! let sandbox = wharf_sears_sandbox::SandboxConfig { port: 0, seed: 7, orders: 50, ..Default::default() }
//!     .start()
//!     .await?;
//! let url = sandbox.base_url(); // "http://127.0.0.1:PORT"
//! let seller = sandbox.default_seller(); // sign requests with seller.auth_key
//! sandbox.control().advance(jiff::SignedDuration::from_mins(16));
//! sandbox.shutdown().await
//! # }
//! ```

mod asn;
mod auth;
mod carriers;
mod clock;
mod config;
mod control;
mod control_api;
mod envelopes;
mod error;
mod faults;
pub mod feed_schema;
mod marketplace;
mod order_cancel;
mod orders;
mod po_response;
mod rate_limit;
mod requests;
mod sears_api;
mod seed;
mod server;
mod xml_writer;

pub use carriers::{CarrierMethod, carrier_methods};
pub use clock::SandboxClock;
pub use config::{
    AuthSettings, AuthTexts, LEGACY_ASN_ITEM_ID_REJECT_FROM, ProcessingDelay, RateLimits, RequestStatusStyle,
    SandboxConfig, SandboxSettings, SellerCredentials,
};
pub use control::SandboxControl;
pub use envelopes::{NO_POS_FOUND, RecordResult};
pub use error::SandboxError;
pub use faults::{ActiveFault, FaultKind, FaultSpec};
pub use marketplace::{
    CustomerCancel, FeedKind, FeedOutcome, FeedRecord, NewReturnRequest, OrderFilter, OrderRef, OrderState, PortalShip,
};
pub use orders::{
    Fee, LineQuantities, NewLine, NewOrder, OrderTotals, Pickup, PickupLocation, PoLine, PurchaseOrder, ShipToStore,
    ShipmentInfo, ShippingDetail, TaxReference, line_status, status,
};
pub use po_response::PoVersion;
pub use requests::{CancelRequest, ReturnRequest};
pub use sears_api::CREATE_PO_ITEM_IDS_PARAM;
pub use seed::{SeedRequest, SeedSummary};
pub use server::{RunningSandbox, run_standalone};
