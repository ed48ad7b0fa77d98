//! The outbox area on PostgreSQL (see `crate::outbox`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_domain::{AccountId, MessageId, OrderId, StoreId};

use super::wire::{PgDate, PgInstant};
use super::{PostgresStore, instant, opt_instant, parse_id, update_orders};
use crate::codec::{PreparedOrder, corrupt, from_json, not_found, refused, to_json};
use crate::outbox::{
    AlertRecord, CustomerRequestRecord, DueMessages, EmailTemplate, MessageWrite, OutboxStore, REQUEUEABLE_STATES,
    RequestFilter, kind_str, parse_kind, parse_request_kind, parse_state, state_str,
};
use crate::{OrderWrite, Result, StorageError};

const MESSAGE_COLUMNS: &str = "message_id, account_id, store_id, order_id, kind, state, dedupe_key, \
     payload::text AS payload, attempts, next_attempt_at, last_error, external_id, created_at, updated_at";

const INSERT_COLUMNS: &str = "message_id, account_id, store_id, order_id, kind, state, dedupe_key, payload, attempts, \
     next_attempt_at, last_error, external_id, created_at, updated_at";

fn message_from_row(row: &PgRow) -> Result<OutboxMessage> {
    let id: String = row.try_get("message_id")?;
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let attempts: i32 = row.try_get("attempts")?;
    Ok(OutboxMessage {
        message_id: parse_id(&id, "message")?,
        account_id: parse_id(&row.try_get::<String, _>("account_id")?, "account")?,
        store_id: parse_id(&row.try_get::<String, _>("store_id")?, "store")?,
        order_id: parse_id(&row.try_get::<String, _>("order_id")?, "order")?,
        kind: parse_kind(&kind).ok_or_else(|| corrupt("message", &id, format_args!("unknown kind {kind:?}")))?,
        state: parse_state(&state).ok_or_else(|| corrupt("message", &id, format_args!("unknown state {state:?}")))?,
        dedupe_key: row.try_get("dedupe_key")?,
        payload: from_json(&row.try_get::<String, _>("payload")?, "message", &id)?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("message", &id, e))?,
        next_attempt_at: instant(row, "next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        external_id: row.try_get("external_id")?,
        create_date: instant(row, "created_at")?,
        modify_date: instant(row, "updated_at")?,
    })
}

fn i32_of(n: u32, what: &'static str, key: &dyn std::fmt::Display) -> Result<i32> {
    i32::try_from(n).map_err(|_| StorageError::InvalidWrite {
        what,
        key: key.to_string(),
        detail: format!("{n} is larger than the database stores"),
    })
}

/// Queues messages inside the caller's transaction, with the semantics of `OutboxStore::queue_messages`.
/// The shipping area calls this from its own write so that a shipment and its messages commit together.
pub(crate) async fn queue_in_tx(tx: &mut Transaction<'static, Postgres>, messages: &[OutboxMessage]) -> Result<()> {
    for m in messages {
        let payload = to_json(&m.payload, "message", &m.message_id)?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO outbox AS o ({INSERT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (dedupe_key) DO UPDATE SET state = excluded.state, payload = excluded.payload, \
             attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, \
             last_error = excluded.last_error, external_id = excluded.external_id, updated_at = excluded.updated_at \
             WHERE o.state IN {REQUEUEABLE_STATES}"
        )))
        .bind(m.message_id.as_str())
        .bind(m.account_id.as_str())
        .bind(m.store_id.as_str())
        .bind(m.order_id.as_str())
        .bind(kind_str(m.kind))
        .bind(state_str(m.state))
        .bind(m.dedupe_key.as_str())
        .bind(payload)
        .bind(i32_of(m.attempts, "message", &m.message_id)?)
        .bind(PgInstant(m.next_attempt_at))
        .bind(m.last_error.as_deref())
        .bind(m.external_id.as_deref())
        .bind(PgInstant(m.create_date))
        .bind(PgInstant(m.modify_date))
        .execute(&mut **tx)
        .await
        .map_err(|e| refused(e, "message", &m.dedupe_key, Some(("order", &m.order_id))))?;
    }
    Ok(())
}

/// Updates orders of possibly several stores: the shared order writer takes one store at a time.
async fn update_orders_of_any_store(tx: &mut Transaction<'static, Postgres>, orders: &[OrderWrite]) -> Result<()> {
    let mut by_store: BTreeMap<(&AccountId, &StoreId), Vec<PreparedOrder<'_>>> = BTreeMap::new();
    for write in orders {
        by_store.entry((&write.order.account_id, &write.order.store_id)).or_default().push(PreparedOrder::new(write)?);
    }
    for ((account, store), prepared) in by_store {
        update_orders(tx, account, store, &prepared).await?;
    }
    Ok(())
}

fn push_in(q: &mut QueryBuilder<Postgres>, column: &str, values: impl IntoIterator<Item = &'static str>) {
    q.push(format_args!(" AND {column} IN ("));
    let mut list = q.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    list.push_unseparated(")");
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn queue_messages(
        &self,
        messages: &[OutboxMessage],
        order: Option<&OrderWrite>,
    ) -> Result<Vec<OutboxMessage>> {
        let mut tx = self.pool.begin().await?;
        if let Some(order) = order {
            update_orders_of_any_store(&mut tx, std::slice::from_ref(order)).await?;
        }
        queue_in_tx(&mut tx, messages).await?;
        let mut stored = Vec::with_capacity(messages.len());
        for m in messages {
            let row =
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE dedupe_key = $1")))
                    .bind(m.dedupe_key.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
            stored.push(message_from_row(&row)?);
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn get_message(&self, account: &AccountId, message: &MessageId) -> Result<OutboxMessage> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE message_id = $1 AND account_id = $2"
        )))
        .bind(message.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("message", message))?;
        message_from_row(&row)
    }

    async fn order_messages(&self, account: &AccountId, order: &OrderId) -> Result<Vec<OutboxMessage>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE order_id = $1 AND account_id = $2 \
             ORDER BY created_at, message_id"
        )))
        .bind(order.as_str())
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(message_from_row)
        .collect()
    }

    async fn due_messages(&self, query: &DueMessages) -> Result<Vec<OutboxMessage>> {
        if query.kinds.is_empty() || query.states.is_empty() {
            return Ok(vec![]);
        }
        let mut q =
            QueryBuilder::<Postgres>::new(format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE next_attempt_at <= "));
        q.push_bind(PgInstant(query.due_at));
        if let Some(store) = &query.store {
            q.push(" AND store_id = ").push_bind(store.to_string());
        }
        push_in(&mut q, "kind", query.kinds.iter().map(|k| kind_str(*k)));
        push_in(&mut q, "state", query.states.iter().map(|s| state_str(*s)));
        q.push(" ORDER BY next_attempt_at, message_id LIMIT ").push_bind(i64::from(query.limit));
        q.build().fetch_all(&self.pool).await?.iter().map(message_from_row).collect()
    }

    async fn next_due_at(&self, store: Option<&StoreId>, kinds: &[MessageKind]) -> Result<Option<Timestamp>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut q =
            QueryBuilder::<Postgres>::new("SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('pending', 'sent')");
        if let Some(store) = store {
            q.push(" AND store_id = ").push_bind(store.to_string());
        }
        push_in(&mut q, "kind", kinds.iter().map(|k| kind_str(*k)));
        let next: Option<PgInstant> = q.build_query_scalar().fetch_one(&self.pool).await?;
        Ok(next.map(|t| t.0))
    }

    async fn messages_with_external_id(&self, store: &StoreId, external_id: &str) -> Result<Vec<OutboxMessage>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE external_id = $1 AND store_id = $2 \
             ORDER BY created_at, message_id"
        )))
        .bind(external_id)
        .bind(store.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(message_from_row)
        .collect()
    }

    async fn save_deliveries(&self, messages: &[MessageWrite], orders: &[OrderWrite]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for write in messages {
            let m = &write.message;
            let updated = sqlx::query(
                "UPDATE outbox SET state = $2, payload = $3::jsonb, attempts = $4, next_attempt_at = $5, \
                 last_error = $6, external_id = $7, updated_at = $8 \
                 WHERE message_id = $1 AND account_id = $9 AND updated_at = $10",
            )
            .bind(m.message_id.as_str())
            .bind(state_str(m.state))
            .bind(to_json(&m.payload, "message", &m.message_id)?)
            .bind(i32_of(m.attempts, "message", &m.message_id)?)
            .bind(PgInstant(m.next_attempt_at))
            .bind(m.last_error.as_deref())
            .bind(m.external_id.as_deref())
            .bind(PgInstant(m.modify_date))
            .bind(m.account_id.as_str())
            .bind(PgInstant(write.expected_modify_date))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                let exists = sqlx::query("SELECT 1 FROM outbox WHERE message_id = $1 AND account_id = $2")
                    .bind(m.message_id.as_str())
                    .bind(m.account_id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                return Err(if exists {
                    StorageError::Conflict { what: "message", key: m.message_id.to_string() }
                } else {
                    not_found("message", &m.message_id)
                });
            }
        }
        update_orders_of_any_store(&mut tx, orders).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn messages_in_states(
        &self,
        account: &AccountId,
        kinds: &[MessageKind],
        states: &[MessageState],
        limit: u32,
    ) -> Result<Vec<OutboxMessage>> {
        if kinds.is_empty() || states.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE account_id = "));
        q.push_bind(account.to_string());
        push_in(&mut q, "kind", kinds.iter().map(|k| kind_str(*k)));
        push_in(&mut q, "state", states.iter().map(|s| state_str(*s)));
        q.push(" ORDER BY updated_at DESC, message_id DESC LIMIT ").push_bind(i64::from(limit));
        q.build().fetch_all(&self.pool).await?.iter().map(message_from_row).collect()
    }

    async fn count_messages(&self, account: &AccountId, kinds: &[MessageKind], states: &[MessageState]) -> Result<u64> {
        if kinds.is_empty() || states.is_empty() {
            return Ok(0);
        }
        let mut q = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM outbox WHERE account_id = ");
        q.push_bind(account.to_string());
        push_in(&mut q, "kind", kinds.iter().map(|k| kind_str(*k)));
        push_in(&mut q, "state", states.iter().map(|s| state_str(*s)));
        let count: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn email_template(
        &self,
        account: &AccountId,
        store: &StoreId,
        kind: MessageKind,
    ) -> Result<Option<EmailTemplate>> {
        let row = sqlx::query(
            "SELECT subject, html, text, modify_date FROM email_templates \
             WHERE store_id = $1 AND kind = $2 AND account_id = $3",
        )
        .bind(store.as_str())
        .bind(kind_str(kind))
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(EmailTemplate {
                account_id: account.clone(),
                store_id: store.clone(),
                kind,
                subject: row.try_get("subject")?,
                html: row.try_get("html")?,
                text: row.try_get("text")?,
                modify_date: instant(&row, "modify_date")?,
            })
        })
        .transpose()
    }

    async fn put_email_template(&self, t: &EmailTemplate) -> Result<()> {
        let written = sqlx::query(
            "INSERT INTO email_templates AS t (store_id, kind, account_id, subject, html, text, modify_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (store_id, kind) DO UPDATE SET \
             subject = excluded.subject, html = excluded.html, text = excluded.text, modify_date = excluded.modify_date \
             WHERE t.account_id = excluded.account_id",
        )
        .bind(t.store_id.as_str())
        .bind(kind_str(t.kind))
        .bind(t.account_id.as_str())
        .bind(t.subject.as_str())
        .bind(t.html.as_str())
        .bind(t.text.as_str())
        .bind(PgInstant(t.modify_date))
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "e-mail template", &t.store_id, Some(("store", &t.store_id))))?;
        // The store is another account's: its template is left alone.
        if written.rows_affected() == 0 {
            return Err(not_found("store", &t.store_id));
        }
        Ok(())
    }

    async fn delete_email_template(&self, account: &AccountId, store: &StoreId, kind: MessageKind) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM email_templates WHERE store_id = $1 AND kind = $2 AND account_id = $3")
            .bind(store.as_str())
            .bind(kind_str(kind))
            .bind(account.as_str())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn save_customer_requests(&self, requests: &[CustomerRequestRecord], orders: &[OrderWrite]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for r in requests {
            sqlx::query(
                "INSERT INTO customer_requests AS c (store_id, kind, request_id, line_number, account_id, order_id, \
                 po_number, po_date, quantity, status, reason, request_date, customer_comments, first_seen, last_seen) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                 ON CONFLICT (store_id, kind, request_id, line_number) DO UPDATE SET order_id = excluded.order_id, \
                 po_number = excluded.po_number, po_date = excluded.po_date, quantity = excluded.quantity, \
                 status = excluded.status, reason = excluded.reason, request_date = excluded.request_date, \
                 customer_comments = excluded.customer_comments, last_seen = excluded.last_seen \
                 WHERE c.account_id = excluded.account_id",
            )
            .bind(r.store_id.as_str())
            .bind(r.kind.as_str())
            .bind(r.request_id.as_str())
            .bind(i32_of(r.line_number, "customer request", &r.request_id)?)
            .bind(r.account_id.as_str())
            .bind(r.order_id.as_ref().map(|o| o.as_str()))
            .bind(r.po_number.as_str())
            .bind(PgDate(r.po_date))
            .bind(i32_of(r.quantity, "customer request", &r.request_id)?)
            .bind(r.status.as_str())
            .bind(r.reason.as_str())
            .bind(r.request_date.map(PgDate))
            .bind(r.customer_comments.as_deref())
            .bind(PgInstant(r.first_seen))
            .bind(PgInstant(r.last_seen))
            .execute(&mut *tx)
            .await
            .map_err(|e| refused(e, "customer request", &r.request_id, Some(("store or order", &r.store_id))))?;
        }
        update_orders_of_any_store(&mut tx, orders).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn customer_requests(
        &self,
        account: &AccountId,
        filter: &RequestFilter,
    ) -> Result<Vec<CustomerRequestRecord>> {
        let mut q = QueryBuilder::<Postgres>::new(
            "SELECT store_id, kind, request_id, line_number, order_id, po_number, po_date, quantity, status, reason, \
             request_date, customer_comments, first_seen, last_seen FROM customer_requests WHERE account_id = ",
        );
        q.push_bind(account.to_string());
        if let Some(kind) = filter.kind {
            q.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(store) = &filter.store {
            q.push(" AND store_id = ").push_bind(store.to_string());
        }
        if let Some(order) = &filter.order {
            q.push(" AND order_id = ").push_bind(order.to_string());
        }
        if !filter.statuses.is_empty() {
            q.push(" AND UPPER(status) IN (");
            let mut list = q.separated(", ");
            for status in &filter.statuses {
                list.push_bind(status.to_uppercase());
            }
            list.push_unseparated(")");
        }
        q.push(" ORDER BY request_date DESC NULLS LAST, first_seen DESC, request_id, line_number");
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let request_id: String = row.try_get("request_id")?;
                let kind: String = row.try_get("kind")?;
                let line_number: i32 = row.try_get("line_number")?;
                let quantity: i32 = row.try_get("quantity")?;
                let order_id: Option<String> = row.try_get("order_id")?;
                Ok(CustomerRequestRecord {
                    account_id: account.clone(),
                    store_id: parse_id(&row.try_get::<String, _>("store_id")?, "store")?,
                    kind: parse_request_kind(&kind).ok_or_else(|| {
                        corrupt("customer request", &request_id, format_args!("unknown kind {kind:?}"))
                    })?,
                    line_number: u32::try_from(line_number).map_err(|e| corrupt("customer request", &request_id, e))?,
                    order_id: order_id.map(|o| parse_id(&o, "order")).transpose()?,
                    po_number: row.try_get("po_number")?,
                    po_date: row.try_get::<PgDate, _>("po_date")?.0,
                    quantity: u32::try_from(quantity).map_err(|e| corrupt("customer request", &request_id, e))?,
                    status: row.try_get("status")?,
                    reason: row.try_get("reason")?,
                    request_date: row.try_get::<Option<PgDate>, _>("request_date")?.map(|d| d.0),
                    customer_comments: row.try_get("customer_comments")?,
                    first_seen: instant(row, "first_seen")?,
                    last_seen: instant(row, "last_seen")?,
                    request_id,
                })
            })
            .collect()
    }

    async fn alert_records(&self, account: &AccountId) -> Result<Vec<AlertRecord>> {
        let rows = sqlx::query(
            "SELECT alert_key, first_seen, last_sent_at, detail FROM alert_records WHERE account_id = $1 \
             ORDER BY alert_key",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertRecord {
                    account_id: account.clone(),
                    key: row.try_get("alert_key")?,
                    first_seen: instant(row, "first_seen")?,
                    last_sent_at: opt_instant(row, "last_sent_at")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    async fn put_alert_record(&self, r: &AlertRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO alert_records (account_id, alert_key, first_seen, last_sent_at, detail) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, alert_key) DO UPDATE SET \
             first_seen = excluded.first_seen, last_sent_at = excluded.last_sent_at, detail = excluded.detail",
        )
        .bind(r.account_id.as_str())
        .bind(r.key.as_str())
        .bind(PgInstant(r.first_seen))
        .bind(r.last_sent_at.map(PgInstant))
        .bind(r.detail.as_str())
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "alert", &r.key, Some(("account", &r.account_id))))?;
        Ok(())
    }

    async fn delete_alert_record(&self, account: &AccountId, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM alert_records WHERE account_id = $1 AND alert_key = $2")
            .bind(account.as_str())
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
