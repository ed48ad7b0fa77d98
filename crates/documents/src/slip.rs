//! Packing slips: the data a slip shows, the variables templates see, and sample data.

use jiff::civil::Date;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::color::Rgb;
use crate::images::SharedBytes;
use crate::money::format_money;

/// Store branding shown on slips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    pub company_name: String,
    #[serde(default)]
    pub logo: Option<SharedBytes>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Accent colour for headings, rules and table headers.
    pub color: Rgb,
    /// The store's packing-slip footer ("Thank you for shopping with us", return policy, ...).
    #[serde(default)]
    pub footer: Option<String>,
}

/// One option of an ordered item, such as "Size: M".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOption {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipItem {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub options: Vec<ItemOption>,
    pub quantity: u32,
    pub unit_price: Decimal,
    /// Warehouse bin or shelf, such as "A-03-2".
    #[serde(default)]
    pub location: Option<String>,
    /// Product picture; a missing or unreadable one prints as a placeholder box.
    #[serde(default)]
    pub thumbnail: Option<SharedBytes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// ISO 4217 code, such as "USD".
    pub currency: String,
    pub subtotal: Decimal,
    pub shipping: Decimal,
    pub tax: Decimal,
    /// Discounts as a positive amount (printed with a minus).
    pub discount: Decimal,
    pub total: Decimal,
}

/// Everything one packing slip shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackingSlip {
    pub branding: Branding,
    pub order_number: String,
    pub order_date: Date,
    /// The service the order ships with, such as "UPS Ground".
    #[serde(default)]
    pub shipping_method: Option<String>,
    pub ship_to: Address,
    /// Only when it differs from `ship_to` (an equal one is treated as absent).
    #[serde(default)]
    pub bill_to: Option<Address>,
    pub items: Vec<SlipItem>,
    #[serde(default)]
    pub gift_message: Option<String>,
    /// The seller's note to the buyer.
    #[serde(default)]
    pub notes_to_buyer: Option<String>,
    pub totals: Totals,
}

/// Paper for packing slips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SlipPageSize {
    /// US letter, 8.5 x 11 inches.
    #[default]
    #[serde(rename = "letter")]
    Letter,
    /// 4 x 6 inches, for thermal printers.
    #[serde(rename = "4x6")]
    FourBySix,
}

impl SlipPageSize {
    pub(crate) fn points(self) -> (f32, f32) {
        match self {
            SlipPageSize::Letter => crate::canvas::LETTER_SIZE,
            SlipPageSize::FourBySix => crate::canvas::LABEL_SIZE,
        }
    }

    fn name(self) -> &'static str {
        match self {
            SlipPageSize::Letter => "letter",
            SlipPageSize::FourBySix => "4x6",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What templates see. Every name here is documented in TEMPLATES.md; keep the two in step.

/// The image source name of the store logo in `<image src="...">`.
pub(crate) const LOGO_SOURCE: &str = "logo";

/// The image source name of item `index` (0-based) in `<image src="...">`.
pub(crate) fn item_image_source(index: usize) -> String {
    format!("item-{}", index + 1)
}

#[derive(Serialize)]
pub(crate) struct SlipContext {
    store: StoreView,
    order: OrderView,
    ship_to: AddressView,
    bill_to: Option<AddressView>,
    items: Vec<ItemView>,
    item_count: u64,
    line_count: usize,
    totals: TotalsView,
    gift_message: Option<String>,
    notes_to_buyer: Option<String>,
    page: PageView,
}

#[derive(Serialize)]
struct StoreView {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    color: String,
    color_light: String,
    logo: &'static str,
    has_logo: bool,
    footer: Option<String>,
}

#[derive(Serialize)]
struct OrderView {
    number: String,
    date: String,
    date_long: String,
    shipping_method: Option<String>,
}

#[derive(Serialize)]
struct AddressView {
    name: String,
    company: Option<String>,
    street: Vec<String>,
    city: String,
    region: String,
    postal_code: String,
    country_code: String,
    phone: Option<String>,
    city_line: String,
    lines: Vec<String>,
}

#[derive(Serialize)]
struct ItemView {
    sku: String,
    name: String,
    options: Vec<ItemOption>,
    options_text: String,
    quantity: u32,
    unit_price: String,
    line_total: String,
    location: Option<String>,
    thumbnail: String,
    has_thumbnail: bool,
}

#[derive(Serialize)]
struct TotalsView {
    currency: String,
    subtotal: String,
    shipping: String,
    tax: String,
    discount: Option<String>,
    total: String,
}

#[derive(Serialize)]
struct PageView {
    size: &'static str,
    width: f32,
    height: f32,
}

fn non_blank(text: &Option<String>) -> Option<String> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

fn address_view(address: &Address) -> AddressView {
    AddressView {
        name: address.name.trim().to_owned(),
        company: non_blank(&address.company),
        street: address.street.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        city: address.city.clone(),
        region: address.region.clone(),
        postal_code: address.postal_code.clone(),
        country_code: address.country_code.clone(),
        phone: non_blank(&address.phone),
        city_line: address.city_line(),
        lines: address.lines(),
    }
}

impl SlipContext {
    pub(crate) fn new(slip: &PackingSlip, size: SlipPageSize) -> SlipContext {
        let currency = &slip.totals.currency;
        let (width, height) = size.points();
        let bill_to = slip.bill_to.as_ref().filter(|b| **b != slip.ship_to).map(address_view);
        SlipContext {
            store: StoreView {
                name: slip.branding.company_name.clone(),
                email: non_blank(&slip.branding.email),
                phone: non_blank(&slip.branding.phone),
                color: slip.branding.color.to_string(),
                color_light: slip.branding.color.tint(0.88).to_string(),
                logo: LOGO_SOURCE,
                has_logo: slip.branding.logo.is_some(),
                footer: non_blank(&slip.branding.footer),
            },
            order: OrderView {
                number: slip.order_number.clone(),
                date: slip.order_date.strftime("%Y-%m-%d").to_string(),
                date_long: slip.order_date.strftime("%B %-d, %Y").to_string(),
                shipping_method: non_blank(&slip.shipping_method),
            },
            ship_to: address_view(&slip.ship_to),
            bill_to,
            items: slip
                .items
                .iter()
                .enumerate()
                .map(|(index, item)| ItemView {
                    sku: item.sku.clone(),
                    name: item.name.clone(),
                    options: item.options.clone(),
                    options_text: item
                        .options
                        .iter()
                        .map(|o| format!("{}: {}", o.name, o.value))
                        .collect::<Vec<_>>()
                        .join(", "),
                    quantity: item.quantity,
                    unit_price: format_money(item.unit_price, currency),
                    line_total: format_money(item.unit_price * Decimal::from(item.quantity), currency),
                    location: non_blank(&item.location),
                    thumbnail: item_image_source(index),
                    has_thumbnail: item.thumbnail.is_some(),
                })
                .collect(),
            item_count: slip.items.iter().map(|i| u64::from(i.quantity)).sum(),
            line_count: slip.items.len(),
            totals: TotalsView {
                currency: currency.clone(),
                subtotal: format_money(slip.totals.subtotal, currency),
                shipping: format_money(slip.totals.shipping, currency),
                tax: format_money(slip.totals.tax, currency),
                discount: (!slip.totals.discount.is_zero())
                    .then(|| format_money(-slip.totals.discount.abs(), currency)),
                total: format_money(slip.totals.total, currency),
            },
            gift_message: non_blank(&slip.gift_message),
            notes_to_buyer: non_blank(&slip.notes_to_buyer),
            page: PageView { size: size.name(), width, height },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sample data for template previews.

/// A slip that exercises every part of a template: logo, a different bill-to address, items
/// with options and locations, one item without a picture, a gift message, notes, a discount,
/// and non-ASCII names. `wharf template preview` renders templates with it.
pub fn sample_slip_data() -> PackingSlip {
    let ship_to = Address {
        name: "Zoë Müller-Peña".into(),
        company: None,
        street: vec!["1847 Lakeview Ave".into(), "Apt 3B".into()],
        city: "Evanston".into(),
        region: "IL".into(),
        postal_code: "60201".into(),
        country_code: "US".into(),
        phone: Some("+1 847 555 0142".into()),
    };
    let bill_to = Address {
        name: "José Ñúñez".into(),
        company: Some("Ñúñez & Hijos Café".into()),
        street: vec!["400 N State St".into()],
        city: "Chicago".into(),
        region: "IL".into(),
        postal_code: "60654".into(),
        country_code: "US".into(),
        phone: None,
    };
    let option = |name: &str, value: &str| ItemOption { name: name.into(), value: value.into() };
    PackingSlip {
        branding: Branding {
            company_name: "Lakeshore Goods Co.".into(),
            logo: Some(sample_picture([0x1f, 0x6f, 0xeb], 240, 96)),
            email: Some("help@lakeshoregoods.example".into()),
            phone: Some("(312) 555-0188".into()),
            color: Rgb::new(0x1f, 0x6f, 0xeb),
            footer: Some(
                "Thank you for your order! Returns are accepted within 30 days: \
                 visit lakeshoregoods.example/returns."
                    .into(),
            ),
        },
        order_number: "SRS-100482".into(),
        order_date: jiff::civil::date(2025, 3, 14),
        shipping_method: Some("UPS Ground".into()),
        ship_to,
        bill_to: Some(bill_to),
        items: vec![
            SlipItem {
                sku: "MUG-CER-12OZ".into(),
                name: "Ceramic Café Mug, 12 oz".into(),
                options: vec![option("Color", "Cobalt Blue"), option("Glaze", "Matte")],
                quantity: 2,
                unit_price: dec!(14.50),
                location: Some("A-03-2".into()),
                thumbnail: Some(sample_picture([0x2b, 0x59, 0xc3], 120, 120)),
            },
            SlipItem {
                sku: "TEE-ORG-M".into(),
                name: "Organic Cotton Tee — Crème".into(),
                options: vec![option("Size", "M"), option("Fit", "Relaxed")],
                quantity: 1,
                unit_price: dec!(24.00),
                location: Some("B-11-1".into()),
                thumbnail: Some(sample_picture([0xe8, 0xd8, 0xb0], 120, 120)),
            },
            SlipItem {
                sku: "CNDL-SOY-LAV".into(),
                name: "Soy Candle, Lavender & Sage".into(),
                options: vec![],
                quantity: 3,
                unit_price: dec!(9.95),
                location: None,
                thumbnail: None,
            },
        ],
        gift_message: Some("Happy birthday, Zoë! Enjoy the mugs ☕ — love, José".into()),
        notes_to_buyer: Some("Your candles ship in recyclable packaging.".into()),
        totals: Totals {
            currency: "USD".into(),
            subtotal: dec!(82.85),
            shipping: dec!(7.99),
            tax: dec!(6.42),
            discount: dec!(5.00),
            total: dec!(92.26),
        },
    }
}

/// A small solid picture with a lighter frame, made in memory (previews need no files).
fn sample_picture(rgb: [u8; 3], width: u32, height: u32) -> SharedBytes {
    let light = rgb.map(|c| c / 2 + 128);
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let edge = x < 6 || y < 6 || x >= width - 6 || y >= height - 6;
        image::Rgb(if edge { light } else { rgb })
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encoding a PNG in memory cannot fail");
    SharedBytes::from(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_formats_money_and_names_images() {
        let slip = sample_slip_data();
        let context = serde_json::to_value(SlipContext::new(&slip, SlipPageSize::Letter)).unwrap();
        assert_eq!(context["items"][0]["unit_price"], "$14.50");
        assert_eq!(context["items"][0]["line_total"], "$29.00");
        assert_eq!(context["items"][0]["options_text"], "Color: Cobalt Blue, Glaze: Matte");
        assert_eq!(context["items"][2]["thumbnail"], "item-3");
        assert_eq!(context["items"][2]["has_thumbnail"], false);
        assert_eq!(context["totals"]["discount"], "-$5.00");
        assert_eq!(context["item_count"], 6);
        assert_eq!(context["order"]["date_long"], "March 14, 2025");
        assert_eq!(context["page"]["size"], "letter");
        assert_eq!(context["bill_to"]["name"], "José Ñúñez");
    }

    #[test]
    fn templates_md_documents_every_variable() {
        let doc = include_str!("../TEMPLATES.md");
        let context = serde_json::to_value(SlipContext::new(&sample_slip_data(), SlipPageSize::Letter)).unwrap();
        let mut missing = Vec::new();
        for (key, value) in context.as_object().unwrap() {
            match value {
                serde_json::Value::Object(fields) if key != "ship_to" && key != "bill_to" => {
                    for field in fields.keys() {
                        if !doc.contains(&format!("`{key}.{field}`")) {
                            missing.push(format!("{key}.{field}"));
                        }
                    }
                }
                _ if !doc.contains(&format!("`{key}`")) => missing.push(key.clone()),
                _ => {}
            }
        }
        // Fields of addresses and items are listed in their own tables.
        let address = context["ship_to"].as_object().unwrap().keys();
        let item = context["items"][0].as_object().unwrap().keys();
        for field in address.chain(item) {
            if !doc.contains(&format!("| `{field}` |")) {
                missing.push(field.clone());
            }
        }
        assert!(missing.is_empty(), "TEMPLATES.md does not document {missing:?}");
    }

    #[test]
    fn an_equal_bill_to_is_not_shown() {
        let mut slip = sample_slip_data();
        slip.bill_to = Some(slip.ship_to.clone());
        let context = serde_json::to_value(SlipContext::new(&slip, SlipPageSize::FourBySix)).unwrap();
        assert!(context["bill_to"].is_null());
        assert_eq!(context["page"]["size"], "4x6");
    }
}
