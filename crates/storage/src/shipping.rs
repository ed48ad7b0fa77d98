//! The shipping area: carrier accounts (their credentials sealed by the caller), warehouses, shipments with
//! their label files, and the outbox messages a shipment causes, written in the shipment's own transaction.
//!
//! Double purchases are prevented by constraints, not by application checks: an order has at most one live
//! (purchasing or active) shipment, and a purchase reference is never used twice in an account. Shipment
//! states only move along `purchasing -> active | failed`, `active -> voided`, each write naming the state it
//! expects to find (compare-and-set), so two writers can never both move the same shipment.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::shipment::{LabelFile, Shipment, ShipmentKind, ShipmentState};
use wharf_domain::{AccountId, Address, CarrierAccountId, OrderId, ShipmentId, WarehouseId};

use crate::codec::{PreparedOrder, stored_instant, to_json};
use crate::{OrderWrite, Result, StorageError};

/// `StorageError::Duplicate::what` when an order already has a live (purchasing or active) shipment.
pub const LIVE_SHIPMENT: &str = "live shipment of order";
/// `StorageError::Duplicate::what` when a purchase reference is already used in the account.
pub const SHIPMENT_REFERENCE: &str = "shipment reference";
/// `StorageError::Duplicate::what` when a carrier account or warehouse name is taken in the account.
pub const CARRIER_ACCOUNT_NAME: &str = "carrier account name";
pub const WAREHOUSE_NAME: &str = "warehouse name";

/// A carrier account (a UPS shipper number and the developer app allowed to use it). Its credentials are
/// stored apart, sealed by the caller, and are never part of this struct.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarrierAccount {
    pub carrier_account_id: CarrierAccountId,
    pub account_id: AccountId,
    /// Wharf carrier code, as in `wharf_domain::shipping_codes` (`ups`).
    pub carrier: String,
    /// Unique within the account.
    pub name: String,
    /// The carrier's account number (UPS shipper number): printed on every label, not a secret.
    pub account_number: String,
    /// Where the carrier's API is (production, a test environment, or a local sandbox).
    pub base_url: String,
    /// `gif`, `png` or `zpl`.
    pub label_format: String,
    #[serde(default)]
    pub negotiated_rates: bool,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
}

/// Where parcels leave from, and where returns go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warehouse {
    pub warehouse_id: WarehouseId,
    pub account_id: AccountId,
    /// Unique within the account.
    pub name: String,
    /// Ship-from (and shipper) address printed on labels.
    pub origin: Address,
    /// Where returns go; `None` means the origin.
    #[serde(default)]
    pub return_address: Option<Address>,
    /// Labels ship from the default warehouse unless an order names another. At most one per account.
    pub is_default: bool,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
}

impl Warehouse {
    pub fn return_to(&self) -> &Address {
        self.return_address.as_ref().unwrap_or(&self.origin)
    }
}

/// What a write expects to find: the shipment in `state`, and (when given) last modified at `modify_date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedShipment {
    pub state: ShipmentState,
    pub modify_date: Option<Timestamp>,
}

/// One shipment write and everything that must happen with it, in ONE transaction: the shipment (inserted,
/// or moved from the expected state), its label files, the order's update, outbox messages queued and
/// messages withdrawn. Either all of it is stored or none of it.
#[derive(Clone, Debug)]
pub struct ShipmentWrite {
    /// Label files in `packages[].label` are stored beside the shipment (and only replaced, never removed, by
    /// later writes); reads return shipments without them (see `ShippingStore::shipment_labels`).
    pub shipment: Shipment,
    /// `None` inserts the shipment. `Some` updates the stored one, which must still be as expected
    /// (`StorageError::Conflict` otherwise).
    pub expected: Option<ExpectedShipment>,
    /// The shipment's order, updated under its own optimistic check (`OrderWrite::expected_modify_date`).
    pub order: Option<OrderWrite>,
    /// Messages to queue, as `OutboxStore::queue_messages` queues them: a message whose `dedupe_key` is already
    /// stored and has not gone out (pending, failed, needs manual action) takes the new state, payload and error
    /// and starts over (its id is kept); one that is sent or delivered stands, so nothing is reported twice.
    pub outbox: Vec<OutboxMessage>,
    /// Dedupe keys of messages that must not go out any more (the label they announce was voided). Each is
    /// removed unless it already left: a message that is `sent` or `delivered` fails the write with
    /// `StorageError::Conflict` (re-read it and decide again); an absent one is fine.
    pub withdraw: Vec<String>,
}

/// A stored label file of one package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLabel {
    pub shipment_id: ShipmentId,
    pub sequence: u32,
    pub label: LabelFile,
}

#[async_trait]
pub trait ShippingStore: Send + Sync {
    // --- carrier accounts -------------------------------------------------------------------------------
    /// Inserts a carrier account with its sealed credentials. `Duplicate` (`CARRIER_ACCOUNT_NAME`) if the
    /// name is taken in the account; `NotFound` if the account does not exist.
    async fn insert_carrier_account(&self, carrier: &CarrierAccount, sealed_secret: &[u8]) -> Result<()>;
    async fn get_carrier_account(&self, account: &AccountId, id: &CarrierAccountId) -> Result<CarrierAccount>;
    /// The account's carrier accounts, oldest first.
    async fn list_carrier_accounts(&self, account: &AccountId) -> Result<Vec<CarrierAccount>>;
    async fn carrier_account_secret(&self, account: &AccountId, id: &CarrierAccountId) -> Result<Vec<u8>>;
    /// Removes the account and its credentials. Shipments keep its id (they can no longer be voided through it).
    async fn delete_carrier_account(&self, account: &AccountId, id: &CarrierAccountId) -> Result<()>;

    // --- warehouses -------------------------------------------------------------------------------------
    /// Inserts a warehouse; when it `is_default`, the account's other warehouses stop being the default in the
    /// same transaction. `Duplicate` (`WAREHOUSE_NAME`) if the name is taken.
    async fn insert_warehouse(&self, warehouse: &Warehouse) -> Result<()>;
    async fn get_warehouse(&self, account: &AccountId, id: &WarehouseId) -> Result<Warehouse>;
    /// The account's warehouses, by name.
    async fn list_warehouses(&self, account: &AccountId) -> Result<Vec<Warehouse>>;
    /// Makes this warehouse the account's only default.
    async fn set_default_warehouse(&self, account: &AccountId, id: &WarehouseId, now: Timestamp) -> Result<()>;

    // --- shipments --------------------------------------------------------------------------------------
    /// Writes a shipment and what goes with it in one transaction (see `ShipmentWrite`).
    ///
    /// Refused, with nothing written: a second live shipment for the order (`Duplicate`, `LIVE_SHIPMENT`), a
    /// reused reference (`Duplicate`, `SHIPMENT_REFERENCE`), a stored shipment not as expected or an order
    /// changed since it was read (`Conflict`), a state change other than `purchasing -> purchasing | active |
    /// failed` and `active -> active | voided` (or an insert other than `purchasing` / `active`), and an order
    /// or message that is not the shipment's (`InvalidWrite`).
    async fn write_shipment(&self, write: &ShipmentWrite) -> Result<()>;
    async fn get_shipment(&self, account: &AccountId, id: &ShipmentId) -> Result<Shipment>;
    /// The shipments of these orders, oldest first (label files not included).
    async fn shipments_for_orders(&self, account: &AccountId, orders: &[OrderId]) -> Result<Vec<Shipment>>;
    /// The label files of these shipments, by shipment and package sequence.
    async fn shipment_labels(&self, account: &AccountId, shipments: &[ShipmentId]) -> Result<Vec<StoredLabel>>;
}

// --- what both backends share -----------------------------------------------------------------------------

pub(crate) fn shipment_state_str(state: ShipmentState) -> &'static str {
    match state {
        ShipmentState::Purchasing => "purchasing",
        ShipmentState::Active => "active",
        ShipmentState::Failed => "failed",
        ShipmentState::Voided => "voided",
    }
}

pub(crate) fn shipment_kind_str(kind: ShipmentKind) -> &'static str {
    match kind {
        ShipmentKind::Label => "label",
        ShipmentKind::Manual => "manual",
        ShipmentKind::External => "external",
        ShipmentKind::Pickup => "pickup",
    }
}

pub(crate) fn message_kind_str(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::SearsShipment => "sears_shipment",
        MessageKind::SearsLineCancel => "sears_line_cancel",
        MessageKind::ShipmentEmail => "shipment_email",
        MessageKind::DeliveryEmail => "delivery_email",
    }
}

pub(crate) fn message_state_str(state: MessageState) -> &'static str {
    match state {
        MessageState::Pending => "pending",
        MessageState::Sent => "sent",
        MessageState::Delivered => "delivered",
        MessageState::Failed => "failed",
        MessageState::NeedsManualAction => "needs_manual_action",
    }
}

pub(crate) fn message_state(text: &str) -> Option<MessageState> {
    Some(match text {
        "pending" => MessageState::Pending,
        "sent" => MessageState::Sent,
        "delivered" => MessageState::Delivered,
        "failed" => MessageState::Failed,
        "needs_manual_action" => MessageState::NeedsManualAction,
        _ => return None,
    })
}

/// Message states that mean the message has not reached anyone, so it may still be withdrawn.
pub(crate) const UNSENT_MESSAGE_STATES: &str = "('pending', 'failed', 'needs_manual_action')";

pub(crate) fn is_unsent(state: MessageState) -> bool {
    matches!(state, MessageState::Pending | MessageState::Failed | MessageState::NeedsManualAction)
}

/// Whether a write may move a shipment from `from` (`None`: a new shipment) to `to`.
fn transition_allowed(from: Option<ShipmentState>, to: ShipmentState) -> bool {
    use ShipmentState::*;
    matches!(
        (from, to),
        (None, Purchasing | Active)
            | (Some(Purchasing), Purchasing | Active | Failed)
            | (Some(Active), Active | Voided)
    )
}

/// A shipment write checked and serialized before any transaction starts.
pub(crate) struct PreparedShipment<'a> {
    pub write: &'a ShipmentWrite,
    /// The shipment as JSON, without its label files.
    pub doc: String,
    pub labels: Vec<(u32, &'a LabelFile)>,
    pub order: Option<PreparedOrder<'a>>,
    /// Each message and its payload as JSON.
    pub outbox: Vec<(&'a OutboxMessage, String)>,
    pub modify_date: Timestamp,
    pub create_date: Timestamp,
    pub expected_modify_date: Option<Timestamp>,
}

impl<'a> PreparedShipment<'a> {
    pub fn new(write: &'a ShipmentWrite) -> Result<Self> {
        let shipment = &write.shipment;
        let invalid = |detail: String| StorageError::InvalidWrite {
            what: "shipment",
            key: shipment.shipment_id.to_string(),
            detail,
        };
        let from = write.expected.map(|e| e.state);
        if !transition_allowed(from, shipment.state) {
            return Err(invalid(match from {
                None => format!("a new shipment starts as purchasing or active, not {:?}", shipment.state),
                Some(from) => format!("a shipment cannot go from {from:?} to {:?}", shipment.state),
            }));
        }
        if let Some(order) = &write.order {
            let o = &order.order;
            if o.order_id != shipment.order_id || o.account_id != shipment.account_id || o.store_id != shipment.store_id
            {
                return Err(invalid(format!("order {} is not the shipment's order {}", o.order_id, shipment.order_id)));
            }
        }
        for message in &write.outbox {
            if message.order_id != shipment.order_id
                || message.account_id != shipment.account_id
                || message.store_id != shipment.store_id
            {
                return Err(invalid(format!(
                    "outbox message {} is for order {}, not the shipment's order {}",
                    message.message_id, message.order_id, shipment.order_id
                )));
            }
        }
        let mut stripped = shipment.clone();
        let mut labels = Vec::new();
        for (package, original) in stripped.packages.iter_mut().zip(&shipment.packages) {
            if let Some(label) = &original.label {
                labels.push((original.sequence, label));
            }
            package.label = None;
        }
        let outbox = write
            .outbox
            .iter()
            .map(|m| Ok((m, to_json(&m.payload, "outbox message", &m.message_id)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(PreparedShipment {
            write,
            doc: to_json(&stripped, "shipment", &shipment.shipment_id)?,
            labels,
            order: write.order.as_ref().map(PreparedOrder::new).transpose()?,
            outbox,
            modify_date: stored_instant(shipment.modify_date),
            create_date: stored_instant(shipment.create_date),
            expected_modify_date: write.expected.and_then(|e| e.modify_date).map(stored_instant),
        })
    }

    pub fn shipment(&self) -> &'a Shipment {
        &self.write.shipment
    }

    pub fn state(&self) -> &'static str {
        shipment_state_str(self.write.shipment.state)
    }

    pub fn kind(&self) -> &'static str {
        shipment_kind_str(self.write.shipment.kind)
    }
}

/// A refused shipment insert, named by the constraint that refused it.
pub(crate) fn shipment_refused(error: sqlx::Error, shipment: &Shipment) -> StorageError {
    let detail = error
        .as_database_error()
        .map(|e| format!("{} {}", e.message(), e.constraint().unwrap_or_default()))
        .unwrap_or_default();
    let parent = Some(("order", &shipment.order_id as &dyn std::fmt::Display));
    if detail.contains("reference") {
        crate::codec::refused(error, SHIPMENT_REFERENCE, &shipment.reference, parent)
    } else if detail.contains("order_id") || detail.contains("one_live") {
        crate::codec::refused(error, LIVE_SHIPMENT, &shipment.order_id, parent)
    } else {
        crate::codec::refused(error, "shipment", &shipment.shipment_id, parent)
    }
}

/// A refused carrier account or warehouse insert: its name is taken, or its account does not exist.
pub(crate) fn named_refused(error: sqlx::Error, what: &'static str, name: &str, account: &AccountId) -> StorageError {
    crate::codec::refused(error, what, &format_args!("{name:?}"), Some(("account", account)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipments_move_only_forward() {
        use ShipmentState::*;
        assert!(transition_allowed(None, Purchasing));
        assert!(transition_allowed(None, Active));
        assert!(!transition_allowed(None, Voided));
        assert!(transition_allowed(Some(Purchasing), Active));
        assert!(transition_allowed(Some(Purchasing), Failed));
        assert!(transition_allowed(Some(Active), Voided));
        assert!(!transition_allowed(Some(Voided), Active));
        assert!(!transition_allowed(Some(Failed), Purchasing));
        assert!(!transition_allowed(Some(Active), Purchasing));
    }

    #[test]
    fn kinds_and_states_read_back() {
        for kind in [MessageKind::SearsShipment, MessageKind::SearsLineCancel, MessageKind::ShipmentEmail] {
            assert_eq!(serde_json::to_value(kind).unwrap(), message_kind_str(kind));
        }
        for state in [MessageState::Pending, MessageState::Sent, MessageState::NeedsManualAction] {
            assert_eq!(message_state(message_state_str(state)), Some(state));
            assert_eq!(serde_json::to_value(state).unwrap(), message_state_str(state));
        }
    }
}
