//! Named templates chosen by automation, end to end on both backends: a named packing-slip template (with a
//! marker line) and a named shipment e-mail template saved through `wharf`, a rule "gift orders -> packing
//! slip X, e-mail template Y" (refused while the templates do not exist), the showcase imported, a batch bought
//! from the UPS sandbox and printed: only the gift order's slip shows the marker, only its e-mail (an .eml file:
//! no SMTP server) has Y's subject. A slip or e-mail template removed since falls back to the store's, and the
//! order says so.
//!
//! Expected values come from SEED.md (T = 2024-05-03): SC-02 `5000102` is the gift order (Priority), SC-01
//! `5000101` and SC-04 `5000104` are not (Ground).

mod support;

use std::path::Path;
use std::process::Output;

use jiff::SignedDuration;
use serde_json::{Value, json};
use support::shipping::ups_clock;
use support::{Backend, Harness};
use wharf_app::batches::{NoProgress, ProcessOptions, ProcessOutcome, process_batch};
use wharf_domain::outbox::MessageKind;

const MARKER: &str = "GIFT-SLIP-MARKER: wrapped with care";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(h: &Harness, args: &[&str]) -> Output {
    h.wharf().args(args).output().await.expect("wharf runs")
}

async fn ok(h: &Harness, args: &[&str]) -> String {
    let out = run(h, args).await;
    assert!(out.status.success(), "wharf {args:?} failed: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

async fn json(h: &Harness, args: &[&str]) -> Value {
    let out = ok(h, args).await;
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("wharf {args:?} printed no JSON ({e}): {out}"))
}

/// Runs `wharf ARGS` expecting it to refuse (exit code 1); its stderr.
async fn refused(h: &Harness, args: &[&str]) -> String {
    let out = run(h, args).await;
    assert_eq!(out.status.code(), Some(1), "wharf {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stderr)
}

/// The text of each page.
fn pages(pdf: &Path) -> Vec<String> {
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed for this test (Debian: poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", text(&out.stderr));
    let mut pages: Vec<String> = text(&out.stdout).split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn squeezed(page: &str) -> String {
    page.split_whitespace().collect()
}

const GIFT_RULE: [&str; 10] = [
    "rules",
    "add",
    "--name",
    "Gift orders",
    "--when",
    r#"field = "gift", op = "is_true""#,
    "--then",
    r#"set_packing_slip_template = "Gift slip""#,
    "--then",
    r#"set_email_template = "Gift mail""#,
];

async fn automation_chooses_named_slip_and_email_templates(backend: Backend) {
    let h = Harness::start(backend).await;
    h.weigh_showcase().await;
    let mut store = h.store.clone();
    store.settings.notifications.shipment_confirmation = true;
    store.settings.branding.company_name = Some("Harbor Goods".into());
    let store = wharf_app::stores::save_store(&h.app, store).await.unwrap();
    let store = wharf_app::automation::map_service(&h.app, store, "Ground", "ups", "ups_ground", None).await.unwrap();
    wharf_app::automation::map_service(&h.app, store, "Priority", "ups", "ups_2nd_day_air", None).await.unwrap();
    // The e-mail worker among them.
    wharf_app::notify::schedule_installation_jobs(&h.app).await.unwrap();

    // A rule naming templates that do not exist is refused, saying how to create them.
    let err = refused(&h, &GIFT_RULE).await;
    assert!(err.contains("actions[0] (set_packing_slip_template)"), "names the field: {err}");
    assert!(
        err.contains(
            "there is no packing-slip template named 'Gift slip'; create it first with `wharf template set FILE \
             --name Gift slip`"
        ),
        "{err}"
    );
    assert!(err.contains("actions[1] (set_email_template)"), "{err}");
    assert!(err.contains("there is no e-mail template named 'Gift mail'"), "{err}");
    assert_eq!(json(&h, &["rules", "list", "--json"]).await, json!([]), "nothing saved");

    // The named templates: Wharf's default slip with a marker line; a shipment e-mail with its own subject. A
    // slip template that does not render is refused.
    let default_slip = ok(&h, &["template", "show"]).await;
    assert!(default_slip.contains("<slip>"), "{default_slip}");
    let file = h.data_dir.path().join("gift-slip.xml.j2");
    std::fs::write(&file, default_slip.replacen("<slip>", &format!("<slip>\n  <text>{MARKER}</text>"), 1)).unwrap();
    let broken = h.data_dir.path().join("broken.xml.j2");
    std::fs::write(&broken, "<slip><text>{{ order.no_such_field.x }}</text></slip>").unwrap();
    let err = refused(&h, &["template", "set", broken.to_str().unwrap(), "--name", "Broken"]).await;
    assert!(err.contains("does not render the sample slip"), "{err}");
    ok(&h, &["template", "set", file.to_str().unwrap(), "--name", "Gift slip"]).await;
    let listed = json(&h, &["template", "list", "--json"]).await;
    assert_eq!(listed.as_array().unwrap().iter().map(|t| t["name"].clone()).collect::<Vec<_>>(), [json!("Gift slip")]);
    assert!(ok(&h, &["template", "show", "--name", "Gift slip"]).await.contains(MARKER));
    ok(
        &h,
        &[
            "email",
            "template",
            "set",
            "--kind",
            "shipment",
            "--name",
            "Gift mail",
            "--subject",
            "A gift from {{ store.name }} is on its way (order {{ order.number }})",
        ],
    )
    .await;
    let mails = json(&h, &["email", "template", "list", "--json"]).await;
    assert_eq!(mails[0]["name"], "Gift mail");
    assert_eq!(mails[0]["kind"], "shipment");

    // Now the rule is saved; the import applies it.
    ok(&h, &GIFT_RULE).await;
    h.drain_jobs().await;
    let gift = h.order("5000102").await;
    assert_eq!(gift.advanced_options.packing_slip_template.as_deref(), Some("Gift slip"));
    assert_eq!(gift.advanced_options.email_template.as_deref(), Some("Gift mail"));
    assert_eq!(h.order("5000101").await.advanced_options.packing_slip_template, None);

    // A batch of the gift order and two others, bought from the UPS sandbox, printed by order number.
    let _ups = h.with_ups(ups_clock(false)).await;
    let created =
        json(&h, &["batch", "create", "--order", "5000104", "--order", "5000102", "--order", "5000101", "--json"])
            .await;
    let batch: wharf_domain::BatchId = created["id"].as_str().unwrap().parse().unwrap();
    let outcome =
        process_batch(&h.app, &h.account, &batch, &ProcessOptions::default(), "test", &NoProgress).await.unwrap();
    let ProcessOutcome::Done(report) = outcome else { panic!("the batch is free") };
    assert_eq!((report.tried, report.bought), (3, 3));
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("batch.pdf");
    let printed = json(
        &h,
        &["batch", "print", "1", "--format", "pdf", "--sort", "order-number", "--out", pdf.to_str().unwrap(), "--json"],
    )
    .await;
    assert_eq!(printed["orders"], json!(["5000101", "5000102", "5000104"]));
    assert_eq!(printed["notes"], json!([]));
    let texts = pages(&pdf);
    assert_eq!(texts.len(), 6, "a label page and a slip page per order");
    for (slip, number, marked) in [(1, "5000101", false), (3, "5000102", true), (5, "5000104", false)] {
        let page = &texts[slip];
        assert!(page.contains("PACKING SLIP"), "page {}: {page}", slip + 1);
        assert!(squeezed(page).contains(&format!("Order{number}")), "page {}: {page}", slip + 1);
        assert_eq!(page.contains(MARKER), marked, "the marker on the slip of {number}: {page}");
    }

    // The shipment e-mails (no SMTP server: .eml files): the gift order's has Y's subject, the others the
    // store's.
    h.advance(SignedDuration::from_secs(61));
    h.drain_jobs().await;
    let outbox = h.data_dir.path().join("outbox");
    for (number, subject) in [
        ("5000102", "Subject: A gift from Harbor Goods is on its way (order 5000102)"),
        ("5000101", "Subject: Harbor Goods: your order 5000101 has shipped"),
    ] {
        let message = h.message_of(&h.order(number).await, MessageKind::ShipmentEmail).await;
        let eml: Vec<_> = std::fs::read_dir(&outbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(&message.message_id.to_string()))
            .collect();
        assert_eq!(eml.len(), 1, "one .eml of {number}: {eml:?}");
        let eml = std::fs::read_to_string(&eml[0]).unwrap();
        assert!(eml.contains(subject), "{subject} missing:\n{eml}");
    }
    assert!(h.order("5000102").await.notice("email_template_missing").is_none());

    // The slip template removed since: the gift slip falls back to the store's template, the print says so,
    // and so does the order.
    ok(&h, &["template", "remove", "--name", "Gift slip"]).await;
    let again = json(
        &h,
        &["batch", "print", "1", "--format", "pdf", "--sort", "order-number", "--out", pdf.to_str().unwrap(), "--json"],
    )
    .await;
    let notes = again["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{again}");
    assert!(notes[0].as_str().unwrap().contains("'Gift slip'"), "{again}");
    let texts = pages(&pdf);
    assert_eq!(texts.len(), 6);
    assert!(!texts[3].contains(MARKER) && texts[3].contains("PACKING SLIP"), "{}", texts[3]);
    let gift = h.order("5000102").await;
    assert_eq!(
        gift.notice("packing_slip_template_missing").map(|n| n.message.as_str()),
        Some(
            "The packing-slip template 'Gift slip' chosen by automation does not exist, so the slip was printed with \
             the store's template; create it with `wharf template set FILE --name Gift slip` or change the rule"
        )
    );
    assert!(h.order("5000101").await.notice("packing_slip_template_missing").is_none());

    // The e-mail template removed since: sent again, the gift order's e-mail falls back to the store's template,
    // and the order says so.
    ok(&h, &["email", "template", "remove", "--kind", "shipment", "--name", "Gift mail"]).await;
    // In process, on the harness's clock (a `wharf` process would queue it at today's date, years after it).
    let kind = wharf_app::notify::actions::RetryKind::Email(wharf_app::notify::email::templates::EmailKind::Shipment);
    wharf_app::notify::actions::retry_notifications(&h.app, &h.order("5000102").await, kind).await.unwrap();
    h.advance(SignedDuration::from_secs(61));
    h.drain_jobs().await;
    let message = h.message_of(&h.order("5000102").await, MessageKind::ShipmentEmail).await;
    let mut sent: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(&message.message_id.to_string()))
        .collect();
    sent.sort();
    assert_eq!(sent.len(), 2, "the first e-mail and the one sent again: {sent:?}");
    let eml = std::fs::read_to_string(sent.last().unwrap()).unwrap();
    assert!(eml.contains("Subject: Harbor Goods: your order 5000102 has shipped"), "{eml}");
    assert_eq!(
        h.order("5000102").await.notice("email_template_missing").map(|n| n.message.as_str()),
        Some(
            "The e-mail template 'Gift mail' chosen by automation does not exist for the shipment confirmation, so \
             the store's template was used; create it with `wharf email template set --kind shipment --name Gift \
             mail ...` or change the rule"
        )
    );
}

on_both_backends!(automation_chooses_named_slip_and_email_templates);
