//! Shipments made without buying a label in Wharf: labels bought elsewhere (`wharf orders mark-shipped --carrier
//! C --service S --tracking T`) and pickup orders the buyer collects (carrier OTH, method Pickup, no label;
//! SPEC.md decision 3). They are recorded like bought labels: the order ships, and the Sears update and the
//! customer e-mail are queued by the same rules.

use jiff::civil::Date;
use wharf_domain::sears_time::central_date;
use wharf_domain::shipment::{PackageLine, Shipment, ShipmentKind, ShipmentPackage, ShipmentState};
use wharf_domain::shipping_codes::{SearsShipCode, ShippingCodes};
use wharf_domain::{AccountId, DeliveryMethod, Order, OrderId, OrderStatus, ShipmentId};
use wharf_storage::StorageError;
use wharf_storage::shipping::LIVE_SHIPMENT;

use super::order_updates::record_active;
use super::packages::units_to_ship;
use super::{ShippingError, live_shipment, load_order, order_shipments};
use crate::App;

/// The longest tracking number a Sears shipment update carries (ASN `tracking-number`).
const MAX_TRACKING_CHARS: usize = 45;

/// A label bought elsewhere.
#[derive(Clone, Debug)]
pub struct ManualShipment {
    /// A Wharf carrier code (`ups`, `fedex`, `usps`, `other`...) or any carrier code of Sears's list (`FDE`,
    /// `OTH`, `ODFL`...).
    pub carrier: String,
    /// A Wharf service code (`fedex_ground`) or a Sears method of that carrier (`Ground`, `Next Day`...).
    pub service: String,
    pub tracking: String,
    /// Today (US Central) when `None`.
    pub ship_date: Option<Date>,
}

/// Records a label bought elsewhere as the order's shipment.
pub async fn mark_shipped(
    app: &App,
    account: &AccountId,
    order_id: &OrderId,
    input: &ManualShipment,
) -> Result<Shipment, ShippingError> {
    let order = load_order(app, account, order_id).await?;
    let code = ShippingCodes::sears_code_for(&input.carrier, &input.service)
        .map_err(|e| ShippingError::Invalid(format!("cannot mark order {} shipped: {e}", order.order_number)))?;
    let tracking = input.tracking.trim();
    if tracking.is_empty() || tracking.chars().count() > MAX_TRACKING_CHARS || tracking.contains(char::is_whitespace) {
        return Err(ShippingError::Invalid(format!(
            "tracking number {tracking:?} cannot be sent to Sears: give 1 to {MAX_TRACKING_CHARS} characters without \
             spaces"
        )));
    }
    let carrier_code =
        ShippingCodes::carrier(&input.carrier).map_or_else(|| code.carrier.to_owned(), |c| c.code.to_owned());
    let service_code =
        ShippingCodes::service(&input.service).map_or_else(|| code.method.to_owned(), |s| s.code.to_owned());
    let shipment = manual_shipment(
        app,
        &order,
        ShipmentKind::Manual,
        carrier_code,
        service_code,
        code,
        Some(tracking),
        input.ship_date,
    )
    .await?;
    record(app, &order, shipment, "marked shipped by hand").await
}

/// Completes a pickup order: the buyer collected it (carrier OTH, method Pickup, no label).
pub async fn mark_picked_up(
    app: &App,
    account: &AccountId,
    order_id: &OrderId,
    date: Option<Date>,
) -> Result<Shipment, ShippingError> {
    let order = load_order(app, account, order_id).await?;
    if order.delivery_method != DeliveryMethod::Pickup {
        return Err(ShippingError::Invalid(format!(
            "order {} is not a pickup order (the buyer did not choose to collect it); mark it shipped with \
             --carrier, --service and --tracking instead",
            order.order_number
        )));
    }
    let code = ShippingCodes::sears_code_for("other", "other_pickup")
        .expect("the code table maps customer pickup to Sears OTH / Pickup");
    let shipment =
        manual_shipment(app, &order, ShipmentKind::Pickup, "other".into(), "other_pickup".into(), code, None, date)
            .await?;
    record(app, &order, shipment, "collected by the buyer").await
}

fn check_open(order: &Order) -> Result<(), ShippingError> {
    let refuse = |why: &str| Err(ShippingError::Invalid(format!("order {}: {why}", order.order_number)));
    match order.order_status {
        OrderStatus::Cancelled => refuse("it is cancelled"),
        OrderStatus::Shipped => refuse("it is already shipped"),
        OrderStatus::AwaitingPayment => refuse(
            "Sears reports it Ready to Invoice: it was shipped by hand in the Sears Seller Portal, and Wharf sends \
             nothing for it",
        ),
        OrderStatus::AwaitingShipment | OrderStatus::OnHold | OrderStatus::Unmapped => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn manual_shipment(
    app: &App,
    order: &Order,
    kind: ShipmentKind,
    carrier_code: String,
    service_code: String,
    code: SearsShipCode,
    tracking: Option<&str>,
    ship_date: Option<Date>,
) -> Result<Shipment, ShippingError> {
    if let Some(live) = live_shipment(app, &order.account_id, &order.order_id).await? {
        return Err(already_shipped(order, &live));
    }
    check_open(order)?;
    let lines: Vec<PackageLine> = order
        .items
        .iter()
        .map(|i| (i, units_to_ship(i)))
        .filter(|(_, units)| *units > 0)
        .map(|(i, units)| PackageLine { line_item_key: i.line_item_key.clone(), sku: i.sku.clone(), quantity: units })
        .collect();
    let attempt = u32::try_from(order_shipments(app, &order.account_id, &order.order_id).await?.len()).unwrap_or(0) + 1;
    let now = app.now();
    Ok(Shipment {
        shipment_id: ShipmentId::from_uuid(app.new_uuid()),
        account_id: order.account_id.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind,
        state: ShipmentState::Active,
        carrier_code,
        service_code,
        package_code: None,
        sears_carrier: Some(code.carrier.to_owned()),
        sears_method: Some(code.method.to_owned()),
        carrier_account_id: None,
        warehouse_id: order.advanced_options.warehouse_id.clone(),
        batch_id: None,
        reference: wharf_domain::shipment::purchase_reference(&order.order_key, attempt),
        carrier_shipment_id: None,
        ship_date: ship_date.unwrap_or_else(|| central_date(now)),
        confirmation: order.confirmation,
        packages: vec![ShipmentPackage {
            sequence: 1,
            tracking_number: tracking.map(str::to_owned),
            weight: order.weight,
            dimensions: order.dimensions,
            lines,
            label: None,
        }],
        carrier_fee: None,
        insurance_cost: None,
        notes_to_buyer: order.notes_to_buyer.clone(),
        test_label: false,
        error: None,
        create_date: now,
        modify_date: now,
        voided_at: None,
        tracking: Default::default(),
    })
}

fn already_shipped(order: &Order, live: &Shipment) -> ShippingError {
    let tracking: Vec<&str> = live.tracking_numbers().collect();
    ShippingError::Invalid(format!(
        "order {} already has shipment {} ({} {}{}); void it first (`wharf orders void {}`)",
        order.order_number,
        live.shipment_id,
        live.carrier_code,
        live.service_code,
        if tracking.is_empty() { String::new() } else { format!(", tracking {}", tracking.join(", ")) },
        order.order_number
    ))
}

async fn record(app: &App, order: &Order, shipment: Shipment, note: &str) -> Result<Shipment, ShippingError> {
    let note = format!("{note} ({})", shipment.shipment_id);
    match record_active(app, shipment, None, false, &note, &[]).await {
        Err(ShippingError::Storage(StorageError::Duplicate { what: LIVE_SHIPMENT, .. })) => {
            match live_shipment(app, &order.account_id, &order.order_id).await? {
                Some(live) => Err(already_shipped(order, &live)),
                None => {
                    Err(ShippingError::Invalid(format!("order {} changed meanwhile; try again", order.order_number)))
                }
            }
        }
        other => other,
    }
}
