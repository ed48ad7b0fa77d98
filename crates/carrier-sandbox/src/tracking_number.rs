//! UPS "1Z" tracking numbers: `1Z` + 6-character shipper account + 2-digit service + 7-digit
//! serial + check digit, 18 characters.
//!
//! The check digit (UPS's published rule): over the 15 characters after `1Z`, letters count as
//! `(letter - 'A' + 2) mod 10`; add the digits in odd positions to twice the digits in even
//! positions (1-based); the check digit brings the sum up to the next multiple of ten.

/// The check digit of the 15 characters after `1Z`, or `None` if a character is not `0-9A-Z`.
pub fn check_digit(body: &str) -> Option<u32> {
    let mut sum = 0;
    for (index, character) in body.chars().enumerate() {
        let value = match character {
            '0'..='9' => character.to_digit(10)?,
            'A'..='Z' => (character as u32 - 'A' as u32 + 2) % 10,
            _ => return None,
        };
        // Position 1 (index 0) is odd.
        sum += if index % 2 == 0 { value } else { 2 * value };
    }
    Some((10 - sum % 10) % 10)
}

/// Whether `number` is a well-formed 1Z tracking number with a correct check digit.
pub fn is_valid(number: &str) -> bool {
    let Some(rest) = number.strip_prefix("1Z") else {
        return false;
    };
    if rest.len() != 16 || !rest.is_ascii() {
        return false;
    }
    let (body, check) = rest.split_at(15);
    match (check_digit(body), check.chars().next().and_then(|c| c.to_digit(10))) {
        (Some(expected), Some(actual)) => expected == actual,
        _ => false,
    }
}

/// Builds the tracking number for `account` (6 characters `0-9A-Z`), `service` (2 digits) and
/// `serial` (below 10,000,000), or `None` if a part does not fit the format.
pub fn compose(account: &str, service: &str, serial: u32) -> Option<String> {
    let account_ok = account.len() == 6 && account.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    let service_ok = service.len() == 2 && service.chars().all(|c| c.is_ascii_digit());
    if !account_ok || !service_ok || serial >= 10_000_000 {
        return None;
    }
    let body = format!("{account}{service}{serial:07}");
    let check = check_digit(&body)?;
    Some(format!("1Z{body}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers_have_their_published_check_digits() {
        // UPS's long-standing documentation example and the example in Tracking.yaml.
        assert!(is_valid("1Z999AA10123456784"));
        assert!(is_valid("1Z023E2X0214323462"));
        assert!(!is_valid("1Z999AA10123456785"));
        assert!(!is_valid("1Z999AA1012345678"));
        assert!(!is_valid("2Z999AA10123456784"));
    }

    #[test]
    fn compose_matches_a_hand_computed_number() {
        // 999AA1 01 2345678: odd positions 9+9+2+0+2+4+6+8 = 40, even 9+2+1+1+3+5+7 = 28 -> 56;
        // 96 -> check digit 4.
        assert_eq!(compose("999AA1", "01", 2_345_678).as_deref(), Some("1Z999AA10123456784"));
        assert_eq!(compose("999aa1", "01", 1), None);
        assert_eq!(compose("999AA1", "1", 1), None);
        assert_eq!(compose("999AA1", "01", 10_000_000), None);
    }
}
