//! Shared by the connector tests: sample Wharf data, the spec check every built request goes through,
//! and fixture loading.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::path::PathBuf;

use jiff::civil::date;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use serde_json::{Value, json};
use wharf_carrier_sandbox::spec::{self, Api, Profile};
use wharf_carriers::http::{Body, HttpRequest, Method};
use wharf_carriers::shipment::ShipmentOptions;
use wharf_carriers::{LabelFormat, LabelRequest, Money, Parcel, RateRequest, UpsAccountConfig};
use wharf_domain::shipping_codes::Confirmation;
use wharf_domain::{Address, Dimensions, Weight};

pub fn account() -> UpsAccountConfig {
    UpsAccountConfig::new("wharf-test-client", SecretString::from("wharf-test-secret"), "W4RF01")
        .with_base_url("http://127.0.0.1:9")
}

/// The seller's warehouse.
pub fn warehouse() -> Address {
    Address {
        name: "Shipping Desk".into(),
        company: Some("Harbor Goods LLC".into()),
        street1: "1200 W Fulton Market".into(),
        street2: Some("Dock 4".into()),
        city: "Chicago".into(),
        state: "IL".into(),
        postal_code: "60607-1234".into(),
        country: "US".into(),
        phone: Some("(312) 555-0142".into()),
        ..Address::default()
    }
}

/// A Sears buyer.
pub fn customer() -> Address {
    Address {
        name: "Dana Whitfield".into(),
        street1: "4417 Avenue H".into(),
        city: "Austin".into(),
        state: "TX".into(),
        postal_code: "78751".into(),
        country: "US".into(),
        phone: Some("512-555-0187".into()),
        residential: Some(true),
        ..Address::default()
    }
}

pub fn box_parcel() -> Parcel {
    Parcel::package(Weight::pounds(dec!(2.25)), Some(Dimensions::inches(dec!(8), dec!(12), dec!(6))))
}

pub fn pak_parcel() -> Parcel {
    Parcel { package: "ups_pak".into(), weight: Weight::ounces(dec!(12)), dimensions: None, insured_value: None }
}

pub fn rate_request(service: Option<&str>) -> RateRequest {
    RateRequest {
        ship_from: warehouse(),
        ship_to: customer(),
        packages: vec![box_parcel()],
        service: service.map(str::to_owned),
        options: ShipmentOptions::default(),
        ship_date: None,
    }
}

pub fn label_request() -> LabelRequest {
    LabelRequest {
        reference: "shp-01HZX4-1".into(),
        customer_reference: Some("PO 40830601".into()),
        ship_from: warehouse(),
        ship_to: customer(),
        service: "ups_ground".into(),
        packages: vec![box_parcel()],
        options: ShipmentOptions::default(),
        ship_date: Some(date(2026, 3, 2)),
        description: None,
    }
}

pub fn two_package_request() -> LabelRequest {
    let mut insured = box_parcel();
    insured.insured_value = Some(Money::usd(dec!(250)));
    LabelRequest {
        packages: vec![insured, pak_parcel()],
        service: "ups_2nd_day_air".into(),
        options: ShipmentOptions { confirmation: Confirmation::Signature },
        ..label_request()
    }
}

pub fn zpl_account() -> UpsAccountConfig {
    account().with_label_format(LabelFormat::Zpl)
}

/// Checks a request Wharf built (and authorized) against the UPS document: the path matches the
/// template, every required parameter is present, every query parameter sent is one the operation
/// declares, and the body validates against the request schema under the gateway profile (see the
/// sandbox's `spec` module for why the schemas as written cannot be used: UPS's own examples fail them).
pub fn assert_matches_spec(api: Api, template: &str, request: &HttpRequest) {
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Delete => "DELETE",
    };
    let operation = spec::operation(api, method, template).expect("operation in the spec");
    let full_template = format!("{}{template}", api.server_prefix());
    assert!(
        path_matches(&full_template, &request.path_string()),
        "{} does not match {full_template}",
        request.path_string()
    );
    let parameters = operation.definition()["parameters"].as_array().cloned().unwrap_or_default();
    for parameter in &parameters {
        let name = parameter["name"].as_str().expect("parameter name");
        let required = parameter["required"].as_bool().unwrap_or(false);
        let present = match parameter["in"].as_str() {
            Some("header") => request.header_value(name).is_some(),
            Some("query") => request.query.iter().any(|(n, _)| n == name),
            Some("path") => true,
            other => panic!("unexpected parameter location {other:?}"),
        };
        assert!(present || !required, "{method} {template}: required {name} is missing");
    }
    for (name, _) in &request.query {
        assert!(
            parameters.iter().any(|p| p["in"] == "query" && p["name"] == name.as_str()),
            "{method} {template}: query parameter {name} is not in the spec"
        );
    }
    let body = match &request.body {
        Body::Json(body) => Some(body.clone()),
        Body::Form(pairs) => Some(Value::Object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())),
        Body::Empty => None,
    };
    if let Some(body) = body
        && let Err(violations) = operation.validate_request(&body, Profile::UpsGateway)
    {
        panic!("{method} {template}: {violations}\n{}", serde_json::to_string_pretty(&body).unwrap());
    }
}

fn path_matches(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ups").join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}
