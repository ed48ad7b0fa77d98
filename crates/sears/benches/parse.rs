//! Parsing speed: a 10,000-order v19 `po-response` read by `PoResponse::parse`, side by side with
//! quick-xml's raw event loop over the same bytes (reused buffer, no unescaping, no allocation per event).
//!
//! `cargo bench -p wharf-sears --bench parse` (release). Prints documents/s, orders/s and MB/s for both.

use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use wharf_sears::PoResponse;

/// The allocator the `wharf` binary runs with, so the figures are the shipped configuration's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ORDERS: usize = 10_000;
const ROUNDS: usize = 7;

/// xorshift64*: deterministic content without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &["Maria", "José", "Kim", "Pat", "Zoë", "Sam", "Li", "Olu", "Ann", "Raj"];
const LAST: &[&str] = &["Garcia", "Müller", "O'Neil", "Park", "Smith", "Nguyen", "Brontë", "Okafor", "Lee"];
const STREETS: &[&str] = &["Main St", "Oak Ave", "Evergreen Terrace", "Elm Ct", "1st Ave", "Pine Rd"];
const CITIES: &[(&str, &str, &str)] = &[
    ("Hoffman Estates", "IL", "60179"),
    ("Springfield", "OR", "97477"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Chicago", "IL", "60601"),
];
const ITEMS: &[&str] = &[
    "Cast-iron pan 10\"",
    "Garden hose, 50 ft",
    "Bath towels & washcloths, set of 6",
    "Desk lamp <LED>",
    "Grill cover",
    "Planter XL",
];
const STATUSES: &[&str] = &["New", "Open", "Closed", "Ready to Invoice", "Partially Shipped"];

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn generate(orders: usize) -> String {
    let mut r = Random(0x05EE_D0F5_EA25);
    let mut xml = String::with_capacity(orders * 4200);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<po-response xmlns=\"http://seller.marketplace.sears.com/oms/v19\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n",
    );
    for n in 0..orders {
        let po = 1_000_000 + n;
        let name = format!("{} {}", r.pick(FIRST), r.pick(LAST)).replace('\'', "&apos;");
        let (city, state, zip) = CITIES[r.below(CITIES.len() as u64) as usize];
        let _ = write!(
            xml,
            "  <purchase-order>\n    <customer-order-confirmation-number>{}</customer-order-confirmation-number>\n    \
             <customer-email>masked-email@seller.sears.com</customer-email>\n    <po-number>{po}</po-number>\n    \
             <po-date>2024-03-10</po-date>\n    <po-time>{:02}:{:02}:{:02}</po-time>\n    \
             <po-number-with-date>20240310{po}</po-number-with-date>\n    <unit>9301</unit>\n    <site>sears</site>\n    \
             <channel>FBM</channel>\n    <location-id>27</location-id>\n",
            900_000_000 + n,
            r.below(24),
            r.below(60),
            r.below(60)
        );
        if n % 20 == 0 {
            let _ = write!(
                xml,
                "    <lmp-details>\n      <order-type>customer-pickup</order-type>\n      <pickup-ind>now</pickup-ind>\n      \
                 <pickup-location>\n        <name>{city} Pickup</name>\n        <address>1 Mall Rd</address>\n        \
                 <address>Gate B</address>\n        <city>{city}</city>\n        <state>{state}</state>\n        \
                 <zipcode>{zip}</zipcode>\n        <phone>5415550000</phone>\n      </pickup-location>\n      \
                 <ucc-barcode>000111222333{po}</ucc-barcode>\n    </lmp-details>\n"
            );
        }
        let _ = write!(
            xml,
            "    <expected-ship-date>2024-03-12</expected-ship-date>\n    <shipping-detail>\n      \
             <ship-to-name>{name}</ship-to-name>\n      <address>{} {}</address>\n",
            r.below(9000) + 1,
            r.pick(STREETS)
        );
        if r.below(3) == 0 {
            let _ = writeln!(xml, "      <address>Apt {}</address>", r.below(40) + 1);
        }
        let _ = write!(
            xml,
            "      <city>{city}</city>\n      <state>{state}</state>\n      <zipcode>{zip}</zipcode>\n      \
             <phone>312555{:04}</phone>\n      <shipping-method>Ground</shipping-method>\n    </shipping-detail>\n    \
             <customer-name>{name}</customer-name>\n",
            r.below(10_000)
        );
        let lines = 1 + r.below(4);
        let mut total = 0;
        for line in 1..=lines {
            let price = 199 + r.below(20_000);
            let quantity = 1 + r.below(3);
            total += price * quantity;
            let item = r.pick(ITEMS).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            let _ = write!(
                xml,
                "    <po-line>\n      <po-line-header>\n        <line-number>{line}</line-number>\n        \
                 <item-id>SKU-{:05}</item-id>\n        <item-name>{item}</item-name>\n        \
                 <item-class-id>{}</item-class-id>\n        <selling-price-each>{}</selling-price-each>\n        \
                 <order-quantity>{quantity}</order-quantity>\n        <commission>{}</commission>\n        \
                 <sales-tax>{}</sales-tax>\n        <shipping-and-handling>{}</shipping-and-handling>\n        \
                 <shipping-tax>0.00</shipping-tax>\n",
                r.below(50_000),
                4000 + r.below(900),
                money(price),
                money(price * 12 / 100),
                money(price * 8 / 100),
                money(r.below(1500))
            );
            if r.below(2) == 0 {
                let _ = write!(
                    xml,
                    "        <fees>\n          <fee type=\"Coupon Discount\">-{}</fee>\n          \
                     <fee type=\"Handling Fee\">1.25</fee>\n        </fees>\n",
                    money(r.below(500))
                );
            }
            xml.push_str("        <shipping-commission>0.85</shipping-commission>\n      </po-line-header>\n");
            let _ = write!(
                xml,
                "      <po-line-detail>\n        <po-line-status>NEW</po-line-status>\n        \
                 <quantity>{quantity}</quantity>\n"
            );
            if r.below(4) == 0 {
                xml.push_str("        <internal-memo>check stock in bin 4</internal-memo>\n");
            }
            xml.push_str("      </po-line-detail>\n    </po-line>\n");
        }
        let _ = write!(
            xml,
            "    <order-total-sell-price>{}</order-total-sell-price>\n    <total-commission>{}</total-commission>\n    \
             <total-shipping-handling>6.25</total-shipping-handling>\n    <total-sales-tax>{}</total-sales-tax>\n    \
             <balance-due>{}</balance-due>\n    <po-status>{}</po-status>\n",
            money(total),
            money(total * 12 / 100),
            money(total * 8 / 100),
            money(total * 88 / 100),
            r.pick(STATUSES)
        );
        if r.below(5) == 0 {
            xml.push_str(
                "    <po-shipment-info>\n      <shipment>\n        <ship-method>UPS Ground</ship-method>\n        \
                 <shipment-tracking-number>1Z999AA10123456784</shipment-tracking-number>\n      </shipment>\n    \
                 </po-shipment-info>\n",
            );
        }
        let _ = write!(
            xml,
            "    <total-shipping-tax>0.00</total-shipping-tax>\n    <total-order-value>{}</total-order-value>\n  \
             </purchase-order>\n",
            money(total * 108 / 100)
        );
    }
    xml.push_str("</po-response>\n");
    xml
}

/// quick-xml's event loop with a reused buffer and no unescaping: the floor any parser built on it pays.
fn raw_event_loop(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(1024);
    let mut events = 0usize;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(_) => events += 1,
            Err(e) => panic!("{e}"),
        }
        buf.clear();
    }
    events
}

/// The same loop on borrowed events (what `PoResponse::parse` builds on).
fn borrowed_event_loop(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut events = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(_) => events += 1,
            Err(e) => panic!("{e}"),
        }
    }
    events
}

/// Best time of `rounds` runs after a warm-up. The value a run returns is dropped after its time is taken,
/// like criterion's `iter_with_large_drop`; `with_drop` says whether dropping is timed too.
fn best_of<T>(rounds: usize, with_drop: bool, mut run: impl FnMut() -> T) -> Duration {
    drop(run());
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let value = run();
            if with_drop {
                drop(value);
                start.elapsed()
            } else {
                let elapsed = start.elapsed();
                drop(value);
                elapsed
            }
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let xml = generate(ORDERS);
    let body = Bytes::from(xml);
    let megabytes = body.len() as f64 / 1_000_000.0;
    let parsed = PoResponse::parse(&body).expect("the generated response parses");
    assert_eq!(parsed.purchase_orders.len(), ORDERS);
    assert!(parsed.unreadable.is_empty());
    let lines: usize = parsed.purchase_orders.iter().map(|o| o.po_lines.len()).sum();

    // For profiling (`perf record`, `perf stat`): SEARS_BENCH_PROFILE=typed (raw, borrowed) runs only that loop, 30 times.
    match std::env::var("SEARS_BENCH_PROFILE").as_deref() {
        Ok("typed") => {
            for _ in 0..30 {
                black_box(PoResponse::parse(black_box(&body)).unwrap());
            }
            return;
        }
        Ok("raw") => {
            for _ in 0..30 {
                black_box(raw_event_loop(black_box(&body)));
            }
            return;
        }
        Ok("borrowed") => {
            for _ in 0..30 {
                black_box(borrowed_event_loop(black_box(&body)));
            }
            return;
        }
        Ok("generate") => return, // the fixed cost of the two above, to subtract

        _ => {}
    }
    let raw = best_of(ROUNDS, false, || black_box(raw_event_loop(black_box(&body))));
    let borrowed = best_of(ROUNDS, false, || black_box(borrowed_event_loop(black_box(&body))));
    let typed = best_of(ROUNDS, false, || black_box(PoResponse::parse(black_box(&body)).unwrap()));
    let typed_and_dropped = best_of(ROUNDS, true, || black_box(PoResponse::parse(black_box(&body)).unwrap()));

    println!(
        "po-response v19: {ORDERS} orders, {lines} lines, {:.1} MB; best of {ROUNDS} rounds after a warm-up",
        megabytes
    );
    for (name, time) in [
        ("quick-xml raw event loop", raw),
        ("quick-xml borrowed events", borrowed),
        ("PoResponse::parse", typed),
        ("PoResponse::parse + drop", typed_and_dropped),
    ] {
        let seconds = time.as_secs_f64();
        println!(
            "  {name:<26} {:>8.1} ms  {:>7.2} documents/s  {:>9.0} orders/s  {:>7.1} MB/s",
            seconds * 1000.0,
            1.0 / seconds,
            ORDERS as f64 / seconds,
            megabytes / seconds
        );
    }
    println!(
        "  PoResponse::parse runs at {:.0}% of the raw loop's speed ({:.0}% counting the drop of the result)",
        100.0 * raw.as_secs_f64() / typed.as_secs_f64(),
        100.0 * raw.as_secs_f64() / typed_and_dropped.as_secs_f64()
    );
}
