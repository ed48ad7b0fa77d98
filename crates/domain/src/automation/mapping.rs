//! Step 2 of the pipeline: the store's service mapping (the buyer's requested shipping method → carrier,
//! service, package), and what `wharf store map-service` needs around it.

use super::changes::{Session, Writer};
use super::shipping_choice::{ShippingChoiceError, shipping_choice};
use crate::order::Order;
use crate::service_mapping::{ServiceMapping, ServiceMappingEntry};

/// Runs step 2: when the order's requested service has a row in the mapping, sets its carrier, service and
/// package (package only when the row names one).
pub(crate) fn apply_service_mapping(session: &mut Session<'_>, mapping: &ServiceMapping, warnings: &mut Vec<String>) {
    let Some(requested) = session.order.requested_shipping_service.as_deref().map(str::trim).filter(|r| !r.is_empty())
    else {
        return;
    };
    let Some(entry) = mapping.map(requested) else {
        return;
    };
    let requested = requested.to_owned();
    match shipping_choice(&entry.carrier_code, &entry.service_code, entry.package_code.as_deref()) {
        Ok(choice) => {
            session.set_shipping(&choice, Writer::ServiceMapping { requested: &requested });
        }
        Err(e) => warnings.push(format!(
            "the service mapping for {requested:?} is not applied: {e}; fix it with `wharf store map-service`"
        )),
    }
}

/// Checks a mapping row against the shipping code table and returns it with the codes in the table's
/// spelling. An empty requested service is refused: such orders have nothing to map.
pub fn validate_mapping_entry(entry: &ServiceMappingEntry) -> Result<ServiceMappingEntry, ShippingChoiceError> {
    let requested = entry.requested.trim();
    if requested.is_empty() {
        return Err(ShippingChoiceError {
            message: "the requested service is empty; give it as the marketplace sends it, e.g. \"Ground\"".into(),
        });
    }
    let choice = shipping_choice(&entry.carrier_code, &entry.service_code, entry.package_code.as_deref())
        .map_err(|e| ShippingChoiceError { message: format!("{requested:?}: {e}") })?;
    Ok(ServiceMappingEntry {
        requested: requested.to_owned(),
        carrier_code: choice.carrier.to_owned(),
        service_code: choice.service.to_owned(),
        package_code: choice.package.map(str::to_owned),
    })
}

/// A requested service that no mapping row covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmappedService {
    /// As the first order with it spelled it (matching ignores case and surrounding blanks).
    pub requested: String,
    pub order_count: usize,
    /// Up to three order numbers, to look at.
    pub example_orders: Vec<String>,
}

/// The requested services of `orders` that `mapping` does not cover, most frequent first (then by name).
/// Orders without a requested service are left out: there is nothing to map.
pub fn unmapped_services<'o>(
    orders: impl IntoIterator<Item = &'o Order>,
    mapping: &ServiceMapping,
) -> Vec<UnmappedService> {
    let mut found: Vec<UnmappedService> = Vec::new();
    for order in orders {
        let Some(requested) = order.requested_shipping_service.as_deref().map(str::trim).filter(|r| !r.is_empty())
        else {
            continue;
        };
        if mapping.map(requested).is_some() {
            continue;
        }
        match found.iter_mut().find(|u| u.requested.eq_ignore_ascii_case(requested)) {
            Some(known) => {
                known.order_count += 1;
                if known.example_orders.len() < 3 {
                    known.example_orders.push(order.order_number.clone());
                }
            }
            None => found.push(UnmappedService {
                requested: requested.to_owned(),
                order_count: 1,
                example_orders: vec![order.order_number.clone()],
            }),
        }
    }
    found.sort_by(|a, b| {
        b.order_count.cmp(&a.order_count).then_with(|| a.requested.to_lowercase().cmp(&b.requested.to_lowercase()))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn entry(requested: &str, carrier: &str, service: &str, package: Option<&str>) -> ServiceMappingEntry {
        ServiceMappingEntry {
            requested: requested.into(),
            carrier_code: carrier.into(),
            service_code: service.into(),
            package_code: package.map(str::to_owned),
        }
    }

    #[test]
    fn lists_unmapped_requested_services_by_frequency() {
        let mut mapping = ServiceMapping::default();
        mapping.set(entry("Ground", "ups", "ups_ground", None));
        let with = |n: &str, requested: Option<&str>| {
            let mut o = sample::order("ord_1", n);
            o.requested_shipping_service = requested.map(str::to_owned);
            o
        };
        let orders = [
            with("1", Some("Ground")),
            with("2", Some("Express")),
            with("3", Some(" PRIORITY ")),
            with("4", Some("priority")),
            with("5", None),
            with("6", Some("  ")),
            with("7", Some("ground")),
        ];
        assert_eq!(
            unmapped_services(&orders, &mapping),
            vec![
                UnmappedService {
                    requested: "PRIORITY".into(),
                    order_count: 2,
                    example_orders: vec!["3".into(), "4".into()],
                },
                UnmappedService { requested: "Express".into(), order_count: 1, example_orders: vec!["2".into()] },
            ]
        );
    }

    #[test]
    fn mapping_rows_are_checked_against_the_code_table() {
        assert_eq!(
            validate_mapping_entry(&entry(" Priority ", "UPS", "UPS_2nd_Day_Air", Some("Package"))),
            Ok(entry("Priority", "ups", "ups_2nd_day_air", Some("package")))
        );
        let err = validate_mapping_entry(&entry("Express", "ups", "ups_3_day_select", None)).unwrap_err();
        assert!(err.message.starts_with("\"Express\": Sears lists no shipping method for UPS 3 Day Select"), "{err}");
        assert!(validate_mapping_entry(&entry(" ", "ups", "ups_ground", None)).is_err());
    }
}
