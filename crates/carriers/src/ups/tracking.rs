//! UPS Tracking (`Tracking.yaml`): by tracking number (`GET /api/track/v1/details/{inquiryNumber}`) and by
//! reference (`GET /api/track/v1/reference/details/{referenceNumber}`).
//!
//! Limits of finding a shipment by reference (what idempotent buying relies on):
//! - UPS searches shipments picked up in the last 14 days by default (`fromPickUpDate` = today - 14,
//!   `toPickUpDate` = today); a label dated later than today (`LabelRequest::ship_date`) may not be found
//!   until that day. Wharf looks up right after a failed purchase, well inside the window.
//! - The search is restricted to the account's shipper number and to small packages.
//! - A label can take a short while to become visible to tracking after it is created; an empty answer
//!   right after a timeout is not proof that nothing was bought. The app should retry the look-up (and
//!   keep the order blocked) before it buys again.
//! - Packages whose label was voided (status type `MV`, or a `VO` void activity) are ignored.

use jiff::civil::DateTime;
use jiff::tz::Offset;
use serde::Deserialize;

use crate::error::{CarrierError, ErrorKind, FieldError, Operation};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::tracking::{
    CarrierStatus, FoundShipment, PackageTracking, TrackQuery, TrackingEvent, TrackingInfo, TrackingStatus,
};
use crate::ups::config::UpsAccountConfig;
use crate::ups::wire::{CARRIER, parse_ups_date, parse_ups_time, unreadable};

pub fn build_request(account: &UpsAccountConfig, query: &TrackQuery) -> Result<HttpRequest, CarrierError> {
    build(account, query, Operation::Track)
}

/// The track-by-reference request used to find a shipment before buying again.
pub fn build_find_request(account: &UpsAccountConfig, reference: &str) -> Result<HttpRequest, CarrierError> {
    build(account, &TrackQuery::Reference(reference.to_owned()), Operation::FindShipment)
}

fn build(account: &UpsAccountConfig, query: &TrackQuery, operation: Operation) -> Result<HttpRequest, CarrierError> {
    match query {
        TrackQuery::Number(number) => {
            let number = number.trim();
            if !(7..=34).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(CarrierError::invalid_request(
                    CARRIER,
                    operation,
                    vec![FieldError::field(
                        "tracking_number",
                        format!("{number:?} is not a tracking number (7 to 34 letters and digits)"),
                    )],
                ));
            }
            Ok(HttpRequest::new(Method::Get, &["api", "track", "v1", "details", number]).query("locale", "en_US"))
        }
        TrackQuery::Reference(reference) => {
            let reference = reference.trim();
            if reference.is_empty() || reference.chars().count() > 35 {
                return Err(CarrierError::invalid_request(
                    CARRIER,
                    operation,
                    vec![FieldError::field("reference", "a reference of 1 to 35 characters is required")],
                ));
            }
            Ok(HttpRequest::new(Method::Get, &["api", "track", "v1", "reference", "details", reference])
                .query("locale", "en_US")
                .query("shipperNum", account.account_number.trim())
                .query("refNumType", "SmallPackage"))
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrackApiResponse {
    track_response: Option<TrackResponse>,
}

#[derive(Deserialize)]
struct TrackResponse {
    #[serde(default)]
    shipment: Vec<Shipment>,
}

#[derive(Deserialize)]
struct Shipment {
    #[serde(default)]
    package: Vec<Package>,
    #[serde(default)]
    warnings: Vec<Warning>,
}

#[derive(Deserialize)]
struct Warning {
    code: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    tracking_number: Option<String>,
    current_status: Option<Status>,
    #[serde(default)]
    activity: Vec<Activity>,
    #[serde(default)]
    delivery_date: Vec<DeliveryDate>,
    #[serde(default)]
    reference_number: Vec<ReferenceNumber>,
    service: Option<Service>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Status {
    code: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Activity {
    date: Option<String>,
    time: Option<String>,
    gmt_date: Option<String>,
    gmt_time: Option<String>,
    gmt_offset: Option<String>,
    location: Option<Location>,
    status: Option<Status>,
}

#[derive(Deserialize)]
struct Location {
    address: Option<LocationAddress>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationAddress {
    city: Option<String>,
    state_province: Option<String>,
    country_code: Option<String>,
}

#[derive(Deserialize)]
struct DeliveryDate {
    date: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct ReferenceNumber {
    number: Option<String>,
}

#[derive(Deserialize)]
struct Service {
    description: Option<String>,
}

/// Reads a tracking answer. An answer without packages (UPS says "not found" with a 404 or with warnings)
/// is a [`ErrorKind::NotFound`] error.
pub fn parse_response(response: &HttpResponse) -> Result<TrackingInfo, CarrierError> {
    let shipments = parse(Operation::Track, response)?;
    Ok(TrackingInfo { packages: shipments.into_iter().flatten().collect() })
}

/// The packages of each `shipment` entry of the answer; at least one package in all.
fn parse(operation: Operation, response: &HttpResponse) -> Result<Vec<Vec<PackageTracking>>, CarrierError> {
    if !response.is_success() {
        return Err(crate::ups::wire::error_from_response(operation, response));
    }
    let parsed: TrackApiResponse =
        serde_json::from_slice(&response.body).map_err(|e| unreadable(operation, response, e))?;
    let mut warnings = Vec::new();
    let mut shipments = Vec::new();
    for shipment in parsed.track_response.map(|r| r.shipment).unwrap_or_default() {
        warnings.extend(shipment.warnings.into_iter().map(|w| (w.code, w.message.unwrap_or_default())));
        shipments.push(shipment.package.into_iter().filter_map(package).collect::<Vec<_>>());
    }
    if shipments.iter().all(Vec::is_empty) {
        if warnings.is_empty() {
            warnings.push((None, "UPS returned no packages".into()));
        }
        return Err(CarrierError::with_carrier_errors(
            ErrorKind::NotFound,
            CARRIER,
            operation,
            Some(response.status),
            warnings,
            None,
        ));
    }
    Ok(shipments)
}

/// Reads a track-by-reference answer as a shipment look-up: `Ok(None)` when UPS has nothing (or only
/// voided labels) under the reference.
///
/// Packages are grouped into shipments as UPS groups them (one `shipment` entry each). When several
/// shipments carry the reference, the one with the lowest id is returned and the others are listed in
/// [`FoundShipment::also_found`]: a duplicate purchase the seller should void.
pub fn parse_find_response(reference: &str, response: &HttpResponse) -> Result<Option<FoundShipment>, CarrierError> {
    match parse(Operation::FindShipment, response) {
        Ok(shipments) => Ok(found_shipment(reference, &shipments)),
        Err(error) if error.kind == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

fn found_shipment(reference: &str, shipments: &[Vec<PackageTracking>]) -> Option<FoundShipment> {
    let mut live: Vec<FoundShipment> = shipments
        .iter()
        .filter_map(|packages| {
            let live: Vec<&PackageTracking> = packages.iter().filter(|p| !is_voided(&p.carrier_status)).collect();
            let mut tracking_numbers: Vec<String> = live.iter().map(|p| p.tracking_number.clone()).collect();
            tracking_numbers.sort();
            tracking_numbers.dedup();
            // UPS numbers a shipment's packages in sequence and the shipment takes its first package's
            // number, so the lowest number is the shipment id.
            let shipment_id = tracking_numbers.first()?.clone();
            let status =
                live.iter().find(|p| p.tracking_number == shipment_id).map_or(TrackingStatus::Unknown, |p| p.status);
            Some(FoundShipment {
                reference: reference.trim().to_owned(),
                shipment_id,
                tracking_numbers,
                status,
                also_found: Vec::new(),
            })
        })
        .collect();
    live.sort_by(|a, b| a.shipment_id.cmp(&b.shipment_id));
    live.dedup_by(|a, b| a.shipment_id == b.shipment_id);
    let mut shipments = live.into_iter();
    let mut found = shipments.next()?;
    found.also_found = shipments.map(|s| s.shipment_id).collect();
    Some(found)
}

/// A voided label: UPS's "manifest voided" status type `MV`, or a void activity (`VO`).
fn is_voided(status: &CarrierStatus) -> bool {
    status.kind.as_deref().is_some_and(|k| k.trim().eq_ignore_ascii_case("MV"))
        || status.code.as_deref().is_some_and(|c| c.trim().eq_ignore_ascii_case("VO"))
}

fn package(package: Package) -> Option<PackageTracking> {
    let tracking_number = package.tracking_number?.trim().to_owned();
    let current = package.current_status.unwrap_or_default();
    let events: Vec<TrackingEvent> = package.activity.into_iter().map(event).collect();
    let status = normalize(&current);
    let delivered_at = if status == TrackingStatus::Delivered {
        events.iter().find(|e| e.status == TrackingStatus::Delivered).and_then(|e| e.occurred_at)
    } else {
        None
    };
    // A rescheduled date (RDD) supersedes the scheduled one (SDD).
    let estimated_delivery = ["RDD", "SDD"].iter().find_map(|wanted| {
        package
            .delivery_date
            .iter()
            .find(|d| d.kind.as_deref() == Some(wanted))
            .and_then(|d| parse_ups_date(d.date.as_deref()?))
    });
    Some(PackageTracking {
        tracking_number,
        status,
        carrier_status: carrier_status(&current),
        service_name: package.service.and_then(|s| s.description),
        estimated_delivery,
        delivered_at,
        references: package.reference_number.into_iter().filter_map(|r| r.number).collect(),
        events,
    })
}

fn event(activity: Activity) -> TrackingEvent {
    let status = activity.status.unwrap_or_default();
    let local_time =
        match (activity.date.as_deref().and_then(parse_ups_date), activity.time.as_deref().and_then(parse_ups_time)) {
            (Some(date), Some(time)) => Some(DateTime::from_parts(date, time)),
            _ => None,
        };
    let occurred_at = local_time
        .zip(activity.gmt_offset.as_deref().and_then(parse_offset))
        .and_then(|(local, offset)| offset.to_timestamp(local).ok())
        .or_else(|| {
            let date = parse_ups_date(activity.gmt_date.as_deref()?)?;
            let time = parse_ups_time(activity.gmt_time.as_deref()?)?;
            Offset::UTC.to_timestamp(DateTime::from_parts(date, time)).ok()
        });
    let location = activity.location.and_then(|l| l.address).map(|a| {
        [a.city, a.state_province, a.country_code]
            .into_iter()
            .flatten()
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    });
    TrackingEvent {
        occurred_at,
        local_time,
        status: normalize(&status),
        carrier_status: carrier_status(&status),
        location: location.filter(|l| !l.is_empty()),
    }
}

/// `-05:00` (UPS's `gmtOffset`).
fn parse_offset(text: &str) -> Option<Offset> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let seconds = sign * (hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60);
    Offset::from_seconds(seconds).ok()
}

fn carrier_status(status: &Status) -> CarrierStatus {
    CarrierStatus { kind: status.kind.clone(), code: status.code.clone(), description: status.description.clone() }
}

/// UPS status types (UPS tracking appendix): `M` manifest (label created), `MV` manifest voided, `P`
/// pickup, `I` in transit, `O` out for delivery, `D` delivered, `X` exception, `RS` returned to shipper,
/// `DO`/`DD` freight delivered to an origin/destination facility, `W` warehousing, `NA` not available.
/// UPS reports out-for-delivery as type `I` with code `OT`, so the code is checked too.
fn normalize(status: &Status) -> TrackingStatus {
    let kind = status.kind.as_deref().map(str::trim).unwrap_or_default().to_ascii_uppercase();
    let code = status.code.as_deref().map(str::trim).unwrap_or_default().to_ascii_uppercase();
    match kind.as_str() {
        "D" => TrackingStatus::Delivered,
        "X" | "RS" => TrackingStatus::Exception,
        "M" => TrackingStatus::LabelCreated,
        "O" => TrackingStatus::OutForDelivery,
        "I" if code == "OT" || code == "OF" => TrackingStatus::OutForDelivery,
        "I" | "P" | "W" | "DO" | "DD" => TrackingStatus::InTransit,
        _ => TrackingStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(kind: &str, code: &str) -> Status {
        Status { code: Some(code.into()), description: None, kind: Some(kind.into()) }
    }

    #[test]
    fn ups_status_types_normalize() {
        assert_eq!(normalize(&status("M", "MP")), TrackingStatus::LabelCreated);
        assert_eq!(normalize(&status("P", "XD")), TrackingStatus::InTransit);
        assert_eq!(normalize(&status("I", "DP")), TrackingStatus::InTransit);
        assert_eq!(normalize(&status("I", "OT")), TrackingStatus::OutForDelivery);
        assert_eq!(normalize(&status("D", "KB")), TrackingStatus::Delivered);
        assert_eq!(normalize(&status("X", "U2")), TrackingStatus::Exception);
        assert_eq!(normalize(&status("RS", "RS")), TrackingStatus::Exception);
        assert_eq!(normalize(&status("MV", "MV")), TrackingStatus::Unknown);
        assert_eq!(normalize(&Status::default()), TrackingStatus::Unknown);
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("-05:00"), Offset::from_seconds(-5 * 3600).ok());
        assert_eq!(parse_offset("+05:30"), Offset::from_seconds(5 * 3600 + 1800).ok());
        assert_eq!(parse_offset("x"), None);
    }
}
