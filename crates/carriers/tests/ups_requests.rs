//! Every request the UPS connector builds: golden files (insta) and validation against UPS's OpenAPI
//! documents. Requests are checked after `authorize`, as they go on the wire.

mod support;

use jiff::civil::date;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use wharf_carrier_sandbox::spec::Api;
use wharf_carriers::http::HttpRequest;
use wharf_carriers::shipment::ShipmentOptions;
use wharf_carriers::ups::{address_validation, authorize, oauth, rating, shipping, tracking};
use wharf_carriers::{ErrorKind, LabelFormat, Operation, Parcel, TrackQuery};
use wharf_domain::shipping_codes::Confirmation;
use wharf_domain::{Dimensions, Weight};

use support::*;

const TRANS_ID: &str = "0123456789abcdef0123456789abcdef";

fn authorized(request: HttpRequest) -> HttpRequest {
    authorize(request, &SecretString::from("test-token"), TRANS_ID)
}

#[test]
fn token_request() {
    let request = oauth::build_request(&account());
    insta::assert_json_snapshot!("oauth_token", request);
    assert_matches_spec(Api::OAuth, "/security/v1/oauth/token", &request);
}

#[test]
fn address_validation_request() {
    let request = authorized(address_validation::build_request(&warehouse()).unwrap());
    insta::assert_json_snapshot!("address_validation", request);
    let body = request.json_body().unwrap();
    assert_eq!(body["XAVRequest"]["AddressKeyFormat"]["PostcodePrimaryLow"], "60607");
    assert_eq!(body["XAVRequest"]["AddressKeyFormat"]["PostcodeExtendedLow"], "1234");
    assert_matches_spec(Api::AddressValidation, "/addressvalidation/{version}/{requestoption}", &request);
}

#[test]
fn address_validation_refuses_addresses_outside_the_us() {
    let mut address = customer();
    address.country = "CA".into();
    let err = address_validation::build_request(&address).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.field_errors[0].field.as_deref(), Some("address.country"));
}

#[test]
fn rate_one_service() {
    let request = authorized(rating::build_request(&account(), &rate_request(Some("ups_ground"))).unwrap());
    insta::assert_json_snapshot!("rate_ups_ground", request);
    assert_eq!(request.path_string(), "/api/rating/v2409/Rate");
    let shipment = &request.json_body().unwrap()["RateRequest"]["Shipment"];
    assert_eq!(shipment["Service"]["Code"], "03");
    assert_eq!(shipment["Shipper"]["ShipperNumber"], "W4RF01");
    assert_eq!(shipment["ShipTo"]["Address"]["ResidentialAddressIndicator"], "Y");
    assert_eq!(shipment["Package"][0]["PackageWeight"]["Weight"], "2.3");
    assert_eq!(shipment["Package"][0]["Dimensions"]["Length"], "12");
    assert_matches_spec(Api::Rating, "/rating/{version}/{requestoption}", &request);
}

#[test]
fn shop_every_service_with_delivery_estimates_and_negotiated_rates() {
    let mut rate = rate_request(None);
    rate.ship_date = Some(date(2026, 3, 2));
    rate.packages.push(pak_parcel());
    rate.options = ShipmentOptions { confirmation: Confirmation::AdultSignature };
    let request = authorized(rating::build_request(&account().with_negotiated_rates(true), &rate).unwrap());
    insta::assert_json_snapshot!("rate_shop_time_in_transit", request);
    assert_eq!(request.path_string(), "/api/rating/v2409/Shoptimeintransit");
    let shipment = &request.json_body().unwrap()["RateRequest"]["Shipment"];
    assert!(shipment.get("Service").is_none());
    assert_eq!(shipment["DeliveryTimeInformation"]["Pickup"]["Date"], "20260302");
    // 2.25 lb -> 2.3 and 12 oz -> 0.8, as sent per package.
    assert_eq!(shipment["ShipmentTotalWeight"]["Weight"], "3.1");
    assert_eq!(shipment["Package"][1]["PackageServiceOptions"]["DeliveryConfirmation"]["DCISType"], "3");
    assert_eq!(shipment["ShipmentRatingOptions"]["NegotiatedRatesIndicator"], "Y");
    assert_matches_spec(Api::Rating, "/rating/{version}/{requestoption}", &request);
}

#[test]
fn ship_one_package_gif() {
    let request = authorized(shipping::build_ship_request(&account(), &label_request()).unwrap());
    insta::assert_json_snapshot!("ship_ground_gif", request);
    let body = &request.json_body().unwrap()["ShipmentRequest"];
    assert_eq!(body["LabelSpecification"]["LabelImageFormat"]["Code"], "GIF");
    assert_eq!(body["Shipment"]["Package"][0]["ReferenceNumber"][0]["Value"], "shp-01HZX4-1");
    assert_eq!(body["Shipment"]["Package"][0]["Packaging"]["Code"], "02");
    assert_eq!(body["Shipment"]["Shipper"]["Name"], "Harbor Goods LLC");
    assert_eq!(body["Shipment"]["Shipper"]["AttentionName"], "Shipping Desk");
    assert_eq!(body["Shipment"]["Shipper"]["Phone"]["Number"], "3125550142");
    assert_eq!(body["Shipment"]["Shipper"]["Address"]["PostalCode"], "606071234");
    assert_matches_spec(Api::Shipping, "/shipments/{version}/ship", &request);
}

#[test]
fn ship_two_packages_png_with_signature_and_insurance() {
    let account = account().with_label_format(LabelFormat::Png).with_negotiated_rates(true);
    let request = authorized(shipping::build_ship_request(&account, &two_package_request()).unwrap());
    insta::assert_json_snapshot!("ship_two_packages_png", request);
    let shipment = &request.json_body().unwrap()["ShipmentRequest"]["Shipment"];
    assert_eq!(shipment["Service"]["Code"], "02");
    assert_eq!(shipment["Package"].as_array().unwrap().len(), 2);
    assert_eq!(shipment["Package"][0]["PackageServiceOptions"]["DeclaredValue"]["MonetaryValue"], "250.00");
    assert_eq!(shipment["Package"][1]["Packaging"]["Code"], "04");
    assert_eq!(shipment["Package"][1]["PackageServiceOptions"]["DeliveryConfirmation"]["DCISType"], "2");
    assert_eq!(shipment["Package"][1]["ReferenceNumber"][1]["Value"], "PO 40830601");
    assert_matches_spec(Api::Shipping, "/shipments/{version}/ship", &request);
}

#[test]
fn ship_zpl() {
    let request = authorized(shipping::build_ship_request(&zpl_account(), &label_request()).unwrap());
    let spec = &request.json_body().unwrap()["ShipmentRequest"]["LabelSpecification"];
    assert_eq!(spec["LabelImageFormat"]["Code"], "ZPL");
    assert_eq!(spec["LabelStockSize"]["Height"], "6");
    assert_eq!(spec["LabelStockSize"]["Width"], "4");
    assert!(spec.get("HTTPUserAgent").is_none());
    assert_matches_spec(Api::Shipping, "/shipments/{version}/ship", &request);
}

#[test]
fn international_references_go_on_the_shipment() {
    let mut label = label_request();
    label.ship_to.country = "CA".into();
    label.ship_to.state = "ON".into();
    label.ship_to.postal_code = "L4G 3V2".into();
    label.service = "ups_standard_international".into();
    label.description = Some("Garden hose fittings".into());
    let request = authorized(shipping::build_ship_request(&account(), &label).unwrap());
    let shipment = &request.json_body().unwrap()["ShipmentRequest"]["Shipment"];
    assert_eq!(shipment["ReferenceNumber"][0]["Value"], "shp-01HZX4-1");
    assert!(shipment["Package"][0].get("ReferenceNumber").is_none());
    assert_eq!(shipment["ShipTo"]["Address"]["PostalCode"], "L4G 3V2");
    assert_matches_spec(Api::Shipping, "/shipments/{version}/ship", &request);
}

#[test]
fn void_request() {
    let request = authorized(shipping::build_void_request("1ZW4RF010312345675").unwrap());
    insta::assert_json_snapshot!("void", request);
    assert_matches_spec(Api::Shipping, "/shipments/{version}/void/cancel/{shipmentidentificationnumber}", &request);
}

#[test]
fn track_by_number_and_by_reference() {
    let by_number =
        authorized(tracking::build_request(&account(), &TrackQuery::Number("1ZW4RF010312345675".into())).unwrap());
    insta::assert_json_snapshot!("track_number", by_number);
    assert_matches_spec(Api::Tracking, "/track/v1/details/{inquiryNumber}", &by_number);

    let by_reference = authorized(tracking::build_find_request(&account(), "shp-01HZX4-1").unwrap());
    insta::assert_json_snapshot!("track_reference", by_reference);
    assert_matches_spec(Api::Tracking, "/track/v1/reference/details/{referenceNumber}", &by_reference);
}

#[test]
fn bad_shipments_are_refused_before_sending_with_every_problem_listed() {
    let mut label = label_request();
    label.reference = "a-reference-much-longer-than-thirty-five-characters".into();
    label.service = "fedex_ground".into();
    label.ship_to.street1 = "4417 Avenue H, Building C, Apartment 1204 rear".into();
    label.ship_to.state = "Texas".into();
    label.packages = vec![
        Parcel::package(Weight::pounds(dec!(0)), None),
        Parcel {
            package: "ups_pak".into(),
            weight: Weight::pounds(dec!(151)),
            dimensions: Some(Dimensions::inches(dec!(110), dec!(10), dec!(10))),
            insured_value: None,
        },
    ];
    let err = shipping::build_ship_request(&account(), &label).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.operation, Operation::BuyLabel);
    assert!(!err.is_retryable());
    let fields: Vec<&str> = err.field_errors.iter().filter_map(|e| e.field.as_deref()).collect();
    assert_eq!(
        fields,
        [
            "reference",
            "service",
            "ship_to.street1",
            "ship_to.state",
            "packages[0].weight",
            "packages[1].dimensions",
            "packages[1].weight",
        ]
    );
    assert!(err.message.starts_with("UPS label purchase not sent: reference: UPS accepts at most 35 characters;"));
    assert!(err.message.ends_with("Correct the shipment and try again."));
}

#[test]
fn next_day_air_early_needs_the_recipient_phone() {
    let mut label = label_request();
    label.service = "ups_next_day_air_early_am".into();
    label.ship_to.phone = None;
    let err = shipping::build_ship_request(&account(), &label).unwrap_err();
    assert_eq!(err.field_errors[0].field.as_deref(), Some("ship_to.phone"));
}

#[test]
fn tracking_numbers_are_checked() {
    let err = tracking::build_request(&account(), &TrackQuery::Number("1Z 123".into())).unwrap_err();
    assert_eq!(err.field_errors[0].field.as_deref(), Some("tracking_number"));
    let err = shipping::build_void_request("../1Z").unwrap_err();
    assert_eq!(err.operation, Operation::Void);
}

/// The spec check above would be worthless if it passed everything: a request missing what UPS requires,
/// or carrying a field longer than UPS allows, fails it.
#[test]
fn the_spec_check_catches_broken_requests() {
    use wharf_carrier_sandbox::spec::{self, Profile};
    let operation = spec::operation(Api::Shipping, "POST", "/shipments/{version}/ship").unwrap();
    let request = authorized(shipping::build_ship_request(&account(), &label_request()).unwrap());
    let mut body = request.json_body().unwrap().clone();
    body["ShipmentRequest"]["Shipment"].as_object_mut().unwrap().remove("Shipper");
    body["ShipmentRequest"]["Shipment"]["ShipTo"]["Address"]["City"] =
        "A city name far longer than thirty characters".into();
    let violations = operation.validate_request(&body, Profile::UpsGateway).unwrap_err();
    assert_eq!(violations.pointers(), ["/ShipmentRequest/Shipment", "/ShipmentRequest/Shipment/ShipTo/Address/City"]);
}
