//! The outbox: messages to the world (the Sears shipment update, customer e-mails) written in the same
//! transaction as the change that causes them, and delivered afterwards by workers with retries.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, MessageId, OrderId, ShipmentId, StoreId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub message_id: MessageId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub order_id: OrderId,
    pub kind: MessageKind,
    pub state: MessageState,
    /// Unique among live messages: the same message is never queued twice (e.g. `asn:ord_…`).
    pub dedupe_key: String,
    /// Kind-specific data, e.g. the shipments an ASN reports, or the e-mail's template.
    pub payload: serde_json::Value,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    #[serde(default)]
    pub last_error: Option<String>,
    /// For Sears feeds: the `document-id` Sears returned, whose processing report decides the outcome.
    #[serde(default)]
    pub external_id: Option<String>,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// The Sears shipment update (ASN) for an order.
    SearsShipment,
    /// A seller's line cancellation sent to Sears.
    SearsLineCancel,
    ShipmentEmail,
    DeliveryEmail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Waiting to be sent (or to be retried at `next_attempt_at`).
    Pending,
    /// Sent; the outcome is not known yet (a Sears feed waits for its processing report).
    Sent,
    Delivered,
    /// Refused for good (e.g. Sears rejected the record): waits for the seller, who can retry it.
    Failed,
    /// Not sendable by Wharf (e.g. a SKU of 42+ characters): the seller acts in the Sears Seller Portal.
    NeedsManualAction,
}

/// A message to queue, before it has an id.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOutboxMessage {
    pub kind: MessageKind,
    pub dedupe_key: String,
    pub payload: serde_json::Value,
    pub shipment_ids: Vec<ShipmentId>,
}
