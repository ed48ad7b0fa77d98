//! UPS Rating (`Rating.yaml`, `POST /api/rating/v2409/{requestoption}`): one service (`Rate`) or every
//! service (`Shop`), with delivery estimates (`...timeintransit`) when a ship date is given.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use wharf_domain::shipping_codes::ShippingCodes;

use crate::error::{CarrierError, FieldError, Operation};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::rate::{DeliveryEstimate, Rate, RateRequest};
use crate::ups::config::UpsAccountConfig;
use crate::ups::wire::{
    BillingWeight, CARRIER, Charge, CodeDescription, MAX_PACKAGES, PackageApi, Party, RATING_LIMITS, ResponseHeader,
    error_from_response, failed_status, messages, one_or_many, package, parse_ups_date, parse_ups_time, party,
    pounds_json, unreadable, ups_date, ups_service,
};

pub const API_VERSION: &str = "v2409";

pub fn build_request(account: &UpsAccountConfig, request: &RateRequest) -> Result<HttpRequest, CarrierError> {
    let mut errors = Vec::new();
    let service = request.service.as_deref().and_then(|code| ups_service(code, &mut errors));
    let request_option = match (request.service.is_some(), request.ship_date.is_some()) {
        (true, false) => "Rate",
        (false, false) => "Shop",
        (true, true) => "Ratetimeintransit",
        (false, true) => "Shoptimeintransit",
    };

    let mut shipper = party(&request.ship_from, Party::Shipper, "ship_from", RATING_LIMITS, false, &mut errors);
    shipper.insert("ShipperNumber".into(), json!(account.account_number.trim()));
    let ship_to = party(&request.ship_to, Party::ShipTo, "ship_to", RATING_LIMITS, false, &mut errors);
    // Same address as the shipper: its problems are already listed once.
    let ship_from = party(&request.ship_from, Party::ShipFrom, "ship_from", RATING_LIMITS, false, &mut Vec::new());

    let mut shipment = serde_json::Map::new();
    shipment.insert("Shipper".into(), Value::Object(shipper));
    shipment.insert("ShipTo".into(), Value::Object(ship_to));
    shipment.insert("ShipFrom".into(), Value::Object(ship_from));
    shipment.insert(
        "PaymentDetails".into(),
        json!({ "ShipmentCharge": [{ "Type": "01", "BillShipper": { "AccountNumber": account.account_number.trim() } }] }),
    );
    if let Some(service) = service {
        shipment.insert("Service".into(), json!({ "Code": service.ups_code, "Description": service.name }));
    }
    let (packages, total_pounds) = packages(request, &mut errors);
    shipment.insert("Package".into(), Value::Array(packages));
    if account.negotiated_rates {
        shipment.insert("ShipmentRatingOptions".into(), json!({ "NegotiatedRatesIndicator": "Y" }));
    }
    if let Some(date) = request.ship_date {
        shipment.insert("ShipmentTotalWeight".into(), pounds_json(total_pounds));
        shipment.insert("DeliveryTimeInformation".into(), delivery_time_information(date));
    }

    if !errors.is_empty() {
        return Err(CarrierError::invalid_request(CARRIER, Operation::Rate, errors));
    }
    Ok(HttpRequest::new(Method::Post, &["api", "rating", API_VERSION, request_option]).json(json!({
        "RateRequest": {
            "Request": { "RequestOption": request_option },
            "Shipment": Value::Object(shipment),
        }
    })))
}

fn packages(request: &RateRequest, errors: &mut Vec<FieldError>) -> (Vec<Value>, Decimal) {
    if request.packages.is_empty() {
        errors.push(FieldError::field("packages", "at least one package is required"));
    } else if request.packages.len() > MAX_PACKAGES {
        errors.push(FieldError::field("packages", format!("UPS takes at most {MAX_PACKAGES} packages per shipment")));
    }
    let mut total = Decimal::ZERO;
    let packages = request
        .packages
        .iter()
        .enumerate()
        .map(|(index, parcel)| {
            let (json, pounds) = package(parcel, index, PackageApi::Rating, request.options.confirmation, errors);
            total += pounds;
            Value::Object(json)
        })
        .collect();
    (packages, total)
}

/// `03` = non-document parcels.
fn delivery_time_information(date: Date) -> Value {
    json!({ "PackageBillType": "03", "Pickup": { "Date": ups_date(date) } })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wrapper {
    rate_response: RateResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RateResponse {
    response: ResponseHeader,
    #[serde(default, deserialize_with = "one_or_many")]
    rated_shipment: Vec<RatedShipment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RatedShipment {
    service: CodeDescription,
    #[serde(default, deserialize_with = "one_or_many")]
    rated_shipment_alert: Vec<CodeDescription>,
    billing_weight: Option<BillingWeight>,
    total_charges: Charge,
    negotiated_rate_charges: Option<NegotiatedRateCharges>,
    guaranteed_delivery: Option<GuaranteedDelivery>,
    time_in_transit: Option<TimeInTransit>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NegotiatedRateCharges {
    total_charge: Charge,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GuaranteedDelivery {
    business_days_in_transit: Option<String>,
    delivery_by_time: Option<String>,
    scheduled_delivery_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TimeInTransit {
    service_summary: ServiceSummary,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceSummary {
    guaranteed_indicator: Option<Value>,
    estimated_arrival: EstimatedArrival,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EstimatedArrival {
    arrival: Arrival,
    business_days_in_transit: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Arrival {
    date: String,
    time: Option<String>,
}

pub fn parse_response(response: &HttpResponse) -> Result<Vec<Rate>, CarrierError> {
    let operation = Operation::Rate;
    if !response.is_success() {
        return Err(error_from_response(operation, response));
    }
    let wrapper: Wrapper = serde_json::from_slice(&response.body).map_err(|e| unreadable(operation, response, e))?;
    let rate_response = wrapper.rate_response;
    if !rate_response.response.succeeded() {
        return Err(failed_status(operation, &rate_response.response, response.status));
    }
    let general = rate_response.response.messages();
    rate_response
        .rated_shipment
        .into_iter()
        .map(|shipment| rate(shipment, &general).map_err(|detail| unreadable(operation, response, detail)))
        .collect()
}

fn rate(shipment: RatedShipment, general: &[crate::carrier::CarrierMessage]) -> Result<Rate, String> {
    let code = shipment.service.code.trim().to_owned();
    let known = ShippingCodes::ups_service(&code);
    let list_total = shipment.total_charges.money()?;
    let negotiated = shipment.negotiated_rate_charges.as_ref().map(|n| n.total_charge.money()).transpose()?;
    let mut all_messages = general.to_vec();
    all_messages.extend(messages(&shipment.rated_shipment_alert));
    Ok(Rate {
        carrier: "ups".into(),
        service: known.map(|s| s.code.to_owned()),
        service_name: known
            .map(|s| s.name.to_owned())
            .or_else(|| shipment.service.description.clone().filter(|d| !d.trim().is_empty()))
            .unwrap_or_else(|| format!("UPS service {code}")),
        carrier_service_code: code,
        total: negotiated.clone().unwrap_or_else(|| list_total.clone()),
        list_total,
        negotiated: negotiated.is_some(),
        billing_weight: shipment.billing_weight.as_ref().and_then(BillingWeight::weight),
        delivery: delivery(&shipment),
        messages: all_messages,
    })
}

/// The time-in-transit arrival when UPS sent one (asked for with a ship date), else the guaranteed
/// delivery date some services carry.
fn delivery(shipment: &RatedShipment) -> Option<DeliveryEstimate> {
    if let Some(summary) = shipment.time_in_transit.as_ref().map(|t| &t.service_summary) {
        let arrival = &summary.estimated_arrival;
        if let Some(date) = parse_ups_date(&arrival.arrival.date) {
            return Some(DeliveryEstimate {
                date,
                time: arrival.arrival.time.as_deref().and_then(parse_ups_time),
                business_days: arrival.business_days_in_transit.as_deref().and_then(|d| d.trim().parse().ok()),
                guaranteed: summary.guaranteed_indicator.is_some(),
            });
        }
    }
    let guaranteed = shipment.guaranteed_delivery.as_ref()?;
    Some(DeliveryEstimate {
        date: parse_ups_date(guaranteed.scheduled_delivery_date.as_deref()?)?,
        time: guaranteed.delivery_by_time.as_deref().and_then(parse_delivery_by_time),
        business_days: guaranteed.business_days_in_transit.as_deref().and_then(|d| d.trim().parse().ok()),
        guaranteed: true,
    })
}

/// `DeliveryByTime` is free text such as "10:30 A.M.", "12:00 Noon" or "End of Day"; only clock times are
/// kept.
fn parse_delivery_by_time(text: &str) -> Option<jiff::civil::Time> {
    let upper = text.trim().to_ascii_uppercase().replace('.', "");
    if upper.ends_with("NOON") {
        return jiff::civil::Time::new(12, 0, 0, 0).ok();
    }
    let (clock, pm) = match (upper.strip_suffix("PM"), upper.strip_suffix("AM")) {
        (Some(clock), _) => (clock.trim().to_owned(), true),
        (None, Some(clock)) => (clock.trim().to_owned(), false),
        (None, None) => return parse_ups_time(&upper.replace(':', "")),
    };
    let (hour, minute) = clock.split_once(':').unwrap_or((clock.as_str(), "0"));
    let hour: i8 = hour.trim().parse().ok()?;
    let minute: i8 = minute.trim().parse().ok()?;
    let hour = match (hour, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, true) => h + 12,
        (h, false) => h,
    };
    jiff::civil::Time::new(hour, minute, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::time;

    use super::*;

    #[test]
    fn delivery_by_times_are_read_from_ups_text() {
        assert_eq!(parse_delivery_by_time("10:30 A.M."), Some(time(10, 30, 0, 0)));
        assert_eq!(parse_delivery_by_time("12:00 Noon"), Some(time(12, 0, 0, 0)));
        assert_eq!(parse_delivery_by_time("3:00 P.M."), Some(time(15, 0, 0, 0)));
        assert_eq!(parse_delivery_by_time("End of Day"), None);
        assert_eq!(parse_delivery_by_time("1030"), Some(time(10, 30, 0, 0)));
    }
}
