//! Shared by the HTTP tests: a sandbox on a loopback port with a fixed clock, a reqwest client,
//! token and request helpers, and response validation against the spec.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::sync::Once;
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use wharf_carrier_sandbox::spec::{self, Api, Profile};
use wharf_carrier_sandbox::{RunningUpsSandbox, SandboxClock, SandboxConfig};

/// The instant every test sandbox starts at: Monday 2026-03-02, 15:00 UTC.
pub const START: &str = "2026-03-02T15:00:00Z";

pub const SHIP_PATH: &str = "/shipments/{version}/ship";
pub const RATE_PATH: &str = "/rating/{version}/{requestoption}";

static RUSTLS: Once = Once::new();

/// reqwest is built without a crypto provider (the workspace installs ring once at start-up).
pub fn http() -> Client {
    RUSTLS.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    Client::builder().timeout(Duration::from_secs(30)).build().expect("http client")
}

pub fn config() -> SandboxConfig {
    SandboxConfig { clock: SandboxClock::fixed(START.parse().expect("instant")), ..SandboxConfig::default() }
}

/// The test configuration with a `timeout-after-label` hold of `hold`.
pub fn config_with_timeout_hold(hold: Duration) -> SandboxConfig {
    SandboxConfig { timeout_hold: hold, ..config() }
}

pub async fn start() -> RunningUpsSandbox {
    config().start().await.expect("sandbox starts")
}

/// A bearer token for the sandbox's default client.
pub async fn token(sandbox: &RunningUpsSandbox) -> String {
    let client = sandbox.default_client();
    let response = http()
        .post(format!("{}/security/v1/oauth/token", sandbox.base_url()))
        .basic_auth(&client.client_id, Some(client.client_secret.expose_secret()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token json");
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// Sends a JSON API call; returns the status and the JSON body.
pub async fn call(
    sandbox: &RunningUpsSandbox,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = http()
        .request(method, format!("{}{path}", sandbox.base_url()))
        .bearer_auth(token)
        .header("transId", "test-transaction")
        .header("transactionSrc", "wharf-tests");
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let body = response.json().await.expect("json body");
    (status, body)
}

/// Asserts `body` is valid for `status` of the operation, in the gateway profile.
pub fn assert_response_valid(api: Api, method: &str, path: &str, status: StatusCode, body: &Value) {
    let operation = spec::operation(api, method, path).expect("operation in spec");
    if let Err(violations) = operation.validate_response(status.as_u16(), body, Profile::UpsGateway) {
        panic!("{api} {method} {path} {status} response breaks its schema: {violations}\n{body:#}");
    }
}

/// The UPS error codes of an error body.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["response"]["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|error| error["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

/// The error messages of an error body.
pub fn error_messages(body: &Value) -> Vec<String> {
    body["response"]["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|error| error["message"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

pub fn address(line: &str, city: &str, state: &str, zip: &str) -> Value {
    json!({ "AddressLine": [line], "City": city, "StateProvinceCode": state, "PostalCode": zip, "CountryCode": "US" })
}

/// A package of `weight` pounds, optionally with inch dimensions, and package references.
pub fn package(weight: &str, dimensions: Option<(u32, u32, u32)>, references: &[&str]) -> Value {
    let mut package = json!({
        "Packaging": { "Code": "02", "Description": "Customer Supplied Package" },
        "PackageWeight": { "UnitOfMeasurement": { "Code": "LBS", "Description": "Pounds" }, "Weight": weight },
    });
    if let Some((length, width, height)) = dimensions {
        package["Dimensions"] = json!({
            "UnitOfMeasurement": { "Code": "IN", "Description": "Inches" },
            "Length": length.to_string(), "Width": width.to_string(), "Height": height.to_string(),
        });
    }
    if !references.is_empty() {
        package["ReferenceNumber"] =
            references.iter().map(|value| json!({ "Value": value })).collect::<Vec<_>>().into();
    }
    package
}

/// A ship request from Timonium MD 21093 to Alpharetta GA 30005 (zone 4), as the connector would
/// send it.
pub fn ship_request(
    account: &str,
    service: &str,
    packages: Vec<Value>,
    format: &str,
    references: &[&str],
    residential: bool,
) -> Value {
    let mut ship_to_address = address("12 Elm St", "Alpharetta", "GA", "30005");
    if residential {
        ship_to_address["ResidentialAddressIndicator"] = json!("");
    }
    let mut request = json!({
        "ShipmentRequest": {
            "Request": { "RequestOption": "nonvalidate", "TransactionReference": { "CustomerContext": "wharf test" } },
            "Shipment": {
                "Description": "Order",
                "Shipper": {
                    "Name": "Wharf Seller",
                    "ShipperNumber": account,
                    "Phone": { "Number": "4105550100" },
                    "Address": address("1 Dock St", "Timonium", "MD", "21093"),
                },
                "ShipTo": { "Name": "Jane Doe", "Phone": { "Number": "7705550100" }, "Address": ship_to_address },
                "ShipFrom": { "Name": "Wharf Seller", "Address": address("1 Dock St", "Timonium", "MD", "21093") },
                "PaymentInformation": { "ShipmentCharge": [{ "Type": "01", "BillShipper": { "AccountNumber": account } }] },
                "Service": { "Code": service },
                "Package": packages,
            },
            "LabelSpecification": { "LabelImageFormat": { "Code": format } },
        }
    });
    if format == "ZPL" {
        request["ShipmentRequest"]["LabelSpecification"]["LabelStockSize"] = json!({ "Height": "6", "Width": "4" });
    }
    if !references.is_empty() {
        request["ShipmentRequest"]["Shipment"]["ReferenceNumber"] =
            references.iter().map(|value| json!({ "Value": value })).collect::<Vec<_>>().into();
    }
    request
}

/// Ships and returns the response body, asserting 200 and a spec-valid response.
pub async fn ship(sandbox: &RunningUpsSandbox, token: &str, request: &Value) -> Value {
    let (status, body) = call(sandbox, Method::POST, "/api/shipments/v2409/ship", token, Some(request)).await;
    assert_eq!(status, StatusCode::OK, "ship: {body:#}");
    assert_response_valid(Api::Shipping, "POST", SHIP_PATH, status, &body);
    body
}

pub fn tracking_numbers(ship_response: &Value) -> Vec<String> {
    ship_response["ShipmentResponse"]["ShipmentResults"]["PackageResults"]
        .as_array()
        .expect("PackageResults")
        .iter()
        .map(|package| package["TrackingNumber"].as_str().expect("TrackingNumber").to_owned())
        .collect()
}
