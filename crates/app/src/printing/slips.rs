//! Domain orders and stores turned into the documents crate's packing slips, pick lists and labels.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rust_decimal::Decimal;
use wharf_documents::{
    Address as DocAddress, Branding, CarrierImage, CarrierPdf, ItemOption, Label, LabelMessages, PackingSlip, PickItem,
    PickOrder, Rgb, Rotation, SharedBytes, SlipItem, Totals,
};
use wharf_domain::product::Product;
use wharf_domain::sears_time::central_date;
use wharf_domain::shipment::{LabelFile, Shipment};
use wharf_domain::shipping_codes::ShippingCodes;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{Address, Order, OrderItem};

use crate::{AppError, AppResult};

/// The accent colour of a store that has not chosen one.
const DEFAULT_COLOR: Rgb = Rgb::new(0x1f, 0x6f, 0xeb);

/// Item facts as printed: the order's own values, else the catalog's (a product filled in after the order
/// was imported still shows its picture and shelf).
#[derive(Debug, Clone)]
pub struct PrintedItem<'a> {
    pub item: &'a OrderItem,
    pub image_url: Option<&'a str>,
    pub location: Option<&'a str>,
    pub options: Vec<ItemOption>,
}

/// The order's physical lines (Sears adjustment lines are not packed), with catalog fallbacks.
pub fn printed_items<'a>(order: &'a Order, catalog: &'a HashMap<String, Product>) -> Vec<PrintedItem<'a>> {
    order
        .items
        .iter()
        .filter(|item| !item.adjustment)
        .map(|item| {
            let product = catalog.get(&item.sku);
            let non_blank = |s: &'a Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty());
            let options = if item.options.is_empty() {
                product.map(|p| &p.options[..]).unwrap_or(&[])
            } else {
                &item.options[..]
            };
            PrintedItem {
                item,
                image_url: non_blank(&item.image_url).or_else(|| product.and_then(|p| non_blank(&p.image_url))),
                location: non_blank(&item.warehouse_location)
                    .or_else(|| product.and_then(|p| non_blank(&p.warehouse_location))),
                options: options.iter().map(|o| ItemOption { name: o.name.clone(), value: o.value.clone() }).collect(),
            }
        })
        .collect()
}

pub fn document_address(address: &Address) -> DocAddress {
    DocAddress {
        name: address.name.clone(),
        company: address.company.clone(),
        street: address.street_lines().map(str::to_owned).collect(),
        city: address.city.clone(),
        region: address.state.clone(),
        postal_code: address.postal_code.clone(),
        country_code: address.country.clone(),
        phone: address.phone.clone(),
    }
}

/// The store's branding for slips; the logo when it could be fetched.
pub fn branding(store: &SalesStore, footer: Option<&str>, images: &HashMap<String, SharedBytes>) -> Branding {
    let brand = &store.settings.branding;
    let non_blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    Branding {
        company_name: non_blank(&brand.company_name).unwrap_or_else(|| store.store_name.clone()),
        logo: brand.logo_url.as_deref().and_then(|url| images.get(url.trim()).cloned()),
        email: non_blank(&brand.contact_email),
        phone: non_blank(&brand.contact_phone),
        color: brand.primary_color.as_deref().and_then(|c| c.parse().ok()).unwrap_or(DEFAULT_COLOR),
        footer: footer.map(str::to_owned),
    }
}

/// The service the order ships with, as customers know it ("UPS Ground").
pub fn service_name(order: &Order, shipment: Option<&Shipment>) -> Option<String> {
    let code = shipment.map(|s| s.service_code.as_str()).or(order.service_code.as_deref());
    match code.and_then(ShippingCodes::service) {
        Some(service) => Some(service.name.to_owned()),
        None => order.requested_shipping_service.clone(),
    }
}

/// Everything one packing slip shows for `order`.
pub fn packing_slip(
    order: &Order,
    items: &[PrintedItem<'_>],
    branding: Branding,
    shipping_method: Option<String>,
    images: &HashMap<String, SharedBytes>,
) -> PackingSlip {
    let subtotal: Decimal = items.iter().map(|p| p.item.unit_price.amount() * Decimal::from(p.item.quantity)).sum();
    // Sears lists gift wrap and similar charges as fees: they are shown with shipping and handling, and
    // negative fees are already discounts, so the rows add up to what the buyer paid.
    let handling_fees: Decimal = order.fees.iter().map(|f| f.amount.amount()).filter(|a| a.is_sign_positive()).sum();
    let discount: Decimal = order.discounts.iter().map(|d| d.amount.amount().abs()).sum();
    PackingSlip {
        branding,
        order_number: order.order_number.clone(),
        order_date: central_date(order.order_date),
        shipping_method,
        ship_to: document_address(&order.ship_to),
        bill_to: Some(document_address(&order.bill_to)),
        items: items
            .iter()
            .map(|p| SlipItem {
                sku: p.item.sku.clone(),
                name: p.item.name.clone(),
                options: p.options.clone(),
                quantity: p.item.quantity,
                unit_price: p.item.unit_price.amount(),
                location: p.location.map(str::to_owned),
                thumbnail: p.image_url.and_then(|url| images.get(url).cloned()),
            })
            .collect(),
        gift_message: if order.gift { order.gift_message.clone() } else { None },
        notes_to_buyer: order.notes_to_buyer.clone(),
        totals: Totals {
            currency: "USD".into(),
            subtotal,
            shipping: order.shipping_amount.amount() + handling_fees,
            tax: order.tax_amount.amount(),
            discount,
            total: order.amount_paid.amount(),
        },
    }
}

pub fn pick_order(order: &Order, items: &[PrintedItem<'_>]) -> PickOrder {
    PickOrder {
        order_number: order.order_number.clone(),
        items: items
            .iter()
            .map(|p| PickItem {
                sku: p.item.sku.clone(),
                name: p.item.name.clone(),
                options: p.options.clone(),
                quantity: p.item.quantity,
                location: p.location.map(str::to_owned),
            })
            .collect(),
    }
}

/// A stored label file as the documents crate prints it.
pub fn document_label(file: &LabelFile, messages: &LabelMessages) -> AppResult<Label> {
    let bytes = || {
        BASE64.decode(file.data.as_bytes()).map_err(|e| {
            AppError::InvalidInput(format!(
                "a stored {} label is not valid base64 ({e}); void it and buy it again",
                file.format
            ))
        })
    };
    Ok(match file.format.to_ascii_lowercase().as_str() {
        "gif" | "png" | "jpg" | "jpeg" => Label::CarrierImage(CarrierImage {
            bytes: SharedBytes::from(bytes()?),
            rotation: Rotation::Auto,
            messages: messages.clone(),
        }),
        "pdf" => Label::CarrierPdf(CarrierPdf { bytes: SharedBytes::from(bytes()?), rotation: Rotation::Auto }),
        "zpl" => {
            Label::CarrierZpl(String::from_utf8(bytes()?).map_err(|_| {
                AppError::InvalidInput("a stored ZPL label is not text; void it and buy it again".into())
            })?)
        }
        other => {
            return Err(AppError::InvalidInput(format!(
                "a stored label is in the format {other:?}, which Wharf cannot print; void it and buy it as GIF, PNG or ZPL"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use wharf_domain::order::{Discount, Fee};
    use wharf_domain::{Money, sample};

    use super::*;

    #[test]
    fn totals_add_up_to_what_the_buyer_paid() {
        // SEED.md SC-02: lines 19.99 x1 and 4.50 x2, S&H 6.99, sales tax 2.57, fees: gift wrap 4.99 and a
        // promo discount of -3.00; total order value 40.54.
        let mut order = sample::order("ord_1", "5000102");
        order.items.truncate(1);
        order.items[0].unit_price = Money::new(dec!(19.99));
        order.items[0].quantity = 1;
        let mut second = order.items[0].clone();
        second.unit_price = Money::new(dec!(4.50));
        second.quantity = 2;
        order.items.push(second);
        order.shipping_amount = Money::new(dec!(6.99));
        order.tax_amount = Money::new(dec!(2.57));
        order.fees =
            vec![Fee { fee_type: "Gift Wrap Fee".into(), amount: Money::new(dec!(4.99)), line_item_key: None }];
        order.discounts = vec![Discount {
            description: "Promo Discount".into(),
            amount: Money::new(dec!(-3.00)),
            line_item_key: None,
        }];
        order.amount_paid = Money::new(dec!(40.54));
        let catalog = HashMap::new();
        let items = printed_items(&order, &catalog);
        let store = sample_store();
        let slip = packing_slip(&order, &items, branding(&store, None, &HashMap::new()), None, &HashMap::new());
        let t = &slip.totals;
        assert_eq!(
            (t.subtotal, t.shipping, t.tax, t.discount, t.total),
            (dec!(28.99), dec!(11.98), dec!(2.57), dec!(3.00), dec!(40.54))
        );
        assert_eq!(t.subtotal + t.shipping + t.tax - t.discount, t.total);
    }

    fn sample_store() -> SalesStore {
        use wharf_domain::store::{Marketplace, SearsConnection, StoreSettings};
        SalesStore {
            store_id: sample::store_id(),
            account_id: sample::account_id(),
            store_name: "Sears test store".into(),
            marketplace: Marketplace::Sears,
            connection: SearsConnection {
                seller_id: "1".into(),
                email: "e@x".into(),
                base_url: "http://127.0.0.1:9".into(),
            },
            settings: StoreSettings::default(),
            active: true,
            create_date: "2026-11-01T00:00:00Z".parse().unwrap(),
            modify_date: "2026-11-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_catalog_fills_what_the_order_lacks() {
        let mut order = sample::order("ord_1", "5000101");
        order.items.truncate(1);
        order.items[0].sku = "MUG".into();
        order.items[0].image_url = None;
        order.items[0].warehouse_location = Some("  ".into());
        order.items[0].options = vec![];
        let mut product = sample::product("MUG", 12, "B-7");
        product.image_url = Some("http://127.0.0.1:1/mug.png".into());
        let catalog = HashMap::from([("MUG".to_owned(), product)]);
        let items = printed_items(&order, &catalog);
        assert_eq!(items[0].location, Some("B-7"));
        assert_eq!(items[0].image_url, Some("http://127.0.0.1:1/mug.png"));
    }

    #[test]
    fn stored_labels_map_to_document_labels() {
        let messages = LabelMessages::new(["A"]).unwrap();
        let zpl = LabelFile { format: "zpl".into(), data: BASE64.encode("^XA^XZ") };
        assert_eq!(document_label(&zpl, &messages).unwrap(), Label::CarrierZpl("^XA^XZ".into()));
        let gif = LabelFile { format: "GIF".into(), data: BASE64.encode(b"GIF89a") };
        let Label::CarrierImage(image) = document_label(&gif, &messages).unwrap() else { panic!("an image") };
        assert_eq!((image.bytes.as_bytes(), image.messages), (&b"GIF89a"[..], messages.clone()));
        let bad = LabelFile { format: "epl".into(), data: String::new() };
        assert!(document_label(&bad, &messages).unwrap_err().to_string().contains("\"epl\""));
    }
}
