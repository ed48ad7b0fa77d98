//! The outbox area: the messages to the world that the shipping area queues in the same transaction as a
//! shipment (Sears shipment updates, line cancellations, customer e-mails), read and updated here by the
//! workers that deliver them; plus what those workers keep beside them: the stores' e-mail templates, the
//! customer cancellation and return requests read from Sears, and the alerts already sent.
//!
//! Delivery is serialized by the job queue (one job per store for Sears feeds, one for e-mails), so messages
//! are not claimed row by row; every update is checked against the `modify_date` it was read with instead
//! (`StorageError::Conflict` when someone else changed the message meanwhile, e.g. queued it again).

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::{AccountId, MessageId, OrderId, StoreId};

use crate::{OrderWrite, Result};

/// A message to write back after a delivery step, with the `modify_date` it had when it was read.
#[derive(Clone, Debug)]
pub struct MessageWrite {
    pub message: OutboxMessage,
    pub expected_modify_date: Timestamp,
}

/// Which messages a worker wants: due ones (`next_attempt_at <= due_at`) of these kinds and states, oldest
/// due first, optionally of one store only.
#[derive(Clone, Debug)]
pub struct DueMessages {
    pub store: Option<StoreId>,
    pub kinds: Vec<MessageKind>,
    pub states: Vec<MessageState>,
    pub due_at: Timestamp,
    pub limit: u32,
}

/// A store's own customer e-mail template (the built-in one applies when a store has none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplate {
    pub account_id: AccountId,
    pub store_id: StoreId,
    /// `ShipmentEmail` or `DeliveryEmail`.
    pub kind: MessageKind,
    /// minijinja sources.
    pub subject: String,
    pub html: String,
    pub text: String,
    pub modify_date: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Cancellation,
    Return,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Cancellation => "cancellation",
            RequestKind::Return => "return",
        }
    }
}

/// One line of a customer's cancellation or return request, as Sears last reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRequestRecord {
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub kind: RequestKind,
    pub request_id: String,
    pub line_number: u32,
    /// The Wharf order, when Wharf holds the purchase order.
    pub order_id: Option<OrderId>,
    pub po_number: String,
    pub po_date: Date,
    pub quantity: u32,
    /// Sears's status, as sent (an open set: `INITIAL`, `PENDING_RETURN`, `PENDING`...).
    pub status: String,
    pub reason: String,
    pub request_date: Option<Date>,
    pub customer_comments: Option<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// Which customer requests to list.
#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub kind: Option<RequestKind>,
    pub store: Option<StoreId>,
    /// Only these statuses (compared case-insensitively); empty = any.
    pub statuses: Vec<String>,
    pub order: Option<OrderId>,
}

/// An alert condition that was e-mailed, so that it is not e-mailed again every few minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRecord {
    pub account_id: AccountId,
    /// The condition, e.g. `import_failing:sto_…`, `orders_past_ship_by`.
    pub key: String,
    /// When the condition was first seen (since it last cleared).
    pub first_seen: Timestamp,
    pub last_sent_at: Option<Timestamp>,
    /// What the alert said last.
    pub detail: String,
}

/// Storage of the outbox area. A supertrait of `Store`.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    // --- messages -------------------------------------------------------------------------------------------
    /// Queues messages, in one transaction with `order` when given (written under its optimistic check).
    ///
    /// A message whose `dedupe_key` is already stored is the same message queued again after its cause
    /// changed: a pending, failed or needs-manual-action one takes the new payload and is pending again from
    /// `next_attempt_at` with its attempts reset (its id is kept); a sent or delivered one is left untouched,
    /// so nothing is ever reported twice. Returns the messages as stored, in the order given.
    async fn queue_messages(
        &self,
        messages: &[OutboxMessage],
        order: Option<&OrderWrite>,
    ) -> Result<Vec<OutboxMessage>>;
    async fn get_message(&self, account: &AccountId, message: &MessageId) -> Result<OutboxMessage>;
    /// The order's messages, oldest first.
    async fn order_messages(&self, account: &AccountId, order: &OrderId) -> Result<Vec<OutboxMessage>>;
    /// Due messages of every account (the workers' view), earliest `next_attempt_at` first.
    async fn due_messages(&self, query: &DueMessages) -> Result<Vec<OutboxMessage>>;
    /// The earliest `next_attempt_at` of pending or sent messages of these kinds (of one store, or all).
    async fn next_due_at(&self, store: Option<&StoreId>, kinds: &[MessageKind]) -> Result<Option<Timestamp>>;
    /// The store's messages carried by one Sears feed (`external_id` = its document-id).
    async fn messages_with_external_id(&self, store: &StoreId, external_id: &str) -> Result<Vec<OutboxMessage>>;
    /// Writes delivery progress: every message (checked against its expected `modify_date`) and every order
    /// (checked against its own), in ONE transaction; on `Conflict` nothing is written.
    async fn save_deliveries(&self, messages: &[MessageWrite], orders: &[OrderWrite]) -> Result<()>;
    /// The account's messages of these kinds in these states, most recently changed first.
    async fn messages_in_states(
        &self,
        account: &AccountId,
        kinds: &[MessageKind],
        states: &[MessageState],
        limit: u32,
    ) -> Result<Vec<OutboxMessage>>;
    async fn count_messages(&self, account: &AccountId, kinds: &[MessageKind], states: &[MessageState]) -> Result<u64>;

    // --- e-mail templates -----------------------------------------------------------------------------------
    async fn email_template(
        &self,
        account: &AccountId,
        store: &StoreId,
        kind: MessageKind,
    ) -> Result<Option<EmailTemplate>>;
    /// Inserts or replaces the store's template of that kind.
    async fn put_email_template(&self, template: &EmailTemplate) -> Result<()>;
    /// Removes it (the built-in template applies again); false if there was none.
    async fn delete_email_template(&self, account: &AccountId, store: &StoreId, kind: MessageKind) -> Result<bool>;

    // --- customer requests ----------------------------------------------------------------------------------
    /// Upserts requests by (store, kind, request id, line): `first_seen` is kept, the rest refreshed; `orders`
    /// (the orders showing them) are written in the same transaction.
    async fn save_customer_requests(&self, requests: &[CustomerRequestRecord], orders: &[OrderWrite]) -> Result<()>;
    /// The account's requests matching `filter`, newest request first.
    async fn customer_requests(
        &self,
        account: &AccountId,
        filter: &RequestFilter,
    ) -> Result<Vec<CustomerRequestRecord>>;

    // --- alerts ---------------------------------------------------------------------------------------------
    async fn alert_records(&self, account: &AccountId) -> Result<Vec<AlertRecord>>;
    /// Inserts or replaces the record of `record.key`.
    async fn put_alert_record(&self, record: &AlertRecord) -> Result<()>;
    /// Forgets a condition that cleared (so it alerts again if it comes back).
    async fn delete_alert_record(&self, account: &AccountId, key: &str) -> Result<()>;
}

/// The database spelling of a message kind (`wharf_domain::outbox::MessageKind`, snake case).
pub(crate) fn kind_str(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::SearsShipment => "sears_shipment",
        MessageKind::SearsLineCancel => "sears_line_cancel",
        MessageKind::ShipmentEmail => "shipment_email",
        MessageKind::DeliveryEmail => "delivery_email",
    }
}

pub(crate) fn parse_kind(text: &str) -> Option<MessageKind> {
    [MessageKind::SearsShipment, MessageKind::SearsLineCancel, MessageKind::ShipmentEmail, MessageKind::DeliveryEmail]
        .into_iter()
        .find(|k| kind_str(*k) == text)
}

pub(crate) fn state_str(state: MessageState) -> &'static str {
    match state {
        MessageState::Pending => "pending",
        MessageState::Sent => "sent",
        MessageState::Delivered => "delivered",
        MessageState::Failed => "failed",
        MessageState::NeedsManualAction => "needs_manual_action",
    }
}

pub(crate) fn parse_state(text: &str) -> Option<MessageState> {
    [
        MessageState::Pending,
        MessageState::Sent,
        MessageState::Delivered,
        MessageState::Failed,
        MessageState::NeedsManualAction,
    ]
    .into_iter()
    .find(|s| state_str(*s) == text)
}

pub(crate) fn parse_request_kind(text: &str) -> Option<RequestKind> {
    [RequestKind::Cancellation, RequestKind::Return].into_iter().find(|k| k.as_str() == text)
}

/// Messages that can be queued again under their dedupe key (see `queue_messages`).
pub(crate) const REQUEUEABLE_STATES: &str = "('pending', 'failed', 'needs_manual_action')";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_spellings_match_the_domain_serde_names() {
        for kind in [
            MessageKind::SearsShipment,
            MessageKind::SearsLineCancel,
            MessageKind::ShipmentEmail,
            MessageKind::DeliveryEmail,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::json!(kind_str(kind)));
            assert_eq!(parse_kind(kind_str(kind)), Some(kind));
        }
        for state in [
            MessageState::Pending,
            MessageState::Sent,
            MessageState::Delivered,
            MessageState::Failed,
            MessageState::NeedsManualAction,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), serde_json::json!(state_str(state)));
            assert_eq!(parse_state(state_str(state)), Some(state));
        }
        assert_eq!(parse_kind("sms"), None);
    }
}
