//! Order import: one Sears request per US Central day over the store's window (plus the days of known
//! orders that are still open), each day mapped, merged and written in one transaction.
//!
//! Re-importing is always safe: new orders are inserted under the (store, PO number, PO date) constraint,
//! known ones are merged (Sears's facts refreshed, Wharf's decisions kept) and written only when something
//! changed. A crash between days leaves whole days written; the next run asks for the window again.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::json;
use tracing::Instrument;
use wharf_domain::automation::Trigger;
use wharf_domain::catalog::fill_from_catalog;
use wharf_domain::history::{Actor, HistoryEntry, diff_orders};
use wharf_domain::import_policy::SkipReason;
use wharf_domain::import_run::{ImportCounts, ImportOutcome, ImportRun, ImportTrigger, SkippedOrder};
use wharf_domain::product::{Product, ProductOrigin, ProductShippingDefaults};
use wharf_domain::reimport::{merge_reimport, note_shipped_outside_wharf};
use wharf_domain::sears_time::{central_date, central_instant};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{ImportRunId, Order, OrderId, OrderStatus, ProductId};
use wharf_sears::{PoResponse, RateLimitReason, SearsClient, SearsError};
use wharf_storage::{ImportDayWrite, OrderKey, OrderWrite, StorageError, StoreImportState};

use crate::automation::AccountAutomation;
use crate::failpoint::failpoint;
use crate::sears_adapter::{AdapterContext, order_from_sears};
use crate::sears_limits::waiting_reason;
use crate::{App, AppError, AppResult};

/// Days before the window's first day that are asked for too, so an order on the boundary is never missed.
const OVERLAP_DAYS: i64 = 1;
/// How often a day is retried when a concurrent change to one of its orders makes its write conflict.
const DAY_WRITE_ATTEMPTS: u32 = 3;

/// Told about an import's progress (the CLI draws a progress bar).
pub trait ImportProgress: Send + Sync {
    fn planned(&self, _days: usize) {}
    fn day_done(&self, _day: Date, _counts: &ImportCounts) {}
}

pub struct NoProgress;
impl ImportProgress for NoProgress {}

/// Imports one store now and records the run and the store's import state.
pub async fn import_store(
    app: &App,
    store: &SalesStore,
    trigger: ImportTrigger,
    progress: &dyn ImportProgress,
) -> AppResult<ImportRun> {
    let span = tracing::info_span!("import", store = %store.store_id);
    import_store_inner(app, store, trigger, progress).instrument(span).await
}

async fn import_store_inner(
    app: &App,
    store: &SalesStore,
    trigger: ImportTrigger,
    progress: &dyn ImportProgress,
) -> AppResult<ImportRun> {
    let now = app.now();
    let policy = store.settings.import_policy();
    let today = central_date(now);
    let first_day = central_date(now - policy.window) - OVERLAP_DAYS.days();
    let mut days = app.store.open_order_dates_before(&store.store_id, first_day).await?;
    days.sort();
    let mut day = first_day;
    while day <= today {
        days.push(day);
        day = day.tomorrow().expect("dates within range");
    }
    // Automation (product defaults, service mapping, rules) is loaded once per run, not per order.
    let automation = AccountAutomation::for_import(app, store).await?;

    let mut run = ImportRun {
        run_id: ImportRunId::from_uuid(app.new_uuid()),
        account_id: store.account_id.clone(),
        store_id: store.store_id.clone(),
        trigger,
        started_at: now,
        finished_at: None,
        window_from: first_day,
        window_to: today,
        counts: ImportCounts::default(),
        errors: vec![],
        outcome: ImportOutcome::Running,
    };
    app.store.insert_import_run(&run).await?;
    progress.planned(days.len());
    // Stored rules that no longer check as a set are left out of this run, and the run says so.
    run.errors.extend(automation.problem.clone());

    // When a Sears rate limit stopped the run: until when, and which limit.
    let mut rate_limited: Option<(Timestamp, RateLimitReason)> = None;
    let mut days_ok = 0usize;
    match app.sears_client(store).await {
        Err(e) => run.errors.push(e.to_string()),
        Ok(client) => {
            // The next day is fetched and parsed on another task while this one is planned and written
            // (docs/benchmarks.md). Fetches stay one after another, so a 403 stops the run before another call.
            let mut next = days.first().map(|&day| prefetch(&client, day));
            for (i, &day) in days.iter().enumerate() {
                // Every day's fetch was started by the previous turn (a fatal error ends the loop).
                let response = next.take().expect("the day's fetch is under way").response().await;
                if !matches!(&response, Err(e) if is_fatal_for_run(e)) {
                    next = days.get(i + 1).map(|&following| prefetch(&client, following));
                }
                match import_day(app, store, &client, &run.run_id, day, response, &automation).await {
                    Ok(counts) => {
                        days_ok += 1;
                        run.counts.add(&counts);
                        progress.day_done(day, &counts);
                    }
                    Err(e) => {
                        tracing::warn!(%day, error = %e, "import of a day failed");
                        metrics::counter!("wharf_sears_errors_total", "kind" => error_kind(&e)).increment(1);
                        let fatal = is_fatal_for_run(&e);
                        if let AppError::Sears(SearsError::RateLimited { reason, retry_at, .. }) = &e {
                            rate_limited = Some((*retry_at, *reason));
                        }
                        run.errors.push(format!("{day}: {e}"));
                        if fatal {
                            // The next day's fetch may be under way (the error came after this day's fetch).
                            if let Some(fetch) = next.take() {
                                fetch.task.abort();
                            }
                            break;
                        }
                    }
                }
            }
            // Notify (issue 6): the store's customer cancellation and return requests, after the days.
            if rate_limited.is_none() {
                run.errors.extend(crate::notify::requests::sync_customer_requests(app, store, &client).await);
            }
        }
    }

    let finished = app.now();
    run.finished_at = Some(finished);
    run.outcome = match (run.errors.is_empty(), days_ok) {
        (true, _) => ImportOutcome::Succeeded,
        (false, 0) => ImportOutcome::Failed,
        (false, _) => ImportOutcome::Partial,
    };
    app.store.update_import_run(&run).await?;
    record_store_state(app, store, &run, rate_limited).await?;

    let c = &run.counts;
    for (what, n) in [("new", c.new), ("updated", c.updated), ("unchanged", c.unchanged), ("skipped", c.skipped)] {
        metrics::counter!("wharf_import_orders_total", "result" => what).increment(n);
    }
    metrics::counter!("wharf_import_runs_total", "outcome" => outcome_label(run.outcome)).increment(1);
    metrics::histogram!("wharf_import_duration_seconds").record((finished - now).as_secs_f64());
    tracing::info!(
        outcome = outcome_label(run.outcome),
        new = c.new,
        updated = c.updated,
        skipped = c.skipped,
        "import finished"
    );
    Ok(run)
}

/// Rate limits and refused credentials fail every other day the same way: stop asking.
fn is_fatal_for_run(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Sears(SearsError::RateLimited { .. } | SearsError::Authentication { .. }) | AppError::Secret(_)
    )
}

fn error_kind(e: &AppError) -> &'static str {
    match e {
        AppError::Sears(SearsError::RateLimited { .. }) => "rate_limited",
        AppError::Sears(SearsError::Authentication { .. }) => "authentication",
        AppError::Sears(SearsError::Outage { .. }) => "outage",
        AppError::Sears(SearsError::Timeout { .. }) => "timeout",
        AppError::Sears(SearsError::Connection { .. }) => "connection",
        AppError::Sears(SearsError::MalformedXml { .. }) => "malformed_xml",
        AppError::Sears(_) => "other",
        _ => "internal",
    }
}

fn outcome_label(outcome: ImportOutcome) -> &'static str {
    match outcome {
        ImportOutcome::Running => "running",
        ImportOutcome::Succeeded => "succeeded",
        ImportOutcome::Partial => "partial",
        ImportOutcome::Failed => "failed",
    }
}

/// One day's purchase orders, being fetched and parsed on a task of their own.
struct DayFetch {
    day: Date,
    task: tokio::task::JoinHandle<Result<(PoResponse, std::time::Duration), SearsError>>,
}

impl DayFetch {
    /// The response and how long the fetch itself took.
    async fn response(self) -> AppResult<(PoResponse, std::time::Duration)> {
        match self.task.await {
            Ok(result) => Ok(result?),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only a runtime shutting down cancels a fetch that is awaited.
            Err(_) => Err(AppError::Io(format!("the fetch of {} was stopped: Wharf is shutting down", self.day))),
        }
    }
}

fn prefetch(client: &SearsClient, day: Date) -> DayFetch {
    let client = client.clone();
    let span = tracing::Span::current();
    let task = tokio::spawn(
        async move {
            failpoint("import.before_fetch");
            let started = std::time::Instant::now();
            let response = client.purchase_orders_between(day, day).await?;
            Ok((response, started.elapsed()))
        }
        .instrument(span),
    );
    DayFetch { day, task }
}

async fn import_day(
    app: &App,
    store: &SalesStore,
    client: &SearsClient,
    run_id: &ImportRunId,
    day: Date,
    response: AppResult<(PoResponse, std::time::Duration)>,
    automation: &AccountAutomation,
) -> AppResult<ImportCounts> {
    let started = std::time::Instant::now();
    let (response, fetched) = response?;
    let mut attempt = 1;
    loop {
        let version = client.config().versions.purchase_order;
        let (write, counts) = plan_day(app, store, run_id, &response, version, automation).await?;
        let planned = started.elapsed();
        failpoint("import.before_day_write");
        match app.store.write_import_day(&store.account_id, &store.store_id, write).await {
            Ok(()) => {
                failpoint("import.after_day_write");
                tracing::debug!(
                    %day,
                    orders = counts.fetched,
                    fetch_ms = fetched.as_millis() as u64,
                    plan_ms = planned.as_millis() as u64,
                    write_ms = (started.elapsed() - planned).as_millis() as u64,
                    "day imported"
                );
                return Ok(counts);
            }
            // Someone changed one of the day's orders, or inserted one, since we read them: read again.
            Err(StorageError::Conflict { .. } | StorageError::Duplicate { .. }) if attempt < DAY_WRITE_ATTEMPTS => {
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Decides what one day's response means: which orders are new, changed, unchanged or skipped.
async fn plan_day(
    app: &App,
    store: &SalesStore,
    run_id: &ImportRunId,
    response: &PoResponse,
    api_version: u32,
    automation: &AccountAutomation,
) -> AppResult<(ImportDayWrite, ImportCounts)> {
    let now = app.now();
    let keys: Vec<OrderKey> = response
        .purchase_orders
        .iter()
        .map(|po| OrderKey { po_number: po.po_number.clone(), po_date: po.po_date })
        .collect();
    let stored = app.store.orders_by_keys(&store.store_id, &keys).await?;
    let mut skus: Vec<String> = response
        .purchase_orders
        .iter()
        .flat_map(|po| po.po_lines.iter().map(|l| l.po_line_header.item_id.clone()))
        .collect();
    skus.sort();
    skus.dedup();
    let mut catalog: HashMap<String, Product> =
        app.store.products_by_skus(&store.account_id, &skus).await?.into_iter().map(|p| (p.sku.clone(), p)).collect();

    let cx = AdapterContext {
        account_id: &store.account_id,
        store_id: &store.store_id,
        status_mapping: &store.settings.status_mapping,
        api_version: response.version.unwrap_or(api_version),
        now,
    };
    let policy = store.settings.import_policy();
    let actor = Actor::Import { run_id: Some(run_id.clone()) };
    let mut write = ImportDayWrite::default();
    let mut counts = ImportCounts::default();

    for (po, key) in response.purchase_orders.iter().zip(keys) {
        counts.fetched += 1;
        let sears_status = store.settings.status_mapping.map(po.po_status.as_deref().unwrap_or_default());
        let fresh = order_from_sears(po, OrderId::from_uuid(app.new_uuid()), &cx);
        let raw_document = po.raw_xml().to_vec();

        if let Some(stored) = stored.get(&key) {
            let mut merged = merge_reimport(stored, &fresh, sears_status, now).order;
            if !merged.order_status.is_final() {
                fill_catalog(app, &mut merged, &mut catalog, &mut write.new_products, now);
            }
            let changes = diff_orders(stored, &merged);
            if changes.is_empty() {
                counts.unchanged += 1;
                continue;
            }
            merged.modify_date = now;
            counts.updated += 1;
            let mut history: Vec<HistoryEntry> =
                changes.into_iter().map(|c| c.into_entry(now, actor.clone())).collect();
            // Automation: on an order this import moved into Awaiting Shipment (paid, or its status now mapped).
            if stored.order_status != OrderStatus::AwaitingShipment
                && merged.order_status == OrderStatus::AwaitingShipment
            {
                history.extend(automation.changes(&mut merged, &catalog, Trigger::MovedToAwaitingShipment, now));
            }
            write.updated_orders.push(OrderWrite {
                history,
                order: merged,
                raw_document: Some(raw_document),
                expected_modify_date: Some(stored.modify_date),
            });
            continue;
        }

        match policy.check_new(&fresh, now) {
            Err(reason) => {
                counts.skipped += 1;
                write.skipped.push(skipped(store, &key, Some(fresh.order_date), reason, now));
            }
            Ok(()) => {
                let mut order = fresh;
                if order.order_status == OrderStatus::AwaitingPayment {
                    note_shipped_outside_wharf(&mut order, now);
                }
                fill_catalog(app, &mut order, &mut catalog, &mut write.new_products, now);
                counts.new += 1;
                let created = HistoryEntry {
                    at: now,
                    actor: actor.clone(),
                    field: "order".into(),
                    old: serde_json::Value::Null,
                    new: json!(order.order_status),
                    note: Some(format!(
                        "imported from Sears (Sears status \"{}\")",
                        order.sears.as_ref().map(|s| s.status.as_str()).unwrap_or_default()
                    )),
                };
                let mut history = vec![created];
                // Automation: on an order that arrives awaiting shipment (the pipeline skips any other).
                history.extend(automation.changes(&mut order, &catalog, Trigger::Import, now));
                write.no_longer_skipped.push(key);
                write.new_orders.push(OrderWrite {
                    order,
                    raw_document: Some(raw_document),
                    history,
                    expected_modify_date: None,
                });
            }
        }
    }

    // Nothing is lost: an order Sears sent that could not be read is listed as skipped with the reason.
    for unreadable in &response.unreadable {
        counts.failed += 1;
        if let (Some(po_number), Some(po_date)) = (&unreadable.po_number, unreadable.po_date) {
            let key = OrderKey { po_number: po_number.clone(), po_date };
            let reason = SkipReason::Unreadable { detail: unreadable.error.0.clone() };
            write.skipped.push(skipped(
                store,
                &key,
                Some(central_instant(po_date, jiff::civil::Time::midnight())),
                reason,
                now,
            ));
        }
    }
    Ok((write, counts))
}

/// Fills an order from the catalog; SKUs the catalog does not know become (incomplete) products.
fn fill_catalog(
    app: &App,
    order: &mut Order,
    catalog: &mut HashMap<String, Product>,
    new_products: &mut Vec<Product>,
    now: Timestamp,
) {
    for item in &order.items {
        if item.adjustment || catalog.contains_key(&item.sku) {
            continue;
        }
        let product = Product {
            product_id: ProductId::from_uuid(app.new_uuid()),
            account_id: order.account_id.clone(),
            sku: item.sku.clone(),
            name: item.name.clone(),
            weight: None,
            dimensions: None,
            image_url: None,
            options: vec![],
            warehouse_location: None,
            tags: vec![],
            upc: None,
            customs: None,
            defaults: ProductShippingDefaults::default(),
            origin: ProductOrigin::Import,
            create_date: now,
            modify_date: now,
        };
        new_products.push(product.clone());
        catalog.insert(item.sku.clone(), product);
    }
    fill_from_catalog(order, |sku| catalog.get(sku));
}

fn skipped(
    store: &SalesStore,
    key: &OrderKey,
    order_date: Option<Timestamp>,
    reason: SkipReason,
    now: Timestamp,
) -> SkippedOrder {
    SkippedOrder {
        store_id: store.store_id.clone(),
        po_number: key.po_number.clone(),
        po_date: key.po_date,
        order_date,
        message: reason.to_string(),
        reason,
        first_seen: now,
        last_seen: now,
    }
}

/// Records the outcome on the store (what `wharf status` shows) and when the next scheduled run is due.
async fn record_store_state(
    app: &App,
    store: &SalesStore,
    run: &ImportRun,
    rate_limited: Option<(Timestamp, RateLimitReason)>,
) -> AppResult<()> {
    let mut state = app.store.store_import_state(&store.store_id).await?;
    let now = run.finished_at.unwrap_or(run.started_at);
    state.last_attempt_at = Some(now);
    if run.outcome == ImportOutcome::Succeeded {
        state.last_success_at = Some(now);
        state.current_error = None;
        state.failing_since = None;
        state.consecutive_failures = 0;
        state.waiting_reason = None;
    } else {
        state.current_error = run.errors.first().cloned();
        state.failing_since = state.failing_since.or(Some(run.started_at));
        state.consecutive_failures += 1;
        state.waiting_reason = rate_limited.map(|(until, reason)| waiting_reason(reason, until));
    }
    let rate_limited_until = rate_limited.map(|(until, _)| until);
    state.next_run_at = store.settings.auto_import.then(|| next_run_at(store, &state, now, rate_limited_until));
    app.store.set_store_import_state(&store.store_id, &state).await?;
    Ok(())
}

/// Before a scheduled import: while the installation backs off from Sears (any store of any instance was answered
/// `403 rate limited`), the store does not call Sears and no run is recorded; it says why it waits and runs next
/// when the back-off ends, which is returned (decision 13). `None`: no back-off, import now.
pub async fn wait_out_back_off(app: &App, store: &SalesStore) -> AppResult<Option<Timestamp>> {
    let Some(until) = app
        .sears_limiter()
        .state()
        .back_off(app.now())
        .await
        .map_err(|e| AppError::Sears(SearsError::LimiterUnavailable { detail: e.0 }))?
    else {
        return Ok(None);
    };
    let mut state = app.store.store_import_state(&store.store_id).await?;
    state.waiting_reason = Some(waiting_reason(RateLimitReason::SearsThrottled, until));
    state.next_run_at = Some(until);
    app.store.set_store_import_state(&store.store_id, &state).await?;
    tracing::info!(store = %store.store_id, %until, "Sears throttles this installation: the import waits");
    Ok(Some(until))
}

/// When the next scheduled import runs: the store's interval after a success; after failures, a backoff that
/// doubles up to 30 minutes (never off: a store that keeps failing keeps being tried, and says so).
pub fn next_run_at(
    store: &SalesStore,
    state: &StoreImportState,
    now: Timestamp,
    rate_limited_until: Option<Timestamp>,
) -> Timestamp {
    let interval = SignedDuration::from_mins(i64::from(store.settings.import_interval_minutes));
    let delay = if state.consecutive_failures == 0 {
        interval
    } else {
        let exponent = state.consecutive_failures.saturating_sub(1).min(6);
        let backoff = SignedDuration::from_mins(1) * 2i32.pow(exponent);
        backoff.min(SignedDuration::from_mins(30)).max(SignedDuration::from_mins(1))
    };
    let next = now + delay;
    match rate_limited_until {
        Some(until) if until > next => until,
        _ => next,
    }
}
