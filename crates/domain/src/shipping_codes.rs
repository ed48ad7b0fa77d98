//! Known carrier, service, package and delivery-confirmation codes, shared by automation rules (which set a
//! service) and shipping (which buys labels and tells Sears what shipped).
//!
//! Wharf's codes are stable, ShipStation-style strings (`ups`, `ups_ground`, `package`, `signature`). Each
//! service carries the carrier's own code (UPS service codes from the Rating/Shipping OpenAPI specs and the UPS
//! appendix) and the Sears carrier + method pair for the ASN (SPEC.md §5.3, `shipping-carriers-v1.tsv`). A
//! service with no Sears equivalent has `sears: None` and cannot be used for a Sears shipment update;
//! [`ShippingCodes::sears_code_for`] says why.
//!
//! The full Sears carrier list is embedded, so a label bought elsewhere can be recorded with any Sears carrier
//! code and method (matched case-insensitively, as SPEC.md §5.3 concludes Sears does).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The Sears carrier list, verbatim from `spec/sears/shipping-carriers-v1.tsv`.
pub const SEARS_CARRIERS_TSV: &str = include_str!("../../../spec/sears/shipping-carriers-v1.tsv");

/// What Sears accepts in an ASN `detail`: `shipping-carrier` and `shipping-method`, spelled as in Sears's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SearsShipCode {
    pub carrier: &'static str,
    pub method: &'static str,
}

impl SearsShipCode {
    /// Sears requires that the buyer be e-mailed the carrier and tracking number when the carrier is `OTH`
    /// (SPEC.md §5.3, decision 11).
    pub fn requires_buyer_notice(&self) -> bool {
        self.carrier.eq_ignore_ascii_case("OTH")
    }
}

/// Why a carrier/service pair cannot be sent to Sears, in words a seller can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct NoSearsCode {
    pub carrier: String,
    pub service: String,
    pub reason: String,
}

/// A carrier Wharf knows by a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CarrierCode {
    /// Wharf's code, e.g. `ups`.
    pub code: &'static str,
    pub name: &'static str,
    /// The Sears carrier code used in ASNs, e.g. `FDE` for FedEx.
    pub sears_carrier: &'static str,
    /// True when Wharf buys labels from this carrier itself; the others are recorded as shipped by hand
    /// (`wharf orders mark-shipped --carrier C --service S`).
    pub buys_labels: bool,
}

/// A carrier service Wharf knows by a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceCode {
    /// Wharf carrier code, e.g. `ups`.
    pub carrier: &'static str,
    /// Wharf service code, e.g. `ups_ground`.
    pub code: &'static str,
    pub name: &'static str,
    /// UPS `Service/Code` (Rating and Shipping APIs); `None` for other carriers.
    pub ups_code: Option<&'static str>,
    /// The Sears carrier and method for the ASN; `None` when Sears lists no equivalent.
    pub sears: Option<SearsShipCode>,
    pub domestic: bool,
    pub international: bool,
}

impl ServiceCode {
    /// The Sears code for this service, or why there is none.
    pub fn sears_code(&self) -> Result<SearsShipCode, NoSearsCode> {
        if let Some(code) = self.sears {
            return Ok(code);
        }
        let reason = if !self.domestic {
            format!(
                "{} is an international service and Sears ships only within the US, so it has no Sears shipping \
                 method; use a domestic service for Sears orders",
                self.name
            )
        } else {
            let sears_carrier = ShippingCodes::carrier(self.carrier).map_or("", |c| c.sears_carrier);
            format!(
                "Sears lists no shipping method for {}; its {} methods are {}. Choose a service Sears lists, or \
                 record the shipment with the Sears method that matches (--carrier {} --service METHOD)",
                self.name,
                sears_carrier,
                ShippingCodes::sears_methods_list(sears_carrier),
                sears_carrier
            )
        };
        Err(NoSearsCode { carrier: self.carrier.to_owned(), service: self.code.to_owned(), reason })
    }
}

/// A package type. Generic types (`package`) belong to no carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PackageCode {
    /// Wharf carrier code, or `None` for a carrier-neutral package.
    pub carrier: Option<&'static str>,
    pub code: &'static str,
    pub name: &'static str,
    /// UPS `Packaging/Code` (Shipping) and `PackagingType/Code` (Rating).
    pub ups_code: Option<&'static str>,
}

/// Delivery confirmation requested for a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    #[default]
    None,
    /// Proof of delivery without a signature.
    Delivery,
    Signature,
    AdultSignature,
}

impl Confirmation {
    pub const ALL: [Confirmation; 4] =
        [Confirmation::None, Confirmation::Delivery, Confirmation::Signature, Confirmation::AdultSignature];

    pub fn code(self) -> &'static str {
        match self {
            Confirmation::None => "none",
            Confirmation::Delivery => "delivery",
            Confirmation::Signature => "signature",
            Confirmation::AdultSignature => "adult_signature",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Confirmation::None => "No confirmation",
            Confirmation::Delivery => "Delivery confirmation",
            Confirmation::Signature => "Signature required",
            Confirmation::AdultSignature => "Adult signature required",
        }
    }

    /// Case-insensitive lookup by Wharf code.
    pub fn from_code(code: &str) -> Option<Confirmation> {
        let code = code.trim();
        Confirmation::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code))
    }

    /// UPS package-level `PackageServiceOptions/DeliveryConfirmation/DCISType`. `None` means no
    /// DeliveryConfirmation container is sent: UPS tracks every package to delivery anyway, and the specs list
    /// DCISType 1 (confirmation without signature) as "Unsupported".
    pub fn ups_dcis_type(self) -> Option<&'static str> {
        match self {
            Confirmation::None | Confirmation::Delivery => None,
            Confirmation::Signature => Some("2"),
            Confirmation::AdultSignature => Some("3"),
        }
    }
}

/// One carrier of Sears's list, with its methods in list order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearsCarrier {
    pub code: &'static str,
    pub description: &'static str,
    pub methods: Vec<SearsMethod>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SearsMethod {
    pub method: &'static str,
    pub description: &'static str,
}

const fn sears(carrier: &'static str, method: &'static str) -> Option<SearsShipCode> {
    Some(SearsShipCode { carrier, method })
}

const fn ups(
    code: &'static str,
    name: &'static str,
    ups_code: &'static str,
    sears: Option<SearsShipCode>,
    domestic: bool,
) -> ServiceCode {
    ServiceCode { carrier: "ups", code, name, ups_code: Some(ups_code), sears, domestic, international: !domestic }
}

const fn manual(
    carrier: &'static str,
    code: &'static str,
    name: &'static str,
    sears: Option<SearsShipCode>,
) -> ServiceCode {
    ServiceCode { carrier, code, name, ups_code: None, sears, domestic: true, international: false }
}

static CARRIERS: [CarrierCode; 5] = [
    CarrierCode { code: "ups", name: "UPS", sears_carrier: "UPS", buys_labels: true },
    CarrierCode { code: "usps", name: "USPS", sears_carrier: "USPS", buys_labels: false },
    CarrierCode { code: "fedex", name: "FedEx", sears_carrier: "FDE", buys_labels: false },
    CarrierCode { code: "dhl", name: "DHL", sears_carrier: "DHLC", buys_labels: false },
    CarrierCode { code: "other", name: "Other carrier", sears_carrier: "OTH", buys_labels: false },
];

// UPS codes 01..65 are listed in Shipping.yaml `Shipment/Service/Code`; 92 and 93 (SurePost) come from the UPS
// service-code appendix, which the vendored specs do not include. Sears methods follow the speed class: both
// Next Day Air variants are Sears `Next Day`, both 2nd Day Air variants are `Second Day`.
static SERVICES: [ServiceCode; 33] = [
    ups("ups_ground", "UPS Ground", "03", sears("UPS", "Ground"), true),
    ups("ups_3_day_select", "UPS 3 Day Select", "12", None, true),
    ups("ups_2nd_day_air", "UPS 2nd Day Air", "02", sears("UPS", "Second Day"), true),
    ups("ups_2nd_day_air_am", "UPS 2nd Day Air A.M.", "59", sears("UPS", "Second Day"), true),
    ups("ups_next_day_air_saver", "UPS Next Day Air Saver", "13", sears("UPS", "Next Day Saver"), true),
    ups("ups_next_day_air", "UPS Next Day Air", "01", sears("UPS", "Next Day"), true),
    ups("ups_next_day_air_early_am", "UPS Next Day Air Early", "14", sears("UPS", "Next Day"), true),
    ups("ups_surepost_less_than_1_lb", "UPS SurePost Less Than 1 lb", "92", sears("UPS", "SurePost"), true),
    ups("ups_surepost_1_lb_or_greater", "UPS SurePost 1 lb or Greater", "93", sears("UPS", "SurePost"), true),
    ups("ups_standard_international", "UPS Standard", "11", None, false),
    ups("ups_worldwide_express", "UPS Worldwide Express", "07", None, false),
    ups("ups_worldwide_expedited", "UPS Worldwide Expedited", "08", None, false),
    ups("ups_worldwide_express_plus", "UPS Worldwide Express Plus", "54", None, false),
    ups("ups_worldwide_saver", "UPS Worldwide Saver", "65", None, false),
    manual("usps", "usps_first_class_mail", "USPS First Class Mail", sears("USPS", "First Class")),
    manual("usps", "usps_priority_mail", "USPS Priority Mail", sears("USPS", "Priority")),
    manual("usps", "usps_parcel_select", "USPS Parcel Select (Parcel Post)", sears("USPS", "Parcel Post")),
    manual("usps", "usps_standard_mail", "USPS Standard Mail", sears("USPS", "Standard Mail")),
    manual("usps", "usps_priority_mail_express", "USPS Priority Mail Express", None),
    manual("usps", "usps_ground_advantage", "USPS Ground Advantage", None),
    manual("usps", "usps_media_mail", "USPS Media Mail", None),
    manual("fedex", "fedex_ground", "FedEx Ground", sears("FDE", "Ground")),
    manual("fedex", "fedex_home_delivery", "FedEx Home Delivery", sears("FDE", "Ground")),
    manual("fedex", "fedex_2day", "FedEx 2Day", sears("FDE", "Second Day")),
    manual("fedex", "fedex_standard_overnight", "FedEx Standard Overnight", sears("FDE", "Next Day")),
    manual("fedex", "fedex_priority_overnight", "FedEx Priority Overnight", sears("FDE", "Next Day")),
    manual("fedex", "fedex_smartpost", "FedEx SmartPost", sears("SMRT", "Smart Post")),
    manual("dhl", "dhl_economy", "DHL Economy", sears("DHLC", "Economy")),
    manual("dhl", "dhl_priority", "DHL Priority", sears("DHLC", "Priority")),
    manual("other", "other_standard", "Other carrier, standard", sears("OTH", "Standard")),
    manual("other", "other_expedited", "Other carrier, expedited", sears("OTH", "Expedited")),
    manual("other", "other_premium", "Other carrier, premium", sears("OTH", "Premium")),
    manual("other", "other_pickup", "Customer pickup", sears("OTH", "Pickup")),
];

static PACKAGES: [PackageCode; 10] = [
    PackageCode { carrier: None, code: "package", name: "Package (customer supplied)", ups_code: Some("02") },
    PackageCode { carrier: Some("ups"), code: "ups_letter", name: "UPS Letter", ups_code: Some("01") },
    PackageCode { carrier: Some("ups"), code: "ups_tube", name: "UPS Tube", ups_code: Some("03") },
    PackageCode { carrier: Some("ups"), code: "ups_pak", name: "UPS Pak", ups_code: Some("04") },
    PackageCode { carrier: Some("ups"), code: "ups_express_box", name: "UPS Express Box", ups_code: Some("21") },
    PackageCode {
        carrier: Some("ups"),
        code: "ups_express_box_small",
        name: "UPS Small Express Box",
        ups_code: Some("2a"),
    },
    PackageCode {
        carrier: Some("ups"),
        code: "ups_express_box_medium",
        name: "UPS Medium Express Box",
        ups_code: Some("2b"),
    },
    PackageCode {
        carrier: Some("ups"),
        code: "ups_express_box_large",
        name: "UPS Large Express Box",
        ups_code: Some("2c"),
    },
    PackageCode { carrier: Some("ups"), code: "ups_10kg_box", name: "UPS 10KG Box", ups_code: Some("25") },
    PackageCode { carrier: Some("ups"), code: "ups_25kg_box", name: "UPS 25KG Box", ups_code: Some("24") },
];

static SEARS_CARRIERS: LazyLock<Vec<SearsCarrier>> = LazyLock::new(|| parse_sears_carriers(SEARS_CARRIERS_TSV));

/// Parses the Sears carrier list: `#` comment lines, one header line, then tab-separated rows of carrier,
/// carrier description, method, method description. A carrier code listed twice (AVRT) is merged, keeping the
/// first description. The file is vendored and tested, so a malformed row is a build defect and panics.
fn parse_sears_carriers(tsv: &'static str) -> Vec<SearsCarrier> {
    let mut carriers: Vec<SearsCarrier> = Vec::new();
    let rows = tsv.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty()).skip(1);
    for row in rows {
        let fields: Vec<&'static str> = row.split('\t').map(str::trim).collect();
        let [code, description, method, method_description] = fields[..] else {
            panic!("shipping-carriers-v1.tsv: expected 4 tab-separated fields in {row:?}");
        };
        let method = SearsMethod { method, description: method_description };
        match carriers.iter_mut().find(|c| c.code == code) {
            Some(carrier) => {
                if !carrier.methods.iter().any(|m| m.method.eq_ignore_ascii_case(method.method)) {
                    carrier.methods.push(method);
                }
            }
            None => carriers.push(SearsCarrier { code, description, methods: vec![method] }),
        }
    }
    carriers
}

/// The code tables. All lookups are case-insensitive and ignore surrounding whitespace.
pub struct ShippingCodes;

impl ShippingCodes {
    pub fn carriers() -> &'static [CarrierCode] {
        &CARRIERS
    }

    /// A Wharf carrier by its Wharf code (`ups`, `usps`, `fedex`, `dhl`, `other`).
    pub fn carrier(code: &str) -> Option<&'static CarrierCode> {
        let code = code.trim();
        CARRIERS.iter().find(|c| c.code.eq_ignore_ascii_case(code))
    }

    pub fn services() -> &'static [ServiceCode] {
        &SERVICES
    }

    pub fn service(code: &str) -> Option<&'static ServiceCode> {
        let code = code.trim();
        SERVICES.iter().find(|s| s.code.eq_ignore_ascii_case(code))
    }

    /// Services of one Wharf carrier, in table order.
    pub fn services_for(carrier: &str) -> impl Iterator<Item = &'static ServiceCode> {
        let carrier = carrier.trim().to_ascii_lowercase();
        SERVICES.iter().filter(move |s| s.carrier == carrier)
    }

    /// The UPS service with this UPS service code (e.g. `03`), as returned in rate responses.
    pub fn ups_service(ups_code: &str) -> Option<&'static ServiceCode> {
        let ups_code = ups_code.trim();
        SERVICES.iter().find(|s| s.ups_code.is_some_and(|c| c.eq_ignore_ascii_case(ups_code)))
    }

    pub fn packages() -> &'static [PackageCode] {
        &PACKAGES
    }

    pub fn package(code: &str) -> Option<&'static PackageCode> {
        let code = code.trim();
        PACKAGES.iter().find(|p| p.code.eq_ignore_ascii_case(code))
    }

    /// The package type with this UPS packaging code (e.g. `02`).
    pub fn ups_package(ups_code: &str) -> Option<&'static PackageCode> {
        let ups_code = ups_code.trim();
        PACKAGES.iter().find(|p| p.ups_code.is_some_and(|c| c.eq_ignore_ascii_case(ups_code)))
    }

    /// Sears's full carrier list, in file order.
    pub fn sears_carriers() -> &'static [SearsCarrier] {
        &SEARS_CARRIERS
    }

    pub fn sears_carrier(code: &str) -> Option<&'static SearsCarrier> {
        let code = code.trim();
        SEARS_CARRIERS.iter().find(|c| c.code.eq_ignore_ascii_case(code))
    }

    /// A Sears carrier and method from the list, returned in the list's spelling.
    pub fn sears_method(carrier: &str, method: &str) -> Option<SearsShipCode> {
        let carrier = Self::sears_carrier(carrier)?;
        let method = method.trim();
        carrier
            .methods
            .iter()
            .find(|m| m.method.eq_ignore_ascii_case(method))
            .map(|m| SearsShipCode { carrier: carrier.code, method: m.method })
    }

    /// The Sears carrier and method to report for a shipment.
    ///
    /// `carrier` is a Wharf carrier code (`ups`, `fedex`, ...) or any Sears carrier code (`UPS`, `FDE`, `ODFL`,
    /// ...); `service` is a Wharf service code (`ups_ground`) or a Sears method of that carrier (`Ground`,
    /// `Next Day`). A Wharf service must belong to the carrier given.
    pub fn sears_code_for(carrier: &str, service: &str) -> Result<SearsShipCode, NoSearsCode> {
        let (carrier, service) = (carrier.trim(), service.trim());
        let no_code = |reason: String| NoSearsCode { carrier: carrier.to_owned(), service: service.to_owned(), reason };

        if let Some(known) = Self::service(service) {
            let owner = Self::carrier(known.carrier).expect("every service belongs to a listed carrier");
            let same_carrier = owner.code.eq_ignore_ascii_case(carrier)
                || known.sears.is_some_and(|s| s.carrier.eq_ignore_ascii_case(carrier));
            if !same_carrier {
                return Err(no_code(format!(
                    "service {} ({}) belongs to carrier {}, not {carrier}; pass --carrier {} or a service of {carrier}",
                    known.code, known.name, owner.code, owner.code
                )));
            }
            return known.sears_code();
        }

        let sears_carrier = match Self::carrier(carrier) {
            Some(wharf) => Self::sears_carrier(wharf.sears_carrier),
            None => Self::sears_carrier(carrier),
        };
        let Some(sears_carrier) = sears_carrier else {
            let wharf: Vec<&str> = CARRIERS.iter().map(|c| c.code).collect();
            return Err(no_code(format!(
                "unknown carrier {carrier:?}: use a Wharf carrier ({}) or a carrier code from Sears's list \
                 (e.g. UPS, FDE, USPS, OTH)",
                wharf.join(", ")
            )));
        };
        Self::sears_method(sears_carrier.code, service).ok_or_else(|| {
            no_code(format!(
                "{service:?} is neither a Wharf service code nor a Sears method of {} ({}); its methods are {}",
                sears_carrier.code,
                sears_carrier.description,
                Self::sears_methods_list(sears_carrier.code)
            ))
        })
    }

    fn sears_methods_list(sears_carrier: &str) -> String {
        Self::sears_carrier(sears_carrier)
            .map(|c| c.methods.iter().map(|m| m.method).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(carrier: &'static str, method: &'static str) -> SearsShipCode {
        SearsShipCode { carrier, method }
    }

    #[test]
    fn sears_list_has_the_rows_and_carriers_spec_5_3_counts() {
        // SPEC.md §5.3: 121 carrier/method rows, 104 carrier codes, AVRT listed twice.
        let rows: usize = ShippingCodes::sears_carriers().iter().map(|c| c.methods.len()).sum();
        // The two AVRT rows both carry method LTL, so merging them leaves 120 distinct carrier/method pairs.
        assert_eq!(rows, 120);
        assert_eq!(ShippingCodes::sears_carriers().len(), 104);
        let avrt = ShippingCodes::sears_carrier("AVRT").unwrap();
        assert_eq!(avrt.description, "Averitt Express");
        assert_eq!(avrt.methods.len(), 1);
    }

    #[test]
    fn parcel_carriers_have_the_methods_of_the_list() {
        let methods = |c: &str| -> Vec<&str> {
            ShippingCodes::sears_carrier(c).unwrap().methods.iter().map(|m| m.method).collect()
        };
        assert_eq!(methods("UPS"), ["Next Day Saver", "Ground", "Next Day", "Second Day", "SurePost"]);
        assert_eq!(methods("FDE"), ["Ground", "Next Day", "Second Day"]);
        assert_eq!(methods("OTH"), ["Expedited", "Pickup", "Standard", "Premium"]);
        assert_eq!(methods("USPS"), ["First Class", "Parcel Post", "Priority", "Standard Mail"]);
        assert_eq!(methods("DHLC"), ["Economy", "Priority", "Connect"]);
        assert_eq!(methods("SMRT"), ["Smart Post"]);
        assert_eq!(methods("ODFL"), ["LTL"]);
        assert_eq!(ShippingCodes::sears_carrier("FDE").unwrap().description, "Federal Express");
        assert_eq!(
            ShippingCodes::sears_carrier("UPS").unwrap().methods[0].description,
            "Next Day Saver (next day after 10am)"
        );
    }

    #[test]
    fn ups_services_carry_ups_and_sears_codes() {
        let cases = [
            ("ups_ground", "03", Some(code("UPS", "Ground"))),
            ("ups_next_day_air", "01", Some(code("UPS", "Next Day"))),
            ("ups_2nd_day_air", "02", Some(code("UPS", "Second Day"))),
            ("ups_next_day_air_saver", "13", Some(code("UPS", "Next Day Saver"))),
            ("ups_next_day_air_early_am", "14", Some(code("UPS", "Next Day"))),
            ("ups_2nd_day_air_am", "59", Some(code("UPS", "Second Day"))),
            ("ups_surepost_less_than_1_lb", "92", Some(code("UPS", "SurePost"))),
            ("ups_surepost_1_lb_or_greater", "93", Some(code("UPS", "SurePost"))),
            ("ups_3_day_select", "12", None),
            ("ups_worldwide_saver", "65", None),
        ];
        for (service, ups_code, sears) in cases {
            let s = ShippingCodes::service(service).unwrap();
            assert_eq!(s.carrier, "ups");
            assert_eq!(s.ups_code, Some(ups_code), "{service}");
            assert_eq!(s.sears, sears, "{service}");
            assert_eq!(ShippingCodes::ups_service(ups_code).unwrap().code, service);
        }
        let ground = ShippingCodes::service("UPS_Ground").unwrap();
        assert_eq!(ground.name, "UPS Ground");
        assert!(ground.domestic && !ground.international);
        let express = ShippingCodes::service("ups_worldwide_express").unwrap();
        assert!(!express.domestic && express.international);
        assert_eq!(ShippingCodes::ups_service("99"), None);
    }

    #[test]
    fn ups_codes_are_unique_and_every_sears_code_is_in_the_list() {
        let mut ups_codes: Vec<&str> = SERVICES.iter().filter_map(|s| s.ups_code).collect();
        let count = ups_codes.len();
        ups_codes.sort_unstable();
        ups_codes.dedup();
        assert_eq!(ups_codes.len(), count);
        for service in ShippingCodes::services() {
            if let Some(sears) = service.sears {
                assert_eq!(ShippingCodes::sears_method(sears.carrier, sears.method), Some(sears), "{}", service.code);
            }
            assert!(ShippingCodes::carrier(service.carrier).is_some(), "{}", service.code);
        }
    }

    #[test]
    fn services_without_sears_code_say_why() {
        let err = ShippingCodes::sears_code_for("ups", "ups_3_day_select").unwrap_err();
        assert_eq!(err.service, "ups_3_day_select");
        assert!(err.reason.contains("UPS 3 Day Select"), "{}", err.reason);
        assert!(err.reason.contains("Next Day Saver, Ground, Next Day, Second Day, SurePost"), "{}", err.reason);

        let err = ShippingCodes::sears_code_for("ups", "ups_worldwide_express").unwrap_err();
        assert!(err.reason.contains("international"), "{}", err.reason);

        let err = ShippingCodes::sears_code_for("usps", "usps_ground_advantage").unwrap_err();
        assert!(err.reason.contains("First Class, Parcel Post, Priority, Standard Mail"), "{}", err.reason);
    }

    #[test]
    fn wharf_codes_resolve_to_sears_codes() {
        let cases = [
            ("ups", "ups_ground", code("UPS", "Ground")),
            ("UPS", "ups_next_day_air_saver", code("UPS", "Next Day Saver")),
            ("usps", "usps_priority_mail", code("USPS", "Priority")),
            ("usps", "usps_first_class_mail", code("USPS", "First Class")),
            ("usps", "usps_parcel_select", code("USPS", "Parcel Post")),
            ("fedex", "fedex_ground", code("FDE", "Ground")),
            ("fedex", "fedex_2day", code("FDE", "Second Day")),
            ("fedex", "fedex_priority_overnight", code("FDE", "Next Day")),
            ("FDE", "fedex_ground", code("FDE", "Ground")),
            ("fedex", "fedex_smartpost", code("SMRT", "Smart Post")),
            ("dhl", "dhl_economy", code("DHLC", "Economy")),
            ("other", "other_pickup", code("OTH", "Pickup")),
            ("other", "other_premium", code("OTH", "Premium")),
        ];
        for (carrier, service, expected) in cases {
            assert_eq!(ShippingCodes::sears_code_for(carrier, service), Ok(expected), "{carrier} {service}");
        }
    }

    #[test]
    fn any_sears_carrier_and_method_is_accepted_case_insensitively() {
        let cases = [
            ("UPS", "GROUND", code("UPS", "Ground")),
            ("ups", "second day", code("UPS", "Second Day")),
            ("UPS", "NEXT DAY SAVER", code("UPS", "Next Day Saver")),
            ("fde", "Next Day", code("FDE", "Next Day")),
            ("fedex", "ground", code("FDE", "Ground")),
            ("OTH", "PICKUP", code("OTH", "Pickup")),
            ("usps", " Standard Mail ", code("USPS", "Standard Mail")),
            ("odfl", "ltl", code("ODFL", "LTL")),
            ("BEKN", "white glove", code("BEKN", "White Glove")),
            ("AVRT", "LTL", code("AVRT", "LTL")),
        ];
        for (carrier, service, expected) in cases {
            assert_eq!(ShippingCodes::sears_code_for(carrier, service), Ok(expected), "{carrier} {service}");
        }
    }

    #[test]
    fn unknown_or_mismatched_codes_are_refused_with_a_reason() {
        let err = ShippingCodes::sears_code_for("fedex", "ups_ground").unwrap_err();
        assert!(err.reason.contains("belongs to carrier ups"), "{}", err.reason);

        let err = ShippingCodes::sears_code_for("UPS", "Overnight").unwrap_err();
        assert!(err.reason.contains("Next Day Saver, Ground, Next Day, Second Day, SurePost"), "{}", err.reason);

        let err = ShippingCodes::sears_code_for("ACME", "Ground").unwrap_err();
        assert!(err.reason.contains("unknown carrier"), "{}", err.reason);
        assert_eq!(err.to_string(), err.reason);
    }

    #[test]
    fn only_carrier_oth_requires_a_buyer_notice() {
        assert!(ShippingCodes::sears_code_for("other", "other_pickup").unwrap().requires_buyer_notice());
        assert!(ShippingCodes::sears_code_for("OTH", "Standard").unwrap().requires_buyer_notice());
        assert!(!ShippingCodes::sears_code_for("ups", "ups_ground").unwrap().requires_buyer_notice());
        assert!(!ShippingCodes::sears_code_for("usps", "Priority").unwrap().requires_buyer_notice());
    }

    #[test]
    fn packages_carry_ups_packaging_codes() {
        let cases = [
            ("package", "02"),
            ("ups_letter", "01"),
            ("ups_tube", "03"),
            ("ups_pak", "04"),
            ("ups_express_box", "21"),
            ("ups_express_box_small", "2a"),
            ("ups_express_box_medium", "2b"),
            ("ups_express_box_large", "2c"),
            ("ups_10kg_box", "25"),
            ("ups_25kg_box", "24"),
        ];
        for (package, ups_code) in cases {
            assert_eq!(ShippingCodes::package(package).unwrap().ups_code, Some(ups_code), "{package}");
            assert_eq!(ShippingCodes::ups_package(ups_code).unwrap().code, package);
        }
        assert_eq!(ShippingCodes::package("package").unwrap().carrier, None);
        assert_eq!(ShippingCodes::package("PACKAGE").unwrap().code, "package");
    }

    #[test]
    fn confirmations_map_to_ups_package_dcis_types() {
        assert_eq!(Confirmation::from_code("adult_signature"), Some(Confirmation::AdultSignature));
        assert_eq!(Confirmation::from_code("Signature"), Some(Confirmation::Signature));
        assert_eq!(Confirmation::from_code("sms"), None);
        assert_eq!(Confirmation::None.ups_dcis_type(), None);
        assert_eq!(Confirmation::Delivery.ups_dcis_type(), None);
        assert_eq!(Confirmation::Signature.ups_dcis_type(), Some("2"));
        assert_eq!(Confirmation::AdultSignature.ups_dcis_type(), Some("3"));
        assert_eq!(serde_json::to_string(&Confirmation::AdultSignature).unwrap(), "\"adult_signature\"");
    }

    #[test]
    fn services_for_a_carrier_are_listed_in_table_order() {
        let fedex: Vec<&str> = ShippingCodes::services_for("FedEx").map(|s| s.code).collect();
        assert_eq!(
            fedex,
            [
                "fedex_ground",
                "fedex_home_delivery",
                "fedex_2day",
                "fedex_standard_overnight",
                "fedex_priority_overnight",
                "fedex_smartpost"
            ]
        );
        assert!(ShippingCodes::carrier("ups").unwrap().buys_labels);
        assert!(!ShippingCodes::carrier("usps").unwrap().buys_labels);
    }
}
