//! The in-process control handle: the same operations as the HTTP control API, for tests and for the `wharf`
//! binary that embeds the sandbox.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::{SignedDuration, Timestamp};

use crate::clock::SandboxClock;
use crate::config::{SandboxSettings, SellerCredentials};
use crate::error::SandboxError;
use crate::faults::{ActiveFault, FaultSpec};
use crate::marketplace::{
    CustomerCancel, FeedRecord, Marketplace, NewReturnRequest, OrderFilter, OrderRef, OrderState, PortalShip,
};
use crate::orders::NewOrder;
use crate::seed::{self, SeedRequest, SeedSummary};

/// State shared by the HTTP handlers and the control handle.
pub(crate) struct Shared {
    market: Mutex<Marketplace>,
    pub clock: SandboxClock,
    /// Set to true once the sandbox shuts down, so held responses end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(market: Marketplace, clock: SandboxClock) -> Self {
        Self { market: Mutex::new(market), clock, shutdown: tokio::sync::watch::Sender::new(false) }
    }

    /// The marketplace, locked. A panic while it was held leaves consistent enough state for a test sandbox, so a
    /// poisoned lock is taken over rather than propagated.
    pub(crate) fn market(&self) -> MutexGuard<'_, Marketplace> {
        self.market.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Controls a running sandbox from the same process. Cheap to clone.
#[derive(Clone)]
pub struct SandboxControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for SandboxControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxControl").field("clock", &self.shared.clock).finish_non_exhaustive()
    }
}

impl SandboxControl {
    pub fn clock(&self) -> &SandboxClock {
        &self.shared.clock
    }

    pub fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }

    pub fn set_time(&self, now: Timestamp) {
        self.shared.clock.set(now);
    }

    pub fn advance(&self, by: SignedDuration) {
        self.shared.clock.advance(by);
    }

    pub fn sellers(&self) -> Vec<SellerCredentials> {
        self.shared.market().sellers()
    }

    pub fn add_seller(&self, credentials: SellerCredentials) -> Result<(), SandboxError> {
        self.shared.market().add_seller(credentials)
    }

    /// Adds the showcase set and `orders` random orders to a seller.
    pub fn seed(&self, request: &SeedRequest) -> Result<SeedSummary, SandboxError> {
        let now = self.now();
        seed::seed(&mut self.shared.market(), request, now)
    }

    pub fn create_order(&self, order: NewOrder) -> Result<OrderState, SandboxError> {
        let now = self.now();
        self.shared.market().create_order(order, now)
    }

    pub fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderState>, SandboxError> {
        self.shared.market().orders(filter)
    }

    pub fn order(&self, key: &OrderRef) -> Result<OrderState, SandboxError> {
        self.shared.market().order_state(key)
    }

    /// The order was updated by hand in the Seller Portal: everything open is shipped and the order becomes
    /// `Ready to Invoice`, with a `po-shipment-info/shipment`.
    pub fn portal_ship(&self, key: &OrderRef, ship: PortalShip) -> Result<OrderState, SandboxError> {
        self.shared.market().portal_ship(key, ship)
    }

    /// Invoices a `Ready to Invoice` order: it takes the configured invoiced status (`Closed` by default).
    pub fn invoice(&self, key: &OrderRef) -> Result<OrderState, SandboxError> {
        self.shared.market().invoice(key)
    }

    /// The customer asks to cancel one line (or every open line); the lines show `customer-cancellation-warning`.
    pub fn customer_cancel(&self, key: &OrderRef, request: CustomerCancel) -> Result<OrderState, SandboxError> {
        let today = self.shared.clock.central_today();
        self.shared.market().customer_cancel(key, request, today)
    }

    /// The customer asks to return shipped units of a line.
    pub fn return_request(&self, key: &OrderRef, request: NewReturnRequest) -> Result<OrderState, SandboxError> {
        let today = self.shared.clock.central_today();
        self.shared.market().return_request(key, request, today)
    }

    pub fn add_fault(&self, spec: FaultSpec) -> ActiveFault {
        let now = self.now();
        self.shared.market().faults.add(spec, now)
    }

    pub fn faults(&self) -> Vec<ActiveFault> {
        let now = self.now();
        self.shared.market().faults.list(now)
    }

    pub fn clear_faults(&self) {
        self.shared.market().faults.clear();
    }

    /// Every feed PUT received (of one seller, or all), oldest first, with its outcome per record.
    pub fn feeds(&self, seller_id: Option<&str>) -> Vec<FeedRecord> {
        self.shared.market().feeds(seller_id)
    }

    pub fn feed(&self, document_id: u64) -> Option<FeedRecord> {
        self.shared.market().feed(document_id)
    }

    pub fn settings(&self) -> SandboxSettings {
        self.shared.market().settings.clone()
    }

    pub fn set_settings(&self, settings: SandboxSettings) {
        self.shared.market().settings = settings;
    }

    /// Merges a partial JSON object into the current settings (what `PATCH /sandbox/control/settings` does).
    pub fn patch_settings(&self, patch: serde_json::Value) -> Result<SandboxSettings, SandboxError> {
        let mut market = self.shared.market();
        let mut current =
            serde_json::to_value(&market.settings).map_err(|e| SandboxError::InvalidRequest(e.to_string()))?;
        merge(&mut current, patch);
        let settings: SandboxSettings = serde_json::from_value(current)
            .map_err(|e| SandboxError::InvalidRequest(format!("invalid settings: {e}")))?;
        market.settings = settings.clone();
        Ok(settings)
    }
}

/// JSON merge patch (RFC 7386) without deletion: objects merge key by key, anything else replaces.
fn merge(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(target), serde_json::Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(serde_json::Value::Null), value);
            }
        }
        (target, patch) => *target = patch,
    }
}
