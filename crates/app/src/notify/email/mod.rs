//! Customer e-mails: shipment and delivery confirmations rendered from each store's templates (or Wharf's),
//! delivered by the e-mail worker with retries, and each order saying what became of its e-mails (sent, or
//! written to a file because no SMTP server is configured, or failed and why).

pub mod context;
pub mod mailer;
pub mod templates;
pub mod tracking_links;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use wharf_domain::history::Actor;
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::shipment::Shipment;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{Order, ShipmentId};
use wharf_storage::StorageError;
use wharf_storage::outbox::{DueMessages, EmailTemplate, MessageWrite};
use wharf_storage::templates::NamedEmailTemplate;

pub use context::{EmailContext, context};
pub use mailer::{Delivery, MailError, OutgoingMail};
pub use templates::{EmailKind, RenderedEmail, TemplateError, TemplateSources};

use super::orders::{order_write, set_notice};
use super::sears_updates::live_shipment;
use crate::{App, AppError, AppResult};

pub const EMAIL_KINDS: [MessageKind; 2] = [MessageKind::ShipmentEmail, MessageKind::DeliveryEmail];
/// The order notice that warns that a buyer Sears requires Wharf to reach (carrier OTH) was not reached.
pub const NOTICE_CUSTOMER_NOT_REACHED: &str = "customer_not_reached";
/// The order notice saying that the e-mail template automation chose no longer exists.
pub const NOTICE_EMAIL_TEMPLATE_MISSING: &str = "email_template_missing";

/// The notice code of an e-mail kind's delivery state on the order.
pub fn email_notice(kind: EmailKind) -> String {
    format!("{}_email", kind.as_str())
}

/// The payload of an e-mail message. The shipping area queues shipment e-mails with `shipmentIds`; the
/// tracking worker queues delivery e-mails with `shipmentId` and `deliveredAt`. Unknown fields are kept.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailPayload {
    #[serde(default)]
    pub shipment_ids: Vec<ShipmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<ShipmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<Timestamp>,
    /// Where the e-mail went, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The store's template of `kind` (its own, or Wharf's built-in one) and whether it is the store's own.
pub async fn template_of(app: &App, store: &SalesStore, kind: EmailKind) -> AppResult<(TemplateSources, bool)> {
    Ok(match app.store.email_template(&store.account_id, &store.store_id, kind.message_kind()).await? {
        Some(t) => (TemplateSources { subject: t.subject, html: t.html, text: t.text }, true),
        None => (templates::built_in(kind), false),
    })
}

/// The account's e-mail template `name` of `kind`, if there is one.
pub async fn named_template(
    app: &App,
    account: &wharf_domain::AccountId,
    kind: EmailKind,
    name: &str,
) -> AppResult<Option<TemplateSources>> {
    Ok(app.store.named_email_template(account, kind.message_kind(), name.trim()).await?.map(|t| TemplateSources {
        subject: t.subject,
        html: t.html,
        text: t.text,
    }))
}

/// Saves (or replaces) the account's e-mail template `name` of `kind`, after checking that it renders
/// (strictly) with the example order in `store`'s branding. Returns the name as saved.
pub async fn set_named_template(
    app: &App,
    store: &SalesStore,
    name: &str,
    kind: EmailKind,
    sources: TemplateSources,
) -> AppResult<String> {
    let name = crate::printing::settings::template_name(name)?;
    templates::render(&sources, &example_context(store, kind, app.now()), true)
        .map_err(|e| AppError::InvalidInput(format!("{e}; nothing was saved")))?;
    app.store
        .put_named_email_template(&NamedEmailTemplate {
            account_id: store.account_id.clone(),
            name: name.clone(),
            kind: kind.message_kind(),
            subject: sources.subject,
            html: sources.html,
            text: sources.text,
            modify_date: app.now(),
        })
        .await?;
    Ok(name)
}

/// Removes the account's e-mail template `name` of `kind`; false if there was none.
pub async fn remove_named_template(
    app: &App,
    account: &wharf_domain::AccountId,
    kind: EmailKind,
    name: &str,
) -> AppResult<bool> {
    Ok(app.store.delete_named_email_template(account, kind.message_kind(), name.trim()).await?)
}

/// The template `order`'s e-mail of `kind` uses: the one automation chose for it
/// (`advanced_options.email_template`) when it exists, else the store's. Also whether it is the seller's own,
/// and the order notice to show: `Some(text)` when the chosen template does not exist (the store's is used),
/// `None` otherwise.
pub async fn template_for_order(
    app: &App,
    store: &SalesStore,
    order: &Order,
    kind: EmailKind,
) -> AppResult<(TemplateSources, bool, Option<String>)> {
    let chosen = order.advanced_options.email_template.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if let Some(name) = chosen {
        if let Some(sources) = named_template(app, &order.account_id, kind, name).await? {
            return Ok((sources, true, None));
        }
        let (sources, own) = template_of(app, store, kind).await?;
        let notice = format!(
            "The e-mail template '{name}' chosen by automation does not exist for the {}, so the store's template \
             was used; create it with `wharf email template set --kind {} --name {name} ...` or change the rule",
            kind.describe(),
            kind.as_str()
        );
        return Ok((sources, own, Some(notice)));
    }
    let (sources, own) = template_of(app, store, kind).await?;
    Ok((sources, own, None))
}

/// Saves a store's own template after checking that it renders (strictly: an unknown variable is an error)
/// with the example order.
pub async fn set_template(app: &App, store: &SalesStore, kind: EmailKind, sources: TemplateSources) -> AppResult<()> {
    templates::render(&sources, &example_context(store, kind, app.now()), true)
        .map_err(|e| AppError::InvalidInput(format!("{e}; nothing was saved")))?;
    app.store
        .put_email_template(&EmailTemplate {
            account_id: store.account_id.clone(),
            store_id: store.store_id.clone(),
            kind: kind.message_kind(),
            subject: sources.subject,
            html: sources.html,
            text: sources.text,
            modify_date: app.now(),
        })
        .await?;
    Ok(())
}

/// Back to Wharf's built-in template; false if the store had none of its own.
pub async fn reset_template(app: &App, store: &SalesStore, kind: EmailKind) -> AppResult<bool> {
    Ok(app.store.delete_email_template(&store.account_id, &store.store_id, kind.message_kind()).await?)
}

/// The shipment an e-mail is about: the one named in its payload, else the order's live one.
fn shipment_for(payload: &EmailPayload, shipments: &[Shipment], order: &Order) -> Option<Shipment> {
    let named = payload.shipment_id.iter().chain(&payload.shipment_ids).next();
    named
        .and_then(|id| shipments.iter().find(|s| &s.shipment_id == id).cloned())
        .or_else(|| live_shipment(shipments, &order.order_id))
}

/// What the template sees for `order` (with its shipment), e.g. for `wharf email preview --order`.
pub async fn order_context(app: &App, store: &SalesStore, order: &Order) -> AppResult<EmailContext> {
    let shipments = app.store.shipments_for_orders(&order.account_id, std::slice::from_ref(&order.order_id)).await?;
    let shipment = live_shipment(&shipments, &order.order_id);
    let delivered = shipment.as_ref().and_then(|s| s.tracking.delivered_at);
    Ok(context(store, order, shipment.as_ref(), delivered))
}

/// An example order for previews and test e-mails (two items, a UPS package), in the store's branding.
pub fn example_context(store: &SalesStore, kind: EmailKind, now: Timestamp) -> EmailContext {
    use context::*;
    let day = now.to_zoned_datetime(wharf_domain::sears_time::central()).strftime("%B %-d, %Y").to_string();
    let tracking = "1Z999AA10123456784";
    EmailContext {
        store: store_view(store),
        customer: CustomerView { name: "Maria Gonzalez".into(), email: Some("masked-5000101@seller.sears.com".into()) },
        order: OrderView {
            number: "5000101".into(),
            key: "202405025000101".into(),
            date: day.clone(),
            items: vec![
                ItemView {
                    sku: "KTCH-BLND-600W-BLK".into(),
                    name: "Countertop Blender 600W, Black".into(),
                    quantity: 2,
                    image_url: None,
                    options: vec![wharf_domain::ItemOption { name: "Color".into(), value: "Black".into() }],
                },
                ItemView {
                    sku: "HOME-TOWEL-6PC-GRY".into(),
                    name: "Bath Towel Set, 6 pieces, Gray".into(),
                    quantity: 1,
                    image_url: None,
                    options: vec![],
                },
            ],
            ship_to: ShipToView {
                name: "Maria Gonzalez".into(),
                city: "Springfield".into(),
                state: "IL".into(),
                postal_code: "62704".into(),
            },
            notes_to_buyer: Some("Thank you for your order!".into()),
            gift_message: None,
        },
        shipment: ShipmentView {
            carrier: "UPS".into(),
            carrier_code: "ups".into(),
            service: "UPS Ground".into(),
            ship_date: Some(day.clone()),
            packages: vec![PackageView {
                tracking_number: tracking.into(),
                tracking_url: tracking_links::tracking_url("ups", tracking),
            }],
            tracking_number: Some(tracking.into()),
            tracking_url: tracking_links::tracking_url("ups", tracking),
            notes_to_buyer: Some("Thank you for your order!".into()),
        },
        delivery: DeliveryView { delivered_at: (kind == EmailKind::Delivery).then_some(day) },
    }
}

/// Renders the store's template of `kind` for `order`, or for the example order.
pub async fn preview(
    app: &App,
    store: &SalesStore,
    kind: EmailKind,
    order: Option<&Order>,
) -> AppResult<RenderedEmail> {
    let (sources, _) = match order {
        Some(order) => {
            let (sources, own, _) = template_for_order(app, store, order, kind).await?;
            (sources, own)
        }
        None => template_of(app, store, kind).await?,
    };
    let cx = match order {
        Some(order) => order_context(app, store, order).await?,
        None => example_context(store, kind, app.now()),
    };
    templates::render(&sources, &cx, false).map_err(|e| AppError::InvalidInput(e.to_string()))
}

/// Sends the example shipment confirmation of `store` to `to` (`wharf email test`).
pub async fn send_test(app: &App, store: &SalesStore, to: &str) -> AppResult<Delivery> {
    let rendered = preview(app, store, EmailKind::Shipment, None).await?;
    let cx = example_context(store, EmailKind::Shipment, app.now());
    let mail = OutgoingMail {
        to: to.to_owned(),
        to_name: None,
        from_name: Some(cx.store.name.clone()),
        reply_to: cx.store.reply_to.clone(),
        subject: format!("[Test] {}", rendered.subject),
        html: rendered.html,
        text: rendered.text,
        message_id: format!("test-{}", app.new_uuid().simple()),
        date: app.now(),
    };
    mailer::send(app.notify_config(), app.data_dir(), &mail).await.map_err(|e| AppError::InvalidInput(e.message))
}

/// One pass of the e-mail worker over every store's due e-mails. Returns when it should run next.
pub async fn run_emails(app: &App) -> AppResult<(usize, Timestamp)> {
    let due = app
        .store
        .due_messages(&DueMessages {
            store: None,
            kinds: EMAIL_KINDS.to_vec(),
            states: vec![MessageState::Pending],
            due_at: app.now(),
            limit: 500,
        })
        .await?;
    let mut sent = 0;
    for message in due {
        match deliver_one(app, &message).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(AppError::Storage(e @ (StorageError::Conflict { .. } | StorageError::NotFound { .. }))) => {
                tracing::info!(error = %e, message = %message.message_id, "the e-mail changed meanwhile; next pass");
            }
            Err(e) => tracing::warn!(error = %e, message = %message.message_id, "an e-mail could not be handled"),
        }
    }
    let now = app.now();
    let mut next = now + app.notify_config().email_interval;
    if let Some(due) = app.store.next_due_at(None, &EMAIL_KINDS).await? {
        next = next.min(due.max(now + SignedDuration::from_secs(1)));
    }
    Ok((sent, next))
}

/// Renders and sends one e-mail and records the outcome on the message and its order. True when it went out
/// (to the SMTP server or to a file).
async fn deliver_one(app: &App, message: &OutboxMessage) -> AppResult<bool> {
    let Some(kind) = EmailKind::of(message.kind) else { return Ok(false) };
    let now = app.now();
    let order = app.store.get_order(&message.account_id, &message.order_id).await?;
    let store = app.store.get_store(&message.account_id, &message.store_id).await?;
    let shipments = app.store.shipments_for_orders(&order.account_id, std::slice::from_ref(&order.order_id)).await?;
    let mut payload: EmailPayload = serde_json::from_value(message.payload.clone()).unwrap_or_default();
    let shipment = shipment_for(&payload, &shipments, &order);
    let delivered_at = payload.delivered_at.or_else(|| shipment.as_ref().and_then(|s| s.tracking.delivered_at));

    let attempt = message.attempts + 1;
    // Set once the template is chosen: the notice about a chosen template that does not exist (or none).
    let mut template_notice: Option<Option<String>> = None;
    let outcome: Result<Delivery, MailError> = async {
        let to = order.customer_email.clone().filter(|e| !e.trim().is_empty()).ok_or_else(|| MailError {
            retryable: false,
            message: "the order has no customer e-mail address".into(),
        })?;
        let (sources, own, missing) = template_for_order(app, &store, &order, kind)
            .await
            .map_err(|e| MailError { retryable: true, message: e.to_string() })?;
        template_notice = Some(missing);
        let cx = context(&store, &order, shipment.as_ref(), delivered_at);
        let rendered = templates::render(&sources, &cx, false).map_err(|e| MailError {
            retryable: false,
            message: if own {
                format!("{e}; fix the store's template (`wharf email template set`)")
            } else {
                e.to_string()
            },
        })?;
        let mail = OutgoingMail {
            to,
            to_name: Some(cx.customer.name.clone()),
            from_name: Some(cx.store.name.clone()),
            reply_to: cx.store.reply_to.clone(),
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
            message_id: message.message_id.to_string(),
            date: now,
        };
        mailer::send(app.notify_config(), app.data_dir(), &mail).await
    }
    .await;

    let mut after = order.clone();
    if let Some(missing) = template_notice {
        set_notice(&mut after, NOTICE_EMAIL_TEMPLATE_MISSING, missing, now);
    }
    let notice = email_notice(kind);
    let what = kind.describe();
    let retry = format!("`wharf orders retry-notification {} --kind {}-email`", order.order_id, kind.as_str());
    let oth = shipment.as_ref().is_some_and(Shipment::requires_buyer_notice);
    let when = now.strftime("%Y-%m-%d %H:%M UTC");
    let mut updated = OutboxMessage { attempts: attempt, modify_date: now, ..message.clone() };
    let went = match outcome {
        Ok(delivery) => {
            updated.state = MessageState::Delivered;
            updated.last_error = None;
            let text = match &delivery {
                Delivery::Smtp { server } => {
                    format!(
                        "{} e-mailed to {} at {when} (SMTP server {server})",
                        capitalized(what),
                        order.customer_email.as_deref().unwrap_or_default()
                    )
                }
                Delivery::File { path } => format!(
                    "{} NOT e-mailed: no SMTP server is configured, so it was written to {}; the customer was not \
                     reached. Set smtp.host (see Configuration in README.md) and run {retry}",
                    capitalized(what),
                    path.display()
                ),
            };
            set_notice(&mut after, &notice, Some(text), now);
            if oth && !delivery.reached_recipient() {
                set_notice(
                    &mut after,
                    NOTICE_CUSTOMER_NOT_REACHED,
                    Some(format!(
                        "Carrier OTH: Sears requires that the buyer be e-mailed the carrier and tracking number, but no \
                         SMTP server is configured, so the customer was NOT reached. Configure SMTP and run {retry}"
                    )),
                    now,
                );
            } else if delivery.reached_recipient() {
                set_notice(&mut after, NOTICE_CUSTOMER_NOT_REACHED, None, now);
            }
            payload.delivery = Some(delivery);
            updated.payload = serde_json::to_value(&payload).expect("payloads serialize");
            true
        }
        Err(e) if e.retryable && attempt < app.notify_config().email_max_attempts => {
            let at = now + super::retry_backoff(attempt);
            updated.state = MessageState::Pending;
            updated.next_attempt_at = at;
            updated.last_error = Some(e.message.clone());
            let text = format!(
                "{} not sent yet (attempt {attempt}): {}; trying again at {}",
                capitalized(what),
                e.message,
                at.strftime("%Y-%m-%d %H:%M UTC")
            );
            set_notice(&mut after, &notice, Some(text), now);
            false
        }
        Err(e) => {
            updated.state = MessageState::Failed;
            updated.last_error = Some(e.message.clone());
            let text = format!("{} failed: {}. Fix it, then run {retry}", capitalized(what), e.message);
            set_notice(&mut after, &notice, Some(text), now);
            if oth {
                set_notice(
                    &mut after,
                    NOTICE_CUSTOMER_NOT_REACHED,
                    Some(format!(
                        "Carrier OTH: Sears requires that the buyer be e-mailed the carrier and tracking number, and the e-mail failed: {}",
                        e.message
                    )),
                    now,
                );
            }
            false
        }
    };
    let write = order_write(&order, after, Actor::System, Some(&format!("customer {what} e-mail")), now);
    app.store
        .save_deliveries(
            &[MessageWrite { message: updated, expected_modify_date: message.modify_date }],
            write.as_slice(),
        )
        .await?;
    Ok(went)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
