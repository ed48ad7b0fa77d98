//! Seller line cancel, v1 (`PUT oms/order/cancel/v1`, SPEC §7): an `order-cancel-feed` cancelling whole PO
//! lines (no quantity) with one of Sears's nine reasons. Counts against the order-updates limit.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::Serialize;

use crate::asn::oms_namespace;
use crate::error::{DecodeError, DecodeErrorKind, FeedError};
use crate::xml_read::{Cursor, Element, Extras, Result};
use crate::xml_write::{Check, XmlOut};

pub const ORDER_CANCEL_VERSION: u32 = 1;

const FEED: &str = "order-cancel-feed";

/// The fixed line status of a cancel record.
pub const CANCELED_LINE_STATUS: &str = "Canceled";

/// Why the seller cancels a line: Sears's fixed list (no other value is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CancelReason {
    #[serde(rename = "DISCONTINUED-ITEM")]
    DiscontinuedItem,
    #[serde(rename = "OUT-OF-STOCK")]
    OutOfStock,
    #[serde(rename = "CUSTOMER-CHANGED-THEIR-MIND")]
    CustomerChangedTheirMind,
    #[serde(rename = "WRONG-ITEM-WAS-ORDERED")]
    WrongItemWasOrdered,
    #[serde(rename = "LEAD-TIME-IS-TOO-LONG")]
    LeadTimeIsTooLong,
    #[serde(rename = "ITEM-FOUND-SOMEWHERE-ELSE")]
    ItemFoundSomewhereElse,
    #[serde(rename = "INVALID-METHOD-SHIPMENT")]
    InvalidMethodShipment,
    #[serde(rename = "INVALID-ITEM-SKU")]
    InvalidItemSku,
    /// Counts as a seller-initiated cancellation, with a different commercial outcome (SPEC §7).
    #[serde(rename = "OTHER")]
    Other,
}

impl CancelReason {
    pub const ALL: [CancelReason; 9] = [
        CancelReason::DiscontinuedItem,
        CancelReason::OutOfStock,
        CancelReason::CustomerChangedTheirMind,
        CancelReason::WrongItemWasOrdered,
        CancelReason::LeadTimeIsTooLong,
        CancelReason::ItemFoundSomewhereElse,
        CancelReason::InvalidMethodShipment,
        CancelReason::InvalidItemSku,
        CancelReason::Other,
    ];

    /// Sears's code, e.g. `OUT-OF-STOCK`.
    pub fn code(self) -> &'static str {
        match self {
            CancelReason::DiscontinuedItem => "DISCONTINUED-ITEM",
            CancelReason::OutOfStock => "OUT-OF-STOCK",
            CancelReason::CustomerChangedTheirMind => "CUSTOMER-CHANGED-THEIR-MIND",
            CancelReason::WrongItemWasOrdered => "WRONG-ITEM-WAS-ORDERED",
            CancelReason::LeadTimeIsTooLong => "LEAD-TIME-IS-TOO-LONG",
            CancelReason::ItemFoundSomewhereElse => "ITEM-FOUND-SOMEWHERE-ELSE",
            CancelReason::InvalidMethodShipment => "INVALID-METHOD-SHIPMENT",
            CancelReason::InvalidItemSku => "INVALID-ITEM-SKU",
            CancelReason::Other => "OTHER",
        }
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{code}' is not a Sears cancel reason (one of {allowed})", code = .0, allowed = allowed_reasons())]
pub struct UnknownCancelReason(pub String);

fn allowed_reasons() -> String {
    CancelReason::ALL.map(CancelReason::code).join(", ")
}

impl FromStr for CancelReason {
    type Err = UnknownCancelReason;

    fn from_str(code: &str) -> std::result::Result<Self, Self::Err> {
        CancelReason::ALL
            .into_iter()
            .find(|reason| reason.code() == code)
            .ok_or_else(|| UnknownCancelReason(code.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderCancelFeed {
    /// Set when read from a document; the writer writes v1's namespace.
    pub namespace: Option<String>,
    pub order_cancels: Vec<OrderCancel>,
}

/// `order-cancel`: lines of one purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderCancel {
    pub po_number: String,
    pub po_date: Date,
    /// `detail`: one per cancelled line.
    pub details: Vec<OrderCancelDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderCancelDetail {
    pub line_number: u32,
    pub item_id: String,
    pub cancel_reason: CancelReason,
}

impl OrderCancelFeed {
    /// The feed as v1 XML, after checking every value against the v1 schema's rules.
    pub fn to_xml(&self) -> std::result::Result<String, FeedError> {
        self.to_xml_version(ORDER_CANCEL_VERSION)
    }

    /// The feed in the namespace of another version with the v1 structure.
    pub fn to_xml_version(&self, version: u32) -> std::result::Result<String, FeedError> {
        let check = Check { feed: FEED };
        if self.order_cancels.is_empty() {
            return Err(check.fail(FEED, "has no order-cancel; a feed needs at least one"));
        }
        let mut out = XmlOut::new();
        out.open_root(FEED, &oms_namespace(version));
        for (o, order) in self.order_cancels.iter().enumerate() {
            let at = format!("order-cancel[{}]", o + 1);
            out.open("order-cancel");
            out.open("header");
            check.po_number(&format!("{at}/header[1]/po-number"), &order.po_number)?;
            out.leaf("po-number", &order.po_number);
            out.leaf("po-date", &check.date(&format!("{at}/header[1]/po-date"), order.po_date)?);
            out.close("header");
            if order.details.is_empty() {
                return Err(check.fail(&at, "has no detail; name at least one line to cancel"));
            }
            for (d, detail) in order.details.iter().enumerate() {
                let at = format!("{at}/detail[{}]", d + 1);
                out.open("detail");
                check.positive(&format!("{at}/line-number"), detail.line_number)?;
                out.leaf("line-number", &detail.line_number.to_string());
                check.text(&format!("{at}/item-id"), &detail.item_id, Some(50))?;
                out.leaf("item-id", &detail.item_id);
                out.open("cancel");
                out.leaf("line-status", CANCELED_LINE_STATUS);
                out.leaf("cancel-reason", detail.cancel_reason.code());
                out.close("cancel");
                out.close("detail");
            }
            out.close("order-cancel");
        }
        out.close(FEED);
        Ok(out.finish())
    }

    /// Reads an `order-cancel-feed`; elements the schema does not have, a line status other than
    /// `Canceled` and a reason outside the fixed list are errors.
    pub fn parse(bytes: &[u8]) -> std::result::Result<OrderCancelFeed, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != FEED.as_bytes() {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "an order-cancel-feed".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let mut feed = OrderCancelFeed { namespace: c.default_namespace(&root), ..Default::default() };
        c.enter(&root);
        while let Some(el) = c.next_child()? {
            match el.local_name() {
                b"order-cancel" => feed.order_cancels.push(read_order_cancel(&mut c, &el, &mut x)?),
                _ => return Err(c.unexpected(FEED, &el)),
            }
        }
        c.finish()?;
        if feed.order_cancels.is_empty() {
            return Err(c.missing(&root, "order-cancel"));
        }
        Ok(feed)
    }
}

fn read_order_cancel<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<OrderCancel> {
    c.enter(element);
    let mut order = OrderCancel::default();
    let mut have_header = false;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"header" if !have_header => {
                c.enter(&el);
                let (mut number, mut date) = (false, false);
                while let Some(child) = c.next_child()? {
                    match child.local_name() {
                        b"po-number" if !number => {
                            order.po_number = c.string(&child, x)?;
                            number = true;
                        }
                        b"po-date" if !date => {
                            order.po_date = c.date(&child, x)?;
                            date = true;
                        }
                        _ => return Err(c.unexpected("header", &child)),
                    }
                }
                if !number {
                    return Err(c.missing(&el, "po-number"));
                }
                if !date {
                    return Err(c.missing(&el, "po-date"));
                }
                have_header = true;
            }
            b"detail" if have_header => order.details.push(read_detail(c, &el, x)?),
            _ => return Err(c.unexpected("order-cancel", &el)),
        }
    }
    if !have_header {
        return Err(c.missing(element, "header"));
    }
    if order.details.is_empty() {
        return Err(c.missing(element, "detail"));
    }
    Ok(order)
}

fn read_detail<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<OrderCancelDetail> {
    c.enter(element);
    let (mut line_number, mut item_id, mut reason) = (None, None, None);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"line-number" if line_number.is_none() => line_number = Some(c.whole(&el, x)?),
            b"item-id" if item_id.is_none() => item_id = Some(c.string(&el, x)?),
            b"cancel" if reason.is_none() => {
                c.enter(&el);
                let mut status_seen = false;
                while let Some(child) = c.next_child()? {
                    match child.local_name() {
                        b"line-status" if !status_seen => {
                            let status = c.string(&child, x)?;
                            if status != CANCELED_LINE_STATUS {
                                let kind =
                                    DecodeErrorKind::NotAllowed { value: status, allowed: CANCELED_LINE_STATUS.into() };
                                return Err(c.error(child.offset, Some("line-status"), kind));
                            }
                            status_seen = true;
                        }
                        b"cancel-reason" if reason.is_none() => {
                            let code = c.string(&child, x)?;
                            reason = Some(code.parse::<CancelReason>().map_err(|_| {
                                let kind =
                                    DecodeErrorKind::NotAllowed { value: code.clone(), allowed: allowed_reasons() };
                                c.error(child.offset, Some("cancel-reason"), kind)
                            })?);
                        }
                        _ => return Err(c.unexpected("cancel", &child)),
                    }
                }
                if !status_seen {
                    return Err(c.missing(&el, "line-status"));
                }
                if reason.is_none() {
                    return Err(c.missing(&el, "cancel-reason"));
                }
            }
            _ => return Err(c.unexpected("detail", &el)),
        }
    }
    match (line_number, item_id, reason) {
        (Some(line_number), Some(item_id), Some(cancel_reason)) => {
            Ok(OrderCancelDetail { line_number, item_id, cancel_reason })
        }
        (None, _, _) => Err(c.missing(element, "line-number")),
        (_, None, _) => Err(c.missing(element, "item-id")),
        (_, _, None) => Err(c.missing(element, "cancel")),
    }
}
