//! Postal addresses in ShipStation's shape (`street1..3`, `postalCode`, ISO country code).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    pub street1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street3: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `None` until a carrier's address validation says.
    #[serde(default)]
    pub residential: Option<bool>,
    #[serde(default)]
    pub address_verified: AddressVerification,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddressVerification {
    #[default]
    #[serde(rename = "Address not yet validated")]
    NotValidated,
    #[serde(rename = "Address validated successfully")]
    Validated,
    #[serde(rename = "Address validation warning")]
    Warning,
    #[serde(rename = "Address validation failed")]
    Failed,
}

impl Address {
    /// Street lines from a list such as Sears's repeated `address` elements: blank lines dropped, the first
    /// two kept as `street1`/`street2`, any further lines joined into `street3` so nothing is lost.
    pub fn with_street_lines<S: AsRef<str>>(mut self, lines: &[S]) -> Self {
        let mut lines = lines.iter().map(|l| l.as_ref().trim()).filter(|l| !l.is_empty());
        self.street1 = lines.next().unwrap_or_default().to_owned();
        self.street2 = lines.next().map(str::to_owned);
        let rest: Vec<&str> = lines.collect();
        self.street3 = (!rest.is_empty()).then(|| rest.join(", "));
        self
    }

    /// Complete enough to ship to: a street line, a city, a state and a postal code.
    pub fn is_shippable(&self) -> bool {
        [&self.street1, &self.city, &self.state, &self.postal_code].iter().all(|part| !part.trim().is_empty())
    }

    pub fn street_lines(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.street1.as_str())
            .chain(self.street2.as_deref())
            .chain(self.street3.as_deref())
            .filter(|l| !l.is_empty())
    }

    /// The five-digit ZIP of a US postal code ("60601-1234" -> "60601").
    pub fn zip5(&self) -> &str {
        let code = self.postal_code.trim();
        code.get(..5).filter(|z| z.bytes().all(|b| b.is_ascii_digit())).unwrap_or(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_street_line() {
        let a = Address::default().with_street_lines(&["12 Main St", " ", "Apt 4", "Rear door", "Bell 2"]);
        assert_eq!(a.street1, "12 Main St");
        assert_eq!(a.street2.as_deref(), Some("Apt 4"));
        assert_eq!(a.street3.as_deref(), Some("Rear door, Bell 2"));
        assert_eq!(a.street_lines().collect::<Vec<_>>(), ["12 Main St", "Apt 4", "Rear door, Bell 2"]);
    }

    #[test]
    fn shippable_needs_street_city_state_zip() {
        let mut a = Address {
            street1: "1 A St".into(),
            city: "Austin".into(),
            state: "TX".into(),
            postal_code: "78701-0001".into(),
            ..Default::default()
        };
        assert!(a.is_shippable());
        assert_eq!(a.zip5(), "78701");
        a.city = "  ".into();
        assert!(!a.is_shippable());
    }
}
