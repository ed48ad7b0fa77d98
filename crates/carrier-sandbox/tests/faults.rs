//! Each fault, armed through the HTTP control API, observed by a client over real HTTP.

mod support;

use std::time::Duration;

use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{assert_response_valid, call, error_codes, http, package, ship, ship_request, token};
use wharf_carrier_sandbox::RunningUpsSandbox;
use wharf_carrier_sandbox::spec::Api;

async fn control(sandbox: &RunningUpsSandbox, method: Method, path: &str, body: Value) -> Value {
    let response = http()
        .request(method, format!("{}/sandbox/control{path}", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .expect("control call");
    assert!(response.status().is_success(), "control {path}: {}", response.status());
    response.json().await.expect("control json")
}

const TRACK: &str = "/api/track/v1/details/1Z999AA10123456784";

#[tokio::test]
async fn server_errors_answer_the_next_n_calls_then_stop() {
    let sandbox = support::start().await;
    let token = token(&sandbox).await;
    let armed = control(&sandbox, Method::POST, "/faults/server-errors", json!({ "count": 2, "status": 503 })).await;
    assert_eq!(armed["faults"]["server_errors"], 2);
    for _ in 0..2 {
        let (status, body) = call(&sandbox, Method::GET, TRACK, &token, None).await;
        assert_eq!((status, error_codes(&body)), (StatusCode::SERVICE_UNAVAILABLE, vec!["999999".to_owned()]));
        assert_response_valid(Api::Tracking, "GET", "/track/v1/details/{inquiryNumber}", status, &body);
    }
    let (status, _) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "served again");
    let faults = control(&sandbox, Method::GET, "/faults", json!({})).await;
    assert_eq!(faults["faults"]["server_errors"], 0);

    // The token endpoint counts too.
    control(&sandbox, Method::POST, "/faults/server-errors", json!({ "count": 1, "status": 500 })).await;
    let client = sandbox.default_client();
    let response = http()
        .post(format!("{}/security/v1/oauth/token", sandbox.base_url()))
        .basic_auth(&client.client_id, Some(secrecy::ExposeSecret::expose_secret(&client.client_secret)))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token call");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn timeout_after_label_stores_the_shipment_and_the_client_finds_it_by_reference() {
    let sandbox = support::config_with_timeout_hold(Duration::from_secs(2)).start().await.expect("start");
    let token = token(&sandbox).await;
    control(&sandbox, Method::POST, "/faults/timeout-after-label", json!({ "count": 1 })).await;
    let request = ship_request("W4RF01", "03", vec![package("1", None, &[])], "GIF", &["ORDER-77"], false);
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().expect("client");
    let error = impatient
        .post(format!("{}/api/shipments/v2409/ship", sandbox.base_url()))
        .bearer_auth(&token)
        .json(&request)
        .send()
        .await
        .expect_err("the response never comes in time");
    assert!(error.is_timeout(), "{error}");

    // The label was bought all the same: the sandbox's records and tracking by reference show it.
    let counts = sandbox.control().labels_by_reference();
    assert_eq!(counts["ORDER-77"].labels, 1);
    let (status, body) = call(&sandbox, Method::GET, "/api/track/v1/reference/details/ORDER-77", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    let found = body["trackResponse"]["shipment"][0]["package"][0]["trackingNumber"].clone();
    assert_eq!(found, json!(sandbox.control().shipments()[0].shipment_id));

    // The fault is spent: the next label comes back normally.
    let response = ship(&sandbox, &token, &request).await;
    assert_eq!(support::tracking_numbers(&response).len(), 1);
    assert_eq!(sandbox.control().labels_by_reference()["ORDER-77"].labels, 2);
}

#[tokio::test]
async fn a_client_that_outwaits_the_hold_sees_the_connection_cut() {
    let sandbox = support::config_with_timeout_hold(Duration::from_millis(300)).start().await.expect("start");
    let token = token(&sandbox).await;
    sandbox.control().timeout_after_label(1);
    let request = ship_request("W4RF01", "03", vec![package("1", None, &[])], "GIF", &["ORDER-78"], false);
    let outcome = match http()
        .post(format!("{}/api/shipments/v2409/ship", sandbox.base_url()))
        .bearer_auth(&token)
        .json(&request)
        .send()
        .await
    {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(outcome.is_err(), "no complete response arrives");
    assert_eq!(sandbox.control().labels_by_reference()["ORDER-78"].labels, 1);
}

#[tokio::test]
async fn an_expired_token_fault_revokes_the_token_until_a_new_one_is_fetched() {
    let sandbox = support::start().await;
    let token = token(&sandbox).await;
    control(&sandbox, Method::POST, "/faults/expire-token", json!({ "count": 1 })).await;
    let (status, body) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::UNAUTHORIZED, vec!["250002".to_owned()]));
    let (status, _) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token stays revoked");
    let fresh = support::token(&sandbox).await;
    let (status, _) = call(&sandbox, Method::GET, TRACK, &fresh, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn latency_is_set_and_reported_and_calls_are_still_served() {
    let sandbox = support::start().await;
    let set = control(&sandbox, Method::PUT, "/latency", json!({ "ms": 300 })).await;
    assert_eq!(set["latency_ms"], 300);
    assert_eq!(sandbox.control().latency(), Duration::from_millis(300));
    let token = token(&sandbox).await;
    let (status, _) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let cleared = control(&sandbox, Method::DELETE, "/faults", json!({})).await;
    assert_eq!(cleared["latency_ms"], 300, "clearing faults keeps latency");
}
