//! Order import end to end: the Sears sandbox over real HTTP, Wharf's app, a real database (both backends).
//! Expected values are written by hand from crates/sears-sandbox/SEED.md (T = 2024-05-03).

mod support;

use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use serde_json::json;
use support::{Backend, Harness};
use wharf_app::import::{NoProgress, import_store};
use wharf_domain::import_run::{ImportOutcome, ImportTrigger};
use wharf_domain::{DeliveryMethod, Money, OrderStatus};

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

async fn import(h: &Harness) -> wharf_domain::import_run::ImportRun {
    import_store(&h.app, &h.store, ImportTrigger::Manual, &NoProgress).await.expect("import runs")
}

async fn every_seeded_feature_imports_with_exact_values(backend: Backend) {
    let h = Harness::start(backend).await;
    let run = import(&h).await;
    assert_eq!(run.outcome, ImportOutcome::Succeeded, "{:?}", run.errors);
    assert_eq!(run.window_from.to_string(), "2024-04-29", "3 days back from T, plus a day of overlap");
    assert_eq!(run.window_to.to_string(), "2024-05-03");
    // T-1: SC-01, 02, 05a, 07, 08, 13, 14, 15; T-2: SC-03, 04, 09, 10, 11, 12; T-4: SC-06.
    assert_eq!((run.counts.fetched, run.counts.new, run.counts.skipped, run.counts.failed), (15, 13, 2, 0));

    // SC-01: multi-line, multi-quantity.
    let sc01 = h.order("5000101").await;
    assert_eq!(sc01.order_key, "202405025000101");
    assert_eq!(sc01.order_date.to_string(), "2024-05-02T14:15:00Z", "09:15 CDT");
    assert_eq!(sc01.order_status, OrderStatus::AwaitingShipment);
    assert_eq!(sc01.customer_email.as_deref(), Some("masked-5000101@seller.sears.com"));
    assert_eq!(sc01.customer_phone.as_deref(), Some("2175550123"));
    assert_eq!(sc01.requested_shipping_service.as_deref(), Some("Ground"));
    assert_eq!(sc01.payment_method.as_deref(), Some("Sears Marketplace"));
    assert_eq!((sc01.ship_to.name.as_str(), sc01.ship_to.street1.as_str()), ("Maria Gonzalez", "1234 Elm Street"));
    assert_eq!(
        (sc01.ship_to.city.as_str(), sc01.ship_to.state.as_str(), sc01.ship_to.postal_code.as_str()),
        ("Springfield", "IL", "62704")
    );
    assert_eq!(sc01.ship_to.country, "US");
    let lines: Vec<(&str, u32, Money)> =
        sc01.items.iter().map(|i| (i.sku.as_str(), i.quantity, i.unit_price)).collect();
    assert_eq!(
        lines,
        vec![
            ("KTCH-BLND-600W-BLK", 2, money("49.99")),
            ("HOME-TOWEL-6PC-GRY", 1, money("24.50")),
            ("LED-A19-60W-4PK", 3, money("12.99")),
        ]
    );
    assert_eq!(sc01.items[0].name, "Countertop Blender 600W, Black");
    assert_eq!(sc01.shipping_amount, money("14.98"));
    assert_eq!(sc01.tax_amount, money("11.86"));
    assert_eq!(sc01.order_total, money("190.29"));
    assert_eq!(sc01.amount_paid, money("190.29"), "total-order-value");
    assert_eq!(
        sc01.ship_by_date.unwrap().to_string(),
        "2024-05-05T04:59:59Z",
        "end of expected-ship-date T+1, Central"
    );
    let sears = sc01.sears.as_ref().unwrap();
    assert_eq!(
        (sears.status.as_str(), sears.site.as_deref(), sears.channel.as_deref()),
        ("New", Some("sears"), Some("FBM"))
    );
    assert_eq!(sears.customer_order_confirmation_number.as_deref(), Some("95000101"));
    assert_eq!(sears.totals.total_commission, money("16.35"));
    assert_eq!(sears.totals.balance_due, money("162.08"));
    assert_eq!(sc01.items[0].sears.as_ref().unwrap().commission, money("5.00"));

    // SC-02: gift, fee and discount, memos, handling, non-ASCII, two address lines.
    let sc02 = h.order("5000102").await;
    assert!(sc02.gift);
    assert_eq!(sc02.gift_message.as_deref(), Some("Happy birthday, Léa! Love, Grandma & Grandpa"));
    assert_eq!(sc02.bill_to.name, "Zoë Ångström-Müller");
    assert_eq!(sc02.ship_to.name, "Renée O'Connor");
    assert_eq!((sc02.ship_to.street1.as_str(), sc02.ship_to.street2.as_deref()), ("350 Fifth Avenue", Some("Apt 4B")));
    assert_eq!(sc02.requested_shipping_service.as_deref(), Some("Priority"));
    assert_eq!(
        serde_json::to_value(&sc02.discounts).unwrap(),
        json!([{"description": "Promo Discount", "amount": -3, "lineItemKey": "1"}])
    );
    assert_eq!(
        serde_json::to_value(&sc02.fees).unwrap(),
        json!([{"type": "Gift Wrap Fee", "amount": 4.99, "lineItemKey": "1"}])
    );
    assert_eq!(sc02.internal_notes.as_deref(), Some("Line 1: handling: fragile\nLine 1: Wrap in blue paper"));
    assert_eq!(sc02.customer_notes.as_deref(), Some("Line 1: Thank you for shopping with us!"));
    assert_eq!(sc02.items[0].name, "Plush Teddy Bear 12\" & Friends");
    assert_eq!(sc02.amount_paid, money("40.54"));

    // SC-03: store pickup.
    let sc03 = h.order("5000103").await;
    assert_eq!(sc03.delivery_method, DeliveryMethod::Pickup);
    assert_eq!(sc03.ship_to.street1, "88 Golf Rd");
    let pickup = sc03.sears.as_ref().unwrap().pickup.as_ref().unwrap();
    assert_eq!(pickup.order_type.as_deref(), Some("customer-pickup"));
    let location = pickup.location.as_ref().unwrap();
    assert_eq!(
        (location.name.as_str(), location.street1.as_str(), location.city.as_str()),
        ("Sears Hometown Store #1234", "100 Main St", "Hoffman Estates")
    );
    assert_eq!(pickup.ucc_barcode.as_deref(), Some("00012345678901234567"));
    assert_eq!(sc03.customer_notes.as_deref(), Some("Call on arrival; blue pickup door"));

    // SC-04: ship to store; the buyer's own address is the bill-to.
    let sc04 = h.order("5000104").await;
    assert_eq!(sc04.delivery_method, DeliveryMethod::ShipToStore);
    assert_eq!(
        (sc04.ship_to.street1.as_str(), sc04.ship_to.postal_code.as_str()),
        ("Sears Store #2211, 1000 W Oaks Mall", "77082")
    );
    assert_eq!((sc04.bill_to.name.as_str(), sc04.bill_to.street1.as_str()), ("Nguyễn Văn An", "7421 Bellaire Blvd"));

    // SC-08: a 46-character SKU imports (the shipment update is what it blocks).
    let sc08 = h.order("5000108").await;
    assert_eq!(sc08.skus_too_long_for_sears(), vec![("KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL", 46)]);

    // SC-09: leading zeros kept.
    let sc09 = h.order("0060180").await;
    assert_eq!(sc09.order_key, "202405010060180");
    assert_eq!(sc09.requested_shipping_service.as_deref(), Some("Express"));

    // SC-10: several buckets per line, a shipment Sears already knows.
    let sc10 = h.order("5000110").await;
    let buckets: Vec<(String, u32)> =
        sc10.items[0].sears.as_ref().unwrap().statuses.iter().map(|b| (b.status.clone(), b.quantity)).collect();
    assert_eq!(buckets, vec![("NEW".to_string(), 2), ("SHIPPED".to_string(), 1)]);
    assert_eq!(sc10.internal_notes.as_deref(), Some("Line 1: Customer asked for two boxes"));
    let shipments = &sc10.sears.as_ref().unwrap().shipments;
    assert_eq!(
        (shipments[0].ship_method.as_str(), shipments[0].tracking_number.as_str()),
        ("Ground", "1Z999AA10123456791")
    );

    // Statuses: Closed -> shipped, Ready to Invoice -> awaiting payment (explained), custom -> unmapped.
    assert_eq!(h.order("5000111").await.order_status, OrderStatus::Shipped);
    let sc12 = h.order("5000112").await;
    assert_eq!(sc12.order_status, OrderStatus::AwaitingPayment);
    assert!(sc12.notice("shipped_outside_wharf").unwrap().message.contains("Sears will mark it shipped once invoiced"));
    let sc13 = h.order("5000113").await;
    assert_eq!(sc13.order_status, OrderStatus::Unmapped);
    assert_eq!(sc13.sears.as_ref().unwrap().status, "Awaiting Seller Review");

    // SC-14: version-specific fields of v19.
    let sc14 = h.order("5000114").await;
    let s14 = sc14.sears.as_ref().unwrap();
    assert_eq!(s14.promised_date.unwrap().to_string(), "2024-05-07");
    assert_eq!(s14.tax_certificate_url.as_deref(), Some("https://seller.marketplace.sears.com/tax/cert/5000114.pdf"));
    assert_eq!(s14.lease_order.as_deref(), Some("N"));
    assert_eq!(s14.totals.total_shipping_tax, Some(money("0.37")));
    assert_eq!(sc14.tax_amount, money("9.74"), "sales tax 9.37 + shipping tax 0.37");
    let line2 = sc14.items[1].sears.as_ref().unwrap();
    assert_eq!(line2.item_class_id.as_deref(), Some("40124"));
    assert_eq!(line2.oms_parent_order_item_id.as_deref(), Some("900000114001"));
    assert_eq!(line2.shipping_commission, Some(money("0.60")));

    // SC-15: the customer's cancellation warning travels with the line.
    let sc15 = h.order("5000115").await;
    assert_eq!(sc15.ship_to.street2.as_deref(), Some("Floor 12"));
    assert!(
        sc15.items[0]
            .sears
            .as_ref()
            .unwrap()
            .customer_cancellation_warning
            .as_deref()
            .unwrap()
            .contains("cancel-request-id 700001")
    );

    // Unknown SKUs became products, waiting for the seller's weights.
    let product = h.app.store.get_product_by_sku(&h.account, "KTCH-BLND-600W-BLK").await.unwrap();
    assert_eq!(product.name, "Countertop Blender 600W, Black");
    assert!(product.is_incomplete());
    assert_eq!(sc01.items[0].product_id.as_ref(), Some(&product.product_id));

    // The raw Sears document is kept beside the order.
    let raw = h.app.store.raw_document(&h.account, &sc01.order_id).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.starts_with("<purchase-order") && raw.contains("<po-number>5000101</po-number>"), "{raw}");
}

async fn too_old_and_address_less_orders_are_skipped_with_reasons(backend: Backend) {
    let h = Harness::start(backend).await;
    import(&h).await;
    let skipped = h.app.store.list_skipped(&h.account, Some(&h.store.store_id)).await.unwrap();
    let mut reasons: Vec<(String, String, &str)> =
        skipped.iter().map(|s| (s.po_number.clone(), s.po_date.to_string(), s.reason.code())).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            ("5000106".to_string(), "2024-04-29".to_string(), "outside_import_window"),
            ("5000107".to_string(), "2024-05-02".to_string(), "no_shipping_address"),
        ]
    );
    let message = &skipped.iter().find(|s| s.po_number == "5000107").unwrap().message;
    assert!(message.contains("fix the address in the Sears Seller Portal"), "{message}");
}

async fn importing_twice_changes_nothing(backend: Backend) {
    let h = Harness::start(backend).await;
    import(&h).await;
    let before = h.orders().await;
    let mut history_before = Vec::new();
    for o in &before {
        history_before.push(h.app.store.order_history(&h.account, &o.order_id).await.unwrap());
    }
    h.advance(jiff::SignedDuration::from_mins(5));
    let second = import(&h).await;
    assert_eq!((second.counts.new, second.counts.updated, second.counts.unchanged), (0, 0, 13));
    let after = h.orders().await;
    assert_eq!(after, before, "no field and no modify date changed");
    for (o, history) in after.iter().zip(history_before) {
        assert_eq!(h.app.store.order_history(&h.account, &o.order_id).await.unwrap(), history, "no history added");
    }
}

async fn the_same_po_number_on_two_dates_gives_two_orders(backend: Backend) {
    let mut h = Harness::start(backend).await;
    let mut store = h.store.clone();
    store.settings.import_window_days = 14;
    wharf_app::stores::save_store(&h.app, store).await.unwrap();
    h.reload_store().await;
    import(&h).await;
    let mut twins: Vec<(String, String)> = h
        .orders()
        .await
        .into_iter()
        .filter(|o| o.order_number == "5000105")
        .map(|o| (o.order_key.clone(), o.ship_to.name.clone()))
        .collect();
    twins.sort();
    assert_eq!(
        twins,
        vec![
            ("202404235000105".to_string(), "Robert Hayes".to_string()),
            ("202405025000105".to_string(), "Emily Carter".to_string()),
        ]
    );
}

async fn an_order_shipped_in_wharf_stays_shipped_when_sears_still_says_new(backend: Backend) {
    let h = Harness::start(backend).await;
    import(&h).await;
    let mut order = h.order("5000101").await;
    let read_at = order.modify_date;
    order.order_status = OrderStatus::Shipped;
    order.modify_date = h.app.now();
    h.app
        .store
        .update_order(&wharf_storage::OrderWrite {
            order,
            raw_document: None,
            history: vec![],
            expected_modify_date: Some(read_at),
        })
        .await
        .unwrap();
    h.advance(jiff::SignedDuration::from_mins(5));
    import(&h).await;
    let order = h.order("5000101").await;
    assert_eq!(order.order_status, OrderStatus::Shipped);
    assert_eq!(order.sears.unwrap().status, "New", "Sears's own status is shown beside Wharf's");
}

async fn ready_to_invoice_then_invoiced(backend: Backend) {
    use wharf_sears_sandbox::{OrderRef, PortalShip};
    let h = Harness::start(backend).await;
    import(&h).await;
    assert_eq!(h.order("5000101").await.order_status, OrderStatus::AwaitingShipment);

    let key = OrderRef::new("5000101", jiff::civil::date(2024, 5, 2));
    h.sandbox
        .control()
        .portal_ship(
            &key,
            PortalShip {
                tracking_number: Some("1Z999AA10123456999".into()),
                carrier: Some("UPS".into()),
                method: Some("Ground".into()),
            },
        )
        .unwrap();
    h.advance(jiff::SignedDuration::from_mins(5));
    import(&h).await;
    let order = h.order("5000101").await;
    assert_eq!(order.order_status, OrderStatus::AwaitingPayment);
    assert_eq!(order.sears.as_ref().unwrap().status, "Ready to Invoice");
    assert!(order.notice("shipped_outside_wharf").is_some());
    let tracking: Vec<&str> =
        order.sears.as_ref().unwrap().shipments.iter().map(|s| s.tracking_number.as_str()).collect();
    assert_eq!(tracking, vec!["1Z999AA10123456999"]);
    let history = h.app.store.order_history(&h.account, &order.order_id).await.unwrap();
    assert!(history.iter().any(|e| e.field == "orderStatus"
        && e.old == json!("awaiting_shipment")
        && e.new == json!("awaiting_payment")));

    h.sandbox.control().invoice(&key).unwrap();
    h.advance(jiff::SignedDuration::from_mins(5));
    import(&h).await;
    assert_eq!(h.order("5000101").await.order_status, OrderStatus::Shipped);
}

async fn catalog_values_fill_what_sears_does_not_send(backend: Backend) {
    let h = Harness::start(backend).await;
    let csv = "sku,name,weight,image_url,options,warehouse_location,tags\n\
               KTCH-BLND-600W-BLK,Blender,4.5 lb,http://127.0.0.1:9/blender.png,Color=Black; Voltage=120V,A-01-2,kitchen\n\
               HOME-TOWEL-6PC-GRY,Towels,40 oz,,,B-07-1,\n\
               LED-A19-60W-4PK,Bulbs,8 oz,,,C-02-4,\n";
    let result = wharf_app::products::import_csv(&h.app, &h.account, csv.as_bytes()).await.unwrap();
    assert_eq!((result.inserted, result.updated), (3, 0));
    import(&h).await;
    let order = h.order("5000101").await;
    let blender = &order.items[0];
    assert_eq!(blender.weight.unwrap().to_string(), "4.5 lb");
    assert_eq!(blender.warehouse_location.as_deref(), Some("A-01-2"));
    assert_eq!(blender.image_url.as_deref(), Some("http://127.0.0.1:9/blender.png"));
    assert_eq!(
        serde_json::to_value(&blender.options).unwrap(),
        json!([{"name": "Color", "value": "Black"}, {"name": "Voltage", "value": "120V"}])
    );
    assert_eq!(serde_json::to_value(&blender.sources).unwrap()["weight"], json!({"from": "catalog"}));
    // 2 x 72 oz + 1 x 40 oz + 3 x 8 oz = 208 oz.
    let weight = order.weight.unwrap();
    assert_eq!(weight.in_ounces().normalize(), Decimal::from(208));
    assert_eq!(serde_json::to_value(&order.sources).unwrap()["weight"], json!({"from": "items"}));
}

async fn a_product_csv_with_errors_saves_nothing(backend: Backend) {
    let h = Harness::start(backend).await;
    let csv = "sku,weight,colour\nA-1,12 oz,red\n";
    let err = wharf_app::products::import_csv(&h.app, &h.account, csv.as_bytes()).await.unwrap_err().to_string();
    assert!(err.contains("unknown column 'colour'"), "{err}");
    let csv = "sku,weight,dimensions\nA-1,12 oz,12x8x4\nA-2,heavy,\nA-1,1 lb,\n";
    let err = wharf_app::products::import_csv(&h.app, &h.account, csv.as_bytes()).await.unwrap_err().to_string();
    assert!(err.contains("line 3: invalid weight 'heavy'"), "{err}");
    assert!(err.contains("line 4: SKU 'A-1' appears twice"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(h.app.store.list_products(&h.account).await.unwrap().is_empty());
}

on_both_backends!(
    every_seeded_feature_imports_with_exact_values,
    too_old_and_address_less_orders_are_skipped_with_reasons,
    importing_twice_changes_nothing,
    the_same_po_number_on_two_dates_gives_two_orders,
    an_order_shipped_in_wharf_stays_shipped_when_sears_still_says_new,
    ready_to_invoice_then_invoiced,
    catalog_values_fill_what_sears_does_not_send,
    a_product_csv_with_errors_saves_nothing,
);
