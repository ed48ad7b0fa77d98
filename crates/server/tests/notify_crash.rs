//! A `wharf serve` process sending Sears updates is killed with SIGKILL at each Sears-update failpoint, then the
//! work runs again (the harness's own worker, once the dead process's job lease and the re-read delay have run
//! out): the Sears sandbox's own records (the feeds it received, its orders' line quantities and shipments) prove
//! that every package was reported exactly once and every line cancellation reached Sears once, and the orders end
//! Shipped in Wharf and Closed in Sears.
//!
//! * `asn.before_put`: the updates are marked sent but no feed left: the purchase orders, re-read, lack them, so
//!   they go (once).
//! * `asn.after_put`: Sears has the feed but Wharf never stored its document-id: the re-read finds the tracking
//!   numbers on the purchase orders, and nothing is sent again.
//! * `asn.after_report`: the processing report was read but its outcome not stored: the report is read again.
//! * `cancel.before_put`, `cancel.after_put`: the same for a seller's line cancellations.
//!
//! The `wharf` process reads the system clock, so the harness runs on real time too (moved forward after the kill).
//! The store's automatic import is switched off once the showcase is in, so that what Wharf shows afterwards comes
//! from the Sears worker's recovery alone, not from a later import re-reading Sears.
//!
//! Expected values come from the sandbox's SEED.md (T = the sandbox's Central date): SC-01 `5000101` (lines 1-3:
//! 2 blenders, 1 towel set, 3 bulb packs), SC-02 `5000102` (lines 1-2: 1 bear, 2 cards), SC-09 `0060180` (line 1:
//! 2 fans), SC-14 `5000114` (lines 1-2: 1 vacuum, 1 filter).

mod support;

use std::process::Stdio;

use jiff::SignedDuration;
use support::notify::{reported, validate};
use support::shipping::ups_clock;
use support::{Backend, Harness, Setup};
use tokio::io::{AsyncBufReadExt, BufReader};
use wharf_app::notify::NotifyConfig;
use wharf_app::notify::actions;
use wharf_app::notify::sears_updates::LineCancelPayload;
use wharf_app::shipping::packages::PackagePlan;
use wharf_app::shipping::{LabelPurchase, ManualShipment, buy_labels, mark_shipped};
use wharf_domain::outbox::{MessageKind, MessageState};
use wharf_domain::shipment::Shipment;
use wharf_domain::{MarketplaceUpdateState, Order, OrderStatus};
use wharf_sears_sandbox::{FeedKind, FeedOutcome, FeedRecord, OrderState};

const MARKER: &str = "WHARF FAILPOINT REACHED: ";

/// Past the dead process's job lease (10 minutes) and the re-read delay of a send whose outcome is unknown (5).
const AFTER_THE_LEASE: SignedDuration = SignedDuration::from_mins(11);

/// The showcase imported (with catalog weights) on real time; then the store's automatic import is switched off.
async fn crash_harness(backend: Backend) -> Harness {
    let mut h = Harness::with(backend, Setup { system_clock: true, ..Setup::default() }).await;
    h.weigh_showcase().await;
    // The harness's worker looks for Sears updates every second, so the store's Sears job is due again by the
    // time `wharf serve` starts.
    h.app = h
        .app
        .clone()
        .with_notify(NotifyConfig { sears_feed_interval: SignedDuration::from_secs(1), ..NotifyConfig::default() });
    h.drain_jobs().await;
    assert_eq!(h.orders().await.len(), 13, "the showcase orders of the import window");
    let mut store = h.store.clone();
    store.settings.auto_import = false;
    wharf_app::stores::save_store(&h.app, store).await.unwrap();
    h.reload_store().await;
    h
}

/// `wharf serve` with its Sears worker passing every second and asking for processing reports every second.
fn serve(h: &Harness) -> tokio::process::Command {
    let mut command = h.wharf();
    command
        .args(["serve", "--port", "0"])
        .env("WHARF_NOTIFY__SEARS_FEED_INTERVAL_SECS", "1")
        .env("WHARF_NOTIFY__REPORT_POLL_SECS", "1")
        .stdout(Stdio::null());
    command
}

/// Starts `wharf serve` with `failpoint` armed, waits until it says it reached it, and SIGKILLs it there.
async fn serve_killed_at(h: &Harness, failpoint: &str) {
    let mut child = serve(h).env("WHARF_FAILPOINT", failpoint).stderr(Stdio::piped()).spawn().expect("wharf starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(120), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{failpoint} is reached within 2 minutes: {seen:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("wharf exited before reaching {failpoint}: {seen:?}"));
        if let Some(reached) = line.strip_prefix(MARKER) {
            assert_eq!(reached, failpoint);
            break;
        }
        seen.push(line);
    }
    child.start_kill().expect("SIGKILL");
    assert!(!child.wait().await.unwrap().success(), "killed, not finished");
}

/// The harness's worker takes over once the dead process's lease has run out, until no Sears message waits.
async fn recover(h: &Harness) {
    h.advance(AFTER_THE_LEASE);
    h.settle_sears(20).await;
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

/// (line number, open, shipped, cancelled) of a line, as Sears has it.
type Line = (u32, u32, u32, u32);

/// Each line of a Sears order.
fn lines_of(state: &OrderState) -> Vec<Line> {
    state
        .order
        .lines
        .iter()
        .map(|l| (l.line_number, l.quantities.open, l.quantities.shipped, l.quantities.cancelled))
        .collect()
}

/// Every feed of `kind` the sandbox received (whatever its outcome); the accepted ones checked against the XSD.
fn feeds_checked(h: &Harness, kind: FeedKind) -> Vec<FeedRecord> {
    let xsd = match kind {
        FeedKind::Asn => "oms-import-v7-asn.xsd",
        FeedKind::OrderCancel => "oms-import-v1-order-cancel.xsd",
    };
    let feeds = h.feeds(kind);
    for feed in &feeds {
        assert_eq!(feed.outcome, FeedOutcome::Accepted, "{feed:?}");
        assert!(feed.records.iter().all(|r| r.errors.is_empty()), "no record rejected: {:?}", feed.records);
        validate(xsd, &feed.xml);
    }
    feeds
}

fn document_of(feed: &FeedRecord) -> String {
    feed.document_id.expect("accepted feeds have a document-id").to_string()
}

// --- shipment updates -----------------------------------------------------------------------------------

async fn shipment_updates_killed_at(backend: Backend, failpoint: &str) {
    let h = crash_harness(backend).await;
    let _ups = h.with_ups(ups_clock(true)).await;
    // Three orders, four packages, in one feed.
    let shipped = [
        ("5000101", buy(&h, "5000101", PackagePlan::Split(2)).await),
        ("5000102", buy(&h, "5000102", PackagePlan::Single).await),
        ("0060180", buy(&h, "0060180", PackagePlan::Single).await),
    ];
    assert_eq!(shipped.iter().map(|(_, s)| s.packages.len()).collect::<Vec<_>>(), [2, 1, 1]);

    serve_killed_at(&h, failpoint).await;

    // What the dead process left behind: every update marked sent (before its PUT), and in Sears...
    let mut orders: Vec<Order> = Vec::new();
    for (po, _) in &shipped {
        let order = h.order(po).await;
        let asn = h.message_of(&order, MessageKind::SearsShipment).await;
        assert_eq!((asn.state, asn.attempts), (MessageState::Sent, 1), "{po}: {asn:?}");
        orders.push(order);
    }
    let feeds = feeds_checked(&h, FeedKind::Asn);
    match failpoint {
        "asn.before_put" => {
            assert!(feeds.is_empty(), "no feed reached Sears");
            for order in &orders {
                assert_eq!(h.sandbox_order_of(order).order.status, "New");
            }
        }
        "asn.after_put" | "asn.after_report" => {
            assert_eq!(feeds.len(), 1);
            assert_eq!(feeds[0].xml.matches("<shipment>").count(), 3, "one feed of three orders");
            // In Process at the first poll, done at the second (the sandbox's default): the report was read.
            let polls = if failpoint == "asn.after_report" { 2 } else { 0 };
            assert_eq!(feeds[0].report_polls, polls);
            for order in &orders {
                assert_eq!(h.sandbox_order_of(order).order.status, "Closed", "Sears applied the feed");
                let asn = h.message_of(order, MessageKind::SearsShipment).await;
                let stored = (failpoint == "asn.after_report").then(|| document_of(&feeds[0]));
                assert_eq!(asn.external_id, stored, "the document-id is stored after the PUT, before the report");
            }
        }
        other => unreachable!("{other}"),
    }

    recover(&h).await;

    // The sandbox's own record: one feed in all, every package in it exactly once.
    let feeds = feeds_checked(&h, FeedKind::Asn);
    assert_eq!(feeds.len(), 1, "nothing was sent twice");
    let feed = &feeds[0];
    let document = document_of(feed);
    // The resent feed's report: In Process, then done. The lost document-id's: never asked for. The report read
    // by the dead process: read again.
    let polls = match failpoint {
        "asn.before_put" => 2,
        "asn.after_put" => 0,
        _ => 3,
    };
    assert_eq!(feed.report_polls, polls);
    for (po, shipment) in &shipped {
        let order = h.order(po).await;
        let sears = h.sandbox_order_of(&order);
        assert_eq!(sears.order.status, "Closed", "{po} closed in Sears");
        for tn in tracking(shipment) {
            assert_eq!(reported(&feeds, &tn), 1, "{po}: {tn} reported once");
            assert_eq!(sears.order.shipments.iter().filter(|s| s.tracking_number == tn).count(), 1, "{po}: {tn}");
        }
        assert_eq!(order.order_status, OrderStatus::Shipped);
        let asn = h.message_of(&order, MessageKind::SearsShipment).await;
        let update = &order.marketplace_update;
        assert_eq!(update.state, MarketplaceUpdateState::Accepted, "{po}: {:?}", update.message);
        let message = update.message.as_deref().unwrap();
        match failpoint {
            "asn.after_put" => {
                let numbers = tracking(shipment).join(", ");
                assert_eq!(
                    message,
                    format!(
                        "Sears has the shipment update (Sears shows tracking {numbers} on the purchase order; \
                         confirmed by re-reading the order)"
                    )
                );
                assert_eq!((asn.state, asn.attempts, asn.external_id), (MessageState::Delivered, 1, None));
            }
            _ => {
                assert_eq!(message, format!("Sears accepted the shipment update (document {document})"));
                // Sent again after the re-read only when the dead process never sent it.
                let attempts = if failpoint == "asn.before_put" { 2 } else { 1 };
                assert_eq!(
                    (asn.state, asn.attempts, asn.external_id.as_deref()),
                    (MessageState::Delivered, attempts, Some(document.as_str()))
                );
            }
        }
    }
    let expected_lines: [(&str, &[Line]); 3] = [
        ("5000101", &[(1, 0, 2, 0), (2, 0, 1, 0), (3, 0, 3, 0)]),
        ("5000102", &[(1, 0, 1, 0), (2, 0, 2, 0)]),
        ("0060180", &[(1, 0, 2, 0)]),
    ];
    for (po, lines) in expected_lines {
        assert_eq!(lines_of(&h.sandbox_order_of(&h.order(po).await)), lines, "{po}: every unit shipped once");
    }
    assert_eq!(h.sears_in_flight().await, 0);
}

async fn asn_killed_before_put(backend: Backend) {
    shipment_updates_killed_at(backend, "asn.before_put").await;
}

async fn asn_killed_after_put(backend: Backend) {
    shipment_updates_killed_at(backend, "asn.after_put").await;
}

async fn asn_killed_after_report(backend: Backend) {
    shipment_updates_killed_at(backend, "asn.after_report").await;
}

// --- line cancellations ---------------------------------------------------------------------------------

/// The Sears line statuses Wharf shows for one line: (status, quantity).
fn wharf_line(order: &Order, line: u32) -> Vec<(String, u32)> {
    let item = order.items.iter().find(|i| i.sears.as_ref().is_some_and(|s| s.line_number == line)).unwrap();
    item.sears.as_ref().unwrap().statuses.iter().map(|s| (s.status.clone(), s.quantity)).collect()
}

async fn line_cancellations_killed_at(backend: Backend, failpoint: &str) {
    let h = crash_harness(backend).await;
    // The seller cancels SC-14's filter (line 2) and SC-01's bulbs (line 3): one feed, two records.
    for (po, line) in [("5000114", 2), ("5000101", 3)] {
        let message = actions::cancel_line(&h.app, &h.order(po).await, line, "out-of-stock").await.unwrap();
        assert_eq!((message.kind, message.state), (MessageKind::SearsLineCancel, MessageState::Pending));
    }
    let sc14 = h.order("5000114").await;
    let sc01 = h.order("5000101").await;

    serve_killed_at(&h, failpoint).await;

    for (order, line) in [(&sc14, 2), (&sc01, 3)] {
        let cancel = h.message_of(order, MessageKind::SearsLineCancel).await;
        assert_eq!((cancel.state, cancel.attempts), (MessageState::Sent, 1), "{cancel:?}");
        let p: LineCancelPayload = serde_json::from_value(cancel.payload.clone()).unwrap();
        assert_eq!((p.line_number, p.reason.as_str()), (line, "OUT-OF-STOCK"));
        assert!(p.sent.is_some_and(|s| s.document_id.is_none()), "marked sent before the PUT");
    }
    let feeds = feeds_checked(&h, FeedKind::OrderCancel);
    match failpoint {
        "cancel.before_put" => {
            assert!(feeds.is_empty(), "no feed reached Sears");
            assert_eq!(lines_of(&h.sandbox_order_of(&sc14)), [(1, 1, 0, 0), (2, 1, 0, 0)]);
        }
        "cancel.after_put" => {
            assert_eq!(feeds.len(), 1);
            assert_eq!(lines_of(&h.sandbox_order_of(&sc14)), [(1, 1, 0, 0), (2, 0, 0, 1)], "Sears applied it");
        }
        other => unreachable!("{other}"),
    }

    recover(&h).await;

    // Once in Sears: one feed, each order's line in it once.
    let feeds = feeds_checked(&h, FeedKind::OrderCancel);
    assert_eq!(feeds.len(), 1, "the cancellation reached Sears once");
    let feed = &feeds[0];
    let document = document_of(feed);
    assert_eq!(feed.xml.matches("<order-cancel>").count(), 2);
    assert_eq!(feed.xml.matches("<po-number>5000114</po-number>").count(), 1);
    assert_eq!(feed.xml.matches("<po-number>5000101</po-number>").count(), 1);
    assert_eq!(feed.xml.matches("<cancel-reason>OUT-OF-STOCK</cancel-reason>").count(), 2);
    assert_eq!(lines_of(&h.sandbox_order_of(&sc14)), [(1, 1, 0, 0), (2, 0, 0, 1)]);
    assert_eq!(lines_of(&h.sandbox_order_of(&sc01)), [(1, 2, 0, 0), (2, 1, 0, 0), (3, 0, 0, 3)]);

    // Wharf shows the lines cancelled (read back from Sears), and says how it knows.
    for (po, line, units) in [("5000114", 2, 1), ("5000101", 3, 3)] {
        let order = h.order(po).await;
        let cancel = h.message_of(&order, MessageKind::SearsLineCancel).await;
        assert_eq!(cancel.state, MessageState::Delivered, "{cancel:?}");
        let notice = &order.notice(&format!("line_cancel:{line}")).unwrap().message;
        let expected = match failpoint {
            "cancel.after_put" => format!("Line {line} cancelled in Sears (Sears shows line {line} cancelled)"),
            _ => format!("Line {line} cancelled in Sears (OUT-OF-STOCK, document {document})"),
        };
        assert_eq!(notice, &expected);
        assert_eq!(wharf_line(&order, line), [("CANCELLED".to_owned(), units)], "{po} line {line} in Wharf");
        assert_eq!(order.order_status, OrderStatus::AwaitingShipment, "{po}: the other lines still ship");
    }

    // The rest ships: the updates carry the open lines only, and Sears closes both orders.
    for (po, tn) in [("5000114", "748900001114"), ("5000101", "748900001101")] {
        let manual = ManualShipment {
            carrier: "fedex".into(),
            service: "fedex_ground".into(),
            tracking: tn.into(),
            ship_date: None,
        };
        mark_shipped(&h.app, &h.account, &h.order(po).await.order_id, &manual).await.unwrap();
    }
    h.settle_sears(10).await;
    let asns = feeds_checked(&h, FeedKind::Asn);
    assert_eq!(asns.len(), 1);
    assert_eq!(reported(&asns, "748900001114"), 1);
    assert_eq!(reported(&asns, "748900001101"), 1);
    assert_eq!(lines_of(&h.sandbox_order_of(&sc14)), [(1, 0, 1, 0), (2, 0, 0, 1)]);
    assert_eq!(lines_of(&h.sandbox_order_of(&sc01)), [(1, 0, 2, 0), (2, 0, 1, 0), (3, 0, 0, 3)]);
    for order in [&sc14, &sc01] {
        assert_eq!(h.sandbox_order_of(order).order.status, "Closed");
        let order = h.order(&order.order_number).await;
        assert_eq!(order.order_status, OrderStatus::Shipped);
        assert_eq!(order.marketplace_update.state, MarketplaceUpdateState::Accepted, "{:?}", order.marketplace_update);
    }
    assert_eq!(feeds_checked(&h, FeedKind::OrderCancel).len(), 1, "still one cancellation");
}

async fn cancel_killed_before_put(backend: Backend) {
    line_cancellations_killed_at(backend, "cancel.before_put").await;
}

async fn cancel_killed_after_put(backend: Backend) {
    line_cancellations_killed_at(backend, "cancel.after_put").await;
}

on_both_backends!(
    asn_killed_before_put,
    asn_killed_after_put,
    asn_killed_after_report,
    cancel_killed_before_put,
    cancel_killed_after_put,
);
