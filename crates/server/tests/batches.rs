//! Batches end to end, on both backends: the showcase orders of the Sears sandbox imported (with the
//! catalog's weights, shelves, pictures and options, and the store's service mapping), batched with `wharf
//! batch create`, checked before anything is bought, their labels bought from the UPS sandbox (one carrier
//! 5xx injected), fixed and retried without buying any label twice, then printed: one merged PDF (each label
//! followed by its packing slip, in the chosen order) read back with pdftotext, pdfimages and zbarimg; ZPL
//! checked against a golden file; the pick list.
//!
//! Expected values come from SEED.md (names, SKUs, gift message, dates) and from the catalog written below.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pretty_assertions::assert_eq;
use serde_json::Value;
use support::shipping::{SHOWCASE_WEIGHTS, Ups, ups_clock};
use support::{Backend, Harness};
use wharf_app::batches::{NoProgress, ProcessOptions, ProcessOutcome, process_batch};
use wharf_app::products::{new_product, save_product};
use wharf_app::shipping::LabelFormat;
use wharf_domain::order::ItemOption;
use wharf_domain::{OrderStatus, Weight};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(h: &Harness, args: &[&str]) -> Output {
    h.wharf().args(args).output().await.expect("wharf runs")
}

/// Runs `wharf ARGS`, expecting exit code `code`, and reads its JSON.
async fn json_with_code(h: &Harness, args: &[&str], code: i32) -> Value {
    let out = run(h, args).await;
    assert_eq!(out.status.code(), Some(code), "wharf {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("wharf {args:?} printed no JSON ({e})"))
}

async fn json(h: &Harness, args: &[&str]) -> Value {
    json_with_code(h, args, 0).await
}

async fn ok(h: &Harness, args: &[&str]) -> String {
    let out = run(h, args).await;
    assert!(out.status.success(), "wharf {args:?} failed: {}", text(&out.stderr));
    text(&out.stdout)
}

// --- product pictures, served from loopback -------------------------------------------------------------

type Hits = Arc<Mutex<BTreeMap<String, u32>>>;

/// A 48x48 PNG of one colour.
fn solid_png(rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 48, 48);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&rgb.repeat(48 * 48)).unwrap();
    }
    out
}

async fn picture(State(hits): State<Hits>, UrlPath(name): UrlPath<String>) -> Response {
    *hits.lock().unwrap().entry(name.clone()).or_default() += 1;
    if name.starts_with("missing") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let seed = name.bytes().fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    ([(header::CONTENT_TYPE, "image/png")], solid_png([seed, seed.wrapping_mul(3), 200])).into_response()
}

struct Pictures {
    base: String,
    hits: Hits,
}

impl Pictures {
    async fn start() -> Pictures {
        let hits: Hits = Arc::default();
        let app = Router::new().route("/img/{name}", axum::routing::get(picture)).with_state(hits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/img", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Pictures { base, hits }
    }

    fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }
}

// --- the shop --------------------------------------------------------------------------------------------

/// Shelf, picture and options of the showcase SKUs the tests print. KNMR-WATER-FILTER-9081's picture is
/// gone (404): its slip shows a placeholder.
/// SKU, shelf, picture, options (name, value).
type CatalogRow = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const CATALOG: &[CatalogRow] = &[
    ("KTCH-BLND-600W-BLK", "A-2", "blender.png", &[("Color", "Black")]),
    ("HOME-TOWEL-6PC-GRY", "B-10", "towels.png", &[]),
    ("LED-A19-60W-4PK", "C-1", "bulbs.png", &[]),
    ("TOY-PLUSH-BEAR-12", "D-4", "bear.png", &[("Color", "Honey Brown")]),
    ("CARD-BDAY-ASST", "D-5", "cards.png", &[]),
    ("HOME-SHEET-Q-400", "B-3", "sheets.png", &[("Size", "Queen")]),
    ("GARD-HOSE-50FT", "E-1", "hose.png", &[]),
    ("KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL", "F-7", "bin.png", &[]),
    ("KNMR-WATER-FILTER-9081", "F-8", "missing-filter.png", &[]),
    ("FAN-BOX-20IN", "E-12", "fan.png", &[]),
    ("HOME-MUG-SET-4", "B-1", "mugs.png", &[]),
    ("HOME-COASTER-6", "B-2", "coasters.png", &[]),
    ("VAC-UPRIGHT-BGL", "G-1", "vacuum.png", &[]),
    ("VAC-FILTER-HEPA", "G-2", "hepa.png", &[]),
    ("ELEC-SPKR-BT", "H-1", "speaker.png", &[]),
    ("ELEC-CASE-SPKR", "H-2", "case.png", &[]),
    ("CRFT-DRILL-20V", "E-5", "drill.png", &[]),
];

struct Shop {
    h: Harness,
    ups: Ups,
    pictures: Pictures,
}

/// The harness with the catalog (every showcase weight but FAN-BOX-20IN's), the store's branding and its
/// mapping of Ground and Priority (not Express), the showcase imported, and the UPS sandbox connected.
async fn shop(backend: Backend, format: LabelFormat) -> Shop {
    let h = Harness::start(backend).await;
    let pictures = Pictures::start().await;
    for (sku, weight) in SHOWCASE_WEIGHTS {
        let mut product = new_product(&h.app, &h.account, sku);
        if *sku != "FAN-BOX-20IN" {
            product.weight = Some(Weight::parse(weight).unwrap());
        }
        if let Some((_, location, image, options)) = CATALOG.iter().find(|(s, ..)| s == sku) {
            product.warehouse_location = Some((*location).into());
            product.image_url = Some(pictures.url(image));
            product.options =
                options.iter().map(|(n, v)| ItemOption { name: (*n).into(), value: (*v).into() }).collect();
        }
        save_product(&h.app, &h.account, product).await.unwrap();
    }
    let mut store = h.app.store.get_store(&h.account, &h.store.store_id).await.unwrap();
    let brand = &mut store.settings.branding;
    brand.company_name = Some("Harbor Goods".into());
    brand.logo_url = Some(pictures.url("logo.png"));
    brand.contact_email = Some("help@harborgoods.example".into());
    brand.contact_phone = Some("(312) 555-0142".into());
    brand.primary_color = Some("#0b6e4f".into());
    let store = wharf_app::stores::save_store(&h.app, store).await.unwrap();
    let store = wharf_app::automation::map_service(&h.app, store, "Ground", "ups", "ups_ground", None).await.unwrap();
    wharf_app::automation::map_service(&h.app, store, "Priority", "ups", "ups_2nd_day_air", None).await.unwrap();
    h.drain_jobs().await;
    let ups = match format {
        LabelFormat::Gif => h.with_ups(ups_clock(false)).await,
        other => with_ups_labels(&h, other).await,
    };
    Shop { h, ups, pictures }
}

/// Like `Harness::with_ups`, with the carrier account's labels in `format`.
async fn with_ups_labels(h: &Harness, format: LabelFormat) -> Ups {
    use wharf_app::shipping::carrier_accounts::add_carrier_account;
    use wharf_app::shipping::{NewCarrierAccount, NewWarehouse, add_warehouse};
    let sandbox = wharf_carrier_sandbox::SandboxConfig { clock: ups_clock(false), ..Default::default() }
        .start()
        .await
        .expect("the UPS sandbox starts");
    let client = sandbox.default_client();
    let carrier = add_carrier_account(
        &h.app,
        &h.account,
        NewCarrierAccount {
            carrier: "ups".into(),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            account_number: client.account_number.clone(),
            base_url: Some(sandbox.base_url()),
            label_format: format,
            negotiated_rates: false,
            name: Some("UPS thermal".into()),
        },
    )
    .await
    .unwrap();
    let warehouse = add_warehouse(
        &h.app,
        &h.account,
        NewWarehouse {
            name: "Chicago".into(),
            origin: support::shipping::chicago(),
            return_address: None,
            make_default: true,
        },
    )
    .await
    .unwrap();
    Ups { sandbox, carrier, warehouse }
}

/// Each order's result and issue codes, by order number.
fn results(status: &Value) -> BTreeMap<String, (String, Vec<String>, Vec<String>)> {
    let codes =
        |list: &Value| list.as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect();
    status["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let number = o["orderNumber"].as_str().unwrap().to_owned();
            (number, (o["result"].as_str().unwrap().to_owned(), codes(&o["problems"]), codes(&o["warnings"])))
        })
        .collect()
}

fn order_view<'a>(status: &'a Value, number: &str) -> &'a Value {
    status["orders"].as_array().unwrap().iter().find(|o| o["orderNumber"] == number).unwrap()
}

fn tracking(status: &Value, number: &str) -> String {
    order_view(status, number)["label"]["trackingNumbers"][0].as_str().unwrap().to_owned()
}

fn expected(entries: &[(&str, &str, &[&str], &[&str])]) -> BTreeMap<String, (String, Vec<String>, Vec<String>)> {
    entries
        .iter()
        .map(|(n, r, p, w)| {
            let strings = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
            ((*n).to_owned(), ((*r).to_owned(), strings(p), strings(w)))
        })
        .collect()
}

/// What the UPS sandbox bought under each of Wharf's purchase references (`WH{order key}-{attempt}`; the
/// labels also carry the order number as a second reference): (shipments, labels).
fn bought_by_reference(ups: &Ups) -> BTreeMap<String, (u32, u32)> {
    let all = ups.sandbox.control().labels_by_reference();
    all.into_iter().filter(|(r, _)| r.starts_with("WH")).map(|(r, c)| (r, (c.shipments, c.labels))).collect()
}

// --- PDF and barcode readers --------------------------------------------------------------------------------

fn tool(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed for this test (Debian: poppler-utils, zbar-tools): {e}"));
    assert!(out.status.success() || program == "zbarimg", "{program} {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// The text of each page.
fn pages(pdf: &Path) -> Vec<String> {
    let all = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    let mut pages: Vec<String> = all.split('\u{c}').map(str::to_owned).collect();
    // pdftotext ends the last page with a form feed too.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Every barcode zbarimg reads on page `page` (1-based) rendered at 300 dpi.
fn barcodes(pdf: &Path, page: usize, dir: &Path) -> Vec<String> {
    let prefix = dir.join(format!("page-{page}"));
    let n = page.to_string();
    tool(
        "pdftoppm",
        &["-r", "300", "-f", &n, "-l", &n, "-singlefile", "-png", pdf.to_str().unwrap(), prefix.to_str().unwrap()],
    );
    let png = format!("{}.png", prefix.display());
    tool("zbarimg", &["--quiet", &png]).lines().map(str::to_owned).collect()
}

/// How many images page `page` holds.
fn images_on(pdf: &Path, page: usize) -> usize {
    let n = page.to_string();
    // Two header lines, then one line per image.
    tool("pdfimages", &["-list", "-f", &n, "-l", &n, pdf.to_str().unwrap()]).lines().skip(2).count()
}

/// The words of a page as one string with all whitespace removed (table cells may wrap anywhere).
fn squeezed(page: &str) -> String {
    page.split_whitespace().collect()
}

/// What each order's packing slip must say (SEED.md and the catalog above), by order number.
fn slip_facts(number: &str) -> Vec<&'static str> {
    match number {
        "5000101" => vec![
            "Maria Gonzalez",
            "1234 Elm Street",
            "KTCH-BLND-600W-BLK",
            "Countertop Blender 600W, Black",
            "Color: Black",
            "A-2",
            "HOME-TOWEL-6PC-GRY",
            "B-10",
            "LED-A19-60W-4PK",
            "C-1",
        ],
        "5000102" => vec![
            "Renée O'Connor",
            "350 Fifth Avenue",
            "Apt 4B",
            "TOY-PLUSH-BEAR-12",
            "Plush Teddy Bear 12\" & Friends",
            "Color: Honey Brown",
            "D-4",
            "CARD-BDAY-ASST",
            "D-5",
            "Happy birthday, Léa! Love, Grandma & Grandpa",
        ],
        "5000104" => {
            vec!["Nguyễn Văn An", "HOME-SHEET-Q-400", "Queen Sheet Set, 400 Thread Count", "Size: Queen", "B-3"]
        }
        "5000105" => vec!["Emily Carter", "55 Lakeview Ave", "GARD-HOSE-50FT", "Garden Hose, 50 ft", "E-1"],
        "5000108" => {
            vec!["Linda Park", "KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL", "F-7", "KNMR-WATER-FILTER-9081", "F-8"]
        }
        "5000110" => vec!["Sarah Mitchell", "HOME-MUG-SET-4", "B-1", "HOME-COASTER-6", "B-2"],
        "5000114" => vec!["Jennifer Adams", "12 Beacon St", "VAC-UPRIGHT-BGL", "G-1", "VAC-FILTER-HEPA", "G-2"],
        "5000115" => vec!["Michael Turner", "Floor 12", "ELEC-SPKR-BT", "H-1", "ELEC-CASE-SPKR", "H-2"],
        "0060180" => vec!["Carlos Peña", "1510 SW 8th St", "FAN-BOX-20IN", "20-inch Box Fan", "E-12"],
        other => panic!("no slip facts for {other}"),
    }
}

/// Pictures on each order's slip: the logo and one per item whose picture could be fetched.
fn slip_pictures(number: &str) -> usize {
    1 + match number {
        "5000101" => 3,
        "5000102" | "5000110" | "5000114" | "5000115" => 2,
        // KNMR-WATER-FILTER-9081's picture is missing: a placeholder box, not an image.
        "5000108" => 1,
        _ => 1,
    }
}

fn check_slip(page: &str, number: &str) {
    let flat = squeezed(page);
    assert!(page.contains("PACKING SLIP"), "order {number}: not a packing slip:\n{page}");
    assert!(flat.contains(&squeezed(&format!("Order {number}"))), "order {number}: slip of another order:\n{page}");
    assert!(page.contains("Harbor Goods") && page.contains("help@harborgoods.example"), "order {number}:\n{page}");
    for fact in slip_facts(number) {
        assert!(flat.contains(&squeezed(fact)), "order {number}: the slip lacks {fact:?}:\n{page}");
    }
}

// --- the tests ---------------------------------------------------------------------------------------------

async fn a_batch_is_checked_bought_fixed_retried_and_printed(backend: Backend) {
    let shop = shop(backend, LabelFormat::Gif).await;
    let h = &shop.h;

    // Every awaiting-shipment order of the showcase goes in; pre-flight lists every problem of each order.
    let created = json(h, &["batch", "create", "--status", "awaiting_shipment", "--json"]).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("bat_"), "{created}");
    assert_eq!(created["number"], 1);
    assert_eq!(created["state"], "open");
    let before = expected(&[
        ("0060180", "invalid", &["weight", "service"], &[]),
        ("5000101", "pending", &[], &[]),
        ("5000102", "pending", &[], &[]),
        ("5000103", "invalid", &["pickup"], &[]),
        ("5000104", "pending", &[], &[]),
        ("5000105", "pending", &[], &[]),
        ("5000108", "pending", &[], &["sku_too_long"]),
        ("5000110", "pending", &[], &[]),
        ("5000114", "pending", &[], &[]),
        ("5000115", "invalid", &["service"], &[]),
    ]);
    assert_eq!(results(&created), before);
    let fan = order_view(&created, "0060180");
    assert!(fan["problems"][1]["message"].as_str().unwrap().contains("Sears asked for \"Express\""), "{fan}");
    let long = order_view(&created, "5000108");
    assert!(long["warnings"][0]["message"].as_str().unwrap().contains("SKU is 46 characters"), "{long}");
    // Nothing was bought, and the same orders cannot go in a second batch.
    assert!(shop.ups.sandbox.control().shipments().is_empty());
    let again = run(h, &["batch", "create", "--status", "awaiting_shipment", "--json"]).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("outside another open batch"), "{}", text(&again.stderr));

    // The carrier fails the first call of the run (the sign-in): with one purchase at a time, the first
    // order to buy (5000110, the oldest valid one) fails with UPS's message; the others are bought.
    shop.ups.sandbox.control().fail_next_calls(1, 503).unwrap();
    let processed = json_with_code(h, &["batch", "process", &id, "--concurrency", "1", "--json"], 2).await;
    assert_eq!(processed["state"], "processed");
    let mut after = before.clone();
    for n in ["5000101", "5000102", "5000104", "5000105", "5000108", "5000114"] {
        after.get_mut(n).unwrap().0 = "bought".into();
    }
    after.get_mut("5000110").unwrap().0 = "failed".into();
    assert_eq!(results(&processed), after);
    let failed = &order_view(&processed, "5000110")["error"];
    assert!(failed["message"].as_str().unwrap().contains("503"), "{failed}");
    assert_eq!(failed["retryable"], true, "{failed}");
    let counts = &processed["counts"];
    assert_eq!(
        (counts["bought"].as_u64(), counts["failed"].as_u64(), counts["invalid"].as_u64()),
        (Some(6), Some(1), Some(3))
    );
    assert_eq!(bought_by_reference(&shop.ups).len(), 6);
    assert!(bought_by_reference(&shop.ups).values().all(|c| *c == (1, 1)));

    // Fix: Express is mapped, the fan gets a weight, automation runs again on the two orders. Retry: only the
    // three orders without a label are tried (the pickup order stays invalid: it never needs a label).
    ok(
        h,
        &["store", "map-service", "Sears test store", "Express", "--carrier", "ups", "--service", "ups_next_day_air"],
    )
    .await;
    ok(h, &["product", "set", "FAN-BOX-20IN", "--weight", "6 lb"]).await;
    ok(h, &["orders", "reprocess", "0060180", "5000115"]).await;
    let retried = json_with_code(h, &["batch", "retry", "1", "--json"], 2).await;
    for n in ["0060180", "5000110", "5000115"] {
        let entry = after.get_mut(n).unwrap();
        *entry = ("bought".into(), vec![], vec![]);
    }
    assert_eq!(results(&retried), after);
    assert_eq!(order_view(&retried, "5000110")["attempts"], 2);
    assert_eq!(order_view(&retried, "5000101")["attempts"], 1, "a bought order is never tried again");
    // The UPS sandbox's own records: nine references, one shipment and one label each; nine ship calls.
    let bought = bought_by_reference(&shop.ups);
    assert_eq!(bought.len(), 9, "{bought:?}");
    assert!(bought.values().all(|c| *c == (1, 1)), "{bought:?}");
    assert_eq!(shop.ups.sandbox.control().calls().get("Shipment"), Some(&9));

    // One PDF, sorted by the first item's SKU: each order's label page, then its packing slip.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("batch-1.pdf");
    let printed =
        json(h, &["batch", "print", "1", "--format", "pdf", "--sort", "sku", "--out", pdf.to_str().unwrap(), "--json"])
            .await;
    let by_sku = ["5000115", "0060180", "5000105", "5000110", "5000104", "5000108", "5000101", "5000102", "5000114"];
    assert_eq!(printed["orders"], serde_json::json!(by_sku));
    assert_eq!(printed["labels"], 9);
    assert_eq!(printed["leftOut"], serde_json::json!([]));
    let texts = pages(&pdf);
    assert_eq!(texts.len(), 18, "one label page and one slip page per order");
    for (i, number) in by_sku.iter().enumerate() {
        let (label, slip) = (2 * i + 1, 2 * i + 2);
        assert!(
            texts[label - 1].trim().is_empty(),
            "page {label} should be the label image of {number}: {}",
            texts[label - 1]
        );
        assert_eq!(
            barcodes(&pdf, label, dir.path()),
            vec![format!("CODE-128:{}", tracking(&retried, number))],
            "page {label}"
        );
        check_slip(&texts[slip - 1], number);
        assert_eq!(images_on(&pdf, slip), slip_pictures(number), "pictures on the slip of {number} (page {slip})");
    }
    // Each picture was fetched once for the whole batch; the logo once too.
    assert_eq!(shop.pictures.hits.lock().unwrap().get("logo.png"), Some(&1));
    assert_eq!(shop.pictures.hits.lock().unwrap().get("bear.png"), Some(&1));

    // The same batch as ZPL for a 300 dpi thermal printer: the GIF labels as graphics, in order; the slips
    // beside it as a PDF.
    let zpl_path = dir.path().join("batch-1.zpl");
    let zpl_out = ok(
        h,
        &[
            "batch",
            "print",
            "1",
            "--format",
            "zpl",
            "--dpi",
            "300",
            "--sort",
            "order-number",
            "--out",
            zpl_path.to_str().unwrap(),
        ],
    )
    .await;
    let slips_path = dir.path().join("batch-1.slips.pdf");
    assert!(zpl_out.contains(&slips_path.display().to_string()), "{zpl_out}");
    let zpl = std::fs::read_to_string(&zpl_path).unwrap();
    assert_eq!(zpl.matches("^XA").count(), 9);
    assert_eq!(zpl.matches("^GFA").count(), 9);
    assert_eq!(zpl.matches("^PW1200").count(), 9, "4 inches at 300 dpi");
    let by_number = ["0060180", "5000101", "5000102", "5000104", "5000105", "5000108", "5000110", "5000114", "5000115"];
    let slips = pages(&slips_path);
    assert_eq!(slips.len(), 9);
    for (page, number) in slips.iter().zip(by_number) {
        check_slip(page, number);
    }

    // The pick list: every line of the batch's orders by shelf, then SKU.
    let picks = dir.path().join("picks.pdf");
    ok(h, &["batch", "picklist", "1", "--out", picks.to_str().unwrap()]).await;
    let picks = squeezed(&pages(&picks).join("\n"));
    let shelves = [
        "A-2", "B-1", "B-2", "B-3", "B-10", "C-1", "D-4", "D-5", "E-1", "E-5", "E-12", "F-7", "F-8", "G-1", "G-2",
        "H-1", "H-2",
    ];
    let mut at = 0;
    for shelf in shelves {
        let found = picks[at..].find(shelf).unwrap_or_else(|| panic!("shelf {shelf} missing or out of order: {picks}"));
        at += found + shelf.len();
    }
    assert!(picks.contains("10orders·17lines·25units"), "{picks}");

    // Archived, the batch lets nothing in or out.
    let archived = json(h, &["batch", "archive", "1", "--json"]).await;
    assert_eq!(archived["state"], "archived");
    let refused = run(h, &["batch", "process", "1"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("archived"), "{}", text(&refused.stderr));
}

/// The carrier's ZPL, printed exactly as received and in order (tracking numbers replaced by the order they
/// belong to, since purchases run concurrently), with the packing slips of a seller's own template beside it.
async fn zpl_labels_print_as_received(backend: Backend) {
    let shop = shop(backend, LabelFormat::Zpl).await;
    let h = &shop.h;
    let template = h.data_dir.path().join("slip.xml.j2");
    std::fs::write(
        &template,
        "<slip>\n  <heading>Thank you from {{ store.name }}</heading>\n  <text>Order {{ order.number }} for \
         {{ ship_to.name }}</text>\n  {% for item in items %}\n  <text>{{ item.quantity }} x {{ item.sku }} at \
         {{ item.location or 'anywhere' }}</text>\n  {% endfor %}\n</slip>\n",
    )
    .unwrap();
    ok(h, &["template", "set", template.to_str().unwrap(), "--store", "Sears test store"]).await;
    let created =
        json(h, &["batch", "create", "--order", "5000102", "--order", "5000101", "--order", "5000108", "--json"]).await;
    let batch: wharf_domain::BatchId = created["id"].as_str().unwrap().parse().unwrap();
    // Bought in-process, on the harness's fixed clock, so ship dates are the same every run.
    let outcome =
        process_batch(&h.app, &h.account, &batch, &ProcessOptions::default(), "test", &NoProgress).await.unwrap();
    let ProcessOutcome::Done(report) = outcome else { panic!("the batch is free") };
    assert_eq!((report.tried, report.bought), (3, 3));
    let status = json(h, &["batch", "status", created["id"].as_str().unwrap(), "--json"]).await;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("thermal.zpl");
    ok(h, &["batch", "print", "1", "--format", "zpl", "--out", out.to_str().unwrap()]).await;
    let mut zpl = std::fs::read_to_string(&out).unwrap();
    for number in ["5000101", "5000102", "5000108"] {
        zpl = zpl.replace(&tracking(&status, number), &format!("<TRACKING OF {number}>"));
    }
    insta::assert_snapshot!("zpl_batch_of_three", zpl);

    let slips = pages(&dir.path().join("thermal.slips.pdf"));
    let slips: Vec<String> = slips.iter().map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(
        slips,
        [
            "Thank you from Harbor Goods Order 5000101 for Maria Gonzalez 2 x KTCH-BLND-600W-BLK at A-2 1 x \
             HOME-TOWEL-6PC-GRY at B-10 3 x LED-A19-60W-4PK at C-1",
            "Thank you from Harbor Goods Order 5000102 for Renée O'Connor 1 x TOY-PLUSH-BEAR-12 at D-4 2 x \
             CARD-BDAY-ASST at D-5",
            "Thank you from Harbor Goods Order 5000108 for Linda Park 1 x KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL \
             at F-7 1 x KNMR-WATER-FILTER-9081 at F-8",
        ]
    );
    // A ZPL label cannot go in a PDF: the command says so and what to do.
    let refused =
        run(h, &["batch", "print", "1", "--format", "pdf", "--out", dir.path().join("x.pdf").to_str().unwrap()]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("print the batch as ZPL"), "{}", text(&refused.stderr));
}

/// `--no-wait` queues the batch; a worker of `wharf serve` buys its labels. An order cancelled meanwhile
/// leaves the batch.
async fn a_queued_batch_is_bought_by_a_worker_and_cancelled_orders_leave(backend: Backend) {
    let shop = shop(backend, LabelFormat::Gif).await;
    let h = &shop.h;
    let created =
        json(h, &["batch", "create", "--order", "5000101", "--order", "5000105", "--order", "5000114", "--json"]).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let queued = ok(h, &["batch", "process", &id, "--no-wait"]).await;
    assert!(queued.contains("queued for processing"), "{queued}");
    let status = json(h, &["batch", "status", &id, "--json"]).await;
    assert_eq!((status["state"].as_str(), status["queued"].as_bool()), (Some("open"), Some(true)));
    assert!(shop.ups.sandbox.control().shipments().is_empty(), "nothing is bought before a worker runs");

    // The seller cancels 5000105 before a worker gets to it.
    let mut order = h.order("5000105").await;
    let read = order.modify_date;
    order.order_status = OrderStatus::Cancelled;
    order.modify_date = h.app.now();
    let write =
        wharf_storage::OrderWrite { order, raw_document: None, history: vec![], expected_modify_date: Some(read) };
    h.app.store.update_order(&write).await.unwrap();
    let status = json(h, &["batch", "status", &id, "--json"]).await;
    let cancelled = order_view(&status, "5000105");
    assert_eq!(cancelled["result"], "removed");
    assert!(cancelled["removedReason"].as_str().unwrap().contains("cancelled"), "{cancelled}");

    // A running `wharf serve` takes the job (its workers read the system clock, as the queuing command did).
    let mut serve = h.wharf().args(["serve", "--port", "0"]).spawn().expect("wharf serve starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        let status = json(h, &["batch", "status", &id, "--json"]).await;
        if status["state"] == "processed" {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "no worker processed the batch: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    serve.kill().await.unwrap();
    assert_eq!(status["queued"], false);
    assert_eq!(
        results(&status),
        expected(&[("5000101", "bought", &[], &[]), ("5000105", "removed", &[], &[]), ("5000114", "bought", &[], &[])])
    );
    assert_eq!(bought_by_reference(&shop.ups).len(), 2);
    // A cancelled order goes in no batch.
    let again = run(h, &["batch", "create", "--order", "5000105", "--json"]).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("cancelled: 5000105"), "{}", text(&again.stderr));
}

/// `wharf template`: a seller's template is previewed before it is saved, a broken one is refused with where
/// the problem is, and the print settings keep label messages, resolution, paper and footer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_previewed_checked_and_saved() {
    let h = Harness::start(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.xml.j2");
    std::fs::write(
        &good,
        "<slip>\n<heading>Packed with care</heading>\n{% for item in items %}\n<text>{{ item.sku }} \
         ({{ item.options_text }})</text>\n{% endfor %}\n{% if gift_message %}<text>Gift: {{ gift_message }}</text>{% endif %}\n</slip>\n",
    )
    .unwrap();
    let preview = dir.path().join("preview.pdf");
    ok(&h, &["template", "preview", "--out", preview.to_str().unwrap(), "--template", good.to_str().unwrap()]).await;
    // The sample slip (documents crate's `sample_slip_data`): three items, one gift message.
    let shown = pages(&preview).join("\n").split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        shown,
        "Packed with care MUG-CER-12OZ (Color: Cobalt Blue, Glaze: Matte) TEE-ORG-M (Size: M, Fit: Relaxed) \
         CNDL-SOY-LAV () Gift: Happy birthday, Zoë! Enjoy the mugs ☕ — love, José"
    );
    // Nothing was saved by the preview: the template in use is still Wharf's default.
    assert!(ok(&h, &["template", "show"]).await.contains("PACKING SLIP"));

    let broken = dir.path().join("broken.xml.j2");
    std::fs::write(&broken, "<slip>\n<text>{{ order.number }</text>\n</slip>\n").unwrap();
    for args in [
        vec!["template", "set", broken.to_str().unwrap()],
        vec!["template", "preview", "--out", preview.to_str().unwrap(), "--template", broken.to_str().unwrap()],
    ] {
        let out = run(&h, &args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(text(&out.stderr).contains("line 2"), "{args:?}: {}", text(&out.stderr));
    }
    ok(&h, &["template", "set", good.to_str().unwrap()]).await;
    assert!(ok(&h, &["template", "show"]).await.contains("Packed with care"));

    let settings = json(
        &h,
        &[
            "template",
            "settings",
            "--dpi",
            "300",
            "--slip-size",
            "4x6",
            "--message",
            "[Order #] [SKU #1]",
            "--message",
            "Loc [Location #1]",
            "--footer",
            "Thanks!",
            "--json",
        ],
    )
    .await;
    assert_eq!(settings["dpi"], 300);
    assert_eq!(settings["slipSize"], "4x6");
    assert_eq!(settings["labelMessages"], serde_json::json!(["[Order #] [SKU #1]", "Loc [Location #1]"]));
    assert_eq!(settings["slipFooter"], "Thanks!");
    assert_eq!(settings["customTemplate"], true);
    let refused = run(&h, &["template", "settings", "--message", "[Colour]"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("unknown field [Colour]"), "{}", text(&refused.stderr));
    let refused = run(&h, &["template", "settings", "--dpi", "600"]).await;
    assert_eq!(refused.status.code(), Some(1));
    // A store's settings override the account's, field by field.
    let store = json(&h, &["template", "settings", "--store", "Sears test store", "--dpi", "203", "--json"]).await;
    assert_eq!((store["dpi"].as_u64(), store["slipSize"].as_str()), (Some(203), Some("4x6")));
    ok(&h, &["template", "reset"]).await;
    assert!(ok(&h, &["template", "show"]).await.contains("PACKING SLIP"));
}

/// `wharf demo`: the sandbox's orders can be batched, bought and printed straight away, packing slips with the
/// demo's pictures and logo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_orders_are_batched_and_printed() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let wharf = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"));
        c.arg("--data-dir")
            .arg(dir.path())
            .env_remove("WHARF_DATABASE_URL")
            .env("WHARF_LOG", "warn")
            .kill_on_drop(true);
        c
    };
    let mut demo = wharf()
        .args(["demo", "--port", "0", "--orders", "3", "--new-order-every", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("Stop with Ctrl-C") {
            break;
        }
    }
    // The demo imports, weighs the sandbox's SKUs and gives them pictures and shelves within seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let out = wharf().args(["product", "list", "--json"]).output().await.unwrap();
        let products: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let ready = products.as_array().is_some_and(|all| {
            all.len() >= 10
                && all
                    .iter()
                    .all(|p| p["weight"].is_object() && p["imageUrl"].is_string() && p["warehouseLocation"].is_string())
        });
        if ready {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the demo's catalog never got weights and pictures: {products}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let out = wharf().args(["batch", "create", "--status", "awaiting_shipment", "--json"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pending = created["counts"]["pending"].as_u64().unwrap();
    assert!(pending >= 8, "most of the demo's orders are ready to buy: {created}");
    let out = wharf().args(["batch", "process", "1", "--json"]).output().await.unwrap();
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["counts"]["bought"].as_u64(), Some(pending), "{status}");
    let pdf = dir.path().join("demo.pdf");
    let out = wharf().args(["batch", "print", "1", "--out", pdf.to_str().unwrap()]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let texts = pages(&pdf);
    assert_eq!(texts.len() as u64, 2 * pending);
    for slip in (2..=texts.len()).step_by(2) {
        assert!(texts[slip - 1].contains("Harbor Goods (demo)"), "page {slip}: {}", texts[slip - 1]);
        // The logo and at least one product picture.
        assert!(images_on(&pdf, slip) >= 2, "page {slip} has no pictures");
    }
    demo.start_kill().unwrap();
}

on_both_backends!(
    a_batch_is_checked_bought_fixed_retried_and_printed,
    zpl_labels_print_as_received,
    a_queued_batch_is_bought_by_a_worker_and_cancelled_orders_leave,
);
