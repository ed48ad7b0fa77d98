//! Customer e-mails end to end, on both backends: shipment and delivery confirmations received by a real SMTP
//! server the test starts (aiosmtpd, STARTTLS and AUTH, a throwaway CA made with openssl), checked for
//! recipient, subject, HTML and text parts, tracking link, item lines and notes; retries of a refused login and
//! a terminal refusal, each visible on its order; the test send and templates through `wharf`; without SMTP, the
//! .eml files and orders that say the customer was not reached (carrier OTH, decision 11). Tracking refreshes
//! from the UPS sandbox's clock mark shipments delivered and send the delivery confirmation.
//!
//! Expected values come from SEED.md (T = 2024-05-03): SC-01 `5000101` (Maria Gonzalez, Springfield IL,
//! 2 x Countertop Blender, 1 x Bath Towel Set, 3 x LED bulbs), SC-02 `5000102`, SC-09 `0060180`.

mod support;

use jiff::SignedDuration;
use serde_json::Value;
use support::notify::{SMTP_PASSWORD, SMTP_USER, SmtpServer};
use support::shipping::{Ups, ups_clock};
use support::{Backend, Harness};
use wharf_app::notify::email::templates::EmailKind;
use wharf_app::shipping::packages::PackagePlan;
use wharf_app::shipping::{LabelPurchase, ManualShipment, buy_labels, mark_shipped};
use wharf_domain::outbox::{MessageKind, MessageState};
use wharf_domain::shipment::{Shipment, TrackingStatus};
use wharf_domain::{ItemOption, MarketplaceUpdateState, Order};
use wharf_sears_sandbox::{FaultKind, FaultSpec, FeedKind, OrderRef, PortalShip};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The showcase imported, with catalog weights, the blender's picture and color; the store's branding set and
/// its confirmations on (or off); the UPS sandbox connected.
async fn email_harness(backend: Backend, confirmations: bool) -> (Harness, Ups) {
    let mut h = Harness::start(backend).await;
    h.weigh_showcase().await;
    let mut blender = h.app.store.get_product_by_sku(&h.account, "KTCH-BLND-600W-BLK").await.unwrap();
    blender.image_url = Some("https://img.harbor.example/blender.png".into());
    blender.options = vec![ItemOption { name: "Color".into(), value: "Black".into() }];
    wharf_app::products::save_product(&h.app, &h.account, blender).await.unwrap();
    let mut store = h.store.clone();
    store.settings.notifications.shipment_confirmation = confirmations;
    store.settings.notifications.delivery_confirmation = confirmations;
    let b = &mut store.settings.branding;
    b.company_name = Some("Harbor Goods".into());
    b.logo_url = Some("https://img.harbor.example/logo.png".into());
    b.primary_color = Some("#0b3d91".into());
    b.contact_email = Some("help@harbor.example".into());
    b.reply_to = Some("help@harbor.example".into());
    wharf_app::stores::save_store(&h.app, store).await.unwrap();
    h.reload_store().await;
    wharf_app::notify::schedule_installation_jobs(&h.app).await.unwrap();
    h.drain_jobs().await;
    let ups = h.with_ups(ups_clock(false)).await;
    (h, ups)
}

async fn next_pass(h: &Harness) {
    h.advance(SignedDuration::from_secs(61));
    h.drain_jobs().await;
}

async fn buy(h: &Harness, po: &str, packages: PackagePlan) -> Shipment {
    let order = h.order(po).await;
    let request = LabelPurchase { packages, ..LabelPurchase::default() };
    buy_labels(&h.app, &h.account, &order.order_id, &request).await.unwrap()
}

async fn email_message(h: &Harness, po: &str, kind: MessageKind) -> wharf_domain::outbox::OutboxMessage {
    h.message_of(&h.order(po).await, kind).await
}

fn notice(order: &Order, code: &str) -> String {
    order.notice(code).unwrap_or_else(|| panic!("order {} has notice {code}", order.order_number)).message.clone()
}

fn field<'a>(mail: &'a Value, name: &str) -> &'a str {
    mail[name].as_str().unwrap_or_else(|| panic!("{name} in {mail}"))
}

async fn emails_reach_a_real_smtp_server(backend: Backend) {
    let smtp = SmtpServer::start(&["masked-0060180@seller.sears.com"]).await;
    let (mut h, ups) = email_harness(backend, true).await;
    h.app = h.app.clone().with_notify(smtp.notify_config(SMTP_PASSWORD));
    let out = h
        .wharf()
        .args(["orders", "note", "5000101", "--to-buyer", "Thank you! The towels are in the second box."])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The shipment confirmation of SC-01, two UPS packages.
    let sc01 = buy(&h, "5000101", PackagePlan::Split(2)).await;
    let numbers: Vec<String> = sc01.tracking_numbers().map(str::to_owned).collect();
    next_pass(&h).await;
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["masked-5000101@seller.sears.com"]));
    assert_eq!(field(mail, "to"), "Maria Gonzalez <masked-5000101@seller.sears.com>");
    assert_eq!(field(mail, "from"), "Harbor Goods <orders@harbor.example>");
    assert_eq!(field(mail, "reply_to"), "help@harbor.example");
    assert_eq!(field(mail, "subject"), "Harbor Goods: your order 5000101 has shipped");
    assert_eq!(field(mail, "content_type"), "multipart/alternative");
    assert_eq!((mail["tls"].as_bool(), field(mail, "login")), (Some(true), SMTP_USER), "STARTTLS, then AUTH");
    let body = field(mail, "text");
    for line in [
        "Hello Maria Gonzalez,",
        "Good news: your order 5000101 of May 2, 2024 is on its way.",
        "Carrier: UPS",
        "Service: UPS Ground",
        "  2 x Countertop Blender 600W, Black (SKU KTCH-BLND-600W-BLK), Color: Black",
        "  1 x Bath Towel Set, 6 pieces, Gray (SKU HOME-TOWEL-6PC-GRY)",
        "  3 x LED Light Bulbs A19 60W, 4-pack (SKU LED-A19-60W-4PK)",
        "A note from Harbor Goods:\nThank you! The towels are in the second box.",
        "Shipping to: Maria Gonzalez, Springfield, IL 62704",
    ] {
        assert!(body.contains(line), "text part lacks {line:?}:\n{body}");
    }
    // minijinja escapes "/" in HTML as &#x2f;, which HTML reads as "/".
    let html = &field(mail, "html").replace("&#x2f;", "/");
    for number in &numbers {
        assert!(
            body.contains(&format!("Tracking number: {number}\nTrack it: https://www.ups.com/track?tracknum={number}")),
            "{body}"
        );
        assert!(html.contains(&format!("<a href=\"https://www.ups.com/track?tracknum={number}\"")), "{html}");
    }
    for part in [
        "<img src=\"https://img.harbor.example/logo.png\" alt=\"Harbor Goods\"",
        "background:#0b3d91",
        "<img src=\"https://img.harbor.example/blender.png\"",
        "<div>Countertop Blender 600W, Black</div>",
        "SKU KTCH-BLND-600W-BLK · Color: Black",
        "Thank you! The towels are in the second box.",
        "<strong>5000101</strong> of May 2, 2024",
    ] {
        assert!(html.contains(part), "HTML part lacks {part:?}:\n{html}");
    }
    let sc01_order = h.order("5000101").await;
    assert_eq!(
        notice(&sc01_order, "shipment_email"),
        format!(
            "Shipment confirmation e-mailed to masked-5000101@seller.sears.com at 2024-05-03 20:01 UTC (SMTP server \
             127.0.0.1:{})",
            smtp.port
        )
    );
    let message = email_message(&h, "5000101", MessageKind::ShipmentEmail).await;
    assert_eq!((message.state, message.attempts), (MessageState::Delivered, 1));

    // A refused login is retried (the configuration may be fixed), and the order says so meanwhile.
    h.app = h.app.clone().with_notify(smtp.notify_config("wrong-password"));
    let sc02 = h.order("5000102").await;
    let manual = ManualShipment {
        carrier: "other".into(),
        service: "other_standard".into(),
        tracking: "LOCAL-778".into(),
        ship_date: None,
    };
    mark_shipped(&h.app, &h.account, &sc02.order_id, &manual).await.unwrap();
    next_pass(&h).await;
    let waiting = email_message(&h, "5000102", MessageKind::ShipmentEmail).await;
    assert_eq!((waiting.state, waiting.attempts), (MessageState::Pending, 1));
    let error = waiting.last_error.clone().unwrap();
    assert!(error.contains("check smtp.username and smtp.password"), "{error}");
    assert!(!error.contains("wrong-password"), "no secret in errors");
    let told = notice(&h.order("5000102").await, "shipment_email");
    assert!(told.starts_with("Shipment confirmation not sent yet (attempt 1): the SMTP server"), "{told}");
    assert_eq!(smtp.received().len(), 1);
    h.app = h.app.clone().with_notify(smtp.notify_config(SMTP_PASSWORD));
    next_pass(&h).await;
    let received = smtp.received();
    assert_eq!(received.len(), 2, "sent once the login works");
    let oth = &received[1];
    assert_eq!(oth["rcpt_tos"], serde_json::json!(["masked-5000102@seller.sears.com"]));
    let body = field(oth, "text");
    assert!(
        body.contains("Carrier: Other carrier\nService: Other carrier, standard\nTracking number: LOCAL-778\n"),
        "{body}"
    );
    assert!(!field(oth, "html").contains("Track your package"), "no tracking page for carrier OTH");
    assert!(h.order("5000102").await.notice("customer_not_reached").is_none());

    // A recipient the server refuses for good: the e-mail fails, with the server's words on the order.
    buy(&h, "0060180", PackagePlan::Single).await;
    next_pass(&h).await;
    let refused = email_message(&h, "0060180", MessageKind::ShipmentEmail).await;
    assert_eq!(refused.state, MessageState::Failed);
    let told = notice(&h.order("0060180").await, "shipment_email");
    assert!(
        told.starts_with(&format!(
            "Shipment confirmation failed: the SMTP server 127.0.0.1:{} refused the e-mail",
            smtp.port
        )),
        "{told}"
    );
    assert!(told.contains("550"), "{told}");
    assert!(
        told.ends_with(
            "Fix it, then run `wharf orders retry-notification 0060180 --kind shipment-email`"
                .replace("0060180 ", &format!("{} ", h.order("0060180").await.order_id))
                .as_str()
        ),
        "{told}"
    );

    // Tracking: days later UPS has delivered SC-01; the delivery confirmation goes out.
    ups.sandbox.control().advance_clock(SignedDuration::from_hours(24 * 6));
    h.advance(SignedDuration::from_mins(31));
    h.drain_jobs().await;
    next_pass(&h).await;
    let shipments =
        h.app.store.shipments_for_orders(&h.account, std::slice::from_ref(&sc01_order.order_id)).await.unwrap();
    let tracked = shipments.iter().find(|s| s.shipment_id == sc01.shipment_id).unwrap();
    assert_eq!(tracked.tracking.status, TrackingStatus::Delivered);
    assert!(tracked.tracking.delivered_at.is_some());
    let events: Vec<&str> = tracked.tracking.events.iter().map(|e| e.description.as_str()).collect();
    assert!(events.contains(&"DELIVERED"), "{events:?}");
    assert!(events.iter().any(|e| e.starts_with("Shipper created a label")), "{events:?}");
    let received = smtp.received();
    let delivered: Vec<&Value> =
        received.iter().filter(|m| field(m, "subject") == "Harbor Goods: your order 5000101 was delivered").collect();
    assert_eq!(delivered.len(), 1, "{received:?}");
    let body = field(delivered[0], "text");
    assert!(body.contains("Your order 5000101 of May 2, 2024 was delivered on"), "{body}");
    assert!(body.contains("2 x Countertop Blender 600W, Black (SKU KTCH-BLND-600W-BLK), Color: Black"), "{body}");
    let show = h.wharf().args(["orders", "show", "5000101"]).output().await.unwrap();
    assert!(text(&show.stdout).contains("Delivered, delivered"), "{}", text(&show.stdout));

    // `wharf email test` and the templates, through the binary configured by WHARF_SMTP__… variables.
    let wharf = |args: &[&str]| {
        let mut command = h.wharf();
        command
            .env("WHARF_SMTP__HOST", "127.0.0.1")
            .env("WHARF_SMTP__PORT", smtp.port.to_string())
            .env("WHARF_SMTP__USERNAME", SMTP_USER)
            .env("WHARF_SMTP__PASSWORD", SMTP_PASSWORD)
            .env("WHARF_SMTP__CA_FILE", &smtp.certificates.ca)
            .env("WHARF_SMTP__FROM", "Harbor Goods <orders@harbor.example>")
            .args(args);
        command
    };
    let out = wharf(&["email", "test", "--to", "owner@harbor.example"]).output().await.unwrap();
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "Test e-mail to owner@harbor.example: sent through the SMTP server 127.0.0.1:{}",
            smtp.port
        )),
        "{said}"
    );
    assert!(!said.contains(SMTP_PASSWORD), "the password is never shown");
    let test = smtp.received().into_iter().last().unwrap();
    assert_eq!(test["rcpt_tos"], serde_json::json!(["owner@harbor.example"]));
    assert_eq!(field(&test, "subject"), "[Test] Harbor Goods: your order 5000101 has shipped");

    let out = wharf(&["email", "template", "set", "--kind", "shipment", "--subject", "Order {{ order.nubmer }}"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("the subject template does not render"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing was saved"), "{}", text(&out.stderr));
    let out = wharf(&[
        "email",
        "template",
        "set",
        "--kind",
        "shipment",
        "--subject",
        "Shipped today: order {{ order.number }}",
    ])
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = wharf(&["email", "preview", "--kind", "shipment", "--order", "5000101", "--part", "subject"])
        .output()
        .await
        .unwrap();
    assert_eq!(text(&out.stdout), "Shipped today: order 5000101\n");
    let file = h.data_dir.path().join("delivery.html");
    let out =
        wharf(&["template", "preview", "--email", "delivery", "--out", file.to_str().unwrap()]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Subject: Harbor Goods: your order 5000101 was delivered"),
        "{}",
        text(&out.stdout)
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains("<strong>5000101</strong>"));
    let reset = wharf(&["email", "template", "reset", "--kind", "shipment"]).output().await.unwrap();
    assert!(text(&reset.stdout).contains("uses Wharf's built-in shipment confirmation e-mail again"));
    let (_, own) = wharf_app::notify::email::template_of(&h.app, &h.store, EmailKind::Shipment).await.unwrap();
    assert!(!own);
}

async fn without_smtp_emails_become_eml_files_and_orders_say_so(backend: Backend) {
    let (h, _ups) = email_harness(backend, false).await;

    // Confirmations are off: a UPS label causes no e-mail.
    buy(&h, "5000101", PackagePlan::Single).await;
    // Carrier OTH: Sears requires the e-mail (decision 11), so it is queued anyway.
    let sc02 = h.order("5000102").await;
    let manual = ManualShipment {
        carrier: "OTH".into(),
        service: "Standard".into(),
        tracking: "LOCAL-778".into(),
        ship_date: None,
    };
    mark_shipped(&h.app, &h.account, &sc02.order_id, &manual).await.unwrap();
    next_pass(&h).await;
    let kinds: Vec<MessageKind> = h.messages(&h.order("5000101").await).await.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [MessageKind::SearsShipment]);

    let outbox = h.data_dir.path().join("outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let message = email_message(&h, "5000102", MessageKind::ShipmentEmail).await;
    assert_eq!(files[0], outbox.join(format!("20240503T200101Z-{}.eml", message.message_id)));
    assert_eq!(message.state, MessageState::Delivered);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    for header in [
        // RFC 2047: the display name "Renée O'Connor" in UTF-8, base64.
        "To: =?utf-8?b?UmVuw6llIE8nQ29ubm9y?= <masked-5000102@seller.sears.com>",
        "Subject: Harbor Goods: your order 5000102 has shipped",
        "Reply-To: help@harbor.example",
        "Content-Type: multipart/alternative",
    ] {
        assert!(eml.contains(header), "{header} missing:\n{eml}");
    }
    assert!(eml.contains("LOCAL-778"), "{eml}");

    let sc02 = h.order("5000102").await;
    let file = files[0].display().to_string();
    assert_eq!(
        notice(&sc02, "shipment_email"),
        format!(
            "Shipment confirmation NOT e-mailed: no SMTP server is configured, so it was written to {file}; the \
             customer was not reached. Set smtp.host (see Configuration in README.md) and run `wharf orders \
             retry-notification {} --kind shipment-email`",
            sc02.order_id
        )
    );
    assert!(
        notice(&sc02, "customer_not_reached").starts_with(
            "Carrier OTH: Sears requires that the buyer be e-mailed the carrier and tracking number, but no SMTP \
             server is configured, so the customer was NOT reached."
        ),
        "{sc02:?}"
    );
    let show = h.wharf().args(["orders", "show", "5000102"]).output().await.unwrap();
    let show = text(&show.stdout);
    assert!(show.contains("the customer was NOT reached"), "{show}");
    assert!(show.contains("shipment e-mail done (attempts 1)"), "{show}");

    // `wharf email test` without SMTP says where the e-mail went instead.
    let out = h.wharf().args(["email", "test", "--to", "owner@harbor.example"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("NOT sent: no SMTP server is configured (smtp.host); the e-mail was written to")
    );
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 2);
}

/// Where the seller wants alerts.
const ALERT_ADDRESS: &str = "alerts@harbor.example";

/// The alert e-mails among everything the SMTP server received (customer e-mails go out meanwhile, too).
fn alert_mails(smtp: &SmtpServer) -> Vec<Value> {
    smtp.received().into_iter().filter(|m| m["rcpt_tos"] == serde_json::json!([ALERT_ADDRESS])).collect()
}

/// Sets the sandbox's clock (and so Wharf's) to an instant.
fn at(h: &Harness, instant: &str) {
    h.sandbox.control().set_time(instant.parse().unwrap());
}

/// An alert e-mail's titles, in the order the e-mail lists them (its text part: `* Title: detail`).
fn titles(mail: &Value) -> Vec<String> {
    field(mail, "text")
        .lines()
        .filter_map(|l| l.strip_prefix("* "))
        .map(|l| l.split_once(": ").map_or(l, |(title, _)| title).to_owned())
        .collect()
}

const ALERT_TITLES: [&str; 5] = [
    "Import failing",
    "Orders past their ship-by date",
    "Sears update rejected",
    "Return request waiting",
    "Cancellation request waiting",
];

/// Alerts made for real (an import failing for more than 30 minutes, orders past their ship-by date, a Sears update
/// rejected, SC-11's return request and SC-15's cancellation request waiting) reach the account's alert address in
/// one e-mail, are not e-mailed again at the next pass, are e-mailed again a day later while they last, and `wharf
/// status` lists the same alerts. T = 2024-05-03, a Friday; the import window holds the T-1 and T-2 orders.
async fn alerts_reach_the_alert_address_once_a_day(backend: Backend) {
    let smtp = SmtpServer::start(&[]).await;
    let mut h = Harness::start(backend).await;
    h.app = h.app.clone().with_notify(smtp.notify_config(SMTP_PASSWORD));
    // 20:00 UTC (15:00 CDT): the first import, with SC-11's return request and SC-15's cancellation request.
    h.drain_jobs().await;
    assert_eq!(h.import_runs().await, 1);
    // As `wharf serve` does at start: the installation's e-mail, tracking and alert jobs (the alerts seen now).
    wharf_app::notify::schedule_installation_jobs(&h.app).await.unwrap();
    h.drain_jobs().await;

    // From now on every purchase-order read meets Sears's outage page: imports fail.
    h.sandbox.control().add_fault(
        FaultSpec::during(FaultKind::Html500, SignedDuration::from_hours(72))
            .only_method("GET")
            .only_path("/oms/purchaseorder/"),
    );

    // A Sears update rejected: SC-05a was shipped by hand in the Seller Portal, and is marked shipped in Wharf.
    let sc05 = h.order("5000105").await;
    h.sandbox
        .control()
        .portal_ship(
            &OrderRef::new("5000105", sc05.sears.as_ref().unwrap().po_date),
            PortalShip { tracking_number: Some("PORTAL-1".into()), carrier: None, method: None },
        )
        .unwrap();
    let manual = ManualShipment {
        carrier: "fedex".into(),
        service: "fedex_ground".into(),
        tracking: "748900001105".into(),
        ship_date: None,
    };
    mark_shipped(&h.app, &h.account, &sc05.order_id, &manual).await.unwrap();
    // Sent, polled, rejected, all before the next import (20:05).
    h.settle_sears(4).await;
    assert_eq!(h.order("5000105").await.marketplace_update.state, MarketplaceUpdateState::Rejected);
    let asns = h.feeds(FeedKind::Asn);
    assert_eq!(asns.len(), 1);
    let document = asns[0].document_id.unwrap();

    // 20:05: the scheduled import fails. 05:10 UTC the next day (00:10 CDT, Saturday May 4): it fails again (its
    // first retry was due at 20:06), and the T-2 orders are past their ship-by date (the end of T, 04:59:59 UTC).
    at(&h, "2024-05-03T20:05:00Z");
    h.drain_jobs().await;
    let state = h.app.store.store_import_state(&h.store.store_id).await.unwrap();
    assert_eq!(state.failing_since, Some("2024-05-03T20:05:00Z".parse().unwrap()));
    at(&h, "2024-05-04T05:10:00Z");
    h.drain_jobs().await;
    assert!(alert_mails(&smtp).is_empty(), "no alert address yet, so no alert e-mail");

    // The seller gives the account a name and an alert address.
    let out = h
        .wharf()
        .args(["account", "set", "--name", "Harbor Goods", "--alert-email", ALERT_ADDRESS])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("alert e-mail    {ALERT_ADDRESS}")), "{}", text(&out.stdout));

    // 05:15: the next alert pass (every 5 minutes) e-mails every alert, in one e-mail. The import failed a third
    // time first (retry due at 05:12).
    h.advance(SignedDuration::from_mins(5));
    h.drain_jobs().await;
    let mails = alert_mails(&smtp);
    assert_eq!(mails.len(), 1, "one e-mail for all the alerts");
    let mail = &mails[0];
    assert_eq!(field(mail, "to"), ALERT_ADDRESS);
    assert_eq!(field(mail, "from"), "Wharf alerts <orders@harbor.example>");
    assert_eq!(field(mail, "subject"), "Wharf: 5 alert(s) for Harbor Goods need your attention");
    assert_eq!(titles(mail), ALERT_TITLES);
    let body = field(mail, "text");
    let import_failing = "* Import failing: Store 'Sears test store': imports have failed since 2024-05-03 20:05 UTC \
                          (3 failed attempts; last successful import 2024-05-03 20:00 UTC): ";
    for line in [
        import_failing,
        // Ship-by: SC-04 (16:45), SC-03 (11:02), SC-10 (10:45), SC-09 (09:30), all T-2, newest first. Not SC-12
        // (T-2 too): Sears says `Ready to Invoice`, it was shipped by hand in the Seller Portal (decision 8).
        "* Orders past their ship-by date: 4 order(s) past their ship-by date: 5000104, 5000103, 5000110, 0060180. \
         Sears cancels orders 30 days overdue.\n",
        &format!(
            "* Sears update rejected: Order 5000105: Sears rejected the shipment update (document {document}): line 1: \
             quantity already shipped (1 of 1 shipped); a shipped quantity cannot be shipped again\n"
        ),
        // Asked on Thursday May 2; one business day (Friday) has passed by Saturday.
        "* Return request waiting: PO 5000111: return of 1 x line 1 (DEFECTIVE-PRODUCT) requested on 2024-05-02; \
         Sears escalates it after 2 business days. Answer it in the Sears Seller Portal.\n",
        "* Cancellation request waiting: PO 5000115: the customer asked to cancel line 1 \
         (CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT); cancel the line or ship it\n",
    ] {
        assert!(body.contains(line), "the alert e-mail lacks {line:?}:\n{body}");
    }
    let failing = body.lines().find(|l| l.starts_with(import_failing)).unwrap();
    assert!(failing.contains("Sears is having an outage ("), "{failing}");
    let html = field(mail, "html");
    for title in ALERT_TITLES {
        assert!(html.contains(&format!("<li><strong>{title}</strong>: ")), "{html}");
    }

    // 05:20, the next pass: every condition lasts, nothing new is e-mailed.
    h.advance(SignedDuration::from_mins(5));
    h.drain_jobs().await;
    assert_eq!(alert_mails(&smtp).len(), 1, "not again at the next pass");

    // A day later (alert_repeat) they still last: e-mailed again, once. By now (00:20 CDT Sunday May 5) the T-1
    // orders are past their ship-by date too. (The alert pass, due at 05:25 on May 4, runs before the import retry
    // due at 05:28, the fifth attempt.)
    h.advance(SignedDuration::from_hours(24));
    h.drain_jobs().await;
    let mails = alert_mails(&smtp);
    assert_eq!(mails.len(), 2, "again after a day");
    let again = &mails[1];
    assert_eq!(field(again, "subject"), "Wharf: 5 alert(s) for Harbor Goods need your attention");
    assert_eq!(titles(again), ALERT_TITLES);
    let body = field(again, "text");
    assert!(
        body.contains(
            "* Import failing: Store 'Sears test store': imports have failed since 2024-05-03 20:05 UTC (4 failed \
             attempts; last successful import 2024-05-03 20:00 UTC)"
        ),
        "{body}"
    );
    // T-1, newest first: SC-14 (18:20), SC-08 (16:10), SC-02 (14:30), SC-15 (11:11), SC-13 (10:30), SC-01 (09:15);
    // then the T-2 four. SC-05a shipped.
    assert!(
        body.contains(
            "* Orders past their ship-by date: 10 order(s) past their ship-by date: 5000114, 5000108, 5000102, \
             5000115, 5000113, 5000101, 5000104, 5000103, 5000110, 0060180. Sears cancels orders 30 days overdue.\n"
        ),
        "{body}"
    );
    h.advance(SignedDuration::from_mins(5));
    h.drain_jobs().await;
    assert_eq!(alert_mails(&smtp).len(), 2, "and not again soon after");

    // `wharf status` lists the same alerts, when Wharf first saw each, and when it was last e-mailed.
    let out = h.wharf().args(["status", "--json"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    // (`wharf` reads the real clock, long after T: every order still to ship is past its ship-by date.)
    assert_eq!(status["ordersPastShipBy"], 10);
    assert_eq!(
        status["overdueOrderNumbers"],
        serde_json::json!([
            "5000114", "5000108", "5000102", "5000115", "5000113", "5000101", "5000104", "5000103", "5000110",
            "0060180"
        ])
    );
    let listed = status["alerts"].as_array().unwrap();
    let listed_titles: Vec<&str> = listed.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(listed_titles, ALERT_TITLES);
    let since: Vec<&str> = listed.iter().map(|a| a["since"].as_str().unwrap()).collect();
    assert_eq!(
        since,
        [
            "2024-05-04T05:10:00Z",
            "2024-05-04T05:10:00Z",
            "2024-05-03T20:05:00Z",
            "2024-05-03T20:00:00Z",
            "2024-05-03T20:00:00Z"
        ]
    );
    for alert in listed {
        assert_eq!(alert["emailedAt"], "2024-05-05T05:20:00Z", "{alert}");
    }
    let rejected = listed.iter().find(|a| a["title"] == "Sears update rejected").unwrap();
    assert_eq!(
        rejected["detail"],
        format!(
            "Order 5000105: Sears rejected the shipment update (document {document}): line 1: quantity already \
             shipped (1 of 1 shipped); a shipped quantity cannot be shipped again"
        )
    );
    let cancellation = listed.iter().find(|a| a["title"] == "Cancellation request waiting").unwrap();
    assert_eq!(
        cancellation["detail"],
        "PO 5000115: the customer asked to cancel line 1 (CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT); \
         cancel the line or ship it"
    );
}

on_both_backends!(
    emails_reach_a_real_smtp_server,
    without_smtp_emails_become_eml_files_and_orders_say_so,
    alerts_reach_the_alert_address_once_a_day,
);
