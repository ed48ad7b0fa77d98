//! What can go wrong while shipping, in terms the seller (or a batch) can act on.

use jiff::Timestamp;
use wharf_carriers::CarrierError;
use wharf_domain::{OrderId, ShipmentId};
use wharf_storage::StorageError;

use crate::AppError;
use crate::secrets::SecretError;

#[derive(Debug, thiserror::Error)]
pub enum ShippingError {
    /// Something the seller must fix first (weight, address, service, warehouse, carrier account...); nothing
    /// was bought.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The carrier refused or failed; nothing was bought. [`CarrierError::is_retryable`] says whether the same
    /// request may simply be sent again later.
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    /// Another process is buying this order's labels right now.
    #[error(
        "a label purchase for order {order_number} is already under way (shipment {shipment_id}, started at \
         {started}); wait for it to finish and try again"
    )]
    InProgress { order_number: String, shipment_id: ShipmentId, started: Timestamp },
    /// A purchase may have been made at the carrier but could not be confirmed: Wharf never buys again until
    /// a look-up settles it. Retrying looks it up again.
    #[error(
        "the label purchase for order {order_number} ({order_id}) could not be confirmed: {detail}. The carrier \
         may have made the shipment (reference {reference}), so Wharf will not buy it again until it has looked \
         it up; try again in a few minutes"
    )]
    Unconfirmed { order_number: String, order_id: OrderId, reference: String, detail: String },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl ShippingError {
    /// Worth trying again later as is: the carrier or the database was busy, another purchase was under way,
    /// or a purchase waits for its look-up.
    pub fn is_retryable(&self) -> bool {
        match self {
            ShippingError::Carrier(e) => e.is_retryable(),
            ShippingError::InProgress { .. } | ShippingError::Unconfirmed { .. } => true,
            ShippingError::Storage(e) => e.is_retryable(),
            ShippingError::Invalid(_)
            | ShippingError::NotFound(_)
            | ShippingError::Secret(_)
            | ShippingError::App(_) => false,
        }
    }
}
