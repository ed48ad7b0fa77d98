//! `wharf status`: is every store importing, what is overdue, what failed.

use std::process::ExitCode;

use serde::Serialize;
use wharf_app::App;
use wharf_domain::store::Store as SalesStore;
use wharf_storage::{Job, StoreImportState};

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output::{self, or_dash};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreStatus {
    store_id: String,
    store_name: String,
    auto_import: bool,
    #[serde(flatten)]
    import: StoreImportState,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    stores: Vec<StoreStatus>,
    orders_past_ship_by: u64,
    overdue_order_numbers: Vec<String>,
    failed_jobs: Vec<Job>,
    /// What needs the seller (imports failing, orders past ship-by, Sears updates, customer requests).
    alerts: Vec<wharf_app::notify::alerts::Alert>,
}

pub async fn run(app: &App, json: JsonFlag) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    let now = app.now();
    let mut stores = Vec::new();
    for store in app.store.list_stores(&account).await? {
        let import = app.store.store_import_state(&store.store_id).await?;
        stores.push(store_status(&store, import));
    }
    // The same orders as the alert: those still to ship.
    let (orders_past_ship_by, overdue_orders) =
        wharf_app::notify::alerts::orders_past_ship_by(app, &account, now, 20).await?;
    let status = Status {
        stores,
        orders_past_ship_by,
        overdue_order_numbers: overdue_orders.iter().map(|o| o.order_number.clone()).collect(),
        failed_jobs: app.store.dead_jobs(20).await?,
        alerts: super::notify::status_alerts(app, &account).await?,
    };
    if json.json {
        output::print_json(&status)?;
        return Ok(ExitCode::SUCCESS);
    }
    if status.stores.is_empty() {
        println!("No store connected yet.");
    }
    for s in &status.stores {
        let i = &s.import;
        println!("{} ({})", s.store_name, s.store_id);
        println!("  last successful import  {}", or_dash(i.last_success_at.map(output::central)));
        println!(
            "  next import             {}",
            if s.auto_import { or_dash(i.next_run_at.map(output::central)) } else { "auto-import is off".into() }
        );
        if let Some(error) = &i.current_error {
            println!(
                "  FAILING since {} ({} attempt(s)): {error}",
                or_dash(i.failing_since.map(output::central)),
                i.consecutive_failures
            );
        }
        if let Some(reason) = &i.waiting_reason {
            println!("  waiting: {reason}");
        }
    }
    if status.orders_past_ship_by > 0 {
        println!(
            "{} order(s) past their ship-by date: {}{}",
            status.orders_past_ship_by,
            status.overdue_order_numbers.join(", "),
            if status.orders_past_ship_by > 20 { ", …" } else { "" }
        );
    } else {
        println!("No order is past its ship-by date.");
    }
    for job in &status.failed_jobs {
        println!("failed job {} ({}): {}", job.id, job.kind, or_dash(job.last_error.as_ref()));
    }
    super::notify::print_alerts(&status.alerts);
    Ok(ExitCode::SUCCESS)
}

fn store_status(store: &SalesStore, import: StoreImportState) -> StoreStatus {
    StoreStatus {
        store_id: store.store_id.to_string(),
        store_name: store.store_name.clone(),
        auto_import: store.settings.auto_import,
        import,
    }
}
