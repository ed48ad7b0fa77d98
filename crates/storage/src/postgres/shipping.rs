//! The shipping area on PostgreSQL. A shipment write is one transaction; the unique indexes and the
//! compare-and-set updates decide between concurrent writers on several instances.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use wharf_domain::shipment::{LabelFile, Shipment};
use wharf_domain::{AccountId, CarrierAccountId, OrderId, ShipmentId, WarehouseId};

use super::wire::PgInstant;
use super::{PostgresStore, doc_from_row, parse_id, update_orders};
use crate::codec::{corrupt, not_found, to_json};
use crate::shipping::{
    CARRIER_ACCOUNT_NAME, CarrierAccount, PreparedShipment, ShipmentWrite, ShippingStore, StoredLabel, WAREHOUSE_NAME,
    Warehouse, is_unsent, message_kind_str, message_state, message_state_str, named_refused, shipment_refused,
    shipment_state_str,
};
use crate::{Result, StorageError};

/// Inserts the shipment, or moves the stored one from the expected state (compare-and-set).
async fn put_shipment(tx: &mut Transaction<'static, Postgres>, p: &PreparedShipment<'_>) -> Result<()> {
    let s = p.shipment();
    let Some(expected) = p.write.expected else {
        sqlx::query(
            "INSERT INTO shipments (shipment_id, account_id, store_id, order_id, kind, state, reference, test_label, \
             batch_id, create_date, modify_date, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)",
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
        .bind(PgInstant(p.create_date))
        .bind(PgInstant(p.modify_date))
        .bind(p.doc.as_str())
        .execute(&mut **tx)
        .await
        .map_err(|e| shipment_refused(e, s))?;
        return Ok(());
    };
    let updated = sqlx::query(
        "UPDATE shipments SET state = $3, batch_id = $4, modify_date = $5, doc = $6::jsonb \
         WHERE shipment_id = $1 AND account_id = $2 AND state = $7 \
         AND ($8::timestamptz IS NULL OR modify_date = $8::timestamptz)",
    )
    .bind(s.shipment_id.as_str())
    .bind(s.account_id.as_str())
    .bind(p.state())
    .bind(s.batch_id.as_ref().map(|b| b.as_str()))
    .bind(PgInstant(p.modify_date))
    .bind(p.doc.as_str())
    .bind(shipment_state_str(expected.state))
    .bind(p.expected_modify_date.map(PgInstant))
    .execute(&mut **tx)
    .await
    .map_err(|e| shipment_refused(e, s))?;
    if updated.rows_affected() == 0 {
        let exists = sqlx::query("SELECT 1 FROM shipments WHERE shipment_id = $1 AND account_id = $2")
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
async fn put_labels_and_messages(tx: &mut Transaction<'static, Postgres>, p: &PreparedShipment<'_>) -> Result<()> {
    let s = p.shipment();
    for (sequence, label) in &p.labels {
        sqlx::query(
            "INSERT INTO shipment_labels (shipment_id, sequence, format, data) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (shipment_id, sequence) DO UPDATE SET format = excluded.format, data = excluded.data",
        )
        .bind(s.shipment_id.as_str())
        .bind(i32::try_from(*sequence).map_err(|_| StorageError::InvalidWrite {
            what: "shipment",
            key: s.shipment_id.to_string(),
            detail: format!("package sequence {sequence} is out of range"),
        })?)
        .bind(label.format.as_str())
        .bind(label.data.as_str())
        .execute(&mut **tx)
        .await?;
    }
    for key in &p.write.withdraw {
        // FOR UPDATE: a delivery worker that has the row locked finishes first, so its state is what we see.
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM outbox WHERE dedupe_key = $1 AND account_id = $2 FOR UPDATE")
                .bind(key.as_str())
                .bind(s.account_id.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        let Some(state) = state else { continue };
        if !message_state(&state).is_some_and(is_unsent) {
            return Err(StorageError::Conflict { what: "outbox message", key: key.clone() });
        }
        sqlx::query("DELETE FROM outbox WHERE dedupe_key = $1 AND account_id = $2")
            .bind(key.as_str())
            .bind(s.account_id.as_str())
            .execute(&mut **tx)
            .await?;
    }
    for (m, payload) in &p.outbox {
        sqlx::query(
            "INSERT INTO outbox (message_id, account_id, store_id, order_id, kind, state, dedupe_key, payload, \
             attempts, next_attempt_at, last_error, external_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14) \
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
        .bind(i32::try_from(m.attempts).unwrap_or(i32::MAX))
        .bind(PgInstant(m.next_attempt_at))
        .bind(m.last_error.as_deref())
        .bind(m.external_id.as_deref())
        .bind(PgInstant(m.create_date))
        .bind(PgInstant(m.modify_date))
        .execute(&mut **tx)
        .await
        .map_err(|e| crate::codec::refused(e, "outbox message", &m.message_id, Some(("order", &m.order_id))))?;
    }
    Ok(())
}

fn label_from_row(row: &PgRow) -> Result<StoredLabel> {
    let id: String = row.try_get("shipment_id")?;
    let sequence: i32 = row.try_get("sequence")?;
    Ok(StoredLabel {
        shipment_id: parse_id(&id, "shipment label")?,
        sequence: u32::try_from(sequence).map_err(|e| corrupt("shipment label", &id, e))?,
        label: LabelFile { format: row.try_get("format")?, data: row.try_get("data")? },
    })
}

async fn clear_default_warehouse(
    tx: &mut Transaction<'static, Postgres>,
    account: &AccountId,
    now: Timestamp,
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT warehouse_id, doc::text AS doc FROM warehouses WHERE account_id = $1 AND is_default FOR UPDATE",
    )
    .bind(account.as_str())
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let mut warehouse: Warehouse = doc_from_row(&row, "warehouse_id", "warehouse")?;
        warehouse.is_default = false;
        warehouse.modify_date = now;
        sqlx::query(
            "UPDATE warehouses SET is_default = FALSE, modify_date = $2, doc = $3::jsonb WHERE warehouse_id = $1",
        )
        .bind(warehouse.warehouse_id.as_str())
        .bind(PgInstant(now))
        .bind(to_json(&warehouse, "warehouse", &warehouse.warehouse_id)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Serializes default-warehouse changes of one account (the partial unique index would otherwise refuse
/// the second of two concurrent changes instead of letting it wait).
async fn lock_account_warehouses(tx: &mut Transaction<'static, Postgres>, account: &AccountId) -> Result<()> {
    sqlx::query("SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE")
        .bind(account.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn ids<'a, T: 'a>(items: &'a [T], as_str: impl Fn(&'a T) -> &'a str) -> Vec<&'a str> {
    items.iter().map(as_str).collect()
}

#[async_trait]
impl ShippingStore for PostgresStore {
    async fn insert_carrier_account(&self, carrier: &CarrierAccount, sealed_secret: &[u8]) -> Result<()> {
        let doc = to_json(carrier, "carrier account", &carrier.carrier_account_id)?;
        sqlx::query(
            "INSERT INTO carrier_accounts (carrier_account_id, account_id, carrier, name, create_date, modify_date, \
             doc, sealed_secret) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)",
        )
        .bind(carrier.carrier_account_id.as_str())
        .bind(carrier.account_id.as_str())
        .bind(carrier.carrier.as_str())
        .bind(carrier.name.as_str())
        .bind(PgInstant(carrier.create_date))
        .bind(PgInstant(carrier.modify_date))
        .bind(doc)
        .bind(sealed_secret)
        .execute(&self.pool)
        .await
        .map_err(|e| named_refused(e, CARRIER_ACCOUNT_NAME, &carrier.name, &carrier.account_id))?;
        Ok(())
    }

    async fn get_carrier_account(&self, account: &AccountId, id: &CarrierAccountId) -> Result<CarrierAccount> {
        let row = sqlx::query(
            "SELECT carrier_account_id, doc::text AS doc FROM carrier_accounts \
             WHERE carrier_account_id = $1 AND account_id = $2",
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
            "SELECT carrier_account_id, doc::text AS doc FROM carrier_accounts WHERE account_id = $1 \
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
            "SELECT sealed_secret FROM carrier_accounts WHERE carrier_account_id = $1 AND account_id = $2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("carrier account", id))
    }

    async fn delete_carrier_account(&self, account: &AccountId, id: &CarrierAccountId) -> Result<()> {
        let done = sqlx::query("DELETE FROM carrier_accounts WHERE carrier_account_id = $1 AND account_id = $2")
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
        let mut tx = self.pool.begin().await?;
        if warehouse.is_default {
            lock_account_warehouses(&mut tx, &warehouse.account_id).await?;
            clear_default_warehouse(&mut tx, &warehouse.account_id, warehouse.modify_date).await?;
        }
        sqlx::query(
            "INSERT INTO warehouses (warehouse_id, account_id, name, is_default, create_date, modify_date, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
        )
        .bind(warehouse.warehouse_id.as_str())
        .bind(warehouse.account_id.as_str())
        .bind(warehouse.name.as_str())
        .bind(warehouse.is_default)
        .bind(PgInstant(warehouse.create_date))
        .bind(PgInstant(warehouse.modify_date))
        .bind(doc)
        .execute(&mut *tx)
        .await
        .map_err(|e| named_refused(e, WAREHOUSE_NAME, &warehouse.name, &warehouse.account_id))?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_warehouse(&self, account: &AccountId, id: &WarehouseId) -> Result<Warehouse> {
        let row = sqlx::query(
            "SELECT warehouse_id, doc::text AS doc FROM warehouses WHERE warehouse_id = $1 AND account_id = $2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("warehouse", id))?;
        doc_from_row(&row, "warehouse_id", "warehouse")
    }

    async fn list_warehouses(&self, account: &AccountId) -> Result<Vec<Warehouse>> {
        sqlx::query(
            "SELECT warehouse_id, doc::text AS doc FROM warehouses WHERE account_id = $1 ORDER BY name, warehouse_id",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "warehouse_id", "warehouse"))
        .collect()
    }

    async fn set_default_warehouse(&self, account: &AccountId, id: &WarehouseId, now: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        lock_account_warehouses(&mut tx, account).await?;
        let row = sqlx::query(
            "SELECT warehouse_id, doc::text AS doc FROM warehouses WHERE warehouse_id = $1 AND account_id = $2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| not_found("warehouse", id))?;
        let mut warehouse: Warehouse = doc_from_row(&row, "warehouse_id", "warehouse")?;
        clear_default_warehouse(&mut tx, account, now).await?;
        warehouse.is_default = true;
        warehouse.modify_date = now;
        sqlx::query(
            "UPDATE warehouses SET is_default = TRUE, modify_date = $3, doc = $4::jsonb \
             WHERE warehouse_id = $1 AND account_id = $2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .bind(PgInstant(now))
        .bind(to_json(&warehouse, "warehouse", id)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write_shipment(&self, write: &ShipmentWrite) -> Result<()> {
        let prepared = PreparedShipment::new(write)?;
        let mut tx = self.pool.begin().await?;
        put_shipment(&mut tx, &prepared).await?;
        if let Some(order) = &prepared.order {
            let o = &order.write.order;
            update_orders(&mut tx, &o.account_id, &o.store_id, std::slice::from_ref(order)).await?;
        }
        put_labels_and_messages(&mut tx, &prepared).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_shipment(&self, account: &AccountId, id: &ShipmentId) -> Result<Shipment> {
        let row = sqlx::query(
            "SELECT shipment_id, doc::text AS doc FROM shipments WHERE shipment_id = $1 AND account_id = $2",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found("shipment", id))?;
        doc_from_row(&row, "shipment_id", "shipment")
    }

    async fn shipments_for_orders(&self, account: &AccountId, orders: &[OrderId]) -> Result<Vec<Shipment>> {
        sqlx::query(
            "SELECT shipment_id, doc::text AS doc FROM shipments WHERE account_id = $1 AND order_id = ANY($2) \
             ORDER BY create_date, shipment_id",
        )
        .bind(account.as_str())
        .bind(ids(orders, OrderId::as_str))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| doc_from_row(row, "shipment_id", "shipment"))
        .collect()
    }

    async fn shipment_labels(&self, account: &AccountId, shipments: &[ShipmentId]) -> Result<Vec<StoredLabel>> {
        sqlx::query(
            "SELECT l.shipment_id, l.sequence, l.format, l.data FROM shipment_labels l \
             JOIN shipments s ON s.shipment_id = l.shipment_id \
             WHERE s.account_id = $1 AND l.shipment_id = ANY($2) ORDER BY l.shipment_id, l.sequence",
        )
        .bind(account.as_str())
        .bind(ids(shipments, ShipmentId::as_str))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(label_from_row)
        .collect()
    }
}
