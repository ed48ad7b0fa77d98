//! Telling Sears, end to end on both backends: labels bought from the UPS sandbox, ASN feeds received by the
//! Sears sandbox (each checked with xmllint against `oms-import-v7-asn.xsd`), processing reports polled until
//! processed, orders Closed in Sears and Shipped in Wharf, every package reported exactly once (by the
//! sandbox's own record of the feeds it received), rejections shown with Sears's reason; faults (a timeout
//! after Sears applied the feed, an outage page, rate limiting); the 42-character SKU; a confirmed short
//! shipment, line cancellation, a customer cancellation before shipping and return requests.
//!
//! Expected values come from the sandbox's SEED.md (T = 2024-05-03): SC-01 `5000101` (3 lines), SC-02
//! `5000102`, SC-05a `5000105`, SC-08 `5000108` (a 46-character SKU), SC-09 `0060180`, SC-11 `5000111` (a
//! return request), SC-14 `5000114` (2 lines), SC-15 `5000115` (a cancellation request on line 1).

mod support;

use std::process::Output;

use jiff::SignedDuration;
use serde_json::Value;
use support::shipping::{Ups, ups_clock};
use support::{Backend, Harness, Setup};
use wharf_app::notify::actions::{self, RetryKind};
use wharf_app::shipping::packages::PackagePlan;
use wharf_app::shipping::{LabelPurchase, buy_labels};
use wharf_domain::outbox::{MessageKind, MessageState};
use wharf_domain::shipment::{PackageLine, Shipment, ShipmentKind, ShipmentPackage, ShipmentState};
use wharf_domain::{BatchId, ShipmentId};
use wharf_domain::{MarketplaceUpdateState, Order, OrderStatus};
use wharf_sears_sandbox::{
    CustomerCancel, FaultKind, FaultSpec, FeedKind, FeedOutcome, NewReturnRequest, OrderRef, PortalShip,
};
use wharf_storage::batches::OrderResult;
use wharf_storage::shipping::ShipmentWrite;

use crate::support::notify::{reported, validate};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(h: &Harness, args: &[&str]) -> Output {
    h.wharf().args(args).output().await.expect("wharf runs")
}

async fn ok(h: &Harness, args: &[&str]) -> String {
    let out = run(h, args).await;
    assert!(out.status.success(), "wharf {args:?} failed: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

async fn json(h: &Harness, args: &[&str]) -> Value {
    serde_json::from_str(&ok(h, args).await).unwrap_or_else(|e| panic!("wharf {args:?} printed no JSON ({e})"))
}

/// The showcase imported (with catalog weights), the UPS sandbox connected, the installation's jobs queued.
async fn notify_harness(backend: Backend) -> (Harness, Ups) {
    let h = Harness::start(backend).await;
    h.weigh_showcase().await;
    wharf_app::notify::schedule_installation_jobs(&h.app).await.unwrap();
    h.drain_jobs().await;
    let ups = h.with_ups(ups_clock(false)).await;
    (h, ups)
}

async fn buy(h: &Harness, po: &str, packages: PackagePlan) -> Shipment {
    let order = h.order(po).await;
    let request = LabelPurchase { packages, ..LabelPurchase::default() };
    buy_labels(&h.app, &h.account, &order.order_id, &request)
        .await
        .unwrap_or_else(|e| panic!("labels of {po} are bought: {e}"))
}

fn tracking(shipment: &Shipment) -> Vec<String> {
    shipment.tracking_numbers().map(str::to_owned).collect()
}

/// Every ASN feed the sandbox accepted, checked against the XSD.
fn accepted_asns(h: &Harness) -> Vec<wharf_sears_sandbox::FeedRecord> {
    let feeds: Vec<_> = h.feeds(FeedKind::Asn).into_iter().filter(|f| f.outcome == FeedOutcome::Accepted).collect();
    for feed in &feeds {
        validate("oms-import-v7-asn.xsd", &feed.xml);
    }
    feeds
}

async fn update(h: &Harness, po: &str) -> (MarketplaceUpdateState, String) {
    let order = h.order(po).await;
    (order.marketplace_update.state, order.marketplace_update.message.unwrap_or_default())
}

async fn shipment_updates_reach_sears_once_and_settle(backend: Backend) {
    let (h, _ups) = notify_harness(backend).await;
    let sc01 = buy(&h, "5000101", PackagePlan::Split(2)).await;
    let sc02 = buy(&h, "5000102", PackagePlan::Single).await;
    let sc09 = buy(&h, "0060180", PackagePlan::Single).await;
    let sc14 = buy(&h, "5000114", PackagePlan::Split(2)).await;
    buy(&h, "5000105", PackagePlan::Single).await;
    buy(&h, "5000108", PackagePlan::Single).await;
    assert_eq!(sc01.packages.len(), 2);

    // Meanwhile the seller marked SC-05a shipped by hand in the Seller Portal: Sears will reject Wharf's record.
    let sc05 = h.order("5000105").await;
    h.sandbox
        .control()
        .portal_ship(
            &OrderRef::new("5000105", sc05.sears.as_ref().unwrap().po_date),
            PortalShip { tracking_number: Some("PORTAL-1".into()), carrier: None, method: None },
        )
        .unwrap();

    // Decision 5: nothing is sent for SC-08, and the order says why.
    let (state, message) = update(&h, "5000108").await;
    assert_eq!(state, MarketplaceUpdateState::NeedsManualAction);
    assert_eq!(
        message,
        "SKU is 46 characters; Sears shipment updates need fewer than 42 — update this order manually in the Sears \
         Seller Portal"
    );

    h.settle_sears(10).await;

    // One feed carried the five orders; Sears processed it after being polled.
    let feeds = accepted_asns(&h);
    assert_eq!(feeds.len(), 1, "many orders per feed");
    let feed = &feeds[0];
    assert_eq!(feed.xml.matches("<shipment>").count(), 5);
    assert!(feed.report_polls >= 2, "In Process first, then the report");
    assert!(!feed.xml.contains("5000108"), "no update for the 46-character SKU");
    let rejected: Vec<_> = feed.records.iter().filter(|r| !r.errors.is_empty()).collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].errors,
        ["line 1: quantity already shipped (1 of 1 shipped); a shipped quantity cannot be shipped again"]
    );

    // Every package reported exactly once, Sears closed the orders and shows each tracking number once.
    for (po, shipment) in [("5000101", &sc01), ("5000102", &sc02), ("0060180", &sc09), ("5000114", &sc14)] {
        let order = h.order(po).await;
        let sears = h.sandbox_order_of(&order);
        assert_eq!(sears.order.status, "Closed", "{po} closed in Sears");
        for tn in tracking(shipment) {
            assert_eq!(reported(&feeds, &tn), 1, "{po}: {tn} reported once");
            assert_eq!(sears.order.shipments.iter().filter(|s| s.tracking_number == tn).count(), 1);
        }
        assert_eq!(order.order_status, OrderStatus::Shipped);
        let (state, message) = update(&h, po).await;
        assert_eq!(state, MarketplaceUpdateState::Accepted, "{po}: {message}");
        let document = feed.document_id.unwrap().to_string();
        assert_eq!(message, format!("Sears accepted the shipment update (document {document})"));
        let asn = h.message_of(&order, MessageKind::SearsShipment).await;
        assert_eq!((asn.state, asn.external_id.as_deref()), (MessageState::Delivered, Some(document.as_str())));
    }
    // SC-01's two packages: line 1 (2 units) dealt out first.
    let sc01_sears = h.sandbox_order("5000101", "2024-05-02");
    assert!(sc01_sears.order.lines.iter().all(|l| l.quantities.open == 0 && l.quantities.cancelled == 0));

    // The rejected record: Sears's words on the order and the message.
    let (state, message) = update(&h, "5000105").await;
    assert_eq!(state, MarketplaceUpdateState::Rejected);
    let reason = "line 1: quantity already shipped (1 of 1 shipped); a shipped quantity cannot be shipped again";
    assert_eq!(
        message,
        format!("Sears rejected the shipment update (document {}): {reason}", feed.document_id.unwrap())
    );
    let rejected = h.message_of(&h.order("5000105").await, MessageKind::SearsShipment).await;
    assert_eq!(rejected.state, MessageState::Failed);
    let shown = json(&h, &["orders", "show", "5000105", "--json"]).await;
    assert_eq!(shown["marketplaceUpdate"]["state"], "rejected");
    assert_eq!(shown["notifications"][0]["state"], "failed");
    assert!(shown["notifications"][0]["lastError"].as_str().unwrap().contains(reason));

    // SC-08 stays untouched in Sears.
    assert_eq!(h.sandbox_order("5000108", "2024-05-02").order.status, "New");

    // Both need the seller: `wharf status` says so.
    let status = json(&h, &["status", "--json"]).await;
    let titles: Vec<&str> = status["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["key"].as_str().unwrap().starts_with("sears_update:"))
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 2);
    assert!(titles.contains(&"Sears update rejected") && titles.contains(&"Sears update needs manual action"));

    // Reconciliation: the next import reads Sears's own status back and shows it beside Wharf's.
    h.advance(SignedDuration::from_mins(6));
    h.drain_jobs().await;
    assert_eq!(h.order("5000101").await.sears.unwrap().status, "Closed");
    let show = ok(&h, &["orders", "show", "5000101"]).await;
    assert!(show.contains("Wharf: shipped   Sears: \"Closed\""), "{show}");
    assert!(show.contains("Sears update    Accepted"), "{show}");

    // Retried after that import, which showed Sears has the unit shipped (by hand): Wharf sends nothing and says
    // why. (Through the app: a `wharf` process reads the real clock, the harness a fixed one.)
    let retried = actions::retry_notifications(&h.app, &h.order("5000105").await, RetryKind::AllFailed).await.unwrap();
    let retried: Vec<_> = retried.iter().map(|m| (m.kind, m.state, m.external_id.clone())).collect();
    assert_eq!(retried, [(MessageKind::SearsShipment, MessageState::Pending, None)]);
    h.settle_sears(5).await;
    assert_eq!(accepted_asns(&h).len(), 1, "nothing more was sent");
    let (state, message) = update(&h, "5000105").await;
    assert_eq!(state, MarketplaceUpdateState::Rejected);
    assert_eq!(
        message,
        "not sent: Sears shows every packaged unit of order 5000105 as shipped or cancelled already (updated in the \
         Seller Portal?); there is nothing left to report"
    );
}

/// The store's Sears worker runs every minute: its next pass.
async fn next_pass(h: &Harness) {
    h.advance(SignedDuration::from_secs(61));
    h.drain_jobs().await;
}

fn asn_fault(kind: FaultKind) -> FaultSpec {
    FaultSpec { method: Some("PUT".into()), path_contains: Some("/asn/".into()), ..FaultSpec::next_calls(kind, 1) }
}

async fn faults_never_report_a_package_twice(backend: Backend) {
    let (h, _ups) = notify_harness(backend).await;

    // A timeout after Sears applied the feed: the outcome is unknown, so Wharf re-reads the PO and finds it.
    let sc01 = buy(&h, "5000101", PackagePlan::Split(2)).await;
    h.sandbox.control().add_fault(asn_fault(FaultKind::TimeoutAfterApply { hold_millis: Some(200) }));
    next_pass(&h).await;
    let sc01_order = h.order("5000101").await;
    let asn = h.message_of(&sc01_order, MessageKind::SearsShipment).await;
    assert_eq!((asn.state, asn.external_id.as_deref()), (MessageState::Sent, None), "no document-id came back");
    assert!(asn.last_error.as_deref().unwrap().contains("Sears may have applied it"), "{:?}", asn.last_error);
    assert_eq!(h.sandbox_order("5000101", "2024-05-02").order.status, "Closed", "Sears applied it");
    h.settle_sears(10).await;
    let (state, message) = update(&h, "5000101").await;
    assert_eq!(state, MarketplaceUpdateState::Accepted);
    let numbers = tracking(&sc01).join(", ");
    assert_eq!(
        message,
        format!(
            "Sears has the shipment update (Sears shows tracking {numbers} on the purchase order; confirmed by \
             re-reading the order)"
        )
    );

    // An outage page for the PUT: nothing was applied; the re-read says so and the update goes again, once.
    let sc02 = buy(&h, "5000102", PackagePlan::Single).await;
    h.sandbox.control().add_fault(asn_fault(FaultKind::Html500));
    h.settle_sears(10).await;
    assert_eq!(update(&h, "5000102").await.0, MarketplaceUpdateState::Accepted);
    assert_eq!(h.sandbox_order("5000102", "2024-05-02").order.status, "Closed");

    // Rate limited: nothing was applied; every store waits out Sears's 15 minutes, then it goes.
    let sc09 = buy(&h, "0060180", PackagePlan::Single).await;
    h.sandbox.control().add_fault(asn_fault(FaultKind::RateLimit));
    next_pass(&h).await;
    let waiting = h.message_of(&h.order("0060180").await, MessageKind::SearsShipment).await;
    assert_eq!(waiting.state, MessageState::Pending, "{:?}", waiting.last_error);
    assert!(waiting.next_attempt_at >= h.app.now() + SignedDuration::from_mins(14), "{waiting:?}");
    let (state, message) = update(&h, "0060180").await;
    assert_eq!(state, MarketplaceUpdateState::Pending);
    assert!(message.starts_with("waiting to send again at"), "{message}");
    h.settle_sears(20).await;
    assert_eq!(update(&h, "0060180").await.0, MarketplaceUpdateState::Accepted);

    // The sandbox's own record: every package of the three orders reported exactly once.
    let feeds = accepted_asns(&h);
    for shipment in [&sc01, &sc02, &sc09] {
        for tn in tracking(shipment) {
            assert_eq!(reported(&feeds, &tn), 1, "{tn} reported once");
        }
    }
    // The timed-out feed (applied), the one sent after the outage page, the one sent after the back-off.
    assert_eq!(feeds.len(), 3);
}

/// An active UPS shipment of `order` holding these (line, quantity) in one package, written through the
/// shipping area's storage (the seller bought the label elsewhere and left lines out).
async fn short_shipment(h: &Harness, order: &Order, lines: &[(&str, u32)], tracking: &str) -> Shipment {
    let now = h.app.now();
    let shipment = Shipment {
        shipment_id: ShipmentId::from_uuid(h.app.new_uuid()),
        account_id: order.account_id.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind: ShipmentKind::Manual,
        state: ShipmentState::Active,
        carrier_code: "ups".into(),
        service_code: "ups_ground".into(),
        package_code: None,
        sears_carrier: Some("UPS".into()),
        sears_method: Some("Ground".into()),
        carrier_account_id: None,
        warehouse_id: None,
        batch_id: None,
        reference: format!("WHTEST-{}", order.order_number),
        carrier_shipment_id: None,
        ship_date: wharf_domain::sears_time::central_date(now),
        confirmation: Default::default(),
        packages: vec![ShipmentPackage {
            sequence: 1,
            tracking_number: Some(tracking.into()),
            weight: None,
            dimensions: None,
            lines: lines
                .iter()
                .map(|(key, quantity)| {
                    let sku = order.items.iter().find(|i| i.line_item_key == *key).unwrap().sku.clone();
                    PackageLine { line_item_key: (*key).into(), sku, quantity: *quantity }
                })
                .collect(),
            label: None,
        }],
        carrier_fee: None,
        insurance_cost: None,
        notes_to_buyer: None,
        test_label: false,
        error: None,
        create_date: now,
        modify_date: now,
        voided_at: None,
        tracking: Default::default(),
    };
    let write =
        ShipmentWrite { shipment: shipment.clone(), expected: None, order: None, outbox: vec![], withdraw: vec![] };
    h.app.store.write_shipment(&write).await.unwrap();
    shipment
}

fn lines_of(state: &wharf_sears_sandbox::OrderState) -> Vec<(u32, u32, u32, u32)> {
    state
        .order
        .lines
        .iter()
        .map(|l| (l.line_number, l.quantities.open, l.quantities.shipped, l.quantities.cancelled))
        .collect()
}

/// Imports again (the store's next scheduled import) and runs whatever else is due.
async fn next_import(h: &Harness) {
    h.advance(SignedDuration::from_mins(6));
    h.drain_jobs().await;
}

async fn short_shipments_line_cancellations_and_customer_requests(backend: Backend) {
    // Real time: the `wharf` commands below (which read the system clock) queue what the harness sends.
    let h = Harness::with(backend, Setup { system_clock: true, ..Setup::default() }).await;
    h.weigh_showcase().await;
    wharf_app::notify::schedule_installation_jobs(&h.app).await.unwrap();
    h.drain_jobs().await;

    // A confirmed short shipment: SC-01's package holds 1 of the 2 blenders (line 1), the towels (line 2), and
    // no bulbs (line 3).
    let sc01 = h.order("5000101").await;
    short_shipment(&h, &sc01, &[("1", 1), ("2", 1)], "1ZSHORT0000000001").await;
    let warned = ok(&h, &["orders", "ship-short", "5000101"]).await;
    assert!(
        warned.contains(
            "the packages leave out line 1 (SKU KTCH-BLND-600W-BLK): 1 of 2 units not in a package; line 3 (SKU \
             LED-A19-60W-4PK): 3 of 3 units not in a package"
        ),
        "{warned}"
    );
    assert!(warned.contains("it CANCELS the units left out of each line the update ships"), "{warned}");
    assert!(
        warned.contains("Nothing was sent. To send it anyway: wharf orders ship-short 5000101 --confirm"),
        "{warned}"
    );
    assert!(h.messages(&sc01).await.is_empty(), "a warning changes nothing");
    let confirmed = ok(&h, &["orders", "ship-short", "5000101", "--confirm"]).await;
    assert!(confirmed.contains("Confirmed: the Sears shipment update of order 5000101 is queued."), "{confirmed}");
    h.settle_sears(10).await;
    let asns = accepted_asns(&h);
    assert_eq!(asns.len(), 1);
    assert!(!asns[0].xml.contains("<line-number>3</line-number>"), "line 3 is not reported");
    // Sears cancelled the second blender; line 3, not mentioned, stays open (the sandbox's reading of SPEC §16).
    let sears = h.sandbox_order_of(&sc01);
    assert_eq!(lines_of(&sears), [(1, 0, 1, 1), (2, 0, 1, 0), (3, 3, 0, 0)]);
    let sc01 = h.order("5000101").await;
    assert_eq!(
        (sc01.order_status, sc01.marketplace_update.state),
        (OrderStatus::Shipped, MarketplaceUpdateState::Accepted)
    );
    assert!(
        sc01.notice("short_shipment_confirmed")
            .unwrap()
            .message
            .starts_with("Short shipment confirmed: Sears cancels line 1")
    );
    // The seller cancels line 3 too: Sears closes the order.
    ok(&h, &["orders", "cancel-line", "5000101", "--line", "3", "--reason", "OUT-OF-STOCK"]).await;
    h.settle_sears(10).await;
    assert_eq!(lines_of(&h.sandbox_order_of(&sc01)), [(1, 0, 1, 1), (2, 0, 1, 0), (3, 0, 0, 3)]);
    assert_eq!(h.sandbox_order_of(&sc01).order.status, "Closed");
    assert_eq!(h.order("5000101").await.order_status, OrderStatus::Shipped, "what shipped stays shipped");
    let again = run(&h, &["orders", "ship-short", "5000101", "--confirm"]).await;
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("was already sent; Sears has no un-ship"), "{}", text(&again.stderr));

    // Line cancellation: SC-14's line 2 is out of stock.
    let refused = run(&h, &["orders", "cancel-line", "5000114", "--line", "2", "--reason", "NO-REASON"]).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains(
            "'NO-REASON' is not a Sears cancel reason; use one of DISCONTINUED-ITEM, OUT-OF-STOCK, \
             CUSTOMER-CHANGED-THEIR-MIND, WRONG-ITEM-WAS-ORDERED, LEAD-TIME-IS-TOO-LONG, ITEM-FOUND-SOMEWHERE-ELSE, \
             INVALID-METHOD-SHIPMENT, INVALID-ITEM-SKU, OTHER"
        ),
        "{}",
        text(&refused.stderr)
    );
    let missing = run(&h, &["orders", "cancel-line", "5000114", "--line", "9", "--reason", "OUT-OF-STOCK"]).await;
    assert!(text(&missing.stderr).contains("has no line 9; its lines are 1 (VAC-UPRIGHT-BGL), 2 (VAC-FILTER-HEPA)"));
    ok(&h, &["orders", "cancel-line", "5000114", "--line", "2", "--reason", "out-of-stock"]).await;
    h.settle_sears(10).await;
    let cancels: Vec<_> =
        h.feeds(FeedKind::OrderCancel).into_iter().filter(|f| f.outcome == FeedOutcome::Accepted).collect();
    assert_eq!(cancels.len(), 2, "SC-01's line 3, then SC-14's line 2");
    for feed in &cancels {
        validate("oms-import-v1-order-cancel.xsd", &feed.xml);
    }
    assert!(cancels[1].xml.contains("<po-number>5000114</po-number>"));
    assert!(cancels[1].xml.contains("<cancel-reason>OUT-OF-STOCK</cancel-reason>"));
    let sc14 = h.order("5000114").await;
    assert_eq!(lines_of(&h.sandbox_order_of(&sc14)), [(1, 1, 0, 0), (2, 0, 0, 1)]);
    assert_eq!(
        sc14.notice("line_cancel:2").unwrap().message,
        format!("Line 2 cancelled in Sears (OUT-OF-STOCK, document {})", cancels[1].document_id.unwrap())
    );
    assert_eq!(sc14.order_status, OrderStatus::AwaitingShipment, "line 1 still ships");
    let line2 = &sc14.items[1].sears.as_ref().unwrap().statuses;
    assert_eq!(line2.iter().map(|s| (s.status.as_str(), s.quantity)).collect::<Vec<_>>(), [("CANCELLED", 1)]);
    // The rest ships: the update carries line 1 only, and Sears closes the order.
    ok(
        &h,
        &[
            "orders",
            "mark-shipped",
            "5000114",
            "--carrier",
            "fedex",
            "--service",
            "fedex_ground",
            "--tracking",
            "748900001114",
        ],
    )
    .await;
    h.settle_sears(10).await;
    assert_eq!(lines_of(&h.sandbox_order_of(&sc14)), [(1, 0, 1, 0), (2, 0, 0, 1)]);
    assert_eq!(h.sandbox_order_of(&sc14).order.status, "Closed");
    assert_eq!(update(&h, "5000114").await.0, MarketplaceUpdateState::Accepted);

    // A customer cancellation before shipping: SC-15 arrived with a request on line 1; the customer asks for
    // line 2 too. The order waits in an open batch.
    let sc15 = h.order("5000115").await;
    let cancel_requests = |o: &Order| -> Vec<(u32, String)> {
        o.sears.as_ref().unwrap().cancellation_requests.iter().map(|r| (r.line_number, r.status.clone())).collect()
    };
    assert_eq!(cancel_requests(&sc15), [(1, "INITIAL".to_owned())]);
    let po_date = sc15.sears.as_ref().unwrap().po_date;
    h.sandbox
        .control()
        .customer_cancel(
            &OrderRef::new("5000115", po_date),
            CustomerCancel { line_number: Some(2), reason: None, comments: Some("Not needed any more".into()) },
        )
        .unwrap();
    next_import(&h).await;
    let sc15 = h.order("5000115").await;
    assert_eq!(cancel_requests(&sc15), [(1, "INITIAL".to_owned()), (2, "INITIAL".to_owned())]);
    let notice = &sc15.notice("customer_cancellation_request").unwrap().message;
    assert!(notice.starts_with("The customer asked to cancel: line 1 x1 (CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT, request 700001"), "{notice}");
    assert!(notice.contains("\"Found it cheaper elsewhere, please cancel.\""), "{notice}");
    let status = json(&h, &["status", "--json"]).await;
    let waiting =
        status["alerts"].as_array().unwrap().iter().filter(|a| a["title"] == "Cancellation request waiting").count();
    assert_eq!(waiting, 2);
    let batch = json(&h, &["batch", "create", "--order", "5000115", "--json"]).await;
    let batch_id: BatchId = batch["id"].as_str().unwrap().parse().unwrap();
    for line in ["1", "2"] {
        ok(&h, &["orders", "cancel-line", "5000115", "--line", line, "--reason", "CUSTOMER-CHANGED-THEIR-MIND"]).await;
    }
    h.settle_sears(10).await;
    let cancels: Vec<_> =
        h.feeds(FeedKind::OrderCancel).into_iter().filter(|f| f.outcome == FeedOutcome::Accepted).collect();
    assert_eq!(cancels.len(), 3);
    validate("oms-import-v1-order-cancel.xsd", &cancels[2].xml);
    assert_eq!(cancels[2].xml.matches("<order-cancel>").count(), 1, "both lines in one record");
    assert_eq!(lines_of(&h.sandbox_order_of(&sc15)), [(1, 0, 0, 1), (2, 0, 0, 1)]);
    let sc15 = h.order("5000115").await;
    assert_eq!(sc15.order_status, OrderStatus::Cancelled, "cancelled in Sears before Wharf shipped it");
    assert_eq!(
        sc15.notice("cancelled_in_sears").unwrap().message,
        "Every line was cancelled in Sears before Wharf shipped the order; it is cancelled in Wharf too."
    );
    let rows = h.app.store.batch_orders(&h.account, &batch_id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].result, OrderResult::Removed);
    assert_eq!(rows[0].outcome.removed_reason.as_deref(), Some("the order was cancelled in Sears before it shipped"));
    // Sears approved the requests; the next import shows it and the warning goes.
    next_import(&h).await;
    let sc15 = h.order("5000115").await;
    assert_eq!(cancel_requests(&sc15), [(1, "SELLER_APPROVED".to_owned()), (2, "SELLER_APPROVED".to_owned())]);
    assert!(sc15.notice("customer_cancellation_request").is_none());
    assert_eq!(sc15.order_status, OrderStatus::Cancelled, "Sears's Closed does not make it shipped");

    // Return requests: SC-11's (seeded) and a new one on SC-01, shown on the orders and in `wharf status`.
    h.sandbox
        .control()
        .return_request(
            &OrderRef::new("5000101", sc01.sears.as_ref().unwrap().po_date),
            NewReturnRequest {
                line_number: 1,
                quantity: 1,
                reason: Some("DAMAGED-IN-SHIPMENT".into()),
                comments: Some("Box was crushed".into()),
            },
        )
        .unwrap();
    next_import(&h).await;
    let sc01 = h.order("5000101").await;
    let returns = &sc01.sears.as_ref().unwrap().return_requests;
    assert_eq!(
        returns.iter().map(|r| (r.line_number, r.quantity, r.reason.as_str())).collect::<Vec<_>>(),
        [(1, 1, "DAMAGED-IN-SHIPMENT")]
    );
    let notice = &sc01.notice("customer_return_request").unwrap().message;
    assert!(notice.contains("\"Box was crushed\""), "{notice}");
    assert!(notice.ends_with("Sears escalates a return request after 2 business days."), "{notice}");
    let sc11 = h.order("5000111").await;
    let r = &sc11.sears.as_ref().unwrap().return_requests[0];
    assert_eq!(
        (r.request_id.as_str(), r.line_number, r.quantity, r.status.as_str(), r.reason.as_str()),
        ("9886555001", 1, 1, "PENDING_RETURN", "DEFECTIVE-PRODUCT")
    );
    let show = ok(&h, &["orders", "show", "5000111"]).await;
    assert!(show.contains("PENDING_RETURN (DEFECTIVE-PRODUCT"), "{show}");
    assert!(show.contains(": \"One cable does not work.\""), "{show}");
    let status = json(&h, &["status", "--json"]).await;
    let returns: Vec<&str> = status["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["title"] == "Return request waiting")
        .map(|a| a["detail"].as_str().unwrap())
        .collect();
    assert_eq!(returns.len(), 2, "{returns:?}");
    assert!(
        returns.iter().any(|d| d.starts_with("PO 5000111: return of 1 x line 1 (DEFECTIVE-PRODUCT)")),
        "{returns:?}"
    );
}

on_both_backends!(
    shipment_updates_reach_sears_once_and_settle,
    faults_never_report_a_package_twice,
    short_shipments_line_cancellations_and_customer_requests,
);
