//! Processing a batch: buying the labels of its orders not bought yet, a bounded number at a time, under a
//! lease on the batch.
//!
//! Crash safety rests on two things. The batch's lease: one processor at a time; a crashed processor's lease
//! runs out and the next run takes over. And `buy_labels`, idempotent per order: an order whose purchase was
//! recorded (or even made at the carrier) before a crash is settled by that purchase, never bought again.
//! Named failpoints mark the places a crash test kills the process: `batch.before_buy`,
//! `batch.after_label_bought` (bought, not yet recorded in the batch) and `batch.after_order_done`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use wharf_domain::shipment::{Shipment, ShipmentKind, ShipmentState};
use wharf_domain::{AccountId, BatchId, OrderStatus};
use wharf_storage::batches::{
    Batch, BatchOrder, BatchState, LabelSummary, OrderOutcome, OrderResult, OrderResultWrite, ProcessingClaim,
    PurchaseError,
};
use wharf_storage::{Job, JobOutcome, NewJob, StorageError};

use super::CANCELLED_REASON;
use super::preflight::{self, PreflightContext};
use crate::failpoint::failpoint;
use crate::shipping::{LabelPurchase, ShippingError, buy_labels};
use crate::{App, AppError, AppResult};

/// The job kind of `wharf batch process --no-wait`.
pub const BATCH_PROCESS_JOB: &str = "batch_process";

/// How a batch is processed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessOptions {
    /// Label purchases in flight at once (within what the carrier allows the account).
    pub concurrency: usize,
    /// How long the batch stays this processor's without a sign of life; extended every quarter of it.
    pub lease_seconds: u64,
}

impl ProcessOptions {
    /// Labels bought at once: carrier calls take about 300 ms, so 16 in flight buy 500 labels in under 15 s
    /// (docs/benchmarks.md). An order the carrier refuses with 429 is marked retryable for `wharf batch retry`.
    pub const DEFAULT_CONCURRENCY: usize = 16;
    /// More in flight than this gains nothing against one carrier account and risks its rate limits.
    pub const MAX_CONCURRENCY: usize = 32;
    pub const DEFAULT_LEASE_SECONDS: u64 = 60;

    fn lease(&self) -> SignedDuration {
        SignedDuration::from_secs(self.lease_seconds.clamp(2, 3600) as i64)
    }
}

impl Default for ProcessOptions {
    fn default() -> Self {
        ProcessOptions { concurrency: Self::DEFAULT_CONCURRENCY, lease_seconds: Self::DEFAULT_LEASE_SECONDS }
    }
}

/// Told as processing goes (the CLI's progress bar).
pub trait BatchProgress: Send + Sync {
    /// Processing started: `to_do` orders will be tried.
    fn started(&self, _batch: &Batch, _to_do: usize) {}
    /// One order is done (or left alone) with this result.
    fn order_done(&self, _order_number: &str, _result: OrderResult) {}
}

/// Progress nobody watches.
pub struct NoProgress;
impl BatchProgress for NoProgress {}

/// What one processing run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessReport {
    pub batch: Batch,
    /// Orders tried in this run.
    pub tried: u32,
    pub bought: u32,
    pub invalid: u32,
    pub failed: u32,
    pub removed: u32,
}

#[derive(Debug, Clone)]
pub enum ProcessOutcome {
    Done(Box<ProcessReport>),
    /// Another processor is buying this batch's labels; its lease runs until `until`.
    Busy {
        processor: String,
        until: Timestamp,
    },
}

pub(crate) async fn preflight_context(app: &App, account: &AccountId) -> AppResult<PreflightContext> {
    Ok(PreflightContext {
        carrier_accounts: app.store.list_carrier_accounts(account).await?,
        warehouses: app.store.list_warehouses(account).await?,
    })
}

/// A name for this process's processor (shown in `wharf batch status`).
pub fn processor_name(app: &App, kind: &str) -> String {
    format!("{kind}:{}:{}", std::process::id(), &app.new_uuid().simple().to_string()[24..])
}

/// Buys the labels of every order of the batch that is not bought yet (pending, invalid or failed), then
/// marks the batch processed. Orders with pre-flight problems stay `invalid` and orders the carrier refused
/// `failed`, each with the reason; bought orders are never touched again.
pub async fn process_batch(
    app: &App,
    account: &AccountId,
    batch: &BatchId,
    options: &ProcessOptions,
    processor: &str,
    progress: &dyn BatchProgress,
) -> AppResult<ProcessOutcome> {
    let lease = options.lease();
    let claim = app.store.start_processing(account, batch, processor, app.now() + lease, app.now()).await.map_err(
        |e| match e {
            StorageError::InvalidWrite { detail, key, .. } => {
                AppError::InvalidInput(format!("batch {key} cannot be processed: {detail}"))
            }
            other => AppError::from_storage(other, "see `wharf batch list`"),
        },
    )?;
    let started = match claim {
        ProcessingClaim::Busy { processor, until } => return Ok(ProcessOutcome::Busy { processor, until }),
        ProcessingClaim::Claimed(batch) => batch,
    };
    let result = run(app, account, &started, options, processor, progress).await;
    match result {
        Ok(mut report) => {
            report.batch = app.store.finish_processing(account, batch, processor, app.now()).await?;
            Ok(ProcessOutcome::Done(Box::new(report)))
        }
        Err(e) => {
            // The next run takes over at once instead of waiting for the lease to run out.
            let _ = app.store.release_processing(batch, processor).await;
            Err(e)
        }
    }
}

async fn run(
    app: &App,
    account: &AccountId,
    batch: &Batch,
    options: &ProcessOptions,
    processor: &str,
    progress: &dyn BatchProgress,
) -> AppResult<ProcessReport> {
    let members = app.store.batch_orders(account, &batch.batch_id).await?;
    let to_do: Vec<BatchOrder> = members.into_iter().filter(|m| m.result.to_process()).collect();
    progress.started(batch, to_do.len());
    let context = Arc::new(preflight_context(app, account).await?);

    // The lease is extended while orders are bought; losing it (another processor took over after this one
    // stalled) stops new purchases at once.
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (app, batch_id, processor, lost) =
            (app.clone(), batch.batch_id.clone(), processor.to_owned(), lost.clone());
        let lease = options.lease();
        tokio::spawn(async move {
            let every = Duration::from_millis((lease.as_millis() / 4).max(500) as u64);
            loop {
                tokio::time::sleep(every).await;
                match app.store.extend_processing(&batch_id, &processor, app.now() + lease).await {
                    Ok(()) => {}
                    Err(StorageError::LeaseLost(_)) => {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(e) => tracing::warn!(error = %e, batch = %batch_id, "could not extend the batch's lease"),
                }
            }
        })
    };

    let permits = Arc::new(Semaphore::new(options.concurrency.clamp(1, ProcessOptions::MAX_CONCURRENCY)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut report = ProcessReport { batch: batch.clone(), tried: 0, bought: 0, invalid: 0, failed: 0, removed: 0 };
    let mut first_error: Option<AppError> = None;
    let mut note = |report: &mut ProcessReport, done: Result<(String, OrderResult), AppError>| match done {
        Ok((number, result)) => {
            report.tried += 1;
            match result {
                OrderResult::Bought => report.bought += 1,
                OrderResult::Invalid => report.invalid += 1,
                OrderResult::Failed => report.failed += 1,
                OrderResult::Removed => report.removed += 1,
                OrderResult::Pending => {}
            }
            progress.order_done(&number, result);
        }
        Err(e) => {
            tracing::error!(error = %e, batch = %batch.batch_id, "an order of the batch could not be processed");
            first_error.get_or_insert(e);
        }
    };
    for member in to_do {
        if lost.load(Ordering::SeqCst) {
            break;
        }
        let permit = permits.clone().acquire_owned().await.expect("the semaphore is never closed");
        let (app, account, batch_id, context) = (app.clone(), account.clone(), batch.batch_id.clone(), context.clone());
        tasks.spawn(async move {
            let _permit = permit;
            process_order(&app, &account, &batch_id, &member, &context).await
        });
        // Collect whatever finished meanwhile, so progress moves while purchases are in flight.
        while let Some(joined) = tasks.try_join_next() {
            note(&mut report, joined.unwrap_or_else(|e| Err(AppError::Io(format!("an order's task stopped: {e}")))));
        }
    }
    while let Some(joined) = tasks.join_next().await {
        note(&mut report, joined.unwrap_or_else(|e| Err(AppError::Io(format!("an order's task stopped: {e}")))));
    }
    heartbeat.abort();
    if lost.load(Ordering::SeqCst) {
        return Err(AppError::InvalidInput(format!(
            "batch #{} was taken over by another processor (this one stalled past its lease); see `wharf batch \
             status {}`",
            batch.number, batch.number
        )));
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

fn label_summary(shipment: &Shipment) -> LabelSummary {
    LabelSummary {
        tracking_numbers: shipment.tracking_numbers().map(str::to_owned).collect(),
        carrier_fee: shipment.carrier_fee.map(|fee| fee.to_string()),
        service_code: Some(shipment.service_code.clone()),
    }
}

fn purchase_error(error: &ShippingError) -> PurchaseError {
    PurchaseError {
        message: error.to_string(),
        carrier_code: match error {
            ShippingError::Carrier(e) => e.carrier_code().map(str::to_owned),
            _ => None,
        },
        retryable: error.is_retryable(),
    }
}

/// Tries one order; returns its number and result once the result is recorded.
async fn process_order(
    app: &App,
    account: &AccountId,
    batch: &BatchId,
    member: &BatchOrder,
    context: &PreflightContext,
) -> AppResult<(String, OrderResult)> {
    let order = app.store.get_order(account, &member.order_id).await?;
    let shipments = app.store.shipments_for_orders(account, std::slice::from_ref(&order.order_id)).await?;
    let live = shipments
        .iter()
        .find(|s| matches!(s.state, ShipmentState::Purchasing | ShipmentState::Active) && !s.test_label);
    let mut outcome = OrderOutcome { warnings: member.outcome.warnings.clone(), ..Default::default() };
    let record = |result: OrderResult, outcome: OrderOutcome, shipment: Option<&Shipment>, attempted: bool| {
        let write = OrderResultWrite {
            order_id: member.order_id.clone(),
            result,
            outcome,
            shipment_id: shipment.map(|s| s.shipment_id.clone()),
            attempted,
        };
        async move { app.store.record_order_result(account, batch, &write, app.now()).await }
    };

    // A purchase already under way or made (by this batch before a crash, typically) is settled, never
    // repeated: `buy_labels` returns it. A shipment made elsewhere (by hand) takes the order out of the batch.
    let settle = match live {
        Some(s) if s.kind == ShipmentKind::Label => true,
        Some(s) => {
            outcome.removed_reason =
                Some(format!("the order was shipped outside the batch (shipment {})", s.shipment_id));
            record(OrderResult::Removed, outcome, None, false).await?;
            return Ok((order.order_number, OrderResult::Removed));
        }
        None => false,
    };
    if !settle {
        if order.order_status == OrderStatus::Cancelled {
            outcome.removed_reason = Some(CANCELLED_REASON.into());
            record(OrderResult::Removed, outcome, None, false).await?;
            return Ok((order.order_number, OrderResult::Removed));
        }
        let found = preflight::check(&order, context);
        outcome.warnings = found.warnings;
        if !found.problems.is_empty() {
            outcome.problems = found.problems;
            record(OrderResult::Invalid, outcome, None, false).await?;
            return Ok((order.order_number, OrderResult::Invalid));
        }
    }

    failpoint("batch.before_buy");
    let request = LabelPurchase { batch_id: Some(batch.clone()), ..Default::default() };
    match buy_labels(app, account, &order.order_id, &request).await {
        Ok(shipment) => {
            failpoint("batch.after_label_bought");
            outcome.label = Some(label_summary(&shipment));
            record(OrderResult::Bought, outcome, Some(&shipment), true).await?;
            failpoint("batch.after_order_done");
            Ok((order.order_number, OrderResult::Bought))
        }
        Err(error) => {
            tracing::warn!(order = %order.order_id, batch = %batch, error = %error, "label purchase failed");
            outcome.error = Some(purchase_error(&error));
            record(OrderResult::Failed, outcome, None, true).await?;
            failpoint("batch.after_order_done");
            Ok((order.order_number, OrderResult::Failed))
        }
    }
}

// --- processing in the job queue (`wharf batch process --no-wait`) -------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessJobPayload {
    account_id: AccountId,
    batch_id: BatchId,
    options: ProcessOptions,
}

pub fn job_key(batch: &BatchId) -> String {
    format!("{BATCH_PROCESS_JOB}:{batch}")
}

/// Queues the batch for processing by a worker (`wharf serve`); returns at once. Queuing twice is one job.
pub async fn enqueue_processing(
    app: &App,
    account: &AccountId,
    batch: &BatchId,
    options: &ProcessOptions,
) -> AppResult<Job> {
    let found =
        app.store.get_batch(account, batch).await.map_err(|e| AppError::from_storage(e, "see `wharf batch list`"))?;
    if found.state == BatchState::Archived {
        return Err(AppError::InvalidInput(format!(
            "batch #{} is archived; create a new batch for the orders that still need labels",
            found.number
        )));
    }
    let payload = ProcessJobPayload { account_id: account.clone(), batch_id: batch.clone(), options: options.clone() };
    Ok(app
        .store
        .enqueue(
            &NewJob {
                kind: BATCH_PROCESS_JOB.into(),
                unique_key: Some(job_key(batch)),
                payload: serde_json::to_value(payload).expect("payload serializes"),
                run_at: app.now(),
                max_attempts: 20,
            },
            app.now(),
        )
        .await?)
}

/// Runs a queued batch: processes it, or waits for the processor that holds it.
pub async fn run_process_job(app: &App, job: &Job) -> JobOutcome {
    let worker = job.locked_by.clone().unwrap_or_default();
    let payload: ProcessJobPayload = match serde_json::from_value(job.payload.clone()) {
        Ok(p) => p,
        Err(e) => return JobOutcome::Dead { error: format!("unreadable batch job: {e}") },
    };
    let processor = format!("worker:{worker}:{}", job.id);
    // The job's own lease follows the batch's while the run lasts.
    let keep_job = {
        let (app, id, worker) = (app.clone(), job.id.clone(), worker.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                if app.store.extend_lease(&id, &worker, app.now() + crate::jobs::LEASE).await.is_err() {
                    return;
                }
            }
        })
    };
    let outcome =
        process_batch(app, &payload.account_id, &payload.batch_id, &payload.options, &processor, &NoProgress).await;
    keep_job.abort();
    match outcome {
        Ok(ProcessOutcome::Done(report)) => {
            tracing::info!(
                batch = %payload.batch_id,
                bought = report.bought,
                failed = report.failed,
                invalid = report.invalid,
                "batch processed"
            );
            JobOutcome::Completed
        }
        Ok(ProcessOutcome::Busy { until, .. }) => {
            JobOutcome::Reschedule { run_at: until + SignedDuration::from_secs(1), payload: None }
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::NotFound { .. })) => JobOutcome::Dead { error: e.to_string() },
        Err(e) => JobOutcome::Retry { error: e.to_string(), retry_at: app.now() + SignedDuration::from_secs(30) },
    }
}
