//! How a sandbox is set up: its port, seed, clock, default seller, and the settings that tests may change while it
//! runs (auth texts and windows, rate limits, processing delays, quirks).

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::clock::SandboxClock;

/// One seller account: the three values Sears's HMAC scheme signs with (SPEC.md §2.1).
///
/// The authorization key is a made-up sandbox key, never a real Sears secret; it is still kept out of `Debug` output
/// so that a sandbox key pasted from a real account does not end up in logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerCredentials {
    pub seller_id: String,
    pub email: String,
    pub auth_key: String,
}

impl SellerCredentials {
    pub fn new(seller_id: impl Into<String>, email: impl Into<String>, auth_key: impl Into<String>) -> Self {
        Self { seller_id: seller_id.into(), email: email.into(), auth_key: auth_key.into() }
    }
}

impl Default for SellerCredentials {
    fn default() -> Self {
        Self::new("80001234", "seller@sandbox.wharf.test", "U2FuZGJveEF1dGhLZXk0MiE=")
    }
}

impl std::fmt::Debug for SellerCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SellerCredentials")
            .field("seller_id", &self.seller_id)
            .field("email", &self.email)
            .field("auth_key", &"<redacted>")
            .finish()
    }
}

/// Everything needed to start a sandbox. `SandboxConfig { port: 0, seed: 7, orders: 50, ..Default::default() }`.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// 0 picks a free port. The sandbox always binds 127.0.0.1.
    pub port: u16,
    /// Drives every random choice of the seed data.
    pub seed: u64,
    /// Random orders to generate for the default seller, beyond the showcase set.
    pub orders: usize,
    /// The random orders' PO dates spread over this many US Central days, ending today.
    pub days: u32,
    /// Whether to add the documented showcase set (SEED.md) to the default seller at start.
    pub showcase: bool,
    pub clock: SandboxClock,
    /// The seller that exists from the start and receives the seed data.
    pub seller: SellerCredentials,
    pub settings: SandboxSettings,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 1,
            orders: 0,
            days: 3,
            showcase: true,
            clock: SandboxClock::system(),
            seller: SellerCredentials::default(),
            settings: SandboxSettings::default(),
        }
    }
}

/// Behaviour that tests may change while the sandbox runs (`PATCH /sandbox/control/settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    pub auth: AuthSettings,
    pub limits: RateLimits,
    pub processing: ProcessingDelay,
    /// ASN item-ids of this many characters or more are rejected (SPEC.md §18 decision 5: Sears needs fewer than
    /// 42). The legacy limit that Teapplix reports (more than 20 fails) is [`LEGACY_ASN_ITEM_ID_REJECT_FROM`].
    pub asn_item_id_reject_from: usize,
    /// Which spelling customer request statuses take in the request feeds.
    pub request_statuses: RequestStatusStyle,
    /// The status an order in `Ready to Invoice` takes once it is invoiced.
    pub invoiced_status: String,
}

/// Teapplix's old ASN limit: item-ids longer than 20 characters fail (SPEC.md §5.5).
pub const LEGACY_ASN_ITEM_ID_REJECT_FROM: usize = 21;

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            auth: AuthSettings::default(),
            limits: RateLimits::default(),
            processing: ProcessingDelay::default(),
            asn_item_id_reject_from: 42,
            request_statuses: RequestStatusStyle::Xsd,
            invoiced_status: "Closed".to_owned(),
        }
    }
}

/// How the HMAC header is checked and what each failure says. Sears answers every auth failure with HTTP 200 and an
/// `api-response/error-detail`; only the missing-header text is known (SPEC.md §2.1), the others are sandbox choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// A signature is accepted for this long after its timestamp (Sears: 30 minutes).
    #[serde(with = "seconds")]
    pub max_age: SignedDuration,
    /// Timestamps further than this in the future are rejected; `None` accepts any future timestamp.
    #[serde(with = "optional_seconds")]
    pub max_future_skew: Option<SignedDuration>,
    pub texts: AuthTexts,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            max_age: SignedDuration::from_mins(30),
            max_future_skew: Some(SignedDuration::from_mins(5)),
            texts: AuthTexts::default(),
        }
    }
}

/// The `error-detail` text of each auth failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthTexts {
    pub missing_header: String,
    pub malformed_header: String,
    pub missing_seller_id: String,
    pub unknown_seller: String,
    pub email_mismatch: String,
    pub bad_signature: String,
    pub expired: String,
    pub future: String,
}

impl Default for AuthTexts {
    fn default() -> Self {
        Self {
            missing_header: "Missing Authorization header in request".to_owned(),
            malformed_header: "Invalid Authorization header in request".to_owned(),
            missing_seller_id: "Missing sellerId in request".to_owned(),
            unknown_seller: "Invalid sellerId".to_owned(),
            email_mismatch: "Authorization emailaddress does not belong to sellerId".to_owned(),
            bad_signature: "Invalid signature in Authorization header".to_owned(),
            expired: "Authorization timestamp has expired".to_owned(),
            future: "Authorization timestamp is in the future".to_owned(),
        }
    }
}

/// Sears's documented limits (SPEC.md §12): exceeding one answers HTTP 403 with the text `rate limited`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// All GET and PUT calls from one source IP per `ip_window`.
    pub requests_per_ip: u32,
    #[serde(with = "seconds")]
    pub ip_window: SignedDuration,
    /// How long an IP that went over stays throttled.
    #[serde(with = "seconds")]
    pub ip_block: SignedDuration,
    /// ASN files per seller per `feed_window`.
    pub asn_files: u32,
    /// Order-update files (cancellations, returns, refunds) per seller per `feed_window`.
    pub order_update_files: u32,
    /// Feed windows start at the first call and last this long.
    #[serde(with = "seconds")]
    pub feed_window: SignedDuration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            requests_per_ip: 500,
            ip_window: SignedDuration::from_mins(1),
            ip_block: SignedDuration::from_mins(15),
            asn_files: 300,
            order_update_files: 200,
            feed_window: SignedDuration::from_mins(60),
        }
    }
}

/// How long a processing report says `In Process`: until it has been polled `polls` times AND `min_age` has passed
/// since the feed was accepted. The default (one poll) makes every client go through the poll loop once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessingDelay {
    pub polls: u32,
    #[serde(with = "seconds")]
    pub min_age: SignedDuration,
}

impl Default for ProcessingDelay {
    fn default() -> Self {
        Self { polls: 1, min_age: SignedDuration::ZERO }
    }
}

/// The XSDs and the official samples disagree on request statuses (SPEC.md §0.3, §8): the XSD enumerations
/// (`INITIAL`, `PENDING_RETURN`, ...) or the samples' `PENDING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatusStyle {
    /// The XSD values; documents validate.
    Xsd,
    /// Pending requests say `PENDING` like the official samples; such documents fail their XSD, as the samples do.
    Samples,
}

/// Durations travel as whole seconds in the control API's JSON.
mod seconds {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        i64::deserialize(d).map(SignedDuration::from_secs)
    }
}

mod optional_seconds {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<SignedDuration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SignedDuration>, D::Error> {
        Option::<i64>::deserialize(d).map(|secs| secs.map(SignedDuration::from_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_debug_hides_the_key() {
        let creds = SellerCredentials::new("1234", "a@b.test", "very-secret-key");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("very-secret-key"), "{shown}");
        assert!(shown.contains("1234"));
    }

    #[test]
    fn settings_round_trip_through_json_in_seconds() {
        let json = serde_json::json!({"auth": {"max_age": 60, "max_future_skew": null}, "limits": {"asn_files": 2}});
        let settings: SandboxSettings = serde_json::from_value(json).unwrap();
        assert_eq!(settings.auth.max_age, SignedDuration::from_secs(60));
        assert_eq!(settings.auth.max_future_skew, None);
        assert_eq!(settings.limits.asn_files, 2);
        assert_eq!(settings.limits.requests_per_ip, 500);
        assert_eq!(settings.asn_item_id_reject_from, 42);
    }
}
