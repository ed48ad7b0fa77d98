//! Tracking: a scheduled job asks the carrier where the packages of shipments in transit are, stores the
//! events on the shipment, marks it delivered when every package is, and queues the delivery confirmation
//! e-mail when the store has it on.
//!
//! Shipments in transit are found through their orders: shipped orders of the last `TRACKING_WINDOW_DAYS`
//! (by order date) whose live shipment has tracking numbers and is not delivered. A shipment is tracked with
//! its own carrier account, else the account's first account of that carrier (labels bought elsewhere).

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use wharf_carriers::{Carrier, TrackQuery};
use wharf_domain::outbox::MessageKind;
use wharf_domain::shipment::{Shipment, ShipmentKind, ShipmentState, TrackingEvent, TrackingStatus, TrackingSummary};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, Order, OrderStatus};
use wharf_storage::OrderFilter;
use wharf_storage::shipping::{CarrierAccount, ExpectedShipment, ShipmentWrite};

use super::email::EmailPayload;
use super::requests::new_message;
use super::sears_updates::live_shipment;
use crate::shipping::carrier_accounts::carrier_for;
use crate::{App, AppResult};

/// How far back (order date) shipped orders are looked at for packages still in transit.
pub const TRACKING_WINDOW_DAYS: i64 = 45;
/// Shipped orders looked at per account and pass.
const ORDERS_PER_PASS: u32 = 5000;

/// What a tracking pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackingReport {
    pub checked: usize,
    pub delivered: usize,
    pub errors: Vec<String>,
}

pub fn delivery_dedupe_key(shipment: &Shipment) -> String {
    format!("delivery_email:{}", shipment.shipment_id)
}

fn status_of(status: wharf_carriers::TrackingStatus) -> TrackingStatus {
    use wharf_carriers::TrackingStatus as C;
    match status {
        C::LabelCreated => TrackingStatus::LabelCreated,
        C::InTransit => TrackingStatus::InTransit,
        C::OutForDelivery => TrackingStatus::OutForDelivery,
        C::Delivered => TrackingStatus::Delivered,
        C::Exception => TrackingStatus::Exception,
        C::Unknown => TrackingStatus::Unknown,
    }
}

/// The shipment's tracking summary from the carrier's answers for each of its packages: delivered when every
/// package is; otherwise the least advanced package's status (an exception wins: it needs a look).
pub fn summarize(packages: &[wharf_carriers::PackageTracking], now: Timestamp) -> TrackingSummary {
    let statuses: Vec<TrackingStatus> = packages.iter().map(|p| status_of(p.status)).collect();
    let rank = |s: &TrackingStatus| match s {
        TrackingStatus::Unknown => 0,
        TrackingStatus::LabelCreated => 1,
        TrackingStatus::InTransit => 2,
        TrackingStatus::OutForDelivery => 3,
        TrackingStatus::Delivered => 4,
        TrackingStatus::Exception => 5,
    };
    let status = if statuses.contains(&TrackingStatus::Exception) {
        TrackingStatus::Exception
    } else {
        statuses.iter().copied().min_by_key(rank).unwrap_or_default()
    };
    let delivered_at =
        (status == TrackingStatus::Delivered).then(|| packages.iter().filter_map(|p| p.delivered_at).max()).flatten();
    let mut events: Vec<TrackingEvent> = packages
        .iter()
        .flat_map(|p| {
            p.events.iter().filter_map(|e| {
                Some(TrackingEvent {
                    occurred_at: e.occurred_at?,
                    status: status_of(e.status),
                    description: e.carrier_status.description.clone().unwrap_or_default(),
                    location: e.location.clone(),
                    tracking_number: Some(p.tracking_number.clone()),
                })
            })
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.occurred_at));
    TrackingSummary {
        status,
        estimated_delivery: packages.iter().filter_map(|p| p.estimated_delivery).max(),
        delivered_at,
        last_checked_at: Some(now),
        events,
    }
}

/// One tracking pass over every account with an active store.
pub async fn run_tracking(app: &App) -> AppResult<TrackingReport> {
    let mut report = TrackingReport::default();
    let mut accounts: BTreeMap<AccountId, Vec<SalesStore>> = BTreeMap::new();
    for store in app.store.list_all_active_stores().await? {
        accounts.entry(store.account_id.clone()).or_default().push(store);
    }
    for (account, stores) in accounts {
        if let Err(e) = track_account(app, &account, &stores, &mut report).await {
            report.errors.push(format!("account {account}: {e}"));
        }
    }
    for error in &report.errors {
        tracing::warn!(error, "tracking");
    }
    Ok(report)
}

async fn track_account(
    app: &App,
    account: &AccountId,
    stores: &[SalesStore],
    report: &mut TrackingReport,
) -> AppResult<()> {
    let now = app.now();
    let since = now - SignedDuration::from_hours(24 * TRACKING_WINDOW_DAYS);
    let filter = OrderFilter { status: Some(OrderStatus::Shipped), limit: Some(ORDERS_PER_PASS), ..Default::default() };
    let orders: Vec<Order> =
        app.store.list_orders(account, &filter).await?.into_iter().filter(|o| o.order_date >= since).collect();
    if orders.is_empty() {
        return Ok(());
    }
    let carrier_accounts = app.store.list_carrier_accounts(account).await?;
    let mut carriers: BTreeMap<String, Arc<dyn Carrier>> = BTreeMap::new();
    for chunk in orders.chunks(500) {
        let ids: Vec<_> = chunk.iter().map(|o| o.order_id.clone()).collect();
        let shipments = app.store.shipments_for_orders(account, &ids).await?;
        for order in chunk {
            let Some(shipment) = live_shipment(&shipments, &order.order_id) else { continue };
            let trackable = shipment.state == ShipmentState::Active
                && shipment.kind != ShipmentKind::Pickup
                && shipment.tracking.status != TrackingStatus::Delivered
                && shipment.tracking_numbers().next().is_some();
            if !trackable {
                continue;
            }
            let Some(record) = carrier_account_for(&carrier_accounts, &shipment) else { continue };
            let carrier = match carriers.get(record.carrier_account_id.as_str()) {
                Some(carrier) => carrier.clone(),
                None => match carrier_for(app, record).await {
                    Ok(carrier) => {
                        carriers.insert(record.carrier_account_id.to_string(), carrier.clone());
                        carrier
                    }
                    Err(e) => {
                        report.errors.push(format!("carrier account {}: {e}", record.name));
                        continue;
                    }
                },
            };
            let store = stores.iter().find(|s| s.store_id == order.store_id);
            match track_shipment(app, carrier.as_ref(), order, &shipment, store).await {
                Ok(delivered) => {
                    report.checked += 1;
                    report.delivered += usize::from(delivered);
                }
                Err(e) => report.errors.push(format!("order {}: {e}", order.order_number)),
            }
        }
    }
    Ok(())
}

fn carrier_account_for<'a>(accounts: &'a [CarrierAccount], shipment: &Shipment) -> Option<&'a CarrierAccount> {
    shipment
        .carrier_account_id
        .as_ref()
        .and_then(|id| accounts.iter().find(|a| &a.carrier_account_id == id))
        .or_else(|| accounts.iter().find(|a| a.carrier.eq_ignore_ascii_case(&shipment.carrier_code)))
}

/// Tracks one shipment and records what changed. True when it became delivered now.
pub async fn track_shipment(
    app: &App,
    carrier: &dyn Carrier,
    order: &Order,
    shipment: &Shipment,
    store: Option<&SalesStore>,
) -> AppResult<bool> {
    let mut packages = Vec::new();
    for number in shipment.tracking_numbers() {
        let info = carrier
            .track(&TrackQuery::Number(number.to_owned()))
            .await
            .map_err(|e| crate::AppError::InvalidInput(format!("tracking {number}: {e}")))?;
        packages.extend(info.packages.into_iter().filter(|p| p.tracking_number.eq_ignore_ascii_case(number)));
    }
    if packages.is_empty() {
        return Ok(false);
    }
    let now = app.now();
    let summary = summarize(&packages, now);
    let became_delivered = summary.status == TrackingStatus::Delivered;
    let mut updated = shipment.clone();
    updated.tracking = summary;
    updated.modify_date = now;
    let mut outbox = Vec::new();
    if became_delivered && store.is_some_and(|s| s.settings.notifications.delivery_confirmation) {
        let payload = EmailPayload {
            shipment_id: Some(shipment.shipment_id.clone()),
            delivered_at: updated.tracking.delivered_at,
            ..Default::default()
        };
        outbox.push(new_message(
            app,
            order,
            MessageKind::DeliveryEmail,
            delivery_dedupe_key(shipment),
            serde_json::to_value(payload).expect("payloads serialize"),
        ));
    }
    app.store
        .write_shipment(&ShipmentWrite {
            shipment: updated,
            expected: Some(ExpectedShipment { state: ShipmentState::Active, modify_date: Some(shipment.modify_date) }),
            order: None,
            outbox,
            withdraw: vec![],
        })
        .await?;
    Ok(became_delivered)
}
