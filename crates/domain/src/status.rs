//! Order statuses, the per-store mapping from Sears's open set of status strings, and the rule that
//! decides which side wins when Sears reports a status (SPEC.md decisions 6, 7 and 8).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// Wharf's order status. `Unmapped` is a visible state for a Sears status no mapping knows: it never blocks
/// the import, and the seller can map it (`wharf store map-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    AwaitingShipment,
    OnHold,
    Shipped,
    Cancelled,
    Unmapped,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::AwaitingShipment,
        OrderStatus::OnHold,
        OrderStatus::Shipped,
        OrderStatus::Cancelled,
        OrderStatus::Unmapped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::AwaitingShipment => "awaiting_shipment",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Unmapped => "unmapped",
        }
    }

    /// Shipped and cancelled orders are finished: nothing moves them again except a seller's own action.
    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Shipped | OrderStatus::Cancelled)
    }

    /// How far along the order is; Sears statuses only ever move an order to a later stage.
    fn stage(self) -> u8 {
        match self {
            OrderStatus::AwaitingPayment => 0,
            OrderStatus::AwaitingShipment | OrderStatus::OnHold | OrderStatus::Unmapped => 1,
            OrderStatus::Shipped | OrderStatus::Cancelled => 2,
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let wanted = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == wanted).ok_or_else(|| {
            ParseError::new(
                "order status",
                text,
                "use one of awaiting_payment, awaiting_shipment, on_hold, shipped, cancelled, unmapped",
            )
        })
    }
}

/// One row of a store's status mapping: a Sears status string and the Wharf status it means.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusMappingEntry {
    /// ShipStation's name for the channel's status string.
    pub status_key: String,
    pub order_status: OrderStatus,
}

/// A store's mapping from Sears status strings to Wharf statuses; matching ignores case and surrounding blanks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusMapping(Vec<StatusMappingEntry>);

impl Default for StatusMapping {
    /// SPEC.md decision 6.
    fn default() -> Self {
        use OrderStatus::*;
        let rows: [(&str, OrderStatus); 14] = [
            ("Ready to Invoice", AwaitingPayment),
            ("New", AwaitingShipment),
            ("Open", AwaitingShipment),
            ("Processing", AwaitingShipment),
            ("Partially Shipped", AwaitingShipment),
            ("Partially Cancelled", AwaitingShipment),
            ("Overdue", AwaitingShipment),
            ("Shipped", Shipped),
            ("Closed", Shipped),
            ("Invoiced", Shipped),
            ("Cancelled", Cancelled),
            ("Canceled", Cancelled),
            ("All Cancelled", Cancelled),
            ("Returned", Cancelled),
        ];
        StatusMapping(
            rows.into_iter()
                .map(|(key, status)| StatusMappingEntry { status_key: key.to_owned(), order_status: status })
                .collect(),
        )
    }
}

impl StatusMapping {
    pub fn entries(&self) -> &[StatusMappingEntry] {
        &self.0
    }

    /// The Wharf status for a Sears status, or `None` when no row matches (the order shows as unmapped).
    pub fn map(&self, sears_status: &str) -> Option<OrderStatus> {
        let wanted = normalize_key(sears_status);
        self.0.iter().find(|e| normalize_key(&e.status_key) == wanted).map(|e| e.order_status)
    }

    /// Maps `sears_status` to `status`, replacing any row for the same string. Mapping to `Unmapped` or
    /// `OnHold` is refused: the first is what "no row" means, and holds are Wharf's own decision.
    pub fn set(&mut self, sears_status: &str, status: OrderStatus) -> Result<(), ParseError> {
        if sears_status.trim().is_empty() {
            return Err(ParseError::new(
                "Sears status",
                sears_status,
                "give the status text exactly as Sears sends it",
            ));
        }
        if matches!(status, OrderStatus::Unmapped | OrderStatus::OnHold) {
            return Err(ParseError::new(
                "order status",
                status,
                "a Sears status can map to awaiting_payment, awaiting_shipment, shipped or cancelled",
            ));
        }
        let wanted = normalize_key(sears_status);
        self.0.retain(|e| normalize_key(&e.status_key) != wanted);
        self.0.push(StatusMappingEntry { status_key: sears_status.trim().to_owned(), order_status: status });
        Ok(())
    }

    /// Removes the row for `sears_status`; returns whether there was one.
    pub fn remove(&mut self, sears_status: &str) -> bool {
        let wanted = normalize_key(sears_status);
        let before = self.0.len();
        self.0.retain(|e| normalize_key(&e.status_key) != wanted);
        before != self.0.len()
    }
}

fn normalize_key(key: &str) -> String {
    key.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// What Sears's status means for an order Wharf already holds (SPEC.md decisions 7 and 8).
///
/// * Wharf's own facts win: an order Wharf shipped stays shipped, whatever Sears says.
/// * Sears only moves an order forward (awaiting payment -> awaiting shipment -> shipped/cancelled), except:
///   * `Ready to Invoice` on an order Wharf has not shipped moves it to awaiting payment: it was shipped by hand
///     in the Seller Portal (decision 8);
///   * a Sears cancellation cancels an order Wharf has not shipped.
/// * A hold is Wharf's own: Sears's "still open" leaves it on hold.
/// * An unmapped Sears status changes nothing on a known order.
pub fn status_after_sears_update(current: OrderStatus, sears: Option<OrderStatus>) -> OrderStatus {
    let Some(incoming) = sears else {
        return current;
    };
    if current.is_final() {
        return current;
    }
    match incoming {
        OrderStatus::Cancelled | OrderStatus::Shipped => incoming,
        OrderStatus::AwaitingPayment => OrderStatus::AwaitingPayment,
        OrderStatus::AwaitingShipment if current == OrderStatus::OnHold => OrderStatus::OnHold,
        _ if incoming.stage() > current.stage() || current == OrderStatus::Unmapped => incoming,
        _ => current,
    }
}

/// The status of an order seen for the first time.
pub fn status_on_first_import(sears: Option<OrderStatus>) -> OrderStatus {
    sears.unwrap_or(OrderStatus::Unmapped)
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_mapping_follows_decision_6() {
        let m = StatusMapping::default();
        assert_eq!(m.map("Ready to Invoice"), Some(AwaitingPayment));
        assert_eq!(m.map("  new "), Some(AwaitingShipment));
        assert_eq!(m.map("NEW"), Some(AwaitingShipment));
        assert_eq!(m.map("partially   shipped"), Some(AwaitingShipment));
        assert_eq!(m.map("Closed"), Some(Shipped));
        assert_eq!(m.map("Invoiced"), Some(Shipped));
        assert_eq!(m.map("Canceled"), Some(Cancelled));
        assert_eq!(m.map("Returned"), Some(Cancelled));
        assert_eq!(m.map("Awaiting Pickup"), None);
    }

    #[test]
    fn mapping_is_editable() {
        let mut m = StatusMapping::default();
        m.set("Awaiting Pickup", AwaitingShipment).unwrap();
        assert_eq!(m.map("awaiting pickup"), Some(AwaitingShipment));
        m.set("overdue", Cancelled).unwrap();
        assert_eq!(m.map("Overdue"), Some(Cancelled));
        assert_eq!(m.entries().iter().filter(|e| e.status_key.eq_ignore_ascii_case("overdue")).count(), 1);
        assert!(m.set("Paused", OnHold).is_err());
        assert!(m.remove("Awaiting Pickup"));
        assert_eq!(m.map("Awaiting Pickup"), None);
    }

    #[test]
    fn shipped_in_wharf_stays_shipped_when_sears_still_says_open() {
        assert_eq!(status_after_sears_update(Shipped, Some(AwaitingShipment)), Shipped);
        assert_eq!(status_after_sears_update(Shipped, Some(AwaitingPayment)), Shipped);
        assert_eq!(status_after_sears_update(Shipped, Some(Cancelled)), Shipped);
    }

    #[test]
    fn ready_to_invoice_then_closed() {
        let after_portal = status_after_sears_update(AwaitingShipment, Some(AwaitingPayment));
        assert_eq!(after_portal, AwaitingPayment);
        assert_eq!(status_after_sears_update(after_portal, Some(AwaitingPayment)), AwaitingPayment);
        assert_eq!(status_after_sears_update(after_portal, Some(Shipped)), Shipped);
    }

    #[test]
    fn holds_and_unmapped() {
        assert_eq!(status_after_sears_update(OnHold, Some(AwaitingShipment)), OnHold);
        assert_eq!(status_after_sears_update(OnHold, Some(Cancelled)), Cancelled);
        assert_eq!(status_after_sears_update(AwaitingShipment, None), AwaitingShipment);
        assert_eq!(status_after_sears_update(Unmapped, Some(AwaitingShipment)), AwaitingShipment);
        assert_eq!(status_on_first_import(None), Unmapped);
    }

    fn any_status() -> impl Strategy<Value = OrderStatus> {
        proptest::sample::select(OrderStatus::ALL.to_vec())
    }

    proptest! {
        /// Decision 7: no Sears status ever moves an order backwards, except the two documented exceptions.
        #[test]
        fn sears_never_moves_an_order_backwards(current in any_status(), incoming in proptest::option::of(any_status())) {
            let next = status_after_sears_update(current, incoming);
            let documented_exception = next == AwaitingPayment || next == Cancelled;
            prop_assert!(next.stage() >= current.stage() || documented_exception, "{current} -> {next}");
            if current.is_final() {
                prop_assert_eq!(next, current);
            }
            // Applying the same report twice changes nothing the second time.
            prop_assert_eq!(status_after_sears_update(next, incoming), next);
        }
    }
}
