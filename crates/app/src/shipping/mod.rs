//! Shipping: carrier accounts, warehouses, rates, buying and voiding labels, shipments recorded by hand,
//! notes, test labels, and the outbox messages a shipment causes.
//!
//! Buying is idempotent per order (and so per (order, package sequence): all packages of an order are
//! bought together, in one carrier shipment). See [`labels`] for how a purchase survives crashes and
//! timeouts without ever buying twice.

pub mod carrier_accounts;
mod error;
pub mod labels;
pub mod manual;
pub mod notes;
pub mod order_updates;
pub mod outbox_messages;
pub mod packages;
pub mod rates;
pub mod test_labels;
pub mod void;
pub mod warehouses;

use std::time::Duration;

use wharf_carriers::Timeouts;
use wharf_domain::shipment::Shipment;
use wharf_domain::{AccountId, Order, OrderId};

pub use carrier_accounts::{CarrierRegistry, NewCarrierAccount};
pub use error::ShippingError;
pub use labels::{LabelPurchase, buy_labels};
pub use manual::{ManualShipment, mark_picked_up, mark_shipped};
pub use notes::{NoteChange, set_notes};
pub use rates::{OrderRates, RateOptions, RateQuote, rates_for_order};
pub use test_labels::{TestLabel, TestLabelFormat, render_test_label};
pub use void::{VoidOutcome, void_order_shipment};
pub use warehouses::{NewWarehouse, add_warehouse, default_warehouse, find_warehouse, set_default_warehouse};
pub use wharf_carriers::LabelFormat;
pub use wharf_documents::Dpi;

use crate::App;

/// How Wharf talks to carriers.
#[derive(Debug, Clone, Copy)]
pub struct ShippingSettings {
    /// Connect and whole-request timeouts of every carrier call.
    pub carrier_timeouts: Timeouts,
    /// After a purchase whose answer was lost, how long to wait before looking the shipment up a second time
    /// when the first look-up found nothing (a new label can take a moment to become visible).
    pub lookup_recheck: Duration,
}

impl Default for ShippingSettings {
    fn default() -> Self {
        ShippingSettings { carrier_timeouts: Timeouts::default(), lookup_recheck: Duration::from_secs(3) }
    }
}

impl ShippingSettings {
    /// Carrier timeouts of `seconds` for the whole request (connect at most 10 s of it).
    pub fn with_timeout_secs(seconds: u64) -> Self {
        let request = Duration::from_secs(seconds.max(1));
        ShippingSettings {
            carrier_timeouts: Timeouts { connect: request.min(Duration::from_secs(10)), request },
            ..ShippingSettings::default()
        }
    }

    /// The longest a label purchase call may take before Wharf stops waiting and looks the shipment up.
    pub fn purchase_deadline(&self) -> Duration {
        self.carrier_timeouts.connect + self.carrier_timeouts.request
    }

    /// How long a recorded purchase belongs to the process that started it: the call's deadline plus time to
    /// record the outcome. After that another process may take the purchase over (after a crash).
    pub fn purchase_lease(&self) -> Duration {
        self.purchase_deadline() + Duration::from_secs(15)
    }
}

impl App {
    /// The same app with other carrier settings (a new carrier registry; carriers already built are dropped).
    pub fn with_shipping_settings(mut self, settings: ShippingSettings) -> Self {
        self.carriers = CarrierRegistry::new(settings);
        self
    }

    pub fn shipping_settings(&self) -> ShippingSettings {
        self.carriers.settings()
    }
}

/// Finds an order by id, order number or order key (the same look-up as `wharf orders show`).
pub async fn find_order(app: &App, account: &AccountId, id: &str) -> Result<Order, ShippingError> {
    if let Ok(order_id) = id.parse::<OrderId>() {
        return load_order(app, account, &order_id).await;
    }
    let mut found = app.store.find_order(account, id).await?;
    match found.len() {
        0 => Err(ShippingError::NotFound(format!(
            "no order '{id}'; give an order id (ord_…), a Sears PO number or an order key (see `wharf orders list`)"
        ))),
        1 => Ok(found.remove(0)),
        n => {
            let ids: Vec<String> = found.iter().map(|o| o.order_id.to_string()).collect();
            Err(ShippingError::Invalid(format!(
                "'{id}' matches {n} orders (Sears reuses PO numbers on different dates); use the id: {}",
                ids.join(", ")
            )))
        }
    }
}

pub(crate) async fn load_order(app: &App, account: &AccountId, order: &OrderId) -> Result<Order, ShippingError> {
    app.store.get_order(account, order).await.map_err(|e| match e {
        wharf_storage::StorageError::NotFound { .. } => {
            ShippingError::NotFound(format!("no order {order} in this account (see `wharf orders list`)"))
        }
        other => other.into(),
    })
}

/// Every shipment of the order, oldest first (label files not included).
pub async fn order_shipments(app: &App, account: &AccountId, order: &OrderId) -> Result<Vec<Shipment>, ShippingError> {
    Ok(app.store.shipments_for_orders(account, std::slice::from_ref(order)).await?)
}

/// The order's live (being bought, or bought and not voided) shipment, if any.
pub async fn live_shipment(app: &App, account: &AccountId, order: &OrderId) -> Result<Option<Shipment>, ShippingError> {
    Ok(order_shipments(app, account, order).await?.into_iter().find(is_live))
}

pub(crate) fn is_live(shipment: &Shipment) -> bool {
    use wharf_domain::shipment::{ShipmentKind, ShipmentState};
    matches!(shipment.state, ShipmentState::Purchasing | ShipmentState::Active)
        && shipment.kind != ShipmentKind::External
        && !shipment.test_label
}
