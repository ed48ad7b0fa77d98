//! A carrier, service and package checked against the shared code table: known codes, a service of that
//! carrier, a package that fits it, and a Sears shipping method to report it with (SPEC.md §5.3). Rules,
//! product defaults and service mappings all go through here, so none can choose what Sears cannot take.

use crate::order::Confirmation;
use crate::shipping_codes::{Confirmation as TableConfirmation, ShippingCodes};

/// Codes in the table's own spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShippingChoice {
    pub carrier: &'static str,
    pub service: &'static str,
    pub package: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ShippingChoiceError {
    pub message: String,
}

fn refuse(message: String) -> ShippingChoiceError {
    ShippingChoiceError { message }
}

/// Checks a carrier, service and optional package (Wharf codes, any case).
pub fn shipping_choice(
    carrier: &str,
    service: &str,
    package: Option<&str>,
) -> Result<ShippingChoice, ShippingChoiceError> {
    let known_carrier = ShippingCodes::carrier(carrier).ok_or_else(|| {
        let codes: Vec<&str> = ShippingCodes::carriers().iter().map(|c| c.code).collect();
        refuse(format!("unknown carrier {carrier:?}; Wharf's carriers are {}", codes.join(", ")))
    })?;
    let services_of = || ShippingCodes::services_for(known_carrier.code).map(|s| s.code).collect::<Vec<_>>().join(", ");
    let known_service = ShippingCodes::service(service).ok_or_else(|| {
        refuse(format!("unknown service {service:?}; {}'s services are {}", known_carrier.name, services_of()))
    })?;
    if known_service.carrier != known_carrier.code {
        return Err(refuse(format!(
            "service {} ({}) belongs to carrier {}, not {}; {}'s services are {}",
            known_service.code,
            known_service.name,
            known_service.carrier,
            known_carrier.code,
            known_carrier.name,
            services_of()
        )));
    }
    // The Sears shipment update must be able to name this service (decision: refuse, don't fail at ship time).
    ShippingCodes::sears_code_for(known_carrier.code, known_service.code).map_err(|no| refuse(no.reason))?;
    let package = match package {
        None => None,
        Some(code) => {
            let known = ShippingCodes::package(code).ok_or_else(|| {
                let codes: Vec<&str> = ShippingCodes::packages()
                    .iter()
                    .filter(|p| p.carrier.is_none_or(|c| c == known_carrier.code))
                    .map(|p| p.code)
                    .collect();
                refuse(format!(
                    "unknown package {code:?}; packages for {} are {}",
                    known_carrier.name,
                    codes.join(", ")
                ))
            })?;
            if let Some(owner) = known.carrier
                && owner != known_carrier.code
            {
                return Err(refuse(format!(
                    "package {} ({}) is {owner}'s, not {}'s; use \"package\" or a {} package",
                    known.code, known.name, known_carrier.code, known_carrier.name
                )));
            }
            Some(known.code)
        }
    };
    Ok(ShippingChoice { carrier: known_carrier.code, service: known_service.code, package })
}

/// A delivery confirmation Wharf can buy: it must be in the code table (which has no direct signature).
pub fn check_confirmation(confirmation: Confirmation) -> Result<(), ShippingChoiceError> {
    let code = match confirmation {
        Confirmation::None => "none",
        Confirmation::Delivery => "delivery",
        Confirmation::Signature => "signature",
        Confirmation::AdultSignature => "adult_signature",
        Confirmation::DirectSignature => "direct_signature",
    };
    match TableConfirmation::from_code(code) {
        Some(_) => Ok(()),
        None => Err(refuse(format!(
            "confirmation {code:?} is not in Wharf's shipping code table (carriers are sent one of {}); choose one \
             of those",
            TableConfirmation::ALL.map(|c| c.code()).join(", ")
        ))),
    }
}

/// Whether a package belongs to another carrier than `carrier` (and so cannot go with its services).
pub(crate) fn package_belongs_elsewhere(package: &str, carrier: &str) -> bool {
    ShippingCodes::package(package).and_then(|p| p.carrier).is_some_and(|owner| !owner.eq_ignore_ascii_case(carrier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_codes_in_any_case() {
        assert_eq!(
            shipping_choice("UPS", "UPS_Ground", Some("Package")),
            Ok(ShippingChoice { carrier: "ups", service: "ups_ground", package: Some("package") })
        );
        assert_eq!(shipping_choice("fedex", "fedex_2day", None).unwrap().service, "fedex_2day");
    }

    #[test]
    fn refuses_services_sears_cannot_name_with_the_tables_reason() {
        let err = shipping_choice("ups", "ups_3_day_select", None).unwrap_err();
        assert!(err.message.contains("Sears lists no shipping method for UPS 3 Day Select"), "{err}");
        assert!(err.message.contains("Next Day Saver, Ground, Next Day, Second Day, SurePost"), "{err}");
        let err = shipping_choice("ups", "ups_worldwide_saver", None).unwrap_err();
        assert!(err.message.contains("international service"), "{err}");
        let err = shipping_choice("usps", "usps_priority_mail_express", None).unwrap_err();
        assert!(err.message.contains("USPS Priority Mail Express"), "{err}");
    }

    #[test]
    fn refuses_unknown_and_mismatched_codes() {
        let err = shipping_choice("acme", "ups_ground", None).unwrap_err();
        assert!(err.message.contains("ups, usps, fedex, dhl, other"), "{err}");
        let err = shipping_choice("fedex", "ups_ground", None).unwrap_err();
        assert!(err.message.contains("belongs to carrier ups, not fedex"), "{err}");
        let err = shipping_choice("ups", "ground", None).unwrap_err();
        assert!(err.message.contains("unknown service \"ground\""), "{err}");
        assert!(err.message.contains("ups_ground"), "{err}");
        let err = shipping_choice("fedex", "fedex_ground", Some("ups_letter")).unwrap_err();
        assert!(err.message.contains("is ups's, not fedex's"), "{err}");
        let err = shipping_choice("ups", "ups_ground", Some("crate")).unwrap_err();
        assert!(err.message.contains("unknown package \"crate\""), "{err}");
    }

    #[test]
    fn confirmations_must_be_in_the_table() {
        assert!(check_confirmation(Confirmation::Signature).is_ok());
        assert!(check_confirmation(Confirmation::AdultSignature).is_ok());
        let err = check_confirmation(Confirmation::DirectSignature).unwrap_err();
        assert!(err.message.contains("\"direct_signature\""), "{err}");
        assert!(err.message.contains("none, delivery, signature, adult_signature"), "{err}");
    }
}
