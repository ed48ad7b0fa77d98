//! Ship and void over real HTTP: labels in GIF, PNG and ZPL whose barcodes `zbarimg` reads,
//! tracking numbers with hand-computed check digits, multi-package shipments, charges equal to
//! the rate, validation errors with pointers, and void state.
//!
//! Tracking numbers for the default account W4RF01 and Ground (03), by hand (letters count
//! (letter - 'A' + 2) mod 10: W -> 4, R -> 9, F -> 7; odd positions once, even positions twice):
//! serial 1: odd 4+9+0+0+0+0+0+1 = 14, even 2 x (4+7+1+3) = 30, 44 -> check 6: 1ZW4RF010300000016
//! serial 2: odd 15, 45 -> check 5: 1ZW4RF010300000025;  serial 3: odd 16 -> 4: 1ZW4RF010300000034

mod support;

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::SignedDuration;
use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{
    assert_response_valid, call, error_codes, error_messages, package, ship, ship_request, start, token,
    tracking_numbers,
};
use wharf_carrier_sandbox::spec::Api;
use wharf_carrier_sandbox::tracking_number;

const VOID_PATH: &str = "/shipments/{version}/void/cancel/{shipmentidentificationnumber}";

fn label_bytes(ship_response: &Value, index: usize) -> (String, Vec<u8>) {
    let label = &ship_response["ShipmentResponse"]["ShipmentResults"]["PackageResults"][index]["ShippingLabel"];
    let format = label["ImageFormat"]["Code"].as_str().expect("format").to_owned();
    let image = STANDARD.decode(label["GraphicImage"].as_str().expect("GraphicImage")).expect("base64");
    (format, image)
}

/// What zbarimg reads from the image (it must be installed: zbar-tools).
fn zbar(image: &[u8], extension: &str) -> String {
    let directory = tempfile::tempdir().expect("tempdir");
    let path = directory.path().join(format!("label.{extension}"));
    std::fs::write(&path, image).expect("write label");
    let output = Command::new("zbarimg")
        .arg("--raw")
        .arg("-q")
        .arg(&path)
        .output()
        .expect("zbarimg runs (apt-get install zbar-tools)");
    assert!(output.status.success(), "zbarimg found no barcode: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf8").trim().to_owned()
}

#[tokio::test]
async fn labels_come_in_gif_png_and_zpl_with_a_readable_barcode() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let account = sandbox.default_client().account_number;
    let expected = ["1ZW4RF010300000016", "1ZW4RF010300000025", "1ZW4RF010300000034"];
    for (format, expected_number) in ["GIF", "PNG", "ZPL"].into_iter().zip(expected) {
        let request = ship_request(&account, "03", vec![package("2", None, &[])], format, &["PO-1001"], false);
        let response = ship(&sandbox, &token, &request).await;
        assert_eq!(tracking_numbers(&response), [expected_number]);
        assert!(tracking_number::is_valid(expected_number));
        let (returned_format, bytes) = label_bytes(&response, 0);
        assert_eq!(returned_format, format);
        match format {
            "GIF" => {
                assert_eq!(&bytes[..6], b"GIF89a");
                assert_eq!(zbar(&bytes, "gif"), expected_number);
            }
            "PNG" => {
                assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
                assert_eq!(zbar(&bytes, "png"), expected_number);
            }
            _ => {
                let zpl = String::from_utf8(bytes).expect("ZPL is text");
                assert!(zpl.starts_with("^XA"), "{zpl}");
                assert!(zpl.trim_end().ends_with("^XZ"));
                assert!(zpl.contains(&format!("^BCN,240,Y,N,N^FD{expected_number}^FS")), "{zpl}");
                assert!(zpl.contains("^FDJANE DOE^FS"));
                assert!(zpl.contains("^FDUPS GROUND^FS"));
                assert!(zpl.contains("^FDREF: PO-1001^FS"));
            }
        }
    }
}

#[tokio::test]
async fn a_multi_package_shipment_gets_a_label_per_package_and_the_rated_charges() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let account = sandbox.default_client().account_number;
    let packages = vec![package("1", Some((5, 5, 5)), &["BOX-1"]), package("4", Some((12, 12, 12)), &["BOX-2"])];
    let request = ship_request(&account, "03", packages.clone(), "PNG", &["PO-2002"], true);
    let response = ship(&sandbox, &token, &request).await;
    let results = &response["ShipmentResponse"]["ShipmentResults"];
    assert_eq!(tracking_numbers(&response), ["1ZW4RF010300000016", "1ZW4RF010300000025"]);
    assert_eq!(results["ShipmentIdentificationNumber"], "1ZW4RF010300000016");
    // Same as the rating test: (12.00 + 5.50) + (12.00 + 12 x 1.30 + 5.50).
    assert_eq!(results["ShipmentCharges"]["TransportationCharges"]["MonetaryValue"], "39.60");
    assert_eq!(results["ShipmentCharges"]["ServiceOptionsCharges"]["MonetaryValue"], "11.00");
    assert_eq!(results["ShipmentCharges"]["TotalCharges"]["MonetaryValue"], "50.60");
    assert_eq!(results["BillingWeight"]["Weight"], "14.0");
    assert_eq!(results["PackageResults"][1]["ServiceOptionsCharges"]["MonetaryValue"], "5.50");
    assert_eq!(response["ShipmentResponse"]["Response"]["TransactionReference"]["CustomerContext"], "wharf test");
    for index in 0..2 {
        let (_, image) = label_bytes(&response, index);
        assert_eq!(zbar(&image, "png"), tracking_numbers(&response)[index]);
    }

    // Rating the same shipment quotes the same total.
    let rate = json!({ "RateRequest": { "Request": {}, "Shipment": {
        "Shipper": request["ShipmentRequest"]["Shipment"]["Shipper"],
        "ShipTo": request["ShipmentRequest"]["Shipment"]["ShipTo"],
        "Service": { "Code": "03" },
        "Package": packages,
    }}});
    let (status, rated) = call(&sandbox, Method::POST, "/api/rating/v2409/Rate", &token, Some(&rate)).await;
    assert_eq!(status, StatusCode::OK, "{rated:#}");
    assert_eq!(rated["RateResponse"]["RatedShipment"][0]["TotalCharges"]["MonetaryValue"], "50.60");

    let shipments = sandbox.control().shipments();
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].references, ["PO-2002"]);
    assert_eq!(shipments[0].packages[1].references, ["BOX-2"]);
    assert_eq!(shipments[0].total_charges.to_string(), "50.60");
}

#[tokio::test]
async fn requests_that_break_the_schema_are_refused_with_every_pointer() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let mut request = ship_request("W4RF01", "03", vec![package("1", None, &[])], "GIF", &[], false);
    let shipment = &mut request["ShipmentRequest"]["Shipment"];
    shipment.as_object_mut().expect("object").remove("ShipTo");
    shipment["Package"][0]["PackageWeight"]["Weight"] = json!(1);
    let (status, body) = call(&sandbox, Method::POST, "/api/shipments/v2409/ship", &token, Some(&request)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_response_valid(Api::Shipping, "POST", support::SHIP_PATH, status, &body);
    assert_eq!(error_codes(&body), ["10002", "10002"]);
    let mut pointers: Vec<String> =
        error_messages(&body).iter().map(|message| message.split(": ").next().unwrap_or_default().to_owned()).collect();
    pointers.sort();
    assert_eq!(pointers, ["/ShipmentRequest/Shipment", "/ShipmentRequest/Shipment/Package/0/PackageWeight/Weight"]);

    let response = support::http()
        .post(format!("{}/api/shipments/v2409/ship", sandbox.base_url()))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_codes(&body), ["10001"]);
    assert!(sandbox.control().shipments().is_empty(), "nothing was bought");
}

#[tokio::test]
async fn business_rules_refuse_what_ups_would() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let one = || vec![package("1", None, &[])];
    let mut wrong_state = ship_request("W4RF01", "03", one(), "GIF", &[], false);
    wrong_state["ShipmentRequest"]["Shipment"]["ShipTo"]["Address"]["StateProvinceCode"] = json!("FL");
    let mut zpl_without_stock = ship_request("W4RF01", "03", one(), "ZPL", &[], false);
    zpl_without_stock["ShipmentRequest"]["LabelSpecification"]
        .as_object_mut()
        .expect("object")
        .remove("LabelStockSize");
    let cases = [
        (ship_request("ZZZZ99", "03", one(), "GIF", &[], false), "120100"),
        (wrong_state, "120206"),
        (zpl_without_stock, "125002"),
        (ship_request("W4RF01", "03", one(), "EPL", &[], false), "125001"),
        (ship_request("W4RF01", "93", one(), "GIF", &[], false), "111210"),
        (ship_request("W4RF01", "65", one(), "GIF", &[], false), "111100"),
    ];
    for (request, code) in cases {
        let (status, body) = call(&sandbox, Method::POST, "/api/shipments/v2409/ship", &token, Some(&request)).await;
        assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec![code.to_owned()]), "{body:#}");
        assert_response_valid(Api::Shipping, "POST", support::SHIP_PATH, status, &body);
    }
    assert!(sandbox.control().shipments().is_empty());
}

async fn void(sandbox: &wharf_carrier_sandbox::RunningUpsSandbox, token: &str, path: &str) -> (StatusCode, Value) {
    let (status, body) = call(sandbox, Method::DELETE, path, token, None).await;
    assert_response_valid(Api::Shipping, "DELETE", VOID_PATH, status, &body);
    (status, body)
}

#[tokio::test]
async fn voiding_is_remembered_per_package_and_per_shipment() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let packages = vec![package("1", None, &[]), package("2", None, &[])];
    let response = ship(&sandbox, &token, &ship_request("W4RF01", "03", packages, "GIF", &["PO-3003"], false)).await;
    let [first, second] = <[String; 2]>::try_from(tracking_numbers(&response)).expect("two packages");

    let (status, body) =
        void(&sandbox, &token, &format!("/api/shipments/v2409/void/cancel/{first}?trackingnumber={second}")).await;
    assert_eq!(status, StatusCode::OK);
    let result = &body["VoidShipmentResponse"];
    assert_eq!(result["SummaryResult"]["Status"]["Description"], "Partial Void");
    assert_eq!(result["PackageLevelResults"][0]["TrackingNumber"], second.as_str());

    let (status, body) = void(&sandbox, &token, &format!("/api/shipments/v2409/void/cancel/{first}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["VoidShipmentResponse"]["SummaryResult"]["Status"],
        json!({ "Code": "1", "Description": "Voided" })
    );

    let (status, body) = void(&sandbox, &token, &format!("/api/shipments/v2409/void/cancel/{first}")).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["190117".to_owned()]));
    let (status, body) = void(&sandbox, &token, "/api/shipments/v2409/void/cancel/1Z999AA10123456784").await;
    assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["190102".to_owned()]));

    let shipments = sandbox.control().shipments();
    assert!(shipments[0].voided());
    let counts = sandbox.control().labels_by_reference();
    assert_eq!((counts["PO-3003"].labels, counts["PO-3003"].voided_labels), (2, 2));
}

#[tokio::test]
async fn a_picked_up_shipment_can_no_longer_be_voided() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let response =
        ship(&sandbox, &token, &ship_request("W4RF01", "03", vec![package("1", None, &[])], "GIF", &[], false)).await;
    let number = &tracking_numbers(&response)[0];
    // Picked up 2 hours after the label was created.
    sandbox.control().advance_clock(SignedDuration::from_hours(2));
    let (status, body) = void(&sandbox, &token, &format!("/api/shipments/v2409/void/cancel/{number}")).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["190110".to_owned()]));
    assert!(!sandbox.control().shipments()[0].voided());
}
