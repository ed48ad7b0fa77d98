//! `POST /api/rating/{version}/{requestoption}`: Rate, Shop and their time-in-transit variants,
//! priced from the sandbox rate table (`crate::rates`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::charges_json::{billing_weight, money, negotiated, package_charges, residential_item, sums};
use super::request_fields::{present, text};
use super::shipment_facts::{self, ShipmentFacts};
use super::{SharedState, UpsError, authorize_client, read_json_request};
use crate::rates::{self, Service};
use crate::spec::Api;

const SPEC_PATH: &str = "/rating/{version}/{requestoption}";
const SHIPMENT: &str = "/RateRequest/Shipment";

pub(super) async fn rate(
    State(state): State<SharedState>,
    Path((_version, request_option)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let time_in_transit_asked =
        query.get("additionalinfo").is_some_and(|value| value.eq_ignore_ascii_case("timeintransit"));
    match answer(&state, &request_option, time_in_transit_asked, &headers, &body) {
        Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// (shop every service, add time in transit) for a request option.
fn request_option(option: &str) -> Result<(bool, bool), UpsError> {
    match option.to_ascii_lowercase().as_str() {
        "rate" => Ok((false, false)),
        "shop" => Ok((true, false)),
        "ratetimeintransit" => Ok((false, true)),
        "shoptimeintransit" => Ok((true, true)),
        other => Err(UpsError::bad_request(
            "111500",
            format!("Invalid request option {other:?}: use Rate, Shop, Ratetimeintransit or Shoptimeintransit."),
        )),
    }
}

/// UPS's arrival time (HHMMSS) for a service: the guaranteed time, or end of day.
pub(crate) fn arrival_time(service: &Service) -> &'static str {
    match service.code {
        "14" => "080000",
        "01" => "103000",
        "59" => "120000",
        "13" => "150000",
        _ => "233000",
    }
}

fn time_in_transit(service: &Service, zone: u32, pickup: Date) -> Value {
    let days = service.transit_days(zone);
    let arrival = pickup.saturating_add(jiff::Span::new().days(i64::from(days)));
    let mut summary = json!({
        "Service": { "Description": service.name },
        "EstimatedArrival": {
            "Arrival": { "Date": arrival.strftime("%Y%m%d").to_string(), "Time": arrival_time(service) },
            "BusinessDaysInTransit": days.to_string(),
            "Pickup": { "Date": pickup.strftime("%Y%m%d").to_string(), "Time": "160000" },
            "DayOfWeek": arrival.strftime("%a").to_string().to_ascii_uppercase(),
            "TotalTransitDays": days.to_string(),
        },
        "SaturdayDelivery": "0",
    });
    if service.guaranteed {
        summary["GuaranteedIndicator"] = json!("");
    }
    json!({
        "PickupDate": pickup.strftime("%Y%m%d").to_string(),
        "ServiceSummary": summary,
        "Disclaimer": "Sandbox transit times count calendar days: the sandbox has no weekends or holidays.",
    })
}

fn rated_shipment(
    service: &Service,
    facts: &ShipmentFacts,
    negotiated_percent: Option<u8>,
    pickup: Option<Date>,
) -> Value {
    let charges = package_charges(service, facts);
    let (transportation, surcharges, total) = sums(&charges);
    let packages: Vec<Value> = facts
        .packages
        .iter()
        .zip(&charges)
        .map(|(package, charge)| {
            let mut rated = json!({
                "BaseServiceCharge": money(charge.transportation),
                "TransportationCharges": money(charge.transportation),
                "ServiceOptionsCharges": money(charge.residential),
                "TotalCharges": money(charge.total()),
                "Weight": format!("{}.0", package.weight.actual),
                "BillingWeight": billing_weight(package.weight.billable),
            });
            if charge.residential > rust_decimal::Decimal::ZERO {
                rated["ItemizedCharges"] = json!([residential_item(charge.residential)]);
            }
            rated
        })
        .collect();
    let mut rated = Map::new();
    rated.insert("Service".into(), json!({ "Code": service.code, "Description": service.name }));
    rated.insert("Zone".into(), json!(facts.zone.to_string()));
    rated.insert("BillingWeight".into(), billing_weight(facts.billable_pounds()));
    rated.insert("TransportationCharges".into(), money(transportation));
    rated.insert("BaseServiceCharge".into(), money(transportation));
    rated.insert("ServiceOptionsCharges".into(), money(surcharges));
    rated.insert("TotalCharges".into(), money(total));
    if let Some(percent) = negotiated_percent {
        rated.insert("NegotiatedRateCharges".into(), json!({ "TotalCharge": money(negotiated(total, percent)) }));
    }
    if service.guaranteed {
        let mut guaranteed = json!({ "BusinessDaysInTransit": service.transit_days(facts.zone).to_string() });
        if let Some(by) = service.delivery_by {
            guaranteed["DeliveryByTime"] = json!(by);
        }
        rated.insert("GuaranteedDelivery".into(), guaranteed);
    }
    rated.insert("RatedPackage".into(), Value::Array(packages));
    if let Some(pickup) = pickup {
        rated.insert("TimeInTransit".into(), time_in_transit(service, facts.zone, pickup));
    }
    Value::Object(rated)
}

fn answer(
    state: &SharedState,
    option: &str,
    time_in_transit_asked: bool,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, UpsError> {
    let client = authorize_client(state, headers)?;
    let (shop, time_in_transit_option) = request_option(option)?;
    let request = read_json_request(Api::Rating, "POST", SPEC_PATH, body)?;
    let body = request.body();
    let facts = shipment_facts::read(&request, SHIPMENT)?;

    let services: Vec<&Service> = if shop {
        rates::SERVICES.iter().filter(|service| service.offered(facts.residential)).collect()
    } else {
        let pointer = format!("{SHIPMENT}/Service/Code");
        let code = text(body, &pointer).unwrap_or_default();
        let service = rates::service(code).ok_or_else(|| {
            UpsError::bad_request(
                "111100",
                format!(
                    "The requested service {code:?} at {} is invalid: the sandbox rates {}.",
                    request.original_pointer(&pointer),
                    service_list()
                ),
            )
        })?;
        if !service.offered(facts.residential) {
            return Err(unavailable_to_commercial(service));
        }
        vec![service]
    };

    let shipper_number = text(body, &format!("{SHIPMENT}/Shipper/ShipperNumber"));
    let negotiated_percent = (present(body, &format!("{SHIPMENT}/ShipmentRatingOptions/NegotiatedRatesIndicator"))
        && shipper_number == Some(client.account_number.as_str()))
    .then_some(client.negotiated_discount_percent);
    let pickup = (time_in_transit_option || time_in_transit_asked).then(|| {
        text(body, &format!("{SHIPMENT}/DeliveryTimeInformation/Pickup/Date"))
            .and_then(|date| Date::strptime("%Y%m%d", date).ok())
            .unwrap_or_else(|| state.clock.now().to_zoned_datetime(TimeZone::UTC).date())
    });

    let mut status = json!({
        "ResponseStatus": { "Code": "1", "Description": "Success" },
        "Alert": [{ "Code": "110971", "Description": "Your invoice may vary from the displayed reference rates" }],
    });
    if let Some(context) = text(body, "/RateRequest/Request/TransactionReference/CustomerContext") {
        status["TransactionReference"] = json!({ "CustomerContext": context });
    }
    let rated: Vec<Value> =
        services.iter().map(|service| rated_shipment(service, &facts, negotiated_percent, pickup)).collect();
    Ok(json!({ "RateResponse": { "Response": status, "RatedShipment": rated } }))
}

pub(crate) fn service_list() -> String {
    rates::SERVICES.iter().map(|service| format!("{} ({})", service.code, service.name)).collect::<Vec<_>>().join(", ")
}

pub(crate) fn unavailable_to_commercial(service: &Service) -> UpsError {
    UpsError::bad_request(
        "111210",
        format!(
            "The requested service is unavailable between the selected locations: {} ({}) delivers to residential addresses only (set ShipTo.Address.ResidentialAddressIndicator).",
            service.code, service.name
        ),
    )
}
