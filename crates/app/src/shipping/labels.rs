//! Buying an order's labels, idempotently and safely across crashes and timeouts.
//!
//! All packages of an order are bought together, in one carrier shipment (Sears has no later partial
//! shipment, SPEC.md decision 9), so "idempotent per (order, package sequence)" is "idempotent per order":
//!
//! 1. The purchase is recorded first, as a `Purchasing` shipment with its reference
//!    (`WH{order key}-{attempt}`). The database allows one live shipment per order, so a second purchase
//!    started meanwhile finds the first: it waits for it and returns its result.
//! 2. The carrier is called with that reference, within a deadline shorter than the purchase's lease.
//! 3. The bought shipment is recorded `Active` with its tracking numbers, label files and the fee charged,
//!    together with the order's update and its outbox messages, in one transaction.
//!
//! When the outcome is unknown (the carrier's answer was lost, the deadline passed, or a `Purchasing`
//! shipment outlived its lease because its process died), Wharf looks the shipment up at the carrier by its
//! reference before anything else, and looks again once after a pause when the first look found nothing (a
//! new label can take a moment to show). Found: it is recorded. Not found twice: nothing was bought, and it
//! is bought again under the same reference. A look-up that fails leaves the purchase `Purchasing`, never
//! bought again until a look-up settles it; within one call the carrier is asked to buy at most once.
//!
//! A shipment found by reference has no label image: UPS tracking (what the look-up uses) returns tracking
//! numbers only, and label recovery is not something the connector or the carrier sandbox offers. Wharf then
//! records the shipment with its tracking numbers and no fee, and says on the shipment and the order that
//! the label must be voided and bought again to be printed (or reprinted from the carrier's own site).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use jiff::SignedDuration;
use jiff::civil::Date;
use wharf_carriers::{Carrier, FoundShipment, Label, LabelRequest};
use wharf_domain::shipment::{LabelFile, Shipment, ShipmentKind, ShipmentPackage, ShipmentState, purchase_reference};
use wharf_domain::{AccountId, BatchId, Order, OrderId, ShipmentId, WarehouseId};
use wharf_storage::StorageError;
use wharf_storage::shipping::{CarrierAccount, ExpectedShipment, LIVE_SHIPMENT, SHIPMENT_REFERENCE, ShipmentWrite};

use super::carrier_accounts::{carrier_for, find_carrier_account};
use super::order_updates::{NOTICE_DUPLICATE_PURCHASE, NOTICE_LABEL_IMAGE_UNAVAILABLE, record_active};
use super::packages::{PackagePlan, unpacked_lines};
use super::rates::{
    RateOptions, Shipping, accounts_to_ask, canonical_service, rates_for_order, sears_code, shipping_for,
};
use super::{ShippingError, live_shipment, load_order, order_shipments};
use crate::App;
use crate::failpoint::failpoint;

/// How often a buyer that found another purchase under way looks whether it finished.
const IN_PROGRESS_POLL: Duration = Duration::from_millis(250);
/// References are stored with the carrier, which takes at most this many characters (UPS).
const MAX_REFERENCE_CHARS: usize = 35;

/// What to buy. Everything is optional: the defaults buy the order as automation or the seller set it up.
#[derive(Clone, Debug, Default)]
pub struct LabelPurchase {
    /// A carrier account (id or name); by default the one rate shopping picks, or the oldest account.
    pub carrier_account: Option<String>,
    /// A service code; by default the order's service, else rate shopping's pick.
    pub service: Option<String>,
    pub packages: PackagePlan,
    /// The order's warehouse, else the default, when `None`.
    pub warehouse: Option<WarehouseId>,
    /// Today (US Central) when `None`.
    pub ship_date: Option<Date>,
    pub batch_id: Option<BatchId>,
    /// The seller confirmed that the packages hold only part of a Sears order, and that Sears will cancel the
    /// rest (decision 9). Without it a Sears order's labels must hold every line.
    pub confirm_short_shipment: bool,
}

/// Buys the labels of an order: all its packages in one shipment. Idempotent: when the order already has a
/// live shipment, that shipment is returned (or, while another process buys it, waited for). See the module
/// documentation for what happens after crashes and timeouts.
pub async fn buy_labels(
    app: &App,
    account: &AccountId,
    order_id: &OrderId,
    request: &LabelPurchase,
) -> Result<Shipment, ShippingError> {
    let settings = app.shipping_settings();
    let lease = SignedDuration::try_from(settings.purchase_lease()).unwrap_or(SignedDuration::from_mins(2));
    let waiting_since = Instant::now();
    // References found taken by another order's shipment (an order key shared by two stores): skipped.
    let mut references_taken = 0;
    // Each pass re-reads the order's live shipment; a pass ends in a result or in another pass after a
    // concurrent writer changed it. The bound only guards against a writer that keeps changing it.
    for _ in 0..1000 {
        let order = load_order(app, account, order_id).await?;
        if let Some(live) = live_shipment(app, account, order_id).await? {
            if live.state == ShipmentState::Active {
                return Ok(live);
            }
            // Purchasing: under another buyer's lease, or abandoned by a process that died.
            if app.now() < live.modify_date + lease {
                if waiting_since.elapsed() > settings.purchase_lease() {
                    return Err(ShippingError::InProgress {
                        order_number: order.order_number.clone(),
                        shipment_id: live.shipment_id.clone(),
                        started: live.modify_date,
                    });
                }
                tokio::time::sleep(IN_PROGRESS_POLL).await;
                continue;
            }
            match take_over(app, &live).await? {
                Some(taken) => return settle_then_buy(app, &order, taken, true).await,
                None => continue,
            }
        }

        let planned = plan(app, account, &order, request, references_taken).await?;
        match app.store.write_shipment(&insert(planned.clone())).await {
            Ok(()) => return purchase(app, &order, planned, request.confirm_short_shipment).await,
            // Another purchase started meanwhile: look again (and wait for it).
            Err(StorageError::Duplicate { what: LIVE_SHIPMENT, .. }) => continue,
            // The reference is taken, by a purchase started meanwhile or by another order: look again, and
            // use the next reference when no purchase of this order explains it.
            Err(StorageError::Duplicate { what: SHIPMENT_REFERENCE, .. }) => {
                if live_shipment(app, account, order_id).await?.is_none() {
                    references_taken += 1;
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ShippingError::Invalid(format!("order {order_id} kept changing while its label was being bought; try again")))
}

fn insert(shipment: Shipment) -> ShipmentWrite {
    ShipmentWrite { shipment, expected: None, order: None, outbox: vec![], withdraw: vec![] }
}

/// The purchase reference of the order's next shipment: stable for this attempt (so a look-up finds it after a
/// crash), new for each deliberate purchase (`attempt` counts the order's shipments, voided and failed ones
/// included, and moves past a reference already taken).
fn reference_for(order: &Order, attempt: u32) -> String {
    let reference = purchase_reference(&order.order_key, attempt);
    if reference.chars().count() <= MAX_REFERENCE_CHARS {
        return reference;
    }
    // An order key too long for the carrier (orders not from Sears): the order id's random tail instead.
    let id = order.order_id.as_str();
    purchase_reference(&id[id.len().saturating_sub(24)..], attempt)
}

/// The shipment to record before the carrier is called: service chosen, packages planned, reference taken.
async fn plan(
    app: &App,
    account: &AccountId,
    order: &Order,
    request: &LabelPurchase,
    references_taken: u32,
) -> Result<Shipment, ShippingError> {
    let shipping =
        shipping_for(app, account, order, &request.packages, request.warehouse.as_ref(), request.ship_date).await?;
    if order.sears.is_some() && !request.confirm_short_shipment {
        let missing = unpacked_lines(order, |key| {
            shipping.planned.iter().flat_map(|p| &p.lines).filter(|l| l.line_item_key == key).map(|l| l.quantity).sum()
        });
        if !missing.is_empty() {
            let listed: Vec<String> =
                missing.iter().map(|(item, n)| format!("{n} x {} (line {})", item.sku, item.line_item_key)).collect();
            return Err(ShippingError::Invalid(format!(
                "order {}: the packages leave out {}. Sears takes one shipment per order and cancels whatever it \
                 leaves out (SPEC decision 9): put every line in a package, or confirm a short shipment",
                order.order_number,
                listed.join(", ")
            )));
        }
    }
    let (carrier, service) = choose_service(app, account, order, request, &shipping).await?;
    let sears = sears_code(Some(&service));
    if order.sears.is_some()
        && let Err(reason) = &sears
    {
        return Err(ShippingError::Invalid(format!(
            "order {} is a Sears order and {reason}; choose another service",
            order.order_number
        )));
    }
    let earlier = u32::try_from(order_shipments(app, account, &order.order_id).await?.len()).unwrap_or(u32::MAX / 2);
    let attempt = earlier + references_taken + 1;
    let now = app.now();
    Ok(Shipment {
        shipment_id: ShipmentId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        store_id: order.store_id.clone(),
        order_id: order.order_id.clone(),
        kind: ShipmentKind::Label,
        state: ShipmentState::Purchasing,
        carrier_code: carrier.carrier.clone(),
        service_code: service,
        package_code: Some(shipping.package_code.clone()),
        sears_carrier: sears.as_ref().ok().map(|c| c.carrier.to_owned()),
        sears_method: sears.as_ref().ok().map(|c| c.method.to_owned()),
        carrier_account_id: Some(carrier.carrier_account_id.clone()),
        warehouse_id: Some(shipping.warehouse.warehouse_id.clone()),
        batch_id: request.batch_id.clone(),
        reference: reference_for(order, attempt),
        carrier_shipment_id: None,
        ship_date: shipping.ship_date,
        confirmation: order.confirmation,
        packages: shipping
            .planned
            .iter()
            .enumerate()
            .map(|(i, p)| ShipmentPackage {
                sequence: i as u32 + 1,
                tracking_number: None,
                weight: Some(p.weight),
                dimensions: p.dimensions,
                lines: p.lines.clone(),
                label: None,
            })
            .collect(),
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

/// The carrier account and service: as asked, else the order's service, else rate shopping's pick.
async fn choose_service(
    app: &App,
    account: &AccountId,
    order: &Order,
    request: &LabelPurchase,
    shipping: &Shipping,
) -> Result<(CarrierAccount, String), ShippingError> {
    let wanted = request.service.as_deref().or(order.service_code.as_deref());
    if let Some(service) = wanted {
        let service = canonical_service(service)?;
        let carrier = match &request.carrier_account {
            Some(name) => find_carrier_account(app, account, name).await?,
            None => accounts_to_ask(app, account, None).await?.remove(0),
        };
        return Ok((carrier, service));
    }
    let options = RateOptions {
        carrier_account: request.carrier_account.clone(),
        service: None,
        packages: request.packages.clone(),
        warehouse: Some(shipping.warehouse.warehouse_id.clone()),
        ship_date: Some(shipping.ship_date),
    };
    let rates = rates_for_order(app, account, &order.order_id, &options).await?;
    if let Some(pick) = rates.recommended() {
        let carrier = find_carrier_account(app, account, pick.carrier_account_id.as_str()).await?;
        let service = pick.service.clone().expect("rate shopping picks only services Wharf knows");
        return Ok((carrier, service));
    }
    let why = match (&rates.deliver_by, rates.rates.is_empty()) {
        (_, true) => {
            let errors: Vec<String> =
                rates.errors.iter().map(|e| format!("{}: {}", e.carrier_account_name, e.error)).collect();
            format!("no carrier quoted it ({})", errors.join("; "))
        }
        (Some(by), false) => format!(
            "no service that Sears can take arrives by {by} ({})",
            rates.deliver_by_rule.clone().unwrap_or_default()
        ),
        (None, false) => "the order has no ship-by date to choose a service by".to_owned(),
    };
    Err(ShippingError::Invalid(format!(
        "order {} has no service and rate shopping found none: {why}. Choose one with --service (see `wharf \
         orders rates {}`)",
        order.order_number, order.order_number
    )))
}

/// The label request of a recorded purchase (rebuilt the same way when a purchase is resumed).
async fn label_request(app: &App, order: &Order, shipment: &Shipment) -> Result<LabelRequest, ShippingError> {
    let plan = PackagePlan::Given(
        shipment
            .packages
            .iter()
            .map(|p| super::packages::PlannedPackage {
                lines: p.lines.clone(),
                weight: p.weight.unwrap_or_else(wharf_domain::Weight::zero),
                dimensions: p.dimensions,
            })
            .collect(),
    );
    let shipping =
        shipping_for(app, &shipment.account_id, order, &plan, shipment.warehouse_id.as_ref(), Some(shipment.ship_date))
            .await?;
    Ok(LabelRequest {
        reference: shipment.reference.clone(),
        customer_reference: Some(format!("PO {}", order.order_number)),
        ship_from: shipping.warehouse.origin,
        ship_to: order.ship_to.clone(),
        service: shipment.service_code.clone(),
        packages: shipping.parcels,
        options: shipping.options,
        ship_date: Some(shipment.ship_date),
        description: None,
    })
}

async fn carrier_of(app: &App, shipment: &Shipment) -> Result<Arc<dyn Carrier>, ShippingError> {
    let id = shipment
        .carrier_account_id
        .as_ref()
        .ok_or_else(|| ShippingError::Invalid(format!("shipment {} names no carrier account", shipment.shipment_id)))?;
    let record = app.store.get_carrier_account(&shipment.account_id, id).await.map_err(|e| match e {
        StorageError::NotFound { .. } => ShippingError::Invalid(format!(
            "carrier account {id} of shipment {} was removed; add it again (`wharf carrier add`) to reach that \
             carrier account",
            shipment.shipment_id
        )),
        other => other.into(),
    })?;
    carrier_for(app, &record).await
}

/// Whether a recorded purchase was a confirmed short shipment: a Sears order's labels leave lines out only when
/// the seller confirmed it (`plan` refuses them otherwise), so a resumed purchase keeps that confirmation.
fn confirmed_short(order: &Order, shipment: &Shipment) -> bool {
    order.sears.is_some() && !super::outbox_messages::every_line_packed(order, &[shipment])
}

/// Calls the carrier for a recorded purchase this process holds, and records what came of it.
async fn purchase(
    app: &App,
    order: &Order,
    shipment: Shipment,
    short_ship_confirmed: bool,
) -> Result<Shipment, ShippingError> {
    let prepared = match label_request(app, order, &shipment).await {
        Ok(request) => carrier_of(app, &shipment).await.map(|carrier| (request, carrier)),
        Err(e) => Err(e),
    };
    let (request, carrier) = match prepared {
        Ok(ready) => ready,
        // Nothing was sent: the purchase failed and the order is free to be fixed and bought again.
        Err(e) => {
            mark_failed(app, &shipment, &e.to_string()).await?;
            return Err(e);
        }
    };
    failpoint("label.before_carrier_call");
    let deadline = app.shipping_settings().purchase_deadline();
    let outcome = tokio::time::timeout(deadline, carrier.buy_label(&request)).await;
    failpoint("label.after_carrier_call");
    match outcome {
        Ok(Ok(label)) => {
            let recorded = record_label(app, shipment, label, short_ship_confirmed).await?;
            failpoint("label.after_record");
            Ok(recorded)
        }
        Ok(Err(e)) if e.needs_lookup_before_retry() => settle_then_buy(app, order, shipment, false).await,
        Ok(Err(e)) => {
            mark_failed(app, &shipment, &e.to_string()).await?;
            Err(ShippingError::Carrier(e))
        }
        Err(_elapsed) => {
            tracing::warn!(shipment = %shipment.shipment_id, "label purchase passed its deadline; looking it up");
            settle_then_buy(app, order, shipment, false).await
        }
    }
}

/// Takes over an abandoned purchase (its lease ran out): `None` when another process took it first.
async fn take_over(app: &App, abandoned: &Shipment) -> Result<Option<Shipment>, ShippingError> {
    let mut taken = abandoned.clone();
    // Strictly later than the stored instant, so two takers with the same clock reading cannot both win.
    taken.modify_date = app.now().max(abandoned.modify_date + SignedDuration::from_micros(1));
    let write = ShipmentWrite {
        expected: Some(ExpectedShipment { state: ShipmentState::Purchasing, modify_date: Some(abandoned.modify_date) }),
        ..insert(taken.clone())
    };
    match app.store.write_shipment(&write).await {
        Ok(()) => {
            tracing::info!(shipment = %taken.shipment_id, reference = %taken.reference, "resuming an unfinished label purchase");
            Ok(Some(taken))
        }
        Err(StorageError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Settles a purchase whose outcome is unknown: looks it up by reference (twice, with a pause, when the first
/// look finds nothing); records it when found. Nothing found: buys again under the same reference, when
/// `may_buy` (this call has not asked the carrier to buy yet); otherwise leaves it for a later call.
async fn settle_then_buy(
    app: &App,
    order: &Order,
    shipment: Shipment,
    may_buy: bool,
) -> Result<Shipment, ShippingError> {
    let unconfirmed = |detail: String| ShippingError::Unconfirmed {
        order_number: order.order_number.clone(),
        order_id: order.order_id.clone(),
        reference: shipment.reference.clone(),
        detail,
    };
    let carrier = carrier_of(app, &shipment).await.map_err(|e| unconfirmed(e.to_string()))?;
    for look in 0..2 {
        if look > 0 {
            tokio::time::sleep(app.shipping_settings().lookup_recheck).await;
        }
        match carrier.find_shipment_by_reference(&shipment.reference).await {
            Ok(Some(found)) => return record_found(app, order, shipment, found).await,
            Ok(None) => continue,
            Err(e) => return Err(unconfirmed(format!("looking it up at the carrier failed: {e}"))),
        }
    }
    if !may_buy {
        return Err(unconfirmed(
            "the carrier's answer was lost and the shipment does not show at the carrier yet".into(),
        ));
    }
    tracing::info!(shipment = %shipment.shipment_id, reference = %shipment.reference, "nothing was bought; buying");
    let short = confirmed_short(order, &shipment);
    Box::pin(purchase(app, order, shipment, short)).await
}

fn base64_label(image: &wharf_carriers::LabelImage) -> LabelFile {
    LabelFile {
        format: image.format.extension().to_owned(),
        data: base64::engine::general_purpose::STANDARD.encode(&image.data),
    }
}

/// Records a bought label: tracking numbers, label files, the fee charged.
async fn record_label(
    app: &App,
    mut shipment: Shipment,
    label: Label,
    short_ship_confirmed: bool,
) -> Result<Shipment, ShippingError> {
    let expected = ExpectedShipment { state: ShipmentState::Purchasing, modify_date: Some(shipment.modify_date) };
    shipment.state = ShipmentState::Active;
    shipment.modify_date = app.now();
    shipment.carrier_shipment_id = Some(label.shipment_id.clone());
    shipment.carrier_fee = label.charge.to_usd();
    if shipment.carrier_fee.is_none() {
        shipment.error = Some(format!("the carrier charged {}, which Wharf does not convert to dollars", label.charge));
    }
    for (package, bought) in shipment.packages.iter_mut().zip(&label.packages) {
        package.tracking_number = Some(bought.tracking_number.clone());
        package.label = Some(base64_label(&bought.image));
    }
    let note = format!("label bought ({})", shipment.shipment_id);
    finish_record(app, shipment, expected, short_ship_confirmed, &note, vec![]).await
}

/// Records a purchase found at the carrier by its reference (its answer was lost): tracking numbers only.
async fn record_found(
    app: &App,
    order: &Order,
    mut shipment: Shipment,
    found: FoundShipment,
) -> Result<Shipment, ShippingError> {
    let short = confirmed_short(order, &shipment);
    let expected = ExpectedShipment { state: ShipmentState::Purchasing, modify_date: Some(shipment.modify_date) };
    let mut tracking = found.tracking_numbers.clone();
    // UPS numbers a shipment's packages in sequence: the lowest number is package 1.
    tracking.sort();
    shipment.state = ShipmentState::Active;
    shipment.modify_date = app.now();
    shipment.carrier_shipment_id = Some(found.shipment_id.clone());
    for (package, number) in shipment.packages.iter_mut().zip(&tracking) {
        package.tracking_number = Some(number.clone());
    }
    let mut problem = format!(
        "The carrier's answer to this label purchase was lost; Wharf found the shipment by its reference {} \
         (tracking {}) and recorded it, but the carrier does not send the label image or the charge again. To \
         print a label, void this one (`wharf orders void`) and buy a new one, or reprint it from your carrier \
         account.",
        shipment.reference,
        tracking.join(", ")
    );
    if tracking.len() != shipment.packages.len() {
        problem.push_str(&format!(
            " The carrier lists {} package(s) where {} were bought; check the shipment at the carrier.",
            tracking.len(),
            shipment.packages.len()
        ));
    }
    shipment.error = Some(problem.clone());
    let mut notices = vec![(NOTICE_LABEL_IMAGE_UNAVAILABLE, problem)];
    if !found.also_found.is_empty() {
        notices.push((
            NOTICE_DUPLICATE_PURCHASE,
            format!(
                "The carrier also holds shipment(s) {} under reference {}: a duplicate purchase. Void it at the \
                 carrier so it is not charged.",
                found.also_found.join(", "),
                shipment.reference
            ),
        ));
    }
    let note = format!("label found at the carrier by reference ({})", shipment.shipment_id);
    finish_record(app, shipment, expected, short, &note, notices).await
}

async fn finish_record(
    app: &App,
    shipment: Shipment,
    expected: ExpectedShipment,
    short_ship_confirmed: bool,
    note: &str,
    notices: Vec<(&str, String)>,
) -> Result<Shipment, ShippingError> {
    let (account, order_id) = (shipment.account_id.clone(), shipment.order_id.clone());
    match record_active(app, shipment, Some(expected), short_ship_confirmed, note, &notices).await {
        Ok(recorded) => Ok(recorded),
        // Someone else recorded (or took over) this purchase meanwhile: theirs stands.
        Err(ShippingError::Storage(StorageError::Conflict { what: "shipment", .. })) => {
            match live_shipment(app, &account, &order_id).await? {
                Some(live) if live.state == ShipmentState::Active => Ok(live),
                _ => Err(ShippingError::Invalid(format!(
                    "the label purchase of order {order_id} was taken over by another process; see `wharf orders \
                     show {order_id}`"
                ))),
            }
        }
        Err(e) => Err(e),
    }
}

/// Marks a purchase that bought nothing as failed, freeing the order to be fixed and bought again.
async fn mark_failed(app: &App, shipment: &Shipment, error: &str) -> Result<(), ShippingError> {
    let mut failed = shipment.clone();
    failed.state = ShipmentState::Failed;
    failed.error = Some(error.to_owned());
    failed.modify_date = app.now().max(shipment.modify_date);
    let write = ShipmentWrite {
        expected: Some(ExpectedShipment { state: ShipmentState::Purchasing, modify_date: Some(shipment.modify_date) }),
        ..insert(failed)
    };
    match app.store.write_shipment(&write).await {
        // Taken over meanwhile: the other process decides.
        Ok(()) | Err(StorageError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches buy labels on spawned tasks, which needs a `Send` future.
    #[allow(dead_code)]
    fn buying_is_send(app: &App, account: &AccountId, order: &OrderId, request: &LabelPurchase) {
        fn send<T: Send>(_: T) {}
        send(buy_labels(app, account, order, request));
    }

    #[test]
    fn references_fit_the_carrier() {
        let mut order = wharf_domain::sample::order("ord_0195d1c2a3b47c8d9e0f1a2b3c4d5e6f", "5000101");
        order.order_key = "202405025000101".into();
        assert_eq!(reference_for(&order, 1), "WH202405025000101-1");
        order.order_key = "a-very-long-order-key-of-a-hand-entered-order".into();
        assert_eq!(reference_for(&order, 12), "WHa3b47c8d9e0f1a2b3c4d5e6f-12");
        assert!(reference_for(&order, 12).chars().count() <= MAX_REFERENCE_CHARS);
    }
}
