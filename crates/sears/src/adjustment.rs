//! Order adjustments, v5 (`order-adjustment-feed`, SPEC §9): refunds and recorded returns. Read-only for
//! now (for `wharf sears decode`); Wharf does not send adjustments yet.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::xml_read::{Cursor, Element, Extras, Result};

const FEED: &str = "order-adjustment-feed";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderAdjustmentFeed {
    pub namespace: Option<String>,
    /// File creation time (xs:dateTime, as written).
    pub date_time_stamp: String,
    pub order_adjustments: Vec<OrderAdjustment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrderAdjustment {
    pub po_number: String,
    pub po_date: Date,
    /// At most one per order.
    pub shipping_adjustment: Option<Refund>,
    pub sale_adjustments: Vec<SaleAdjustment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleAdjustment {
    pub line_number: u32,
    pub item_id: String,
    pub adjustment: LineAdjustment,
}

/// `refund` (the buyer keeps the item) or `return` (the item came back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineAdjustment {
    Refund(Refund),
    Return(Return),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Refund {
    pub adjustment_unique_id: String,
    pub refund_amount: Option<AdjustmentAmount>,
    /// Open string (`Shipping Charge` for the shipping adjustment, a reason code otherwise).
    pub refund_reason: String,
    pub refund_date: Option<Date>,
    pub memo: Option<Memo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Return {
    pub return_unique_id: String,
    pub return_amount: Option<AdjustmentAmount>,
    pub return_reason: String,
    pub return_date: Option<Date>,
    pub quantity: u32,
    pub memo: Option<Memo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdjustmentAmount {
    InDollars(Decimal),
    InPercentage(Decimal),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Memo {
    pub internal_memo: Option<String>,
    pub external_memo: Option<String>,
}

impl OrderAdjustmentFeed {
    pub fn parse(bytes: &[u8]) -> std::result::Result<OrderAdjustmentFeed, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != FEED.as_bytes() {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "an order-adjustment-feed".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let mut feed = OrderAdjustmentFeed { namespace: c.default_namespace(&root), ..Default::default() };
        let mut have_stamp = false;
        c.enter(&root);
        while let Some(el) = c.next_child()? {
            match el.local_name() {
                b"date-time-stamp" if !have_stamp => {
                    feed.date_time_stamp = c.string(&el, &mut x)?;
                    have_stamp = true;
                }
                b"order-adjustment" => feed.order_adjustments.push(read_order_adjustment(&mut c, &el, &mut x)?),
                _ => return Err(c.unexpected(FEED, &el)),
            }
        }
        c.finish()?;
        if !have_stamp {
            return Err(c.missing(&root, "date-time-stamp"));
        }
        Ok(feed)
    }
}

fn read_order_adjustment<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<OrderAdjustment> {
    c.enter(element);
    let mut a = OrderAdjustment::default();
    let (mut number, mut date) = (false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"oa-header" => {
                c.enter(&el);
                while let Some(child) = c.next_child()? {
                    match child.local_name() {
                        b"po-number" if !number => {
                            a.po_number = c.string(&child, x)?;
                            number = true;
                        }
                        b"po-date" if !date => {
                            a.po_date = c.date(&child, x)?;
                            date = true;
                        }
                        _ => return Err(c.unexpected("oa-header", &child)),
                    }
                }
            }
            b"oa-detail" => {
                c.enter(&el);
                while let Some(child) = c.next_child()? {
                    match child.local_name() {
                        b"shipping-adjustment" if a.shipping_adjustment.is_none() => {
                            a.shipping_adjustment = Some(read_refund(c, &child, x)?)
                        }
                        b"sale-adjustment" => a.sale_adjustments.push(read_sale_adjustment(c, &child, x)?),
                        _ => return Err(c.unexpected("oa-detail", &child)),
                    }
                }
            }
            _ => return Err(c.unexpected("order-adjustment", &el)),
        }
    }
    if !number {
        return Err(c.missing(element, "po-number"));
    }
    if !date {
        return Err(c.missing(element, "po-date"));
    }
    Ok(a)
}

fn read_sale_adjustment<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<SaleAdjustment> {
    c.enter(element);
    let (mut line_number, mut item_id, mut adjustment) = (None, None, None);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"line-number" if line_number.is_none() => line_number = Some(c.whole(&el, x)?),
            b"item-id" if item_id.is_none() => item_id = Some(c.string(&el, x)?),
            b"refund" if adjustment.is_none() => adjustment = Some(LineAdjustment::Refund(read_refund(c, &el, x)?)),
            b"return" if adjustment.is_none() => adjustment = Some(LineAdjustment::Return(read_return(c, &el, x)?)),
            _ => return Err(c.unexpected("sale-adjustment", &el)),
        }
    }
    Ok(SaleAdjustment {
        line_number: line_number.ok_or_else(|| c.missing(element, "line-number"))?,
        item_id: item_id.ok_or_else(|| c.missing(element, "item-id"))?,
        adjustment: adjustment.ok_or_else(|| c.missing(element, "refund> or <return"))?,
    })
}

fn read_amount<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<AdjustmentAmount> {
    c.enter(element);
    let mut amount = None;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"amount-in-dollars" if amount.is_none() => amount = Some(AdjustmentAmount::InDollars(c.decimal(&el, x)?)),
            b"amount-in-percentage" if amount.is_none() => {
                amount = Some(AdjustmentAmount::InPercentage(c.decimal(&el, x)?))
            }
            _ => return Err(c.unexpected(element.name(), &el)),
        }
    }
    amount.ok_or_else(|| c.missing(element, "amount-in-dollars"))
}

fn read_memo<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Memo> {
    c.enter(element);
    let mut memo = Memo::default();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"internal-memo" if memo.internal_memo.is_none() => memo.internal_memo = Some(c.string(&el, x)?),
            b"external-memo" if memo.external_memo.is_none() => memo.external_memo = Some(c.string(&el, x)?),
            _ => return Err(c.unexpected("memo", &el)),
        }
    }
    Ok(memo)
}

fn read_refund<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Refund> {
    c.enter(element);
    let mut r = Refund::default();
    let (mut id, mut reason) = (false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"adjustment-unique-id" if !id => {
                r.adjustment_unique_id = c.string(&el, x)?;
                id = true;
            }
            b"refund-amount" if r.refund_amount.is_none() => r.refund_amount = Some(read_amount(c, &el, x)?),
            b"refund-reason" if !reason => {
                r.refund_reason = c.string(&el, x)?;
                reason = true;
            }
            b"refund-date" if r.refund_date.is_none() => r.refund_date = Some(c.date(&el, x)?),
            b"memo" if r.memo.is_none() => r.memo = Some(read_memo(c, &el, x)?),
            _ => return Err(c.unexpected(element.name(), &el)),
        }
    }
    if !id {
        return Err(c.missing(element, "adjustment-unique-id"));
    }
    if !reason {
        return Err(c.missing(element, "refund-reason"));
    }
    Ok(r)
}

fn read_return<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Return> {
    c.enter(element);
    let mut r = Return::default();
    let (mut id, mut reason, mut quantity) = (false, false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"return-unique-id" if !id => {
                r.return_unique_id = c.string(&el, x)?;
                id = true;
            }
            b"return-amount" if r.return_amount.is_none() => r.return_amount = Some(read_amount(c, &el, x)?),
            b"return-reason" if !reason => {
                r.return_reason = c.string(&el, x)?;
                reason = true;
            }
            b"return-date" if r.return_date.is_none() => r.return_date = Some(c.date(&el, x)?),
            b"quantity" if !quantity => {
                r.quantity = c.whole(&el, x)?;
                quantity = true;
            }
            b"memo" if r.memo.is_none() => r.memo = Some(read_memo(c, &el, x)?),
            _ => return Err(c.unexpected("return", &el)),
        }
    }
    for (present, name) in [(id, "return-unique-id"), (reason, "return-reason"), (quantity, "quantity")] {
        if !present {
            return Err(c.missing(element, name));
        }
    }
    Ok(r)
}
