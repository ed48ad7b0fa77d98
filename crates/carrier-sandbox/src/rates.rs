//! The sandbox's rate table: services, zones, billable weight, charges and transit days.
//! Every number here is listed in the crate README, and tests compute expected prices from it by hand.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// How many days a service takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transit {
    /// Always this many days.
    Days(u32),
    /// Ground: `min(5, zone - 1)` days.
    GroundByZone,
    /// One day more than Ground.
    OneMoreThanGround,
}

/// A domestic UPS service the sandbox rates and ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// UPS's service code (`Service.Code`).
    pub code: &'static str,
    /// UPS's name for it.
    pub name: &'static str,
    /// Price of the first pound in zone 2, in cents.
    first_pound_cents: i64,
    /// Added to the first pound per zone above 2, in cents.
    first_pound_zone_step_cents: i64,
    /// Price of each further pound in zone 2, in cents.
    additional_pound_cents: i64,
    /// Added to each further pound per zone above 2, in cents.
    additional_pound_zone_step_cents: i64,
    /// Residential surcharge per package, in cents.
    residential_surcharge_cents: i64,
    transit: Transit,
    /// Whether UPS guarantees the delivery date.
    pub guaranteed: bool,
    /// Delivered by this time of day (UPS's wording), for guaranteed air services.
    pub delivery_by: Option<&'static str>,
    /// Only offered to residential addresses.
    pub residential_only: bool,
}

/// The services, in the order Shop lists them.
pub const SERVICES: &[Service] = &[
    Service {
        code: "03",
        name: "UPS Ground",
        first_pound_cents: 1000,
        first_pound_zone_step_cents: 100,
        additional_pound_cents: 90,
        additional_pound_zone_step_cents: 20,
        residential_surcharge_cents: 550,
        transit: Transit::GroundByZone,
        guaranteed: false,
        delivery_by: None,
        residential_only: false,
    },
    Service {
        code: "93",
        name: "UPS SurePost",
        first_pound_cents: 900,
        first_pound_zone_step_cents: 80,
        additional_pound_cents: 80,
        additional_pound_zone_step_cents: 15,
        residential_surcharge_cents: 0,
        transit: Transit::OneMoreThanGround,
        guaranteed: false,
        delivery_by: None,
        residential_only: true,
    },
    Service {
        code: "12",
        name: "UPS 3 Day Select",
        first_pound_cents: 1800,
        first_pound_zone_step_cents: 200,
        additional_pound_cents: 160,
        additional_pound_zone_step_cents: 30,
        residential_surcharge_cents: 550,
        transit: Transit::Days(3),
        guaranteed: true,
        delivery_by: Some("11:59 P.M."),
        residential_only: false,
    },
    Service {
        code: "02",
        name: "UPS 2nd Day Air",
        first_pound_cents: 2400,
        first_pound_zone_step_cents: 300,
        additional_pound_cents: 240,
        additional_pound_zone_step_cents: 40,
        residential_surcharge_cents: 600,
        transit: Transit::Days(2),
        guaranteed: true,
        delivery_by: Some("11:59 P.M."),
        residential_only: false,
    },
    Service {
        code: "59",
        name: "UPS 2nd Day Air A.M.",
        first_pound_cents: 2900,
        first_pound_zone_step_cents: 300,
        additional_pound_cents: 280,
        additional_pound_zone_step_cents: 40,
        residential_surcharge_cents: 600,
        transit: Transit::Days(2),
        guaranteed: true,
        delivery_by: Some("12:00 Noon"),
        residential_only: false,
    },
    Service {
        code: "13",
        name: "UPS Next Day Air Saver",
        first_pound_cents: 3800,
        first_pound_zone_step_cents: 400,
        additional_pound_cents: 340,
        additional_pound_zone_step_cents: 50,
        residential_surcharge_cents: 600,
        transit: Transit::Days(1),
        guaranteed: true,
        delivery_by: Some("3:00 P.M."),
        residential_only: false,
    },
    Service {
        code: "01",
        name: "UPS Next Day Air",
        first_pound_cents: 4200,
        first_pound_zone_step_cents: 450,
        additional_pound_cents: 380,
        additional_pound_zone_step_cents: 60,
        residential_surcharge_cents: 600,
        transit: Transit::Days(1),
        guaranteed: true,
        delivery_by: Some("10:30 A.M."),
        residential_only: false,
    },
    Service {
        code: "14",
        name: "UPS Next Day Air Early",
        first_pound_cents: 7200,
        first_pound_zone_step_cents: 500,
        additional_pound_cents: 460,
        additional_pound_zone_step_cents: 70,
        residential_surcharge_cents: 600,
        transit: Transit::Days(1),
        guaranteed: true,
        delivery_by: Some("8:00 A.M."),
        residential_only: false,
    },
];

/// The service with UPS code `code` (a leading zero may be missing or doubled: `3`, `03`, `003`).
pub fn service(code: &str) -> Option<&'static Service> {
    let trimmed = code.trim().trim_start_matches('0');
    SERVICES.iter().find(|service| service.code.trim_start_matches('0') == trimmed)
}

/// The zone between two five-digit ZIPs: 2 within one ZIP3, 3 within one first digit,
/// otherwise `3 + |difference of first digits|`, at most 8.
pub fn zone(origin_zip5: &str, destination_zip5: &str) -> u32 {
    if origin_zip5.get(..3) == destination_zip5.get(..3) {
        return 2;
    }
    let first_digit = |zip: &str| zip.chars().next().and_then(|c| c.to_digit(10)).unwrap_or(0);
    let distance = first_digit(origin_zip5).abs_diff(first_digit(destination_zip5));
    (3 + distance).min(8)
}

/// Mass unit of a package weight (`UnitOfMeasurement.Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightUnit {
    Pounds,
    Kilograms,
}

impl WeightUnit {
    /// `LBS` or `KGS`.
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "LBS" | "LB" => Some(WeightUnit::Pounds),
            "KGS" | "KG" => Some(WeightUnit::Kilograms),
            _ => None,
        }
    }
}

/// Length unit of package dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    Inches,
    Centimeters,
}

impl LengthUnit {
    /// `IN` or `CM`.
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "IN" => Some(LengthUnit::Inches),
            "CM" => Some(LengthUnit::Centimeters),
            _ => None,
        }
    }
}

/// Heaviest package UPS takes, in pounds.
pub const MAX_PACKAGE_POUNDS: u32 = 150;
/// Dimensional weight divisor (cubic inches per pound).
pub const DIM_DIVISOR: u32 = 139;

/// A package's weights, in whole pounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillableWeight {
    /// Actual weight, rounded up to a whole pound (at least 1).
    pub actual: u32,
    /// Dimensional weight, if dimensions were given.
    pub dimensional: Option<u32>,
    /// The larger of the two.
    pub billable: u32,
}

fn ceil_to_u32(value: Decimal) -> u32 {
    value.ceil().to_u32().unwrap_or(u32::MAX)
}

/// Billable weight of one package: actual weight rounded up, dimensional weight
/// `ceil(L x W x H / 139)` with each side rounded up to a whole inch, the larger of the two.
/// `None` if the actual weight exceeds [`MAX_PACKAGE_POUNDS`].
pub fn billable_weight(
    weight: Decimal,
    weight_unit: WeightUnit,
    dimensions: Option<([Decimal; 3], LengthUnit)>,
) -> Option<BillableWeight> {
    let pounds = match weight_unit {
        WeightUnit::Pounds => weight,
        WeightUnit::Kilograms => weight * Decimal::new(220_462_262, 8),
    };
    if pounds > Decimal::from(MAX_PACKAGE_POUNDS) {
        return None;
    }
    let actual = ceil_to_u32(pounds).max(1);
    let dimensional = dimensions.map(|(sides, unit)| {
        let cubic_inches: u64 = sides
            .iter()
            .map(|side| {
                let inches = match unit {
                    LengthUnit::Inches => *side,
                    LengthUnit::Centimeters => *side / Decimal::new(254, 2),
                };
                u64::from(ceil_to_u32(inches))
            })
            .product();
        u32::try_from(cubic_inches.div_ceil(u64::from(DIM_DIVISOR))).unwrap_or(u32::MAX)
    });
    let billable = dimensional.map_or(actual, |dimensional| dimensional.max(actual));
    Some(BillableWeight { actual, dimensional, billable })
}

/// What one package costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageCharges {
    pub billable_pounds: u32,
    /// First pound plus further pounds, by zone.
    pub transportation: Decimal,
    /// Residential surcharge (zero for commercial addresses and SurePost).
    pub residential: Decimal,
}

impl PackageCharges {
    /// Transportation plus surcharges.
    pub fn total(&self) -> Decimal {
        self.transportation + self.residential
    }
}

impl Service {
    /// Charges for one package of `billable_pounds` to `zone`.
    pub fn charges(&self, zone: u32, billable_pounds: u32, residential: bool) -> PackageCharges {
        let steps = i64::from(zone.saturating_sub(2));
        let first = self.first_pound_cents + steps * self.first_pound_zone_step_cents;
        let additional = self.additional_pound_cents + steps * self.additional_pound_zone_step_cents;
        let further_pounds = i64::from(billable_pounds.saturating_sub(1));
        let residential_cents = if residential { self.residential_surcharge_cents } else { 0 };
        PackageCharges {
            billable_pounds,
            transportation: Decimal::new(first + further_pounds * additional, 2),
            residential: Decimal::new(residential_cents, 2),
        }
    }

    /// Days in transit to `zone` (the sandbox has no weekends or holidays: calendar days).
    pub fn transit_days(&self, zone: u32) -> u32 {
        let ground = zone.saturating_sub(1).clamp(1, 5);
        match self.transit {
            Transit::Days(days) => days,
            Transit::GroundByZone => ground,
            Transit::OneMoreThanGround => ground + 1,
        }
    }

    /// Whether the service is offered for this destination.
    pub fn offered(&self, residential: bool) -> bool {
        residential || !self.residential_only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_follow_the_zip_prefix_rule() {
        assert_eq!(zone("21093", "21030"), 2);
        assert_eq!(zone("21093", "20500"), 3);
        assert_eq!(zone("21093", "30005"), 4);
        assert_eq!(zone("21093", "90210"), 8);
        assert_eq!(zone("30005", "10013"), 5);
    }

    #[test]
    fn ground_prices_by_hand() {
        let ground = service("03").expect("ground");
        // Zone 4, 1 lb: 10.00 + 2 x 1.00 = 12.00.
        assert_eq!(ground.charges(4, 1, false).total(), Decimal::new(1200, 2));
        // Zone 4, 13 lb, residential: 12.00 + 12 x (0.90 + 2 x 0.20) = 27.60, + 5.50.
        let charges = ground.charges(4, 13, true);
        assert_eq!(charges.transportation, Decimal::new(2760, 2));
        assert_eq!(charges.total(), Decimal::new(3310, 2));
        assert_eq!(ground.transit_days(4), 3);
        assert_eq!(ground.transit_days(2), 1);
        assert_eq!(ground.transit_days(8), 5);
    }

    #[test]
    fn service_codes_tolerate_leading_zeros() {
        assert_eq!(service("3").map(|s| s.code), Some("03"));
        assert_eq!(service("003").map(|s| s.code), Some("03"));
        assert_eq!(service("93").map(|s| s.code), Some("93"));
        assert_eq!(service("65"), None);
    }

    #[test]
    fn billable_weight_takes_the_larger_of_actual_and_dimensional() {
        let inches =
            |l: i64, w: i64, h: i64| Some(([Decimal::from(l), Decimal::from(w), Decimal::from(h)], LengthUnit::Inches));
        // 5x5x5 = 125 in3 -> 1 lb; actual 0.1 lb -> 1 lb.
        let small = billable_weight(Decimal::new(1, 1), WeightUnit::Pounds, inches(5, 5, 5));
        assert_eq!(small.map(|w| w.billable), Some(1));
        // 12x12x12 = 1728 in3 / 139 = 12.43 -> 13 lb beats 4 lb.
        let boxy = billable_weight(Decimal::from(4), WeightUnit::Pounds, inches(12, 12, 12));
        assert_eq!(boxy, Some(BillableWeight { actual: 4, dimensional: Some(13), billable: 13 }));
        // 2 kg = 4.409 lb -> 5 lb.
        let metric = billable_weight(Decimal::from(2), WeightUnit::Kilograms, None);
        assert_eq!(metric.map(|w| w.billable), Some(5));
        assert_eq!(billable_weight(Decimal::from(151), WeightUnit::Pounds, None), None);
    }
}
