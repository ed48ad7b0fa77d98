//! Wharf's storage: the `Store` trait (repositories, job queue) with a SQLite and a PostgreSQL
//! implementation, one migrations directory per backend, and one conformance suite run against both.
//!
//! All SQL lives in this crate. Callers hand in domain values and `now`; storage never reads a clock.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use wharf_domain::history::HistoryEntry;
use wharf_domain::import_run::{ImportRun, SkippedOrder};
use wharf_domain::product::Product;
use wharf_domain::store::{Account, Store as SalesStore};
use wharf_domain::{AccountId, ImportRunId, JobId, Order, OrderId, OrderStatus, StoreId};

mod error;
pub use error::StorageError;

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// The natural key of a Sears order within a store: PO number and PO date (PO numbers repeat over time).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrderKey {
    pub po_number: String,
    pub po_date: Date,
}

/// One order written by an import: the order, the raw marketplace document it was read from, and the
/// history entries that explain the write (creation, or each changed field).
#[derive(Clone, Debug)]
pub struct OrderWrite {
    pub order: Order,
    pub raw_document: Vec<u8>,
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
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is ("sqlite" or "postgres"), for logs and benchmarks.
    fn backend(&self) -> &'static str;

    // --- accounts ---------------------------------------------------------------------------------------
    /// The installation's first account, created on first use.
    async fn default_account(&self, now: Timestamp) -> Result<Account>;
    async fn get_account(&self, account: &AccountId) -> Result<Account>;
    async fn update_account(&self, account: &Account) -> Result<()>;

    // --- stores -----------------------------------------------------------------------------------------
    /// Inserts a store with its encrypted secret (the Sears authorization key, sealed by the caller).
    /// A store name is unique within an account (`StorageError::Duplicate`).
    async fn insert_store(&self, store: &SalesStore, sealed_secret: &[u8]) -> Result<()>;
    async fn update_store(&self, store: &SalesStore) -> Result<()>;
    async fn set_store_secret(&self, account: &AccountId, store: &StoreId, sealed_secret: &[u8]) -> Result<()>;
    async fn store_secret(&self, account: &AccountId, store: &StoreId) -> Result<Vec<u8>>;
    async fn get_store(&self, account: &AccountId, store: &StoreId) -> Result<SalesStore>;
    async fn find_store_by_name(&self, account: &AccountId, name: &str) -> Result<Option<SalesStore>>;
    /// Finds the store connected to a Sears seller ID (reconnecting a store keeps its orders).
    async fn find_store_by_seller_id(&self, account: &AccountId, seller_id: &str) -> Result<Option<SalesStore>>;
    async fn list_stores(&self, account: &AccountId) -> Result<Vec<SalesStore>>;
    /// Every active store of every account (the scheduler's view).
    async fn list_all_active_stores(&self) -> Result<Vec<SalesStore>>;
    async fn store_import_state(&self, store: &StoreId) -> Result<StoreImportState>;
    async fn set_store_import_state(&self, store: &StoreId, state: &StoreImportState) -> Result<()>;

    // --- orders -----------------------------------------------------------------------------------------
    async fn get_order(&self, account: &AccountId, order: &OrderId) -> Result<Order>;
    /// Finds an order by id, order number or order key within the account.
    async fn find_order(&self, account: &AccountId, id_or_number: &str) -> Result<Vec<Order>>;
    /// The stored orders of `store` with these natural keys (missing keys are simply absent).
    async fn orders_by_keys(&self, store: &StoreId, keys: &[OrderKey]) -> Result<HashMap<OrderKey, Order>>;
    /// Natural keys of the store's orders that are not finished (shipped or cancelled) and whose PO date is
    /// before `before`: the import re-reads them until they close, whatever their age.
    async fn open_order_dates_before(&self, store: &StoreId, before: Date) -> Result<Vec<Date>>;
    async fn list_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<Vec<Order>>;
    async fn count_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<u64>;
    /// Writes one Central day of an import in one transaction (see `ImportDayWrite`).
    async fn write_import_day(&self, account: &AccountId, store: &StoreId, write: ImportDayWrite) -> Result<()>;
    /// Updates one order (a seller's or automation's change) with its history, under optimistic concurrency.
    async fn update_order(&self, write: &OrderWrite) -> Result<()>;
    async fn order_history(&self, account: &AccountId, order: &OrderId) -> Result<Vec<HistoryEntry>>;
    async fn raw_document(&self, account: &AccountId, order: &OrderId) -> Result<Vec<u8>>;

    // --- products ---------------------------------------------------------------------------------------
    async fn products_by_skus(&self, account: &AccountId, skus: &[String]) -> Result<Vec<Product>>;
    async fn get_product_by_sku(&self, account: &AccountId, sku: &str) -> Result<Product>;
    async fn list_products(&self, account: &AccountId) -> Result<Vec<Product>>;
    /// Inserts or replaces products by (account, SKU), in one transaction; returns (inserted, updated).
    async fn upsert_products(&self, account: &AccountId, products: &[Product]) -> Result<(u64, u64)>;

    // --- import runs and skipped orders -----------------------------------------------------------------
    async fn insert_import_run(&self, run: &ImportRun) -> Result<()>;
    async fn update_import_run(&self, run: &ImportRun) -> Result<()>;
    async fn list_import_runs(&self, account: &AccountId, store: Option<&StoreId>, limit: u32) -> Result<Vec<ImportRun>>;
    async fn get_import_run(&self, account: &AccountId, run: &ImportRunId) -> Result<ImportRun>;
    async fn list_skipped(&self, account: &AccountId, store: Option<&StoreId>) -> Result<Vec<SkippedOrder>>;

    // --- job queue and scheduler ------------------------------------------------------------------------
    async fn enqueue(&self, job: &NewJob, now: Timestamp) -> Result<Job>;
    /// Claims the next due job of one of `kinds` for `worker` until `now + lease` (so a crashed worker's job
    /// is claimed again once its lease runs out). PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
    /// atomic `UPDATE … RETURNING` under its single writer. Exactly one claimant wins a job.
    async fn claim_job(&self, worker: &str, kinds: &[&str], now: Timestamp, lease: jiff::SignedDuration) -> Result<Option<Job>>;
    /// Extends a running job's lease; fails with `StorageError::LeaseLost` if another worker owns it now.
    async fn extend_lease(&self, job: &JobId, worker: &str, until: Timestamp) -> Result<()>;
    async fn finish_job(&self, job: &JobId, worker: &str, outcome: JobOutcome, now: Timestamp) -> Result<()>;
    async fn get_job_by_key(&self, unique_key: &str) -> Result<Option<Job>>;
    /// Dead jobs (failed for good), newest first, for `wharf status`.
    async fn dead_jobs(&self, limit: u32) -> Result<Vec<Job>>;
}
