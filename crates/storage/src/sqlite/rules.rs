//! The automation area on SQLite. Rule-set saves and order batches run in one `BEGIN IMMEDIATE` transaction
//! holding this process's write turn, like every other write of this backend.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use wharf_domain::automation::Rule;
use wharf_domain::{AccountId, Order, OrderId};

use super::{SqliteStore, parse_ts, ts, update_orders};
use crate::codec::{corrupt, from_json, refused, to_json};
use crate::rules::{
    OpenOrderPage, RULE_SET, RuleSet, RuleStore, StoredRule, decode_orders, prepare_orders, prepare_rules,
};
use crate::{OrderWrite, Result, StorageError};

/// Orders per multi-row UPDATE: 13 parameters each, far below SQLite's limit of 32,766 per statement; a full
/// chunk is always the same SQL, so its prepared statement is reused.
fn stored_rule_from_row(row: &SqliteRow) -> Result<StoredRule> {
    let id: String = row.try_get("rule_id")?;
    Ok(StoredRule {
        rule: from_json(&row.try_get::<String, _>("doc")?, "rule", &id)?,
        create_date: parse_ts(&row.try_get::<String, _>("create_date")?, "rule", &id)?,
        modify_date: parse_ts(&row.try_get::<String, _>("modify_date")?, "rule", &id)?,
    })
}

fn orders_from_rows(rows: &[SqliteRow]) -> Result<Vec<Order>> {
    let docs = rows
        .iter()
        .map(|row| Ok((row.try_get::<String, _>("order_id")?, row.try_get::<String, _>("doc")?)))
        .collect::<Result<Vec<_>>>()?;
    decode_orders(docs)
}

/// Moves the set from `expected` to the next revision, or says it changed meanwhile.
async fn next_revision(
    tx: &mut Transaction<'static, Sqlite>,
    account: &AccountId,
    expected: u64,
    now: Timestamp,
) -> Result<u64> {
    let expected = i64::try_from(expected).map_err(|_| conflict(account))?;
    let revision: Option<i64> = if expected == 0 {
        sqlx::query_scalar(
            "INSERT INTO rule_sets (account_id, revision, modify_date) VALUES (?1, 1, ?2) \
             ON CONFLICT (account_id) DO NOTHING RETURNING revision",
        )
        .bind(account.as_str())
        .bind(ts(now))
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| refused(e, RULE_SET, account, Some(("account", account))))?
    } else {
        sqlx::query_scalar(
            "UPDATE rule_sets SET revision = revision + 1, modify_date = ?3 \
             WHERE account_id = ?1 AND revision = ?2 RETURNING revision",
        )
        .bind(account.as_str())
        .bind(expected)
        .bind(ts(now))
        .fetch_optional(&mut **tx)
        .await?
    };
    let revision = revision.ok_or_else(|| conflict(account))?;
    u64::try_from(revision).map_err(|e| corrupt(RULE_SET, account, e))
}

fn conflict(account: &AccountId) -> StorageError {
    StorageError::Conflict { what: RULE_SET, key: account.to_string() }
}

#[async_trait]
impl RuleStore for SqliteStore {
    async fn rule_set(&self, account: &AccountId) -> Result<RuleSet> {
        // One read transaction, so the revision and the rules are of the same save.
        let mut tx = self.pool.begin().await?;
        let revision: Option<i64> = sqlx::query_scalar("SELECT revision FROM rule_sets WHERE account_id = ?1")
            .bind(account.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let rows = sqlx::query(
            "SELECT rule_id, create_date, modify_date, doc FROM rules WHERE account_id = ?1 \
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
        let mut w = self.begin_write().await?;
        let revision = next_revision(&mut w.tx, account, expected_revision, now).await?;
        let keep: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        sqlx::query("DELETE FROM rules WHERE account_id = ?1 AND rule_id NOT IN (SELECT value FROM json_each(?2))")
            .bind(account.as_str())
            .bind(to_json(&keep, RULE_SET, account)?)
            .execute(&mut *w.tx)
            .await?;
        for (rule, doc) in rules.iter().zip(docs) {
            sqlx::query(
                "INSERT INTO rules (account_id, rule_id, position, enabled, name, create_date, modify_date, doc) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) \
                 ON CONFLICT (account_id, rule_id) DO UPDATE SET position = excluded.position, \
                 enabled = excluded.enabled, name = excluded.name, doc = excluded.doc, \
                 modify_date = CASE WHEN rules.doc = excluded.doc THEN rules.modify_date ELSE excluded.modify_date END",
            )
            .bind(account.as_str())
            .bind(rule.id.as_str())
            .bind(i64::from(rule.position))
            .bind(rule.enabled)
            .bind(rule.name.as_str())
            .bind(ts(now))
            .bind(doc)
            .execute(&mut *w.tx)
            .await?;
        }
        w.tx.commit().await?;
        Ok(revision)
    }

    async fn open_orders_page(&self, account: &AccountId, page: &OpenOrderPage) -> Result<Vec<Order>> {
        // Keyset paging walks the primary key: the unary `+` keeps the planner off the account and status
        // indexes, which would read and sort every matching order for each page (quadratic over a whole run).
        let mut q = QueryBuilder::<Sqlite>::new("SELECT order_id, doc FROM orders WHERE order_id > ");
        q.push_bind(page.after.as_ref().map_or("", |id| id.as_str()));
        q.push(" AND +account_id = ").push_bind(account.as_str());
        q.push(" AND +status NOT IN ('shipped', 'cancelled')");
        if let Some(status) = page.status {
            q.push(" AND +status = ").push_bind(status.as_str());
        }
        if let Some(store) = &page.store_id {
            q.push(" AND +store_id = ").push_bind(store.as_str());
        }
        q.push(" ORDER BY order_id LIMIT ").push_bind(i64::from(page.limit));
        orders_from_rows(&q.build().fetch_all(&self.pool).await?)
    }

    async fn due_holds(&self, today: Date, after: Option<&OrderId>, limit: u32) -> Result<Vec<Order>> {
        // Hold dates are `YYYY-MM-DD` in the document, so text order is date order.
        let rows = sqlx::query(
            "SELECT order_id, doc FROM orders WHERE status = 'on_hold' AND order_id > ?1 \
             AND doc ->> '$.holdUntilDate' <= ?2 ORDER BY order_id LIMIT ?3",
        )
        .bind(after.map_or("", |id| id.as_str()))
        .bind(today.to_string())
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
        let mut w = self.begin_write().await?;
        update_orders(&mut w.tx, prepared).await?;
        w.tx.commit().await?;
        Ok(())
    }
}
