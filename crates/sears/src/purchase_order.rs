//! Purchase orders (`GET oms/purchaseorder/v{N}`): the `po-response` document of every version from v4 to
//! v19, read by local element names (SPEC §4).
//!
//! Every element of the v19 schema has a typed field; the older versions are subsets, except v4's
//! order-level `sales-tax` ([`PurchaseOrder::sales_tax`]). Anything else is kept in
//! [`PurchaseOrder::unknown`]. Repeated elements are always lists (§4.4). Statuses are open strings (§4.6).
//! Each order keeps its raw XML as a cheap slice of the response body ([`PurchaseOrder::raw_xml`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use jiff::civil::{Date, Time};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::neutral::NeutralBuilder;
use crate::xml_read::{At, Cursor, Element, Extras, Result, UnknownItem, trim_xml};

/// A `po-response`: the purchase orders Sears returned for one query (there is no paging).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PoResponse {
    /// The document's default namespace, e.g. `http://seller.marketplace.sears.com/oms/v19`.
    pub namespace: Option<String>,
    /// The API version read from the namespace (`19` above).
    pub version: Option<u32>,
    /// The date Sears stops supporting this API version, when Sears announces one.
    pub deprecated: Option<Date>,
    pub purchase_orders: Vec<PurchaseOrder>,
    /// Orders that are well-formed XML but could not be read (e.g. a price that is not a decimal). They
    /// are listed with the reason, never dropped silently; the other orders of the response are unaffected.
    pub unreadable: Vec<UnreadableOrder>,
    /// Unknown elements and attributes of `po-response` itself (paths relative to it).
    pub unknown: Vec<UnknownItem>,
}

/// A purchase order that could not be read, with what was readable of its key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadableOrder {
    pub po_number: Option<String>,
    pub po_date: Option<Date>,
    pub error: ErrorText,
    #[serde(skip)]
    pub raw: Bytes,
    #[serde(skip)]
    pub decode_error: DecodeError,
}

/// An error as text, for serialization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ErrorText(pub String);

/// One `purchase-order`. Field names follow the element names; the element order of the v19 XSD.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PurchaseOrder {
    pub customer_order_confirmation_number: Option<String>,
    /// Sears's relay address for the buyer.
    pub customer_email: Option<String>,
    /// Digits, kept as written: leading zeros occur. Not unique over time: the key is (po-number, po-date).
    pub po_number: String,
    /// US Central date.
    pub po_date: Date,
    /// US Central time.
    pub po_time: Option<Time>,
    pub po_number_with_date: Option<String>,
    pub unit: Option<String>,
    pub site: Option<String>,
    pub channel: Option<String>,
    pub location_id: Option<String>,
    /// Store pickup ("local marketplace") order. (Rare sub-structures are boxed to keep orders small.)
    pub lmp_details: Option<Box<LmpDetails>>,
    pub expected_ship_date: Option<Date>,
    pub promised_date: Option<Date>,
    pub shipping_detail: Option<ShippingDetail>,
    pub ship_to_store_detail: Option<Box<ShipToStoreDetail>>,
    pub customer_name: Option<String>,
    pub po_lines: Vec<PoLine>,
    pub order_total_sell_price: Option<Decimal>,
    pub total_commission: Option<Decimal>,
    pub total_shipping_handling: Option<Decimal>,
    pub total_sales_tax: Option<Decimal>,
    /// v4's order-level `sales-tax` (later versions have `total-sales-tax`).
    pub sales_tax: Option<Decimal>,
    pub balance_due: Option<Decimal>,
    /// Open set: `New`, `Open`, `Closed`, `Ready to Invoice`, ... (SPEC §4.6).
    pub po_status: Option<String>,
    /// `po-shipment-info`: shipments Sears already recorded (`None` when the element is absent).
    pub po_shipment_info: Option<Vec<PoShipment>>,
    pub tax_reference: Option<Box<TaxReference>>,
    pub tax_certificate_url: Option<String>,
    pub total_shipping_tax: Option<Decimal>,
    pub total_order_value: Option<Decimal>,
    pub tax_remitted_to_seller: Option<String>,
    pub lease_order: Option<String>,
    /// Elements and attributes the model has no field for (paths relative to `purchase-order`).
    pub unknown: Vec<UnknownItem>,
    /// Texts whose typed value would print differently (e.g. `+1.5`), by neutral path; see `to_neutral`.
    #[serde(skip)]
    written: Vec<(String, String)>,
    #[serde(skip)]
    raw: Bytes,
    /// The namespace declarations of `po-response` (attribute name, value as written), shared by its orders.
    #[serde(skip)]
    namespace_declarations: Option<Arc<[(String, String)]>>,
}

/// `lmp-details`: a store-pickup order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LmpDetails {
    /// e.g. `customer-pickup`.
    pub order_type: Option<String>,
    /// e.g. `now`.
    pub pickup_ind: Option<String>,
    pub pickup_location: Option<PickupLocation>,
    pub delivery_instructions: Option<String>,
    pub dropoff_ind: Option<String>,
    pub delivery_date: Option<Date>,
    /// xs:dateTime, kept as written (the zone, if any, is Sears's).
    pub expected_pickup_date: Option<String>,
    pub ucc_barcode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PickupLocation {
    pub name: Option<String>,
    /// One entry per address line.
    pub address: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub phone: Option<String>,
}

/// `shipping-detail`: where to ship. Sears sends no country (US).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShippingDetail {
    pub ship_to_name: Option<String>,
    /// One entry per address line.
    pub address: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub phone: Option<String>,
    /// The service the buyer chose, e.g. `Ground`.
    pub shipping_method: Option<String>,
    pub carrier: Option<String>,
}

/// `ship-to-store-detail`: the store the order ships to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShipToStoreDetail {
    /// The XSD allows one line; kept as a list like every other address.
    pub address: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub phone: Option<String>,
    pub store_delivery_date: Option<Date>,
    pub ucc_barcode: Option<String>,
}

/// `po-shipment-info/shipment`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PoShipment {
    pub ship_method: Option<String>,
    /// `Not Available` when Sears has none.
    pub shipment_tracking_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TaxReference {
    pub delivery_tax_code: Option<String>,
    pub tax_rate: Option<String>,
    pub avp_taxing_jx_geo_code: Option<String>,
    pub avp_taxing_jx_county: Option<String>,
    pub transfer_to_state_code: Option<String>,
    pub ship_to_taxware_geo: Option<String>,
}

/// `po-line` = one `po-line-header` + quantity buckets.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PoLine {
    pub po_line_header: PoLineHeader,
    /// `po-line-detail`: quantity buckets per status (e.g. part shipped, part open).
    pub po_line_details: Vec<PoLineDetail>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PoLineHeader {
    /// The key ASN, cancel and adjustment feeds use; lines may not start at 1.
    pub line_number: u32,
    /// The seller's SKU.
    pub item_id: String,
    pub item_name: Option<String>,
    pub item_class_id: Option<u64>,
    pub oms_order_item_id: Option<String>,
    pub oms_parent_order_item_id: Option<String>,
    pub handling_instructions: Option<String>,
    pub handling_ind: Option<String>,
    pub unit_cost: Option<Decimal>,
    pub selling_price_each: Decimal,
    pub order_quantity: u32,
    pub commission: Option<Decimal>,
    pub sales_tax: Option<Decimal>,
    pub shipping_and_handling: Option<Decimal>,
    pub shipping_tax: Option<Decimal>,
    /// `fees/fee` (`None` when there is no `fees` element).
    pub fees: Option<Vec<Fee>>,
    pub shipping_commission: Option<Decimal>,
    pub gift_message_details: Option<GiftMessageDetails>,
    /// Present when the buyer asked to cancel: check the cancellation requests before shipping.
    pub customer_cancellation_warning: Option<String>,
}

/// `fee`: an amount with a `type` attribute (discounts, coupons and promotions are fees too).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Fee {
    pub fee_type: Option<String>,
    pub amount: Decimal,
}

/// `gift-message-details`, whose structure Sears never published: its text and its raw XML are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GiftMessageDetails {
    /// Every descendant text, each trimmed, empty ones dropped, joined with a line feed.
    pub text: String,
    /// The element as written, start tag to end tag.
    pub xml: String,
}

impl GiftMessageDetails {
    /// The XML between the start and end tags, as written.
    pub fn inner_xml(&self) -> &str {
        let Some(open_end) = self.xml.find('>') else {
            return "";
        };
        if self.xml[..open_end].ends_with('/') {
            return "";
        }
        let close_start = self.xml.rfind("</").unwrap_or(self.xml.len());
        self.xml.get(open_end + 1..close_start).unwrap_or("")
    }
}

/// `po-line-detail`: a quantity in one status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PoLineDetail {
    /// Open set; the v4 sample says `NEW`.
    pub po_line_status: String,
    pub quantity: u32,
    pub internal_memo: Option<String>,
    pub external_memo: Option<String>,
}

impl PoResponse {
    /// Reads a `po-response` (or a single stored `purchase-order`). The orders' raw XML are slices of `body`.
    pub fn parse(body: &Bytes) -> std::result::Result<PoResponse, DecodeError> {
        let mut cursor = Cursor::new(body);
        let root = cursor.root()?;
        let mut response = PoResponse { namespace: cursor.default_namespace(&root), ..PoResponse::default() };
        response.version = response.namespace.as_deref().and_then(namespace_version);
        match root.local_name() {
            b"po-response" => {
                let declarations = cursor.namespace_declarations(&root);
                let declarations: Option<Arc<[(String, String)]>> =
                    (!declarations.is_empty()).then(|| declarations.into());
                let mut extras = Extras::default();
                cursor.attributes(&root, At::Origin, [], &mut extras)?;
                cursor.enter(&root);
                cursor.set_path_origin();
                while let Some(child) = cursor.next_child()? {
                    match child.local_name() {
                        b"purchase-order" => {
                            read_order_isolated(&mut cursor, &child, body, &declarations, &mut response)?
                        }
                        b"deprecated" if response.deprecated.is_none() => {
                            response.deprecated = Some(cursor.date(&child, &mut extras)?)
                        }
                        _ => cursor.unknown(&child, &mut extras)?,
                    }
                }
                response.unknown = extras.unknown;
            }
            b"purchase-order" => {
                cursor.enter(&root);
                cursor.set_path_origin();
                let mut order = PurchaseOrder::default();
                let mut key = OrderKey::default();
                read_purchase_order(&mut cursor, &root, &mut order, &mut key)?;
                order.raw = body.slice(cursor.original_range(root.offset..cursor.position()));
                response.purchase_orders.push(order);
            }
            _ => {
                let kind = DecodeErrorKind::UnexpectedRoot { expected: "a po-response (purchase orders)".into() };
                return Err(cursor.error(root.offset, Some(root.name()), kind));
            }
        }
        cursor.finish()?;
        Ok(response)
    }

    /// Like [`PoResponse::parse`], but any unreadable order is an error.
    pub fn parse_strict(body: &Bytes) -> std::result::Result<PoResponse, DecodeError> {
        let response = Self::parse(body)?;
        match response.unreadable.first() {
            Some(unreadable) => Err(unreadable.decode_error.clone()),
            None => Ok(response),
        }
    }
}

/// `http://seller.marketplace.sears.com/oms/v19` -> 19.
pub(crate) fn namespace_version(namespace: &str) -> Option<u32> {
    let (_, last) = namespace.trim_end_matches('/').rsplit_once('/')?;
    last.strip_prefix('v')?.parse().ok()
}

#[derive(Default)]
struct OrderKey {
    po_number: bool,
    po_date: bool,
}

fn read_order_isolated<'a>(
    cursor: &mut Cursor<'a>,
    element: &Element<'a>,
    body: &Bytes,
    declarations: &Option<Arc<[(String, String)]>>,
    response: &mut PoResponse,
) -> Result<()> {
    let checkpoint = cursor.checkpoint(element);
    cursor.enter(element);
    let origin = cursor.set_path_origin();
    // Built in place: a purchase order is large, and moving each one costs a visible share of a parse.
    response.purchase_orders.push(PurchaseOrder::default());
    let order = response.purchase_orders.last_mut().expect("just pushed");
    let mut key = OrderKey::default();
    let outcome = read_purchase_order(cursor, element, order, &mut key);
    cursor.restore_path_origin(origin);
    match outcome {
        Ok(()) => {
            order.raw = body.slice(cursor.original_range(element.offset..cursor.position()));
            order.namespace_declarations = declarations.clone();
            Ok(())
        }
        Err(error) if !error.is_fatal() => {
            let order = response.purchase_orders.pop().expect("just pushed");
            cursor.recover(checkpoint)?;
            response.unreadable.push(UnreadableOrder {
                po_number: key.po_number.then(|| order.po_number.clone()),
                po_date: key.po_date.then_some(order.po_date),
                error: ErrorText(error.to_string()),
                raw: body.slice(cursor.original_range(element.offset..cursor.position())),
                decode_error: error,
            });
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Reads the children of an entered `purchase-order`.
fn read_purchase_order<'a>(
    c: &mut Cursor<'a>,
    element: &Element<'a>,
    o: &mut PurchaseOrder,
    key: &mut OrderKey,
) -> Result<()> {
    let mut x = Extras::default();
    c.attributes(element, At::Origin, [], &mut x)?;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"customer-order-confirmation-number" if o.customer_order_confirmation_number.is_none() => {
                o.customer_order_confirmation_number = Some(c.string(&el, &mut x)?)
            }
            b"customer-email" if o.customer_email.is_none() => o.customer_email = Some(c.string(&el, &mut x)?),
            b"po-number" if !key.po_number => {
                o.po_number = c.string(&el, &mut x)?;
                key.po_number = true;
            }
            b"po-date" if !key.po_date => {
                o.po_date = c.date(&el, &mut x)?;
                key.po_date = true;
            }
            b"po-time" if o.po_time.is_none() => o.po_time = Some(c.time(&el, &mut x)?),
            b"po-number-with-date" if o.po_number_with_date.is_none() => {
                o.po_number_with_date = Some(c.string(&el, &mut x)?)
            }
            b"unit" if o.unit.is_none() => o.unit = Some(c.string(&el, &mut x)?),
            b"site" if o.site.is_none() => o.site = Some(c.string(&el, &mut x)?),
            b"channel" if o.channel.is_none() => o.channel = Some(c.string(&el, &mut x)?),
            b"location-id" if o.location_id.is_none() => o.location_id = Some(c.string(&el, &mut x)?),
            b"lmp-details" if o.lmp_details.is_none() => {
                o.lmp_details = Some(Box::new(read_lmp_details(c, &el, &mut x)?))
            }
            b"expected-ship-date" if o.expected_ship_date.is_none() => {
                o.expected_ship_date = Some(c.date(&el, &mut x)?)
            }
            b"promised-date" if o.promised_date.is_none() => o.promised_date = Some(c.date(&el, &mut x)?),
            b"shipping-detail" if o.shipping_detail.is_none() => {
                o.shipping_detail = Some(read_shipping_detail(c, &el, &mut x)?)
            }
            b"ship-to-store-detail" if o.ship_to_store_detail.is_none() => {
                o.ship_to_store_detail = Some(Box::new(read_ship_to_store(c, &el, &mut x)?))
            }
            b"customer-name" if o.customer_name.is_none() => o.customer_name = Some(c.string(&el, &mut x)?),
            b"po-line" => {
                o.po_lines.push(PoLine::default());
                read_po_line(c, &el, &mut x, o.po_lines.last_mut().expect("just pushed"))?;
            }
            b"order-total-sell-price" if o.order_total_sell_price.is_none() => {
                o.order_total_sell_price = Some(c.decimal(&el, &mut x)?)
            }
            b"total-commission" if o.total_commission.is_none() => o.total_commission = Some(c.decimal(&el, &mut x)?),
            b"total-shipping-handling" if o.total_shipping_handling.is_none() => {
                o.total_shipping_handling = Some(c.decimal(&el, &mut x)?)
            }
            b"total-sales-tax" if o.total_sales_tax.is_none() => o.total_sales_tax = Some(c.decimal(&el, &mut x)?),
            b"sales-tax" if o.sales_tax.is_none() => o.sales_tax = Some(c.decimal(&el, &mut x)?),
            b"balance-due" if o.balance_due.is_none() => o.balance_due = Some(c.decimal(&el, &mut x)?),
            b"po-status" if o.po_status.is_none() => o.po_status = Some(c.string(&el, &mut x)?),
            b"po-shipment-info" if o.po_shipment_info.is_none() => {
                o.po_shipment_info = Some(read_shipment_info(c, &el, &mut x)?)
            }
            b"tax-reference" if o.tax_reference.is_none() => {
                o.tax_reference = Some(Box::new(read_tax_reference(c, &el, &mut x)?))
            }
            b"tax-certificate-url" if o.tax_certificate_url.is_none() => {
                o.tax_certificate_url = Some(c.string(&el, &mut x)?)
            }
            b"total-shipping-tax" if o.total_shipping_tax.is_none() => {
                o.total_shipping_tax = Some(c.decimal(&el, &mut x)?)
            }
            b"total-order-value" if o.total_order_value.is_none() => {
                o.total_order_value = Some(c.decimal(&el, &mut x)?)
            }
            b"tax-remitted-to-seller" if o.tax_remitted_to_seller.is_none() => {
                o.tax_remitted_to_seller = Some(c.string(&el, &mut x)?)
            }
            b"lease-order" if o.lease_order.is_none() => o.lease_order = Some(c.string(&el, &mut x)?),
            _ => c.unknown(&el, &mut x)?,
        }
    }
    o.unknown = x.unknown;
    o.written = x.written;
    if !key.po_number {
        return Err(c.missing(element, "po-number"));
    }
    if !key.po_date {
        return Err(c.missing(element, "po-date"));
    }
    Ok(())
}

/// Attributes of a container the model has no attribute for are kept; then the container is entered.
fn enter_container<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<()> {
    c.attributes(element, At::Child, [], x)?;
    c.enter(element);
    Ok(())
}

fn read_lmp_details<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<LmpDetails> {
    enter_container(c, element, x)?;
    let mut d = LmpDetails::default();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"order-type" if d.order_type.is_none() => d.order_type = Some(c.string(&el, x)?),
            b"pickup-ind" if d.pickup_ind.is_none() => d.pickup_ind = Some(c.string(&el, x)?),
            b"pickup-location" if d.pickup_location.is_none() => {
                d.pickup_location = Some(read_pickup_location(c, &el, x)?)
            }
            b"delivery-instructions" if d.delivery_instructions.is_none() => {
                d.delivery_instructions = Some(c.string(&el, x)?)
            }
            b"dropoff-ind" if d.dropoff_ind.is_none() => d.dropoff_ind = Some(c.string(&el, x)?),
            b"delivery-date" if d.delivery_date.is_none() => d.delivery_date = Some(c.date(&el, x)?),
            b"expected-pickup-date" if d.expected_pickup_date.is_none() => {
                d.expected_pickup_date = Some(c.string(&el, x)?)
            }
            b"ucc-barcode" if d.ucc_barcode.is_none() => d.ucc_barcode = Some(c.string(&el, x)?),
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(d)
}

fn read_pickup_location<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<PickupLocation> {
    enter_container(c, element, x)?;
    let mut d = PickupLocation::default();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"name" if d.name.is_none() => d.name = Some(c.string(&el, x)?),
            b"address" => d.address.push(c.string(&el, x)?),
            b"city" if d.city.is_none() => d.city = Some(c.string(&el, x)?),
            b"state" if d.state.is_none() => d.state = Some(c.string(&el, x)?),
            b"zipcode" if d.zipcode.is_none() => d.zipcode = Some(c.string(&el, x)?),
            b"phone" if d.phone.is_none() => d.phone = Some(c.string(&el, x)?),
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(d)
}

fn read_shipping_detail<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<ShippingDetail> {
    enter_container(c, element, x)?;
    let mut d = ShippingDetail::default();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"ship-to-name" if d.ship_to_name.is_none() => d.ship_to_name = Some(c.string(&el, x)?),
            b"address" => d.address.push(c.string(&el, x)?),
            b"city" if d.city.is_none() => d.city = Some(c.string(&el, x)?),
            b"state" if d.state.is_none() => d.state = Some(c.string(&el, x)?),
            b"zipcode" if d.zipcode.is_none() => d.zipcode = Some(c.string(&el, x)?),
            b"phone" if d.phone.is_none() => d.phone = Some(c.string(&el, x)?),
            b"shipping-method" if d.shipping_method.is_none() => d.shipping_method = Some(c.string(&el, x)?),
            b"carrier" if d.carrier.is_none() => d.carrier = Some(c.string(&el, x)?),
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(d)
}

fn read_ship_to_store<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<ShipToStoreDetail> {
    enter_container(c, element, x)?;
    let mut d = ShipToStoreDetail::default();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"address" => d.address.push(c.string(&el, x)?),
            b"city" if d.city.is_none() => d.city = Some(c.string(&el, x)?),
            b"state" if d.state.is_none() => d.state = Some(c.string(&el, x)?),
            b"zipcode" if d.zipcode.is_none() => d.zipcode = Some(c.string(&el, x)?),
            b"phone" if d.phone.is_none() => d.phone = Some(c.string(&el, x)?),
            b"store-delivery-date" if d.store_delivery_date.is_none() => d.store_delivery_date = Some(c.date(&el, x)?),
            b"ucc-barcode" if d.ucc_barcode.is_none() => d.ucc_barcode = Some(c.string(&el, x)?),
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(d)
}

fn read_shipment_info<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Vec<PoShipment>> {
    enter_container(c, element, x)?;
    let mut shipments = Vec::new();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"shipment" => {
                enter_container(c, &el, x)?;
                let mut s = PoShipment::default();
                while let Some(el) = c.next_child()? {
                    match el.local_name() {
                        b"ship-method" if s.ship_method.is_none() => s.ship_method = Some(c.string(&el, x)?),
                        b"shipment-tracking-number" if s.shipment_tracking_number.is_none() => {
                            s.shipment_tracking_number = Some(c.string(&el, x)?)
                        }
                        _ => c.unknown(&el, x)?,
                    }
                }
                shipments.push(s);
            }
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(shipments)
}

fn read_tax_reference<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<TaxReference> {
    enter_container(c, element, x)?;
    let mut d = TaxReference::default();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"delivery-tax-code" if d.delivery_tax_code.is_none() => d.delivery_tax_code = Some(c.string(&el, x)?),
            b"tax-rate" if d.tax_rate.is_none() => d.tax_rate = Some(c.string(&el, x)?),
            b"avp-taxing-jx-geo-code" if d.avp_taxing_jx_geo_code.is_none() => {
                d.avp_taxing_jx_geo_code = Some(c.string(&el, x)?)
            }
            b"avp-taxing-jx-county" if d.avp_taxing_jx_county.is_none() => {
                d.avp_taxing_jx_county = Some(c.string(&el, x)?)
            }
            b"transfer-to-state-code" if d.transfer_to_state_code.is_none() => {
                d.transfer_to_state_code = Some(c.string(&el, x)?)
            }
            b"ship-to-taxware-geo" if d.ship_to_taxware_geo.is_none() => {
                d.ship_to_taxware_geo = Some(c.string(&el, x)?)
            }
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(d)
}

fn read_po_line<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras, line: &mut PoLine) -> Result<()> {
    enter_container(c, element, x)?;
    let mut have_header = false;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"po-line-header" if !have_header => {
                read_po_line_header(c, &el, x, &mut line.po_line_header)?;
                have_header = true;
            }
            b"po-line-detail" => line.po_line_details.push(read_po_line_detail(c, &el, x)?),
            _ => c.unknown(&el, x)?,
        }
    }
    if !have_header {
        return Err(c.missing(element, "po-line-header"));
    }
    Ok(())
}

fn read_po_line_header<'a>(
    c: &mut Cursor<'a>,
    element: &Element<'a>,
    x: &mut Extras,
    h: &mut PoLineHeader,
) -> Result<()> {
    enter_container(c, element, x)?;
    let (mut line_number, mut item_id, mut price, mut quantity) = (false, false, false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"line-number" if !line_number => {
                h.line_number = c.whole(&el, x)?;
                line_number = true;
            }
            b"item-id" if !item_id => {
                h.item_id = c.string(&el, x)?;
                item_id = true;
            }
            b"item-name" if h.item_name.is_none() => h.item_name = Some(c.string(&el, x)?),
            b"item-class-id" if h.item_class_id.is_none() => h.item_class_id = Some(c.whole(&el, x)?),
            b"oms-order-item-id" if h.oms_order_item_id.is_none() => h.oms_order_item_id = Some(c.string(&el, x)?),
            b"oms-parent-order-item-id" if h.oms_parent_order_item_id.is_none() => {
                h.oms_parent_order_item_id = Some(c.string(&el, x)?)
            }
            b"handling-instructions" if h.handling_instructions.is_none() => {
                h.handling_instructions = Some(c.string(&el, x)?)
            }
            b"handling-ind" if h.handling_ind.is_none() => h.handling_ind = Some(c.string(&el, x)?),
            b"unit-cost" if h.unit_cost.is_none() => h.unit_cost = Some(c.decimal(&el, x)?),
            b"selling-price-each" if !price => {
                h.selling_price_each = c.decimal(&el, x)?;
                price = true;
            }
            b"order-quantity" if !quantity => {
                h.order_quantity = c.whole(&el, x)?;
                quantity = true;
            }
            b"commission" if h.commission.is_none() => h.commission = Some(c.decimal(&el, x)?),
            b"sales-tax" if h.sales_tax.is_none() => h.sales_tax = Some(c.decimal(&el, x)?),
            b"shipping-and-handling" if h.shipping_and_handling.is_none() => {
                h.shipping_and_handling = Some(c.decimal(&el, x)?)
            }
            b"shipping-tax" if h.shipping_tax.is_none() => h.shipping_tax = Some(c.decimal(&el, x)?),
            b"fees" if h.fees.is_none() => h.fees = Some(read_fees(c, &el, x)?),
            b"shipping-commission" if h.shipping_commission.is_none() => {
                h.shipping_commission = Some(c.decimal(&el, x)?)
            }
            b"gift-message-details" if h.gift_message_details.is_none() => {
                let range = c.skip(&el)?;
                let xml = c.text_of(range).to_owned();
                h.gift_message_details = Some(GiftMessageDetails { text: descendant_text(&xml), xml });
            }
            b"customer-cancellation-warning" if h.customer_cancellation_warning.is_none() => {
                h.customer_cancellation_warning = Some(c.string(&el, x)?)
            }
            _ => c.unknown(&el, x)?,
        }
    }
    for (present, name) in [
        (line_number, "line-number"),
        (item_id, "item-id"),
        (price, "selling-price-each"),
        (quantity, "order-quantity"),
    ] {
        if !present {
            return Err(c.missing(element, name));
        }
    }
    Ok(())
}

fn read_fees<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Vec<Fee>> {
    enter_container(c, element, x)?;
    let mut fees = Vec::new();
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"fee" => {
                let [fee_type] = c.attributes(&el, At::Child, ["type"], x)?;
                let text = c.leaf_text(&el)?;
                let amount = match crate::lexical::decimal(&text) {
                    Some(parsed) => {
                        if !parsed.canonical {
                            x.written.push((c.path_of(&el), text.into_owned()));
                        }
                        parsed.value
                    }
                    None => {
                        let kind = DecodeErrorKind::NotADecimal(text.into_owned());
                        return Err(c.error(el.offset, Some("fee"), kind));
                    }
                };
                fees.push(Fee { fee_type, amount });
            }
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(fees)
}

fn read_po_line_detail<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<PoLineDetail> {
    enter_container(c, element, x)?;
    let mut d = PoLineDetail::default();
    let (mut status, mut quantity) = (false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"po-line-status" if !status => {
                d.po_line_status = c.string(&el, x)?;
                status = true;
            }
            b"quantity" if !quantity => {
                d.quantity = c.whole(&el, x)?;
                quantity = true;
            }
            b"internal-memo" if d.internal_memo.is_none() => d.internal_memo = Some(c.string(&el, x)?),
            b"external-memo" if d.external_memo.is_none() => d.external_memo = Some(c.string(&el, x)?),
            _ => c.unknown(&el, x)?,
        }
    }
    if !status {
        return Err(c.missing(element, "po-line-status"));
    }
    if !quantity {
        return Err(c.missing(element, "quantity"));
    }
    Ok(d)
}

/// Every descendant text of a raw element, each run trimmed, empty runs dropped, joined with `\n`.
fn descendant_text(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, runs: &mut Vec<String>| {
        let trimmed = trim_xml(run);
        if !trimmed.is_empty() {
            runs.push(trimmed.to_owned());
        }
        run.clear();
    };
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Start(_) | Event::End(_) | Event::Empty(_)) => flush(&mut run, &mut runs),
            Ok(Event::Text(text)) => run.push_str(&text.xml10_content()),
            Ok(Event::CData(data)) => run.push_str(&data.xml10_content()),
            Ok(Event::GeneralRef(reference)) => match reference.resolve_char_ref() {
                Ok(Some(ch)) => run.push(ch),
                _ => run.push(match &*reference {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "apos" => '\'',
                    "quot" => '"',
                    _ => continue,
                }),
            },
            Ok(_) => {}
        }
    }
    flush(&mut run, &mut runs);
    runs.join("\n")
}

impl PurchaseOrder {
    /// The `purchase-order` element as Sears sent it (a slice of the response body, start tag to end tag;
    /// the namespace declarations of `po-response` are not in it).
    pub fn raw_xml(&self) -> &[u8] {
        &self.raw
    }

    /// The raw XML as a cheaply cloneable buffer sharing the response body.
    pub fn raw_bytes(&self) -> Bytes {
        self.raw.clone()
    }

    /// The raw XML as a document of its own: the `purchase-order` start tag also declares the namespaces
    /// that `po-response` declared (the version's default namespace, any prefixes used inside), unless it
    /// declares them itself. The rest is byte for byte as Sears sent it. Store this one.
    pub fn standalone_xml(&self) -> Cow<'_, [u8]> {
        let Some(declarations) = &self.namespace_declarations else {
            return Cow::Borrowed(&self.raw);
        };
        let mut reader = Reader::from_reader(&self.raw[..]);
        let Ok(Event::Start(start) | Event::Empty(start)) = reader.read_event() else {
            return Cow::Borrowed(&self.raw);
        };
        let own: Vec<String> = start
            .attributes()
            .flatten()
            .map(|a| a.key.as_ref().to_owned())
            .filter(|key| key == "xmlns" || key.starts_with("xmlns:"))
            .collect();
        let name_end = 1 + start.name().as_ref().len();
        let mut out = Vec::with_capacity(self.raw.len() + 200);
        out.extend_from_slice(&self.raw[..name_end]);
        for (key, value) in declarations.iter().filter(|(key, _)| !own.contains(key)) {
            out.extend_from_slice(format!(" {key}=\"{}\"", value.replace('"', "&quot;")).as_bytes());
        }
        out.extend_from_slice(&self.raw[name_end..]);
        Cow::Owned(out)
    }

    /// The order's sales tax: `total-sales-tax`, or v4's order-level `sales-tax`.
    pub fn order_sales_tax(&self) -> Option<Decimal> {
        self.total_sales_tax.or(self.sales_tax)
    }

    /// A store-pickup order (`lmp-details` with an order type mentioning pickup).
    pub fn is_pickup(&self) -> bool {
        self.lmp_details
            .as_ref()
            .and_then(|lmp| lmp.order_type.as_deref())
            .is_some_and(|order_type| order_type.to_ascii_lowercase().contains("pickup"))
    }

    /// The neutral form of this order (see the `neutral` module docs): element paths relative to the
    /// `purchase-order` element mapped to their text, built from the typed fields (and the kept unknown
    /// items), e.g. `po-line[2]/po-line-header[1]/item-id[1]` -> `SKU-1`, `.../fee[1]/@type` -> `discount`.
    pub fn to_neutral(&self) -> BTreeMap<String, String> {
        let mut b = NeutralBuilder::new();
        let o = self;
        b.opt("customer-order-confirmation-number", &o.customer_order_confirmation_number);
        b.opt("customer-email", &o.customer_email);
        b.leaf("po-number", 1, &o.po_number);
        b.leaf("po-date", 1, o.po_date);
        b.opt("po-time", &o.po_time);
        b.opt("po-number-with-date", &o.po_number_with_date);
        b.opt("unit", &o.unit);
        b.opt("site", &o.site);
        b.opt("channel", &o.channel);
        b.opt("location-id", &o.location_id);
        if let Some(lmp) = &o.lmp_details {
            let opened = b.open("lmp-details", 1);
            b.opt("order-type", &lmp.order_type);
            b.opt("pickup-ind", &lmp.pickup_ind);
            if let Some(location) = &lmp.pickup_location {
                let opened = b.open("pickup-location", 1);
                b.opt("name", &location.name);
                b.list("address", &location.address);
                b.opt("city", &location.city);
                b.opt("state", &location.state);
                b.opt("zipcode", &location.zipcode);
                b.opt("phone", &location.phone);
                b.close(opened);
            }
            b.opt("delivery-instructions", &lmp.delivery_instructions);
            b.opt("dropoff-ind", &lmp.dropoff_ind);
            b.opt("delivery-date", &lmp.delivery_date);
            b.opt("expected-pickup-date", &lmp.expected_pickup_date);
            b.opt("ucc-barcode", &lmp.ucc_barcode);
            b.close(opened);
        }
        b.opt("expected-ship-date", &o.expected_ship_date);
        b.opt("promised-date", &o.promised_date);
        if let Some(d) = &o.shipping_detail {
            let opened = b.open("shipping-detail", 1);
            b.opt("ship-to-name", &d.ship_to_name);
            b.list("address", &d.address);
            b.opt("city", &d.city);
            b.opt("state", &d.state);
            b.opt("zipcode", &d.zipcode);
            b.opt("phone", &d.phone);
            b.opt("shipping-method", &d.shipping_method);
            b.opt("carrier", &d.carrier);
            b.close(opened);
        }
        if let Some(d) = &o.ship_to_store_detail {
            let opened = b.open("ship-to-store-detail", 1);
            b.list("address", &d.address);
            b.opt("city", &d.city);
            b.opt("state", &d.state);
            b.opt("zipcode", &d.zipcode);
            b.opt("phone", &d.phone);
            b.opt("store-delivery-date", &d.store_delivery_date);
            b.opt("ucc-barcode", &d.ucc_barcode);
            b.close(opened);
        }
        b.opt("customer-name", &o.customer_name);
        for (i, line) in o.po_lines.iter().enumerate() {
            let opened = b.open("po-line", i + 1);
            let h = &line.po_line_header;
            let header = b.open("po-line-header", 1);
            b.leaf("line-number", 1, h.line_number);
            b.leaf("item-id", 1, &h.item_id);
            b.opt("item-name", &h.item_name);
            b.opt("item-class-id", &h.item_class_id);
            b.opt("oms-order-item-id", &h.oms_order_item_id);
            b.opt("oms-parent-order-item-id", &h.oms_parent_order_item_id);
            b.opt("handling-instructions", &h.handling_instructions);
            b.opt("handling-ind", &h.handling_ind);
            b.opt("unit-cost", &h.unit_cost);
            b.leaf("selling-price-each", 1, h.selling_price_each);
            b.leaf("order-quantity", 1, h.order_quantity);
            b.opt("commission", &h.commission);
            b.opt("sales-tax", &h.sales_tax);
            b.opt("shipping-and-handling", &h.shipping_and_handling);
            b.opt("shipping-tax", &h.shipping_tax);
            if let Some(fees) = &h.fees {
                let opened = b.open("fees", 1);
                for (i, fee) in fees.iter().enumerate() {
                    b.leaf("fee", i + 1, fee.amount);
                    if let Some(fee_type) = &fee.fee_type {
                        b.attribute_of("fee", i + 1, "type", fee_type);
                    }
                }
                b.close(opened);
            }
            b.opt("shipping-commission", &h.shipping_commission);
            if let Some(gift) = &h.gift_message_details {
                b.fragment("gift-message-details", 1, &gift.xml);
            }
            b.opt("customer-cancellation-warning", &h.customer_cancellation_warning);
            b.close(header);
            for (i, d) in line.po_line_details.iter().enumerate() {
                let opened = b.open("po-line-detail", i + 1);
                b.leaf("po-line-status", 1, &d.po_line_status);
                b.leaf("quantity", 1, d.quantity);
                b.opt("internal-memo", &d.internal_memo);
                b.opt("external-memo", &d.external_memo);
                b.close(opened);
            }
            b.close(opened);
        }
        b.opt("order-total-sell-price", &o.order_total_sell_price);
        b.opt("total-commission", &o.total_commission);
        b.opt("total-shipping-handling", &o.total_shipping_handling);
        b.opt("total-sales-tax", &o.total_sales_tax);
        b.opt("sales-tax", &o.sales_tax);
        b.opt("balance-due", &o.balance_due);
        b.opt("po-status", &o.po_status);
        if let Some(shipments) = &o.po_shipment_info {
            let opened = b.open("po-shipment-info", 1);
            for (i, s) in shipments.iter().enumerate() {
                let opened = b.open("shipment", i + 1);
                b.opt("ship-method", &s.ship_method);
                b.opt("shipment-tracking-number", &s.shipment_tracking_number);
                b.close(opened);
            }
            b.close(opened);
        }
        if let Some(t) = &o.tax_reference {
            let opened = b.open("tax-reference", 1);
            b.opt("delivery-tax-code", &t.delivery_tax_code);
            b.opt("tax-rate", &t.tax_rate);
            b.opt("avp-taxing-jx-geo-code", &t.avp_taxing_jx_geo_code);
            b.opt("avp-taxing-jx-county", &t.avp_taxing_jx_county);
            b.opt("transfer-to-state-code", &t.transfer_to_state_code);
            b.opt("ship-to-taxware-geo", &t.ship_to_taxware_geo);
            b.close(opened);
        }
        b.opt("tax-certificate-url", &o.tax_certificate_url);
        b.opt("total-shipping-tax", &o.total_shipping_tax);
        b.opt("total-order-value", &o.total_order_value);
        b.opt("tax-remitted-to-seller", &o.tax_remitted_to_seller);
        b.opt("lease-order", &o.lease_order);
        let extras = Extras { unknown: o.unknown.clone(), written: o.written.clone() };
        b.finish(&extras)
    }
}
