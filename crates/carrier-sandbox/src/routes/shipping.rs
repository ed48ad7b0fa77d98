//! `POST /api/shipments/{version}/ship` and
//! `DELETE /api/shipments/{version}/void/cancel/{shipmentidentificationnumber}`.

use std::collections::HashMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::charges_json::{billing_weight, money, negotiated, package_charges, residential_item, sums};
use super::rating::{service_list, unavailable_to_commercial};
use super::request_fields::{array, present, text};
use super::shipment_facts::{self, ShipmentFacts};
use super::{SharedState, UpsError, authorize_client, read_json_request};
use crate::address::{parse_us_postal_code, state_of_zip};
use crate::label::{self, LabelContent, LabelFormat};
use crate::rates::{self, PackageCharges, Service};
use crate::spec::{Api, NormalizedRequest};
use crate::state::{ClientRegistration, PackageRecord, PartyAddress, ShipmentRecord};
use crate::tracking_number;
use crate::tracking_schedule;

const SPEC_PATH: &str = "/shipments/{version}/ship";
const REQUEST: &str = "/ShipmentRequest";
const SHIPMENT: &str = "/ShipmentRequest/Shipment";

/// Everything needed to create the shipment, read and checked before anything is allocated.
struct ShipmentPlan {
    client: ClientRegistration,
    service: &'static Service,
    facts: ShipmentFacts,
    charges: Vec<PackageCharges>,
    references: Vec<String>,
    format: LabelFormat,
    negotiated_percent: Option<u8>,
    customer_context: Option<String>,
}

pub(super) async fn ship(State(state): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    let plan = match plan(&state, &headers, &body) {
        Ok(plan) => plan,
        Err(error) => return error.into_response(),
    };
    let tracking_numbers = match allocate_tracking_numbers(&state, &plan) {
        Ok(numbers) => numbers,
        Err(error) => return error.into_response(),
    };
    let created_at = state.clock.now();
    let record = shipment_record(&plan, &tracking_numbers, created_at);
    let contents = label_contents(&plan, &record);
    let format = plan.format;
    // Rendering is CPU work: keep it off the threads that serve other requests.
    let rendered = tokio::task::spawn_blocking(move || {
        contents.iter().map(|content| label::render(format, content)).collect::<Result<Vec<_>, _>>()
    })
    .await;
    let images = match rendered {
        Ok(Ok(images)) => images,
        Ok(Err(error)) => return UpsError::internal(&error.to_string()).into_response(),
        Err(error) => {
            return UpsError::internal(&format!("label rendering stopped: {error}")).into_response();
        }
    };
    let response = ship_response(&plan, &record, &images);
    let hold = store(&state, record);
    if hold {
        // The shipment exists; the client will never hear of it. Hold past its timeout, then cut
        // the connection mid-response.
        tokio::time::sleep(state.timeout_hold).await;
        return dropped_connection();
    }
    (StatusCode::OK, Json(response)).into_response()
}

/// A 200 whose body fails after the headers: the connection is cut before any of it arrives.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by the sandbox fault timeout-after-label",
        ))
    });
    Response::new(Body::from_stream(failing))
}

fn plan(state: &SharedState, headers: &HeaderMap, body: &[u8]) -> Result<ShipmentPlan, UpsError> {
    let client = authorize_client(state, headers)?;
    let request = read_json_request(Api::Shipping, "POST", SPEC_PATH, body)?;
    let body = request.body();
    check_shipper(&request, &client)?;
    let facts = shipment_facts::read(&request, SHIPMENT)?;
    check_ship_to_state(&request, &facts.ship_to)?;

    let service_pointer = format!("{SHIPMENT}/Service/Code");
    let code = text(body, &service_pointer).unwrap_or_default();
    let service = rates::service(code).ok_or_else(|| {
        UpsError::bad_request(
            "111100",
            format!(
                "The requested service {code:?} at {} is invalid: the sandbox ships {}.",
                request.original_pointer(&service_pointer),
                service_list()
            ),
        )
    })?;
    if !service.offered(facts.residential) {
        return Err(unavailable_to_commercial(service));
    }
    let format = label_format(&request)?;
    let references = reference_values(array(body, &format!("{SHIPMENT}/ReferenceNumber")));
    let negotiated_percent = present(body, &format!("{SHIPMENT}/ShipmentRatingOptions/NegotiatedRatesIndicator"))
        .then_some(client.negotiated_discount_percent);
    let charges = package_charges(service, &facts);
    Ok(ShipmentPlan {
        client,
        service,
        facts,
        charges,
        references,
        format,
        negotiated_percent,
        customer_context: text(body, &format!("{REQUEST}/Request/TransactionReference/CustomerContext"))
            .map(str::to_owned),
    })
}

fn reference_values(references: &[Value]) -> Vec<String> {
    references
        .iter()
        .filter_map(|reference| reference.get("Value").and_then(Value::as_str))
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The shipper number (and a BillShipper account, if given) must be the caller's account.
fn check_shipper(request: &NormalizedRequest, client: &ClientRegistration) -> Result<(), UpsError> {
    let body = request.body();
    let invalid = |pointer: &str, given: &str| {
        UpsError::bad_request(
            "120100",
            format!(
                "Missing or invalid shipper number {given:?} at {}: use the account number registered with your client ({}).",
                request.original_pointer(pointer),
                client.account_number
            ),
        )
    };
    let pointer = format!("{SHIPMENT}/Shipper/ShipperNumber");
    let shipper_number = text(body, &pointer).unwrap_or_default();
    if shipper_number != client.account_number {
        return Err(invalid(&pointer, shipper_number));
    }
    let charges_pointer = format!("{SHIPMENT}/PaymentInformation/ShipmentCharge");
    for index in 0..array(body, &charges_pointer).len() {
        let pointer = format!("{charges_pointer}/{index}/BillShipper/AccountNumber");
        if let Some(account) = text(body, &pointer)
            && account != client.account_number
        {
            return Err(invalid(&pointer, account));
        }
    }
    Ok(())
}

/// Both request options ("validate", "nonvalidate") check the ship-to postal code against its state.
fn check_ship_to_state(request: &NormalizedRequest, ship_to: &PartyAddress) -> Result<(), UpsError> {
    let zip_state =
        ship_to.postal_code.as_deref().and_then(parse_us_postal_code).and_then(|(zip5, _)| state_of_zip(&zip5));
    let given = ship_to.state.as_deref().map(str::to_ascii_uppercase);
    match zip_state {
        Some(expected) if given.as_deref() != Some(expected) => {
            let pointer = format!("{SHIPMENT}/ShipTo/Address/StateProvinceCode");
            Err(UpsError::bad_request(
                "120206",
                format!(
                    "Missing or invalid ship to StateProvinceCode {:?} at {}: postal code {} is in {expected}.",
                    ship_to.state.as_deref().unwrap_or(""),
                    request.original_pointer(&pointer),
                    ship_to.postal_code.as_deref().unwrap_or("")
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// GIF unless asked otherwise; ZPL needs a 4x6 or 4x8 LabelStockSize.
fn label_format(request: &NormalizedRequest) -> Result<LabelFormat, UpsError> {
    let body = request.body();
    let pointer = format!("{REQUEST}/LabelSpecification/LabelImageFormat/Code");
    let format = match text(body, &pointer) {
        None => LabelFormat::Gif,
        Some(code) => LabelFormat::parse(code).ok_or_else(|| {
            UpsError::bad_request(
                "125001",
                format!(
                    "Unsupported label image format {code:?} at {}: the sandbox produces GIF, PNG and ZPL.",
                    request.original_pointer(&pointer)
                ),
            )
        })?,
    };
    if format == LabelFormat::Zpl {
        let stock = format!("{REQUEST}/LabelSpecification/LabelStockSize");
        let height = text(body, &format!("{stock}/Height"));
        let width = text(body, &format!("{stock}/Width"));
        if !(matches!(height, Some("6" | "8")) && width == Some("4")) {
            return Err(UpsError::bad_request(
                "125002",
                format!(
                    "ZPL labels need LabelStockSize at {} with Height 6 or 8 and Width 4.",
                    request.original_pointer(&stock)
                ),
            ));
        }
    }
    Ok(format)
}

/// Tracking numbers for every package, from the account's serial counter.
fn allocate_tracking_numbers(state: &SharedState, plan: &ShipmentPlan) -> Result<Vec<String>, UpsError> {
    let mut inner = state.lock();
    let serial = inner.serials.entry(plan.client.account_number.clone()).or_insert(0);
    (0..plan.facts.packages.len())
        .map(|_| {
            *serial += 1;
            tracking_number::compose(&plan.client.account_number, plan.service.code, *serial).ok_or_else(|| {
                UpsError::internal(
                    "the account's tracking-number serials are used up (10,000,000 labels): register another account",
                )
            })
        })
        .collect()
}

fn shipment_record(plan: &ShipmentPlan, tracking_numbers: &[String], created_at: Timestamp) -> ShipmentRecord {
    let packages: Vec<PackageRecord> = plan
        .facts
        .packages
        .iter()
        .zip(&plan.charges)
        .zip(tracking_numbers)
        .map(|((package, charges), tracking_number)| PackageRecord {
            tracking_number: tracking_number.clone(),
            references: package.references.clone(),
            billable_weight_lbs: package.weight.billable,
            total_charges: charges.total(),
            voided_at: None,
        })
        .collect();
    let (_, _, total) = sums(&plan.charges);
    ShipmentRecord {
        shipment_id: tracking_numbers.first().cloned().unwrap_or_default(),
        account_number: plan.client.account_number.clone(),
        service_code: plan.service.code.to_owned(),
        service_name: plan.service.name.to_owned(),
        created_at,
        zone: plan.facts.zone,
        transit_days: plan.service.transit_days(plan.facts.zone),
        references: plan.references.clone(),
        ship_from: plan.facts.origin.clone(),
        ship_to: plan.facts.ship_to.clone(),
        residential: plan.facts.residential,
        label_format: plan.format.code().to_owned(),
        packages,
        total_charges: total,
    }
}

fn address_block(party: &PartyAddress) -> Vec<String> {
    let mut lines = vec![party.name.clone()];
    lines.extend(party.address_lines.iter().cloned());
    lines.push(
        [party.city.as_str(), party.state.as_deref().unwrap_or(""), party.postal_code.as_deref().unwrap_or("")]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    );
    lines
}

fn label_contents(plan: &ShipmentPlan, record: &ShipmentRecord) -> Vec<LabelContent> {
    let count = record.packages.len();
    record
        .packages
        .iter()
        .zip(&plan.facts.packages)
        .enumerate()
        .map(|(index, (package, facts))| LabelContent {
            tracking_number: package.tracking_number.clone(),
            service_name: record.service_name.clone(),
            ship_from: address_block(&record.ship_from),
            ship_to: address_block(&record.ship_to),
            package_line: format!("PKG {} OF {count}", index + 1),
            weight_line: format!("{} LBS", facts.weight.actual),
            references: record.references.iter().chain(&package.references).cloned().collect(),
        })
        .collect()
}

fn ship_response(plan: &ShipmentPlan, record: &ShipmentRecord, images: &[Vec<u8>]) -> Value {
    let (transportation, surcharges, total) = sums(&plan.charges);
    let mut charges = json!({
        "BaseServiceCharge": money(transportation),
        "TransportationCharges": money(transportation),
        "ServiceOptionsCharges": money(surcharges),
        "TotalCharges": money(total),
    });
    if surcharges > Decimal::ZERO {
        charges["ItemizedCharges"] = json!([residential_item(surcharges)]);
    }
    let packages: Vec<Value> = record
        .packages
        .iter()
        .zip(&plan.charges)
        .zip(images)
        .map(|((package, charge), image)| {
            let mut result = json!({
                "TrackingNumber": package.tracking_number,
                "BaseServiceCharge": money(charge.transportation),
                "ServiceOptionsCharges": money(charge.residential),
                "ShippingLabel": {
                    "ImageFormat": { "Code": plan.format.code(), "Description": plan.format.code() },
                    "GraphicImage": STANDARD.encode(image),
                },
            });
            if charge.residential > Decimal::ZERO {
                result["ItemizedCharges"] = json!([residential_item(charge.residential)]);
            }
            result
        })
        .collect();
    let mut results = Map::new();
    results.insert("ShipmentCharges".into(), charges);
    if let Some(percent) = plan.negotiated_percent {
        results.insert("NegotiatedRateCharges".into(), json!({ "TotalCharge": money(negotiated(total, percent)) }));
    }
    results.insert("BillingWeight".into(), billing_weight(plan.facts.billable_pounds()));
    results.insert("ShipmentIdentificationNumber".into(), json!(record.shipment_id));
    results.insert("PackageResults".into(), Value::Array(packages));
    let mut response = json!({ "ResponseStatus": { "Code": "1", "Description": "Success" } });
    if let Some(context) = &plan.customer_context {
        response["TransactionReference"] = json!({ "CustomerContext": context });
    }
    json!({ "ShipmentResponse": { "Response": response, "ShipmentResults": Value::Object(results) } })
}

/// Stores the shipment; returns whether a `timeout-after-label` fault claims this response.
fn store(state: &SharedState, record: ShipmentRecord) -> bool {
    let mut inner = state.lock();
    let index = inner.shipments.len();
    inner.shipment_index.insert(record.shipment_id.clone(), index);
    for (package_index, package) in record.packages.iter().enumerate() {
        inner.package_index.insert(package.tracking_number.clone(), (index, package_index));
    }
    inner.shipments.push(record);
    if inner.faults.timeouts_after_label > 0 {
        inner.faults.timeouts_after_label -= 1;
        true
    } else {
        false
    }
}

/// `trackingnumber=1Z...` or `trackingnumber=["1Z...","1Z..."]`.
fn requested_tracking_numbers(query: &HashMap<String, String>) -> Vec<String> {
    query
        .get("trackingnumber")
        .map(|value| {
            value
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(|number| number.trim().trim_matches('"').trim().to_owned())
                .filter(|number| !number.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) async fn void(
    State(state): State<SharedState>,
    Path((_version, shipment_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match void_answer(&state, &shipment_id, &query, &headers) {
        Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn void_answer(
    state: &SharedState,
    shipment_id: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Value, UpsError> {
    let client = authorize_client(state, headers)?;
    let requested = requested_tracking_numbers(query);
    let now = state.clock.now();
    let mut inner = state.lock();
    let not_found = || {
        UpsError::bad_request(
            "190102",
            format!(
                "No shipment found for shipment identification number {shipment_id:?}: check the number (it is the first package's tracking number)."
            ),
        )
    };
    let index = *inner.shipment_index.get(shipment_id).ok_or_else(not_found)?;
    let shipment = &mut inner.shipments[index];
    if shipment.account_number != client.account_number {
        return Err(not_found());
    }
    let targets: Vec<usize> = if requested.is_empty() {
        if shipment.voided() {
            return Err(UpsError::bad_request(
                "190117",
                format!("The shipment {shipment_id} has already been voided."),
            ));
        }
        (0..shipment.packages.len()).filter(|&i| shipment.packages[i].voided_at.is_none()).collect()
    } else {
        let mut targets = Vec::new();
        for number in &requested {
            let position =
                shipment.packages.iter().position(|package| &package.tracking_number == number).ok_or_else(|| {
                    UpsError::bad_request(
                        "190101",
                        format!("Tracking number {number:?} is not a package of shipment {shipment_id}."),
                    )
                })?;
            if shipment.packages[position].voided_at.is_some() {
                return Err(UpsError::bad_request("190117", format!("The package {number} has already been voided.")));
            }
            targets.push(position);
        }
        targets
    };
    let picked_up_at = tracking_schedule::picked_up_at(shipment.created_at);
    if now >= picked_up_at {
        return Err(UpsError::bad_request(
            "190110",
            format!(
                "The void period has expired: shipment {shipment_id} was picked up at {picked_up_at} (sandbox clock); a shipment can be voided until it is picked up."
            ),
        ));
    }
    for &position in &targets {
        shipment.packages[position].voided_at = Some(now);
    }
    let all_voided = shipment.voided();
    // The schema allows 15 characters here.
    let summary = if all_voided { "Voided" } else { "Partial Void" };
    let mut response = json!({
        "VoidShipmentResponse": {
            "Response": { "ResponseStatus": { "Code": "1", "Description": "Success" } },
            "SummaryResult": { "Status": { "Code": "1", "Description": summary } },
        }
    });
    if !requested.is_empty() {
        let results: Vec<Value> = targets
            .iter()
            .map(|&position| {
                json!({
                    "TrackingNumber": shipment.packages[position].tracking_number,
                    "Status": { "Code": "1", "Description": "Voided" },
                })
            })
            .collect();
        response["VoidShipmentResponse"]["PackageLevelResults"] = Value::Array(results);
    }
    Ok(response)
}
