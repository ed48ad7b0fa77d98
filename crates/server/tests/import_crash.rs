//! A `wharf import` process killed with SIGKILL at named failpoints, then restarted, ends with every order
//! exactly once: the same orders, field for field, as an import that was never interrupted.

mod support;

use std::process::Stdio;

use support::{Backend, Harness, Setup};
use tokio::io::{AsyncBufReadExt, BufReader};
use wharf_app::import::{NoProgress, import_store};
use wharf_domain::Order;
use wharf_domain::import_run::ImportTrigger;

const MARKER: &str = "WHARF FAILPOINT REACHED: ";

/// Runs `wharf import` with a failpoint armed, waits until the process reports reaching it, and SIGKILLs it.
async fn import_killed_at(h: &Harness, failpoint: &str) {
    let mut child = h
        .wharf()
        .args(["import", "--store", h.store.store_id.as_str()])
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
            assert_eq!(reached, failpoint.split('@').next().unwrap());
            break;
        }
        seen.push(line);
    }
    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "killed, not finished");
}

/// What must be identical between the two databases: everything but ids and bookkeeping dates.
fn comparable(mut orders: Vec<Order>) -> Vec<serde_json::Value> {
    orders.sort_by(|a, b| a.order_key.cmp(&b.order_key));
    orders
        .into_iter()
        .map(|o| {
            let id = o.order_id.to_string();
            let mut v = serde_json::to_value(o).unwrap();
            // Ids differ between the two databases by construction.
            for volatile in ["orderId", "accountId", "storeId", "createDate", "modifyDate"] {
                v.as_object_mut().unwrap().remove(volatile);
            }
            v["advancedOptions"].as_object_mut().unwrap().remove("storeId");
            for notice in v.get_mut("notices").and_then(|n| n.as_array_mut()).into_iter().flatten() {
                notice.as_object_mut().unwrap().remove("at");
                // Notices name the order by its id, so that the command they suggest is unambiguous.
                if let Some(message) = notice["message"].as_str() {
                    notice["message"] = message.replace(&id, "ORDER_ID").into();
                }
            }
            for item in v["items"].as_array_mut().unwrap() {
                item.as_object_mut().unwrap().remove("productId");
            }
            v
        })
        .collect()
}

async fn killed_imports_restart_with_every_order_exactly_once(backend: Backend) {
    let setup = Setup { random_orders: 400, seed: 11, days: 2, system_clock: true };
    let h = Harness::with(backend, setup).await;

    import_killed_at(&h, "import.before_day_write@2").await;
    import_killed_at(&h, "import.after_day_write@3").await;
    import_killed_at(&h, "import.before_fetch@5").await;
    let status =
        h.wharf().args(["import", "--store", h.store.store_id.as_str()]).stdout(Stdio::null()).status().await.unwrap();
    assert!(status.success(), "the restarted import finishes");

    let crashed = h.orders().await;
    let mut keys: Vec<&str> = crashed.iter().map(|o| o.order_key.as_str()).collect();
    keys.sort();
    let before = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), before, "no order twice");

    // The oracle: the same sandbox imported, uninterrupted, into a fresh database.
    let oracle = Harness::with(backend, Setup { random_orders: 0, seed: 11, days: 2, system_clock: true }).await;
    let mut oracle_store = oracle.store.clone();
    oracle_store.connection.base_url = h.sandbox.base_url();
    let run = import_store(&oracle.app, &oracle_store, ImportTrigger::Manual, &NoProgress).await.unwrap();
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let expected = oracle.orders().await;
    assert!(expected.len() > 300, "a real volume of orders: {}", expected.len());
    let (crashed, expected) = (comparable(crashed), comparable(expected));
    assert_eq!(crashed.len(), expected.len(), "as many orders as the uninterrupted import");
    for (got, want) in crashed.iter().zip(&expected) {
        let differing: Vec<&String> =
            want.as_object().unwrap().keys().filter(|k| got.get(k.as_str()) != want.get(k.as_str())).collect();
        let shown: Vec<String> =
            differing.iter().map(|k| format!("{k}: {} vs {}", got[k.as_str()], want[k.as_str()])).collect();
        assert!(differing.is_empty(), "order {} differs: {shown:?}", want["orderKey"]);
    }

    let skipped = h.app.store.list_skipped(&h.account, None).await.unwrap().len();
    let oracle_skipped = oracle.app.store.list_skipped(&oracle.account, None).await.unwrap().len();
    assert_eq!(skipped, oracle_skipped);
}

on_both_backends!(killed_imports_restart_with_every_order_exactly_once);
