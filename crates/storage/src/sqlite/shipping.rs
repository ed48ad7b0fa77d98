//! The shipping area on SQLite. Shipment writes run in one `BEGIN IMMEDIATE` transaction holding this
//! process's write turn, like every other write of this backend.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use wharf_domain::shipment::{LabelFile, Shipment};
use wharf_domain::{AccountId, CarrierAccountId, OrderId, ShipmentId, WarehouseId};

use super::{SqliteStore, doc_from_row, parse_id, ts, update_orders};
use crate::codec::{corrupt, not_found, to_json};
use crate::shipping::{
    CARRIER_ACCOUNT_NAME, CarrierAccount, PreparedShipment, ShipmentWrite, ShippingStore, StoredLabel,
    UNSENT_MESSAGE_STATES, WAREHOUSE_NAME, Warehouse, message_kind_str, message_state_str, named_refused,
    shipment_refused,
};
use crate::{Result, StorageError};

/// Inserts the shipment, or moves the stored one from the expected state (compare-and-set).
async fn put_shipment(tx: &mut Transaction<'static, Sqlite>, p: &PreparedShipment<'_>) -> Result<()> {
    let s = p.shipment();
    let Some(expected) = p.write.expected else {
        sqlx::query(
            "INSERT INTO shipments (shipment_id, account_id, store_id, order_id, kind, state, reference, test_label, \
             batch_id, create_date, modify_date, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(s.shipment_id.as_str())
        .bind(s.account_id.as_str())
        .bind(s.store_id.as_str())
        .bind(s.order_id.as_str())
        .bind(p.kind())
        .bind(p.state())
        .bind(s.reference.as_str())
        .bind(s.test_label)
        .bind(s.batch_id.as_ref().map(|b| b.as_str()))
        .bind(ts(p.create_date))
        .bind(ts(p.modify_date))
        .bind(p.doc.as_str())
        .execute(&mut **tx)
        .await
        .map_err(|e| shipment_refused(e, s))?;
        return Ok(());
    };
    let updated = sqlx::query(
        "UPDATE shipments SET state = ?3, batch_id = ?4, modify_date = ?5, doc = ?6 \
         WHERE shipment_id = ?1 AND account_id = ?2 AND state = ?7 AND (?8 IS NULL OR modify_date = ?8)",
    )
    .bind(s.shipment_id.as_str())
    .bind(s.account_id.as_str())
    .bind(p.state())
    .bind(s.batch_id.as_ref().map(|b| b.as_str()))
    .bind(ts(p.modify_date))
    .bind(p.doc.as_str())
    .bind(crate::shipping::shipment_state_str(expected.state))
    .bind(p.expected_modify_date.map(ts))
    .execute(&mut **tx)
    .await
    .map_err(|e| shipment_refused(e, s))?;
    if updated.rows_affected() == 0 {
        let exists = sqlx::query("SELECT 1 FROM shipments WHERE shipment_id = ?1 AND account_id = ?2")
            .bind(s.shipment_id.as_str())
            .bind(s.account_id.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        return Err(if exists {
            StorageError::Conflict { what: "shipment", key: s.shipment_id.to_string() }
        } else {
            not_found("shipment", &s.shipment_id)
        });
    }
    Ok(())
}

/// Label files, outbox withdrawals and new messages: the rest of a shipment write.
async fn put_labels_and_messages(tx: &mut Transaction<'static, Sqlite>, p: &PreparedShipment<'_>) -> Result<()> {
    let s = p.shipment();
    for (sequence, label) in &p.labels {
        sqlx::query(
            "INSERT INTO shipment_labels (shipment_id, sequence, format, data) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (shipment_id, sequence) DO UPDATE SET format = excluded.format, data = excluded.data",
        )
        .bind(s.shipment_id.as_str())
        .bind(i64::from(*sequence))
        .bind(label.format.as_str())
        .bind(label.data.as_str())
        .execute(&mut **tx)
        .await?;
    }
    for key in &p.write.withdraw {
        let removed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM outbox WHERE dedupe_key = ?1 AND account_id = ?2 AND state IN {UNSENT_MESSAGE_STATES}"
        )))
        .bind(key.as_str())
        .bind(s.account_id.as_str())
        .execute(&mut **tx)
        .await?;
        if removed.rows_affected() == 0 {
            let left = sqlx::query("SELECT 1 FROM outbox WHERE dedupe_key = ?1 AND account_id = ?2")
                .bind(key.as_str())
                .bind(s.account_id.as_str())
                .fetch_optional(&mut **tx)
                .await?;
            if left.is_some() {
                return Err(StorageError::Conflict { what: "outbox message", key: key.clone() });
            }
        }
    }
    for (m, payload) in &p.outbox {
        sqlx::query(
            "INSERT INTO outbox (message_id, account_id, store_id, order_id, kind, state, dedupe_key, payload, \
             attempts, next_attempt_at, last_error, external_id, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT (dedupe_key) DO UPDATE SET state = excluded.state, payload = excluded.payload, \
             attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, \
             updated_at = excluded.updated_at \
             WHERE outbox.state IN ('pending', 'failed', 'needs_manual_action')",
        )
        .bind(m.message_id.as_str())
        .bind(m.account_id.as_str())
        .bind(m.store_id.as_str())
        .bind(m.order_id.as_str())
        .bind(message_kind_str(m.kind))
        .bind(message_state_str(m.state))
        .bind(m.dedupe_key.as_str())
        .bind(payload.as_str())
        .bind(i64::from(m.attempts))
        .bind(ts(m.next_attempt_at))
        .bind(m.last_error.as_deref())
        .bind(m.external_id.as_deref())
        .bind(ts(m.create_date))
        .bind(ts(m.modify_date))
        .execute(&mut **tx)
        .await
        .map_err(|e| crate::codec::refused(e, "outbox message", &m.message_id, Some(("order", &m.order_id))))?;
    }
    Ok(())
}

fn label_from_row(row: &SqliteRow) -> Result<StoredLabel> {
    let id: String = row.try_get("shipment_id")?;
    let sequence: i64 = row.try_get("sequence")?;
    Ok(StoredLabel {
        shipment_id: parse_id(&id, "shipment label")?,
        sequence: u32::try_from(sequence).map_err(|e| corrupt("shipment label", &id, e))?,
        label: LabelFile { format: row.try_get("format")?, data: row.try_get("data")? },
    })
}

/// `(?, ?, …)` binds of `ids`, for `IN` lists.
fn push_ids<'a>(q: &mut QueryBuilder<Sqlite>, ids: impl Iterator<Item = &'a str>) {
    let mut list = q.separated(", ");
    list.push_unseparated("(");
    for id in ids {
        list.push_bind(id.to_owned());
    }
    list.push_unseparated(")");
}

#[async_trait]
impl ShippingStore for SqliteStore {
    async fn insert_carrier_account(&self, carrier: &CarrierAccount, sealed_secret: &[u8]) -> Result<()> {
        let doc = to_json(carrier, "carrier account", &carrier.carrier_account_id)?;
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "INSERT INTO carrier_accounts (carrier_account_id, account_id, carrier, name, create_date, modify_date, \
             doc, sealed_secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(carrier.carrier_account_id.as_str())
        .bind(carrier.account_id.as_str())
        .bind(carrier.carrier.as_str())
        .bind(carrier.name.as_str())
        .bind(ts(carrier.create_date))
        .bind(ts(carrier.modify_date))
        .bind(doc)
        .bind(sealed_secret)
        .execute(&self.pool)
        .await
        .map_err(|e| named_refused(e, CARRIER_ACCOUNT_NAME, &carrier.name, &carrier.account_id))?;
        Ok(())
    }

    async fn get_carrier_account(&self, account: &AccountId, id: &CarrierAccountId) -> Result<CarrierAccount> {
        let row = sqlx::query(
            "SELECT carrier_account_id, doc FROM carrier_accounts WHERE carrier_account_id = ?1 AND account_id = ?2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("carrier account", id))?;
        doc_from_row(&row, "carrier_account_id", "carrier account")
    }

    async fn list_carrier_accounts(&self, account: &AccountId) -> Result<Vec<CarrierAccount>> {
        sqlx::query(
            "SELECT carrier_account_id, doc FROM carrier_accounts WHERE account_id = ?1 \
             ORDER BY create_date, carrier_account_id",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "carrier_account_id", "carrier account"))
        .collect()
    }

    async fn carrier_account_secret(&self, account: &AccountId, id: &CarrierAccountId) -> Result<Vec<u8>> {
        sqlx::query_scalar(
            "SELECT sealed_secret FROM carrier_accounts WHERE carrier_account_id = ?1 AND account_id = ?2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("carrier account", id))
    }

    async fn delete_carrier_account(&self, account: &AccountId, id: &CarrierAccountId) -> Result<()> {
        let _turn = self.write_turn.lock().await;
        let done = sqlx::query("DELETE FROM carrier_accounts WHERE carrier_account_id = ?1 AND account_id = ?2")
            .bind(id.as_str())
            .bind(account.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("carrier account", id));
        }
        Ok(())
    }

    async fn insert_warehouse(&self, warehouse: &Warehouse) -> Result<()> {
        let doc = to_json(warehouse, "warehouse", &warehouse.warehouse_id)?;
        let mut w = self.begin_write().await?;
        if warehouse.is_default {
            clear_default_warehouse(&mut w.tx, &warehouse.account_id, warehouse.modify_date).await?;
        }
        sqlx::query(
            "INSERT INTO warehouses (warehouse_id, account_id, name, is_default, create_date, modify_date, doc) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(warehouse.warehouse_id.as_str())
        .bind(warehouse.account_id.as_str())
        .bind(warehouse.name.as_str())
        .bind(warehouse.is_default)
        .bind(ts(warehouse.create_date))
        .bind(ts(warehouse.modify_date))
        .bind(doc)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| named_refused(e, WAREHOUSE_NAME, &warehouse.name, &warehouse.account_id))?;
        w.tx.commit().await?;
        Ok(())
    }

    async fn get_warehouse(&self, account: &AccountId, id: &WarehouseId) -> Result<Warehouse> {
        let row = sqlx::query("SELECT warehouse_id, doc FROM warehouses WHERE warehouse_id = ?1 AND account_id = ?2")
            .bind(id.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("warehouse", id))?;
        doc_from_row(&row, "warehouse_id", "warehouse")
    }

    async fn list_warehouses(&self, account: &AccountId) -> Result<Vec<Warehouse>> {
        sqlx::query("SELECT warehouse_id, doc FROM warehouses WHERE account_id = ?1 ORDER BY name, warehouse_id")
            .bind(account.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| doc_from_row(row, "warehouse_id", "warehouse"))
            .collect()
    }

    async fn set_default_warehouse(&self, account: &AccountId, id: &WarehouseId, now: Timestamp) -> Result<()> {
        let mut w = self.begin_write().await?;
        let row = sqlx::query("SELECT warehouse_id, doc FROM warehouses WHERE warehouse_id = ?1 AND account_id = ?2")
            .bind(id.as_str())
            .bind(account.as_str())
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or_else(|| not_found("warehouse", id))?;
        let mut warehouse: Warehouse = doc_from_row(&row, "warehouse_id", "warehouse")?;
        clear_default_warehouse(&mut w.tx, account, now).await?;
        warehouse.is_default = true;
        warehouse.modify_date = now;
        sqlx::query("UPDATE warehouses SET is_default = 1, modify_date = ?3, doc = ?4 WHERE warehouse_id = ?1 AND account_id = ?2")
            .bind(id.as_str())
            .bind(account.as_str())
            .bind(ts(now))
            .bind(to_json(&warehouse, "warehouse", id)?)
            .execute(&mut *w.tx)
            .await?;
        w.tx.commit().await?;
        Ok(())
    }

    async fn write_shipment(&self, write: &ShipmentWrite) -> Result<()> {
        let prepared = PreparedShipment::new(write)?;
        let mut w = self.begin_write().await?;
        put_shipment(&mut w.tx, &prepared).await?;
        if let Some(order) = prepared.order {
            // The order update shares the shipment's transaction; `prepared.order` is moved, its parts kept.
            update_orders(&mut w.tx, vec![order]).await?;
        }
        put_labels_and_messages(&mut w.tx, &PreparedShipment { order: None, ..prepared }).await?;
        w.tx.commit().await?;
        Ok(())
    }

    async fn get_shipment(&self, account: &AccountId, id: &ShipmentId) -> Result<Shipment> {
        let row = sqlx::query("SELECT shipment_id, doc FROM shipments WHERE shipment_id = ?1 AND account_id = ?2")
            .bind(id.as_str())
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("shipment", id))?;
        doc_from_row(&row, "shipment_id", "shipment")
    }

    async fn shipments_for_orders(&self, account: &AccountId, orders: &[OrderId]) -> Result<Vec<Shipment>> {
        let mut shipments = Vec::new();
        // Bounded IN lists keep each statement well under SQLite's parameter limit.
        for chunk in orders.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new("SELECT shipment_id, doc FROM shipments WHERE account_id = ");
            q.push_bind(account.to_string()).push(" AND order_id IN ");
            push_ids(&mut q, chunk.iter().map(OrderId::as_str));
            q.push(" ORDER BY create_date, shipment_id");
            for row in q.build().fetch_all(&self.pool).await? {
                shipments.push(doc_from_row(&row, "shipment_id", "shipment")?);
            }
        }
        shipments.sort_by(|a: &Shipment, b: &Shipment| {
            (a.create_date, &a.shipment_id).cmp(&(b.create_date, &b.shipment_id))
        });
        Ok(shipments)
    }

    async fn shipment_labels(&self, account: &AccountId, shipments: &[ShipmentId]) -> Result<Vec<StoredLabel>> {
        let mut labels = Vec::new();
        for chunk in shipments.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT l.shipment_id, l.sequence, l.format, l.data FROM shipment_labels l \
                 JOIN shipments s ON s.shipment_id = l.shipment_id WHERE s.account_id = ",
            );
            q.push_bind(account.to_string()).push(" AND l.shipment_id IN ");
            push_ids(&mut q, chunk.iter().map(ShipmentId::as_str));
            for row in q.build().fetch_all(&self.pool).await? {
                labels.push(label_from_row(&row)?);
            }
        }
        labels.sort_by(|a, b| (&a.shipment_id, a.sequence).cmp(&(&b.shipment_id, b.sequence)));
        Ok(labels)
    }
}

async fn clear_default_warehouse(
    tx: &mut Transaction<'static, Sqlite>,
    account: &AccountId,
    now: Timestamp,
) -> Result<()> {
    let rows = sqlx::query("SELECT warehouse_id, doc FROM warehouses WHERE account_id = ?1 AND is_default = 1")
        .bind(account.as_str())
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        let mut warehouse: Warehouse = doc_from_row(&row, "warehouse_id", "warehouse")?;
        warehouse.is_default = false;
        warehouse.modify_date = now;
        sqlx::query("UPDATE warehouses SET is_default = 0, modify_date = ?2, doc = ?3 WHERE warehouse_id = ?1")
            .bind(warehouse.warehouse_id.as_str())
            .bind(ts(now))
            .bind(to_json(&warehouse, "warehouse", &warehouse.warehouse_id)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
