//! A batch of 500 orders: labels bought from the UPS sandbox with 300 ms of carrier latency, then labels and
//! packing slips rendered into one PDF.
//!
//! `cargo bench -p wharf-app --bench batch` prints:
//! - rendering alone: the 500 bought labels (the sandbox's 812x1218 GIFs) and 500 letter packing slips (item
//!   thumbnails and the store logo, from 40 distinct 120x120 PNGs) rendered into one PDF, from entries made
//!   beforehand (best and median of 5 runs);
//! - `print_batch`: the same from the database (orders, shipments, label files, catalog; images from the
//!   on-disk cache);
//! - end to end, once per concurrency (8 and 16 purchases in flight): `batch create` (with pre-flight), `batch
//!   process` against the sandbox (300 ms per call), and the first print (images fetched from loopback).
//!
//! Orders are written straight into a fresh SQLite database (the import is measured by its own benchmark);
//! `-- --concurrency N` runs the end-to-end part at N only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use jiff::Timestamp;
use rust_decimal::Decimal;
use wharf_app::batches::{BatchRequest, NoProgress, ProcessOptions, ProcessOutcome, create_batch, process_batch};
use wharf_app::clock::SystemClock;
use wharf_app::printing::slips::{branding, document_label, packing_slip, printed_items, service_name};
use wharf_app::printing::{BatchSortKey, PrintFormat, PrintOptions, PrintSetup, print_batch};
use wharf_app::shipping::carrier_accounts::add_carrier_account;
use wharf_app::shipping::{LabelFormat, NewCarrierAccount, NewWarehouse, add_warehouse};
use wharf_app::{App, MasterKey};
use wharf_documents::{BatchEntry, BatchOptions, render_batch_pdf};
use wharf_domain::store::{Marketplace, SearsConnection, Store as SalesStore, StoreSettings};
use wharf_domain::{Address, Money, Order, OrderStatus, Weight, sample};
use wharf_sears::{RateLimiter, SearsConfig};
use wharf_storage::{ImportDayWrite, OrderWrite};

/// The allocator the `wharf` binary runs with, so the figures are the shipped configuration's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ORDERS: usize = 500;
const PRODUCTS: usize = 40;
const LATENCY: Duration = Duration::from_millis(300);
const RENDER_RUNS: usize = 5;

/// Addresses the UPS sandbox accepts (its ZIP-to-state table), from the Sears sandbox's showcase.
const DESTINATIONS: &[(&str, &str, &str, &str)] = &[
    ("1234 Elm Street", "Springfield", "IL", "62704"),
    ("350 Fifth Avenue", "New York", "NY", "10118"),
    ("7421 Bellaire Blvd", "Houston", "TX", "77036"),
    ("55 Lakeview Ave", "Madison", "WI", "53703"),
    ("48 Harbor Way", "Seattle", "WA", "98101"),
    ("1510 SW 8th St", "Miami", "FL", "33135"),
    ("77 Maple Dr", "Columbus", "OH", "43215"),
    ("12 Beacon St", "Boston", "MA", "02108"),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let only: Option<usize> =
        args.iter().position(|a| a == "--concurrency").and_then(|i| args.get(i + 1)).map(|n| n.parse().unwrap());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!(
        "batch benchmark: {ORDERS} orders, UPS sandbox latency {} ms, {} cores",
        LATENCY.as_millis(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let concurrencies = only.map_or(vec![8, 16], |n| vec![n]);
    for (i, concurrency) in concurrencies.into_iter().enumerate() {
        runtime.block_on(run(concurrency, i == 0));
    }
}

fn png(seed: usize) -> Vec<u8> {
    let (w, h) = (120u32, 120u32);
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let v = (x * 2 + y + seed as u32 * 37) as u8;
            pixels.extend_from_slice(&[v, (seed * 53) as u8, 255 - v]);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
    }
    out
}

/// Product pictures on loopback, like a store's image host.
async fn image_server() -> String {
    let images: Arc<HashMap<String, Vec<u8>>> =
        Arc::new((0..=PRODUCTS).map(|i| (format!("p{i}.png"), png(i))).collect());
    let app = Router::new().route(
        "/img/{name}",
        axum::routing::get(move |Path(name): Path<String>| {
            let images = images.clone();
            async move {
                ([(header::CONTENT_TYPE, "image/png")], images.get(&name).cloned().unwrap_or_default()).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/img", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn order(n: usize, images: &str, now: Timestamp) -> Order {
    let po = format!("{}", 7_000_000 + n);
    let mut order = sample::order(&format!("ord_{n:032}"), &po);
    let (street, city, state, zip) = DESTINATIONS[n % DESTINATIONS.len()];
    order.ship_to.name = format!("Customer {n}");
    order.ship_to.street1 = street.into();
    order.ship_to.street2 = None;
    order.ship_to.city = city.into();
    order.ship_to.state = state.into();
    order.ship_to.postal_code = zip.into();
    order.order_date = now - jiff::SignedDuration::from_mins(n as i64);
    let template = order.items[0].clone();
    order.items = (0..1 + n % 3)
        .map(|line| {
            let product = (n * 7 + line * 13) % PRODUCTS;
            let mut item = template.clone();
            item.line_item_key = (line + 1).to_string();
            item.sku = format!("SKU-{product:03}");
            item.name = format!("Product {product} of the catalog");
            item.quantity = 1 + (line as u32 % 2);
            item.weight = Some(Weight::ounces(Decimal::from(6 + product as i64)));
            item.image_url = Some(format!("{images}/p{product}.png"));
            item.warehouse_location = Some(format!("{}-{}", (b'A' + (product % 8) as u8) as char, product / 8 + 1));
            item.unit_price = Money::new(Decimal::new(999 + product as i64 * 100, 2));
            item
        })
        .collect();
    order.weight = order.items_weight();
    order.carrier_code = Some("ups".into());
    order.service_code = Some("ups_ground".into());
    order.order_status = OrderStatus::AwaitingShipment;
    order
}

async fn run(concurrency: usize, render_too: bool) {
    let dir = tempfile::tempdir().unwrap();
    let store = wharf_storage::connect(dir.path().join("wharf.db").to_str().unwrap()).await.unwrap();
    let app = App::new(
        store,
        Arc::new(SystemClock),
        MasterKey::load_or_create(&dir.path().join("master.key")).unwrap(),
        SearsConfig::default(),
        RateLimiter::in_memory(),
        dir.path().to_owned(),
    );
    let now = app.now();
    let account = sample::account_id();
    app.store
        .insert_account(&wharf_domain::store::Account {
            account_id: account.clone(),
            name: "Bench".into(),
            alert_email: None,
            create_date: now,
        })
        .await
        .unwrap();
    let images = image_server().await;
    let mut settings = StoreSettings::default();
    settings.branding.company_name = Some("Harbor Goods".into());
    settings.branding.logo_url = Some(format!("{images}/p{PRODUCTS}.png"));
    let sales_store = SalesStore {
        store_id: sample::store_id(),
        account_id: account.clone(),
        store_name: "Bench store".into(),
        marketplace: Marketplace::Sears,
        connection: SearsConnection {
            seller_id: "1".into(),
            email: "bench@example.com".into(),
            base_url: "http://127.0.0.1:9".into(),
        },
        settings,
        active: true,
        create_date: now,
        modify_date: now,
    };
    app.store.insert_store(&sales_store, b"unused").await.unwrap();
    let orders: Vec<OrderWrite> = (0..ORDERS)
        .map(|n| OrderWrite {
            order: order(n, &images, now),
            raw_document: None,
            history: vec![],
            expected_modify_date: None,
        })
        .collect();
    app.store
        .write_import_day(&account, &sales_store.store_id, ImportDayWrite { new_orders: orders, ..Default::default() })
        .await
        .unwrap();

    let ups = wharf_carrier_sandbox::SandboxConfig { latency: LATENCY, ..Default::default() }.start().await.unwrap();
    let client = ups.default_client();
    add_carrier_account(
        &app,
        &account,
        NewCarrierAccount {
            carrier: "ups".into(),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            account_number: client.account_number.clone(),
            base_url: Some(ups.base_url()),
            label_format: LabelFormat::Gif,
            negotiated_rates: false,
            name: None,
        },
    )
    .await
    .unwrap();
    let origin = Address {
        name: "Shipping Desk".into(),
        company: Some("Harbor Goods LLC".into()),
        street1: "1200 W Fulton Market".into(),
        city: "Chicago".into(),
        state: "IL".into(),
        postal_code: "60607".into(),
        country: "US".into(),
        phone: Some("312-555-0142".into()),
        ..Address::default()
    };
    add_warehouse(
        &app,
        &account,
        NewWarehouse { name: "Chicago".into(), origin, return_address: None, make_default: true },
    )
    .await
    .unwrap();

    // End to end.
    let started = Instant::now();
    let request = BatchRequest { status: OrderStatus::AwaitingShipment, store_id: None, limit: None, orders: vec![] };
    let batch = create_batch(&app, &account, &request).await.unwrap();
    let created = started.elapsed();
    let options = ProcessOptions { concurrency, ..ProcessOptions::default() };
    let outcome = process_batch(&app, &account, &batch.batch_id, &options, "bench", &NoProgress).await.unwrap();
    let ProcessOutcome::Done(report) = outcome else { panic!("the batch is free") };
    assert_eq!(report.bought as usize, ORDERS, "every order is bought: {report:?}");
    let processed = started.elapsed();
    let calls: Vec<String> = ups.control().calls().iter().map(|(op, n)| format!("{op} {n}")).collect();
    let print =
        PrintOptions { format: PrintFormat::Pdf, sort: BatchSortKey::WarehouseLocation, dpi: None, slip_size: None };
    let printed = print_batch(&app, &account, &batch.batch_id, print).await.unwrap();
    assert_eq!(printed.orders.len(), ORDERS);
    let total = started.elapsed();
    println!(
        "end to end, {concurrency} in flight: {:.2} s (create and pre-flight {:.2} s, buying {:.2} s = {:.1} labels/s, \
         first print with image fetch {:.2} s; PDF {:.1} MB; carrier calls: {})",
        total.as_secs_f64(),
        created.as_secs_f64(),
        (processed - created).as_secs_f64(),
        ORDERS as f64 / (processed - created).as_secs_f64(),
        (total - processed).as_secs_f64(),
        printed.labels_file.len() as f64 / 1e6,
        calls.join(", "),
    );
    if !render_too {
        return;
    }

    // Printing from the database, images now cached.
    let mut times = Vec::new();
    for _ in 0..RENDER_RUNS {
        let t = Instant::now();
        print_batch(&app, &account, &batch.batch_id, print).await.unwrap();
        times.push(t.elapsed());
    }
    report_runs("print_batch (database, cached images, render)", &mut times);

    // Rendering alone: the same entries, made beforehand.
    let setup = PrintSetup::load(&app, &account, None).await.unwrap();
    let cache = wharf_app::printing::batch_documents::image_cache(&app);
    let mut urls: Vec<String> = (0..=PRODUCTS).map(|i| format!("{images}/p{i}.png")).collect();
    urls.sort();
    let pictures = cache.get_all(urls.iter().map(String::as_str), app.now()).await;
    let members = app.store.batch_orders(&account, &batch.batch_id).await.unwrap();
    let ids: Vec<_> = members.iter().map(|m| m.order_id.clone()).collect();
    let shipments = app.store.shipments_for_orders(&account, &ids).await.unwrap();
    let labels = app
        .store
        .shipment_labels(&account, &shipments.iter().map(|s| s.shipment_id.clone()).collect::<Vec<_>>())
        .await
        .unwrap();
    let catalog = HashMap::new();
    let mut entries = Vec::new();
    for shipment in &shipments {
        let order = app.store.get_order(&account, &shipment.order_id).await.unwrap();
        let items = printed_items(&order, &catalog);
        let file = &labels.iter().find(|l| l.shipment_id == shipment.shipment_id).unwrap().label;
        entries.push(BatchEntry {
            labels: vec![document_label(file, &setup.label_messages.render(&order, "Bench store")).unwrap()],
            slip: packing_slip(
                &order,
                &items,
                branding(&sales_store, None, &pictures),
                service_name(&order, Some(shipment)),
                &pictures,
            ),
        });
    }
    let options = BatchOptions { dpi: setup.dpi, slip_size: setup.slip_size, include_slips: true };
    let mut times = Vec::new();
    let mut size = 0;
    let cpu_before = cpu_time();
    for _ in 0..RENDER_RUNS {
        let t = Instant::now();
        size = render_batch_pdf(&entries, &setup.template, &options).unwrap().len();
        times.push(t.elapsed());
    }
    let cpu = (cpu_time() - cpu_before).as_secs_f64() / RENDER_RUNS as f64;
    let wall: f64 = times.iter().map(Duration::as_secs_f64).sum::<f64>() / RENDER_RUNS as f64;
    report_runs(
        &format!(
            "rendering alone ({} pages, {:.1} MB; {cpu:.2} s CPU per run, {:.1} cores busy on average)",
            2 * ORDERS,
            size as f64 / 1e6,
            cpu / wall
        ),
        &mut times,
    );
}

/// CPU time of this process so far (user + system), from /proc/self/stat in USER_HZ ticks, which Linux fixes
/// at 100 per second for user space. Reading it saves a libc dependency for one number.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based), so 11 and 12 here.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn report_runs(what: &str, times: &mut [Duration]) {
    times.sort();
    let runs: Vec<String> = times.iter().map(|t| format!("{:.3}", t.as_secs_f64())).collect();
    println!(
        "{what}: best {:.3} s, median {:.3} s (runs: {})",
        times[0].as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        runs.join(", ")
    );
}
