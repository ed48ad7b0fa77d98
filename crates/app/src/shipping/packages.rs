//! Putting an order's items into packages.
//!
//! What is shipped of a line is what Sears still expects of it: its open units (units Sears already reports
//! shipped or cancelled in the line's quantity buckets are left out; a line without buckets is wholly open).
//!
//! The split rule (`PackagePlan::Split(n)`): the order's units are laid out in line order (line 1's units,
//! then line 2's, ...) and cut into `n` runs of consecutive units, package `k` taking units
//! `[k * total / n, (k + 1) * total / n)`. Every package thus holds the same number of units give or take
//! one, and a line is split over two packages only where a cut falls inside it. One package is the same rule
//! with one cut.
//!
//! A package weighs what its units weigh, from the items' weights, when the order weight is the items' sum;
//! when the order weight was set on purpose (by a rule, a product default or the seller), or an item has no
//! weight, it weighs its share of the order weight by units. Every package has the order's dimensions.

use rust_decimal::Decimal;
use wharf_domain::shipment::PackageLine;
use wharf_domain::{Dimensions, Order, OrderItem, ValueSource, Weight};

use super::ShippingError;

/// How an order's items go into packages.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PackagePlan {
    /// One package with every line, the order's weight and dimensions.
    #[default]
    Single,
    /// This many packages, split by the rule in this module's documentation.
    Split(u32),
    /// Exactly these packages.
    Given(Vec<PlannedPackage>),
}

/// One package to buy a label for.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedPackage {
    pub lines: Vec<PackageLine>,
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
}

/// The units of a line still to ship: what Sears still expects of it (SPEC.md decision 9).
pub fn units_to_ship(item: &OrderItem) -> u32 {
    if item.adjustment { 0 } else { crate::notify::sears_lines::line_quantities(item).open }
}

/// The items of an order with units still to ship, and how many (adjustment lines are not shipped).
fn shipped_items(order: &Order) -> impl Iterator<Item = (&OrderItem, u32)> {
    order.items.iter().map(|i| (i, units_to_ship(i))).filter(|(_, units)| *units > 0)
}

fn no_weight(order: &Order) -> ShippingError {
    ShippingError::Invalid(format!(
        "order {} has no weight: set the weight of its products (`wharf product set SKU --weight \"12 oz\"`) \
         or the order's weight, then try again",
        order.order_number
    ))
}

/// The weight a label is bought with: the order's (summed from its items, or set on purpose).
pub fn order_weight(order: &Order) -> Result<Weight, ShippingError> {
    order.weight.or_else(|| order.items_weight()).filter(|w| !w.is_zero()).ok_or_else(|| no_weight(order))
}

pub fn plan_packages(order: &Order, plan: &PackagePlan) -> Result<Vec<PlannedPackage>, ShippingError> {
    if shipped_items(order).next().is_none() {
        return Err(ShippingError::Invalid(format!("order {} has no items to ship", order.order_number)));
    }
    match plan {
        PackagePlan::Single => split(order, 1),
        PackagePlan::Split(n) => split(order, *n),
        PackagePlan::Given(packages) => check_given(order, packages).map(|()| packages.clone()),
    }
}

fn split(order: &Order, n: u32) -> Result<Vec<PlannedPackage>, ShippingError> {
    let total: u32 = shipped_items(order).map(|(_, units)| units).sum();
    if n == 0 || n > total {
        return Err(ShippingError::Invalid(format!(
            "order {} has {total} unit(s), so it can go in 1 to {total} package(s), not {n}",
            order.order_number
        )));
    }
    let order_weight = order_weight(order)?;
    let from_items = matches!(order.sources.get("weight"), None | Some(ValueSource::Items))
        && shipped_items(order).all(|(i, _)| i.weight.is_some());
    let mut packages = Vec::with_capacity(n as usize);
    // Units are numbered 0..total in line order; package k takes [start_k, start_{k+1}).
    let start = |k: u32| (u64::from(k) * u64::from(total) / u64::from(n)) as u32;
    for k in 0..n {
        let (from, to) = (start(k), start(k + 1));
        let mut lines = Vec::new();
        let mut weights = Vec::new();
        let mut first_unit = 0u32;
        for (item, units) in shipped_items(order) {
            let (item_from, item_to) = (first_unit, first_unit + units);
            first_unit = item_to;
            let quantity = item_to.min(to).saturating_sub(item_from.max(from));
            if quantity == 0 {
                continue;
            }
            lines.push(PackageLine { line_item_key: item.line_item_key.clone(), sku: item.sku.clone(), quantity });
            if let Some(weight) = item.weight {
                weights.push(weight.times(quantity));
            }
        }
        let weight = if from_items {
            Weight::sum(&weights)
        } else {
            Weight::ounces(
                (order_weight.in_ounces() * Decimal::from(to - from) / Decimal::from(total)).round_dp(2).normalize(),
            )
        };
        packages.push(PlannedPackage { lines, weight, dimensions: order.dimensions });
    }
    Ok(packages)
}

fn check_given(order: &Order, packages: &[PlannedPackage]) -> Result<(), ShippingError> {
    if packages.is_empty() {
        return Err(ShippingError::Invalid("give at least one package".into()));
    }
    let mut problems = Vec::new();
    for (n, package) in packages.iter().enumerate() {
        if package.weight.is_zero() {
            problems.push(format!("package {} has no weight", n + 1));
        }
        if package.lines.is_empty() {
            problems.push(format!("package {} holds no line", n + 1));
        }
        for line in &package.lines {
            if !shipped_items(order).any(|(i, _)| i.line_item_key == line.line_item_key) {
                problems.push(format!(
                    "package {} holds line {}, which order {} does not have",
                    n + 1,
                    line.line_item_key,
                    order.order_number
                ));
            }
        }
    }
    for (item, units) in shipped_items(order) {
        let packed: u32 = packages
            .iter()
            .flat_map(|p| &p.lines)
            .filter(|l| l.line_item_key == item.line_item_key)
            .map(|l| l.quantity)
            .sum();
        if packed > units {
            problems.push(format!(
                "line {} ({}) has {} unit(s) to ship but the packages hold {packed}",
                item.line_item_key, item.sku, units
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(ShippingError::Invalid(problems.join("; "))) }
}

/// Lines of the order not fully in these packages, with the quantity missing.
pub fn unpacked_lines(order: &Order, packed: impl Fn(&str) -> u32) -> Vec<(&OrderItem, u32)> {
    shipped_items(order)
        .filter_map(|(item, units)| {
            let missing = units.saturating_sub(packed(&item.line_item_key));
            (missing > 0).then_some((item, missing))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use wharf_domain::sample;

    use super::*;

    /// The sample order (2 x MUG-BLUE, 1 x TEE-L) with a third line of 3 x CAP, each weighed.
    fn order() -> Order {
        let mut order = sample::order("ord_1", "5550001");
        let mut cap = order.items[1].clone();
        cap.line_item_key = "3".into();
        cap.sku = "CAP".into();
        cap.quantity = 3;
        // Sears's buckets say how many units are open: all three.
        for bucket in &mut cap.sears.as_mut().unwrap().statuses {
            bucket.quantity = 3;
        }
        order.items.push(cap);
        order.items[0].weight = Some(Weight::ounces(dec!(14)));
        order.items[1].weight = Some(Weight::ounces(dec!(6)));
        order.items[2].weight = Some(Weight::pounds(dec!(0.5)));
        order.weight = order.items_weight();
        order.dimensions = Some(Dimensions::inches(dec!(10), dec!(8), dec!(4)));
        order
    }

    fn lines(package: &PlannedPackage) -> Vec<(&str, u32)> {
        package.lines.iter().map(|l| (l.line_item_key.as_str(), l.quantity)).collect()
    }

    #[test]
    fn one_package_holds_everything_at_the_order_weight() {
        let packages = plan_packages(&order(), &PackagePlan::Single).unwrap();
        assert_eq!(packages.len(), 1);
        assert_eq!(lines(&packages[0]), [("1", 2), ("2", 1), ("3", 3)]);
        // 2 x 14 + 6 + 3 x 8 = 58 oz.
        assert_eq!(packages[0].weight.in_ounces(), dec!(58));
        assert_eq!(packages[0].dimensions, order().dimensions);
    }

    #[test]
    fn splitting_deals_out_consecutive_units() {
        // Six units (1, 1, 2, 3, 3, 3 by line) in two packages: units 0-2 and 3-5.
        let two = plan_packages(&order(), &PackagePlan::Split(2)).unwrap();
        assert_eq!(lines(&two[0]), [("1", 2), ("2", 1)]);
        assert_eq!(lines(&two[1]), [("3", 3)]);
        assert_eq!((two[0].weight.in_ounces(), two[1].weight.in_ounces()), (dec!(34), dec!(24)));

        // Four packages: cuts at 6 x k / 4 = 0, 1, 3, 4, 6.
        let four = plan_packages(&order(), &PackagePlan::Split(4)).unwrap();
        let all: Vec<Vec<(&str, u32)>> = four.iter().map(lines).collect();
        assert_eq!(all, vec![vec![("1", 1)], vec![("1", 1), ("2", 1)], vec![("3", 1)], vec![("3", 2)]]);
        let weights: Vec<Decimal> = four.iter().map(|p| p.weight.in_ounces()).collect();
        assert_eq!(weights, [dec!(14), dec!(20), dec!(8), dec!(16)]);
    }

    #[test]
    fn without_item_weights_packages_share_the_order_weight_by_units() {
        let mut order = order();
        for item in &mut order.items {
            item.weight = None;
        }
        order.weight = Some(Weight::pounds(dec!(3)));
        let three = plan_packages(&order, &PackagePlan::Split(3)).unwrap();
        // 48 oz over 6 units: 16 oz per two units.
        let weights: Vec<Decimal> = three.iter().map(|p| p.weight.in_ounces()).collect();
        assert_eq!(weights, [dec!(16), dec!(16), dec!(16)]);

        // A weight the seller set wins over the items' even when they all have one: 4 lb, 3 units a package.
        let mut order = self::order();
        order.weight = Some(Weight::pounds(dec!(4)));
        order.sources.insert("weight".into(), wharf_domain::ValueSource::Seller);
        let two = plan_packages(&order, &PackagePlan::Split(2)).unwrap();
        assert_eq!(two.iter().map(|p| p.weight.in_ounces()).collect::<Vec<_>>(), [dec!(32), dec!(32)]);
        let one = plan_packages(&order, &PackagePlan::Single).unwrap();
        assert_eq!(one[0].weight.in_ounces(), dec!(64));
    }

    #[test]
    fn impossible_plans_say_why() {
        let err = plan_packages(&order(), &PackagePlan::Split(7)).unwrap_err().to_string();
        assert!(err.contains("1 to 6 package(s), not 7"), "{err}");
        let mut unweighed = order();
        unweighed.weight = None;
        unweighed.items[0].weight = None;
        let err = plan_packages(&unweighed, &PackagePlan::Single).unwrap_err().to_string();
        assert!(err.contains("has no weight") && err.contains("wharf product set"), "{err}");

        let too_many = PlannedPackage {
            lines: vec![PackageLine { line_item_key: "2".into(), sku: "TEE-L".into(), quantity: 2 }],
            weight: Weight::ounces(dec!(12)),
            dimensions: None,
        };
        let err = plan_packages(&order(), &PackagePlan::Given(vec![too_many])).unwrap_err().to_string();
        assert!(err.contains("line 2 (TEE-L) has 1 unit(s) to ship but the packages hold 2"), "{err}");
    }

    #[test]
    fn units_sears_shipped_or_cancelled_are_not_shipped_again() {
        use wharf_domain::SearsLineStatus;
        let bucket = |status: &str, quantity| SearsLineStatus {
            status: status.into(),
            quantity,
            internal_memo: None,
            external_memo: None,
        };
        let mut order = order();
        // Line 3 (3 x CAP): one shipped in the Seller Portal, one cancelled, one open.
        order.items[2].sears.as_mut().unwrap().statuses =
            vec![bucket("NEW", 1), bucket("SHIPPED", 1), bucket("CANCELLED", 1)];
        let packages = plan_packages(&order, &PackagePlan::Single).unwrap();
        assert_eq!(lines(&packages[0]), [("1", 2), ("2", 1), ("3", 1)]);
        // Wholly handled lines are left out.
        order.items[1].sears.as_mut().unwrap().statuses = vec![bucket("Closed", 1)];
        let packages = plan_packages(&order, &PackagePlan::Split(2)).unwrap();
        assert_eq!(packages.iter().map(lines).collect::<Vec<_>>(), vec![vec![("1", 1)], vec![("1", 1), ("3", 1)]]);
    }

    #[test]
    fn unpacked_lines_are_listed_with_what_is_missing() {
        let order = order();
        let missing = unpacked_lines(&order, |key| if key == "3" { 1 } else { 9 });
        let missing: Vec<(&str, u32)> = missing.iter().map(|(i, q)| (i.line_item_key.as_str(), *q)).collect();
        assert_eq!(missing, [("3", 2)]);
    }
}
