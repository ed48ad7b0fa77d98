//! Carrier accounts: added only after the carrier accepted their credentials (a token call), stored with the
//! credentials sealed by the master key, and turned into one [`Carrier`] per account, kept for the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use wharf_carriers::ups::{self, UpsAccountConfig};
use wharf_carriers::{Carrier, ErrorKind, HttpTransport, LabelFormat, UpsCarrier};
use wharf_domain::{AccountId, CarrierAccountId};
use wharf_storage::StorageError;
use wharf_storage::shipping::{CARRIER_ACCOUNT_NAME, CarrierAccount};

use super::{ShippingError, ShippingSettings};
use crate::App;

/// The carriers of this process: one HTTP transport (one connection pool), one [`Carrier`] per carrier account
/// (each keeps its OAuth token), built on first use.
#[derive(Clone)]
pub struct CarrierRegistry {
    inner: Arc<Registry>,
}

struct Registry {
    settings: ShippingSettings,
    transport: OnceLock<HttpTransport>,
    carriers: Mutex<HashMap<CarrierAccountId, Arc<dyn Carrier>>>,
}

impl Default for CarrierRegistry {
    fn default() -> Self {
        CarrierRegistry::new(ShippingSettings::default())
    }
}

impl CarrierRegistry {
    pub fn new(settings: ShippingSettings) -> Self {
        CarrierRegistry {
            inner: Arc::new(Registry { settings, transport: OnceLock::new(), carriers: Mutex::new(HashMap::new()) }),
        }
    }

    pub fn settings(&self) -> ShippingSettings {
        self.inner.settings
    }

    /// The shared transport, created on first use (it needs the TLS provider the binary installs at start-up).
    pub fn transport(&self) -> Result<HttpTransport, ShippingError> {
        if let Some(transport) = self.inner.transport.get() {
            return Ok(transport.clone());
        }
        let transport = HttpTransport::new(self.inner.settings.carrier_timeouts)
            .map_err(|e| ShippingError::Invalid(format!("cannot set up connections to carriers: {e}")))?;
        Ok(self.inner.transport.get_or_init(|| transport).clone())
    }

    fn cached(&self, id: &CarrierAccountId) -> Option<Arc<dyn Carrier>> {
        self.inner.carriers.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    fn remember(&self, id: &CarrierAccountId, carrier: Arc<dyn Carrier>) -> Arc<dyn Carrier> {
        let mut carriers = self.inner.carriers.lock().unwrap_or_else(|e| e.into_inner());
        carriers.entry(id.clone()).or_insert(carrier).clone()
    }

    fn forget(&self, id: &CarrierAccountId) {
        self.inner.carriers.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }
}

/// What `wharf carrier add ups` gives.
pub struct NewCarrierAccount {
    /// Wharf carrier code; only `ups` for now.
    pub carrier: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub account_number: String,
    /// Production unless told otherwise (UPS's test environment, or a local sandbox).
    pub base_url: Option<String>,
    pub label_format: LabelFormat,
    pub negotiated_rates: bool,
    /// Defaults to "UPS <account number>".
    pub name: Option<String>,
}

/// The credentials as sealed at rest: one sealed JSON document, so neither half is ever stored in clear.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SealedCredentials {
    client_id: String,
    client_secret: SecretString,
}

fn seal_credentials(app: &App, client_id: &str, client_secret: &SecretString) -> Vec<u8> {
    let document = SecretString::from(
        serde_json::json!({"clientId": client_id, "clientSecret": client_secret.expose_secret()}).to_string(),
    );
    app.master_key().seal(&document)
}

fn label_format_code(format: LabelFormat) -> &'static str {
    format.extension()
}

fn parse_label_format(code: &str) -> Result<LabelFormat, ShippingError> {
    match code.trim().to_ascii_lowercase().as_str() {
        "gif" => Ok(LabelFormat::Gif),
        "png" => Ok(LabelFormat::Png),
        "zpl" => Ok(LabelFormat::Zpl),
        other => Err(ShippingError::Invalid(format!("unknown label format '{other}': use gif, png or zpl"))),
    }
}

fn ups_config(
    client_id: &str,
    client_secret: SecretString,
    account_number: &str,
    base_url: &str,
    label_format: LabelFormat,
    negotiated_rates: bool,
) -> UpsAccountConfig {
    UpsAccountConfig::new(client_id.trim(), client_secret, account_number.trim())
        .with_base_url(base_url.trim())
        .with_label_format(label_format)
        .with_negotiated_rates(negotiated_rates)
}

/// Asks UPS for a token with these credentials and says exactly what failed. Nothing is stored.
pub async fn verify_ups(app: &App, config: &UpsAccountConfig) -> Result<(), ShippingError> {
    let base = config.validate().map_err(|e| ShippingError::Invalid(format!("{e}; nothing was saved")))?;
    let transport = app.carriers.transport()?;
    let response = transport.send(&base, &ups::oauth::build_request(config)).await.map_err(|e| {
        ShippingError::Invalid(format!(
            "could not reach UPS at {base} to check the credentials ({e}); nothing was saved. Check --base-url \
             and this machine's network, then try again"
        ))
    })?;
    match ups::oauth::parse_response(&response, app.now()) {
        Ok(_) => Ok(()),
        Err(e) if e.kind == ErrorKind::Auth => Err(ShippingError::Invalid(format!(
            "UPS refused the credentials for account {} (HTTP {}{}); nothing was saved. Check the client id and \
             client secret of your app on developer.ups.com, that the app is linked to shipper number {}, and \
             that --base-url is the environment the app belongs to",
            config.account_number,
            e.http_status.map_or_else(|| "?".to_owned(), |s| s.to_string()),
            e.carrier_message().map(|m| format!(": {m}")).unwrap_or_default(),
            config.account_number
        ))),
        Err(e) => Err(ShippingError::Invalid(format!("the UPS credential check failed; nothing was saved: {e}"))),
    }
}

/// Adds a carrier account after the carrier accepted its credentials.
pub async fn add_carrier_account(
    app: &App,
    account: &AccountId,
    input: NewCarrierAccount,
) -> Result<CarrierAccount, ShippingError> {
    let carrier = input.carrier.trim().to_ascii_lowercase();
    if carrier != "ups" {
        return Err(ShippingError::Invalid(format!(
            "Wharf buys labels from UPS only for now, not '{carrier}'; record shipments of other carriers with \
             `wharf orders mark-shipped`"
        )));
    }
    let base_url = input.base_url.clone().unwrap_or_else(|| ups::PRODUCTION_URL.to_owned());
    // UPS shipper numbers are upper case; the one checked is the one stored.
    let account_number = input.account_number.trim().to_ascii_uppercase();
    let config = ups_config(
        &input.client_id,
        input.client_secret.clone(),
        &account_number,
        &base_url,
        input.label_format,
        input.negotiated_rates,
    );
    verify_ups(app, &config).await?;

    let now = app.now();
    let name = input
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("UPS {account_number}"));
    let record = CarrierAccount {
        carrier_account_id: CarrierAccountId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        carrier,
        name: name.clone(),
        account_number,
        base_url: config.base_url.trim().to_owned(),
        label_format: label_format_code(input.label_format).to_owned(),
        negotiated_rates: input.negotiated_rates,
        create_date: now,
        modify_date: now,
    };
    let sealed = seal_credentials(app, &input.client_id, &input.client_secret);
    match app.store.insert_carrier_account(&record, &sealed).await {
        Ok(()) => Ok(record),
        Err(StorageError::Duplicate { what: CARRIER_ACCOUNT_NAME, .. }) => Err(ShippingError::Invalid(format!(
            "a carrier account named '{name}' already exists; choose another --name or remove it first"
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn list_carrier_accounts(app: &App, account: &AccountId) -> Result<Vec<CarrierAccount>, ShippingError> {
    Ok(app.store.list_carrier_accounts(account).await?)
}

/// Finds a carrier account by id or name.
pub async fn find_carrier_account(
    app: &App,
    account: &AccountId,
    id_or_name: &str,
) -> Result<CarrierAccount, ShippingError> {
    let wanted = id_or_name.trim();
    let all = app.store.list_carrier_accounts(account).await?;
    all.iter()
        .find(|c| c.carrier_account_id.as_str() == wanted)
        .or_else(|| all.iter().find(|c| c.name.eq_ignore_ascii_case(wanted)))
        .cloned()
        .ok_or_else(|| {
            ShippingError::NotFound(format!(
                "no carrier account '{wanted}'; see `wharf carrier list`, or add one with `wharf carrier add ups`"
            ))
        })
}

/// Removes a carrier account and its credentials. Its labels stay; they can no longer be voided through Wharf.
pub async fn remove_carrier_account(
    app: &App,
    account: &AccountId,
    id_or_name: &str,
) -> Result<CarrierAccount, ShippingError> {
    let found = find_carrier_account(app, account, id_or_name).await?;
    app.store.delete_carrier_account(account, &found.carrier_account_id).await?;
    app.carriers.forget(&found.carrier_account_id);
    Ok(found)
}

/// The carrier of a carrier account, with its credentials unsealed (built once per process).
pub async fn carrier_for(app: &App, record: &CarrierAccount) -> Result<Arc<dyn Carrier>, ShippingError> {
    if let Some(carrier) = app.carriers.cached(&record.carrier_account_id) {
        return Ok(carrier);
    }
    let sealed = app.store.carrier_account_secret(&record.account_id, &record.carrier_account_id).await?;
    let credentials: SealedCredentials = serde_json::from_str(app.master_key().open(&sealed)?.expose_secret())
        .map_err(|_| {
            ShippingError::Invalid(format!(
                "the stored credentials of carrier account '{}' cannot be read; remove it and add it again",
                record.name
            ))
        })?;
    let config = ups_config(
        &credentials.client_id,
        credentials.client_secret,
        &record.account_number,
        &record.base_url,
        parse_label_format(&record.label_format)?,
        record.negotiated_rates,
    );
    let carrier = UpsCarrier::new(config, app.carriers.transport()?, app.clock.clone())
        .map_err(|e| ShippingError::Invalid(format!("carrier account '{}' cannot be used: {e}", record.name)))?;
    Ok(app.carriers.remember(&record.carrier_account_id, Arc::new(carrier)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_formats_read_back() {
        for format in [LabelFormat::Gif, LabelFormat::Png, LabelFormat::Zpl] {
            assert_eq!(parse_label_format(label_format_code(format)).unwrap(), format);
        }
        let err = parse_label_format("pdf").unwrap_err().to_string();
        assert!(err.contains("use gif, png or zpl"), "{err}");
    }
}
