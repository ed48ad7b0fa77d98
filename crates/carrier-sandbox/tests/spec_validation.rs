//! The spec module against UPS's own documents: every document parses, hand-written bad bodies
//! are rejected with JSON pointers, and the documents' request examples pass the gateway profile
//! except where an example itself breaks its schema (each such defect listed here by hand, from
//! reading the example next to its schema).

use std::collections::BTreeSet;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use wharf_carrier_sandbox::spec::{self, Api, Profile};

const RATE: &str = "/rating/{version}/{requestoption}";
const SHIP: &str = "/shipments/{version}/ship";
const XAV: &str = "/addressvalidation/{version}/{requestoption}";

fn pointers(api: Api, path: &str, body: &Value, profile: Profile) -> BTreeSet<String> {
    match spec::operation(api, "POST", path).expect("operation").validate_request(body, profile) {
        Ok(_) => BTreeSet::new(),
        Err(violations) => violations.0.into_iter().map(|violation| violation.pointer).collect(),
    }
}

fn set(pointers: &[&str]) -> BTreeSet<String> {
    pointers.iter().map(|pointer| (*pointer).to_owned()).collect()
}

#[test]
fn every_vendored_document_parses_and_lists_its_operations() {
    for api in Api::ALL {
        let document = spec::document(api).expect("the vendored YAML parses");
        assert!(!document.operations().is_empty(), "{api} has operations");
    }
    let shipping = spec::document(Api::Shipping).expect("Shipping.yaml").operations();
    assert!(shipping.contains(&("POST".to_owned(), SHIP.to_owned())));
    assert!(shipping.contains(&(
        "DELETE".to_owned(),
        "/shipments/{version}/void/cancel/{shipmentidentificationnumber}".to_owned()
    )));
    let tracking = spec::document(Api::Tracking).expect("Tracking.yaml").operations();
    assert!(tracking.contains(&("GET".to_owned(), "/track/v1/reference/details/{referenceNumber}".to_owned())));
    assert!(spec::operation(Api::Shipping, "POST", "/shipments/ship").is_err());
}

#[test]
fn rate_examples_pass_the_gateway_profile_except_their_own_defects() {
    let operation = spec::operation(Api::Rating, "POST", RATE).expect("Rate");
    let examples = operation.request_examples();
    assert_eq!(examples.len(), 10);
    let shipper_number = "/RateRequest/Shipment/Shipper/ShipperNumber";
    for example in examples {
        let expected = match example.name.as_str() {
            // The placeholder "ShipperNumber" is longer than the 6 characters of an account.
            "1" | "4" | "7" => set(&[shipper_number]),
            // ... and so is the placeholder "ThirdPartyAccount".
            "5" => set(&[
                shipper_number,
                "/RateRequest/Shipment/PaymentDetails/ShipmentCharge/0/BillThirdParty/AccountNumber",
                "/RateRequest/Shipment/PaymentDetails/ShipmentCharge/1/BillThirdParty/AccountNumber",
            ]),
            // Shipper, ShipTo, ShipFrom, Package... are nested inside Shipment.Shipper.
            "6" => set(&["/RateRequest/Shipment", "/RateRequest/Shipment/Shipper"]),
            // PackageWeight.UnitOfMeasurement has a Code but not its required Description.
            "9" => set(&["/RateRequest/Shipment/Package/PackageWeight/UnitOfMeasurement"]),
            _ => BTreeSet::new(),
        };
        assert_eq!(
            pointers(Api::Rating, RATE, &example.value, Profile::UpsGateway),
            expected,
            "Rate example {} ({:?})",
            example.name,
            example.summary
        );
    }
}

#[test]
fn ship_examples_pass_the_gateway_profile_except_their_own_defects() {
    let operation = spec::operation(Api::Shipping, "POST", SHIP).expect("Ship");
    let examples = operation.request_examples();
    assert_eq!(examples.len(), 17);
    let trade_direct_child = "/ShipmentRequest/Shipment/TradeDirect/Child";
    for example in examples {
        let expected = match example.name.as_str() {
            // HazMat TransportCategory "xyz" is longer than its 1 character.
            "5" => set(&["/ShipmentRequest/Shipment/Package/PackageServiceOptions/HazMat/TransportCategory"]),
            // Service codes "011" and "072" are longer than the 2 characters of a code.
            "6" | "9" => set(&["/ShipmentRequest/Shipment/Service/Code"]),
            // NotificationCode "012" is longer than its 2 characters.
            "8" => set(&["/ShipmentRequest/Shipment/ShipmentServiceOptions/Notification/NotificationCode"]),
            // PointOfOriginType "MS" is longer than its 1 character.
            "11" | "12" => {
                set(&["/ShipmentRequest/Shipment/ShipmentServiceOptions/InternationalForms/PointOfOriginType"])
            }
            // No Request container.
            "13" => set(&["/ShipmentRequest"]),
            // No Package; SoldTo and NotificationBeforeDelivery lack their e-mail addresses.
            "14" => set(&[
                "/ShipmentRequest/Shipment",
                "/ShipmentRequest/Shipment/TradeDirect/Master/NotificationBeforeDelivery",
                "/ShipmentRequest/Shipment/TradeDirect/Master/SoldTo",
            ]),
            // Empty USI, too many Product entries, and (15) no LtlPackage.
            "15" => set(&[
                trade_direct_child,
                "/ShipmentRequest/Shipment/TradeDirect/Child/Product",
                "/ShipmentRequest/Shipment/TradeDirect/Child/USI",
            ]),
            "16" => set(&[
                "/ShipmentRequest/Shipment/TradeDirect/Child/Product",
                "/ShipmentRequest/Shipment/TradeDirect/Child/USI",
            ]),
            // The WorldEase example has no ShipmentRequest wrapper at all.
            "17" => set(&[""]),
            _ => BTreeSet::new(),
        };
        assert_eq!(
            pointers(Api::Shipping, SHIP, &example.value, Profile::UpsGateway),
            expected,
            "Ship example {} ({:?})",
            example.name,
            example.summary
        );
    }
}

#[test]
fn the_address_validation_example_passes() {
    let examples = spec::operation(Api::AddressValidation, "POST", XAV).expect("XAV").request_examples();
    assert_eq!(examples.len(), 1);
    assert_eq!(pointers(Api::AddressValidation, XAV, &examples[0].value, Profile::UpsGateway), set(&[]));
}

#[test]
fn as_written_the_schemas_reject_ups_own_standard_ship_example() {
    let example = spec::operation(Api::Shipping, "POST", SHIP)
        .expect("Ship")
        .request_examples()
        .into_iter()
        .find(|example| example.name == "1")
        .expect("example 1");
    let found = pointers(Api::Shipping, SHIP, &example.value, Profile::AsWritten);
    // A single ShipmentCharge and a single Package where arrays are declared, no LabelStockSize,
    // an empty CustomerContext under minLength 1.
    for pointer in [
        "/ShipmentRequest/Shipment/PaymentInformation/ShipmentCharge",
        "/ShipmentRequest/Shipment/Package",
        "/ShipmentRequest/LabelSpecification",
        "/ShipmentRequest/Request/TransactionReference/CustomerContext",
    ] {
        assert!(found.contains(pointer), "{pointer} in {found:?}");
    }
}

fn minimal_ship_request() -> Value {
    json!({
        "ShipmentRequest": {
            "Request": { "RequestOption": "nonvalidate" },
            "Shipment": {
                "Shipper": {
                    "Name": "Wharf Seller",
                    "ShipperNumber": "W4RF01",
                    "Address": { "AddressLine": ["1 Dock St"], "City": "Timonium", "StateProvinceCode": "MD", "PostalCode": "21093", "CountryCode": "US" }
                },
                "ShipTo": {
                    "Name": "Jane Doe",
                    "Address": { "AddressLine": ["12 Elm St"], "City": "Alpharetta", "StateProvinceCode": "GA", "PostalCode": "30005", "CountryCode": "US" }
                },
                "Service": { "Code": "03" },
                "Package": {
                    "Packaging": { "Code": "02" },
                    "PackageWeight": { "UnitOfMeasurement": { "Code": "LBS" }, "Weight": "1" }
                }
            },
            "LabelSpecification": { "LabelImageFormat": { "Code": "GIF" } }
        }
    })
}

#[test]
fn a_minimal_ship_request_passes_and_is_normalized() {
    let normalized = spec::operation(Api::Shipping, "POST", SHIP)
        .expect("Ship")
        .validate_request(&minimal_ship_request(), Profile::UpsGateway)
        .expect("valid");
    let package = normalized.body().pointer("/ShipmentRequest/Shipment/Package").expect("package");
    assert!(package.is_array(), "a single Package becomes an array: {package}");
    assert_eq!(
        normalized.original_pointer("/ShipmentRequest/Shipment/Package/0/PackageWeight"),
        "/ShipmentRequest/Shipment/Package/PackageWeight"
    );
}

#[test]
fn hand_written_bad_bodies_are_rejected_with_every_pointer() {
    let mut body = minimal_ship_request();
    let shipment = &mut body["ShipmentRequest"]["Shipment"];
    shipment.as_object_mut().expect("object").remove("ShipTo");
    shipment["Package"]["PackageWeight"]["Weight"] = json!(5);
    shipment["Service"]["Code"] = json!("0003");
    shipment["Shipper"]["ShipperNumber"] = json!("W4RF01-TOO-LONG");
    let violations = spec::operation(Api::Shipping, "POST", SHIP)
        .expect("Ship")
        .validate_request(&body, Profile::UpsGateway)
        .expect_err("invalid");
    let found: BTreeSet<&str> = violations.pointers().into_iter().collect();
    let expected: BTreeSet<&str> = [
        // Required ShipTo is missing: reported on its parent.
        "/ShipmentRequest/Shipment",
        // A number where the schema wants a string; the pointer is into the body as sent
        // (Package was a single object, not an array).
        "/ShipmentRequest/Shipment/Package/PackageWeight/Weight",
        "/ShipmentRequest/Shipment/Service/Code",
        "/ShipmentRequest/Shipment/Shipper/ShipperNumber",
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected);
    let missing = violations
        .0
        .iter()
        .find(|violation| violation.pointer == "/ShipmentRequest/Shipment")
        .expect("the missing ShipTo");
    assert!(missing.message.contains("ShipTo"), "{}", missing.message);
}

#[test]
fn address_validation_rejects_a_three_letter_country_and_a_missing_key_format() {
    let path = XAV;
    let three_letters = json!({ "XAVRequest": { "AddressKeyFormat": { "CountryCode": "USA" } } });
    assert_eq!(
        pointers(Api::AddressValidation, path, &three_letters, Profile::UpsGateway),
        set(&["/XAVRequest/AddressKeyFormat/CountryCode"])
    );
    let empty = json!({ "XAVRequest": {} });
    assert_eq!(pointers(Api::AddressValidation, path, &empty, Profile::UpsGateway), set(&["/XAVRequest"]));
    let not_an_object = json!([1, 2]);
    assert_eq!(pointers(Api::AddressValidation, path, &not_an_object, Profile::UpsGateway), set(&[""]));
}

#[test]
fn gateway_minlength_relaxation_is_what_lets_two_digit_service_codes_rate() {
    // Rating declares Service.Code with minLength 3; every UPS service code has two digits.
    let body = json!({
        "RateRequest": {
            "Request": {},
            "Shipment": {
                "Shipper": { "Address": { "AddressLine": ["1 Dock St"], "City": "Timonium", "PostalCode": "21093", "CountryCode": "US" } },
                "ShipTo": { "Address": { "AddressLine": ["12 Elm St"], "City": "Alpharetta", "PostalCode": "30005", "CountryCode": "US" } },
                "Service": { "Code": "03" },
                "Package": [{ "PackageWeight": { "UnitOfMeasurement": { "Code": "LBS", "Description": "Pounds" }, "Weight": "1" } }]
            }
        }
    });
    assert_eq!(pointers(Api::Rating, RATE, &body, Profile::UpsGateway), set(&[]));
    assert_eq!(
        pointers(Api::Rating, RATE, &body, Profile::AsWritten),
        set(&["/RateRequest/Request", "/RateRequest/Shipment/Service/Code"])
    );
}

#[test]
fn responses_validate_against_their_status_schema() {
    let void =
        spec::operation(Api::Shipping, "DELETE", "/shipments/{version}/void/cancel/{shipmentidentificationnumber}")
            .expect("Void");
    let good = json!({ "VoidShipmentResponse": {
        "Response": { "ResponseStatus": { "Code": "1", "Description": "Success" } },
        "SummaryResult": { "Status": { "Code": "1", "Description": "Voided" } }
    }});
    assert!(void.validate_response(200, &good, Profile::UpsGateway).is_ok());
    let without_summary = json!({ "VoidShipmentResponse": {
        "Response": { "ResponseStatus": { "Code": "1", "Description": "Success" } }
    }});
    let violations = void.validate_response(200, &without_summary, Profile::UpsGateway).expect_err("invalid");
    assert_eq!(violations.pointers(), ["/VoidShipmentResponse"]);
    let error = json!({ "response": { "errors": [{ "code": "190102", "message": "No shipment found" }] } });
    assert!(void.validate_response(400, &error, Profile::UpsGateway).is_ok());
    let wrong_error = json!({ "response": { "errors": { "code": 190102 } } });
    assert!(void.validate_response(400, &wrong_error, Profile::UpsGateway).is_err());
    assert!(void.validate_response(418, &error, Profile::UpsGateway).is_err());
}
