//! The JSON control API under /sandbox/control/ and its in-process twin.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wharf_sears_sandbox::{SandboxClock, SandboxConfig};

use crate::common::*;

async fn call(sears: &Sears, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let url = format!("{}/sandbox/control/{path}", sears.sandbox.base_url());
    let mut request = sears.client.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

#[tokio::test]
async fn sellers_orders_and_seeds() {
    let sears =
        start(SandboxConfig { clock: SandboxClock::fixed(now()), showcase: false, ..SandboxConfig::default() }).await;
    let (status, sellers) = call(&sears, reqwest::Method::GET, "sellers", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sellers,
        json!([{"seller_id": "80001234", "email": "seller@sandbox.wharf.test", "auth_key": "U2FuZGJveEF1dGhLZXk0MiE="}])
    );

    let (status, _) = call(
        &sears,
        reqwest::Method::POST,
        "sellers",
        Some(json!({"seller_id": "555", "email": "b@sandbox.test", "auth_key": "k2"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(
        &sears,
        reqwest::Method::POST,
        "sellers",
        Some(json!({"seller_id": "555", "email": "b@sandbox.test", "auth_key": "k2"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "seller 555 already exists; pick another seller id");

    let (status, summary) =
        call(&sears, reqwest::Method::POST, "seed", Some(json!({"seller_id": "555", "seed": 3, "orders": 25}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(summary, json!({"seller_id": "555", "today": "2024-05-03", "showcase_orders": 17, "random_orders": 25}));
    // Seeding again adds no duplicates.
    let (_, summary) =
        call(&sears, reqwest::Method::POST, "seed", Some(json!({"seller_id": "555", "seed": 3, "orders": 25}))).await;
    assert_eq!((summary["showcase_orders"].clone(), summary["random_orders"].clone()), (json!(0), json!(0)));
    let (_, orders) = call(&sears, reqwest::Method::GET, "orders?seller_id=555", None).await;
    assert_eq!(orders.as_array().unwrap().len(), 42);
    let (_, orders) = call(&sears, reqwest::Method::GET, "orders?seller_id=555&po_number=5000105", None).await;
    assert_eq!(orders.as_array().unwrap().len(), 2);
    let (status, _) = call(&sears, reqwest::Method::POST, "seed", Some(json!({"seller_id": "404"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn orders_are_created_whole_and_read_back_with_their_state() {
    let sears =
        start(SandboxConfig { clock: SandboxClock::fixed(now()), showcase: false, ..SandboxConfig::default() }).await;
    let order = json!({
        "po_number": "000123",
        "po_date": "2024-05-02",
        "po_time": "08:30:00",
        "customer_name": "Ada Lovelace",
        "shipping": {"ship_to_name": "Ada Lovelace", "address": ["12 St James's Square"], "city": "Chicago", "state": "IL",
                     "zipcode": "60601", "phone": "3125550100", "shipping_method": "Priority"},
        "lines": [
            {"item_id": "ENGINE-1", "quantity": 2, "selling_price_each": "10.00", "commission": "1.00", "shipping_and_handling": "4.00",
             "fees": [{"type": "Coupon", "amount": "-2.00"}]},
            {"item_id": "CARD-2", "quantity": 1, "selling_price_each": "3.50", "shipped": 1}
        ]
    });
    let (status, created) = call(&sears, reqwest::Method::POST, "orders", Some(order.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["po_number"], "000123");
    assert_eq!(created["status"], "Open");
    assert_eq!(created["expected_ship_date"], "2024-05-04");
    assert_eq!(created["lines"][0]["quantities"], json!({"open": 2, "shipped": 0, "cancelled": 0}));
    assert_eq!(created["lines"][1]["commission"], "0.35");
    assert_eq!(created["totals"]["order_total_sell_price"], "23.50");
    assert_eq!(created["totals"]["total_order_value"], "25.50");
    let (status, body) = call(&sears, reqwest::Method::POST, "orders", Some(order)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "seller 80001234 already has purchase order 000123 dated 2024-05-02; use another PO number or date"
    );

    let (status, state) = call(&sears, reqwest::Method::GET, "orders/000123/2024-05-02", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["customer_name"], "Ada Lovelace");
    let (status, body) = call(&sears, reqwest::Method::GET, "orders/000123/2024-05-03", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"],
        "seller 80001234 has no purchase order 000123 dated 2024-05-03; list orders with GET /sandbox/control/orders"
    );
    let (status, body) = call(&sears, reqwest::Method::GET, "orders/000123/yesterday", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "'yesterday' is not a PO date; use yyyy-MM-dd");

    // Served by the Sears API as created.
    let reply = sears.purchase_orders(19, "&ponumber=000123").await;
    let doc = parse(&reply.body);
    let po = find_po(&doc, "000123", "2024-05-02");
    assert_eq!(text(po, "po-time").as_deref(), Some("08:30:00"));
    assert_eq!(text(po, "total-order-value").as_deref(), Some("25.50"));

    let (status, body) = call(&sears, reqwest::Method::POST, "orders", Some(json!({"lines": []}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid order: an order needs at least one line");
    let (status, _) = call(
        &sears,
        reqwest::Method::POST,
        "orders",
        Some(json!({"lines": [{"item_id": "A", "selling_price_each": "1"}], "surprise": 1})),
    )
    .await;
    assert!(status.is_client_error(), "unknown fields are refused");
    // Without a number or date: the next sandbox number, today.
    let (_, created) = call(
        &sears,
        reqwest::Method::POST,
        "orders",
        Some(json!({"lines": [{"item_id": "A", "selling_price_each": "1"}]})),
    )
    .await;
    assert_eq!(
        (created["po_number"].clone(), created["po_date"].clone(), created["po_time"].clone()),
        (json!("7000001"), json!("2024-05-03"), json!("15:00:00"))
    );
}

#[tokio::test]
async fn clock_settings_and_feeds() {
    let sears = showcase().await;
    let (_, clock) = call(&sears, reqwest::Method::GET, "clock", None).await;
    assert_eq!(clock, json!({"now": "2024-05-03T20:00:00Z", "central_today": "2024-05-03", "fixed": true}));
    let (_, clock) = call(&sears, reqwest::Method::POST, "clock", Some(json!({"advance_seconds": 18000}))).await;
    assert_eq!(clock, json!({"now": "2024-05-04T01:00:00Z", "central_today": "2024-05-03", "fixed": true}));
    let (_, clock) = call(&sears, reqwest::Method::POST, "clock", Some(json!({"now": "2024-05-04T06:00:00Z"}))).await;
    assert_eq!(clock["central_today"], "2024-05-04");
    call(&sears, reqwest::Method::POST, "clock", Some(json!({"now": NOW}))).await;

    let (status, settings) = call(
        &sears,
        reqwest::Method::PATCH,
        "settings",
        Some(json!({"limits": {"asn_files": 7}, "processing": {"polls": 0}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["limits"]["asn_files"], 7);
    assert_eq!(settings["limits"]["requests_per_ip"], 500, "untouched settings keep their values");
    assert_eq!(settings["auth"]["max_age"], 1800);
    let (status, body) =
        call(&sears, reqwest::Method::PATCH, "settings", Some(json!({"limits": {"asn_files": "many"}}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().starts_with("invalid settings:"), "{body}");

    // With polls 0 the report is ready at once.
    let feed = asn("5000101", "2024-05-02", &[("1Z50", "UPS", "Ground", &[(2, "HOME-TOWEL-6PC-GRY", 1)])]);
    let id = sears.put_asn(&feed).await.document_id();
    assert_eq!(report_results(&sears.report(id).await.body), (1, 0, vec![]));
    sears.put_asn("<shipment-feed/>").await;
    let (_, feeds) = call(&sears, reqwest::Method::GET, "feeds", None).await;
    assert_eq!(feeds.as_array().unwrap().len(), 2);
    assert_eq!(feeds[0]["document_id"], id);
    assert_eq!(feeds[0]["kind"], "asn");
    assert_eq!(feeds[0]["outcome"], "accepted");
    assert_eq!(feeds[0]["xml"], feed);
    assert_eq!(feeds[0]["records"], json!([{"record_id": 1, "errors": []}]));
    assert_eq!(feeds[0]["report_polls"], 1);
    assert_eq!(feeds[1]["outcome"], "rejected");
    assert_eq!(feeds[1]["document_id"], Value::Null);
    assert!(feeds[1]["error_detail"].as_str().unwrap().starts_with("The feed does not match oms-import-v7-asn.xsd"));
    let (status, one) = call(&sears, reqwest::Method::GET, &format!("feeds/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["document_id"], id);
}

#[tokio::test]
async fn the_banner_names_where_and_how_to_connect() {
    let sears = seeded_banner().await;
    let banner = sears.sandbox.startup_banner();
    let base = sears.sandbox.base_url();
    assert!(banner.starts_with(&format!("Sears Marketplace sandbox listening on {base}\n")), "{banner}");
    for expected in [
        format!("Sears API:    {base}/SellerPortal/api/"),
        format!("Control API:  {base}/sandbox/control/"),
        "Seller id:    80001234".to_owned(),
        "Email:        seller@sandbox.wharf.test".to_owned(),
        "Auth key:     U2FuZGJveEF1dGhLZXk0MiE=".to_owned(),
        "Orders:       17 showcase + 5 random orders for seller 80001234, dated relative to 2024-05-03 (US Central; see SEED.md)".to_owned(),
        "Clock:        fixed at 2024-05-03T20:00:00Z".to_owned(),
    ] {
        assert!(banner.contains(&expected), "missing {expected:?} in:\n{banner}");
    }
}

async fn seeded_banner() -> Sears {
    start(SandboxConfig { clock: SandboxClock::fixed(now()), seed: 9, orders: 5, ..SandboxConfig::default() }).await
}
