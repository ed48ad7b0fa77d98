//! The `templates` area: the account's named templates, which automation rules choose for an order
//! (`advanced_options.packing_slip_template` / `email_template`): packing-slip templates, and customer e-mail
//! templates per message kind. A name is unique per account and kind; the store-wide templates (print
//! settings, `email_templates`) stay where they are and apply when an order names none.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use wharf_domain::AccountId;
use wharf_domain::outbox::MessageKind;

use crate::Result;

/// A named packing-slip template (minijinja producing the documents' layout markup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedSlipTemplate {
    pub account_id: AccountId,
    pub name: String,
    pub source: String,
    pub modify_date: Timestamp,
}

/// A named customer e-mail template of one kind (`ShipmentEmail` or `DeliveryEmail`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedEmailTemplate {
    pub account_id: AccountId,
    pub name: String,
    pub kind: MessageKind,
    /// minijinja sources.
    pub subject: String,
    pub html: String,
    pub text: String,
    pub modify_date: Timestamp,
}

#[async_trait]
pub trait TemplateStore: Send + Sync {
    // --- packing slips ----------------------------------------------------------------------------------
    async fn named_slip_template(&self, account: &AccountId, name: &str) -> Result<Option<NamedSlipTemplate>>;
    /// The account's packing-slip templates, by name.
    async fn named_slip_templates(&self, account: &AccountId) -> Result<Vec<NamedSlipTemplate>>;
    /// Inserts or replaces the account's template of that name; `NotFound` for an unknown account.
    async fn put_named_slip_template(&self, template: &NamedSlipTemplate) -> Result<()>;
    /// False if there was none.
    async fn delete_named_slip_template(&self, account: &AccountId, name: &str) -> Result<bool>;

    // --- customer e-mails -------------------------------------------------------------------------------
    async fn named_email_template(
        &self,
        account: &AccountId,
        kind: MessageKind,
        name: &str,
    ) -> Result<Option<NamedEmailTemplate>>;
    /// The account's e-mail templates, by name then kind (delivery before shipment).
    async fn named_email_templates(&self, account: &AccountId) -> Result<Vec<NamedEmailTemplate>>;
    /// Inserts or replaces the account's template of that kind and name; `NotFound` for an unknown account.
    async fn put_named_email_template(&self, template: &NamedEmailTemplate) -> Result<()>;
    /// False if there was none.
    async fn delete_named_email_template(&self, account: &AccountId, kind: MessageKind, name: &str) -> Result<bool>;
}
