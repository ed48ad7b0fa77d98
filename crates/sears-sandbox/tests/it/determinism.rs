//! The same seed and clock give byte-identical documents; random orders are realistic and cover what SEED.md says.

use std::collections::{BTreeSet, HashMap};

use jiff::civil::{Date, DateTime};
use wharf_sears_sandbox::{OrderFilter, SandboxClock, SandboxConfig};

use crate::common::*;

async fn seeded(seed: u64, orders: usize) -> Sears {
    start(SandboxConfig { clock: SandboxClock::fixed(now()), seed, orders, ..SandboxConfig::default() }).await
}

#[tokio::test]
async fn the_same_seed_gives_identical_bytes() {
    let a = seeded(7, 400).await;
    let b = seeded(7, 400).await;
    let c = seeded(8, 400).await;
    for version in [4, 13, 19] {
        let first = a.purchase_orders(version, "").await.body;
        assert_eq!(first, b.purchase_orders(version, "").await.body, "v{version}");
        assert_ne!(first, c.purchase_orders(version, "").await.body, "another seed gives other orders (v{version})");
    }
    for path in ["oms/cancellationrequest/v1", "oms/returnsrequest/v1"] {
        let query = format!("{path}?{}", a.seller_query());
        assert_eq!(a.get(&query).await.body, b.get(&query).await.body);
    }
}

#[tokio::test]
async fn random_orders_are_realistic_and_cover_the_features() {
    let sears = seeded(11, 3000).await;
    let summary = sears.sandbox.seeded().unwrap().clone();
    assert_eq!((summary.showcase_orders, summary.random_orders), (17, 3000));
    assert_eq!(summary.today, date("2024-05-03"));
    let states = sears.sandbox.control().orders(&OrderFilter::default()).unwrap();
    // Seed 11 numbers its random orders from 31,000,000 (SEED.md).
    let random: Vec<_> =
        states.iter().filter(|s| s.order.po_number.parse::<u64>().unwrap() > 31_000_000).map(|s| &s.order).collect();
    assert_eq!(random.len(), 3000);

    let now_central = jiff::civil::date(2024, 5, 3).at(15, 0, 0, 0);
    let window_start: Date = date("2024-05-01");
    let mut stale = 0;
    let mut statuses = BTreeSet::new();
    let mut methods = BTreeSet::new();
    let mut dates_by_number: HashMap<&str, Vec<Date>> = HashMap::new();
    let (mut pickup, mut store, mut gift, mut fee, mut discount, mut memo, mut long_sku, mut no_address, mut non_ascii) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0);
    for order in &random {
        assert!(DateTime::from_parts(order.po_date, order.po_time) <= now_central, "no order is in the future");
        if order.po_date < window_start {
            stale += 1;
            assert!(order.po_date >= date("2024-04-24"), "stale orders are 1 to 7 days before the window");
        }
        assert!((1..=5).contains(&order.lines.len()));
        statuses.insert(order.status.clone());
        methods.insert(order.shipping.shipping_method.clone());
        dates_by_number.entry(&order.po_number).or_default().push(order.po_date);
        pickup += usize::from(order.pickup.is_some());
        store += usize::from(order.ship_to_store.is_some());
        no_address += usize::from(order.shipping.city.is_empty());
        non_ascii += usize::from(!order.customer_name.is_ascii());
        for line in &order.lines {
            assert!(line.selling_price_each > rust_decimal::Decimal::ZERO);
            assert!(line.item_id.chars().count() <= 50, "the XSD allows 50");
            gift += usize::from(line.gift_message.is_some());
            fee += line.fees.iter().filter(|f| f.amount.is_sign_positive()).count();
            discount += line.fees.iter().filter(|f| f.amount.is_sign_negative()).count();
            memo += usize::from(line.internal_memo.is_some() || line.external_memo.is_some());
            long_sku += usize::from(line.item_id.chars().count() >= 42);
            let q = line.quantities;
            assert_eq!(q.open + q.shipped + q.cancelled, line.order_quantity);
        }
    }
    let reused = dates_by_number.values().filter(|dates| dates.len() > 1).count();
    for (name, count) in [
        ("stale", stale),
        ("pickup", pickup),
        ("ship to store", store),
        ("gift", gift),
        ("fee", fee),
        ("discount", discount),
        ("memo", memo),
        ("42+ SKU", long_sku),
        ("no address", no_address),
        ("non-ASCII name", non_ascii),
        ("reused PO number", reused),
    ] {
        assert!(count > 0, "3000 random orders include {name}");
    }
    assert!(
        dates_by_number.values().all(|dates| dates.iter().collect::<BTreeSet<_>>().len() == dates.len()),
        "a number repeats only on different dates"
    );
    assert_eq!(methods, ["Express", "Ground", "Priority"].iter().map(|s| s.to_string()).collect());
    for status in ["New", "Open", "Closed", "Ready to Invoice", "Processing", "Overdue"] {
        assert!(statuses.contains(status), "{status} in {statuses:?}");
    }
}
