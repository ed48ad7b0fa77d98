//! Pre-flight: every problem that would stop an order's label purchase, found before anything is bought, and
//! the warnings that do not stop it. Each issue says what is wrong and how to fix it.
//!
//! | code | problem |
//! |---|---|
//! | `status` | the order cannot be shipped in its status (awaiting payment, unmapped, shipped) |
//! | `pickup` | the buyer collects the order in a store: no label |
//! | `address` | the ship-to address lacks a street, city, state or ZIP |
//! | `items` | no item to ship |
//! | `weight` | no weight (neither the order's nor its items') |
//! | `service` | no shipping service chosen, or an unknown one |
//! | `carrier` | the service's carrier is one Wharf does not buy labels from |
//! | `package` | an unknown package type |
//! | `sears_code` | the service has no Sears carrier/method, so Sears cannot be told what shipped |
//! | `carrier_account` | no carrier account for the service's carrier |
//! | `warehouse` | no warehouse to ship from (or the order names one that does not exist) |
//!
//! Warnings: `sku_too_long` (a SKU of 42+ characters: the label can be bought, the Sears update needs a manual
//! step, SPEC.md decision 5) and `on_hold`.

use wharf_domain::order::{DeliveryMethod, sku_too_long_message};
use wharf_domain::shipping_codes::ShippingCodes;
use wharf_domain::{Order, OrderStatus};
use wharf_storage::batches::Issue;
use wharf_storage::shipping::{CarrierAccount, Warehouse};

use crate::shipping::packages::order_weight;

/// What pre-flight needs besides the order, loaded once per batch run.
#[derive(Debug, Clone, Default)]
pub struct PreflightContext {
    pub carrier_accounts: Vec<CarrierAccount>,
    pub warehouses: Vec<Warehouse>,
}

/// Problems and warnings of one order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preflight {
    pub problems: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Preflight {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `order` for everything a label purchase needs. Cancelled orders are not checked here: they leave
/// their batch.
pub fn check(order: &Order, context: &PreflightContext) -> Preflight {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut problem = |code: &str, message: String| problems.push(Issue::new(code, message));

    match order.order_status {
        OrderStatus::AwaitingShipment => {}
        // The purchase refuses held orders (shipping::rates::check_shippable), so pre-flight says so first.
        OrderStatus::OnHold => problem(
            "on_hold",
            match order.hold_until_date {
                Some(date) => {
                    format!("the order is on hold until {date}; release it (`wharf orders release ID`) first")
                }
                None => "the order is on hold; release it (`wharf orders release ID`) first".to_owned(),
            },
        ),
        OrderStatus::AwaitingPayment => problem(
            "status",
            "the order is awaiting payment (Sears: Ready to Invoice); labels are bought once it awaits shipment".into(),
        ),
        OrderStatus::Unmapped => problem(
            "status",
            format!(
                "the order's Sears status {:?} is not mapped to a Wharf status; map it with `wharf store map-status`",
                order.sears.as_ref().map(|s| s.status.as_str()).unwrap_or_default()
            ),
        ),
        OrderStatus::Shipped => problem("status", "the order is already shipped".into()),
        OrderStatus::Cancelled => problem("status", "the order is cancelled".into()),
    }

    if order.delivery_method == DeliveryMethod::Pickup {
        problem(
            "pickup",
            "the buyer collects this order in a Sears store, so it needs no label; record the pickup instead".into(),
        );
    } else {
        let to = &order.ship_to;
        let missing: Vec<&str> =
            [("street", &to.street1), ("city", &to.city), ("state", &to.state), ("ZIP", &to.postal_code)]
                .into_iter()
                .filter(|(_, value)| value.trim().is_empty())
                .map(|(name, _)| name)
                .collect();
        if !missing.is_empty() {
            problem(
                "address",
                format!(
                    "the ship-to address has no {}; correct it in the Sears Seller Portal or on the order",
                    missing.join(", ")
                ),
            );
        }
    }

    if !order.items.iter().any(|i| !i.adjustment && i.quantity > 0) {
        problem("items", "the order has no item to ship".into());
    } else if let Err(e) = order_weight(order) {
        problem("weight", e.to_string());
    }

    let service = order.service_code.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let known = service.and_then(ShippingCodes::service);
    match (service, known) {
        (None, _) => problem(
            "service",
            format!(
                "no shipping service is chosen{}; map the requested service with `wharf store map-service`, or \
                 choose one with an automation rule",
                order
                    .requested_shipping_service
                    .as_deref()
                    .map(|r| format!(" (Sears asked for {r:?})"))
                    .unwrap_or_default()
            ),
        ),
        (Some(code), None) => problem(
            "service",
            format!(
                "the shipping service {code:?} is not one Wharf knows; choose one of the services of `wharf carrier list`"
            ),
        ),
        (Some(_), Some(service)) => {
            let carrier =
                order.carrier_code.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or(service.carrier);
            match ShippingCodes::carrier(carrier) {
                Some(known) if !known.buys_labels => problem(
                    "carrier",
                    format!(
                        "Wharf does not buy {} labels; record the shipment with `wharf orders mark-shipped`",
                        known.name
                    ),
                ),
                None => problem("carrier", format!("the carrier {carrier:?} is not one Wharf knows")),
                Some(_) => {}
            }
            if let Err(e) = ShippingCodes::sears_code_for(carrier, service.code) {
                problem("sears_code", e.reason);
            }
            if !context.carrier_accounts.iter().any(|a| a.carrier.eq_ignore_ascii_case(service.carrier)) {
                let name = ShippingCodes::carrier(service.carrier).map_or(service.carrier, |c| c.name);
                problem(
                    "carrier_account",
                    format!(
                        "there is no {name} carrier account to buy the label with; add one with `wharf carrier add {}`",
                        service.carrier
                    ),
                );
            }
        }
    }
    if let Some(package) = order.package_code.as_deref().map(str::trim).filter(|p| !p.is_empty())
        && ShippingCodes::package(package).is_none()
    {
        problem("package", format!("the package type {package:?} is not one Wharf knows"));
    }

    match &order.advanced_options.warehouse_id {
        Some(id) if !context.warehouses.iter().any(|w| &w.warehouse_id == id) => problem(
            "warehouse",
            format!("the order ships from warehouse {id}, which does not exist; choose one of `wharf warehouse list`"),
        ),
        Some(_) => {}
        None if !context.warehouses.iter().any(|w| w.is_default) => problem(
            "warehouse",
            "there is no default warehouse to ship from; add one with `wharf warehouse add … --default`".into(),
        ),
        None => {}
    }

    for (sku, length) in order.skus_too_long_for_sears() {
        warnings.push(Issue::new("sku_too_long", format!("{sku}: {}", sku_too_long_message(length))));
    }
    Preflight { problems, warnings }
}

#[cfg(test)]
mod tests {
    use wharf_domain::sample;
    use wharf_domain::{WarehouseId, Weight};

    use super::*;

    fn context() -> PreflightContext {
        let at = "2026-11-01T00:00:00Z".parse().unwrap();
        PreflightContext {
            carrier_accounts: vec![CarrierAccount {
                carrier_account_id: "car_1".parse().unwrap(),
                account_id: sample::account_id(),
                carrier: "ups".into(),
                name: "UPS".into(),
                account_number: "W4RF01".into(),
                base_url: "http://127.0.0.1:9".into(),
                label_format: "gif".into(),
                negotiated_rates: false,
                create_date: at,
                modify_date: at,
            }],
            warehouses: vec![Warehouse {
                warehouse_id: "whs_1".parse().unwrap(),
                account_id: sample::account_id(),
                name: "Main".into(),
                origin: sample::order("ord_1", "1").ship_to,
                return_address: None,
                is_default: true,
                create_date: at,
                modify_date: at,
            }],
        }
    }

    fn ready() -> Order {
        let mut order = sample::order("ord_1", "5000101");
        order.service_code = Some("ups_ground".into());
        order.carrier_code = Some("ups".into());
        order.weight = Some(Weight::ounces(20.into()));
        order
    }

    fn codes(issues: &[Issue]) -> Vec<&str> {
        issues.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn a_ready_order_passes() {
        assert_eq!(check(&ready(), &context()), Preflight::default());
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let mut order = ready();
        order.ship_to.city = " ".into();
        order.ship_to.postal_code = String::new();
        order.weight = None;
        for item in &mut order.items {
            item.weight = None;
        }
        order.service_code = None;
        order.requested_shipping_service = Some("Ground".into());
        order.advanced_options.warehouse_id = Some("whs_gone".parse::<WarehouseId>().unwrap());
        order.items[0].sku = "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL".into();
        let found = check(&order, &context());
        assert_eq!(codes(&found.problems), ["address", "weight", "service", "warehouse"]);
        assert!(found.problems[0].message.contains("no city, ZIP"), "{:?}", found.problems[0]);
        assert!(found.problems[2].message.contains("Sears asked for \"Ground\""), "{:?}", found.problems[2]);
        assert_eq!(codes(&found.warnings), ["sku_too_long"]);
        assert!(found.warnings[0].message.contains("SKU is 46 characters"), "{:?}", found.warnings[0]);
    }

    #[test]
    fn services_need_a_sears_code_a_carrier_account_and_a_warehouse() {
        let mut order = ready();
        // Sears lists no method for UPS 3 Day Select.
        order.service_code = Some("ups_3_day_select".into());
        let found = check(&order, &PreflightContext::default());
        assert_eq!(codes(&found.problems), ["sears_code", "carrier_account", "warehouse"]);
        order.service_code = Some("ups_teleport".into());
        assert_eq!(codes(&check(&order, &context()).problems), ["service"]);
    }

    #[test]
    fn status_and_pickup_stop_a_purchase() {
        let mut order = ready();
        order.order_status = OrderStatus::AwaitingPayment;
        order.delivery_method = DeliveryMethod::Pickup;
        assert_eq!(codes(&check(&order, &context()).problems), ["status", "pickup"]);
        order.order_status = OrderStatus::OnHold;
        order.delivery_method = DeliveryMethod::Ship;
        let found = check(&order, &context());
        assert!(!found.is_ok(), "a held order is not bought: the purchase would refuse it");
        assert_eq!(codes(&found.problems), ["on_hold"]);
    }
}
