//! Which Sears orders Wharf imports the first time it sees them (SPEC.md decision 3).

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::order::Order;

/// The import rule: a new order is imported only if it has a shipping address and was placed within the
/// import window. The window applies to first import only: known orders are re-read until closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportPolicy {
    pub window: SignedDuration,
}

impl ImportPolicy {
    pub const DEFAULT_WINDOW_DAYS: u32 = 3;

    pub fn with_window_days(days: u32) -> Self {
        ImportPolicy { window: SignedDuration::from_hours(i64::from(days) * 24) }
    }

    /// Accepts a new order, or says why it is skipped.
    pub fn check_new(&self, order: &Order, now: Timestamp) -> Result<(), SkipReason> {
        if !order.ship_to.is_shippable() {
            return Err(SkipReason::NoShippingAddress);
        }
        let earliest = now - self.window;
        if order.order_date < earliest {
            return Err(SkipReason::OutsideImportWindow {
                order_date: order.order_date,
                window_hours: self.window.as_hours(),
            });
        }
        Ok(())
    }
}

impl Default for ImportPolicy {
    fn default() -> Self {
        ImportPolicy::with_window_days(Self::DEFAULT_WINDOW_DAYS)
    }
}

/// Why an order Sears returned was not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SkipReason {
    /// No `shipping-detail` with a street line, city, state and ZIP (and no pickup or store address).
    NoShippingAddress,
    OutsideImportWindow {
        #[serde(rename = "orderDate")]
        order_date: Timestamp,
        #[serde(rename = "windowHours")]
        window_hours: i64,
    },
    /// Sears sent something Wharf could not read as an order.
    Unreadable { detail: String },
}

impl SkipReason {
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::NoShippingAddress => "no_shipping_address",
            SkipReason::OutsideImportWindow { .. } => "outside_import_window",
            SkipReason::Unreadable { .. } => "unreadable",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NoShippingAddress => f.write_str(
                "no shipping address (Sears sent no street, city, state and ZIP); fix the address in the Sears \
                 Seller Portal and it imports on the next run",
            ),
            SkipReason::OutsideImportWindow { order_date, window_hours } => write!(
                f,
                "placed {order_date}, more than {window_hours} hours ago; only orders within the import window \
                 are imported (widen it with `wharf store set --import-window-days`)"
            ),
            SkipReason::Unreadable { detail } => write!(f, "Sears sent an order Wharf could not read: {detail}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    #[test]
    fn new_orders_need_an_address_and_a_recent_date() {
        let policy = ImportPolicy::default();
        let order = sample::order("ord_1", "5550001"); // placed 2026-11-26T16:15Z
        let now: Timestamp = "2026-11-29T16:14:00Z".parse().unwrap();
        assert_eq!(policy.check_new(&order, now), Ok(()));

        let too_late: Timestamp = "2026-11-29T16:16:00Z".parse().unwrap();
        let reason = policy.check_new(&order, too_late).unwrap_err();
        assert_eq!(reason.code(), "outside_import_window");
        assert!(reason.to_string().contains("more than 72 hours ago"), "{reason}");

        let mut no_address = order.clone();
        no_address.ship_to.street1 = " ".into();
        no_address.ship_to.street2 = None;
        assert_eq!(policy.check_new(&no_address, now), Err(SkipReason::NoShippingAddress));
    }

    #[test]
    fn the_window_is_configurable() {
        let order = sample::order("ord_1", "5550001");
        let now: Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        assert!(ImportPolicy::with_window_days(3).check_new(&order, now).is_err());
        assert!(ImportPolicy::with_window_days(7).check_new(&order, now).is_ok());
    }
}
