//! Telling Sears: the per-store worker that sends shipment updates (ASN v7) and line cancellations in feeds of
//! many orders, polls each feed's processing report until Sears has processed it, and settles every message
//! as accepted or rejected with Sears's own words.
//!
//! Sears's PUTs are not idempotent (SPEC.md §5.4, decision 9). So a message is marked `sent` (with the exact
//! record it carries) BEFORE the PUT, and gets its document-id after. A message found `sent` without a
//! document-id (a timeout, a broken answer, or a crash in between), or one that is about to be sent again
//! after an earlier attempt, is first checked against the purchase order re-read from Sears
//! (`po-shipment-info` and the line statuses): Sears already has it, Sears does not have it (then it is
//! sent), or it cannot tell (then the seller decides). No package is ever reported twice.
//!
//! Failpoints (crash tests): `asn.before_put`, `asn.after_put` (before the document-id is stored),
//! `asn.after_report` (processing report read, outcome not stored yet); `cancel.before_put`,
//! `cancel.after_put`.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use wharf_domain::history::Actor;
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::shipment::{Shipment, ShipmentKind};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{MarketplaceUpdateState, Order, OrderId, OrderStatus};
use wharf_sears::{
    CancelReason, DocumentId, OrderCancel, OrderCancelDetail, OrderCancelFeed, ProcessingState, PurchaseOrder, Report,
    SearsClient, SearsError,
};
use wharf_storage::StorageError;
use wharf_storage::outbox::{DueMessages, MessageWrite};

use super::asn::{AsnProblem, AsnRecord, SearsShipmentPayload, SentAsn, build_record, feed};
use super::orders::{order_write, set_marketplace_update, set_notice};
use super::sears_lines::{
    BucketKind, LineQuantities, Readiness, bucket_kind, describe_missing, line_quantities, readiness,
};
use crate::failpoint::failpoint;
use crate::{App, AppError, AppResult};

/// The kinds this worker delivers.
pub const SEARS_KINDS: [MessageKind; 2] = [MessageKind::SearsShipment, MessageKind::SearsLineCancel];

/// Messages read per step (a report, the unknown outcomes); feeds take `max_records_per_feed`.
const READ_LIMIT: u32 = 10_000;

/// The payload of a `SearsLineCancel` message: one line of one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineCancelPayload {
    pub line_number: u32,
    /// Sears's reason code, e.g. `OUT-OF-STOCK`.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<SentCancel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<SentCancel>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentCancel {
    pub item_id: String,
    pub record_id: u64,
    pub attempted_at: Timestamp,
    #[serde(default)]
    pub document_id: Option<String>,
}

/// The notice code of a line cancellation's outcome on its order.
pub fn line_cancel_notice(line: u32) -> String {
    format!("line_cancel:{line}")
}

/// What one pass did, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub asn_feeds: usize,
    pub cancel_feeds: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub rechecked: usize,
}

/// One pass over a store's Sears messages: reports, unknown outcomes, then new feeds. Returns when the store's
/// job should run next.
pub async fn run_store(app: &App, store: &SalesStore) -> AppResult<(PassReport, Timestamp)> {
    let config = app.notify_config().clone();
    let mut report = PassReport::default();
    let client = app.sears_client(store).await?;
    poll_reports(app, store, &client, &mut report).await?;
    recover_unknown(app, store, &client, &mut report).await?;
    send_shipments(app, store, &client, &mut report).await?;
    send_cancels(app, store, &client, &mut report).await?;

    let now = app.now();
    let mut next = now + config.sears_feed_interval;
    if let Some(due) = app.store.next_due_at(Some(&store.store_id), &SEARS_KINDS).await? {
        // Something is due sooner (a report to poll): come back then, but never spin.
        next = next.min(due.max(now + SignedDuration::from_secs(1)));
    }
    Ok((report, next))
}

// --- changes written together ---------------------------------------------------------------------------

/// Message and order changes of one step, saved in one transaction.
#[derive(Default)]
struct Changes {
    messages: Vec<MessageWrite>,
    orders: BTreeMap<OrderId, (Order, Order)>,
    notes: BTreeMap<OrderId, String>,
}

impl Changes {
    fn message(&mut self, before: &OutboxMessage, after: OutboxMessage) {
        self.messages.push(MessageWrite { message: after, expected_modify_date: before.modify_date });
    }

    fn order(&mut self, order: &Order) -> &mut Order {
        &mut self.orders.entry(order.order_id.clone()).or_insert_with(|| (order.clone(), order.clone())).1
    }

    fn note(&mut self, order: &OrderId, note: String) {
        self.notes.insert(order.clone(), note);
    }

    fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.orders.is_empty()
    }

    async fn save(self, app: &App) -> AppResult<()> {
        if self.is_empty() {
            return Ok(());
        }
        let now = app.now();
        let writes: Vec<_> = self
            .orders
            .into_iter()
            .filter_map(|(id, (before, after))| {
                let note = self.notes.get(&id).map(String::as_str);
                order_write(&before, after, Actor::System, note, now)
            })
            .collect();
        app.store.save_deliveries(&self.messages, &writes).await?;
        Ok(())
    }
}

fn payload<T: serde::de::DeserializeOwned>(message: &OutboxMessage) -> Result<T, String> {
    serde_json::from_value(message.payload.clone())
        .map_err(|e| format!("message {} has an unreadable payload ({e}); queue it again", message.message_id))
}

fn with_payload<T: Serialize>(mut message: OutboxMessage, payload: &T, now: Timestamp) -> OutboxMessage {
    message.payload = serde_json::to_value(payload).expect("payloads serialize");
    message.modify_date = now;
    message
}

/// A message settled for good (delivered, failed, needs manual action) or put back to pending.
fn settled(message: &OutboxMessage, state: MessageState, error: Option<String>, now: Timestamp) -> OutboxMessage {
    OutboxMessage {
        state,
        last_error: error,
        next_attempt_at: if state == MessageState::Pending { now } else { message.next_attempt_at },
        modify_date: now,
        ..message.clone()
    }
}

/// Storage conflicts mean someone changed a message or order meanwhile: the next pass reads again.
fn tolerate_conflict(result: AppResult<()>, step: &str) -> AppResult<()> {
    match result {
        Err(AppError::Storage(e @ (StorageError::Conflict { .. } | StorageError::NotFound { .. }))) => {
            tracing::info!(error = %e, step, "a message or order changed meanwhile; the next pass reads it again");
            Ok(())
        }
        other => other,
    }
}

/// Messages and their orders (missing orders are left out).
async fn with_orders(app: &App, messages: Vec<OutboxMessage>) -> AppResult<Vec<(OutboxMessage, Order)>> {
    let mut out = Vec::with_capacity(messages.len());
    let mut cache: HashMap<OrderId, Order> = HashMap::new();
    for message in messages {
        let order = match cache.get(&message.order_id) {
            Some(order) => order.clone(),
            None => match app.store.get_order(&message.account_id, &message.order_id).await {
                Ok(order) => {
                    cache.insert(order.order_id.clone(), order.clone());
                    order
                }
                Err(StorageError::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            },
        };
        out.push((message, order));
    }
    Ok(out)
}

// --- processing reports ---------------------------------------------------------------------------------

async fn poll_reports(app: &App, store: &SalesStore, client: &SearsClient, pass: &mut PassReport) -> AppResult<()> {
    let now = app.now();
    let sent = app
        .store
        .due_messages(&DueMessages {
            store: Some(store.store_id.clone()),
            kinds: SEARS_KINDS.to_vec(),
            states: vec![MessageState::Sent],
            due_at: now,
            limit: READ_LIMIT,
        })
        .await?;
    let mut by_document: BTreeMap<String, Vec<OutboxMessage>> = BTreeMap::new();
    for message in sent {
        if let Some(document) = message.external_id.clone() {
            by_document.entry(document).or_default().push(message);
        }
    }
    for (document, messages) in by_document {
        let poll_again = |messages: &[OutboxMessage], at: Timestamp, error: Option<String>| {
            let mut changes = Changes::default();
            for m in messages {
                changes.message(
                    m,
                    OutboxMessage {
                        next_attempt_at: at,
                        last_error: error.clone(),
                        modify_date: app.now(),
                        ..m.clone()
                    },
                );
            }
            changes
        };
        let Ok(id) = document.parse::<u64>() else {
            let mut changes = Changes::default();
            for m in &messages {
                let error = format!("'{document}' is not a Sears document-id; check the update in the Seller Portal");
                changes.message(m, settled(m, MessageState::NeedsManualAction, Some(error), app.now()));
            }
            tolerate_conflict(changes.save(app).await, "report")?;
            continue;
        };
        match client.processing_report(DocumentId(id)).await {
            Ok(report) => match report.state {
                ProcessingState::InProcess { .. } => {
                    let at = app.now() + app.notify_config().report_poll_interval;
                    tolerate_conflict(poll_again(&messages, at, None).save(app).await, "report")?;
                }
                ProcessingState::Done(report) => {
                    failpoint("asn.after_report");
                    let outcome = apply_report(app, &document, &messages, &report, pass).await?;
                    tolerate_conflict(outcome.changes.save(app).await, "report")?;
                    for order in outcome.cancelled_lines_of {
                        if let Err(e) = after_lines_cancelled(app, store, client, &order).await {
                            tracing::warn!(error = %e, order = %order, "could not refresh the order after its line cancellation");
                        }
                    }
                }
            },
            Err(e) => {
                let at = e.retry_at().unwrap_or_else(|| app.now() + app.notify_config().report_poll_interval);
                let error = format!("processing report of document {document}: {e}");
                tolerate_conflict(poll_again(&messages, at, Some(error)).save(app).await, "report")?;
                if e.retry_at().is_some() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

struct ReportOutcome {
    changes: Changes,
    /// Orders whose line cancellation Sears accepted: re-read them from Sears.
    cancelled_lines_of: Vec<OrderId>,
}

/// Settles the messages of one processed feed: a record with errors was rejected (Sears's words kept), any
/// other was accepted.
async fn apply_report(
    app: &App,
    document: &str,
    messages: &[OutboxMessage],
    report: &Report,
    pass: &mut PassReport,
) -> AppResult<ReportOutcome> {
    let now = app.now();
    let texts = |list: &[wharf_sears::RecordMessages]| {
        let mut by_record: HashMap<u64, Vec<String>> = HashMap::new();
        for r in list {
            by_record.entry(r.record_id).or_default().extend(r.messages.iter().cloned());
        }
        by_record
    };
    let errors = texts(&report.errors);
    let warnings = texts(&report.warnings);
    let mut changes = Changes::default();
    let mut cancelled_lines_of = Vec::new();
    for (message, order) in with_orders(app, messages.to_vec()).await? {
        match message.kind {
            MessageKind::SearsShipment => {
                let mut p: SearsShipmentPayload = match payload(&message) {
                    Ok(p) => p,
                    Err(e) => {
                        changes.message(&message, settled(&message, MessageState::NeedsManualAction, Some(e), now));
                        continue;
                    }
                };
                let record_id = p.sent.as_ref().map_or(0, |s| s.record_id);
                if let Some(errors) = errors.get(&record_id) {
                    pass.rejected += 1;
                    let reason = sears_words(errors);
                    let text = format!("Sears rejected the shipment update (document {document}): {reason}");
                    p.earlier.extend(p.sent.take());
                    let failed = settled(&message, MessageState::Failed, Some(text.clone()), now);
                    changes.message(&message, with_payload(failed, &p, now));
                    let o = changes.order(&order);
                    set_marketplace_update(o, MarketplaceUpdateState::Rejected, Some(text), now);
                } else {
                    pass.accepted += 1;
                    let mut text = format!("Sears accepted the shipment update (document {document})");
                    if let Some(w) = warnings.get(&record_id) {
                        text.push_str(&format!(", with warnings: {}", sears_words(w)));
                    }
                    changes.message(&message, settled(&message, MessageState::Delivered, None, now));
                    let o = changes.order(&order);
                    set_marketplace_update(o, MarketplaceUpdateState::Accepted, Some(text), now);
                }
                changes.note(&order.order_id, format!("processing report of Sears document {document}"));
            }
            MessageKind::SearsLineCancel => {
                let mut p: LineCancelPayload = match payload(&message) {
                    Ok(p) => p,
                    Err(e) => {
                        changes.message(&message, settled(&message, MessageState::NeedsManualAction, Some(e), now));
                        continue;
                    }
                };
                let record_id = p.sent.as_ref().map_or(0, |s| s.record_id);
                let notice = line_cancel_notice(p.line_number);
                if let Some(errors) = errors.get(&record_id) {
                    pass.rejected += 1;
                    let text = format!(
                        "Sears rejected the cancellation of line {} (document {document}): {}",
                        p.line_number,
                        sears_words(errors)
                    );
                    p.earlier.extend(p.sent.take());
                    let failed = settled(&message, MessageState::Failed, Some(text.clone()), now);
                    changes.message(&message, with_payload(failed, &p, now));
                    set_notice(changes.order(&order), &notice, Some(text), now);
                } else {
                    pass.accepted += 1;
                    changes.message(&message, settled(&message, MessageState::Delivered, None, now));
                    let text = format!("Line {} cancelled in Sears ({}, document {document})", p.line_number, p.reason);
                    set_notice(changes.order(&order), &notice, Some(text), now);
                    cancelled_lines_of.push(order.order_id.clone());
                }
            }
            _ => {}
        }
    }
    Ok(ReportOutcome { changes, cancelled_lines_of })
}

fn sears_words(messages: &[String]) -> String {
    if messages.is_empty() { "no reason given".into() } else { messages.join("; ") }
}

// --- unknown outcomes: re-read the purchase order -------------------------------------------------------

/// What the re-read purchase order says about a record that may have been applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Sears has it: never send it again.
    Applied(String),
    /// Sears does not have it: sending it is safe.
    NotApplied,
    /// The purchase order changed in a way that does not tell: the seller decides.
    Unclear(String),
}

fn line_quantities_in(po: &PurchaseOrder, line_number: u32) -> Option<LineQuantities> {
    let line = po.po_lines.iter().find(|l| l.po_line_header.line_number == line_number)?;
    let mut q = LineQuantities::default();
    if line.po_line_details.is_empty() {
        q.open = line.po_line_header.order_quantity;
    }
    for detail in &line.po_line_details {
        match bucket_kind(&detail.po_line_status) {
            BucketKind::Open => q.open += detail.quantity,
            BucketKind::Shipped => q.shipped += detail.quantity,
            BucketKind::Cancelled => q.cancelled += detail.quantity,
        }
    }
    Some(q)
}

/// Whether Sears applied a shipment record, judged from the purchase order as Sears shows it now.
pub fn shipment_verdict(record: &AsnRecord, po: &PurchaseOrder) -> Verdict {
    let recorded: Vec<&str> = po
        .po_shipment_info
        .iter()
        .flatten()
        .filter_map(|s| s.shipment_tracking_number.as_deref())
        .map(str::trim)
        .collect();
    let ours: Vec<&str> = record.tracking_numbers().collect();
    let found = ours.iter().filter(|t| recorded.iter().any(|r| r.eq_ignore_ascii_case(t))).count();
    let totals = record.line_totals();
    let lines: Vec<(u32, u32, Option<LineQuantities>)> =
        totals.iter().map(|(&line, &qty)| (line, qty, line_quantities_in(po, line))).collect();
    let still_open = lines.iter().all(|(_, qty, q)| q.is_some_and(|q| q.open >= *qty));
    let closed_with_ours = lines.iter().all(|(_, qty, q)| q.is_some_and(|q| q.open == 0 && q.shipped >= *qty));

    if !ours.is_empty() && found == ours.len() {
        return Verdict::Applied(format!("Sears shows tracking {} on the purchase order", ours.join(", ")));
    }
    if ours.is_empty() && closed_with_ours {
        return Verdict::Applied("Sears shows the lines shipped".into());
    }
    if found == 0 && still_open {
        return Verdict::NotApplied;
    }
    let shown = if recorded.is_empty() { "none".to_owned() } else { recorded.join(", ") };
    Verdict::Unclear(format!(
        "Sears's purchase order neither clearly has nor lacks this update (its tracking numbers: {shown}; ours: {}). \
         Check PO {} of {} in the Sears Seller Portal; if Sears does not show the shipment, run \
         `wharf orders retry-notification` to send it",
        if ours.is_empty() { "none".to_owned() } else { ours.join(", ") },
        record.po_number,
        record.po_date
    ))
}

/// Whether Sears applied a line cancellation.
pub fn cancel_verdict(line_number: u32, po: &PurchaseOrder) -> Verdict {
    match line_quantities_in(po, line_number) {
        None => Verdict::Unclear(format!("Sears's purchase order has no line {line_number}")),
        Some(q) if q.open == 0 && q.cancelled > 0 => {
            Verdict::Applied(format!("Sears shows line {line_number} cancelled"))
        }
        Some(q) if q.open > 0 => Verdict::NotApplied,
        Some(_) => Verdict::Unclear(format!(
            "Sears shows line {line_number} shipped, not cancelled; check the order in the Sears Seller Portal"
        )),
    }
}

/// Re-reads the purchase order of `order` from Sears.
async fn read_po(client: &SearsClient, order: &Order) -> Result<Option<PurchaseOrder>, SearsError> {
    let Some(sears) = &order.sears else { return Ok(None) };
    let response = client.purchase_order(&sears.po_number, Some(sears.po_date)).await?;
    Ok(response.purchase_orders.into_iter().find(|po| po.po_number == sears.po_number && po.po_date == sears.po_date))
}

/// The record a message sent (or was sending).
fn sent_record(message: &OutboxMessage) -> Option<SentRecord> {
    match message.kind {
        MessageKind::SearsShipment => {
            payload::<SearsShipmentPayload>(message).ok()?.sent.map(|s| SentRecord::Shipment(Box::new(s)))
        }
        MessageKind::SearsLineCancel => {
            let p: LineCancelPayload = payload(message).ok()?;
            p.sent.map(|_| SentRecord::Cancel(p.line_number))
        }
        _ => None,
    }
}

enum SentRecord {
    Shipment(Box<SentAsn>),
    Cancel(u32),
}

/// Checks messages that may have reached Sears against their re-read purchase orders; settles those Sears
/// has, puts back to pending those it does not have (with the attempt kept in `earlier`), and hands the
/// unclear ones to the seller. An order whose line cancellation Sears turns out to have is refreshed from the
/// purchase order just read, as after a processing report (else Wharf would still show the line open, and the
/// next shipment update would carry it). Returns the messages that may now be sent.
async fn verify(
    app: &App,
    store: &SalesStore,
    client: &SearsClient,
    messages: Vec<(OutboxMessage, Order)>,
    why: &str,
    pass: &mut PassReport,
) -> AppResult<Vec<(OutboxMessage, Order)>> {
    let now = app.now();
    let mut changes = Changes::default();
    let mut sendable = Vec::new();
    let mut cancelled_lines_of: Vec<OrderId> = Vec::new();
    let mut pos: HashMap<OrderId, Result<Option<PurchaseOrder>, SearsError>> = HashMap::new();
    for (message, order) in messages {
        if !pos.contains_key(&order.order_id) {
            let read = read_po(client, &order).await;
            pos.insert(order.order_id.clone(), read);
        }
        let Some(record) = sent_record(&message) else {
            sendable.push((message, order));
            continue;
        };
        pass.rechecked += 1;
        let po = match &pos[&order.order_id] {
            Ok(Some(po)) => po,
            Ok(None) => {
                let text = format!(
                    "Sears did not return PO {} when it was re-read {why}; check the order in the Sears Seller Portal",
                    order.order_number
                );
                changes.message(&message, settled(&message, MessageState::NeedsManualAction, Some(text.clone()), now));
                if message.kind == MessageKind::SearsShipment {
                    set_marketplace_update(
                        changes.order(&order),
                        MarketplaceUpdateState::NeedsManualAction,
                        Some(text),
                        now,
                    );
                }
                continue;
            }
            Err(e) => {
                // Cannot tell yet: keep the message as it is and look again later.
                let at = e.retry_at().unwrap_or(now + app.notify_config().recheck_after);
                let error = format!("re-reading the purchase order {why}: {e}");
                changes.message(
                    &message,
                    OutboxMessage { next_attempt_at: at, last_error: Some(error), modify_date: now, ..message.clone() },
                );
                continue;
            }
        };
        let verdict = match &record {
            SentRecord::Shipment(sent) => shipment_verdict(&sent.record, po),
            SentRecord::Cancel(line) => cancel_verdict(*line, po),
        };
        let order_note = format!("purchase order re-read from Sears {why}");
        match verdict {
            Verdict::Applied(evidence) => {
                pass.accepted += 1;
                changes.message(&message, settled(&message, MessageState::Delivered, None, now));
                match &record {
                    SentRecord::Shipment(_) => set_marketplace_update(
                        changes.order(&order),
                        MarketplaceUpdateState::Accepted,
                        Some(format!("Sears has the shipment update ({evidence}; confirmed by re-reading the order)")),
                        now,
                    ),
                    SentRecord::Cancel(line) => {
                        set_notice(
                            changes.order(&order),
                            &line_cancel_notice(*line),
                            Some(format!("Line {line} cancelled in Sears ({evidence})")),
                            now,
                        );
                        if !cancelled_lines_of.contains(&order.order_id) {
                            cancelled_lines_of.push(order.order_id.clone());
                        }
                    }
                }
                changes.note(&order.order_id, order_note);
            }
            Verdict::NotApplied => {
                let mut pending = settled(&message, MessageState::Pending, None, now);
                pending.payload = match message.kind {
                    MessageKind::SearsShipment => {
                        let mut p: SearsShipmentPayload = payload(&message).unwrap_or_default();
                        p.earlier.extend(p.sent.take());
                        serde_json::to_value(p).expect("payloads serialize")
                    }
                    _ => {
                        let mut p: LineCancelPayload = payload(&message).expect("read above");
                        p.earlier.extend(p.sent.take());
                        serde_json::to_value(p).expect("payloads serialize")
                    }
                };
                sendable.push((pending.clone(), order.clone()));
                changes.message(&message, pending);
            }
            Verdict::Unclear(text) => {
                changes.message(&message, settled(&message, MessageState::NeedsManualAction, Some(text.clone()), now));
                match &record {
                    SentRecord::Shipment(_) => set_marketplace_update(
                        changes.order(&order),
                        MarketplaceUpdateState::NeedsManualAction,
                        Some(text),
                        now,
                    ),
                    SentRecord::Cancel(line) => {
                        set_notice(changes.order(&order), &line_cancel_notice(*line), Some(text), now)
                    }
                }
                changes.note(&order.order_id, order_note);
            }
        }
    }
    changes.save(app).await?;
    for order_id in cancelled_lines_of {
        let Some(Ok(Some(po))) = pos.get(&order_id) else { continue };
        if let Err(e) = refresh_after_cancel(app, store, client, &order_id, po).await {
            tracing::warn!(error = %e, order = %order_id, "could not refresh the order after its line cancellation");
        }
    }
    // The orders written above changed: hand the sendable ones back with what is stored now.
    let mut fresh = Vec::with_capacity(sendable.len());
    for (message, order) in sendable {
        let order = app.store.get_order(&order.account_id, &order.order_id).await?;
        let message = app.store.get_message(&message.account_id, &message.message_id).await?;
        fresh.push((message, order));
    }
    Ok(fresh)
}

async fn recover_unknown(app: &App, store: &SalesStore, client: &SearsClient, pass: &mut PassReport) -> AppResult<()> {
    let due = app
        .store
        .due_messages(&DueMessages {
            store: Some(store.store_id.clone()),
            kinds: SEARS_KINDS.to_vec(),
            states: vec![MessageState::Sent],
            due_at: app.now(),
            limit: READ_LIMIT,
        })
        .await?;
    let unknown: Vec<_> = due.into_iter().filter(|m| m.external_id.is_none()).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let messages = with_orders(app, unknown).await?;
    // Sendable ones went back to pending; the sending steps below pick them up in this same pass.
    match verify(app, store, client, messages, "after a send whose outcome was unknown", pass).await {
        Ok(_) => Ok(()),
        Err(e) => tolerate_conflict(Err(e), "recover"),
    }
}

// --- shipment updates -----------------------------------------------------------------------------------

/// The order's live shipment: bought (or recorded) by Wharf, not a test label, not one Sears recorded itself.
pub fn live_shipment(shipments: &[Shipment], order: &OrderId) -> Option<Shipment> {
    shipments
        .iter()
        .filter(|s| &s.order_id == order && s.counts_as_shipped() && s.kind != ShipmentKind::External)
        .max_by_key(|s| s.create_date)
        .cloned()
}

async fn due_pending(app: &App, store: &SalesStore, kind: MessageKind) -> AppResult<Vec<OutboxMessage>> {
    let limit = u32::try_from(app.notify_config().max_records_per_feed).unwrap_or(u32::MAX);
    Ok(app
        .store
        .due_messages(&DueMessages {
            store: Some(store.store_id.clone()),
            kinds: vec![kind],
            states: vec![MessageState::Pending],
            due_at: app.now(),
            limit,
        })
        .await?)
}

/// Backoff for a retryable failure: 1, 2, 4 ... minutes, at most an hour.
async fn send_shipments(app: &App, store: &SalesStore, client: &SearsClient, pass: &mut PassReport) -> AppResult<()> {
    let due = due_pending(app, store, MessageKind::SearsShipment).await?;
    if due.is_empty() {
        return Ok(());
    }
    let messages = with_orders(app, due).await?;
    // Anything that may have reached Sears before is checked against Sears first.
    let (again, first): (Vec<_>, Vec<_>) = messages.into_iter().partition(|(m, _)| sent_record(m).is_some());
    let mut messages = first;
    if !again.is_empty() {
        match verify(app, store, client, again, "before sending the update again", pass).await {
            Ok(sendable) => messages.extend(sendable),
            Err(e) => return tolerate_conflict(Err(e), "verify"),
        }
    }
    let now = app.now();
    let mut shipments: Vec<Shipment> = Vec::new();
    let mut by_account: BTreeMap<_, Vec<OrderId>> = BTreeMap::new();
    for (_, order) in &messages {
        by_account.entry(order.account_id.clone()).or_default().push(order.order_id.clone());
    }
    for (account, orders) in by_account {
        shipments.extend(app.store.shipments_for_orders(&account, &orders).await?);
    }

    let mut changes = Changes::default();
    let mut records: Vec<(OutboxMessage, Order, AsnRecord)> = Vec::new();
    for (message, order) in messages {
        let p: SearsShipmentPayload = match payload(&message) {
            Ok(p) => p,
            Err(e) => {
                changes.message(&message, settled(&message, MessageState::NeedsManualAction, Some(e), now));
                continue;
            }
        };
        let fail = |changes: &mut Changes, state: MessageState, update: MarketplaceUpdateState, text: String| {
            changes.message(&message, settled(&message, state, Some(text.clone()), now));
            set_marketplace_update(changes.order(&order), update, Some(text), now);
        };
        if order.order_status == OrderStatus::Cancelled {
            let text = format!("order {} is cancelled; no shipment update is sent", order.order_number);
            fail(&mut changes, MessageState::Failed, MarketplaceUpdateState::NotNeeded, text);
            continue;
        }
        let Some(shipment) = live_shipment(&shipments, &order.order_id) else {
            let text = "no package of this order has a label any more (voided?); buy the labels again, and the \
                        update is queued again"
                .to_owned();
            fail(&mut changes, MessageState::Failed, MarketplaceUpdateState::Rejected, text);
            continue;
        };
        if let Readiness::Short(missing) = readiness(&order, Some(&shipment))
            && !p.short_ship_confirmed
        {
            let text = format!(
                "not sent: {}. Sears cancels what an update leaves out; buy the missing labels, or confirm a short \
                 shipment with `wharf orders ship-short {} --confirm`",
                describe_missing(&missing),
                order.order_id
            );
            fail(&mut changes, MessageState::Failed, MarketplaceUpdateState::Rejected, text);
            continue;
        }
        let record = match build_record(&order, &shipment) {
            Ok(record) => record,
            Err(AsnProblem::SkuTooLong(text)) => {
                fail(&mut changes, MessageState::NeedsManualAction, MarketplaceUpdateState::NeedsManualAction, text);
                continue;
            }
            Err(AsnProblem::Invalid(text)) => {
                fail(&mut changes, MessageState::Failed, MarketplaceUpdateState::Rejected, format!("not sent: {text}"));
                continue;
            }
        };
        // Sears already shows every package (the seller updated the Seller Portal, or an earlier send that
        // Wharf lost track of): nothing to send.
        let known: Vec<&str> =
            order.sears.iter().flat_map(|s| &s.shipments).map(|s| s.tracking_number.as_str()).collect();
        let ours: Vec<&str> = record.tracking_numbers().collect();
        if !ours.is_empty() && ours.iter().all(|t| known.iter().any(|k| k.eq_ignore_ascii_case(t))) {
            changes.message(&message, settled(&message, MessageState::Delivered, None, now));
            let text = format!("Sears already shows tracking {}; nothing was sent", ours.join(", "));
            set_marketplace_update(changes.order(&order), MarketplaceUpdateState::Accepted, Some(text), now);
            continue;
        }
        records.push((message, order, record));
    }
    if records.is_empty() {
        return tolerate_conflict(changes.save(app).await, "asn");
    }

    // Mark every record sent, with exactly what it carries, BEFORE the PUT.
    let mut sent_messages = Vec::with_capacity(records.len());
    for (i, (message, order, record)) in records.iter().enumerate() {
        let mut p: SearsShipmentPayload = payload(message).expect("read above");
        p.sent =
            Some(SentAsn { record: record.clone(), record_id: i as u64 + 1, attempted_at: now, document_id: None });
        let sent = OutboxMessage {
            state: MessageState::Sent,
            attempts: message.attempts + 1,
            next_attempt_at: now + app.notify_config().recheck_after,
            last_error: None,
            external_id: None,
            ..with_payload(message.clone(), &p, now)
        };
        changes.message(message, sent.clone());
        sent_messages.push(sent);
        let text = format!("sending to Sears ({} package(s))", record.packages.len());
        set_marketplace_update(changes.order(order), MarketplaceUpdateState::Sent, Some(text), now);
        changes.note(&order.order_id, "Sears shipment update sent".into());
    }
    if let Err(e) = changes.save(app).await {
        return tolerate_conflict(Err(e), "asn");
    }

    let wire = feed(&records.iter().map(|(_, _, r)| r).collect::<Vec<_>>());
    failpoint("asn.before_put");
    let result = client.send_asn(&wire).await;
    pass.asn_feeds += 1;
    match result {
        Ok(document) => {
            failpoint("asn.after_put");
            let changes = with_document(app, &sent_messages, &document, |p: &mut SearsShipmentPayload, doc| {
                if let Some(s) = p.sent.as_mut() {
                    s.document_id = Some(doc.to_owned());
                }
            });
            tracing::info!(store = %store.store_id, document = %document, orders = records.len(), "ASN feed sent");
            changes.save(app).await
        }
        Err(e) => {
            after_failed_put(app, &sent_messages, &records.iter().map(|(_, o, _)| o.clone()).collect::<Vec<_>>(), e)
                .await
        }
    }
}

/// After Sears accepted a PUT: each sent message gets the feed's document-id (in its payload, through
/// `set_document`, and as its external id) and is due when the processing report is next polled.
fn with_document<P: Serialize + serde::de::DeserializeOwned>(
    app: &App,
    sent: &[OutboxMessage],
    document: &DocumentId,
    set_document: impl Fn(&mut P, &str),
) -> Changes {
    let now = app.now();
    let document = document.to_string();
    let mut changes = Changes::default();
    for message in sent {
        let mut p: P = payload(message).expect("written above");
        set_document(&mut p, &document);
        let stamped = OutboxMessage {
            external_id: Some(document.clone()),
            next_attempt_at: now + app.notify_config().report_poll_interval,
            ..with_payload(message.clone(), &p, now)
        };
        changes.message(message, stamped);
    }
    changes
}

/// A PUT that failed: unknown outcomes wait for the re-read; what surely did not reach Sears goes back to
/// pending (retryable) or fails for the seller to see (terminal).
async fn after_failed_put(app: &App, sent: &[OutboxMessage], orders: &[Order], error: SearsError) -> AppResult<()> {
    let now = app.now();
    let mut changes = Changes::default();
    let text = error.to_string();
    tracing::warn!(error = %text, messages = sent.len(), "a Sears feed was not accepted");
    // The orders as they are now: marking the messages sent wrote them.
    let mut current = Vec::with_capacity(orders.len());
    for order in orders {
        current.push(app.store.get_order(&order.account_id, &order.order_id).await?);
    }
    let orders: HashMap<&OrderId, &Order> = current.iter().map(|o| (&o.order_id, o)).collect();
    for message in sent {
        let order = orders.get(&message.order_id).copied();
        if error.outcome_unknown() {
            // Maybe applied: leave it sent, without a document-id, until the purchase order is re-read.
            let waiting = OutboxMessage {
                last_error: Some(format!("{text} (Sears may have applied it; the order is re-read before any resend)")),
                modify_date: now,
                ..message.clone()
            };
            changes.message(message, waiting);
            continue;
        }
        // Surely not applied: forget the attempt.
        let (state, next, update) = if let Some(at) = error.retry_at() {
            (MessageState::Pending, at, MarketplaceUpdateState::Pending)
        } else if error.is_retryable() || matches!(error, SearsError::Authentication { .. }) {
            // Refused credentials are the store's problem, not the message's: keep trying once fixed.
            (MessageState::Pending, now + super::retry_backoff(message.attempts), MarketplaceUpdateState::Pending)
        } else {
            (MessageState::Failed, message.next_attempt_at, MarketplaceUpdateState::Rejected)
        };
        let mut back = OutboxMessage {
            state,
            next_attempt_at: next,
            last_error: Some(text.clone()),
            modify_date: now,
            ..message.clone()
        };
        back.payload = match message.kind {
            MessageKind::SearsShipment => {
                let mut p: SearsShipmentPayload = payload(message).unwrap_or_default();
                p.sent = None;
                serde_json::to_value(p).expect("payloads serialize")
            }
            _ => {
                let mut p: LineCancelPayload = payload(message).expect("written by this worker");
                p.sent = None;
                serde_json::to_value(p).expect("payloads serialize")
            }
        };
        changes.message(message, back);
        if let (Some(order), MessageKind::SearsShipment) = (order, message.kind) {
            let words = match state {
                MessageState::Pending => format!("waiting to send again at {next}: {text}"),
                _ => format!("not sent: {text}"),
            };
            set_marketplace_update(changes.order(order), update, Some(words), now);
        }
    }
    tolerate_conflict(changes.save(app).await, "after put")
}

// --- line cancellations ---------------------------------------------------------------------------------

/// One line of a cancel feed: its message, payload and wire detail.
type CancelLine = (OutboxMessage, LineCancelPayload, OrderCancelDetail);

async fn send_cancels(app: &App, store: &SalesStore, client: &SearsClient, pass: &mut PassReport) -> AppResult<()> {
    let due = due_pending(app, store, MessageKind::SearsLineCancel).await?;
    if due.is_empty() {
        return Ok(());
    }
    let messages = with_orders(app, due).await?;
    let (again, first): (Vec<_>, Vec<_>) = messages.into_iter().partition(|(m, _)| sent_record(m).is_some());
    let mut messages = first;
    if !again.is_empty() {
        match verify(app, store, client, again, "before sending the cancellation again", pass).await {
            Ok(sendable) => messages.extend(sendable),
            Err(e) => return tolerate_conflict(Err(e), "verify"),
        }
    }
    let now = app.now();
    let mut shipments = Vec::new();
    let mut by_account: BTreeMap<_, Vec<OrderId>> = BTreeMap::new();
    for (_, order) in &messages {
        by_account.entry(order.account_id.clone()).or_default().push(order.order_id.clone());
    }
    for (account, orders) in by_account {
        shipments.extend(app.store.shipments_for_orders(&account, &orders).await?);
    }

    let mut changes = Changes::default();
    // Orders in first-due order; each order's lines in one `order-cancel` record.
    let mut records: Vec<(Order, Vec<CancelLine>)> = Vec::new();
    for (message, order) in messages {
        let p: LineCancelPayload = match payload(&message) {
            Ok(p) => p,
            Err(e) => {
                changes.message(&message, settled(&message, MessageState::NeedsManualAction, Some(e), now));
                continue;
            }
        };
        let notice = line_cancel_notice(p.line_number);
        let fail = |changes: &mut Changes, state: MessageState, text: String| {
            changes.message(&message, settled(&message, state, Some(text.clone()), now));
            set_notice(changes.order(&order), &notice, Some(text), now);
        };
        let Some(item) = order.items.iter().find(|i| i.sears.as_ref().is_some_and(|s| s.line_number == p.line_number))
        else {
            fail(
                &mut changes,
                MessageState::Failed,
                format!("order {} has no Sears line {}", order.order_number, p.line_number),
            );
            continue;
        };
        let Ok(reason) = p.reason.parse::<CancelReason>() else {
            fail(&mut changes, MessageState::Failed, format!("'{}' is not a Sears cancel reason", p.reason));
            continue;
        };
        let q = line_quantities(item);
        if q.open == 0 && q.cancelled > 0 && q.shipped == 0 {
            changes.message(&message, settled(&message, MessageState::Delivered, None, now));
            set_notice(
                changes.order(&order),
                &notice,
                Some(format!("Line {} is already cancelled in Sears; nothing was sent", p.line_number)),
                now,
            );
            continue;
        }
        if q.open == 0 {
            let text = format!(
                "line {} is shipped in Sears and cannot be cancelled; refund it in the Sears Seller Portal",
                p.line_number
            );
            fail(&mut changes, MessageState::Failed, text);
            continue;
        }
        if live_shipment(&shipments, &order.order_id).is_some_and(|s| s.quantity_of(&item.line_item_key) > 0) {
            let text = format!("line {} is in a package with a label; void the label first", p.line_number);
            fail(&mut changes, MessageState::Failed, text);
            continue;
        }
        let item_id = item.sears.as_ref().map_or_else(|| item.sku.clone(), |s| s.item_id.clone());
        let detail = OrderCancelDetail { line_number: p.line_number, item_id, cancel_reason: reason };
        match records.iter_mut().find(|(o, _)| o.order_id == order.order_id) {
            Some((_, lines)) => lines.push((message, p, detail)),
            None => records.push((order.clone(), vec![(message, p, detail)])),
        }
    }
    let records: Vec<_> = records
        .into_iter()
        .filter_map(|(order, lines)| {
            let Some(sears) = order.sears.clone() else {
                for (message, _, _) in &lines {
                    let text = format!("order {} has no Sears purchase order", order.order_number);
                    changes.message(message, settled(message, MessageState::Failed, Some(text), now));
                }
                return None;
            };
            Some((order, sears, lines))
        })
        .collect();
    if records.is_empty() {
        return tolerate_conflict(changes.save(app).await, "cancel");
    }

    let mut sent_messages = Vec::new();
    let mut wire = OrderCancelFeed::default();
    for (i, (order, sears, lines)) in records.iter().enumerate() {
        let record_id = i as u64 + 1;
        for (message, p, detail) in lines {
            let mut p = p.clone();
            p.sent =
                Some(SentCancel { item_id: detail.item_id.clone(), record_id, attempted_at: now, document_id: None });
            let sent = OutboxMessage {
                state: MessageState::Sent,
                attempts: message.attempts + 1,
                next_attempt_at: now + app.notify_config().recheck_after,
                last_error: None,
                external_id: None,
                ..with_payload(message.clone(), &p, now)
            };
            changes.message(message, sent.clone());
            sent_messages.push(sent);
            let text = format!("Cancellation of line {} ({}) sent to Sears", p.line_number, p.reason);
            set_notice(changes.order(order), &line_cancel_notice(p.line_number), Some(text), now);
        }
        changes.note(&order.order_id, "Sears line cancellation sent".into());
        wire.order_cancels.push(OrderCancel {
            po_number: sears.po_number.clone(),
            po_date: sears.po_date,
            details: lines.iter().map(|(_, _, d)| d.clone()).collect(),
        });
    }
    if let Err(e) = changes.save(app).await {
        return tolerate_conflict(Err(e), "cancel");
    }
    failpoint("cancel.before_put");
    let result = client.send_order_cancel(&wire).await;
    pass.cancel_feeds += 1;
    match result {
        Ok(document) => {
            failpoint("cancel.after_put");
            let changes = with_document(app, &sent_messages, &document, |p: &mut LineCancelPayload, doc| {
                if let Some(s) = p.sent.as_mut() {
                    s.document_id = Some(doc.to_owned());
                }
            });
            changes.save(app).await
        }
        Err(e) => {
            let orders: Vec<Order> = records.iter().map(|(o, _, _)| o.clone()).collect();
            after_failed_put(app, &sent_messages, &orders, e).await
        }
    }
}

/// After Sears accepted a line cancellation: the order is re-read from Sears, so that Wharf shows the line
/// cancelled. An order with nothing left (every unit cancelled, none shipped) is cancelled in Wharf and leaves
/// its open batch; an order whose remaining lines are all packaged gets its shipment update queued.
pub async fn after_lines_cancelled(
    app: &App,
    store: &SalesStore,
    client: &SearsClient,
    order_id: &OrderId,
) -> AppResult<()> {
    let stored = app.store.get_order(&store.account_id, order_id).await?;
    let Some(po) = read_po(client, &stored).await? else { return Ok(()) };
    refresh_after_cancel(app, store, client, order_id, &po).await
}

/// Writes what Sears's purchase order `po` says of the order's lines, then what follows from it (a cancelled
/// order leaves its batch; a fully packaged one gets its shipment update).
async fn refresh_after_cancel(
    app: &App,
    store: &SalesStore,
    client: &SearsClient,
    order_id: &OrderId,
    po: &PurchaseOrder,
) -> AppResult<()> {
    let stored = app.store.get_order(&store.account_id, order_id).await?;
    let refreshed = super::requests::refresh_from_sears(app, store, client, &stored, po).await?;
    super::requests::settle_after_sears_change(app, &refreshed).await
}
