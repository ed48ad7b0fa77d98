//! Amounts charged by carriers, with their currency (UPS answers in the account's currency).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    /// ISO 4217 code, upper case (`USD`).
    pub currency: String,
}

impl Money {
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Money { amount, currency: currency.into().trim().to_ascii_uppercase() }
    }

    pub fn usd(amount: Decimal) -> Self {
        Money::new(amount, "USD")
    }

    /// Wharf's own money type (US dollars), when this amount is in US dollars.
    pub fn to_usd(&self) -> Option<wharf_domain::Money> {
        (self.currency == "USD").then(|| wharf_domain::Money::new(self.amount))
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} {}", self.amount, self.currency)
    }
}
