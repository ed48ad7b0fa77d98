//! Street-level address validation and classification by the README's rules, over real HTTP.

mod support;

use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{assert_response_valid, call, error_codes, error_messages, start, token};
use wharf_carrier_sandbox::spec::{self, Api};

const SPEC_PATH: &str = "/addressvalidation/{version}/{requestoption}";

async fn validate(option: &str, body: &Value) -> (StatusCode, Value) {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let (status, answer) =
        call(&sandbox, Method::POST, &format!("/api/addressvalidation/v2/{option}"), &token, Some(body)).await;
    assert_response_valid(Api::AddressValidation, "POST", SPEC_PATH, status, &answer);
    (status, answer)
}

fn key_format(line: &str, city: &str, state: &str, zip: &str) -> Value {
    json!({ "XAVRequest": { "AddressKeyFormat": {
        "ConsigneeName": "Jane Doe",
        "AddressLine": [line],
        "PoliticalDivision2": city,
        "PoliticalDivision1": state,
        "PostcodePrimaryLow": zip,
        "CountryCode": "US",
    }}})
}

#[tokio::test]
async fn the_spec_example_is_a_valid_commercial_address_in_its_region() {
    let example =
        spec::operation(Api::AddressValidation, "POST", SPEC_PATH).expect("XAV").request_examples().remove(0).value;
    let (status, answer) = validate("3", &example).await;
    assert_eq!(status, StatusCode::OK);
    // The Region "ROSWELL,GA,30076-1521" overrides the other fields; 300xx is Georgia; "STE" and
    // "CENTERS" make it commercial.
    assert_eq!(
        answer,
        json!({ "XAVResponse": {
            "Response": { "ResponseStatus": { "Code": "1", "Description": "Success" } },
            "ValidAddressIndicator": "",
            "AddressClassification": { "Code": "1", "Description": "Commercial" },
            "Candidate": [{
                "AddressClassification": { "Code": "1", "Description": "Commercial" },
                "AddressKeyFormat": {
                    "ConsigneeName": "RITZ CAMERA CENTERS-1749",
                    "AddressLine": ["26601 ALISO CREEK ROAD", "STE D", "ALISO VIEJO TOWN CENTER"],
                    "Region": "ROSWELL GA 30076-1521",
                    "PoliticalDivision2": "ROSWELL",
                    "PoliticalDivision1": "GA",
                    "PostcodePrimaryLow": "30076",
                    "PostcodeExtendedLow": "1521",
                    "CountryCode": "US",
                }
            }]
        }})
    );
}

#[tokio::test]
async fn a_state_that_does_not_match_the_zip_is_ambiguous_with_the_corrected_candidate() {
    let (status, answer) = validate("1", &key_format("12 Elm St", "Alpharetta", "FL", "30005")).await;
    assert_eq!(status, StatusCode::OK);
    let response = &answer["XAVResponse"];
    assert_eq!(response["AmbiguousAddressIndicator"], "");
    assert!(response.get("ValidAddressIndicator").is_none());
    assert!(response.get("AddressClassification").is_none(), "option 1 does not classify");
    assert_eq!(response["Candidate"][0]["AddressKeyFormat"]["PoliticalDivision1"], "GA");
    assert_eq!(response["Candidate"][0]["AddressKeyFormat"]["AddressLine"], json!(["12 ELM ST"]));
}

#[tokio::test]
async fn unknown_zips_and_lines_without_house_numbers_have_no_candidates() {
    for body in [key_format("12 Elm St", "Nowhere", "NY", "00100"), key_format("Elm St", "Alpharetta", "GA", "30005")] {
        let (status, answer) = validate("3", &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["XAVResponse"]["NoCandidatesIndicator"], "");
        assert_eq!(answer["XAVResponse"]["AddressClassification"]["Code"], "0");
        assert!(answer["XAVResponse"].get("Candidate").is_none());
    }
}

#[tokio::test]
async fn classification_alone_calls_a_plain_street_address_residential() {
    let (status, answer) = validate("2", &key_format("12 Elm St", "Alpharetta", "GA", "30005")).await;
    assert_eq!(status, StatusCode::OK);
    let response = &answer["XAVResponse"];
    assert_eq!(response["AddressClassification"], json!({ "Code": "2", "Description": "Residential" }));
    assert!(response.get("ValidAddressIndicator").is_none(), "option 2 does not validate");
}

#[tokio::test]
async fn bad_request_options_and_bodies_are_refused_with_pointers() {
    let (status, answer) = validate("4", &key_format("12 Elm St", "Alpharetta", "GA", "30005")).await;
    assert_eq!((status, error_codes(&answer)), (StatusCode::BAD_REQUEST, vec!["264005".to_owned()]));

    let mut body = key_format("12 Elm St", "Alpharetta", "GA", "30005");
    body["XAVRequest"]["AddressKeyFormat"]["CountryCode"] = json!("USA");
    let (status, answer) = validate("1", &body).await;
    assert_eq!((status, error_codes(&answer)), (StatusCode::BAD_REQUEST, vec!["10002".to_owned()]));
    let messages = error_messages(&answer);
    assert!(messages[0].starts_with("/XAVRequest/AddressKeyFormat/CountryCode: "), "{messages:?}");
}
