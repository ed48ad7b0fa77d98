//! Postal addresses as printed on labels and slips.

use serde::{Deserialize, Serialize};

/// A postal address, already cleaned by the app (this crate prints what it is given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    #[serde(default)]
    pub company: Option<String>,
    /// Street lines, in order (one to three).
    pub street: Vec<String>,
    pub city: String,
    /// State or province code, such as `IL`.
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, such as `US`.
    pub country_code: String,
    #[serde(default)]
    pub phone: Option<String>,
}

impl Address {
    /// "City, ST 12345" (the US form, which Canada shares).
    pub fn city_line(&self) -> String {
        let mut line = self.city.trim().to_owned();
        if !self.region.trim().is_empty() {
            if !line.is_empty() {
                line.push_str(", ");
            }
            line.push_str(self.region.trim());
        }
        if !self.postal_code.trim().is_empty() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(self.postal_code.trim());
        }
        line
    }

    /// The country line, only for addresses outside the US.
    pub fn country_line(&self) -> Option<String> {
        let code = self.country_code.trim();
        (!code.is_empty() && !code.eq_ignore_ascii_case("US")).then(|| code.to_uppercase())
    }

    /// Every printed line: name, company, street lines, city line, country (outside the US).
    /// Blank parts are left out.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.name.trim().to_owned()];
        lines.extend(self.company.iter().map(|c| c.trim().to_owned()));
        lines.extend(self.street.iter().map(|s| s.trim().to_owned()));
        lines.push(self.city_line());
        lines.extend(self.country_line());
        lines.retain(|l| !l.is_empty());
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str) -> Address {
        Address {
            name: "Zoë Peña".into(),
            company: Some("  ".into()),
            street: vec!["12 Rue de l'Église".into(), "Apt 3".into()],
            city: "Montréal".into(),
            region: "QC".into(),
            postal_code: "H2X 1Y4".into(),
            country_code: country.into(),
            phone: None,
        }
    }

    #[test]
    fn prints_lines_in_postal_order_and_skips_blanks() {
        assert_eq!(
            address("CA").lines(),
            vec!["Zoë Peña", "12 Rue de l'Église", "Apt 3", "Montréal, QC H2X 1Y4", "CA"]
        );
        assert_eq!(address("us").lines().last().unwrap(), "Montréal, QC H2X 1Y4");
    }
}
