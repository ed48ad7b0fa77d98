//! A local UPS for Wharf's demo and end-to-end tests, built from UPS's OpenAPI documents
//! (vendored in `spec/ups/`): the same paths, authentication and JSON shapes, with state, a
//! controllable clock and injectable faults, so the real connector runs with no UPS account.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wharf_carrier_sandbox::SandboxError> {
//! use wharf_carrier_sandbox::{SandboxClock, SandboxConfig};
//!
//! let sandbox = SandboxConfig {
//!     clock: SandboxClock::fixed("2026-03-02T15:00:00Z".parse().expect("instant")),
//!     ..SandboxConfig::default()
//! }
//! .start()
//! .await?;
//! let client = sandbox.default_client();
//! println!("{} {} {}", sandbox.base_url(), client.client_id, client.account_number);
//! sandbox.control().advance_clock(jiff::SignedDuration::from_hours(24));
//! # Ok(()) }
//! ```
//!
//! The rate table, tracking schedule, address rules, error codes and control API are documented
//! in the crate README. [`spec`] is the request/response validator, usable on its own.

pub mod address;
mod clock;
mod control;
pub mod label;
pub mod rates;
mod routes;
mod server;
pub mod spec;
mod state;
pub mod tracking_number;
pub mod tracking_schedule;

pub use clock::SandboxClock;
pub use control::{ControlError, SandboxControl};
pub use server::{DEFAULT_TOKEN_LIFETIME, RunningUpsSandbox, SandboxConfig, SandboxError, run_standalone};
pub use state::{ArmedFaults, ClientRegistration, PackageRecord, PartyAddress, ReferenceCount, ShipmentRecord};
