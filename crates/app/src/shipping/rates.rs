//! Rates for an order from every carrier account, the cheapest and fastest marked, and rate shopping.
//!
//! Rate shopping picks the cheapest service that delivers by the order's deliver-by date. Sears gives a
//! ship-by date (when the parcel must leave), not a delivery date, so Wharf derives one:
//!
//! - Sears's promised delivery date (`promised-date`, v16+) when the order has one;
//! - otherwise the ship-by date (US Central) plus the transit the buyer paid for, in calendar days: 1 for
//!   Express / Next Day / Overnight, 2 for Priority / Second Day / 2-Day, 5 for anything else (Ground,
//!   Standard). That is when the order would arrive had it left on its ship-by date with the service the buyer
//!   chose, so a cheaper, slower service is picked only when shipping earlier makes up for it.
//!
//! Calendar days, because the carrier sandbox (and a buyer's "by Friday") count them; rates without a delivery
//! estimate are never picked. For Sears orders only services Sears has a shipping method for are picked.

use jiff::Span;
use jiff::civil::{Date, Time};
use serde::Serialize;
use wharf_carriers::rate_shopping::{cheapest_delivered_by, mark_cheapest_and_fastest};
use wharf_carriers::shipment::ShipmentOptions;
use wharf_carriers::{Money as CarrierMoney, Parcel, Rate, RateRequest};
use wharf_domain::sears_time::central_date;
use wharf_domain::shipping_codes::{self, ShippingCodes};
use wharf_domain::{
    AccountId, CarrierAccountId, DeliveryMethod, Dimensions, Money, Order, OrderStatus, WarehouseId, Weight,
};
use wharf_storage::shipping::{CarrierAccount, Warehouse};

use super::carrier_accounts::{carrier_for, find_carrier_account};
use super::packages::{PackagePlan, PlannedPackage, plan_packages};
use super::warehouses::warehouse_for;
use super::{ShippingError, load_order};
use crate::App;

/// What to rate.
#[derive(Clone, Debug, Default)]
pub struct RateOptions {
    /// One carrier account (id or name); every account when `None`.
    pub carrier_account: Option<String>,
    /// One service code (`ups_ground`); every service when `None`.
    pub service: Option<String>,
    pub packages: PackagePlan,
    /// The order's warehouse (else the default) when `None`.
    pub warehouse: Option<WarehouseId>,
    /// Today (US Central) when `None`.
    pub ship_date: Option<Date>,
}

/// One quote, from one carrier account.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateQuote {
    pub carrier_account_id: CarrierAccountId,
    pub carrier_account_name: String,
    pub carrier: String,
    /// Wharf service code; `None` for a service Wharf does not know (it cannot be bought).
    pub service: Option<String>,
    pub service_name: String,
    pub carrier_service_code: String,
    /// What the label would cost (negotiated when the account has negotiated rates).
    pub total: Money,
    pub list_total: Money,
    pub negotiated: bool,
    pub delivery_date: Option<Date>,
    pub delivery_time: Option<Time>,
    pub transit_days: Option<u32>,
    pub guaranteed: bool,
    pub sears_carrier: Option<String>,
    pub sears_method: Option<String>,
    /// Why this service cannot be reported to Sears (Sears orders only).
    pub sears_problem: Option<String>,
    /// Estimated to arrive by the order's deliver-by date (`None` when either is unknown).
    pub arrives_in_time: Option<bool>,
    pub cheapest: bool,
    pub fastest: bool,
    /// Rate shopping's pick: the cheapest that arrives in time (and that Sears can take, for Sears orders).
    pub recommended: bool,
    /// The order's own service (set by automation or the seller).
    pub selected: bool,
}

/// A carrier account whose quote failed; the others still count.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateError {
    pub carrier_account_id: CarrierAccountId,
    pub carrier_account_name: String,
    pub error: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageSummary {
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
    pub units: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRates {
    pub order_id: wharf_domain::OrderId,
    pub order_number: String,
    pub warehouse_id: WarehouseId,
    pub ship_date: Date,
    pub deliver_by: Option<Date>,
    /// How `deliver_by` was found.
    pub deliver_by_rule: Option<String>,
    pub packages: Vec<PackageSummary>,
    pub rates: Vec<RateQuote>,
    pub errors: Vec<RateError>,
}

impl OrderRates {
    pub fn recommended(&self) -> Option<&RateQuote> {
        self.rates.iter().find(|r| r.recommended)
    }
}

/// Calendar days the buyer's requested service promises, by its name (see the module documentation).
pub fn promised_transit_days(requested: Option<&str>) -> i64 {
    let requested = requested.unwrap_or_default().to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| requested.contains(w));
    if any(&["express", "next day", "nextday", "overnight", "one day", "1 day"]) {
        1
    } else if any(&["priority", "second day", "2nd day", "2-day", "2 day", "two day", "two-day"]) {
        2
    } else {
        5
    }
}

/// The last acceptable delivery day and how it was found.
pub fn deliver_by(order: &Order) -> Option<(Date, String)> {
    if let Some(promised) = order.sears.as_ref().and_then(|s| s.promised_date) {
        return Some((promised, "Sears's promised delivery date".into()));
    }
    let ship_by = central_date(order.ship_by_date?);
    let days = promised_transit_days(order.requested_shipping_service.as_deref());
    let date = ship_by.checked_add(Span::new().days(days)).ok()?;
    Some((
        date,
        format!(
            "ship-by date {ship_by} + {days} day(s) for the requested service \"{}\"",
            order.requested_shipping_service.as_deref().unwrap_or("(none)")
        ),
    ))
}

/// Everything a rate or label request needs besides the service.
pub(crate) struct Shipping {
    pub warehouse: Warehouse,
    pub planned: Vec<PlannedPackage>,
    pub parcels: Vec<Parcel>,
    pub options: ShipmentOptions,
    pub package_code: String,
    pub ship_date: Date,
}

/// Refuses orders no label can be bought for, saying why.
pub(crate) fn check_shippable(order: &Order) -> Result<(), ShippingError> {
    let refuse = |why: String| Err(ShippingError::Invalid(format!("order {}: {why}", order.order_number)));
    if order.delivery_method == DeliveryMethod::Pickup {
        return refuse(
            "the buyer collects this order, so it needs no label; complete it with `wharf orders mark-shipped ID \
             --pickup`"
                .into(),
        );
    }
    match order.order_status {
        OrderStatus::Cancelled => refuse("it is cancelled".into()),
        OrderStatus::Shipped => refuse(
            "it is already shipped (Sears reports it shipped, or it was marked shipped); nothing more can be \
             reported to Sears for it"
                .into(),
        ),
        OrderStatus::AwaitingPayment => refuse(
            "Sears reports it Ready to Invoice: it was shipped by hand in the Sears Seller Portal (or is not paid \
             yet), so Wharf does not ship it"
                .into(),
        ),
        OrderStatus::OnHold => refuse(format!(
            "it is on hold{}; release the hold first",
            order.hold_until_date.map(|d| format!(" until {d}")).unwrap_or_default()
        )),
        OrderStatus::AwaitingShipment | OrderStatus::Unmapped => {
            if !order.ship_to.is_shippable() {
                return refuse("its ship-to address is incomplete (street, city, state and ZIP are needed)".into());
            }
            Ok(())
        }
    }
}

fn confirmation(order: &Order) -> shipping_codes::Confirmation {
    match order.confirmation {
        wharf_domain::Confirmation::None => shipping_codes::Confirmation::None,
        wharf_domain::Confirmation::Delivery => shipping_codes::Confirmation::Delivery,
        wharf_domain::Confirmation::Signature => shipping_codes::Confirmation::Signature,
        wharf_domain::Confirmation::AdultSignature => shipping_codes::Confirmation::AdultSignature,
        // UPS has no "direct signature" distinct from signature required: the closest it sells.
        wharf_domain::Confirmation::DirectSignature => shipping_codes::Confirmation::Signature,
    }
}

/// The package type the order names (automation or the seller), else a customer-supplied box.
fn package_code(order: &Order) -> Result<String, ShippingError> {
    let code = order.package_code.as_deref().unwrap_or("package");
    match ShippingCodes::package(code) {
        Some(package) if package.carrier.is_none_or(|c| c == "ups") => Ok(package.code.to_owned()),
        _ => {
            let known: Vec<&str> = ShippingCodes::packages().iter().map(|p| p.code).collect();
            Err(ShippingError::Invalid(format!(
                "order {} has package type '{code}', which UPS does not take; use one of {}",
                order.order_number,
                known.join(", ")
            )))
        }
    }
}

/// Each package's declared value: the order's insured value shared by units, cents rounded, the last package
/// taking what rounding left over.
fn insured_values(order: &Order, planned: &[PlannedPackage]) -> Vec<Option<CarrierMoney>> {
    let insurance = &order.insurance_options;
    if !insurance.insure_shipment || insurance.insured_value.is_zero() {
        return vec![None; planned.len()];
    }
    let total_units: u32 = planned.iter().flat_map(|p| &p.lines).map(|l| l.quantity).sum();
    let total = insurance.insured_value.amount();
    let mut left = total;
    planned
        .iter()
        .enumerate()
        .map(|(i, package)| {
            let units: u32 = package.lines.iter().map(|l| l.quantity).sum();
            let share = if i + 1 == planned.len() {
                left
            } else {
                (total * rust_decimal::Decimal::from(units) / rust_decimal::Decimal::from(total_units.max(1)))
                    .round_dp(2)
            };
            left -= share;
            Some(CarrierMoney::usd(share))
        })
        .collect()
}

pub(crate) async fn shipping_for(
    app: &App,
    account: &AccountId,
    order: &Order,
    plan: &PackagePlan,
    warehouse: Option<&WarehouseId>,
    ship_date: Option<Date>,
) -> Result<Shipping, ShippingError> {
    check_shippable(order)?;
    let warehouse = warehouse_for(app, account, order, warehouse).await?;
    let planned = plan_packages(order, plan)?;
    let package_code = package_code(order)?;
    let parcels = planned
        .iter()
        .zip(insured_values(order, &planned))
        .map(|(p, insured_value)| Parcel {
            package: package_code.clone(),
            weight: p.weight,
            dimensions: p.dimensions,
            insured_value,
        })
        .collect();
    Ok(Shipping {
        warehouse,
        planned,
        parcels,
        options: ShipmentOptions { confirmation: confirmation(order) },
        package_code,
        ship_date: ship_date.unwrap_or_else(|| central_date(app.now())),
    })
}

/// The carrier accounts to ask: the one named, else every account of the account.
pub(crate) async fn accounts_to_ask(
    app: &App,
    account: &AccountId,
    named: Option<&str>,
) -> Result<Vec<CarrierAccount>, ShippingError> {
    let accounts = match named {
        Some(name) => vec![find_carrier_account(app, account, name).await?],
        None => app.store.list_carrier_accounts(account).await?,
    };
    if accounts.is_empty() {
        return Err(ShippingError::Invalid(
            "no carrier account: add one with `wharf carrier add ups --client-id … --client-secret … \
             --account-number …`"
                .into(),
        ));
    }
    Ok(accounts)
}

fn usd(amount: &CarrierMoney) -> Result<Money, String> {
    amount.to_usd().ok_or_else(|| format!("the carrier quoted in {}, and Wharf works in US dollars", amount.currency))
}

/// Rates for the order from every carrier account (or the one named), cheapest and fastest marked, the pick of
/// rate shopping marked `recommended`.
pub async fn rates_for_order(
    app: &App,
    account: &AccountId,
    order_id: &wharf_domain::OrderId,
    options: &RateOptions,
) -> Result<OrderRates, ShippingError> {
    let order = load_order(app, account, order_id).await?;
    let shipping =
        shipping_for(app, account, &order, &options.packages, options.warehouse.as_ref(), options.ship_date).await?;
    let carriers = accounts_to_ask(app, account, options.carrier_account.as_deref()).await?;
    let service = options.service.as_deref().map(canonical_service).transpose()?;
    let request = RateRequest {
        ship_from: shipping.warehouse.origin.clone(),
        ship_to: order.ship_to.clone(),
        packages: shipping.parcels.clone(),
        service: service.clone(),
        options: shipping.options.clone(),
        ship_date: Some(shipping.ship_date),
    };

    let mut quoted: Vec<(CarrierAccount, Rate)> = Vec::new();
    let mut errors = Vec::new();
    for record in carriers {
        let result = match carrier_for(app, &record).await {
            Ok(carrier) => carrier.rate(&request).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(rates) => quoted.extend(rates.into_iter().map(|r| (record.clone(), r))),
            Err(error) => errors.push(RateError {
                carrier_account_id: record.carrier_account_id.clone(),
                carrier_account_name: record.name.clone(),
                error,
            }),
        }
    }
    let deliver_by = deliver_by(&order);
    let rates = quotes(&order, quoted, deliver_by.as_ref().map(|(d, _)| *d), &mut errors);
    Ok(OrderRates {
        order_id: order.order_id.clone(),
        order_number: order.order_number.clone(),
        warehouse_id: shipping.warehouse.warehouse_id.clone(),
        ship_date: shipping.ship_date,
        deliver_by: deliver_by.as_ref().map(|(d, _)| *d),
        deliver_by_rule: deliver_by.map(|(_, rule)| rule),
        packages: shipping
            .planned
            .iter()
            .map(|p| PackageSummary {
                weight: p.weight,
                dimensions: p.dimensions,
                units: p.lines.iter().map(|l| l.quantity).sum(),
            })
            .collect(),
        rates,
        errors,
    })
}

/// A service code as the code table spells it, or why it is not one.
pub(crate) fn canonical_service(code: &str) -> Result<String, ShippingError> {
    match ShippingCodes::service(code) {
        Some(service) if service.carrier == "ups" => Ok(service.code.to_owned()),
        Some(service) => Err(ShippingError::Invalid(format!(
            "{} is a {} service, and Wharf buys labels from UPS only; record other carriers' shipments with \
             `wharf orders mark-shipped`",
            service.name,
            ShippingCodes::carrier(service.carrier).map_or(service.carrier, |c| c.name)
        ))),
        None => {
            let known: Vec<&str> = ShippingCodes::services_for("ups").map(|s| s.code).collect();
            Err(ShippingError::Invalid(format!("unknown service '{code}'; UPS services are {}", known.join(", "))))
        }
    }
}

/// The Sears carrier and method of a Wharf service, or why Sears cannot take it.
pub(crate) fn sears_code(service: Option<&str>) -> Result<shipping_codes::SearsShipCode, String> {
    let service = service.ok_or_else(|| "Wharf does not know this service, so Sears cannot be told".to_owned())?;
    let known = ShippingCodes::service(service).ok_or_else(|| format!("unknown service '{service}'"))?;
    known.sears_code().map_err(|e| e.reason)
}

/// Turns carrier rates into quotes: prices in dollars, Sears codes, and the marks.
fn quotes(
    order: &Order,
    quoted: Vec<(CarrierAccount, Rate)>,
    deliver_by: Option<Date>,
    errors: &mut Vec<RateError>,
) -> Vec<RateQuote> {
    let is_sears = order.sears.is_some();
    let mut kept: Vec<(CarrierAccount, Rate, Money, Money)> = Vec::new();
    for (record, rate) in quoted {
        match (usd(&rate.total), usd(&rate.list_total)) {
            (Ok(total), Ok(list)) => kept.push((record, rate, total, list)),
            (Err(error), _) | (_, Err(error)) => errors.push(RateError {
                carrier_account_id: record.carrier_account_id.clone(),
                carrier_account_name: record.name.clone(),
                error: format!("{}: {error}", rate.service_name),
            }),
        }
    }
    let rates: Vec<Rate> = kept.iter().map(|(_, r, _, _)| r.clone()).collect();
    let marks = mark_cheapest_and_fastest(&rates);
    let eligible: Vec<usize> = (0..kept.len())
        .filter(|&i| kept[i].1.service.is_some() && (!is_sears || sears_code(kept[i].1.service.as_deref()).is_ok()))
        .collect();
    let recommended = deliver_by.and_then(|by| {
        let candidates: Vec<Rate> = eligible.iter().map(|&i| rates[i].clone()).collect();
        let pick = cheapest_delivered_by(&candidates, by)?;
        let position = candidates.iter().position(|c| std::ptr::eq(c, pick))?;
        Some(eligible[position])
    });
    kept.into_iter()
        .enumerate()
        .map(|(i, (record, rate, total, list_total))| {
            let sears = sears_code(rate.service.as_deref());
            let delivery = rate.delivery;
            RateQuote {
                carrier_account_id: record.carrier_account_id,
                carrier_account_name: record.name,
                carrier: rate.carrier.clone(),
                selected: rate.service.is_some() && rate.service.as_deref() == order.service_code.as_deref(),
                service: rate.service.clone(),
                service_name: rate.service_name.clone(),
                carrier_service_code: rate.carrier_service_code.clone(),
                total,
                list_total,
                negotiated: rate.negotiated,
                delivery_date: delivery.map(|d| d.date),
                delivery_time: delivery.and_then(|d| d.time),
                transit_days: delivery.and_then(|d| d.business_days),
                guaranteed: delivery.is_some_and(|d| d.guaranteed),
                sears_carrier: sears.as_ref().ok().map(|c| c.carrier.to_owned()),
                sears_method: sears.as_ref().ok().map(|c| c.method.to_owned()),
                sears_problem: if is_sears { sears.err() } else { None },
                arrives_in_time: deliver_by.zip(delivery).map(|(by, d)| d.date <= by),
                cheapest: marks.cheapest == Some(i),
                fastest: marks.fastest == Some(i),
                recommended: recommended == Some(i),
            }
        })
        .collect()
}
