//! Sears's HMAC-SHA256 authorization header, checked as SPEC.md §2.1 and §16.1-2 describe.
//!
//! `authorization: HMAC-SHA256 emailaddress={email},timestamp={yyyy-MM-ddTHH:mm:ssZ},signature={hex}` where the
//! signature is the lowercase-hex HMAC-SHA256 of `{sellerId}:{email}:{timestamp}` keyed with the authorization key's
//! own text bytes (never base64-decoded).

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;

use crate::config::{AuthSettings, SellerCredentials};

/// Why a request was refused; each maps to one configurable `error-detail` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    MissingHeader,
    MalformedHeader,
    MissingSellerId,
    UnknownSeller,
    EmailMismatch,
    BadSignature,
    Expired,
    Future,
}

impl AuthFailure {
    pub(crate) fn text(self, settings: &AuthSettings) -> &str {
        let texts = &settings.texts;
        match self {
            AuthFailure::MissingHeader => &texts.missing_header,
            AuthFailure::MalformedHeader => &texts.malformed_header,
            AuthFailure::MissingSellerId => &texts.missing_seller_id,
            AuthFailure::UnknownSeller => &texts.unknown_seller,
            AuthFailure::EmailMismatch => &texts.email_mismatch,
            AuthFailure::BadSignature => &texts.bad_signature,
            AuthFailure::Expired => &texts.expired,
            AuthFailure::Future => &texts.future,
        }
    }
}

/// The three values of a well-formed header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParsedHeader<'a> {
    pub email: &'a str,
    pub timestamp_text: &'a str,
    pub timestamp: Timestamp,
    pub signature: &'a str,
}

/// Parses the header strictly: the `HMAC-SHA256 ` prefix, exactly three comma-separated pairs with no spaces, in the
/// documented order, and a timestamp in exactly the documented form.
pub(crate) fn parse_header(value: &str) -> Result<ParsedHeader<'_>, AuthFailure> {
    let pairs = value.strip_prefix("HMAC-SHA256 ").ok_or(AuthFailure::MalformedHeader)?;
    let mut parts = pairs.split(',');
    let mut next_value = |key: &str| -> Result<&str, AuthFailure> {
        let pair = parts.next().ok_or(AuthFailure::MalformedHeader)?;
        let (k, v) = pair.split_once('=').ok_or(AuthFailure::MalformedHeader)?;
        if k != key || v.is_empty() || v.contains(char::is_whitespace) {
            return Err(AuthFailure::MalformedHeader);
        }
        Ok(v)
    };
    let email = next_value("emailaddress")?;
    let timestamp_text = next_value("timestamp")?;
    let signature = next_value("signature")?;
    if parts.next().is_some() {
        return Err(AuthFailure::MalformedHeader);
    }
    let timestamp = parse_timestamp(timestamp_text).ok_or(AuthFailure::MalformedHeader)?;
    Ok(ParsedHeader { email, timestamp_text, timestamp, signature })
}

/// `yyyy-MM-dd'T'HH:mm:ss'Z'` and nothing else: no fraction, no offset other than the literal `Z`.
fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    text.parse().ok()
}

/// The lowercase-hex signature Sears expects for these inputs.
pub(crate) fn signature(seller_id: &str, email: &str, timestamp: &str, auth_key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(auth_key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(seller_id.as_bytes());
    mac.update(b":");
    mac.update(email.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a parsed header against the seller that `sellerId` names, at instant `now`.
pub(crate) fn verify(
    header: &ParsedHeader<'_>,
    seller: &SellerCredentials,
    now: Timestamp,
    settings: &AuthSettings,
) -> Result<(), AuthFailure> {
    let age = now.duration_since(header.timestamp);
    if age > settings.max_age {
        return Err(AuthFailure::Expired);
    }
    if let Some(skew) = settings.max_future_skew
        && -age > skew
    {
        return Err(AuthFailure::Future);
    }
    if header.email != seller.email {
        return Err(AuthFailure::EmailMismatch);
    }
    let expected = signature(&seller.seller_id, header.email, header.timestamp_text, &seller.auth_key);
    // Only lowercase hex is accepted, as Sears documents; an exact comparison is the check. Timing side channels do
    // not matter for a local sandbox with made-up keys.
    if header.signature != expected {
        return Err(AuthFailure::BadSignature);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn signature_matches_the_spec_test_vector() {
        // SPEC.md §2.1 worked test vector: the key is used as its literal text, never base64-decoded.
        assert_eq!(
            signature("1234", "test@searshc.com", "2016-02-11T20:23:05Z", "dGVzdGtleQ=="),
            "897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f"
        );
    }

    #[test]
    fn parses_the_documented_header() {
        let header = "HMAC-SHA256 emailaddress=test@searshc.com,timestamp=2016-02-11T20:23:05Z,signature=897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f";
        let parsed = parse_header(header).unwrap();
        assert_eq!(parsed.email, "test@searshc.com");
        assert_eq!(parsed.timestamp, "2016-02-11T20:23:05Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn rejects_malformed_headers() {
        let good_sig = "897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f";
        for header in [
            format!("HMAC-SHA1 emailaddress=a@b.c,timestamp=2016-02-11T20:23:05Z,signature={good_sig}"),
            format!("HMAC-SHA256  emailaddress=a@b.c,timestamp=2016-02-11T20:23:05Z,signature={good_sig}"),
            format!("HMAC-SHA256 emailaddress=a@b.c, timestamp=2016-02-11T20:23:05Z,signature={good_sig}"),
            format!("HMAC-SHA256 timestamp=2016-02-11T20:23:05Z,emailaddress=a@b.c,signature={good_sig}"),
            format!("HMAC-SHA256 emailaddress=a@b.c,timestamp=2016-02-11T20:23:05.123Z,signature={good_sig}"),
            format!("HMAC-SHA256 emailaddress=a@b.c,timestamp=2016-02-11T20:23:05+00:00,signature={good_sig}"),
            format!("HMAC-SHA256 emailaddress=a@b.c,timestamp=2016-02-11T20:23:05Z,signature={good_sig},x=1"),
            "HMAC-SHA256 emailaddress=a@b.c,timestamp=2016-02-11T20:23:05Z".to_owned(),
            "HMAC-SHA256 emailaddress=a@b.c,timestamp=2016-13-11T20:23:05Z,signature=ab".to_owned(),
            String::new(),
        ] {
            assert_eq!(parse_header(&header), Err(AuthFailure::MalformedHeader), "{header}");
        }
    }

    #[test]
    fn verifies_window_email_and_signature() {
        let seller = SellerCredentials::new("1234", "test@searshc.com", "dGVzdGtleQ==");
        let settings = AuthSettings::default();
        let ts = "2016-02-11T20:23:05Z";
        let sig = signature("1234", "test@searshc.com", ts, "dGVzdGtleQ==");
        let header = format!("HMAC-SHA256 emailaddress=test@searshc.com,timestamp={ts},signature={sig}");
        let parsed = parse_header(&header).unwrap();
        let signed_at: Timestamp = ts.parse().unwrap();
        let at = |mins: i64| signed_at.saturating_add(SignedDuration::from_mins(mins)).unwrap();
        assert_eq!(verify(&parsed, &seller, at(0), &settings), Ok(()));
        assert_eq!(verify(&parsed, &seller, at(30), &settings), Ok(()));
        assert_eq!(verify(&parsed, &seller, at(31), &settings), Err(AuthFailure::Expired));
        assert_eq!(verify(&parsed, &seller, at(-5), &settings), Ok(()));
        assert_eq!(verify(&parsed, &seller, at(-6), &settings), Err(AuthFailure::Future));

        let other_key = SellerCredentials::new("1234", "test@searshc.com", "another-key");
        assert_eq!(verify(&parsed, &other_key, at(0), &settings), Err(AuthFailure::BadSignature));
        let other_email = SellerCredentials::new("1234", "other@searshc.com", "dGVzdGtleQ==");
        assert_eq!(verify(&parsed, &other_email, at(0), &settings), Err(AuthFailure::EmailMismatch));

        let upper = header.replace(&sig, &sig.to_uppercase());
        let parsed_upper = parse_header(&upper).unwrap();
        assert_eq!(verify(&parsed_upper, &seller, at(0), &settings), Err(AuthFailure::BadSignature));
    }
}
