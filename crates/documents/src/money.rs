//! Money as printed on packing slips.

use rust_decimal::{Decimal, RoundingStrategy};

/// `$1,234.50` for US dollars; `1,234.50 EUR` for other currencies (the slip never has to pick
/// a symbol it might get wrong). Negative amounts get a leading minus.
pub(crate) fn format_money(amount: Decimal, currency: &str) -> String {
    let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() { "-" } else { "" };
    let digits = format!("{:.2}", rounded.abs());
    let (whole, cents) = digits.split_once('.').unwrap_or((&digits, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let code = currency.trim().to_uppercase();
    if code == "USD" || code.is_empty() {
        format!("{sign}${grouped}.{cents}")
    } else {
        format!("{sign}{grouped}.{cents} {code}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn formats_dollars_with_grouping_and_two_decimals() {
        assert_eq!(format_money(dec!(1234.5), "USD"), "$1,234.50");
        assert_eq!(format_money(dec!(0), "usd"), "$0.00");
        assert_eq!(format_money(dec!(999.995), "USD"), "$1,000.00");
        assert_eq!(format_money(dec!(-5), "USD"), "-$5.00");
        assert_eq!(format_money(dec!(1234567.891), "EUR"), "1,234,567.89 EUR");
    }
}
