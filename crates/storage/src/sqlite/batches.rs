//! The `batches` area on SQLite. Writes that read first run under `BEGIN IMMEDIATE` (see the parent module).

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use wharf_domain::{AccountId, BatchId, OrderId, StoreId};

use super::{SqliteStore, parse_id, parse_opt_ts, parse_ts, ts};
use crate::batches::{
    Batch, BatchCounts, BatchOrder, BatchSelection, BatchState, BatchStore, NewBatch, OrderOutcome, OrderResult,
    OrderResultWrite, PrintSettings, ProcessingClaim,
};
use crate::codec::{corrupt, from_json, not_found, to_json};
use crate::{Result, StorageError};

/// A batch with its counts per result, from one grouped query.
const BATCH_SELECT: &str = "SELECT b.batch_id, b.account_id, b.batch_number, b.state, b.store_id, b.created_at, \
     b.updated_at, b.processed_at, b.archived_at, b.processor, b.processor_until, \
     COUNT(o.order_id) AS n_total, \
     COALESCE(SUM(o.result = 'pending'), 0) AS n_pending, COALESCE(SUM(o.result = 'invalid'), 0) AS n_invalid, \
     COALESCE(SUM(o.result = 'bought'), 0) AS n_bought, COALESCE(SUM(o.result = 'failed'), 0) AS n_failed, \
     COALESCE(SUM(o.result = 'removed'), 0) AS n_removed \
     FROM batches b LEFT JOIN batch_orders o ON o.batch_id = b.batch_id";

const ORDER_COLUMNS: &str = "batch_id, order_id, position, result, shipment_id, attempts, outcome, updated_at";

fn count(row: &SqliteRow, column: &str, id: &str) -> Result<u32> {
    let n: i64 = row.try_get(column)?;
    u32::try_from(n).map_err(|e| corrupt("batch", &id, e))
}

fn batch_from_row(row: &SqliteRow) -> Result<Batch> {
    let id: String = row.try_get("batch_id")?;
    let state: String = row.try_get("state")?;
    let number: i64 = row.try_get("batch_number")?;
    let store: Option<String> = row.try_get("store_id")?;
    Ok(Batch {
        batch_id: parse_id(&id, "batch")?,
        account_id: parse_id(&row.try_get::<String, _>("account_id")?, "account")?,
        number: u32::try_from(number).map_err(|e| corrupt("batch", &id, e))?,
        state: BatchState::parse(&state).ok_or_else(|| corrupt("batch", &id, format_args!("state {state:?}")))?,
        store_id: store.map(|s| parse_id(&s, "store")).transpose()?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?, "batch", &id)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?, "batch", &id)?,
        processed_at: parse_opt_ts(row.try_get("processed_at")?, "batch", &id)?,
        archived_at: parse_opt_ts(row.try_get("archived_at")?, "batch", &id)?,
        processor: row.try_get("processor")?,
        processor_until: parse_opt_ts(row.try_get("processor_until")?, "batch", &id)?,
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

fn batch_order_from_row(row: &SqliteRow) -> Result<BatchOrder> {
    let order: String = row.try_get("order_id")?;
    let result: String = row.try_get("result")?;
    let position: i64 = row.try_get("position")?;
    let attempts: i64 = row.try_get("attempts")?;
    let shipment: Option<String> = row.try_get("shipment_id")?;
    let key = format!("{} in {}", order, row.try_get::<String, _>("batch_id")?);
    Ok(BatchOrder {
        batch_id: parse_id(&row.try_get::<String, _>("batch_id")?, "batch")?,
        order_id: parse_id(&order, "order")?,
        position: u32::try_from(position).map_err(|e| corrupt("batch order", &key, e))?,
        result: OrderResult::parse(&result)
            .ok_or_else(|| corrupt("batch order", &key, format_args!("result {result:?}")))?,
        shipment_id: shipment.map(|s| parse_id(&s, "shipment")).transpose()?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("batch order", &key, e))?,
        outcome: from_json(&row.try_get::<String, _>("outcome")?, "batch order", &key)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?, "batch order", &key)?,
    })
}

/// `''` for the account's own print settings, else the store's id.
fn scope(store: Option<&StoreId>) -> &str {
    store.map_or("", StoreId::as_str)
}

fn removed_outcome(current: &str, reason: &str, key: &dyn std::fmt::Display) -> Result<String> {
    let mut outcome: OrderOutcome = from_json(current, "batch order", key)?;
    outcome.removed_reason = Some(reason.to_owned());
    to_json(&outcome, "batch order", key)
}

impl SqliteStore {
    async fn batch_by(&self, account: &AccountId, column: &str, value: &str) -> Result<Option<Batch>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{BATCH_SELECT} WHERE b.account_id = ?1 AND b.{column} = ?2 GROUP BY b.batch_id"
        )))
        .bind(account.as_str())
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(batch_from_row).transpose()
    }
}

#[async_trait]
impl BatchStore for SqliteStore {
    async fn create_batch(&self, batch: &NewBatch) -> Result<Option<Batch>> {
        let id = batch.batch_id.as_str();
        let account = batch.account_id.as_str();
        let now = ts(batch.created_at);
        let mut w = self.begin_write().await?;
        let number: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(batch_number), 0) + 1 FROM batches WHERE account_id = ?1")
                .bind(account)
                .fetch_one(&mut *w.tx)
                .await?;
        let store = match &batch.selection {
            BatchSelection::Matching { store_id, .. } => store_id.as_ref().map(StoreId::as_str),
            BatchSelection::Orders(_) => None,
        };
        sqlx::query(
            "INSERT INTO batches (batch_id, account_id, batch_number, state, store_id, created_at, updated_at) \
             VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?5)",
        )
        .bind(id)
        .bind(account)
        .bind(number)
        .bind(store)
        .bind(&now)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| crate::codec::refused(e, "batch", &batch.batch_id, Some(("account", &batch.account_id))))?;
        // Orders some open or processing batch holds are left out; the unique index settles any race.
        const NOT_HELD: &str =
            "NOT EXISTS (SELECT 1 FROM batch_orders h WHERE h.order_id = o.order_id AND h.holds_order = 1)";
        let added = match &batch.selection {
            BatchSelection::Matching { status, store_id, limit } => sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT OR IGNORE INTO batch_orders (batch_id, order_id, account_id, position, result, \
                     holds_order, attempts, outcome, updated_at) \
                     SELECT ?1, o.order_id, o.account_id, ROW_NUMBER() OVER (ORDER BY o.order_date, o.order_id) - 1, \
                     'pending', 1, 0, '{{}}', ?2 FROM orders o \
                     WHERE o.account_id = ?3 AND o.status = ?4 AND (?5 IS NULL OR o.store_id = ?5) AND {NOT_HELD} \
                     ORDER BY o.order_date, o.order_id LIMIT ?6"
            )))
            .bind(id)
            .bind(&now)
            .bind(account)
            .bind(status.as_str())
            .bind(store_id.as_ref().map(StoreId::as_str))
            .bind(limit.map_or(-1, i64::from))
            .execute(&mut *w.tx)
            .await?
            .rows_affected(),
            BatchSelection::Orders(orders) => {
                let mut added = 0;
                for (position, order) in orders.iter().enumerate() {
                    added += sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT OR IGNORE INTO batch_orders (batch_id, order_id, account_id, position, result, \
                         holds_order, attempts, outcome, updated_at) \
                         SELECT ?1, o.order_id, o.account_id, ?2, 'pending', 1, 0, '{{}}', ?3 FROM orders o \
                         WHERE o.order_id = ?4 AND o.account_id = ?5 AND {NOT_HELD}"
                    )))
                    .bind(id)
                    .bind(position as i64)
                    .bind(&now)
                    .bind(order.as_str())
                    .bind(account)
                    .execute(&mut *w.tx)
                    .await?
                    .rows_affected();
                }
                added
            }
        };
        if added == 0 {
            // Dropping the transaction rolls the empty batch back.
            return Ok(None);
        }
        w.tx.commit().await?;
        self.batch_by(&batch.account_id, "batch_id", id).await
    }

    async fn get_batch(&self, account: &AccountId, batch: &BatchId) -> Result<Batch> {
        self.batch_by(account, "batch_id", batch.as_str()).await?.ok_or_else(|| not_found("batch", batch))
    }

    async fn find_batch(&self, account: &AccountId, id_or_number: &str) -> Result<Batch> {
        let key = id_or_number.trim();
        let found = if let Ok(id) = key.parse::<BatchId>() {
            self.batch_by(account, "batch_id", id.as_str()).await?
        } else if let Ok(number) = key.trim_start_matches('#').parse::<u32>() {
            self.batch_by(account, "batch_number", &number.to_string()).await?
        } else {
            None
        };
        found.ok_or_else(|| not_found("batch", &key))
    }

    async fn list_batches(&self, account: &AccountId, states: &[BatchState], limit: u32) -> Result<Vec<Batch>> {
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        let states = to_json(&states, "batch states", account)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{BATCH_SELECT} WHERE b.account_id = ?1 \
             AND (json_array_length(?2) = 0 OR b.state IN (SELECT value FROM json_each(?2))) \
             GROUP BY b.batch_id ORDER BY b.batch_number DESC LIMIT ?3"
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
            "SELECT {ORDER_COLUMNS} FROM batch_orders WHERE batch_id = ?1 AND account_id = ?2 ORDER BY position, order_id"
        )))
        .bind(batch.as_str())
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            // An unknown batch is an error; a known one may have lost every order.
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
        let _turn = self.write_turn.lock().await;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE batch_orders SET result = ?4, outcome = ?5, shipment_id = ?6, attempts = attempts + ?7, \
             holds_order = CASE WHEN ?4 = 'removed' THEN 0 ELSE holds_order END, updated_at = ?8 \
             WHERE batch_id = ?1 AND order_id = ?2 AND account_id = ?3 AND result <> 'bought' \
             RETURNING {ORDER_COLUMNS}"
        )))
        .bind(batch.as_str())
        .bind(write.order_id.as_str())
        .bind(account.as_str())
        .bind(write.result.as_str())
        .bind(outcome)
        .bind(write.shipment_id.as_ref().map(|s| s.as_str()))
        .bind(i64::from(write.attempted))
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return batch_order_from_row(&row);
        }
        let bought: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM batch_orders WHERE batch_id = ?1 AND order_id = ?2 AND account_id = ?3 AND result = 'bought'",
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
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT state, processor, processor_until FROM batches WHERE batch_id = ?1 AND account_id = ?2",
        )
        .bind(batch.as_str())
        .bind(account.as_str())
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or_else(|| not_found("batch", batch))?;
        let state: String = row.try_get("state")?;
        let holder: Option<String> = row.try_get("processor")?;
        let holder_until = parse_opt_ts(row.try_get("processor_until")?, "batch", batch)?;
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
            "UPDATE batches SET state = 'processing', processor = ?2, processor_until = ?3, updated_at = ?4 \
             WHERE batch_id = ?1",
        )
        .bind(batch.as_str())
        .bind(processor)
        .bind(ts(until))
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        // Hold the orders again; those another batch took meanwhile leave this one.
        sqlx::query(
            "UPDATE batch_orders SET holds_order = 1 WHERE batch_id = ?1 AND result <> 'removed' AND holds_order = 0 \
             AND NOT EXISTS (SELECT 1 FROM batch_orders h WHERE h.order_id = batch_orders.order_id AND h.holds_order = 1)",
        )
        .bind(batch.as_str())
        .execute(&mut *w.tx)
        .await?;
        let taken = sqlx::query(
            "SELECT o.order_id, o.outcome, (SELECT b.batch_number FROM batch_orders h JOIN batches b \
             ON b.batch_id = h.batch_id WHERE h.order_id = o.order_id AND h.holds_order = 1) AS other \
             FROM batch_orders o WHERE o.batch_id = ?1 AND o.holds_order = 0 \
             AND o.result IN ('pending', 'invalid', 'failed')",
        )
        .bind(batch.as_str())
        .fetch_all(&mut *w.tx)
        .await?;
        for row in taken {
            let order: String = row.try_get("order_id")?;
            let other: Option<i64> = row.try_get("other")?;
            let reason = match other {
                Some(n) => format!("the order is now in batch #{n}"),
                None => "the order is now in another batch".to_owned(),
            };
            let key = format!("{order} in {batch}");
            let outcome = removed_outcome(&row.try_get::<String, _>("outcome")?, &reason, &key)?;
            sqlx::query(
                "UPDATE batch_orders SET result = 'removed', outcome = ?3, updated_at = ?4 \
                 WHERE batch_id = ?1 AND order_id = ?2",
            )
            .bind(batch.as_str())
            .bind(&order)
            .bind(outcome)
            .bind(ts(now))
            .execute(&mut *w.tx)
            .await?;
        }
        w.tx.commit().await?;
        Ok(ProcessingClaim::Claimed(self.get_batch(account, batch).await?))
    }

    async fn extend_processing(&self, batch: &BatchId, processor: &str, until: Timestamp) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        let done = sqlx::query(
            "UPDATE batches SET processor_until = ?3 WHERE batch_id = ?1 AND processor = ?2 AND state = 'processing'",
        )
        .bind(batch.as_str())
        .bind(processor)
        .bind(ts(until))
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
        let mut w = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE batches SET state = 'processed', processor = NULL, processor_until = NULL, processed_at = ?4, \
             updated_at = ?4 WHERE batch_id = ?1 AND account_id = ?2 AND processor = ?3 AND state = 'processing'",
        )
        .bind(batch.as_str())
        .bind(account.as_str())
        .bind(processor)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::LeaseLost(batch.to_string()));
        }
        sqlx::query("UPDATE batch_orders SET holds_order = 0 WHERE batch_id = ?1")
            .bind(batch.as_str())
            .execute(&mut *w.tx)
            .await?;
        w.tx.commit().await?;
        self.get_batch(account, batch).await
    }

    async fn release_processing(&self, batch: &BatchId, processor: &str) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "UPDATE batches SET processor = NULL, processor_until = NULL WHERE batch_id = ?1 AND processor = ?2",
        )
        .bind(batch.as_str())
        .bind(processor)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn archive_batch(&self, account: &AccountId, batch: &BatchId, now: Timestamp) -> Result<Batch> {
        let mut w = self.begin_write().await?;
        let state: String = sqlx::query_scalar("SELECT state FROM batches WHERE batch_id = ?1 AND account_id = ?2")
            .bind(batch.as_str())
            .bind(account.as_str())
            .fetch_optional(&mut *w.tx)
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
                    "UPDATE batches SET state = 'archived', archived_at = ?2, updated_at = ?2 WHERE batch_id = ?1",
                )
                .bind(batch.as_str())
                .bind(ts(now))
                .execute(&mut *w.tx)
                .await?;
                sqlx::query("UPDATE batch_orders SET holds_order = 0 WHERE batch_id = ?1")
                    .bind(batch.as_str())
                    .execute(&mut *w.tx)
                    .await?;
            }
            None => return Err(corrupt("batch", batch, format_args!("state {state:?}"))),
        }
        w.tx.commit().await?;
        self.get_batch(account, batch).await
    }

    async fn remove_from_open_batches(
        &self,
        account: &AccountId,
        order: &OrderId,
        reason: &str,
        now: Timestamp,
    ) -> Result<Vec<BatchId>> {
        let mut w = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT batch_id, outcome FROM batch_orders \
             WHERE order_id = ?1 AND account_id = ?2 AND holds_order = 1 AND result <> 'bought'",
        )
        .bind(order.as_str())
        .bind(account.as_str())
        .fetch_all(&mut *w.tx)
        .await?;
        let mut left = Vec::new();
        for row in rows {
            let batch: String = row.try_get("batch_id")?;
            let key = format!("{order} in {batch}");
            let outcome = removed_outcome(&row.try_get::<String, _>("outcome")?, reason, &key)?;
            sqlx::query(
                "UPDATE batch_orders SET result = 'removed', holds_order = 0, outcome = ?3, updated_at = ?4 \
                 WHERE batch_id = ?1 AND order_id = ?2",
            )
            .bind(&batch)
            .bind(order.as_str())
            .bind(outcome)
            .bind(ts(now))
            .execute(&mut *w.tx)
            .await?;
            left.push(parse_id(&batch, "batch")?);
        }
        w.tx.commit().await?;
        Ok(left)
    }

    async fn print_settings(&self, account: &AccountId, store: Option<&StoreId>) -> Result<PrintSettings> {
        let settings: Option<String> =
            sqlx::query_scalar("SELECT settings FROM print_settings WHERE account_id = ?1 AND scope = ?2")
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
        let mut w = self.begin_write().await?;
        if let Some(store) = store {
            let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM stores WHERE store_id = ?1 AND account_id = ?2")
                .bind(store.as_str())
                .bind(account.as_str())
                .fetch_optional(&mut *w.tx)
                .await?;
            if known.is_none() {
                return Err(not_found("store", store));
            }
        }
        sqlx::query(
            "INSERT INTO print_settings (account_id, scope, settings, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (account_id, scope) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
        )
        .bind(account.as_str())
        .bind(scope(store))
        .bind(text)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await
        .map_err(|e| crate::codec::refused(e, "print settings", &key, Some(("account", account))))?;
        w.tx.commit().await?;
        Ok(())
    }
}
