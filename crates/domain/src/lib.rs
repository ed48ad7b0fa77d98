//! Wharf's domain: pure types and rules, no I/O. Orders and their statuses, the import policy, ship-by,
//! products, stores and their settings, history, and (in `automation`) rule evaluation.
//!
//! Nothing here reads a clock, a file or the network: callers pass `now` and look-ups in.

pub mod address;
pub mod automation;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod history;
pub mod ids;
pub mod import_policy;
pub mod import_run;
pub mod measure;
pub mod money;
pub mod order;
pub mod outbox;
pub mod product;
pub mod reimport;
pub mod sears_time;
pub mod service_mapping;
pub mod shipment;
pub mod shipping_codes;
pub mod status;
pub mod store;

#[cfg(any(test, feature = "test-support"))]
pub mod sample;

pub use address::{Address, AddressVerification};
pub use error::ParseError;
pub use ids::*;
pub use measure::{DimensionUnit, Dimensions, Weight, WeightUnit};
pub use money::Money;
pub use order::*;
pub use status::{OrderStatus, StatusMapping};
