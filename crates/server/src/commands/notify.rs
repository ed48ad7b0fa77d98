//! `wharf orders ship-short|cancel-line|retry-notification` (telling Sears and the customer), what `wharf
//! orders show` and `wharf status` add about it, and the `[smtp]` / `[notify]` configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jiff::SignedDuration;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use wharf_app::App;
use wharf_app::notify::actions::{self, RetryKind};
use wharf_app::notify::alerts::{Alert, current_alerts};
use wharf_app::notify::{NotifyConfig, SmtpSettings, SmtpTls};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::{AccountId, Order};

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::commands::orders::find_one;
use crate::output::{self, or_dash};

#[derive(Debug, Subcommand)]
pub enum OrdersNotifyCommand {
    /// Send the Sears shipment update of an order whose packages leave units out. Without --confirm it only
    /// warns: Sears has no back-orders and CANCELS every unit the update leaves out.
    ShipShort {
        /// Order id (ord_…), order number (Sears PO number) or order key.
        id: String,
        /// Yes: send it; Sears cancels the rest.
        #[arg(long)]
        confirm: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Cancel one line of a Sears order (before it ships), with one of Sears's nine reasons.
    CancelLine {
        id: String,
        /// The Sears line number.
        #[arg(long)]
        line: u32,
        /// DISCONTINUED-ITEM, OUT-OF-STOCK, CUSTOMER-CHANGED-THEIR-MIND, WRONG-ITEM-WAS-ORDERED,
        /// LEAD-TIME-IS-TOO-LONG, ITEM-FOUND-SOMEWHERE-ELSE, INVALID-METHOD-SHIPMENT, INVALID-ITEM-SKU or OTHER
        /// (OTHER counts as a seller-initiated cancellation).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Queue an order's failed notifications again (Sears updates, line cancellations, e-mails).
    RetryNotification {
        id: String,
        /// sears, shipment-email or delivery-email; every failed one by default. An e-mail named here is sent
        /// again even if it went out (or was written to a file while SMTP was not configured).
        #[arg(long)]
        kind: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

pub async fn run_orders(app: &App, command: OrdersNotifyCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        OrdersNotifyCommand::ShipShort { id, confirm, json } => {
            let order = find_one(app, &account, &id).await?;
            let outcome = actions::ship_short(app, &account, &order, confirm).await?;
            if json.json {
                output::print_json(&outcome)?;
            } else {
                println!("WARNING: {}", outcome.warning);
                if outcome.confirmed {
                    println!("Confirmed: the Sears shipment update of order {} is queued.", outcome.order_number);
                } else {
                    println!("Nothing was sent. To send it anyway: wharf orders ship-short {id} --confirm");
                }
            }
        }
        OrdersNotifyCommand::CancelLine { id, line, reason, json } => {
            let order = find_one(app, &account, &id).await?;
            let message = actions::cancel_line(app, &order, line, &reason).await?;
            if json.json {
                output::print_json(&message)?;
            } else {
                println!(
                    "The cancellation of line {line} of order {} is queued ({}); Sears's answer shows in `wharf orders \
                     show {}`.",
                    order.order_number, message.message_id, order.order_id
                );
            }
        }
        OrdersNotifyCommand::RetryNotification { id, kind, json } => {
            let order = find_one(app, &account, &id).await?;
            let kind =
                match kind.as_deref().map(str::trim) {
                    None => RetryKind::AllFailed,
                    Some(k) if k.eq_ignore_ascii_case("sears") => RetryKind::Sears,
                    Some(k) => RetryKind::Email(k.parse().map_err(|e: String| {
                        anyhow::anyhow!("{e}; --kind is sears, shipment-email or delivery-email")
                    })?),
                };
            let queued = actions::retry_notifications(app, &order, kind).await?;
            if json.json {
                output::print_json(&queued)?;
            } else {
                for m in &queued {
                    println!("queued again: {} ({})", kind_name(m.kind), m.message_id);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::SearsShipment => "Sears shipment update",
        MessageKind::SearsLineCancel => "Sears line cancellation",
        MessageKind::ShipmentEmail => "shipment e-mail",
        MessageKind::DeliveryEmail => "delivery e-mail",
    }
}

fn state_name(state: MessageState) -> &'static str {
    match state {
        MessageState::Pending => "pending",
        MessageState::Sent => "sent, waiting for the outcome",
        MessageState::Delivered => "done",
        MessageState::Failed => "FAILED",
        MessageState::NeedsManualAction => "NEEDS MANUAL ACTION",
    }
}

/// One outbox message as `wharf orders show` lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub message_id: String,
    pub kind: MessageKind,
    pub state: MessageState,
    pub attempts: u32,
    pub next_attempt_at: jiff::Timestamp,
    pub last_error: Option<String>,
    /// The Sears document-id of the feed that carried it.
    pub document_id: Option<String>,
    /// Where an e-mail went (SMTP server, or the .eml file written without one).
    pub delivery: Option<serde_json::Value>,
    pub modify_date: jiff::Timestamp,
}

impl From<&OutboxMessage> for NotificationView {
    fn from(m: &OutboxMessage) -> Self {
        NotificationView {
            message_id: m.message_id.to_string(),
            kind: m.kind,
            state: m.state,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error.clone(),
            document_id: m.external_id.clone(),
            delivery: m.payload.get("delivery").cloned(),
            modify_date: m.modify_date,
        }
    }
}

pub async fn order_notifications(
    app: &App,
    account: &AccountId,
    order: &Order,
) -> anyhow::Result<Vec<NotificationView>> {
    Ok(app.store.order_messages(account, &order.order_id).await?.iter().map(NotificationView::from).collect())
}

/// The lines `wharf orders show` prints about telling the world: Wharf's status beside Sears's, the Sears
/// update, each notification, customer requests and tracking.
pub async fn print_order_notifications(app: &App, account: &AccountId, order: &Order) -> anyhow::Result<()> {
    if let Some(sears) = &order.sears {
        println!("  status          Wharf: {}   Sears: \"{}\"", order.order_status, sears.status);
    }
    let update = &order.marketplace_update;
    println!(
        "  Sears update    {:?}{}",
        update.state,
        update.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    );
    for n in order_notifications(app, account, order).await? {
        let mut line = format!("  {:<15} {} (attempts {})", kind_name(n.kind), state_name(n.state), n.attempts);
        if let Some(doc) = &n.document_id {
            line.push_str(&format!(", Sears document {doc}"));
        }
        if let Some(error) = &n.last_error {
            line.push_str(&format!(": {error}"));
        }
        println!("{line}");
    }
    if let Some(sears) = &order.sears {
        for (what, list) in
            [("cancel request", &sears.cancellation_requests), ("return request", &sears.return_requests)]
        {
            for r in list {
                println!(
                    "  {what:<15} line {} x{} {} ({}, {}){}",
                    r.line_number,
                    r.quantity,
                    r.status,
                    r.reason,
                    or_dash(r.date.as_ref()),
                    r.customer_comments.as_deref().map(|c| format!(": \"{c}\"")).unwrap_or_default()
                );
            }
        }
    }
    let shipments = app.store.shipments_for_orders(account, std::slice::from_ref(&order.order_id)).await?;
    for s in shipments.iter().filter(|s| s.counts_as_shipped()) {
        let t = &s.tracking;
        println!(
            "  tracking        {} {:?}{}{}",
            s.tracking_numbers().collect::<Vec<_>>().join(", "),
            t.status,
            t.delivered_at.map(|d| format!(", delivered {}", output::central(d))).unwrap_or_default(),
            t.last_checked_at.map(|d| format!(" (checked {})", output::central(d))).unwrap_or_default()
        );
    }
    Ok(())
}

/// The alert conditions `wharf status` shows.
pub async fn status_alerts(app: &App, account: &AccountId) -> anyhow::Result<Vec<Alert>> {
    Ok(current_alerts(app, account).await?)
}

pub fn print_alerts(alerts: &[Alert]) {
    if alerts.is_empty() {
        println!("No alert.");
        return;
    }
    println!("{} alert(s):", alerts.len());
    for a in alerts {
        let emailed = a.emailed_at.map(|t| format!(" (e-mailed {})", output::central(t))).unwrap_or_default();
        println!("  ALERT {}: {}{emailed}", a.title, a.detail);
    }
}

// --- configuration ----------------------------------------------------------------------------------------

/// `[smtp]`: where customer e-mails and alerts are sent. Without `host`, e-mails are written as `.eml` files to
/// `DATA_DIR/outbox/` and orders say that the customer was not reached.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: Option<String>,
    pub port: u16,
    pub username: Option<String>,
    #[serde(skip_serializing)]
    pub password: Option<SecretString>,
    /// `starttls`, `tls` or `none`.
    pub tls: String,
    /// The From address of customer e-mails and alerts.
    pub from: String,
    /// A PEM file of certificate authorities to trust besides the system's (a relay with an internal CA).
    pub ca_file: Option<PathBuf>,
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: None,
            port: 587,
            username: None,
            password: None,
            tls: "starttls".into(),
            from: "Wharf <wharf@localhost>".into(),
            ca_file: None,
            timeout_secs: 30,
        }
    }
}

/// `[notify]`: how often the notification workers run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// Sears feeds go out at least this often while updates wait.
    pub sears_feed_interval_secs: i64,
    pub report_poll_secs: i64,
    /// After a send whose outcome is unknown, how long Sears gets before the order is re-read.
    pub recheck_after_secs: i64,
    pub max_orders_per_feed: usize,
    pub email_interval_secs: i64,
    pub tracking_interval_minutes: i64,
    pub alert_interval_minutes: i64,
    /// A lasting alert is e-mailed again after this many hours.
    pub alert_repeat_hours: i64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        let d = NotifyConfig::default();
        NotifySettings {
            sears_feed_interval_secs: d.sears_feed_interval.as_secs(),
            report_poll_secs: d.report_poll_interval.as_secs(),
            recheck_after_secs: d.recheck_after.as_secs(),
            max_orders_per_feed: d.max_records_per_feed,
            email_interval_secs: d.email_interval.as_secs(),
            tracking_interval_minutes: d.tracking_interval.as_mins(),
            alert_interval_minutes: d.alert_interval.as_mins(),
            alert_repeat_hours: d.alert_repeat.as_hours(),
        }
    }
}

/// The app's notify configuration from `[smtp]` and `[notify]`.
pub fn notify_config(smtp: &SmtpConfig, notify: &NotifySettings) -> anyhow::Result<NotifyConfig> {
    let tls: SmtpTls = smtp.tls.parse().map_err(anyhow::Error::msg)?;
    let positive = |name: &str, value: i64| {
        if value > 0 { Ok(value) } else { Err(anyhow::anyhow!("notify.{name} must be at least 1, not {value}")) }
    };
    Ok(NotifyConfig {
        smtp: smtp.host.as_ref().filter(|h| !h.trim().is_empty()).map(|host| SmtpSettings {
            host: host.trim().to_owned(),
            port: smtp.port,
            username: smtp.username.clone().filter(|u| !u.is_empty()),
            password: smtp.password.clone(),
            tls,
            ca_file: smtp.ca_file.clone(),
            timeout: std::time::Duration::from_secs(smtp.timeout_secs.max(1)),
        }),
        mail_from: smtp.from.clone(),
        sears_feed_interval: SignedDuration::from_secs(positive(
            "sears_feed_interval_secs",
            notify.sears_feed_interval_secs,
        )?),
        report_poll_interval: SignedDuration::from_secs(positive("report_poll_secs", notify.report_poll_secs)?),
        recheck_after: SignedDuration::from_secs(positive("recheck_after_secs", notify.recheck_after_secs)?),
        max_records_per_feed: notify.max_orders_per_feed.max(1),
        email_interval: SignedDuration::from_secs(positive("email_interval_secs", notify.email_interval_secs)?),
        tracking_interval: SignedDuration::from_mins(positive(
            "tracking_interval_minutes",
            notify.tracking_interval_minutes,
        )?),
        alert_interval: SignedDuration::from_mins(positive("alert_interval_minutes", notify.alert_interval_minutes)?),
        alert_repeat: SignedDuration::from_hours(positive("alert_repeat_hours", notify.alert_repeat_hours)?),
        ..NotifyConfig::default()
    })
}

#[derive(Debug, Args)]
pub struct AccountSetArgs {
    /// Where alerts are e-mailed ("" removes it).
    #[arg(long)]
    pub alert_email: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// `wharf account show|set`: the account's name and alert e-mail address.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    Show(JsonFlag),
    /// Change the account's name or alert e-mail address.
    Set(AccountSetArgs),
}

pub async fn run_account(app: &App, command: AccountCommand) -> anyhow::Result<ExitCode> {
    let id = account(app).await?;
    let mut current = app.store.get_account(&id).await?;
    let json = match command {
        AccountCommand::Show(json) => json,
        AccountCommand::Set(args) => {
            if let Some(email) = args.alert_email {
                let email = email.trim();
                if email.is_empty() {
                    current.alert_email = None;
                } else {
                    email
                        .parse::<wharf_app::notify::email::mailer::Address>()
                        .map_err(|e| anyhow::anyhow!("--alert-email '{email}' is not an e-mail address ({e})"))?;
                    current.alert_email = Some(email.to_owned());
                }
            }
            if let Some(name) = args.name.filter(|n| !n.trim().is_empty()) {
                current.name = name.trim().to_owned();
            }
            app.store.update_account(&current).await?;
            args.json
        }
    };
    if json.json {
        output::print_json(&current)?;
    } else {
        println!("Account {} ({})", current.name, current.account_id);
        println!("  alert e-mail    {}", or_dash(current.alert_email.as_ref()));
    }
    Ok(ExitCode::SUCCESS)
}
