//! `POST /api/addressvalidation/{version}/{requestoption}`: street-level validation and
//! classification by the sandbox's documented rules (`crate::address`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::request_fields::{lines, text};
use super::{SharedState, UpsError, authorize_client, read_json_request};
use crate::address::{self, AddressInput, Candidate, Classification, Verdict};
use crate::spec::Api;

const SPEC_PATH: &str = "/addressvalidation/{version}/{requestoption}";
const KEY: &str = "/XAVRequest/AddressKeyFormat";

pub(super) async fn validate_address(
    State(state): State<SharedState>,
    Path((_version, request_option)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match answer(&state, &request_option, &headers, &body) {
        Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// (validate the street address, classify it) for request options 1, 2 and 3.
fn request_option(option: &str) -> Result<(bool, bool), UpsError> {
    match option.trim() {
        "1" => Ok((true, false)),
        "2" => Ok((false, true)),
        "3" => Ok((true, true)),
        other => Err(UpsError::bad_request(
            "264005",
            format!("Invalid request option {other:?}: use 1 (validation), 2 (classification) or 3 (both)."),
        )),
    }
}

fn input(body: &Value) -> AddressInput {
    let field = |name: &str| text(body, &format!("{KEY}/{name}")).map(str::to_owned);
    let input = AddressInput {
        consignee_name: field("ConsigneeName"),
        address_lines: lines(body, &format!("{KEY}/AddressLine")),
        city: field("PoliticalDivision2"),
        state: field("PoliticalDivision1"),
        postal_code: field("PostcodePrimaryLow"),
        postal_extension: field("PostcodeExtendedLow"),
        country_code: field("CountryCode").unwrap_or_default().to_ascii_uppercase(),
    };
    match text(body, &format!("{KEY}/Region")) {
        Some(region) => input.with_region(region),
        None => input,
    }
}

fn classification_json(classification: Classification) -> Value {
    json!({ "Code": classification.code(), "Description": classification.description() })
}

fn candidate_json(candidate: &Candidate, country_code: &str, classify: bool) -> Value {
    let mut key = Map::new();
    if let Some(name) = &candidate.consignee_name {
        key.insert("ConsigneeName".into(), json!(name));
    }
    key.insert("AddressLine".into(), json!(candidate.address_lines));
    let postal = match &candidate.extension {
        Some(extension) => format!("{}-{extension}", candidate.zip5),
        None => candidate.zip5.clone(),
    };
    key.insert("Region".into(), json!(format!("{} {} {postal}", candidate.city, candidate.state)));
    key.insert("PoliticalDivision2".into(), json!(candidate.city));
    key.insert("PoliticalDivision1".into(), json!(candidate.state));
    key.insert("PostcodePrimaryLow".into(), json!(candidate.zip5));
    if let Some(extension) = &candidate.extension {
        key.insert("PostcodeExtendedLow".into(), json!(extension));
    }
    key.insert("CountryCode".into(), json!(country_code));
    let mut entry = Map::new();
    if classify {
        entry.insert("AddressClassification".into(), classification_json(candidate.classification));
    }
    entry.insert("AddressKeyFormat".into(), Value::Object(key));
    Value::Object(entry)
}

fn answer(state: &SharedState, option: &str, headers: &HeaderMap, body: &[u8]) -> Result<Value, UpsError> {
    authorize_client(state, headers)?;
    let (validate, classify) = request_option(option)?;
    let request = read_json_request(Api::AddressValidation, "POST", SPEC_PATH, body)?;
    let body = request.body();
    let input = input(body);
    let verdict = address::validate(&input);

    let mut response = Map::new();
    let mut status = json!({ "ResponseStatus": { "Code": "1", "Description": "Success" } });
    if let Some(context) = text(body, "/XAVRequest/Request/TransactionReference/CustomerContext") {
        status["TransactionReference"] = json!({ "CustomerContext": context });
    }
    response.insert("Response".into(), status);
    let (indicator, candidate) = match &verdict {
        Verdict::Valid(candidate) => ("ValidAddressIndicator", Some(candidate)),
        Verdict::Ambiguous(candidate) => ("AmbiguousAddressIndicator", Some(candidate)),
        Verdict::NoCandidates => ("NoCandidatesIndicator", None),
    };
    if validate {
        response.insert(indicator.into(), json!(""));
    }
    if classify {
        let classification = candidate.map_or(Classification::Unclassified, |c| c.classification);
        response.insert("AddressClassification".into(), classification_json(classification));
    }
    if let Some(candidate) = candidate {
        response.insert("Candidate".into(), json!([candidate_json(candidate, &input.country_code, classify)]));
    }
    Ok(json!({ "XAVResponse": Value::Object(response) }))
}
