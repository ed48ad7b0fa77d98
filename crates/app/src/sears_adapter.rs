//! The Sears channel adapter: a Sears purchase order (wire type) becomes a Wharf order (domain type),
//! field by field as SPEC.md decision 12 prescribes. Pure; the import decides what to do with the result.

use jiff::Timestamp;
use jiff::civil::Time;
use rust_decimal::Decimal;
use wharf_domain::sears_time::{central_instant, sears_ship_by};
use wharf_domain::status::status_on_first_import;
use wharf_domain::{
    AccountId, Address, AdvancedOptions, Confirmation, DeliveryMethod, Discount, Fee, InsuranceOptions,
    MarketplaceUpdate, Money, Order, OrderId, OrderItem, SearsLine, SearsLineStatus, SearsOrder, SearsPickup,
    SearsShipToStore, SearsShipmentInfo, SearsTotals, StatusMapping, StoreId,
};
use wharf_sears::PurchaseOrder;

pub const PAYMENT_METHOD: &str = "Sears Marketplace";

/// The identity and settings an order is mapped under.
pub struct AdapterContext<'a> {
    pub account_id: &'a AccountId,
    pub store_id: &'a StoreId,
    pub status_mapping: &'a StatusMapping,
    /// The PO API version the response was read with.
    pub api_version: u32,
    pub now: Timestamp,
}

/// Maps one purchase order. `order_id` is used only if the order turns out to be new.
pub fn order_from_sears(po: &PurchaseOrder, order_id: OrderId, cx: &AdapterContext<'_>) -> Order {
    let order_date = central_instant(po.po_date, po.po_time.unwrap_or(Time::midnight()));
    let customer_name = po.customer_name.clone().unwrap_or_default();
    let shipping_address = po.shipping_detail.as_ref().map(|d| {
        address(
            d.ship_to_name.as_deref().unwrap_or(&customer_name),
            &d.address,
            d.city.as_deref(),
            d.state.as_deref(),
            d.zipcode.as_deref(),
            d.phone.as_deref(),
        )
    });
    let pickup = po.lmp_details.as_ref().map(|lmp| SearsPickup {
        order_type: lmp.order_type.clone(),
        pickup_ind: lmp.pickup_ind.clone(),
        location: lmp.pickup_location.as_ref().map(|loc| {
            address(
                loc.name.as_deref().unwrap_or_default(),
                &loc.address,
                loc.city.as_deref(),
                loc.state.as_deref(),
                loc.zipcode.as_deref(),
                loc.phone.as_deref(),
            )
        }),
        delivery_instructions: lmp.delivery_instructions.clone(),
        dropoff_ind: lmp.dropoff_ind.clone(),
        delivery_date: lmp.delivery_date,
        expected_pickup_date: lmp.expected_pickup_date.clone(),
        ucc_barcode: lmp.ucc_barcode.clone(),
    });
    let ship_to_store = po.ship_to_store_detail.as_ref().map(|store| SearsShipToStore {
        address: address(
            &customer_name,
            &store.address,
            store.city.as_deref(),
            store.state.as_deref(),
            store.zipcode.as_deref(),
            store.phone.as_deref(),
        ),
        store_delivery_date: store.store_delivery_date,
        ucc_barcode: store.ucc_barcode.clone(),
    });

    // Decision 3: ship-to-store orders ship to the store and keep the buyer's address as bill-to; pickup
    // orders keep the buyer's address, or the pickup location when Sears sends no shipping address.
    let buyer_address = shipping_address.clone().unwrap_or_else(|| Address {
        name: customer_name.clone(),
        country: "US".into(),
        ..Default::default()
    });
    let (delivery_method, ship_to) = if let Some(store) = &ship_to_store {
        (DeliveryMethod::ShipToStore, store.address.clone())
    } else if po.is_pickup() {
        let location = pickup.as_ref().and_then(|p| p.location.clone());
        let ship_to = match (&shipping_address, location) {
            (Some(a), _) if a.is_shippable() => a.clone(),
            (_, Some(location)) => location,
            _ => buyer_address.clone(),
        };
        (DeliveryMethod::Pickup, ship_to)
    } else {
        (DeliveryMethod::Ship, buyer_address.clone())
    };
    let bill_to = Address { name: customer_name.clone(), ..buyer_address };

    let mut items = Vec::with_capacity(po.po_lines.len());
    let mut discounts = Vec::new();
    let mut fees = Vec::new();
    let mut internal_notes = Vec::new();
    let mut customer_notes = Vec::new();
    let mut gift_messages: Vec<String> = Vec::new();
    let mut gift = false;
    for line in &po.po_lines {
        let h = &line.po_line_header;
        let key = h.line_number.to_string();
        let line_fees: Vec<Fee> = h
            .fees
            .iter()
            .flatten()
            .map(|f| Fee {
                fee_type: f.fee_type.clone().unwrap_or_default(),
                amount: Money::new(f.amount),
                line_item_key: Some(key.clone()),
            })
            .collect();
        for fee in &line_fees {
            if is_discount(&fee.fee_type) {
                discounts.push(Discount {
                    description: fee.fee_type.clone(),
                    amount: fee.amount,
                    line_item_key: fee.line_item_key.clone(),
                });
            } else {
                fees.push(fee.clone());
            }
        }
        if let Some(details) = &h.gift_message_details {
            gift = true;
            let text = details.text.trim();
            if !text.is_empty() && !gift_messages.iter().any(|m| m == text) {
                gift_messages.push(text.to_owned());
            }
        }
        if let Some(instructions) = h.handling_instructions.as_deref().filter(|s| !s.trim().is_empty()) {
            internal_notes.push(format!("Line {key}: handling: {}", instructions.trim()));
        }
        for detail in &line.po_line_details {
            if let Some(memo) = detail.internal_memo.as_deref().filter(|s| !s.trim().is_empty()) {
                internal_notes.push(format!("Line {key}: {}", memo.trim()));
            }
            if let Some(memo) = detail.external_memo.as_deref().filter(|s| !s.trim().is_empty()) {
                customer_notes.push(format!("Line {key}: {}", memo.trim()));
            }
        }
        items.push(OrderItem {
            line_item_key: key,
            sku: h.item_id.clone(),
            name: h.item_name.clone().unwrap_or_else(|| h.item_id.clone()),
            image_url: None,
            weight: None,
            quantity: h.order_quantity,
            unit_price: Money::new(h.selling_price_each),
            tax_amount: money(h.sales_tax),
            shipping_amount: money(h.shipping_and_handling),
            warehouse_location: None,
            options: vec![],
            product_id: None,
            fulfillment_sku: None,
            adjustment: false,
            upc: None,
            sources: Default::default(),
            sears: Some(SearsLine {
                line_number: h.line_number,
                item_id: h.item_id.clone(),
                item_class_id: h.item_class_id.map(|id| id.to_string()),
                oms_order_item_id: h.oms_order_item_id.clone(),
                oms_parent_order_item_id: h.oms_parent_order_item_id.clone(),
                handling_instructions: h.handling_instructions.clone(),
                handling_ind: h.handling_ind.clone(),
                unit_cost: h.unit_cost.map(Money::new),
                commission: money(h.commission),
                shipping_commission: h.shipping_commission.map(Money::new),
                sales_tax: h.sales_tax.map(Money::new),
                shipping_tax: h.shipping_tax.map(Money::new),
                fees: line_fees,
                statuses: line
                    .po_line_details
                    .iter()
                    .map(|d| SearsLineStatus {
                        status: d.po_line_status.clone(),
                        quantity: d.quantity,
                        internal_memo: d.internal_memo.clone(),
                        external_memo: d.external_memo.clone(),
                    })
                    .collect(),
                customer_cancellation_warning: h.customer_cancellation_warning.clone(),
            }),
        });
    }
    if let Some(instructions) = pickup.as_ref().and_then(|p| p.delivery_instructions.as_deref())
        && !instructions.trim().is_empty()
    {
        customer_notes.push(instructions.trim().to_owned());
    }

    let items_total: Money = items.iter().map(|i| i.unit_price * i.quantity).sum();
    let shipping_amount = money(po.total_shipping_handling);
    let tax_amount = money(po.order_sales_tax()) + money(po.total_shipping_tax);
    let order_total = items_total + shipping_amount + tax_amount;
    let amount_paid = po.total_order_value.map(Money::new).unwrap_or(order_total);
    let sears_status = po.po_status.clone().unwrap_or_default();
    let order_key =
        po.po_number_with_date.clone().unwrap_or_else(|| format!("{}{}", po.po_date.strftime("%Y%m%d"), po.po_number));

    Order {
        order_id,
        account_id: cx.account_id.clone(),
        store_id: cx.store_id.clone(),
        order_number: po.po_number.clone(),
        order_key: order_key.clone(),
        order_date,
        create_date: cx.now,
        modify_date: cx.now,
        payment_date: Some(order_date),
        ship_by_date: Some(sears_ship_by(po.po_date, po.po_time, po.expected_ship_date)),
        order_status: status_on_first_import(cx.status_mapping.map(&sears_status)),
        customer_username: None,
        customer_email: po.customer_email.clone(),
        customer_phone: po.shipping_detail.as_ref().and_then(|d| d.phone.clone()),
        bill_to,
        ship_to,
        delivery_method,
        items,
        order_total,
        amount_paid,
        tax_amount,
        shipping_amount,
        discounts,
        fees,
        customer_notes: join_lines(customer_notes),
        internal_notes: join_lines(internal_notes),
        notes_to_buyer: None,
        gift,
        gift_message: join_lines(gift_messages),
        payment_method: Some(PAYMENT_METHOD.into()),
        requested_shipping_service: po.shipping_detail.as_ref().and_then(|d| d.shipping_method.clone()),
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
        advanced_options: AdvancedOptions { source: Some("sears".into()), ..AdvancedOptions::new(cx.store_id.clone()) },
        tags: vec![],
        sources: Default::default(),
        notices: vec![],
        marketplace_update: MarketplaceUpdate::default(),
        sears: Some(SearsOrder {
            po_number: po.po_number.clone(),
            po_date: po.po_date,
            po_time: po.po_time,
            po_number_with_date: order_key,
            customer_order_confirmation_number: po.customer_order_confirmation_number.clone(),
            status: sears_status,
            site: po.site.clone(),
            channel: po.channel.clone(),
            unit: po.unit.clone(),
            location_id: po.location_id.clone(),
            expected_ship_date: po.expected_ship_date,
            promised_date: po.promised_date,
            customer_name,
            shipping_carrier: po.shipping_detail.as_ref().and_then(|d| d.carrier.clone()),
            pickup,
            ship_to_store,
            totals: SearsTotals {
                order_total_sell_price: money(po.order_total_sell_price),
                total_commission: money(po.total_commission),
                total_shipping_handling: shipping_amount,
                total_sales_tax: money(po.order_sales_tax()),
                total_shipping_tax: po.total_shipping_tax.map(Money::new),
                total_order_value: po.total_order_value.map(Money::new),
                balance_due: money(po.balance_due),
                tax_remitted_to_seller: po.tax_remitted_to_seller.clone(),
            },
            shipments: po
                .po_shipment_info
                .iter()
                .flatten()
                .map(|s| SearsShipmentInfo {
                    ship_method: s.ship_method.clone().unwrap_or_default(),
                    tracking_number: s.shipment_tracking_number.clone().unwrap_or_default(),
                })
                .collect(),
            tax_certificate_url: po.tax_certificate_url.clone(),
            lease_order: po.lease_order.clone(),
            api_version: cx.api_version,
            cancellation_requests: vec![],
            return_requests: vec![],
        }),
    }
}

/// Decision 12: a fee whose type mentions a discount, coupon or promotion is a discount.
fn is_discount(fee_type: &str) -> bool {
    let t = fee_type.to_ascii_lowercase();
    ["discount", "coupon", "promo"].iter().any(|word| t.contains(word))
}

fn money(value: Option<Decimal>) -> Money {
    value.map(Money::new).unwrap_or(Money::ZERO)
}

fn join_lines(lines: Vec<String>) -> Option<String> {
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn address(
    name: &str,
    lines: &[String],
    city: Option<&str>,
    state: Option<&str>,
    zip: Option<&str>,
    phone: Option<&str>,
) -> Address {
    Address {
        name: name.trim().to_owned(),
        city: city.unwrap_or_default().trim().to_owned(),
        state: state.unwrap_or_default().trim().to_owned(),
        postal_code: zip.unwrap_or_default().trim().to_owned(),
        // Sears sends no country: every Sears Marketplace order ships within the US.
        country: "US".into(),
        phone: phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()),
        ..Default::default()
    }
    .with_street_lines(lines)
}
