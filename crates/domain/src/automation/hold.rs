//! Holds: which held orders are due back in Awaiting Shipment, releasing them, and a seller's own hold.
//!
//! Dates are US Central calendar dates (Sears's, and the only zone a store has). An order held until D is due
//! from the first instant of D in Chicago. Releasing clears `holdUntilDate` (as ShipStation's
//! `restorefromhold` does) but keeps `sources.holdUntilDate`: that record is what stops automation from
//! holding the same order again when it comes back to Awaiting Shipment (see `Session::hold`).

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;

use super::fields::Slot;
use crate::history::{Actor, HistoryEntry};
use crate::order::{Order, ValueSource};
use crate::sears_time::central_date;
use crate::status::OrderStatus;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HoldError {
    #[error("order {order_number} is {status}, not on hold; there is nothing to release")]
    NotOnHold { order_number: String, status: OrderStatus },
    #[error(
        "order {order_number} is {status}; only an order awaiting shipment (or already on hold, to change the \
         date) can be held"
    )]
    CannotHold { order_number: String, status: OrderStatus },
    #[error("the hold date {until} is not after today ({today}, US Central); give a later date, or no date")]
    DateNotInFuture { until: Date, today: Date },
}

/// An order on hold whose hold date has come (today in US Central is on or after it). Orders on hold
/// without a date wait for the seller.
pub fn hold_is_due(order: &Order, now: Timestamp) -> bool {
    order.order_status == OrderStatus::OnHold && order.hold_until_date.is_some_and(|until| until <= central_date(now))
}

/// The orders among `orders` whose hold is due.
pub fn due_holds<'o>(orders: impl IntoIterator<Item = &'o Order>, now: Timestamp) -> Vec<&'o Order> {
    orders.into_iter().filter(|o| hold_is_due(o, now)).collect()
}

/// Moves a held order back to Awaiting Shipment. `by` is `Actor::System` for a due hold and
/// `Actor::Seller` for `wharf orders release`. The caller then runs the pipeline with
/// `Trigger::MovedToAwaitingShipment`; it will not hold the order again.
pub fn release_hold(order: &mut Order, by: Actor, now: Timestamp) -> Result<Vec<HistoryEntry>, HoldError> {
    if order.order_status != OrderStatus::OnHold {
        return Err(HoldError::NotOnHold { order_number: order.order_number.clone(), status: order.order_status });
    }
    let mut changes = vec![HistoryEntry {
        at: now,
        actor: by.clone(),
        field: Slot::Status.key().into(),
        old: json!(OrderStatus::OnHold),
        new: json!(OrderStatus::AwaitingShipment),
        note: order.hold_until_date.map(|d| format!("held until {d}")),
    }];
    if let Some(until) = order.hold_until_date.take() {
        changes.push(HistoryEntry {
            at: now,
            actor: by.clone(),
            field: Slot::HoldUntil.key().into(),
            old: json!(until),
            new: serde_json::Value::Null,
            note: None,
        });
    }
    order.order_status = OrderStatus::AwaitingShipment;
    if by == Actor::Seller {
        order.sources.insert(Slot::Status.key().into(), ValueSource::Seller);
    } else {
        order.sources.remove(Slot::Status.key());
    }
    // Held once: automation does not hold this order again (a seller-held order never gets a rule's hold).
    order.sources.entry(Slot::HoldUntil.key().into()).or_insert(ValueSource::Seller);
    order.modify_date = now;
    Ok(changes)
}

/// The seller holds an order (`wharf orders hold`), until a date or (with `None`) until released by hand.
/// The values become the seller's: automation never changes them.
pub fn hold_by_seller(order: &mut Order, until: Option<Date>, now: Timestamp) -> Result<Vec<HistoryEntry>, HoldError> {
    if !matches!(order.order_status, OrderStatus::AwaitingShipment | OrderStatus::OnHold) {
        return Err(HoldError::CannotHold { order_number: order.order_number.clone(), status: order.order_status });
    }
    let today = central_date(now);
    if let Some(until) = until.filter(|u| *u <= today) {
        return Err(HoldError::DateNotInFuture { until, today });
    }
    let mut changes = Vec::new();
    if order.order_status != OrderStatus::OnHold {
        changes.push(HistoryEntry {
            at: now,
            actor: Actor::Seller,
            field: Slot::Status.key().into(),
            old: json!(order.order_status),
            new: json!(OrderStatus::OnHold),
            note: None,
        });
        order.order_status = OrderStatus::OnHold;
    }
    if order.hold_until_date != until {
        changes.push(HistoryEntry {
            at: now,
            actor: Actor::Seller,
            field: Slot::HoldUntil.key().into(),
            old: json!(order.hold_until_date),
            new: json!(until),
            note: None,
        });
        order.hold_until_date = until;
    }
    order.sources.insert(Slot::Status.key().into(), ValueSource::Seller);
    order.sources.insert(Slot::HoldUntil.key().into(), ValueSource::Seller);
    if !changes.is_empty() {
        order.modify_date = now;
    }
    Ok(changes)
}
