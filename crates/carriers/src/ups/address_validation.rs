//! UPS Address Validation - Street Level (`AddressValidation.yaml`,
//! `POST /api/addressvalidation/v2/3`: validation and classification).
//!
//! UPS validates US and Puerto Rico addresses only; in UPS's test environment (CIE), only New York and
//! California addresses give results.

use serde::Deserialize;
use serde_json::{Value, json};
use wharf_domain::Address;

use crate::address_validation::{AddressCandidate, AddressClass, AddressOutcome, AddressValidation};
use crate::error::{CarrierError, FieldError, Operation};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::ups::wire::{
    CARRIER, CodeDescription, ResponseHeader, error_from_response, failed_status, one_or_many, unreadable,
};

/// `3` = address validation and address classification.
const REQUEST_OPTION: &str = "3";

pub fn build_request(address: &Address) -> Result<HttpRequest, CarrierError> {
    let mut errors = Vec::new();
    let country = address.country.trim().to_ascii_uppercase();
    if country != "US" && country != "PR" {
        errors.push(FieldError::field("address.country", "UPS validates US and Puerto Rico addresses only"));
    }
    let lines: Vec<&str> = address.street_lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        errors.push(FieldError::field("address.street1", "a street address is required"));
    }
    for (index, line) in lines.iter().enumerate() {
        if line.chars().count() > 100 {
            errors
                .push(FieldError::field(format!("address.street{}", index + 1), "UPS accepts at most 100 characters"));
        }
    }
    if !errors.is_empty() {
        return Err(CarrierError::invalid_request(CARRIER, Operation::ValidateAddress, errors));
    }
    let postal = address.postal_code.trim();
    let (primary, extended) = match postal.split_once('-') {
        Some((zip, plus4)) => (zip.trim(), Some(plus4.trim()).filter(|p| !p.is_empty())),
        None if postal.len() == 9 && postal.bytes().all(|b| b.is_ascii_digit()) => (&postal[..5], Some(&postal[5..])),
        None => (postal, None),
    };
    let mut key = serde_json::Map::new();
    // The name helps UPS classify the address (a company is commercial); UPS takes at most 40 characters
    // and the name is not what is being validated, so a longer one is left out.
    let consignee = address.company.as_deref().unwrap_or(&address.name).trim();
    if !consignee.is_empty() && consignee.chars().count() <= 40 {
        key.insert("ConsigneeName".into(), json!(consignee));
    }
    key.insert("AddressLine".into(), json!(lines));
    insert_nonblank(&mut key, "PoliticalDivision2", address.city.trim());
    insert_nonblank(&mut key, "PoliticalDivision1", &address.state.trim().to_ascii_uppercase());
    insert_nonblank(&mut key, "PostcodePrimaryLow", primary);
    if let Some(extended) = extended {
        key.insert("PostcodeExtendedLow".into(), json!(extended));
    }
    key.insert("CountryCode".into(), json!(country));
    Ok(HttpRequest::new(Method::Post, &["api", "addressvalidation", "v2", REQUEST_OPTION])
        .json(json!({ "XAVRequest": { "AddressKeyFormat": Value::Object(key) } })))
}

fn insert_nonblank(map: &mut serde_json::Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.into(), json!(value));
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wrapper {
    #[serde(rename = "XAVResponse")]
    xav_response: XavResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct XavResponse {
    response: ResponseHeader,
    /// Presence indicators: any value (usually "") means present.
    valid_address_indicator: Option<Value>,
    ambiguous_address_indicator: Option<Value>,
    no_candidates_indicator: Option<Value>,
    address_classification: Option<CodeDescription>,
    #[serde(default, deserialize_with = "one_or_many")]
    candidate: Vec<Candidate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Candidate {
    address_classification: Option<CodeDescription>,
    address_key_format: CandidateAddress,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CandidateAddress {
    #[serde(default, deserialize_with = "one_or_many")]
    address_line: Vec<String>,
    political_division2: Option<String>,
    political_division1: Option<String>,
    postcode_primary_low: Option<String>,
    postcode_extended_low: Option<String>,
    country_code: String,
}

/// Reads the answer; `sent` is the address that was validated (its name, company and phone are kept on
/// every candidate).
pub fn parse_response(sent: &Address, response: &HttpResponse) -> Result<AddressValidation, CarrierError> {
    let operation = Operation::ValidateAddress;
    if !response.is_success() {
        return Err(error_from_response(operation, response));
    }
    let wrapper: Wrapper = serde_json::from_slice(&response.body).map_err(|e| unreadable(operation, response, e))?;
    let xav = wrapper.xav_response;
    if !xav.response.succeeded() {
        return Err(failed_status(operation, &xav.response, response.status));
    }
    let outcome = if xav.valid_address_indicator.is_some() {
        AddressOutcome::Valid
    } else if xav.ambiguous_address_indicator.is_some() {
        AddressOutcome::Ambiguous
    } else if xav.no_candidates_indicator.is_some() || xav.candidate.is_empty() {
        AddressOutcome::NotFound
    } else {
        AddressOutcome::Ambiguous
    };
    let candidates = xav
        .candidate
        .into_iter()
        .map(|candidate| {
            let classification = candidate.address_classification.as_ref().map(classify);
            AddressCandidate {
                address: candidate_address(sent, candidate.address_key_format, classification),
                classification,
            }
        })
        .collect();
    Ok(AddressValidation {
        outcome,
        classification: xav.address_classification.as_ref().map(classify),
        candidates,
        messages: xav.response.messages(),
    })
}

/// Classification codes: 0 unclassified, 1 commercial, 2 residential.
fn classify(code: &CodeDescription) -> AddressClass {
    match code.code.trim() {
        "1" => AddressClass::Commercial,
        "2" => AddressClass::Residential,
        _ => AddressClass::Unknown,
    }
}

fn candidate_address(sent: &Address, found: CandidateAddress, class: Option<AddressClass>) -> Address {
    let mut lines = found.address_line.into_iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    let primary = found.postcode_primary_low.unwrap_or_default();
    let postal_code = match found.postcode_extended_low.filter(|e| !e.trim().is_empty()) {
        Some(extended) => format!("{}-{}", primary.trim(), extended.trim()),
        None => primary.trim().to_owned(),
    };
    Address {
        street1: lines.next().unwrap_or_default(),
        street2: lines.next(),
        street3: lines.next(),
        city: found.political_division2.unwrap_or_default().trim().to_owned(),
        state: found.political_division1.unwrap_or_default().trim().to_owned(),
        postal_code,
        country: found.country_code.trim().to_owned(),
        residential: match class {
            Some(AddressClass::Residential) => Some(true),
            Some(AddressClass::Commercial) => Some(false),
            Some(AddressClass::Unknown) | None => sent.residential,
        },
        ..sent.clone()
    }
}
