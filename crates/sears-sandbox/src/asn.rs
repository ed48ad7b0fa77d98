//! Shipment confirmations (ASN v7, SPEC.md §5 and §16.5): reading a schema-checked `shipment-feed` and applying
//! each `shipment` record to the seller's purchase orders.
//!
//! A record is all or nothing: when any of its packages fails a check, nothing of that shipment is applied and the
//! processing report lists every problem found under the record's 1-based `record-id`.

use jiff::civil::Date;
use roxmltree::{Document, Node};

use crate::carriers;
use crate::feed_schema::text_of;
use crate::marketplace::SellerAccount;
use crate::orders::{NO_TRACKING, ShipmentInfo};
use crate::requests::cancel_status;

/// One `shipment`: the packages sent for one PO.
#[derive(Debug, Clone)]
pub(crate) struct AsnShipment {
    pub po_number: String,
    pub po_date: String,
    pub details: Vec<AsnDetail>,
}

/// One `detail`: one package (tracking number).
#[derive(Debug, Clone)]
pub(crate) struct AsnDetail {
    pub tracking_number: Option<String>,
    pub carrier: String,
    pub method: String,
    pub packages: Vec<AsnPackage>,
}

/// One `package-detail`: a quantity of one line in the package.
#[derive(Debug, Clone)]
pub(crate) struct AsnPackage {
    pub line_number: String,
    pub item_id: String,
    pub quantity: String,
}

pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

pub(crate) fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

pub(crate) fn child_text(node: Node<'_, '_>, name: &str) -> String {
    child(node, name).map(text_of).unwrap_or_default()
}

/// Reads a feed that passed [`crate::feed_schema::ASN_V7`].
pub(crate) fn read(doc: &Document<'_>) -> Vec<AsnShipment> {
    children(doc.root_element(), "shipment")
        .map(|shipment| {
            let header = child(shipment, "header");
            AsnShipment {
                po_number: header.map(|h| child_text(h, "po-number")).unwrap_or_default(),
                po_date: header.map(|h| child_text(h, "po-date")).unwrap_or_default(),
                details: children(shipment, "detail")
                    .map(|detail| AsnDetail {
                        tracking_number: child(detail, "tracking-number").map(text_of),
                        carrier: child_text(detail, "shipping-carrier"),
                        method: child_text(detail, "shipping-method"),
                        packages: children(detail, "package-detail")
                            .map(|package| AsnPackage {
                                line_number: child_text(package, "line-number"),
                                item_id: child_text(package, "item-id"),
                                quantity: child_text(package, "quantity"),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The value of a schema-valid `xs:positiveInteger`/`xs:nonNegativeInteger` literal, when it fits a `u32`.
pub(crate) fn integer_value(literal: &str) -> Option<u32> {
    let text = literal.trim_matches([' ', '\t', '\n', '\r']);
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits == "-0" {
        return Some(0);
    }
    digits.parse().ok()
}

/// The civil date of a schema-valid `xs:date` literal (`2024-05-03`, optionally with a zone, which is ignored).
pub(crate) fn civil_date(literal: &str) -> Option<Date> {
    let head = literal.get(..10)?;
    if literal.len() > 10 && !matches!(literal.as_bytes()[10], b'Z' | b'+' | b'-') {
        return None;
    }
    head.parse().ok()
}

/// Applies one shipment record; returns its errors (empty = accepted).
pub(crate) fn apply(account: &mut SellerAccount, shipment: &AsnShipment, item_id_reject_from: usize) -> Vec<String> {
    let po_number = shipment.po_number.trim();
    let Some(po_date) = civil_date(&shipment.po_date) else {
        return vec![format!("po-date '{}' is not the date of purchase order {po_number}", shipment.po_date)];
    };
    let Some(order) = account.order(po_number, po_date) else {
        return vec![account.missing_order_message(po_number, po_date)];
    };

    let mut errors = Vec::new();
    let mut per_line: Vec<(u32, u32)> = Vec::new();
    for (detail_index, detail) in shipment.details.iter().enumerate() {
        if carriers::find(&detail.carrier, &detail.method).is_none() {
            errors.push(format!(
                "package {}: shipping-carrier '{}' with shipping-method '{}' is not in the Sears carrier list (GET /oms/shipping-carrier/v1)",
                detail_index + 1,
                detail.carrier,
                detail.method
            ));
        }
        for package in &detail.packages {
            let length = package.item_id.chars().count();
            if length >= item_id_reject_from {
                errors.push(format!(
                    "item-id '{}' is {length} characters; Sears shipment updates need item-ids of fewer than {item_id_reject_from} characters; update this order in the Seller Portal",
                    package.item_id
                ));
            }
            let line = integer_value(&package.line_number).and_then(|n| order.line(n));
            let Some(line) = line else {
                errors.push(format!(
                    "line-number {} is not a line of purchase order {po_number} dated {po_date}",
                    package.line_number.trim()
                ));
                continue;
            };
            if line.item_id != package.item_id {
                errors.push(format!(
                    "line {}: item-id '{}' does not match the line's item-id '{}'",
                    line.line_number, package.item_id, line.item_id
                ));
            }
            match integer_value(&package.quantity) {
                Some(0) => errors.push(format!("line {}: quantity must be at least 1", line.line_number)),
                None => errors.push(format!(
                    "line {}: quantity {} is more than the line's order quantity {}",
                    line.line_number,
                    package.quantity.trim(),
                    line.order_quantity
                )),
                Some(quantity) => match per_line.iter_mut().find(|(n, _)| *n == line.line_number) {
                    Some((_, total)) => *total = total.saturating_add(quantity),
                    None => per_line.push((line.line_number, quantity)),
                },
            }
        }
    }
    for &(line_number, quantity) in &per_line {
        let Some(line) = order.line(line_number) else {
            continue;
        };
        let q = line.quantities;
        if q.open == 0 && q.shipped > 0 {
            errors.push(format!(
                "line {line_number}: quantity already shipped ({} of {} shipped); a shipped quantity cannot be shipped again",
                q.shipped, line.order_quantity
            ));
        } else if q.open == 0 {
            errors.push(format!(
                "line {line_number} is cancelled ({} of {} cancelled) and cannot be shipped",
                q.cancelled, line.order_quantity
            ));
        } else if quantity > q.open {
            errors.push(format!("line {line_number}: quantity {quantity} is more than the {} still open", q.open));
        }
    }
    if !errors.is_empty() {
        return errors;
    }

    let po_number = po_number.to_owned();
    let order = account.order_mut(&po_number, po_date).expect("the order was found above");
    for &(line_number, quantity) in &per_line {
        let line = order.line_mut(line_number).expect("the line was found above");
        let q = &mut line.quantities;
        q.shipped += quantity;
        q.open -= quantity;
        // Sears has no back-orders: what a shipment leaves open on a line it ships is cancelled (SPEC.md §5.4).
        q.cancelled += q.open;
        q.open = 0;
    }
    for detail in &shipment.details {
        let method = carriers::find(&detail.carrier, &detail.method).map_or(detail.method.as_str(), |row| row.method);
        let tracking =
            detail.tracking_number.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(NO_TRACKING);
        order.record_shipment(ShipmentInfo { ship_method: method.to_owned(), tracking_number: tracking.to_owned() });
    }
    order.settle_status();
    let shipped_lines: Vec<u32> = per_line.iter().map(|(n, _)| *n).collect();
    account.settle_cancel_requests(&po_number, po_date, &shipped_lines, cancel_status::SELLER_REJECTED);
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_as_libxml2_accepts_them() {
        assert_eq!(integer_value(" +007 "), Some(7));
        assert_eq!(integer_value("-0"), Some(0));
        assert_eq!(integer_value("99999999999"), None);
        assert_eq!(civil_date("2024-05-03"), Some(jiff::civil::date(2024, 5, 3)));
        assert_eq!(civil_date("2024-05-03Z"), Some(jiff::civil::date(2024, 5, 3)));
        assert_eq!(civil_date("2024-05-03-05:00"), Some(jiff::civil::date(2024, 5, 3)));
        assert_eq!(civil_date("12024-05-03"), None);
        assert_eq!(civil_date("-2024-05-03"), None);
    }
}
