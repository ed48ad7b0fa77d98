//! Voiding an order's shipment: the label is voided at the carrier (labels bought elsewhere and pickups are
//! only un-recorded), the shipment becomes `Voided`, the order goes back to Awaiting Shipment when it was
//! shipped by it, and messages about it that have not gone out are withdrawn, in one transaction.
//!
//! Sears has no un-ship (SPEC.md decision 9): when Sears already received the shipment update, it keeps the
//! voided tracking number, and the order carries a notice telling the seller to correct it in the Seller
//! Portal.

use serde::Serialize;
use wharf_domain::history::Actor;
use wharf_domain::shipment::{Shipment, ShipmentKind, ShipmentState};
use wharf_domain::{AccountId, OrderId, OrderStatus};
use wharf_storage::StorageError;
use wharf_storage::shipping::{ExpectedShipment, ShipmentWrite};

use super::carrier_accounts::carrier_for;
use super::order_updates::{order_after_void, order_write};
use super::{ShippingError, live_shipment, load_order, order_shipments};
use crate::App;

const CONFLICT_RETRIES: usize = 5;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoidOutcome {
    pub shipment: Shipment,
    pub order_status: OrderStatus,
    /// What the carrier said about the void (labels only).
    pub carrier_status: Option<String>,
    /// Messages withdrawn before they went out (dedupe keys).
    pub withdrawn: Vec<String>,
    /// Sears already has the voided tracking number: what the seller must do (also on the order).
    pub sears_notice: Option<String>,
}

/// Voids the order's live shipment.
pub async fn void_order_shipment(
    app: &App,
    account: &AccountId,
    order_id: &OrderId,
) -> Result<VoidOutcome, ShippingError> {
    let order = load_order(app, account, order_id).await?;
    let shipment = live_shipment(app, account, order_id).await?.ok_or_else(|| {
        ShippingError::Invalid(format!("order {} has no label or shipment to void", order.order_number))
    })?;
    if shipment.state == ShipmentState::Purchasing {
        return Err(ShippingError::Invalid(format!(
            "the label of order {} is still being bought (shipment {}); wait for it to finish, then void it",
            order.order_number, shipment.shipment_id
        )));
    }
    let carrier_status = match shipment.kind {
        ShipmentKind::Label => Some(void_at_carrier(app, &shipment).await?),
        ShipmentKind::Manual | ShipmentKind::Pickup | ShipmentKind::External => None,
    };
    record_void(app, shipment, carrier_status).await
}

/// Voids the label at its carrier account. A void the carrier refuses counts when the label is no longer
/// live there (an earlier void whose answer or record was lost): the look-up by reference ignores voided
/// labels.
async fn void_at_carrier(app: &App, shipment: &Shipment) -> Result<String, ShippingError> {
    let carrier_shipment = shipment.carrier_shipment_id.clone().ok_or_else(|| {
        ShippingError::Invalid(format!("shipment {} has no carrier shipment id to void", shipment.shipment_id))
    })?;
    let id = shipment
        .carrier_account_id
        .as_ref()
        .ok_or_else(|| ShippingError::Invalid(format!("shipment {} names no carrier account", shipment.shipment_id)))?;
    let record = app.store.get_carrier_account(&shipment.account_id, id).await.map_err(|e| match e {
        StorageError::NotFound { .. } => ShippingError::Invalid(format!(
            "the carrier account that bought label {carrier_shipment} was removed from Wharf; void the label in \
             your carrier account, or add the account again (`wharf carrier add`) and retry"
        )),
        other => other.into(),
    })?;
    let carrier = carrier_for(app, &record).await?;
    match carrier.void(&carrier_shipment).await {
        Ok(outcome) if outcome.voided => Ok(outcome.status),
        Ok(outcome) => Err(ShippingError::Invalid(format!(
            "the carrier did not void label {carrier_shipment}: {}",
            outcome.status
        ))),
        Err(error) => {
            let still_live = match carrier.find_shipment_by_reference(&shipment.reference).await {
                Ok(Some(found)) => {
                    found.shipment_id == carrier_shipment || found.also_found.contains(&carrier_shipment)
                }
                Ok(None) => false,
                Err(_) => true,
            };
            if still_live { Err(ShippingError::Carrier(error)) } else { Ok("already voided".into()) }
        }
    }
}

async fn record_void(
    app: &App,
    shipment: Shipment,
    carrier_status: Option<String>,
) -> Result<VoidOutcome, ShippingError> {
    let account = shipment.account_id.clone();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let now = app.now();
        let order = load_order(app, &account, &shipment.order_id).await?;
        let shipments = order_shipments(app, &account, &order.order_id).await?;
        let messages = app.store.order_messages(&account, &order.order_id).await?;
        let mut voided = shipment.clone();
        voided.state = ShipmentState::Voided;
        voided.voided_at = Some(now);
        voided.modify_date = now;
        let effects = order_after_void(&order, &voided, &shipments, &messages, now);
        let order_status = effects.order.order_status;
        let note = format!("label voided ({})", shipment.shipment_id);
        let write = ShipmentWrite {
            shipment: voided.clone(),
            expected: Some(ExpectedShipment { state: ShipmentState::Active, modify_date: None }),
            order: order_write(&order, effects.order, Actor::Seller, &note, now),
            outbox: vec![],
            withdraw: effects.withdraw.clone(),
        };
        match app.store.write_shipment(&write).await {
            Ok(()) => {
                return Ok(VoidOutcome {
                    shipment: voided,
                    order_status,
                    carrier_status,
                    withdrawn: effects.withdraw,
                    sears_notice: effects.sears_notice,
                });
            }
            // The order or a message changed meanwhile (an import, a delivery): read them again.
            Err(StorageError::Conflict { what: "order" | "outbox message", .. }) if attempt < CONFLICT_RETRIES => {
                continue;
            }
            Err(StorageError::Conflict { what: "shipment", .. }) => {
                return Err(ShippingError::Invalid(format!(
                    "shipment {} changed while it was being voided (voided by another process?); see `wharf \
                     orders show {}`",
                    shipment.shipment_id, shipment.order_id
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
}
