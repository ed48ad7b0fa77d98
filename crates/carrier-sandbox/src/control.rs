//! The in-process handle on a running sandbox: clock, faults, latency, clients and the sandbox's
//! own records. The HTTP control API under `/sandbox/control/` calls exactly these methods.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::clock::SandboxClock;
use crate::state::{ArmedFaults, ClientRegistration, ReferenceCount, SandboxState, ShipmentRecord};

/// Why a control request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("status {0} is not a server error: use a status from 500 to 599")]
    NotAServerError(u16),
    #[error("account number {0:?} is not 6 characters of 0-9 and A-Z: UPS shipper numbers look like W4RF01")]
    InvalidAccountNumber(String),
    #[error("client id must not be empty")]
    EmptyClientId,
    #[error("negotiated discount {0}% is above 100%")]
    DiscountAbove100(u8),
}

/// Controls one running sandbox (clones control the same sandbox).
#[derive(Debug, Clone)]
pub struct SandboxControl {
    state: Arc<SandboxState>,
}

impl SandboxControl {
    pub(crate) fn new(state: Arc<SandboxState>) -> Self {
        SandboxControl { state }
    }

    /// The sandbox clock.
    pub fn clock(&self) -> &SandboxClock {
        &self.state.clock
    }

    /// The sandbox's current instant.
    pub fn now(&self) -> Timestamp {
        self.state.clock.now()
    }

    /// Sets the sandbox clock.
    pub fn set_clock(&self, at: Timestamp) {
        self.state.clock.set(at);
    }

    /// Moves the sandbox clock (tokens expire, packages move along their tracking schedule).
    pub fn advance_clock(&self, by: SignedDuration) {
        self.state.clock.advance(by);
    }

    /// The next `count` API calls (any carrier path, the token endpoint included) answer `status`
    /// with UPS's error shape instead of being served.
    pub fn fail_next_calls(&self, count: u32, status: u16) -> Result<(), ControlError> {
        if !(500..=599).contains(&status) {
            return Err(ControlError::NotAServerError(status));
        }
        let mut inner = self.state.lock();
        inner.faults.server_errors = count;
        inner.faults.server_error_status = status;
        Ok(())
    }

    /// The next `count` ship calls create and store their shipment, then hold the response past
    /// the configured hold time and drop the connection: the label was bought, the client never
    /// hears of it, and must find it by reference before buying again.
    pub fn timeout_after_label(&self, count: u32) {
        self.state.lock().faults.timeouts_after_label = count;
    }

    /// The next `count` bearer-token checks fail with 401 as if the token had expired, and revoke
    /// the token presented, so the client has to fetch a new one.
    pub fn expire_next_token_checks(&self, count: u32) {
        self.state.lock().faults.expired_token_checks = count;
    }

    /// Disarms every fault (latency stays as set).
    pub fn clear_faults(&self) {
        self.state.lock().faults = ArmedFaults::default();
    }

    /// The faults still armed.
    pub fn faults(&self) -> ArmedFaults {
        self.state.lock().faults
    }

    /// Delays every API call by `latency` before serving it (control calls are not delayed).
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().latency = latency;
    }

    /// The latency added to every API call.
    pub fn latency(&self) -> Duration {
        self.state.lock().latency
    }

    /// Registers (or replaces) an OAuth client and its account.
    pub fn register_client(&self, client: ClientRegistration) -> Result<(), ControlError> {
        validate_registration(&client)?;
        self.state.lock().clients.insert(client.client_id.clone(), client);
        Ok(())
    }

    /// Every shipment created, oldest first, with the void state of each package.
    pub fn shipments(&self) -> Vec<ShipmentRecord> {
        self.state.lock().shipments.clone()
    }

    /// How many labels were created per reference value: the record that proves no label was
    /// bought twice.
    pub fn labels_by_reference(&self) -> BTreeMap<String, ReferenceCount> {
        self.state.lock().reference_counts()
    }

    /// How many calls each operation received (by UPS operation id, e.g. `CreateToken`, `Ship`).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.lock().calls.clone()
    }
}

pub(crate) fn validate_registration(client: &ClientRegistration) -> Result<(), ControlError> {
    if client.client_id.trim().is_empty() {
        return Err(ControlError::EmptyClientId);
    }
    let account = &client.account_number;
    let account_ok = account.len() == 6 && account.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !account_ok {
        return Err(ControlError::InvalidAccountNumber(account.clone()));
    }
    if client.negotiated_discount_percent > 100 {
        return Err(ControlError::DiscountAbove100(client.negotiated_discount_percent));
    }
    Ok(())
}
