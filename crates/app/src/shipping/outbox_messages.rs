//! Which outbox messages a shipment causes (SPEC.md section 18, decisions 5, 9 and 11), as a pure function of
//! the order, its shipments and the store. The caller writes them in the shipment's own transaction; the
//! notification workers deliver them.
//!
//! - One Sears shipment update (`SearsShipment`, dedupe key `sears_shipment:{order id}`) per order, queued
//!   once every line of the order is in a package of a live shipment, or once the seller confirmed a short
//!   shipment (decision 9). It carries every package of every live shipment of the order.
//! - When any line's SKU has 42 characters or more, that update is queued as `NeedsManualAction` with
//!   decision 5's message instead (Wharf sends none of it), and the order's Sears update says so.
//! - A customer e-mail (`ShipmentEmail`, `shipment_email:{shipment id}`) when the store's shipment
//!   confirmation is on, and always when the Sears carrier is OTH (decision 11).
//! - Nothing at all for test labels, shipments Sears recorded outside Wharf (`External`), shipments not (or
//!   no longer) live, and orders shipped by hand in the Seller Portal (decision 8).

use jiff::Timestamp;
use serde_json::{Value, json};
use wharf_domain::outbox::{MessageKind, MessageState, NewOutboxMessage, OutboxMessage};
use wharf_domain::reimport::NOTICE_SHIPPED_OUTSIDE_WHARF;
use wharf_domain::shipment::{Shipment, ShipmentKind, ShipmentState};
use wharf_domain::shipping_codes::SearsShipCode;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{
    MarketplaceUpdate, MarketplaceUpdateState, MessageId, Order, OrderStatus, SEARS_ASN_SKU_LIMIT, sku_too_long_message,
};

/// A message to queue, with the state it starts in.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedMessage {
    pub message: NewOutboxMessage,
    /// `Pending`, or `NeedsManualAction` when Wharf cannot send it (decision 5).
    pub state: MessageState,
    /// Why it needs manual action, in the words the seller sees.
    pub last_error: Option<String>,
}

/// What a shipment causes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShipmentMessages {
    pub messages: Vec<PlannedMessage>,
    /// The order's new Sears update state, when a Sears update is queued (pending or needing manual action).
    pub marketplace_update: Option<MarketplaceUpdate>,
}

/// The dedupe key of an order's one Sears shipment update (notify re-queues it under the same key).
pub fn sears_dedupe_key(order: &wharf_domain::OrderId) -> String {
    format!("sears_shipment:{order}")
}

pub fn email_dedupe_key(shipment: &Shipment) -> String {
    format!("shipment_email:{}", shipment.shipment_id)
}

/// True when the order was shipped by hand in the Sears Seller Portal: Wharf never reports it (decision 8).
pub fn shipped_outside_wharf(order: &Order) -> bool {
    order.notice(NOTICE_SHIPPED_OUTSIDE_WHARF).is_some() || order.order_status == OrderStatus::AwaitingPayment
}

/// Every unit Sears still expects of every line is in a package of these shipments (quantities summed over
/// them).
pub fn every_line_packed(order: &Order, shipments: &[&Shipment]) -> bool {
    order.items.iter().all(|i| {
        shipments.iter().map(|s| s.quantity_of(&i.line_item_key)).sum::<u32>() >= super::packages::units_to_ship(i)
    })
}

/// The messages `shipment` causes. `order_shipments` are the order's shipments (with or without `shipment`
/// itself; only live ones count); `short_ship_confirmed` is the seller's confirmation that a shipment missing
/// some lines is all that will ship (Sears then cancels the rest).
pub fn messages_for_shipment(
    order: &Order,
    shipment: &Shipment,
    order_shipments: &[Shipment],
    store: &SalesStore,
    short_ship_confirmed: bool,
    now: Timestamp,
) -> ShipmentMessages {
    let reportable = shipment.state == ShipmentState::Active
        && !shipment.test_label
        && shipment.kind != ShipmentKind::External
        && !shipped_outside_wharf(order);
    if !reportable {
        return ShipmentMessages::default();
    }
    let mut live: Vec<&Shipment> = order_shipments
        .iter()
        .filter(|s| s.shipment_id != shipment.shipment_id && s.counts_as_shipped() && s.kind != ShipmentKind::External)
        .collect();
    live.push(shipment);
    live.sort_by(|a, b| (a.create_date, &a.shipment_id).cmp(&(b.create_date, &b.shipment_id)));

    let mut out = ShipmentMessages::default();
    if order.sears.is_some() && (every_line_packed(order, &live) || short_ship_confirmed) {
        let (state, problem) = match sears_blocker(order, &live) {
            Some(problem) => (MessageState::NeedsManualAction, Some(problem)),
            None => (MessageState::Pending, None),
        };
        out.marketplace_update = Some(MarketplaceUpdate {
            state: match state {
                MessageState::NeedsManualAction => MarketplaceUpdateState::NeedsManualAction,
                _ => MarketplaceUpdateState::Pending,
            },
            message: problem.clone(),
            updated_at: Some(now),
        });
        out.messages.push(PlannedMessage {
            message: NewOutboxMessage {
                kind: MessageKind::SearsShipment,
                dedupe_key: sears_dedupe_key(&order.order_id),
                payload: sears_payload(order, &live, short_ship_confirmed),
                shipment_ids: live.iter().map(|s| s.shipment_id.clone()).collect(),
            },
            state,
            last_error: problem,
        });
    }

    let oth = shipment.requires_buyer_notice();
    if store.settings.notifications.shipment_confirmation || oth {
        let reason =
            if store.settings.notifications.shipment_confirmation { "store_setting" } else { "sears_oth_policy" };
        out.messages.push(PlannedMessage {
            message: NewOutboxMessage {
                kind: MessageKind::ShipmentEmail,
                dedupe_key: email_dedupe_key(shipment),
                payload: email_payload(order, shipment, reason),
                shipment_ids: vec![shipment.shipment_id.clone()],
            },
            state: MessageState::Pending,
            last_error: None,
        });
    }
    out
}

fn sears_code(shipment: &Shipment) -> Option<SearsShipCode> {
    let carrier = shipment.sears_carrier.as_deref()?;
    let method = shipment.sears_method.as_deref()?;
    wharf_domain::shipping_codes::ShippingCodes::sears_method(carrier, method)
}

/// Why Wharf cannot send the order's Sears update itself, if it cannot.
fn sears_blocker(order: &Order, live: &[&Shipment]) -> Option<String> {
    // Decision 5: the longest offending SKU is the one named; one message for the whole order.
    if let Some(longest) = order.skus_too_long_for_sears().iter().map(|(_, len)| *len).max() {
        debug_assert!(longest >= SEARS_ASN_SKU_LIMIT);
        return Some(sku_too_long_message(longest));
    }
    let uncoded: Vec<String> = live
        .iter()
        .filter(|s| sears_code(s).is_none())
        .map(|s| format!("{} {}", s.carrier_code, s.service_code))
        .collect();
    (!uncoded.is_empty()).then(|| {
        format!(
            "Sears has no shipping carrier and method for {}; update this order manually in the Sears Seller Portal",
            uncoded.join(", ")
        )
    })
}

fn line_number(order: &Order, line_item_key: &str) -> Value {
    let item = order.items.iter().find(|i| i.line_item_key == line_item_key);
    match item.and_then(|i| i.sears.as_ref()).map(|s| s.line_number) {
        Some(n) => json!(n),
        None => line_item_key.parse::<u32>().map_or_else(|_| json!(line_item_key), |n| json!(n)),
    }
}

/// The ASN as it will be sent: the PO's key, and per package its tracking number, ship date, Sears carrier
/// and method, and its lines.
fn sears_payload(order: &Order, live: &[&Shipment], short_ship_confirmed: bool) -> Value {
    let sears = order.sears.as_ref();
    let packages: Vec<Value> = live
        .iter()
        .flat_map(|s| {
            s.packages.iter().map(move |p| {
                json!({
                    "shipmentId": s.shipment_id,
                    "sequence": p.sequence,
                    "trackingNumber": p.tracking_number,
                    "shipDate": s.ship_date,
                    "carrier": s.sears_carrier,
                    "method": s.sears_method,
                    "lines": p.lines.iter().map(|l| json!({
                        "lineNumber": line_number(order, &l.line_item_key),
                        "itemId": l.sku,
                        "quantity": l.quantity,
                    })).collect::<Vec<_>>(),
                })
            })
        })
        .collect();
    json!({
        "orderId": order.order_id,
        "orderNumber": order.order_number,
        "poNumber": sears.map(|s| s.po_number.as_str()),
        "poDate": sears.map(|s| s.po_date),
        "shipmentIds": live.iter().map(|s| &s.shipment_id).collect::<Vec<_>>(),
        "shortShipConfirmed": short_ship_confirmed,
        "packages": packages,
    })
}

fn email_payload(order: &Order, shipment: &Shipment, reason: &str) -> Value {
    json!({
        "orderId": order.order_id,
        "orderNumber": order.order_number,
        "shipmentId": shipment.shipment_id,
        "to": order.customer_email,
        "customerName": order.ship_to.name,
        "carrier": shipment.carrier_code,
        "service": shipment.service_code,
        "searsCarrier": shipment.sears_carrier,
        "searsMethod": shipment.sears_method,
        "pickup": shipment.kind == ShipmentKind::Pickup,
        "trackingNumbers": shipment.tracking_numbers().collect::<Vec<_>>(),
        "shipDate": shipment.ship_date,
        "notesToBuyer": shipment.notes_to_buyer,
        "reason": reason,
    })
}

/// The outbox row for a planned message of `order`, due at once.
pub fn to_outbox(planned: PlannedMessage, order: &Order, message_id: MessageId, now: Timestamp) -> OutboxMessage {
    OutboxMessage {
        message_id,
        account_id: order.account_id.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind: planned.message.kind,
        state: planned.state,
        dedupe_key: planned.message.dedupe_key,
        payload: planned.message.payload,
        attempts: 0,
        next_attempt_at: now,
        last_error: planned.last_error,
        external_id: None,
        create_date: now,
        modify_date: now,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use pretty_assertions::assert_eq;
    use wharf_domain::shipment::{PackageLine, ShipmentPackage};
    use wharf_domain::store::{Marketplace, SearsConnection, StoreSettings};
    use wharf_domain::{Confirmation, OrderNotice, ShipmentId, sample};

    use super::*;

    fn now() -> Timestamp {
        "2026-11-27T18:00:00Z".parse().unwrap()
    }

    fn store(confirmations: bool) -> SalesStore {
        let mut settings = StoreSettings::default();
        settings.notifications.shipment_confirmation = confirmations;
        SalesStore {
            store_id: sample::store_id(),
            account_id: sample::account_id(),
            store_name: "Main".into(),
            marketplace: Marketplace::Sears,
            connection: SearsConnection {
                seller_id: "1001".into(),
                email: "seller@example.com".into(),
                base_url: "http://127.0.0.1:9".into(),
            },
            settings,
            active: true,
            create_date: now(),
            modify_date: now(),
        }
    }

    /// The sample order: line 1 is 2 x MUG-BLUE, line 2 is 1 x TEE-L.
    fn order() -> Order {
        sample::order("ord_1", "5550001")
    }

    fn line(key: &str, sku: &str, quantity: u32) -> PackageLine {
        PackageLine { line_item_key: key.into(), sku: sku.into(), quantity }
    }

    fn shipment(n: u32, packages: Vec<(&str, Vec<PackageLine>)>, sears: (&str, &str)) -> Shipment {
        let order = order();
        Shipment {
            shipment_id: format!("shp_{n}").parse().unwrap(),
            account_id: order.account_id.clone(),
            store_id: order.store_id.clone(),
            order_id: order.order_id.clone(),
            kind: ShipmentKind::Label,
            state: ShipmentState::Active,
            carrier_code: "ups".into(),
            service_code: "ups_ground".into(),
            package_code: Some("package".into()),
            sears_carrier: Some(sears.0.into()),
            sears_method: Some(sears.1.into()),
            carrier_account_id: None,
            warehouse_id: None,
            batch_id: None,
            reference: format!("WH20261126{}-{n}", order.order_number),
            carrier_shipment_id: None,
            ship_date: date(2026, 11, 27),
            confirmation: Confirmation::None,
            packages: packages
                .into_iter()
                .enumerate()
                .map(|(i, (tracking, lines))| ShipmentPackage {
                    sequence: i as u32 + 1,
                    tracking_number: Some(tracking.into()),
                    weight: None,
                    dimensions: None,
                    lines,
                    label: None,
                })
                .collect(),
            carrier_fee: None,
            insurance_cost: None,
            notes_to_buyer: Some("Thanks! Spare buttons are in the bag.".into()),
            test_label: false,
            error: None,
            create_date: now(),
            modify_date: now(),
            voided_at: None,
            tracking: Default::default(),
        }
    }

    fn complete() -> Shipment {
        shipment(
            1,
            vec![
                ("1ZW4RF010312345675", vec![line("1", "MUG-BLUE", 2)]),
                ("1ZW4RF010312345686", vec![line("2", "TEE-L", 1)]),
            ],
            ("UPS", "Ground"),
        )
    }

    fn kinds(out: &ShipmentMessages) -> Vec<(MessageKind, MessageState, &str)> {
        out.messages.iter().map(|m| (m.message.kind, m.state, m.message.dedupe_key.as_str())).collect()
    }

    #[test]
    fn a_complete_shipment_queues_one_sears_update_with_every_package() {
        let out = messages_for_shipment(&order(), &complete(), &[], &store(false), false, now());
        assert_eq!(kinds(&out), vec![(MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1")]);
        assert_eq!(out.marketplace_update.as_ref().unwrap().state, MarketplaceUpdateState::Pending);
        let asn = &out.messages[0].message;
        assert_eq!(asn.shipment_ids, vec!["shp_1".parse::<ShipmentId>().unwrap()]);
        assert_eq!(asn.payload["poNumber"], "5550001");
        assert_eq!(asn.payload["poDate"], "2026-11-26");
        assert_eq!(
            asn.payload["packages"],
            json!([
                {"shipmentId": "shp_1", "sequence": 1, "trackingNumber": "1ZW4RF010312345675", "shipDate": "2026-11-27",
                 "carrier": "UPS", "method": "Ground", "lines": [{"lineNumber": 1, "itemId": "MUG-BLUE", "quantity": 2}]},
                {"shipmentId": "shp_1", "sequence": 2, "trackingNumber": "1ZW4RF010312345686", "shipDate": "2026-11-27",
                 "carrier": "UPS", "method": "Ground", "lines": [{"lineNumber": 2, "itemId": "TEE-L", "quantity": 1}]},
            ])
        );
    }

    #[test]
    fn shipment_confirmations_add_a_customer_email() {
        let out = messages_for_shipment(&order(), &complete(), &[], &store(true), false, now());
        assert_eq!(
            kinds(&out),
            vec![
                (MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1"),
                (MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:shp_1"),
            ]
        );
        let email = &out.messages[1].message.payload;
        assert_eq!(email["reason"], "store_setting");
        assert_eq!(email["notesToBuyer"], "Thanks! Spare buttons are in the bag.");
        assert_eq!(email["trackingNumbers"], json!(["1ZW4RF010312345675", "1ZW4RF010312345686"]));
    }

    #[test]
    fn carrier_oth_always_emails_the_buyer() {
        let mut manual = shipment(
            2,
            vec![("LOCAL-778", vec![line("1", "MUG-BLUE", 2), line("2", "TEE-L", 1)])],
            ("OTH", "Standard"),
        );
        manual.kind = ShipmentKind::Manual;
        let out = messages_for_shipment(&order(), &manual, &[], &store(false), false, now());
        assert_eq!(
            kinds(&out),
            vec![
                (MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1"),
                (MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:shp_2"),
            ]
        );
        assert_eq!(out.messages[1].message.payload["reason"], "sears_oth_policy");
    }

    #[test]
    fn a_sku_of_42_characters_or_more_needs_manual_action() {
        let mut order = order();
        // 42 characters: the limit is "fewer than 42".
        order.items[1].sku = "TEE-LARGE-COTTON-CREW-NECK-HEATHER-GRAY-XL".into();
        assert_eq!(order.items[1].sku.chars().count(), 42);
        let out = messages_for_shipment(&order, &complete(), &[], &store(false), false, now());
        assert_eq!(
            kinds(&out),
            vec![(MessageKind::SearsShipment, MessageState::NeedsManualAction, "sears_shipment:ord_1")]
        );
        let expected = "SKU is 42 characters; Sears shipment updates need fewer than 42 — update this order manually \
                        in the Sears Seller Portal";
        assert_eq!(out.messages[0].last_error.as_deref(), Some(expected));
        let update = out.marketplace_update.unwrap();
        assert_eq!(
            (update.state, update.message.as_deref()),
            (MarketplaceUpdateState::NeedsManualAction, Some(expected))
        );
    }

    #[test]
    fn a_partial_shipment_waits_for_the_rest_or_a_confirmed_short_shipment() {
        let partial = shipment(1, vec![("1ZW4RF010312345675", vec![line("1", "MUG-BLUE", 2)])], ("UPS", "Ground"));
        assert_eq!(
            messages_for_shipment(&order(), &partial, &[], &store(false), false, now()),
            ShipmentMessages::default()
        );

        let short = messages_for_shipment(&order(), &partial, &[], &store(false), true, now());
        assert_eq!(kinds(&short), vec![(MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1")]);
        assert_eq!(short.messages[0].message.payload["shortShipConfirmed"], true);

        // The rest shipped later completes the order: the update carries both shipments.
        let rest = shipment(2, vec![("1ZW4RF010312345697", vec![line("2", "TEE-L", 1)])], ("UPS", "Ground"));
        let out = messages_for_shipment(&order(), &rest, std::slice::from_ref(&partial), &store(false), false, now());
        assert_eq!(out.messages.len(), 1);
        let ids = &out.messages[0].message.shipment_ids;
        assert_eq!(ids, &vec!["shp_1".parse::<ShipmentId>().unwrap(), "shp_2".parse().unwrap()]);

        // A voided shipment does not count.
        let mut voided = partial.clone();
        voided.state = ShipmentState::Voided;
        let out = messages_for_shipment(&order(), &rest, &[voided], &store(false), false, now());
        assert_eq!(out, ShipmentMessages::default());
    }

    #[test]
    fn external_shipments_test_labels_and_portal_shipped_orders_cause_nothing() {
        let mut external = complete();
        external.kind = ShipmentKind::External;
        let mut test = complete();
        test.test_label = true;
        let mut portal = order();
        portal.notices.push(OrderNotice {
            code: NOTICE_SHIPPED_OUTSIDE_WHARF.into(),
            message: "Shipped outside Wharf".into(),
            at: now(),
        });
        for (order, shipment) in [(order(), external), (order(), test), (portal, complete())] {
            assert_eq!(
                messages_for_shipment(&order, &shipment, &[], &store(true), false, now()),
                ShipmentMessages::default()
            );
        }
        let mut purchasing = complete();
        purchasing.state = ShipmentState::Purchasing;
        assert_eq!(
            messages_for_shipment(&order(), &purchasing, &[], &store(true), false, now()),
            ShipmentMessages::default()
        );
    }

    #[test]
    fn an_order_without_sears_facts_only_gets_its_email() {
        let mut order = order();
        order.sears = None;
        let out = messages_for_shipment(&order, &complete(), &[], &store(true), false, now());
        assert_eq!(kinds(&out), vec![(MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:shp_1")]);
        assert_eq!(out.marketplace_update, None);
    }

    #[test]
    fn planned_messages_become_due_outbox_rows() {
        let out = messages_for_shipment(&order(), &complete(), &[], &store(false), false, now());
        let row = to_outbox(out.messages[0].clone(), &order(), "msg_1".parse().unwrap(), now());
        assert_eq!((row.state, row.attempts, row.next_attempt_at), (MessageState::Pending, 0, now()));
        assert_eq!((row.order_id.as_str(), row.store_id.clone()), ("ord_1", sample::store_id()));
    }
}
