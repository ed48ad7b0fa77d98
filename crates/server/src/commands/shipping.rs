//! `wharf orders rates|buy-label|mark-shipped|void|note|test-label`: shipping one order. Also what `wharf demo`
//! sets up for shipping (a UPS sandbox as a connected carrier account, and a warehouse).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use jiff::civil::Date;
use wharf_app::App;
use wharf_app::shipping::packages::PackagePlan;
use wharf_app::shipping::{
    LabelPurchase, ManualShipment, NoteChange, OrderRates, RateOptions, TestLabel, TestLabelFormat, buy_labels,
    find_order, mark_picked_up, mark_shipped, rates_for_order, render_test_label, set_notes, void_order_shipment,
};
use wharf_domain::AccountId;
use wharf_domain::shipment::Shipment;

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output::{self, or_dash};

#[derive(Debug, Subcommand)]
pub enum OrdersShippingCommand {
    /// Rates for an order from every carrier account; the cheapest, the fastest and rate shopping's pick marked.
    Rates(RatesArgs),
    /// Buy an order's labels: all its packages in one shipment (running it again returns the same shipment).
    BuyLabel(BuyLabelArgs),
    /// Record a label bought elsewhere (--carrier --service --tracking), or a pickup order collected (--pickup).
    MarkShipped(MarkShippedArgs),
    /// Void an order's label at the carrier (or undo a shipment recorded by hand).
    Void {
        /// Order id (ord_…), order number (Sears PO number) or order key.
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Set the notes to the buyer (sent in the shipment e-mail) and the internal notes ("" clears).
    Note(NoteArgs),
    /// Draw a label for any service without buying it, marked as not valid for shipping.
    TestLabel(TestLabelArgs),
}

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Split the order into this many packages (units dealt out in line order).
    #[arg(long, default_value_t = 1)]
    pub packages: u32,
    /// Ship from this warehouse (id or name) instead of the order's or the default one.
    #[arg(long)]
    pub warehouse: Option<String>,
    /// The day the parcels are handed over (YYYY-MM-DD); today by default.
    #[arg(long)]
    pub ship_date: Option<Date>,
}

#[derive(Debug, Args)]
pub struct RatesArgs {
    /// Order id (ord_…), order number (Sears PO number) or order key.
    pub id: String,
    /// Only this carrier account (id or name).
    #[arg(long)]
    pub carrier_account: Option<String>,
    /// Only this service, e.g. ups_ground.
    #[arg(long)]
    pub service: Option<String>,
    #[command(flatten)]
    pub package: PackageArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct BuyLabelArgs {
    pub id: String,
    #[arg(long)]
    pub carrier_account: Option<String>,
    /// The service to buy; by default the order's service, else the cheapest that arrives in time.
    #[arg(long)]
    pub service: Option<String>,
    #[command(flatten)]
    pub package: PackageArgs,
    /// Ship only part of a Sears order (the packages leave lines out): Sears cancels what is left out.
    #[arg(long)]
    pub confirm_short_shipment: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct MarkShippedArgs {
    pub id: String,
    /// A Wharf carrier (ups, fedex, usps, dhl, other) or a carrier code from Sears's list (FDE, OTH, ODFL...).
    #[arg(long, required_unless_present = "pickup", conflicts_with = "pickup")]
    pub carrier: Option<String>,
    /// A Wharf service (fedex_ground...) or a Sears method of the carrier (Ground, Next Day...).
    #[arg(long, required_unless_present = "pickup", conflicts_with = "pickup")]
    pub service: Option<String>,
    #[arg(long, required_unless_present = "pickup", conflicts_with = "pickup")]
    pub tracking: Option<String>,
    /// The ship (or pickup) date, YYYY-MM-DD; today by default.
    #[arg(long)]
    pub date: Option<Date>,
    /// The buyer collected this pickup order (carrier OTH, method Pickup, no label).
    #[arg(long)]
    pub pickup: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub id: String,
    /// Notes to the buyer: copied to the shipment and sent in the shipment e-mail.
    #[arg(long)]
    pub to_buyer: Option<String>,
    /// Notes for the seller's staff only.
    #[arg(long)]
    pub internal: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LabelFileFormat {
    Pdf,
    Zpl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DpiArg {
    #[value(name = "203")]
    Dpi203,
    #[value(name = "300")]
    Dpi300,
}

#[derive(Debug, Args)]
pub struct TestLabelArgs {
    pub id: String,
    /// Any service of the code table (ups_ground, fedex_2day, usps_priority_mail...).
    #[arg(long)]
    pub service: String,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "pdf")]
    pub format: LabelFileFormat,
    #[arg(long, value_enum, default_value = "203")]
    pub dpi: DpiArg,
    #[arg(long)]
    pub warehouse: Option<String>,
}

async fn warehouse_id(
    app: &App,
    account: &AccountId,
    name: Option<&str>,
) -> anyhow::Result<Option<wharf_domain::WarehouseId>> {
    Ok(match name {
        Some(name) => Some(wharf_app::shipping::find_warehouse(app, account, name).await?.warehouse_id),
        None => None,
    })
}

fn plan(packages: u32) -> PackagePlan {
    if packages <= 1 { PackagePlan::Single } else { PackagePlan::Split(packages) }
}

pub async fn run(app: &App, command: OrdersShippingCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        OrdersShippingCommand::Rates(args) => {
            let order = find_order(app, &account, &args.id).await?;
            let options = RateOptions {
                carrier_account: args.carrier_account,
                service: args.service,
                packages: plan(args.package.packages),
                warehouse: warehouse_id(app, &account, args.package.warehouse.as_deref()).await?,
                ship_date: args.package.ship_date,
            };
            let rates = rates_for_order(app, &account, &order.order_id, &options).await?;
            if args.json.json {
                output::print_json(&rates)?;
            } else {
                print_rates(&rates);
            }
        }
        OrdersShippingCommand::BuyLabel(args) => {
            let order = find_order(app, &account, &args.id).await?;
            let request = LabelPurchase {
                carrier_account: args.carrier_account,
                service: args.service,
                packages: plan(args.package.packages),
                warehouse: warehouse_id(app, &account, args.package.warehouse.as_deref()).await?,
                ship_date: args.package.ship_date,
                batch_id: None,
                confirm_short_shipment: args.confirm_short_shipment,
            };
            let shipment = buy_labels(app, &account, &order.order_id, &request).await?;
            if args.json.json {
                output::print_json(&shipment)?;
            } else {
                println!("Order {}: shipment {}", order.order_number, shipment.shipment_id);
                print_shipments(std::slice::from_ref(&shipment));
            }
        }
        OrdersShippingCommand::MarkShipped(args) => {
            let order = find_order(app, &account, &args.id).await?;
            let shipment = if args.pickup {
                mark_picked_up(app, &account, &order.order_id, args.date).await?
            } else {
                let input = ManualShipment {
                    carrier: args.carrier.unwrap_or_default(),
                    service: args.service.unwrap_or_default(),
                    tracking: args.tracking.unwrap_or_default(),
                    ship_date: args.date,
                };
                mark_shipped(app, &account, &order.order_id, &input).await?
            };
            if args.json.json {
                output::print_json(&shipment)?;
            } else {
                println!("Order {} recorded as shipped: shipment {}", order.order_number, shipment.shipment_id);
                print_shipments(std::slice::from_ref(&shipment));
            }
        }
        OrdersShippingCommand::Void { id, json } => {
            let order = find_order(app, &account, &id).await?;
            let outcome = void_order_shipment(app, &account, &order.order_id).await?;
            if json.json {
                output::print_json(&outcome)?;
            } else {
                println!(
                    "Shipment {} of order {} voided{}; the order is now {}.",
                    outcome.shipment.shipment_id,
                    order.order_number,
                    outcome.carrier_status.map(|s| format!(" (carrier: {s})")).unwrap_or_default(),
                    outcome.order_status
                );
                if let Some(notice) = &outcome.sears_notice {
                    println!("NOTE: {notice}");
                }
            }
        }
        OrdersShippingCommand::Note(args) => {
            let order = find_order(app, &account, &args.id).await?;
            let change = NoteChange { to_buyer: args.to_buyer, internal: args.internal };
            let updated = set_notes(app, &account, &order.order_id, &change).await?;
            if args.json.json {
                output::print_json(&updated)?;
            } else {
                println!("Order {}: notes saved.", updated.order_number);
                println!("  to the buyer    {}", or_dash(updated.notes_to_buyer.as_ref()));
                println!("  internal        {}", or_dash(updated.internal_notes.as_ref()));
            }
        }
        OrdersShippingCommand::TestLabel(args) => {
            let order = find_order(app, &account, &args.id).await?;
            let request = TestLabel {
                service: args.service,
                format: match args.format {
                    LabelFileFormat::Pdf => TestLabelFormat::Pdf,
                    LabelFileFormat::Zpl => TestLabelFormat::Zpl,
                },
                dpi: match args.dpi {
                    DpiArg::Dpi203 => wharf_app::shipping::Dpi::Dpi203,
                    DpiArg::Dpi300 => wharf_app::shipping::Dpi::Dpi300,
                },
                warehouse: warehouse_id(app, &account, args.warehouse.as_deref()).await?,
                ship_date: None,
            };
            let bytes = render_test_label(app, &account, &order.order_id, &request).await?;
            std::fs::write(&args.out, &bytes).with_context(|| format!("cannot write {}", args.out.display()))?;
            println!(
                "Test label for order {} written to {} ({} bytes); it is not valid for shipping.",
                order.order_number,
                args.out.display(),
                bytes.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rates(rates: &OrderRates) {
    println!(
        "Order {}: ship {} from {}, deliver by {}{}",
        rates.order_number,
        rates.ship_date,
        rates.warehouse_id,
        or_dash(rates.deliver_by),
        rates.deliver_by_rule.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
    );
    for (n, p) in rates.packages.iter().enumerate() {
        println!("  package {}: {} unit(s), {}, {}", n + 1, p.units, p.weight, or_dash(p.dimensions));
    }
    let mut table = output::table(["SERVICE", "ACCOUNT", "PRICE", "LIST", "DELIVERY", "SEARS", ""]);
    for r in &rates.rates {
        let marks: Vec<&str> = [
            (r.recommended, "recommended"),
            (r.cheapest, "cheapest"),
            (r.fastest, "fastest"),
            (r.selected, "order's service"),
            (r.arrives_in_time == Some(false), "late"),
        ]
        .into_iter()
        .filter_map(|(on, mark)| on.then_some(mark))
        .collect();
        let sears = match (&r.sears_carrier, &r.sears_method, &r.sears_problem) {
            (Some(c), Some(m), _) => format!("{c} {m}"),
            (_, _, Some(_)) => "no Sears method".into(),
            _ => "-".into(),
        };
        table.add_row([
            r.service.clone().unwrap_or_else(|| format!("({})", r.service_name)),
            r.carrier_account_name.clone(),
            r.total.to_string(),
            r.list_total.to_string(),
            r.delivery_date.map_or_else(|| "-".into(), |d| d.to_string()),
            sears,
            marks.join(", "),
        ]);
    }
    println!("{table}");
    for e in &rates.errors {
        println!("  {}: {}", e.carrier_account_name, e.error);
    }
}

/// Shipments as `wharf orders show` prints them.
pub fn print_shipments(shipments: &[Shipment]) {
    for s in shipments {
        println!(
            "  shipment        {} {:?} {:?}: {} {} on {}, fee {}{}",
            s.shipment_id,
            s.kind,
            s.state,
            s.carrier_code,
            s.service_code,
            s.ship_date,
            or_dash(s.carrier_fee),
            s.sears_carrier
                .as_ref()
                .map(|c| format!(", Sears {c} {}", s.sears_method.as_deref().unwrap_or("")))
                .unwrap_or_default()
        );
        for p in &s.packages {
            let lines: Vec<String> = p.lines.iter().map(|l| format!("{} x {}", l.quantity, l.sku)).collect();
            println!(
                "    package {}    {} {} {}  {}",
                p.sequence,
                or_dash(p.tracking_number.as_ref()),
                or_dash(p.weight),
                or_dash(p.dimensions),
                lines.join(", ")
            );
        }
        if let Some(error) = &s.error {
            println!("    NOTE          {error}");
        }
    }
}

// --- wharf demo -------------------------------------------------------------------------------------------

/// The carrier account `wharf demo` connects (replaced on each start: the sandbox's port changes).
pub const DEMO_CARRIER_NAME: &str = "UPS sandbox";
pub const DEMO_WAREHOUSE_NAME: &str = "Demo warehouse";

/// What `wharf demo` set up for shipping.
pub struct DemoShipping {
    pub sandbox: wharf_carrier_sandbox::RunningUpsSandbox,
    pub carrier: wharf_storage::shipping::CarrierAccount,
    pub warehouse: wharf_storage::shipping::Warehouse,
}

/// Starts the UPS sandbox on a loopback port and connects it as a carrier account (checked with a sign-in
/// like any other), and adds a default warehouse when the account has none.
pub async fn demo_shipping(app: &App, account: &AccountId) -> anyhow::Result<DemoShipping> {
    use wharf_app::shipping::carrier_accounts::{add_carrier_account, list_carrier_accounts, remove_carrier_account};

    let sandbox = wharf_carrier_sandbox::SandboxConfig {
        clock: wharf_carrier_sandbox::SandboxClock::system(),
        ..wharf_carrier_sandbox::SandboxConfig::default()
    }
    .start()
    .await?;
    if list_carrier_accounts(app, account).await?.iter().any(|c| c.name == DEMO_CARRIER_NAME) {
        remove_carrier_account(app, account, DEMO_CARRIER_NAME).await?;
    }
    let client = sandbox.default_client();
    let carrier = add_carrier_account(
        app,
        account,
        wharf_app::shipping::NewCarrierAccount {
            carrier: "ups".into(),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            account_number: client.account_number.clone(),
            base_url: Some(sandbox.base_url()),
            label_format: wharf_app::shipping::LabelFormat::Gif,
            negotiated_rates: true,
            name: Some(DEMO_CARRIER_NAME.into()),
        },
    )
    .await?;
    let warehouse = match wharf_app::shipping::default_warehouse(app, account).await? {
        Some(existing) => existing,
        None => {
            let origin = wharf_domain::Address {
                name: "Shipping Desk".into(),
                company: Some("Harbor Goods LLC".into()),
                street1: "1200 W Fulton Market".into(),
                street2: Some("Dock 4".into()),
                city: "Chicago".into(),
                state: "IL".into(),
                postal_code: "60607".into(),
                country: "US".into(),
                phone: Some("312-555-0142".into()),
                residential: Some(false),
                ..wharf_domain::Address::default()
            };
            let new = wharf_app::shipping::NewWarehouse {
                name: DEMO_WAREHOUSE_NAME.into(),
                origin,
                return_address: None,
                make_default: true,
            };
            wharf_app::shipping::add_warehouse(app, account, new).await?
        }
    };
    Ok(DemoShipping { sandbox, carrier, warehouse })
}

/// A demo weight for a product the catalog has none for: 6 to 80 oz, the same for a SKU every time.
fn demo_weight(sku: &str) -> wharf_domain::Weight {
    let spread = sku.bytes().fold(0u32, |sum, b| sum.wrapping_mul(31).wrapping_add(u32::from(b))) % 75;
    wharf_domain::Weight::ounces(rust_decimal::Decimal::from(6 + spread))
}

/// Sears sends no weights, so the demo's catalog gets one for every SKU the imports found, and the open
/// orders are run through automation again to take them; every `every`, for the orders that keep arriving.
pub fn spawn_demo_weights(app: App, account: AccountId, every: std::time::Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = weigh_demo_products(&app, &account).await {
                tracing::warn!(error = %e, "the demo could not weigh new products");
            }
            tokio::time::sleep(every).await;
        }
    });
}

async fn weigh_demo_products(app: &App, account: &AccountId) -> anyhow::Result<()> {
    let mut weighed = 0usize;
    for mut product in app.store.list_products(account).await? {
        if product.weight.is_some() {
            continue;
        }
        product.weight = Some(demo_weight(&product.sku));
        wharf_app::products::save_product(app, account, product).await?;
        weighed += 1;
    }
    if weighed > 0 {
        wharf_app::automation::reprocess(app, account, &wharf_app::automation::Selection::default()).await?;
    }
    Ok(())
}
