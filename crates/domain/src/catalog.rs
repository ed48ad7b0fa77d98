//! Filling in what Sears does not send (image, weight, options, warehouse location) from the product
//! catalog by SKU, recording where each value came from (SPEC.md decision 12).

use crate::order::{Order, ValueSource};
use crate::product::Product;

/// Fills each item's missing catalog values from its product, then the order weight from the items when
/// nobody set one. Values already present are never overwritten. Returns the SKUs the catalog does not know,
/// so the caller can add them as products.
pub fn fill_from_catalog<'p>(order: &mut Order, product_for: impl Fn(&str) -> Option<&'p Product>) -> Vec<String> {
    let mut unknown = Vec::new();
    for item in order.items.iter_mut().filter(|i| !i.adjustment) {
        let Some(product) = product_for(&item.sku) else {
            if !unknown.contains(&item.sku) {
                unknown.push(item.sku.clone());
            }
            continue;
        };
        if item.product_id.is_none() {
            item.product_id = Some(product.product_id.clone());
        }
        if item.image_url.is_none() && product.image_url.is_some() {
            item.image_url = product.image_url.clone();
            item.sources.insert("imageUrl".into(), ValueSource::Catalog);
        }
        if item.weight.is_none() && product.weight.is_some() {
            item.weight = product.weight;
            item.sources.insert("weight".into(), ValueSource::Catalog);
        }
        if item.options.is_empty() && !product.options.is_empty() {
            item.options = product.options.clone();
            item.sources.insert("options".into(), ValueSource::Catalog);
        }
        if item.warehouse_location.is_none() && product.warehouse_location.is_some() {
            item.warehouse_location = product.warehouse_location.clone();
            item.sources.insert("warehouseLocation".into(), ValueSource::Catalog);
        }
        if item.upc.is_none() && product.upc.is_some() {
            item.upc = product.upc.clone();
        }
    }
    fill_weight_from_items(order);
    unknown
}

/// Order weight = sum of item weights, unless someone set it on purpose (a rule, a product default, the seller).
pub fn fill_weight_from_items(order: &mut Order) {
    // A weight someone set on purpose stays, even when they cleared it (a seller's "no weight" is a choice).
    let derived = matches!(order.sources.get("weight"), None | Some(ValueSource::Items));
    if !derived {
        return;
    }
    if let Some(weight) = order.items_weight() {
        order.weight = Some(weight);
        order.sources.insert("weight".into(), ValueSource::Items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;
    use crate::{Weight, WeightUnit};
    use rust_decimal_macros::dec;

    #[test]
    fn fills_missing_values_and_sums_the_weight() {
        let mut order = sample::order("ord_1", "5550001");
        let mug = sample::product("MUG-BLUE", 14, "A-01-3");
        let unknown = fill_from_catalog(&mut order, |sku| (sku == "MUG-BLUE").then_some(&mug));
        assert_eq!(unknown, vec!["TEE-L".to_string()]);
        let item = &order.items[0];
        assert_eq!(item.weight, Some(Weight::ounces(dec!(14))));
        assert_eq!(item.warehouse_location.as_deref(), Some("A-01-3"));
        assert_eq!(item.image_url.as_deref(), Some("http://127.0.0.1/img/MUG-BLUE.png"));
        assert_eq!(item.sources.get("weight"), Some(&ValueSource::Catalog));
        assert_eq!(item.product_id, Some(mug.product_id.clone()));
        // One item still has no weight, so the order weight stays unknown rather than wrong.
        assert_eq!(order.weight, None);

        let tee = sample::product("TEE-L", 6, "B-02-1");
        fill_from_catalog(&mut order, |sku| match sku {
            "MUG-BLUE" => Some(&mug),
            "TEE-L" => Some(&tee),
            _ => None,
        });
        // 2 x 14 oz + 1 x 6 oz.
        assert_eq!(order.weight, Some(Weight::ounces(dec!(34))));
        assert_eq!(order.sources.get("weight"), Some(&ValueSource::Items));
    }

    #[test]
    fn never_overwrites_a_value_that_is_there() {
        let mut order = sample::order("ord_1", "5550001");
        order.items[0].warehouse_location = Some("SHELF-9".into());
        order.weight = Some(Weight { value: dec!(3), units: WeightUnit::Pounds });
        order.sources.insert("weight".into(), ValueSource::Seller);
        let mug = sample::product("MUG-BLUE", 14, "A-01-3");
        let tee = sample::product("TEE-L", 6, "B-02-1");
        fill_from_catalog(&mut order, |sku| if sku == "MUG-BLUE" { Some(&mug) } else { Some(&tee) });
        assert_eq!(order.items[0].warehouse_location.as_deref(), Some("SHELF-9"));
        assert_eq!(order.weight, Some(Weight::pounds(dec!(3))));
    }
}
