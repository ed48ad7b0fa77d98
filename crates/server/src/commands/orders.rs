//! `wharf orders list|show`.

use std::process::ExitCode;

use serde::Serialize;
use wharf_app::App;
use wharf_domain::history::HistoryEntry;
use wharf_domain::{Order, OrderStatus};
use wharf_storage::OrderFilter;

use crate::cli::OrdersCommand;
use crate::commands::account;
use crate::output::{self, or_dash};

pub async fn run(app: &App, command: OrdersCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        OrdersCommand::List { status, store, limit, json } => {
            let status: Option<OrderStatus> = status.map(|s| s.parse()).transpose()?;
            let store_id = match store {
                Some(s) => Some(wharf_app::stores::find_store(app, &account, &s).await?.store_id),
                None => None,
            };
            let filter = OrderFilter { status, store_id, limit: Some(limit), ..Default::default() };
            let orders = app.store.list_orders(&account, &filter).await?;
            if json.json {
                output::print_json(&orders)?;
            } else {
                let now = app.now();
                let mut table =
                    output::table(["ID", "ORDER #", "DATE", "STATUS", "SHIP TO", "ITEMS", "TOTAL", "SHIP BY"]);
                for o in &orders {
                    let ship_by = o.ship_by_date.map(output::central);
                    let ship_by =
                        if o.is_overdue(now) { format!("{} OVERDUE", or_dash(ship_by)) } else { or_dash(ship_by) };
                    table.add_row([
                        o.order_id.to_string(),
                        o.order_number.clone(),
                        output::central(o.order_date),
                        o.order_status.to_string(),
                        format!("{}, {} {}", o.ship_to.name, o.ship_to.city, o.ship_to.state),
                        o.total_quantity().to_string(),
                        o.order_total.to_string(),
                        ship_by,
                    ]);
                }
                println!("{table}");
                println!("{} order(s)", orders.len());
            }
        }
        OrdersCommand::Automation(command) => return super::automation::run_orders(app, &account, command).await,
        OrdersCommand::Shipping(command) => return super::shipping::run(app, command).await,
        OrdersCommand::Notify(command) => return super::notify::run_orders(app, command).await,
        OrdersCommand::Show { id, json } => {
            let order = find_one(app, &account, &id).await?;
            let history = app.store.order_history(&account, &order.order_id).await?;
            let shipments = wharf_app::shipping::order_shipments(app, &account, &order.order_id).await?;
            let notifications = super::notify::order_notifications(app, &account, &order).await?;
            if json.json {
                let shown = OrderWithHistory { order: &order, history: &history, shipments: &shipments, notifications };
                output::print_json(&shown)?;
            } else {
                print_order(&order, &history, app.now());
                super::shipping::print_shipments(&shipments);
                super::notify::print_order_notifications(app, &account, &order).await?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `wharf orders show --json`: the order in ShipStation's shape plus its history.
#[derive(Serialize)]
struct OrderWithHistory<'a> {
    #[serde(flatten)]
    order: &'a Order,
    history: &'a [HistoryEntry],
    /// The order's shipments, oldest first (label files not included).
    shipments: &'a [wharf_domain::shipment::Shipment],
    /// The order's outbox messages (Sears updates, line cancellations, e-mails) and their delivery states.
    notifications: Vec<super::notify::NotificationView>,
}

pub async fn find_one(app: &App, account: &wharf_domain::AccountId, id: &str) -> anyhow::Result<Order> {
    let mut found = app.store.find_order(account, id).await?;
    match found.len() {
        0 => anyhow::bail!(
            "no order '{id}'; give an order id (ord_…), a Sears PO number or an order key (see `wharf orders list`)"
        ),
        1 => Ok(found.remove(0)),
        n => {
            let ids: Vec<String> = found.iter().map(|o| format!("{} ({})", o.order_id, o.order_date)).collect();
            anyhow::bail!(
                "'{id}' matches {n} orders (Sears reuses PO numbers on different dates); use the id: {}",
                ids.join(", ")
            )
        }
    }
}

fn print_order(o: &Order, history: &[HistoryEntry], now: jiff::Timestamp) {
    println!("Order {} ({})  {}", o.order_number, o.order_id, o.order_status);
    println!("  placed          {}", output::central(o.order_date));
    println!(
        "  ship by         {}{}",
        or_dash(o.ship_by_date.map(output::central)),
        if o.is_overdue(now) { "  OVERDUE" } else { "" }
    );
    if let Some(s) = &o.sears {
        println!(
            "  Sears           PO {} of {} ({}), status \"{}\"",
            s.po_number, s.po_date, s.po_number_with_date, s.status
        );
    }
    println!(
        "  customer        {} {} {}",
        o.bill_to.name,
        or_dash(o.customer_email.as_ref()),
        or_dash(o.customer_phone.as_ref())
    );
    let a = &o.ship_to;
    println!(
        "  ship to         {}, {}, {} {} {}",
        a.name,
        a.street_lines().collect::<Vec<_>>().join(", "),
        a.city,
        a.state,
        a.postal_code
    );
    println!("  requested       {}", or_dash(o.requested_shipping_service.as_ref()));
    println!("  weight          {}", or_dash(o.weight));
    for item in &o.items {
        let options: Vec<String> = item.options.iter().map(|op| format!("{}: {}", op.name, op.value)).collect();
        println!(
            "  {:>3} x {:<20} {} @ {}  {} {}",
            item.quantity,
            item.sku,
            item.name,
            item.unit_price,
            or_dash(item.warehouse_location.as_ref()),
            options.join(", ")
        );
    }
    println!(
        "  total           {} (paid {}, tax {}, shipping {})",
        o.order_total, o.amount_paid, o.tax_amount, o.shipping_amount
    );
    if o.gift {
        println!("  gift            {}", or_dash(o.gift_message.as_ref()));
    }
    for (label, text) in [
        ("customer notes", &o.customer_notes),
        ("internal notes", &o.internal_notes),
        ("to the buyer", &o.notes_to_buyer),
    ] {
        if let Some(text) = text {
            println!("  {label:<15} {}", text.replace('\n', "\n                  "));
        }
    }
    for notice in &o.notices {
        println!("  NOTE            {}", notice.message);
    }
    println!("  history");
    for h in history {
        println!("    {}  {:<24} {} -> {}", output::central(h.at), h.field, h.old, h.new);
    }
}
