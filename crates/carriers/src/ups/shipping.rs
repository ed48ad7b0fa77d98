//! UPS Shipping (`Shipping.yaml`): buy a shipment (`POST /api/shipments/v2409/ship`) and void one
//! (`DELETE /api/shipments/v2409/void/cancel/{shipmentidentificationnumber}`).

use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use wharf_domain::shipping_codes::ServiceCode;

use crate::error::{CarrierError, FieldError, Operation};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::shipment::{Label, LabelFormat, LabelImage, LabelRequest, PackageLabel, PackageVoid, VoidOutcome};
use crate::ups::config::UpsAccountConfig;
use crate::ups::wire::{
    BillingWeight, CARRIER, Charge, CodeDescription, CodeOnly, MAX_PACKAGES, PackageApi, Party, ResponseHeader,
    SHIPPING_LIMITS, error_from_response, failed_status, package, party, unreadable, ups_date, ups_service,
};

pub const API_VERSION: &str = "v2409";

/// UPS reference numbers hold at most 35 characters.
const MAX_REFERENCE: usize = 35;

pub fn build_ship_request(account: &UpsAccountConfig, request: &LabelRequest) -> Result<HttpRequest, CarrierError> {
    let mut errors = Vec::new();
    check_reference("reference", &request.reference, &mut errors);
    if let Some(customer) = &request.customer_reference {
        check_reference("customer_reference", customer, &mut errors);
    }
    let service = ups_service(&request.service, &mut errors);
    if service.is_some_and(needs_recipient_phone)
        && request.ship_to.phone.as_deref().is_none_or(|p| p.trim().is_empty())
    {
        errors.push(FieldError::field("ship_to.phone", "UPS Next Day Air Early needs the recipient's phone number"));
    }

    let mut shipper = party(&request.ship_from, Party::Shipper, "ship_from", SHIPPING_LIMITS, true, &mut errors);
    shipper.insert("ShipperNumber".into(), json!(account.account_number.trim()));
    let ship_to = party(&request.ship_to, Party::ShipTo, "ship_to", SHIPPING_LIMITS, true, &mut errors);
    // Same address as the shipper: its problems are already listed once.
    let ship_from = party(&request.ship_from, Party::ShipFrom, "ship_from", SHIPPING_LIMITS, true, &mut Vec::new());

    let mut shipment = serde_json::Map::new();
    if let Some(description) = request.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        if description.chars().count() > 50 {
            errors.push(FieldError::field("description", "UPS accepts at most 50 characters"));
        }
        shipment.insert("Description".into(), json!(description));
    }
    shipment.insert("Shipper".into(), Value::Object(shipper));
    shipment.insert("ShipTo".into(), Value::Object(ship_to));
    shipment.insert("ShipFrom".into(), Value::Object(ship_from));
    shipment.insert(
        "PaymentInformation".into(),
        json!({ "ShipmentCharge": [{ "Type": "01", "BillShipper": { "AccountNumber": account.account_number.trim() } }] }),
    );
    if let Some(service) = service {
        shipment.insert("Service".into(), json!({ "Code": service.ups_code, "Description": service.name }));
    }
    if let Some(date) = request.ship_date {
        shipment.insert("ShipmentDate".into(), json!(ups_date(date)));
    }
    if account.negotiated_rates {
        shipment.insert("ShipmentRatingOptions".into(), json!({ "NegotiatedRatesIndicator": "Y" }));
    }

    // UPS keeps package-level references for US-to-US (and PR-to-PR) shipments and shipment-level ones for
    // the rest; either way tracking by reference finds them.
    let references = reference_numbers(request);
    let domestic = same_domestic_country(&request.ship_from.country, &request.ship_to.country);
    if !domestic {
        shipment.insert("ReferenceNumber".into(), references.clone());
    }
    if request.packages.is_empty() {
        errors.push(FieldError::field("packages", "at least one package is required"));
    } else if request.packages.len() > MAX_PACKAGES {
        errors.push(FieldError::field("packages", format!("UPS takes at most {MAX_PACKAGES} packages per shipment")));
    }
    let packages: Vec<Value> = request
        .packages
        .iter()
        .enumerate()
        .map(|(index, parcel)| {
            let (mut json, _) = package(parcel, index, PackageApi::Shipping, request.options.confirmation, &mut errors);
            if domestic {
                json.insert("ReferenceNumber".into(), references.clone());
            }
            Value::Object(json)
        })
        .collect();
    shipment.insert("Package".into(), Value::Array(packages));

    if !errors.is_empty() {
        return Err(CarrierError::invalid_request(CARRIER, Operation::BuyLabel, errors));
    }
    Ok(HttpRequest::new(Method::Post, &["api", "shipments", API_VERSION, "ship"]).json(json!({
        "ShipmentRequest": {
            "Request": {
                // City/state/ZIP are checked together before the label is made (street-level validation is
                // a separate call); refusing early is cheaper than an address-correction charge.
                "RequestOption": "validate",
                "TransactionReference": { "CustomerContext": request.reference.trim() },
            },
            "Shipment": Value::Object(shipment),
            "LabelSpecification": label_specification(account.label_format),
        }
    })))
}

/// Next Day Air Early requires the recipient's phone (Shipping.yaml, `ShipTo/Phone/Number`).
fn needs_recipient_phone(service: &ServiceCode) -> bool {
    service.ups_code == Some("14")
}

fn check_reference(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    let value = value.trim();
    if value.is_empty() {
        errors.push(FieldError::field(field, "a reference is required"));
    } else if value.chars().count() > MAX_REFERENCE {
        errors.push(FieldError::field(field, format!("UPS accepts at most {MAX_REFERENCE} characters")));
    } else if !value.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        errors.push(FieldError::field(field, "use letters, digits and punctuation only"));
    }
}

fn reference_numbers(request: &LabelRequest) -> Value {
    let mut references = vec![json!({ "Value": request.reference.trim() })];
    if let Some(customer) = request.customer_reference.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        references.push(json!({ "Value": customer }));
    }
    Value::Array(references)
}

fn same_domestic_country(from: &str, to: &str) -> bool {
    let (from, to) = (from.trim().to_ascii_uppercase(), to.trim().to_ascii_uppercase());
    from == to && (from == "US" || from == "PR")
}

/// 4x6 labels. GIF and PNG come as images; ZPL as printer commands.
fn label_specification(format: LabelFormat) -> Value {
    let mut spec = serde_json::Map::new();
    let code = match format {
        LabelFormat::Gif => "GIF",
        LabelFormat::Png => "PNG",
        LabelFormat::Zpl => "ZPL",
    };
    spec.insert("LabelImageFormat".into(), json!({ "Code": code, "Description": code }));
    if format == LabelFormat::Gif {
        // Shipping.yaml: the preferred way to say which GIF variant the browser can show.
        spec.insert("HTTPUserAgent".into(), json!("Mozilla/4.5"));
    }
    spec.insert("LabelStockSize".into(), json!({ "Height": "6", "Width": "4" }));
    Value::Object(spec)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ShipWrapper {
    shipment_response: ShipmentResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ShipmentResponse {
    response: ResponseHeader,
    shipment_results: ShipmentResults,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ShipmentResults {
    shipment_charges: Option<ShipmentCharges>,
    negotiated_rate_charges: Option<NegotiatedRateCharges>,
    billing_weight: Option<BillingWeight>,
    shipment_identification_number: Option<String>,
    #[serde(default, deserialize_with = "crate::ups::wire::one_or_many")]
    package_results: Vec<PackageResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ShipmentCharges {
    total_charges: Charge,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NegotiatedRateCharges {
    total_charge: Charge,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PackageResult {
    tracking_number: String,
    shipping_label: Option<ShippingLabel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ShippingLabel {
    image_format: CodeOnly,
    graphic_image: String,
}

pub fn parse_ship_response(request: &LabelRequest, response: &HttpResponse) -> Result<Label, CarrierError> {
    let operation = Operation::BuyLabel;
    if !response.is_success() {
        return Err(error_from_response(operation, response));
    }
    let wrapper: ShipWrapper =
        serde_json::from_slice(&response.body).map_err(|e| unreadable(operation, response, e))?;
    let shipment = wrapper.shipment_response;
    if !shipment.response.succeeded() {
        return Err(failed_status(operation, &shipment.response, response.status));
    }
    let label = label(request, shipment.shipment_results).map_err(|detail| unreadable(operation, response, detail))?;
    Ok(Label { messages: shipment.response.messages(), ..label })
}

fn label(request: &LabelRequest, results: ShipmentResults) -> Result<Label, String> {
    if results.package_results.len() != request.packages.len() {
        return Err(format!(
            "{} packages were sent but UPS returned {}",
            request.packages.len(),
            results.package_results.len()
        ));
    }
    let packages = results
        .package_results
        .into_iter()
        .map(|package| {
            let tracking_number = package.tracking_number.trim().to_owned();
            let label =
                package.shipping_label.ok_or_else(|| format!("no label image for package {tracking_number}"))?;
            let format = match label.image_format.code.trim().to_ascii_uppercase().as_str() {
                "GIF" => LabelFormat::Gif,
                "PNG" => LabelFormat::Png,
                "ZPL" => LabelFormat::Zpl,
                other => {
                    return Err(format!("label format {other:?} for package {tracking_number}"));
                }
            };
            // Base64 may be wrapped in lines.
            let encoded: String = label.graphic_image.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let data = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| format!("label image of package {tracking_number} is not base64 ({e})"))?;
            Ok(PackageLabel { tracking_number, image: LabelImage { format, data } })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let list_charge = results.shipment_charges.ok_or("the shipment charges are missing")?.total_charges.money()?;
    let negotiated = results.negotiated_rate_charges.map(|n| n.total_charge.money()).transpose()?;
    let shipment_id = results
        .shipment_identification_number
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .or_else(|| packages.first().map(|p| p.tracking_number.clone()))
        .ok_or("no shipment identification number")?;
    Ok(Label {
        shipment_id,
        reference: request.reference.trim().to_owned(),
        service: request.service.clone(),
        packages,
        charge: negotiated.unwrap_or_else(|| list_charge.clone()),
        list_charge,
        billing_weight: results.billing_weight.as_ref().and_then(BillingWeight::weight),
        messages: Vec::new(),
    })
}

pub fn build_void_request(shipment_id: &str) -> Result<HttpRequest, CarrierError> {
    let id = shipment_id.trim();
    if id.is_empty() || id.len() > 35 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CarrierError::invalid_request(
            CARRIER,
            Operation::Void,
            vec![FieldError::field("shipment_id", format!("{id:?} is not a UPS shipment id (1Z...)"))],
        ));
    }
    Ok(HttpRequest::new(Method::Delete, &["api", "shipments", API_VERSION, "void", "cancel", id]))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VoidWrapper {
    void_shipment_response: VoidShipmentResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VoidShipmentResponse {
    response: ResponseHeader,
    summary_result: SummaryResult,
    #[serde(default, deserialize_with = "crate::ups::wire::one_or_many")]
    package_level_results: Vec<PackageLevelResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SummaryResult {
    status: CodeDescription,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PackageLevelResult {
    tracking_number: String,
    status: CodeDescription,
}

/// Status code `1` means voided (or already voided), `0` not voided.
pub fn parse_void_response(shipment_id: &str, response: &HttpResponse) -> Result<VoidOutcome, CarrierError> {
    let operation = Operation::Void;
    if !response.is_success() {
        return Err(error_from_response(operation, response));
    }
    let wrapper: VoidWrapper =
        serde_json::from_slice(&response.body).map_err(|e| unreadable(operation, response, e))?;
    let void = wrapper.void_shipment_response;
    if !void.response.succeeded() {
        return Err(failed_status(operation, &void.response, response.status));
    }
    let described = |status: &CodeDescription| status.description.clone().unwrap_or_else(|| status.code.clone());
    Ok(VoidOutcome {
        shipment_id: shipment_id.trim().to_owned(),
        voided: void.summary_result.status.code.trim() == "1",
        status: described(&void.summary_result.status),
        packages: void
            .package_level_results
            .iter()
            .map(|p| PackageVoid {
                tracking_number: p.tracking_number.trim().to_owned(),
                voided: p.status.code.trim() == "1",
                status: described(&p.status),
            })
            .collect(),
        messages: void.response.messages(),
    })
}
