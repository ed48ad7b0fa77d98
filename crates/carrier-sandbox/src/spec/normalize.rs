//! The [`Profile::UpsGateway`](super::Profile::UpsGateway) relaxations that reshape the request
//! itself: a single value where an array is declared becomes a one-element array, and a blank
//! string where an object is declared is removed.

use std::collections::HashSet;

use serde_json::Value;

use super::escape_pointer_segment;

/// A request body as the sandbox reads it, with a map back to the body as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedRequest {
    body: Value,
    /// Pointers (into `body`) of arrays that wrap a single value the client sent.
    wrapped: HashSet<String>,
}

impl NormalizedRequest {
    pub(super) fn unchanged(body: Value) -> Self {
        NormalizedRequest { body, wrapped: HashSet::new() }
    }

    /// The normalized body.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The normalized body, owned.
    pub fn into_body(self) -> Value {
        self.body
    }

    /// Translates a pointer into the normalized body to the same place in the body as sent
    /// (`/Shipment/Package/0/PackageWeight` becomes `/Shipment/Package/PackageWeight` when the
    /// client sent a single `Package` object).
    pub fn original_pointer(&self, normalized: &str) -> String {
        let mut normalized_prefix = String::new();
        let mut original = String::new();
        for segment in normalized.split('/').skip(1) {
            let skip = segment == "0" && self.wrapped.contains(&normalized_prefix);
            normalized_prefix.push('/');
            normalized_prefix.push_str(segment);
            if !skip {
                original.push('/');
                original.push_str(segment);
            }
        }
        original
    }
}

/// Normalizes `body` against the schema at `schema_pointer` in the OpenAPI document `root`.
pub(super) fn normalize(root: &Value, schema_pointer: &str, body: &Value) -> NormalizedRequest {
    let mut body = body.clone();
    let mut wrapped = HashSet::new();
    if let Some(schema) = root.pointer(schema_pointer) {
        walk(root, schema, &mut body, String::new(), &mut wrapped);
    }
    NormalizedRequest { body, wrapped }
}

/// Follows `$ref`s (local to the document) to the schema they name.
fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    // Bounded: a reference cycle without structure in between would otherwise never end.
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => schema = target,
                None => return schema,
            },
            None => return schema,
        }
    }
    schema
}

fn declared_type(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

fn walk(root: &Value, schema: &Value, instance: &mut Value, pointer: String, wrapped: &mut HashSet<String>) {
    let schema = resolve(root, schema);
    match declared_type(schema) {
        Some("array") => {
            if !instance.is_array() && !instance.is_null() {
                *instance = Value::Array(vec![instance.take()]);
                wrapped.insert(pointer.clone());
            }
            if let (Some(items), Value::Array(elements)) = (schema.get("items"), instance) {
                for (index, element) in elements.iter_mut().enumerate() {
                    walk(root, items, element, format!("{pointer}/{index}"), wrapped);
                }
            }
        }
        _ => {
            let (Some(properties), Value::Object(object)) =
                (schema.get("properties").and_then(Value::as_object), instance)
            else {
                return;
            };
            for (name, property_schema) in properties {
                let Some(child) = object.get_mut(name) else {
                    continue;
                };
                let property_schema = resolve(root, property_schema);
                let blank = child.as_str().is_some_and(|text| text.trim().is_empty());
                if blank && declared_type(property_schema) == Some("object") {
                    object.remove(name);
                    continue;
                }
                let child_pointer = format!("{pointer}/{}", escape_pointer_segment(name));
                walk(root, property_schema, child, child_pointer, wrapped);
            }
        }
    }
}
