//! Purchase orders as the sandbox keeps them: what Sears sends in a `po-response` (SPEC.md §4.2-4.3) plus each
//! line's quantity buckets (open, shipped, cancelled) that ASNs, cancellations and the Seller Portal move.

use jiff::civil::{Date, DateTime, Time};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::SandboxError;

/// Order statuses the sandbox itself sets. Seeds and the control API may use any other string (Sears allows custom
/// statuses, SPEC.md §4.6).
pub mod status {
    pub const NEW: &str = "New";
    pub const OPEN: &str = "Open";
    pub const CLOSED: &str = "Closed";
    pub const READY_TO_INVOICE: &str = "Ready to Invoice";
}

/// `po-line-detail/po-line-status` of each quantity bucket (the v4 sample writes `NEW` in upper case).
pub mod line_status {
    pub const OPEN: &str = "NEW";
    pub const SHIPPED: &str = "SHIPPED";
    pub const CANCELLED: &str = "CANCELLED";
}

/// The tracking number Sears shows when none was given (v19 XSD annotation).
pub const NO_TRACKING: &str = "Not Available";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    /// Digits, kept as text: leading zeros are significant.
    pub po_number: String,
    pub po_date: Date,
    pub po_time: Time,
    pub status: String,
    pub customer_order_confirmation_number: Option<String>,
    pub customer_email: Option<String>,
    pub customer_name: String,
    pub unit: Option<String>,
    pub site: Option<String>,
    pub channel: Option<String>,
    pub location_id: Option<String>,
    pub pickup: Option<Pickup>,
    pub expected_ship_date: Date,
    /// v16+
    pub promised_date: Option<Date>,
    pub shipping: ShippingDetail,
    pub ship_to_store: Option<ShipToStore>,
    pub lines: Vec<PoLine>,
    /// `po-shipment-info/shipment`, in the order they were recorded.
    pub shipments: Vec<ShipmentInfo>,
    /// v13+
    pub tax_reference: Option<TaxReference>,
    /// v15+
    pub tax_certificate_url: Option<String>,
    /// v15+
    pub tax_remitted_to_seller: Option<String>,
    /// v19
    pub lease_order: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingDetail {
    pub ship_to_name: String,
    /// One element per address line; an order "without a shipping address" has blank lines, city, state and zip.
    pub address: Vec<String>,
    pub city: String,
    pub state: String,
    pub zipcode: String,
    pub phone: String,
    /// The service the buyer chose: `Ground`, `Priority`, `Express`.
    pub shipping_method: String,
    #[serde(default)]
    pub carrier: Option<String>,
}

/// `lmp-details`: a store-pickup order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pickup {
    pub order_type: String,
    pub pickup_ind: String,
    pub location: PickupLocation,
    #[serde(default)]
    pub delivery_instructions: Option<String>,
    #[serde(default)]
    pub dropoff_ind: Option<String>,
    #[serde(default)]
    pub delivery_date: Option<Date>,
    #[serde(default)]
    pub expected_pickup_date: Option<DateTime>,
    pub ucc_barcode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PickupLocation {
    pub name: String,
    pub address: Vec<String>,
    pub city: String,
    pub state: String,
    pub zipcode: String,
    pub phone: String,
}

/// `ship-to-store-detail`: the order ships to a store; the buyer's own address stays in `shipping-detail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipToStore {
    pub address: String,
    pub city: String,
    pub state: String,
    pub zipcode: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub store_delivery_date: Option<Date>,
    pub ucc_barcode: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaxReference {
    pub delivery_tax_code: Option<String>,
    pub tax_rate: Option<String>,
    pub avp_taxing_jx_geo_code: Option<String>,
    pub avp_taxing_jx_county: Option<String>,
    pub transfer_to_state_code: Option<String>,
    pub ship_to_taxware_geo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipmentInfo {
    pub ship_method: String,
    pub tracking_number: String,
}

/// `fees/fee`: an amount with a free-text `type`. Discounts are negative amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    #[serde(rename = "type")]
    pub fee_type: String,
    pub amount: Decimal,
}

/// How much of a line is in each state. `open + shipped + cancelled == order_quantity` always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuantities {
    pub open: u32,
    pub shipped: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoLine {
    pub line_number: u32,
    pub item_id: String,
    pub item_name: String,
    /// v15+
    pub item_class_id: Option<u64>,
    /// v16+
    pub oms_order_item_id: Option<String>,
    /// v16+
    pub oms_parent_order_item_id: Option<String>,
    pub handling_instructions: Option<String>,
    pub handling_ind: Option<String>,
    pub selling_price_each: Decimal,
    pub order_quantity: u32,
    /// Per unit: the synthetic v19 sample's 0.51 x 10 = 5.10 total commission (SPEC.md §4.3).
    pub commission: Decimal,
    pub sales_tax: Option<Decimal>,
    pub shipping_and_handling: Decimal,
    pub shipping_tax: Option<Decimal>,
    pub fees: Vec<Fee>,
    /// v18+
    pub shipping_commission: Option<Decimal>,
    /// Written as `<gift-message-details><gift-message>text</gift-message></gift-message-details>`.
    pub gift_message: Option<String>,
    /// Written in the line's first `po-line-detail`.
    pub internal_memo: Option<String>,
    pub external_memo: Option<String>,
    /// Set while a customer cancellation request for this line is pending.
    pub customer_cancellation_warning: Option<String>,
    pub quantities: LineQuantities,
}

impl PoLine {
    /// `unit-cost`: selling price each minus commission (sample comment, SPEC.md §4.3).
    pub fn unit_cost(&self) -> Decimal {
        self.selling_price_each - self.commission
    }

    pub fn is_done(&self) -> bool {
        self.quantities.open == 0
    }
}

/// Order totals as the `po-response` shows them, computed from the lines (documented in SEED.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    /// Sum of selling price x quantity.
    pub order_total_sell_price: Decimal,
    /// Sum of commission x quantity.
    pub total_commission: Decimal,
    pub total_shipping_handling: Decimal,
    pub total_sales_tax: Decimal,
    pub total_shipping_tax: Decimal,
    /// Sum of all fee amounts (discounts are negative).
    pub total_fees: Decimal,
    /// Sell price - commission + shipping and handling (sample comment).
    pub balance_due: Decimal,
    /// Sell price + shipping and handling + sales tax + shipping tax + fees.
    pub total_order_value: Decimal,
}

impl PurchaseOrder {
    /// `po-number-with-date`: `yyyyMMdd` + po-number.
    pub fn po_number_with_date(&self) -> String {
        format!("{}{}", self.po_date.strftime("%Y%m%d"), self.po_number)
    }

    pub fn line(&self, line_number: u32) -> Option<&PoLine> {
        self.lines.iter().find(|l| l.line_number == line_number)
    }

    pub fn line_mut(&mut self, line_number: u32) -> Option<&mut PoLine> {
        self.lines.iter_mut().find(|l| l.line_number == line_number)
    }

    pub fn totals(&self) -> OrderTotals {
        let mut t = OrderTotals {
            order_total_sell_price: Decimal::ZERO,
            total_commission: Decimal::ZERO,
            total_shipping_handling: Decimal::ZERO,
            total_sales_tax: Decimal::ZERO,
            total_shipping_tax: Decimal::ZERO,
            total_fees: Decimal::ZERO,
            balance_due: Decimal::ZERO,
            total_order_value: Decimal::ZERO,
        };
        for line in &self.lines {
            let quantity = Decimal::from(line.order_quantity);
            t.order_total_sell_price += line.selling_price_each * quantity;
            t.total_commission += line.commission * quantity;
            t.total_shipping_handling += line.shipping_and_handling;
            t.total_sales_tax += line.sales_tax.unwrap_or_default();
            t.total_shipping_tax += line.shipping_tax.unwrap_or_default();
            t.total_fees += line.fees.iter().map(|f| f.amount).sum::<Decimal>();
        }
        t.balance_due = t.order_total_sell_price - t.total_commission + t.total_shipping_handling;
        t.total_order_value = t.order_total_sell_price
            + t.total_shipping_handling
            + t.total_sales_tax
            + t.total_shipping_tax
            + t.total_fees;
        t
    }

    /// After an ASN or cancellation: `Closed` when every line is shipped or cancelled, otherwise `Open`.
    pub(crate) fn settle_status(&mut self) {
        self.status = if self.lines.iter().all(PoLine::is_done) { status::CLOSED } else { status::OPEN }.to_owned();
    }

    /// Records a `po-shipment-info/shipment` unless the same one is already there.
    pub(crate) fn record_shipment(&mut self, shipment: ShipmentInfo) {
        if !self.shipments.contains(&shipment) {
            self.shipments.push(shipment);
        }
    }
}

/// A whole order as a test or the control API describes it; everything but the lines has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewOrder {
    /// The seller the order belongs to; the default seller when absent.
    pub seller_id: Option<String>,
    /// Digits; the sandbox picks the next free number when absent.
    pub po_number: Option<String>,
    /// Defaults to today (US Central).
    pub po_date: Option<Date>,
    /// Defaults to the current US Central time for today's orders, 12:00:00 otherwise.
    pub po_time: Option<Time>,
    /// Defaults to `New`, or `Open`/`Closed` when lines are created partly or wholly shipped or cancelled.
    pub status: Option<String>,
    pub customer_order_confirmation_number: Option<String>,
    pub customer_email: Option<String>,
    /// Defaults to the ship-to name.
    pub customer_name: Option<String>,
    pub unit: Option<String>,
    pub site: Option<String>,
    pub channel: Option<String>,
    pub location_id: Option<String>,
    pub pickup: Option<Pickup>,
    /// Defaults to the PO date + 2 days (Sears's 48-hour rule).
    pub expected_ship_date: Option<Date>,
    pub promised_date: Option<Date>,
    /// Defaults to a sandbox address in Hoffman Estates, IL.
    pub shipping: Option<ShippingDetail>,
    pub ship_to_store: Option<ShipToStore>,
    pub lines: Vec<NewLine>,
    pub shipments: Vec<ShipmentInfo>,
    pub tax_reference: Option<TaxReference>,
    pub tax_certificate_url: Option<String>,
    pub tax_remitted_to_seller: Option<String>,
    pub lease_order: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewLine {
    /// Defaults to the line's position (1-based).
    pub line_number: Option<u32>,
    pub item_id: String,
    /// Defaults to the item-id.
    pub item_name: Option<String>,
    pub quantity: u32,
    pub selling_price_each: Decimal,
    /// Per unit; defaults to 10% of the price.
    pub commission: Option<Decimal>,
    pub sales_tax: Option<Decimal>,
    pub shipping_and_handling: Decimal,
    pub shipping_tax: Option<Decimal>,
    pub fees: Vec<Fee>,
    pub shipping_commission: Option<Decimal>,
    pub item_class_id: Option<u64>,
    pub oms_order_item_id: Option<String>,
    pub oms_parent_order_item_id: Option<String>,
    pub handling_instructions: Option<String>,
    pub handling_ind: Option<String>,
    pub gift_message: Option<String>,
    pub internal_memo: Option<String>,
    pub external_memo: Option<String>,
    /// Quantity already shipped when the order is created.
    pub shipped: u32,
    /// Quantity already cancelled when the order is created.
    pub cancelled: u32,
}

impl Default for NewLine {
    fn default() -> Self {
        Self {
            line_number: None,
            item_id: String::new(),
            item_name: None,
            quantity: 1,
            selling_price_each: Decimal::ZERO,
            commission: None,
            sales_tax: None,
            shipping_and_handling: Decimal::ZERO,
            shipping_tax: None,
            fees: Vec::new(),
            shipping_commission: None,
            item_class_id: None,
            oms_order_item_id: None,
            oms_parent_order_item_id: None,
            handling_instructions: None,
            handling_ind: None,
            gift_message: None,
            internal_memo: None,
            external_memo: None,
            shipped: 0,
            cancelled: 0,
        }
    }
}

impl NewLine {
    pub fn new(item_id: impl Into<String>, quantity: u32, selling_price_each: Decimal) -> Self {
        Self { item_id: item_id.into(), quantity, selling_price_each, ..Self::default() }
    }
}

/// The address used when an order is created without one.
pub(crate) fn sandbox_address(name: &str) -> ShippingDetail {
    ShippingDetail {
        ship_to_name: name.to_owned(),
        address: vec!["3333 Beverly Rd".to_owned()],
        city: "Hoffman Estates".to_owned(),
        state: "IL".to_owned(),
        zipcode: "60179".to_owned(),
        phone: "8472862500".to_owned(),
        shipping_method: "Ground".to_owned(),
        carrier: None,
    }
}

/// What `NewOrder::build` needs from the marketplace.
pub(crate) struct BuildContext {
    pub today: Date,
    pub now_time: Time,
    pub po_number: String,
}

impl NewOrder {
    /// Checks the order and builds it. `ctx.po_number` is used when the order names none.
    pub(crate) fn build(self, ctx: BuildContext) -> Result<PurchaseOrder, SandboxError> {
        let invalid = |msg: String| SandboxError::InvalidOrder(msg);
        let po_number = self.po_number.unwrap_or(ctx.po_number);
        check_po_number(&po_number).map_err(invalid)?;
        let po_date = self.po_date.unwrap_or(ctx.today);
        let default_time = if po_date == ctx.today { ctx.now_time } else { Time::constant(12, 0, 0, 0) };
        let po_time = self
            .po_time
            .unwrap_or(default_time)
            .with()
            .subsec_nanosecond(0)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        if self.lines.is_empty() {
            return Err(invalid("an order needs at least one line".to_owned()));
        }
        let customer_name = self.customer_name.clone();
        let shipping =
            self.shipping.unwrap_or_else(|| sandbox_address(customer_name.as_deref().unwrap_or("Sandbox Customer")));
        let customer_name = customer_name.unwrap_or_else(|| shipping.ship_to_name.clone());

        let mut lines = Vec::with_capacity(self.lines.len());
        for (index, line) in self.lines.into_iter().enumerate() {
            let line_number = line.line_number.unwrap_or(index as u32 + 1);
            if line_number == 0 {
                return Err(invalid("line numbers start at 1".to_owned()));
            }
            if lines.iter().any(|l: &PoLine| l.line_number == line_number) {
                return Err(invalid(format!("line number {line_number} appears twice")));
            }
            if line.quantity == 0 {
                return Err(invalid(format!("line {line_number}: quantity must be at least 1")));
            }
            let done = line.shipped.checked_add(line.cancelled).filter(|d| *d <= line.quantity);
            let Some(done) = done else {
                return Err(invalid(format!(
                    "line {line_number}: shipped ({}) + cancelled ({}) exceed the quantity {}",
                    line.shipped, line.cancelled, line.quantity
                )));
            };
            if line.item_id.trim().is_empty() {
                return Err(invalid(format!("line {line_number}: item_id is required")));
            }
            check_len("item_id", &line.item_id, 50).map_err(invalid)?;
            let commission = line.commission.unwrap_or_else(|| (line.selling_price_each / Decimal::TEN).round_dp(2));
            lines.push(PoLine {
                line_number,
                item_name: line.item_name.unwrap_or_else(|| line.item_id.clone()),
                item_id: line.item_id,
                item_class_id: line.item_class_id.filter(|id| *id > 0),
                oms_order_item_id: line.oms_order_item_id,
                oms_parent_order_item_id: line.oms_parent_order_item_id,
                handling_instructions: line.handling_instructions,
                handling_ind: line.handling_ind,
                selling_price_each: line.selling_price_each,
                order_quantity: line.quantity,
                commission,
                sales_tax: line.sales_tax,
                shipping_and_handling: line.shipping_and_handling,
                shipping_tax: line.shipping_tax,
                fees: line.fees,
                shipping_commission: line.shipping_commission,
                gift_message: line.gift_message,
                internal_memo: line.internal_memo,
                external_memo: line.external_memo,
                customer_cancellation_warning: None,
                quantities: LineQuantities {
                    open: line.quantity - done,
                    shipped: line.shipped,
                    cancelled: line.cancelled,
                },
            });
        }

        let mut order = PurchaseOrder {
            po_number,
            po_date,
            po_time,
            status: String::new(),
            customer_order_confirmation_number: self.customer_order_confirmation_number,
            customer_email: self.customer_email,
            customer_name,
            unit: self.unit,
            site: self.site,
            channel: self.channel,
            location_id: self.location_id,
            pickup: self.pickup,
            expected_ship_date: self
                .expected_ship_date
                .unwrap_or_else(|| po_date.saturating_add(jiff::Span::new().days(2))),
            promised_date: self.promised_date,
            shipping,
            ship_to_store: self.ship_to_store,
            lines,
            shipments: self.shipments,
            tax_reference: self.tax_reference,
            tax_certificate_url: self.tax_certificate_url,
            tax_remitted_to_seller: self.tax_remitted_to_seller,
            lease_order: self.lease_order,
        };
        match self.status {
            Some(status) => order.status = status,
            None if order.lines.iter().all(|l| l.quantities.shipped == 0 && l.quantities.cancelled == 0) => {
                order.status = status::NEW.to_owned()
            }
            None => order.settle_status(),
        }
        check_order_text(&order).map_err(invalid)?;
        Ok(order)
    }
}

/// PO numbers are digits (the request feeds type them as positive integers), kept as text for leading zeros.
pub(crate) fn check_po_number(po_number: &str) -> Result<(), String> {
    if po_number.is_empty() || po_number.len() > 20 || !po_number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("po_number '{po_number}' must be 1 to 20 digits"));
    }
    if po_number.bytes().all(|b| b == b'0') {
        return Err("po_number must not be zero".to_owned());
    }
    Ok(())
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), String> {
    let chars = value.chars().count();
    if chars > max {
        return Err(format!("{field} is {chars} characters; the Sears XSD allows at most {max}"));
    }
    Ok(())
}

/// XML 1.0 cannot carry most control characters, even escaped; refuse them up front so every document the sandbox
/// writes stays well-formed.
fn check_xml_text(field: &str, value: &str) -> Result<(), String> {
    match value
        .chars()
        .find(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'))
    {
        Some(c) => Err(format!("{field} contains the character U+{:04X}, which XML cannot carry", c as u32)),
        None => Ok(()),
    }
}

fn check_order_text(order: &PurchaseOrder) -> Result<(), String> {
    check_len("customer_name", &order.customer_name, 100)?;
    check_len("shipping.ship_to_name", &order.shipping.ship_to_name, 100)?;
    if order.shipping.address.is_empty() {
        return Err("shipping.address needs at least one line (it may be blank)".to_owned());
    }
    if let Some(pickup) = &order.pickup
        && pickup.location.address.is_empty()
    {
        return Err("pickup.location.address needs at least one line".to_owned());
    }
    for shipment in &order.shipments {
        check_len("shipments.tracking_number", &shipment.tracking_number, 45)?;
    }
    // Every string the order holds ends up in XML; serde_json gives a cheap walk over all of them.
    let value = serde_json::to_value(order).map_err(|e| e.to_string())?;
    walk_strings(&value, &mut |s| check_xml_text("a text field", s))
}

fn walk_strings(value: &serde_json::Value, check: &mut impl FnMut(&str) -> Result<(), String>) -> Result<(), String> {
    match value {
        serde_json::Value::String(s) => check(s),
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| walk_strings(v, check)),
        serde_json::Value::Object(map) => map.values().try_for_each(|v| walk_strings(v, check)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use std::str::FromStr;

    fn ctx() -> BuildContext {
        BuildContext {
            today: date(2024, 5, 3),
            now_time: Time::constant(10, 11, 12, 0),
            po_number: "7000001".to_owned(),
        }
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn defaults_fill_an_order_from_its_lines() {
        let order = NewOrder { lines: vec![NewLine::new("SKU-1", 10, dec("1.50"))], ..NewOrder::default() }
            .build(ctx())
            .unwrap();
        assert_eq!(order.po_number, "7000001");
        assert_eq!(order.po_date, date(2024, 5, 3));
        assert_eq!(order.po_time, Time::constant(10, 11, 12, 0));
        assert_eq!(order.expected_ship_date, date(2024, 5, 5));
        assert_eq!(order.status, "New");
        assert_eq!(order.po_number_with_date(), "202405037000001");
        assert_eq!(order.lines[0].commission, dec("0.15"));
        assert_eq!(order.lines[0].quantities, LineQuantities { open: 10, shipped: 0, cancelled: 0 });
    }

    #[test]
    fn totals_follow_the_documented_formulas() {
        // The synthetic v19 sample's numbers: 10 x 1.50, commission 0.51 each, S&H 6.25.
        let mut line = NewLine::new("53a25d45cea2248b23000027", 10, dec("1.50"));
        line.commission = Some(dec("0.51"));
        line.shipping_and_handling = dec("6.25");
        line.sales_tax = Some(dec("3.45"));
        line.fees = vec![Fee { fee_type: "Promo Discount".to_owned(), amount: dec("-1.00") }];
        let order = NewOrder { lines: vec![line], ..NewOrder::default() }.build(ctx()).unwrap();
        let t = order.totals();
        assert_eq!(t.order_total_sell_price, dec("15.00"));
        assert_eq!(t.total_commission, dec("5.10"));
        assert_eq!(t.balance_due, dec("16.15"));
        assert_eq!(t.total_order_value, dec("23.70"));
    }

    #[test]
    fn rejects_what_sears_documents_cannot_carry() {
        let bad = |order: NewOrder| order.build(ctx()).unwrap_err().to_string();
        let line = || NewLine::new("SKU", 1, dec("1.00"));
        assert!(bad(NewOrder::default()).contains("at least one line"));
        assert!(
            bad(NewOrder { po_number: Some("12a".into()), lines: vec![line()], ..Default::default() })
                .contains("digits")
        );
        assert!(
            bad(NewOrder { po_number: Some("000".into()), lines: vec![line()], ..Default::default() }).contains("zero")
        );
        let long_sku = NewLine::new("X".repeat(51), 1, dec("1.00"));
        assert!(bad(NewOrder { lines: vec![long_sku], ..Default::default() }).contains("at most 50"));
        let over = NewLine { shipped: 2, cancelled: 1, ..NewLine::new("SKU", 2, dec("1.00")) };
        assert!(bad(NewOrder { lines: vec![over], ..Default::default() }).contains("exceed"));
        let control = NewOrder { customer_name: Some("Bell\u{7}".into()), lines: vec![line()], ..Default::default() };
        assert!(bad(control).contains("U+0007"));
    }

    #[test]
    fn partly_done_lines_set_open_or_closed() {
        let partial = NewLine { shipped: 1, ..NewLine::new("A", 3, dec("2.00")) };
        let order = NewOrder { lines: vec![partial], ..Default::default() }.build(ctx()).unwrap();
        assert_eq!(order.status, "Open");
        assert_eq!(order.lines[0].quantities, LineQuantities { open: 2, shipped: 1, cancelled: 0 });
        let done = NewLine { shipped: 1, cancelled: 2, ..NewLine::new("A", 3, dec("2.00")) };
        let order = NewOrder { lines: vec![done], ..Default::default() }.build(ctx()).unwrap();
        assert_eq!(order.status, "Closed");
    }
}
