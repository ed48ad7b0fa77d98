//! The Sears shipment update (ASN v7, SPEC.md §5 and decision 9) of one order: all its packages in one
//! `shipment` record, each package a `detail` with its lines and quantities, tracking number, ship date and
//! Sears carrier and method codes. Pure: the worker in `sears_updates` sends what this builds.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use wharf_domain::order::sku_too_long_message;
use wharf_domain::shipment::Shipment;
use wharf_domain::shipping_codes::ShippingCodes;
use wharf_domain::{Order, ShipmentId};

use super::sears_lines::{line_number, line_quantities};

/// The payload of a `SearsShipment` outbox message. The shipping area queues it with `shipmentIds`; the
/// worker adds what it sent. Fields it does not know are kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsShipmentPayload {
    #[serde(default)]
    pub shipment_ids: Vec<ShipmentId>,
    /// The seller confirmed sending with units left out (`wharf orders ship-short --confirm`).
    #[serde(default)]
    pub short_ship_confirmed: bool,
    /// The record of the current (or last) PUT: what Sears may have applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<SentAsn>,
    /// Earlier PUTs of this message that Sears did not apply (rejected, or found unapplied on re-reading).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<SentAsn>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// One PUT of a shipment record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentAsn {
    pub record: AsnRecord,
    /// 1-based position of the record in its feed: the processing report's `record-id`.
    pub record_id: u64,
    pub attempted_at: Timestamp,
    #[serde(default)]
    pub document_id: Option<String>,
}

/// What one `shipment` record says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnRecord {
    pub po_number: String,
    pub po_date: Date,
    pub packages: Vec<AsnPackage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnPackage {
    #[serde(default)]
    pub tracking_number: Option<String>,
    pub ship_date: Date,
    pub carrier: String,
    pub method: String,
    pub lines: Vec<AsnLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnLine {
    pub line_number: u32,
    pub item_id: String,
    pub quantity: u32,
}

impl AsnRecord {
    pub fn tracking_numbers(&self) -> impl Iterator<Item = &str> {
        self.packages.iter().filter_map(|p| p.tracking_number.as_deref())
    }

    /// Units per line over all packages.
    pub fn line_totals(&self) -> std::collections::BTreeMap<u32, u32> {
        let mut totals = std::collections::BTreeMap::new();
        for line in self.packages.iter().flat_map(|p| &p.lines) {
            *totals.entry(line.line_number).or_insert(0) += line.quantity;
        }
        totals
    }

    pub fn to_wire(&self) -> wharf_sears::Shipment {
        wharf_sears::Shipment {
            header: wharf_sears::ShipmentHeader {
                po_number: self.po_number.clone(),
                po_date: self.po_date,
                ..Default::default()
            },
            details: self
                .packages
                .iter()
                .map(|p| wharf_sears::ShipmentDetail {
                    tracking_number: p.tracking_number.clone(),
                    ship_date: p.ship_date,
                    shipping_carrier: p.carrier.clone(),
                    shipping_method: p.method.clone(),
                    package_details: p
                        .lines
                        .iter()
                        .map(|l| wharf_sears::PackageDetail {
                            line_number: l.line_number,
                            item_id: l.item_id.clone(),
                            quantity: l.quantity,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The record alone as ASN XML, or why Sears could not take it (checked before anything is sent, so one
    /// bad order never spoils a feed of many).
    pub fn check(&self) -> Result<(), String> {
        wharf_sears::ShipmentFeed { shipments: vec![self.to_wire()], ..Default::default() }
            .to_xml()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Why an order's shipment update cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsnProblem {
    /// Decision 5: Wharf sends nothing; the seller updates Sears by hand.
    SkuTooLong(String),
    /// Anything else the seller must fix (the words say what).
    Invalid(String),
}

/// Builds the shipment record of `order` from its shipment. Units beyond what Sears still expects of a line
/// are left out (Sears refuses a package for units it does not hold open: a line cancelled meanwhile, say),
/// and lines with nothing to report are dropped.
pub fn build_record(order: &Order, shipment: &Shipment) -> Result<AsnRecord, AsnProblem> {
    let Some(sears) = &order.sears else {
        return Err(AsnProblem::Invalid(format!(
            "order {} has no Sears purchase order; there is nothing to tell Sears",
            order.order_number
        )));
    };
    if let Some((_, len)) = order.skus_too_long_for_sears().into_iter().max_by_key(|(_, len)| *len) {
        return Err(AsnProblem::SkuTooLong(sku_too_long_message(len)));
    }
    let (carrier, method) = match (&shipment.sears_carrier, &shipment.sears_method) {
        (Some(carrier), Some(method)) => (carrier.clone(), method.clone()),
        _ => match ShippingCodes::sears_code_for(&shipment.carrier_code, &shipment.service_code) {
            Ok(code) => (code.carrier.to_owned(), code.method.to_owned()),
            Err(e) => return Err(AsnProblem::Invalid(e.reason)),
        },
    };
    let mut open: std::collections::HashMap<&str, u32> =
        order.items.iter().map(|i| (i.line_item_key.as_str(), line_quantities(i).open)).collect();
    let mut packages = Vec::new();
    for package in &shipment.packages {
        let mut lines = Vec::new();
        for line in &package.lines {
            let Some(item) = order.items.iter().find(|i| i.line_item_key == line.line_item_key) else {
                return Err(AsnProblem::Invalid(format!(
                    "package {} holds line {}, which order {} does not have",
                    package.sequence, line.line_item_key, order.order_number
                )));
            };
            let left = open.get_mut(item.line_item_key.as_str()).expect("every item has an entry");
            let quantity = line.quantity.min(*left);
            *left -= quantity;
            if quantity == 0 {
                continue;
            }
            let item_id = item.sears.as_ref().map_or_else(|| item.sku.clone(), |s| s.item_id.clone());
            lines.push(AsnLine { line_number: line_number(item), item_id, quantity });
        }
        if !lines.is_empty() {
            packages.push(AsnPackage {
                tracking_number: package.tracking_number.clone().filter(|t| !t.trim().is_empty()),
                ship_date: shipment.ship_date,
                carrier: carrier.clone(),
                method: method.clone(),
                lines,
            });
        }
    }
    if packages.is_empty() {
        return Err(AsnProblem::Invalid(format!(
            "Sears shows every packaged unit of order {} as shipped or cancelled already (updated in the Seller \
             Portal?); there is nothing left to report",
            order.order_number
        )));
    }
    let record = AsnRecord { po_number: sears.po_number.clone(), po_date: sears.po_date, packages };
    record.check().map_err(|e| AsnProblem::Invalid(format!("Sears would refuse this update: {e}")))?;
    Ok(record)
}

/// The feed carrying `records`, in order (record-id = position).
pub fn feed(records: &[&AsnRecord]) -> wharf_sears::ShipmentFeed {
    wharf_sears::ShipmentFeed { shipments: records.iter().map(|r| r.to_wire()).collect(), ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::sears_lines::tests_support::shipment;
    use wharf_domain::sample;

    #[test]
    fn every_package_is_a_detail_with_its_lines() {
        let order = sample::order("ord_1", "5550001");
        let shipment = shipment(&order, &[&[("1", 1)], &[("1", 1), ("2", 1)]]);
        let record = build_record(&order, &shipment).unwrap();
        let line = |n, sku: &str, q| AsnLine { line_number: n, item_id: sku.into(), quantity: q };
        let package = |tn: &str, lines| AsnPackage {
            tracking_number: Some(tn.into()),
            ship_date: "2026-11-27".parse().unwrap(),
            carrier: "UPS".into(),
            method: "Ground".into(),
            lines,
        };
        assert_eq!(
            record,
            AsnRecord {
                po_number: "5550001".into(),
                po_date: "2026-11-26".parse().unwrap(),
                packages: vec![
                    package("1ZTEST1", vec![line(1, "MUG-BLUE", 1)]),
                    package("1ZTEST2", vec![line(1, "MUG-BLUE", 1), line(2, "TEE-L", 1)]),
                ],
            }
        );
        let xml = feed(&[&record]).to_xml().unwrap();
        assert_eq!(xml.matches("<shipping-carrier>UPS</shipping-carrier>").count(), 2, "{xml}");
        assert_eq!(xml.matches("<shipping-method>Ground</shipping-method>").count(), 2, "{xml}");
        assert_eq!(xml.matches("<package-detail>").count(), 3, "{xml}");
    }

    #[test]
    fn a_sku_of_42_characters_is_never_sent() {
        let mut order = sample::order("ord_1", "5550001");
        order.items[1].sku = "X".repeat(46);
        let shipment = shipment(&order, &[&[("1", 2), ("2", 1)]]);
        assert_eq!(
            build_record(&order, &shipment),
            Err(AsnProblem::SkuTooLong(
                "SKU is 46 characters; Sears shipment updates need fewer than 42 — update this order manually in the \
                 Sears Seller Portal"
                    .into()
            ))
        );
    }

    #[test]
    fn units_sears_no_longer_expects_are_left_out() {
        let mut order = sample::order("ord_1", "5550001");
        order.items[1].sears.as_mut().unwrap().statuses[0].status = "CANCELLED".into();
        let shipment = shipment(&order, &[&[("1", 2), ("2", 1)]]);
        let record = build_record(&order, &shipment).unwrap();
        assert_eq!(record.line_totals().into_iter().collect::<Vec<_>>(), vec![(1, 2)]);
    }

    #[test]
    fn a_service_without_a_sears_method_is_refused_with_the_reason() {
        let order = sample::order("ord_1", "5550001");
        let mut shipment = shipment(&order, &[&[("1", 2), ("2", 1)]]);
        shipment.service_code = "ups_3_day_select".into();
        let Err(AsnProblem::Invalid(reason)) = build_record(&order, &shipment) else { panic!("refused") };
        assert!(reason.contains("Sears lists no shipping method for UPS 3 Day Select"), "{reason}");
    }

    #[test]
    fn payloads_keep_what_the_shipping_area_wrote() {
        let written = serde_json::json!({"shipmentIds": ["shp_1"], "reason": "labels bought"});
        let payload: SearsShipmentPayload = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(payload.shipment_ids, vec!["shp_1".parse::<ShipmentId>().unwrap()]);
        assert_eq!(
            serde_json::to_value(&payload).unwrap(),
            serde_json::json!({
                "shipmentIds": ["shp_1"], "shortShipConfirmed": false, "reason": "labels bought"
            })
        );
    }
}
