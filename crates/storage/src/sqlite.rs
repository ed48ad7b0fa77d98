//! The embedded backend: one SQLite file in the data directory, opened at the same time by the `wharf` CLI
//! and a running `wharf serve` (WAL, so readers never block the writer; `busy_timeout`, so a second writer
//! waits instead of failing).
//!
//! Instants are stored as fixed-width UTC text (`2026-11-26T16:15:00.000000Z`) so text order is time order.
//! Writes that read before they write run in `BEGIN IMMEDIATE` transactions, which take SQLite's write lock
//! up front: a deferred transaction that read first could not upgrade once another writer committed.

mod batches;
mod outbox;
mod rate_limits;
mod rules;
mod shipping;
mod templates;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::fmt::temporal::DateTimePrinter;
use jiff::{SignedDuration, Timestamp};
use sqlx::migrate::Migrate;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use tokio::sync::{Mutex, MutexGuard};
use wharf_domain::history::HistoryEntry;
use wharf_domain::import_run::{ImportRun, SkippedOrder};
use wharf_domain::product::Product;
use wharf_domain::store::{Account, Store as SalesStore};
use wharf_domain::{AccountId, ImportRunId, JobId, Order, OrderId, StoreId};

use crate::codec::{
    PreparedDay, PreparedOrder, corrupt, from_json, not_found, refused, store_refused, stored_instant,
    time_ordered_uuid, to_json, update_refused,
};
use crate::migrate::MigrationReport;
use crate::{
    Backend, ImportDayWrite, Job, JobOutcome, JobState, NewJob, OrderFilter, OrderKey, OrderWrite, Result,
    StorageError, Store, StoreImportState,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another process's write to finish before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    /// Writers of this process take turns here, in order, rather than in SQLite's busy handler, which polls
    /// with sleeps; another process (the CLI beside `wharf serve`) still waits through `busy_timeout`.
    write_turn: Mutex<()>,
}

/// A write transaction holding this process's write turn. Fields drop in order: the transaction (rolled
/// back unless committed) before the turn is passed on.
struct WriteTx<'a> {
    tx: Transaction<'static, Sqlite>,
    _turn: MutexGuard<'a, ()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let store = Self::open_unmigrated(path).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without touching its schema (`wharf migrate` applies it and reports).
    pub async fn open_unmigrated(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let unavailable = |source| StorageError::Unavailable { location: path.display().to_string(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(|e| unavailable(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // 64 MiB of page cache per connection (allocated as used): an import day of orders spills less
            // to the WAL before it commits.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(unavailable)?;
        Ok(SqliteStore { pool, path, write_turn: Mutex::new(()) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies pending migrations and reports them.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let mut conn = self.pool.acquire().await?;
        conn.ensure_migrations_table(&MIGRATOR.table_name).await?;
        let before = conn.list_applied_migrations(&MIGRATOR.table_name).await?;
        MIGRATOR.run(&mut *conn).await?;
        let after = conn.list_applied_migrations(&MIGRATOR.table_name).await?;
        Ok(MigrationReport::new(Backend::Sqlite, &MIGRATOR, &before, &after))
    }

    /// Closes the pool, waiting for connections to finish (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> Result<WriteTx<'_>> {
        let turn = self.write_turn.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
    }
}

// --- encoding ---------------------------------------------------------------------------------------------

const INSTANT: DateTimePrinter = DateTimePrinter::new().precision(Some(6));

fn ts(at: Timestamp) -> String {
    INSTANT.timestamp_to_string(&stored_instant(at))
}

fn opt_ts(at: Option<Timestamp>) -> Option<String> {
    at.map(ts)
}

fn parse_ts(text: &str, what: &'static str, key: &dyn std::fmt::Display) -> Result<Timestamp> {
    text.parse().map_err(|e| corrupt(what, key, format_args!("instant {text:?}: {e}")))
}

fn parse_opt_ts(text: Option<String>, what: &'static str, key: &dyn std::fmt::Display) -> Result<Option<Timestamp>> {
    text.map(|t| parse_ts(&t, what, key)).transpose()
}

fn parse_date(text: &str, what: &'static str, key: &dyn std::fmt::Display) -> Result<Date> {
    text.parse().map_err(|e| corrupt(what, key, format_args!("date {text:?}: {e}")))
}

fn parse_id<T: FromStr>(text: &str, what: &'static str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| corrupt(what, &text, e))
}

fn account_from_row(row: &SqliteRow) -> Result<Account> {
    let id: String = row.try_get("account_id")?;
    Ok(Account {
        account_id: parse_id(&id, "account")?,
        name: row.try_get("name")?,
        alert_email: row.try_get("alert_email")?,
        create_date: parse_ts(&row.try_get::<String, _>("create_date")?, "account", &id)?,
    })
}

fn doc_from_row<T: serde::de::DeserializeOwned>(row: &SqliteRow, id_column: &str, what: &'static str) -> Result<T> {
    let id: String = row.try_get(id_column)?;
    let doc: String = row.try_get("doc")?;
    from_json(&doc, what, &id)
}

const JOB_COLUMNS: &str = "job_id, kind, unique_key, payload, state, run_at, attempts, max_attempts, last_error, \
                           locked_by, locked_until, created_at, updated_at";

fn job_from_row(row: &SqliteRow) -> Result<Job> {
    let id: String = row.try_get("job_id")?;
    let state: String = row.try_get("state")?;
    let attempts: i64 = row.try_get("attempts")?;
    let max_attempts: i64 = row.try_get("max_attempts")?;
    Ok(Job {
        id: parse_id(&id, "job")?,
        kind: row.try_get("kind")?,
        unique_key: row.try_get("unique_key")?,
        payload: from_json(&row.try_get::<String, _>("payload")?, "job", &id)?,
        run_at: parse_ts(&row.try_get::<String, _>("run_at")?, "job", &id)?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("job", &id, e))?,
        max_attempts: u32::try_from(max_attempts).map_err(|e| corrupt("job", &id, e))?,
        last_error: row.try_get("last_error")?,
        locked_by: row.try_get("locked_by")?,
        locked_until: parse_opt_ts(row.try_get("locked_until")?, "job", &id)?,
        state: job_state(&state).ok_or_else(|| corrupt("job", &id, format_args!("unknown state {state:?}")))?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?, "job", &id)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?, "job", &id)?,
    })
}

pub(crate) fn job_state(text: &str) -> Option<JobState> {
    [JobState::Queued, JobState::Running, JobState::Dead].into_iter().find(|s| s.as_str() == text)
}

fn skipped_from_row(row: &SqliteRow) -> Result<SkippedOrder> {
    let po_number: String = row.try_get("po_number")?;
    let key = format!("PO {po_number}");
    let store_id: String = row.try_get("store_id")?;
    Ok(SkippedOrder {
        store_id: parse_id(&store_id, "store")?,
        po_date: parse_date(&row.try_get::<String, _>("po_date")?, "skipped order", &key)?,
        order_date: parse_opt_ts(row.try_get("order_date")?, "skipped order", &key)?,
        reason: from_json(&row.try_get::<String, _>("reason")?, "skipped order", &key)?,
        message: row.try_get("message")?,
        first_seen: parse_ts(&row.try_get::<String, _>("first_seen")?, "skipped order", &key)?,
        last_seen: parse_ts(&row.try_get::<String, _>("last_seen")?, "skipped order", &key)?,
        po_number,
    })
}

fn u64_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

// --- order writes, shared by imports and single updates ---------------------------------------------------

/// Rows per multi-row INSERT. Every statement is a round trip to the connection's SQLite thread, which
/// costs more than the insert itself; a full chunk is always the same SQL, so its prepared statement is
/// reused. 12 × 100 parameters stay far below SQLite's limit of 32,766.
const ROWS_PER_INSERT: usize = 100;
/// Keys per multi-row DELETE (two parameters each, far below SQLite's 32,766).
const ROWS_PER_DELETE: usize = 500;

const INSERT_ORDERS: &str = "INSERT INTO orders (order_id, account_id, store_id, po_number, po_date, order_number, \
     order_key, status, order_date, ship_by, modify_date, doc)";
const INSERT_RAW: &str = "INSERT INTO order_raw (order_id, document)";
const UPSERT_RAW_TAIL: &str = " ON CONFLICT (order_id) DO UPDATE SET document = excluded.document";
const INSERT_HISTORY: &str = "INSERT INTO order_history (order_id, at, entry)";

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;

/// `head VALUES (?, …), (?, …) tail` for `rows` rows of `columns` parameters.
fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    let mut sql = String::with_capacity(head.len() + 8 + rows * (row.len() + 2) + tail.len());
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&row);
    }
    sql.push_str(tail);
    sql
}

/// Binds the 12 order columns, in `INSERT_ORDERS` / `update_orders_sql` order (the doc is moved, not copied).
fn bind_order<'q>(query: SqliteQuery<'q>, order: &PreparedOrder<'_>, doc: String) -> SqliteQuery<'q> {
    let o = &order.write.order;
    query
        .bind(order.id())
        .bind(order.account())
        .bind(order.store())
        .bind(order.key.po_number.as_str())
        .bind(order.key.po_date.to_string())
        .bind(o.order_number.as_str())
        .bind(o.order_key.as_str())
        .bind(order.status)
        .bind(ts(order.order_date))
        .bind(opt_ts(order.ship_by))
        .bind(ts(order.modify_date))
        .bind(doc)
}

/// Stores the orders' raw documents (replacing older ones) and appends their history, many rows a statement.
async fn write_raw_and_history(tx: &mut Transaction<'static, Sqlite>, orders: &mut [PreparedOrder<'_>]) -> Result<()> {
    let raws: Vec<(&str, &[u8])> = orders.iter().filter_map(|o| o.raw().map(|raw| (o.id(), raw))).collect();
    for chunk in raws.chunks(ROWS_PER_INSERT) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(values_sql(INSERT_RAW, 2, chunk.len(), UPSERT_RAW_TAIL)));
        for (id, raw) in chunk {
            query = query.bind(*id).bind(*raw);
        }
        query.execute(&mut **tx).await?;
    }
    let entries: Vec<(&str, Timestamp, String)> = orders
        .iter_mut()
        .flat_map(|o| {
            let id = o.write.order.order_id.as_str();
            std::mem::take(&mut o.history).into_iter().map(move |(at, entry)| (id, at, entry))
        })
        .collect();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<_> = entries.by_ref().take(ROWS_PER_INSERT).collect();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(values_sql(INSERT_HISTORY, 3, chunk.len(), "")));
        for (id, at, entry) in chunk {
            query = query.bind(id).bind(ts(at)).bind(entry);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_orders(tx: &mut Transaction<'static, Sqlite>, mut orders: Vec<PreparedOrder<'_>>) -> Result<()> {
    for chunk in orders.chunks_mut(ROWS_PER_INSERT) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(values_sql(INSERT_ORDERS, 12, chunk.len(), "")));
        for order in chunk.iter_mut() {
            let doc = std::mem::take(&mut order.doc);
            query = bind_order(query, order, doc);
        }
        if let Err(e) = query.execute(&mut **tx).await {
            // SQLite does not say which row broke a constraint; find it, so the error names the order.
            let key = refused_order(tx, chunk).await?.unwrap_or_else(|| "in this import".into());
            return Err(refused(e, "order", &key, Some(("store", &chunk[0].store()))));
        }
        write_raw_and_history(tx, chunk).await?;
    }
    Ok(())
}

/// The first order of `chunk` whose id or natural key is taken, by a stored order or an earlier one of
/// the chunk.
async fn refused_order(tx: &mut Transaction<'static, Sqlite>, chunk: &[PreparedOrder<'_>]) -> Result<Option<String>> {
    let mut keys = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    for order in chunk {
        if !keys.insert(&order.key) || !ids.insert(order.id()) {
            return Ok(Some(order.describe()));
        }
    }
    for order in chunk {
        let taken = sqlx::query(
            "SELECT 1 FROM orders WHERE order_id = ?1 OR (store_id = ?2 AND po_number = ?3 AND po_date = ?4)",
        )
        .bind(order.id())
        .bind(order.store())
        .bind(order.key.po_number.as_str())
        .bind(order.key.po_date.to_string())
        .fetch_optional(&mut **tx)
        .await?;
        if taken.is_some() {
            return Ok(Some(order.describe()));
        }
    }
    Ok(None)
}

/// Orders updated per statement.
const ORDERS_PER_UPDATE: usize = 100;

/// One multi-row UPDATE of `rows` orders: the same columns and checks as a single order's update (scoped by
/// account and store, optimistic on `modify_date`), returning the ids it updated.
fn update_orders_sql(rows: usize) -> String {
    let head = "WITH u (order_id, account_id, store_id, po_number, po_date, order_number, order_key, status, \
                order_date, ship_by, modify_date, doc, expected) AS (";
    let tail = ") UPDATE orders SET po_number = u.po_number, po_date = u.po_date, order_number = u.order_number, \
                order_key = u.order_key, status = u.status, order_date = u.order_date, ship_by = u.ship_by, \
                modify_date = u.modify_date, doc = u.doc FROM u \
                WHERE orders.order_id = u.order_id AND orders.account_id = u.account_id \
                AND orders.store_id = u.store_id AND (u.expected IS NULL OR orders.modify_date = u.expected) \
                RETURNING orders.order_id";
    // `values_sql` writes "HEAD VALUES (…), (…) TAIL"; a CTE's body is exactly that.
    values_sql(head, 13, rows, tail)
}

/// Updates orders, each checked against its expected `modify_date`: one multi-row UPDATE per chunk, then
/// their raw documents and history. An order that was changed meanwhile (or is gone) fails the whole write.
pub(crate) async fn update_orders(
    tx: &mut Transaction<'static, Sqlite>,
    mut orders: Vec<PreparedOrder<'_>>,
) -> Result<()> {
    for chunk in orders.chunks_mut(ORDERS_PER_UPDATE) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(update_orders_sql(chunk.len())));
        for order in chunk.iter_mut() {
            let doc = std::mem::take(&mut order.doc);
            query = bind_order(query, order, doc).bind(opt_ts(order.expected_modify_date));
        }
        let rows = query.fetch_all(&mut **tx).await.map_err(|e| refused(e, "order", &"in this update", None))?;
        let updated: Vec<String> = rows.iter().map(|row| row.try_get(0)).collect::<std::result::Result<_, _>>()?;
        if updated.len() < chunk.len() {
            let missed = chunk.iter().find(|o| !updated.iter().any(|id| id == o.id())).unwrap_or(&chunk[0]);
            let exists = sqlx::query("SELECT 1 FROM orders WHERE order_id = ?1 AND account_id = ?2 AND store_id = ?3")
                .bind(missed.id())
                .bind(missed.account())
                .bind(missed.store())
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            return Err(update_refused(missed, exists));
        }
    }
    write_raw_and_history(tx, &mut orders).await
}

/// Appends the order filter's conditions (after `WHERE account_id = ?`).
fn push_order_filter(q: &mut QueryBuilder<Sqlite>, account: &AccountId, filter: &OrderFilter) {
    q.push(" WHERE account_id = ").push_bind(account.to_string());
    if let Some(status) = filter.status {
        q.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(store) = &filter.store_id {
        q.push(" AND store_id = ").push_bind(store.to_string());
    }
    if let Some(before) = filter.ship_by_before {
        q.push(" AND ship_by < ").push_bind(ts(before)).push(" AND status NOT IN ('shipped', 'cancelled')");
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        Backend::Sqlite.as_str()
    }

    // --- accounts ---------------------------------------------------------------------------------------

    async fn default_account(&self, now: Timestamp) -> Result<Account> {
        const SELECT: &str = "SELECT account_id, name, alert_email, create_date FROM accounts WHERE is_default = 1";
        if let Some(row) = sqlx::query(SELECT).fetch_optional(&self.pool).await? {
            return account_from_row(&row);
        }
        let mut w = self.begin_write().await?;
        let id = AccountId::from_uuid(time_ordered_uuid(now));
        sqlx::query(
            "INSERT INTO accounts (account_id, is_default, name, alert_email, create_date) \
             VALUES (?1, 1, 'Default', NULL, ?2) ON CONFLICT DO NOTHING",
        )
        .bind(id.as_str())
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        let row = sqlx::query(SELECT).fetch_one(&mut *w.tx).await?;
        w.tx.commit().await?;
        account_from_row(&row)
    }

    async fn insert_account(&self, account: &Account) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        sqlx::query("INSERT INTO accounts (account_id, name, alert_email, create_date) VALUES (?1, ?2, ?3, ?4)")
            .bind(account.account_id.as_str())
            .bind(account.name.as_str())
            .bind(account.alert_email.as_deref())
            .bind(ts(account.create_date))
            .execute(&self.pool)
            .await
            .map_err(|e| refused(e, "account", &account.account_id, None))?;
        Ok(())
    }

    async fn get_account(&self, account: &AccountId) -> Result<Account> {
        let row = sqlx::query("SELECT account_id, name, alert_email, create_date FROM accounts WHERE account_id = ?1")
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("account", account))?;
        account_from_row(&row)
    }

    async fn update_account(&self, account: &Account) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        let done = sqlx::query("UPDATE accounts SET name = ?2, alert_email = ?3 WHERE account_id = ?1")
            .bind(account.account_id.as_str())
            .bind(account.name.as_str())
            .bind(account.alert_email.as_deref())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("account", &account.account_id));
        }
        Ok(())
    }

    // --- stores -----------------------------------------------------------------------------------------

    async fn insert_store(&self, store: &SalesStore, sealed_secret: &[u8]) -> Result<()> {
        let doc = to_json(store, "store", &store.store_id)?;
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "INSERT INTO stores (store_id, account_id, store_name, marketplace, seller_id, active, create_date, \
             modify_date, doc, sealed_secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(store.store_id.as_str())
        .bind(store.account_id.as_str())
        .bind(store.store_name.as_str())
        .bind(marketplace(store))
        .bind(store.connection.seller_id.as_str())
        .bind(store.active)
        .bind(ts(store.create_date))
        .bind(ts(store.modify_date))
        .bind(doc)
        .bind(sealed_secret)
        .execute(&self.pool)
        .await
        .map_err(|e| store_refused(e, store, true))?;
        Ok(())
    }

    async fn update_store(&self, store: &SalesStore) -> Result<()> {
        let doc = to_json(store, "store", &store.store_id)?;
        let _turn = self.write_turn.lock().await;
        let done = sqlx::query(
            "UPDATE stores SET store_name = ?3, marketplace = ?4, seller_id = ?5, active = ?6, modify_date = ?7, \
             doc = ?8 WHERE store_id = ?1 AND account_id = ?2",
        )
        .bind(store.store_id.as_str())
        .bind(store.account_id.as_str())
        .bind(store.store_name.as_str())
        .bind(marketplace(store))
        .bind(store.connection.seller_id.as_str())
        .bind(store.active)
        .bind(ts(store.modify_date))
        .bind(doc)
        .execute(&self.pool)
        .await
        .map_err(|e| store_refused(e, store, false))?;
        if done.rows_affected() == 0 {
            return Err(not_found("store", &store.store_id));
        }
        Ok(())
    }

    async fn set_store_secret(&self, account: &AccountId, store: &StoreId, sealed_secret: &[u8]) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        let done = sqlx::query("UPDATE stores SET sealed_secret = ?3 WHERE store_id = ?1 AND account_id = ?2")
            .bind(store.as_str())
            .bind(account.as_str())
            .bind(sealed_secret)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("store", store));
        }
        Ok(())
    }

    async fn store_secret(&self, account: &AccountId, store: &StoreId) -> Result<Vec<u8>> {
        sqlx::query_scalar("SELECT sealed_secret FROM stores WHERE store_id = ?1 AND account_id = ?2")
            .bind(store.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("store", store))
    }

    async fn get_store(&self, account: &AccountId, store: &StoreId) -> Result<SalesStore> {
        let row = sqlx::query("SELECT store_id, doc FROM stores WHERE store_id = ?1 AND account_id = ?2")
            .bind(store.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("store", store))?;
        doc_from_row(&row, "store_id", "store")
    }

    async fn find_store_by_name(&self, account: &AccountId, name: &str) -> Result<Option<SalesStore>> {
        sqlx::query("SELECT store_id, doc FROM stores WHERE account_id = ?1 AND store_name = ?2")
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| doc_from_row(&row, "store_id", "store"))
            .transpose()
    }

    async fn find_store_by_seller_id(&self, account: &AccountId, seller_id: &str) -> Result<Option<SalesStore>> {
        sqlx::query("SELECT store_id, doc FROM stores WHERE account_id = ?1 AND seller_id = ?2")
            .bind(account.as_str())
            .bind(seller_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| doc_from_row(&row, "store_id", "store"))
            .transpose()
    }

    async fn list_stores(&self, account: &AccountId) -> Result<Vec<SalesStore>> {
        sqlx::query("SELECT store_id, doc FROM stores WHERE account_id = ?1 ORDER BY store_name, store_id")
            .bind(account.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| doc_from_row(row, "store_id", "store"))
            .collect()
    }

    async fn list_all_active_stores(&self) -> Result<Vec<SalesStore>> {
        sqlx::query("SELECT store_id, doc FROM stores WHERE active = 1 ORDER BY store_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| doc_from_row(row, "store_id", "store"))
            .collect()
    }

    async fn store_import_state(&self, store: &StoreId) -> Result<StoreImportState> {
        let row = sqlx::query(
            "SELECT st.store_id AS known, s.last_success_at, s.last_attempt_at, s.current_error, s.failing_since, \
             s.consecutive_failures, s.next_run_at, s.waiting_reason \
             FROM stores st LEFT JOIN store_import_state s ON s.store_id = st.store_id WHERE st.store_id = ?1",
        )
        .bind(store.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("store", store))?;
        let what = "store import state";
        let failures: Option<i64> = row.try_get("consecutive_failures")?;
        Ok(StoreImportState {
            last_success_at: parse_opt_ts(row.try_get("last_success_at")?, what, store)?,
            last_attempt_at: parse_opt_ts(row.try_get("last_attempt_at")?, what, store)?,
            current_error: row.try_get("current_error")?,
            failing_since: parse_opt_ts(row.try_get("failing_since")?, what, store)?,
            consecutive_failures: u32::try_from(failures.unwrap_or(0)).map_err(|e| corrupt(what, store, e))?,
            next_run_at: parse_opt_ts(row.try_get("next_run_at")?, what, store)?,
            waiting_reason: row.try_get("waiting_reason")?,
        })
    }

    async fn set_store_import_state(&self, store: &StoreId, state: &StoreImportState) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "INSERT INTO store_import_state (store_id, last_success_at, last_attempt_at, current_error, \
             failing_since, consecutive_failures, next_run_at, waiting_reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (store_id) DO UPDATE SET last_success_at = excluded.last_success_at, \
             last_attempt_at = excluded.last_attempt_at, current_error = excluded.current_error, \
             failing_since = excluded.failing_since, consecutive_failures = excluded.consecutive_failures, \
             next_run_at = excluded.next_run_at, waiting_reason = excluded.waiting_reason",
        )
        .bind(store.as_str())
        .bind(opt_ts(state.last_success_at))
        .bind(opt_ts(state.last_attempt_at))
        .bind(state.current_error.as_deref())
        .bind(opt_ts(state.failing_since))
        .bind(i64::from(state.consecutive_failures))
        .bind(opt_ts(state.next_run_at))
        .bind(state.waiting_reason.as_deref())
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "store import state", store, Some(("store", store))))?;
        Ok(())
    }

    // --- orders -----------------------------------------------------------------------------------------

    async fn get_order(&self, account: &AccountId, order: &OrderId) -> Result<Order> {
        let row = sqlx::query("SELECT order_id, doc FROM orders WHERE order_id = ?1 AND account_id = ?2")
            .bind(order.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("order", order))?;
        doc_from_row(&row, "order_id", "order")
    }

    async fn find_order(&self, account: &AccountId, id_or_number: &str) -> Result<Vec<Order>> {
        sqlx::query(
            "SELECT order_id, doc FROM orders WHERE account_id = ?1 \
             AND (order_id = ?2 OR order_number = ?2 OR order_key = ?2) \
             ORDER BY order_date DESC, order_id DESC",
        )
        .bind(account.as_str())
        .bind(id_or_number)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "order_id", "order"))
        .collect()
    }

    async fn orders_by_keys(&self, store: &StoreId, keys: &[OrderKey]) -> Result<HashMap<OrderKey, Order>> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        // All keys travel as one JSON array: one statement, one round trip, whatever their number.
        let wanted: Vec<(&str, String)> = keys.iter().map(|k| (k.po_number.as_str(), k.po_date.to_string())).collect();
        let wanted = to_json(&wanted, "order keys", store)?;
        // CROSS JOIN keeps the key list as the outer loop, so each key is one probe of the unique index.
        let rows = sqlx::query(
            "SELECT o.order_id, o.po_number, o.po_date, o.doc FROM json_each(?2) AS k \
             CROSS JOIN orders AS o \
             WHERE o.store_id = ?1 AND o.po_number = k.value ->> 0 AND o.po_date = k.value ->> 1",
        )
        .bind(store.as_str())
        .bind(wanted)
        .fetch_all(&self.pool)
        .await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let po_number: String = row.try_get("po_number")?;
            let po_date = parse_date(&row.try_get::<String, _>("po_date")?, "order", &po_number)?;
            found.insert(OrderKey::new(po_number, po_date), doc_from_row(row, "order_id", "order")?);
        }
        Ok(found)
    }

    async fn open_order_dates_before(&self, store: &StoreId, before: Date) -> Result<Vec<Date>> {
        let dates: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT po_date FROM orders WHERE store_id = ?1 AND po_date < ?2 \
             AND status NOT IN ('shipped', 'cancelled') ORDER BY po_date",
        )
        .bind(store.as_str())
        .bind(before.to_string())
        .fetch_all(&self.pool)
        .await?;
        dates.iter().map(|d| parse_date(d, "order", store)).collect()
    }

    async fn list_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<Vec<Order>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT order_id, doc FROM orders");
        push_order_filter(&mut q, account, filter);
        q.push(" ORDER BY order_date DESC, order_id DESC LIMIT ")
            .push_bind(filter.limit.map_or(-1, i64::from))
            .push(" OFFSET ")
            .push_bind(i64::from(filter.offset.unwrap_or(0)));
        q.build().fetch_all(&self.pool).await?.iter().map(|row| doc_from_row(row, "order_id", "order")).collect()
    }

    async fn count_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<u64> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM orders");
        push_order_filter(&mut q, account, filter);
        let count: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
        Ok(u64_count(count))
    }

    async fn write_import_day(&self, account: &AccountId, store: &StoreId, write: ImportDayWrite) -> Result<()> {
        let day = PreparedDay::new(account, store, &write)?;
        let mut w = self.begin_write().await?;
        insert_orders(&mut w.tx, day.new_orders).await?;
        update_orders(&mut w.tx, day.updated_orders).await?;
        for skip in &day.skipped {
            let s = skip.skipped;
            sqlx::query(
                "INSERT INTO skipped_orders (store_id, po_number, po_date, account_id, order_date, reason, message, \
                 first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (store_id, po_number, po_date) DO UPDATE SET order_date = excluded.order_date, \
                 reason = excluded.reason, message = excluded.message, last_seen = excluded.last_seen",
            )
            .bind(store.as_str())
            .bind(s.po_number.as_str())
            .bind(s.po_date.to_string())
            .bind(account.as_str())
            .bind(opt_ts(s.order_date))
            .bind(skip.reason.as_str())
            .bind(s.message.as_str())
            .bind(ts(s.first_seen))
            .bind(ts(s.last_seen))
            .execute(&mut *w.tx)
            .await?;
        }
        // Every new order is in this list (it may have been skipped before): one statement per chunk, not per
        // order, or a day of 24,000 orders spends seconds on round trips to SQLite's thread.
        for chunk in day.no_longer_skipped.chunks(ROWS_PER_DELETE) {
            let sql = values_sql(
                "DELETE FROM skipped_orders WHERE store_id = ? AND (po_number, po_date) IN (",
                2,
                chunk.len(),
                ")",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(store.as_str());
            for key in chunk {
                query = query.bind(key.po_number.as_str()).bind(key.po_date.to_string());
            }
            query.execute(&mut *w.tx).await?;
        }
        // Unknown SKUs become products: many per day when a seller's catalog is not loaded yet, so in chunks.
        for chunk in day.new_products.chunks(ROWS_PER_INSERT) {
            let sql = values_sql(
                "INSERT INTO products (product_id, account_id, sku, modify_date, doc)",
                5,
                chunk.len(),
                " ON CONFLICT (account_id, sku) DO NOTHING",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (product, doc) in chunk {
                query = query
                    .bind(product.product_id.as_str())
                    .bind(account.as_str())
                    .bind(product.sku.as_str())
                    .bind(ts(product.modify_date))
                    .bind(doc.as_str());
            }
            query.execute(&mut *w.tx).await.map_err(|e| {
                let skus = format!("one of {} new products, the first SKU {}", chunk.len(), chunk[0].0.sku);
                refused(e, "product", &skus, None)
            })?;
        }
        w.tx.commit().await?;
        Ok(())
    }

    async fn update_order(&self, write: &OrderWrite) -> Result<()> {
        let order = PreparedOrder::new(write)?;
        let mut w = self.begin_write().await?;
        update_orders(&mut w.tx, vec![order]).await?;
        w.tx.commit().await?;
        Ok(())
    }

    async fn order_history(&self, account: &AccountId, order: &OrderId) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT o.order_id, h.entry FROM orders o LEFT JOIN order_history h ON h.order_id = o.order_id \
             WHERE o.order_id = ?1 AND o.account_id = ?2 ORDER BY h.at, h.seq",
        )
        .bind(order.as_str())
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Err(not_found("order", order));
        }
        rows.iter()
            .filter_map(|row| row.try_get::<Option<String>, _>("entry").transpose())
            .map(|entry| from_json(&entry?, "order history entry", order))
            .collect()
    }

    async fn raw_document(&self, account: &AccountId, order: &OrderId) -> Result<Vec<u8>> {
        let row = sqlx::query(
            "SELECT r.document FROM orders o LEFT JOIN order_raw r ON r.order_id = o.order_id \
             WHERE o.order_id = ?1 AND o.account_id = ?2",
        )
        .bind(order.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("order", order))?;
        row.try_get::<Option<Vec<u8>>, _>("document")?.ok_or_else(|| not_found("raw document of order", order))
    }

    // --- products ---------------------------------------------------------------------------------------

    async fn products_by_skus(&self, account: &AccountId, skus: &[String]) -> Result<Vec<Product>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT product_id, doc FROM products WHERE account_id = ?1 \
             AND sku IN (SELECT value FROM json_each(?2)) ORDER BY sku",
        )
        .bind(account.as_str())
        .bind(to_json(&skus, "SKU list", account)?)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "product_id", "product"))
        .collect()
    }

    async fn get_product_by_sku(&self, account: &AccountId, sku: &str) -> Result<Product> {
        let row = sqlx::query("SELECT product_id, doc FROM products WHERE account_id = ?1 AND sku = ?2")
            .bind(account.as_str())
            .bind(sku)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("product with SKU", &sku))?;
        doc_from_row(&row, "product_id", "product")
    }

    async fn list_products(&self, account: &AccountId) -> Result<Vec<Product>> {
        sqlx::query("SELECT product_id, doc FROM products WHERE account_id = ?1 ORDER BY sku")
            .bind(account.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| doc_from_row(row, "product_id", "product"))
            .collect()
    }

    async fn upsert_products(&self, account: &AccountId, products: &[Product]) -> Result<(u64, u64)> {
        let mut prepared = Vec::with_capacity(products.len());
        for p in products {
            if &p.account_id != account {
                return Err(StorageError::InvalidWrite {
                    what: "product",
                    key: p.sku.clone(),
                    detail: format!("it belongs to {}, not to {account}", p.account_id),
                });
            }
            prepared.push((p, to_json(p, "product", &p.sku)?));
        }
        let mut w = self.begin_write().await?;
        let (mut inserted, mut updated) = (0, 0);
        for (p, doc) in prepared {
            // Under BEGIN IMMEDIATE nothing else writes meanwhile, so this look-up decides insert or update.
            let exists = sqlx::query("SELECT 1 FROM products WHERE account_id = ?1 AND sku = ?2")
                .bind(account.as_str())
                .bind(p.sku.as_str())
                .fetch_optional(&mut *w.tx)
                .await?
                .is_some();
            // A replaced product keeps its id and creation date, which orders and history refer to.
            sqlx::query(
                "INSERT INTO products (product_id, account_id, sku, modify_date, doc) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (account_id, sku) DO UPDATE SET modify_date = excluded.modify_date, \
                 doc = json_set(excluded.doc, '$.productId', products.product_id, \
                                '$.createDate', products.doc ->> '$.createDate')",
            )
            .bind(p.product_id.as_str())
            .bind(account.as_str())
            .bind(p.sku.as_str())
            .bind(ts(p.modify_date))
            .bind(doc)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| refused(e, "product", &p.product_id, Some(("account", account))))?;
            if exists {
                updated += 1;
            } else {
                inserted += 1;
            }
        }
        w.tx.commit().await?;
        Ok((inserted, updated))
    }

    // --- import runs and skipped orders -----------------------------------------------------------------

    async fn insert_import_run(&self, run: &ImportRun) -> Result<()> {
        let doc = to_json(run, "import run", &run.run_id)?;
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "INSERT INTO import_runs (run_id, account_id, store_id, started_at, outcome, doc) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(run.run_id.as_str())
        .bind(run.account_id.as_str())
        .bind(run.store_id.as_str())
        .bind(ts(run.started_at))
        .bind(outcome(run))
        .bind(doc)
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "import run", &run.run_id, Some(("store", &run.store_id))))?;
        Ok(())
    }

    async fn update_import_run(&self, run: &ImportRun) -> Result<()> {
        let doc = to_json(run, "import run", &run.run_id)?;
        let _turn = self.write_turn.lock().await;
        let done = sqlx::query(
            "UPDATE import_runs SET started_at = ?4, outcome = ?5, doc = ?6 \
             WHERE run_id = ?1 AND account_id = ?2 AND store_id = ?3",
        )
        .bind(run.run_id.as_str())
        .bind(run.account_id.as_str())
        .bind(run.store_id.as_str())
        .bind(ts(run.started_at))
        .bind(outcome(run))
        .bind(doc)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("import run", &run.run_id));
        }
        Ok(())
    }

    async fn list_import_runs(
        &self,
        account: &AccountId,
        store: Option<&StoreId>,
        limit: u32,
    ) -> Result<Vec<ImportRun>> {
        sqlx::query(
            "SELECT run_id, doc FROM import_runs WHERE account_id = ?1 AND (?2 IS NULL OR store_id = ?2) \
             ORDER BY started_at DESC, run_id DESC LIMIT ?3",
        )
        .bind(account.as_str())
        .bind(store.map(StoreId::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "run_id", "import run"))
        .collect()
    }

    async fn get_import_run(&self, account: &AccountId, run: &ImportRunId) -> Result<ImportRun> {
        let row = sqlx::query("SELECT run_id, doc FROM import_runs WHERE run_id = ?1 AND account_id = ?2")
            .bind(run.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("import run", run))?;
        doc_from_row(&row, "run_id", "import run")
    }

    async fn list_skipped(&self, account: &AccountId, store: Option<&StoreId>) -> Result<Vec<SkippedOrder>> {
        sqlx::query(
            "SELECT store_id, po_number, po_date, order_date, reason, message, first_seen, last_seen \
             FROM skipped_orders WHERE account_id = ?1 AND (?2 IS NULL OR store_id = ?2) \
             ORDER BY last_seen DESC, store_id, po_number, po_date",
        )
        .bind(account.as_str())
        .bind(store.map(StoreId::as_str))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(skipped_from_row)
        .collect()
    }

    // --- job queue and scheduler ------------------------------------------------------------------------

    async fn enqueue(&self, job: &NewJob, now: Timestamp) -> Result<Job> {
        let id = JobId::from_uuid(time_ordered_uuid(now));
        let payload = to_json(&job.payload, "job payload", &job.kind)?;
        let mut w = self.begin_write().await?;
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO jobs (job_id, kind, unique_key, payload, state, run_at, attempts, max_attempts, \
             created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, 0, ?6, ?7, ?7) \
             ON CONFLICT (unique_key) WHERE state <> 'dead' DO NOTHING RETURNING {JOB_COLUMNS}"
        )))
        .bind(id.as_str())
        .bind(job.kind.as_str())
        .bind(job.unique_key.as_deref())
        .bind(payload)
        .bind(ts(job.run_at))
        .bind(i64::from(job.max_attempts))
        .bind(ts(now))
        .fetch_optional(&mut *w.tx)
        .await?;
        let row = match inserted {
            Some(row) => row,
            // The key is taken by a live job: that job stands (the write lock makes this read exact).
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE unique_key = ?1 AND state <> 'dead'"
                )))
                .bind(job.unique_key.as_deref())
                .fetch_one(&mut *w.tx)
                .await?
            }
        };
        w.tx.commit().await?;
        job_from_row(&row)
    }

    async fn claim_job(
        &self,
        worker: &str,
        kinds: &[&str],
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Option<Job>> {
        let kinds = to_json(&kinds, "job kinds", &worker)?;
        let mut w = self.begin_write().await?;
        // A job whose worker vanished on its last allowed attempt is buried rather than run once more.
        sqlx::query(
            "UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, updated_at = ?1, \
             last_error = 'the worker running attempt ' || attempts || ' of ' || max_attempts || \
                          ' stopped before finishing (its lease ran out)' \
             WHERE state = 'running' AND locked_until <= ?1 AND attempts >= max_attempts \
             AND kind IN (SELECT value FROM json_each(?2))",
        )
        .bind(ts(now))
        .bind(kinds.as_str())
        .execute(&mut *w.tx)
        .await?;
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'running', locked_by = ?1, locked_until = ?2, attempts = attempts + 1, \
             updated_at = ?3 \
             WHERE job_id = (SELECT job_id FROM jobs WHERE state <> 'dead' \
                 AND kind IN (SELECT value FROM json_each(?4)) \
                 AND ((state = 'queued' AND run_at <= ?3) OR (state = 'running' AND locked_until <= ?3)) \
                 ORDER BY run_at, job_id LIMIT 1) \
             RETURNING {JOB_COLUMNS}"
        )))
        .bind(worker)
        .bind(ts(now + lease))
        .bind(ts(now))
        .bind(kinds)
        .fetch_optional(&mut *w.tx)
        .await?;
        w.tx.commit().await?;
        claimed.as_ref().map(job_from_row).transpose()
    }

    async fn extend_lease(&self, job: &JobId, worker: &str, until: Timestamp) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        let done =
            sqlx::query("UPDATE jobs SET locked_until = ?3 WHERE job_id = ?1 AND locked_by = ?2 AND state = 'running'")
                .bind(job.as_str())
                .bind(worker)
                .bind(ts(until))
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(job.to_string()));
        }
        Ok(())
    }

    async fn finish_job(&self, job: &JobId, worker: &str, outcome: JobOutcome, now: Timestamp) -> Result<()> {
        const HELD: &str = " WHERE job_id = ?1 AND locked_by = ?2 AND state = 'running'";
        let _turn = self.write_turn.lock().await;
        let query = match &outcome {
            JobOutcome::Completed => {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM jobs{HELD}"))).bind(job.as_str()).bind(worker)
            }
            JobOutcome::Reschedule { run_at, payload } => {
                let payload = payload.as_ref().map(|p| to_json(p, "job payload", job)).transpose()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE jobs SET state = 'queued', run_at = ?3, payload = COALESCE(?4, payload), attempts = 0, \
                     last_error = NULL, locked_by = NULL, locked_until = NULL, updated_at = ?5{HELD}"
                )))
                .bind(job.as_str())
                .bind(worker)
                .bind(ts(*run_at))
                .bind(payload)
                .bind(ts(now))
            }
            JobOutcome::Retry { error, retry_at } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
                 run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE ?3 END, last_error = ?4, \
                 locked_by = NULL, locked_until = NULL, updated_at = ?5{HELD}"
            )))
            .bind(job.as_str())
            .bind(worker)
            .bind(ts(*retry_at))
            .bind(error.as_str())
            .bind(ts(now)),
            JobOutcome::Dead { error } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET state = 'dead', last_error = ?3, locked_by = NULL, locked_until = NULL, \
                 updated_at = ?4{HELD}"
            )))
            .bind(job.as_str())
            .bind(worker)
            .bind(error.as_str())
            .bind(ts(now)),
        };
        let done = query.execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(job.to_string()));
        }
        Ok(())
    }

    async fn get_job_by_key(&self, unique_key: &str) -> Result<Option<Job>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE unique_key = ?1 AND state <> 'dead'"
        )))
        .bind(unique_key)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(job_from_row)
        .transpose()
    }

    async fn dead_jobs(&self, limit: u32) -> Result<Vec<Job>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'dead' ORDER BY updated_at DESC, job_id DESC LIMIT ?1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(job_from_row)
        .collect()
    }

    async fn retry_dead_job(&self, job: &JobId, now: Timestamp) -> Result<Job> {
        let _turn = self.write_turn.lock().await;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?2, locked_by = NULL, locked_until = NULL, \
             updated_at = ?2 WHERE job_id = ?1 AND state = 'dead' RETURNING {JOB_COLUMNS}"
        )))
        .bind(job.as_str())
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| refused(e, "live job with the key of", job, None))?
        .ok_or_else(|| not_found("dead job", job))?;
        job_from_row(&row)
    }
}

pub(crate) fn marketplace(store: &SalesStore) -> &'static str {
    match store.marketplace {
        wharf_domain::store::Marketplace::Sears => "sears",
    }
}

pub(crate) fn outcome(run: &ImportRun) -> &'static str {
    use wharf_domain::import_run::ImportOutcome;
    match run.outcome {
        ImportOutcome::Running => "running",
        ImportOutcome::Succeeded => "succeeded",
        ImportOutcome::Partial => "partial",
        ImportOutcome::Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_update_is_one_cte_of_values() {
        let sql = update_orders_sql(2);
        assert!(sql.starts_with("WITH u (order_id, account_id,"), "{sql}");
        assert!(sql.contains("AS ( VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?"), "{sql}");
        assert!(sql.ends_with("RETURNING orders.order_id"), "{sql}");
    }
}
