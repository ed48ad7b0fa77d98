//! Import write throughput: 50,000 new orders over 3 Central days through `write_import_day`, each with its
//! raw document and one history entry, on SQLite and on PostgreSQL (default durability on both).
//!
//! `cargo bench -p wharf-storage --bench write_import`. Each backend runs in a child process of its own, so
//! the peak RSS printed (VmHWM) is that backend's alone. PostgreSQL is reached as in the conformance suite
//! (`WHARF_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::process::Command;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde_json::json;
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::money::Money;
use wharf_domain::order::{ItemOption, Order, OrderItem};
use wharf_domain::sample;
use wharf_domain::store::{Account, Marketplace, SearsConnection, Store as SalesStore, StoreSettings};
use wharf_storage::testing::{fresh_postgres, fresh_sqlite};
use wharf_storage::{Backend, ImportDayWrite, OrderWrite, Store};

const ORDERS: usize = 50_000;
const DAYS: usize = 3;
const BACKEND_VAR: &str = "WHARF_BENCH_BACKEND";

fn main() {
    match std::env::var(BACKEND_VAR).as_deref() {
        Ok("sqlite") => run(Backend::Sqlite),
        Ok("postgres") => run(Backend::Postgres),
        Ok(other) => panic!("{BACKEND_VAR}={other:?}: use sqlite or postgres"),
        Err(_) => {
            let me = std::env::current_exe().expect("the benchmark knows its own path");
            for backend in ["sqlite", "postgres"] {
                let status = Command::new(&me)
                    .env(BACKEND_VAR, backend)
                    .status()
                    .expect("running the benchmark for one backend");
                assert!(status.success(), "the {backend} benchmark failed");
            }
        }
    }
}

fn run(backend: Backend) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(async {
        let (store, _db) = match backend {
            Backend::Sqlite => fresh_sqlite().await,
            Backend::Postgres => fresh_postgres().await,
        };
        seed(&*store).await;
        let first_day = date(2026, 11, 24);
        let mut written = 0;
        let mut elapsed = Duration::ZERO;
        let (mut json_bytes, mut raw_bytes) = (0, 0);
        for d in 0..DAYS {
            let count = ORDERS / DAYS + usize::from(d < ORDERS % DAYS);
            let po_date = first_day.checked_add(jiff::Span::new().days(d as i64)).expect("valid date");
            let orders: Vec<OrderWrite> = (0..count).map(|i| order_write(written + i, po_date)).collect();
            json_bytes += orders.iter().map(|w| serde_json::to_vec(&w.order).unwrap().len()).sum::<usize>();
            raw_bytes += orders.iter().map(|w| w.raw_document.as_ref().map_or(0, Vec::len)).sum::<usize>();
            let write = ImportDayWrite { new_orders: orders, ..Default::default() };
            // Only the write is timed: building the sample orders is not storage's work.
            let started = Instant::now();
            store
                .write_import_day(&sample::account_id(), &sample::store_id(), write)
                .await
                .expect("writing an import day");
            elapsed += started.elapsed();
            written += count;
        }
        let check = store.count_orders(&sample::account_id(), &Default::default()).await.expect("counting orders");
        assert_eq!(check, ORDERS as u64, "every order was written");
        println!(
            "{:<8} {written} orders in {DAYS} days: {:.2} s, {:.0} orders/s; order JSON {:.1} KB, raw {:.1} KB on \
             average; peak RSS {}",
            backend.as_str(),
            elapsed.as_secs_f64(),
            written as f64 / elapsed.as_secs_f64(),
            json_bytes as f64 / written as f64 / 1024.0,
            raw_bytes as f64 / written as f64 / 1024.0,
            peak_rss(),
        );
    });
}

async fn seed(store: &dyn Store) {
    let created: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let account =
        Account { account_id: sample::account_id(), name: "Bench".into(), alert_email: None, create_date: created };
    store.insert_account(&account).await.expect("inserting the account");
    let sales_store = SalesStore {
        store_id: sample::store_id(),
        account_id: sample::account_id(),
        store_name: "Bench store".into(),
        marketplace: Marketplace::Sears,
        connection: SearsConnection {
            seller_id: "1001".into(),
            email: "seller@example.com".into(),
            base_url: "http://127.0.0.1:9/sears".into(),
        },
        settings: StoreSettings::default(),
        active: true,
        create_date: created,
        modify_date: created,
    };
    store.insert_store(&sales_store, b"sealed").await.expect("inserting the store");
}

/// A realistic order of ~4 KB of JSON: the sample order with a third line, options and notes.
fn order_write(n: usize, po_date: Date) -> OrderWrite {
    let po = format!("{:09}", 100_000_000 + n);
    let id = format!("ord_{n:032}");
    let mut order: Order = sample::order(&id, &po);
    let placed =
        po_date.at(10, (n % 60) as i8, 0, 0).to_zoned_datetime(TimeZone::UTC).expect("valid instant").timestamp();
    let compact = po_date.strftime("%Y%m%d").to_string();
    order.order_key = format!("{compact}{po}");
    order.order_date = placed;
    order.create_date = placed;
    order.modify_date = placed;
    let sears = order.sears.as_mut().expect("the sample has Sears facts");
    sears.po_date = po_date;
    sears.po_number_with_date = format!("{compact}{po}");
    let extra: Vec<OrderItem> = order
        .items
        .iter()
        .take(1)
        .enumerate()
        .map(|(i, item)| {
            let mut item = item.clone();
            item.line_item_key = (i + 3).to_string();
            item.sku = format!("SKU-{:05}-{i}", n % 5000);
            item.name = format!("Stoneware item {i} of a larger set, hand glazed");
            item.unit_price = Money::new(Decimal::new(2_499 + i as i64, 2));
            item.options = vec![
                ItemOption { name: "Color".into(), value: "Ocean blue".into() },
                ItemOption { name: "Size".into(), value: "Large".into() },
            ];
            if let Some(line) = item.sears.as_mut() {
                line.line_number = (i + 3) as u32;
            }
            item
        })
        .collect();
    order.items.extend(extra);
    order.customer_notes = Some("Please leave the parcel with the front desk if nobody answers.".into());
    let raw = raw_document(&order);
    let entry = HistoryEntry {
        at: placed,
        actor: Actor::Import { run_id: None },
        field: "order".into(),
        old: serde_json::Value::Null,
        new: json!(po),
        note: None,
    };
    OrderWrite { order, raw_document: Some(raw), history: vec![entry], expected_modify_date: None }
}

/// About 2 KB of purchase-order XML, as Sears sends it.
fn raw_document(order: &Order) -> Vec<u8> {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<purchase-order>\n  <customer-order-confirmation-number>9000001\
         </customer-order-confirmation-number>\n  <customer-email>masked-email@seller.sears.com</customer-email>\n  \
         <po-number>{}</po-number>\n  <po-date>{}</po-date>\n  <po-time>10:15:00</po-time>\n  \
         <po-number-with-date>{}</po-number-with-date>\n  <channel>FBM</channel>\n  <site>sears</site>\n  \
         <customer-name>Zoë Martínez</customer-name>\n  <shipping-detail>\n    <ship-to-name>Zoë Martínez\
         </ship-to-name>\n    <address>100 Congress Ave</address>\n    <address-2>Suite 5</address-2>\n    \
         <city>Austin</city>\n    <state>TX</state>\n    <zipcode>78701</zipcode>\n    <phone>5125550100</phone>\n    \
         <shipping-method>Ground</shipping-method>\n  </shipping-detail>\n",
        order.order_number,
        order.sears.as_ref().map(|s| s.po_date.to_string()).unwrap_or_default(),
        order.order_key,
    );
    for item in &order.items {
        xml.push_str(&format!(
            "  <po-line>\n    <po-line-header>\n      <line-number>{}</line-number>\n      <item-id>{}</item-id>\n      \
             <item-name>{}</item-name>\n      <selling-price-each>{}</selling-price-each>\n      \
             <commission>1.00</commission>\n      <order-quantity>{}</order-quantity>\n    </po-line-header>\n    \
             <po-line-detail>\n      <po-line-status>NEW</po-line-status>\n      <quantity>{}</quantity>\n    \
             </po-line-detail>\n  </po-line>\n",
            item.line_item_key,
            item.sku,
            item.name,
            item.unit_price.amount(),
            item.quantity,
            item.quantity
        ));
    }
    xml.push_str(
        "  <order-total-sell-price>44.99</order-total-sell-price>\n  <po-status>New</po-status>\n</purchase-order>\n",
    );
    xml.into_bytes()
}

/// The process's peak resident set (VmHWM).
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find_map(|line| line.strip_prefix("VmHWM:").map(|v| v.trim().to_owned())))
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}
