//! Shipping end to end, on both backends: orders imported from the Sears sandbox, a UPS sandbox (its own
//! process state, on a loopback port) connected as a carrier account, a warehouse; rates, labels (one and
//! several packages), the outbox rows they cause, voids, shipments recorded by hand, pickups, notes and test
//! labels; through the app and through the `wharf` binary.
//!
//! Prices are worked out by hand from the carrier sandbox's rate table (its README): the warehouse is in
//! Chicago (ZIP 60607); package charge = first pound + (billable pounds - 1) x further pound, both growing per
//! zone above 2; published rates; Sears addresses are not flagged residential, so no surcharge and no SurePost.

mod support;

use std::process::Output;
use std::time::Duration;

use base64::Engine;
use jiff::civil::date;
use rust_decimal::Decimal;
use serde_json::Value;
use support::shipping::{Ups, ups_clock};
use support::{Backend, Harness};
use wharf_app::shipping::packages::PackagePlan;
use wharf_app::shipping::{LabelPurchase, RateOptions, buy_labels, rates_for_order, void_order_shipment};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::shipment::{Shipment, ShipmentKind, ShipmentState};
use wharf_domain::{MarketplaceUpdateState, Money, Order, OrderStatus, ValueSource};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn usd(text: &str) -> Money {
    Money::new(text.parse::<Decimal>().unwrap())
}

async fn run(h: &Harness, args: &[&str]) -> Output {
    h.wharf().args(args).output().await.expect("wharf runs")
}

async fn json(h: &Harness, args: &[&str]) -> Value {
    let out = run(h, args).await;
    assert!(out.status.success(), "wharf {args:?} failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("wharf {args:?} printed no JSON ({e})"))
}

/// The harness with the showcase imported (weights from the catalog) and the UPS sandbox connected.
async fn shipping_harness(backend: Backend) -> (Harness, Ups) {
    let h = Harness::start(backend).await;
    h.weigh_showcase().await;
    h.drain_jobs().await;
    let ups = h.with_ups(ups_clock(false)).await;
    (h, ups)
}

async fn messages(h: &Harness, order: &Order) -> Vec<OutboxMessage> {
    h.app.store.order_messages(&h.account, &order.order_id).await.unwrap()
}

/// The kinds and states of an order's messages, Sears updates first (messages queued in one transaction have
/// no order among themselves).
fn kinds(messages: &[OutboxMessage]) -> Vec<(MessageKind, MessageState)> {
    let mut kinds: Vec<(MessageKind, MessageState)> = messages.iter().map(|m| (m.kind, m.state)).collect();
    kinds.sort_by_key(|(kind, _)| *kind != MessageKind::SearsShipment);
    kinds
}

fn email(messages: &[OutboxMessage]) -> &OutboxMessage {
    messages.iter().find(|m| m.kind == MessageKind::ShipmentEmail).expect("a shipment e-mail is queued")
}

/// What the UPS sandbox itself recorded under a reference: (shipments, labels, voided labels).
fn bought_under(ups: &Ups, reference: &str) -> (u32, u32, u32) {
    let counts = ups.sandbox.control().labels_by_reference();
    counts.get(reference).map_or((0, 0, 0), |c| (c.shipments, c.labels, c.voided_labels))
}

/// The tracking numbers the sandbox issued for a reference, in package order.
fn sandbox_tracking(ups: &Ups, reference: &str) -> Vec<String> {
    let shipments = ups.sandbox.control().shipments();
    let record = shipments.iter().find(|s| s.all_references().contains(&reference) && !s.voided()).unwrap();
    record.packages.iter().map(|p| p.tracking_number.clone()).collect()
}

fn tracking(shipment: &Shipment) -> Vec<String> {
    shipment.tracking_numbers().map(str::to_owned).collect()
}

async fn rates_labels_and_their_outbox_rows(backend: Backend) {
    let (h, ups) = shipping_harness(backend).await;

    // SC-01: Springfield IL 62704 is zone 3 from 60607 (same first digit). 2 x 4 lb + 2.5 lb + 3 x 8 oz = 12 lb.
    let sc01 = h.order("5000101").await;
    assert_eq!(sc01.weight.unwrap().in_pounds(), Decimal::from(12));
    let rates = rates_for_order(&h.app, &h.account, &sc01.order_id, &RateOptions::default()).await.unwrap();
    let quoted: Vec<(&str, Money, String)> = rates
        .rates
        .iter()
        .map(|r| (r.carrier_service_code.as_str(), r.total, r.delivery_date.unwrap().to_string()))
        .collect();
    // Zone 3: first pound (zone-2 price + 1 zone step), then 11 further pounds at (zone-2 + 1 step) each.
    // Ground 11.00 + 11 x 1.10; 3 Day Select 20.00 + 11 x 1.90; 2nd Day 27.00 + 11 x 2.80; 2nd Day A.M.
    // 32.00 + 11 x 3.20; Next Day Saver 42.00 + 11 x 3.90; Next Day 46.50 + 11 x 4.40; Early 77.00 + 11 x 5.30.
    // Shipped on 2024-05-03; Ground takes min(5, zone - 1) = 2 days.
    assert_eq!(
        quoted,
        vec![
            ("03", usd("23.10"), "2024-05-05".to_owned()),
            ("12", usd("40.90"), "2024-05-06".to_owned()),
            ("02", usd("57.80"), "2024-05-05".to_owned()),
            ("59", usd("67.20"), "2024-05-05".to_owned()),
            ("13", usd("84.90"), "2024-05-04".to_owned()),
            ("01", usd("94.90"), "2024-05-04".to_owned()),
            ("14", usd("135.30"), "2024-05-04".to_owned()),
        ]
    );
    let marked = |f: fn(&wharf_app::shipping::RateQuote) -> bool| -> Vec<&str> {
        rates.rates.iter().filter(|r| f(r)).map(|r| r.carrier_service_code.as_str()).collect()
    };
    assert_eq!(marked(|r| r.cheapest), ["03"]);
    assert_eq!(marked(|r| r.fastest), ["14"], "Next Day Air Early arrives at 8:00 A.M.");
    // Ship-by is the expected ship date 2024-05-04; the buyer paid for Ground: 5 days more.
    assert_eq!(rates.deliver_by, Some(date(2024, 5, 9)));
    assert_eq!(marked(|r| r.recommended), ["03"]);
    let three_day = &rates.rates[1];
    assert!(three_day.sears_problem.as_deref().unwrap().contains("Sears lists no shipping method"), "{three_day:?}");
    assert_eq!(rates.rates[0].sears_method.as_deref(), Some("Ground"));

    // The same through the binary.
    let cli = json(&h, &["orders", "rates", "5000101", "--json", "--ship-date", "2024-05-03"]).await;
    assert_eq!(cli["rates"][0]["total"], serde_json::json!(23.10));
    assert_eq!(cli["rates"][0]["recommended"], true);
    assert_eq!(cli["deliverBy"], "2024-05-09");

    // SC-09: Miami 33135 is zone 6; Express: deliver by its ship-by date 2024-05-03 + 1 day. Only the next-day
    // services arrive on 2024-05-04; the cheapest, Next Day Air Saver: 54.00 + 11 x 5.40 = 113.40.
    let sc09 = h.order("0060180").await;
    let rates = rates_for_order(&h.app, &h.account, &sc09.order_id, &RateOptions::default()).await.unwrap();
    let pick = rates.recommended().unwrap();
    assert_eq!((pick.carrier_service_code.as_str(), pick.total), ("13", usd("113.40")));
    assert_eq!(rates.rates.iter().filter(|r| r.arrives_in_time == Some(true)).count(), 3);

    // Buying SC-01: rate shopping picks Ground; the fee is what UPS charged.
    let shipment = buy_labels(&h.app, &h.account, &sc01.order_id, &LabelPurchase::default()).await.unwrap();
    assert_eq!((shipment.kind, shipment.state), (ShipmentKind::Label, ShipmentState::Active));
    assert_eq!(shipment.service_code, "ups_ground");
    assert_eq!(shipment.carrier_fee, Some(usd("23.10")));
    assert_eq!((shipment.sears_carrier.as_deref(), shipment.sears_method.as_deref()), (Some("UPS"), Some("Ground")));
    assert_eq!(shipment.reference, "WH202405025000101-1");
    assert_eq!(tracking(&shipment), sandbox_tracking(&ups, &shipment.reference));
    assert_eq!(bought_under(&ups, &shipment.reference), (1, 1, 0));
    let lines: Vec<(String, u32)> = shipment.packages[0].lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    assert_eq!(
        lines,
        [("KTCH-BLND-600W-BLK".to_owned(), 2), ("HOME-TOWEL-6PC-GRY".to_owned(), 1), ("LED-A19-60W-4PK".to_owned(), 3)]
    );

    // The label file is stored apart, and its barcode reads as the tracking number.
    let labels = h.app.store.shipment_labels(&h.account, std::slice::from_ref(&shipment.shipment_id)).await.unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].label.format, "gif");
    let gif = base64::engine::general_purpose::STANDARD.decode(&labels[0].label.data).unwrap();
    assert_eq!(&gif[..4], b"GIF8");
    let file = h.data_dir.path().join("label.gif");
    std::fs::write(&file, &gif).unwrap();
    let zbar = std::process::Command::new("zbarimg").args(["--quiet", "--raw"]).arg(&file).output().unwrap();
    assert_eq!(text(&zbar.stdout).trim(), tracking(&shipment)[0]);

    // The order shipped with it; one Sears update is pending; confirmations are off, so no e-mail.
    let sc01 = h.order("5000101").await;
    assert_eq!((sc01.order_status, sc01.ship_date), (OrderStatus::Shipped, Some(date(2024, 5, 3))));
    assert_eq!(sc01.marketplace_update.state, MarketplaceUpdateState::Pending);
    let queued = messages(&h, &sc01).await;
    assert_eq!(kinds(&queued), vec![(MessageKind::SearsShipment, MessageState::Pending)]);
    assert_eq!(queued[0].dedupe_key, format!("sears_shipment:{}", sc01.order_id));
    assert_eq!(queued[0].payload["shipmentIds"], serde_json::json!([shipment.shipment_id]));
    assert_eq!(queued[0].payload["packages"][0]["trackingNumber"], tracking(&shipment)[0]);

    // Buying again returns the same shipment: nothing more is bought.
    let again = buy_labels(&h.app, &h.account, &sc01.order_id, &LabelPurchase::default()).await.unwrap();
    assert_eq!(again.shipment_id, shipment.shipment_id);
    assert_eq!(bought_under(&ups, &shipment.reference), (1, 1, 0));

    // SC-02 in two packages, with a note to the buyer. New York 10118 is zone 8; Priority: deliver by
    // 2024-05-04 + 2. Ground (5 days) is late, 3 Day Select has no Sears method: 2nd Day Air, per package
    // 42.00 + (billable - 1) x 4.80. Units in line order: the bear (1.5 lb, billed 2 lb) in package 1, the two
    // cards (4 oz, billed 1 lb) in package 2: 46.80 + 42.00.
    let noted = json(
        &h,
        &["orders", "note", "5000102", "--to-buyer", "Wrapped with care!", "--internal", "Gift wrap", "--json"],
    )
    .await;
    assert_eq!(noted["notesToBuyer"], "Wrapped with care!");
    let sc02 = h.order("5000102").await;
    assert_eq!(sc02.sources.get("notesToBuyer"), Some(&ValueSource::Seller));
    assert_eq!(sc02.internal_notes.as_deref(), Some("Gift wrap"));
    let request = LabelPurchase { packages: PackagePlan::Split(2), ..LabelPurchase::default() };
    let two = buy_labels(&h.app, &h.account, &sc02.order_id, &request).await.unwrap();
    assert_eq!(two.service_code, "ups_2nd_day_air");
    assert_eq!(two.carrier_fee, Some(usd("88.80")));
    assert_eq!(two.notes_to_buyer.as_deref(), Some("Wrapped with care!"));
    let packed: Vec<Vec<(String, u32)>> =
        two.packages.iter().map(|p| p.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect()).collect();
    assert_eq!(packed, vec![vec![("TOY-PLUSH-BEAR-12".to_owned(), 1)], vec![("CARD-BDAY-ASST".to_owned(), 2)]]);
    assert_eq!(tracking(&two), sandbox_tracking(&ups, &two.reference));
    assert_eq!(bought_under(&ups, &two.reference), (1, 2, 0));
    let labels = h.app.store.shipment_labels(&h.account, std::slice::from_ref(&two.shipment_id)).await.unwrap();
    assert_eq!(labels.iter().map(|l| l.sequence).collect::<Vec<_>>(), [1, 2]);
    let queued = messages(&h, &sc02).await;
    assert_eq!(kinds(&queued), vec![(MessageKind::SearsShipment, MessageState::Pending)]);
    assert_eq!(queued[0].payload["packages"].as_array().unwrap().len(), 2);

    // SC-08 has a 46-character SKU: the label is bought, the Sears update needs a manual step (decision 5).
    // Seattle 98101, zone 6; 1 lb + 12 oz billed 2 lb; Ground 14.00 + 1.70.
    let sc08 = h.order("5000108").await;
    let long = buy_labels(&h.app, &h.account, &sc08.order_id, &LabelPurchase::default()).await.unwrap();
    assert_eq!(long.carrier_fee, Some(usd("15.70")));
    let expected = "SKU is 46 characters; Sears shipment updates need fewer than 42 — update this order manually in \
                    the Sears Seller Portal";
    let queued = messages(&h, &sc08).await;
    assert_eq!(kinds(&queued), vec![(MessageKind::SearsShipment, MessageState::NeedsManualAction)]);
    assert_eq!(queued[0].last_error.as_deref(), Some(expected));
    let sc08 = h.order("5000108").await;
    assert_eq!(sc08.order_status, OrderStatus::Shipped);
    assert_eq!(sc08.marketplace_update.state, MarketplaceUpdateState::NeedsManualAction);
    assert_eq!(sc08.marketplace_update.message.as_deref(), Some(expected));
    assert_eq!(sc08.notice("sears_update_manual").unwrap().message, expected);

    // SC-10 is partly handled in the Seller Portal: line 1 has 2 of 3 units open (1 shipped), line 2 has 1 of 2
    // (1 cancelled). Only the open units are packed and reported: 2 x 3 lb + 6 oz, billed 7 lb. Columbus 43215
    // is zone 5: Ground 13.00 + 6 x 1.50.
    let sc10 = h.order("5000110").await;
    let partial = buy_labels(&h.app, &h.account, &sc10.order_id, &LabelPurchase::default()).await.unwrap();
    assert_eq!(partial.carrier_fee, Some(usd("22.00")));
    let packed: Vec<(String, u32)> = partial.packages[0].lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    assert_eq!(packed, [("HOME-MUG-SET-4".to_owned(), 2), ("HOME-COASTER-6".to_owned(), 1)]);
    assert_eq!(h.order("5000110").await.order_status, OrderStatus::Shipped);
    let queued = messages(&h, &sc10).await;
    assert_eq!(kinds(&queued), vec![(MessageKind::SearsShipment, MessageState::Pending)]);
    assert_eq!(
        queued[0].payload["packages"][0]["lines"],
        serde_json::json!([
            {"lineNumber": 1, "itemId": "HOME-MUG-SET-4", "quantity": 2},
            {"lineNumber": 2, "itemId": "HOME-COASTER-6", "quantity": 1},
        ])
    );

    // `wharf orders show --json` carries the shipments (without label files).
    let shown = json(&h, &["orders", "show", "5000102", "--json"]).await;
    assert_eq!(shown["shipments"][0]["shipmentId"], two.shipment_id.as_str());
    assert_eq!(shown["shipments"][0]["carrierFee"], serde_json::json!(88.80));
    assert_eq!(shown["shipments"][0]["notesToBuyer"], "Wrapped with care!");
    assert!(shown["shipments"][0]["packages"][0].get("label").is_none());
}

async fn voids_manual_shipments_pickups_and_test_labels(backend: Backend) {
    let (h, ups) = shipping_harness(backend).await;

    // Void before Sears heard of it: the pending update is withdrawn, the order can ship again.
    let sc01 = h.order("5000101").await;
    let first = buy_labels(&h.app, &h.account, &sc01.order_id, &LabelPurchase::default()).await.unwrap();
    let voided = void_order_shipment(&h.app, &h.account, &sc01.order_id).await.unwrap();
    assert_eq!(voided.shipment.state, ShipmentState::Voided);
    assert_eq!(voided.order_status, OrderStatus::AwaitingShipment);
    assert_eq!(voided.sears_notice, None);
    assert_eq!(bought_under(&ups, &first.reference), (1, 1, 1), "UPS voided the label");
    assert!(messages(&h, &sc01).await.is_empty(), "the pending Sears update was withdrawn");
    let sc01 = h.order("5000101").await;
    assert_eq!((sc01.order_status, sc01.ship_date), (OrderStatus::AwaitingShipment, None));
    assert_eq!(sc01.marketplace_update.state, MarketplaceUpdateState::NotNeeded);
    // A new purchase gets a new reference.
    let second = buy_labels(&h.app, &h.account, &sc01.order_id, &LabelPurchase::default()).await.unwrap();
    assert_eq!(second.reference, "WH202405025000101-2");
    assert_eq!(bought_under(&ups, &second.reference), (1, 1, 0));
    assert_eq!(kinds(&messages(&h, &sc01).await), vec![(MessageKind::SearsShipment, MessageState::Pending)]);

    // Void after Sears accepted the update: Sears keeps the old tracking number; the order says what to do.
    let mut accepted = messages(&h, &sc01).await.remove(0);
    let read_at = accepted.modify_date;
    accepted.state = MessageState::Delivered;
    accepted.modify_date = h.app.now();
    let write = wharf_storage::outbox::MessageWrite { message: accepted, expected_modify_date: read_at };
    h.app.store.save_deliveries(&[write], &[]).await.unwrap();
    let out = run(&h, &["orders", "void", "5000101"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let notice = format!(
        "The label {} was voided after Sears accepted the shipment update. Sears keeps the old tracking number and \
         has no un-ship: correct the tracking number of this order in the Sears Seller Portal.",
        tracking(&second)[0]
    );
    assert!(said.contains(&notice), "{said}");
    let sc01 = h.order("5000101").await;
    assert_eq!(sc01.notice("sears_tracking_after_void").unwrap().message, notice);
    assert_eq!(sc01.order_status, OrderStatus::AwaitingShipment);
    assert_eq!(kinds(&messages(&h, &sc01).await), vec![(MessageKind::SearsShipment, MessageState::Delivered)]);
    assert_eq!(bought_under(&ups, &second.reference), (1, 1, 1));

    // A label bought elsewhere, with a Sears carrier code and method (matched case-insensitively).
    let shipped = json(
        &h,
        &[
            "orders",
            "mark-shipped",
            "5000105",
            "--carrier",
            "FDE",
            "--service",
            "ground",
            "--tracking",
            "794612345678",
            "--json",
        ],
    )
    .await;
    assert_eq!(shipped["kind"], "manual");
    assert_eq!((shipped["searsCarrier"].as_str(), shipped["searsMethod"].as_str()), (Some("FDE"), Some("Ground")));
    assert_eq!(shipped["packages"][0]["trackingNumber"], "794612345678");
    let sc05 = h.order("5000105").await;
    assert_eq!(sc05.order_status, OrderStatus::Shipped);
    assert_eq!(kinds(&messages(&h, &sc05).await), vec![(MessageKind::SearsShipment, MessageState::Pending)]);

    // A method the carrier does not have is refused with the methods it has.
    let out = run(
        &h,
        &["orders", "mark-shipped", "5000113", "--carrier", "UPS", "--service", "Overnight", "--tracking", "1Z1"],
    )
    .await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("its methods are Next Day Saver, Ground, Next Day, Second Day, SurePost"), "{err}");

    // Carrier OTH: the buyer is e-mailed carrier and tracking although shipment confirmations are off.
    assert!(!h.store.settings.notifications.shipment_confirmation);
    let oth = json(
        &h,
        &[
            "orders",
            "mark-shipped",
            "5000114",
            "--carrier",
            "other",
            "--service",
            "other_standard",
            "--tracking",
            "LOCAL-778",
            "--date",
            "2024-05-03",
            "--json",
        ],
    )
    .await;
    assert_eq!(oth["searsCarrier"], "OTH");
    assert_eq!(oth["shipDate"], "2024-05-03");
    let sc14 = h.order("5000114").await;
    let queued = messages(&h, &sc14).await;
    assert_eq!(
        kinds(&queued),
        vec![(MessageKind::SearsShipment, MessageState::Pending), (MessageKind::ShipmentEmail, MessageState::Pending)]
    );
    assert_eq!(email(&queued).payload["reason"], "sears_oth_policy");
    assert_eq!(email(&queued).payload["trackingNumbers"], serde_json::json!(["LOCAL-778"]));
    assert_eq!(email(&queued).payload["to"], "masked-5000114@seller.sears.com");

    // A pickup order is completed without a label: OTH / Pickup, so the buyer is told too.
    let out = run(&h, &["orders", "mark-shipped", "5000104", "--pickup"]).await;
    assert!(!out.status.success(), "SC-04 ships to a store; the buyer does not collect it");
    assert!(text(&out.stderr).contains("is not a pickup order"), "{}", text(&out.stderr));
    let picked = json(&h, &["orders", "mark-shipped", "5000103", "--pickup", "--json"]).await;
    assert_eq!((picked["kind"].as_str(), picked["searsMethod"].as_str()), (Some("pickup"), Some("Pickup")));
    assert_eq!(picked["packages"][0]["trackingNumber"], Value::Null);
    let sc03 = h.order("5000103").await;
    assert_eq!(sc03.order_status, OrderStatus::Shipped);
    assert_eq!(
        kinds(&messages(&h, &sc03).await),
        vec![(MessageKind::SearsShipment, MessageState::Pending), (MessageKind::ShipmentEmail, MessageState::Pending)]
    );
    // Buying its labels now returns its live shipment, the pickup: nothing is bought.
    let live = buy_labels(&h.app, &h.account, &sc03.order_id, &LabelPurchase::default()).await.unwrap();
    assert_eq!(live.kind, ShipmentKind::Pickup);

    // Test labels: any service, drawn by Wharf, never bought.
    let pdf = h.data_dir.path().join("test-label.pdf");
    let out =
        run(&h, &["orders", "test-label", "5000110", "--service", "fedex_2day", "--out", pdf.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pdftext = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    let page = text(&pdftext.stdout);
    assert!(page.contains("TEST LABEL") && page.contains("NOT VALID FOR SHIPPING"), "{page}");
    assert!(page.contains("FedEx 2Day") && page.contains("Sarah Mitchell") && page.contains("Order 5000110"), "{page}");
    let zpl = h.data_dir.path().join("test-label.zpl");
    let out = run(
        &h,
        &[
            "orders",
            "test-label",
            "5000110",
            "--service",
            "ups_ground",
            "--format",
            "zpl",
            "--out",
            zpl.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let program = std::fs::read_to_string(&zpl).unwrap();
    assert!(
        program.starts_with("^XA") && program.contains("UPS Ground") && program.contains("TEST LABEL"),
        "{program}"
    );
    let sc10 = h.order("5000110").await;
    assert!(wharf_app::shipping::order_shipments(&h.app, &h.account, &sc10.order_id).await.unwrap().is_empty());
    let calls = ups.sandbox.control().calls();
    assert_eq!(calls.get("Shipment").copied(), Some(2), "two labels bought in this test, no more");
}

async fn lost_answers_are_found_not_bought_again(backend: Backend) {
    let (h, ups) = shipping_harness(backend).await;

    // UPS creates the shipment, then the connection drops before the answer arrives.
    ups.sandbox.control().timeout_after_label(1);
    let sc15 = h.order("5000115").await;
    let request = LabelPurchase { service: Some("ups_ground".into()), ..LabelPurchase::default() };
    let found = buy_labels(&h.app, &h.account, &sc15.order_id, &request).await.unwrap();
    assert_eq!(found.state, ShipmentState::Active);
    assert_eq!(bought_under(&ups, &found.reference), (1, 1, 0), "found by reference, not bought again");
    assert_eq!(tracking(&found), sandbox_tracking(&ups, &found.reference));
    assert_eq!(found.carrier_fee, None, "the charge was in the lost answer");
    assert!(found.error.as_deref().unwrap().contains("answer to this label purchase was lost"), "{found:?}");
    let sc15 = h.order("5000115").await;
    assert_eq!(sc15.order_status, OrderStatus::Shipped);
    assert!(sc15.notice("label_image_unavailable").is_some());
    assert_eq!(kinds(&messages(&h, &sc15).await), vec![(MessageKind::SearsShipment, MessageState::Pending)]);
    assert!(
        h.app.store.shipment_labels(&h.account, std::slice::from_ref(&found.shipment_id)).await.unwrap().is_empty()
    );
    assert_eq!(ups.sandbox.control().calls().get("Shipment").copied(), Some(1));

    // Two buyers at once: one purchase, one shipment for both.
    let sc13 = h.order("5000113").await;
    let request = LabelPurchase { service: Some("ups_ground".into()), ..LabelPurchase::default() };
    let (a, b) = tokio::join!(
        buy_labels(&h.app, &h.account, &sc13.order_id, &request),
        buy_labels(&h.app, &h.account, &sc13.order_id, &request)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.shipment_id, b.shipment_id);
    assert_eq!(bought_under(&ups, &a.reference), (1, 1, 0));
    assert_eq!(ups.sandbox.control().calls().get("Shipment").copied(), Some(2));

    // A carrier failure that bought nothing leaves a failed attempt; the order can be bought later.
    ups.sandbox.control().fail_next_calls(1, 503).unwrap();
    let sc14 = h.order("5000114").await;
    let err = buy_labels(&h.app, &h.account, &sc14.order_id, &request).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let shipments = wharf_app::shipping::order_shipments(&h.app, &h.account, &sc14.order_id).await.unwrap();
    assert_eq!(shipments.iter().map(|s| s.state).collect::<Vec<_>>(), [ShipmentState::Failed]);
    let retried = buy_labels(&h.app, &h.account, &sc14.order_id, &request).await.unwrap();
    assert_eq!(retried.reference, "WH202405025000114-2");

    // A reference another order's shipment already carries (two stores can share an order key) is skipped.
    let sc05 = h.order("5000105").await;
    let sc12 = h.order("5000112").await;
    let mut squatter = a.clone();
    squatter.shipment_id = "shp_squatter".parse().unwrap();
    squatter.order_id = sc12.order_id.clone();
    squatter.kind = ShipmentKind::Manual;
    squatter.reference = format!("WH{}-1", sc05.order_key);
    let write = wharf_storage::shipping::ShipmentWrite {
        shipment: squatter,
        expected: None,
        order: None,
        outbox: vec![],
        withdraw: vec![],
    };
    h.app.store.write_shipment(&write).await.unwrap();
    let skipped = buy_labels(&h.app, &h.account, &sc05.order_id, &request).await.unwrap();
    assert_eq!(skipped.reference, format!("WH{}-2", sc05.order_key));
    assert_eq!(bought_under(&ups, &skipped.reference), (1, 1, 0));

    // With the store's shipment confirmations on, a label also queues the customer e-mail.
    let out = run(&h, &["store", "set", &h.store.store_name, "--shipment-confirmation", "on"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sc04 = h.order("5000104").await;
    let label = buy_labels(&h.app, &h.account, &sc04.order_id, &request).await.unwrap();
    let queued = messages(&h, &sc04).await;
    assert_eq!(
        kinds(&queued),
        vec![(MessageKind::SearsShipment, MessageState::Pending), (MessageKind::ShipmentEmail, MessageState::Pending)]
    );
    assert_eq!(email(&queued).payload["reason"], "store_setting");
    assert_eq!(email(&queued).dedupe_key, format!("shipment_email:{}", label.shipment_id));
}

async fn carrier_accounts_and_warehouses_from_the_command_line(backend: Backend) {
    let h = Harness::start(backend).await;
    h.drain_jobs().await;
    let ups =
        wharf_carrier_sandbox::SandboxConfig { clock: ups_clock(false), ..Default::default() }.start().await.unwrap();
    let client = ups.default_client();
    let add = |secret: &str| {
        let mut c = h.wharf();
        c.args(["carrier", "add", "ups", "--client-id", &client.client_id, "--client-secret", secret]);
        c.args(["--account-number", &client.account_number, "--base-url", &ups.base_url(), "--label-format", "zpl"]);
        c
    };
    let refused = add("not-the-secret").output().await.unwrap();
    assert!(!refused.status.success());
    let err = text(&refused.stderr);
    assert!(
        err.contains("UPS refused the credentials for account W4RF01") && err.contains("nothing was saved"),
        "{err}"
    );
    assert!(!err.contains("not-the-secret"), "{err}");
    assert_eq!(json(&h, &["carrier", "list", "--json"]).await, serde_json::json!([]));

    let secret = secrecy::ExposeSecret::expose_secret(&client.client_secret).to_owned();
    let added = add(&secret).arg("--json").output().await.unwrap();
    assert!(added.status.success(), "{}", text(&added.stderr));
    let listed = json(&h, &["carrier", "list", "--json"]).await;
    assert_eq!(listed[0]["name"], "UPS W4RF01");
    assert_eq!(listed[0]["labelFormat"], "zpl");
    assert!(!listed.to_string().contains(&secret) && !listed.to_string().contains(&client.client_id));

    let out = run(&h, &["orders", "rates", "5000101", "--json"]).await;
    assert!(text(&out.stderr).contains("no warehouse to ship from"), "{}", text(&out.stderr));
    let warehouse = json(
        &h,
        &[
            "warehouse",
            "add",
            "--name",
            "Chicago",
            "--company",
            "Harbor Goods LLC",
            "--street1",
            "1200 W Fulton Market",
            "--city",
            "Chicago",
            "--state",
            "il",
            "--postal-code",
            "60607",
            "--phone",
            "312-555-0142",
            "--return-street1",
            "55 Returns Rd",
            "--return-city",
            "Elk Grove Village",
            "--return-state",
            "IL",
            "--return-postal-code",
            "60007",
            "--json",
        ],
    )
    .await;
    assert_eq!(warehouse["isDefault"], true, "the first warehouse is the default");
    assert_eq!(warehouse["origin"]["state"], "IL");
    assert_eq!(warehouse["returnAddress"]["street1"], "55 Returns Rd");
    let second = json(
        &h,
        &[
            "warehouse",
            "add",
            "--name",
            "Annex",
            "--street1",
            "9 Dock St",
            "--city",
            "Gary",
            "--state",
            "IN",
            "--postal-code",
            "46402",
            "--phone",
            "219-555-0100",
            "--json",
        ],
    )
    .await;
    assert_eq!(second["isDefault"], false);
    json(&h, &["warehouse", "set-default", "Annex", "--json"]).await;
    let listed = json(&h, &["warehouse", "list", "--json"]).await;
    let defaults: Vec<(&str, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["name"].as_str().unwrap(), w["isDefault"].as_bool().unwrap()))
        .collect();
    assert_eq!(defaults, [("Annex", true), ("Chicago", false)]);

    let removed = json(&h, &["carrier", "remove", "UPS W4RF01", "--json"]).await;
    assert_eq!(removed["name"], "UPS W4RF01");
    assert_eq!(json(&h, &["carrier", "list", "--json"]).await, serde_json::json!([]));
    drop(ups);
}

on_both_backends!(
    rates_labels_and_their_outbox_rows,
    voids_manual_shipments_pickups_and_test_labels,
    lost_answers_are_found_not_bought_again,
    carrier_accounts_and_warehouses_from_the_command_line,
);

/// `wharf demo`: the UPS sandbox is a connected carrier account with a warehouse, and the demo's orders can be
/// rated and labelled straight away (the demo weighs the sandbox's SKUs, which Sears sends no weight for).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_ships_with_its_ups_sandbox() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let wharf = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"));
        c.arg("--data-dir").arg(dir.path()).env_remove("WHARF_DATABASE_URL").kill_on_drop(true);
        c
    };
    let mut demo = wharf()
        .args(["demo", "--port", "0", "--orders", "5", "--new-order-every", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let done = line.starts_with("Stop with Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    assert!(banner.iter().any(|l| l.contains("UPS sandbox:") && l.contains("'UPS sandbox'")), "{banner:?}");
    let carriers: Value =
        serde_json::from_slice(&wharf().args(["carrier", "list", "--json"]).output().await.unwrap().stdout).unwrap();
    assert_eq!(carriers[0]["name"], "UPS sandbox");

    // Wait for the import and the demo's weights (the demo weighs new SKUs every few seconds).
    let mut rated = None;
    for _ in 0..120 {
        let out = wharf().args(["orders", "rates", "5000101", "--json"]).output().await.unwrap();
        if out.status.success() {
            rated = Some(serde_json::from_slice::<Value>(&out.stdout).unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let rated = rated.expect("the demo's order 5000101 can be rated");
    assert!(rated["rates"].as_array().unwrap().iter().any(|r| r["recommended"] == true), "{rated}");
    let out = wharf().args(["orders", "buy-label", "5000101", "--json"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shipment: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shipment["state"], "active");
    assert!(shipment["packages"][0]["trackingNumber"].as_str().unwrap().starts_with("1ZW4RF01"));
    demo.start_kill().unwrap();
}
