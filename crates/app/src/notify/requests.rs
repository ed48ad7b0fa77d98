//! Customer cancellation and return requests (SPEC.md §8), read from Sears after every import and shown on
//! their orders; and what follows when Sears cancels lines: an order Sears cancelled before Wharf shipped it
//! is cancelled in Wharf and leaves its open batch (decision 7), and an order whose remaining lines are all in
//! packages gets its shipment update queued.

use std::collections::{BTreeMap, HashMap};

use jiff::ToSpan;
use wharf_domain::history::Actor;
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::reimport::merge_reimport;
use wharf_domain::sears_time::central_date;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{CustomerRequest, MarketplaceUpdateState, MessageId, Order, OrderStatus};
use wharf_sears::{PurchaseOrder, RequestQuery, SearsClient};
use wharf_storage::OrderKey;
use wharf_storage::batches::BatchState;
use wharf_storage::outbox::{CustomerRequestRecord, RequestKind};

use super::asn::SearsShipmentPayload;
use super::orders::{order_write, set_marketplace_update, set_notice};
use super::sears_lines::{Readiness, line_quantities, readiness};
use super::sears_updates::live_shipment;
use crate::sears_adapter::{AdapterContext, order_from_sears};
use crate::{App, AppResult};

/// How far back requests are asked for (by request date): long enough for returns, which come weeks after
/// shipping.
pub const REQUEST_LOOKBACK_DAYS: i64 = 60;

/// Cancellation-request statuses that still wait for the seller (the XSD's, and the samples' `PENDING`).
pub const OPEN_CANCELLATION_STATUSES: [&str; 3] = ["INITIAL", "FOUND_ORDER_IN_SELLPO", "PENDING"];
/// Return-request statuses that still wait for the seller. Sears escalates them after 2 business days.
pub const OPEN_RETURN_STATUSES: [&str; 2] = ["PENDING_RETURN", "PENDING"];

pub const NOTICE_CANCELLATION_REQUEST: &str = "customer_cancellation_request";
pub const NOTICE_RETURN_REQUEST: &str = "customer_return_request";
pub const NOTICE_CANCELLED_IN_SEARS: &str = "cancelled_in_sears";

fn is_open(status: &str, open: &[&str]) -> bool {
    open.iter().any(|s| s.eq_ignore_ascii_case(status.trim()))
}

/// The import's hook: reads the store's customer requests from Sears, records them, shows them on their
/// orders, and settles orders Sears cancelled. Returns what went wrong, for the import run's errors.
pub async fn sync_customer_requests(app: &App, store: &SalesStore, client: &SearsClient) -> Vec<String> {
    let mut errors = Vec::new();
    let now = app.now();
    let today = central_date(now);
    let query = RequestQuery { status: None, from: Some(today - REQUEST_LOOKBACK_DAYS.days()), to: Some(today) };
    let mut records = Vec::new();
    let record = |kind,
                  request_id: &str,
                  po_number: &str,
                  po_date,
                  line,
                  quantity,
                  status: &str,
                  reason: &str,
                  date,
                  comments: &Option<String>| {
        CustomerRequestRecord {
            account_id: store.account_id.clone(),
            store_id: store.store_id.clone(),
            kind,
            request_id: request_id.to_owned(),
            line_number: line,
            order_id: None,
            po_number: po_number.to_owned(),
            po_date,
            quantity,
            status: status.to_owned(),
            reason: reason.to_owned(),
            request_date: Some(date),
            customer_comments: comments.clone(),
            first_seen: now,
            last_seen: now,
        }
    };
    match client.cancellation_requests(&query).await {
        Ok(feed) => records.extend(feed.requests.iter().map(|r| {
            record(
                RequestKind::Cancellation,
                &r.cancel_request_id,
                &r.po_number,
                r.po_date,
                r.com_line_number,
                r.quantity,
                &r.cancel_status,
                &r.cancel_reason,
                r.cancel_date,
                &r.customer_comments,
            )
        })),
        Err(e) => errors.push(format!("customer cancellation requests: {e}")),
    }
    match client.return_requests(&query).await {
        Ok(feed) => records.extend(feed.requests.iter().map(|r| {
            record(
                RequestKind::Return,
                &r.return_request_id,
                &r.po_number,
                r.po_date,
                r.com_line_number,
                r.quantity,
                &r.return_status,
                &r.return_reason,
                r.return_date,
                &r.customer_comments,
            )
        })),
        Err(e) => errors.push(format!("customer return requests: {e}")),
    }
    if let Err(e) = record_requests(app, store, records).await {
        errors.push(format!("customer requests: {e}"));
    }
    if let Err(e) = release_cancelled_orders(app, store).await {
        errors.push(format!("releasing cancelled orders from batches: {e}"));
    }
    errors
}

async fn record_requests(app: &App, store: &SalesStore, mut records: Vec<CustomerRequestRecord>) -> AppResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    let now = app.now();
    let mut keys: Vec<OrderKey> = records.iter().map(|r| OrderKey::new(r.po_number.clone(), r.po_date)).collect();
    keys.sort();
    keys.dedup();
    let orders = app.store.orders_by_keys(&store.store_id, &keys).await?;
    let mut changed: BTreeMap<OrderKey, Order> = BTreeMap::new();
    for r in &mut records {
        let key = OrderKey::new(r.po_number.clone(), r.po_date);
        let Some(stored) = orders.get(&key) else { continue };
        r.order_id = Some(stored.order_id.clone());
        let order = changed.entry(key).or_insert_with(|| stored.clone());
        let Some(sears) = order.sears.as_mut() else { continue };
        let list = match r.kind {
            RequestKind::Cancellation => &mut sears.cancellation_requests,
            RequestKind::Return => &mut sears.return_requests,
        };
        let shown = CustomerRequest {
            request_id: r.request_id.clone(),
            line_number: r.line_number,
            quantity: r.quantity,
            status: r.status.clone(),
            reason: r.reason.clone(),
            date: r.request_date.map(|d| d.to_string()),
            customer_comments: r.customer_comments.clone(),
        };
        match list.iter_mut().find(|c| c.request_id == shown.request_id && c.line_number == shown.line_number) {
            Some(existing) => *existing = shown,
            None => list.push(shown),
        }
    }
    let mut writes = Vec::new();
    let mut to_settle = Vec::new();
    for (key, mut order) in changed {
        let before = &orders[&key];
        show_requests(&mut order, now);
        if let Some(write) = order_write(before, order.clone(), Actor::Import { run_id: None }, None, now) {
            writes.push(write);
        }
        if order.sears.as_ref().is_some_and(|s| !s.cancellation_requests.is_empty()) {
            to_settle.push(order.order_id.clone());
        }
    }
    app.store.save_customer_requests(&records, &writes).await?;
    for order_id in to_settle {
        let order = app.store.get_order(&store.account_id, &order_id).await?;
        settle_after_sears_change(app, &order).await?;
    }
    Ok(())
}

/// The notices that tell the seller about requests waiting for them.
fn show_requests(order: &mut Order, now: jiff::Timestamp) {
    let Some(sears) = order.sears.clone() else { return };
    let unshipped = !order.order_status.is_final();
    let cancellations: Vec<String> = sears
        .cancellation_requests
        .iter()
        .filter(|r| is_open(&r.status, &OPEN_CANCELLATION_STATUSES))
        .map(describe)
        .collect();
    let message = (unshipped && !cancellations.is_empty()).then(|| {
        format!(
            "The customer asked to cancel: {}. Check before shipping: cancel the line (`wharf orders cancel-line {} \
             --line N --reason CUSTOMER-CHANGED-THEIR-MIND`) or ship it (Sears then rejects the request).",
            cancellations.join("; "),
            order.order_id
        )
    });
    set_notice(order, NOTICE_CANCELLATION_REQUEST, message, now);
    let returns: Vec<String> =
        sears.return_requests.iter().filter(|r| is_open(&r.status, &OPEN_RETURN_STATUSES)).map(describe).collect();
    let message = (!returns.is_empty()).then(|| {
        format!(
            "The customer asked to return: {}. Answer it in the Sears Seller Portal: Sears escalates a return request \
             after 2 business days.",
            returns.join("; ")
        )
    });
    set_notice(order, NOTICE_RETURN_REQUEST, message, now);
}

fn describe(r: &CustomerRequest) -> String {
    let mut text = format!(
        "line {} x{} ({}, request {}{})",
        r.line_number,
        r.quantity,
        r.reason,
        r.request_id,
        r.date.as_deref().map(|d| format!(", {d}")).unwrap_or_default()
    );
    if let Some(comments) = r.customer_comments.as_deref().filter(|c| !c.trim().is_empty()) {
        text.push_str(&format!(": \"{}\"", comments.trim()));
    }
    text
}

/// Re-reads `stored` from the purchase order just fetched from Sears and writes what changed (Sears's facts,
/// and its status as decision 7 allows; an order Sears cancelled entirely before Wharf shipped it becomes
/// cancelled). Returns the order as stored now.
pub async fn refresh_from_sears(
    app: &App,
    store: &SalesStore,
    client: &SearsClient,
    stored: &Order,
    po: &PurchaseOrder,
) -> AppResult<Order> {
    let now = app.now();
    let cx = AdapterContext {
        account_id: &store.account_id,
        store_id: &store.store_id,
        status_mapping: &store.settings.status_mapping,
        api_version: client.config().versions.purchase_order,
        now,
    };
    let fresh = order_from_sears(po, stored.order_id.clone(), &cx);
    let sears_status = store.settings.status_mapping.map(po.po_status.as_deref().unwrap_or_default());
    let mut merged = merge_reimport(stored, &fresh, sears_status, now).order;
    let shipments = app.store.shipments_for_orders(&store.account_id, std::slice::from_ref(&stored.order_id)).await?;
    let note =
        cancel_if_sears_cancelled_everything(&mut merged, live_shipment(&shipments, &stored.order_id).is_some(), now);
    let Some(mut write) = order_write(stored, merged, Actor::Import { run_id: None }, note, now) else {
        return Ok(stored.clone());
    };
    write.raw_document = Some(po.raw_xml().to_vec());
    app.store.update_order(&write).await?;
    Ok(write.order)
}

/// Decision 7: every unit of every line cancelled in Sears, none shipped, and no label in Wharf: the order is
/// cancelled (whatever Sears calls the purchase order; the sandbox says `Closed`). Returns the history note.
fn cancel_if_sears_cancelled_everything(
    order: &mut Order,
    wharf_shipped: bool,
    now: jiff::Timestamp,
) -> Option<&'static str> {
    let items: Vec<_> = order.items.iter().filter(|i| !i.adjustment && i.sears.is_some()).collect();
    let everything_cancelled = !items.is_empty()
        && items.iter().all(|i| {
            let q = line_quantities(i);
            q.open == 0 && q.shipped == 0 && q.cancelled > 0
        });
    if !everything_cancelled || wharf_shipped || order.order_status == OrderStatus::Cancelled {
        return None;
    }
    order.order_status = OrderStatus::Cancelled;
    set_marketplace_update(order, MarketplaceUpdateState::NotNeeded, None, now);
    set_notice(
        order,
        NOTICE_CANCELLED_IN_SEARS,
        Some("Every line was cancelled in Sears before Wharf shipped the order; it is cancelled in Wharf too.".into()),
        now,
    );
    set_notice(order, NOTICE_CANCELLATION_REQUEST, None, now);
    Some("cancelled in Sears before it shipped")
}

/// What follows a change Sears made to the order's lines: a cancelled order leaves its open batch; an order
/// whose remaining lines are all packaged is shipped, and its shipment update is queued.
pub async fn settle_after_sears_change(app: &App, order: &Order) -> AppResult<()> {
    let now = app.now();
    let shipments = app.store.shipments_for_orders(&order.account_id, std::slice::from_ref(&order.order_id)).await?;
    let live = live_shipment(&shipments, &order.order_id);
    let mut current = order.clone();
    if current.order_status != OrderStatus::Cancelled {
        let note = cancel_if_sears_cancelled_everything(&mut current, live.is_some(), now);
        if let Some(write) = order_write(order, current.clone(), Actor::System, note, now) {
            app.store.update_order(&write).await?;
            current = write.order;
        }
    }
    if current.order_status == OrderStatus::Cancelled {
        let reason = "the order was cancelled in Sears before it shipped";
        let left =
            crate::batches::remove_order_from_batches(app, &current.account_id, &current.order_id, reason).await?;
        for batch in left {
            tracing::info!(order = %current.order_id, batch = %batch, "a cancelled order left its batch");
        }
        return Ok(());
    }
    let Some(shipment) = live else { return Ok(()) };
    if readiness(&current, Some(&shipment)) != Readiness::Complete {
        return Ok(());
    }
    // Every unit Sears still expects is packaged now: the shipment update can go (unless it went already).
    let key = crate::shipping::outbox_messages::sears_dedupe_key(&current.order_id);
    let messages = app.store.order_messages(&current.account_id, &current.order_id).await?;
    let existing = messages.iter().find(|m| m.dedupe_key == key);
    let never_reached_sears = |m: &OutboxMessage| {
        serde_json::from_value::<SearsShipmentPayload>(m.payload.clone())
            .is_ok_and(|p| p.sent.is_none() && p.earlier.is_empty())
    };
    let queue = match existing {
        None => true,
        Some(m) => m.state == MessageState::Failed && never_reached_sears(m),
    };
    let mut after = current.clone();
    if matches!(after.order_status, OrderStatus::AwaitingShipment | OrderStatus::OnHold) {
        after.order_status = OrderStatus::Shipped;
    }
    if queue {
        set_marketplace_update(&mut after, MarketplaceUpdateState::Pending, None, now);
    }
    let write = order_write(&current, after, Actor::System, Some("every remaining line is in a package"), now);
    if queue {
        let payload = SearsShipmentPayload { shipment_ids: vec![shipment.shipment_id.clone()], ..Default::default() };
        let message = new_message(
            app,
            &current,
            MessageKind::SearsShipment,
            key,
            serde_json::to_value(payload).expect("payloads serialize"),
        );
        app.store.queue_messages(&[message], write.as_ref()).await?;
    } else if let Some(write) = write {
        app.store.update_order(&write).await?;
    }
    Ok(())
}

/// A new pending message of `order`, due now.
pub fn new_message(
    app: &App,
    order: &Order,
    kind: MessageKind,
    dedupe_key: String,
    payload: serde_json::Value,
) -> OutboxMessage {
    let now = app.now();
    OutboxMessage {
        message_id: MessageId::from_uuid(app.new_uuid()),
        account_id: order.account_id.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind,
        state: MessageState::Pending,
        dedupe_key,
        payload,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        external_id: None,
        create_date: now,
        modify_date: now,
    }
}

/// Orders cancelled (by the import's status mapping, or above) that an open or processing batch still holds
/// leave it.
async fn release_cancelled_orders(app: &App, store: &SalesStore) -> AppResult<()> {
    let batches = app.store.list_batches(&store.account_id, &[BatchState::Open, BatchState::Processing], 1000).await?;
    let mut checked: HashMap<wharf_domain::OrderId, bool> = HashMap::new();
    for batch in batches {
        for row in app.store.batch_orders(&store.account_id, &batch.batch_id).await? {
            if checked.contains_key(&row.order_id) {
                continue;
            }
            let cancelled = match app.store.get_order(&store.account_id, &row.order_id).await {
                Ok(order) => order.order_status == OrderStatus::Cancelled && order.store_id == store.store_id,
                Err(wharf_storage::StorageError::NotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            checked.insert(row.order_id.clone(), cancelled);
            if cancelled {
                let reason = "the order was cancelled in Sears";
                crate::batches::remove_order_from_batches(app, &store.account_id, &row.order_id, reason).await?;
            }
        }
    }
    Ok(())
}
