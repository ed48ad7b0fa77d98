//! Notes on an order: to the buyer (copied to the shipment when it is made, and sent in the shipment e-mail;
//! SPEC.md decision 10) and internal. A seller's note is marked as the seller's in the order's sources.

use wharf_domain::history::Actor;
use wharf_domain::{AccountId, Order, OrderId, ValueSource};
use wharf_storage::StorageError;

use super::order_updates::order_write;
use super::{ShippingError, load_order};
use crate::App;

const CONFLICT_RETRIES: usize = 5;

/// Notes to set; `Some("")` clears a note, `None` leaves it.
#[derive(Clone, Debug, Default)]
pub struct NoteChange {
    pub to_buyer: Option<String>,
    pub internal: Option<String>,
}

fn cleaned(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub async fn set_notes(
    app: &App,
    account: &AccountId,
    order_id: &OrderId,
    change: &NoteChange,
) -> Result<Order, ShippingError> {
    if change.to_buyer.is_none() && change.internal.is_none() {
        return Err(ShippingError::Invalid("give --to-buyer TEXT and/or --internal TEXT".into()));
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let order = load_order(app, account, order_id).await?;
        let mut updated = order.clone();
        if let Some(text) = &change.to_buyer {
            updated.notes_to_buyer = cleaned(text);
            updated.sources.insert("notesToBuyer".into(), ValueSource::Seller);
        }
        if let Some(text) = &change.internal {
            updated.internal_notes = cleaned(text);
            updated.sources.insert("internalNotes".into(), ValueSource::Seller);
        }
        let now = app.now();
        let Some(write) = order_write(&order, updated, Actor::Seller, "notes edited", now) else {
            return Ok(order);
        };
        match app.store.update_order(&write).await {
            Ok(()) => return Ok(write.order),
            Err(StorageError::Conflict { .. }) if attempt < CONFLICT_RETRIES => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
