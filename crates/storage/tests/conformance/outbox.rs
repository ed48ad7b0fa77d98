//! The outbox area: messages queued with their order, re-queued under their dedupe key, read by the workers,
//! updated under optimistic checks; e-mail templates, customer requests and alert records.

use jiff::{SignedDuration, Timestamp};
use pretty_assertions::assert_eq;
use serde_json::json;
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::{MarketplaceUpdateState, MessageId, OrderId};
use wharf_storage::outbox::{
    AlertRecord, CustomerRequestRecord, DueMessages, EmailTemplate, MessageWrite, RequestFilter, RequestKind,
};
use wharf_storage::{OrderWrite, StorageError};

use crate::Db;
use crate::fixtures::*;

fn t0() -> Timestamp {
    at("2026-11-26T10:00:00Z")
}

fn secs(n: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(n)
}

fn message(n: u32, order: &OrderId, kind: MessageKind, key: &str, due: Timestamp) -> OutboxMessage {
    OutboxMessage {
        message_id: format!("msg_{n:04}").parse().unwrap(),
        account_id: account_a(),
        store_id: store_a(),
        order_id: order.clone(),
        kind,
        state: MessageState::Pending,
        dedupe_key: key.into(),
        payload: json!({"n": n}),
        attempts: 0,
        next_attempt_at: due,
        last_error: None,
        external_id: None,
        create_date: t0(),
        modify_date: t0(),
    }
}

/// Store A with orders 1 and 2.
async fn two_orders(db: &Db) {
    seed(&**db).await;
    import_new(&**db, vec![order(1, "7001", day("2026-11-25")), order(2, "7002", day("2026-11-25"))]).await;
}

fn ids(messages: &[OutboxMessage]) -> Vec<String> {
    messages.iter().map(|m| m.message_id.to_string()).collect()
}

pub async fn queued_messages_commit_with_their_order(db: Db) {
    two_orders(&db).await;
    let stored = db.get_order(&account_a(), &order_id(1)).await.unwrap();
    let mut changed = stored.clone();
    changed.marketplace_update.state = MarketplaceUpdateState::Pending;
    changed.modify_date = secs(1);
    let write = OrderWrite {
        order: changed,
        raw_document: None,
        history: vec![],
        expected_modify_date: Some(stored.modify_date),
    };
    let asn = message(1, &order_id(1), MessageKind::SearsShipment, "sears_shipment:ord_1", t0());
    let email = message(2, &order_id(1), MessageKind::ShipmentEmail, "shipment_email:ord_1", t0());

    let queued = db.queue_messages(&[asn.clone(), email.clone()], Some(&write)).await.unwrap();
    assert_eq!(queued, vec![asn.clone(), email.clone()]);
    assert_eq!(db.order_messages(&account_a(), &order_id(1)).await.unwrap(), vec![asn.clone(), email]);
    let order = db.get_order(&account_a(), &order_id(1)).await.unwrap();
    assert_eq!(order.marketplace_update.state, MarketplaceUpdateState::Pending);

    // The same order write again is stale: nothing of it is written, not even the message.
    let late = message(3, &order_id(1), MessageKind::DeliveryEmail, "delivery_email:ord_1", t0());
    let err = db.queue_messages(&[late], Some(&write)).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { .. }), "{err:?}");
    assert_eq!(db.order_messages(&account_a(), &order_id(1)).await.unwrap().len(), 2);

    // A message for an order that does not exist is refused.
    let orphan = message(4, &order_id(99), MessageKind::SearsShipment, "sears_shipment:ord_99", t0());
    let err = db.queue_messages(&[orphan], None).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "order", .. }), "{err:?}");
}

pub async fn requeueing_replaces_unsent_messages_and_never_touches_sent_ones(db: Db) {
    two_orders(&db).await;
    let first = message(1, &order_id(1), MessageKind::SearsShipment, "sears_shipment:ord_1", t0());
    db.queue_messages(std::slice::from_ref(&first), None).await.unwrap();

    // A failed message queued again is pending again with the new payload, under its old id.
    let mut failed = first.clone();
    failed.state = MessageState::Failed;
    failed.attempts = 3;
    failed.last_error = Some("Sears rejected it".into());
    failed.modify_date = secs(5);
    db.save_deliveries(&[MessageWrite { message: failed, expected_modify_date: t0() }], &[]).await.unwrap();
    let again = OutboxMessage {
        payload: json!({"shortShipmentConfirmed": true}),
        next_attempt_at: secs(10),
        modify_date: secs(10),
        ..message(2, &order_id(1), MessageKind::SearsShipment, "sears_shipment:ord_1", secs(10))
    };
    let queued = db.queue_messages(std::slice::from_ref(&again), None).await.unwrap();
    assert_eq!(
        queued,
        vec![OutboxMessage { message_id: first.message_id.clone(), create_date: t0(), ..again.clone() }]
    );

    // Once sent, queueing the same key again changes nothing.
    let mut sent = queued[0].clone();
    sent.state = MessageState::Sent;
    sent.external_id = Some("4711".into());
    sent.attempts = 1;
    sent.modify_date = secs(20);
    db.save_deliveries(&[MessageWrite { message: sent.clone(), expected_modify_date: secs(10) }], &[]).await.unwrap();
    let third = message(3, &order_id(1), MessageKind::SearsShipment, "sears_shipment:ord_1", secs(30));
    assert_eq!(db.queue_messages(&[third], None).await.unwrap(), vec![sent]);
}

pub async fn due_messages_by_kind_state_store_and_time(db: Db) {
    two_orders(&db).await;
    seed_b(&*db).await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(3, "7003", day("2026-11-25"))]).await;
    let late = message(1, &order_id(1), MessageKind::SearsShipment, "a", secs(30));
    let early = message(2, &order_id(2), MessageKind::SearsShipment, "b", secs(10));
    let email = message(3, &order_id(1), MessageKind::ShipmentEmail, "c", secs(0));
    let future = message(4, &order_id(2), MessageKind::SearsShipment, "d", secs(500));
    let other_store = OutboxMessage {
        account_id: account_b(),
        store_id: store_b(),
        ..message(5, &order_id(3), MessageKind::SearsShipment, "e", secs(20))
    };
    db.queue_messages(&[late, early, email, future, other_store], None).await.unwrap();

    let query = |store, kinds: Vec<MessageKind>, limit| DueMessages {
        store,
        kinds,
        states: vec![MessageState::Pending, MessageState::Sent],
        due_at: secs(60),
        limit,
    };
    let sears = vec![MessageKind::SearsShipment];
    assert_eq!(
        ids(&db.due_messages(&query(Some(store_a()), sears.clone(), 10)).await.unwrap()),
        ["msg_0002", "msg_0001"]
    );
    assert_eq!(
        ids(&db.due_messages(&query(None, sears.clone(), 10)).await.unwrap()),
        ["msg_0002", "msg_0005", "msg_0001"],
        "every store, earliest due first"
    );
    assert_eq!(ids(&db.due_messages(&query(None, sears.clone(), 2)).await.unwrap()), ["msg_0002", "msg_0005"]);
    assert_eq!(
        ids(&db
            .due_messages(&query(None, vec![MessageKind::ShipmentEmail, MessageKind::DeliveryEmail], 10))
            .await
            .unwrap()),
        ["msg_0003"]
    );
    let failed_only = DueMessages { states: vec![MessageState::Failed], ..query(None, sears.clone(), 10) };
    assert!(db.due_messages(&failed_only).await.unwrap().is_empty());

    assert_eq!(db.next_due_at(Some(&store_a()), &sears).await.unwrap(), Some(secs(10)));
    assert_eq!(db.next_due_at(Some(&store_b()), &sears).await.unwrap(), Some(secs(20)));
    assert_eq!(db.next_due_at(None, &[MessageKind::DeliveryEmail]).await.unwrap(), None);
}

pub async fn deliveries_are_saved_with_orders_all_or_nothing(db: Db) {
    two_orders(&db).await;
    let a = message(1, &order_id(1), MessageKind::SearsShipment, "a", t0());
    let b = message(2, &order_id(2), MessageKind::SearsShipment, "b", t0());
    db.queue_messages(&[a.clone(), b.clone()], None).await.unwrap();
    let order1 = db.get_order(&account_a(), &order_id(1)).await.unwrap();
    let order2 = db.get_order(&account_a(), &order_id(2)).await.unwrap();
    let sent = |m: &OutboxMessage| OutboxMessage {
        state: MessageState::Sent,
        external_id: Some("77".into()),
        attempts: 1,
        payload: json!({"recordId": 1}),
        modify_date: secs(5),
        ..m.clone()
    };
    let order_sent = |o: &wharf_domain::Order| {
        let mut changed = o.clone();
        changed.marketplace_update.state = MarketplaceUpdateState::Sent;
        changed.modify_date = secs(5);
        OrderWrite { order: changed, raw_document: None, history: vec![], expected_modify_date: Some(o.modify_date) }
    };

    // One stale message (b was read at another time) spoils the whole save: nothing is written.
    let stale = [
        MessageWrite { message: sent(&a), expected_modify_date: t0() },
        MessageWrite { message: sent(&b), expected_modify_date: secs(1) },
    ];
    let err = db.save_deliveries(&stale, &[order_sent(&order1), order_sent(&order2)]).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { what: "message", .. }), "{err:?}");
    assert_eq!(db.get_message(&account_a(), &a.message_id).await.unwrap(), a);
    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), order1);

    // So does a stale order.
    let mut stale_order = order_sent(&order2);
    stale_order.expected_modify_date = Some(secs(99));
    let fresh = [
        MessageWrite { message: sent(&a), expected_modify_date: t0() },
        MessageWrite { message: sent(&b), expected_modify_date: t0() },
    ];
    let err = db.save_deliveries(&fresh, &[order_sent(&order1), stale_order]).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { what: "order", .. }), "{err:?}");
    assert_eq!(db.get_message(&account_a(), &a.message_id).await.unwrap(), a);

    db.save_deliveries(&fresh, &[order_sent(&order1), order_sent(&order2)]).await.unwrap();
    assert_eq!(db.get_message(&account_a(), &a.message_id).await.unwrap(), sent(&a));
    assert_eq!(
        db.get_order(&account_a(), &order_id(2)).await.unwrap().marketplace_update.state,
        MarketplaceUpdateState::Sent
    );
    assert_eq!(ids(&db.messages_with_external_id(&store_a(), "77").await.unwrap()), ["msg_0001", "msg_0002"]);
    assert!(db.messages_with_external_id(&store_b(), "77").await.unwrap().is_empty());

    let missing = OutboxMessage { message_id: "msg_9999".parse().unwrap(), ..sent(&a) };
    let err =
        db.save_deliveries(&[MessageWrite { message: missing, expected_modify_date: t0() }], &[]).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "message", .. }), "{err:?}");
}

pub async fn messages_are_listed_counted_and_scoped_by_account(db: Db) {
    two_orders(&db).await;
    seed_b(&*db).await;
    let mut rejected = message(1, &order_id(1), MessageKind::SearsShipment, "a", t0());
    rejected.state = MessageState::Failed;
    rejected.modify_date = secs(10);
    let mut manual = message(2, &order_id(2), MessageKind::SearsShipment, "b", t0());
    manual.state = MessageState::NeedsManualAction;
    manual.modify_date = secs(20);
    let mut email = message(3, &order_id(2), MessageKind::ShipmentEmail, "c", t0());
    email.state = MessageState::Failed;
    email.modify_date = secs(30);
    db.queue_messages(&[rejected, manual, email], None).await.unwrap();

    let sears = [MessageKind::SearsShipment, MessageKind::SearsLineCancel];
    let bad = [MessageState::Failed, MessageState::NeedsManualAction];
    assert_eq!(ids(&db.messages_in_states(&account_a(), &sears, &bad, 10).await.unwrap()), ["msg_0002", "msg_0001"]);
    assert_eq!(ids(&db.messages_in_states(&account_a(), &sears, &bad, 1).await.unwrap()), ["msg_0002"]);
    assert_eq!(db.count_messages(&account_a(), &sears, &bad).await.unwrap(), 2);
    assert_eq!(db.count_messages(&account_a(), &[MessageKind::ShipmentEmail], &bad).await.unwrap(), 1);
    assert_eq!(db.count_messages(&account_b(), &sears, &bad).await.unwrap(), 0);
    assert!(db.messages_in_states(&account_b(), &sears, &bad, 10).await.unwrap().is_empty());
    assert!(db.order_messages(&account_b(), &order_id(1)).await.unwrap().is_empty());
    let err = db.get_message(&account_b(), &"msg_0001".parse::<MessageId>().unwrap()).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "message", .. }), "{err:?}");
}

pub async fn email_templates_per_store_and_kind(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let template = EmailTemplate {
        account_id: account_a(),
        store_id: store_a(),
        kind: MessageKind::ShipmentEmail,
        subject: "Your order {{ order.number }} shipped".into(),
        html: "<p>Hello {{ customer.name }}</p>".into(),
        text: "Hello {{ customer.name }}".into(),
        modify_date: t0(),
    };
    assert_eq!(db.email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap(), None);
    db.put_email_template(&template).await.unwrap();
    assert_eq!(
        db.email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap(),
        Some(template.clone())
    );
    assert_eq!(db.email_template(&account_a(), &store_a(), MessageKind::DeliveryEmail).await.unwrap(), None);
    assert_eq!(db.email_template(&account_b(), &store_a(), MessageKind::ShipmentEmail).await.unwrap(), None);

    let replaced = EmailTemplate { subject: "Shipped: {{ order.number }}".into(), modify_date: secs(5), ..template };
    db.put_email_template(&replaced).await.unwrap();
    assert_eq!(
        db.email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap(),
        Some(replaced.clone())
    );

    // Another account cannot write over it, nor delete it.
    let intruder = EmailTemplate { account_id: account_b(), subject: "x".into(), ..replaced.clone() };
    assert!(db.put_email_template(&intruder).await.is_err());
    assert!(!db.delete_email_template(&account_b(), &store_a(), MessageKind::ShipmentEmail).await.unwrap());
    assert_eq!(db.email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap(), Some(replaced));

    assert!(db.delete_email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap());
    assert!(!db.delete_email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap());
    assert_eq!(db.email_template(&account_a(), &store_a(), MessageKind::ShipmentEmail).await.unwrap(), None);
}

fn request(kind: RequestKind, id: &str, line: u32, status: &str, order: Option<OrderId>) -> CustomerRequestRecord {
    CustomerRequestRecord {
        account_id: account_a(),
        store_id: store_a(),
        kind,
        request_id: id.into(),
        line_number: line,
        order_id: order,
        po_number: "7001".into(),
        po_date: day("2026-11-25"),
        quantity: 1,
        status: status.into(),
        reason: "DEFECTIVE-PRODUCT".into(),
        request_date: Some(day("2026-11-26")),
        customer_comments: Some("It hums.".into()),
        first_seen: t0(),
        last_seen: t0(),
    }
}

pub async fn customer_requests_upsert_keep_first_seen_and_filter(db: Db) {
    two_orders(&db).await;
    let ret = request(RequestKind::Return, "9886555001", 1, "PENDING_RETURN", Some(order_id(1)));
    let cancel = CustomerRequestRecord {
        request_date: Some(day("2026-11-25")),
        ..request(RequestKind::Cancellation, "700001", 1, "INITIAL", Some(order_id(2)))
    };
    let unknown_order = CustomerRequestRecord {
        po_number: "1234567".into(),
        request_date: None,
        ..request(RequestKind::Return, "555", 2, "pending", None)
    };
    let stored = db.get_order(&account_a(), &order_id(1)).await.unwrap();
    let mut shown = stored.clone();
    shown.sears.as_mut().unwrap().return_requests.push(wharf_domain::CustomerRequest {
        request_id: "9886555001".into(),
        line_number: 1,
        quantity: 1,
        status: "PENDING_RETURN".into(),
        reason: "DEFECTIVE-PRODUCT".into(),
        date: Some("2026-11-26".into()),
        customer_comments: Some("It hums.".into()),
    });
    shown.modify_date = secs(1);
    let write = OrderWrite {
        order: shown.clone(),
        raw_document: None,
        history: vec![],
        expected_modify_date: Some(stored.modify_date),
    };
    db.save_customer_requests(&[ret.clone(), cancel.clone(), unknown_order.clone()], &[write]).await.unwrap();
    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), shown);

    let all = db.customer_requests(&account_a(), &RequestFilter::default()).await.unwrap();
    assert_eq!(all, vec![ret.clone(), cancel.clone(), unknown_order.clone()], "newest request first, undated last");

    // Seen again later with a new status: first_seen stays.
    let authorized = CustomerRequestRecord { status: "RETURN_AUTHORIZED".into(), last_seen: secs(60), ..ret.clone() };
    db.save_customer_requests(std::slice::from_ref(&authorized), &[]).await.unwrap();
    let pending = RequestFilter {
        kind: Some(RequestKind::Return),
        statuses: vec!["PENDING_RETURN".into(), "Pending".into()],
        ..Default::default()
    };
    assert_eq!(db.customer_requests(&account_a(), &pending).await.unwrap(), vec![unknown_order], "case-insensitive");
    let of_order = RequestFilter { order: Some(order_id(1)), ..Default::default() };
    assert_eq!(db.customer_requests(&account_a(), &of_order).await.unwrap(), vec![authorized]);
    let cancellations =
        RequestFilter { kind: Some(RequestKind::Cancellation), store: Some(store_a()), ..Default::default() };
    assert_eq!(db.customer_requests(&account_a(), &cancellations).await.unwrap(), vec![cancel]);
    assert!(db.customer_requests(&account_b(), &RequestFilter::default()).await.unwrap().is_empty());
}

pub async fn alert_records_are_kept_per_condition(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let failing = AlertRecord {
        account_id: account_a(),
        key: "import_failing:sto_sample".into(),
        first_seen: t0(),
        last_sent_at: Some(secs(10)),
        detail: "Store Main: import failing since 09:20".into(),
    };
    let overdue = AlertRecord {
        key: "orders_past_ship_by".into(),
        last_sent_at: None,
        detail: "3 orders past ship-by".into(),
        ..failing.clone()
    };
    db.put_alert_record(&failing).await.unwrap();
    db.put_alert_record(&overdue).await.unwrap();
    assert_eq!(db.alert_records(&account_a()).await.unwrap(), vec![failing.clone(), overdue.clone()]);
    assert!(db.alert_records(&account_b()).await.unwrap().is_empty());

    let resent = AlertRecord { last_sent_at: Some(secs(86_400)), detail: "still failing".into(), ..failing };
    db.put_alert_record(&resent).await.unwrap();
    db.delete_alert_record(&account_a(), "orders_past_ship_by").await.unwrap();
    db.delete_alert_record(&account_b(), "import_failing:sto_sample").await.unwrap();
    assert_eq!(db.alert_records(&account_a()).await.unwrap(), vec![resent]);
}
