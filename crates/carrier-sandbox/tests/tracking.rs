//! Tracking over real HTTP: packages move along the README's schedule on the sandbox clock, by
//! tracking number, by reference and by shipment.
//!
//! Every shipment here is Ground from 21093 to 30005 (zone 4, 3 days), created at the sandbox
//! start 2026-03-02T15:00Z, so by hand: picked up 17:00, departed 21:00, arrived
//! 2026-03-05T07:00, out for delivery 11:00, delivered 15:00.

mod support;

use jiff::SignedDuration;
use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{assert_response_valid, call, error_codes, package, ship, ship_request, start, token, tracking_numbers};
use wharf_carrier_sandbox::RunningUpsSandbox;
use wharf_carrier_sandbox::spec::Api;

async fn track(sandbox: &RunningUpsSandbox, token: &str, path: &str, spec_path: &str) -> (StatusCode, Value) {
    let (status, body) = call(sandbox, Method::GET, &format!("/api/track/v1{path}"), token, None).await;
    assert_response_valid(Api::Tracking, "GET", spec_path, status, &body);
    (status, body)
}

/// Tracks `number` with a fresh token (the clock jumps days, past any token's lifetime).
async fn by_number(sandbox: &RunningUpsSandbox, number: &str) -> Value {
    let token = token(sandbox).await;
    let (status, body) =
        track(sandbox, &token, &format!("/details/{number}"), "/track/v1/details/{inquiryNumber}").await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    body["trackResponse"]["shipment"][0]["package"][0].clone()
}

fn activity_codes(package: &Value) -> Vec<String> {
    package["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .map(|activity| activity["status"]["code"].as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test]
async fn a_package_moves_from_label_to_delivery_on_the_clock() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let response =
        ship(&sandbox, &token, &ship_request("W4RF01", "03", vec![package("1", None, &[])], "GIF", &["PO-4004"], true))
            .await;
    let number = tracking_numbers(&response).remove(0);
    let control = sandbox.control();

    control.advance_clock(SignedDuration::from_hours(1));
    let package = by_number(&sandbox, &number).await;
    assert_eq!(package["trackingNumber"], number.as_str());
    assert_eq!(package["currentStatus"]["type"], "M");
    assert_eq!(package["currentStatus"]["statusCode"], "003");
    assert_eq!(activity_codes(&package), ["MP"]);
    assert_eq!(package["deliveryDate"], json!([{ "type": "SDD", "date": "20260305" }]));
    assert_eq!(package["service"]["description"], "UPS Ground");
    assert_eq!(package["referenceNumber"], json!([{ "type": "SHIPMENT", "number": "PO-4004" }]));

    control.advance_clock(SignedDuration::from_hours(2)); // 18:00
    let package = by_number(&sandbox, &number).await;
    assert_eq!(package["currentStatus"]["type"], "P");
    assert_eq!(activity_codes(&package), ["PU", "MP"]);

    control.set_clock("2026-03-05T06:59:59Z".parse().expect("instant"));
    let package = by_number(&sandbox, &number).await;
    assert_eq!(
        (package["currentStatus"]["type"].clone(), package["currentStatus"]["code"].clone()),
        (json!("I"), json!("DP"))
    );

    control.set_clock("2026-03-05T11:00:00Z".parse().expect("instant"));
    let package = by_number(&sandbox, &number).await;
    assert_eq!(package["currentStatus"]["type"], "O");
    assert_eq!(package["currentStatus"]["statusCode"], "021");
    assert_eq!(activity_codes(&package), ["OT", "AR", "DP", "PU", "MP"]);
    let latest = &package["activity"][0];
    assert_eq!((latest["date"].clone(), latest["time"].clone()), (json!("20260305"), json!("110000")));
    assert_eq!(latest["location"]["address"]["city"], "Alpharetta");

    control.set_clock("2026-03-05T15:00:00Z".parse().expect("instant"));
    let package = by_number(&sandbox, &number).await;
    assert_eq!(package["currentStatus"]["type"], "D");
    assert_eq!(package["currentStatus"]["statusCode"], "011");
    assert_eq!(package["deliveryDate"], json!([{ "type": "DEL", "date": "20260305" }]));
    assert_eq!(package["deliveryTime"], json!({ "type": "DEL", "endTime": "150000" }));
    assert_eq!(activity_codes(&package).len(), 6);
}

#[tokio::test]
async fn references_find_every_package_that_carries_them() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let packages = vec![package("1", None, &[]), package("2", None, &["BOX-B"])];
    let response = ship(&sandbox, &token, &ship_request("W4RF01", "03", packages, "GIF", &["PO-5005"], false)).await;
    let numbers = tracking_numbers(&response);
    let reference_path = "/track/v1/reference/details/{referenceNumber}";

    let (status, body) = track(&sandbox, &token, "/reference/details/PO-5005", reference_path).await;
    assert_eq!(status, StatusCode::OK);
    let shipment = &body["trackResponse"]["shipment"][0];
    assert_eq!(shipment["inquiryNumber"], "PO-5005");
    let found: Vec<&str> = shipment["package"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["trackingNumber"].as_str().expect("number"))
        .collect();
    assert_eq!(found, numbers.iter().map(String::as_str).collect::<Vec<_>>());

    let (status, body) = track(&sandbox, &token, "/reference/details/BOX-B", reference_path).await;
    assert_eq!(status, StatusCode::OK);
    let packages = body["trackResponse"]["shipment"][0]["package"].as_array().expect("packages").clone();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0]["trackingNumber"], numbers[1].as_str());
    assert_eq!(packages[0]["packageCount"], 2);

    let (status, body) = track(&sandbox, &token, "/reference/details/PO-NOPE", reference_path).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::NOT_FOUND, vec!["TW0001".to_owned()]));

    let (status, body) = track(
        &sandbox,
        &token,
        &format!("/shipment/details/{}", numbers[1]),
        "/track/v1/shipment/details/{inquiryNumber}",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["trackResponse"]["shipment"][0]["package"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_voided_package_ends_in_a_void_event() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let response = ship(
        &sandbox,
        &token,
        &ship_request("W4RF01", "03", vec![package("1", None, &[])], "GIF", &["PO-6006"], false),
    )
    .await;
    let number = tracking_numbers(&response).remove(0);
    sandbox.control().advance_clock(SignedDuration::from_mins(30));
    let (status, _) =
        call(&sandbox, Method::DELETE, &format!("/api/shipments/v2409/void/cancel/{number}"), &token, None).await;
    assert_eq!(status, StatusCode::OK);
    sandbox.control().advance_clock(SignedDuration::from_hours(72));
    let package = by_number(&sandbox, &number).await;
    assert_eq!(package["currentStatus"]["type"], "X");
    assert_eq!(activity_codes(&package), ["VO", "MP"]);
    assert!(package.get("deliveryDate").is_none());
}

#[tokio::test]
async fn unknown_numbers_and_missing_transaction_headers_are_refused() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let (status, body) =
        track(&sandbox, &token, "/details/1Z999AA10123456784", "/track/v1/details/{inquiryNumber}").await;
    assert_eq!((status, error_codes(&body)), (StatusCode::NOT_FOUND, vec!["TW0001".to_owned()]));
    let (status, body) = track(&sandbox, &token, "/details/1Z9", "/track/v1/details/{inquiryNumber}").await;
    assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["TV1002".to_owned()]));

    let response = support::http()
        .get(format!("{}/api/track/v1/details/1Z999AA10123456784", sandbox.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_codes(&body), ["TV1001"]);
}
