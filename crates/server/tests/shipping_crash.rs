//! A `wharf orders buy-label` process killed with SIGKILL at each label failpoint, then run again, ends with
//! the order's labels bought exactly once: the UPS sandbox's own records (labels per reference) prove it.
//!
//! The restarted process finds the purchase recorded as `Purchasing` (except after `label.after_record`), waits
//! for the dead process's lease to run out (carrier timeout 2 s here, so about 9 s), then looks the shipment up
//! by its reference before it would ever buy: after `label.before_carrier_call` nothing is found (twice) and the
//! label is bought; after `label.after_carrier_call` the shipment is found and recorded, not bought again.

mod support;

use std::process::Stdio;

use serde_json::Value;
use support::shipping::{Ups, ups_clock};
use support::{Backend, Harness, Setup};
use tokio::io::{AsyncBufReadExt, BufReader};
use wharf_domain::OrderStatus;
use wharf_domain::shipment::ShipmentState;

const MARKER: &str = "WHARF FAILPOINT REACHED: ";

fn buy_label(h: &Harness, po_number: &str) -> tokio::process::Command {
    let mut command = h.wharf();
    command
        .args(["orders", "buy-label", po_number, "--service", "ups_ground", "--json"])
        // Short carrier calls, so a dead process's purchase lease runs out in seconds.
        .env("WHARF_CARRIERS__TIMEOUT_SECS", "2");
    command
}

/// Buys with a failpoint armed, waits until the process reports reaching it, and SIGKILLs it there.
async fn buy_killed_at(h: &Harness, po_number: &str, failpoint: &str) {
    let mut child = buy_label(h, po_number)
        .env("WHARF_FAILPOINT", failpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wharf starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("the failpoint is reached")
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

/// Runs the purchase again, to the end, and returns the shipment it printed.
async fn buy_again(h: &Harness, po_number: &str) -> Value {
    let out = buy_label(h, po_number).output().await.unwrap();
    assert!(out.status.success(), "the restarted purchase finishes: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn labels_under(ups: &Ups, reference: &str) -> (u32, u32, u32) {
    let counts = ups.sandbox.control().labels_by_reference();
    counts.get(reference).map_or((0, 0, 0), |c| (c.shipments, c.labels, c.voided_labels))
}

async fn killed_purchases_restart_without_buying_twice(backend: Backend) {
    let h = Harness::with(backend, Setup { system_clock: true, ..Setup::default() }).await;
    h.weigh_showcase().await;
    h.drain_jobs().await;
    let ups = h.with_ups(ups_clock(true)).await;

    // Killed before the carrier was called: nothing was bought; the restart finds nothing and buys once.
    buy_killed_at(&h, "5000101", "label.before_carrier_call").await;
    let sc01 = h.order("5000101").await;
    let reference = format!("WH{}-1", sc01.order_key);
    assert_eq!(labels_under(&ups, &reference), (0, 0, 0));
    let stuck = wharf_app::shipping::live_shipment(&h.app, &h.account, &sc01.order_id).await.unwrap().unwrap();
    assert_eq!((stuck.state, stuck.reference.as_str()), (ShipmentState::Purchasing, reference.as_str()));
    let shipment = buy_again(&h, "5000101").await;
    assert_eq!(shipment["state"], "active");
    assert_eq!(shipment["reference"], reference.as_str());
    assert_eq!(labels_under(&ups, &reference), (1, 1, 0));
    assert_eq!(h.order("5000101").await.order_status, OrderStatus::Shipped);

    // Killed after UPS made the label, before Wharf recorded it: the restart finds it by reference.
    buy_killed_at(&h, "5000102", "label.after_carrier_call").await;
    let sc02 = h.order("5000102").await;
    let reference = format!("WH{}-1", sc02.order_key);
    assert_eq!(labels_under(&ups, &reference), (1, 1, 0), "UPS has the label the dead process bought");
    let shipment = buy_again(&h, "5000102").await;
    assert_eq!(shipment["state"], "active");
    assert_eq!(labels_under(&ups, &reference), (1, 1, 0), "found, not bought again");
    let ups_tracking = &ups
        .sandbox
        .control()
        .shipments()
        .iter()
        .find(|s| s.all_references().contains(&reference.as_str()))
        .unwrap()
        .shipment_id
        .clone();
    assert_eq!(shipment["packages"][0]["trackingNumber"], ups_tracking.as_str());
    assert!(shipment["error"].as_str().unwrap().contains("answer to this label purchase was lost"), "{shipment}");
    assert_eq!(h.order("5000102").await.order_status, OrderStatus::Shipped);

    // Killed after the label was recorded: the restart returns the recorded shipment.
    buy_killed_at(&h, "5000115", "label.after_record").await;
    let sc15 = h.order("5000115").await;
    let reference = format!("WH{}-1", sc15.order_key);
    let recorded = wharf_app::shipping::live_shipment(&h.app, &h.account, &sc15.order_id).await.unwrap().unwrap();
    assert_eq!(recorded.state, ShipmentState::Active);
    let shipment = buy_again(&h, "5000115").await;
    assert_eq!(shipment["shipmentId"], recorded.shipment_id.as_str());
    assert_eq!(labels_under(&ups, &reference), (1, 1, 0));

    // Three orders, three labels: not one more.
    assert_eq!(ups.sandbox.control().calls().get("Shipment").copied(), Some(3));
}

on_both_backends!(killed_purchases_restart_without_buying_twice);
