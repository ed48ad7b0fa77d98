//! The templates area: named packing-slip and e-mail templates per account, a name unique per kind.

use jiff::{SignedDuration, Timestamp};
use pretty_assertions::assert_eq;
use wharf_domain::outbox::MessageKind;
use wharf_storage::StorageError;
use wharf_storage::templates::{NamedEmailTemplate, NamedSlipTemplate};

use crate::Db;
use crate::fixtures::*;

fn t0() -> Timestamp {
    at("2026-11-26T10:00:00Z")
}

fn slip(name: &str, source: &str) -> NamedSlipTemplate {
    NamedSlipTemplate { account_id: account_a(), name: name.into(), source: source.into(), modify_date: t0() }
}

fn email(name: &str, kind: MessageKind, subject: &str) -> NamedEmailTemplate {
    NamedEmailTemplate {
        account_id: account_a(),
        name: name.into(),
        kind,
        subject: subject.into(),
        html: "<p>Hello {{ customer.name }}</p>".into(),
        text: "Hello {{ customer.name }}".into(),
        modify_date: t0(),
    }
}

pub async fn named_slip_templates_per_account(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    assert_eq!(db.named_slip_template(&account_a(), "gift").await.unwrap(), None);
    assert_eq!(db.named_slip_templates(&account_a()).await.unwrap(), vec![]);

    let gift = slip("gift", "<slip>GIFT {{ order.number }}</slip>");
    let plain = slip("Plain", "<slip>plain</slip>");
    db.put_named_slip_template(&gift).await.unwrap();
    db.put_named_slip_template(&plain).await.unwrap();
    assert_eq!(db.named_slip_template(&account_a(), "gift").await.unwrap(), Some(gift.clone()));
    // Names are exact: another case is another template.
    assert_eq!(db.named_slip_template(&account_a(), "Gift").await.unwrap(), None);
    // By name, byte order (upper case first).
    assert_eq!(db.named_slip_templates(&account_a()).await.unwrap(), vec![plain.clone(), gift.clone()]);

    // Saving under the same name replaces it.
    let replaced = NamedSlipTemplate {
        source: "<slip>GIFT v2</slip>".into(),
        modify_date: t0() + SignedDuration::from_secs(5),
        ..gift.clone()
    };
    db.put_named_slip_template(&replaced).await.unwrap();
    assert_eq!(db.named_slip_template(&account_a(), "gift").await.unwrap(), Some(replaced.clone()));
    assert_eq!(db.named_slip_templates(&account_a()).await.unwrap().len(), 2);

    // Another account has its own names: the same name is a different template, and it sees none of A's.
    let of_b = NamedSlipTemplate { account_id: account_b(), source: "<slip>B</slip>".into(), ..gift.clone() };
    db.put_named_slip_template(&of_b).await.unwrap();
    assert_eq!(db.named_slip_template(&account_b(), "gift").await.unwrap(), Some(of_b.clone()));
    assert_eq!(db.named_slip_template(&account_a(), "gift").await.unwrap(), Some(replaced.clone()));
    assert_eq!(db.named_slip_templates(&account_b()).await.unwrap(), vec![of_b]);
    assert!(!db.delete_named_slip_template(&account_b(), "Plain").await.unwrap());

    let unknown = NamedSlipTemplate { account_id: "acc_nobody".parse().unwrap(), ..gift.clone() };
    let err = db.put_named_slip_template(&unknown).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "account", .. }), "{err:?}");

    assert!(db.delete_named_slip_template(&account_a(), "gift").await.unwrap());
    assert!(!db.delete_named_slip_template(&account_a(), "gift").await.unwrap());
    assert_eq!(db.named_slip_template(&account_a(), "gift").await.unwrap(), None);
    assert_eq!(db.named_slip_templates(&account_a()).await.unwrap(), vec![plain]);
}

pub async fn named_email_templates_per_account_and_kind(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    let shipped = email("gift", MessageKind::ShipmentEmail, "A gift is on its way: {{ order.number }}");
    assert_eq!(db.named_email_template(&account_a(), MessageKind::ShipmentEmail, "gift").await.unwrap(), None);
    db.put_named_email_template(&shipped).await.unwrap();
    assert_eq!(
        db.named_email_template(&account_a(), MessageKind::ShipmentEmail, "gift").await.unwrap(),
        Some(shipped.clone())
    );
    // The same name of the other kind is another template, not there yet.
    assert_eq!(db.named_email_template(&account_a(), MessageKind::DeliveryEmail, "gift").await.unwrap(), None);
    let delivered = email("gift", MessageKind::DeliveryEmail, "Your gift arrived");
    db.put_named_email_template(&delivered).await.unwrap();
    let other = email("bulk", MessageKind::ShipmentEmail, "Shipped");
    db.put_named_email_template(&other).await.unwrap();
    assert_eq!(
        db.named_email_templates(&account_a()).await.unwrap(),
        vec![other.clone(), delivered.clone(), shipped.clone()]
    );

    let replaced = NamedEmailTemplate { subject: "Gift shipped".into(), text: "v2".into(), ..shipped.clone() };
    db.put_named_email_template(&replaced).await.unwrap();
    assert_eq!(
        db.named_email_template(&account_a(), MessageKind::ShipmentEmail, "gift").await.unwrap(),
        Some(replaced.clone())
    );

    // Scoped by account.
    assert_eq!(db.named_email_template(&account_b(), MessageKind::ShipmentEmail, "gift").await.unwrap(), None);
    assert_eq!(db.named_email_templates(&account_b()).await.unwrap(), vec![]);
    assert!(!db.delete_named_email_template(&account_b(), MessageKind::ShipmentEmail, "gift").await.unwrap());
    let unknown = NamedEmailTemplate { account_id: "acc_nobody".parse().unwrap(), ..other.clone() };
    let err = db.put_named_email_template(&unknown).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { what: "account", .. }), "{err:?}");

    assert!(db.delete_named_email_template(&account_a(), MessageKind::ShipmentEmail, "gift").await.unwrap());
    assert!(!db.delete_named_email_template(&account_a(), MessageKind::ShipmentEmail, "gift").await.unwrap());
    assert_eq!(db.named_email_templates(&account_a()).await.unwrap(), vec![other, delivered]);
}
