//! The `batches` area: batches of orders whose labels are bought together, each order's result in its batch,
//! and the print settings (packing-slip template, label messages, resolution) per account or store.
//!
//! Invariants kept by the database, not by callers:
//! - an order is held by at most one open or processing batch (a partial unique index on `holds_order`);
//! - an order whose label was bought in a batch keeps that result: no write changes a `bought` row;
//! - one processor at a time buys a batch's labels, under a lease it extends while it works (a crashed
//!   processor's lease runs out and the next one takes over).

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use wharf_domain::{AccountId, BatchId, OrderId, OrderStatus, ShipmentId, StoreId};

use crate::Result;

/// Where a batch is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Created, pre-flight checked, nothing bought yet.
    Open,
    /// Labels are being bought.
    Processing,
    /// Every order was tried: each has its label or its error. Failures can be fixed and processed again.
    Processed,
    /// Put away; read-only.
    Archived,
}

impl BatchState {
    pub const ALL: [BatchState; 4] =
        [BatchState::Open, BatchState::Processing, BatchState::Processed, BatchState::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Open => "open",
            BatchState::Processing => "processing",
            BatchState::Processed => "processed",
            BatchState::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Open and processing batches hold their orders (an order is in at most one of them).
    pub fn holds_orders(self) -> bool {
        matches!(self, BatchState::Open | BatchState::Processing)
    }
}

impl std::fmt::Display for BatchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one order of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderResult {
    /// Not tried yet (or waiting to be tried again).
    Pending,
    /// Pre-flight found problems: nothing was bought. Fix them and process the batch again.
    Invalid,
    /// The label was bought; final.
    Bought,
    /// The purchase failed (the carrier's message is in `error`): nothing was bought. Fix and retry.
    Failed,
    /// The order left the batch (cancelled meanwhile, or taken by another batch).
    Removed,
}

impl OrderResult {
    pub const ALL: [OrderResult; 5] =
        [OrderResult::Pending, OrderResult::Invalid, OrderResult::Bought, OrderResult::Failed, OrderResult::Removed];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderResult::Pending => "pending",
            OrderResult::Invalid => "invalid",
            OrderResult::Bought => "bought",
            OrderResult::Failed => "failed",
            OrderResult::Removed => "removed",
        }
    }

    pub fn parse(text: &str) -> Option<OrderResult> {
        OrderResult::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Worth trying (again) when the batch is processed: not bought and still in the batch.
    pub fn to_process(self) -> bool {
        matches!(self, OrderResult::Pending | OrderResult::Invalid | OrderResult::Failed)
    }
}

impl std::fmt::Display for OrderResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem (or warning) found about an order, with a stable code for scripts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// e.g. `address`, `weight`, `service`, `sears_code`, `carrier_account`, `warehouse`, `sku_too_long`.
    pub code: String,
    pub message: String,
}

impl Issue {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Issue { code: code.into(), message: message.into() }
    }
}

/// A failed purchase as the carrier reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseError {
    /// The whole message for the seller (the carrier's own words included).
    pub message: String,
    /// The carrier's error code, when it gave one.
    #[serde(default)]
    pub carrier_code: Option<String>,
    /// Trying again as is may work (a carrier outage); otherwise the order needs fixing first.
    #[serde(default)]
    pub retryable: bool,
}

/// What was bought for an order, as the batch shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSummary {
    pub tracking_numbers: Vec<String>,
    /// The amount the carrier charged, e.g. "12.34 USD".
    #[serde(default)]
    pub carrier_fee: Option<String>,
    #[serde(default)]
    pub service_code: Option<String>,
}

/// Everything known about one order's journey through its batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderOutcome {
    /// Pre-flight problems (nothing is bought while there are any).
    #[serde(default)]
    pub problems: Vec<Issue>,
    /// Pre-flight warnings (the label can be bought; something else needs the seller).
    #[serde(default)]
    pub warnings: Vec<Issue>,
    #[serde(default)]
    pub error: Option<PurchaseError>,
    #[serde(default)]
    pub label: Option<LabelSummary>,
    /// Why the order left the batch.
    #[serde(default)]
    pub removed_reason: Option<String>,
}

/// One order of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOrder {
    pub batch_id: BatchId,
    pub order_id: OrderId,
    /// 0-based place in the batch (orders are added oldest first).
    pub position: u32,
    pub result: OrderResult,
    #[serde(default)]
    pub shipment_id: Option<ShipmentId>,
    /// Purchase attempts made for this order in this batch.
    pub attempts: u32,
    pub outcome: OrderOutcome,
    pub updated_at: Timestamp,
}

/// How many orders of a batch are in each result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    pub total: u32,
    pub pending: u32,
    pub invalid: u32,
    pub bought: u32,
    pub failed: u32,
    pub removed: u32,
}

impl BatchCounts {
    pub fn add(&mut self, result: OrderResult, n: u32) {
        self.total += n;
        match result {
            OrderResult::Pending => self.pending += n,
            OrderResult::Invalid => self.invalid += n,
            OrderResult::Bought => self.bought += n,
            OrderResult::Failed => self.failed += n,
            OrderResult::Removed => self.removed += n,
        }
    }

    /// Orders still to try (or to try again).
    pub fn to_process(&self) -> u32 {
        self.pending + self.invalid + self.failed
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub batch_id: BatchId,
    pub account_id: AccountId,
    /// 1, 2, 3… within the account ("Batch #3").
    pub number: u32,
    pub state: BatchState,
    /// The store the batch was made for, when it was limited to one.
    #[serde(default)]
    pub store_id: Option<StoreId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub processed_at: Option<Timestamp>,
    #[serde(default)]
    pub archived_at: Option<Timestamp>,
    /// Who is buying the labels, and until when its lease runs.
    #[serde(default)]
    pub processor: Option<String>,
    #[serde(default)]
    pub processor_until: Option<Timestamp>,
    pub counts: BatchCounts,
}

/// Which orders a new batch takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchSelection {
    /// Orders in `status` (of `store`, when given), oldest order date first, at most `limit` of them.
    Matching { status: OrderStatus, store_id: Option<StoreId>, limit: Option<u32> },
    /// These orders of the account, in this order (unknown ids are left out).
    Orders(Vec<OrderId>),
}

#[derive(Clone, Debug)]
pub struct NewBatch {
    pub batch_id: BatchId,
    pub account_id: AccountId,
    pub selection: BatchSelection,
    pub created_at: Timestamp,
}

/// An order's new result in its batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderResultWrite {
    pub order_id: OrderId,
    pub result: OrderResult,
    pub outcome: OrderOutcome,
    /// The shipment bought (with `Bought`).
    pub shipment_id: Option<ShipmentId>,
    /// A purchase was attempted (counted in `attempts`).
    pub attempted: bool,
}

/// The answer to a request to start processing a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcessingClaim {
    /// The caller holds the batch until `until` (extend it while working). Orders the batch could not hold
    /// again (another batch took them meanwhile) were marked removed.
    Claimed(Batch),
    /// Another processor holds a live lease.
    Busy { processor: String, until: Timestamp },
}

/// Print settings; unset fields fall back: store -> account -> Wharf's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintSettings {
    /// The seller's packing-slip template (minijinja producing the documents' layout markup).
    #[serde(default)]
    pub slip_template: Option<String>,
    /// Up to three label message templates such as `[Order #] [SKU #1]`.
    #[serde(default)]
    pub label_messages: Option<Vec<String>>,
    /// Label printer resolution, 203 or 300.
    #[serde(default)]
    pub dpi: Option<u32>,
    /// `letter` or `4x6`.
    #[serde(default)]
    pub slip_size: Option<String>,
    /// Printed at the foot of every packing slip (return policy, thanks...).
    #[serde(default)]
    pub slip_footer: Option<String>,
}

/// Storage of batches and print settings. Every method is scoped by account.
#[async_trait]
pub trait BatchStore: Send + Sync {
    /// Creates a batch numbered after the account's last one, with the selected orders that no open or
    /// processing batch holds (an order in such a batch is left out, never moved). `None`, and nothing
    /// written, when no order qualifies. Safe against concurrent creations: each order lands in one batch.
    async fn create_batch(&self, batch: &NewBatch) -> Result<Option<Batch>>;
    async fn get_batch(&self, account: &AccountId, batch: &BatchId) -> Result<Batch>;
    /// Finds a batch by id or by number ("3" or "#3").
    async fn find_batch(&self, account: &AccountId, id_or_number: &str) -> Result<Batch>;
    /// The account's batches in these states (all when empty), newest first.
    async fn list_batches(&self, account: &AccountId, states: &[BatchState], limit: u32) -> Result<Vec<Batch>>;
    /// The batch's orders by position.
    async fn batch_orders(&self, account: &AccountId, batch: &BatchId) -> Result<Vec<BatchOrder>>;
    /// Records an order's result in the batch (with its outcome, and the shipment when bought); counts a
    /// purchase attempt when `write.attempted`. A `Removed` result releases the order. Refused with `Conflict`
    /// when the order's label was already bought in this batch, and `NotFound` if it is not in the batch.
    async fn record_order_result(
        &self,
        account: &AccountId,
        batch: &BatchId,
        write: &OrderResultWrite,
        now: Timestamp,
    ) -> Result<BatchOrder>;
    /// Takes the batch for buying its labels until `until`: an open or processed batch becomes processing
    /// (holding its unfinished orders again), a processing batch whose lease ran out (or is already
    /// `processor`'s) is taken over. `InvalidWrite` for an archived batch.
    async fn start_processing(
        &self,
        account: &AccountId,
        batch: &BatchId,
        processor: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<ProcessingClaim>;
    /// Extends `processor`'s lease; `LeaseLost` when it no longer holds the batch.
    async fn extend_processing(&self, batch: &BatchId, processor: &str, until: Timestamp) -> Result<()>;
    /// Ends a processing run: the batch becomes processed and releases its orders. `LeaseLost` when
    /// `processor` no longer holds it.
    async fn finish_processing(
        &self,
        account: &AccountId,
        batch: &BatchId,
        processor: &str,
        now: Timestamp,
    ) -> Result<Batch>;
    /// Gives the lease up without finishing (the batch stays processing, for the next processor to take at
    /// once). A no-op when `processor` does not hold it.
    async fn release_processing(&self, batch: &BatchId, processor: &str) -> Result<()>;
    /// Archives an open or processed batch (releasing its orders). `InvalidWrite` while processing.
    async fn archive_batch(&self, account: &AccountId, batch: &BatchId, now: Timestamp) -> Result<Batch>;
    /// Takes the order out of any open or processing batch that holds it and has not bought its label
    /// (e.g. it was cancelled), recording `reason`; returns those batches.
    async fn remove_from_open_batches(
        &self,
        account: &AccountId,
        order: &OrderId,
        reason: &str,
        now: Timestamp,
    ) -> Result<Vec<BatchId>>;

    /// The print settings of the account (`store` None) or of one store, as saved (no fallback applied).
    async fn print_settings(&self, account: &AccountId, store: Option<&StoreId>) -> Result<PrintSettings>;
    /// Replaces the print settings of the account or of one store.
    async fn set_print_settings(
        &self,
        account: &AccountId,
        store: Option<&StoreId>,
        settings: &PrintSettings,
        now: Timestamp,
    ) -> Result<()>;
}
