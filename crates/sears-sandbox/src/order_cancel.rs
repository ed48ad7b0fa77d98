//! Seller line cancellations (order cancel v1, SPEC.md §7 and §16.6): reading a schema-checked
//! `order-cancel-feed` and applying each `order-cancel` record. A record is all or nothing, like an ASN shipment.

use roxmltree::Document;

use crate::asn::{child, child_text, children, civil_date, integer_value};
use crate::marketplace::SellerAccount;
use crate::requests::cancel_status;

#[derive(Debug, Clone)]
pub(crate) struct CancelRecord {
    pub po_number: String,
    pub po_date: String,
    pub details: Vec<CancelDetail>,
}

#[derive(Debug, Clone)]
pub(crate) struct CancelDetail {
    pub line_number: String,
    pub item_id: String,
    pub line_status: String,
}

/// Reads a feed that passed [`crate::feed_schema::ORDER_CANCEL_V1`].
pub(crate) fn read(doc: &Document<'_>) -> Vec<CancelRecord> {
    children(doc.root_element(), "order-cancel")
        .map(|record| {
            let header = child(record, "header");
            CancelRecord {
                po_number: header.map(|h| child_text(h, "po-number")).unwrap_or_default(),
                po_date: header.map(|h| child_text(h, "po-date")).unwrap_or_default(),
                details: children(record, "detail")
                    .map(|detail| {
                        let cancel = child(detail, "cancel");
                        CancelDetail {
                            line_number: child_text(detail, "line-number"),
                            item_id: child_text(detail, "item-id"),
                            line_status: cancel.map(|c| child_text(c, "line-status")).unwrap_or_default(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Applies one `order-cancel` record; returns its errors (empty = accepted).
pub(crate) fn apply(account: &mut SellerAccount, record: &CancelRecord) -> Vec<String> {
    // An xs:positiveInteger may carry whitespace and a plus sign; leading zeros are part of the PO number.
    let trimmed = record.po_number.trim_matches([' ', '\t', '\n', '\r']);
    let po_number = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let Some(po_date) = civil_date(&record.po_date) else {
        return vec![format!("po-date '{}' is not the date of purchase order {po_number}", record.po_date)];
    };
    let Some(order) = account.order(po_number, po_date) else {
        return vec![account.missing_order_message(po_number, po_date)];
    };
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for detail in &record.details {
        // The XSD fixes line-status to `Canceled`; an empty element takes that value.
        if !(detail.line_status.is_empty() || detail.line_status == "Canceled") {
            errors.push(format!("line-status must be 'Canceled', not '{}'", detail.line_status));
        }
        let Some(line) = integer_value(&detail.line_number).and_then(|n| order.line(n)) else {
            errors.push(format!(
                "line-number {} is not a line of purchase order {po_number} dated {po_date}",
                detail.line_number.trim()
            ));
            continue;
        };
        if line.item_id != detail.item_id {
            errors.push(format!(
                "line {}: item-id '{}' does not match the line's item-id '{}'",
                line.line_number, detail.item_id, line.item_id
            ));
        }
        let q = line.quantities;
        if lines.contains(&line.line_number) {
            errors.push(format!("line {} appears twice in this order-cancel", line.line_number));
        } else if q.open == 0 && q.shipped > 0 {
            errors.push(format!(
                "line {} is already shipped ({} of {} shipped); a shipped line cannot be cancelled, use a refund",
                line.line_number, q.shipped, line.order_quantity
            ));
        } else if q.open == 0 {
            errors.push(format!("line {} is already cancelled", line.line_number));
        }
        lines.push(line.line_number);
    }
    if !errors.is_empty() {
        return errors;
    }
    let po_number = po_number.to_owned();
    let order = account.order_mut(&po_number, po_date).expect("the order was found above");
    for &line_number in &lines {
        let q = &mut order.line_mut(line_number).expect("the line was found above").quantities;
        q.cancelled += q.open;
        q.open = 0;
    }
    order.settle_status();
    account.settle_cancel_requests(&po_number, po_date, &lines, cancel_status::SELLER_APPROVED);
    Vec::new()
}
