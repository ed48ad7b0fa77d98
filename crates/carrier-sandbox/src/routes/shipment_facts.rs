//! What rating and shipping both read from a request: addresses, zone, residential flag and the
//! packages' billable weights.

use rust_decimal::Decimal;
use serde_json::Value;

use super::UpsError;
use super::request_fields::{array, lines, present, text};
use crate::address::parse_us_postal_code;
use crate::rates::{self, BillableWeight, LengthUnit, WeightUnit};
use crate::spec::NormalizedRequest;
use crate::state::PartyAddress;

/// A package as the rate table sees it.
#[derive(Debug, Clone)]
pub(crate) struct PackageFacts {
    pub weight: BillableWeight,
    /// `Package.ReferenceNumber` values (Shipping only).
    pub references: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ShipmentFacts {
    /// ShipFrom, or the Shipper when there is no ShipFrom.
    pub origin: PartyAddress,
    pub ship_to: PartyAddress,
    pub zone: u32,
    /// `ShipTo.Address.ResidentialAddressIndicator` is present.
    pub residential: bool,
    pub packages: Vec<PackageFacts>,
}

impl ShipmentFacts {
    /// Sum of the packages' billable weights, in pounds.
    pub fn billable_pounds(&self) -> u32 {
        self.packages.iter().map(|package| package.weight.billable).sum()
    }
}

fn party(body: &Value, pointer: &str) -> PartyAddress {
    PartyAddress {
        name: text(body, &format!("{pointer}/Name")).unwrap_or_default().to_owned(),
        address_lines: lines(body, &format!("{pointer}/Address/AddressLine")),
        city: text(body, &format!("{pointer}/Address/City")).unwrap_or_default().to_owned(),
        state: text(body, &format!("{pointer}/Address/StateProvinceCode")).map(str::to_owned),
        postal_code: text(body, &format!("{pointer}/Address/PostalCode")).map(str::to_owned),
        country_code: text(body, &format!("{pointer}/Address/CountryCode")).unwrap_or_default().to_ascii_uppercase(),
    }
}

/// The five-digit ZIP of a domestic party, or the UPS error for a party outside the sandbox's area.
fn domestic_zip(request: &NormalizedRequest, party: &PartyAddress, pointer: &str) -> Result<String, UpsError> {
    if !matches!(party.country_code.as_str(), "US" | "PR") {
        return Err(UpsError::bad_request(
            "111210",
            format!(
                "The requested service is unavailable between the selected locations: {} is in {:?}, and the sandbox rates and ships within the US and Puerto Rico only.",
                request.original_pointer(pointer),
                party.country_code
            ),
        ));
    }
    let postal_pointer = format!("{pointer}/Address/PostalCode");
    party.postal_code.as_deref().and_then(parse_us_postal_code).map(|(zip5, _)| zip5).ok_or_else(|| {
        UpsError::bad_request(
            "111285",
            format!(
                "The postal code {:?} at {} is invalid for the United States: use 12345 or 12345-6789.",
                party.postal_code.as_deref().unwrap_or(""),
                request.original_pointer(&postal_pointer)
            ),
        )
    })
}

fn positive_decimal(value: Option<&str>) -> Option<Decimal> {
    value?.parse::<Decimal>().ok().filter(|number| *number > Decimal::ZERO)
}

fn package_facts(request: &NormalizedRequest, pointer: &str) -> Result<PackageFacts, UpsError> {
    let body = request.body();
    let weight_pointer = format!("{pointer}/PackageWeight");
    let invalid_weight = |detail: &str| {
        UpsError::bad_request(
            "111050",
            format!("Missing or invalid package weight at {}: {detail}.", request.original_pointer(&weight_pointer)),
        )
    };
    let weight = positive_decimal(text(body, &format!("{weight_pointer}/Weight")))
        .ok_or_else(|| invalid_weight("give Weight as a positive number, e.g. \"1.5\""))?;
    let unit = text(body, &format!("{weight_pointer}/UnitOfMeasurement/Code"))
        .and_then(WeightUnit::parse)
        .ok_or_else(|| invalid_weight("UnitOfMeasurement.Code must be LBS or KGS"))?;

    let dimensions_pointer = format!("{pointer}/Dimensions");
    let dimensions = if present(body, &dimensions_pointer) {
        let invalid_dimensions = || {
            UpsError::bad_request(
                "111096",
                format!(
                    "Invalid package dimensions at {}: Length, Width and Height must be positive numbers and UnitOfMeasurement.Code IN or CM.",
                    request.original_pointer(&dimensions_pointer)
                ),
            )
        };
        let side = |name: &str| {
            positive_decimal(text(body, &format!("{dimensions_pointer}/{name}"))).ok_or_else(invalid_dimensions)
        };
        let sides = [side("Length")?, side("Width")?, side("Height")?];
        let unit = text(body, &format!("{dimensions_pointer}/UnitOfMeasurement/Code"))
            .and_then(LengthUnit::parse)
            .ok_or_else(invalid_dimensions)?;
        Some((sides, unit))
    } else {
        None
    };
    let weight = rates::billable_weight(weight, unit, dimensions).ok_or_else(|| {
        UpsError::bad_request(
            "111057",
            format!(
                "The package at {} weighs more than {} lbs, the most UPS takes in one package.",
                request.original_pointer(pointer),
                rates::MAX_PACKAGE_POUNDS
            ),
        )
    })?;
    let references = array(body, &format!("{pointer}/ReferenceNumber"))
        .iter()
        .filter_map(|reference| reference.get("Value").and_then(Value::as_str))
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(PackageFacts { weight, references })
}

/// Reads the shipment under `shipment_pointer` (`/RateRequest/Shipment` or
/// `/ShipmentRequest/Shipment`).
pub(crate) fn read(request: &NormalizedRequest, shipment_pointer: &str) -> Result<ShipmentFacts, UpsError> {
    let body = request.body();
    let ship_from_pointer = format!("{shipment_pointer}/ShipFrom");
    let origin_pointer =
        if present(body, &ship_from_pointer) { ship_from_pointer } else { format!("{shipment_pointer}/Shipper") };
    let origin = party(body, &origin_pointer);
    let ship_to_pointer = format!("{shipment_pointer}/ShipTo");
    let ship_to = party(body, &ship_to_pointer);
    let origin_zip = domestic_zip(request, &origin, &origin_pointer)?;
    let destination_zip = domestic_zip(request, &ship_to, &ship_to_pointer)?;
    let residential = present(body, &format!("{ship_to_pointer}/Address/ResidentialAddressIndicator"));
    let package_pointer = format!("{shipment_pointer}/Package");
    let packages = (0..array(body, &package_pointer).len())
        .map(|index| package_facts(request, &format!("{package_pointer}/{index}")))
        .collect::<Result<Vec<_>, _>>()?;
    if packages.is_empty() {
        return Err(UpsError::bad_request(
            "111050",
            format!("No package at {}: a shipment needs at least one.", request.original_pointer(&package_pointer)),
        ));
    }
    Ok(ShipmentFacts { origin, ship_to, zone: rates::zone(&origin_zip, &destination_zip), residential, packages })
}
