//! Shipment confirmation, ASN v7 (`PUT oms/asn/v7`, SPEC §5): a `shipment-feed` with one `shipment` per
//! purchase order, one `detail` per package (tracking number), and in each package the PO lines and the
//! quantities it holds (partial quantities allowed; Sears cancels what a shipment leaves out).

use jiff::civil::Date;
use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind, FeedError};
use crate::xml_read::{Cursor, Element, Extras, Result};
use crate::xml_write::{Check, XmlOut};

/// The ASN version the client sends.
pub const ASN_VERSION: u32 = 7;

const FEED: &str = "shipment-feed";

/// A `shipment-feed`. Build it, then [`ShipmentFeed::to_xml`] checks every value and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShipmentFeed {
    /// Set when read from a document; the writer writes the namespace of the version it is asked for.
    pub namespace: Option<String>,
    pub deprecated: Option<Date>,
    pub shipments: Vec<Shipment>,
}

/// `shipment`: one purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Shipment {
    pub header: ShipmentHeader,
    /// `detail`: one per package.
    pub details: Vec<ShipmentDetail>,
}

/// `header`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShipmentHeader {
    /// The seller's own reference, at most 20 characters.
    pub asn_number: Option<String>,
    pub po_number: String,
    /// Must equal Sears's PO date.
    pub po_date: Date,
    pub po_time: Option<String>,
    pub unit: Option<String>,
    pub site: Option<String>,
    pub channel: Option<String>,
    pub location_id: Option<String>,
}

/// `detail`: one package.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShipmentDetail {
    /// At most 45 characters.
    pub tracking_number: Option<String>,
    pub ship_date: Date,
    /// A carrier code of the carrier list, e.g. `UPS`, `FDE`, `USPS`, `OTH`.
    pub shipping_carrier: String,
    /// A method of that carrier, e.g. `Ground`.
    pub shipping_method: String,
    /// `package-detail`: the lines in this package.
    pub package_details: Vec<PackageDetail>,
}

/// `package-detail`: a quantity of one PO line in one package.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PackageDetail {
    pub line_number: u32,
    /// The line's `item-id` (at most 50 characters).
    pub item_id: String,
    pub quantity: u32,
}

/// `http://seller.marketplace.sears.com/oms/v{version}`
pub fn oms_namespace(version: u32) -> String {
    format!("http://seller.marketplace.sears.com/oms/v{version}")
}

impl ShipmentFeed {
    /// The feed as ASN v7 XML, after checking every value against the v7 schema's rules.
    pub fn to_xml(&self) -> std::result::Result<String, FeedError> {
        self.to_xml_version(ASN_VERSION)
    }

    /// The feed in the namespace of another ASN version with the same structure (v1, v3, v5).
    pub fn to_xml_version(&self, version: u32) -> std::result::Result<String, FeedError> {
        let check = Check { feed: FEED };
        if self.shipments.is_empty() {
            return Err(check.fail(FEED, "has no shipment; a feed needs at least one"));
        }
        let mut out = XmlOut::new();
        out.open_root(FEED, &oms_namespace(version));
        if let Some(deprecated) = self.deprecated {
            out.leaf("deprecated", &check.date("deprecated", deprecated)?);
        }
        for (s, shipment) in self.shipments.iter().enumerate() {
            let at = format!("shipment[{}]", s + 1);
            out.open("shipment");
            let h = &shipment.header;
            out.open("header");
            let optional = |out: &mut XmlOut, name: &str, value: &Option<String>, max: Option<usize>| {
                if let Some(value) = value {
                    check.text(&format!("{at}/header[1]/{name}"), value, max)?;
                    out.leaf(name, value);
                }
                Ok::<(), FeedError>(())
            };
            optional(&mut out, "asn-number", &h.asn_number, Some(20))?;
            check.po_number(&format!("{at}/header[1]/po-number"), &h.po_number)?;
            out.leaf("po-number", &h.po_number);
            out.leaf("po-date", &check.date(&format!("{at}/header[1]/po-date"), h.po_date)?);
            optional(&mut out, "po-time", &h.po_time, None)?;
            optional(&mut out, "unit", &h.unit, None)?;
            optional(&mut out, "site", &h.site, None)?;
            optional(&mut out, "channel", &h.channel, None)?;
            optional(&mut out, "location-id", &h.location_id, None)?;
            out.close("header");
            if shipment.details.is_empty() {
                return Err(check.fail(&at, "has no package (detail); a shipment needs at least one"));
            }
            for (d, detail) in shipment.details.iter().enumerate() {
                let at = format!("{at}/detail[{}]", d + 1);
                out.open("detail");
                if let Some(tracking) = &detail.tracking_number {
                    check.text(&format!("{at}/tracking-number"), tracking, Some(45))?;
                    out.leaf("tracking-number", tracking);
                }
                out.leaf("ship-date", &check.date(&format!("{at}/ship-date"), detail.ship_date)?);
                check.text(&format!("{at}/shipping-carrier"), &detail.shipping_carrier, None)?;
                out.leaf("shipping-carrier", &detail.shipping_carrier);
                check.text(&format!("{at}/shipping-method"), &detail.shipping_method, None)?;
                out.leaf("shipping-method", &detail.shipping_method);
                if detail.package_details.is_empty() {
                    return Err(check.fail(&at, "has no package-detail; a package holds at least one line"));
                }
                for (p, package) in detail.package_details.iter().enumerate() {
                    let at = format!("{at}/package-detail[{}]", p + 1);
                    out.open("package-detail");
                    check.positive(&format!("{at}/line-number"), package.line_number)?;
                    out.leaf("line-number", &package.line_number.to_string());
                    check.text(&format!("{at}/item-id"), &package.item_id, Some(50))?;
                    out.leaf("item-id", &package.item_id);
                    check.positive(&format!("{at}/quantity"), package.quantity)?;
                    out.leaf("quantity", &package.quantity.to_string());
                    out.close("package-detail");
                }
                out.close("detail");
            }
            out.close("shipment");
        }
        out.close(FEED);
        Ok(out.finish())
    }

    /// Reads a `shipment-feed` (any version with the v7 structure). Feeds are Wharf's own documents, so an
    /// element the schema does not have is an error here.
    pub fn parse(bytes: &[u8]) -> std::result::Result<ShipmentFeed, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != FEED.as_bytes() {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "a shipment-feed (ASN)".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let mut feed = ShipmentFeed { namespace: c.default_namespace(&root), ..ShipmentFeed::default() };
        c.enter(&root);
        while let Some(el) = c.next_child()? {
            match el.local_name() {
                b"deprecated" if feed.deprecated.is_none() && feed.shipments.is_empty() => {
                    feed.deprecated = Some(c.date(&el, &mut x)?)
                }
                b"shipment" => feed.shipments.push(read_shipment(&mut c, &el, &mut x)?),
                _ => return Err(c.unexpected(FEED, &el)),
            }
        }
        c.finish()?;
        if feed.shipments.is_empty() {
            return Err(c.missing(&root, "shipment"));
        }
        Ok(feed)
    }
}

fn read_shipment<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Shipment> {
    c.enter(element);
    let mut shipment = Shipment::default();
    let mut have_header = false;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"header" if !have_header && shipment.details.is_empty() => {
                shipment.header = read_header(c, &el, x)?;
                have_header = true;
            }
            b"detail" if have_header => shipment.details.push(read_detail(c, &el, x)?),
            _ => return Err(c.unexpected("shipment", &el)),
        }
    }
    if !have_header {
        return Err(c.missing(element, "header"));
    }
    if shipment.details.is_empty() {
        return Err(c.missing(element, "detail"));
    }
    Ok(shipment)
}

fn read_header<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<ShipmentHeader> {
    c.enter(element);
    let mut h = ShipmentHeader::default();
    let (mut po_number, mut po_date) = (false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"asn-number" if h.asn_number.is_none() => h.asn_number = Some(c.string(&el, x)?),
            b"po-number" if !po_number => {
                h.po_number = c.string(&el, x)?;
                po_number = true;
            }
            b"po-date" if !po_date => {
                h.po_date = c.date(&el, x)?;
                po_date = true;
            }
            b"po-time" if h.po_time.is_none() => h.po_time = Some(c.string(&el, x)?),
            b"unit" if h.unit.is_none() => h.unit = Some(c.string(&el, x)?),
            b"site" if h.site.is_none() => h.site = Some(c.string(&el, x)?),
            b"channel" if h.channel.is_none() => h.channel = Some(c.string(&el, x)?),
            b"location-id" if h.location_id.is_none() => h.location_id = Some(c.string(&el, x)?),
            _ => return Err(c.unexpected("header", &el)),
        }
    }
    if !po_number {
        return Err(c.missing(element, "po-number"));
    }
    if !po_date {
        return Err(c.missing(element, "po-date"));
    }
    Ok(h)
}

fn read_detail<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<ShipmentDetail> {
    c.enter(element);
    let mut d = ShipmentDetail::default();
    let (mut ship_date, mut carrier, mut method) = (false, false, false);
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"tracking-number" if d.tracking_number.is_none() => d.tracking_number = Some(c.string(&el, x)?),
            b"ship-date" if !ship_date => {
                d.ship_date = c.date(&el, x)?;
                ship_date = true;
            }
            b"shipping-carrier" if !carrier => {
                d.shipping_carrier = c.string(&el, x)?;
                carrier = true;
            }
            b"shipping-method" if !method => {
                d.shipping_method = c.string(&el, x)?;
                method = true;
            }
            b"package-detail" => {
                c.enter(&el);
                let mut p = PackageDetail::default();
                let (mut line, mut item, mut quantity) = (false, false, false);
                while let Some(child) = c.next_child()? {
                    match child.local_name() {
                        b"line-number" if !line => {
                            p.line_number = c.whole(&child, x)?;
                            line = true;
                        }
                        b"item-id" if !item => {
                            p.item_id = c.string(&child, x)?;
                            item = true;
                        }
                        b"quantity" if !quantity => {
                            p.quantity = c.whole(&child, x)?;
                            quantity = true;
                        }
                        _ => return Err(c.unexpected("package-detail", &child)),
                    }
                }
                for (present, name) in [(line, "line-number"), (item, "item-id"), (quantity, "quantity")] {
                    if !present {
                        return Err(c.missing(&el, name));
                    }
                }
                d.package_details.push(p);
            }
            _ => return Err(c.unexpected("detail", &el)),
        }
    }
    for (present, name) in [(ship_date, "ship-date"), (carrier, "shipping-carrier"), (method, "shipping-method")] {
        if !present {
            return Err(c.missing(element, name));
        }
    }
    if d.package_details.is_empty() {
        return Err(c.missing(element, "package-detail"));
    }
    Ok(d)
}
