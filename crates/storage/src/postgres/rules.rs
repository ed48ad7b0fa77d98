//! The automation area on PostgreSQL. A rule-set save is one transaction whose first statement moves the
//! set's revision (a row lock: a concurrent save waits, then finds the revision moved and conflicts). Order
//! batches reuse the import's multi-row `UNNEST` update, one statement per store and thousand orders.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use wharf_domain::automation::Rule;
use wharf_domain::{AccountId, Order, OrderId, StoreId};

use super::wire::{PgDate, PgInstant};
use super::{ORDERS_PER_STATEMENT, PostgresStore, instant, update_orders};
use crate::codec::{PreparedOrder, corrupt, from_json, refused};
use crate::rules::{
    OpenOrderPage, RULE_SET, RuleSet, RuleStore, StoredRule, decode_orders, prepare_orders, prepare_rules,
};
use crate::{OrderWrite, Result, StorageError};

fn stored_rule_from_row(row: &PgRow) -> Result<StoredRule> {
    let id: String = row.try_get("rule_id")?;
    Ok(StoredRule {
        rule: from_json(&row.try_get::<String, _>("doc")?, "rule", &id)?,
        create_date: instant(row, "create_date")?,
        modify_date: instant(row, "modify_date")?,
    })
}

fn orders_from_rows(rows: &[PgRow]) -> Result<Vec<Order>> {
    let docs = rows
        .iter()
        .map(|row| Ok((row.try_get::<String, _>("order_id")?, row.try_get::<String, _>("doc")?)))
        .collect::<Result<Vec<_>>>()?;
    decode_orders(docs)
}

fn conflict(account: &AccountId) -> StorageError {
    StorageError::Conflict { what: RULE_SET, key: account.to_string() }
}

/// Moves the set from `expected` to the next revision, or says it changed meanwhile.
async fn next_revision(
    tx: &mut Transaction<'static, Postgres>,
    account: &AccountId,
    expected: u64,
    now: Timestamp,
) -> Result<u64> {
    let expected = i64::try_from(expected).map_err(|_| conflict(account))?;
    let revision: Option<i64> = if expected == 0 {
        sqlx::query_scalar(
            "INSERT INTO rule_sets (account_id, revision, modify_date) VALUES ($1, 1, $2) \
             ON CONFLICT (account_id) DO NOTHING RETURNING revision",
        )
        .bind(account.as_str())
        .bind(PgInstant(now))
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| refused(e, RULE_SET, account, Some(("account", account))))?
    } else {
        sqlx::query_scalar(
            "UPDATE rule_sets SET revision = revision + 1, modify_date = $3 \
             WHERE account_id = $1 AND revision = $2 RETURNING revision",
        )
        .bind(account.as_str())
        .bind(expected)
        .bind(PgInstant(now))
        .fetch_optional(&mut **tx)
        .await?
    };
    let revision = revision.ok_or_else(|| conflict(account))?;
    u64::try_from(revision).map_err(|e| corrupt(RULE_SET, account, e))
}

#[async_trait]
impl RuleStore for PostgresStore {
    async fn rule_set(&self, account: &AccountId) -> Result<RuleSet> {
        // REPEATABLE READ: the revision and the rules are of the same save.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let revision: Option<i64> = sqlx::query_scalar("SELECT revision FROM rule_sets WHERE account_id = $1")
            .bind(account.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let rows = sqlx::query(
            "SELECT rule_id, create_date, modify_date, doc::text AS doc FROM rules WHERE account_id = $1 \
             ORDER BY position, rule_id",
        )
        .bind(account.as_str())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RuleSet {
            revision: u64::try_from(revision.unwrap_or(0)).map_err(|e| corrupt(RULE_SET, account, e))?,
            rules: rows.iter().map(stored_rule_from_row).collect::<Result<_>>()?,
        })
    }

    async fn save_rule_set(
        &self,
        account: &AccountId,
        expected_revision: u64,
        rules: &[Rule],
        now: Timestamp,
    ) -> Result<u64> {
        let docs = prepare_rules(rules)?;
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let positions: Vec<i64> = rules.iter().map(|r| i64::from(r.position)).collect();
        let enabled: Vec<bool> = rules.iter().map(|r| r.enabled).collect();
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        let mut tx = self.pool.begin().await?;
        let revision = next_revision(&mut tx, account, expected_revision, now).await?;
        sqlx::query("DELETE FROM rules WHERE account_id = $1 AND NOT (rule_id = ANY($2::text[]))")
            .bind(account.as_str())
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO rules (account_id, rule_id, position, enabled, name, create_date, modify_date, doc) \
             SELECT $1, u.rule_id, u.position, u.enabled, u.name, $2, $2, u.doc::jsonb \
             FROM UNNEST($3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::text[]) \
             AS u (rule_id, position, enabled, name, doc) \
             ON CONFLICT (account_id, rule_id) DO UPDATE SET position = excluded.position, \
             enabled = excluded.enabled, name = excluded.name, doc = excluded.doc, \
             modify_date = CASE WHEN rules.doc = excluded.doc THEN rules.modify_date ELSE excluded.modify_date END",
        )
        .bind(account.as_str())
        .bind(PgInstant(now))
        .bind(&ids)
        .bind(&positions)
        .bind(&enabled)
        .bind(&names)
        .bind(&docs)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn open_orders_page(&self, account: &AccountId, page: &OpenOrderPage) -> Result<Vec<Order>> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT order_id, doc::text AS doc FROM orders WHERE account_id = ");
        q.push_bind(account.as_str()).push(" AND status NOT IN ('shipped', 'cancelled')");
        if let Some(after) = &page.after {
            q.push(" AND order_id > ").push_bind(after.as_str());
        }
        if let Some(status) = page.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(store) = &page.store_id {
            q.push(" AND store_id = ").push_bind(store.as_str());
        }
        q.push(" ORDER BY order_id LIMIT ").push_bind(i64::from(page.limit));
        orders_from_rows(&q.build().fetch_all(&self.pool).await?)
    }

    async fn due_holds(&self, today: Date, after: Option<&OrderId>, limit: u32) -> Result<Vec<Order>> {
        let rows = sqlx::query(
            "SELECT order_id, doc::text AS doc FROM orders WHERE status = 'on_hold' AND order_id > $1 \
             AND (doc ->> 'holdUntilDate')::date <= $2 ORDER BY order_id LIMIT $3",
        )
        .bind(after.map_or("", |id| id.as_str()))
        .bind(PgDate(today))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        orders_from_rows(&rows)
    }

    async fn update_orders(&self, writes: &[OrderWrite]) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let prepared = prepare_orders(writes)?;
        // The import's update is per account and store; a batch may span stores.
        let mut by_store: BTreeMap<(&AccountId, &StoreId), Vec<PreparedOrder<'_>>> = BTreeMap::new();
        for order in prepared {
            let key = (&order.write.order.account_id, &order.write.order.store_id);
            by_store.entry(key).or_default().push(order);
        }
        let mut tx = self.pool.begin().await?;
        for ((account, store), orders) in &by_store {
            for chunk in orders.chunks(ORDERS_PER_STATEMENT) {
                update_orders(&mut tx, account, store, chunk).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
