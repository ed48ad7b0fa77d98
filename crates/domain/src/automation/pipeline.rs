//! The automation pipeline for one order: 1) product defaults, 2) service mapping, 3) the enabled rules top
//! to bottom. Also previews, which run the very same code on a copy.

use std::fmt;

use jiff::Timestamp;

use super::changes::Session;
use super::compile::{CompiledRule, CompiledRules};
use super::criteria::Context;
use super::defaults::{ProductLookup, apply_product_defaults};
use super::mapping::apply_service_mapping;
use crate::history::HistoryEntry;
use crate::ids::{OrderId, RuleId};
use crate::order::Order;
use crate::service_mapping::ServiceMapping;
use crate::status::OrderStatus;

/// Why the pipeline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The order was just imported.
    Import,
    /// The order moved into Awaiting Shipment (paid, released from a hold, mapped from an unknown status...).
    MovedToAwaitingShipment,
    /// The seller asked (`wharf orders reprocess`).
    OnDemand,
}

/// Why an order was left alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    Shipped,
    Cancelled,
    /// Import and moves run automation only for orders awaiting shipment; on demand runs any open order.
    NotAwaitingShipment(OrderStatus),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Shipped => f.write_str("skipped: the order is shipped; automation changes only open orders"),
            SkipReason::Cancelled => {
                f.write_str("skipped: the order is cancelled; automation changes only open orders")
            }
            SkipReason::NotAwaitingShipment(status) => write!(
                f,
                "skipped: the order is {status}; automation runs when it moves to awaiting_shipment (or run it now \
                 with `wharf orders reprocess`)"
            ),
        }
    }
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunReport {
    /// One entry per changed field (see `changes` for how they are attributed); empty when nothing changed.
    pub changes: Vec<HistoryEntry>,
    /// True when anything about the order changed, provenance included: the caller stores the order then.
    pub order_changed: bool,
    /// The rules whose criteria held, in the order they ran.
    pub matched_rules: Vec<RuleId>,
    /// The rule that stopped processing, if one did.
    pub stopped_by: Option<RuleId>,
    /// SKUs the catalog does not know (the caller may add them as products).
    pub unknown_skus: Vec<String>,
    /// Defaults or mappings that could not be applied, and why.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Skipped(SkipReason),
    Ran(RunReport),
}

impl Outcome {
    /// The history entries of the run (none when skipped).
    pub fn changes(&self) -> &[HistoryEntry] {
        match self {
            Outcome::Ran(report) => &report.changes,
            Outcome::Skipped(_) => &[],
        }
    }
}

/// Everything the pipeline reads besides the order.
#[derive(Clone, Copy)]
pub struct Automation<'a> {
    pub rules: &'a CompiledRules,
    /// The order's store's mapping.
    pub service_mapping: &'a ServiceMapping,
    pub products: &'a dyn ProductLookup,
}

/// Whether the pipeline runs for an order in this state.
pub fn skip_reason(order: &Order, trigger: Trigger) -> Option<SkipReason> {
    match (order.order_status, trigger) {
        (OrderStatus::Shipped, _) => Some(SkipReason::Shipped),
        (OrderStatus::Cancelled, _) => Some(SkipReason::Cancelled),
        (OrderStatus::AwaitingShipment, _) | (_, Trigger::OnDemand) => None,
        (status, _) => Some(SkipReason::NotAwaitingShipment(status)),
    }
}

impl Automation<'_> {
    /// Runs the pipeline on `order` in place. Running it again on its result (same inputs, same `now`)
    /// changes nothing. `modify_date` moves to `now` when the order changed.
    pub fn run(&self, order: &mut Order, trigger: Trigger, now: Timestamp) -> Outcome {
        if let Some(reason) = skip_reason(order, trigger) {
            return Outcome::Skipped(reason);
        }
        let mut report = RunReport::default();
        let mut session = Session::new(order, now);
        report.unknown_skus = apply_product_defaults(&mut session, self.products, &mut report.warnings);
        apply_service_mapping(&mut session, self.service_mapping, &mut report.warnings);
        let cx = Context::new(now, self.products);
        for rule in self.rules.rules() {
            if !rule.matches_in(session.order, &cx) {
                continue;
            }
            report.matched_rules.push(rule.id.clone());
            rule.apply(&mut session);
            if rule.stops_processing() {
                report.stopped_by = Some(rule.id.clone());
                break;
            }
        }
        let (changes, changed) = session.finish();
        report.changes = changes;
        report.order_changed = changed;
        if changed {
            order.modify_date = now;
        }
        Outcome::Ran(report)
    }

    /// What [`Automation::run`] would do, on a copy: the outcome and the order it would leave.
    pub fn preview(&self, order: &Order, trigger: Trigger, now: Timestamp) -> (Outcome, Order) {
        let mut copy = order.clone();
        let outcome = self.run(&mut copy, trigger, now);
        (outcome, copy)
    }
}

/// An order a previewed rule matches, and the changes the rule alone would make to it as it is now.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleMatch {
    pub order_id: OrderId,
    pub order_number: String,
    /// Empty when the order already is as the rule would make it.
    pub changes: Vec<HistoryEntry>,
}

/// Evaluates one rule over `orders` without changing them (`wharf rules preview`): the open orders it
/// matches, each with the changes its actions would make. It uses the same evaluation and the same actions
/// as a run; the rule is looked at alone, as if it were the only rule (a real run also has the steps and
/// rules above it).
pub fn preview_rule<'o>(
    rule: &CompiledRule,
    orders: impl IntoIterator<Item = &'o Order>,
    products: &dyn ProductLookup,
    now: Timestamp,
) -> Vec<RuleMatch> {
    orders
        .into_iter()
        .filter(|order| !order.order_status.is_final() && rule.matches_in(order, &Context::new(now, products)))
        .map(|order| {
            let mut copy = order.clone();
            let mut session = Session::new(&mut copy, now);
            rule.apply(&mut session);
            let (changes, _) = session.finish();
            RuleMatch { order_id: order.order_id.clone(), order_number: order.order_number.clone(), changes }
        })
        .collect()
}
