//! What `wharf carrier add ups --client-id --client-secret --account-number [--base-url]` stores. The app
//! encrypts the secret at rest; this type only keeps it out of logs and `Debug`.

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::shipment::LabelFormat;

/// UPS production.
pub const PRODUCTION_URL: &str = "https://onlinetools.ups.com";
/// UPS Customer Integration Environment (test accounts, no charges).
pub const CIE_URL: &str = "https://wwwcie.ups.com";

/// One UPS account. Deserializable from the app's configuration; serialize it field by field (the secret is
/// not `Serialize`, so it cannot be written out by accident).
#[derive(Clone, Deserialize)]
pub struct UpsAccountConfig {
    /// The UPS developer app's client id.
    pub client_id: String,
    pub client_secret: SecretString,
    /// The 6-character UPS shipper (account) number that pays for labels.
    pub account_number: String,
    /// [`PRODUCTION_URL`], [`CIE_URL`], or a loopback sandbox such as `http://127.0.0.1:4010`.
    #[serde(default = "production_url")]
    pub base_url: String,
    #[serde(default)]
    pub label_format: LabelFormat,
    /// Ask UPS for the account's negotiated rates and bill them when returned.
    #[serde(default)]
    pub negotiated_rates: bool,
}

fn production_url() -> String {
    PRODUCTION_URL.to_owned()
}

impl UpsAccountConfig {
    /// An account on UPS production with GIF labels and published rates.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString, account_number: impl Into<String>) -> Self {
        UpsAccountConfig {
            client_id: client_id.into(),
            client_secret,
            account_number: account_number.into(),
            base_url: production_url(),
            label_format: LabelFormat::Gif,
            negotiated_rates: false,
        }
    }

    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    pub fn with_label_format(mut self, label_format: LabelFormat) -> Self {
        self.label_format = label_format;
        self
    }

    pub fn with_negotiated_rates(mut self, negotiated_rates: bool) -> Self {
        self.negotiated_rates = negotiated_rates;
        self
    }

    /// Checks the account's settings; the base URL must be HTTPS except on this machine (a sandbox), so
    /// the secret never travels in clear over a network.
    pub fn validate(&self) -> Result<Url, UpsConfigError> {
        if self.client_id.trim().is_empty() {
            return Err(UpsConfigError::MissingClientId);
        }
        let number = self.account_number.trim();
        if number.len() != 6 || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(UpsConfigError::AccountNumber(number.to_owned()));
        }
        let url = Url::parse(self.base_url.trim())
            .map_err(|e| UpsConfigError::BaseUrl(self.base_url.clone(), e.to_string()))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => Ok(url),
            "http" if loopback => Ok(url),
            "http" => Err(UpsConfigError::BaseUrl(
                self.base_url.clone(),
                "plain http is only allowed for a sandbox on this machine (127.0.0.1 or localhost); use https".into(),
            )),
            other => Err(UpsConfigError::BaseUrl(self.base_url.clone(), format!("unsupported scheme {other:?}"))),
        }
    }
}

impl fmt::Debug for UpsAccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpsAccountConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("account_number", &self.account_number)
            .field("base_url", &self.base_url)
            .field("label_format", &self.label_format)
            .field("negotiated_rates", &self.negotiated_rates)
            .finish()
    }
}

/// A UPS account that cannot be used as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpsConfigError {
    #[error("the UPS client id is empty: copy it from the app's page on developer.ups.com (--client-id)")]
    MissingClientId,
    #[error(
        "UPS account number {0:?} is not 6 letters or digits: use the shipper number shown in your UPS account \
         (--account-number)"
    )]
    AccountNumber(String),
    #[error("UPS base URL {0:?} cannot be used: {1}. Use {PRODUCTION_URL}, {CIE_URL}, or a local sandbox URL")]
    BaseUrl(String, String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> UpsAccountConfig {
        UpsAccountConfig::new("client", SecretString::from("very-secret"), "A1B2C3")
    }

    #[test]
    fn accepts_https_and_loopback_http() {
        assert_eq!(account().validate().unwrap().as_str(), "https://onlinetools.ups.com/");
        assert!(account().with_base_url(CIE_URL).validate().is_ok());
        assert!(account().with_base_url("http://127.0.0.1:4010").validate().is_ok());
        assert!(account().with_base_url("http://localhost:4010/ups").validate().is_ok());
    }

    #[test]
    fn refuses_clear_text_to_other_hosts_and_bad_account_numbers() {
        let err = account().with_base_url("http://ups.example.com").validate().unwrap_err();
        assert!(err.to_string().contains("use https"), "{err}");
        let mut bad = account();
        bad.account_number = "12345".into();
        assert_eq!(bad.validate().unwrap_err(), UpsConfigError::AccountNumber("12345".into()));
    }

    #[test]
    fn debug_hides_the_secret_and_config_reads_from_toml_like_data() {
        assert!(!format!("{:?}", account()).contains("very-secret"));
        let parsed: UpsAccountConfig = serde_json::from_value(serde_json::json!({
            "client_id": "id", "client_secret": "s", "account_number": "A1B2C3", "label_format": "zpl"
        }))
        .unwrap();
        assert_eq!(parsed.base_url, PRODUCTION_URL);
        assert_eq!(parsed.label_format, LabelFormat::Zpl);
        assert!(!parsed.negotiated_rates);
    }
}
