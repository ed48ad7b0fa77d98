//! Automation speed: 100 rules over 100,000 generated orders, pure evaluation (no database).
//!
//! `cargo bench -p wharf-domain --bench automation`. The orders are filled from the catalog first, as the
//! import does. Then, for no rules, a typical rule set and a stress rule set, it prints for the whole set of
//! orders: compiling the rules, evaluating every rule's criteria (no changes), the first pipeline run (product
//! defaults, service mapping, rules; with history), a second run on its output (which must change nothing),
//! and a rule preview.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Value, json};
use wharf_domain::automation::{Automation, CompiledRules, Outcome, Rule, Trigger, preview_rule};
use wharf_domain::catalog::fill_from_catalog;
use wharf_domain::order::Order;
use wharf_domain::product::Product;
use wharf_domain::service_mapping::{ServiceMapping, ServiceMappingEntry};

const ORDERS: usize = 100_000;
const RULES: usize = 100;
const SKUS: usize = 200;

/// A small deterministic generator, so every run measures the same data without a `rand` dependency.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const STATES: [&str; 8] = ["TX", "CA", "NY", "IL", "AK", "HI", "FL", "WA"];
const SERVICES: [&str; 4] = ["Ground", "Priority", "Express", "Standard"];

fn sku(n: u64) -> String {
    let family = ["KTCH", "TOOL", "APPL", "HOME", "GARD", "ELEC", "TOYS", "SPRT"][(n % 8) as usize];
    format!("{family}-{n:04}-BLK")
}

fn base_order() -> Order {
    let line = json!({
        "lineItemKey": "1", "sku": "KTCH-0000-BLK", "name": "Countertop Blender 600W", "quantity": 1,
        "unitPrice": 49.99, "options": [{"name": "Color", "value": "Black"}],
    });
    serde_json::from_value(json!({
        "orderId": "ord_00000000000000000000000000000000", "accountId": "acc_bench", "storeId": "sto_bench",
        "orderNumber": "5000000", "orderKey": "202611265000000",
        "orderDate": "2026-11-26T16:15:00Z", "createDate": "2026-11-26T16:15:00Z", "modifyDate": "2026-11-26T16:15:00Z",
        "paymentDate": "2026-11-26T16:15:00Z", "shipByDate": "2026-11-28T16:15:00Z",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Maria Gonzalez", "street1": "", "city": "", "state": "", "postalCode": "", "country": "US"},
        "shipTo": {"name": "Maria Gonzalez", "street1": "1234 Elm Street", "city": "Springfield", "state": "IL",
                   "postalCode": "62704", "country": "US"},
        "deliveryMethod": "ship", "items": [line],
        "orderTotal": 49.99, "amountPaid": 49.99, "taxAmount": 0, "shippingAmount": 8.99,
        "gift": false, "requestedShippingService": "Ground",
        "advancedOptions": {"storeId": "sto_bench"},
    }))
    .expect("the bench order template is valid")
}

fn orders(rng: &mut Xorshift) -> Vec<Order> {
    let base = base_order();
    (0..ORDERS)
        .map(|n| {
            let mut order = base.clone();
            order.order_id = format!("ord_{n:032}").parse().unwrap();
            order.order_number = format!("{}", 5_000_000 + n);
            order.ship_to.state = STATES[rng.below(8) as usize].into();
            order.requested_shipping_service = Some(SERVICES[rng.below(4) as usize].into());
            order.gift = rng.below(10) == 0;
            order.order_date = Timestamp::from_second(1_795_000_000 + rng.below(600_000) as i64).unwrap();
            order.ship_by_date = Some(order.order_date + jiff::SignedDuration::from_hours(48));
            let template = order.items[0].clone();
            let lines = 1 + rng.below(4) as usize;
            order.items = (0..lines)
                .map(|i| {
                    let mut item = template.clone();
                    item.line_item_key = (i + 1).to_string();
                    item.sku = sku(rng.below(SKUS as u64));
                    item.quantity = 1 + rng.below(3) as u32;
                    item.unit_price =
                        wharf_domain::Money::new(rust_decimal::Decimal::new(999 + rng.below(20_000) as i64, 2));
                    item
                })
                .collect();
            order.order_total = order.items.iter().map(|i| i.unit_price * i.quantity).sum();
            order.amount_paid = order.order_total;
            order
        })
        .collect()
}

fn products(rng: &mut Xorshift) -> HashMap<String, Product> {
    (0..SKUS as u64)
        .map(|n| {
            let defaults = if n % 5 == 0 {
                json!({"carrierCode": "ups", "serviceCode": "ups_ground", "packageCode": "package"})
            } else if n % 7 == 0 {
                json!({"confirmation": "signature", "insure": true})
            } else {
                json!({})
            };
            let product: Product = serde_json::from_value(json!({
                "productId": format!("prd_{n}"), "accountId": "acc_bench", "sku": sku(n), "name": format!("Product {n}"),
                "weight": {"value": 2 + rng.below(400), "units": "ounces"},
                "warehouseLocation": format!("A-{:02}-{}", n % 40, n % 5),
                "tags": if n % 3 == 0 { json!(["fragile"]) } else { json!([]) },
                "defaults": defaults, "origin": "seller",
                "createDate": "2026-11-01T00:00:00Z", "modifyDate": "2026-11-01T00:00:00Z",
            }))
            .expect("the bench product template is valid");
            (product.sku.clone(), product)
        })
        .collect()
}

/// 100 rules of the kinds sellers write: marketplace facts, lines, products, dates. With `selective`, each
/// rule also needs the order number to end in a given digit, so about a tenth of the orders each kind of
/// rule would take (a realistic 2-3 matching rules per order instead of 25).
fn rules(selective: bool) -> Vec<Rule> {
    let criteria = |i: usize| -> Value {
        match i % 10 {
            0 => json!([{"field": "gift", "op": "is_true"}]),
            1 => json!([{"field": "order_total", "op": "between", "value": [100 + i, 150 + i]}]),
            2 => json!([{"field": "weight", "op": "greater_than", "value": format!("{} lb", 5 + i % 20)}]),
            3 => {
                json!([{"lines": "any", "field": "sku", "op": "starts_with", "value": format!("TOOL-00{:02}", i % 50)}])
            }
            4 => json!([{"field": "ship_to_state", "op": "in_list", "value": ["AK", "HI", "PR"]},
                        {"field": "requested_service", "op": "not_equals", "value": "Express"}]),
            5 => json!([{"any": [{"field": "requested_service", "op": "equals", "value": "Express"},
                                 {"field": "ship_by", "op": "before", "value": "now+24h"}]}]),
            6 => json!([{"lines": "all", "field": "product_tags", "op": "contains", "value": "fragile"}]),
            7 => json!([{"field": "item_count", "op": "greater_or_equal", "value": 3},
                        {"lines": "none", "field": "quantity", "op": "greater_than", "value": 2}]),
            8 => json!([{"field": "order_date", "op": "older_than", "value": format!("{}h", 24 + i)}]),
            _ => json!([{"lines": "any", "field": "option", "option": "Color", "op": "equals", "value": "black"},
                        {"field": "order_number", "op": "ends_with", "value": format!("{}", i % 10)}]),
        }
    };
    let actions = |i: usize| -> Value {
        match i % 6 {
            0 => json!([{"add_tag": format!("tag-{}", i % 12)}]),
            1 => json!([{"set_service": {"carrier": "ups", "service": "ups_2nd_day_air", "package": "package"}}]),
            2 => json!([{"set_confirmation": "signature"}, {"add_tag": "signature"}]),
            3 => json!([{"add_internal_note": format!("Checked by rule {i}")}]),
            4 => json!([{"set_custom_field_2": format!("batch-{}", i % 4)}]),
            _ => json!([{"set_packing_slip_template": "gift"}, {"set_insurance": "order_total"}]),
        }
    };
    (0..RULES)
        .map(|i| {
            let mut criteria = criteria(i);
            if selective {
                let digit = json!({"field": "order_number", "op": "ends_with", "value": format!("{}", i % 10)});
                criteria.as_array_mut().expect("criteria are a list").push(digit);
            }
            serde_json::from_value(json!({
                "id": format!("rul_bench{i}"), "name": format!("Bench rule {i}"), "position": i + 1,
                "criteria": criteria, "actions": actions(i),
            }))
            .expect("bench rules are well-formed")
        })
        .collect()
}

fn mapping() -> ServiceMapping {
    let mut mapping = ServiceMapping::default();
    for (requested, service) in
        [("Ground", "ups_ground"), ("Priority", "ups_2nd_day_air"), ("Express", "ups_next_day_air")]
    {
        mapping.set(ServiceMappingEntry {
            requested: requested.into(),
            carrier_code: "ups".into(),
            service_code: service.into(),
            package_code: Some("package".into()),
        });
    }
    mapping
}

fn report(what: &str, took: Duration, per: usize) {
    println!(
        "{what:<52} {:>9.1} ms  {:>8.0} ns/order  {:>8.0} orders/s",
        took.as_secs_f64() * 1000.0,
        took.as_nanos() as f64 / per as f64,
        per as f64 / took.as_secs_f64()
    );
}

fn measure(label: &str, rules: &[Rule], orders: &[Order], products: &HashMap<String, Product>, now: Timestamp) {
    println!("\n{label}");
    let mapping = mapping();
    let started = Instant::now();
    let compiled = CompiledRules::compile(rules).unwrap_or_else(|e| panic!("{e}"));
    let took = started.elapsed().as_secs_f64() * 1000.0;
    println!("{:<52} {took:>9.3} ms", format!("compile and check {} rules", rules.len()));

    if !compiled.is_empty() {
        let started = Instant::now();
        let mut matched = 0usize;
        for order in orders {
            for rule in compiled.rules() {
                matched += usize::from(rule.matches(black_box(order), products, now));
            }
        }
        let took = started.elapsed();
        report("criteria of every rule, every order (no changes)", took, ORDERS);
        println!(
            "{:<52} {:>9.1} ns/rule  ({:.1} matching rules/order)",
            "",
            took.as_nanos() as f64 / (ORDERS * rules.len()) as f64,
            matched as f64 / ORDERS as f64
        );
    }

    let automation = Automation { rules: &compiled, service_mapping: &mapping, products };
    let mut working = orders.to_vec();
    let started = Instant::now();
    let mut changes = 0usize;
    for order in &mut working {
        if let Outcome::Ran(report) = automation.run(order, Trigger::Import, now) {
            changes += report.changes.len();
        }
    }
    let took = started.elapsed();
    report("first run: defaults, mapping, rules, history", took, ORDERS);
    println!("{:<52} {:>9.1} history entries/order", "", changes as f64 / ORDERS as f64);

    let started = Instant::now();
    let mut second = 0usize;
    for order in &mut working {
        if let Outcome::Ran(report) = automation.run(order, Trigger::OnDemand, now) {
            second += report.changes.len() + usize::from(report.order_changed);
        }
    }
    report("second run on its output (changes nothing)", started.elapsed(), ORDERS);
    assert_eq!(second, 0, "a second run must change nothing");

    if let Some(first) = compiled.rules().first() {
        let started = Instant::now();
        let previewed = preview_rule(first, orders, products, now).len();
        report("preview of one rule over every order", started.elapsed(), ORDERS);
        println!("{:<52} {previewed:>9} orders match", "");
    }
}

fn main() {
    let mut rng = Xorshift(0x5EED_CAFE_F00D_0001);
    let mut orders = orders(&mut rng);
    let products = products(&mut rng);
    // As the import does before automation runs: item weights, locations and product links from the catalog.
    for order in &mut orders {
        fill_from_catalog(order, |sku| products.get(sku));
    }
    let now: Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
    println!(
        "{ORDERS} orders ({} lines), {RULES} rules, {SKUS} products",
        orders.iter().map(|o| o.items.len()).sum::<usize>()
    );
    measure("no rules: product defaults and service mapping only", &[], &orders, &products, now);
    measure("typical rules (each takes a few orders)", &rules(true), &orders, &products, now);
    measure("stress rules (each takes many orders)", &rules(false), &orders, &products, now);
}
