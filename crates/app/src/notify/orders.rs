//! Changing an order from the notification workers: its Sears-update state, its notices, and the history
//! that explains each change.

use jiff::Timestamp;
use wharf_domain::history::{Actor, diff_orders};
use wharf_domain::{MarketplaceUpdate, MarketplaceUpdateState, Order, OrderNotice};
use wharf_storage::OrderWrite;

/// Sets the order's Sears-update state (SPEC.md decision 7) and its message.
pub fn set_marketplace_update(
    order: &mut Order,
    state: MarketplaceUpdateState,
    message: Option<String>,
    now: Timestamp,
) {
    if order.marketplace_update.state == state && order.marketplace_update.message == message {
        return;
    }
    order.marketplace_update = MarketplaceUpdate { state, message, updated_at: Some(now) };
}

/// Puts (or, with `None`, removes) the order's notice with this code.
pub fn set_notice(order: &mut Order, code: &str, message: Option<String>, now: Timestamp) {
    let existing = order.notices.iter().position(|n| n.code == code);
    match (existing, message) {
        (Some(i), Some(message)) if order.notices[i].message != message => {
            order.notices[i] = OrderNotice { code: code.to_owned(), message, at: now };
        }
        (Some(_), Some(_)) => {}
        (Some(i), None) => {
            order.notices.remove(i);
        }
        (None, Some(message)) => order.notices.push(OrderNotice { code: code.to_owned(), message, at: now }),
        (None, None) => {}
    }
}

/// The write of `after` over `before` with one history entry per changed field (the first carrying `note`),
/// or `None` when nothing changed.
pub fn order_write(
    before: &Order,
    mut after: Order,
    actor: Actor,
    note: Option<&str>,
    now: Timestamp,
) -> Option<OrderWrite> {
    let changes = diff_orders(before, &after);
    if changes.is_empty() {
        return None;
    }
    after.modify_date = now;
    let mut history: Vec<_> = changes.into_iter().map(|c| c.into_entry(now, actor.clone())).collect();
    if let (Some(first), Some(note)) = (history.first_mut(), note) {
        first.note = Some(note.to_owned());
    }
    Some(OrderWrite { order: after, raw_document: None, history, expected_modify_date: Some(before.modify_date) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::sample;

    #[test]
    fn only_real_changes_are_written_and_explained() {
        let now: Timestamp = "2026-11-27T18:00:00Z".parse().unwrap();
        let before = sample::order("ord_1", "5550001");
        assert!(order_write(&before, before.clone(), Actor::System, Some("x"), now).is_none());

        let mut after = before.clone();
        set_marketplace_update(&mut after, MarketplaceUpdateState::Accepted, Some("Sears accepted it".into()), now);
        set_notice(&mut after, "shipment_email", Some("Shipment e-mail sent".into()), now);
        let write = order_write(&before, after, Actor::System, Some("processing report of document 7"), now).unwrap();
        assert_eq!(write.expected_modify_date, Some(before.modify_date));
        assert_eq!(write.order.modify_date, now);
        let fields: Vec<&str> = write.history.iter().map(|h| h.field.as_str()).collect();
        assert_eq!(fields, ["marketplaceUpdate", "notices"]);
        assert_eq!(write.history[0].note.as_deref(), Some("processing report of document 7"));

        let mut cleared = write.order.clone();
        set_notice(&mut cleared, "shipment_email", None, now);
        assert!(cleared.notices.is_empty());
    }
}
