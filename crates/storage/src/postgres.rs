//! The PostgreSQL backend, for a seller who outgrows one machine: several stateless Wharf instances on one
//! database. Jobs are claimed with `FOR UPDATE SKIP LOCKED`; imports write whole columns at once as arrays
//! (`UNNEST`), so a day of orders is a handful of statements whatever its size.

mod batches;
mod copy;
mod outbox;
mod rate_limits;
mod rules;
mod shipping;
mod templates;
mod wire;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use sqlx::migrate::Migrate;
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use wharf_domain::history::HistoryEntry;
use wharf_domain::import_run::{ImportRun, SkippedOrder};
use wharf_domain::product::Product;
use wharf_domain::store::{Account, Store as SalesStore};
use wharf_domain::{AccountId, ImportRunId, JobId, Order, OrderId, StoreId};

use self::copy::CopyRows;
use self::wire::{PgDate, PgInstant};
use crate::codec::{
    PreparedDay, PreparedOrder, corrupt, from_json, not_found, refused, store_refused, time_ordered_uuid, to_json,
    update_refused,
};
use crate::location::redact;
use crate::migrate::MigrationReport;
use crate::sqlite::{job_state, marketplace, outcome};
use crate::{
    Backend, ImportDayWrite, Job, JobOutcome, NewJob, OrderFilter, OrderKey, OrderWrite, Result, StorageError, Store,
    StoreImportState,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Orders per multi-row UPDATE: large enough that round trips vanish, small enough that one statement's
/// arrays (a few MB of JSON) stay modest.
const ORDERS_PER_STATEMENT: usize = 1000;

/// COPY data is sent whenever this much has been encoded, so a day of orders is never all in one buffer.
const COPY_SEND_BYTES: usize = 4 << 20;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects (pool of up to 10 connections) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let store = Self::connect_unmigrated(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without touching the schema (`wharf migrate` applies it and reports).
    pub async fn connect_unmigrated(url: &str) -> Result<Self> {
        Self::connect_with(url, 10).await
    }

    pub(crate) async fn connect_with(url: &str, max_connections: u32) -> Result<Self> {
        let unavailable = |source| StorageError::Unavailable { location: redact(url), source };
        let options = PgConnectOptions::from_str(url).map_err(unavailable)?.application_name("wharf");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        Ok(PostgresStore { pool })
    }

    /// Applies pending migrations and reports them (several instances starting at once are serialized by
    /// sqlx's advisory lock).
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let mut conn = self.pool.acquire().await?;
        conn.ensure_migrations_table(&MIGRATOR.table_name).await?;
        let before = conn.list_applied_migrations(&MIGRATOR.table_name).await?;
        MIGRATOR.run(&mut *conn).await?;
        let after = conn.list_applied_migrations(&MIGRATOR.table_name).await?;
        Ok(MigrationReport::new(Backend::Postgres, &MIGRATOR, &before, &after))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

// --- decoding ---------------------------------------------------------------------------------------------

fn parse_id<T: FromStr>(text: &str, what: &'static str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| corrupt(what, &text, e))
}

fn instant(row: &PgRow, column: &str) -> Result<Timestamp> {
    Ok(row.try_get::<PgInstant, _>(column)?.0)
}

fn opt_instant(row: &PgRow, column: &str) -> Result<Option<Timestamp>> {
    Ok(row.try_get::<Option<PgInstant>, _>(column)?.map(|t| t.0))
}

fn account_from_row(row: &PgRow) -> Result<Account> {
    Ok(Account {
        account_id: parse_id(&row.try_get::<String, _>("account_id")?, "account")?,
        name: row.try_get("name")?,
        alert_email: row.try_get("alert_email")?,
        create_date: instant(row, "create_date")?,
    })
}

/// Reads `doc` (selected as `doc::text`) as `T`, naming the row by `id_column` if it does not read.
fn doc_from_row<T: serde::de::DeserializeOwned>(row: &PgRow, id_column: &str, what: &'static str) -> Result<T> {
    let id: String = row.try_get(id_column)?;
    let doc: String = row.try_get("doc")?;
    from_json(&doc, what, &id)
}

const JOB_COLUMNS: &str = "j.job_id, j.kind, j.unique_key, j.payload::text AS payload, j.state, j.run_at, j.attempts, \
                           j.max_attempts, j.last_error, j.locked_by, j.locked_until, j.created_at, j.updated_at";

fn job_from_row(row: &PgRow) -> Result<Job> {
    let id: String = row.try_get("job_id")?;
    let state: String = row.try_get("state")?;
    let attempts: i32 = row.try_get("attempts")?;
    let max_attempts: i32 = row.try_get("max_attempts")?;
    Ok(Job {
        id: parse_id(&id, "job")?,
        kind: row.try_get("kind")?,
        unique_key: row.try_get("unique_key")?,
        payload: from_json(&row.try_get::<String, _>("payload")?, "job", &id)?,
        run_at: instant(row, "run_at")?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("job", &id, e))?,
        max_attempts: u32::try_from(max_attempts).map_err(|e| corrupt("job", &id, e))?,
        last_error: row.try_get("last_error")?,
        locked_by: row.try_get("locked_by")?,
        locked_until: opt_instant(row, "locked_until")?,
        state: job_state(&state).ok_or_else(|| corrupt("job", &id, format_args!("unknown state {state:?}")))?,
        created_at: instant(row, "created_at")?,
        updated_at: instant(row, "updated_at")?,
    })
}

fn skipped_from_row(row: &PgRow) -> Result<SkippedOrder> {
    let po_number: String = row.try_get("po_number")?;
    Ok(SkippedOrder {
        store_id: parse_id(&row.try_get::<String, _>("store_id")?, "store")?,
        po_date: row.try_get::<PgDate, _>("po_date")?.0,
        order_date: opt_instant(row, "order_date")?,
        reason: from_json(&row.try_get::<String, _>("reason")?, "skipped order", &po_number)?,
        message: row.try_get("message")?,
        first_seen: instant(row, "first_seen")?,
        last_seen: instant(row, "last_seen")?,
        po_number,
    })
}

fn i32_of(n: u32, what: &'static str) -> Result<i32> {
    i32::try_from(n).map_err(|_| StorageError::InvalidWrite {
        what,
        key: n.to_string(),
        detail: "it is larger than 2147483647".into(),
    })
}

/// What PostgreSQL says about a refused row ("Key (store_id, po_number, po_date)=(…) already exists."),
/// which names the offending row when a whole batch was written in one statement.
fn detail_of(error: &sqlx::Error) -> Option<String> {
    error.as_database_error()?.try_downcast_ref::<PgDatabaseError>()?.detail().map(str::to_owned)
}

// --- order writes, shared by imports and single updates ---------------------------------------------------

/// One column array per order field, for `UNNEST`.
#[derive(Default)]
struct OrderColumns<'a> {
    ids: Vec<&'a str>,
    po_numbers: Vec<&'a str>,
    po_dates: Vec<PgDate>,
    numbers: Vec<&'a str>,
    keys: Vec<&'a str>,
    statuses: Vec<&'a str>,
    order_dates: Vec<PgInstant>,
    ship_bys: Vec<Option<PgInstant>>,
    modify_dates: Vec<PgInstant>,
    docs: Vec<&'a str>,
    expected: Vec<Option<PgInstant>>,
}

impl<'a> OrderColumns<'a> {
    fn of(orders: &'a [PreparedOrder<'a>]) -> Self {
        let mut c = OrderColumns::default();
        for o in orders {
            c.ids.push(o.id());
            c.po_numbers.push(&o.key.po_number);
            c.po_dates.push(PgDate(o.key.po_date));
            c.numbers.push(&o.write.order.order_number);
            c.keys.push(&o.write.order.order_key);
            c.statuses.push(o.status);
            c.order_dates.push(PgInstant(o.order_date));
            c.ship_bys.push(o.ship_by.map(PgInstant));
            c.modify_dates.push(PgInstant(o.modify_date));
            c.docs.push(&o.doc);
            c.expected.push(o.expected_modify_date.map(PgInstant));
        }
        c
    }
}

/// Inserts new orders, their raw documents and history with binary COPY.
async fn insert_orders(
    tx: &mut Transaction<'static, Postgres>,
    store: &StoreId,
    orders: &[PreparedOrder<'_>],
) -> Result<()> {
    if orders.is_empty() {
        return Ok(());
    }
    let refused_order = |e: sqlx::Error| {
        let key = detail_of(&e).unwrap_or_else(|| "in this import".into());
        refused(e, "order", &key, Some(("store", store)))
    };
    let mut copy = tx
        .copy_in_raw(
            "COPY orders (order_id, account_id, store_id, po_number, po_date, order_number, order_key, status, \
             order_date, ship_by, modify_date, doc) FROM STDIN (FORMAT binary)",
        )
        .await?;
    let mut rows = CopyRows::new();
    for o in orders {
        rows.row(12)
            .text(o.id())
            .text(o.account())
            .text(o.store())
            .text(&o.key.po_number)
            .date(o.key.po_date)
            .text(&o.write.order.order_number)
            .text(&o.write.order.order_key)
            .text(o.status)
            .instant(o.order_date)
            .opt_instant(o.ship_by)
            .instant(o.modify_date)
            .jsonb(&o.doc);
        if rows.len() >= COPY_SEND_BYTES {
            copy.send(rows.take()).await?;
        }
    }
    copy.send(rows.finish()).await?;
    copy.finish().await.map_err(refused_order)?;

    if orders.iter().any(|o| o.raw().is_some()) {
        let mut copy = tx.copy_in_raw("COPY order_raw (order_id, document) FROM STDIN (FORMAT binary)").await?;
        let mut rows = CopyRows::new();
        for o in orders {
            if let Some(raw) = o.raw() {
                rows.row(2).text(o.id()).bytes(raw);
                if rows.len() >= COPY_SEND_BYTES {
                    copy.send(rows.take()).await?;
                }
            }
        }
        copy.send(rows.finish()).await?;
        copy.finish().await?;
    }
    append_history(tx, orders).await
}

/// Appends the orders' history entries, in the order given (the identity column numbers them as they come).
async fn append_history(tx: &mut Transaction<'static, Postgres>, orders: &[PreparedOrder<'_>]) -> Result<()> {
    if orders.iter().all(|o| o.history.is_empty()) {
        return Ok(());
    }
    let mut copy = tx.copy_in_raw("COPY order_history (order_id, at, entry) FROM STDIN (FORMAT binary)").await?;
    let mut rows = CopyRows::new();
    for o in orders {
        for (at, entry) in &o.history {
            rows.row(3).text(o.id()).instant(*at).jsonb(entry);
        }
        if rows.len() >= COPY_SEND_BYTES {
            copy.send(rows.take()).await?;
        }
    }
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}

async fn update_orders(
    tx: &mut Transaction<'static, Postgres>,
    account: &AccountId,
    store: &StoreId,
    orders: &[PreparedOrder<'_>],
) -> Result<()> {
    let c = OrderColumns::of(orders);
    let updated: Vec<String> = sqlx::query_scalar(
        "UPDATE orders AS o SET po_number = u.po_number, po_date = u.po_date, order_number = u.order_number, \
         order_key = u.order_key, status = u.status, order_date = u.order_date, ship_by = u.ship_by, \
         modify_date = u.modify_date, doc = u.doc::jsonb \
         FROM UNNEST($3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], \
                     $10::timestamptz[], $11::timestamptz[], $12::text[], $13::timestamptz[]) \
         AS u (order_id, po_number, po_date, order_number, order_key, status, order_date, ship_by, modify_date, doc, \
               expected) \
         WHERE o.order_id = u.order_id AND o.account_id = $1 AND o.store_id = $2 \
         AND (u.expected IS NULL OR o.modify_date = u.expected) \
         RETURNING o.order_id",
    )
    .bind(account.as_str())
    .bind(store.as_str())
    .bind(&c.ids)
    .bind(&c.po_numbers)
    .bind(&c.po_dates)
    .bind(&c.numbers)
    .bind(&c.keys)
    .bind(&c.statuses)
    .bind(&c.order_dates)
    .bind(&c.ship_bys)
    .bind(&c.modify_dates)
    .bind(&c.docs)
    .bind(&c.expected)
    .fetch_all(&mut **tx)
    .await
    .map_err(|e| {
        let key = detail_of(&e).unwrap_or_else(|| "in this update".into());
        refused(e, "order", &key, None)
    })?;
    if updated.len() < orders.len() {
        let updated: HashSet<&str> = updated.iter().map(String::as_str).collect();
        if let Some(missed) = orders.iter().find(|o| !updated.contains(o.id())) {
            let exists = sqlx::query("SELECT 1 FROM orders WHERE order_id = $1 AND account_id = $2 AND store_id = $3")
                .bind(missed.id())
                .bind(account.as_str())
                .bind(store.as_str())
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            return Err(update_refused(missed, exists));
        }
    }
    replace_raw_and_append_history(tx, orders).await
}

/// Replaces the updated orders' raw documents (those that came with one) and appends their history.
async fn replace_raw_and_append_history(
    tx: &mut Transaction<'static, Postgres>,
    orders: &[PreparedOrder<'_>],
) -> Result<()> {
    let (raw_ids, raws): (Vec<&str>, Vec<&[u8]>) =
        orders.iter().filter_map(|o| o.raw().map(|raw| (o.id(), raw))).unzip();
    if !raws.is_empty() {
        sqlx::query(
            "INSERT INTO order_raw (order_id, document) SELECT * FROM UNNEST($1::text[], $2::bytea[]) \
             ON CONFLICT (order_id) DO UPDATE SET document = excluded.document",
        )
        .bind(&raw_ids)
        .bind(&raws)
        .execute(&mut **tx)
        .await?;
    }
    append_history(tx, orders).await
}

/// Appends the order filter's conditions (after `FROM orders`).
fn push_order_filter(q: &mut QueryBuilder<Postgres>, account: &AccountId, filter: &OrderFilter) {
    q.push(" WHERE account_id = ").push_bind(account.to_string());
    if let Some(status) = filter.status {
        q.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(store) = &filter.store_id {
        q.push(" AND store_id = ").push_bind(store.to_string());
    }
    if let Some(before) = filter.ship_by_before {
        q.push(" AND ship_by < ").push_bind(PgInstant(before)).push(" AND status NOT IN ('shipped', 'cancelled')");
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        Backend::Postgres.as_str()
    }

    // --- accounts ---------------------------------------------------------------------------------------

    async fn default_account(&self, now: Timestamp) -> Result<Account> {
        const SELECT: &str = "SELECT account_id, name, alert_email, create_date FROM accounts WHERE is_default";
        if let Some(row) = sqlx::query(SELECT).fetch_optional(&self.pool).await? {
            return account_from_row(&row);
        }
        // Several instances may start at once: the unique index on is_default lets exactly one insert win.
        sqlx::query(
            "INSERT INTO accounts (account_id, is_default, name, alert_email, create_date) \
             VALUES ($1, TRUE, 'Default', NULL, $2) ON CONFLICT DO NOTHING",
        )
        .bind(AccountId::from_uuid(time_ordered_uuid(now)).as_str())
        .bind(PgInstant(now))
        .execute(&self.pool)
        .await?;
        account_from_row(&sqlx::query(SELECT).fetch_one(&self.pool).await?)
    }

    async fn insert_account(&self, account: &Account) -> Result<()> {
        sqlx::query("INSERT INTO accounts (account_id, name, alert_email, create_date) VALUES ($1, $2, $3, $4)")
            .bind(account.account_id.as_str())
            .bind(account.name.as_str())
            .bind(account.alert_email.as_deref())
            .bind(PgInstant(account.create_date))
            .execute(&self.pool)
            .await
            .map_err(|e| refused(e, "account", &account.account_id, None))?;
        Ok(())
    }

    async fn get_account(&self, account: &AccountId) -> Result<Account> {
        let row = sqlx::query("SELECT account_id, name, alert_email, create_date FROM accounts WHERE account_id = $1")
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("account", account))?;
        account_from_row(&row)
    }

    async fn update_account(&self, account: &Account) -> Result<()> {
        let done = sqlx::query("UPDATE accounts SET name = $2, alert_email = $3 WHERE account_id = $1")
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
        sqlx::query(
            "INSERT INTO stores (store_id, account_id, store_name, marketplace, seller_id, active, create_date, \
             modify_date, doc, sealed_secret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)",
        )
        .bind(store.store_id.as_str())
        .bind(store.account_id.as_str())
        .bind(store.store_name.as_str())
        .bind(marketplace(store))
        .bind(store.connection.seller_id.as_str())
        .bind(store.active)
        .bind(PgInstant(store.create_date))
        .bind(PgInstant(store.modify_date))
        .bind(doc)
        .bind(sealed_secret)
        .execute(&self.pool)
        .await
        .map_err(|e| store_refused(e, store, true))?;
        Ok(())
    }

    async fn update_store(&self, store: &SalesStore) -> Result<()> {
        let doc = to_json(store, "store", &store.store_id)?;
        let done = sqlx::query(
            "UPDATE stores SET store_name = $3, marketplace = $4, seller_id = $5, active = $6, modify_date = $7, \
             doc = $8::jsonb WHERE store_id = $1 AND account_id = $2",
        )
        .bind(store.store_id.as_str())
        .bind(store.account_id.as_str())
        .bind(store.store_name.as_str())
        .bind(marketplace(store))
        .bind(store.connection.seller_id.as_str())
        .bind(store.active)
        .bind(PgInstant(store.modify_date))
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
        let done = sqlx::query("UPDATE stores SET sealed_secret = $3 WHERE store_id = $1 AND account_id = $2")
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
        sqlx::query_scalar("SELECT sealed_secret FROM stores WHERE store_id = $1 AND account_id = $2")
            .bind(store.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("store", store))
    }

    async fn get_store(&self, account: &AccountId, store: &StoreId) -> Result<SalesStore> {
        let row = sqlx::query("SELECT store_id, doc::text AS doc FROM stores WHERE store_id = $1 AND account_id = $2")
            .bind(store.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("store", store))?;
        doc_from_row(&row, "store_id", "store")
    }

    async fn find_store_by_name(&self, account: &AccountId, name: &str) -> Result<Option<SalesStore>> {
        sqlx::query("SELECT store_id, doc::text AS doc FROM stores WHERE account_id = $1 AND store_name = $2")
            .bind(account.as_str())
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| doc_from_row(&row, "store_id", "store"))
            .transpose()
    }

    async fn find_store_by_seller_id(&self, account: &AccountId, seller_id: &str) -> Result<Option<SalesStore>> {
        sqlx::query("SELECT store_id, doc::text AS doc FROM stores WHERE account_id = $1 AND seller_id = $2")
            .bind(account.as_str())
            .bind(seller_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| doc_from_row(&row, "store_id", "store"))
            .transpose()
    }

    async fn list_stores(&self, account: &AccountId) -> Result<Vec<SalesStore>> {
        sqlx::query(
            "SELECT store_id, doc::text AS doc FROM stores WHERE account_id = $1 \
             ORDER BY store_name COLLATE \"C\", store_id",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "store_id", "store"))
        .collect()
    }

    async fn list_all_active_stores(&self) -> Result<Vec<SalesStore>> {
        sqlx::query("SELECT store_id, doc::text AS doc FROM stores WHERE active ORDER BY store_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| doc_from_row(row, "store_id", "store"))
            .collect()
    }

    async fn store_import_state(&self, store: &StoreId) -> Result<StoreImportState> {
        let row = sqlx::query(
            "SELECT s.last_success_at, s.last_attempt_at, s.current_error, s.failing_since, \
             s.consecutive_failures, s.next_run_at, s.waiting_reason \
             FROM stores st LEFT JOIN store_import_state s ON s.store_id = st.store_id WHERE st.store_id = $1",
        )
        .bind(store.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("store", store))?;
        let failures: Option<i32> = row.try_get("consecutive_failures")?;
        Ok(StoreImportState {
            last_success_at: opt_instant(&row, "last_success_at")?,
            last_attempt_at: opt_instant(&row, "last_attempt_at")?,
            current_error: row.try_get("current_error")?,
            failing_since: opt_instant(&row, "failing_since")?,
            consecutive_failures: u32::try_from(failures.unwrap_or(0))
                .map_err(|e| corrupt("store import state", store, e))?,
            next_run_at: opt_instant(&row, "next_run_at")?,
            waiting_reason: row.try_get("waiting_reason")?,
        })
    }

    async fn set_store_import_state(&self, store: &StoreId, state: &StoreImportState) -> Result<()> {
        sqlx::query(
            "INSERT INTO store_import_state (store_id, last_success_at, last_attempt_at, current_error, \
             failing_since, consecutive_failures, next_run_at, waiting_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (store_id) DO UPDATE SET last_success_at = excluded.last_success_at, \
             last_attempt_at = excluded.last_attempt_at, current_error = excluded.current_error, \
             failing_since = excluded.failing_since, consecutive_failures = excluded.consecutive_failures, \
             next_run_at = excluded.next_run_at, waiting_reason = excluded.waiting_reason",
        )
        .bind(store.as_str())
        .bind(state.last_success_at.map(PgInstant))
        .bind(state.last_attempt_at.map(PgInstant))
        .bind(state.current_error.as_deref())
        .bind(state.failing_since.map(PgInstant))
        .bind(i32_of(state.consecutive_failures, "consecutive failures")?)
        .bind(state.next_run_at.map(PgInstant))
        .bind(state.waiting_reason.as_deref())
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "store import state", store, Some(("store", store))))?;
        Ok(())
    }

    // --- orders -----------------------------------------------------------------------------------------

    async fn get_order(&self, account: &AccountId, order: &OrderId) -> Result<Order> {
        let row = sqlx::query("SELECT order_id, doc::text AS doc FROM orders WHERE order_id = $1 AND account_id = $2")
            .bind(order.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("order", order))?;
        doc_from_row(&row, "order_id", "order")
    }

    async fn find_order(&self, account: &AccountId, id_or_number: &str) -> Result<Vec<Order>> {
        sqlx::query(
            "SELECT order_id, doc::text AS doc FROM orders WHERE account_id = $1 \
             AND (order_id = $2 OR order_number = $2 OR order_key = $2) \
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
        let po_numbers: Vec<&str> = keys.iter().map(|k| k.po_number.as_str()).collect();
        let po_dates: Vec<PgDate> = keys.iter().map(|k| PgDate(k.po_date)).collect();
        let rows = sqlx::query(
            "SELECT o.order_id, o.po_number, o.po_date, o.doc::text AS doc \
             FROM UNNEST($2::text[], $3::date[]) AS k (po_number, po_date) \
             JOIN orders AS o ON o.store_id = $1 AND o.po_number = k.po_number AND o.po_date = k.po_date",
        )
        .bind(store.as_str())
        .bind(&po_numbers)
        .bind(&po_dates)
        .fetch_all(&self.pool)
        .await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let key = OrderKey::new(row.try_get::<String, _>("po_number")?, row.try_get::<PgDate, _>("po_date")?.0);
            found.insert(key, doc_from_row(row, "order_id", "order")?);
        }
        Ok(found)
    }

    async fn open_order_dates_before(&self, store: &StoreId, before: Date) -> Result<Vec<Date>> {
        let dates: Vec<PgDate> = sqlx::query_scalar(
            "SELECT DISTINCT po_date FROM orders WHERE store_id = $1 AND po_date < $2 \
             AND status NOT IN ('shipped', 'cancelled') ORDER BY po_date",
        )
        .bind(store.as_str())
        .bind(PgDate(before))
        .fetch_all(&self.pool)
        .await?;
        Ok(dates.into_iter().map(|d| d.0).collect())
    }

    async fn list_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<Vec<Order>> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT order_id, doc::text AS doc FROM orders");
        push_order_filter(&mut q, account, filter);
        q.push(" ORDER BY order_date DESC, order_id DESC LIMIT ")
            .push_bind(filter.limit.map(i64::from))
            .push(" OFFSET ")
            .push_bind(i64::from(filter.offset.unwrap_or(0)));
        q.build().fetch_all(&self.pool).await?.iter().map(|row| doc_from_row(row, "order_id", "order")).collect()
    }

    async fn count_orders(&self, account: &AccountId, filter: &OrderFilter) -> Result<u64> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM orders");
        push_order_filter(&mut q, account, filter);
        let count: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn write_import_day(&self, account: &AccountId, store: &StoreId, write: ImportDayWrite) -> Result<()> {
        let day = PreparedDay::new(account, store, &write)?;
        let mut tx = self.pool.begin().await?;
        insert_orders(&mut tx, store, &day.new_orders).await?;
        for chunk in day.updated_orders.chunks(ORDERS_PER_STATEMENT) {
            update_orders(&mut tx, account, store, chunk).await?;
        }
        if !day.skipped.is_empty() {
            let s = &day.skipped;
            sqlx::query(
                "INSERT INTO skipped_orders (store_id, account_id, po_number, po_date, order_date, reason, message, \
                 first_seen, last_seen) \
                 SELECT $1, $2, u.po_number, u.po_date, u.order_date, u.reason::jsonb, u.message, u.first_seen, \
                 u.last_seen \
                 FROM UNNEST($3::text[], $4::date[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[], \
                             $9::timestamptz[]) \
                 AS u (po_number, po_date, order_date, reason, message, first_seen, last_seen) \
                 ON CONFLICT (store_id, po_number, po_date) DO UPDATE SET order_date = excluded.order_date, \
                 reason = excluded.reason, message = excluded.message, last_seen = excluded.last_seen",
            )
            .bind(store.as_str())
            .bind(account.as_str())
            .bind(s.iter().map(|p| p.skipped.po_number.as_str()).collect::<Vec<_>>())
            .bind(s.iter().map(|p| PgDate(p.skipped.po_date)).collect::<Vec<_>>())
            .bind(s.iter().map(|p| p.skipped.order_date.map(PgInstant)).collect::<Vec<_>>())
            .bind(s.iter().map(|p| p.reason.as_str()).collect::<Vec<_>>())
            .bind(s.iter().map(|p| p.skipped.message.as_str()).collect::<Vec<_>>())
            .bind(s.iter().map(|p| PgInstant(p.skipped.first_seen)).collect::<Vec<_>>())
            .bind(s.iter().map(|p| PgInstant(p.skipped.last_seen)).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                let key = detail_of(&e).unwrap_or_else(|| "in this import".into());
                refused(e, "skipped order", &key, Some(("store", store)))
            })?;
        }
        if !day.no_longer_skipped.is_empty() {
            let keys = day.no_longer_skipped;
            sqlx::query(
                "DELETE FROM skipped_orders AS s USING UNNEST($2::text[], $3::date[]) AS k (po_number, po_date) \
                 WHERE s.store_id = $1 AND s.po_number = k.po_number AND s.po_date = k.po_date",
            )
            .bind(store.as_str())
            .bind(keys.iter().map(|k| k.po_number.as_str()).collect::<Vec<_>>())
            .bind(keys.iter().map(|k| PgDate(k.po_date)).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        if !day.new_products.is_empty() {
            let p = &day.new_products;
            sqlx::query(
                "INSERT INTO products (product_id, account_id, sku, modify_date, doc) \
                 SELECT u.product_id, $1, u.sku, u.modify_date, u.doc::jsonb \
                 FROM UNNEST($2::text[], $3::text[], $4::timestamptz[], $5::text[]) \
                 AS u (product_id, sku, modify_date, doc) \
                 ON CONFLICT (account_id, sku) DO NOTHING",
            )
            .bind(account.as_str())
            .bind(p.iter().map(|(p, _)| p.product_id.as_str()).collect::<Vec<_>>())
            .bind(p.iter().map(|(p, _)| p.sku.as_str()).collect::<Vec<_>>())
            .bind(p.iter().map(|(p, _)| PgInstant(p.modify_date)).collect::<Vec<_>>())
            .bind(p.iter().map(|(_, doc)| doc.as_str()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                let key = detail_of(&e).unwrap_or_else(|| "in this import".into());
                refused(e, "product", &key, None)
            })?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn update_order(&self, write: &OrderWrite) -> Result<()> {
        let order = [PreparedOrder::new(write)?];
        let mut tx = self.pool.begin().await?;
        update_orders(&mut tx, &write.order.account_id, &write.order.store_id, &order).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn order_history(&self, account: &AccountId, order: &OrderId) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT h.entry::text AS entry FROM orders o LEFT JOIN order_history h ON h.order_id = o.order_id \
             WHERE o.order_id = $1 AND o.account_id = $2 ORDER BY h.at, h.seq",
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
             WHERE o.order_id = $1 AND o.account_id = $2",
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
            "SELECT product_id, doc::text AS doc FROM products WHERE account_id = $1 AND sku = ANY($2) \
             ORDER BY sku COLLATE \"C\"",
        )
        .bind(account.as_str())
        .bind(skus)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "product_id", "product"))
        .collect()
    }

    async fn get_product_by_sku(&self, account: &AccountId, sku: &str) -> Result<Product> {
        let row = sqlx::query("SELECT product_id, doc::text AS doc FROM products WHERE account_id = $1 AND sku = $2")
            .bind(account.as_str())
            .bind(sku)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("product with SKU", &sku))?;
        doc_from_row(&row, "product_id", "product")
    }

    async fn list_products(&self, account: &AccountId) -> Result<Vec<Product>> {
        sqlx::query(
            "SELECT product_id, doc::text AS doc FROM products WHERE account_id = $1 ORDER BY sku COLLATE \"C\"",
        )
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
        let mut tx = self.pool.begin().await?;
        let (mut inserted, mut updated) = (0, 0);
        for (p, doc) in prepared {
            // A replaced product keeps its id and creation date, which orders and history refer to.
            // `xmax = 0` holds only for a row this statement inserted.
            let was_inserted: bool = sqlx::query_scalar(
                "INSERT INTO products AS p (product_id, account_id, sku, modify_date, doc) \
                 VALUES ($1, $2, $3, $4, $5::jsonb) \
                 ON CONFLICT (account_id, sku) DO UPDATE SET modify_date = excluded.modify_date, \
                 doc = excluded.doc || jsonb_build_object('productId', p.product_id, 'createDate', p.doc -> 'createDate') \
                 RETURNING (xmax = 0)",
            )
            .bind(p.product_id.as_str())
            .bind(account.as_str())
            .bind(p.sku.as_str())
            .bind(PgInstant(p.modify_date))
            .bind(doc)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| refused(e, "product", &p.product_id, Some(("account", account))))?;
            if was_inserted {
                inserted += 1;
            } else {
                updated += 1;
            }
        }
        tx.commit().await?;
        Ok((inserted, updated))
    }

    // --- import runs and skipped orders -----------------------------------------------------------------

    async fn insert_import_run(&self, run: &ImportRun) -> Result<()> {
        let doc = to_json(run, "import run", &run.run_id)?;
        sqlx::query(
            "INSERT INTO import_runs (run_id, account_id, store_id, started_at, outcome, doc) \
             VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        )
        .bind(run.run_id.as_str())
        .bind(run.account_id.as_str())
        .bind(run.store_id.as_str())
        .bind(PgInstant(run.started_at))
        .bind(outcome(run))
        .bind(doc)
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "import run", &run.run_id, Some(("store", &run.store_id))))?;
        Ok(())
    }

    async fn update_import_run(&self, run: &ImportRun) -> Result<()> {
        let doc = to_json(run, "import run", &run.run_id)?;
        let done = sqlx::query(
            "UPDATE import_runs SET started_at = $4, outcome = $5, doc = $6::jsonb \
             WHERE run_id = $1 AND account_id = $2 AND store_id = $3",
        )
        .bind(run.run_id.as_str())
        .bind(run.account_id.as_str())
        .bind(run.store_id.as_str())
        .bind(PgInstant(run.started_at))
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
            "SELECT run_id, doc::text AS doc FROM import_runs \
             WHERE account_id = $1 AND ($2::text IS NULL OR store_id = $2) \
             ORDER BY started_at DESC, run_id DESC LIMIT $3",
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
        let row = sqlx::query("SELECT run_id, doc::text AS doc FROM import_runs WHERE run_id = $1 AND account_id = $2")
            .bind(run.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("import run", run))?;
        doc_from_row(&row, "run_id", "import run")
    }

    async fn list_skipped(&self, account: &AccountId, store: Option<&StoreId>) -> Result<Vec<SkippedOrder>> {
        sqlx::query(
            "SELECT store_id, po_number, po_date, order_date, reason::text AS reason, message, first_seen, last_seen \
             FROM skipped_orders WHERE account_id = $1 AND ($2::text IS NULL OR store_id = $2) \
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
        let max_attempts = i32_of(job.max_attempts, "job max attempts")?;
        // The live job holding the key may finish between the insert and the look-up; then insert again.
        for _ in 0..3 {
            let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO jobs AS j (job_id, kind, unique_key, payload, state, run_at, attempts, max_attempts, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, 'queued', $5, 0, $6, $7, $7) \
                 ON CONFLICT (unique_key) WHERE state <> 'dead' DO NOTHING RETURNING {JOB_COLUMNS}"
            )))
            .bind(id.as_str())
            .bind(job.kind.as_str())
            .bind(job.unique_key.as_deref())
            .bind(payload.as_str())
            .bind(PgInstant(job.run_at))
            .bind(max_attempts)
            .bind(PgInstant(now))
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = inserted {
                return job_from_row(&row);
            }
            if let Some(existing) = self.get_job_by_key(job.unique_key.as_deref().unwrap_or_default()).await? {
                return Ok(existing);
            }
        }
        Err(StorageError::Conflict { what: "job key", key: job.unique_key.clone().unwrap_or_default() })
    }

    async fn claim_job(
        &self,
        worker: &str,
        kinds: &[&str],
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Option<Job>> {
        // A job whose worker vanished on its last allowed attempt is buried rather than run once more.
        sqlx::query(
            "UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, updated_at = $1, \
             last_error = 'the worker running attempt ' || attempts || ' of ' || max_attempts || \
                          ' stopped before finishing (its lease ran out)' \
             WHERE state = 'running' AND locked_until <= $1 AND attempts >= max_attempts AND kind = ANY($2)",
        )
        .bind(PgInstant(now))
        .bind(kinds)
        .execute(&self.pool)
        .await?;
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH next AS ( \
                 SELECT job_id FROM jobs WHERE state <> 'dead' AND kind = ANY($4) \
                 AND ((state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until <= $3)) \
                 ORDER BY run_at, job_id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE jobs AS j SET state = 'running', locked_by = $1, locked_until = $2, attempts = j.attempts + 1, \
             updated_at = $3 FROM next WHERE j.job_id = next.job_id RETURNING {JOB_COLUMNS}"
        )))
        .bind(worker)
        .bind(PgInstant(now + lease))
        .bind(PgInstant(now))
        .bind(kinds)
        .fetch_optional(&self.pool)
        .await?;
        claimed.as_ref().map(job_from_row).transpose()
    }

    async fn extend_lease(&self, job: &JobId, worker: &str, until: Timestamp) -> Result<()> {
        let done =
            sqlx::query("UPDATE jobs SET locked_until = $3 WHERE job_id = $1 AND locked_by = $2 AND state = 'running'")
                .bind(job.as_str())
                .bind(worker)
                .bind(PgInstant(until))
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(job.to_string()));
        }
        Ok(())
    }

    async fn finish_job(&self, job: &JobId, worker: &str, outcome: JobOutcome, now: Timestamp) -> Result<()> {
        const HELD: &str = " WHERE job_id = $1 AND locked_by = $2 AND state = 'running'";
        let query = match &outcome {
            JobOutcome::Completed => {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM jobs{HELD}"))).bind(job.as_str()).bind(worker)
            }
            JobOutcome::Reschedule { run_at, payload } => {
                let payload = payload.as_ref().map(|p| to_json(p, "job payload", job)).transpose()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE jobs SET state = 'queued', run_at = $3, payload = COALESCE($4::jsonb, payload), \
                     attempts = 0, last_error = NULL, locked_by = NULL, locked_until = NULL, updated_at = $5{HELD}"
                )))
                .bind(job.as_str())
                .bind(worker)
                .bind(PgInstant(*run_at))
                .bind(payload)
                .bind(PgInstant(now))
            }
            JobOutcome::Retry { error, retry_at } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
                 run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE $3 END, last_error = $4, \
                 locked_by = NULL, locked_until = NULL, updated_at = $5{HELD}"
            )))
            .bind(job.as_str())
            .bind(worker)
            .bind(PgInstant(*retry_at))
            .bind(error.as_str())
            .bind(PgInstant(now)),
            JobOutcome::Dead { error } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET state = 'dead', last_error = $3, locked_by = NULL, locked_until = NULL, \
                 updated_at = $4{HELD}"
            )))
            .bind(job.as_str())
            .bind(worker)
            .bind(error.as_str())
            .bind(PgInstant(now)),
        };
        let done = query.execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(job.to_string()));
        }
        Ok(())
    }

    async fn get_job_by_key(&self, unique_key: &str) -> Result<Option<Job>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs AS j WHERE j.unique_key = $1 AND j.state <> 'dead'"
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
            "SELECT {JOB_COLUMNS} FROM jobs AS j WHERE j.state = 'dead' \
             ORDER BY j.updated_at DESC, j.job_id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(job_from_row)
        .collect()
    }

    async fn retry_dead_job(&self, job: &JobId, now: Timestamp) -> Result<Job> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs AS j SET state = 'queued', attempts = 0, run_at = $2, locked_by = NULL, locked_until = NULL, \
             updated_at = $2 WHERE j.job_id = $1 AND j.state = 'dead' RETURNING {JOB_COLUMNS}"
        )))
        .bind(job.as_str())
        .bind(PgInstant(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| refused(e, "live job with the key of", job, None))?
        .ok_or_else(|| not_found("dead job", job))?;
        job_from_row(&row)
    }
}
