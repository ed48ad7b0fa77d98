//! The [`Profile::UpsGateway`] relaxations that are applied to schemas (the others are applied to
//! the instance, in `normalize`).

use serde_json::Value;

use super::{Api, Profile};

/// A `required` entry that [`Profile::UpsGateway`] drops, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredOverride {
    /// The document.
    pub api: Api,
    /// The schema under `#/components/schemas/`.
    pub schema: &'static str,
    /// The property no longer required.
    pub property: &'static str,
    /// Why the gateway does not require it.
    pub reason: &'static str,
}

/// The `required` entries the gateway does not enforce.
pub const GATEWAY_REQUIRED_OVERRIDES: &[RequiredOverride] = &[
    RequiredOverride {
        api: Api::Rating,
        schema: "RateRequest_Request",
        property: "RequestOption",
        reason: "the schema requires a property it does not define; the {requestoption} path \
                 parameter carries it, and 9 of the 10 Rate examples omit it",
    },
    RequiredOverride {
        api: Api::Shipping,
        schema: "ShipmentRequest_LabelSpecification",
        property: "LabelStockSize",
        reason: "its own description says it is valid for EPL2, ZPL and SPL labels only, and the \
                 GIF examples omit it; the sandbox requires it for ZPL itself",
    },
];

/// The schema `schema` under `profile`.
pub(super) fn apply(schema: &Value, profile: Profile) -> Value {
    let mut schema = schema.clone();
    if profile == Profile::UpsGateway {
        drop_min_length(&mut schema);
    }
    schema
}

/// The document's `components` under `profile`.
pub(super) fn apply_to_components(api: Api, components: &Value, profile: Profile) -> Value {
    let mut components = apply(components, profile);
    if profile == Profile::UpsGateway {
        for entry in GATEWAY_REQUIRED_OVERRIDES.iter().filter(|entry| entry.api == api) {
            let pointer = format!("/schemas/{}/required", entry.schema);
            if let Some(Value::Array(required)) = components.pointer_mut(&pointer) {
                required.retain(|name| name.as_str() != Some(entry.property));
            }
        }
    }
    components
}

/// Removes every numeric `minLength` keyword (a property *named* minLength would be an object).
fn drop_min_length(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("minLength").is_some_and(Value::is_number) {
                map.remove("minLength");
            }
            for child in map.values_mut() {
                drop_min_length(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_min_length),
        _ => {}
    }
}
