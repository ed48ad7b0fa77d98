//! Alerts: conditions a seller must act on, shown by `wharf status` and e-mailed to the account's alert
//! address: a store whose import has failed for more than 30 minutes, orders past their ship-by date, Sears
//! updates rejected or needing manual action, customer cancellation requests and return requests waiting (Sears
//! escalates return requests after 2 business days).
//!
//! Each condition has a key; an alert is e-mailed when its condition appears and again only after
//! `alert_repeat` (a day by default) while it lasts, never every few minutes. A condition that clears is
//! forgotten, so it alerts again if it comes back.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;
use wharf_domain::outbox::MessageState;
use wharf_domain::sears_time::central_date;
use wharf_domain::store::Account;
use wharf_domain::{AccountId, Order, OrderStatus};
use wharf_storage::OrderFilter;
use wharf_storage::outbox::{AlertRecord, RequestFilter, RequestKind};

use super::email::mailer::{self, Delivery, OutgoingMail};
use super::requests::{OPEN_CANCELLATION_STATUSES, OPEN_RETURN_STATUSES};
use super::sears_updates::SEARS_KINDS;
use crate::{App, AppResult};

/// How long an import may keep failing before it is an alert.
pub const IMPORT_FAILING_FOR: SignedDuration = SignedDuration::from_mins(30);
/// Sears escalates a return request after this many business days.
pub const RETURN_ESCALATION_BUSINESS_DAYS: i64 = 2;

/// One condition that needs the seller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub key: String,
    pub title: String,
    pub detail: String,
    /// When Wharf first saw it (since it last cleared).
    pub since: Option<Timestamp>,
    /// When it was last e-mailed.
    pub emailed_at: Option<Timestamp>,
}

/// Business days (Monday to Friday) from `from` to `to`, not counting `from`.
pub fn business_days_between(from: Date, to: Date) -> i64 {
    let mut days = 0;
    let mut day = from;
    while day < to {
        day = day.tomorrow().expect("dates within range");
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            days += 1;
        }
    }
    days
}

/// The account's alert conditions now, with what is known of their e-mails.
pub async fn current_alerts(app: &App, account: &AccountId) -> AppResult<Vec<Alert>> {
    let now = app.now();
    let mut alerts = Vec::new();
    let alert = |key: String, title: &str, detail: String| Alert {
        key,
        title: title.to_owned(),
        detail,
        since: None,
        emailed_at: None,
    };

    for store in app.store.list_stores(account).await? {
        let state = app.store.store_import_state(&store.store_id).await?;
        if let Some(since) = state.failing_since.filter(|since| now - *since > IMPORT_FAILING_FOR) {
            alerts.push(alert(
                format!("import_failing:{}", store.store_id),
                "Import failing",
                format!(
                    "Store '{}': imports have failed since {} ({} failed attempts; last successful import {}): {}",
                    store.store_name,
                    since.strftime("%Y-%m-%d %H:%M UTC"),
                    state.consecutive_failures,
                    state
                        .last_success_at
                        .map_or_else(|| "never".into(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string()),
                    state.current_error.as_deref().unwrap_or("no error recorded")
                ),
            ));
        }
    }

    let (count, listed) = orders_past_ship_by(app, account, now, 10).await?;
    if count > 0 {
        let numbers: Vec<&str> = listed.iter().map(|o| o.order_number.as_str()).collect();
        alerts.push(alert(
            "orders_past_ship_by".into(),
            "Orders past their ship-by date",
            format!(
                "{count} order(s) past their ship-by date: {}{}. Sears cancels orders 30 days overdue.",
                numbers.join(", "),
                if count > 10 { ", …" } else { "" }
            ),
        ));
    }

    let bad = [MessageState::Failed, MessageState::NeedsManualAction];
    for message in app.store.messages_in_states(account, &SEARS_KINDS, &bad, 200).await? {
        // An order that is gone is named by its id; any other storage error is the alert pass's failure.
        let order = match app.store.get_order(account, &message.order_id).await {
            Ok(order) => Some(order),
            Err(wharf_storage::StorageError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let number = order.as_ref().map_or(message.order_id.to_string(), |o| o.order_number.clone());
        let title = match message.state {
            MessageState::NeedsManualAction => "Sears update needs manual action",
            _ => "Sears update rejected",
        };
        alerts.push(alert(
            format!("sears_update:{}", message.message_id),
            title,
            format!("Order {number}: {}", message.last_error.as_deref().unwrap_or("no reason recorded")),
        ));
    }

    let today = central_date(now);
    let returns = RequestFilter {
        kind: Some(RequestKind::Return),
        statuses: OPEN_RETURN_STATUSES.map(str::to_owned).to_vec(),
        ..Default::default()
    };
    for r in app.store.customer_requests(account, &returns).await? {
        let waited = r.request_date.map(|d| business_days_between(d, today)).unwrap_or(0);
        let escalation = if waited >= RETURN_ESCALATION_BUSINESS_DAYS {
            "Sears has escalated it (more than 2 business days)".to_owned()
        } else {
            format!("Sears escalates it after {RETURN_ESCALATION_BUSINESS_DAYS} business days")
        };
        alerts.push(alert(
            format!("return_request:{}:{}:{}", r.store_id, r.request_id, r.line_number),
            "Return request waiting",
            format!(
                "PO {}: return of {} x line {} ({}) requested {}; {escalation}. Answer it in the Sears Seller Portal.",
                r.po_number,
                r.quantity,
                r.line_number,
                r.reason,
                r.request_date.map_or("on an unknown date".to_owned(), |d| format!("on {d}"))
            ),
        ));
    }
    let cancellations = RequestFilter {
        kind: Some(RequestKind::Cancellation),
        statuses: OPEN_CANCELLATION_STATUSES.map(str::to_owned).to_vec(),
        ..Default::default()
    };
    for r in app.store.customer_requests(account, &cancellations).await? {
        alerts.push(alert(
            format!("cancellation_request:{}:{}:{}", r.store_id, r.request_id, r.line_number),
            "Cancellation request waiting",
            format!(
                "PO {}: the customer asked to cancel line {} ({}); cancel the line or ship it",
                r.po_number, r.line_number, r.reason
            ),
        ));
    }

    let records: HashMap<String, AlertRecord> =
        app.store.alert_records(account).await?.into_iter().map(|r| (r.key.clone(), r)).collect();
    for a in &mut alerts {
        if let Some(r) = records.get(&a.key) {
            a.since = Some(r.first_seen);
            a.emailed_at = r.last_sent_at;
        }
    }
    Ok(alerts)
}

/// The statuses of orders Wharf still expects to ship. Not awaiting payment: Sears reports an order shipped by
/// hand in the Seller Portal as `Ready to Invoice` (SPEC.md decision 8), which leaves nothing to ship.
const TO_SHIP: [OrderStatus; 3] = [OrderStatus::AwaitingShipment, OrderStatus::OnHold, OrderStatus::Unmapped];

/// Orders still to ship whose ship-by date has passed: how many, and the `limit` newest (by order date).
pub async fn orders_past_ship_by(
    app: &App,
    account: &AccountId,
    now: Timestamp,
    limit: u32,
) -> AppResult<(u64, Vec<Order>)> {
    let mut count = 0;
    let mut listed = Vec::new();
    for status in TO_SHIP {
        let overdue = OrderFilter { status: Some(status), ship_by_before: Some(now), ..Default::default() };
        count += app.store.count_orders(account, &overdue).await?;
        listed.extend(app.store.list_orders(account, &OrderFilter { limit: Some(limit), ..overdue }).await?);
    }
    // As the store lists orders: newest order date first.
    listed.sort_by(|a, b| (b.order_date, &b.order_id).cmp(&(a.order_date, &a.order_id)));
    listed.truncate(limit as usize);
    Ok((count, listed))
}

/// What an alert pass did for one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertPass {
    pub active: usize,
    pub emailed: usize,
    pub delivery: Option<Delivery>,
}

/// Checks every account's alerts, e-mails the new (or day-old) ones, and forgets cleared ones.
pub async fn run_alerts(app: &App) -> AppResult<BTreeMap<AccountId, AlertPass>> {
    let mut accounts: Vec<AccountId> =
        app.store.list_all_active_stores().await?.into_iter().map(|s| s.account_id).collect();
    accounts.sort();
    accounts.dedup();
    let mut passes = BTreeMap::new();
    for account in accounts {
        let account = app.store.get_account(&account).await?;
        let pass = alert_account(app, &account).await?;
        passes.insert(account.account_id, pass);
    }
    Ok(passes)
}

async fn alert_account(app: &App, account: &Account) -> AppResult<AlertPass> {
    let now = app.now();
    let repeat = app.notify_config().alert_repeat;
    let alerts = current_alerts(app, &account.account_id).await?;
    let records: HashMap<String, AlertRecord> =
        app.store.alert_records(&account.account_id).await?.into_iter().map(|r| (r.key.clone(), r)).collect();
    for key in records.keys() {
        if !alerts.iter().any(|a| &a.key == key) {
            app.store.delete_alert_record(&account.account_id, key).await?;
        }
    }
    let due: Vec<&Alert> = alerts
        .iter()
        .filter(|a| records.get(&a.key).and_then(|r| r.last_sent_at).is_none_or(|sent| sent + repeat <= now))
        .collect();
    let mut pass = AlertPass { active: alerts.len(), ..Default::default() };
    let address = account.alert_email.as_deref().filter(|a| !a.trim().is_empty());
    if let (Some(address), false) = (address, due.is_empty()) {
        let mail = alert_mail(account, address, &due, now);
        match mailer::send(app.notify_config(), app.data_dir(), &mail).await {
            Ok(delivery) => {
                pass.emailed = due.len();
                pass.delivery = Some(delivery);
            }
            // Not recorded as sent: the next pass tries again.
            Err(e) => tracing::warn!(error = %e, account = %account.account_id, "the alert e-mail was not sent"),
        }
    }
    for a in &alerts {
        let existing = records.get(&a.key);
        let sent_now = pass.emailed > 0 && due.iter().any(|d| d.key == a.key);
        let record = AlertRecord {
            account_id: account.account_id.clone(),
            key: a.key.clone(),
            first_seen: existing.map_or(now, |r| r.first_seen),
            last_sent_at: if sent_now { Some(now) } else { existing.and_then(|r| r.last_sent_at) },
            detail: a.detail.clone(),
        };
        if existing != Some(&record) {
            app.store.put_alert_record(&record).await?;
        }
    }
    Ok(pass)
}

fn alert_mail(account: &Account, to: &str, alerts: &[&Alert], now: Timestamp) -> OutgoingMail {
    let subject = format!("Wharf: {} alert(s) for {} need your attention", alerts.len(), account.name);
    let text: String = alerts.iter().map(|a| format!("* {}: {}\n", a.title, a.detail)).collect();
    let html_items: String = alerts
        .iter()
        .map(|a| format!("<li><strong>{}</strong>: {}</li>", escape(&a.title), escape(&a.detail)))
        .collect();
    OutgoingMail {
        to: to.to_owned(),
        to_name: None,
        from_name: Some("Wharf alerts".into()),
        reply_to: None,
        subject,
        html: format!("<p>These need your attention:</p><ul>{html_items}</ul><p>See <code>wharf status</code>.</p>"),
        text: format!("These need your attention:\n\n{text}\nSee `wharf status`.\n"),
        message_id: format!("alert-{}-{}", account.account_id, now.as_second()),
        date: now,
    }
}

/// Escapes the five characters HTML gives meaning to (alert texts contain Sears's and carriers' words).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Whether `day` is at least `n` business days before `today` (used by tests and the status view).
pub fn escalated(day: Date, today: Date, n: i64) -> bool {
    business_days_between(day, today) >= n && day < today + 0.days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn business_days_skip_weekends() {
        // Thursday 2024-05-02 to Monday 2024-05-06: Friday and Monday.
        assert_eq!(business_days_between(date(2024, 5, 2), date(2024, 5, 6)), 2);
        assert_eq!(business_days_between(date(2024, 5, 3), date(2024, 5, 4)), 0);
        assert_eq!(business_days_between(date(2024, 5, 6), date(2024, 5, 6)), 0);
        assert!(escalated(date(2024, 5, 2), date(2024, 5, 6), 2));
        assert!(!escalated(date(2024, 5, 3), date(2024, 5, 6), 2));
    }

    #[test]
    fn alert_mails_escape_what_they_quote() {
        assert_eq!(escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }
}
