//! Everything the sandbox remembers: registered clients, issued tokens, shipments, armed faults,
//! latency and call counts. One mutex, held only for bookkeeping (never across I/O or rendering).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::clock::SandboxClock;

/// An OAuth client of the sandbox and the UPS account it ships with.
#[derive(Debug, Clone)]
pub struct ClientRegistration {
    /// OAuth client id (HTTP Basic user name at the token endpoint).
    pub client_id: String,
    /// OAuth client secret (HTTP Basic password).
    pub client_secret: SecretString,
    /// The 6-character UPS shipper account (`ShipperNumber`), `0-9A-Z`.
    pub account_number: String,
    /// Discount of negotiated rates off the published ones, in percent (0 to 100).
    pub negotiated_discount_percent: u8,
}

impl ClientRegistration {
    /// The client every sandbox registers unless told otherwise (documented in the README, so a
    /// demo can be configured by hand).
    pub fn sandbox_default() -> Self {
        ClientRegistration {
            client_id: "wharf-sandbox-client".to_owned(),
            client_secret: SecretString::from("wharf-sandbox-secret"),
            account_number: "W4RF01".to_owned(),
            negotiated_discount_percent: 15,
        }
    }
}

/// A party's name and address as stored with a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyAddress {
    pub name: String,
    pub address_lines: Vec<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: String,
}

/// One package (one label) of a stored shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageRecord {
    pub tracking_number: String,
    /// `Package.ReferenceNumber` values.
    pub references: Vec<String>,
    pub billable_weight_lbs: u32,
    /// Published charges of this package (transportation + surcharges), USD.
    pub total_charges: Decimal,
    /// When the package was voided, if it was.
    pub voided_at: Option<Timestamp>,
}

/// A shipment the sandbox created: the sandbox's own record of what was bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShipmentRecord {
    /// `ShipmentIdentificationNumber` (the first package's tracking number).
    pub shipment_id: String,
    pub account_number: String,
    pub service_code: String,
    pub service_name: String,
    pub created_at: Timestamp,
    pub zone: u32,
    pub transit_days: u32,
    /// `Shipment.ReferenceNumber` values.
    pub references: Vec<String>,
    pub ship_from: PartyAddress,
    pub ship_to: PartyAddress,
    pub residential: bool,
    /// `GIF`, `PNG` or `ZPL`.
    pub label_format: String,
    pub packages: Vec<PackageRecord>,
    /// Published total, USD.
    pub total_charges: Decimal,
}

impl ShipmentRecord {
    /// Whether every package was voided.
    pub fn voided(&self) -> bool {
        self.packages.iter().all(|package| package.voided_at.is_some())
    }

    /// Every reference value of the shipment and of its packages, each once.
    pub fn all_references(&self) -> Vec<&str> {
        let mut references: Vec<&str> = self.references.iter().map(String::as_str).collect();
        for package in &self.packages {
            for reference in &package.references {
                if !references.contains(&reference.as_str()) {
                    references.push(reference);
                }
            }
        }
        references
    }

    /// Whether `package` carries `reference` (its own or the shipment's).
    pub fn package_has_reference(&self, package: &PackageRecord, reference: &str) -> bool {
        self.references.iter().chain(&package.references).any(|value| value == reference)
    }
}

/// How many labels were bought under one reference value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReferenceCount {
    /// Shipments carrying the reference (on the shipment or on any of its packages).
    pub shipments: u32,
    /// Labels (packages) carrying it.
    pub labels: u32,
    /// Of those labels, how many were voided.
    pub voided_labels: u32,
}

/// Faults armed through the control API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ArmedFaults {
    /// The next this-many API calls answer `server_error_status`.
    pub server_errors: u32,
    pub server_error_status: u16,
    /// The next this-many ship calls store the shipment, then hold the response and drop the
    /// connection.
    pub timeouts_after_label: u32,
    /// The next this-many bearer-token checks fail as if the token had expired (and revoke it).
    pub expired_token_checks: u32,
}

#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub client_id: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub clients: HashMap<String, ClientRegistration>,
    pub tokens: HashMap<String, IssuedToken>,
    pub shipments: Vec<ShipmentRecord>,
    pub shipment_index: HashMap<String, usize>,
    /// Tracking number -> (shipment index, package index).
    pub package_index: HashMap<String, (usize, usize)>,
    /// Last serial used per account, for tracking numbers.
    pub serials: HashMap<String, u32>,
    pub faults: ArmedFaults,
    pub latency: Duration,
    pub calls: BTreeMap<String, u64>,
}

/// The shared state of one running sandbox.
#[derive(Debug)]
pub(crate) struct SandboxState {
    pub clock: SandboxClock,
    pub token_lifetime: Duration,
    pub timeout_hold: Duration,
    inner: Mutex<Inner>,
}

impl SandboxState {
    pub fn new(
        clock: SandboxClock,
        token_lifetime: Duration,
        timeout_hold: Duration,
        latency: Duration,
        clients: Vec<ClientRegistration>,
    ) -> Self {
        let mut inner = Inner { latency, ..Inner::default() };
        for client in clients {
            inner.clients.insert(client.client_id.clone(), client);
        }
        SandboxState { clock, token_lifetime, timeout_hold, inner: Mutex::new(inner) }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    /// The client whose id and secret these are.
    pub fn authenticate_client(&self, client_id: &str, secret: &str) -> Option<&ClientRegistration> {
        self.clients.get(client_id).filter(|client| client.client_secret.expose_secret() == secret)
    }

    /// Label counts per reference value, over every stored shipment.
    pub fn reference_counts(&self) -> BTreeMap<String, ReferenceCount> {
        let mut counts: BTreeMap<String, ReferenceCount> = BTreeMap::new();
        for shipment in &self.shipments {
            for reference in shipment.all_references() {
                let count = counts.entry(reference.to_owned()).or_default();
                count.shipments += 1;
                for package in &shipment.packages {
                    if shipment.package_has_reference(package, reference) {
                        count.labels += 1;
                        if package.voided_at.is_some() {
                            count.voided_labels += 1;
                        }
                    }
                }
            }
        }
        counts
    }
}
