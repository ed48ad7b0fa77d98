use std::collections::HashMap;

use pretty_assertions::assert_eq;
use serde_json::json;
use wharf_domain::OrderStatus;
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::import_policy::SkipReason;
use wharf_domain::import_run::SkippedOrder;
use wharf_domain::sample;
use wharf_storage::{ImportDayWrite, OrderFilter, OrderKey, OrderWrite, StorageError};

use crate::Db;
use crate::fixtures::*;

fn change(at_text: &str, actor: Actor, field: &str, old: serde_json::Value, new: serde_json::Value) -> HistoryEntry {
    HistoryEntry { at: at(at_text), actor, field: field.into(), old, new, note: None }
}

pub async fn import_day_stores_orders_raw_documents_and_history(db: Db) {
    seed(&*db).await;
    let first = order(1, "1000001", day("2026-11-26"));
    let second = order(2, "1000002", day("2026-11-26"));
    import_new(&*db, vec![first.clone(), second.clone()]).await;

    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), first);
    assert_eq!(db.get_order(&account_a(), &order_id(2)).await.unwrap(), second);
    assert_eq!(
        db.raw_document(&account_a(), &order_id(1)).await.unwrap(),
        "<purchase-order><po-number>1000001</po-number><customer-name>Zoë Martínez</customer-name></purchase-order>"
            .as_bytes()
    );
    let history = db.order_history(&account_a(), &order_id(2)).await.unwrap();
    assert_eq!(
        history,
        vec![HistoryEntry {
            at: at("2026-11-26T16:15:00Z"),
            actor: Actor::Import { run_id: None },
            field: "order".into(),
            old: serde_json::Value::Null,
            new: json!("1000002"),
            note: None,
        }]
    );
    // Money and the rest of the document come back exactly as written.
    let stored = db.get_order(&account_a(), &order_id(1)).await.unwrap();
    assert_eq!(stored.order_total.amount().to_string(), "44.99");
    assert_eq!(stored.items[0].unit_price.amount().to_string(), "12.5");
    assert_eq!(stored.ship_to.name, "Zoë Martínez");

    let missing = db.get_order(&account_a(), &order_id(3)).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "order", .. }), "{missing:?}");
    let missing = db.order_history(&account_a(), &order_id(3)).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "order", .. }), "{missing:?}");
}

pub async fn same_po_number_on_two_dates_is_two_orders(db: Db) {
    seed(&*db).await;
    import_new(&*db, vec![order(1, "1000001", day("2025-11-26"))]).await;
    import_new(&*db, vec![order(2, "1000001", day("2026-11-26"))]).await;

    let found = db.find_order(&account_a(), "1000001").await.unwrap();
    assert_eq!(ids(&found), [order_id(2).to_string(), order_id(1).to_string()]);
    let keys = [OrderKey::new("1000001", day("2025-11-26")), OrderKey::new("1000001", day("2026-11-26"))];
    let by_key = db.orders_by_keys(&store_a(), &keys).await.unwrap();
    assert_eq!(by_key.len(), 2);
    assert_eq!(by_key[&keys[0]].order_id, order_id(1));
    assert_eq!(by_key[&keys[1]].order_id, order_id(2));
}

pub async fn same_natural_key_twice_is_refused_and_the_day_not_written(db: Db) {
    seed(&*db).await;
    import_new(&*db, vec![order(1, "1000001", day("2026-11-26"))]).await;

    // A second order with the same (store, PO number, PO date) under another id, beside an innocent new order.
    let write = ImportDayWrite {
        new_orders: vec![
            new_write(order(2, "1000002", day("2026-11-26"))),
            new_write(order(3, "1000001", day("2026-11-26"))),
        ],
        ..Default::default()
    };
    let refused = db.write_import_day(&account_a(), &store_a(), write).await.unwrap_err();
    match &refused {
        StorageError::Duplicate { what, key } => {
            assert_eq!(*what, "order");
            assert!(key.contains("1000001"), "the refusal names the PO: {key}");
        }
        other => panic!("expected a duplicate order, got {other:?}"),
    }
    assert!(!refused.is_retryable());
    assert_eq!(db.count_orders(&account_a(), &OrderFilter::default()).await.unwrap(), 1);
    let innocent = db.get_order(&account_a(), &order_id(2)).await.unwrap_err();
    assert!(matches!(innocent, StorageError::NotFound { .. }), "{innocent:?}");

    // The same order id twice is refused too.
    let write =
        ImportDayWrite { new_orders: vec![new_write(order(1, "1000009", day("2026-11-26")))], ..Default::default() };
    let refused = db.write_import_day(&account_a(), &store_a(), write).await.unwrap_err();
    assert!(matches!(refused, StorageError::Duplicate { what: "order", .. }), "{refused:?}");
}

pub async fn updated_orders_replace_document_and_append_history(db: Db) {
    seed(&*db).await;
    let original = order(1, "1000001", day("2026-11-26"));
    import_new(&*db, vec![original.clone()]).await;

    let mut shipped = original.clone();
    shipped.order_status = OrderStatus::Shipped;
    shipped.modify_date = at("2026-11-27T09:00:00Z");
    shipped.sears.as_mut().unwrap().status = "Closed".into();
    let entries = vec![
        change(
            "2026-11-27T09:00:00Z",
            Actor::Import { run_id: None },
            "orderStatus",
            json!("awaiting_shipment"),
            json!("shipped"),
        ),
        change("2026-11-27T09:00:00Z", Actor::Import { run_id: None }, "sears.status", json!("New"), json!("Closed")),
    ];
    let write = ImportDayWrite {
        updated_orders: vec![OrderWrite {
            order: shipped.clone(),
            raw_document: Some(b"<purchase-order><status>Closed</status></purchase-order>".to_vec()),
            history: entries.clone(),
            expected_modify_date: Some(original.modify_date),
        }],
        ..Default::default()
    };
    db.write_import_day(&account_a(), &store_a(), write).await.unwrap();

    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), shipped);
    assert_eq!(
        db.raw_document(&account_a(), &order_id(1)).await.unwrap(),
        b"<purchase-order><status>Closed</status></purchase-order>"
    );
    let history = db.order_history(&account_a(), &order_id(1)).await.unwrap();
    let fields: Vec<&str> = history.iter().map(|h| h.field.as_str()).collect();
    assert_eq!(fields, ["order", "orderStatus", "sears.status"]);
    assert_eq!(history[1..], entries[..]);
    // The key columns follow the document: the order is no longer open.
    let open = db.open_order_dates_before(&store_a(), day("2026-12-31")).await.unwrap();
    assert_eq!(open, vec![]);
    let shipped_count = OrderFilter { status: Some(OrderStatus::Shipped), ..Default::default() };
    assert_eq!(db.count_orders(&account_a(), &shipped_count).await.unwrap(), 1);
}

pub async fn conflicting_update_leaves_nothing_of_the_day(db: Db) {
    seed(&*db).await;
    let original = order(1, "1000001", day("2026-11-26"));
    import_new(&*db, vec![original.clone()]).await;

    let mut stale = original.clone();
    stale.internal_notes = Some("written by an import that read an old copy".into());
    stale.modify_date = at("2026-11-27T09:00:00Z");
    let skipped = SkippedOrder {
        store_id: store_a(),
        po_number: "1000005".into(),
        po_date: day("2026-11-26"),
        order_date: Some(at("2026-11-26T12:00:00Z")),
        reason: SkipReason::NoShippingAddress,
        message: "no shipping address".into(),
        first_seen: at("2026-11-27T09:00:00Z"),
        last_seen: at("2026-11-27T09:00:00Z"),
    };
    let write = ImportDayWrite {
        new_orders: vec![new_write(order(2, "1000002", day("2026-11-26")))],
        updated_orders: vec![OrderWrite {
            order: stale,
            raw_document: Some(b"<new/>".to_vec()),
            history: vec![],
            // Someone changed the order after this import read it.
            expected_modify_date: Some(at("2026-11-26T11:11:11Z")),
        }],
        skipped: vec![skipped],
        no_longer_skipped: vec![],
        new_products: vec![sample::product("NEW-SKU", 10, "A-1")],
    };
    let refused = db.write_import_day(&account_a(), &store_a(), write).await.unwrap_err();
    match &refused {
        StorageError::Conflict { what, key } => {
            assert_eq!(*what, "order");
            assert!(key.contains("1000001"), "{key}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(refused.is_retryable());

    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), original);
    assert_eq!(db.raw_document(&account_a(), &order_id(1)).await.unwrap(), raw_document(&original));
    assert!(db.get_order(&account_a(), &order_id(2)).await.is_err());
    assert_eq!(db.count_orders(&account_a(), &OrderFilter::default()).await.unwrap(), 1);
    assert_eq!(db.list_skipped(&account_a(), None).await.unwrap(), vec![]);
    assert_eq!(db.list_products(&account_a()).await.unwrap(), vec![]);
    assert_eq!(db.order_history(&account_a(), &order_id(1)).await.unwrap().len(), 1);
}

pub async fn update_order_checks_modify_date(db: Db) {
    seed(&*db).await;
    // Nanoseconds in the document; the database keeps microseconds, and the check still matches.
    let mut original = order(1, "1000001", day("2026-11-26"));
    original.modify_date = at("2026-11-26T16:15:00.123456789Z");
    import_new(&*db, vec![original.clone()]).await;

    let mut held = original.clone();
    held.order_status = OrderStatus::OnHold;
    held.modify_date = at("2026-11-27T08:00:00Z");
    let seller_hold =
        change("2026-11-27T08:00:00Z", Actor::Seller, "orderStatus", json!("awaiting_shipment"), json!("on_hold"));
    db.update_order(&OrderWrite {
        order: held.clone(),
        raw_document: None,
        history: vec![seller_hold],
        expected_modify_date: Some(original.modify_date),
    })
    .await
    .unwrap();
    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), held);
    // No new raw document: the imported one stays.
    assert_eq!(db.raw_document(&account_a(), &order_id(1)).await.unwrap(), raw_document(&original));

    // A second writer that read the original copy loses.
    let mut tagged = original.clone();
    tagged.tags = vec!["gift".into()];
    tagged.modify_date = at("2026-11-27T08:00:01Z");
    let stale = OrderWrite {
        order: tagged.clone(),
        raw_document: None,
        history: vec![],
        expected_modify_date: Some(original.modify_date),
    };
    let conflict = db.update_order(&stale).await.unwrap_err();
    assert!(matches!(conflict, StorageError::Conflict { what: "order", .. }), "{conflict:?}");
    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), held);

    // Without an expected modify date the write is unconditional.
    db.update_order(&OrderWrite { expected_modify_date: None, ..stale.clone() }).await.unwrap();
    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap(), tagged);
    assert_eq!(db.order_history(&account_a(), &order_id(1)).await.unwrap().len(), 2);

    let mut unknown = tagged.clone();
    unknown.order_id = order_id(99);
    let missing = db
        .update_order(&OrderWrite { order: unknown, raw_document: None, history: vec![], expected_modify_date: None })
        .await
        .unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "order", .. }), "{missing:?}");
}

pub async fn raw_documents_round_trip_byte_for_byte(db: Db) {
    seed(&*db).await;
    // Latin-1 bytes, a NUL, a lone UTF-8 continuation byte and an invalid sequence: not UTF-8 at all.
    let raw: Vec<u8> = [
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><name>Zo".as_slice(),
        &[0xeb, 0x00, 0x80, 0xc3, 0x28, 0xff, 0xfe],
        b"</name>\r\n",
    ]
    .concat();
    assert!(std::str::from_utf8(&raw).is_err());
    let with_raw = order(1, "1000001", day("2026-11-26"));
    let by_hand = order(2, "1000002", day("2026-11-26"));
    let write = ImportDayWrite {
        new_orders: vec![
            OrderWrite { raw_document: Some(raw.clone()), ..new_write(with_raw) },
            OrderWrite { raw_document: None, ..new_write(by_hand) },
        ],
        ..Default::default()
    };
    db.write_import_day(&account_a(), &store_a(), write).await.unwrap();
    assert_eq!(db.raw_document(&account_a(), &order_id(1)).await.unwrap(), raw);
    let none = db.raw_document(&account_a(), &order_id(2)).await.unwrap_err();
    match none {
        StorageError::NotFound { what, key } => {
            assert_eq!(what, "raw document of order");
            assert_eq!(key, order_id(2).to_string());
        }
        other => panic!("expected no raw document, got {other:?}"),
    }
    let missing = db.raw_document(&account_a(), &order_id(3)).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "order", .. }), "{missing:?}");
}

pub async fn orders_by_keys_finds_only_the_stores_matching_orders(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    import_new(&*db, vec![order(1, "1000001", day("2026-11-25")), order(2, "1000002", day("2026-11-26"))]).await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(3, "1000003", day("2026-11-26"))]).await;

    let keys = vec![
        OrderKey::new("1000001", day("2026-11-25")),
        OrderKey::new("1000002", day("2026-11-26")),
        // Right PO, wrong date.
        OrderKey::new("1000001", day("2026-11-26")),
        // Store B's order.
        OrderKey::new("1000003", day("2026-11-26")),
        OrderKey::new("9999999", day("2026-11-26")),
    ];
    let found = db.orders_by_keys(&store_a(), &keys).await.unwrap();
    let mut found: Vec<(String, String)> =
        found.into_iter().map(|(k, o)| (format!("{} {}", k.po_number, k.po_date), o.order_id.to_string())).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("1000001 2026-11-25".to_string(), order_id(1).to_string()),
            ("1000002 2026-11-26".to_string(), order_id(2).to_string()),
        ]
    );
    assert_eq!(db.orders_by_keys(&store_a(), &[]).await.unwrap(), HashMap::new());
    let in_b = db.orders_by_keys(&store_b(), &keys).await.unwrap();
    assert_eq!(in_b.keys().cloned().collect::<Vec<_>>(), [OrderKey::new("1000003", day("2026-11-26"))]);
}

pub async fn open_order_dates_before_lists_unfinished_days(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    import_new(
        &*db,
        vec![
            order(1, "1000001", day("2026-11-20")),
            order(2, "1000002", day("2026-11-20")),
            with_status(order(3, "1000003", day("2026-11-21")), OrderStatus::Shipped),
            with_status(order(4, "1000004", day("2026-11-22")), OrderStatus::Cancelled),
            with_status(order(5, "1000005", day("2026-11-23")), OrderStatus::OnHold),
            with_status(order(6, "1000006", day("2026-11-18")), OrderStatus::AwaitingPayment),
            with_status(order(7, "1000007", day("2026-11-19")), OrderStatus::Unmapped),
            order(8, "1000008", day("2026-11-24")),
            order(9, "1000009", day("2026-11-25")),
        ],
    )
    .await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(10, "1000010", day("2026-11-17"))]).await;

    let open = db.open_order_dates_before(&store_a(), day("2026-11-24")).await.unwrap();
    assert_eq!(open, [day("2026-11-18"), day("2026-11-19"), day("2026-11-20"), day("2026-11-23")]);
    assert_eq!(db.open_order_dates_before(&store_a(), day("2026-11-18")).await.unwrap(), []);
}

pub async fn list_and_count_orders_filter_and_page(db: Db) {
    seed(&*db).await;
    db.insert_store(&store(&"sto_outlet".parse().unwrap(), &account_a(), "Outlet", "1002"), b"x").await.unwrap();
    let mut overdue = order(2, "1000002", day("2026-11-21"));
    overdue.ship_by_date = Some(at("2026-11-23T16:15:00Z"));
    let mut shipped_late = with_status(order(3, "1000003", day("2026-11-22")), OrderStatus::Shipped);
    shipped_late.ship_by_date = Some(at("2026-11-24T16:15:00Z"));
    let mut later = order(4, "1000004", day("2026-11-23"));
    later.ship_by_date = Some(at("2026-11-25T16:15:00Z"));
    let mut no_ship_by = with_status(order(5, "1000005", day("2026-11-24")), OrderStatus::OnHold);
    no_ship_by.ship_by_date = None;
    import_new(&*db, vec![order(1, "1000001", day("2026-11-20")), overdue, shipped_late, later, no_ship_by]).await;
    let outlet_order = {
        let mut o = order(6, "2000001", day("2026-11-25"));
        o.store_id = "sto_outlet".parse().unwrap();
        o
    };
    import_new_for(&*db, &account_a(), &"sto_outlet".parse().unwrap(), vec![outlet_order]).await;

    let list = |filter: OrderFilter| {
        let store = db.store.clone();
        async move { ids(&store.list_orders(&account_a(), &filter).await.unwrap()) }
    };
    let count = |filter: OrderFilter| {
        let store = db.store.clone();
        async move { store.count_orders(&account_a(), &filter).await.unwrap() }
    };
    let all = OrderFilter::default();
    // Newest order date first.
    assert_eq!(list(all.clone()).await, [6, 5, 4, 3, 2, 1].map(|n| order_id(n).to_string()));
    assert_eq!(count(all).await, 6);

    let awaiting = OrderFilter { status: Some(OrderStatus::AwaitingShipment), ..Default::default() };
    assert_eq!(list(awaiting.clone()).await, [6, 4, 2, 1].map(|n| order_id(n).to_string()));
    assert_eq!(count(awaiting).await, 4);

    let main_only = OrderFilter { store_id: Some(store_a()), ..Default::default() };
    assert_eq!(count(main_only.clone()).await, 5);
    let page = OrderFilter { limit: Some(2), offset: Some(1), ..main_only.clone() };
    assert_eq!(list(page.clone()).await, [4, 3].map(|n| order_id(n).to_string()));
    assert_eq!(count(page).await, 5, "counts ignore paging");
    let last_page = OrderFilter { limit: Some(2), offset: Some(4), ..main_only.clone() };
    assert_eq!(list(last_page).await, [order_id(1).to_string()]);
    let offset_only = OrderFilter { offset: Some(3), ..main_only };
    assert_eq!(list(offset_only).await, [2, 1].map(|n| order_id(n).to_string()));

    // Past ship-by at 2026-11-24T12:00Z and not finished: order 2 only (3 is shipped, 4 is not due yet,
    // 5 has no ship-by). The sample order's ship-by (2026-11-28) keeps orders 1 and 6 out.
    let overdue_now = OrderFilter { ship_by_before: Some(at("2026-11-24T12:00:00Z")), ..Default::default() };
    assert_eq!(list(overdue_now.clone()).await, [order_id(2).to_string()]);
    assert_eq!(count(overdue_now).await, 1);
    let combined = OrderFilter {
        status: Some(OrderStatus::AwaitingShipment),
        store_id: Some(store_a()),
        ship_by_before: Some(at("2026-11-26T00:00:00Z")),
        limit: Some(10),
        offset: None,
    };
    assert_eq!(list(combined).await, [4, 2].map(|n| order_id(n).to_string()));
}

pub async fn find_order_by_id_number_or_key(db: Db) {
    seed(&*db).await;
    import_new(&*db, vec![order(1, "1000001", day("2026-11-20")), order(2, "1000002", day("2026-11-21"))]).await;
    import_new(&*db, vec![order(3, "1000001", day("2026-11-26"))]).await;

    let by_id = db.find_order(&account_a(), order_id(2).as_str()).await.unwrap();
    assert_eq!(ids(&by_id), [order_id(2).to_string()]);
    let by_number = db.find_order(&account_a(), "1000001").await.unwrap();
    assert_eq!(ids(&by_number), [order_id(3).to_string(), order_id(1).to_string()]);
    let by_key = db.find_order(&account_a(), "202611201000001").await.unwrap();
    assert_eq!(ids(&by_key), [order_id(1).to_string()]);
    assert_eq!(db.find_order(&account_a(), "7777777").await.unwrap(), vec![]);
}

pub async fn orders_are_scoped_by_account(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    import_new(&*db, vec![order(1, "1000001", day("2026-11-26"))]).await;
    import_new_for(&*db, &account_b(), &store_b(), vec![order_of_b(2, "1000002", day("2026-11-26"))]).await;
    let b = account_b();

    let hidden = |e: StorageError| assert!(matches!(e, StorageError::NotFound { what: "order", .. }), "{e:?}");
    hidden(db.get_order(&b, &order_id(1)).await.unwrap_err());
    hidden(db.order_history(&b, &order_id(1)).await.unwrap_err());
    hidden(db.raw_document(&b, &order_id(1)).await.unwrap_err());
    assert_eq!(db.find_order(&b, order_id(1).as_str()).await.unwrap(), vec![]);
    assert_eq!(db.find_order(&b, "1000001").await.unwrap(), vec![]);
    assert_eq!(ids(&db.list_orders(&b, &OrderFilter::default()).await.unwrap()), [order_id(2).to_string()]);
    assert_eq!(db.count_orders(&b, &OrderFilter::default()).await.unwrap(), 1);
    let a_store_through_b = OrderFilter { store_id: Some(store_a()), ..Default::default() };
    assert_eq!(db.count_orders(&b, &a_store_through_b).await.unwrap(), 0);

    // B cannot change A's order either, whatever the order claims.
    let mut taken = order(1, "1000001", day("2026-11-26"));
    taken.account_id = b.clone();
    taken.store_id = store_b();
    taken.internal_notes = Some("mine now".into());
    let refused = db
        .update_order(&OrderWrite { order: taken, raw_document: None, history: vec![], expected_modify_date: None })
        .await
        .unwrap_err();
    hidden(refused);
    assert_eq!(db.get_order(&account_a(), &order_id(1)).await.unwrap().internal_notes, None);
}

pub async fn history_is_oldest_first(db: Db) {
    seed(&*db).await;
    let original = order(1, "1000001", day("2026-11-26"));
    import_new(&*db, vec![original.clone()]).await;
    // Written in this order, but the rule's change happened before the seller's.
    let seller = change("2026-11-27T10:00:00Z", Actor::Seller, "internalNotes", json!(null), json!("fragile"));
    let rule = change(
        "2026-11-27T09:00:00Z",
        Actor::Rule { rule_id: "rul_fragile".parse().unwrap(), rule_name: "Fragile items".into() },
        "tags",
        json!([]),
        json!(["fragile"]),
    );
    let same_instant_first = change("2026-11-27T10:00:00Z", Actor::System, "weight", json!(null), json!({"value": 2}));
    let mut updated = original.clone();
    updated.modify_date = at("2026-11-27T10:00:00Z");
    db.update_order(&OrderWrite {
        order: updated.clone(),
        raw_document: None,
        history: vec![seller.clone(), rule.clone()],
        expected_modify_date: Some(original.modify_date),
    })
    .await
    .unwrap();
    let mut again = updated.clone();
    again.modify_date = at("2026-11-27T10:00:01Z");
    db.update_order(&OrderWrite {
        order: again,
        raw_document: None,
        history: vec![same_instant_first.clone()],
        expected_modify_date: Some(updated.modify_date),
    })
    .await
    .unwrap();

    let history = db.order_history(&account_a(), &order_id(1)).await.unwrap();
    assert_eq!(history, vec![created_entry(&original), rule, seller, same_instant_first]);
}

pub async fn import_day_refuses_what_is_not_the_stores(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let of_b = ImportDayWrite {
        new_orders: vec![new_write(order_of_b(1, "1000001", day("2026-11-26")))],
        ..Default::default()
    };
    let refused = db.write_import_day(&account_a(), &store_a(), of_b).await.unwrap_err();
    match refused {
        StorageError::InvalidWrite { what, key, detail } => {
            assert_eq!(what, "order");
            assert_eq!(key, order_id(1).to_string());
            assert_eq!(detail, "it belongs to acc_other / sto_other, not to the import's acc_sample / sto_sample");
        }
        other => panic!("expected an invalid write, got {other:?}"),
    }
    // Store B's import cannot write into account A through a mismatched account.
    let mismatched =
        ImportDayWrite { new_orders: vec![new_write(order(2, "1000002", day("2026-11-26")))], ..Default::default() };
    let refused = db.write_import_day(&account_b(), &store_a(), mismatched).await.unwrap_err();
    assert!(matches!(refused, StorageError::InvalidWrite { what: "order", .. }), "{refused:?}");
    let mut product = sample::product("MUG-BLUE", 12, "A-1");
    product.account_id = account_b();
    let foreign_product = ImportDayWrite { new_products: vec![product], ..Default::default() };
    let refused = db.write_import_day(&account_a(), &store_a(), foreign_product).await.unwrap_err();
    assert!(matches!(refused, StorageError::InvalidWrite { what: "product", .. }), "{refused:?}");
    assert_eq!(db.count_orders(&account_a(), &OrderFilter::default()).await.unwrap(), 0);
    assert_eq!(db.count_orders(&account_b(), &OrderFilter::default()).await.unwrap(), 0);
}
