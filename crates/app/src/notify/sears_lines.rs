//! What Sears holds of each purchase-order line, read from its quantity buckets (`po-line-detail`), and
//! whether an order's packages cover what Sears still expects (SPEC.md decision 9).
//!
//! Line statuses are an open set (SPEC.md §4.6); a bucket is read as cancelled when its status mentions
//! CANCEL, as shipped when it mentions SHIP, CLOSE, INVOICE, DELIVER or RETURN (returned units were shipped),
//! and as open otherwise (`NEW`, `Open`, `Processing`, `Overdue`...). This is a heuristic over the statuses
//! seen in the wild and in the sandbox, kept in this one place.

use serde::Serialize;
use wharf_domain::shipment::Shipment;
use wharf_domain::{Order, OrderItem, SearsLineStatus};

/// A line's units by what Sears did with them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineQuantities {
    pub open: u32,
    pub shipped: u32,
    pub cancelled: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketKind {
    Open,
    Shipped,
    Cancelled,
}

pub fn bucket_kind(status: &str) -> BucketKind {
    let status = status.to_ascii_uppercase();
    if status.contains("CANCEL") {
        BucketKind::Cancelled
    } else if ["SHIP", "CLOSE", "INVOICE", "DELIVER", "RETURN"].iter().any(|s| status.contains(s)) {
        BucketKind::Shipped
    } else {
        BucketKind::Open
    }
}

pub fn quantities_of(buckets: &[SearsLineStatus]) -> LineQuantities {
    let mut q = LineQuantities::default();
    for bucket in buckets {
        match bucket_kind(&bucket.status) {
            BucketKind::Open => q.open += bucket.quantity,
            BucketKind::Shipped => q.shipped += bucket.quantity,
            BucketKind::Cancelled => q.cancelled += bucket.quantity,
        }
    }
    q
}

/// The line's quantities as Sears last reported them; a line without buckets is wholly open.
pub fn line_quantities(item: &OrderItem) -> LineQuantities {
    match &item.sears {
        Some(line) if !line.statuses.is_empty() => quantities_of(&line.statuses),
        _ => LineQuantities { open: item.quantity, ..Default::default() },
    }
}

/// A line that the packages leave (partly) out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingLine {
    pub line_number: u32,
    pub sku: String,
    pub name: String,
    /// Units Sears still expects.
    pub open: u32,
    /// Units in packages.
    pub packaged: u32,
}

impl MissingLine {
    pub fn left_out(&self) -> u32 {
        self.open - self.packaged
    }
}

/// Whether the shipment update can go: every unit Sears still expects is in a package, or some are not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Every open unit is packaged.
    Complete,
    /// Some units are packaged and some are not: sending now makes Sears cancel the rest.
    Short(Vec<MissingLine>),
    /// Nothing Sears expects is in a package.
    NothingPackaged,
}

/// Compares the packages of `shipment` (when any) with what Sears still expects of each line.
pub fn readiness(order: &Order, shipment: Option<&Shipment>) -> Readiness {
    let mut missing = Vec::new();
    let mut packaged_any = false;
    for item in order.items.iter().filter(|i| !i.adjustment) {
        let open = line_quantities(item).open;
        let packaged = shipment.map_or(0, |s| s.quantity_of(&item.line_item_key));
        if packaged > 0 && open > 0 {
            packaged_any = true;
        }
        if packaged < open {
            missing.push(MissingLine {
                line_number: line_number(item),
                sku: item.sku.clone(),
                name: item.name.clone(),
                open,
                packaged,
            });
        }
    }
    match (missing.is_empty(), packaged_any) {
        (true, _) => Readiness::Complete,
        (false, true) => Readiness::Short(missing),
        (false, false) => Readiness::NothingPackaged,
    }
}

/// The Sears line number of an item (its line key when the Sears facts are missing).
pub fn line_number(item: &OrderItem) -> u32 {
    item.sears.as_ref().map(|s| s.line_number).unwrap_or_else(|| item.line_item_key.parse().unwrap_or(0))
}

/// Words for the seller: "line 2 (SKU TEE-L): 1 of 2 units not in a package".
pub fn describe_missing(missing: &[MissingLine]) -> String {
    missing
        .iter()
        .map(|m| {
            format!("line {} (SKU {}): {} of {} units not in a package", m.line_number, m.sku, m.left_out(), m.open)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::sample;

    fn bucket(status: &str, quantity: u32) -> SearsLineStatus {
        SearsLineStatus { status: status.into(), quantity, internal_memo: None, external_memo: None }
    }

    use super::tests_support::shipment;

    #[test]
    fn buckets_are_read_by_what_their_status_says() {
        let q = quantities_of(&[
            bucket("NEW", 2),
            bucket("SHIPPED", 1),
            bucket("Canceled", 1),
            bucket("CANCELLED", 2),
            bucket("Overdue", 1),
            bucket("Closed", 3),
        ]);
        assert_eq!(q, LineQuantities { open: 3, shipped: 4, cancelled: 3 });
    }

    #[test]
    fn an_order_is_complete_when_every_open_unit_is_packaged() {
        // The sample: line 1 MUG-BLUE x2, line 2 TEE-L x1, both NEW.
        let order = sample::order("ord_1", "5550001");
        assert_eq!(readiness(&order, None), Readiness::NothingPackaged);
        let all = shipment(&order, &[&[("1", 1)], &[("1", 1), ("2", 1)]]);
        assert_eq!(readiness(&order, Some(&all)), Readiness::Complete);
        let short = shipment(&order, &[&[("1", 1)]]);
        let Readiness::Short(missing) = readiness(&order, Some(&short)) else { panic!("short") };
        assert_eq!(
            describe_missing(&missing),
            "line 1 (SKU MUG-BLUE): 1 of 2 units not in a package; line 2 (SKU TEE-L): 1 of 1 units not in a package"
        );
    }

    #[test]
    fn lines_sears_cancelled_or_shipped_are_not_expected() {
        let mut order = sample::order("ord_1", "5550001");
        // Line 1: one unit already shipped, one open; line 2 cancelled (e.g. by the seller).
        order.items[0].sears.as_mut().unwrap().statuses = vec![bucket("NEW", 1), bucket("SHIPPED", 1)];
        order.items[1].sears.as_mut().unwrap().statuses = vec![bucket("CANCELLED", 1)];
        assert_eq!(readiness(&order, Some(&shipment(&order, &[&[("1", 1)]]))), Readiness::Complete);
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use jiff::Timestamp;
    use wharf_domain::shipment::{PackageLine, Shipment, ShipmentKind, ShipmentPackage, ShipmentState};

    /// An active UPS Ground shipment of `order` with these packages (line key, quantity).
    pub(crate) fn shipment(order: &wharf_domain::Order, packages: &[&[(&str, u32)]]) -> Shipment {
        let at: Timestamp = "2026-11-27T15:00:00Z".parse().unwrap();
        Shipment {
            shipment_id: "shp_1".parse().unwrap(),
            account_id: order.account_id.clone(),
            store_id: order.store_id.clone(),
            order_id: order.order_id.clone(),
            kind: ShipmentKind::Label,
            state: ShipmentState::Active,
            carrier_code: "ups".into(),
            service_code: "ups_ground".into(),
            package_code: None,
            sears_carrier: None,
            sears_method: None,
            carrier_account_id: None,
            warehouse_id: None,
            batch_id: None,
            reference: "WH1-1".into(),
            carrier_shipment_id: None,
            ship_date: "2026-11-27".parse().unwrap(),
            confirmation: Default::default(),
            packages: packages
                .iter()
                .enumerate()
                .map(|(i, lines)| ShipmentPackage {
                    sequence: i as u32 + 1,
                    tracking_number: Some(format!("1ZTEST{}", i + 1)),
                    weight: None,
                    dimensions: None,
                    lines: lines
                        .iter()
                        .map(|(key, qty)| PackageLine {
                            line_item_key: (*key).into(),
                            sku: String::new(),
                            quantity: *qty,
                        })
                        .collect(),
                    label: None,
                })
                .collect(),
            carrier_fee: None,
            insurance_cost: None,
            notes_to_buyer: None,
            test_label: false,
            error: None,
            create_date: at,
            modify_date: at,
            voided_at: None,
            tracking: Default::default(),
        }
    }
}
