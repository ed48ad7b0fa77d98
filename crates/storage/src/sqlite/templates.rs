//! The `templates` area on SQLite (see `crate::templates`).

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use wharf_domain::AccountId;
use wharf_domain::outbox::MessageKind;

use super::{SqliteStore, parse_ts, ts};
use crate::Result;
use crate::codec::{corrupt, refused};
use crate::outbox::{kind_str, parse_kind};
use crate::templates::{NamedEmailTemplate, NamedSlipTemplate, TemplateStore};

fn slip_from_row(account: &AccountId, row: &SqliteRow) -> Result<NamedSlipTemplate> {
    let name: String = row.try_get("name")?;
    let modify_date = parse_ts(&row.try_get::<String, _>("modify_date")?, "packing-slip template", &name)?;
    Ok(NamedSlipTemplate { account_id: account.clone(), source: row.try_get("source")?, name, modify_date })
}

fn email_from_row(account: &AccountId, row: &SqliteRow) -> Result<NamedEmailTemplate> {
    let name: String = row.try_get("name")?;
    let kind: String = row.try_get("kind")?;
    Ok(NamedEmailTemplate {
        account_id: account.clone(),
        kind: parse_kind(&kind).ok_or_else(|| corrupt("e-mail template", &name, format_args!("kind {kind:?}")))?,
        subject: row.try_get("subject")?,
        html: row.try_get("html")?,
        text: row.try_get("text")?,
        modify_date: parse_ts(&row.try_get::<String, _>("modify_date")?, "e-mail template", &name)?,
        name,
    })
}

#[async_trait]
impl TemplateStore for SqliteStore {
    async fn named_slip_template(&self, account: &AccountId, name: &str) -> Result<Option<NamedSlipTemplate>> {
        let row = sqlx::query(
            "SELECT name, source, modify_date FROM named_slip_templates WHERE account_id = ?1 AND name = ?2",
        )
        .bind(account.as_str())
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| slip_from_row(account, &row)).transpose()
    }

    async fn named_slip_templates(&self, account: &AccountId) -> Result<Vec<NamedSlipTemplate>> {
        let rows = sqlx::query(
            "SELECT name, source, modify_date FROM named_slip_templates WHERE account_id = ?1 ORDER BY name",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| slip_from_row(account, row)).collect()
    }

    async fn put_named_slip_template(&self, t: &NamedSlipTemplate) -> Result<()> {
        // One writer at a time, as every SQLite write in Wharf (see `SqliteStore::write_turn`).
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "INSERT INTO named_slip_templates (account_id, name, source, modify_date) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (account_id, name) DO UPDATE SET source = excluded.source, modify_date = excluded.modify_date",
        )
        .bind(t.account_id.as_str())
        .bind(t.name.as_str())
        .bind(t.source.as_str())
        .bind(ts(t.modify_date))
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "packing-slip template", &t.name, Some(("account", &t.account_id))))?;
        Ok(())
    }

    async fn delete_named_slip_template(&self, account: &AccountId, name: &str) -> Result<bool> {
        // One writer at a time, as every SQLite write in Wharf (see `SqliteStore::write_turn`).
        let _turn = self.write_turn.lock().await;
        let deleted = sqlx::query("DELETE FROM named_slip_templates WHERE account_id = ?1 AND name = ?2")
            .bind(account.as_str())
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn named_email_template(
        &self,
        account: &AccountId,
        kind: MessageKind,
        name: &str,
    ) -> Result<Option<NamedEmailTemplate>> {
        let row = sqlx::query(
            "SELECT name, kind, subject, html, text, modify_date FROM named_email_templates \
             WHERE account_id = ?1 AND kind = ?2 AND name = ?3",
        )
        .bind(account.as_str())
        .bind(kind_str(kind))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| email_from_row(account, &row)).transpose()
    }

    async fn named_email_templates(&self, account: &AccountId) -> Result<Vec<NamedEmailTemplate>> {
        let rows = sqlx::query(
            "SELECT name, kind, subject, html, text, modify_date FROM named_email_templates \
             WHERE account_id = ?1 ORDER BY name, kind",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| email_from_row(account, row)).collect()
    }

    async fn put_named_email_template(&self, t: &NamedEmailTemplate) -> Result<()> {
        // One writer at a time, as every SQLite write in Wharf (see `SqliteStore::write_turn`).
        let _turn = self.write_turn.lock().await;
        sqlx::query(
            "INSERT INTO named_email_templates (account_id, kind, name, subject, html, text, modify_date) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account_id, kind, name) DO UPDATE SET \
             subject = excluded.subject, html = excluded.html, text = excluded.text, modify_date = excluded.modify_date",
        )
        .bind(t.account_id.as_str())
        .bind(kind_str(t.kind))
        .bind(t.name.as_str())
        .bind(t.subject.as_str())
        .bind(t.html.as_str())
        .bind(t.text.as_str())
        .bind(ts(t.modify_date))
        .execute(&self.pool)
        .await
        .map_err(|e| refused(e, "e-mail template", &t.name, Some(("account", &t.account_id))))?;
        Ok(())
    }

    async fn delete_named_email_template(&self, account: &AccountId, kind: MessageKind, name: &str) -> Result<bool> {
        // One writer at a time, as every SQLite write in Wharf (see `SqliteStore::write_turn`).
        let _turn = self.write_turn.lock().await;
        let deleted =
            sqlx::query("DELETE FROM named_email_templates WHERE account_id = ?1 AND kind = ?2 AND name = ?3")
                .bind(account.as_str())
                .bind(kind_str(kind))
                .bind(name)
                .execute(&self.pool)
                .await?;
        Ok(deleted.rows_affected() > 0)
    }
}
