//! Pieces of UPS's JSON shared by several APIs: addresses, weights, dimensions, amounts, alerts, and the
//! error envelope.

use std::str::FromStr;

use jiff::civil::{Date, Time};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use wharf_domain::shipping_codes::{Confirmation, ServiceCode, ShippingCodes};
use wharf_domain::{Address, Dimensions, Weight};

use crate::carrier::CarrierMessage;
use crate::error::{CarrierError, ErrorKind, FieldError, Operation};
use crate::http::HttpResponse;
use crate::money::Money;
use crate::shipment::Parcel;

pub(crate) const CARRIER: &str = "UPS";

/// Field lengths of one UPS API (they differ between Rating and Shipping).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AddressLimits {
    pub state: usize,
}

pub(crate) const SHIPPING_LIMITS: AddressLimits = AddressLimits { state: 5 };
pub(crate) const RATING_LIMITS: AddressLimits = AddressLimits { state: 2 };

/// Which party an address is, for names and for the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Party {
    Shipper,
    ShipFrom,
    ShipTo,
}

/// A party's JSON (`Name`, `AttentionName`, `Phone`, `Address`), checking UPS's limits and recording every
/// problem under `field` (`ship_to`, `ship_from`).
pub(crate) fn party(
    address: &Address,
    party: Party,
    field: &str,
    limits: AddressLimits,
    with_phone: bool,
    errors: &mut Vec<FieldError>,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    let company = address.company.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let person = Some(address.name.trim()).filter(|n| !n.is_empty());
    match company.or(person) {
        Some(name) => {
            out.insert("Name".into(), Value::String(checked(name, 35, &format!("{field}.name"), errors)));
        }
        None => errors.push(FieldError::field(format!("{field}.name"), "a name or company is required")),
    }
    if let (Some(_), Some(person)) = (company, person) {
        out.insert("AttentionName".into(), Value::String(checked(person, 35, &format!("{field}.name"), errors)));
    }
    if with_phone && let Some(phone) = address.phone.as_deref() {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if digits.len() > 15 {
            errors.push(FieldError::field(
                format!("{field}.phone"),
                format!("{} digits; UPS accepts at most 15", digits.len()),
            ));
        } else if !digits.is_empty() {
            out.insert("Phone".into(), json!({ "Number": digits }));
        }
    }
    out.insert("Address".into(), Value::Object(address_json(address, party, field, limits, errors)));
    out
}

fn address_json(
    address: &Address,
    party: Party,
    field: &str,
    limits: AddressLimits,
    errors: &mut Vec<FieldError>,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    let lines: Vec<Value> = [
        ("street1", Some(&address.street1)),
        ("street2", address.street2.as_ref()),
        ("street3", address.street3.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, line)| Some((name, line?.trim())))
    .filter(|(_, line)| !line.is_empty())
    .map(|(name, line)| Value::String(checked(line, 35, &format!("{field}.{name}"), errors)))
    .collect();
    if lines.is_empty() {
        errors.push(FieldError::field(format!("{field}.street1"), "a street address is required"));
    }
    out.insert("AddressLine".into(), Value::Array(lines));
    let city = address.city.trim();
    if city.is_empty() {
        errors.push(FieldError::field(format!("{field}.city"), "a city is required"));
    } else {
        out.insert("City".into(), Value::String(checked(city, 30, &format!("{field}.city"), errors)));
    }
    let country = address.country.trim().to_ascii_uppercase();
    let domestic = country == "US" || country == "PR";
    let state = address.state.trim().to_ascii_uppercase();
    if !state.is_empty() {
        let limit = if domestic { 2 } else { limits.state };
        if state.chars().count() > limit {
            let hint = if domestic { "use the 2-letter state code" } else { "use the state or province code" };
            errors.push(FieldError::field(format!("{field}.state"), format!("{state:?} is too long; {hint}")));
        } else {
            out.insert("StateProvinceCode".into(), Value::String(state));
        }
    } else if domestic {
        errors.push(FieldError::field(format!("{field}.state"), "a state is required for US addresses"));
    }
    let postal = postal_code(&address.postal_code, domestic);
    if postal.is_empty() {
        if domestic {
            errors.push(FieldError::field(format!("{field}.postal_code"), "a ZIP code is required"));
        }
    } else {
        out.insert("PostalCode".into(), Value::String(checked(&postal, 9, &format!("{field}.postal_code"), errors)));
    }
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        errors.push(FieldError::field(format!("{field}.country"), "use the 2-letter ISO country code (US)"));
    }
    out.insert("CountryCode".into(), Value::String(country));
    // Only the destination's residential flag changes the price; unknown (None) is sent as commercial, as
    // UPS assumes without the flag.
    if party == Party::ShipTo && address.residential == Some(true) {
        out.insert("ResidentialAddressIndicator".into(), Value::String("Y".into()));
    }
    out
}

/// US ZIP+4 is sent as 9 digits ("60601-1234" -> "606011234"), as UPS's PostalCode field holds at most 9.
fn postal_code(raw: &str, domestic: bool) -> String {
    let trimmed = raw.trim();
    if domestic { trimmed.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect() } else { trimmed.to_owned() }
}

/// `value`, or a field error when it is longer than UPS accepts (Wharf never cuts an address silently).
fn checked(value: &str, max: usize, field: &str, errors: &mut Vec<FieldError>) -> String {
    let length = value.chars().count();
    if length > max {
        errors.push(FieldError::field(field, format!("{length} characters; UPS accepts at most {max}")));
    }
    value.to_owned()
}

/// Largest package UPS accepts, in pounds and inches (UPS's published limits, as the Shipping spec's
/// `Dimensions/Length` description repeats for length).
const MAX_POUNDS: Decimal = Decimal::from_parts(150, 0, 0, false, 0);
const MAX_LENGTH_INCHES: Decimal = Decimal::from_parts(108, 0, 0, false, 0);

/// The UPS service for a Wharf service code, or a field error.
pub(crate) fn ups_service(code: &str, errors: &mut Vec<FieldError>) -> Option<&'static ServiceCode> {
    match ShippingCodes::service(code) {
        Some(service) if service.carrier == "ups" => service.ups_code.map(|_| service),
        Some(service) => {
            errors.push(FieldError::field(
                "service",
                format!("{} is a {} service; this is a UPS account", service.code, service.carrier),
            ));
            None
        }
        None => {
            errors.push(FieldError::field("service", format!("unknown service code {code:?}")));
            None
        }
    }
}

/// The two UPS APIs that take packages name a few things differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageApi {
    Rating,
    Shipping,
}

/// UPS takes at most 200 packages in one shipment.
pub(crate) const MAX_PACKAGES: usize = 200;

/// One `Package` element; returns it with its weight in pounds as sent.
pub(crate) fn package(
    parcel: &Parcel,
    index: usize,
    api: PackageApi,
    confirmation: Confirmation,
    errors: &mut Vec<FieldError>,
) -> (serde_json::Map<String, Value>, Decimal) {
    let field = format!("packages[{index}]");
    let mut out = serde_json::Map::new();
    let packaging_key = match api {
        PackageApi::Rating => "PackagingType",
        PackageApi::Shipping => "Packaging",
    };
    match ShippingCodes::package(&parcel.package) {
        Some(package) if package.carrier.is_none_or(|c| c == "ups") && package.ups_code.is_some() => {
            out.insert(packaging_key.into(), json!({ "Code": package.ups_code, "Description": package.name }));
        }
        Some(package) => errors.push(FieldError::field(
            format!("{field}.package"),
            format!("{} is a {} package; UPS cannot ship it", package.code, package.carrier.unwrap_or("other")),
        )),
        None => errors
            .push(FieldError::field(format!("{field}.package"), format!("unknown package code {:?}", parcel.package))),
    }
    if let Some(dims) = &parcel.dimensions {
        out.insert("Dimensions".into(), dimensions(dims, &format!("{field}.dimensions"), errors));
    }
    let (weight, pounds) = package_weight(&parcel.weight, &format!("{field}.weight"), errors);
    out.insert("PackageWeight".into(), weight);
    let mut options = serde_json::Map::new();
    if let Some(dcis) = confirmation.ups_dcis_type() {
        options.insert("DeliveryConfirmation".into(), json!({ "DCISType": dcis }));
    }
    if let Some(value) = &parcel.insured_value {
        if value.amount <= Decimal::ZERO {
            errors.push(FieldError::field(format!("{field}.insured_value"), "must be more than zero"));
        }
        if value.currency.len() != 3 {
            errors.push(FieldError::field(format!("{field}.insured_value"), "use a 3-letter currency code (USD)"));
        }
        options.insert(
            "DeclaredValue".into(),
            json!({ "CurrencyCode": value.currency, "MonetaryValue": amount_text(value.amount) }),
        );
    }
    if !options.is_empty() {
        out.insert("PackageServiceOptions".into(), Value::Object(options));
    }
    (out, pounds)
}

/// `PackageWeight` in pounds, rounded up to a tenth (UPS bills whole pounds anyway; rounding up never
/// under-declares).
pub(crate) fn package_weight(weight: &Weight, field: &str, errors: &mut Vec<FieldError>) -> (Value, Decimal) {
    let pounds = weight.in_pounds().round_dp_with_strategy(1, RoundingStrategy::AwayFromZero);
    if weight.is_zero() {
        errors.push(FieldError::field(field, "a package weight is required"));
    } else if pounds > MAX_POUNDS {
        errors.push(FieldError::field(field, format!("{} lb; UPS accepts packages up to 150 lb", pounds.normalize())));
    }
    let pounds = pounds.max(Decimal::new(1, 1));
    (pounds_json(pounds), pounds)
}

/// `{UnitOfMeasurement: LBS, Weight}`.
pub(crate) fn pounds_json(pounds: Decimal) -> Value {
    json!({
        "UnitOfMeasurement": { "Code": "LBS", "Description": "Pounds" },
        "Weight": decimal_text(pounds),
    })
}

/// `Dimensions` in whole inches rounded up, longest side first as UPS requires of `Length`.
pub(crate) fn dimensions(dimensions: &Dimensions, field: &str, errors: &mut Vec<FieldError>) -> Value {
    let mut sides = dimensions.in_inches().map(|side| side.round_dp_with_strategy(0, RoundingStrategy::AwayFromZero));
    sides.sort_by(|a, b| b.cmp(a));
    if sides.iter().any(|side| *side <= Decimal::ZERO) {
        errors.push(FieldError::field(field, "every side must be greater than zero"));
    }
    if sides[0] > MAX_LENGTH_INCHES {
        errors.push(FieldError::field(field, format!("{} in long; UPS accepts at most 108 in", sides[0])));
    }
    json!({
        "UnitOfMeasurement": { "Code": "IN", "Description": "Inches" },
        "Length": decimal_text(sides[0]),
        "Width": decimal_text(sides[1]),
        "Height": decimal_text(sides[2]),
    })
}

/// An amount as UPS writes it: two decimals.
pub(crate) fn amount_text(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

fn decimal_text(value: Decimal) -> String {
    value.normalize().to_string()
}

/// `YYYYMMDD`, the date format of every UPS API.
pub(crate) fn ups_date(date: Date) -> String {
    date.strftime("%Y%m%d").to_string()
}

pub(crate) fn parse_ups_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Date::new(text[..4].parse().ok()?, text[4..6].parse().ok()?, text[6..].parse().ok()?).ok()
}

/// `HHMMSS` or `HHMM`; UPS also drops the leading zero (`74700` for 07:47:00).
pub(crate) fn parse_ups_time(text: &str) -> Option<Time> {
    let text = text.trim();
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = match text.len() {
        3 | 4 => format!("{text:0>4}00"),
        _ => format!("{text:0>6}"),
    };
    Time::new(padded[..2].parse().ok()?, padded[2..4].parse().ok()?, padded[4..].parse().ok()?, 0).ok()
}

/// UPS `{CurrencyCode, MonetaryValue}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Charge {
    pub currency_code: String,
    pub monetary_value: String,
}

impl Charge {
    pub fn money(&self) -> Result<Money, String> {
        let amount = Decimal::from_str(self.monetary_value.trim())
            .map_err(|_| format!("amount {:?} is not a number", self.monetary_value))?;
        Ok(Money::new(amount, &self.currency_code))
    }
}

/// `BillingWeight`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BillingWeight {
    pub unit_of_measurement: CodeOnly,
    pub weight: String,
}

impl BillingWeight {
    pub fn weight(&self) -> Option<Weight> {
        let value = Decimal::from_str(self.weight.trim()).ok()?;
        match self.unit_of_measurement.code.trim() {
            "LBS" => Some(Weight::pounds(value)),
            "KGS" => Weight::new(value * Decimal::from(1000), wharf_domain::WeightUnit::Grams).ok(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeOnly {
    pub code: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeDescription {
    pub code: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// The `Response` container of Rating, Shipping and Address Validation answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ResponseHeader {
    pub response_status: CodeDescription,
    #[serde(default, deserialize_with = "one_or_many")]
    pub alert: Vec<CodeDescription>,
}

impl ResponseHeader {
    pub fn succeeded(&self) -> bool {
        self.response_status.code.trim() == "1"
    }

    pub fn messages(&self) -> Vec<CarrierMessage> {
        messages(&self.alert)
    }
}

pub(crate) fn messages(alerts: &[CodeDescription]) -> Vec<CarrierMessage> {
    alerts
        .iter()
        .map(|a| CarrierMessage { code: Some(a.code.clone()), message: a.description.clone().unwrap_or_default() })
        .collect()
}

/// UPS sends a repeating element as a single object when there is one of it in older API versions (the
/// specs say so for each such field); Wharf asks for current versions, which send arrays, but reads both.
/// Hand-written because it is ten lines, where serde_with would be a new dependency.
pub(crate) fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(deserializer)? {
        Some(OneOrMany::Many(items)) => items,
        Some(OneOrMany::One(item)) => vec![item],
        None => Vec::new(),
    })
}

/// The error envelope of every UPS API: `{"response": {"errors": [{"code", "message"}]}}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    response: Option<ErrorList>,
    /// Some gateway errors come without the `response` wrapper.
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorList {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Deserialize)]
struct ErrorItem {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<String>,
}

/// The (code, message) pairs of a UPS error answer; empty when the body is not UPS's error envelope.
pub(crate) fn error_items(body: &[u8]) -> Vec<(Option<String>, String)> {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).unwrap_or_default();
    envelope
        .response
        .map(|r| r.errors)
        .unwrap_or_default()
        .into_iter()
        .chain(envelope.errors)
        .map(|item| {
            let code = item.code.map(|c| match c {
                Value::String(s) => s,
                other => other.to_string(),
            });
            (code, item.message.unwrap_or_default())
        })
        .collect()
}

/// The error for a non-2xx answer.
pub(crate) fn error_from_response(operation: Operation, response: &HttpResponse) -> CarrierError {
    CarrierError::from_status(CARRIER, operation, response.status, error_items(&response.body), response.retry_after())
}

/// The error for a 2xx answer that could not be read. A label purchase answered 2xx was made at UPS even
/// if Wharf cannot read it, so the error says to look it up before buying again.
pub(crate) fn unreadable(
    operation: Operation,
    response: &HttpResponse,
    detail: impl std::fmt::Display,
) -> CarrierError {
    let mut error = CarrierError::unreadable_response(CARRIER, operation, response.status, detail);
    if operation.creates_something() && response.is_success() {
        error.timed_out_after_send = true;
        error.message.push_str(
            " UPS accepted the request, so the label was probably bought: look the shipment up by its reference \
             (and void it) before buying again.",
        );
    }
    error
}

/// A 2xx answer whose `ResponseStatus` is not success.
pub(crate) fn failed_status(operation: Operation, header: &ResponseHeader, http_status: u16) -> CarrierError {
    let mut items: Vec<(Option<String>, String)> =
        header.alert.iter().map(|a| (Some(a.code.clone()), a.description.clone().unwrap_or_default())).collect();
    if items.is_empty() {
        items.push((
            Some(header.response_status.code.clone()),
            header.response_status.description.clone().unwrap_or_else(|| "Failure".into()),
        ));
    }
    CarrierError::with_carrier_errors(ErrorKind::Validation, CARRIER, operation, Some(http_status), items, None)
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};
    use rust_decimal_macros::dec;
    use wharf_domain::WeightUnit;

    use super::*;

    #[test]
    fn weights_are_pounds_rounded_up_to_a_tenth() {
        let mut errors = Vec::new();
        let w = |weight: Weight, errors: &mut Vec<FieldError>| package_weight(&weight, "w", errors).0["Weight"].clone();
        assert_eq!(w(Weight::ounces(dec!(12)), &mut errors), "0.8");
        assert_eq!(w(Weight::ounces(dec!(1)), &mut errors), "0.1");
        assert_eq!(w(Weight::pounds(dec!(2)), &mut errors), "2");
        assert_eq!(w(Weight::new(dec!(1000), WeightUnit::Grams).unwrap(), &mut errors), "2.3");
        assert!(errors.is_empty());
        w(Weight::pounds(dec!(151)), &mut errors);
        assert_eq!(errors[0].message, "151 lb; UPS accepts packages up to 150 lb");
    }

    #[test]
    fn dimensions_are_whole_inches_longest_first() {
        let mut errors = Vec::new();
        let d = dimensions(&Dimensions::inches(dec!(4), dec!(12.2), dec!(8)), "d", &mut errors);
        assert_eq!(d["Length"], "13");
        assert_eq!(d["Width"], "8");
        assert_eq!(d["Height"], "4");
        assert!(errors.is_empty());
    }

    #[test]
    fn ups_dates_and_times_parse() {
        assert_eq!(parse_ups_date("20210210"), Some(date(2021, 2, 10)));
        assert_eq!(parse_ups_date("2021-02-10"), None);
        assert_eq!(parse_ups_time("071356"), Some(time(7, 13, 56, 0)));
        assert_eq!(parse_ups_time("74700"), Some(time(7, 47, 0, 0)));
        assert_eq!(parse_ups_time("1030"), Some(time(10, 30, 0, 0)));
        assert_eq!(ups_date(date(2026, 3, 9)), "20260309");
    }

    #[test]
    fn error_envelopes_are_read_with_or_without_the_wrapper() {
        let wrapped = br#"{"response":{"errors":[{"code":"250002","message":"Invalid Authentication Information."}]}}"#;
        assert_eq!(error_items(wrapped), vec![(Some("250002".into()), "Invalid Authentication Information.".into())]);
        let bare = br#"{"errors":[{"code":10001,"message":"Too many requests"}]}"#;
        assert_eq!(error_items(bare), vec![(Some("10001".into()), "Too many requests".into())]);
        assert!(error_items(b"<html>Bad gateway</html>").is_empty());
    }
}
