//! Random but realistic orders, drawn deterministically from a seed: the same seed and clock give the same orders.
//! Built straight into `PurchaseOrder`s (no JSON or validation pass) because benchmarks seed tens of thousands.

use std::collections::HashSet;

use jiff::civil::{Date, DateTime, Time};
use jiff::{SignedDuration, Span, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::vocabulary::*;
use crate::clock::{central_datetime, central_instant};
use crate::orders::{
    Fee, LineQuantities, Pickup, PickupLocation, PoLine, PurchaseOrder, ShipToStore, ShipmentInfo, ShippingDetail,
    TaxReference, status,
};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RandomOrders {
    pub seed: u64,
    pub count: usize,
    /// PO dates spread over this many Central days ending today.
    pub days: u32,
    /// This share (percent) is dated 1 to 7 days before that window instead.
    pub stale_percent: u8,
}

/// Random PO numbers start at 20,000,000 + (seed mod 70) x 1,000,000 and grow by 1 to 9 per order, in date order:
/// different seeds do not collide (up to about 200,000 orders each) and seeding the same seed twice adds nothing.
fn first_po_number(seed: u64) -> u64 {
    20_000_000 + (seed % 70) * 1_000_000
}

pub(crate) fn generate(spec: RandomOrders, now: Timestamp) -> Vec<PurchaseOrder> {
    let mut rng = StdRng::seed_from_u64(spec.seed ^ 0x5EA2_5AD0_B0C5_0001);
    let now_central = central_datetime(now);
    let today = now_central.date();
    let days = i64::from(spec.days.max(1));
    let window_start =
        central_instant(DateTime::from_parts(today.saturating_sub(Span::new().days(days - 1)), Time::midnight()));
    let window_secs = now.duration_since(window_start).as_secs().max(0);

    let mut instants: Vec<DateTime> = (0..spec.count)
        .map(|_| {
            if rng.random_range(0..100u8) < spec.stale_percent {
                let date = today.saturating_sub(Span::new().days(days + rng.random_range(0..7i64)));
                DateTime::from_parts(date, random_time(&mut rng))
            } else {
                let at = window_start
                    .saturating_add(SignedDuration::from_secs(rng.random_range(0..=window_secs)))
                    .unwrap_or(now);
                central_datetime(at)
            }
        })
        .collect();
    instants.sort_unstable();

    let mut used: HashSet<(Date, u64)> = HashSet::with_capacity(spec.count);
    let mut numbers: Vec<(u64, Date)> = Vec::with_capacity(spec.count);
    let mut next_number = first_po_number(spec.seed);
    let mut orders = Vec::with_capacity(spec.count);
    for at in instants {
        let date = at.date();
        // About 1% reuse an earlier PO number on a different date (Sears PO numbers repeat over time).
        let reused = (numbers.len() > 10 && rng.random_range(0..100u8) == 0)
            .then(|| numbers[rng.random_range(0..numbers.len())])
            .filter(|(number, other_date)| *other_date != date && !used.contains(&(date, *number)))
            .map(|(number, _)| number);
        let number = reused.unwrap_or_else(|| {
            next_number += rng.random_range(1..=9);
            next_number
        });
        used.insert((date, number));
        numbers.push((number, date));
        orders.push(random_order(&mut rng, number, at, today));
    }
    orders
}

fn random_time(rng: &mut StdRng) -> Time {
    Time::constant(rng.random_range(0..24), rng.random_range(0..60), rng.random_range(0..60), 0)
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn percent(rng: &mut StdRng, chance: u8) -> bool {
    rng.random_range(0..100u8) < chance
}

fn cents(amount: i64) -> Decimal {
    Decimal::new(amount, 2)
}

fn days_after(date: Date, n: i64) -> Date {
    date.saturating_add(Span::new().days(n))
}

fn person(rng: &mut StdRng) -> String {
    format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES))
}

fn phone(rng: &mut StdRng, area: &str) -> String {
    format!("{area}{}", rng.random_range(2_000_000..10_000_000u32))
}

fn street(rng: &mut StdRng) -> String {
    format!("{} {}", rng.random_range(1..10_000u32), pick(rng, STREETS))
}

fn digits(rng: &mut StdRng, len: usize) -> String {
    (0..len).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

fn sku(rng: &mut StdRng, stem: &str) -> String {
    match rng.random_range(0..100u8) {
        0..40 => format!("{stem}-{:05}", rng.random_range(0..100_000u32)),
        40..65 => format!("{stem}-{:04}-{}", rng.random_range(0..10_000u32), pick(rng, COLORS)),
        65..80 => format!("{:024x}", rng.random::<u128>() >> 32),
        80..99 => format!("{}{:06}", stem.replace('-', ""), rng.random_range(0..1_000_000u32)),
        _ => {
            // A SKU of 42 to 50 characters, too long for Sears shipment updates.
            let mut sku = stem.to_owned();
            while sku.len() < 42 {
                sku.push('-');
                let word = *pick::<&str>(rng, LONG_SKU_WORDS);
                sku.push_str(word);
            }
            sku.truncate(50);
            sku.trim_end_matches('-').to_owned()
        }
    }
}

fn random_line(rng: &mut StdRng, line_number: u32) -> PoLine {
    let (stem, name, low, high) = *pick(rng, PRODUCTS);
    let dollars = i64::from(rng.random_range(low..=high) / 100);
    let price = cents(dollars * 100 + [99, 49, 0][rng.random_range(0..3)]).max(cents(99));
    let quantity = match rng.random_range(0..100u8) {
        0..70 => 1,
        70..90 => 2,
        90..97 => 3,
        _ => 4,
    };
    let commission = (price * Decimal::new(rng.random_range(8..=15), 2)).round_dp(2);
    let shipping = if percent(rng, 40) { Decimal::ZERO } else { cents(*pick(rng, &[499, 599, 699, 799, 999, 1299])) };
    let tax_rate = Decimal::new(*pick(rng, &[0, 400, 625, 700, 825, 950]), 4);
    let sales_tax = (price * Decimal::from(quantity) * tax_rate).round_dp(2);
    let mut fees = Vec::new();
    if percent(rng, 8) {
        fees.push(Fee {
            fee_type: pick(rng, &["Gift Wrap Fee", "Handling Fee", "Oversize Fee"]).to_string(),
            amount: cents(*pick(rng, &[199, 399, 499])),
        });
    }
    if percent(rng, 5) {
        fees.push(Fee {
            fee_type: pick(rng, &["Promo Discount", "Coupon", "Sears Discount"]).to_string(),
            amount: cents(-*pick(rng, &[200, 500, 1000])),
        });
    }
    let handling = percent(rng, 3).then(|| *pick(rng, &[("fragile", "f"), ("perishable", "p"), ("this side up", "u")]));
    PoLine {
        line_number,
        item_id: sku(rng, stem),
        item_name: name.to_owned(),
        item_class_id: percent(rng, 60).then(|| rng.random_range(10_000..100_000u64)),
        oms_order_item_id: percent(rng, 50).then(|| format!("9{}", digits(rng, 11))),
        oms_parent_order_item_id: None,
        handling_instructions: handling.map(|(text, _)| text.to_owned()),
        handling_ind: handling.map(|(_, ind)| ind.to_owned()),
        selling_price_each: price,
        order_quantity: quantity,
        commission,
        sales_tax: Some(sales_tax),
        shipping_and_handling: shipping,
        shipping_tax: percent(rng, 30).then(|| (shipping * tax_rate).round_dp(2)),
        fees,
        shipping_commission: percent(rng, 15).then(|| (shipping * Decimal::new(10, 2)).round_dp(2)),
        gift_message: None,
        internal_memo: percent(rng, 5).then(|| pick(rng, INTERNAL_MEMOS).to_string()),
        external_memo: percent(rng, 5).then(|| pick(rng, EXTERNAL_MEMOS).to_string()),
        customer_cancellation_warning: None,
        quantities: LineQuantities { open: quantity, shipped: 0, cancelled: 0 },
    }
}

fn tracking(rng: &mut StdRng, method: &str) -> ShipmentInfo {
    let (ship_method, tracking_number) = match method {
        "Priority" => ("Priority", format!("9400{}", digits(rng, 18))),
        "Express" => ("Next Day", digits(rng, 12)),
        _ => ("Ground", format!("1Z{}03{}", digits(rng, 6), digits(rng, 8))),
    };
    ShipmentInfo { ship_method: ship_method.to_owned(), tracking_number }
}

fn random_order(rng: &mut StdRng, number: u64, at: DateTime, today: Date) -> PurchaseOrder {
    let po_date = at.date();
    let customer = person(rng);
    let ship_to = if percent(rng, 85) { customer.clone() } else { person(rng) };
    let (city, state, zip, area) = *pick(rng, CITIES);
    let shipping_method = match rng.random_range(0..100u8) {
        0..75 => "Ground",
        75..93 => "Priority",
        _ => "Express",
    };
    let mut address = vec![street(rng)];
    if percent(rng, 20) {
        address.push(pick(rng, SECOND_LINES).to_string());
    }
    let mut shipping = ShippingDetail {
        ship_to_name: ship_to,
        address,
        city: city.to_owned(),
        state: state.to_owned(),
        zipcode: if percent(rng, 10) { format!("{zip}-{}", digits(rng, 4)) } else { zip.to_owned() },
        phone: phone(rng, area),
        shipping_method: shipping_method.to_owned(),
        carrier: None,
    };
    let kind = rng.random_range(0..100u8);
    if kind == 0 {
        // No usable shipping address: the elements are there (the XSD requires them) but blank.
        shipping = ShippingDetail {
            address: vec![String::new()],
            city: String::new(),
            state: String::new(),
            zipcode: String::new(),
            phone: String::new(),
            ..shipping
        };
    }
    let pickup = (1..4).contains(&kind).then(|| Pickup {
        order_type: "customer-pickup".to_owned(),
        pickup_ind: pick(rng, &["now", "later"]).to_string(),
        location: PickupLocation {
            name: format!("Sears Hometown Store #{}", rng.random_range(1000..10_000u32)),
            address: vec![street(rng)],
            city: city.to_owned(),
            state: state.to_owned(),
            zipcode: zip.to_owned(),
            phone: phone(rng, area),
        },
        delivery_instructions: percent(rng, 50).then(|| "Call on arrival".to_owned()),
        dropoff_ind: None,
        delivery_date: None,
        expected_pickup_date: Some(DateTime::from_parts(days_after(po_date, 2), Time::constant(10, 0, 0, 0))),
        ucc_barcode: digits(rng, 20),
    });
    let ship_to_store = (4..7).contains(&kind).then(|| ShipToStore {
        address: format!("Sears Store #{}, {}", rng.random_range(1000..10_000u32), street(rng)),
        city: city.to_owned(),
        state: state.to_owned(),
        zipcode: zip.to_owned(),
        phone: Some(phone(rng, area)),
        store_delivery_date: Some(days_after(po_date, 5)),
        ucc_barcode: digits(rng, 20),
    });

    let line_count = match rng.random_range(0..100u8) {
        0..55 => 1,
        55..77 => 2,
        77..89 => 3,
        89..96 => 4,
        _ => 5,
    };
    let mut lines: Vec<PoLine> = (1..=line_count).map(|n| random_line(rng, n)).collect();
    if percent(rng, 3) {
        lines[0].gift_message = Some(pick(rng, GIFT_MESSAGES).to_string());
    }
    if line_count > 1 && lines[0].oms_order_item_id.is_some() && percent(rng, 10) {
        lines[1].oms_parent_order_item_id = lines[0].oms_order_item_id.clone();
    }

    // Older orders have often moved on; today's are nearly all new.
    let roll = if po_date == today { rng.random_range(0..100u8).min(79) } else { rng.random_range(0..100u8) };
    let mut shipments = Vec::new();
    let order_status = match roll {
        0..80 => status::NEW.to_owned(),
        80..88 | 92..95 => {
            for line in &mut lines {
                line.quantities = LineQuantities { open: 0, shipped: line.order_quantity, cancelled: 0 };
            }
            shipments.push(tracking(rng, shipping_method));
            if roll < 88 { status::CLOSED } else { status::READY_TO_INVOICE }.to_owned()
        }
        88..92 => {
            let first = &mut lines[0];
            let shipped = first.order_quantity.div_ceil(2);
            first.quantities = LineQuantities { open: first.order_quantity - shipped, shipped, cancelled: 0 };
            shipments.push(tracking(rng, shipping_method));
            if lines.iter().all(PoLine::is_done) { status::CLOSED } else { status::OPEN }.to_owned()
        }
        95..97 => {
            for line in &mut lines {
                line.quantities = LineQuantities { open: 0, shipped: 0, cancelled: line.order_quantity };
            }
            status::CLOSED.to_owned()
        }
        _ => pick(rng, &["Processing", "Overdue"]).to_string(),
    };

    PurchaseOrder {
        po_number: number.to_string(),
        po_date,
        po_time: at.time(),
        status: order_status,
        customer_order_confirmation_number: Some(rng.random_range(100_000_000..10_000_000_000u64).to_string()),
        customer_email: Some(format!("masked-{:08x}@seller.sears.com", rng.random::<u32>())),
        customer_name: customer,
        unit: Some(pick(rng, &["9301", "9367"]).to_string()),
        site: Some(if percent(rng, 95) { "sears" } else { "MyGofer" }.to_owned()),
        channel: Some("FBM".to_owned()),
        location_id: Some("27".to_owned()),
        pickup,
        expected_ship_date: days_after(po_date, 2),
        promised_date: percent(rng, 40).then(|| days_after(po_date, rng.random_range(3..9))),
        shipping,
        ship_to_store,
        lines,
        shipments,
        tax_reference: percent(rng, 30).then(|| TaxReference {
            delivery_tax_code: Some("D1".to_owned()),
            tax_rate: Some(pick(rng, &["4.00", "6.25", "7.00", "8.25", "9.50"]).to_string()),
            avp_taxing_jx_geo_code: None,
            avp_taxing_jx_county: None,
            transfer_to_state_code: Some(state.to_owned()),
            ship_to_taxware_geo: None,
        }),
        tax_certificate_url: percent(rng, 3)
            .then(|| format!("https://seller.marketplace.sears.com/tax/cert/{number}.pdf")),
        tax_remitted_to_seller: percent(rng, 20).then(|| pick(rng, &["Y", "N"]).to_string()),
        lease_order: match rng.random_range(0..100u8) {
            0..3 => Some("Y".to_owned()),
            3..13 => Some("N".to_owned()),
            _ => None,
        },
    }
}
