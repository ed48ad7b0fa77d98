//! Request signing (SPEC §2.1): `authorization: HMAC-SHA256 emailaddress={email},timestamp={ts},signature={hex}`
//! where the signature is the lowercase hex HMAC-SHA256 of `{sellerId}:{email}:{ts}`, keyed with the
//! authorization key's own UTF-8 bytes (never base64-decoded, as every known integration does), and the
//! timestamp is UTC `yyyy-MM-ddTHH:mm:ssZ`.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// A store's Sears credentials. `Debug` never shows the key.
#[derive(Clone)]
pub struct Credentials {
    seller_id: String,
    email: String,
    auth_key: SecretString,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("the Sears seller ID must be digits (it is shown under Account Profile in the Seller Portal): '{0}'")]
    SellerId(String),
    #[error("the Sears e-mail must be the Seller Portal login e-mail, without spaces or commas: '{0}'")]
    Email(String),
    #[error("the Sears API authorization key is empty: generate one under Account Info in the Seller Portal")]
    EmptyKey,
}

impl Credentials {
    /// Checks the parts that go into the signed header unquoted: digits for the seller ID; an e-mail
    /// without whitespace, commas or control characters (they would break the header's `k=v,k=v` form).
    pub fn new(
        seller_id: impl Into<String>,
        email: impl Into<String>,
        auth_key: SecretString,
    ) -> Result<Self, CredentialsError> {
        let seller_id = seller_id.into();
        let email = email.into();
        if seller_id.is_empty() || !seller_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CredentialsError::SellerId(seller_id));
        }
        if email.is_empty() || email.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',') {
            return Err(CredentialsError::Email(email));
        }
        if auth_key.expose_secret().is_empty() {
            return Err(CredentialsError::EmptyKey);
        }
        Ok(Credentials { seller_id, email, auth_key })
    }

    pub fn seller_id(&self) -> &str {
        &self.seller_id
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn auth_key(&self) -> &SecretString {
        &self.auth_key
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("seller_id", &self.seller_id)
            .field("email", &self.email)
            .field("auth_key", &"[redacted]")
            .finish()
    }
}

/// The UTC timestamp in Sears's form, e.g. `2016-02-11T20:23:05Z` (no fractional seconds).
pub fn format_timestamp(timestamp: Timestamp) -> String {
    timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `{sellerId}:{email}:{timestamp}`.
pub fn string_to_sign(seller_id: &str, email: &str, timestamp: &str) -> String {
    format!("{seller_id}:{email}:{timestamp}")
}

/// Lowercase hex HMAC-SHA256 of `message` keyed with the key's literal bytes.
pub fn signature(key: &str, message: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A signed `authorization` header value. Valid at Sears for 30 minutes after its timestamp, so it is
/// treated as a secret: `Debug` hides the signature.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedAuthorization {
    pub timestamp: String,
    signature: String,
    email: String,
}

impl SignedAuthorization {
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// `HMAC-SHA256 emailaddress={email},timestamp={timestamp},signature={hex}`
    pub fn header_value(&self) -> String {
        format!("HMAC-SHA256 emailaddress={},timestamp={},signature={}", self.email, self.timestamp, self.signature)
    }
}

impl fmt::Debug for SignedAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedAuthorization")
            .field("timestamp", &self.timestamp)
            .field("email", &self.email)
            .field("signature", &"[redacted]")
            .finish()
    }
}

/// Signs for `timestamp` (the caller chooses it slightly in the past, see `SearsConfig::signature_backdate`).
pub fn sign(credentials: &Credentials, timestamp: Timestamp) -> SignedAuthorization {
    let timestamp = format_timestamp(timestamp);
    let message = string_to_sign(&credentials.seller_id, &credentials.email, &timestamp);
    SignedAuthorization {
        signature: signature(credentials.auth_key.expose_secret(), &message),
        timestamp,
        email: credentials.email.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn test_credentials() -> Credentials {
        Credentials::new("1234", "test@searshc.com", SecretString::from("dGVzdGtleQ==")).unwrap()
    }

    /// SPEC §2.1's worked test vector.
    #[test]
    fn worked_test_vector() {
        let timestamp: Timestamp = "2016-02-11T20:23:05Z".parse().unwrap();
        let signed = sign(&test_credentials(), timestamp);
        assert_eq!(signed.timestamp, "2016-02-11T20:23:05Z");
        assert_eq!(signed.signature(), "897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f");
        assert_eq!(
            signed.header_value(),
            "HMAC-SHA256 emailaddress=test@searshc.com,timestamp=2016-02-11T20:23:05Z,\
             signature=897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f"
        );
    }

    /// The key is literal text: decoding it from base64 first gives SPEC §2.1's "wrong" signature.
    #[test]
    fn base64_decoded_key_is_the_wrong_signature() {
        let message = "1234:test@searshc.com:2016-02-11T20:23:05Z";
        let decoded_key = "testkey"; // base64 "dGVzdGtleQ==" decoded
        let wrong = signature(decoded_key, message);
        assert_eq!(wrong, "6f2ee1d437877344683380e31dda5516110a421fd240ff22c2f05c97ccc8b710");
        assert_ne!(sign(&test_credentials(), "2016-02-11T20:23:05Z".parse().unwrap()).signature(), wrong);
    }

    #[test]
    fn timestamps_drop_fractions_and_are_utc() {
        let timestamp: Timestamp = "2016-02-11T14:23:05.987-06:00".parse().unwrap();
        assert_eq!(format_timestamp(timestamp), "2016-02-11T20:23:05Z");
    }

    #[test]
    fn debug_never_shows_the_key_or_signature() {
        let credentials = test_credentials();
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("dGVzdGtleQ=="), "{shown}");
        assert!(shown.contains("1234") && shown.contains("[redacted]"));
        let signed = sign(&credentials, Timestamp::UNIX_EPOCH);
        let shown = format!("{signed:?}");
        assert!(!shown.contains(signed.signature()), "{shown}");
    }

    #[test]
    fn credentials_are_checked() {
        let key = || SecretString::from("k");
        assert_eq!(Credentials::new("12a", "a@b.c", key()).unwrap_err(), CredentialsError::SellerId("12a".into()));
        assert_eq!(Credentials::new("", "a@b.c", key()).unwrap_err(), CredentialsError::SellerId("".into()));
        assert_eq!(Credentials::new("1", "a b@c", key()).unwrap_err(), CredentialsError::Email("a b@c".into()));
        assert_eq!(Credentials::new("1", "a,b@c", key()).unwrap_err(), CredentialsError::Email("a,b@c".into()));
        assert_eq!(Credentials::new("1", "a@b.c", SecretString::from("")).unwrap_err(), CredentialsError::EmptyKey);
    }

    proptest! {
        /// Whatever the inputs, the header has Sears's exact shape and the signature is 64 lowercase hex
        /// characters that depend on the timestamp.
        #[test]
        fn header_format(seller in "[0-9]{1,12}", email in "[a-z0-9.+_-]{1,20}@[a-z0-9.-]{1,20}", key in "\\PC{1,64}",
                         second in 0i64..4_000_000_000) {
            let credentials = Credentials::new(seller, email.clone(), SecretString::from(key)).unwrap();
            let timestamp = Timestamp::from_second(second).unwrap();
            let signed = sign(&credentials, timestamp);
            let header = signed.header_value();
            let rest = header.strip_prefix("HMAC-SHA256 emailaddress=").unwrap();
            let (email_part, rest) = rest.split_once(",timestamp=").unwrap();
            let (timestamp_part, signature_part) = rest.split_once(",signature=").unwrap();
            prop_assert_eq!(email_part, email.as_str());
            prop_assert_eq!(timestamp_part.len(), 20);
            prop_assert!(timestamp_part.ends_with('Z'));
            prop_assert_eq!(timestamp_part.parse::<Timestamp>().unwrap(), timestamp);
            prop_assert_eq!(signature_part.len(), 64);
            prop_assert!(signature_part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            let later = sign(&credentials, Timestamp::from_second(second + 1).unwrap());
            prop_assert_ne!(later.signature(), signed.signature());
        }
    }
}
