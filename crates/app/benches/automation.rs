//! Automation over stored orders: 100 rules over 100,000 orders in a fresh SQLite file, the reads and the writes
//! (orders and history, in one transaction per page) included, through `wharf_app::automation::reprocess`, the
//! code `wharf orders reprocess --all` runs.
//!
//! `cargo bench -p wharf-app --bench automation` (`-- --orders N` for another count). The orders, products and
//! rules are generated as in the domain crate's pure benchmark (`crates/domain/benches/automation.rs`, whose
//! generator this copies: benchmarks cannot share code): each order 1 to 4 lines of 200 products, Ground /
//! Priority / Express / Standard, a tenth of them gifts; rules of the kinds sellers write (marketplace facts,
//! lines, products, dates), each taking about a tenth of the orders. Setting up (writing the orders) is not
//! timed. Printed: a read-only pass over every page (what reading costs), the first run (which changes about
//! every order: the service mapping alone sets three fields), and a second run (which must change nothing).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use wharf_app::automation::{self, RunSummary, Selection};
use wharf_app::{App, MasterKey};
use wharf_domain::automation::Rule;
use wharf_domain::catalog::fill_from_catalog;
use wharf_domain::clock::ManualClock;
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::order::Order;
use wharf_domain::product::Product;
use wharf_domain::service_mapping::{ServiceMapping, ServiceMappingEntry};
use wharf_domain::store::{Marketplace, SearsConnection, Store as SalesStore, StoreSettings};
use wharf_domain::{AccountId, OrderId, StoreId};
use wharf_sears::{RateLimiter, SearsConfig};
use wharf_storage::rules::OpenOrderPage;
use wharf_storage::{ImportDayWrite, OrderWrite};

// The allocator of the `wharf` binary, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RULES: usize = 100;
const SKUS: usize = 200;
/// Orders per setup write (not timed).
const ORDERS_PER_WRITE: usize = 10_000;

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

fn base_order(account: &AccountId, store: &StoreId) -> Order {
    let line = json!({
        "lineItemKey": "1", "sku": "KTCH-0000-BLK", "name": "Countertop Blender 600W", "quantity": 1,
        "unitPrice": 49.99, "options": [{"name": "Color", "value": "Black"}],
    });
    serde_json::from_value(json!({
        "orderId": "ord_00000000000000000000000000000000", "accountId": account, "storeId": store,
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
        "advancedOptions": {"storeId": store},
        // The Sears facts an import stores (the natural key is the PO number and date).
        "sears": {
            "poNumber": "5000000", "poDate": "2026-11-26", "poNumberWithDate": "202611265000000", "status": "New",
            "customerName": "Maria Gonzalez", "apiVersion": 19,
            "totals": {"orderTotalSellPrice": 49.99, "totalCommission": 5.0, "totalShippingHandling": 8.99,
                       "totalSalesTax": 0, "balanceDue": 53.98},
        },
    }))
    .expect("the bench order template is valid")
}

fn orders(rng: &mut Xorshift, count: usize, account: &AccountId, store: &StoreId) -> Vec<Order> {
    let base = base_order(account, store);
    (0..count)
        .map(|n| {
            let mut order = base.clone();
            order.order_id = format!("ord_{n:032}").parse().unwrap();
            order.order_number = format!("{}", 5_000_000 + n);
            order.order_key = format!("20261126{}", order.order_number);
            order.ship_to.state = STATES[rng.below(8) as usize].into();
            order.requested_shipping_service = Some(SERVICES[rng.below(4) as usize].into());
            order.gift = rng.below(10) == 0;
            order.order_date = Timestamp::from_second(1_795_000_000 + rng.below(600_000) as i64).unwrap();
            order.ship_by_date = Some(order.order_date + SignedDuration::from_hours(48));
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
            let sears = order.sears.as_mut().expect("the template has Sears facts");
            sears.po_number = order.order_number.clone();
            sears.po_number_with_date = order.order_key.clone();
            order
        })
        .collect()
}

fn products(rng: &mut Xorshift, account: &AccountId) -> Vec<Product> {
    (0..SKUS as u64)
        .map(|n| {
            let defaults = if n % 5 == 0 {
                json!({"carrierCode": "ups", "serviceCode": "ups_ground", "packageCode": "package"})
            } else if n % 7 == 0 {
                json!({"confirmation": "signature", "insure": true})
            } else {
                json!({})
            };
            serde_json::from_value(json!({
                "productId": format!("prd_{n}"), "accountId": account, "sku": sku(n), "name": format!("Product {n}"),
                "weight": {"value": 2 + rng.below(400), "units": "ounces"},
                "warehouseLocation": format!("A-{:02}-{}", n % 40, n % 5),
                "tags": if n % 3 == 0 { json!(["fragile"]) } else { json!([]) },
                "defaults": defaults, "origin": "seller",
                "createDate": "2026-11-01T00:00:00Z", "modifyDate": "2026-11-01T00:00:00Z",
            }))
            .expect("the bench product template is valid")
        })
        .collect()
}

/// 100 rules of the kinds sellers write; each also needs the order number to end in a given digit, so each
/// takes about a tenth of the orders it would otherwise (a realistic few matching rules per order).
fn rules() -> Vec<Rule> {
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
            let digit = json!({"field": "order_number", "op": "ends_with", "value": format!("{}", i % 10)});
            criteria.as_array_mut().expect("criteria are a list").push(digit);
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

fn report(what: &str, seconds: f64, orders: usize, summary: Option<&RunSummary>) {
    print!("{what:<44} {seconds:>7.2} s  {:>8.0} orders/s", orders as f64 / seconds);
    if let Some(s) = summary {
        print!("  ({} changed, {} history entries)", s.changed, s.history_entries);
    }
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args
        .iter()
        .position(|a| a == "--orders")
        .and_then(|i| args.get(i + 1))
        .map_or(100_000, |n| n.parse().expect("--orders takes a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (store, _db) = wharf_storage::testing::fresh_sqlite().await;
        let dir = tempfile::tempdir().unwrap();
        let now: Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
        let app = App::new(
            store,
            Arc::new(ManualClock::new(now)),
            MasterKey::generate(),
            SearsConfig::default(),
            RateLimiter::in_memory(),
            dir.path().to_owned(),
        );
        let account = app.store.default_account(now).await.unwrap().account_id;
        let store_id: StoreId = "sto_bench".parse().unwrap();
        let settings = StoreSettings { service_mapping: mapping(), auto_import: false, ..StoreSettings::default() };
        let sales_store = SalesStore {
            store_id: store_id.clone(),
            account_id: account.clone(),
            store_name: "bench".into(),
            marketplace: Marketplace::Sears,
            connection: SearsConnection {
                seller_id: "1001".into(),
                email: "bench@example.com".into(),
                base_url: "http://127.0.0.1:9".into(),
            },
            settings,
            active: true,
            create_date: now,
            modify_date: now,
        };
        app.store.insert_store(&sales_store, b"not used").await.unwrap();
        let mut rng = Xorshift(0x5EED_CAFE_F00D_0001);
        let mut generated = orders(&mut rng, count, &account, &store_id);
        let catalog = products(&mut rng, &account);
        app.store.upsert_products(&account, &catalog).await.unwrap();
        // As the import stores them: item weights, locations and product links filled from the catalog.
        let by_sku: HashMap<&str, &Product> = catalog.iter().map(|p| (p.sku.as_str(), p)).collect();
        for order in &mut generated {
            fill_from_catalog(order, |sku| by_sku.get(sku).copied());
        }
        for chunk in generated.chunks(ORDERS_PER_WRITE) {
            let new_orders = chunk
                .iter()
                .map(|o| OrderWrite {
                    order: o.clone(),
                    raw_document: None,
                    history: vec![HistoryEntry {
                        at: o.create_date,
                        actor: Actor::Import { run_id: None },
                        field: "order".into(),
                        old: Value::Null,
                        new: json!("awaiting_shipment"),
                        note: None,
                    }],
                    expected_modify_date: None,
                })
                .collect();
            let day = ImportDayWrite { new_orders, ..ImportDayWrite::default() };
            app.store.write_import_day(&account, &store_id, day).await.unwrap();
        }
        drop(generated);
        app.store.save_rule_set(&account, 0, &rules(), now).await.unwrap();
        println!(
            "automation benchmark: {count} orders, {RULES} rules, {SKUS} products, SQLite ({} cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );

        let started = Instant::now();
        let mut page = OpenOrderPage::first(automation::PAGE);
        let mut read = 0;
        loop {
            let orders = app.store.open_orders_page(&account, &page).await.unwrap();
            let Some(last) = orders.last() else { break };
            page.after = Some(last.order_id.clone());
            read += orders.len();
        }
        assert_eq!(read, count);
        report("reading every page (no evaluation)", started.elapsed().as_secs_f64(), count, None);

        let all = Selection::default();
        let started = Instant::now();
        let first = automation::reprocess(&app, &account, &all).await.unwrap();
        report("first run: read, evaluate, write", started.elapsed().as_secs_f64(), count, Some(&first));
        assert_eq!(first.examined as usize, count);
        assert!(first.conflicts.is_empty());

        let started = Instant::now();
        let second = automation::reprocess(&app, &account, &all).await.unwrap();
        report("second run: read, evaluate (changes nothing)", started.elapsed().as_secs_f64(), count, Some(&second));
        assert_eq!((second.changed, second.history_entries), (0, 0), "a second run changes nothing");

        let sample: OrderId = "ord_00000000000000000000000000000007".parse().unwrap();
        let history = app.store.order_history(&account, &sample).await.unwrap();
        assert!(history.len() > 1, "the first run's history is stored");
    });
}
