//! The control API over real HTTP: clock, clients, the sandbox's records, call counts, refusals.

mod support;

use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{http, package, ship, ship_request, start, token};
use wharf_carrier_sandbox::RunningUpsSandbox;

async fn control(sandbox: &RunningUpsSandbox, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = http().request(method, format!("{}/sandbox/control{path}", sandbox.base_url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("control call");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn the_clock_is_read_set_and_advanced() {
    let sandbox = start().await;
    let (_, now) = control(&sandbox, Method::GET, "/clock", None).await;
    assert_eq!(now, json!({ "now": "2026-03-02T15:00:00Z" }));
    let (_, now) = control(&sandbox, Method::PUT, "/clock", Some(json!({ "now": "2026-06-01T12:00:00Z" }))).await;
    assert_eq!(now["now"], "2026-06-01T12:00:00Z");
    let (_, now) = control(&sandbox, Method::POST, "/clock/advance", Some(json!({ "seconds": 5400 }))).await;
    assert_eq!(now["now"], "2026-06-01T13:30:00Z");
    assert_eq!(sandbox.control().now().to_string(), "2026-06-01T13:30:00Z");
}

#[tokio::test]
async fn a_registered_client_ships_on_its_own_account() {
    let sandbox = start().await;
    let (status, _) = control(
        &sandbox,
        Method::POST,
        "/clients",
        Some(json!({ "client_id": "second", "client_secret": "s3cret", "account_number": "A1B2C3", "negotiated_discount_percent": 20 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let response = http()
        .post(format!("{}/security/v1/oauth/token", sandbox.base_url()))
        .basic_auth("second", Some("s3cret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    let token: Value = response.json().await.expect("json");
    let token = token["access_token"].as_str().expect("token").to_owned();
    let shipped =
        ship(&sandbox, &token, &ship_request("A1B2C3", "01", vec![package("1", None, &[])], "GIF", &["R-1"], false))
            .await;
    // A1B2C3 01 0000001 (A -> 2, B -> 3, C -> 4): odd positions 2+3+4+0+0+0+0+1 = 10, even
    // positions 2 x (1+2+3+1+0+0+0) = 14; 24 -> check digit 6.
    assert_eq!(support::tracking_numbers(&shipped), ["1ZA1B2C30100000016"]);
    assert_eq!(sandbox.control().shipments()[0].account_number, "A1B2C3");

    // The default client cannot ship on that account.
    let default_token = support::token(&sandbox).await;
    let (status, body) = support::call(
        &sandbox,
        Method::POST,
        "/api/shipments/v2409/ship",
        &default_token,
        Some(&ship_request("A1B2C3", "01", vec![package("1", None, &[])], "GIF", &[], false)),
    )
    .await;
    assert_eq!((status, support::error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["120100".to_owned()]));
}

#[tokio::test]
async fn bad_control_requests_say_what_was_expected() {
    let sandbox = start().await;
    let (status, body) = control(
        &sandbox,
        Method::POST,
        "/clients",
        Some(json!({ "client_id": "x", "client_secret": "y", "account_number": "toolong1" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().is_some_and(|error| error.contains("6 characters")), "{body}");
    let (status, body) =
        control(&sandbox, Method::POST, "/faults/server-errors", Some(json!({ "count": 1, "status": 404 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().is_some_and(|error| error.contains("500 to 599")), "{body}");
    let (status, body) = control(&sandbox, Method::PUT, "/clock", Some(json!({ "now": "yesterday" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().is_some_and(|error| error.contains("expected a JSON body like")), "{body}");
}

#[tokio::test]
async fn the_sandbox_lists_its_shipments_label_counts_and_calls() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let request = ship_request(
        "W4RF01",
        "03",
        vec![package("1", None, &["BOX-1"]), package("1", None, &[])],
        "GIF",
        &["PO-9"],
        false,
    );
    let shipped = ship(&sandbox, &token, &request).await;
    let shipment_id = shipped["ShipmentResponse"]["ShipmentResults"]["ShipmentIdentificationNumber"].clone();
    ship(&sandbox, &token, &request).await;

    let (_, body) = control(&sandbox, Method::GET, "/shipments", None).await;
    let shipments = body["shipments"].as_array().expect("shipments");
    assert_eq!(shipments.len(), 2);
    assert_eq!(shipments[0]["shipment_id"], shipment_id);
    assert_eq!(shipments[0]["voided"], false);
    assert_eq!(shipments[0]["references"], json!(["PO-9"]));
    assert_eq!(shipments[0]["packages"][0]["references"], json!(["BOX-1"]));
    assert_eq!(shipments[0]["total_charges"], "24.00");

    let (_, body) = control(&sandbox, Method::GET, "/labels", None).await;
    assert_eq!(
        body["labels_by_reference"],
        json!({
            "BOX-1": { "shipments": 2, "labels": 2, "voided_labels": 0 },
            "PO-9": { "shipments": 2, "labels": 4, "voided_labels": 0 },
        })
    );

    let (_, body) = control(&sandbox, Method::GET, "/calls", None).await;
    assert_eq!(body["calls"], json!({ "CreateToken": 1, "Shipment": 2 }));
}

#[tokio::test]
async fn the_standalone_banner_tells_a_person_how_to_connect() {
    let sandbox = start().await;
    let banner = sandbox.startup_banner();
    for expected in [
        format!("{}/security/v1/oauth/token", sandbox.base_url()),
        "wharf-sandbox-client".to_owned(),
        "wharf-sandbox-secret".to_owned(),
        "W4RF01".to_owned(),
    ] {
        assert!(banner.contains(&expected), "{expected} in {banner}");
    }
    // Debug output of the running sandbox never shows the secret.
    assert!(!format!("{sandbox:?}").contains("wharf-sandbox-secret"));
}
