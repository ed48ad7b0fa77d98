//! Inventory documents, read-only for `wharf sears decode`: the import feed `inventory-feed` (v7,
//! `fbm-inventory/item`) and the export `inventory` (v5, items by location). Wharf does not sync
//! inventory yet.

use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::xml_read::{At, Cursor, Element, Extras, Result, UnknownItem};

/// `inventory-feed` (import v7).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InventoryFeed {
    pub namespace: Option<String>,
    /// `fbm-inventory/item`.
    pub items: Vec<InventoryFeedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InventoryFeedItem {
    /// The `item-id` attribute: the seller's SKU.
    pub item_id: String,
    pub quantity: u64,
    /// xs:integer (may be negative).
    pub low_inventory_threshold: Option<i64>,
    /// xs:dateTime, as written.
    pub inventory_timestamp: Option<String>,
}

/// `inventory` (export v5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InventoryExport {
    pub namespace: Option<String>,
    pub seller_id: Option<String>,
    pub items: Vec<InventoryExportItem>,
    pub unknown: Vec<UnknownItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InventoryExportItem {
    pub seller_product_id: String,
    /// `FBM` or `FBS`.
    pub program_type: Option<String>,
    pub variation_group_id: Option<String>,
    pub locations: Vec<InventoryLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InventoryLocation {
    pub location_id: String,
    pub on_hand_quantity: Option<u64>,
    pub reserved_quantity: Option<u64>,
    pub available_quantity: Option<i64>,
    pub low_inventory_threshold: Option<i64>,
    pub pick_up_now_eligible: Option<bool>,
    pub inventory_timestamp: Option<String>,
}

fn signed<'a>(c: &mut Cursor<'a>, el: &Element<'a>, x: &mut Extras) -> Result<i64> {
    let text = c.text(el, x)?;
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_ref()),
    };
    match crate::lexical::unsigned::<i64>(digits) {
        Some(parsed) => Ok(if negative { -parsed.value } else { parsed.value }),
        None => Err(c.error(el.offset, Some(el.name()), DecodeErrorKind::NotAWholeNumber(text.into_owned()))),
    }
}

fn required_attribute(c: &Cursor<'_>, el: &Element<'_>, value: Option<String>, name: &str) -> Result<String> {
    value.ok_or_else(|| c.error(el.offset, Some(el.name()), DecodeErrorKind::MissingAttribute(name.into())))
}

impl InventoryFeed {
    pub fn parse(bytes: &[u8]) -> std::result::Result<InventoryFeed, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != b"inventory-feed" {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "an inventory-feed".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let mut feed = InventoryFeed { namespace: c.default_namespace(&root), ..Default::default() };
        c.enter(&root);
        while let Some(group) = c.next_child()? {
            if group.local_name() != b"fbm-inventory" {
                return Err(c.unexpected("inventory-feed", &group));
            }
            c.enter(&group);
            while let Some(item) = c.next_child()? {
                if item.local_name() != b"item" {
                    return Err(c.unexpected("fbm-inventory", &item));
                }
                let [item_id] = c.attributes(&item, At::Origin, ["item-id"], &mut x)?;
                let mut entry = InventoryFeedItem {
                    item_id: required_attribute(&c, &item, item_id, "item-id")?,
                    ..Default::default()
                };
                let mut have_quantity = false;
                c.enter(&item);
                while let Some(el) = c.next_child()? {
                    match el.local_name() {
                        b"quantity" if !have_quantity => {
                            entry.quantity = c.whole(&el, &mut x)?;
                            have_quantity = true;
                        }
                        b"low-inventory-threshold" if entry.low_inventory_threshold.is_none() => {
                            entry.low_inventory_threshold = Some(signed(&mut c, &el, &mut x)?)
                        }
                        b"inventory-timestamp" if entry.inventory_timestamp.is_none() => {
                            entry.inventory_timestamp = Some(c.string(&el, &mut x)?)
                        }
                        _ => return Err(c.unexpected("item", &el)),
                    }
                }
                if !have_quantity {
                    return Err(c.missing(&item, "quantity"));
                }
                feed.items.push(entry);
            }
        }
        c.finish()?;
        Ok(feed)
    }
}

impl InventoryExport {
    pub fn parse(bytes: &[u8]) -> std::result::Result<InventoryExport, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != b"inventory" {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "an inventory export".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let [seller_id] = c.attributes(&root, At::Origin, ["seller-id"], &mut x)?;
        let mut export = InventoryExport { namespace: c.default_namespace(&root), seller_id, ..Default::default() };
        c.enter(&root);
        c.set_path_origin();
        while let Some(el) = c.next_child()? {
            match el.local_name() {
                b"item" => export.items.push(read_export_item(&mut c, &el, &mut x)?),
                // `deprecated` and anything new are kept as unknown items.
                _ => c.unknown(&el, &mut x)?,
            }
        }
        c.finish()?;
        export.unknown = x.unknown;
        Ok(export)
    }
}

fn read_export_item<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<InventoryExportItem> {
    let [product, program, group] =
        c.attributes(element, At::Child, ["seller-product-id", "program-type", "variation-group-id"], x)?;
    let mut item = InventoryExportItem {
        seller_product_id: required_attribute(c, element, product, "seller-product-id")?,
        program_type: program,
        variation_group_id: group,
        locations: Vec::new(),
    };
    c.enter(element);
    while let Some(el) = c.next_child()? {
        if el.local_name() != b"locations" {
            c.unknown(&el, x)?;
            continue;
        }
        c.enter(&el);
        while let Some(location) = c.next_child()? {
            if location.local_name() != b"location" {
                c.unknown(&location, x)?;
                continue;
            }
            let [id] = c.attributes(&location, At::Child, ["location-id"], x)?;
            let mut l = InventoryLocation {
                location_id: required_attribute(c, &location, id, "location-id")?,
                ..Default::default()
            };
            c.enter(&location);
            while let Some(el) = c.next_child()? {
                match el.local_name() {
                    b"inventory-levels" => {
                        c.enter(&el);
                        while let Some(level) = c.next_child()? {
                            match level.local_name() {
                                b"on-hand-quantity" if l.on_hand_quantity.is_none() => {
                                    l.on_hand_quantity = Some(c.whole(&level, x)?)
                                }
                                b"reserved-quantity" if l.reserved_quantity.is_none() => {
                                    l.reserved_quantity = Some(c.whole(&level, x)?)
                                }
                                b"available-quantity" if l.available_quantity.is_none() => {
                                    l.available_quantity = Some(signed(c, &level, x)?)
                                }
                                b"low-inventory-threshold" if l.low_inventory_threshold.is_none() => {
                                    l.low_inventory_threshold = Some(signed(c, &level, x)?)
                                }
                                _ => c.unknown(&level, x)?,
                            }
                        }
                    }
                    b"pick-up-now-eligible" if l.pick_up_now_eligible.is_none() => {
                        l.pick_up_now_eligible = Some(c.boolean(&el, x)?)
                    }
                    b"inventory-timestamp" if l.inventory_timestamp.is_none() => {
                        l.inventory_timestamp = Some(c.string(&el, x)?)
                    }
                    _ => c.unknown(&el, x)?,
                }
            }
            item.locations.push(l);
        }
    }
    Ok(item)
}
