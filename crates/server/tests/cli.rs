//! The `wharf` binary as a seller uses it: each command run as a real process against a real database and the
//! Sears sandbox on a loopback port.

mod support;

use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::{Backend, Harness, Setup};
use tokio::io::{AsyncBufReadExt, BufReader};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(h: &Harness, args: &[&str]) -> Output {
    h.wharf().args(args).output().await.expect("wharf runs")
}

async fn json(h: &Harness, args: &[&str]) -> Value {
    let out = run(h, args).await;
    assert!(out.status.success(), "wharf {args:?} failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("wharf {args:?} printed no JSON ({e}): {}", text(&out.stdout)))
}

async fn live(backend: Backend) -> Harness {
    Harness::with(backend, Setup { system_clock: true, ..Setup::default() }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_says_exactly_what_failed() {
    let h = live(Backend::Sqlite).await;
    let seller = h.sandbox.default_seller();
    let base = h.sandbox.base_url();
    let connect = |key: &str, seller_id: &str, url: &str| {
        let mut c = h.wharf();
        c.args(["store", "connect", "sears", "--name", "Second", "--email", &seller.email, "--seller-id", seller_id]);
        c.args(["--auth-key", key, "--base-url", url]);
        c
    };

    let refused = connect("not-the-key", &seller.seller_id, &base).output().await.unwrap();
    assert!(!refused.status.success());
    let err = text(&refused.stderr);
    assert!(err.contains("Sears refused the credentials: \"Invalid signature in Authorization header\""), "{err}");
    assert!(err.contains("API authorization key"), "says what to check: {err}");
    assert!(!err.contains("not-the-key"), "the key never appears in an error: {err}");

    let wrong_seller = connect(&seller.auth_key, "999999", &base).output().await.unwrap();
    assert!(!wrong_seller.status.success());
    let err = text(&wrong_seller.stderr);
    assert!(err.contains("\"Invalid sellerId\"") && err.contains("seller ID (999999)"), "{err}");

    let unreachable = connect(&seller.auth_key, &seller.seller_id, "http://127.0.0.1:9").output().await.unwrap();
    assert!(!unreachable.status.success());
    let err = text(&unreachable.stderr);
    assert!(err.contains("could not be reached at http://127.0.0.1:9") && err.contains("nothing was saved"), "{err}");

    let stores = json(&h, &["store", "list", "--json"]).await;
    assert_eq!(stores.as_array().unwrap().len(), 1, "no failed attempt saved a store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_keeps_the_store_and_its_orders_and_never_shows_the_key() {
    let h = live(Backend::Sqlite).await;
    let seller = h.sandbox.default_seller();
    let out = run(&h, &["import", "--store", h.store.store_id.as_str()]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let orders_before = json(&h, &["orders", "list", "--json"]).await.as_array().unwrap().len();
    assert!(orders_before >= 13);

    let out = run(
        &h,
        &[
            "store",
            "connect",
            "sears",
            "--name",
            "Renamed",
            "--email",
            &seller.email,
            "--seller-id",
            &seller.seller_id,
            "--auth-key",
            &seller.auth_key,
            "--base-url",
            &h.sandbox.base_url(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("Reconnected Sears store 'Renamed'"), "{}", text(&out.stdout));

    let shown = run(&h, &["store", "show", "Renamed", "--json"]).await;
    let shown_text = text(&shown.stdout);
    let store: Value = serde_json::from_str(&shown_text).unwrap();
    assert_eq!(store["storeId"], h.store.store_id.as_str(), "same store");
    assert!(!shown_text.contains(&seller.auth_key), "the key is never shown again");
    assert_eq!(json(&h, &["orders", "list", "--json"]).await.as_array().unwrap().len(), orders_before);

    // The key is sealed at rest: not in the database, whose newest rows may still be in its write-ahead log.
    let path = h.db.location().trim_start_matches("sqlite://").to_owned();
    let mut stored = std::fs::read(&path).expect("the SQLite file");
    stored.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let holds = |needle: &str| stored.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(holds("Renamed"), "the scan sees the store row the reconnect wrote");
    assert!(!holds(&seller.auth_key), "the authorization key is not stored in clear");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_settings_are_shown_and_changed() {
    let h = live(Backend::Sqlite).await;
    let id = h.store.store_id.as_str();
    let store = json(
        &h,
        &[
            "store",
            "set",
            id,
            "--company-name",
            "Acme Goods",
            "--primary-color",
            "#1F6FEB",
            "--contact-email",
            "help@acme.test",
            "--shipment-confirmation",
            "on",
            "--import-window-days",
            "5",
            "--auto-import",
            "off",
            "--json",
        ],
    )
    .await;
    let s = &store["settings"];
    assert_eq!(s["branding"]["companyName"], "Acme Goods");
    assert_eq!(s["branding"]["primaryColor"], "#1f6feb");
    assert_eq!(s["notifications"]["shipmentConfirmation"], true);
    assert_eq!(s["notifications"]["deliveryConfirmation"], false);
    assert_eq!(s["importWindowDays"], 5);
    assert_eq!(s["autoImport"], false);

    let bad = run(&h, &["store", "set", id, "--primary-color", "blue"]).await;
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("write a color as #RRGGBB"), "{}", text(&bad.stderr));
    let bad = run(&h, &["store", "set", id, "--import-window-days", "0"]).await;
    assert!(text(&bad.stderr).contains("between 1 and 90 days"), "{}", text(&bad.stderr));

    let store = json(&h, &["store", "map-status", id, "Awaiting Seller Review", "awaiting_shipment", "--json"]).await;
    let rows = store["settings"]["statusMapping"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["statusKey"] == "Awaiting Seller Review" && r["orderStatus"] == "awaiting_shipment"));
    let bad = run(&h, &["store", "map-status", id, "New", "paid"]).await;
    assert!(text(&bad.stderr).contains("use one of awaiting_payment"), "{}", text(&bad.stderr));
    let human = text(&run(&h, &["store", "show", id]).await.stdout);
    assert!(
        human.contains("Acme Goods") && human.contains("Ready to Invoice") && human.contains("awaiting_payment"),
        "{human}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_imports_and_products_from_the_command_line() {
    let h = live(Backend::Sqlite).await;
    let csv = h.data_dir.path().join("products.csv");
    std::fs::write(&csv, "sku,name,weight,warehouse_location\nKTCH-BLND-600W-BLK,Blender,4.5 lb,A-01-2\n").unwrap();
    let imported = json(&h, &["product", "import", csv.to_str().unwrap(), "--json"]).await;
    assert_eq!(imported["inserted"], 1);

    let out = run(&h, &["import", "--store", "Sears test store"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("13 new") && summary.contains("2 skipped"), "{summary}");

    let orders = json(&h, &["orders", "list", "--status", "awaiting_shipment", "--json"]).await;
    let sc01 = orders.as_array().unwrap().iter().find(|o| o["orderNumber"] == "5000101").expect("SC-01 listed");
    for field in ["orderId", "orderKey", "orderDate", "orderStatus", "shipTo", "billTo", "items", "amountPaid", "sears"]
    {
        assert!(sc01.get(field).is_some(), "ShipStation field {field}");
    }
    assert_eq!(sc01["items"][0]["warehouseLocation"], "A-01-2");
    assert_eq!(sc01["sears"]["poNumber"], "5000101");

    let shown = json(&h, &["orders", "show", "5000101", "--json"]).await;
    assert_eq!(shown["orderId"], sc01["orderId"]);
    assert_eq!(shown["history"][0]["field"], "order");
    let twice = run(&h, &["orders", "show", "nope"]).await;
    assert!(text(&twice.stderr).contains("no order 'nope'"), "{}", text(&twice.stderr));

    let runs = json(&h, &["import", "runs", "--json"]).await;
    assert_eq!(runs[0]["counts"]["new"], 13);
    assert_eq!(runs[0]["outcome"], "succeeded");
    let skipped = json(&h, &["import", "skipped", "--json"]).await;
    let codes: Vec<&str> = skipped.as_array().unwrap().iter().map(|s| s["reason"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.contains(&"no_shipping_address") && codes.contains(&"outside_import_window"));

    let product =
        json(&h, &["product", "set", "LED-A19-60W-4PK", "--weight", "8 oz", "--options", "Pack=4", "--json"]).await;
    assert_eq!(product["weight"], serde_json::json!({"value": 8, "units": "ounces"}));
    let shown = json(&h, &["product", "show", "LED-A19-60W-4PK", "--json"]).await;
    assert_eq!(shown["options"][0]["value"], "4");
    let bad = run(&h, &["product", "set", "X", "--weight", "heavy"]).await;
    assert!(text(&bad.stderr).contains("invalid weight 'heavy'"), "{}", text(&bad.stderr));
    let listed = json(&h, &["product", "list", "--json"]).await;
    assert!(listed.as_array().unwrap().len() > 20, "unknown SKUs became products");

    let status = json(&h, &["status", "--json"]).await;
    assert_eq!(status["stores"][0]["storeName"], "Sears test store");
    assert!(status["stores"][0]["lastSuccessAt"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sears_check_and_decode() {
    let h = live(Backend::Sqlite).await;
    let seller = h.sandbox.default_seller();
    let base = h.sandbox.base_url();
    let out = run(
        &h,
        &[
            "sears",
            "check",
            "--email",
            &seller.email,
            "--seller-id",
            &seller.seller_id,
            "--auth-key",
            &seller.auth_key,
            "--base-url",
            &base,
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Open orders in the showcase set: SC-10 only (the rest are New, Closed, ...).
    assert!(text(&out.stdout).contains("1 open purchase order(s)"), "{}", text(&out.stdout));
    let out = run(
        &h,
        &[
            "sears",
            "check",
            "--email",
            &seller.email,
            "--seller-id",
            &seller.seller_id,
            "--auth-key",
            "wrong",
            "--base-url",
            &base,
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("Sears refused the credentials"), "{}", text(&out.stderr));

    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/sears/samples");
    for entry in std::fs::read_dir(samples).unwrap() {
        let path = entry.unwrap().path();
        let out = run(&h, &["sears", "decode", path.to_str().unwrap()]).await;
        assert!(out.status.success(), "{}: {}", path.display(), text(&out.stderr));
        let _: Value = serde_json::from_slice(&out.stdout).unwrap();
    }
    let broken = h.data_dir.path().join("broken.xml");
    std::fs::write(&broken, "<po-response xmlns=\"http://seller.marketplace.sears.com/oms/v19\">\n<purchase-order>\n<po-number>1</po-number>\n<po-date>yesterday</po-date>\n</purchase-order></po-response>").unwrap();
    let out = run(&h, &["sears", "decode", broken.to_str().unwrap()]).await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 4") && err.contains("po-date"), "names the line and the element: {err}");
}

/// Reads the child's stdout until a line starts with `prefix`; returns the rest of that line.
async fn wait_for_line(child: &mut tokio::process::Child, prefix: &str) -> String {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
        panic!("the process ended before printing '{prefix}'");
    })
    .await
    .expect("the line is printed");
    tokio::spawn(async move { while lines.next_line().await.ok().flatten().is_some() {} });
    line
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the server answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Polls `url` until `done(body)`; the import runs in the server's own workers.
async fn poll_until(url: &str, done: impl Fn(&str) -> bool) -> String {
    for _ in 0..300 {
        let (_, body) = get(url).await;
        if done(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never showed what was expected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_imports_on_schedule_with_health_and_metrics() {
    let h = live(Backend::Sqlite).await;
    let mut child =
        h.wharf().args(["serve", "--port", "0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let url = wait_for_line(&mut child, "Wharf is running at ").await;
    assert!(url.starts_with("http://127.0.0.1:"), "binds loopback: {url}");
    let (status, body) = get(&format!("{url}/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["status"], "ok");

    let body = poll_until(&format!("{url}/api/orders?orderStatus=awaiting_shipment"), |b| b.contains("5000101")).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert!(page["total"].as_u64().unwrap() >= 10);
    let metrics = poll_until(&format!("{url}/metrics"), |b| b.contains("wharf_import_runs_total")).await;
    assert!(metrics.contains("wharf_import_orders_total{result=\"new\"}"), "{metrics}");
    assert!(metrics.contains("wharf_http_requests_total") && metrics.contains("route=\"/api/orders\""), "{metrics}");
    assert!(metrics.contains("wharf_import_duration_seconds"), "{metrics}");

    let (status, body) = get(&format!("{url}/api/orders/ord_nothere")).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = get(&format!("{url}/api/orders?orderStatus=lost")).await;
    assert_eq!(status, 400);
    child.start_kill().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_with_no_accounts_and_other_commands_work_beside_it() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let wharf = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"));
        c.arg("--data-dir").arg(dir.path()).env_remove("WHARF_DATABASE_URL").kill_on_drop(true);
        c
    };
    let mut demo = wharf()
        .args(["demo", "--port", "0", "--orders", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = wait_for_line(&mut demo, "Wharf demo is running at ").await;
    poll_until(&format!("{url}/api/orders"), |b| b.contains("5000101")).await;

    let out = wharf().args(["orders", "list", "--json"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let orders: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(orders.as_array().unwrap().len() >= 13, "the showcase orders and the random ones are imported");
    let out = wharf().args(["store", "list", "--json"]).output().await.unwrap();
    let stores: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stores[0]["storeName"], "Sears demo store");
    assert!(stores[0]["connection"]["baseUrl"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    // Another command can import from the demo's sandbox while the demo runs.
    let out = wharf().args(["import", "--all"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    demo.start_kill().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_that_cannot_listen_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let wharf = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"));
        c.arg("--data-dir").arg(dir.path()).env_remove("WHARF_DATABASE_URL").kill_on_drop(true);
        c
    };
    let out = wharf().args(["demo", "--port", &port, "--orders", "0"]).output().await.unwrap();
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(said.contains(&format!("cannot listen on 127.0.0.1:{port}")) && said.contains("--port"), "{said}");
    // No store or carrier account was pointed at the sandboxes of a demo that never ran.
    for what in ["store", "carrier"] {
        let out = wharf().args([what, "list", "--json"]).output().await.unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(listed, serde_json::json!([]), "{what}s");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_sears_sandbox_prints_credentials_that_work() {
    let mut sandbox = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"))
        .args(["sears-sandbox", "--port", "0", "--seed", "7", "--orders", "5"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = sandbox.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = std::collections::HashMap::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some((key, value)) = line.trim().split_once(':') {
            banner.insert(key.trim().to_owned(), value.trim().to_owned());
        }
        if line.starts_with("These are sandbox credentials") {
            break;
        }
    }
    let url = banner["Sears API"].trim_end_matches("/SellerPortal/api/").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"))
        .args(["sears", "check", "--email", &banner["Email"], "--seller-id", &banner["Seller id"]])
        .args(["--auth-key", &banner["Auth key"], "--base-url", &url, "--json"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["sellerId"], banner["Seller id"].as_str());
    sandbox.start_kill().unwrap();
}
