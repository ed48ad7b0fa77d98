//! What the seller does about telling Sears and the customer: confirm a short shipment, cancel a line, retry
//! a notification that failed.

use serde::Serialize;
use wharf_domain::history::Actor;
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::{AccountId, MarketplaceUpdateState, Order, OrderStatus};
use wharf_sears::CancelReason;
use wharf_storage::outbox::MessageWrite;

use super::asn::SearsShipmentPayload;
use super::email::EmailKind;
use super::orders::{order_write, set_marketplace_update, set_notice};
use super::requests::new_message;
use super::sears_lines::{MissingLine, Readiness, describe_missing, line_quantities, readiness};
use super::sears_updates::{LineCancelPayload, line_cancel_notice, live_shipment};
use crate::shipping::outbox_messages::sears_dedupe_key;
use crate::{App, AppError, AppResult};

pub const NOTICE_SHORT_SHIPMENT: &str = "short_shipment_confirmed";

/// What `ship-short` found (and, when confirmed, did).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShortShipment {
    pub order_number: String,
    /// The units the shipment leaves out: Sears cancels them when it processes the update.
    pub left_out: Vec<MissingLine>,
    pub confirmed: bool,
    /// Words for the seller.
    pub warning: String,
}

async fn sears_messages(app: &App, order: &Order, kind: MessageKind) -> AppResult<Vec<OutboxMessage>> {
    Ok(app
        .store
        .order_messages(&order.account_id, &order.order_id)
        .await?
        .into_iter()
        .filter(|m| m.kind == kind)
        .collect())
}

/// Sends the order's Sears update although its packages leave units out, once the seller confirms: Sears has
/// no back-orders and cancels the rest (SPEC.md §5.4, decision 9). Without `confirm` nothing changes; the
/// answer carries the warning.
pub async fn ship_short(app: &App, account: &AccountId, order: &Order, confirm: bool) -> AppResult<ShortShipment> {
    if order.sears.is_none() {
        return Err(AppError::InvalidInput(format!(
            "order {} is not a Sears order; there is no Sears update to send",
            order.order_number
        )));
    }
    let shipments = app.store.shipments_for_orders(account, std::slice::from_ref(&order.order_id)).await?;
    let Some(shipment) = live_shipment(&shipments, &order.order_id) else {
        return Err(AppError::InvalidInput(format!(
            "order {} has no package with a label yet; buy the labels of what ships (or mark it shipped) first",
            order.order_number
        )));
    };
    let key = sears_dedupe_key(&order.order_id);
    let existing =
        sears_messages(app, order, MessageKind::SearsShipment).await?.into_iter().find(|m| m.dedupe_key == key);
    if let Some(m) = &existing {
        match m.state {
            MessageState::Sent | MessageState::Delivered => {
                return Err(AppError::InvalidInput(format!(
                    "the Sears update of order {} was already sent; Sears has no un-ship, so correct it in the Sears \
                     Seller Portal",
                    order.order_number
                )));
            }
            MessageState::Pending => {
                return Err(AppError::InvalidInput(format!(
                    "the Sears update of order {} is already queued and goes out within a minute",
                    order.order_number
                )));
            }
            MessageState::Failed | MessageState::NeedsManualAction => {}
        }
    }
    let left_out = match readiness(order, Some(&shipment)) {
        Readiness::Complete => {
            return Err(AppError::InvalidInput(format!(
                "every unit of order {} is in a package: its Sears update goes out by itself, nothing is short",
                order.order_number
            )));
        }
        Readiness::NothingPackaged => {
            return Err(AppError::InvalidInput(format!(
                "no package of order {} holds anything Sears still expects; nothing would be reported",
                order.order_number
            )));
        }
        Readiness::Short(missing) => missing,
    };
    let warning = format!(
        "Order {}: the packages leave out {}. Sears has no back-orders: when it processes the update it CANCELS \
         the units left out of each line the update ships, and nothing can be shipped for them later. A line left \
         out entirely may stay open in Sears: cancel it with `wharf orders cancel-line {} --line N --reason R`.",
        order.order_number,
        describe_missing(&left_out),
        order.order_id
    );
    if !confirm {
        return Ok(ShortShipment { order_number: order.order_number.clone(), left_out, confirmed: false, warning });
    }
    let now = app.now();
    let mut after = order.clone();
    if matches!(after.order_status, OrderStatus::AwaitingShipment | OrderStatus::OnHold | OrderStatus::Unmapped) {
        after.order_status = OrderStatus::Shipped;
        after.ship_date = Some(shipment.ship_date);
    }
    set_marketplace_update(&mut after, MarketplaceUpdateState::Pending, None, now);
    set_notice(
        &mut after,
        NOTICE_SHORT_SHIPMENT,
        Some(format!("Short shipment confirmed: Sears cancels {}", describe_missing(&left_out))),
        now,
    );
    let write = order_write(order, after, Actor::Seller, Some("short shipment confirmed by the seller"), now);
    let payload = SearsShipmentPayload {
        shipment_ids: vec![shipment.shipment_id.clone()],
        short_ship_confirmed: true,
        ..Default::default()
    };
    let message = new_message(
        app,
        order,
        MessageKind::SearsShipment,
        key,
        serde_json::to_value(payload).expect("payloads serialize"),
    );
    app.store.queue_messages(&[message], write.as_ref()).await?;
    Ok(ShortShipment { order_number: order.order_number.clone(), left_out, confirmed: true, warning })
}

/// Sears's cancel reasons, for the seller (`OTHER` counts as a seller-initiated cancellation).
pub fn cancel_reasons() -> String {
    CancelReason::ALL.map(CancelReason::code).join(", ")
}

/// Queues the cancellation of one line through Sears's line-cancel feed, with the outbox's guarantees.
pub async fn cancel_line(app: &App, order: &Order, line_number: u32, reason: &str) -> AppResult<OutboxMessage> {
    let reason = reason.trim().to_ascii_uppercase().replace(['_', ' '], "-");
    let reason: CancelReason = reason.parse().map_err(|_| {
        AppError::InvalidInput(format!("'{reason}' is not a Sears cancel reason; use one of {}", cancel_reasons()))
    })?;
    if order.sears.is_none() {
        return Err(AppError::InvalidInput(format!("order {} is not a Sears order", order.order_number)));
    }
    let lines: Vec<String> =
        order.items.iter().filter_map(|i| i.sears.as_ref().map(|s| format!("{} ({})", s.line_number, i.sku))).collect();
    let Some(item) = order.items.iter().find(|i| i.sears.as_ref().is_some_and(|s| s.line_number == line_number)) else {
        return Err(AppError::InvalidInput(format!(
            "order {} has no line {line_number}; its lines are {}",
            order.order_number,
            lines.join(", ")
        )));
    };
    let q = line_quantities(item);
    if q.open == 0 {
        return Err(AppError::InvalidInput(if q.shipped > 0 {
            format!(
                "line {line_number} of order {} is shipped; Sears cancels only unshipped lines (refund it in the Sears Seller Portal)",
                order.order_number
            )
        } else {
            format!("line {line_number} of order {} is already cancelled in Sears", order.order_number)
        }));
    }
    let shipments = app.store.shipments_for_orders(&order.account_id, std::slice::from_ref(&order.order_id)).await?;
    if live_shipment(&shipments, &order.order_id).is_some_and(|s| s.quantity_of(&item.line_item_key) > 0) {
        return Err(AppError::InvalidInput(format!(
            "line {line_number} of order {} is in a package with a label; void the label first (`wharf orders void {}`)",
            order.order_number, order.order_id
        )));
    }
    let key = format!("sears_line_cancel:{}:{line_number}", order.order_id);
    let existing =
        sears_messages(app, order, MessageKind::SearsLineCancel).await?.into_iter().find(|m| m.dedupe_key == key);
    if let Some(m) =
        existing.filter(|m| matches!(m.state, MessageState::Pending | MessageState::Sent | MessageState::Delivered))
    {
        return Err(AppError::InvalidInput(format!(
            "the cancellation of line {line_number} of order {} is already {}",
            order.order_number,
            match m.state {
                MessageState::Pending => "queued",
                MessageState::Sent => "sent, waiting for Sears's report",
                _ => "done",
            }
        )));
    }
    let now = app.now();
    let mut after = order.clone();
    set_notice(
        &mut after,
        &line_cancel_notice(line_number),
        Some(format!("Cancellation of line {line_number} ({reason}) queued for Sears")),
        now,
    );
    let note = format!("the seller cancels line {line_number} ({reason})");
    let write = order_write(order, after, Actor::Seller, Some(&note), now);
    let payload = LineCancelPayload { line_number, reason: reason.code().to_owned(), sent: None, earlier: vec![] };
    let message = new_message(
        app,
        order,
        MessageKind::SearsLineCancel,
        key,
        serde_json::to_value(payload).expect("payloads serialize"),
    );
    let queued = app.store.queue_messages(&[message], write.as_ref()).await?;
    Ok(queued.into_iter().next().expect("one message queued"))
}

/// Which messages `retry-notification` retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryKind {
    /// Every failed or manual Sears update, line cancellation and e-mail of the order.
    AllFailed,
    Sears,
    Email(EmailKind),
}

/// Queues the order's failed notifications again (due now). A Sears update that may have reached Sears
/// before is re-checked against the purchase order before it is sent again; an e-mail asked for by kind is
/// sent again even if it went out (or was written to a file because SMTP was not configured).
pub async fn retry_notifications(app: &App, order: &Order, kind: RetryKind) -> AppResult<Vec<OutboxMessage>> {
    let now = app.now();
    let messages = app.store.order_messages(&order.account_id, &order.order_id).await?;
    let wanted = |m: &OutboxMessage| match kind {
        RetryKind::AllFailed => matches!(m.state, MessageState::Failed | MessageState::NeedsManualAction),
        RetryKind::Sears => {
            matches!(m.kind, MessageKind::SearsShipment | MessageKind::SearsLineCancel)
                && matches!(m.state, MessageState::Failed | MessageState::NeedsManualAction)
        }
        RetryKind::Email(email) => m.kind == email.message_kind() && m.state != MessageState::Pending,
    };
    let chosen: Vec<&OutboxMessage> = messages.iter().filter(|m| wanted(m)).collect();
    if chosen.is_empty() {
        let states: Vec<String> = messages.iter().map(|m| format!("{:?} {:?}", m.kind, m.state)).collect();
        return Err(AppError::InvalidInput(format!(
            "order {} has no notification to retry{}",
            order.order_number,
            if states.is_empty() { String::new() } else { format!(" ({})", states.join(", ")) }
        )));
    }
    let mut writes = Vec::new();
    let mut after = order.clone();
    for m in &chosen {
        let retried = OutboxMessage {
            state: MessageState::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            // A new attempt: the document-id of an earlier feed stays in the payload's history only.
            external_id: if m.kind == MessageKind::SearsShipment || m.kind == MessageKind::SearsLineCancel {
                None
            } else {
                m.external_id.clone()
            },
            modify_date: now,
            ..(*m).clone()
        };
        writes.push(MessageWrite { message: retried, expected_modify_date: m.modify_date });
        if m.kind == MessageKind::SearsShipment {
            set_marketplace_update(
                &mut after,
                MarketplaceUpdateState::Pending,
                Some("queued again by the seller".into()),
                now,
            );
        }
    }
    let write = order_write(order, after, Actor::Seller, Some("notification retried by the seller"), now);
    app.store.save_deliveries(&writes, write.as_slice()).await?;
    Ok(writes.into_iter().map(|w| w.message).collect())
}
