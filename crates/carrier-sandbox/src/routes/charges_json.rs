//! Charges and weights in UPS's JSON shapes, shared by Rating and Shipping.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use super::shipment_facts::ShipmentFacts;
use crate::rates::{PackageCharges, Service};

/// `{"CurrencyCode": "USD", "MonetaryValue": "12.00"}`.
pub(crate) fn money(amount: Decimal) -> Value {
    json!({ "CurrencyCode": "USD", "MonetaryValue": format!("{:.2}", amount.round_dp(2)) })
}

/// `{"UnitOfMeasurement": {"Code": "LBS", "Description": "Pounds"}, "Weight": "14.0"}`.
pub(crate) fn billing_weight(pounds: u32) -> Value {
    json!({
        "UnitOfMeasurement": { "Code": "LBS", "Description": "Pounds" },
        "Weight": format!("{pounds}.0"),
    })
}

/// The residential surcharge as an itemized charge (UPS accessorial code 270).
pub(crate) fn residential_item(amount: Decimal) -> Value {
    let mut item = money(amount);
    item["Code"] = json!("270");
    item["Description"] = json!("RESIDENTIAL ADDRESS");
    item
}

/// Charges of every package of the shipment under `service`, in package order.
pub(crate) fn package_charges(service: &Service, facts: &ShipmentFacts) -> Vec<PackageCharges> {
    facts
        .packages
        .iter()
        .map(|package| service.charges(facts.zone, package.weight.billable, facts.residential))
        .collect()
}

/// Published total after a negotiated discount of `percent`, rounded half away from zero.
pub(crate) fn negotiated(total: Decimal, percent: u8) -> Decimal {
    (total * Decimal::from(100 - u32::from(percent.min(100))) / Decimal::from(100))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Sums of a shipment's package charges: (transportation, surcharges, total).
pub(crate) fn sums(charges: &[PackageCharges]) -> (Decimal, Decimal, Decimal) {
    let transportation = charges.iter().map(|c| c.transportation).sum();
    let surcharges = charges.iter().map(|c| c.residential).sum();
    let total = charges.iter().map(PackageCharges::total).sum();
    (transportation, surcharges, total)
}
