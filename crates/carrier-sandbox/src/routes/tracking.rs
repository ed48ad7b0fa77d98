//! `GET /api/track/v1/details/{inquiryNumber}`, `.../reference/details/{referenceNumber}` and
//! `.../shipment/details/{inquiryNumber}`: packages moving on the sandbox clock
//! (`crate::tracking_schedule`).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::{SharedState, UpsError, authorize_client};
use crate::state::{PackageRecord, PartyAddress, ShipmentRecord};
use crate::tracking_schedule::{self, Event, Milestone, Place};

fn not_found() -> UpsError {
    UpsError::new(StatusCode::NOT_FOUND, "TW0001", "Tracking Information Not Found")
}

/// The spec marks `transId` and `transactionSrc` as required headers of every Track call.
fn require_transaction_headers(headers: &HeaderMap) -> Result<(), UpsError> {
    for name in ["transId", "transactionSrc"] {
        let given =
            headers.get(name).and_then(|value| value.to_str().ok()).is_some_and(|value| !value.trim().is_empty());
        if !given {
            return Err(UpsError::bad_request(
                "TV1001",
                format!("Missing header {name}: the Track API requires transId and transactionSrc."),
            ));
        }
    }
    Ok(())
}

fn check_inquiry_number(number: &str) -> Result<(), UpsError> {
    if (7..=34).contains(&number.len()) {
        Ok(())
    } else {
        Err(UpsError::bad_request(
            "TV1002",
            format!("Invalid inquiry number {number:?}: inquiry numbers have 7 to 34 characters."),
        ))
    }
}

fn date(at: Timestamp) -> String {
    at.to_zoned_datetime(TimeZone::UTC).strftime("%Y%m%d").to_string()
}

fn time(at: Timestamp) -> String {
    at.to_zoned_datetime(TimeZone::UTC).strftime("%H%M%S").to_string()
}

fn address_json(party: &PartyAddress) -> Value {
    let mut address = json!({
        "city": party.city,
        "countryCode": party.country_code,
        "country": party.country_code,
    });
    for (index, line) in party.address_lines.iter().take(3).enumerate() {
        address[format!("addressLine{}", index + 1)] = json!(line);
    }
    if let Some(state) = &party.state {
        address["stateProvince"] = json!(state);
    }
    if let Some(postal_code) = &party.postal_code {
        address["postalCode"] = json!(postal_code);
    }
    address
}

fn status_json(milestone: Milestone) -> Value {
    json!({
        "type": milestone.status_type(),
        "description": milestone.description(),
        "code": milestone.activity_code(),
        "statusCode": milestone.status_code(),
        "simplifiedTextDescription": milestone.simplified(),
    })
}

fn activity_json(shipment: &ShipmentRecord, event: &Event) -> Value {
    let party = match event.place {
        Place::Origin => &shipment.ship_from,
        Place::Destination => &shipment.ship_to,
    };
    let mut location_address = address_json(party);
    // Scans happen at a facility in the city, not at the street address.
    if let Value::Object(map) = &mut location_address {
        map.retain(|key, _| !key.starts_with("addressLine"));
    }
    json!({
        "location": { "address": location_address },
        "status": status_json(event.milestone),
        "date": date(event.at),
        "time": time(event.at),
        "gmtDate": date(event.at),
        "gmtTime": time(event.at),
        "gmtOffset": "+00:00",
    })
}

fn package_json(shipment: &ShipmentRecord, package: &PackageRecord, now: Timestamp) -> Value {
    let events = tracking_schedule::events(shipment.created_at, shipment.transit_days, package.voided_at, now);
    let current = events.last().map_or(Milestone::LabelCreated, |event| event.milestone);
    let activity: Vec<Value> = events.iter().rev().map(|event| activity_json(shipment, event)).collect();
    let mut references: Vec<Value> =
        shipment.references.iter().map(|number| json!({ "type": "SHIPMENT", "number": number })).collect();
    references.extend(package.references.iter().map(|number| json!({ "type": "PACKAGE", "number": number })));
    let mut json = json!({
        "trackingNumber": package.tracking_number,
        "currentStatus": status_json(current),
        "statusCode": current.status_code(),
        "statusDescription": current.description(),
        "activity": activity,
        "packageAddress": [
            { "type": "ORIGIN", "name": shipment.ship_from.name, "address": address_json(&shipment.ship_from) },
            { "type": "DESTINATION", "name": shipment.ship_to.name, "address": address_json(&shipment.ship_to) },
        ],
        "weight": { "unitOfMeasurement": "LBS", "weight": format!("{}.00", package.billable_weight_lbs) },
        "service": {
            "code": shipment.service_code,
            "levelCode": format!("0{}", shipment.service_code),
            "description": shipment.service_name,
        },
        "referenceNumber": references,
        "packageCount": shipment.packages.len(),
    });
    let delivered_at = tracking_schedule::delivered_at(shipment.created_at, shipment.transit_days);
    if current == Milestone::Delivered {
        json["deliveryDate"] = json!([{ "type": "DEL", "date": date(delivered_at) }]);
        json["deliveryTime"] = json!({ "type": "DEL", "endTime": time(delivered_at) });
        json["deliveryInformation"] = json!({ "location": "Front Door", "receivedBy": "" });
    } else if current != Milestone::Voided {
        json["deliveryDate"] = json!([{ "type": "SDD", "date": date(delivered_at) }]);
        json["deliveryTime"] = json!({ "type": "EOD", "endTime": "235900" });
    }
    json
}

fn track_response(shipments: Vec<Value>) -> Response {
    (StatusCode::OK, Json(json!({ "trackResponse": { "shipment": shipments } }))).into_response()
}

fn prelude(state: &SharedState, headers: &HeaderMap) -> Result<(), UpsError> {
    authorize_client(state, headers)?;
    require_transaction_headers(headers)
}

pub(super) async fn by_tracking_number(
    State(state): State<SharedState>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = (|| {
        prelude(&state, &headers)?;
        check_inquiry_number(&number)?;
        let now = state.clock.now();
        let inner = state.lock();
        let &(shipment, package) = inner.package_index.get(&number).ok_or_else(not_found)?;
        let shipment = &inner.shipments[shipment];
        let package = package_json(shipment, &shipment.packages[package], now);
        Ok::<_, UpsError>(vec![json!({ "inquiryNumber": number, "package": [package] })])
    })();
    answer.map_or_else(IntoResponse::into_response, track_response)
}

pub(super) async fn by_shipment(
    State(state): State<SharedState>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = (|| {
        prelude(&state, &headers)?;
        check_inquiry_number(&number)?;
        let now = state.clock.now();
        let inner = state.lock();
        let &(shipment, _) = inner.package_index.get(&number).ok_or_else(not_found)?;
        let shipment = &inner.shipments[shipment];
        let packages: Vec<Value> =
            shipment.packages.iter().map(|package| package_json(shipment, package, now)).collect();
        Ok::<_, UpsError>(vec![json!({ "inquiryNumber": number, "package": packages })])
    })();
    answer.map_or_else(IntoResponse::into_response, track_response)
}

pub(super) async fn by_reference(
    State(state): State<SharedState>,
    Path(reference): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let answer = (|| {
        prelude(&state, &headers)?;
        let shipper = query.get("shipperNum").map(|value| value.trim()).filter(|v| !v.is_empty());
        let now = state.clock.now();
        let inner = state.lock();
        let shipments: Vec<Value> = inner
            .shipments
            .iter()
            .filter(|shipment| shipper.is_none_or(|shipper| shipment.account_number == shipper))
            .filter_map(|shipment| {
                let packages: Vec<Value> = shipment
                    .packages
                    .iter()
                    .filter(|package| shipment.package_has_reference(package, &reference))
                    .map(|package| package_json(shipment, package, now))
                    .collect();
                (!packages.is_empty()).then(|| json!({ "inquiryNumber": reference, "package": packages }))
            })
            .collect();
        if shipments.is_empty() { Err(not_found()) } else { Ok(shipments) }
    })();
    answer.map_or_else(IntoResponse::into_response, track_response)
}
