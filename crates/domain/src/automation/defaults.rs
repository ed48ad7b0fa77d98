//! Step 1 of the pipeline: product defaults.
//!
//! First the catalog fill (`catalog::fill_from_catalog`): each line's missing weight, image, options,
//! location and UPC from its product, and the order weight as the sum of item weight × quantity. Then each
//! product's shipping defaults, which — unlike ShipStation's — also apply to multi-line and multi-quantity
//! orders:
//!
//! * carrier, service and package: when every line whose product has shipping defaults agrees, that choice;
//!   otherwise the choice of the heaviest such line (unit weight × quantity; the first line on a tie), since
//!   the box is built around it. Lines without a product or without defaults have no say.
//! * confirmation: the most protective any line's product asks for (adult signature > direct signature >
//!   signature > delivery > none).
//! * insurance: insured (through the carrier, for the items' value: unit price × quantity of every line) when
//!   any line's product asks for it; not insured when the products that say something all say no.
//! * dimensions: only for an order of one line of quantity 1 (the product's box is the parcel); a larger
//!   order's box is for the seller or a rule (`set_dimensions`) to say.
//! * customs declaration: for an order that needs one (ship-to country other than US, or a US military
//!   state AA/AE/AP), one customs line per order line when every line's product has customs data; otherwise
//!   nothing is filled and the report says which SKUs lack it.
//!
//! A default naming a service Sears cannot take (see [`super::shipping_choice`]) is not applied; the run
//! reports why.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use rust_decimal::Decimal;
use serde_json::Value;

use super::changes::{Session, Writer};
use super::criteria::physical_lines;
use super::fields::Slot;
use super::shipping_choice::{check_confirmation, package_belongs_elsewhere, shipping_choice};
use crate::catalog::fill_from_catalog;
use crate::money::Money;
use crate::order::{Confirmation, CustomsItem, InternationalOptions, Order, OrderItem};
use crate::product::{Product, ProductShippingDefaults};
use crate::shipping_codes::ShippingCodes;

/// The product catalog by SKU, as automation reads it (no I/O: the caller loads what it needs). `Sync`, so a
/// pipeline can run on worker threads.
pub trait ProductLookup: Sync {
    fn product(&self, sku: &str) -> Option<&Product>;
}

impl<S: BuildHasher + Sync> ProductLookup for HashMap<String, Product, S> {
    fn product(&self, sku: &str) -> Option<&Product> {
        self.get(sku)
    }
}

impl ProductLookup for BTreeMap<String, Product> {
    fn product(&self, sku: &str) -> Option<&Product> {
        self.get(sku)
    }
}

impl ProductLookup for [Product] {
    fn product(&self, sku: &str) -> Option<&Product> {
        self.iter().find(|p| p.sku == sku)
    }
}

impl ProductLookup for Vec<Product> {
    fn product(&self, sku: &str) -> Option<&Product> {
        self.as_slice().product(sku)
    }
}

/// An empty catalog.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProducts;

impl ProductLookup for NoProducts {
    fn product(&self, _sku: &str) -> Option<&Product> {
        None
    }
}

/// Runs step 1; returns the SKUs the catalog does not know (so the caller can add them).
pub(crate) fn apply_product_defaults(
    session: &mut Session<'_>,
    products: &dyn ProductLookup,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let unknown = fill_catalog_values(session, products);
    apply_shipping_defaults(session, products, warnings);
    unknown
}

/// What the catalog fill may fill on a line, before it runs.
#[derive(Clone, Copy, Default)]
struct Missing {
    image_url: bool,
    weight: bool,
    options: bool,
    warehouse_location: bool,
    upc: bool,
    product_id: bool,
}

impl Missing {
    fn of(item: &OrderItem) -> Missing {
        Missing {
            image_url: item.image_url.is_none(),
            weight: item.weight.is_none(),
            options: item.options.is_empty(),
            warehouse_location: item.warehouse_location.is_none(),
            upc: item.upc.is_none(),
            product_id: item.product_id.is_none(),
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("order values always serialize")
}

fn fill_catalog_values(session: &mut Session<'_>, products: &dyn ProductLookup) -> Vec<String> {
    // What was missing before the fill, on the stack for the usual order of a few lines.
    const INLINE: usize = 32;
    let items = &session.order.items;
    let mut inline = [Missing::default(); INLINE];
    let spilled: Vec<Missing>;
    let before: &[Missing] = if items.len() <= INLINE {
        for (slot, item) in inline.iter_mut().zip(items) {
            *slot = Missing::of(item);
        }
        &inline[..items.len()]
    } else {
        spilled = items.iter().map(Missing::of).collect();
        &spilled
    };
    let weight_before = session.order.weight;
    let weight_source_before = session.order.sources.get(Slot::Weight.key()).cloned();

    let unknown = fill_from_catalog(session.order, |sku| products.product(sku));

    let mut filled: Vec<(usize, &'static str, Value, Value)> = Vec::new();
    for (i, (item, was)) in session.order.items.iter().zip(before).enumerate() {
        if was.image_url && item.image_url.is_some() {
            filled.push((i, "imageUrl", Value::Null, to_json(&item.image_url)));
        }
        if was.weight && item.weight.is_some() {
            filled.push((i, "weight", Value::Null, to_json(&item.weight)));
        }
        if was.options && !item.options.is_empty() {
            filled.push((i, "options", Value::Array(vec![]), to_json(&item.options)));
        }
        if was.warehouse_location && item.warehouse_location.is_some() {
            filled.push((i, "warehouseLocation", Value::Null, to_json(&item.warehouse_location)));
        }
        if was.upc && item.upc.is_some() {
            filled.push((i, "upc", Value::Null, to_json(&item.upc)));
        }
        if was.product_id && item.product_id.is_some() {
            filled.push((i, "productId", Value::Null, to_json(&item.product_id)));
        }
    }
    for (i, field, old, new) in filled {
        let sku = session.order.items[i].sku.clone();
        session.record(format!("items[{i}].{field}"), old, new, Writer::ProductDefault { sku: &sku }, None);
    }

    if session.order.weight != weight_before {
        let mut skus: Vec<&str> = Vec::new();
        for item in physical_lines(session.order) {
            if !skus.contains(&item.sku.as_str()) {
                skus.push(&item.sku);
            }
        }
        let skus = skus.join(", ");
        session.record_slot(
            Slot::Weight,
            to_json(&weight_before),
            Writer::ProductDefault { sku: &skus },
            Some("the items' weights times their quantities"),
        );
    } else if session.order.sources.get(Slot::Weight.key()) != weight_source_before.as_ref() {
        session.mark_dirty();
    }
    unknown
}

/// A line with a product, as the shipping defaults see it.
struct Line<'p> {
    product: &'p Product,
    item_index: usize,
    /// Unit weight × quantity, in ounces (0 when unknown).
    weight: Decimal,
}

fn apply_shipping_defaults(session: &mut Session<'_>, products: &dyn ProductLookup, warnings: &mut Vec<String>) {
    let lines: Vec<Line<'_>> = session
        .order
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| !item.adjustment)
        .filter_map(|(item_index, item)| {
            let product = products.product(&item.sku)?;
            let unit = item.weight.or(product.weight).map_or(Decimal::ZERO, |w| w.in_ounces());
            Some(Line { product, item_index, weight: unit * Decimal::from(item.quantity) })
        })
        .collect();
    if lines.is_empty() {
        return;
    }
    apply_service_default(session, &lines, warnings);
    apply_confirmation_default(session, &lines, warnings);
    apply_insurance_default(session, &lines);
    apply_dimensions_default(session, &lines);
    apply_customs_default(session, &lines, warnings);
}

fn has_shipping(d: &ProductShippingDefaults) -> bool {
    d.carrier_code.is_some() || d.service_code.is_some() || d.package_code.is_some()
}

fn same_text(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        (None, None) => true,
        _ => false,
    }
}

fn same_shipping(a: &ProductShippingDefaults, b: &ProductShippingDefaults) -> bool {
    same_text(&a.carrier_code, &b.carrier_code)
        && same_text(&a.service_code, &b.service_code)
        && same_text(&a.package_code, &b.package_code)
}

/// The heaviest line among `candidates` (the first on a tie).
fn heaviest<'l, 'p>(candidates: impl Iterator<Item = &'l Line<'p>>) -> Option<&'l Line<'p>>
where
    'p: 'l,
{
    candidates.fold(None, |best: Option<&Line<'_>>, line| match best {
        Some(b) if b.weight >= line.weight => Some(b),
        _ => Some(line),
    })
}

fn apply_service_default(session: &mut Session<'_>, lines: &[Line<'_>], warnings: &mut Vec<String>) {
    let mut candidates = lines.iter().filter(|l| has_shipping(&l.product.defaults));
    let Some(first) = candidates.next() else {
        return;
    };
    let agree = candidates.all(|l| same_shipping(&l.product.defaults, &first.product.defaults));
    let decider = if agree {
        first
    } else {
        heaviest(lines.iter().filter(|l| has_shipping(&l.product.defaults))).unwrap_or(first)
    };
    let product = decider.product;
    let defaults = &product.defaults;
    let writer = Writer::ProductDefault { sku: &product.sku };
    match (&defaults.carrier_code, &defaults.service_code) {
        (Some(carrier), Some(service)) => match shipping_choice(carrier, service, defaults.package_code.as_deref()) {
            Ok(choice) => {
                session.set_shipping(&choice, writer);
            }
            Err(e) => warnings.push(format!(
                "product {}: its default service is not applied: {e}; fix it with `wharf products edit`",
                product.sku
            )),
        },
        (None, None) => {
            let package = defaults.package_code.as_deref().unwrap_or_default();
            match ShippingCodes::package(package) {
                None => warnings.push(format!(
                    "product {}: its default package {package:?} is not a known package; it is not applied",
                    product.sku
                )),
                Some(known) => {
                    let clashes =
                        session.order.carrier_code.as_deref().is_some_and(|c| package_belongs_elsewhere(known.code, c));
                    if clashes {
                        warnings.push(format!(
                            "product {}: its default package {} does not fit the order's carrier; it is not applied",
                            product.sku, known.code
                        ));
                    } else {
                        session.set_text(Slot::Package, writer, Some(known.code), |o| &mut o.package_code);
                    }
                }
            }
        }
        _ => warnings.push(format!(
            "product {}: a default carrier and service go together, and only one is set; it is not applied",
            product.sku
        )),
    }
}

fn protection(confirmation: Confirmation) -> u8 {
    match confirmation {
        Confirmation::None => 0,
        Confirmation::Delivery => 1,
        Confirmation::Signature => 2,
        Confirmation::DirectSignature => 3,
        Confirmation::AdultSignature => 4,
    }
}

fn apply_confirmation_default(session: &mut Session<'_>, lines: &[Line<'_>], warnings: &mut Vec<String>) {
    let chosen = lines.iter().filter_map(|l| l.product.defaults.confirmation.map(|c| (c, l))).fold(
        None,
        |best: Option<(Confirmation, &Line<'_>)>, (c, l)| match best {
            Some((b, _)) if protection(b) >= protection(c) => best,
            _ => Some((c, l)),
        },
    );
    let Some((confirmation, line)) = chosen else {
        return;
    };
    match check_confirmation(confirmation) {
        Ok(()) => {
            let writer = Writer::ProductDefault { sku: &line.product.sku };
            session.set(Slot::Confirmation, writer, confirmation, |o| &mut o.confirmation);
        }
        Err(e) => warnings.push(format!("product {}: its default confirmation is not applied: {e}", line.product.sku)),
    }
}

/// The goods' value: unit price × quantity of every physical line.
pub(crate) fn items_total(order: &Order) -> Money {
    physical_lines(order).map(|i| i.unit_price * i.quantity).sum()
}

fn apply_insurance_default(session: &mut Session<'_>, lines: &[Line<'_>]) {
    let insure = lines.iter().find(|l| l.product.defaults.insure == Some(true));
    let decline = lines.iter().find(|l| l.product.defaults.insure == Some(false));
    let (line, value) = match (insure, decline) {
        (Some(line), _) => (line, Some(items_total(session.order))),
        (None, Some(line)) => (line, None),
        (None, None) => return,
    };
    session.set_insurance(Writer::ProductDefault { sku: &line.product.sku }, value);
}

fn apply_dimensions_default(session: &mut Session<'_>, lines: &[Line<'_>]) {
    let one_unit = {
        let mut physical = physical_lines(session.order);
        matches!((physical.next(), physical.next()), (Some(only), None) if only.quantity == 1)
    };
    if !one_unit {
        return;
    }
    let Some(line) = lines.first() else {
        return;
    };
    if let Some(dimensions) = line.product.dimensions {
        let writer = Writer::ProductDefault { sku: &line.product.sku };
        session.set(Slot::Dimensions, writer, Some(dimensions), |o| &mut o.dimensions);
    }
}

/// Outside the US, or to a US military address (APO/FPO/DPO), a parcel needs a customs declaration.
pub(crate) fn needs_customs(order: &Order) -> bool {
    let country = order.ship_to.country.trim();
    let state = order.ship_to.state.trim();
    (!country.is_empty() && !country.eq_ignore_ascii_case("US"))
        || ["AA", "AE", "AP"].iter().any(|s| state.eq_ignore_ascii_case(s))
}

fn apply_customs_default(session: &mut Session<'_>, lines: &[Line<'_>], warnings: &mut Vec<String>) {
    if !needs_customs(session.order) {
        return;
    }
    let missing: Vec<&str> = session
        .order
        .items
        .iter()
        .enumerate()
        .filter(|(i, item)| {
            !item.adjustment && !lines.iter().any(|l| l.item_index == *i && l.product.customs.is_some())
        })
        .map(|(_, item)| item.sku.as_str())
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            "this order needs a customs declaration and the catalog has no customs data for {}; it is not filled \
             (add it with `wharf products edit`, or fill the declaration on the order)",
            missing.join(", ")
        ));
        return;
    }
    let customs_items = lines
        .iter()
        .map(|l| {
            let item = &session.order.items[l.item_index];
            let customs = l.product.customs.as_ref().expect("checked above: every line has customs data");
            CustomsItem {
                description: customs.description.clone(),
                quantity: item.quantity,
                value: customs.value.unwrap_or(item.unit_price),
                harmonized_tariff_code: customs.harmonized_tariff_code.clone(),
                country_of_origin: customs.country_of_origin.clone(),
            }
        })
        .collect();
    let options = InternationalOptions {
        contents: Some("merchandise".into()),
        customs_items,
        non_delivery: Some("return_to_sender".into()),
    };
    let writer = Writer::ProductDefault { sku: &lines[0].product.sku };
    session.set(Slot::InternationalOptions, writer, Some(options), |o| &mut o.international_options);
}
