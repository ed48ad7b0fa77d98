//! Shipments: what left (or will leave) the warehouse for an order, in packages with their lines and
//! quantities, tracking numbers, the carrier fee actually charged and the notes to the buyer.
//!
//! A label purchase is idempotent per (order, package sequence): the shipment is recorded as `Purchasing`
//! with its reference BEFORE the carrier is called, so after a crash or timeout Wharf looks the shipment up by
//! that reference at the carrier before it ever buys again.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, BatchId, CarrierAccountId, OrderId, ShipmentId, StoreId, WarehouseId};
use crate::measure::{Dimensions, Weight};
use crate::money::Money;
use crate::order::Confirmation;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    pub shipment_id: ShipmentId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub order_id: OrderId,
    pub kind: ShipmentKind,
    pub state: ShipmentState,
    /// Wharf's carrier code (`ups`, `usps`, `other`...) or, for labels bought elsewhere, any Sears carrier code.
    pub carrier_code: String,
    pub service_code: String,
    #[serde(default)]
    pub package_code: Option<String>,
    /// The Sears carrier and method the shipment update will carry.
    #[serde(default)]
    pub sears_carrier: Option<String>,
    #[serde(default)]
    pub sears_method: Option<String>,
    #[serde(default)]
    pub carrier_account_id: Option<CarrierAccountId>,
    #[serde(default)]
    pub warehouse_id: Option<WarehouseId>,
    #[serde(default)]
    pub batch_id: Option<BatchId>,
    /// The idempotency reference sent to the carrier with the purchase (and used to look it up after a crash).
    pub reference: String,
    /// The carrier's id of the shipment (UPS: the shipment identification number), once bought.
    #[serde(default)]
    pub carrier_shipment_id: Option<String>,
    pub ship_date: Date,
    pub confirmation: Confirmation,
    pub packages: Vec<ShipmentPackage>,
    /// The amount the carrier actually charged (SPEC.md decision 10: Sears never hears of it; Wharf keeps it).
    #[serde(default)]
    pub carrier_fee: Option<Money>,
    #[serde(default)]
    pub insurance_cost: Option<Money>,
    /// Notes to the buyer, copied from the order when the shipment is made; they go in the shipment e-mail.
    #[serde(default)]
    pub notes_to_buyer: Option<String>,
    /// A test label: rendered without buying, not valid for shipping, never reported to anyone.
    #[serde(default)]
    pub test_label: bool,
    #[serde(default)]
    pub error: Option<String>,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
    #[serde(default)]
    pub voided_at: Option<Timestamp>,
    #[serde(default)]
    pub tracking: TrackingSummary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentKind {
    /// A label Wharf bought from a carrier account.
    Label,
    /// Shipped with a label bought elsewhere (`wharf orders mark-shipped`).
    Manual,
    /// Shipped outside Wharf and seen in Sears's `po-shipment-info` (decision 8); never reported by Wharf.
    External,
    /// Collected by the buyer (Sears pickup orders: carrier OTH, method Pickup).
    Pickup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentState {
    /// The purchase was recorded and the carrier is being (or was being) called: after a crash, look it up by
    /// reference before buying again.
    Purchasing,
    /// Bought (or recorded) and valid.
    Active,
    /// The purchase failed; nothing was bought. The order can be fixed and bought again.
    Failed,
    Voided,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentPackage {
    /// 1-based within the shipment; with the order, the purchase's idempotency key.
    pub sequence: u32,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub weight: Option<Weight>,
    #[serde(default)]
    pub dimensions: Option<Dimensions>,
    /// What is in this package: order lines and quantities (a line may be split over packages).
    pub lines: Vec<PackageLine>,
    /// The label as the carrier returned it (or as Wharf drew it), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageLine {
    /// The order item's line key (the Sears line number).
    pub line_item_key: String,
    pub sku: String,
    pub quantity: u32,
}

/// A label image or program, stored with the shipment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelFile {
    /// `gif`, `png`, `zpl` or `pdf`.
    pub format: String,
    /// Base64 of the bytes.
    pub data: String,
}

/// Where the packages are, as the carrier last said.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingSummary {
    #[serde(default)]
    pub status: TrackingStatus,
    #[serde(default)]
    pub estimated_delivery: Option<Date>,
    #[serde(default)]
    pub delivered_at: Option<Timestamp>,
    #[serde(default)]
    pub last_checked_at: Option<Timestamp>,
    #[serde(default)]
    pub events: Vec<TrackingEvent>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    #[default]
    Unknown,
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingEvent {
    pub occurred_at: Timestamp,
    pub status: TrackingStatus,
    pub description: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
}

impl Shipment {
    /// Counts toward what the order has shipped: bought (or recorded) and not voided, and not a test label.
    pub fn counts_as_shipped(&self) -> bool {
        self.state == ShipmentState::Active && !self.test_label
    }

    /// Sears requires that the buyer be e-mailed carrier and tracking when the carrier is OTH (decision 11): by
    /// the Sears carrier recorded on the shipment, else the one its carrier and service map to.
    pub fn requires_buyer_notice(&self) -> bool {
        match &self.sears_carrier {
            Some(carrier) => carrier.eq_ignore_ascii_case("OTH"),
            None => crate::shipping_codes::ShippingCodes::sears_code_for(&self.carrier_code, &self.service_code)
                .is_ok_and(|code| code.requires_buyer_notice()),
        }
    }

    pub fn tracking_numbers(&self) -> impl Iterator<Item = &str> {
        self.packages.iter().filter_map(|p| p.tracking_number.as_deref())
    }

    /// Quantity of a line across this shipment's packages.
    pub fn quantity_of(&self, line_item_key: &str) -> u32 {
        self.packages
            .iter()
            .flat_map(|p| &p.lines)
            .filter(|l| l.line_item_key == line_item_key)
            .map(|l| l.quantity)
            .sum()
    }
}

/// The idempotency reference for buying the labels of an order's shipment: stable across retries and crashes
/// (so the carrier lookup finds a purchase that answered too late), new for a deliberate re-purchase after a
/// void (`attempt` counts the order's purchases).
pub fn purchase_reference(order_key: &str, attempt: u32) -> String {
    format!("WH{order_key}-{attempt}")
}
