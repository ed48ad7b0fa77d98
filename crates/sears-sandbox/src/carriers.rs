//! Sears's carrier and method list (`GET /oms/shipping-carrier/v1`, SPEC.md §5.3), embedded from
//! spec/sears/shipping-carriers-v1.tsv. ASN carriers and methods are checked against it case-insensitively.

use std::sync::LazyLock;

use crate::xml_writer::XmlWriter;

const TSV: &str = include_str!("../../../spec/sears/shipping-carriers-v1.tsv");

/// One carrier/method row of the official list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierMethod {
    pub carrier: &'static str,
    pub carrier_description: &'static str,
    pub method: &'static str,
    pub method_description: &'static str,
}

static LIST: LazyLock<Vec<CarrierMethod>> = LazyLock::new(|| parse(TSV));

static DOCUMENT: LazyLock<Vec<u8>> = LazyLock::new(|| render(&LIST));

fn parse(tsv: &'static str) -> Vec<CarrierMethod> {
    tsv.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .skip(1) // the header row
        .filter_map(|line| {
            let mut cols = line.split('\t');
            Some(CarrierMethod {
                carrier: cols.next()?.trim(),
                carrier_description: cols.next()?.trim(),
                method: cols.next()?.trim(),
                method_description: cols.next()?.trim(),
            })
        })
        .collect()
}

/// Every row of the official list, in document order.
pub fn carrier_methods() -> &'static [CarrierMethod] {
    &LIST
}

/// The row for this carrier and method, compared case-insensitively (the official ASN sample writes `GROUND` where
/// the list says `Ground`).
pub fn find(carrier: &str, method: &str) -> Option<&'static CarrierMethod> {
    LIST.iter()
        .find(|row| row.carrier.eq_ignore_ascii_case(carrier.trim()) && row.method.eq_ignore_ascii_case(method.trim()))
}

/// The `shipping-carriers` document; consecutive rows of the same carrier (code and description) are one
/// `shipping-carrier-details` (so `AVRT`, listed twice with two descriptions, stays twice).
pub(crate) fn document() -> &'static [u8] {
    &DOCUMENT
}

fn render(rows: &[CarrierMethod]) -> Vec<u8> {
    let mut w = XmlWriter::document(16 * 1024);
    w.root("shipping-carriers", "http://seller.marketplace.sears.com/oms/v1");
    w.newline();
    let mut i = 0;
    while i < rows.len() {
        let first = &rows[i];
        let group_len = rows[i..]
            .iter()
            .take_while(|r| r.carrier == first.carrier && r.carrier_description == first.carrier_description)
            .count();
        w.open("shipping-carrier-details");
        w.leaf("shipping-carrier", first.carrier);
        w.leaf("shipping-carrier-description", first.carrier_description);
        w.open("shipping-methods");
        for row in &rows[i..i + group_len] {
            w.open("shipping-method-details");
            w.leaf("shipping-method", row.method);
            w.leaf("shipping-method-description", row.method_description);
            w.close("shipping-method-details");
        }
        w.close("shipping-methods");
        w.close("shipping-carrier-details");
        w.newline();
        i += group_len;
    }
    w.close("shipping-carriers");
    w.newline();
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_the_documented_rows() {
        // SPEC.md §5.3: 121 carrier/method rows, 104 carrier codes.
        assert_eq!(carrier_methods().len(), 121);
        let mut codes: Vec<_> = carrier_methods().iter().map(|r| r.carrier).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 104);
    }

    #[test]
    fn lookups_ignore_case() {
        assert_eq!(find("ups", "GROUND").map(|r| r.method), Some("Ground"));
        assert_eq!(find("UPS", "next day saver").map(|r| r.method), Some("Next Day Saver"));
        assert_eq!(find("OTH", "PICKUP").map(|r| r.method), Some("Pickup"));
        assert!(find("UPS", "Priority").is_none());
        assert!(find("XYZ", "Ground").is_none());
    }
}
