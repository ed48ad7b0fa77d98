//! Money as `rust_decimal`, in US dollars (the only currency Sears Marketplace sells in).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money. Arithmetic is exact; JSON carries it as a number because that is the shape
/// ShipStation-compatible clients expect.
///
/// Why the JSON number is still exact: it is written from the decimal's own digits and read back through
/// the shortest round-trip text of the parsed float, so any amount with up to 15 significant digits
/// survives unchanged. No arithmetic ever happens on the float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn new(amount: Decimal) -> Self {
        Money(amount)
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Rounded to cents, half away from zero, as receipts show it.
    pub fn round_cents(self) -> Money {
        Money(self.0.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${:.2}", self.0)
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str(s.trim().trim_start_matches('$')).map(Money)
    }
}

impl From<Decimal> for Money {
    fn from(d: Decimal) -> Self {
        Money(d)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Mul<u32> for Money {
    type Output = Money;
    fn mul(self, rhs: u32) -> Money {
        Money(self.0 * Decimal::from(rhs))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        decimal_as_number::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decimal_as_number::deserialize(deserializer).map(Money)
    }
}

/// Serde helpers for a `Decimal` carried as a JSON number (and accepted as a string too).
pub mod decimal_as_number {
    use super::*;
    use serde::de::{self, Visitor};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        if value.fract().is_zero()
            && let Ok(int) = i64::try_from(value.normalize())
        {
            return serializer.serialize_i64(int);
        }
        // Parse the decimal's own text as f64: the closest float, whose shortest text is the same digits.
        let float: f64 = value.to_string().parse().map_err(serde::ser::Error::custom)?;
        serializer.serialize_f64(float)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        struct DecimalVisitor;
        impl Visitor<'_> for DecimalVisitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number, e.g. 12.34")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal::from(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                if !v.is_finite() {
                    return Err(E::custom("not a finite number"));
                }
                // `{}` prints the shortest text that reads back as the same float: the digits that were written.
                Decimal::from_str(&format!("{v}"))
                    .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
                    .map_err(|e| E::custom(format!("{v} is not a decimal amount: {e}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::from_str(v.trim()).map_err(|e| E::custom(format!("'{v}' is not a decimal number: {e}")))
            }
        }
        deserializer.deserialize_any(DecimalVisitor)
    }

    /// For `Option<Decimal>` fields.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] Decimal);
            Option::<Wrapped>::deserialize(deserializer).map(|o| o.map(|w| w.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn json_is_a_plain_number() {
        assert_eq!(serde_json::to_string(&Money::new(dec!(12.34))).unwrap(), "12.34");
        assert_eq!(serde_json::to_string(&Money::new(dec!(12.00))).unwrap(), "12");
        assert_eq!(serde_json::to_string(&Money::new(dec!(-0.5))).unwrap(), "-0.5");
        let back: Money = serde_json::from_str("19.99").unwrap();
        assert_eq!(back, Money::new(dec!(19.99)));
        let from_text: Money = serde_json::from_str("\"7.05\"").unwrap();
        assert_eq!(from_text, Money::new(dec!(7.05)));
    }

    #[test]
    fn display_rounds_to_cents() {
        assert_eq!(Money::new(dec!(3.5)).to_string(), "$3.50");
        assert_eq!(Money::new(dec!(2.345)).round_cents(), Money::new(dec!(2.35)));
    }

    proptest! {
        #[test]
        fn json_round_trip_is_exact(cents in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..5) {
            let amount = Money::new(Decimal::new(cents, scale));
            let json = serde_json::to_string(&amount).unwrap();
            let back: Money = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back.amount().normalize(), amount.amount().normalize());
        }
    }
}
