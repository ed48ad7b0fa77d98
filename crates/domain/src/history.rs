//! An order's history: every change, who made it, the old and the new value.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{ImportRunId, RuleId};
use crate::order::Order;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub actor: Actor,
    /// A path into the order's JSON, e.g. `orderStatus`, `items[1].weight`, `sears.status`; `order` for creation.
    pub field: String,
    #[serde(default)]
    pub old: Value,
    #[serde(default)]
    pub new: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Who changed an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    Import {
        #[serde(rename = "runId", default)]
        run_id: Option<ImportRunId>,
    },
    ProductDefault {
        sku: String,
    },
    ServiceMapping {
        requested: String,
    },
    Rule {
        #[serde(rename = "ruleId")]
        rule_id: RuleId,
        #[serde(rename = "ruleName")]
        rule_name: String,
    },
    Seller,
    System,
}

/// One field that differs between two versions of an order.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

impl FieldChange {
    pub fn into_entry(self, at: Timestamp, actor: Actor) -> HistoryEntry {
        HistoryEntry { at, actor, field: self.field, old: self.old, new: self.new, note: None }
    }
}

/// The fields that differ between `old` and `new`, one level into `items[i]` and `sears`, so history says
/// `items[0].weight` rather than "items changed". `modifyDate` is bookkeeping, not a change.
pub fn diff_orders(old: &Order, new: &Order) -> Vec<FieldChange> {
    let (Value::Object(old), Value::Object(new)) = (to_json(old), to_json(new)) else {
        unreachable!("an order serializes to a JSON object");
    };
    let mut changes = Vec::new();
    diff_objects("", &old, &new, &mut changes, 0);
    changes
}

fn to_json(order: &Order) -> Value {
    serde_json::to_value(order).expect("orders always serialize")
}

fn diff_objects(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Vec<FieldChange>,
    depth: u8,
) {
    let keys = old.keys().chain(new.keys().filter(|k| !old.contains_key(*k)));
    for key in keys {
        if depth == 0 && key == "modifyDate" {
            continue;
        }
        let (a, b) = (old.get(key).unwrap_or(&Value::Null), new.get(key).unwrap_or(&Value::Null));
        if a == b {
            continue;
        }
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match (a, b) {
            (Value::Object(a), Value::Object(b)) if depth == 0 && key == "sears" => {
                diff_objects(&path, a, b, out, depth + 1)
            }
            (Value::Array(a), Value::Array(b)) if depth == 0 && key == "items" && a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    if let (Value::Object(x), Value::Object(y)) = (x, y) {
                        diff_objects(&format!("items[{i}]"), x, y, out, depth + 1);
                    }
                }
            }
            _ => out.push(FieldChange { field: path, old: a.clone(), new: b.clone() }),
        }
    }
}
