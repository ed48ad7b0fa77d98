//! Address validation results.

use serde::{Deserialize, Serialize};
use wharf_domain::Address;

use crate::carrier::CarrierMessage;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressValidation {
    pub outcome: AddressOutcome,
    /// Residential or commercial, when the carrier classified the address.
    pub classification: Option<AddressClass>,
    /// Corrected addresses the carrier proposes, best first. The name, company and phone of the address
    /// sent are kept on each.
    pub candidates: Vec<AddressCandidate>,
    pub messages: Vec<CarrierMessage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressOutcome {
    /// The carrier found exactly this address (its standardized form is the first candidate).
    Valid,
    /// The carrier found several possible addresses; ask the seller to pick one.
    Ambiguous,
    /// The carrier found no such address.
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressClass {
    Residential,
    Commercial,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressCandidate {
    pub address: Address,
    pub classification: Option<AddressClass>,
}
