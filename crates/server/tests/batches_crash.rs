//! A `wharf batch process` process killed with SIGKILL at named failpoints (the batch loop's and the label
//! purchase's), then run again, buys no label twice: the UPS sandbox's own records (shipments and labels per
//! purchase reference, ship calls) prove it, and the batch ends with every shippable order bought.
//!
//! Each run holds the batch under a 2-second lease, so the next run takes the batch over 2 s after a kill; a
//! purchase caught inside the carrier call is taken over once its own lease has run out (carrier timeout 2 s
//! here, so about 19 s) and looked up by reference before anything is bought again.

mod support;

use std::collections::BTreeMap;
use std::process::Stdio;

use serde_json::Value;
use support::shipping::{Ups, ups_clock};
use support::{Backend, Harness, Setup};
use tokio::io::{AsyncBufReadExt, BufReader};

const MARKER: &str = "WHARF FAILPOINT REACHED: ";

fn process(h: &Harness, batch: &str) -> tokio::process::Command {
    let mut command = h.wharf();
    command
        .args(["batch", "process", batch, "--concurrency", "2", "--lease-secs", "2", "--json"])
        .env("WHARF_CARRIERS__TIMEOUT_SECS", "2");
    command
}

/// Processes with a failpoint armed, waits until the process reports reaching it, and SIGKILLs it there.
async fn process_killed_at(h: &Harness, batch: &str, failpoint: &str) {
    let mut child = process(h, batch)
        .env("WHARF_FAILPOINT", failpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wharf starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(120), lines.next_line())
            .await
            .expect("the failpoint is reached")
            .unwrap()
            .unwrap_or_else(|| panic!("wharf exited before reaching {failpoint}: {seen:?}"));
        if let Some(reached) = line.strip_prefix(MARKER) {
            assert_eq!(reached, failpoint.split('@').next().unwrap());
            break;
        }
        seen.push(line);
    }
    child.start_kill().expect("SIGKILL");
    assert!(!child.wait().await.unwrap().success(), "killed, not finished");
}

/// Shipments and labels the UPS sandbox made under each of Wharf's purchase references.
fn bought(ups: &Ups) -> BTreeMap<String, (u32, u32)> {
    let all = ups.sandbox.control().labels_by_reference();
    all.into_iter().filter(|(r, _)| r.starts_with("WH")).map(|(r, c)| (r, (c.shipments, c.labels))).collect()
}

async fn killed_batch_runs_restart_without_buying_twice(backend: Backend) {
    let h = Harness::with(backend, Setup { system_clock: true, ..Setup::default() }).await;
    h.weigh_showcase().await;
    let mut store = h.app.store.get_store(&h.account, &h.store.store_id).await.unwrap();
    for (requested, service) in
        [("Ground", "ups_ground"), ("Priority", "ups_2nd_day_air"), ("Express", "ups_next_day_air")]
    {
        store = wharf_app::automation::map_service(&h.app, store, requested, "ups", service, None).await.unwrap();
    }
    h.drain_jobs().await;
    let ups = h.with_ups(ups_clock(true)).await;

    let out = h.wharf().args(["batch", "create", "--status", "awaiting_shipment", "--json"]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let batch = created["id"].as_str().unwrap().to_owned();
    // Ten orders: nine shippable, and the store pickup 5000103, which never gets a label.
    assert_eq!((created["counts"]["total"].as_u64(), created["counts"]["invalid"].as_u64()), (Some(10), Some(1)));

    // Killed in turn before a purchase, inside one (before and after the carrier call, after it was
    // recorded), after a label was bought but before the batch noted it, and after an order was done.
    for failpoint in [
        "batch.before_buy@2",
        "label.before_carrier_call@1",
        "label.after_carrier_call@1",
        "batch.after_label_bought@1",
        "label.after_record@1",
        "batch.after_order_done@1",
    ] {
        process_killed_at(&h, &batch, failpoint).await;
        assert!(bought(&ups).values().all(|c| *c == (1, 1)), "after {failpoint}: {:?}", bought(&ups));
    }

    // The last run finishes the batch (exit 2: the pickup order still has no label, by design).
    let out = process(&h, &batch).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "processed");
    let counts = &status["counts"];
    assert_eq!((counts["bought"].as_u64(), counts["invalid"].as_u64()), (Some(9), Some(1)), "{status}");

    // The sandbox's own records: nine purchase references, one shipment and one label each, and no other
    // shipment at all. (Ship calls may number more: a call cut off by a SIGKILL before the sandbox handled it
    // made nothing.)
    let references = bought(&ups);
    assert_eq!(references.len(), 9, "{references:?}");
    assert!(references.values().all(|c| *c == (1, 1)), "{references:?}");
    assert_eq!(ups.sandbox.control().shipments().len(), 9);
    // Every bought order's tracking number is the one UPS issued under its reference.
    let issued: Vec<String> = ups.sandbox.control().shipments().iter().map(|s| s.shipment_id.clone()).collect();
    for order in status["orders"].as_array().unwrap().iter().filter(|o| o["result"] == "bought") {
        let tracking = order["label"]["trackingNumbers"][0].as_str().unwrap();
        assert!(issued.iter().any(|t| t == tracking), "{order}");
    }
}

on_both_backends!(killed_batch_runs_restart_without_buying_twice);
