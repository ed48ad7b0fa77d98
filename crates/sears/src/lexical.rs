//! XSD lexical forms of the simple values in Sears documents (xs:decimal, xs:positiveInteger, xs:date,
//! HH:mm:ss times, xs:boolean).
//!
//! Hand-written rather than `str::parse`, because the library parsers are more lenient than XSD in ways
//! that would hide bad data (rust_decimal accepts `1_000`, jiff accepts ISO week dates and datetimes) and
//! because each parser also says whether the text is in the canonical form that the value's `Display`
//! reproduces, so that the neutral form can return the text exactly as written.

use jiff::civil::{Date, Time};
use rust_decimal::Decimal;

/// A parsed value and whether `value.to_string()` gives back exactly the text it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed<T> {
    pub value: T,
    pub canonical: bool,
}

fn all_digits(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit)
}

/// `0` or digits without a leading zero.
fn canonical_digits(bytes: &[u8]) -> bool {
    all_digits(bytes) && (bytes.len() == 1 || bytes[0] != b'0')
}

/// xs:decimal: `[+-]?(\d+(\.\d*)?|\.\d+)`, at most what rust_decimal holds exactly (28 digits of scale).
pub(crate) fn decimal(text: &str) -> Option<Parsed<Decimal>> {
    let bytes = text.as_bytes();
    let (negative, unsigned) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let (int_part, frac_part) = match unsigned.iter().position(|&b| b == b'.') {
        Some(dot) => (&unsigned[..dot], Some(&unsigned[dot + 1..])),
        None => (unsigned, None),
    };
    let int_ok = int_part.is_empty() || all_digits(int_part);
    let frac_ok = frac_part.is_none_or(|f| f.is_empty() || all_digits(f));
    let has_digit = !int_part.is_empty() || frac_part.is_some_and(|f| !f.is_empty());
    if !(int_ok && frac_ok && has_digit) {
        return None;
    }
    let mut canonical = bytes[0] != b'+' && canonical_digits(int_part) && frac_part.is_none_or(|f| !f.is_empty());
    let digits = int_part.len() + frac_part.map_or(0, <[u8]>::len);
    let value = if canonical && digits <= 18 {
        // The common case, done by hand because `from_str_exact` is a noticeable part of a parse: at most
        // 18 digits fit an i64 mantissa exactly.
        let mantissa =
            int_part.iter().chain(frac_part.unwrap_or_default()).fold(0i64, |m, &d| m * 10 + i64::from(d - b'0'));
        let scale = frac_part.map_or(0, <[u8]>::len) as u32;
        let value = Decimal::new(if negative { -mantissa } else { mantissa }, scale);
        if negative && value.is_zero() {
            canonical = false;
        }
        value
    } else if canonical {
        let value = Decimal::from_str_exact(text).ok()?;
        // rust_decimal does not print the sign of a negative zero: `-0.00` is not canonical.
        if negative && value.is_zero() {
            canonical = value.to_string() == text;
        }
        value
    } else {
        // Rebuild a form rust_decimal accepts: no '+', a digit before and after any '.'.
        let mut normal = String::with_capacity(text.len() + 2);
        if negative {
            normal.push('-');
        }
        normal.push_str(if int_part.is_empty() { "0" } else { std::str::from_utf8(int_part).ok()? });
        if let Some(frac) = frac_part.filter(|f| !f.is_empty()) {
            normal.push('.');
            normal.push_str(std::str::from_utf8(frac).ok()?);
        }
        Decimal::from_str_exact(&normal).ok()?
    };
    Some(Parsed { value, canonical })
}

/// Unsigned whole numbers (xs:positiveInteger, xs:nonNegativeInteger): `\+?\d+`. Range is checked by the
/// target type; whether zero is allowed is the caller's business.
pub(crate) fn unsigned<T: std::str::FromStr>(text: &str) -> Option<Parsed<T>> {
    let bytes = text.as_bytes();
    let digits = bytes.strip_prefix(b"+").unwrap_or(bytes);
    if !all_digits(digits) {
        return None;
    }
    let canonical = digits.len() == bytes.len() && canonical_digits(digits);
    // Leading zeros may overflow nothing, but `FromStr` for integers accepts them, so parse the digits.
    let value = std::str::from_utf8(digits).ok()?.parse::<T>().ok()?;
    Some(Parsed { value, canonical })
}

fn two_digits(bytes: &[u8]) -> Option<i8> {
    match bytes {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(((a - b'0') * 10 + (b - b'0')) as i8),
        _ => None,
    }
}

/// `yyyy-MM-dd` exactly (Sears never sends xs:date's optional time zone). Always canonical: jiff prints
/// four-digit years with zero padding, and years below 1 are rejected.
pub(crate) fn date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' || !all_digits(&bytes[..4]) {
        return None;
    }
    let year: i16 = text[..4].parse().ok()?;
    if year < 1 {
        return None;
    }
    Date::new(year, two_digits(&bytes[5..7])?, two_digits(&bytes[8..10])?).ok()
}

/// `HH:mm:ss` (canonical) or `HH:mm` (accepted, not canonical).
pub(crate) fn time(text: &str) -> Option<Parsed<Time>> {
    let bytes = text.as_bytes();
    let (hour, minute, second, canonical) = match bytes.len() {
        8 if bytes[2] == b':' && bytes[5] == b':' => {
            (two_digits(&bytes[..2])?, two_digits(&bytes[3..5])?, two_digits(&bytes[6..8])?, true)
        }
        5 if bytes[2] == b':' => (two_digits(&bytes[..2])?, two_digits(&bytes[3..5])?, 0, false),
        _ => return None,
    };
    let value = Time::new(hour, minute, second, 0).ok()?;
    Some(Parsed { value, canonical })
}

/// xs:boolean: `true`, `false` (canonical), `1`, `0`.
pub(crate) fn boolean(text: &str) -> Option<Parsed<bool>> {
    match text {
        "true" => Some(Parsed { value: true, canonical: true }),
        "false" => Some(Parsed { value: false, canonical: true }),
        "1" => Some(Parsed { value: true, canonical: false }),
        "0" => Some(Parsed { value: false, canonical: false }),
        _ => None,
    }
}

/// Formats a date the way [`date`] reads it.
pub(crate) fn format_date(date: Date) -> String {
    date.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn decimals_in_xsd_forms() {
        let d = |t: &str| decimal(t).map(|p| (p.value.to_string(), p.canonical));
        assert_eq!(d("1.50"), Some(("1.50".into(), true)));
        assert_eq!(d("0.00"), Some(("0.00".into(), true)));
        assert_eq!(d("-3.10"), Some(("-3.10".into(), true)));
        assert_eq!(d("15"), Some(("15".into(), true)));
        assert_eq!(d("+1.5"), Some(("1.5".into(), false)));
        assert_eq!(d(".5"), Some(("0.5".into(), false)));
        assert_eq!(d("5."), Some(("5".into(), false)));
        assert_eq!(d("007.25"), Some(("7.25".into(), false)));
        for bad in ["", "12,50", "1_000", "1e3", ".", "-", "+", "1.2.3", " 1", "NaN", "0x10", "--1"] {
            assert_eq!(decimal(bad), None, "{bad:?} must not be a decimal");
        }
    }

    #[test]
    fn negative_zero_is_not_canonical_because_its_sign_does_not_print() {
        for text in ["-0", "-0.00"] {
            let p = decimal(text).unwrap();
            assert!(p.value.is_zero());
            assert_eq!((p.value.to_string(), p.canonical), (text.trim_start_matches('-').to_owned(), false));
        }
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(unsigned::<u32>("10"), Some(Parsed { value: 10, canonical: true }));
        assert_eq!(unsigned::<u32>("0"), Some(Parsed { value: 0, canonical: true }));
        assert_eq!(unsigned::<u32>("007"), Some(Parsed { value: 7, canonical: false }));
        assert_eq!(unsigned::<u32>("+7"), Some(Parsed { value: 7, canonical: false }));
        for bad in ["", "-1", "1.0", "4294967296", "1 ", "++1"] {
            assert_eq!(unsigned::<u32>(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(date("2011-10-01"), Some(jiff::civil::date(2011, 10, 1)));
        for bad in ["2011-02-30", "2011-10-1", "20111001", "2011-10-01Z", "2011-10-01T00:00", "0000-01-01"] {
            assert_eq!(date(bad), None, "{bad:?}");
        }
        assert_eq!(time("20:45:48").map(|p| p.value), Some(jiff::civil::time(20, 45, 48, 0)));
        assert!(time("20:45:48").unwrap().canonical);
        assert_eq!(time("20:45"), Some(Parsed { value: jiff::civil::time(20, 45, 0, 0), canonical: false }));
        for bad in ["24:00:00", "20:45:48.5", "2045", "20:4:48"] {
            assert_eq!(time(bad), None, "{bad:?}");
        }
    }

    proptest! {
        /// Text said to be canonical prints back exactly; this is what lets the neutral form be exact.
        /// Everything with a digit is accepted.
        #[test]
        fn canonical_means_it_prints_back(sign in "[-+]?", int in "[0-9]{0,12}", frac in proptest::option::of("[0-9]{0,10}")) {
            let text = format!("{sign}{int}{}", frac.as_ref().map(|f| format!(".{f}")).unwrap_or_default());
            match decimal(&text) {
                Some(parsed) if parsed.canonical => prop_assert_eq!(parsed.value.to_string(), text),
                Some(_) => {}
                None => prop_assert!(int.is_empty() && frac.as_deref().is_none_or(str::is_empty), "{text} was refused"),
            }
        }

        #[test]
        fn canonical_decimal_forms_are_recognised(neg in any::<bool>(), int in 0u64..10_000_000_000, frac in proptest::option::of("[0-9]{1,10}")) {
            let text = format!("{}{}{}", if neg { "-" } else { "" }, int, frac.map(|f| format!(".{f}")).unwrap_or_default());
            let parsed = decimal(&text).expect("a decimal");
            // Every such text is canonical except a negative zero, whose sign does not print.
            let negative_zero = neg && parsed.value.is_zero();
            prop_assert_eq!(parsed.canonical, !negative_zero);
            prop_assert_eq!(parsed.value, Decimal::from_str(&text).unwrap());
        }

        #[test]
        fn canonical_whole_numbers_print_back(n in any::<u32>()) {
            let parsed = unsigned::<u32>(&n.to_string()).unwrap();
            prop_assert!(parsed.canonical);
            prop_assert_eq!(parsed.value, n);
        }

        #[test]
        fn dates_print_back(y in 1i16..=9999, m in 1i8..=12, d in 1i8..=28) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(date(&text).unwrap().to_string(), text);
        }

        #[test]
        fn decimal_parser_never_panics(text in "\\PC{0,40}") {
            let _ = decimal(&text);
        }
    }
}
