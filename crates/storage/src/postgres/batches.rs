//! The `batches` area on PostgreSQL. Writes that change which batch holds an order lock the account's row
//! first, so batch creation and re-processing of one account take turns (the unique index on `holds_order`
//! stays the last word).

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use wharf_domain::{AccountId, BatchId, OrderId, StoreId};

use super::wire::PgInstant;
use super::{PostgresStore, instant, opt_instant, parse_id};
use crate::batches::{
    Batch, BatchCounts, BatchOrder, BatchSelection, BatchState, BatchStore, NewBatch, OrderOutcome, OrderResult,
    OrderResultWrite, PrintSettings, ProcessingClaim,
};
use crate::codec::{corrupt, from_json, not_found, refused, to_json};
use crate::{Result, StorageError};

const BATCH_SELECT: &str = "SELECT b.batch_id, b.account_id, b.batch_number, b.state, b.store_id, b.created_at, \
     b.updated_at, b.processed_at, b.archived_at, b.processor, b.processor_until, \
     COUNT(o.order_id) AS n_total, \
     COUNT(o.order_id) FILTER (WHERE o.result = 'pending') AS n_pending, \
     COUNT(o.order_id) FILTER (WHERE o.result = 'invalid') AS n_invalid, \
     COUNT(o.order_id) FILTER (WHERE o.result = 'bought') AS n_bought, \
     COUNT(o.order_id) FILTER (WHERE o.result = 'failed') AS n_failed, \
     COUNT(o.order_id) FILTER (WHERE o.result = 'removed') AS n_removed \
     FROM batches b LEFT JOIN batch_orders o ON o.batch_id = b.batch_id";

const ORDER_COLUMNS: &str =
    "batch_id, order_id, position, result, shipment_id, attempts, outcome::text AS outcome, updated_at";

fn count(row: &PgRow, column: &str, id: &str) -> Result<u32> {
    let n: i64 = row.try_get(column)?;
    u32::try_from(n).map_err(|e| corrupt("batch", &id, e))
}

fn batch_from_row(row: &PgRow) -> Result<Batch> {
    let id: String = row.try_get("batch_id")?;
    let state: String = row.try_get("state")?;
    let number: i32 = row.try_get("batch_number")?;
    let store: Option<String> = row.try_get("store_id")?;
    Ok(Batch {
        batch_id: parse_id(&id, "batch")?,
        account_id: parse_id(&row.try_get::<String, _>("account_id")?, "account")?,
        number: u32::try_from(number).map_err(|e| corrupt("batch", &id, e))?,
        state: BatchState::parse(&state).ok_or_else(|| corrupt("batch", &id, format_args!("state {state:?}")))?,
        store_id: store.map(|s| parse_id(&s, "store")).transpose()?,
        created_at: instant(row, "created_at")?,
        updated_at: instant(row, "updated_at")?,
        processed_at: opt_instant(row, "processed_at")?,
        archived_at: opt_instant(row, "archived_at")?,
        processor: row.try_get("processor")?,
        processor_until: opt_instant(row, "processor_until")?,
        counts: BatchCounts {
            total: count(row, "n_total", &id)?,
            pending: count(row, "n_pending", &id)?,
            invalid: count(row, "n_invalid", &id)?,
            bought: count(row, "n_bought", &id)?,
            failed: count(row, "n_failed", &id)?,
            removed: count(row, "n_removed", &id)?,
        },
    })
}

fn batch_order_from_row(row: &PgRow) -> Result<BatchOrder> {
    let batch: String = row.try_get("batch_id")?;
    let order: String = row.try_get("order_id")?;
    let result: String = row.try_get("result")?;
    let position: i32 = row.try_get("position")?;
    let attempts: i32 = row.try_get("attempts")?;
    let shipment: Option<String> = row.try_get("shipment_id")?;
    let key = format!("{order} in {batch}");
    Ok(BatchOrder {
        batch_id: parse_id(&batch, "batch")?,
        order_id: parse_id(&order, "order")?,
        position: u32::try_from(position).map_err(|e| corrupt("batch order", &key, e))?,
        result: OrderResult::parse(&result)
            .ok_or_else(|| corrupt("batch order", &key, format_args!("result {result:?}")))?,
        shipment_id: shipment.map(|s| parse_id(&s, "shipment")).transpose()?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("batch order", &key, e))?,
        outcome: from_json(&row.try_get::<String, _>("outcome")?, "batch order", &key)?,
        updated_at: instant(row, "updated_at")?,
    })
}

fn scope(store: Option<&StoreId>) -> &str {
    store.map_or("", StoreId::as_str)
}

fn removed_outcome(current: &str, reason: &str, key: &dyn std::fmt::Display) -> Result<String> {
    let mut outcome: OrderOutcome = from_json(current, "batch order", key)?;
    outcome.removed_reason = Some(reason.to_owned());
    to_json(&outcome, "batch order", key)
}

/// Takes the account's row lock for the rest of the transaction (batch numbers and order holds of one
/// account change one transaction at a time).
async fn lock_account(tx: &mut Transaction<'static, Postgres>, account: &AccountId) -> Result<()> {
    sqlx::query_scalar::<_, i32>("SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE")
        .bind(account.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found("account", account))?;
    Ok(())
}

impl PostgresStore {
    async fn batch_by(&self, account: &AccountId, filter: &str, value: &str) -> Result<Option<Batch>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{BATCH_SELECT} WHERE b.account_id = $1 AND {filter} = $2 GROUP BY b.batch_id"
        )))
        .bind(account.as_str())
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(batch_from_row).transpose()
    }
}

#[async_trait]
impl BatchStore for PostgresStore {
    async fn create_batch(&self, batch: &NewBatch) -> Result<Option<Batch>> {
        let id = batch.batch_id.as_str();
        let account = batch.account_id.as_str();
        let now = PgInstant(batch.created_at);
        let mut tx = self.pool.begin().await?;
        lock_account(&mut tx, &batch.account_id).await?;
        let number: i32 =
            sqlx::query_scalar("SELECT COALESCE(MAX(batch_number), 0) + 1 FROM batches WHERE account_id = $1")
                .bind(account)
                .fetch_one(&mut *tx)
                .await?;
        let store = match &batch.selection {
            BatchSelection::Matching { store_id, .. } => store_id.as_ref().map(StoreId::as_str),
            BatchSelection::Orders(_) => None,
        };
        sqlx::query(
            "INSERT INTO batches (batch_id, account_id, batch_number, state, store_id, created_at, updated_at) \
             VALUES ($1, $2, $3, 'open', $4, $5, $5)",
        )
        .bind(id)
        .bind(account)
        .bind(number)
        .bind(store)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| refused(e, "batch", &batch.batch_id, Some(("account", &batch.account_id))))?;
        const NOT_HELD: &str =
            "NOT EXISTS (SELECT 1 FROM batch_orders h WHERE h.order_id = o.order_id AND h.holds_order)";
        const ON_CONFLICT: &str = "ON CONFLICT (order_id) WHERE holds_order DO NOTHING";
        let added = match &batch.selection {
            BatchSelection::Matching { status, store_id, limit } => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO batch_orders (batch_id, order_id, account_id, position, result, holds_order, \
                     attempts, outcome, updated_at) \
                     SELECT $1, o.order_id, o.account_id, \
                     (ROW_NUMBER() OVER (ORDER BY o.order_date, o.order_id) - 1)::integer, \
                     'pending', TRUE, 0, '{{}}'::jsonb, $2 FROM orders o \
                     WHERE o.account_id = $3 AND o.status = $4 AND ($5::text IS NULL OR o.store_id = $5) AND {NOT_HELD} \
                     ORDER BY o.order_date, o.order_id LIMIT $6 {ON_CONFLICT}"
                )))
                .bind(id)
                .bind(now)
                .bind(account)
                .bind(status.as_str())
                .bind(store_id.as_ref().map(StoreId::as_str))
                .bind(limit.map(i64::from))
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            BatchSelection::Orders(orders) => {
                let ids: Vec<&str> = orders.iter().map(OrderId::as_str).collect();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO batch_orders (batch_id, order_id, account_id, position, result, holds_order, \
                     attempts, outcome, updated_at) \
                     SELECT DISTINCT ON (o.order_id) $1, o.order_id, o.account_id, (wanted.n - 1)::integer, \
                     'pending', TRUE, 0, '{{}}'::jsonb, $2 \
                     FROM UNNEST($3::text[]) WITH ORDINALITY AS wanted (order_id, n) \
                     JOIN orders o ON o.order_id = wanted.order_id \
                     WHERE o.account_id = $4 AND {NOT_HELD} ORDER BY o.order_id, wanted.n {ON_CONFLICT}"
                )))
                .bind(id)
                .bind(now)
                .bind(ids)
                .bind(account)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
        };
        if added == 0 {
            return Ok(None);
        }
        tx.commit().await?;
        self.batch_by(&batch.account_id, "b.batch_id", id).await
    }

    async fn get_batch(&self, account: &AccountId, batch: &BatchId) -> Result<Batch> {
        self.batch_by(account, "b.batch_id", batch.as_str()).await?.ok_or_else(|| not_found("batch", batch))
    }

    async fn find_batch(&self, account: &AccountId, id_or_number: &str) -> Result<Batch> {
        let key = id_or_number.trim();
        let found = if let Ok(id) = key.parse::<BatchId>() {
            self.batch_by(account, "b.batch_id", id.as_str()).await?
        } else if let Ok(number) = key.trim_start_matches('#').parse::<u32>() {
            self.batch_by(account, "b.batch_number::text", &number.to_string()).await?
        } else {
            None
        };
        found.ok_or_else(|| not_found("batch", &key))
    }

    async fn list_batches(&self, account: &AccountId, states: &[BatchState], limit: u32) -> Result<Vec<Batch>> {
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{BATCH_SELECT} WHERE b.account_id = $1 AND (cardinality($2::text[]) = 0 OR b.state = ANY($2)) \
             GROUP BY b.batch_id ORDER BY b.batch_number DESC LIMIT $3"
        )))
        .bind(account.as_str())
        .bind(states)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(batch_from_row).collect()
    }

    async fn batch_orders(&self, account: &AccountId, batch: &BatchId) -> Result<Vec<BatchOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM batch_orders WHERE batch_id = $1 AND account_id = $2 ORDER BY position, order_id"
        )))
        .bind(batch.as_str())
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            self.get_batch(account, batch).await?;
        }
        rows.iter().map(batch_order_from_row).collect()
    }

    async fn record_order_result(
        &self,
        account: &AccountId,
        batch: &BatchId,
        write: &OrderResultWrite,
        now: Timestamp,
    ) -> Result<BatchOrder> {
        let key = format!("{} in {batch}", write.order_id);
        let outcome = to_json(&write.outcome, "batch order", &key)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE batch_orders SET result = $4, outcome = $5::jsonb, shipment_id = $6, attempts = attempts + $7, \
             holds_order = CASE WHEN $4 = 'removed' THEN FALSE ELSE holds_order END, updated_at = $8 \
             WHERE batch_id = $1 AND order_id = $2 AND account_id = $3 AND result <> 'bought' \
             RETURNING {ORDER_COLUMNS}"
        )))
        .bind(batch.as_str())
        .bind(write.order_id.as_str())
        .bind(account.as_str())
        .bind(write.result.as_str())
        .bind(outcome)
        .bind(write.shipment_id.as_ref().map(|s| s.as_str()))
        .bind(i32::from(write.attempted))
        .bind(PgInstant(now))
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return batch_order_from_row(&row);
        }
        let bought: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM batch_orders WHERE batch_id = $1 AND order_id = $2 AND account_id = $3 AND result = 'bought'",
        )
        .bind(batch.as_str())
        .bind(write.order_id.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Err(match bought {
            Some(_) => StorageError::InvalidWrite {
                what: "batch order",
                key,
                detail: "its label was already bought in this batch, and a bought order's result never changes".into(),
            },
            None => not_found("batch order", &key),
        })
    }

    async fn start_processing(
        &self,
        account: &AccountId,
        batch: &BatchId,
        processor: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<ProcessingClaim> {
        let mut tx = self.pool.begin().await?;
        lock_account(&mut tx, account).await?;
        let row = sqlx::query(
            "SELECT state, processor, processor_until FROM batches WHERE batch_id = $1 AND account_id = $2 FOR UPDATE",
        )
        .bind(batch.as_str())
        .bind(account.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| not_found("batch", batch))?;
        let state: String = row.try_get("state")?;
        let holder: Option<String> = row.try_get("processor")?;
        let holder_until = opt_instant(&row, "processor_until")?;
        match BatchState::parse(&state) {
            Some(BatchState::Archived) => {
                return Err(StorageError::InvalidWrite {
                    what: "batch",
                    key: batch.to_string(),
                    detail: "it is archived; create a new batch for the orders that still need labels".into(),
                });
            }
            Some(BatchState::Processing) => {
                if let (Some(holder), Some(until)) = (holder, holder_until)
                    && holder != processor
                    && until > now
                {
                    return Ok(ProcessingClaim::Busy { processor: holder, until });
                }
            }
            Some(_) => {}
            None => return Err(corrupt("batch", batch, format_args!("state {state:?}"))),
        }
        sqlx::query(
            "UPDATE batches SET state = 'processing', processor = $2, processor_until = $3, updated_at = $4 \
             WHERE batch_id = $1",
        )
        .bind(batch.as_str())
        .bind(processor)
        .bind(PgInstant(until))
        .bind(PgInstant(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE batch_orders AS o SET holds_order = TRUE WHERE o.batch_id = $1 AND o.result <> 'removed' \
             AND NOT o.holds_order \
             AND NOT EXISTS (SELECT 1 FROM batch_orders h WHERE h.order_id = o.order_id AND h.holds_order)",
        )
        .bind(batch.as_str())
        .execute(&mut *tx)
        .await?;
        let taken = sqlx::query(
            "SELECT o.order_id, o.outcome::text AS outcome, (SELECT b.batch_number FROM batch_orders h \
             JOIN batches b ON b.batch_id = h.batch_id WHERE h.order_id = o.order_id AND h.holds_order) AS other \
             FROM batch_orders o WHERE o.batch_id = $1 AND NOT o.holds_order \
             AND o.result IN ('pending', 'invalid', 'failed')",
        )
        .bind(batch.as_str())
        .fetch_all(&mut *tx)
        .await?;
        for row in taken {
            let order: String = row.try_get("order_id")?;
            let other: Option<i32> = row.try_get("other")?;
            let reason = match other {
                Some(n) => format!("the order is now in batch #{n}"),
                None => "the order is now in another batch".to_owned(),
            };
            let key = format!("{order} in {batch}");
            let outcome = removed_outcome(&row.try_get::<String, _>("outcome")?, &reason, &key)?;
            sqlx::query(
                "UPDATE batch_orders SET result = 'removed', outcome = $3::jsonb, updated_at = $4 \
                 WHERE batch_id = $1 AND order_id = $2",
            )
            .bind(batch.as_str())
            .bind(&order)
            .bind(outcome)
            .bind(PgInstant(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(ProcessingClaim::Claimed(self.get_batch(account, batch).await?))
    }

    async fn extend_processing(&self, batch: &BatchId, processor: &str, until: Timestamp) -> Result<()> {
        let done = sqlx::query(
            "UPDATE batches SET processor_until = $3 WHERE batch_id = $1 AND processor = $2 AND state = 'processing'",
        )
        .bind(batch.as_str())
        .bind(processor)
        .bind(PgInstant(until))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(batch.to_string()));
        }
        Ok(())
    }

    async fn finish_processing(
        &self,
        account: &AccountId,
        batch: &BatchId,
        processor: &str,
        now: Timestamp,
    ) -> Result<Batch> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE batches SET state = 'processed', processor = NULL, processor_until = NULL, processed_at = $4, \
             updated_at = $4 WHERE batch_id = $1 AND account_id = $2 AND processor = $3 AND state = 'processing'",
        )
        .bind(batch.as_str())
        .bind(account.as_str())
        .bind(processor)
        .bind(PgInstant(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(batch.to_string()));
        }
        sqlx::query("UPDATE batch_orders SET holds_order = FALSE WHERE batch_id = $1")
            .bind(batch.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.get_batch(account, batch).await
    }

    async fn release_processing(&self, batch: &BatchId, processor: &str) -> Result<()> {
        sqlx::query(
            "UPDATE batches SET processor = NULL, processor_until = NULL WHERE batch_id = $1 AND processor = $2",
        )
        .bind(batch.as_str())
        .bind(processor)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn archive_batch(&self, account: &AccountId, batch: &BatchId, now: Timestamp) -> Result<Batch> {
        let mut tx = self.pool.begin().await?;
        let state: String =
            sqlx::query_scalar("SELECT state FROM batches WHERE batch_id = $1 AND account_id = $2 FOR UPDATE")
                .bind(batch.as_str())
                .bind(account.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| not_found("batch", batch))?;
        match BatchState::parse(&state) {
            Some(BatchState::Processing) => {
                return Err(StorageError::InvalidWrite {
                    what: "batch",
                    key: batch.to_string(),
                    detail: "its labels are being bought; archive it once processing has finished".into(),
                });
            }
            Some(BatchState::Archived) => {}
            Some(BatchState::Open | BatchState::Processed) => {
                sqlx::query(
                    "UPDATE batches SET state = 'archived', archived_at = $2, updated_at = $2 WHERE batch_id = $1",
                )
                .bind(batch.as_str())
                .bind(PgInstant(now))
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE batch_orders SET holds_order = FALSE WHERE batch_id = $1")
                    .bind(batch.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            None => return Err(corrupt("batch", batch, format_args!("state {state:?}"))),
        }
        tx.commit().await?;
        self.get_batch(account, batch).await
    }

    async fn remove_from_open_batches(
        &self,
        account: &AccountId,
        order: &OrderId,
        reason: &str,
        now: Timestamp,
    ) -> Result<Vec<BatchId>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT batch_id, outcome::text AS outcome FROM batch_orders \
             WHERE order_id = $1 AND account_id = $2 AND holds_order AND result <> 'bought' FOR UPDATE",
        )
        .bind(order.as_str())
        .bind(account.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut left = Vec::new();
        for row in rows {
            let batch: String = row.try_get("batch_id")?;
            let key = format!("{order} in {batch}");
            let outcome = removed_outcome(&row.try_get::<String, _>("outcome")?, reason, &key)?;
            sqlx::query(
                "UPDATE batch_orders SET result = 'removed', holds_order = FALSE, outcome = $3::jsonb, \
                 updated_at = $4 WHERE batch_id = $1 AND order_id = $2",
            )
            .bind(&batch)
            .bind(order.as_str())
            .bind(outcome)
            .bind(PgInstant(now))
            .execute(&mut *tx)
            .await?;
            left.push(parse_id(&batch, "batch")?);
        }
        tx.commit().await?;
        Ok(left)
    }

    async fn print_settings(&self, account: &AccountId, store: Option<&StoreId>) -> Result<PrintSettings> {
        let settings: Option<String> =
            sqlx::query_scalar("SELECT settings::text FROM print_settings WHERE account_id = $1 AND scope = $2")
                .bind(account.as_str())
                .bind(scope(store))
                .fetch_optional(&self.pool)
                .await?;
        match settings {
            Some(text) => from_json(&text, "print settings", &format_args!("{account}/{}", scope(store))),
            None => Ok(PrintSettings::default()),
        }
    }

    async fn set_print_settings(
        &self,
        account: &AccountId,
        store: Option<&StoreId>,
        settings: &PrintSettings,
        now: Timestamp,
    ) -> Result<()> {
        let key = format!("{account}/{}", scope(store));
        let text = to_json(settings, "print settings", &key)?;
        if let Some(store) = store {
            let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM stores WHERE store_id = $1 AND account_id = $2")
                .bind(store.as_str())
                .bind(account.as_str())
                .fetch_optional(&self.pool)
                .await?;
            if known.is_none() {
                return Err(not_found("store", store));
            }
        }
        sqlx::query(
            "INSERT INTO print_settings (account_id, scope, settings, updated_at) VALUES ($1, $2, $3::jsonb, $4) \
             ON CONFLICT (account_id, scope) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
        )
        .bind(account.as_str())
        .bind(scope(store))
        .bind(text)
        .bind(PgInstant(now))
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "print settings", &key, Some(("account", account))))?;
        Ok(())
    }
}
