//! Weights and dimensions, in the units ShipStation's API uses.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::money::decimal_as_number;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightUnit {
    Ounces,
    Pounds,
    Grams,
}

impl WeightUnit {
    fn ounces_per_unit(self) -> Decimal {
        match self {
            WeightUnit::Ounces => Decimal::ONE,
            WeightUnit::Pounds => Decimal::from(16),
            // 1 oz = 28.349523125 g exactly.
            WeightUnit::Grams => Decimal::ONE / Decimal::new(28_349_523_125, 9),
        }
    }
}

/// A non-negative weight. `Weight::parse("1.5 lb")` accepts oz, lb, g and kg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    #[serde(with = "decimal_as_number")]
    pub value: Decimal,
    pub units: WeightUnit,
}

impl Weight {
    pub fn new(value: Decimal, units: WeightUnit) -> Result<Self, ParseError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(ParseError::new("weight", value.to_string(), "a weight cannot be negative"));
        }
        Ok(Weight { value, units })
    }

    pub fn ounces(value: Decimal) -> Self {
        Weight { value, units: WeightUnit::Ounces }
    }

    pub fn pounds(value: Decimal) -> Self {
        Weight { value, units: WeightUnit::Pounds }
    }

    pub fn zero() -> Self {
        Weight::ounces(Decimal::ZERO)
    }

    pub fn is_zero(&self) -> bool {
        self.value.is_zero()
    }

    pub fn in_ounces(&self) -> Decimal {
        self.value * self.units.ounces_per_unit()
    }

    pub fn in_pounds(&self) -> Decimal {
        self.in_ounces() / Decimal::from(16)
    }

    /// `self` times a quantity, in the same unit.
    pub fn times(&self, quantity: u32) -> Weight {
        Weight { value: self.value * Decimal::from(quantity), units: self.units }
    }

    /// Sum of weights, in ounces (the unit carriers bill in for parcels).
    pub fn sum<'a>(weights: impl IntoIterator<Item = &'a Weight>) -> Weight {
        Weight::ounces(weights.into_iter().map(Weight::in_ounces).sum::<Decimal>().normalize())
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        text.parse()
    }
}

impl FromStr for Weight {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| c.is_ascii_alphabetic())
            .ok_or_else(|| ParseError::new("weight", text, "give a unit, e.g. '12 oz', '1.5 lb', '300 g' or '2 kg'"))?;
        let (number, unit) = trimmed.split_at(split);
        let value = Decimal::from_str(number.trim())
            .map_err(|_| ParseError::new("weight", text, "the amount is not a number"))?;
        let (value, units) = match unit.trim().to_ascii_lowercase().as_str() {
            "oz" | "ounce" | "ounces" => (value, WeightUnit::Ounces),
            "lb" | "lbs" | "pound" | "pounds" => (value, WeightUnit::Pounds),
            "g" | "gram" | "grams" => (value, WeightUnit::Grams),
            "kg" | "kilogram" | "kilograms" => (value * Decimal::from(1000), WeightUnit::Grams),
            other => {
                return Err(ParseError::new("weight", text, format!("unknown unit '{other}'; use oz, lb, g or kg")));
            }
        };
        Weight::new(value, units)
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.units {
            WeightUnit::Ounces => "oz",
            WeightUnit::Pounds => "lb",
            WeightUnit::Grams => "g",
        };
        write!(f, "{} {unit}", self.value.normalize())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DimensionUnit {
    Inches,
    Centimeters,
}

/// Package dimensions. `Dimensions::parse("12x8x4 in")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    pub units: DimensionUnit,
    #[serde(with = "decimal_as_number")]
    pub length: Decimal,
    #[serde(with = "decimal_as_number")]
    pub width: Decimal,
    #[serde(with = "decimal_as_number")]
    pub height: Decimal,
}

impl Dimensions {
    pub fn inches(length: Decimal, width: Decimal, height: Decimal) -> Self {
        Dimensions { units: DimensionUnit::Inches, length, width, height }
    }

    pub fn in_inches(&self) -> [Decimal; 3] {
        let factor = match self.units {
            DimensionUnit::Inches => Decimal::ONE,
            DimensionUnit::Centimeters => Decimal::ONE / Decimal::new(254, 2),
        };
        [self.length * factor, self.width * factor, self.height * factor]
    }
}

impl FromStr for Dimensions {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let lower = text.trim().to_ascii_lowercase();
        let (numbers, units) = if let Some(n) = lower.strip_suffix("cm") {
            (n, DimensionUnit::Centimeters)
        } else if let Some(n) = lower.strip_suffix("in") {
            (n, DimensionUnit::Inches)
        } else {
            (lower.as_str(), DimensionUnit::Inches)
        };
        let parts: Vec<&str> = numbers.split('x').map(str::trim).collect();
        let hint = "write length x width x height, e.g. '12x8x4 in' or '30x20x10 cm'";
        if parts.len() != 3 {
            return Err(ParseError::new("dimensions", text, hint));
        }
        let mut values = [Decimal::ZERO; 3];
        for (slot, part) in values.iter_mut().zip(&parts) {
            *slot = Decimal::from_str(part).map_err(|_| ParseError::new("dimensions", text, hint))?;
            if *slot <= Decimal::ZERO {
                return Err(ParseError::new("dimensions", text, "every side must be greater than zero"));
            }
        }
        Ok(Dimensions { units, length: values[0], width: values[1], height: values[2] })
    }
}

impl fmt::Display for Dimensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.units {
            DimensionUnit::Inches => "in",
            DimensionUnit::Centimeters => "cm",
        };
        write!(f, "{}x{}x{} {unit}", self.length.normalize(), self.width.normalize(), self.height.normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parses_weights_in_every_unit() {
        assert_eq!(Weight::parse("12 oz").unwrap(), Weight::ounces(dec!(12)));
        assert_eq!(Weight::parse("1.5lb").unwrap(), Weight::pounds(dec!(1.5)));
        assert_eq!(Weight::parse("2 kg").unwrap().in_ounces().round_dp(2), dec!(70.55));
        assert!(Weight::parse("-1 oz").unwrap_err().to_string().contains("negative"));
        assert!(Weight::parse("12").unwrap_err().to_string().contains("give a unit"));
        assert!(Weight::parse("3 stone").unwrap_err().to_string().contains("unknown unit 'stone'"));
    }

    #[test]
    fn sums_mixed_units_in_ounces() {
        let total = Weight::sum(&[Weight::pounds(dec!(1)), Weight::ounces(dec!(4)), Weight::pounds(dec!(0.5))]);
        assert_eq!(total, Weight::ounces(dec!(28)));
    }

    #[test]
    fn parses_dimensions() {
        assert_eq!(Dimensions::from_str("12x8x4 in").unwrap(), Dimensions::inches(dec!(12), dec!(8), dec!(4)));
        assert_eq!(Dimensions::from_str("30 x 20 x 10cm").unwrap().units, DimensionUnit::Centimeters);
        assert!(Dimensions::from_str("12x8").is_err());
        assert!(Dimensions::from_str("12x0x4").unwrap_err().to_string().contains("greater than zero"));
    }

    #[test]
    fn weight_json_uses_shipstation_shape() {
        let json = serde_json::to_value(Weight::pounds(dec!(2.5))).unwrap();
        assert_eq!(json, serde_json::json!({"value": 2.5, "units": "pounds"}));
    }
}
