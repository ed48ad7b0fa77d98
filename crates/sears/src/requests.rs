//! Customer cancellation requests (`GET oms/cancellationrequest/v1`) and return requests
//! (`GET oms/returnsrequest/v1`), SPEC §8. Statuses and reasons are open strings: both official samples
//! use values their own XSD does not list (`PENDING`, `CUSTOMER-CHANGED-THEIR-MIND`).

use jiff::civil::Date;
use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::xml_read::{At, Cursor, Element, Extras, Result, UnknownItem};

/// Cancellation-request statuses listed by the XSD (the sample sends `PENDING`, which is not among them).
pub const KNOWN_CANCEL_REQUEST_STATUSES: [&str; 7] = [
    "INITIAL",
    "FOUND_ORDER_IN_SELLPO",
    "SELLER_REJECTED",
    "SELLER_APPROVED",
    "SYSTEM_APPROVED",
    "FAILURE",
    "ORDER_CANCELLED_ON_ARRIVAL",
];

/// Return-request statuses listed by the XSD (the sample sends `PENDING`).
pub const KNOWN_RETURN_REQUEST_STATUSES: [&str; 5] =
    ["PENDING_RETURN", "RETURN_AUTHORIZED", "RETURN_REJECTED", "PARTIAL_RETURNED", "RETURN_PROCESSED"];

/// `order-cancel-request-feed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderCancelRequestFeed {
    pub namespace: Option<String>,
    pub requests: Vec<OrderCancelRequest>,
    pub unknown: Vec<UnknownItem>,
}

/// One `order-cancel-request`: a buyer asks to cancel (part of) a line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderCancelRequest {
    pub po_number: String,
    pub po_date: Date,
    /// The PO `line-number`.
    pub com_line_number: u32,
    pub quantity: u32,
    pub cancel_request_id: String,
    pub cancel_date: Date,
    pub cancel_reason: String,
    pub cancel_status: String,
    pub customer_comments: Option<String>,
}

/// `order-returns-request-feed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderReturnsRequestFeed {
    pub namespace: Option<String>,
    pub requests: Vec<OrderReturnRequest>,
    pub unknown: Vec<UnknownItem>,
}

/// One `order-return-request`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderReturnRequest {
    pub po_number: String,
    pub po_date: Date,
    /// The PO `line-number`.
    pub com_line_number: u32,
    pub quantity: u32,
    /// Not unique per line: one request may cover several lines.
    pub return_request_id: String,
    pub return_status: String,
    pub return_date: Date,
    pub return_reason: String,
    pub customer_comments: Option<String>,
}

/// Fields shared by both request kinds.
#[derive(Default)]
struct Common {
    po_number: Option<String>,
    po_date: Option<Date>,
    line: Option<u32>,
    quantity: Option<u32>,
}

/// What [`read_feed`] returns: the root's namespace, the requests, the unknown items.
type FeedParts<R> = (Option<String>, Vec<R>, Vec<UnknownItem>);

/// Reads either request feed: they differ only in element names and in the leaves of the inner detail.
fn read_feed<'a, T: Default, R>(
    bytes: &'a [u8],
    names: FeedNames,
    mut read_leaf: impl FnMut(&mut Cursor<'a>, &Element<'a>, &mut Extras, &mut T) -> Result<bool>,
    mut finish: impl FnMut(&Cursor<'a>, &Element<'a>, Common, T) -> Result<R>,
) -> std::result::Result<FeedParts<R>, DecodeError> {
    let mut c = Cursor::new(bytes);
    let root = c.root()?;
    if root.local_name() != names.root.as_bytes() {
        let kind = DecodeErrorKind::UnexpectedRoot { expected: format!("an {}", names.root) };
        return Err(c.error(root.offset, Some(root.name()), kind));
    }
    let namespace = c.default_namespace(&root);
    let mut x = Extras::default();
    c.attributes(&root, At::Origin, [], &mut x)?;
    c.enter(&root);
    c.set_path_origin();
    let mut requests = Vec::new();
    while let Some(request) = c.next_child()? {
        if request.local_name() != names.request.as_bytes() {
            c.unknown(&request, &mut x)?;
            continue;
        }
        c.enter(&request);
        let mut common = Common::default();
        let mut specific = T::default();
        let (mut have_header, mut have_detail) = (false, false);
        while let Some(part) = c.next_child()? {
            let name = part.local_name();
            if name == names.header.as_bytes() && !have_header {
                have_header = true;
                c.enter(&part);
                while let Some(el) = c.next_child()? {
                    match el.local_name() {
                        b"po-number" if common.po_number.is_none() => common.po_number = Some(c.string(&el, &mut x)?),
                        b"po-date" if common.po_date.is_none() => common.po_date = Some(c.date(&el, &mut x)?),
                        _ => c.unknown(&el, &mut x)?,
                    }
                }
            } else if name == names.detail.as_bytes() && !have_detail {
                have_detail = true;
                c.enter(&part);
                let mut have_inner = false;
                while let Some(el) = c.next_child()? {
                    match el.local_name() {
                        b"com-line-number" if common.line.is_none() => common.line = Some(c.whole(&el, &mut x)?),
                        b"quantity" if common.quantity.is_none() => common.quantity = Some(c.whole(&el, &mut x)?),
                        inner if inner == names.inner.as_bytes() && !have_inner => {
                            have_inner = true;
                            c.enter(&el);
                            while let Some(leaf) = c.next_child()? {
                                if !read_leaf(&mut c, &leaf, &mut x, &mut specific)? {
                                    c.unknown(&leaf, &mut x)?;
                                }
                            }
                        }
                        _ => c.unknown(&el, &mut x)?,
                    }
                }
            } else {
                c.unknown(&part, &mut x)?;
            }
        }
        requests.push(finish(&c, &request, common, specific)?);
    }
    c.finish()?;
    Ok((namespace, requests, x.unknown))
}

struct FeedNames {
    root: &'static str,
    request: &'static str,
    header: &'static str,
    detail: &'static str,
    inner: &'static str,
}

fn required<T>(c: &Cursor<'_>, element: &Element<'_>, value: Option<T>, name: &str) -> Result<T> {
    value.ok_or_else(|| c.missing(element, name))
}

#[derive(Default)]
struct RequestDetail {
    id: Option<String>,
    date: Option<Date>,
    reason: Option<String>,
    status: Option<String>,
    comments: Option<String>,
}

impl OrderCancelRequestFeed {
    pub fn parse(bytes: &[u8]) -> std::result::Result<OrderCancelRequestFeed, DecodeError> {
        let names = FeedNames {
            root: "order-cancel-request-feed",
            request: "order-cancel-request",
            header: "order-cancel-request-header",
            detail: "order-cancel-request-detail",
            inner: "cancel-detail",
        };
        let (namespace, requests, unknown) = read_feed(
            bytes,
            names,
            |c, el, x, d: &mut RequestDetail| {
                match el.local_name() {
                    b"cancel-request-id" if d.id.is_none() => d.id = Some(c.string(el, x)?),
                    b"cancel-date" if d.date.is_none() => d.date = Some(c.date(el, x)?),
                    b"cancel-reason" if d.reason.is_none() => d.reason = Some(c.string(el, x)?),
                    b"cancel-status" if d.status.is_none() => d.status = Some(c.string(el, x)?),
                    b"customer-comments" if d.comments.is_none() => d.comments = Some(c.string(el, x)?),
                    _ => return Ok(false),
                }
                Ok(true)
            },
            |c, el, common, d| {
                Ok(OrderCancelRequest {
                    po_number: required(c, el, common.po_number, "po-number")?,
                    po_date: required(c, el, common.po_date, "po-date")?,
                    com_line_number: required(c, el, common.line, "com-line-number")?,
                    quantity: required(c, el, common.quantity, "quantity")?,
                    cancel_request_id: required(c, el, d.id, "cancel-request-id")?,
                    cancel_date: required(c, el, d.date, "cancel-date")?,
                    cancel_reason: required(c, el, d.reason, "cancel-reason")?,
                    cancel_status: required(c, el, d.status, "cancel-status")?,
                    customer_comments: d.comments,
                })
            },
        )?;
        Ok(OrderCancelRequestFeed { namespace, requests, unknown })
    }
}

impl OrderReturnsRequestFeed {
    pub fn parse(bytes: &[u8]) -> std::result::Result<OrderReturnsRequestFeed, DecodeError> {
        let names = FeedNames {
            root: "order-returns-request-feed",
            request: "order-return-request",
            header: "order-return-request-header",
            detail: "order-return-request-detail",
            inner: "return-detail",
        };
        let (namespace, requests, unknown) = read_feed(
            bytes,
            names,
            |c, el, x, d: &mut RequestDetail| {
                match el.local_name() {
                    b"return-request-id" if d.id.is_none() => d.id = Some(c.string(el, x)?),
                    b"return-status" if d.status.is_none() => d.status = Some(c.string(el, x)?),
                    b"return-date" if d.date.is_none() => d.date = Some(c.date(el, x)?),
                    b"return-reason" if d.reason.is_none() => d.reason = Some(c.string(el, x)?),
                    b"customer-comments" if d.comments.is_none() => d.comments = Some(c.string(el, x)?),
                    _ => return Ok(false),
                }
                Ok(true)
            },
            |c, el, common, d| {
                Ok(OrderReturnRequest {
                    po_number: required(c, el, common.po_number, "po-number")?,
                    po_date: required(c, el, common.po_date, "po-date")?,
                    com_line_number: required(c, el, common.line, "com-line-number")?,
                    quantity: required(c, el, common.quantity, "quantity")?,
                    return_request_id: required(c, el, d.id, "return-request-id")?,
                    return_status: required(c, el, d.status, "return-status")?,
                    return_date: required(c, el, d.date, "return-date")?,
                    return_reason: required(c, el, d.reason, "return-reason")?,
                    customer_comments: d.comments,
                })
            },
        )?;
        Ok(OrderReturnsRequestFeed { namespace, requests, unknown })
    }
}
