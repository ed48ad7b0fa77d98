//! Rate and Shop over real HTTP. Every expected price is worked out by hand from the README's
//! rate table: zone 4 is Timonium MD 21093 -> Alpharetta GA 30005 (first digits 2 and 3).

mod support;

use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{RATE_PATH, address, assert_response_valid, call, error_codes, package, start, token};
use wharf_carrier_sandbox::spec::{self, Api};

async fn rate(option: &str, body: &Value) -> (StatusCode, Value) {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let (status, answer) =
        call(&sandbox, Method::POST, &format!("/api/rating/v2409/{option}"), &token, Some(body)).await;
    assert_response_valid(Api::Rating, "POST", RATE_PATH, status, &answer);
    (status, answer)
}

fn rate_request(service: Option<&str>, packages: Vec<Value>, residential: bool) -> Value {
    let mut ship_to = address("12 Elm St", "Alpharetta", "GA", "30005");
    if residential {
        ship_to["ResidentialAddressIndicator"] = json!("Y");
    }
    let mut body = json!({ "RateRequest": {
        "Request": { "TransactionReference": { "CustomerContext": "rate test" } },
        "Shipment": {
            "Shipper": { "Name": "Wharf Seller", "ShipperNumber": "W4RF01", "Address": address("1 Dock St", "Timonium", "MD", "21093") },
            "ShipTo": { "Name": "Jane Doe", "Address": ship_to },
            "Package": packages,
        }
    }});
    if let Some(code) = service {
        body["RateRequest"]["Shipment"]["Service"] = json!({ "Code": code });
    }
    body
}

fn totals(answer: &Value) -> Vec<(String, String)> {
    answer["RateResponse"]["RatedShipment"]
        .as_array()
        .expect("RatedShipment")
        .iter()
        .map(|rated| {
            (
                rated["Service"]["Code"].as_str().expect("code").to_owned(),
                rated["TotalCharges"]["MonetaryValue"].as_str().expect("total").to_owned(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(code, total)| ((*code).to_owned(), (*total).to_owned())).collect()
}

#[tokio::test]
async fn the_spec_published_rate_example_costs_twelve_dollars() {
    let example = spec::operation(Api::Rating, "POST", RATE_PATH)
        .expect("Rate")
        .request_examples()
        .into_iter()
        .find(|example| example.name == "8")
        .expect("Published Rate Example")
        .value;
    let (status, answer) = rate("Rate", &example).await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    let rated = &answer["RateResponse"]["RatedShipment"][0];
    // Ground, zone 4, 1 lb (5x5x5 in = 125 in3 -> 1 lb dimensional): 10.00 + 2 x 1.00.
    assert_eq!(rated["Service"], json!({ "Code": "03", "Description": "UPS Ground" }));
    assert_eq!(rated["Zone"], "4");
    assert_eq!(rated["BillingWeight"]["Weight"], "1.0");
    assert_eq!(rated["TransportationCharges"], json!({ "CurrencyCode": "USD", "MonetaryValue": "12.00" }));
    assert_eq!(rated["ServiceOptionsCharges"]["MonetaryValue"], "0.00");
    assert_eq!(rated["TotalCharges"]["MonetaryValue"], "12.00");
    assert!(rated.get("NegotiatedRateCharges").is_none());
    assert_eq!(answer["RateResponse"]["Response"]["TransactionReference"]["CustomerContext"], "CustomerContext");
}

#[tokio::test]
async fn shop_prices_every_service_for_a_residential_two_package_shipment() {
    // 1 lb in 5x5x5 (billable 1 lb) and 4 lb in 12x12x12 (1728/139 -> 13 lb billable).
    let packages = vec![package("1", Some((5, 5, 5)), &[]), package("4", Some((12, 12, 12)), &[])];
    let (status, answer) = rate("Shop", &rate_request(None, packages, true)).await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(
        totals(&answer),
        pairs(&[
            ("03", "50.60"),  // (12.00 + 5.50) + (12.00 + 12 x 1.30 + 5.50)
            ("93", "34.40"),  // 10.60 + (10.60 + 12 x 1.10), no residential surcharge
            ("12", "81.40"),  // (22.00 + 5.50) + (22.00 + 12 x 2.20 + 5.50)
            ("02", "110.40"), // (30.00 + 6.00) + (30.00 + 12 x 3.20 + 6.00)
            ("59", "125.20"), // (35.00 + 6.00) + (35.00 + 12 x 3.60 + 6.00)
            ("13", "156.80"), // (46.00 + 6.00) + (46.00 + 12 x 4.40 + 6.00)
            ("01", "174.00"), // (51.00 + 6.00) + (51.00 + 12 x 5.00 + 6.00)
            ("14", "248.00"), // (82.00 + 6.00) + (82.00 + 12 x 6.00 + 6.00)
        ])
    );
    let ground = &answer["RateResponse"]["RatedShipment"][0];
    assert_eq!(ground["BillingWeight"]["Weight"], "14.0");
    assert_eq!(ground["TransportationCharges"]["MonetaryValue"], "39.60");
    assert_eq!(ground["ServiceOptionsCharges"]["MonetaryValue"], "11.00");
    let second = &ground["RatedPackage"][1];
    assert_eq!(second["Weight"], "4.0");
    assert_eq!(second["BillingWeight"]["Weight"], "13.0");
    assert_eq!(second["TotalCharges"]["MonetaryValue"], "33.10");
    assert_eq!(second["ItemizedCharges"][0]["Code"], "270");
    assert_eq!(second["ItemizedCharges"][0]["MonetaryValue"], "5.50");
}

#[tokio::test]
async fn shop_to_a_commercial_address_leaves_out_surepost() {
    let (status, answer) = rate("Shop", &rate_request(None, vec![package("1", None, &[])], false)).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<String> = totals(&answer).into_iter().map(|(code, _)| code).collect();
    assert_eq!(codes, ["03", "12", "02", "59", "13", "01", "14"]);
}

#[tokio::test]
async fn negotiated_rates_take_the_account_discount() {
    let mut body = rate_request(Some("03"), vec![package("1", None, &[])], false);
    body["RateRequest"]["Shipment"]["ShipmentRatingOptions"] = json!({ "NegotiatedRatesIndicator": "" });
    let (status, answer) = rate("Rate", &body).await;
    assert_eq!(status, StatusCode::OK);
    let rated = &answer["RateResponse"]["RatedShipment"][0];
    // 12.00 published, 15 % off for the default account.
    assert_eq!(rated["TotalCharges"]["MonetaryValue"], "12.00");
    assert_eq!(rated["NegotiatedRateCharges"]["TotalCharge"]["MonetaryValue"], "10.20");
}

#[tokio::test]
async fn time_in_transit_counts_calendar_days_from_the_pickup_date() {
    let mut body = rate_request(None, vec![package("1", None, &[])], false);
    body["RateRequest"]["Shipment"]["DeliveryTimeInformation"] =
        json!({ "PackageBillType": "03", "Pickup": { "Date": "20260302", "Time": "1000" } });
    let (status, answer) = rate("Shoptimeintransit", &body).await;
    assert_eq!(status, StatusCode::OK);
    let rated = answer["RateResponse"]["RatedShipment"].as_array().expect("rated");
    let ground = &rated[0]["TimeInTransit"];
    // Ground to zone 4: min(5, 4 - 1) = 3 days: Monday 2 March -> Thursday 5 March.
    assert_eq!(ground["PickupDate"], "20260302");
    let arrival = &ground["ServiceSummary"]["EstimatedArrival"];
    assert_eq!(arrival["Arrival"]["Date"], "20260305");
    assert_eq!(arrival["BusinessDaysInTransit"], "3");
    assert_eq!(arrival["DayOfWeek"], "THU");
    assert!(ground["ServiceSummary"].get("GuaranteedIndicator").is_none());
    assert!(rated[0].get("GuaranteedDelivery").is_none());
    let next_day = rated.iter().find(|rated| rated["Service"]["Code"] == "01").expect("01");
    let arrival = &next_day["TimeInTransit"]["ServiceSummary"]["EstimatedArrival"];
    assert_eq!(arrival["Arrival"], json!({ "Date": "20260303", "Time": "103000" }));
    assert_eq!(arrival["DayOfWeek"], "TUE");
    assert_eq!(next_day["TimeInTransit"]["ServiceSummary"]["GuaranteedIndicator"], "");
    assert_eq!(next_day["GuaranteedDelivery"], json!({ "BusinessDaysInTransit": "1", "DeliveryByTime": "10:30 A.M." }));
}

#[tokio::test]
async fn what_the_sandbox_cannot_rate_is_refused_in_ups_shape() {
    let international = spec::operation(Api::Rating, "POST", RATE_PATH)
        .expect("Rate")
        .request_examples()
        .into_iter()
        .find(|example| example.name == "3")
        .expect("International Rate Example")
        .value;
    let cases = [
        ("Rate", international, "111210"),
        ("Rate", rate_request(Some("65"), vec![package("1", None, &[])], false), "111100"),
        ("Rate", rate_request(Some("93"), vec![package("1", None, &[])], false), "111210"),
        ("Rate", rate_request(Some("03"), vec![package("151", None, &[])], false), "111057"),
        ("Rate", rate_request(Some("03"), vec![package("heavy", None, &[])], false), "111050"),
        ("Bogus", rate_request(Some("03"), vec![package("1", None, &[])], false), "111500"),
    ];
    for (option, body, code) in cases {
        let (status, answer) = rate(option, &body).await;
        assert_eq!((status, error_codes(&answer)), (StatusCode::BAD_REQUEST, vec![code.to_owned()]), "{answer:#}");
    }
}
