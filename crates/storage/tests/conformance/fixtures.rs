//! Accounts, stores and orders the tests build on, from `wharf_domain::sample`.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::json;
use wharf_domain::history::{Actor, HistoryEntry};
use wharf_domain::sample;
use wharf_domain::store::{Account, Marketplace, SearsConnection, Store as SalesStore, StoreSettings};
use wharf_domain::{AccountId, Order, OrderId, OrderStatus, StoreId};
use wharf_storage::{ImportDayWrite, OrderWrite, Store};

pub fn at(text: &str) -> Timestamp {
    text.parse().expect("test instants are valid")
}

pub fn day(text: &str) -> Date {
    text.parse().expect("test dates are valid")
}

/// The sample account (`acc_sample`), owner of the sample store.
pub fn account_a() -> AccountId {
    sample::account_id()
}

pub fn account_b() -> AccountId {
    "acc_other".parse().expect("valid id")
}

pub fn store_a() -> StoreId {
    sample::store_id()
}

pub fn store_b() -> StoreId {
    "sto_other".parse().expect("valid id")
}

pub fn account(id: &AccountId, name: &str) -> Account {
    Account { account_id: id.clone(), name: name.into(), alert_email: None, create_date: at("2026-11-01T09:00:00Z") }
}

pub fn store(id: &StoreId, account: &AccountId, name: &str, seller_id: &str) -> SalesStore {
    SalesStore {
        store_id: id.clone(),
        account_id: account.clone(),
        store_name: name.into(),
        marketplace: Marketplace::Sears,
        connection: SearsConnection {
            seller_id: seller_id.into(),
            email: "seller@example.com".into(),
            base_url: "http://127.0.0.1:9/sears".into(),
        },
        settings: StoreSettings::default(),
        active: true,
        create_date: at("2026-11-01T10:00:00Z"),
        modify_date: at("2026-11-01T10:00:00Z"),
    }
}

/// Account A with store A ("Main", seller 1001), as most tests start.
pub async fn seed(store: &dyn Store) {
    store.insert_account(&account(&account_a(), "Acme")).await.unwrap();
    store.insert_store(&self::store(&store_a(), &account_a(), "Main", "1001"), b"sealed-a").await.unwrap();
}

/// Account B with store B ("Other", seller 2002), for scoping tests.
pub async fn seed_b(store: &dyn Store) {
    store.insert_account(&account(&account_b(), "Bolt")).await.unwrap();
    store.insert_store(&self::store(&store_b(), &account_b(), "Other", "2002"), b"sealed-b").await.unwrap();
}

pub fn order_id(n: u32) -> OrderId {
    sample::order_id(n)
}

/// The sample order as order `n` of store A, PO `po` placed on `po_date` at 16:15 UTC.
pub fn order(n: u32, po: &str, po_date: Date) -> Order {
    let mut order = sample::order(order_id(n).as_str(), po);
    let placed = po_date.at(16, 15, 0, 0).to_zoned_datetime(TimeZone::UTC).expect("valid instant").timestamp();
    let compact = po_date.strftime("%Y%m%d").to_string();
    order.order_key = format!("{compact}{po}");
    order.order_date = placed;
    order.create_date = placed;
    order.modify_date = placed;
    order.payment_date = Some(placed);
    let sears = order.sears.as_mut().expect("the sample order has Sears facts");
    sears.po_date = po_date;
    sears.po_number_with_date = format!("{compact}{po}");
    order
}

/// The order moved to account B / store B.
pub fn order_of_b(n: u32, po: &str, po_date: Date) -> Order {
    let mut order = order(n, po, po_date);
    order.account_id = account_b();
    order.store_id = store_b();
    order.advanced_options.store_id = store_b();
    order
}

pub fn with_status(mut order: Order, status: OrderStatus) -> Order {
    order.order_status = status;
    order
}

/// A raw document like the XML Sears sends for `order`.
pub fn raw_document(order: &Order) -> Vec<u8> {
    format!(
        "<purchase-order><po-number>{}</po-number><customer-name>Zoë Martínez</customer-name></purchase-order>",
        order.order_number
    )
    .into_bytes()
}

pub fn created_entry(order: &Order) -> HistoryEntry {
    HistoryEntry {
        at: order.create_date,
        actor: Actor::Import { run_id: None },
        field: "order".into(),
        old: serde_json::Value::Null,
        new: json!(order.order_number),
        note: None,
    }
}

/// A new order as an import writes it: with its raw document and one creation entry.
pub fn new_write(order: Order) -> OrderWrite {
    OrderWrite {
        raw_document: Some(raw_document(&order)),
        history: vec![created_entry(&order)],
        expected_modify_date: None,
        order,
    }
}

/// Writes these orders as one import day of store A.
pub async fn import_new(store: &dyn Store, orders: Vec<Order>) {
    import_new_for(store, &account_a(), &store_a(), orders).await
}

pub async fn import_new_for(store: &dyn Store, account: &AccountId, sales_store: &StoreId, orders: Vec<Order>) {
    let write = ImportDayWrite { new_orders: orders.into_iter().map(new_write).collect(), ..Default::default() };
    store.write_import_day(account, sales_store, write).await.unwrap();
}

pub fn ids(orders: &[Order]) -> Vec<String> {
    orders.iter().map(|o| o.order_id.to_string()).collect()
}
