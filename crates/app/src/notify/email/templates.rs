//! Customer e-mail templates: minijinja sources for the subject, the HTML part and the text part, per kind
//! (shipment confirmation, delivery confirmation). Wharf's built-in ones apply unless a store saved its own
//! (`wharf email template set`). Built-in partials (`layout_top.html`, `items.html`, `layout_bottom.html`)
//! can be included by a store's templates too.
//!
//! Variables (see `EmailContext`): `store` (name, logo_url, primary_color, accent_color, contact_email,
//! contact_phone, reply_to), `customer` (name, email), `order` (number, key, date, items [sku, name,
//! quantity, image_url, options [name, value]], ship_to [name, city, state, postal_code], notes_to_buyer,
//! gift_message), `shipment` (carrier, carrier_code, service, ship_date, packages [tracking_number,
//! tracking_url], tracking_number, tracking_url, notes_to_buyer), `delivery` (delivered_at), `subject`.

use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use wharf_domain::outbox::MessageKind;

/// The two customer e-mails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Shipment,
    Delivery,
}

impl EmailKind {
    pub fn message_kind(self) -> MessageKind {
        match self {
            EmailKind::Shipment => MessageKind::ShipmentEmail,
            EmailKind::Delivery => MessageKind::DeliveryEmail,
        }
    }

    pub fn of(kind: MessageKind) -> Option<EmailKind> {
        match kind {
            MessageKind::ShipmentEmail => Some(EmailKind::Shipment),
            MessageKind::DeliveryEmail => Some(EmailKind::Delivery),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Shipment => "shipment",
            EmailKind::Delivery => "delivery",
        }
    }

    /// Words for the seller: "shipment confirmation".
    pub fn describe(self) -> &'static str {
        match self {
            EmailKind::Shipment => "shipment confirmation",
            EmailKind::Delivery => "delivery confirmation",
        }
    }
}

impl std::str::FromStr for EmailKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "shipment" | "shipment-email" | "shipment_email" => Ok(EmailKind::Shipment),
            "delivery" | "delivery-email" | "delivery_email" => Ok(EmailKind::Delivery),
            other => Err(format!("'{other}' is not a customer e-mail; use shipment or delivery")),
        }
    }
}

/// The three sources of one e-mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSources {
    pub subject: String,
    pub html: String,
    pub text: String,
}

const PARTIALS: [(&str, &str); 3] = [
    ("layout_top.html", include_str!("templates/layout_top.html")),
    ("items.html", include_str!("templates/items.html")),
    ("layout_bottom.html", include_str!("templates/layout_bottom.html")),
];

/// Wharf's own template of `kind`.
pub fn built_in(kind: EmailKind) -> TemplateSources {
    let (subject, html, text) = match kind {
        EmailKind::Shipment => (
            include_str!("templates/shipment.subject"),
            include_str!("templates/shipment.html"),
            include_str!("templates/shipment.txt"),
        ),
        EmailKind::Delivery => (
            include_str!("templates/delivery.subject"),
            include_str!("templates/delivery.html"),
            include_str!("templates/delivery.txt"),
        ),
    };
    TemplateSources { subject: subject.trim().to_owned(), html: html.to_owned(), text: text.to_owned() }
}

/// A rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// A template that does not render, with minijinja's explanation (line and what is wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {part} template does not render: {detail}")]
pub struct TemplateError {
    pub part: &'static str,
    pub detail: String,
}

/// Renders `sources` with `context`. `strict` refuses undefined variables (used to check a seller's template
/// when it is saved); sending is lenient, so an unknown variable renders empty rather than losing the e-mail.
pub fn render<C: Serialize>(
    sources: &TemplateSources,
    context: &C,
    strict: bool,
) -> Result<RenderedEmail, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(if strict { UndefinedBehavior::Strict } else { UndefinedBehavior::Lenient });
    // `.html` templates escape HTML (minijinja's default for that extension); text and subject do not.
    for (name, source) in PARTIALS {
        env.add_template(name, source).map_err(|e| error("built-in", e))?;
    }
    env.add_template("email.subject", &sources.subject).map_err(|e| error("subject", e))?;
    env.add_template("email.html", &sources.html).map_err(|e| error("HTML", e))?;
    env.add_template("email.txt", &sources.text).map_err(|e| error("text", e))?;
    let value = minijinja::Value::from(minijinja::value::Serde(context));
    let subject = env
        .get_template("email.subject")
        .and_then(|t| t.render(&value))
        .map_err(|e| error("subject", e))?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let with_subject = minijinja::context! { subject => subject.clone(), ..value };
    let html = env.get_template("email.html").and_then(|t| t.render(&with_subject)).map_err(|e| error("HTML", e))?;
    let text = env.get_template("email.txt").and_then(|t| t.render(&with_subject)).map_err(|e| error("text", e))?;
    Ok(RenderedEmail { subject, html, text })
}

fn error(part: &'static str, e: minijinja::Error) -> TemplateError {
    let mut detail = e.to_string();
    if let Some(line) = e.line() {
        detail = format!("line {line}: {detail}");
    }
    TemplateError { part, detail }
}
