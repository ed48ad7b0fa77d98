//! A connected marketplace store and its settings.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, StoreId};
use crate::import_policy::ImportPolicy;
use crate::service_mapping::ServiceMapping;
use crate::status::StatusMapping;

/// An account (tenant): owns stores, products, rules and orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_id: AccountId,
    pub name: String,
    /// Where alerts go (imports failing, orders past ship-by, rejected Sears updates...).
    #[serde(default)]
    pub alert_email: Option<String>,
    pub create_date: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub store_id: StoreId,
    pub account_id: AccountId,
    pub store_name: String,
    pub marketplace: Marketplace,
    /// How Wharf reaches the marketplace. The secret (Sears authorization key) is stored apart, encrypted,
    /// and never part of this struct.
    pub connection: SearsConnection,
    pub settings: StoreSettings,
    pub active: bool,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Marketplace {
    Sears,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsConnection {
    pub seller_id: String,
    pub email: String,
    /// `https://seller.marketplace.sears.com`, or a sandbox's URL.
    pub base_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreSettings {
    #[serde(default)]
    pub branding: Branding,
    #[serde(default)]
    pub notifications: Notifications,
    #[serde(default)]
    pub status_mapping: StatusMapping,
    #[serde(default)]
    pub service_mapping: ServiceMapping,
    #[serde(default = "default_window_days")]
    pub import_window_days: u32,
    #[serde(default = "default_true")]
    pub auto_import: bool,
    #[serde(default = "default_interval")]
    pub import_interval_minutes: u32,
}

fn default_window_days() -> u32 {
    ImportPolicy::DEFAULT_WINDOW_DAYS
}
fn default_true() -> bool {
    true
}
fn default_interval() -> u32 {
    StoreSettings::DEFAULT_IMPORT_INTERVAL_MINUTES
}

impl StoreSettings {
    pub const DEFAULT_IMPORT_INTERVAL_MINUTES: u32 = 5;

    pub fn import_policy(&self) -> ImportPolicy {
        ImportPolicy::with_window_days(self.import_window_days)
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            branding: Branding::default(),
            notifications: Notifications::default(),
            status_mapping: StatusMapping::default(),
            service_mapping: ServiceMapping::default(),
            import_window_days: default_window_days(),
            auto_import: true,
            import_interval_minutes: default_interval(),
        }
    }
}

/// What packing slips and customer e-mails show of the seller.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Branding {
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub logo_url: Option<String>,
    /// `#RRGGBB`.
    #[serde(default)]
    pub primary_color: Option<String>,
    #[serde(default)]
    pub accent_color: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// Customer e-mails, each on or off per store (off by default, as in ShipStation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notifications {
    #[serde(default)]
    pub shipment_confirmation: bool,
    #[serde(default)]
    pub delivery_confirmation: bool,
}

/// Checks a `#RRGGBB` color.
pub fn parse_color(text: &str) -> Result<String, crate::error::ParseError> {
    let t = text.trim();
    let ok = t.len() == 7 && t.starts_with('#') && t[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(crate::error::ParseError::new("color", text, "write a color as #RRGGBB, e.g. #1f6feb"))
    }
}
