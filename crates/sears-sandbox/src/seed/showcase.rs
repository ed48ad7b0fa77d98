//! The documented showcase set: the same orders for every seed, dated relative to the US Central "today" of the
//! sandbox clock. SEED.md lists every value; keep the two in step.

use jiff::Span;
use jiff::civil::{Date, DateTime, Time};
use rust_decimal::Decimal;

use crate::orders::{
    Fee, NewLine, NewOrder, Pickup, PickupLocation, ShipToStore, ShipmentInfo, ShippingDetail, TaxReference,
};
use crate::requests::{CancelRequest, ReturnRequest};

fn money(text: &str) -> Decimal {
    text.parse().expect("showcase amounts are valid decimals")
}

fn days(date: Date, n: i64) -> Date {
    date.saturating_add(Span::new().days(n))
}

fn s(text: &str) -> String {
    text.to_owned()
}

fn address(
    name: &str,
    lines: &[&str],
    city: &str,
    state: &str,
    zip: &str,
    phone: &str,
    method: &str,
) -> ShippingDetail {
    ShippingDetail {
        ship_to_name: s(name),
        address: lines.iter().map(|l| s(l)).collect(),
        city: s(city),
        state: s(state),
        zipcode: s(zip),
        phone: s(phone),
        shipping_method: s(method),
        carrier: None,
    }
}

fn line(item_id: &str, name: &str, quantity: u32, price: &str, commission: &str, shipping: &str) -> NewLine {
    NewLine {
        item_name: Some(s(name)),
        commission: Some(money(commission)),
        shipping_and_handling: money(shipping),
        ..NewLine::new(item_id, quantity, money(price))
    }
}

fn taxed(mut line: NewLine, sales_tax: &str) -> NewLine {
    line.sales_tax = Some(money(sales_tax));
    line
}

/// The common parts of every showcase order.
fn order(
    po_number: &str,
    po_date: Date,
    time: (i8, i8, i8),
    status: &str,
    customer: &str,
    shipping: ShippingDetail,
    lines: Vec<NewLine>,
) -> NewOrder {
    NewOrder {
        po_number: Some(s(po_number)),
        po_date: Some(po_date),
        po_time: Some(Time::constant(time.0, time.1, time.2, 0)),
        status: Some(s(status)),
        customer_order_confirmation_number: Some(format!("9{po_number}")),
        customer_email: Some(format!("masked-{po_number}@seller.sears.com")),
        customer_name: Some(s(customer)),
        unit: Some(s("9301")),
        site: Some(s("sears")),
        channel: Some(s("FBM")),
        location_id: Some(s("27")),
        shipping: Some(shipping),
        lines,
        ..NewOrder::default()
    }
}

/// The showcase orders for Central date `today` (T in SEED.md).
pub(crate) fn orders(today: Date) -> Vec<NewOrder> {
    let t = |n: i64| days(today, n);
    let mut set = Vec::new();

    // SC-01: multi-line, multi-quantity.
    set.push(order(
        "5000101",
        t(-1),
        (9, 15, 0),
        "New",
        "Maria Gonzalez",
        address("Maria Gonzalez", &["1234 Elm Street"], "Springfield", "IL", "62704", "2175550123", "Ground"),
        vec![
            taxed(line("KTCH-BLND-600W-BLK", "Countertop Blender 600W, Black", 2, "49.99", "5.00", "8.99"), "7.25"),
            taxed(line("HOME-TOWEL-6PC-GRY", "Bath Towel Set, 6 pieces, Gray", 1, "24.50", "2.45", "5.99"), "1.78"),
            taxed(line("LED-A19-60W-4PK", "LED Light Bulbs A19 60W, 4-pack", 3, "12.99", "1.30", "0.00"), "2.83"),
        ],
    ));

    // SC-02: gift message, fee and discount, memos, handling instructions, non-ASCII names, two address lines.
    let mut bear =
        taxed(line("TOY-PLUSH-BEAR-12", "Plush Teddy Bear 12\" & Friends", 1, "19.99", "2.00", "6.99"), "1.77");
    bear.fees = vec![
        Fee { fee_type: s("Gift Wrap Fee"), amount: money("4.99") },
        Fee { fee_type: s("Promo Discount"), amount: money("-3.00") },
    ];
    bear.gift_message = Some(s("Happy birthday, Léa! Love, Grandma & Grandpa"));
    bear.internal_memo = Some(s("Wrap in blue paper"));
    bear.external_memo = Some(s("Thank you for shopping with us!"));
    bear.handling_instructions = Some(s("fragile"));
    bear.handling_ind = Some(s("f"));
    set.push(order(
        "5000102",
        t(-1),
        (14, 30, 5),
        "New",
        "Zoë Ångström-Müller",
        address("Renée O'Connor", &["350 Fifth Avenue", "Apt 4B"], "New York", "NY", "10118", "2125550188", "Priority"),
        vec![bear, taxed(line("CARD-BDAY-ASST", "Birthday Card Assortment", 2, "4.50", "0.45", "0.00"), "0.80")],
    ));

    // SC-03: store pickup (lmp-details).
    let mut pickup = order(
        "5000103",
        t(-2),
        (11, 2, 33),
        "New",
        "James O'Brien",
        address("James O'Brien", &["88 Golf Rd"], "Schaumburg", "IL", "60173", "8475550142", "Ground"),
        vec![taxed(line("CRFT-DRILL-20V", "20V Cordless Drill/Driver", 1, "99.99", "10.00", "0.00"), "8.25")],
    );
    pickup.pickup = Some(Pickup {
        order_type: s("customer-pickup"),
        pickup_ind: s("now"),
        location: PickupLocation {
            name: s("Sears Hometown Store #1234"),
            address: vec![s("100 Main St")],
            city: s("Hoffman Estates"),
            state: s("IL"),
            zipcode: s("60179"),
            phone: s("8475550100"),
        },
        delivery_instructions: Some(s("Call on arrival; blue pickup door")),
        dropoff_ind: Some(s("S")),
        delivery_date: None,
        expected_pickup_date: Some(DateTime::from_parts(t(0), Time::constant(10, 0, 0, 0))),
        ucc_barcode: s("00012345678901234567"),
    });
    set.push(pickup);

    // SC-04: ship to store; Vietnamese name.
    let mut to_store = order(
        "5000104",
        t(-2),
        (16, 45, 0),
        "New",
        "Nguyễn Văn An",
        address("Nguyễn Văn An", &["7421 Bellaire Blvd"], "Houston", "TX", "77036", "7135550177", "Ground"),
        vec![taxed(line("HOME-SHEET-Q-400", "Queen Sheet Set, 400 Thread Count", 1, "59.99", "6.00", "0.00"), "4.95")],
    );
    to_store.ship_to_store = Some(ShipToStore {
        address: s("Sears Store #2211, 1000 W Oaks Mall"),
        city: s("Houston"),
        state: s("TX"),
        zipcode: s("77082"),
        phone: Some(s("2815550150")),
        store_delivery_date: Some(t(3)),
        ucc_barcode: s("00098765432109876543"),
    });
    set.push(to_store);

    // SC-05a and SC-05b: one PO number on two dates.
    set.push(order(
        "5000105",
        t(-1),
        (8, 0, 0),
        "New",
        "Emily Carter",
        address("Emily Carter", &["55 Lakeview Ave"], "Madison", "WI", "53703", "6085550111", "Ground"),
        vec![line("GARD-HOSE-50FT", "Garden Hose, 50 ft", 1, "29.99", "3.00", "7.99")],
    ));
    let mut old_reused = order(
        "5000105",
        t(-10),
        (13, 20, 0),
        "Closed",
        "Robert Hayes",
        address("Robert Hayes", &["910 Pine St"], "Denver", "CO", "80202", "3035550166", "Ground"),
        vec![NewLine { shipped: 1, ..line("TOOL-HAMMER-16OZ", "Claw Hammer 16 oz", 1, "14.99", "1.50", "5.99") }],
    );
    old_reused.shipments = vec![ShipmentInfo { ship_method: s("Ground"), tracking_number: s("1Z999AA10123456784") }];
    set.push(old_reused);

    // SC-06: older than three days, still open.
    set.push(order(
        "5000106",
        t(-4),
        (10, 0, 0),
        "New",
        "Patricia Nguyen",
        address("Patricia Nguyen", &["2200 Sunset Blvd"], "Los Angeles", "CA", "90026", "2135550190", "Ground"),
        vec![taxed(line("KTCH-TOASTER-2S", "2-Slice Toaster, Stainless", 1, "34.99", "3.50", "6.99"), "3.21")],
    ));

    // SC-07: no shipping address (blank lines, city, state, zip and phone).
    set.push(order(
        "5000107",
        t(-1),
        (12, 0, 0),
        "New",
        "Daniel Brooks",
        address("Daniel Brooks", &[""], "", "", "", "", "Ground"),
        vec![line("PET-BED-LG", "Orthopedic Pet Bed, Large", 1, "45.00", "4.50", "9.99")],
    ));

    // SC-08: an item-id of 46 characters (Sears ASNs need fewer than 42) beside an ordinary one.
    set.push(order(
        "5000108",
        t(-1),
        (16, 10, 0),
        "New",
        "Linda Park",
        address("Linda Park", &["48 Harbor Way"], "Seattle", "WA", "98101", "2065550133", "Ground"),
        vec![
            line(
                "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL",
                "Refrigerator Door Shelf Bin, Gallon, White",
                1,
                "24.99",
                "2.50",
                "5.99",
            ),
            line("KNMR-WATER-FILTER-9081", "Refrigerator Water Filter 9081", 1, "39.99", "4.00", "0.00"),
        ],
    ));

    // SC-09: a PO number with leading zeros; Express.
    set.push(order(
        "0060180",
        t(-2),
        (9, 30, 0),
        "New",
        "Carlos Peña",
        address("Carlos Peña", &["1510 SW 8th St"], "Miami", "FL", "33135", "3055550127", "Express"),
        vec![taxed(line("FAN-BOX-20IN", "20-inch Box Fan", 2, "24.99", "2.50", "12.99"), "3.50")],
    ));

    // SC-10: several po-line-detail buckets per line (part shipped, part cancelled, part open).
    let mut mugs =
        NewLine { shipped: 1, ..line("HOME-MUG-SET-4", "Stoneware Mug Set, 4 pieces", 3, "18.00", "1.80", "4.99") };
    mugs.internal_memo = Some(s("Customer asked for two boxes"));
    let mut buckets = order(
        "5000110",
        t(-2),
        (10, 45, 0),
        "Open",
        "Sarah Mitchell",
        address("Sarah Mitchell", &["77 Maple Dr"], "Columbus", "OH", "43215", "6145550155", "Ground"),
        vec![
            mugs,
            NewLine { cancelled: 1, ..line("HOME-COASTER-6", "Cork Coasters, 6-pack", 2, "9.00", "0.90", "0.00") },
        ],
    );
    buckets.shipments = vec![ShipmentInfo { ship_method: s("Ground"), tracking_number: s("1Z999AA10123456791") }];
    set.push(buckets);

    // SC-11: Closed, fully shipped; a return request on line 1.
    let mut closed = order(
        "5000111",
        t(-2),
        (15, 0, 0),
        "Closed",
        "Kevin Wright",
        address("Kevin Wright", &["301 Congress Ave"], "Austin", "TX", "78701", "5125550104", "Priority"),
        vec![
            NewLine { shipped: 2, ..line("ELEC-HDMI-6FT", "HDMI Cable, 6 ft", 2, "9.99", "1.00", "3.99") },
            NewLine { shipped: 1, ..line("ELEC-USB-C-CHGR", "USB-C Wall Charger 30W", 1, "19.99", "2.00", "0.00") },
        ],
    );
    closed.shipments = vec![ShipmentInfo { ship_method: s("Priority"), tracking_number: s("9400111899223100012345") }];
    set.push(closed);

    // SC-12: shipped by hand in the Seller Portal: Ready to Invoice.
    let mut ready = order(
        "5000112",
        t(-2),
        (13, 30, 0),
        "Ready to Invoice",
        "Ashley Rivera",
        address("Ashley Rivera", &["640 Peachtree St NE"], "Atlanta", "GA", "30308", "4045550119", "Ground"),
        vec![NewLine {
            shipped: 1,
            ..line("BATH-SHOWER-HEAD", "Rain Shower Head, 8 inch", 1, "32.99", "3.30", "6.99")
        }],
    );
    ready.shipments = vec![ShipmentInfo { ship_method: s("Ground"), tracking_number: s("1Z999AA10123456805") }];
    set.push(ready);

    // SC-13: a custom status outside the known set.
    set.push(order(
        "5000113",
        t(-1),
        (10, 30, 0),
        "Awaiting Seller Review",
        "Brian Foster",
        address("Brian Foster", &["1800 Grand Ave"], "Kansas City", "MO", "64108", "8165550172", "Ground"),
        vec![line("AUTO-WIPER-22", "Wiper Blade 22\"", 2, "16.99", "1.70", "4.99")],
    ));

    // SC-14: every version-specific field (v13 tax-reference; v15, v16, v18 and v19 additions).
    let mut vacuum = taxed(line("VAC-UPRIGHT-BGL", "Bagless Upright Vacuum", 1, "129.99", "13.00", "0.00"), "8.12");
    vacuum.shipping_tax = Some(money("0.00"));
    vacuum.item_class_id = Some(40123);
    vacuum.oms_order_item_id = Some(s("900000114001"));
    vacuum.shipping_commission = Some(money("0.00"));
    let mut filter = taxed(line("VAC-FILTER-HEPA", "HEPA Replacement Filter", 1, "19.99", "2.00", "5.99"), "1.25");
    filter.shipping_tax = Some(money("0.37"));
    filter.item_class_id = Some(40124);
    filter.oms_order_item_id = Some(s("900000114002"));
    filter.oms_parent_order_item_id = Some(s("900000114001"));
    filter.shipping_commission = Some(money("0.60"));
    let mut versioned = order(
        "5000114",
        t(-1),
        (18, 20, 0),
        "New",
        "Jennifer Adams",
        address("Jennifer Adams", &["12 Beacon St"], "Boston", "MA", "02108", "6175550163", "Ground"),
        vec![vacuum, filter],
    );
    versioned.promised_date = Some(t(4));
    versioned.tax_reference = Some(TaxReference {
        delivery_tax_code: Some(s("D1")),
        tax_rate: Some(s("6.25")),
        avp_taxing_jx_geo_code: Some(s("22")),
        avp_taxing_jx_county: Some(s("025")),
        transfer_to_state_code: Some(s("MA")),
        ship_to_taxware_geo: Some(s("221234500")),
    });
    versioned.tax_certificate_url = Some(s("https://seller.marketplace.sears.com/tax/cert/5000114.pdf"));
    versioned.tax_remitted_to_seller = Some(s("N"));
    versioned.lease_order = Some(s("N"));
    set.push(versioned);

    // SC-15: a pending customer cancellation request on line 1; Express; two address lines.
    set.push(order(
        "5000115",
        t(-1),
        (11, 11, 11),
        "New",
        "Michael Turner",
        address("Michael Turner", &["500 W Madison St", "Floor 12"], "Chicago", "IL", "60661", "3125550181", "Express"),
        vec![
            taxed(line("ELEC-SPKR-BT", "Bluetooth Speaker, Waterproof", 1, "59.99", "6.00", "0.00"), "6.15"),
            taxed(line("ELEC-CASE-SPKR", "Speaker Travel Case", 1, "14.99", "1.50", "0.00"), "1.54"),
        ],
    ));

    // SC-16: ten days old and never shipped: Overdue.
    set.push(order(
        "5000116",
        t(-10),
        (9, 0, 0),
        "Overdue",
        "Nancy Howard",
        address("Nancy Howard", &["19 Cherry Ln"], "Omaha", "NE", "68102", "4025550149", "Ground"),
        vec![line("GARD-SPRINKLER", "Oscillating Lawn Sprinkler", 1, "21.99", "2.20", "6.49")],
    ));

    set
}

/// SC-15's cancellation request.
pub(crate) fn cancel_requests(today: Date) -> Vec<CancelRequest> {
    vec![CancelRequest {
        cancel_request_id: 700_001,
        po_number: s("5000115"),
        po_date: days(today, -1),
        line_number: 1,
        quantity: 1,
        cancel_date: days(today, -1),
        reason: s("CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT"),
        status: s("INITIAL"),
        customer_comments: s("Found it cheaper elsewhere, please cancel."),
    }]
}

/// SC-11's return request.
pub(crate) fn return_requests(today: Date) -> Vec<ReturnRequest> {
    vec![ReturnRequest {
        return_request_id: s("9886555001"),
        po_number: s("5000111"),
        po_date: days(today, -2),
        line_number: 1,
        quantity: 1,
        return_date: days(today, -1),
        reason: s("DEFECTIVE-PRODUCT"),
        status: s("PENDING_RETURN"),
        customer_comments: Some(s("One cable does not work.")),
    }]
}
