use pretty_assertions::assert_eq;
use wharf_storage::{Backend, StorageError};

use crate::Db;
use crate::fixtures::*;

pub async fn default_account_is_created_once(db: Db) {
    let first = db.default_account(at("2026-11-26T08:00:00Z")).await.unwrap();
    assert_eq!(first.name, "Default");
    assert_eq!(first.alert_email, None);
    assert_eq!(first.create_date, at("2026-11-26T08:00:00Z"));
    assert!(first.account_id.as_str().starts_with("acc_"), "{}", first.account_id);

    let again = db.default_account(at("2026-11-27T08:00:00Z")).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(db.get_account(&first.account_id).await.unwrap(), first);
}

pub async fn default_account_is_shared_by_instances_starting_together(db: Db) {
    let other = db.guard.open_another().await;
    let (a, b) = tokio::join!(
        db.default_account(at("2026-11-26T08:00:00Z")),
        other.default_account(at("2026-11-26T08:00:01Z")),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
}

pub async fn accounts_insert_read_and_update(db: Db) {
    let mut acme = account(&account_a(), "Acme");
    db.insert_account(&acme).await.unwrap();
    assert_eq!(db.get_account(&account_a()).await.unwrap(), acme);

    acme.name = "Acme Outdoor".into();
    acme.alert_email = Some("ops@acme.example".into());
    db.update_account(&acme).await.unwrap();
    let read = db.get_account(&account_a()).await.unwrap();
    assert_eq!(read.name, "Acme Outdoor");
    assert_eq!(read.alert_email.as_deref(), Some("ops@acme.example"));
    assert_eq!(read.create_date, at("2026-11-01T09:00:00Z"));

    let again = db.insert_account(&account(&account_a(), "Copy")).await.unwrap_err();
    assert!(matches!(again, StorageError::Duplicate { what: "account", .. }), "{again:?}");
    let missing = db.get_account(&account_b()).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "account", .. }), "{missing:?}");
    let missing = db.update_account(&account(&account_b(), "Bolt")).await.unwrap_err();
    assert!(matches!(missing, StorageError::NotFound { what: "account", .. }), "{missing:?}");
}

/// The newest migration of `backend`, read from the file names in `migrations/<backend>/`.
fn newest_migration(backend: Backend) -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend.as_str());
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.split('_').next().unwrap().parse::<i64>().unwrap()
        })
        .max()
        .unwrap()
}

pub async fn connect_and_migrate_by_location(db: Db) {
    let expected_backend = db.guard.backend();
    let newest = newest_migration(expected_backend);
    let report = wharf_storage::migrate(db.guard.location()).await.unwrap();
    assert_eq!(report.backend, expected_backend);
    assert_eq!(report.applied_now, vec![], "the fresh database was migrated when opened");
    assert_eq!(report.current_version, Some(newest));
    let text = report.to_string();
    assert!(text.ends_with(&format!("schema is current (version {newest})")), "{text}");

    // A second instance opened by location sees what the first wrote.
    seed(&*db).await;
    let other = wharf_storage::connect(db.guard.location()).await.unwrap();
    assert_eq!(other.backend(), expected_backend.as_str());
    let main = other.find_store_by_name(&account_a(), "Main").await.unwrap();
    assert_eq!(main.map(|s| s.store_id), Some(store_a()));
    match expected_backend {
        Backend::Sqlite => assert_eq!(db.backend(), "sqlite"),
        Backend::Postgres => assert_eq!(db.backend(), "postgres"),
    }
}
