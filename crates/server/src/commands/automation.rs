//! `wharf orders reprocess|hold|release` and `wharf store map-service`: automation on the seller's orders.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use jiff::civil::Date;
use serde::Serialize;
use wharf_app::App;
use wharf_app::automation::{self, HoldResult, RunSummary, Selection};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, OrderId, OrderStatus};

use crate::cli::JsonFlag;
use crate::commands::orders::find_one;
use crate::output::{self, or_dash, print_json};

#[derive(Debug, Subcommand)]
pub enum OrdersAutomationCommand {
    /// Run automation again (product defaults, service mapping, rules) on orders; shipped and cancelled orders
    /// are left alone. Running it twice changes nothing the second time.
    Reprocess(ReprocessArgs),
    /// Put orders on hold, until a date (US Central) or until released; automation never changes the hold.
    Hold(HoldArgs),
    /// Release held orders back to awaiting shipment (automation then runs on them, without holding again).
    Release(ReleaseArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("selection").required(true).multiple(true).args(["ids", "status", "store", "all"])))]
pub struct ReprocessArgs {
    /// Order ids (ord_…), Sears PO numbers or order keys.
    #[arg(conflicts_with_all = ["status", "store", "all"])]
    pub ids: Vec<String>,
    /// Only orders in this status (awaiting_payment, awaiting_shipment, on_hold, unmapped).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this store's orders (id or name).
    #[arg(long)]
    pub store: Option<String>,
    /// Every open order of the account.
    #[arg(long, conflicts_with_all = ["status", "store"])]
    pub all: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct HoldArgs {
    /// Order ids (ord_…), Sears PO numbers or order keys.
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// Release it by itself at the start of this day (YYYY-MM-DD, US Central); without it, the order waits
    /// for `wharf orders release`.
    #[arg(long, value_name = "DATE")]
    pub until: Option<Date>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Order ids (ord_…), Sears PO numbers or order keys.
    #[arg(required = true)]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// `wharf store map-service`: what the buyer chose on Sears -> how Wharf ships it.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["requested", "remove", "unmapped"])))]
pub struct MapServiceArgs {
    /// Store id or name.
    pub store: String,
    /// The requested shipping method exactly as Sears sends it, e.g. Ground, Priority, Express.
    #[arg(requires_all = ["carrier", "service"])]
    pub requested: Option<String>,
    /// Wharf carrier code, e.g. ups.
    #[arg(long, requires = "requested")]
    pub carrier: Option<String>,
    /// Wharf service code, e.g. ups_ground (it must have a Sears shipping method).
    #[arg(long, requires = "requested")]
    pub service: Option<String>,
    /// Wharf package code, e.g. package.
    #[arg(long, requires = "requested")]
    pub package: Option<String>,
    /// Remove the mapping of this requested method.
    #[arg(long, value_name = "REQUESTED")]
    pub remove: Option<String>,
    /// List the requested methods of the store's open orders that no row maps.
    #[arg(long)]
    pub unmapped: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub async fn run_orders(app: &App, account: &AccountId, command: OrdersAutomationCommand) -> anyhow::Result<ExitCode> {
    match command {
        OrdersAutomationCommand::Reprocess(args) => {
            let selection = Selection {
                order_ids: order_ids(app, account, &args.ids).await?,
                status: args.status.as_deref().map(str::parse::<OrderStatus>).transpose()?,
                store_id: match &args.store {
                    Some(s) => Some(wharf_app::stores::find_store(app, account, s).await?.store_id),
                    None => None,
                },
            };
            let summary = automation::reprocess(app, account, &selection).await?;
            if args.json.json {
                print_json(&summary)?;
            } else {
                print_summary(&summary);
            }
            Ok(if summary.conflicts.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        OrdersAutomationCommand::Hold(args) => {
            let ids = order_ids(app, account, &args.ids).await?;
            let results = automation::hold_orders(app, account, &ids, args.until).await?;
            print_holds(&results, args.json.json, "held")
        }
        OrdersAutomationCommand::Release(args) => {
            let ids = order_ids(app, account, &args.ids).await?;
            let results = automation::release_orders(app, account, &ids).await?;
            print_holds(&results, args.json.json, "released")
        }
    }
}

async fn order_ids(app: &App, account: &AccountId, keys: &[String]) -> anyhow::Result<Vec<OrderId>> {
    let mut ids = Vec::with_capacity(keys.len());
    for key in keys {
        ids.push(find_one(app, account, key).await?.order_id);
    }
    Ok(ids)
}

fn print_summary(summary: &RunSummary) {
    println!(
        "Automation ran on {} order(s): {} changed ({} history entries), {} unchanged, {} skipped.",
        summary.examined,
        summary.changed,
        summary.history_entries,
        summary.unchanged,
        summary.skipped.len()
    );
    for note in &summary.skipped {
        println!("  skipped {} ({}): {}", note.order_number, note.order_id, note.reason);
    }
    for warning in &summary.warnings {
        println!("  warning: {warning}");
    }
    for note in &summary.conflicts {
        println!("  NOT DONE {} ({}): {}", note.order_number, note.order_id, note.reason);
    }
}

fn print_holds(results: &[HoldResult], json: bool, verb: &str) -> anyhow::Result<ExitCode> {
    let failed = results.iter().any(|r| r.error.is_some());
    if json {
        print_json(results)?;
    } else {
        for r in results {
            match (&r.order, &r.error) {
                (Some(order), _) => println!(
                    "Order {} ({}) {verb}: {}, hold until {}.",
                    r.order_number,
                    r.order_id,
                    order.order_status,
                    or_dash(order.hold_until_date)
                ),
                (None, Some(error)) => eprintln!("Order {} ({}) not {verb}: {error}", r.order_number, r.order_id),
                (None, None) => {}
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// One row of `wharf store map-service --unmapped --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Unmapped {
    requested: String,
    order_count: usize,
    example_orders: Vec<String>,
}

pub async fn map_service(app: &App, account: &AccountId, args: MapServiceArgs) -> anyhow::Result<ExitCode> {
    let store = wharf_app::stores::find_store(app, account, &args.store).await?;
    if args.unmapped {
        let unmapped = automation::unmapped_services(app, &store).await?;
        if args.json.json {
            let rows: Vec<Unmapped> = unmapped
                .into_iter()
                .map(|u| Unmapped {
                    requested: u.requested,
                    order_count: u.order_count,
                    example_orders: u.example_orders,
                })
                .collect();
            print_json(&rows)?;
        } else if unmapped.is_empty() {
            println!("Every requested shipping method of the open orders of '{}' is mapped.", store.store_name);
        } else {
            let mut table = output::table(["REQUESTED", "OPEN ORDERS", "FOR EXAMPLE"]);
            for u in &unmapped {
                table.add_row([u.requested.clone(), u.order_count.to_string(), u.example_orders.join(", ")]);
            }
            println!("{table}");
            println!(
                "Map one with: wharf store map-service '{}' \"{}\" --carrier ups --service ups_ground",
                store.store_name, unmapped[0].requested
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = match (&args.remove, &args.requested) {
        (Some(requested), _) => automation::unmap_service(app, store, requested).await?,
        (None, Some(requested)) => {
            let (carrier, service) = (args.carrier.unwrap_or_default(), args.service.unwrap_or_default());
            automation::map_service(app, store, requested, &carrier, &service, args.package.as_deref()).await?
        }
        (None, None) => unreachable!("clap requires a requested method, --remove or --unmapped"),
    };
    if args.json.json {
        print_json(store.settings.service_mapping.entries())?;
    } else {
        print_mapping(&store);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_mapping(store: &SalesStore) {
    let entries = store.settings.service_mapping.entries();
    if entries.is_empty() {
        println!("'{}' maps no requested shipping method.", store.store_name);
        return;
    }
    println!("Service mapping of '{}' (requested on Sears -> how Wharf ships it):", store.store_name);
    let mut table = output::table(["REQUESTED", "CARRIER", "SERVICE", "PACKAGE"]);
    for e in entries {
        table.add_row([
            e.requested.clone(),
            e.carrier_code.clone(),
            e.service_code.clone(),
            or_dash(e.package_code.as_ref()),
        ]);
    }
    println!("{table}");
    println!("Orders already imported change when automation runs on them: `wharf orders reprocess --store …`.");
}
