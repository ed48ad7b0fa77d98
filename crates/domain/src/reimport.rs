//! Re-reading an order Wharf already holds: Sears's facts are refreshed, Wharf's own decisions are kept, and
//! the status only moves as SPEC.md decisions 7 and 8 allow. Re-importing an unchanged order changes nothing.

use jiff::Timestamp;

use crate::history::{FieldChange, diff_orders};
use crate::order::{Order, OrderItem, OrderNotice, ValueSource};
use crate::status::{OrderStatus, status_after_sears_update};

pub const NOTICE_SHIPPED_OUTSIDE_WHARF: &str = "shipped_outside_wharf";

/// The result of merging a fresh copy from the marketplace into the stored order.
#[derive(Debug)]
pub struct Reimport {
    pub order: Order,
    /// Empty when the fresh copy changed nothing: the caller writes nothing, not even the modify date.
    pub changes: Vec<FieldChange>,
}

/// Merges `fresh` (the order just mapped from Sears) into `stored`.
///
/// Sears owns: customer contact, addresses (unless the seller edited the ship-to), dates, amounts, items'
/// marketplace fields, customer notes, gift, requested service and the `sears` facts. Wharf owns everything
/// it decided: status (moved only per decision 7), shipping selection, weights and catalog values, tags,
/// notes, holds, notices and the marketplace-update state. `sears_status` is Sears's status mapped through
/// the store's mapping.
pub fn merge_reimport(stored: &Order, fresh: &Order, sears_status: Option<OrderStatus>, now: Timestamp) -> Reimport {
    let mut merged = stored.clone();

    merged.order_number = fresh.order_number.clone();
    merged.order_key = fresh.order_key.clone();
    merged.order_date = fresh.order_date;
    merged.payment_date = fresh.payment_date;
    merged.ship_by_date = fresh.ship_by_date;
    merged.customer_username = fresh.customer_username.clone();
    merged.customer_email = fresh.customer_email.clone();
    merged.customer_phone = fresh.customer_phone.clone();
    merged.bill_to = fresh.bill_to.clone();
    if !matches!(stored.sources.get("shipTo"), Some(ValueSource::Seller)) {
        merged.ship_to = fresh.ship_to.clone();
    }
    merged.delivery_method = fresh.delivery_method;
    merged.items = merge_items(&stored.items, &fresh.items);
    merged.order_total = fresh.order_total;
    merged.amount_paid = fresh.amount_paid;
    merged.tax_amount = fresh.tax_amount;
    merged.shipping_amount = fresh.shipping_amount;
    merged.discounts = fresh.discounts.clone();
    merged.fees = fresh.fees.clone();
    merged.customer_notes = fresh.customer_notes.clone();
    merged.gift = fresh.gift;
    merged.gift_message = fresh.gift_message.clone();
    merged.payment_method = fresh.payment_method.clone();
    merged.requested_shipping_service = fresh.requested_shipping_service.clone();
    merged.sears = match (&stored.sears, &fresh.sears) {
        (Some(old), Some(new)) => {
            // Customer requests come from their own Sears feeds, not from the purchase order: keep them.
            let mut sears = new.clone();
            sears.cancellation_requests = old.cancellation_requests.clone();
            sears.return_requests = old.return_requests.clone();
            Some(sears)
        }
        (_, new) => new.clone(),
    };

    merged.order_status = status_after_sears_update(stored.order_status, sears_status);
    if merged.order_status == OrderStatus::AwaitingPayment {
        note_shipped_outside_wharf(&mut merged, now);
    }

    let changes = diff_orders(stored, &merged);
    if !changes.is_empty() {
        merged.modify_date = now;
    }
    Reimport { order: merged, changes }
}

/// Decision 8: an order Sears reports as `Ready to Invoice` (awaiting payment) was updated by hand in the
/// Seller Portal. The order says so, once.
pub fn note_shipped_outside_wharf(order: &mut Order, now: Timestamp) {
    if order.notice(NOTICE_SHIPPED_OUTSIDE_WHARF).is_some() {
        return;
    }
    order.notices.push(OrderNotice {
        code: NOTICE_SHIPPED_OUTSIDE_WHARF.to_owned(),
        message: "Shipped outside Wharf (updated by hand in the Sears Seller Portal); Sears will mark it shipped \
                  once invoiced. Wharf sends no shipment update for this order."
            .to_owned(),
        at: now,
    });
}

/// Items are matched by their marketplace line key. A known line takes the marketplace's fields and keeps
/// what Wharf filled in (catalog values, product link, their sources).
fn merge_items(stored: &[OrderItem], fresh: &[OrderItem]) -> Vec<OrderItem> {
    fresh
        .iter()
        .map(|new| match stored.iter().find(|old| old.line_item_key == new.line_item_key) {
            Some(old) => OrderItem {
                image_url: old.image_url.clone().or_else(|| new.image_url.clone()),
                weight: old.weight.or(new.weight),
                options: if old.options.is_empty() { new.options.clone() } else { old.options.clone() },
                warehouse_location: old.warehouse_location.clone().or_else(|| new.warehouse_location.clone()),
                product_id: old.product_id.clone().or_else(|| new.product_id.clone()),
                fulfillment_sku: old.fulfillment_sku.clone().or_else(|| new.fulfillment_sku.clone()),
                upc: old.upc.clone().or_else(|| new.upc.clone()),
                sources: old.sources.clone(),
                ..new.clone()
            },
            None => new.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Weight;
    use crate::order::ValueSource;
    use crate::sample;
    use pretty_assertions::assert_eq;
    use rust_decimal_macros::dec;

    fn later() -> Timestamp {
        "2026-11-27T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn importing_the_same_order_again_changes_nothing() {
        let stored = sample::order("ord_1", "5550001");
        let fresh = sample::order("ord_other", "5550001");
        let result = merge_reimport(&stored, &fresh, Some(OrderStatus::AwaitingShipment), later());
        assert!(result.changes.is_empty(), "{:?}", result.changes);
        assert_eq!(result.order, stored, "not even the modify date moves");
    }

    #[test]
    fn sears_facts_refresh_and_wharf_decisions_stay() {
        let mut stored = sample::order("ord_1", "5550001");
        stored.tags.push("VIP".into());
        stored.service_code = Some("ups_ground".into());
        stored.items[0].weight = Some(Weight::ounces(dec!(10)));
        stored.items[0].sources.insert("weight".into(), ValueSource::Catalog);
        let mut fresh = sample::order("ord_x", "5550001");
        fresh.sears.as_mut().unwrap().status = "Open".into();
        fresh.customer_phone = Some("512-555-0199".into());

        let result = merge_reimport(&stored, &fresh, Some(OrderStatus::AwaitingShipment), later());

        assert_eq!(result.order.tags, vec!["VIP".to_string()]);
        assert_eq!(result.order.service_code.as_deref(), Some("ups_ground"));
        assert_eq!(result.order.items[0].weight, Some(Weight::ounces(dec!(10))));
        assert_eq!(result.order.customer_phone.as_deref(), Some("512-555-0199"));
        assert_eq!(result.order.modify_date, later());
        let fields: Vec<&str> = result.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["customerPhone", "sears.status"]);
        assert_eq!(result.changes[1].old, serde_json::json!("New"));
        assert_eq!(result.changes[1].new, serde_json::json!("Open"));
    }

    #[test]
    fn an_order_shipped_in_wharf_stays_shipped_when_sears_still_says_open() {
        let mut stored = sample::order("ord_1", "5550001");
        stored.order_status = OrderStatus::Shipped;
        let fresh = sample::order("ord_x", "5550001");
        let result = merge_reimport(&stored, &fresh, Some(OrderStatus::AwaitingShipment), later());
        assert_eq!(result.order.order_status, OrderStatus::Shipped);
        assert!(result.changes.is_empty());
    }

    #[test]
    fn ready_to_invoice_explains_itself_once() {
        let stored = sample::order("ord_1", "5550001");
        let mut fresh = sample::order("ord_x", "5550001");
        fresh.sears.as_mut().unwrap().status = "Ready to Invoice".into();
        let first = merge_reimport(&stored, &fresh, Some(OrderStatus::AwaitingPayment), later());
        assert_eq!(first.order.order_status, OrderStatus::AwaitingPayment);
        let notice = first.order.notice(NOTICE_SHIPPED_OUTSIDE_WHARF).expect("explained on the order");
        assert!(notice.message.contains("Sears will mark it shipped once invoiced"));

        let again = merge_reimport(&first.order, &fresh, Some(OrderStatus::AwaitingPayment), later());
        assert!(again.changes.is_empty());

        let mut closed = fresh.clone();
        closed.sears.as_mut().unwrap().status = "Closed".into();
        let shipped = merge_reimport(&first.order, &closed, Some(OrderStatus::Shipped), later());
        assert_eq!(shipped.order.order_status, OrderStatus::Shipped);
        assert_eq!(shipped.order.notices.len(), 1);
    }

    #[test]
    fn a_ship_to_edited_by_the_seller_is_kept() {
        let mut stored = sample::order("ord_1", "5550001");
        stored.ship_to.street1 = "200 Corrected Rd".into();
        stored.sources.insert("shipTo".into(), ValueSource::Seller);
        let fresh = sample::order("ord_x", "5550001");
        let result = merge_reimport(&stored, &fresh, Some(OrderStatus::AwaitingShipment), later());
        assert_eq!(result.order.ship_to.street1, "200 Corrected Rd");
        assert!(result.changes.is_empty());
    }
}
