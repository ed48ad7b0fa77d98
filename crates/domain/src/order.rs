//! The order: everything a seller needs to ship it, in ShipStation's field names and casing (the shape the
//! JSON output and the later ShipStation-compatible API serve), with the Sears facts under `sears`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::ids::{AccountId, OrderId, ProductId, RuleId, StoreId, WarehouseId};
use crate::measure::{Dimensions, Weight};
use crate::money::Money;
use crate::status::OrderStatus;

/// The length from which Sears cannot take a SKU in a shipment update (SPEC.md §5.5, decision 5).
pub const SEARS_ASN_SKU_LIMIT: usize = 42;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: OrderId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    /// What the seller looks the order up by: the Sears PO number.
    pub order_number: String,
    /// The unique channel key: Sears's `po-number-with-date`.
    pub order_key: String,
    pub order_date: Timestamp,
    pub create_date: Timestamp,
    pub modify_date: Timestamp,
    #[serde(default)]
    pub payment_date: Option<Timestamp>,
    #[serde(default)]
    pub ship_by_date: Option<Timestamp>,
    pub order_status: OrderStatus,
    #[serde(default)]
    pub customer_username: Option<String>,
    #[serde(default)]
    pub customer_email: Option<String>,
    #[serde(default)]
    pub customer_phone: Option<String>,
    pub bill_to: Address,
    pub ship_to: Address,
    pub delivery_method: DeliveryMethod,
    pub items: Vec<OrderItem>,
    pub order_total: Money,
    pub amount_paid: Money,
    pub tax_amount: Money,
    pub shipping_amount: Money,
    #[serde(default)]
    pub discounts: Vec<Discount>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub customer_notes: Option<String>,
    #[serde(default)]
    pub internal_notes: Option<String>,
    /// Notes the seller writes to the buyer; they travel in the shipment e-mail (SPEC.md decision 10).
    #[serde(default)]
    pub notes_to_buyer: Option<String>,
    pub gift: bool,
    #[serde(default)]
    pub gift_message: Option<String>,
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub requested_shipping_service: Option<String>,
    #[serde(default)]
    pub carrier_code: Option<String>,
    #[serde(default)]
    pub service_code: Option<String>,
    #[serde(default)]
    pub package_code: Option<String>,
    #[serde(default)]
    pub confirmation: Confirmation,
    #[serde(default)]
    pub ship_date: Option<Date>,
    #[serde(default)]
    pub hold_until_date: Option<Date>,
    #[serde(default)]
    pub weight: Option<Weight>,
    #[serde(default)]
    pub dimensions: Option<Dimensions>,
    #[serde(default)]
    pub insurance_options: InsuranceOptions,
    #[serde(default)]
    pub international_options: Option<InternationalOptions>,
    pub advanced_options: AdvancedOptions,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where order-level values came from when Sears did not send them (`weight` -> items, `serviceCode` ->
    /// a rule...), so a seller can answer "why is this order like this?".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, ValueSource>,
    /// Things the seller should know about this order, shown wherever the order is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<OrderNotice>,
    /// The state of telling the marketplace what shipped (SPEC.md decision 7).
    #[serde(default)]
    pub marketplace_update: MarketplaceUpdate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sears: Option<SearsOrder>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// The channel's line id: the Sears `line-number`.
    pub line_item_key: String,
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub image_url: Option<String>,
    /// Per unit.
    #[serde(default)]
    pub weight: Option<Weight>,
    pub quantity: u32,
    pub unit_price: Money,
    #[serde(default)]
    pub tax_amount: Money,
    #[serde(default)]
    pub shipping_amount: Money,
    #[serde(default)]
    pub warehouse_location: Option<String>,
    #[serde(default)]
    pub options: Vec<ItemOption>,
    #[serde(default)]
    pub product_id: Option<ProductId>,
    #[serde(default)]
    pub fulfillment_sku: Option<String>,
    #[serde(default)]
    pub adjustment: bool,
    #[serde(default)]
    pub upc: Option<String>,
    /// Where `imageUrl`, `weight`, `options` and `warehouseLocation` came from (SPEC.md decision 12).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, ValueSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sears: Option<SearsLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOption {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    #[default]
    Ship,
    /// The buyer collects the order (Sears `lmp-details` pickup): no label; completed with carrier OTH, PICKUP.
    Pickup,
    /// Shipped to a Sears store for the buyer to collect; the buyer's own address is kept as bill-to.
    ShipToStore,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discount {
    pub description: String,
    pub amount: Money,
    #[serde(default)]
    pub line_item_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fee {
    #[serde(rename = "type")]
    pub fee_type: String,
    pub amount: Money,
    #[serde(default)]
    pub line_item_key: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    #[default]
    None,
    Delivery,
    Signature,
    AdultSignature,
    DirectSignature,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsuranceOptions {
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub insure_shipment: bool,
    #[serde(default)]
    pub insured_value: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InternationalOptions {
    #[serde(default)]
    pub contents: Option<String>,
    #[serde(default)]
    pub customs_items: Vec<CustomsItem>,
    #[serde(default)]
    pub non_delivery: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomsItem {
    pub description: String,
    pub quantity: u32,
    pub value: Money,
    #[serde(default)]
    pub harmonized_tariff_code: Option<String>,
    #[serde(default)]
    pub country_of_origin: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedOptions {
    #[serde(default)]
    pub warehouse_id: Option<WarehouseId>,
    #[serde(default)]
    pub non_machinable: bool,
    #[serde(default)]
    pub saturday_delivery: bool,
    #[serde(default)]
    pub contains_alcohol: bool,
    pub store_id: StoreId,
    #[serde(default)]
    pub custom_field1: Option<String>,
    #[serde(default)]
    pub custom_field2: Option<String>,
    #[serde(default)]
    pub custom_field3: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// Chosen by automation or the seller; `None` is the store's default template.
    #[serde(default)]
    pub packing_slip_template: Option<String>,
    #[serde(default)]
    pub email_template: Option<String>,
}

impl AdvancedOptions {
    pub fn new(store_id: StoreId) -> Self {
        AdvancedOptions {
            warehouse_id: None,
            non_machinable: false,
            saturday_delivery: false,
            contains_alcohol: false,
            store_id,
            custom_field1: None,
            custom_field2: None,
            custom_field3: None,
            source: None,
            packing_slip_template: None,
            email_template: None,
        }
    }

    /// Custom field 1, 2 or 3.
    pub fn custom_field(&self, number: u8) -> Option<&str> {
        match number {
            1 => self.custom_field1.as_deref(),
            2 => self.custom_field2.as_deref(),
            3 => self.custom_field3.as_deref(),
            _ => None,
        }
    }

    pub fn custom_field_mut(&mut self, number: u8) -> Option<&mut Option<String>> {
        match number {
            1 => Some(&mut self.custom_field1),
            2 => Some(&mut self.custom_field2),
            3 => Some(&mut self.custom_field3),
            _ => None,
        }
    }
}

/// Where a value on an order came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum ValueSource {
    /// Sent by the marketplace.
    Marketplace,
    /// Wharf's product catalog, by SKU.
    Catalog,
    /// Computed from the items (e.g. the order weight is the sum of item weights).
    Items,
    /// A product's shipping defaults.
    ProductDefault { sku: String },
    /// The store's service mapping for the requested service.
    ServiceMapping { requested: String },
    /// An automation rule.
    Rule {
        #[serde(rename = "ruleId")]
        rule_id: RuleId,
        #[serde(rename = "ruleName")]
        rule_name: String,
    },
    /// Set by the seller.
    Seller,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderNotice {
    /// Stable machine-readable code, e.g. `shipped_outside_wharf`.
    pub code: String,
    pub message: String,
    pub at: Timestamp,
}

/// The state of the marketplace shipment update for this order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceUpdate {
    pub state: MarketplaceUpdateState,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketplaceUpdateState {
    /// Nothing to tell the marketplace (not shipped yet, or shipped outside Wharf).
    #[default]
    NotNeeded,
    Pending,
    Sent,
    Accepted,
    Rejected,
    /// Wharf cannot send it (e.g. a SKU of 42+ characters): the seller updates Sears by hand.
    NeedsManualAction,
}

/// What Sears told us about the purchase order, kept as Sears said it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsOrder {
    pub po_number: String,
    pub po_date: Date,
    #[serde(default)]
    pub po_time: Option<Time>,
    pub po_number_with_date: String,
    #[serde(default)]
    pub customer_order_confirmation_number: Option<String>,
    /// Sears's own status, as sent (an open set).
    pub status: String,
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub expected_ship_date: Option<Date>,
    #[serde(default)]
    pub promised_date: Option<Date>,
    pub customer_name: String,
    #[serde(default)]
    pub shipping_carrier: Option<String>,
    #[serde(default)]
    pub pickup: Option<SearsPickup>,
    #[serde(default)]
    pub ship_to_store: Option<SearsShipToStore>,
    pub totals: SearsTotals,
    /// `po-shipment-info`: shipments Sears has recorded.
    #[serde(default)]
    pub shipments: Vec<SearsShipmentInfo>,
    #[serde(default)]
    pub tax_certificate_url: Option<String>,
    #[serde(default)]
    pub lease_order: Option<String>,
    /// The purchase-order API version the order was read with.
    pub api_version: u32,
    #[serde(default)]
    pub cancellation_requests: Vec<CustomerRequest>,
    #[serde(default)]
    pub return_requests: Vec<CustomerRequest>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsTotals {
    pub order_total_sell_price: Money,
    pub total_commission: Money,
    pub total_shipping_handling: Money,
    /// `total-sales-tax`, or v4's order-level `sales-tax`.
    pub total_sales_tax: Money,
    #[serde(default)]
    pub total_shipping_tax: Option<Money>,
    #[serde(default)]
    pub total_order_value: Option<Money>,
    pub balance_due: Money,
    #[serde(default)]
    pub tax_remitted_to_seller: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsPickup {
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub pickup_ind: Option<String>,
    #[serde(default)]
    pub location: Option<Address>,
    #[serde(default)]
    pub delivery_instructions: Option<String>,
    #[serde(default)]
    pub dropoff_ind: Option<String>,
    #[serde(default)]
    pub delivery_date: Option<Date>,
    #[serde(default)]
    pub expected_pickup_date: Option<String>,
    #[serde(default)]
    pub ucc_barcode: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsShipToStore {
    pub address: Address,
    #[serde(default)]
    pub store_delivery_date: Option<Date>,
    #[serde(default)]
    pub ucc_barcode: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsShipmentInfo {
    pub ship_method: String,
    pub tracking_number: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsLine {
    pub line_number: u32,
    pub item_id: String,
    #[serde(default)]
    pub item_class_id: Option<String>,
    #[serde(default)]
    pub oms_order_item_id: Option<String>,
    #[serde(default)]
    pub oms_parent_order_item_id: Option<String>,
    #[serde(default)]
    pub handling_instructions: Option<String>,
    #[serde(default)]
    pub handling_ind: Option<String>,
    #[serde(default)]
    pub unit_cost: Option<Money>,
    pub commission: Money,
    #[serde(default)]
    pub shipping_commission: Option<Money>,
    #[serde(default)]
    pub sales_tax: Option<Money>,
    #[serde(default)]
    pub shipping_tax: Option<Money>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// The line's quantity buckets (`po-line-detail`).
    #[serde(default)]
    pub statuses: Vec<SearsLineStatus>,
    #[serde(default)]
    pub customer_cancellation_warning: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsLineStatus {
    pub status: String,
    pub quantity: u32,
    #[serde(default)]
    pub internal_memo: Option<String>,
    #[serde(default)]
    pub external_memo: Option<String>,
}

/// A customer's cancellation or return request read from Sears.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRequest {
    pub request_id: String,
    pub line_number: u32,
    pub quantity: u32,
    pub status: String,
    pub reason: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub customer_comments: Option<String>,
}

impl Order {
    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    pub fn total_quantity(&self) -> u32 {
        self.items.iter().map(|i| i.quantity).sum()
    }

    /// Sum of item weights times quantities, when every shipped item has a weight.
    pub fn items_weight(&self) -> Option<Weight> {
        let physical: Vec<&OrderItem> = self.items.iter().filter(|i| !i.adjustment).collect();
        if physical.is_empty() {
            return None;
        }
        let weights: Option<Vec<Weight>> = physical.iter().map(|i| i.weight.map(|w| w.times(i.quantity))).collect();
        weights.map(|w| Weight::sum(&w))
    }

    /// Past its ship-by date and not yet shipped or cancelled.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        !self.order_status.is_final()
            && self.order_status != OrderStatus::AwaitingPayment
            && self.ship_by_date.is_some_and(|by| now > by)
    }

    /// The items whose SKU Sears cannot take in a shipment update (decision 5), with their lengths.
    pub fn skus_too_long_for_sears(&self) -> Vec<(&str, usize)> {
        self.items
            .iter()
            .map(|i| (i.sku.as_str(), i.sku.chars().count()))
            .filter(|(_, len)| *len >= SEARS_ASN_SKU_LIMIT)
            .collect()
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Adds a tag unless present (tags compare case-insensitively); returns whether it was added.
    pub fn add_tag(&mut self, tag: &str) -> bool {
        if self.has_tag(tag) {
            return false;
        }
        self.tags.push(tag.to_owned());
        true
    }

    /// Appends a line to the internal notes.
    pub fn append_internal_note(&mut self, note: &str) {
        self.internal_notes = Some(match self.internal_notes.take() {
            Some(existing) if !existing.is_empty() => format!("{existing}\n{note}"),
            _ => note.to_owned(),
        });
    }

    pub fn notice(&self, code: &str) -> Option<&OrderNotice> {
        self.notices.iter().find(|n| n.code == code)
    }
}

/// The message decision 5 prescribes for a SKU Sears cannot take.
pub fn sku_too_long_message(sku_len: usize) -> String {
    format!(
        "SKU is {sku_len} characters; Sears shipment updates need fewer than {SEARS_ASN_SKU_LIMIT} — update this \
         order manually in the Sears Seller Portal"
    )
}
