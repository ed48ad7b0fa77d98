//! Wharf's storage: the `Store` trait (repositories, job queue) with a SQLite and a PostgreSQL
//! implementation, one migrations directory per backend, and one conformance suite run against both.
//!
//! All SQL lives in this crate. Callers hand in domain values and `now`; storage never reads a clock.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use wharf_domain::history::HistoryEntry;
use wharf_domain::import_run::{ImportRun, SkippedOrder};
use wharf_domain::product::Product;
use wharf_domain::store::{Account, Store as SalesStore};
use wharf_domain::{AccountId, ImportRunId, JobId, Order, OrderId, OrderStatus, StoreId};

pub mod batches;
mod codec;
mod error;
mod location;
mod migrate;
pub mod outbox;
mod postgres;
pub mod rate_limits;
pub mod rules;
pub mod shipping;
mod sqlite;
pub mod templates;
#[cfg(feature = "test-support")]
pub mod testing;

pub use codec::time_ordered_uuid;
pub use error::StorageError;
pub use location::{Backend, DatabaseLocation};
pub use migrate::{MigrationName, MigrationReport};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// The natural key of a Sears order within a store: PO number and PO date (PO numbers repeat over time).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrderKey {
    pub po_number: String,
    pub po_date: Date,
}

impl OrderKey {
    pub fn new(po_number: impl Into<String>, po_date: Date) -> Self {
        OrderKey { po_number: po_number.into(), po_date }
    }

    /// The key an order is stored under: Sears's PO number and PO date; for an order without Sears facts
    /// (entered by hand), its order number and the Central date it was placed.
    pub fn of(order: &Order) -> Self {
        match &order.sears {
            Some(sears) => OrderKey::new(sears.po_number.clone(), sears.po_date),
            None => OrderKey::new(order.order_number.clone(), wharf_domain::sears_time::central_date(order.order_date)),
        }
    }
}

impl std::fmt::Display for OrderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PO {} of {}", self.po_number, self.po_date)
    }
}

/// One order written by an import: the order, the raw marketplace document it was read from, and the
/// history entries that explain the write (creation, or each changed field).
#[derive(Clone, Debug)]
pub struct OrderWrite {
    pub order: Order,
    /// The marketplace document the order was read from, stored byte for byte (replacing the previous one).
    /// `None` keeps what is stored: a seller's edit, or an order entered by hand, has no new document.
    pub raw_document: Option<Vec<u8>>,
    pub history: Vec<HistoryEntry>,
    /// For an update: the `modifyDate` the order had when it was read. The write fails with
    /// `StorageError::Conflict` if someone changed the order since (optimistic concurrency).
    pub expected_modify_date: Option<Timestamp>,
}

/// Everything one import writes for one Central day, applied in ONE transaction: either all of it is stored
/// or none of it is, so a crash mid-import leaves a state from which the next run finishes the work.
#[derive(Clone, Debug, Default)]
pub struct ImportDayWrite {
    pub new_orders: Vec<OrderWrite>,
    pub updated_orders: Vec<OrderWrite>,
    /// Upserted by (store, PO number, PO date): `first_seen` is kept from the first time, the rest refreshed.
    pub skipped: Vec<SkippedOrder>,
    /// Orders now imported that an earlier run had skipped.
    pub no_longer_skipped: Vec<OrderKey>,
    /// Products created for SKUs the catalog did not know (inserted unless the SKU exists by then).
    pub new_products: Vec<Product>,
}

/// How `list_orders` filters and pages.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub store_id: Option<StoreId>,
    /// Orders whose ship-by date is before this instant (and not shipped or cancelled).
    pub ship_by_before: Option<Timestamp>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Per-store import state, shown by `wharf status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreImportState {
    pub last_success_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    /// The current error, cleared by the next successful import.
    pub current_error: Option<String>,
    /// When the current run of failures started.
    pub failing_since: Option<Timestamp>,
    pub consecutive_failures: u32,
    pub next_run_at: Option<Timestamp>,
    /// Why the next run waits, e.g. "Sears rate limit: waiting until 14:05".
    pub waiting_reason: Option<String>,
}

/// Where a job is in its life. A completed job is deleted, so it has no state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by `locked_by` until `locked_until`; claimable again once that passes.
    Running,
    /// Failed for good (attempts exhausted or a terminal error); kept with `last_error`.
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Dead => "dead",
        }
    }
}

/// A job to enqueue. `unique_key` deduplicates: enqueueing a key that is already queued or running updates
/// nothing and returns the existing job (e.g. `import:sto_…`, so each store has one import job).
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub unique_key: Option<String>,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    pub max_attempts: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub unique_key: Option<String>,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    /// Attempts made so far, including the one this claim starts.
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub state: JobState,
    pub created_at: Timestamp,
    /// When the job last changed: enqueued, claimed, rescheduled, retried or died.
    pub updated_at: Timestamp,
}

/// What happened to a claimed job.
#[derive(Clone, Debug)]
pub enum JobOutcome {
    /// Done; the row is removed.
    Completed,
    /// Done, and the same job runs again at `run_at` (recurring jobs such as a store's import): attempts reset.
    Reschedule { run_at: Timestamp, payload: Option<serde_json::Value> },
    /// Failed; tried again at `retry_at` unless attempts are exhausted, then kept as dead with the error.
    Retry { error: String, retry_at: Timestamp },
    /// Failed in a way retrying cannot fix; kept as dead with the error for the seller to see.
    Dead { error: String },
}

/// Wharf's storage. One implementation per backend; every method is scoped by account where the data is
/// the seller's, so one installation can hold several tenants.
///
/// Errors: a missing row is `NotFound`, a unique constraint that refused a write is `Duplicate`, a row
/// changed since it was read is `Conflict`, a job taken over by another worker is `LeaseLost`.
#[async_trait]
pub trait Store:
    batches::BatchStore
    + shipping::ShippingStore
    + outbox::OutboxStore
    + rules::RuleStore
    + rate_limits::RateLimitStore
    + templates::TemplateStore
    + Send
    + Sync
    + 'static
{
    /// Which backend this is ("sqlite" or "postgres"), for logs and benchmarks.
    fn backend(&self) -> &'static str;

    // --- accounts ---------------------------------------------------------------------------------------
    /// The installation's first account, created on first use (safe when several instances start at once).
    async fn default_account(&self, now: Timestamp) -> Result<Account>;
    /// Adds another account (tenant). `Duplicate` if the id is taken.
    async fn insert_account(&self, account: &Account) -> Result<()>;
    async fn get_account(&self, account: &AccountId) -> Result<Account>;
    /// Updates the name and alert e-mail.
    async fn update_account(&self, account: &Account) -> Result<()>;

    // --- stores -----------------------------------------------------------------------------------------
    /// Inserts a store with its encrypted secret (the Sears authorization key, sealed by the caller).
    /// A store name is unique within an account, and so is a marketplace seller ID (`StorageError::Duplicate`).
    async fn insert_store(&self, store: &SalesStore, sealed_secret: &[u8]) -> Result<()>;
    /// Replaces the store's name, connection, settings and active flag (scoped by `store.account_id`).
    async fn update_store(&self, store: &SalesStore) -> Result<()>;
    async fn set_store_secret(&self, account: &AccountId, store: &StoreId, sealed_secret: &[u8]) -> Result<()>;
    async fn store_secret(&self, account: &AccountId, store: &StoreId) -> Result<Vec<u8>>;
    async fn get_store(&self, account: &AccountId, store: &StoreId) -> Result<SalesStore>;
    async fn find_store_by_name(&self, account: &AccountId, name: &str) -> Result<Option<SalesStore>>;
    /// Finds the store connected to a Sears seller ID (reconnecting a store keeps its orders).
    async fn find_store_by_seller_id(&self, account: &AccountId, seller_id: &str) -> Result<Option<SalesStore>>;
    /// The account's stores, by name.
    async fn list_stores(&self, account: &AccountId) -> Result<Vec<SalesStore>>;
    /// Every active store of every account (the scheduler's view), by store id.
    async fn list_all_active_stores(&self) -> Result<Vec<SalesStore>>;
    /// The store's import state; the default (nothing yet) for a store that never imported.
    async fn store_import_state(&self, store: &StoreId) -> Result<StoreImportState>;
    async fn set_store_import_state(&self, store: &StoreId, state: &StoreImportState) -> Result<()>;

    // --- orders -----------------------------------------------------------------------------------------
    async fn get_order(&self, account: &AccountId, order: &OrderId) -> Result<Order>;
    /// Finds orders by id, order number or order key within the account, newest first (a PO number can
    /// repeat over the years, so several orders may match).
    async fn find_order(&self, account: &AccountId, id_or_number: &str) -> Result<Vec<Order>>;
    /// The stored orders of `store` with these natural keys (missing keys are simply absent), in one query.
    async fn orders_by_keys(&self, store: &StoreId, keys: &[OrderKey]) -> Result<HashMap<OrderKey, Order>>;
    /// The PO dates, ascending and distinct, of the store's orders that are not finished (shipped or
    /// cancelled) and whose PO date is before `before`: the import re-reads those days until the orders
    /// close, whatever their age.
    async fn open_order_dates_before(&self, store: &StoreId, before: Date) -> Result<Vec<Date>>;
    /// The account's orders matching `filter`, newest order date first (ties by order id, descending).
    async fn list_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<Vec<Order>>;
    /// How many orders match `filter` (its `limit` and `offset` are ignored).
    async fn count_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<u64>;
    /// Writes one Central day of an import in one transaction (see `ImportDayWrite`). Every order,
    /// skipped order and product must belong to `account` and `store` (`StorageError::InvalidWrite`).
    /// A new order whose natural key is taken fails with `Duplicate`; an update whose order changed since
    /// it was read fails with `Conflict`; either way nothing of the day is written.
    async fn write_import_day(&self, account: &AccountId, store: &StoreId, write: ImportDayWrite) -> Result<()>;
    /// Updates one order (a seller's or automation's change) with its history, under optimistic concurrency,
    /// scoped by `write.order.account_id`.
    async fn update_order(&self, write: &OrderWrite) -> Result<()>;
    /// The order's history, oldest first (by `at`, then in the order written).
    async fn order_history(&self, account: &AccountId, order: &OrderId) -> Result<Vec<HistoryEntry>>;
    /// The raw marketplace document, byte for byte; `NotFound` if the order has none.
    async fn raw_document(&self, account: &AccountId, order: &OrderId) -> Result<Vec<u8>>;

    // --- products ---------------------------------------------------------------------------------------
    /// The account's products with these SKUs (unknown SKUs are simply absent), by SKU.
    async fn products_by_skus(&self, account: &AccountId, skus: &[String]) -> Result<Vec<Product>>;
    async fn get_product_by_sku(&self, account: &AccountId, sku: &str) -> Result<Product>;
    /// The account's products, by SKU.
    async fn list_products(&self, account: &AccountId) -> Result<Vec<Product>>;
    /// Inserts or replaces products by (account, SKU), in one transaction; returns (inserted, updated).
    /// A replaced product keeps its stored `product_id` and `create_date` (orders refer to the id).
    async fn upsert_products(&self, account: &AccountId, products: &[Product]) -> Result<(u64, u64)>;

    // --- import runs and skipped orders -----------------------------------------------------------------
    async fn insert_import_run(&self, run: &ImportRun) -> Result<()>;
    async fn update_import_run(&self, run: &ImportRun) -> Result<()>;
    /// The latest runs, newest first.
    async fn list_import_runs(
        &self,
        account: &AccountId,
        store: Option<&StoreId>,
        limit: u32,
    ) -> Result<Vec<ImportRun>>;
    async fn get_import_run(&self, account: &AccountId, run: &ImportRunId) -> Result<ImportRun>;
    /// Skipped orders, most recently seen first.
    async fn list_skipped(&self, account: &AccountId, store: Option<&StoreId>) -> Result<Vec<SkippedOrder>>;

    // --- job queue and scheduler ------------------------------------------------------------------------
    /// Enqueues a job. With a `unique_key` that a live (queued or running) job already has, nothing changes
    /// and the existing job is returned; a dead job does not block its key.
    async fn enqueue(&self, job: &NewJob, now: Timestamp) -> Result<Job>;
    /// Claims the next due job of one of `kinds` for `worker` until `now + lease` (so a crashed worker's job
    /// is claimed again once its lease runs out), earliest `run_at` first. PostgreSQL: `FOR UPDATE SKIP
    /// LOCKED`; SQLite: one atomic `UPDATE … RETURNING` under its single writer. Exactly one claimant wins
    /// a job. A job whose lease ran out with its attempts used up is not claimed again but marked dead.
    async fn claim_job(
        &self,
        worker: &str,
        kinds: &[&str],
        now: Timestamp,
        lease: jiff::SignedDuration,
    ) -> Result<Option<Job>>;
    /// Extends a running job's lease; fails with `StorageError::LeaseLost` if another worker owns it now
    /// (or it is no longer running).
    async fn extend_lease(&self, job: &JobId, worker: &str, until: Timestamp) -> Result<()>;
    /// Records the outcome of a claimed job; `LeaseLost` if `worker` no longer holds it.
    async fn finish_job(&self, job: &JobId, worker: &str, outcome: JobOutcome, now: Timestamp) -> Result<()>;
    /// The live (queued or running) job with this key.
    async fn get_job_by_key(&self, unique_key: &str) -> Result<Option<Job>>;
    /// Dead jobs (failed for good), newest first, for `wharf status`.
    async fn dead_jobs(&self, limit: u32) -> Result<Vec<Job>>;
    /// Queues a dead job again (a seller's "retry"): attempts reset, due at `now`. `Duplicate` if a live job
    /// has its key meanwhile; `NotFound` if no dead job has this id.
    async fn retry_dead_job(&self, job: &JobId, now: Timestamp) -> Result<Job>;
}

/// Opens the database at `location` (a file path, `sqlite://PATH`, or `postgres://…`), applies pending
/// migrations, and returns it as a `Store`.
pub async fn connect(location: &str) -> Result<Arc<dyn Store>> {
    Ok(match DatabaseLocation::parse(location)? {
        DatabaseLocation::Sqlite(path) => Arc::new(SqliteStore::open(&path).await?),
        DatabaseLocation::Postgres(url) => Arc::new(PostgresStore::connect(&url).await?),
    })
}

/// Applies pending migrations to the database at `location` and says what was applied (`wharf migrate`).
pub async fn migrate(location: &str) -> Result<MigrationReport> {
    match DatabaseLocation::parse(location)? {
        DatabaseLocation::Sqlite(path) => SqliteStore::open_unmigrated(&path).await?.migrate().await,
        DatabaseLocation::Postgres(url) => PostgresStore::connect_unmigrated(&url).await?.migrate().await,
    }
}
