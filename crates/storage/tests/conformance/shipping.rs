//! The shipping area: carrier accounts and their sealed credentials, warehouses and the one default, and
//! shipments: the constraints that prevent double purchases, state transitions as compare-and-set, and the
//! shipment, its order and its outbox messages written together or not at all.

use jiff::Timestamp;
use jiff::civil::date;
use pretty_assertions::assert_eq;
use serde_json::json;
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::shipment::{LabelFile, PackageLine, Shipment, ShipmentKind, ShipmentPackage, ShipmentState};
use wharf_domain::{
    Address, CarrierAccountId, Confirmation, Money, Order, OrderStatus, ShipmentId, WarehouseId, Weight,
};
use wharf_storage::shipping::{
    CARRIER_ACCOUNT_NAME, CarrierAccount, ExpectedShipment, LIVE_SHIPMENT, SHIPMENT_REFERENCE, ShipmentWrite,
    WAREHOUSE_NAME, Warehouse,
};
use wharf_storage::{OrderWrite, StorageError};

use crate::Db;
use crate::fixtures::order as fixtures_order;
use crate::fixtures::*;

fn carrier_account(id: &str, name: &str, created: &str) -> CarrierAccount {
    CarrierAccount {
        carrier_account_id: id.parse().unwrap(),
        account_id: account_a(),
        carrier: "ups".into(),
        name: name.into(),
        account_number: "W4RF01".into(),
        base_url: "http://127.0.0.1:9".into(),
        label_format: "zpl".into(),
        negotiated_rates: true,
        create_date: at(created),
        modify_date: at(created),
    }
}

fn address(name: &str, zip: &str) -> Address {
    Address {
        name: name.into(),
        street1: "1200 W Fulton Market".into(),
        city: "Chicago".into(),
        state: "IL".into(),
        postal_code: zip.into(),
        country: "US".into(),
        phone: Some("312-555-0142".into()),
        ..Address::default()
    }
}

fn warehouse(id: &str, name: &str, is_default: bool) -> Warehouse {
    Warehouse {
        warehouse_id: id.parse().unwrap(),
        account_id: account_a(),
        name: name.into(),
        origin: address(name, "60607"),
        return_address: None,
        is_default,
        create_date: at("2026-11-26T09:00:00Z"),
        modify_date: at("2026-11-26T09:00:00Z"),
    }
}

fn shipment_id(n: u32) -> ShipmentId {
    format!("shp_{n:032}").parse().unwrap()
}

/// A one-package label shipment of `order` being bought (its intent recorded before the carrier is called).
fn purchasing(n: u32, order: &Order, attempt: u32) -> Shipment {
    let at = at("2026-11-27T15:00:00Z");
    Shipment {
        shipment_id: shipment_id(n),
        account_id: order.account_id.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind: ShipmentKind::Label,
        state: ShipmentState::Purchasing,
        carrier_code: "ups".into(),
        service_code: "ups_ground".into(),
        package_code: Some("package".into()),
        sears_carrier: Some("UPS".into()),
        sears_method: Some("Ground".into()),
        carrier_account_id: Some("car_1".parse().unwrap()),
        warehouse_id: Some("whs_1".parse().unwrap()),
        batch_id: None,
        reference: format!("WH{}-{attempt}", order.order_key),
        carrier_shipment_id: None,
        ship_date: date(2026, 11, 27),
        confirmation: Confirmation::None,
        packages: vec![ShipmentPackage {
            sequence: 1,
            tracking_number: None,
            weight: Some(Weight::ounces(rust_decimal::Decimal::from(37))),
            dimensions: None,
            lines: order
                .items
                .iter()
                .map(|i| PackageLine {
                    line_item_key: i.line_item_key.clone(),
                    sku: i.sku.clone(),
                    quantity: i.quantity,
                })
                .collect(),
            label: None,
        }],
        carrier_fee: None,
        insurance_cost: None,
        notes_to_buyer: None,
        test_label: false,
        error: None,
        create_date: at,
        modify_date: at,
        voided_at: None,
        tracking: Default::default(),
    }
}

/// The same shipment, bought: tracking number, label file and the fee charged.
fn bought(mut shipment: Shipment, tracking: &str) -> Shipment {
    shipment.state = ShipmentState::Active;
    shipment.carrier_shipment_id = Some(tracking.into());
    shipment.carrier_fee = Some(Money::new(rust_decimal::Decimal::new(1475, 2)));
    shipment.modify_date = at("2026-11-27T15:00:02Z");
    let package = &mut shipment.packages[0];
    package.tracking_number = Some(tracking.into());
    package.label = Some(LabelFile { format: "zpl".into(), data: "XlhBXkZPNTAsNTBeRkRIZWxsb15GU15YWg==".into() });
    shipment
}

fn message(n: u32, order: &Order, kind: MessageKind, state: MessageState, key: &str) -> OutboxMessage {
    let at = at("2026-11-27T15:00:02Z");
    OutboxMessage {
        message_id: format!("msg_{n:032}").parse().unwrap(),
        account_id: order.account_id.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind,
        state,
        dedupe_key: key.into(),
        payload: json!({"shipmentIds": [shipment_id(1)], "poNumber": order.order_number}),
        attempts: 0,
        next_attempt_at: at,
        last_error: None,
        external_id: None,
        create_date: at,
        modify_date: at,
    }
}

/// The order, shipped by the shipment: what a purchase writes beside it.
fn shipped(order: &Order, at_text: &str) -> OrderWrite {
    let mut updated = order.clone();
    updated.order_status = OrderStatus::Shipped;
    updated.ship_date = Some(date(2026, 11, 27));
    updated.modify_date = at(at_text);
    OrderWrite {
        history: vec![HistoryEntry {
            at: at(at_text),
            actor: Actor::System,
            field: "orderStatus".into(),
            old: json!("awaiting_shipment"),
            new: json!("shipped"),
            note: Some("label bought".into()),
        }],
        raw_document: None,
        expected_modify_date: Some(order.modify_date),
        order: updated,
    }
}

fn insert(shipment: Shipment) -> ShipmentWrite {
    ShipmentWrite { shipment, expected: None, order: None, outbox: vec![], withdraw: vec![] }
}

fn expecting(state: ShipmentState) -> Option<ExpectedShipment> {
    Some(ExpectedShipment { state, modify_date: None })
}

async fn one_order(db: &Db) -> Order {
    seed(&**db).await;
    let order = order(1, "1000001", day("2026-11-26"));
    import_new(&**db, vec![order.clone()]).await;
    db.get_order(&account_a(), &order.order_id).await.unwrap()
}

pub async fn carrier_accounts_keep_sealed_credentials_apart(db: Db) {
    seed(&*db).await;
    let first = carrier_account("car_1", "UPS main", "2026-11-26T09:00:00Z");
    let second = carrier_account("car_2", "UPS returns", "2026-11-26T10:00:00Z");
    db.insert_carrier_account(&second, b"\x01sealed-two").await.unwrap();
    db.insert_carrier_account(&first, b"\x01sealed-one\x00\xff").await.unwrap();

    assert_eq!(db.list_carrier_accounts(&account_a()).await.unwrap(), vec![first.clone(), second.clone()]);
    assert_eq!(db.get_carrier_account(&account_a(), &first.carrier_account_id).await.unwrap(), first);
    assert_eq!(
        db.carrier_account_secret(&account_a(), &first.carrier_account_id).await.unwrap(),
        b"\x01sealed-one\x00\xff".to_vec()
    );

    let mut same_name = carrier_account("car_3", "UPS main", "2026-11-26T11:00:00Z");
    let err = db.insert_carrier_account(&same_name, b"x").await.unwrap_err();
    assert!(matches!(err, StorageError::Duplicate { what: CARRIER_ACCOUNT_NAME, .. }), "{err:?}");
    same_name.account_id = account_b();
    let err = db.insert_carrier_account(&same_name, b"x").await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "account", .. }), "{err:?}");

    // Another account sees nothing of account A's carriers.
    seed_b(&*db).await;
    assert_eq!(db.list_carrier_accounts(&account_b()).await.unwrap(), vec![]);
    let err = db.carrier_account_secret(&account_b(), &first.carrier_account_id).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "carrier account", .. }), "{err:?}");
    let err = db.delete_carrier_account(&account_b(), &first.carrier_account_id).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }), "{err:?}");

    db.delete_carrier_account(&account_a(), &first.carrier_account_id).await.unwrap();
    assert_eq!(db.list_carrier_accounts(&account_a()).await.unwrap(), vec![second]);
    let id: CarrierAccountId = "car_1".parse().unwrap();
    assert!(matches!(db.carrier_account_secret(&account_a(), &id).await, Err(StorageError::NotFound { .. })));
}

pub async fn one_default_warehouse_per_account(db: Db) {
    seed(&*db).await;
    let mut main = warehouse("whs_1", "Main", true);
    main.return_address = Some(address("Returns desk", "60608"));
    db.insert_warehouse(&main).await.unwrap();
    let annex = warehouse("whs_2", "Annex", true);
    db.insert_warehouse(&annex).await.unwrap();

    let defaults =
        |list: Vec<Warehouse>| -> Vec<(String, bool)> { list.into_iter().map(|w| (w.name, w.is_default)).collect() };
    // A new default takes over in the same write; the list is by name.
    assert_eq!(
        defaults(db.list_warehouses(&account_a()).await.unwrap()),
        vec![("Annex".to_owned(), true), ("Main".to_owned(), false)]
    );
    let stored = db.get_warehouse(&account_a(), &main.warehouse_id).await.unwrap();
    assert_eq!(stored.return_to().name, "Returns desk");
    assert_eq!(stored.origin, main.origin);

    let main_id: WarehouseId = "whs_1".parse().unwrap();
    db.set_default_warehouse(&account_a(), &main_id, at("2026-11-27T09:00:00Z")).await.unwrap();
    assert_eq!(
        defaults(db.list_warehouses(&account_a()).await.unwrap()),
        vec![("Annex".to_owned(), false), ("Main".to_owned(), true)]
    );
    let now_default = db.get_warehouse(&account_a(), &main_id).await.unwrap();
    assert_eq!(now_default.modify_date, at("2026-11-27T09:00:00Z"));

    let err = db.insert_warehouse(&warehouse("whs_3", "Main", false)).await.unwrap_err();
    assert!(matches!(err, StorageError::Duplicate { what: WAREHOUSE_NAME, .. }), "{err:?}");
    let unknown: WarehouseId = "whs_9".parse().unwrap();
    let err = db.set_default_warehouse(&account_a(), &unknown, at("2026-11-27T09:00:00Z")).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "warehouse", .. }), "{err:?}");
    seed_b(&*db).await;
    let err = db.set_default_warehouse(&account_b(), &main_id, at("2026-11-27T09:00:00Z")).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "warehouse", .. }), "{err:?}");
}

pub async fn an_order_has_one_live_purchase(db: Db) {
    let order = one_order(&db).await;
    db.write_shipment(&insert(purchasing(1, &order, 1))).await.unwrap();

    // A second purchase of the same order is refused by the database, whatever its reference...
    let err = db.write_shipment(&insert(purchasing(2, &order, 2))).await.unwrap_err();
    assert!(matches!(err, StorageError::Duplicate { what: LIVE_SHIPMENT, .. }), "{err:?}");
    // ...and a reference is never used twice, even once the first purchase failed.
    let mut failed = purchasing(1, &order, 1);
    failed.state = ShipmentState::Failed;
    failed.error = Some("UPS rejected the label purchase".into());
    db.write_shipment(&ShipmentWrite { expected: expecting(ShipmentState::Purchasing), ..insert(failed) })
        .await
        .unwrap();
    let err = db.write_shipment(&insert(purchasing(3, &order, 1))).await.unwrap_err();
    assert!(matches!(err, StorageError::Duplicate { what: SHIPMENT_REFERENCE, .. }), "{err:?}");

    // The failed purchase no longer holds the order: a new attempt may start, and then nothing else.
    db.write_shipment(&insert(purchasing(4, &order, 2))).await.unwrap();
    let err = db.write_shipment(&insert(purchasing(5, &order, 3))).await.unwrap_err();
    assert!(matches!(err, StorageError::Duplicate { what: LIVE_SHIPMENT, .. }), "{err:?}");

    // Two writers racing to start a purchase of another order: exactly one wins.
    let other = fixtures_order(2, "1000002", day("2026-11-26"));
    import_new(&*db, vec![other.clone()]).await;
    let (first, second) = (insert(purchasing(6, &other, 1)), insert(purchasing(7, &other, 2)));
    let (a, b) = tokio::join!(db.write_shipment(&first), db.write_shipment(&second));
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");

    let states: Vec<(ShipmentId, ShipmentState)> = db
        .shipments_for_orders(&account_a(), &[order.order_id.clone(), other.order_id.clone()])
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.order_id == order.order_id)
        .map(|s| (s.shipment_id, s.state))
        .collect();
    assert_eq!(states, vec![(shipment_id(1), ShipmentState::Failed), (shipment_id(4), ShipmentState::Purchasing)]);

    let unknown_order = purchasing(8, &sample_order_not_stored(), 1);
    let err = db.write_shipment(&insert(unknown_order)).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }), "{err:?}");
}

fn sample_order_not_stored() -> Order {
    fixtures_order(99, "1999999", day("2026-11-26"))
}

pub async fn shipment_states_move_by_compare_and_set(db: Db) {
    let order = one_order(&db).await;
    let started = purchasing(1, &order, 1);
    db.write_shipment(&insert(started.clone())).await.unwrap();

    // A new shipment starts as purchasing or active, nothing else.
    let mut voided = purchasing(2, &order, 2);
    voided.state = ShipmentState::Voided;
    let err = db.write_shipment(&insert(voided)).await.unwrap_err();
    assert!(matches!(err, StorageError::InvalidWrite { .. }), "{err:?}");

    // Taking over a purchase (a new attempt after a crash) checks the modify date it was read with: of two
    // recoverers that read the same row, only the first moves it.
    let mut taken = started.clone();
    taken.modify_date = at("2026-11-27T15:05:00Z");
    let take = |s: Shipment, read_at: Timestamp| ShipmentWrite {
        expected: Some(ExpectedShipment { state: ShipmentState::Purchasing, modify_date: Some(read_at) }),
        ..insert(s)
    };
    db.write_shipment(&take(taken.clone(), started.modify_date)).await.unwrap();
    let mut late = started.clone();
    late.modify_date = at("2026-11-27T15:05:01Z");
    let err = db.write_shipment(&take(late, started.modify_date)).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { what: "shipment", .. }), "{err:?}");

    // Recording the purchase needs the shipment still purchasing.
    let active = bought(taken.clone(), "1ZW4RF010312345675");
    let record = ShipmentWrite { expected: expecting(ShipmentState::Purchasing), ..insert(active.clone()) };
    db.write_shipment(&record).await.unwrap();
    let err = db.write_shipment(&record).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { what: "shipment", .. }), "{err:?}");

    // The stored shipment has everything but its label file, which is read apart.
    let stored = db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap();
    let mut without_label = active.clone();
    without_label.packages[0].label = None;
    assert_eq!(stored, without_label);
    assert_eq!(stored.carrier_fee.unwrap().amount().to_string(), "14.75");
    let labels = db.shipment_labels(&account_a(), &[shipment_id(1), shipment_id(2)]).await.unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!((labels[0].shipment_id.clone(), labels[0].sequence), (shipment_id(1), 1));
    assert_eq!(labels[0].label, active.packages[0].label.clone().unwrap());

    // Active may only be voided (or refreshed); a later write without the label keeps the stored file.
    let mut bad = stored.clone();
    bad.state = ShipmentState::Purchasing;
    let err = db
        .write_shipment(&ShipmentWrite { expected: expecting(ShipmentState::Active), ..insert(bad) })
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::InvalidWrite { .. }), "{err:?}");
    let mut void = stored.clone();
    void.state = ShipmentState::Voided;
    void.voided_at = Some(at("2026-11-27T16:00:00Z"));
    db.write_shipment(&ShipmentWrite { expected: expecting(ShipmentState::Active), ..insert(void.clone()) })
        .await
        .unwrap();
    assert_eq!(db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap(), void);
    assert_eq!(db.shipment_labels(&account_a(), &[shipment_id(1)]).await.unwrap(), labels);
    let mut again = void.clone();
    again.state = ShipmentState::Active;
    let err = db
        .write_shipment(&ShipmentWrite { expected: expecting(ShipmentState::Voided), ..insert(again) })
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::InvalidWrite { .. }), "{err:?}");

    // Another account finds nothing.
    seed_b(&*db).await;
    assert!(matches!(db.get_shipment(&account_b(), &shipment_id(1)).await, Err(StorageError::NotFound { .. })));
    assert_eq!(db.shipments_for_orders(&account_b(), std::slice::from_ref(&order.order_id)).await.unwrap(), vec![]);
    assert_eq!(db.shipment_labels(&account_b(), &[shipment_id(1)]).await.unwrap(), vec![]);
}

pub async fn a_purchase_its_order_and_its_messages_are_written_together(db: Db) {
    let order = one_order(&db).await;
    let started = purchasing(1, &order, 1);
    db.write_shipment(&insert(started.clone())).await.unwrap();

    let asn = message(1, &order, MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1");
    let email = message(2, &order, MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:shp_1");
    let record = ShipmentWrite {
        shipment: bought(started.clone(), "1ZW4RF010312345675"),
        expected: expecting(ShipmentState::Purchasing),
        order: Some(shipped(&order, "2026-11-27T15:00:02Z")),
        outbox: vec![asn.clone(), email.clone()],
        withdraw: vec![],
    };

    // A message that cannot be stored (its id is taken) fails the whole write: the shipment stays purchasing,
    // the order unshipped, and no message is queued.
    let other = fixtures_order(2, "1000002", day("2026-11-26"));
    import_new(&*db, vec![other.clone()]).await;
    let squatter = message(2, &other, MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:other");
    let mut squat = insert(purchasing(9, &other, 1));
    squat.outbox = vec![squatter.clone()];
    db.write_shipment(&squat).await.unwrap();
    let err = db.write_shipment(&record).await.unwrap_err();
    assert!(matches!(err, StorageError::Duplicate { what: "outbox message", .. }), "{err:?}");
    assert_eq!(db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap().state, ShipmentState::Purchasing);
    assert_eq!(db.get_order(&account_a(), &order.order_id).await.unwrap().order_status, order.order_status);
    assert_eq!(db.order_messages(&account_a(), &order.order_id).await.unwrap(), vec![]);
    assert_eq!(db.order_history(&account_a(), &order.order_id).await.unwrap().len(), 1);

    // An order changed since it was read (an import meanwhile) fails it the same way.
    let mut stale = record.clone();
    stale.outbox = vec![asn.clone()];
    stale.order.as_mut().unwrap().expected_modify_date = Some(at("2026-11-20T00:00:00Z"));
    let err = db.write_shipment(&stale).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { what: "order", .. }), "{err:?}");
    assert_eq!(db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap().state, ShipmentState::Purchasing);
    assert_eq!(db.order_messages(&account_a(), &order.order_id).await.unwrap(), vec![]);

    // The good write stores all of it.
    let mut good = record.clone();
    good.outbox[1].message_id = "msg_3".parse().unwrap();
    let email = good.outbox[1].clone();
    db.write_shipment(&good).await.unwrap();
    assert_eq!(db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap().state, ShipmentState::Active);
    let stored = db.get_order(&account_a(), &order.order_id).await.unwrap();
    assert_eq!(stored.order_status, OrderStatus::Shipped);
    assert_eq!(stored.ship_date, Some(date(2026, 11, 27)));
    let history = db.order_history(&account_a(), &order.order_id).await.unwrap();
    assert_eq!(history.last().unwrap().note.as_deref(), Some("label bought"));
    assert_eq!(db.order_messages(&account_a(), &order.order_id).await.unwrap(), vec![asn.clone(), email]);

    // A message queued again under a dedupe key that has not gone out starts over with the new payload, and
    // keeps its id: one message per key.
    let again = message(4, &other, MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:other");
    let again = OutboxMessage { payload: json!({"second": true}), ..again };
    let mut other_bought = bought(purchasing(9, &other, 1), "1ZW4RF010312345686");
    other_bought.packages[0].label = None;
    db.write_shipment(&ShipmentWrite {
        shipment: other_bought,
        expected: expecting(ShipmentState::Purchasing),
        order: None,
        outbox: vec![again],
        withdraw: vec![],
    })
    .await
    .unwrap();
    let requeued = OutboxMessage { payload: json!({"second": true}), ..squatter };
    assert_eq!(db.order_messages(&account_a(), &other.order_id).await.unwrap(), vec![requeued]);
    assert!(db.shipment_labels(&account_a(), &[shipment_id(9)]).await.unwrap().is_empty());

    // A message must belong to the shipment's order.
    let mut foreign = insert(purchasing(11, &sample_order_not_stored(), 1));
    foreign.outbox = vec![asn];
    let err = db.write_shipment(&foreign).await.unwrap_err();
    assert!(matches!(err, StorageError::InvalidWrite { .. }), "{err:?}");
}

pub async fn voiding_withdraws_only_messages_not_yet_sent(db: Db) {
    let order = one_order(&db).await;
    let active = bought(purchasing(1, &order, 1), "1ZW4RF010312345675");
    let asn = message(1, &order, MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1");
    let email = message(2, &order, MessageKind::ShipmentEmail, MessageState::Sent, "shipment_email:shp_1");
    db.write_shipment(&ShipmentWrite { outbox: vec![asn, email.clone()], ..insert(active.clone()) }).await.unwrap();

    let mut void = active.clone();
    void.state = ShipmentState::Voided;
    void.packages[0].label = None;
    let voiding = |withdraw: Vec<&str>| ShipmentWrite {
        expected: expecting(ShipmentState::Active),
        withdraw: withdraw.into_iter().map(str::to_owned).collect(),
        ..insert(void.clone())
    };
    // The e-mail already went out: it cannot be withdrawn, and nothing of the void is written.
    let err = db.write_shipment(&voiding(vec!["sears_shipment:ord_1", "shipment_email:shp_1"])).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { what: "outbox message", .. }), "{err:?}");
    assert_eq!(db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap().state, ShipmentState::Active);
    assert_eq!(db.order_messages(&account_a(), &order.order_id).await.unwrap().len(), 2);

    // The pending Sears update is withdrawn with the void; an absent key is fine.
    db.write_shipment(&voiding(vec!["sears_shipment:ord_1", "sears_shipment:never-queued"])).await.unwrap();
    assert_eq!(db.get_shipment(&account_a(), &shipment_id(1)).await.unwrap().state, ShipmentState::Voided);
    assert_eq!(db.order_messages(&account_a(), &order.order_id).await.unwrap(), vec![email.clone()]);

    // The order is free for a new purchase, with a new reference, and its new update can be queued again.
    let next = bought(purchasing(2, &order, 2), "1ZW4RF010312345686");
    let asn = message(3, &order, MessageKind::SearsShipment, MessageState::Pending, "sears_shipment:ord_1");
    // An e-mail under a key that already went out is not sent again: the one sent stands.
    let resent = OutboxMessage {
        payload: json!({"again": true}),
        ..message(4, &order, MessageKind::ShipmentEmail, MessageState::Pending, "shipment_email:shp_1")
    };
    db.write_shipment(&ShipmentWrite { outbox: vec![asn.clone(), resent], ..insert(next) }).await.unwrap();
    assert_eq!(db.order_messages(&account_a(), &order.order_id).await.unwrap()[0], email);
    let kinds: Vec<String> =
        db.order_messages(&account_a(), &order.order_id).await.unwrap().into_iter().map(|m| m.dedupe_key).collect();
    assert_eq!(kinds, vec!["shipment_email:shp_1".to_owned(), "sears_shipment:ord_1".to_owned()]);
}
