//! Batches: the day's orders grouped, checked before anything is bought, their labels bought together, and
//! their documents printed in one file.
//!
//! A batch is `open` (created and pre-flight checked), `processing` (labels being bought), `processed` (each
//! order has its label or its error) or `archived`. An order is in at most one open or processing batch (the
//! database enforces it). Processing buys the labels of the orders not bought yet, `concurrency` at a time,
//! under a lease on the batch that the processor extends while it works; an order bought is never touched
//! again, so a batch is processed again (or retried) as often as needed after fixing what failed. Buying is
//! idempotent per order (`shipping::labels::buy_labels`), so a processor killed at any point and restarted
//! buys no label twice.

pub mod preflight;
pub mod process;

use serde::Serialize;
use wharf_domain::{AccountId, BatchId, OrderId, OrderStatus, StoreId};
use wharf_storage::batches::{
    Batch, BatchOrder, BatchSelection, NewBatch, OrderOutcome, OrderResult, OrderResultWrite,
};

pub use preflight::{Preflight, PreflightContext};
pub use process::{
    BatchProgress, NoProgress, ProcessOptions, ProcessOutcome, ProcessReport, enqueue_processing, process_batch,
};

use crate::{App, AppError, AppResult};

/// Which orders a new batch takes.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    /// Orders in this status (awaiting shipment, typically)...
    pub status: OrderStatus,
    /// ...of this store only, when given...
    pub store_id: Option<StoreId>,
    /// ...oldest first, at most this many.
    pub limit: Option<u32>,
    /// Or exactly these orders (the filters above are then not used).
    pub orders: Vec<OrderId>,
}

/// One order of a batch as the seller sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOrderView {
    pub order_id: OrderId,
    pub order_number: String,
    pub result: OrderResult,
    #[serde(flatten)]
    pub outcome: OrderOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<wharf_domain::ShipmentId>,
    pub attempts: u32,
}

/// A batch with its orders: what `wharf batch status` shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchStatus {
    #[serde(rename = "id")]
    pub batch_id: BatchId,
    pub number: u32,
    pub state: wharf_storage::batches::BatchState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    pub created_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<jiff::Timestamp>,
    /// Who is buying the labels right now, and until when its lease runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_until: Option<jiff::Timestamp>,
    /// A `wharf batch process --no-wait` waiting for a worker.
    pub queued: bool,
    pub counts: wharf_storage::batches::BatchCounts,
    /// Orders with at least one warning.
    pub warnings: u32,
    pub orders: Vec<BatchOrderView>,
}

/// Finds a batch by id or number (`3`, `#3`).
pub async fn find_batch(app: &App, account: &AccountId, id_or_number: &str) -> AppResult<Batch> {
    app.store
        .find_batch(account, id_or_number)
        .await
        .map_err(|e| AppError::from_storage(e, "see `wharf batch list` for the batches and their numbers"))
}

/// Creates a batch and runs pre-flight on each of its orders: an order with problems is marked `invalid`
/// with every problem listed (nothing is bought for it until they are fixed), warnings are kept either way.
pub async fn create_batch(app: &App, account: &AccountId, request: &BatchRequest) -> AppResult<BatchStatus> {
    let mut cancelled = Vec::new();
    let selection = if request.orders.is_empty() {
        BatchSelection::Matching { status: request.status, store_id: request.store_id.clone(), limit: request.limit }
    } else {
        // A cancelled order would leave the batch at once: it is not put in.
        let mut wanted = Vec::new();
        for id in &request.orders {
            let order = app
                .store
                .get_order(account, id)
                .await
                .map_err(|e| AppError::from_storage(e, "see `wharf orders list`"))?;
            if order.order_status == OrderStatus::Cancelled {
                cancelled.push(order.order_number);
            } else {
                wanted.push(order.order_id);
            }
        }
        BatchSelection::Orders(wanted)
    };
    let new = NewBatch {
        batch_id: BatchId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        selection,
        created_at: app.now(),
    };
    let Some(batch) = app.store.create_batch(&new).await? else {
        return Err(AppError::InvalidInput(if request.orders.is_empty() {
            format!(
                "no order is {}{} outside another open batch; nothing to batch (see `wharf orders list --status {}` \
                 and `wharf batch list`)",
                request.status,
                request.store_id.as_ref().map(|s| format!(" in store {s}")).unwrap_or_default(),
                request.status
            )
        } else if !cancelled.is_empty() {
            format!(
                "none of these orders can be batched (cancelled: {}; any others are already in an open batch, see `wharf batch list`)",
                cancelled.join(", ")
            )
        } else {
            "none of these orders can be batched: they are already in an open batch (see `wharf batch list`)".into()
        }));
    };
    let context = process::preflight_context(app, account).await?;
    for member in app.store.batch_orders(account, &batch.batch_id).await? {
        let order = app.store.get_order(account, &member.order_id).await?;
        let found = preflight::check(&order, &context);
        if found.problems.is_empty() && found.warnings.is_empty() {
            continue;
        }
        let result = if found.is_ok() { OrderResult::Pending } else { OrderResult::Invalid };
        let outcome = OrderOutcome { problems: found.problems, warnings: found.warnings, ..Default::default() };
        let write =
            OrderResultWrite { order_id: member.order_id, result, outcome, shipment_id: None, attempted: false };
        app.store.record_order_result(account, &batch.batch_id, &write, app.now()).await?;
    }
    batch_status(app, account, &batch.batch_id).await
}

/// The batch and each of its orders: result, problems and warnings, the carrier's message, the label bought.
/// Orders cancelled since they were batched leave it now (unless their label was bought).
pub async fn batch_status(app: &App, account: &AccountId, batch: &BatchId) -> AppResult<BatchStatus> {
    let mut found =
        app.store.get_batch(account, batch).await.map_err(|e| AppError::from_storage(e, "see `wharf batch list`"))?;
    let mut members = app.store.batch_orders(account, batch).await?;
    let mut orders = Vec::with_capacity(members.len());
    let mut left = false;
    for member in &mut members {
        let order = app.store.get_order(account, &member.order_id).await?;
        if found.state.holds_orders() && member.result.to_process() && order.order_status == OrderStatus::Cancelled {
            *member = leave_cancelled(app, account, batch, member).await?;
            left = true;
        }
        orders.push(BatchOrderView {
            order_id: member.order_id.clone(),
            order_number: order.order_number,
            result: member.result,
            outcome: member.outcome.clone(),
            shipment_id: member.shipment_id.clone(),
            attempts: member.attempts,
        });
    }
    if left {
        found = app.store.get_batch(account, batch).await?;
    }
    let queued = app.store.get_job_by_key(&process::job_key(batch)).await?.is_some();
    Ok(BatchStatus {
        batch_id: found.batch_id,
        number: found.number,
        state: found.state,
        store_id: found.store_id,
        created_at: found.created_at,
        processed_at: found.processed_at,
        archived_at: found.archived_at,
        processor: found.processor,
        processor_until: found.processor_until,
        queued,
        counts: found.counts,
        warnings: members.iter().filter(|m| !m.outcome.warnings.is_empty()).count() as u32,
        orders,
    })
}

pub(crate) const CANCELLED_REASON: &str = "the order was cancelled, so it left the batch";

async fn leave_cancelled(
    app: &App,
    account: &AccountId,
    batch: &BatchId,
    member: &BatchOrder,
) -> AppResult<BatchOrder> {
    let mut outcome = member.outcome.clone();
    outcome.removed_reason = Some(CANCELLED_REASON.into());
    let write = OrderResultWrite {
        order_id: member.order_id.clone(),
        result: OrderResult::Removed,
        outcome,
        shipment_id: None,
        attempted: false,
    };
    Ok(app.store.record_order_result(account, batch, &write, app.now()).await?)
}

/// Takes a cancelled (or otherwise unshippable) order out of every open or processing batch that has not
/// bought its label. For whoever learns of the cancellation (the import, a seller's command).
pub async fn remove_order_from_batches(
    app: &App,
    account: &AccountId,
    order: &OrderId,
    reason: &str,
) -> AppResult<Vec<BatchId>> {
    Ok(app.store.remove_from_open_batches(account, order, reason, app.now()).await?)
}

/// Archives an open or processed batch.
pub async fn archive_batch(app: &App, account: &AccountId, batch: &BatchId) -> AppResult<Batch> {
    app.store.archive_batch(account, batch, app.now()).await.map_err(|e| match e {
        wharf_storage::StorageError::InvalidWrite { detail, key, .. } => {
            AppError::InvalidInput(format!("batch {key} cannot be archived: {detail}"))
        }
        other => AppError::from_storage(other, "see `wharf batch list`"),
    })
}

/// The account's batches, newest first.
pub async fn list_batches(
    app: &App,
    account: &AccountId,
    states: &[wharf_storage::batches::BatchState],
    limit: u32,
) -> AppResult<Vec<Batch>> {
    Ok(app.store.list_batches(account, states, limit).await?)
}
