//! Sample data for tests (here and, with the `test-support` feature, in other crates).

use jiff::Timestamp;
use jiff::civil::{Time, date};
use rust_decimal::Decimal;

use crate::address::Address;
use crate::ids::{AccountId, OrderId, ProductId, StoreId};
use crate::measure::Weight;
use crate::money::Money;
use crate::order::*;
use crate::product::{Product, ProductOrigin, ProductShippingDefaults};
use crate::status::OrderStatus;

pub fn account_id() -> AccountId {
    "acc_sample".parse().expect("valid id")
}

pub fn store_id() -> StoreId {
    "sto_sample".parse().expect("valid id")
}

fn money(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2))
}

/// A two-line Sears order of 2026-11-26 10:15 Central: 2 x SKU `MUG-BLUE` at $12.50 and 1 x `TEE-L` at $19.99.
pub fn order(order_id: &str, po_number: &str) -> Order {
    let placed: Timestamp = "2026-11-26T16:15:00Z".parse().expect("valid timestamp");
    let ship_to = Address {
        name: "Zoë Martínez".into(),
        city: "Austin".into(),
        state: "TX".into(),
        postal_code: "78701".into(),
        country: "US".into(),
        phone: Some("512-555-0100".into()),
        ..Default::default()
    }
    .with_street_lines(&["100 Congress Ave", "Suite 5"]);
    let line = |key: &str, sku: &str, name: &str, qty: u32, price: i64| OrderItem {
        line_item_key: key.into(),
        sku: sku.into(),
        name: name.into(),
        image_url: None,
        weight: None,
        quantity: qty,
        unit_price: money(price),
        tax_amount: Money::ZERO,
        shipping_amount: Money::ZERO,
        warehouse_location: None,
        options: vec![],
        product_id: None,
        fulfillment_sku: None,
        adjustment: false,
        upc: None,
        sources: Default::default(),
        sears: Some(SearsLine {
            line_number: key.parse().expect("numeric line"),
            item_id: sku.into(),
            item_class_id: None,
            oms_order_item_id: None,
            oms_parent_order_item_id: None,
            handling_instructions: None,
            handling_ind: None,
            unit_cost: None,
            commission: money(100),
            shipping_commission: None,
            sales_tax: None,
            shipping_tax: None,
            fees: vec![],
            statuses: vec![SearsLineStatus {
                status: "NEW".into(),
                quantity: qty,
                internal_memo: None,
                external_memo: None,
            }],
            customer_cancellation_warning: None,
        }),
    };
    let po_date = date(2026, 11, 26);
    Order {
        order_id: order_id.parse().expect("valid id"),
        account_id: account_id(),
        store_id: store_id(),
        order_number: po_number.into(),
        order_key: format!("20261126{po_number}"),
        order_date: placed,
        create_date: placed,
        modify_date: placed,
        payment_date: Some(placed),
        ship_by_date: Some("2026-11-28T16:15:00Z".parse().expect("valid timestamp")),
        order_status: OrderStatus::AwaitingShipment,
        customer_username: None,
        customer_email: Some("masked-email@seller.sears.com".into()),
        customer_phone: Some("512-555-0100".into()),
        bill_to: Address { name: "Zoë Martínez".into(), ..Default::default() },
        ship_to,
        delivery_method: DeliveryMethod::Ship,
        items: vec![line("1", "MUG-BLUE", "Blue mug", 2, 1250), line("2", "TEE-L", "T-shirt, large", 1, 1999)],
        order_total: money(4499),
        amount_paid: money(4499),
        tax_amount: Money::ZERO,
        shipping_amount: Money::ZERO,
        discounts: vec![],
        fees: vec![],
        customer_notes: None,
        internal_notes: None,
        notes_to_buyer: None,
        gift: false,
        gift_message: None,
        payment_method: Some("Sears Marketplace".into()),
        requested_shipping_service: Some("Ground".into()),
        carrier_code: None,
        service_code: None,
        package_code: None,
        confirmation: Confirmation::None,
        ship_date: None,
        hold_until_date: None,
        weight: None,
        dimensions: None,
        insurance_options: InsuranceOptions::default(),
        international_options: None,
        advanced_options: AdvancedOptions::new(store_id()),
        tags: vec![],
        sources: Default::default(),
        notices: vec![],
        marketplace_update: MarketplaceUpdate::default(),
        sears: Some(SearsOrder {
            po_number: po_number.into(),
            po_date,
            po_time: Some(Time::constant(10, 15, 0, 0)),
            po_number_with_date: format!("20261126{po_number}"),
            customer_order_confirmation_number: Some("9000001".into()),
            status: "New".into(),
            site: Some("sears".into()),
            channel: Some("FBM".into()),
            unit: None,
            location_id: None,
            expected_ship_date: None,
            promised_date: None,
            customer_name: "Zoë Martínez".into(),
            shipping_carrier: None,
            pickup: None,
            ship_to_store: None,
            totals: SearsTotals {
                order_total_sell_price: money(4499),
                total_commission: money(300),
                total_shipping_handling: Money::ZERO,
                total_sales_tax: Money::ZERO,
                total_shipping_tax: None,
                total_order_value: None,
                balance_due: money(4199),
                tax_remitted_to_seller: None,
            },
            shipments: vec![],
            tax_certificate_url: None,
            lease_order: None,
            api_version: 19,
            cancellation_requests: vec![],
            return_requests: vec![],
        }),
    }
}

/// A complete catalog product: `sku` weighing `ounces`, stored at `location`.
pub fn product(sku: &str, ounces: i64, location: &str) -> Product {
    let at: Timestamp = "2026-11-01T00:00:00Z".parse().expect("valid timestamp");
    Product {
        product_id: format!("prd_{}", sku.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), ""))
            .parse::<ProductId>()
            .expect("valid id"),
        account_id: account_id(),
        sku: sku.into(),
        name: format!("Product {sku}"),
        weight: Some(Weight::ounces(Decimal::from(ounces))),
        dimensions: None,
        image_url: Some(format!("http://127.0.0.1/img/{sku}.png")),
        options: vec![ItemOption { name: "Color".into(), value: "Blue".into() }],
        warehouse_location: Some(location.into()),
        tags: vec![],
        upc: None,
        customs: None,
        defaults: ProductShippingDefaults::default(),
        origin: ProductOrigin::Seller,
        create_date: at,
        modify_date: at,
    }
}

pub fn order_id(n: u32) -> OrderId {
    format!("ord_{n:032}").parse().expect("valid id")
}
