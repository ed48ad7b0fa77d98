//! Wharf's use cases: connect a store, import orders, keep the catalog, run the job queue. They tie the
//! rooms together (domain, storage, the Sears client) and hold no SQL and no HTTP of their own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use secrecy::SecretString;
use url::Url;
use wharf_domain::clock::Clock;
use wharf_domain::store::Store as SalesStore;
use wharf_sears::{Credentials, RateLimiter, SearsClient, SearsConfig};
use wharf_storage::Store;

pub mod automation;
pub mod batches;
pub mod clock;
pub mod error;
pub mod failpoint;
pub mod import;
pub mod jobs;
pub mod notify;
pub mod printing;
pub mod products;
pub mod sears_adapter;
pub mod sears_limits;
pub mod secrets;
pub mod shipping;
pub mod stores;

pub use error::{AppError, AppResult};
pub use secrets::MasterKey;

/// Everything a use case needs: storage, the clock, the master key and the Sears settings.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    master_key: MasterKey,
    sears: SearsConfig,
    limiter: RateLimiter,
    data_dir: PathBuf,
    notify: Arc<notify::NotifyConfig>,
    /// One carrier per carrier account, built on first use (see `shipping::CarrierRegistry`).
    carriers: shipping::CarrierRegistry,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master_key: MasterKey,
        sears: SearsConfig,
        limiter: RateLimiter,
        data_dir: PathBuf,
    ) -> Self {
        App {
            store,
            clock,
            master_key,
            sears,
            limiter,
            data_dir,
            notify: Arc::new(notify::NotifyConfig::default()),
            carriers: shipping::CarrierRegistry::default(),
        }
    }

    /// How Wharf tells the world (SMTP server, worker intervals); by default e-mails go to `DATA_DIR/outbox/`.
    pub fn with_notify(mut self, notify: notify::NotifyConfig) -> Self {
        self.notify = Arc::new(notify);
        self
    }

    pub fn notify_config(&self) -> &notify::NotifyConfig {
        &self.notify
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn master_key(&self) -> &MasterKey {
        &self.master_key
    }

    /// The installation-wide Sears rate limiter (shared by every store).
    pub fn sears_limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// A Sears client for explicit credentials (connecting or checking a store).
    pub fn sears_client_for(&self, base_url: &str, credentials: Credentials) -> AppResult<SearsClient> {
        let base_url = Url::parse(base_url).map_err(|e| {
            AppError::InvalidInput(format!(
                "the Sears base URL '{base_url}' is not a URL ({e}); use e.g. https://seller.marketplace.sears.com"
            ))
        })?;
        let config = SearsConfig { base_url, ..self.sears.clone() };
        Ok(SearsClient::with_clock(
            config,
            credentials,
            self.limiter.clone(),
            Arc::new(clock::SearsClock(self.clock.clone())),
        )?)
    }

    /// A Sears client for a connected store, with its authorization key unsealed.
    pub async fn sears_client(&self, store: &SalesStore) -> AppResult<SearsClient> {
        let sealed = self.store.store_secret(&store.account_id, &store.store_id).await?;
        let key: SecretString = self.master_key.open(&sealed)?;
        let credentials = Credentials::new(&store.connection.seller_id, &store.connection.email, key)?;
        self.sears_client_for(&store.connection.base_url, credentials)
    }

    /// A new time-ordered public id.
    pub fn new_uuid(&self) -> uuid::Uuid {
        let now = self.now();
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            now.as_second().max(0) as u64,
            now.subsec_nanosecond().max(0) as u32,
        );
        uuid::Uuid::new_v7(ts)
    }
}
