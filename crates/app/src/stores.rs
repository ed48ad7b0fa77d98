//! Connecting a Sears store (credentials verified by a live call before anything is saved) and changing its
//! settings.

use secrecy::SecretString;
use wharf_domain::store::{Marketplace, SearsConnection, Store as SalesStore, StoreSettings};
use wharf_domain::{AccountId, StoreId};
use wharf_sears::{Credentials, SearsClient, SearsError};
use wharf_storage::StorageError;

use crate::{App, AppError, AppResult, jobs};

pub const SEARS_PRODUCTION_URL: &str = wharf_sears::PRODUCTION_BASE_URL;

/// What the seller gives to connect a Sears store.
pub struct SearsConnect {
    pub name: String,
    pub email: String,
    pub seller_id: String,
    pub auth_key: SecretString,
    /// Production unless told otherwise (a sandbox's URL in tests and the demo).
    pub base_url: Option<String>,
}

/// What a live check of Sears credentials found.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearsCheck {
    pub seller_id: String,
    pub base_url: String,
    /// Purchase orders Sears reports with status `Open`.
    pub open_orders: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    pub store: SalesStore,
    pub check: SearsCheck,
    /// The seller ID was already connected: the store (and its orders) was kept and its credentials replaced.
    pub reconnected: bool,
}

/// Verifies a client's credentials with a real call (`GET purchaseorder?status=Open`) and says exactly what
/// failed: refused credentials, or Sears unreachable.
pub async fn check_sears_credentials(client: &SearsClient) -> AppResult<SearsCheck> {
    let seller_id = client.credentials().seller_id().to_owned();
    let base_url = client.config().base_url.to_string();
    match client.purchase_orders_by_status("Open").await {
        Ok(response) => Ok(SearsCheck {
            seller_id,
            base_url,
            open_orders: response.purchase_orders.len() + response.unreadable.len(),
        }),
        Err(SearsError::Authentication { message, .. }) => Err(AppError::Verification(format!(
            "Sears refused the credentials: \"{message}\". Check that the seller ID ({seller_id}) is the one shown \
             under Account Profile in the Sears Seller Portal, that the e-mail is the Seller Portal login, and that \
             the API authorization key is the current one (Account Info > API Authorization Key; regenerating it \
             replaces the old key)"
        ))),
        Err(
            e @ (SearsError::Connection { .. }
            | SearsError::Timeout { .. }
            | SearsError::Outage { .. }
            | SearsError::UnexpectedStatus { .. }
            | SearsError::MalformedXml { .. }
            | SearsError::UnexpectedDocument { .. }
            | SearsError::RateLimited { .. }),
        ) => Err(AppError::Verification(format!(
            "Sears could not be reached at {base_url}, so the credentials were not verified and nothing was \
             saved: {e}"
        ))),
        Err(other) => Err(other.into()),
    }
}

/// Connects a store after verifying its credentials. Reconnecting the same seller ID keeps the store and its
/// orders and replaces its name, e-mail, URL and key.
pub async fn connect_sears(app: &App, account: &AccountId, input: SearsConnect) -> AppResult<Connected> {
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        return Err(AppError::InvalidInput("give the store a name with --name, e.g. --name \"My Sears store\"".into()));
    }
    let base_url = input.base_url.clone().unwrap_or_else(|| SEARS_PRODUCTION_URL.to_owned());
    let credentials = Credentials::new(input.seller_id.trim(), input.email.trim(), input.auth_key.clone())?;
    let check = check_sears_credentials(&app.sears_client_for(&base_url, credentials)?).await?;
    let sealed = app.master_key().seal(&input.auth_key);
    let now = app.now();
    let connection = SearsConnection {
        seller_id: input.seller_id.trim().to_owned(),
        email: input.email.trim().to_owned(),
        base_url: base_url.clone(),
    };

    if let Some(mut store) = app.store.find_store_by_seller_id(account, &connection.seller_id).await? {
        if let Some(other) = app.store.find_store_by_name(account, &name).await?
            && other.store_id != store.store_id
        {
            return Err(name_taken(&name));
        }
        store.store_name = name;
        store.connection = connection;
        store.active = true;
        store.modify_date = now;
        app.store.update_store(&store).await?;
        app.store.set_store_secret(account, &store.store_id, &sealed).await?;
        jobs::schedule_store_import(app, &store).await?;
        return Ok(Connected { store, check, reconnected: true });
    }

    let store = SalesStore {
        store_id: StoreId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        store_name: name.clone(),
        marketplace: Marketplace::Sears,
        connection,
        settings: StoreSettings::default(),
        active: true,
        create_date: now,
        modify_date: now,
    };
    match app.store.insert_store(&store, &sealed).await {
        Ok(()) => {}
        Err(StorageError::Duplicate { .. }) => return Err(name_taken(&name)),
        Err(e) => return Err(e.into()),
    }
    jobs::schedule_store_import(app, &store).await?;
    Ok(Connected { store, check, reconnected: false })
}

fn name_taken(name: &str) -> AppError {
    AppError::InvalidInput(format!(
        "a store named '{name}' already exists for another Sears seller ID; choose another --name"
    ))
}

/// Finds a store by id or name.
pub async fn find_store(app: &App, account: &AccountId, id_or_name: &str) -> AppResult<SalesStore> {
    if let Ok(id) = id_or_name.parse::<StoreId>() {
        return app
            .store
            .get_store(account, &id)
            .await
            .map_err(|e| AppError::from_storage(e, "list stores with `wharf store list`"));
    }
    app.store
        .find_store_by_name(account, id_or_name)
        .await?
        .ok_or_else(|| AppError::not_found("store", id_or_name, "list stores with `wharf store list`"))
}

/// Saves changed settings (or name) of a store. Turning auto-import on or changing its interval reschedules it.
pub async fn save_store(app: &App, mut store: SalesStore) -> AppResult<SalesStore> {
    if store.settings.import_window_days == 0 || store.settings.import_window_days > 90 {
        return Err(AppError::InvalidInput(format!(
            "the import window must be between 1 and 90 days (got {}); Sears orders must ship within 48 hours, \
             so the default of 3 days is usually right",
            store.settings.import_window_days
        )));
    }
    if store.settings.import_interval_minutes == 0 || store.settings.import_interval_minutes > 24 * 60 {
        return Err(AppError::InvalidInput(format!(
            "the import interval must be between 1 and 1440 minutes (got {})",
            store.settings.import_interval_minutes
        )));
    }
    if store.store_name.trim().is_empty() {
        return Err(AppError::InvalidInput("a store name cannot be blank".into()));
    }
    store.modify_date = app.now();
    match app.store.update_store(&store).await {
        Ok(()) => {}
        Err(StorageError::Duplicate { .. }) => return Err(name_taken(&store.store_name)),
        Err(e) => return Err(e.into()),
    }
    jobs::schedule_store_import(app, &store).await?;
    Ok(store)
}
