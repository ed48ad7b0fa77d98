//! Customer cancellation and return requests (SPEC.md §8) and their export feeds:
//! `GET /oms/cancellationrequest/v1` -> `order-cancel-request-feed`, `GET /oms/returnsrequest/v1` ->
//! `order-returns-request-feed`, both in the `oms/v1` namespace.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::config::RequestStatusStyle;
use crate::xml_writer::XmlWriter;

const OMS_V1: &str = "http://seller.marketplace.sears.com/oms/v1";

/// XSD `cancel-status` values the sandbox sets.
pub mod cancel_status {
    /// A new request; the line's `customer-cancellation-warning` is shown while a request is in this state.
    pub const INITIAL: &str = "INITIAL";
    /// The seller cancelled the line.
    pub const SELLER_APPROVED: &str = "SELLER_APPROVED";
    /// The seller shipped the line instead.
    pub const SELLER_REJECTED: &str = "SELLER_REJECTED";
}

/// XSD `return-status` value of a new return request.
pub const PENDING_RETURN: &str = "PENDING_RETURN";

/// The customer cancellation reasons of the XSD.
pub const CUSTOMER_CANCEL_REASONS: &[&str] = &[
    "CUSTOMER-CANCEL-ACCURATE-ORDER-STATUS-INFORMATION-WAS-NOT-AVAILABLE",
    "CUSTOMER-CANCEL-COULD-NOT-MODIFY-DELIVERY-ADDRESS",
    "CUSTOMER-CANCEL-COULD-NOT-MODIFY-ITEM-QUANTITY-COLOR",
    "CUSTOMER-CANCEL-DID-NOT-LIKE-RETURNS-POLICY",
    "CUSTOMER-CANCEL-DID-NOT-WANT-THE-PRODUCT-ANY-LONGER",
    "CUSTOMER-CANCEL-DO-NOT-WANT-TO-BUY-THIS-FROM-MARKETPLACE-OR-THIRD-PARTY-SELLER",
    "CUSTOMER-CANCEL-FOUND-A-BETTER-PRODUCT",
    "CUSTOMER-CANCEL-FOUND-BETTER-PRICING-OF-SAME-PRODUCT",
    "CUSTOMER-CANCEL-I-WANT-TO-CHANGE-MY-PAYMENT-METHOD",
    "CUSTOMER-CANCEL-I-WANT-TO-CHANGE-MY-SHIPPING-SPEED",
    "CUSTOMER-CANCEL-NOT_AUTHORIZED-PURCHASE",
    "CUSTOMER-CANCEL-SHIPPING-OR-DELIVERY-TIME-TOO-LONG",
    "CUSTOMER-CANCEL-THE-MARKETPLACE-SELLER-IS-NOT-RESPONDING-TO-MY-REQUESTS",
    "CUSTOMER-CANCEL-OTHER",
];

/// The return reasons of the XSD.
pub const RETURN_REASONS: &[&str] = &[
    "WRONG-ITEM-SHIPPED",
    "WRONG-QUANTITY-SHIPPED",
    "DAMAGED-IN-SHIPMENT",
    "DUPLICATE-SHIPMENT",
    "ARRIVED-TOO-LATE",
    "WRONG-QUANTITY-ORDERED",
    "WRONG-MERCHANDISE-ORDERED",
    "PRODUCT-QUALITY-NOT-ACCEPTABLE",
    "NOT-AS-DESCRIBED",
    "DEFECTIVE-PRODUCT",
    "TOO-SMALL",
    "TOO-LARGE",
    "NOT-SATISFIED-WITH-SIZING",
    "NOT-SATISFIED-WITH-COLOR",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub cancel_request_id: u64,
    pub po_number: String,
    pub po_date: Date,
    /// `com-line-number`: the PO line.
    pub line_number: u32,
    pub quantity: u32,
    pub cancel_date: Date,
    pub reason: String,
    /// Stored as the XSD value; the feed may show `PENDING` instead (see [`RequestStatusStyle`]).
    pub status: String,
    pub customer_comments: String,
}

impl CancelRequest {
    pub fn is_pending(&self) -> bool {
        matches!(self.status.as_str(), cancel_status::INITIAL | "FOUND_ORDER_IN_SELLPO")
    }

    /// The line's `customer-cancellation-warning` while this request is pending.
    pub fn warning(&self) -> String {
        format!(
            "Customer requested cancellation on {} (cancel-request-id {}); check the cancellation request before shipping",
            self.cancel_date, self.cancel_request_id
        )
    }

    fn shown_status(&self, style: RequestStatusStyle) -> &str {
        match style {
            RequestStatusStyle::Samples if self.is_pending() => "PENDING",
            _ => &self.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// A string in the XSD; digits like the sample's.
    pub return_request_id: String,
    pub po_number: String,
    pub po_date: Date,
    pub line_number: u32,
    pub quantity: u32,
    pub return_date: Date,
    pub reason: String,
    pub status: String,
    pub customer_comments: Option<String>,
}

impl ReturnRequest {
    fn shown_status(&self, style: RequestStatusStyle) -> &str {
        match style {
            RequestStatusStyle::Samples if self.status == PENDING_RETURN => "PENDING",
            _ => &self.status,
        }
    }
}

/// The query filters both request feeds take: `status` (case-insensitive, as shown in the feed) and the request
/// date within `fromdate..=todate`.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestFilter {
    pub status: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl RequestFilter {
    fn accepts(&self, status: &str, date: Date) -> bool {
        self.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(status))
            && self.from.is_none_or(|from| date >= from)
            && self.to.is_none_or(|to| date <= to)
    }
}

pub(crate) fn render_cancel_requests<'a>(
    requests: impl Iterator<Item = &'a CancelRequest>,
    filter: &RequestFilter,
    style: RequestStatusStyle,
) -> Vec<u8> {
    let mut w = XmlWriter::document(4096);
    w.root("order-cancel-request-feed", OMS_V1);
    w.newline();
    for r in requests.filter(|r| filter.accepts(r.shown_status(style), r.cancel_date)) {
        w.open("order-cancel-request");
        w.open("order-cancel-request-header");
        w.leaf("po-number", &r.po_number);
        w.leaf_plain("po-date", r.po_date);
        w.close("order-cancel-request-header");
        w.open("order-cancel-request-detail");
        w.leaf_plain("com-line-number", r.line_number);
        w.leaf_plain("quantity", r.quantity);
        w.open("cancel-detail");
        w.leaf_plain("cancel-request-id", r.cancel_request_id);
        w.leaf_plain("cancel-date", r.cancel_date);
        w.leaf("cancel-reason", &r.reason);
        w.leaf("cancel-status", r.shown_status(style));
        w.leaf("customer-comments", &r.customer_comments);
        w.close("cancel-detail");
        w.close("order-cancel-request-detail");
        w.close("order-cancel-request");
        w.newline();
    }
    w.close("order-cancel-request-feed");
    w.newline();
    w.into_bytes()
}

pub(crate) fn render_return_requests<'a>(
    requests: impl Iterator<Item = &'a ReturnRequest>,
    filter: &RequestFilter,
    style: RequestStatusStyle,
) -> Vec<u8> {
    let mut w = XmlWriter::document(4096);
    w.root("order-returns-request-feed", OMS_V1);
    w.newline();
    for r in requests.filter(|r| filter.accepts(r.shown_status(style), r.return_date)) {
        w.open("order-return-request");
        w.open("order-return-request-header");
        w.leaf("po-number", &r.po_number);
        w.leaf_plain("po-date", r.po_date);
        w.close("order-return-request-header");
        w.open("order-return-request-detail");
        w.leaf_plain("com-line-number", r.line_number);
        w.leaf_plain("quantity", r.quantity);
        w.open("return-detail");
        w.leaf("return-request-id", &r.return_request_id);
        w.leaf("return-status", r.shown_status(style));
        w.leaf_plain("return-date", r.return_date);
        w.leaf("return-reason", &r.reason);
        w.leaf_opt("customer-comments", r.customer_comments.as_deref());
        w.close("return-detail");
        w.close("order-return-request-detail");
        w.close("order-return-request");
        w.newline();
    }
    w.close("order-returns-request-feed");
    w.newline();
    w.into_bytes()
}
