//! Rules as data: what the seller writes, stores, exports and imports. Nothing here is checked beyond its
//! shape; [`super::CompiledRule::compile`] checks the meaning (operators against field types, codes against
//! the shipping code table) and names the rule and the field in every error.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::fields::{LineField, OrderField};
use crate::ids::RuleId;
use crate::measure::{Dimensions, Weight};
use crate::money::{Money, decimal_as_number};
use crate::order::Confirmation;

/// An automation rule: when every criterion holds, the actions run. Rules run top to bottom by `position`
/// (ties by id); only enabled ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: RuleId,
    pub name: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub position: u32,
    /// All must hold (an implicit `all` group); no criteria means every order.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    pub actions: Vec<Action>,
}

fn enabled_by_default() -> bool {
    true
}

/// A condition on an order: a group, a test of an order field, or a test of its lines.
///
/// In a rule file: `{ all = [...] }`, `{ any = [...] }`, `{ field = "weight", op = "greater_than",
/// value = "10 lb" }`, `{ lines = "any", field = "sku", op = "starts_with", value = "APPL-" }`, or for an item
/// option `{ lines = "all", field = "option", option = "Color", op = "equals", value = "Blue" }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawCriterion", into = "RawCriterion")]
pub enum Criterion {
    /// Every member holds (true when empty).
    All(Vec<Criterion>),
    /// At least one member holds (false when empty).
    Any(Vec<Criterion>),
    Order(OrderTest),
    Lines(LineTest),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTest {
    pub field: OrderField,
    pub op: Operator,
    pub value: Option<Operand>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineTest {
    pub quantifier: Quantifier,
    pub field: LineField,
    /// The option name, for `field = "option"` only.
    pub option: Option<String>,
    pub op: Operator,
    pub value: Option<Operand>,
}

/// How a line criterion combines the order's lines (adjustment lines are never looked at).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantifier {
    /// At least one line matches; false for an order without lines.
    Any,
    /// Every line matches, and there is at least one line: an order without lines does not match `all`
    /// (no vacuous truth), so "all lines are X" never selects an empty order by accident.
    All,
    /// No line matches; true for an order without lines.
    None,
}

impl Criterion {
    pub fn order(field: OrderField, op: Operator, value: Option<Operand>) -> Criterion {
        Criterion::Order(OrderTest { field, op, value })
    }

    pub fn lines(quantifier: Quantifier, field: LineField, op: Operator, value: Option<Operand>) -> Criterion {
        Criterion::Lines(LineTest { quantifier, field, option: None, op, value })
    }
}

macro_rules! operators {
    ($( $(#[$meta:meta])* $Variant:ident => $name:literal, )*) => {
        /// A comparison. Which ones a field takes depends on its type; see [`super::operators_for`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operator {
            $( $(#[$meta])* $Variant, )*
        }

        impl Operator {
            pub const ALL: &'static [Operator] = &[$(Operator::$Variant),*];

            pub fn name(self) -> &'static str {
                match self {
                    $( Operator::$Variant => $name, )*
                }
            }
        }
    };
}

operators! {
    Equals => "equals",
    NotEquals => "not_equals",
    Contains => "contains",
    NotContains => "not_contains",
    StartsWith => "starts_with",
    EndsWith => "ends_with",
    /// Missing or empty.
    Blank => "blank",
    NotBlank => "not_blank",
    /// Equal to one of a list (for tags: has one of them).
    InList => "in_list",
    /// Equal to none of a list (for tags: has none of them).
    NotInList => "not_in_list",
    GreaterThan => "greater_than",
    GreaterOrEqual => "greater_or_equal",
    LessThan => "less_than",
    LessOrEqual => "less_or_equal",
    /// Inclusive: `value = [low, high]`.
    Between => "between",
    Before => "before",
    After => "after",
    /// Within a duration of now, either side: `value = "3d"`.
    Within => "within",
    /// Further in the past than a duration: `value = "36h"`.
    OlderThan => "older_than",
    IsTrue => "is_true",
    IsFalse => "is_false",
}

impl Operator {
    pub fn from_name(name: &str) -> Option<Operator> {
        let name = name.trim();
        Operator::ALL.iter().copied().find(|o| o.name().eq_ignore_ascii_case(name))
    }

    /// Operators that take no value.
    pub fn is_nullary(self) -> bool {
        matches!(self, Operator::Blank | Operator::NotBlank | Operator::IsTrue | Operator::IsFalse)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Operator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Operator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Operator::from_name(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown operator {text:?}; use one of {}",
                Operator::ALL.iter().map(|o| o.name()).collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

/// The value a criterion compares with, as written: text, a number, yes/no, or a list of them. Its meaning
/// (an amount, a weight "10 lb", a date "2026-11-30", a duration "3d") depends on the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    Text(String),
    Number(Decimal),
    Bool(bool),
    List(Vec<Operand>),
}

impl From<&str> for Operand {
    fn from(text: &str) -> Self {
        Operand::Text(text.to_owned())
    }
}

impl From<i64> for Operand {
    fn from(n: i64) -> Self {
        Operand::Number(Decimal::from(n))
    }
}

impl Serialize for Operand {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Operand::Text(t) => s.serialize_str(t),
            Operand::Number(n) => decimal_as_number::serialize(n, s),
            Operand::Bool(b) => s.serialize_bool(*b),
            Operand::List(items) => s.collect_seq(items),
        }
    }
}

impl<'de> Deserialize<'de> for Operand {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OperandVisitor;
        impl<'de> Visitor<'de> for OperandVisitor {
            type Value = Operand;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text, a number, true/false or a list of them")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Operand, E> {
                Ok(Operand::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Operand, E> {
                Ok(Operand::Number(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Operand, E> {
                Ok(Operand::Number(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Operand, E> {
                // The same exact reading as money amounts: the float's shortest text is the digits written.
                decimal_as_number::deserialize(de::value::F64Deserializer::<E>::new(v)).map(Operand::Number)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Operand, E> {
                Ok(Operand::Text(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Operand, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Operand>()? {
                    items.push(item);
                }
                Ok(Operand::List(items))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _map: A) -> Result<Operand, A::Error> {
                // TOML hands an unquoted date (`value = 2026-11-30`) over as a table.
                Err(de::Error::custom(
                    "expected text, a number, true/false or a list; write dates and times in quotes, \
                     e.g. value = \"2026-11-30\"",
                ))
            }
        }
        d.deserialize_any(OperandVisitor)
    }
}

/// The file shape of a criterion: one table with optional keys, so each kind reads naturally.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all: Option<Vec<Criterion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    any: Option<Vec<Criterion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lines: Option<Quantifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    op: Option<Operator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<Operand>,
}

impl TryFrom<RawCriterion> for Criterion {
    type Error = String;

    fn try_from(raw: RawCriterion) -> Result<Criterion, String> {
        let is_test = raw.lines.is_some()
            || raw.field.is_some()
            || raw.option.is_some()
            || raw.op.is_some()
            || raw.value.is_some();
        match (raw.all, raw.any) {
            (Some(_), Some(_)) => {
                return Err("a criterion is either an `all` group or an `any` group, not both: nest one in the \
                            other"
                    .into());
            }
            (Some(members), None) if !is_test => return Ok(Criterion::All(members)),
            (None, Some(members)) if !is_test => return Ok(Criterion::Any(members)),
            (Some(_), None) | (None, Some(_)) => {
                return Err("a group (`all` / `any`) takes no field, op or value: put the tests inside it".into());
            }
            (None, None) => {}
        }
        let field =
            raw.field.ok_or("a criterion needs `field` (and `op`), or is a group: `all = [...]` / `any = [...]`")?;
        let op = raw.op.ok_or_else(|| format!("criterion on {field:?} needs `op`"))?;
        match raw.lines {
            Some(quantifier) => {
                let line_field = LineField::from_name(&field).ok_or_else(|| {
                    let hint = if OrderField::from_name(&field).is_some() {
                        format!(" ({field:?} is an order field: drop `lines`)")
                    } else {
                        String::new()
                    };
                    format!("unknown line field {field:?}{hint}; line fields are {}", LineField::names())
                })?;
                match (line_field, &raw.option) {
                    (LineField::Option, None) => {
                        return Err("`field = \"option\"` needs the option's name: `option = \"Color\"`".into());
                    }
                    (LineField::Option, Some(name)) if name.trim().is_empty() => {
                        return Err("`option` needs the option's name, e.g. \"Color\"".into());
                    }
                    (LineField::Option, Some(_)) => {}
                    (_, Some(_)) => {
                        return Err(format!("`option` only goes with `field = \"option\"`, not with {field:?}"));
                    }
                    (_, None) => {}
                }
                Ok(Criterion::Lines(LineTest {
                    quantifier,
                    field: line_field,
                    option: raw.option,
                    op,
                    value: raw.value,
                }))
            }
            None => {
                let order_field = OrderField::from_name(&field).ok_or_else(|| {
                    let hint = if LineField::from_name(&field).is_some() {
                        format!(" ({field:?} is a line field: add `lines = \"any\"`, \"all\" or \"none\")")
                    } else {
                        String::new()
                    };
                    format!("unknown order field {field:?}{hint}; order fields are {}", OrderField::names())
                })?;
                if raw.option.is_some() {
                    return Err("`option` only goes with line criteria on `field = \"option\"`".into());
                }
                Ok(Criterion::Order(OrderTest { field: order_field, op, value: raw.value }))
            }
        }
    }
}

impl From<Criterion> for RawCriterion {
    fn from(criterion: Criterion) -> RawCriterion {
        match criterion {
            Criterion::All(members) => RawCriterion { all: Some(members), ..Default::default() },
            Criterion::Any(members) => RawCriterion { any: Some(members), ..Default::default() },
            Criterion::Order(t) => RawCriterion {
                field: Some(t.field.name().to_owned()),
                op: Some(t.op),
                value: t.value,
                ..Default::default()
            },
            Criterion::Lines(t) => RawCriterion {
                lines: Some(t.quantifier),
                field: Some(t.field.name().to_owned()),
                option: t.option,
                op: Some(t.op),
                value: t.value,
                ..Default::default()
            },
        }
    }
}

/// What a rule does to a matching order. In a rule file each action is a one-key table,
/// e.g. `{ add_tag = "gift" }`, or the bare string `"stop_processing"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Carrier, service and (optionally) package, as Wharf codes (`ups`, `ups_ground`, `package`).
    SetService(ServiceChoice),
    /// `"2 lb"`, `"12 oz"`, `"500 g"`.
    SetWeight(#[serde(with = "weight_text")] Weight),
    /// `"12x8x4 in"`.
    SetDimensions(#[serde(with = "dimensions_text")] Dimensions),
    SetConfirmation(Confirmation),
    SetInsurance(InsuranceChoice),
    AddTag(String),
    /// Appends a line to the internal notes, unless that exact line is already there.
    AddInternalNote(String),
    /// Holds the order until this US Central date (the order returns to Awaiting Shipment on it).
    HoldUntil(Date),
    /// Holds the order for this many days from today (US Central).
    HoldForDays(u32),
    #[serde(rename = "set_custom_field_1")]
    SetCustomField1(String),
    #[serde(rename = "set_custom_field_2")]
    SetCustomField2(String),
    #[serde(rename = "set_custom_field_3")]
    SetCustomField3(String),
    SetPackingSlipTemplate(String),
    SetEmailTemplate(String),
    /// No rule below this one runs for an order this rule matched.
    StopProcessing,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::SetService(_) => "set_service",
            Action::SetWeight(_) => "set_weight",
            Action::SetDimensions(_) => "set_dimensions",
            Action::SetConfirmation(_) => "set_confirmation",
            Action::SetInsurance(_) => "set_insurance",
            Action::AddTag(_) => "add_tag",
            Action::AddInternalNote(_) => "add_internal_note",
            Action::HoldUntil(_) => "hold_until",
            Action::HoldForDays(_) => "hold_for_days",
            Action::SetCustomField1(_) => "set_custom_field_1",
            Action::SetCustomField2(_) => "set_custom_field_2",
            Action::SetCustomField3(_) => "set_custom_field_3",
            Action::SetPackingSlipTemplate(_) => "set_packing_slip_template",
            Action::SetEmailTemplate(_) => "set_email_template",
            Action::StopProcessing => "stop_processing",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceChoice {
    pub carrier: String,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

/// Insurance through the carrier: `"none"`, `"order_total"`, `"items_total"` (the goods' value: unit price
/// times quantity), or a fixed amount (`"250.00"` or `250`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsuranceChoice {
    None,
    OrderTotal,
    ItemsTotal,
    Amount(Money),
}

impl Serialize for InsuranceChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            InsuranceChoice::None => s.serialize_str("none"),
            InsuranceChoice::OrderTotal => s.serialize_str("order_total"),
            InsuranceChoice::ItemsTotal => s.serialize_str("items_total"),
            InsuranceChoice::Amount(m) => s.serialize_str(&m.amount().normalize().to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for InsuranceChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hint = "set_insurance takes \"none\", \"order_total\", \"items_total\" or an amount such as \"250.00\"";
        match Operand::deserialize(d)? {
            Operand::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "none" => Ok(InsuranceChoice::None),
                "order_total" => Ok(InsuranceChoice::OrderTotal),
                "items_total" => Ok(InsuranceChoice::ItemsTotal),
                _ => t
                    .parse::<Money>()
                    .map(InsuranceChoice::Amount)
                    .map_err(|_| de::Error::custom(format!("{t:?}: {hint}"))),
            },
            Operand::Number(n) => Ok(InsuranceChoice::Amount(Money::new(n))),
            _ => Err(de::Error::custom(hint)),
        }
    }
}

/// Weights as the text a seller writes (`"2 lb"`), not ShipStation's `{value, units}` object.
mod weight_text {
    use super::*;

    pub fn serialize<S: Serializer>(w: &Weight, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(w)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weight, D::Error> {
        let text = String::deserialize(d)?;
        Weight::parse(&text).map_err(de::Error::custom)
    }
}

mod dimensions_text {
    use super::*;

    pub fn serialize<S: Serializer>(dims: &Dimensions, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(dims)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Dimensions, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// Moves rule `id` to `to_position` (1 = first) and renumbers every rule 1, 2, 3... in the new order.
/// Returns false when no rule has that id. Whether the new order is valid (a rule must not test what a
/// rule below it changes) is for [`super::CompiledRules::compile`] to say.
pub fn move_rule(rules: &mut Vec<Rule>, id: &RuleId, to_position: u32) -> bool {
    rules.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    let Some(from) = rules.iter().position(|r| &r.id == id) else {
        return false;
    };
    let rule = rules.remove(from);
    let to = (to_position.max(1) as usize - 1).min(rules.len());
    rules.insert(to, rule);
    for (i, rule) in rules.iter_mut().enumerate() {
        rule.position = i as u32 + 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn criterion(json: &str) -> Result<Criterion, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn criteria_read_as_groups_order_tests_and_line_tests() {
        assert_eq!(
            criterion(r#"{"field": "weight", "op": "greater_than", "value": "10 lb"}"#).unwrap(),
            Criterion::order(OrderField::Weight, Operator::GreaterThan, Some("10 lb".into()))
        );
        assert_eq!(
            criterion(r#"{"lines": "all", "field": "option", "option": "Color", "op": "equals", "value": "Blue"}"#)
                .unwrap(),
            Criterion::Lines(LineTest {
                quantifier: Quantifier::All,
                field: LineField::Option,
                option: Some("Color".into()),
                op: Operator::Equals,
                value: Some("Blue".into()),
            })
        );
        assert_eq!(
            criterion(r#"{"any": [{"field": "gift", "op": "is_true"}, {"all": []}]}"#).unwrap(),
            Criterion::Any(vec![Criterion::order(OrderField::Gift, Operator::IsTrue, None), Criterion::All(vec![]),])
        );
        assert_eq!(
            criterion(r#"{"field": "order_total", "op": "between", "value": [100, 249.99]}"#).unwrap(),
            Criterion::order(
                OrderField::OrderTotal,
                Operator::Between,
                Some(Operand::List(vec![Operand::Number(dec!(100)), Operand::Number(dec!(249.99))]))
            )
        );
    }

    #[test]
    fn malformed_criteria_say_what_to_write() {
        let err = criterion(r#"{"field": "sku", "op": "equals", "value": "A"}"#).unwrap_err();
        assert!(err.contains("\"sku\" is a line field: add `lines"), "{err}");
        let err = criterion(r#"{"lines": "any", "field": "gift", "op": "is_true"}"#).unwrap_err();
        assert!(err.contains("is an order field: drop `lines`"), "{err}");
        let err = criterion(r#"{"field": "weight", "op": "bigger", "value": 1}"#).unwrap_err();
        assert!(err.contains("unknown operator \"bigger\""), "{err}");
        let err = criterion(r#"{"lines": "any", "field": "option", "op": "equals", "value": "x"}"#).unwrap_err();
        assert!(err.contains("option = \\\"Color\\\"") || err.contains("option = \"Color\""), "{err}");
        let err = criterion(r#"{"all": [], "field": "gift", "op": "is_true"}"#).unwrap_err();
        assert!(err.contains("takes no field"), "{err}");
        let err = criterion(r#"{"field": "gift", "op": "is_true", "vale": 1}"#).unwrap_err();
        assert!(err.contains("unknown field `vale`"), "{err}");
        let err = criterion(r#"{"op": "is_true"}"#).unwrap_err();
        assert!(err.contains("needs `field`"), "{err}");
    }

    #[test]
    fn actions_read_as_one_key_tables() {
        let actions: Vec<Action> = serde_json::from_str(
            r#"[{"set_weight": "2 lb"}, {"set_dimensions": "12x8x4 in"}, {"set_insurance": 250},
                {"set_insurance": "order_total"}, {"hold_until": "2026-12-24"}, {"set_custom_field_2": "rush"},
                {"set_service": {"carrier": "ups", "service": "ups_ground"}}, "stop_processing"]"#,
        )
        .unwrap();
        assert_eq!(
            actions,
            vec![
                Action::SetWeight(Weight::pounds(dec!(2))),
                Action::SetDimensions(Dimensions::inches(dec!(12), dec!(8), dec!(4))),
                Action::SetInsurance(InsuranceChoice::Amount(Money::new(dec!(250)))),
                Action::SetInsurance(InsuranceChoice::OrderTotal),
                Action::HoldUntil(jiff::civil::date(2026, 12, 24)),
                Action::SetCustomField2("rush".into()),
                Action::SetService(ServiceChoice {
                    carrier: "ups".into(),
                    service: "ups_ground".into(),
                    package: None
                }),
                Action::StopProcessing,
            ]
        );
        let err = serde_json::from_str::<Action>(r#"{"set_weight": "3 stone"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown unit 'stone'"), "{err}");
    }

    fn rule(id: &str, position: u32) -> Rule {
        Rule {
            id: id.parse().unwrap(),
            name: id.into(),
            enabled: true,
            position,
            criteria: vec![],
            actions: vec![Action::AddTag("x".into())],
        }
    }

    #[test]
    fn moving_a_rule_renumbers_all() {
        let mut rules = vec![rule("rul_c", 30), rule("rul_a", 10), rule("rul_b", 20)];
        assert!(move_rule(&mut rules, &"rul_c".parse().unwrap(), 1));
        let order: Vec<(&str, u32)> = rules.iter().map(|r| (r.id.as_str(), r.position)).collect();
        assert_eq!(order, vec![("rul_c", 1), ("rul_a", 2), ("rul_b", 3)]);
        assert!(move_rule(&mut rules, &"rul_c".parse().unwrap(), 99));
        let order: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, vec!["rul_a", "rul_b", "rul_c"]);
        assert!(!move_rule(&mut rules, &"rul_zzz".parse().unwrap(), 1));
    }
}
