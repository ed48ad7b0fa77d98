//! Criteria compiled into an evaluable form (folded text, parsed numbers, resolved dates) and evaluated.
//!
//! Semantics worth knowing:
//! * Text compares ignoring case and surrounding blanks; a missing text is the empty text (so `blank` holds,
//!   `not_equals "x"` holds, `contains "x"` does not).
//! * A missing number, weight or date satisfies only `blank`; every comparison on it is false, including
//!   `not_equals`.
//! * Weights compare in ounces whatever unit either side uses; amounts are exact decimals.
//! * A date written as a day (`2026-11-26`) is that US Central calendar day: `before` it is earlier than its
//!   first instant, `after` it is from the next day on, `between` two days includes both. An instant with an
//!   offset (`2026-11-26T10:00:00-06:00`) or a Central wall time (`2026-11-26T10:00`) compares exactly.
//!   `now`, `now-3d`, `now+24h` are relative to the evaluation's `now`; a day is 24 hours.
//!   `within "3d"` is at most 3 days either side of now; `older_than "36h"` is more than 36 hours ago.
//! * Line criteria look at physical lines only (adjustment lines are skipped). See [`Quantifier`] for empty
//!   orders.

use std::cell::OnceCell;

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};
use rust_decimal::Decimal;

use super::defaults::ProductLookup;
use super::fields::{FieldSpec, LineField, OrderField, SlotSet, ValueKind};
use super::rule::{Criterion, Operand, Operator, Quantifier};
use super::text_match::Needle;
use crate::measure::Weight;
use crate::money::Money;
use crate::order::{DeliveryMethod, Order, OrderItem};
use crate::product::Product;
use crate::sears_time::central_instant;
use crate::status::OrderStatus;

/// A problem found while compiling a rule, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Issue {
    pub location: String,
    pub message: String,
}

/// What evaluation of one order needs besides the order.
pub(crate) struct Context<'a> {
    pub now: Timestamp,
    products: &'a dyn ProductLookup,
    /// Each line's product, looked up once per order (several rules may ask about product tags).
    line_products: OnceCell<Vec<Option<&'a Product>>>,
}

impl<'a> Context<'a> {
    /// A context for evaluating one order (the line products it remembers are that order's).
    pub(crate) fn new(now: Timestamp, products: &'a dyn ProductLookup) -> Self {
        Context { now, products, line_products: OnceCell::new() }
    }

    fn product_of(&self, order: &Order, line: usize) -> Option<&'a Product> {
        let products = self.products;
        self.line_products.get_or_init(|| order.items.iter().map(|i| products.product(&i.sku)).collect())[line]
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Check {
    All(Vec<Check>),
    Any(Vec<Check>),
    Order(OrderField, Test),
    Lines { quantifier: Quantifier, field: LineField, option: Option<Needle>, test: Test },
}

#[derive(Clone, Debug)]
pub(crate) enum Test {
    Text(TextTest),
    Number(NumberTest),
    Date(DateTest),
    Bool(BoolTest),
    Tags(TagsTest),
    Status(StatusTest),
}

#[derive(Clone, Debug)]
pub(crate) enum TextTest {
    Equals(Needle),
    NotEquals(Needle),
    Contains(Needle),
    NotContains(Needle),
    StartsWith(Needle),
    EndsWith(Needle),
    Blank,
    NotBlank,
    InList(Vec<Needle>),
    NotInList(Vec<Needle>),
}

#[derive(Clone, Debug)]
pub(crate) enum NumberTest {
    Equals(Decimal),
    NotEquals(Decimal),
    GreaterThan(Decimal),
    GreaterOrEqual(Decimal),
    LessThan(Decimal),
    LessOrEqual(Decimal),
    Between(Decimal, Decimal),
    Blank,
    NotBlank,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Instant {
    At(Timestamp),
    FromNow(SignedDuration),
}

impl Instant {
    fn resolve(self, now: Timestamp) -> Timestamp {
        match self {
            Instant::At(at) => at,
            Instant::FromNow(offset) => {
                now.checked_add(offset).unwrap_or(if offset.is_negative() { Timestamp::MIN } else { Timestamp::MAX })
            }
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge {
    at: Instant,
    inclusive: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum DateTest {
    Range { lower: Option<Edge>, upper: Option<Edge> },
    Blank,
    NotBlank,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum BoolTest {
    IsTrue,
    IsFalse,
    Blank,
    NotBlank,
}

#[derive(Clone, Debug)]
pub(crate) enum TagsTest {
    Has(Needle),
    HasNot(Needle),
    HasAny(Vec<Needle>),
    HasNone(Vec<Needle>),
    Blank,
    NotBlank,
}

/// Statuses as a bit set over `OrderStatus::ALL`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatusTest {
    mask: u8,
    negate: bool,
}

fn status_bit(status: OrderStatus) -> u8 {
    let index = OrderStatus::ALL.iter().position(|s| *s == status).expect("every status is in ALL");
    1 << index
}

// ----------------------------------------------------------------------------------------------------------
// Compiling

/// Compiles a rule's criteria (an implicit `all`), collecting every problem and the slots they read.
pub(crate) fn compile_criteria(criteria: &[Criterion], reads: &mut SlotSet) -> Result<Check, Vec<Issue>> {
    let mut issues = Vec::new();
    let checks = compile_list(criteria, "criteria", reads, &mut issues);
    if issues.is_empty() {
        let mut check = Check::All(checks);
        check.cheapest_first();
        Ok(check)
    } else {
        Err(issues)
    }
}

fn compile_list(criteria: &[Criterion], path: &str, reads: &mut SlotSet, issues: &mut Vec<Issue>) -> Vec<Check> {
    criteria.iter().enumerate().filter_map(|(i, c)| compile_one(c, &format!("{path}[{i}]"), reads, issues)).collect()
}

fn compile_one(criterion: &Criterion, path: &str, reads: &mut SlotSet, issues: &mut Vec<Issue>) -> Option<Check> {
    match criterion {
        Criterion::All(members) => Some(Check::All(compile_list(members, &format!("{path}.all"), reads, issues))),
        Criterion::Any(members) => Some(Check::Any(compile_list(members, &format!("{path}.any"), reads, issues))),
        Criterion::Order(t) => {
            let spec = t.field.spec();
            if let Some(slot) = spec.slot {
                reads.insert(slot);
            }
            match compile_test(spec, t.op, t.value.as_ref()) {
                Ok(test) => Some(Check::Order(t.field, test)),
                Err(message) => {
                    issues.push(Issue { location: format!("{path} ({})", spec.name), message });
                    None
                }
            }
        }
        Criterion::Lines(t) => {
            let spec = t.field.spec();
            let location = format!("{path} (lines {})", spec.name);
            let option = match (&t.field, &t.option) {
                (LineField::Option, Some(name)) if !name.trim().is_empty() => Some(Needle::new(name)),
                (LineField::Option, _) => {
                    issues.push(Issue {
                        location,
                        message: "`field = \"option\"` needs the option's name: `option = \"Color\"`".into(),
                    });
                    return None;
                }
                (_, Some(_)) => {
                    issues.push(Issue { location, message: "`option` only goes with `field = \"option\"`".into() });
                    return None;
                }
                (_, None) => None,
            };
            match compile_test(spec, t.op, t.value.as_ref()) {
                Ok(test) => Some(Check::Lines { quantifier: t.quantifier, field: t.field, option, test }),
                Err(message) => {
                    issues.push(Issue { location, message });
                    None
                }
            }
        }
    }
}

/// The operators a field of this kind takes.
pub fn operators_for(kind: ValueKind, optional: bool) -> Vec<Operator> {
    use Operator::*;
    let mut ops: Vec<Operator> = match kind {
        ValueKind::Text => {
            vec![Equals, NotEquals, Contains, NotContains, StartsWith, EndsWith, Blank, NotBlank, InList, NotInList]
        }
        ValueKind::Integer | ValueKind::Money | ValueKind::Weight => {
            vec![Equals, NotEquals, GreaterThan, GreaterOrEqual, LessThan, LessOrEqual, Between]
        }
        ValueKind::Date => vec![Before, After, Between, Within, OlderThan],
        ValueKind::Bool => vec![IsTrue, IsFalse],
        ValueKind::Tags => vec![Contains, NotContains, InList, NotInList, Blank, NotBlank],
        ValueKind::Status => vec![Equals, NotEquals, InList, NotInList],
    };
    if optional && !ops.contains(&Blank) {
        ops.extend([Blank, NotBlank]);
    }
    ops
}

fn compile_test(spec: FieldSpec, op: Operator, value: Option<&Operand>) -> Result<Test, String> {
    let allowed = operators_for(spec.kind, spec.optional);
    if !allowed.contains(&op) {
        let names: Vec<&str> = allowed.iter().map(|o| o.name()).collect();
        return Err(format!(
            "operator {op} does not apply to {} ({}); it takes {}",
            spec.name,
            spec.kind.describe(),
            names.join(", ")
        ));
    }
    let value = match (op.is_nullary(), value) {
        (true, None) => None,
        (true, Some(_)) => return Err(format!("operator {op} takes no value: remove `value`")),
        (false, None) => return Err(format!("operator {op} needs a `value`")),
        (false, Some(v)) => Some(v),
    };
    let need = || value.expect("checked above: the operator takes a value");
    Ok(match spec.kind {
        ValueKind::Text => Test::Text(match op {
            Operator::Equals => TextTest::Equals(text_operand(need())?),
            Operator::NotEquals => TextTest::NotEquals(text_operand(need())?),
            Operator::Contains => TextTest::Contains(non_empty_text(need())?),
            Operator::NotContains => TextTest::NotContains(non_empty_text(need())?),
            Operator::StartsWith => TextTest::StartsWith(non_empty_text(need())?),
            Operator::EndsWith => TextTest::EndsWith(non_empty_text(need())?),
            Operator::Blank => TextTest::Blank,
            Operator::NotBlank => TextTest::NotBlank,
            Operator::InList => TextTest::InList(text_list(need())?),
            Operator::NotInList => TextTest::NotInList(text_list(need())?),
            _ => unreachable!("operators checked against the kind"),
        }),
        ValueKind::Integer | ValueKind::Money | ValueKind::Weight => Test::Number(match op {
            Operator::Equals => NumberTest::Equals(number_operand(spec, need())?),
            Operator::NotEquals => NumberTest::NotEquals(number_operand(spec, need())?),
            Operator::GreaterThan => NumberTest::GreaterThan(number_operand(spec, need())?),
            Operator::GreaterOrEqual => NumberTest::GreaterOrEqual(number_operand(spec, need())?),
            Operator::LessThan => NumberTest::LessThan(number_operand(spec, need())?),
            Operator::LessOrEqual => NumberTest::LessOrEqual(number_operand(spec, need())?),
            Operator::Between => {
                let [low, high] = pair(need())?;
                let (low, high) = (number_operand(spec, low)?, number_operand(spec, high)?);
                if low > high {
                    return Err("between takes [low, high]: the first value is larger than the second".into());
                }
                NumberTest::Between(low, high)
            }
            Operator::Blank => NumberTest::Blank,
            Operator::NotBlank => NumberTest::NotBlank,
            _ => unreachable!("operators checked against the kind"),
        }),
        ValueKind::Date => Test::Date(match op {
            Operator::Before => DateTest::Range {
                lower: None,
                upper: Some(match date_operand(need())? {
                    DateValue::Day(day) => Edge { at: Instant::At(day_start(day)), inclusive: false },
                    DateValue::Instant(at) => Edge { at, inclusive: false },
                }),
            },
            Operator::After => DateTest::Range {
                lower: Some(match date_operand(need())? {
                    DateValue::Day(day) => Edge { at: Instant::At(day_start(next_day(day)?)), inclusive: true },
                    DateValue::Instant(at) => Edge { at, inclusive: false },
                }),
                upper: None,
            },
            Operator::Between => {
                let [first, last] = pair(need())?;
                let lower = match date_operand(first)? {
                    DateValue::Day(day) => Edge { at: Instant::At(day_start(day)), inclusive: true },
                    DateValue::Instant(at) => Edge { at, inclusive: true },
                };
                let upper = match date_operand(last)? {
                    DateValue::Day(day) => Edge { at: Instant::At(day_start(next_day(day)?)), inclusive: false },
                    DateValue::Instant(at) => Edge { at, inclusive: true },
                };
                if let (Instant::At(a), Instant::At(b)) = (lower.at, upper.at)
                    && (a > b || (a == b && !upper.inclusive))
                {
                    return Err("between takes [first, last]: the first date is after the last".into());
                }
                DateTest::Range { lower: Some(lower), upper: Some(upper) }
            }
            Operator::Within => {
                let span = duration_operand(need())?;
                DateTest::Range {
                    lower: Some(Edge { at: Instant::FromNow(-span), inclusive: true }),
                    upper: Some(Edge { at: Instant::FromNow(span), inclusive: true }),
                }
            }
            Operator::OlderThan => DateTest::Range {
                lower: None,
                upper: Some(Edge { at: Instant::FromNow(-duration_operand(need())?), inclusive: false }),
            },
            Operator::Blank => DateTest::Blank,
            Operator::NotBlank => DateTest::NotBlank,
            _ => unreachable!("operators checked against the kind"),
        }),
        ValueKind::Bool => Test::Bool(match op {
            Operator::IsTrue => BoolTest::IsTrue,
            Operator::IsFalse => BoolTest::IsFalse,
            Operator::Blank => BoolTest::Blank,
            Operator::NotBlank => BoolTest::NotBlank,
            _ => unreachable!("operators checked against the kind"),
        }),
        ValueKind::Tags => Test::Tags(match op {
            Operator::Contains => TagsTest::Has(non_empty_text(need())?),
            Operator::NotContains => TagsTest::HasNot(non_empty_text(need())?),
            Operator::InList => TagsTest::HasAny(text_list(need())?),
            Operator::NotInList => TagsTest::HasNone(text_list(need())?),
            Operator::Blank => TagsTest::Blank,
            Operator::NotBlank => TagsTest::NotBlank,
            _ => unreachable!("operators checked against the kind"),
        }),
        ValueKind::Status => {
            let (mask, negate) = match op {
                Operator::Equals => (status_operand(need())?, false),
                Operator::NotEquals => (status_operand(need())?, true),
                Operator::InList => (status_list(need())?, false),
                Operator::NotInList => (status_list(need())?, true),
                _ => unreachable!("operators checked against the kind"),
            };
            Test::Status(StatusTest { mask, negate })
        }
    })
}

fn text_operand(value: &Operand) -> Result<Needle, String> {
    match value {
        Operand::Text(t) => Ok(Needle::new(t)),
        // `order_number equals 5000101` written without quotes.
        Operand::Number(n) => Ok(Needle::new(&n.to_string())),
        Operand::Bool(_) => Err("expected text, got true/false".into()),
        Operand::List(_) => Err("expected one text, got a list (use in_list for several)".into()),
    }
}

fn non_empty_text(value: &Operand) -> Result<Needle, String> {
    let needle = text_operand(value)?;
    if needle.is_empty() {
        return Err("the text is empty; to test for an empty field use blank / not_blank".into());
    }
    Ok(needle)
}

fn text_list(value: &Operand) -> Result<Vec<Needle>, String> {
    let Operand::List(items) = value else {
        return Err("in_list / not_in_list take a list: value = [\"a\", \"b\"]".into());
    };
    if items.is_empty() {
        return Err("the list is empty".into());
    }
    items.iter().map(text_operand).collect()
}

fn pair(value: &Operand) -> Result<[&Operand; 2], String> {
    match value {
        Operand::List(items) if items.len() == 2 => Ok([&items[0], &items[1]]),
        _ => Err("between takes two values: value = [low, high]".into()),
    }
}

fn number_operand(spec: FieldSpec, value: &Operand) -> Result<Decimal, String> {
    match (spec.kind, value) {
        (ValueKind::Weight, Operand::Text(t)) => Weight::parse(t).map(|w| w.in_ounces()).map_err(|e| e.to_string()),
        (ValueKind::Weight, _) => {
            Err(format!("{} is a weight: give it with its unit, e.g. \"10 lb\", \"12 oz\" or \"500 g\"", spec.name))
        }
        (ValueKind::Money, Operand::Number(n)) => Ok(*n),
        (ValueKind::Money, Operand::Text(t)) => t
            .parse::<Money>()
            .map(Money::amount)
            .map_err(|_| format!("{t:?} is not an amount; write e.g. 100 or \"99.95\"")),
        (ValueKind::Integer, Operand::Number(n)) if n.fract().is_zero() && !n.is_sign_negative() => Ok(*n),
        (ValueKind::Integer, Operand::Text(t)) => t
            .trim()
            .parse::<u64>()
            .map(Decimal::from)
            .map_err(|_| format!("{} takes a whole number, not {t:?}", spec.name)),
        (ValueKind::Integer, Operand::Number(n)) => Err(format!("{} takes a whole number, not {n}", spec.name)),
        (_, Operand::Bool(_)) => Err(format!("{} takes a number, not true/false", spec.name)),
        (_, Operand::List(_)) => Err(format!("{} takes one number here, not a list", spec.name)),
        (kind, _) => unreachable!("number_operand called for {kind:?}"),
    }
}

enum DateValue {
    Day(Date),
    Instant(Instant),
}

/// Days, instants and `now±duration`, as documented at the top of this module.
fn date_operand(value: &Operand) -> Result<DateValue, String> {
    let Operand::Text(text) = value else {
        return Err("a date is written in quotes: \"2026-11-26\", \"2026-11-26T10:00\", \"now-3d\"".into());
    };
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("now").or_else(|| text.strip_prefix("NOW")) {
        let rest = rest.trim();
        if rest.is_empty() {
            return Ok(DateValue::Instant(Instant::FromNow(SignedDuration::ZERO)));
        }
        let (sign, span) = match rest.as_bytes()[0] {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => {
                return Err(format!("{text:?}: write now+DURATION or now-DURATION, e.g. \"now-3d\", \"now+24h\""));
            }
        };
        let duration = parse_duration(span)?;
        return Ok(DateValue::Instant(Instant::FromNow(if sign < 0 { -duration } else { duration })));
    }
    // jiff reads a day out of a date-time too, so only text without a time is a day.
    if text.contains(['T', 't', ' ']) {
        if let Ok(at) = text.parse::<Timestamp>() {
            return Ok(DateValue::Instant(Instant::At(at)));
        }
        if let Ok(civil) = text.parse::<DateTime>() {
            return Ok(DateValue::Instant(Instant::At(central_instant(civil.date(), civil.time()))));
        }
    } else if let Ok(day) = text.parse::<Date>() {
        return Ok(DateValue::Day(day));
    }
    Err(format!(
        "{text:?} is not a date; write a day \"2026-11-26\" (US Central), a Central time \"2026-11-26T10:00\", an \
         instant \"2026-11-26T16:00:00Z\", or a time relative to now \"now-3d\""
    ))
}

fn duration_operand(value: &Operand) -> Result<SignedDuration, String> {
    match value {
        Operand::Text(t) => parse_duration(t),
        _ => Err("a duration is written in quotes with its unit: \"3d\", \"36h\", \"2 days\"".into()),
    }
}

/// The longest duration a rule may use, so arithmetic on instants stays in range.
const MAX_DURATION: SignedDuration = SignedDuration::from_hours(24 * 3660);

fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let hint = "write a duration with its unit, e.g. \"3d\", \"36h\", \"90 minutes\", \"1 week\"";
    let span: Span = text.trim().parse().map_err(|_| format!("{:?}: {hint}", text.trim()))?;
    let duration = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| format!("{:?}: months and years vary in length; {hint}", text.trim()))?;
    if duration <= SignedDuration::ZERO {
        return Err(format!("{:?}: the duration must be more than zero", text.trim()));
    }
    if duration > MAX_DURATION {
        return Err(format!("{:?}: durations are limited to 10 years", text.trim()));
    }
    Ok(duration)
}

fn day_start(day: Date) -> Timestamp {
    central_instant(day, jiff::civil::Time::midnight())
}

fn next_day(day: Date) -> Result<Date, String> {
    day.tomorrow().map_err(|_| format!("{day} is the last date there is"))
}

fn status_operand(value: &Operand) -> Result<u8, String> {
    match value {
        Operand::Text(t) => t.parse::<OrderStatus>().map(status_bit).map_err(|e| e.to_string()),
        _ => Err("a status is text: \"awaiting_shipment\", \"on_hold\"...".into()),
    }
}

fn status_list(value: &Operand) -> Result<u8, String> {
    let Operand::List(items) = value else {
        return Err("in_list / not_in_list take a list: value = [\"awaiting_shipment\", \"on_hold\"]".into());
    };
    if items.is_empty() {
        return Err("the list is empty".into());
    }
    items.iter().try_fold(0u8, |mask, item| Ok(mask | status_operand(item)?))
}

// ----------------------------------------------------------------------------------------------------------
// Evaluating

impl Check {
    pub(crate) fn eval(&self, order: &Order, cx: &Context<'_>) -> bool {
        match self {
            Check::All(checks) => checks.iter().all(|c| c.eval(order, cx)),
            Check::Any(checks) => checks.iter().any(|c| c.eval(order, cx)),
            Check::Order(field, test) => eval_order(order, *field, test, cx),
            Check::Lines { quantifier, field, option, test } => {
                let mut lines = order.items.iter().enumerate().filter(|(_, item)| !item.adjustment);
                let matches =
                    |(line, item): (usize, &OrderItem)| eval_line(order, line, item, *field, option.as_ref(), test, cx);
                match quantifier {
                    Quantifier::Any => lines.any(matches),
                    Quantifier::None => !lines.any(matches),
                    Quantifier::All => {
                        let mut seen = false;
                        for line in lines {
                            if !matches(line) {
                                return false;
                            }
                            seen = true;
                        }
                        seen
                    }
                }
            }
        }
    }

    /// A rough relative cost of evaluating this check, so groups try cheap members first (evaluation has no
    /// side effects, so the order of members does not change the result).
    fn cost(&self) -> u32 {
        match self {
            Check::All(members) | Check::Any(members) => 1 + members.iter().map(Check::cost).sum::<u32>(),
            Check::Order(_, Test::Bool(_) | Test::Status(_)) => 1,
            Check::Order(_, Test::Number(_) | Test::Date(_)) => 2,
            Check::Order(_, Test::Text(TextTest::Contains(_) | TextTest::NotContains(_))) => 4,
            Check::Order(_, Test::Text(TextTest::InList(list) | TextTest::NotInList(list))) => 2 + list.len() as u32,
            Check::Order(_, Test::Text(_)) => 2,
            Check::Order(_, Test::Tags(_)) => 4,
            Check::Lines { test: Test::Tags(_), .. } => 24,
            Check::Lines { field: LineField::Option, .. } => 12,
            Check::Lines { .. } => 8,
        }
    }

    /// Puts every group's cheap members first.
    fn cheapest_first(&mut self) {
        if let Check::All(members) | Check::Any(members) = self {
            members.iter_mut().for_each(Check::cheapest_first);
            members.sort_by_key(Check::cost);
        }
    }
}

pub(crate) fn physical_lines(order: &Order) -> impl Iterator<Item = &OrderItem> {
    order.items.iter().filter(|i| !i.adjustment)
}

fn eval_order(order: &Order, field: OrderField, test: &Test, cx: &Context<'_>) -> bool {
    match test {
        Test::Text(t) => t.eval(order_text(order, field)),
        Test::Number(t) => t.eval(order_number(order, field)),
        Test::Date(t) => t.eval(order_instant(order, field), cx.now),
        Test::Bool(t) => t.eval(order_bool(order, field)),
        Test::Tags(t) => t.eval(&order.tags),
        Test::Status(t) => (t.mask & status_bit(order.order_status) != 0) != t.negate,
    }
}

fn eval_line(
    order: &Order,
    line: usize,
    item: &OrderItem,
    field: LineField,
    option: Option<&Needle>,
    test: &Test,
    cx: &Context<'_>,
) -> bool {
    match test {
        Test::Text(t) => t.eval(match field {
            LineField::Sku => Some(item.sku.as_str()),
            LineField::Name => Some(item.name.as_str()),
            LineField::WarehouseLocation => item.warehouse_location.as_deref(),
            LineField::Option => {
                option.and_then(|name| item.options.iter().find(|o| name.equals(&o.name)).map(|o| o.value.as_str()))
            }
            _ => None,
        }),
        Test::Number(t) => t.eval(match field {
            LineField::Quantity => Some(Decimal::from(item.quantity)),
            LineField::SkuLength => Some(Decimal::from(item.sku.chars().count() as u64)),
            LineField::UnitPrice => Some(item.unit_price.amount()),
            LineField::Weight => item.weight.map(|w| w.in_ounces()),
            _ => None,
        }),
        Test::Tags(t) => match cx.product_of(order, line) {
            Some(product) => t.eval(&product.tags),
            None => t.eval(&[]),
        },
        Test::Date(_) | Test::Bool(_) | Test::Status(_) => false,
    }
}

fn order_text(order: &Order, field: OrderField) -> Option<&str> {
    use OrderField as F;
    let advanced = &order.advanced_options;
    match field {
        F::Store => Some(order.store_id.as_str()),
        F::OrderNumber => Some(&order.order_number),
        F::RequestedService => order.requested_shipping_service.as_deref(),
        F::Carrier => order.carrier_code.as_deref(),
        F::Service => order.service_code.as_deref(),
        F::Package => order.package_code.as_deref(),
        F::DeliveryMethod => Some(match order.delivery_method {
            DeliveryMethod::Ship => "ship",
            DeliveryMethod::Pickup => "pickup",
            DeliveryMethod::ShipToStore => "ship_to_store",
        }),
        F::ShipToName => Some(&order.ship_to.name),
        F::ShipToCity => Some(&order.ship_to.city),
        F::ShipToState => Some(&order.ship_to.state),
        F::ShipToPostalCode => Some(&order.ship_to.postal_code),
        F::ShipToCountry => Some(&order.ship_to.country),
        F::GiftMessage => order.gift_message.as_deref(),
        F::CustomerNotes => order.customer_notes.as_deref(),
        F::InternalNotes => order.internal_notes.as_deref(),
        F::NotesToBuyer => order.notes_to_buyer.as_deref(),
        F::CustomField1 => advanced.custom_field1.as_deref(),
        F::CustomField2 => advanced.custom_field2.as_deref(),
        F::CustomField3 => advanced.custom_field3.as_deref(),
        _ => None,
    }
}

fn order_number(order: &Order, field: OrderField) -> Option<Decimal> {
    match field {
        OrderField::OrderTotal => Some(order.order_total.amount()),
        OrderField::AmountPaid => Some(order.amount_paid.amount()),
        OrderField::ShippingPaid => Some(order.shipping_amount.amount()),
        OrderField::Weight => order.weight.map(|w| w.in_ounces()),
        OrderField::ItemCount => Some(Decimal::from(physical_lines(order).count() as u64)),
        OrderField::TotalQuantity => {
            Some(Decimal::from(physical_lines(order).map(|i| u64::from(i.quantity)).sum::<u64>()))
        }
        _ => None,
    }
}

fn order_instant(order: &Order, field: OrderField) -> Option<Timestamp> {
    match field {
        OrderField::OrderDate => Some(order.order_date),
        OrderField::PaymentDate => order.payment_date,
        OrderField::ShipBy => order.ship_by_date,
        _ => None,
    }
}

fn order_bool(order: &Order, field: OrderField) -> Option<bool> {
    match field {
        OrderField::Gift => Some(order.gift),
        OrderField::ShipToResidential => order.ship_to.residential,
        _ => None,
    }
}

impl TextTest {
    fn eval(&self, value: Option<&str>) -> bool {
        let hay = value.unwrap_or("");
        match self {
            TextTest::Equals(n) => n.equals(hay),
            TextTest::NotEquals(n) => !n.equals(hay),
            TextTest::Contains(n) => n.contained_in(hay),
            TextTest::NotContains(n) => !n.contained_in(hay),
            TextTest::StartsWith(n) => n.starts(hay),
            TextTest::EndsWith(n) => n.ends(hay),
            TextTest::Blank => hay.trim().is_empty(),
            TextTest::NotBlank => !hay.trim().is_empty(),
            TextTest::InList(list) => list.iter().any(|n| n.equals(hay)),
            TextTest::NotInList(list) => !list.iter().any(|n| n.equals(hay)),
        }
    }
}

impl NumberTest {
    fn eval(&self, value: Option<Decimal>) -> bool {
        let Some(v) = value else {
            return matches!(self, NumberTest::Blank);
        };
        match self {
            NumberTest::Equals(x) => v == *x,
            NumberTest::NotEquals(x) => v != *x,
            NumberTest::GreaterThan(x) => v > *x,
            NumberTest::GreaterOrEqual(x) => v >= *x,
            NumberTest::LessThan(x) => v < *x,
            NumberTest::LessOrEqual(x) => v <= *x,
            NumberTest::Between(low, high) => *low <= v && v <= *high,
            NumberTest::Blank => false,
            NumberTest::NotBlank => true,
        }
    }
}

impl DateTest {
    fn eval(&self, value: Option<Timestamp>, now: Timestamp) -> bool {
        match (self, value) {
            (DateTest::Blank, v) => v.is_none(),
            (DateTest::NotBlank, v) => v.is_some(),
            (DateTest::Range { .. }, None) => false,
            (DateTest::Range { lower, upper }, Some(t)) => {
                let above = lower.is_none_or(|e| {
                    let at = e.at.resolve(now);
                    if e.inclusive { t >= at } else { t > at }
                });
                let below = upper.is_none_or(|e| {
                    let at = e.at.resolve(now);
                    if e.inclusive { t <= at } else { t < at }
                });
                above && below
            }
        }
    }
}

impl BoolTest {
    fn eval(self, value: Option<bool>) -> bool {
        match self {
            BoolTest::IsTrue => value == Some(true),
            BoolTest::IsFalse => value == Some(false),
            BoolTest::Blank => value.is_none(),
            BoolTest::NotBlank => value.is_some(),
        }
    }
}

impl TagsTest {
    fn eval(&self, tags: &[String]) -> bool {
        let has = |n: &Needle| tags.iter().any(|t| n.equals(t));
        match self {
            TagsTest::Has(n) => has(n),
            TagsTest::HasNot(n) => !has(n),
            TagsTest::HasAny(list) => list.iter().any(has),
            TagsTest::HasNone(list) => !list.iter().any(has),
            TagsTest::Blank => tags.is_empty(),
            TagsTest::NotBlank => !tags.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automation::defaults::NoProducts;
    use crate::automation::rule::LineTest;
    use crate::order::{ItemOption, OrderItem};
    use crate::product::Product;
    use crate::sample;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    /// A criterion from its JSON form, so tests read like rule files.
    fn criterion(json: serde_json::Value) -> Criterion {
        serde_json::from_value(json).expect("test criteria are well-formed")
    }

    fn compile(json: serde_json::Value) -> Result<Check, Vec<Issue>> {
        compile_criteria(&[criterion(json)], &mut SlotSet::default())
    }

    /// The sample order was placed 2026-11-26 10:15 Central (16:15 UTC); "now" is a day later.
    fn now() -> Timestamp {
        "2026-11-27T16:15:00Z".parse().unwrap()
    }

    fn eval_with(order: &Order, products: &dyn ProductLookup, json: serde_json::Value) -> bool {
        let check = compile(json.clone()).unwrap_or_else(|e| panic!("{json}: {e:?}"));
        check.eval(order, &Context::new(now(), products))
    }

    fn eval(order: &Order, json: serde_json::Value) -> bool {
        eval_with(order, &NoProducts, json)
    }

    fn error(json: serde_json::Value) -> String {
        match compile(json.clone()) {
            Ok(_) => panic!("expected a compile error for {json}"),
            Err(issues) => {
                issues.iter().map(|i| format!("{}: {}", i.location, i.message)).collect::<Vec<_>>().join("; ")
            }
        }
    }

    fn order() -> Order {
        sample::order("ord_1", "5550001")
    }

    #[test]
    fn text_operators() {
        let o = order(); // requested service "Ground", no customer notes
        let cases = [
            (json!({"field": "requested_service", "op": "equals", "value": " ground "}), true),
            (json!({"field": "requested_service", "op": "equals", "value": "Groun"}), false),
            (json!({"field": "requested_service", "op": "not_equals", "value": "Express"}), true),
            (json!({"field": "requested_service", "op": "contains", "value": "ROUN"}), true),
            (json!({"field": "requested_service", "op": "not_contains", "value": "roun"}), false),
            (json!({"field": "requested_service", "op": "starts_with", "value": "gr"}), true),
            (json!({"field": "requested_service", "op": "ends_with", "value": "ND"}), true),
            (json!({"field": "requested_service", "op": "ends_with", "value": "gr"}), false),
            (json!({"field": "requested_service", "op": "blank"}), false),
            (json!({"field": "requested_service", "op": "not_blank"}), true),
            (json!({"field": "requested_service", "op": "in_list", "value": ["Priority", "GROUND"]}), true),
            (json!({"field": "requested_service", "op": "not_in_list", "value": ["Priority", "Express"]}), true),
            // A missing text is the empty text.
            (json!({"field": "customer_notes", "op": "blank"}), true),
            (json!({"field": "customer_notes", "op": "not_equals", "value": "x"}), true),
            (json!({"field": "customer_notes", "op": "contains", "value": "x"}), false),
            (json!({"field": "ship_to_city", "op": "equals", "value": "AUSTIN"}), true),
            (json!({"field": "ship_to_state", "op": "in_list", "value": ["AK", "HI"]}), false),
            (json!({"field": "ship_to_name", "op": "starts_with", "value": "zoë"}), true),
            (json!({"field": "order_number", "op": "equals", "value": 5550001}), true),
            (json!({"field": "store", "op": "equals", "value": "sto_sample"}), true),
            (json!({"field": "delivery_method", "op": "equals", "value": "ship"}), true),
        ];
        for (json, expected) in cases {
            assert_eq!(eval(&o, json.clone()), expected, "{json}");
        }
    }

    #[test]
    fn number_money_and_weight_operators() {
        let mut o = order(); // order total 44.99, 2 lines, 3 units, no weight
        let cases = [
            (json!({"field": "order_total", "op": "equals", "value": 44.99}), true),
            (json!({"field": "order_total", "op": "equals", "value": "$44.990"}), true),
            (json!({"field": "order_total", "op": "not_equals", "value": 44.99}), false),
            (json!({"field": "order_total", "op": "greater_than", "value": 44}), true),
            (json!({"field": "order_total", "op": "greater_than", "value": 44.99}), false),
            (json!({"field": "order_total", "op": "greater_or_equal", "value": "44.99"}), true),
            (json!({"field": "order_total", "op": "less_than", "value": 45}), true),
            (json!({"field": "order_total", "op": "less_or_equal", "value": 44.98}), false),
            (json!({"field": "order_total", "op": "between", "value": [40, 44.99]}), true),
            (json!({"field": "order_total", "op": "between", "value": [45, 50]}), false),
            (json!({"field": "amount_paid", "op": "equals", "value": 44.99}), true),
            (json!({"field": "shipping_paid", "op": "equals", "value": 0}), true),
            (json!({"field": "item_count", "op": "equals", "value": 2}), true),
            (json!({"field": "total_quantity", "op": "equals", "value": 3}), true),
            (json!({"field": "total_quantity", "op": "greater_than", "value": "2"}), true),
            // No weight yet: only `blank` holds, even `not_equals` does not.
            (json!({"field": "weight", "op": "blank"}), true),
            (json!({"field": "weight", "op": "not_equals", "value": "1 lb"}), false),
            (json!({"field": "weight", "op": "less_than", "value": "1 lb"}), false),
        ];
        for (json, expected) in cases {
            assert_eq!(eval(&o, json.clone()), expected, "{json}");
        }
        o.weight = Some(Weight::pounds(dec!(2)));
        let cases = [
            (json!({"field": "weight", "op": "equals", "value": "32 oz"}), true),
            (json!({"field": "weight", "op": "greater_than", "value": "31.9 oz"}), true),
            // 1 kg is 35.27 oz.
            (json!({"field": "weight", "op": "less_than", "value": "1 kg"}), true),
            (json!({"field": "weight", "op": "between", "value": ["2 lb", "1 kg"]}), true),
            (json!({"field": "weight", "op": "not_blank"}), true),
        ];
        for (json, expected) in cases {
            assert_eq!(eval(&o, json.clone()), expected, "{json}");
        }
        // Adjustment lines count for nothing.
        let mut adjustment = o.items[1].clone();
        adjustment.adjustment = true;
        adjustment.quantity = 5;
        o.items.push(adjustment);
        assert!(eval(&o, json!({"field": "item_count", "op": "equals", "value": 2})));
        assert!(eval(&o, json!({"field": "total_quantity", "op": "equals", "value": 3})));
    }

    #[test]
    fn date_operators_use_central_days_instants_and_now() {
        let o = order(); // placed 2026-11-26 10:15 Central; ship by 2026-11-28T16:15Z; now 2026-11-27T16:15Z
        let cases = [
            (json!({"field": "order_date", "op": "before", "value": "2026-11-26"}), false),
            (json!({"field": "order_date", "op": "before", "value": "2026-11-27"}), true),
            (json!({"field": "order_date", "op": "after", "value": "2026-11-25"}), true),
            (json!({"field": "order_date", "op": "after", "value": "2026-11-26"}), false),
            (json!({"field": "order_date", "op": "between", "value": ["2026-11-26", "2026-11-26"]}), true),
            (json!({"field": "order_date", "op": "between", "value": ["2026-11-27", "2026-11-30"]}), false),
            // Central wall time and exact instants; before/after are strict.
            (json!({"field": "order_date", "op": "before", "value": "2026-11-26T10:15"}), false),
            (json!({"field": "order_date", "op": "after", "value": "2026-11-26T10:14"}), true),
            (json!({"field": "order_date", "op": "after", "value": "2026-11-26T16:15:00Z"}), false),
            (json!({"field": "order_date", "op": "between", "value": ["2026-11-26T16:15:00Z", "now"]}), true),
            // Relative to now (24 hours after the order).
            (json!({"field": "order_date", "op": "within", "value": "1d"}), true),
            (json!({"field": "order_date", "op": "within", "value": "23h"}), false),
            (json!({"field": "order_date", "op": "older_than", "value": "23h"}), true),
            (json!({"field": "order_date", "op": "older_than", "value": "24h"}), false),
            (json!({"field": "order_date", "op": "before", "value": "now - 23 hours"}), true),
            (json!({"field": "ship_by", "op": "before", "value": "now+48h"}), true),
            (json!({"field": "ship_by", "op": "before", "value": "now+24h"}), false),
            (json!({"field": "ship_by", "op": "within", "value": "24h"}), true),
            (json!({"field": "ship_by", "op": "not_blank"}), true),
            (json!({"field": "payment_date", "op": "blank"}), false),
        ];
        for (json, expected) in cases {
            assert_eq!(eval(&o, json.clone()), expected, "{json}");
        }

        // 03:30 UTC on Nov 27 is still Nov 26 in Chicago.
        let mut late = order();
        late.order_date = "2026-11-27T03:30:00Z".parse().unwrap();
        late.payment_date = None;
        late.ship_by_date = None;
        assert!(eval(&late, json!({"field": "order_date", "op": "before", "value": "2026-11-27"})));
        assert!(!eval(&late, json!({"field": "order_date", "op": "after", "value": "2026-11-26"})));
        assert!(eval(&late, json!({"field": "payment_date", "op": "blank"})));
        // A missing date matches no comparison.
        assert!(!eval(&late, json!({"field": "ship_by", "op": "before", "value": "now+100d"})));
        assert!(!eval(&late, json!({"field": "ship_by", "op": "older_than", "value": "1h"})));
    }

    #[test]
    fn bool_tag_and_status_operators() {
        let mut o = order();
        o.tags = vec!["VIP".into(), "gift".into()];
        let cases = [
            (json!({"field": "gift", "op": "is_false"}), true),
            (json!({"field": "gift", "op": "is_true"}), false),
            // Residential is unknown until validated: neither true nor false.
            (json!({"field": "ship_to_residential", "op": "is_true"}), false),
            (json!({"field": "ship_to_residential", "op": "is_false"}), false),
            (json!({"field": "ship_to_residential", "op": "blank"}), true),
            (json!({"field": "tags", "op": "contains", "value": "vip"}), true),
            // Tags match whole.
            (json!({"field": "tags", "op": "contains", "value": "vi"}), false),
            (json!({"field": "tags", "op": "not_contains", "value": "rush"}), true),
            (json!({"field": "tags", "op": "in_list", "value": ["rush", "GIFT"]}), true),
            (json!({"field": "tags", "op": "not_in_list", "value": ["rush", "GIFT"]}), false),
            (json!({"field": "tags", "op": "blank"}), false),
            (json!({"field": "status", "op": "equals", "value": "awaiting_shipment"}), true),
            (json!({"field": "status", "op": "not_equals", "value": "on_hold"}), true),
            (json!({"field": "status", "op": "in_list", "value": ["on_hold", "Awaiting Shipment"]}), true),
            (json!({"field": "status", "op": "not_in_list", "value": ["awaiting_shipment"]}), false),
        ];
        for (json, expected) in cases {
            assert_eq!(eval(&o, json.clone()), expected, "{json}");
        }
        o.ship_to.residential = Some(false);
        assert!(eval(&o, json!({"field": "ship_to_residential", "op": "is_false"})));
    }

    fn tagged(sku: &str, tags: &[&str]) -> Product {
        let mut p = sample::product(sku, 10, "A-1");
        p.tags = tags.iter().map(|t| t.to_string()).collect();
        p
    }

    #[test]
    fn line_criteria_any_all_none() {
        let mut o = order(); // MUG-BLUE x2, TEE-L x1
        o.items[0].options = vec![ItemOption { name: "Color".into(), value: "Blue".into() }];
        let products = vec![tagged("MUG-BLUE", &["Fragile", "kitchen"]), tagged("TEE-L", &["apparel"])];
        let sku_mug = |q: &str| json!({"lines": q, "field": "sku", "op": "starts_with", "value": "mug"});
        let cases = [
            (sku_mug("any"), true),
            (sku_mug("all"), false),
            (sku_mug("none"), false),
            (json!({"lines": "all", "field": "quantity", "op": "greater_or_equal", "value": 1}), true),
            (json!({"lines": "any", "field": "quantity", "op": "greater_than", "value": 1}), true),
            (json!({"lines": "all", "field": "quantity", "op": "greater_than", "value": 1}), false),
            (json!({"lines": "none", "field": "sku_length", "op": "greater_or_equal", "value": 42}), true),
            (json!({"lines": "any", "field": "name", "op": "contains", "value": "SHIRT"}), true),
            (json!({"lines": "any", "field": "unit_price", "op": "greater_than", "value": 19}), true),
            (json!({"lines": "all", "field": "unit_price", "op": "less_than", "value": 20}), true),
            (json!({"lines": "any", "field": "option", "option": "color", "op": "equals", "value": "BLUE"}), true),
            // The T-shirt has no Color option: its value is blank.
            (json!({"lines": "all", "field": "option", "option": "Color", "op": "equals", "value": "blue"}), false),
            (json!({"lines": "any", "field": "option", "option": "Color", "op": "blank"}), true),
            (json!({"lines": "any", "field": "warehouse_location", "op": "blank"}), true),
            (json!({"lines": "any", "field": "weight", "op": "blank"}), true),
            (json!({"lines": "any", "field": "product_tags", "op": "contains", "value": "fragile"}), true),
            (json!({"lines": "all", "field": "product_tags", "op": "contains", "value": "fragile"}), false),
            (json!({"lines": "none", "field": "product_tags", "op": "contains", "value": "hazmat"}), true),
            (json!({"lines": "all", "field": "product_tags", "op": "not_blank"}), true),
        ];
        for (json, expected) in cases {
            assert_eq!(eval_with(&o, &products, json.clone()), expected, "{json}");
        }
        // Unknown products have no tags.
        assert!(!eval(&o, json!({"lines": "any", "field": "product_tags", "op": "not_blank"})));

        // Adjustment lines are not looked at.
        let mut adjusted = order();
        let mut adjustment: OrderItem = adjusted.items[1].clone();
        adjustment.sku = "ADJ-CREDIT".into();
        adjustment.adjustment = true;
        adjusted.items.push(adjustment);
        assert!(!eval(&adjusted, json!({"lines": "any", "field": "sku", "op": "equals", "value": "ADJ-CREDIT"})));
        assert!(eval(&adjusted, json!({"lines": "all", "field": "sku", "op": "not_equals", "value": "ADJ-CREDIT"})));

        // No lines: `any` and `all` are false (no vacuous truth for `all`), `none` is true.
        let mut empty = order();
        empty.items.clear();
        assert!(!eval(&empty, sku_mug("any")));
        assert!(!eval(&empty, sku_mug("all")));
        assert!(eval(&empty, sku_mug("none")));
        assert!(!eval(&empty, json!({"lines": "all", "field": "sku", "op": "not_blank"})));
    }

    #[test]
    fn groups_nest() {
        let mut o = order();
        o.tags = vec!["a".into(), "c".into()];
        let tag = |t: &str| json!({"field": "tags", "op": "contains", "value": t});
        let cases = [
            (json!({"all": [tag("a"), tag("c")]}), true),
            (json!({"all": [tag("a"), tag("b")]}), false),
            (json!({"any": [tag("b"), tag("c")]}), true),
            (json!({"any": [tag("b"), tag("d")]}), false),
            (json!({"all": [{"any": [tag("b"), tag("a")]}, {"any": [tag("d"), {"all": [tag("c"), tag("a")]}]}]}), true),
            (json!({"any": [{"all": [tag("a"), tag("b")]}, {"all": [tag("c"), tag("d")]}]}), false),
            (json!({"all": []}), true),
            (json!({"any": []}), false),
        ];
        for (json, expected) in cases {
            assert_eq!(eval(&o, json.clone()), expected, "{json}");
        }
    }

    #[test]
    fn wrong_operators_and_values_are_refused_with_the_reason() {
        let cases = [
            (
                json!({"field": "weight", "op": "contains", "value": "1 lb"}),
                "criteria[0] (weight): operator contains does not apply to weight (a weight); it takes equals, \
                 not_equals, greater_than, greater_or_equal, less_than, less_or_equal, between, blank, not_blank",
            ),
            (
                json!({"field": "order_date", "op": "blank"}),
                "criteria[0] (order_date): operator blank does not apply to order_date (a date); it takes before, \
                 after, between, within, older_than",
            ),
            (
                json!({"field": "gift", "op": "equals", "value": true}),
                "criteria[0] (gift): operator equals does not apply to gift (yes or no); it takes is_true, is_false",
            ),
            (
                json!({"field": "gift", "op": "is_true", "value": true}),
                "operator is_true takes no value: remove `value`",
            ),
            (json!({"field": "order_total", "op": "greater_than"}), "operator greater_than needs a `value`"),
            (json!({"field": "order_total", "op": "between", "value": [1, 2, 3]}), "between takes two values"),
            (json!({"field": "order_total", "op": "between", "value": [5, 1]}), "the first value is larger"),
            (json!({"field": "order_total", "op": "equals", "value": "lots"}), "\"lots\" is not an amount"),
            (json!({"field": "weight", "op": "greater_than", "value": 10}), "give it with its unit"),
            (json!({"field": "item_count", "op": "equals", "value": 1.5}), "item_count takes a whole number"),
            (json!({"field": "order_date", "op": "before", "value": "yesterday"}), "\"yesterday\" is not a date"),
            (json!({"field": "order_date", "op": "within", "value": "1 month"}), "months and years vary"),
            (json!({"field": "order_date", "op": "within", "value": 3}), "a duration is written in quotes"),
            (
                json!({"field": "order_date", "op": "between", "value": ["2026-12-02", "2026-12-01"]}),
                "the first date is after",
            ),
            (json!({"field": "status", "op": "equals", "value": "paused"}), "invalid order status 'paused'"),
            (json!({"field": "requested_service", "op": "in_list", "value": []}), "the list is empty"),
            (json!({"field": "requested_service", "op": "in_list", "value": "Ground"}), "take a list"),
            (json!({"field": "requested_service", "op": "contains", "value": " "}), "use blank / not_blank"),
        ];
        for (json, expected) in cases {
            let message = error(json.clone());
            assert!(message.contains(expected), "{json}: {message}");
        }
        // Every problem is reported, each with its place.
        let issues = compile_criteria(
            &[
                criterion(json!({"field": "weight", "op": "contains", "value": "x"})),
                criterion(json!({"any": [{"field": "gift", "op": "is_true"}, {"lines": "any", "field": "quantity", "op": "equals", "value": "two"}]})),
            ],
            &mut SlotSet::default(),
        )
        .unwrap_err();
        let places: Vec<&str> = issues.iter().map(|i| i.location.as_str()).collect();
        assert_eq!(places, vec!["criteria[0] (weight)", "criteria[1].any[1] (lines quantity)"]);
        // Built in code rather than read from a file, a line test on `option` still needs the option's name.
        let no_name = Criterion::Lines(LineTest {
            quantifier: Quantifier::Any,
            field: LineField::Option,
            option: None,
            op: Operator::Blank,
            value: None,
        });
        assert!(compile_criteria(&[no_name], &mut SlotSet::default()).is_err());
    }

    #[test]
    fn criteria_report_the_values_they_read() {
        let mut reads = SlotSet::default();
        compile_criteria(
            &[criterion(json!({"any": [{"field": "tags", "op": "blank"}, {"field": "gift", "op": "is_true"}]}))],
            &mut reads,
        )
        .unwrap();
        assert_eq!(reads.first(), Some(crate::automation::fields::Slot::Tags));
    }

    /// Order lines drawn from a few SKUs, some of them adjustments.
    fn lines_strategy() -> impl Strategy<Value = Vec<(usize, bool)>> {
        prop::collection::vec((0usize..4, prop::bool::weighted(0.2)), 0..5)
    }

    const SKUS: [&str; 4] = ["MUG-1", "MUG-2", "TEE-1", "CAP-1"];

    fn with_lines(lines: &[(usize, bool)]) -> Order {
        let mut o = order();
        let template = o.items[0].clone();
        o.items = lines
            .iter()
            .map(|(sku, adjustment)| OrderItem { sku: SKUS[*sku].into(), adjustment: *adjustment, ..template.clone() })
            .collect();
        o
    }

    /// Leaves of different costs (so groups reorder them) with known truth values.
    #[derive(Clone, Debug)]
    enum Tree {
        Tag(usize),
        Gift,
        AnyLineTee,
        AllLinesTee,
        All(Vec<Tree>),
        Any(Vec<Tree>),
    }

    fn tree() -> impl Strategy<Value = Tree> {
        prop_oneof![(0usize..4).prop_map(Tree::Tag), Just(Tree::Gift), Just(Tree::AnyLineTee), Just(Tree::AllLinesTee),]
            .prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::All),
                    prop::collection::vec(inner, 0..4).prop_map(Tree::Any),
                ]
            })
    }

    fn tree_json(tree: &Tree) -> serde_json::Value {
        match tree {
            Tree::Tag(t) => json!({"field": "tags", "op": "contains", "value": format!("t{t}")}),
            Tree::Gift => json!({"field": "gift", "op": "is_true"}),
            Tree::AnyLineTee => json!({"lines": "any", "field": "sku", "op": "starts_with", "value": "tee"}),
            Tree::AllLinesTee => json!({"lines": "all", "field": "sku", "op": "starts_with", "value": "tee"}),
            Tree::All(members) => json!({"all": members.iter().map(tree_json).collect::<Vec<_>>()}),
            Tree::Any(members) => json!({"any": members.iter().map(tree_json).collect::<Vec<_>>()}),
        }
    }

    /// The truth of a tree for the sample order (MUG-BLUE and TEE-L lines) with these tags and gift flag.
    fn tree_truth(tree: &Tree, tags: &[bool; 4], gift: bool) -> bool {
        match tree {
            Tree::Tag(t) => tags[*t],
            Tree::Gift => gift,
            Tree::AnyLineTee => true,
            Tree::AllLinesTee => false,
            Tree::All(members) => members.iter().all(|m| tree_truth(m, tags, gift)),
            Tree::Any(members) => members.iter().any(|m| tree_truth(m, tags, gift)),
        }
    }

    proptest! {
        /// `any` is "some physical line", `none` is its negation, `all` is "at least one physical line and
        /// every one" — checked against the lines directly.
        #[test]
        fn quantifiers_follow_their_definitions(lines in lines_strategy(), prefix in 0usize..3) {
            let needle = ["MUG", "TEE", "MUG-1"][prefix];
            let o = with_lines(&lines);
            let physical: Vec<&str> = lines.iter().filter(|(_, adj)| !adj).map(|(s, _)| SKUS[*s]).collect();
            let hit = |sku: &&str| sku.starts_with(needle);
            let test = |q: &str| eval(&o, json!({"lines": q, "field": "sku", "op": "starts_with", "value": needle}));
            prop_assert_eq!(test("any"), physical.iter().any(hit));
            prop_assert_eq!(test("none"), !physical.iter().any(hit));
            prop_assert_eq!(test("all"), !physical.is_empty() && physical.iter().all(hit));
        }

        /// Nested AND/OR groups evaluate like the boolean formula they spell.
        #[test]
        fn groups_evaluate_like_boolean_formulas(
            tree in tree(),
            tags in prop::array::uniform4(any::<bool>()),
            gift in any::<bool>(),
        ) {
            let mut o = order();
            o.tags = (0..4).filter(|t| tags[*t]).map(|t| format!("T{t}")).collect();
            o.gift = gift;
            prop_assert_eq!(eval(&o, tree_json(&tree)), tree_truth(&tree, &tags, gift));
        }

        /// Every number operator against the obvious comparison, amounts exact to the cent.
        #[test]
        fn number_operators_compare_exactly(total in 0i64..20_000, x in 0i64..20_000, y in 0i64..20_000) {
            let mut o = order();
            o.order_total = Money::new(Decimal::new(total, 2));
            let (t, x_dec, y_dec) = (Decimal::new(total, 2), Decimal::new(x, 2), Decimal::new(y, 2));
            let value = |n: Decimal| json!(n.to_string());
            let check = |op: &str, v: serde_json::Value| eval(&o, json!({"field": "order_total", "op": op, "value": v}));
            prop_assert_eq!(check("equals", value(x_dec)), t == x_dec);
            prop_assert_eq!(check("not_equals", value(x_dec)), t != x_dec);
            prop_assert_eq!(check("greater_than", value(x_dec)), t > x_dec);
            prop_assert_eq!(check("greater_or_equal", value(x_dec)), t >= x_dec);
            prop_assert_eq!(check("less_than", value(x_dec)), t < x_dec);
            prop_assert_eq!(check("less_or_equal", value(x_dec)), t <= x_dec);
            let (low, high) = (x_dec.min(y_dec), x_dec.max(y_dec));
            prop_assert_eq!(check("between", json!([value(low), value(high)])), low <= t && t <= high);
        }
    }
}
