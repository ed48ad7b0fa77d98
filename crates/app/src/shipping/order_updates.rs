//! What a shipment (or its void) does to its order, and the one transaction that records a shipment as
//! active together with its order and its outbox messages.
//!
//! An order becomes Shipped when every line is in a package of a live shipment, or when the seller confirmed a
//! short shipment (SPEC.md decision 7); a void that leaves lines unshipped moves it back to Awaiting Shipment.

use jiff::Timestamp;
use wharf_domain::history::{Actor, diff_orders};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::shipment::Shipment;
use wharf_domain::{MarketplaceUpdate, MarketplaceUpdateState, MessageId, Order, OrderNotice, OrderStatus};
use wharf_storage::shipping::{ExpectedShipment, ShipmentWrite};
use wharf_storage::{OrderWrite, StorageError};

use super::outbox_messages::{ShipmentMessages, every_line_packed, messages_for_shipment, to_outbox};
use super::{ShippingError, is_live, load_order, order_shipments};
use crate::App;

/// Notice on an order whose Sears update needs a manual step (SPEC.md decision 5).
pub const NOTICE_SEARS_UPDATE_MANUAL: &str = "sears_update_manual";
/// Notice on an order whose label was voided after Sears had the shipment update (decision 9).
pub const NOTICE_SEARS_TRACKING_AFTER_VOID: &str = "sears_tracking_after_void";
/// Notice on an order whose label was found at the carrier after a lost answer, without its image.
pub const NOTICE_LABEL_IMAGE_UNAVAILABLE: &str = "label_image_unavailable";
/// Notice on an order the carrier holds more than one live shipment for under one reference.
pub const NOTICE_DUPLICATE_PURCHASE: &str = "duplicate_carrier_shipment";

/// How many times a write is tried again when an import changed the order meanwhile.
const ORDER_CONFLICT_RETRIES: usize = 5;

/// Adds a notice, replacing an earlier one with the same code.
pub fn put_notice(order: &mut Order, code: &str, message: String, at: Timestamp) {
    order.notices.retain(|n| n.code != code);
    order.notices.push(OrderNotice { code: code.to_owned(), message, at });
}

/// The order once `shipment` is active, given the order's other shipments and the messages it causes.
pub fn order_after_shipment(
    order: &Order,
    shipment: &Shipment,
    order_shipments: &[Shipment],
    messages: &ShipmentMessages,
    short_ship_confirmed: bool,
    now: Timestamp,
) -> Order {
    let mut updated = order.clone();
    let mut live: Vec<&Shipment> =
        order_shipments.iter().filter(|s| s.shipment_id != shipment.shipment_id && s.counts_as_shipped()).collect();
    live.push(shipment);
    if !shipment.test_label && (every_line_packed(order, &live) || short_ship_confirmed) {
        updated.order_status = OrderStatus::Shipped;
        updated.ship_date = Some(shipment.ship_date);
    }
    if let Some(update) = &messages.marketplace_update {
        updated.marketplace_update = update.clone();
        if update.state == MarketplaceUpdateState::NeedsManualAction {
            let message = update.message.clone().unwrap_or_default();
            put_notice(&mut updated, NOTICE_SEARS_UPDATE_MANUAL, message, now);
        }
    }
    updated
}

/// An order write of `new` over `old` with its history (one entry per changed field), under the optimistic
/// check of `old`'s modify date. `None` when nothing changed.
pub fn order_write(old: &Order, mut new: Order, actor: Actor, note: &str, now: Timestamp) -> Option<OrderWrite> {
    let changes = diff_orders(old, &new);
    if changes.is_empty() {
        return None;
    }
    new.modify_date = now;
    let history = changes
        .into_iter()
        .map(|change| {
            let mut entry = change.into_entry(now, actor.clone());
            entry.note = Some(note.to_owned());
            entry
        })
        .collect();
    Some(OrderWrite { order: new, raw_document: None, history, expected_modify_date: Some(old.modify_date) })
}

fn outbox_rows(app: &App, order: &Order, messages: &ShipmentMessages, now: Timestamp) -> Vec<OutboxMessage> {
    messages
        .messages
        .iter()
        .map(|planned| to_outbox(planned.clone(), order, MessageId::from_uuid(app.new_uuid()), now))
        .collect()
}

/// Records `shipment` as active (inserting it, or moving it from `expected`), with its order's update and its
/// outbox messages, in one transaction. An import that changes the order meanwhile makes it read the order
/// again and retry; anything else is returned.
pub async fn record_active(
    app: &App,
    shipment: Shipment,
    expected: Option<ExpectedShipment>,
    short_ship_confirmed: bool,
    note: &str,
    notices: &[(&str, String)],
) -> Result<Shipment, ShippingError> {
    let account = shipment.account_id.clone();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let now = app.now();
        let order = load_order(app, &account, &shipment.order_id).await?;
        let store = app.store.get_store(&account, &order.store_id).await?;
        let shipments = order_shipments(app, &account, &order.order_id).await?;
        let messages = messages_for_shipment(&order, &shipment, &shipments, &store, short_ship_confirmed, now);
        let mut updated = order_after_shipment(&order, &shipment, &shipments, &messages, short_ship_confirmed, now);
        for (code, message) in notices {
            put_notice(&mut updated, code, message.clone(), now);
        }
        let write = ShipmentWrite {
            shipment: shipment.clone(),
            expected,
            order: order_write(&order, updated, Actor::System, note, now),
            outbox: outbox_rows(app, &order, &messages, now),
            withdraw: vec![],
        };
        match app.store.write_shipment(&write).await {
            Ok(()) => return Ok(shipment),
            Err(StorageError::Conflict { what: "order", .. }) if attempt < ORDER_CONFLICT_RETRIES => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// What voiding a shipment does to its order and to the Sears update already queued or sent.
pub struct VoidEffects {
    pub order: Order,
    /// Dedupe keys of messages to withdraw (not sent yet).
    pub withdraw: Vec<String>,
    /// The notice the seller must read, if Sears already has the voided tracking number.
    pub sears_notice: Option<String>,
}

/// The order after `voided` (already marked voided) is voided, given its other shipments and its messages.
pub fn order_after_void(
    order: &Order,
    voided: &Shipment,
    order_shipments: &[Shipment],
    messages: &[OutboxMessage],
    now: Timestamp,
) -> VoidEffects {
    let mut updated = order.clone();
    let live: Vec<&Shipment> = order_shipments
        .iter()
        .filter(|s| s.shipment_id != voided.shipment_id && is_live(s) && s.counts_as_shipped())
        .collect();
    if order.order_status == OrderStatus::Shipped && !every_line_packed(order, &live) {
        updated.order_status = OrderStatus::AwaitingShipment;
        updated.ship_date = None;
    }
    let tracking: Vec<&str> = voided.tracking_numbers().collect();
    let tracking = if tracking.is_empty() { "without tracking".to_owned() } else { tracking.join(", ") };
    let mut withdraw = Vec::new();
    let mut sears_notice = None;
    for message in messages {
        let ours = message.kind == MessageKind::SearsShipment
            || (message.kind == MessageKind::ShipmentEmail
                && message.dedupe_key == super::outbox_messages::email_dedupe_key(voided));
        if !ours {
            continue;
        }
        match message.state {
            MessageState::Sent | MessageState::Delivered if message.kind == MessageKind::SearsShipment => {
                let how = if message.state == MessageState::Delivered { "accepted" } else { "received" };
                sears_notice = Some(format!(
                    "The label {tracking} was voided after Sears {how} the shipment update. Sears keeps the old \
                     tracking number and has no un-ship: correct the tracking number of this order in the Sears \
                     Seller Portal."
                ));
            }
            MessageState::Sent | MessageState::Delivered => {}
            MessageState::NeedsManualAction => {
                withdraw.push(message.dedupe_key.clone());
                sears_notice = Some(format!(
                    "The label {tracking} was voided. If you already updated this order by hand in the Sears \
                     Seller Portal, correct its tracking number there."
                ));
            }
            MessageState::Pending | MessageState::Failed => withdraw.push(message.dedupe_key.clone()),
        }
    }
    let sears_withdrawn =
        messages.iter().any(|m| m.kind == MessageKind::SearsShipment && withdraw.contains(&m.dedupe_key));
    if sears_withdrawn {
        updated.marketplace_update = MarketplaceUpdate::default();
        updated.notices.retain(|n| n.code != NOTICE_SEARS_UPDATE_MANUAL);
    }
    if let Some(notice) = &sears_notice {
        put_notice(&mut updated, NOTICE_SEARS_TRACKING_AFTER_VOID, notice.clone(), now);
    }
    VoidEffects { order: updated, withdraw, sears_notice }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use wharf_domain::sample;
    use wharf_domain::shipment::{PackageLine, ShipmentKind, ShipmentPackage, ShipmentState};
    use wharf_domain::{Confirmation, MessageId};

    use super::*;

    fn now() -> Timestamp {
        "2026-11-27T18:00:00Z".parse().unwrap()
    }

    fn shipment(lines: Vec<(&str, u32)>) -> Shipment {
        let order = sample::order("ord_1", "5550001");
        Shipment {
            shipment_id: "shp_1".parse().unwrap(),
            account_id: order.account_id,
            store_id: order.store_id,
            order_id: order.order_id,
            kind: ShipmentKind::Label,
            state: ShipmentState::Active,
            carrier_code: "ups".into(),
            service_code: "ups_ground".into(),
            package_code: None,
            sears_carrier: Some("UPS".into()),
            sears_method: Some("Ground".into()),
            carrier_account_id: None,
            warehouse_id: None,
            batch_id: None,
            reference: "WH202611265550001-1".into(),
            carrier_shipment_id: Some("1ZW4RF010312345675".into()),
            ship_date: date(2026, 11, 27),
            confirmation: Confirmation::None,
            packages: vec![ShipmentPackage {
                sequence: 1,
                tracking_number: Some("1ZW4RF010312345675".into()),
                weight: None,
                dimensions: None,
                lines: lines
                    .into_iter()
                    .map(|(key, quantity)| PackageLine { line_item_key: key.into(), sku: "X".into(), quantity })
                    .collect(),
                label: None,
            }],
            carrier_fee: None,
            insurance_cost: None,
            notes_to_buyer: None,
            test_label: false,
            error: None,
            create_date: now(),
            modify_date: now(),
            voided_at: None,
            tracking: Default::default(),
        }
    }

    fn sears_message(state: MessageState) -> OutboxMessage {
        let order = sample::order("ord_1", "5550001");
        OutboxMessage {
            message_id: MessageId::from_uuid(uuid::Uuid::nil()),
            account_id: order.account_id,
            store_id: order.store_id,
            order_id: order.order_id,
            kind: MessageKind::SearsShipment,
            state,
            dedupe_key: "sears_shipment:ord_1".into(),
            payload: serde_json::json!({}),
            attempts: 1,
            next_attempt_at: now(),
            last_error: None,
            external_id: None,
            create_date: now(),
            modify_date: now(),
        }
    }

    #[test]
    fn an_order_ships_when_every_line_is_packed() {
        let order = sample::order("ord_1", "5550001");
        let all = shipment(vec![("1", 2), ("2", 1)]);
        let shipped = order_after_shipment(&order, &all, &[], &ShipmentMessages::default(), false, now());
        assert_eq!((shipped.order_status, shipped.ship_date), (OrderStatus::Shipped, Some(date(2026, 11, 27))));

        let part = shipment(vec![("1", 2)]);
        let waiting = order_after_shipment(&order, &part, &[], &ShipmentMessages::default(), false, now());
        assert_eq!(waiting.order_status, order.order_status);
        let short = order_after_shipment(&order, &part, &[], &ShipmentMessages::default(), true, now());
        assert_eq!(short.order_status, OrderStatus::Shipped);
    }

    #[test]
    fn history_records_each_change_with_the_note() {
        let order = sample::order("ord_1", "5550001");
        let mut new = order.clone();
        new.order_status = OrderStatus::Shipped;
        let write = order_write(&order, new, Actor::System, "label bought (shp_1)", now()).unwrap();
        assert_eq!(write.expected_modify_date, Some(order.modify_date));
        assert_eq!(write.order.modify_date, now());
        assert_eq!(write.history.len(), 1);
        assert_eq!(write.history[0].field, "orderStatus");
        assert_eq!(write.history[0].note.as_deref(), Some("label bought (shp_1)"));
        assert!(order_write(&order, order.clone(), Actor::System, "nothing", now()).is_none());
    }

    #[test]
    fn a_void_withdraws_an_unsent_update_and_reopens_the_order() {
        let mut order = sample::order("ord_1", "5550001");
        order.order_status = OrderStatus::Shipped;
        order.marketplace_update.state = MarketplaceUpdateState::Pending;
        let mut voided = shipment(vec![("1", 2), ("2", 1)]);
        voided.state = ShipmentState::Voided;
        let effects =
            order_after_void(&order, &voided, &[voided.clone()], &[sears_message(MessageState::Pending)], now());
        assert_eq!(effects.order.order_status, OrderStatus::AwaitingShipment);
        assert_eq!(effects.order.ship_date, None);
        assert_eq!(effects.withdraw, vec!["sears_shipment:ord_1".to_owned()]);
        assert_eq!(effects.order.marketplace_update, MarketplaceUpdate::default());
        assert_eq!(effects.sears_notice, None);
    }

    #[test]
    fn a_void_after_sears_accepted_the_update_tells_the_seller_to_fix_it_in_the_portal() {
        let mut order = sample::order("ord_1", "5550001");
        order.order_status = OrderStatus::Shipped;
        let voided = shipment(vec![("1", 2), ("2", 1)]);
        let effects = order_after_void(&order, &voided, &[], &[sears_message(MessageState::Delivered)], now());
        assert!(effects.withdraw.is_empty());
        let notice = effects.order.notice(NOTICE_SEARS_TRACKING_AFTER_VOID).unwrap();
        assert_eq!(
            notice.message,
            "The label 1ZW4RF010312345675 was voided after Sears accepted the shipment update. Sears keeps the old \
             tracking number and has no un-ship: correct the tracking number of this order in the Sears Seller \
             Portal."
        );
        assert_eq!(effects.order.order_status, OrderStatus::AwaitingShipment);
    }
}
