//! The `po-response` document of `GET /oms/purchaseorder/v{N}`, written in the element set and order of the version
//! asked for (SPEC.md §4.2-4.5; element order from the v13 and v19 XSDs).
//!
//! | versions | shape |
//! |---|---|
//! | v4-v12 | order-level `sales-tax` where v13 has `total-sales-tax`; no `tax-reference`, `total-shipping-tax`, `total-order-value` (v4 is the only pre-v13 shape SPEC.md knows, so v5-v12 reuse it) |
//! | v13, v14 | the v13 XSD |
//! | v15 | + `item-class-id`, `tax-certificate-url`, `total-shipping-tax`, `total-order-value`, `tax-remitted-to-seller` |
//! | v16, v17 | + `promised-date`, `oms-order-item-id`, `oms-parent-order-item-id` |
//! | v18 | + `shipping-commission` |
//! | v19 | + `lease-order` (the v19 XSD) |

use crate::orders::{NO_TRACKING, PoLine, PurchaseOrder, line_status};
use crate::xml_writer::XmlWriter;

/// A purchase-order API version the sandbox serves (4 to 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PoVersion(u8);

impl PoVersion {
    pub const MIN: u8 = 4;
    pub const MAX: u8 = 19;

    pub fn new(version: u8) -> Option<Self> {
        (Self::MIN..=Self::MAX).contains(&version).then_some(Self(version))
    }

    /// Parses the path segment `v19`.
    pub fn from_path(segment: &str) -> Option<Self> {
        segment.strip_prefix('v')?.parse().ok().and_then(Self::new)
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn namespace(self) -> String {
        format!("http://seller.marketplace.sears.com/oms/v{}", self.0)
    }

    fn has_v13_totals(self) -> bool {
        self.0 >= 13
    }

    fn has_v15_fields(self) -> bool {
        self.0 >= 15
    }

    fn has_v16_fields(self) -> bool {
        self.0 >= 16
    }

    fn has_shipping_commission(self) -> bool {
        self.0 >= 18
    }

    fn has_lease_order(self) -> bool {
        self.0 >= 19
    }
}

/// Writes a whole `po-response` with these orders (callers answer `No POs found` when there are none).
pub(crate) fn render<'a>(version: PoVersion, orders: impl ExactSizeIterator<Item = &'a PurchaseOrder>) -> Vec<u8> {
    // About 2.5 KB per order; reserving up front avoids repeated reallocation of a large buffer.
    let mut w = XmlWriter::document(orders.len() * 2600 + 256);
    w.root("po-response", &version.namespace());
    w.newline();
    for order in orders {
        write_order(&mut w, version, order);
        w.newline();
    }
    w.close("po-response");
    w.newline();
    w.into_bytes()
}

fn write_order(w: &mut XmlWriter, v: PoVersion, o: &PurchaseOrder) {
    let totals = o.totals();
    w.open("purchase-order");
    w.leaf_opt("customer-order-confirmation-number", o.customer_order_confirmation_number.as_deref());
    w.leaf_opt("customer-email", o.customer_email.as_deref());
    w.leaf("po-number", &o.po_number);
    w.leaf_plain("po-date", o.po_date);
    w.leaf_plain("po-time", o.po_time);
    w.open("po-number-with-date");
    w.leaf_plain_inner(o.po_date.strftime("%Y%m%d"));
    w.text(&o.po_number);
    w.close("po-number-with-date");
    w.leaf_opt("unit", o.unit.as_deref());
    w.leaf_opt("site", o.site.as_deref());
    w.leaf_opt("channel", o.channel.as_deref());
    w.leaf_opt("location-id", o.location_id.as_deref());
    if let Some(p) = &o.pickup {
        w.open("lmp-details");
        w.leaf("order-type", &p.order_type);
        w.leaf("pickup-ind", &p.pickup_ind);
        w.open("pickup-location");
        w.leaf("name", &p.location.name);
        for line in &p.location.address {
            w.leaf("address", line);
        }
        w.leaf("city", &p.location.city);
        w.leaf("state", &p.location.state);
        w.leaf("zipcode", &p.location.zipcode);
        w.leaf("phone", &p.location.phone);
        w.close("pickup-location");
        w.leaf_opt("delivery-instructions", p.delivery_instructions.as_deref());
        w.leaf_opt("dropoff-ind", p.dropoff_ind.as_deref());
        if let Some(d) = p.delivery_date {
            w.leaf_plain("delivery-date", d);
        }
        if let Some(dt) = p.expected_pickup_date {
            w.leaf_plain("expected-pickup-date", dt.strftime("%Y-%m-%dT%H:%M:%S"));
        }
        w.leaf("ucc-barcode", &p.ucc_barcode);
        w.close("lmp-details");
    }
    w.leaf_plain("expected-ship-date", o.expected_ship_date);
    if v.has_v16_fields()
        && let Some(d) = o.promised_date
    {
        w.leaf_plain("promised-date", d);
    }
    let s = &o.shipping;
    w.open("shipping-detail");
    w.leaf("ship-to-name", &s.ship_to_name);
    for line in &s.address {
        w.leaf("address", line);
    }
    w.leaf("city", &s.city);
    w.leaf("state", &s.state);
    w.leaf("zipcode", &s.zipcode);
    w.leaf("phone", &s.phone);
    w.leaf("shipping-method", &s.shipping_method);
    w.leaf_opt("carrier", s.carrier.as_deref());
    w.close("shipping-detail");
    if let Some(st) = &o.ship_to_store {
        w.open("ship-to-store-detail");
        w.leaf("address", &st.address);
        w.leaf("city", &st.city);
        w.leaf("state", &st.state);
        w.leaf("zipcode", &st.zipcode);
        w.leaf_opt("phone", st.phone.as_deref());
        if let Some(d) = st.store_delivery_date {
            w.leaf_plain("store-delivery-date", d);
        }
        w.leaf("ucc-barcode", &st.ucc_barcode);
        w.close("ship-to-store-detail");
    }
    w.leaf("customer-name", &o.customer_name);
    for line in &o.lines {
        write_line(w, v, line);
    }
    w.leaf_money("order-total-sell-price", totals.order_total_sell_price);
    w.leaf_money("total-commission", totals.total_commission);
    w.leaf_money("total-shipping-handling", totals.total_shipping_handling);
    w.leaf_money(if v.has_v13_totals() { "total-sales-tax" } else { "sales-tax" }, totals.total_sales_tax);
    w.leaf_money("balance-due", totals.balance_due);
    w.leaf("po-status", &o.status);
    if !o.shipments.is_empty() {
        w.open("po-shipment-info");
        for shipment in &o.shipments {
            w.open("shipment");
            w.leaf("ship-method", &shipment.ship_method);
            let tracking = if shipment.tracking_number.is_empty() { NO_TRACKING } else { &shipment.tracking_number };
            w.leaf("shipment-tracking-number", tracking);
            w.close("shipment");
        }
        w.close("po-shipment-info");
    }
    if v.has_v13_totals()
        && let Some(t) = &o.tax_reference
    {
        w.open("tax-reference");
        w.leaf_opt("delivery-tax-code", t.delivery_tax_code.as_deref());
        w.leaf_opt("tax-rate", t.tax_rate.as_deref());
        w.leaf_opt("avp-taxing-jx-geo-code", t.avp_taxing_jx_geo_code.as_deref());
        w.leaf_opt("avp-taxing-jx-county", t.avp_taxing_jx_county.as_deref());
        w.leaf_opt("transfer-to-state-code", t.transfer_to_state_code.as_deref());
        w.leaf_opt("ship-to-taxware-geo", t.ship_to_taxware_geo.as_deref());
        w.close("tax-reference");
    }
    if v.has_v15_fields() {
        w.leaf_opt("tax-certificate-url", o.tax_certificate_url.as_deref());
        w.leaf_money("total-shipping-tax", totals.total_shipping_tax);
        w.leaf_money("total-order-value", totals.total_order_value);
        w.leaf_opt("tax-remitted-to-seller", o.tax_remitted_to_seller.as_deref());
    }
    if v.has_lease_order() {
        w.leaf_opt("lease-order", o.lease_order.as_deref());
    }
    w.close("purchase-order");
}

fn write_line(w: &mut XmlWriter, v: PoVersion, l: &PoLine) {
    w.open("po-line");
    w.open("po-line-header");
    w.leaf_plain("line-number", l.line_number);
    w.leaf("item-id", &l.item_id);
    w.leaf("item-name", &l.item_name);
    if v.has_v15_fields()
        && let Some(id) = l.item_class_id
    {
        w.leaf_plain("item-class-id", id);
    }
    if v.has_v16_fields() {
        w.leaf_opt("oms-order-item-id", l.oms_order_item_id.as_deref());
        w.leaf_opt("oms-parent-order-item-id", l.oms_parent_order_item_id.as_deref());
    }
    w.leaf_opt("handling-instructions", l.handling_instructions.as_deref());
    w.leaf_opt("handling-ind", l.handling_ind.as_deref());
    w.leaf_money("unit-cost", l.unit_cost());
    w.leaf_money("selling-price-each", l.selling_price_each);
    w.leaf_plain("order-quantity", l.order_quantity);
    w.leaf_money("commission", l.commission);
    if let Some(tax) = l.sales_tax {
        w.leaf_money("sales-tax", tax);
    }
    w.leaf_money("shipping-and-handling", l.shipping_and_handling);
    if let Some(tax) = l.shipping_tax {
        w.leaf_money("shipping-tax", tax);
    }
    if !l.fees.is_empty() {
        w.open("fees");
        for fee in &l.fees {
            w.open_with("fee", "type", &fee.fee_type);
            w.leaf_plain_inner(crate::xml_writer::money(fee.amount));
            w.close("fee");
        }
        w.close("fees");
    }
    if v.has_shipping_commission()
        && let Some(c) = l.shipping_commission
    {
        w.leaf_money("shipping-commission", c);
    }
    if let Some(message) = &l.gift_message {
        w.open("gift-message-details");
        w.leaf("gift-message", message);
        w.close("gift-message-details");
    }
    w.leaf_opt("customer-cancellation-warning", l.customer_cancellation_warning.as_deref());
    w.close("po-line-header");
    // Buckets in a fixed order (open, shipped, cancelled); the line's memos go in the first one written.
    let q = l.quantities;
    let mut memos_written = false;
    for (status, quantity) in
        [(line_status::OPEN, q.open), (line_status::SHIPPED, q.shipped), (line_status::CANCELLED, q.cancelled)]
    {
        if quantity == 0 {
            continue;
        }
        w.open("po-line-detail");
        w.leaf("po-line-status", status);
        w.leaf_plain("quantity", quantity);
        if !memos_written {
            w.leaf_opt("internal-memo", l.internal_memo.as_deref());
            w.leaf_opt("external-memo", l.external_memo.as_deref());
            memos_written = true;
        }
        w.close("po-line-detail");
    }
    w.close("po-line");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_path_segments() {
        assert_eq!(PoVersion::from_path("v19").map(PoVersion::number), Some(19));
        assert_eq!(PoVersion::from_path("v4").map(PoVersion::number), Some(4));
        assert_eq!(PoVersion::from_path("v3"), None);
        assert_eq!(PoVersion::from_path("v20"), None);
        assert_eq!(PoVersion::from_path("19"), None);
        assert_eq!(PoVersion::from_path("vx"), None);
        assert_eq!(PoVersion::new(13).unwrap().namespace(), "http://seller.marketplace.sears.com/oms/v13");
    }
}
