//! Parsing UPS answers (fixtures in `tests/fixtures/ups`, see SOURCES.md there) into Wharf's types. The
//! expected values are read off the fixtures by hand.

mod support;

use jiff::Timestamp;
use jiff::civil::{date, time};
use rust_decimal_macros::dec;
use secrecy::ExposeSecret;
use serde_json::Value;
use wharf_carrier_sandbox::spec::{self, Api, Profile};
use wharf_carriers::http::HttpResponse;
use wharf_carriers::ups::{address_validation, oauth, rating, shipping, tracking};
use wharf_carriers::{
    AddressClass, AddressOutcome, ErrorKind, LabelFormat, Money, Operation, TrackingStatus, cheapest_delivered_by,
    mark_cheapest_and_fastest,
};
use wharf_domain::Weight;

use support::*;

fn response(status: u16, name: &str) -> HttpResponse {
    HttpResponse::new(status, fixture(name))
}

#[test]
fn fixtures_match_the_response_schemas() {
    let cases: &[(Api, &str, &str, u16, &str)] = &[
        (Api::OAuth, "POST", "/security/v1/oauth/token", 200, "oauth-token-200.json"),
        (Api::OAuth, "POST", "/security/v1/oauth/token", 401, "oauth-token-401.json"),
        (Api::AddressValidation, "POST", "/addressvalidation/{version}/{requestoption}", 200, "xav-valid-200.json"),
        (Api::AddressValidation, "POST", "/addressvalidation/{version}/{requestoption}", 200, "xav-ambiguous-200.json"),
        (
            Api::AddressValidation,
            "POST",
            "/addressvalidation/{version}/{requestoption}",
            200,
            "xav-no-candidates-200.json",
        ),
        (Api::Rating, "POST", "/rating/{version}/{requestoption}", 200, "rate-shop-time-in-transit-200.json"),
        (Api::Rating, "POST", "/rating/{version}/{requestoption}", 200, "rate-ground-200.json"),
        (Api::Rating, "POST", "/rating/{version}/{requestoption}", 400, "rate-400.json"),
        (Api::Rating, "POST", "/rating/{version}/{requestoption}", 429, "error-429.json"),
        (Api::Shipping, "POST", "/shipments/{version}/ship", 200, "ship-gif-two-packages-200.json"),
        (Api::Shipping, "POST", "/shipments/{version}/ship", 200, "ship-png-negotiated-200.json"),
        (Api::Shipping, "POST", "/shipments/{version}/ship", 200, "ship-zpl-200.json"),
        (Api::Shipping, "POST", "/shipments/{version}/ship", 400, "ship-400.json"),
        (
            Api::Shipping,
            "DELETE",
            "/shipments/{version}/void/cancel/{shipmentidentificationnumber}",
            200,
            "void-200.json",
        ),
        (
            Api::Shipping,
            "DELETE",
            "/shipments/{version}/void/cancel/{shipmentidentificationnumber}",
            400,
            "void-400.json",
        ),
        (Api::Tracking, "GET", "/track/v1/details/{inquiryNumber}", 200, "track-spec-examples-200.json"),
        (Api::Tracking, "GET", "/track/v1/details/{inquiryNumber}", 200, "track-delivered-200.json"),
        (Api::Tracking, "GET", "/track/v1/details/{inquiryNumber}", 200, "track-not-found-warning-200.json"),
        (Api::Tracking, "GET", "/track/v1/details/{inquiryNumber}", 404, "track-not-found-404.json"),
        (Api::Tracking, "GET", "/track/v1/details/{inquiryNumber}", 503, "error-503.json"),
        (Api::Tracking, "GET", "/track/v1/reference/details/{referenceNumber}", 200, "track-reference-200.json"),
        (Api::Tracking, "GET", "/track/v1/reference/details/{referenceNumber}", 200, "track-voided-only-200.json"),
        (
            Api::Tracking,
            "GET",
            "/track/v1/reference/details/{referenceNumber}",
            200,
            "track-reference-duplicate-200.json",
        ),
    ];
    for (api, method, path, status, name) in cases {
        let body: Value = serde_json::from_slice(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let operation = spec::operation(*api, method, path).unwrap();
        if let Err(violations) = operation.validate_response(*status, &body, Profile::UpsGateway) {
            panic!("{name}: {violations}");
        }
    }
    let listed = std::fs::read_to_string(fixture_path("SOURCES.md")).unwrap();
    for entry in std::fs::read_dir(fixture_path("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            assert!(cases.iter().any(|c| c.4 == name), "{name} is not validated");
            assert!(listed.contains(&name) || name.starts_with("error-"), "{name} is not in SOURCES.md");
        }
    }
}

#[test]
fn token() {
    let now: Timestamp = "2026-03-02T15:00:00Z".parse().unwrap();
    let token = oauth::parse_response(&response(200, "oauth-token-200.json"), now).unwrap();
    assert_eq!(token.token.expose_secret(), "eyJraWQiOiJmaXh0dXJlIn0.eyJzdWIiOiJ3aGFyZiJ9.c2lnbmF0dXJl");
    assert_eq!(token.expires_at, "2026-03-02T18:59:59Z".parse::<Timestamp>().unwrap());

    let err = oauth::parse_response(&response(401, "oauth-token-401.json"), now).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(err.operation, Operation::Authenticate);
    assert_eq!(err.carrier_message(), Some("ClientId is Invalid"));
}

#[test]
fn address_validation_outcomes() {
    let sent = warehouse();
    let valid = address_validation::parse_response(&sent, &response(200, "xav-valid-200.json")).unwrap();
    assert_eq!(valid.outcome, AddressOutcome::Valid);
    assert_eq!(valid.classification, Some(AddressClass::Commercial));
    let candidate = &valid.candidates[0].address;
    assert_eq!(candidate.street1, "26601 ALISO CREEK RD STE D");
    assert_eq!(candidate.city, "ALISO VIEJO");
    assert_eq!(candidate.state, "CA");
    assert_eq!(candidate.postal_code, "92656-1521");
    assert_eq!(candidate.residential, Some(false));
    // Who it is for stays as sent.
    assert_eq!(candidate.name, "Shipping Desk");
    assert_eq!(candidate.company.as_deref(), Some("Harbor Goods LLC"));

    let ambiguous = address_validation::parse_response(&sent, &response(200, "xav-ambiguous-200.json")).unwrap();
    assert_eq!(ambiguous.outcome, AddressOutcome::Ambiguous);
    assert_eq!(ambiguous.classification, Some(AddressClass::Unknown));
    assert_eq!(ambiguous.candidates.len(), 2);
    assert_eq!(ambiguous.candidates[0].classification, Some(AddressClass::Residential));
    assert_eq!(ambiguous.candidates[0].address.postal_code, "78751-3822");
    assert_eq!(ambiguous.candidates[1].address.street2.as_deref(), Some("STE 100"));
    assert_eq!(ambiguous.candidates[1].address.postal_code, "78751");
    assert_eq!(ambiguous.messages[0].code.as_deref(), Some("XAV0001"));

    let none = address_validation::parse_response(&sent, &response(200, "xav-no-candidates-200.json")).unwrap();
    assert_eq!(none.outcome, AddressOutcome::NotFound);
    assert!(none.candidates.is_empty());
}

#[test]
fn shop_rates_with_delivery_estimates() {
    let rates = rating::parse_response(&response(200, "rate-shop-time-in-transit-200.json")).unwrap();
    let summary: Vec<(&str, Option<&str>, Money, bool)> = rates
        .iter()
        .map(|r| (r.carrier_service_code.as_str(), r.service.as_deref(), r.total.clone(), r.negotiated))
        .collect();
    assert_eq!(
        summary,
        [
            ("03", Some("ups_ground"), Money::usd(dec!(12.11)), true),
            ("12", Some("ups_3_day_select"), Money::usd(dec!(23.29)), true),
            ("02", Some("ups_2nd_day_air"), Money::usd(dec!(33.07)), true),
            ("01", Some("ups_next_day_air"), Money::usd(dec!(60.65)), true),
            ("75", None, Money::usd(dec!(95.00)), false),
        ]
    );
    let ground = &rates[0];
    assert_eq!(ground.service_name, "UPS Ground");
    assert_eq!(ground.list_total, Money::usd(dec!(14.25)));
    assert_eq!(ground.billing_weight, Some(Weight::pounds(dec!(4.0))));
    let estimate = ground.delivery.unwrap();
    assert_eq!(
        (estimate.date, estimate.time, estimate.business_days),
        (date(2026, 3, 5), Some(time(23, 30, 0, 0)), Some(3))
    );
    assert!(!estimate.guaranteed);
    assert!(rates[3].delivery.unwrap().guaranteed);
    assert_eq!(rates[4].service_name, "UPS Heavy Goods");
    assert_eq!(rates[4].delivery, None);
    // The response alert applies to every rate; the ground one has its own alert too.
    let codes: Vec<&str> = ground.messages.iter().filter_map(|m| m.code.as_deref()).collect();
    assert_eq!(codes, ["110971", "110920"]);

    // Rate shopping over these quotes.
    let pick = |deadline| cheapest_delivered_by(&rates, deadline).map(|r| r.carrier_service_code.as_str());
    assert_eq!(pick(date(2026, 3, 5)), Some("03"));
    assert_eq!(pick(date(2026, 3, 4)), Some("02"));
    assert_eq!(pick(date(2026, 3, 3)), Some("01"));
    let marks = mark_cheapest_and_fastest(&rates);
    assert_eq!((marks.cheapest, marks.fastest), (Some(0), Some(3)));
}

#[test]
fn one_rate_with_a_guaranteed_delivery() {
    let rates = rating::parse_response(&response(200, "rate-ground-200.json")).unwrap();
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].total, Money::usd(dec!(11.62)));
    assert!(!rates[0].negotiated);
    let estimate = rates[0].delivery.unwrap();
    assert_eq!(
        (estimate.date, estimate.time, estimate.business_days),
        (date(2026, 3, 5), Some(time(23, 30, 0, 0)), Some(3))
    );
}

#[test]
fn rate_errors() {
    let err = rating::parse_response(&response(400, "rate-400.json")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.carrier_code(), Some("111210"));
    assert!(err.message.contains("The requested service is unavailable between the selected locations. (111210)"));

    let mut limited = response(429, "error-429.json");
    limited.headers.push(("Retry-After".into(), "20".into()));
    let err = rating::parse_response(&limited).unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(err.is_retryable());
    assert_eq!(err.retry_after, Some(std::time::Duration::from_secs(20)));
}

#[test]
fn two_package_gif_label() {
    let request = two_package_request();
    let label = shipping::parse_ship_response(&request, &response(200, "ship-gif-two-packages-200.json")).unwrap();
    assert_eq!(label.shipment_id, "1ZW4RF010212345676");
    assert_eq!(label.reference, "shp-01HZX4-1");
    assert_eq!(label.service, "ups_2nd_day_air");
    let numbers: Vec<&str> = label.packages.iter().map(|p| p.tracking_number.as_str()).collect();
    assert_eq!(numbers, ["1ZW4RF010212345676", "1ZW4RF010212345685"]);
    for package in &label.packages {
        assert_eq!(package.image.format, LabelFormat::Gif);
        assert!(package.image.data.starts_with(b"GIF89a"));
        assert_eq!(package.image.data.len(), 42); // the 1x1 GIF of the fixture
    }
    assert_eq!(label.charge, Money::usd(dec!(47.45)));
    assert_eq!(label.list_charge, Money::usd(dec!(47.45)));
    assert_eq!(label.messages[0].code.as_deref(), Some("120900"));
}

#[test]
fn negotiated_png_label_charges_the_negotiated_amount() {
    let label =
        shipping::parse_ship_response(&label_request(), &response(200, "ship-png-negotiated-200.json")).unwrap();
    assert_eq!(label.charge, Money::usd(dec!(9.88)));
    assert_eq!(label.list_charge, Money::usd(dec!(11.62)));
    assert_eq!(label.packages[0].image.format, LabelFormat::Png);
    assert!(label.packages[0].image.data.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn zpl_label_is_printer_text() {
    let label = shipping::parse_ship_response(&label_request(), &response(200, "ship-zpl-200.json")).unwrap();
    assert_eq!(label.packages[0].image.format, LabelFormat::Zpl);
    assert_eq!(label.packages[0].image.data, b"^XA\n^FO40,40^A0N,40,40^FD1ZW4RF010312345675^FS\n^XZ\n");
}

#[test]
fn a_label_answer_that_cannot_be_read_says_the_label_may_exist() {
    // Two packages asked for, one returned: UPS made a shipment Wharf cannot account for.
    let err = shipping::parse_ship_response(&two_package_request(), &response(200, "ship-zpl-200.json")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unexpected);
    assert!(err.needs_lookup_before_retry());
    assert!(err.message.contains("2 packages were sent but UPS returned 1"), "{}", err.message);
    assert!(err.message.contains("look the shipment up by its reference"), "{}", err.message);
}

#[test]
fn refused_label_lists_every_ups_error() {
    let err = shipping::parse_ship_response(&label_request(), &response(400, "ship-400.json")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert!(!err.needs_lookup_before_retry());
    let codes: Vec<&str> = err.field_errors.iter().filter_map(|e| e.code.as_deref()).collect();
    assert_eq!(codes, ["120802", "120217"]);
}

#[test]
fn void() {
    let outcome = shipping::parse_void_response("1ZW4RF010212345676", &response(200, "void-200.json")).unwrap();
    assert!(outcome.voided);
    assert_eq!(outcome.status, "Voided");
    assert_eq!(outcome.packages.len(), 2);
    assert!(outcome.packages.iter().all(|p| p.voided));

    let err = shipping::parse_void_response("1ZW4RF010212345676", &response(400, "void-400.json")).unwrap_err();
    assert_eq!(err.operation, Operation::Void);
    assert_eq!(err.carrier_code(), Some("190117"));
}

#[test]
fn tracking_from_the_spec_examples() {
    let info = tracking::parse_response(&response(200, "track-spec-examples-200.json")).unwrap();
    let package = &info.packages[0];
    assert_eq!(package.tracking_number, "1Z023E2X0214323462");
    // Type X is an exception, whatever the simplified text says.
    assert_eq!(package.status, TrackingStatus::Exception);
    assert_eq!(package.carrier_status.code.as_deref(), Some("SR"));
    assert_eq!(package.service_name.as_deref(), Some("UPS Ground"));
    assert_eq!(package.references, ["ShipRef123"]);
    let event = &package.events[0];
    // 07:13:56 local at -05:00.
    assert_eq!(event.occurred_at, Some("2021-02-10T12:13:56Z".parse().unwrap()));
    assert_eq!(event.location.as_deref(), Some("Wayne, NJ, US"));
}

#[test]
fn delivered_package_journey() {
    let info = tracking::parse_response(&response(200, "track-delivered-200.json")).unwrap();
    let package = &info.packages[0];
    assert_eq!(package.status, TrackingStatus::Delivered);
    assert_eq!(package.delivered_at, Some("2026-03-05T20:22:10Z".parse().unwrap()));
    let statuses: Vec<TrackingStatus> = package.events.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            TrackingStatus::Delivered,
            TrackingStatus::OutForDelivery,
            TrackingStatus::InTransit,
            TrackingStatus::InTransit,
            TrackingStatus::LabelCreated,
        ]
    );
    assert_eq!(package.events[3].location.as_deref(), Some("Chicago, IL, US"));
    assert_eq!(package.events[4].location.as_deref(), Some("US"));
    assert_eq!(package.references, ["shp-01HZX4-1", "PO 40830601"]);
}

#[test]
fn not_found_both_ways() {
    for (status, name) in [(404, "track-not-found-404.json"), (200, "track-not-found-warning-200.json")] {
        let err = tracking::parse_response(&response(status, name)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{name}");
        assert_eq!(err.carrier_code(), Some("TW0001"), "{name}");
        assert_eq!(tracking::parse_find_response("shp-01HZX4-1", &response(status, name)).unwrap(), None);
    }
    let err = tracking::parse_response(&response(503, "error-503.json")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    let err = tracking::parse_find_response("shp-01HZX4-1", &response(503, "error-503.json")).unwrap_err();
    assert_eq!(err.operation, Operation::FindShipment);
}

#[test]
fn finding_a_shipment_by_reference_ignores_voided_labels() {
    let found =
        tracking::parse_find_response("shp-01HZX4-1", &response(200, "track-reference-200.json")).unwrap().unwrap();
    assert_eq!(found.shipment_id, "1ZW4RF010212345676");
    assert_eq!(found.tracking_numbers, ["1ZW4RF010212345676", "1ZW4RF010212345685"]);
    assert_eq!(found.status, TrackingStatus::LabelCreated);

    let info = tracking::parse_response(&response(200, "track-reference-200.json")).unwrap();
    assert_eq!(info.packages[0].estimated_delivery, Some(date(2026, 3, 4)));

    let voided = tracking::parse_find_response("shp-01HZX4-1", &response(200, "track-voided-only-200.json")).unwrap();
    assert_eq!(voided, None);
}

#[test]
fn a_duplicate_purchase_under_one_reference_is_reported() {
    let found = tracking::parse_find_response("shp-01HZX4-1", &response(200, "track-reference-duplicate-200.json"))
        .unwrap()
        .unwrap();
    assert_eq!(found.shipment_id, "1ZW4RF010212345676");
    assert_eq!(found.status, TrackingStatus::InTransit);
    assert_eq!(found.also_found, ["1ZW4RF010212345712"]);
}
