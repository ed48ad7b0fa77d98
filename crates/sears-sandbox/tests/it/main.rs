//! Integration tests: a real sandbox on 127.0.0.1, real HTTP, real xmllint. One test binary keeps link time down.

mod asn_flows;
mod auth;
mod cancel_flows;
mod common;
mod control_api;
mod determinism;
mod faults;
mod feed_schema_vs_xmllint;
mod portal_and_requests;
mod purchase_orders;
mod rate_limits;
mod xsd_validation;
